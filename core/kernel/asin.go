package kernel

import "math"

// asinTwin is the pure-Go twin of the vectorised arcsine kernels (generated
// in internal/gen/asin.go, which documents the algorithm): with w = |x|,
//
//	w <= 1/2:  z = w^2,        asin(w) = w + w z g(z)
//	w >  1/2:  z = (1-w)/2,    s = sqrt z,  h = pio2Hi - 2s,  e = (pio2Hi - h) - 2s,
//	           asin(w) = h + (e - (2s z g(z) - pio2Lo))
//
// where g(z) = (asin(sqrt z)/sqrt z - 1)/z is replaced on [0, 1/4] by the
// polynomial asinCoef, evaluated by Horner's rule with fused multiply-adds.
// Every operation is the one the kernels perform, in the same order, so
// the kernels equal asinTwin bit for bit. NaN and |x| > 1 give NaN;
// asin(±1) = ±pi/2 and asin(-0) = -0. The error, measured against a
// 256-bit reference by TestAsinVecAccuracy, is at most asinMaxULP ulp.
func asinTwin(x float64) float64 {
	w := math.Abs(x)
	big := w > 0.5
	z := w * w
	if big {
		z = (1 - w) * 0.5
		w = math.Sqrt(z)
	}
	g := asinCoef[len(asinCoef)-1]
	for i := len(asinCoef) - 2; i >= 0; i-- {
		g = math.FMA(z, g, asinCoef[i])
	}
	zg := z * g
	var r float64
	if big {
		s2 := w + w
		q := math.FMA(s2, zg, -pio2Lo)
		h := pio2Hi - s2
		e := (pio2Hi - h) - s2 // exact: the rounding error of h
		r = h + (e - q)
	} else {
		r = math.FMA(w, zg, w)
	}
	return math.Copysign(r, x)
}

// asinMaxULP is the documented error bound of asinTwin (and so of Asin and
// AsinInvSqrt1mSq in float64) in units in the last place of the result,
// checked by TestAsinVecAccuracy.
const asinMaxULP = 2

// invSqrt1mSq is (1 - x^2)^(-1/2) evaluated as 1/sqrt((1-x)(1+x)).
func invSqrt1mSq(x float64) float64 { return 1 / math.Sqrt((1-x)*(1+x)) }
