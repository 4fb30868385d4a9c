package model

import (
	"fmt"
	"math"
)

// LearnedDenoiser is a coordinate-wise denoiser f(v; theta) with learned
// parameters theta, differentiable in v and theta, the denoiser of a
// jointly trained shallow decoder (THEORY.md 5).
type LearnedDenoiser interface {
	Denoiser
	// Params returns theta; a trainer updates it in place.
	Params() []float64
	// Backward is the reverse pass of Denoise at the inputs v given the
	// output gradients g = dL/df(v): it sets dv[i] = g[i] f'(v[i]) (dv may
	// alias g) and adds sum_i g[i] df(v[i])/dtheta into grad (len(Params)).
	Backward(dv, grad, v, g []float64)
	// Validate reports an invalid parameter (NaN, infinite, out of range).
	Validate() error
}

// Params implements LearnedDenoiser: the values f(k_1), ..., f(k_K) (the
// knots stay fixed).
func (s *Spline) Params() []float64 { return s.Values }

// Backward implements LearnedDenoiser. On the piece |v| in [k_j, k_{j+1}]
// (its linear continuation beyond k_K included), f(v) = sign(v)((1 - t)
// f(k_j) + t f(k_{j+1})), so df/df(k_j) = sign(v)(1 - t), df/df(k_{j+1}) =
// sign(v) t and f'(v) = (f(k_{j+1}) - f(k_j))/(k_{j+1} - k_j) (f is odd).
func (s *Spline) Backward(dv, grad, v, g []float64) {
	for i, vi := range v {
		j, w0, w1 := s.piece(math.Abs(vi))
		gi := g[i]
		sg := gi
		if vi < 0 {
			sg = -gi
		}
		grad[j] += sg * w1
		lo, f0 := 0.0, 0.0
		if j > 0 {
			grad[j-1] += sg * w0
			lo, f0 = s.Knots[j-1], s.Values[j-1]
		}
		dv[i] = gi * (s.Values[j] - f0) / (s.Knots[j] - lo)
	}
}

// Indices into SoftThreshold.Theta.
const (
	SoftParamScale     = iota // a
	SoftParamThreshold        // theta
)

// SoftThreshold is the learned soft-thresholding denoiser
//
//	f(v) = a sign(v) max(|v| - theta, 0),
//
// the family of LASSO/ISTA shrinkage (a learned scale a and threshold theta,
// Theta = [a, theta]). f'(v) = a 1{|v| > theta}, df/da = sign(v)
// max(|v| - theta, 0), df/dtheta = -a sign(v) 1{|v| > theta}. A negative
// theta is allowed (f then jumps at 0); it is never a better denoiser of a
// symmetric prior than theta = 0.
type SoftThreshold struct{ Theta []float64 }

// NewSoftThreshold returns f with scale a and threshold theta.
func NewSoftThreshold(a, theta float64) *SoftThreshold {
	return &SoftThreshold{Theta: []float64{a, theta}}
}

// Denoise implements Denoiser.
func (s *SoftThreshold) Denoise(dst, v []float64) {
	a, th := s.Theta[SoftParamScale], s.Theta[SoftParamThreshold]
	for i, vi := range v {
		m := math.Abs(vi) - th
		switch {
		case m <= 0:
			dst[i] = 0
		case vi < 0:
			dst[i] = -a * m
		default:
			dst[i] = a * m
		}
	}
}

// Params implements LearnedDenoiser.
func (s *SoftThreshold) Params() []float64 { return s.Theta }

// Backward implements LearnedDenoiser.
func (s *SoftThreshold) Backward(dv, grad, v, g []float64) {
	a, th := s.Theta[SoftParamScale], s.Theta[SoftParamThreshold]
	for i, vi := range v {
		m := math.Abs(vi) - th
		if m <= 0 {
			dv[i] = 0
			continue
		}
		gi := g[i]
		sg := gi
		if vi < 0 {
			sg = -gi
		}
		grad[SoftParamScale] += sg * m
		grad[SoftParamThreshold] -= sg * a
		dv[i] = gi * a
	}
}

// Validate implements LearnedDenoiser.
func (s *SoftThreshold) Validate() error {
	if len(s.Theta) != 2 {
		return fmt.Errorf("model: soft threshold with %d parameters, want 2", len(s.Theta))
	}
	for _, v := range s.Theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("model: soft threshold parameter %v", v)
		}
	}
	return nil
}

// FitSoftThreshold returns the soft threshold that minimises the squared
// error sum_i (x_i - f(v_i))^2 over a grid of thresholds theta in
// [0, max |v|] (grid points, step max|v|/steps), each with its least-squares
// scale a = sum x_i st(v_i) / sum st(v_i)^2, st the unit soft threshold;
// the warm start of a jointly trained soft-threshold decoder.
func FitSoftThreshold(v, x []float64, steps int) (*SoftThreshold, error) {
	if len(v) != len(x) || len(v) == 0 || steps < 1 {
		return nil, fmt.Errorf("model: soft-threshold fit on %d statistics, %d targets, %d grid steps", len(v), len(x), steps)
	}
	var top float64
	for _, vi := range v {
		top = max(top, math.Abs(vi))
	}
	if !(top > 0) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("model: soft-threshold fit on statistics with max |v| = %v", top)
	}
	best, bestA, bestErr := 0.0, 0.0, math.Inf(1)
	for k := 0; k < steps; k++ {
		th := top * float64(k) / float64(steps)
		var sxs, sss, sxx float64
		for i, vi := range v {
			m := math.Abs(vi) - th
			if m <= 0 {
				sxx += x[i] * x[i]
				continue
			}
			if vi < 0 {
				m = -m
			}
			sxs += x[i] * m
			sss += m * m
			sxx += x[i] * x[i]
		}
		if sss == 0 {
			continue
		}
		a := sxs / sss
		if e := sxx - a*sxs; e < bestErr {
			best, bestA, bestErr = th, a, e
		}
	}
	return NewSoftThreshold(bestA, best), nil
}
