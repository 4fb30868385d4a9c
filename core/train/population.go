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
	gmat "gonum.org/v1/gonum/mat"
)

// Progress receives the step just finished (1-based), the total and the
// current training loss estimate. It may be nil.
type Progress func(step, total int, loss float64)

// PopulationConfig configures Population.
type PopulationConfig struct {
	Steps int // gradient steps (default 400)
	// Masks is the number of support masks a ~ Bern(p)^d averaged per step
	// for BG(p) data. The default, max(8, ceil(1.6/p)), keeps the active
	// coordinates seen per step above 1.6 d, which keeps the gradient noise of
	// very sparse data from dominating the final loss (measured: BG(0.05),
	// r = 0.25, d = 200 ends at 0.8535 with 8 masks and 0.8482 with 32, against a
	// Haar encoder's 0.8525). Gaussian data need one: the loss is exact.
	Masks int
	LRA   float64 // decoder step: A <- A - LRA (A C - M^T) (default 0.3, THEORY.md 2.4)
	LRB   float64 // encoder step: B <- B - LRB d dL/dB, rows renormalised (default 1; > 1 may cycle)
	// ClipB bounds the norm of each row's encoder update (default 0.05 for BG,
	// none for Gaussian data); masks with few active coordinates make the
	// (1 - rho^2)^(-1/2) factors heavy-tailed (THEORY.md 2.5).
	ClipB float64
	// For BG data both learning rates decay geometrically from 1 to 0.01 of
	// their value over the last 60% of steps, so that the mask-sampling noise
	// of the gradient anneals away; NoDecay turns this off. (THEORY.md 2.5
	// uses x0.2 for the last 40%; with it, BG(0.2), r = 1 ended at 0.36791 at
	// d = 300 and 0.36615 at d = 800, above the Haar rows' value, against
	// 0.36718 and 0.36507 with this schedule. Measured on 20000-40000 fresh
	// signals, se 0.00016 and 0.00006.) Gaussian data need no decay: the
	// gradient is exact.
	NoDecay bool
	// OptimalA replaces the decoder step by A = E[x s^T] E[s s^T]^-1 for the
	// current B (estimated from this step's masks for BG data).
	OptimalA bool
	Progress Progress
}

// GaussianScale reports the activation probability p of a prior whose
// coordinates are x = a z / sqrt(p), a ~ Bern(p), z ~ N(0,1): 1 for the
// Gaussian, p for BG(p). Other priors are not Gaussian given a mask.
func GaussianScale(p prior.Prior) (float64, bool) {
	switch q := p.(type) {
	case prior.Gaussian:
		return 1, true
	case prior.BernoulliGaussian:
		return q.P, true
	}
	return 0, false
}

// Population trains m in place by gradient descent on the population loss
// of data from p (Gaussian or BG) and returns the loss trajectory (one value
// per step, the loss before that step's update, averaged over its masks).
func Population(ctx context.Context, m *model.Autoencoder[float64], p prior.Prior, rng *rand.Rand, cfg PopulationConfig) ([]float64, error) {
	run, err := NewPopulationRun(m, p, rng, cfg)
	if err != nil {
		return nil, err
	}
	return runSteps(ctx, run.cfg.Steps, run.Step, cfg.Progress)
}

// runSteps calls step(1), ..., step(steps), stopping at the first error or
// when ctx is done, reports each loss to progress, and returns the losses.
func runSteps(ctx context.Context, steps int, step func(int) (float64, error), progress Progress) ([]float64, error) {
	losses := make([]float64, 0, steps)
	for t := 1; t <= steps; t++ {
		if err := ctx.Err(); err != nil {
			return losses, err
		}
		loss, err := step(t)
		if err != nil {
			return losses, err
		}
		losses = append(losses, loss)
		if progress != nil {
			progress(t, steps, loss)
		}
	}
	return losses, nil
}

// PopulationRun is the state of a population-GD run: the model, the
// settings with their defaults filled in, and the workspaces, so that Step
// allocates nothing.
type PopulationRun struct {
	m     *model.Autoencoder[float64]
	rng   *rand.Rand
	cfg   PopulationConfig
	act   float64
	exact bool
	pg    *PopulationGrad
	upd   *mat.Dense[float64]
}

// NewPopulationRun validates cfg, fills in its defaults and allocates the workspaces.
func NewPopulationRun(m *model.Autoencoder[float64], p prior.Prior, rng *rand.Rand, cfg PopulationConfig) (*PopulationRun, error) {
	act, ok := GaussianScale(p)
	if !ok {
		return nil, fmt.Errorf("train: the population trainer needs Gaussian or BG data, got %s; use the SGD trainer", p.Name())
	}
	if cfg.Steps == 0 {
		cfg.Steps = 400
	}
	if cfg.Masks == 0 {
		cfg.Masks = max(8, int(math.Ceil(1.6/act)))
	}
	if cfg.LRA == 0 {
		cfg.LRA = 0.3
	}
	if cfg.LRB == 0 {
		cfg.LRB = 1
	}
	exact := act == 1
	if exact {
		cfg.Masks = 1
	} else if cfg.ClipB == 0 {
		cfg.ClipB = 0.05
	}
	if cfg.Steps < 0 || cfg.Masks < 0 || cfg.LRA < 0 || cfg.LRB < 0 || cfg.ClipB < 0 {
		return nil, fmt.Errorf("train: negative population setting %+v", cfg)
	}
	return &PopulationRun{m: m, rng: rng, cfg: cfg, act: act, exact: exact,
		pg: NewPopulationGrad(m.Dim(), m.Bits()), upd: mat.New[float64](m.Bits(), m.Dim())}, nil
}

// Step performs gradient step number step (1-based; it sets the learning-rate
// schedule) and returns the loss before the update.
func (run *PopulationRun) Step(step int) (float64, error) {
	m, cfg, pg, upd := run.m, run.cfg, run.pg, run.upd
	lrA, lrB := cfg.LRA, cfg.LRB
	if t := float64(step) / float64(cfg.Steps); !run.exact && !cfg.NoDecay && t > 0.4 {
		f := math.Pow(0.01, (t-0.4)/0.6)
		lrA, lrB = f*lrA, f*lrB
	}
	pg.Reset(m)
	for k := 0; k < cfg.Masks; k++ {
		pg.AddMask(m, pg.SampleMask(run.rng, run.act), run.act, 1/float64(cfg.Masks))
	}
	loss := pg.Loss
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("train: population loss is %v at step %d; training diverged", loss, step)
	}
	// Encoder step from the gradient at the current (A, B).
	d := float64(m.Dim())
	for i := 0; i < m.Bits(); i++ {
		u := upd.Row(i)
		var nu float64
		for j, g := range pg.GradB.Row(i) {
			u[j] = lrB * d * g
			nu += u[j] * u[j]
		}
		if cfg.ClipB > 0 && nu > cfg.ClipB*cfg.ClipB {
			f := cfg.ClipB / math.Sqrt(nu)
			for j := range u {
				u[j] *= f
			}
		}
	}
	// Decoder step: A <- A - lrA (A C - M^T), or A = M^T C^-1.
	if cfg.OptimalA {
		if err := pg.OptimalDecoder(m.A); err != nil {
			return loss, fmt.Errorf("train: step %d: %w", step, err)
		}
	} else {
		pg.DecoderStep(m.A, lrA)
	}
	for i := 0; i < m.Bits(); i++ {
		b := m.B.Row(i)
		var nb float64
		for j, u := range upd.Row(i) {
			b[j] -= u
			nb += b[j] * b[j]
		}
		if nb == 0 || math.IsNaN(nb) {
			return loss, fmt.Errorf("train: encoder row %d degenerate at step %d", i, step)
		}
		f := 1 / math.Sqrt(nb)
		for j := range b {
			b[j] *= f
		}
	}
	return loss, nil
}

// PopulationGrad accumulates, over support masks a, the closed-form
// population loss of THEORY.md 2.1 and its gradients (THEORY.md 2.2):
//
//	K = B S B^T, k = diag K, D = diag(k^-1/2), R = D K D
//	C = (2/pi) arcsin(R) (C_ii = 1),  M = sqrt(2/pi) D B S
//	L_a = (1/d) [tr S - 2 tr(A M) + tr(A C A^T)]
//	dL/dA = (2/d)(A C - M^T)
//	dL/dB = (1/d) { -2 sqrt(2/pi) [D A^T S - diag(alpha k^-3/2) B S] + 2 [D H D - diag(h)] B S }
//
// with S = diag(a)/p, G = A^T A, H = (2/pi) G o (1 - R o R)^-1/2 (zero diagonal),
// alpha_i = (A^T)_i . (S b_i) and h_i = sum_j H_ij R_ij / k_i. Only the support
// columns of S are nonzero, so each mask costs O(n^2 |a|).
type PopulationGrad struct {
	d, n  int
	Loss  float64             // sum over masks of weight x L_a
	C     *mat.Dense[float64] // sum of weight x C, n x n
	M     *mat.Dense[float64] // sum of weight x M, n x d
	GradB *mat.Dense[float64] // sum of weight x dL/dB, n x d
	gram  *mat.Dense[float64] // G = A^T A
	bs    *mat.Dense[float64] // B restricted to the support, n x |a|
	at    *mat.Dense[float64] // A^T restricted to the support, n x |a|
	k     *mat.Dense[float64] // K, then R, n x n
	h     *mat.Dense[float64] // H~ - diag(h), n x n
	hb    *mat.Dense[float64] // (H~ - diag h) B_S
	anext *mat.Dense[float64] // next decoder, d x n
	// Compact n x |a| headers over bs, at and hb, set per mask (no allocation).
	bsv, atv, hbv mat.Dense[float64]
	supp          []int
	kinv          []float64
	rho, as, inv  []float64 // one row of R, arcsin R, (1 - R^2)^-1/2
}

// NewPopulationGrad allocates the workspaces for dimension d and n bits.
func NewPopulationGrad(d, n int) *PopulationGrad {
	return &PopulationGrad{
		d: d, n: n,
		C: mat.New[float64](n, n), M: mat.New[float64](n, d), GradB: mat.New[float64](n, d),
		gram: mat.New[float64](n, n), k: mat.New[float64](n, n), h: mat.New[float64](n, n),
		bs: mat.New[float64](n, d), at: mat.New[float64](n, d), hb: mat.New[float64](n, d),
		anext: mat.New[float64](d, n), supp: make([]int, 0, d), kinv: make([]float64, n),
		rho: make([]float64, n), as: make([]float64, n), inv: make([]float64, n),
	}
}

// Reset clears the accumulators and computes G = A^T A for the current decoder.
func (g *PopulationGrad) Reset(m *model.Autoencoder[float64]) {
	g.Loss = 0
	clear(g.C.Data)
	clear(g.M.Data)
	clear(g.GradB.Data)
	kernel.Syrk(kernel.Trans, g.n, g.d, 1, m.A.Data, m.A.Stride, 0, g.gram.Data, g.gram.Stride)
}

// SampleMask draws the support of a ~ Bern(act)^d (all coordinates if act == 1).
func (g *PopulationGrad) SampleMask(rng *rand.Rand, act float64) []int {
	g.supp = g.supp[:0]
	for j := 0; j < g.d; j++ {
		if act >= 1 || rng.Float64() < act {
			g.supp = append(g.supp, j)
		}
	}
	return g.supp
}

// rhoClip keeps |R_ij| <= 1 - 1e-12 so that (1 - R^2)^-1/2 stays finite (THEORY.md 2.3).
const rhoClip = 1 - 1e-12

// AddMask adds weight x (L_a, C, M, dL/dB) for the support supp with
// variance 1/act on the support, at the current (A, B); Reset must have
// been called after the last change of A. It allocates nothing.
func (g *PopulationGrad) AddMask(m *model.Autoencoder[float64], supp []int, act, weight float64) {
	n, s := g.n, len(supp)
	if s == 0 {
		g.addEmptyMask(weight)
		return
	}
	sigma := 1 / act
	full := s == g.d // every coordinate active (Gaussian data): B_S = B
	bs, at := g.gatherSupport(m, supp, full)
	// K = sigma B_S B_S^T (symmetric: kernel.Syrk), k_i^-1/2.
	kernel.Syrk(kernel.NoTrans, n, s, sigma, bs.Data, bs.Stride, 0, g.k.Data, g.k.Stride)
	for i := 0; i < n; i++ {
		g.kinv[i] = 1 / math.Sqrt(g.k.At(i, i))
	}
	loss := g.addLinearTerms(bs, at, supp, full, sigma, weight)
	loss = g.addArcsinTerms(loss, weight)
	g.Loss += weight * loss / float64(g.d)
	g.addHGradient(bs, supp, full, sigma, weight)
}

// addEmptyMask adds weight x (L_a, C) for the empty support: x = 0, every
// code bit is sign(0) = +1, so C = 1 1^T, M = 0, dL/dB = 0 and
// L_a = (1/d) sum G (THEORY.md 2.1).
func (g *PopulationGrad) addEmptyMask(weight float64) {
	n := g.n
	var t float64
	for _, v := range g.gram.Data[:n*n] {
		t += v
	}
	g.Loss += weight * t / float64(g.d)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.C.Data[i*n+j] += weight
		}
	}
}

// gatherSupport sets the compact n x |a| views of B_S and (A^T)_S (B itself
// for a full support) and of the H B_S workspace, copying the support
// columns, and returns the views of B_S and (A^T)_S.
func (g *PopulationGrad) gatherSupport(m *model.Autoencoder[float64], supp []int, full bool) (bs, at *mat.Dense[float64]) {
	n, s := g.n, len(supp)
	if full {
		g.bsv = mat.Dense[float64]{Rows: n, Cols: s, Stride: m.B.Stride, Data: m.B.Data}
	} else {
		g.bsv = mat.Dense[float64]{Rows: n, Cols: s, Stride: s, Data: g.bs.Data[:n*s]}
	}
	g.atv = mat.Dense[float64]{Rows: n, Cols: s, Stride: s, Data: g.at.Data[:n*s]}
	g.hbv = mat.Dense[float64]{Rows: n, Cols: s, Stride: s, Data: g.hb.Data[:n*s]}
	bs, at = &g.bsv, &g.atv
	if !full {
		for i := 0; i < n; i++ {
			brow, bsr := m.B.Row(i), bs.Row(i)
			for c, j := range supp {
				bsr[c] = brow[j]
			}
		}
	}
	gatherT(at, m.A, supp, full)
	return bs, at
}

// addLinearTerms returns tr S - 2 tr(A M) (the first two terms of d L_a) with
// M = sqrt(2/pi) D B S, and adds weight x M and the gradient of the
// -2 tr(A M)/d term, -(2/d) sqrt(2/pi) [D A^T S - diag(alpha k^-3/2) B S]
// with alpha_i = sigma A^T_i . b_i on the support (THEORY.md 2.1, 2.2).
// It needs g.kinv = k^-1/2.
func (g *PopulationGrad) addLinearTerms(bs, at *mat.Dense[float64], supp []int, full bool, sigma, weight float64) float64 {
	d := float64(g.d)
	sq2pi := math.Sqrt(2 / math.Pi)
	loss := float64(len(supp)) * sigma
	for i := 0; i < g.n; i++ {
		atr, bsr := at.Row(i), bs.Row(i)
		alpha := sigma * dot(atr, bsr)
		loss -= 2 * sq2pi * g.kinv[i] * alpha
		// Gradient of the -2 tr(AM)/d term, and M itself.
		a32 := alpha * g.kinv[i] * g.kinv[i] * g.kinv[i]
		gr, mr := g.GradB.Row(i), g.M.Row(i)
		cg, cm := weight/d*(-2*sq2pi*sigma), weight*sq2pi*g.kinv[i]*sigma
		if full {
			addLinearRow(gr, mr, atr, bsr, g.kinv[i], a32, cg, cm)
		} else {
			addLinearRowSupport(gr, mr, atr, bsr, supp, g.kinv[i], a32, cg, cm)
		}
	}
	return loss
}

// addLinearRow adds row i of the linear terms for a full support:
// gr_c += cg (k_i^-1/2 (A^T)_ic - alpha_i k_i^-3/2 B_ic) and mr_c += cm B_ic,
// with ki = k_i^-1/2 and a32 = alpha_i k_i^-3/2 (see addLinearTerms).
func addLinearRow(gr, mr, atr, bsr []float64, ki, a32, cg, cm float64) {
	gr, mr, bsr = gr[:len(atr)], mr[:len(atr)], bsr[:len(atr)]
	for c := range atr {
		gr[c] += cg * (ki*atr[c] - a32*bsr[c])
		mr[c] += cm * bsr[c]
	}
}

// addLinearRowSupport is addLinearRow with the compact column c of the
// support scattered to column supp[c] of gr and mr.
func addLinearRowSupport(gr, mr, atr, bsr []float64, supp []int, ki, a32, cg, cm float64) {
	atr, bsr = atr[:len(supp)], bsr[:len(supp)]
	for c, j := range supp {
		gr[j] += cg * (ki*atr[c] - a32*bsr[c])
		mr[j] += cm * bsr[c]
	}
}

// addArcsinTerms adds sum G o C (C = (2/pi) arcsin R, C_ii = 1) to loss and
// returns it, adds weight x C into g.C and sets g.h to H~ - diag(h) with
// H~ = (2/pi) G o (1 - R o R)^-1/2 scaled by D on both sides and
// h_i = sum_j H_ij R_ij / k_i (THEORY.md 2.1, 2.2; R clipped, 2.3).
//
// It works a whole row at a time (one fused arcsin and (1-rho^2)^-1/2 per
// entry, kernel.AsinInvSqrt1mSq): R, C and H are symmetric, but computing
// both triangles costs less than writing one triangle's mirror image column
// by column. K and G are exactly symmetric (kernel.Syrk) and
// rho_ij = K_ij (k_i^-1/2 k_j^-1/2) is formed symmetrically, so R, C and H
// come out exactly symmetric. The diagonal (R_ii = 1, C_ii = 1) is excluded
// from the row pass (rho_ii set to 0) and added after it.
func (g *PopulationGrad) addArcsinTerms(loss, weight float64) float64 {
	n := g.n
	c2pi := 2 / math.Pi
	for i := 0; i < n; i++ {
		kr, gr, hr, cr := g.k.Row(i), g.gram.Row(i), g.h.Row(i), g.C.Row(i)
		ki := g.kinv[i]
		rho, as, inv, kinv := g.rho[:n], g.as[:n], g.inv[:n], g.kinv[:n]
		rowCorrelation(rho, kr, kinv, ki)
		rho[i] = 0
		kernel.AsinInvSqrt1mSq(as, inv, rho)
		var hs, ls float64
		for j := range rho {
			cij := c2pi * as[j]
			cr[j] += weight * cij
			ls += gr[j] * cij
			hij := c2pi * gr[j] * inv[j]
			hr[j] = hij * (ki * kinv[j])
			hs += hij * rho[j]
		}
		cr[i] += weight
		loss += ls + gr[i]
		hr[i] = -hs * ki * ki
	}
	return loss
}

// rowCorrelation sets rho_j = K_ij (k_i^-1/2 k_j^-1/2), one row of R, from
// the row kr of K, kinv = k^-1/2 and ki = k_i^-1/2, clipped to |rho_j| <=
// rhoClip (THEORY.md 2.1, 2.3).
func rowCorrelation(rho, kr, kinv []float64, ki float64) {
	kr, kinv = kr[:len(rho)], kinv[:len(rho)]
	for j := range rho {
		rho[j] = max(-rhoClip, min(rhoClip, kr[j]*(ki*kinv[j])))
	}
}

// addHGradient adds weight x (2/d) sigma (H~ - diag h) B_S, the gradient of
// the tr(A C A^T)/d term (THEORY.md 2.2), to g.GradB: in place for a full
// support, else through g.hbv and scattered to the support columns.
func (g *PopulationGrad) addHGradient(bs *mat.Dense[float64], supp []int, full bool, sigma, weight float64) {
	d := float64(g.d)
	if full {
		mat.Mul(g.GradB, 2*sigma/d*weight, g.h, kernel.NoTrans, bs, kernel.NoTrans, 1)
		return
	}
	hb := &g.hbv
	mat.Mul(hb, 2*sigma/d*weight, g.h, kernel.NoTrans, bs, kernel.NoTrans, 0)
	for i := 0; i < g.n; i++ {
		gr, hr := g.GradB.Row(i), hb.Row(i)
		for c, j := range supp {
			gr[j] += hr[c]
		}
	}
}

// gatherT sets at[i][c] = a[supp[c]][i] (A^T restricted to the support
// columns; supp is ignored and taken as 0..d-1 if full), in cache blocks.
func gatherT(at, a *mat.Dense[float64], supp []int, full bool) {
	const bs = 8 // 8 x 8 tiles: with a power-of-two stride a tile column maps to one cache set
	n, s := at.Rows, at.Cols
	for c0 := 0; c0 < s; c0 += bs {
		c1 := min(c0+bs, s)
		for i0 := 0; i0 < n; i0 += bs {
			i1 := min(i0+bs, n)
			for c := c0; c < c1; c++ {
				j := c
				if !full {
					j = supp[c]
				}
				arow := a.Data[j*a.Stride+i0 : j*a.Stride+i1]
				for i, v := range arow {
					at.Data[(i0+i)*at.Stride+c] = v
				}
			}
		}
	}
}

// DecoderStep applies A <- A - lr (A C - M^T), i.e. a step of lr d/2 along -dL/dA.
func (g *PopulationGrad) DecoderStep(a *mat.Dense[float64], lr float64) {
	// next = A + lr M^T (a blocked transpose), then next -= lr A C.
	next := g.anext
	const bs = 8 // 8 x 8 tiles: with a power-of-two stride a tile column maps to one cache set
	for i0 := 0; i0 < g.d; i0 += bs {
		for j0 := 0; j0 < g.n; j0 += bs {
			for j := j0; j < min(j0+bs, g.n); j++ {
				mr := g.M.Row(j)
				for i := i0; i < min(i0+bs, g.d); i++ {
					next.Data[i*next.Stride+j] = a.Data[i*a.Stride+j] + lr*mr[i]
				}
			}
		}
	}
	mat.Mul(next, -lr, a, kernel.NoTrans, g.C, kernel.NoTrans, 1)
	a.Copy(next)
}

// OptimalDecoder sets A = M^T C^-1, the best linear decoder for the
// accumulated E[s s^T] = C and E[s x^T] = M.
func (g *PopulationGrad) OptimalDecoder(a *mat.Dense[float64]) error {
	c := gmat.NewSymDense(g.n, nil)
	for i := 0; i < g.n; i++ {
		for j := i; j < g.n; j++ {
			c.SetSym(i, j, 0.5*(g.C.At(i, j)+g.C.At(j, i)))
		}
	}
	var ch gmat.Cholesky
	if !ch.Factorize(c) {
		return fmt.Errorf("the code covariance E[s s^T] is not positive definite")
	}
	mm := gmat.NewDense(g.n, g.d, nil)
	for i := 0; i < g.n; i++ {
		for j := 0; j < g.d; j++ {
			mm.Set(i, j, g.M.At(i, j))
		}
	}
	var x gmat.Dense // X = C^-1 M, so A = X^T
	if err := ch.SolveTo(&x, mm); err != nil {
		return err
	}
	for i := 0; i < g.d; i++ {
		for j := 0; j < g.n; j++ {
			a.Set(i, j, x.At(j, i))
		}
	}
	return nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
