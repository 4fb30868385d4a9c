package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"golang.org/x/perf/benchmath"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/seed05b1c944/onebit/bench"
	"github.com/seed05b1c944/onebit/bench/gate"
	"github.com/seed05b1c944/onebit/internal/output"
)

func init() {
	register(command{
		name:    "benchplot",
		summary: "plot the gate set's benchmark history (results/bench) as ratios to the first commit",
		run:     runBenchplot,
	})
}

// historyName matches a history file written by "make bench-record":
// <commit date>-<time>-<short sha>.txt, so that names sort in commit order.
var historyName = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})-\d{6}-([0-9a-f]{7,40})\.txt$`)

func runBenchplot(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("benchplot", stderr)
	dir := fset.String("dir", "results/bench", "directory of history files <date>-<time>-<sha>.txt")
	out := fset.String("out", "results/bench/history.png", "PNG file to write")
	unit := fset.String("unit", "cpu-sec/op", "unit to plot (tidied benchfmt unit: cpu-sec/op, sec/op, GFLOP/s); CPU time is the default because wall time on this shared machine moves by 2x between days")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		return usagef("--dir %s is not a directory", *dir)
	}
	hist, err := readHistory(*dir)
	if err != nil {
		return err
	}
	p, err := historyPlot(hist, *unit)
	if err != nil {
		return err
	}
	if err := output.WritePlot(p, 8*vg.Inch, 5*vg.Inch, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "benchplot: %d commits, %s: wrote %s\n", len(hist), *unit, *out)
	return nil
}

// commitResults are the recorded results of one commit.
type commitResults struct {
	label string // "<date> <sha>"
	set   *gate.Set
}

// readHistory reads the history files of dir in name (commit) order.
func readHistory(dir string) ([]commitResults, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var hist []commitResults
	for _, e := range entries { // ReadDir sorts by name
		m := historyName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		s, err := gate.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if len(s.Errors) > 0 {
			return nil, s.Errors[0]
		}
		sha := m[2]
		if len(sha) > 7 {
			sha = sha[:7]
		}
		hist = append(hist, commitResults{label: m[1] + "\n" + sha, set: s})
	}
	if len(hist) == 0 {
		return nil, fmt.Errorf("no history files <date>-<time>-<sha>.txt in %s (record one with make bench-record)", dir)
	}
	return hist, nil
}

// ratioSeries is one benchmark across commits: the median of unit at each
// commit divided by the median at the first commit that has it, with the
// 95% confidence interval of the median scaled alike.
type ratioSeries struct {
	name string
	x    []float64
	y    []float64
	lo   []float64 // y - lower bound
	hi   []float64 // upper bound - y
}

func (s *ratioSeries) Len() int                        { return len(s.x) }
func (s *ratioSeries) XY(i int) (float64, float64)     { return s.x[i], s.y[i] }
func (s *ratioSeries) YError(i int) (float64, float64) { return s.lo[i], s.hi[i] }

// historyPlot draws, for each gate-set benchmark found in the history, the
// ratio of its median in unit to that of its first recorded commit.
func historyPlot(hist []commitResults, unit string) (*plot.Plot, error) {
	series, err := historySeries(hist, unit)
	if err != nil {
		return nil, err
	}
	keys := make([]gate.Key, 0, len(series))
	for k := range series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })

	p := plot.New()
	p.Title.Text = fmt.Sprintf("gate set: %s / first commit (median, 95%% CI)", unit)
	p.X.Padding, p.Legend.XOffs = vg.Points(20), -vg.Points(4)
	p.Y.Label.Text = "ratio to first commit"
	labels := make([]string, len(hist))
	for i, c := range hist {
		labels[i] = c.label
	}
	p.NominalX(labels...)
	p.Add(plotter.NewGrid())
	for i, k := range keys {
		s := series[k]
		line, points, err := plotter.NewLinePoints(s)
		if err != nil {
			return nil, err
		}
		line.Color, points.Color, points.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		line.Dashes = plotutil.Dashes(i / len(plotutil.DefaultColors))
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
		bars, err := plotter.NewYErrorBars(s)
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(i)
		p.Add(bars)
	}
	p.Legend.Top = true
	p.Y.Tick.Marker = ratioTicks{}
	logAxisIfWide(p, series)
	return p, nil
}

// historySeries returns, per gate-set benchmark reporting unit, the ratio
// of each commit's median to the first commit's, with its 95% CI.
func historySeries(hist []commitResults, unit string) (map[gate.Key]*ratioSeries, error) {
	var pats []*gate.Pattern
	for _, src := range bench.GateSet {
		pt, err := gate.ParsePattern(src)
		if err != nil {
			return nil, fmt.Errorf("bench.GateSet: %v", err)
		}
		pats = append(pats, pt)
	}
	series := map[gate.Key]*ratioSeries{}
	base := map[gate.Key]float64{}
	th := &benchmath.Thresholds{CompareAlpha: 0.05}
	for i, c := range hist {
		for _, k := range c.set.Keys {
			if k.Unit != unit || !matchAny(pats, k.Name) {
				continue
			}
			sum := benchmath.AssumeNothing.Summary(benchmath.NewSample(c.set.Values[k], th), 0.95)
			if _, ok := base[k]; !ok {
				if sum.Center == 0 {
					continue
				}
				base[k] = sum.Center
				series[k] = &ratioSeries{name: k.Name}
			}
			s, b := series[k], base[k]
			y := sum.Center / b
			s.x, s.y = append(s.x, float64(i)), append(s.y, y)
			s.lo, s.hi = append(s.lo, finiteOr(y-sum.Lo/b)), append(s.hi, finiteOr(sum.Hi/b-y))
		}
	}
	if len(series) == 0 {
		return nil, fmt.Errorf("no gate-set benchmark reports %s in the history files", unit)
	}
	return series, nil
}

// logAxisIfWide puts p on a log axis when the ratios span more than 4x (a
// kernel rewrite); the legend then sits low on the left, under the first
// commit's 1.0.
func logAxisIfWide(p *plot.Plot, series map[gate.Key]*ratioSeries) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for i, y := range s.y {
			lo, hi = min(lo, y-s.lo[i]), max(hi, y+s.hi[i])
		}
	}
	if !(lo > 0 && hi/lo > 4) {
		return
	}
	p.Y.Scale = plot.LogScale{}
	var ticks []plot.Tick
	for _, v := range []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10} {
		if v >= lo/2 && v <= 2*hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
		}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Legend.Top, p.Legend.Left = false, true
	p.Legend.XOffs = vg.Points(30)
}

// ratioTicks labels a ratio axis at round steps with two decimals (the
// default ticker's labels lose the digits that matter for ratios near 1).
type ratioTicks struct{}

func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 0.01
	for _, s := range []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10} {
		step = s
		if (hi-lo)/s <= 8 {
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 2, 64)})
	}
	return ticks
}

func matchAny(pats []*gate.Pattern, name string) bool {
	for _, p := range pats {
		if p.Match(name) {
			return true
		}
	}
	return false
}

// finiteOr returns v, or 0 for an infinite interval bound (too few runs).
func finiteOr(v float64) float64 {
	if v != v || v > 1e300 || v < -1e300 {
		return 0
	}
	return v
}
