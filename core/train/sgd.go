package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// Surrogate is the derivative used for sign in the backward pass; the
// forward pass always uses the exact sign (sign(0) = +1).
type Surrogate int

const (
	// StraightThrough passes the gradient where |z| <= 1 (the hard-tanh
	// straight-through estimator).
	StraightThrough Surrogate = iota
	// AnnealedTanh uses d/dz tanh(beta z), with beta rising geometrically
	// from 1 to 30 over training (THEORY.md 4, claim 3c).
	AnnealedTanh
)

// SGDConfig configures SGD.
type SGDConfig struct {
	Steps     int       // Adam steps (default 3000)
	Batch     int       // signals per step, fresh from the prior or drawn from the data rows (default 256)
	LR        float64   // Adam step size (default 3e-3)
	Surrogate Surrogate // backward surrogate for sign
	// KeepScale disables renormalising the rows of B after each step. The
	// code sign(Bx) does not depend on the row norms, but the surrogate does.
	KeepScale bool
	Progress  Progress
}

// adam holds the Adam moments of one parameter (float32, as the weights).
type adam struct{ m, v []float32 }

func newAdam(n int) *adam { return &adam{make([]float32, n), make([]float32, n)} }

// step applies one Adam update with beta1 = 0.9, beta2 = 0.999, eps = 1e-8.
func (a *adam) step(w, g []float32, lr float64, t int) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	c1 := 1 - math.Pow(b1, float64(t))
	c2 := 1 - math.Pow(b2, float64(t))
	kernel.Adam(w, a.m, a.v, g, b1, b2, lr*math.Sqrt(c2)/c1, eps)
}

// SGD trains m in place with minibatch Adam on fresh samples from p, using
// the sign surrogate for the encoder gradient. Gradients of the batch loss
// (1/(N d)) ||X_hat - X||^2 are
//
//	dA = (2/(N d)) E^T S,  dS = (2/(N d)) E A,  dZ = dS o sign'(Z),  dB = dZ^T X
//
// with E = X_hat - X. It returns the batch loss per step (float64).
func SGD(ctx context.Context, m *model.Autoencoder[float32], p prior.Prior, rng *rand.Rand, cfg SGDConfig) ([]float64, error) {
	run, err := NewSGDRun(m, p, rng, cfg)
	if err != nil {
		return nil, err
	}
	return runSteps(ctx, run.cfg.Steps, run.Step, cfg.Progress)
}

// SGDRun is the state of an SGD run; Step allocates nothing.
type SGDRun struct {
	m      *model.Autoencoder[float32]
	p      prior.Prior
	rng    *rand.Rand
	cfg    SGDConfig
	ws     *model.Workspace[float32]
	x, e   *mat.Dense[float32]
	dz, tz *mat.Dense[float32]
	ga, gb *mat.Dense[float32]
	oa, ob *adam
	sparse *sparseState // non-nil: sparse batches (see sparseMinZeroMass)
	rows   *rowSource   // non-nil: batches are rows of a data matrix, not prior samples (sgd_data.go)
}

// NewSGDRun validates cfg, fills in its defaults and allocates the workspaces.
func NewSGDRun(m *model.Autoencoder[float32], p prior.Prior, rng *rand.Rand, cfg SGDConfig) (*SGDRun, error) {
	run, err := newSGDRun(m, rng, cfg)
	if err != nil {
		return nil, err
	}
	run.p = p
	d, n := m.Dim(), m.Bits()
	if p.ZeroMass() >= sparseMinZeroMass && d*n <= sparseMaxWeights {
		sp, err := newSparseState(run.cfg.Batch, d, n)
		if err != nil {
			return nil, fmt.Errorf("train: SGD batch %d x %d: %w", run.cfg.Batch, d, err)
		}
		run.sparse = sp
	}
	return run, nil
}

// newSGDRun is NewSGDRun without a batch source.
func newSGDRun(m *model.Autoencoder[float32], rng *rand.Rand, cfg SGDConfig) (*SGDRun, error) {
	if cfg.Steps == 0 {
		cfg.Steps = 3000
	}
	if cfg.Batch == 0 {
		cfg.Batch = 256
	}
	if cfg.LR == 0 {
		cfg.LR = 3e-3
	}
	if cfg.Steps < 0 || cfg.Batch < 0 || !(cfg.LR > 0) {
		return nil, fmt.Errorf("train: invalid SGD setting %+v", cfg)
	}
	d, n, N := m.Dim(), m.Bits(), cfg.Batch
	return &SGDRun{m: m, rng: rng, cfg: cfg, ws: m.NewWorkspace(N),
		x: mat.New[float32](N, d), e: mat.New[float32](N, d), dz: mat.New[float32](N, n), tz: mat.New[float32](N, n),
		ga: mat.New[float32](d, n), gb: mat.New[float32](n, d),
		oa: newAdam(len(m.A.Data)), ob: newAdam(len(m.B.Data))}, nil
}

// Step draws a batch (fresh prior samples, or data rows for a run made by
// NewSGDDataRun), takes Adam step number step (1-based; it sets
// the surrogate's annealing) and returns the batch loss before the update.
func (run *SGDRun) Step(step int) (float64, error) {
	m, cfg, x, e, dz := run.m, run.cfg, run.x, run.e, run.dz
	N, d, n := cfg.Batch, m.Dim(), m.Bits()
	scale := float32(2 / float64(N*d))
	var z, s, xh *mat.Dense[float32]
	switch {
	case run.rows != nil:
		run.rows.fill(run.rng, x)
		z, s, xh = m.Forward(run.ws, x)
	case run.sparse != nil:
		run.sparse.fill(run.p, run.rng, x)
		z, s, xh = run.sparse.forward(run)
	default:
		prior.FillBatch(run.p, run.rng, x.Data)
		z, s, xh = m.Forward(run.ws, x)
	}
	loss := kernel.SubSq(e.Data, xh.Data, x.Data) / float64(N*d)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("train: SGD loss is %v at step %d; training diverged (a smaller learning rate may help)", loss, step)
	}
	mat.Mul(run.ga, scale, e, kernel.Trans, s, kernel.NoTrans, 0)
	mat.Mul(dz, scale, e, kernel.NoTrans, m.A, kernel.NoTrans, 0)
	switch cfg.Surrogate {
	case AnnealedTanh:
		beta := float32(math.Pow(30, float64(step-1)/float64(max(cfg.Steps-1, 1))))
		kernel.Tanh(run.tz.Data, z.Data, beta)
		kernel.TanhGrad(dz.Data, dz.Data, run.tz.Data, beta)
	default:
		kernel.STEGrad(dz.Data, dz.Data, z.Data)
	}
	if run.sparse != nil {
		run.sparse.backwardB(run.gb, dz)
	} else {
		mat.Mul(run.gb, 1, dz, kernel.Trans, x, kernel.NoTrans, 0)
	}
	run.oa.step(m.A.Data, run.ga.Data, cfg.LR, step)
	run.ob.step(m.B.Data, run.gb.Data, cfg.LR, step)
	if !cfg.KeepScale {
		for i := 0; i < n; i++ {
			b := m.B.Row(i)
			nb := kernel.SumSq(b)
			if nb == 0 {
				return loss, fmt.Errorf("train: encoder row %d vanished at step %d", i, step)
			}
			kernel.Scale(b, float32(1/math.Sqrt(nb)))
		}
	}
	return loss, nil
}
