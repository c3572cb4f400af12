#!/bin/sh
# Concurrent code under ThreadSanitizer (clang): tof/ovs's thread against
# callers from several threads (test_ovs_thread). A report fails. Last
# line: "N passed, N failed". (test_ctl_race is not run here: the tables'
# seqlock readers copy while a writer writes, by design, which TSan reports
# without annotations.)
set -u
cd "$(dirname "$0")/../.."
out=build-tsan
mkdir -p "$out"
lib="$(ls gtp/*.c pinger/*.c tof/core/*.c tof/agent/*.c tof/replay/*.c tof/ovs/*.c api/*.c \
	tof/config*.c tof/log.c tests/unit/lib/*.c)"
pass=0 fail=0
for t in test_ovs_thread; do
	if ! clang -std=gnu11 -g -O1 -D_GNU_SOURCE -fsanitize=thread -Igtp -Ipinger -Itof \
		-Itof/core -Itof/agent -Itof/replay -Itof/ovs -Iapi -Itests/unit/lib \
		$(pkg-config --cflags jansson libmicrohttpd gnutls libpcap) -o "$out/$t" \
		"tests/unit/$t.c" $lib \
		$(pkg-config --libs jansson libmicrohttpd gnutls libpcap) -lcmocka -lpthread -lm \
		>"$out/$t.build.log" 2>&1; then
		tail -20 "$out/$t.build.log"
		fail=$((fail + 1))
		continue
	fi
	if TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$out/$t" >"$out/$t.log" 2>&1; then
		echo "ok   $t under TSan"
		pass=$((pass + 1))
	else
		tail -40 "$out/$t.log"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
