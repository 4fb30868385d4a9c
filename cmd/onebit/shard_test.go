package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed05b1c944/onebit/experiment"
)

// TestMain lets the test binary stand in for onebit in subprocesses
// (ONEBIT_AS_CLI=1), so that shards run as separate processes of one build.
func TestMain(m *testing.M) {
	if os.Getenv("ONEBIT_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func cliProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ONEBIT_AS_CLI=1")
	return cmd
}

// tree reads every data file under root (the outputs a report is made of),
// leaving out caches, locks, shard manifests, wall times and the record of
// the command that wrote each section.
func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == ".cache" || name == "shards") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasPrefix(name, ".lock-") || name == "timings.json" || name == "provenance.json" { // provenance: the command line differs
			return nil
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[rel] = producedBy.ReplaceAll(b, nil) // the command line differs (reproduce or merge), nothing else may
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var producedBy = regexp.MustCompile("(?m)^Produced by `.*$")

func sameTree(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%d files merged, %d in the whole run", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(b, got[name]) {
			t.Errorf("%s differs between the whole run and the merged shards", name)
		}
	}
}

// TestShardsMergeToTheWholeRun: three shard processes run concurrently and
// merged give the single-process run's files bit for bit; a shard killed
// mid-run is named by the merge, and rerunning it restores the identity.
func TestShardsMergeToTheWholeRun(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	if code, _, stderr := runCLI("reproduce", "--scale", "smoke", "--out", whole, "--quiet"); code != 0 {
		t.Fatalf("whole run: exit %d: %s", code, stderr)
	}
	want := tree(t, filepath.Join(whole, "smoke"))

	var procs []*exec.Cmd
	for i := range 3 {
		p := cliProcess("reproduce", "--scale", "smoke", "--out", filepath.Join(dir, "s"+string(rune('0'+i))), "--shard", string(rune('0'+i))+"/3", "--quiet")
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("shard %d/3: %v", i, err)
		}
	}
	// Each cell is computed by exactly one shard: the shards' caches hold
	// as many cells as the whole run's, with no key twice.
	seen := map[string]bool{}
	for i := range 3 {
		cells, _ := filepath.Glob(filepath.Join(dir, "s"+string(rune('0'+i)), "smoke", "*", ".cache", "*.json"))
		for _, c := range cells {
			key := filepath.Join(filepath.Base(filepath.Dir(filepath.Dir(c))), filepath.Base(c))
			if seen[key] {
				t.Errorf("cell %s computed by two shards", key)
			}
			seen[key] = true
		}
	}
	wholeCells, _ := filepath.Glob(filepath.Join(whole, "smoke", "*", ".cache", "*.json"))
	if len(seen) != len(wholeCells) {
		t.Errorf("shards computed %d cells, the whole run %d", len(seen), len(wholeCells))
	}
	merged := filepath.Join(dir, "merged")
	args := []string{"merge", "--scale", "smoke", "--out", merged, filepath.Join(dir, "s0"), filepath.Join(dir, "s1"), filepath.Join(dir, "s2")}
	if code, _, stderr := runCLI(args...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	sameTree(t, want, tree(t, filepath.Join(merged, "smoke")))
	// The one thing that differs: each report credits its own command with
	// every section.
	for root, cmd := range map[string]string{whole: "onebit reproduce --scale smoke", merged: "onebit merge --scale smoke"} {
		b, err := os.ReadFile(filepath.Join(root, "smoke", "REPORT.md"))
		if err != nil {
			t.Fatal(err)
		}
		lines := producedBy.FindAll(b, -1)
		sections := ": " + strings.Join(experiment.Names(), ", ") + "."
		if len(lines) != 1 || !bytes.HasPrefix(lines[0], []byte("Produced by `"+cmd)) || !bytes.HasSuffix(lines[0], []byte(sections)) {
			t.Errorf("%s/smoke/REPORT.md credits %q, want one line crediting `%s ...` with%s", root, lines, cmd, sections)
		}
	}
}

func TestKilledShardResumes(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	if code, _, stderr := runCLI("reproduce", "--scale", "smoke", "--out", whole, "--quiet", "--only", "sparsity,decoders,learned"); code != 0 {
		t.Fatalf("whole run: exit %d: %s", code, stderr)
	}
	shared := filepath.Join(dir, "shared") // both shards write here, as on a shared volume
	shard := func(i string) *exec.Cmd {
		return cliProcess("reproduce", "--scale", "smoke", "--out", shared, "--shard", i+"/2", "--quiet", "--only", "sparsity,decoders,learned", "--workers", "1")
	}
	// Kill shard 0 once its first cell is cached; it has more to do then.
	p := shard("0")
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		cells, _ := filepath.Glob(filepath.Join(shared, "smoke", "*", ".cache", "*.json"))
		if len(cells) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	p.Process.Signal(syscall.SIGKILL)
	p.Wait()
	if _, err := os.Stat(filepath.Join(shared, "smoke", "shards", "shard-0-of-2.json")); err == nil {
		t.Log("shard 0 finished before the kill; the resume below is then a no-op")
	}
	if out, err := shard("1").CombinedOutput(); err != nil {
		t.Fatalf("shard 1/2: %v\n%s", err, out)
	}
	merge := []string{"merge", "--scale", "smoke", "--out", shared, "--only", "sparsity,decoders,learned", shared}
	if _, err := os.Stat(filepath.Join(shared, "smoke", "shards", "shard-0-of-2.json")); err != nil {
		code, _, stderr := runCLI(merge...)
		if code != 1 || !strings.Contains(stderr, "shard 0/2") || strings.Contains(stderr, "(shard 1/2)") {
			t.Errorf("merge with shard 0 killed: exit %d, %q; want exit 1 naming shard 0/2 only", code, stderr)
		}
	}
	if out, err := shard("0").CombinedOutput(); err != nil {
		t.Fatalf("shard 0/2 rerun: %v\n%s", err, out)
	}
	if code, _, stderr := runCLI(merge...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	sameTree(t, tree(t, filepath.Join(whole, "smoke")), tree(t, filepath.Join(shared, "smoke")))
}
