package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/seed05b1c944/onebit/experiment"
)

func init() {
	register(command{name: "reproduce", summary: "run the experiments and write results/ (CSV, JSON, PNG, REPORT.md)", run: runReproduce})
}

var experimentNames = []string{"sparsity", "decoders", "learned", "encoders", "layers"}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reproduce", stderr)
	scale := fs.String("scale", "small", "experiment size: small (built-in defaults, minutes) or paper (larger d, into <out>/paper)")
	out := fs.String("out", "results", "results directory")
	seed := fs.Uint64("seed", 1, "base random seed")
	only := fs.String("only", strings.Join(experimentNames, ","), "comma-separated experiments to run: "+strings.Join(experimentNames, ", "))
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *scale != "small" && *scale != "paper" {
		return usagef("flag -scale: %q, want small or paper", *scale)
	}
	if *out == "" {
		return usagef("flag -out: empty directory name")
	}
	run := map[string]bool{}
	for _, e := range strings.Split(*only, ",") {
		if !slices.Contains(experimentNames, e) {
			return usagef("flag -only: unknown experiment %q, want some of %s", e, strings.Join(experimentNames, ", "))
		}
		run[e] = true
	}
	root := *out
	if *scale == "paper" {
		root = filepath.Join(*out, "paper")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var log io.Writer = stderr
	if *quiet {
		log = nil
	}
	if run["sparsity"] {
		c := experiment.SparsityDefaults()
		if *scale == "paper" {
			c = experiment.SparsityPaper()
		}
		c.Seed, c.OutDir, c.Log = *seed, filepath.Join(root, "sparsity"), log
		fmt.Fprintf(stderr, "sparsity: linear decoder on BG(p), d = %d, %d points\n", c.Dim, len(c.Ps)*len(c.Rates))
		pts, err := experiment.RunSparsity(ctx, c)
		if err != nil {
			return err
		}
		if err := experiment.WriteSparsity(c, pts); err != nil {
			return err
		}
	}
	if run["decoders"] {
		c := experiment.DecodersDefaults()
		if *scale == "paper" {
			c = experiment.DecodersPaper()
		}
		c.Seed, c.OutDir, c.Log = *seed, filepath.Join(root, "decoders"), log
		fmt.Fprintf(stderr, "decoders: linear, denoiser and VAMP decoders, Haar encoder, d = %d, %d points\n", c.Dim, len(c.Priors)*len(c.Rates))
		pts, err := experiment.RunDecoders(ctx, c)
		if err != nil {
			return err
		}
		if err := experiment.WriteDecoders(c, pts); err != nil {
			return err
		}
	}
	if run["learned"] {
		c := experiment.LearnedDefaults()
		c.Seed, c.OutDir, c.Log = *seed, filepath.Join(root, "learned"), log
		if *scale == "paper" {
			c.Dim, c.TestSignals, c.Steps, c.Layers = 1000, 2048, 300, []int{2, 5, 10}
		}
		fmt.Fprintf(stderr, "learned: spline denoiser and unrolled VAMP against the fixed decoders, %s, d = %d, %d rates\n", c.Prior, c.Dim, len(c.Rates))
		pts, err := experiment.RunLearned(ctx, c)
		if err != nil {
			return err
		}
		if err := experiment.WriteLearned(c, pts); err != nil {
			return err
		}
	}
	if run["encoders"] {
		c := experiment.EncodersDefaults()
		c.Seed, c.OutDir, c.Log = *seed, filepath.Join(root, "encoders"), log
		if *scale == "paper" {
			c.Dims, c.TestSignals = []int{200, 400, 800}, 4000
		}
		fmt.Fprintf(stderr, "encoders: Haar vs trained encoders under linear and denoising decoders, %s, r = %g, d in %v\n", c.Prior, c.Rate, c.Dims)
		rows, err := experiment.RunEncoders(ctx, c)
		if err != nil {
			return err
		}
		if err := experiment.WriteEncoders(c, rows); err != nil {
			return err
		}
	}
	if run["layers"] {
		c := experiment.LayersDefaults()
		c.Seed, c.OutDir, c.Log = *seed, filepath.Join(root, "layers"), log
		if *scale == "paper" {
			c.Signals = 256
		}
		fmt.Fprintf(stderr, "layers: per-layer MSE of VAMP and GAMP against state evolution, d = %d, %d cases\n", c.Dim, len(c.Cases))
		rs, err := experiment.RunLayers(ctx, c)
		if err != nil {
			return err
		}
		if err := experiment.WriteLayers(c, rs); err != nil {
			return err
		}
	}
	if err := experiment.AssembleReport(root); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(root, "REPORT.md"))
	return nil
}
