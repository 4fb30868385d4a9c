package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
)

// rowSource draws minibatches from a fixed data matrix: each batch row is a
// row of data chosen uniformly at random with replacement (i.i.d. draws from
// the empirical distribution of the rows), so the minibatch gradient is an
// unbiased estimate of the gradient of the training-set loss.
type rowSource struct{ data *mat.Dense[float32] }

// fill copies x.Rows rows of the data, drawn by rng, into x.
func (src *rowSource) fill(rng *rand.Rand, x *mat.Dense[float32]) {
	n := src.data.Rows
	for i := range x.Rows {
		copy(x.Row(i), src.data.Row(rng.IntN(n)))
	}
}

// NewSGDDataRun is NewSGDRun on a fixed training set instead of a prior: the
// rows of data (signals x, data.Cols = m.Dim()) are the empirical
// distribution the batches are drawn from, uniformly with replacement by
// rng. The step is SGD's (Adam on the batch loss (1/(N d)) ||X_hat - X||^2
// with the sign surrogate; formulas at SGD); only the batch source differs.
// data is read, never written, and must stay unchanged during the run.
func NewSGDDataRun(m *model.Autoencoder[float32], data *mat.Dense[float32], rng *rand.Rand, cfg SGDConfig) (*SGDRun, error) {
	if data == nil || data.Rows < 1 {
		return nil, fmt.Errorf("train: SGD on data needs at least one training row")
	}
	if data.Cols != m.Dim() {
		return nil, fmt.Errorf("train: SGD data has %d columns, the model's dimension is %d", data.Cols, m.Dim())
	}
	for i := range data.Rows {
		for _, v := range data.Row(i) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("train: SGD data row %d holds %v", i, v)
			}
		}
	}
	run, err := newSGDRun(m, rng, cfg)
	if err != nil {
		return nil, err
	}
	run.rows = &rowSource{data: data}
	return run, nil
}

// SGDData trains m in place like SGD, on minibatches of the rows of data
// (NewSGDDataRun); it returns the batch loss per step (float64).
func SGDData(ctx context.Context, m *model.Autoencoder[float32], data *mat.Dense[float32], rng *rand.Rand, cfg SGDConfig) ([]float64, error) {
	run, err := NewSGDDataRun(m, data, rng, cfg)
	if err != nil {
		return nil, err
	}
	return runSteps(ctx, run.cfg.Steps, run.Step, cfg.Progress)
}
