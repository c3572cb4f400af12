# The lab's apps side on Open vSwitch (lab.sh up --ovs), sourced by lab.sh.
#
#   tof-tof: ovs-vswitchd (DPDK, netdev datapath, run dir $RUN/ovs) with
#            bridge br-tof; tofd's port tof0 (DPDK mode: vhost-user, tofd
#            serves $RUN/ovs/tof0.sock; kernel mode: a system port, the OVS
#            end of the veth apps0 - tof0 that tofd makes)
#   containers on br-tof (podman, attached with deploy/ovs/attach.sh):
#     tof-lab-app1  198.51.100.10  port app1   the edge app (web server)
#     tof-lab-app2  198.51.100.11  port app2   a second app
#     tof-lab-fw1   ports fw1-in, fw1-out      transparent functions: a
#     tof-lab-fw2   ports fw2-in, fw2-out      bridge + nftables counters
#   The apps route the UE pool via 198.51.100.1 (tofd answers its ARP).
#   `lab.sh dpdk-app up|down` adds/removes tof-lab-dpdk: dpdk-testpmd on the
#   vhost-user port dpdk0 (198.51.100.12 by its service's MAC), echoing
#   UDP/TCP by swapping addresses (5tswap).

OVS_RUN=$RUN/ovs
OVS_BRIDGE=br-tof
OVS_SH=$HERE/../ovs/ovs.sh
ATTACH=$HERE/../ovs/attach.sh
IMAGES=$HERE/../ovs/images/build.sh
LAB_CONTAINERS="tof-lab-app1 tof-lab-app2 tof-lab-fw1 tof-lab-fw2 tof-lab-dpdk"
APP2_IP=198.51.100.11 DPDK_APP_IP=198.51.100.12
MAC_APP1=02:00:00:00:03:11 MAC_APP2=02:00:00:00:03:12 MAC_DPDK_APP=02:00:00:00:03:13

hugepages_up() {
	local n
	n=$(cat /proc/sys/vm/nr_hugepages)
	# only ever raised: other DPDK users on the host keep theirs
	[ "$n" -ge 1024 ] || echo 1024 >/proc/sys/vm/nr_hugepages
	mkdir -p /dev/hugepages
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
}

ctr_run() { # NAME IMAGE [podman args...]
	local name=$1 image=$2
	shift 2
	podman run -d --name "$name" --network none --sysctl net.ipv6.conf.all.disable_ipv6=1 \
		"$@" "$image" >/dev/null
}

app_up() { # N IP MAC
	mkdir -p "$RUN/www-app$1"
	echo "tof-lab app $2" >"$RUN/www-app$1/index.html"
	cp "$RUN/www-pdn/big.bin" "$RUN/www-app$1/big.bin"
	ctr_run "tof-lab-app$1" localhost/tof-app:lab -v "$RUN/www-app$1:/srv:ro"
	"$ATTACH" add-port $OVS_BRIDGE "app$1" "tof-lab-app$1" --rundir "$OVS_RUN" --ip "$2/$APP_PLEN" \
		--mac "$3" --route "$UE_POOL" --via "$APP_GW"
}

fn_up() { # N
	ctr_run "tof-lab-fw$1" localhost/tof-nft-fn:lab --cap-add NET_ADMIN
	"$ATTACH" add-port $OVS_BRIDGE "fw$1-in" "tof-lab-fw$1" --rundir "$OVS_RUN" --ifname in --hop
	"$ATTACH" add-port $OVS_BRIDGE "fw$1-out" "tof-lab-fw$1" --rundir "$OVS_RUN" --ifname out --hop
}

fn_ready() { podman exec "tof-lab-fw$1" test -e /run/tof-fn.ready; }

app_ready() { # N IP: the web server answers inside the container
	podman exec "tof-lab-app$1" python3 -c "import urllib.request as u; u.urlopen('http://$2/', timeout=1)"
}

ovs_lab_up() {
	hugepages_up
	"$IMAGES" app nft-fn
	"$OVS_SH" start --rundir "$OVS_RUN" --netns $NS_TOF --file-prefix tof-lab-ovs --pmd-cpu 0 \
		--socket-mem 256 >/dev/null
	app_up 1 "$APP_IP" $MAC_APP1
	app_up 2 "$APP2_IP" $MAC_APP2
	fn_up 1
	fn_up 2
	wait_for 10 "function fw1" fn_ready 1
	wait_for 10 "function fw2" fn_ready 2
	wait_for 10 "app1 web server" app_ready 1 "$APP_IP"
	wait_for 10 "app2 web server" app_ready 2 "$APP2_IP"
}

ovs_lab_down() {
	local c
	for c in $LAB_CONTAINERS; do
		podman container exists "$c" 2>/dev/null && podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	[ -d "$OVS_RUN" ] && "$OVS_SH" stop --rundir "$OVS_RUN" --file-prefix tof-lab-ovs --clean
	return 0
}

dpdk_app_up() {
	hugepages_up
	"$IMAGES" dpdk-app
	mkdir -p "$OVS_RUN/vhu"
	# the app serves the socket; its lcores share the cores with OVS and
	# tofd (a lab, not a benchmark)
	ctr_run tof-lab-dpdk localhost/tof-dpdk-app:lab --privileged -v /dev/hugepages:/dev/hugepages \
		-v "$OVS_RUN/vhu:$OVS_RUN/vhu" -e APP_SOCKET="$OVS_RUN/vhu/dpdk0.sock" \
		-e APP_MAC=$MAC_DPDK_APP -e APP_LCORES=0-1 -e APP_MEM_MB=128 -e APP_STATS_S=60
	"$ATTACH" add-vhost $OVS_BRIDGE dpdk0 --rundir "$OVS_RUN" --socket "$OVS_RUN/vhu/dpdk0.sock"
	wait_for 20 "DPDK app on dpdk0" dpdk_app_ready
}

# OVS connected, and testpmd past its set-up (it forwards from then on)
dpdk_app_ready() {
	[ "$("$OVS_SH" vsctl --rundir "$OVS_RUN" get Interface dpdk0 link_state)" = up ] &&
		podman logs tof-lab-dpdk 2>&1 | grep "start packet forwarding" >/dev/null
}

dpdk_app_down() {
	"$ATTACH" del-port $OVS_BRIDGE dpdk0 --rundir "$OVS_RUN"
	podman rm -f -t 0 tof-lab-dpdk >/dev/null 2>&1 || true
	rm -rf /var/run/dpdk/tof-dpdk-app
}

# The tofd config's apps side with OVS: tofd's port on br-tof, the chain of
# the two functions, the service through it to app1. DPDK mode: tof0 is a
# vhost-user port; kernel mode (ovs_tofd_config kernel): tof0 is the OVS end
# of tofd's veth, apps0 tofd's end.
ovs_tofd_config() {
	if [ "${1:-}" = kernel ]; then
		cat <<EOF
 "dataplane": "kernel",
 "kernel": {"enb": "s1-enb", "sgw": "s1-sgw", "apps": "apps0", "bridge": "br-s1", "queues": [0, 1]},
 "ovs": {"db": "unix:$OVS_RUN/db.sock", "bridge": "$OVS_BRIDGE", "port": "tof0"},
EOF
	else
		cat <<EOF
 "eal": ["-l", "0-1", "--no-pci", "-m", "256", "--file-prefix", "tof-lab"],
 "ports": {"enb": "net_af_packet0,iface=s1-enb", "sgw": "net_af_packet1,iface=s1-sgw"},
 "ovs": {"db": "unix:$OVS_RUN/db.sock", "bridge": "$OVS_BRIDGE", "port": "tof0",
         "socket": "$OVS_RUN/tof0.sock"},
EOF
	fi
	cat <<EOF
 "chains": [{"name": "fw", "hops": [{"ingress": "fw1-in", "egress": "fw1-out"},
                                    {"ingress": "fw2-in", "egress": "fw2-out"}]}],
 "services": [{"name": "cache", "serviceIP": "$SERVICE_IP", "applicationIP": "$APP_IP",
               "chain": "fw", "applicationPort": "app1"}],
EOF
}
