package kernel

import "sync/atomic"

// tier is one implementation level of the kernels: a GEMM micro-kernel and
// block sizes per element type. Tiers are listed best first in tiers (see
// tier_amd64.go); the first is used unless a test selects another.
type tier struct {
	name string
	f32  microKernel[float32]
	f64  microKernel[float64]
}

// goTier is the pure-Go tier, available everywhere. Block sizes: see
// TestCalibrate.
var goTier = &tier{
	name: "go",
	f32:  microKernel[float32]{name: "go", mr: 4, nr: 4, mc: 128, kc: 256, nc: 2048, fn: microGo4x4[float32]},
	f64:  microKernel[float64]{name: "go", mr: 4, nr: 4, mc: 64, kc: 256, nc: 2048, fn: microGo4x4[float64]},
}

var active atomic.Pointer[tier]

func init() { active.Store(tiers[0]) }

func activeTier() *tier { return active.Load() }

// TierName returns the name of the kernel tier in use: "avx512", "avx2" or
// "go". The tier is chosen at start-up from the CPU's features (see
// golang.org/x/sys/cpu; GODEBUG=cpu.avx512f=off or cpu.avx2=off forces a
// lower one) or forced to "go" by the purego build tag.
func TierName() string { return activeTier().name }
