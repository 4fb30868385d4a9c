//go:build purego || !amd64

package kernel

var tiers = []*tier{goTier}
