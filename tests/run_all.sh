#!/bin/sh
# Run every test suite and print one closing line: "N passed, N failed".
# Unit tests (cmocka) run from the plain and the sanitizer build (and the
# concurrency tests from the ThreadSanitizer build); the replay
# golden tests and the REST API suite run against both tofd binaries.
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Add the counts a suite printed; a suite that died without a summary
# counts as one failure.
tally() {
	name=$1 rc=$2
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$log" | tail -1)
	if [ -z "$p$f" ]; then
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
		p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
		f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
	fi
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $name ($p passed, $f failed)"
		sed 's/^/    /' "$log" | tail -60
	else
		echo "ok   $name ($p passed)"
	fi
}

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"

# First run: make demo on a fresh machine resolves build flags after deps.
tests/firstrun/run.sh >"$log" 2>&1
tally "first run (make demo before any package is installed)" $?

# build-tsan holds only the concurrency tests (make tsan).
for dir in build build-asan build-tsan; do
	for t in "$dir"/tests/test_*; do
		[ -x "$t" ] || continue
		"$t" >"$log" 2>&1
		tally "$t" $?
	done
done

for tofd in build/tofd build-asan/tofd; do
	TOFD=$tofd tests/replay/run.sh >"$log" 2>&1
	tally "replay ($tofd)" $?
done

for tofd in build/tofd build-asan/tofd; do
	TOFD=$tofd tests/api/run.sh >"$log" 2>&1
	tally "api ($tofd)" $?
done

# Live: real GTP peers in network namespaces, first with a Linux bridge in
# the middle (the lab itself works), then with tofd on DPDK af_packet ports,
# then tofd in kernel mode (Linux bridge + NFQUEUE, and the fail-open tests),
# dual and single; then with tofd's apps side on Open vSwitch (port chains
# of containers), tofd on DPDK and in kernel mode.
for middle in bridge tofd kernel kernel-single; do
	TOF_LIVE_MIDDLE=$middle tests/live/run.sh >"$log" 2>&1
	tally "live (middle: $middle)" $?
done
# The DPDK data plane under the sanitizers: the same suite once more with the
# ASan/UBSan tofd (a report in its log or an unclean exit fails it).
TOFD=build-asan/tofd TOF_LIVE_MIDDLE=tofd tests/live/run.sh >"$log" 2>&1
tally "live (middle: tofd, ASan/UBSan build)" $?
# port chains: the sanitizer build, so tof/ovs and the late apps port run
# under ASan/UBSan against the real switch
TOF_LIVE_MIDDLE=ovs TOFD=build-asan/tofd tests/live/run.sh >"$log" 2>&1
tally "live (middle: ovs, build-asan/tofd)" $?
# the same chains with tofd in kernel mode: its port on the bridge is the
# OVS end of its veth (a system port); the sanitizer build again
TOF_LIVE_MIDDLE=ovs-kernel TOFD=build-asan/tofd tests/live/run.sh >"$log" 2>&1
tally "live (middle: ovs-kernel, build-asan/tofd)" $?

# Deployment: the manifests against their schemas and the unit under
# systemd-analyze; the image (make image, cached) against the host build;
# then tofd from the image in the live lab.
tests/deploy/run.sh >"$log" 2>&1
tally "deploy files (k8s, compose: schemas; systemd unit)" $?
/usr/bin/python3 tests/deploy/test_image.py >"$log" 2>&1
tally "image (make image; replay, health, reload in the container)" $?
tests/deploy/live_image.sh >"$log" 2>&1
tally "live (middle: tofd from the image)" $?
tests/deploy/live_image.sh kernel >"$log" 2>&1
tally "live (middle: tofd from the image, kernel mode)" $?

tests/fuzz/run.sh >"$log" 2>&1
tally "fuzz (pipeline + agent, ${TOF_FUZZ_SECONDS:-30} s)" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
