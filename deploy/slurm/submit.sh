#!/usr/bin/env bash
# Submits a sharded reproduce run: an array of SHARDS tasks and a merge job
# that starts when all of them succeeded. Prints the two job ids.
#
#   SHARDS=8 SCALE=paper OUT=/shared/onebit-results deploy/slurm/submit.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${SHARDS:=4}"
export ONEBIT="${ONEBIT:-$PWD/onebit}" OUT="${OUT:-$PWD/results}" SCALE="${SCALE:-small}" SEED="${SEED:-1}"
[ -x "$ONEBIT" ] || { echo "submit.sh: no onebit binary at $ONEBIT (go build -o onebit ./cmd/onebit)" >&2; exit 2; }
array=$(sbatch --parsable --export=ALL --array="0-$((SHARDS - 1))" "$here/reproduce.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" "$here/merge.sbatch")
echo "array $array, merge $merge"
