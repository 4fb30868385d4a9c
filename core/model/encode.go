package model

import (
	"fmt"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	gmat "gonum.org/v1/gonum/mat"
)

// Encode sets codes (N x n) to sign(X B^T) for the signals X (N x d) and the
// encoder b (n x d), with sign(0) := +1 (THEORY.md 1). It allocates nothing.
func Encode(codes, b, x *mat.Dense[float64]) {
	mat.Mul(codes, 1, x, kernel.NoTrans, b, kernel.Trans, 0)
	for i := range codes.Rows {
		kernel.Sign(codes.Row(i), codes.Row(i))
	}
}

// Codes returns sign(X B^T) (N x n) for the signals X (N x d), allocating
// the result; Encode is the allocation-free form.
func Codes(b, x *mat.Dense[float64]) (*mat.Dense[float64], error) {
	if x.Cols != b.Cols {
		return nil, fmt.Errorf("model: signals of length %d for an encoder with %d columns", x.Cols, b.Cols)
	}
	y := mat.New[float64](x.Rows, b.Rows)
	Encode(y, b, x)
	return y, nil
}

// RowS4 is the row flatness S4 = mean_i sum_k w_ik^4 over the normalised
// rows w_i of the encoder b (n x d): 3/(d+2) for Haar rows, 1/d for flat
// rows, 1 for coordinate axes (THEORY.md 3).
func RowS4(b *mat.Dense[float64]) float64 {
	var s float64
	for i := 0; i < b.Rows; i++ {
		var n2, n4 float64
		for _, v := range b.Row(i) {
			n2 += v * v
			n4 += v * v * v * v
		}
		s += n4 / (n2 * n2)
	}
	return s / float64(b.Rows)
}

// OrthonormalRows returns the polar factor U V^T of b = U S V^T (n <= d):
// the matrix with orthonormal rows nearest to b in Frobenius norm. Decoders
// built for a row-orthogonal encoder (the shallow channel of THEORY.md 5,
// VAMP) run on it when b was trained.
func OrthonormalRows(b *mat.Dense[float64]) (*mat.Dense[float64], error) {
	if b.Rows > b.Cols {
		return nil, fmt.Errorf("model: orthonormal rows need n <= d, got %d x %d", b.Rows, b.Cols)
	}
	g := gmat.NewDense(b.Rows, b.Cols, nil)
	for i := range b.Rows {
		g.SetRow(i, b.Row(i))
	}
	var svd gmat.SVD
	if !svd.Factorize(g, gmat.SVDThin) {
		return nil, fmt.Errorf("model: SVD of the encoder failed")
	}
	var u, v, p gmat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	p.Mul(&u, v.T())
	out := mat.New[float64](b.Rows, b.Cols)
	for i := range b.Rows {
		gmat.Row(out.Row(i), i, &p)
	}
	return out, nil
}
