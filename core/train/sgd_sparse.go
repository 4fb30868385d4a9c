package train

import (
	"math/rand/v2"

	"github.com/seed05b1c944/onebit/core/kernel"
	"github.com/seed05b1c944/onebit/core/mat"
	"github.com/seed05b1c944/onebit/core/prior"
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
// of 4, CPU time): (784, 392, 1024) 20.0 ms sparse against 25.3 ms dense,
// (256, 128, 256) 0.70 against 0.75 ms; but (1024, 1024, 1024) 74.8
// against 73.5 and (3072, 1536, 512) 190 against 176 (before the batch's
// positions came from the sampler, which saves about 1 ms more there).
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
	idx []int32              // positions of the batch's nonzeros (prior.FillBatchIndexed)
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
	return &sparseState{x: x, xt: xt, idx: make([]int32, 0, N*d), bt: mat.New[float32](d, n), gbt: mat.New[float32](d, n)}, nil
}

// fill draws the batch x from p as prior.FillBatch does and stores it in
// sp.x as well, from the positions the sampler lists (or by a scan of x
// when p lists none).
func (sp *sparseState) fill(p prior.Prior, rng *rand.Rand, x *mat.Dense[float32]) {
	idx, ok := prior.FillBatchIndexed(p, rng, x.Data, sp.idx)
	sp.idx = idx
	if ok && x.Stride == x.Cols {
		sp.x.FromIndices(x.Rows, x.Cols, x.Data, idx)
		return
	}
	sp.x.FromDense(x.Rows, x.Cols, x.Data, x.Stride)
}

// forward is model.Autoencoder.Forward with Z = X B^T computed from the
// nonzeros of X, stored in sp.x by fill.
func (sp *sparseState) forward(run *SGDRun) (z, s, xh *mat.Dense[float32]) {
	m, ws := run.m, run.ws
	z, s, xh = ws.Z, ws.S, ws.XHat
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
