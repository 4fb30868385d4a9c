package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// MaxRefitSamples caps the number of signals of a refit or its evaluation.
const MaxRefitSamples = 1 << 24

// refitBatch is the number of signals encoded at a time.
const refitBatch = 1024

// Refit is a decoder x_hat = A s + c for a fixed encoder B, fitted by least
// squares (THEORY.md 4.3: the decoder of a trained encoder is refitted before
// its loss is measured).
type Refit struct {
	A    *mat.Dense[float64] // d x n
	Bias []float64           // c (length d); nil for the decoder without bias
	// Rank is the numerical rank of the code's Gram matrix [S 1]^T [S 1]
	// (singular values above 1e-12 of the largest).
	Rank int
}

// RefitDecoder fits the decoder of the encoder b (n x d) by least squares on
// N fresh signals from p: with S = sign(X B^T) (N x n), or S~ = [S 1] when
// bias is set,
//
//	[A c]^T = argmin ||X - S~ [A c]^T||_F^2 = (S~^T S~)^+ S~^T X,
//
// the minimum-norm solution. S~^T S~ and S~^T X are accumulated in float64
// with the core GEMM, and the pseudo-inverse is taken from gonum's SVD of
// the Gram matrix, truncated at singular values below 1e-12 of the largest
// (relative 1e-6 in the singular values of S~ itself). The codes are +-1, so
// the Gram matrix is well scaled; an SVD is needed because it is often rank
// deficient (duplicate rows of B, constant codes), where a pivoted-QR solver
// returned garbage (THEORY.md 4.3).
func RefitDecoder(b *mat.Dense[float64], p prior.Prior, rng *rand.Rand, N int, bias bool) (*Refit, error) {
	if b == nil || b.Rows < 1 || b.Cols < 1 {
		return nil, errors.New("train: refit of an empty encoder")
	}
	if N < 2 || N > MaxRefitSamples {
		return nil, fmt.Errorf("train: refit on %d signals, want 2 to %d", N, MaxRefitSamples)
	}
	for _, v := range b.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("train: refit of an encoder with a NaN or infinite weight")
		}
	}
	n, d := b.Rows, b.Cols
	m := n
	if bias {
		m++
	}
	gram, cross := mat.New[float64](m, m), mat.New[float64](m, d)
	x, s := mat.New[float64](refitBatch, d), mat.New[float64](refitBatch, m)
	for done := 0; done < N; done += refitBatch {
		r := min(refitBatch, N-done)
		xv, sv := x.View(0, 0, r, d), s.View(0, 0, r, m)
		prior.Fill(p, rng, xv.Data)
		model.Encode(s.View(0, 0, r, n), b, xv)
		if bias {
			for i := range r {
				sv.Set(i, n, 1)
			}
		}
		mat.Mul(gram, 1, sv, kernel.Trans, sv, kernel.NoTrans, 1)
		mat.Mul(cross, 1, sv, kernel.Trans, xv, kernel.NoTrans, 1)
	}
	var svd gmat.SVD
	if !svd.Factorize(gmat.NewDense(m, m, gram.Data), gmat.SVDThin) {
		return nil, errors.New("train: SVD of the code Gram matrix did not converge")
	}
	sv := svd.Values(nil)
	rank := 0
	for _, v := range sv {
		if v > 1e-12*sv[0] {
			rank++
		}
	}
	var sol gmat.Dense // m x d
	svd.SolveTo(&sol, gmat.NewDense(m, d, cross.Data), rank)
	out := &Refit{A: mat.New[float64](d, n), Rank: rank}
	for i := range n {
		for j := range d {
			out.A.Set(j, i, sol.At(i, j))
		}
	}
	if bias {
		out.Bias = make([]float64, d)
		for j := range d {
			out.Bias[j] = sol.At(n, j)
		}
	}
	return out, nil
}

// Loss estimates (1/d) E ||x - A sign(Bx) - c||^2 on N fresh signals from p,
// with the control variate ||x||^2/d (model.ControlVariate, THEORY.md 10).
func (f *Refit) Loss(b *mat.Dense[float64], p prior.Prior, rng *rand.Rand, N int) (model.Estimate, error) {
	if b == nil || b.Rows != f.A.Cols || b.Cols != f.A.Rows {
		return model.Estimate{}, errors.New("train: refit loss with an encoder of the wrong shape")
	}
	if N < 3 || N > MaxRefitSamples {
		return model.Estimate{}, fmt.Errorf("train: refit loss on %d signals, want 3 to %d", N, MaxRefitSamples)
	}
	n, d := b.Rows, b.Cols
	x, s, xh := mat.New[float64](refitBatch, d), mat.New[float64](refitBatch, n), mat.New[float64](refitBatch, d)
	l, c := make([]float64, 0, N), make([]float64, 0, N)
	for done := 0; done < N; done += refitBatch {
		r := min(refitBatch, N-done)
		xv, sv, hv := x.View(0, 0, r, d), s.View(0, 0, r, n), xh.View(0, 0, r, d)
		prior.Fill(p, rng, xv.Data)
		model.Encode(sv, b, xv)
		mat.Mul(hv, 1, sv, kernel.NoTrans, f.A, kernel.Trans, 0)
		for i := range r {
			var e2, q float64
			hr := hv.Row(i)
			for j, v := range xv.Row(i) {
				e := v - hr[j]
				if f.Bias != nil {
					e -= f.Bias[j]
				}
				e2 += e * e
				q += v * v
			}
			l, c = append(l, e2/float64(d)), append(c, q/float64(d))
		}
	}
	return model.ControlVariate(l, c, 1), nil
}
