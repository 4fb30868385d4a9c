package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProvenanceNamesEachRun: a report assembled from sections written by
// two runs names each run beside exactly its sections, in report order,
// and says which sections have no record.
func TestProvenanceNamesEachRun(t *testing.T) {
	root := t.TempDir()
	full := RunInfo{Command: "onebit reproduce", Commit: "aaaa", Scale: "small"}
	part := RunInfo{Command: "onebit reproduce --only joint", Commit: "bbbb", Scale: "small"}
	for _, s := range []string{"sparsity", "decoders", "joint", "phase"} {
		if err := os.MkdirAll(filepath.Join(root, s), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, s, "report.md"), []byte("## "+s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for s, info := range map[string]RunInfo{"sparsity": full, "decoders": full, "joint": part, "phase": {}} {
		if err := writeProvenance(filepath.Join(root, s), info); err != nil {
			t.Fatal(err)
		}
	}
	if err := AssembleReport(root); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Produced by `onebit reproduce` at commit aaaa, scale small: sparsity, decoders.\n" +
		"Produced by `onebit reproduce --only joint` at commit bbbb, scale small: joint.\n" +
		"No record of the run that produced: phase.\n"
	if !strings.Contains(string(b), want) {
		t.Errorf("REPORT.md does not name its runs as\n%s\ngot:\n%s", want, b)
	}
	if err := os.WriteFile(filepath.Join(root, "joint", provenanceFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AssembleReport(root); err == nil || !strings.Contains(err.Error(), "joint/provenance.json") {
		t.Errorf("a damaged provenance file: error %v, want one naming joint/provenance.json", err)
	}
}
