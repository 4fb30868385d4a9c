package prior

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Reference values of erfcx from mpmath at 30 digits.
func TestErfcx(t *testing.T) {
	cases := []struct{ x, want float64 }{
		{-5, 144009798674.66104041},
		{-1, 5.0089800807622834663},
		{0, 1},
		{0.5, 0.61569034419292587487},
		{1, 0.42758357615580700441},
		{3, 0.17900115118138995042},
		{9.99, 0.056196640706858820155},
		{10, 0.056140992743822585858},
		{10.01, 0.056085454355001920862},
		{20, 0.028174348741051319319},
		{100, 0.0056416137829894329036},
		{1e4, 0.000056418958072680841152},
	}
	// Tolerance 1e-14 relative: exp and erfc each carry ~1 ulp, and the
	// x^2 rounding is compensated; 1e-14 leaves a factor of ~20 over 4 ulp.
	for _, c := range cases {
		if got := Erfcx(c.x); math.Abs(got-c.want) > 1e-14*c.want {
			t.Errorf("Erfcx(%v) = %.17g, want %.17g (rel %.1e)", c.x, got, c.want, math.Abs(got/c.want-1))
		}
	}
	if !math.IsInf(Erfcx(-30), 1) || Erfcx(math.Inf(1)) != 0 || !math.IsNaN(Erfcx(math.NaN())) {
		t.Error("Erfcx edge cases")
	}
}

// The inverse Mills ratio against the direct ratio where both are accurate,
// and its asymptote h(a) ~ -a - 1/a for a -> -inf (THEORY.md 1).
func TestInverseMills(t *testing.T) {
	for _, a := range []float64{-3, -1, 0, 0.5, 2, 6} {
		phi := math.Exp(-a*a/2) / math.Sqrt(2*math.Pi)
		Phi := 0.5 * math.Erfc(-a/math.Sqrt2)
		if got := InverseMills(a); math.Abs(got-phi/Phi) > 1e-14*phi/Phi {
			t.Errorf("h(%v) = %.17g, want %.17g", a, got, phi/Phi)
		}
	}
	// -a - 1/a + 2/a^3 is the series to O(a^-5): at a = -1e3 the remainder is ~5e-15.
	a := -1e3
	if got, want := InverseMills(a), -a-1/a+2/(a*a*a); math.Abs(got-want) > 1e-12 {
		t.Errorf("h(%v) = %.17g, want %.17g", a, got, want)
	}
	if h := InverseMills(40); h != 0 && !(h > 0) {
		t.Errorf("h(40) = %v", h)
	}
	for _, a := range []float64{-1e6, -30, 0, 30, 1e6} {
		if v := TruncatedVariance(a); !(v >= 0 && v <= 1) {
			t.Errorf("TruncatedVariance(%v) = %v", a, v)
		}
	}
}

// TestMMSEReference reproduces the reference values of THEORY.md 6.2, printed
// to 10 decimals: the tolerance is the rounding bound 5e-11 plus the
// quadrature's requested 1e-12 relative.
func TestMMSEReference(t *testing.T) {
	snrs := []float64{0.1, 0.5, 1, 2, 5, 10}
	ref := []struct {
		p    Channel
		want []float64
	}{
		{BernoulliGaussian{0.1}, []float64{0.8554230060, 0.3812381122, 0.2067243642, 0.1021887928, 0.0375181144, 0.0172337337}},
		{BernoulliGaussian{0.3}, []float64{0.9044388409, 0.5956391339, 0.3953563370, 0.2285542474, 0.0960298884, 0.0469676288}},
		{SparseRademacher{0.3}, []float64{0.9090759394, 0.6645445229, 0.4864639509, 0.2828267526, 0.0639928387, 0.0062733128}},
		{SparseRademacher{0.9}, []float64{0.9087069615, 0.6520832793, 0.4576983974, 0.2533759879, 0.0821714215, 0.0315600329}},
	}
	for _, r := range ref {
		for i, snr := range snrs {
			got, err := MMSE(r.p, snr)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(got - r.want[i]); d > 5e-11+1e-12*r.want[i] {
				t.Errorf("mmse %s(%v) = %.12f, want %.10f (diff %.1e)", r.p.Name(), snr, got, r.want[i], d)
			}
		}
	}
}

// TestMMSEGaussianClosedForm: the quadrature reproduces mmse = 1/(1+snr)
// for N(0,1) over 16 decades of snr, to 1e-12 relative (the requested
// quadrature tolerance).
func TestMMSEGaussianClosedForm(t *testing.T) {
	for e := -6.0; e <= 10; e += 0.5 {
		snr := math.Pow(10, e)
		got, err := MMSE(Gaussian{}, snr)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 / (1 + snr); math.Abs(got-want) > 1e-12*want {
			t.Errorf("Gaussian mmse(%g) = %.17g, want %.17g", snr, got, want)
		}
	}
}

// TestMMSEHighSNRAsymptote: at snr >> 1 the mmse of BG(p) is p * tau (the
// 'on' component's posterior variance) up to the misclassification term, and
// that of SR(p) decays faster than any power. Checks the quadrature at
// extreme component-width ratios (1e-12 against 3).
func TestMMSEHighSNRAsymptote(t *testing.T) {
	for _, snr := range []float64{1e6, 1e9, 1e12} {
		got, err := MMSE(BernoulliGaussian{0.1}, snr)
		if err != nil {
			t.Fatal(err)
		}
		// Relative excess over p*tau is O(sqrt(tau log snr)): below 2e-2 at 1e6.
		if rel := got*snr/0.1 - 1; !(rel >= -1e-9 && rel < 2e-2) {
			t.Errorf("BG(0.1) mmse(%g)*snr/p - 1 = %g", snr, rel)
		}
		sr, err := MMSE(SparseRademacher{0.3}, snr)
		if err != nil || !(sr >= 0 && sr < 1e-300*snr+1e-100) {
			t.Errorf("SR(0.3) mmse(%g) = %g, %v", snr, sr, err)
		}
	}
}

// TestMMSEInvalid: bad snr is an error, never NaN.
func TestMMSEInvalid(t *testing.T) {
	for _, snr := range []float64{-1, math.NaN()} {
		if _, err := MMSE(Gaussian{}, snr); err == nil {
			t.Errorf("mmse(%v) accepted", snr)
		}
	}
	if v, _ := MMSE(SparseRademacher{0.5}, 0); v != 1 {
		t.Errorf("mmse(0) = %v, want E x^2 = 1", v)
	}
	if v, _ := MMSE(SparseRademacher{0.5}, math.Inf(1)); v != 0 {
		t.Errorf("mmse(Inf) = %v, want 0", v)
	}
}

// TestGenericMatchesBuiltin: the same prior built through the generic paths
// (NewMixture from components, NewDiscrete from atoms) gives the built-in's
// posterior to 1e-15 and its mmse to 1e-13 (identical arithmetic up to the
// rescaling by 1/sqrt(E x^2), which rounds).
func TestGenericMatchesBuiltin(t *testing.T) {
	bg, err := NewMixture("bg", []Component{{0.7, 0, 0}, {0.3, 0, 1}}) // rescaled to N(0, 1/0.3)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := NewDiscrete("sr", []float64{-2, 0, 2}, []float64{1, 4, 1}) // SR(1/3)
	if err != nil {
		t.Fatal(err)
	}
	pairs := []struct{ a, b Channel }{{bg, BernoulliGaussian{0.3}}, {sr, SparseRademacher{1.0 / 3}}}
	for _, p := range pairs {
		if math.Abs(p.a.AbsMoment()-p.b.AbsMoment()) > 1e-14 || math.Abs(p.a.ExcessKurtosis()-p.b.ExcessKurtosis()) > 1e-12 || math.Abs(p.a.ZeroMass()-p.b.ZeroMass()) > 1e-15 {
			t.Errorf("%s moments: %v %v %v vs %v %v %v", p.b.Name(), p.a.AbsMoment(), p.a.ExcessKurtosis(), p.a.ZeroMass(), p.b.AbsMoment(), p.b.ExcessKurtosis(), p.b.ZeroMass())
		}
		for _, snr := range []float64{0.3, 3, 300} {
			x, _ := MMSE(p.a, snr)
			y, _ := MMSE(p.b, snr)
			if math.Abs(x-y) > 1e-13 {
				t.Errorf("%s mmse(%v): generic %.17g builtin %.17g", p.b.Name(), snr, x, y)
			}
		}
	}
	if _, err := NewDiscrete("asym", []float64{-1, 2}, []float64{1, 1}); err == nil {
		t.Error("asymmetric discrete prior accepted")
	}
	if _, err := NewMixture("neg", []Component{{-1, 0, 1}, {2, 0, 1}}); err == nil {
		t.Error("negative weight accepted")
	}
}

// TestDensityUniform: the generic density path on the uniform law on
// [-sqrt 3, sqrt 3], against mpmath (30 digits) at snr = 1 and 10. Each
// posterior is itself a quadrature to 1e-13, so 1e-11 relative is the bound.
func TestDensityUniform(t *testing.T) {
	u, err := NewDensity("uniform", func(float64) float64 { return 1 }, 5) // rescaled to [-sqrt 3, sqrt 3]
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(u.AbsMoment()-math.Sqrt(3)/2) > 1e-13 || math.Abs(u.ExcessKurtosis()+1.2) > 1e-12 {
		t.Errorf("uniform moments %v %v", u.AbsMoment(), u.ExcessKurtosis())
	}
	for _, c := range []struct{ snr, want float64 }{{1, 0.48779018327261}, {10, 0.0835099490938881}} {
		got, err := MMSE(u, c.snr)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-11*c.want+1e-14 {
			t.Errorf("uniform mmse(%v) = %.15f, want %.15f", c.snr, got, c.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// Sample mean of x^2 over 1e5 draws: se = sqrt(Var x^2 / N) = sqrt(0.8/1e5) = 0.0028; 5 se.
	var s2 float64
	const n = 100000
	for range n {
		x := u.Sample(rng)
		s2 += x * x
	}
	if math.Abs(s2/n-1) > 5*math.Sqrt(0.8/n) {
		t.Errorf("uniform sample E x^2 = %v", s2/n)
	}
	if _, err := NewDensity("odd", func(x float64) float64 { return 1 + x }, 0.5); err == nil {
		t.Error("non-even density accepted")
	}
}

func BenchmarkMMSE(b *testing.B) {
	for _, c := range []struct {
		name string
		p    Channel
		snr  float64
	}{
		{"bg0.1/snr1.75", BernoulliGaussian{0.1}, 1.7519383939},
		{"bg0.1/snr1e4", BernoulliGaussian{0.1}, 1e4},
		{"sr0.3/snr1.75", SparseRademacher{0.3}, 1.7519383939},
		{"sr0.3/snr100", SparseRademacher{0.3}, 100},
		{"gauss/snr1.75", Gaussian{}, 1.7519383939},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := MMSE(c.p, c.snr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPosterior(b *testing.B) {
	p := BernoulliGaussian{0.1}
	r := 0.0
	b.ReportAllocs()
	for b.Loop() {
		m, _, _ := p.Posterior(r, 0.5)
		r = m + 0.1
	}
}

// TestMMSEQuadratureConvergence cross-checks the adaptive rule against an
// independent method, the uniform trapezoid rule of THEORY.md 6.2 (step =
// smallest component sd / 40 on [0, max centre + 13 sd], spectrally
// convergent for these smooth, fast-decaying integrands), and against itself
// with a 100x tighter tolerance. Both agree to 1e-12 relative (the
// requested accuracy) from snr 0.01 to 30. Above that the trapezoid step no
// longer resolves the switch between SR atoms (width tau/a, below sd/40 for
// snr >~ 100), so the SR values at snr 100 and 1000 (1e-19 to 1e-183) are
// checked against mpmath at 40 digits instead (1e-12 relative).
func TestMMSEQuadratureConvergence(t *testing.T) {
	for _, c := range []Channel{BernoulliGaussian{0.1}, BernoulliGaussian{0.5}, SparseRademacher{0.3}, SparseRademacher{0.9}} {
		for _, snr := range []float64{0.01, 0.3, 3, 30} {
			tau := 1 / snr
			var cs []Component
			switch p := c.(type) {
			case BernoulliGaussian:
				cs = p.Components()
			case SparseRademacher:
				cs = p.Components()
			}
			sdMin, upper := math.Inf(1), 0.0
			for _, k := range cs {
				sd := math.Sqrt(k.Var + tau)
				sdMin = min(sdMin, sd)
				upper = max(upper, math.Abs(k.Mean)+13*sd)
			}
			h := sdMin / 40
			var trap float64
			for i := 0; float64(i)*h <= upper; i++ {
				_, v, lp := c.Posterior(float64(i)*h, tau)
				w := 1.0
				if i == 0 {
					w = 0.5
				}
				trap += w * v * math.Exp(lp)
			}
			trap *= 2 * h
			got, err := MMSE(c, snr)
			if err != nil {
				t.Fatal(err)
			}
			var buf [64]float64
			tight, _, ok := quadIntegrate(c, tau, buf[:0], 1e-14)
			if !ok || math.Abs(got-trap) > 1e-12*got || math.Abs(got-tight) > 1e-12*got {
				t.Errorf("%s snr %g: adaptive %.17g, trapezoid %.17g, tight %.17g", c.Name(), snr, got, trap, tight)
			}
		}
	}
	for _, c := range []struct {
		p         Channel
		snr, want float64
	}{
		{SparseRademacher{0.3}, 100, 1.1688760789201462035e-19},
		{SparseRademacher{0.3}, 1000, 5.1795811908184258527e-183},
		{SparseRademacher{0.9}, 1000, 8.4634343796691476583e-63},
	} {
		if got, err := MMSE(c.p, c.snr); err != nil || math.Abs(got-c.want) > 1e-12*c.want {
			t.Errorf("%s mmse(%v) = %.17g, want %.17g (%v)", c.p.Name(), c.snr, got, c.want, err)
		}
	}
}
