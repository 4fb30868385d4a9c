package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSlurmJobArray submits deploy/slurm/submit.sh (a job array of shards
// and a dependent merge) to the Slurm cluster this machine reaches, and
// checks that the merged report equals a single-process run bit for bit.
// It needs sbatch and a responding controller: `make test-slurm` sets up a
// single-node cluster here and runs it with ONEBIT_SLURM=1, which turns a
// missing cluster into a failure instead of a skip.
func TestSlurmJobArray(t *testing.T) {
	required := os.Getenv("ONEBIT_SLURM") == "1"
	if _, err := exec.LookPath("sbatch"); err != nil {
		if required {
			t.Fatal("ONEBIT_SLURM=1 but sbatch is not on PATH")
		}
		t.Skip("no sbatch on PATH: run `make test-slurm` for a local single-node cluster")
	}
	if out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput(); err != nil || !strings.Contains(string(out), "idle") {
		if required {
			t.Fatalf("ONEBIT_SLURM=1 but no idle Slurm node answers: %v %s", err, out)
		}
		t.Skipf("sbatch is on PATH but no idle Slurm node answers (%s): run `make test-slurm`", strings.TrimSpace(string(out)))
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	if code, _, stderr := runCLI("reproduce", "--scale", "smoke", "--out", whole, "--quiet"); code != 0 {
		t.Fatalf("whole run: exit %d: %s", code, stderr)
	}
	// The test binary stands in for onebit (TestMain), so every task runs this build.
	wrapper := filepath.Join(dir, "onebit")
	script := fmt.Sprintf("#!/bin/sh\nONEBIT_AS_CLI=1 exec %q \"$@\"\n", os.Args[0])
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	submit := filepath.Join(filepath.Dir(file), "..", "..", "deploy", "slurm", "submit.sh")
	cmd := exec.Command(submit)
	cmd.Dir = dir
	shared := filepath.Join(dir, "shared")
	cmd.Env = append(os.Environ(), "SHARDS=3", "SCALE=smoke", "OUT="+shared, "ONEBIT="+wrapper)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("submit.sh: %v\n%s", err, out)
	}
	t.Logf("submitted: %s", strings.TrimSpace(string(out)))
	m := regexp.MustCompile(`array (\d+), merge (\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("submit.sh printed %q", out)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		q, _ := exec.Command("squeue", "-h", "-j", m[1]+","+m[2]).CombinedOutput()
		if strings.TrimSpace(string(q)) == "" {
			break
		}
		if time.Now().After(deadline) {
			exec.Command("scancel", m[1], m[2]).Run()
			t.Fatalf("jobs still queued after 5 minutes:\n%s", q)
		}
		time.Sleep(time.Second)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "onebit-*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		t.Logf("%s:\n%s", filepath.Base(l), b)
	}
	if _, err := os.Stat(filepath.Join(shared, "smoke", "REPORT.md")); err != nil {
		t.Fatalf("the merge job wrote no report: %v", err)
	}
	sameTree(t, tree(t, filepath.Join(whole, "smoke")), tree(t, filepath.Join(shared, "smoke")))
}
