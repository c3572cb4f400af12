#!/bin/sh
# The lab's container images, built here from the base image (no registry):
#   localhost/tof-app:lab       an edge app (web server)
#   localhost/tof-nft-fn:lab    a transparent function (bridge + nftables counters)
#   localhost/tof-dpdk-app:lab  a DPDK app on a vhost-user port (dpdk-testpmd)
#
#   build.sh [--force] [app|nft-fn|dpdk-app ...]    default: all
#
# Idempotent: an image is rebuilt only when its Containerfile or scripts
# changed (a label holds their hash). The packages come from Debian's
# mirror through apt inside the build.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
force=0
[ "${1:-}" = "--force" ] && { force=1; shift; }
names=${*:-app nft-fn dpdk-app}
"$here/../../image/base-image.sh" >/dev/null
# One builder at a time (tests and the demo may ask at once).
exec 8>/run/tof-ovs-images.lock
flock 8
for n in $names; do
	file=$here/Containerfile.$n
	[ -f "$file" ] || { echo "images: no $file"; exit 2; }
	image=localhost/tof-$n:lab
	hash=$(cat "$file" "$here"/*.sh | sha256sum | cut -c1-16)
	have=$(podman image inspect --format '{{index .Labels "tof.hash"}}' "$image" 2>/dev/null || true)
	if [ "$force" = 0 ] && [ "$have" = "$hash" ]; then
		continue
	fi
	echo "images: building $image"
	if ! podman build -q --network host --label "tof.hash=$hash" -f "$file" -t "$image" "$here" \
		>/tmp/tof-image-$n.log 2>&1; then
		tail -20 /tmp/tof-image-$n.log
		echo "images: $image failed to build (log above)"
		exit 1
	fi
	rm -f /tmp/tof-image-$n.log
done
