package kernel

import "sync"

// task is a unit of parallel work split into numbered parts.
type task interface {
	run(part int)
}

type workItem struct {
	t    task
	part int
	wg   *sync.WaitGroup
}

// workers is a pool of long-lived goroutines that run task parts, so a
// parallel kernel call neither spawns goroutines nor allocates.
var workers struct {
	mu      sync.Mutex
	started int
	ch      chan workItem
}

func ensureWorkers(n int) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if workers.ch == nil {
		workers.ch = make(chan workItem)
	}
	for ; workers.started < n; workers.started++ {
		go func() {
			for w := range workers.ch {
				w.t.run(w.part)
				w.wg.Done()
			}
		}()
	}
}

// runParts runs t.run(p) for p in [0, parts), part 0 on the calling goroutine
// and the others on pool workers, and returns when all are done.
func runParts[T float32 | float64](j *gemmJob[T], parts int) {
	if parts <= 1 {
		j.run(0)
		return
	}
	ensureWorkers(parts - 1)
	j.wg.Add(parts - 1)
	for p := 1; p < parts; p++ {
		workers.ch <- workItem{t: j, part: p, wg: &j.wg}
	}
	j.run(0)
	j.wg.Wait()
}
