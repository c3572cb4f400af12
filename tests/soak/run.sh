#!/bin/sh
# The soak (make soak; not part of make test): tofd in the live lab for
# SOAK_SECONDS (default 180) of traffic, UE churn, service churn through the
# API, idle purges and a restart. Needs root; holds the lab lock; the lab is
# torn down however it ends. Prints the figures, then "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "tests/soak: needs root"
	echo "0 passed, 1 failed"
	exit 1
fi
exec 9>/run/tof-lab.lock
flock 9
trap 'deploy/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
/usr/bin/python3 tests/soak/soak.py
