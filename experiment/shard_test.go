package experiment

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShardFromEnv(t *testing.T) {
	for _, c := range []struct {
		env   map[string]string
		count int
		want  Shard
		ok    bool
		err   string
	}{
		{env: map[string]string{}, ok: false},
		{env: map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, want: Shard{3, 4}, ok: true},
		{env: map[string]string{"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8"}, want: Shard{4, 8}, ok: true},
		{env: map[string]string{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8"}, ok: true, err: "contiguous"},
		{env: map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "0"}, ok: true, err: "neither"},
		{env: map[string]string{"JOB_COMPLETION_INDEX": "2"}, count: 5, want: Shard{2, 5}, ok: true},
		{env: map[string]string{"JOB_COMPLETION_INDEX": "2"}, ok: true, err: "--shards"},
		{env: map[string]string{"JOB_COMPLETION_INDEX": "x"}, count: 5, ok: true, err: "integer"},
	} {
		s, ok, err := ShardFromEnv(func(k string) string { return c.env[k] }, c.count)
		switch {
		case ok != c.ok:
			t.Errorf("%v: ok = %v", c.env, ok)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%v: error %v, want one mentioning %q", c.env, err, c.err)
		case c.err == "" && (err != nil || s != c.want):
			t.Errorf("%v: %v, %v; want %v", c.env, s, err, c.want)
		}
	}
	for _, bad := range []string{"3/3", "-1/2", "1", "a/b", "0/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
}

// TestAssign: every cell gets one shard, the assignment does not depend on
// the cells' order, and it is balanced within the largest cell.
func TestAssign(t *testing.T) {
	var cells []Cell
	for i := range 40 {
		cells = append(cells, Cell{Experiment: "e", Key: fmt.Sprint(i), Cost: float64(1 + (i*7)%13)})
	}
	a := Assign(cells, 3)
	rev := make([]Cell, len(cells))
	for i, c := range cells {
		rev[len(cells)-1-i] = c
	}
	b := Assign(rev, 3)
	load := make([]float64, 3)
	for _, c := range cells {
		if a[c.ID()] != b[c.ID()] {
			t.Fatalf("%s: shard %d, %d after reordering", c.ID(), a[c.ID()], b[c.ID()])
		}
		load[a[c.ID()]] += c.Cost
	}
	lo, hi := min(load[0], load[1], load[2]), max(load[0], load[1], load[2])
	if hi-lo > 13 {
		t.Errorf("loads %v differ by more than the largest cell", load)
	}
}

func TestLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir, "run")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir, "run"); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Errorf("second lock: %v; want an error naming the holder", err)
	}
	unlock()
	unlock2, err := Lock(dir, "run")
	if err != nil {
		t.Errorf("lock after unlock: %v", err)
	} else {
		unlock2()
	}
}

// TestTruncatedCacheIsRecomputed: a damaged cache file is treated as
// missing (recomputed and overwritten), never a dead end.
func TestTruncatedCacheIsRecomputed(t *testing.T) {
	c := SparsitySmoke()
	c.OutDir, c.Ps, c.Rates = t.TempDir(), []float64{1}, []float64{0.5}
	first, err := RunSparsity(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(c.OutDir, ".cache", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	if err := os.WriteFile(files[0], []byte(`{"p": 1, "pri`), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := RunSparsity(context.Background(), c)
	if err != nil || again[0].Loss != first[0].Loss {
		t.Errorf("after truncation: %v, loss %v vs %v", err, again, first[0].Loss)
	}
}

// TestVerdict: the rule of REPORT.md at its boundaries.
func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		g, se, a float64
		one      bool
		want     string
	}{
		{0, 1, 0, false, "holds"},
		{3, 1, 0, false, "holds"},
		{3.1, 1, 0, false, "inconclusive"},
		{5.1, 1, 0, false, "does not hold"},
		{7.9, 1, 5, false, "holds"},
		{-3, 1, 5, false, "holds"},
		{-3.5, 1, 5, false, "inconclusive"},
		{-5.5, 1, 5, false, "does not hold"},
		{-50, 1, 0, true, "holds"},
		{4, 1, 0, true, "inconclusive"},
	} {
		cl := Claim{Measured: Measured{Loss: 10 + c.g, StdErr: c.se, Prediction: 10}, Allowance: c.a, OneSided: c.one}
		if got := cl.Verdict(); got != c.want {
			t.Errorf("g = %v, se = %v, a = %v, one-sided %v: %s, want %s", c.g, c.se, c.a, c.one, got, c.want)
		}
	}
}
