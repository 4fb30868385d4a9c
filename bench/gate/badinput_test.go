package gate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// tenRuns is a results file with ten runs of BenchmarkK at 1.000-1.009 µs/op
// followed by extra (lines appended verbatim).
func tenRuns(extra string) string {
	var b strings.Builder
	b.WriteString("goos: linux\npkg: example.com/p\n")
	for i := range 10 {
		fmt.Fprintf(&b, "BenchmarkK-2 \t 100\t %d ns/op\n", 1000+i)
	}
	b.WriteString(extra)
	return b.String()
}

// Non-finite values (NaN, +Inf, -Inf, in any unit) are dropped by Read with
// a positioned message, and Compare then fails the gate with that message
// instead of handing NaN to the U test, which does not terminate on it (it
// ran out of memory at 24 GB). The Read checks come first, so that without
// the fix this test fails at once instead of reaching the U test.
func TestNonFiniteValuesAreDropped(t *testing.T) {
	for _, c := range []struct{ line, value string }{
		{"BenchmarkK-2 \t 100\t NaN ns/op\n", "NaN"},
		{"BenchmarkK-2 \t 100\t +Inf ns/op\n", "+Inf"},
		{"BenchmarkK-2 \t 100\t -Inf ns/op\n", "-Inf"},
		{"BenchmarkK-2 \t 100\t 1005 ns/op\t NaN GFLOP/s\n", "NaN"},
	} {
		newText := tenRuns(c.line)
		s, err := Read(strings.NewReader(newText), "new.txt")
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range s.Values {
			for _, v := range vs {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%q: Read kept %v for %v", c.line, v, k)
				}
			}
		}
		want := fmt.Sprintf("new.txt:13: BenchmarkK-2: non-finite value %s", c.value)
		if len(s.Errors) != 1 || !strings.Contains(s.Errors[0].Error(), want) {
			t.Fatalf("%q: errors %v, want one containing %q", c.line, s.Errors, want)
		}
		if n := len(s.Values[Key{"example.com/p", "K-2", "sec/op"}]); n < 10 {
			t.Errorf("%q: %d sec/op values kept, want the 10 finite ones (and 11 if the line had one)", c.line, n)
		}
		rep := compareWithin(t, tenRuns(""), newText, DefaultOptions)
		if !rep.Fail() || !strings.Contains(strings.Join(rep.Problems, "\n"), want) {
			t.Errorf("%q: problems %q, want a failure naming %q", c.line, rep.Problems, want)
		}
	}
}

// compareWithin compares the two texts, failing the test if Compare does not
// return within 10 s (the U test on NaN does not).
func compareWithin(t *testing.T, oldText, newText string, opt Options) *Report {
	t.Helper()
	done := make(chan *Report, 1)
	go func() { done <- compareTexts(t, oldText, newText, opt) }()
	select {
	case rep := <-done:
		return rep
	case <-time.After(10 * time.Second):
		t.Fatal("Compare did not return within 10 s")
		return nil
	}
}

// A Set built by hand may hold NaN; Compare drops it (and says so) rather
// than looping in the U test, and a side left with no values cannot pass.
func TestCompareDropsNonFiniteOfHandBuiltSets(t *testing.T) {
	k := Key{Name: "K-2", Unit: "sec/op"}
	set := func(file string, vs ...float64) *Set {
		return &Set{File: file, Keys: []Key{k}, Values: map[Key][]float64{k: vs}, First: map[Key]Pos{k: {file, 1}}, Results: len(vs)}
	}
	vals := []float64{1, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07, 1.08, 1.09}
	for _, c := range []struct {
		name    string
		old     *Set
		new     *Set
		verdict Verdict
	}{
		{"one NaN", set("old", vals...), set("new", append([]float64{math.NaN()}, vals...)...), Same},
		{"only NaN", set("old", vals...), set("new", math.NaN(), math.Inf(1)), NoFinite},
	} {
		done := make(chan *Report, 1)
		go func() { done <- Compare(c.old, c.new, DefaultOptions) }()
		var rep *Report
		select {
		case rep = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Compare did not return within 10 s", c.name)
		}
		if !rep.Fail() || len(rep.Rows) != 1 || rep.Rows[0].Verdict != c.verdict {
			t.Errorf("%s: fail=%v rows %+v problems %q, want a failure with verdict %v", c.name, rep.Fail(), rep.Rows, rep.Problems, c.verdict)
		}
	}
}

// Files with no usable benchmark result are an error of ReadFile wrapping
// ErrNoResults (they used to give "gate PASS: 0 gated rows"), and a Set
// without results (Read accepts one) makes Compare fail with Err wrapping
// ErrNoResults.
func TestNoResultsIsAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 21))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	printable := make([]byte, 4096)
	for i := range printable {
		printable[i] = " \tabcdefghijklmnopqrstuvwxyzBenchmark0123456789-/:\n"[rng.IntN(50)]
	}
	cases := map[string]string{
		"empty":            "",
		"blank lines":      "\n\n  \n",
		"random bytes":     string(random),
		"random text":      string(printable),
		"NUL bytes":        strings.Repeat("\x00", 100),
		"config only":      "goos: linux\ngoarch: amd64\npkg: example.com/p\nPASS\nok  example.com/p 1.0s\n",
		"only malformed":   "BenchmarkK-2 100 12x4 ns/op\nBenchmarkK-2 100\n",
		"only NaN":         "BenchmarkK-2 \t 100\t NaN ns/op\nBenchmarkK-2 \t 100\t NaN ns/op\n",
		"units, no result": "Unit GFLOP/s better=higher\n",
	}
	dir := t.TempDir()
	good := write(t, dir, "good.txt", tenRuns(""))
	for name, text := range cases {
		p := write(t, dir, strings.ReplaceAll(name, " ", "_")+".txt", text)
		s, err := ReadFile(p)
		if !errors.Is(err, ErrNoResults) || s != nil {
			t.Errorf("%s: ReadFile gave set %v, error %v; want an error wrapping ErrNoResults", name, s != nil, err)
			continue
		}
		if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q, want one line naming the file", name, err)
		}
		// The library path that skips ReadFile: Read then Compare.
		empty, err := Read(strings.NewReader(text), p)
		if err != nil {
			continue // a read error (e.g. a line longer than the scanner's buffer) is an error too
		}
		goodSet, err := ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]*Set{{empty, goodSet}, {goodSet, empty}, {empty, empty}} {
			rep := Compare(pair[0], pair[1], DefaultOptions)
			if err := rep.Err(); !errors.Is(err, ErrNoResults) {
				t.Errorf("%s: Compare(%s, %s): Err %v, want one wrapping ErrNoResults", name, pair[0].File, pair[1].File, err)
			}
		}
	}
}

// A comparison in which no row is gated judged nothing: when the gate set
// matches no benchmark, Err wraps ErrNoGatedRows (one line). A passing
// comparison has Err nil, and a regression a plain error.
func TestNoGatedRowsIsAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 23))
	oldText, _ := results(rng, "", spec{name: "A", center: 1e-3, noise: 0.01, n: 10})
	newText, _ := results(rng, "", spec{name: "A", center: 1e-3, noise: 0.01, n: 10})
	slowText, _ := results(rng, "", spec{name: "A", center: 1.5e-3, noise: 0.01, n: 10})
	p, err := ParsePattern("BenchmarkNoSuch")
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions
	opt.Gate = []*Pattern{p}
	rep := compareTexts(t, oldText, newText, opt)
	if err := rep.Err(); !errors.Is(err, ErrNoGatedRows) || strings.Contains(err.Error(), "\n") {
		t.Errorf("gate set matching nothing: Err %v, want one line wrapping ErrNoGatedRows\n%s", err, text(t, rep))
	}
	if rep := compareTexts(t, oldText, newText, DefaultOptions); rep.Err() != nil {
		t.Errorf("equal samples: Err %v, want nil", rep.Err())
	}
	rep = compareTexts(t, oldText, slowText, DefaultOptions)
	if err := rep.Err(); err == nil || errors.Is(err, ErrNoGatedRows) || errors.Is(err, ErrNoResults) {
		t.Errorf("50%% regression: Err %v, want a plain error", err)
	}
}
