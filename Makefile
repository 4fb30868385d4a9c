# onebit: the two commands a user needs are `make reproduce` and `make test`.
GO ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: test ci reproduce lint build

build:
	$(GO) build ./...

## lint: gofmt, go vet, staticcheck (pinned in go.mod with a tool directive)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## test: lint, then the whole test suite (fast sizes; ONEBIT_LONG=1 for thorough ones)
test: lint
	$(GO) test ./...

## ci: what .ci/run executes
ci: test

## reproduce: run the experiments on the small built-in defaults, write results/
reproduce:
	$(GO) run ./cmd/onebit reproduce
