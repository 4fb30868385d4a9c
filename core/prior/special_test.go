package prior

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Special functions at random points, against references computed another
// way, so that an error between the points of the reference tables (a branch
// switched at the wrong argument, a wrong series coefficient) is seen.

// erfcxRef is exp(x^2) erfc(x) by math.Erfc and a compensated exp(x^2) for
// x < 5 (relative error < 1e-15 + x^2 1.1e-16 from the rounding of x^2 and
// exp), and by the continued fraction
// erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
// evaluated backwards from 400 terms for x >= 5 (converged to rounding).
func erfcxRef(x float64) float64 {
	if x < 5 {
		hi := x * x
		lo := math.FMA(x, x, -hi)
		return math.Erfc(x) * math.Exp(hi) * math.Exp(lo)
	}
	t := x
	for k := 400; k >= 1; k-- {
		t = x + float64(k)/2/t
	}
	return 1 / (t * math.SqrtPi)
}

// TestErfcxRandomPoints: Erfcx at 400 random x in [-5, 60] (and a log-uniform
// tail up to 1e4) is within 2e-14 relative of erfcxRef.
func TestErfcxRandomPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	for range 400 {
		x := -5 + 65*rng.Float64()
		if rng.IntN(5) == 0 {
			x = 60 * math.Pow(170, rng.Float64())
		}
		got, want := Erfcx(x), erfcxRef(x)
		if math.Abs(got-want) > 2e-14*want {
			t.Errorf("Erfcx(%v) = %.17g, reference %.17g (rel %.1e)", x, got, want, math.Abs(got/want-1))
		}
	}
}

// mmseRef is mmse_P(snr) for a mixture prior by composite Simpson over r in
// [-L, L] (L = max_k |c_k| + 12 sqrt(s_k + tau)), with the posterior written
// directly from the mixture (no log-sum-exp, no adaptive quadrature):
// mmse = E[x^2] - int p(r) E[x|r]^2 dr. 40000 panels resolve the narrowest
// marginal (width sqrt(tau) >= 0.2 here) to an error below 1e-12.
func mmseRef(cs []Component, snr float64) float64 {
	tau := 1 / snr
	var L, ex2 float64
	for _, c := range cs {
		L = max(L, math.Abs(c.Mean)+12*math.Sqrt(c.Var+tau))
		ex2 += c.Weight * (c.Var + c.Mean*c.Mean)
	}
	f := func(r float64) float64 {
		var pr, num float64
		for _, c := range cs {
			v := c.Var + tau
			w := c.Weight * math.Exp(-(r-c.Mean)*(r-c.Mean)/(2*v)) / math.Sqrt(2*math.Pi*v)
			pr += w
			num += w * (c.Var*r + tau*c.Mean) / v
		}
		if pr == 0 {
			return 0
		}
		return num * num / pr
	}
	const n = 40000
	h := 2 * L / n
	s := f(-L) + f(L)
	for i := 1; i < n; i++ {
		c := 2.0
		if i%2 == 1 {
			c = 4
		}
		s += c * f(-L+float64(i)*h)
	}
	return ex2 - s*h/3
}

// TestMMSERandomPoints: MMSE of BG(p), SR(p) and a 4-PAM prior at random
// p in [0.05, 0.95] and snr log-uniform in [0.05, 20] agrees with mmseRef to
// 1e-9 absolute + 1e-8 relative (MMSE's quadrature tolerance is far tighter).
func TestMMSERandomPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 84))
	pam, err := NewDiscrete("pam4", []float64{-3, -1, 1, 3}, []float64{1, 2, 2, 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		p := 0.05 + 0.9*rng.Float64()
		snr := 0.05 * math.Pow(400, rng.Float64())
		a := 1 / math.Sqrt(p)
		for _, c := range []struct {
			ch Channel
			cs []Component // written out here, independent of Components()
		}{
			{BernoulliGaussian{P: p}, []Component{{1 - p, 0, 0}, {p, 0, 1 / p}}},
			{SparseRademacher{P: p}, []Component{{1 - p, 0, 0}, {p / 2, a, 0}, {p / 2, -a, 0}}},
			{pam, pam.Components()},
		} {
			got, err := MMSE(c.ch, snr)
			want := mmseRef(c.cs, snr)
			if err != nil || math.Abs(got-want) > 1e-9+1e-8*want {
				t.Errorf("%s snr %v: MMSE %.12g, reference %.12g (%v)", c.ch.Name(), snr, got, want, err)
			}
		}
	}
}
