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
