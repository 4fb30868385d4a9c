package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// NearZero is the threshold, in units of the pooled standard deviation,
// below which Stats counts a coefficient as near zero. A Gaussian has
// P(|x| < 0.05) = 2 Phi(0.05) - 1 = 0.0399 (GaussianNearZero); a
// sparse-like domain has many more.
const (
	NearZero         = 0.05
	GaussianNearZero = 0.03988
)

// Stats are the coordinate statistics of a data matrix (rows are samples):
// each coordinate's variance and excess kurtosis kappa_j = m4_j/m2_j^2 - 3,
// those of the pooled coordinates (all entries as one sample), the
// fraction of entries with |x| < NearZero * pooled sd, and the spread of
// the per-sample energies q_s = ||x_s||^2/d.
//
// The energies matter to the linear decoder of a Haar encoder: for any
// fixed x, averaging over the encoder's rotation gives exactly
// (1/d) E||x - sqrt(2/pi) B^T sign(Bx)||^2 = q - 2 sqrt(2/pi) r sqrt(d) a_d sqrt(q) + (2/pi) r,
// a_d = E|u_1| for u uniform on the unit sphere of R^d (-> sqrt(2/(pi d))),
// so on data with E q = 1 its loss exceeds 1 - 2r/pi by about
// (4/pi) r (1 - E sqrt(q)) ≈ (r/(2 pi)) Var(q): the images' varying
// energy, not their marginal, is what separates them from i.i.d. data.
type Stats struct {
	Var, Kurt                            []float64 // per coordinate
	PooledVar, PooledKurt, FracNear0     float64
	MinVar, MaxVar, MedianKurt, MeanKurt float64
	EnergyVar, MeanRootEnergy            float64 // Var(q_s), mean of sqrt(q_s)
}

// Measure computes Stats of X (N x d, N >= 2). Moments are about each
// coordinate's own mean (per coordinate) and about 0 (pooled: the domains
// are centred).
func Measure(X *mat.Dense[float64]) Stats {
	N, d := X.Rows, X.Cols
	s := Stats{Var: make([]float64, d), Kurt: make([]float64, d)}
	mean := make([]float64, d)
	for i := range N {
		for j, v := range X.Row(i) {
			mean[j] += v
		}
	}
	m2, m4 := make([]float64, d), make([]float64, d)
	var p2, p4 float64
	for i := range N {
		for j, v := range X.Row(i) {
			c := v - mean[j]/float64(N)
			m2[j] += c * c
			m4[j] += c * c * c * c
			p2 += v * v
			p4 += v * v * v * v
		}
	}
	n := float64(N)
	s.MinVar, s.MaxVar = math.Inf(1), math.Inf(-1)
	for j := range d {
		s.Var[j] = m2[j] / n
		if s.Var[j] > 0 {
			s.Kurt[j] = m4[j]/n/(s.Var[j]*s.Var[j]) - 3
		}
		s.MinVar, s.MaxVar = min(s.MinVar, s.Var[j]), max(s.MaxVar, s.Var[j])
		s.MeanKurt += s.Kurt[j] / float64(d)
	}
	s.PooledVar = p2 / (n * float64(d))
	s.PooledKurt = p4/(n*float64(d))/(s.PooledVar*s.PooledVar) - 3
	thr := NearZero * math.Sqrt(s.PooledVar)
	near := 0
	for i := range N {
		for _, v := range X.Row(i) {
			if math.Abs(v) < thr {
				near++
			}
		}
	}
	s.FracNear0 = float64(near) / (n * float64(d))
	var e1, e2 float64
	for i := range N {
		var q float64
		for _, v := range X.Row(i) {
			q += v * v
		}
		q /= float64(d)
		e1 += q
		e2 += q * q
		s.MeanRootEnergy += math.Sqrt(q) / n
	}
	s.EnergyVar = e2/n - (e1/n)*(e1/n)
	k := slices.Clone(s.Kurt)
	slices.Sort(k)
	s.MedianKurt = k[len(k)/2]
	return s
}

// String summarises the statistics on one line.
func (s Stats) String() string {
	return fmt.Sprintf("var %.3g..%.3g (pooled %.4g), excess kurtosis median %.3g mean %.3g pooled %.3g, near-zero %.3f (Gaussian %.3f), energy var %.3g, E sqrt(energy) %.4f",
		s.MinVar, s.MaxVar, s.PooledVar, s.MedianKurt, s.MeanKurt, s.PooledKurt, s.FracNear0, GaussianNearZero, s.EnergyVar, s.MeanRootEnergy)
}

// MaxPriorSample bounds the number of pooled coordinates EmpiricalPrior
// uses: beyond it the entries are taken at an even stride. 2^20 values put
// 16384 in each of 64 bins, so each bin's mean and variance are known to
// well under 1% of its width.
const MaxPriorSample = 1 << 20

// EmpiricalPrior is the data's own prior: the empirical marginal of the
// pooled entries of X (training coordinates), symmetrised, standardised to
// E x^2 = 1 and compressed to prior.DefaultEmpiricalBins quantile bins (see
// prior.Empirical). name is the prior's Name, e.g. "mnist/pca".
func EmpiricalPrior(name string, X *mat.Dense[float64]) (*prior.Empirical, error) {
	total := X.Rows * X.Cols
	stride := max(1, (total+MaxPriorSample-1)/MaxPriorSample)
	sample := make([]float64, 0, (total+stride-1)/stride)
	for k := 0; k < total; k += stride {
		sample = append(sample, X.At(k/X.Cols, k%X.Cols))
	}
	return prior.NewEmpirical(name, sample, 0)
}
