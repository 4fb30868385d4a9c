package theory

import (
	"math"
	"testing"

	"github.com/seed05b1c944/onebit/core/prior"
)

// TestBlockIdentityMatchesClosedForms: the 1-block enumeration is the
// identity, so its three losses equal the closed forms of THEORY.md 4.1 and
// its finite-d full-linear loss equals IdentityLossFiniteD (same algebra by
// another route: 1e-12, rounding), for SR, BG and a discrete prior.
func TestBlockIdentityMatchesClosedForms(t *testing.T) {
	tern, err := prior.NewDiscrete("tern", []float64{-1.5, -0.5, 0, 0.5, 1.5}, []float64{0.1, 0.2, 0.4, 0.2, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []prior.Prior{sr03, sr09, bg01, prior.BernoulliGaussian{P: 0.7}, prior.Gaussian{}, prior.SparseRademacher{P: 1}, tern} {
		l, err := BlockLossesOf(p, []float64{1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := BlockLosses{Sym: IdentityLoss(p, FairCoin, Symmetric), PlusOne: IdentityLoss(p, PlusOne, Affine), Tied: IdentityLoss(p, PlusOne, Symmetric)}
		if math.Abs(l.Sym-want.Sym) > 1e-12 || math.Abs(l.PlusOne-want.PlusOne) > 1e-12 || math.Abs(l.Tied-want.Tied) > 1e-12 {
			t.Errorf("%s: 1-block %+v, closed forms %+v", p.Name(), l, want)
		}
		b, _ := NewBlockCode(p, []float64{1}, 1, PlusOne)
		for _, d := range []int{1, 7, 64, 500} {
			got, err1 := b.FullLinearLossFiniteD(d)
			w, err2 := IdentityLossFiniteD(p, d)
			if err1 != nil || err2 != nil || math.Abs(got-w) > 1e-12 {
				t.Errorf("%s d=%d: block finite-d %v, closed form %v (%v %v)", p.Name(), d, got, w, err1, err2)
			}
		}
	}
}

// TestBlockTable reproduces THEORY.md 4.2: Haar k-blocks for SR(p) and the
// Hadamard facts. The sheet's entries are rounded to 3 decimals and were
// themselves averaged over Haar draws with se <= 0.002 (k = 2 included:
// the sheet's tied 2-block 0.408 is 0.4090 by quadrature here), so the
// bound is 5e-4 (rounding) + 3 * sqrt(0.002^2 + se^2) (theirs and ours),
// about 0.007. The Hadamard facts are exact (1e-12).
func TestBlockTable(t *testing.T) {
	sheet := []struct {
		p    float64
		k    int
		conv string
		want float64
	}{
		{0.3, 2, "sym", 0.553}, {0.3, 3, "sym", 0.489}, {0.3, 5, "sym", 0.420}, {0.3, 7, "sym", 0.393},
		{0.3, 2, "+1", 0.340}, {0.3, 3, "+1", 0.339}, {0.3, 4, "+1", 0.352}, {0.3, 7, "+1", 0.373},
		{0.5, 2, "sym", 0.375}, {0.5, 4, "sym", 0.342}, {0.5, 5, "sym", 0.341}, {0.5, 2, "tied", 0.408}, {0.5, 7, "tied", 0.347},
		{0.6366, 2, "sym", 0.279}, {0.6366, 4, "sym", 0.304}, {0.8, 2, "sym", 0.168}, {0.8, 5, "sym", 0.291},
		{1, 2, "sym", 0}, {1, 3, "sym", 0.114}, {1, 7, "sym", 0.289},
	}
	for _, c := range sheet {
		h, err := HaarBlockLosses(prior.SparseRademacher{P: c.p}, c.k, HaarOptions{Rotations: 400})
		if err != nil {
			t.Fatal(err)
		}
		got, se := map[string]float64{"sym": h.Mean.Sym, "+1": h.Mean.PlusOne, "tied": h.Mean.Tied}[c.conv], map[string]float64{"sym": h.SE.Sym, "+1": h.SE.PlusOne, "tied": h.SE.Tied}[c.conv]
		tol := 5e-4 + 3*math.Hypot(0.002, se)
		if math.Abs(got-c.want) > tol {
			t.Errorf("SR(%v) k=%d %s: %.4f ± %.4f, sheet %.3f (bound %.4f)", c.p, c.k, c.conv, got, se, c.want, tol)
		}
	}
	h2, _ := Hadamard(2)
	l, err := BlockLossesOf(prior.SparseRademacher{P: 1}, h2, 2)
	if err != nil || math.Abs(l.Sym-0.5) > 1e-12 || math.Abs(l.PlusOne-0.25) > 1e-12 {
		t.Errorf("Hadamard-2 at p=1: %+v, want sym 1/2 and +1 1/4 (%v)", l, err)
	}
	// Gaussian data: any orthogonal block gives 1 - 2/pi exactly (THEORY.md 1(a)).
	for _, k := range []int{2, 4} {
		q, _ := Hadamard(k)
		l, err := BlockLossesOf(prior.Gaussian{}, q, k)
		if err != nil || math.Abs(l.Sym-RotationLoss()) > 1e-12 || math.Abs(l.PlusOne-RotationLoss()) > 1e-12 {
			t.Errorf("Gaussian Hadamard-%d: %+v, want 1 - 2/pi", k, l)
		}
	}
}

// TestBlockTwoGenericAngles: for SR the coin and plus1 2-block losses are the
// same at every generic angle and in both orientations (THEORY.md 4.2; so
// the quadrature average equals any one angle to its tolerance, 1e-9), and
// differ at the non-generic 45 degrees (the Hadamard block).
func TestBlockTwoGenericAngles(t *testing.T) {
	for _, p := range []prior.Prior{sr03, prior.SparseRademacher{P: 0.7}, bg01} {
		ref, _ := HaarBlockLosses(p, 2, HaarOptions{})
		for _, th := range []float64{0.01, 0.2, 0.7, 1.0, 2.0, 3.5, 5.9} {
			c, s := math.Cos(th), math.Sin(th)
			for _, q := range [][]float64{{c, -s, s, c}, {c, s, s, -c}} {
				l, err := BlockLossesOf(p, q, 2)
				if err != nil || math.Abs(l.Sym-ref.Mean.Sym) > 1e-9 || math.Abs(l.PlusOne-ref.Mean.PlusOne) > 1e-9 {
					if _, isBG := p.(prior.BernoulliGaussian); isBG && err == nil {
						continue // BG: the loss depends on the angle (continuous states)
					}
					t.Errorf("%s angle %v: %+v, at 0.3: %+v (%v)", p.Name(), th, l, ref.Mean, err)
				}
			}
		}
		h2, _ := Hadamard(2)
		if l, _ := BlockLossesOf(p, h2, 2); math.Abs(l.Sym-ref.Mean.Sym) < 1e-3 {
			t.Errorf("%s: Hadamard-2 %v equals the generic angle %v", p.Name(), l.Sym, ref.Mean.Sym)
		}
	}
}

// TestPhaseCandidates: the report's winners and critical points (THEORY.md
// 4.1-4.2): at SR(0.5) a block beats both extremes under the coin
// convention; at SR(0.9) the plus1 winner is a 1- or 2-block (identity-like);
// BG has no critical p; the finite-d critical p tends to (4 - pi)/2 as
// O(1/d) (the Edgeworth and 1/d identity terms), so at d = 10^5 it is within
// 1e-3 of it.
func TestPhaseCandidates(t *testing.T) {
	rep, err := PhaseCandidates(prior.SparseRademacher{P: 0.5}, PhaseOptions{Dim: 64, Haar: HaarOptions{Rotations: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if w := rep.Winner[ConventionCoin]; w.K < 2 || w.Loss >= RotationLoss() || w.Loss >= IdentityLoss(prior.SparseRademacher{P: 0.5}, FairCoin, Symmetric) {
		t.Errorf("SR(0.5) coin winner %+v, want a block below both extremes", w)
	}
	if len(rep.Critical) != 3 || rep.Critical[2].Dim != 64 {
		t.Errorf("critical: %+v", rep.Critical)
	}
	rep, err = PhaseCandidates(sr09, PhaseOptions{MaxHaar: 3, Haar: HaarOptions{Rotations: 50}})
	if w := rep.Winner[ConventionPlus1]; err != nil || w.K > 2 || w.Structure == "rotation" {
		t.Errorf("SR(0.9) plus1 winner %+v (%v)", w, err)
	}
	rep, err = PhaseCandidates(bg01, PhaseOptions{MaxHaar: 3, Haar: HaarOptions{Rotations: 50}})
	if err != nil || len(rep.Critical) != 0 || rep.Winner[ConventionPlus1].Structure != "rotation" {
		t.Errorf("BG(0.1): critical %+v, winner %+v (%v)", rep.Critical, rep.Winner[ConventionPlus1], err)
	}
	if pc, err := CriticalSRFiniteD(100000); err != nil || math.Abs(pc-CriticalSR(PlusOne, Affine)) > 1e-3 {
		t.Errorf("finite-d critical p at d = 1e5: %v, want (4-pi)/2 (%v)", pc, err)
	}
	if _, err := PhaseCandidates(sr03, PhaseOptions{MaxHaar: 9}); err == nil {
		t.Error("MaxHaar 9 accepted")
	}
	if _, err := NewBlockCode(sr03, []float64{1, 0, 0}, 2, PlusOne); err == nil {
		t.Error("a 2-block with 3 entries accepted")
	}
}
