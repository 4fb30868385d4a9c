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

	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/model"
	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/core/train"
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
// O(1) derivatives). A kink of the surrogate (|z| = 1 for clip), of the
// spline (a knot) or of the soft threshold inside [w - h, w + h] would
// break the check; with h = 1e-5 that has probability ~1e-4 per check, and
// the seeds are pinned. Planted bugs caught: dropping the a-term of dL/dy
// in UnrolledVAMP.Backward, a 2% error in the spline's f'(v).
func TestJointGradient(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(20261130)
	params.MinSuccessfulTests = 10
	if long() {
		params.MinSuccessfulTests = 60
	}
	props := gopter.NewProperties(params)
	var worst float64
	props.Property("backward = central differences of the relaxed loss", prop.ForAll(
		func(pp, r float64, tanh bool, seed uint64) string {
			for _, name := range jointKinds {
				if msg := checkJointGradient(name, pp, r, tanh, seed, &worst); msg != "" {
					return msg
				}
			}
			return ""
		},
		gen.Float64Range(0.1, 0.6), gen.Float64Range(0.25, 1), gen.Bool(), gen.UInt64Range(1, 1<<40),
	))
	props.TestingRun(t)
	t.Logf("largest |central difference - backward| = %.3g", worst)
}

// checkJointGradient is one case of TestJointGradient; it raises *worst to
// the largest discrepancy seen.
func checkJointGradient(name string, pp, r float64, tanh bool, seed uint64, worst *float64) string {
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
			gr.W[i] = w + h
			lp := loss()
			gr.W[i] = w - h
			lm := loss()
			gr.W[i] = w
			fd := (lp - lm) / (2 * h)
			*worst = max(*worst, math.Abs(fd-gr.G[i]))
			if math.Abs(fd-gr.G[i]) > 1e-7+1e-5*math.Abs(gr.G[i]) {
				return fmt.Sprintf("%s, %s, n = %d, tanh %v: %s[%d] backward %.10g, central difference %.10g",
					name, p.Name(), n, tanh, gr.Name, i, gr.G[i], fd)
			}
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

var _ = context.Background
