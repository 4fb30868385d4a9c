package amp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// TestHaarRows: B B^T = I to 1e-12 (Householder QR is backward stable:
// ~d eps = 5e-14 at d = 400), and the rows are spread like a Haar rotation:
// mean_i sum_k b_ik^4 = 3/(d+2) in expectation (THEORY.md 1), with a
// standard deviation over the n rows of about sqrt(24/d^3/n) relative ~ 1%;
// 10% is a safe bound. A sign-unfixed QR would fail neither check, so the
// first entry's sign symmetry is also checked: over 400 columns the mean
// of sign(b_1k) has sd 0.05; |mean| < 0.2 is 4 sd.
func TestHaarRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, d := 200, 400
	b, err := HaarRows(rng, n, d)
	if err != nil {
		t.Fatal(err)
	}
	g := mat.New[float64](n, n)
	mat.Mul(g, 1, b, kernel.NoTrans, b, kernel.Trans, 0)
	for i := range n {
		for j := range n {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(g.At(i, j)-want) > 1e-12 {
				t.Fatalf("B B^T [%d,%d] = %v", i, j, g.At(i, j))
			}
		}
	}
	var s4, sgn float64
	for i := range n {
		for _, v := range b.Row(i) {
			s4 += v * v * v * v
		}
	}
	for k := range d {
		sgn += math.Copysign(1, b.At(0, k))
	}
	if got, want := s4/float64(n), 3/float64(d+2); math.Abs(got/want-1) > 0.1 {
		t.Errorf("mean sum b^4 = %v, want %v", got, want)
	}
	if math.Abs(sgn/float64(d)) > 0.2 {
		t.Errorf("first row sign mean %v", sgn/float64(d))
	}
	for _, nd := range [][2]int{{0, 5}, {6, 5}, {3, -1}} {
		if _, err := HaarRows(rng, nd[0], nd[1]); err == nil {
			t.Errorf("HaarRows(%d, %d) accepted", nd[0], nd[1])
		}
	}
}

// TestBadInput: shape and code errors are reported, never panics or NaN.
func TestBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b, _ := GaussianRows(rng, 20, 10)
	x := mat.New[float64](2, 10)
	y := codes(b, x)
	for _, v := range y.Data {
		if v != 1 {
			t.Fatalf("sign(0) = %v, want +1", v)
		}
	}
	p := prior.BernoulliGaussian{P: 0.3}
	if _, err := VAMP(b, y, p, 3, nil); err == nil {
		t.Error("VAMP with n > d accepted")
	}
	if _, err := GAMP(b, y, p, 0, nil); err == nil {
		t.Error("zero iterations accepted")
	}
	if _, err := GAMP(b, mat.New[float64](2, 20), p, 2, nil); err == nil {
		t.Error("codes of zeros accepted")
	}
	if _, err := GAMP(b, y, p, 2, mat.New[float64](3, 10)); err == nil {
		t.Error("truth of the wrong shape accepted")
	}
}

func BenchmarkVAMPIteration(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	d, S := 1000, 16
	enc, _ := HaarRows(rng, d, d)
	p := prior.BernoulliGaussian{P: 0.1}
	x := mat.New[float64](S, d)
	prior.Fill(p, rng, x.Data)
	y := codes(enc, x)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VAMP(enc, y, p, 1, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(S)*float64(b.N)/b.Elapsed().Seconds(), "signal-iters/s")
}

// codes is sign(X B^T) with sign(0) = +1, written out here because the
// encoder's own implementation (model.Encode) lives in a package that
// imports this one.
func codes(b, x *mat.Dense[float64]) *mat.Dense[float64] {
	y := mat.New[float64](x.Rows, b.Rows)
	for s := range x.Rows {
		for i := range b.Rows {
			var z float64
			for j, v := range b.Row(i) {
				z += v * x.At(s, j)
			}
			y.Set(s, i, 1)
			if z < 0 {
				y.Set(s, i, -1)
			}
		}
	}
	return y
}
