package prior

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Prior is a symmetric, unit-variance distribution of one coordinate of x.
type Prior interface {
	// Name is the spelling accepted by Parse, e.g. "bg:0.3".
	Name() string
	// Sample draws one coordinate using the caller's source.
	Sample(rng *rand.Rand) float64
	// AbsMoment is E|x|.
	AbsMoment() float64
	// ExcessKurtosis is kappa = E x^4 - 3.
	ExcessKurtosis() float64
	// ZeroMass is q = P(x = 0).
	ZeroMass() float64
}

// Gaussian is the standard normal prior N(0, 1).
type Gaussian struct{}

// Name returns "gaussian".
func (Gaussian) Name() string { return "gaussian" }

// Sample draws from N(0,1).
func (Gaussian) Sample(rng *rand.Rand) float64 { return rng.NormFloat64() }

// AbsMoment is E|x| = sqrt(2/pi).
func (Gaussian) AbsMoment() float64 { return math.Sqrt(2 / math.Pi) }

// ExcessKurtosis is 0.
func (Gaussian) ExcessKurtosis() float64 { return 0 }

// ZeroMass is 0.
func (Gaussian) ZeroMass() float64 { return 0 }

// BernoulliGaussian is BG(p): x = a z / sqrt(p) with a ~ Bern(p), z ~ N(0,1).
type BernoulliGaussian struct{ P float64 }

// Name returns "bg:P".
func (b BernoulliGaussian) Name() string { return "bg:" + strconv.FormatFloat(b.P, 'g', -1, 64) }

// Sample draws a z/sqrt(p).
func (b BernoulliGaussian) Sample(rng *rand.Rand) float64 {
	if rng.Float64() >= b.P {
		return 0
	}
	return rng.NormFloat64() / math.Sqrt(b.P)
}

// AbsMoment is E|x| = sqrt(2p/pi).
func (b BernoulliGaussian) AbsMoment() float64 { return math.Sqrt(2 * b.P / math.Pi) }

// ExcessKurtosis is 3(1-p)/p.
func (b BernoulliGaussian) ExcessKurtosis() float64 { return 3 * (1 - b.P) / b.P }

// ZeroMass is 1-p.
func (b BernoulliGaussian) ZeroMass() float64 { return 1 - b.P }

// SparseRademacher is SR(p): x = +-1/sqrt(p) with probability p/2 each, 0 otherwise.
type SparseRademacher struct{ P float64 }

// Name returns "sr:P".
func (s SparseRademacher) Name() string { return "sr:" + strconv.FormatFloat(s.P, 'g', -1, 64) }

// Sample draws one coordinate.
func (s SparseRademacher) Sample(rng *rand.Rand) float64 {
	u := rng.Float64()
	switch {
	case u < s.P/2:
		return 1 / math.Sqrt(s.P)
	case u < s.P:
		return -1 / math.Sqrt(s.P)
	}
	return 0
}

// AbsMoment is E|x| = sqrt(p).
func (s SparseRademacher) AbsMoment() float64 { return math.Sqrt(s.P) }

// ExcessKurtosis is 1/p - 3.
func (s SparseRademacher) ExcessKurtosis() float64 { return 1/s.P - 3 }

// ZeroMass is 1-p.
func (s SparseRademacher) ZeroMass() float64 { return 1 - s.P }

// Parse reads a prior written "gaussian", "bg:P" or "sr:P" with P in (0, 1].
// The error names the allowed forms and range.
func Parse(s string) (Prior, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(s), ":")
	switch strings.ToLower(name) {
	case "gaussian", "gauss":
		if hasArg {
			return nil, fmt.Errorf("prior %q: gaussian takes no parameter", s)
		}
		return Gaussian{}, nil
	case "bg", "sr":
		if !hasArg {
			return nil, fmt.Errorf("prior %q: want %s:P with P in (0, 1]", s, name)
		}
		p, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(p > 0 && p <= 1) {
			return nil, fmt.Errorf("prior %q: sparsity P must be a number in (0, 1]", s)
		}
		if strings.ToLower(name) == "bg" {
			return BernoulliGaussian{P: p}, nil
		}
		return SparseRademacher{P: p}, nil
	}
	return nil, fmt.Errorf("prior %q: unknown; want gaussian, bg:P or sr:P with P in (0, 1]", s)
}

// Fill fills dst with i.i.d. draws from p.
func Fill[T float32 | float64](p Prior, rng *rand.Rand, dst []T) {
	for i := range dst {
		dst[i] = T(p.Sample(rng))
	}
}

// Value carries a parsed Prior through configuration files: it marshals as
// the prior's name and unmarshals through Parse, so a config holds a prior
// value, not a string to be parsed again.
type Value struct{ Prior }

// MarshalText writes the prior's name.
func (v Value) MarshalText() ([]byte, error) {
	if v.Prior == nil {
		return nil, fmt.Errorf("prior: marshalling an empty prior value")
	}
	return []byte(v.Name()), nil
}

// UnmarshalText parses a prior name.
func (v *Value) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	v.Prior = p
	return nil
}

// MustParse is Parse for spellings fixed in the source (defaults, tests);
// it panics on an error, which is a programming error there.
func MustParse(s string) Value {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return Value{p}
}

// String is the prior's name.
func (v Value) String() string { return v.Name() }
