package theory

import (
	"fmt"
	"math"
)

// GaussEquivalentLoss is the loss R(r) of the shallow autoencoder
// x_hat = A sign(Bx) with the best linear decoder, per coordinate, as d -> infinity
// (THEORY.md 1):
//
//	R(r) = 1 - 2r/pi              for 0 < r <= 1 (orthonormal rows; exact at every d for Gaussian x)
//	R(r) = (pi-2)/(pi-2+2r)       for r > 1 (unit-norm tight frame)
//
// For r > 1 the value is what a tight-frame encoder achieves; that it is the
// optimum is a conjecture checked numerically, not a theorem (THEORY.md 1(b), 11.1).
// The same value holds for every prior with E x^2 = 1: the linear decoder
// ignores sparsity.
func GaussEquivalentLoss(r float64) (float64, error) {
	if !(r > 0) || math.IsInf(r, 0) {
		return 0, fmt.Errorf("theory: rate r = %v, want a finite r > 0", r)
	}
	if r <= 1 {
		return 1 - 2*r/math.Pi, nil
	}
	return (math.Pi - 2) / (math.Pi - 2 + 2*r), nil
}

// IsConjecture reports whether GaussEquivalentLoss(r) rests on the tight-frame
// conjecture (r > 1) rather than a proof.
func IsConjecture(r float64) bool { return r > 1 }

// FiniteDLinearLoss is the finite-d (Edgeworth) prediction of the linear
// decoder's loss with orthonormal (Haar) rows and A = sqrt(2/pi) B^T, for a
// prior with excess kurtosis kappa (THEORY.md 1(a) and 3):
//
//	L_d = 1 - 2r/pi + r kappa / (2 pi (d+2)),   0 < r <= 1.
//
// It is exact to O(1/d^2) and vanishes into R(r) as d -> infinity.
func FiniteDLinearLoss(r, kappa float64, d int) (float64, error) {
	if d < 1 {
		return 0, fmt.Errorf("theory: dimension d = %d, want d >= 1", d)
	}
	return EdgeworthLinearLoss(r, kappa, HaarS4(d))
}
