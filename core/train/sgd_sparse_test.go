package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
)

// newPairedRuns returns two SGD runs on copies of one model (tied decoder,
// so that the first step's gradients are not zero) with identically seeded
// sources, the first with the sparse batch products, the second with them
// switched off.
func newPairedRuns(t *testing.T, d, n, batch, steps int) (sparse, dense *SGDRun) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	m64 := model.New[float64](d, n)
	m64.InitGaussian(rng)
	m64.SetTiedDecoder(1 / math.Sqrt(float64(d)))
	var runs [2]*SGDRun
	for i := range runs {
		r, err := NewSGDRun(model.Convert[float32](m64), prior.BernoulliGaussian{P: 0.1}, rand.New(rand.NewPCG(9, 10)), SGDConfig{Steps: steps, Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = r
	}
	if runs[0].sparse == nil {
		t.Fatal("BG(0.1) batches do not use the sparse products")
	}
	runs[1].sparse = nil
	return runs[0], runs[1]
}

func relDiff(a, b []float32) float64 {
	var num, den float64
	for i := range a {
		e := float64(a[i]) - float64(b[i])
		num += e * e
		den += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(num / den)
}

// TestSGDSparseStepMatchesDense: one SGD step with the sparse batch products
// (kernel.SpMM on the nonzeros of X) against the dense ones, same model and
// batch. The loss and the gradients dA and dB may differ only by the order
// of float32 rounding: each entry is a sum of at most N d products, so the
// relative difference is of order sqrt(N) 2^-24 ~ 1e-6 (Higham's
// probabilistic bound); we allow 1e-4, which a 1% error in either product
// (relative difference 1e-2) exceeds a hundredfold. (Planted: dB scaled by
// 1.02 in backwardB fails at 2e-2.)
func TestSGDSparseStepMatchesDense(t *testing.T) {
	sp, de := newPairedRuns(t, 96, 40, 128, 10)
	ls, err := sp.Step(1)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := de.Step(1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ls-ld) > 1e-6*ld {
		t.Errorf("loss %v sparse, %v dense", ls, ld)
	}
	t.Logf("relative differences: dB %.2g, dA %.2g", relDiff(sp.gb.Data, de.gb.Data), relDiff(sp.ga.Data, de.ga.Data))
	if r := relDiff(sp.gb.Data, de.gb.Data); !(r <= 1e-4) {
		t.Errorf("dB differs by %.3g (relative)", r)
	}
	if r := relDiff(sp.ga.Data, de.ga.Data); !(r <= 1e-4) {
		t.Errorf("dA differs by %.3g (relative)", r)
	}
}

// TestSGDSparseTrainsAsDense trains the paired runs for 400 steps on the
// same batches and compares the mean batch loss of the last 100 steps. The
// runs differ only by rounding (6e-8 relative in dB), which here changes no
// code bit and no Adam step measurably: the two means agree to 9 digits
// (0.694718554), against a standard error of 0.0028 for either. We allow 1
// standard error of the sparse run's mean (computed from its 100 losses),
// well below what an unpaired test would need; a bias of 1% of the loss
// (0.007) exceeds it. (Adam is blind to a constant factor in a gradient, so
// a 2% error in dB moves the mean by 3e-5 only: the step test above, not
// this one, catches that.)
func TestSGDSparseTrainsAsDense(t *testing.T) {
	const steps, tail = 400, 100
	sp, de := newPairedRuns(t, 64, 32, 256, steps)
	var ms, md, m2 float64
	for step := 1; step <= steps; step++ {
		ls, err := sp.Step(step)
		if err != nil {
			t.Fatal(err)
		}
		ld, err := de.Step(step)
		if err != nil {
			t.Fatal(err)
		}
		if step > steps-tail {
			ms += ls / tail
			md += ld / tail
			m2 += ls * ls / tail
		}
	}
	se := math.Sqrt((m2 - ms*ms) / tail)
	t.Logf("mean loss of the last %d steps: sparse %.9f, dense %.9f (se %.2g)", tail, ms, md, se)
	if math.Abs(ms-md) > se {
		t.Errorf("sparse %.6f, dense %.6f: differ by more than 1 se = %.2g", ms, md, se)
	}
}
