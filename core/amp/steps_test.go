package amp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
)

// The tests of this file hold GAMP and VAMP, iteration by iteration, to a
// direct transcription of the recursions documented on them (THEORY.md 7.1,
// 7.2): plain loops over one signal, the inverse Mills ratio as phi/Phi from
// math.Erfc, no GEMM. A wrong correction term (Onsager, extrinsic
// subtraction, a variance normalised by n instead of d) changes the
// estimate from the second iteration on by far more than rounding, while the
// state-evolution comparisons see it only through a Monte Carlo band.

func millsDirect(a float64) float64 {
	return math.Exp(-a*a/2) / math.Sqrt(2*math.Pi) / (0.5 * math.Erfc(-a/math.Sqrt2))
}

func denoiseDirect(c prior.Channel, r []float64, tau float64) (xhat []float64, v float64) {
	xhat = make([]float64, len(r))
	for i, ri := range r {
		m, vi, _ := c.Posterior(ri, tau)
		xhat[i] = m
		v += vi / float64(len(r))
	}
	return xhat, v
}

// gampDirect is the GAMP recursion of GAMP's doc comment for one signal.
func gampDirect(b *mat.Dense[float64], y []float64, c prior.Channel, iters int) [][]float64 {
	n, d := b.Rows, b.Cols
	var fro float64
	for _, v := range b.Data {
		fro += v * v
	}
	xhat, shat := make([]float64, d), make([]float64, n)
	vx := 1.0
	var out [][]float64
	for range iters {
		vp := fro / float64(n) * vx
		var vs float64
		for i := range n {
			var bx float64
			for j := range d {
				bx += b.At(i, j) * xhat[j]
			}
			p := bx - vp*shat[i]
			a := y[i] * p / math.Sqrt(vp)
			h := millsDirect(a)
			shat[i] = y[i] * h / math.Sqrt(vp)
			vs += (a*h + h*h) / float64(n) / vp
		}
		vr := 1 / (fro / float64(d) * vs)
		r := make([]float64, d)
		for j := range d {
			var bs float64
			for i := range n {
				bs += b.At(i, j) * shat[i]
			}
			r[j] = xhat[j] + vr*bs
		}
		var v float64
		xhat, v = denoiseDirect(c, r, vr)
		vx = max(v, VarianceFloor)
		out = append(out, xhat)
	}
	return out
}

// vampDirect is the VAMP recursion of VAMP's doc comment for one signal.
func vampDirect(b *mat.Dense[float64], y []float64, c prior.Channel, iters int) [][]float64 {
	n, d := b.Rows, b.Cols
	rx := make([]float64, d)
	xhat, vx := denoiseDirect(c, rx, math.Inf(1))
	gx := 0.0
	var out [][]float64
	for range iters {
		gw := 1/vx - gx
		rp := make([]float64, d)
		for j := range d {
			rp[j] = (xhat[j]/vx - gx*rx[j]) / gw
		}
		dw := make([]float64, n) // what - p
		var sv float64
		for i := range n {
			var p float64
			for j := range d {
				p += b.At(i, j) * rp[j]
			}
			a := y[i] * p * math.Sqrt(gw)
			h := millsDirect(a)
			dw[i] = y[i] * h / math.Sqrt(gw)
			sv += (1 - h*(a+h)) / gw
		}
		vw := (sv + float64(d-n)/gw) / float64(d)
		gx = 1/vw - gw
		for j := range d {
			var u float64
			for i := range n {
				u += b.At(i, j) * dw[i]
			}
			rx[j] = rp[j] + u/(vw*gx)
		}
		xhat, vx = denoiseDirect(c, rx, 1/gx)
		vx = max(vx, VarianceFloor)
		out = append(out, xhat)
	}
	return out
}

// TestGAMPVAMPMatchDirect: for BG(0.3) and SR(0.5), 2 signals, d = 60 with
// n = 36 and (GAMP only) n = 90, each of the first 4 iterates of GAMP and
// VAMP equals the direct recursion to 1e-9 (estimates of size O(1); the
// messages pass through a few hundred roundings per iteration, amplified
// by the denoiser's slope, measured agreement 4e-15).
func TestGAMPVAMPMatchDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	const d, S, T = 60, 2, 4
	for _, c := range []prior.Channel{prior.BernoulliGaussian{P: 0.3}, prior.SparseRademacher{P: 0.5}} {
		for _, n := range []int{36, 90} {
			x := mat.New[float64](S, d)
			prior.Fill(c, rng, x.Data)
			g, err := GaussianRows(rng, n, d)
			if err != nil {
				t.Fatal(err)
			}
			type alg struct {
				name   string
				b      *mat.Dense[float64]
				run    func(b, y *mat.Dense[float64], c prior.Channel, iters int, truth *mat.Dense[float64]) (*Result, error)
				direct func(b *mat.Dense[float64], y []float64, c prior.Channel, iters int) [][]float64
			}
			algs := []alg{{"GAMP", g, GAMP, gampDirect}}
			if n <= d {
				h, err := HaarRows(rng, n, d)
				if err != nil {
					t.Fatal(err)
				}
				algs = append(algs, alg{"VAMP", h, VAMP, vampDirect})
			}
			for _, a := range algs {
				y := codes(a.b, x)
				for it := 1; it <= T; it++ {
					res, err := a.run(a.b, y, c, it, nil)
					if err != nil {
						t.Fatal(err)
					}
					for s := range S {
						want := a.direct(a.b, y.Row(s), c, it)[it-1]
						for j, w := range want {
							if got := res.Xhat.At(s, j); math.Abs(got-w) > 1e-9 {
								t.Fatalf("%s %s n=%d iteration %d signal %d coord %d: %.15g, direct %.15g", a.name, c.Name(), n, it, s, j, got, w)
							}
						}
					}
				}
			}
		}
	}
}

// TestHaarRowsAreGramSchmidt: HaarRows is the QR of a Gaussian d x n matrix G
// with diag(R) > 0, which is unique: row j of B is the Gram-Schmidt vector of
// column j of G. G is replayed from the same generator (drawn row by row) and
// orthonormalised by modified Gram-Schmidt; rows agree to 1e-10 (a QR of a
// well-conditioned 50 x 20 Gaussian matrix). Without the sign fix some rows
// come out negated (and B is not Haar distributed).
func TestHaarRowsAreGramSchmidt(t *testing.T) {
	const n, d = 20, 50
	b, err := HaarRows(rand.New(rand.NewPCG(91, 92)), n, d)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(91, 92))
	g := make([][]float64, n) // columns of G
	for j := range g {
		g[j] = make([]float64, d)
	}
	for i := range d {
		for j := range n {
			g[j][i] = rng.NormFloat64()
		}
	}
	for j := range n {
		q := g[j]
		for l := range j {
			var dot float64
			for i := range d {
				dot += q[i] * g[l][i]
			}
			for i := range d {
				q[i] -= dot * g[l][i]
			}
		}
		var nn float64
		for _, v := range q {
			nn += v * v
		}
		for i := range q {
			q[i] /= math.Sqrt(nn)
			if math.Abs(b.At(j, i)-q[i]) > 1e-10 {
				t.Fatalf("row %d entry %d: HaarRows %.15g, Gram-Schmidt %.15g", j, i, b.At(j, i), q[i])
			}
		}
	}
}

// TestEncoderEdgeShapesAndScale covers what gremlins found unchecked by this
// package's tests: the edge shapes n = 1 and n = d are accepted by HaarRows,
// GaussianRows and VAMP (a square rotation at r = 1), the recorded MSE is
// that of the final estimate, and GaussianRows has
// entries of variance 1/d: ||B||_F^2 is a sum of n d squares of N(0, 1/d),
// mean n, variance 2n/d, checked within 5 sd (two-sided false-failure
// probability 5.7e-7, registered in props/budget_test.go); n d = 1.28e6
// entries make a 1% error in the variance 0.01 sqrt(n d/2) = 8 sd.
func TestEncoderEdgeShapesAndScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(95, 96))
	for _, nd := range [][2]int{{1, 1}, {1, 7}, {7, 7}} {
		h, err := HaarRows(rng, nd[0], nd[1])
		if err != nil || h.Rows != nd[0] || h.Cols != nd[1] {
			t.Fatalf("HaarRows(%d, %d): %v", nd[0], nd[1], err)
		}
		if _, err := GaussianRows(rng, nd[0], nd[1]); err != nil {
			t.Fatalf("GaussianRows(%d, %d): %v", nd[0], nd[1], err)
		}
	}
	const d = 40
	h, _ := HaarRows(rng, d, d)
	x := mat.New[float64](2, d)
	prior.Fill(prior.BernoulliGaussian{P: 0.3}, rng, x.Data)
	res, err := VAMP(h, codes(h, x), prior.BernoulliGaussian{P: 0.3}, 3, x)
	if err != nil {
		t.Fatalf("VAMP with a square rotation (r = 1): %v", err)
	}
	// The recorded MSE is ||x - xhat||^2/d of the final estimate.
	for s := range 2 {
		var want float64
		for j := range d {
			e := x.At(s, j) - res.Xhat.At(s, j)
			want += e * e / d
		}
		if got := res.MSE[2][s]; math.Abs(got-want) > 1e-14 {
			t.Errorf("signal %d: recorded MSE %v, direct %v", s, got, want)
		}
	}
	const n, dd = 800, 1600
	g, err := GaussianRows(rng, n, dd)
	if err != nil {
		t.Fatal(err)
	}
	var fro float64
	for _, v := range g.Data {
		fro += v * v
	}
	if z := (fro - n) / math.Sqrt(2*float64(n)/dd); math.Abs(z) > 5 {
		t.Errorf("||B||_F^2 = %v, want %d ± %v (z = %.2f)", fro, n, math.Sqrt(2*float64(n)/dd), z)
	}
}
