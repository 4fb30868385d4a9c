package kernel

import "math"

// The elementwise kernels of the training loop (THEORY.md, the encoder
// s = sign(Bx) and its surrogate gradients; exact population descent's
// arcsine kernel). Each has a reference twin *Ref stating its loop; Sign and
// STEGrad have AVX2 bodies on amd64, Asin and AsinInvSqrt1mSq AVX-512 and
// AVX2 ones (see elementwise_amd64.go).
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
// descent. It is computed in float64 by asinTwin's polynomial algorithm
// (vectorised with AVX-512 or AVX2 where available, bit for bit the same):
// within asinMaxULP = 2 float64 ulps of arcsin; float32 inputs are widened
// and the result rounded once, so within 0.5 ulp (float32) plus that.
// The result is the same on every tier.
func Asin[T Float](dst, src []T) {
	mustLen("Asin", len(dst), len(src))
	if unsafe4[T]() {
		asinF32(asF32(dst), asF32(src))
		return
	}
	asinF64(asF64(dst), asF64(src))
}

// asinRef is the twin of Asin.
func asinRef[T float32 | float64](dst, src []T) {
	for i, x := range src {
		dst[i] = T(asinTwin(float64(x)))
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
		dst[i] = T(invSqrt1mSq(float64(x)))
	}
}

// AsinInvSqrt1mSq is Asin and InvSqrt1mSq fused in one pass over src
// (exact population descent needs both at every Gram-matrix entry):
// as[i] = arcsin(src[i]), inv[i] = (1 - src[i]^2)^(-1/2), equal bit for bit
// to the separate kernels (errors as documented there). With AVX-512 it
// handles 8 elements per step; BenchmarkAsinInvSqrt1mSq compares it with
// the scalar twin.
func AsinInvSqrt1mSq[T Float](as, inv, src []T) {
	mustLen("AsinInvSqrt1mSq", len(as), len(src))
	mustLen("AsinInvSqrt1mSq", len(inv), len(src))
	if unsafe4[T]() {
		asinInvF32(asF32(as), asF32(inv), asF32(src))
		return
	}
	asinInvF64(asF64(as), asF64(inv), asF64(src))
}

// asinInvRef is the twin of AsinInvSqrt1mSq.
func asinInvRef[T float32 | float64](as, inv, src []T) {
	for i, x := range src {
		v := float64(x)
		as[i] = T(asinTwin(v))
		inv[i] = T(invSqrt1mSq(v))
	}
}

func mustLen(name string, a, b int) {
	if a != b {
		panic("kernel: " + name + ": slice lengths differ")
	}
}
