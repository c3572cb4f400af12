#!/bin/sh
# Inside the DPDK app container: dpdk-testpmd as a virtio-user server on
# APP_SOCKET (OVS's dpdkvhostuserclient port connects to it), forwarding
# with APP_MODE (default 5tswap: replies by swapping MACs, IPs and ports)
# on lcores APP_LCORES (default 0-1), MAC APP_MAC. --stats-period keeps
# it running without a terminal (until SIGTERM), printing counters.
set -eu
: "${APP_SOCKET:?APP_SOCKET: the vhost-user socket to serve}"
exec dpdk-testpmd -l "${APP_LCORES:-0-1}" --no-pci --single-file-segments -m "${APP_MEM_MB:-256}" \
	--file-prefix "${APP_PREFIX:-tof-dpdk-app}" \
	--vdev "net_virtio_user0,path=$APP_SOCKET,server=1,queues=1${APP_MAC:+,mac=$APP_MAC}" \
	-- --forward-mode="${APP_MODE:-5tswap}" --no-mlockall --auto-start \
	--stats-period "${APP_STATS_S:-30}" ${APP_ARGS:-}
