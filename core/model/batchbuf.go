package model

import (
	"fmt"

	"github.com/seed05b1c944/onebit/core/mat"
)

// batchBuffers are the activation matrices of a workspace: each holds up
// to cap rows (one per signal) and is resized to the current batch without
// allocating.
type batchBuffers struct {
	cap, rows int
	all       []*mat.Dense[float64]
	full      [][]float64
}

// newBuf allocates a cap x cols matrix the buffers resize.
func (b *batchBuffers) newBuf(cols int) *mat.Dense[float64] {
	m := mat.New[float64](b.cap, cols)
	b.all = append(b.all, m)
	b.full = append(b.full, m.Data)
	return m
}

// Cap is the largest batch the workspace takes.
func (b *batchBuffers) Cap() int { return b.cap }

// setRows makes every buffer hold the first r rows (no allocation).
func (b *batchBuffers) setRows(r int) error {
	if r < 1 || r > b.cap {
		return fmt.Errorf("model: batch of %d signals for a workspace of %d", r, b.cap)
	}
	if r == b.rows {
		return nil
	}
	for i, m := range b.all {
		m.Rows = r
		m.Data = b.full[i][:r*m.Stride]
	}
	b.rows = r
	return nil
}
