package experiment

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzCacheLoad: whatever bytes a cache file holds, loading it gives a
// unit, "missing" (recompute) or an error naming the file; never a panic.
func FuzzCacheLoad(f *testing.F) {
	for _, s := range []string{`{"p": 0.5, "prior": "bg:0.5", "loss": 0.7}`, `{"p": 0.5, "pri`, ``, `null`, `[]`, `{"trainer": "newton"}`, "\x00\xff", `{"loss": "NaN"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newCache(t.TempDir())
		if err := os.MkdirAll(string(c), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(c.path("k"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		var v SparsityPoint
		ok, err := c.load("k", &v)
		if ok && err != nil {
			t.Fatalf("load reported a unit and an error: %v", err)
		}
		if err != nil && !filepath.IsAbs(c.path("k")) && len(err.Error()) == 0 {
			t.Fatal("empty error")
		}
	})
}
