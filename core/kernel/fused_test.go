package kernel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// TestFusedMatchTwin: SubSq, SumSq, Scale and Adam equal their twins bit
// for bit (outputs and the float64 sums), for lengths 0..300 (vector bodies
// and scalar tails), specials included, under every tier, with guards past
// dst.
func TestFusedMatchTwin(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		params := gopter.DefaultTestParametersWithSeed(11)
		params.MinSuccessfulTests = 200
		props := gopter.NewProperties(params)
		props.Property("f32", prop.ForAll(func(n int, seed uint64) string { return checkFused[float32](n, seed) },
			gen.IntRange(0, 300), gen.UInt64()))
		props.Property("f64", prop.ForAll(func(n int, seed uint64) string { return checkFused[float64](n, seed) },
			gen.IntRange(0, 300), gen.UInt64()))
		props.TestingRun(t)
	})
}

func checkFused[T float32 | float64](n int, seed uint64) string {
	a, b := ewInput[T](n, seed), ewInput[T](n, seed+1)
	buf := make([]T, n+guard)
	for i := range buf {
		buf[i] = sentinel[T]()
	}
	want := make([]T, n)
	var acc [8]float64
	got := SubSq(buf[:n], a, b)
	subSqRef(want, a, b, 0, &acc)
	if !sameBits(got, sumLanes(&acc)) {
		return "SubSq sum differs from twin"
	}
	for i := range want {
		if !sameBits(buf[i], want[i]) {
			return "SubSq differs from twin"
		}
	}
	if buf[n] != sentinel[T]() {
		return "SubSq wrote past dst"
	}
	acc = [8]float64{}
	sumSqRef(a, 0, &acc)
	if !sameBits(SumSq(a), sumLanes(&acc)) {
		return "SumSq differs from twin"
	}
	copy(buf, a)
	copy(want, a)
	Scale(buf[:n], T(0.7))
	scaleRef(want, T(0.7))
	for i := range want {
		if !sameBits(buf[i], want[i]) {
			return "Scale differs from twin"
		}
	}
	if buf[n] != sentinel[T]() {
		return "Scale wrote past dst"
	}
	// Adam on realistic values: moments from earlier steps, v >= 0.
	rng := rand.New(rand.NewPCG(seed, 9))
	w, m, v, g := make([]T, n), make([]T, n), make([]T, n), make([]T, n)
	for i := range w {
		w[i], m[i], g[i] = T(rng.NormFloat64()), T(0.1*rng.NormFloat64()), T(rng.NormFloat64()*math.Exp(4*rng.NormFloat64()))
		v[i] = T(0.01 * rng.ExpFloat64())
		if i%17 == 3 {
			v[i], m[i] = 0, 0 // the first step
		}
	}
	w2, m2, v2 := append([]T(nil), w...), append([]T(nil), m...), append([]T(nil), v...)
	Adam(w, m, v, g, 0.9, 0.999, 3e-3, 1e-8)
	b1, b2 := 0.9, 0.999 // variables: 1-b1 is then the float64 difference, as in Adam
	adamRef(w2, m2, v2, g, T(b1), T(1-b1), T(b2), T(1-b2), T(3e-3), T(1e-8))
	for i := range w {
		if !sameBits(w[i], w2[i]) || !sameBits(m[i], m2[i]) || !sameBits(v[i], v2[i]) {
			return "Adam differs from twin"
		}
	}
	return ""
}

// TestFusedDefinition holds the twins to their formulas evaluated in
// float64 (float32 inputs). SubSq/SumSq: each residual is exact up to 0.5
// ulp (float32) and the squares are exact, so the sum is within
// n * 2^-24 (relative, from the residual roundings, 2 x 0.5 ulp per square)
// plus n * 2^-52 (the float64 additions); we allow 2x that. Adam: each
// output is a chain of at most 7 float32 roundings, so within 8 float32
// ulps (2^-23 relative per rounding, with margin) of the magnitudes of the
// terms of the float64 formula applied to the same float32 inputs, the
// error of m and v carried into the step to first order; a dropped bias term or a 1% error in
// any constant exceeds this by orders of magnitude.
func TestFusedDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n = 1000
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	dst := make([]float32, n)
	got := SubSq(dst, a, b)
	var want, wantSq float64
	for i := range a {
		r := float64(a[i]) - float64(b[i])
		want += r * r
		wantSq += float64(a[i]) * float64(a[i])
	}
	if tol := 2 * n * (0x1p-24 + 0x1p-52) * want; math.Abs(got-want) > tol {
		t.Errorf("SubSq = %.17g, want %.17g ± %.2g", got, want, tol)
	}
	if tol := 2 * n * 0x1p-52 * wantSq; math.Abs(SumSq(a)-wantSq) > tol {
		t.Errorf("SumSq = %.17g, want %.17g ± %.2g", SumSq(a), wantSq, tol)
	}
	w, m, v, g := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range w {
		w[i], m[i], g[i], v[i] = float32(rng.NormFloat64()), float32(0.1*rng.NormFloat64()), float32(rng.NormFloat64()), float32(0.01*rng.ExpFloat64())
	}
	w0, m0, v0 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
	const b1, b2, lr, eps = 0.9, 0.999, 3e-3, 1e-8
	Adam(w, m, v, g, b1, b2, lr, eps)
	for i := range w {
		gi := float64(g[i])
		mi := b1*float64(m0[i]) + (1-b1)*gi
		vi := b2*float64(v0[i]) + (1-b2)*gi*gi
		step := lr * mi / (math.Sqrt(vi) + eps)
		wi := float64(w0[i]) - step
		// Bounds relative to the magnitudes of the terms (the sums may cancel).
		const u = 8 * 0x1p-23
		errM := u * (b1*math.Abs(float64(m0[i])) + (1-b1)*math.Abs(gi))
		errV := u * (b2*float64(v0[i]) + (1-b2)*gi*gi)
		errStep := u*math.Abs(step) + lr*errM/(math.Sqrt(vi)+eps) + math.Abs(step)*errV/(2*vi)
		if math.Abs(float64(m[i])-mi) > errM || math.Abs(float64(v[i])-vi) > errV ||
			math.Abs(float64(w[i])-wi) > u*math.Abs(float64(w0[i]))+errStep {
			t.Fatalf("Adam at %d: (w, m, v) = (%v, %v, %v), want (%v, %v, %v)", i, w[i], m[i], v[i], wi, mi, vi)
		}
	}
}
