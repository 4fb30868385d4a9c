package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// SignalSet is a fixed set of signals (rows of X, N x d) and their codes
// Y = sign(X B^T) (N x n) under an encoder B.
type SignalSet struct{ X, Y *mat.Dense[float64] }

// NewSignalSet draws N signals from p and encodes them with b.
func NewSignalSet(p prior.Prior, b *mat.Dense[float64], rng *rand.Rand, N int) SignalSet {
	x := mat.New[float64](N, b.Cols)
	prior.Fill(p, rng, x.Data)
	y := mat.New[float64](N, b.Rows)
	model.Encode(y, b, x)
	return SignalSet{X: x, Y: y}
}

// FitShallowSpline fits the learned denoiser of a shallow decoder: it sets
// sh.F to the Spline with k equally spaced knots (model.UniformKnots) that
// minimises the squared error on the training signals (model.FitSpline), and
// returns it. The fit is exact least squares, the limit of gradient descent
// on this convex quadratic.
func FitShallowSpline(sh *model.Shallow, set SignalSet, knots int) (*model.Spline, error) {
	if set.Y.Cols != sh.In.Rows || set.X.Cols != sh.In.Cols {
		return nil, fmt.Errorf("train: signal set %dx%d with codes of length %d for a decoder %dx%d",
			set.X.Rows, set.X.Cols, set.Y.Cols, sh.In.Rows, sh.In.Cols)
	}
	v := mat.New[float64](set.X.Rows, set.X.Cols)
	sh.Statistic(v, set.Y)
	k, err := model.UniformKnots(v.Data, knots)
	if err != nil {
		return nil, err
	}
	s, err := model.FitSpline(v.Data, set.X.Data, k)
	if err != nil {
		return nil, err
	}
	sh.F = s
	return s, nil
}

// UnrolledConfig configures FitUnrolled. Zero fields take the defaults.
type UnrolledConfig struct {
	Steps     int     // Adam steps (default 300)
	Batch     int     // fresh training signals per step (default 32)
	LR        float64 // Adam step on the log-parameters (default 0.01)
	EvalEvery int     // validation interval in steps (default 10)
	Progress  Progress
}

// UnrolledFit reports a FitUnrolled run.
type UnrolledFit struct {
	// TrainLoss is the batch loss at each step.
	TrainLoss []float64
	// Validation[k] is the validation loss after ValidationStep[k] steps
	// (step 0: the initial parameters).
	Validation     []float64
	ValidationStep []int
	// Best is the index into Validation of the parameters kept.
	Best int
}

// FitUnrolled trains the parameters of u by Adam (beta1 0.9, beta2 0.999)
// on the final-layer loss (1/(N d)) ||x - x_hat_T||^2 of fresh batches of
// signals from p, encoded with u.B. Every EvalEvery steps it measures the
// loss on the validation set val, and at the end it sets u.Theta to the
// parameters with the lowest validation loss seen, the initial ones
// included (early stopping). So the returned network is never worse on val
// than the one passed in; held-out data must be a third set.
func FitUnrolled(ctx context.Context, u *model.UnrolledVAMP, p prior.Prior, rng *rand.Rand, val SignalSet, cfg UnrolledConfig) (UnrolledFit, error) {
	if cfg.Steps == 0 {
		cfg.Steps = 300
	}
	if cfg.Batch == 0 {
		cfg.Batch = 32
	}
	if cfg.LR == 0 {
		cfg.LR = 0.01
	}
	if cfg.EvalEvery == 0 {
		cfg.EvalEvery = 10
	}
	if cfg.Steps < 0 || cfg.Batch < 1 || !(cfg.LR > 0) || cfg.EvalEvery < 1 {
		return UnrolledFit{}, fmt.Errorf("train: invalid unrolled setting %+v", cfg)
	}
	if val.X == nil || val.X.Rows < 1 {
		return UnrolledFit{}, errors.New("train: empty validation set")
	}
	ws := u.NewWorkspace(max(cfg.Batch, min(val.X.Rows, 256)))
	tr := SignalSet{X: mat.New[float64](cfg.Batch, u.B.Cols), Y: mat.New[float64](cfg.Batch, u.B.Rows)}
	grad := make([]float64, len(u.Theta))
	best := append([]float64(nil), u.Theta...)
	var fit UnrolledFit
	validate := func(step int) error {
		l, err := UnrolledLoss(u, ws, val)
		if err != nil {
			return err
		}
		fit.Validation = append(fit.Validation, l)
		fit.ValidationStep = append(fit.ValidationStep, step)
		if l < fit.Validation[fit.Best] {
			fit.Best = len(fit.Validation) - 1
			copy(best, u.Theta)
		}
		return nil
	}
	if err := validate(0); err != nil {
		return fit, err
	}
	m, v := make([]float64, len(grad)), make([]float64, len(grad))
	const b1, b2, eps = 0.9, 0.999, 1e-8
	for step := 1; step <= cfg.Steps; step++ {
		if err := ctx.Err(); err != nil {
			copy(u.Theta, best)
			return fit, err
		}
		prior.Fill(p, rng, tr.X.Data)
		model.Encode(tr.Y, u.B, tr.X)
		loss, err := u.Gradient(ws, tr.X, tr.Y, grad)
		if err != nil {
			copy(u.Theta, best)
			return fit, fmt.Errorf("train: unrolled step %d: %w", step, err)
		}
		fit.TrainLoss = append(fit.TrainLoss, loss)
		c1 := 1 - math.Pow(b1, float64(step))
		c2 := 1 - math.Pow(b2, float64(step))
		for i, g := range grad {
			m[i] = b1*m[i] + (1-b1)*g
			v[i] = b2*v[i] + (1-b2)*g*g
			u.Theta[i] -= cfg.LR * (m[i] / c1) / (math.Sqrt(v[i]/c2) + eps)
		}
		if step%cfg.EvalEvery == 0 || step == cfg.Steps {
			if err := validate(step); err != nil {
				copy(u.Theta, best)
				return fit, err
			}
		}
		if cfg.Progress != nil {
			cfg.Progress(step, cfg.Steps, loss)
		}
	}
	copy(u.Theta, best)
	return fit, nil
}

// UnrolledLoss is the mean final-layer loss (1/N) sum_s ||x_s - x_hat_s||^2/d
// of u on the set, computed in batches of the workspace's size.
func UnrolledLoss(u *model.UnrolledVAMP, ws *model.UnrolledWorkspace, set SignalSet) (float64, error) {
	l := make([]float64, set.X.Rows)
	if err := UnrolledSignalLosses(u, ws, set, l, nil); err != nil {
		return 0, err
	}
	var s float64
	for _, v := range l {
		s += v
	}
	return s / float64(len(l)), nil
}

// UnrolledSignalLosses writes the final-layer loss ||x_s - x_hat_s||^2/d of
// each signal into loss (length N) and, if layers is non-nil (T x N), the
// loss after every layer. It runs in batches of the workspace's size.
// For the fixed algorithm, pass a network with Theta = 0.
func UnrolledSignalLosses(u *model.UnrolledVAMP, ws *model.UnrolledWorkspace, set SignalSet, loss []float64, layers [][]float64) error {
	T, N, batch := u.Layers(), set.X.Rows, ws.Cap()
	buf := make([][]float64, T)
	for t := range buf {
		buf[t] = make([]float64, batch)
	}
	for lo := 0; lo < N; lo += batch {
		hi := min(lo+batch, N)
		x := set.X.View(lo, 0, hi-lo, set.X.Cols)
		y := set.Y.View(lo, 0, hi-lo, set.Y.Cols)
		if _, err := u.Forward(ws, y); err != nil {
			return err
		}
		u.LayerMSE(ws, x, buf)
		copy(loss[lo:hi], buf[T-1][:hi-lo])
		if layers != nil {
			for t := range T {
				copy(layers[t][lo:hi], buf[t][:hi-lo])
			}
		}
	}
	return nil
}
