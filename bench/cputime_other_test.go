//go:build !unix

package bench

func cpuSeconds() (float64, bool) { return 0, false }
