package model

import (
	"errors"
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// DecoderKind names the decoder of a Joint network.
type DecoderKind int

const (
	// LinearDecoder is x_hat = A s (THEORY.md 1).
	LinearDecoder DecoderKind = iota
	// ShallowDecoder is x_hat = f(A s) with a learned coordinate-wise
	// denoiser f (THEORY.md 5).
	ShallowDecoder
	// UnrolledDecoder is T layers of UnrolledVAMP (THEORY.md 7.2).
	UnrolledDecoder
)

// String returns "linear", "denoiser" or "unrolled".
func (k DecoderKind) String() string {
	switch k {
	case LinearDecoder:
		return "linear"
	case ShallowDecoder:
		return "denoiser"
	case UnrolledDecoder:
		return "unrolled"
	}
	return fmt.Sprintf("DecoderKind(%d)", int(k))
}

// ParseDecoderKind is the inverse of DecoderKind.String.
func ParseDecoderKind(s string) (DecoderKind, error) {
	for _, k := range []DecoderKind{LinearDecoder, ShallowDecoder, UnrolledDecoder} {
		if s == k.String() {
			return k, nil
		}
	}
	return 0, fmt.Errorf("model: unknown decoder %q (want linear, denoiser or unrolled)", s)
}

// SignSurrogate is the smooth stand-in for sign in the backward pass (and,
// in a relaxed forward pass, in the forward pass too):
//
//	straight-through (Tanh false): s~(z) = clip(z, -1, 1), s~'(z) = 1{|z| <= 1}
//	annealed tanh (Tanh true):     s~(z) = tanh(Beta z),   s~'(z) = Beta (1 - tanh^2(Beta z))
//
// Training uses the exact code sign(z) forward and s~' backward (THEORY.md
// 4.3); the relaxed network, with s~ forward too, is the smooth function
// whose exact gradient that backward pass is.
type SignSurrogate struct {
	Tanh bool
	Beta float64
}

// Joint is a 1-bit autoencoder trained as a whole: the encoder
// s = sign(B x) (B n x d) and one of three decoders,
//
//	LinearDecoder:   x_hat = A s                      (A d x n)
//	ShallowDecoder:  x_hat = f(A s; theta)            (A d x n, F learned)
//	UnrolledDecoder: x_hat = UnrolledVAMP_T(s; M, Theta)   (M n x d)
//
// For the unrolled decoder the layers' matrix M is either the encoder itself
// (tied: U.B == B, A == nil; the fixed algorithm on the current encoder with
// learned scalars) or its own learned matrix A (U.B == A), initialised at
// the encoder. The backward pass (Gradient) runs through the decoder into
// A, F's parameters and Theta, and through the sign surrogate into B.
type Joint struct {
	B       *mat.Dense[float64]
	Decoder DecoderKind
	A       *mat.Dense[float64]
	F       LearnedDenoiser
	U       *UnrolledVAMP
}

// NewJointLinear returns the network x_hat = A sign(B x) (b n x d, a d x n;
// they are used, not copied).
func NewJointLinear(b, a *mat.Dense[float64]) (*Joint, error) {
	j := &Joint{B: b, Decoder: LinearDecoder, A: a}
	return j, j.Validate()
}

// NewJointShallow returns x_hat = f(A sign(B x)).
func NewJointShallow(b, a *mat.Dense[float64], f LearnedDenoiser) (*Joint, error) {
	j := &Joint{B: b, Decoder: ShallowDecoder, A: a, F: f}
	return j, j.Validate()
}

// NewJointUnrolled returns T = layers unrolled VAMP layers for the prior ch
// at Theta = 0 (the fixed algorithm). tied: the layers use the encoder B;
// otherwise their matrix starts as a copy of B and is learned on its own.
// VAMP's output module needs n <= d (THEORY.md 11.6): it averages the
// posterior variance of w = O x over d coordinates, n observed and d - n
// flat, which assumes orthonormal rows. Forced onto a Haar frame with n > d
// (unit rows, BG(0.1), d = 200, Theta = 0) it still runs at r = 1.25
// (layer-2 MSE 0.113 against 0.116 at r = 1), diverges at r = 1.5 (layer 2:
// 0.99) and fails at layer 1 for r > pi/2, where v_w = 1 - 2r/pi < 0. A
// column-orthogonal output module is not implemented.
func NewJointUnrolled(b *mat.Dense[float64], ch prior.Channel, layers int, tied bool) (*Joint, error) {
	if b == nil {
		return nil, errors.New("model: nil encoder")
	}
	m := b
	if !tied {
		m = b.Clone()
	}
	u, err := NewUnrolledVAMP(m, ch, layers)
	if err != nil {
		return nil, err
	}
	j := &Joint{B: b, Decoder: UnrolledDecoder, U: u}
	if !tied {
		j.A = m
	}
	return j, j.Validate()
}

// Dim is d.
func (j *Joint) Dim() int { return j.B.Cols }

// Bits is n.
func (j *Joint) Bits() int { return j.B.Rows }

// Tied reports whether an unrolled decoder uses the encoder as its matrix.
func (j *Joint) Tied() bool { return j.Decoder == UnrolledDecoder && j.A == nil }

func compact(name string, m *mat.Dense[float64], r, c int) error {
	switch {
	case m == nil:
		return fmt.Errorf("model: nil %s", name)
	case m.Rows != r || m.Cols != c:
		return fmt.Errorf("model: %s is %dx%d, want %dx%d", name, m.Rows, m.Cols, r, c)
	case m.Stride != m.Cols || len(m.Data) != r*c:
		return fmt.Errorf("model: %s is a view; want a compact matrix", name)
	}
	for i, v := range m.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("model: %s[%d] is %v", name, i, v)
		}
	}
	return nil
}

// Validate checks shapes, that B and A are compact, and that every
// parameter is finite.
func (j *Joint) Validate() error {
	if j.B == nil || j.B.Rows < 1 || j.B.Cols < 1 {
		return errors.New("model: joint network without an encoder")
	}
	n, d := j.B.Rows, j.B.Cols
	if err := compact("encoder B", j.B, n, d); err != nil {
		return err
	}
	switch j.Decoder {
	case LinearDecoder, ShallowDecoder:
		if err := compact("decoder A", j.A, d, n); err != nil {
			return err
		}
		if j.Decoder == ShallowDecoder {
			if j.F == nil {
				return errors.New("model: shallow decoder without a denoiser")
			}
			return j.F.Validate()
		}
		return nil
	case UnrolledDecoder:
		if j.U == nil || j.U.Channel == nil || j.U.Layers() < 1 {
			return errors.New("model: unrolled decoder without layers or prior")
		}
		if j.A == nil {
			if j.U.B != j.B {
				return errors.New("model: tied unrolled decoder must use the encoder as its matrix")
			}
		} else {
			if j.U.B != j.A {
				return errors.New("model: untied unrolled decoder must use A as its matrix")
			}
			if err := compact("decoder matrix A", j.A, n, d); err != nil {
				return err
			}
		}
		for i, v := range j.U.Theta {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("model: Theta[%d] is %v", i, v)
			}
		}
		return nil
	}
	return fmt.Errorf("model: unknown decoder %v", j.Decoder)
}

// JointGrad holds a gradient with the shapes of a Joint's parameters (A is
// nil for a tied unrolled decoder, F for a non-shallow one, Theta for a
// non-unrolled one).
type JointGrad struct {
	B, A     *mat.Dense[float64]
	F, Theta []float64
}

// NewGrad returns a zero gradient for j.
func (j *Joint) NewGrad() *JointGrad {
	g := &JointGrad{B: mat.New[float64](j.B.Rows, j.B.Cols)}
	if j.A != nil {
		g.A = mat.New[float64](j.A.Rows, j.A.Cols)
	}
	if j.F != nil && j.Decoder == ShallowDecoder {
		g.F = make([]float64, len(j.F.Params()))
	}
	if j.U != nil && j.Decoder == UnrolledDecoder {
		g.Theta = make([]float64, len(j.U.Theta))
	}
	return g
}

// ParamGroup is one learned parameter block and its gradient, aliasing the
// network and a JointGrad. Matrix marks B and A (the trainer's matrix step
// size); the others are the decoder's scalars (F's parameters, Theta).
type ParamGroup struct {
	Name   string
	W, G   []float64
	Matrix bool
}

// Groups returns the parameter blocks of j (B, then A, F, Theta where
// present) paired with those of g.
func (j *Joint) Groups(g *JointGrad) []ParamGroup {
	gs := []ParamGroup{{"B", j.B.Data, g.B.Data, true}}
	if j.A != nil {
		gs = append(gs, ParamGroup{"A", j.A.Data, g.A.Data, true})
	}
	if j.Decoder == ShallowDecoder {
		gs = append(gs, ParamGroup{"f", j.F.Params(), g.F, false})
	}
	if j.Decoder == UnrolledDecoder {
		gs = append(gs, ParamGroup{"theta", j.U.Theta, g.Theta, false})
	}
	return gs
}

// JointWorkspace holds the activations of a batch of up to Cap signals,
// reused so that Decode and Gradient allocate nothing.
type JointWorkspace struct {
	batchBuffers
	z, s, t, ds *mat.Dense[float64] // N x n: pre-activations, codes, tanh, code gradient
	v, xh, e    *mat.Dense[float64] // N x d: statistic, estimate, output gradient
	u           *UnrolledWorkspace
}

// NewWorkspace returns a workspace for batches of up to batch signals.
func (j *Joint) NewWorkspace(batch int) *JointWorkspace {
	n, d := j.Bits(), j.Dim()
	ws := &JointWorkspace{batchBuffers: batchBuffers{cap: batch, rows: batch}}
	buf := ws.newBuf
	ws.z, ws.s, ws.t, ws.ds = buf(n), buf(n), buf(n), buf(n)
	ws.v, ws.xh, ws.e = buf(d), buf(d), buf(d)
	if j.Decoder == UnrolledDecoder {
		ws.u = j.U.NewWorkspace(batch)
	}
	return ws
}

// forward computes Z = X B^T, the codes (sign(Z), or the relaxed s~(Z) if
// relax is non-nil) and the estimate; train keeps what Gradient needs.
func (j *Joint) forward(ws *JointWorkspace, x *mat.Dense[float64], relax *SignSurrogate, train bool) (*mat.Dense[float64], error) {
	if x.Cols != j.Dim() {
		return nil, fmt.Errorf("model: signals of dimension %d for a network of dimension %d", x.Cols, j.Dim())
	}
	if (j.Decoder == UnrolledDecoder) != (ws.u != nil) || ws.z.Cols != j.Bits() || ws.xh.Cols != j.Dim() {
		return nil, errors.New("model: workspace was made for a different network")
	}
	if err := ws.setRows(x.Rows); err != nil {
		return nil, err
	}
	z, s := ws.z, ws.s
	mat.Mul(z, 1, x, kernel.NoTrans, j.B, kernel.Trans, 0)
	switch {
	case relax == nil:
		kernel.Sign(s.Data, z.Data)
	case relax.Tanh:
		kernel.Tanh(s.Data, z.Data, relax.Beta)
	default:
		for i, v := range z.Data {
			s.Data[i] = min(max(v, -1), 1)
		}
	}
	switch j.Decoder {
	case LinearDecoder:
		mat.Mul(ws.xh, 1, s, kernel.NoTrans, j.A, kernel.Trans, 0)
		return ws.xh, nil
	case ShallowDecoder:
		mat.Mul(ws.v, 1, s, kernel.NoTrans, j.A, kernel.Trans, 0)
		j.F.Denoise(ws.xh.Data, ws.v.Data)
		return ws.xh, nil
	case UnrolledDecoder:
		if train {
			return j.U.ForwardTrain(ws.u, s)
		}
		return j.U.Forward(ws.u, s)
	}
	return nil, fmt.Errorf("model: unknown decoder %v", j.Decoder)
}

// Decode returns the estimates x_hat (N x d, a view into ws valid until the
// next call) of the signals x (N x d, N <= ws.Cap()) from their exact codes
// sign(B x).
func (j *Joint) Decode(ws *JointWorkspace, x *mat.Dense[float64]) (*mat.Dense[float64], error) {
	return j.forward(ws, x, nil, false)
}

// Losses writes ||x_s - x_hat_s||^2/d of every signal (row of x, any number)
// into loss, decoding in batches of the workspace's size.
func (j *Joint) Losses(ws *JointWorkspace, x *mat.Dense[float64], loss []float64) error {
	if len(loss) != x.Rows {
		return fmt.Errorf("model: %d loss slots for %d signals", len(loss), x.Rows)
	}
	d := float64(x.Cols)
	for lo := 0; lo < x.Rows; lo += ws.cap {
		hi := min(lo+ws.cap, x.Rows)
		xb := x.View(lo, 0, hi-lo, x.Cols)
		xh, err := j.Decode(ws, xb)
		if err != nil {
			return err
		}
		for s := range hi - lo {
			var e2 float64
			hr := xh.Row(s)
			for i, v := range xb.Row(s) {
				e := v - hr[i]
				e2 += e * e
			}
			loss[lo+s] = e2 / d
		}
	}
	return nil
}

// Gradient computes the batch loss L = (1/(N d)) sum_s ||x_s - x_hat_s||^2
// of the signals x (N x d) and writes into g its gradient by reverse-mode
// differentiation:
//
//	E     = (2/(N d)) (X_hat - X)
//	linear:   dA = E^T S,              dS = E A
//	shallow:  dV = E ∘ f'(V),  dtheta = sum E ∘ df/dtheta,  dA = dV^T S,  dS = dV A
//	unrolled: dTheta, dS and dM from UnrolledVAMP.Backward (dM into dA, or
//	          into dB when tied)
//	encoder:  dZ = dS ∘ s~'(Z),  dB += dZ^T X
//
// With relaxed false the forward pass uses the exact codes sign(Z) (the
// training gradient of THEORY.md 4.3); with relaxed true it uses s~(Z), and
// g is then the exact gradient of the relaxed network's loss. It allocates
// nothing.
func (j *Joint) Gradient(ws *JointWorkspace, x *mat.Dense[float64], sur SignSurrogate, relaxed bool, g *JointGrad) (float64, error) {
	if sur.Tanh && !(sur.Beta > 0) {
		return 0, fmt.Errorf("model: tanh surrogate with beta %v, want > 0", sur.Beta)
	}
	var relax *SignSurrogate
	if relaxed {
		relax = &sur
	}
	xh, err := j.forward(ws, x, relax, true)
	if err != nil {
		return 0, err
	}
	N, d := x.Rows, j.Dim()
	scale := 2 / float64(N*d)
	var loss float64
	e := ws.e
	for s := range N {
		xs, hs, es := x.Row(s), xh.Row(s), e.Row(s)
		for i, v := range xs {
			r := hs[i] - v
			loss += r * r
			es[i] = scale * r
		}
	}
	loss /= float64(N * d)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, errors.New("model: joint network loss is not finite")
	}
	s, ds := ws.s, ws.ds
	tiedBeta := 0.0
	switch j.Decoder {
	case LinearDecoder:
		mat.Mul(g.A, 1, e, kernel.Trans, s, kernel.NoTrans, 0)
		mat.Mul(ds, 1, e, kernel.NoTrans, j.A, kernel.NoTrans, 0)
	case ShallowDecoder:
		clear(g.F)
		j.F.Backward(e.Data, g.F, ws.v.Data, e.Data)
		mat.Mul(g.A, 1, e, kernel.Trans, s, kernel.NoTrans, 0)
		mat.Mul(ds, 1, e, kernel.NoTrans, j.A, kernel.NoTrans, 0)
	case UnrolledDecoder:
		gm := g.A
		if j.Tied() {
			gm, tiedBeta = g.B, 1
		}
		clear(gm.Data)
		if err := j.U.Backward(ws.u, s, e, g.Theta, ds, gm); err != nil {
			return loss, err
		}
	}
	if sur.Tanh {
		t := ws.t
		if relaxed {
			t = s
		} else {
			kernel.Tanh(t.Data, ws.z.Data, sur.Beta)
		}
		kernel.TanhGrad(ds.Data, ds.Data, t.Data, sur.Beta)
	} else {
		kernel.STEGrad(ds.Data, ds.Data, ws.z.Data)
	}
	mat.Mul(g.B, 1, ds, kernel.Trans, x, kernel.NoTrans, tiedBeta)
	return loss, nil
}
