package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/theory"
)

// TestTheoryCommand: every subcommand's JSON "value" is the theory function's
// value (bit-identical through JSON's shortest round-trip formatting), se
// carries its trajectory and fixed point, and bad parameters exit with 2 and
// one line.
func TestTheoryCommand(t *testing.T) {
	bg := prior.BernoulliGaussian{P: 0.1}
	gauss2, _ := theory.GaussEquivalentLoss(2)
	den, _ := theory.DenoiserLoss(bg, 0.5, theory.Haar)
	denIID, _ := theory.DenoiserLoss(bg, 1.5, theory.IIDGaussian)
	vamp, _ := theory.VAMPStateEvolution(bg, 1, theory.SEOptions{Iters: 4})
	gamp, _ := theory.GAMPStateEvolution(prior.SparseRademacher{P: 0.3}, 0.5, theory.SEOptions{Iters: 2})
	cases := []struct {
		args       []string
		want       float64
		conjecture bool
		traj       []float64
		informed   float64
	}{
		{[]string{"gauss", "--rate", "2"}, gauss2, true, nil, 0},
		{[]string{"gauss", "--rate", "0.5"}, 1 - 1/math.Pi, false, nil, 0},
		{[]string{"denoiser", "--prior", "bg:0.1", "--rate", "0.5"}, den, false, nil, 0},
		{[]string{"denoiser", "--prior", "bg:0.1", "--rate", "1.5", "--encoder", "gaussian"}, denIID, false, nil, 0},
		// phase: the best candidate with sign(0) = +1 and a bias. SR(0.5): the
		// Haar 2-block, 11/36 (quadrature over the angle, 1e-10 relative);
		// BG(0.3): the rotation (the control); SR(1): the identity, 0.
		{[]string{"phase", "--prior", "sr:0.5", "--dim", "64"}, 11.0 / 36, false, nil, 0},
		{[]string{"phase", "--prior", "bg:0.3"}, 1 - 2/math.Pi, false, nil, 0},
		{[]string{"phase", "--prior", "sr:1"}, 0, false, nil, 0},
		{[]string{"se", "--prior", "bg:0.1", "--rate", "1", "--iters", "4"}, vamp.FixedPoint, false, vamp.Trajectory, vamp.Informed},
		{[]string{"se", "--prior", "sr:0.3", "--rate", "0.5", "--encoder", "gaussian", "--iters", "2"}, gamp.FixedPoint, false, gamp.Trajectory, 0},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		if code := run(append([]string{"theory"}, append(c.args, "--json")...), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errb.String())
		}
		var res struct {
			Value      float64   `json:"value"`
			Conjecture bool      `json:"conjecture"`
			Trajectory []float64 `json:"trajectory"`
			FixedPoint *float64  `json:"fixed_point"`
			Informed   *float64  `json:"informed_fixed_point"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: %v in %s", c.args, err, out.String())
		}
		// Closed forms: allow rounding (4 ulp); phase blocks: the quadrature's 1e-10.
		tol := 4e-16
		if c.args[0] == "phase" {
			tol = 1e-10
		}
		if math.Abs(res.Value-c.want) > tol || res.Conjecture != c.conjecture {
			t.Errorf("%v: value %v conjecture %v, want %v %v", c.args, res.Value, res.Conjecture, c.want, c.conjecture)
		}
		if c.traj != nil {
			if len(res.Trajectory) != len(c.traj) || res.FixedPoint == nil || *res.FixedPoint != c.want || res.Informed == nil || *res.Informed != c.informed {
				t.Errorf("%v: trajectory %v fixed point %v informed %v", c.args, res.Trajectory, res.FixedPoint, res.Informed)
			}
			for i := range c.traj {
				if res.Trajectory[i] != c.traj[i] {
					t.Errorf("%v: trajectory[%d] = %v, want %v", c.args, i, res.Trajectory[i], c.traj[i])
				}
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"theory", "gauss", "--rate", "3"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "conjecture") {
		t.Errorf("text output for r > 1 must say conjecture: %q", out.String())
	}
	bad := [][]string{
		{"theory"}, {"theory", "nope", "--rate", "1"}, {"theory", "gauss"}, {"theory", "gauss", "--rate", "-1"},
		{"theory", "gauss", "--rate", "x"}, {"theory", "denoiser", "--rate", "1.5"}, {"theory", "se", "--rate", "2"},
		{"theory", "phase", "--rate", "0.5"}, {"theory", "se", "--rate", "1", "--prior", "bg:2"},
		{"theory", "phase", "--dim", "-1"}, {"theory", "gauss", "--rate", "1", "--dim", "64"},
		{"theory", "se", "--rate", "1", "--encoder", "dct"}, {"theory", "se", "--rate", "1", "--iters", "-3"},
		{"theory", "se", "--rate", "1", "--damping", "1"}, {"theory", "gauss", "--rate", "1", "extra"},
	}
	for _, args := range bad {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		if lines := strings.Count(errb.String(), "\n"); code != 2 || lines != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, code, errb.String())
		}
	}
}
