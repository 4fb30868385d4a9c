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
