package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed05b1c944/onebit/internal/output"
)

// RunInfo says what produced a report section: the command line, the
// code's commit and the scale.
type RunInfo struct {
	Command string `json:"command"`
	Commit  string `json:"commit"`
	Scale   string `json:"scale"`
}

// provenanceFile is the file in each section's directory that records
// the run which last wrote the section. A report assembled from sections
// of different runs (`onebit reproduce --only joint` over an earlier full
// run) names each run beside the sections it wrote.
const provenanceFile = "provenance.json"

// writeProvenance records info as the producer of the section in dir; a
// RunInfo without a command (a library caller) records nothing.
func writeProvenance(dir string, info RunInfo) error {
	if info.Command == "" {
		return nil
	}
	return output.WriteJSON(filepath.Join(dir, provenanceFile), info)
}

// provenanceLines lists, for each distinct run that wrote one of the
// sections under root, one line "Produced by `command` at commit c, scale
// s: section, section." in report order, and one line for the sections
// with no record.
func provenanceLines(root string, sections []string) (string, error) {
	var runs []RunInfo
	bySource := map[RunInfo][]string{}
	var unknown []string
	for _, s := range sections {
		b, err := os.ReadFile(filepath.Join(root, s, provenanceFile))
		if errors.Is(err, fs.ErrNotExist) {
			unknown = append(unknown, s)
			continue
		}
		if err != nil {
			return "", err
		}
		var info RunInfo
		if err := json.Unmarshal(b, &info); err != nil {
			return "", fmt.Errorf("%s/%s: %w", s, provenanceFile, err)
		}
		if _, ok := bySource[info]; !ok {
			runs = append(runs, info)
		}
		bySource[info] = append(bySource[info], s)
	}
	var b strings.Builder
	for _, r := range runs {
		fmt.Fprintf(&b, "Produced by `%s` at commit %s, scale %s: %s.\n", r.Command, r.Commit, r.Scale, strings.Join(bySource[r], ", "))
	}
	if len(unknown) > 0 && len(runs) > 0 {
		fmt.Fprintf(&b, "No record of the run that produced: %s.\n", strings.Join(unknown, ", "))
	}
	return b.String(), nil
}
