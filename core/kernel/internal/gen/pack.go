package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Packing kernels: the GEMM driver (../../driver.go) copies blocks of the
// operands into the panel layout the micro-kernels read. Two layouts need
// more than a memmove:
//
//   - a block stored with the panel's short side along memory rows (op(A)
//     for A not transposed, op(B) for B transposed) must be transposed:
//     trans<ISA><E>_<rows> transposes rows x L blocks (L = lanes) in
//     registers;
//   - op(A) for A transposed is a strided copy of mr-element runs, scaled by
//     alpha: copy<ISA><E>_<w>.
func packing() {
	for _, v := range []isa{avx512, avx2} {
		for _, e := range []elem{f32, f64} {
			lanes := v.bytes / e.size
			for _, rows := range transRows(v, e) {
				transKernel(v, e, rows)
			}
			for _, w := range copyWidths(v, lanes) {
				copyKernel(v, e, w)
			}
		}
	}
}

// transRows lists the row counts generated for an ISA and element type: the
// full lane count (the B panels, whose width nr is a multiple of it) and
// the remainders mr mod L of the A panels of the generated tiles.
func transRows(v isa, e elem) []int {
	lanes := v.bytes / e.size
	rows := []int{lanes}
	seen := map[int]bool{lanes: true}
	for _, mr := range tileRows(v) {
		if r := mr % lanes; r != 0 && !seen[r] && (v.bytes == 64 || 2*r == lanes) {
			rows = append(rows, r)
			seen[r] = true
		}
	}
	return rows
}

// copyWidths lists the panel heights mr of the generated tiles that the
// copy kernel supports (AVX2: whole vectors plus at most a half vector).
func copyWidths(v isa, lanes int) []int {
	var ws []int
	seen := map[int]bool{}
	for _, mr := range tileRows(v) {
		if r := mr % lanes; seen[mr] || (v.bytes == 32 && r != 0 && 2*r != lanes) {
			continue
		}
		ws = append(ws, mr)
		seen[mr] = true
	}
	return ws
}

// tileRows lists the micro-kernel heights mr generated for an ISA (see main).
func tileRows(v isa) []int {
	if v.bytes == 64 {
		return []int{14, 8, 6}
	}
	return []int{6, 4}
}

// mulOp returns the packed multiply for e.
func mulOp(e elem) func(ops ...Op) {
	if e.size == 4 {
		return VMULPS
	}
	return VMULPD
}

// transKernel emits
//
//	func trans<ISA><E>_<rows>(dst *T, ldd int, src *T, lds int, nb int, alpha T)
//
// which sets, for b < nb, c < L and r < rows,
//
//	dst[(b*L+c)*ldd + r] = alpha * src[r*lds + b*L + c]
//
// (L = lanes per vector; leading dimensions in elements). Each block of L
// columns is loaded as rows vectors, scaled, transposed in registers and
// stored as L vectors of which the first rows lanes are written.
//
// The network (16 x 16 float32 on zmm; the others are its sub-cases): with
// x[r] lane c = M[r][c],
//  1. (float32 only) VUNPCK{L,H}PS of rows 2i, 2i+1 gives, in each 128-bit
//     lane j, columns 4j+{0,1} or 4j+{2,3} of rows 2i, 2i+1;
//  2. VUNPCK{L,H}PD of those pairs (float64: of rows 2i, 2i+1 directly)
//     gives t[g*Q+q] whose 128-bit lane j holds column Q*j+q of the row
//     group g (Q = elements per 128 bits);
//  3. a transpose of 128-bit blocks between the registers t[g*Q+q], g =
//     0..G-1, for each q (VSHUFF32X4/VSHUFF64X2 on zmm, VPERM2F128 on
//     ymm), so that output vector Q*j+q holds lane g = t[g*Q+q] lane j.
//
// Values only feeding lanes >= rows are not computed (any register stands
// in for them) and those lanes are masked off at the store.
func transKernel(v isa, e elem, rows int) {
	lanes := v.bytes / e.size
	name := fmt.Sprintf("trans%s%s_%d", v.name, e.name, rows)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst *%s, ldd int, src *%s, lds int, nb int, alpha %s)", e.goType, e.goType, e.goType))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s transposes %d x %d blocks: dst[(b*%d+c)*ldd+r] = alpha*src[r*lds+b*%d+c] for b < nb, c < %d, r < %d; see packTransRef.",
		name, rows, lanes, lanes, lanes, lanes, rows))
	tr := loadTransArgs(v, e, rows)
	TESTQ(tr.nb, tr.nb)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	x := tr.loadRows(v, e, rows)
	t := transPairs(v, e, x, rows)
	y := transBlocks(v, e, t, rows)
	tr.storeColumns(v, e, y, rows)
	// Next block: dst += L*ldd, src += L elements.
	for c := 0; c < lanes; c += 4 {
		LEAQ(Mem{Base: tr.dst, Index: tr.ldd, Scale: 4}, tr.dst)
	}
	for g := range tr.base {
		ADDQ(U32(v.bytes), tr.base[g])
	}
	DECQ(tr.nb)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// transArgs are the registers of a transKernel: its arguments (leading
// dimensions in bytes, with 3*ldd and 3*lds for the addressing of rows and
// columns 4k+3), alpha broadcast to a vector, the base pointer of each
// group of four source rows and, for a partial zmm block, the store mask.
type transArgs struct {
	dst, ldd, lds, nb Register
	ldd3, lds3        GPVirtual
	alpha             VecVirtual
	base              []GPVirtual
	mask              Op
}

// loadTransArgs emits the prologue of transKernel: it loads the arguments,
// scales the leading dimensions to bytes, broadcasts alpha and sets the
// row-group base pointers and the mask of a partial zmm block.
func loadTransArgs(v isa, e elem, rows int) *transArgs {
	lanes := v.bytes / e.size
	tr := &transArgs{}
	tr.dst = Load(Param("dst"), GP64())
	tr.ldd = Load(Param("ldd"), GP64())
	src := GP64()
	Load(Param("src"), src)
	tr.lds = Load(Param("lds"), GP64())
	tr.nb = Load(Param("nb"), GP64())
	shift := U8(log2(e.size))
	SHLQ(shift, tr.ldd)
	SHLQ(shift, tr.lds)
	alphaRef, err := Param("alpha").Resolve()
	if err != nil {
		panic(err)
	}
	tr.alpha = v.vec()
	e.broadcast(alphaRef.Addr, tr.alpha)
	tr.lds3, tr.ldd3 = GP64(), GP64()
	LEAQ(Mem{Base: tr.lds, Index: tr.lds, Scale: 2}, tr.lds3)
	LEAQ(Mem{Base: tr.ldd, Index: tr.ldd, Scale: 2}, tr.ldd3)
	// Base pointers of row groups of four: row r is at base[r/4] + (r%4)*lds.
	ngroups := (rows + 3) / 4
	tr.base = []GPVirtual{src}
	for g := 1; g < ngroups; g++ {
		b := GP64()
		LEAQ(Mem{Base: tr.base[g-1], Index: tr.lds, Scale: 4}, b)
		tr.base = append(tr.base, b)
	}
	if rows < lanes && v.bytes == 64 {
		k, r := K(), GP32()
		MOVL(U32(1<<rows-1), r)
		KMOVW(r, k)
		tr.mask = k
	}
	return tr
}

// rowMem is the address of source row r of the current block.
func (tr *transArgs) rowMem(r int) Mem { return strided(tr.base[r/4], tr.lds, tr.lds3, r%4) }

// strided is the address base + k*ld for k < 4, given ld3 = 3*ld.
func strided(base, ld, ld3 Register, k int) Mem {
	m := Mem{Base: base}
	switch k {
	case 1:
		m.Index, m.Scale = ld, 1
	case 2:
		m.Index, m.Scale = ld, 2
	case 3:
		m.Index, m.Scale = ld3, 1
	}
	return m
}

// loadRows emits the loads of the rows of the current block scaled by
// alpha: x[r] lane c = alpha M[r][c]; x[r] for r >= rows stands in for
// rows that are not computed.
func (tr *transArgs) loadRows(v isa, e elem, rows int) []VecVirtual {
	lanes := v.bytes / e.size
	mul := mulOp(e)
	x := make([]VecVirtual, lanes)
	for r := 0; r < rows; r++ {
		x[r] = v.vec()
		mul(tr.rowMem(r), tr.alpha, x[r])
	}
	for r := rows; r < lanes; r++ {
		x[r] = x[0]
	}
	return x
}

// transPairs emits stages 1-2 of the transpose network (see transKernel):
// t[g*q+qq], whose 128-bit lane j holds column q*j+qq of row group g
// (q elements per 128 bits, q rows per group). Groups past rows are not
// computed.
func transPairs(v isa, e elem, x []VecVirtual, rows int) []VecVirtual {
	lanes := v.bytes / e.size
	q := 16 / e.size
	groups := lanes / q
	if e.size == 8 {
		return interleave(v, x, rows, VUNPCKLPD, VUNPCKHPD)
	}
	u := interleave(v, x, rows, VUNPCKLPS, VUNPCKHPS)
	t := make([]VecVirtual, lanes)
	for g := 0; g < groups; g++ {
		if 4*g >= rows {
			for qq := 0; qq < 4; qq++ {
				t[4*g+qq] = t[qq]
			}
			continue
		}
		a0, a1, b0, b1 := u[4*g], u[4*g+1], u[4*g+2], u[4*g+3]
		for qq := range 4 {
			t[4*g+qq] = v.vec()
		}
		VUNPCKLPD(b0, a0, t[4*g+0])
		VUNPCKHPD(b0, a0, t[4*g+1])
		VUNPCKLPD(b1, a1, t[4*g+2])
		VUNPCKHPD(b1, a1, t[4*g+3])
	}
	return t
}

// interleave emits, for each pair x[2i], x[2i+1] with row 2i < rows, the
// low and high interleaves (lo, hi: VUNPCKL*, VUNPCKH*) of the pair into
// out[2i] and out[2i+1]; pairs past rows reuse out[0], out[1].
func interleave(v isa, x []VecVirtual, rows int, lo, hi func(...Op)) []VecVirtual {
	out := make([]VecVirtual, len(x))
	for i := 0; i < len(x)/2; i++ {
		if 2*i >= rows {
			out[2*i], out[2*i+1] = out[0], out[1]
			continue
		}
		out[2*i], out[2*i+1] = v.vec(), v.vec()
		lo(x[2*i+1], x[2*i], out[2*i])
		hi(x[2*i+1], x[2*i], out[2*i+1])
	}
	return out
}

// transBlocks emits stage 3 of the transpose network (see transKernel):
// output y[q*j+qq] lane g = t[g*q+qq] lane j, a transpose of 128-bit
// blocks (VSHUFF32X4/VSHUFF64X2 on zmm, VPERM2F128 on ymm).
func transBlocks(v isa, e elem, t []VecVirtual, rows int) []VecVirtual {
	lanes := v.bytes / e.size
	q := 16 / e.size
	groups := lanes / q
	y := make([]VecVirtual, lanes)
	for qq := 0; qq < q; qq++ {
		a := make([]VecVirtual, groups) // a[g] = t[g*q+qq]; groups == 128-bit lanes
		for g := range a {
			a[g] = t[g*q+qq]
		}
		if v.bytes == 64 {
			transBlocksZmm(v, e, a, y, qq, 2*q < rows)
			continue
		}
		// ymm: two 128-bit lanes.
		if rows < lanes { // rows <= q: only lane 0 of each output is stored
			y[qq], y[q+qq] = a[0], a[0]
			continue
		}
		y[qq], y[q+qq] = v.vec(), v.vec()
		VPERM2F128(U8(0x20), a[1], a[0], y[qq])
		VPERM2F128(U8(0x31), a[1], a[0], y[q+qq])
	}
	return y
}

// transBlocksZmm transposes the 4 x 4 128-bit blocks a[0..3] of one qq on
// zmm into y[q*j+qq], j = 0..3; a[2], a[3] are used only if high (rows
// beyond 2q exist).
func transBlocksZmm(v isa, e elem, a, y []VecVirtual, qq int, high bool) {
	q := 16 / e.size
	shuf := VSHUFF32X4
	if e.size == 8 {
		shuf = VSHUFF64X2
	}
	s := make([]VecVirtual, 4)
	s[0], s[1] = v.vec(), v.vec()
	shuf(U8(0x44), a[1], a[0], s[0]) // (a0.l0, a0.l1, a1.l0, a1.l1)
	shuf(U8(0xEE), a[1], a[0], s[1]) // (a0.l2, a0.l3, a1.l2, a1.l3)
	if high {
		s[2], s[3] = v.vec(), v.vec()
		shuf(U8(0x44), a[3], a[2], s[2])
		shuf(U8(0xEE), a[3], a[2], s[3])
	} else {
		s[2], s[3] = s[0], s[1]
	}
	for j := range 4 {
		y[q*j+qq] = v.vec()
	}
	shuf(U8(0x88), s[2], s[0], y[q*0+qq]) // (a0.l0, a1.l0, a2.l0, a3.l0)
	shuf(U8(0xDD), s[2], s[0], y[q*1+qq])
	shuf(U8(0x88), s[3], s[1], y[q*2+qq])
	shuf(U8(0xDD), s[3], s[1], y[q*3+qq])
}

// storeColumns emits the stores of the transposed block: output column c
// goes to dst + c*ldd, its first rows lanes only (a mask on zmm; on ymm
// with rows = L/2 the low 128 bits, or the high ones of the lane-1
// outputs, which were not moved down).
func (tr *transArgs) storeColumns(v isa, e elem, y []VecVirtual, rows int) {
	lanes := v.bytes / e.size
	q := 16 / e.size
	partial := rows < lanes
	d := GP64()
	MOVQ(tr.dst, d)
	for c := 0; c < lanes; c++ {
		m := strided(d, tr.ldd, tr.ldd3, c%4)
		switch {
		case !partial:
			e.movu(y[c], m)
		case v.bytes == 64:
			e.movu(y[c], tr.mask, m)
		case c/q == 0:
			e.movu(y[c].AsX(), m)
		default:
			VEXTRACTF128(U8(1), y[c], m)
		}
		if c%4 == 3 && c < lanes-1 {
			LEAQ(Mem{Base: d, Index: tr.ldd, Scale: 4}, d)
		}
	}
}

// copyKernel emits
//
//	func copy<ISA><E>_<w>(dst *T, src *T, lds int, n int, alpha T)
//
// which sets dst[l*w + r] = alpha * src[l*lds + r] for l < n, r < w: the
// packing of op(A) for A transposed (each packed column is a contiguous
// run of w = mr elements of A's row). AVX-512 covers the last partial
// vector with a mask, AVX2 with a 128-bit move (w mod L = L/2).
func copyKernel(v isa, e elem, w int) {
	lanes := v.bytes / e.size
	name := fmt.Sprintf("copy%s%s_%d", v.name, e.name, w)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dst *%s, src *%s, lds int, n int, alpha %s)", e.goType, e.goType, e.goType))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[l*%d+r] = alpha*src[l*lds+r] for l < n, r < %d; see packCopyRef.", name, w, w))
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	n := Load(Param("n"), GP64())
	SHLQ(U8(log2(e.size)), lds)
	alphaRef, err := Param("alpha").Resolve()
	if err != nil {
		panic(err)
	}
	alpha := v.vec()
	e.broadcast(alphaRef.Addr, alpha)
	full, rem := w/lanes, w%lanes
	var mask Op
	if rem != 0 && v.bytes == 64 {
		k, r := K(), GP32()
		MOVL(U32(1<<rem-1), r)
		KMOVW(r, k)
		mask = k
	}
	mul := mulOp(e)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for i := 0; i < full; i++ {
		x := v.vec()
		mul(Mem{Base: src, Disp: i * v.bytes}, alpha, x)
		e.movu(x, Mem{Base: dst, Disp: i * v.bytes})
	}
	if rem != 0 {
		off := full * v.bytes
		if v.bytes == 64 {
			x := v.vec()
			// Zeroing masked load: lanes past w are not read.
			if e.size == 4 {
				VMOVUPS_Z(Mem{Base: src, Disp: off}, mask, x)
			} else {
				VMOVUPD_Z(Mem{Base: src, Disp: off}, mask, x)
			}
			mul(x, alpha, x)
			e.movu(x, mask, Mem{Base: dst, Disp: off})
		} else {
			x := XMM()
			mul(Mem{Base: src, Disp: off}, alpha.AsX(), x)
			e.movu(x, Mem{Base: dst, Disp: off})
		}
	}
	ADDQ(lds, src)
	ADDQ(U32(w*e.size), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
