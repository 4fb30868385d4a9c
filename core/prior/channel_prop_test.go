package prior

import (
	"fmt"
	"math"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// propPrior builds the prior a property test draws: kind 0 Gaussian,
// 1 BG(p), 2 SR(p), 3 a generic mixture (two Gaussians at ±(1-p) of
// variance p, through NewMixture), 4 a generic discrete prior (atoms 0, ±1,
// ±3 with weights depending on p, through NewDiscrete).
func propPrior(kind int, p float64) Channel {
	switch kind {
	case 1:
		return BernoulliGaussian{p}
	case 2:
		return SparseRademacher{p}
	case 3:
		m, err := NewMixture(fmt.Sprintf("mix:%g", p), []Component{{0.5, 1 - p, p}, {0.5, p - 1, p}})
		if err != nil {
			panic(err)
		}
		return m
	case 4:
		m, err := NewDiscrete(fmt.Sprintf("disc:%g", p), []float64{-3, -1, 0, 1, 3}, []float64{p / 4, 0.25, 1 - p, 0.25, p / 4})
		if err != nil {
			panic(err)
		}
		return m
	}
	return Gaussian{}
}

func propParams() *gopter.TestParameters {
	params := gopter.DefaultTestParametersWithSeed(20240205)
	params.MinSuccessfulTests = 200
	return params
}

var (
	genKind = gen.IntRange(0, 4)
	genP    = gen.Float64Range(0.05, 1)
	genLog  = gen.Float64Range(-2.5, 3) // log10 snr
)

// TestChannelIdentities holds every prior's scalar channel to the identities
// that hold for all priors (THEORY.md 1, 6). Tolerances:
//   - order relations (monotone, Gaussian bound): 1e-11 absolute, ten times
//     the quadrature's requested accuracy on values <= 1;
//   - limits: mmse(snr) = 1 - snr + O(snr^2) for snr -> 0 (E x^2 = 1), so
//     |mmse(1e-8) - 1| <= 2e-8; mmse(snr) <= 1/(1+snr) -> 0 covers snr -> inf;
//   - finite differences (central, step h): truncation h^2 |f3|/6 (f3 the third derivative) plus
//     rounding 1e-12 |f|/h; the steps below keep both under the stated bound.
func TestChannelIdentities(t *testing.T) {
	props := gopter.NewProperties(propParams())

	props.Property("mmse is decreasing in snr and below 1/(1+snr)", prop.ForAll(
		func(kind int, p, e float64) string {
			c := propPrior(kind, p)
			s1 := math.Pow(10, e)
			s2 := 1.3 * s1
			m1, err1 := MMSE(c, s1)
			m2, err2 := MMSE(c, s2)
			if err1 != nil || err2 != nil {
				return fmt.Sprint(err1, err2)
			}
			if m2 > m1+1e-11 {
				return fmt.Sprintf("%s: mmse(%g) = %.15g < mmse(%g) = %.15g", c.Name(), s1, m1, s2, m2)
			}
			if bound := 1 / (1 + s1); m1 > bound+1e-11 {
				return fmt.Sprintf("%s: mmse(%g) = %.15g above 1/(1+snr) = %.15g", c.Name(), s1, m1, bound)
			}
			if kind == 0 && math.Abs(m1-1/(1+s1)) > 1e-12 {
				return fmt.Sprintf("Gaussian mmse(%g) = %.17g, want 1/(1+snr)", s1, m1)
			}
			return ""
		}, genKind, genP, genLog))

	props.Property("mmse -> E x^2 = 1 as snr -> 0", prop.ForAll(
		func(kind int, p float64) string {
			c := propPrior(kind, p)
			m, err := MMSE(c, 1e-8)
			if err != nil || math.Abs(m-1) > 2e-8 {
				return fmt.Sprintf("%s: mmse(1e-8) = %.17g (%v)", c.Name(), m, err)
			}
			return ""
		}, genKind, genP))

	props.Property("I-MMSE: dI/dsnr = mmse/2", prop.ForAll(
		func(kind int, p, e float64) string {
			c := propPrior(kind, p)
			s := math.Pow(10, e)
			h := 1e-3 * s
			ip, err1 := MutualInformation(c, s+h)
			im, err2 := MutualInformation(c, s-h)
			m, err3 := MMSE(c, s)
			if err1 != nil || err2 != nil || err3 != nil {
				return fmt.Sprint(err1, err2, err3)
			}
			d := (ip - im) / (2 * h)
			// I''' ~ mmse''/2 = O(1/s^2) on this range: truncation h^2/s^2/12 ~ 1e-7
			// relative to m/2; rounding 1e-12*I/h <= 1e-9*log(1+s)/s. Bound 1e-5 relative
			// plus 1e-9 absolute (I itself is a difference of entropies of size ~1).
			if math.Abs(d-m/2) > 1e-5*m/2+1e-9*(1+1/s) {
				return fmt.Sprintf("%s at snr %g: dI/dsnr = %.12g, mmse/2 = %.12g", c.Name(), s, d, m/2)
			}
			return ""
		}, genKind, genP, gen.Float64Range(-1, 2)))

	props.Property("Tweedie and denoiser derivative", prop.ForAll(
		func(kind int, p, e, u float64) string {
			c := propPrior(kind, p)
			tau := math.Pow(10, -e)
			r := u * (1 + math.Sqrt(tau)) // within a few sd of the bulk
			h := 1e-4 * math.Sqrt(tau)
			mp, _, lp := c.Posterior(r+h, tau)
			mm, _, lm := c.Posterior(r-h, tau)
			mean, v, _ := c.Posterior(r, tau)
			// log Z(y) = log p_tau(r) + r^2/(2 tau) + const, y = r/sqrt(tau): the
			// posterior mean is d log Z/dy / sqrt(snr), i.e. (dlogp/dr) tau + r.
			tweedie := (lp-lm)/(2*h)*tau + r
			deriv := (mp - mm) / (2 * h) * tau
			// Truncation (h/sqrt(tau))^2 = 1e-8 relative to the feature scale; rounding
			// 1e-16 |log p|/h * tau = 1e-12 |log p| sqrt(tau). Bound: 1e-6 (1 + |r|).
			tol := 1e-6 * (1 + math.Abs(r) + math.Abs(lp)*math.Sqrt(tau))
			if math.Abs(tweedie-mean) > tol {
				return fmt.Sprintf("%s r=%g tau=%g: Tweedie %.12g, E[x|r] %.12g", c.Name(), r, tau, tweedie, mean)
			}
			if math.Abs(deriv-v) > tol*(1+1/math.Sqrt(tau)) {
				return fmt.Sprintf("%s r=%g tau=%g: tau d eta/dr %.12g, Var %.12g", c.Name(), r, tau, deriv, v)
			}
			return ""
		}, genKind, genP, genLog, gen.Float64Range(-4, 4)))

	props.TestingRun(t)
}
