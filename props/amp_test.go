package props

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/theory"
)

// long reports whether the thorough sizes were asked for (ONEBIT_LONG=1).
func long() bool { return os.Getenv("ONEBIT_LONG") == "1" }

// cvMean is model.ControlVariate with q = ||x||^2/d (E q = 1, THEORY.md 10).
func cvMean(l, q []float64) (mean, se float64) {
	e := model.ControlVariate(l, q, 1)
	return e.Mean, e.StdErr
}

// sqNorms is model.Energies: ||x_s||^2/d for each row of x.
func sqNorms(x *mat.Dense[float64]) []float64 { return model.Energies(x) }

// ampCase is one comparison of an algorithm with its state evolution.
type ampCase struct {
	p    prior.Prior
	r    float64
	enc  theory.Encoder
	c    float64 // finite-size constant: MC - SE <= c/d (THEORY.md 10, measured)
	d    int
	mats int // independent encoders
	sigs int // signals per encoder
	T    int // iterations compared
}

// runAMP runs the algorithm of cs.enc on fresh encoders and signals and
// returns per-iteration losses (flattened over encoders and signals) and
// the control variates.
func runAMP(t *testing.T, cs ampCase, seed uint64) (loss [][]float64, q []float64) {
	t.Helper()
	ch, err := prior.AsChannel(cs.p)
	if err != nil {
		t.Fatal(err)
	}
	n := int(math.Round(cs.r * float64(cs.d)))
	loss = make([][]float64, cs.T)
	for m := range cs.mats {
		rng := rand.New(rand.NewPCG(pcgSeed(seed), uint64(m)))
		var b *mat.Dense[float64]
		if cs.enc == theory.Haar {
			b, err = amp.HaarRows(rng, n, cs.d)
		} else {
			b, err = amp.GaussianRows(rng, n, cs.d)
		}
		if err != nil {
			t.Fatal(err)
		}
		x := mat.New[float64](cs.sigs, cs.d)
		prior.Fill(cs.p, rng, x.Data)
		y, err := model.Codes(b, x)
		if err != nil {
			t.Fatal(err)
		}
		var res *amp.Result
		if cs.enc == theory.Haar {
			res, err = amp.VAMP(b, y, ch, cs.T, x)
		} else {
			res, err = amp.GAMP(b, y, ch, cs.T, x)
		}
		if err != nil {
			t.Fatalf("%s r=%v %v: %v", cs.p.Name(), cs.r, cs.enc, err)
		}
		for it := range cs.T {
			loss[it] = append(loss[it], res.MSE[it]...)
		}
		q = append(q, sqNorms(x)...)
	}
	return loss, q
}

// TestAMPMatchesStateEvolution runs GAMP (i.i.d. Gaussian B) and VAMP (Haar B)
// at d >= 1000 and holds the per-iteration MSE to the state evolution of
// theory (THEORY.md 7). Tolerance per iteration (THEORY.md 10):
//
//	-z se <= MC - SE_t <= z se + 1.5 c/d,
//
// with se the control-variate standard error of the MC mean and c the
// finite-size constant (the O(1/d) offset is positive): BG(0.1) r=1 c = 7
// (VAMP, measured 5-7) and 9 (GAMP); BG(0.3) r=1 c = 2; SR(p) c = 1
// (noise-level: measured d*(MC - SE) = 1.6 ± 1.5 for GAMP, SR(0.9), r=1,
// 256 signals at d = 1000). The band is z = zSE standard errors; its false-failure probability
// (60 one-sided tails) is entered in the registry of props/budget_test.go.
func TestAMPMatchesStateEvolution(t *testing.T) {
	cases := []ampCase{
		{p: prior.BernoulliGaussian{P: 0.1}, r: 1, enc: theory.Haar, c: 7},
		{p: prior.BernoulliGaussian{P: 0.1}, r: 1, enc: theory.IIDGaussian, c: 9},
		{p: prior.SparseRademacher{P: 0.9}, r: 1, enc: theory.Haar, c: 1},
		{p: prior.SparseRademacher{P: 0.9}, r: 1, enc: theory.IIDGaussian, c: 1},
		// r != 1, so that n and d cannot be confused (THEORY.md 10, BG(0.1), r = 0.5:
		// VAMP c = 5-7, GAMP c = 11).
		{p: prior.BernoulliGaussian{P: 0.1}, r: 0.5, enc: theory.Haar, c: 7},
		{p: prior.BernoulliGaussian{P: 0.1}, r: 0.5, enc: theory.IIDGaussian, c: 11},
	}
	d, mats, sigs, T := 1000, 1, 16, 5
	if long() {
		cases = append(cases,
			ampCase{p: prior.BernoulliGaussian{P: 0.3}, r: 1, enc: theory.Haar, c: 2},
			ampCase{p: prior.BernoulliGaussian{P: 0.3}, r: 1, enc: theory.IIDGaussian, c: 2},
			ampCase{p: prior.SparseRademacher{P: 0.3}, r: 0.5, enc: theory.Haar, c: 1},
			ampCase{p: prior.SparseRademacher{P: 0.3}, r: 0.5, enc: theory.IIDGaussian, c: 1},
		)
		d, mats, sigs, T = 2000, 4, 32, 12
	}
	for i, cs := range cases {
		cs.d, cs.mats, cs.sigs, cs.T = d, mats, sigs, T
		t.Run(fmt.Sprintf("%s/r=%v/%v", cs.p.Name(), cs.r, cs.enc), func(t *testing.T) {
			se, err := theory.StateEvolution(cs.p, cs.r, cs.enc, theory.SEOptions{Iters: cs.T})
			if err != nil {
				t.Fatal(err)
			}
			loss, q := runAMP(t, cs, 1000+uint64(i))
			var worst float64
			for it := range cs.T {
				mc, sd := cvMean(loss[it], q)
				diff := mc - se.Trajectory[it]
				worst = max(worst, math.Abs(diff))
				if diff < -zSE*sd || diff > zSE*sd+1.5*cs.c/float64(cs.d) {
					t.Errorf("t=%d: MC %.4f ± %.4f, SE %.4f: outside [-z se, z se + 1.5 c/d]", it+1, mc, sd, se.Trajectory[it])
				}
			}
			t.Logf("largest |MC - SE| over %d iterations: %.4f (d = %d, %d signals)", cs.T, worst, cs.d, len(q))
		})
	}
}

// TestVAMPFirstIterationIsShallowDenoiser: VAMP's first iteration is,
// algebraically and at every d, the shallow decoder u/mu = sqrt(pi/2)/r B^T s
// followed by the MMSE denoiser at snr = 2r/(pi - 2r) (THEORY.md 7.2).
// Compared coordinate-wise; the bound 1e-12 covers the different order of
// the floating-point operations (values O(1), a d-term dot product).
func TestVAMPFirstIterationIsShallowDenoiser(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := prior.BernoulliGaussian{P: 0.2}
	for _, n := range []int{150, 300} {
		d := 300
		r := float64(n) / float64(d)
		b, err := amp.HaarRows(rng, n, d)
		if err != nil {
			t.Fatal(err)
		}
		x := mat.New[float64](3, d)
		prior.Fill(p, rng, x.Data)
		y, _ := model.Codes(b, x)
		res, err := amp.VAMP(b, y, p, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		snr, _ := theory.ShallowSNR(r)
		for s := range 3 {
			for i := range d {
				var u float64
				for j := range n {
					u += b.At(j, i) * y.At(s, j)
				}
				want, _, _ := p.Posterior(u*math.Sqrt(math.Pi/2)/r, 1/snr)
				if got := res.Xhat.At(s, i); math.Abs(got-want) > 1e-12 {
					t.Fatalf("r=%v signal %d coord %d: VAMP t=1 %.15g, shallow+denoiser %.15g", r, s, i, got, want)
				}
			}
		}
	}
}

// TestVAMPNearPerfectRecovery: SR(0.1) at r = 1 is above its perfect-recovery
// threshold (entropy 0.569 bits < 1, THEORY.md 8.1), where VAMP's posterior
// variance underflows; with the guards of THEORY.md 8.1 the run stays finite
// and ends near MSE 0 (SE: MSE 0 by iteration 4). At d = 1000 a signal may
// keep a few misdecoded nonzero coordinates, each 1/(p d) = 0.01 of MSE
// (ONEBIT_SEED=5445963811331652123 left one signal with one and another with
// three), so: every signal below 0.05 (five misdecodings; the unguarded
// failure ends at 0.7), and at least half the signals below 1e-3 (perfect).
func TestVAMPNearPerfectRecovery(t *testing.T) {
	cs := ampCase{p: prior.SparseRademacher{P: 0.1}, r: 1, enc: theory.Haar, d: 1000, mats: 1, sigs: 8, T: 15}
	loss, _ := runAMP(t, cs, 77)
	perfect := 0
	for s, l := range loss[cs.T-1] {
		if !(l < 0.05) {
			t.Errorf("signal %d: final MSE %v", s, l)
		}
		if l < 1e-3 {
			perfect++
		}
	}
	if 2*perfect < cs.sigs {
		t.Errorf("%d of %d signals recovered perfectly (MSE < 1e-3): %v", perfect, cs.sigs, loss[cs.T-1])
	}
}
