package kernel

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// specials are the inputs where sign-like kernels branch.
var specials = []float64{0, math.Copysign(0, -1), 1, -1, math.Nextafter(1, 2), math.Nextafter(-1, -2),
	math.Nextafter(1, 0), 1e-30, -1e-30, math.Inf(1), math.Inf(-1), math.NaN(), 2, -2}

// ewInput draws n values mixing specials with uniform values on [-2, 2].
func ewInput[T Float](n int, seed uint64) []T {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]T, n)
	for i := range x {
		if rng.IntN(3) == 0 {
			x[i] = T(specials[rng.IntN(len(specials))])
		} else {
			x[i] = T(4*rng.Float64() - 2)
		}
	}
	return x
}

func sameBits[T Float](a, b T) bool {
	if unsafe4[T]() {
		return math.Float32bits(float32(a)) == math.Float32bits(float32(b)) ||
			(a != a && b != b)
	}
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b)) || (a != a && b != b)
}

// TestSignSTEMatchTwin: Sign and STEGrad equal their twins exactly (they
// only select among inputs and constants, so there is no rounding), for
// lengths 0..300 (vector bodies and scalar tails), specials included, under
// every tier, with dst separate and aliased, and with guards past dst.
func TestSignSTEMatchTwin(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		params := gopter.DefaultTestParametersWithSeed(7)
		params.MinSuccessfulTests = 200
		props := gopter.NewProperties(params)
		props.Property("f32", prop.ForAll(func(n int, seed uint64) string { return checkSignSTE[float32](n, seed) },
			gen.IntRange(0, 300), gen.UInt64()))
		props.Property("f64", prop.ForAll(func(n int, seed uint64) string { return checkSignSTE[float64](n, seed) },
			gen.IntRange(0, 300), gen.UInt64()))
		props.TestingRun(t)
	})
}

func checkSignSTE[T float32 | float64](n int, seed uint64) string {
	x, g := ewInput[T](n, seed), ewInput[T](n, seed+1)
	buf := make([]T, n+guard)
	for i := range buf {
		buf[i] = sentinel[T]()
	}
	want := make([]T, n)
	Sign(buf[:n], x)
	signRef(want, x)
	for i := range want {
		if !sameBits(buf[i], want[i]) {
			return "Sign differs from twin"
		}
	}
	if buf[n] != sentinel[T]() {
		return "Sign wrote past dst"
	}
	alias := append([]T(nil), x...)
	Sign(alias, alias)
	for i := range want {
		if !sameBits(alias[i], want[i]) {
			return "aliased Sign differs"
		}
	}
	STEGrad(buf[:n], g, x)
	steGradRef(want, g, x)
	for i := range want {
		if !sameBits(buf[i], want[i]) {
			return "STEGrad differs from twin"
		}
	}
	if buf[n] != sentinel[T]() {
		return "STEGrad wrote past dst"
	}
	return ""
}

func TestSignDefinition(t *testing.T) {
	// The twin itself against the definition, at the points that matter.
	in := []float64{0, math.Copysign(0, -1), 3, -3, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.Inf(-1)}
	want := []float64{1, 1, 1, -1, 1, -1, -1}
	got := make([]float64, len(in))
	forEachTier(t, func(t *testing.T, tr *tier) {
		Sign(got, in)
		for i := range in {
			if got[i] != want[i] {
				t.Errorf("sign(%v) = %v, want %v", in[i], got[i], want[i])
			}
		}
		nan := []float32{float32(math.NaN()), 0, 0, 0, 0, 0, 0, 0, 0}
		Sign(nan, nan)
		if nan[0] == nan[0] {
			t.Errorf("sign(NaN) = %v, want NaN", nan[0])
		}
	})
}

// TestTanhAccuracy: float32 Tanh is within 1 ulp (float32) of the float64
// value tanh(beta x): 0.5 ulp from the final rounding plus math.Tanh's error
// (a few float64 ulps, i.e. < 1e-7 float32 ulps).
func TestTanhAccuracy(t *testing.T) {
	x := ewInput[float32](4000, 11)
	dst := make([]float32, len(x))
	for _, beta := range []float32{0.5, 1, 8} {
		Tanh(dst, x, beta)
		for i, v := range x {
			want := math.Tanh(float64(beta) * float64(v))
			if v != v {
				if dst[i] == dst[i] {
					t.Fatalf("tanh(NaN) = %v", dst[i])
				}
				continue
			}
			if d := math.Abs(float64(dst[i]) - want); d > ulp32(want) {
				t.Fatalf("tanh(%v*%v) = %v, want %v", beta, v, dst[i], want)
			}
		}
	}
	// TanhGrad against its formula with t from Tanh: exact up to 3 roundings.
	g := ewInput[float32](len(x), 12)
	tt := make([]float32, len(x))
	Tanh(tt, x, 2)
	TanhGrad(dst, g, tt, 2)
	for i := range dst {
		want := float64(g[i]) * 2 * (1 - float64(tt[i])*float64(tt[i]))
		if g[i] != g[i] || math.IsInf(float64(g[i]), 0) || x[i] != x[i] {
			continue
		}
		if d := math.Abs(float64(dst[i]) - want); d > 4*0x1p-24*math.Abs(want)+1e-45 {
			t.Fatalf("TanhGrad(g=%v, t=%v) = %v, want %v", g[i], tt[i], dst[i], want)
		}
	}
}

// ulp32 is the float32 unit in the last place at |v|.
func ulp32(v float64) float64 {
	f := float32(math.Abs(v))
	return float64(math.Nextafter32(f, float32(math.Inf(1))) - f)
}

// TestAsinInvSqrtAccuracy checks the documented bounds on (-1, 1):
//   - InvSqrt1mSq (float64) within 2 ulp relative of a 256-bit reference
//     (1-x and 1+x: <= 0.5 ulp each, product 0.5, sqrt halves the 1.5 ulp
//     argument error and adds 0.5, reciprocal 0.5: <= 1.75 ulp), and the
//     float32 version within 0.5 ulp32 + that;
//   - Asin: sin(Asin(x)) = x within 2 ulp(x) + |cos| * err(Asin) (float64:
//     sin's and asin's own errors of about 1 ulp each, so 4 ulp(x)); the
//     float32 version within 0.5 ulp32 of math.Asin;
//   - the fused kernel equals the separate ones bit for bit.
func TestAsinInvSqrtAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 20000
	x := make([]float64, n)
	for i := range x {
		switch i % 3 {
		case 0:
			x[i] = 2*rng.Float64() - 1
		case 1: // close to ±1, where 1 - x^2 cancels
			x[i] = math.Copysign(1-math.Ldexp(rng.Float64(), -rng.IntN(50)), rng.Float64()-0.5)
		default:
			x[i] = math.Ldexp(rng.Float64(), -rng.IntN(60))
		}
		if math.Abs(x[i]) >= 1 {
			x[i] = 0.5
		}
	}
	as, inv := make([]float64, n), make([]float64, n)
	Asin(as, x)
	InvSqrt1mSq(inv, x)
	as2, inv2 := make([]float64, n), make([]float64, n)
	AsinInvSqrt1mSq(as2, inv2, x)
	for i, v := range x {
		if as[i] != as2[i] || inv[i] != inv2[i] {
			t.Fatalf("fused kernel differs at x=%v", v)
		}
		ref := invSqrtRef(v)
		if d := math.Abs(inv[i]-ref) / ref; d > 2*0x1p-52 {
			t.Fatalf("InvSqrt1mSq(%v) = %v, reference %v, rel err %g ulp", v, inv[i], ref, d/0x1p-52)
		}
		if d := math.Abs(math.Sin(as[i]) - v); d > 4*math.Abs(v)*0x1p-52+math.SmallestNonzeroFloat64 {
			t.Fatalf("sin(Asin(%v)) = %v", v, math.Sin(as[i]))
		}
	}
	x32 := make([]float32, n)
	for i := range x {
		x32[i] = float32(x[i])
		if math.Abs(float64(x32[i])) >= 1 {
			x32[i] = 0.25
		}
	}
	as32, inv32 := make([]float32, n), make([]float32, n)
	AsinInvSqrt1mSq(as32, inv32, x32)
	for i, v := range x32 {
		ref := invSqrtRef(float64(v))
		if d := math.Abs(float64(inv32[i]) - ref); d > ulp32(ref)/2+2*0x1p-52*ref {
			t.Fatalf("float32 InvSqrt1mSq(%v) = %v, reference %v", v, inv32[i], ref)
		}
		want := math.Asin(float64(v))
		if d := math.Abs(float64(as32[i]) - want); d > ulp32(want)/2+2*0x1p-52*math.Abs(want) {
			t.Fatalf("float32 Asin(%v) = %v, want %v", v, as32[i], want)
		}
	}
	// Domain edges.
	edge := []float64{1, -1, 1.5, math.NaN()}
	e1, e2 := make([]float64, 4), make([]float64, 4)
	AsinInvSqrt1mSq(e1, e2, edge)
	if e1[0] != math.Pi/2 || e1[1] != -math.Pi/2 || !math.IsNaN(e1[2]) || !math.IsNaN(e1[3]) ||
		!math.IsInf(e2[0], 1) || !math.IsInf(e2[1], 1) || !math.IsNaN(e2[2]) || !math.IsNaN(e2[3]) {
		t.Fatalf("edges: asin %v, inv %v", e1, e2)
	}
}

// invSqrtRef is (1 - x^2)^(-1/2) to 256 bits, rounded to float64.
func invSqrtRef(x float64) float64 {
	const prec = 256
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	s := new(big.Float).SetPrec(prec).Mul(bx, bx)
	s.Sub(one, s)
	s.Sqrt(s)
	s.Quo(one, s)
	f, _ := s.Float64()
	return f
}

func TestElementwiseNoAlloc(t *testing.T) {
	x := make([]float32, 1000)
	y := make([]float32, 1000)
	allocs := testing.AllocsPerRun(10, func() {
		Sign(y, x)
		STEGrad(y, x, x)
		Tanh(y, x, 1)
		AsinInvSqrt1mSq(y, y, x)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
}

func TestElementwiseLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic on length mismatch")
		}
	}()
	Sign(make([]float32, 3), make([]float32, 4))
}
