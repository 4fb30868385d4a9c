package experiment

import (
	"fmt"
	"strings"
)

// kind is the shared machinery of the enumerations below: a fixed list of
// spellings, parsed case-sensitively, printed and (un)marshalled as text.
type kind[K ~int] []string

func (names kind[K]) parse(what, s string) (K, error) {
	for i, n := range names {
		if n != "" && n == s {
			return K(i), nil
		}
	}
	var valid []string
	for _, n := range names {
		if n != "" {
			valid = append(valid, n)
		}
	}
	return 0, fmt.Errorf("unknown %s %q, want %s", what, s, strings.Join(valid, ", "))
}

func (names kind[K]) name(k K) string {
	if int(k) < 0 || int(k) >= len(names) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return names[k]
}

// Trainer is how an encoder is trained.
type Trainer int

const (
	// NoTrainer: the encoder is fixed (Haar rows), nothing is trained.
	NoTrainer Trainer = iota
	// Population is exact gradient descent on the closed-form population
	// loss (THEORY.md 2; Gaussian and BG priors, float64).
	Population
	// SGD is Adam on fresh samples with a sign surrogate (float32, any prior).
	SGD
	// Joint is Adam on the whole network, encoder and (any) decoder
	// together, through the sign surrogate (float64, any prior;
	// train.TrainJoint). A learned encoder under a nonlinear decoder is
	// always trained this way.
	Joint
)

var trainerNames = kind[Trainer]{"none", "population", "sgd", "joint"}

// ParseTrainer reads "population", "sgd" or "joint".
func ParseTrainer(s string) (Trainer, error) {
	t, err := trainerNames.parse("trainer", s)
	if err == nil && t == NoTrainer {
		return 0, fmt.Errorf("unknown trainer %q, want population, sgd, joint", s)
	}
	return t, err
}

func (t Trainer) String() string { return trainerNames.name(t) }

// MarshalText spells the trainer as String does.
func (t Trainer) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads any spelling String produces.
func (t *Trainer) UnmarshalText(b []byte) (err error) {
	*t, err = trainerNames.parse("trainer", string(b))
	return err
}

// Encoder is where the encoder B comes from.
type Encoder int

const (
	// Learned: B is trained (by the spec's Trainer).
	Learned Encoder = iota
	// Haar: B has Haar-distributed orthonormal rows and is not trained
	// (r <= 1); the linear decoder is then sqrt(2/pi) B^T (THEORY.md 1).
	Haar
)

var encoderNames = kind[Encoder]{"learned", "haar"}

// ParseEncoder reads "learned" or "haar".
func ParseEncoder(s string) (Encoder, error) { return encoderNames.parse("encoder", s) }

func (e Encoder) String() string { return encoderNames.name(e) }

// MarshalText spells the encoder as String does.
func (e Encoder) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText reads any spelling String produces.
func (e *Encoder) UnmarshalText(b []byte) (err error) {
	*e, err = encoderNames.parse("encoder", string(b))
	return err
}

// Decoder is the decoder put on top of the encoder.
type Decoder int

const (
	// Linear is x_hat = A s, trained with the encoder.
	Linear Decoder = iota
	// Denoiser is the shallow decoder followed by a learned coordinate-wise
	// spline denoiser (THEORY.md 5).
	Denoiser
	// Unrolled is unrolled VAMP with learned per-layer factors
	// (THEORY.md 7.2).
	Unrolled
)

var decoderNames = kind[Decoder]{"linear", "denoiser", "unrolled"}

// ParseDecoder reads "linear", "denoiser" or "unrolled".
func ParseDecoder(s string) (Decoder, error) { return decoderNames.parse("decoder", s) }

func (d Decoder) String() string { return decoderNames.name(d) }

// MarshalText spells the decoder as String does.
func (d Decoder) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads any spelling String produces.
func (d *Decoder) UnmarshalText(b []byte) (err error) {
	*d, err = decoderNames.parse("decoder", string(b))
	return err
}

// Nonlinear reports whether the decoder needs a row-orthogonal encoder and
// is predicted for a Haar one (denoiser, unrolled).
func (d Decoder) Nonlinear() bool { return d != Linear }

// JointStart is where joint training starts.
type JointStart int

const (
	// StartHaar: Haar rows (a Haar frame for r > 1) and the decoder fitted
	// to them (the fixed algorithm for the unrolled decoder).
	StartHaar JointStart = iota
	// StartRandom: i.i.d. Gaussian unit rows and the decoder fitted to them.
	StartRandom
	// StartLinear: the encoder (and, for the shallow decoder, the read-out
	// A) of a linear autoencoder first trained jointly from Haar rows: the
	// linear-decoder optimum.
	StartLinear
)

var startNames = kind[JointStart]{"haar", "random", "linear"}

// ParseJointStart reads "haar", "random" or "linear".
func ParseJointStart(s string) (JointStart, error) { return startNames.parse("start", s) }

func (j JointStart) String() string { return startNames.name(j) }

// MarshalText spells the start as String does.
func (j JointStart) MarshalText() ([]byte, error) { return []byte(j.String()), nil }

// UnmarshalText reads any spelling String produces.
func (j *JointStart) UnmarshalText(b []byte) (err error) {
	*j, err = startNames.parse("start", string(b))
	return err
}

// Scale is the size at which `onebit reproduce` runs its experiments.
type Scale int

const (
	// Small is the built-in default (minutes on two cores).
	Small Scale = iota
	// Paper is the larger scale (d = 800 to 2000), written under paper/.
	Paper
	// Smoke is a tiny scale (seconds) that exercises every code path, for
	// tests and for trying a cluster set-up; written under smoke/.
	Smoke
)

var scaleNames = kind[Scale]{"small", "paper", "smoke"}

// ParseScale reads "small", "paper" or "smoke".
func ParseScale(s string) (Scale, error) { return scaleNames.parse("scale", s) }

func (s Scale) String() string { return scaleNames.name(s) }
