package gate

import (
	"fmt"
	"regexp"
	"strings"
)

// Pattern selects benchmarks by name the way "go test -bench" does: the
// pattern is split at slashes outside brackets and parentheses into one
// regular expression per level of the name, each matching anywhere in its
// level. A name matches when it has at least as many levels as the pattern
// and each of the pattern's levels matches. The "-N" GOMAXPROCS suffix of a
// result name is not part of it.
type Pattern struct {
	src    string
	levels []*regexp.Regexp
}

// ParsePattern compiles a benchmark-name pattern such as
// "BenchmarkGemm/f32/(NN|NT)/256x256x128$".
func ParsePattern(src string) (*Pattern, error) {
	if src == "" {
		return nil, fmt.Errorf("empty benchmark pattern")
	}
	p := &Pattern{src: src}
	for _, part := range splitLevels(src) {
		re, err := regexp.Compile(part)
		if err != nil {
			return nil, fmt.Errorf("benchmark pattern %q: %v", src, err)
		}
		p.levels = append(p.levels, re)
	}
	return p, nil
}

func (p *Pattern) String() string { return p.src }

// Match reports whether the benchmark named name (with or without its
// "Benchmark" prefix and GOMAXPROCS suffix) matches p.
func (p *Pattern) Match(name string) bool {
	if !strings.HasPrefix(name, "Benchmark") {
		name = "Benchmark" + name
	}
	name = trimProcs(name)
	levels := strings.Split(name, "/")
	if len(levels) < len(p.levels) {
		return false
	}
	for i, re := range p.levels {
		if !re.MatchString(levels[i]) {
			return false
		}
	}
	return true
}

// trimProcs removes a trailing "-N" (the GOMAXPROCS the benchmark ran with).
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || i == len(name)-1 || strings.IndexByte(name[i:], '/') >= 0 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}

// splitLevels splits a pattern at the slashes that are not inside [...] or (...).
func splitLevels(s string) []string {
	var parts []string
	depth, start := 0, 0
	inClass := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == '/' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
