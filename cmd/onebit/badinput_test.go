package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputEverySubcommand: bad input to any subcommand exits 2 with
// one line on stderr naming what is wrong (never a panic, a trace or a
// run that starts).
func TestBadInputEverySubcommand(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.txt")
	if err := os.WriteFile(junk, []byte("\x00\x01 not a benchmark\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--layers", "0", "--decoder", "unrolled"}, "--layers"},
		{[]string{"train", "--decoder", "unrolled", "--layers", "100000", "--rate", "1", "--dim", "1000"}, "--layers"},
		{[]string{"train", "--steps", "1000000000"}, "--steps"},
		{[]string{"train", "--trainer", "population", "--lr", "0.01"}, "--lr"},
		{[]string{"train", "--tanh"}, "--tanh"},
		{[]string{"train", "--encoder", "haar", "--trainer", "sgd"}, "--trainer"},
		{[]string{"train", "--decoder", "denoiser", "--decoder-steps", "3"}, "--decoder-steps"},
		{[]string{"train", "--lr", "Inf", "--trainer", "sgd"}, "--lr"},
		{[]string{"eval", "--dim", "1"}, "--dim"},
		{[]string{"eval", "--iters", "100000", "--decoder", "vamp"}, "--iters"},
		{[]string{"eval", "--prior", "sr:"}, "--prior"},
		{[]string{"theory"}, "prediction"},
		{[]string{"theory", "mmse"}, "mmse"},
		{[]string{"theory", "gauss"}, "--rate"},
		{[]string{"theory", "se", "--rate", "1", "--damping", "1"}, "--damping"},
		{[]string{"theory", "phase", "--rate", "0.5"}, "--rate"},
		{[]string{"reproduce", "--workers", "0"}, "--workers"},
		{[]string{"reproduce", "--shard", "3/3"}, "--shard"},
		{[]string{"reproduce", "--shard", "x"}, "--shard"},
		{[]string{"reproduce", "--out", ""}, "--out"},
		{[]string{"merge"}, "directories"},
		{[]string{"merge", "--scale", "huge", dir}, "--scale"},
		{[]string{"merge", "--scale", "smoke", dir}, "manifest"},
		{[]string{"benchgate", junk, junk}, "junk.txt"},
		{[]string{"benchgate", "--threshold", "x", junk, junk}, "--threshold"},
		{[]string{"benchplot", "--dir", filepath.Join(dir, "none")}, "none"},
		{[]string{"nonsense"}, "unknown command"},
	} {
		code, stdout, stderr := runCLI(c.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 && !(c.args[0] == "merge" && code == 1) || len(lines) != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line naming %s", c.args, code, stdout, stderr, c.want)
		}
	}
}
