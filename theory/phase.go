package theory

import (
	"fmt"
	"math"

	"github.com/seed05b1c944/onebit/core/prior"
)

// Ties is the convention for sign(0) when a coordinate of Bx is exactly 0
// (which happens with positive probability for the identity encoder on a
// prior with an atom at 0).
type Ties int

const (
	// PlusOne is onebit's convention sign(0) := +1 (THEORY.md 1).
	PlusOne Ties = iota
	// FairCoin breaks ties at 0 by an independent fair coin.
	FairCoin
)

// String returns "plus1" or "coin".
func (t Ties) String() string {
	if t == FairCoin {
		return "coin"
	}
	return "plus1"
}

// Decoder is the decoder class of the identity-versus-rotation comparison
// (THEORY.md 4.1).
type Decoder int

const (
	// Symmetric is the scalar decoder x_hat_i = a s_i with no bias.
	Symmetric Decoder = iota
	// Affine is x_hat_i = a s_i + b; a full linear decoder A (n x d) reaches
	// the same loss as d -> inf (its all-ones direction acts as a bias).
	Affine
)

// String returns "symmetric" or "affine".
func (d Decoder) String() string {
	if d == Affine {
		return "affine"
	}
	return "symmetric"
}

// IdentityLoss is the loss at r = 1 of the identity (or signed-permutation)
// encoder s = sign(x) with the best decoder of class dec, as d -> inf
// (THEORY.md 4.1). With a = E|x| and q = P(x = 0):
//
//	1 - a^2                 symmetric decoder (either tie rule), or fair-coin ties (either decoder)
//	1 - a^2/(1 - q^2)       sign(0) = +1 with an affine decoder: s_i = -1 certifies x_i < 0
//
// The prior must be symmetric with E x^2 = 1, as every prior.Prior is.
func IdentityLoss(p prior.Prior, ties Ties, dec Decoder) float64 {
	a := p.AbsMoment()
	if ties == PlusOne && dec == Affine {
		q := p.ZeroMass()
		return 1 - a*a/(1-q*q)
	}
	return 1 - a*a
}

// IdentityLossFiniteD is the exact loss at dimension d of the identity
// encoder with sign(0) = +1 and the optimal full linear decoder A (THEORY.md 4.1):
//
//	1 - a^2/(1 - q^2) * (1 - q^2/(1 - q^2 + d q^2)),
//
// which tends to IdentityLoss(p, PlusOne, Affine) as d -> inf.
func IdentityLossFiniteD(p prior.Prior, d int) (float64, error) {
	if d < 1 {
		return 0, fmt.Errorf("theory: dimension d = %d, want d >= 1", d)
	}
	a, q := p.AbsMoment(), p.ZeroMass()
	q2 := q * q
	return 1 - a*a/(1-q2)*(1-q2/(1-q2+float64(d)*q2)), nil
}

// RotationLoss is the loss at r = 1 of a Haar rotation encoder with the
// linear decoder sqrt(2/pi) B^T (optimal as d -> inf), 1 - 2/pi, for every
// prior, tie rule and decoder class (ties have probability 0) (THEORY.md 1, 4.1).
func RotationLoss() float64 { return 1 - 2/math.Pi }

// Phase is the identity-versus-rotation comparison at r = 1 for one prior
// (THEORY.md 4.1).
type Phase struct {
	// IdentitySymmetric is 1 - (E|x|)^2: symmetric decoder or fair-coin ties.
	IdentitySymmetric float64
	// IdentityPlusOne is 1 - (E|x|)^2/(1 - q^2): sign(0) = +1, affine decoder.
	IdentityPlusOne float64
	// Rotation is 1 - 2/pi.
	Rotation float64
}

// PhaseR1 returns the three losses of Phase for p.
func PhaseR1(p prior.Prior) Phase {
	return Phase{
		IdentitySymmetric: IdentityLoss(p, FairCoin, Symmetric),
		IdentityPlusOne:   IdentityLoss(p, PlusOne, Affine),
		Rotation:          RotationLoss(),
	}
}

// CriticalParameter returns the parameter t in [lo, hi] of a one-parameter
// family of priors at which the identity encoder and the rotation have equal
// loss at r = 1 (THEORY.md 4.1), found by bisection to full precision on
// IdentityLoss(family(t)) - RotationLoss(). It is an error if the difference
// has the same sign at both ends (no transition in the interval), e.g. for
// BG, where the identity never wins.
//
// For SR(p) the roots are 2/pi (symmetric decoder or fair ties) and
// (4 - pi)/2 (sign(0) = +1 with an affine decoder); see CriticalSR.
func CriticalParameter(family func(t float64) prior.Prior, lo, hi float64, ties Ties, dec Decoder) (float64, error) {
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return 0, fmt.Errorf("theory: critical parameter needs a finite interval lo < hi, got [%v, %v]", lo, hi)
	}
	g := func(t float64) float64 { return IdentityLoss(family(t), ties, dec) - RotationLoss() }
	glo, ghi := g(lo), g(hi)
	if glo == 0 {
		return lo, nil
	}
	if ghi == 0 {
		return hi, nil
	}
	if math.IsNaN(glo) || math.IsNaN(ghi) || (glo > 0) == (ghi > 0) {
		return 0, fmt.Errorf("theory: identity and rotation do not cross on [%v, %v] (loss differences %.6g and %.6g)", lo, hi, glo, ghi)
	}
	for range 200 {
		m := lo + (hi-lo)/2
		if m <= lo || m >= hi {
			break
		}
		if gm := g(m); (gm > 0) == (glo > 0) {
			lo, glo = m, gm
		} else {
			hi = m
		}
	}
	return lo + (hi-lo)/2, nil
}

// CriticalSR is the closed form of CriticalParameter for SR(p): the identity
// beats the rotation for p > p*, with p* = 2/pi for a symmetric decoder or
// fair-coin ties and p* = (4 - pi)/2 for sign(0) = +1 with an affine decoder
// (THEORY.md 4.1: solve 1 - p = 1 - 2/pi and (1-p)/(2-p) = 1 - 2/pi).
func CriticalSR(ties Ties, dec Decoder) float64 {
	if ties == PlusOne && dec == Affine {
		return (4 - math.Pi) / 2
	}
	return 2 / math.Pi
}
