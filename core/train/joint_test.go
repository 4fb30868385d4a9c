package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

func jointFor(t testing.TB, kind model.DecoderKind, d, n int, rng *rand.Rand) *model.Joint {
	t.Helper()
	b, err := HaarEncoder(rng, n, d)
	if err != nil {
		t.Fatal(err)
	}
	j, err := InitJoint(JointSpec{Decoder: kind, Layers: 2}, b, nil, prior.BernoulliGaussian{P: 0.1}, rng, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestJointBadInput: invalid settings and inputs are errors, not panics.
func TestJointBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := prior.BernoulliGaussian{P: 0.1}
	j := jointFor(t, model.ShallowDecoder, 20, 10, rng)
	val := mat.New[float64](10, 20)
	for _, cfg := range []JointConfig{{Steps: -1}, {Batch: -3}, {LR: -1}, {LR: math.NaN()}, {BetaMax: 0.5}, {Patience: -1}, {Surrogate: 7}, {Batch: 1 << 20}} {
		if _, err := TrainJoint(context.Background(), j, p, rng, val, cfg); err == nil {
			t.Errorf("config %+v: no error", cfg)
		}
	}
	if _, err := TrainJoint(context.Background(), j, p, rng, mat.New[float64](10, 7), JointConfig{Steps: 1}); err == nil {
		t.Error("validation set of the wrong dimension: no error")
	}
	if _, err := InitJoint(JointSpec{Decoder: model.ShallowDecoder, Denoiser: "cubic"}, j.B, nil, p, rng, 1000); err == nil {
		t.Error("unknown denoiser: no error")
	}
	if _, err := InitJoint(JointSpec{Decoder: model.ShallowDecoder}, j.B, nil, p, rng, 10); err == nil {
		t.Error("10 warm-up signals: no error")
	}
	if _, err := model.NewJointUnrolled(mat.New[float64](30, 20), p, 2, true); err == nil {
		t.Error("unrolled decoder with n > d: no error")
	}
	j.A.Data[3] = math.NaN()
	if _, err := TrainJoint(context.Background(), j, p, rng, val, JointConfig{Steps: 1}); err == nil {
		t.Error("NaN decoder weight: no error")
	}
}

// TestJointEarlyStopping: the network kept is the one with the lowest
// validation loss, the start included: with a step size so large that
// training diverges from a good start, the start is kept exactly, and
// Patience stops the run.
func TestJointEarlyStopping(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	p := prior.BernoulliGaussian{P: 0.1}
	j := jointFor(t, model.LinearDecoder, 30, 30, rng)
	b0, a0 := j.B.Clone(), j.A.Clone()
	val := mat.New[float64](200, 30)
	prior.Fill(p, rng, val.Data)
	fit, err := TrainJoint(context.Background(), j, p, rng, val, JointConfig{Steps: 400, LR: 0.3, EvalEvery: 10, Patience: 3})
	if err != nil {
		t.Fatal(err)
	}
	if fit.Best != 0 || fit.Stopped != 30 || len(fit.TrainLoss) != 30 {
		t.Fatalf("best %d stopped %d after %d steps; validation %v", fit.Best, fit.Stopped, len(fit.TrainLoss), fit.Validation)
	}
	for i, v := range b0.Data {
		if j.B.Data[i] != v {
			t.Fatal("encoder not restored to the start")
		}
	}
	for i, v := range a0.Data {
		if j.A.Data[i] != v {
			t.Fatal("decoder not restored to the start")
		}
	}
}

// TestJointStepAllocatesNothing: a training step allocates nothing.
func TestJointStepAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, kind := range []model.DecoderKind{model.LinearDecoder, model.ShallowDecoder, model.UnrolledDecoder} {
		for _, sur := range []Surrogate{StraightThrough, AnnealedTanh} {
			j := jointFor(t, kind, 24, 12, rng)
			run, err := NewJointRun(j, prior.BernoulliGaussian{P: 0.1}, rng, JointConfig{Batch: 8, Surrogate: sur, Steps: 100})
			if err != nil {
				t.Fatal(err)
			}
			step := 0
			if a := testing.AllocsPerRun(10, func() {
				step++
				if _, err := run.Step(step); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("%v, surrogate %d: %v allocations per step", kind, sur, a)
			}
		}
	}
}

// BenchmarkJointStep is one TrainJoint step (fresh batch of 64 BG(0.1)
// signals, forward, backward through decoder and surrogate, Adam) at
// d = n = 500.
func BenchmarkJointStep(b *testing.B) {
	for _, kind := range []model.DecoderKind{model.LinearDecoder, model.ShallowDecoder, model.UnrolledDecoder} {
		b.Run(kind.String(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(4, 4))
			j := jointFor(b, kind, 500, 500, rng)
			run, err := NewJointRun(j, prior.BernoulliGaussian{P: 0.1}, rng, JointConfig{Batch: 64, Steps: 1 << 30, LR: 1e-5})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			step := 0
			for b.Loop() {
				step++
				if _, err := run.Step(step); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
