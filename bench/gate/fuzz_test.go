package gate

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzRead reads arbitrary bytes as a results file and checks what the gate
// relies on: Read never panics; every stored value is finite; Keys, Values
// and First describe the same keys, each with at least one value; Results is
// 0 exactly when there are no keys, and then checkResults (the ReadFile
// check) is an error wrapping ErrNoResults. A small set is also compared with
// itself, which must terminate without a regression (a NaN reaching the U
// test made Compare loop until memory ran out).
//
// The seed corpus is in testdata/fuzz/FuzzRead; `go test` runs it, and
//
//	go test -run '^$' -fuzz FuzzRead -fuzztime 30s ./bench/gate
//
// explores further.
func FuzzRead(f *testing.F) {
	f.Add([]byte(tenRuns("")))
	f.Add([]byte(tenRuns("BenchmarkK-2 \t 100\t NaN ns/op\n")))
	f.Add([]byte("Unit GFLOP/s better=higher assume=exact\nBenchmarkG-2 10 5 ns/op 3 GFLOP/s 0 B/op 0 allocs/op\n"))
	f.Add([]byte("pkg: a\nBenchmarkX 1 -Inf ns/op\npkg: b\nBenchmarkX 1 1e308 ns/op 1e-320 x/op\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Read(bytes.NewReader(data), "fuzz.txt")
		if err != nil {
			return // a read error (line too long) is reported, not a set
		}
		total := 0
		for _, k := range s.Keys {
			vs, ok := s.Values[k]
			if !ok || len(vs) == 0 {
				t.Fatalf("key %v listed without values", k)
			}
			if _, ok := s.First[k]; !ok {
				t.Fatalf("key %v has no first position", k)
			}
			for _, v := range vs {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("key %v holds non-finite %v", k, v)
				}
			}
			total += len(vs)
		}
		if len(s.Values) != len(s.Keys) || len(s.First) != len(s.Keys) {
			t.Fatalf("%d keys, %d value lists, %d positions", len(s.Keys), len(s.Values), len(s.First))
		}
		if (s.Results == 0) != (len(s.Keys) == 0) {
			t.Fatalf("Results = %d with %d keys", s.Results, len(s.Keys))
		}
		if err := s.checkResults(); (err != nil) != (s.Results == 0) || (err != nil && !errors.Is(err, ErrNoResults)) {
			t.Fatalf("checkResults = %v with %d results", err, s.Results)
		}
		if total > 400 {
			return // keep each input fast: the U test's cost grows with the sample
		}
		rep := Compare(s, s, DefaultOptions)
		for _, row := range rep.Rows {
			if row.Verdict == Regression || math.IsNaN(row.Slowdown) {
				t.Fatalf("a set compared with itself: %v verdict %v slowdown %v", row.Key, row.Verdict, row.Slowdown)
			}
		}
		if len(s.Keys) == 0 && !errors.Is(rep.Err(), ErrNoResults) {
			t.Fatalf("empty set compared with itself: Err %v", rep.Err())
		}
	})
}
