package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

func TestPopulationGaussianReachesLimit(t *testing.T) {
	for _, r := range []float64{0.25, 0.5, 1} {
		d := 100
		n := int(r * float64(d))
		m := model.New[float64](d, n)
		rng := rand.New(rand.NewPCG(1, 2))
		m.InitGaussian(rng)
		losses, err := Population(context.Background(), m, prior.Gaussian{}, rng, PopulationConfig{Steps: 150})
		if err != nil {
			t.Fatal(err)
		}
		want := 1 - 2*r/math.Pi
		got := losses[len(losses)-1]
		// THEORY.md 2.4: the gap is below 1e-12 after 100 steps at d = 100.
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("r=%v: population loss %.15f, want %.15f", r, got, want)
		}
	}
}
