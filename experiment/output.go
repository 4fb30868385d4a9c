package experiment

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seed05b1c944/onebit/internal/output"
)

// writeData writes dir/name.csv (header and rows) and dir/name.json
// ({"config": config, "points": points}), each atomically.
func writeData(dir, name string, header []string, rows [][]string, config, points any) error {
	if err := output.WriteCSV(filepath.Join(dir, name+".csv"), header, rows); err != nil {
		return err
	}
	return output.WriteJSON(filepath.Join(dir, name+".json"), struct {
		Config any `json:"config"`
		Points any `json:"points"`
	}{config, points})
}

// writeTimings writes dir/timings.json, the wall times of a run: kept
// apart from the data files (and out of version control) so that a rerun on
// the same machine reproduces every data file bit for bit.
func writeTimings(dir string, seconds map[string]float64) error {
	return output.WriteJSON(filepath.Join(dir, "timings.json"), seconds)
}

// writeReport writes dir/report.md, the experiment's section of REPORT.md.
func writeReport(dir, text string) error {
	return output.WriteText(filepath.Join(dir, "report.md"), text)
}

// num spells a float for a CSV cell (8 significant digits).
func num(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

// fileSafe turns a prior's name into a file-name part ("bg:0.1" -> "bg0_1").
func fileSafe(s string) string { return strings.NewReplacer(":", "", ".", "_").Replace(s) }
