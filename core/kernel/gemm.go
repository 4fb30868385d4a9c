// Package kernel holds the numerical kernels the training loop spends its
// time in: general matrix products (GEMM) and elementwise operations.
//
// Matrices are row-major slices with a leading dimension (row stride).
// Every kernel has a pure-Go reference twin (the *Ref functions) that states
// the loop it computes; faster implementations are tested against it.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package kernel

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// Float is the element type of the kernels.
type Float interface{ ~float32 | ~float64 }

// Transpose says whether an operand is used as stored (NoTrans) or transposed (Trans).
type Transpose bool

const (
	NoTrans Transpose = false
	Trans   Transpose = true
)

var maxThreads atomic.Int64

func init() { maxThreads.Store(int64(runtime.GOMAXPROCS(0))) }

// SetThreads bounds the number of goroutines a kernel call may use (at least 1)
// and returns the previous bound. The default is GOMAXPROCS at start-up; a
// call also never uses more than the current GOMAXPROCS.
// It is safe to call concurrently with running kernels, which use the bound
// read at their start.
func SetThreads(n int) int {
	return int(maxThreads.Swap(int64(max(n, 1))))
}

// Threads returns the current bound set by SetThreads.
func Threads() int { return int(maxThreads.Load()) }

// Gemm computes C = alpha op(A) op(B) + beta C where op(A) is m x k, op(B) is
// k x n and C is m x n, all row-major with leading dimensions lda, ldb, ldc.
// If beta == 0, C is not read (NaNs in C do not propagate).
//
// The product is computed by a packed, cache-blocked algorithm (see gemmDriver)
// whose micro-kernel is chosen at run time for the CPU (see Tier). Each element
// of C is accumulated over k in a fixed order, in blocks of the tier's Kc, by
// exactly one goroutine, so the result does not depend on the thread count;
// it does depend on the tier (FMA rounding, block sizes) within the bound
// documented on GemmRef's tests.
func Gemm[T Float](tA, tB Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		gemmDriver(&activeTier().f32, tA, tB, m, n, k, float32(alpha), asF32(a), lda, asF32(b), ldb, float32(beta), asF32(c), ldc)
		return
	}
	gemmDriver(&activeTier().f64, tA, tB, m, n, k, float64(alpha), asF64(a), lda, asF64(b), ldb, float64(beta), asF64(c), ldc)
}

// unsafe4 reports whether T is a 4-byte (float32-based) type.
func unsafe4[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// asF32 reinterprets a slice of a type whose underlying type is float32.
func asF32[T Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// asF64 reinterprets a slice of a type whose underlying type is float64.
func asF64[T Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
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
				var av, bv T
				if tA == Trans {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if tB == Trans {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
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
