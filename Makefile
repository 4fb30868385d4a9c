# onebit: the two commands a user needs are `make reproduce` and `make test`.
GO ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: test-slurm race fuzz test ci reproduce lint build bench-compare bench-record bench-peers generate check-generate test-kernel-tiers mutate test-fresh

build:
	$(GO) build ./...

## lint: gofmt, go vet, staticcheck (pinned in go.mod with a tool directive)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## test: lint, then the whole test suite (fast sizes; ONEBIT_LONG=1 for thorough ones)
test: lint check-generate test-kernel-tiers
	$(GO) test ./...

## generate: regenerate the avo assembly of core/kernel (module in core/kernel/internal/gen)
generate:
	$(GO) generate ./core/kernel

## check-generate: the committed assembly must be what the generator writes
check-generate: generate
	git diff --exit-code -- core/kernel

## test-kernel-tiers: kernel tests with each lower tier forced (the default run covers the best tier)
test-kernel-tiers:
	GODEBUG=cpu.avx512f=off $(GO) test -count=1 ./core/kernel
	GODEBUG=cpu.avx512f=off,cpu.avx2=off $(GO) test -count=1 ./core/kernel
	$(GO) test -count=1 -tags purego ./core/kernel

## test-fresh: the props with new seeds, printed first; a failure prints the
## ONEBIT_SEED=<n> that replays it (directory mode, so the output is shown)
test-fresh:
	cd props && ONEBIT_SEED=fresh $(GO) test -count=1

## mutate: apply the curated mutants of mutate/mutants.txt one at a time to a
## temporary copy and run the dependent packages' tests on each; prints the
## kill rate per package and the survivors, writes results/mutate/report.md.
## Not part of `make test` (it takes tens of minutes).
mutate:
	$(GO) run ./mutate

## ci: what .ci/run executes: the tests, the race detector on the concurrent code, short fuzz runs,
## then the benchmark gate against the previous commit
ci: test race fuzz
	bench/compare.sh --ci HEAD~1

## race: the race detector on the packages that run goroutines (experiment units, shards, GEMM workers)
race:
	$(GO) test -race -count=1 ./experiment ./internal/progress
	$(GO) test -race -count=1 -run 'Shard|Killed' ./cmd/onebit
	$(GO) test -race -count=1 -run 'TestGemmThreadIndependent|TestGemmBlockBoundaries' ./core/kernel

## fuzz: each fuzz target for a fixed number of executions (seed corpora in testdata/fuzz and in
## the targets). Counts, not durations: with a duration, Go 1.26's fuzz coordinator can report
## "context deadline exceeded" as a failure when a worker is mid-call at the deadline (Go issue
## 75804, fixed in 1.27); a count has no deadline to race. The counts together take about 40 s on
## the 2-core machine. FUZZTIME=30s (or 1000000x) overrides all of them.
fuzz1 = $(GO) test -run '^$$' -fuzz '^$(1)$$' -fuzztime $(or $(FUZZTIME),$(3)) $(2)
fuzz:
	$(call fuzz1,FuzzParse,./core/prior,200000x)
	$(call fuzz1,FuzzRead,./bench/gate,35000x)
	$(call fuzz1,FuzzCacheLoad,./experiment,5000x)
	$(call fuzz1,FuzzTrainFlags,./cmd/onebit,60000x)
	$(call fuzz1,FuzzIDX,./data,130000x)
	$(call fuzz1,FuzzCIFAR,./data,20000x)

## bench-compare: interleaved benchmarks of BASE vs the working tree, with an A/A noise floor, gated
bench-compare:
	@test -n "$(BASE)" || { echo "usage: make bench-compare BASE=<rev>"; exit 2; }
	bench/compare.sh $(BASE)

## bench-record: append this commit's gate-set results to results/bench/ (history for onebit benchplot)
bench-record:
	bench/record.sh

## bench-peers: onebit's training step vs numpy and PyTorch peers, interleaved, 1 thread; writes results/bench/peers-<date>.md
bench-peers:
	bench/peers/run.sh

## reproduce: run the experiments on the small built-in defaults, write results/
reproduce:
	$(GO) run ./cmd/onebit reproduce

## test-slurm: set up a single-node Slurm cluster here (slurm-wlm, munge; needs root) and run the job-array test
test-slurm:
	deploy/slurm/local-cluster.sh
	ONEBIT_SLURM=1 $(GO) test -count=1 -run TestSlurmJobArray -v ./cmd/onebit
