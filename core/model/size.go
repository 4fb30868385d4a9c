package model

import (
	"fmt"
	"math"
)

// Size is the shape of a 1-bit autoencoder: the signal dimension d and the
// code length n = round(r d) for a rate of r bits per coordinate
// (THEORY.md 1). It is built once, by NewSize, and passed down; the rate
// everything downstream reports is the realised n/d.
type Size struct {
	Dim  int // d
	Bits int // n
}

// NewSize returns the size for rate r at dimension d: n = round(r d). It
// fails unless d >= 2, r > 0 is finite and n >= 1.
func NewSize(r float64, d int) (Size, error) {
	switch {
	case d < 2:
		return Size{}, fmt.Errorf("dimension d = %d, want d >= 2", d)
	case !(r > 0) || math.IsInf(r, 0):
		return Size{}, fmt.Errorf("rate r = %v, want a finite r > 0", r)
	}
	s := Size{Dim: d, Bits: int(math.Round(r * float64(d)))}
	if s.Bits < 1 {
		return Size{}, fmt.Errorf("rate r = %v at d = %d: r d rounds to 0 bits", r, d)
	}
	return s, nil
}

// Rate is the realised rate n/d.
func (s Size) Rate() float64 { return float64(s.Bits) / float64(s.Dim) }

// RowOrthogonal reports an error when an encoder of this size cannot have
// orthonormal rows (n > d, r > 1), as the Haar encoder, the shallow
// decoder's effective channel and VAMP require (THEORY.md 5, 7.2). what
// names the thing that needs them, for the message.
func (s Size) RowOrthogonal(what string) error {
	if s.Bits > s.Dim {
		return fmt.Errorf("%s needs r <= 1 (orthonormal rows), got r = %.4g (n = %d > d = %d)", what, s.Rate(), s.Bits, s.Dim)
	}
	return nil
}

// String spells the size as "d = 300, n = 150 (r = 0.5)".
func (s Size) String() string {
	return fmt.Sprintf("d = %d, n = %d (r = %.4g)", s.Dim, s.Bits, s.Rate())
}
