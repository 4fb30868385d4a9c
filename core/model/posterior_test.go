package model

import (
	"math"
	"testing"

	"github.com/seed05b1c944/onebit/core/prior"
)

// TestPosteriorDerivsMatchCentralDifferences holds the analytic derivatives
// of the denoiser (posteriorMoments) to central differences of
// prior.Channel.Posterior, and the mean and variance to Posterior itself,
// on a grid of r and tau for the mixture priors. Bound: 1e-6 (1 + |value|):
// central differences with step 1e-5 relative have truncation error
// ~1e-10 |f”'| and rounding ~1e-16/1e-5 = 1e-11, far below it; an error of
// 1% in any term of the formulas is >= 1e-4 at some grid point (checked by
// planting one: dropping 2 (m - r) V from d eta/dtau fails).
func TestPosteriorDerivsMatchCentralDifferences(t *testing.T) {
	mix, err := prior.NewMixture("mix3", []prior.Component{{Weight: 0.5, Mean: 0, Var: 0}, {Weight: 0.3, Mean: 0, Var: 2}, {Weight: 0.1, Mean: 0.5, Var: 0.3}, {Weight: 0.1, Mean: -0.5, Var: 0.3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range []prior.Channel{prior.BernoulliGaussian{P: 0.1}, prior.SparseRademacher{P: 0.3}, prior.Gaussian{}, mix} {
		pm := newPosteriorMoments(ch)
		if pm == nil {
			t.Fatalf("%s: no mixture components", ch.Name())
		}
		for _, tau := range []float64{0.05, 0.3, 1, 4} {
			for _, r := range []float64{-3, -1.2, -0.3, 0, 0.1, 0.7, 1.5, 4} {
				mean, v, er, et, vt, vr := pm.derivs(r, tau)
				m0, v0, _ := ch.Posterior(r, tau)
				ht, hr := 1e-5*tau, 1e-5*(1+math.Abs(r))
				mtp, vtp, _ := ch.Posterior(r, tau+ht)
				mtm, vtm, _ := ch.Posterior(r, tau-ht)
				mrp, vrp, _ := ch.Posterior(r+hr, tau)
				mrm, vrm, _ := ch.Posterior(r-hr, tau)
				for _, c := range []struct {
					name      string
					got, want float64
				}{
					{"mean", mean, m0}, {"var", v, v0},
					{"d eta/dr", er, (mrp - mrm) / (2 * hr)}, {"d var/dr", vr, (vrp - vrm) / (2 * hr)},
					{"d eta/dtau", et, (mtp - mtm) / (2 * ht)}, {"d var/dtau", vt, (vtp - vtm) / (2 * ht)},
				} {
					if math.Abs(c.got-c.want) > 1e-6*(1+math.Abs(c.want)) {
						t.Errorf("%s r=%v tau=%v %s: analytic %.10g, reference %.10g", ch.Name(), r, tau, c.name, c.got, c.want)
					}
				}
			}
		}
	}
}

// BenchmarkUnrolledDerivatives compares one Gradient of a T = 5 layer
// network (batch 32 of BG(0.1) at d = n = 500) with the denoiser's
// derivatives from posterior moments (analytic) and from central
// differences (the fallback for non-mixture priors).
func BenchmarkUnrolledDerivatives(b *testing.B) {
	p := prior.BernoulliGaussian{P: 0.1}
	const n, d, N, T = 500, 500, 32, 5
	enc, x, y := vampProblem(b, p, n, d, N, 1)
	u, _ := NewUnrolledVAMP(enc, p, T)
	for _, mode := range []string{"analytic", "central"} {
		b.Run(mode, func(b *testing.B) {
			ws := u.NewWorkspace(N)
			if mode == "central" {
				ws.pm = nil
			}
			grad := make([]float64, len(u.Theta))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := u.Gradient(ws, x, y, grad); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
