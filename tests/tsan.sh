#!/bin/sh
# The concurrency tests under ThreadSanitizer (make tsan builds them into
# build-tsan/): any data race stops the test with a report and fails it.
# Ends with one line, "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
passed=0
failed=0
for t in build-tsan/tests/test_*; do
	[ -x "$t" ] || continue
	if "$t" >/tmp/tof-tsan.$$ 2>&1; then
		echo "ok   $t"
		passed=$((passed + 1))
	else
		echo "FAIL $t"
		sed 's/^/    /' /tmp/tof-tsan.$$ | tail -60
		failed=$((failed + 1))
	fi
done
rm -f /tmp/tof-tsan.$$
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
