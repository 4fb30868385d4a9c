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

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// paired is model.PairedDifference: the mean of a - b over paired
// per-signal losses and its standard error.
func paired(a, b []float64) (mean, se float64) {
	e := model.PairedDifference(a, b)
	return e.Mean, e.StdErr
}

// shallowLosses decodes set with sh and returns the per-signal losses.
func shallowLosses(sh *model.Shallow, set train.SignalSet) []float64 {
	xh := mat.New[float64](set.X.Rows, set.X.Cols)
	sh.Decode(xh, set.Y)
	l := make([]float64, set.X.Rows)
	model.SignalLosses(set.X, xh, l)
	return l
}

// denoiserCase is a shallow-decoder comparison with its measured finite-d
// constant c = d (MC - limit) of the MMSE denoiser (THEORY.md 5, 9, 10:
// the d = 500 column of section 9 minus the limit, times 500).
type denoiserCase struct {
	p prior.Prior
	r float64
	c float64
}

// TestShallowDenoiser: for a Haar encoder at d = 1000,
//
//  1. the shallow + MMSE-denoiser loss matches mmse_P(2r/(pi - 2r))
//     (THEORY.md 5): -z se <= MC - limit <= z se + 1.5 c/d, se the
//     control-variate standard error, c the measured positive O(1/d) offset;
//  2. the learned spline denoiser (16 equally spaced knots, least squares on
//     100 separate training signals) is within 0.002 of the MMSE denoiser on
//     the same held-out signals: L_spline - L_mmse <= 0.002 + 4 se_paired.
//     0.002 is the stated margin (1.5% of the smallest loss here); the
//     measured excess is below 2e-4 (BG(0.1), r = 1: 0.1300 vs 0.1300);
//  3. the spline is never worse than the linear decoder:
//     L_spline - L_linear <= 4 se_paired, and strictly better
//     (< -4 se_paired) where the asymptotic gap 1 - 2r/pi - mmse exceeds
//     10 se_paired + 1.5 c/d; plus the estimation allowance of the fit
//     (below).
//
// The cases are a fixed table (all of them run) because c is measured per
// (prior, r) (THEORY.md 9); the randomised families are in
// TestDecoderOrdering.
// Bands are z = zSE standard errors; the false-failure probability of the
// assertions is entered in the registry of props/budget_test.go.
func TestShallowDenoiser(t *testing.T) {
	cases := []denoiserCase{
		{prior.BernoulliGaussian{P: 0.1}, 1, 6.6},
		{prior.BernoulliGaussian{P: 0.1}, 0.5, 5.5},
		{prior.BernoulliGaussian{P: 0.1}, 0.25, 4.1},
		{prior.BernoulliGaussian{P: 0.3}, 1, 1.5},
		{prior.BernoulliGaussian{P: 0.3}, 0.5, 0.7},
		{prior.SparseRademacher{P: 0.9}, 1, 0.5},
		{prior.SparseRademacher{P: 0.3}, 0.5, 0.5},
		{prior.Gaussian{}, 0.5, 0},
		{prior.Gaussian{}, 1, 0},
	}
	d, sigs := 1000, 400
	if long() {
		d, sigs = 2000, 1000
	}
	const knots, trainSigs = 16, 100
	for k, cs := range cases {
		msg := func() string {
			ch, _ := prior.AsChannel(cs.p)
			rng := rand.New(rand.NewPCG(pcgSeed(uint64(k)), 11))
			n := int(math.Round(cs.r * float64(d)))
			b, err := amp.HaarRows(rng, n, d)
			if err != nil {
				return err.Error()
			}
			trainSet := train.NewSignalSet(cs.p, b, rng, trainSigs)
			test := train.NewSignalSet(cs.p, b, rng, sigs)
			mm, err := model.NewShallowMMSE(b, ch, model.HaarEnsemble)
			if err != nil {
				return err.Error()
			}
			lin, _ := model.NewShallowLinear(b, model.HaarEnsemble)
			sp, _ := model.NewShallowMMSE(b, ch, model.HaarEnsemble)
			if _, err := train.FitShallowSpline(sp, trainSet, 16); err != nil {
				return err.Error()
			}
			lm, ll, ls := shallowLosses(mm, test), shallowLosses(lin, test), shallowLosses(sp, test)
			q := sqNorms(test.X)
			want, err := theory.DenoiserLoss(cs.p, cs.r, theory.Haar)
			if err != nil {
				return err.Error()
			}
			name := fmt.Sprintf("%s r=%v", cs.p.Name(), cs.r)
			mc, se := cvMean(lm, q)
			if diff := mc - want; diff < -zSE*se || diff > zSE*se+1.5*cs.c/float64(d) {
				return fmt.Sprintf("%s: MMSE denoiser %.4f ± %.4f, theory %.4f", name, mc, se, want)
			}
			dm, sm := paired(ls, lm)
			if dm > 0.002+zSE*sm {
				return fmt.Sprintf("%s: spline - MMSE = %.5f ± %.5f > 0.002 + z se", name, dm, sm)
			}
			dl, sl := paired(ls, ll)
			// Estimation allowance: least squares with K parameters on M
			// training points has expected out-of-sample excess K sigma^2/M
			// (sigma^2 <= L_linear); 3x covers its fluctuation (relative
			// sd sqrt(2/K) = 0.35). Measured for the Gaussian prior, where
			// the linear decoder is already optimal: 8e-5 vs 3x = 1.7e-4.
			est := 3 * knots * mean(ll) / float64(trainSigs*d)
			if dl > zSE*sl+est {
				return fmt.Sprintf("%s: spline - linear = %.5f ± %.5f > z se + %.5f", name, dl, sl, est)
			}
			gap := 1 - 2*cs.r/math.Pi - want
			if gap > gapSE*sl+1.5*cs.c/float64(d) && dl > -zSE*sl {
				return fmt.Sprintf("%s: spline - linear = %.5f ± %.5f, want < -z se (asymptotic gap %.4f)", name, dl, sl, gap)
			}
			t.Logf("%s: mmse %.4f ± %.4f (theory %.4f), spline-mmse %+.5f ± %.5f, spline-linear %+.5f ± %.5f",
				name, mc, se, want, dm, sm, dl, sl)
			return ""
		}()
		if msg != "" {
			t.Errorf("case %d: %s", k, msg)
		}
	}
}

// TestDecoderOrdering: for random sparse BG(p) priors, p in [0.1, 0.3],
// and rates r in [0.5, 1] (Haar encoder, d = 500), on the same signals,
//
//	linear >= shallow + MMSE denoiser >= unrolled VAMP (T = 4 layers) >= SE fixed point.
//
// Each ">=" between decoders is a paired difference D on the same signals:
// D >= -z se always, and D > z se (strict) where the asymptotic gap minus
// the finite-d allowance 1.5 c/d (c = 7, the largest offset constant of
// THEORY.md 10 for these priors) is >= 10 se, the rule of THEORY.md 10.
// The last ">=" is MC_T >= fp - z se (finite-d offsets are positive for
// BG, THEORY.md 3), and MC_T <= SE_T + z se + 1.5 c/d holds it to the
// state evolution at T. For the Gaussian prior nonlinearity cannot help
// (THEORY.md 7.2): the MMSE denoiser is the linear map v/(1 + tau), so
// linear and denoiser agree to rounding (1e-12), and the unrolled decoder
// agrees with them within 4 se_paired. False-failure probability: see the
// registry of props/budget_test.go.
func TestDecoderOrdering(t *testing.T) {
	const T, c = 4, 7.0
	d, sigs, cases := 500, 200, 6
	if long() {
		d, sigs, cases = 1000, 400, 20
	}
	type result struct{ lin, den, vamp []float64 }
	run := func(p prior.Prior, r float64, seed uint64) (result, train.SignalSet, error) {
		ch, _ := prior.AsChannel(p)
		rng := rand.New(rand.NewPCG(pcgSeed(seed), 13))
		n := int(math.Round(r * float64(d)))
		b, err := amp.HaarRows(rng, n, d)
		if err != nil {
			return result{}, train.SignalSet{}, err
		}
		set := train.NewSignalSet(p, b, rng, sigs)
		lin, _ := model.NewShallowLinear(b, model.HaarEnsemble)
		den, err := model.NewShallowMMSE(b, ch, model.HaarEnsemble)
		if err != nil {
			return result{}, set, err
		}
		u, err := model.NewUnrolledVAMP(b, ch, T)
		if err != nil {
			return result{}, set, err
		}
		lv := make([]float64, sigs)
		if err := train.UnrolledSignalLosses(u, u.NewWorkspace(100), set, lv, nil); err != nil {
			return result{}, set, err
		}
		return result{shallowLosses(lin, set), shallowLosses(den, set), lv}, set, nil
	}
	props := gopter.NewProperties(params(20260502, cases))
	props.Property("sparse BG: linear > denoiser > unrolled VAMP >= SE fixed point",
		prop.ForAll(func(p, r float64) string {
			pr := prior.BernoulliGaussian{P: p}
			res, set, err := run(pr, r, math.Float64bits(p+r))
			if err != nil {
				return err.Error()
			}
			n := int(math.Round(r * float64(d)))
			r = float64(n) / float64(d)
			lin, _ := theory.GaussEquivalentLoss(r)
			den, _ := theory.DenoiserLoss(pr, r, theory.Haar)
			se, err := theory.StateEvolution(pr, r, theory.Haar, theory.SEOptions{Iters: T})
			if err != nil {
				return err.Error()
			}
			name := fmt.Sprintf("%s r=%.3f", pr.Name(), r)
			allow := 1.5 * c / float64(d)
			for _, o := range []struct {
				what     string
				hi, lo   []float64
				asymGap  float64
				strictOK bool
			}{
				{"linear - denoiser", res.lin, res.den, lin - den, true},
				{"denoiser - unrolled", res.den, res.vamp, den - se.Trajectory[T-1], true},
			} {
				m, s := paired(o.hi, o.lo)
				if m < -zSE*s {
					return fmt.Sprintf("%s: %s = %.5f ± %.5f < -z se", name, o.what, m, s)
				}
				if o.asymGap-allow >= gapSE*s && m <= zSE*s {
					return fmt.Sprintf("%s: %s = %.5f ± %.5f, want > z se (asymptotic gap %.4f)", name, o.what, m, s, o.asymGap)
				}
			}
			mc, s := cvMean(res.vamp, sqNorms(set.X))
			if mc < se.FixedPoint-zSE*s {
				return fmt.Sprintf("%s: unrolled T=%d %.4f ± %.4f below the SE fixed point %.4f", name, T, mc, s, se.FixedPoint)
			}
			if mc > se.Trajectory[T-1]+zSE*s+allow {
				return fmt.Sprintf("%s: unrolled T=%d %.4f ± %.4f above SE_T %.4f + z se + 1.5 c/d", name, T, mc, s, se.Trajectory[T-1])
			}
			t.Logf("%s: linear %.4f, denoiser %.4f, unrolled(T=%d) %.4f ± %.4f; theory %.4f, %.4f, SE_T %.4f, fp %.4f",
				name, mean(res.lin), mean(res.den), T, mc, s, lin, den, se.Trajectory[T-1], se.FixedPoint)
			return ""
		}, gen.Float64Range(0.1, 0.3), gen.Float64Range(0.5, 1)))
	props.Property("gaussian: linear = denoiser = unrolled VAMP",
		prop.ForAll(func(r float64) string {
			res, _, err := run(prior.Gaussian{}, r, math.Float64bits(r))
			if err != nil {
				return err.Error()
			}
			for i := range res.lin {
				if math.Abs(res.lin[i]-res.den[i]) > 1e-12 {
					return fmt.Sprintf("r=%.3f signal %d: linear %.15g, denoiser %.15g", r, i, res.lin[i], res.den[i])
				}
			}
			m, s := paired(res.den, res.vamp)
			// 1e-12: rounding, for when the two agree exactly (they do for
			// the Gaussian prior: v_x = tau/(1+tau) is data-independent).
			if math.Abs(m) > zSE*s+1e-12 {
				return fmt.Sprintf("r=%.3f: denoiser - unrolled = %.5f ± %.5f, want within z se", r, m, s)
			}
			t.Logf("gaussian r=%.3f: denoiser - unrolled(T=%d) = %+.5f ± %.5f", r, T, m, s)
			return ""
		}, gen.Float64Range(0.25, 1)))
	props.TestingRun(t)
}

func mean(a []float64) float64 {
	var s float64
	for _, v := range a {
		s += v
	}
	return s / float64(len(a))
}

// TestUnrolledTrainingNeverWorse: training the per-layer factors of the
// unrolled VAMP decoder (Adam from the fixed algorithm, early stopping on a
// validation set with the initial parameters among the candidates) never
// makes the held-out loss worse than the fixed algorithm's at the same T:
// on 1000 held-out signals, L_learned - L_fixed <= z se_paired (one-sided;
// registered in props/budget_test.go). It also checks that training found
// parameters better than the initial ones on the validation set for at least
// one of the two rates (the optimiser makes progress; with a wrong gradient it
// does not). Per rate that fails by chance: ONEBIT_SEED=1208817919530692133
// gave no progress at r = 0.5 in 60 steps; the optimiser's steps and the
// gradient are checked exactly in core/train and core/model.
func TestUnrolledTrainingNeverWorse(t *testing.T) {
	const T = 3
	d, steps, test := 300, 60, 1000
	if long() {
		d, steps, test = 500, 150, 2000
	}
	progress := 0
	for k, r := range []float64{0.5, 1} {
		msg := func() string {
			p := prior.BernoulliGaussian{P: 0.1}
			rng := rand.New(rand.NewPCG(pcgSeed(uint64(k)), 17))
			b, err := amp.HaarRows(rng, int(r*float64(d)), d)
			if err != nil {
				return err.Error()
			}
			fixed, _ := model.NewUnrolledVAMP(b, p, T)
			u := fixed.Clone()
			val := train.NewSignalSet(p, b, rng, 256)
			held := train.NewSignalSet(p, b, rng, test)
			fit, err := train.FitUnrolled(context.Background(), u, p, rng, val, train.UnrolledConfig{Steps: steps, Batch: 32, LR: 0.01})
			if err != nil {
				return err.Error()
			}
			ws := u.NewWorkspace(200)
			lf, ll := make([]float64, test), make([]float64, test)
			if err := train.UnrolledSignalLosses(fixed, ws, held, lf, nil); err != nil {
				return err.Error()
			}
			if err := train.UnrolledSignalLosses(u, ws, held, ll, nil); err != nil {
				return err.Error()
			}
			m, s := paired(ll, lf)
			if m > zSE*s {
				return fmt.Sprintf("r=%v: learned - fixed = %.5f ± %.5f > z se", r, m, s)
			}
			if fit.Best > 0 {
				progress++
			} else {
				t.Logf("r=%v: no trained parameters beat the initial ones on validation (%v)", r, fit.Validation)
			}
			t.Logf("r=%v T=%d d=%d: fixed %.4f, learned %.4f, learned - fixed = %+.5f ± %.5f (validation %.4f -> %.4f at step %d)",
				r, T, d, mean(lf), mean(ll), m, s, fit.Validation[0], fit.Validation[fit.Best], fit.ValidationStep[fit.Best])
			return ""
		}()
		if msg != "" {
			t.Error(msg)
		}
	}
	if progress == 0 {
		t.Error("no rate: training never beat the initial parameters on validation")
	}
}
