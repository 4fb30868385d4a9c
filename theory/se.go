package theory

import (
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/prior"
)

// SEOptions controls a state-evolution run. The zero value asks for the
// defaults of THEORY.md 12: no damping, |ΔMSE| < 1e-13, at most 5000 iterations.
type SEOptions struct {
	// Iters is the length of the reported trajectory; 0 reports every
	// iteration up to convergence. The fixed point is always computed.
	Iters int
	// MaxIter bounds the iterations spent looking for the fixed point (default 5000).
	MaxIter int
	// Tol is the convergence tolerance on the undamped MSE change (default 1e-13).
	Tol float64
	// Damping beta in [0, 1) replaces the state s by (1-beta) F(s) + beta s.
	// A damped step moves (1-beta) times as far as the undamped map, so the
	// stopping rule is |ΔMSE| < (1-beta) Tol: the same undamped residual.
	Damping float64
}

// SEResult is a state-evolution trajectory and its fixed points.
type SEResult struct {
	// Trajectory[t-1] is the predicted MSE after iteration t = 1, 2, ...,
	// started from the uninformed state (MSE 1 at t = 0).
	Trajectory []float64
	// FixedPoint is the MSE the uninformed start converges to: the
	// prediction for the algorithm run from scratch (THEORY.md 8.1).
	FixedPoint float64
	// Iterations is the number of iterations until the stopping rule held.
	Iterations int
	// Informed is the fixed point reached from the informed start (MSE 1e-10).
	// For a discrete prior it is 0, the spurious perfect-recovery fixed point
	// that SE always has (THEORY.md 8.1); when it differs from FixedPoint the
	// SE has two stable fixed points, and the algorithm reaches FixedPoint.
	Informed float64
}

// HasSecondFixedPoint reports whether the informed start converged to a
// different fixed point than the uninformed one (by more than 1e-9, the
// accuracy THEORY.md 10 asks of SE fixed points).
func (r SEResult) HasSecondFixedPoint() bool { return math.Abs(r.Informed-r.FixedPoint) > 1e-9 }

// perfect is the MSE below which SE has reached the MSE = 0 fixed point
// (mmse of a discrete prior underflows there, THEORY.md 8.1).
const perfect = 1e-300

// seStep maps a state to the next state and its MSE.
type seStep func(s float64) (next, mse float64, err error)

// runSE iterates step from (s, mse). With damping, mseOf recomputes the MSE
// of the damped state. It returns the trajectory (at least minLen long),
// the fixed point and the iterations to reach it.
func runSE(step seStep, mseOf func(float64) (float64, error), s, mse float64, minLen int, opt SEOptions) (traj []float64, fp float64, iters int, err error) {
	maxIter, tol, beta := opt.MaxIter, opt.Tol, opt.Damping
	if maxIter <= 0 {
		maxIter = 5000
	}
	if tol <= 0 {
		tol = 1e-13
	}
	converged := false
	for t := 1; t <= max(maxIter, minLen); t++ {
		next, nmse, err := step(s)
		if err != nil {
			return traj, 0, t, err
		}
		if beta > 0 && nmse > perfect {
			next = (1-beta)*next + beta*s
			if nmse, err = mseOf(next); err != nil {
				return traj, 0, t, err
			}
		}
		if math.IsNaN(nmse) || nmse < 0 || nmse > 1+1e-9 {
			return traj, 0, t, fmt.Errorf("theory: state evolution left [0, 1] at iteration %d (MSE %v)", t, nmse)
		}
		traj = append(traj, nmse)
		if !converged {
			d := math.Abs(nmse - mse)
			if nmse <= perfect || (d < (1-beta)*tol && d < (1-beta)*1e-6*nmse) {
				converged, fp, iters = true, nmse, t
			}
		}
		s, mse = next, nmse
		if converged && t >= minLen {
			if nmse <= perfect {
				for len(traj) < minLen {
					traj = append(traj, 0)
				}
				fp = 0
			}
			return traj, fp, iters, nil
		}
		if nmse <= perfect {
			// MSE = 0 is absorbing; pad the trajectory.
			for len(traj) < minLen {
				traj = append(traj, 0)
			}
			return traj, 0, iters, nil
		}
	}
	return traj, mse, maxIter, fmt.Errorf("theory: state evolution did not converge in %d iterations (last |ΔMSE| above %g; try damping)", maxIter, tol)
}

// GAMPStep is one iteration of the Bayes-optimal state evolution of GAMP
// for an i.i.d. Gaussian encoder (B_ij ~ N(0, 1/d)) and the sign channel
// at rate alpha = r (THEORY.md 7.1), written in the MSE V = 1 - m:
//
//	kappa = sqrt(m/V),  mhat = (alpha/V) I(kappa),  V' = mmse_P(mhat).
//
// From V = 1 (m = 0) it gives mhat = 2r/pi: one GAMP iteration is the i.i.d.
// shallow decoder plus the MMSE denoiser.
func GAMPStep(c prior.Channel, r, v float64) (float64, error) {
	if !(v > 0 && v <= 1) {
		return 0, fmt.Errorf("theory: GAMP state evolution at MSE %v, want 0 < MSE <= 1", v)
	}
	i, err := SignChannelI(math.Sqrt((1 - v) / v))
	if err != nil {
		return 0, err
	}
	return prior.MMSE(c, r/v*i)
}

// VAMPStep is one iteration of the state evolution of VAMP for a
// row-orthogonal (Haar) encoder and the sign channel at rate 0 < r <= 1
// (THEORY.md 7.2): from the prior module's precision gammaX and its
// MSE vx = mmse_P(gammaX),
//
//	gammaW = 1/vx - gammaX,  kappa = sqrt(gammaW - 1),
//	gammaX' = gammaW r I(kappa) / (1 - r I(kappa)).
//
// From gammaX = 0 it gives 2r/(pi - 2r): VAMP's first iteration is the
// shallow decoder plus the MMSE denoiser. The rounding of gammaW - 1 below 0
// (mmse <= 1/(1+gammaX) makes it >= 0) is clamped.
func VAMPStep(r, gammaX, vx float64) (float64, error) {
	if !(vx > 0 && vx <= 1) || !(gammaX >= 0) {
		return 0, fmt.Errorf("theory: VAMP state evolution at precision %v, MSE %v", gammaX, vx)
	}
	gw := 1/vx - gammaX
	i, err := SignChannelI(math.Sqrt(max(gw-1, 0)))
	if err != nil {
		return 0, err
	}
	ri := r * i
	return gw * ri / (1 - ri), nil
}

// GAMPStateEvolution runs the Bayes-optimal GAMP state evolution for an
// i.i.d. Gaussian encoder at rate r > 0 from the uninformed start (MSE 1)
// to its fixed point, and from the informed start (MSE 1e-10) to the other
// fixed point if there is one (THEORY.md 7.1, 8).
func GAMPStateEvolution(p prior.Prior, r float64, opt SEOptions) (SEResult, error) {
	c, err := seArgs(p, r, opt)
	if err != nil {
		return SEResult{}, err
	}
	step := func(v float64) (float64, float64, error) {
		nv, err := GAMPStep(c, r, v)
		return nv, nv, err
	}
	ident := func(v float64) (float64, error) { return v, nil }
	var res SEResult
	if res.Trajectory, res.FixedPoint, res.Iterations, err = runSE(step, ident, 1, 1, opt.Iters, opt); err != nil {
		return res, err
	}
	if _, res.Informed, _, err = runSE(step, ident, 1e-10, 1e-10, 0, opt); err != nil {
		return res, fmt.Errorf("informed start: %w", err)
	}
	res.Trajectory = trim(res.Trajectory, opt.Iters)
	return res, nil
}

// VAMPStateEvolution runs the VAMP state evolution for a row-orthogonal
// (Haar) encoder at rate 0 < r <= 1 (THEORY.md 7.2), from gammaX = 0 and
// from the informed start gammaX = 1e10. MSE_t = mmse_P(gammaX_t).
func VAMPStateEvolution(p prior.Prior, r float64, opt SEOptions) (SEResult, error) {
	c, err := seArgs(p, r, opt)
	if err != nil {
		return SEResult{}, err
	}
	if r > 1 {
		return SEResult{}, fmt.Errorf("theory: VAMP needs a row-orthogonal encoder, rate r <= 1, got %v", r)
	}
	// The state is gammaX; the step needs its MSE, which the previous step
	// computed, so it is carried in mse (a one-slot cache keyed by the state).
	cacheS, cacheM := 0.0, 1.0
	mseOf := func(g float64) (float64, error) {
		if g == cacheS {
			return cacheM, nil
		}
		m, err := prior.MMSE(c, g)
		if err == nil {
			cacheS, cacheM = g, m
		}
		return m, err
	}
	step := func(g float64) (float64, float64, error) {
		vx, err := mseOf(g)
		if err != nil {
			return 0, 0, err
		}
		if vx <= perfect {
			return g, 0, nil
		}
		ng, err := VAMPStep(r, g, vx)
		if err != nil {
			return 0, 0, err
		}
		nm, err := mseOf(ng)
		return ng, nm, err
	}
	var res SEResult
	if res.Trajectory, res.FixedPoint, res.Iterations, err = runSE(step, mseOf, 0, 1, opt.Iters, opt); err != nil {
		return res, err
	}
	m0, err := mseOf(1e10)
	if err != nil {
		return res, err
	}
	if _, res.Informed, _, err = runSE(step, mseOf, 1e10, m0, 0, opt); err != nil {
		return res, fmt.Errorf("informed start: %w", err)
	}
	res.Trajectory = trim(res.Trajectory, opt.Iters)
	return res, nil
}

// StateEvolution dispatches to VAMPStateEvolution (Haar) or
// GAMPStateEvolution (IIDGaussian).
func StateEvolution(p prior.Prior, r float64, enc Encoder, opt SEOptions) (SEResult, error) {
	switch enc {
	case Haar:
		return VAMPStateEvolution(p, r, opt)
	case IIDGaussian:
		return GAMPStateEvolution(p, r, opt)
	}
	return SEResult{}, fmt.Errorf("theory: unknown encoder %v", enc)
}

func seArgs(p prior.Prior, r float64, opt SEOptions) (prior.Channel, error) {
	if !(r > 0) || math.IsInf(r, 0) {
		return nil, fmt.Errorf("theory: rate r = %v, want a finite r > 0", r)
	}
	if opt.Iters < 0 || opt.MaxIter < 0 || !(opt.Tol >= 0) || !(opt.Damping >= 0 && opt.Damping < 1) {
		return nil, fmt.Errorf("theory: state-evolution options %+v: want Iters, MaxIter >= 0, Tol >= 0, 0 <= Damping < 1", opt)
	}
	return prior.AsChannel(p)
}

func trim(traj []float64, n int) []float64 {
	if n > 0 && len(traj) > n {
		return traj[:n]
	}
	return traj
}
