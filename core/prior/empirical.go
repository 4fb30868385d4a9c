package prior

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
)

// Empirical is the prior of a data set's own coordinates: the symmetrised
// empirical distribution of a sample x_1..x_N (each value and its mirror
// image -x_i with mass 1/(2N)), rescaled to E x^2 = 1 and compressed to a
// Gaussian mixture by quantile binning of |x| (THEORY.md 1: every prior is
// symmetric with E x = 0, E x^2 = 1).
//
// Compression. The exact zeros of the sample form one atom at 0. The other
// |x_i|, sorted, are cut into consecutive bins, each closed as soon as it
// holds 1/B of the values or 1/B of their second moment (so between B and
// 2B bins: equal-count in the bulk, finer in a heavy tail, where one
// equal-count bin would lump together values whose fourth moments differ by
// orders of magnitude and misstate the small-snr mmse, which depends on
// E x^4); bin b of mass w_b, mean m_b and variance v_b of |x| becomes the
// pair of components (w_b/2) N(±m_b, v_b). By the law of total variance the mixture has exactly
// the sample's E x^2 (and E x = 0, E|x|), so no moment the theory's
// Gaussian-equivalent terms use is changed by the compression; E x^4 gains
// sum_b w_b (E_b[|x|^4] - m_b^4 - 6 m_b^2 v_b - 3 v_b^2), which vanishes like
// the bins' widths squared.
//
// Why a binned Gaussian mixture and not B atoms (a Discrete prior on the bin
// means): atoms a distance delta apart become resolvable once the channel's
// noise sd sqrt(tau) falls below delta, so a discrete surrogate's mmse
// drops to 0 exponentially at high snr while the data's (a continuous
// marginal after PCA or ZCA) falls only like tau. Components with the bin's
// own variance keep the posterior blurred at the bin's scale, so the
// surrogate's mmse tracks the data's down to tau ~ min_b v_b. The error of
// the compression in mmse is measured, not bounded: TestEmpiricalBins shows
// |mmse_B - mmse_4B| (a proxy for |mmse_B - mmse_inf| that shrinks like
// 1/B^2) and the data package's tests report it for real data.
//
// Empirical embeds the Mixture (moments, sampling, name) and replaces its
// Posterior and QuadratureBreaks by versions that stay fast for hundreds of
// components: one pass without allocation, and panel ends linear (not
// quadratic) in the number of components.
type Empirical struct {
	*Mixture
	logw, mean, vr []float64 // components: log weight, mean, variance
	n              int       // sample size
	zeros          int       // exact zeros in the sample
	bins           int
	vmin           float64 // smallest component variance
	cache          atomic.Pointer[tauCache]
}

// DefaultEmpiricalBins is the B NewEmpirical uses when bins <= 0: 64 to
// 128 bins, so at most 257 components (an atom at 0 and mirrored pairs).
// The change of mmse from B = 64 to 256 (measured by the tests of this
// package and of the data package): below 1e-5 for BG(0.2), N(0,1) and
// MNIST pca; 7e-4 and 2e-4 for MNIST zca (kurtosis 16) at snr 0.19 and
// 1.75, the snr of the shallow channel at r = 1/4 and 1.
const DefaultEmpiricalBins = 64

// NewEmpirical returns the symmetrised, standardised, binned prior of the
// sample (see Empirical). bins <= 0 means DefaultEmpiricalBins. The sample must have at least two
// finite values and a positive second moment; it is not modified.
func NewEmpirical(name string, sample []float64, bins int) (*Empirical, error) {
	if bins <= 0 {
		bins = DefaultEmpiricalBins
	}
	if len(sample) < 2 {
		return nil, fmt.Errorf("prior: empirical %q: %d values, want at least 2", name, len(sample))
	}
	a := make([]float64, 0, len(sample))
	zeros := 0
	var m2 float64
	for i, x := range sample {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("prior: empirical %q: value %d is %v", name, i, x)
		}
		if x == 0 {
			zeros++
			continue
		}
		a = append(a, math.Abs(x))
		m2 += x * x
	}
	if len(a) == 0 || !(m2 > 0) || math.IsInf(m2, 0) {
		return nil, fmt.Errorf("prior: empirical %q: second moment %v, want finite > 0", name, m2/float64(len(sample)))
	}
	slices.Sort(a)
	n := float64(len(sample))
	cs := make([]Component, 0, 4*bins+1)
	if zeros > 0 {
		cs = append(cs, Component{float64(zeros) / n, 0, 0})
	}
	// A bin closes when it holds 1/bins of the non-zero values or 1/bins of
	// their second moment, whichever comes first (at most 2 bins per share).
	countCap, momentCap := float64(len(a))/float64(bins), m2/float64(bins)
	nb := 0
	for lo := 0; lo < len(a); nb++ {
		hi, cnt, mom := lo, 0.0, 0.0
		for hi < len(a) && (hi == lo || (cnt+1 <= countCap+1e-9 && mom+a[hi]*a[hi] <= momentCap*(1+1e-12))) {
			cnt++
			mom += a[hi] * a[hi]
			hi++
		}
		seg := a[lo:hi]
		var s float64
		for _, v := range seg {
			s += v
		}
		m := s / float64(len(seg))
		var ss float64
		for _, v := range seg {
			ss += (v - m) * (v - m)
		}
		w := float64(len(seg)) / n
		v := ss / float64(len(seg))
		cs = append(cs, Component{w / 2, m, v}, Component{w / 2, -m, v})
		lo = hi
	}
	bins = nb
	mix, err := NewMixture(name, cs)
	if err != nil {
		return nil, fmt.Errorf("prior: empirical %q: %w", name, err)
	}
	e := &Empirical{Mixture: mix, n: len(sample), zeros: zeros, bins: bins, vmin: math.Inf(1)}
	for _, c := range mix.cs {
		e.logw = append(e.logw, math.Log(c.Weight))
		e.mean = append(e.mean, c.Mean)
		e.vr = append(e.vr, c.Var)
		e.vmin = min(e.vmin, c.Var)
	}
	return e, nil
}

// SampleSize is the number of values the prior was built from.
func (e *Empirical) SampleSize() int { return e.n }

// Bins is the number of bins of |x| (mirrored pairs of components), between
// the B asked for and 2B.
func (e *Empirical) Bins() int { return e.bins }

// tauCache holds the per-component constants of the channel at one tau:
// c0_k = log w_k - (1/2) log(2 pi t_k), h_k = 1/(2 t_k) and g_k = v_k/t_k,
// t_k = v_k + tau. A decoder or a quadrature calls Posterior many times at
// one tau, so the logarithms are computed once per tau, not per call.
type tauCache struct {
	tau      float64
	c0, h, g []float64
}

func (e *Empirical) constants(tau float64) *tauCache {
	if tc := e.cache.Load(); tc != nil && tc.tau == tau {
		return tc
	}
	K := len(e.mean)
	tc := &tauCache{tau: tau, c0: make([]float64, K), h: make([]float64, K), g: make([]float64, K)}
	for k := range K {
		t := e.vr[k] + tau
		tc.c0[k] = e.logw[k] - 0.5*math.Log(2*math.Pi*t)
		tc.h[k] = 1 / (2 * t)
		tc.g[k] = e.vr[k] / t
	}
	e.cache.Store(tc)
	return tc
}

// Posterior implements Channel with the formulas of mixturePosterior
// (THEORY.md 6.1 in general form): component k has log-weight
// l_k = c0_k - (r - m_k)^2/(2 t_k) and posterior N(g_k r + (1 - g_k) m_k,
// g_k tau) (see tauCache). A first pass finds max_k l_k; the second skips
// the components with l_k < max - 40 (each below e^-40 = 4e-18 of the
// largest weight, so with at most a few hundred components the neglected
// mass is below 1e-15 relative) and accumulates the rest, the posterior
// variance sum pi_k (g_k tau + (m_k' - E[x|r])^2) by West's weighted
// update, which has no cancellation. Safe for concurrent use.
func (e *Empirical) Posterior(r, tau float64) (mean, variance, logMarginal float64) {
	if math.IsInf(tau, 1) {
		return mixturePosterior(e.cs, r, tau)
	}
	tc := e.constants(tau)
	var lbuf [544]float64
	l := lbuf[:0]
	if len(e.mean) > len(lbuf) {
		l = make([]float64, 0, len(e.mean))
	}
	lmax := math.Inf(-1)
	for k, c := range e.mean {
		d := r - c
		lk := tc.c0[k] - d*d*tc.h[k]
		l = append(l, lk)
		lmax = max(lmax, lk)
	}
	var W, M, S, V float64 // total weight, weighted mean and scatter of the component means, weighted sum of g_k tau
	for k, lk := range l {
		if lk < lmax-40 {
			continue
		}
		w := math.Exp(lk - lmax)
		m := tc.g[k]*r + (1-tc.g[k])*e.mean[k]
		W += w
		delta := m - M
		M += w / W * delta
		S += w * delta * (m - M)
		V += w * tc.g[k]
	}
	return M, (S + V*tau) / W, lmax + math.Log(W)
}

// QuadratureBreaks implements Channel. With s_k = sqrt(v_k + tau) the
// marginal's width around component k, it seeds |m_k| and |m_k| ± j s_k for
// j in {1/2, 1, 2, 4}, and the midpoint of each pair of neighbouring means
// (where the posterior switches between atoms at small tau), drops points
// closer than s_min/2 to the previous one (the integrand is smooth on the
// scale s_min = sqrt(min_k v_k + tau)), and ends at max_k |m_k| + 14 s_k
// (where p_tau is below e^-98 of its peak), as mixtureBreaks does.
func (e *Empirical) QuadratureBreaks(dst []float64, tau float64) []float64 {
	start := len(dst)
	dst = append(dst, 0)
	upper := 0.0
	prev := math.NaN()
	for k, c := range e.mean {
		if c < 0 {
			continue
		}
		s := math.Sqrt(e.vr[k] + tau)
		dst = append(dst, c)
		for _, j := range [...]float64{0.5, 1, 2, 4} {
			dst = append(dst, c+j*s)
			if c-j*s > 0 {
				dst = append(dst, c-j*s)
			}
		}
		if !math.IsNaN(prev) {
			dst = append(dst, (prev+c)/2)
		}
		prev = c
		upper = max(upper, c+14*s)
	}
	pts := dst[start:]
	slices.Sort(pts)
	h := 0.5 * math.Sqrt(e.vmin+tau)
	out := pts[:1]
	for _, x := range pts[1:] {
		if x-out[len(out)-1] >= h && x < upper {
			out = append(out, x)
		}
	}
	out = append(out, upper)
	return dst[:start+len(out)]
}

// DataMSE estimates the mean squared error of c's denoiser E_c[x|y] on data:
//
//	mse = E (x - E_c[x|y])^2,   y = x + g/sqrt(snr),   x ~ the symmetrised law of sample,
//
// the scalar channel y = x + z/sqrt(snr) run on the data itself. When the
// data's law is c's own this is mmse_c(snr); for a surrogate c of the data
// (an Empirical) it is the mismatched mse mmse_P + E(eta_P - eta_c)^2.
//
// Stratified importance sampling. The error at one point x grows like x^2 at
// low snr, so for heavy-tailed data plain sampling is dominated by a few
// tail values. The sorted |x| (times scale, so a caller can pass
// unstandardised data with scale = 1/rms) are drawn with probability
// proportional to 1 + x^2, systematically (n points at the (i + U)/n
// quantiles of that weighted law, U uniform), and weighted back by
// mean(1 + x^2)/(1 + x^2); for each point the noise takes the 32 values
// Phi^-1((k + U')/32), U' uniform. Both offsets are random, so the estimate
// is unbiased. reps independent runs give the estimate and its standard
// error (their sample sd / sqrt(reps)). Symmetry (eta odd) makes the sign of
// x irrelevant. sample is not modified.
func DataMSE(c Channel, sample []float64, scale, snr float64, n, reps int, rng *rand.Rand) (mean, se float64, err error) {
	if len(sample) == 0 || n < 1 || reps < 2 || !(snr > 0) || math.IsInf(snr, 1) || !(scale > 0) {
		return 0, 0, fmt.Errorf("prior: DataMSE of %s: want data, n >= 1, reps >= 2, 0 < snr < Inf, scale > 0 (got %d values, n %d, reps %d, snr %v, scale %v)", c.Name(), len(sample), n, reps, snr, scale)
	}
	a := make([]float64, len(sample))
	for i, v := range sample {
		a[i] = math.Abs(v) * scale
	}
	slices.Sort(a)
	cum := make([]float64, len(a)) // cumulative weight 1 + x^2
	var total float64
	for i, x := range a {
		total += 1 + x*x
		cum[i] = total
	}
	meanW := total / float64(len(a))
	const strata = 32
	sd := 1 / math.Sqrt(snr)
	tau := 1 / snr
	var s, ss float64
	for range reps {
		u := rng.Float64()
		var est float64
		for i := range n {
			k, _ := slices.BinarySearch(cum, (float64(i)+u)/float64(n)*total)
			x := a[min(k, len(a)-1)]
			v := rng.Float64()
			var g float64
			for j := range strata {
				z := math.Sqrt2 * math.Erfinv(2*(float64(j)+v)/strata-1)
				m, _, _ := c.Posterior(x+sd*z, tau)
				g += (x - m) * (x - m)
			}
			est += g / strata * meanW / (1 + x*x)
		}
		est /= float64(n)
		s += est
		ss += est * est
	}
	fr := float64(reps)
	mean = s / fr
	return mean, math.Sqrt(max(ss/fr-mean*mean, 0) / (fr - 1)), nil
}
