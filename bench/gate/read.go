package gate

import (
	"bytes"
	"fmt"
	"io"
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
type Set struct {
	File   string
	Keys   []Key // in order of first appearance
	Values map[Key][]float64
	First  map[Key]Pos // where each key first appears
	Units  benchfmt.UnitMetadataMap
	Errors []error // *benchfmt.SyntaxError, each with its file and line
}

// ReadFile reads the results file at path. Only an I/O error is returned as
// an error; syntax errors are kept in Set.Errors.
func ReadFile(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(bytes.NewReader(data), path)
}

// Read reads results in the Go benchmark format from r; name is the file
// name used in positions and messages.
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
			for _, v := range rec.Values {
				k := Key{Pkg: pkg, Name: rec.Name.String(), Unit: v.Unit}
				if _, ok := s.Values[k]; !ok {
					s.Keys = append(s.Keys, k)
					s.First[k] = Pos{file, line}
				}
				s.Values[k] = append(s.Values[k], v.Value)
			}
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	s.Units = br.Units()
	return s, nil
}
