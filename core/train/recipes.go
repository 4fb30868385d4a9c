package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Recipe is a way of training the encoder at r = 1 whose outcome (rotation,
// blocks or identity) THEORY.md 4.3 records.
type Recipe int

const (
	// Annealed is tanh(beta z) with beta rising geometrically from 1 to 30
	// over the run (SGDConfig.Surrogate = AnnealedTanh), from a random
	// Gaussian start; it finds the rotation for sparse enough data and a
	// near-identity encoder for p >= 0.6 (THEORY.md 4.3). At least
	// MinAnnealedSteps Adam steps.
	Annealed Recipe = iota
	// STEIdentity is straight-through from the near-identity start
	// B = I + 0.3 G/sqrt(d) (InitNearIdentity): it tests whether the
	// identity is locally stable (THEORY.md 4.3).
	STEIdentity
	// STERandom is straight-through from a random start; it never leaves
	// the rotation basin (THEORY.md 4.3, conclusion 1).
	STERandom
)

// MinAnnealedSteps is the shortest anneal THEORY.md 4.3 found slow enough
// (2500 steps were not).
const MinAnnealedSteps = 6000

// NearIdentityScale is the 0.3 of the near-identity start I + 0.3 G/sqrt(d).
const NearIdentityScale = 0.3

var recipeNames = map[Recipe]string{Annealed: "annealed", STEIdentity: "ste-identity", STERandom: "ste-random"}

// String returns "annealed", "ste-identity" or "ste-random".
func (r Recipe) String() string {
	if s, ok := recipeNames[r]; ok {
		return s
	}
	return fmt.Sprintf("recipe(%d)", int(r))
}

// ParseRecipe reads a Recipe by name.
func ParseRecipe(s string) (Recipe, error) {
	for r, n := range recipeNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("train: unknown recipe %q; want annealed, ste-identity or ste-random", s)
}

// InitNearIdentity sets B = I + eps G/sqrt(d) (G i.i.d. N(0,1), B square)
// and A = 0: the near-identity start of THEORY.md 4.3 (eps = 0.3).
func InitNearIdentity(m *model.Autoencoder[float32], rng *rand.Rand, eps float64) error {
	d := m.Dim()
	if m.Bits() != d {
		return fmt.Errorf("train: near-identity start needs r = 1, got %d bits for d = %d", m.Bits(), d)
	}
	if !(eps >= 0) || math.IsInf(eps, 0) {
		return fmt.Errorf("train: near-identity scale %v, want a finite eps >= 0", eps)
	}
	s := eps / math.Sqrt(float64(d))
	for i := range d {
		for j := range d {
			v := rng.NormFloat64() * s
			if i == j {
				v++
			}
			m.B.Set(i, j, float32(v))
		}
	}
	clear(m.A.Data)
	return nil
}

// RecipeConfig is a recipe's run: Steps (default MinAnnealedSteps for
// Annealed, 1500 for the STE recipes, THEORY.md 4.3), Batch and LR as in
// SGDConfig.
type RecipeConfig struct {
	Steps, Batch int
	LR           float64
	Progress     Progress
}

// Train initialises m (r = 1 for STEIdentity) as the recipe says and trains
// it with SGD; it returns the batch losses. An annealed run shorter than
// MinAnnealedSteps is an error (THEORY.md 4.3: the anneal must be slow).
func (r Recipe) Train(ctx context.Context, m *model.Autoencoder[float32], p prior.Prior, rng *rand.Rand, rc RecipeConfig) ([]float64, error) {
	cfg := SGDConfig{Steps: rc.Steps, Batch: rc.Batch, LR: rc.LR, Progress: rc.Progress}
	switch r {
	case Annealed:
		if cfg.Steps == 0 {
			cfg.Steps = MinAnnealedSteps
		}
		if cfg.Steps < MinAnnealedSteps {
			return nil, fmt.Errorf("train: annealed recipe with %d steps, want at least %d (THEORY.md 4.3)", cfg.Steps, MinAnnealedSteps)
		}
		cfg.Surrogate = AnnealedTanh
		initRandom(m, rng)
	case STEIdentity:
		if err := InitNearIdentity(m, rng, NearIdentityScale); err != nil {
			return nil, err
		}
		// Start the decoder at the identity's symmetric optimum E|x| B^T
		// (THEORY.md 4.1): with A = 0 the first Adam steps move B by the
		// full step size in directions set by noise, and the start is lost.
		m.SetTiedDecoder(float32(p.AbsMoment()))
	case STERandom:
		initRandom(m, rng)
	default:
		return nil, fmt.Errorf("train: unknown recipe %d", int(r))
	}
	if cfg.Steps == 0 {
		cfg.Steps = 1500
	}
	return SGD(ctx, m, p, rng, cfg)
}

// initRandom is model.InitGaussian for a float32 model.
func initRandom(m *model.Autoencoder[float32], rng *rand.Rand) {
	s := 1 / math.Sqrt(float64(m.Dim()))
	for i := range m.B.Data {
		m.B.Data[i] = float32(rng.NormFloat64() * s)
	}
	clear(m.A.Data)
}
