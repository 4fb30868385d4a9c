// Package experiment runs onebit's reproducible experiments and writes their
// outputs (CSV, JSON, PNG figures and a section of results/REPORT.md).
// Every file is written atomically (temporary file, then rename), and
// finished work units are cached so that an interrupted run resumes.
package experiment

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers never see a partial file.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// WriteJSON writes v as indented JSON, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// WriteCSV writes a header and rows, atomically.
func WriteCSV(path string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return err
	}
	for i, r := range rows {
		if len(r) != len(header) {
			return fmt.Errorf("experiment: CSV row %d has %d fields, header %d", i, len(r), len(header))
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// readJSON loads path into v; a missing file is reported with os.ErrNotExist.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeData writes dir/name.csv (header and rows) and dir/name.json
// ({"config": config, "points": points}), each atomically.
func writeData(dir, name string, header []string, rows [][]string, config, points any) error {
	if err := WriteCSV(filepath.Join(dir, name+".csv"), header, rows); err != nil {
		return err
	}
	return WriteJSON(filepath.Join(dir, name+".json"), struct {
		Config any `json:"config"`
		Points any `json:"points"`
	}{config, points})
}
