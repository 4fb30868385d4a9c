package experiment

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// PhaseConfig sets up the r = 1 phase experiment (THEORY.md 4, issue 12):
// what the encoder trained by each recipe of THEORY.md 4.3 looks like, and
// its refitted loss against every candidate structure, across the sparsity
// p of SR(p) (BG(p) as the control, where the rotation always wins).
type PhaseConfig struct {
	SR          []float64 // p of SR(p)
	BG          []float64 // p of BG(p), the control
	Dim         int       // d = n (r = 1)
	Seeds       int       // training runs per point and recipe
	Recipes     []string  // annealed, ste-identity, ste-random
	AnnealSteps int       // Adam steps of the annealed recipe (>= 6000)
	STESteps    int       // Adam steps of the straight-through recipes
	Batch       int       // signals per Adam step
	FitSignals  int       // decoder refit (least squares)
	TestSignals int       // loss of the refitted decoder
	HeatP       []float64 // SR p whose |W| (first seed) is drawn
	Rotations   int       // Haar rotations of the k >= 3 block averages (theory)
	MaxHaar     int       // largest Haar block of the theory lines
	Run
}

// PhaseDefaults are the built-in defaults of `make reproduce` (about a minute).
func PhaseDefaults() PhaseConfig {
	return PhaseConfig{SR: []float64{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1}, BG: []float64{0.3, 0.7}, Dim: 64, Seeds: 3,
		Recipes: []string{"annealed", "ste-identity"}, AnnealSteps: 6000, STESteps: 1500, Batch: 128,
		FitSignals: 20000, TestSignals: 20000, HeatP: []float64{0.3, 0.5, 0.7}, Rotations: 300, MaxHaar: 5,
		Run: Run{Seed: 1, OutDir: "results/phase"}}
}

// PhaseSmoke is the tiny scale (--scale smoke).
func PhaseSmoke() PhaseConfig {
	c := PhaseDefaults()
	c.SR, c.BG, c.Dim, c.Seeds, c.STESteps, c.Batch = []float64{0.3, 1}, []float64{0.5}, 8, 1, 50, 8
	c.FitSignals, c.TestSignals, c.HeatP, c.Rotations, c.MaxHaar = 400, 400, []float64{1}, 20, 3
	return c
}

// phaseExperiment: weight is the measured cost of the small scale, 86
// core-seconds (reproduce --only phase, user time).
var phaseExperiment = define(parts[PhaseConfig, PhaseRow, []PhaseRow]{
	name: "phase", summary: "the r = 1 phase transition: what each training recipe finds on SR(p) and BG(p)", weight: 86,
	config: scaled(PhaseDefaults, PhasePaper, PhaseSmoke),
	banner: func(c PhaseConfig) string {
		return fmt.Sprintf("r = 1 phase transition, SR(p) p in %v, BG(p) p in %v, d = %d, %d seeds, recipes %v", c.SR, c.BG, c.Dim, c.Seeds, c.Recipes)
	},
	units: phaseUnits, assemble: phaseAssemble, write: WritePhase, claims: phaseClaims,
})

// PhasePaper is the paper-scale configuration (d = 128, finer p, 5 seeds).
func PhasePaper() PhaseConfig {
	c := PhaseDefaults()
	c.SR = []float64{0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 1}
	c.BG = []float64{0.2, 0.5, 0.8}
	c.Dim, c.Seeds, c.Batch = 128, 5, 256
	c.FitSignals, c.TestSignals, c.Rotations, c.MaxHaar = 40000, 40000, 1000, 7
	c.Recipes = []string{"annealed", "ste-identity", "ste-random"}
	return c
}

// PhaseTheory holds the candidate losses at one p (THEORY.md 4.1-4.2).
type PhaseTheory struct {
	IdentityCoin   float64 `json:"identity_coin"`    // 1 - (E|x|)^2
	IdentityPlus1  float64 `json:"identity_plus1"`   // 1 - (E|x|)^2/(1-q^2)
	IdentityPlus1D float64 `json:"identity_plus1_d"` // exact at d, full linear decoder
	Rotation       float64 `json:"rotation"`         // 1 - 2/pi
	RotationD      float64 `json:"rotation_d"`       // Edgeworth at d
	BestBlock      float64 `json:"best_block"`       // lowest plus1 block (k >= 2)
	BestBlockSE    float64 `json:"best_block_se"`
	BestBlockName  string  `json:"best_block_name"`
	Best           float64 `json:"best"` // lowest plus1 candidate (any structure, d -> inf or at d)
	BestName       string  `json:"best_name"`
}

// PhaseRow is one trained encoder.
type PhaseRow struct {
	Prior  string  `json:"prior"`
	Family string  `json:"family"` // sr or bg
	P      float64 `json:"p"`
	Dim    int     `json:"dim"`
	Recipe string  `json:"recipe"`
	Steps  int     `json:"steps"`
	Seed   int     `json:"seed"`
	Loss   float64 `json:"loss"` // refitted decoder with bias, held-out signals
	StdErr float64 `json:"stderr"`
	// LossSnapped is the refitted loss (with bias) of the encoder snapped
	// to its row-wise argmax, sign(W_ij) e_j: the exact signed permutation
	// when Distinct = d, whose ties at x_i = 0 are broken by sign(0) = +1
	// rather than by the trained encoder's small off-diagonal weights.
	LossSnapped   float64     `json:"loss_snapped"`
	StdErrSnapped float64     `json:"stderr_snapped"`
	LossNoBias    float64     `json:"loss_no_bias"`
	StdErrNoBias  float64     `json:"stderr_no_bias"`
	Identity      float64     `json:"identity"`
	Participation float64     `json:"participation"`
	Distinct      int         `json:"distinct"`
	TrainSeconds  float64     `json:"train_seconds,omitempty"` // wall time: timings.json, not the data files
	Theory        PhaseTheory `json:"theory"`
	// AbsW is |W| of the row-normalised encoder (d x d, row-major) for the
	// heat maps; kept for the first seed at the HeatP points only.
	AbsW []float64 `json:"abs_w,omitempty"`
}

// Validate checks c.
func (c PhaseConfig) Validate() error {
	if c.Dim < 4 || c.Dim > 4096 || c.Seeds < 1 || c.Seeds > 1000 || len(c.SR)+len(c.BG) == 0 || len(c.Recipes) == 0 ||
		c.STESteps < 1 || c.Batch < 1 || c.FitSignals < 2*c.Dim || c.TestSignals < 3 || c.Rotations < 2 || c.MaxHaar < 1 || c.MaxHaar > 7 {
		return fmt.Errorf("experiment: invalid phase config %+v", c)
	}
	if c.AnnealSteps < train.MinAnnealedSteps {
		return fmt.Errorf("experiment: phase annealed steps %d, want at least %d (THEORY.md 4.3)", c.AnnealSteps, train.MinAnnealedSteps)
	}
	for _, p := range append(append([]float64(nil), c.SR...), c.BG...) {
		if !(p > 0 && p <= 1) {
			return fmt.Errorf("experiment: phase sparsity %v, want 0 < p <= 1", p)
		}
	}
	for _, r := range c.Recipes {
		if _, err := train.ParseRecipe(r); err != nil {
			return err
		}
	}
	return nil
}

// phaseTheory computes the candidate lines for prior p at dimension d.
func phaseTheory(p prior.Prior, c PhaseConfig) (PhaseTheory, error) {
	rep, err := theory.PhaseCandidates(p, theory.PhaseOptions{Dim: c.Dim, MaxHaar: c.MaxHaar, Haar: theory.HaarOptions{Rotations: c.Rotations, Seed: c.Seed}})
	if err != nil {
		return PhaseTheory{}, err
	}
	t := PhaseTheory{BestBlock: math.Inf(1), Best: math.Inf(1)}
	for _, cd := range rep.Candidates {
		switch {
		case cd.Structure == "identity" && cd.Convention == theory.ConventionCoin:
			t.IdentityCoin = cd.Loss
		case cd.Structure == "identity" && cd.Convention == theory.ConventionPlus1 && cd.Dim == 0:
			t.IdentityPlus1 = cd.Loss
		case cd.Structure == "identity" && cd.Convention == theory.ConventionPlus1:
			t.IdentityPlus1D = cd.Loss
		case cd.Structure == "rotation" && cd.Dim == 0:
			t.Rotation = cd.Loss
		case cd.Structure == "rotation" && cd.Convention == theory.ConventionPlus1:
			t.RotationD = cd.Loss
		}
		if cd.Convention != theory.ConventionPlus1 {
			continue
		}
		if cd.K >= 2 && cd.Dim == 0 && cd.Loss < t.BestBlock {
			t.BestBlock, t.BestBlockSE, t.BestBlockName = cd.Loss, cd.StdErr, cd.Structure
		}
		if cd.Loss < t.Best {
			t.Best, t.BestName = cd.Loss, cd.Structure
			if cd.Dim > 0 {
				t.BestName += fmt.Sprintf(" (d = %d)", cd.Dim)
			}
		}
	}
	return t, nil
}

// RunPhase trains every (prior, recipe, seed) of c, each an independent
// cached unit, and attaches the theory candidates of its prior.
func RunPhase(ctx context.Context, c PhaseConfig) ([]PhaseRow, error) {
	us, err := phaseUnits(c)
	if err != nil {
		return nil, err
	}
	rows, err := runUnits(ctx, c.Run, us)
	if err != nil {
		return nil, err
	}
	return phaseAssemble(c, rows), nil
}

// phasePriors lists SR(p) for c.SR, then BG(p) for c.BG.
func phasePriors(c PhaseConfig) []prior.Prior {
	var priors []prior.Prior
	for _, p := range c.SR {
		priors = append(priors, prior.SparseRademacher{P: p})
	}
	for _, p := range c.BG {
		priors = append(priors, prior.BernoulliGaussian{P: p})
	}
	return priors
}

// phaseUnits lists one unit per (prior, recipe, seed).
func phaseUnits(c PhaseConfig) ([]unit[PhaseRow], error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var units []unit[PhaseRow]
	for i, pr := range phasePriors(c) {
		heat := i < len(c.SR) && slices.Contains(c.HeatP, c.SR[i])
		for _, rn := range c.Recipes {
			rec, _ := train.ParseRecipe(rn)
			steps := c.STESteps
			if rec == train.Annealed {
				steps = c.AnnealSteps
			}
			for s := range c.Seeds {
				keep := heat && s == 0
				units = append(units, unit[PhaseRow]{
					key: fmt.Sprintf("%s-d%d-%s-steps%d-batch%d-fit%d-test%d-seed%d-%d-heat%v", fileSafe(pr.Name()), c.Dim, rn, steps, c.Batch,
						c.FitSignals, c.TestSignals, c.Seed, s, keep),
					label: fmt.Sprintf("%s %s seed %d", pr.Name(), rn, s),
					cost:  float64(steps) / float64(c.STESteps),
					run: func(ctx context.Context, _ func(float64)) (PhaseRow, error) {
						return phaseUnit(ctx, pr, rec, steps, s, keep, c)
					},
				})
			}
		}
	}
	return units, nil
}

// phaseAssemble attaches to each row its prior's family and theory lines
// (computed once per prior; a failure leaves NaN lines, which the report
// and figures show as missing).
func phaseAssemble(c PhaseConfig, rows []PhaseRow) []PhaseRow {
	ths := map[string]PhaseTheory{}
	for _, pr := range phasePriors(c) {
		th, err := phaseTheory(pr, c)
		if err != nil {
			nan := math.NaN()
			th = PhaseTheory{nan, nan, nan, nan, nan, nan, nan, "none", nan, "none"}
		}
		ths[pr.Name()] = th
	}
	for i := range rows {
		rows[i].Theory = ths[rows[i].Prior]
		rows[i].Family = map[bool]string{true: "sr", false: "bg"}[strings.HasPrefix(rows[i].Prior, "sr:")]
	}
	return rows
}

// phaseClaims: for each recipe, the encoders it trains to a near-identity
// at the largest SR p < 1 where every seed's encoder is a permutation
// (distinct = d), snapped to that signed permutation, reach the identity's
// loss with sign(0) = +1 and a bias, 1 - (E|x|)^2/(1-q^2) (THEORY.md 4.1),
// exact at every d; the allowance is the refit's held-out penalty
// L (d+1)/(N - d - 2) (least squares with d+1 parameters on N signals).
func phaseClaims(c PhaseConfig, rows []PhaseRow) []Claim {
	var out []Claim
	for _, rec := range c.Recipes {
		best := -1.0
		var pick []PhaseRow
		for _, p := range c.SR {
			if p >= 1 || p <= best {
				continue
			}
			var g []PhaseRow
			ok := true
			for _, r := range rows {
				if r.Family == "sr" && r.P == p && r.Recipe == rec {
					g = append(g, r)
					ok = ok && r.Distinct == c.Dim && r.Identity > 0.9
				}
			}
			if ok && len(g) > 0 {
				best, pick = p, g
			}
		}
		if pick == nil {
			continue
		}
		var l []float64
		var se2 float64
		for _, r := range pick {
			l = append(l, r.LossSnapped)
			se2 += r.StdErrSnapped * r.StdErrSnapped
		}
		m, _ := meanSD(l)
		pred := pick[0].Theory.IdentityPlus1
		out = append(out, Claim{
			Claim: fmt.Sprintf("identity with sign(0) = +1 and a bias: %s-trained near-identity encoders on SR(%g), snapped to their signed permutation, "+
				"reach 1 - (E|x|)^2/(1-q^2)", rec, best),
			Source: "THEORY.md 4.1", Measured: Measured{Loss: m, StdErr: math.Sqrt(se2) / float64(len(pick)), Prediction: pred},
			Dim: c.Dim, Seeds: len(pick), Allowance: pred * float64(c.Dim+1) / float64(c.FitSignals-c.Dim-2),
		})
	}
	return out
}

// phaseUnit trains one encoder with recipe rec and measures it.
func phaseUnit(ctx context.Context, p prior.Prior, rec train.Recipe, steps, seed int, keepW bool, c PhaseConfig) (PhaseRow, error) {
	rng := rand.New(rand.NewPCG(pointSeed(c.Seed, p.AbsMoment(), float64(rec), c.Dim), uint64(seed)))
	m := model.New[float32](c.Dim, c.Dim)
	t0 := time.Now()
	if _, err := rec.Train(ctx, m, p, rng, train.RecipeConfig{Steps: steps, Batch: c.Batch}); err != nil {
		return PhaseRow{}, err
	}
	secs := time.Since(t0).Seconds()
	b := model.Convert[float64](m).B
	sh, err := model.EncoderShape(b)
	if err != nil {
		return PhaseRow{}, err
	}
	row := PhaseRow{Prior: p.Name(), P: phaseP(p), Dim: c.Dim, Recipe: rec.String(), Steps: steps, Seed: seed, TrainSeconds: secs,
		Identity: sh.Identity, Participation: sh.Participation, Distinct: sh.Distinct}
	for _, bias := range []bool{true, false} {
		f, err := train.RefitDecoder(b, p, rng, c.FitSignals, bias)
		if err != nil {
			return PhaseRow{}, err
		}
		est, err := f.Loss(b, p, rng, c.TestSignals)
		if err != nil {
			return PhaseRow{}, err
		}
		if bias {
			row.Loss, row.StdErr = est.Mean, est.StdErr
		} else {
			row.LossNoBias, row.StdErrNoBias = est.Mean, est.StdErr
		}
	}
	snap := mat.New[float64](c.Dim, c.Dim)
	for i := range c.Dim {
		j, v := 0, 0.0
		for k, w := range b.Row(i) {
			if math.Abs(w) > math.Abs(v) {
				j, v = k, w
			}
		}
		snap.Set(i, j, math.Copysign(1, v))
	}
	f, err := train.RefitDecoder(snap, p, rng, c.FitSignals, true)
	if err != nil {
		return PhaseRow{}, err
	}
	est, err := f.Loss(snap, p, rng, c.TestSignals)
	if err != nil {
		return PhaseRow{}, err
	}
	row.LossSnapped, row.StdErrSnapped = est.Mean, est.StdErr
	if keepW {
		row.AbsW = make([]float64, c.Dim*c.Dim)
		for i := range c.Dim {
			var n2 float64
			for _, v := range b.Row(i) {
				n2 += v * v
			}
			for j, v := range b.Row(i) {
				row.AbsW[i*c.Dim+j] = math.Abs(v) / math.Sqrt(n2)
			}
		}
	}
	return row, nil
}

// phaseP is the sparsity parameter of an SR or BG prior.
func phaseP(p prior.Prior) float64 {
	switch q := p.(type) {
	case prior.SparseRademacher:
		return q.P
	case prior.BernoulliGaussian:
		return q.P
	}
	return math.NaN()
}
