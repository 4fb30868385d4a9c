package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
)

// Exact checks of the estimators and formulas the statistical tests rely on,
// against direct implementations of their documented definitions on small
// random inputs (rounding only: 1e-12 relative).

func relClose(a, b float64) bool { return math.Abs(a-b) <= 1e-12*(1+math.Abs(b)) }

// TestControlVariateDirect: ControlVariate(l, c, mu) is mean(l) - beta
// (mean(c) - mu), beta the least-squares slope of l on c, with standard error
// sqrt(sum residual^2/(n - 2)/n); PairedDifference(a, b) is the mean of a - b
// with sqrt(sum (a - b - mean)^2/(n - 1)/n). Inputs with a real slope (l =
// 0.7 c + noise) so that a sign error in the correction shows.
func TestControlVariateDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for _, n := range []int{3, 10, 257} {
		l, c := make([]float64, n), make([]float64, n)
		for i := range l {
			c[i] = 1 + 0.3*rng.NormFloat64()
			l[i] = 0.7*c[i] + 0.1*rng.NormFloat64()
		}
		mu := 1.05
		var ml, mc float64
		for i := range l {
			ml += l[i] / float64(n)
			mc += c[i] / float64(n)
		}
		var sxy, sxx float64
		for i := range l {
			sxy += (l[i] - ml) * (c[i] - mc)
			sxx += (c[i] - mc) * (c[i] - mc)
		}
		beta := sxy / sxx
		var rss float64
		for i := range l {
			e := l[i] - ml - beta*(c[i]-mc)
			rss += e * e
		}
		e := ControlVariate(l, c, mu)
		if !relClose(e.Mean, ml-beta*(mc-mu)) || !relClose(e.StdErr, math.Sqrt(rss/float64(n-2)/float64(n))) || e.N != n {
			t.Errorf("n=%d: ControlVariate %+v, direct mean %v se %v", n, e, ml-beta*(mc-mu), math.Sqrt(rss/float64(n-2)/float64(n)))
		}
		var md, ss float64
		for i := range l {
			md += (l[i] - c[i]) / float64(n)
		}
		for i := range l {
			ss += (l[i] - c[i] - md) * (l[i] - c[i] - md)
		}
		p := PairedDifference(l, c)
		if !relClose(p.Mean, md) || !relClose(p.StdErr, math.Sqrt(ss/float64(n-1)/float64(n))) {
			t.Errorf("n=%d: PairedDifference %+v, direct mean %v se %v", n, p, md, math.Sqrt(ss/float64(n-1)/float64(n)))
		}
	}
}

// TestRowS4Direct: RowS4 is mean_i sum_k b_ik^4 / (sum_k b_ik^2)^2, for rows
// of any norm (the scale must cancel).
func TestRowS4Direct(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	b := mat.New[float64](5, 9)
	for i := range b.Rows {
		s := 0.2 + 3*rng.Float64() // rows of different norms
		for j := range b.Cols {
			b.Set(i, j, s*rng.NormFloat64())
		}
	}
	var want float64
	for i := range b.Rows {
		var n2, n4 float64
		for _, v := range b.Row(i) {
			n2 += v * v
			n4 += v * v * v * v
		}
		want += n4 / (n2 * n2) / float64(b.Rows)
	}
	if got := RowS4(b); !relClose(got, want) {
		t.Errorf("RowS4 %v, direct %v", got, want)
	}
}

// TestEffectiveChannelMoments: the decoder's channel parameters satisfy the
// moment relations they come from (THEORY.md 5, 7.1) at random rates:
// mu = sqrt(2/pi) r; Haar: mu^2 tau = r (1 - 2r/pi); i.i.d.: mu^2 tau = r.
func TestEffectiveChannelMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(75, 76))
	for range 20 {
		r := 0.02 + 0.98*rng.Float64()
		mu, tau, err := EffectiveChannel(HaarEnsemble, r)
		if err != nil || !relClose(mu, math.Sqrt(2/math.Pi)*r) || !relClose(mu*mu*tau, r*(1-2*r/math.Pi)) {
			t.Errorf("Haar r=%v: mu %v tau %v (%v)", r, mu, tau, err)
		}
		r2 := 4 * r
		mu, tau, err = EffectiveChannel(IIDEnsemble, r2)
		if err != nil || !relClose(mu, math.Sqrt(2/math.Pi)*r2) || !relClose(mu*mu*tau, r2) {
			t.Errorf("i.i.d. r=%v: mu %v tau %v (%v)", r2, mu, tau, err)
		}
	}
}
