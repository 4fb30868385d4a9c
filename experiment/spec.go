package experiment

import (
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Size limits of one run: d and n = round(r d) up to MaxDim keep every
// workspace (a few n x d and n x n float64 matrices) within a few GiB;
// iterative decoders stop after MaxIters iterations.
const (
	MaxDim   = 8192
	MaxRate  = 16
	MaxIters = 10000
	// MaxWorkBytes bounds the memory of the largest workspace a run
	// allocates (checked before allocating): 4 GiB of the 24 here.
	MaxWorkBytes = 4 << 30
	// MaxFlops bounds the arithmetic of one training run: 1e15 floating
	// point operations is about three hours at the 100 GFLOP/s one core
	// reaches here (results/bench).
	MaxFlops = 1e15
)

// FieldError is an invalid field of a run spec. Field is the name the
// command line gives it (its flag), so that a user is told what to change.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// NewSize builds the run's size from the rate and the dimension within
// the limits above; its errors name the field ("rate" or "dim").
func NewSize(r float64, d int) (model.Size, error) {
	switch {
	case !(r > 0 && r <= MaxRate):
		return model.Size{}, fieldErr("rate", "%v, want 0 < r <= %d", r, MaxRate)
	case d < 2 || d > MaxDim:
		return model.Size{}, fieldErr("dim", "%d, want 2 <= d <= %d", d, MaxDim)
	}
	s, err := model.NewSize(r, d)
	if err != nil {
		return s, fieldErr("rate", "r d = %v rounds to 0 bits; raise the rate or the dimension", r*float64(d))
	}
	if s.Bits > MaxDim {
		return s, fieldErr("rate", "n = r d = %d bits, want at most %d", s.Bits, MaxDim)
	}
	return s, nil
}

// checkSamples checks that samples signals of dimension d from p carry
// enough nonzero coordinates for a meaningful Monte Carlo estimate:
// samples x d x P(x != 0) >= 100.
func checkSamples(p prior.Prior, d, samples int) error {
	if samples < 2 {
		return fieldErr("samples", "%d, want >= 2", samples)
	}
	if nz := float64(samples) * float64(d) * (1 - p.ZeroMass()); nz < 100 || math.IsNaN(nz) {
		return fieldErr("prior", "%s gives about %.3g nonzero coordinates in %d signals of dimension %d; want >= 100 for a meaningful estimate (raise P, the dimension or the samples)", p.Name(), nz, samples, d)
	}
	return nil
}

// rowOrthogonalSize checks that rate r at dimension d gives a size that a
// row-orthogonal encoder (and what needs one) can have.
func rowOrthogonalSize(r float64, d int, what string) error {
	s, err := NewSize(r, d)
	if err == nil {
		err = s.RowOrthogonal(what)
	}
	if err != nil {
		return fmt.Errorf("experiment: r = %v, d = %d: %w", r, d, err)
	}
	return nil
}
