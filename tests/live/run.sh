#!/bin/sh
# Live tests: real GTP peers (sgsnemu, osmo-ggsn) in network namespaces with a
# middle box on the S1-U link (TOF_LIVE_MIDDLE=bridge|tofd|kernel|kernel-single,
# default bridge); TOF_LIVE_MIDDLE=ovs: tofd with its apps side on Open vSwitch,
# port chains of function containers (tests/live/test_ovs.py); ovs-kernel:
# the same with tofd in kernel mode (its port a veth's end on the bridge).
# Needs root. The last line is "N passed, N failed, N skipped"; the exit
# status is non-zero on any failure. The lab is torn down however it ends.
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "tests/live: needs root"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
# One lab at a time on this machine (the namespaces have fixed names).
exec 9>/run/tof-lab.lock
flock 9
trap 'deploy/lab/lab.sh down >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
if [ "${TOF_LIVE_MIDDLE:-}" = ovs ] || [ "${TOF_LIVE_MIDDLE:-}" = ovs-kernel ]; then
	/usr/bin/python3 tests/live/test_ovs.py "$@" 2>&1
else
	/usr/bin/python3 tests/live/test_live.py "$@" 2>&1
fi
rc=$?
exit $rc
