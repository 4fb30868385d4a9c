package theory

import (
	"fmt"
	"math"
)

// HaarLinearLossEnergies is the exact expected loss of the linear decoder
// x_hat = sqrt(2/pi) B^T sign(Bx) over Haar encoders B (n = r d orthonormal
// rows in R^d), for signals of energies q_s = ||x_s||^2/d, normalised by
// their total energy (sum_s loss_s / sum_s q_s). For any fixed x each row
// of B is uniform on the unit sphere, so E|b.x| = ||x|| a_d with
// a_d = Gamma(d/2)/(sqrt(pi) Gamma((d+1)/2)), and B B^T = I gives
// ||B^T s||^2 = n, hence (THEORY.md 1(a), without the d -> infinity limit)
//
//	(1/d) E||x - c B^T s||^2 = q - 2 c r sqrt(d) a_d sqrt(q) + c^2 r,   c = sqrt(2/pi).
//
// With q = 1 and d -> infinity (sqrt(d) a_d -> sqrt(2/pi)) it is 1 - 2r/pi
// for every data distribution: the Haar encoder's linear loss depends on
// the data only through the signals' energies. Varying energies (images)
// raise it: by Jensen E sqrt(q) < sqrt(E q), about (r/(2 pi)) Var(q) for
// E q = 1.
func HaarLinearLossEnergies(q []float64, r float64, d int) (float64, error) {
	if len(q) == 0 || !(r > 0 && r <= 1) || d < 1 {
		return 0, fmt.Errorf("theory: Haar linear loss for %d energies at r = %v, d = %d; want energies, 0 < r <= 1, d >= 1", len(q), r, d)
	}
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	ad := math.Exp(lg(float64(d)/2)-lg(float64(d+1)/2)) / math.Sqrt(math.Pi)
	c := math.Sqrt(2 / math.Pi)
	var l, sq float64
	for _, v := range q {
		if !(v >= 0) {
			return 0, fmt.Errorf("theory: signal energy %v, want >= 0", v)
		}
		l += v - 2*c*r*math.Sqrt(float64(d))*ad*math.Sqrt(v) + c*c*r
		sq += v
	}
	if !(sq > 0) {
		return 0, fmt.Errorf("theory: signals with no energy")
	}
	return l / sq, nil
}
