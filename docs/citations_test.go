// Package docs holds the project's theory document, THEORY.md, and a test
// that every citation "THEORY.md <section>" in the repository names one of
// its sections.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// A section heading: "## 7. ...", "### 7.2 ...", "### 1(a) ...".
	heading = regexp.MustCompile(`(?m)^#{2,3} (\d+(?:\.\d+)?(?:\([a-z]\))?)[ .]`)
	// A citation and the sections it lists: "THEORY.md 7.2", "THEORY.md 1(a), 3",
	// "THEORY.md 7-8", "THEORY.md 8.1, 11.3".
	citation = regexp.MustCompile(`THEORY\.md (\d+(?:\.\d+)?(?:\([a-z]\))?(?:(?:, ?|-)\d+(?:\.\d+)?(?:\([a-z]\))?)*)`)
	section  = regexp.MustCompile(`\d+(?:\.\d+)?(?:\([a-z]\))?`)
)

// TestCitationsResolve reads THEORY.md's section numbers and checks every
// "THEORY.md <section>" in the repository's .go and .md files against them,
// so that renumbering a section cannot silently orphan a citation.
func TestCitationsResolve(t *testing.T) {
	doc, err := os.ReadFile("THEORY.md")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(string(doc), -1) {
		have[m[1]] = true
	}
	if len(have) < 30 {
		t.Fatalf("found %d section headings in THEORY.md, want the 0-12 sections and their subsections", len(have))
	}
	cited := 0
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".go" && ext != ".md" {
			return nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(text), "\n") {
			for _, m := range citation.FindAllStringSubmatch(line, -1) {
				for _, s := range section.FindAllString(m[1], -1) {
					cited++
					if !have[s] {
						t.Errorf("%s:%d: %q cites section %s, which docs/THEORY.md does not have", path, i+1, m[0], s)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited < 100 {
		t.Errorf("found %d citations, want the repository's (over 100): is the walk rooted at the repository?", cited)
	}
}
