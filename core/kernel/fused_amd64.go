//go:build !purego

package kernel

// The float32 bodies run on the AVX2 and AVX-512 tiers and return how many
// leading elements (a multiple of 8) they handled; the callers finish with
// the twins.

func subSqF32(dst, a, b []float32, acc *[8]float64) int {
	n := len(dst) &^ 7
	if n == 0 || activeTier() == goTier {
		return 0
	}
	subSqAvx2F32(&dst[0], &a[0], &b[0], n, &acc[0])
	return n
}

func sumSqF32(x []float32, acc *[8]float64) int {
	n := len(x) &^ 7
	if n == 0 || activeTier() == goTier {
		return 0
	}
	sumSqAvx2F32(&x[0], n, &acc[0])
	return n
}

func scaleF32(x []float32, f float32) int {
	n := len(x) &^ 7
	if n == 0 || activeTier() == goTier {
		return 0
	}
	scaleAvx2F32(&x[0], n, f)
	return n
}

func adamF32(w, m, v, g []float32, b1, c1, b2, c2, lr, eps float32) int {
	n := len(w) &^ 7
	if n == 0 || activeTier() == goTier {
		return 0
	}
	adamAvx2F32(&w[0], &m[0], &v[0], &g[0], n, b1, c1, b2, c2, lr, eps)
	return n
}

// axpyF32 returns the float32 row update of the active tier.
func axpyF32() func(dst, src []float32, alpha float32) {
	switch activeTier() {
	case avx512Tier:
		return axpyAvx512
	case goTier:
		return axpyRef[float32]
	}
	return axpyAvx2
}

func axpyAvx512(dst, src []float32, alpha float32) {
	n := len(dst) &^ 15
	src = src[:len(dst)]
	if n > 0 {
		axpyAvx512F32(&dst[0], &src[0], n, alpha)
	}
	axpyRef(dst[n:], src[n:], alpha)
}

func axpyAvx2(dst, src []float32, alpha float32) {
	n := len(dst) &^ 7
	src = src[:len(dst)]
	if n > 0 {
		axpyAvx2F32(&dst[0], &src[0], n, alpha)
	}
	axpyRef(dst[n:], src[n:], alpha)
}

// spmmF32 is SpMM for float32: AVX-512 column panels of 64 and 16 and an
// AVX one of 8, the remaining columns by the twin's loop; on AVX2 whole-row
// updates.
func spmmF32(s *CSR[float32], n int, b []float32, ldb int, c []float32, ldc int) {
	switch activeTier() {
	case goTier:
		spmmRef(s, n, b, ldb, c, ldc)
		return
	case avx512Tier:
	default:
		spmmWith(axpyAvx2, s, n, b, ldb, c, ldc)
		return
	}
	p := 0
	if s.Rows > 0 && s.Cols > 0 {
		for ; p+64 <= n; p += 64 {
			spmmPanelAvx512F32_64(&c[p], ldc, s.Rows, &s.RowPtr[0], colPtr(s), valPtr(s), &b[p], ldb)
		}
		for ; p+16 <= n; p += 16 {
			spmmPanelAvx512F32_16(&c[p], ldc, s.Rows, &s.RowPtr[0], colPtr(s), valPtr(s), &b[p], ldb)
		}
		if p+8 <= n {
			spmmPanelAvx2F32_8(&c[p], ldc, s.Rows, &s.RowPtr[0], colPtr(s), valPtr(s), &b[p], ldb)
			p += 8
		}
	}
	if p < n {
		spmmWith(axpyRef[float32], s, n-p, b[p:], ldb, c[p:], ldc)
	}
}

// colPtr and valPtr return the first element of the CSR's arrays (a valid
// pointer even with no nonzeros: the kernels then never dereference it).
func colPtr(s *CSR[float32]) *int32 {
	if len(s.Col) == 0 {
		return nil
	}
	return &s.Col[0]
}

func valPtr(s *CSR[float32]) *float32 {
	if len(s.Val) == 0 {
		return nil
	}
	return &s.Val[0]
}
