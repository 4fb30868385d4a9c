package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// fused emits the float32 elementwise passes of the SGD step (see
// ../../fused.go for their twins). They are memory-bound, so one AVX2
// version serves both SIMD tiers. None uses FMA where the twin rounds
// twice: each kernel equals its twin bit for bit.
func fused() {
	subSq()
	sumSq()
	scale()
	adam()
	spmmPanel(4)
	spmmPanel(1)
	spmmPanelVec(1, avx2) // the 8-column tail of the AVX-512 tier
}

// paramAddr returns the memory operand of a float parameter.
func paramAddr(name string) Mem {
	r, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return r.Addr
}

// sqAccumulate adds the squares of the 8 float32 lanes of e, widened to
// float64, to acc[0] (lanes 0-3) and acc[1] (lanes 4-7). The product of two
// float32 widened is exact in float64, so the FMA rounds once, like the
// twin's separate multiply and add.
func sqAccumulate(e VecVirtual, acc [2]VecVirtual) {
	lo, hi := YMM(), YMM()
	x := XMM()
	VCVTPS2PD(e.AsX(), lo)
	VEXTRACTF128(U8(1), e, x)
	VCVTPS2PD(x, hi)
	VFMADD231PD(lo, lo, acc[0])
	VFMADD231PD(hi, hi, acc[1])
}

func loadAcc(p Register) [2]VecVirtual {
	acc := [2]VecVirtual{YMM(), YMM()}
	VMOVUPD(Mem{Base: p}, acc[0])
	VMOVUPD(Mem{Base: p, Disp: 32}, acc[1])
	return acc
}

func storeAcc(p Register, acc [2]VecVirtual) {
	VMOVUPD(acc[0], Mem{Base: p})
	VMOVUPD(acc[1], Mem{Base: p, Disp: 32})
}

// subSq emits subSqAvx2F32(dst, a, b *float32, n int, acc *float64): for
// i < n (a multiple of 8), dst[i] = a[i] - b[i] and acc[i%8] += float64(dst[i])^2.
func subSq() {
	name := "subSqAvx2F32"
	TEXT(name, NOSPLIT, "func(dst, a, b *float32, n int, acc *float64)")
	Pragma("noescape")
	Doc(name + " is the AVX2 body of SubSq for n a multiple of 8; see subSqRef.")
	dst := Load(Param("dst"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())
	n := Load(Param("n"), GP64())
	p := Load(Param("acc"), GP64())
	acc := loadAcc(p)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	e := YMM()
	VMOVUPS(Mem{Base: a}, e)
	VSUBPS(Mem{Base: b}, e, e)
	VMOVUPS(e, Mem{Base: dst})
	sqAccumulate(e, acc)
	ADDQ(U8(32), a)
	ADDQ(U8(32), b)
	ADDQ(U8(32), dst)
	SUBQ(U8(8), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	storeAcc(p, acc)
	VZEROUPPER()
	RET()
}

// sumSq emits sumSqAvx2F32(x *float32, n int, acc *float64): for i < n (a
// multiple of 8), acc[i%8] += float64(x[i])^2.
func sumSq() {
	name := "sumSqAvx2F32"
	TEXT(name, NOSPLIT, "func(x *float32, n int, acc *float64)")
	Pragma("noescape")
	Doc(name + " is the AVX2 body of SumSq for n a multiple of 8; see sumSqRef.")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	p := Load(Param("acc"), GP64())
	acc := loadAcc(p)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	e := YMM()
	VMOVUPS(Mem{Base: x}, e)
	sqAccumulate(e, acc)
	ADDQ(U8(32), x)
	SUBQ(U8(8), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	storeAcc(p, acc)
	VZEROUPPER()
	RET()
}

// scale emits scaleAvx2F32(x *float32, n int, f float32): x[i] *= f for i < n
// (a multiple of 8).
func scale() {
	name := "scaleAvx2F32"
	TEXT(name, NOSPLIT, "func(x *float32, n int, f float32)")
	Pragma("noescape")
	Doc(name + " is the AVX2 body of Scale for n a multiple of 8; see scaleRef.")
	x := Load(Param("x"), GP64())
	n := Load(Param("n"), GP64())
	f := YMM()
	VBROADCASTSS(paramAddr("f"), f)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	e := YMM()
	VMULPS(Mem{Base: x}, f, e)
	VMOVUPS(e, Mem{Base: x})
	ADDQ(U8(32), x)
	SUBQ(U8(8), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// adam emits adamAvx2F32(w, m, v, g *float32, n int, b1, c1, b2, c2, lr, eps
// float32): for i < n (a multiple of 8),
//
//	m[i] = b1 m[i] + c1 g[i]
//	v[i] = b2 v[i] + c2 g[i] g[i]
//	w[i] = w[i] - lr m[i] / (sqrt(v[i]) + eps)
//
// each operation rounded to float32 in this order (no FMA), as adamRef.
func adam() {
	name := "adamAvx2F32"
	TEXT(name, NOSPLIT, "func(w, m, v, grad *float32, n int, b1, c1, b2, c2, lr, eps float32)")
	Pragma("noescape")
	Doc(name + " is the AVX2 body of Adam for n a multiple of 8; see adamRef.")
	w := Load(Param("w"), GP64())
	m := Load(Param("m"), GP64())
	v := Load(Param("v"), GP64())
	g := Load(Param("grad"), GP64())
	n := Load(Param("n"), GP64())
	k := map[string]VecVirtual{}
	for _, p := range []string{"b1", "c1", "b2", "c2", "lr", "eps"} {
		k[p] = YMM()
		VBROADCASTSS(paramAddr(p), k[p])
	}
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	gv, mv, vv, t, u := YMM(), YMM(), YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: g}, gv)
	VMULPS(Mem{Base: m}, k["b1"], mv) // b1 m
	VMULPS(gv, k["c1"], t)            // c1 g
	VADDPS(t, mv, mv)
	VMOVUPS(mv, Mem{Base: m})
	VMULPS(Mem{Base: v}, k["b2"], vv) // b2 v
	VMULPS(gv, k["c2"], t)            // c2 g
	VMULPS(gv, t, t)                  // (c2 g) g
	VADDPS(t, vv, vv)
	VMOVUPS(vv, Mem{Base: v})
	VSQRTPS(vv, u)
	VADDPS(k["eps"], u, u)
	VMULPS(mv, k["lr"], t) // lr m
	VDIVPS(u, t, t)        // (lr m) / (sqrt v + eps)
	VMOVUPS(Mem{Base: w}, u)
	VSUBPS(t, u, u)
	VMOVUPS(u, Mem{Base: w})
	ADDQ(U8(32), w)
	ADDQ(U8(32), m)
	ADDQ(U8(32), v)
	ADDQ(U8(32), g)
	SUBQ(U8(8), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// spmmPanel emits spmmPanelAvx512F32_<w>(c *float32, ldc, rows int, rowPtr,
// col *int32, val, b *float32, ldb int) for a panel of w = 16 nv columns:
// for r < rows and j < w, the terms round(val[k] b[col[k]*ldb+j]) of the
// row's nonzeros k = rowPtr[r], rowPtr[r]+1, ... are added alternately to
// two accumulators starting at +0 (the first, third, ... term to the first),
// in order of k and with no FMA, and c[r*ldc+j] is their sum, as the twin
// spmmRef. The accumulators stay in registers across a row's nonzeros; two
// sets halve the chain of dependent additions.
func spmmPanel(nv int) {
	spmmPanelVec(nv, avx512)
}

// spmmPanelVec is spmmPanel with nv vectors of the ISA v: w = nv lanes.
func spmmPanelVec(nv int, v isa) {
	w := v.bytes / 4 * nv
	name := fmt.Sprintf("spmmPanel%sF32_%d", v.name, w)
	TEXT(name, NOSPLIT, "func(c *float32, ldc, rows int, rowPtr, col *int32, val, b *float32, ldb int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes a %d-column panel of SpMM; see spmmRef.", name, w))
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	rows := Load(Param("rows"), GP64())
	rp := Load(Param("rowPtr"), GP64())
	col := Load(Param("col"), GP64())
	val := Load(Param("val"), GP64())
	b := Load(Param("b"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldc)
	SHLQ(U8(2), ldb)
	acc, acc2 := make([]VecVirtual, nv), make([]VecVirtual, nv)
	for i := range acc {
		acc[i], acc2[i] = v.vec(), v.vec()
	}
	bv, t := v.vec(), v.vec()
	k, kend, j, k1 := GP64(), GP64(), GP64(), GP64()
	// term adds the term of nonzero q (a register) to the accumulators a.
	term := func(q GPVirtual, a []VecVirtual) {
		MOVLQSX(Mem{Base: col, Index: q, Scale: 4}, j)
		IMULQ(ldb, j)
		ADDQ(b, j)
		VBROADCASTSS(Mem{Base: val, Index: q, Scale: 4}, bv)
		for i := range a {
			VMULPS(Mem{Base: j, Disp: v.bytes * i}, bv, t)
			VADDPS(t, a[i], a[i])
		}
	}
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	MOVLQSX(Mem{Base: rp}, k)
	Label(name + "_row")
	for i := range acc {
		VXORPS(acc[i], acc[i], acc[i])
		VXORPS(acc2[i], acc2[i], acc2[i])
	}
	MOVLQSX(Mem{Base: rp, Disp: 4}, kend)
	Label(name + "_pair")
	MOVQ(k, k1)
	INCQ(k1)
	CMPQ(k1, kend)
	JGE(LabelRef(name + "_single"))
	term(k, acc)
	term(k1, acc2)
	ADDQ(U8(2), k)
	JMP(LabelRef(name + "_pair"))
	Label(name + "_single")
	CMPQ(k, kend)
	JGE(LabelRef(name + "_store"))
	term(k, acc)
	INCQ(k)
	Label(name + "_store")
	for i := range acc {
		VADDPS(acc2[i], acc[i], acc[i])
		VMOVUPS(acc[i], Mem{Base: c, Disp: v.bytes * i})
	}
	ADDQ(ldc, c)
	ADDQ(U8(4), rp)
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
