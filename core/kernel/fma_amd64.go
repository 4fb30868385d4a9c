//go:build !purego

package kernel

import "golang.org/x/sys/cpu"

// FMALoop runs iters iterations of a register-only loop of independent
// fused multiply-adds on isa ("avx512": 24 zmm accumulators, "avx2": 12 ymm
// accumulators) in float32 (f64 false) or float64, and returns the number of
// floating-point operations performed (2 per lane per FMA). It touches no
// memory, so flops per second measure the core's practical FMA ceiling, the
// yardstick for Gemm's efficiency. ok is false if the CPU lacks isa.
func FMALoop(isa string, f64 bool, iters int) (flops int, ok bool) {
	switch {
	case isa == "avx512" && cpu.X86.HasAVX512F:
		if f64 {
			fmaLoopAvx512F64(iters)
			return iters * 24 * 2 * 8, true
		}
		fmaLoopAvx512F32(iters)
		return iters * 24 * 2 * 16, true
	case isa == "avx2" && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		if f64 {
			fmaLoopAvx2F64(iters)
			return iters * 12 * 2 * 4, true
		}
		fmaLoopAvx2F32(iters)
		return iters * 12 * 2 * 8, true
	}
	return 0, false
}
