package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// TestRefitRankDeficient: the encoder [I; I] (every row twice) has a
// rank-deficient code Gram matrix; the minimum-norm least-squares decoder
// splits each weight between the two copies, so its predictions, and hence
// its loss on the same fresh signals, equal those of the identity encoder's
// refit on the same training signals, to rounding (1e-9). A solver that
// mishandles the rank deficiency (THEORY.md 4.3: pivoted QR gave 0.80
// instead of 0.03) fails by orders of magnitude. The identity's loss itself
// is 1 - (E|x|)^2/(1-q^2) = 0.4118 for SR(0.3), plus the held-out penalty
// of a 17-parameter fit on 20000 signals, 17/20000 * 0.41 = 3.5e-4; the
// bound is that plus 4 se.
func TestRefitRankDeficient(t *testing.T) {
	const d, N = 16, 20000
	p := prior.SparseRademacher{P: 0.3}
	one, two := mat.New[float64](d, d), mat.New[float64](2*d, d)
	for i := range d {
		one.Set(i, i, 1)
		two.Set(i, i, 1)
		two.Set(d+i, i, 1)
	}
	for _, bias := range []bool{true, false} {
		f1, err := RefitDecoder(one, p, rand.New(rand.NewPCG(1, 2)), N, bias)
		if err != nil {
			t.Fatal(err)
		}
		f2, err := RefitDecoder(two, p, rand.New(rand.NewPCG(1, 2)), N, bias)
		if err != nil {
			t.Fatal(err)
		}
		if want := d + map[bool]int{true: 1, false: 0}[bias]; f2.Rank != want {
			t.Errorf("bias %v: rank %d, want %d", bias, f2.Rank, want)
		}
		l1, _ := f1.Loss(one, p, rand.New(rand.NewPCG(3, 4)), N)
		l2, _ := f2.Loss(two, p, rand.New(rand.NewPCG(3, 4)), N)
		if math.Abs(l1.Mean-l2.Mean) > 1e-9 {
			t.Errorf("bias %v: duplicated rows %.6f, identity %.6f", bias, l2.Mean, l1.Mean)
		}
		if bias {
			want := 1 - p.AbsMoment()*p.AbsMoment()/(1-0.49)
			if math.Abs(l1.Mean-want) > 3.5e-4+4*l1.StdErr {
				t.Errorf("identity refit with bias: %.5f ± %.5f, want %.5f", l1.Mean, l1.StdErr, want)
			}
		}
	}
	if _, err := RefitDecoder(one, p, rand.New(rand.NewPCG(1, 2)), 1, true); err == nil {
		t.Error("1 signal accepted")
	}
}
