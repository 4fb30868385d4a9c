package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMicroKernelsMatchTwin holds every tier's micro-kernels to microRef for
// kc = 1..40 and a few long kc, beta in {0, 1, generic}, with C inside a
// larger buffer (ldc > nr) whose other elements must stay untouched.
//
// Tolerance: per element |got - want| <= 2 gamma_{kc+2} S with
// S = sum_l |a_l b_l| + |beta c|: each side rounds every term at most kc+2
// times (Higham §3.1), FMA only removing roundings.
func TestMicroKernelsMatchTwin(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		t.Run("f32", func(t *testing.T) { checkMicro(t, &tr.f32) })
		t.Run("f64", func(t *testing.T) { checkMicro(t, &tr.f64) })
	})
	// Every generated tile, including those the tiers do not use, on the
	// ISAs this process may run.
	for _, tr := range tiers {
		for i := range variants32 {
			if variants32[i].name == tr.name {
				t.Run(fmt.Sprintf("%s/f32/%dx%d", tr.name, variants32[i].mr, variants32[i].nr), func(t *testing.T) { checkMicro(t, &variants32[i]) })
			}
		}
		for i := range variants64 {
			if variants64[i].name == tr.name {
				t.Run(fmt.Sprintf("%s/f64/%dx%d", tr.name, variants64[i].mr, variants64[i].nr), func(t *testing.T) { checkMicro(t, &variants64[i]) })
			}
		}
	}
}

func checkMicro[T float32 | float64](t *testing.T, mk *microKernel[T]) {
	rng := rand.New(rand.NewPCG(uint64(mk.mr), uint64(mk.nr)))
	kcs := []int{}
	for kc := 1; kc <= 40; kc++ {
		kcs = append(kcs, kc)
	}
	kcs = append(kcs, 255, 256, 257, 1000)
	for _, kc := range kcs {
		for _, beta := range []T{0, 1, -0.6} {
			a, b := randSlice[T](rng, mk.mr*kc), randSlice[T](rng, mk.nr*kc)
			ldc := mk.nr + 3
			buf := randSlice[T](rng, mk.mr*ldc+2*guard)
			c0 := append([]T(nil), buf...)
			if beta == 0 {
				for i := 0; i < mk.mr; i++ {
					for j := 0; j < mk.nr; j++ {
						buf[guard+i*ldc+j] = T(math.NaN())
					}
				}
			}
			want := append([]T(nil), c0...)
			mk.fn(kc, &a[0], &b[0], &buf[guard], ldc, beta)
			microRef(mk.mr, mk.nr, kc, a, b, want[guard:], ldc, beta)
			tol := 2 * gamma(kc+2, unitRoundoff[T]())
			for p := range buf {
				i, j := (p-guard)/ldc, (p-guard)%ldc
				inside := p >= guard && i < mk.mr && j < mk.nr
				if !inside {
					if buf[p] != c0[p] {
						t.Fatalf("%s kc=%d beta=%v: element %d outside the tile written", mk.name, kc, beta, p-guard)
					}
					continue
				}
				var s float64
				for l := 0; l < kc; l++ {
					s += math.Abs(float64(a[l*mk.mr+i]) * float64(b[l*mk.nr+j]))
				}
				s += math.Abs(float64(beta) * float64(c0[p]))
				if d := math.Abs(float64(buf[p]) - float64(want[p])); !(d <= tol*s) {
					t.Fatalf("%s kc=%d beta=%v: c[%d,%d] = %v, twin %v, |diff| %g > %g",
						mk.name, kc, beta, i, j, buf[p], want[p], d, tol*s)
				}
			}
		}
	}
}
