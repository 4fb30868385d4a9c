package gate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// spec describes the synthetic results of one benchmark: n runs whose
// sec/op is center*(1 + noise*Z) with Z standard normal, and allocs/op
// values cycled from allocs.
type spec struct {
	name   string
	center float64 // seconds per op
	noise  float64 // relative standard deviation
	n      int
	allocs []int
	gflops bool // also report GFLOP/s = 1e-3/sec (a million flops per op)
}

// results renders specs in the Go benchmark format, interleaving the runs
// of the benchmarks as go test -count does, and returns the text and the
// 1-based line of each benchmark's first run.
func results(rng *rand.Rand, header string, specs ...spec) (string, map[string]int) {
	var b strings.Builder
	b.WriteString(header)
	line := strings.Count(header, "\n")
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/p\n")
	line += 3
	first := map[string]int{}
	maxN := 0
	for _, s := range specs {
		maxN = max(maxN, s.n)
	}
	for run := 0; run < maxN; run++ {
		for _, s := range specs {
			if run >= s.n {
				continue
			}
			sec := s.center * (1 + s.noise*rng.NormFloat64())
			fmt.Fprintf(&b, "Benchmark%s-2 \t 100\t %.1f ns/op", s.name, sec*1e9)
			if s.gflops {
				fmt.Fprintf(&b, "\t %.4f GFLOP/s", 1e-3/sec)
			}
			if len(s.allocs) > 0 {
				fmt.Fprintf(&b, "\t %d B/op\t %d allocs/op", 64*s.allocs[run%len(s.allocs)], s.allocs[run%len(s.allocs)])
			}
			b.WriteString("\n")
			line++
			if _, ok := first[s.name]; !ok {
				first[s.name] = line
			}
		}
	}
	b.WriteString("PASS\n")
	return b.String(), first
}

// write stores text as a file named name in a fresh temporary directory.
func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// compareTexts writes both texts to files, reads and compares them.
func compareTexts(t *testing.T, oldText, newText string, opt Options) *Report {
	t.Helper()
	dir := t.TempDir()
	old, err := ReadFile(write(t, dir, "old.txt", oldText))
	if err != nil {
		t.Fatal(err)
	}
	new, err := ReadFile(write(t, dir, "new.txt", newText))
	if err != nil {
		t.Fatal(err)
	}
	return Compare(old, new, opt)
}

func row(t *testing.T, rep *Report, name, unit string) Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Name == name+"-2" && r.Unit == unit {
			return r
		}
	}
	t.Fatalf("no row for %s %s in the report", name, unit)
	return Row{}
}

func text(t *testing.T, rep *Report) string {
	t.Helper()
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const gflopsUnit = "Unit GFLOP/s better=higher\n"

// With 1% noise and n = 10 a 20% slowdown separates the samples completely
// (the gap is 20 standard deviations), so the U test gives its smallest
// p-value, 2/C(20,10) = 1.1e-5 < alpha = 0.01, and the median ratio is
// 1.20 ± 0.01, far above the 10% threshold: the gate must fail, in sec/op
// and in GFLOP/s (declared higher-is-better by unit metadata).
func TestSlowdownFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	oldText, _ := results(rng, gflopsUnit, spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10, gflops: true})
	newText, _ := results(rng, gflopsUnit, spec{name: "Kernel", center: 1.2e-3, noise: 0.01, n: 10, gflops: true})
	rep := compareTexts(t, oldText, newText, DefaultOptions)
	if !rep.Fail() {
		t.Fatalf("a 20%% slowdown passed the gate:\n%s", text(t, rep))
	}
	for _, unit := range []string{"sec/op", "GFLOP/s"} {
		r := row(t, rep, "Kernel", unit)
		if r.Verdict != Regression {
			t.Errorf("%s: verdict %v, want REGRESSION", unit, r.Verdict)
		}
		// Slowdown is 1.2*(1±0.01·Z)/(1±0.01·Z') - 1; |Z|,|Z'| of a median of
		// ten stay below 3, so it lies within 0.2 ± 1.2*0.06.
		if r.Slowdown < 0.2-0.072 || r.Slowdown > 0.2+0.072 {
			t.Errorf("%s: slowdown %.3f, want 0.20 ± 0.072", unit, r.Slowdown)
		}
	}
	if got := text(t, rep); !strings.Contains(got, "REGRESSION") || !strings.Contains(got, "gate FAIL") {
		t.Errorf("report does not say REGRESSION and gate FAIL:\n%s", got)
	}
}

// Two samples of the same distribution (5% noise, n = 10) fail only if the
// U test rejects (probability alpha = 0.01 under the null) and the medians
// also differ by more than 10%: the median of ten has a relative standard
// deviation of about 1.25*5%/sqrt(10) = 2%, their ratio 2.8%, so a 10% gap
// is a 3.5-sigma event (p ~ 2e-4). Over 20 fixed seeds the chance that any
// fails is below 20 * 2e-4 = 0.4%; the seeds are fixed, so the test is
// deterministic and such a failure would be reproducible, not flaky.
func TestNoisePasses(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		s := spec{name: "Kernel", center: 1e-3, noise: 0.05, n: 10, gflops: true, allocs: []int{3}}
		oldText, _ := results(rng, gflopsUnit, s)
		newText, _ := results(rng, gflopsUnit, s)
		rep := compareTexts(t, oldText, newText, DefaultOptions)
		if rep.Fail() {
			t.Errorf("seed %d: pure noise failed the gate:\n%s", seed, text(t, rep))
		}
	}
}

// A 20% speed-up at 1% noise is significant by the same argument as
// TestSlowdownFails; it passes and is reported as better.
func TestImprovementPassesAndIsReported(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	oldText, _ := results(rng, gflopsUnit, spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10, gflops: true})
	newText, _ := results(rng, gflopsUnit, spec{name: "Kernel", center: 0.8e-3, noise: 0.01, n: 10, gflops: true})
	rep := compareTexts(t, oldText, newText, DefaultOptions)
	if rep.Fail() {
		t.Fatalf("an improvement failed the gate:\n%s", text(t, rep))
	}
	for _, unit := range []string{"sec/op", "GFLOP/s"} {
		if r := row(t, rep, "Kernel", unit); r.Verdict != Better {
			t.Errorf("%s: verdict %v, want better", unit, r.Verdict)
		}
	}
	if got := text(t, rep); !strings.Contains(got, "better") || !strings.Contains(got, "gate PASS") {
		t.Errorf("report does not show the improvement and a pass:\n%s", got)
	}
}

// allocs/op is exact: one more allocation per op fails whatever the noise
// of time (here none), while the occasional extra allocation of single runs
// (3,3,4) in the old file is not mistaken for a change.
func TestAllocsIncreaseFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	oldText, _ := results(rng, "", spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10, allocs: []int{3, 3, 4}})
	same, _ := results(rng, "", spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10, allocs: []int{3}})
	more, _ := results(rng, "", spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10, allocs: []int{4}})

	rep := compareTexts(t, oldText, same, DefaultOptions)
	if rep.Fail() {
		t.Errorf("equal allocations failed the gate:\n%s", text(t, rep))
	}
	rep = compareTexts(t, oldText, more, DefaultOptions)
	if !rep.Fail() {
		t.Fatalf("3 -> 4 allocs/op passed the gate:\n%s", text(t, rep))
	}
	r := row(t, rep, "Kernel", "allocs/op")
	if r.Verdict != Regression || !r.Exact || r.Old.Center != 3 || r.New.Center != 4 {
		t.Errorf("allocs/op row = %+v, want an exact regression from 3 to 4", r)
	}
}

// A benchmark of the old file missing from the new one is reported with the
// file and line of its first run; a malformed line with its own.
func TestMissingAndMalformedReportedWithPosition(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	a := spec{name: "A", center: 1e-3, noise: 0.01, n: 10}
	bSpec := spec{name: "B", center: 2e-3, noise: 0.01, n: 10}
	oldText, firstLine := results(rng, "", a, bSpec)
	newText, _ := results(rng, "", a)
	// Replace the new file's 7th line (a run of A) with a malformed one.
	lines := strings.Split(newText, "\n")
	const bad = 7
	lines[bad-1] = "BenchmarkA-2 \t 100\t 12x4 ns/op"
	newText = strings.Join(lines, "\n")

	rep := compareTexts(t, oldText, newText, DefaultOptions)
	if !rep.Fail() {
		t.Fatalf("missing benchmark and malformed line passed:\n%s", text(t, rep))
	}
	wantMissing := fmt.Sprintf("old.txt:%d: BenchmarkB-2 sec/op is missing from", firstLine["B"])
	wantParse := fmt.Sprintf("new.txt:%d: parsing measurement", bad)
	var foundMissing, foundParse bool
	for _, p := range rep.Problems {
		foundMissing = foundMissing || strings.Contains(p, wantMissing)
		foundParse = foundParse || strings.Contains(p, wantParse)
	}
	if !foundMissing || !foundParse {
		t.Errorf("problems %q\nwant ones containing %q and %q", rep.Problems, wantMissing, wantParse)
	}
	if r := row(t, rep, "B", "sec/op"); r.Verdict != Missing {
		t.Errorf("B: verdict %v, want missing", r.Verdict)
	}
}

// With a gate set, only matching benchmarks can fail: a regression outside
// the set is reported and passes; a gate pattern that matches only the new
// file is a new benchmark and passes; a pattern matching nothing fails.
func TestGateSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	oldText, _ := results(rng, "",
		spec{name: "Gemm/f32/256", center: 1e-3, noise: 0.01, n: 10},
		spec{name: "Other", center: 1e-3, noise: 0.01, n: 10})
	newText, _ := results(rng, "",
		spec{name: "Gemm/f32/256", center: 1e-3, noise: 0.01, n: 10},
		spec{name: "Other", center: 1.5e-3, noise: 0.01, n: 10},
		spec{name: "Train/linear", center: 1e-3, noise: 0.01, n: 10})
	pats := func(srcs ...string) []*Pattern {
		var ps []*Pattern
		for _, s := range srcs {
			p, err := ParsePattern(s)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		return ps
	}
	opt := DefaultOptions
	opt.Gate = pats("BenchmarkGemm/f32/256$", "BenchmarkTrain/linear")
	rep := compareTexts(t, oldText, newText, opt)
	if rep.Fail() {
		t.Errorf("gate set without regressions failed:\n%s", text(t, rep))
	}
	if r := row(t, rep, "Other", "sec/op"); r.Gated || r.Verdict != Regression {
		t.Errorf("Other: gated=%v verdict %v, want an ungated regression", r.Gated, r.Verdict)
	}
	if r := row(t, rep, "Train/linear", "sec/op"); !r.Gated || r.Verdict != New {
		t.Errorf("Train/linear: gated=%v verdict %v, want a gated new benchmark", r.Gated, r.Verdict)
	}
	opt.Gate = pats("BenchmarkGemm/f32/256$", "BenchmarkNoSuch")
	rep = compareTexts(t, oldText, newText, opt)
	if !rep.Fail() || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], `"BenchmarkNoSuch" matches no benchmark`) {
		t.Errorf("pattern matching nothing: problems %q, want one naming it", rep.Problems)
	}
	opt.Gate = pats("BenchmarkOther")
	if rep = compareTexts(t, oldText, newText, opt); !rep.Fail() {
		t.Errorf("gated 50%% regression passed:\n%s", text(t, rep))
	}
}

// The noise floor raises the threshold of a benchmark: a 20% slowdown fails
// at a 10% threshold and passes when an A/A run showed 30% noise.
func TestNoiseFloorRaisesThreshold(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	s := spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10}
	aText, _ := results(rng, "", s)
	s.center = 1.3e-3
	aPrimeText, _ := results(rng, "", s)
	s.center = 1e-3
	oldText, _ := results(rng, "", s)
	s.center = 1.2e-3
	newText, _ := results(rng, "", s)

	aa := compareTexts(t, aText, aPrimeText, Options{Alpha: 0.01, Confidence: 0.95})
	floor := NoiseFloor(aa)
	k := Key{Pkg: "example.com/p", Name: "Kernel-2", Unit: "sec/op"}
	// Same bound as in TestSlowdownFails: 0.3 ± 1.3*0.06.
	if f := floor[k]; f < 0.3-0.078 || f > 0.3+0.078 {
		t.Fatalf("noise floor %.3f, want 0.30 ± 0.078", f)
	}
	opt := DefaultOptions
	opt.Floor = floor
	rep := compareTexts(t, oldText, newText, opt)
	if rep.Fail() {
		t.Errorf("a 20%% slowdown under a 30%% noise floor failed:\n%s", text(t, rep))
	}
	if r := row(t, rep, "Kernel", "sec/op"); r.Threshold != floor[k] || r.Verdict != Slower {
		t.Errorf("threshold %.3f verdict %v, want %.3f and slower within threshold", r.Threshold, r.Verdict, floor[k])
	}
}

// Samples too small for the U test to ever reach alpha cannot pass silently.
func TestTooFewSamplesIsAProblem(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	s := spec{name: "Kernel", center: 1e-3, noise: 0.05, n: 3}
	oldText, _ := results(rng, "", s)
	newText, _ := results(rng, "", s)
	rep := compareTexts(t, oldText, newText, DefaultOptions)
	if !rep.Fail() || len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0], "cannot judge") {
		t.Errorf("n=3 at alpha 0.01: problems %q, want a 'cannot judge'", rep.Problems)
	}
}

// A unit without a direction is shown but not judged; contradictory unit
// metadata in the two files is a problem.
func TestUnitMetadata(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	s := spec{name: "Kernel", center: 1e-3, noise: 0.01, n: 10, gflops: true}
	oldText, _ := results(rng, "", s)
	s.center = 2e-3
	newText, _ := results(rng, "", s)
	opt := DefaultOptions
	opt.Gate = nil
	rep := compareTexts(t, oldText, newText, opt)
	if r := row(t, rep, "Kernel", "GFLOP/s"); r.Verdict != Undirected {
		t.Errorf("GFLOP/s without metadata: verdict %v, want no direction", r.Verdict)
	}
	rep = compareTexts(t, gflopsUnit+oldText, "Unit GFLOP/s better=lower\n"+newText, opt)
	found := false
	for _, p := range rep.Problems {
		found = found || strings.Contains(p, "unit GFLOP/s: better=higher, but")
	}
	if !found {
		t.Errorf("conflicting metadata: problems %q, want one naming GFLOP/s", rep.Problems)
	}
}

func TestPatternMatch(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"BenchmarkGemm/f32/(NN|NT|TN)/256x256x128$", "Gemm/f32/NT/256x256x128-2", true},
		{"BenchmarkGemm/f32/(NN|NT|TN)/256x256x128$", "Gemm/f64/NT/256x256x128-2", false},
		{"BenchmarkGemm/f32/(NN|NT|TN)/256x256x128$", "Gemm/f32/NT/256x256x1280-2", false},
		{"BenchmarkGemm/f32", "Gemm/f32/NN/1024x1024x1024", true},
		{"BenchmarkGemm/f32/NN/1024", "Gemm/f32", false},
		{"Gemm", "BenchmarkGemm-8", true},
		{"^BenchmarkGemm$", "GemmRef/x", false},
		{"BenchmarkTrain/[a/b]", "Train/a", true},
		{"BenchmarkTrain/(x/y)", "Train/x", false},
	}
	for _, c := range cases {
		p, err := ParsePattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Match(c.name); got != c.want {
			t.Errorf("%q.Match(%q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
	for _, bad := range []string{"", "Benchmark(", "Gemm/[z-a]"} {
		if _, err := ParsePattern(bad); err == nil {
			t.Errorf("ParsePattern(%q) succeeded, want an error", bad)
		}
	}
}

// The smallest U-test p-values benchmath tabulates for equal sizes n:
// 1/10 at n = 3, 2/252 at n = 5, 2/184756 at n = 10.
func TestUTestMinP(t *testing.T) {
	for _, c := range []struct {
		n    int
		want float64
	}{{3, 0.1}, {5, 2.0 / 252}, {10, 2.0 / 184756}} {
		// Lgamma's relative error is a few ulps of numbers up to ~40: 1e-12 bounds it.
		if got := uTestMinP(c.n, c.n); math.Abs(got-c.want) > 1e-12*c.want {
			t.Errorf("uTestMinP(%d, %d) = %g, want %g", c.n, c.n, got, c.want)
		}
	}
}
