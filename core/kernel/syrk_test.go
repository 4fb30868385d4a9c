package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// TestSyrkMatchesGemm: under every tier, Syrk's upper triangle equals
// Gemm(tA, !tA)'s bit for bit (same tiles, same order of every sum; the
// documented contract), its lower triangle is the mirror image, no element
// outside C is written, and SyrkRef's upper triangle equals GemmRef's bit for
// bit (the twins share their loop), so Syrk inherits Gemm's error bound
// against its twin (runGemmCase). Sizes cross the tile edges and, in the
// fixed cases, the mc and kc blocks (n = 400 > mc = 384, k = 600 > kc = 512
// for AVX-512 float64).
func TestSyrkMatchesGemm(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		params := gopter.DefaultTestParametersWithSeed(13)
		params.MinSuccessfulTests = 100
		props := gopter.NewProperties(params)
		for _, e := range []string{"f32", "f64"} {
			props.Property(e, prop.ForAll(func(n, k int, flags uint32, seed uint64) string {
				if e == "f32" {
					return checkSyrk[float32](n, k, flags, seed)
				}
				return checkSyrk[float64](n, k, flags, seed)
			}, gen.IntRange(0, 100), gen.IntRange(0, 70), gen.UInt32(), gen.UInt64()))
		}
		props.TestingRun(t)
		for _, c := range [][2]int{{400, 600}, {130, 1}} {
			if s := checkSyrkRefs[float64](c[0], c[1], 3<<8|1, 1, false); s != "" {
				t.Errorf("n=%d k=%d f64: %s", c[0], c[1], s)
			}
			if s := checkSyrkRefs[float32](c[0], c[1], 4<<11, 2, false); s != "" {
				t.Errorf("n=%d k=%d f32: %s", c[0], c[1], s)
			}
		}
	})
}

func checkSyrk[T float32 | float64](n, k int, flags uint32, seed uint64) string {
	return checkSyrkRefs[T](n, k, flags, seed, true)
}

// checkSyrkRefs is checkSyrk, comparing the twins only if refs is set.
func checkSyrkRefs[T float32 | float64](n, k int, flags uint32, seed uint64, refs bool) string {
	rng := rand.New(rand.NewPCG(seed, 5))
	tA := Transpose(flags&1 != 0)
	pad := int(flags>>2) % 3
	alpha := T(scalarChoices[int(flags>>8)%len(scalarChoices)])
	beta := T(scalarChoices[int(flags>>11)%len(scalarChoices)])
	ar, ac := n, k
	if tA {
		ar, ac = k, n
	}
	lda, ldc := max(ac, 1)+pad, max(n, 1)+pad
	a := randSlice[T](rng, max(ar*lda-pad, 0))
	c0 := randSlice[T](rng, n*ldc+guard)
	for i := n * ldc; i < len(c0); i++ {
		c0[i] = sentinel[T]()
	}
	got, want := append([]T(nil), c0...), append([]T(nil), c0...)
	Syrk(tA, n, k, alpha, a, lda, beta, got, ldc)
	Gemm(tA, !tA, n, n, k, alpha, a, lda, a, lda, beta, want, ldc)
	ref, gref := got, got
	if refs {
		ref, gref = append([]T(nil), c0...), append([]T(nil), c0...)
		SyrkRef(tA, n, k, alpha, a, lda, beta, ref, ldc)
		GemmRef(tA, !tA, n, n, k, alpha, a, lda, a, lda, beta, gref, ldc)
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			if !sameBits(got[i*ldc+j], want[i*ldc+j]) {
				return fmt.Sprintf("C[%d,%d] = %v, Gemm %v", i, j, got[i*ldc+j], want[i*ldc+j])
			}
			if !sameBits(got[j*ldc+i], got[i*ldc+j]) {
				return fmt.Sprintf("C[%d,%d] is not the mirror of C[%d,%d]", j, i, i, j)
			}
			if !sameBits(ref[i*ldc+j], gref[i*ldc+j]) || !sameBits(ref[j*ldc+i], ref[i*ldc+j]) {
				return fmt.Sprintf("SyrkRef differs from GemmRef at [%d,%d]", i, j)
			}
		}
		for j := n; j < ldc && i*ldc+j < len(got); j++ {
			if !sameBits(got[i*ldc+j], c0[i*ldc+j]) {
				return "Syrk wrote into the padding of C"
			}
		}
	}
	for i := n * ldc; i < len(got); i++ {
		if got[i] != sentinel[T]() {
			return "Syrk wrote past C"
		}
	}
	return ""
}
