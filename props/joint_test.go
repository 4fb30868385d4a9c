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

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/theory"
)

// jointKinds are the decoders of the gradient check: linear, spline,
// soft threshold, unrolled tied to the encoder, unrolled with its own matrix.
var jointKinds = []string{"linear", "spline", "soft", "unrolled-tied", "unrolled-untied"}

// jointNetwork builds a network of the named kind on a Haar encoder for
// BG(p), d, n, warm-started (train.InitJoint), then moves every parameter
// off the warm start by a random relative amount so that no derivative is
// special there.
func jointNetwork(kind string, p prior.Prior, d, n, layers int, rng *rand.Rand) (*model.Joint, error) {
	b, err := train.HaarEncoder(rng, n, d)
	if err != nil {
		return nil, err
	}
	spec := train.JointSpec{Layers: layers}
	switch kind {
	case "linear":
		spec.Decoder = model.LinearDecoder
	case "spline", "soft":
		spec.Decoder, spec.Denoiser, spec.Knots = model.ShallowDecoder, kind, 6
	case "unrolled-tied", "unrolled-untied":
		spec.Decoder, spec.Untied = model.UnrolledDecoder, kind == "unrolled-untied"
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	j, err := train.InitJoint(spec, b, nil, p, rng, 400)
	if err != nil {
		return nil, err
	}
	for _, gr := range j.Groups(j.NewGrad()) {
		for i, w := range gr.W {
			if gr.Matrix {
				gr.W[i] = w + 0.1*rng.NormFloat64()/math.Sqrt(float64(d))
			} else {
				gr.W[i] = w * (1 + 0.1*rng.NormFloat64())
			}
		}
	}
	return j, nil
}

// TestJointGradient: the backward pass of the whole network (encoder
// through the sign surrogate, decoder matrix, denoiser parameters, unrolled
// Theta) is the exact gradient of the relaxed network's loss (the forward
// pass with sign replaced by its surrogate s~: tanh(beta z) or clip(z, -1, 1)),
// checked against central differences on every parameter of the scalar
// groups and 16 random entries of each matrix.
//
// Tolerance: |fd - g| <= 1e-7 + 1e-5 |g|. With step h = 1e-5 (1e-5 |w| for
// the scalar groups) the central difference's truncation error is
// h^2 |L”'|/6 ~ 1e-10 and the rounding error of the loss (N d terms,
// relative ~1e-16 sqrt(N d)) over h is ~1e-11; the measured largest
// |fd - g| over all cases is ~1e-9 (the relative part covers Theta's
// O(1) derivatives). A kink of the relaxed network (|z| = 1 for clip, a
// spline knot, the soft threshold) between w - h and w + h spoils a
// central difference (about 10% of cases touch one at h = 1e-5, most of
// them harmlessly), so a derivative passes at the first of h, h/10, h/100
// that agrees (rounding at h/100 is ~1e-8, still below the bound); a real
// error fails at all three, and more than 2% of derivatives needing the
// smaller steps fails the test. Planted bugs caught: dropping the a-term
// of dL/dy in UnrolledVAMP.Backward, dropping the p = B q term of dL/dB,
// a 2% error in the spline's f'(v), a 2% error in the soft threshold's
// d/dtheta.
func TestJointGradient(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(20261130)
	params.MinSuccessfulTests = 10
	if long() {
		params.MinSuccessfulTests = 60
	}
	props := gopter.NewProperties(params)
	var worst float64
	var checked, retried int
	props.Property("backward = central differences of the relaxed loss", prop.ForAll(
		func(pp, r float64, tanh bool, seed uint64) string {
			for _, name := range jointKinds {
				if msg := checkJointGradient(name, pp, r, tanh, seed, &worst, &checked, &retried); msg != "" {
					return msg
				}
			}
			return ""
		},
		gen.Float64Range(0.1, 0.6), gen.Float64Range(0.25, 1), gen.Bool(), gen.UInt64Range(1, 1<<40),
	))
	props.TestingRun(t)
	t.Logf("%d partial derivatives, %d needed a smaller step (a kink), largest |central difference - backward| = %.3g", checked, retried, worst)
	// Kinks are rare: more than 2% of the checks needing a smaller step
	// would mean the backward pass differs from the forward at many points.
	if retried*50 > checked {
		t.Errorf("%d of %d derivatives needed a smaller step", retried, checked)
	}
}

// checkJointGradient is one case of TestJointGradient; it raises *worst to
// the largest discrepancy seen.
func checkJointGradient(name string, pp, r float64, tanh bool, seed uint64, worst *float64, checked, retried *int) string {
	rng := rand.New(rand.NewPCG(seed, 13))
	p := prior.BernoulliGaussian{P: pp}
	const d, N, layers = 24, 5, 3
	n := max(2, int(math.Round(r*d)))
	j, err := jointNetwork(name, p, d, n, layers, rng)
	if err != nil {
		return err.Error()
	}
	sur := model.SignSurrogate{Tanh: tanh, Beta: 1.5}
	x := mat.New[float64](N, d)
	prior.Fill(p, rng, x.Data)
	ws := j.NewWorkspace(N)
	g := j.NewGrad()
	if _, err := j.Gradient(ws, x, sur, true, g); err != nil {
		return err.Error()
	}
	gscratch := j.NewGrad()
	loss := func() float64 {
		l, err := j.Gradient(ws, x, sur, true, gscratch)
		if err != nil {
			panic(err)
		}
		return l
	}
	for _, gr := range j.Groups(g) {
		idx := make([]int, 0, len(gr.W))
		if gr.Matrix {
			for range 16 {
				idx = append(idx, rng.IntN(len(gr.W)))
			}
		} else {
			for i := range gr.W {
				idx = append(idx, i)
			}
		}
		for _, i := range idx {
			w := gr.W[i]
			h := 1e-5
			if !gr.Matrix {
				h = 1e-5 * max(math.Abs(w), 0.1)
			}
			// A kink of the relaxed network (clip at |z| = 1, a spline knot,
			// the soft threshold) inside [w - h, w + h] spoils the central
			// difference; a real error does not go away with h. So the
			// check passes at the first of h, h/10, h/100 that agrees.
			var fd float64
			ok := false
			for try := 0; try < 3 && !ok; try, h = try+1, h/10 {
				gr.W[i] = w + h
				lp := loss()
				gr.W[i] = w - h
				lm := loss()
				gr.W[i] = w
				fd = (lp - lm) / (2 * h)
				ok = math.Abs(fd-gr.G[i]) <= 1e-7+1e-5*math.Abs(gr.G[i])
				if ok && try > 0 {
					*retried++
				}
			}
			if !ok {
				return fmt.Sprintf("%s, %s, n = %d, tanh %v: %s[%d] backward %.10g, central difference %.10g",
					name, p.Name(), n, tanh, gr.Name, i, gr.G[i], fd)
			}
			*worst = max(*worst, math.Abs(fd-gr.G[i]))
			*checked++
		}
	}
	return ""
}

// TestJointGradientAllocatesNothing: a training step's gradient on a reused
// workspace allocates nothing, for every decoder.
func TestJointGradientAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	p := prior.BernoulliGaussian{P: 0.2}
	for _, kind := range jointKinds {
		j, err := jointNetwork(kind, p, 20, 12, 2, rng)
		if err != nil {
			t.Fatal(err)
		}
		x := mat.New[float64](4, 20)
		prior.Fill(p, rng, x.Data)
		ws, g := j.NewWorkspace(4), j.NewGrad()
		for _, sur := range []model.SignSurrogate{{}, {Tanh: true, Beta: 3}} {
			if a := testing.AllocsPerRun(5, func() { _, _ = j.Gradient(ws, x, sur, false, g) }); a != 0 {
				t.Errorf("%s: %v allocations per gradient", kind, a)
			}
		}
	}
}

// jointLosses returns the per-signal losses of j on the rows of x.
func jointLosses(t *testing.T, j *model.Joint, x *mat.Dense[float64]) []float64 {
	t.Helper()
	l := make([]float64, x.Rows)
	if err := j.Losses(j.NewWorkspace(250), x, l); err != nil {
		t.Fatal(err)
	}
	return l
}

// trainJoint trains j on p with cfg, validating on 400 held-out signals.
func trainJoint(t *testing.T, j *model.Joint, p prior.Prior, rng *rand.Rand, cfg train.JointConfig) train.JointFit {
	t.Helper()
	val := mat.New[float64](400, j.Dim())
	prior.Fill(p, rng, val.Data)
	fit, err := train.TrainJoint(context.Background(), j, p, rng, val, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fit
}

// TestJointShallowReachesPrediction: the shallow decoder with a learned
// spline denoiser (16 knots), trained jointly with its encoder from a random
// start (i.i.d. Gaussian rows, whose own shallow channel has snr 2r/pi,
// THEORY.md 7.1), by Adam with the straight-through surrogate, on BG(p),
// p in [0.1, 0.5], r in [0.25, 1]; measured on 3000 fresh signals:
//
//  1. L_joint <= mmse_P(2r/(pi - 2r)) + 1.5 c/d + margin + 4 se, the
//     prediction of a Haar encoder with the MMSE denoiser (THEORY.md 5)
//     with its finite-d allowance (c = 6.6, the largest measured constant
//     for BG(p >= 0.1), r <= 1, THEORY.md 10) and the optimisation margin;
//  2. paired with the Haar encoder + MMSE denoiser on the same signals (the
//     prediction at this d, measured): L_joint - L_haar <= margin + 4 se;
//  3. never worse than the linear decoder trained the same way (same start,
//     steps, step sizes): L_joint - L_linear <= 4 se, paired.
//
// The optimisation margin is 0.015 (fast: d = 100, 1500 steps; long: d =
// 300, 3000 steps): the largest measured excess L_joint - L_haar was
// +0.0066 ± 0.0014 (fast) and +0.0082 ± 0.0011 (long, BG(0.29), r = 0.72),
// times about 2; at small r and large p the joint network ends below the
// Haar encoder (its rows are flatter, smaller S4, so a smaller finite-d
// offset). 4 se one-sided: false-failure rate 3e-5 per
// assertion. Planted bug caught: FreezeEncoder (the encoder stays the
// random start; assertion 2 fails by > 0.1).
func TestJointShallowReachesPrediction(t *testing.T) {
	d, steps, cases := 100, 1500, 2
	if long() {
		d, steps, cases = 300, 3000, 6
	}
	const margin = 0.015
	params := gopter.DefaultTestParametersWithSeed(7131)
	params.MinSuccessfulTests = cases
	props := gopter.NewProperties(params)
	props.Property("joint shallow + spline reaches mmse(2r/(pi-2r))", prop.ForAll(
		func(pp, r float64, seed uint64) string {
			rng := rand.New(rand.NewPCG(seed, 29))
			p := prior.BernoulliGaussian{P: pp}
			n := int(math.Round(r * float64(d)))
			r = float64(n) / float64(d)
			pred, err := theory.DenoiserLoss(p, r, theory.Haar)
			if err != nil {
				return err.Error()
			}
			cfg := train.JointConfig{Steps: steps, Batch: 64, LR: 2e-3}
			b0 := train.RandomUnitRows(rng, n, d)
			sh, err := train.InitJoint(train.JointSpec{Decoder: model.ShallowDecoder}, b0.Clone(), nil, p, rng, 4000)
			if err != nil {
				return err.Error()
			}
			trainJoint(t, sh, p, rng, cfg)
			lin, err := train.InitJoint(train.JointSpec{Decoder: model.LinearDecoder}, b0.Clone(), nil, p, rng, 4000)
			if err != nil {
				return err.Error()
			}
			trainJoint(t, lin, p, rng, cfg)
			haar, err := train.HaarEncoder(rng, n, d)
			if err != nil {
				return err.Error()
			}
			mmse, err := model.NewShallowMMSE(haar, p, model.HaarEnsemble)
			if err != nil {
				return err.Error()
			}
			x := mat.New[float64](3000, d)
			prior.Fill(p, rng, x.Data)
			lj, ll := jointLosses(t, sh, x), jointLosses(t, lin, x)
			lh := shallowLosses(mmse, train.SignalSet{X: x, Y: encodeAll(haar, x)})
			est := model.ControlVariate(lj, model.Energies(x), 1)
			vsHaar, seHaar := paired(lj, lh)
			vsLin, seLin := paired(lj, ll)
			t.Logf("%s r=%.3g: joint %.4f±%.4f, prediction %.4f (+1.5c/d %.4f), joint-haar %+.4f±%.4f, joint-linear %+.4f±%.4f",
				p.Name(), r, est.Mean, est.StdErr, pred, 1.5*6.6/float64(d), vsHaar, seHaar, vsLin, seLin)
			switch {
			case est.Mean-pred > 1.5*6.6/float64(d)+margin+zSE*est.StdErr:
				return fmt.Sprintf("%s r=%v: joint %.4f above prediction %.4f + allowance", p.Name(), r, est.Mean, pred)
			case vsHaar > margin+zSE*seHaar:
				return fmt.Sprintf("%s r=%v: joint - haar = %.4f ± %.4f", p.Name(), r, vsHaar, seHaar)
			case vsLin > zSE*seLin:
				return fmt.Sprintf("%s r=%v: joint shallow worse than joint linear by %.4f ± %.4f", p.Name(), r, vsLin, seLin)
			}
			return ""
		},
		gen.Float64Range(0.1, 0.5), gen.Float64Range(0.25, 1), gen.UInt64Range(1, 1<<40),
	))
	props.TestingRun(t)
}

// encodeAll returns sign(X B^T).
func encodeAll(b, x *mat.Dense[float64]) *mat.Dense[float64] {
	y := mat.New[float64](x.Rows, b.Rows)
	model.Encode(y, b, x)
	return y
}

// TestJointUnrolledVsFixedVAMP: T unrolled VAMP layers whose scalars and
// encoder (the layers' matrix tied to it) are trained jointly, warm-started
// at the fixed algorithm on a Haar encoder (Adam, straight-through), for
// BG(p), p in [0.1, 0.3], r in [0.5, 1], T in {2, 3}; on 1000 fresh signals:
//
//  1. never worse than the fixed VAMP with T layers on the Haar encoder it
//     started from, paired: L_joint - L_fixed <= margin + 4 se;
//
//  2. above the state evolution at layer T (THEORY.md 7.2) by no more than
//     its allowance: L_joint <= SE_T + 1.5 c/d + margin + 4 se, c = 7 (the
//     largest VAMP constant measured for BG(p >= 0.1), THEORY.md 10).
//
//  3. training descends: the mean batch loss of the last quarter of steps
//     is not above that of the first quarter by more than 4 se (fresh
//     batches, so the quarters are independent). Early stopping would hide
//     a wrong gradient from 1 and 2; this does not (planted: the sign of
//     the Theta update flipped fails here: the loss grows without bound).
//
// margin = 0.005: early stopping on 400 held-out signals keeps the start
// unless a validated step improved on it, so the excess on fresh signals is
// the validation set's selection noise (measured: joint training gains
// 0.002-0.006 on fresh signals at d = 100). Long mode also trains the
// untied decoder (its own matrix, initialised at B).
func TestJointUnrolledVsFixedVAMP(t *testing.T) {
	d, steps, cases := 100, 300, 1
	if long() {
		d, steps, cases = 300, 600, 4
	}
	const margin, c = 0.005, 7.0
	params := gopter.DefaultTestParametersWithSeed(4242)
	params.MinSuccessfulTests = cases
	props := gopter.NewProperties(params)
	props.Property("joint unrolled >= fixed VAMP on Haar, near SE", prop.ForAll(
		func(pp, r float64, layers int, untied bool, seed uint64) string {
			rng := rand.New(rand.NewPCG(seed, 31))
			p := prior.BernoulliGaussian{P: pp}
			n := int(math.Round(r * float64(d)))
			r = float64(n) / float64(d)
			se, err := theory.VAMPStateEvolution(p, r, theory.SEOptions{Iters: layers})
			if err != nil {
				return err.Error()
			}
			haar, err := train.HaarEncoder(rng, n, d)
			if err != nil {
				return err.Error()
			}
			fixed, err := model.NewJointUnrolled(haar.Clone(), p, layers, true)
			if err != nil {
				return err.Error()
			}
			j, err := model.NewJointUnrolled(haar, p, layers, !(untied && long()))
			if err != nil {
				return err.Error()
			}
			fit := trainJoint(t, j, p, rng, train.JointConfig{Steps: steps, Batch: 32, LR: 1e-4, EvalEvery: 25})
			x := mat.New[float64](1000, d)
			prior.Fill(p, rng, x.Data)
			lj, lf := jointLosses(t, j, x), jointLosses(t, fixed, x)
			est := model.ControlVariate(lj, model.Energies(x), 1)
			diff, sed := paired(lj, lf)
			pred := se.Trajectory[layers-1]
			t.Logf("%s r=%.3g T=%d tied=%v: joint %.4f±%.4f, joint-fixed %+.4f±%.4f, SE_T %.4f (+1.5c/d %.4f), SE fixed point %.4f",
				p.Name(), r, layers, j.Tied(), est.Mean, est.StdErr, diff, sed, pred, 1.5*c/float64(d), se.FixedPoint)
			rise, seRise := quarterRise(fit.TrainLoss)
			switch {
			case rise > zSE*seRise:
				return fmt.Sprintf("%s r=%v T=%d: training loss rose by %.4f ± %.4f from the first to the last quarter of steps", p.Name(), r, layers, rise, seRise)
			case diff > margin+zSE*sed:
				return fmt.Sprintf("%s r=%v T=%d: joint - fixed = %.4f ± %.4f", p.Name(), r, layers, diff, sed)
			case est.Mean-pred > 1.5*c/float64(d)+margin+zSE*est.StdErr:
				return fmt.Sprintf("%s r=%v T=%d: joint %.4f above SE %.4f + allowance", p.Name(), r, layers, est.Mean, pred)
			}
			return ""
		},
		gen.Float64Range(0.1, 0.3), gen.Float64Range(0.5, 1), gen.IntRange(2, 3), gen.Bool(), gen.UInt64Range(1, 1<<40),
	))
	props.TestingRun(t)
}

// TestJointLinearHighRate: the linear decoder trained jointly with its
// encoder (random start, Adam, straight-through) on Gaussian data at
// r in {1.5, 2, 4}, against the tight-frame value R(r) = (pi-2)/(pi-2+2r)
// (THEORY.md 1(b), a conjecture for the optimum). The trained encoder is
// scored by its exact population loss with the optimal linear decoder
// (arcsine formula, THEORY.md 1 and 2: no Monte Carlo, no decoder noise), so
//
//	-margin <= L(B_trained) - R(r) <= 1.5 c(r)/d + margin,
//
// and, against a unit-norm tight frame built at the same d (alternating
// projection, THEORY.md 1(b)), L(B_trained) - L(UNTF_d) <= margin. c(r) is
// the tight frame's measured finite-d constant d (L(UNTF_d) - R(r)) (THEORY.md
// 1(b): 0.029 at r = 1.5, 0.076 at r = 2; at r = 4 this test measured
// 0.214 at d = 40, so the bound uses 0.22; the frame reproduces the other
// two to 2 digits). The optimisation margin is 0.004: the trained encoder
// was within +0.0001 of the same-d tight frame (below it at r = 2 and 4,
// as THEORY.md 1(b) reports for GD at finite d), and a 2% error in the
// loss is >= 0.0025 here. Planted bug caught: FreezeEncoder (the random
// start stays; trained - R = +0.09 or more). A value below R(r) - margin would be a counterexample to
// the conjecture at this d; none was found (see the logged values).
func TestJointLinearHighRate(t *testing.T) {
	d, steps := 40, 2000
	if long() {
		d, steps = 100, 4000
	}
	const margin = 0.004
	cs := map[float64]float64{1.5: 0.029, 2: 0.076, 4: 0.22}
	for _, r := range []float64{1.5, 2, 4} {
		rng := rand.New(rand.NewPCG(uint64(10*r), 37))
		p := prior.Gaussian{}
		n := int(math.Round(r * float64(d)))
		j, err := train.InitJoint(train.JointSpec{Decoder: model.LinearDecoder}, train.RandomUnitRows(rng, n, d), nil, p, rng, 4000)
		if err != nil {
			t.Fatal(err)
		}
		trainJoint(t, j, p, rng, train.JointConfig{Steps: steps, Batch: 64, LR: 1e-3})
		l, err := gaussianPopulationLoss(j.B)
		if err != nil {
			t.Fatal(err)
		}
		want, err := theory.GaussEquivalentLoss(r)
		if err != nil {
			t.Fatal(err)
		}
		untf, err := gaussianPopulationLoss(tightFrame(rng, n, d))
		if err != nil {
			t.Fatal(err)
		}
		hi := 1.5*cs[r]/float64(d) + margin
		t.Logf("r=%v d=%d: trained %.5f, tight frame %.5f (c = d (L - R) = %.3f), R(r) %.5f; trained - R %+.5f (allowed [%.4f, %.4f]), trained - frame %+.5f",
			r, d, l, untf, float64(d)*(untf-want), want, l-want, -margin, hi, l-untf)
		if l-want > hi || l-want < -margin || l-untf > margin {
			t.Errorf("r=%v: trained linear autoencoder %.5f against (pi-2)/(pi-2+2r) = %.5f and the tight frame's %.5f", r, l, want, untf)
		}
	}
}

// gaussianPopulationLoss is the exact population loss of the encoder b
// with its optimal linear decoder for Gaussian data (THEORY.md 1, 2:
// C = (2/pi) arcsin(R), A* = E[x s^T] C^-1), from train.PopulationGrad.
func gaussianPopulationLoss(b *mat.Dense[float64]) (float64, error) {
	n, d := b.Rows, b.Cols
	m := &model.Autoencoder[float64]{B: b, A: mat.New[float64](d, n)}
	pg := train.NewPopulationGrad(d, n)
	all := make([]int, d)
	for i := range all {
		all[i] = i
	}
	pg.Reset(m)
	pg.AddMask(m, all, 1, 1)
	if err := pg.OptimalDecoder(m.A); err != nil {
		return 0, err
	}
	pg.Reset(m)
	pg.AddMask(m, all, 1, 1)
	return pg.Loss, nil
}

// tightFrame returns an n x d unit-norm tight frame (n > d): unit rows with
// W^T W = (n/d) I, by alternating projection from a Haar frame (row
// normalisation, then the polar factor scaled by sqrt(n/d), THEORY.md 1(b)),
// 300 rounds.
func tightFrame(rng *rand.Rand, n, d int) *mat.Dense[float64] {
	b, err := train.HaarEncoder(rng, n, d)
	if err != nil {
		panic(err)
	}
	w := gmat.NewDense(n, d, b.Data)
	var svd gmat.SVD
	var u, v, q gmat.Dense
	s := math.Sqrt(float64(n) / float64(d))
	for range 300 {
		svd.Factorize(w, gmat.SVDThin)
		svd.UTo(&u)
		svd.VTo(&v)
		q.Mul(&u, v.T())
		w.Scale(s, &q)
		for i := range n {
			row := w.RawRowView(i)
			var nr float64
			for _, x := range row {
				nr += x * x
			}
			for k := range row {
				row[k] /= math.Sqrt(nr)
			}
		}
	}
	out := mat.New[float64](n, d)
	for i := range n {
		copy(out.Row(i), w.RawRowView(i))
	}
	return out
}

// TestJointShallowHighRate: r > 1 for the shallow decoder. A unit-norm
// tight frame (W^T W = r I) gives, by the argument of THEORY.md 5 with
// C -> (2/pi) G + (1 - 2/pi) I (THEORY.md 1(b)), u = W^T s ≈ sqrt(2/pi) r x
// + N(0, (1 - 2/pi) r), so snr = 2r/(pi - 2): the same as Haar rows at r = 1,
// and 1/(1 + snr) = (pi-2)/(pi-2+2r) is the linear value of THEORY.md 1(b).
// The candidate prediction of the shallow + MMSE decoder is then
// mmse_P(2r/(pi - 2)) (derived here, not in THEORY.md; measured at d = 200
// for BG(0.1): r = 1.25, 1.5, 2 give 0.127, 0.112, 0.092 against 0.093,
// 0.076, 0.056, an offset of +7/d as at r = 1). For BG(0.1), r in {1.5, 2},
// d = 100, the jointly trained shallow + spline network started at a Haar
// frame (300 steps) must satisfy
//
//	L_joint <= mmse_P(2r/(pi-2)) + 1.5 c/d + margin + 4 se   (c = 7.5, margin 0.015)
//	L_joint - L_linear <= -0.1                               (paired, the joint linear decoder)
//
// (the asymptotic gap to the linear decoder is 0.2 at r = 1.5 and 0.17 at
// r = 2).
func TestJointShallowHighRate(t *testing.T) {
	const d, margin, c = 100, 0.015, 7.5
	p := prior.BernoulliGaussian{P: 0.1}
	for _, r := range []float64{1.5, 2} {
		rng := rand.New(rand.NewPCG(uint64(10*r), 41))
		n := int(math.Round(r * float64(d)))
		pred, err := prior.MMSE(p, 2*r/(math.Pi-2))
		if err != nil {
			t.Fatal(err)
		}
		b, err := train.HaarEncoder(rng, n, d)
		if err != nil {
			t.Fatal(err)
		}
		cfg := train.JointConfig{Steps: 300, LR: 3e-4}
		sh, err := train.InitJoint(train.JointSpec{Decoder: model.ShallowDecoder}, b.Clone(), nil, p, rng, 4000)
		if err != nil {
			t.Fatal(err)
		}
		trainJoint(t, sh, p, rng, cfg)
		lin, err := train.InitJoint(train.JointSpec{Decoder: model.LinearDecoder}, b.Clone(), nil, p, rng, 4000)
		if err != nil {
			t.Fatal(err)
		}
		trainJoint(t, lin, p, rng, cfg)
		x := mat.New[float64](2000, d)
		prior.Fill(p, rng, x.Data)
		lj, ll := jointLosses(t, sh, x), jointLosses(t, lin, x)
		est := model.ControlVariate(lj, model.Energies(x), 1)
		gain, se := paired(lj, ll)
		t.Logf("r=%v: joint shallow %.4f±%.4f, candidate mmse(2r/(pi-2)) %.4f (+1.5c/d %.3f), joint linear - shallow %.4f±%.4f",
			r, est.Mean, est.StdErr, pred, 1.5*c/d, -gain, se)
		if est.Mean-pred > 1.5*c/d+margin+4*est.StdErr || gain > -0.1 {
			t.Errorf("r=%v: joint shallow %.4f (candidate %.4f), gain over linear %.4f", r, est.Mean, pred, -gain)
		}
	}
}

// quarterRise returns mean(last quarter) - mean(first quarter) of the batch
// losses and its standard error (independent batches).
func quarterRise(l []float64) (rise, se float64) {
	q := len(l) / 4
	if q < 2 {
		return 0, math.Inf(1)
	}
	stats := func(x []float64) (m, v float64) {
		for _, a := range x {
			m += a
		}
		m /= float64(len(x))
		for _, a := range x {
			v += (a - m) * (a - m)
		}
		return m, v / float64(len(x)-1) / float64(len(x))
	}
	m0, v0 := stats(l[:q])
	m1, v1 := stats(l[len(l)-q:])
	return m1 - m0, math.Sqrt(v0 + v1)
}
