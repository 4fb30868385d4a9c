package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// TrainSpec describes one training run of x_hat = A sign(Bx) (or a
// nonlinear decoder on its codes) and its measurement. Validate checks it
// once; Train runs it.
type TrainSpec struct {
	Prior   prior.Prior
	Size    model.Size // from NewSize
	Trainer Trainer    // Population or SGD (ignored for the Haar encoder)
	Steps   int        // 0: the trainer's default
	Masks   int        // population trainer: masks per step (0: default)
	Batch   int        // sgd: batch size (0: default)
	LR      float64    // sgd: Adam step (0: default)
	Tanh    bool       // sgd: annealed tanh surrogate instead of straight-through
	Samples int        // fresh signals for the Monte Carlo loss
	Seed    uint64
	// Encoder is Learned (trained by Trainer) or Haar (fixed orthonormal
	// rows, A = sqrt(2/pi) B^T, no encoder training).
	Encoder Encoder
	// Decoder is Linear, Denoiser (the learned spline denoiser on v = A s,
	// fitted on 200 fresh signals) or Unrolled (Layers layers of unrolled
	// VAMP on the encoder's polar factor, factors learned by FitUnrolled on
	// top of the fixed algorithm).
	Decoder      Decoder
	Layers       int // unrolled: layers T >= 1
	DecoderSteps int // unrolled: Adam steps of the decoder factors >= 1
	// Joint training (Trainer Joint, or a learned encoder under a nonlinear
	// decoder): where it starts, the shallow decoder's denoiser ("spline"
	// or "soft"), and whether the unrolled layers learn their own matrix.
	Start    JointStart
	Denoiser string
	Untied   bool
	// Progress, if set, receives training progress.
	Progress train.Progress
}

// Validate checks every field once; errors are *FieldError naming the
// command-line flag.
func (s TrainSpec) Validate() error {
	if s.Prior == nil {
		return fieldErr("prior", "missing")
	}
	if _, err := NewSize(s.Size.Rate(), s.Size.Dim); err != nil {
		return err
	}
	if err := checkSamples(s.Prior, s.Size.Dim, s.Samples); err != nil {
		return err
	}
	switch {
	case s.Trainer != Population && s.Trainer != SGD && s.Trainer != Joint:
		return fieldErr("trainer", "%v, want population, sgd or joint", s.Trainer)
	case s.Denoiser != "" && s.Denoiser != "spline" && s.Denoiser != "soft":
		return fieldErr("denoiser", "%q, want spline or soft", s.Denoiser)
	case s.Start < StartHaar || s.Start > StartLinear:
		return fieldErr("start", "%v, want haar, random or linear", s.Start)
	case s.Steps < 0:
		return fieldErr("steps", "%d, want >= 0", s.Steps)
	case s.Masks < 0:
		return fieldErr("masks", "%d, want >= 0", s.Masks)
	case s.LR < 0 || math.IsNaN(s.LR) || math.IsInf(s.LR, 0):
		return fieldErr("lr", "%v, want a finite value >= 0", s.LR)
	case s.Batch < 0:
		return fieldErr("batch", "%d, want >= 0", s.Batch)
	case s.Decoder == Unrolled && s.Layers < 1:
		return fieldErr("layers", "%d, want T >= 1", s.Layers)
	case s.Decoder == Unrolled && s.DecoderSteps < 1:
		return fieldErr("decoder-steps", "%d, want >= 1", s.DecoderSteps)
	}
	if err := s.checkCost(); err != nil {
		return err
	}
	// A jointly trained shallow decoder takes any rate (its encoder starts
	// as a Haar frame for r > 1); the others need orthonormal rows.
	if s.Encoder == Haar || s.Decoder == Unrolled || (s.Decoder == Denoiser && !s.joint()) {
		what := "the haar encoder"
		if s.Decoder.Nonlinear() {
			what = "the " + s.Decoder.String() + " decoder"
		}
		if err := s.Size.RowOrthogonal(what); err != nil {
			return fieldErr("rate", "%v", err)
		}
	}
	if _, sr := s.Prior.(prior.SparseRademacher); sr && s.Trainer == Population && s.Encoder == Learned && !s.joint() {
		return fieldErr("trainer", "population needs a gaussian or bg prior (x is Gaussian given its support); use sgd for %s", s.Prior.Name())
	}
	return nil
}

// TrainResult is a trained model's measured loss and its predictions.
type TrainResult struct {
	Prior    string  `json:"prior"`
	Rate     float64 `json:"rate"`
	Dim      int     `json:"dim"`
	Bits     int     `json:"bits"`
	Trainer  Trainer `json:"trainer"` // "none" for the Haar encoder
	Steps    int     `json:"steps"`
	Seed     uint64  `json:"seed"`
	Kurtosis float64 `json:"excess_kurtosis"`
	// Prediction (in Measured) is the d -> infinity loss: R(r) for the
	// linear decoder (THEORY.md 1), mmse(2r/(pi - 2r)) for the denoiser
	// (THEORY.md 5), the VAMP state evolution at T layers (THEORY.md 7.2).
	Measured
	// Conjecture is true when Prediction rests on the tight-frame conjecture (r > 1).
	Conjecture bool `json:"conjecture,omitempty"`
	// FiniteDHaar and FiniteDFlat are the Edgeworth losses at this d for Haar
	// rows and for flat rows (THEORY.md 1(a), 3), for r <= 1.
	FiniteDHaar float64 `json:"finite_d_haar,omitempty"`
	FiniteDFlat float64 `json:"finite_d_flat,omitempty"`
	// S4 is mean_i sum_k w_ik^4 of the trained, normalised rows; EdgeworthS4 the
	// Edgeworth loss with that S4 (r <= 1).
	S4          float64 `json:"s4"`
	EdgeworthS4 float64 `json:"edgeworth_s4,omitempty"`
	// Shape is the encoder's identity-ness, participation ratio and number
	// of distinct argmax columns (JSON keys identity, participation,
	// distinct; model.EncoderShape, THEORY.md 4.3), for every trainer.
	model.Shape
	// GapSE is (Loss - Prediction) / StdErr.
	GapSE        float64 `json:"gap_se"`
	TrainSeconds float64 `json:"train_seconds,omitempty"` // wall time; experiments keep it out of their data files
	Encoder      Encoder `json:"encoder,omitempty"`       // omitted for a learned encoder
	Decoder      Decoder `json:"decoder,omitempty"`       // omitted for the linear decoder
	Layers       int     `json:"layers,omitempty"`
	// LinearLoss is the linear decoder's loss on the same encoder (decoder
	// denoiser or unrolled).
	LinearLoss float64 `json:"linear_loss,omitempty"`
	// Trajectory is the unrolled decoder's loss after each layer with its
	// state-evolution prediction for VAMP (THEORY.md 7.2).
	Trajectory []LayerLoss `json:"trajectory,omitempty"`
	// Curve is the held-out learning curve of joint training.
	Curve *JointCurve `json:"curve,omitempty"`

	Model *model.Autoencoder[float64] `json:"-"`
}

// LayerLoss is a decoder's measured loss after one layer and its prediction.
type LayerLoss struct {
	Layer int `json:"layer"`
	Measured
}

// Train trains one model from B ~ N(0, 1/d), A = 0 (or takes a Haar
// encoder; a joint spec, see TrainSpec, is trained end to end by
// trainJoint instead), measures its linear loss on Samples fresh signals (float64,
// control variate ||x||^2/d) and, for a nonlinear decoder, fits and
// measures that decoder on top of the encoder.
func Train(ctx context.Context, s TrainSpec) (TrainResult, error) {
	if err := s.Validate(); err != nil {
		return TrainResult{}, err
	}
	if s.joint() {
		return trainJoint(ctx, s)
	}
	start := time.Now()
	m, steps, err := trainEncoder(ctx, s)
	if err != nil {
		return TrainResult{}, err
	}
	secs := time.Since(start).Seconds()
	est, err := model.MonteCarloLoss(m, s.Prior, rand.New(rand.NewPCG(s.Seed, 2)), s.Samples)
	if err != nil {
		return TrainResult{}, err
	}
	r, d := s.Size.Rate(), s.Size.Dim
	res := TrainResult{
		Prior: s.Prior.Name(), Rate: r, Dim: d, Bits: s.Size.Bits, Trainer: s.Trainer, Steps: steps, Seed: s.Seed,
		Kurtosis: s.Prior.ExcessKurtosis(), S4: model.RowS4(m.B), TrainSeconds: secs,
		Conjecture: theory.IsConjecture(r), Model: m,
	}
	pred, err := theory.GaussEquivalentLoss(r)
	if err != nil {
		return res, err
	}
	res.Measured = measured(est, pred)
	if res.Shape, err = model.EncoderShape(m.B); err != nil {
		return res, err
	}
	if r <= 1 {
		k := res.Kurtosis
		res.FiniteDHaar, _ = theory.FiniteDLinearLoss(r, k, d)
		res.FiniteDFlat, _ = theory.EdgeworthLinearLoss(r, k, theory.FlatRowsS4(d))
		res.EdgeworthS4, _ = theory.EdgeworthLinearLoss(r, k, min(res.S4, 1))
	}
	if s.Encoder == Haar {
		res.Trainer, res.Steps, res.Encoder = NoTrainer, 0, Haar
	}
	if s.Decoder.Nonlinear() {
		res.LinearLoss, res.Decoder = est.Mean, s.Decoder
		if err := fitDecoder(ctx, s, m, &res); err != nil {
			return res, err
		}
	}
	res.GapSE = res.Measured.GapSE()
	return res, nil
}

// trainEncoder returns the model whose encoder the spec asks for, and the
// number of steps its trainer took.
func trainEncoder(ctx context.Context, s TrainSpec) (*model.Autoencoder[float64], int, error) {
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	m := model.New[float64](s.Size.Dim, s.Size.Bits)
	m.InitGaussian(rng)
	var losses []float64
	var err error
	switch {
	case s.Encoder == Haar:
		if m.B, err = amp.HaarRows(rng, s.Size.Bits, s.Size.Dim); err != nil {
			return nil, 0, err
		}
		m.SetTiedDecoder(math.Sqrt(2 / math.Pi))
	case s.Trainer == Population:
		cfg := train.PopulationConfig{Steps: s.Steps, Masks: s.Masks, Progress: s.Progress}
		losses, err = train.Population(ctx, m, s.Prior, rng, cfg)
	default:
		cfg := train.SGDConfig{Steps: s.Steps, Batch: s.Batch, LR: s.LR, Progress: s.Progress}
		if s.Tanh {
			cfg.Surrogate = train.AnnealedTanh
		}
		m32 := model.Convert[float32](m)
		losses, err = train.SGD(ctx, m32, s.Prior, rng, cfg)
		m = model.Convert[float64](m32)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s, %v: %w", s.Prior.Name(), s.Size, err)
	}
	if err := m.Validate(); err != nil {
		return nil, 0, fmt.Errorf("experiment: trained model is invalid: %w", err)
	}
	return m, len(losses), nil
}

// fitDecoder trains the nonlinear decoder of s on top of the trained
// encoder of m and measures it on Samples fresh signals (seed stream 4),
// replacing the loss and the prediction of res.
func fitDecoder(ctx context.Context, s TrainSpec, m *model.Autoencoder[float64], res *TrainResult) error {
	rng := rand.New(rand.NewPCG(s.Seed, 4))
	r := s.Size.Rate()
	if s.Decoder == Denoiser {
		test := train.NewSignalSet(s.Prior, m.B, rng, s.Samples)
		sh := &model.Shallow{In: m.A.T(), Gain: 1}
		if _, err := train.FitShallowSpline(sh, train.NewSignalSet(s.Prior, m.B, rng, 200), 16); err != nil {
			return err
		}
		pred, err := theory.DenoiserLoss(s.Prior, r, theory.Haar)
		res.Measured = measured(model.SignalLosses(test.X, shallowDecode(sh, test), make([]float64, s.Samples)), pred)
		return err
	}
	// Unrolled VAMP's output module assumes orthonormal rows (B B^T = I); a
	// trained B is only nearly so (eigenvalues of W W^T within about ±10%,
	// THEORY.md 2.5). So the encoder is replaced by its polar factor, the
	// nearest matrix with orthonormal rows, and the test signals are encoded
	// with it. What costs is the learned encoder's structure, not its
	// non-orthogonality (results/encoders; the note printed by onebit train).
	b, err := model.OrthonormalRows(m.B)
	if err != nil {
		return err
	}
	test := train.NewSignalSet(s.Prior, b, rng, s.Samples)
	ch, err := prior.AsChannel(s.Prior)
	if err != nil {
		return err
	}
	u, err := model.NewUnrolledVAMP(b, ch, s.Layers)
	if err != nil {
		return err
	}
	val := train.NewSignalSet(s.Prior, b, rng, 256)
	if _, err := train.FitUnrolled(ctx, u, s.Prior, rng, val, train.UnrolledConfig{Steps: s.DecoderSteps}); err != nil {
		return err
	}
	res.Layers = s.Layers
	res.Trajectory, err = unrolledTrajectory(u, test, s.Prior, r)
	if err != nil {
		return err
	}
	res.Measured = res.Trajectory[s.Layers-1].Measured
	return nil
}

// unrolledTrajectory measures the unrolled decoder u after each layer on
// test, next to VAMP's state evolution (THEORY.md 7.2).
func unrolledTrajectory(u *model.UnrolledVAMP, test train.SignalSet, p prior.Prior, r float64) ([]LayerLoss, error) {
	T, N := u.Layers(), test.X.Rows
	layers := make([][]float64, T)
	for t := range layers {
		layers[t] = make([]float64, N)
	}
	if err := train.UnrolledSignalLosses(u, u.NewWorkspace(min(256, N)), test, layers[T-1], layers); err != nil {
		return nil, err
	}
	se, err := theory.StateEvolution(p, r, theory.Haar, theory.SEOptions{Iters: T})
	if err != nil {
		return nil, err
	}
	q := model.Energies(test.X)
	out := make([]LayerLoss, T)
	for t := range out {
		out[t] = LayerLoss{Layer: t + 1, Measured: measure(layers[t], q, se.Trajectory[t])}
	}
	return out, nil
}

// checkCost bounds the run's time and memory before anything is
// allocated: the training steps' arithmetic (about 6 N n d flops a step
// for SGD with batch N, 4 n^2 d p per mask for population GD, THEORY.md
// 2.3) by MaxFlops, and the unrolled decoder's workspace (T layers of
// about 8 vectors of length d + n per signal of a batch of 256, float64,
// kept for the backward pass) by MaxWorkBytes.
func (s TrainSpec) checkCost() error {
	d, n := float64(s.Size.Dim), float64(s.Size.Bits)
	steps := float64(s.Steps)
	var flops float64
	switch {
	case s.Encoder == Haar:
	case s.joint():
		// Forward and backward: about 6 n d flops per signal for the
		// matrices, plus 4 n d per unrolled layer.
		steps = max(steps, 2000)
		batch := float64(s.Batch)
		if batch == 0 {
			batch = 64
		}
		flops = (6 + 4*float64(s.Layers)) * steps * batch * n * d
	case s.Trainer == SGD:
		steps = max(steps, 3000)
		batch := float64(s.Batch)
		if batch == 0 {
			batch = 256
		}
		flops = 6 * steps * batch * n * d
	default:
		steps = max(steps, 400)
		masks := max(float64(s.Masks), 8, math.Ceil(1.6/(1-s.Prior.ZeroMass())))
		flops = 4 * steps * masks * n * n * d * (1 - s.Prior.ZeroMass())
	}
	if flops > MaxFlops {
		return fieldErr("steps", "%.3g steps of this size need about %.2g flops, more than the %.0g (hours) one run may take; lower --steps, --batch, --dim or --rate", steps, flops, MaxFlops)
	}
	if s.Decoder == Unrolled {
		if bytes := float64(s.Layers) * 256 * 8 * (d + n) * 8; bytes > MaxWorkBytes {
			return fieldErr("layers", "%d layers at d = %d, n = %d need about %.1f GiB of workspace, more than %d GiB; lower --layers or --dim",
				s.Layers, s.Size.Dim, s.Size.Bits, bytes/(1<<30), MaxWorkBytes>>30)
		}
		if f := 20 * float64(s.DecoderSteps) * float64(s.Layers) * 256 * n * d; f > MaxFlops {
			return fieldErr("decoder-steps", "%d steps of %d layers need about %.2g flops, more than %.0g; lower --decoder-steps or --layers", s.DecoderSteps, s.Layers, f, MaxFlops)
		}
	}
	return nil
}

// Applies reports whether the command-line flag named flag means anything
// for this spec; the CLI rejects a flag that was set but does not apply.
func (s TrainSpec) Applies(flag string) error {
	sgd := s.Encoder == Learned && s.Trainer == SGD
	switch flag {
	case "lr", "batch", "tanh":
		if !sgd && !s.joint() {
			return fieldErr(flag, "applies to the sgd and joint trainers only (this run: %s)", s.trainerWords())
		}
	case "start":
		if !s.joint() {
			return fieldErr(flag, "applies to joint training only (--encoder learned with a nonlinear decoder, or --trainer joint)")
		}
	case "denoiser":
		if !s.joint() || s.Decoder != Denoiser {
			return fieldErr(flag, "applies to joint training of --decoder denoiser only")
		}
	case "untied":
		if !s.joint() || s.Decoder != Unrolled {
			return fieldErr(flag, "applies to joint training of --decoder unrolled only")
		}
	case "masks":
		if s.Encoder != Learned || s.Trainer != Population {
			return fieldErr(flag, "applies to the population trainer only (this run: %s)", s.trainerWords())
		}
	case "steps", "trainer":
		if s.Encoder == Haar {
			return fieldErr(flag, "the haar encoder is not trained; drop --%s or use --encoder learned", flag)
		}
	case "layers":
		if s.Decoder != Unrolled {
			return fieldErr(flag, "applies to --decoder unrolled only")
		}
	case "decoder-steps":
		if s.Decoder != Unrolled || s.joint() {
			return fieldErr(flag, "applies to --decoder unrolled on a fixed encoder only (joint training takes --steps)")
		}
	}
	return nil
}

func (s TrainSpec) trainerWords() string {
	if s.Encoder == Haar {
		return "a fixed haar encoder, no trainer"
	}
	if s.joint() {
		return "joint trainer"
	}
	return s.Trainer.String() + " trainer"
}
