package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/internal/progress"
)

// SparsityConfig sets up the first claim of the paper: the shallow
// autoencoder with a linear decoder, trained by exact population gradient
// descent on BG(p) data, reaches the Gaussian-equivalent loss 1 - 2r/pi
// whatever the sparsity p.
type SparsityConfig struct {
	Dim     int       // d
	Steps   int       // population GD steps per point
	Masks   int       // support masks per step (0: the trainer's default, which grows as 1/p)
	Samples int       // fresh signals for the Monte Carlo loss of each trained model
	Ps      []float64 // BG sparsities (1 is the Gaussian)
	Rates   []float64 // rates r = n/d, each in (0, 1]
	Seed    uint64
	OutDir  string    // e.g. results/sparsity
	Log     io.Writer `json:"-"` // progress bar (nil: none)
}

// SparsityDefaults are the small built-in defaults of `make reproduce`.
func SparsityDefaults() SparsityConfig {
	return SparsityConfig{
		Dim: 300, Steps: 600, Samples: 20000,
		Ps:    []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1},
		Rates: []float64{0.25, 0.5, 1},
		Seed:  1, OutDir: "results/sparsity",
	}
}

// SparsityPaper is the larger scale (--scale paper).
func SparsityPaper() SparsityConfig {
	c := SparsityDefaults()
	c.Dim, c.Steps, c.Samples = 800, 1000, 40000
	return c
}

// SparsityPoint is one trained model of the grid and its predictions.
type SparsityPoint struct {
	P float64 `json:"p"`
	TrainResult
}

func (c SparsityConfig) validate() error {
	if c.Dim < 2 || c.Steps < 1 || c.Masks < 0 || c.Samples < 2 {
		return fmt.Errorf("experiment: invalid sparsity config (dim %d, steps %d, masks %d, samples %d)", c.Dim, c.Steps, c.Masks, c.Samples)
	}
	for _, p := range c.Ps {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("experiment: sparsity p = %v, want 0 < p <= 1", p)
		}
	}
	for _, r := range c.Rates {
		if !(r > 0 && r <= 1) || int(math.Round(r*float64(c.Dim))) < 1 {
			return fmt.Errorf("experiment: rate r = %v, want 0 < r <= 1 and r d >= 1", r)
		}
	}
	return nil
}

// SparsityPointRun trains one model of the grid (population GD from a
// Gaussian init) and measures it on fresh samples.
func SparsityPointRun(ctx context.Context, c SparsityConfig, p, r float64, progress train.Progress) (SparsityPoint, error) {
	var pr prior.Prior = prior.BernoulliGaussian{P: p}
	if p == 1 {
		pr = prior.Gaussian{}
	}
	res, err := Train(ctx, TrainSpec{
		Prior: pr, Rate: r, Dim: c.Dim, Trainer: "population", Steps: c.Steps, Masks: c.Masks,
		Samples: c.Samples, Seed: pointSeed(c.Seed, p, r, c.Dim), Progress: progress,
	})
	return SparsityPoint{P: p, TrainResult: res}, err
}

func pointSeed(seed uint64, p, r float64, d int) uint64 {
	return seed*0x9e3779b97f4a7c15 ^ math.Float64bits(p)*0xbf58476d1ce4e5b9 ^ math.Float64bits(r)*0x94d049bb133111eb ^ uint64(d)
}

// RunSparsity runs the grid Ps x Rates, points in parallel (one per core,
// each single-threaded, so results do not depend on scheduling), caching
// each finished point under OutDir/.cache so that an interrupted run
// resumes where it stopped. It returns the points in grid order.
func RunSparsity(ctx context.Context, c SparsityConfig) ([]SparsityPoint, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	type job struct {
		i    int
		p, r float64
	}
	var jobs []job
	for _, r := range c.Rates {
		for _, p := range c.Ps {
			jobs = append(jobs, job{len(jobs), p, r})
		}
	}
	pts := make([]SparsityPoint, len(jobs))
	have := make([]bool, len(jobs))
	cache := newCache(c.OutDir)
	// Cost of a point: steps x n^2 x (support size); used only for the bar.
	cost := func(j job) float64 { n := j.r * float64(c.Dim); return n * n * j.p * float64(c.Dim) }
	var total, done float64
	for _, j := range jobs {
		total += cost(j)
		ok, err := cache.load(c.cacheKey(j.p, j.r), &pts[j.i])
		if err != nil {
			return nil, err
		}
		if ok {
			have[j.i] = true
			done += cost(j)
		}
	}
	bar := progress.New(c.Log, total)
	bar.Set(done, "sparsity")
	old := kernel.SetThreads(1)
	defer kernel.SetThreads(old)

	var mu sync.Mutex
	var firstErr error
	work := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				label := fmt.Sprintf("bg:%g r=%g", j.p, j.r)
				var last float64
				pt, err := SparsityPointRun(ctx, c, j.p, j.r, func(step, steps int, _ float64) {
					f := float64(step) / float64(steps) * cost(j)
					mu.Lock()
					done += f - last
					last = f
					d := done
					mu.Unlock()
					bar.Set(d, label)
				})
				if err == nil {
					err = cache.store(c.cacheKey(j.p, j.r), pt)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				pts[j.i], have[j.i] = pt, err == nil
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		if have[j.i] {
			continue
		}
		mu.Lock()
		stop := firstErr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	bar.Finish()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, cache.interrupted(err)
	}
	return pts, nil
}

func (c SparsityConfig) cacheKey(p, r float64) string {
	return fmt.Sprintf("bg%g-r%g-d%d-steps%d-masks%d-samples%d-seed%d", p, r, c.Dim, c.Steps, c.Masks, c.Samples, c.Seed)
}
