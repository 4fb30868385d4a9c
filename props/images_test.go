package props

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/data"
	"github.com/seed05b1c944/onebit/theory"
)

// ratio is sum_s l_s / sum_s q_s with its delta-method standard error.
func ratio(l, q []float64) (mean, se float64) {
	var sl, sq float64
	for i := range l {
		sl, sq = sl+l[i], sq+q[i]
	}
	mean = sl / sq
	var v float64
	for i := range l {
		e := l[i] - mean*q[i]
		v += e * e
	}
	n := float64(len(l))
	return mean, math.Sqrt(v/(n-1)/n) / (sq / n)
}

// TestHaarLinearEnergies: the Haar encoder's linear loss given the
// signals' energies (theory.HaarLinearLossEnergies) is exact at every d,
// so at d = 12 and 24, for signals of widely varying energy (a Gaussian
// vector times a log-normal scale), the loss averaged over 400 independent
// Haar encoders matches it within 4 standard errors (the se of the
// per-encoder mean ratio across encoders; false-failure rate 6e-5 per case).
// The d -> infinity value 1 - 2r/pi differs from it here by 0.03 to 0.1, so
// a finite-d or energy term dropped from the formula fails the test.
func TestHaarLinearEnergies(t *testing.T) {
	params := params(14, 4)
	props := gopter.NewProperties(params)
	props.Property("linear loss = exact energy formula", prop.ForAll(func(di, ri int, seed uint64) bool {
		d := []int{12, 24}[di]
		n := []int{d / 4, d / 2, d}[ri]
		r := float64(n) / float64(d)
		rng := rand.New(rand.NewPCG(seed, 3))
		const signals, encoders = 16, 400
		x := mat.New[float64](signals, d)
		for i := range signals {
			s := math.Exp(0.8 * rng.NormFloat64())
			for j := range d {
				x.Set(i, j, s*rng.NormFloat64())
			}
		}
		q := model.Energies(x)
		want, err := theory.HaarLinearLossEnergies(q, r, d)
		if err != nil {
			t.Fatal(err)
		}
		var sum, sum2 float64
		xh := mat.New[float64](signals, d)
		l := make([]float64, signals)
		for range encoders {
			b, err := amp.HaarRows(rng, n, d)
			if err != nil {
				t.Fatal(err)
			}
			codes, _ := model.Codes(b, x)
			sh, _ := model.NewShallowLinear(b, model.HaarEnsemble)
			sh.Decode(xh, codes)
			model.SignalLosses(x, xh, l)
			m, _ := ratio(l, q)
			sum, sum2 = sum+m, sum2+m*m
		}
		mean := sum / encoders
		se := math.Sqrt((sum2/encoders - mean*mean) / (encoders - 1))
		if math.Abs(mean-want) > zSE*se {
			t.Logf("d=%d r=%v: measured %.5f ± %.5f, exact %.5f, 1-2r/pi %.5f", d, r, mean, se, want, 1-2*r/math.Pi)
			return false
		}
		return true
	}, gen.IntRange(0, 1), gen.IntRange(0, 2), gen.UInt64()))
	props.TestingRun(t)
}

type mnistSet struct {
	xtr, xte *mat.Dense[float64]
	p        *prior.Empirical
}

var (
	mnistOnce sync.Once
	mnistSets map[data.Domain]mnistSet
	mnistErr  error
)

// mnistDomains prepares MNIST at a small size (3000 training images fit
// the whitening and the prior, 300 test images are measured) in both
// domains, once per test binary.
func mnistDomains(t *testing.T) map[data.Domain]mnistSet {
	mnistOnce.Do(func() {
		ctx := context.Background()
		train, err := data.LoadN(ctx, data.Source{Kind: data.MNIST}, data.Train, 3000)
		if err != nil {
			mnistErr = err
			return
		}
		test, err := data.LoadN(ctx, data.Source{Kind: data.MNIST}, data.Test, 300)
		if err != nil {
			mnistErr = err
			return
		}
		mnistSets = map[data.Domain]mnistSet{}
		for _, dom := range []data.Domain{data.PCA, data.ZCA} {
			xtr, xte, _, err := data.Preprocess(train, test, dom, 0)
			if err != nil {
				mnistErr = err
				return
			}
			p, err := data.EmpiricalPrior("mnist/"+dom.String(), xtr)
			if err != nil {
				mnistErr = err
				return
			}
			mnistSets[dom] = mnistSet{xtr, xte, p}
		}
	})
	if errors.Is(mnistErr, data.ErrMissing) {
		t.Skipf("MNIST not available: %v", mnistErr)
	}
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	return mnistSets
}

// TestImagesMNIST checks the claims of issue 14 on MNIST at a small size,
// with a Haar encoder at r in {1/8, 1/4, 1/2, 1} (gopter picks the rate
// and the encoder's seed):
//
//   - pca, linear decoder: the measured loss is within 4 se (over the test
//     images) plus 0.01 of the exact Haar value given the test images'
//     energies and d (theory.HaarLinearLossEnergies). 0.01 allows for the
//     fluctuation over the single encoder drawn, measured at 0.002-0.005
//     (sd over 20 encoders at r = 1, d = 256). That value exceeds
//     1 - 2r/pi by the finite-d term (a_d) and, mainly, by the images'
//     varying energy (about (r/(2 pi)) Var(q), 0.02 at r = 1): the
//     non-Gaussian marginal does not enter at all for this decoder.
//   - both domains: the MMSE denoiser of the data's prior is never worse
//     than the linear decoder (paired difference on the same images, at
//     most 3 se above 0, plus 0.001 in pca: there the predicted gain is
//     below 7e-4 at every r (kurtosis 0.35) and the prior fitted on 3000
//     training images is slightly off for the test images, measured
//     +0.0002 at r = 1/2; in zca the gains are 0.04-0.1).
//   - zca (heavy-tailed, kurtosis ~16): the denoiser gains at least half of
//     its predicted gain 1 - 2r/pi - mmse_P(2r/(pi - 2r)), after 3 se of
//     the paired difference.
func TestImagesMNIST(t *testing.T) {
	sets := mnistDomains(t)
	cases := 3
	if long() {
		cases = 12
	}
	props := gopter.NewProperties(params(1414, cases))
	props.Property("images", prop.ForAll(func(ri int, seed uint64) bool {
		r := []float64{0.125, 0.25, 0.5, 1}[ri]
		ok := true
		for _, dom := range []data.Domain{data.PCA, data.ZCA} {
			set := sets[dom]
			d := set.xte.Cols
			n := int(math.Round(r * float64(d)))
			rng := rand.New(rand.NewPCG(seed, uint64(d)))
			b, err := amp.HaarRows(rng, n, d)
			if err != nil {
				t.Fatal(err)
			}
			codes, _ := model.Codes(b, set.xte)
			q := model.Energies(set.xte)
			xh := mat.New[float64](set.xte.Rows, d)
			lin, den := make([]float64, xh.Rows), make([]float64, xh.Rows)
			sh, _ := model.NewShallowLinear(b, model.HaarEnsemble)
			sh.Decode(xh, codes)
			model.SignalLosses(set.xte, xh, lin)
			sd, err := model.NewShallowMMSE(b, set.p, model.HaarEnsemble)
			if err != nil {
				t.Fatal(err)
			}
			sd.Decode(xh, codes)
			model.SignalLosses(set.xte, xh, den)
			ll, lse := ratio(lin, q)
			dl, _ := ratio(den, q)
			diff := make([]float64, len(lin))
			for i := range diff {
				diff[i] = den[i] - lin[i]
			}
			gain, gse := ratio(diff, q) // (denoiser - linear), normalised
			predLin, _ := theory.GaussEquivalentLoss(r)
			predDen, err := theory.DenoiserLoss(set.p, r, theory.Haar)
			if err != nil {
				t.Fatal(err)
			}
			exact, err := theory.HaarLinearLossEnergies(q, r, d)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s r=%v: linear %.4f ± %.4f (exact %.4f, 1-2r/pi %.4f), denoiser %.4f (pred %.4f), denoiser-linear %+.4f ± %.4f (pred %+.4f)",
				dom, r, ll, lse, exact, predLin, dl, predDen, gain, gse, predDen-predLin)
			if dom == data.PCA && math.Abs(ll-exact) > zSE*lse+0.01 {
				t.Errorf("pca r=%v: linear loss %.4f ± %.4f, exact Haar value %.4f", r, ll, lse, exact)
				ok = false
			}
			allow := 0.0
			if dom == data.PCA {
				allow = 0.001
			}
			if gain > zSE*gse+allow {
				t.Errorf("%s r=%v: denoiser worse than linear by %.4f ± %.4f", dom, r, gain, gse)
				ok = false
			}
			if dom == data.ZCA && -gain+zSE*gse < 0.5*(predLin-predDen) {
				t.Errorf("zca r=%v: denoiser gain %.4f ± %.4f, less than half the predicted %.4f", r, -gain, gse, predLin-predDen)
				ok = false
			}
		}
		return ok
	}, gen.IntRange(0, 3), gen.UInt64()))
	props.TestingRun(t)
}
