package kernel

import "unsafe"

// Syrk computes the symmetric rank-k product
//
//	C = alpha op(A) op(A)^T + beta C
//
// where op(A) is n x k (A itself for NoTrans, so C = alpha A A^T; A^T for
// Trans, A being k x n, so C = alpha A^T A) and C is n x n, row-major with
// leading dimensions lda and ldc. Only the upper triangle of C is read
// (when beta != 0); the whole of C is written, its strict lower triangle as
// the mirror image of the upper, so C is exactly symmetric.
//
// It is the BLAS SYRK (Dongarra et al., "A set of level 3 basic linear
// algebra subprograms", ACM TOMS 1990) on Gemm's packed micro-kernels: the
// micro-tiles wholly below the diagonal are skipped, about half the work of
// Gemm for n much larger than the tile. The upper triangle equals Gemm's
// (tA, !tA) product bit for bit, on every tier.
func Syrk[T Float](tA Transpose, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int) {
	tB := !tA
	checkGemm(tA, tB, n, n, k, len(a), lda, len(a), lda, len(c), ldc)
	if n == 0 {
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		a32, c32 := asF32(a), asF32(c)
		gemmDriverTri(&activeTier().f32, true, tA, tB, n, n, k, float32(alpha), a32, lda, a32, lda, float32(beta), c32, ldc)
		mirrorUpper(n, c32, ldc)
		return
	}
	a64, c64 := asF64(a), asF64(c)
	gemmDriverTri(&activeTier().f64, true, tA, tB, n, n, k, float64(alpha), a64, lda, a64, lda, float64(beta), c64, ldc)
	mirrorUpper(n, c64, ldc)
}

// mirrorUpper copies the strict upper triangle of the n x n matrix c onto
// the lower: c[j][i] = c[i][j] for i < j. It walks the lower triangle in
// blocks so that both triangles stay in cache.
func mirrorUpper[T float32 | float64](n int, c []T, ldc int) {
	const bs = 8 // 8 x 8 tiles: a power-of-two ldc maps a tile column to one cache set
	for i0 := 0; i0 < n; i0 += bs {
		for j0 := i0; j0 < n; j0 += bs {
			for i := i0; i < min(i0+bs, n); i++ {
				row := c[i*ldc:]
				for j := max(j0, i+1); j < min(j0+bs, n); j++ {
					c[j*ldc+i] = row[j]
				}
			}
		}
	}
}

// SyrkRef is the reference twin of Syrk: for i <= j,
//
//	C[i,j] = alpha * sum_l op(A)[i,l] op(A)[j,l] + beta C[i,j]
//
// accumulated in the order l = 0..k-1 (C not read when beta == 0), and
// C[j,i] = C[i,j].
func SyrkRef[T Float](tA Transpose, n, k int, alpha T, a []T, lda int, beta T, c []T, ldc int) {
	checkGemm(tA, !tA, n, n, k, len(a), lda, len(a), lda, len(c), ldc)
	at := func(i, l int) T {
		if tA == Trans {
			return a[l*lda+i]
		}
		return a[i*lda+l]
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			var s T
			for l := 0; l < k; l++ {
				s += at(i, l) * at(j, l)
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
			c[j*ldc+i] = c[i*ldc+j]
		}
	}
}
