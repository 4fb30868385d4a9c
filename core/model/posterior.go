package model

import (
	"math"

	"github.com/seed05b1c944/onebit/core/prior"
)

// mixtureComponents is implemented by the priors that are finite Gaussian
// mixtures (Gaussian, BG, SR, prior.Mixture).
type mixtureComponents interface {
	Components() []prior.Component
}

// posteriorMoments computes the first four posterior moments of a Gaussian
// mixture prior in the scalar channel r = x + sqrt(tau) g, so that the
// derivatives of the denoiser in its inputs are analytic (one pass over the
// components, against the five Posterior calls of central differences).
//
// The posterior of a mixture sum_k w_k N(c_k, s_k) is the mixture
// sum_k pi_k N(m_k, v_k) with pi_k = softmax_k(log w_k - log(2 pi (s_k + tau))/2
// - (r - c_k)^2/(2 (s_k + tau))), m_k = (s_k r + tau c_k)/(s_k + tau) and
// v_k = s_k tau/(s_k + tau) (THEORY.md 6.1 in general form). With the mean
// m = sum pi_k m_k and delta_k = m_k - m its central moments are
//
//	V   = sum pi_k (delta_k^2 + v_k)
//	mu3 = sum pi_k (delta_k^3 + 3 delta_k v_k)
//	mu4 = sum pi_k (delta_k^4 + 6 delta_k^2 v_k + 3 v_k^2).
//
// Differentiating the posterior p(x|r) ∝ P(x) exp(-(r - x)^2/(2 tau)) under
// the expectation (d/dr log-likelihood = (x - r)/tau, d/dtau =
// (x - r)^2/(2 tau^2) + const) gives, for every prior,
//
//	d eta/dr   = V/tau
//	d Var/dr   = mu3/tau
//	d eta/dtau = (mu3 + 2 (m - r) V)/(2 tau^2)
//	d Var/dtau = (mu4 - V^2 + 2 (m - r) mu3)/(2 tau^2).
type posteriorMoments struct {
	cs   []prior.Component
	l, m []float64 // scratch, one per component
}

// newPosteriorMoments returns the moment evaluator of ch, or nil if ch is not
// a Gaussian mixture (the caller then falls back to central differences).
func newPosteriorMoments(ch prior.Channel) *posteriorMoments {
	mc, ok := ch.(mixtureComponents)
	if !ok {
		return nil
	}
	cs := mc.Components()
	if len(cs) == 0 {
		return nil
	}
	return &posteriorMoments{cs: cs, l: make([]float64, len(cs)), m: make([]float64, len(cs))}
}

// at returns E[x|r], Var[x|r] and the third and fourth central posterior
// moments for tau > 0.
func (pm *posteriorMoments) at(r, tau float64) (mean, variance, mu3, mu4 float64) {
	lmax := math.Inf(-1)
	for k, c := range pm.cs {
		t := c.Var + tau
		d := r - c.Mean
		lk := math.Log(c.Weight) - 0.5*math.Log(t) - d*d/(2*t)
		pm.l[k] = lk
		pm.m[k] = (c.Var*r + tau*c.Mean) / t
		lmax = max(lmax, lk)
	}
	var z float64
	for k := range pm.l {
		pm.l[k] = math.Exp(pm.l[k] - lmax)
		z += pm.l[k]
	}
	for k := range pm.l {
		pm.l[k] /= z
		mean += pm.l[k] * pm.m[k]
	}
	for k, c := range pm.cs {
		v := c.Var * tau / (c.Var + tau)
		d := pm.m[k] - mean
		d2 := d * d
		w := pm.l[k]
		variance += w * (d2 + v)
		mu3 += w * d * (d2 + 3*v)
		mu4 += w * (d2*d2 + 6*d2*v + 3*v*v)
	}
	return mean, variance, mu3, mu4
}

// derivs returns eta(r; tau) = E[x|r], Var[x|r] and the derivatives
// d eta/dr, d eta/dtau, d Var/dtau, d Var/dr (see posteriorMoments).
func (pm *posteriorMoments) derivs(r, tau float64) (mean, variance, etaR, etaT, varT, varR float64) {
	mean, variance, mu3, mu4 := pm.at(r, tau)
	dm := mean - r
	t2 := 2 * tau * tau
	return mean, variance, variance / tau, (mu3 + 2*dm*variance) / t2, (mu4 - variance*variance + 2*dm*mu3) / t2, mu3 / tau
}
