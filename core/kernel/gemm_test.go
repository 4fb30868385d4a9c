package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// long reports whether the thorough sizes were requested (ONEBIT_LONG=1).
func long() bool { return os.Getenv("ONEBIT_LONG") == "1" }

// forEachTier runs f once per kernel tier this process can execute (all of
// them on an AVX-512 machine unless GODEBUG or the purego tag removed some),
// with that tier active.
func forEachTier(t *testing.T, f func(t *testing.T, tr *tier)) {
	t.Helper()
	for _, tr := range tiers {
		t.Run(tr.name, func(t *testing.T) {
			old := active.Swap(tr)
			defer active.Store(old)
			f(t, tr)
		})
	}
}

// TestTierSelected checks run-time dispatch: the best available tier is
// active, tiers switched off by GODEBUG (cpu.avx512f=off, cpu.avx2=off) or by
// the purego build tag are absent, and the pure-Go tier is always last.
func TestTierSelected(t *testing.T) {
	if TierName() != tiers[0].name {
		t.Fatalf("active tier %q, want %q", TierName(), tiers[0].name)
	}
	if tiers[len(tiers)-1] != goTier {
		t.Fatalf("last tier %q, want go", tiers[len(tiers)-1].name)
	}
	names := map[string]bool{}
	for _, tr := range tiers {
		names[tr.name] = true
	}
	t.Logf("GODEBUG=%q purego=%v: tiers %v, active %s", os.Getenv("GODEBUG"), puregoBuild, names, TierName())
	godebug := os.Getenv("GODEBUG")
	forbid := map[string]bool{}
	if puregoBuild {
		forbid["avx512"], forbid["avx2"] = true, true
	}
	if strings.Contains(godebug, "cpu.avx512f=off") {
		forbid["avx512"] = true
	}
	if strings.Contains(godebug, "cpu.avx2=off") {
		forbid["avx512"], forbid["avx2"] = true, true
	}
	for name := range forbid {
		if names[name] {
			t.Errorf("tier %s available although disabled", name)
		}
	}
}

// gemmCase is one randomly drawn Gemm call.
type gemmCase struct {
	m, n, k          int
	tA, tB           Transpose
	padA, padB, padC int // extra leading-dimension elements (odd values included)
	alpha, beta      float64
	seed             uint64
}

func (g gemmCase) String() string {
	return fmt.Sprintf("m=%d n=%d k=%d tA=%v tB=%v pads=%d,%d,%d alpha=%g beta=%g seed=%d",
		g.m, g.n, g.k, g.tA, g.tB, g.padA, g.padB, g.padC, g.alpha, g.beta, g.seed)
}

// scalars drawn for alpha and beta: the special values 0, 1, -1 and a generic one.
var scalarChoices = []float64{0, 1, -1, 0.7, -1.3}

func newGemmCase(m, n, k int, flags uint32, seed uint64) gemmCase {
	return gemmCase{
		m: m, n: n, k: k,
		tA:    flags&1 != 0,
		tB:    flags&2 != 0,
		padA:  int(flags>>2) % 4,
		padB:  int(flags>>4) % 4,
		padC:  int(flags>>6) % 4,
		alpha: scalarChoices[int(flags>>8)%len(scalarChoices)],
		beta:  scalarChoices[int(flags>>11)%len(scalarChoices)],
		seed:  seed,
	}
}

const guard = 5 // elements of guard region before and after C

// sentinel marks guard regions; any write there changes its bits.
func sentinel[T Float]() T { return T(-12345.678) }

// runGemmCase runs Gemm and GemmRef on the case and returns "" or a
// description of the first disagreement.
//
// Tolerance. Write S = |alpha| sum_l |op(A)_il||op(B)_lj| + |beta||C_ij|. In
// floating point with unit roundoff u = eps/2, a computed sum of products
// whose every term passes through at most N roundings satisfies
// |fl - exact| <= gamma_N S with gamma_N = N u / (1 - N u) (Higham, Accuracy
// and Stability of Numerical Algorithms, 2nd ed., §3.1 and Lemma 3.1). For
// Gemm a term is rounded once when alpha is folded into the packed A, once as
// a product (zero times with FMA), at most kc-1 times inside its k block and
// once per later block when blocks are added into C (ceil(k/kc)), and twice
// for the beta term: N = k + ceil(k/kc) + 3. For GemmRef: N = k + 2. The two
// results therefore differ by at most (gamma_{k+ceil(k/kc)+3} + gamma_{k+2}) S.
// S is formed in float64, whose own relative error (<= 1e-13 for these k)
// is far below the bound's slack.
func runGemmCase[T float32 | float64](g gemmCase, kc int) string {
	rng := rand.New(rand.NewPCG(g.seed, 1))
	ar, ac := g.m, g.k
	if g.tA {
		ar, ac = ac, ar
	}
	br, bc := g.k, g.n
	if g.tB {
		br, bc = bc, br
	}
	lda, ldb, ldc := max(ac, 1)+g.padA, max(bc, 1)+g.padB, max(g.n, 1)+g.padC
	a := randSlice[T](rng, max(ar*lda-g.padA, 0))
	b := randSlice[T](rng, max(br*ldb-g.padB, 0))
	clen := max(g.m*ldc-g.padC, 0)
	c0 := randSlice[T](rng, clen)
	isC := func(p int) bool { return p < clen && p%ldc < g.n }
	if g.beta == 0 {
		// C must not be read: NaNs would propagate.
		for i := range c0 {
			c0[i] = T(math.NaN())
		}
	}
	buf := make([]T, clen+2*guard)
	for i := range buf {
		buf[i] = sentinel[T]()
	}
	got := buf[guard : guard+clen]
	for p := range got {
		if isC(p) {
			got[p] = c0[p]
		}
	}
	want := append([]T(nil), c0...)
	alpha, beta := T(g.alpha), T(g.beta)
	Gemm(g.tA, g.tB, g.m, g.n, g.k, alpha, a, lda, b, ldb, beta, got, ldc)
	GemmRef(g.tA, g.tB, g.m, g.n, g.k, alpha, a, lda, b, ldb, beta, want, ldc)

	for i := range guard {
		if buf[i] != sentinel[T]() || buf[len(buf)-1-i] != sentinel[T]() {
			return "guard region outside C written"
		}
	}
	for p := range got {
		if !isC(p) && got[p] != sentinel[T]() {
			return fmt.Sprintf("padding element %d (row %d col %d) written", p, p/ldc, p%ldc)
		}
	}
	u := unitRoundoff[T]()
	nblocks := (g.k + kc - 1) / kc
	tol := gamma(g.k+nblocks+3, u) + gamma(g.k+2, u)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			var s float64
			for l := 0; l < g.k; l++ {
				var av, bv T
				if g.tA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if g.tB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += math.Abs(float64(av) * float64(bv))
			}
			s *= math.Abs(g.alpha)
			if g.beta != 0 {
				s += math.Abs(g.beta * float64(c0[i*ldc+j]))
			}
			gv, wv := float64(got[i*ldc+j]), float64(want[i*ldc+j])
			if math.IsNaN(gv) || math.Abs(gv-wv) > tol*s {
				return fmt.Sprintf("C[%d,%d] = %g, reference %g, |diff| %g > bound %g", i, j, gv, wv, math.Abs(gv-wv), tol*s)
			}
		}
	}
	return ""
}

func gamma(n int, u float64) float64 { return float64(n) * u / (1 - float64(n)*u) }

func unitRoundoff[T float32 | float64]() float64 {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return 0x1p-24
	}
	return 0x1p-53
}

func randSlice[T Float](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(2*rng.Float64() - 1)
	}
	return s
}

// TestGemmMatchesRef holds Gemm to GemmRef under every tier, for random
// shapes 0..300 (0..700 with ONEBIT_LONG), every transpose case, odd leading
// dimensions, alpha and beta in {0, ±1, generic}, with guard regions.
func TestGemmMatchesRef(t *testing.T) {
	maxDim, trials := 300, 150
	if long() {
		maxDim, trials = 700, 400
	}
	forEachTier(t, func(t *testing.T, tr *tier) {
		for _, elem := range []string{"f32", "f64"} {
			t.Run(elem, func(t *testing.T) {
				params := gopter.DefaultTestParametersWithSeed(20240205)
				params.MinSuccessfulTests = trials
				props := gopter.NewProperties(params)
				dim := gen.IntRange(0, maxDim)
				// Small dimensions (0, 1, near the tile) are where the edges are;
				// draw them as often as general ones.
				small := gen.IntRange(0, 2*max(tr.f32.mr, tr.f32.nr)+1)
				side := gen.OneGenOf(dim, small)
				props.Property("Gemm == GemmRef within rounding bound", prop.ForAll(
					func(m, n, k int, flags uint32, seed uint64) string {
						g := newGemmCase(m, n, k, flags, seed)
						var msg string
						if elem == "f32" {
							msg = runGemmCase[float32](g, tr.f32.kc)
						} else {
							msg = runGemmCase[float64](g, tr.f64.kc)
						}
						if msg != "" {
							return g.String() + ": " + msg
						}
						return ""
					},
					side, side, side, gen.UInt32(), gen.UInt64()))
				props.TestingRun(t)
			})
		}
	})
}

// TestGemmEdgeShapes runs every combination of m, n, k in {0, 1, 2, mr±1,
// nr±1, 2mr+1} and both transposes for each tier deterministically, so the
// ragged-edge paths are covered whatever the property test draws.
func TestGemmEdgeShapes(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		dims := map[int]bool{0: true, 1: true, 2: true}
		for _, v := range []int{tr.f32.mr, tr.f32.nr, tr.f64.mr, tr.f64.nr} {
			dims[v-1], dims[v], dims[v+1], dims[2*v+1] = true, true, true, true
		}
		for m := range dims {
			for n := range dims {
				for _, k := range []int{0, 1, 2, 17} {
					for flags := uint32(0); flags < 4; flags++ {
						g := newGemmCase(m, n, k, flags|uint32(m*7+n)<<2, uint64(m*1000+n*10+k))
						if msg := runGemmCase[float32](g, tr.f32.kc); msg != "" {
							t.Fatalf("f32 %v: %s", g, msg)
						}
						if msg := runGemmCase[float64](g, tr.f64.kc); msg != "" {
							t.Fatalf("f64 %v: %s", g, msg)
						}
					}
				}
			}
		}
	})
}

// TestGemmBlockBoundaries crosses the kc, mc and nc block boundaries (k, m, n
// just above the tier's blocks), which the random shapes up to 300 may miss.
func TestGemmBlockBoundaries(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		mk := tr.f32
		for _, flags := range []uint32{0, 1, 2, 3} {
			g := newGemmCase(mk.mc+mk.mr+1, min(mk.nc+mk.nr+1, 3000), mk.kc+3, flags|0x700, 7)
			if testing.Short() || mk.nc > 1024 {
				g.n = 2*mk.nr + 3
			}
			if msg := runGemmCase[float32](g, mk.kc); msg != "" {
				t.Fatalf("f32 %v: %s", g, msg)
			}
		}
		mk64 := tr.f64
		g := newGemmCase(mk64.mc+mk64.mr+1, 2*mk64.nr+3, mk64.kc+3, 3|0x900, 8)
		if msg := runGemmCase[float64](g, mk64.kc); msg != "" {
			t.Fatalf("f64 %v: %s", g, msg)
		}
	})
}

// TestGemmThreadIndependent checks the documented guarantee: the result is
// bit-for-bit the same for 1, 2 and 3 threads.
func TestGemmThreadIndependent(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		for _, sh := range [][3]int{{150, 170, 300}, {5, 400, 200}, {400, 5, 200}} {
			m, n, k := sh[0], sh[1], sh[2]
			rng := rand.New(rand.NewPCG(uint64(m), uint64(n)))
			a, b := randSlice[float32](rng, m*k), randSlice[float32](rng, k*n)
			var ref []float32
			for _, th := range []int{1, 2, 3} {
				old := SetThreads(th)
				c := make([]float32, m*n)
				Gemm(NoTrans, Trans, m, n, k, 1, a, k, b, k, 0, c, n)
				SetThreads(old)
				if ref == nil {
					ref = c
					continue
				}
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(ref[i]) {
						t.Fatalf("%dx%dx%d: threads=%d differs from threads=1 at %d: %g vs %g", m, n, k, th, i, c[i], ref[i])
					}
				}
			}
		}
	})
}

// TestGemmNamedType checks that element types defined on float32/float64 go
// through the same kernels.
func TestGemmNamedType(t *testing.T) {
	type myF float64
	a := []myF{1, 2, 3, 4}
	b := []myF{5, 6, 7, 8}
	c := make([]myF, 4)
	Gemm(NoTrans, NoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2)
	// Small integers: every product and sum is exact.
	if want := []myF{19, 22, 43, 50}; fmt.Sprint(c) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", c, want)
	}
}

func TestGemmNoAlloc(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		for _, th := range []int{1, 2} {
			old := SetThreads(th)
			m, n, k := 200, 150, 300
			a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			Gemm(NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n) // warm the pools
			allocs := testing.AllocsPerRun(20, func() {
				Gemm(NoTrans, NoTrans, m, n, k, 1, a, k, b, n, 0, c, n)
			})
			SetThreads(old)
			// sync.Pool may drop a job at a GC; averaged over 20 runs that
			// costs well under one allocation per call.
			if allocs >= 1 {
				t.Errorf("threads=%d: %.1f allocations per Gemm call", th, allocs)
			}
		}
	})
}

func TestGemmPanicsOnBadInput(t *testing.T) {
	for name, f := range map[string]func(){
		"negative": func() { Gemm(NoTrans, NoTrans, -1, 1, 1, 1, []float32{1}, 1, []float32{1}, 1, 0, []float32{1}, 1) },
		"short A": func() {
			Gemm(NoTrans, NoTrans, 2, 1, 2, 1, []float32{1, 2, 3}, 2, []float32{1, 2}, 1, 0, []float32{1, 2}, 1)
		},
		"small ld": func() { Gemm(NoTrans, NoTrans, 1, 2, 1, 1, []float32{1}, 1, []float32{1, 2}, 1, 0, []float32{1, 2}, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
