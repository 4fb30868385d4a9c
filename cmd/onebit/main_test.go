package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestTrainBadInput: bad flags exit 2 with one line naming the flag, never a panic.
func TestTrainBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--prior", "bg:1.5"}, "-prior"},
		{[]string{"--prior", "bg:0"}, "-prior"},
		{[]string{"--prior", "foo"}, "-prior"},
		{[]string{"--prior"}, "-prior"},
		{[]string{"--rate", "-1"}, "-rate"},
		{[]string{"--rate", "NaN"}, "-rate"},
		{[]string{"--rate", "0.001", "--dim", "10"}, "-rate"},
		{[]string{"--dim", "0"}, "-dim"},
		{[]string{"--dim", "x"}, "-dim"},
		{[]string{"--trainer", "newton"}, "-trainer"},
		{[]string{"--prior", "sr:0.5", "--trainer", "population"}, "-trainer"},
		{[]string{"--samples", "1"}, "-samples"},
		{[]string{"stray"}, "stray"},
		{[]string{"--dim", "100000000"}, "-dim"},
		{[]string{"--rate", "1e300", "--dim", "100"}, "-rate"},
		{[]string{"--prior", "bg:1e-300"}, "-prior"},
		{[]string{"--decoder", "denoiser", "--encoder", "learned", "--start", "foo"}, "-start"},
		{[]string{"--decoder", "denoiser", "--encoder", "learned", "--denoiser", "cubic"}, "-denoiser"},
		{[]string{"--decoder", "unrolled", "--encoder", "learned", "--rate", "1.5"}, "-rate"},
	} {
		code, _, stderr := runCLI(append([]string{"train"}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, c.flag) {
			t.Errorf("train %v: exit %d, stderr %q; want exit 2 and one line naming %s", c.args, code, stderr, c.flag)
		}
	}
	if code, _, _ := runCLI("nonsense"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

// TestTrainJSON: --json prints one object with the documented keys, and the
// Gaussian population run lands on the exact value 1 - 2r/pi within 5 se.
func TestTrainJSON(t *testing.T) {
	code, stdout, stderr := runCLI("train", "--prior", "gaussian", "--rate", "0.5", "--dim", "40", "--steps", "120", "--samples", "4000", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout)
	}
	for _, k := range []string{"loss", "prediction", "stderr", "prior", "rate", "dim", "seed", "identity", "participation", "distinct"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks key %q: %s", k, stdout)
		}
	}
	loss, pred, se := got["loss"].(float64), got["prediction"].(float64), got["stderr"].(float64)
	// Exact GD on Gaussian data reaches 1 - 2r/pi to 1e-12 in 120 steps at d = 40
	// (THEORY.md 2.4), so only Monte Carlo error remains: 5 se, two-sided
	// false-failure rate 6e-7.
	if d := loss - pred; d > 5*se || d < -5*se {
		t.Errorf("loss %.5f ± %.5f, prediction %.5f: gap %.1f se", loss, se, pred, d/se)
	}
}

// TestTrainJoint: --decoder unrolled --encoder learned trains the network
// jointly (trainer "joint") and reports the learning curve and the
// per-layer trajectory beside the state evolution.
func TestTrainJoint(t *testing.T) {
	code, stdout, stderr := runCLI("train", "--prior", "bg:0.3", "--rate", "1", "--dim", "40", "--decoder", "unrolled", "--layers", "2",
		"--encoder", "learned", "--steps", "20", "--samples", "400", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Trainer    string `json:"trainer"`
		Trajectory []any  `json:"trajectory"`
		Curve      struct {
			Steps []int `json:"steps"`
		} `json:"curve"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout)
	}
	if got.Trainer != "joint" || len(got.Trajectory) != 2 || len(got.Curve.Steps) == 0 {
		t.Errorf("joint run: %s", stdout)
	}
}

// TestFlagSpelling: every flag error spells the flag --name, once.
func TestFlagSpelling(t *testing.T) {
	for _, args := range [][]string{
		{"train", "--dim", "x"}, {"train", "--bogus"}, {"train", "--prior"}, {"train", "--lr", "NaN"},
		{"train", "--rate", "2", "--encoder", "haar"}, {"eval", "--iters", "0"}, {"theory", "se", "--rate", "-1"},
		{"reproduce", "--only", "nope"}, {"reproduce", "--scale", "huge"},
	} {
		code, _, stderr := runCLI(args...)
		if code != 2 || !strings.Contains(stderr, "--") || strings.Contains(stderr, " -"+string(args[len(args)-2][2])) {
			t.Errorf("%v: exit %d, %q; want exit 2 naming the flag as --name only", args, code, stderr)
		}
	}
}

// TestHelp: help goes to stdout with exit 0; no command at all is a usage error.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"theory", "-h"}} {
		code, stdout, _ := runCLI(args...)
		if code != 0 || stdout == "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, stdout)
		}
	}
	if code, stdout, stderr := runCLI(); code != 2 || stdout != "" || !strings.Contains(stderr, "usage") {
		t.Errorf("no args: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestTrainShapeKeys: every trainer (population, sgd, and the fixed Haar
// encoder) reports the encoder's shape (THEORY.md 4.3) under the keys
// identity, participation and distinct, within their ranges: identity-ness
// in [1/sqrt(d), 1], participation ratio in [1, d], distinct columns in
// [1, min(n, d)].
func TestTrainShapeKeys(t *testing.T) {
	const d = 16
	for _, args := range [][]string{
		{"--trainer", "population", "--prior", "bg:0.3", "--steps", "20"},
		{"--trainer", "sgd", "--prior", "sr:0.5", "--steps", "20"},
		{"--encoder", "haar", "--prior", "gaussian"},
	} {
		code, stdout, stderr := runCLI(append([]string{"train", "--rate", "1", "--dim", "16", "--samples", "500", "--json", "--quiet"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		id, ok1 := got["identity"].(float64)
		pr, ok2 := got["participation"].(float64)
		nd, ok3 := got["distinct"].(float64)
		if !ok1 || !ok2 || !ok3 || id < 1/math.Sqrt(d)-1e-12 || id > 1 || pr < 1 || pr > d+1e-9 || nd < 1 || nd > d {
			t.Errorf("%v: identity %v participation %v distinct %v in %s", args, got["identity"], got["participation"], got["distinct"], stdout)
		}
	}
}
