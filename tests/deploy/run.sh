#!/bin/sh
# The deployment files, checked by real validators (no cluster needed):
#  - deploy/k8s/*.yaml against the Kubernetes schemas (kubernetes-models,
#    strict about unknown fields) and deploy/compose.yaml against the
#    Compose Specification's schema: tests/deploy/validate.mjs;
#  - broken copies of them must be rejected (the validator really checks);
#  - the tofd configs they carry load (tofd --check-config);
#  - deploy/systemd/tof.service by systemd-analyze verify, and a broken
#    copy must draw its complaints.
# Prints "N passed, N failed". Needs node_modules (npm ci) and build/tofd.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOFD=${TOFD:-build/tofd}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | tail -20; }

validate() { node tests/deploy/validate.mjs "$@"; }

# --- the shipped manifests ---
for f in deploy/k8s/*.yaml deploy/compose.yaml; do
	if validate "$f" >"$tmp/out" 2>&1; then pass "valid: $f"; else fail "valid: $f" "$tmp/out"; fi
done

# --- broken copies: each must be rejected, for the reason given ---
# reject NAME FILE WANT_IN_MESSAGE: FILE fails validation mentioning WANT.
reject() {
	if validate "$2" >"$tmp/out" 2>&1; then
		fail "rejected: $1 (the validator accepted it)" "$tmp/out"
	elif grep -q -- "$3" "$tmp/out"; then
		pass "rejected: $1"
	else
		fail "rejected: $1 (but not for \"$3\")" "$tmp/out"
	fi
}
ds=deploy/k8s/daemonset.yaml
sed 's/hostNetwork: true/hostNetwrok: true/' $ds >"$tmp/typo.yaml"
reject "DaemonSet with a misspelt field (hostNetwrok)" "$tmp/typo.yaml" "unknown field /spec/template/spec/hostNetwrok"
sed 's/- name: tofd$/- name: 42/' $ds >"$tmp/type.yaml"
reject "DaemonSet container name not a string" "$tmp/type.yaml" "containers/0/name must be string"
sed '/^  selector:$/,/^  updateStrategy:$/{/^  updateStrategy:$/!d}' $ds >"$tmp/nosel.yaml"
reject "DaemonSet without a selector" "$tmp/nosel.yaml" "must have required property selector"
sed 's/protocol: TCP/protocol: TCPP/' $ds >"$tmp/enum.yaml"
reject "DaemonSet port protocol not TCP/UDP/SCTP" "$tmp/enum.yaml" "protocol"
sed 's/periodSeconds: 10/periodSeconds: ten/' $ds >"$tmp/int.yaml"
reject "liveness periodSeconds not an integer" "$tmp/int.yaml" "periodSeconds must be integer"
sed 's/^kind: DaemonSet/kind: DaemonSett/' $ds >"$tmp/kind.yaml"
reject "unknown kind" "$tmp/kind.yaml" "unknown apiVersion/kind"
sed 's/  tof.json: |/  tof.json:\n    - not a string/; /^    [{}" ]/d' deploy/k8s/configmap.yaml >"$tmp/cm.yaml"
reject "ConfigMap data value not a string" "$tmp/cm.yaml" "must be string"
sed 's/^    cap_add: \[NET_ADMIN, NET_RAW, IPC_LOCK, SYS_NICE\]/    cap_add: NET_ADMIN/' deploy/compose.yaml >"$tmp/compose-caps.yaml"
reject "compose cap_add not a list" "$tmp/compose-caps.yaml" "cap_add must be array"
sed 's/network_mode: host/network-mode: host/' deploy/compose.yaml >"$tmp/compose-key.yaml"
reject "compose service with a misspelt key (network-mode)" "$tmp/compose-key.yaml" "network-mode"
sed 's/interval: 15s/interval: 15 seconds/' deploy/compose.yaml >"$tmp/compose-duration.yaml"
reject "compose healthcheck interval not a duration" "$tmp/compose-duration.yaml" "duration"

# --- the configs they carry load as tofd run would load them ---
printf 'a-token-of-test-only-0123456789\n' >"$tmp/token"
mkdir -p "$tmp/state"
check_config() { # NAME JSON_FILE
	sed -e "s#/run/secrets/tof/token#$tmp/token#" -e "s#/var/lib/tof/#$tmp/state/#" "$2" >"$tmp/cfg.json"
	if "$TOFD" --check-config "$tmp/cfg.json" >"$tmp/out" 2>&1; then pass "$1"; else fail "$1" "$tmp/out"; fi
}
node -e 'const Y=require("yaml"),fs=require("fs");
  process.stdout.write(Y.parse(fs.readFileSync("deploy/k8s/configmap.yaml","utf8")).data["tof.json"])' \
	>"$tmp/cm.json" 2>"$tmp/out" || fail "ConfigMap: tof.json extracted" "$tmp/out"
check_config "ConfigMap's tof.json passes tofd --check-config" "$tmp/cm.json"
check_config "deploy/etc/tof.json passes tofd --check-config" deploy/etc/tof.json
sed 's/"mode": "dual"/"mode": "duall"/' deploy/etc/tof.json >"$tmp/bad.json"
"$TOFD" --check-config "$tmp/bad.json" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q '"mode"' "$tmp/out"; then pass "a bad config: exit 2, the field named"
else fail "a bad config: exit 2, the field named (got $rc)" "$tmp/out"; fi

# --- the systemd unit ---
if ! command -v systemd-analyze >/dev/null; then
	fail "systemd-analyze is installed (Debian: systemd)"
else
	mkdir -p "$tmp/unit" "$tmp/badunit"
	cp deploy/systemd/tof.service "$tmp/unit/tof.service"
	if systemd-analyze verify "$tmp/unit/tof.service" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
		pass "systemd-analyze verify tof.service: clean"
	else
		fail "systemd-analyze verify tof.service: clean" "$tmp/out"
	fi
	sed -e 's/^RestartSec=5/RestartSecs=5/' -e 's/^Restart=on-failure/Restart=on-failur/' \
		deploy/systemd/tof.service >"$tmp/badunit/tof.service"
	systemd-analyze verify "$tmp/badunit/tof.service" >"$tmp/out" 2>&1
	if grep -q "RestartSecs" "$tmp/out" && grep -q "on-failur" "$tmp/out"; then
		pass "systemd-analyze verify: a broken unit draws complaints"
	else
		fail "systemd-analyze verify: a broken unit draws complaints" "$tmp/out"
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
