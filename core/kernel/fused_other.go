//go:build purego || !amd64

package kernel

func subSqF32(dst, a, b []float32, acc *[8]float64) int                 { return 0 }
func sumSqF32(x []float32, acc *[8]float64) int                         { return 0 }
func scaleF32(x []float32, f float32) int                               { return 0 }
func adamF32(w, m, v, g []float32, b1, c1, b2, c2, lr, eps float32) int { return 0 }

func spmmF32(s *CSR[float32], n int, b []float32, ldb int, c []float32, ldc int) {
	spmmRef(s, n, b, ldb, c, ldc)
}
