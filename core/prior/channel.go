package prior

import (
	"errors"
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/prior/quad"
)

// Channel is a prior whose scalar Gaussian channel
//
//	r = x + sqrt(tau) g,   x ~ P, g ~ N(0, 1) independent,   snr = 1/tau
//
// can be solved: the posterior mean E[x|r] (the MMSE denoiser eta_P(r; tau)),
// the posterior variance Var[x|r] and the marginal density p_tau(r)
// (THEORY.md 1 and 6). The derivative of the denoiser is
// d eta_P/dr = Var[x|r]/tau, and d log p_tau/dr = (E[x|r] - r)/tau (Tweedie).
//
// Gaussian, BernoulliGaussian, SparseRademacher, Mixture (any finite mixture
// of Gaussians and atoms) and Density (any symmetric density on an interval)
// implement it, so a new prior needs no change to theory or amp.
type Channel interface {
	Prior
	// Posterior returns E[x|r], Var[x|r] and log p_tau(r) for tau > 0.
	// tau = +Inf is the uninformative channel: the prior's mean 0 and
	// variance E x^2 = 1, with logMarginal = -Inf.
	Posterior(r, tau float64) (mean, variance, logMarginal float64)
	// QuadratureBreaks appends to dst points of [0, inf) that an integral
	// over r of a smooth function of the posterior, weighted by p_tau(r),
	// must use as panel ends: every place and scale at which p_tau or the
	// posterior changes, and as the largest point an upper limit beyond which
	// p_tau is negligible (below 1e-40 of its peak). Integrals over r use the
	// symmetry p_tau(-r) = p_tau(r).
	QuadratureBreaks(dst []float64, tau float64) []float64
}

// Quadrature tolerances of MMSE and MutualInformation: relative to the value,
// with an absolute floor far below every quantity the theory uses (the Kronrod
// error is in practice orders of magnitude below the estimate that is tested).
const (
	quadRelTol = 1e-12
	quadAbsTol = 1e-300
)

// MMSE is mmse_P(snr) = E Var[x | r] in the channel r = x + g/sqrt(snr)
// (THEORY.md 1, 6.2):
//
//	mmse_P(snr) = 2 ∫_0^∞ p_tau(r) Var[x|r] dr,   tau = 1/snr,
//
// by adaptive Gauss–Kronrod quadrature on the panels QuadratureBreaks gives.
// mmse_P(0) = E x^2 = 1 and mmse_P(+Inf) = 0. A negative or NaN snr, or a
// quadrature that does not converge, is an error.
func MMSE(c Channel, snr float64) (float64, error) {
	switch {
	case !(snr >= 0):
		return 0, fmt.Errorf("prior: mmse of %s at snr %v, want snr >= 0", c.Name(), snr)
	case snr == 0:
		return 1, nil
	case math.IsInf(snr, 1):
		return 0, nil
	}
	tau := 1 / snr
	f := func(r float64) float64 {
		_, v, lp := c.Posterior(r, tau)
		return v * math.Exp(lp)
	}
	return integrateChannel(c, tau, f, "mmse")
}

// MutualInformation is I(snr) = I(x; r) in nats for the channel
// r = x + g/sqrt(snr): the differential entropy of r minus that of the noise,
//
//	I(snr) = -2 ∫_0^∞ p_tau(r) log p_tau(r) dr - (1/2) log(2 pi e tau).
//
// The I-MMSE relation dI/dsnr = mmse_P(snr)/2 ties it to MMSE.
func MutualInformation(c Channel, snr float64) (float64, error) {
	if !(snr > 0) || math.IsInf(snr, 1) {
		return 0, fmt.Errorf("prior: mutual information of %s at snr %v, want 0 < snr < Inf", c.Name(), snr)
	}
	tau := 1 / snr
	f := func(r float64) float64 {
		_, _, lp := c.Posterior(r, tau)
		if math.IsInf(lp, -1) {
			return 0
		}
		return -lp * math.Exp(lp)
	}
	h, err := integrateChannel(c, tau, f, "mutual information")
	if err != nil {
		return 0, err
	}
	return h - 0.5*math.Log(2*math.Pi*math.E*tau), nil
}

func integrateChannel(c Channel, tau float64, f func(float64) float64, what string) (float64, error) {
	var buf [64]float64
	pts := c.QuadratureBreaks(buf[:0], tau)
	v, est, ok := quad.Integrate(f, pts, quadAbsTol, quadRelTol)
	if !ok {
		return 0, fmt.Errorf("prior: %s of %s at snr %v: quadrature did not converge (error estimate %g)", what, c.Name(), 1/tau, est)
	}
	return 2 * v, nil
}

// Component is one term w N(Mean, Var) of a Gaussian mixture prior; Var = 0
// is an atom at Mean.
type Component struct{ Weight, Mean, Var float64 }

// mixturePosterior is the posterior of a finite Gaussian mixture in the
// scalar channel (THEORY.md 6.1 in general form). Component k gives r the
// marginal N(c_k, s_k + tau), log-weight
//
//	l_k = log w_k - (1/2) log(2 pi (s_k + tau)) - (r - c_k)^2 / (2 (s_k + tau)),
//
// and the posterior N(m_k, v_k) with m_k = (s_k r + tau c_k)/(s_k + tau),
// v_k = s_k tau/(s_k + tau). With pi_k = softmax(l)_k,
//
//	E[x|r] = sum pi_k m_k,  Var[x|r] = sum pi_k (v_k + (m_k - E[x|r])^2)
//
// (the second form has no cancellation), and log p_tau(r) = logsumexp(l).
// The BG and SR formulas of THEORY.md 6.1 are the two-component cases.
func mixturePosterior(cs []Component, r, tau float64) (mean, variance, logMarginal float64) {
	if math.IsInf(tau, 1) {
		for _, c := range cs {
			mean += c.Weight * c.Mean
		}
		for _, c := range cs {
			d := c.Mean - mean
			variance += c.Weight * (c.Var + d*d)
		}
		return mean, variance, math.Inf(-1)
	}
	const maxInline = 8
	var lbuf, mbuf [maxInline]float64
	l, m := lbuf[:0], mbuf[:0]
	if len(cs) > maxInline {
		l, m = make([]float64, 0, len(cs)), make([]float64, 0, len(cs))
	}
	lmax := math.Inf(-1)
	for _, c := range cs {
		t := c.Var + tau
		d := r - c.Mean
		lk := math.Log(c.Weight) - 0.5*math.Log(2*math.Pi*t) - d*d/(2*t)
		l = append(l, lk)
		m = append(m, (c.Var*r+tau*c.Mean)/t)
		lmax = max(lmax, lk)
	}
	var z float64
	for k := range l {
		l[k] = math.Exp(l[k] - lmax)
		z += l[k]
	}
	for k := range l {
		l[k] /= z
		mean += l[k] * m[k]
	}
	for k, c := range cs {
		d := m[k] - mean
		variance += l[k] * (c.Var*tau/(c.Var+tau) + d*d)
	}
	return mean, variance, lmax + math.Log(z)
}

// mixtureBreaks seeds the panels of an integral over r >= 0 for a symmetric
// mixture: each component's marginal N(c_k, s_k + tau) contributes its centre
// |c_k| and |c_k| ± j sd_k for j in {1/4, 1/2, 1, 2, 3, 5, 8, 13}; the upper
// limit is max_k |c_k| + 14 sd_k (the density there is below e^-98 of the peak).
// The posterior's switch between components (width ~ sd of the narrowest
// component, THEORY.md 6.2) lies inside these panels, which the adaptive
// rule then refines.
func mixtureBreaks(dst []float64, cs []Component, tau float64) []float64 {
	steps := [...]float64{0.25, 0.5, 1, 2, 3, 5, 8, 13}
	dst = append(dst, 0)
	upper := 0.0
	for _, c := range cs {
		sd := math.Sqrt(c.Var + tau)
		mu := math.Abs(c.Mean)
		dst = append(dst, mu)
		for _, j := range steps {
			dst = append(dst, mu+j*sd)
			if mu-j*sd > 0 {
				dst = append(dst, mu-j*sd)
			}
		}
		upper = max(upper, mu+14*sd)
	}
	// Where two components' log-weights cross, the posterior switches over
	// a width 1/|l_j' - l_k'|, which for atoms far apart at high snr
	// ((s + tau)/|c_j - c_k|) is far below every sd: seed it explicitly.
	for j := range cs {
		for k := j + 1; k < len(cs); k++ {
			dst = appendSwitch(dst, cs[j], cs[k], tau)
		}
	}
	return append(dst, upper)
}

// appendSwitch appends the crossings r* >= 0 (by symmetry, |r*|) of the
// log-weights l_j(r) = log w_j - log(2 pi t_j)/2 - (r - c_j)^2/(2 t_j),
// t = s + tau, and r* ± m w for m in {1/2, 1, 2, 4, 8, 16}, w = 1/|l_j' - l_k'|
// at r*.
func appendSwitch(dst []float64, a, b Component, tau float64) []float64 {
	ta, tb := a.Var+tau, b.Var+tau
	// l_a - l_b = A r^2 + B r + C.
	A := 1/(2*tb) - 1/(2*ta)
	B := a.Mean/ta - b.Mean/tb
	C := math.Log(a.Weight/b.Weight) - 0.5*math.Log(ta/tb) - a.Mean*a.Mean/(2*ta) + b.Mean*b.Mean/(2*tb)
	var roots [2]float64
	nr := 0
	switch {
	case math.Abs(A) <= 1e-12*(math.Abs(B)+1e-300):
		if B != 0 {
			roots[0], nr = -C/B, 1
		}
	default:
		disc := B*B - 4*A*C
		if disc < 0 {
			return dst
		}
		q := -0.5 * (B + math.Copysign(math.Sqrt(disc), B))
		roots[0], nr = q/A, 1
		if q != 0 {
			roots[1], nr = C/q, 2
		}
	}
	for _, r := range roots[:nr] {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			continue
		}
		slope := math.Abs(2*A*r + B)
		if !(slope > 0) {
			continue
		}
		w, c := 1/slope, math.Abs(r)
		dst = append(dst, c)
		for _, m := range [...]float64{0.5, 1, 2, 4, 8, 16} {
			dst = append(dst, c+m*w)
			if c-m*w > 0 {
				dst = append(dst, c-m*w)
			}
		}
	}
	return dst
}

// validateMixture checks that cs is a probability mixture that is symmetric
// about 0 with E x^2 = 1 (to 1e-9), as every prior must be (THEORY.md 1).
func validateMixture(cs []Component) error {
	if len(cs) == 0 {
		return errors.New("prior: mixture with no components")
	}
	var w, m2 float64
	for _, c := range cs {
		if !(c.Weight > 0) || math.IsInf(c.Weight, 0) || !(c.Var >= 0) || math.IsInf(c.Var, 0) || math.IsNaN(c.Mean) || math.IsInf(c.Mean, 0) {
			return fmt.Errorf("prior: mixture component %+v: want weight > 0, finite mean, variance >= 0", c)
		}
		w += c.Weight
		m2 += c.Weight * (c.Var + c.Mean*c.Mean)
	}
	if math.Abs(w-1) > 1e-9 {
		return fmt.Errorf("prior: mixture weights sum to %v, want 1", w)
	}
	if math.Abs(m2-1) > 1e-9 {
		return fmt.Errorf("prior: mixture has E x^2 = %v, want 1", m2)
	}
	for _, c := range cs {
		var mirror float64
		for _, o := range cs {
			if math.Abs(o.Mean+c.Mean) <= 1e-12*(1+math.Abs(c.Mean)) && math.Abs(o.Var-c.Var) <= 1e-12*(1+c.Var) {
				mirror += o.Weight
			}
		}
		var same float64
		for _, o := range cs {
			if math.Abs(o.Mean-c.Mean) <= 1e-12*(1+math.Abs(c.Mean)) && math.Abs(o.Var-c.Var) <= 1e-12*(1+c.Var) {
				same += o.Weight
			}
		}
		if math.Abs(mirror-same) > 1e-12 {
			return fmt.Errorf("prior: mixture is not symmetric about 0 (component %+v has no mirror image of equal weight)", c)
		}
	}
	return nil
}

// Components of the Gaussian prior: one, N(0, 1).
func (Gaussian) Components() []Component { return []Component{{1, 0, 1}} }

// Posterior of N(0,1): E[x|r] = r/(1+tau), Var = tau/(1+tau) (THEORY.md 6.1),
// through the general mixture code.
func (Gaussian) Posterior(r, tau float64) (mean, variance, logMarginal float64) {
	cs := [1]Component{{1, 0, 1}}
	return mixturePosterior(cs[:], r, tau)
}

// QuadratureBreaks implements Channel.
func (Gaussian) QuadratureBreaks(dst []float64, tau float64) []float64 {
	cs := [1]Component{{1, 0, 1}}
	return mixtureBreaks(dst, cs[:], tau)
}

// Components of BG(p): an atom at 0 of weight 1-p and N(0, 1/p) of weight p
// (the atom is omitted at p = 1).
func (b BernoulliGaussian) Components() []Component {
	if b.P >= 1 {
		return []Component{{1, 0, 1}}
	}
	return []Component{{1 - b.P, 0, 0}, {b.P, 0, 1 / b.P}}
}

// Posterior of BG(p) (THEORY.md 6.1): with v = 1/p,
// logit pi_on = log(p/(1-p)) + (1/2) log(tau/(v+tau)) + (r^2/2)(1/tau - 1/(v+tau)),
// E[x|r] = pi_on v r/(v+tau).
func (b BernoulliGaussian) Posterior(r, tau float64) (mean, variance, logMarginal float64) {
	var cs [2]Component
	return mixturePosterior(b.appendComponents(cs[:0]), r, tau)
}

func (b BernoulliGaussian) appendComponents(dst []Component) []Component {
	if b.P >= 1 {
		return append(dst, Component{1, 0, 1})
	}
	return append(dst, Component{1 - b.P, 0, 0}, Component{b.P, 0, 1 / b.P})
}

// QuadratureBreaks implements Channel.
func (b BernoulliGaussian) QuadratureBreaks(dst []float64, tau float64) []float64 {
	var cs [2]Component
	return mixtureBreaks(dst, b.appendComponents(cs[:0]), tau)
}

// Components of SR(p): atoms at 0 (weight 1-p) and ±1/sqrt(p) (p/2 each).
func (s SparseRademacher) Components() []Component {
	var cs [3]Component
	return s.appendComponents(cs[:0])
}

func (s SparseRademacher) appendComponents(dst []Component) []Component {
	a := 1 / math.Sqrt(s.P)
	if s.P < 1 {
		dst = append(dst, Component{1 - s.P, 0, 0})
	}
	return append(dst, Component{s.P / 2, a, 0}, Component{s.P / 2, -a, 0})
}

// Posterior of SR(p) (THEORY.md 6.1): with a = 1/sqrt(p), log-weights
// l_0 = log(1-p) - r^2/(2 tau), l_± = log(p/2) - (r ∓ a)^2/(2 tau) and
// E[x|r] = a (pi_+ - pi_-).
func (s SparseRademacher) Posterior(r, tau float64) (mean, variance, logMarginal float64) {
	var cs [3]Component
	return mixturePosterior(s.appendComponents(cs[:0]), r, tau)
}

// QuadratureBreaks implements Channel.
func (s SparseRademacher) QuadratureBreaks(dst []float64, tau float64) []float64 {
	var cs [3]Component
	return mixtureBreaks(dst, s.appendComponents(cs[:0]), tau)
}

// AsChannel returns p as a Channel, or an error if p's scalar channel is not
// implemented.
func AsChannel(p Prior) (Channel, error) {
	c, ok := p.(Channel)
	if !ok {
		return nil, fmt.Errorf("prior %s: no scalar-channel posterior (want a Channel: Gaussian, bg, sr, Mixture or Density)", p.Name())
	}
	return c, nil
}

// quadIntegrate is MMSE's integral at a chosen relative tolerance (for tests
// of the quadrature's convergence).
func quadIntegrate(c Channel, tau float64, buf []float64, relTol float64) (float64, float64, bool) {
	f := func(r float64) float64 {
		_, v, lp := c.Posterior(r, tau)
		return v * math.Exp(lp)
	}
	v, est, ok := quad.Integrate(f, c.QuadratureBreaks(buf, tau), quadAbsTol, relTol)
	return 2 * v, est, ok
}
