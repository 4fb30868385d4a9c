//go:build purego || !amd64

package kernel

var tiers = []*tier{goTier}

var (
	variants32 []microKernel[float32]
	variants64 []microKernel[float64]
)
