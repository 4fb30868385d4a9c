//go:build !purego

package kernel

import "golang.org/x/sys/cpu"

// Tiles and block sizes below were chosen by TestCalibrate (go test
// ./core/kernel -run Calibrate -v -args -calibrate) on an AMD EPYC (Zen 5,
// 48 KiB L1d, 1 MiB L2 per core, 32 MiB L3); the table is in
// results/bench/simd-*.txt. The best configurations were within a few
// percent of each other (machine noise is of that order); large kc won
// because it halves the passes over C.
var (
	avx512Tier = &tier{
		name: "avx512",
		f32:  microKernel[float32]{name: "avx512", mr: 6, nr: 64, mc: 192, kc: 512, nc: 4096, fn: gemmAvx512F32_6x64, pack: avx512Pack32},
		f64:  microKernel[float64]{name: "avx512", mr: 6, nr: 32, mc: 384, kc: 512, nc: 4096, fn: gemmAvx512F64_6x32, pack: avx512Pack64},
	}
	avx2Tier = &tier{
		name: "avx2",
		f32:  microKernel[float32]{name: "avx2", mr: 4, nr: 24, mc: 192, kc: 384, nc: 4096, fn: gemmAvx2F32_4x24, pack: avx2Pack32},
		f64:  microKernel[float64]{name: "avx2", mr: 6, nr: 8, mc: 96, kc: 512, nc: 4096, fn: gemmAvx2F64_6x8, pack: avx2Pack64},
	}
)

// Packing kernels per ISA and element type (see packer).
var (
	avx512Pack32 = &packer[float32]{lanes: 16,
		trans: [17]func(*float32, int, *float32, int, int, float32){16: transAvx512F32_16, 14: transAvx512F32_14, 8: transAvx512F32_8, 6: transAvx512F32_6},
		copy:  [17]func(*float32, *float32, int, int, float32){14: copyAvx512F32_14, 8: copyAvx512F32_8, 6: copyAvx512F32_6},
	}
	avx512Pack64 = &packer[float64]{lanes: 8,
		trans: [17]func(*float64, int, *float64, int, int, float64){8: transAvx512F64_8, 6: transAvx512F64_6},
		copy:  [17]func(*float64, *float64, int, int, float64){14: copyAvx512F64_14, 8: copyAvx512F64_8, 6: copyAvx512F64_6},
	}
	avx2Pack32 = &packer[float32]{lanes: 8,
		trans: [17]func(*float32, int, *float32, int, int, float32){8: transAvx2F32_8, 4: transAvx2F32_4},
		copy:  [17]func(*float32, *float32, int, int, float32){4: copyAvx2F32_4},
	}
	avx2Pack64 = &packer[float64]{lanes: 4,
		trans: [17]func(*float64, int, *float64, int, int, float64){4: transAvx2F64_4, 2: transAvx2F64_2},
		copy:  [17]func(*float64, *float64, int, int, float64){6: copyAvx2F64_6, 4: copyAvx2F64_4},
	}
)

// tiers lists the tiers this CPU runs, best first. golang.org/x/sys/cpu
// honours GODEBUG=cpu.avx512f=off and cpu.avx2=off, which remove tiers.
var tiers = availableTiers()

func availableTiers() []*tier {
	var ts []*tier
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ts = append(ts, avx512Tier)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ts = append(ts, avx2Tier)
	}
	return append(ts, goTier)
}

// variants lists every generated micro-kernel with the ISA it needs, for the
// twin tests and for TestCalibrate, which picks the tiles used above.
var variants32 = []microKernel[float32]{
	{name: "avx512", mr: 14, nr: 32, fn: gemmAvx512F32_14x32, pack: avx512Pack32},
	{name: "avx512", mr: 8, nr: 48, fn: gemmAvx512F32_8x48, pack: avx512Pack32},
	{name: "avx512", mr: 6, nr: 64, fn: gemmAvx512F32_6x64, pack: avx512Pack32},
	{name: "avx2", mr: 6, nr: 16, fn: gemmAvx2F32_6x16, pack: avx2Pack32},
	{name: "avx2", mr: 4, nr: 24, fn: gemmAvx2F32_4x24, pack: avx2Pack32},
}

var variants64 = []microKernel[float64]{
	{name: "avx512", mr: 14, nr: 16, fn: gemmAvx512F64_14x16, pack: avx512Pack64},
	{name: "avx512", mr: 8, nr: 24, fn: gemmAvx512F64_8x24, pack: avx512Pack64},
	{name: "avx512", mr: 6, nr: 32, fn: gemmAvx512F64_6x32, pack: avx512Pack64},
	{name: "avx2", mr: 6, nr: 8, fn: gemmAvx2F64_6x8, pack: avx2Pack64},
	{name: "avx2", mr: 4, nr: 12, fn: gemmAvx2F64_4x12, pack: avx2Pack64},
}
