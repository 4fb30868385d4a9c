package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// EncodersConfig sets up an observation the theory sheet does not make: an
// encoder trained for the linear decoder (which cannot use sparsity) is a
// poor encoder for the nonlinear decoders that can. Haar rows and trained
// rows (population GD, and Adam with the straight-through surrogate) are
// compared under the same three decoders on the same held-out signals.
type EncodersConfig struct {
	Prior        prior.Value
	Rate         float64
	Dims         []int
	Steps        int // population GD steps
	SGDSteps     int // Adam steps
	TrainSignals int // spline fit
	TestSignals  int
	Run
}

// EncodersDefaults are the built-in defaults of `make reproduce`.
func EncodersDefaults() EncodersConfig {
	return EncodersConfig{Prior: prior.MustParse("bg:0.1"), Rate: 0.5, Dims: []int{150, 300, 600}, Steps: 600, SGDSteps: 3000,
		TrainSignals: 2000, TestSignals: 2000, Run: Run{Seed: 1, OutDir: "results/encoders"}}
}

// EncodersPaper is the larger scale (--scale paper).
func EncodersPaper() EncodersConfig {
	c := EncodersDefaults()
	c.Dims, c.TestSignals = []int{200, 400, 800}, 4000
	return c
}

// EncodersSmoke is the tiny scale (--scale smoke).
func EncodersSmoke() EncodersConfig {
	c := EncodersDefaults()
	c.Dims, c.Steps, c.SGDSteps, c.TrainSignals, c.TestSignals = []int{40}, 20, 20, 200, 400
	return c
}

var encodersExperiment = define(parts[EncodersConfig, []EncoderRow, []EncoderRow]{
	name: "encoders", summary: "Haar against trained encoders under linear and denoising decoders", weight: 60,
	config: scaled(EncodersDefaults, EncodersPaper, EncodersSmoke),
	banner: func(c EncodersConfig) string {
		return fmt.Sprintf("Haar vs trained encoders under linear and denoising decoders, %s, r = %g, d in %v", c.Prior.Name(), c.Rate, c.Dims)
	},
	units:    encodersUnits,
	assemble: func(_ EncodersConfig, rows [][]EncoderRow) []EncoderRow { return slices.Concat(rows...) },
	write:    WriteEncoders,
})

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
	us, err := encodersUnits(c)
	if err != nil {
		return nil, err
	}
	rows, err := runUnits(ctx, c.Run, us)
	return slices.Concat(rows...), err
}

// encodersUnits lists the dimensions.
func encodersUnits(c EncodersConfig) ([]unit[[]EncoderRow], error) {
	if len(c.Dims) == 0 || c.Steps < 1 || c.SGDSteps < 1 || c.TrainSignals < 2 || c.TestSignals < 3 {
		return nil, fmt.Errorf("experiment: invalid encoders config %+v", c)
	}
	var units []unit[[]EncoderRow]
	for _, d := range c.Dims {
		if err := rowOrthogonalSize(c.Rate, d, "the encoders experiment"); err != nil {
			return nil, err
		}
		units = append(units, unit[[]EncoderRow]{
			key:   fmt.Sprintf("%s-r%g-d%d-steps%d-sgd%d-train%d-test%d-seed%d", fileSafe(c.Prior.Name()), c.Rate, d, c.Steps, c.SGDSteps, c.TrainSignals, c.TestSignals, c.Seed),
			label: fmt.Sprintf("%s r=%g d=%d", c.Prior.Name(), c.Rate, d),
			run: func(ctx context.Context, _ func(float64)) ([]EncoderRow, error) {
				return encodersAt(ctx, c, d)
			},
		})
	}
	return units, nil
}

// encodersAt trains the population-GD and Adam encoders at dimension d and
// measures them and a Haar encoder under the three decoders.
func encodersAt(ctx context.Context, c EncodersConfig, d int) ([]EncoderRow, error) {
	p := c.Prior.Prior
	ch, err := prior.AsChannel(p)
	if err != nil {
		return nil, err
	}
	size, err := NewSize(c.Rate, d)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(pointSeed(c.Seed, p.AbsMoment(), c.Rate, d), 6))
	haar, err := amp.HaarRows(rng, size.Bits, d)
	if err != nil {
		return nil, err
	}
	pop := model.New[float64](d, size.Bits)
	pop.InitGaussian(rng)
	if _, err := train.Population(ctx, pop, p, rng, train.PopulationConfig{Steps: c.Steps}); err != nil {
		return nil, err
	}
	s64 := model.New[float64](d, size.Bits)
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
		b, err := model.OrthonormalRows(e.b)
		if err != nil {
			return nil, err
		}
		row, err := encoderRow(p, ch, b, rng, c)
		if err != nil {
			return nil, err
		}
		row.Dim, row.Encoder = d, e.name
		out = append(out, row)
	}
	return out, nil
}

// encoderRow measures the linear, MMSE and spline decoders on encoder b.
func encoderRow(p prior.Prior, ch prior.Channel, b *mat.Dense[float64], rng *rand.Rand, c EncodersConfig) (EncoderRow, error) {
	d, r := b.Cols, float64(b.Rows)/float64(b.Cols)
	test := train.NewSignalSet(p, b, rng, c.TestSignals)
	q := model.Energies(test.X)
	linPred, err := theory.GaussEquivalentLoss(r)
	if err != nil {
		return EncoderRow{}, err
	}
	denPred, err := theory.DenoiserLoss(p, r, theory.Haar)
	if err != nil {
		return EncoderRow{}, err
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
	row := EncoderRow{Linear: measure(shallowLosses(lin, test), q, linPred), MMSE: measure(shallowLosses(mm, test), q, denPred),
		Spline: measure(shallowLosses(sp, test), q, denPred), S4d: model.RowS4(b) * float64(d)}
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
	var tab [][]string
	for _, r := range rows {
		tab = append(tab, []string{strconv.Itoa(r.Dim), r.Encoder, num(r.Linear.Loss), num(r.Linear.StdErr), num(r.MMSE.Loss), num(r.MMSE.StdErr),
			num(r.Spline.Loss), num(r.Spline.StdErr), num(r.S4d), num(r.NoiseOff), num(r.NoiseOn)})
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
		c.Prior.Name(), c.Rate, c.TestSignals, c.TrainSignals, c.Steps, c.SGDSteps, rows[0].Linear.Prediction, rows[0].MMSE.Prediction)
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
	return writeReport(c.OutDir, b.String())
}
