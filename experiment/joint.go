package experiment

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
	"github.com/seed05b1c944/onebit/internal/output"
	"github.com/seed05b1c944/onebit/theory"
)

// JointConfig sets up end-to-end training (issue 13): the shallow decoder
// with a learned spline denoiser, trained together with its encoder from a
// random start, and unrolled VAMP with T layers trained together with its
// encoder (the layers' matrix tied to it) from the Haar start, against the
// same decoders on a fixed Haar encoder and against the predictions
// mmse(2r/(pi - 2r)) and the state evolution at T (THEORY.md 5, 7.2).
type JointConfig struct {
	Priors        []prior.Value
	Rates         []float64
	Dim           int
	Seeds         int   // independent repetitions per (prior, rate)
	Layers        []int // T of the unrolled decoders
	ShallowSteps  int   // Adam steps of the joint shallow network
	UnrolledSteps int   // Adam steps of each joint unrolled network
	ValSignals    int   // held-out signals for early stopping
	TestSignals   int   // fresh signals for the measurement
	Run
}

// JointDefaults are the built-in defaults of `make reproduce`: d = 500.
// The shallow network from a random start is still descending after 1500
// steps at this d (BG(0.1), r = 1: 0.150, 0.139 and 0.1365 after 1500,
// 3000 and 5000 steps at the step size of shallowLR), so it gets 5000
// (about 45 s per cell at r = 1 here).
func JointDefaults() JointConfig {
	return JointConfig{Priors: []prior.Value{prior.MustParse("bg:0.1"), prior.MustParse("bg:0.3")}, Rates: []float64{0.25, 0.5, 1},
		Dim: 500, Seeds: 3, Layers: []int{2, 5}, ShallowSteps: 5000, UnrolledSteps: 200, ValSignals: 400, TestSignals: 2000,
		Run: Run{Seed: 1, OutDir: "results/joint"}}
}

// JointPaper is the larger scale (--scale paper): d = 2000 with more
// steps. A step costs about 16 times the d = 500 one, so this is
// several core-hours; it has not been run here.
func JointPaper() JointConfig {
	c := JointDefaults()
	c.Dim, c.ShallowSteps, c.UnrolledSteps = 2000, 10000, 400
	return c
}

// JointSmoke is the tiny scale (--scale smoke).
func JointSmoke() JointConfig {
	c := JointDefaults()
	c.Priors, c.Rates, c.Dim, c.Seeds, c.ShallowSteps, c.UnrolledSteps, c.ValSignals, c.TestSignals =
		c.Priors[:1], []float64{1}, 40, 1, 20, 5, 50, 200
	return c
}

var jointExperiment = define(parts[JointConfig, JointCell, []JointCell]{
	name: "joint", summary: "encoder and nonlinear decoder trained together against the Haar encoder and the predictions", weight: 700,
	config: scaled(JointDefaults, JointPaper, JointSmoke),
	banner: func(c JointConfig) string {
		return fmt.Sprintf("joint training of encoder and shallow/unrolled decoders, d = %d, %d priors x %d rates x %d seeds", c.Dim, len(c.Priors), len(c.Rates), c.Seeds)
	},
	units: jointUnits, assemble: same[JointConfig, JointCell], write: WriteJoint, claims: jointClaims,
})

// jointClaims: for each prior at its largest rate, the jointly trained
// shallow network (random start) against mmse(2r/(pi - 2r)) and the
// jointly trained unrolled network with the most layers against its state
// evolution, seed-averaged, one-sided (a trained encoder may beat the Haar
// encoder the predictions are for) with the allowances of THEORY.md 10.
func jointClaims(c JointConfig, cells []JointCell) []Claim {
	var out []Claim
	for _, s := range summarizeJoint(cells) {
		if math.Abs(s.rate-maxRate(c.Rates)) > 0.5/float64(c.Dim) {
			continue
		}
		p, err := prior.Parse(s.prior)
		if err != nil {
			continue
		}
		out = append(out, Claim{Claim: fmt.Sprintf("joint training reaches the prediction: %s, r = %.3g, shallow + spline trained with its encoder from a random start (%d Adam steps)", s.prior, s.rate, c.ShallowSteps),
			Source: "THEORY.md 5", Measured: s.joint, Dim: c.Dim, Seeds: s.seeds, Allowance: allowance("denoiser", p, s.rate, c.Dim), OneSided: true})
		if k := len(s.unr) - 1; k >= 0 {
			out = append(out, Claim{Claim: fmt.Sprintf("joint training keeps depth's gain: %s, r = %.3g, unrolled VAMP T = %d trained with its encoder", s.prior, s.rate, c.Layers[k]),
				Source: "THEORY.md 7.2", Measured: s.unr[k], Dim: c.Dim, Seeds: s.seeds, Allowance: allowance("vamp", p, s.rate, c.Dim), OneSided: true})
		}
	}
	return out
}

func maxRate(rs []float64) float64 {
	m := rs[0]
	for _, r := range rs {
		m = max(m, r)
	}
	return m
}

// JointCurve is a learning curve: the held-out loss after Steps[k] steps.
type JointCurve struct {
	Steps []int     `json:"steps"`
	Loss  []float64 `json:"validation_loss"`
}

// JointUnrolled is one T of a JointCell.
type JointUnrolled struct {
	Layers int        `json:"layers"`
	Fixed  Measured   `json:"fixed_haar"` // fixed VAMP on the Haar encoder
	Joint  Measured   `json:"joint"`      // trained jointly from there
	Gain   Paired     `json:"joint_minus_fixed"`
	Curve  JointCurve `json:"curve"`
}

// JointChannel describes an encoder: its row flatness S4 d (Haar rows:
// 3d/(d + 2)) and the noise variance of its effective channel
// v = B^T sign(Bx)/mu - x, mu = sqrt(2/pi) r (THEORY.md 5), off and on the
// support of x, as in results/encoders.
type JointChannel struct {
	S4d      float64 `json:"s4_times_d"`
	NoiseOff float64 `json:"noise_var_off_support"`
	NoiseOn  float64 `json:"noise_var_on_support"`
}

// JointCell is one (prior, rate, seed).
type JointCell struct {
	Prior string  `json:"prior"`
	Rate  float64 `json:"rate"`
	Dim   int     `json:"dim"`
	Seed  int     `json:"seed"`
	// Shallow decoders: the MMSE denoiser and the least-squares spline on
	// the Haar encoder, the spline trained jointly with its encoder from a
	// random start; JointVsHaar is joint - Haar spline on the same signals.
	HaarMMSE    Measured     `json:"haar_mmse"`
	HaarSpline  Measured     `json:"haar_spline"`
	JointSpline Measured     `json:"joint_spline"`
	JointVsHaar Paired       `json:"joint_minus_haar_spline"`
	Curve       JointCurve   `json:"joint_spline_curve"`
	HaarEnc     JointChannel `json:"haar_encoder"`
	JointEnc    JointChannel `json:"joint_encoder"`
	// Unrolled holds one entry per T, with the SE prediction in Measured.
	Unrolled   []JointUnrolled `json:"unrolled"`
	FixedPoint float64         `json:"se_fixed_point"`
}

// RunJoint runs every (prior, rate, seed) of c as an independent unit.
func RunJoint(ctx context.Context, c JointConfig) ([]JointCell, error) {
	us, err := jointUnits(c)
	if err != nil {
		return nil, err
	}
	return runUnits(ctx, c.Run, us)
}

// jointUnits lists one unit per (prior, rate, seed).
func jointUnits(c JointConfig) ([]unit[JointCell], error) {
	if len(c.Priors) == 0 || len(c.Rates) == 0 || c.Seeds < 1 || len(c.Layers) == 0 || c.ShallowSteps < 1 || c.UnrolledSteps < 1 ||
		c.ValSignals < 10 || c.TestSignals < 3 {
		return nil, fmt.Errorf("experiment: invalid joint config %+v", c)
	}
	for _, T := range c.Layers {
		if T < 1 || T > MaxIters {
			return nil, fmt.Errorf("experiment: joint config: %d layers", T)
		}
	}
	var units []unit[JointCell]
	for _, pv := range c.Priors {
		for _, r := range c.Rates {
			if err := rowOrthogonalSize(r, c.Dim, "the joint experiment"); err != nil {
				return nil, err
			}
			for seed := 1; seed <= c.Seeds; seed++ {
				units = append(units, unit[JointCell]{
					key: fmt.Sprintf("%s-r%g-d%d-T%s-steps%d-%d-val%d-test%d-seed%d-%d", fileSafe(pv.Name()), r, c.Dim, intsKey(c.Layers),
						c.ShallowSteps, c.UnrolledSteps, c.ValSignals, c.TestSignals, c.Seed, seed),
					label: fmt.Sprintf("%s r=%g seed %d", pv.Name(), r, seed),
					run: func(ctx context.Context, frac func(float64)) (JointCell, error) {
						return jointCell(ctx, c, pv.Prior, r, seed, frac)
					},
				})
			}
		}
	}
	return units, nil
}

// jointCell measures the Haar-encoder decoders and trains the joint ones
// for one (prior, rate, seed), all on the same test signals.
func jointCell(ctx context.Context, c JointConfig, p prior.Prior, r float64, seed int, frac func(float64)) (JointCell, error) {
	ch, err := prior.AsChannel(p)
	if err != nil {
		return JointCell{}, err
	}
	size, err := NewSize(r, c.Dim)
	if err != nil {
		return JointCell{}, err
	}
	n, d := size.Bits, size.Dim
	r = size.Rate()
	rng := rand.New(rand.NewPCG(pointSeed(c.Seed, p.AbsMoment(), r, d), uint64(seed)))
	cell := JointCell{Prior: p.Name(), Rate: r, Dim: d, Seed: seed}
	b := &jointBench{ctx: ctx, c: c, p: p, ch: ch, r: r, rng: rng, frac: frac, total: float64(c.ShallowSteps)}
	for _, T := range c.Layers {
		b.total += float64(c.UnrolledSteps * T) // progress: the shallow steps, then each unrolled network's steps x T
	}
	b.test = mat.New[float64](c.TestSignals, d)
	prior.Fill(p, rng, b.test.Data)
	b.val = mat.New[float64](c.ValSignals, d)
	prior.Fill(p, rng, b.val.Data)
	b.q = model.Energies(b.test)
	haar, err := train.HaarEncoder(rng, n, d)
	if err != nil {
		return cell, err
	}
	if err := b.shallow(&cell, haar); err != nil {
		return cell, err
	}
	for _, T := range c.Layers {
		u, fixedPoint, err := b.unrolled(haar, T)
		if err != nil {
			return cell, err
		}
		cell.FixedPoint = fixedPoint
		cell.Unrolled = append(cell.Unrolled, u)
	}
	return cell, nil
}

// jointBench is what the networks of one joint cell share: the prior, the
// random stream (consumed in a fixed order), the test and validation
// signals and the progress accounting.
type jointBench struct {
	ctx         context.Context
	c           JointConfig
	p           prior.Prior
	ch          prior.Channel
	r           float64
	rng         *rand.Rand
	test, val   *mat.Dense[float64]
	q           []float64 // energies of the test signals
	frac        func(float64)
	total, done float64
}

// losses are the per-signal test losses of j.
func (b *jointBench) losses(j *model.Joint) ([]float64, error) {
	l := make([]float64, b.test.Rows)
	return l, j.Losses(j.NewWorkspace(min(256, b.test.Rows)), b.test, l)
}

// fit trains j jointly; weight scales its steps for the progress bar.
func (b *jointBench) fit(j *model.Joint, cfg train.JointConfig, weight float64) (JointCurve, error) {
	base := b.done
	cfg.Progress = func(step, _ int, _ float64) { b.frac((base + float64(step)*weight) / b.total) }
	f, err := train.TrainJoint(b.ctx, j, b.p, b.rng, b.val, cfg)
	b.done += float64(cfg.Steps) * weight
	return JointCurve{Steps: f.ValidationStep, Loss: f.Validation}, err
}

// shallow fills the shallow decoders of cell: the MMSE and the fitted
// spline denoiser on the Haar encoder, and the spline trained jointly with
// its encoder from random rows, with both encoders' effective channels.
func (b *jointBench) shallow(cell *JointCell, haar *mat.Dense[float64]) error {
	den, err := theory.DenoiserLoss(b.p, b.r, theory.Haar)
	if err != nil {
		return err
	}
	mm, err := model.NewShallowMMSE(haar, b.ch, model.HaarEnsemble)
	if err != nil {
		return err
	}
	y := mat.New[float64](b.test.Rows, haar.Rows)
	model.Encode(y, haar, b.test)
	cell.HaarMMSE = measure(shallowLosses(mm, train.SignalSet{X: b.test, Y: y}), b.q, den)
	hs, err := train.InitJoint(train.JointSpec{Decoder: model.ShallowDecoder}, haar.Clone(), nil, b.p, b.rng, 4000)
	if err != nil {
		return err
	}
	lh, err := b.losses(hs)
	if err != nil {
		return err
	}
	cell.HaarSpline = measure(lh, b.q, den)
	js, err := train.InitJoint(train.JointSpec{Decoder: model.ShallowDecoder}, train.RandomUnitRows(b.rng, haar.Rows, haar.Cols), nil, b.p, b.rng, 4000)
	if err != nil {
		return err
	}
	if cell.Curve, err = b.fit(js, train.JointConfig{Steps: b.c.ShallowSteps, LR: shallowLR(b.c.Dim)}, 1); err != nil {
		return err
	}
	lj, err := b.losses(js)
	if err != nil {
		return err
	}
	cell.JointSpline, cell.JointVsHaar = measure(lj, b.q, den), paired(lj, lh)
	cell.HaarEnc, cell.JointEnc = encoderChannel(haar, b.test, b.r), encoderChannel(js.B, b.test, b.r)
	return nil
}

// shallowLR is the Adam step of the encoder and decoder matrices of the
// joint shallow network: 2e-3 at d = 100, scaled as 1/sqrt(d) so that a
// step is the same fraction of the entries of B (each about 1/sqrt(d)) at
// every d. Measured at d = 500 (BG(0.1), r = 1, 5000 steps from a random
// start): step 2e-3 reached 0.143, 1e-3 0.1365, 5e-4 0.1361.
func shallowLR(d int) float64 { return 2e-3 * math.Sqrt(100/float64(d)) }

// unrolled measures fixed VAMP with T layers on the Haar encoder and the
// same network trained jointly from it, against the state evolution.
func (b *jointBench) unrolled(haar *mat.Dense[float64], T int) (JointUnrolled, float64, error) {
	se, err := theory.StateEvolution(b.p, b.r, theory.Haar, theory.SEOptions{Iters: T})
	if err != nil {
		return JointUnrolled{}, 0, err
	}
	fixed, err := model.NewJointUnrolled(haar.Clone(), b.ch, T, true)
	if err != nil {
		return JointUnrolled{}, 0, err
	}
	lf, err := b.losses(fixed)
	if err != nil {
		return JointUnrolled{}, 0, err
	}
	ju, err := model.NewJointUnrolled(haar.Clone(), b.ch, T, true)
	if err != nil {
		return JointUnrolled{}, 0, err
	}
	u := JointUnrolled{Layers: T, Fixed: measure(lf, b.q, se.Trajectory[T-1])}
	if u.Curve, err = b.fit(ju, train.JointConfig{Steps: b.c.UnrolledSteps, Batch: 32, LR: 1e-4, EvalEvery: 25}, float64(T)); err != nil {
		return JointUnrolled{}, 0, err
	}
	lu, err := b.losses(ju)
	if err != nil {
		return JointUnrolled{}, 0, err
	}
	u.Joint, u.Gain = measure(lu, b.q, se.Trajectory[T-1]), paired(lu, lf)
	return u, se.FixedPoint, nil
}

// encoderChannel measures S4 d of b's rows and the noise of its effective
// channel v = B^T sign(Bx)/mu on the signals x, off and on their support.
func encoderChannel(b, x *mat.Dense[float64], r float64) JointChannel {
	y := mat.New[float64](x.Rows, b.Rows)
	model.Encode(y, b, x)
	sh := &model.Shallow{In: b, Gain: 1 / (math.Sqrt(2/math.Pi) * r), F: model.LinearDenoiser{Slope: 1}}
	v := mat.New[float64](x.Rows, x.Cols)
	sh.Statistic(v, y)
	var s0, s1, n0, n1 float64
	for k, xv := range x.Data {
		e := v.Data[k] - xv
		if xv == 0 {
			s0, n0 = s0+e*e, n0+1
		} else {
			s1, n1 = s1+e*e, n1+1
		}
	}
	return JointChannel{S4d: model.RowS4(b) * float64(b.Cols), NoiseOff: s0 / max(n0, 1), NoiseOn: s1 / max(n1, 1)}
}

// jointSummary averages the seeds of one (prior, rate): losses and paired
// differences by their mean over seeds, with se sqrt(sum se^2)/k (the
// seeds are independent).
type jointSummary struct {
	prior             string
	rate              float64
	mmse, haar, joint Measured
	vsHaar            Paired
	haarEnc, jointEnc JointChannel
	fixed, unr        []Measured
	unrGain           []Paired
	fixedPoint        float64
	seeds             int
	curve             JointCurve
}

func avgMeasured(ms []Measured) Measured {
	var out Measured
	for _, m := range ms {
		out.Loss += m.Loss / float64(len(ms))
		out.StdErr += m.StdErr * m.StdErr
		out.Prediction = m.Prediction
	}
	out.StdErr = math.Sqrt(out.StdErr) / float64(len(ms))
	return out
}

func avgPaired(ps []Paired) Paired {
	var out Paired
	for _, p := range ps {
		out.Mean += p.Mean / float64(len(ps))
		out.StdErr += p.StdErr * p.StdErr
	}
	out.StdErr = math.Sqrt(out.StdErr) / float64(len(ps))
	return out
}

func summarizeJoint(cells []JointCell) []jointSummary {
	var out []jointSummary
	for i := 0; i < len(cells); {
		k := i
		for k < len(cells) && cells[k].Prior == cells[i].Prior && cells[k].Rate == cells[i].Rate {
			k++
		}
		group := cells[i:k]
		s := jointSummary{prior: group[0].Prior, rate: group[0].Rate, fixedPoint: group[0].FixedPoint, seeds: len(group)}
		var mm, hs, js []Measured
		var vs []Paired
		for _, c := range group {
			mm, hs, js, vs = append(mm, c.HaarMMSE), append(hs, c.HaarSpline), append(js, c.JointSpline), append(vs, c.JointVsHaar)
			s.haarEnc.S4d += c.HaarEnc.S4d / float64(len(group))
			s.haarEnc.NoiseOff += c.HaarEnc.NoiseOff / float64(len(group))
			s.haarEnc.NoiseOn += c.HaarEnc.NoiseOn / float64(len(group))
			s.jointEnc.S4d += c.JointEnc.S4d / float64(len(group))
			s.jointEnc.NoiseOff += c.JointEnc.NoiseOff / float64(len(group))
			s.jointEnc.NoiseOn += c.JointEnc.NoiseOn / float64(len(group))
		}
		s.mmse, s.haar, s.joint, s.vsHaar = avgMeasured(mm), avgMeasured(hs), avgMeasured(js), avgPaired(vs)
		// Learning curve averaged over seeds (same validation steps).
		s.curve = JointCurve{Steps: group[0].Curve.Steps, Loss: make([]float64, len(group[0].Curve.Loss))}
		for _, c := range group {
			for j := range s.curve.Loss {
				if j < len(c.Curve.Loss) {
					s.curve.Loss[j] += c.Curve.Loss[j] / float64(len(group))
				}
			}
		}
		for t := range group[0].Unrolled {
			var f, u []Measured
			var g []Paired
			for _, c := range group {
				f, u, g = append(f, c.Unrolled[t].Fixed), append(u, c.Unrolled[t].Joint), append(g, c.Unrolled[t].Gain)
			}
			s.fixed, s.unr, s.unrGain = append(s.fixed, avgMeasured(f)), append(s.unr, avgMeasured(u)), append(s.unrGain, avgPaired(g))
		}
		out = append(out, s)
		i = k
	}
	return out
}

// WriteJoint writes OutDir/joint.csv and joint.json (one row per cell),
// curves.png (the joint shallow networks' learning curves) and report.md.
func WriteJoint(c JointConfig, cells []JointCell) error {
	var tab [][]string
	for _, e := range cells {
		row := []string{e.Prior, num(e.Rate), strconv.Itoa(e.Dim), strconv.Itoa(e.Seed), num(e.HaarMMSE.Prediction),
			num(e.HaarMMSE.Loss), num(e.HaarSpline.Loss), num(e.HaarSpline.StdErr), num(e.JointSpline.Loss), num(e.JointSpline.StdErr),
			num(e.JointVsHaar.Mean), num(e.JointVsHaar.StdErr), num(e.HaarEnc.S4d), num(e.JointEnc.S4d),
			num(e.HaarEnc.NoiseOff), num(e.HaarEnc.NoiseOn), num(e.JointEnc.NoiseOff), num(e.JointEnc.NoiseOn)}
		for _, u := range e.Unrolled {
			row = append(row, num(u.Fixed.Prediction), num(u.Fixed.Loss), num(u.Joint.Loss), num(u.Gain.Mean), num(u.Gain.StdErr))
		}
		tab = append(tab, row)
	}
	header := []string{"prior", "rate", "dim", "seed", "denoiser_prediction", "haar_mmse", "haar_spline", "haar_spline_se",
		"joint_spline", "joint_spline_se", "joint_minus_haar", "joint_minus_haar_se", "haar_s4d", "joint_s4d",
		"haar_noise_off", "haar_noise_on", "joint_noise_off", "joint_noise_on"}
	for _, T := range c.Layers {
		t := strconv.Itoa(T)
		header = append(header, "se_T"+t, "fixed_T"+t, "joint_T"+t, "joint_minus_fixed_T"+t, "joint_minus_fixed_se_T"+t)
	}
	if err := writeData(c.OutDir, "joint", header, tab, c, cells); err != nil {
		return err
	}
	sums := summarizeJoint(cells)
	if err := plotJoint(c, sums, filepath.Join(c.OutDir, "curves.png")); err != nil {
		return err
	}
	return writeReport(c.OutDir, jointReport(c, sums))
}

func jointReport(c JointConfig, sums []jointSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## End-to-end training: encoder and nonlinear decoder learned together\n\n")
	fmt.Fprintf(&b, "d = %d, %d seeds per row (each its own encoders and %d test signals; ± is one standard error of the seed average). "+
		"*Haar*: a Haar encoder with the MMSE denoiser of its effective channel and with a 16-knot spline fitted by least squares. "+
		"*Joint shallow*: the spline decoder x_hat = f(A s) trained together with its encoder B by Adam (straight-through "+
		"surrogate, %d steps of size %.2g decaying linearly to a tenth, batch 64, early stopping on %d held-out signals) from a **random** start (i.i.d. Gaussian unit rows). "+
		"*Unrolled*: VAMP with T layers (THEORY.md 7.2) on the Haar encoder (fixed), and trained jointly with its encoder (the "+
		"layers' matrix tied to it; %d steps from the fixed algorithm). Predictions (d -> infinity): mmse(2r/(pi - 2r)) for the "+
		"shallow decoders (THEORY.md 5), the state evolution at layer T for the unrolled ones; every measurement at finite d sits "+
		"a positive O(1/d) above them (THEORY.md 10: about 5-7/d for BG(0.1)). Learning curves: curves.png.\n\n",
		c.Dim, c.Seeds, c.TestSignals, c.ShallowSteps, shallowLR(c.Dim), c.ValSignals, c.UnrolledSteps)
	b.WriteString("| prior | r | mmse pred | Haar + MMSE | Haar + spline | joint shallow | joint - Haar spline |")
	for _, T := range c.Layers {
		fmt.Fprintf(&b, " SE T=%d | fixed VAMP T=%d (Haar) | joint T=%d | joint - fixed |", T, T, T)
	}
	b.WriteString("\n|---|---|---|---|---|---|---|" + strings.Repeat("---|---|---|---|", len(c.Layers)) + "\n")
	for _, s := range sums {
		fmt.Fprintf(&b, "| %s | %g | %.4f | %.4f ± %.4f | %.4f ± %.4f | %.4f ± %.4f | %+.4f ± %.4f |", s.prior, s.rate, s.mmse.Prediction,
			s.mmse.Loss, s.mmse.StdErr, s.haar.Loss, s.haar.StdErr, s.joint.Loss, s.joint.StdErr, s.vsHaar.Mean, s.vsHaar.StdErr)
		for t := range s.fixed {
			fmt.Fprintf(&b, " %.4f | %.4f ± %.4f | %.4f ± %.4f | %+.4f ± %.4f |", s.fixed[t].Prediction, s.fixed[t].Loss, s.fixed[t].StdErr,
				s.unr[t].Loss, s.unr[t].StdErr, s.unrGain[t].Mean, s.unrGain[t].StdErr)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nThe learned encoder (joint shallow) against Haar rows: row flatness S4·d (Haar: 3d/(d+2)) and the noise variance of " +
		"the effective channel u/mu - x off and on the support of x (as in results/encoders).\n\n")
	b.WriteString("| prior | r | S4·d Haar | S4·d joint | noise off / on, Haar | noise off / on, joint |\n|---|---|---|---|---|---|\n")
	for _, s := range sums {
		fmt.Fprintf(&b, "| %s | %g | %.2f | %.2f | %.3f / %.3f | %.3f / %.3f |\n", s.prior, s.rate, s.haarEnc.S4d, s.jointEnc.S4d,
			s.haarEnc.NoiseOff, s.haarEnc.NoiseOn, s.jointEnc.NoiseOff, s.jointEnc.NoiseOn)
	}
	b.WriteString("\n" + jointVerdict(sums) + "\n")
	return b.String()
}

// jointVerdict states, from the measurements, whether joint training helps
// or hurts against the Haar encoder (a paired difference beyond 3 se).
func jointVerdict(sums []jointSummary) string {
	var better, worse, tie, flatter, quieter, ubetter, uworse, utie int
	for _, s := range sums {
		switch {
		case s.vsHaar.Mean < -3*s.vsHaar.StdErr:
			better++
			if s.jointEnc.S4d < s.haarEnc.S4d {
				flatter++
			}
			if s.jointEnc.NoiseOff < s.haarEnc.NoiseOff {
				quieter++
			}
		case s.vsHaar.Mean > 3*s.vsHaar.StdErr:
			worse++
		default:
			tie++
		}
		for _, g := range s.unrGain {
			switch {
			case g.Mean < -3*g.StdErr:
				ubetter++
			case g.Mean > 3*g.StdErr:
				uworse++
			default:
				utie++
			}
		}
	}
	return fmt.Sprintf("Verdict (paired differences beyond 3 se): the jointly trained shallow network, from a random start, is better than "+
		"the Haar encoder with the same spline decoder in %d of %d (prior, r), worse in %d, indistinguishable in %d; of its wins, %d "+
		"come with flatter rows than Haar (smaller S4·d, so a smaller finite-d offset, THEORY.md 3) and %d with less channel noise "+
		"off the support of x than Haar rows have. The jointly trained unrolled decoders beat fixed VAMP on their Haar start in %d of "+
		"%d (prior, r, T), lose in %d, tie in %d. Losses against Haar mean that training from a random start has not reached the "+
		"Haar encoder within the step budget.",
		better, len(sums), worse, tie, flatter, quieter, ubetter, ubetter+uworse+utie, uworse, utie)
}

// plotJoint draws the seed-averaged learning curves of the joint shallow
// networks (held-out loss against step), one line per (prior, r), with the
// Haar + spline loss of the same row as a dashed line.
func plotJoint(c JointConfig, sums []jointSummary, path string) error {
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("joint shallow + spline from a random start, d = %d (dashed: Haar + spline)", c.Dim)
	pl.X.Label.Text = "Adam step"
	pl.Y.Label.Text = "held-out loss"
	palette := []color.Color{color.RGBA{31, 119, 180, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{44, 160, 44, 255},
		color.RGBA{148, 103, 189, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{23, 190, 207, 255}}
	for i, s := range sums {
		pts := make(plotter.XYs, len(s.curve.Steps))
		for k := range pts {
			pts[k].X, pts[k].Y = float64(s.curve.Steps[k]), s.curve.Loss[k]
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		l.Color = col
		h, err := plotter.NewLine(plotter.XYs{{X: 0, Y: s.haar.Loss}, {X: float64(c.ShallowSteps), Y: s.haar.Loss}})
		if err != nil {
			return err
		}
		h.Color, h.Dashes = col, []vg.Length{vg.Points(4), vg.Points(3)}
		pl.Add(l, h)
		pl.Legend.Add(fmt.Sprintf("%s r=%g", s.prior, s.rate), l)
	}
	// Head-room above the curves for the legend.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range sums {
		for _, v := range append(s.curve.Loss, s.haar.Loss) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi > lo {
		pl.Y.Max = hi + 0.35*(hi-lo)
	}
	pl.Legend.Top = true
	return output.WritePlot(pl, 7*vg.Inch, 5*vg.Inch, path)
}
