package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/internal/progress"
	"github.com/seed05b1c944/onebit/theory"
)

// DecodersConfig sets up the paper's positive result: with a Haar
// (row-orthogonal) encoder, a coordinate-wise denoiser after the linear
// decoder lowers the loss below 1 - 2r/pi for sparse data, and a multi-layer
// decoder shaped like message passing (VAMP, THEORY.md 7.2) lowers it further
// towards the state-evolution fixed point.
type DecodersConfig struct {
	Dim      int       // d
	Matrices int       // independent Haar encoders per point
	Signals  int       // signals per encoder
	Layers   []int     // numbers of message-passing layers T to report
	Priors   []string  // e.g. bg:0.1
	Rates    []float64 // r in (0, 1]
	Seed     uint64
	OutDir   string
	Log      io.Writer `json:"-"`
}

// DecodersDefaults are the built-in defaults of `make reproduce`.
func DecodersDefaults() DecodersConfig {
	return DecodersConfig{
		Dim: 500, Matrices: 4, Signals: 128, Layers: []int{2, 5, 10},
		Priors: []string{"bg:0.1", "bg:0.3"},
		Rates:  []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1},
		Seed:   1, OutDir: "results/decoders",
	}
}

// DecodersPaper is the larger scale (--scale paper).
func DecodersPaper() DecodersConfig {
	c := DecodersDefaults()
	c.Dim, c.Matrices, c.Signals = 2000, 4, 256
	return c
}

// Measured is a Monte Carlo loss with its standard error and prediction.
type Measured struct {
	Loss       float64 `json:"loss"`
	StdErr     float64 `json:"stderr"`
	Prediction float64 `json:"prediction"`
}

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
	if c.Dim < 2 || c.Matrices < 1 || c.Signals < 2 || len(c.Layers) == 0 {
		return fmt.Errorf("experiment: invalid decoders config (dim %d, matrices %d, signals %d, %d layer counts)", c.Dim, c.Matrices, c.Signals, len(c.Layers))
	}
	for _, t := range c.Layers {
		if t < 1 {
			return fmt.Errorf("experiment: %d layers, want >= 1", t)
		}
	}
	for _, p := range c.Priors {
		if _, err := prior.Parse(p); err != nil {
			return err
		}
	}
	for _, r := range c.Rates {
		if !(r > 0 && r <= 1) || Bits(r, c.Dim) < 1 {
			return fmt.Errorf("experiment: rate r = %v, want 0 < r <= 1 and r d >= 1 (VAMP needs a row-orthogonal encoder)", r)
		}
	}
	return nil
}

// RunDecoders measures, for each prior and rate, the linear decoder, the
// shallow decoder with the MMSE denoiser and VAMP with each number of
// layers on the same Haar encoders and signals, next to their predictions.
func RunDecoders(ctx context.Context, c DecodersConfig) ([]DecodersPoint, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	bar := progress.New(c.Log, float64(len(c.Priors)*len(c.Rates)))
	cache := newCache(c.OutDir)
	var pts []DecodersPoint
	for _, ps := range c.Priors {
		for _, r := range c.Rates {
			bar.Set(float64(len(pts)), fmt.Sprintf("%s r=%g", ps, r))
			key := fmt.Sprintf("%s-r%g-d%d-m%d-s%d-T%s-seed%d", fileSafe(ps), r, c.Dim, c.Matrices, c.Signals, intsKey(c.Layers), c.Seed)
			pt, err := cachedUnit(ctx, cache, key, func() (DecodersPoint, error) { return DecodersPointRun(c, ps, r) })
			if err != nil {
				return nil, err
			}
			pts = append(pts, pt)
		}
	}
	bar.Finish()
	return pts, nil
}

// DecodersPointRun measures one (prior, rate) point.
func DecodersPointRun(c DecodersConfig, ps string, r float64) (DecodersPoint, error) {
	p, err := prior.Parse(ps)
	if err != nil {
		return DecodersPoint{}, err
	}
	ch, err := prior.AsChannel(p)
	if err != nil {
		return DecodersPoint{}, err
	}
	d, n := c.Dim, Bits(r, c.Dim)
	rEff := float64(n) / float64(d)
	maxT := slices.Max(c.Layers)
	rng := rand.New(rand.NewPCG(pointSeed(c.Seed, p.AbsMoment(), r, d), 3))
	var lin, den, energy []float64
	layers := make([][]float64, len(c.Layers))
	for m := 0; m < c.Matrices; m++ {
		b, err := amp.HaarRows(rng, n, d)
		if err != nil {
			return DecodersPoint{}, err
		}
		x := mat.New[float64](c.Signals, d)
		prior.Fill(p, rng, x.Data)
		y, err := amp.Encode(b, x)
		if err != nil {
			return DecodersPoint{}, err
		}
		// Linear decoder sqrt(2/pi) B^T s.
		xl := mat.New[float64](c.Signals, d)
		mat.Mul(xl, math.Sqrt(2/math.Pi), y, kernel.NoTrans, b, kernel.NoTrans, 0)
		res, err := amp.VAMP(b, y, ch, maxT, x)
		if err != nil {
			return DecodersPoint{}, fmt.Errorf("%s r=%v: %w", ps, r, err)
		}
		for s := 0; s < c.Signals; s++ {
			var e, en float64
			for j, v := range x.Row(s) {
				e += (v - xl.At(s, j)) * (v - xl.At(s, j))
				en += v * v
			}
			lin = append(lin, e/float64(d))
			energy = append(energy, en/float64(d))
			den = append(den, res.MSE[0][s])
			for k, t := range c.Layers {
				layers[k] = append(layers[k], res.MSE[t-1][s])
			}
		}
	}
	se, err := theory.VAMPStateEvolution(p, rEff, theory.SEOptions{Iters: maxT})
	if err != nil {
		return DecodersPoint{}, err
	}
	pt := DecodersPoint{Prior: p.Name(), Rate: rEff, Dim: d, Bits: n, FixedPoint: se.FixedPoint}
	measure := func(l []float64, pred float64) Measured {
		e := model.ControlVariate(l, energy, 1)
		return Measured{Loss: e.Mean, StdErr: e.StdErr, Prediction: pred}
	}
	lp, _ := theory.GaussEquivalentLoss(rEff)
	pt.Linear = measure(lin, lp)
	dp, err := theory.DenoiserLoss(p, rEff, theory.Haar)
	if err != nil {
		return DecodersPoint{}, err
	}
	pt.Denoiser = measure(den, dp)
	for k, t := range c.Layers {
		pt.MultiLayer = append(pt.MultiLayer, LayerMeasured{Layers: t, Measured: measure(layers[k], se.Trajectory[t-1])})
	}
	return pt, nil
}
