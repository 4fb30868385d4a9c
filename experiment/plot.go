package experiment

import (
	"image/color"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
}

// errPoints are measured points with their error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// add appends a point (x, y) with a symmetric error bar of half-width e,
// clipped below at lo (for log scales).
func (p *errPoints) add(x, y, e, lo float64) {
	p.XYs = append(p.XYs, plotter.XY{X: x, Y: y})
	p.YErrors = append(p.YErrors, struct{ Low, High float64 }{min(e, y-lo), e})
}

// errorBars returns the scatter and error bars of p drawn in col with shape.
func errorBars(p errPoints, col color.Color, shape draw.GlyphDrawer) (*plotter.Scatter, *plotter.YErrorBars, error) {
	sc, err := plotter.NewScatter(p)
	if err != nil {
		return nil, nil, err
	}
	sc.Color, sc.Shape = col, shape
	eb, err := plotter.NewYErrorBars(p)
	if err != nil {
		return nil, nil, err
	}
	eb.Color = col
	return sc, eb, nil
}
