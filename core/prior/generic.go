package prior

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/seed05b1c944/onebit/core/prior/quad"
)

// Mixture is a symmetric prior given as a finite mixture of Gaussians and
// atoms, sum_k w_k N(c_k, s_k) with s_k = 0 for an atom. It is the generic
// path for a user-defined prior with closed-form components: build it with
// NewMixture or NewDiscrete and every prediction in theory and every decoder
// in amp works for it unchanged.
type Mixture struct {
	name string
	cs   []Component
}

// NewMixture returns the mixture of the given components, rescaled to
// E x^2 = 1 (every mean multiplied, and every variance, by the same factor).
// The weights must be positive and sum to 1 (to 1e-9), and the mixture must
// be symmetric about 0 (each component has a mirror image of equal weight).
func NewMixture(name string, cs []Component) (*Mixture, error) {
	if len(cs) == 0 {
		return nil, errors.New("prior: mixture with no components")
	}
	var m2 float64
	for _, c := range cs {
		m2 += c.Weight * (c.Var + c.Mean*c.Mean)
	}
	if !(m2 > 0) || math.IsInf(m2, 0) {
		return nil, fmt.Errorf("prior: mixture %q has E x^2 = %v, want a finite positive second moment", name, m2)
	}
	s := 1 / math.Sqrt(m2)
	scaled := make([]Component, len(cs))
	for i, c := range cs {
		scaled[i] = Component{c.Weight, c.Mean * s, c.Var * s * s}
	}
	if err := validateMixture(scaled); err != nil {
		return nil, fmt.Errorf("%w (mixture %q)", err, name)
	}
	return &Mixture{name: name, cs: scaled}, nil
}

// NewDiscrete returns the discrete prior with P(x = atoms[i]) = probs[i],
// rescaled to E x^2 = 1. The probabilities are normalised to sum to 1; the
// distribution must be symmetric about 0.
func NewDiscrete(name string, atoms, probs []float64) (*Mixture, error) {
	if len(atoms) != len(probs) || len(atoms) == 0 {
		return nil, fmt.Errorf("prior: discrete %q: %d atoms and %d probabilities", name, len(atoms), len(probs))
	}
	var z float64
	for _, p := range probs {
		if !(p > 0) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("prior: discrete %q: probability %v, want > 0", name, p)
		}
		z += p
	}
	cs := make([]Component, len(atoms))
	for i := range atoms {
		cs[i] = Component{probs[i] / z, atoms[i], 0}
	}
	return NewMixture(name, cs)
}

// Name returns the name given at construction.
func (m *Mixture) Name() string { return m.name }

// Components returns a copy of the (rescaled) components.
func (m *Mixture) Components() []Component { return slices.Clone(m.cs) }

// Sample draws a component by its weight, then from it.
func (m *Mixture) Sample(rng *rand.Rand) float64 {
	u := rng.Float64()
	c := m.cs[len(m.cs)-1]
	for _, k := range m.cs {
		if u < k.Weight {
			c = k
			break
		}
		u -= k.Weight
	}
	if c.Var == 0 {
		return c.Mean
	}
	return c.Mean + math.Sqrt(c.Var)*rng.NormFloat64()
}

// AbsMoment is E|x| = sum_k w_k E|N(c_k, s_k)|, with
// E|N(c, s)| = sqrt(2s/pi) exp(-c^2/(2s)) + c erf(c/sqrt(2s)).
func (m *Mixture) AbsMoment() float64 {
	var a float64
	for _, c := range m.cs {
		if c.Var == 0 {
			a += c.Weight * math.Abs(c.Mean)
			continue
		}
		a += c.Weight * (math.Sqrt(2*c.Var/math.Pi)*math.Exp(-c.Mean*c.Mean/(2*c.Var)) + c.Mean*math.Erf(c.Mean/math.Sqrt(2*c.Var)))
	}
	return a
}

// ExcessKurtosis is E x^4 - 3 with E[N(c, s)^4] = c^4 + 6 c^2 s + 3 s^2.
func (m *Mixture) ExcessKurtosis() float64 {
	var m4 float64
	for _, c := range m.cs {
		c2 := c.Mean * c.Mean
		m4 += c.Weight * (c2*c2 + 6*c2*c.Var + 3*c.Var*c.Var)
	}
	return m4 - 3
}

// ZeroMass is the total weight of atoms at 0.
func (m *Mixture) ZeroMass() float64 {
	var q float64
	for _, c := range m.cs {
		if c.Var == 0 && c.Mean == 0 {
			q += c.Weight
		}
	}
	return q
}

// Posterior implements Channel (see mixturePosterior).
func (m *Mixture) Posterior(r, tau float64) (mean, variance, logMarginal float64) {
	return mixturePosterior(m.cs, r, tau)
}

// QuadratureBreaks implements Channel.
func (m *Mixture) QuadratureBreaks(dst []float64, tau float64) []float64 {
	return mixtureBreaks(dst, m.cs, tau)
}

// Density is a symmetric prior with a density f on a bounded interval
// [-h, h], rescaled to E x^2 = 1. Its posterior is computed by adaptive
// quadrature over x, so it is slower than a Mixture (about a hundred times),
// but it needs nothing but f.
type Density struct {
	name      string
	f         func(float64) float64 // unnormalised, on the original scale
	scale     float64               // x = scale * original
	norm      float64               // integral of f on the original scale
	h         float64               // support [-h, h] on the rescaled axis
	abs, kurt float64
	fmax      float64 // bound on the rescaled density, for rejection sampling
}

// NewDensity returns the prior with density proportional to f on [-h, h]
// (f need not be normalised), rescaled to E x^2 = 1. f must be finite,
// non-negative and even (checked at 257 points), with positive mass.
//
// Sampling is by rejection from the uniform law on [-h, h] against the
// largest of f at 4097 grid points times 1.25; densities with a peak
// narrower than the grid (h/2048) are therefore sampled inexactly.
func NewDensity(name string, f func(x float64) float64, h float64) (*Density, error) {
	if !(h > 0) || math.IsInf(h, 0) {
		return nil, fmt.Errorf("prior: density %q: support half-width %v, want finite > 0", name, h)
	}
	for i := 0; i <= 256; i++ {
		x := h * float64(i) / 256
		a, b := f(x), f(-x)
		if !(a >= 0) || math.IsInf(a, 0) || !(b >= 0) || math.IsInf(b, 0) {
			return nil, fmt.Errorf("prior: density %q: f(±%v) = %v, %v, want finite >= 0", name, x, a, b)
		}
		if math.Abs(a-b) > 1e-12*max(a, b) {
			return nil, fmt.Errorf("prior: density %q is not even: f(%v) = %v but f(%v) = %v", name, x, a, -x, b)
		}
	}
	pts := make([]float64, 0, 66)
	for i := 0; i <= 64; i++ {
		pts = append(pts, h*float64(i)/64)
	}
	moment := func(k int) (float64, error) {
		v, est, ok := quad.Integrate(func(x float64) float64 { return math.Pow(x, float64(k)) * f(x) }, slices.Clone(pts), 0, 1e-13)
		if !ok {
			return 0, fmt.Errorf("prior: density %q: moment %d did not converge (error estimate %g)", name, k, est)
		}
		return 2 * v, nil
	}
	m0, err := moment(0)
	if err != nil {
		return nil, err
	}
	if !(m0 > 0) {
		return nil, fmt.Errorf("prior: density %q has no mass on [-%v, %v]", name, h, h)
	}
	m1, _ := moment(1) // E|x| on the original scale (times m0)
	m2, _ := moment(2)
	m4, err := moment(4)
	if err != nil {
		return nil, err
	}
	sd := math.Sqrt(m2 / m0)
	d := &Density{name: name, f: f, scale: 1 / sd, norm: m0, h: h / sd}
	d.abs = m1 / m0 / sd
	d.kurt = m4/m0/(sd*sd*sd*sd) - 3
	for i := 0; i <= 4096; i++ {
		d.fmax = max(d.fmax, d.pdf(d.h*float64(i)/4096))
	}
	d.fmax *= 1.25
	return d, nil
}

// pdf is the normalised density on the rescaled axis.
func (d *Density) pdf(x float64) float64 {
	if math.Abs(x) > d.h {
		return 0
	}
	return d.f(x/d.scale) / (d.norm * d.scale)
}

// Name returns the name given at construction.
func (d *Density) Name() string { return d.name }

// Sample draws by rejection (see NewDensity).
func (d *Density) Sample(rng *rand.Rand) float64 {
	for {
		x := d.h * (2*rng.Float64() - 1)
		if rng.Float64()*d.fmax < d.pdf(x) {
			return x
		}
	}
}

// AbsMoment is E|x| by quadrature.
func (d *Density) AbsMoment() float64 { return d.abs }

// ExcessKurtosis is E x^4 - 3 by quadrature.
func (d *Density) ExcessKurtosis() float64 { return d.kurt }

// ZeroMass is 0: a density has no atoms.
func (d *Density) ZeroMass() float64 { return 0 }

// Posterior implements Channel by quadrature over x in [-h, h] of
// x^k f(x) exp(-((x-r)^2 - c)/(2 tau)), k = 0, 1, and of (x - E[x|r])^2 times
// the same weight, where c = dist(r, [-h, h])^2 keeps the weight from
// underflowing when r lies outside the support. The panels are seeded at
// r ± j sqrt(tau). A quadrature failure gives NaN, which MMSE reports.
func (d *Density) Posterior(r, tau float64) (mean, variance, logMarginal float64) {
	if math.IsInf(tau, 1) {
		return 0, 1, math.Inf(-1)
	}
	c := max(math.Abs(r)-d.h, 0)
	c *= c
	w := func(x float64) float64 {
		e := x - r
		return d.pdf(x) * math.Exp(-(e*e-c)/(2*tau))
	}
	var buf [48]float64
	pts := append(buf[:0], -d.h, d.h, min(max(r, -d.h), d.h))
	sd := math.Sqrt(tau)
	for _, j := range [...]float64{0.25, 0.5, 1, 2, 3, 5, 8, 13} {
		for _, x := range [2]float64{r - j*sd, r + j*sd} {
			if x > -d.h && x < d.h {
				pts = append(pts, x)
			}
		}
	}
	for i := -8; i <= 8; i++ {
		pts = append(pts, d.h*float64(i)/8)
	}
	integ := func(g func(float64) float64) float64 {
		v, _, ok := quad.Integrate(g, slices.Clone(pts), 0, 1e-13)
		if !ok {
			return math.NaN()
		}
		return v
	}
	z := integ(w)
	mean = integ(func(x float64) float64 { return x * w(x) }) / z
	variance = integ(func(x float64) float64 { e := x - mean; return e * e * w(x) }) / z
	logMarginal = math.Log(z) - c/(2*tau) - 0.5*math.Log(2*math.Pi*tau)
	return mean, variance, logMarginal
}

// QuadratureBreaks implements Channel: the support's edge h and a grid of
// h/8 inside it, h ± j sqrt(tau) around the edge, and the upper limit
// h + 14 sqrt(tau).
func (d *Density) QuadratureBreaks(dst []float64, tau float64) []float64 {
	sd := math.Sqrt(tau)
	for i := 0; i <= 8; i++ {
		dst = append(dst, d.h*float64(i)/8)
	}
	for _, j := range [...]float64{0.25, 0.5, 1, 2, 3, 5, 8, 13} {
		dst = append(dst, d.h+j*sd)
		if d.h-j*sd > 0 {
			dst = append(dst, d.h-j*sd)
		}
	}
	return append(dst, d.h+14*sd)
}
