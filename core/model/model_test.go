package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// TestForwardMatchesNaive holds the batched forward pass to a direct loop,
// including sign(0) = +1 on an all-zero signal.
func TestForwardMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	d, n, N := 13, 7, 5
	m := New[float64](d, n)
	m.InitGaussian(rng)
	for i := range m.A.Data {
		m.A.Data[i] = rng.NormFloat64()
	}
	x := mat.New[float64](N, d)
	prior.Fill(prior.Gaussian{}, rng, x.Data[d:]) // row 0 stays zero
	ws := m.NewWorkspace(N)
	_, s, xh := m.Forward(ws, x)
	for r := 0; r < N; r++ {
		for i := 0; i < n; i++ {
			var z float64
			for j := 0; j < d; j++ {
				z += m.B.At(i, j) * x.At(r, j)
			}
			want := 1.0
			if z < 0 {
				want = -1
			}
			if s.At(r, i) != want {
				t.Fatalf("code (%d,%d) = %v, want %v (z = %v)", r, i, s.At(r, i), want, z)
			}
		}
		for j := 0; j < d; j++ {
			var v float64
			for i := 0; i < n; i++ {
				v += m.A.At(j, i) * s.At(r, i)
			}
			if math.Abs(v-xh.At(r, j)) > 1e-12*float64(n) {
				t.Fatalf("x_hat (%d,%d) = %v, want %v", r, j, xh.At(r, j), v)
			}
		}
	}
}

// TestMonteCarloLossExact: for Gaussian x, orthonormal rows and
// A = sqrt(2/pi) B^T the loss is exactly 1 - 2r/pi at every d (THEORY.md 1(a)).
// Rows that are coordinate vectors are orthonormal, so the estimate must land
// within 5 se of the exact value (false-failure rate 6e-7).
func TestMonteCarloLossExact(t *testing.T) {
	d, n := 50, 25
	m := New[float64](d, n)
	for i := 0; i < n; i++ {
		m.B.Set(i, 2*i, 1)
	}
	m.SetTiedDecoder(math.Sqrt(2 / math.Pi))
	est, err := MonteCarloLoss(m, prior.Gaussian{}, rand.New(rand.NewPCG(4, 4)), 20000)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 - 2*0.5/math.Pi
	if math.Abs(est.Mean-want) > 5*est.StdErr {
		t.Errorf("loss %.5f ± %.5f, want %.5f", est.Mean, est.StdErr, want)
	}
	if _, err := MonteCarloLoss(m, prior.Gaussian{}, rand.New(rand.NewPCG(4, 4)), 1); err == nil {
		t.Error("one sample: no error")
	}
}

// TestEncoderShape: a signed permutation has shape (1, 1, d); a flat
// 2-block (rows (±1, ±1)/sqrt 2) has (1/sqrt 2, 2, d/2); a scaled row does
// not change the shape (row normalisation); a zero row is an error.
func TestEncoderShape(t *testing.T) {
	const d = 6
	b := mat.New[float64](d, d)
	for i := range d {
		b.Set(i, (i+2)%d, float64(1-2*(i%2))*float64(i+1))
	}
	s, err := EncoderShape(b)
	if err != nil || s.Identity != 1 || s.Participation != 1 || s.Distinct != d {
		t.Errorf("signed permutation: %+v (%v)", s, err)
	}
	clear(b.Data)
	for i := range d {
		j := i &^ 1
		b.Set(i, j, 3)
		b.Set(i, j+1, float64(1-2*(i%2))*3)
	}
	s, err = EncoderShape(b)
	if err != nil || math.Abs(s.Identity-1/math.Sqrt2) > 1e-15 || math.Abs(s.Participation-2) > 1e-14 || s.Distinct != d/2 {
		t.Errorf("2-blocks: %+v (%v)", s, err)
	}
	clear(b.Row(3))
	if _, err := EncoderShape(b); err == nil {
		t.Error("zero row accepted")
	}
}
