package train

import (
	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
)

// sparseMinZeroMass is the zero mass of the prior from which the SGD step
// multiplies its batch X as a sparse matrix (kernel.SpMM, kernel.SpMMT) in
// the two products that involve it, Z = X B^T and dB = dZ^T X. A nonzero
// costs about one vector pass over a row of n values there, against n/2
// vector FMAs per entry for a dense product at full speed, so the sparse
// products win below a density of about 1/3; BG(p) and SR(p) data with
// p <= 0.25 use them. Skipping exact zeros leaves every sum's terms as in
// the dense product: the result differs only by the order of rounding.
//
// The sparse products read rows of B^T (d x n) in the order of the batch's
// nonzeros, which is fast only while B^T stays in the core's 1 MiB L2 cache
// and its neighbour: so they are used only for d n <= sparseMaxWeights
// (2 MiB of float32). Measured (BenchmarkTrainStep, interleaved, medians
// of 4, CPU time): (784, 392, 1024) 22.0 ms sparse against 24.9 ms dense;
// (1024, 1024, 1024) 74.8 against 73.5; (3072, 1536, 512) 190 against 176.
const (
	sparseMinZeroMass = 0.75
	sparseMaxWeights  = 1 << 19
)

// SparseProducts reports whether the run multiplies its batches as sparse
// matrices (see sparseMinZeroMass), e.g. for a benchmark to attribute time.
func (run *SGDRun) SparseProducts() bool { return run.sparse != nil }

// sparseState holds the sparse products' workspaces.
type sparseState struct {
	x   *kernel.CSR[float32]
	xt  *kernel.CSR[float32] // X^T
	bt  *mat.Dense[float32]  // B^T, d x n
	gbt *mat.Dense[float32]  // dB^T = X^T dZ, d x n
}

func newSparseState(N, d, n int) (*sparseState, error) {
	x, err := kernel.NewCSR[float32](N, d)
	if err != nil {
		return nil, err
	}
	xt, err := kernel.NewCSR[float32](d, N)
	if err != nil {
		return nil, err
	}
	return &sparseState{x: x, xt: xt, bt: mat.New[float32](d, n), gbt: mat.New[float32](d, n)}, nil
}

// forward is model.Autoencoder.Forward with Z = X B^T computed from the
// nonzeros of X (the batch is also stored in sp.x for backwardB).
func (sp *sparseState) forward(run *SGDRun, x *mat.Dense[float32]) (z, s, xh *mat.Dense[float32]) {
	m, ws := run.m, run.ws
	z, s, xh = ws.Z, ws.S, ws.XHat
	sp.x.FromDense(x.Rows, x.Cols, x.Data, x.Stride)
	transpose(sp.bt, m.B)
	kernel.SpMM(sp.x, m.Bits(), sp.bt.Data, sp.bt.Stride, z.Data, z.Stride)
	for i := 0; i < z.Rows; i++ {
		kernel.Sign(s.Row(i), z.Row(i))
	}
	mat.Mul(xh, 1, s, kernel.NoTrans, m.A, kernel.Trans, 0)
	return z, s, xh
}

// backwardB sets gb = dZ^T X = (X^T dZ)^T for the batch stored by forward.
func (sp *sparseState) backwardB(gb, dz *mat.Dense[float32]) {
	sp.xt.TransposeOf(sp.x)
	kernel.SpMM(sp.xt, dz.Cols, dz.Data, dz.Stride, sp.gbt.Data, sp.gbt.Stride)
	transpose(gb, sp.gbt)
}

// transpose sets dst = src^T in 8 x 8 tiles (one cache line of float32
// per tile row even when a power-of-two stride maps a column to one set).
func transpose(dst, src *mat.Dense[float32]) {
	const bs = 8
	r, c := src.Rows, src.Cols
	for i0 := 0; i0 < r; i0 += bs {
		for j0 := 0; j0 < c; j0 += bs {
			for i := i0; i < min(i0+bs, r); i++ {
				row := src.Data[i*src.Stride : i*src.Stride+c]
				for j := j0; j < min(j0+bs, c); j++ {
					dst.Data[j*dst.Stride+i] = row[j]
				}
			}
		}
	}
}
