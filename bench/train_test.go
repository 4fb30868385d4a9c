package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
)

// BenchmarkTrainStep times one step of each trainer with the linear decoder:
// exact population GD (float64, THEORY.md 2; reports support masks/s) and
// Adam with the straight-through surrogate (float32; reports samples/s).
// A step allocates nothing (allocs/op = 0 is gated exactly).
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct {
		name string
		p    prior.Prior
		d, n int
	}{
		{"gaussian/d200-n100", prior.Gaussian{}, 200, 100},
		{"bg0.1/d200-n200", prior.BernoulliGaussian{P: 0.1}, 200, 200},
	} {
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
			timeSteps(b, run.Step, float64(masks), "masks/s")
		})
	}
	for _, c := range []struct {
		name     string
		d, n, bs int
	}{
		{"d256-n128-batch256", 256, 128, 256},
		{"d784-n392-batch1024", 784, 392, 1024},
	} {
		b.Run("sgd/"+c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			m64 := model.New[float64](c.d, c.n)
			m64.InitGaussian(rng)
			m := model.Convert[float32](m64)
			run, err := train.NewSGDRun(m, prior.BernoulliGaussian{P: 0.1}, rng, train.SGDConfig{Steps: 1 << 30, Batch: c.bs})
			if err != nil {
				b.Fatal(err)
			}
			timeSteps(b, run.Step, float64(c.bs), "samples/s")
		})
	}
}

// timeSteps times step(2), step(3), ... after one untimed step(1), reporting
// allocations, cpu-sec/op and perStep units of work per second as unit.
func timeSteps(b *testing.B, step func(int) (float64, error), perStep float64, unit string) {
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
}
