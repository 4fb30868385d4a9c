package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// TestSparseMatchesTwinAndGemm: under every tier, for random shapes
// (n crossing the 8- and 16-lane bodies), densities 0 to 1 and padded
// leading dimensions, FromDense keeps exactly the nonzero entries in order
// and TransposeOf transposes; SpMM of S and of S^T (from TransposeOf)
// equals the twin bit for bit; and the twin agrees with
// GemmRef of the dense matrix within the bound of runGemmCase for sums of
// k terms, 2 gamma_{k+1} sum_l |S_il||B_lj| (the zero terms add exact zeros,
// so the sums differ at most by rounding order; in practice they are equal).
func TestSparseMatchesTwinAndGemm(t *testing.T) {
	forEachTier(t, func(t *testing.T, tr *tier) {
		params := gopter.DefaultTestParametersWithSeed(17)
		params.MinSuccessfulTests = 150
		props := gopter.NewProperties(params)
		props.Property("f32", prop.ForAll(func(r, k, n, dens int, seed uint64) string {
			return checkSparse[float32](r, k, n, []float64{0, 0.05, 0.3, 1}[dens], seed)
		}, gen.IntRange(0, 20), gen.IntRange(0, 40), gen.IntRange(0, 150), gen.IntRange(0, 3), gen.UInt64()))
		props.Property("f64", prop.ForAll(func(r, k, n, dens int, seed uint64) string {
			return checkSparse[float64](r, k, n, []float64{0, 0.05, 0.3, 1}[dens], seed)
		}, gen.IntRange(0, 20), gen.IntRange(0, 40), gen.IntRange(0, 70), gen.IntRange(0, 3), gen.UInt64()))
		props.TestingRun(t)
	})
}

func checkSparse[T float32 | float64](r, k, n int, dens float64, seed uint64) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	pad := int(seed % 3)
	lds, ldb, ldc := max(k, 1)+pad, max(n, 1)+pad, max(n, 1)+pad
	sd := make([]T, max(r*lds, 0))
	for i := 0; i < r; i++ {
		for j := 0; j < k; j++ {
			if rng.Float64() < dens {
				sd[i*lds+j] = T(rng.NormFloat64())
			}
		}
		for j := k; j < lds; j++ {
			sd[i*lds+j] = 99 // padding must be ignored
		}
	}
	s, err := NewCSR[T](r, k)
	if err != nil {
		return err.Error()
	}
	nnz := s.FromDense(r, k, sd, lds)
	back := make([]T, r*k)
	for i := 0; i < r; i++ {
		for q := s.RowPtr[i]; q < s.RowPtr[i+1]; q++ {
			if q > s.RowPtr[i] && s.Col[q] <= s.Col[q-1] {
				return "CSR columns not increasing"
			}
			back[i*k+int(s.Col[q])] = s.Val[q]
		}
	}
	cnt := 0
	for i := 0; i < r; i++ {
		for j := 0; j < k; j++ {
			if back[i*k+j] != sd[i*lds+j] {
				return fmt.Sprintf("FromDense lost entry (%d, %d)", i, j)
			}
			if sd[i*lds+j] != 0 {
				cnt++
			}
		}
	}
	if cnt != nnz || int(s.RowPtr[r]) != nnz {
		return "FromDense count wrong"
	}
	// FromIndices on the compact copy gives the same CSR.
	var idx []int32
	compact := make([]T, r*k)
	for i := 0; i < r; i++ {
		for j := 0; j < k; j++ {
			compact[i*k+j] = sd[i*lds+j]
			if sd[i*lds+j] != 0 {
				idx = append(idx, int32(i*k+j))
			}
		}
	}
	si, err := NewCSR[T](r, k)
	if err != nil {
		return err.Error()
	}
	si.FromIndices(r, k, compact, idx)
	if si.Rows != r || si.Cols != k {
		return "FromIndices: wrong shape"
	}
	for i := 0; i <= r; i++ {
		if si.RowPtr[i] != s.RowPtr[i] {
			return fmt.Sprintf("FromIndices: RowPtr[%d] = %d, FromDense %d", i, si.RowPtr[i], s.RowPtr[i])
		}
	}
	for q := 0; q < nnz; q++ {
		if si.Col[q] != s.Col[q] || !sameBits(si.Val[q], s.Val[q]) {
			return fmt.Sprintf("FromIndices: entry %d differs", q)
		}
	}
	st, err := NewCSR[T](k, r)
	if err != nil {
		return err.Error()
	}
	st.TransposeOf(s)
	if st.Rows != k || st.Cols != r || int(st.RowPtr[k]) != nnz {
		return "TransposeOf: wrong shape or count"
	}
	for j := 0; j < k; j++ {
		for q := st.RowPtr[j]; q < st.RowPtr[j+1]; q++ {
			if q > st.RowPtr[j] && st.Col[q] <= st.Col[q-1] {
				return "TransposeOf: columns not increasing"
			}
			if i := int(st.Col[q]); back[i*k+j] != st.Val[q] {
				return fmt.Sprintf("TransposeOf: entry (%d, %d) wrong", j, i)
			}
		}
	}
	// C = S B (B k x n) and C = S^T B (B r x n).
	for _, trans := range []bool{false, true} {
		br, cr := k, r
		if trans {
			br, cr = r, k
		}
		b := make([]T, br*ldb)
		for i := range b {
			b[i] = T(2*rng.Float64() - 1)
		}
		got, want, dense := make([]T, cr*ldc), make([]T, cr*ldc), make([]T, cr*ldc)
		for i := range got {
			got[i], want[i] = -7, -7
		}
		if trans {
			SpMM(st, n, b, ldb, got, ldc)
			spmmRef(st, n, b, ldb, want, ldc)
			GemmRef(Trans, NoTrans, k, n, r, 1, sd, lds, b, ldb, 0, dense, ldc)
		} else {
			SpMM(s, n, b, ldb, got, ldc)
			spmmRef(s, n, b, ldb, want, ldc)
			GemmRef(NoTrans, NoTrans, r, n, k, 1, sd, lds, b, ldb, 0, dense, ldc)
		}
		inner := k
		if trans {
			inner = r
		}
		u := 0x1p-53
		if unsafe4[T]() {
			u = 0x1p-24
		}
		gamma := float64(inner+1) * u / (1 - float64(inner+1)*u)
		for i := 0; i < cr; i++ {
			for j := 0; j < n; j++ {
				if !sameBits(got[i*ldc+j], want[i*ldc+j]) {
					return fmt.Sprintf("trans=%v: C[%d,%d] = %v, twin %v", trans, i, j, got[i*ldc+j], want[i*ldc+j])
				}
				var bound float64
				for l := 0; l < inner; l++ {
					var sv T
					if trans {
						sv = sd[l*lds+i]
					} else {
						sv = sd[i*lds+l]
					}
					bv := b[l*ldb+j]
					bound += math.Abs(float64(sv)) * math.Abs(float64(bv))
				}
				if d := math.Abs(float64(want[i*ldc+j]) - float64(dense[i*ldc+j])); d > 2*gamma*bound {
					return fmt.Sprintf("trans=%v: twin C[%d,%d] = %v, GemmRef %v", trans, i, j, want[i*ldc+j], dense[i*ldc+j])
				}
			}
			for j := n; j < ldc && i*ldc+j < len(got); j++ {
				if got[i*ldc+j] != -7 {
					return "wrote into the padding of C"
				}
			}
		}
	}
	return ""
}

func TestSparseNoAllocAndErrors(t *testing.T) {
	s, err := NewCSR[float32](64, 100)
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := make([]float32, 64*100), make([]float32, 100*40), make([]float32, 100*40)
	for i := range a {
		if i%7 == 0 {
			a[i] = 1
		}
	}
	st, err := NewCSR[float32](100, 64)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(10, func() {
		s.FromDense(64, 100, a, 100)
		st.TransposeOf(s)
		SpMM(s, 40, b, 40, c, 40)
		SpMM(st, 40, b, 40, c, 40)
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
	for _, rc := range [][2]int{{-1, 3}, {1 << 16, 1 << 16}} {
		if _, err := NewCSR[float32](rc[0], rc[1]); err == nil {
			t.Errorf("NewCSR(%d, %d): no error", rc[0], rc[1])
		}
	}
}
