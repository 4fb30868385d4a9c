package kernel

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

var calibrate = flag.Bool("calibrate", false, "run TestCalibrate to choose GEMM tiles and block sizes")

// TestCalibrate measures single-thread GFLOP/s of every generated micro-kernel
// over a grid of (mc, kc) block sizes at the 1024 cube and the training
// shape 1024x784x392, and prints the best configurations. Block sizes in
// tier_amd64.go come from this table (results/bench/simd-*.txt). It is a
// measurement, not a check, so it only runs with -calibrate:
//
//	go test -run Calibrate -calibrate -v ./core/kernel
//
// The loop holds the kc x nr micro-panel of B in L1 (48 KiB here) while the
// mc x kc block of A streams from L2, so useful kc satisfy kc*nr*size <~ L1
// and mc*kc*size <~ L2/2; the grid brackets those.
func TestCalibrate(t *testing.T) {
	if !*calibrate {
		t.Skip("measurement; run with -calibrate")
	}
	old := SetThreads(1)
	defer SetThreads(old)
	shapes := [][3]int{{1024, 1024, 1024}, {1024, 784, 392}}
	type row struct {
		cfg  string
		gfls []float64
	}
	measure := func(f func()) float64 {
		best := time.Duration(1 << 62)
		for range 5 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best.Seconds()
	}
	kcs := []int{128, 192, 256, 320, 384, 512}
	mcRows := []int{96, 192, 384}
	var rows32, rows64 []row
	for _, mk := range variants32 {
		for _, kc := range kcs {
			for _, mcr := range mcRows {
				cfg := mk
				cfg.kc, cfg.mc, cfg.nc = kc, mcr/cfg.mr*cfg.mr, 4096
				r := row{cfg: fmt.Sprintf("%s f32 %2dx%2d mc=%3d kc=%3d", cfg.name, cfg.mr, cfg.nr, cfg.mc, cfg.kc)}
				for _, sh := range shapes {
					r.gfls = append(r.gfls, calibShape(&cfg, sh, measure))
				}
				rows32 = append(rows32, r)
			}
		}
	}
	for _, mk := range variants64 {
		for _, kc := range kcs {
			for _, mcr := range mcRows {
				cfg := mk
				cfg.kc, cfg.mc, cfg.nc = kc, mcr/cfg.mr*cfg.mr, 4096
				r := row{cfg: fmt.Sprintf("%s f64 %2dx%2d mc=%3d kc=%3d", cfg.name, cfg.mr, cfg.nr, cfg.mc, cfg.kc)}
				for _, sh := range shapes {
					r.gfls = append(r.gfls, calibShape(&cfg, sh, measure))
				}
				rows64 = append(rows64, r)
			}
		}
	}
	for _, rows := range [][]row{rows32, rows64} {
		sort.Slice(rows, func(i, j int) bool { return rows[i].gfls[0]+rows[i].gfls[1] > rows[j].gfls[0]+rows[j].gfls[1] })
		t.Logf("%-36s %12s %12s", "config (best first)", "1024^3", "1024x784x392")
		for _, r := range rows {
			t.Logf("%-36s %8.1f GF/s %8.1f GF/s", r.cfg, r.gfls[0], r.gfls[1])
		}
	}
}

func calibShape[T float32 | float64](mk *microKernel[T], sh [3]int, measure func(func()) float64) float64 {
	m, n, k := sh[0], sh[1], sh[2]
	rng := rand.New(rand.NewPCG(1, 1))
	a, b, c := randSlice[T](rng, m*k), randSlice[T](rng, k*n), make([]T, m*n)
	gemmDriver(mk, NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) // warm up
	s := measure(func() { gemmDriver(mk, NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) })
	return 2 * float64(m) * float64(n) * float64(k) / s / 1e9
}
