package bench

// Peers for BenchmarkGemm (gemm_test.go): gonum's pure-Go Sgemm/Dgemm at the
// same shapes, and a register-only FMA loop giving the practical ceiling of
// one core. Compare within one run, e.g.
//
//	go test -run '^$' -bench 'Gemm|FMACeiling' -cpu 1,2 -count 6 ./bench | tee new.txt
//	go run golang.org/x/perf/cmd/benchstat new.txt

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/kernel"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// peerShapes (m x n x k): the 1024 cube and the training loop's products.
var peerShapes = [][3]int{{1024, 1024, 1024}, {1024, 784, 392}, {256, 256, 128}, {512, 3072, 1536}}

// BenchmarkGemmGonum/<f32|f64>/<NN|NT|TN>/<m>x<n>x<k> runs gonum's
// Sgemm/Dgemm (C = A op B, alpha 1, beta 0), reporting GFLOP/s = 2mnk/time.
func BenchmarkGemmGonum(b *testing.B) {
	impl := gonum.Implementation{}
	for _, elem := range []string{"f32", "f64"} {
		for _, tc := range []string{"NN", "NT", "TN"} {
			for _, sh := range peerShapes {
				m, n, k := sh[0], sh[1], sh[2]
				b.Run(fmt.Sprintf("%s/%s/%dx%dx%d", elem, tc, m, n, k), func(b *testing.B) {
					tA, tB := blas.NoTrans, blas.NoTrans
					lda, ldb := k, n
					if tc[0] == 'T' {
						tA, lda = blas.Trans, m
					}
					if tc[1] == 'T' {
						tB, ldb = blas.Trans, k
					}
					rng := rand.New(rand.NewPCG(1, 2))
					b.ReportAllocs()
					if elem == "f32" {
						a, bb, c := randF32(rng, m*k), randF32(rng, k*n), make([]float32, m*n)
						for b.Loop() {
							impl.Sgemm(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
						}
					} else {
						a, bb, c := randF64(rng, m*k), randF64(rng, k*n), make([]float64, m*n)
						for b.Loop() {
							impl.Dgemm(tA, tB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
						}
					}
					b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

// BenchmarkFMACeiling/<avx512|avx2>/<f32|f64> runs kernel.FMALoop: many
// independent register-only FMAs, the most a core can compute. It runs on
// GOMAXPROCS goroutines (b.RunParallel), so -cpu 1,2 gives the one- and
// two-thread ceilings; GFLOP/s is the total over goroutines.
func BenchmarkFMACeiling(b *testing.B) {
	const iters = 1 << 16
	for _, isa := range []string{"avx512", "avx2"} {
		for _, elem := range []string{"f32", "f64"} {
			b.Run(isa+"/"+elem, func(b *testing.B) {
				f64 := elem == "f64"
				perCall, ok := kernel.FMALoop(isa, f64, iters)
				if !ok {
					b.Skip("no " + isa + " on this CPU or purego build")
				}
				b.SetParallelism(1)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						kernel.FMALoop(isa, f64, iters)
					}
				})
				b.ReportMetric(float64(perCall)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

func randF32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(2*rng.Float64() - 1)
	}
	return s
}

func randF64(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}
