package prior

import "math"

// Erfcx is the scaled complementary error function exp(x^2) erfc(x),
// accurate to a few ulp for all x; it is +Inf for x < -26.6 where exp(x^2)
// overflows. For x >= 10 it sums the asymptotic series
// 1/(x sqrt(pi)) sum_n (-1)^n (2n-1)!!/(2x^2)^n, whose terms fall below
// 1e-17 long before they start to grow.
func Erfcx(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x < -26.6:
		return math.Inf(1)
	case x < 0:
		return 2*expSquare(x) - Erfcx(-x)
	case x < 10:
		return expSquare(x) * math.Erfc(x)
	}
	if math.IsInf(x, 1) {
		return 0
	}
	u := 1 / (2 * x * x)
	sum, term := 1.0, 1.0
	for n := 1; n < 60; n++ {
		term *= -float64(2*n-1) * u
		sum += term
		if math.Abs(term) < 1e-17 {
			break
		}
	}
	return sum / (x * math.SqrtPi)
}

// expSquare returns exp(x^2), carrying the rounding error of x*x (from FMA)
// so the result keeps full relative precision for |x| up to 26.
func expSquare(x float64) float64 {
	hi := x * x
	lo := math.FMA(x, x, -hi)
	return math.Exp(hi) * (1 + lo)
}

// InverseMills is the inverse Mills ratio h(a) = phi(a)/Phi(a) of the standard
// normal density phi and CDF Phi, computed as sqrt(2/pi)/erfcx(-a/sqrt(2))
// (THEORY.md 1). It is finite and positive for every finite a: h(a) ~ -a as
// a -> -inf, and it underflows gracefully to 0 as a -> +inf.
func InverseMills(a float64) float64 {
	return math.Sqrt(2/math.Pi) / Erfcx(-a/math.Sqrt2)
}

// TruncatedVariance is Var[z | z > -a] for z ~ N(0,1):
// 1 - h(a)(a + h(a)) with h the inverse Mills ratio. It is the posterior
// variance factor of the noiseless sign channel y = sign(w) with a Gaussian
// prior on w (THEORY.md 7). The result is clamped to [0, 1] against
// rounding in the cancellation for a -> -inf (where the value is ~ 1/a^2).
func TruncatedVariance(a float64) float64 {
	h := InverseMills(a)
	return min(max(1-h*(a+h), 0), 1)
}
