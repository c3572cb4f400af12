#!/bin/sh
# make image: build localhost/tof:VERSION and localhost/tof:latest from
# deploy/Containerfile with podman, on the Debian 12 base image
# (base-image.sh), and print the image size. Cheap when nothing changed: the
# image carries a hash of its inputs (the sources, the Containerfile, the
# base image) and is only rebuilt when that hash changes; a rebuild reuses
# podman's layer cache (the apt step only reruns when the base changes).
#
#   build.sh [--force] [--tag]
#       --tag: print the image's content tag (IMAGE:src-HASH) last, for
#       tests: it names these inputs' image even if another tree's build
#       moves :latest meanwhile.
#   TOF_IMAGE (default localhost/tof) names the image, TOF_BASE_IMAGE
#   (default localhost/tof-base:bookworm) its Debian 12 base.
set -eu
force=0 print_tag=0
for a; do
	case $a in
	--force) force=1 ;;
	--tag) print_tag=1 ;;
	*) echo "usage: build.sh [--force] [--tag]"; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"
version=$(sed -n 's/^#define TOF_VERSION "\(.*\)"$/\1/p' tof/version.h)
[ -n "$version" ] || { echo "image: no TOF_VERSION in tof/version.h"; exit 1; }
image=${TOF_IMAGE:-localhost/tof}
base=${TOF_BASE_IMAGE:-localhost/tof-base:bookworm}

# localhost/...: made here (debootstrap + podman import); anything else is
# a registry's image (e.g. docker.io/library/debian:bookworm-slim), pulled.
case $base in
localhost/*) "$here/base-image.sh" "$base" >/dev/null ;;
*) podman image exists "$base" || podman pull -q "$base" >/dev/null ;;
esac
# One image build at a time on this machine (tags are shared).
exec 7>/run/tof-image.lock
flock 7

# The build context: only what the Containerfile copies, as git would
# check it out (tracked and new files; nothing ignored, no build output).
ctx=$(mktemp -d /var/tmp/tof-image-ctx.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
inputs="Makefile gtp pinger api tof deploy/Containerfile deploy/image"
if git rev-parse --git-dir >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	git ls-files -z --cached --others --exclude-standard -- $inputs |
		xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
		tar -c --null -T - | tar -C "$ctx" -x
else
	# shellcheck disable=SC2086
	tar -c --exclude='*.o' --exclude='*.d' $inputs | tar -C "$ctx" -x
fi
base_id=$(podman image inspect --format '{{.Id}}' "$base")
hash=$( (cd "$ctx" && find . -type f | LC_ALL=C sort | xargs sha256sum; echo "$base_id") |
	sha256sum | cut -c1-16)

size_of() {
	podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB", $1 / 1000000 }'
}
id_of() {
	podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true
}
# IMAGE:src-HASH always means the image of these inputs; VERSION and latest
# point at the last tree built here.
src_tag=$image:src-$hash
if [ "$force" = 0 ] && podman image exists "$src_tag"; then
	if [ "$(id_of "$image:$version")" != "$(id_of "$src_tag")" ] ||
		[ "$(id_of "$image:latest")" != "$(id_of "$src_tag")" ]; then
		podman tag "$src_tag" "$image:$version" "$image:latest"
	fi
	echo "image: $image:$version is up to date (inputs $hash), $(size_of "$src_tag")"
	[ "$print_tag" = 1 ] && echo "$src_tag"
	exit 0
fi

echo "image: building $image:$version from deploy/Containerfile on $base (inputs $hash)"
podman build --format docker --layers \
	--build-arg BASE="$base" \
	--label org.tof.inputs="$hash" --label org.tof.version="$version" \
	--label org.opencontainers.image.title=tof \
	--label org.opencontainers.image.version="$version" \
	-f "$ctx/deploy/Containerfile" -t "$src_tag" -t "$image:$version" -t "$image:latest" "$ctx" \
	>"$ctx.log" 2>&1 || { tail -40 "$ctx.log"; rm -f "$ctx.log"; echo "image: build failed"; exit 1; }
rm -f "$ctx.log"
# Keep the last few trees' images (other work trees on this machine may be
# testing theirs); older ones go, with their layers once nothing names them.
# (podman lists the newest first)
podman images --format '{{.Tag}}' --filter "reference=$image:src-*" --sort created |
	tail -n +5 | while read -r old; do
	id=$(id_of "$image:$old")
	podman untag "$id" "$image:$old" >/dev/null 2>&1 || true
	[ -z "$(podman image inspect --format '{{join .RepoTags ""}}' "$id" 2>/dev/null)" ] &&
		podman rmi "$id" >/dev/null 2>&1 || true
done
echo "image: $image:$version and $image:latest, $(size_of "$src_tag")"
[ "$print_tag" = 1 ] && echo "$src_tag"
exit 0
