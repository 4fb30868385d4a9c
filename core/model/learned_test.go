package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFitSoftThresholdRecovers: on exact data x = f(v) of a soft threshold
// whose threshold lies on the fit's grid, FitSoftThreshold returns it (to
// 1e-9 in the scale: a 1-parameter least-squares fit of exact data), and
// its Denoise reproduces x.
func TestFitSoftThresholdRecovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	v := make([]float64, 2000)
	top := 0.0
	for i := range v {
		v[i] = 2 * rng.NormFloat64()
		top = max(top, math.Abs(v[i]))
	}
	want := NewSoftThreshold(0.8, top*37/200)
	x := make([]float64, len(v))
	want.Denoise(x, v)
	got, err := FitSoftThreshold(v, x, 200)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.Theta[SoftParamScale]-0.8) > 1e-9 || math.Abs(got.Theta[SoftParamThreshold]-want.Theta[SoftParamThreshold]) > 1e-12 {
		t.Errorf("fit %v, want %v", got.Theta, want.Theta)
	}
	if _, err := FitSoftThreshold(v[:0], x[:0], 10); err == nil {
		t.Error("empty data: no error")
	}
	if _, err := FitSoftThreshold(make([]float64, 5), make([]float64, 5), 10); err == nil {
		t.Error("all-zero statistic: no error")
	}
}
