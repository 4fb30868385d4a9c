package bench

import (
	"testing"

	"github.com/seed05b1c944/onebit/core/prior"
	"github.com/seed05b1c944/onebit/theory"
)

// BenchmarkStateEvolution times one state-evolution run to its fixed point
// (tolerance 1e-13, THEORY.md 7-8) for BG(0.1) at r = 1.
func BenchmarkStateEvolution(b *testing.B) {
	p := prior.BernoulliGaussian{P: 0.1}
	for _, c := range []struct {
		name string
		run  func() (theory.SEResult, error)
	}{
		{"vamp/bg0.1-r1", func() (theory.SEResult, error) { return theory.VAMPStateEvolution(p, 1, theory.SEOptions{}) }},
		{"gamp/bg0.1-r1", func() (theory.SEResult, error) { return theory.GAMPStateEvolution(p, 1, theory.SEOptions{}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				if _, err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkMMSE times one quadrature evaluation of mmse_P(snr) at the
// shallow decoder's snr for r = 1, 2/(pi - 2) (THEORY.md 5).
func BenchmarkMMSE(b *testing.B) {
	for _, p := range []prior.Channel{prior.BernoulliGaussian{P: 0.1}, prior.SparseRademacher{P: 0.3}} {
		b.Run(p.Name(), func(b *testing.B) {
			snr, _ := theory.ShallowSNR(1)
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				if _, err := prior.MMSE(p, snr); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}
