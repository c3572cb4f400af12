#!/bin/sh
# The Debian 12 base image every TOF image builds on, made here without a
# registry: `debootstrap --variant=minbase bookworm` into a directory, then
# `podman import`. Idempotent: an existing image is kept unless --force.
#
#   base-image.sh [--force] [IMAGE]     default IMAGE localhost/tof-base:bookworm
#
# The mirror is Debian's (TOF_DEBIAN_MIRROR overrides). With a registry at
# hand, `FROM docker.io/library/debian:bookworm-slim` does the same job.
set -eu
force=0
[ "${1:-}" = "--force" ] && { force=1; shift; }
image=${1:-localhost/tof-base:bookworm}
mirror=${TOF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)

"$here/podman-setup.sh"
if [ "$force" = 0 ] && podman image exists "$image"; then
	echo "base-image: $image exists"
	exit 0
fi
command -v debootstrap >/dev/null || { echo "base-image: debootstrap is missing (make deps)"; exit 1; }
# One builder at a time: two tests may want the base at once.
exec 8>/run/tof-base-image.lock
flock 8
if [ "$force" = 0 ] && podman image exists "$image"; then
	echo "base-image: $image exists"
	exit 0
fi
dir=$(mktemp -d /var/tmp/tof-rootfs.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "base-image: debootstrap --variant=minbase bookworm (about half a minute)"
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || {
	tail -20 "$dir.log"; rm -f "$dir.log"; echo "base-image: debootstrap failed"; exit 1; }
rm -f "$dir.log"
# Nothing of apt's caches in the image.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
tar -C "$dir" -c . | podman import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "base-image: $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
