package experiment

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/seed05b1c944/onebit/internal/progress"
)

// unit is one independent cell of an experiment's work: its result
// depends only on the unit (its parameters and the seed derived from
// them), never on which process or worker runs it, or in what order.
type unit[T any] struct {
	key   string  // cache key, unique within the experiment
	label string  // shown on the progress bar
	cost  float64 // relative cost within the experiment (0: 1)
	// run computes the unit; it may report the fraction done through frac.
	run func(ctx context.Context, frac func(float64)) (T, error)
}

// Mode says what runUnits does with the units it is given.
type Mode int

const (
	// Compute runs every unit not in the cache (a whole run).
	Compute Mode = iota
	// Offline takes every unit from the cache and fails, naming them, if
	// any is missing (onebit merge).
	Offline
)

// MissingError lists the units that Offline mode did not find.
type MissingError struct {
	Experiment string
	Keys       []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s: %d cells missing (first: %s)", e.Experiment, len(e.Keys), e.Keys[0])
}

// runUnits returns the results of units in their order, taking finished
// ones from the cache under r.OutDir/.cache and computing the others on
// r.Workers workers (Compute), storing each as it finishes. When keep is
// not nil, only the units it keeps are computed and the results are not
// returned (a shard's share). An interrupted run keeps what finished and
// says how to resume.
func runUnits[T any](ctx context.Context, r Run, units []unit[T]) ([]T, error) {
	return runSelected(ctx, r, units, nil, Compute)
}

func runSelected[T any](ctx context.Context, r Run, units []unit[T], keep func(key string) bool, mode Mode) ([]T, error) {
	c := newCache(r.OutDir)
	out := make([]T, len(units))
	todo, total, done, err := loadUnits(c, units, out, keep)
	if err != nil {
		return nil, err
	}
	if mode == Offline && len(todo) > 0 {
		e := &MissingError{Experiment: r.name}
		for _, i := range todo {
			e.Keys = append(e.Keys, units[i].key)
		}
		return nil, e
	}
	bar := progress.New(r.Log, total)
	bar.Set(done, "")
	var mu sync.Mutex
	var firstErr error
	compute := func(i int) {
		u := units[i]
		var last float64
		frac := func(f float64) {
			mu.Lock()
			done += (f - last) * u.cost
			last = f
			d := done
			mu.Unlock()
			bar.Set(d, u.label)
		}
		frac(0)
		v, err := u.run(ctx, frac)
		if err == nil {
			err = c.store(u.key, v)
		}
		if err == nil {
			frac(1)
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", u.label, err)
		}
		out[i] = v
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil || ctx.Err() != nil
	}
	parallel(max(r.Workers, 1), todo, stopped, compute)
	switch {
	case ctx.Err() != nil:
		bar.Stop("interrupted")
		return nil, c.interrupted(ctx.Err())
	case firstErr != nil:
		bar.Stop("failed")
		return nil, firstErr
	}
	bar.Finish()
	if keep != nil {
		return nil, nil
	}
	return out, nil
}

// loadUnits fills out with the cached units, returns the indices of the
// others that keep keeps (all when keep is nil) and the total and cached
// cost of those (a unit's cost defaults to 1).
func loadUnits[T any](c cache, units []unit[T], out []T, keep func(string) bool) (todo []int, total, done float64, err error) {
	for i := range units {
		if units[i].cost == 0 {
			units[i].cost = 1
		}
		if keep != nil && !keep(units[i].key) {
			continue
		}
		total += units[i].cost
		ok, err := c.load(units[i].key, &out[i])
		if err != nil {
			return nil, 0, 0, err
		}
		if ok {
			done += units[i].cost
		} else {
			todo = append(todo, i)
		}
	}
	return todo, total, done, nil
}

// parallel calls f(i) for each i of todo on the given number of workers,
// handing out no new index once stopped reports true.
func parallel(workers int, todo []int, stopped func() bool, f func(int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				f(i)
			}
		}()
	}
	for _, i := range todo {
		if stopped() {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
}

// Cell is one unit of one experiment, as the shard planner sees it.
type Cell struct {
	Experiment string  `json:"experiment"`
	Key        string  `json:"key"`
	Cost       float64 `json:"cost"` // comparable across experiments (the experiment's weight shared by relative cost)
}

// ID is the cell's stable identity, "experiment/key".
func (c Cell) ID() string { return c.Experiment + "/" + c.Key }

// Assign gives each cell a shard in [0, n): longest processing time
// first (cells by decreasing cost, ties by ID), each to the least loaded
// shard (ties to the lowest index). It depends only on the cells, so every
// shard of a job, and the merge, compute the same assignment.
func Assign(cells []Cell, n int) map[string]int {
	order := make([]Cell, len(cells))
	copy(order, cells)
	sort.Slice(order, func(i, j int) bool {
		if order[i].Cost != order[j].Cost {
			return order[i].Cost > order[j].Cost
		}
		return order[i].ID() < order[j].ID()
	})
	load := make([]float64, n)
	owner := make(map[string]int, len(cells))
	for _, c := range order {
		best := 0
		for s := 1; s < n; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += c.Cost
		owner[c.ID()] = best
	}
	return owner
}
