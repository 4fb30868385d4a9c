package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
	gmat "gonum.org/v1/gonum/mat"
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
	// Encoder is "learned" (default: trained as above) or "haar" (fixed
	// orthonormal rows, A = sqrt(2/pi) B^T, no encoder training).
	Encoder string
	// Decoder is "linear" (default), "denoiser" (the learned spline denoiser
	// on v = A s, fitted on 200 fresh signals) or "unrolled" (Layers layers
	// of unrolled VAMP on the encoder with normalised rows, factors learned
	// by FitUnrolled on top of the fixed algorithm; r <= 1).
	Decoder string
	Layers  int // unrolled: layers T (default 5)
	// DecoderSteps is the number of Adam steps of the unrolled decoder (default 100).
	DecoderSteps int
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
	Encoder      string  `json:"encoder,omitempty"`
	Decoder      string  `json:"decoder,omitempty"`
	Layers       int     `json:"layers,omitempty"`
	// LinearLoss is the linear decoder's loss on the same signals (decoder
	// denoiser or unrolled).
	LinearLoss float64 `json:"linear_loss,omitempty"`
	// Trajectory is the unrolled decoder's loss after each layer with its
	// state-evolution prediction for VAMP (THEORY.md 7.2).
	Trajectory []LayerLoss `json:"trajectory,omitempty"`

	Model *model.Autoencoder[float64] `json:"-"`
}

// LayerLoss is a decoder's measured loss after one layer and its prediction.
type LayerLoss struct {
	Layer      int     `json:"layer"`
	Loss       float64 `json:"loss"`
	StdErr     float64 `json:"stderr"`
	Prediction float64 `json:"prediction"`
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
	switch s.Decoder {
	case "", "linear", "denoiser", "unrolled":
	default:
		return TrainResult{}, fmt.Errorf("experiment: unknown decoder %q (want linear, denoiser or unrolled)", s.Decoder)
	}
	if (s.Decoder == "denoiser" || s.Decoder == "unrolled") && n > d {
		return TrainResult{}, fmt.Errorf("experiment: the %s decoder needs r <= 1 (its prediction is for a row-orthogonal encoder)", s.Decoder)
	}
	rng := rand.New(rand.NewPCG(s.Seed, 1))
	m := model.New[float64](d, n)
	m.InitGaussian(rng)
	start := time.Now()
	var err error
	var steps int
	trainer := s.Trainer
	if s.Encoder == "haar" {
		trainer = "haar"
	} else if s.Encoder != "" && s.Encoder != "learned" {
		return TrainResult{}, fmt.Errorf("experiment: unknown encoder %q (want learned or haar)", s.Encoder)
	}
	switch trainer {
	case "haar":
		if n > d {
			return TrainResult{}, fmt.Errorf("experiment: the haar encoder needs r <= 1, got n = %d > d = %d", n, d)
		}
		var b *mat.Dense[float64]
		if b, err = amp.HaarRows(rng, n, d); err != nil {
			return TrainResult{}, err
		}
		m.B = b
		m.SetTiedDecoder(math.Sqrt(2 / math.Pi))
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
	if s.Encoder == "haar" {
		res.Trainer, res.Steps, res.Encoder = "none", 0, "haar"
	}
	if s.Decoder == "denoiser" || s.Decoder == "unrolled" {
		if err := fitDecoder(ctx, s, m, &res); err != nil {
			return res, err
		}
		res.GapSE = (res.Loss - res.Prediction) / res.StdErr
	}
	return res, nil
}

// fitDecoder trains the nonlinear decoder of s on top of the trained
// encoder of m and measures it on Samples fresh signals (seed stream 4),
// replacing the loss and the prediction of res (the linear loss is kept in
// LinearLoss).
func fitDecoder(ctx context.Context, s TrainSpec, m *model.Autoencoder[float64], res *TrainResult) error {
	ch, err := prior.AsChannel(s.Prior)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(s.Seed, 4))
	d := m.Dim()
	r := m.Rate()
	test := train.NewSignalSet(s.Prior, m.B, rng, s.Samples)
	lin, err := model.MonteCarloLoss(m, s.Prior, rand.New(rand.NewPCG(s.Seed, 2)), s.Samples)
	if err != nil {
		return err
	}
	res.LinearLoss, res.Decoder = lin.Mean, s.Decoder
	if s.Decoder == "denoiser" {
		sh := &model.Shallow{In: m.A.T(), Gain: 1}
		if _, err := train.FitShallowSpline(sh, train.NewSignalSet(s.Prior, m.B, rng, 200), 16); err != nil {
			return err
		}
		xh := mat.New[float64](s.Samples, d)
		sh.Decode(xh, test.Y)
		est := model.SignalLosses(test.X, xh, make([]float64, s.Samples))
		res.Loss, res.StdErr = est.Mean, est.StdErr
		res.Prediction, err = theory.DenoiserLoss(s.Prior, r, theory.Haar)
		return err
	}
	// Unrolled VAMP's output module assumes orthonormal rows (B B^T = I); a
	// trained B is only nearly so (eigenvalues of W W^T within about ±10%,
	// THEORY.md 2.5). So the encoder is replaced by its polar factor, the
	// nearest matrix with orthonormal rows, and the test signals are encoded
	// with it. (Measured, BG(0.1), r = 0.5, d = 300, T = 3: 0.499 with the
	// polar factor, 0.498 with merely normalised rows, 0.311 on a Haar
	// encoder: what costs is the learned encoder's structure, not its
	// non-orthogonality; see the note printed by onebit train.)
	b, err := orthonormalRows(m.B)
	if err != nil {
		return err
	}
	test = train.NewSignalSet(s.Prior, b, rng, s.Samples)
	q := model.Energies(test.X)
	T := s.Layers
	if T == 0 {
		T = 5
	}
	u, err := model.NewUnrolledVAMP(b, ch, T)
	if err != nil {
		return err
	}
	val := train.NewSignalSet(s.Prior, b, rng, 256)
	if _, err := train.FitUnrolled(ctx, u, s.Prior, rng, val, train.UnrolledConfig{Steps: s.DecoderSteps}); err != nil {
		return err
	}
	layers := make([][]float64, T)
	for t := range layers {
		layers[t] = make([]float64, s.Samples)
	}
	if err := train.UnrolledSignalLosses(u, u.NewWorkspace(min(256, s.Samples)), test, layers[T-1], layers); err != nil {
		return err
	}
	se, err := theory.StateEvolution(s.Prior, r, theory.Haar, theory.SEOptions{Iters: T})
	if err != nil {
		return err
	}
	res.Layers = T
	for t := range T {
		est := model.ControlVariate(layers[t], q, 1)
		res.Trajectory = append(res.Trajectory, LayerLoss{Layer: t + 1, Loss: est.Mean, StdErr: est.StdErr, Prediction: se.Trajectory[t]})
	}
	last := res.Trajectory[T-1]
	res.Loss, res.StdErr, res.Prediction = last.Loss, last.StdErr, last.Prediction
	return nil
}

// RowS4 is mean_i sum_k w_ik^4 over the normalised rows w_i of B: 3/(d+2)
// for Haar rows, 1/d for flat rows, 1 for coordinate axes.
func RowS4(m *model.Autoencoder[float64]) float64 { return RowS4FromRows(m.B) }

// RowS4FromRows is RowS4 for an encoder matrix b (n x d).
func RowS4FromRows(b *mat.Dense[float64]) float64 {
	var s float64
	for i := 0; i < b.Rows; i++ {
		var n2, n4 float64
		for _, v := range b.Row(i) {
			n2 += v * v
			n4 += v * v * v * v
		}
		s += n4 / (n2 * n2)
	}
	return s / float64(b.Rows)
}

// orthonormalRows returns the polar factor U V^T of B = U S V^T (n <= d):
// the matrix with orthonormal rows nearest to B in Frobenius norm.
func orthonormalRows(b *mat.Dense[float64]) (*mat.Dense[float64], error) {
	g := gmat.NewDense(b.Rows, b.Cols, nil)
	for i := range b.Rows {
		g.SetRow(i, b.Row(i))
	}
	var svd gmat.SVD
	if !svd.Factorize(g, gmat.SVDThin) {
		return nil, fmt.Errorf("experiment: SVD of the encoder failed")
	}
	var u, v, p gmat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	p.Mul(&u, v.T())
	out := mat.New[float64](b.Rows, b.Cols)
	for i := range b.Rows {
		gmat.Row(out.Row(i), i, &p)
	}
	return out, nil
}
