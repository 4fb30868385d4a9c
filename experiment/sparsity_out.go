package experiment

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/seed05b1c944/onebit/internal/output"
	"github.com/seed05b1c944/onebit/theory"
)

// WriteSparsity writes OutDir/sparsity.csv, sparsity.json, sparsity.png and
// the report section OutDir/report.md.
func WriteSparsity(c SparsityConfig, pts []SparsityPoint) error {
	header := []string{"prior", "p", "rate", "dim", "bits", "steps", "prediction", "finite_d_haar", "finite_d_flat", "s4", "edgeworth_s4", "loss", "stderr", "gap_se"}
	var rows [][]string
	timings := map[string]float64{}
	pts = slices.Clone(pts)
	for i, p := range pts {
		rows = append(rows, []string{p.Prior, num(p.P), num(p.Rate), strconv.Itoa(p.Dim), strconv.Itoa(p.Bits), strconv.Itoa(p.Steps),
			num(p.Prediction), num(p.FiniteDHaar), num(p.FiniteDFlat), num(p.S4), num(p.EdgeworthS4), num(p.Loss), num(p.StdErr), num(p.GapSE)})
		timings[fmt.Sprintf("%s r=%g", p.Prior, p.Rate)] = p.TrainSeconds
		pts[i].TrainSeconds = 0 // wall time differs run to run: timings.json, not the data files
	}
	if err := writeTimings(c.OutDir, timings); err != nil {
		return err
	}
	if err := writeData(c.OutDir, "sparsity", header, rows, c, pts); err != nil {
		return err
	}
	if err := plotSparsity(c, pts, filepath.Join(c.OutDir, "sparsity.png")); err != nil {
		return err
	}
	return writeReport(c.OutDir, sparsityReport(c, pts))
}

func plotSparsity(c SparsityConfig, pts []SparsityPoint, path string) error {
	pl := plot.New()
	pl.Title.Text = fmt.Sprintf("Linear decoder on BG(p) ignores sparsity (d = %d, population GD)", c.Dim)
	pl.X.Label.Text = "sparsity p (fraction of nonzero coordinates)"
	pl.Y.Label.Text = "loss (1/d) E||x - x_hat||^2"
	pl.X.Scale = plot.LogScale{}
	pl.X.Tick.Marker = plot.ConstantTicks(logTicks(c.Ps))
	pl.Legend.Top = false
	pl.Legend.Left = true
	pl.Legend.XOffs = vg.Points(10)
	pl.Legend.YOffs = vg.Points(10)
	pMin := c.Ps[0]
	for _, p := range c.Ps {
		pMin = min(pMin, p)
	}
	for ri, r := range c.Rates {
		col := palette[ri%len(palette)]
		var data errPoints
		// RunSparsity returns the grid with rates outer: row ri is this block.
		for _, p := range pts[ri*len(c.Ps) : (ri+1)*len(c.Ps)] {
			data.add(p.P, p.Loss, 2*p.StdErr, math.Inf(-1))
		}
		if len(data.XYs) == 0 {
			continue
		}
		sc, eb, err := errorBars(data, col, draw.CircleGlyph{})
		if err != nil {
			return err
		}
		limit, _ := theory.GaussEquivalentLoss(r)
		lim := plotter.NewFunction(func(float64) float64 { return limit })
		lim.Color, lim.Width = col, vg.Points(1)
		lim.XMin, lim.XMax, lim.Samples = pMin, 1, 2
		fd := plotter.NewFunction(func(p float64) float64 {
			v, _ := theory.FiniteDLinearLoss(r, sparsityPrior(p).ExcessKurtosis(), c.Dim)
			return v
		})
		fd.Color, fd.Width, fd.Dashes = col, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
		fd.XMin, fd.XMax, fd.Samples = pMin, 1, 100
		pl.Add(lim, fd, eb, sc)
		pl.Legend.Add(fmt.Sprintf("r = %g: measured (±2 se)", r), sc)
		pl.Legend.Add(fmt.Sprintf("r = %g: 1 - 2r/pi (d -> inf)", r), lim)
		pl.Legend.Add(fmt.Sprintf("r = %g: finite-d, Haar rows", r), fd)
	}
	pl.Y.Min = 0
	return output.WritePlot(pl, 8*vg.Inch, 6*vg.Inch, path)
}

func logTicks(ps []float64) []plot.Tick {
	var t []plot.Tick
	for _, p := range ps {
		t = append(t, plot.Tick{Value: p, Label: strconv.FormatFloat(p, 'g', -1, 64)})
	}
	return t
}

func sparsityReport(c SparsityConfig, pts []SparsityPoint) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Claim 1: the linear decoder ignores sparsity\n\n")
	fmt.Fprintf(&b, "A two-layer autoencoder x_hat = A sign(Bx), trained by exact population gradient descent (THEORY.md 2; "+
		"%d steps, max(8, ceil(1.6/p)) support masks per step, from B ~ N(0, 1/d), A = 0) on Bernoulli-Gaussian data BG(p) at d = %d, "+
		"reaches the Gaussian-equivalent loss 1 - 2r/pi whatever p, up to a finite-d term. Each loss is measured on %d fresh "+
		"signals with the control variate ||x||^2/d (se = one standard error).\n\n", c.Steps, c.Dim, c.Samples)
	fmt.Fprintf(&b, "![loss against sparsity](sparsity/sparsity.png)\n\n")
	fmt.Fprintf(&b, "How to read the table: *prediction* is the d -> infinity value 1 - 2r/pi; *gap* is (measured - prediction) / se. "+
		"At finite d a sparse prior (excess kurtosis kappa = 3(1-p)/p) pays an Edgeworth term r kappa S4 / (6 pi) with "+
		"S4 = mean_i sum_k b_ik^4: *Haar* and *flat* give it for random rows (S4 = 3/(d+2)) and for perfectly spread rows (S4 = 1/d), "+
		"and *Edgeworth(S4)* for the trained rows' own S4. Training spreads the rows out, so the measurement lands between flat and Haar, "+
		"and within a few se of Edgeworth(S4): the whole gap to 1 - 2r/pi is the kurtosis penalty of the trained rows, which shrinks like 1/d "+
		"(run `onebit reproduce --scale paper` for d = 800).\n\n")
	fmt.Fprintf(&b, "| p | r | prediction | measured ± se | gap (se) | flat | Edgeworth(S4) | gap to Edgeworth(S4) (se) | Haar | S4·d | in [flat, Haar] |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range pts {
		in := "yes"
		if p.Loss < p.FiniteDFlat-4*p.StdErr || p.Loss > p.FiniteDHaar+4*p.StdErr {
			in = "no"
		}
		if p.Kurtosis == 0 {
			in = "n/a (Gaussian)"
		}
		fmt.Fprintf(&b, "| %g | %.3g | %.5f | %.5f ± %.5f | %+.1f | %.5f | %.5f | %+.1f | %.5f | %.2f | %s |\n",
			p.P, p.Rate, p.Prediction, p.Loss, p.StdErr, p.GapSE, p.FiniteDFlat, p.EdgeworthS4, (p.Loss-p.EdgeworthS4)/p.StdErr, p.FiniteDHaar, p.S4*float64(p.Dim), in)
	}
	b.WriteString("\n")
	return b.String()
}
