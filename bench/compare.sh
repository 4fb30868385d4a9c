#!/usr/bin/env bash
# compare.sh: build the benchmark binaries of a base revision and of the
# working tree, run them interleaved in this one job, and gate the result.
#
#   bench/compare.sh [--ci] BASE
#
# Each round runs three binaries in a rotating order: base, new, and new
# again (the A/A run: its difference from the first new run is the noise
# floor, below which no threshold goes). Per binary and round, each pattern
# of the gate set (onebit benchgate --list gate) runs once with -benchtime
# $BENCHTIME. Then "onebit benchgate" compares base with new.
#
# --ci: when BASE cannot be resolved (a shallow clone is deepened once
# first), does not contain the bench package, or does not build, say so and
# pass; without it these are errors.
#
# Environment: ROUNDS (12), BENCHTIME (100ms), BENCHFLAGS (extra flags for the
# test binaries, e.g. "-test.cpu 1"), THRESHOLD (10%), ALPHA (0.01),
# PATTERNS (space-separated -bench patterns instead of the gate set; the
# verdict then covers every benchmark), OUT (directory for the raw results;
# a temporary one by default).
set -euo pipefail

ci=false
if [[ ${1:-} == --ci ]]; then
	ci=true
	shift
fi
if [[ $# -ne 1 ]]; then
	echo "usage: bench/compare.sh [--ci] BASE" >&2
	exit 2
fi
base_rev=$1
rounds=${ROUNDS:-12}
benchtime=${BENCHTIME:-100ms}
threshold=${THRESHOLD:-10%}
alpha=${ALPHA:-0.01}
if ((rounds < 10)); then
	echo "compare.sh: ROUNDS=$rounds; at least 10 rounds are needed" >&2
	exit 2
fi

root=$(git rev-parse --show-toplevel)
cd "$root"
tmp=$(mktemp -d)
out=${OUT:-$tmp/results}
mkdir -p "$out"
cleanup() {
	git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# pass_or_fail MESSAGE: in --ci mode, a comparison that cannot be made passes.
cannot() {
	if $ci; then
		echo "bench gate: cannot compare: $1; passing." >&2
		exit 0
	fi
	echo "bench gate: cannot compare: $1" >&2
	exit 2
}

if ! base=$(git rev-parse --verify --quiet "$base_rev^{commit}"); then
	if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
		echo "bench gate: shallow clone; fetching one more commit of history" >&2
		git fetch --quiet --deepen=1 || true
	fi
	base=$(git rev-parse --verify --quiet "$base_rev^{commit}") ||
		cannot "no revision $base_rev in this clone (first commit, or history not fetched)"
fi
if [[ -z $(git ls-tree --name-only "$base" -- bench/) ]]; then
	cannot "$base_rev ($(git rev-parse --short "$base")) has no bench package"
fi

echo "bench gate: base $base_rev = $(git log -1 --format='%h %s' "$base")"
echo "bench gate: new  = working tree of $(git log -1 --format='%h %s' HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"

go build -o "$tmp/onebit" ./cmd/onebit
go test -c -o "$tmp/new.test" ./bench
git worktree add --quiet --detach "$tmp/base" "$base"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./bench) || cannot "the bench package of $base_rev does not build"

if [[ -n ${PATTERNS:-} ]]; then
	read -r -a patterns <<<"$PATTERNS"
	set_flag=all
else
	mapfile -t patterns < <("$tmp/onebit" benchgate --list gate)
	set_flag=gate
fi

names=(base new aa)
bins=("$tmp/base.test" "$tmp/new.test" "$tmp/new.test")
start=$SECONDS
for ((r = 0; r < rounds; r++)); do
	for ((j = 0; j < 3; j++)); do
		i=$(((r + j) % 3))
		for p in "${patterns[@]}"; do
			"${bins[i]}" -test.run '^$' -test.bench "$p" -test.benchtime "$benchtime" -test.count 1 ${BENCHFLAGS:-} >>"$out/${names[i]}.txt" ||
				{ echo "bench gate: ${names[i]} binary failed on pattern $p" >&2; exit 1; }
		done
	done
	echo "bench gate: round $((r + 1))/$rounds done ($((SECONDS - start))s)" >&2
done

echo "bench gate: $rounds interleaved rounds of base, new and new again (A/A), -benchtime $benchtime; raw results in $out"
"$tmp/onebit" benchgate "$out/base.txt" "$out/new.txt" --set "$set_flag" \
	--threshold "$threshold" --alpha "$alpha" --aa "$out/aa.txt,$out/new.txt"
