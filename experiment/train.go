package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// TrainSpec describes one training run of x_hat = A sign(Bx) and its measurement.
type TrainSpec struct {
	Prior   prior.Prior
	Rate    float64 // r = n/d; n = round(r d)
	Dim     int     // d
	Trainer string  // "population" (exact GD, Gaussian/BG) or "sgd" (Adam, any prior)
	Steps   int     // 0: the trainer's default
	Masks   int     // population trainer: masks per step (0: default)
	Batch   int     // sgd: batch size (0: default)
	LR      float64 // sgd: Adam step (0: default)
	Tanh    bool    // sgd: annealed tanh surrogate instead of straight-through
	Samples int     // fresh signals for the Monte Carlo loss
	Seed    uint64
	// Progress, if set, receives training progress.
	Progress train.Progress
}

// TrainResult is a trained model's measured loss and its predictions.
type TrainResult struct {
	Prior    string  `json:"prior"`
	Rate     float64 `json:"rate"`
	Dim      int     `json:"dim"`
	Bits     int     `json:"bits"`
	Trainer  string  `json:"trainer"`
	Steps    int     `json:"steps"`
	Seed     uint64  `json:"seed"`
	Kurtosis float64 `json:"excess_kurtosis"`
	// Prediction is the d -> infinity loss R(r) (THEORY.md 1).
	Prediction float64 `json:"prediction"`
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
	Loss        float64 `json:"loss"`
	StdErr      float64 `json:"stderr"`
	// GapSE is (Loss - Prediction) / StdErr.
	GapSE        float64 `json:"gap_se"`
	TrainSeconds float64 `json:"train_seconds"`

	Model *model.Autoencoder[float64] `json:"-"`
}

// Bits returns n = round(r d), the code length for rate r at dimension d.
func Bits(r float64, d int) int { return int(math.Round(r * float64(d))) }

// Train trains one model from B ~ N(0, 1/d), A = 0 and measures its loss on
// Samples fresh signals (float64, control variate ||x||^2/d).
func Train(ctx context.Context, s TrainSpec) (TrainResult, error) {
	d, n := s.Dim, Bits(s.Rate, s.Dim)
	if d < 2 || n < 1 {
		return TrainResult{}, fmt.Errorf("experiment: need d >= 2 and n = round(r d) >= 1, got d = %d, r = %v", d, s.Rate)
	}
	if s.Samples < 2 {
		return TrainResult{}, fmt.Errorf("experiment: need at least 2 evaluation samples, got %d", s.Samples)
	}
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	m := model.New[float64](d, n)
	m.InitGaussian(rng)
	start := time.Now()
	var err error
	var steps int
	switch s.Trainer {
	case "population":
		cfg := train.PopulationConfig{Steps: s.Steps, Masks: s.Masks, Progress: s.Progress}
		var losses []float64
		losses, err = train.Population(ctx, m, s.Prior, rng, cfg)
		steps = len(losses)
	case "sgd":
		cfg := train.SGDConfig{Steps: s.Steps, Batch: s.Batch, LR: s.LR, Progress: s.Progress}
		if s.Tanh {
			cfg.Surrogate = train.AnnealedTanh
		}
		m32 := model.Convert[float32](m)
		var losses []float64
		losses, err = train.SGD(ctx, m32, s.Prior, rng, cfg)
		steps = len(losses)
		m = model.Convert[float64](m32)
	default:
		return TrainResult{}, fmt.Errorf("experiment: unknown trainer %q (want population or sgd)", s.Trainer)
	}
	if err != nil {
		return TrainResult{}, fmt.Errorf("%s r=%v d=%d: %w", s.Prior.Name(), s.Rate, d, err)
	}
	if err := m.Validate(); err != nil {
		return TrainResult{}, fmt.Errorf("experiment: trained model is invalid: %w", err)
	}
	secs := time.Since(start).Seconds()
	est, err := model.MonteCarloLoss(m, s.Prior, rand.New(rand.NewPCG(s.Seed, 2)), s.Samples)
	if err != nil {
		return TrainResult{}, err
	}
	r := float64(n) / float64(d)
	res := TrainResult{
		Prior: s.Prior.Name(), Rate: r, Dim: d, Bits: n, Trainer: s.Trainer, Steps: steps, Seed: s.Seed,
		Kurtosis: s.Prior.ExcessKurtosis(), S4: RowS4(m), Loss: est.Mean, StdErr: est.StdErr,
		TrainSeconds: secs, Conjecture: theory.IsConjecture(r), Model: m,
	}
	if res.Prediction, err = theory.GaussEquivalentLoss(r); err != nil {
		return res, err
	}
	if r <= 1 {
		k := res.Kurtosis
		res.FiniteDHaar, _ = theory.EdgeworthLinearLoss(r, k, theory.HaarS4(d))
		res.FiniteDFlat, _ = theory.EdgeworthLinearLoss(r, k, theory.FlatRowsS4(d))
		res.EdgeworthS4, _ = theory.EdgeworthLinearLoss(r, k, min(res.S4, 1))
	}
	res.GapSE = (res.Loss - res.Prediction) / res.StdErr
	return res, nil
}

// RowS4 is mean_i sum_k w_ik^4 over the normalised rows w_i of B: 3/(d+2)
// for Haar rows, 1/d for flat rows, 1 for coordinate axes.
func RowS4(m *model.Autoencoder[float64]) float64 {
	var s float64
	for i := 0; i < m.Bits(); i++ {
		var n2, n4 float64
		for _, v := range m.B.Row(i) {
			n2 += v * v
			n4 += v * v * v * v
		}
		s += n4 / (n2 * n2)
	}
	return s / float64(m.Bits())
}
