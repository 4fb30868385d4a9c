package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeList(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "m.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParse: blocks, escapes and the equivalence note are read; malformed
// lists are rejected with the line.
func TestParse(t *testing.T) {
	ms, err := parse(writeList(t, "# c\nid a\nfile x.go\nmodels m\nold f(x)\\n\\tg\nnew f(y)\n\nid b\nfile y.go\nold p\nnew q\nequiv same\n"))
	if err != nil || len(ms) != 2 {
		t.Fatalf("parse: %v, %d mutants", err, len(ms))
	}
	if ms[0].Old != "f(x)\n\tg" || ms[0].New != "f(y)" || ms[1].Equiv != "same" {
		t.Fatalf("parsed %+v", ms)
	}
	for _, bad := range []string{"id a\nfile x\nold p\nnew p\n", "id a\nfile x\nold p\nnew q\n\nid a\nfile y\nold p\nnew q\n", "id a\nfoo b\n", "file x\nold p\nnew q\n"} {
		if _, err := parse(writeList(t, bad)); err == nil || !strings.Contains(err.Error(), ":") {
			t.Errorf("accepted %q (%v)", bad, err)
		}
	}
}

// TestMutantListParses: the curated list itself is well-formed (whether each
// snippet still occurs is what `go run ./mutate -check` reports).
func TestMutantListParses(t *testing.T) {
	ms, err := parse("mutants.txt")
	if err != nil || len(ms) < 40 {
		t.Fatalf("mutants.txt: %v, %d mutants", err, len(ms))
	}
}
