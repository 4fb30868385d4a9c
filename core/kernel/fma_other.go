//go:build purego || !amd64

package kernel

// FMALoop measures the FMA ceiling on amd64; without assembly it reports ok
// false.
func FMALoop(isa string, f64 bool, iters int) (flops int, ok bool) { return 0, false }
