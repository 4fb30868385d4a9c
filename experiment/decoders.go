package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/theory"
)

// DecodersConfig sets up the paper's positive result: with a Haar
// (row-orthogonal) encoder, a coordinate-wise denoiser after the linear
// decoder lowers the loss below 1 - 2r/pi for sparse data, and a multi-layer
// decoder shaped like message passing (VAMP, THEORY.md 7.2) lowers it further
// towards the state-evolution fixed point.
type DecodersConfig struct {
	Dim      int           // d
	Matrices int           // independent Haar encoders per point
	Signals  int           // signals per encoder
	Layers   []int         // numbers of message-passing layers T to report
	Priors   []prior.Value // e.g. bg:0.1
	Rates    []float64     // r in (0, 1]
	Run
}

// DecodersDefaults are the built-in defaults of `make reproduce`.
func DecodersDefaults() DecodersConfig {
	return DecodersConfig{
		Dim: 500, Matrices: 4, Signals: 128, Layers: []int{2, 5, 10},
		Priors: []prior.Value{prior.MustParse("bg:0.1"), prior.MustParse("bg:0.3")},
		Rates:  []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1},
		Run:    Run{Seed: 1, OutDir: "results/decoders"},
	}
}

// DecodersPaper is the larger scale (--scale paper).
func DecodersPaper() DecodersConfig {
	c := DecodersDefaults()
	c.Dim, c.Matrices, c.Signals = 2000, 4, 256
	return c
}

// DecodersSmoke is the tiny scale (--scale smoke).
func DecodersSmoke() DecodersConfig {
	c := DecodersDefaults()
	c.Dim, c.Matrices, c.Signals, c.Layers, c.Rates = 60, 1, 16, []int{2, 3}, []float64{0.5, 1}
	return c
}

var decodersExperiment = define(parts[DecodersConfig, DecodersPoint, []DecodersPoint]{
	name: "decoders", summary: "linear, denoiser and VAMP decoders on a Haar encoder against their predictions", weight: 20,
	config: scaled(DecodersDefaults, DecodersPaper, DecodersSmoke),
	banner: func(c DecodersConfig) string {
		return fmt.Sprintf("linear, denoiser and VAMP decoders, Haar encoder, d = %d, %d points", c.Dim, len(c.Priors)*len(c.Rates))
	},
	units: decodersUnits, assemble: same[DecodersConfig, DecodersPoint], write: WriteDecoders, claims: decodersClaims,
})

// LayerMeasured is the loss of the T-layer message-passing decoder.
type LayerMeasured struct {
	Layers int `json:"layers"`
	Measured
}

// DecodersPoint is one (prior, rate) of the decoders experiment.
type DecodersPoint struct {
	Prior string  `json:"prior"`
	Rate  float64 `json:"rate"`
	Dim   int     `json:"dim"`
	Bits  int     `json:"bits"`
	// Linear is x_hat = sqrt(2/pi) B^T s; prediction 1 - 2r/pi (THEORY.md 1).
	Linear Measured `json:"linear"`
	// Denoiser is the shallow decoder followed by the MMSE denoiser, which is
	// exactly VAMP's first layer (THEORY.md 7.2); prediction mmse(2r/(pi-2r)).
	Denoiser Measured `json:"denoiser"`
	// MultiLayer[k] is VAMP with Layers[k] layers; prediction its SE.
	MultiLayer []LayerMeasured `json:"multi_layer"`
	// FixedPoint is the SE fixed point from the uninformed start (THEORY.md 8).
	FixedPoint float64 `json:"fixed_point"`
}

func (c DecodersConfig) validate() error {
	if c.Matrices < 1 || c.Signals < 2 || len(c.Layers) == 0 || len(c.Priors) == 0 {
		return fmt.Errorf("experiment: invalid decoders config (matrices %d, signals %d, %d layer counts, %d priors)", c.Matrices, c.Signals, len(c.Layers), len(c.Priors))
	}
	for _, t := range c.Layers {
		if t < 1 {
			return fmt.Errorf("experiment: %d layers, want >= 1", t)
		}
	}
	for _, r := range c.Rates {
		if err := rowOrthogonalSize(r, c.Dim, "VAMP"); err != nil {
			return err
		}
	}
	return nil
}

// RunDecoders measures, for each prior and rate, the linear decoder, the
// shallow decoder with the MMSE denoiser and VAMP with each number of
// layers on the same Haar encoders and signals, next to their predictions.
func RunDecoders(ctx context.Context, c DecodersConfig) ([]DecodersPoint, error) {
	us, err := decodersUnits(c)
	if err != nil {
		return nil, err
	}
	return runUnits(ctx, c.Run, us)
}

// decodersUnits lists the (prior, rate) points.
func decodersUnits(c DecodersConfig) ([]unit[DecodersPoint], error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	var units []unit[DecodersPoint]
	for _, p := range c.Priors {
		for _, r := range c.Rates {
			units = append(units, unit[DecodersPoint]{
				key:   fmt.Sprintf("%s-r%g-d%d-m%d-s%d-T%s-seed%d", fileSafe(p.Name()), r, c.Dim, c.Matrices, c.Signals, intsKey(c.Layers), c.Seed),
				label: fmt.Sprintf("%s r=%g", p.Name(), r),
				run: func(context.Context, func(float64)) (DecodersPoint, error) {
					return DecodersPointRun(c, p.Prior, r)
				},
			})
		}
	}
	return units, nil
}

// DecodersPointRun measures one (prior, rate) point.
func DecodersPointRun(c DecodersConfig, p prior.Prior, r float64) (DecodersPoint, error) {
	size, err := NewSize(r, c.Dim)
	if err != nil {
		return DecodersPoint{}, err
	}
	rEff, maxT := size.Rate(), slices.Max(c.Layers)
	rng := rand.New(rand.NewPCG(pointSeed(c.Seed, p.AbsMoment(), r, size.Dim), 3))
	var ls decoderLosses
	for range c.Matrices {
		if err := ls.add(c, p, size, maxT, rng); err != nil {
			return DecodersPoint{}, fmt.Errorf("%s r=%v: %w", p.Name(), r, err)
		}
	}
	se, err := theory.VAMPStateEvolution(p, rEff, theory.SEOptions{Iters: maxT})
	if err != nil {
		return DecodersPoint{}, err
	}
	pt := DecodersPoint{Prior: p.Name(), Rate: rEff, Dim: size.Dim, Bits: size.Bits, FixedPoint: se.FixedPoint}
	lp, err := theory.GaussEquivalentLoss(rEff)
	if err != nil {
		return DecodersPoint{}, err
	}
	pt.Linear = measure(ls.linear, ls.energy, lp)
	dp, err := theory.DenoiserLoss(p, rEff, theory.Haar)
	if err != nil {
		return DecodersPoint{}, err
	}
	pt.Denoiser = measure(ls.vamp[0], ls.energy, dp)
	for _, t := range c.Layers {
		pt.MultiLayer = append(pt.MultiLayer, LayerMeasured{Layers: t, Measured: measure(ls.vamp[t-1], ls.energy, se.Trajectory[t-1])})
	}
	return pt, nil
}

// decoderLosses are per-signal losses pooled over encoders: the linear
// decoder's, VAMP's after each iteration (the first is the shallow decoder
// with the MMSE denoiser, THEORY.md 7.2) and the energies ||x||^2/d.
type decoderLosses struct {
	linear, energy []float64
	vamp           [][]float64
}

// add draws one Haar encoder and c.Signals signals and appends their losses.
func (ls *decoderLosses) add(c DecodersConfig, p prior.Prior, size model.Size, iters int, rng *rand.Rand) error {
	ch, err := prior.AsChannel(p)
	if err != nil {
		return err
	}
	b, err := amp.HaarRows(rng, size.Bits, size.Dim)
	if err != nil {
		return err
	}
	x := mat.New[float64](c.Signals, size.Dim)
	prior.Fill(p, rng, x.Data)
	y, err := model.Codes(b, x)
	if err != nil {
		return err
	}
	// Linear decoder sqrt(2/pi) B^T s.
	xl := mat.New[float64](c.Signals, size.Dim)
	mat.Mul(xl, math.Sqrt(2/math.Pi), y, kernel.NoTrans, b, kernel.NoTrans, 0)
	res, err := amp.VAMP(b, y, ch, iters, x)
	if err != nil {
		return err
	}
	l := make([]float64, c.Signals)
	model.SignalLosses(x, xl, l)
	ls.linear = append(ls.linear, l...)
	ls.energy = append(ls.energy, model.Energies(x)...)
	if ls.vamp == nil {
		ls.vamp = make([][]float64, iters)
	}
	for t := range ls.vamp {
		ls.vamp[t] = append(ls.vamp[t], res.MSE[t]...)
	}
	return nil
}

// decodersClaims: at the largest rate of each prior, the denoiser reaches
// mmse(2r/(pi - 2r)) and the deepest VAMP its state evolution, each up to
// its finite-d excess (THEORY.md 5, 7.2, 10).
func decodersClaims(c DecodersConfig, pts []DecodersPoint) []Claim {
	var out []Claim
	for i, p := range c.Priors {
		pt := pts[(i+1)*len(c.Rates)-1]
		deep := pt.MultiLayer[len(pt.MultiLayer)-1]
		out = append(out,
			Claim{Claim: fmt.Sprintf("a denoiser beats linear: %s, r = %.3g, shallow + MMSE denoiser reaches mmse(2r/(pi-2r))", p.Name(), pt.Rate),
				Source: "THEORY.md 5", Measured: pt.Denoiser, Dim: pt.Dim, Seeds: c.Matrices, Allowance: allowance("denoiser", p.Prior, pt.Rate, pt.Dim)},
			Claim{Claim: fmt.Sprintf("depth beats a denoiser: %s, r = %.3g, VAMP with T = %d layers follows its state evolution", p.Name(), pt.Rate, deep.Layers),
				Source: "THEORY.md 7.2", Measured: deep.Measured, Dim: pt.Dim, Seeds: c.Matrices, Allowance: allowance("vamp", p.Prior, pt.Rate, pt.Dim)})
	}
	return out
}
