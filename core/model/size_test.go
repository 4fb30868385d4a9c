package model

import (
	"math"
	"strings"
	"testing"

	"github.com/seed05b1c944/onebit/core/mat"
)

func TestNewSize(t *testing.T) {
	s, err := NewSize(0.5, 300)
	if err != nil || s != (Size{Dim: 300, Bits: 150}) || s.Rate() != 0.5 {
		t.Fatalf("NewSize(0.5, 300) = %v, %v", s, err)
	}
	// n = round(r d): the realised rate is n/d, not r.
	if s, _ := NewSize(0.333, 10); s.Bits != 3 || s.Rate() != 0.3 {
		t.Errorf("NewSize(0.333, 10) = %v, want n = 3, r = 0.3", s)
	}
	for _, c := range []struct {
		r float64
		d int
	}{{0.5, 1}, {0, 100}, {-1, 100}, {math.NaN(), 100}, {math.Inf(1), 100}, {0.004, 100}} {
		if _, err := NewSize(c.r, c.d); err == nil {
			t.Errorf("NewSize(%v, %d) accepted", c.r, c.d)
		}
	}
	if err := (Size{Dim: 10, Bits: 10}).RowOrthogonal("vamp"); err != nil {
		t.Errorf("r = 1: %v", err)
	}
	if err := (Size{Dim: 10, Bits: 11}).RowOrthogonal("vamp"); err == nil || !strings.Contains(err.Error(), "vamp needs r <= 1") {
		t.Errorf("r = 1.1: %v", err)
	}
}

func TestCodes(t *testing.T) {
	b := mat.New[float64](2, 3)
	copy(b.Data, []float64{1, -1, 0, 0, 0, 1})
	x := mat.New[float64](1, 3)
	copy(x.Data, []float64{1, 2, 0})
	y, err := Codes(b, x)
	if err != nil || y.Data[0] != -1 || y.Data[1] != 1 { // sign(-1) = -1, sign(0) = +1
		t.Fatalf("Codes = %v, %v; want [-1 1]", y.Data, err)
	}
	if _, err := Codes(b, mat.New[float64](1, 4)); err == nil {
		t.Error("signal of the wrong length accepted")
	}
}
