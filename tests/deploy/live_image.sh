#!/bin/sh
# tofd FROM THE IMAGE in the live lab: `podman run --network
# ns:/run/netns/tof-tof` with the documented capabilities only (no
# --privileged), on the lab's af_packet ports, between real GTP peers
# (tests/live). The UE reaches the PDN through it and the edge service
# through its offload, the pinger finds a downlink, and a SIGHUP reload
# moves the service without dropping sessions. Prints "N passed, N failed,
# N skipped".
set -u
cd "$(dirname "$0")/../.." || exit 1
# this tree's image by its content tag (built if missing; cheap otherwise)
image=$(deploy/image/build.sh --tag 2>&1 | tail -1)
if ! podman image exists "$image"; then
	echo "tests/deploy/live_image: no image for this tree ($image)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
name=tof-live-$$
# the lab's run dir holds the config tofd.json (lab.sh tofd-config)
run=${TOF_LAB_RUN:-/run/tof-lab}
TOF_LIVE_MIDDLE=tofd TOF_LIVE_TOFD_IN_NS=0 \
TOF_LIVE_TOFD_CMD="podman run --rm --replace --name $name --network ns:/run/netns/tof-tof \
--user 0:0 --cap-drop ALL --cap-add NET_ADMIN,NET_RAW,IPC_LOCK,SYS_NICE \
--volume $run:$run:ro $image run --config {config}" \
	tests/live/run.sh \
	S1Link.test_01_ue_pings_pdn S1Link.test_02_ue_curls_pdn \
	Offload.test_20_service_curl_and_ping Offload.test_22_pinger_finds_the_downlink \
	Offload.test_25_tunnels_learned Offload.test_26_reload_keeps_sessions
rc=$?
podman rm --force --ignore "$name" >/dev/null 2>&1
exit $rc
