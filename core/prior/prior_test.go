package prior

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Prior
	}{
		{"gaussian", Gaussian{}}, {"bg:0.3", BernoulliGaussian{0.3}}, {"sr:1", SparseRademacher{1}}, {" BG:0.05 ", BernoulliGaussian{0.05}},
	} {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if back, err := Parse(got.Name()); err != nil || back != got {
			t.Errorf("Parse(Name()) of %v = %v, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "bg", "bg:0", "bg:1.5", "bg:-0.1", "bg:NaN", "sr:x", "gaussian:1", "laplace"} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), "prior") {
			t.Errorf("Parse(%q): error %v, want one naming the prior", in, err)
		}
	}
}

// TestMoments checks E x = 0, E x^2 = 1, E|x| and E x^4 - 3 against 4e5
// draws. Tolerance: 5 standard errors of each sample mean, with the standard
// error computed from the sample itself (false-failure rate ~6e-7 per check).
func TestMoments(t *testing.T) {
	const n = 400000
	x := make([]float64, n)
	for _, p := range []Prior{Gaussian{}, BernoulliGaussian{0.1}, BernoulliGaussian{0.5}, SparseRademacher{0.3}, SparseRademacher{1}} {
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range x {
			x[i] = p.Sample(rng)
		}
		checkMoments(t, p, x)
	}
}

// checkMoments holds the sample x of p to E x = 0, E x^2 = 1, E|x|,
// E x^4 = kappa + 3 and P(x = 0), each within 5 standard errors estimated
// from the sample (false-failure rate ~6e-7 per check).
func checkMoments(t *testing.T, p Prior, x []float64) {
	t.Helper()
	n := float64(len(x))
	var m [4][2]float64 // sums of f and f^2 for f = x, x^2, |x|, x^4
	zeros := 0
	for _, v := range x {
		if v == 0 {
			zeros++
		}
		for k, f := range []float64{v, v * v, math.Abs(v), v * v * v * v} {
			m[k][0] += f
			m[k][1] += f * f
		}
	}
	want := []float64{0, 1, p.AbsMoment(), p.ExcessKurtosis() + 3}
	for k, name := range []string{"E x", "E x^2", "E|x|", "E x^4"} {
		mean := m[k][0] / n
		se := math.Sqrt((m[k][1]/n - mean*mean) / n)
		if math.Abs(mean-want[k]) > 5*se+1e-12 {
			t.Errorf("%s: %s = %.5f ± %.5f, want %.5f", p.Name(), name, mean, se, want[k])
		}
	}
	q := p.ZeroMass()
	if se := math.Sqrt(q*(1-q)/n) + 1e-12; math.Abs(float64(zeros)/n-q) > 5*se {
		t.Errorf("%s: P(x=0) = %.6f, want %.6f", p.Name(), float64(zeros)/n, q)
	}
}
