package kernel

import "unsafe"

// microGo4x4 is the pure-Go micro-kernel (mr = nr = 4): the loop stated on
// microKernel with the 16 sums held in local variables, so the compiler keeps
// the tile in registers across the k loop. It is the kernel of the purego
// tier and of CPUs without AVX2+FMA.
func microGo4x4[T float32 | float64](kc int, a, b, c *T, ldc int, beta T) {
	as := unsafe.Slice(a, 4*kc)
	bs := unsafe.Slice(b, 4*kc)
	var c00, c01, c02, c03, c10, c11, c12, c13 T
	var c20, c21, c22, c23, c30, c31, c32, c33 T
	for l := 0; l < kc; l++ {
		al := as[4*l : 4*l+4 : 4*l+4]
		bl := bs[4*l : 4*l+4 : 4*l+4]
		b0, b1, b2, b3 := bl[0], bl[1], bl[2], bl[3]
		a0 := al[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := al[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := al[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := al[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	store4(cs[0:4:4], beta, c00, c01, c02, c03)
	store4(cs[ldc:ldc+4:ldc+4], beta, c10, c11, c12, c13)
	store4(cs[2*ldc:2*ldc+4:2*ldc+4], beta, c20, c21, c22, c23)
	store4(cs[3*ldc:3*ldc+4:3*ldc+4], beta, c30, c31, c32, c33)
}

func store4[T float32 | float64](c []T, beta T, s0, s1, s2, s3 T) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = s0, s1, s2, s3
		return
	}
	c[0] = s0 + beta*c[0]
	c[1] = s1 + beta*c[1]
	c[2] = s2 + beta*c[2]
	c[3] = s3 + beta*c[3]
}
