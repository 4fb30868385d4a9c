package kernel

// packer holds a tier's vectorised packing kernels (generated in
// internal/gen/pack.go); the driver falls back to the reference loops
// packTransRef and packCopyRef for shapes they do not cover.
type packer[T float32 | float64] struct {
	lanes int
	// trans[r], if not nil, transposes r x lanes blocks:
	// dst[(b*lanes+c)*ldd+r'] = alpha*src[r'*lds+b*lanes+c] for b < nb, c < lanes, r' < r.
	trans [17]func(dst *T, ldd int, src *T, lds int, nb int, alpha T)
	// copy[w], if not nil, sets dst[l*w+r] = alpha*src[l*lds+r] for l < n, r < w.
	copy [17]func(dst, src *T, lds int, n int, alpha T)
}

// packTrans sets dst[l*ldd+r] = alpha*src[r*lds+l] for r < rows, l < kc:
// packTransRef, with whole lanes-wide column blocks of each group of lanes
// rows transposed in registers when p has a kernel for the group's height.
// The products are the same single roundings as the twin's, so the result
// is identical bit for bit.
func packTrans[T float32 | float64](p *packer[T], dst []T, ldd int, src []T, lds, rows, kc int, alpha T) {
	if p == nil || kc < p.lanes {
		packTransRef(dst, ldd, src, lds, rows, kc, alpha)
		return
	}
	nb := kc / p.lanes
	done := nb * p.lanes
	for r0 := 0; r0 < rows; r0 += p.lanes {
		h := min(p.lanes, rows-r0)
		fn := p.trans[h]
		if fn == nil {
			packTransRef(dst[r0:], ldd, src[r0*lds:], lds, h, kc, alpha)
			continue
		}
		// Bounds the kernel relies on: rows r0..r0+h-1 of src up to column
		// done-1, and dst up to row done-1, column r0+h-1.
		_ = src[(r0+h-1)*lds+done-1]
		_ = dst[(done-1)*ldd+r0+h-1]
		fn(&dst[r0], ldd, &src[r0*lds], lds, nb, alpha)
		if done < kc {
			packTransRef(dst[done*ldd+r0:], ldd, src[r0*lds+done:], lds, h, kc-done, alpha)
		}
	}
}

// packTransRef is the twin of packTrans.
func packTransRef[T float32 | float64](dst []T, ldd int, src []T, lds, rows, kc int, alpha T) {
	for r := 0; r < rows; r++ {
		s := src[r*lds : r*lds+kc]
		for l, v := range s {
			dst[l*ldd+r] = alpha * v
		}
	}
}

// packCopy sets dst[l*w+r] = alpha*src[l*lds+r] for r < w, l < kc:
// packCopyRef, by p's kernel for width w if it has one (bit for bit the
// same: one rounded product per element).
func packCopy[T float32 | float64](p *packer[T], dst []T, src []T, lds, w, kc int, alpha T) {
	if p == nil || kc == 0 || w >= len(p.copy) || p.copy[w] == nil {
		packCopyRef(dst, src, lds, w, kc, alpha)
		return
	}
	_ = src[(kc-1)*lds+w-1]
	_ = dst[kc*w-1]
	p.copy[w](&dst[0], &src[0], lds, kc, alpha)
}

// packCopyRef is the twin of packCopy.
func packCopyRef[T float32 | float64](dst []T, src []T, lds, w, kc int, alpha T) {
	for l := 0; l < kc; l++ {
		s, d := src[l*lds:l*lds+w], dst[l*w:l*w+w]
		for r, v := range s {
			d[r] = alpha * v
		}
	}
}
