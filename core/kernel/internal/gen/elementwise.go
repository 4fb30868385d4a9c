package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// elementwise emits the vectorised elementwise kernels. They are
// memory-bound, so one AVX2 (ymm) version serves both SIMD tiers.
func elementwise() {
	for _, e := range []elem{f32, f64} {
		sign(e)
		steGrad(e)
	}
}

// ewElem adds the AVX2 compare/blend/logic instructions for an element type.
type ewElem struct {
	elem
	cmp   func(ops ...Op)
	blend func(xy, mxy, xy1, xy2 Op)
	and   func(ops ...Op)
	lanes int
}

func ew(e elem) ewElem {
	if e.size == 4 {
		return ewElem{e, VCMPPS, VBLENDVPS, VANDPS, 8}
	}
	return ewElem{e, VCMPPD, VBLENDVPD, VANDPD, 4}
}

// splat broadcasts the constant with the given bit pattern into a new ymm.
func splat(e ewElem, bits uint64) VecVirtual {
	y := YMM()
	if e.size == 4 {
		r := GP32()
		MOVL(U32(uint32(bits)), r)
		x := XMM()
		VMOVD(r, x)
		VBROADCASTSS(x, y)
		return y
	}
	r := GP64()
	MOVQ(U64(bits), r)
	x := XMM()
	VMOVQ(r, x)
	VBROADCASTSD(x, y)
	return y
}

func oneBits(e ewElem) uint64 {
	if e.size == 4 {
		return uint64(math.Float32bits(1))
	}
	return math.Float64bits(1)
}

// sign emits signAvx2<E>(dst, src *T, n int): for i < n (a multiple of the
// lane count), dst[i] = -1 if src[i] < 0, NaN if src[i] is NaN, else +1.
func sign(e0 elem) {
	e := ew(e0)
	name := "signAvx2" + e.name
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, src *%s, n int)", e.goType))
	Pragma("noescape")
	Doc(name + " is the AVX2 body of Sign for n a multiple of the vector width; see signRef.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	one := splat(e, oneBits(e))
	neg := splat(e, oneBits(e)|1<<(8*e.size-1))
	zero := YMM()
	VXORPS(zero, zero, zero)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	x, lt, nan, r := YMM(), YMM(), YMM(), YMM()
	e.movu(Mem{Base: src}, x)
	e.cmp(U8(1), zero, x, lt) // lt = x < 0 (ordered, NaN false)
	e.blend(lt, neg, one, r)  // r = lt ? -1 : +1
	e.cmp(U8(3), x, x, nan)   // nan = x unordered x
	e.blend(nan, x, r, r)     // r = nan ? x : r
	e.movu(r, Mem{Base: dst})
	ADDQ(U8(32), src)
	ADDQ(U8(32), dst)
	SUBQ(U8(e.lanes), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// steGrad emits steGradAvx2<E>(dst, g, z *T, n int): for i < n (a multiple
// of the lane count), dst[i] = g[i] if |z[i]| <= 1, else 0 (NaN z gives 0).
func steGrad(e0 elem) {
	e := ew(e0)
	name := "steGradAvx2" + e.name
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst, grad, z *%s, n int)", e.goType))
	Pragma("noescape")
	Doc(name + " is the AVX2 body of STEGrad for n a multiple of the vector width; see steGradRef.")
	dst := Load(Param("dst"), GP64())
	g := Load(Param("grad"), GP64())
	z := Load(Param("z"), GP64())
	n := Load(Param("n"), GP64())
	one := splat(e, oneBits(e))
	abs := splat(e, 1<<(8*e.size-1)-1)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	x, m, r := YMM(), YMM(), YMM()
	e.and(Mem{Base: z}, abs, x) // x = |z|
	e.cmp(U8(2), one, x, m)     // m = x <= 1 (ordered, NaN false)
	e.and(Mem{Base: g}, m, r)   // r = m & g
	e.movu(r, Mem{Base: dst})
	ADDQ(U8(32), z)
	ADDQ(U8(32), g)
	ADDQ(U8(32), dst)
	SUBQ(U8(e.lanes), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
