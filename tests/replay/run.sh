#!/bin/sh
# Replay golden tests: tofd (TOFD, default build/tofd; e.g. TOFD=build-asan/tofd
# for the sanitizer build) run on captures generated with scapy. Prints the
# unittest log, and last "N passed, N failed"; exits non-zero on a failure.
# Extra arguments name tests, e.g. TestPinger or TestPinger.test_retries_back_off_then_give_up
# (or a class of test_hostile.py, e.g. TestHostile).
cd "$(dirname "$0")/../.." || exit 1
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec /usr/bin/python3 tests/replay/test_replay.py "$@"
