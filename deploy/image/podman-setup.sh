#!/bin/sh
# Make podman usable on this host (idempotent, root): runc as the runtime
# and no default ulimits (the crun/ulimit defaults fail in this VM kind).
# Only writes /etc/containers/containers.conf when it does not exist yet.
set -eu
command -v podman >/dev/null || { echo "podman-setup: podman is missing (make deps)"; exit 1; }
conf=/etc/containers/containers.conf
if [ ! -e "$conf" ]; then
	mkdir -p /etc/containers
	cat >"$conf" <<'CONF'
# Written by TOF's deploy/image/podman-setup.sh.
[engine]
runtime = "runc"

[containers]
default_ulimits = []
CONF
	echo "podman-setup: wrote $conf"
fi
