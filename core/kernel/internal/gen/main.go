// Command gen writes the amd64 assembly of package kernel with avo
// (github.com/mmcloughlin/avo). It lives in its own module so that avo is
// not a dependency of the library. Run it through `go generate` in
// core/kernel (or `make generate`); the outputs are committed.
//
// It emits:
//   - GEMM micro-kernels gemm<ISA><elem>_<mr>x<nr> for AVX-512 (zmm) and
//     AVX2+FMA (ymm), each holding an mr x nr tile of C in registers across
//     the k loop (see microKernel in ../../driver.go for the loop they compute);
//   - register-only FMA loops fmaLoop<ISA><elem> that measure the FMA ceiling;
//   - packing kernels for the GEMM driver (see pack.go);
//   - elementwise kernels (see elementwise.go) and the vectorised arcsine
//     (asin.go), whose coefficients it also writes for the pure-Go twin.
package main

import (
	"flag"
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// isa describes one vector instruction set.
type isa struct {
	name  string // "avx512" or "avx2"
	bytes int    // vector width in bytes
	vec   func() VecVirtual
}

var (
	avx512 = isa{"Avx512", 64, ZMM}
	avx2   = isa{"Avx2", 32, YMM}
)

// elem describes one element type and its instructions.
type elem struct {
	name      string // "F32" or "F64"
	goType    string
	size      int
	broadcast func(ops ...Op)
	fmadd     func(ops ...Op)
	movu      func(ops ...Op)
}

var (
	f32 = elem{"F32", "float32", 4, VBROADCASTSS, VFMADD231PS, VMOVUPS}
	f64 = elem{"F64", "float64", 8, VBROADCASTSD, VFMADD231PD, VMOVUPD}
)

var asinCoefOut = flag.String("asincoef", "", "write the arcsine coefficients of the Go twin to this file")

func main() {
	flag.Parse()
	ConstraintExpr("!purego")

	// Tiles: mr rows x nv vectors. AVX-512 has 32 vector registers: the tile
	// (mr*nv), nv B vectors and one broadcast must fit. AVX2 has 16.
	for _, e := range []elem{f32, f64} {
		for _, t := range [][2]int{{14, 2}, {8, 3}, {6, 4}} {
			gemmMicro(avx512, e, t[0], t[1])
		}
		for _, t := range [][2]int{{6, 2}, {4, 3}} {
			gemmMicro(avx2, e, t[0], t[1])
		}
	}
	for _, e := range []elem{f32, f64} {
		fmaLoop(avx512, e, 24)
		fmaLoop(avx2, e, 12)
	}
	elementwise()
	fused()
	packing()
	asinKernels(*asinCoefOut)
	Generate()
}

// gemmMicro emits the micro-kernel
//
//	func gemm<ISA><E>_<mr>x<nr>(kc int, a, b, c *T, ldc int, beta T)
//
// computing, for r < mr, j < nr (nr = nv vectors):
//
//	acc[r][j] = sum_{l<kc} a[l*mr+r] * b[l*nr+j]     (FMA, l increasing)
//	c[r*ldc+j] = acc[r][j] + beta*c[r*ldc+j]         (beta != 0)
//	c[r*ldc+j] = acc[r][j]                            (beta == 0, C not read)
//
// The k loop is unrolled four times; kc >= 1.
func gemmMicro(v isa, e elem, mr, nv int) {
	lanes := v.bytes / e.size
	nr := nv * lanes
	name := fmt.Sprintf("gemm%s%s_%dx%d", v.name, e.name, mr, nr)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(kc int, a, b, c *%s, ldc int, beta %s)", e.goType, e.goType))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %dx%d %s micro-kernel for %s; see microKernel for the loop and microRef for its twin.", name, mr, nr, v.name, e.goType))
	kc := Load(Param("kc"), GP64())
	m := &microTile{v: v, e: e, name: name, mr: mr, nv: nv, nr: nr, lanes: lanes}
	m.a = Load(Param("a"), GP64())
	m.b = Load(Param("b"), GP64())
	m.c = Load(Param("c"), GP64())
	m.ldc = Load(Param("ldc"), GP64())
	SHLQ(U8(log2(e.size)), m.ldc) // row stride in bytes
	m.prefetchC()
	m.zeroAccumulators()
	m.kLoops(kc)
	m.store()
}

// microTile is the state of one gemmMicro while it is emitted: the shape
// (mr x nr, nr = nv vectors of lanes elements), the pointer registers and
// the accumulators acc[r][j], the B row bv[j] and the broadcast A element t.
type microTile struct {
	v                 isa
	e                 elem
	name              string
	mr, nv, nr, lanes int
	a, b, c, ldc      Register
	acc               [][]VecVirtual
	bv                []VecVirtual
	t                 VecVirtual
}

// prefetchC warms the C tile's cache lines (first and last byte of each
// row) while the k loop runs.
func (m *microTile) prefetchC() {
	cp := GP64()
	MOVQ(m.c, cp)
	for r := 0; r < m.mr; r++ {
		PREFETCHT0(Mem{Base: cp})
		PREFETCHT0(Mem{Base: cp, Disp: m.nr*m.e.size - 1})
		ADDQ(m.ldc, cp)
	}
}

// zeroAccumulators allocates and zeroes acc and allocates bv and t.
func (m *microTile) zeroAccumulators() {
	m.acc = make([][]VecVirtual, m.mr)
	for r := range m.acc {
		m.acc[r] = make([]VecVirtual, m.nv)
		for j := range m.acc[r] {
			m.acc[r][j] = m.v.vec()
			if m.v.bytes == 64 {
				VPXORD(m.acc[r][j], m.acc[r][j], m.acc[r][j])
			} else {
				VXORPS(m.acc[r][j], m.acc[r][j], m.acc[r][j])
			}
		}
	}
	m.bv = make([]VecVirtual, m.nv)
	for j := range m.bv {
		m.bv[j] = m.v.vec()
	}
	m.t = m.v.vec()
}

// step emits the rank-1 update of k step u of the current block:
// acc[r][j] += a[u*mr+r] * b[u*nr + j*lanes ...] (FMA).
func (m *microTile) step(u int) {
	e := m.e
	for j := 0; j < m.nv; j++ {
		e.movu(Mem{Base: m.b, Disp: (u*m.nr + j*m.lanes) * e.size}, m.bv[j])
	}
	for r := 0; r < m.mr; r++ {
		e.broadcast(Mem{Base: m.a, Disp: (u*m.mr + r) * e.size}, m.t)
		for j := 0; j < m.nv; j++ {
			e.fmadd(m.bv[j], m.t, m.acc[r][j])
		}
	}
}

// kLoops emits the k loop over kc steps: kc/4 iterations unrolled four
// times, then the kc mod 4 remaining steps one at a time.
func (m *microTile) kLoops(kc Register) {
	const unroll = 4
	name, e := m.name, m.e
	n4 := GP64()
	MOVQ(kc, n4)
	SHRQ(U8(2), n4)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop4")
	for u := 0; u < unroll; u++ {
		m.step(u)
	}
	ADDQ(U32(unroll*m.mr*e.size), m.a)
	ADDQ(U32(unroll*m.nr*e.size), m.b)
	DECQ(n4)
	JNZ(LabelRef(name + "_loop4"))

	Label(name + "_tail")
	ANDQ(U8(unroll-1), kc)
	JZ(LabelRef(name + "_store"))
	Label(name + "_loop1")
	m.step(0)
	ADDQ(U32(m.mr*e.size), m.a)
	ADDQ(U32(m.nr*e.size), m.b)
	DECQ(kc)
	JNZ(LabelRef(name + "_loop1"))
}

// store emits the write of the tile: c = acc if beta == 0 (C not read),
// else c = acc + beta c (FMA). beta == 0 (either sign) exactly when its
// bits shifted left by one are zero; NaN is not zero, so C is read then, as
// in the twin.
func (m *microTile) store() {
	v, e, name := m.v, m.e, m.name
	Label(name + "_store")
	betaRef, err := Param("beta").Resolve()
	if err != nil {
		panic(err)
	}
	betaAddr := betaRef.Addr
	if e.size == 4 {
		bits := GP32()
		MOVL(betaAddr, bits)
		SHLL(U8(1), bits)
	} else {
		bits := GP64()
		MOVQ(betaAddr, bits)
		SHLQ(U8(1), bits)
	}
	JNZ(LabelRef(name + "_beta"))
	m.storeRows(func(acc VecVirtual, dst Mem) { e.movu(acc, dst) })

	Label(name + "_beta")
	vb := v.vec()
	e.broadcast(betaAddr, vb)
	m.storeRows(func(acc VecVirtual, dst Mem) {
		e.fmadd(dst, vb, acc)
		e.movu(acc, dst)
	})
}

// storeRows emits put(acc[r][j], C row r vector j) for every row and
// vector, advancing c by ldc per row, then returns from the kernel.
func (m *microTile) storeRows(put func(acc VecVirtual, dst Mem)) {
	for r := 0; r < m.mr; r++ {
		for j := 0; j < m.nv; j++ {
			put(m.acc[r][j], Mem{Base: m.c, Disp: j * m.v.bytes})
		}
		if r < m.mr-1 {
			ADDQ(m.ldc, m.c)
		}
	}
	VZEROUPPER()
	RET()
}

// fmaLoop emits func fmaLoop<ISA><E>(n int) running n iterations of nacc
// independent register-only FMAs: the practical FMA throughput ceiling.
func fmaLoop(v isa, e elem, nacc int) {
	name := fmt.Sprintf("fmaLoop%s%s", v.name, e.name)
	TEXT(name, NOSPLIT, "func(n int)")
	Doc(fmt.Sprintf("%s runs n iterations of %d independent %s FMAs on registers only (%d flops per iteration).",
		name, nacc, v.name, 2*nacc*v.bytes/e.size))
	n := Load(Param("n"), GP64())
	acc := make([]VecVirtual, nacc)
	for i := range acc {
		acc[i] = v.vec()
		if v.bytes == 64 {
			VPXORD(acc[i], acc[i], acc[i])
		} else {
			VXORPS(acc[i], acc[i], acc[i])
		}
	}
	x, y := v.vec(), v.vec()
	if v.bytes == 64 {
		VPXORD(x, x, x)
		VPXORD(y, y, y)
	} else {
		VXORPS(x, x, x)
		VXORPS(y, y, y)
	}
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for i := range acc {
		e.fmadd(x, y, acc[i])
	}
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func log2(n int) int {
	k := 0
	for 1<<k < n {
		k++
	}
	return k
}
