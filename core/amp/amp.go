package amp

import (
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Variance guards near perfect recovery (THEORY.md 8.1): the averaged
// posterior variance of a signal is floored at VarianceFloor, and a signal
// whose averaged posterior variance falls below FreezeBelow is frozen (its
// estimate is kept and no longer updated). Without them VAMP's messages
// degenerate once the posterior variance underflows (MSE 0.002 -> 0.7 at
// r = 1); no non-degenerate case is affected. VAMP's extrinsic precision
// gamma_w is kept at or above GammaWFloor (finite-d rounding).
const (
	VarianceFloor = 1e-6
	FreezeBelow   = 1e-5
	GammaWFloor   = 1e-11
)

// Result is the output of a decoder run on S signals.
type Result struct {
	// Xhat holds the final estimates, one signal per row (S x d).
	Xhat *mat.Dense[float64]
	// MSE[t-1][s] is ||x_s - xhat_s||^2/d after iteration t, when the true
	// signals were given (nil otherwise).
	MSE [][]float64
	// Frozen[s] is the iteration after which signal s was frozen (0: never).
	Frozen []int
}

// checkArgs validates the shapes of a decoder call.
func checkArgs(b, y, truth *mat.Dense[float64], c prior.Channel, iters int) error {
	switch {
	case b == nil || y == nil || c == nil:
		return fmt.Errorf("amp: nil encoder, codes or prior")
	case y.Cols != b.Rows:
		return fmt.Errorf("amp: codes of length %d for an encoder with %d rows", y.Cols, b.Rows)
	case iters < 1:
		return fmt.Errorf("amp: %d iterations, want >= 1", iters)
	case truth != nil && (truth.Rows != y.Rows || truth.Cols != b.Cols):
		return fmt.Errorf("amp: true signals %dx%d, want %dx%d", truth.Rows, truth.Cols, y.Rows, b.Cols)
	}
	for i := range y.Rows {
		for _, v := range y.Row(i) {
			if v != 1 && v != -1 {
				return fmt.Errorf("amp: code entry %v, want ±1", v)
			}
		}
	}
	return nil
}

// denoise sets xhat = eta_P(r; tau) coordinate-wise and returns the averaged
// posterior variance <Var[x|r]>.
func denoise(c prior.Channel, r, xhat []float64, tau float64) float64 {
	var v float64
	for i, ri := range r {
		m, vi, _ := c.Posterior(ri, tau)
		xhat[i] = m
		v += vi
	}
	return v / float64(len(r))
}

func mse(x, xhat []float64) float64 {
	var s float64
	for i, v := range x {
		d := v - xhat[i]
		s += d * d
	}
	return s / float64(len(x))
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// GAMP runs iters iterations of Bayes-optimal GAMP with scalar variances for
// the codes y = sign(Bx) (rows of y), an i.i.d. Gaussian encoder B (n x d)
// and the MMSE denoiser of c (THEORY.md 7.1). With fro = ||B||_F^2, from
// xhat = 0, v_x = 1, shat = 0, each iteration is
//
//	v_p = (fro/n) v_x;  p = B xhat - v_p shat
//	a = y p/sqrt(v_p);  shat = y h(a)/sqrt(v_p);  v_s = <a h(a) + h(a)^2>/v_p
//	v_r = 1/((fro/d) v_s);  r = xhat + v_r B^T shat
//	xhat = eta_P(r; v_r);  v_x = max(<Var[x|r]>, VarianceFloor)
//
// with h the inverse Mills ratio. If truth is non-nil the per-iteration MSE
// is recorded. A non-finite message is an error naming the iteration.
func GAMP(b, y *mat.Dense[float64], c prior.Channel, iters int, truth *mat.Dense[float64]) (*Result, error) {
	if err := checkArgs(b, y, truth, c, iters); err != nil {
		return nil, err
	}
	n, d, S := b.Rows, b.Cols, y.Rows
	var fro float64
	for i := range n {
		for _, v := range b.Row(i) {
			fro += v * v
		}
	}
	xhat := mat.New[float64](S, d)
	shat := mat.New[float64](S, n)
	p := mat.New[float64](S, n)
	r := mat.New[float64](S, d)
	vx := make([]float64, S)
	for s := range vx {
		vx[s] = 1
	}
	res := &Result{Xhat: xhat, Frozen: make([]int, S)}
	for t := 1; t <= iters; t++ {
		mat.Mul(p, 1, xhat, kernel.NoTrans, b, kernel.Trans, 0) // B xhat
		vr := make([]float64, S)
		for s := range S {
			if res.Frozen[s] > 0 {
				continue
			}
			vp := fro / float64(n) * vx[s]
			sq := math.Sqrt(vp)
			ps, ss, ys := p.Row(s), shat.Row(s), y.Row(s)
			var sumVs float64
			for i := range ps {
				pi := ps[i] - vp*ss[i]
				a := ys[i] * pi / sq
				h := prior.InverseMills(a)
				ss[i] = ys[i] * h / sq
				sumVs += 1 - prior.TruncatedVariance(a) // a h + h^2
			}
			vs := sumVs / float64(n) / vp
			vr[s] = 1 / (fro / float64(d) * vs)
			if !finite(vs, vr[s]) || !(vr[s] > 0) {
				return res, fmt.Errorf("amp: GAMP diverged at iteration %d, signal %d (v_s = %v)", t, s, vs)
			}
		}
		mat.Mul(r, 1, shat, kernel.NoTrans, b, kernel.NoTrans, 0) // B^T shat
		for s := range S {
			if res.Frozen[s] > 0 {
				continue
			}
			rs, xs := r.Row(s), xhat.Row(s)
			for i := range rs {
				rs[i] = xs[i] + vr[s]*rs[i]
			}
			v := denoise(c, rs, xs, vr[s])
			if !finite(v) {
				return res, fmt.Errorf("amp: GAMP diverged at iteration %d, signal %d (v_x = %v)", t, s, v)
			}
			if v < FreezeBelow {
				res.Frozen[s] = t
			}
			vx[s] = max(v, VarianceFloor)
		}
		if err := record(res, truth, t); err != nil {
			return res, err
		}
	}
	return res, nil
}

func record(res *Result, truth *mat.Dense[float64], t int) error {
	if truth == nil {
		return nil
	}
	row := make([]float64, truth.Rows)
	for s := range row {
		row[s] = mse(truth.Row(s), res.Xhat.Row(s))
		if !finite(row[s]) {
			return fmt.Errorf("amp: non-finite estimate at iteration %d, signal %d", t, s)
		}
	}
	res.MSE = append(res.MSE, row)
	return nil
}

// VAMP runs iters iterations of VAMP (expectation propagation) for the codes
// y = sign(Bx) with a row-orthogonal encoder B (n x d, B B^T = I) and the
// MMSE denoiser of c (THEORY.md 7.2). B is completed to a rotation
// O = [B; B_perp] that is never formed: w = O x has its first n coordinates
// observed through the sign and the rest unobserved. From gamma_x = 0,
// r_x = 0, each iteration is
//
//	prior:   xhat = eta_P(r_x; 1/gamma_x), v_x = <Var>
//	         gamma_w = 1/v_x - gamma_x, r_x' = (xhat/v_x - gamma_x r_x)/gamma_w
//	output:  p = B r_x';  a = y p sqrt(gamma_w)
//	         what - p = y h(a)/sqrt(gamma_w), Var_i = (1 - h(a)(a + h(a)))/gamma_w
//	         v_w = (sum_i Var_i + (d - n)/gamma_w)/d
//	         gamma_x = 1/v_w - gamma_w;  r_x = r_x' + B^T (what - p)/(v_w gamma_x)
//
// (the last line is r_x' + B^T (r_w' - p) with the extrinsic
// r_w' = (what/v_w - gamma_w p)/gamma_x; the unobserved coordinates have
// r_w' = p). The MSE after iteration t is that of eta_P(r_x; 1/gamma_x).
// v_x is floored at VarianceFloor and gamma_w at GammaWFloor.
func VAMP(b, y *mat.Dense[float64], c prior.Channel, iters int, truth *mat.Dense[float64]) (*Result, error) {
	if err := checkArgs(b, y, truth, c, iters); err != nil {
		return nil, err
	}
	n, d, S := b.Rows, b.Cols, y.Rows
	if n > d {
		return nil, fmt.Errorf("amp: VAMP needs a row-orthogonal encoder with n <= d, got %dx%d", n, d)
	}
	xhat := mat.New[float64](S, d)
	rx := mat.New[float64](S, d)  // r_x, then r_x'
	p := mat.New[float64](S, n)   // p, then (r_w' - p)
	upd := mat.New[float64](S, d) // B^T (r_w' - p)
	gx := make([]float64, S)
	vx := make([]float64, S)
	res := &Result{Xhat: xhat, Frozen: make([]int, S)}
	for s := range S {
		vx[s] = denoise(c, rx.Row(s), xhat.Row(s), math.Inf(1)) // prior mean 0, variance 1
	}
	gw := make([]float64, S)
	for t := 1; t <= iters; t++ {
		for s := range S {
			if res.Frozen[s] > 0 {
				continue
			}
			gw[s] = max(1/vx[s]-gx[s], GammaWFloor)
			rs, xs := rx.Row(s), xhat.Row(s)
			for i := range rs {
				rs[i] = (xs[i]/vx[s] - gx[s]*rs[i]) / gw[s]
			}
		}
		mat.Mul(p, 1, rx, kernel.NoTrans, b, kernel.Trans, 0)
		for s := range S {
			if res.Frozen[s] > 0 {
				for i := range p.Row(s) {
					p.Row(s)[i] = 0
				}
				continue
			}
			sq := math.Sqrt(gw[s])
			ps, ys := p.Row(s), y.Row(s)
			var sumVar float64
			for i := range ps {
				a := ys[i] * ps[i] * sq
				ps[i] = ys[i] * prior.InverseMills(a) / sq // what - p
				sumVar += prior.TruncatedVariance(a) / gw[s]
			}
			vw := (sumVar + float64(d-n)/gw[s]) / float64(d)
			gx[s] = 1/vw - gw[s]
			if !finite(vw, gx[s]) || !(gx[s] > 0) {
				return res, fmt.Errorf("amp: VAMP diverged at iteration %d, signal %d (v_w = %v, gamma_x = %v)", t, s, vw, gx[s])
			}
			k := 1 / (vw * gx[s])
			for i := range ps {
				ps[i] *= k
			}
		}
		mat.Mul(upd, 1, p, kernel.NoTrans, b, kernel.NoTrans, 0)
		for s := range S {
			if res.Frozen[s] > 0 {
				continue
			}
			rs, us := rx.Row(s), upd.Row(s)
			for i := range rs {
				rs[i] += us[i]
			}
			v := denoise(c, rs, xhat.Row(s), 1/gx[s])
			if !finite(v) {
				return res, fmt.Errorf("amp: VAMP diverged at iteration %d, signal %d (v_x = %v)", t, s, v)
			}
			if v < FreezeBelow {
				res.Frozen[s] = t
			}
			vx[s] = max(v, VarianceFloor)
		}
		if err := record(res, truth, t); err != nil {
			return res, err
		}
	}
	return res, nil
}
