#!/bin/sh
# The runtime root of the TOF image: tofd, the shared libraries it and the
# DPDK drivers it may load need (from ldd), and the few files it reads, on
# an otherwise empty tree. Runs in the image's build stage.
#
#   slim-root.sh TOFD ROOT [PMD_LIST]
#
# PMD_LIST names the DPDK drivers to ship, one per line (default: pmds.txt
# beside this script). EAL loads every library in its driver directory and
# refuses to start if one cannot be loaded, so each shipped driver brings
# its own dependencies too; drivers not listed are left out.
set -eu
tofd=$1 root=$2
list=${3:-$(dirname "$0")/pmds.txt}
[ -x "$tofd" ] || { echo "slim-root: $tofd is not an executable"; exit 1; }
[ -r "$list" ] || { echo "slim-root: no driver list $list"; exit 1; }

mkdir -p "$root"
# Debian's merged /usr: the loader and ldd's paths go through these links.
mkdir -p "$root/usr/bin" "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib64"
ln -sfn usr/bin "$root/bin"
ln -sfn usr/lib "$root/lib"
ln -sfn usr/lib64 "$root/lib64"

# copy_file PATH: PATH into the root at the same place, and when it is a
# symlink the link and what it points to, so a library reached by two names
# stays one file (EAL would otherwise load a driver twice and abort).
copy_file() {
	local dir name target
	dir=$(cd "$(dirname "$1")" && pwd -P)
	name=$(basename "$1")
	if [ -e "$root$dir/$name" ] || [ -L "$root$dir/$name" ]; then
		return 0
	fi
	mkdir -p "$root$dir"
	if [ -L "$dir/$name" ]; then
		target=$(readlink "$dir/$name")
		ln -s "$target" "$root$dir/$name"
		case $target in
		/*) copy_file "$target" ;;
		*) copy_file "$dir/$target" ;;
		esac
	else
		cp "$dir/$name" "$root$dir/$name"
	fi
}

# copy_deps FILE: every library ldd resolves for FILE, and the loader.
copy_deps() {
	out=$(ldd "$1") || { echo "slim-root: ldd $1 failed"; exit 1; }
	if echo "$out" | grep -q "not found"; then
		echo "slim-root: $1 needs a library that is not installed:"
		echo "$out" | grep "not found"
		exit 1
	fi
	echo "$out" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		copy_file "$lib"
	done
}

install -m 0755 "$tofd" "$root/usr/bin/tofd"
copy_deps "$tofd"
# The loader where the ELF interpreter field points.
copy_file /lib64/ld-linux-x86-64.so.2
# glibc loads libgcc_s itself when a thread is cancelled (DPDK, libmicrohttpd
# at stop); ldd cannot see that.
copy_file "$(ldconfig -p | awk '$1 == "libgcc_s.so.1" && /x86-64/ { print $NF; exit }')"

# DPDK drivers: EAL's plugin directory holds them; ship only the listed ones.
pmddir=$(ls -d /usr/lib/*/dpdk/pmds-* 2>/dev/null | head -1)
[ -n "$pmddir" ] || { echo "slim-root: no DPDK driver directory"; exit 1; }
mkdir -p "$root$pmddir"
n=0
sed 's/#.*//' "$list" | while read -r drv; do
	[ -n "$drv" ] || continue
	set -- "$pmddir/librte_$drv.so".*
	[ -e "$1" ] || { echo "slim-root: no DPDK driver $drv in $pmddir"; exit 1; }
	# the .so.N symlink and its file: EAL loads names ending in .so.ABI
	for f in "$pmddir/librte_$drv.so".*; do
		copy_file "$f"
		[ -L "$f" ] || copy_deps "$f"
	done
done
# Programs the af_xdp driver's libxdp loads at run time.
for d in /usr/lib/*/bpf; do
	[ -d "$d" ] || continue
	mkdir -p "$root$d"
	cp "$d"/xdp-dispatcher.o "$d"/xsk_def_xdp_prog*.o "$root$d/" 2>/dev/null || true
done

# The files tofd reads besides its config: none it cannot do without, but
# user and group names for tools that show them, and the places the
# deployment mounts (config, state, hugepages) and DPDK writes (/run).
mkdir -p "$root/etc/tof" "$root/var/lib/tof" "$root/run" "$root/tmp" "$root/dev/hugepages" \
	"$root/proc" "$root/sys" "$root/var/run"
rmdir "$root/var/run"
ln -sfn ../run "$root/var/run"
chmod 1777 "$root/tmp"
# uid 65532 "tof": the image's default user; tofd run with DPDK needs root
chown 65532:65532 "$root/var/lib/tof"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\ntof:x:65532:65532:tof:/var/lib/tof:/usr/sbin/nologin\n' \
	>"$root/etc/passwd"
printf 'root:x:0:\ntof:x:65532:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
echo "slim-root: $(find "$root" -type f | wc -l) files, $(du -sh "$root" | cut -f1)"
