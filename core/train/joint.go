package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// JointConfig configures TrainJoint. Zero fields take the defaults.
//
// The joint trainer works in float64, unlike SGD: the decoders' denoisers
// (posterior means, the inverse Mills ratio of VAMP's output module) and
// their derivatives need it, and at d = 500 these per-coordinate maps, not
// the GEMMs, dominate a step.
type JointConfig struct {
	Steps     int       // Adam steps (default 2000)
	Batch     int       // fresh signals per step (default 64)
	LR        float64   // Adam step of the matrices B and A (default 1e-3)
	LRDecoder float64   // Adam step of the denoiser's parameters and Theta (default 1e-2)
	Surrogate Surrogate // StraightThrough, or AnnealedTanh with beta 1 -> BetaMax
	BetaMax   float64   // final beta of AnnealedTanh (default 30)
	// Both step sizes decay linearly to 10% of their value at the last step.
	// EvalEvery is the validation interval in steps (default 50); Patience
	// stops training after that many validations without improvement (0:
	// never stop early). The parameters kept are those with the lowest
	// validation loss seen, the initial ones included.
	EvalEvery int
	Patience  int
	// KeepScale disables renormalising the rows of B after each step (the
	// code sign(Bx) does not depend on them; the surrogate does).
	KeepScale bool
	// FreezeEncoder trains the decoder alone (B fixed): the fixed-encoder
	// baseline trained the same way.
	FreezeEncoder bool
	Progress      Progress
}

// JointFit reports a TrainJoint run.
type JointFit struct {
	// TrainLoss is the batch loss at each step taken.
	TrainLoss []float64
	// Validation[k] is the validation loss after ValidationStep[k] steps
	// (step 0: the initial network).
	Validation     []float64
	ValidationStep []int
	// Best indexes Validation: the parameters kept.
	Best int
	// Stopped is the step at which early stopping ended the run (0: it ran
	// all steps).
	Stopped int
}

// JointRun is the state of a TrainJoint run; Step allocates nothing.
type JointRun struct {
	j      *model.Joint
	p      prior.Prior
	rng    *rand.Rand
	cfg    JointConfig
	ws     *model.JointWorkspace
	x      *mat.Dense[float64]
	g      *model.JointGrad
	groups []model.ParamGroup
	m, v   [][]float64
}

// NewJointRun validates j and cfg, fills in the defaults and allocates.
func NewJointRun(j *model.Joint, p prior.Prior, rng *rand.Rand, cfg JointConfig) (*JointRun, error) {
	if j == nil || p == nil || rng == nil {
		return nil, errors.New("train: nil network, prior or random source")
	}
	if err := j.Validate(); err != nil {
		return nil, err
	}
	if cfg.Steps == 0 {
		cfg.Steps = 2000
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.LRDecoder == 0 {
		cfg.LRDecoder = 1e-2
	}
	if cfg.BetaMax == 0 {
		cfg.BetaMax = 30
	}
	if cfg.EvalEvery == 0 {
		cfg.EvalEvery = 50
	}
	if cfg.Steps < 0 || cfg.Batch < 1 || cfg.Batch > 1<<16 || !(cfg.LR > 0) || !(cfg.LRDecoder > 0) || !(cfg.BetaMax >= 1) ||
		cfg.EvalEvery < 1 || cfg.Patience < 0 || (cfg.Surrogate != StraightThrough && cfg.Surrogate != AnnealedTanh) {
		return nil, fmt.Errorf("train: invalid joint setting %+v", cfg)
	}
	run := &JointRun{j: j, p: p, rng: rng, cfg: cfg, ws: j.NewWorkspace(cfg.Batch),
		x: mat.New[float64](cfg.Batch, j.Dim()), g: j.NewGrad()}
	run.groups = j.Groups(run.g)
	for _, gr := range run.groups {
		run.m = append(run.m, make([]float64, len(gr.W)))
		run.v = append(run.v, make([]float64, len(gr.W)))
	}
	return run, nil
}

// Surrogate returns the sign surrogate of step (1-based): straight-through,
// or tanh(beta z) with beta rising geometrically from 1 to BetaMax.
func (run *JointRun) Surrogate(step int) model.SignSurrogate {
	if run.cfg.Surrogate != AnnealedTanh {
		return model.SignSurrogate{}
	}
	f := float64(step-1) / float64(max(run.cfg.Steps-1, 1))
	return model.SignSurrogate{Tanh: true, Beta: math.Pow(run.cfg.BetaMax, f)}
}

// Step draws a fresh batch, takes Adam step number step (1-based; beta1 0.9,
// beta2 0.999, eps 1e-8, step sizes decaying linearly to 10%) and returns
// the batch loss before the update.
func (run *JointRun) Step(step int) (float64, error) {
	cfg := run.cfg
	prior.Fill(run.p, run.rng, run.x.Data)
	loss, err := run.j.Gradient(run.ws, run.x, run.Surrogate(step), false, run.g)
	if err != nil {
		return loss, fmt.Errorf("train: joint step %d: %w", step, err)
	}
	const b1, b2, eps = 0.9, 0.999, 1e-8
	decay := 1 - 0.9*float64(step-1)/float64(max(cfg.Steps-1, 1))
	c1 := 1 - math.Pow(b1, float64(step))
	c2 := math.Sqrt(1 - math.Pow(b2, float64(step)))
	for k, gr := range run.groups {
		if gr.Name == "B" && cfg.FreezeEncoder {
			continue
		}
		lr := cfg.LRDecoder
		if gr.Matrix {
			lr = cfg.LR
		}
		lrt := lr * decay * c2 / c1
		m, v := run.m[k], run.v[k]
		for i, gi := range gr.G {
			m[i] = b1*m[i] + (1-b1)*gi
			v[i] = b2*v[i] + (1-b2)*gi*gi
			gr.W[i] -= lrt * m[i] / (math.Sqrt(v[i]) + eps)
		}
	}
	if !cfg.KeepScale && !cfg.FreezeEncoder {
		if err := normaliseRows(run.j.B); err != nil {
			return loss, fmt.Errorf("train: joint step %d: %w", step, err)
		}
	}
	return loss, nil
}

// normaliseRows scales every row of b to unit norm.
func normaliseRows(b *mat.Dense[float64]) error {
	for i := range b.Rows {
		row := b.Row(i)
		var nb float64
		for _, v := range row {
			nb += v * v
		}
		if !(nb > 0) || math.IsInf(nb, 0) {
			return fmt.Errorf("encoder row %d has squared norm %v", i, nb)
		}
		f := 1 / math.Sqrt(nb)
		for k := range row {
			row[k] *= f
		}
	}
	return nil
}

// TrainJoint trains every parameter of j (encoder through the sign
// surrogate, decoder matrices, denoiser parameters, unrolled Theta) by Adam
// on fresh batches from p, validating on the held-out signals val (rows,
// d columns) every EvalEvery steps, and leaves j at the parameters with the
// lowest validation loss (early stopping; never worse on val than the
// network passed in). A diverging step ends the run with an error and j at
// its best parameters so far.
func TrainJoint(ctx context.Context, j *model.Joint, p prior.Prior, rng *rand.Rand, val *mat.Dense[float64], cfg JointConfig) (JointFit, error) {
	run, err := NewJointRun(j, p, rng, cfg)
	if err != nil {
		return JointFit{}, err
	}
	if val == nil || val.Rows < 1 || val.Cols != j.Dim() {
		return JointFit{}, errors.New("train: empty validation set or wrong dimension")
	}
	cfg = run.cfg
	best := make([][]float64, len(run.groups))
	for k, gr := range run.groups {
		best[k] = append([]float64(nil), gr.W...)
	}
	keep := func() {
		for k, gr := range run.groups {
			copy(gr.W, best[k])
		}
	}
	vws := j.NewWorkspace(min(256, val.Rows))
	vl := make([]float64, val.Rows)
	var fit JointFit
	since := 0
	validate := func(step int) error {
		if err := j.Losses(vws, val, vl); err != nil {
			return err
		}
		var l float64
		for _, v := range vl {
			l += v
		}
		l /= float64(len(vl))
		fit.Validation = append(fit.Validation, l)
		fit.ValidationStep = append(fit.ValidationStep, step)
		if l < fit.Validation[fit.Best] {
			fit.Best = len(fit.Validation) - 1
			for k, gr := range run.groups {
				copy(best[k], gr.W)
			}
			since = 0
		} else {
			since++
		}
		return nil
	}
	if err := validate(0); err != nil {
		return fit, err
	}
	since = 0
	fit.TrainLoss = make([]float64, 0, cfg.Steps)
	for step := 1; step <= cfg.Steps; step++ {
		if err := ctx.Err(); err != nil {
			keep()
			return fit, err
		}
		loss, err := run.Step(step)
		if err != nil {
			keep()
			return fit, err
		}
		fit.TrainLoss = append(fit.TrainLoss, loss)
		if cfg.Progress != nil {
			cfg.Progress(step, cfg.Steps, loss)
		}
		if step%cfg.EvalEvery == 0 || step == cfg.Steps {
			if err := validate(step); err != nil {
				keep()
				return fit, fmt.Errorf("train: joint validation after step %d: %w", step, err)
			}
			if cfg.Patience > 0 && since >= cfg.Patience {
				fit.Stopped = step
				break
			}
		}
	}
	keep()
	return fit, nil
}

// JointSpec describes a network for InitJoint.
type JointSpec struct {
	Decoder  model.DecoderKind
	Denoiser string // ShallowDecoder: "spline" (default) or "soft"
	Knots    int    // spline knots (default 16)
	Layers   int    // UnrolledDecoder: T (default 2)
	Untied   bool   // UnrolledDecoder: learn the layers' matrix apart from B
}

// RandomUnitRows returns n rows of i.i.d. N(0, 1) entries, each normalised
// to unit norm: the random start of joint training.
func RandomUnitRows(rng *rand.Rand, n, d int) *mat.Dense[float64] {
	b := mat.New[float64](n, d)
	for i := range n {
		row := b.Row(i)
		var s float64
		for k := range row {
			row[k] = rng.NormFloat64()
			s += row[k] * row[k]
		}
		for k := range row {
			row[k] /= math.Sqrt(s)
		}
	}
	return b
}

// HaarEncoder returns n unit rows for dimension d: n orthonormal rows of a
// Haar rotation for n <= d (amp.HaarRows), and for n > d the rows of a Haar
// frame (orthonormal columns, amp.HaarRows transposed) normalised to unit
// norm, an approximately tight frame (THEORY.md 1(b)).
func HaarEncoder(rng *rand.Rand, n, d int) (*mat.Dense[float64], error) {
	if n <= d {
		return amp.HaarRows(rng, n, d)
	}
	q, err := amp.HaarRows(rng, d, n)
	if err != nil {
		return nil, err
	}
	b := q.T()
	return b, normaliseRows(b)
}

// InitJoint returns a network of spec on the encoder b (used, not copied)
// for data from p, with its decoder at a warm start fitted on warm fresh
// signals (at least 200):
//
//   - A = a0 if given (a warm start from a trained linear decoder), else
//     A = c B^T with the least-squares c (sqrt(2/pi) for Haar rows, THEORY.md
//     1(a));
//   - the shallow decoder reads v = A s and starts from the least-squares
//     spline on equally spaced knots (model.FitSpline) or the best soft
//     threshold (model.FitSoftThreshold) of x given v;
//   - the unrolled decoder starts at the fixed algorithm (Theta = 0) on B
//     (a0 is not used).
func InitJoint(spec JointSpec, b *mat.Dense[float64], a0 *mat.Dense[float64], p prior.Prior, rng *rand.Rand, warm int) (*model.Joint, error) {
	if b == nil || p == nil || rng == nil {
		return nil, errors.New("train: nil encoder, prior or random source")
	}
	if spec.Decoder == model.UnrolledDecoder {
		ch, err := prior.AsChannel(p)
		if err != nil {
			return nil, err
		}
		layers := spec.Layers
		if layers == 0 {
			layers = 2
		}
		return model.NewJointUnrolled(b, ch, layers, !spec.Untied)
	}
	if warm < 200 || warm > 1<<20 {
		return nil, fmt.Errorf("train: %d warm-up signals, want 200 to 2^20", warm)
	}
	n, d := b.Rows, b.Cols
	x := mat.New[float64](warm, d)
	prior.Fill(p, rng, x.Data)
	s := mat.New[float64](warm, n)
	model.Encode(s, b, x)
	a := a0
	if a == nil {
		a = b.T()
		u := mat.New[float64](warm, d)
		mat.Mul(u, 1, s, kernel.NoTrans, b, kernel.NoTrans, 0)
		var xu, uu float64
		for i, v := range u.Data {
			xu += x.Data[i] * v
			uu += v * v
		}
		if !(uu > 0) {
			return nil, errors.New("train: degenerate encoder (B^T s = 0)")
		}
		for i := range a.Data {
			a.Data[i] *= xu / uu
		}
	} else if a.Rows != d || a.Cols != n {
		return nil, fmt.Errorf("train: warm-start decoder %dx%d for an encoder %dx%d", a.Rows, a.Cols, n, d)
	} else {
		a = a.Clone()
	}
	if spec.Decoder == model.LinearDecoder {
		return model.NewJointLinear(b, a)
	}
	if spec.Decoder != model.ShallowDecoder {
		return nil, fmt.Errorf("train: unknown decoder %v", spec.Decoder)
	}
	v := mat.New[float64](warm, d)
	mat.Mul(v, 1, s, kernel.NoTrans, a, kernel.Trans, 0)
	var f model.LearnedDenoiser
	switch spec.Denoiser {
	case "", "spline":
		k := spec.Knots
		if k == 0 {
			k = 16
		}
		knots, err := model.UniformKnots(v.Data, k)
		if err != nil {
			return nil, err
		}
		sp, err := model.FitSpline(v.Data, x.Data, knots)
		if err != nil {
			return nil, err
		}
		f = sp
	case "soft":
		st, err := model.FitSoftThreshold(v.Data, x.Data, 200)
		if err != nil {
			return nil, err
		}
		f = st
	default:
		return nil, fmt.Errorf("train: unknown denoiser %q (want spline or soft)", spec.Denoiser)
	}
	return model.NewJointShallow(b, a, f)
}
