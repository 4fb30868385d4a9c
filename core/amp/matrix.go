package amp

import (
	"fmt"
	"math"
	"math/rand/v2"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/mat"
)

// HaarRows returns an n x d matrix B (n <= d) whose rows are orthonormal and
// distributed as n rows of a Haar-random rotation of R^d (THEORY.md 12):
// B = Q^T with Q R the QR factorisation of a d x n matrix of i.i.d. N(0, 1)
// entries, and the sign of each column of Q chosen so that diag(R) > 0
// (without that fix Q is not Haar).
func HaarRows(rng *rand.Rand, n, d int) (*mat.Dense[float64], error) {
	if n < 1 || d < 1 || n > d {
		return nil, fmt.Errorf("amp: Haar rows need 1 <= n <= d, got n = %d, d = %d", n, d)
	}
	g := gmat.NewDense(d, n, nil)
	for i := range d {
		for j := range n {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr gmat.QR
	qr.Factorize(g)
	var q, r gmat.Dense
	qr.QTo(&q) // d x d
	qr.RTo(&r) // d x n
	b := mat.New[float64](n, d)
	for j := range n {
		s := 1.0
		if r.At(j, j) < 0 {
			s = -1
		}
		row := b.Row(j)
		for i := range d {
			row[i] = s * q.At(i, j)
		}
	}
	return b, nil
}

// GaussianRows returns an n x d matrix with i.i.d. N(0, 1/d) entries, the
// encoder of GAMP's state evolution (THEORY.md 7.1).
func GaussianRows(rng *rand.Rand, n, d int) (*mat.Dense[float64], error) {
	if n < 1 || d < 1 {
		return nil, fmt.Errorf("amp: encoder needs n, d >= 1, got n = %d, d = %d", n, d)
	}
	b := mat.New[float64](n, d)
	s := 1 / math.Sqrt(float64(d))
	for i := range b.Data {
		b.Data[i] = s * rng.NormFloat64()
	}
	return b, nil
}
