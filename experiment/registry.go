package experiment

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// Run holds what every experiment config carries besides its own sizes:
// the base seed, the output directory and where progress goes. Configs
// embed it (last, so their JSON keeps its field order).
type Run struct {
	Seed   uint64
	OutDir string    // e.g. results/sparsity
	Log    io.Writer `json:"-"` // progress bar (nil: none)
	// Workers bounds how many independent units an experiment runs at once
	// (0: one). Results do not depend on it.
	Workers int `json:"-"`
}

func (r *Run) run() *Run { return r }

// Experiment is one entry of the registry: a name, a one-line summary and
// a way to run it at a scale and write its outputs (CSV, JSON, figures and
// its report.md fragment) under its own directory.
type Experiment struct {
	Name    string
	Summary string
	exec    func(ctx context.Context, scale Scale, base Run, banner io.Writer) error
}

// registry lists the experiments of `onebit reproduce` in report order.
// Adding an experiment is one file (its config, defaults, Run and Write)
// and one line here.
var registry = []Experiment{
	sparsityExperiment,
	decodersExperiment,
	learnedExperiment,
	encodersExperiment,
	layersExperiment,
	phaseExperiment,
}

// Experiments returns the registry (a copy), in report order.
func Experiments() []Experiment { return slices.Clone(registry) }

// Names returns the experiments' names in report order.
func Names() []string {
	var names []string
	for _, e := range registry {
		names = append(names, e.Name)
	}
	return names
}

// define builds a registry entry from an experiment's typed parts: its
// configs at each scale, a banner line, the run and the writer of its
// outputs. The config's Run fields are filled from base, with OutDir
// base.OutDir/name.
func define[C any, PC interface {
	*C
	run() *Run
}, R any](name, summary string, small, paper func() C, banner func(C) string, run func(context.Context, C) (R, error), write func(C, R) error) Experiment {
	return Experiment{Name: name, Summary: summary, exec: func(ctx context.Context, scale Scale, base Run, w io.Writer) error {
		c := small()
		if scale == Paper {
			c = paper()
		}
		r := PC(&c).run()
		r.Seed, r.OutDir, r.Log, r.Workers = base.Seed, filepath.Join(base.OutDir, name), base.Log, base.Workers
		fmt.Fprintf(w, "%s: %s\n", name, banner(c))
		res, err := run(ctx, c)
		if err != nil {
			return err
		}
		return write(c, res)
	}}
}

// ReproduceOptions selects what `onebit reproduce` runs.
type ReproduceOptions struct {
	Scale   Scale
	Out     string   // results directory; Paper writes under Out/paper
	Seed    uint64   // base seed
	Only    []string // experiment names (empty: all)
	Log     io.Writer
	Banner  io.Writer // one line per experiment as it starts
	Workers int
}

// Root is the directory the report of o is written to.
func (o ReproduceOptions) Root() string {
	if o.Scale == Paper {
		return filepath.Join(o.Out, "paper")
	}
	return o.Out
}

// CheckNames returns an error naming the first unknown experiment.
func CheckNames(names []string) error {
	all := Names()
	for _, n := range names {
		if !slices.Contains(all, n) {
			return fmt.Errorf("unknown experiment %q, want some of %s", n, strings.Join(all, ", "))
		}
	}
	return nil
}

// Reproduce runs the selected experiments in registry order and assembles
// Root()/REPORT.md from every fragment present.
func Reproduce(ctx context.Context, o ReproduceOptions) error {
	if err := CheckNames(o.Only); err != nil {
		return err
	}
	banner := o.Banner
	if banner == nil {
		banner = io.Discard
	}
	base := Run{Seed: o.Seed, OutDir: o.Root(), Log: o.Log, Workers: o.Workers}
	for _, e := range registry {
		if len(o.Only) > 0 && !slices.Contains(o.Only, e.Name) {
			continue
		}
		if err := e.exec(ctx, o.Scale, base, banner); err != nil {
			return err
		}
	}
	return AssembleReport(o.Root())
}
