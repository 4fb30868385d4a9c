package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// TestPackMatchesTwin holds packTrans and packCopy (with each tier's
// vectorised kernels) to their reference loops packTransRef and
// packCopyRef, bit for bit: both compute one rounded product alpha*v per
// element, so there is no tolerance. Shapes are ragged on purpose: rows
// and kc from 0 to past three vector widths (partial row groups, column
// tails), leading dimensions with odd padding, alpha in {1, generic}, and
// dst filled with a sentinel that must survive outside the written set.
func TestPackMatchesTwin(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		params := gopter.DefaultTestParametersWithSeed(20261127)
		params.MinSuccessfulTests = 300
		props := gopter.NewProperties(params)
		props.Property("f32", prop.ForAll(func(rows, kc, pad int, seed uint64) string {
			return checkPack(tr.f32.pack, tr.f32.mr, rows, kc, pad, seed)
		}, gen.IntRange(0, 40), gen.IntRange(0, 60), gen.IntRange(0, 5), gen.UInt64()))
		props.Property("f64", prop.ForAll(func(rows, kc, pad int, seed uint64) string {
			return checkPack(tr.f64.pack, tr.f64.mr, rows, kc, pad, seed)
		}, gen.IntRange(0, 40), gen.IntRange(0, 60), gen.IntRange(0, 5), gen.UInt64()))
		props.TestingRun(t)
	})
	// Every packer kernel the CPU runs, through the row counts and widths
	// it was generated for (the tiers above use only some of them).
	for _, tr := range tiers {
		for _, mk := range variants32 {
			if mk.name == tr.name {
				for kc := range 70 {
					if msg := checkPack(mk.pack, mk.mr, mk.mr, kc, kc%3, uint64(kc)); msg != "" {
						t.Fatalf("%s f32 mr=%d: %s", mk.name, mk.mr, msg)
					}
				}
			}
		}
		for _, mk := range variants64 {
			if mk.name == tr.name {
				for kc := range 70 {
					if msg := checkPack(mk.pack, mk.mr, mk.mr, kc, kc%3, uint64(kc)); msg != "" {
						t.Fatalf("%s f64 mr=%d: %s", mk.name, mk.mr, msg)
					}
				}
			}
		}
	}
}

func checkPack[T float32 | float64](p *packer[T], w, rows, kc, pad int, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 9))
	alpha := T(1)
	if seed%2 == 1 {
		alpha = T(-0.7)
	}
	// packTrans: src is rows x kc (lds = kc+pad), dst is kc x ldd.
	lds, ldd := kc+pad, rows+pad
	src := randSlice[T](rng, max(rows*lds, 1))
	got := make([]T, max(kc*ldd, 1)+guard)
	for i := range got {
		got[i] = sentinel[T]()
	}
	want := append([]T(nil), got...)
	packTrans(p, got, ldd, src, lds, rows, kc, alpha)
	packTransRef(want, ldd, src, lds, rows, kc, alpha)
	for i := range got {
		if !sameBits(got[i], want[i]) {
			return fmt.Sprintf("packTrans rows=%d kc=%d pad=%d alpha=%v: dst[%d] = %v, twin %v", rows, kc, pad, alpha, i, got[i], want[i])
		}
	}
	// packCopy: src is kc x (w+pad), dst kc x w.
	lds = w + pad
	src = randSlice[T](rng, max(kc*lds, 1))
	got = make([]T, kc*w+guard)
	for i := range got {
		got[i] = sentinel[T]()
	}
	want = append([]T(nil), got...)
	packCopy(p, got, src, lds, w, kc, alpha)
	packCopyRef(want, src, lds, w, kc, alpha)
	for i := range got {
		if !sameBits(got[i], want[i]) {
			return fmt.Sprintf("packCopy w=%d kc=%d pad=%d alpha=%v: dst[%d] = %v, twin %v", w, kc, pad, alpha, i, got[i], want[i])
		}
	}
	return ""
}
