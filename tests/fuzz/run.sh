#!/bin/sh
# Build the stateful libFuzzer target with clang (ASan + UBSan) and run it
# from the seed corpus for TOF_FUZZ_SECONDS (default 30), or for
# TOF_FUZZ_RUNS executions (make fuzz: 10^7); a crash fails. Last line:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
secs=${TOF_FUZZ_SECONDS:-30}
out=build-fuzz
mkdir -p "$out/corpus"
srcs="tests/fuzz/fuzz_pipeline.c $(ls gtp/*.c pinger/*.c tof/core/*.c tof/config*.c) \
      tof/agent/agent.c tof/agent/agent_learn.c tof/agent/agent_neigh.c tof/agent/agent_own.c \
      tof/agent/agent_sgw.c tof/agent/agent_svc_json.c tof/agent/agent_chain_json.c"
if ! clang -std=gnu11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Igtp -Ipinger -Itof -Itof/core -Itof/agent \
	$(pkg-config --cflags jansson) -o "$out/fuzz_pipeline" $srcs \
	$(pkg-config --libs jansson) -lpthread; then
	echo "0 passed, 1 failed"
	exit 1
fi
# Seeds: the shared captures' frames and the generated test frames.
rm -rf "$out/corpus" && mkdir -p "$out/corpus"
/usr/bin/python3 tests/fuzz/seeds.py "$out/corpus" ../shared/pcaps
# Inputs that once broke an invariant stay in the corpus.
cp tests/fuzz/regress/* "$out/corpus/"
if [ -n "${TOF_FUZZ_RUNS:-}" ]; then
	limit="-runs=$TOF_FUZZ_RUNS"
else
	limit="-max_total_time=$secs"
fi
if "$out/fuzz_pipeline" "$limit" -max_len=4096 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$out/" "$out/corpus" >"$out/fuzz.log" 2>&1; then
	grep -E "stat::number_of_executed_units|cov:" "$out/fuzz.log" | tail -2
	echo "1 passed, 0 failed"
else
	tail -40 "$out/fuzz.log"
	echo "0 passed, 1 failed"
	exit 1
fi
