package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
)

// Autoencoder is x_hat = A sign(B x) with a linear decoder.
type Autoencoder[T kernel.Float] struct {
	B *mat.Dense[T] // encoder, n x d
	A *mat.Dense[T] // decoder, d x n
}

// New returns an autoencoder with zero weights for dimension d and n bits.
func New[T kernel.Float](d, n int) *Autoencoder[T] {
	return &Autoencoder[T]{B: mat.New[T](n, d), A: mat.New[T](d, n)}
}

// Dim is d, the signal dimension.
func (m *Autoencoder[T]) Dim() int { return m.B.Cols }

// Bits is n, the code length.
func (m *Autoencoder[T]) Bits() int { return m.B.Rows }

// Rate is r = n/d.
func (m *Autoencoder[T]) Rate() float64 { return float64(m.Bits()) / float64(m.Dim()) }

// InitGaussian sets B to i.i.d. N(0, 1/d) entries and A to zero
// (the initialisation of THEORY.md 2.4).
func (m *Autoencoder[T]) InitGaussian(rng *rand.Rand) {
	s := 1 / math.Sqrt(float64(m.Dim()))
	for i := range m.B.Data {
		m.B.Data[i] = T(rng.NormFloat64() * s)
	}
	clear(m.A.Data)
}

// SetTiedDecoder sets A = c B^T.
func (m *Autoencoder[T]) SetTiedDecoder(c T) {
	for i := 0; i < m.Bits(); i++ {
		for j, v := range m.B.Row(i) {
			m.A.Set(j, i, c*v)
		}
	}
}

// Convert returns a copy of m with elements of type U.
func Convert[U, T kernel.Float](m *Autoencoder[T]) *Autoencoder[U] {
	out := New[U](m.Dim(), m.Bits())
	for i, v := range m.B.Data {
		out.B.Data[i] = U(v)
	}
	for i, v := range m.A.Data {
		out.A.Data[i] = U(v)
	}
	return out
}

// Validate reports an error if a weight is NaN or infinite.
func (m *Autoencoder[T]) Validate() error {
	for name, w := range map[string][]T{"B": m.B.Data, "A": m.A.Data} {
		for i, v := range w {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("model: weight %s[%d] is %v", name, i, v)
			}
		}
	}
	return nil
}

// Workspace holds the per-batch buffers of a forward pass; it is reused
// across calls so the hot path allocates nothing.
type Workspace[T kernel.Float] struct {
	Z    *mat.Dense[T] // pre-activations X B^T, N x n
	S    *mat.Dense[T] // codes sign(Z), N x n
	XHat *mat.Dense[T] // reconstructions S A^T, N x d
}

// NewWorkspace returns buffers for batches of up to batch rows.
func (m *Autoencoder[T]) NewWorkspace(batch int) *Workspace[T] {
	return &Workspace[T]{
		Z:    mat.New[T](batch, m.Bits()),
		S:    mat.New[T](batch, m.Bits()),
		XHat: mat.New[T](batch, m.Dim()),
	}
}

// rows returns the first r rows of each buffer (the buffers themselves, with
// no allocation, for a full batch).
func (w *Workspace[T]) rows(r int) (z, s, xh *mat.Dense[T]) {
	if r == w.Z.Rows {
		return w.Z, w.S, w.XHat
	}
	return w.Z.View(0, 0, r, w.Z.Cols), w.S.View(0, 0, r, w.S.Cols), w.XHat.View(0, 0, r, w.XHat.Cols)
}

// Forward computes Z = X B^T, S = sign(Z) and X_hat = S A^T for the batch X
// (N x d, N no larger than the workspace) and returns the views holding them.
func (m *Autoencoder[T]) Forward(ws *Workspace[T], x *mat.Dense[T]) (z, s, xh *mat.Dense[T]) {
	z, s, xh = ws.rows(x.Rows)
	mat.Mul(z, 1, x, kernel.NoTrans, m.B, kernel.Trans, 0)
	for i := 0; i < z.Rows; i++ {
		kernel.Sign(s.Row(i), z.Row(i))
	}
	mat.Mul(xh, 1, s, kernel.NoTrans, m.A, kernel.Trans, 0)
	return z, s, xh
}

// SampleLosses writes, for each row x of X, the per-signal loss
// ||x - x_hat||^2 / d into loss (length N), accumulated in float64.
func (m *Autoencoder[T]) SampleLosses(ws *Workspace[T], x *mat.Dense[T], loss []float64) {
	_, _, xh := m.Forward(ws, x)
	d := float64(m.Dim())
	for i := 0; i < x.Rows; i++ {
		var s float64
		xr, hr := x.Row(i), xh.Row(i)
		for j, v := range xr {
			e := float64(v) - float64(hr[j])
			s += e * e
		}
		loss[i] = s / d
	}
}
