// Package experiment runs onebit's reproducible experiments and writes their
// outputs (CSV, JSON, PNG figures and a section of results/REPORT.md).
//
// The registry (registry.go) lists the experiments; each is one file with
// its config (defaults and paper scale), its run over independent units and
// its writer. Train and Eval are the single runs behind `onebit train` and
// `onebit eval`, specified by typed, validated specs. Every number is
// reported as a Measured (loss, standard error, prediction). Files are
// written atomically (internal/output), and finished units are cached so
// that an interrupted run resumes.
package experiment
