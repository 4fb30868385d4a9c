// Command mutate is the project's mutation test (make mutate): it applies
// each curated mutant of mutants.txt, one at a time, to a temporary copy of
// the repository, runs the tests of every package that depends on the
// mutated one (what `make test` would run for that change, with -count=1,
// -failfast and a per-mutant timeout), and reports whether the tests killed
// it. It prints the kill rate per package and every survivor, and writes
// results/mutate/report.md.
//
// mutants.txt holds blocks separated by blank lines:
//
//	id     <short name>
//	file   <path relative to the repository root>
//	models <the realistic bug this mutant stands for>
//	old    <a snippet occurring exactly once in the file>
//	new    <its replacement>
//	equiv  <why the mutant is equivalent> (optional: excluded from the rate)
//
// A "\n" in old or new stands for a newline; "\t" for a tab. A mutant whose
// snippet no longer occurs exactly once is reported as stale, not run.
//
// Usage: go run ./mutate [-only id,id] [-timeout 6m] [-keep]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

type mutant struct {
	ID, File, Models, Old, New, Equiv string
	line                              int
}

type outcome struct {
	m       mutant
	status  string // killed, survived, stale, equivalent, build (does not compile), timeout
	detail  string // first failing test or reason
	elapsed time.Duration
	pkgs    []string
}

func main() {
	only := flag.String("only", "", "comma-separated mutant ids to run (default all)")
	timeout := flag.Duration("timeout", 6*time.Minute, "time limit per mutant")
	list := flag.String("mutants", "mutate/mutants.txt", "mutant list")
	out := flag.String("out", "results/mutate/report.md", "report file ('' for none)")
	quick := flag.Bool("quick", false, "run only the mutated package's own tests (for iterating on a test)")
	check := flag.Bool("check", false, "only check that every snippet occurs exactly once")
	flag.Parse()
	if *check {
		if err := checkList(*list); err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*list, *only, *out, *timeout, *quick); err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

func parse(path string) ([]mutant, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mutant
	var cur *mutant
	unesc := strings.NewReplacer(`\n`, "\n", `\t`, "\t")
	sc := bufio.NewScanner(f)
	ln := 0
	for sc.Scan() {
		ln++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			cur = nil
			continue
		}
		key, val, _ := strings.Cut(line, " ")
		val = strings.TrimLeft(val, " ")
		if cur == nil {
			ms = append(ms, mutant{line: ln})
			cur = &ms[len(ms)-1]
		}
		switch key {
		case "id":
			cur.ID = val
		case "file":
			cur.File = val
		case "models":
			cur.Models = val
		case "old":
			cur.Old = unesc.Replace(val)
		case "new":
			cur.New = unesc.Replace(val)
		case "equiv":
			cur.Equiv = val
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q", path, ln, key)
		}
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if m.ID == "" || m.File == "" || m.Old == "" || m.Old == m.New {
			return nil, fmt.Errorf("%s:%d: mutant needs id, file, old and a different new", path, m.line)
		}
		if seen[m.ID] {
			return nil, fmt.Errorf("%s:%d: duplicate id %s", path, m.line, m.ID)
		}
		seen[m.ID] = true
	}
	return ms, sc.Err()
}

// checkList reports every mutant whose snippet does not occur exactly once.
func checkList(list string) error {
	ms, err := parse(list)
	if err != nil {
		return err
	}
	bad := 0
	for _, m := range ms {
		b, err := os.ReadFile(m.File)
		if c := bytes.Count(b, []byte(m.Old)); err != nil || c != 1 {
			fmt.Printf("stale %s: snippet occurs %d times in %s (%v)\n", m.ID, c, m.File, err)
			bad++
		}
	}
	fmt.Printf("%d mutants, %d stale\n", len(ms), bad)
	if bad > 0 {
		return fmt.Errorf("%d stale mutants", bad)
	}
	return nil
}

// goPkg is the part of `go list -json` used to find dependent packages.
type goPkg struct {
	ImportPath, Dir                    string
	Deps, TestImports, XTestImports    []string
	GoFiles, TestGoFiles, XTestGoFiles []string
}

// dependents returns, for each package directory, the import paths of the
// packages whose tests exercise it (itself, importers, transitive test importers).
func dependents(dir string) (map[string][]string, map[string]string, error) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var pkgs []goPkg
	for {
		var p goPkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, err
		}
		pkgs = append(pkgs, p)
	}
	deps := map[string][]string{}
	byDir := map[string]string{}
	for _, p := range pkgs {
		deps[p.ImportPath] = p.Deps
		rel, _ := filepath.Rel(dir, p.Dir)
		byDir[rel] = p.ImportPath
	}
	uses := func(q goPkg, target string) bool {
		if q.ImportPath == target || slices.Contains(q.Deps, target) {
			return true
		}
		for _, imp := range append(slices.Clone(q.TestImports), q.XTestImports...) {
			if imp == target || slices.Contains(deps[imp], target) {
				return true
			}
		}
		return false
	}
	out := map[string][]string{}
	for _, p := range pkgs {
		for _, q := range pkgs {
			if len(q.TestGoFiles)+len(q.XTestGoFiles) > 0 && uses(q, p.ImportPath) {
				out[p.ImportPath] = append(out[p.ImportPath], q.ImportPath)
			}
		}
	}
	return out, byDir, nil
}

func run(list, only, out string, timeout time.Duration, quick bool) error {
	ms, err := parse(list)
	if err != nil {
		return err
	}
	if only != "" {
		want := strings.Split(only, ",")
		ms = slices.DeleteFunc(ms, func(m mutant) bool { return !slices.Contains(want, m.ID) })
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "onebit-mutate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := copyRepo(root, tmp); err != nil {
		return err
	}
	deps, byDir, err := dependents(tmp)
	if err != nil {
		return err
	}
	fmt.Printf("mutate: %d mutants on a copy in %s (timeout %v each)\n", len(ms), tmp, timeout)
	var res []outcome
	for i, m := range ms {
		o := try(tmp, m, deps, byDir, timeout, quick)
		res = append(res, o)
		fmt.Printf("[%2d/%d] %-10s %-28s %6.1fs  %s\n", i+1, len(ms), o.status, m.ID, o.elapsed.Seconds(), o.detail)
	}
	rep := report(res, timeout)
	fmt.Print(rep)
	if out != "" && only == "" && !quick {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(rep), 0o644)
	}
	return nil
}

// copyRepo copies the tracked and untracked-but-not-ignored files.
func copyRepo(root, dst string) error {
	cmd := exec.Command("git", "ls-files", "-co", "--exclude-standard", "-z")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(b), "\x00"), "\x00") {
		if f == "" || strings.HasPrefix(f, "results/") {
			continue
		}
		src := filepath.Join(root, f)
		st, err := os.Lstat(src)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the work tree, or a symlink
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		p := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

func try(dir string, m mutant, deps map[string][]string, byDir map[string]string, timeout time.Duration, quick bool) outcome {
	o := outcome{m: m}
	if m.Equiv != "" {
		o.status, o.detail = "equivalent", m.Equiv
		return o
	}
	path := filepath.Join(dir, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		o.status, o.detail = "stale", err.Error()
		return o
	}
	if c := bytes.Count(orig, []byte(m.Old)); c != 1 {
		o.status, o.detail = "stale", fmt.Sprintf("snippet occurs %d times in %s", c, m.File)
		return o
	}
	pkg := byDir[filepath.Dir(m.File)]
	o.pkgs = deps[pkg]
	if quick && slices.Contains(o.pkgs, pkg) {
		o.pkgs = []string{pkg}
	}
	if len(o.pkgs) == 0 {
		o.status, o.detail = "stale", "no tested package depends on "+m.File
		return o
	}
	mutated := bytes.Replace(orig, []byte(m.Old), []byte(m.New), 1)
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		o.status, o.detail = "stale", err.Error()
		return o
	}
	defer os.WriteFile(path, orig, 0o644)
	start := time.Now()
	// Stage 1: the mutated package's own tests (most mutants die here, at
	// the cost of one package); stage 2: every other dependent package.
	stages := [][]string{o.pkgs}
	if slices.Contains(o.pkgs, pkg) && len(o.pkgs) > 1 {
		rest := slices.DeleteFunc(slices.Clone(o.pkgs), func(q string) bool { return q == pkg })
		stages = [][]string{{pkg}, rest}
	}
	for _, st := range stages {
		o.status, o.detail = runTests(dir, st, timeout)
		if o.status != "survived" {
			break
		}
	}
	o.elapsed = time.Since(start)
	return o
}

// runTests runs go test on pkgs and classifies the outcome.
func runTests(dir string, pkgs []string, timeout time.Duration) (status, detail string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	args := append([]string{"test", "-count=1", "-failfast", "-timeout", timeout.String()}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "ONEBIT_LONG=", "ONEBIT_SEED=")
	// The first failing package is enough: stop the run there (a killed
	// mutant then costs only the tests up to its first failure).
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.WaitDelay = 5 * time.Second
	// Own process group, so that stopping the run also stops the test
	// binaries go test started (the process ids are ours).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var buf bytes.Buffer
	failed := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := false
		for sc.Scan() {
			l := sc.Text()
			buf.WriteString(l + "\n")
			if !once && (strings.HasPrefix(l, "FAIL\t") || strings.HasPrefix(l, "--- FAIL")) {
				once = true
				time.AfterFunc(2*time.Second, cancel) // let the failure's log lines arrive
			}
		}
		close(failed)
	}()
	err := cmd.Run()
	pw.Close()
	<-failed
	text := buf.String()
	switch {
	case err == nil && !strings.Contains(text, "FAIL"):
		return "survived", ""
	case strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]"):
		return "build", firstLine(text, "")
	case strings.Contains(text, "--- FAIL") || strings.Contains(text, "FAIL\t"):
		if d := firstLine(text, "--- FAIL"); d != "" {
			return "killed", d
		}
		return "killed", firstLine(text, "FAIL")
	case ctx.Err() != nil || strings.Contains(text, "panic: test timed out"):
		return "timeout", "killed by the time limit"
	}
	return "killed", firstLine(text, "--- FAIL")
}

func firstLine(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) && strings.TrimSpace(l) != "" {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func report(res []outcome, timeout time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Mutation test report\n\nGenerated by `make mutate` (%s). Each mutant is applied alone; the tests of every package depending on the mutated file run with -count=1 -failfast, fast sizes (as `make test`), timeout %v. A timeout counts as killed.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), timeout)
	type agg struct{ killed, total int }
	per := map[string]*agg{}
	var tot agg
	for _, o := range res {
		if o.status == "stale" || o.status == "equivalent" || o.status == "build" {
			continue
		}
		pkg := filepath.Dir(o.m.File)
		if per[pkg] == nil {
			per[pkg] = &agg{}
		}
		per[pkg].total++
		tot.total++
		if o.status != "survived" {
			per[pkg].killed++
			tot.killed++
		}
	}
	keys := make([]string, 0, len(per))
	for k := range per {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(&b, "## Kill rate (non-equivalent mutants)\n\n| package | killed | total | rate |\n|---|---:|---:|---:|\n")
	for _, k := range keys {
		a := per[k]
		fmt.Fprintf(&b, "| %s | %d | %d | %.0f%% |\n", k, a.killed, a.total, 100*float64(a.killed)/float64(a.total))
	}
	if tot.total > 0 {
		fmt.Fprintf(&b, "| **total** | %d | %d | %.0f%% |\n", tot.killed, tot.total, 100*float64(tot.killed)/float64(tot.total))
	}
	fmt.Fprintf(&b, "\n## Mutants\n\n| id | file | models | result | time | detail |\n|---|---|---|---|---:|---|\n")
	for _, o := range res {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.0fs | %s |\n", o.m.ID, o.m.File, o.m.Models, o.status, o.elapsed.Seconds(), strings.ReplaceAll(o.detail, "|", "/"))
	}
	var surv []string
	for _, o := range res {
		if o.status == "survived" || o.status == "stale" || o.status == "build" {
			surv = append(surv, fmt.Sprintf("- %s (%s): %s: %s", o.m.ID, o.status, o.m.File, o.m.Models))
		}
	}
	if len(surv) > 0 {
		fmt.Fprintf(&b, "\n## Survivors, stale and non-compiling mutants\n\n%s\n", strings.Join(surv, "\n"))
	}
	return b.String()
}
