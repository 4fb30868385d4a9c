package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

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
	shard := fs.String("shard", "", "run only shard i/N of the cells (default: from SLURM_ARRAY_TASK_* or JOB_COMPLETION_INDEX); onebit merge joins the shards")
	shards := fs.Int("shards", 0, "number of shards N of a Kubernetes Indexed Job (its completions; default $ONEBIT_SHARDS)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	o, err := runOptions(*scale, *out, *only, *seed, *workers, *quiet, stderr)
	if err != nil {
		return err
	}
	if o.Shard, err = shardOption(*shard, *shards); err != nil {
		return err
	}
	o.Info = experiment.RunInfo{Command: strings.TrimSpace("onebit reproduce " + strings.Join(args, " ")), Commit: commit(), Scale: o.Scale.String()}
	// Units run in parallel, one per worker; each GEMM then runs on one
	// thread (the two vCPUs here share one core's FMA units). This is the
	// process's setting, owned by the command, not by any experiment.
	kernel.SetThreads(1)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := experiment.Reproduce(ctx, o); err != nil {
		return err
	}
	if o.Shard.Count > 0 {
		fmt.Fprintf(stdout, "shard %v done under %s; run onebit merge when every shard is done\n", o.Shard, o.Root())
		return nil
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(o.Root(), "REPORT.md"))
	return nil
}

// runOptions builds the options shared by reproduce and merge from their flags.
func runOptions(scale, out, only string, seed uint64, workers int, quiet bool, stderr io.Writer) (experiment.ReproduceOptions, error) {
	o := experiment.ReproduceOptions{Out: out, Seed: seed, Only: strings.Split(only, ","), Banner: stderr, Workers: workers}
	var err error
	if o.Scale, err = experiment.ParseScale(scale); err != nil {
		return o, usagef("flag --scale: %v", err)
	}
	if out == "" {
		return o, usagef("flag --out: empty directory name")
	}
	if err := experiment.CheckNames(o.Only); err != nil {
		return o, usagef("flag --only: %v", err)
	}
	if workers < 1 {
		return o, usagef("flag --workers: %d, want >= 1", workers)
	}
	if !quiet {
		o.Log = stderr
	}
	return o, nil
}

// shardOption reads --shard, or the scheduler's variables when it is empty.
func shardOption(flagValue string, count int) (experiment.Shard, error) {
	if flagValue != "" {
		s, err := experiment.ParseShard(flagValue)
		if err != nil {
			return s, usagef("flag --shard: %v", err)
		}
		return s, nil
	}
	if count == 0 {
		if v := os.Getenv("ONEBIT_SHARDS"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return experiment.Shard{}, usagef("ONEBIT_SHARDS=%q: want a positive integer", v)
			}
			count = n
		}
	}
	if count < 0 {
		return experiment.Shard{}, usagef("flag --shards: %d, want >= 1", count)
	}
	s, _, err := experiment.ShardFromEnv(os.Getenv, count)
	if err != nil {
		return s, usagef("%v", err)
	}
	return s, nil
}

// commit names the code that produced a report: the last git commit that
// changed anything outside results/ (so committing results does not change
// the name of the code behind them), with "+dirty" for uncommitted changes
// outside results/; else the build's VCS revision; else "unknown".
func commit() string {
	if out, err := exec.Command("git", "log", "-1", "--format=%h", "--abbrev=12", "--", ".", ":!results").Output(); err == nil && len(out) > 0 {
		rev := strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!results").Output(); err == nil && len(st) > 0 {
			rev += "+dirty"
		}
		return rev
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value[:min(12, len(s.Value))]
			}
		}
	}
	return "unknown"
}
