package mat

import (
	"fmt"

	"github.com/seed05b1c944/onebit/core/kernel"
)

// Dense is a row-major Rows x Cols matrix stored in Data with row stride Stride.
type Dense[T kernel.Float] struct {
	Rows, Cols, Stride int
	Data               []T
}

// New returns a zeroed r x c matrix.
func New[T kernel.Float](r, c int) *Dense[T] {
	return &Dense[T]{Rows: r, Cols: c, Stride: max(c, 1), Data: make([]T, r*max(c, 1))}
}

// At returns element (i, j).
func (m *Dense[T]) At(i, j int) T { return m.Data[i*m.Stride+j] }

// Set sets element (i, j).
func (m *Dense[T]) Set(i, j int, v T) { m.Data[i*m.Stride+j] = v }

// Row returns row i as a slice of length Cols that aliases m.
func (m *Dense[T]) Row(i int) []T { return m.Data[i*m.Stride : i*m.Stride+m.Cols] }

// View returns the r x c block starting at (i, j), aliasing m.
func (m *Dense[T]) View(i, j, r, c int) *Dense[T] {
	if i < 0 || j < 0 || r < 0 || c < 0 || i+r > m.Rows || j+c > m.Cols {
		panic(fmt.Sprintf("mat: view (%d,%d)+(%d,%d) out of %dx%d", i, j, r, c, m.Rows, m.Cols))
	}
	if r == 0 || c == 0 {
		return &Dense[T]{Rows: r, Cols: c, Stride: m.Stride}
	}
	off := i*m.Stride + j
	return &Dense[T]{Rows: r, Cols: c, Stride: m.Stride, Data: m.Data[off : off+(r-1)*m.Stride+c]}
}

// Clone returns a compact copy of m.
func (m *Dense[T]) Clone() *Dense[T] {
	c := New[T](m.Rows, m.Cols)
	c.Copy(m)
	return c
}

// Copy copies src into m; the shapes must match.
func (m *Dense[T]) Copy(src *Dense[T]) {
	mustShape(m, src.Rows, src.Cols)
	for i := 0; i < m.Rows; i++ {
		copy(m.Row(i), src.Row(i))
	}
}

// T returns the transpose of m as a new compact matrix.
func (m *Dense[T]) T() *Dense[T] {
	t := New[T](m.Cols, m.Rows)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			t.Data[j*t.Stride+i] = v
		}
	}
	return t
}

// Mul sets dst = alpha op(a) op(b) + beta dst, with op chosen by ta and tb.
func Mul[T kernel.Float](dst *Dense[T], alpha T, a *Dense[T], ta kernel.Transpose, b *Dense[T], tb kernel.Transpose, beta T) {
	m, k := a.Rows, a.Cols
	if ta {
		m, k = k, m
	}
	k2, n := b.Rows, b.Cols
	if tb {
		k2, n = n, k2
	}
	if k != k2 {
		panic(fmt.Sprintf("mat: inner dimensions %d and %d differ", k, k2))
	}
	mustShape(dst, m, n)
	kernel.Gemm(ta, tb, m, n, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, dst.Data, dst.Stride)
}

func mustShape[T kernel.Float](m *Dense[T], r, c int) {
	if m.Rows != r || m.Cols != c {
		panic(fmt.Sprintf("mat: shape %dx%d, want %dx%d", m.Rows, m.Cols, r, c))
	}
}
