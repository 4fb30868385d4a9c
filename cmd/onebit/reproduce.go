package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/seed05b1c944/onebit/experiment"
)

func init() {
	register(command{name: "reproduce", summary: "run the experiments and write results/ (CSV, JSON, PNG, REPORT.md)", run: runReproduce})
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reproduce", stderr)
	scale := fs.String("scale", "small", "experiment size: small (built-in defaults, minutes) or paper (larger d)")
	out := fs.String("out", "results", "results directory")
	seed := fs.Uint64("seed", 1, "base random seed")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var sp experiment.SparsityConfig
	switch *scale {
	case "small":
		sp = experiment.SparsityDefaults()
	case "paper":
		sp = experiment.SparsityPaper()
	default:
		return usagef("flag -scale: %q, want small or paper", *scale)
	}
	if *out == "" {
		return usagef("flag -out: empty directory name")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var log io.Writer = stderr
	if *quiet {
		log = nil
	}
	sp.Seed, sp.OutDir, sp.Log = *seed, filepath.Join(*out, "sparsity"), log
	if *scale == "paper" {
		sp.OutDir = filepath.Join(*out, "paper", "sparsity")
	}
	fmt.Fprintf(stderr, "sparsity: linear decoder on BG(p), d = %d, %d points\n", sp.Dim, len(sp.Ps)*len(sp.Rates))
	pts, err := experiment.RunSparsity(ctx, sp)
	if err != nil {
		return err
	}
	if err := experiment.WriteSparsity(sp, pts); err != nil {
		return err
	}
	root := filepath.Dir(sp.OutDir)
	if err := experiment.AssembleReport(root); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", sp.OutDir, filepath.Join(root, "REPORT.md"))
	return nil
}
