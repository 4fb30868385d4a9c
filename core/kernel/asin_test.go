package kernel

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// asinInput draws n values of the kinds the arcsine kernels branch on:
// uniform on [-1, 1], around the branch point |x| = 1/2, close to ±1
// (1 - 2^-k), tiny and subnormal magnitudes, and the specials.
func asinInput(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		sign := float64(1 - 2*rng.IntN(2))
		switch rng.IntN(6) {
		case 0, 1:
			x[i] = 2*rng.Float64() - 1
		case 2:
			x[i] = sign * (0.5 + math.Ldexp(rng.Float64()-0.5, -rng.IntN(50)))
		case 3:
			x[i] = sign * (1 - math.Ldexp(rng.Float64(), -rng.IntN(53)))
		case 4:
			x[i] = sign * math.Ldexp(rng.Float64(), -rng.IntN(1070))
		default:
			x[i] = specials[rng.IntN(len(specials))]
		}
	}
	return x
}

// TestAsinVecMatchesTwin holds the vectorised Asin and AsinInvSqrt1mSq of
// every tier to their twins asinRef and asinInvRef bit for bit (the kernels
// perform the twin's operations in its order; NaNs compare equal whatever
// their payload), for lengths 0..100 (vector bodies and scalar tails),
// float32 and float64, with guards past dst.
func TestAsinVecMatchesTwin(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		params := gopter.DefaultTestParametersWithSeed(20261128)
		params.MinSuccessfulTests = 200
		props := gopter.NewProperties(params)
		props.Property("f64", prop.ForAll(func(n int, seed uint64) string { return checkAsinTwin[float64](n, seed) },
			gen.IntRange(0, 100), gen.UInt64()))
		props.Property("f32", prop.ForAll(func(n int, seed uint64) string { return checkAsinTwin[float32](n, seed) },
			gen.IntRange(0, 100), gen.UInt64()))
		props.TestingRun(t)
	})
}

func checkAsinTwin[T float32 | float64](n int, seed uint64) string {
	x64 := asinInput(rand.New(rand.NewPCG(seed, 4)), n)
	x := make([]T, n)
	for i, v := range x64 {
		x[i] = T(v)
	}
	as, inv := make([]T, n+guard), make([]T, n+guard)
	for i := range as {
		as[i], inv[i] = sentinel[T](), sentinel[T]()
	}
	wantAs, wantInv := make([]T, n), make([]T, n)
	asinInvRef(wantAs, wantInv, x)
	AsinInvSqrt1mSq(as[:n], inv[:n], x)
	for i := range n {
		if !sameBits(as[i], wantAs[i]) || !sameBits(inv[i], wantInv[i]) {
			return fmt.Sprintf("AsinInvSqrt1mSq(%v) = %v, %v; twin %v, %v", x[i], as[i], inv[i], wantAs[i], wantInv[i])
		}
	}
	Asin(as[:n], x)
	for i := range n {
		if !sameBits(as[i], wantAs[i]) {
			return fmt.Sprintf("Asin(%v) = %v; twin %v", x[i], as[i], wantAs[i])
		}
	}
	if as[n] != sentinel[T]() || inv[n] != sentinel[T]() {
		return "wrote past dst"
	}
	return ""
}

// TestAsinVecAccuracy measures asinTwin (hence Asin in float64 on every
// tier) against arcsin computed in 256-bit arithmetic and rounded, and
// requires at most asinMaxULP ulps of error. The bound's budget (derived in
// internal/gen/asin.go): 0.5 ulp for the final rounding, < 0.1 ulp from the
// polynomial (its term is at most 5% of the result) and, for |x| > 1/2,
// <= 0.5 ulp from sqrt and < 0.05 ulp from the compensated subtraction from
// pi/2: about 1.1 ulp, so 2 leaves a margin the measurement must respect.
func TestAsinVecAccuracy(t *testing.T) {
	n := 6000
	if long() {
		n = 100000
	}
	x := asinInput(rand.New(rand.NewPCG(77, 78)), n)
	worst, worstX := 0.0, 0.0
	for _, v := range x {
		if math.IsNaN(v) || math.Abs(v) > 1 || math.IsInf(v, 0) {
			if got := asinTwin(v); !math.IsNaN(got) {
				t.Fatalf("asin(%v) = %v, want NaN", v, got)
			}
			continue
		}
		got, ref := asinTwin(v), asinBig(v)
		if got == ref {
			continue
		}
		fr := math.Abs(ref)
		u := math.Nextafter(fr, math.Inf(1)) - fr
		if e := math.Abs(got-ref) / u; e > worst {
			worst, worstX = e, v
		}
	}
	t.Logf("max error %.3g ulp at x = %v (%d points)", worst, worstX, n)
	if worst > asinMaxULP {
		t.Fatalf("asin error %.3g ulp at x = %v exceeds %d", worst, worstX, asinMaxULP)
	}
	if asinTwin(1) != math.Pi/2 || asinTwin(-1) != -math.Pi/2 || math.Signbit(asinTwin(0)) || !math.Signbit(asinTwin(math.Copysign(0, -1))) {
		t.Fatalf("asin(±1) = %v, %v; asin(±0) = %v, %v", asinTwin(1), asinTwin(-1), asinTwin(0), asinTwin(math.Copysign(0, -1)))
	}
}

// piBig is pi to 64 significant digits (about 212 bits).
var piBig, _, _ = big.ParseFloat("3.141592653589793238462643383279502884197169399375105820974944592", 10, 256, big.ToNearestEven)

// asinBig is arcsin(x) in 256-bit arithmetic, rounded to float64: the
// Maclaurin series sum_n (2n)!/(4^n (n!)^2 (2n+1)) x^(2n+1) for |x| <= 1/2
// (terms shrink by 4 each), and asin(x) = pi/2 - 2 asin(sqrt((1-x)/2)) above.
func asinBig(x float64) float64 {
	const prec = 256
	bx := new(big.Float).SetPrec(prec).SetFloat64(math.Abs(x))
	half := big.NewFloat(0.5)
	reflect := bx.Cmp(half) > 0
	if reflect {
		bx.Sub(big.NewFloat(1).SetPrec(prec), bx)
		bx.Mul(bx, half)
		bx.Sqrt(bx)
	}
	x2 := new(big.Float).SetPrec(prec).Mul(bx, bx)
	term := new(big.Float).SetPrec(prec).Set(bx) // a_n x^(2n+1) without the 1/(2n+1)
	sum := new(big.Float).SetPrec(prec)
	for k := 0; k < 200 && term.Sign() != 0; k++ {
		sum.Add(sum, new(big.Float).SetPrec(prec).Quo(term, big.NewFloat(float64(2*k+1))))
		term.Mul(term, x2)
		term.Mul(term, big.NewFloat(float64((2*k+1)*(2*k+2))))
		term.Quo(term, big.NewFloat(float64(4*(k+1)*(k+1))))
	}
	if reflect {
		sum.Mul(sum, big.NewFloat(-2))
		sum.Add(sum, new(big.Float).SetPrec(prec).Quo(piBig, big.NewFloat(2)))
	}
	f, _ := sum.Float64()
	return math.Copysign(f, x)
}

// BenchmarkAsinInvSqrt1mSq times the fused arcsine kernel on the active
// tier and its scalar twin, on 4096 values of |rho| < 1 (ns/op per call;
// elements/s reported).
func BenchmarkAsinInvSqrt1mSq(b *testing.B) {
	const n = 4096
	rng := rand.New(rand.NewPCG(3, 3))
	for _, impl := range []string{"kernel", "twin"} {
		b.Run("f64/"+impl, func(b *testing.B) {
			x := make([]float64, n)
			for i := range x {
				x[i] = 2*rng.Float64() - 1
			}
			as, inv := make([]float64, n), make([]float64, n)
			b.ReportAllocs()
			for b.Loop() {
				if impl == "kernel" {
					AsinInvSqrt1mSq(as, inv, x)
				} else {
					asinInvRef(as, inv, x)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
		})
		b.Run("f32/"+impl, func(b *testing.B) {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(2*rng.Float64() - 1)
			}
			as, inv := make([]float32, n), make([]float32, n)
			b.ReportAllocs()
			for b.Loop() {
				if impl == "kernel" {
					AsinInvSqrt1mSq(as, inv, x)
				} else {
					asinInvRef(as, inv, x)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
		})
	}
}
