"""Run the API suite against $TOFD (default build/tofd) and close with one
line, "N passed, N failed". After the tests, the contract's coverage: every
response documented in openapi/openapi.yaml that can be provoked against a
live server must have been seen."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_contract  # noqa: E402
from tofapi import CONTRACT, TOFD  # noqa: E402


def main():
    if not os.access(TOFD, os.X_OK):
        print("tests/api: %s is not built" % TOFD)
        print("0 passed, 1 failed")
        return 1
    here = os.path.dirname(os.path.abspath(__file__))
    pattern = os.environ.get("TOF_API_TESTS", "test_*.py")
    suite = unittest.defaultTestLoader.discover(here, pattern=pattern, top_level_dir=here)
    t0 = time.monotonic()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    run = result.testsRun
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = max(0, run - failed - len(result.skipped))

    # coverage of the contract (only meaningful when the whole suite ran)
    if pattern == "test_*.py":
        gaps = test_contract.coverage_gaps()
        if gaps:
            failed += 1
            print("FAIL: contract coverage: documented responses never provoked:")
            for g in gaps:
                print("    %s %s -> %d" % (g[1], g[0], g[2]))
        else:
            passed += 1
            print("ok: contract coverage: every provokable documented response seen "
                  "(%d exchanges checked)" % CONTRACT.checked)
    print("tests/api against %s: %.1f s" % (TOFD, time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
