package gate

import (
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// WriteText writes the report as benchstat-style tables, one per package
// and unit, followed by the problems and a one-line verdict.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i := 0; i < len(r.Rows); {
		j := i
		for j < len(r.Rows) && r.Rows[j].Pkg == r.Rows[i].Pkg && r.Rows[j].Unit == r.Rows[i].Unit {
			j++
		}
		r.writeGroup(tw, r.Rows[i:j], i == 0 || r.Rows[i-1].Pkg != r.Rows[i].Pkg)
		i = j
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(tw, "\nproblems:\n")
		for _, p := range r.Problems {
			fmt.Fprintf(tw, "  %s\n", p)
		}
	}
	fmt.Fprintf(tw, "\n%s\n", r.Summary())
	return tw.Flush()
}

// Summary is a one-line account of the report: PASS or FAIL and the counts.
func (r *Report) Summary() string {
	counts := map[Verdict]int{}
	gated := 0
	for _, row := range r.Rows {
		if row.Gated {
			gated++
			counts[row.Verdict]++
		}
	}
	verdict := "PASS"
	if r.Fail() {
		verdict = "FAIL"
	}
	return fmt.Sprintf("gate %s: %d gated rows (threshold %.1f%%, alpha %g): %d regressions, %d slower within threshold, %d better, %d new, %d missing; %d problems",
		verdict, gated, 100*r.Opts.Threshold, r.Opts.Alpha, counts[Regression], counts[Slower], counts[Better], counts[New], counts[Missing], len(r.Problems))
}

func (r *Report) writeGroup(w io.Writer, rows []Row, newPkg bool) {
	first := rows[0]
	if newPkg && first.Pkg != "" {
		fmt.Fprintf(w, "\npkg: %s\n", first.Pkg)
	}
	dir := map[int]string{-1: "lower is better", 1: "higher is better", 0: "no direction declared"}[first.Better]
	how := fmt.Sprintf("median ± %.0f%% CI, U test", 100*r.Opts.Confidence)
	if first.Exact {
		how = "exact: best of sample"
	}
	fmt.Fprintf(w, "\n%s (%s; %s)\n", first.Unit, dir, how)
	fmt.Fprintf(w, "name\t%s\t%s\tdelta\tthreshold\tverdict\n", filepath.Base(r.OldFile), filepath.Base(r.NewFile))
	var centers []float64
	for _, row := range rows {
		if row.OldN > 0 {
			centers = append(centers, row.Old.Center)
		}
		if row.NewN > 0 {
			centers = append(centers, row.New.Center)
		}
	}
	cls := benchunit.ClassOf(first.Unit)
	sc := benchunit.CommonScale(centers, cls)
	for _, row := range rows {
		mark := " "
		if row.Gated {
			mark = "*"
		}
		fmt.Fprintf(w, "%s%s\t%s\t%s\t%s\t%s\t%s\n", mark, row.Name,
			cell(sc, row.Old, row.OldN, row.Exact), cell(sc, row.New, row.NewN, row.Exact),
			delta(row), thresholdCell(row), row.Verdict)
	}
}

func cell(sc benchunit.Scaler, s benchmath.Summary, n int, exact bool) string {
	switch {
	case n == 0:
		return "-"
	case exact:
		return fmt.Sprintf("%s (n=%d)", sc.Format(s.Center), n)
	}
	return fmt.Sprintf("%s %s (n=%d)", sc.Format(s.Center), pctRange(s), n)
}

// pctRange is benchmath's range of the interval as a percentage of the center.
func pctRange(s benchmath.Summary) string { return "± " + s.PctRangeString() }

func delta(row Row) string {
	if row.OldN == 0 || row.NewN == 0 || (row.Verdict == Same && !row.Exact) {
		if row.OldN > 0 && row.NewN > 0 {
			return fmt.Sprintf("~ %+.2f%% (p=%.3f)", 100*row.Delta, row.P)
		}
		return ""
	}
	if row.Exact {
		return fmt.Sprintf("%+.2f%%", 100*row.Delta)
	}
	return fmt.Sprintf("%+.2f%% (p=%.3f)", 100*row.Delta, row.P)
}

func thresholdCell(row Row) string {
	if row.Exact {
		return "exact"
	}
	return fmt.Sprintf("%.1f%%", 100*row.Threshold)
}
