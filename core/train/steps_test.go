package train

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/seed05b1c944/onebit/core/amp"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// The tests of this file hold one step of each trainer to a direct float64
// implementation of its documented formula on a small case, so that a bug
// in a step (an optimiser constant, a schedule, which rows are renormalised,
// which parameters early stopping restores) fails exactly, not through a
// final loss that averages it away.

// refAdam is Adam as Kingma and Ba state it (beta1 0.9, beta2 0.999, eps 1e-8):
// m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, w -= lr mhat/(sqrt(vhat) + eps)
// with mhat = m/(1-b1^t), vhat = v/(1-b2^t).
type refAdam struct{ m, v []float64 }

func (a *refAdam) step(w, g []float64, lr float64, t int) {
	if a.m == nil {
		a.m, a.v = make([]float64, len(w)), make([]float64, len(w))
	}
	for i, gi := range g {
		a.m[i] = 0.9*a.m[i] + 0.1*gi
		a.v[i] = 0.999*a.v[i] + 0.001*gi*gi
		mh := a.m[i] / (1 - math.Pow(0.9, float64(t)))
		vh := a.v[i] / (1 - math.Pow(0.999, float64(t)))
		w[i] -= lr * mh / (math.Sqrt(vh) + 1e-8)
	}
}

func f64s[T float32 | float64](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// closeTo reports the first index where |got - want| > abs + rel max|want|.
func closeTo(got, want []float64, abs, rel float64) (int, bool) {
	var mx float64
	for _, w := range want {
		mx = max(mx, math.Abs(w))
	}
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= abs+rel*mx) {
			return i, false
		}
	}
	return -1, true
}

// TestAdamStepMatchesReference: three steps of the SGD trainer's Adam on
// fixed gradients equal refAdam. The trainer folds the bias corrections into
// the step size (lr sqrt(1-b2^t)/(1-b1^t), the form of Kingma and Ba's
// section 2), which moves eps to eps/sqrt(1-b2^t) <= 3.2e-7 beside
// sqrt(vhat) >= 0.05 here: relative 1e-5 of a step of size lr; float32
// weights of size <= 2 round to 1.2e-7. Tolerance 2e-7 + 1e-4 lr.
func TestAdamStepMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, lr = 50, 0.01
	w32 := make([]float32, n)
	for i := range w32 {
		w32[i] = float32(rng.NormFloat64())
	}
	w := f64s(w32)
	a, ref := newAdam(n), &refAdam{}
	for step := 1; step <= 3; step++ {
		g32 := make([]float32, n)
		for i := range g32 {
			g32[i] = float32((0.05 + rng.Float64()) * float64(1-2*rng.IntN(2)))
		}
		a.step(w32, g32, lr, step)
		ref.step(w, f64s(g32), lr, step)
		if i, ok := closeTo(f64s(w32), w, 2e-7+1e-4*lr, 0); !ok {
			t.Fatalf("step %d weight %d: %v, reference Adam %v", step, i, w32[i], w[i])
		}
	}
}

// sgdReference is one SGD step in float64 from the float32 state, as
// documented on SGD: with E = X_hat - X and sign(0) = +1,
// dA = (2/(N d)) E^T S, dS = (2/(N d)) E A, dZ = dS o sign'(Z), dB = dZ^T X.
func sgdReference(b, a, x []float64, N, d, n int, surr Surrogate, beta float64) (loss float64, ga, gb []float64) {
	z := make([]float64, N*n)
	s := make([]float64, N*n)
	for r := 0; r < N; r++ {
		for i := 0; i < n; i++ {
			var v float64
			for j := 0; j < d; j++ {
				v += b[i*d+j] * x[r*d+j]
			}
			z[r*n+i] = v
			s[r*n+i] = 1
			if v < 0 {
				s[r*n+i] = -1
			}
		}
	}
	e := make([]float64, N*d)
	for r := 0; r < N; r++ {
		for k := 0; k < d; k++ {
			var v float64
			for i := 0; i < n; i++ {
				v += a[k*n+i] * s[r*n+i]
			}
			e[r*d+k] = v - x[r*d+k]
			loss += e[r*d+k] * e[r*d+k]
		}
	}
	c := 2 / float64(N*d)
	loss /= float64(N * d)
	ga = make([]float64, d*n)
	gb = make([]float64, n*d)
	for r := 0; r < N; r++ {
		for i := 0; i < n; i++ {
			var ds float64
			for k := 0; k < d; k++ {
				ga[k*n+i] += c * e[r*d+k] * s[r*n+i]
				ds += c * e[r*d+k] * a[k*n+i]
			}
			switch surr {
			case AnnealedTanh:
				th := math.Tanh(beta * z[r*n+i])
				ds *= beta * (1 - th*th)
			default:
				if math.Abs(z[r*n+i]) > 1 {
					ds = 0
				}
			}
			for j := 0; j < d; j++ {
				gb[i*d+j] += ds * x[r*d+j]
			}
		}
	}
	return loss, ga, gb
}

// TestSGDStepMatchesReference runs three SGD steps on d = 7, n = 5, N = 6 (n
// != d, so a confusion of the two shows) for each surrogate, with and
// without renormalisation, and holds the loss, both gradients, the Adam
// update and the row renormalisation to sgdReference + refAdam on the same
// signals. The annealed tanh uses beta = 30^((t-1)/(Steps-1)).
// Tolerances: the trainer works in float32 (relative 6e-8 per rounding, a
// few dozen roundings per entry): gradients and loss 2e-5 of their largest
// entry; weights as in TestAdamStepMatchesReference, 2e-7 + 1e-4 lr, plus
// what the float32 gradients' rounding moves an Adam step (relative 1e-5).
func TestSGDStepMatchesReference(t *testing.T) {
	const d, n, N, steps, lr = 7, 5, 6, 3, 0.01
	for _, surr := range []Surrogate{StraightThrough, AnnealedTanh} {
		for _, keep := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(7, uint64(surr)))
			m := model.New[float32](d, n)
			m.InitGaussian(rng)
			for i := range m.A.Data {
				m.A.Data[i] = float32(rng.NormFloat64() / math.Sqrt(n))
			}
			b, a := f64s(m.B.Data), f64s(m.A.Data)
			cfg := SGDConfig{Steps: steps, Batch: N, LR: lr, Surrogate: surr, KeepScale: keep}
			run, err := NewSGDRun(m, prior.Gaussian{}, rand.New(rand.NewPCG(3, 4)), cfg)
			if err != nil {
				t.Fatal(err)
			}
			data := rand.New(rand.NewPCG(3, 4)) // the trainer's draws, replayed
			oa, ob := &refAdam{}, &refAdam{}
			for step := 1; step <= steps; step++ {
				x32 := make([]float32, N*d)
				prior.FillBatch(prior.Gaussian{}, data, x32) // the trainer draws its batches with FillBatch
				beta := math.Pow(30, float64(step-1)/float64(steps-1))
				wantLoss, ga, gb := sgdReference(b, a, f64s(x32), N, d, n, surr, beta)
				loss, err := run.Step(step)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(loss-wantLoss) > 2e-5*wantLoss {
					t.Fatalf("surrogate %d keep %v step %d: loss %v, reference %v", surr, keep, step, loss, wantLoss)
				}
				if i, ok := closeTo(f64s(run.ga.Data), ga, 0, 2e-5); !ok {
					t.Fatalf("surrogate %d keep %v step %d: dA[%d] = %v, reference %v", surr, keep, step, i, run.ga.Data[i], ga[i])
				}
				if i, ok := closeTo(f64s(run.gb.Data), gb, 0, 2e-5); !ok {
					t.Fatalf("surrogate %d keep %v step %d: dB[%d] = %v, reference %v", surr, keep, step, i, run.gb.Data[i], gb[i])
				}
				oa.step(a, ga, lr, step)
				ob.step(b, gb, lr, step)
				if !keep {
					for i := 0; i < n; i++ {
						row := b[i*d : (i+1)*d]
						var s float64
						for _, v := range row {
							s += v * v
						}
						for j := range row {
							row[j] /= math.Sqrt(s)
						}
					}
				}
				tol := 2e-7 + 1e-4*lr
				if i, ok := closeTo(f64s(m.A.Data), a, tol, 1e-5); !ok {
					t.Fatalf("surrogate %d keep %v step %d: A[%d] = %v, reference %v", surr, keep, step, i, m.A.Data[i], a[i])
				}
				if i, ok := closeTo(f64s(m.B.Data), b, tol, 1e-5); !ok {
					t.Fatalf("surrogate %d keep %v step %d: B[%d] (row %d) = %v, reference %v", surr, keep, step, i, i/d, m.B.Data[i], b[i])
				}
				// Resynchronise on the trainer's float32 weights, so that rounding
				// does not accumulate over the steps.
				b, a = f64s(m.B.Data), f64s(m.A.Data)
			}
		}
	}
}

// popReference is the population loss of THEORY.md 2.1 and its B and A
// gradients (THEORY.md 2.2) for one support mask, written with plain loops
// from the formulas on PopulationGrad (math.Asin, no kernels):
//
//	K = B S B^T, D = diag(k^-1/2), R = D K D, C = (2/pi) arcsin R,
//	M = sqrt(2/pi) D B S, L = (1/d)[tr S - 2 tr(A M) + tr(A C A^T)],
//	dL/dB = (1/d){-2 sqrt(2/pi)[D A^T S - diag(alpha k^-3/2) B S] + 2[D H D - diag(h)] B S},
//	H = (2/pi) G o (1 - R o R)^-1/2 (zero diagonal), G = A^T A,
//	alpha_i = A^T_i . (S b_i), h_i = sum_j H_ij R_ij / k_i,
//
// with S = diag(mask)/p.
func popReference(b, a []float64, d, n int, mask []bool, p float64) (loss float64, c, mm, gb []float64) {
	sv := make([]float64, d)
	var trS float64
	for j, on := range mask {
		if on {
			sv[j] = 1 / p
			trS += sv[j]
		}
	}
	K := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for l := 0; l < n; l++ {
			for j := 0; j < d; j++ {
				K[i*n+l] += b[i*d+j] * sv[j] * b[l*d+j]
			}
		}
	}
	k := func(i int) float64 { return K[i*n+i] }
	R := make([]float64, n*n)
	c = make([]float64, n*n)
	G := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for l := 0; l < n; l++ {
			R[i*n+l] = K[i*n+l] / math.Sqrt(k(i)*k(l))
			c[i*n+l] = 2 / math.Pi * math.Asin(R[i*n+l])
			if i == l {
				c[i*n+l] = 1
			}
			for j := 0; j < d; j++ {
				G[i*n+l] += a[j*n+i] * a[j*n+l]
			}
		}
	}
	mm = make([]float64, n*d)
	sq := math.Sqrt(2 / math.Pi)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mm[i*d+j] = sq / math.Sqrt(k(i)) * b[i*d+j] * sv[j]
		}
	}
	loss = trS
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			loss -= 2 * a[j*n+i] * mm[i*d+j]
		}
		for l := 0; l < n; l++ {
			loss += G[i*n+l] * c[i*n+l]
		}
	}
	loss /= float64(d)
	H := make([]float64, n*n)
	h := make([]float64, n)
	for i := 0; i < n; i++ {
		for l := 0; l < n; l++ {
			if i != l {
				H[i*n+l] = 2 / math.Pi * G[i*n+l] / math.Sqrt(1-R[i*n+l]*R[i*n+l])
				h[i] += H[i*n+l] * R[i*n+l] / k(i)
			}
		}
	}
	gb = make([]float64, n*d)
	for i := 0; i < n; i++ {
		var alpha float64
		for j := 0; j < d; j++ {
			alpha += a[j*n+i] * sv[j] * b[i*d+j]
		}
		for j := 0; j < d; j++ {
			v := -2 * sq * (a[j*n+i]*sv[j]/math.Sqrt(k(i)) - alpha*math.Pow(k(i), -1.5)*b[i*d+j]*sv[j])
			var hb float64
			for l := 0; l < n; l++ {
				hb += H[i*n+l] / math.Sqrt(k(i)*k(l)) * b[l*d+j] * sv[j]
			}
			hb -= h[i] * b[i*d+j] * sv[j]
			gb[i*d+j] = (v + 2*hb) / float64(d)
		}
	}
	return loss, c, mm, gb
}

// TestPopulationStepMatchesReference takes population-GD steps for BG(0.3) on
// d = 12, n = 7 and holds the returned loss and the new (A, B) to a direct
// implementation: masks a_j ~ Bern(p) drawn from a replay of the trainer's
// generator (u < p per coordinate), popReference averaged over the masks,
// the learning-rate decay f = 0.01^((t - 0.4)/0.6) for t = step/Steps > 0.4,
// the encoder update u_i = f LRB d dL/db_i clipped to norm ClipB, the
// decoder step A <- A - f LRA (A C - M^T) (THEORY.md 2.4), and every row of
// B - u renormalised. ClipB is set between the update norms so that some rows
// are clipped and some not, and some squared norms lie between ClipB^2 and
// ClipB. Steps 2 (no decay), 5 (t = 0.5, just inside the decay) and 8 of
// 10 are checked. Tolerance:
// rounding of sums of O(n d) terms of size O(1/(1 - rho^2)^(1/2)) < 1e3,
// relative 1e-10.
func TestPopulationStepMatchesReference(t *testing.T) {
	const d, n, p, masks = 12, 7, 0.3, 3
	for _, step := range []int{2, 5, 8} {
		rng := rand.New(rand.NewPCG(11, uint64(step)))
		m := model.New[float64](d, n)
		m.InitGaussian(rng)
		for i := range m.A.Data {
			m.A.Data[i] = rng.NormFloat64() / math.Sqrt(n)
		}
		b, a := slices.Clone(m.B.Data), slices.Clone(m.A.Data)
		data := rand.New(rand.NewPCG(5, 6))
		var ms [][]bool
		for range masks {
			mk := make([]bool, d)
			for j := range mk {
				mk[j] = data.Float64() < p
			}
			ms = append(ms, mk)
		}
		var loss float64
		c, mm, gb := make([]float64, n*n), make([]float64, n*d), make([]float64, n*d)
		for _, mk := range ms {
			l, c1, m1, g1 := popReference(b, a, d, n, mk, p)
			loss += l / masks
			for i := range c {
				c[i] += c1[i] / masks
			}
			for i := range mm {
				mm[i] += m1[i] / masks
				gb[i] += g1[i] / masks
			}
		}
		const lrA, lrB, steps = 0.3, 0.05, 10
		f := 1.0
		if tt := float64(step) / steps; tt > 0.4 {
			f = math.Pow(0.01, (tt-0.4)/0.6)
		}
		u := make([]float64, n*d)
		norms := make([]float64, n)
		for i := range u {
			u[i] = f * lrB * d * gb[i]
			norms[i/d] += u[i] * u[i]
		}
		sorted := slices.Clone(norms)
		sort.Float64s(sorted)
		clip := math.Sqrt(sorted[n/2]) // the median row is at the bound
		if !(sorted[0] < clip && clip < 1) {
			t.Fatalf("setup: update norms^2 %v do not straddle ClipB in (0, 1)", sorted)
		}
		for i := 0; i < n; i++ {
			if norms[i] > clip*clip {
				for j := 0; j < d; j++ {
					u[i*d+j] *= clip / math.Sqrt(norms[i])
				}
			}
		}
		na := slices.Clone(a)
		for j := 0; j < d; j++ {
			for i := 0; i < n; i++ {
				var ac float64
				for l := 0; l < n; l++ {
					ac += a[j*n+l] * c[l*n+i]
				}
				na[j*n+i] = a[j*n+i] - f*lrA*(ac-mm[i*d+j])
			}
		}
		nb := slices.Clone(b)
		for i := 0; i < n; i++ {
			var s float64
			for j := 0; j < d; j++ {
				nb[i*d+j] -= u[i*d+j]
				s += nb[i*d+j] * nb[i*d+j]
			}
			for j := 0; j < d; j++ {
				nb[i*d+j] /= math.Sqrt(s)
			}
		}
		run, err := NewPopulationRun(m, prior.BernoulliGaussian{P: p}, rand.New(rand.NewPCG(5, 6)),
			PopulationConfig{Steps: steps, Masks: masks, LRA: lrA, LRB: lrB, ClipB: clip})
		if err != nil {
			t.Fatal(err)
		}
		got, err := run.Step(step)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-loss) > 1e-10*math.Abs(loss) {
			t.Errorf("step %d: loss %.15g, reference %.15g", step, got, loss)
		}
		if i, ok := closeTo(m.A.Data, na, 0, 1e-10); !ok {
			t.Errorf("step %d: A[%d] = %.15g, reference %.15g", step, i, m.A.Data[i], na[i])
		}
		if i, ok := closeTo(m.B.Data, nb, 0, 1e-10); !ok {
			t.Errorf("step %d: B[%d] (row %d) = %.15g, reference %.15g", step, i, i/d, m.B.Data[i], nb[i])
		}
	}
}

// TestSampleMaskProbability: the support masks of the population trainer
// have P(a_j = 1) = p. Over K masks of d coordinates the count of active
// coordinates is Binomial(K d, p); the test fails beyond 5 standard
// deviations (two-sided false-failure probability 5.7e-7 per p). With
// K d = 4e6 a 1% error in p moves the count by 4e-2 p K d / sd
// = 6.7 sd at p = 0.1 (and more for larger p), so it is seen.
func TestSampleMaskProbability(t *testing.T) {
	const d, K = 1000, 4000
	g := NewPopulationGrad(d, 1)
	rng := rand.New(rand.NewPCG(21, 22))
	for _, p := range []float64{0.05, 0.1, 0.3} {
		var count int
		for range K {
			count += len(g.SampleMask(rng, p))
		}
		N := float64(K * d)
		z := (float64(count) - N*p) / math.Sqrt(N*p*(1-p))
		if math.Abs(z) > 5 {
			t.Errorf("p = %v: %d active of %v, z = %.2f", p, count, N, z)
		}
	}
	if s := g.SampleMask(rng, 1); len(s) != d {
		t.Errorf("p = 1: %d active coordinates, want all %d", len(s), d)
	}
}

// TestFitUnrolledStepsAndRestore replays FitUnrolled's batches and holds
// every step's parameters to a hand-written Adam (refAdam, whose form is the
// trainer's exactly: bias-corrected moments) on the gradient of the same
// batch, to rounding (1e-12 relative; the parameters are float64), checks
// that validation happens at step 0, every EvalEvery steps and after the last
// step (13, off the interval), and then checks early stopping: Best is the first index of the smallest validation
// loss, and the returned parameters are those that were validated at
// ValidationStep[Best] (the initial ones for Best = 0), with their
// validation loss reproduced. The learning rate is large so that training
// passes its best point before the last step (checked: otherwise the
// restore would not be exercised).
func TestFitUnrolledStepsAndRestore(t *testing.T) {
	const d, n, T, steps, batch, lr = 40, 30, 3, 13, 4, 0.4
	rng := rand.New(rand.NewPCG(31, 32))
	b, err := amp.HaarRows(rng, n, d)
	if err != nil {
		t.Fatal(err)
	}
	p := prior.BernoulliGaussian{P: 0.2}
	u, err := model.NewUnrolledVAMP(b, p, T)
	if err != nil {
		t.Fatal(err)
	}
	ref := u.Clone()
	val := NewSignalSet(p, b, rng, 16)
	snap := map[int][]float64{0: slices.Clone(u.Theta)}
	cfg := UnrolledConfig{Steps: steps, Batch: batch, LR: lr, EvalEvery: 3,
		Progress: func(step, _ int, _ float64) { snap[step] = slices.Clone(u.Theta) }}
	fit, err := FitUnrolled(context.Background(), u, p, rand.New(rand.NewPCG(41, 42)), val, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Replay: the same batches, the gradient of model.UnrolledVAMP (checked by
	// finite differences in core/model), and refAdam.
	data := rand.New(rand.NewPCG(41, 42))
	ws := ref.NewWorkspace(batch)
	tr := SignalSet{X: mat.New[float64](batch, d), Y: mat.New[float64](batch, n)}
	grad := make([]float64, len(ref.Theta))
	adam := &refAdam{}
	for step := 1; step <= steps; step++ {
		prior.Fill(p, data, tr.X.Data)
		model.Encode(tr.Y, b, tr.X)
		if _, err := ref.Gradient(ws, tr.X, tr.Y, grad); err != nil {
			t.Fatal(err)
		}
		adam.step(ref.Theta, grad, lr, step)
		if i, ok := closeTo(snap[step], ref.Theta, 1e-12, 1e-12); !ok {
			t.Fatalf("step %d: Theta[%d] = %.15g, reference Adam %.15g", step, i, snap[step][i], ref.Theta[i])
		}
	}
	// Validation at step 0, every EvalEvery steps, and after the last step.
	if want := []int{0, 3, 6, 9, 12, 13}; !slices.Equal(fit.ValidationStep, want) {
		t.Fatalf("validated after steps %v, want %v", fit.ValidationStep, want)
	}
	best := 0
	for i, v := range fit.Validation {
		if v < fit.Validation[best] {
			best = i
		}
	}
	if fit.Best != best {
		t.Fatalf("Best = %d, but the smallest validation loss is at %d: %v", fit.Best, best, fit.Validation)
	}
	if best == len(fit.Validation)-1 {
		t.Fatalf("setup: the last validation is the best (%v); the restore is not exercised", fit.Validation)
	}
	want := snap[fit.ValidationStep[best]]
	if !slices.Equal(u.Theta, want) {
		t.Fatalf("returned Theta %v, want the parameters of step %d %v", u.Theta, fit.ValidationStep[best], want)
	}
	l, err := UnrolledLoss(u, u.NewWorkspace(16), val)
	if err != nil || l != fit.Validation[best] {
		t.Fatalf("validation loss of the returned network %v (%v), recorded %v", l, err, fit.Validation[best])
	}
	t.Logf("validation %v, best step %d", fit.Validation, fit.ValidationStep[best])
}

// TestFitShallowSplineLeastSquares: FitShallowSpline uses the requested
// number of knots, placed by model.UniformKnots on the shallow statistic of
// the training signals, and its values are the least-squares fit: the
// squared error is stationary in every value (central difference with step
// h = 1e-4 of the exact quadratic: (L(+h) - L(-h))/(2h) = dL/dv_j exactly up
// to rounding, bound 1e-9 relative to the curvature term).
func TestFitShallowSplineLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	const d, n, N, knots = 60, 45, 40, 7
	b, err := amp.HaarRows(rng, n, d)
	if err != nil {
		t.Fatal(err)
	}
	p := prior.BernoulliGaussian{P: 0.3}
	sh, err := model.NewShallowLinear(b, model.HaarEnsemble)
	if err != nil {
		t.Fatal(err)
	}
	set := NewSignalSet(p, b, rng, N)
	s, err := FitShallowSpline(sh, set, knots)
	if err != nil {
		t.Fatal(err)
	}
	v := mat.New[float64](N, d)
	sh.Statistic(v, set.Y)
	want, err := model.UniformKnots(v.Data, knots)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Knots, want) {
		t.Fatalf("knots %v, want %v (model.UniformKnots with %d knots)", s.Knots, want, knots)
	}
	loss := func() float64 {
		var l float64
		for i, x := range v.Data {
			e := s.Eval(x) - set.X.Data[i]
			l += e * e
		}
		return l
	}
	const h = 1e-4
	for j := range s.Values {
		old := s.Values[j]
		s.Values[j] = old + h
		lp := loss()
		s.Values[j] = old - h
		lm := loss()
		s.Values[j] = old
		l0 := loss()
		curv := (lp + lm - 2*l0) / (h * h)
		if g := (lp - lm) / (2 * h); math.Abs(g) > 1e-9*curv+1e-9*l0 {
			t.Errorf("value %d: dL/dv = %g (curvature %g): not the least-squares fit", j, g, curv)
		}
	}
}
