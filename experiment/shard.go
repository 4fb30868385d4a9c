package experiment

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seed05b1c944/onebit/internal/output"
)

// Shard is one share of a sharded run: cells assigned (by Assign) to
// Index in [0, Count).
type Shard struct {
	Index, Count int
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ParseShard reads "i/N" with 0 <= i < N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want i/N with 0 <= i < N", s)
	}
	return Shard{i, n}, nil
}

// ShardFromEnv derives the shard from a scheduler's variables: a Slurm job
// array (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or with
// SLURM_ARRAY_TASK_MIN and _MAX; the index counts from the array's first
// task) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the number
// of completions given as count, since Kubernetes does not export it). It
// returns ok == false when neither scheduler is present.
func ShardFromEnv(getenv func(string) string, count int) (s Shard, ok bool, err error) {
	if id := getenv("SLURM_ARRAY_TASK_ID"); id != "" {
		return slurmShard(getenv, id)
	}
	if idx := getenv("JOB_COMPLETION_INDEX"); idx != "" {
		i, err := strconv.Atoi(idx)
		if err != nil {
			return s, true, fmt.Errorf("JOB_COMPLETION_INDEX=%q is not an integer", idx)
		}
		if count < 1 {
			return s, true, fmt.Errorf("JOB_COMPLETION_INDEX=%d is set but the job's completions are not: pass --shards N (or ONEBIT_SHARDS=N)", i)
		}
		s, err = ParseShard(fmt.Sprintf("%d/%d", i, count))
		return s, true, err
	}
	return s, false, nil
}

func slurmShard(getenv func(string) string, id string) (Shard, bool, error) {
	num := func(name string) (int, error) {
		v, err := strconv.Atoi(getenv(name))
		if err != nil {
			return 0, fmt.Errorf("%s=%q is not an integer", name, getenv(name))
		}
		return v, nil
	}
	task, err := num("SLURM_ARRAY_TASK_ID")
	if err != nil {
		return Shard{}, true, err
	}
	lo, err := num("SLURM_ARRAY_TASK_MIN")
	if err != nil {
		return Shard{}, true, err
	}
	n, err := num("SLURM_ARRAY_TASK_COUNT")
	if err != nil {
		hi, herr := num("SLURM_ARRAY_TASK_MAX")
		if herr != nil {
			return Shard{}, true, fmt.Errorf("slurm array: neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is set")
		}
		n = hi - lo + 1
	}
	s, err := ParseShard(fmt.Sprintf("%d/%d", task-lo, n))
	if err != nil {
		err = fmt.Errorf("slurm array task %d of %d starting at %d: %w (use a contiguous --array range)", task, n, lo, err)
	}
	return s, true, err
}

// plan lists the cells of the selected experiments.
func (o ReproduceOptions) plan() ([]Experiment, []Cell, error) {
	es, err := o.selected()
	if err != nil {
		return nil, nil, err
	}
	var cells []Cell
	for _, e := range es {
		cs, err := e.cells(o.Scale, o.base())
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		cells = append(cells, cs...)
	}
	return es, cells, nil
}

// manifest records what a shard was asked to run; onebit merge reads it.
type manifest struct {
	Shard    Shard     `json:"-"`
	Index    int       `json:"index"`
	Count    int       `json:"count"`
	Scale    string    `json:"scale"`
	Seed     uint64    `json:"seed"`
	Only     []string  `json:"only,omitempty"`
	Build    string    `json:"build"`
	Cells    []string  `json:"cells"`
	Finished time.Time `json:"finished"`
}

func manifestPath(root string, s Shard) string {
	return filepath.Join(root, "shards", fmt.Sprintf("shard-%d-of-%d.json", s.Index, s.Count))
}

// RunShard computes the cells that Assign gives to o.Shard, into the same
// per-experiment caches a whole run uses, and records them in
// Root()/shards/shard-i-of-N.json. A restarted shard resumes from the
// cache and never computes a cell twice.
func RunShard(ctx context.Context, o ReproduceOptions) error {
	es, cells, err := o.plan()
	if err != nil {
		return err
	}
	unlock, err := Lock(filepath.Join(o.Root(), "shards"), fmt.Sprintf("shard-%d-of-%d", o.Shard.Index, o.Shard.Count))
	if err != nil {
		return err
	}
	defer unlock()
	owner := Assign(cells, o.Shard.Count)
	mine := map[string]bool{}
	m := manifest{Index: o.Shard.Index, Count: o.Shard.Count, Scale: o.Scale.String(), Seed: o.Seed, Only: o.Only, Build: buildID()}
	for _, c := range cells {
		if owner[c.ID()] == o.Shard.Index {
			mine[c.ID()] = true
			m.Cells = append(m.Cells, c.ID())
		}
	}
	fmt.Fprintf(o.banner(), "shard %v: %d of %d cells\n", o.Shard, len(m.Cells), len(cells))
	for _, e := range es {
		keep := func(key string) bool { return mine[e.Name+"/"+key] }
		if err := e.exec(ctx, o.Scale, o.base(), keep, Compute, o.banner()); err != nil {
			return err
		}
	}
	m.Finished = time.Now().UTC()
	return output.WriteJSON(manifestPath(o.Root(), o.Shard), m)
}

// MergeOptions are the options of onebit merge: the run's options (Out is
// where the merged results go) and the shard output directories.
type MergeOptions struct {
	ReproduceOptions
	Dirs []string // each shard's --out directory
}

// Merge gathers the cells of every shard under Dirs into the caches under
// o.Root(), then writes every selected experiment's outputs and REPORT.md
// as a whole run would (same bits). Missing cells are an error that names
// each cell's shard; nothing is written then.
func Merge(o MergeOptions) error {
	es, cells, err := o.plan()
	if err != nil {
		return err
	}
	count, err := shardCount(o)
	if err != nil {
		return err
	}
	unlock, err := Lock(o.Root(), "run")
	if err != nil {
		return err
	}
	defer unlock()
	owner := Assign(cells, count)
	var missing []string
	for _, c := range cells {
		found, err := gatherCell(o, c)
		if err != nil {
			return err
		}
		if !found {
			missing = append(missing, fmt.Sprintf("%s (shard %d/%d)", c.ID(), owner[c.ID()], count))
		}
	}
	if len(missing) > 0 {
		return missingCells(missing, count)
	}
	return o.writeAll(context.Background(), es, Offline)
}

// missingCells reports missing cells grouped by the shard that owns them.
func missingCells(missing []string, count int) error {
	byShard := map[string]int{}
	for _, m := range missing {
		byShard[m[strings.LastIndex(m, "(shard ")+7:len(m)-1]]++
	}
	var shards []string
	for s, k := range byShard {
		shards = append(shards, fmt.Sprintf("shard %s: %d cells", s, k))
	}
	sort.Strings(shards)
	show := missing[:min(len(missing), 10)]
	more := ""
	if len(missing) > len(show) {
		more = fmt.Sprintf("\n  ... and %d more", len(missing)-len(show))
	}
	return fmt.Errorf("merge: %d of the run's cells are missing (%s); rerun those shards with the same command, then merge again:\n  %s%s",
		len(missing), strings.Join(shards, ", "), strings.Join(show, "\n  "), more)
}

// shardCount reads the shard count N from the manifests under the
// directories; all must agree.
func shardCount(o MergeOptions) (int, error) {
	count := 0
	for _, d := range o.Dirs {
		root := ReproduceOptions{Scale: o.Scale, Out: d}.Root()
		files, _ := filepath.Glob(filepath.Join(root, "shards", "shard-*-of-*.json"))
		for _, f := range files {
			var m manifest
			if err := output.ReadJSON(f, &m); err != nil {
				return 0, fmt.Errorf("merge: %s: %w", f, err)
			}
			if m.Scale != o.Scale.String() || m.Seed != o.Seed || !slices.Equal(m.Only, o.Only) {
				return 0, fmt.Errorf("merge: %s was run with --scale %s --seed %d --only %q, not the merge's --scale %v --seed %d --only %q",
					f, m.Scale, m.Seed, strings.Join(m.Only, ","), o.Scale, o.Seed, strings.Join(o.Only, ","))
			}
			if count != 0 && m.Count != count {
				return 0, fmt.Errorf("merge: %s is shard %d of %d, others are of %d", f, m.Index, m.Count, count)
			}
			count = m.Count
		}
	}
	if count == 0 {
		return 0, fmt.Errorf("merge: no shard manifest (shards/shard-i-of-N.json) under %s; did the shards finish?", strings.Join(o.Dirs, ", "))
	}
	return count, nil
}

// gatherCell copies cell c, computed by this build, from the first shard
// directory that has it into the merged cache, and reports whether it was
// found. A cell computed by another build is an error: its bits need not
// be this build's.
func gatherCell(o MergeOptions, c Cell) (bool, error) {
	dst := newCache(filepath.Join(o.Root(), c.Experiment)).path(c.Key)
	if _, err := os.Stat(dst); err == nil {
		return true, nil
	}
	for _, d := range o.Dirs {
		src := newCache(filepath.Join(ReproduceOptions{Scale: o.Scale, Out: d}.Root(), c.Experiment)).path(c.Key)
		data, err := os.ReadFile(src)
		if errors.Is(err, os.ErrNotExist) {
			if other, _ := filepath.Glob(strings.Replace(src, "-build"+buildID(), "-build*", 1)); len(other) > 0 {
				return false, fmt.Errorf("merge: %s was computed by another onebit build; merge with the binary that ran the shards (this one is build %s)", other[0], buildID())
			}
			continue
		}
		if err != nil {
			return false, err
		}
		return true, output.WriteFile(dst, data)
	}
	return false, nil
}
