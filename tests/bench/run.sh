#!/bin/sh
# make bench: every benchmark, figures beside their same-run references.
set -eu
dir=${1:-build-bench}
cd "$(dirname "$0")/../.."
echo "== core pipeline (tests/bench/bench_pipeline.c)"
taskset -c 1 "$dir/bench/bench_pipeline" "${TOF_BENCH_PACKETS:-4000000}"
