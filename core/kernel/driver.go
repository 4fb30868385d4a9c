package kernel

import (
	"runtime"
	"sync"
	"unsafe"
)

// microKernel is one register-tiled inner kernel together with the cache
// block sizes that feed it.
//
// fn(kc, a, b, c, ldc, beta) computes, for r < mr and j < nr,
//
//	acc[r][j] = sum_{l=0}^{kc-1} a[l*mr+r] * b[l*nr+j]   (l in increasing order)
//	c[r*ldc+j] = acc[r][j] + beta*c[r*ldc+j]   (beta != 0)
//	c[r*ldc+j] = acc[r][j]                      (beta == 0; c is not read)
//
// where a is an mr x kc panel of op(A) packed column by column (already
// scaled by alpha) and b a kc x nr panel of op(B) packed row by row; see
// microRef for the reference loop. kc >= 1.
type microKernel[T float32 | float64] struct {
	name       string
	mr, nr     int // register tile
	mc, kc, nc int // cache blocks: A block mc x kc (L2), B block kc x nc (L3)
	fn         func(kc int, a, b, c *T, ldc int, beta T)
	pack       *packer[T] // vectorised packing, nil for the reference loops
}

// microRef is the reference twin of every micro-kernel: the loop stated on
// microKernel, with products accumulated in the order l = 0..kc-1 and no
// fused multiply-add.
func microRef[T float32 | float64](mr, nr, kc int, a, b, c []T, ldc int, beta T) {
	for r := 0; r < mr; r++ {
		for j := 0; j < nr; j++ {
			var s T
			for l := 0; l < kc; l++ {
				s += a[l*mr+r] * b[l*nr+j]
			}
			if beta == 0 {
				c[r*ldc+j] = s
			} else {
				c[r*ldc+j] = s + beta*c[r*ldc+j]
			}
		}
	}
}

// gemmDriver computes C = alpha op(A) op(B) + beta C (arguments already
// checked, m, n >= 1) with the five-loop blocked algorithm of Goto and van de
// Geijn ("Anatomy of high-performance matrix multiplication", ACM TOMS 2008):
//
//	for jc in steps of nc:                 columns of C and op(B)
//	  for pc in steps of kc:               the shared dimension
//	    pack op(B)[pc:pc+kc, jc:jc+nc] into nr-wide row panels      (parallel)
//	    for ic in steps of mc:             rows of C and op(A)      (parallel)
//	      pack alpha op(A)[ic:ic+mc, pc:pc+kc] into mr-tall column panels
//	      for jr in steps of nr: for ir in steps of mr:
//	        micro-kernel: C[ic+ir:+mr, jc+jr:+nr] = Ap·Bp + beta' C  (beta' = beta for pc = 0, else 1)
//
// Tiles that stick out of C are computed into a scratch tile and merged.
// Work is split between goroutines by disjoint row (or column) panels of C,
// so every C element's k-sum is formed by one goroutine in the same order
// (pc blocks in increasing order, l increasing within a block) whatever the
// thread count.
func gemmDriver[T float32 | float64](mk *microKernel[T], tA, tB Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmDriverTri(mk, false, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmDriverTri is gemmDriver that, if upper is set, skips the micro-tiles
// of C lying wholly below the diagonal (row > column for every element) and
// the A blocks that feed only those: C's upper triangle is computed exactly
// as by gemmDriver (same tiles, same order of every sum), its strict lower
// triangle only where a tile straddles the diagonal. Syrk builds on it.
func gemmDriverTri[T float32 | float64](mk *microKernel[T], upper bool, tA, tB Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	threads := min(Threads(), runtime.GOMAXPROCS(0))
	// Below about 2^18 multiply-adds, waking another goroutine costs more
	// than it saves.
	if m*n*k < 1<<18 {
		threads = 1
	}
	j := getJob(mk, threads)
	j.upper = upper
	j.tA, j.tB, j.m, j.n, j.k = tA, tB, m, n, k
	j.alpha, j.a, j.lda, j.b, j.ldb, j.beta, j.c, j.ldc = alpha, a, lda, b, ldb, beta, c, ldc
	for jc := 0; jc < n; jc += mk.nc {
		j.jc, j.ncb = jc, min(mk.nc, n-jc)
		for pc := 0; pc < k; pc += mk.kc {
			j.pc, j.kcb = pc, min(mk.kc, k-pc)
			j.betaBlk = beta
			if pc > 0 {
				j.betaBlk = 1
			}
			// Split along whichever side of this block has more micro-panels.
			mp, np := ceilDiv(m, mk.mr), ceilDiv(j.ncb, mk.nr)
			j.splitRows = mp >= np
			j.parts = min(threads, max(mp, np))
			j.phase = phasePackB
			runParts(j, min(j.parts, np))
			j.phase = phaseCompute
			runParts(j, j.parts)
		}
	}
	j.a, j.b, j.c = nil, nil, nil
	putJob(j)
}

const (
	phasePackB = iota
	phaseCompute
)

// gemmJob holds one Gemm call's arguments and its packing workspaces; jobs are
// recycled (see jobs32) so hot calls do not allocate.
type gemmJob[T float32 | float64] struct {
	mk               *microKernel[T]
	tA, tB           Transpose
	m, n, k          int
	alpha, beta      T
	a, b, c          []T
	lda, ldb, ldc    int
	jc, ncb, pc, kcb int // current (jc, pc) block and its extent
	betaBlk          T
	splitRows        bool
	upper            bool // skip tiles wholly below the diagonal (gemmDriverTri)
	parts            int
	phase            int
	bp               []T   // packed B block: ceil(nc/nr) panels of kc x nr
	ap               [][]T // per part: packed A block, ceil(mc/mr) panels of mr x kc
	tile             [][]T // per part: mr x nr scratch tile for ragged edges
	wg               sync.WaitGroup
	ownerName        string
	ownerMr, ownerNr int
	ownerMc, ownerKc int
	ownerNc          int
}

// jobs32 and jobs64 keep finished jobs (and their packing buffers) for
// reuse. Unlike a sync.Pool they are not emptied by the garbage collector,
// so steady-state calls never allocate; they hold at most one job per
// concurrent Gemm call.
var jobs32 jobList[float32]
var jobs64 jobList[float64]

type jobList[T float32 | float64] struct {
	mu   sync.Mutex
	free []*gemmJob[T]
}

func jobsFor[T float32 | float64]() *jobList[T] {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return any(&jobs32).(*jobList[T])
	}
	return any(&jobs64).(*jobList[T])
}

// getJob returns a job whose workspaces fit mk's blocks for up to threads parts.
func getJob[T float32 | float64](mk *microKernel[T], threads int) *gemmJob[T] {
	var j *gemmJob[T]
	l := jobsFor[T]()
	l.mu.Lock()
	if n := len(l.free); n > 0 {
		j = l.free[n-1]
		l.free = l.free[:n-1]
	}
	l.mu.Unlock()
	if j == nil || j.ownerName != mk.name || j.ownerMr != mk.mr || j.ownerNr != mk.nr ||
		j.ownerMc != mk.mc || j.ownerKc != mk.kc || j.ownerNc != mk.nc {
		j = &gemmJob[T]{ownerName: mk.name, ownerMr: mk.mr, ownerNr: mk.nr, ownerMc: mk.mc, ownerKc: mk.kc, ownerNc: mk.nc}
		j.bp = make([]T, ceilDiv(mk.nc, mk.nr)*mk.nr*mk.kc)
	}
	j.mk = mk
	for len(j.ap) < threads {
		j.ap = append(j.ap, make([]T, ceilDiv(mk.mc, mk.mr)*mk.mr*mk.kc))
		j.tile = append(j.tile, make([]T, mk.mr*mk.nr))
	}
	return j
}

func putJob[T float32 | float64](j *gemmJob[T]) {
	l := jobsFor[T]()
	l.mu.Lock()
	l.free = append(l.free, j)
	l.mu.Unlock()
}

// run executes part p of the current phase.
func (j *gemmJob[T]) run(p int) {
	mk := j.mk
	if j.phase == phasePackB {
		np := ceilDiv(j.ncb, mk.nr)
		parts := min(j.parts, np)
		lo, hi := p*np/parts, (p+1)*np/parts
		j.packB(lo, hi)
		return
	}
	mp, np := ceilDiv(j.m, mk.mr), ceilDiv(j.ncb, mk.nr)
	r0, r1, q0, q1 := 0, mp, 0, np
	if j.splitRows {
		r0, r1 = p*mp/j.parts, (p+1)*mp/j.parts
	} else {
		q0, q1 = p*np/j.parts, (p+1)*np/j.parts
	}
	if r0 == r1 || q0 == q1 {
		return
	}
	ap, tile := j.ap[p], j.tile[p]
	// Row panels [r0, r1) are visited in blocks of mc rows (mc is a multiple of mr).
	rowLo, rowHi := r0*mk.mr, min(r1*mk.mr, j.m)
	colEnd := j.jc + min(q1*mk.nr, j.ncb) // one past the last column of this part
	for ic := rowLo; ic < rowHi; ic += mk.mc {
		if j.upper && ic >= colEnd {
			break // this and all further row blocks lie below the diagonal
		}
		mcb := min(mk.mc, rowHi-ic)
		j.packA(ap, ic, mcb)
		for q := q0; q < q1; q++ {
			jr := q * mk.nr
			nrb := min(mk.nr, j.ncb-jr)
			bpan := j.bp[q*mk.nr*j.kcb:]
			for ir := 0; ir < mcb; ir += mk.mr {
				if j.upper && ic+ir >= j.jc+jr+nrb {
					break // the tile's first row is below its last column
				}
				mrb := min(mk.mr, mcb-ir)
				apan := ap[ir*j.kcb:]
				ci := (ic+ir)*j.ldc + j.jc + jr
				if mrb == mk.mr && nrb == mk.nr {
					mk.fn(j.kcb, &apan[0], &bpan[0], &j.c[ci], j.ldc, j.betaBlk)
					continue
				}
				mk.fn(j.kcb, &apan[0], &bpan[0], &tile[0], mk.nr, 0)
				mergeTile(mrb, nrb, tile, mk.nr, j.betaBlk, j.c[ci:], j.ldc)
			}
		}
	}
}

// mergeTile sets c[r*ldc+j] = t[r*ldt+j] + beta c[r*ldc+j] for r < mr, j < nr,
// not reading c when beta == 0.
func mergeTile[T float32 | float64](mr, nr int, t []T, ldt int, beta T, c []T, ldc int) {
	for r := 0; r < mr; r++ {
		tr, cr := t[r*ldt:r*ldt+nr], c[r*ldc:r*ldc+nr]
		if beta == 0 {
			copy(cr, tr)
			continue
		}
		for i, v := range tr {
			cr[i] = v + beta*cr[i]
		}
	}
}

// packA packs alpha op(A)[ic:ic+mcb, pc:pc+kcb] into ap as ceil(mcb/mr)
// panels; panel p holds, for l < kcb, the mr values op(A)[ic+p*mr+r, pc+l]
// (zero past row m) contiguously.
func (j *gemmJob[T]) packA(ap []T, ic, mcb int) {
	mr, kc, alpha := j.mk.mr, j.kcb, j.alpha
	for ir := 0; ir < mcb; ir += mr {
		rows := min(mr, mcb-ir)
		pan := ap[ir*kc : ir*kc+mr*kc]
		if j.tA == Trans {
			// op(A)[i, l] = a[l*lda+i]: each packed column is a contiguous run.
			src := j.a[j.pc*j.lda+ic+ir:]
			if rows == mr {
				packCopy(j.mk.pack, pan, src, j.lda, mr, kc, alpha)
				continue
			}
			for l := 0; l < kc; l++ {
				dst := pan[l*mr : l*mr+mr]
				s := src[l*j.lda:]
				for r := 0; r < rows; r++ {
					dst[r] = alpha * s[r]
				}
				clear(dst[rows:])
			}
			continue
		}
		// op(A)[i, l] = a[i*lda+l]: a transpose of the rows x kc block.
		packTrans(j.mk.pack, pan, mr, j.a[(ic+ir)*j.lda+j.pc:], j.lda, rows, kc, alpha)
		for r := rows; r < mr; r++ {
			for l := 0; l < kc; l++ {
				pan[l*mr+r] = 0
			}
		}
	}
}

// packB packs panels [q0, q1) of op(B)[pc:pc+kcb, jc:jc+ncb]; panel q holds,
// for l < kcb, the nr values op(B)[pc+l, jc+q*nr+c] (zero past column n)
// contiguously.
func (j *gemmJob[T]) packB(q0, q1 int) {
	nr, kc := j.mk.nr, j.kcb
	for q := q0; q < q1; q++ {
		jr := q * nr
		cols := min(nr, j.ncb-jr)
		pan := j.bp[q*nr*kc : q*nr*kc+nr*kc]
		if j.tB == NoTrans {
			for l := 0; l < kc; l++ {
				src := j.b[(j.pc+l)*j.ldb+j.jc+jr:]
				dst := pan[l*nr : l*nr+nr]
				copy(dst, src[:cols])
				clear(dst[cols:])
			}
			continue
		}
		// op(B)[l, j] = b[j*ldb+l]: a transpose of the cols x kc block.
		packTrans(j.mk.pack, pan, nr, j.b[(j.jc+jr)*j.ldb+j.pc:], j.ldb, cols, kc, 1)
		for c := cols; c < nr; c++ {
			for l := 0; l < kc; l++ {
				pan[l*nr+c] = 0
			}
		}
	}
}

// scaleC sets C = beta C, not reading C when beta == 0.
func scaleC[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	for i := 0; i < m; i++ {
		ci := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(ci)
		case 1:
		default:
			for j := range ci {
				ci[j] *= beta
			}
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
