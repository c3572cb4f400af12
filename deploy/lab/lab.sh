#!/bin/bash
# The TOF live lab: a whole S1-U network in network namespaces, with real GTP
# peers (sgsnemu = eNodeBs + UEs, osmo-ggsn = SGW/PDN gateway), a PDN server
# and an edge app. See deploy/lab/README.md for the wiring.
#
#   lab.sh up [--bridge] [--ovs] [--ues N] [--ues2 M] [--echo-interval S] [--app-static-neigh]
#                          N UEs on eNB1 198.18.0.1 (default 4, at most 250), M on
#                          eNB2 198.18.0.11 (default 1, 0: no eNB2);
#                          build the lab (a fresh one: an existing lab is taken
#                          down first). --bridge puts a Linux bridge between
#                          s1-enb and s1-sgw in tof-tof (the no-TOF baseline)
#                          and starts the eNBs; without it the S1 link is left
#                          open for tofd: start tofd, then `lab.sh enb-up`.
#                          --ovs: the apps side is an OVS-DPDK bridge with the
#                          apps and two functions as podman containers
#                          (deploy/lab/lab-ovs.sh) instead of the tof-app netns
#   lab.sh dpdk-app up|down  (--ovs) a DPDK app container on a vhost-user port
#   lab.sh enb-up          start the eNBs (sgsnemu) once the S1 link carries
#                          traffic; waits for every PDP context
#   lab.sh enb-down        stop the eNBs (their UEs and tunnels go away)
#   lab.sh enb-cycle 1|2   detach that eNB's UEs and attach new ones (its
#                          sgsnemu restarted with other IMSIs: new UE addresses,
#                          the GGSN's TEIDs reused)
#   lab.sh bridge on|off   add/remove the Linux bridge in tof-tof
#   lab.sh switch on|off   single mode: s1-enb and s1-sgw on a switch whose
#                          third port leads to s1, the TOF's one S1 interface
#   lab.sh down            stop everything, delete the namespaces and the run dir
#   lab.sh status          what is up; exit 1 when something is missing
#   lab.sh ues             the UE table: ue enb_ip ue_ip tun sgw_ip uplink_teid downlink_teid
#   lab.sh exec-ue N CMD...  run CMD in tof-enb as UE N: `ping` gets -I UE_IP,
#                          `curl` gets --interface UE_IP, any argument "@ue" is
#                          replaced by the UE's address; UE_IP, UE_DEV,
#                          UE_UL_TEID and UE_DL_TEID are in the environment
#   lab.sh tofd-config [--idle S] [--app-mac] [--kernel|--kernel-single]
#                          print a `tofd run` config for this lab (--app-mac: the
#                          service names the app's MAC; --kernel: kernel mode
#                          instead of DPDK; --kernel-single: kernel mode, single,
#                          on s1 behind `lab.sh switch on`; a lab up with --ovs:
#                          tofd's port on br-tof, chain "fw", DPDK or --kernel)
#   lab.sh logs            print the logs of the run dir
#
# Only the DESIGN.md test addresses, only inside the namespaces below.
set -eu -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RUN=${TOF_LAB_RUN:-/run/tof-lab}
PY=/usr/bin/python3
LABTOOL=$HERE/labtool.py

NS_ENB=tof-enb NS_SGW=tof-sgw NS_PDN=tof-pdn NS_TOF=tof-tof NS_APP=tof-app
ALL_NS="$NS_ENB $NS_SGW $NS_PDN $NS_TOF $NS_APP"

ENB1_IP=198.18.0.1 ENB2_IP=198.18.0.11 SGW_IP=198.18.0.2 S1_PLEN=24
UE_POOL=198.19.0.0/16
SGI_IP=203.0.113.254 PDN_IP=203.0.113.7 PINGER_TARGET=203.0.113.1 PDN_PLEN=24
SERVICE_IP=203.0.113.100
APP_IP=198.51.100.10 APP_GW=198.51.100.1 APP_PLEN=24
S1_MTU=1600 UE_MTU=1400
# Fixed, locally administered MACs so a tofd config or a capture can name them.
MAC_ENB0=02:00:00:00:01:01 MAC_S1_ENB=02:00:00:00:01:02
MAC_SGW0=02:00:00:00:02:01 MAC_S1_SGW=02:00:00:00:02:02
MAC_APP0=02:00:00:00:03:01 MAC_APPS0=02:00:00:00:03:02
MAC_SGI0=02:00:00:00:04:01 MAC_PDN0=02:00:00:00:04:02
# The TOF's MAC on the apps port (tofd's apps_mac default); used only with
# --app-static-neigh, otherwise the app learns it through ARP (tofd answers).
TOF_APPS_MAC=${TOF_APPS_MAC:-02:00:00:74:6f:66}
IMSI1=001010000000001 IMSI2=001010000001001

log() { echo "lab: $*" >&2; }
# shellcheck source=lab-ovs.sh
. "$HERE/lab-ovs.sh"
die() { echo "lab: error: $*" >&2; exit 1; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# wait_for SECONDS WHAT CMD...: poll CMD every 0.1 s. CMD exit 0 = ready,
# 1 = not yet, anything else = give up at once.
wait_for() {
	local secs=$1 what=$2 rc=1 end
	shift 2
	end=$(($(date +%s%N) + secs * 1000000000))
	while :; do
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		[ "$rc" -eq 0 ] && return 0
		[ "$rc" -ne 1 ] && { log "$what: failed (status $rc)"; return 1; }
		[ "$(date +%s%N)" -ge "$end" ] && { log "$what: not ready after ${secs}s"; return 1; }
		sleep 0.1
	done
}

# start_daemon NAME NS CMD...: run CMD in NS in its own session, log and pid in $RUN.
start_daemon() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" setsid "$@" >"$RUN/$name.log" 2>&1 </dev/null &
	echo $! >"$RUN/$name.pid"
}

# A zombie counts as dead (our daemons are orphans once lab.sh exits, and
# init may take a while to reap them).
pid_alive() { # PID
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

daemon_alive() { # NAME
	[ -f "$RUN/$1.pid" ] || return 1
	pid_alive "$(cat "$RUN/$1.pid")"
}

# stop_daemon NAME [GRACE_TENTHS]: SIGTERM, then SIGKILL after the grace time.
# Only a pid that still lives in one of our namespaces is signalled.
stop_daemon() {
	local name=$1 grace=${2:-20} pid ns i
	[ -f "$RUN/$name.pid" ] || return 0
	pid=$(cat "$RUN/$name.pid")
	rm -f "$RUN/$name.pid"
	pid_alive "$pid" || return 0
	ns=$(ip netns identify "$pid" 2>/dev/null || true)
	case " $ALL_NS " in *" $ns "*) ;; *) log "not stopping pid $pid ($name): not in a lab namespace"; return 0 ;; esac
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 20; i++)); do
		pid_alive "$pid" || return 0
		sleep 0.1
	done
}

lab_exists() {
	local ns
	[ -e "$RUN" ] && return 0
	for ns in $ALL_NS; do [ -e "/run/netns/$ns" ] && return 0; done
	return 1
}

dump_logs() {
	local f
	[ -d "$RUN" ] || return 0
	for f in "$RUN"/*.log; do
		[ -f "$f" ] || continue
		echo "----- $f (last 40 lines)" >&2
		tail -n 40 "$f" >&2 || true
	done
}

do_down() {
	local ns pid name
	# containers and OVS first (OVS runs in tof-tof)
	ovs_lab_down
	if [ -d "$RUN" ]; then
		# eNBs first (sgsnemu deletes its contexts on SIGTERM but with more than
		# one context does not exit by itself: short grace, then SIGKILL).
		for name in enb1 enb2; do stop_daemon "$name" 3; done
		for name in "$RUN"/*.pid; do
			[ -f "$name" ] || continue
			name=${name##*/}
			stop_daemon "${name%.pid}" 20
		done
	fi
	# Anything left in our namespaces was started in the lab (e.g. a tofd or a
	# capture a test left behind): end it by pid.
	for ns in $ALL_NS; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
	done
	for ns in $ALL_NS; do
		[ -e "/run/netns/$ns" ] || continue
		ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
	done
	rm -rf "$RUN" /var/run/dpdk/tof-lab  # the EAL runtime dir of the lab's --file-prefix
}

# Both ends of a veth pair, each in its namespace, with fixed MACs, up.
veth() { # NS_A IF_A MAC_A NS_B IF_B MAC_B MTU
	ip link add "$2" netns "$1" address "$3" mtu "$7" type veth \
		peer name "$5" netns "$4" address "$6" mtu "$7"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# No offloads on the lab links: frames must be complete on the wire (a DPDK
# af_packet port sees a checksum-offloaded veth frame with a partial UDP/TCP
# checksum, and a GSO/TSO super-frame larger than the MTU).
no_offload() { # NS IF
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 ||
		ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || true
}

net_up() {
	local ns
	for ns in $ALL_NS; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	# The TOF box has no addresses and must not talk on S1 by itself.
	nsx $NS_TOF sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	nsx $NS_ENB sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	nsx $NS_SGW sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.ip_forward=1

	veth $NS_ENB enb0 $MAC_ENB0 $NS_TOF s1-enb $MAC_S1_ENB $S1_MTU
	veth $NS_SGW sgw0 $MAC_SGW0 $NS_TOF s1-sgw $MAC_S1_SGW $S1_MTU
	veth $NS_SGW sgi0 $MAC_SGI0 $NS_PDN pdn0 $MAC_PDN0 1500
	for ns_if in $NS_ENB:enb0 $NS_SGW:sgw0 $NS_TOF:s1-enb $NS_TOF:s1-sgw; do
		no_offload "${ns_if%%:*}" "${ns_if#*:}"
	done
	for ifc in s1-enb s1-sgw; do ip -n $NS_TOF link set "$ifc" promisc on; done
	# with --ovs the apps are containers on OVS (lab-ovs.sh)
	[ "$OVS" = 1 ] || app_link_up

	ip -n $NS_ENB addr add $ENB1_IP/$S1_PLEN dev enb0
	ip -n $NS_ENB addr add $ENB2_IP/$S1_PLEN dev enb0
	ip -n $NS_SGW addr add $SGW_IP/$S1_PLEN dev sgw0
	ip -n $NS_SGW addr add $SGI_IP/$PDN_PLEN dev sgi0
	ip -n $NS_PDN addr add $PDN_IP/$PDN_PLEN dev pdn0
	ip -n $NS_PDN addr add $PINGER_TARGET/$PDN_PLEN dev pdn0
	ip -n $NS_PDN route add $UE_POOL via $SGI_IP
	# The service IPs (203.0.113.100-199) are not on the PDN: the GGSN drops
	# UE traffic to them silently (no ARP, no ICMP unreachable). Only an
	# offloading TOF answers them.
	for pfx in 203.0.113.100/30 203.0.113.104/29 203.0.113.112/28 203.0.113.128/26 203.0.113.192/29; do
		ip -n $NS_SGW route add blackhole "$pfx"
	done
}

# The edge app in tof-app on a veth to tofd's af_packet apps port.
app_link_up() {
	veth $NS_APP app0 $MAC_APP0 $NS_TOF apps0 $MAC_APPS0 1500
	no_offload $NS_APP app0
	no_offload $NS_TOF apps0
	ip -n $NS_TOF link set apps0 promisc on
	ip -n $NS_APP addr add $APP_IP/$APP_PLEN dev app0
	# Replies to UEs go to the TOF's apps port through a gateway address on
	# the link; tofd answers ARP for it (proxy). --app-static-neigh pins it.
	ip -n $NS_APP route add $UE_POOL via $APP_GW dev app0
	if [ "$APP_STATIC_NEIGH" = 1 ]; then
		ip -n $NS_APP neigh replace $APP_GW lladdr "$TOF_APPS_MAC" dev app0 nud permanent
	fi
}

ggsn_up() {
	mkdir -p "$RUN/ggsn"
	{
		echo "log stderr"
		echo " logging filter all 1"
		echo " logging color 0"
		echo " logging print category 1"
		echo " logging timestamp 1"
		echo " logging level set-all notice"
		echo " logging level ggsn info"
		echo " logging level tun info"
		echo "!"
		echo "line vty"
		echo " no login"
		echo " bind 127.0.0.1"
		echo "!"
		echo "ggsn ggsn0"
		echo " gtp state-dir $RUN/ggsn"
		echo " gtp bind-ip $SGW_IP"
		if [ "$ECHO_INTERVAL" -gt 0 ]; then echo " echo-interval $ECHO_INTERVAL"; fi
		echo " apn internet"
		echo "  gtpu-mode tun"
		echo "  tun-device tun-ggsn"
		echo "  type-support v4"
		echo "  ip prefix dynamic $UE_POOL"
		echo "  ip ifconfig $UE_POOL"
		echo "  no shutdown"
		echo " default-apn internet"
		echo " no shutdown ggsn"
	} >"$RUN/ggsn.cfg"
	start_daemon ggsn $NS_SGW osmo-ggsn -c "$RUN/ggsn.cfg"
	wait_for 10 "osmo-ggsn" ggsn_ready
}

ggsn_ready() {
	local out
	daemon_alive ggsn || return 2
	out=$(ip -n $NS_SGW -4 addr show dev tun-ggsn 2>/dev/null) || return 1
	[[ $out == *inet* ]] || return 1
	out=$(nsx $NS_SGW ss -Hlun "src $SGW_IP:2152") || return 1
	[ -n "$out" ] || return 1
	out=$(nsx $NS_SGW ss -Hltn "src 127.0.0.1:4260") || return 1
	[ -n "$out" ]
}

servers_up() {
	mkdir -p "$RUN/www-pdn" "$RUN/www-app"
	echo "tof-lab pdn $PDN_IP" >"$RUN/www-pdn/index.html"
	echo "tof-lab app $APP_IP" >"$RUN/www-app/index.html"
	# 1 MiB of fixed pseudo-random bytes for bulk transfers
	$PY -c 'import random,sys; r=random.Random(7); sys.stdout.buffer.write(r.randbytes(1<<20))' \
		>"$RUN/www-pdn/big.bin"
	cp "$RUN/www-pdn/big.bin" "$RUN/www-app/big.bin"
	start_daemon http-pdn $NS_PDN $PY -m http.server 80 --bind $PDN_IP --directory "$RUN/www-pdn"
	wait_for 10 "PDN web server" http_ready http-pdn $NS_PDN $PDN_IP
	[ "$OVS" = 1 ] && return 0
	start_daemon http-app $NS_APP $PY -m http.server 80 --bind $APP_IP --directory "$RUN/www-app"
	wait_for 10 "app web server" http_ready http-app $NS_APP $APP_IP
}

http_ready() { # NAME NS IP
	daemon_alive "$1" || return 2
	nsx "$2" curl -sf -o /dev/null --max-time 1 "http://$3/" || return 1
}

bridge_on() {
	ip -n $NS_TOF link show br-s1 >/dev/null 2>&1 && return 0
	ip -n $NS_TOF link add br-s1 mtu $S1_MTU type bridge stp_state 0 forward_delay 0
	ip -n $NS_TOF link set s1-enb master br-s1
	ip -n $NS_TOF link set s1-sgw master br-s1
	ip -n $NS_TOF link set br-s1 up
}

# Single mode: one S1 port. A "switch" of tc rules sends every frame from
# s1-enb and s1-sgw to sw-tof, whose peer s1 is the TOF's only S1
# interface; what comes back from s1 goes to the eNB or the SGW by MAC
# (destination, or for broadcasts the other side than the source).
tc_redirect() { # DEV TO [SELECTOR...]: u32 selector, e.g. "ether dst MAC"; none: all
	local dev=$1 to=$2
	shift 2
	[ $# -gt 0 ] || set -- u32 0 0
	TC_PRIO=$((TC_PRIO + 1))
	ip netns exec $NS_TOF tc filter add dev "$dev" parent ffff: protocol all prio "$TC_PRIO" \
		u32 match "$@" action mirred egress redirect dev "$to"
}

switch_on() {
	local dev
	ip -n $NS_TOF link show sw-tof >/dev/null 2>&1 && return 0
	ip -n $NS_TOF link add sw-tof mtu $S1_MTU type veth peer name s1 mtu $S1_MTU
	no_offload $NS_TOF sw-tof
	no_offload $NS_TOF s1
	for dev in s1-enb s1-sgw sw-tof; do
		ip netns exec $NS_TOF tc qdisc add dev "$dev" ingress
	done
	TC_PRIO=0
	tc_redirect s1-enb sw-tof
	tc_redirect s1-sgw sw-tof
	tc_redirect sw-tof s1-enb ether dst $MAC_ENB0
	tc_redirect sw-tof s1-sgw ether dst $MAC_SGW0
	tc_redirect sw-tof s1-sgw ether src $MAC_ENB0
	tc_redirect sw-tof s1-enb ether src $MAC_SGW0
	ip -n $NS_TOF link set sw-tof up
	ip -n $NS_TOF link set s1 up
}

switch_off() {
	local dev
	ip -n $NS_TOF link show sw-tof >/dev/null 2>&1 || return 0
	for dev in s1-enb s1-sgw; do ip netns exec $NS_TOF tc qdisc del dev "$dev" ingress || true; done
	ip -n $NS_TOF link del sw-tof
}

bridge_off() {
	ip -n $NS_TOF link show br-s1 >/dev/null 2>&1 || return 0
	ip -n $NS_TOF link del br-s1
}

enb_contexts() { # IDX: PDP contexts the eNB's log has reported
	grep -c 'received EUA with IP address' "$RUN/enb$1.log" 2>/dev/null || true
}

enb_ready() { # IDX N
	local n
	n=$(enb_contexts "$1")
	[ "${n:-0}" -ge "$2" ] && return 0
	daemon_alive "enb$1" || return 2
	if grep -q 'Cause value' "$RUN/enb$1.log"; then return 3; fi
	return 1
}

# Contexts the GGSN holds for eNB IP, as "ue_ip sgw_ip ul_teid enb_ip dl_teid imsi".
ggsn_contexts() { # ENB_IP
	nsx $NS_SGW $PY "$LABTOOL" pdp | awk -v e="$1" '$4 == e'
}

ggsn_has() { # ENB_IP N
	[ "$(ggsn_contexts "$1" | wc -l)" -ge "$2" ]
}

ggsn_none() { # ENB_IP
	[ "$(ggsn_contexts "$1" | wc -l)" -eq 0 ]
}

start_enb() { # IDX IP N IMSI
	local idx=$1 ip=$2 n=$3 imsi=$4 tun=tun-enb$1 table=$((100 + $1)) ue
	mkdir -p "$RUN/enb$idx"
	# stdbuf: sgsnemu reports contexts on stdout, block-buffered into a file otherwise
	start_daemon "enb$idx" $NS_ENB stdbuf -oL -eL sgsnemu -l "$ip" -r $SGW_IP \
		--createif --tun-device "$tun" --contexts "$n" --imsi "$imsi" --apn internet \
		--statedir "$RUN/enb$idx" --pidfile "$RUN/enb$idx/sgsnemu.pid"
	wait_for 20 "eNB $ip: $n PDP contexts" enb_ready "$idx" "$n" || return 1
	wait_for 5 "GGSN: $n PDP contexts from $ip" ggsn_has "$ip" "$n" || return 1
	# sgsnemu puts only the first context's address on its tun: add them all,
	# and route each UE address's traffic into this eNB's tun.
	ip -n $NS_ENB link set "$tun" mtu $UE_MTU
	ip -n $NS_ENB route replace default dev "$tun" table $table
	for ue in $(ggsn_contexts "$ip" | awk '{print $1}'); do
		ip -n $NS_ENB addr replace "$ue/32" dev "$tun"
		ip -n $NS_ENB rule add from "$ue" lookup $table pref $table
	done
}

# $RUN/ues: UE numbers by eNB (eNB1 first), then by the eNB's (downlink) TEID.
write_ues() {
	local n=0 idx ip ue sgw ul enb dl imsi
	{
		echo "# ue enb_ip ue_ip tun sgw_ip uplink_teid downlink_teid"
		for idx in 1 2; do
			[ -f "$RUN/enb$idx.pid" ] || continue
			[ "$idx" = 1 ] && ip=$ENB1_IP || ip=$ENB2_IP
			while read -r ue sgw ul enb dl imsi; do
				n=$((n + 1))
				echo "$n $enb $ue tun-enb$idx $sgw $ul $dl"
			done < <(ggsn_contexts "$ip" | sort -k5)
		done
	} >"$RUN/ues.tmp"
	mv "$RUN/ues.tmp" "$RUN/ues"
}

s1_path_ok() {
	nsx $NS_ENB $PY "$LABTOOL" gtpu-echo $ENB1_IP $SGW_IP --timeout 0.3
}

do_enb_up() {
	[ -f "$RUN/lab.env" ] || die "the lab is not up (lab.sh up)"
	# shellcheck source=/dev/null
	. "$RUN/lab.env"
	do_enb_down  # idempotent: eNBs already running are replaced
	wait_for 10 "S1 link (GTP-U echo $ENB1_IP -> $SGW_IP)" s1_path_ok
	# eNB2 first: the GGSN numbers its TEIDs in creation order and each
	# sgsnemu numbers its own from 1, so eNB1's uplink and downlink TEIDs differ.
	if [ "$UES2" -gt 0 ]; then start_enb 2 $ENB2_IP "$UES2" $IMSI2; fi
	start_enb 1 $ENB1_IP "$UES" $IMSI1
	write_ues
}

do_enb_cycle() { # IDX
	local idx=$1 table ip pid try n imsi cycle
	[ -f "$RUN/lab.env" ] || die "the lab is not up (lab.sh up)"
	# shellcheck source=/dev/null
	. "$RUN/lab.env"
	case $idx in
	1) ;;
	2) [ "$UES2" -gt 0 ] || die "enb-cycle: the lab has no eNB2 (--ues2 0)" ;;
	*) die "enb-cycle 1|2" ;;
	esac
	[ -f "$RUN/enb$idx.pid" ] || die "enb-cycle: eNB$idx is not running (lab.sh enb-up)"
	[ "$idx" = 1 ] && ip=$ENB1_IP || ip=$ENB2_IP
	# sgsnemu deletes its contexts on SIGTERM, then lingers: let the GGSN
	# see them go before it is killed. Contexts left behind are dropped by
	# the GGSN only when the next sgsnemu attaches (a new restart counter),
	# and osmo-ggsn may lose that one's Create requests meanwhile.
	pid=$(cat "$RUN/enb$idx.pid")
	if pid_alive "$pid" && [ "$(ip netns identify "$pid" 2>/dev/null)" = $NS_ENB ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait_for 3 "GGSN: contexts of $ip deleted" ggsn_none "$ip" || true
	fi
	# New subscribers each time (IMSIs moved on by 100 per cycle): contexts
	# the GGSN still holds for the old ones must not clash with the new.
	cycle=$(($(cat "$RUN/enb$idx.cycles" 2>/dev/null || echo 0) + 1))
	echo $cycle >"$RUN/enb$idx.cycles"
	for try in 1 2; do
		stop_daemon "enb$idx" 3
		table=$((100 + idx))
		while ip -n $NS_ENB rule del pref $table 2>/dev/null; do :; done
		if [ "$idx" = 1 ]; then n=$UES imsi=$IMSI1; else n=$UES2 imsi=$IMSI2; fi
		imsi=$(printf "%015d" $((10#$imsi + (cycle * 2 + try - 1) * 100)))
		if start_enb "$idx" "$ip" "$n" "$imsi"; then
			write_ues
			return 0
		fi
		[ $try = 1 ] && log "enb-cycle: eNB$idx did not attach; once more"
	done
	return 1
}

do_enb_down() {
	local idx table
	for idx in 1 2; do
		stop_daemon "enb$idx" 3
		table=$((100 + idx))
		while ip -n $NS_ENB rule del pref $table 2>/dev/null; do :; done
	done
	rm -f "$RUN/ues"
}

write_env() {
	cat >"$RUN/lab.env" <<EOF
MIDDLE=$MIDDLE
UES=$UES
UES2=$UES2
ECHO_INTERVAL=$ECHO_INTERVAL
APP_STATIC_NEIGH=$APP_STATIC_NEIGH
OVS=$OVS
ENB1_IP=$ENB1_IP
ENB2_IP=$ENB2_IP
SGW_IP=$SGW_IP
UE_POOL=$UE_POOL
PDN_IP=$PDN_IP
PINGER_TARGET=$PINGER_TARGET
SERVICE_IP=$SERVICE_IP
APP_IP=$APP_IP
APP_GW=$APP_GW
S1_MTU=$S1_MTU
UE_MTU=$UE_MTU
EOF
}

do_up() {
	MIDDLE=none UES=4 UES2=1 ECHO_INTERVAL=3 APP_STATIC_NEIGH=0 OVS=0
	while [ $# -gt 0 ]; do
		case $1 in
		--bridge) MIDDLE=bridge ;;
		--ues) UES=$2; shift ;;
		--ues2) UES2=$2; shift ;;
		--echo-interval) ECHO_INTERVAL=$2; shift ;;
		--app-static-neigh) APP_STATIC_NEIGH=1 ;;
		--ovs) OVS=1 ;;
		*) die "up: unknown option $1" ;;
		esac
		shift
	done
	case "$UES$UES2$ECHO_INTERVAL" in *[!0-9]*) die "up: counts must be numbers" ;; esac
	[ "$UES" -ge 1 ] || die "up: --ues must be at least 1"
	# sgsnemu refuses 1024 or more; above ~250 it loses some of the GGSN's
	# Create PDP Context responses (sent in one burst) and never finishes.
	if [ "$UES" -gt 250 ] || [ "$UES2" -gt 250 ]; then die "up: at most 250 UEs per eNB"; fi
	for tool in osmo-ggsn sgsnemu ethtool curl ss stdbuf setsid; do
		command -v $tool >/dev/null || die "$tool is missing (make deps)"
	done
	if lab_exists; then
		log "a lab is up: taking it down first"
		do_down
	fi
	mkdir -p "$RUN"
	trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed; logs in $RUN:"; dump_logs; do_down; fi' EXIT
	trap 'exit 130' INT TERM
	write_env
	net_up
	ggsn_up
	servers_up
	[ "$OVS" = 0 ] || ovs_lab_up
	if [ "$MIDDLE" = bridge ]; then
		bridge_on
		do_enb_up
		log "up: bridge between s1-enb and s1-sgw, $(($(wc -l <"$RUN/ues") - 1)) UEs"
	else
		log "up: the S1 link has no middle. Start tofd in $NS_TOF on s1-enb, s1-sgw and apps0"
		log "    (lab.sh tofd-config prints a config), then: lab.sh enb-up"
	fi
	trap - EXIT INT TERM
}

do_status() {
	local bad=0 ns name f
	if [ ! -f "$RUN/lab.env" ]; then
		echo "lab: down"
		lab_exists && echo "lab: leftovers present (lab.sh down cleans them)"
		return 1
	fi
	# shellcheck source=/dev/null
	. "$RUN/lab.env"
	echo "run dir: $RUN   middle: $MIDDLE"
	for ns in $ALL_NS; do
		if [ -e "/run/netns/$ns" ]; then echo "netns $ns: present"; else echo "netns $ns: MISSING"; bad=1; fi
	done
	if ip -n $NS_TOF link show br-s1 >/dev/null 2>&1; then echo "bridge br-s1: on"; else echo "bridge br-s1: off"; fi
	for f in "$RUN"/*.pid; do
		[ -f "$f" ] || continue
		name=${f##*/}
		name=${name%.pid}
		if daemon_alive "$name"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: DEAD"; bad=1; fi
	done
	if [ -f "$RUN/ues" ]; then cat "$RUN/ues"; else echo "no UEs (eNBs not started)"; fi
	return $bad
}

do_exec_ue() {
	local n=$1 line ue_ip tun ul dl a
	shift
	[ $# -gt 0 ] || die "exec-ue N CMD..."
	[ -f "$RUN/ues" ] || die "no UEs (lab.sh up --bridge, or lab.sh enb-up)"
	line=$(awk -v n="$n" '$1 == n' "$RUN/ues")
	[ -n "$line" ] || die "no UE $n (see lab.sh ues)"
	read -r _ _ ue_ip tun _ ul dl <<<"$line"
	local args=()
	for a in "$@"; do args+=("${a//@ue/$ue_ip}"); done
	case ${args[0]##*/} in
	ping) args=("${args[0]}" -I "$ue_ip" "${args[@]:1}") ;;
	curl) args=("${args[0]}" --interface "$ue_ip" "${args[@]:1}") ;;
	esac
	exec ip netns exec $NS_ENB env UE_IP="$ue_ip" UE_DEV="$tun" UE_UL_TEID="$ul" UE_DL_TEID="$dl" "${args[@]}"
}

do_tofd_config() {
	local idle=300 app_mac="" dataplane mode=dual
	# --no-pci: DPDK must not probe the host's own NICs; --no-huge: no
	# hugepages needed (af_packet ports); the API listens inside tof-tof only.
	dataplane='"eal": ["-l", "0-1", "--no-huge", "--no-pci", "-m", "512", "--file-prefix", "tof-lab"],
 "ports": {"enb": "net_af_packet0,iface=s1-enb", "sgw": "net_af_packet1,iface=s1-sgw",
           "apps": "net_af_packet2,iface=apps0"},'
	while [ $# -gt 0 ]; do
		case $1 in
		--idle) idle=$2; shift ;;
		--app-mac) app_mac=", \"applicationMAC\": \"$MAC_APP0\"" ;;
		--kernel)
			# kernel mode: tofd bridges s1-enb and s1-sgw itself (br-s1)
			dataplane='"dataplane": "kernel",
 "kernel": {"enb": "s1-enb", "sgw": "s1-sgw", "apps": "apps0", "bridge": "br-s1", "queues": [0, 1]},' ;;
		--kernel-single)
			# kernel mode, single: s1 behind the switch (lab.sh switch on)
			mode=single
			dataplane='"dataplane": "kernel",
 "kernel": {"s1": "s1", "apps": "apps0", "bridge": "br-s1", "queues": [0, 1]},' ;;
		*) die "tofd-config: unknown option $1" ;;
		esac
		shift
	done
	OVS=0
	# shellcheck source=/dev/null
	[ -f "$RUN/lab.env" ] && . "$RUN/lab.env"
	echo "{\"mode\": \"$mode\","
	if [ "$OVS" = 1 ]; then
		[ "$mode" = dual ] || die "tofd-config: the lab's OVS apps side is for dual mode"
		if [[ $dataplane == *kernel* ]]; then ovs_tofd_config kernel; else ovs_tofd_config; fi
	else
		cat <<EOF
 $dataplane
 "services": [{"name": "cache", "serviceIP": "$SERVICE_IP", "applicationIP": "$APP_IP"$app_mac}],
EOF
	fi
	cat <<EOF
 "enb": ["$ENB1_IP", "$ENB2_IP"], "sgw": ["$SGW_IP"],
 "idle_timeout_s": $idle,
 "s1_mtu": $S1_MTU,
 "apps_mac": "$TOF_APPS_MAC", "apps_gateway": "$APP_GW",
 "pinger": {"target": "$PINGER_TARGET", "interval_ms": 500, "tries": 5}}
EOF
}

[ "$(id -u)" = 0 ] || die "run as root"
cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) do_up "$@" ;;
down) do_down ;;
status) do_status ;;
enb-up)
	trap 'rc=$?; if [ $rc -ne 0 ]; then log "enb-up failed; logs in $RUN:"; dump_logs; fi' EXIT
	do_enb_up
	trap - EXIT
	;;
enb-down) do_enb_down ;;
enb-cycle)
	trap 'rc=$?; if [ $rc -ne 0 ]; then log "enb-cycle failed; logs in $RUN:"; dump_logs; fi' EXIT
	do_enb_cycle "${1:-}"
	trap - EXIT
	;;
bridge)
	case ${1:-} in
	on) bridge_on ;;
	off) bridge_off ;;
	*) die "bridge on|off" ;;
	esac
	;;
switch)
	case ${1:-} in
	on) switch_on ;;
	off) switch_off ;;
	*) die "switch on|off" ;;
	esac
	;;
ues) if [ -f "$RUN/ues" ]; then cat "$RUN/ues"; else die "no UEs"; fi ;;
exec-ue) [ $# -ge 2 ] || die "exec-ue N CMD..."; do_exec_ue "$@" ;;
tofd-config) do_tofd_config "$@" ;;
dpdk-app)
	case ${1:-} in
	up) dpdk_app_up ;;
	down) dpdk_app_down ;;
	*) die "dpdk-app up|down" ;;
	esac
	;;
logs) dump_logs 2>&1 ;;
*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
