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

// spmmF32 is SpMM for float32: AVX-512 column panels of 64 and 16 (on the
// AVX-512 tier), then AVX panels of 8, the remaining columns by the twin.
func spmmF32(s *CSR[float32], n int, b []float32, ldb int, c []float32, ldc int) {
	tr := activeTier()
	if tr == goTier {
		spmmRef(s, n, b, ldb, c, ldc)
		return
	}
	p := 0
	if s.Rows > 0 && s.Cols > 0 && tr == avx512Tier {
		for ; p+64 <= n; p += 64 {
			spmmPanelAvx512F32_64(&c[p], ldc, s.Rows, &s.RowPtr[0], colPtr(s), valPtr(s), &b[p], ldb)
		}
		for ; p+16 <= n; p += 16 {
			spmmPanelAvx512F32_16(&c[p], ldc, s.Rows, &s.RowPtr[0], colPtr(s), valPtr(s), &b[p], ldb)
		}
	}
	if s.Rows > 0 && s.Cols > 0 {
		for ; p+8 <= n; p += 8 {
			spmmPanelAvx2F32_8(&c[p], ldc, s.Rows, &s.RowPtr[0], colPtr(s), valPtr(s), &b[p], ldb)
		}
	}
	if p < n {
		spmmRef(s, n-p, b[p:], ldb, c[p:], ldc)
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
