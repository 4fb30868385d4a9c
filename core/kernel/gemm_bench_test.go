package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are the 1024 cube and the training loop's shapes (m x n x k).
var benchShapes = [][3]int{{1024, 1024, 1024}, {1024, 784, 392}, {256, 256, 128}, {512, 3072, 1536}}

// BenchmarkKernelGemm measures Gemm for the active tier (run with
// GODEBUG=cpu.avx512f=off etc. for the others). The project's comparison
// benchmarks live in ./bench; this one is for tuning the kernel in place.
func BenchmarkKernelGemm(b *testing.B) {
	for _, elem := range []string{"f32", "f64"} {
		for _, tc := range []string{"NN", "NT", "TN"} {
			for _, sh := range benchShapes {
				name := fmt.Sprintf("%s/%s/%dx%dx%d", elem, tc, sh[0], sh[1], sh[2])
				b.Run(name, func(b *testing.B) {
					if elem == "f32" {
						benchGemm[float32](b, tc, sh)
					} else {
						benchGemm[float64](b, tc, sh)
					}
				})
			}
		}
	}
}

func benchGemm[T float32 | float64](b *testing.B, tc string, sh [3]int) {
	m, n, k := sh[0], sh[1], sh[2]
	tA, tB := Transpose(tc[0] == 'T'), Transpose(tc[1] == 'T')
	rng := rand.New(rand.NewPCG(1, 2))
	a, bb, c := randSlice[T](rng, m*k), randSlice[T](rng, k*n), make([]T, m*n)
	lda, ldb := k, n
	if tA {
		lda = m
	}
	if tB {
		ldb = k
	}
	b.ReportAllocs()
	for b.Loop() {
		Gemm(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkKernelFMALoop(b *testing.B) {
	for _, isa := range []string{"avx512", "avx2"} {
		for _, f64 := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/f64=%v", isa, f64), func(b *testing.B) {
				if _, ok := FMALoop(isa, f64, 1); !ok {
					b.Skip("CPU lacks " + isa)
				}
				var flops int
				for b.Loop() {
					f, _ := FMALoop(isa, f64, 1<<16)
					flops += f
				}
				b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
