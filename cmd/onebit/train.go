package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/experiment"
	"github.com/seed05b1c944/onebit/internal/progress"
)

func init() {
	register(command{name: "train", summary: "train x_hat = A sign(Bx) and compare its loss with the prediction", run: runTrain})
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", stderr)
	priorFlag := fs.String("prior", "gaussian", "data prior: gaussian, bg:P or sr:P with P in (0, 1]")
	rate := fs.Float64("rate", 0.5, "rate r = n/d in bits per coordinate, r > 0")
	dim := fs.Int("dim", 256, "signal dimension d >= 2")
	trainer := fs.String("trainer", "population", "population (exact GD; gaussian and bg priors) or sgd (Adam, straight-through; any prior)")
	steps := fs.Int("steps", 0, "training steps (0: the trainer's default: 400 population, 3000 sgd)")
	lr := fs.Float64("lr", 0, "sgd: Adam step size (0: 3e-3)")
	batch := fs.Int("batch", 0, "sgd: signals per step (0: 256)")
	tanh := fs.Bool("tanh", false, "sgd: annealed tanh surrogate instead of straight-through")
	samples := fs.Int("samples", 20000, "fresh signals for the measured loss, >= 2")
	seed := fs.Uint64("seed", 1, "random seed")
	encoder := fs.String("encoder", "", "learned (trained by -trainer) or haar (fixed orthonormal rows, no encoder training; r <= 1); default learned for the linear decoder, haar for the others")
	decoder := fs.String("decoder", "linear", "linear, denoiser (learned spline on A s) or unrolled (learned unrolled VAMP; r <= 1)")
	layers := fs.Int("layers", 5, "unrolled: layers T >= 1")
	decSteps := fs.Int("decoder-steps", 100, "unrolled: Adam steps of the decoder factors, >= 1")
	asJSON := fs.Bool("json", false, "print one JSON object")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	p, err := prior.Parse(*priorFlag)
	if err != nil {
		return usagef("flag -prior: %v", err)
	}
	if err := checkShape(p, *rate, *dim, *samples); err != nil {
		return err
	}
	switch {
	case *trainer != "population" && *trainer != "sgd":
		return usagef("flag -trainer: %q, want population or sgd", *trainer)
	case *steps < 0:
		return usagef("flag -steps: %d, want >= 0", *steps)
	case *lr < 0 || math.IsNaN(*lr):
		return usagef("flag -lr: %v, want >= 0", *lr)
	case *batch < 0:
		return usagef("flag -batch: %d, want >= 0", *batch)
	case *encoder != "" && *encoder != "learned" && *encoder != "haar":
		return usagef("flag -encoder: %q, want learned or haar", *encoder)
	case *decoder != "linear" && *decoder != "denoiser" && *decoder != "unrolled":
		return usagef("flag -decoder: %q, want linear, denoiser or unrolled", *decoder)
	case *layers < 1:
		return usagef("flag -layers: %d, want T >= 1", *layers)
	case *decSteps < 1:
		return usagef("flag -decoder-steps: %d, want >= 1", *decSteps)
	case *encoder == "haar" && experiment.Bits(*rate, *dim) > *dim && *decoder == "linear":
		return usagef("flag -rate: %v > 1; the haar encoder needs r <= 1", *rate)
	case *decoder != "linear" && experiment.Bits(*rate, *dim) > *dim:
		return usagef("flag -rate: %v > 1; the %s decoder needs r <= 1", *rate, *decoder)
	}
	if *encoder == "" {
		*encoder = "learned"
		if *decoder != "linear" {
			*encoder = "haar" // the nonlinear decoders' predictions are for a Haar encoder
		}
	}
	if *trainer == "population" && *encoder == "learned" {
		if _, ok := p.(prior.SparseRademacher); ok {
			return usagef("flag -trainer: population needs a gaussian or bg prior (x is Gaussian given its support); use -trainer sgd for %s", p.Name())
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	spec := experiment.TrainSpec{Prior: p, Rate: *rate, Dim: *dim, Trainer: *trainer, Steps: *steps,
		LR: *lr, Batch: *batch, Tanh: *tanh, Samples: *samples, Seed: *seed,
		Encoder: *encoder, Decoder: *decoder, Layers: *layers, DecoderSteps: *decSteps}
	if !*quiet {
		bar := progress.New(stderr, 1)
		defer bar.Finish()
		spec.Progress = func(step, total int, loss float64) {
			bar.Set(float64(step)/float64(total), fmt.Sprintf("step %d/%d loss %.4f", step, total, loss))
		}
	}
	res, err := experiment.Train(ctx, spec)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "prior %s, r = %.4g (n = %d), d = %d, %s trainer, %d steps, seed %d\n", res.Prior, res.Rate, res.Bits, res.Dim, res.Trainer, res.Steps, res.Seed)
	for _, l := range res.Trajectory {
		fmt.Fprintf(stdout, "layer %3d   %.5f ± %.5f   (VAMP state evolution %.5f)\n", l.Layer, l.Loss, l.StdErr, l.Prediction)
	}
	if res.Decoder != "" {
		fmt.Fprintf(stdout, "%s decoder; linear decoder on the same encoder: %.5f\n", res.Decoder, res.LinearLoss)
	}
	fmt.Fprintf(stdout, "loss        %.5f ± %.5f (measured on %d fresh signals)\n", res.Loss, res.StdErr, *samples)
	note := "(d -> infinity, THEORY.md 1)"
	if res.Conjecture {
		note = "(tight-frame value for r > 1: a conjecture checked numerically, not a theorem)"
	}
	switch res.Decoder {
	case "denoiser":
		note = "(d -> infinity, Haar shallow + MMSE denoiser, THEORY.md 5)"
	case "unrolled":
		note = fmt.Sprintf("(d -> infinity, VAMP state evolution at T = %d, THEORY.md 7.2)", res.Layers)
	}
	fmt.Fprintf(stdout, "prediction  %.5f %s\n", res.Prediction, note)
	fmt.Fprintf(stdout, "gap         %+.5f = %+.1f se\n", res.Loss-res.Prediction, res.GapSE)
	if _, ok := p.(prior.SparseRademacher); ok && (res.Decoder == "" || res.Decoder == "linear") {
		fmt.Fprintln(stdout, "note        for SR(p) the linear decoder's best encoder need not be a rotation: identity-like and block\n"+
			"            encoders can beat 1 - 2r/pi, and training may end between them (THEORY.md 4; onebit theory phase)")
	}
	if res.Decoder != "" && res.Decoder != "linear" {
		fmt.Fprintf(stdout, "finite d    positive O(1/d) offsets are expected: THEORY.md 10 measures about 5.5-7/d for BG(0.1) (%.4f at d = %d)\n",
			6.0/float64(res.Dim), res.Dim)
	}
	if res.Decoder != "" && res.Decoder != "linear" && res.Encoder != "haar" {
		fmt.Fprintln(stdout, "note        the prediction is for a Haar encoder; an encoder trained for the linear decoder need not\n"+
			"            suit a nonlinear one (the population-GD encoder loses most of the denoiser gain: results/encoders);\n"+
			"            use -encoder haar to compare with theory")
	}
	if res.FiniteDHaar != 0 && res.Kurtosis != 0 && res.Decoder == "" {
		fmt.Fprintf(stdout, "finite d    %.5f (flat rows) .. %.5f (Haar rows); trained rows S4 d = %.2f give %.5f (THEORY.md 3)\n",
			res.FiniteDFlat, res.FiniteDHaar, res.S4*float64(res.Dim), res.EdgeworthS4)
	}
	return nil
}
