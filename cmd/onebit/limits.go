package main

import (
	"math"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/experiment"
)

// Size limits of one run: d and n = round(r d) up to maxDim keep every
// workspace (a few n x d and n x n float64 matrices) within a few GiB, and
// iterative decoders stop after maxIters iterations.
const (
	maxDim   = 8192
	maxRate  = 16
	maxIters = 10000
)

// checkShape validates -rate and -dim (the shared part of train and eval)
// and that the signals carry enough nonzero coordinates for a meaningful
// Monte Carlo estimate: samples x d x P(x != 0) >= 100.
func checkShape(p prior.Prior, rate float64, dim, samples int) error {
	switch {
	case !(rate > 0 && rate <= maxRate):
		return usagef("flag -rate: %v, want 0 < r <= %d", rate, maxRate)
	case dim < 2 || dim > maxDim:
		return usagef("flag -dim: %d, want 2 <= d <= %d", dim, maxDim)
	case experiment.Bits(rate, dim) < 1:
		return usagef("flag -rate: r d = %v rounds to 0 bits; raise -rate or -dim", rate*float64(dim))
	case experiment.Bits(rate, dim) > maxDim:
		return usagef("flag -rate: n = r d = %d bits, want at most %d", experiment.Bits(rate, dim), maxDim)
	case samples < 2:
		return usagef("flag -samples: %d, want >= 2", samples)
	}
	if nz := float64(samples) * float64(dim) * (1 - p.ZeroMass()); nz < 100 || math.IsNaN(nz) {
		return usagef("flag -prior: %s gives about %.3g nonzero coordinates in %d signals of dimension %d; want >= 100 for a meaningful estimate (raise P, -dim or -samples)", p.Name(), nz, samples, dim)
	}
	return nil
}
