package main

import (
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The vectorised arcsine of exact population descent (THEORY.md 2.3: the
// kernel E[sign(u) sign(v)] = (2/pi) arcsin(rho) and its derivative).
//
// Algorithm (all in float64; float32 inputs are widened and the results
// rounded once to float32). With w = |x|:
//
//	w <= 1/2:  z = w^2,          asin(w) = w + w z g(z)
//	w >  1/2:  z = (1 - w)/2,    s = sqrt(z),
//	           asin(w) = pi/2 - 2 asin(s) = h + (e - (2s z g(z) - pio2Lo))
//
// where h = pio2Hi - 2s and e = (pio2Hi - h) - 2s is its exact rounding
// error (Fast2Sum: pio2Hi > 2s).
//
// and asin(x) = copysign(asin(w), x); both branches need
// g(z) = (asin(sqrt z)/sqrt z - 1)/z = sum_{n>=1} a_n z^(n-1),
// a_n = (2n)! / (4^n (n!)^2 (2n+1)), only on [0, 1/4]. g is replaced by the
// polynomial of degree asinDegree interpolating it at the Chebyshev nodes of
// [0, 1/4], computed below in 320-bit arithmetic and rounded to float64,
// and evaluated by Horner's rule with fused multiply-adds. 1 - w is exact
// for w >= 1/2 (Sterbenz), so the error is the polynomial's (the term it
// enters is at most 5% of the result: < 0.1 ulp), 0.5 ulp of the final
// rounding and, above 1/2, the rounding of sqrt (0.5 ulp of 2s <= 1, at
// most 0.5 ulp of the result, which exceeds asin(1/2) > 1/2) and of e - q
// (< 0.05 ulp): about 1.1 ulp in all, documented as 2 (asinMaxULP).
//
// The same steps, in the same order, are the pure-Go twin asinTwin in
// ../../asin.go, which reads the coefficients from the generated
// ../../zasin_coef.go; the kernels are therefore equal to it bit for bit.
// The error bound is measured by TestAsinVecAccuracy.

// asinDegree is the degree of the polynomial replacing g. The interpolation
// error of degree 11 is below 1e-15 relative to g, which moves asin by less
// than 0.05 ulp (the term w z g is at most 5% of asin(w)).
const asinDegree = 11

// asinCoefficients returns the monomial coefficients c[0..asinDegree] of the
// interpolant of g at the Chebyshev nodes of [0, 1/4], rounded to float64.
func asinCoefficients() []float64 {
	const prec = 320
	nf := func(x float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(x) }
	n := asinDegree + 1
	// g(t) by its series; the terms decrease at least like (1/4)^k.
	g := func(t *big.Float) *big.Float {
		sum := nf(0)
		an := new(big.Float).SetPrec(prec).Quo(nf(1), nf(6)) // a_1 = 2!/(4*1*3)
		tp := nf(1)
		for k := 1; k < 400; k++ {
			term := new(big.Float).SetPrec(prec).Mul(an, tp)
			sum.Add(sum, term)
			// a_{k+1}/a_k = (2k+1)(2k+2)/(4 (k+1)^2) * (2k+1)/(2k+3)
			num := float64((2*k + 1) * (2*k + 2) * (2*k + 1))
			den := float64(4 * (k + 1) * (k + 1) * (2*k + 3))
			an.Mul(an, nf(num))
			an.Quo(an, nf(den))
			tp.Mul(tp, t)
		}
		return sum
	}
	// Vandermonde system V c = y at the nodes, solved by Gaussian
	// elimination with partial pivoting in 320-bit arithmetic.
	pi := bigPi(prec)
	v := make([][]*big.Float, n)
	for k := 0; k < n; k++ {
		// t_k = 1/8 + 1/8 cos(pi (k + 1/2) / n); cos in float64 is enough
		// for node placement (the nodes need not be exact, the values at
		// them must be).
		ang, _ := new(big.Float).Quo(new(big.Float).Mul(pi, nf(float64(k)+0.5)), nf(float64(n))).Float64()
		t := nf(0.125 + 0.125*math.Cos(ang))
		row := make([]*big.Float, n+1)
		p := nf(1)
		for j := 0; j < n; j++ {
			row[j] = new(big.Float).SetPrec(prec).Set(p)
			p.Mul(p, t)
		}
		row[n] = g(t)
		v[k] = row
	}
	for col := 0; col < n; col++ {
		piv := col
		for r := col + 1; r < n; r++ {
			if new(big.Float).Abs(v[r][col]).Cmp(new(big.Float).Abs(v[piv][col])) > 0 {
				piv = r
			}
		}
		v[col], v[piv] = v[piv], v[col]
		for r := col + 1; r < n; r++ {
			f := new(big.Float).SetPrec(prec).Quo(v[r][col], v[col][col])
			for j := col; j <= n; j++ {
				v[r][j].Sub(v[r][j], new(big.Float).SetPrec(prec).Mul(f, v[col][j]))
			}
		}
	}
	c := make([]float64, n)
	cb := make([]*big.Float, n)
	for r := n - 1; r >= 0; r-- {
		s := new(big.Float).SetPrec(prec).Set(v[r][n])
		for j := r + 1; j < n; j++ {
			s.Sub(s, new(big.Float).SetPrec(prec).Mul(v[r][j], cb[j]))
		}
		cb[r] = s.Quo(s, v[r][r])
		c[r], _ = cb[r].Float64()
	}
	return c
}

// bigPi returns pi to prec bits by Machin's formula.
func bigPi(prec uint) *big.Float {
	atanInv := func(x int64) *big.Float {
		// atan(1/x) = sum (-1)^k / ((2k+1) x^(2k+1))
		sum := new(big.Float).SetPrec(prec)
		xp := new(big.Float).SetPrec(prec).SetInt64(x)
		x2 := new(big.Float).SetPrec(prec).SetInt64(x * x)
		term := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), xp)
		for k := int64(0); k < 400; k++ {
			t := new(big.Float).SetPrec(prec).Quo(term, new(big.Float).SetPrec(prec).SetInt64(2*k+1))
			if k%2 == 0 {
				sum.Add(sum, t)
			} else {
				sum.Sub(sum, t)
			}
			term.Quo(term, x2)
		}
		return sum
	}
	p := new(big.Float).SetPrec(prec).Mul(big.NewFloat(16).SetPrec(prec), atanInv(5))
	return p.Sub(p, new(big.Float).SetPrec(prec).Mul(big.NewFloat(4).SetPrec(prec), atanInv(239)))
}

// pio2 returns pi/2 split into the nearest float64 hi and the float64
// nearest the rest.
func pio2() (hi, lo float64) {
	p := bigPi(320)
	p.Quo(p, big.NewFloat(2))
	hi, _ = p.Float64()
	r := new(big.Float).SetPrec(320).Sub(p, new(big.Float).SetFloat64(hi))
	lo, _ = r.Float64()
	return hi, lo
}

// writeAsinCoef writes ../../zasin_coef.go with the constants of the twin.
func writeAsinCoef(path string, c []float64, hi, lo float64) {
	var b strings.Builder
	b.WriteString("// Code generated by internal/gen (asin.go). DO NOT EDIT.\n\npackage kernel\n\n")
	b.WriteString("// asinCoef are the monomial coefficients (constant term first) of the\n")
	b.WriteString("// polynomial replacing g(z) = (asin(sqrt z)/sqrt z - 1)/z on [0, 1/4]:\n")
	fmt.Fprintf(&b, "// its degree-%d interpolant at the Chebyshev nodes, rounded to float64.\n", asinDegree)
	b.WriteString("var asinCoef = [...]float64{\n")
	for _, v := range c {
		fmt.Fprintf(&b, "\t%s, // %.17g\n", strconv.FormatFloat(v, 'x', -1, 64), v)
	}
	b.WriteString("}\n\n")
	b.WriteString("// pio2Hi + pio2Lo is pi/2 to about 2^-107 relative.\n")
	fmt.Fprintf(&b, "const (\n\tpio2Hi = %s // %.17g\n\tpio2Lo = %s // %.17g\n)\n",
		strconv.FormatFloat(hi, 'x', -1, 64), hi, strconv.FormatFloat(lo, 'x', -1, 64), lo)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		panic(err)
	}
}

// asinKernels emits the arcsine kernels and writes the coefficient file.
func asinKernels(coefPath string) {
	c := asinCoefficients()
	hi, lo := pio2()
	if coefPath != "" {
		writeAsinCoef(coefPath, c, hi, lo)
	}
	k := asinConsts{
		coef: make([]Mem, len(c)),
	}
	for i, v := range c {
		k.coef[i] = vecConst(fmt.Sprintf("asinC%d", i), math.Float64bits(v))
	}
	k.half = vecConst("asinHalf", math.Float64bits(0.5))
	k.one = vecConst("asinOne", math.Float64bits(1))
	k.negLo = vecConst("asinNegPio2Lo", math.Float64bits(-lo))
	k.hi = vecConst("asinPio2Hi", math.Float64bits(hi))
	k.abs = vecConst("asinAbsMask", 1<<63-1)
	k.sign = vecConst("asinSignMask", 1<<63)
	for _, v := range []isa{avx512, avx2} {
		for _, e := range []elem{f32, f64} {
			asinKernel(v, e, false, k)
			asinKernel(v, e, true, k)
		}
	}
}

type asinConsts struct {
	coef                            []Mem
	half, one, negLo, hi, abs, sign Mem
}

// vecConst is a 64-byte read-only table holding the float64 bit pattern
// bits eight times, usable as a full-width memory operand by zmm and ymm
// instructions.
func vecConst(name string, bits uint64) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(8*i, U64(bits))
	}
	return m
}

// asinKernel emits
//
//	func asin<ISA><E>(as, src *T, n int)                 (inv false)
//	func asinInv<ISA><E>(as, inv, src *T, n int)         (inv true)
//
// which set, for i < n (a multiple of the float64 lane count),
// as[i] = asinTwin(src[i]) and inv[i] = 1/sqrt((1-src[i])(1+src[i]))
// (float32: of the widened input, rounded once).
func asinKernel(v isa, e elem, withInv bool, k asinConsts) {
	lanes := v.bytes / 8
	name := "asin" + v.name + e.name
	sig := fmt.Sprintf("func(as, src *%s, n int)", e.goType)
	if withInv {
		name = "asinInv" + v.name + e.name
		sig = fmt.Sprintf("func(as, inv, src *%s, n int)", e.goType)
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is the %s body of Asin%s for n a multiple of %d; see asinTwin.", name, v.name,
		map[bool]string{false: "", true: "InvSqrt1mSq"}[withInv], lanes))
	as := Load(Param("as"), GP64())
	var inv Register
	if withInv {
		inv = Load(Param("inv"), GP64())
	}
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	andp, orp := VANDPD, VORPD
	if v.bytes == 64 {
		andp, orp = VPANDQ, VPORQ
	}
	// Constants used as the first source of a subtraction live in registers.
	one, hi := v.vec(), v.vec()
	VMOVUPD(k.one, one)
	VMOVUPD(k.hi, hi)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	x := v.vec()
	if e.size == 4 {
		VCVTPS2PD(Mem{Base: src}, x)
	} else {
		VMOVUPD(Mem{Base: src}, x)
	}
	w, z, sel := asinReduce(v, k, andp, one, x)
	r := asinPolynomial(v, k, hi, w, z, sel)
	// copysign(r, x)
	sg := v.vec()
	andp(k.sign, x, sg)
	orp(sg, r, r)
	storeNarrow(v, e, r, as)
	if withInv {
		invSqrt1mSq(v, e, one, x, inv)
		ADDQ(U8(lanes*e.size), inv)
	}
	ADDQ(U8(lanes*e.size), as)
	ADDQ(U8(lanes*e.size), src)
	SUBQ(U8(lanes), n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// asinSelect is the per-lane choice of asinTwin's big-argument branch
// (w > 1/2): an opmask on AVX-512, a mask vector on AVX2.
type asinSelect struct {
	k    Op         // AVX-512
	mask VecVirtual // AVX2
}

// blend emits dst = big where the lane is big, small elsewhere.
func (s asinSelect) blend(v isa, big, small, dst VecVirtual) {
	if v.bytes == 64 {
		if dst != small {
			VMOVAPD(small, dst)
		}
		VMOVAPD(big, s.k, dst)
		return
	}
	VBLENDVPD(s.mask, big, small, dst)
}

// asinReduce emits the argument reduction of asinTwin on x (float64
// lanes): w = |x|, big = w > 1/2, z = big ? (1-w)/2 : w^2 and then
// w = big ? sqrt(z) : w (andp is the bitwise and of the ISA).
func asinReduce(v isa, k asinConsts, andp func(...Op), one, x VecVirtual) (w, z VecVirtual, sel asinSelect) {
	w = v.vec()
	andp(k.abs, x, w) // w = |x|
	// z = big ? (1-w)/2 : w^2
	zs, zb := v.vec(), v.vec()
	VMULPD(w, w, zs)
	VSUBPD(w, one, zb) // 1 - w
	VMULPD(k.half, zb, zb)
	z = v.vec()
	if v.bytes == 64 {
		kr := K()
		VCMPPD(U8(0x1e), k.half, w, kr) // w > 1/2, ordered (GT_OQ)
		sel.k = kr
	} else {
		sel.mask = v.vec()
		VCMPPD(U8(0x1e), k.half, w, sel.mask)
	}
	sel.blend(v, zb, zs, z)
	// s = sqrt(z); w' = big ? s : w
	s := v.vec()
	VSQRTPD(z, s)
	sel.blend(v, s, w, w)
	return w, z, sel
}

// asinPolynomial emits asinTwin after the reduction: zg = z g(z) (Horner
// over the minimax coefficients), r = fma(w, zg, w) for small lanes and,
// for big ones, s2 = 2w, q = fma(s2, zg, -pio2Lo), h = pio2Hi - s2 with its
// exact error e = (pio2Hi - h) - s2 (Fast2Sum, pio2Hi > s2) and
// r = h + (e - q). It returns r (not yet signed).
func asinPolynomial(v isa, k asinConsts, hi, w, z VecVirtual, sel asinSelect) VecVirtual {
	// g(z) by Horner, zg = z g.
	acc := v.vec()
	VMOVUPD(k.coef[len(k.coef)-1], acc)
	for i := len(k.coef) - 2; i >= 0; i-- {
		VFMADD213PD(k.coef[i], z, acc) // acc = z*acc + c_i
	}
	VMULPD(acc, z, acc) // zg
	// small: r = fma(w, zg, w)
	rs := v.vec()
	VMOVAPD(w, rs)
	VFMADD231PD(acc, w, rs) // rs = w*zg + w
	// big
	s2, q, h, ee, rb := v.vec(), v.vec(), v.vec(), v.vec(), v.vec()
	VADDPD(w, w, s2)
	VMOVUPD(k.negLo, q)
	VFMADD231PD(acc, s2, q) // q = s2*zg + (-pio2Lo)
	VSUBPD(s2, hi, h)       // h = pio2Hi - s2
	VSUBPD(h, hi, ee)       // pio2Hi - h
	VSUBPD(s2, ee, ee)      // e
	VSUBPD(q, ee, ee)       // e - q
	VADDPD(ee, h, rb)
	sel.blend(v, rb, rs, rs)
	return rs
}

// invSqrt1mSq emits inv = 1/sqrt((1-x)(1+x)) for the float64 lanes x and
// stores it at dst.
func invSqrt1mSq(v isa, e elem, one, x VecVirtual, dst Register) {
	a, b := v.vec(), v.vec()
	VSUBPD(x, one, a)
	VADDPD(x, one, b)
	VMULPD(b, a, a)
	VSQRTPD(a, a)
	VDIVPD(a, one, b)
	storeNarrow(v, e, b, dst)
}

// storeNarrow stores the float64 lanes val at dst as elements of e
// (float32: rounded once by VCVTPD2PS).
func storeNarrow(v isa, e elem, val VecVirtual, dst Register) {
	if e.size == 8 {
		VMOVUPD(val, Mem{Base: dst})
		return
	}
	if v.bytes == 64 {
		h := YMM()
		VCVTPD2PS(val, h)
		VMOVUPS(h, Mem{Base: dst})
		return
	}
	h := XMM()
	VCVTPD2PSY(val, h)
	VMOVUPS(h, Mem{Base: dst})
}
