//go:build purego || !amd64

package kernel

func signF32(dst, src []float32)     { signRef(dst, src) }
func signF64(dst, src []float64)     { signRef(dst, src) }
func steGradF32(dst, g, z []float32) { steGradRef(dst, g, z) }
func steGradF64(dst, g, z []float64) { steGradRef(dst, g, z) }

func asinF32(dst, src []float32)        { asinRef(dst, src) }
func asinF64(dst, src []float64)        { asinRef(dst, src) }
func asinInvF32(as, inv, src []float32) { asinInvRef(as, inv, src) }
func asinInvF64(as, inv, src []float64) { asinInvRef(as, inv, src) }
