package theory

import (
	"fmt"
	"math"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/seed05b1c944/onebit/core/prior"
)

// TestSignChannelI reproduces I(kappa) of THEORY.md 1 (12 digits printed,
// rounding bound 5e-13) and mpmath values at 30 digits (1e-13 relative, the
// quadrature's requested accuracy), and the large-kappa limit
// kappa I(kappa) -> 0.720647 (6 digits; at kappa = 1e3 the correction is
// O(1/kappa^2) = 1e-6 relative, so the bound is 5e-7 + 1e-6).
func TestSignChannelI(t *testing.T) {
	sheet := []struct{ k, want float64 }{
		{0.5, 0.584924625164}, {1, 0.480537958075}, {2, 0.315056523267}, {5, 0.140726579683},
	}
	for _, c := range sheet {
		got, err := SignChannelI(c.k)
		if err != nil || math.Abs(got-c.want) > 5e-13 {
			t.Errorf("I(%v) = %.15f, want %.12f (%v)", c.k, got, c.want, err)
		}
	}
	mp := []struct{ k, want float64 }{
		{0.1, 0.6343171656099961}, {0.5, 0.5849246251641318}, {1, 0.4805379580749103},
		{20, 0.03597745117996153}, {1000, 0.0007206467292945652},
	}
	for _, c := range mp {
		got, err := SignChannelI(c.k)
		if err != nil || math.Abs(got-c.want) > 1e-13*c.want {
			t.Errorf("I(%v) = %.17g, want %.17g (%v)", c.k, got, c.want, err)
		}
	}
	if got, _ := SignChannelI(0); got != 2/math.Pi {
		t.Errorf("I(0) = %v, want 2/pi", got)
	}
	if got, _ := SignChannelI(1000); math.Abs(1000*got-0.720647) > 5e-7+1e-6 {
		t.Errorf("1000 I(1000) = %v, want -> 0.720647", 1000*got)
	}
	prev := 2 / math.Pi
	for k := 0.05; k < 100; k *= 1.3 {
		got, _ := SignChannelI(k)
		if got >= prev {
			t.Errorf("I not decreasing at kappa %v: %v >= %v", k, got, prev)
		}
		prev = got
	}
	for _, k := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := SignChannelI(k); err == nil {
			t.Errorf("I(%v) accepted", k)
		}
	}
}

var (
	bg01 = prior.BernoulliGaussian{P: 0.1}
	bg03 = prior.BernoulliGaussian{P: 0.3}
	sr03 = prior.SparseRademacher{P: 0.3}
	sr09 = prior.SparseRademacher{P: 0.9}
	gau  = prior.Gaussian{}
)

// TestReferenceExact reproduces the 10-digit table of THEORY.md 9 (r = 1) and
// snr_shallow(r): printed to 10 decimals, so the bound is the rounding 5e-11
// plus the SE's 1e-13 stopping rule and 1e-12 quadrature error.
func TestReferenceExact(t *testing.T) {
	const tol = 5e-11 + 2e-12
	for i, r := range []float64{0.25, 0.5, 0.75, 1} {
		want := []float64{0.1892797511, 0.4669422069, 0.9137467792, 1.7519383939}[i]
		if got, _ := ShallowSNR(r); math.Abs(got-want) > tol {
			t.Errorf("snr_shallow(%v) = %.12f, want %.10f", r, got, want)
		}
	}
	rows := []struct {
		p              prior.Prior
		den, gamp, vmp float64
	}{
		{bg01, 0.1174886916, 0.0791205923, 0.0608192229},
		{bg03, 0.2560454978, 0.3550746564, 0.2398621807},
		{sr03, 0.3220908693, 0.4964945554, 0.3188889933},
		{sr09, 0.2898835771, 0.4530230474, 0.2797195447},
		{gau, 0.3633802276, 0.5137363630, 0.3633802276},
	}
	for _, row := range rows {
		den, err := DenoiserLoss(row.p, 1, Haar)
		if err != nil {
			t.Fatal(err)
		}
		g, err := GAMPStateEvolution(row.p, 1, SEOptions{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := VAMPStateEvolution(row.p, 1, SEOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"denoiser", den, row.den}, {"gamp fp", g.FixedPoint, row.gamp}, {"vamp fp", v.FixedPoint, row.vmp}} {
			if math.Abs(c.got-c.want) > tol {
				t.Errorf("%s %s: %.12f, want %.10f", row.p.Name(), c.name, c.got, c.want)
			}
		}
	}
}

// TestReferenceTable reproduces the limit columns of THEORY.md 9 and the
// t = 1, 2, 3 columns of THEORY.md 8.2, printed to 4 decimals: bound 5e-5
// plus 1e-12 (tight enough that any change of the formulas shows).
func TestReferenceTable(t *testing.T) {
	const tol = 5e-5 + 1e-12
	type row struct {
		p                     prior.Prior
		r                     float64
		lin, den, gamp, vampV float64
	}
	rows := []row{
		{gau, 0.25, 0.8408, 0.8408, 0.8502, 0.8408}, {gau, 0.5, 0.6817, 0.6817, 0.7197, 0.6817},
		{gau, 0.75, 0.5225, 0.5225, 0.6079, 0.5225}, {gau, 1, 0.3634, 0.3634, 0.5137, 0.3634},
		{bg01, 0.25, 0.8408, 0.6968, 0.6768, 0.6489}, {bg01, 0.5, 0.6817, 0.4021, 0.3239, 0.2726},
		{bg01, 0.75, 0.5225, 0.2253, 0.1524, 0.1193}, {bg01, 1, 0.3634, 0.1175, 0.0791, 0.0608},
		{bg03, 0.25, 0.8408, 0.8225, 0.8321, 0.8198}, {bg03, 0.5, 0.6817, 0.6150, 0.6481, 0.5935},
		{bg03, 0.75, 0.5225, 0.4206, 0.4836, 0.3834}, {bg03, 1, 0.3634, 0.2560, 0.3551, 0.2399},
		{sr03, 0.25, 0.8408, 0.8407, 0.8502, 0.8407}, {sr03, 0.5, 0.6817, 0.6800, 0.7185, 0.6796},
		{sr03, 0.75, 0.5225, 0.5116, 0.6022, 0.5081}, {sr03, 1, 0.3634, 0.3221, 0.4965, 0.3189},
		{sr09, 0.25, 0.8408, 0.8390, 0.8485, 0.8387}, {sr09, 0.5, 0.6817, 0.6688, 0.7085, 0.6656},
		{sr09, 0.75, 0.5225, 0.4849, 0.5772, 0.4710}, {sr09, 1, 0.3634, 0.2899, 0.4530, 0.2797},
	}
	for _, w := range rows {
		lin, _ := GaussEquivalentLoss(w.r)
		den, err := DenoiserLoss(w.p, w.r, Haar)
		if err != nil {
			t.Fatal(err)
		}
		g, err := GAMPStateEvolution(w.p, w.r, SEOptions{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := VAMPStateEvolution(w.p, w.r, SEOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"linear", lin, w.lin}, {"denoiser", den, w.den}, {"gamp", g.FixedPoint, w.gamp}, {"vamp", v.FixedPoint, w.vampV}} {
			if math.Abs(c.got-c.want) > tol {
				t.Errorf("%s r=%v %s: %.6f, want %.4f", w.p.Name(), w.r, c.name, c.got, c.want)
			}
		}
	}
	// THEORY.md 8.2: GAMP-iid t=1 and VAMP-Haar t=2, t=3.
	traj := []struct {
		p          prior.Prior
		r          float64
		g1, v2, v3 float64
	}{
		{bg01, 0.25, 0.7474, 0.6589, 0.6511}, {bg01, 0.5, 0.5268, 0.3129, 0.2867}, {bg01, 1, 0.3123, 0.0793, 0.0681},
		{bg03, 0.5, 0.7157, 0.5959, 0.5937}, {bg03, 1, 0.5255, 0.2419, 0.2401},
		{sr03, 0.5, 0.7580, 0.6796, 0.6796}, {sr03, 1, 0.6068, 0.3191, 0.3189}, {sr09, 1, 0.5889, 0.2810, 0.2799},
	}
	for _, w := range traj {
		g, err1 := GAMPStateEvolution(w.p, w.r, SEOptions{Iters: 3})
		v, err2 := VAMPStateEvolution(w.p, w.r, SEOptions{Iters: 3})
		if err1 != nil || err2 != nil || len(g.Trajectory) != 3 || len(v.Trajectory) != 3 {
			t.Fatalf("%s r=%v: %v %v", w.p.Name(), w.r, err1, err2)
		}
		if math.Abs(g.Trajectory[0]-w.g1) > tol || math.Abs(v.Trajectory[1]-w.v2) > tol || math.Abs(v.Trajectory[2]-w.v3) > tol {
			t.Errorf("%s r=%v: GAMP t1 %.5f VAMP t2 %.5f t3 %.5f, want %.4f %.4f %.4f", w.p.Name(), w.r, g.Trajectory[0], v.Trajectory[1], v.Trajectory[2], w.g1, w.v2, w.v3)
		}
	}
}

// TestPhase reproduces the table of THEORY.md 4.1 (3 decimals: bound 5e-4)
// and the critical parameters of SR (bisection against the closed forms to
// 1e-12, the bisection's resolution being ~1e-16).
func TestPhase(t *testing.T) {
	rows := []struct {
		p             prior.Prior
		sym, plus, ro float64
	}{
		{sr03, 0.700, 0.412, 0.363}, {prior.SparseRademacher{P: 0.5}, 0.500, 0.333, 0.363},
		{prior.SparseRademacher{P: 0.6366}, 0.363, 0.267, 0.363}, {sr09, 0.100, 0.091, 0.363},
		{bg01, 0.936, 0.665, 0.363}, {prior.BernoulliGaussian{P: 0.7}, 0.554, 0.510, 0.363},
	}
	for _, w := range rows {
		ph := PhaseR1(w.p)
		if math.Abs(ph.IdentitySymmetric-w.sym) > 5e-4 || math.Abs(ph.IdentityPlusOne-w.plus) > 5e-4 || math.Abs(ph.Rotation-w.ro) > 5e-4 {
			t.Errorf("%s: %+v, want %v %v %v", w.p.Name(), ph, w.sym, w.plus, w.ro)
		}
		if got := IdentityLoss(w.p, FairCoin, Affine); got != ph.IdentitySymmetric {
			t.Errorf("%s: fair ties with an affine decoder %v, want the symmetric value %v", w.p.Name(), got, ph.IdentitySymmetric)
		}
		if got := IdentityLoss(w.p, PlusOne, Symmetric); got != ph.IdentitySymmetric {
			t.Errorf("%s: +1 ties with a symmetric decoder %v, want %v", w.p.Name(), got, ph.IdentitySymmetric)
		}
	}
	sr := func(p float64) prior.Prior { return prior.SparseRademacher{P: p} }
	for _, c := range []struct {
		ties Ties
		dec  Decoder
	}{{FairCoin, Symmetric}, {PlusOne, Symmetric}, {FairCoin, Affine}, {PlusOne, Affine}} {
		got, err := CriticalParameter(sr, 0.01, 1, c.ties, c.dec)
		if want := CriticalSR(c.ties, c.dec); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("SR critical p (%v, %v) = %.15f, want %.15f (%v)", c.ties, c.dec, got, want, err)
		}
	}
	if got := CriticalSR(PlusOne, Affine); math.Abs(got-0.42920) > 5e-6 {
		t.Errorf("(4-pi)/2 = %v", got)
	}
	bg := func(p float64) prior.Prior { return prior.BernoulliGaussian{P: p} }
	if _, err := CriticalParameter(bg, 0.01, 0.999, PlusOne, Affine); err == nil {
		t.Error("BG: a transition was reported; the identity never beats the rotation (THEORY.md 4.1)")
	}
	// Finite d: the exact identity loss approaches the limit from above and
	// matches the MC value 0.4129 of THEORY.md 4.1 for SR(0.3), d = 500 (4 digits).
	l500, _ := IdentityLossFiniteD(sr03, 500)
	if math.Abs(l500-0.4129) > 5e-5 {
		t.Errorf("SR(0.3) identity at d=500: %.5f, want 0.4129", l500)
	}
}

// TestSEIdentities: properties that hold for every prior (gopter over priors
// and rates, THEORY.md 7, 10): trajectories are monotone non-increasing and
// reach a fixed point; VAMP t=1 equals the shallow-plus-denoiser loss and
// GAMP t=1 equals mmse(2r/pi) (same function of the same snr, 1e-12: the
// rounding of snr through the SE formula); VAMP's fixed point is at most the
// denoiser loss, which is at most 1 - 2r/pi; for the Gaussian prior VAMP
// stays at 1 - 2r/pi; damping does not move the fixed point (1e-9,
// THEORY.md 10). Order relations carry a 1e-12 allowance (quadrature).
func TestSEIdentities(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(7205013)
	params.MinSuccessfulTests = 40
	props := gopter.NewProperties(params)
	props.Property("SE identities", prop.ForAll(
		func(kind int, p, r float64) string {
			pr := sePrior(kind, p)
			c, _ := prior.AsChannel(pr)
			v, err := VAMPStateEvolution(pr, r, SEOptions{})
			if err != nil {
				return err.Error()
			}
			g, err := GAMPStateEvolution(pr, r, SEOptions{})
			if err != nil {
				return err.Error()
			}
			for _, tr := range [][]float64{v.Trajectory, g.Trajectory} {
				for i := 1; i < len(tr); i++ {
					if tr[i] > tr[i-1]+1e-12 {
						return fmt.Sprintf("%s r=%v: trajectory rises at t=%d: %v", pr.Name(), r, i+1, tr)
					}
				}
				if last := tr[len(tr)-1]; last != v.FixedPoint && last != g.FixedPoint {
					return "trajectory does not end at its fixed point"
				}
			}
			den, _ := DenoiserLoss(pr, r, Haar)
			if math.Abs(v.Trajectory[0]-den) > 1e-12 {
				return fmt.Sprintf("%s r=%v: VAMP t=1 %.15f, shallow+denoiser %.15f", pr.Name(), r, v.Trajectory[0], den)
			}
			m, _ := prior.MMSE(c, 2*r/math.Pi)
			if math.Abs(g.Trajectory[0]-m) > 1e-12 {
				return fmt.Sprintf("%s r=%v: GAMP t=1 %.15f, mmse(2r/pi) %.15f", pr.Name(), r, g.Trajectory[0], m)
			}
			lin := 1 - 2*r/math.Pi
			if v.FixedPoint > den+1e-12 || den > lin+1e-12 {
				return fmt.Sprintf("%s r=%v: VAMP %v, denoiser %v, linear %v out of order", pr.Name(), r, v.FixedPoint, den, lin)
			}
			if kind == 0 && math.Abs(v.FixedPoint-lin) > 1e-12 {
				return fmt.Sprintf("Gaussian VAMP fixed point %v, want 1-2r/pi = %v", v.FixedPoint, lin)
			}
			vd, err := VAMPStateEvolution(pr, r, SEOptions{Damping: 0.5})
			if err != nil || math.Abs(vd.FixedPoint-v.FixedPoint) > 1e-9 {
				return fmt.Sprintf("%s r=%v: damped fixed point %v vs %v (%v)", pr.Name(), r, vd.FixedPoint, v.FixedPoint, err)
			}
			return ""
		}, gen.IntRange(0, 3), gen.Float64Range(0.1, 1), gen.Float64Range(0.05, 1)))
	props.TestingRun(t)
}

func sePrior(kind int, p float64) prior.Prior {
	switch kind {
	case 1:
		return prior.BernoulliGaussian{P: p}
	case 2:
		return prior.SparseRademacher{P: p}
	case 3:
		m, err := prior.NewDiscrete(fmt.Sprintf("pam:%g", p), []float64{-3, -1, 1, 3}, []float64{p, 1, 1, p})
		if err != nil {
			panic(err)
		}
		return m
	}
	return prior.Gaussian{}
}

// TestFixedPoints: discrete priors have the spurious MSE = 0 fixed point
// from the informed start (THEORY.md 8.1), while BG priors have a single
// fixed point (THEORY.md 11.3: informed and uninformed agree to 1e-9).
func TestFixedPoints(t *testing.T) {
	for _, p := range []prior.Prior{sr03, sr09} {
		for _, enc := range []Encoder{Haar, IIDGaussian} {
			res, err := StateEvolution(p, 0.5, enc, SEOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Informed != 0 || !(res.FixedPoint > 0.3) {
				t.Errorf("%s %v: informed %v, uninformed %v; want 0 and the physical fixed point", p.Name(), enc, res.Informed, res.FixedPoint)
			}
		}
	}
	for _, p := range []prior.Prior{bg01, bg03} {
		for _, enc := range []Encoder{Haar, IIDGaussian} {
			res, err := StateEvolution(p, 0.75, enc, SEOptions{})
			if err != nil || math.Abs(res.Informed-res.FixedPoint) > 1e-9 {
				t.Errorf("%s %v: informed %v, uninformed %v (%v)", p.Name(), enc, res.Informed, res.FixedPoint, err)
			}
		}
	}
	// Above the perfect-recovery threshold the uninformed start itself reaches
	// MSE = 0: SR(0.1) has entropy 0.569 bits < r = 1 and GAMP's threshold is
	// 0.79 (THEORY.md 8.1, 11.3).
	res, err := GAMPStateEvolution(prior.SparseRademacher{P: 0.1}, 1, SEOptions{})
	if err != nil || res.FixedPoint != 0 {
		t.Errorf("SR(0.1) r=1 GAMP fixed point %v (%v), want 0", res.FixedPoint, err)
	}
	// Bad parameters are errors.
	if _, err := VAMPStateEvolution(bg01, 1.5, SEOptions{}); err == nil {
		t.Error("VAMP at r = 1.5 accepted")
	}
	if _, err := GAMPStateEvolution(bg01, -1, SEOptions{}); err == nil {
		t.Error("negative rate accepted")
	}
	if _, err := GAMPStateEvolution(bg01, 1, SEOptions{Damping: 1}); err == nil {
		t.Error("damping 1 accepted")
	}
}

func BenchmarkSignChannelI(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SignChannelI(1.3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSEStep times one state-evolution iteration (one mmse and one
// I(kappa)) at the BG(0.1), r = 1 fixed point.
func BenchmarkSEStep(b *testing.B) {
	c := prior.BernoulliGaussian{P: 0.1}
	b.Run("gamp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := GAMPStep(c, 1, 0.0791205923); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("vamp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := VAMPStep(1, 3.9, 0.0608192229)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := prior.MMSE(c, g); err != nil {
				b.Fatal(err)
			}
		}
	})
}
