package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTanhDefinition holds Tanh to its documented definition bit for bit:
// dst[i] = T(math.Tanh(float64(beta) * float64(src[i]))), the product formed in
// float64 (for float32 that is exact) and rounded once. Random z in [-3, 3]
// and beta in [1, 30] (the annealing range).
func TestTanhDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(93, 94))
	const n = 4096
	src32, dst32 := make([]float32, n), make([]float32, n)
	src64, dst64 := make([]float64, n), make([]float64, n)
	for i := range n {
		src32[i] = float32(6*rng.Float64() - 3)
		src64[i] = 6*rng.Float64() - 3
	}
	for range 8 {
		beta := math.Pow(30, rng.Float64())
		Tanh(dst32, src32, float32(beta))
		Tanh(dst64, src64, beta)
		for i := range n {
			if want := float32(math.Tanh(float64(float32(beta)) * float64(src32[i]))); dst32[i] != want {
				t.Fatalf("float32 beta %v z %v: %v, want %v", float32(beta), src32[i], dst32[i], want)
			}
			if want := math.Tanh(beta * src64[i]); dst64[i] != want {
				t.Fatalf("float64 beta %v z %v: %v, want %v", beta, src64[i], dst64[i], want)
			}
		}
	}
}
