package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/experiment"
	"github.com/seed05b1c944/onebit/theory"
)

func init() {
	register(command{name: "eval", summary: "measure a fixed decoder (linear, denoiser, gamp, vamp) on a random encoder against theory", run: runEval})
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	priorFlag := fs.String("prior", "bg:0.1", "data prior: gaussian, bg:P or sr:P with P in (0, 1]")
	rate := fs.Float64("rate", 1, "rate r = n/d, r > 0 (r <= 1 for the haar encoder)")
	dim := fs.Int("dim", 500, "signal dimension d >= 2")
	encFlag := fs.String("encoder", "haar", "haar (orthonormal rows) or gaussian (i.i.d. N(0, 1/d))")
	decFlag := fs.String("decoder", "denoiser", "linear, denoiser (shallow + MMSE denoiser), gamp (gaussian encoder) or vamp (haar encoder)")
	iters := fs.Int("iters", 10, "iterations T of gamp/vamp, >= 1")
	samples := fs.Int("samples", 400, "fresh signals, >= 2")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	quiet := fs.Bool("quiet", false, "no stage lines on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	spec := experiment.EvalSpec{Iters: *iters, Samples: *samples, Seed: *seed, Log: stderr}
	if *quiet {
		spec.Log = nil
	}
	var err error
	if spec.Prior, err = prior.Parse(*priorFlag); err != nil {
		return usagef("flag --prior: %v", err)
	}
	if spec.Encoder, err = theory.ParseEncoder(*encFlag); err != nil {
		return usagef("flag --encoder: %v", err)
	}
	if spec.Decoder, err = experiment.ParseFixedDecoder(*decFlag); err != nil {
		return usagef("flag --decoder: %v", err)
	}
	if spec.Size, err = experiment.NewSize(*rate, *dim); err != nil {
		return err
	}
	res, err := experiment.Eval(spec)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "prior %s, r = %.4g (n = %d), d = %d, %s encoder, %s decoder, %d signals, seed %d\n",
		res.Prior, res.Rate, res.Bits, res.Dim, res.Encoder, res.Decoder, res.Samples, res.Seed)
	for _, pt := range res.Trajectory {
		fmt.Fprintf(stdout, "iter %3d    %.5f ± %.5f   (state evolution %.5f)\n", pt.Iter, pt.Loss, pt.StdErr, pt.Prediction)
	}
	fmt.Fprintf(stdout, "loss        %.5f ± %.5f\nprediction  %.5f (d -> infinity)\n", res.Loss, res.StdErr, res.Prediction)
	return nil
}
