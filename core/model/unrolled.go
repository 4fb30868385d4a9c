package model

import (
	"errors"
	"fmt"
	"github.com/seed05b1c944/onebit/core/amp"
	"math"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Indices of a layer's parameters in UnrolledVAMP.Theta. Each is the
// logarithm of a positive factor that multiplies one of the fixed
// algorithm's scalars, so Theta = 0 is the fixed algorithm and any real
// Theta is a valid network.
const (
	ParamGain  = iota // log G_t:     g = G sqrt(gamma_w)
	ParamStep         // log C_t:     c = C/(sqrt(gamma_w) v_w gamma_x)
	ParamTau          // log Tf_t:    tau = Tf/gamma_x
	ParamAlpha        // log A_t:     alpha = A/(v_x gamma_w)
	ParamBeta         // log Bf_t:    beta = Bf gamma_x/gamma_w
	ParamsPerLayer
)

// The guards of the fixed algorithm are core/amp's (THEORY.md 8.1): the
// averaged posterior variance is floored at amp.VarianceFloor and gamma_w at
// amp.GammaWFloor. Where a guard is active its derivative is 0.

// Central-difference steps for the derivatives the channel does not give in
// closed form: d eta/d tau and d Var/d tau with relative step tauStep, and
// d Var/dr with step rStep (1 + |r|). Truncation error ~ step^2 = 1e-10,
// rounding error ~ 1e-16/step = 1e-11.
const (
	tauStep = 1e-5
	rStep   = 1e-5
)

// UnrolledVAMP is a multi-layer decoder: T unrolled layers of VAMP for the
// codes y = sign(Bx) of a row-orthogonal encoder B (n x d, THEORY.md 7.2)
// whose scalars carry learned per-layer factors. Per signal, layer t maps
// (x_hat, r, v_x, gamma_x) of layer t-1 to the same four quantities
// (layer 1 starts from x_hat = r = 0, v_x = 1, gamma_x = 0):
//
//	gamma_w = 1/v_x - gamma_x
//	q       = alpha x_hat - beta r,            alpha = A/(v_x gamma_w), beta = Bf gamma_x/gamma_w
//	p       = B q
//	a       = g y ∘ p,  m = y ∘ h(a),          g = G sqrt(gamma_w)   (h: inverse Mills ratio)
//	v_w     = (sum_i (1 - h(a_i)(a_i + h(a_i))) + d - n)/(gamma_w d)
//	gamma_x'= 1/v_w - gamma_w
//	r'      = q + c B^T m,                     c = C/(sqrt(gamma_w) v_w gamma_x')
//	x_hat'  = eta_P(r'; tau),  v_x' = <Var[x|r'; tau]>,   tau = Tf/gamma_x',  gamma_x'' = 1/tau
//
// With all factors 1 (Theta = 0) this is exactly the fixed algorithm
// core/amp.VAMP, whose scalars adapt to each signal; the learned factors
// (G, C, Tf, A, Bf per layer, in log space) correct them. Keeping the
// per-signal adaptation matters at finite d: replacing the scalars by
// batch averages costs 0.004 in MSE for BG(0.1), r = 1, d = 500 (5% of the
// loss), because ||x||^2/d fluctuates from signal to signal (std 0.24).
//
// Each layer is two matrix products plus coordinate-wise maps and per-signal
// scalar algebra, so the backward pass (Gradient) is two more products,
// the derivatives d eta/dr = Var/tau, h'(a) = -h(a)(a + h(a)), and central
// differences for d eta/d tau, d Var/d tau and d Var/dr.
type UnrolledVAMP struct {
	B       *mat.Dense[float64] // encoder, n x d, orthonormal rows
	Channel prior.Channel
	// Theta holds ParamsPerLayer log-factors per layer; layer t (0-based)
	// uses Theta[t*ParamsPerLayer:(t+1)*ParamsPerLayer]. The first layer's
	// Gain, Alpha and Beta have no effect (q = 0 there).
	Theta []float64
}

// NewUnrolledVAMP returns a T-layer network for the encoder b and prior ch,
// initialised at the fixed algorithm (Theta = 0).
func NewUnrolledVAMP(b *mat.Dense[float64], ch prior.Channel, layers int) (*UnrolledVAMP, error) {
	switch {
	case b == nil || ch == nil:
		return nil, errors.New("model: nil encoder or prior")
	case layers < 1:
		return nil, fmt.Errorf("model: %d layers, want >= 1", layers)
	case b.Rows > b.Cols:
		return nil, fmt.Errorf("model: unrolled VAMP needs a row-orthogonal encoder with n <= d, got %dx%d", b.Rows, b.Cols)
	}
	return &UnrolledVAMP{B: b, Channel: ch, Theta: make([]float64, layers*ParamsPerLayer)}, nil
}

// Layers is T.
func (u *UnrolledVAMP) Layers() int { return len(u.Theta) / ParamsPerLayer }

// LayerParams are the learned factors of one layer (exponentials of Theta).
type LayerParams struct{ Gain, Step, Tau, Alpha, Beta float64 }

// Layer returns the factors of layer t (0-based).
func (u *UnrolledVAMP) Layer(t int) LayerParams {
	th := u.Theta[t*ParamsPerLayer:]
	return LayerParams{Gain: math.Exp(th[ParamGain]), Step: math.Exp(th[ParamStep]), Tau: math.Exp(th[ParamTau]),
		Alpha: math.Exp(th[ParamAlpha]), Beta: math.Exp(th[ParamBeta])}
}

// Clone returns a copy with its own Theta (B and Channel are shared).
func (u *UnrolledVAMP) Clone() *UnrolledVAMP {
	c := *u
	c.Theta = append([]float64(nil), u.Theta...)
	return &c
}

// layerScalars are one layer's per-signal scalars.
type layerScalars struct {
	vxIn, gxIn, gw, vw, gxp, vxOut []float64
	fw, fv                         []bool // guard inactive (derivative flows)
}

// UnrolledWorkspace holds the activations of a batch of up to Cap signals,
// reused across calls so that Forward and Gradient allocate nothing.
type UnrolledWorkspace struct {
	batchBuffers
	// per layer: q, r and x_hat (N x d), p and h(a) (N x n); for the
	// backward pass d eta/dr, d eta/dtau, d Var/dtau, d Var/dr at r (N x d).
	q, r, xh, etaR, etaT, varT, varR, p, m []*mat.Dense[float64]
	sc                                     []layerScalars
	rbar, xbar                             *mat.Dense[float64] // N x d
	z, zc                                  *mat.Dense[float64] // N x n
	vbar, gbar, t1, t2                     []float64           // per-signal adjoints and scratch
	hasDeriv                               bool
	// pm gives the denoiser's derivatives analytically for a mixture prior
	// (nil: central differences).
	pm *posteriorMoments
}

// NewWorkspace returns a workspace for batches of up to batch signals.
func (u *UnrolledVAMP) NewWorkspace(batch int) *UnrolledWorkspace {
	n, d, T := u.B.Rows, u.B.Cols, u.Layers()
	ws := &UnrolledWorkspace{batchBuffers: batchBuffers{cap: batch, rows: batch}, pm: newPosteriorMoments(u.Channel)}
	newBuf := ws.newBuf
	vec := func() []float64 { return make([]float64, batch) }
	for range T {
		ws.q = append(ws.q, newBuf(d))
		ws.r = append(ws.r, newBuf(d))
		ws.xh = append(ws.xh, newBuf(d))
		ws.etaR = append(ws.etaR, newBuf(d))
		ws.etaT = append(ws.etaT, newBuf(d))
		ws.varT = append(ws.varT, newBuf(d))
		ws.varR = append(ws.varR, newBuf(d))
		ws.p = append(ws.p, newBuf(n))
		ws.m = append(ws.m, newBuf(n))
		ws.sc = append(ws.sc, layerScalars{vxIn: vec(), gxIn: vec(), gw: vec(), vw: vec(), gxp: vec(), vxOut: vec(),
			fw: make([]bool, batch), fv: make([]bool, batch)})
	}
	ws.rbar, ws.xbar, ws.z, ws.zc = newBuf(d), newBuf(d), newBuf(n), newBuf(n)
	ws.vbar, ws.gbar, ws.t1, ws.t2 = vec(), vec(), vec(), vec()
	return ws
}

func (u *UnrolledVAMP) check(ws *UnrolledWorkspace, y *mat.Dense[float64]) error {
	switch {
	case y.Cols != u.B.Rows:
		return fmt.Errorf("model: codes of length %d for an encoder with %d rows", y.Cols, u.B.Rows)
	case len(ws.r) != u.Layers() || ws.r[0].Cols != u.B.Cols:
		return errors.New("model: workspace was made for a different network")
	}
	return ws.setRows(y.Rows)
}

// Forward runs the network on the codes y (N x n, rows ±1) and returns the
// final estimates x_hat_T (N x d, a view into ws valid until the next call).
// The per-layer estimates stay in ws for LayerMSE. With Theta = 0 it
// matches core/amp.VAMP as long as no signal's averaged posterior variance
// drops below amp.FreezeBelow (this network does not freeze signals).
func (u *UnrolledVAMP) Forward(ws *UnrolledWorkspace, y *mat.Dense[float64]) (*mat.Dense[float64], error) {
	if err := u.check(ws, y); err != nil {
		return nil, err
	}
	ws.hasDeriv = false
	if err := u.forward(ws, y); err != nil {
		return nil, err
	}
	return ws.xh[u.Layers()-1], nil
}

// forward runs the layers of UnrolledVAMP on the codes y, keeping every
// layer's activations and scalars in ws (and the denoiser's derivatives if
// ws.hasDeriv). Per layer: the extrinsic message q and p = B q
// (messageForward), the output module (outputForward), r = q + c B^T m, and
// the prior module (denoiserForward).
func (u *UnrolledVAMP) forward(ws *UnrolledWorkspace, y *mat.Dense[float64]) error {
	for t := range u.Layers() {
		lp := u.Layer(t)
		u.messageForward(ws, t, y.Rows, lp)
		r := ws.r[t]
		r.Copy(ws.q[t])
		if err := u.outputForward(ws, y, t, lp); err != nil {
			return err
		}
		mat.Mul(r, 1, ws.z, kernel.NoTrans, u.B, kernel.NoTrans, 1)
		if err := u.denoiserForward(ws, t, y.Rows, lp); err != nil {
			return err
		}
	}
	return nil
}

// messageForward sets the scalars entering layer t (v_x, gamma_x: 1 and 0
// in the first layer, else the previous layer's v_x' and 1/tau),
// gamma_w = max(1/v_x - gamma_x, floor) (THEORY.md 7.2, 8.1), the
// extrinsic message q = alpha x_hat - beta r (0 in the first layer) and
// p = B q.
func (u *UnrolledVAMP) messageForward(ws *UnrolledWorkspace, t, N int, lp LayerParams) {
	sc, p, q := ws.sc[t], ws.p[t], ws.q[t]
	for s := range N {
		if t == 0 {
			sc.vxIn[s], sc.gxIn[s] = 1, 0
		} else {
			// gamma_x of the previous layer's denoiser: 1/tau = gamma_x'/Tf.
			sc.vxIn[s], sc.gxIn[s] = ws.sc[t-1].vxOut[s], ws.sc[t-1].gxp[s]/math.Exp(u.Theta[(t-1)*ParamsPerLayer+ParamTau])
		}
		gw := 1/sc.vxIn[s] - sc.gxIn[s]
		sc.fw[s] = gw > amp.GammaWFloor
		sc.gw[s] = max(gw, amp.GammaWFloor)
	}
	if t == 0 {
		clear(q.Data)
		clear(p.Data)
		return
	}
	for s := range N {
		al := lp.Alpha / (sc.vxIn[s] * sc.gw[s])
		be := lp.Beta * sc.gxIn[s] / sc.gw[s]
		qs, xs, rs := q.Row(s), ws.xh[t-1].Row(s), ws.r[t-1].Row(s)
		for i := range qs {
			qs[i] = al*xs[i] - be*rs[i]
		}
	}
	mat.Mul(p, 1, q, kernel.NoTrans, u.B, kernel.Trans, 0)
}

// outputForward is the output module of layer t (THEORY.md 7.2): with
// a = g y p, g = G sqrt(gamma_w), it sets m = h(a) (the inverse Mills
// ratio; the code factor y is applied where m is used),
// v_w = (sum_i TV(a_i) + d - n)/(gamma_w d), gamma_x' = 1/v_w - gamma_w,
// and ws.z = c y h(a) with c = C/(sqrt(gamma_w) v_w gamma_x'). It fails if
// gamma_x' is not positive and finite.
func (u *UnrolledVAMP) outputForward(ws *UnrolledWorkspace, y *mat.Dense[float64], t int, lp LayerParams) error {
	n, d := u.B.Rows, u.B.Cols
	fd := float64(d)
	sc, p, m := ws.sc[t], ws.p[t], ws.m[t]
	for s := range y.Rows {
		gw := sc.gw[s]
		g := lp.Gain * math.Sqrt(gw)
		ps, ms, ys, zs := p.Row(s), m.Row(s), y.Row(s), ws.z.Row(s)
		var sumVar float64
		for i := range ps {
			a := g * ys[i] * ps[i]
			h := prior.InverseMills(a)
			ms[i] = h
			sumVar += min(max(1-h*(a+h), 0), 1) // prior.TruncatedVariance(a)
		}
		vw := (sumVar + float64(d-n)) / (gw * fd)
		gxp := 1/vw - gw
		if !(gxp > 0) || math.IsInf(gxp, 0) {
			return fmt.Errorf("model: unrolled VAMP diverged at layer %d, signal %d (v_w = %v, gamma_x = %v)", t+1, s, vw, gxp)
		}
		sc.vw[s], sc.gxp[s] = vw, gxp
		c := lp.Step / (math.Sqrt(gw) * vw * gxp)
		for i, h := range ms {
			zs[i] = c * ys[i] * h
		}
	}
	return nil
}

// denoiserForward is the prior module of layer t (THEORY.md 7.2, 8.1):
// x_hat = eta_P(r; tau) with tau = Tf/gamma_x' and
// v_x' = max(<Var[x | r; tau]>, floor), plus the derivatives d eta/dr,
// d eta/dtau, d Var/dtau, d Var/dr if ws.hasDeriv (analytic for a mixture
// prior, else centralDerivs). It fails on a NaN variance.
func (u *UnrolledVAMP) denoiserForward(ws *UnrolledWorkspace, t, N int, lp LayerParams) error {
	sc, r, xh, fd := ws.sc[t], ws.r[t], ws.xh[t], float64(u.B.Cols)
	for s := range N {
		tau := lp.Tau / sc.gxp[s]
		rs, xs := r.Row(s), xh.Row(s)
		var sumVar float64
		if ws.hasDeriv {
			er, et, vt, vr := ws.etaR[t].Row(s), ws.etaT[t].Row(s), ws.varT[t].Row(s), ws.varR[t].Row(s)
			if ws.pm != nil {
				for i, ri := range rs {
					var v float64
					xs[i], v, er[i], et[i], vt[i], vr[i] = ws.pm.derivs(ri, tau)
					sumVar += v
				}
			} else {
				sumVar += u.centralDerivs(rs, xs, er, et, vt, vr, tau)
			}
		} else {
			for i, ri := range rs {
				mean, v, _ := u.Channel.Posterior(ri, tau)
				xs[i] = mean
				sumVar += v
			}
		}
		vx := sumVar / fd
		sc.fv[s] = vx > amp.VarianceFloor
		sc.vxOut[s] = max(vx, amp.VarianceFloor)
		if math.IsNaN(vx) {
			return fmt.Errorf("model: unrolled VAMP produced a non-finite estimate at layer %d, signal %d", t+1, s)
		}
	}
	return nil
}

// centralDerivs sets x_hat = eta(r; tau) and the derivatives d eta/dr
// (= Var/tau), and by central differences d eta/dtau, d Var/dtau, d Var/dr,
// for a prior that is not a Gaussian mixture; it returns sum Var.
func (u *UnrolledVAMP) centralDerivs(rs, xs, er, et, vt, vr []float64, tau float64) (sumVar float64) {
	tp, tm := tau*(1+tauStep), tau*(1-tauStep)
	for i, ri := range rs {
		mean, v, _ := u.Channel.Posterior(ri, tau)
		xs[i], er[i] = mean, v/tau
		sumVar += v
		mp, vp, _ := u.Channel.Posterior(ri, tp)
		mm, vm, _ := u.Channel.Posterior(ri, tm)
		et[i] = (mp - mm) / (tp - tm)
		vt[i] = (vp - vm) / (tp - tm)
		h := rStep * (1 + math.Abs(ri))
		_, v1, _ := u.Channel.Posterior(ri+h, tau)
		_, v2, _ := u.Channel.Posterior(ri-h, tau)
		vr[i] = (v1 - v2) / (2 * h)
	}
	return sumVar
}

// LayerMSE sets dst[t][s] = ||x_s - x_hat_{t+1,s}||^2/d for every layer t
// and signal s of the last Forward on ws (dst is T x N).
func (u *UnrolledVAMP) LayerMSE(ws *UnrolledWorkspace, x *mat.Dense[float64], dst [][]float64) {
	d := float64(x.Cols)
	for t := range u.Layers() {
		for s := range x.Rows {
			var e2 float64
			hr := ws.xh[t].Row(s)
			for i, v := range x.Row(s) {
				e := v - hr[i]
				e2 += e * e
			}
			dst[t][s] = e2 / d
		}
	}
}

// Gradient runs the network on the codes y of the signals x (N x d) and
// writes into grad (len(Theta)) the gradient of the batch loss
//
//	L = (1/(N d)) sum_s ||x_s - x_hat_{T,s}||^2
//
// with respect to Theta; it returns L. It is reverse-mode differentiation
// of the layer map of UnrolledVAMP, through the coordinate-wise maps, the
// two matrix products and the per-signal scalars (v_x, gamma_w, v_w,
// gamma_x, and the factors built from them), with the derivatives named
// there. It allocates nothing.
func (u *UnrolledVAMP) Gradient(ws *UnrolledWorkspace, x, y *mat.Dense[float64], grad []float64) (float64, error) {
	if err := u.check(ws, y); err != nil {
		return 0, err
	}
	if x.Rows != y.Rows || x.Cols != u.B.Cols {
		return 0, fmt.Errorf("model: signals %dx%d for codes %dx%d", x.Rows, x.Cols, y.Rows, y.Cols)
	}
	if len(grad) != len(u.Theta) {
		return 0, fmt.Errorf("model: gradient of length %d for %d parameters", len(grad), len(u.Theta))
	}
	ws.hasDeriv = true
	if err := u.forward(ws, y); err != nil {
		return 0, err
	}
	d, N, T := u.B.Cols, x.Rows, u.Layers()
	scale := 2 / float64(N*d)
	var loss float64
	for s := range N {
		xs, hs, bs := x.Row(s), ws.xh[T-1].Row(s), ws.xbar.Row(s)
		for i, v := range xs {
			e := hs[i] - v
			loss += e * e
			bs[i] = scale * e
		}
	}
	loss *= scale / 2
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, errors.New("model: unrolled VAMP loss is not finite")
	}
	u.backward(ws, y, grad, nil, nil)
	return loss, nil
}

// ForwardTrain is Forward that also keeps, per layer, the derivatives of the
// denoiser that Backward needs. The codes y may be any real numbers (a
// relaxed code tanh(beta z) as well as ±1): the layer map of UnrolledVAMP
// is a smooth function of y.
func (u *UnrolledVAMP) ForwardTrain(ws *UnrolledWorkspace, y *mat.Dense[float64]) (*mat.Dense[float64], error) {
	if err := u.check(ws, y); err != nil {
		return nil, err
	}
	ws.hasDeriv = true
	if err := u.forward(ws, y); err != nil {
		return nil, err
	}
	return ws.xh[u.Layers()-1], nil
}

// Backward is the reverse pass of the network after ForwardTrain(ws, y):
// given xbar = dL/dx_hat_T (N x d) it sets grad (len(Theta)) to dL/dTheta
// and, if non-nil, ybar (N x n) to dL/dy, and adds dL/dB (n x d, through
// both products p = B q and r = q + c B^T m of every layer) into gB. With
// m = y h(a), a = g y p: dL/dy = mbar h(a) + abar g p. It allocates nothing.
func (u *UnrolledVAMP) Backward(ws *UnrolledWorkspace, y, xbar *mat.Dense[float64], grad []float64, ybar, gB *mat.Dense[float64]) error {
	n, d := u.B.Rows, u.B.Cols
	switch {
	case !ws.hasDeriv || y.Rows != ws.rows || y.Cols != n:
		return errors.New("model: Backward needs ForwardTrain on the same codes first")
	case xbar.Rows != y.Rows || xbar.Cols != d:
		return fmt.Errorf("model: output gradient %dx%d for %d signals of dimension %d", xbar.Rows, xbar.Cols, y.Rows, d)
	case len(grad) != len(u.Theta):
		return fmt.Errorf("model: gradient of length %d for %d parameters", len(grad), len(u.Theta))
	case ybar != nil && (ybar.Rows != y.Rows || ybar.Cols != n):
		return fmt.Errorf("model: code gradient %dx%d for codes %dx%d", ybar.Rows, ybar.Cols, y.Rows, n)
	case gB != nil && (gB.Rows != n || gB.Cols != d):
		return fmt.Errorf("model: matrix gradient %dx%d for a %dx%d matrix", gB.Rows, gB.Cols, n, d)
	}
	ws.xbar.Copy(xbar)
	u.backward(ws, y, grad, ybar, gB)
	return nil
}

// backward runs the reverse pass from ws.xbar = dL/dx_hat_T (see Backward).
// Per layer, last to first, it reverses the prior module (denoiserBackward),
// the product r = q + c B^T m (stepMatrixGradient, then z = B rbar), the
// output module (outputBackward) and, except in the first layer (q = 0),
// the product p = B q and the extrinsic message q (messageBackward).
func (u *UnrolledVAMP) backward(ws *UnrolledWorkspace, y *mat.Dense[float64], grad []float64, ybar, gB *mat.Dense[float64]) {
	N := y.Rows
	rbar := ws.rbar
	for s := range N {
		ws.vbar[s], ws.gbar[s] = 0, 0 // the last layer's v_x and gamma_x are unused
	}
	if ybar != nil {
		for s := range N {
			clear(ybar.Row(s))
		}
	}
	clear(rbar.Data)
	clear(grad)
	for t := u.Layers() - 1; t >= 0; t-- {
		lp := u.Layer(t)
		g := grad[t*ParamsPerLayer:]
		u.denoiserBackward(ws, t, N, lp, g)
		if gB != nil {
			u.stepMatrixGradient(ws, y, t, lp, gB)
		}
		mat.Mul(ws.z, 1, rbar, kernel.NoTrans, u.B, kernel.Trans, 0)
		u.outputBackward(ws, y, t, lp, g, ybar)
		if t == 0 {
			break // q = 0 in the first layer
		}
		if gB != nil {
			mat.Mul(gB, 1, ws.z, kernel.Trans, ws.q[t], kernel.NoTrans, 1) // p = B q
		}
		mat.Mul(rbar, 1, ws.z, kernel.NoTrans, u.B, kernel.NoTrans, 1) // rbar is now qbar
		u.messageBackward(ws, t, N, lp, g)
	}
}

// denoiserBackward reverses the prior module of layer t, x_hat = eta(r; tau),
// v_x = max(<Var>, floor), tau = Tf/gamma_x' and the outgoing
// gamma_x = 1/tau = gamma_x'/Tf (THEORY.md 7.2, guards 8.1): given xbar and
// the adjoints vbar, gbar of the outgoing v_x and gamma_x it adds dL/dr into rbar and dL/dlog Tf into
// g[ParamTau], and sets ws.t1 to dL/dgamma_x' per signal.
func (u *UnrolledVAMP) denoiserBackward(ws *UnrolledWorkspace, t, N int, lp LayerParams, g []float64) {
	sc, fd := ws.sc[t], float64(u.B.Cols)
	gxpBar := ws.t1
	for s := range N {
		gxp := sc.gxp[s]
		tau := lp.Tau / gxp
		k := 0.0
		if sc.fv[s] {
			k = ws.vbar[s] / fd
		}
		xb, rb := ws.xbar.Row(s), ws.rbar.Row(s)
		er, et, vt, vr := ws.etaR[t].Row(s), ws.etaT[t].Row(s), ws.varT[t].Row(s), ws.varR[t].Row(s)
		var tb float64
		for i, v := range xb {
			rb[i] += v*er[i] + k*vr[i]
			tb += v*et[i] + k*vt[i]
		}
		// gamma_x'' = gamma_x'/Tf and tau = Tf/gamma_x'.
		g[ParamTau] += -ws.gbar[s]*gxp/lp.Tau + tb*tau
		gxpBar[s] = ws.gbar[s]/lp.Tau - tb*tau/gxp
	}
}

// stepMatrixGradient adds into gB the encoder gradient (c m)^T rbar of the
// product r = q + c B^T m of layer t, with m = y h(a) and
// c = C/(sqrt(gamma_w) v_w gamma_x') (THEORY.md 7.2); c m goes through ws.zc.
func (u *UnrolledVAMP) stepMatrixGradient(ws *UnrolledWorkspace, y *mat.Dense[float64], t int, lp LayerParams, gB *mat.Dense[float64]) {
	sc := ws.sc[t]
	for s := range y.Rows {
		c := lp.Step / (math.Sqrt(sc.gw[s]) * sc.vw[s] * sc.gxp[s])
		zc, ys, hs := ws.zc.Row(s), y.Row(s), ws.m[t].Row(s)
		for i, h := range hs {
			zc[i] = c * ys[i] * h
		}
	}
	mat.Mul(gB, 1, ws.zc, kernel.Trans, ws.rbar, kernel.NoTrans, 1)
}

// outputBackward reverses the output module of layer t (THEORY.md 7.2):
// from z = B rbar (ws.z) and gamma_x'bar (ws.t1) through
// c = C/(sqrt(gamma_w) v_w gamma_x'), gamma_x' = 1/v_w - gamma_w,
// v_w = (S_w + d - n)/(gamma_w d), a = g y p, m = y h(a), S_w = sum TV(a),
// g = G sqrt(gamma_w), with h'(a) = -h(a)(a + h(a)). It adds dL/dlog C and
// dL/dlog G into g, dL/dy into ybar (if non-nil), overwrites ws.z with
// pbar = dL/dp and sets ws.t2 to dL/dgamma_w per signal.
func (u *UnrolledVAMP) outputBackward(ws *UnrolledWorkspace, y *mat.Dense[float64], t int, lp LayerParams, g []float64, ybar *mat.Dense[float64]) {
	sc, fd := ws.sc[t], float64(u.B.Cols)
	gxpBar, gwBar := ws.t1, ws.t2
	for s := range y.Rows {
		gw, vw, gxp := sc.gw[s], sc.vw[s], sc.gxp[s]
		sq := math.Sqrt(gw)
		c := lp.Step / (sq * vw * gxp)
		gg := lp.Gain * sq
		zs, ms, ps, ys := ws.z.Row(s), ws.m[t].Row(s), ws.p[t].Row(s), y.Row(s)
		var ybs []float64
		if ybar != nil {
			ybs = ybar.Row(s)
		}
		var cbar float64
		for i, z := range zs {
			cbar += z * ys[i] * ms[i]
		}
		g[ParamStep] += cbar * c
		cb := cbar * c
		gwb := -cb / (2 * gw)
		vwb := -cb / vw
		gxb := gxpBar[s] - cb/gxp
		// gamma_x' = 1/v_w - gamma_w; v_w = (S_w + d - n)/(gamma_w d).
		vwb -= gxb / (vw * vw)
		gwb -= gxb
		swb := vwb / (gw * fd)
		gwb -= vwb * vw / gw
		// a = g y p, m = y h(a), S_w = sum TV(a).
		var gb float64
		for i, z := range zs {
			yi, pi := ys[i], ps[i]
			a := gg * yi * pi
			h := ms[i]
			hp := -h * (a + h)
			tvp := -(hp*(a+h) + h*(1+hp))
			ab := c*z*yi*hp + swb*tvp
			gb += ab * yi * pi
			zs[i] = gg * ab * yi // pbar
			if ybs != nil {
				ybs[i] += c*z*h + ab*gg*pi
			}
		}
		g[ParamGain] += gb * gg
		gwb += gb * gg / (2 * gw)
		gwBar[s] = gwb
	}
}

// messageBackward reverses the extrinsic message of layer t >= 1,
// q = alpha x_hat - beta r with alpha = A/(v_x gamma_w),
// beta = Bf gamma_x/gamma_w and gamma_w = max(1/v_x - gamma_x, floor)
// (THEORY.md 7.2, 8.1): from qbar (in ws.rbar) and gamma_wbar (ws.t2) it
// adds dL/dlog A and dL/dlog Bf into g, sets xbar and rbar to the adjoints
// of the previous layer's x_hat and r, and vbar, gbar to those of its
// outgoing v_x and gamma_x = 1/tau.
func (u *UnrolledVAMP) messageBackward(ws *UnrolledWorkspace, t, N int, lp LayerParams, g []float64) {
	sc, gwBar := ws.sc[t], ws.t2
	for s := range N {
		vx, gx, gw := sc.vxIn[s], sc.gxIn[s], sc.gw[s]
		al := lp.Alpha / (vx * gw)
		be := lp.Beta * gx / gw
		qb, xs, rs, xb := ws.rbar.Row(s), ws.xh[t-1].Row(s), ws.r[t-1].Row(s), ws.xbar.Row(s)
		var ab, bb float64
		for i, v := range qb {
			ab += v * xs[i]
			bb -= v * rs[i]
			xb[i] = al * v
			qb[i] = -be * v
		}
		g[ParamAlpha] += ab * al
		g[ParamBeta] += bb * be
		gwb := gwBar[s] - ab*al/gw - bb*be/gw
		vxb := -ab * al / vx
		gxb := bb * lp.Beta / gw
		if sc.fw[s] {
			vxb -= gwb / (vx * vx)
			gxb -= gwb
		}
		ws.vbar[s], ws.gbar[s] = vxb, gxb
	}
}
