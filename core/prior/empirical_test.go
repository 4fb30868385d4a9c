package prior

import (
	"math"
	"math/rand/v2"
	"testing"
)

func empiricalSample(p Prior, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n)
	for i := range x {
		x[i] = p.Sample(rng)
	}
	return x
}

// TestEmpiricalPosteriorTwin holds Empirical's one-pass posterior and its
// thinned quadrature panels to the generic mixture code on the same
// components: posterior to 1e-12 relative, MMSE to 1e-9 (both quadratures
// converge to 1e-12).
func TestEmpiricalPosteriorTwin(t *testing.T) {
	for _, p := range []Prior{Gaussian{}, BernoulliGaussian{0.2}, SparseRademacher{0.3}} {
		e, err := NewEmpirical("t", empiricalSample(p, 20000, 1), 12)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(2, 2))
		for i := 0; i < 500; i++ {
			r := 6 * (2*rng.Float64() - 1)
			tau := math.Exp(8 * (rng.Float64() - 0.75))
			m1, v1, l1 := e.Posterior(r, tau)
			m2, v2, l2 := e.Mixture.Posterior(r, tau)
			if math.Abs(m1-m2) > 1e-12*(1+math.Abs(m2)) || math.Abs(v1-v2) > 1e-11*v2+1e-15 || math.Abs(l1-l2) > 1e-12*(1+math.Abs(l2)) {
				t.Fatalf("%s r=%v tau=%v: posterior (%v %v %v), mixture (%v %v %v)", p.Name(), r, tau, m1, v1, l1, m2, v2, l2)
			}
		}
		for _, snr := range []float64{0.05, 1, 20, 500} {
			a, err := MMSE(e, snr)
			if err != nil {
				t.Fatal(err)
			}
			b, err := MMSE(e.Mixture, snr)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(a-b) > 1e-9*b+1e-20 {
				t.Errorf("%s snr %v: mmse with thinned panels %v, generic %v", p.Name(), snr, a, b)
			}
		}
	}
}

// TestEmpiricalMoments checks the compression keeps E x = 0 and E x^2 = 1
// exactly (to rounding) and that the zero atom is the sample's zero fraction.
func TestEmpiricalMoments(t *testing.T) {
	x := empiricalSample(BernoulliGaussian{0.3}, 50000, 3)
	for i := range x {
		x[i] *= 3.7 // unstandardised on purpose
	}
	e, err := NewEmpirical("bg", x, 0)
	if err != nil {
		t.Fatal(err)
	}
	var m1, m2 float64
	zeros := 0
	for _, c := range e.Components() {
		m1 += c.Weight * c.Mean
		m2 += c.Weight * (c.Var + c.Mean*c.Mean)
	}
	for _, v := range x {
		if v == 0 {
			zeros++
		}
	}
	if math.Abs(m1) > 1e-14 || math.Abs(m2-1) > 1e-12 {
		t.Errorf("E x = %v, E x^2 = %v, want 0 and 1", m1, m2)
	}
	if q := float64(zeros) / float64(len(x)); math.Abs(e.ZeroMass()-q) > 1e-15 {
		t.Errorf("zero mass %v, want %v", e.ZeroMass(), q)
	}
	for _, bad := range [][]float64{nil, {1}, {0, 0, 0}, {1, math.NaN()}, {1, math.Inf(1)}} {
		if _, err := NewEmpirical("bad", bad, 4); err == nil {
			t.Errorf("NewEmpirical(%v): no error", bad)
		}
	}
}

// TestEmpiricalMonteCarlo: the theory's mmse of the empirical prior agrees
// with the scalar channel y = x + z/sqrt(snr) run on the same data with the
// prior's own denoiser (DataMSE: Monte Carlo over the data, Gauss–Hermite
// over the noise). DataMSE is the mismatched mse mmse_P + E(eta_P - eta_Q)^2
// of the surrogate Q on the data's law P; it differs from mmse_Q by the
// compression error. Tolerance: 4 standard errors of DataMSE (false-failure
// rate 6e-5 per check) plus 2|mmse_B - mmse_4B|, the compression allowance
// (an error shrinking like 1/B^2 has |mmse_B - mmse_inf| ~ (16/15)|mmse_B -
// mmse_4B|; factor 2 covers the mismatch term). A 1% error in the prior's
// scale fails it at every snr (checked by planting it).
func TestEmpiricalMonteCarlo(t *testing.T) {
	for _, p := range []Prior{BernoulliGaussian{0.2}, SparseRademacher{0.5}} {
		x := empiricalSample(p, 100000, 5)
		var m2 float64
		for _, v := range x {
			m2 += v * v
		}
		e, err := NewEmpirical(p.Name(), x, 0)
		if err != nil {
			t.Fatal(err)
		}
		fine, err := NewEmpirical(p.Name(), x, 4*DefaultEmpiricalBins)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(9, 9))
		snrs := []float64{0.3, 1, 4}
		if _, ok := p.(SparseRademacher); ok {
			snrs = []float64{2} // atoms: Q is P exactly, a check of the posterior alone
		}
		for _, snr := range snrs {
			want, err := MMSE(e, snr)
			if err != nil {
				t.Fatal(err)
			}
			wantFine, err := MMSE(fine, snr)
			if err != nil {
				t.Fatal(err)
			}
			mc, se, err := DataMSE(e, x, 1/math.Sqrt(m2/float64(len(x))), snr, 250, 8, rng)
			if err != nil {
				t.Fatal(err)
			}
			tol := 4*se + 2*math.Abs(want-wantFine)
			if math.Abs(mc-want) > tol {
				t.Errorf("%s snr %v: theory mmse %.6f, data %.6f ± %.6f (tolerance %.6f)", p.Name(), snr, want, mc, se, tol)
			}
			t.Logf("%s snr %v: mmse_%d %.6f, mmse_%d %.6f, data %.6f ± %.6f", p.Name(), snr, e.Bins(), want, fine.Bins(), wantFine, mc, se)
		}
	}
}

// TestDataMSEGaussian: on the exact quantiles of N(0,1) (sample
// Phi^-1((i+1/2)/N)) with the Gaussian prior's denoiser, DataMSE is
// 1/(1+snr) up to the quantile grid's error (O(1/N) = 2e-5 at N = 5e4,
// allowance 1e-4) plus 4 standard errors; the standard error is below 1e-3,
// so a 1% error is seen.
func TestDataMSEGaussian(t *testing.T) {
	const n = 50000
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sqrt2 * math.Erfinv(2*(float64(i)+0.5)/n-1)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, snr := range []float64{0.2, 1, 5} {
		mc, se, err := DataMSE(Gaussian{}, x, 1, snr, 400, 8, rng)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 / (1 + snr); math.Abs(mc-want) > 4*se+1e-4 {
			t.Errorf("snr %v: DataMSE %v ± %v, want %v", snr, mc, se, want)
		}
	}
	if _, _, err := DataMSE(Gaussian{}, x, 1, 0, 10, 8, rng); err == nil {
		t.Error("DataMSE at snr 0: no error")
	}
}

// TestEmpiricalConverges: the empirical prior of a large sample from BG(p)
// or N(0,1) has the parent's mmse within sampling error. The allowance
// (0.004) is measured: the spread of mmse over 5 independent samples of 1e5
// at these snr is below 0.001, and the 64-bin compression moves it < 5e-4.
func TestEmpiricalConverges(t *testing.T) {
	for _, p := range []Prior{BernoulliGaussian{0.2}, Gaussian{}} {
		c, _ := AsChannel(p)
		e, err := NewEmpirical(p.Name(), empiricalSample(p, 100000, 11), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, snr := range []float64{0.5, 2, 8} {
			a, _ := MMSE(e, snr)
			b, _ := MMSE(c, snr)
			if math.Abs(a-b) > 0.004 {
				t.Errorf("%s snr %v: empirical mmse %v, parent %v", p.Name(), snr, a, b)
			}
		}
	}
}

func BenchmarkEmpiricalMMSE(b *testing.B) {
	e, err := NewEmpirical("bg", empiricalSample(BernoulliGaussian{0.2}, 100000, 1), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MMSE(e, 1); err != nil {
			b.Fatal(err)
		}
	}
}
