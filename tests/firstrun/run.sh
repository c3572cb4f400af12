#!/bin/sh
# First run on a fresh machine: `make demo` must build a tofd linked with
# every library even when pkg-config knows none of them until `make deps`
# has installed them. Simulated on a clean export of the tree with shims in
# PATH: dpkg-query says every package is missing and pkg-config knows
# nothing until the shim apt-get has "installed" (touched a marker); then
# both defer to the real tools. The demo itself is replaced by `true`.
# Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { # check NAME CMD...
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok   $name";
	else failed=$((failed + 1)); echo "FAIL $name"; fi
}

mkdir -p "$tmp/bin" "$tmp/src"
marker=$tmp/installed log=$tmp/calls.log
real_pc=$(command -v pkg-config)
cat >"$tmp/bin/pkg-config" <<SH
#!/bin/sh
if [ -e "$marker" ]; then echo "pkg-config ok \$*" >>"$log"; exec "$real_pc" "\$@"; fi
echo "pkg-config missing \$*" >>"$log"
exit 1
SH
cat >"$tmp/bin/dpkg-query" <<SH
#!/bin/sh
[ -e "$marker" ] && exec /usr/bin/dpkg-query "\$@"
exit 1
SH
cat >"$tmp/bin/apt-get" <<SH
#!/bin/sh
echo "apt-get \$*" >>"$log"
case " \$* " in *" install "*) touch "$marker" ;; esac
exit 0
SH
chmod +x "$tmp/bin/"*

# A clean tree: what git tracks, plus the work tree's changes.
git ls-files -z --cached --others --exclude-standard | \
	(cd "$top" && xargs -0 tar -c 2>/dev/null) | tar -C "$tmp/src" -x

PATH="$tmp/bin:$PATH" make -C "$tmp/src" DEMO_RUN=true demo >"$tmp/make.log" 2>&1
rc=$?
tofd=$tmp/src/build/tofd
check "make demo succeeds on the first run" test "$rc" -eq 0
check "deps ran apt-get install" grep -q '^apt-get .*install' "$log"
check "pkg-config was asked only after deps for the build" \
	sh -c "awk '/^apt-get .*install/{i=1} /^pkg-config ok/&&!i{bad=1} END{exit bad}' '$log'"
for lib in libjansson libmicrohttpd libpcap librte_ethdev; do
	check "tofd links $lib" sh -c "ldd '$tofd' | grep -q $lib"
done
check "tofd runs" sh -c "'$tofd' --version"
if [ "$failed" -ne 0 ]; then tail -30 "$tmp/make.log"; cat "$log"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
