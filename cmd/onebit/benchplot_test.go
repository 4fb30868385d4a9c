package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchplot draws a PNG from synthetic history files of three commits.
func TestBenchplotWritesPNG(t *testing.T) {
	dir := t.TempDir()
	for i, name := range []string{"2026-11-01-100000-aaaaaaa.txt", "2026-11-02-090000-bbbbbbb.txt", "2026-11-02-120000-ccccccc.txt"} {
		var b strings.Builder
		for r := range 6 {
			for _, bm := range []string{"Gemm/f32/NN/256x256x128-2", "Gemm/f64/TN/256x256x128-2"} {
				fmt.Fprintf(&b, "Benchmark%s\t100\t%d ns/op\n", bm, 1000000+100000*i+1000*r)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Not a history file: ignored.
	if err := os.WriteFile(filepath.Join(dir, "gate-demo.txt"), []byte("garbage\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "history.png")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"benchplot", "--dir", dir, "--out", out, "--unit", "sec/op"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "3 commits") {
		t.Errorf("stdout %q does not report 3 commits", stdout.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("image is %v, want a full-size plot", b)
	}
}

// An empty directory is an error that says what is missing.
func TestBenchplotEmptyDir(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"benchplot", "--dir", dir, "--out", filepath.Join(dir, "h.png")}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "no history files") {
		t.Errorf("empty dir: exit %d, stderr %q; want 1 and 'no history files'", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "h.png")); err == nil {
		t.Errorf("a PNG was written for an empty history")
	}
	code = run([]string{"benchplot", "--dir", filepath.Join(dir, "none")}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("missing dir: exit %d, want 2", code)
	}
}
