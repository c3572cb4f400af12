#!/bin/sh
# The replay demo: the appliance on a small S1 lab capture (the same
# pipeline offline): a UE that pings the internet through the
# SGW and calls an edge service that the TOF offloads to its app.
set -eu
TOFD=${1:-build/tofd}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/config.json" <<'JSON'
{"mode": "dual", "enb": ["198.18.0.1"], "sgw": ["198.18.0.2"],
 "services": [{"name": "cache", "serviceIP": "203.0.113.100", "applicationIP": "198.51.100.10"}],
 "idle_timeout_s": 300,
 "pinger": {"target": "203.0.113.1", "interval_ms": 1000, "tries": 5}}
JSON
mkdir -p "$work/in" "$work/out"
/usr/bin/python3 "$here/demo_capture.py" "$work/in"
echo "== replaying the lab: UE 198.19.0.5 behind eNB 198.18.0.1, SGW 198.18.0.2"
"$TOFD" replay --config "$work/config.json" --in-enb "$work/in/enb.pcap" \
	--in-sgw "$work/in/sgw.pcap" --in-apps "$work/in/apps.pcap" --out "$work/out"
show() {
	echo "== $1"
	tshark -r "$2" 2>/dev/null | sed 's/^/   /' || true
}
show "towards the SGW (the UE reaching the PDN, and a pinger probe sent as the UE before any downlink was seen)" "$work/out/sgw.pcap"
show "towards the edge app (offloaded: 203.0.113.100 rewritten to 198.51.100.10)" "$work/out/apps.pcap"
show "towards the eNB (PDN replies, and the app's replies inside the UE's downlink tunnel from 203.0.113.100)" "$work/out/enb.pcap"
echo "== learned tunnels"
cat "$work/out/tunnels.json"
