package bench

import "testing"

// cpuClock measures the CPU time a benchmark loop consumes, for the metric
// cpu-sec/op: the process's user plus system time per operation, summed over
// threads. Unlike sec/op (wall time), it hardly grows when other processes
// take the cores away, so on a shared machine it is the steadier measure of
// the work a kernel does; a kernel made slower by doing more work moves both.
type cpuClock struct {
	start float64
	ok    bool
}

func startCPU() cpuClock {
	s, ok := cpuSeconds()
	return cpuClock{s, ok}
}

// report adds cpu-sec/op to b's results, where supported.
func (c cpuClock) report(b *testing.B) {
	end, ok := cpuSeconds()
	if c.ok && ok && b.N > 0 {
		b.ReportMetric((end-c.start)/float64(b.N), "cpu-sec/op")
	}
}
