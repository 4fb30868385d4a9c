package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/data"
	"github.com/seed05b1c944/onebit/experiment"
	"github.com/seed05b1c944/onebit/internal/progress"
)

func init() {
	register(command{name: "train", summary: "train x_hat = A sign(Bx) and compare its loss with the prediction", run: runTrain})
}

// trainFlags are the flags of onebit train, as parsed.
type trainFlags struct {
	prior, trainer, encoder, decoder string
	start, denoiser                  string
	untied                           bool
	rate, lr                         float64
	dim, steps, batch, samples       int
	layers, decSteps                 int
	seed                             uint64
	tanh, json, quiet                bool
	data, domain                     string
	trainImages, testImages          int
}

func (f *trainFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.prior, "prior", "gaussian", "data prior: gaussian, bg:P or sr:P with P in (0, 1]")
	fs.Float64Var(&f.rate, "rate", 0.5, "rate r = n/d in bits per coordinate, r > 0")
	fs.IntVar(&f.dim, "dim", 256, "signal dimension d >= 2")
	fs.StringVar(&f.trainer, "trainer", "population", "population (exact GD; gaussian and bg priors), sgd (Adam, straight-through; any prior) or joint (Adam on encoder and decoder together, float64; always used for --encoder learned with a nonlinear decoder)")
	fs.IntVar(&f.steps, "steps", 0, "training steps (0: the trainer's default: 400 population, 3000 sgd, 2000 joint)")
	fs.Float64Var(&f.lr, "lr", 0, "sgd, joint: Adam step size (0: 3e-3 sgd; joint 1e-3 for the matrices, 1e-4 with the unrolled decoder)")
	fs.IntVar(&f.batch, "batch", 0, "sgd, joint: signals per step (0: 256 sgd, 64 joint)")
	fs.BoolVar(&f.tanh, "tanh", false, "sgd, joint: annealed tanh surrogate instead of straight-through")
	fs.StringVar(&f.start, "start", "haar", "joint: start from haar rows (a Haar frame for r > 1), random rows, or linear (the jointly trained linear autoencoder)")
	fs.StringVar(&f.denoiser, "denoiser", "spline", "joint, denoiser decoder: spline (16 knots) or soft (soft threshold with learned scale and threshold)")
	fs.BoolVar(&f.untied, "untied", false, "joint, unrolled decoder: the layers learn their own matrix (initialised at the encoder) instead of using it")
	fs.IntVar(&f.samples, "samples", 20000, "fresh signals for the measured loss, >= 2")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed")
	fs.StringVar(&f.encoder, "encoder", "", "learned (trained by --trainer; jointly with a nonlinear decoder) or haar (fixed orthonormal rows, no encoder training; r <= 1); default learned for the linear decoder, haar for the others")
	fs.StringVar(&f.decoder, "decoder", "linear", "linear, denoiser (learned denoiser on A s; any r when trained jointly) or unrolled (learned unrolled VAMP; r <= 1)")
	fs.IntVar(&f.layers, "layers", 5, "unrolled: layers T >= 1")
	fs.IntVar(&f.decSteps, "decoder-steps", 100, "unrolled: Adam steps of the decoder factors, >= 1")
	fs.StringVar(&f.data, "data", "", "real images instead of --prior: mnist, fashion[:DIR] or cifar:DIR (decoders use the data's own prior). "+
		"--encoder haar (default) or learned: x_hat = A sign(Bx) trained by Adam (straight-through) on minibatches of the whitened training images "+
		"from the Haar rows, --steps (0: 3000), --batch (0: 256), --lr (0: 1e-3); its linear decoder is the trained A, "+
		"while denoiser and unrolled (VAMP, not learned) run on the polar factor of the trained B, as for priors")
	fs.StringVar(&f.domain, "domain", "pca", "with --data: pca (whitened principal components, --dim 0 means 256) or zca (ZCA whitening, every pixel)")
	fs.IntVar(&f.trainImages, "train-images", 10000, "with --data: training images fitting the whitening and the prior")
	fs.IntVar(&f.testImages, "test-images", 1000, "with --data: test images measured")
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bar")
}

// spec builds the validated run spec; errors name the flag.
func (f *trainFlags) spec() (experiment.TrainSpec, error) {
	var s experiment.TrainSpec
	p, err := prior.Parse(f.prior)
	if err != nil {
		return s, usagef("flag --prior: %v", err)
	}
	size, err := experiment.NewSize(f.rate, f.dim)
	if err != nil {
		return s, err
	}
	s = experiment.TrainSpec{Prior: p, Size: size, Steps: f.steps, LR: f.lr, Batch: f.batch, Tanh: f.tanh,
		Samples: f.samples, Seed: f.seed, Layers: f.layers, DecoderSteps: f.decSteps, Denoiser: f.denoiser, Untied: f.untied}
	if s.Start, err = experiment.ParseJointStart(f.start); err != nil {
		return s, usagef("flag --start: %v", err)
	}
	if s.Trainer, err = experiment.ParseTrainer(f.trainer); err != nil {
		return s, usagef("flag --trainer: %v", err)
	}
	if s.Decoder, err = experiment.ParseDecoder(f.decoder); err != nil {
		return s, usagef("flag --decoder: %v", err)
	}
	switch {
	case f.encoder != "":
		if s.Encoder, err = experiment.ParseEncoder(f.encoder); err != nil {
			return s, usagef("flag --encoder: %v", err)
		}
	case s.Decoder.Nonlinear():
		s.Encoder = experiment.Haar // the nonlinear decoders' predictions are for a Haar encoder
	}
	return s, s.Validate()
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	var f trainFlags
	fs := newFlagSet("train", stderr)
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.data != "" {
		dimSet := false
		fs.Visit(func(fl *flag.Flag) { dimSet = dimSet || fl.Name == "dim" })
		return runTrainImages(f, dimSet, stdout)
	}
	spec, err := f.spec()
	if err != nil {
		return err
	}
	var notApplicable error
	fs.Visit(func(fl *flag.Flag) {
		if err := spec.Applies(fl.Name); err != nil && notApplicable == nil {
			notApplicable = err
		}
	})
	if notApplicable != nil {
		return notApplicable
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !f.quiet {
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
	if f.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	printTrain(stdout, spec, res)
	return nil
}

// printTrain writes the human-readable result of onebit train.
func printTrain(w io.Writer, spec experiment.TrainSpec, res experiment.TrainResult) {
	fmt.Fprintf(w, "prior %s, r = %.4g (n = %d), d = %d, %s trainer, %d steps, seed %d\n", res.Prior, res.Rate, res.Bits, res.Dim, res.Trainer, res.Steps, res.Seed)
	for _, l := range res.Trajectory {
		fmt.Fprintf(w, "layer %3d   %.5f ± %.5f   (VAMP state evolution %.5f)\n", l.Layer, l.Loss, l.StdErr, l.Prediction)
	}
	nonlinear := res.Decoder.Nonlinear()
	if nonlinear && res.LinearLoss != 0 {
		fmt.Fprintf(w, "%s decoder; linear decoder on the same encoder: %.5f\n", res.Decoder, res.LinearLoss)
	}
	if res.Trainer == experiment.Joint {
		fmt.Fprintf(w, "%s decoder trained jointly with its encoder (from %s rows, early stopping kept the step-%d network of %d)\n",
			res.Decoder, spec.Start, res.Curve.Steps[bestIndex(res.Curve.Loss)], res.Steps)
	}
	fmt.Fprintf(w, "loss        %.5f ± %.5f (measured on %d fresh signals)\n", res.Loss, res.StdErr, spec.Samples)
	fmt.Fprintf(w, "encoder     identity-ness %.3f, participation ratio %.2f, distinct argmax columns %d (docs/THEORY.md 4.3)\n", res.Identity, res.Participation, res.Distinct)
	note := "(d -> infinity, docs/THEORY.md 1)"
	switch {
	case res.Decoder == experiment.Denoiser && res.Conjecture:
		note = "(d -> infinity, candidate for a tight frame: mmse(2r/(pi-2)), docs/THEORY.md 5 with 1(b); not a theorem)"
	case res.Decoder == experiment.Denoiser:
		note = "(d -> infinity, Haar shallow + MMSE denoiser, docs/THEORY.md 5)"
	case res.Decoder == experiment.Unrolled:
		note = fmt.Sprintf("(d -> infinity, VAMP state evolution at T = %d, docs/THEORY.md 7.2)", res.Layers)
	case res.Conjecture:
		note = "(tight-frame value for r > 1: a conjecture checked numerically, not a theorem)"
	}
	fmt.Fprintf(w, "prediction  %.5f %s\n", res.Prediction, note)
	fmt.Fprintf(w, "gap         %+.5f = %+.1f se\n", res.Loss-res.Prediction, res.GapSE)
	if _, ok := spec.Prior.(prior.SparseRademacher); ok && !nonlinear {
		fmt.Fprintln(w, "note        for SR(p) the linear decoder's best encoder need not be a rotation: identity-like and block\n"+
			"            encoders can beat 1 - 2r/pi, and training may end between them (docs/THEORY.md 4; onebit theory phase)")
	}
	if nonlinear {
		fmt.Fprintf(w, "finite d    positive O(1/d) offsets are expected: docs/THEORY.md 10 measures about 5.5-7/d for BG(0.1) (%.4f at d = %d)\n",
			6.0/float64(res.Dim), res.Dim)
	}
	if nonlinear && res.Encoder != experiment.Haar && res.Trainer != experiment.Joint {
		fmt.Fprintln(w, "note        the prediction is for a Haar encoder; an encoder trained for the linear decoder need not\n"+
			"            suit a nonlinear one (the population-GD encoder loses most of the denoiser gain: results/encoders);\n"+
			"            use --encoder haar to compare with theory")
	}
	if res.FiniteDHaar != 0 && res.Kurtosis != 0 && !nonlinear {
		fmt.Fprintf(w, "finite d    %.5f (flat rows) .. %.5f (Haar rows); trained rows S4 d = %.2f give %.5f (docs/THEORY.md 3)\n",
			res.FiniteDFlat, res.FiniteDHaar, res.S4*float64(res.Dim), res.EdgeworthS4)
	}
}

// imageSpec builds the spec of onebit train --data; errors name the flag.
func (f *trainFlags) imageSpec(dimSet bool) (experiment.ImageSpec, error) {
	var s experiment.ImageSpec
	src, err := data.ParseSource(f.data)
	if err != nil {
		return s, usagef("flag --data: %v", err)
	}
	dom, err := data.ParseDomain(f.domain)
	if err != nil {
		return s, usagef("flag --domain: %v", err)
	}
	s = experiment.ImageSpec{Source: src, Domain: dom, Rate: f.rate, Train: f.trainImages, Test: f.testImages, Layers: f.layers, Seed: f.seed, Encoder: experiment.Haar,
		Training: experiment.ImageTraining{Steps: f.steps, Batch: f.batch, LR: f.lr}}
	if dimSet {
		s.Dim = f.dim
	}
	if s.Decoder, err = experiment.ParseDecoder(f.decoder); err != nil {
		return s, usagef("flag --decoder: %v", err)
	}
	if f.encoder != "" {
		if s.Encoder, err = experiment.ParseEncoder(f.encoder); err != nil {
			return s, usagef("flag --encoder: %v", err)
		}
	}
	return s, s.Validate()
}

func runTrainImages(f trainFlags, dimSet bool, stdout io.Writer) error {
	spec, err := f.imageSpec(dimSet)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := experiment.TrainImages(ctx, spec)
	if err != nil {
		return err
	}
	if f.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	enc := "Haar encoder"
	if spec.Encoder == experiment.Learned {
		enc = fmt.Sprintf("encoder trained from Haar rows (%d Adam steps on the training images", res.Steps)
		if res.Decoder.Nonlinear() {
			enc += "; the decoder runs on its polar factor"
		}
		enc += ")"
	}
	fmt.Fprintf(stdout, "data %s, %s domain, r = %.4g (n = %d), d = %d, %s, %s decoder, seed %d\n", spec.Source, spec.Domain, res.Rate, res.Bits, res.Dim, enc, res.Decoder, res.Seed)
	fmt.Fprintf(stdout, "prior       %s: the empirical marginal of %d whitened training images (pooled excess kurtosis %.3g)\n", res.Prior, spec.Train, res.Kurtosis)
	fmt.Fprintf(stdout, "loss        %.5f ± %.5f (||x - x_hat||^2/||x||^2 on %d test images)\n", res.Loss, res.StdErr, spec.Test)
	fmt.Fprintf(stdout, "prediction  %.5f (d -> infinity, for i.i.d. coordinates from the data's prior)\n", res.Prediction)
	fmt.Fprintf(stdout, "gap         %+.5f = %+.1f se\n", res.Loss-res.Prediction, res.GapSE)
	return nil
}

// bestIndex is the index of the smallest value (the network early stopping kept).
func bestIndex(v []float64) int {
	b := 0
	for i, x := range v {
		if x < v[b] {
			b = i
		}
	}
	return b
}
