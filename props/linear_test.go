// Package props holds the property tests that tie core (what runs) to
// theory (what is predicted). Every test uses gopter with a pinned seed, so a
// failure is reproducible from its printed seed and shrunk to the smallest
// parameters that break the claim. ONEBIT_LONG=1 runs the thorough sizes.
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package props

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/experiment"
)

func params(seed int64, cases int) *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(seedFor(seed))
	p.MinSuccessfulTests = cases
	return p
}

// popLoss evaluates the closed-form population loss (THEORY.md 2.1) on a
// fixed list of masks, and its B and A gradients.
func popLoss(m *model.Autoencoder[float64], masks [][]int, act float64) (loss float64, gb, ga []float64) {
	g := train.NewPopulationGrad(m.Dim(), m.Bits())
	g.Reset(m)
	w := 1 / float64(len(masks))
	for _, s := range masks {
		g.AddMask(m, s, act, w)
	}
	// dL/dA = (2/d)(A C - M^T)
	d, n := m.Dim(), m.Bits()
	ga = make([]float64, d*n)
	for i := 0; i < d; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for k := 0; k < n; k++ {
				s += m.A.At(i, k) * g.C.At(k, j)
			}
			ga[i*n+j] = 2 / float64(d) * (s - g.M.At(j, i))
		}
	}
	return g.Loss, append([]float64(nil), g.GradB.Data...), ga
}

func randomModel(rng *rand.Rand, d, n int) *model.Autoencoder[float64] {
	m := model.New[float64](d, n)
	m.InitGaussian(rng)
	for i := range m.A.Data {
		m.A.Data[i] = rng.NormFloat64() / math.Sqrt(float64(n))
	}
	return m
}

func randomMasks(rng *rand.Rand, d, k int, act float64) [][]int {
	masks := make([][]int, k)
	for i := range masks {
		for j := 0; j < d; j++ {
			if act >= 1 || rng.Float64() < act {
				masks[i] = append(masks[i], j)
			}
		}
	}
	return masks
}

// TestPopulationGradientMatchesFiniteDifferences checks claim (a): the
// closed-form gradients of THEORY.md 2.2 equal central differences of the
// closed-form loss, for random (A, B), sparsities and fixed masks.
func TestPopulationGradientMatchesFiniteDifferences(t *testing.T) {
	props := gopter.NewProperties(params(20261127, 25))
	props.Property("dL/dB and dL/dA equal central differences", prop.ForAll(
		func(d, n int, pIdx int, seed uint64) bool {
			act := []float64{1, 0.5, 0.3}[pIdx]
			rng := rand.New(rand.NewPCG(seed, 3))
			m := randomModel(rng, d, n)
			// Masks with at least 3 active coordinates keep |rho| well below the
			// clip, where the loss is smooth and central differences are exact
			// to O(h^2).
			var masks [][]int
			for len(masks) < 3 {
				if s := randomMasks(rng, d, 1, act)[0]; len(s) >= 3 {
					masks = append(masks, s)
				}
			}
			_, gb, ga := popLoss(m, masks, act)
			const h = 1e-5
			central := func(w []float64, i int, h float64) float64 {
				old := w[i]
				w[i] = old + h
				lp, _, _ := popLoss(m, masks, act)
				w[i] = old - h
				lm, _, _ := popLoss(m, masks, act)
				w[i] = old
				return (lp - lm) / (2 * h)
			}
			check := func(w []float64, g []float64) bool {
				for trial := 0; trial < 6; trial++ {
					i := rng.IntN(len(w))
					fd, fd2 := central(w, i, h), central(w, i, 2*h)
					// Tolerance: central-difference truncation h^2 |L'''| / 6 plus
					// rounding eps |L| / h. With |L| ~ 1 and third derivatives of the
					// arcsin terms O(1/(1-rho^2)^{3/2}) for |rho| < 0.99 both are below
					// 1e-7, and 1e-6 relative leaves a factor 10. With n above the
					// mask size two rows can be nearly parallel on the support
					// (|rho| -> 1; found by ONEBIT_SEED=2785435772294608795: d = 16,
					// n = 11, 3 active coordinates, error 1.4e-6): the truncation
					// error is then estimated from the step 2h, whose error is 4
					// times that of h, as |fd(2h) - fd(h)|/3, and allowed twice.
					trunc := math.Abs(fd2-fd) / 3
					if math.Abs(fd-g[i]) > 1e-6*(1+math.Abs(g[i]))+2*trunc {
						t.Logf("d=%d n=%d p=%v index %d: analytic %.10g, finite difference %.10g (truncation estimate %.2g)", d, n, act, i, g[i], fd, trunc)
						return false
					}
				}
				return true
			}
			if !check(m.B.Data, gb) || !check(m.A.Data, ga) {
				return false
			}
			// The trainer's decoder step is A <- A - lr (A C - M^T) = A - lr (d/2) dL/dA
			// (THEORY.md 2.4): hold it to the gradient just checked, to rounding
			// (n products of size O(1) per entry).
			g := train.NewPopulationGrad(d, n)
			g.Reset(m)
			for _, s := range masks {
				g.AddMask(m, s, act, 1/float64(len(masks)))
			}
			next := m.A.Clone()
			const lr = 0.3
			g.DecoderStep(next, lr)
			for i, v := range next.Data {
				want := m.A.Data[i] - lr*float64(d)/2*ga[i]
				if math.Abs(v-want) > 1e-13*float64(n)*(1+math.Abs(want)) {
					t.Logf("decoder step entry %d: %v, want %v", i, v, want)
					return false
				}
			}
			return true
		},
		gen.IntRange(4, 24), gen.IntRange(1, 24), gen.IntRange(0, 2), gen.UInt64(),
	))
	props.TestingRun(t)
}

// TestScaleInvariance checks <dL/db_i, b_i> = 0 (the loss does not depend
// on the row norms of B; THEORY.md 2.3).
func TestScaleInvariance(t *testing.T) {
	props := gopter.NewProperties(params(7, 20))
	props.Property("<dL/db_i, b_i> = 0", prop.ForAll(
		func(d, n int, seed uint64) bool {
			rng := rand.New(rand.NewPCG(seed, 4))
			m := randomModel(rng, d, n)
			// Masks with one active coordinate put every |R_ij| at 1, where the
			// loss is not differentiable: the clip of THEORY.md 2.3 then makes
			// the H terms O(1e6) and their rounding residues in <dL/db_i, b_i>
			// O(1e-8) (found by ONEBIT_SEED=7944544686614471413: d = 3, n = 8).
			// As in the finite-difference test, masks have >= 2 coordinates.
			var masks [][]int
			for len(masks) < 4 {
				if s := randomMasks(rng, d, 1, 0.5)[0]; len(s) >= 2 {
					masks = append(masks, s)
				}
			}
			_, gb, _ := popLoss(m, masks, 0.5)
			for i := 0; i < n; i++ {
				var s, nb, ng float64
				for j := 0; j < d; j++ {
					s += gb[i*d+j] * m.B.At(i, j)
					nb += m.B.At(i, j) * m.B.At(i, j)
					ng += gb[i*d+j] * gb[i*d+j]
				}
				// Rounding: a sum of d products each with relative error eps,
				// plus a floor for gradients that vanish by cancellation: a row
				// whose masks have one active coordinate has dL/db_i = 0 exactly,
				// computed as a residue ~1e-16 of terms of size O(1) (found by
				// ONEBIT_SEED=8342615106772773407: d = 3, n = 1).
				if math.Abs(s) > 1e-12*float64(d)*(math.Sqrt(nb*ng)+1e-3*math.Sqrt(nb)) {
					return false
				}
			}
			return true
		},
		gen.IntRange(3, 30), gen.IntRange(1, 30), gen.UInt64(),
	))
	props.TestingRun(t)
}

// TestInvariances checks claim (d): permuting latent units, or flipping the
// sign of a row of B with the matching column of A, leaves both the
// closed-form population loss and the Monte Carlo loss on the same samples
// unchanged up to rounding.
func TestInvariances(t *testing.T) {
	props := gopter.NewProperties(params(11, 20))
	props.Property("loss invariant under permutations and sign flips of latent units", prop.ForAll(
		func(d, n int, seed uint64) bool {
			rng := rand.New(rand.NewPCG(seed, 5))
			m := randomModel(rng, d, n)
			// Non-empty masks: on x = 0 every bit is sign(0) = +1 whatever the
			// row's sign, so the loss of the empty mask, ||A 1||^2/d, is not
			// invariant under sign flips (found by ONEBIT_SEED=7581688964218824115:
			// d = 2). For x != 0, b.x = 0 has probability 0.
			var masks [][]int
			for len(masks) < 3 {
				if s := randomMasks(rng, d, 1, 0.6)[0]; len(s) >= 1 {
					masks = append(masks, s)
				}
			}
			l0, _, _ := popLoss(m, masks, 0.6)
			// Gaussian samples: ties b.x = 0 have probability 0, so sign flips
			// commute with sign() exactly.
			x := make([]float64, 64*d)
			prior.Fill(prior.Gaussian{}, rng, x)
			mc0 := sampleLoss(m, x)

			perm := rng.Perm(n)
			flip := make([]float64, n)
			for i := range flip {
				flip[i] = 1
				if rng.IntN(2) == 0 {
					flip[i] = -1
				}
			}
			q := model.New[float64](d, n)
			for i, pi := range perm {
				for j := 0; j < d; j++ {
					q.B.Set(i, j, flip[i]*m.B.At(pi, j))
					q.A.Set(j, i, flip[i]*m.A.At(j, pi))
				}
			}
			l1, _, _ := popLoss(q, masks, 0.6)
			mc1 := sampleLoss(q, x)
			// Both sides sum the same terms in another order: n^2 terms of size
			// O(1) with relative rounding eps give at most n^2 eps ~ 1e-12.
			return math.Abs(l1-l0) < 1e-12*(1+math.Abs(l0)) && math.Abs(mc1-mc0) < 1e-12*(1+math.Abs(mc0))
		},
		gen.IntRange(2, 30), gen.IntRange(2, 30), gen.UInt64(),
	))
	props.TestingRun(t)
}

func sampleLoss(m *model.Autoencoder[float64], x []float64) float64 {
	d := m.Dim()
	rows := len(x) / d
	ws := m.NewWorkspace(rows)
	xm := &mat.Dense[float64]{Rows: rows, Cols: d, Stride: d, Data: x}
	return m.Loss(ws, xm, make([]float64, rows))
}

// TestTrainedLossMatchesPrediction checks claim (b): for random
// p in [0.05, 1] and r in [0.1, 1], population GD reaches the prediction
// 1 - 2r/pi up to the finite-d term of THEORY.md 3, and that term is the
// Edgeworth kurtosis penalty of the trained rows themselves.
//
// Tolerances, derived. The measured loss L (Monte Carlo, standard error se)
// must satisfy L >= R(r) - z se: for BG (kappa > 0) every finite-d
// correction is positive (THEORY.md 1(c), 3) and for the Gaussian R(r) is the
// exact minimum, so only sampling error remains (z se, z = zSE: one-sided,
// registered in props/budget_test.go). And, with E = R + r kappa S4/(6 pi) the
// Edgeworth loss for the trained rows' S4 (theory.EdgeworthLinearLoss),
//
//	E - 0.15 (E - R) - 0.001 - z se  <=  L  <=  E + 0.15 (E - R) + 0.0005 + z se:
//
// 0.15 (E - R) bounds the neglected higher Edgeworth orders (for Haar rows the
// exact offset exceeds the first-order one by 4-10% at d = 100-200, measured
// here on 8 x 20000 signals); 0.001 is what the optimal decoder may gain over
// the tied one the Edgeworth value assumes (THEORY.md 1(c): <= 1e-3); 0.0005
// is the residual of mask-sampled GD after its annealing (measured |L - E| <=
// 2.5 se = 0.0004 over the 18 BG points of results/sparsity at d = 300).
func TestTrainedLossMatchesPrediction(t *testing.T) {
	d, steps, cases := 100, 400, 5
	if long() {
		d, steps, cases = 200, 600, 12
	}
	pp := params(5, cases)
	pp.MaxShrinkCount = 5 // each case trains a model: keep a failure's report fast
	props := gopter.NewProperties(pp)
	props.Property("trained loss is 1 - 2r/pi plus the Edgeworth term of its rows", prop.ForAll(
		func(p, r float64, seed uint64) bool {
			var pr prior.Prior = prior.BernoulliGaussian{P: p}
			res, err := experiment.Train(context.Background(), experiment.TrainSpec{
				Prior: pr, Size: size(r, d), Trainer: experiment.Population, Steps: steps, Samples: 20000, Seed: seed,
			})
			if err != nil {
				t.Log(err)
				return false
			}
			R, E, L, se := res.Prediction, res.EdgeworthS4, res.Loss, res.StdErr
			lo := E - 0.15*(E-R) - 0.001 - zSE*se
			hi := E + 0.15*(E-R) + 0.0005 + zSE*se
			t.Logf("p=%.3f r=%.3f: loss %.5f ± %.5f, R %.5f, Edgeworth(S4) %.5f, band [%.5f, %.5f]", p, res.Rate, L, se, R, E, lo, hi)
			return L >= R-zSE*se && L >= lo && L <= hi
		},
		// Half the cases from the very sparse end, where the finite-d term is largest.
		gen.OneGenOf(gen.Float64Range(0.05, 0.2), gen.Float64Range(0.2, 1)), gen.Float64Range(0.1, 1), gen.UInt64(),
	))
	props.TestingRun(t)
}

// TestLearnedEncoderIsARotation checks claim (c): for r <= 1 the learned rows
// are near-orthonormal and not aligned with the coordinate axes.
//
// Bounds: ||W W^T - I||_op <= 0.2, where W is B with normalised rows. Exact GD
// on Gaussian data reaches 1e-15 (THEORY.md 2.4); mask-sampled GD on BG keeps
// eigenvalues within [0.91, 1.14] (THEORY.md 2.5), so 0.2 leaves room for
// noise while failing any encoder with correlated rows (two equal rows give
// an eigenvalue of 2). Identity-ness mean_i max_j |W_ij| must stay below 1.5
// times that of a Haar encoder of the same shape: learned encoders measure
// 0.5-1.0 times Haar (THEORY.md 2.4-2.5), while an axis-aligned encoder
// has identity-ness 1, i.e. 3-5x Haar at d = 100.
func TestLearnedEncoderIsARotation(t *testing.T) {
	d, cases := 100, 4
	if long() {
		d, cases = 200, 10
	}
	pp := params(9, cases)
	pp.MaxShrinkCount = 5 // each case trains a model: keep a failure's report fast
	props := gopter.NewProperties(pp)
	props.Property("learned B has near-orthonormal rows and is not axis-aligned", prop.ForAll(
		func(p, r float64, seed uint64) bool {
			res, err := experiment.Train(context.Background(), experiment.TrainSpec{
				Prior: prior.BernoulliGaussian{P: p}, Size: size(r, d), Trainer: experiment.Population, Steps: 400, Samples: 1000, Seed: seed,
			})
			if err != nil {
				t.Log(err)
				return false
			}
			w := normalisedRows(res.Model.B.Data, res.Bits, d)
			dev := orthoDeviation(w, res.Bits, d)
			haar := haarRows(rand.New(rand.NewPCG(seed, 77)), res.Bits, d)
			id, idHaar := identityness(w, res.Bits, d), identityness(haar, res.Bits, d)
			t.Logf("p=%.3f r=%.3f: ||WW^T - I|| = %.3f, identity-ness %.3f (Haar %.3f)", p, res.Rate, dev, id, idHaar)
			return dev <= 0.2 && id <= 1.5*idHaar
		},
		gen.Float64Range(0.1, 1), gen.Float64Range(0.1, 1), gen.UInt64(),
	))
	props.TestingRun(t)
}

func normalisedRows(b []float64, n, d int) []float64 {
	w := append([]float64(nil), b...)
	for i := 0; i < n; i++ {
		row := w[i*d : (i+1)*d]
		var s float64
		for _, v := range row {
			s += v * v
		}
		for j := range row {
			row[j] /= math.Sqrt(s)
		}
	}
	return w
}

// orthoDeviation is ||W W^T - I||_op (largest |eigenvalue - 1|).
func orthoDeviation(w []float64, n, d int) float64 {
	wm := gmat.NewDense(n, d, w)
	var g gmat.SymDense
	g.SymOuterK(1, wm)
	var es gmat.EigenSym
	if !es.Factorize(&g, false) {
		return math.Inf(1)
	}
	var dev float64
	for _, e := range es.Values(nil) {
		dev = max(dev, math.Abs(e-1))
	}
	return dev
}

// identityness is mean_i max_j |W_ij| (THEORY.md 2.4).
func identityness(w []float64, n, d int) float64 {
	var s float64
	for i := 0; i < n; i++ {
		var mx float64
		for _, v := range w[i*d : (i+1)*d] {
			mx = max(mx, math.Abs(v))
		}
		s += mx
	}
	return s / float64(n)
}

// haarRows returns n orthonormal rows in R^d, uniformly distributed (QR of a
// Gaussian matrix with the signs of diag(R) fixed; THEORY.md 12).
func haarRows(rng *rand.Rand, n, d int) []float64 {
	g := gmat.NewDense(d, n, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr gmat.QR
	qr.Factorize(g)
	var q, r gmat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	w := make([]float64, n*d)
	for i := 0; i < n; i++ {
		s := 1.0
		if r.At(i, i) < 0 {
			s = -1
		}
		for j := 0; j < d; j++ {
			w[i*d+j] = s * q.At(j, i)
		}
	}
	return w
}

// size is n = round(r d) at dimension d; the generators keep both valid.
func size(r float64, d int) model.Size {
	s, err := model.NewSize(r, d)
	if err != nil {
		panic(err)
	}
	return s
}
