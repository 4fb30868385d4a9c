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
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(log2(e.size)), ldc) // row stride in bytes

	// Warm the C tile's cache lines while the k loop runs.
	cp := GP64()
	MOVQ(c, cp)
	for r := 0; r < mr; r++ {
		PREFETCHT0(Mem{Base: cp})
		PREFETCHT0(Mem{Base: cp, Disp: nr*e.size - 1})
		ADDQ(ldc, cp)
	}

	acc := make([][]VecVirtual, mr)
	for r := range acc {
		acc[r] = make([]VecVirtual, nv)
		for j := range acc[r] {
			acc[r][j] = v.vec()
			if v.bytes == 64 {
				VPXORD(acc[r][j], acc[r][j], acc[r][j])
			} else {
				VXORPS(acc[r][j], acc[r][j], acc[r][j])
			}
		}
	}
	bv := make([]VecVirtual, nv)
	for j := range bv {
		bv[j] = v.vec()
	}
	t := v.vec()
	step := func(u int) {
		for j := 0; j < nv; j++ {
			e.movu(Mem{Base: b, Disp: (u*nr + j*lanes) * e.size}, bv[j])
		}
		for r := 0; r < mr; r++ {
			e.broadcast(Mem{Base: a, Disp: (u*mr + r) * e.size}, t)
			for j := 0; j < nv; j++ {
				e.fmadd(bv[j], t, acc[r][j])
			}
		}
	}
	const unroll = 4
	n4 := GP64()
	MOVQ(kc, n4)
	SHRQ(U8(2), n4)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop4")
	for u := 0; u < unroll; u++ {
		step(u)
	}
	ADDQ(U32(unroll*mr*e.size), a)
	ADDQ(U32(unroll*nr*e.size), b)
	DECQ(n4)
	JNZ(LabelRef(name + "_loop4"))

	Label(name + "_tail")
	ANDQ(U8(unroll-1), kc)
	JZ(LabelRef(name + "_store"))
	Label(name + "_loop1")
	step(0)
	ADDQ(U32(mr*e.size), a)
	ADDQ(U32(nr*e.size), b)
	DECQ(kc)
	JNZ(LabelRef(name + "_loop1"))

	Label(name + "_store")
	// beta == 0 (either sign) exactly when its bits shifted left by one are
	// zero; NaN is not zero, so C is read then, as in the twin.
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
	for r := 0; r < mr; r++ {
		for j := 0; j < nv; j++ {
			e.movu(acc[r][j], Mem{Base: c, Disp: j * v.bytes})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label(name + "_beta")
	vb := v.vec()
	e.broadcast(betaAddr, vb)
	for r := 0; r < mr; r++ {
		for j := 0; j < nv; j++ {
			e.fmadd(Mem{Base: c, Disp: j * v.bytes}, vb, acc[r][j])
			e.movu(acc[r][j], Mem{Base: c, Disp: j * v.bytes})
		}
		if r < mr-1 {
			ADDQ(ldc, c)
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
