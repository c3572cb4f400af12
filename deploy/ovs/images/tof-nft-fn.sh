#!/bin/sh
# Inside a function container: wait for the two ports the attach tool adds
# (FN_IN, FN_OUT; default "in" and "out"), bridge them, and count what
# crosses each way with nftables. Touches /run/tof-fn.ready when done.
set -eu
IN=${FN_IN:-in} OUT=${FN_OUT:-out}
while ! ip link show "$IN" >/dev/null 2>&1 || ! ip link show "$OUT" >/dev/null 2>&1; do
	sleep 0.1
done
ip link add br0 type bridge stp_state 0 forward_delay 0
ip link set "$IN" master br0
ip link set "$OUT" master br0
# a bump in the wire learns nothing: what comes in one side goes out the
# other (a MAC learnt on the wrong side would black-hole the chain)
bridge link set dev "$IN" learning off flood on
bridge link set dev "$OUT" learning off flood on
for l in "$IN" "$OUT" br0; do ip link set "$l" up; done
nft -f - <<NFT
table bridge tof {
	counter to_app {}
	counter to_ue {}
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "$IN" counter name "to_app"
		iifname "$OUT" counter name "to_ue"
	}
}
NFT
touch /run/tof-fn.ready
echo "tof-nft-fn: bridging $IN <-> $OUT, counting both ways"
exec sleep infinity
