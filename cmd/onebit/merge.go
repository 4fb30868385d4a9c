package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/seed05b1c944/onebit/experiment"
)

func init() {
	register(command{name: "merge", summary: "join the outputs of sharded reproduce runs into results/ and REPORT.md", run: runMerge})
}

func runMerge(args []string, stdout, stderr io.Writer) error {
	names := strings.Join(experiment.Names(), ",")
	fs := newFlagSet("merge", stderr)
	scale := fs.String("scale", "small", "the shards' --scale: small, paper or smoke")
	out := fs.String("out", "results", "results directory to write (may be one of the shard directories)")
	seed := fs.Uint64("seed", 1, "the shards' --seed")
	only := fs.String("only", names, "the shards' --only")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: onebit merge [flags] SHARD_DIR...   (each shard's --out directory)")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("want the shards' output directories: onebit merge [flags] DIR...")
	}
	o, err := runOptions(*scale, *out, *only, *seed, runtime.GOMAXPROCS(0), true, stderr)
	if err != nil {
		return err
	}
	o.Info = experiment.RunInfo{Command: strings.TrimSpace("onebit merge " + strings.Join(args, " ")), Commit: commit(), Scale: o.Scale.String()}
	if err := experiment.Merge(experiment.MergeOptions{ReproduceOptions: o, Dirs: dirs}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(o.Root(), "REPORT.md"))
	return nil
}
