#!/usr/bin/env bash
# run.sh: onebit's training step side by side with numpy and PyTorch peers
# (bench/peers/step.py) at the shapes of issue 11, interleaved in this one
# job, one thread everywhere; writes results/bench/peers-<date>.md.
#
#   bench/peers/run.sh            (or: make bench-peers)
#
# Each of ROUNDS (6) rounds runs onebit's BenchmarkTrainStep at every shape,
# then each peer at every shape, in an order rotating by round; the table
# gives the medians over rounds of the time per step (CPU time of the
# process, robust to other jobs on the machine, and wall time) and the
# ratio best peer / onebit (> 1: onebit is faster). The peers' OpenBLAS is
# forced onto its AVX-512 (SkylakeX) kernels. A missing numpy or torch is
# reported and that peer skipped; a missing peer never fails the run.
set -uo pipefail

rounds=${ROUNDS:-6}
root=$(git rev-parse --show-toplevel)
cd "$root"
# shape:steps per timing (about 0.1-0.5 s of work each)
shapes=(
	sgd/d256-n128-batch256:40
	sgd/d784-n392-batch1024:8
	sgd/d1024-n1024-batch1024:4
	sgd/d3072-n1536-batch512:3
	population/gaussian/d256-n256:20
	population/gaussian/d512-n512:6
	population/gaussian/d1024-n1024:2
)

export OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 GOMAXPROCS=1
echo "bench-peers: 1 thread everywhere; the peers' OpenBLAS is forced onto its AVX-512 kernels (OPENBLAS_CORETYPE=SkylakeX);" \
	"glibc keeps the peers' freed temporaries (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! go test -c -o "$tmp/bench.test" ./bench; then
	echo "bench-peers: the onebit benchmarks do not build" >&2
	exit 1
fi

# The system python carries the distribution's numpy and torch; fall back to
# the first python3 on PATH.
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3 || true)
peers=()
missing=()
for p in numpy torch; do
	if [[ -n $py ]] && "$py" -c "import $p" >/dev/null 2>&1; then
		peers+=("$p")
	else
		missing+=("$p")
		echo "bench-peers: $p is not installed for ${py:-python3 (none found)}; skipping that peer" \
			"(Debian: apt-get install python3-numpy python3-torch)"
	fi
done

raw=$tmp/raw.txt
: >"$raw"
run_onebit() {
	local spec name steps pat
	for spec in "${shapes[@]}"; do
		name=${spec%:*}
		steps=${spec##*:}
		pat="^BenchmarkTrainStep\$/^${name//\//\$/^}\$"
		"$tmp/bench.test" -test.run '^$' -test.bench "$pat" -test.benchtime "${steps}x" -test.cpu 1 2>&1 |
			awk -v name="$name" '$1 ~ /^BenchmarkTrainStep\// {
				wall = ""; cpu = ""; gemm = ""
				for (i = 3; i < NF; i++) {
					if ($(i+1) == "ns/op") wall = $i / 1e9
					if ($(i+1) == "cpu-sec/op") cpu = $i
					if ($(i+1) == "gemm-share") gemm = $i
				}
				printf "peer=onebit shape=%s steps=%s wall=%.6g cpu=%s gemm=%s\n", name, $2, wall, cpu, gemm
			}' >>"$raw"
	done
}
# glibc would otherwise hand each large numpy/torch temporary back to the
# kernel and fault it in again on the next step (measured: numpy's SGD step
# at (784, 392, 1024) 117 ms of CPU time with the defaults, 26 ms with
# these), which is not the peers' fault.
peer_malloc=(MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=268435456)
run_peer() {
	env "${peer_malloc[@]}" "$py" bench/peers/step.py "$1" "${shapes[@]}" >>"$raw" 2>>"$tmp/peer-errors.txt" ||
		echo "bench-peers: peer $1 failed (see below)" >&2
}

impls=(onebit "${peers[@]}")
for ((r = 0; r < rounds; r++)); do
	echo "bench-peers: round $((r + 1))/$rounds"
	for ((i = 0; i < ${#impls[@]}; i++)); do
		impl=${impls[$(((i + r) % ${#impls[@]}))]}
		if [[ $impl == onebit ]]; then
			run_onebit
		else
			run_peer "$impl"
		fi
	done
done
[[ -s $tmp/peer-errors.txt ]] && cat "$tmp/peer-errors.txt" >&2

out=results/bench/peers-$(date -u +%F).md
mkdir -p results/bench
if [[ -n $py ]]; then
	"$py" bench/peers/summarize.py --rounds "$rounds" --missing "${missing[*]:-}" \
		--cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
		--go "$(go version)" <"$raw" >"$out"
	cat "$out"
	echo "bench-peers: wrote $out"
else
	cp "$raw" "${out%.md}.txt"
	cat "$raw"
	echo "bench-peers: no python3 to summarise; raw results in ${out%.md}.txt"
fi
