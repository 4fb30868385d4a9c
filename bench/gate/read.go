package gate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"golang.org/x/perf/benchfmt"
)

// Key identifies one sample: a benchmark in a package, measured in one unit.
type Key struct {
	Pkg  string // the "pkg:" configuration in force, "" if none
	Name string // full benchmark name without "Benchmark", e.g. "Gemm/f32/NN/256x256x128-2"
	Unit string // tidied unit, e.g. "sec/op"
}

func (k Key) String() string { return "Benchmark" + k.Name + " " + k.Unit }

// Pos is a position in a results file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Set holds the results of one file: a sample of values per key, the unit
// metadata the file declares, and the file's syntax errors.
//
// Every value in Values is finite: Read drops NaN and ±Inf (the U test of
// benchmath does not terminate on NaN) and records each dropped value in
// Errors with its position, so that Compare reports it and the gate fails.
type Set struct {
	File   string
	Keys   []Key // in order of first appearance
	Values map[Key][]float64
	First  map[Key]Pos // where each key first appears
	Units  benchfmt.UnitMetadataMap
	Errors []error // *benchfmt.SyntaxError, each with its file and line
	// Results counts the benchmark result lines that gave at least one
	// finite value; it is 0 exactly when Keys is empty.
	Results int
}

// ErrNoResults is wrapped by the error of ReadFile for a file that holds no
// usable benchmark result (empty, not in the Go benchmark format, binary, or
// only non-finite values), and by Report.Err when Compare was given such a
// set: a comparison of nothing must not pass.
var ErrNoResults = errors.New("no benchmark results")

// ReadFile reads the results file at path. It returns an error for an I/O
// error and, wrapping ErrNoResults, for a file without a single usable
// benchmark result; syntax errors and dropped non-finite values of a file that
// has results are kept in Set.Errors.
func ReadFile(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Read(bytes.NewReader(data), path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := s.checkResults(); err != nil {
		return nil, err
	}
	return s, nil
}

// checkResults returns an error wrapping ErrNoResults if s has no results,
// naming the first syntax error if there is one.
func (s *Set) checkResults() error {
	if s.Results > 0 {
		return nil
	}
	msg := fmt.Sprintf("%s: %v: want lines such as \"BenchmarkName-8  1000  1234 ns/op\"", s.File, ErrNoResults)
	if len(s.Errors) > 0 {
		msg += fmt.Sprintf(" (%d unusable lines, the first at %v)", len(s.Errors), s.Errors[0])
	}
	return noResultsError{msg}
}

// noResultsError carries its own message and matches ErrNoResults.
type noResultsError struct{ msg string }

func (e noResultsError) Error() string        { return e.msg }
func (e noResultsError) Is(target error) bool { return target == ErrNoResults }

// Read reads results in the Go benchmark format from r; name is the file
// name used in positions and messages. Only a read error is returned as an
// error: a stream without results (such as the unit metadata WriteUnits
// writes) is a valid, empty Set, and syntax errors and dropped non-finite
// values are kept in Set.Errors.
func Read(r io.Reader, name string) (*Set, error) {
	s := &Set{File: name, Values: map[Key][]float64{}, First: map[Key]Pos{}}
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			s.Errors = append(s.Errors, rec)
		case *benchfmt.Result:
			file, line := rec.Pos()
			pkg := rec.GetConfig("pkg")
			kept := false
			for _, v := range rec.Values {
				if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
					s.Errors = append(s.Errors, &benchfmt.SyntaxError{FileName: file, Line: line,
						Msg: fmt.Sprintf("Benchmark%s: non-finite value %v %s dropped", rec.Name, v.Value, v.Unit)})
					continue
				}
				k := Key{Pkg: pkg, Name: rec.Name.String(), Unit: v.Unit}
				if _, ok := s.Values[k]; !ok {
					s.Keys = append(s.Keys, k)
					s.First[k] = Pos{file, line}
				}
				s.Values[k] = append(s.Values[k], v.Value)
				kept = true
			}
			if kept {
				s.Results++
			}
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	s.Units = br.Units()
	return s, nil
}

// finite returns the finite values of vs (vs itself if all are) and the
// number dropped.
func finite(vs []float64) ([]float64, int) {
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out := append([]float64(nil), vs[:i]...)
			for _, w := range vs[i+1:] {
				if !math.IsNaN(w) && !math.IsInf(w, 0) {
					out = append(out, w)
				}
			}
			return out, len(vs) - len(out)
		}
	}
	return vs, 0
}
