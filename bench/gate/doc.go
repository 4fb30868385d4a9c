// Package gate decides whether a set of benchmark results is slower than
// another: the regression gate of "make ci" and "onebit benchgate".
//
// Results are read with golang.org/x/perf/benchfmt (the standard Go benchmark
// format). Each benchmark and unit gives two samples, one per file, compared
// with golang.org/x/perf/benchmath under AssumeNothing: the summary is the
// median with its order-statistic confidence interval and the test is the
// two-sided Mann-Whitney U test. A benchmark regresses in a unit when
//
//	p < alpha  and  slowdown > threshold,
//
// where the slowdown is new/old - 1 for a unit where lower is better (sec/op)
// and old/new - 1 where higher is better (GFLOP/s), so both units of one
// benchmark report the same 25% for a kernel that takes 25% longer.
// The direction of a unit comes from benchfmt unit metadata ("Unit GFLOP/s
// better=higher"), with benchfmt's defaults for the units of package testing.
//
// Units whose metadata says assume=exact (allocs/op, B/op) are deterministic
// up to the runtime's occasional allocations, which only add: they are
// compared by their best value over the sample (the minimum, for lower is
// better), and any worsening of it is a regression, with no threshold.
//
// Bad input fails instead of passing vacuously: ReadFile rejects a file with
// no usable result (ErrNoResults); NaN and ±Inf values are dropped with their
// position, which fails the comparison (the U test would not terminate on
// them); and a comparison in which no row is gated fails (ErrNoGatedRows).
// Report.Err tells these apart from a regression.
package gate
