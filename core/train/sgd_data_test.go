package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// replayPrior emits a fixed sequence of values from Sample (FillBatch falls
// back to Sample in row-major order for priors it does not know).
type replayPrior struct {
	prior.Gaussian
	vals []float64
	i    *int
}

func (p replayPrior) Sample(*rand.Rand) float64 { v := p.vals[*p.i]; *p.i++; return v }

// TestSGDDataStepMatchesPriorStep is an exact step check: SGD on the rows of
// a data matrix must take bit for bit the steps SGD on a prior takes when
// the prior's batches are those rows, drawn in the order the data run draws
// them (uniform indices with replacement from an identically seeded rng).
// Copying the wrong row, or a batch source that shares or skips state,
// breaks the equality; so does any change to the step itself that only
// one path sees.
func TestSGDDataStepMatchesPriorStep(t *testing.T) {
	const d, n, rows, batch, steps = 12, 6, 40, 8, 5
	rng := rand.New(rand.NewPCG(3, 4))
	m64 := model.New[float64](d, n)
	m64.InitGaussian(rng)
	m64.SetTiedDecoder(1 / math.Sqrt(d))
	data := mat.New[float32](rows, d)
	prior.FillBatch(prior.BernoulliGaussian{P: 0.5}, rng, data.Data)

	// The values the data run will draw, from a copy of its rng.
	draw := rand.New(rand.NewPCG(11, 12))
	var vals []float64
	for range steps * batch {
		for _, v := range data.Row(draw.IntN(rows)) {
			vals = append(vals, float64(v))
		}
	}
	cfg := SGDConfig{Steps: steps, Batch: batch}
	md := model.Convert[float32](m64)
	ld, err := SGDData(context.Background(), md, data, rand.New(rand.NewPCG(11, 12)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	mp := model.Convert[float32](m64)
	lp, err := SGD(context.Background(), mp, replayPrior{vals: vals, i: new(int)}, rand.New(rand.NewPCG(1, 1)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ld {
		if ld[i] != lp[i] {
			t.Fatalf("step %d: data-run loss %v, prior-run loss %v on the same batch", i+1, ld[i], lp[i])
		}
	}
	for i := range md.A.Data {
		if md.A.Data[i] != mp.A.Data[i] {
			t.Fatalf("A[%d]: %v (data) vs %v (prior)", i, md.A.Data[i], mp.A.Data[i])
		}
	}
	for i := range md.B.Data {
		if md.B.Data[i] != mp.B.Data[i] {
			t.Fatalf("B[%d]: %v (data) vs %v (prior)", i, md.B.Data[i], mp.B.Data[i])
		}
	}
}

func TestSGDDataStepAllocatesNothing(t *testing.T) {
	m := model.New[float32](16, 8)
	data := mat.New[float32](50, 16)
	prior.FillBatch(prior.Gaussian{}, rand.New(rand.NewPCG(1, 2)), data.Data)
	initRandom(m, rand.New(rand.NewPCG(3, 4)))
	run, err := NewSGDDataRun(m, data, rand.New(rand.NewPCG(5, 6)), SGDConfig{Steps: 100, Batch: 32})
	if err != nil {
		t.Fatal(err)
	}
	step := 0
	if a := testing.AllocsPerRun(20, func() {
		step++
		if _, err := run.Step(step); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("data SGD step allocates %v times, want 0", a)
	}
}

func TestSGDDataBadInput(t *testing.T) {
	m := model.New[float32](4, 2)
	rng := rand.New(rand.NewPCG(1, 1))
	bad := mat.New[float32](3, 4)
	bad.Data[5] = float32(math.NaN())
	for name, data := range map[string]*mat.Dense[float32]{
		"nil": nil, "empty": mat.New[float32](0, 4), "columns": mat.New[float32](3, 5), "nan": bad,
	} {
		if _, err := NewSGDDataRun(m, data, rng, SGDConfig{}); err == nil {
			t.Errorf("%s data: no error", name)
		}
	}
	if _, err := NewSGDDataRun(m, mat.New[float32](3, 4), rng, SGDConfig{Batch: -1}); err == nil {
		t.Error("negative batch: no error")
	}
}
