// Package kernel holds the numerical kernels the training loop spends its
// time in: general matrix products (GEMM) and elementwise operations.
//
// Matrices are row-major slices with a leading dimension (row stride).
// Every kernel has a pure-Go reference twin (the *Ref functions) that states
// the loop it computes; faster implementations are tested against it.
package kernel

import (
	"runtime"
	"sync"
)

// Float is the element type of the kernels.
type Float interface{ ~float32 | ~float64 }

// Transpose says whether an operand is used as stored (NoTrans) or transposed (Trans).
type Transpose bool

const (
	NoTrans Transpose = false
	Trans   Transpose = true
)

var maxThreads = runtime.GOMAXPROCS(0)

// SetThreads bounds the number of goroutines a kernel call may use (at least 1)
// and returns the previous bound. The default is GOMAXPROCS at start-up.
func SetThreads(n int) int {
	old := maxThreads
	if n < 1 {
		n = 1
	}
	maxThreads = n
	return old
}

// Threads returns the current bound set by SetThreads.
func Threads() int { return maxThreads }

// Gemm computes C = alpha op(A) op(B) + beta C where op(A) is m x k, op(B) is
// k x n and C is m x n, all row-major with leading dimensions lda, ldb, ldc.
// If beta == 0, C is not read (NaNs in C do not propagate).
//
// The result does not depend on the thread count: each element of C is a sum
// over k in a fixed order computed by exactly one goroutine.
func Gemm[T Float](tA, tB Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	threads := min(maxThreads, m)
	if threads <= 1 || m*n*k < 1<<15 {
		gemmRows(tA, tB, 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	var wg sync.WaitGroup
	chunk := (m + threads - 1) / threads
	for lo := 0; lo < m; lo += chunk {
		hi := min(lo+chunk, m)
		wg.Add(1)
		go func() {
			defer wg.Done()
			gemmRows(tA, tB, lo, hi, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		}()
	}
	wg.Wait()
}

// gemmRows computes rows [lo, hi) of C with a k-outer loop over each row,
// so the inner loop is a contiguous axpy when op(B) is not transposed.
func gemmRows[T Float](tA, tB Transpose, lo, hi, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := lo; i < hi; i++ {
		ci := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(ci)
		} else if beta != 1 {
			for j := range ci {
				ci[j] *= beta
			}
		}
		if alpha == 0 {
			continue
		}
		if tB == NoTrans {
			for l := 0; l < k; l++ {
				var ail T
				if tA == NoTrans {
					ail = a[i*lda+l]
				} else {
					ail = a[l*lda+i]
				}
				ail *= alpha
				if ail == 0 {
					continue
				}
				bl := b[l*ldb : l*ldb+n]
				for j, v := range bl {
					ci[j] += ail * v
				}
			}
			continue
		}
		for j := 0; j < n; j++ {
			bj := b[j*ldb : j*ldb+k]
			var s T
			if tA == NoTrans {
				ai := a[i*lda : i*lda+k]
				for l, v := range bj {
					s += ai[l] * v
				}
			} else {
				for l, v := range bj {
					s += a[l*lda+i] * v
				}
			}
			ci[j] += alpha * s
		}
	}
}

// GemmRef is the reference twin of Gemm: for each i, j,
//
//	C[i,j] = alpha * sum_l op(A)[i,l] op(B)[l,j] + beta C[i,j]
//
// accumulated in the order l = 0..k-1, with C[i,j] not read when beta == 0.
func GemmRef[T Float](tA, tB Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s T
			for l := 0; l < k; l++ {
				av := a[i*lda+l]
				if tA == Trans {
					av = a[l*lda+i]
				}
				bv := b[l*ldb+j]
				if tB == Trans {
					bv = b[j*ldb+l]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

func checkGemm(tA, tB Transpose, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("kernel: negative dimension")
	}
	ar, ac := m, k
	if tA == Trans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB == Trans {
		br, bc = n, k
	}
	checkOperand("A", ar, ac, la, lda)
	checkOperand("B", br, bc, lb, ldb)
	checkOperand("C", m, n, lc, ldc)
}

func checkOperand(name string, r, c, l, ld int) {
	if ld < max(c, 1) {
		panic("kernel: leading dimension of " + name + " too small")
	}
	if r > 0 && c > 0 && l < (r-1)*ld+c {
		panic("kernel: slice " + name + " too short")
	}
}
