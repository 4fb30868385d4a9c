package bench

import (
	"strings"
	"testing"

	"github.com/seed05b1c944/onebit/bench/gate"
)

// Every gate-set entry is a valid pattern, and the shipped gate set selects
// the Gemm shapes it names and not the heavy ones.
func TestGateSetPatterns(t *testing.T) {
	var pats []*gate.Pattern
	for _, src := range GateSet() {
		p, err := gate.ParsePattern(src)
		if err != nil {
			t.Fatal(err)
		}
		pats = append(pats, p)
	}
	gated := func(name string) bool {
		for _, p := range pats {
			if p.Match(name) {
				return true
			}
		}
		return false
	}
	for name, want := range map[string]bool{
		"Gemm/f32/NN/256x256x128-2":                   true,
		"Gemm/f64/TN/256x256x128-2":                   true,
		"Gemm/f32/NN/1024x784x392-2":                  true,
		"Gemm/f32/NN/1024x1024x1024-2":                false,
		"Gemm/f64/NT/512x3072x1536-2":                 false,
		"Gemm/f32/NN/256x256x128000000-2":             false,
		"TrainStep/population/gaussian/d256-n256-2":   true,
		"TrainStep/population/gaussian/d1024-n1024-2": false,
		"TrainStep/sgd/d784-n392-batch1024-2":         true,
		"TrainStep/sgd/d3072-n1536-batch512-2":        false,
		"SampleBatch/batch/bg:0.1/d784-2":             true,
		"SampleBatch/scalar/bg:0.1/d784-2":            false,
	} {
		if got := gated(name); got != want {
			t.Errorf("gate set selects %s: %v, want %v", name, got, want)
		}
	}
}

// WriteUnits produces metadata benchfmt reads back with the declared
// directions and assumptions.
func TestWriteUnits(t *testing.T) {
	var b strings.Builder
	if err := WriteUnits(&b); err != nil {
		t.Fatal(err)
	}
	s, err := gate.Read(strings.NewReader(b.String()), "units")
	if err != nil || len(s.Errors) > 0 {
		t.Fatalf("reading %q: %v %v", b.String(), err, s.Errors)
	}
	for unit, meta := range Units() {
		want := map[bool]int{true: 1, false: -1}[strings.Contains(meta, "better=higher")]
		if got := s.Units.GetBetter(unit); got != want {
			t.Errorf("%s: direction %d, want %d", unit, got, want)
		}
	}
}
