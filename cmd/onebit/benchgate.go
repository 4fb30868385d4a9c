package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"github.com/seed05b1c944/onebit/bench"
	"github.com/seed05b1c944/onebit/bench/gate"
)

func init() {
	register(command{
		name:    "benchgate",
		summary: "compare two benchmark result files; exit 1 on a significant slowdown",
		run:     runBenchgate,
	})
}

const benchgateUsage = `usage: onebit benchgate OLD.txt NEW.txt [--threshold 10%] [--alpha 0.01] [--set all|gate] [--aa A1.txt,A2.txt]
       onebit benchgate --list gate

Compares the benchmark results in NEW.txt with those in OLD.txt (Go benchmark
format, several runs of each benchmark) by medians and the Mann-Whitney U test,
and exits 1 when a compared benchmark is slower by more than the threshold at
significance alpha, when allocs/op grows at all, or when a file has
parse errors or a gated benchmark is missing from NEW.txt. --set gate compares
only the gate set (bench.GateSet) for the verdict. --aa gives the results of an
A/A run (the same binary twice, interleaved) whose per-benchmark difference is
the noise floor: the threshold of a benchmark is never below it. --list gate
prints the gate set's patterns, one per line.
`

func runBenchgate(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("benchgate", stderr)
	threshold := fset.String("threshold", "10%", "smallest slowdown that fails, in percent")
	alpha := fset.Float64("alpha", 0.01, "significance level of the U test, in (0, 1)")
	set := fset.String("set", "all", "benchmarks that can fail: all, or gate (bench.GateSet)")
	aa := fset.String("aa", "", "comma-separated pair of A/A result files giving the noise floor")
	list := fset.String("list", "", "print the patterns of the named set (gate) and exit")
	fset.Usage = func() {
		fmt.Fprint(stderr, benchgateUsage+"\nflags:\n")
		fset.SetOutput(stderr)
		fset.PrintDefaults()
	}
	files, err := parseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if *list != "" {
		if *list != "gate" {
			return usagef("flag --list: unknown set %q, want gate", *list)
		}
		for _, p := range bench.GateSet {
			fmt.Fprintln(stdout, p)
		}
		return nil
	}
	if len(files) != 2 {
		return usagef("want two result files OLD.txt NEW.txt, got %d arguments", len(files))
	}
	opt, err := gateOptions(*threshold, *alpha, *set)
	if err != nil {
		return err
	}
	if *aa != "" {
		if opt.Floor, err = noiseFloor(*aa, opt, stdout); err != nil {
			return err
		}
	}
	old, new, err := readPair(files[0], files[1])
	if err != nil {
		return err
	}
	rep := gate.Compare(old, new, opt)
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		if errors.Is(err, gate.ErrNoResults) || errors.Is(err, gate.ErrNoGatedRows) {
			return usagef("%v", err)
		}
		return err
	}
	return nil
}

// gateOptions builds the comparison options from the flags.
func gateOptions(threshold string, alpha float64, set string) (gate.Options, error) {
	opt := gate.DefaultOptions
	var err error
	if opt.Threshold, err = parsePercent(threshold); err != nil {
		return opt, usagef("flag --threshold: %v", err)
	}
	if !(alpha > 0 && alpha < 1) {
		return opt, usagef("flag --alpha: must be in (0, 1), got %g", alpha)
	}
	opt.Alpha = alpha
	switch set {
	case "all":
	case "gate":
		for _, src := range bench.GateSet {
			p, err := gate.ParsePattern(src)
			if err != nil {
				return opt, fmt.Errorf("bench.GateSet: %v", err)
			}
			opt.Gate = append(opt.Gate, p)
		}
	default:
		return opt, usagef("flag --set: must be all or gate, got %q", set)
	}
	return opt, nil
}

// noiseFloor compares the A/A pair of result files named in aa ("A,A'"),
// prints the floor and returns it.
func noiseFloor(aa string, opt gate.Options, stdout io.Writer) (map[gate.Key]float64, error) {
	pair := strings.Split(aa, ",")
	if len(pair) != 2 {
		return nil, usagef("flag --aa: wants two files separated by a comma, got %q", aa)
	}
	a1, a2, err := readPair(pair[0], pair[1])
	if err != nil {
		return nil, err
	}
	aaOpt := opt
	aaOpt.Threshold, aaOpt.Gate = 0, nil
	aaRep := gate.Compare(a1, a2, aaOpt)
	fmt.Fprintf(stdout, "A/A noise floor: %s vs %s (the same binary, interleaved); floor = |slowdown| of each benchmark\n", pair[0], pair[1])
	writeFloor(stdout, aaRep)
	if len(aaRep.Problems) > 0 {
		return nil, fmt.Errorf("A/A files: %s", strings.Join(aaRep.Problems, "; "))
	}
	fmt.Fprintln(stdout)
	return gate.NoiseFloor(aaRep), nil
}

// writeFloor prints, per benchmark and statistically compared unit, the A/A
// difference of medians and the spread (95% CI) of each half.
func writeFloor(w io.Writer, rep *gate.Report) {
	fmt.Fprintf(w, "  %-48s %-10s %8s %10s %10s\n", "name", "unit", "floor", "A ±CI", "A' ±CI")
	for _, row := range rep.Rows {
		if row.Exact || row.OldN == 0 || row.NewN == 0 || row.Better == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-48s %-10s %7.2f%% %10s %10s\n", row.Name, row.Unit, 100*math.Abs(row.Slowdown),
			row.Old.PctRangeString(), row.New.PctRangeString())
	}
}

func readPair(oldPath, newPath string) (*gate.Set, *gate.Set, error) {
	var sets [2]*gate.Set
	for i, p := range []string{oldPath, newPath} {
		s, err := gate.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, gate.ErrNoResults) {
			return nil, nil, usagef("%v", err)
		}
		if err != nil {
			return nil, nil, err
		}
		sets[i] = s
	}
	return sets[0], sets[1], nil
}

// parsePercent parses "10%" or "10" as the fraction 0.10.
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("want a non-negative percentage such as 10%%, got %q", s)
	}
	return v / 100, nil
}

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, which it returns.
func parseInterspersed(fset *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	usage := fset.Usage
	fset.Usage = func() {} // the flag package calls it on every error
	for {
		fset.SetOutput(io.Discard)
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, flag.ErrHelp
			}
			return nil, usageError{singleDash.ReplaceAllString(err.Error(), "$1--$2")}
		}
		args = fset.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
