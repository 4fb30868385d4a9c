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
	OutDir string    `json:"-"` // e.g. results/sparsity (not in the data files: they are the same wherever written)
	Log    io.Writer `json:"-"` // progress bar (nil: none)
	// Workers bounds how many independent units an experiment runs at once
	// (0: one). Results do not depend on it.
	Workers int `json:"-"`

	name string // the experiment's name, for messages
}

func (r *Run) run() *Run { return r }

// Experiment is one entry of the registry: a name, a one-line summary and
// closures over its typed parts (see define).
type Experiment struct {
	Name    string
	Summary string
	// cells lists the experiment's units at a scale, with costs comparable
	// across experiments.
	cells func(scale Scale, base Run) ([]Cell, error)
	// exec runs the experiment at a scale: with keep == nil and Compute it
	// computes what is not cached and writes the outputs; with keep it
	// computes only the kept cells (a shard); with Offline it writes the
	// outputs from cached cells only.
	exec func(ctx context.Context, scale Scale, base Run, keep func(string) bool, mode Mode, banner io.Writer) error
}

// registry lists the experiments of `onebit reproduce` in report order.
// Adding an experiment is one file (its config at each scale, its units,
// its writer, with a define call) and one line here.
var registry = []Experiment{
	sparsityExperiment,
	decodersExperiment,
	learnedExperiment,
	encodersExperiment,
	layersExperiment,
	jointExperiment,
	phaseExperiment,
	imagesExperiment,
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

// parts are the typed pieces of an experiment with config C, unit result
// U and assembled result R.
type parts[C any, U any, R any] struct {
	name, summary string
	// weight is the experiment's cost at the small scale in core-seconds
	// (measured), so that cells of different experiments compare.
	weight float64
	// config returns the config at a scale.
	config func(Scale) C
	banner func(C) string
	units  func(C) ([]unit[U], error)
	// assemble turns the units' results, in order, into what write takes.
	assemble func(C, []U) R
	write    func(C, R) error
	// claims, if set, lists the rows of the verdict table (verdict.go).
	claims func(C, R) []Claim
}

// define builds a registry entry from an experiment's typed parts. The
// config's Run fields are filled from base, with OutDir base.OutDir/name.
func define[C any, PC interface {
	*C
	run() *Run
}, U any, R any](p parts[C, U, R]) Experiment {
	setup := func(scale Scale, base Run) C {
		c := p.config(scale)
		r := PC(&c).run()
		r.Seed, r.OutDir, r.Log, r.Workers, r.name = base.Seed, filepath.Join(base.OutDir, p.name), base.Log, base.Workers, p.name
		return c
	}
	return Experiment{Name: p.name, Summary: p.summary,
		cells: func(scale Scale, base Run) ([]Cell, error) {
			us, err := p.units(setup(scale, base))
			if err != nil {
				return nil, err
			}
			var sum float64
			for _, u := range us {
				sum += max(u.cost, 1e-300)
			}
			cells := make([]Cell, len(us))
			for i, u := range us {
				cells[i] = Cell{Experiment: p.name, Key: u.key, Cost: p.weight * max(u.cost, 1e-300) / sum}
			}
			return cells, nil
		},
		exec: func(ctx context.Context, scale Scale, base Run, keep func(string) bool, mode Mode, w io.Writer) error {
			c := setup(scale, base)
			us, err := p.units(c)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s: %s\n", p.name, p.banner(c))
			res, err := runSelected(ctx, *PC(&c).run(), us, keep, mode)
			if err != nil || keep != nil {
				return err
			}
			r := p.assemble(c, res)
			if err := p.write(c, r); err != nil || p.claims == nil {
				return err
			}
			return writeClaims(PC(&c).run().OutDir, p.claims(c, r))
		}}
}

// same is the assemble of experiments whose results are the units' results.
func same[C any, U any](_ C, us []U) []U { return us }

// ReproduceOptions selects what `onebit reproduce` runs.
type ReproduceOptions struct {
	Scale   Scale
	Out     string   // results directory; Paper writes under Out/paper
	Seed    uint64   // base seed
	Only    []string // experiment names (empty: all)
	Log     io.Writer
	Banner  io.Writer // one line per experiment as it starts
	Workers int
	// Shard, if set (Count > 0), runs only this shard's cells and writes
	// no outputs; onebit merge assembles them.
	Shard Shard
	// Info is recorded in each section it writes (provenance.json) and
	// printed at the top of REPORT.md.
	Info RunInfo
}

// Root is the directory the report of o is written to.
func (o ReproduceOptions) Root() string {
	if o.Scale != Small {
		return filepath.Join(o.Out, o.Scale.String())
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

func (o ReproduceOptions) selected() ([]Experiment, error) {
	if err := CheckNames(o.Only); err != nil {
		return nil, err
	}
	var es []Experiment
	for _, e := range registry {
		if len(o.Only) == 0 || slices.Contains(o.Only, e.Name) {
			es = append(es, e)
		}
	}
	return es, nil
}

func (o ReproduceOptions) base() Run {
	return Run{Seed: o.Seed, OutDir: o.Root(), Log: o.Log, Workers: o.Workers}
}

func (o ReproduceOptions) banner() io.Writer {
	if o.Banner == nil {
		return io.Discard
	}
	return o.Banner
}

// Reproduce runs the selected experiments in registry order and assembles
// Root()/REPORT.md from every fragment present; with a shard, it runs only
// the shard's cells (see RunShard).
func Reproduce(ctx context.Context, o ReproduceOptions) error {
	if o.Shard.Count > 0 {
		return RunShard(ctx, o)
	}
	es, err := o.selected()
	if err != nil {
		return err
	}
	unlock, err := Lock(o.Root(), "run")
	if err != nil {
		return err
	}
	defer unlock()
	return o.writeAll(ctx, es, Compute)
}

// writeAll runs (Compute) or gathers from the caches (Offline) each of es,
// writes its outputs and records o.Info as their producer, then assembles
// REPORT.md: the end of both a whole run and a merge.
func (o ReproduceOptions) writeAll(ctx context.Context, es []Experiment, mode Mode) error {
	for _, e := range es {
		if err := e.exec(ctx, o.Scale, o.base(), nil, mode, o.banner()); err != nil {
			return err
		}
		if err := writeProvenance(filepath.Join(o.Root(), e.Name), o.Info); err != nil {
			return err
		}
	}
	return AssembleReport(o.Root())
}

// scaled returns the config function of an experiment from its configs at
// each scale.
func scaled[C any](small, paper, smoke func() C) func(Scale) C {
	return func(s Scale) C {
		switch s {
		case Paper:
			return paper()
		case Smoke:
			return smoke()
		}
		return small()
	}
}
