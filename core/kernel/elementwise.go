package kernel

import "math"

// The elementwise kernels of the training loop (THEORY.md, the encoder
// s = sign(Bx) and its surrogate gradients; exact population descent's
// arcsine kernel). Each has a reference twin *Ref stating its loop; Sign and
// STEGrad have AVX2 bodies on amd64 (see elementwise_amd64.go).
// dst may alias a source; lengths must match.

// Sign sets dst[i] = sign(src[i]) with sign(x) = +1 for x >= 0 (so
// sign(±0) = +1), -1 for x < 0, and NaN for NaN (divergence is not hidden).
func Sign[T Float](dst, src []T) {
	mustLen("Sign", len(dst), len(src))
	if unsafe4[T]() {
		signF32(asF32(dst), asF32(src))
		return
	}
	signF64(asF64(dst), asF64(src))
}

// signRef is the twin of Sign.
func signRef[T float32 | float64](dst, src []T) {
	for i, x := range src {
		switch {
		case x >= 0:
			dst[i] = 1
		case x < 0:
			dst[i] = -1
		default:
			dst[i] = x // NaN
		}
	}
}

// STEGrad is the straight-through estimator's backward pass through sign,
// fused with the multiplication by the incoming gradient:
//
//	dst[i] = g[i] * 1{|z[i]| <= 1}
//
// i.e. sign is treated as the identity clipped to [-1, 1] (hard tanh).
// A NaN z[i] gives 0; the forward Sign has already turned it into NaN.
func STEGrad[T Float](dst, g, z []T) {
	mustLen("STEGrad", len(dst), len(g))
	mustLen("STEGrad", len(dst), len(z))
	if unsafe4[T]() {
		steGradF32(asF32(dst), asF32(g), asF32(z))
		return
	}
	steGradF64(asF64(dst), asF64(g), asF64(z))
}

// steGradRef is the twin of STEGrad.
func steGradRef[T float32 | float64](dst, g, z []T) {
	for i := range dst {
		if z[i] >= -1 && z[i] <= 1 {
			dst[i] = g[i]
		} else {
			dst[i] = 0
		}
	}
}

// Tanh sets dst[i] = tanh(beta src[i]), the smooth surrogate of sign used
// with an annealed beta. It is math.Tanh of the float64 product, rounded to
// T: for float32 the error is at most 0.5 ulp (float32) plus math.Tanh's
// float64 error, checked by TestTanhAccuracy.
func Tanh[T Float](dst, src []T, beta T) {
	mustLen("Tanh", len(dst), len(src))
	for i, x := range src {
		dst[i] = T(math.Tanh(float64(beta) * float64(x)))
	}
}

// TanhGrad is the backward pass of Tanh fused with the incoming gradient:
// given t = tanh(beta z) from the forward pass,
//
//	dst[i] = g[i] * beta * (1 - t[i]^2)
func TanhGrad[T Float](dst, g, t []T, beta T) {
	mustLen("TanhGrad", len(dst), len(g))
	mustLen("TanhGrad", len(dst), len(t))
	for i := range dst {
		dst[i] = g[i] * beta * ((1 - t[i]) * (1 + t[i]))
	}
}

// Asin sets dst[i] = arcsin(src[i]) for |src[i]| <= 1 (NaN outside), the
// kernel E[sign(u) sign(v)] = (2/pi) arcsin(rho) of exact population
// descent. Evaluated with math.Asin in float64: for float32 the error is at
// most 0.5 ulp (float32) plus math.Asin's error (a few float64 ulps); for
// float64 it is math.Asin's. TestAsinAccuracy checks sin(Asin(x)) = x.
func Asin[T Float](dst, src []T) {
	mustLen("Asin", len(dst), len(src))
	for i, x := range src {
		dst[i] = T(math.Asin(float64(x)))
	}
}

// InvSqrt1mSq sets dst[i] = (1 - src[i]^2)^(-1/2), the derivative of
// arcsin, for |src[i]| < 1 (+Inf at ±1, NaN beyond). It is evaluated in
// float64 as 1/sqrt((1-x)(1+x)), which has no cancellation near |x| = 1:
// (1-x) and (1+x) are exact for float32 x and within 0.5 ulp for float64,
// so the relative error is at most about 2.5 float64 ulps, plus 0.5 ulp of
// the final rounding for float32.
func InvSqrt1mSq[T Float](dst, src []T) {
	mustLen("InvSqrt1mSq", len(dst), len(src))
	for i, x := range src {
		v := float64(x)
		dst[i] = T(1 / math.Sqrt((1-v)*(1+v)))
	}
}

// AsinInvSqrt1mSq is Asin and InvSqrt1mSq fused in one pass over src
// (exact population descent needs both at every Gram-matrix entry):
// as[i] = arcsin(src[i]), inv[i] = (1 - src[i]^2)^(-1/2). Errors as for the
// separate kernels.
func AsinInvSqrt1mSq[T Float](as, inv, src []T) {
	mustLen("AsinInvSqrt1mSq", len(as), len(src))
	mustLen("AsinInvSqrt1mSq", len(inv), len(src))
	for i, x := range src {
		v := float64(x)
		as[i] = T(math.Asin(v))
		inv[i] = T(1 / math.Sqrt((1-v)*(1+v)))
	}
}

func mustLen(name string, a, b int) {
	if a != b {
		panic("kernel: " + name + ": slice lengths differ")
	}
}
