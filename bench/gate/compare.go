package gate

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// Options configures Compare. The zero value is not useful; start from
// DefaultOptions.
type Options struct {
	// Threshold is the smallest slowdown (a fraction: 0.10 is 10%) that
	// counts as a regression.
	Threshold float64
	// Alpha is the significance level of the Mann-Whitney U test.
	Alpha float64
	// Confidence is the level of the median confidence intervals shown.
	Confidence float64
	// Gate, if non-empty, restricts the benchmarks that can fail the
	// comparison to those matching one of the patterns; the others are
	// reported only. Every pattern must match a benchmark in one of the
	// two sets; one that matches only the new set reports "new" and passes.
	Gate []*Pattern
	// Floor is the noise floor per key, a fraction (see NoiseFloor): the
	// threshold for a key is max(Threshold, Floor[key]).
	Floor map[Key]float64
}

// DefaultOptions are those of "onebit benchgate" without flags.
var DefaultOptions = Options{Threshold: 0.10, Alpha: 0.01, Confidence: 0.95}

// Verdict is the outcome of comparing one key.
type Verdict int

const (
	Same       Verdict = iota // no significant difference
	Better                    // significantly better
	Slower                    // significantly worse, but within the threshold
	Regression                // significantly worse by more than the threshold
	New                       // only in the new set
	Missing                   // only in the old set
	Undirected                // the unit has no declared direction: not judged
	NoFinite                  // a side has no finite value: not judged (a problem)
)

var verdictNames = [...]string{"~", "better", "slower (within threshold)", "REGRESSION", "new", "MISSING in new", "no direction", "no finite values"}

func (v Verdict) String() string { return verdictNames[v] }

// Row is the comparison of one key.
type Row struct {
	Key
	Old, New   benchmath.Summary // centers and intervals; zero when absent
	OldN, NewN int
	Exact      bool    // compared by best value, without statistics
	Better     int     // +1 higher is better, -1 lower is better, 0 unknown
	Delta      float64 // new/old - 1 of the centers
	Slowdown   float64 // new/old - 1 (lower is better) or old/new - 1 (higher is better)
	P          float64 // U-test p-value (0 for exact units)
	Threshold  float64 // the threshold applied: max(Options.Threshold, floor)
	Gated      bool    // whether this row can fail the comparison
	Verdict    Verdict
	Pos        Pos // first appearance in the old set, or in the new set if absent there
}

// Report is the result of Compare.
type Report struct {
	OldFile, NewFile string
	Opts             Options
	Rows             []Row    // sorted by package, unit, name
	Problems         []string // parse errors, missing gated benchmarks, unusable samples
	empty            []string // files of the compared sets that hold no results
}

// ErrNoGatedRows is wrapped by Report.Err when no row can fail the
// comparison: the gate set (Options.Gate) matches no benchmark of either set.
// Like ErrNoResults it means the gate judged nothing, which must not pass.
var ErrNoGatedRows = errors.New("no gated rows")

// Err returns nil when the comparison passes. Otherwise it returns an error
// carrying the one-line Summary that wraps ErrNoResults when a compared set
// holds no results, or ErrNoGatedRows when no row is gated (bad input rather
// than a slowdown: "onebit benchgate" should exit 2 for both), and is
// plain otherwise (a regression or another problem).
func (r *Report) Err() error {
	if !r.Fail() {
		return nil
	}
	var kind error
	switch {
	case len(r.empty) > 0:
		kind = ErrNoResults
	case r.gatedRows() == 0:
		kind = ErrNoGatedRows
	default:
		return errors.New(r.Summary())
	}
	return fmt.Errorf("%w: %s", kind, r.Summary())
}

func (r *Report) gatedRows() int {
	n := 0
	for _, row := range r.Rows {
		if row.Gated {
			n++
		}
	}
	return n
}

// Regressions returns the gated rows whose verdict is Regression.
func (r *Report) Regressions() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Gated && row.Verdict == Regression {
			out = append(out, row)
		}
	}
	return out
}

// Fail reports whether the comparison blocks: a gated regression or any problem.
func (r *Report) Fail() bool { return len(r.Regressions()) > 0 || len(r.Problems) > 0 }

// Compare compares the new set with the old one.
func Compare(old, new *Set, opt Options) *Report {
	rep := &Report{OldFile: old.File, NewFile: new.File, Opts: opt}
	for _, s := range []*Set{old, new} {
		rep.addSetProblems(s)
	}
	units, conflicts := mergeUnits(old.Units, new.Units)
	rep.Problems = append(rep.Problems, conflicts...)
	gm := newGateMatcher(opt.Gate)
	th := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	for _, k := range unionKeys(old, new) {
		row := Row{Key: k, Gated: gm.gated(k), Better: units.GetBetter(k.Unit)}
		row.Exact = exact(units, k.Unit)
		row.Threshold = math.Max(opt.Threshold, opt.Floor[k])
		rep.Problems = append(rep.Problems, compareKey(&row, old, new, th, opt.Confidence)...)
		rep.Rows = append(rep.Rows, row)
	}
	rep.Problems = append(rep.Problems, gm.unmatched(old.File, new.File)...)
	if rep.gatedRows() == 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%v: no benchmark of %s or %s can fail the comparison", ErrNoGatedRows, old.File, new.File))
	}
	sortRows(rep.Rows)
	return rep
}

// addSetProblems records the parse errors of s and, if it holds no
// results, that it is empty.
func (r *Report) addSetProblems(s *Set) {
	for _, err := range s.Errors {
		r.Problems = append(r.Problems, "parse error: "+err.Error())
	}
	if len(s.Keys) == 0 {
		r.empty = append(r.empty, s.File)
		r.Problems = append(r.Problems, s.File+": "+ErrNoResults.Error())
	}
}

// gateMatcher applies Options.Gate and remembers which patterns matched.
type gateMatcher struct {
	gate    []*Pattern
	matched []bool
}

func newGateMatcher(gate []*Pattern) *gateMatcher {
	return &gateMatcher{gate: gate, matched: make([]bool, len(gate))}
}

// gated reports whether k can fail the comparison: every key if there is
// no gate, else the keys matching a pattern (all matching patterns are
// marked).
func (m *gateMatcher) gated(k Key) bool {
	if len(m.gate) == 0 {
		return true
	}
	g := false
	for i, p := range m.gate {
		if p.Match(k.Name) {
			m.matched[i], g = true, true
		}
	}
	return g
}

// unmatched returns a problem for each pattern that matched no key.
func (m *gateMatcher) unmatched(oldFile, newFile string) []string {
	var out []string
	for i, p := range m.gate {
		if !m.matched[i] {
			out = append(out, fmt.Sprintf("gate pattern %q matches no benchmark in %s or %s", p, oldFile, newFile))
		}
	}
	return out
}

// unionKeys returns the keys of old in order, then those only in new.
func unionKeys(old, new *Set) []Key {
	keys := append([]Key(nil), old.Keys...)
	for _, k := range new.Keys {
		if _, ok := old.Values[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// compareKey fills in row (whose Key, Gated, Better, Exact and Threshold
// are set) from the values of its key in old and new: Missing, New,
// NoFinite, or the statistics of compareRow. It returns the problems found.
func compareKey(row *Row, old, new *Set, th *benchmath.Thresholds, confidence float64) []string {
	k := row.Key
	ov, inOld := old.Values[k]
	nv, inNew := new.Values[k]
	switch {
	case !inNew:
		row.OldN, row.Pos, row.Verdict = len(ov), old.First[k], Missing
		if row.Gated {
			return []string{fmt.Sprintf("%s: %s is missing from %s", row.Pos, k, new.File)}
		}
		return nil
	case !inOld:
		row.NewN, row.Pos, row.Verdict = len(nv), new.First[k], New
		return nil
	}
	row.Pos = old.First[k]
	// Read never stores a non-finite value, but a Set may be built by
	// hand: the U test must never see NaN (it does not terminate).
	var problems []string
	var nOld, nNew int
	ov, nOld = finite(ov)
	nv, nNew = finite(nv)
	if nOld+nNew > 0 {
		problems = append(problems, fmt.Sprintf("%s: %s: %d non-finite values dropped", row.Pos, k, nOld+nNew))
	}
	if len(ov) == 0 || len(nv) == 0 {
		row.OldN, row.NewN, row.Verdict = len(ov), len(nv), NoFinite
		return append(problems, fmt.Sprintf("%s: %s: cannot judge: no finite values in one of the files", row.Pos, k))
	}
	return append(problems, compareRow(row, ov, nv, th, confidence)...)
}

// sortRows orders rows by package, unit and name (stable).
func sortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Key, rows[j].Key
		if a.Pkg != b.Pkg {
			return a.Pkg < b.Pkg
		}
		if a.Unit != b.Unit {
			return a.Unit < b.Unit
		}
		return a.Name < b.Name
	})
}

// compareRow fills in the statistics and verdict of a key present in both
// sets and returns the problems that prevent judging it.
func compareRow(row *Row, ov, nv []float64, th *benchmath.Thresholds, confidence float64) []string {
	so, sn := benchmath.NewSample(ov, th), benchmath.NewSample(nv, th)
	row.OldN, row.NewN = len(ov), len(nv)
	if row.Exact {
		// Best value: the runtime's sporadic allocations only add to an
		// exact unit, so the best of the sample is its steady state.
		best := func(s *benchmath.Sample) float64 {
			if row.Better > 0 {
				return s.Values[len(s.Values)-1]
			}
			return s.Values[0]
		}
		ob, nb := best(so), best(sn)
		row.Old = benchmath.Summary{Center: ob, Lo: so.Values[0], Hi: so.Values[len(so.Values)-1], Confidence: 1}
		row.New = benchmath.Summary{Center: nb, Lo: sn.Values[0], Hi: sn.Values[len(sn.Values)-1], Confidence: 1}
	} else {
		row.Old = benchmath.AssumeNothing.Summary(so, confidence)
		row.New = benchmath.AssumeNothing.Summary(sn, confidence)
	}
	row.Delta = ratio(row.New.Center, row.Old.Center) - 1
	switch row.Better {
	case -1:
		row.Slowdown = ratio(row.New.Center, row.Old.Center) - 1
	case +1:
		row.Slowdown = ratio(row.Old.Center, row.New.Center) - 1
	default:
		row.Verdict = Undirected
		return nil
	}
	if row.Exact {
		switch {
		case row.Slowdown > 0:
			row.Verdict = Regression
		case row.Slowdown < 0:
			row.Verdict = Better
		}
		return nil
	}
	cmp := benchmath.AssumeNothing.Compare(so, sn)
	row.P = cmp.P
	var problems []string
	if minP := uTestMinP(row.OldN, row.NewN); row.Gated && minP >= cmp.Alpha {
		problems = append(problems, fmt.Sprintf("%s: %s: cannot judge: with %d+%d samples the U test's smallest p-value is %.3g >= alpha %g",
			row.Pos, row.Key, row.OldN, row.NewN, minP, cmp.Alpha))
	}
	switch {
	case cmp.P >= cmp.Alpha:
		row.Verdict = Same
	case row.Slowdown > row.Threshold:
		row.Verdict = Regression
	case row.Slowdown > 0:
		row.Verdict = Slower
	case row.Slowdown < 0:
		row.Verdict = Better
	}
	return problems
}

// uTestMinP is the smallest two-sided p-value of the Mann-Whitney U test
// with samples of sizes n1 and n2: both orderings that separate the samples
// completely, 2 / C(n1+n2, n1).
func uTestMinP(n1, n2 int) float64 {
	lc, _ := math.Lgamma(float64(n1 + n2 + 1))
	l1, _ := math.Lgamma(float64(n1 + 1))
	l2, _ := math.Lgamma(float64(n2 + 1))
	return math.Min(1, 2*math.Exp(l1+l2-lc))
}

// ratio returns a/b, treating 0/0 as 1 (two zero allocation counts agree).
func ratio(a, b float64) float64 {
	if a == b {
		return 1
	}
	return a / b
}

// NoiseFloor returns, for every statistically compared key of an A/A
// report (two runs of the same binary, interleaved), the absolute slowdown
// it observed: the difference the gate measures when nothing changed. Used
// as Options.Floor, it keeps the threshold of each benchmark at or above
// the noise of this machine and job.
func NoiseFloor(aa *Report) map[Key]float64 {
	floor := map[Key]float64{}
	for _, row := range aa.Rows {
		if row.OldN > 0 && row.NewN > 0 && !row.Exact && row.Better != 0 {
			floor[row.Key] = math.Abs(row.Slowdown)
		}
	}
	return floor
}

// exact reports whether unit is compared exactly: as its metadata says, and
// for allocs/op without metadata, since package testing reports it as an
// integer count per operation.
func exact(units benchfmt.UnitMetadataMap, unit string) bool {
	if units.Get(unit, "assume") == nil {
		return unit == "allocs/op"
	}
	return units.GetAssumption(unit) == benchmath.AssumeExact
}

// mergeUnits combines the unit metadata of two files, reporting the keys
// the two declare differently.
func mergeUnits(a, b benchfmt.UnitMetadataMap) (benchfmt.UnitMetadataMap, []string) {
	m := benchfmt.UnitMetadataMap{}
	for k, v := range a {
		m[k] = v
	}
	var conflicts []string
	for k, v := range b {
		if have, ok := m[k]; ok && have.Value != v.Value {
			f1, l1 := have.Pos()
			f2, l2 := v.Pos()
			conflicts = append(conflicts, fmt.Sprintf("%s:%d: unit %s: %s=%s, but %s:%d says %s=%s",
				f1, l1, k.Unit, k.Key, have.Value, f2, l2, k.Key, v.Value))
			continue
		}
		m[k] = v
	}
	return m, conflicts
}
