package theory

import (
	"math"
	"math/rand/v2"
	"testing"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/prior"
)

// Exact checks of the theory functions at points and parameters the
// reference tables do not pin: independent implementations (different
// quadrature, different algebra) at random arguments, the damping rule at a
// value where its two weights differ, and the finite-d formulas at small d
// where they can be computed directly.

// signIRef is I(kappa) by composite Simpson on [-14 w, 14 w], w =
// 1/sqrt(1+kappa^2), with Phi from math.Erfc (no inverse Mills ratio, no
// adaptive quadrature): the integrand phi(xi) phi(u)^2/(Phi(u) Phi(-u)),
// u = kappa xi, is analytic with width w, beyond 14 w it is below e^-98, and
// 20000 Simpson panels leave an error below 1e-13 relative.
func signIRef(kappa float64) float64 {
	w := 1 / math.Sqrt(1+kappa*kappa)
	lo, hi, n := -14*w, 14*w, 20000
	h := (hi - lo) / float64(n)
	f := func(xi float64) float64 {
		u := kappa * xi
		phiU := math.Exp(-u*u/2) / math.Sqrt(2*math.Pi)
		return math.Exp(-xi*xi/2) / math.Sqrt(2*math.Pi) * phiU * phiU /
			(0.5 * math.Erfc(-u/math.Sqrt2) * 0.5 * math.Erfc(u/math.Sqrt2))
	}
	s := f(lo) + f(hi)
	for i := 1; i < n; i++ {
		c := 2.0
		if i%2 == 1 {
			c = 4
		}
		s += c * f(lo+float64(i)*h)
	}
	return s * h / 3
}

// TestSignChannelIRandomPoints holds SignChannelI to signIRef at 40 random
// kappa in [0, 12] (log-uniform above 0.1), relative 1e-10 (both are
// accurate to ~1e-13), and the state-evolution steps built on it to their
// formulas with signIRef: VAMPStep = gw r I/(1 - r I) with
// kappa = sqrt(gw - 1), GAMPStep = mmse(r I(sqrt((1-v)/v))/v).
func TestSignChannelIRandomPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(101, 102))
	for range 40 {
		kappa := 0.1 * math.Pow(120, rng.Float64())
		if rng.IntN(8) == 0 {
			kappa = 0.1 * rng.Float64()
		}
		got, err := SignChannelI(kappa)
		want := signIRef(kappa)
		if err != nil || math.Abs(got-want) > 1e-10*want {
			t.Errorf("I(%v) = %.15g, independent quadrature %.15g (%v)", kappa, got, want, err)
		}
	}
	c := prior.BernoulliGaussian{P: 0.2}
	for range 10 {
		r := 0.1 + 0.9*rng.Float64()
		gx := 3 * rng.Float64()
		vx, _ := prior.MMSE(c, gx)
		gw := 1/vx - gx
		ri := r * signIRef(math.Sqrt(gw-1))
		got, err := VAMPStep(r, gx, vx)
		if want := gw * ri / (1 - ri); err != nil || math.Abs(got-want) > 1e-9*want {
			t.Errorf("VAMPStep(%v, %v, %v) = %.15g, formula %.15g (%v)", r, gx, vx, got, want, err)
		}
		v := 0.05 + 0.95*rng.Float64()
		gotG, err := GAMPStep(c, r, v)
		wantG, _ := prior.MMSE(c, r/v*signIRef(math.Sqrt((1-v)/v)))
		if err != nil || math.Abs(gotG-wantG) > 1e-9*wantG {
			t.Errorf("GAMPStep(%v, %v) = %.15g, formula %.15g (%v)", r, v, gotG, wantG, err)
		}
	}
}

// TestDampingWeights: with damping beta the state becomes
// (1 - beta) F(s) + beta s (SEOptions.Damping). At beta = 0.3, where the two
// weights differ, the first three VAMP and GAMP iterations are recomputed
// from VAMPStep/GAMPStep and MMSE; the same functions in the same order, so
// the bound is rounding (1e-14).
func TestDampingWeights(t *testing.T) {
	const beta, r = 0.3, 0.8
	p := prior.BernoulliGaussian{P: 0.2}
	res, err := VAMPStateEvolution(p, r, SEOptions{Damping: beta, Iters: 3})
	if err != nil {
		t.Fatal(err)
	}
	s, vx := 0.0, 1.0
	for it := range 3 {
		next, err := VAMPStep(r, s, vx)
		if err != nil {
			t.Fatal(err)
		}
		s = (1-beta)*next + beta*s
		vx, _ = prior.MMSE(p, s)
		if math.Abs(res.Trajectory[it]-vx) > 1e-14 {
			t.Errorf("VAMP damped t=%d: %.16g, recomputed %.16g", it+1, res.Trajectory[it], vx)
		}
	}
	resG, err := GAMPStateEvolution(p, r, SEOptions{Damping: beta, Iters: 3})
	if err != nil {
		t.Fatal(err)
	}
	v := 1.0
	for it := range 3 {
		next, err := GAMPStep(p, r, v)
		if err != nil {
			t.Fatal(err)
		}
		v = (1-beta)*next + beta*v
		if math.Abs(resG.Trajectory[it]-v) > 1e-14 {
			t.Errorf("GAMP damped t=%d: %.16g, recomputed %.16g", it+1, resG.Trajectory[it], v)
		}
	}
}

// TestHaarS4Exact: E sum_k b_k^4 for b uniform on the unit sphere of R^d is
// 1 at d = 1, E(cos^4 + sin^4) = 3/4 at d = 2, and 3 E z^4 = 3/5 at d = 3 (z
// uniform on [-1, 1], Archimedes); FiniteDLinearLoss is
// 1 - 2r/pi + r kappa/(2 pi (d+2)) (THEORY.md 1(a), 3). Exact to rounding.
func TestHaarS4Exact(t *testing.T) {
	for d, want := range map[int]float64{1: 1, 2: 0.75, 3: 0.6} {
		if got := HaarS4(d); math.Abs(got-want) > 1e-15 {
			t.Errorf("HaarS4(%d) = %v, want %v", d, got, want)
		}
	}
	if got := FlatRowsS4(4); got != 0.25 {
		t.Errorf("FlatRowsS4(4) = %v", got)
	}
	for _, d := range []int{3, 50, 1000} {
		r, kappa := 0.7, 27.0
		got, err := FiniteDLinearLoss(r, kappa, d)
		want := 1 - 2*r/math.Pi + r*kappa/(2*math.Pi*float64(d+2))
		if err != nil || math.Abs(got-want) > 1e-15 {
			t.Errorf("FiniteDLinearLoss(d=%d) = %.16g, want %.16g (%v)", d, got, want, err)
		}
	}
}

// TestIdentityLossFiniteDExact builds, for the identity encoder with
// sign(0) = +1, E[s s^T] = (1 - q^2) I + q^2 1 1^T and E[s x^T] = a I (a =
// E|x|, q = P(x = 0)) at d = 1..7 and computes the best linear decoder's
// loss 1 - a^2 tr(C^-1)/d with a dense inverse; IdentityLossFiniteD must
// agree to 1e-12 (THEORY.md 4.1).
func TestIdentityLossFiniteDExact(t *testing.T) {
	for _, p := range []prior.Prior{prior.SparseRademacher{P: 0.3}, prior.BernoulliGaussian{P: 0.6}} {
		a, q := p.AbsMoment(), p.ZeroMass()
		for d := 1; d <= 7; d++ {
			c := gmat.NewDense(d, d, nil)
			for i := range d {
				for j := range d {
					v := q * q
					if i == j {
						v = 1
					}
					c.Set(i, j, v)
				}
			}
			var inv gmat.Dense
			if err := inv.Inverse(c); err != nil {
				t.Fatal(err)
			}
			var tr float64
			for i := range d {
				tr += inv.At(i, i)
			}
			want := 1 - a*a*tr/float64(d)
			got, err := IdentityLossFiniteD(p, d)
			if err != nil || math.Abs(got-want) > 1e-12 {
				t.Errorf("%s d=%d: %.15g, direct %.15g (%v)", p.Name(), d, got, want, err)
			}
		}
	}
}

// flatRowsBGLoss is the exact loss of x_hat = sqrt(2/pi) B^T sign(Bx) for
// BG(p) data and an encoder of n orthonormal flat rows (entries
// ±1/sqrt(d), e.g. Hadamard rows) at rate r: ||B^T s||^2 = n, and given the
// support size K ~ Bin(d, p), b.x ~ N(0, K/(p d)), so
// E|b.x| = sqrt(2/pi) E sqrt(K/(p d)) and L = 1 + 2r/pi - (4r/pi) E sqrt(K/(p d)).
func flatRowsBGLoss(p, r float64, d int) float64 {
	var e float64
	lp, lq := math.Log(p), math.Log1p(-p)
	lgd, _ := math.Lgamma(float64(d + 1))
	for k := 1; k <= d; k++ {
		lk, _ := math.Lgamma(float64(k + 1))
		lr, _ := math.Lgamma(float64(d - k + 1))
		e += math.Exp(lgd-lk-lr+float64(k)*lp+float64(d-k)*lq) * math.Sqrt(float64(k)/(p*float64(d)))
	}
	return 1 + 2*r/math.Pi - 4*r/math.Pi*e
}

// TestEdgeworthExtrapolation tests the finite-d (Edgeworth) term by
// extrapolation instead of an allowance: D(d) = d (L_d - R) for flat rows
// (S4 = 1/d) is computed exactly (flatRowsBGLoss) at d = 256, 512, 1024 and
// 2048; D(d) = D_inf + c/d + O(1/d^2), so the Richardson values
// 2 D(2d) - D(d) equal D_inf up to O(1/d^2), and D_inf must be the first-order
// coefficient d (EdgeworthLinearLoss(r, kappa, FlatRowsS4(d)) - R) =
// r kappa/(6 pi). Tolerance: the spread of the last two Richardson values
// times 4 plus 1e-9 (rounding of the binomial sums) -- measured spread
// about 1e-4 relative at p = 0.3, so a 1% error in the constant fails.
func TestEdgeworthExtrapolation(t *testing.T) {
	for _, c := range []struct{ p, r float64 }{{0.3, 1}, {0.5, 0.6}, {0.8, 0.25}} {
		R := 1 - 2*c.r/math.Pi
		D := func(d int) float64 { return float64(d) * (flatRowsBGLoss(c.p, c.r, d) - R) }
		ds := []int{256, 512, 1024, 2048}
		var rich []float64
		for i := 0; i+1 < len(ds); i++ {
			rich = append(rich, 2*D(ds[i+1])-D(ds[i]))
		}
		ext := rich[len(rich)-1]
		tol := 4*math.Abs(rich[len(rich)-1]-rich[len(rich)-2]) + 1e-9
		kappa := prior.BernoulliGaussian{P: c.p}.ExcessKurtosis()
		e, err := EdgeworthLinearLoss(c.r, kappa, FlatRowsS4(2048))
		if err != nil {
			t.Fatal(err)
		}
		want := 2048 * (e - R)
		if math.Abs(ext-want) > tol || tol > 0.005*math.Abs(want) {
			t.Errorf("BG(%v) r=%v: extrapolated d(L - R) = %.6g (Richardson %v, tol %.2g), Edgeworth %.6g", c.p, c.r, ext, rich, tol, want)
		}
	}
}

// TestShallowSNRFormulas ties the effective-channel snrs to independent
// routes at random rates: Haar, snr = mu^2/sigma^2 of ShallowChannel
// (THEORY.md 5); i.i.d., the denoiser loss equals the first GAMP
// state-evolution iterate from MSE 1, mmse(r I(0)) with I(0) = 2/pi
// computed by SignChannelI's own branch (THEORY.md 7.1). Rounding: 1e-13.
func TestShallowSNRFormulas(t *testing.T) {
	rng := rand.New(rand.NewPCG(103, 104))
	p := prior.SparseRademacher{P: 0.4}
	for range 10 {
		r := 0.05 + 0.95*rng.Float64()
		snr, err := ShallowSNR(r)
		mu, s2, err2 := ShallowChannel(r)
		if err != nil || err2 != nil || math.Abs(snr-mu*mu/s2) > 1e-13*snr {
			t.Errorf("r=%v: ShallowSNR %v, mu^2/sigma^2 %v", r, snr, mu*mu/s2)
		}
		r2 := 3 * r
		den, err := DenoiserLoss(p, r2, IIDGaussian)
		first, err2 := GAMPStep(p, r2, 1)
		if err != nil || err2 != nil || math.Abs(den-first) > 1e-13 {
			t.Errorf("r=%v: i.i.d. denoiser loss %.15g, GAMP first iterate %.15g", r2, den, first)
		}
	}
}

// TestGaussEquivalentTightFrame checks the r > 1 branch of
// GaussEquivalentLoss by its derivation (THEORY.md 1(b)): for a unit-norm
// tight frame B (n x d, B^T B = r I) and Gaussian data, replacing
// E[s s^T] = (2/pi) arcsin(B B^T) by its Gaussian-equivalent linearisation
// (2/pi)(B B^T + (pi/2 - 1) I) and E[s x^T] by sqrt(2/pi) B, the best linear
// decoder's loss 1 - tr(M^T C^-1 M)/d is (pi - 2)/(pi - 2 + 2r) at every d.
// The frame is the real harmonic frame b_k = sqrt(2/d) (cos(2 pi k j/n),
// sin(2 pi k j/n))_{j = 1..d/2}, tight for n > d. Dense algebra: 1e-12.
func TestGaussEquivalentTightFrame(t *testing.T) {
	const d = 8
	for _, n := range []int{12, 20, 33} {
		b := gmat.NewDense(n, d, nil)
		for k := range n {
			for j := 1; j <= d/2; j++ {
				a := 2 * math.Pi * float64(k*j) / float64(n)
				b.Set(k, 2*(j-1), math.Sqrt(2.0/d)*math.Cos(a))
				b.Set(k, 2*(j-1)+1, math.Sqrt(2.0/d)*math.Sin(a))
			}
		}
		var c gmat.Dense
		c.Mul(b, b.T())
		for i := range n {
			c.Set(i, i, c.At(i, i)+math.Pi/2-1)
		}
		c.Scale(2/math.Pi, &c)
		var cinvM gmat.Dense
		mm := gmat.NewDense(n, d, nil)
		mm.Scale(math.Sqrt(2/math.Pi), b)
		if err := cinvM.Solve(&c, mm); err != nil {
			t.Fatal(err)
		}
		var q gmat.Dense
		q.Mul(mm.T(), &cinvM)
		want := 1 - gmat.Trace(&q)/d
		r := float64(n) / d
		got, err := GaussEquivalentLoss(r)
		if err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("r = %v: GaussEquivalentLoss %.15g, tight-frame linearisation %.15g (%v)", r, got, want, err)
		}
	}
}
