package experiment

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/internal/progress"
	"github.com/seed05b1c944/onebit/theory"
)

// EncodersConfig sets up an observation the theory sheet does not make: an
// encoder trained for the linear decoder (which cannot use sparsity) is a
// poor encoder for the nonlinear decoders that can. Haar rows and trained
// rows (population GD, and Adam with the straight-through surrogate) are
// compared under the same three decoders on the same held-out signals.
type EncodersConfig struct {
	Prior        string
	Rate         float64
	Dims         []int
	Steps        int // population GD steps
	SGDSteps     int // Adam steps
	TrainSignals int // spline fit
	TestSignals  int
	Seed         uint64
	OutDir       string
	Log          io.Writer `json:"-"`
}

// EncodersDefaults are the built-in defaults of `make reproduce`.
func EncodersDefaults() EncodersConfig {
	return EncodersConfig{Prior: "bg:0.1", Rate: 0.5, Dims: []int{150, 300, 600}, Steps: 600, SGDSteps: 3000,
		TrainSignals: 2000, TestSignals: 2000, Seed: 1, OutDir: "results/encoders"}
}

// EncoderRow is one encoder at one d under the three decoders.
type EncoderRow struct {
	Dim      int      `json:"dim"`
	Encoder  string   `json:"encoder"` // haar, population, sgd
	Linear   Measured `json:"linear"`
	MMSE     Measured `json:"mmse_denoiser"`
	Spline   Measured `json:"spline_denoiser"`
	S4d      float64  `json:"s4_times_d"`
	NoiseOff float64  `json:"noise_var_off_support"` // Var(v - x) where x = 0, v the rescaled linear estimate u/mu
	NoiseOn  float64  `json:"noise_var_on_support"`  // Var(v - x) where x != 0
}

// RunEncoders runs every d of c.
func RunEncoders(ctx context.Context, c EncodersConfig) ([]EncoderRow, error) {
	p, err := prior.Parse(c.Prior)
	if err != nil {
		return nil, err
	}
	ch, err := prior.AsChannel(p)
	if err != nil {
		return nil, err
	}
	if !(c.Rate > 0 && c.Rate <= 1) || len(c.Dims) == 0 || c.Steps < 1 || c.SGDSteps < 1 || c.TrainSignals < 2 || c.TestSignals < 3 {
		return nil, fmt.Errorf("experiment: invalid encoders config %+v", c)
	}
	denPred, err := theory.DenoiserLoss(p, c.Rate, theory.Haar)
	if err != nil {
		return nil, err
	}
	linPred, _ := theory.GaussEquivalentLoss(c.Rate)
	bar := progress.New(c.Log, float64(len(c.Dims)))
	cache := newCache(c.OutDir)
	var rows []EncoderRow
	for i, d := range c.Dims {
		bar.Set(float64(i), fmt.Sprintf("%s r=%g d=%d", p.Name(), c.Rate, d))
		key := fmt.Sprintf("%s-r%g-d%d-steps%d-sgd%d-train%d-test%d-seed%d", fileSafe(c.Prior), c.Rate, d, c.Steps, c.SGDSteps, c.TrainSignals, c.TestSignals, c.Seed)
		rs, err := cachedUnit(ctx, cache, key, func() ([]EncoderRow, error) {
			if Bits(c.Rate, d) < 1 || d < 2 {
				return nil, fmt.Errorf("experiment: d = %d too small for r = %v", d, c.Rate)
			}
			rng := rand.New(rand.NewPCG(pointSeed(c.Seed, p.AbsMoment(), c.Rate, d), 6))
			n := Bits(c.Rate, d)
			haar, err := amp.HaarRows(rng, n, d)
			if err != nil {
				return nil, err
			}
			pop := model.New[float64](d, n)
			pop.InitGaussian(rng)
			if _, err := train.Population(ctx, pop, p, rng, train.PopulationConfig{Steps: c.Steps}); err != nil {
				return nil, err
			}
			s64 := model.New[float64](d, n)
			s64.InitGaussian(rng)
			s32 := model.Convert[float32](s64)
			if _, err := train.SGD(ctx, s32, p, rng, train.SGDConfig{Steps: c.SGDSteps}); err != nil {
				return nil, err
			}
			var out []EncoderRow
			for _, e := range []struct {
				name string
				b    *mat.Dense[float64]
			}{{"haar", haar}, {"population", pop.B}, {"sgd", model.Convert[float64](s32).B}} {
				// Orthonormal rows (the polar factor; exact already for Haar), as
				// the effective channel of THEORY.md 5 assumes.
				b, err := orthonormalRows(e.b)
				if err != nil {
					return nil, err
				}
				row, err := encoderRow(p, ch, b, rng, c, linPred, denPred)
				if err != nil {
					return nil, err
				}
				row.Dim, row.Encoder = d, e.name
				out = append(out, row)
			}
			return out, nil
		})
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	bar.Finish()
	return rows, nil
}

// encoderRow measures the linear, MMSE and spline decoders on encoder b.
func encoderRow(p prior.Prior, ch prior.Channel, b *mat.Dense[float64], rng *rand.Rand, c EncodersConfig, linPred, denPred float64) (EncoderRow, error) {
	d := b.Cols
	test := train.NewSignalSet(p, b, rng, c.TestSignals)
	q := model.Energies(test.X)
	measure := func(sh *model.Shallow, pred float64) Measured {
		xh := mat.New[float64](c.TestSignals, d)
		sh.Decode(xh, test.Y)
		l := make([]float64, c.TestSignals)
		model.SignalLosses(test.X, xh, l)
		e := model.ControlVariate(l, q, 1)
		return Measured{Loss: e.Mean, StdErr: e.StdErr, Prediction: pred}
	}
	lin, err := model.NewShallowLinear(b, model.HaarEnsemble)
	if err != nil {
		return EncoderRow{}, err
	}
	mm, err := model.NewShallowMMSE(b, ch, model.HaarEnsemble)
	if err != nil {
		return EncoderRow{}, err
	}
	sp, err := model.NewShallowLinear(b, model.HaarEnsemble)
	if err != nil {
		return EncoderRow{}, err
	}
	if _, err := train.FitShallowSpline(sp, train.NewSignalSet(p, b, rng, c.TrainSignals), 16); err != nil {
		return EncoderRow{}, err
	}
	row := EncoderRow{Linear: measure(lin, linPred), MMSE: measure(mm, denPred), Spline: measure(sp, denPred), S4d: RowS4FromRows(b) * float64(d)}
	// Noise of the effective channel v = u/mu = x + noise, split by support.
	v := mat.New[float64](c.TestSignals, d)
	lin.Statistic(v, test.Y)
	var s0, s1, n0, n1 float64
	for k, x := range test.X.Data {
		e := v.Data[k] - x
		if x == 0 {
			s0, n0 = s0+e*e, n0+1
		} else {
			s1, n1 = s1+e*e, n1+1
		}
	}
	row.NoiseOff, row.NoiseOn = s0/max(n0, 1), s1/max(n1, 1)
	return row, nil
}

// WriteEncoders writes OutDir/encoders.csv, encoders.json and report.md.
func WriteEncoders(c EncodersConfig, rows []EncoderRow) error {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	var tab [][]string
	for _, r := range rows {
		tab = append(tab, []string{strconv.Itoa(r.Dim), r.Encoder, f(r.Linear.Loss), f(r.Linear.StdErr), f(r.MMSE.Loss), f(r.MMSE.StdErr),
			f(r.Spline.Loss), f(r.Spline.StdErr), f(r.S4d), f(r.NoiseOff), f(r.NoiseOn)})
	}
	header := []string{"dim", "encoder", "linear", "linear_se", "mmse_denoiser", "mmse_se", "spline_denoiser", "spline_se", "s4_times_d", "noise_var_off_support", "noise_var_on_support"}
	if err := writeData(c.OutDir, "encoders", header, tab, c, rows); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Observation: an encoder trained for the linear decoder is a poor encoder for a denoiser\n\n")
	fmt.Fprintf(&b, "Not a claim of THEORY.md, measured here. %s, r = %g. The same three decoders on each encoder's own held-out signals "+
		"(%d per encoder): *linear* x_hat = (1/(1+tau)) u/mu, *MMSE* the denoiser of the effective channel u/mu = x + N(0, tau) "+
		"of THEORY.md 5 (mu, tau of a Haar encoder), *spline* a 16-knot odd spline of u/mu fitted by least squares on %d "+
		"signals (it adapts to whatever channel the encoder makes). Encoders: Haar rows; population GD for the linear decoder "+
		"(%d steps, THEORY.md 2); Adam with the straight-through surrogate (%d steps); trained rows are replaced by their polar "+
		"factor (orthonormal rows). Predictions: 1 - 2r/pi = %.4f (linear), mmse(2r/(pi-2r)) = %.4f (denoisers).\n\n",
		c.Prior, c.Rate, c.TestSignals, c.TrainSignals, c.Steps, c.SGDSteps, mustLinear(c.Rate), rows[0].MMSE.Prediction)
	b.WriteString("The encoder that exact population GD finds for the linear decoder matches Haar rows under the linear decoder, " +
		"but loses most of the denoiser's gain at every d here: the noise of its effective channel is about five times larger " +
		"on the support of x than off it, so the MMSE denoiser, built for noise independent of x, does worse than linear, and " +
		"even the spline fitted to the actual channel stays far above Haar. The Adam/straight-through encoder is close to Haar " +
		"and its gap shrinks with d. The linear objective, blind to sparsity, leaves an encoder's value for nonlinear decoding " +
		"undetermined; training the encoder together with the nonlinear decoder is what the paper's positive result needs.\n\n")
	b.WriteString("| d | encoder | linear | MMSE denoiser | spline denoiser | S4·d | noise var off support | on support |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s | %.4f ± %.4f | %.4f ± %.4f | %.4f ± %.4f | %.2f | %.3f | %.3f |\n", r.Dim, r.Encoder,
			r.Linear.Loss, r.Linear.StdErr, r.MMSE.Loss, r.MMSE.StdErr, r.Spline.Loss, r.Spline.StdErr, r.S4d, r.NoiseOff, r.NoiseOn)
	}
	b.WriteString("\n")
	return WriteFileAtomic(filepath.Join(c.OutDir, "report.md"), []byte(b.String()))
}

func mustLinear(r float64) float64 { v, _ := theory.GaussEquivalentLoss(r); return v }
