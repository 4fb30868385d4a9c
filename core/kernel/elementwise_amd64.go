//go:build !purego

package kernel

func signF32(dst, src []float32) {
	n := len(src) &^ 7
	if n > 0 && activeTier() != goTier {
		signAvx2F32(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	signRef(dst[n:], src[n:])
}

func signF64(dst, src []float64) {
	n := len(src) &^ 3
	if n > 0 && activeTier() != goTier {
		signAvx2F64(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	signRef(dst[n:], src[n:])
}

func steGradF32(dst, g, z []float32) {
	n := len(dst) &^ 7
	if n > 0 && activeTier() != goTier {
		steGradAvx2F32(&dst[0], &g[0], &z[0], n)
	} else {
		n = 0
	}
	steGradRef(dst[n:], g[n:], z[n:])
}

func steGradF64(dst, g, z []float64) {
	n := len(dst) &^ 3
	if n > 0 && activeTier() != goTier {
		steGradAvx2F64(&dst[0], &g[0], &z[0], n)
	} else {
		n = 0
	}
	steGradRef(dst[n:], g[n:], z[n:])
}

// The arcsine kernels work on float64 lanes: 8 per zmm, 4 per ymm.

func asinF32(dst, src []float32) {
	n := asinBody(len(src))
	switch {
	case n == 0:
	case activeTier() == avx512Tier:
		asinAvx512F32(&dst[0], &src[0], n)
	default:
		asinAvx2F32(&dst[0], &src[0], n)
	}
	asinRef(dst[n:], src[n:])
}

func asinF64(dst, src []float64) {
	n := asinBody(len(src))
	switch {
	case n == 0:
	case activeTier() == avx512Tier:
		asinAvx512F64(&dst[0], &src[0], n)
	default:
		asinAvx2F64(&dst[0], &src[0], n)
	}
	asinRef(dst[n:], src[n:])
}

func asinInvF32(as, inv, src []float32) {
	n := asinBody(len(src))
	switch {
	case n == 0:
	case activeTier() == avx512Tier:
		asinInvAvx512F32(&as[0], &inv[0], &src[0], n)
	default:
		asinInvAvx2F32(&as[0], &inv[0], &src[0], n)
	}
	asinInvRef(as[n:], inv[n:], src[n:])
}

func asinInvF64(as, inv, src []float64) {
	n := asinBody(len(src))
	switch {
	case n == 0:
	case activeTier() == avx512Tier:
		asinInvAvx512F64(&as[0], &inv[0], &src[0], n)
	default:
		asinInvAvx2F64(&as[0], &inv[0], &src[0], n)
	}
	asinInvRef(as[n:], inv[n:], src[n:])
}

// asinBody returns how many of n elements the active tier's vector kernel
// handles (a multiple of its float64 lane count; 0 for the Go tier).
func asinBody(n int) int {
	switch activeTier() {
	case avx512Tier:
		return n &^ 7
	case goTier:
		return 0
	}
	return n &^ 3
}
