package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/seed05b1c944/onebit/internal/output"
)

// buildID identifies the running binary (a hash of its executable file), so
// that cached work units are reused only by the same code: resuming an
// interrupted run works, while a rebuilt onebit recomputes everything.
var buildID = sync.OnceValue(func() string {
	h := sha256.New()
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// cache is a directory of finished work units of one experiment, each a
// JSON file named by the unit's key and the binary's build ID. Units are
// written atomically as they finish, so an interrupted run loses only the
// units in progress and a rerun of the same binary resumes.
type cache string

// newCache returns the cache under outDir/.cache.
func newCache(outDir string) cache { return cache(filepath.Join(outDir, ".cache")) }

func (c cache) path(key string) string {
	return filepath.Join(string(c), key+"-build"+buildID()+".json")
}

// load reads unit key into v and reports whether it was there.
func (c cache) load(key string, v any) (bool, error) {
	err := output.ReadJSON(c.path(key), v)
	var syntax *json.SyntaxError
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF):
		// A damaged unit (files are written atomically, so only something
		// outside onebit truncates one) is recomputed and overwritten.
		return false, nil
	}
	return false, fmt.Errorf("experiment: cache %s: %w (remove it to recompute the unit)", c.path(key), err)
}

// store writes unit key.
func (c cache) store(key string, v any) error { return output.WriteJSON(c.path(key), v) }

// interrupted wraps a context error with where the finished units are.
func (c cache) interrupted(err error) error {
	return fmt.Errorf("experiment: interrupted; finished units are cached in %s, rerun the same command to resume: %w", string(c), err)
}

// intsKey spells a list of integers for a cache key, e.g. "2_5_10".
func intsKey(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, "_")
}
