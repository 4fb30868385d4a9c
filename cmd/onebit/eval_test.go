package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEvalBadInput: bad flags and impossible combinations exit 2 with one
// line naming the flag.
func TestEvalBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--encoder", "dct"}, "-encoder"},
		{[]string{"--decoder", "lasso"}, "-decoder"},
		{[]string{"--decoder", "gamp", "--encoder", "haar"}, "-decoder"},
		{[]string{"--decoder", "vamp", "--encoder", "gaussian"}, "-decoder"},
		{[]string{"--rate", "1.5", "--encoder", "haar"}, "-rate"},
		{[]string{"--iters", "0", "--decoder", "vamp"}, "-iters"},
		{[]string{"--samples", "1"}, "-samples"},
		{[]string{"--prior", "bg:2"}, "-prior"},
	} {
		code, _, stderr := runCLI(append([]string{"eval"}, c.args...)...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, c.flag) {
			t.Errorf("eval %v: exit %d, stderr %q; want exit 2 and one line naming %s", c.args, code, stderr, c.flag)
		}
	}
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--decoder", "tree"}, "-decoder"},
		{[]string{"--encoder", "dct"}, "-encoder"},
		{[]string{"--layers", "0", "--decoder", "unrolled"}, "-layers"},
		{[]string{"--rate", "2", "--decoder", "denoiser"}, "-rate"},
	} {
		code, _, stderr := runCLI(append([]string{"train"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.flag) {
			t.Errorf("train %v: exit %d, stderr %q; want exit 2 naming %s", c.args, code, stderr, c.flag)
		}
	}
}

// TestEvalJSON: eval prints one JSON object with loss, prediction, stderr
// (and a trajectory for vamp), and the measured loss is within
// 4 se + 1.5 c/d of the prediction (THEORY.md 10: c = 7 for VAMP and 6.6
// for the denoiser with BG(0.1) at r = 1; one-sided 4 se has false-failure
// rate 3e-5).
func TestEvalJSON(t *testing.T) {
	for _, c := range []struct {
		dec   string
		iters int
		c     float64
	}{{"denoiser", 0, 6.6}, {"vamp", 3, 7}} {
		args := []string{"eval", "--prior", "bg:0.1", "--rate", "1", "--dim", "400", "--samples", "300", "--decoder", c.dec, "--json"}
		if c.iters > 0 {
			args = append(args, "--iters", "3")
		}
		code, stdout, stderr := runCLI(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.dec, code, stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatalf("%s: not one JSON object: %v\n%s", c.dec, err, stdout)
		}
		for _, k := range []string{"loss", "prediction", "stderr", "prior", "rate", "dim", "encoder", "decoder"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: JSON lacks %q: %s", c.dec, k, stdout)
			}
		}
		if tr, ok := got["trajectory"].([]any); c.iters > 0 && (!ok || len(tr) != c.iters) {
			t.Errorf("%s: trajectory %v, want %d points", c.dec, got["trajectory"], c.iters)
		}
		loss, pred, se := got["loss"].(float64), got["prediction"].(float64), got["stderr"].(float64)
		if d := loss - pred; d < -4*se || d > 4*se+1.5*c.c/400 {
			t.Errorf("%s: loss %.4f ± %.4f, prediction %.4f", c.dec, loss, se, pred)
		}
	}
}

// TestTrainDecoderJSON: train --decoder unrolled on a fixed Haar encoder
// reports the per-layer trajectory and a loss below the linear decoder's
// on the same encoder (BG(0.1), r = 1: 0.10 against 0.38 at d = 150; the
// gap is > 50 standard errors).
func TestTrainDecoderJSON(t *testing.T) {
	code, stdout, stderr := runCLI("train", "--prior", "bg:0.1", "--rate", "1", "--dim", "150", "--encoder", "haar",
		"--decoder", "unrolled", "--layers", "2", "--decoder-steps", "5", "--samples", "300", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Loss       float64              `json:"loss"`
		StdErr     float64              `json:"stderr"`
		LinearLoss float64              `json:"linear_loss"`
		Prediction float64              `json:"prediction"`
		Trajectory []map[string]float64 `json:"trajectory"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(got.Trajectory) != 2 || !(got.Loss < got.LinearLoss-10*got.StdErr) || !(got.Prediction > 0) {
		t.Errorf("unrolled: %s", stdout)
	}
}
