#!/usr/bin/env bash
# record.sh: append the current commit's gate-set results to
# results/bench/<commit date>-<time>-<short sha>.txt (names sort in commit
# order), the history "onebit benchplot" draws.
#
# Environment: COUNT (10 runs of each pattern), BENCHTIME (100ms).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
count=${COUNT:-10}
benchtime=${BENCHTIME:-100ms}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sha=$(git rev-parse --short=7 HEAD)
file=results/bench/$(git log -1 --date=format:%Y-%m-%d-%H%M%S --format=%cd HEAD)-$sha.txt
mkdir -p results/bench
go build -o "$tmp/onebit" ./cmd/onebit
go test -c -o "$tmp/bench.test" ./bench
mapfile -t patterns < <("$tmp/onebit" benchgate --list gate)
{
	echo "commit: $(git rev-parse HEAD)"
	echo "subject: $(git log -1 --format=%s HEAD)"
	echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	if ! git diff --quiet HEAD -- . ; then echo "dirty: true"; fi
	for ((r = 0; r < count; r++)); do
		for p in "${patterns[@]}"; do
			"$tmp/bench.test" -test.run '^$' -test.bench "$p" -test.benchtime "$benchtime" -test.count 1
		done
	done
} >>"$file"
echo "bench record: appended $count runs of the gate set to $file"
