package props

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	gmat "gonum.org/v1/gonum/mat"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"

	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// phaseStructure is a k-block encoder blockdiag(Q, ..., Q) of THEORY.md 4.2.
type phaseStructure struct {
	name string
	k    int
	q    []float64
}

func phaseStructures() []phaseStructure {
	h2, _ := theory.Hadamard(2)
	h4, _ := theory.Hadamard(4)
	// A fixed generic 3 x 3 rotation (Q of a Gaussian matrix, fixed seed).
	g := gmat.NewDense(3, 3, nil)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range 3 {
		for j := range 3 {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr gmat.QR
	qr.Factorize(g)
	var q gmat.Dense
	qr.QTo(&q)
	return []phaseStructure{
		{"identity", 1, []float64{1}},
		{"hadamard-2", 2, h2},
		{"hadamard-4", 4, h4},
		{"rotation-3", 3, q.RawMatrix().Data},
	}
}

// blockCodes encodes the signals x (N x d, d a multiple of k) block by block
// with Q, independently of theory's enumeration: s = sign(Q x_b), and a tie
// (|q_i . x_b| <= 1e-12 sum |q_ij x_j|) is +1 or, if coin, a fair coin.
func blockCodes(x []float64, q []float64, k int, coin bool, rng *rand.Rand) []float64 {
	s := make([]float64, len(x))
	for b := 0; b < len(x); b += k {
		for i := range k {
			var z, sc float64
			for j := range k {
				z += q[i*k+j] * x[b+j]
				sc += math.Abs(q[i*k+j] * x[b+j])
			}
			switch {
			case math.Abs(z) > 1e-12*sc:
				s[b+i] = math.Copysign(1, z)
			case coin && rng.IntN(2) == 0:
				s[b+i] = -1
			default:
				s[b+i] = 1
			}
		}
	}
	return s
}

// blockDecoderMC measures the loss of the optimal block decoder
// x_b ~ A0 s_b (+ c if bias) of blockdiag(Q, ...) at dimension d by Monte
// Carlo: A0 and c are fitted by least squares on nFit signals, pooling their
// d/k blocks (i.i.d. with the same Q; with bias the blocks' centred codes are
// uncorrelated, so the optimal full decoder is block-diagonal), and the loss is measured on nEval
// fresh signals with the energy control variate.
func blockDecoderMC(p prior.Prior, st phaseStructure, d int, coin, bias bool, rng *rand.Rand, nFit, nEval int) model.Estimate {
	k := st.k
	m := k
	if bias {
		m++
	}
	gram := gmat.NewSymDense(m, nil)
	cross := gmat.NewDense(m, k, nil)
	x := make([]float64, d)
	f := make([]float64, m)
	for range nFit {
		prior.Fill(p, rng, x)
		s := blockCodes(x, st.q, k, coin, rng)
		for b := 0; b < d; b += k {
			copy(f, s[b:b+k])
			if bias {
				f[k] = 1
			}
			for i := range m {
				for j := i; j < m; j++ {
					gram.SetSym(i, j, gram.At(i, j)+f[i]*f[j])
				}
				for j := range k {
					cross.Set(i, j, cross.At(i, j)+f[i]*x[b+j])
				}
			}
		}
	}
	// Normal equations solved through the SVD of the Gram matrix
	// (minimum-norm solution: the coin codes of the identity at p = 1 and
	// the Hadamard codes can be rank deficient).
	var svd gmat.SVD
	svd.Factorize(gram, gmat.SVDThin)
	sv := svd.Values(nil)
	rank := 0
	for _, v := range sv {
		if v > 1e-12*sv[0] {
			rank++
		}
	}
	var sol gmat.Dense
	svd.SolveTo(&sol, cross, rank) // m x k: x_b^T = [s_b^T 1] sol
	l, c := make([]float64, nEval), make([]float64, nEval)
	for n := range nEval {
		prior.Fill(p, rng, x)
		s := blockCodes(x, st.q, k, coin, rng)
		var e2, q2 float64
		for b := 0; b < d; b += k {
			for j := range k {
				h := 0.0
				for i := range k {
					h += s[b+i] * sol.At(i, j)
				}
				if bias {
					h += sol.At(k, j)
				}
				e := x[b+j] - h
				e2 += e * e
				q2 += x[b+j] * x[b+j]
			}
		}
		l[n], c[n] = e2/float64(d), q2/float64(d)
	}
	return model.ControlVariate(l, c, 1)
}

// TestPhaseBlockFormulasMonteCarlo holds the exact block losses of theory
// (THEORY.md 4.1-4.2: enumeration of the 3^k states of a block) to a
// Monte Carlo of the same structure at d = 500 (498 for k = 3), built here
// from signals and codes alone: the identity, Hadamard 2- and 4-blocks and
// a generic 3-block, under fair-coin ties with the linear decoder and under
// sign(0) = +1 with the affine decoder, for SR(p), p in [0.2, 1].
//
// Tolerance: 4.5 se of the held-out loss (false-failure rate 7e-6 per
// case) plus the held-out penalty of the fitted decoder, (k+1)/(pooled
// blocks) * L <= 5/(2000*500/4) = 2e-5, so 5e-5. A 2% error in the
// formula (0.006 at L = 0.3) is 8 se at nEval = 8000 (se ~ 7e-4 at p = 0.2,
// 3e-4 at p = 0.6, measured).
func TestPhaseBlockFormulasMonteCarlo(t *testing.T) {
	sts := phaseStructures()
	props := gopter.NewProperties(params(20261130, map[bool]int{false: 6, true: 24}[long()]))
	props.Property("block losses = Monte Carlo", prop.ForAll(func(p float64, si int, coin bool, seed uint64) string {
		st := sts[si]
		sr := prior.SparseRademacher{P: p}
		ties := theory.PlusOne
		if coin {
			ties = theory.FairCoin
		}
		bc, err := theory.NewBlockCode(sr, st.q, st.k, ties)
		if err != nil {
			return err.Error()
		}
		want, err := bc.AffineLoss()
		if coin {
			want, err = bc.LinearLoss()
		}
		if err != nil {
			return err.Error()
		}
		d := 500 / st.k * st.k
		est := blockDecoderMC(sr, st, d, coin, !coin, rand.New(rand.NewPCG(seed, 1)), 2000, 8000)
		if math.Abs(est.Mean-want) > zSE*est.StdErr+5e-5 {
			return fmt.Sprintf("SR(%.3f) %s coin=%v: MC %.5f ± %.5f, theory %.5f", p, st.name, coin, est.Mean, est.StdErr, want)
		}
		return ""
	}, gen.Float64Range(0.2, 1), gen.IntRange(0, len(sts)-1), gen.Bool(), gen.UInt64()))
	props.TestingRun(t)
}

// TestPhaseIdentityFiniteD holds the exact finite-d loss of the identity
// with sign(0) = +1 and the full linear decoder (THEORY.md 4.1),
//
//	1 - a^2/(1-q^2) (1 - q^2/(1 - q^2 + d q^2)),
//
// to a Monte Carlo at d = 500. By exchangeability the optimal A is
// alpha I + beta 1 1^T; (alpha, beta) are fitted by least squares on 4000
// signals (2 parameters for 2*10^6 coordinates: held-out penalty ~1e-6)
// and the loss is measured on 16000 fresh signals. Tolerance 4.5 se + 1e-5.
// The finite-d term is a^2/(1-q^2) q^2/(1-q^2+dq^2) ~ 1.2e-3 at p = 0.3; the
// test also requires the d -> infinity value to be rejected when that term
// exceeds 6 se (it does for p <= 0.5), so it sees the finite-d correction.
func TestPhaseIdentityFiniteD(t *testing.T) {
	const d = 500
	props := gopter.NewProperties(params(20261131, map[bool]int{false: 3, true: 12}[long()]))
	props.Property("finite-d identity = Monte Carlo", prop.ForAll(func(p float64, seed uint64) string {
		sr := prior.SparseRademacher{P: p}
		rng := rand.New(rand.NewPCG(seed, 2))
		x := make([]float64, d)
		var g [3]float64 // sums s_i^2, s_i S, S^2 and targets x_i s_i, x_i S
		var h [2]float64
		for range 4000 {
			prior.Fill(sr, rng, x)
			var S float64
			for _, v := range x {
				S += sign(v)
			}
			for _, v := range x {
				si := sign(v)
				g[0] += 1
				g[1] += si * S
				g[2] += S * S
				h[0] += v * si
				h[1] += v * S
			}
		}
		det := g[0]*g[2] - g[1]*g[1]
		alpha := (h[0]*g[2] - h[1]*g[1]) / det
		beta := (g[0]*h[1] - g[1]*h[0]) / det
		l, c := make([]float64, 16000), make([]float64, 16000)
		for n := range l {
			prior.Fill(sr, rng, x)
			var S, e2, q2 float64
			for _, v := range x {
				S += sign(v)
			}
			for _, v := range x {
				e := v - alpha*sign(v) - beta*S
				e2 += e * e
				q2 += v * v
			}
			l[n], c[n] = e2/d, q2/d
		}
		est := model.ControlVariate(l, c, 1)
		want, _ := theory.IdentityLossFiniteD(sr, d)
		inf := theory.IdentityLoss(sr, theory.PlusOne, theory.Affine)
		if math.Abs(est.Mean-want) > zSE*est.StdErr+1e-5 {
			return fmt.Sprintf("SR(%.3f): MC %.5f ± %.5f, finite-d formula %.5f (limit %.5f)", p, est.Mean, est.StdErr, want, inf)
		}
		if want-inf > 6*est.StdErr && math.Abs(est.Mean-inf) < zSE*est.StdErr {
			return fmt.Sprintf("SR(%.3f): MC %.5f ± %.5f does not reject the limit %.5f", p, est.Mean, est.StdErr, inf)
		}
		return ""
	}, gen.Float64Range(0.2, 0.5), gen.UInt64()))
	props.TestingRun(t)
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// TestPhaseRotationFiniteD holds the finite-d rotation value of THEORY.md
// 4.1, 1 - 2/pi + kappa/(2 pi (d+2)) (Haar rows, decoder sqrt(2/pi) B^T), to
// a Monte Carlo at d = 500 for BG(0.1) (kappa = 27: offset 8.6e-3) and
// SR(0.3). Tolerance 4.5 se plus the Edgeworth remainder O(1/d^2), measured
// in THEORY.md 1(a) as |d * offset - kappa/(2 pi)| <= 0.12 at d = 500, i.e.
// 2.4e-4 (5e-4 allowed).
func TestPhaseRotationFiniteD(t *testing.T) {
	const d = 500
	for i, p := range []prior.Prior{prior.BernoulliGaussian{P: 0.1}, prior.SparseRademacher{P: 0.3}} {
		rng := rand.New(rand.NewPCG(77, uint64(i)))
		b, err := amp.HaarRows(rng, d, d)
		if err != nil {
			t.Fatal(err)
		}
		m := model.New[float64](d, d)
		m.B.Copy(b)
		m.SetTiedDecoder(math.Sqrt(2 / math.Pi))
		est, err := model.MonteCarloLoss(m, p, rng, map[bool]int{false: 4000, true: 20000}[long()])
		if err != nil {
			t.Fatal(err)
		}
		want, _ := theory.RotationLossFiniteD(p, d)
		if math.Abs(est.Mean-want) > zSE*est.StdErr+5e-4 {
			t.Errorf("%s: MC %.5f ± %.5f, finite-d rotation %.5f (limit %.5f)", p.Name(), est.Mean, est.StdErr, want, theory.RotationLoss())
		}
	}
}

// phaseRun trains a d = 64, r = 1 autoencoder on SR(p) with a recipe,
// refits its decoder with a bias on 40000 fresh signals and measures the
// loss on 40000 more; it returns the encoder's shape and the loss.
func phaseRun(t *testing.T, rec train.Recipe, p float64, seed uint64) (model.Shape, model.Estimate) {
	t.Helper()
	const d = 64
	sr := prior.SparseRademacher{P: p}
	rng := rand.New(rand.NewPCG(seed, 64))
	m := model.New[float32](d, d)
	if _, err := rec.Train(context.Background(), m, sr, rng, train.RecipeConfig{}); err != nil {
		t.Fatal(err)
	}
	b := model.Convert[float64](m).B
	sh, err := model.EncoderShape(b)
	if err != nil {
		t.Fatal(err)
	}
	f, err := train.RefitDecoder(b, sr, rng, 40000, true)
	if err != nil {
		t.Fatal(err)
	}
	est, err := f.Loss(b, sr, rng, 40000)
	if err != nil {
		t.Fatal(err)
	}
	return sh, est
}

// bestPhaseCandidate is the lowest loss theory lists for SR(p) at r = 1
// under sign(0) = +1 with an affine (or full linear) decoder: identity,
// rotation, Haar 2- to 4-blocks and Hadamard blocks, d -> infinity and d = 64.
func bestPhaseCandidate(t *testing.T, p float64) float64 {
	t.Helper()
	rep, err := theory.PhaseCandidates(prior.SparseRademacher{P: p}, theory.PhaseOptions{Dim: 64, MaxHaar: 4, Haar: theory.HaarOptions{Rotations: 200}})
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(1)
	for _, c := range rep.Candidates {
		if c.Convention == theory.ConventionPlus1 {
			best = min(best, c.Loss)
		}
	}
	return best
}

// phaseMargin bounds how far the refitted loss of a trained encoder may lie
// above the best theory candidate at its p (THEORY.md 4.3). Measured gaps at
// d = 64 are 0.035-0.044 (batch 128 and 256, both recipes): at p = 0.3 the
// trained encoder is a rotation (0.374) where a Hadamard 4-block with a bias
// is better (0.334); at p = 0.7 it is an identity whose small off-diagonal
// weights break the ties at x_i = 0 by data rather than by sign(0) = +1
// (0.266, between the two identity values), where a Haar 2-block gives
// 0.226. The se of the loss (2e-4) is negligible; the margin leaves 0.016
// for seed-to-seed spread. A broken refit or a diverged encoder lands far
// above (0.8, THEORY.md 4.3).
const phaseMargin = 0.06

// TestPhaseAnnealedFindsBothStructures: annealed tanh (beta 1 -> 30 over
// 6000 Adam steps) from a random start finds a rotation-like encoder at
// p = 0.3 (participation ratio above 15; Haar at d = 64 is ~22, the identity
// 1) and a near-identity at p = 0.7 (identity-ness above 0.9; Haar ~0.33),
// THEORY.md 4.3. The thresholds are qualitative; the switch itself (between
// 0.43 and 0.64) is not tested. The refitted loss stays within phaseMargin
// of the best candidate.
func TestPhaseAnnealedFindsBothStructures(t *testing.T) {
	props := gopter.NewProperties(params(20261201, map[bool]int{false: 1, true: 3}[long()]))
	props.Property("annealed tanh: rotation at p = 0.3, identity at p = 0.7", prop.ForAll(func(seed uint64) string {
		for _, p := range []float64{0.3, 0.7} {
			sh, est := phaseRun(t, train.Annealed, p, seed)
			t.Logf("annealed p=%.1f: loss %.4f ± %.4f, shape %+v", p, est.Mean, est.StdErr, sh)
			if p < 0.5 && !(sh.Participation > 15) {
				return fmt.Sprintf("p = %v: participation %.2f, want > 15 (rotation-like)", p, sh.Participation)
			}
			if p > 0.5 && !(sh.Identity > 0.9) {
				return fmt.Sprintf("p = %v: identity-ness %.3f, want > 0.9", p, sh.Identity)
			}
			if best := bestPhaseCandidate(t, p); est.Mean > best+phaseMargin {
				return fmt.Sprintf("p = %v: refitted loss %.4f, best candidate %.4f + margin %v", p, est.Mean, best, phaseMargin)
			}
		}
		return ""
	}, gen.UInt64Range(1, 1<<40)))
	props.TestingRun(t)
}

// TestPhaseSTEIdentityStability: straight-through from the near-identity
// start I + 0.3 G/sqrt(d) keeps the identity at p = 0.7 (identity-ness above
// 0.9) and leaves it at p = 0.3 (identity-ness below 0.8, from 0.96 at the start: the rotation-like
// and blocky encoders it turns into measure 0.4-0.65), THEORY.md 4.3. The
// refitted loss stays within phaseMargin of the best candidate.
func TestPhaseSTEIdentityStability(t *testing.T) {
	props := gopter.NewProperties(params(20261202, map[bool]int{false: 1, true: 3}[long()]))
	props.Property("STE from near-identity: kept at p = 0.7, left at p = 0.3", prop.ForAll(func(seed uint64) string {
		for _, p := range []float64{0.3, 0.7} {
			sh, est := phaseRun(t, train.STEIdentity, p, seed)
			t.Logf("ste-identity p=%.1f: loss %.4f ± %.4f, shape %+v", p, est.Mean, est.StdErr, sh)
			if p < 0.5 && !(sh.Identity < 0.8) {
				return fmt.Sprintf("p = %v: identity-ness %.3f, want < 0.8 (identity left)", p, sh.Identity)
			}
			if p > 0.5 && !(sh.Identity > 0.9) {
				return fmt.Sprintf("p = %v: identity-ness %.3f, want > 0.9 (identity kept)", p, sh.Identity)
			}
			if best := bestPhaseCandidate(t, p); est.Mean > best+phaseMargin {
				return fmt.Sprintf("p = %v: refitted loss %.4f, best candidate %.4f + margin %v", p, est.Mean, best, phaseMargin)
			}
		}
		return ""
	}, gen.UInt64Range(1, 1<<40)))
	props.TestingRun(t)
}
