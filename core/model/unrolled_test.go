package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// vampProblem returns a Haar encoder, signals and their codes.
func vampProblem(t testing.TB, p prior.Prior, n, d, N int, seed uint64) (b, x, y *mat.Dense[float64]) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	b, err := amp.HaarRows(rng, n, d)
	if err != nil {
		t.Fatal(err)
	}
	x = mat.New[float64](N, d)
	prior.Fill(p, rng, x.Data)
	y = mat.New[float64](N, n)
	Encode(y, b, x)
	return b, x, y
}

// TestFixedForwardIsVAMP: the network at Theta = 0 reproduces core/amp.VAMP at every layer. Bound 1e-9:
// the two differ only in the order of floating-point operations (values
// O(1), sums of d terms, T layers of a contraction-free recursion, so the
// observed differences ~1e-13 have a large margin).
func TestFixedForwardIsVAMP(t *testing.T) {
	p := prior.BernoulliGaussian{P: 0.2}
	const n, d, N, T = 120, 200, 4, 6
	b, x, y := vampProblem(t, p, n, d, N, 1)
	u, err := NewUnrolledVAMP(b, p, T)
	if err != nil {
		t.Fatal(err)
	}
	ws := u.NewWorkspace(N)
	if _, err := u.Forward(ws, y); err != nil {
		t.Fatal(err)
	}
	mse := make([][]float64, T)
	for i := range mse {
		mse[i] = make([]float64, N)
	}
	u.LayerMSE(ws, x, mse)
	res, err := amp.VAMP(b, y, p, T, x)
	if err != nil {
		t.Fatal(err)
	}
	for s := range N {
		if res.Frozen[s] != 0 {
			t.Fatalf("signal %d froze; pick another case", s)
		}
		for i := range d {
			if diff := math.Abs(res.Xhat.At(s, i) - ws.xh[T-1].At(s, i)); diff > 1e-9 {
				t.Fatalf("signal %d coord %d: amp.VAMP %.15g, FixedForward %.15g", s, i, res.Xhat.At(s, i), ws.xh[T-1].At(s, i))
			}
		}
		for l := range T {
			if diff := math.Abs(res.MSE[l][s] - mse[l][s]); diff > 1e-9 {
				t.Errorf("layer %d signal %d: MSE %.15g vs %.15g", l+1, s, res.MSE[l][s], mse[l][s])
			}
		}
	}
}

// TestGradientMatchesFiniteDifferences holds the backward pass to central
// differences of the loss in each log-parameter. With step h = 1e-5 the
// truncation error is h^2 |L”'|/6 ~ 1e-11 (L”' = O(1) in log-parameters),
// the rounding error of the loss (a sum of N d terms, relative error
// ~ 1e-16 sqrt(N d)) divided by h is ~ 1e-10, and the central difference
// inside d eta/d tau adds ~ 1e-10 |dL/dx_hat| sums; the bound
// 1e-7 + 1e-6 |g| leaves a factor >= 100 over their sum.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	for _, p := range []prior.Channel{prior.BernoulliGaussian{P: 0.1}, prior.SparseRademacher{P: 0.5}, prior.Gaussian{}} {
		const n, d, N, T = 60, 100, 5, 4
		b, x, y := vampProblem(t, p, n, d, N, 3)
		u, err := NewUnrolledVAMP(b, p, T)
		if err != nil {
			t.Fatal(err)
		}
		// Move away from the calibrated point so no component is special.
		rng := rand.New(rand.NewPCG(5, 5))
		for i := range u.Theta {
			u.Theta[i] += 0.1 * rng.NormFloat64()
		}
		ws := u.NewWorkspace(N)
		grad := make([]float64, len(u.Theta))
		if _, err := u.Gradient(ws, x, y, grad); err != nil {
			t.Fatal(err)
		}
		loss := func() float64 {
			xh, err := u.Forward(ws, y)
			if err != nil {
				t.Fatal(err)
			}
			var s float64
			for i, v := range x.Data {
				e := v - xh.Data[i]
				s += e * e
			}
			return s / float64(N*d)
		}
		const h = 1e-5
		for k := range u.Theta {
			th := u.Theta[k]
			u.Theta[k] = th + h
			lp := loss()
			u.Theta[k] = th - h
			lm := loss()
			u.Theta[k] = th
			fd := (lp - lm) / (2 * h)
			if math.Abs(fd-grad[k]) > 1e-7+1e-6*math.Abs(grad[k]) {
				t.Errorf("%s layer %d param %d: backward %.10g, finite difference %.10g", p.Name(), k/ParamsPerLayer+1, k%ParamsPerLayer, grad[k], fd)
			}
		}
	}
}

// TestForwardAllocatesNothing: Forward and Gradient on a reused workspace do
// not allocate.
func TestForwardAllocatesNothing(t *testing.T) {
	p := prior.BernoulliGaussian{P: 0.2}
	b, x, y := vampProblem(t, p, 40, 80, 3, 9)
	u, err := NewUnrolledVAMP(b, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	ws := u.NewWorkspace(3)
	grad := make([]float64, len(u.Theta))
	if n := testing.AllocsPerRun(5, func() { _, _ = u.Forward(ws, y) }); n != 0 {
		t.Errorf("Forward: %v allocations", n)
	}
	if n := testing.AllocsPerRun(5, func() { _, _ = u.Gradient(ws, x, y, grad) }); n != 0 {
		t.Errorf("Gradient: %v allocations", n)
	}
}

// TestSplineLinearAndFit: a spline with values a k_j is the line a v at
// every v (inside the knots and in the linear continuation beyond them), and
// FitSpline recovers a spline from exact data of that spline (to 1e-9:
// the normal equations of K = 6 unknowns with condition number < 1e4).
func TestSplineLinearAndFit(t *testing.T) {
	knots := []float64{0.3, 0.7, 1.1, 2, 3.5, 5}
	lin := &Spline{Knots: knots, Values: make([]float64, len(knots))}
	for j, k := range knots {
		lin.Values[j] = 0.7 * k
	}
	for _, v := range []float64{-9, -5, -1, -0.1, 0, 0.2, 0.3, 1.5, 5, 12} {
		if got := lin.Eval(v); math.Abs(got-0.7*v) > 1e-14 {
			t.Errorf("linear spline at %v = %v, want %v", v, got, 0.7*v)
		}
	}
	want := &Spline{Knots: knots, Values: []float64{0.1, -0.2, 0.9, 1.5, 1.4, 3}}
	rng := rand.New(rand.NewPCG(1, 1))
	v := make([]float64, 500)
	x := make([]float64, 500)
	for i := range v {
		v[i] = 3 * rng.NormFloat64()
		x[i] = want.Eval(v[i])
	}
	got, err := FitSpline(v, x, knots)
	if err != nil {
		t.Fatal(err)
	}
	for j := range knots {
		if math.Abs(got.Values[j]-want.Values[j]) > 1e-9 {
			t.Errorf("value %d: fitted %v, want %v", j, got.Values[j], want.Values[j])
		}
	}
	if _, err := FitSpline(v[:3], x[:3], knots); err == nil {
		t.Error("fit with empty pieces: no error")
	}
}

// BenchmarkUnrolledStep is one forward+backward pass (Gradient) of a T = 5
// layer network on a batch of 32 BG(0.1) signals at d = n = 500.
func BenchmarkUnrolledStep(b *testing.B) {
	p := prior.BernoulliGaussian{P: 0.1}
	const n, d, N, T = 500, 500, 32, 5
	enc, x, y := vampProblem(b, p, n, d, N, 1)
	u, _ := NewUnrolledVAMP(enc, p, T)
	ws := u.NewWorkspace(N)
	grad := make([]float64, len(u.Theta))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Gradient(ws, x, y, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkUnrolledForward is the inference pass of the same network.
func BenchmarkUnrolledForward(b *testing.B) {
	p := prior.BernoulliGaussian{P: 0.1}
	const n, d, N, T = 500, 500, 32, 5
	enc, _, y := vampProblem(b, p, n, d, N, 1)
	u, _ := NewUnrolledVAMP(enc, p, T)
	ws := u.NewWorkspace(N)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Forward(ws, y); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*N)/b.Elapsed().Seconds(), "samples/s")
}
