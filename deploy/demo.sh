#!/bin/sh
# make demo: a whole S1-U network in network namespaces (sgsnemu as the eNB
# and its UEs, osmo-ggsn as the SGW/PDN gateway, a PDN server) with tofd
# between eNB and SGW on DPDK af_packet ports, and its apps side on an
# Open vSwitch (DPDK) bridge: the edge app and two network functions
# (bridges with nftables counters) are podman containers on it, chained.
# A UE reaches the PDN through the SGW and the edge service through the TOF
# and the chain; the per-hop counts come from OVS and the functions; then
# the chain is taken off the service through the API and the next packets
# go around it; then it all goes.
set -eu
TOFD=$(realpath "${1:-build/tofd}")
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab/lab.sh"
ovs="$here/ovs/ovs.sh"
run=/run/tof-lab
api=http://127.0.0.1:8080
say() { printf '\n== %s\n' "$*"; }
cleanup() {
	if [ -n "${tofd_pid:-}" ]; then
		kill -TERM "$tofd_pid" 2>/dev/null || true
		wait "$tofd_pid" 2>/dev/null || true
	fi
	"$lab" down >/dev/null 2>&1 || true
}
# One lab at a time on this machine (the namespaces have fixed names).
exec 9>/run/tof-lab.lock
flock 9
trap cleanup EXIT
trap 'exit 130' INT TERM

# GET/PUT on tofd's API (it listens inside tof-tof).
tof_api() { # METHOD PATH [BODY]
	if [ $# -ge 3 ]; then
		ip netns exec tof-tof curl -s -X "$1" -H 'Content-Type: application/json' -d "$3" "$api$2"
	else
		ip netns exec tof-tof curl -s -X "$1" "$api$2"
	fi
}

# The chain's flows with their packet counts, hop by hop.
hops() {
	"$ovs" ofctl dump-flows br-tof --rundir "$run/ovs" --names \
		"cookie=0x746f660100000000/0xffffff0100000000" | /usr/bin/python3 -c '
import re, sys
rows = []
for line in sys.stdin.read().replace("\"", "").splitlines():
    m = re.search(r"n_packets=(\d+).*priority=(\d+),ip,in_port=([\w.-]+),nw_(src|dst)=([\d.]+) actions=(\S+)", line)
    if m:
        n, prio, inp, d, ip, act = m.groups()
        act = act.replace("output:", "").replace("set_field:tof0->in_port,NORMAL", "by MAC")
        rows.append((d == "src", inp, act, int(n), ip))
# in the order traffic takes: towards the app, then back
order = ["tof0", "fw1-out", "fw2-out", "app1", "fw2-in", "fw1-in"]
rows.sort(key=lambda r: (r[0], order.index(r[1]) if r[1] in order else 9))
for back, inp, act, n, ip in rows:
    print("   %-10s %-8s -> %-8s %5d packets   (%s %s)" % ("app->UE" if back else "UE->app", inp, act, n,
          "from" if back else "to", ip))'
}

fn_counts() {
	for f in 1 2; do
		podman exec "tof-lab-fw$f" nft -j list counters | /usr/bin/python3 -c '
import json, sys
c = {x["counter"]["name"]: x["counter"]["packets"] for x in json.load(sys.stdin)["nftables"] if "counter" in x}
print("   function fw'"$f"' (nftables): towards the app %d, towards the UE %d" % (c["to_app"], c["to_ue"]))'
	done
}

say "building the lab: namespaces tof-enb, tof-tof, tof-sgw, tof-pdn; OVS-DPDK in tof-tof;"
echo "   containers tof-lab-app1, tof-lab-app2 (edge apps), tof-lab-fw1, tof-lab-fw2 (functions)"
"$lab" up --ovs --ues 2 --ues2 0 >"$run.demo-up.log" 2>&1 || { cat "$run.demo-up.log"; exit 1; }
rm -f "$run.demo-up.log"
# The lab's config, with the REST API and the state file of the demo.
"$lab" tofd-config | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
c["api"] = {"listen": "127.0.0.1:8080"}
c["state_file"] = "/run/tof-lab/demo-state.json"
json.dump(c, sys.stdout)' >"$run/demo-tofd.json"

say "starting tofd between s1-enb and s1-sgw; its apps port is tof0 on the OVS bridge br-tof (vhost-user)"
ip netns exec tof-tof "$TOFD" run --config "$run/demo-tofd.json" >"$run/demo-tofd.log" 2>&1 &
tofd_pid=$!
n=0
until tof_api GET /health 2>/dev/null | grep -q '"ready":true'; do
	n=$((n + 1))
	if [ "$n" -gt 200 ] || ! kill -0 "$tofd_pid" 2>/dev/null; then
		cat "$run/demo-tofd.log"
		exit 1
	fi
	sleep 0.1
done
grep "^tofd" "$run/demo-tofd.log" | sed "s/^/   /"
"$lab" enb-up >/dev/null
echo "   eNB attached; the UEs' tunnels (from the GGSN):"
"$lab" ues | sed 's/^/   /'
echo "   the chain and the service (GET /chains, GET /service):"
echo "   $(tof_api GET /chains)"
echo "   $(tof_api GET /service)"

say "UE 1 pings the PDN server 203.0.113.7 (through the SGW)"
"$lab" exec-ue 1 ping -c 3 -i 0.3 -W 2 203.0.113.7 | sed -n 's/^/   /; /bytes from\|packet loss/p'

say "UE 1 fetches http://203.0.113.100/ — the edge service: tofd -> fw1 -> fw2 -> app1, and back"
"$lab" exec-ue 1 curl -s --max-time 5 http://203.0.113.100/ | head -3 | sed 's/^/   /'
"$lab" exec-ue 1 ping -c 5 -i 0.2 -W 2 203.0.113.100 | sed -n 's/^/   /; /packet loss/p'
echo "   per hop, from the bridge's flows (ovs-ofctl dump-flows):"
hops
fn_counts

say "UE 2 talks only to the edge service: the pinger finds its downlink tunnel"
"$lab" exec-ue 2 ping -c 3 -i 0.3 -W 2 203.0.113.100 | sed -n 's/^/   /; /bytes from\|packet loss/p'

say "PUT /service/cache without its chain: the next packets go around the functions"
tof_api PUT /service/cache '{"serviceIP": "203.0.113.100", "applicationIP": "198.51.100.10", "applicationPort": "app1"}' |
	sed 's/^/   /'
echo
before=$(fn_counts)
"$lab" exec-ue 1 ping -c 5 -i 0.2 -W 2 203.0.113.100 | sed -n 's/^/   /; /packet loss/p'
"$lab" exec-ue 1 curl -s --max-time 5 http://203.0.113.100/ | head -1 | sed 's/^/   /'
echo "   the functions' counters did not move:"
after=$(fn_counts)
echo "$after"
[ "$before" = "$after" ] && echo "   (unchanged: the service's traffic no longer passes them)"
echo "   the service's flows now (tof0 <-> app1 directly):"
"$ovs" ofctl dump-flows br-tof --rundir "$run/ovs" --names \
	"cookie=0x746f660100000000/0xffffff0100000000" | sed -n 's/"//g; s/.*n_packets=\([0-9]*\).*priority=\([0-9]*\),ip,\(.*\) actions=\(.*\)/   \3 -> \4  (\1 packets)/p'

say "what tofd learned (GET /tunnels) and how it is (GET /health)"
tof_api GET /tunnels | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin)["sessions"]:
    print("   UE %-12s eNB %s  SGW %s  uplink TEID %s  downlink TEID %s  pinger %s" % (
        t.get("ue"), t.get("enb"), t.get("sgw"), t.get("uplink_teid"), t.get("downlink_teid"), t.get("pinger")))'
tof_api GET /health | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
o = h["ovs"]
print("   ready %s; OVS %s, bridge %s, port %s up %s, %d flows of tofd, %d bundles committed" % (
    h["ready"], o["state"], o["bridge"], o["port"], o["port_up"], o["flows"], o["syncs"]))'

say "stopping tofd (SIGTERM) and taking the lab down (containers, OVS, namespaces)"
kill -TERM "$tofd_pid"
wait "$tofd_pid" && echo "   tofd exited cleanly"
tofd_pid=
