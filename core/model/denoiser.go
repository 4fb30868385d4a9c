package model

import (
	"errors"
	"fmt"
	"math"
	"slices"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Ensemble is the random-encoder family whose effective scalar channel a
// shallow decoder assumes.
type Ensemble int

const (
	// HaarEnsemble is a row-orthogonal encoder: n orthonormal rows of a Haar
	// rotation of R^d (rate r <= 1).
	HaarEnsemble Ensemble = iota
	// IIDEnsemble has i.i.d. N(0, 1/d) entries (any rate).
	IIDEnsemble
)

// String returns "haar" or "gaussian".
func (e Ensemble) String() string {
	switch e {
	case HaarEnsemble:
		return "haar"
	case IIDEnsemble:
		return "gaussian"
	}
	return fmt.Sprintf("Ensemble(%d)", int(e))
}

// EffectiveChannel returns the gain mu and the noise variance tau of the
// effective scalar channel of the shallow statistic u = B^T sign(Bx),
//
//	v = u/mu ≈ x + sqrt(tau) g,   g ~ N(0, 1),
//
// coordinate-wise as d -> inf: for Haar rows (THEORY.md 5) mu = sqrt(2/pi) r,
// mu^2 tau = r (1 - 2r/pi), so tau = (pi - 2r)/(2r); for i.i.d. N(0, 1/d)
// entries (THEORY.md 7.1) mu = sqrt(2/pi) r, mu^2 tau = r, so tau = pi/(2r).
// These are the decoder's parameters; package theory computes the predicted
// losses independently.
func EffectiveChannel(e Ensemble, r float64) (mu, tau float64, err error) {
	if !(r > 0) || math.IsInf(r, 0) {
		return 0, 0, fmt.Errorf("model: rate %v, want a finite r > 0", r)
	}
	mu = math.Sqrt(2/math.Pi) * r
	switch e {
	case HaarEnsemble:
		if r > 1 {
			return 0, 0, fmt.Errorf("model: a row-orthogonal encoder needs r <= 1, got %v", r)
		}
		return mu, (math.Pi - 2*r) / (2 * r), nil
	case IIDEnsemble:
		return mu, math.Pi / (2 * r), nil
	}
	return 0, 0, fmt.Errorf("model: unknown encoder ensemble %v", e)
}

// Denoiser is a coordinate-wise map f applied to the shallow statistic.
type Denoiser interface {
	// Denoise sets dst[i] = f(v[i]); dst may alias v.
	Denoise(dst, v []float64)
}

// MMSEDenoiser is the Bayes denoiser f(v) = eta_P(v; Tau) = E[x | v] of the
// scalar channel v = x + sqrt(Tau) g (THEORY.md 1, 6.1).
type MMSEDenoiser struct {
	Channel prior.Channel
	Tau     float64
}

// Denoise implements Denoiser.
func (m MMSEDenoiser) Denoise(dst, v []float64) {
	for i, vi := range v {
		dst[i], _, _ = m.Channel.Posterior(vi, m.Tau)
	}
}

// LinearDenoiser is f(v) = Slope v.
type LinearDenoiser struct{ Slope float64 }

// Denoise implements Denoiser.
func (l LinearDenoiser) Denoise(dst, v []float64) {
	for i, vi := range v {
		dst[i] = l.Slope * vi
	}
}

// Shallow is the shallow decoder followed by a coordinate-wise denoiser
// (THEORY.md 5):
//
//	x_hat = f(v),   v = Gain · s^T In,
//
// for codes s in {±1}^n and a read-in matrix In (n x d). With In = B (the
// encoder) and Gain = 1/mu, v = u/mu is the effective channel
// x + N(0, tau) of EffectiveChannel; with In = A^T (a learned linear decoder
// A, d x n) and Gain = 1, v = A s. Signals are rows: V = Gain · S In.
type Shallow struct {
	In   *mat.Dense[float64] // n x d
	Gain float64
	F    Denoiser
}

// NewShallowMMSE returns the shallow decoder plus MMSE denoiser for the
// encoder b (n x d) of ensemble e: v = B^T s/mu, x_hat = eta_P(v; tau) with
// mu, tau from EffectiveChannel. Its loss tends to mmse_P(1/tau)
// (mmse_P(2r/(pi - 2r)) for Haar rows, THEORY.md 5).
func NewShallowMMSE(b *mat.Dense[float64], ch prior.Channel, e Ensemble) (*Shallow, error) {
	if b == nil || ch == nil {
		return nil, errors.New("model: nil encoder or prior")
	}
	mu, tau, err := EffectiveChannel(e, float64(b.Rows)/float64(b.Cols))
	if err != nil {
		return nil, err
	}
	return &Shallow{In: b, Gain: 1 / mu, F: MMSEDenoiser{Channel: ch, Tau: tau}}, nil
}

// NewShallowLinear returns the linear decoder of the encoder b (n x d) of
// ensemble e written as a shallow decoder: x_hat = v/(1 + tau), the best
// linear scalar map of the effective channel. For Haar rows it is exactly
// x_hat = sqrt(2/pi) B^T s, with loss 1 - 2r/pi (THEORY.md 1(a), 5); for
// i.i.d. rows it is the matched filter with loss 1/(1 + 2r/pi).
func NewShallowLinear(b *mat.Dense[float64], e Ensemble) (*Shallow, error) {
	if b == nil {
		return nil, errors.New("model: nil encoder")
	}
	mu, tau, err := EffectiveChannel(e, float64(b.Rows)/float64(b.Cols))
	if err != nil {
		return nil, err
	}
	return &Shallow{In: b, Gain: 1 / mu, F: LinearDenoiser{Slope: 1 / (1 + tau)}}, nil
}

// Statistic sets dst (N x d) to V = Gain · S In for the codes S (N x n).
func (s *Shallow) Statistic(dst, codes *mat.Dense[float64]) {
	mat.Mul(dst, s.Gain, codes, kernel.NoTrans, s.In, kernel.NoTrans, 0)
}

// Decode sets dst (N x d) to the estimates f(V) of the codes S (N x n). It
// allocates nothing.
func (s *Shallow) Decode(dst, codes *mat.Dense[float64]) {
	s.Statistic(dst, codes)
	for i := range dst.Rows {
		row := dst.Row(i)
		s.F.Denoise(row, row)
	}
}

// Spline is an odd, continuous, piecewise-linear function on the knots
// 0 = k_0 < k_1 < ... < k_K with f(0) = 0 and f(k_j) = Values[j-1],
//
//	f(v) = sign(v) [ (1 - t) f(k_j) + t f(k_{j+1}) ],  t = (|v| - k_j)/(k_{j+1} - k_j),
//
// for |v| in [k_j, k_{j+1}], continued linearly beyond k_K with the slope of
// the last piece (j = K-1, t > 1). f is linear in Values, and every linear
// map f(v) = a v is a Spline (Values[j-1] = a k_j), so the best spline
// never does worse than the best linear scalar map on the data it is fitted
// to. It is the learned parametric denoiser of the shallow decoder.
type Spline struct {
	Knots  []float64 // k_1 < ... < k_K, all > 0 (k_0 = 0 is implicit)
	Values []float64 // f(k_1), ..., f(k_K)
}

// piece returns the basis weights of |v|: f(|v|) = w0 f(k_j) + w1 f(k_{j+1})
// with index j (0 <= j < K; f(k_0) = 0).
func (s *Spline) piece(a float64) (j int, w0, w1 float64) {
	k := s.Knots
	// Binary search for the last knot <= a (j = 0 below k_1).
	j, _ = slices.BinarySearch(k, a) // k[j-1] < a <= k[j] (0-based), so a lies in piece j
	if j >= len(k) {
		j = len(k) - 1
	}
	lo := 0.0
	if j > 0 {
		lo = k[j-1]
	}
	t := (a - lo) / (k[j] - lo)
	return j, 1 - t, t
}

// Eval returns f(v).
func (s *Spline) Eval(v float64) float64 {
	j, w0, w1 := s.piece(math.Abs(v))
	f := w1 * s.Values[j]
	if j > 0 {
		f += w0 * s.Values[j-1]
	}
	if v < 0 {
		return -f
	}
	return f
}

// Denoise implements Denoiser.
func (s *Spline) Denoise(dst, v []float64) {
	for i, vi := range v {
		dst[i] = s.Eval(vi)
	}
}

// Validate checks that the knots are positive, finite and strictly
// increasing, with one value each.
func (s *Spline) Validate() error {
	if len(s.Knots) < 1 || len(s.Values) != len(s.Knots) {
		return fmt.Errorf("model: spline with %d knots and %d values", len(s.Knots), len(s.Values))
	}
	prev := 0.0
	for i, k := range s.Knots {
		if !(k > prev) || math.IsInf(k, 0) {
			return fmt.Errorf("model: spline knot %d is %v, want finite and > %v", i+1, k, prev)
		}
		prev = k
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("model: spline value %d is %v", i+1, v)
		}
	}
	return nil
}

// UniformKnots returns k equally spaced knots j h, j = 1..k, with k h the
// 0.99-quantile of |v|: the Spline is then flexible wherever the data are,
// and linear (its last piece continued) in the top 1% of |v|, where a Bayes
// denoiser of a Gaussian-mixture prior is itself close to linear. The grid
// is chosen from the training statistic before the fit and then held fixed.
// (Knots at quantiles of |v| crowd near 0 for sparse priors and fit worse:
// BG(0.1), r = 1, d = 500, 16 knots: 0.143 against 0.130 for this grid.)
func UniformKnots(v []float64, k int) ([]float64, error) {
	if k < 1 || len(v) < 10*k {
		return nil, fmt.Errorf("model: %d knots from %d points, want k >= 1 and at least 10k points", k, len(v))
	}
	a := make([]float64, len(v))
	for i, x := range v {
		a[i] = math.Abs(x)
	}
	slices.Sort(a)
	top := a[int(0.99*float64(len(a)-1))]
	if !(top > 0) || math.IsInf(top, 0) {
		return nil, fmt.Errorf("model: 0.99-quantile of |v| is %v; no spline knots", top)
	}
	knots := make([]float64, k)
	for j := range knots {
		knots[j] = top * float64(j+1) / float64(k)
	}
	return knots, nil
}

// FitSpline returns the Spline on knots that minimises the empirical squared
// error sum_i (x_i - f(v_i))^2. Since f is linear in its values theta,
// f(v_i) = phi(v_i)^T theta, the minimiser solves the normal equations
//
//	(sum_i phi(v_i) phi(v_i)^T) theta = sum_i x_i phi(v_i),
//
// a K x K tridiagonal system (each point touches two adjacent knots), solved
// here by Cholesky. The objective is a convex quadratic, so gradient descent
// from any start with step below 2/lambda_max converges to this same point;
// the closed form is that limit. An error is returned if the Gram matrix is
// singular (a piece holds no points).
func FitSpline(v, x, knots []float64) (*Spline, error) {
	if len(v) != len(x) {
		return nil, fmt.Errorf("model: %d statistics and %d targets", len(v), len(x))
	}
	s := &Spline{Knots: slices.Clone(knots), Values: make([]float64, len(knots))}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	K := len(knots)
	g := gmat.NewSymDense(K, nil)
	rhs := gmat.NewVecDense(K, nil)
	for i, vi := range v {
		j, w0, w1 := s.piece(math.Abs(vi))
		sx := x[i] // f is odd: fit sign(v) x on |v|
		if vi < 0 {
			sx = -sx
		}
		g.SetSym(j, j, g.At(j, j)+w1*w1)
		rhs.SetVec(j, rhs.AtVec(j)+w1*sx)
		if j > 0 {
			g.SetSym(j-1, j-1, g.At(j-1, j-1)+w0*w0)
			g.SetSym(j-1, j, g.At(j-1, j)+w0*w1)
			rhs.SetVec(j-1, rhs.AtVec(j-1)+w0*sx)
		}
	}
	var ch gmat.Cholesky
	if !ch.Factorize(g) {
		return nil, errors.New("model: spline normal equations are singular (a knot interval holds no data; use fewer knots)")
	}
	theta := gmat.NewVecDense(K, nil)
	if err := ch.SolveVecTo(theta, rhs); err != nil {
		return nil, fmt.Errorf("model: spline fit: %w", err)
	}
	copy(s.Values, theta.RawVector().Data)
	return s, s.Validate()
}

// SignalLosses writes ||x_s - xhat_s||^2/d for each row s into loss and
// returns the control-variate estimate of their mean with c = ||x||^2/d,
// E c = 1 (THEORY.md 10; see MonteCarloLoss).
func SignalLosses(x, xhat *mat.Dense[float64], loss []float64) Estimate {
	c := make([]float64, x.Rows)
	d := float64(x.Cols)
	for s := range x.Rows {
		var e2, q float64
		xr, hr := x.Row(s), xhat.Row(s)
		for i, v := range xr {
			e := v - hr[i]
			e2 += e * e
			q += v * v
		}
		loss[s], c[s] = e2/d, q/d
	}
	return ControlVariate(loss[:x.Rows], c, 1)
}
