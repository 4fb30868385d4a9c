// Package bench holds the project's benchmarks (in its _test.go files) and
// the lists the regression gate reads: the gate set, whose regressions block a
// landing, and the metadata of the units the benchmarks report.
//
// Run the benchmarks with
//
//	go test -run '^$' -bench . ./bench
//
// and compare two builds with "make bench-compare BASE=<rev>" (see
// bench/compare.sh and the bench/gate package).
//
// Citations "THEORY.md <section>" refer to docs/THEORY.md at the repository root.
package bench

import (
	"fmt"
	"io"
	"sort"
)

// GateSet lists the benchmarks whose regressions block a landing, one pattern
// per line. A pattern has the form "go test -bench" takes: regular expressions
// separated by unbracketed slashes, one per level of the benchmark's name,
// each matching anywhere within that level ("$" anchors the end).
//
// Keep the whole set fast: "make ci" runs it for at least 10 interleaved
// rounds of three binaries (base, head, head again for the A/A noise floor)
// in a few minutes on 2 cores. Heavy shapes belong in ad hoc comparisons
// ("make bench-compare"), not here. Adding a benchmark to the gate is one line.
var GateSet = []string{
	"^BenchmarkGemm$/f32/(NN|NT|TN)/256x256x128$",
	"^BenchmarkGemm$/f64/(NN|NT|TN)/256x256x128$",
	"^BenchmarkGemm$/f32/NN/1024x784x392$",
	"BenchmarkTrainStep/population/bg0.1/d200-n200$",
	"BenchmarkTrainStep/sgd/d256-n128-batch256$",
	"BenchmarkStateEvolution/vamp/bg0.1-r1$",
	"BenchmarkMMSE/bg:0.1$",
}

// Units gives, for each unit a benchmark here reports, its benchfmt unit
// metadata: better={higher,lower} is the direction of an improvement and
// assume={nothing,exact} the statistical assumption the gate makes
// (exact: the value is deterministic, so any increase is a regression).
//
// allocs/op is exact: package testing truncates allocations/N, so the
// runtime's occasional extra allocation (a fresh goroutine descriptor after a
// GC) vanishes once N > 1, and the best value of ten runs is the steady
// state. B/op is not: the same extra bytes divided by N move it by up to
// 2x between runs of one binary (368 to 848 B/op measured for one Gemm shape),
// so it is compared statistically like time.
// Units not listed take benchfmt's defaults (sec/op: lower is better).
var Units = map[string]string{
	"GFLOP/s":    "better=higher assume=nothing",
	"cpu-sec/op": "better=lower assume=nothing",
	"samples/s":  "better=higher assume=nothing",
	"masks/s":    "better=higher assume=nothing",
	"allocs/op":  "better=lower assume=exact",
	"B/op":       "better=lower assume=nothing",
}

// WriteUnits writes Units as benchfmt "Unit" lines, sorted by unit, so that a
// benchmark output file states how its units are compared.
func WriteUnits(w io.Writer) error {
	names := make([]string, 0, len(Units))
	for u := range Units {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		if _, err := fmt.Fprintf(w, "Unit %s %s\n", u, Units[u]); err != nil {
			return err
		}
	}
	return nil
}
