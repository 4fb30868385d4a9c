package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// joint reports whether s trains encoder and decoder together: a learned
// encoder with the Joint trainer or under a nonlinear decoder.
func (s TrainSpec) joint() bool {
	return s.Encoder == Learned && (s.Trainer == Joint || s.Decoder.Nonlinear())
}

// jointValSignals is the size of the held-out set for early stopping.
const jointValSignals = 400

// trainJoint trains the network of s end to end (train.TrainJoint: Adam,
// straight-through or annealed tanh surrogate, early stopping on held-out
// signals) from the start s.Start and measures it on Samples fresh signals
// (seed stream 4). The prediction is R(r) for the linear decoder,
// mmse(2r/(pi - 2r)) for the shallow one (THEORY.md 5; for r > 1 the
// tight-frame candidate mmse(2r/(pi - 2)), flagged as a conjecture: the
// argument of THEORY.md 5 with C -> (2/pi) G + (1 - 2/pi) I of THEORY.md
// 1(b)) and the VAMP state evolution at T for the unrolled one.
func trainJoint(ctx context.Context, s TrainSpec) (TrainResult, error) {
	p := s.Prior
	n, d := s.Size.Bits, s.Size.Dim
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	spec := train.JointSpec{Denoiser: s.Denoiser, Layers: s.Layers, Untied: s.Untied, Decoder: model.UnrolledDecoder}
	switch s.Decoder {
	case Linear:
		spec.Decoder = model.LinearDecoder
	case Denoiser:
		spec.Decoder = model.ShallowDecoder
	}
	cfg := train.JointConfig{Steps: s.Steps, Batch: s.Batch, LR: s.LR, Progress: s.Progress}
	if cfg.LR == 0 && spec.Decoder == model.UnrolledDecoder {
		cfg.LR = 1e-4 // the unrolled layers use B itself: small encoder steps (props.TestJointUnrolledVsFixedVAMP)
	}
	if s.Tanh {
		cfg.Surrogate = train.AnnealedTanh
	}
	val := mat.New[float64](jointValSignals, d)
	prior.Fill(p, rng, val.Data)
	start := time.Now()
	b, a0, steps, err := jointStart(ctx, s, rng, val, cfg)
	if err != nil {
		return TrainResult{}, err
	}
	j, err := train.InitJoint(spec, b, a0, p, rng, 4000)
	if err != nil {
		return TrainResult{}, err
	}
	fit, err := train.TrainJoint(ctx, j, p, rng, val, cfg)
	if err != nil {
		return TrainResult{}, fmt.Errorf("%s, %v: %w", p.Name(), s.Size, err)
	}
	res := TrainResult{
		Prior: p.Name(), Rate: s.Size.Rate(), Dim: d, Bits: n, Trainer: Joint, Steps: steps + len(fit.TrainLoss), Seed: s.Seed,
		Kurtosis: p.ExcessKurtosis(), S4: model.RowS4(j.B), TrainSeconds: time.Since(start).Seconds(),
		Decoder: s.Decoder, Curve: &JointCurve{Steps: fit.ValidationStep, Loss: fit.Validation},
	}
	err = measureJoint(s, j, &res)
	res.GapSE = res.Measured.GapSE()
	return res, err
}

// jointStart returns the encoder (and decoder matrix, if any) joint
// training starts from, and the steps spent getting there: Haar rows,
// random unit rows, or the trained linear autoencoder.
func jointStart(ctx context.Context, s TrainSpec, rng *rand.Rand, val *mat.Dense[float64], cfg train.JointConfig) (b, a0 *mat.Dense[float64], steps int, err error) {
	if b, err = train.HaarEncoder(rng, s.Size.Bits, s.Size.Dim); err != nil {
		return nil, nil, 0, err
	}
	switch s.Start {
	case StartRandom:
		b = train.RandomUnitRows(rng, s.Size.Bits, s.Size.Dim)
	case StartLinear:
		lin, err := train.InitJoint(train.JointSpec{Decoder: model.LinearDecoder}, b, nil, s.Prior, rng, 4000)
		if err != nil {
			return nil, nil, 0, err
		}
		fit, err := train.TrainJoint(ctx, lin, s.Prior, rng, val, cfg)
		if err != nil {
			return nil, nil, 0, err
		}
		return lin.B, lin.A, len(fit.TrainLoss), nil
	}
	return b, nil, 0, nil
}

// measureJoint measures the trained network j on Samples fresh signals
// (seed stream 4) against its prediction: 1 - 2r/pi (linear), the
// denoiser's mmse, or the state evolution after each layer (unrolled).
func measureJoint(s TrainSpec, j *model.Joint, res *TrainResult) error {
	p, r := s.Prior, s.Size.Rate()
	test := mat.New[float64](s.Samples, s.Size.Dim)
	prior.Fill(p, rand.New(rand.NewPCG(s.Seed, 4)), test.Data)
	q := model.Energies(test)
	l := make([]float64, s.Samples)
	if err := j.Losses(j.NewWorkspace(min(256, s.Samples)), test, l); err != nil {
		return err
	}
	switch s.Decoder {
	case Linear:
		pred, err := theory.GaussEquivalentLoss(r)
		res.Measured, res.Conjecture = measure(l, q, pred), theory.IsConjecture(r)
		return err
	case Denoiser:
		pred, err := jointDenoiserPrediction(p, r)
		res.Measured, res.Conjecture = measure(l, q, pred), r > 1
		return err
	}
	y := mat.New[float64](s.Samples, s.Size.Bits)
	model.Encode(y, j.B, test)
	res.Layers = s.Layers
	var err error
	if res.Trajectory, err = unrolledTrajectory(j.U, train.SignalSet{X: test, Y: y}, p, r); err != nil {
		return err
	}
	res.Measured = res.Trajectory[s.Layers-1].Measured
	return nil
}

// jointDenoiserPrediction is mmse(2r/(pi - 2r)) for r <= 1 (THEORY.md 5) and
// the tight-frame candidate mmse(2r/(pi - 2)) for r > 1 (see trainJoint).
func jointDenoiserPrediction(p prior.Prior, r float64) (float64, error) {
	if r <= 1 {
		return theory.DenoiserLoss(p, r, theory.Haar)
	}
	ch, err := prior.AsChannel(p)
	if err != nil {
		return 0, err
	}
	return prior.MMSE(ch, 2*r/(math.Pi-2))
}
