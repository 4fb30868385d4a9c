package data

import (
	"fmt"
	"image"
	"image/color"

	"github.com/seed05b1c944/onebit/core/mat"
)

// Grid lays images out as a picture: tiles[k] is one image in the Images
// layout (Channels planes of Rows x Cols bytes; 1 plane is grey, 3 are red,
// green, blue), placed left to right perRow to a row with a 2-pixel white
// gap. A nil tile is left white (a missing reconstruction).
func Grid(tiles [][]byte, channels, rows, cols, perRow int) (*image.RGBA, error) {
	if channels != 1 && channels != 3 || rows < 1 || cols < 1 || perRow < 1 || len(tiles) == 0 {
		return nil, fmt.Errorf("data: grid of %d tiles of %dx%dx%d, %d per row", len(tiles), channels, rows, cols, perRow)
	}
	const gap = 2
	nr := (len(tiles) + perRow - 1) / perRow
	img := image.NewRGBA(image.Rect(0, 0, perRow*(cols+gap)+gap, nr*(rows+gap)+gap))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	plane := rows * cols
	for k, t := range tiles {
		if t == nil {
			continue
		}
		if len(t) != channels*plane {
			return nil, fmt.Errorf("data: grid tile %d has %d bytes, want %d", k, len(t), channels*plane)
		}
		x0, y0 := gap+(k%perRow)*(cols+gap), gap+(k/perRow)*(rows+gap)
		for y := range rows {
			for x := range cols {
				p := y*cols + x
				c := color.RGBA{t[p], t[p], t[p], 255}
				if channels == 3 {
					c = color.RGBA{t[p], t[plane+p], t[2*plane+p], 255}
				}
				img.SetRGBA(x0+x, y0+y, c)
			}
		}
	}
	return img, nil
}

// Float32 converts a float64 matrix (the preprocessing's output) to the
// float32 the training loop uses.
func Float32(x *mat.Dense[float64]) *mat.Dense[float32] {
	y := mat.New[float32](x.Rows, x.Cols)
	for i := range x.Rows {
		dst, src := y.Row(i), x.Row(i)
		for j, v := range src {
			dst[j] = float32(v)
		}
	}
	return y
}
