package kernel

import "testing"

// smallBlocks returns mk with cache blocks of a few register tiles, so that a
// product of a few hundred elements crosses every block boundary of the
// five-loop driver several times: n > 2 nc (the jc loop; no production shape
// in the tests reaches the tiers' nc = 2048-4096), k > 2 kc (the pc loop and
// its beta = 1 accumulation) and m > 2 mc (the ic loop), each with a ragged
// last block. The micro-kernel and packing routines are the tier's own; only
// the blocking changes, which the driver must honour for any mc multiple of
// mr and any nc multiple of nr.
func smallBlocks[T float32 | float64](mk microKernel[T]) microKernel[T] {
	mk.name += "-small"
	mk.mc, mk.kc, mk.nc = 2*mk.mr, 5, 2*mk.nr
	return mk
}

// TestGemmBeyondBlocks holds Gemm with shrunken cache blocks to GemmRef
// (bound of runGemmCase, with kc = 5) for every tier, every transpose case,
// generic and special alpha and beta, and shapes 2-3 blocks past each of
// mc, kc and nc, so every loop of the driver runs more than once and ends
// ragged. Fast: the shapes stay below 300 x 300 x 17.
func TestGemmBeyondBlocks(t *testing.T) {
	for _, tr := range tiers {
		small := &tier{name: tr.name + "-small", f32: smallBlocks(tr.f32), f64: smallBlocks(tr.f64)}
		t.Run(tr.name, func(t *testing.T) {
			old := active.Swap(small)
			defer active.Store(old)
			seed := uint64(1)
			for _, flags := range []uint32{0, 1, 2, 3, 0x3 | 0x4<<8 | 0x3<<11, 0x2 | 0x1<<8 | 0x4<<11, 0x1 | 0x3<<11, 0x55 | 0x4<<8} {
				seed++
				mk32, mk64 := small.f32, small.f64
				g := newGemmCase(2*mk32.mc+mk32.mr+1, 2*mk32.nc+mk32.nr-1, 3*mk32.kc+2, flags, seed)
				if msg := runGemmCase[float32](g, mk32.kc); msg != "" {
					t.Fatalf("f32 %v (blocks mc=%d kc=%d nc=%d): %s", g, mk32.mc, mk32.kc, mk32.nc, msg)
				}
				g = newGemmCase(2*mk64.mc+mk64.mr-1, 2*mk64.nc+mk64.nr+1, 3*mk64.kc+1, flags, seed)
				if msg := runGemmCase[float64](g, mk64.kc); msg != "" {
					t.Fatalf("f64 %v (blocks mc=%d kc=%d nc=%d): %s", g, mk64.mc, mk64.kc, mk64.nc, msg)
				}
			}
			// Three blocks in each of m and n with beta 1 and a generic alpha.
			g := newGemmCase(3*small.f64.mc+1, 3*small.f64.nc+1, 2*small.f64.kc+1, 0x4<<8|0x3<<11, 99)
			if msg := runGemmCase[float64](g, small.f64.kc); msg != "" {
				t.Fatalf("f64 %v: %s", g, msg)
			}
		})
	}
}
