package experiment

import (
	"context"
	"sync"

	"github.com/seed05b1c944/onebit/internal/progress"
)

// unit is one independent piece of an experiment's work: its result
// depends only on the unit (its parameters and the seed derived from
// them), never on which worker runs it or in what order.
type unit[T any] struct {
	key   string  // cache key, unique within the experiment
	label string  // shown on the progress bar
	cost  float64 // relative cost, for the progress bar (0: 1)
	// run computes the unit; it may report the fraction done through frac.
	run func(ctx context.Context, frac func(float64)) (T, error)
}

// runUnits returns the results of units in their order, taking finished
// ones from the cache under r.OutDir/.cache, computing the others on
// r.Workers workers and storing each as it finishes. An interrupted run
// keeps what finished and says how to resume.
func runUnits[T any](ctx context.Context, r Run, units []unit[T]) ([]T, error) {
	c := newCache(r.OutDir)
	out := make([]T, len(units))
	todo, total, done, err := loadUnits(c, units, out)
	if err != nil {
		return nil, err
	}
	bar := progress.New(r.Log, total)
	defer bar.Finish()
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
			firstErr = err
		}
		out[i] = v
	}
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil || ctx.Err() != nil
	}
	parallel(max(r.Workers, 1), todo, stopped, compute)
	if err := ctx.Err(); err != nil {
		return nil, c.interrupted(err)
	}
	return out, firstErr
}

// loadUnits fills out with the cached units, returns the indices of the
// others and the total and cached cost (a unit's cost defaults to 1).
func loadUnits[T any](c cache, units []unit[T], out []T) (todo []int, total, done float64, err error) {
	for i := range units {
		if units[i].cost == 0 {
			units[i].cost = 1
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
