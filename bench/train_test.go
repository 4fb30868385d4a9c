package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
)

// sgdShapes are the (d, n, batch) shapes of the SGD step benchmarks, those
// of issue 11's side-by-side table (bench/peers runs the same).
var sgdShapes = [][3]int{{256, 128, 256}, {784, 392, 1024}, {1024, 1024, 1024}, {3072, 1536, 512}}

// populationDims are the d = n of the Gaussian population-GD benchmarks.
var populationDims = []int{256, 512, 1024}

// BenchmarkTrainStep times one step of each trainer with the linear decoder:
// exact population GD (float64, THEORY.md 2; reports support masks/s) and
// Adam with the straight-through surrogate on fresh BG(0.1) batches drawn
// inside the step (float32; reports samples/s). A step allocates nothing
// (allocs/op = 0 is gated exactly).
//
// Each also reports gemm-share: the time of the step's matrix products,
// replayed alone on operands of the same shapes right after the timed loop,
// over the time of the step. 1 - gemm-share is the work around the products.
func BenchmarkTrainStep(b *testing.B) {
	type popCase struct {
		name string
		p    prior.Prior
		d, n int
	}
	pops := []popCase{
		{"gaussian/d200-n100", prior.Gaussian{}, 200, 100},
		{"bg0.1/d200-n200", prior.BernoulliGaussian{P: 0.1}, 200, 200},
	}
	for _, d := range populationDims {
		pops = append(pops, popCase{fmt.Sprintf("gaussian/d%d-n%d", d, d), prior.Gaussian{}, d, d})
	}
	for _, c := range pops {
		b.Run("population/"+c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			m := model.New[float64](c.d, c.n)
			m.InitGaussian(rng)
			run, err := train.NewPopulationRun(m, c.p, rng, train.PopulationConfig{Steps: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			masks := 1
			if _, ok := c.p.(prior.BernoulliGaussian); ok {
				masks = 16 // the default ceil(1.6/p) for p = 0.1
			}
			perStep := timeSteps(b, run.Step, float64(masks), "masks/s")
			if masks == 1 {
				reportGemmShare(b, perStep, populationProducts(c.d, c.n))
			}
		})
	}
	for _, c := range sgdShapes {
		d, n, bs := c[0], c[1], c[2]
		b.Run(fmt.Sprintf("sgd/d%d-n%d-batch%d", d, n, bs), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			m64 := model.New[float64](d, n)
			m64.InitGaussian(rng)
			m := model.Convert[float32](m64)
			run, err := train.NewSGDRun(m, prior.BernoulliGaussian{P: 0.1}, rng, train.SGDConfig{Steps: 1 << 30, Batch: bs})
			if err != nil {
				b.Fatal(err)
			}
			perStep := timeSteps(b, run.Step, float64(bs), "samples/s")
			reportGemmShare(b, perStep, sgdProducts(d, n, bs, run.SparseProducts()))
		})
	}
}

// BenchmarkSampleBatch times drawing one SGD batch (1024 x 784, float32)
// with prior.FillBatch, the sampler of the SGD step, and with the scalar
// prior.Fill, reporting samples (rows) per second.
func BenchmarkSampleBatch(b *testing.B) {
	const rows, d = 1024, 784
	x := make([]float32, rows*d)
	for _, p := range []prior.Prior{prior.Gaussian{}, prior.BernoulliGaussian{P: 0.1}, prior.SparseRademacher{P: 0.1}} {
		for _, s := range []struct {
			name string
			fill func(prior.Prior, *rand.Rand, []float32)
		}{{"batch", prior.FillBatch[float32]}, {"scalar", prior.Fill[float32]}} {
			b.Run(fmt.Sprintf("%s/%s/d%d", s.name, p.Name(), d), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				b.ReportAllocs()
				for b.Loop() {
					s.fill(p, rng, x)
				}
				b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

// timeSteps times step(2), step(3), ... after one untimed step(1), reporting
// allocations, cpu-sec/op and perStep units of work per second as unit. It
// returns the CPU seconds per step (wall seconds where CPU time is not
// available).
func timeSteps(b *testing.B, step func(int) (float64, error), perStep float64, unit string) float64 {
	if _, err := step(1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := startCPU()
	t := 1
	for b.Loop() {
		t++
		if _, err := step(t); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
	b.ReportMetric(perStep*float64(b.N)/b.Elapsed().Seconds(), unit)
	if end, ok := cpuSeconds(); ok && cpu.ok && b.N > 0 {
		return (end - cpu.start) / float64(b.N)
	}
	return b.Elapsed().Seconds() / float64(max(b.N, 1))
}

// reportGemmShare runs products (one step's matrix products) as often as the
// step ran (at most for about half a second) and reports the ratio of their
// time per call to the step's, perStep, as gemm-share; both are CPU times
// where available (robust to other jobs on the machine), else wall times.
func reportGemmShare(b *testing.B, perStep float64, products func()) {
	if b.N == 0 || !(perStep > 0) {
		return
	}
	products()
	reps := max(1, min(b.N, int(0.5/perStep)))
	start := time.Now()
	c0, ok0 := cpuSeconds()
	for range reps {
		products()
	}
	c1, ok1 := cpuSeconds()
	t := time.Since(start).Seconds()
	if ok0 && ok1 {
		t = c1 - c0
	}
	b.ReportMetric(t/float64(reps)/perStep, "gemm-share")
}

func randDense[T kernel.Float](rng *rand.Rand, r, c int) *mat.Dense[T] {
	m := mat.New[T](r, c)
	for i := range m.Data {
		m.Data[i] = T(rng.NormFloat64())
	}
	return m
}

// sgdProducts returns the five products of one SGD step (train.SGDRun.Step)
// at (d, n, batch N): Z = X B^T, X_hat = S A^T, dA = E^T S, dS = E A,
// dB = dZ^T X. With sparse, the two with the BG(0.1) batch X are the
// step's sparse ones, Z = SpMM(X, B^T) and dB^T = SpMM(X^T, dZ) (the CSR
// conversion and transpositions around them count as work around the
// products).
func sgdProducts(d, n, N int, sparse bool) func() {
	rng := rand.New(rand.NewPCG(2, 2))
	x, bm, a := mat.New[float32](N, d), randDense[float32](rng, n, d), randDense[float32](rng, d, n)
	prior.FillBatch(prior.BernoulliGaussian{P: 0.1}, rng, x.Data)
	z, s, xh := mat.New[float32](N, n), randDense[float32](rng, N, n), mat.New[float32](N, d)
	ga, dz, gb := mat.New[float32](d, n), mat.New[float32](N, n), mat.New[float32](n, d)
	bt, gbt := randDense[float32](rng, d, n), mat.New[float32](d, n)
	xs, err1 := kernel.NewCSR[float32](N, d)
	xts, err2 := kernel.NewCSR[float32](d, N)
	if err1 != nil || err2 != nil {
		panic("bench: CSR workspace")
	}
	xs.FromDense(N, d, x.Data, d)
	xts.TransposeOf(xs)
	return func() {
		if sparse {
			kernel.SpMM(xs, n, bt.Data, n, z.Data, n)
		} else {
			mat.Mul(z, 1, x, kernel.NoTrans, bm, kernel.Trans, 0)
		}
		mat.Mul(xh, 1, s, kernel.NoTrans, a, kernel.Trans, 0)
		mat.Mul(ga, 1, xh, kernel.Trans, s, kernel.NoTrans, 0)
		mat.Mul(dz, 1, xh, kernel.NoTrans, a, kernel.NoTrans, 0)
		if sparse {
			kernel.SpMM(xts, n, dz.Data, n, gbt.Data, n)
		} else {
			mat.Mul(gb, 1, dz, kernel.Trans, x, kernel.NoTrans, 0)
		}
	}
}

// populationProducts returns the products of one exact (Gaussian) population
// GD step (train.PopulationRun.Step with one mask covering all d
// coordinates): the symmetric G = A^T A and K = B B^T (kernel.Syrk),
// (H~ - diag h) B and A C.
func populationProducts(d, n int) func() {
	rng := rand.New(rand.NewPCG(2, 3))
	a, bm, h := randDense[float64](rng, d, n), randDense[float64](rng, n, d), randDense[float64](rng, n, n)
	g, k, hb, an := mat.New[float64](n, n), mat.New[float64](n, n), mat.New[float64](n, d), mat.New[float64](d, n)
	return func() {
		kernel.Syrk(kernel.Trans, n, d, 1, a.Data, a.Stride, 0, g.Data, g.Stride)
		kernel.Syrk(kernel.NoTrans, n, d, 1, bm.Data, bm.Stride, 0, k.Data, k.Stride)
		mat.Mul(hb, 1, h, kernel.NoTrans, bm, kernel.NoTrans, 1)
		mat.Mul(an, -1, a, kernel.NoTrans, h, kernel.NoTrans, 1)
	}
}
