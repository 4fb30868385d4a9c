package experiment

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed05b1c944/onebit/core/prior"
)

// TestJointOutputs: a tiny joint run writes its table, curves and report,
// with one row per (prior, rate, seed), SE predictions that fall with T,
// and a verdict; a rate above 1 is an error. (The claims themselves are
// property tests: props.TestJointShallowReachesPrediction and
// props.TestJointUnrolledVsFixedVAMP.)
func TestJointOutputs(t *testing.T) {
	root := t.TempDir()
	c := JointConfig{Priors: []prior.Value{prior.MustParse("bg:0.3")}, Rates: []float64{0.5, 1}, Dim: 40, Seeds: 2, Layers: []int{1, 2},
		ShallowSteps: 20, UnrolledSteps: 5, ValSignals: 50, TestSignals: 60, Run: Run{Seed: 1, OutDir: filepath.Join(root, "joint")}}
	cells, err := RunJoint(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 4 {
		t.Fatalf("%d cells, want 4", len(cells))
	}
	for _, e := range cells {
		if len(e.Unrolled) != 2 || e.Unrolled[1].Fixed.Prediction > e.Unrolled[0].Fixed.Prediction+1e-12 {
			t.Errorf("%s r=%v: SE predictions not decreasing with T: %+v", e.Prior, e.Rate, e.Unrolled)
		}
		// VAMP's first layer is the shallow + MMSE decoder (THEORY.md 7.2).
		if d := e.Unrolled[0].Fixed.Prediction - e.HaarMMSE.Prediction; d > 1e-9 || d < -1e-9 {
			t.Errorf("r=%v: SE at T=1 %v, denoiser prediction %v", e.Rate, e.Unrolled[0].Fixed.Prediction, e.HaarMMSE.Prediction)
		}
		if len(e.Curve.Steps) == 0 || e.Curve.Steps[0] != 0 {
			t.Errorf("learning curve %+v", e.Curve)
		}
	}
	if err := WriteJoint(c, cells); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"joint.csv", "joint.json", "curves.png", "report.md"} {
		if st, err := os.Stat(filepath.Join(c.OutDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	rep, _ := os.ReadFile(filepath.Join(c.OutDir, "report.md"))
	if !strings.Contains(string(rep), "Verdict") || strings.Count(string(rep), "| bg:0.3 |") != 4 {
		t.Errorf("report:\n%s", rep)
	}
	c.Rates = []float64{1.5}
	if _, err := RunJoint(context.Background(), c); err == nil {
		t.Error("rate 1.5: no error")
	}
}
