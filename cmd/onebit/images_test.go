package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTrainData: onebit train --data on a small MNIST run prints the JSON
// keys of a prior run; bad flags and an absent data set give one clear
// error each (where it looked and how to get the data).
func TestTrainData(t *testing.T) {
	code, out, errOut := runCLI("train", "--data", "mnist", "--domain", "zca", "--rate", "0.5", "--decoder", "denoiser",
		"--train-images", "500", "--test-images", "20", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, k := range []string{"prior", "rate", "dim", "bits", "loss", "stderr", "prediction", "gap_se"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, out)
		}
	}
	if res["prior"] != "mnist/zca" || res["dim"] != 784.0 {
		t.Errorf("prior %v, dim %v; want mnist/zca, 784", res["prior"], res["dim"])
	}
	// A learned encoder trains on the images (trainer sgd, the steps asked).
	code, out, errOut = runCLI("train", "--data", "mnist", "--domain", "pca", "--rate", "0.5", "--encoder", "learned",
		"--steps", "20", "--batch", "16", "--train-images", "500", "--test-images", "20", "--json")
	if code != 0 {
		t.Fatalf("learned encoder: exit %d: %s", code, errOut)
	}
	res = nil
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if _, haar := res["encoder"]; res["trainer"] != "sgd" || res["steps"] != 20.0 || haar {
		t.Errorf("learned encoder: trainer %v, steps %v, encoder %v; want sgd, 20, none (learned)", res["trainer"], res["steps"], res["encoder"])
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", "mnist", "--domain", "ica"}, "--domain"},
		{[]string{"--data", "imagenet"}, "--data"},
		{[]string{"--data", "mnist", "--encoder", "learned", "--batch", "-1"}, "--batch"},
		{[]string{"--data", "mnist", "--encoder", "learned", "--rate", "1.5"}, "--rate"},
		{[]string{"--data", "cifar:/nonexistent/cifar", "--rate", "1"}, "/nonexistent/cifar/data_batch_1.bin"},
	} {
		code, _, e := runCLI(append([]string{"train"}, c.args...)...)
		if code == 0 || !strings.Contains(e, c.want) {
			t.Errorf("train %v: exit %d, stderr %q; want an error mentioning %q", c.args, code, e, c.want)
		}
	}
}
