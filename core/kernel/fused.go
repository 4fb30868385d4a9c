package kernel

import "math"

// Fused elementwise passes of the SGD step (residual and loss, Adam, row
// renormalisation). Each has a reference twin *Ref stating its loop; the
// float32 versions have AVX2 bodies on amd64 (fused_amd64.go) that equal
// the twins bit for bit: float64 sums use eight lanes, lane i%8 taking
// element i, combined as ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)), and no
// operation is fused where the twin rounds twice. float64 inputs use the
// twins. dst may alias a source; lengths must match.

// SubSq sets dst[i] = a[i] - b[i] (rounded to T) and returns sum_i dst[i]^2
// accumulated in float64 (in the lane order above): the residual and
// squared error of a batch in one pass.
func SubSq[T Float](dst, a, b []T) float64 {
	mustLen("SubSq", len(dst), len(a))
	mustLen("SubSq", len(dst), len(b))
	var acc [8]float64
	n := 0
	if unsafe4[T]() {
		n = subSqF32(asF32(dst), asF32(a), asF32(b), &acc)
	}
	subSqRef(dst[n:], a[n:], b[n:], n, &acc)
	return sumLanes(&acc)
}

// subSqRef is the twin of SubSq's loop for elements off, off+1, ... (lane
// (off+i)%8 takes element i of these slices).
func subSqRef[T Float](dst, a, b []T, off int, acc *[8]float64) {
	for i := range dst {
		r := a[i] - b[i]
		dst[i] = r
		acc[(off+i)&7] += float64(r) * float64(r)
	}
}

// SumSq returns sum_i x[i]^2 accumulated in float64 (in the lane order above).
func SumSq[T Float](x []T) float64 {
	var acc [8]float64
	n := 0
	if unsafe4[T]() {
		n = sumSqF32(asF32(x), &acc)
	}
	sumSqRef(x[n:], n, &acc)
	return sumLanes(&acc)
}

// sumSqRef is the twin of SumSq's loop (lanes as in subSqRef).
func sumSqRef[T Float](x []T, off int, acc *[8]float64) {
	for i, v := range x {
		acc[(off+i)&7] += float64(v) * float64(v)
	}
}

func sumLanes(a *[8]float64) float64 {
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

// Scale sets x[i] = f x[i].
func Scale[T Float](x []T, f T) {
	n := 0
	if unsafe4[T]() {
		n = scaleF32(asF32(x), float32(f))
	}
	scaleRef(x[n:], f)
}

// scaleRef is the twin of Scale.
func scaleRef[T Float](x []T, f T) {
	for i := range x {
		x[i] *= f
	}
}

// Adam applies one Adam update (Kingma and Ba, "Adam: a method for
// stochastic optimization", ICLR 2015, Algorithm 1, with the bias
// corrections folded into lr) to the weights w with moments m, v and
// gradient g:
//
//	m[i] = b1 m[i] + (1-b1) g[i]
//	v[i] = b2 v[i] + (1-b2) g[i]^2
//	w[i] = w[i] - lr m[i] / (sqrt(v[i]) + eps)
//
// The constants b1, 1-b1, b2, 1-b2, lr and eps are rounded to T once (1-b1
// and 1-b2 computed in float64), then every operation is rounded to T in
// the order written, (1-b2) g g as ((1-b2) g) g and lr m / s as (lr m) / s.
func Adam[T Float](w, m, v, g []T, b1, b2, lr, eps float64) {
	mustLen("Adam", len(w), len(m))
	mustLen("Adam", len(w), len(v))
	mustLen("Adam", len(w), len(g))
	n := 0
	if unsafe4[T]() {
		n = adamF32(asF32(w), asF32(m), asF32(v), asF32(g), float32(b1), float32(1-b1), float32(b2), float32(1-b2), float32(lr), float32(eps))
	}
	adamRef(w[n:], m[n:], v[n:], g[n:], T(b1), T(1-b1), T(b2), T(1-b2), T(lr), T(eps))
}

// adamRef is the twin of Adam. The explicit conversions round each product
// to T, so that no compiler fuses a multiply-add (Go spec, "Arithmetic
// operators": an explicit conversion prevents fusion).
func adamRef[T Float](w, m, v, g []T, b1, c1, b2, c2, lr, eps T) {
	for i, gi := range g {
		mi := T(b1*m[i]) + T(c1*gi)
		vi := T(b2*v[i]) + T(T(c2*gi)*gi)
		m[i], v[i] = mi, vi
		w[i] -= T(lr*mi) / (sqrtT(vi) + eps)
	}
}

// sqrtT is the square root rounded to T: math.Sqrt is correctly rounded in
// float64, and rounding that to float32 gives the correctly rounded float32
// root (float64 has more than 2*24+2 bits), what VSQRTPS computes.
func sqrtT[T Float](v T) T { return T(math.Sqrt(float64(v))) }
