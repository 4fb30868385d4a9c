package prior

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
)

// TestFillBatchMoments checks FillBatch's draws like TestMoments checks
// Sample, on 4e6 draws (one batch each): E x, E x^2, E|x|, E x^4, P(x = 0),
// P(x <= t) against Phi for Gaussian data (t up to 4.2, past the ziggurat's
// base layer R = 3.654, so the tail path is checked), and P(x_i != 0,
// x_{i+1} != 0) = p^2 (the geometric gaps give independent supports).
// Tolerance: 5 standard errors estimated from the sample (false-failure
// rate ~6e-7 per check); at n = 4e6 a 1% error of the scale, i.e. 2% of
// E x^2, exceeds it for every prior here (5 se of E x^2 is 0.7% for the
// Gaussian, 1.3% for BG(0.1)).
func TestFillBatchMoments(t *testing.T) {
	const n = 4000000
	x := make([]float64, n)
	for _, p := range []Prior{Gaussian{}, BernoulliGaussian{0.1}, BernoulliGaussian{0.5}, BernoulliGaussian{1}, SparseRademacher{0.3}} {
		rng := rand.New(rand.NewPCG(3, 4))
		FillBatch(p, rng, x)
		checkMoments(t, p, x)
		pairs := 0
		for i, v := range x {
			if v != 0 && i > 0 && x[i-1] != 0 {
				pairs++
			}
		}
		q := p.ZeroMass()
		pp := (1 - q) * (1 - q)
		if se := math.Sqrt(pp*(1-pp)/n) + 1e-12; math.Abs(float64(pairs)/(n-1)-pp) > 5*se {
			t.Errorf("%s: P(two nonzeros in a row) = %.6f, want %.6f", p.Name(), float64(pairs)/(n-1), pp)
		}
		if _, ok := p.(Gaussian); ok {
			for _, th := range []float64{-4.2, -3.7, -3.3, -2, -1, -0.3, 0, 0.7, 1.5, 2.5, 3.6, 3.9, 4.2} {
				c := 0
				for _, v := range x {
					if v <= th {
						c++
					}
				}
				w := 0.5 * math.Erfc(-th/math.Sqrt2)
				if se := math.Sqrt(w * (1 - w) / n); math.Abs(float64(c)/n-w) > 5*se {
					t.Errorf("gaussian: P(x <= %v) = %.6g, want %.6g ± %.2g", th, float64(c)/n, w, se)
				}
			}
		}
	}
}

// TestFillBatchStream checks that FillBatch is a function of the rng state:
// the same seed gives the same batch, the rng advances by exactly two words,
// and a pinned seed gives a pinned FNV-1a hash of the float32 batch, the same
// on every CPU (the sampler uses no CPU-dependent math; see FillBatch).
func TestFillBatchStream(t *testing.T) {
	want := map[string]uint64{"gaussian": 0xa48fccce0329e51f, "bg:0.1": 0x4a2032e9f677cfaf, "sr:0.3": 0xc0a7a07f4a3ca6c5}
	for _, p := range []Prior{Gaussian{}, BernoulliGaussian{0.1}, SparseRademacher{0.3}} {
		a, b := make([]float32, 10007), make([]float32, 10007)
		r1, r2 := rand.New(rand.NewPCG(5, 6)), rand.New(rand.NewPCG(5, 6))
		FillBatch(p, r1, a)
		FillBatch(p, r2, b)
		h := fnv.New64a()
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s: element %d differs between two runs with one seed", p.Name(), i)
			}
			u := math.Float32bits(a[i])
			h.Write([]byte{byte(u), byte(u >> 8), byte(u >> 16), byte(u >> 24)})
		}
		r3 := rand.New(rand.NewPCG(5, 6))
		r3.Uint64()
		r3.Uint64()
		if r1.Uint64() != r3.Uint64() {
			t.Errorf("%s: FillBatch did not advance rng by two words", p.Name())
		}
		if got := h.Sum64(); got != want[p.Name()] {
			t.Errorf("%s: stream hash %#x, want %#x", p.Name(), got, want[p.Name()])
		}
	}
}

// TestZigTables checks the ziggurat construction: the recurrence closes
// (f(x_255) + V/x_255 = 1 to 1e-9: R, V and f(R) are consistent) and the
// tables hold f(x_i) = exp(-x_i^2/2).
func TestZigTables(t *testing.T) {
	if c := zigF[zigLayers-1] + zigArea/zigX[zigLayers-1]; math.Abs(c-1) > 1e-9 {
		t.Errorf("ziggurat does not close: f(x_255) + V/x_255 = %.12f", c)
	}
	for i := 1; i < zigLayers; i++ {
		if w := math.Exp(-0.5 * zigX[i] * zigX[i]); math.Abs(zigF[i]-w) > 1e-12 {
			t.Errorf("zigF[%d] = %v, want %v", i, zigF[i], w)
		}
	}
}

func BenchmarkFillBatch(b *testing.B) {
	x := make([]float32, 1<<16)
	for _, p := range []Prior{Gaussian{}, BernoulliGaussian{0.1}} {
		b.Run(p.Name(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			for b.Loop() {
				FillBatch(p, rng, x)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds(), "coords/s")
		})
		b.Run("fill/"+p.Name(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			for b.Loop() {
				Fill(p, rng, x)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds(), "coords/s")
		})
	}
}

// TestFillBatchIndexed: FillBatchIndexed draws exactly FillBatch's batch and
// lists exactly its nonzero positions for the sparse priors; for the others
// it reports false. It allocates nothing given the capacity.
func TestFillBatchIndexed(t *testing.T) {
	for _, p := range []Prior{Gaussian{}, BernoulliGaussian{0.1}, BernoulliGaussian{1}, SparseRademacher{0.3}} {
		a, b := make([]float32, 5003), make([]float32, 5003)
		FillBatch(p, rand.New(rand.NewPCG(1, 2)), a)
		idx, ok := FillBatchIndexed(p, rand.New(rand.NewPCG(1, 2)), b, make([]int32, 0, len(b)))
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("%s: element %d differs from FillBatch", p.Name(), i)
			}
		}
		sparse := p.ZeroMass() > 0
		if ok != sparse {
			t.Fatalf("%s: indexed %v, want %v", p.Name(), ok, sparse)
		}
		if !ok {
			continue
		}
		k := 0
		for i, v := range b {
			if v != 0 {
				if k >= len(idx) || idx[k] != int32(i) {
					t.Fatalf("%s: nonzero %d at %d not listed in order", p.Name(), k, i)
				}
				k++
			}
		}
		if k != len(idx) {
			t.Fatalf("%s: %d positions listed, %d nonzeros", p.Name(), len(idx), k)
		}
		buf := make([]int32, 0, len(b))
		rng := rand.New(rand.NewPCG(1, 2))
		if n := testing.AllocsPerRun(5, func() { FillBatchIndexed(p, rng, b, buf) }); n != 0 {
			t.Errorf("%s: %v allocations", p.Name(), n)
		}
	}
}
