package experiment

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestPhaseOutputs: a tiny phase run writes every output (CSV, JSON, the
// two figures, a heat map and the report), attaches the theory lines it
// claims (SR(0.5): identity with fair ties 1 - p = 0.5, with sign(0) = +1
// (1-p)/(2-p) = 1/3; BG: no candidate below the rotation's 1 - 2/pi by more
// than the Haar-block Monte Carlo error), and rejects an anneal shorter than
// THEORY.md 4.3 allows.
func TestPhaseOutputs(t *testing.T) {
	root := t.TempDir()
	c := PhaseConfig{SR: []float64{0.5, 1}, BG: []float64{0.5}, Dim: 8, Seeds: 1, Recipes: []string{"annealed", "ste-identity"},
		AnnealSteps: 6000, STESteps: 50, Batch: 8, FitSignals: 400, TestSignals: 400, HeatP: []float64{1}, Rotations: 20, MaxHaar: 3,
		Run: Run{Seed: 1, OutDir: filepath.Join(root, "phase")}}
	rows, err := RunPhase(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := WritePhase(c, rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 3 priors x 2 recipes", len(rows))
	}
	for _, f := range []string{"phase.csv", "phase.json", "phase-loss.png", "phase-shape.png", "phase-heat-annealed-p1.png", "report.md"} {
		if st, err := os.Stat(filepath.Join(root, "phase", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, r := range rows {
		if r.Identity <= 0 || r.Identity > 1 || r.Participation < 1 || r.Participation > 8+1e-9 || r.Distinct < 1 || r.Distinct > 8 || !(r.Loss >= 0) {
			t.Errorf("row %+v", r)
		}
		th := r.Theory
		switch {
		case r.Prior == "sr:0.5":
			if math.Abs(th.IdentityCoin-0.5) > 1e-12 || math.Abs(th.IdentityPlus1-1.0/3) > 1e-12 || th.Best > th.IdentityPlus1 {
				t.Errorf("SR(0.5) theory %+v", th)
			}
		case r.Family == "bg":
			if th.BestName != "rotation" && th.Best < th.Rotation-0.01 {
				t.Errorf("BG control: a candidate %s = %v below the rotation %v", th.BestName, th.Best, th.Rotation)
			}
		}
	}
	c.AnnealSteps = 100
	if _, err := RunPhase(context.Background(), c); err == nil {
		t.Error("an anneal of 100 steps accepted")
	}
}
