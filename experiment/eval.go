package experiment

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// FixedDecoder is a decoder that needs no training, as `onebit eval` runs it.
type FixedDecoder int

const (
	// LinearFixed is the shallow linear decoder (1/(1+tau)) u/mu (THEORY.md 5).
	LinearFixed FixedDecoder = iota
	// MMSEDenoiser is the shallow decoder followed by the MMSE denoiser of
	// its effective channel (THEORY.md 5).
	MMSEDenoiser
	// GAMP is message passing for an i.i.d. Gaussian encoder (THEORY.md 7.1).
	GAMP
	// VAMP is message passing for a row-orthogonal encoder (THEORY.md 7.2).
	VAMP
)

var fixedDecoderNames = kind[FixedDecoder]{"linear", "denoiser", "gamp", "vamp"}

// ParseFixedDecoder reads "linear", "denoiser", "gamp" or "vamp".
func ParseFixedDecoder(s string) (FixedDecoder, error) {
	return fixedDecoderNames.parse("decoder", s)
}

func (d FixedDecoder) String() string { return fixedDecoderNames.name(d) }

// MarshalText spells the decoder as String does.
func (d FixedDecoder) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// EvalSpec describes one measurement of a fixed decoder on a random
// encoder: Haar rows or i.i.d. Gaussian rows.
type EvalSpec struct {
	Prior   prior.Prior
	Size    model.Size
	Encoder theory.Encoder
	Decoder FixedDecoder
	Iters   int // gamp, vamp: iterations T
	Samples int
	Seed    uint64
	// Log, if set, receives a line as each stage starts (a Haar encoder at
	// d = 8192 takes about a minute to draw).
	Log io.Writer
}

func (s EvalSpec) stage(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(s.Log, "eval: "+format+"\n", args...)
	}
}

// Validate checks every field once; errors are *FieldError.
func (s EvalSpec) Validate() error {
	if s.Prior == nil {
		return fieldErr("prior", "missing")
	}
	if _, err := prior.AsChannel(s.Prior); err != nil {
		return fieldErr("prior", "%v", err)
	}
	if _, err := NewSize(s.Size.Rate(), s.Size.Dim); err != nil {
		return err
	}
	if err := checkSamples(s.Prior, s.Size.Dim, s.Samples); err != nil {
		return err
	}
	if s.Encoder == theory.Haar {
		if err := s.Size.RowOrthogonal("the haar encoder"); err != nil {
			return fieldErr("rate", "%v", err)
		}
	}
	switch {
	case s.Iters < 1 || s.Iters > MaxIters:
		return fieldErr("iters", "%d, want 1 <= T <= %d", s.Iters, MaxIters)
	case s.Decoder == GAMP && s.Encoder != theory.IIDGaussian:
		return fieldErr("decoder", "gamp needs the gaussian encoder")
	case s.Decoder == VAMP && s.Encoder != theory.Haar:
		return fieldErr("decoder", "vamp needs the haar encoder")
	}
	return nil
}

// EvalPoint is one measured loss (after iteration Iter, for gamp and vamp).
type EvalPoint struct {
	Iter int `json:"iter,omitempty"`
	Measured
}

// EvalResult is the output of onebit eval.
type EvalResult struct {
	Prior   string       `json:"prior"`
	Rate    float64      `json:"rate"`
	Dim     int          `json:"dim"`
	Bits    int          `json:"bits"`
	Encoder string       `json:"encoder"`
	Decoder FixedDecoder `json:"decoder"`
	Iters   int          `json:"iters,omitempty"`
	Samples int          `json:"samples"`
	Seed    uint64       `json:"seed"`
	EvalPoint
	// Trajectory is the loss after each iteration (gamp, vamp).
	Trajectory []EvalPoint `json:"trajectory,omitempty"`
}

// Eval draws an encoder and Samples signals (seed stream 3), decodes them
// with the fixed decoder and measures the loss against its prediction.
func Eval(s EvalSpec) (EvalResult, error) {
	if err := s.Validate(); err != nil {
		return EvalResult{}, err
	}
	ch, _ := prior.AsChannel(s.Prior) // checked by Validate
	rng := rand.New(rand.NewPCG(s.Seed, 3))
	rows, ens := amp.HaarRows, model.HaarEnsemble
	if s.Encoder == theory.IIDGaussian {
		rows, ens = amp.GaussianRows, model.IIDEnsemble
	}
	start := time.Now()
	s.stage("drawing a %s encoder (%d x %d)", s.Encoder, s.Size.Bits, s.Size.Dim)
	b, err := rows(rng, s.Size.Bits, s.Size.Dim)
	if err != nil {
		return EvalResult{}, err
	}
	s.stage("encoding %d signals", s.Samples)
	x := mat.New[float64](s.Samples, s.Size.Dim)
	prior.Fill(s.Prior, rng, x.Data)
	y := mat.New[float64](s.Samples, s.Size.Bits)
	model.Encode(y, b, x)
	res := EvalResult{Prior: s.Prior.Name(), Rate: s.Size.Rate(), Dim: s.Size.Dim, Bits: s.Size.Bits, Encoder: s.Encoder.String(),
		Decoder: s.Decoder, Samples: s.Samples, Seed: s.Seed}
	if s.Decoder == LinearFixed || s.Decoder == MMSEDenoiser {
		res.Measured, err = evalShallow(s, ch, ens, b, x, y)
		return res, err
	}
	res.Iters = s.Iters
	s.stage("running %s, %d iterations", s.Decoder, s.Iters)
	defer func() { s.stage("done in %v", time.Since(start).Round(time.Millisecond)) }()
	run := amp.VAMP
	if s.Decoder == GAMP {
		run = amp.GAMP
	}
	ar, err := run(b, y, ch, s.Iters, x)
	if err != nil {
		return res, err
	}
	se, err := theory.StateEvolution(s.Prior, res.Rate, s.Encoder, theory.SEOptions{Iters: s.Iters})
	if err != nil {
		return res, err
	}
	q := model.Energies(x)
	for t := range s.Iters {
		res.Trajectory = append(res.Trajectory, EvalPoint{Iter: t + 1, Measured: measure(ar.MSE[t], q, se.Trajectory[t])})
	}
	res.Measured = res.Trajectory[s.Iters-1].Measured
	return res, nil
}

// evalShallow measures the shallow linear or MMSE decoder on the codes y
// of x against 1/(1 + snr) or mmse(snr), snr that of the shallow
// statistic for the encoder ensemble (THEORY.md 5, 7.1).
func evalShallow(s EvalSpec, ch prior.Channel, ens model.Ensemble, b, x, y *mat.Dense[float64]) (Measured, error) {
	var sh *model.Shallow
	var err error
	if s.Decoder == LinearFixed {
		sh, err = model.NewShallowLinear(b, ens)
	} else {
		sh, err = model.NewShallowMMSE(b, ch, ens)
	}
	if err != nil {
		return Measured{}, err
	}
	snr, err := theory.ShallowEncoderSNR(s.Encoder, s.Size.Rate())
	if err != nil {
		return Measured{}, err
	}
	pred := 1 / (1 + snr)
	if s.Decoder == MMSEDenoiser {
		if pred, err = prior.MMSE(ch, snr); err != nil {
			return Measured{}, err
		}
	}
	set := train.SignalSet{X: x, Y: y}
	return measured(model.SignalLosses(x, shallowDecode(sh, set), make([]float64, s.Samples)), pred), nil
}
