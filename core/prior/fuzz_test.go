package prior

import (
	"math"
	"testing"
)

// FuzzParse: any spelling parses to a valid, unit-variance prior whose
// name parses back to the same prior, or to an error; never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"gaussian", "gauss", "bg:0.1", "sr:1", "BG:0.5", " sr:0.3 ", "bg:", "bg:0", "bg:1e-300", "sr:NaN", "bg:0x1p-2", "x:1", ":", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		q, err := Parse(p.Name())
		if err != nil || q != p {
			t.Fatalf("Parse(%q) = %v, but its name %q parses to %v, %v", s, p, p.Name(), q, err)
		}
		if z := p.ZeroMass(); !(z >= 0 && z <= 1) || math.IsNaN(p.ExcessKurtosis()) || !(p.AbsMoment() > 0 && p.AbsMoment() <= 1) {
			t.Fatalf("Parse(%q) = %v: zero mass %v, kurtosis %v, E|x| %v", s, p, z, p.ExcessKurtosis(), p.AbsMoment())
		}
	})
}
