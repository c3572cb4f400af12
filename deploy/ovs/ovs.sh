#!/bin/bash
# Open vSwitch with DPDK (userspace datapath) in a run directory of its own,
# so it neither needs nor disturbs a system-wide OVS: ovsdb-server and
# ovs-vswitchd-dpdk, optionally inside a network namespace (the veth ports
# of containers attached to its bridges then live there too).
#
#   ovs.sh start  [--rundir DIR] [--netns NS] [--pmd-cpu N] [--socket-mem MB]
#                 [--file-prefix P] [--idle-sleep-us N]
#   ovs.sh stop   [--rundir DIR] [--clean]     (--clean: the database too)
#   ovs.sh status [--rundir DIR]
#   ovs.sh kill-vswitchd  [--rundir DIR]       (SIGKILL, as a crash)
#   ovs.sh start-vswitchd [--rundir DIR]       (again, after a kill)
#   ovs.sh vsctl  [--rundir DIR] ARGS...       ovs-vsctl on this database
#   ovs.sh ofctl  [--rundir DIR] CMD BRIDGE ARGS...   ovs-ofctl on BRIDGE's
#                                              management socket
#   ovs.sh env    [--rundir DIR]               the paths, for a tofd config
#
# DIR defaults to /run/tof-ovs. tofd's config then says
#   "ovs": {"db": "unix:DIR/db.sock", "bridge": "br-tof", "port": "tof0"}
#
# DPDK: hugepages are needed (at least --socket-mem of them free);
# other_config:dpdk-extra="--no-pci" keeps DPDK off the host's own NICs.
# The PMD thread busy-polls core --pmd-cpu (default 0: give tofd's worker
# another one); --idle-sleep-us lets it sleep when idle (pmd-maxsleep,
# default 500; 0 for benchmarks).
set -eu -o pipefail

OVS_VSWITCHD=${OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
RUNDIR=/run/tof-ovs NETNS="" PMD_CPU=0 SOCKET_MEM=256 FILE_PREFIX="" IDLE_US=500 CLEAN=0

die() { echo "ovs.sh: $*" >&2; exit 1; }
log() { echo "ovs.sh: $*" >&2; }

parse() {
	while [ $# -gt 0 ]; do
		case $1 in
		--rundir) RUNDIR=$2; shift ;;
		--netns) NETNS=$2; shift ;;
		--pmd-cpu) PMD_CPU=$2; shift ;;
		--socket-mem) SOCKET_MEM=$2; shift ;;
		--file-prefix) FILE_PREFIX=$2; shift ;;
		--idle-sleep-us) IDLE_US=$2; shift ;;
		--clean) CLEAN=1 ;;
		*) ARGS+=("$1") ;;
		esac
		shift
	done
	case "$PMD_CPU$SOCKET_MEM$IDLE_US" in *[!0-9]*) die "--pmd-cpu, --socket-mem, --idle-sleep-us take numbers" ;; esac
	DB=unix:$RUNDIR/db.sock
	[ -n "$FILE_PREFIX" ] || FILE_PREFIX=ovs-$(echo "$RUNDIR" | tr -c 'a-zA-Z0-9\n' '-' | sed 's/^-*//')
}

vsctl() { ovs-vsctl --db="$DB" --timeout=10 "$@"; }
in_ns() { if [ -n "$NETNS" ]; then ip netns exec "$NETNS" "$@"; else "$@"; fi; }
pid_of() { [ -f "$RUNDIR/$1.pid" ] && kill -0 "$(cat "$RUNDIR/$1.pid")" 2>/dev/null && cat "$RUNDIR/$1.pid"; }

hugepages_ok() {
	local free size
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	size=$(awk '/Hugepagesize/ {print $2}' /proc/meminfo)
	[ "$((free * size / 1024))" -ge "$SOCKET_MEM" ] ||
		die "DPDK needs $SOCKET_MEM MiB of free hugepages (free: $((free * size / 1024)) MiB):" \
			"echo 1024 > /proc/sys/vm/nr_hugepages; mount -t hugetlbfs nodev /dev/hugepages"
	mountpoint -q /dev/hugepages || die "hugetlbfs is not mounted on /dev/hugepages"
}

start_vswitchd() {
	local i
	pid_of ovs-vswitchd >/dev/null && return 0
	[ -f "$RUNDIR/netns" ] && NETNS=$(cat "$RUNDIR/netns")
	# the same run dir for everything, including vhost-user sockets
	in_ns env OVS_RUNDIR="$RUNDIR" OVS_LOGDIR="$RUNDIR" "$OVS_VSWITCHD" "$DB" \
		--pidfile="$RUNDIR/ovs-vswitchd.pid" --unixctl="$RUNDIR/ovs-vswitchd.ctl" \
		--log-file="$RUNDIR/ovs-vswitchd.log" -vconsole:off --detach --no-chdir
	for ((i = 0; i < 300; i++)); do
		[ "$(vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	tail -20 "$RUNDIR/ovs-vswitchd.log" >&2
	die "ovs-vswitchd did not initialise DPDK within 30 s (log above)"
}

do_start() {
	command -v ovsdb-server >/dev/null || die "ovsdb-server is missing (make deps: openvswitch-switch-dpdk)"
	[ -x "$OVS_VSWITCHD" ] || die "$OVS_VSWITCHD is missing (make deps: openvswitch-switch-dpdk)"
	hugepages_ok
	if [ -n "$NETNS" ] && [ ! -e "/run/netns/$NETNS" ]; then die "no network namespace $NETNS"; fi
	mkdir -p "$RUNDIR"
	echo "$NETNS" >"$RUNDIR/netns"
	[ -n "$NETNS" ] || rm -f "$RUNDIR/netns"
	[ -f "$RUNDIR/conf.db" ] || ovsdb-tool create "$RUNDIR/conf.db" "$SCHEMA"
	if ! pid_of ovsdb-server >/dev/null; then
		ovsdb-server "$RUNDIR/conf.db" --remote="punix:$RUNDIR/db.sock" \
			--pidfile="$RUNDIR/ovsdb-server.pid" --unixctl="$RUNDIR/ovsdb-server.ctl" \
			--log-file="$RUNDIR/ovsdb-server.log" -vconsole:off --detach --no-chdir
	fi
	vsctl --no-wait init
	# --no-pci: DPDK must leave the host's NICs alone; its own file prefix
	# and a core for the PMD thread (tofd's worker takes another)
	vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-extra="--no-pci --file-prefix=$FILE_PREFIX" \
		other_config:dpdk-socket-mem="$SOCKET_MEM" \
		other_config:pmd-cpu-mask="$(printf '0x%x' $((1 << PMD_CPU)))" \
		other_config:dpdk-lcore-mask="$(printf '0x%x' $((1 << PMD_CPU)))" \
		other_config:pmd-maxsleep="$IDLE_US"
	start_vswitchd
	log "up in $RUNDIR${NETNS:+ (netns $NETNS)}: db unix:$RUNDIR/db.sock, PMD on core $PMD_CPU"
}

stop_pid() { # NAME
	local pid i
	pid=$(pid_of "$1") || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$RUNDIR/$1.pid"
}

do_stop() {
	stop_pid ovs-vswitchd
	stop_pid ovsdb-server
	rm -rf "/var/run/dpdk/$FILE_PREFIX"
	if [ "$CLEAN" = 1 ]; then rm -rf "$RUNDIR"; fi
}

do_status() {
	local rc=0 p
	for p in ovsdb-server ovs-vswitchd; do
		if pid_of $p >/dev/null; then echo "$p: running (pid $(pid_of $p))"; else echo "$p: not running"; rc=1; fi
	done
	[ "$rc" = 0 ] && vsctl show
	return $rc
}

[ "$(id -u)" = 0 ] || die "run as root"
cmd=${1:-}
[ $# -gt 0 ] && shift
ARGS=()
parse "$@"
case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
kill-vswitchd) p=$(pid_of ovs-vswitchd) && kill -KILL "$p"; rm -f "$RUNDIR/ovs-vswitchd.pid" ;;
start-vswitchd) start_vswitchd ;;
vsctl) vsctl "${ARGS[@]}" ;;
ofctl)
	[ ${#ARGS[@]} -ge 2 ] || die "ofctl CMD BRIDGE [ARGS...]"
	ovs-ofctl "${ARGS[0]}" "unix:$RUNDIR/${ARGS[1]}.mgmt" "${ARGS[@]:2}"
	;;
env) echo "OVS_RUNDIR=$RUNDIR"; echo "OVS_DB=$DB"; echo "OVS_DPDK_PREFIX=$FILE_PREFIX" ;;
*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
