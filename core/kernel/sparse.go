package kernel

import "fmt"

// CSR is a sparse matrix in compressed sparse row form: the nonzero entries
// of row i are Val[k] at column Col[k] for RowPtr[i] <= k < RowPtr[i+1],
// columns increasing. The SGD trainer stores its sparse batches (BG(p) and
// SR(p) data are zero with probability 1-p) this way so that the two
// products with the batch skip the zeros.
type CSR[T Float] struct {
	Rows, Cols int
	RowPtr     []int32
	Col        []int32
	Val        []T
}

// NewCSR returns a CSR with room for an r x c matrix with every entry
// nonzero, so that FromDense never allocates. r*c must fit in an int32.
func NewCSR[T Float](r, c int) (*CSR[T], error) {
	if r < 0 || c < 0 || int64(r)*int64(c) >= 1<<31 {
		return nil, fmt.Errorf("kernel: CSR of %d x %d entries: want 0 <= r*c < 2^31", r, c)
	}
	return &CSR[T]{RowPtr: make([]int32, r+1), Col: make([]int32, r*c), Val: make([]T, r*c)}, nil
}

// FromDense sets s to the r x c row-major matrix a (leading dimension lda),
// keeping the entries that are not zero (NaN is kept), and returns their
// number. r*c must not exceed the capacity given to NewCSR.
func (s *CSR[T]) FromDense(r, c int, a []T, lda int) int {
	checkOperand("A", r, c, len(a), max(lda, 1))
	if r*c > len(s.Col) || r+1 > len(s.RowPtr) {
		panic("kernel: CSR.FromDense: matrix larger than the CSR's capacity")
	}
	s.Rows, s.Cols = r, c
	k := 0
	col, val := s.Col, s.Val
	for i := 0; i < r; i++ {
		s.RowPtr[i] = int32(k)
		for j, v := range a[i*lda : i*lda+c] {
			if v != 0 {
				col[k], val[k] = int32(j), v
				k++
			}
		}
	}
	s.RowPtr[r] = int32(k)
	return k
}

// FromIndices sets s to the r x c row-major matrix a (leading dimension c)
// whose nonzeros lie at the flat positions idx (increasing; other entries
// are zero), in O(len(idx) + r): the batch sampler lists the positions it
// draws (prior.FillBatchIndexed), which saves FromDense's scan of all r c
// entries. Listed entries that are zero are kept as explicit zeros.
func (s *CSR[T]) FromIndices(r, c int, a []T, idx []int32) {
	checkOperand("A", r, c, len(a), max(c, 1))
	if len(idx) > len(s.Col) || r+1 > len(s.RowPtr) {
		panic("kernel: CSR.FromIndices: more entries than the CSR's capacity")
	}
	s.Rows, s.Cols = r, c
	row, end := 0, c // the row being filled and its end position
	s.RowPtr[0] = 0
	for k, q := range idx {
		for int(q) >= end {
			if row+1 >= r+1 {
				panic("kernel: CSR.FromIndices: position beyond the matrix")
			}
			row++
			s.RowPtr[row] = int32(k)
			end += c
		}
		s.Col[k], s.Val[k] = q-int32(end-c), a[q]
	}
	for row < r {
		row++
		s.RowPtr[row] = int32(len(idx))
	}
}

// SpMM computes C = S B for S (r x k, sparse) and B (k x n, row-major,
// leading dimension ldb), C r x n (leading dimension ldc, not read):
//
//	C[i,:] = sum over the nonzeros S[i,j] of S[i,j] B[j,:]
//
// each product rounded before it is added (no FMA), the terms summed in the
// order of the row's nonzeros into two alternating partial sums (see
// spmmRef). With float32 on amd64, AVX-512 kernels keep 64- or 16-column
// panels of a row of C in registers across the row's nonzeros (so a panel
// of B is reused from cache), AVX ones 8-column panels; all equal the twin
// spmmRef bit for bit. Skipping the zeros of S leaves each
// sum's terms and, up to their order, its rounding as in Gemm. For
// C = S^T B, use TransposeOf.
func SpMM[T Float](s *CSR[T], n int, b []T, ldb int, c []T, ldc int) {
	checkOperand("B", s.Cols, n, len(b), max(ldb, 1))
	checkOperand("C", s.Rows, n, len(c), max(ldc, 1))
	if unsafe4[T]() {
		s32 := CSR[float32]{s.Rows, s.Cols, s.RowPtr, s.Col, asF32(s.Val)}
		spmmF32(&s32, n, asF32(b), ldb, asF32(c), ldc)
		return
	}
	spmmRef(s, n, b, ldb, c, ldc)
}

// TransposeOf sets s to t^T (t r x c gives s c x r), the entries of each
// row of s in increasing column order, by a counting sort over t's columns.
// s must have room for it (NewCSR(c, r) or larger); it must not be t.
func (s *CSR[T]) TransposeOf(t *CSR[T]) {
	nnz := int(t.RowPtr[t.Rows])
	if s == t || t.Cols+1 > len(s.RowPtr) || nnz > len(s.Col) {
		panic("kernel: CSR.TransposeOf: no room, or s is t")
	}
	s.Rows, s.Cols = t.Cols, t.Rows
	ptr := s.RowPtr[:t.Cols+1]
	clear(ptr)
	for _, j := range t.Col[:nnz] {
		ptr[j+1]++
	}
	for j := 1; j < len(ptr); j++ {
		ptr[j] += ptr[j-1]
	}
	// ptr[j] is now the next free slot of row j; shift back afterwards.
	for i := 0; i < t.Rows; i++ {
		for k := t.RowPtr[i]; k < t.RowPtr[i+1]; k++ {
			j := t.Col[k]
			q := ptr[j]
			s.Col[q], s.Val[q] = int32(i), t.Val[k]
			ptr[j] = q + 1
		}
	}
	copy(ptr[1:], ptr[:t.Cols])
	ptr[0] = 0
}

// spmmRef is the twin of SpMM: for each row i and column j, the terms
// round(S[i,l] B[l,j]) of the row's nonzeros, in order, go alternately to
// two sums starting at +0 (first, third, ... term to the first; no FMA: the
// conversion rounds each product), and C[i,j] is their sum.
func spmmRef[T Float](s *CSR[T], n int, b []T, ldb int, c []T, ldc int) {
	for i := 0; i < s.Rows; i++ {
		k0, k1 := int(s.RowPtr[i]), int(s.RowPtr[i+1])
		for j := 0; j < n; j++ {
			var a0, a1 T
			for k := k0; k < k1; k++ {
				t := T(s.Val[k] * b[int(s.Col[k])*ldb+j])
				if (k-k0)&1 == 0 {
					a0 += t
				} else {
					a1 += t
				}
			}
			c[i*ldc+j] = a0 + a1
		}
	}
}
