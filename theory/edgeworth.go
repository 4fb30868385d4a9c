package theory

import (
	"fmt"
	"math"
)

// EdgeworthLinearLoss is the loss of x_hat = sqrt(2/pi) B^T sign(Bx) for an
// encoder with orthonormal rows b_i, at finite d, to first order in the
// excess kurtosis kappa of the prior (THEORY.md 1(a)):
//
//	L ~ 1 - 2r/pi + r kappa S4 / (6 pi),   S4 = mean_i sum_k b_ik^4,
//
// from E|b.x| = sqrt(2/pi) (1 - kappa S4_i/24) (Edgeworth expansion of b.x).
// S4 is 3/(d+2) for Haar rows (see FiniteDLinearLoss) and at least 1/d for any
// unit rows, with equality for flat rows +-1/sqrt(d), so for BG priors (kappa > 0)
//
//	1 - 2r/pi + r kappa / (6 pi d)  <=  L  <~  1 - 2r/pi + r kappa / (2 pi (d+2))
//
// brackets a trained encoder, which at finite d is flatter than Haar (THEORY.md 2.5, 3).
func EdgeworthLinearLoss(r, kappa, s4 float64) (float64, error) {
	if !(r > 0 && r <= 1) {
		return 0, fmt.Errorf("theory: Edgeworth linear loss needs 0 < r <= 1, got %v", r)
	}
	if !(s4 > 0 && s4 <= 1) {
		return 0, fmt.Errorf("theory: S4 = %v, want 0 < S4 <= 1 for unit rows", s4)
	}
	return 1 - 2*r/math.Pi + r*kappa*s4/(6*math.Pi), nil
}

// FlatRowsS4 is the smallest S4 = sum_k b_k^4 of a unit vector in R^d, 1/d.
func FlatRowsS4(d int) float64 { return 1 / float64(d) }

// HaarS4 is E sum_k b_k^4 = 3/(d+2) for a uniformly random unit vector in R^d.
func HaarS4(d int) float64 { return 3 / float64(d+2) }
