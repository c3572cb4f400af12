#!/bin/sh
# make demo: a whole S1-U network in network namespaces (sgsnemu as the eNB
# and its UEs, osmo-ggsn as the SGW/PDN gateway, a PDN server, an edge app)
# with tofd between eNB and SGW on DPDK af_packet ports. A UE reaches the PDN
# through the SGW and the edge service through the TOF; then it all goes.
set -eu
TOFD=$(realpath "${1:-build/tofd}")
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab/lab.sh"
run=/run/tof-lab
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

say "building the lab: namespaces tof-enb, tof-tof, tof-sgw, tof-pdn, tof-app"
"$lab" up --ues 2 --ues2 0 >/dev/null
# The lab's config, with the REST API and the state file of the demo.
"$lab" tofd-config | /usr/bin/python3 -c '
import json, sys
c = json.load(sys.stdin)
c["api"] = {"listen": "127.0.0.1:8080"}
c["state_file"] = "/run/tof-lab/demo-state.json"
json.dump(c, sys.stdout)' >"$run/demo-tofd.json"
api=127.0.0.1:8080

say "starting tofd between s1-enb and s1-sgw (apps port apps0 towards the app)"
ip netns exec tof-tof "$TOFD" run --config "$run/demo-tofd.json" >"$run/demo-tofd.log" 2>&1 &
tofd_pid=$!
n=0
until grep -q "tofd run: ready" "$run/demo-tofd.log" 2>/dev/null; do
	n=$((n + 1))
	if [ "$n" -gt 100 ] || ! kill -0 "$tofd_pid" 2>/dev/null; then
		cat "$run/demo-tofd.log"
		exit 1
	fi
	sleep 0.1
done
grep "^tofd" "$run/demo-tofd.log" | sed "s/^/   /"
"$lab" enb-up >/dev/null
echo "   eNB attached; the UEs' tunnels (from the GGSN):"
"$lab" ues | sed 's/^/   /'

say "UE 1 pings the PDN server 203.0.113.7 (through the SGW)"
"$lab" exec-ue 1 ping -c 3 -i 0.3 -W 2 203.0.113.7 | sed -n 's/^/   /; /bytes from\|packet loss/p'

say "UE 1 fetches http://203.0.113.100/ — the edge service, answered by the app through the TOF"
"$lab" exec-ue 1 curl -s --max-time 5 http://203.0.113.100/ | head -3 | sed 's/^/   /'

say "UE 2 talks only to the edge service: the pinger finds its downlink tunnel"
"$lab" exec-ue 2 ping -c 3 -i 0.3 -W 2 203.0.113.100 | sed -n 's/^/   /; /bytes from\|packet loss/p'

say "what tofd learned (GET /tunnels) and did (GET /stats)"
ip netns exec tof-tof curl -s "http://$api/tunnels" | /usr/bin/python3 -c '
import json, sys
for t in json.load(sys.stdin)["sessions"]:
    print("   UE %-12s eNB %s  SGW %s  uplink TEID %s  downlink TEID %s  pinger %s" % (
        t.get("ue"), t.get("enb"), t.get("sgw"), t.get("uplink_teid"), t.get("downlink_teid"), t.get("pinger")))'
ip netns exec tof-tof curl -s "http://$api/stats" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
print("   decisions: " + ", ".join("%s %d" % (k, v["packets"]) for k, v in s["decisions"].items() if v["packets"]))
print("   services:  " + ", ".join("%s up %d / down %d packets" % (v["name"], v["uplink_packets"], v["downlink_packets"]) for v in s["services"]))
print("   pinger:    probes %d, replies %d" % (s["pinger"]["probes_sent"], s["pinger"]["replies"]))'

say "stopping tofd (SIGTERM) and taking the lab down"
kill -TERM "$tofd_pid"
wait "$tofd_pid" && echo "   tofd exited cleanly"
tofd_pid=
