package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Estimate is a Monte Carlo estimate with its standard error.
type Estimate struct {
	Mean, StdErr float64
	N            int
}

// MonteCarloLoss estimates L = (1/d) E ||x - x_hat||^2 on n fresh signals
// drawn from p, in float64, with the control variate c = ||x||^2/d whose
// expectation is exactly 1 (THEORY.md 10): the estimate is
//
//	L_hat = mean(l_i) - beta (mean(c_i) - 1),  beta = cov(l, c)/var(c),
//
// and its standard error is the residual standard deviation / sqrt(n).
// For the Gaussian and BG priors this cuts the standard error several-fold.
func MonteCarloLoss(m *Autoencoder[float64], p prior.Prior, rng *rand.Rand, n int) (Estimate, error) {
	if n < 2 {
		return Estimate{}, fmt.Errorf("model: need at least 2 signals, got %d", n)
	}
	const batch = 512
	d := m.Dim()
	ws := m.NewWorkspace(batch)
	x := mat.New[float64](batch, d)
	loss := make([]float64, batch)
	l := make([]float64, 0, n)
	c := make([]float64, 0, n)
	for done := 0; done < n; done += batch {
		r := min(batch, n-done)
		xv := x.View(0, 0, r, d)
		prior.Fill(p, rng, xv.Data)
		m.SampleLosses(ws, xv, loss[:r])
		for i := 0; i < r; i++ {
			l = append(l, loss[i])
			var s float64
			for _, v := range xv.Row(i) {
				s += v * v
			}
			c = append(c, s/float64(d))
		}
	}
	return ControlVariate(l, c, 1), nil
}

// ControlVariate estimates E l from samples l_i paired with a control c_i of
// known mean mu: mean(l) - beta (mean(c) - mu) with beta = cov(l, c)/var(c)
// fitted by least squares, and its standard error from the residuals
// (n - 2 degrees of freedom). With c = ||x||^2/d (mu = 1) it removes the
// loss fluctuations due to the signal's energy (THEORY.md 10).
func ControlVariate(l, c []float64, mu float64) Estimate {
	n := float64(len(l))
	var ml, mc float64
	for i := range l {
		ml += l[i]
		mc += c[i]
	}
	ml /= n
	mc /= n
	var scc, slc float64
	for i := range l {
		scc += (c[i] - mc) * (c[i] - mc)
		slc += (l[i] - ml) * (c[i] - mc)
	}
	beta := 0.0
	if scc > 0 {
		beta = slc / scc
	}
	var sr float64
	for i := range l {
		e := (l[i] - ml) - beta*(c[i]-mc)
		sr += e * e
	}
	return Estimate{Mean: ml - beta*(mc-mu), StdErr: math.Sqrt(sr / (n - 2) / n), N: len(l)}
}

// Loss returns the mean per-signal loss of the batch X, in float64.
func (m *Autoencoder[T]) Loss(ws *Workspace[T], x *mat.Dense[T], scratch []float64) float64 {
	m.SampleLosses(ws, x, scratch[:x.Rows])
	var s float64
	for _, v := range scratch[:x.Rows] {
		s += v
	}
	return s / float64(x.Rows)
}

// PairedDifference estimates E[a - b] from per-signal losses of two decoders
// on the same signals: the mean difference and its standard error (n - 1
// degrees of freedom). Pairing cancels the fluctuations both losses share,
// such as ||x||^2/d.
func PairedDifference(a, b []float64) Estimate {
	n := float64(len(a))
	var m float64
	for i := range a {
		m += a[i] - b[i]
	}
	m /= n
	var v float64
	for i := range a {
		e := a[i] - b[i] - m
		v += e * e
	}
	return Estimate{Mean: m, StdErr: math.Sqrt(v / (n - 1) / n), N: len(a)}
}

// Energies returns c_s = ||x_s||^2/d for each row x_s of X (N x d): the
// control variate of THEORY.md 10, whose expectation is E x^2 = 1.
func Energies(x *mat.Dense[float64]) []float64 {
	c := make([]float64, x.Rows)
	for s := range c {
		var q float64
		for _, v := range x.Row(s) {
			q += v * v
		}
		c[s] = q / float64(x.Cols)
	}
	return c
}
