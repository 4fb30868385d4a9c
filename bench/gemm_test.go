package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/kernel"
)

// gemmShapes are the (m, n, k) shapes of the training loop's products:
// square 1024, the MNIST-sized encoder (d = 784, n = d/2), a small layer that
// fits in cache, and a wide decoder at rate 2.
var gemmShapes = [][3]int{
	{1024, 1024, 1024},
	{1024, 784, 392},
	{256, 256, 128},
	{512, 3072, 1536},
}

// BenchmarkGemm times C = op(A) op(B) for every element type, transpose pair
// and shape, reporting GFLOP/s = 2mnk / (seconds per product) and the CPU
// time per product (cpu-sec/op, see cpuClock).
func BenchmarkGemm(b *testing.B) {
	b.Run("f32", benchGemm[float32])
	b.Run("f64", benchGemm[float64])
}

func benchGemm[T kernel.Float](b *testing.B) {
	trans := []struct {
		name   string
		tA, tB kernel.Transpose
	}{
		{"NN", kernel.NoTrans, kernel.NoTrans},
		{"NT", kernel.NoTrans, kernel.Trans},
		{"TN", kernel.Trans, kernel.NoTrans},
	}
	for _, tr := range trans {
		b.Run(tr.name, func(b *testing.B) {
			for _, s := range gemmShapes {
				m, n, k := s[0], s[1], s[2]
				b.Run(fmt.Sprintf("%dx%dx%d", m, n, k), func(b *testing.B) {
					gemmCase[T](b, tr.tA, tr.tB, m, n, k)
				})
			}
		})
	}
}

// gemmCase times one Gemm call on random operands; the leading dimensions are
// those of densely stored op(A) (m x k) and op(B) (k x n) before transposition.
func gemmCase[T kernel.Float](b *testing.B, tA, tB kernel.Transpose, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, uint64(m*n*k)))
	a, bm, c := make([]T, m*k), make([]T, k*n), make([]T, m*n)
	for i := range a {
		a[i] = T(rng.NormFloat64())
	}
	for i := range bm {
		bm[i] = T(rng.NormFloat64())
	}
	lda, ldb := k, n
	if tA == kernel.Trans {
		lda = m
	}
	if tB == kernel.Trans {
		ldb = k
	}
	// One untimed call first, so that the goroutines Gemm starts find
	// recycled goroutine descriptors and B/op, allocs/op do not depend on
	// how many iterations the timed loop runs.
	kernel.Gemm(tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		kernel.Gemm(tA, tB, m, n, k, 1, a, lda, bm, ldb, 0, c, n)
	}
	cpu.report(b)
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
