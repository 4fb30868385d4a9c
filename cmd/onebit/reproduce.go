package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/experiment"
)

func init() {
	register(command{name: "reproduce", summary: "run the experiments and write results/ (CSV, JSON, PNG, REPORT.md)", run: runReproduce})
}

func runReproduce(args []string, stdout, stderr io.Writer) error {
	names := strings.Join(experiment.Names(), ",")
	fs := newFlagSet("reproduce", stderr)
	scale := fs.String("scale", "small", "experiment size: small (built-in defaults, minutes) or paper (larger d, into <out>/paper)")
	out := fs.String("out", "results", "results directory")
	seed := fs.Uint64("seed", 1, "base random seed")
	only := fs.String("only", names, "comma-separated experiments to run: "+strings.ReplaceAll(names, ",", ", "))
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "independent units run at once, each single-threaded (results do not depend on it)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o := experiment.ReproduceOptions{Out: *out, Seed: *seed, Only: strings.Split(*only, ","), Banner: stderr, Workers: *workers}
	var err error
	if o.Scale, err = experiment.ParseScale(*scale); err != nil {
		return usagef("flag --scale: %v", err)
	}
	if *out == "" {
		return usagef("flag --out: empty directory name")
	}
	if err := experiment.CheckNames(o.Only); err != nil {
		return usagef("flag --only: %v", err)
	}
	if *workers < 1 {
		return usagef("flag --workers: %d, want >= 1", *workers)
	}
	if !*quiet {
		o.Log = stderr
	}
	// Units run in parallel, one per worker; each GEMM then runs on one
	// thread (the two vCPUs here share one core's FMA units). This is the
	// process's setting, owned by the command, not by any experiment.
	kernel.SetThreads(1)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := experiment.Reproduce(ctx, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(o.Root(), "REPORT.md"))
	return nil
}
