#!/bin/bash
# Attach podman containers to an OVS bridge, as `ovs-docker add-port` does
# for Docker: a veth pair, one end moved into the container's network
# namespace with its address and a route to the UEs via the TOF, the other
# end a port of the bridge. Also vhost-user ports for DPDK apps.
#
#   attach.sh add-port BRIDGE PORT CONTAINER [--ifname IF] [--ip ADDR/LEN]
#             [--route PREFIX --via GW] [--mac MAC] [--mtu N] [--hop]
#       PORT: the bridge's end (at most 15 characters); IF: the container's
#       (default eth0). --hop: PORT is a function's port in a chain: it is
#       marked (external_ids:tof-hop=true), kept out of flooding
#       and isolated (a drop flow for anything but chain traffic, which
#       tofd's flows carry), so a bridging function makes no L2 loop.
#   attach.sh add-vhost BRIDGE PORT --socket PATH [--hop]
#       a dpdkvhostuserclient port: the DPDK app in its container serves
#       PATH (net_virtio_user with server=1), bind-mount its directory.
#   attach.sh del-port BRIDGE PORT
#
# Common options: --rundir DIR (the OVS of deploy/ovs/ovs.sh; default
# /run/tof-ovs), or --db unix:PATH; --ovs-netns NS: the namespace OVS runs
# in (default: read from DIR/netns). The bridge is created (netdev datapath)
# if it does not exist yet.
set -eu -o pipefail

RUNDIR=/run/tof-ovs DB="" OVS_NETNS="" IFNAME=eth0 IP="" ROUTE="" VIA="" MAC="" MTU="" HOP=0 SOCKET=""
# tofd's cookie for the bridge's own flows: the isolation flow is the one
# tofd installs too, so tofd adopts it rather than fight it
TOF_INFRA_COOKIE=0x746f660000000000

die() { echo "attach.sh: $*" >&2; exit 1; }

parse() {
	POS=()
	while [ $# -gt 0 ]; do
		case $1 in
		--rundir) RUNDIR=$2; shift ;;
		--db) DB=$2; shift ;;
		--ovs-netns) OVS_NETNS=$2; shift ;;
		--ifname) IFNAME=$2; shift ;;
		--ip) IP=$2; shift ;;
		--route) ROUTE=$2; shift ;;
		--via) VIA=$2; shift ;;
		--mac) MAC=$2; shift ;;
		--mtu) MTU=$2; shift ;;
		--socket) SOCKET=$2; shift ;;
		--hop) HOP=1 ;;
		-*) die "unknown option $1" ;;
		*) POS+=("$1") ;;
		esac
		shift
	done
	[ -n "$DB" ] || DB=unix:$RUNDIR/db.sock
	if [ -z "$OVS_NETNS" ] && [ -f "$RUNDIR/netns" ]; then OVS_NETNS=$(cat "$RUNDIR/netns"); fi
}

vsctl() { ovs-vsctl --db="$DB" --timeout=10 "$@"; }
ofctl() { ovs-ofctl "$1" "unix:$(dirname "${DB#unix:}")/$2.mgmt" "${@:3}"; }
ovs_ns() { if [ -n "$OVS_NETNS" ]; then ip netns exec "$OVS_NETNS" "$@"; else "$@"; fi; }

ensure_bridge() {
	vsctl --may-exist add-br "$1" -- set Bridge "$1" datapath_type=netdev
}

# Wait until the bridge has numbered the port (its management socket is up).
port_ready() { # BRIDGE PORT
	local i no
	for ((i = 0; i < 100; i++)); do
		no=$(vsctl get Interface "$2" ofport 2>/dev/null || true)
		if [ -n "$no" ] && [ "$no" != "[]" ] && [ "$no" -gt 0 ] 2>/dev/null &&
			[ -S "$(dirname "${DB#unix:}")/$1.mgmt" ]; then
			return 0
		fi
		sleep 0.1
	done
	die "port $2 got no OpenFlow number on $1"
}

# A hop port carries chain traffic only.
make_hop() { # BRIDGE PORT
	vsctl set Port "$2" external_ids:tof-hop=true
	port_ready "$1" "$2"
	ofctl mod-port "$1" "$2" no-flood
	ofctl add-flow "$1" "cookie=$TOF_INFRA_COOKIE,priority=260,in_port=$2,actions=drop"
}

container_pid() {
	local pid
	pid=$(podman inspect --format '{{.State.Pid}}' "$1" 2>/dev/null) || die "no container $1"
	[ -n "$pid" ] && [ "$pid" != 0 ] || die "container $1 is not running"
	echo "$pid"
}

do_add_port() {
	[ ${#POS[@]} -eq 3 ] || die "add-port BRIDGE PORT CONTAINER [options]"
	local br=${POS[0]} port=${POS[1]} ctr=${POS[2]} pid tmp
	[ ${#port} -le 15 ] || die "port name $port is longer than 15 characters"
	pid=$(container_pid "$ctr")
	ensure_bridge "$br"
	tmp=tofp$$
	# the bridge's end where OVS runs, the other straight into the container
	ovs_ns ip link add "$port" type veth peer name "$tmp" netns "$pid"
	# the netdev datapath reads veths with AF_PACKET: no offloads, or it
	# gets partial checksums and 64 KiB frames
	ovs_ns ethtool -K "$port" tx off tso off gso off gro off >/dev/null 2>&1 || true
	nsenter -t "$pid" -n ip link set "$tmp" name "$IFNAME"
	nsenter -t "$pid" -n ethtool -K "$IFNAME" tx off tso off gso off gro off >/dev/null 2>&1 || true
	if [ -n "$MAC" ]; then nsenter -t "$pid" -n ip link set "$IFNAME" address "$MAC"; fi
	if [ -n "$MTU" ]; then
		nsenter -t "$pid" -n ip link set "$IFNAME" mtu "$MTU"
		ovs_ns ip link set "$port" mtu "$MTU"
	fi
	nsenter -t "$pid" -n ip link set "$IFNAME" up
	if [ -n "$IP" ]; then nsenter -t "$pid" -n ip addr add "$IP" dev "$IFNAME"; fi
	if [ -n "$ROUTE" ]; then
		[ -n "$VIA" ] || die "--route needs --via GATEWAY"
		nsenter -t "$pid" -n ip route add "$ROUTE" via "$VIA" dev "$IFNAME"
	fi
	vsctl --may-exist add-port "$br" "$port" -- set Interface "$port" \
		external_ids:container_id="$ctr" external_ids:container_iface="$IFNAME"
	# a hop is isolated before its link comes up: nothing floods into it
	if [ "$HOP" = 1 ]; then make_hop "$br" "$port"; fi
	port_ready "$br" "$port"
	ovs_ns ip link set "$port" up
}

do_add_vhost() {
	[ ${#POS[@]} -eq 2 ] || die "add-vhost BRIDGE PORT --socket PATH"
	[ -n "$SOCKET" ] || die "add-vhost needs --socket PATH (served by the app)"
	local br=${POS[0]} port=${POS[1]}
	ensure_bridge "$br"
	vsctl --may-exist add-port "$br" "$port" -- set Interface "$port" type=dpdkvhostuserclient \
		options:vhost-server-path="$SOCKET"
	if [ "$HOP" = 1 ]; then make_hop "$br" "$port"; fi
	port_ready "$br" "$port"
}

do_del_port() {
	[ ${#POS[@]} -eq 2 ] || die "del-port BRIDGE PORT"
	vsctl --if-exists del-port "${POS[0]}" "${POS[1]}"
	ovs_ns ip link del "${POS[1]}" 2>/dev/null || true
}

[ "$(id -u)" = 0 ] || die "run as root"
cmd=${1:-}
[ $# -gt 0 ] && shift
parse "$@"
case $cmd in
add-port) do_add_port ;;
add-vhost) do_add_vhost ;;
del-port) do_del_port ;;
*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
