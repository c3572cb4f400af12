#!/bin/sh
# Build the libFuzzer target with clang (ASan + UBSan) and run it for a
# bounded time from the seed corpus; a crash fails. Last line:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
secs=${TOF_FUZZ_SECONDS:-30}
out=build-fuzz
mkdir -p "$out/corpus"
srcs="tests/fuzz/fuzz_pipeline.c $(ls gtp/*.c pinger/*.c tof/core/*.c tof/config*.c) \
      tof/agent/agent.c tof/agent/agent_learn.c tof/agent/agent_neigh.c \
      tof/agent/agent_svc_json.c tof/agent/agent_chain_json.c"
if ! clang -std=gnu11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Igtp -Ipinger -Itof -Itof/core -Itof/agent \
	$(pkg-config --cflags jansson) -o "$out/fuzz_pipeline" $srcs \
	$(pkg-config --libs jansson) -lpthread; then
	echo "0 passed, 1 failed"
	exit 1
fi
# Seeds: the shared captures' frames and the generated test frames.
/usr/bin/python3 tests/fuzz/seeds.py "$out/corpus" ../shared/pcaps
if "$out/fuzz_pipeline" -max_total_time="$secs" -max_len=2048 -print_final_stats=1 \
	-artifact_prefix="$out/" "$out/corpus" >"$out/fuzz.log" 2>&1; then
	grep -E "stat::number_of_executed_units|cov:" "$out/fuzz.log" | tail -2
	echo "1 passed, 0 failed"
else
	tail -40 "$out/fuzz.log"
	echo "0 passed, 1 failed"
	exit 1
fi
