//go:build !purego

package kernel

var tiers = []*tier{goTier}
