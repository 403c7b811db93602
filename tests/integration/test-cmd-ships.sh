#!/usr/bin/env bash
# `maestro ships` against the test fleet: every ship reachable over its
# transport, versions and counts as the daemons themselves report them
# (asked with curl), a dead ship making the exit status 1 with a clear
# reason, all ships probed at once.  Needs MAESTRO (the binary) and the
# fleet's variables (tests/fleet/fleet run).
set -euo pipefail
: "${MAESTRO:?MAESTRO must name the maestro binary}" "${SHIP1_SOCK:?run under tests/fleet/fleet run}"
work=$(mktemp -d)
cleanup() {
  for c in ships-mine ships-other; do
    curl -s --unix-socket "$SHIP1_SOCK" -X DELETE "http://d/v1.41/containers/$c?force=1" >/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

tcp=0 tls=0
for n in $(seq "$FLEET_SHIPS"); do
  k=SHIP${n}_KIND
  [ "${!k}" = tcp ] && [ $tcp = 0 ] && tcp=$n
  [ "${!k}" = tls ] && [ $tls = 0 ] && tls=$n
done
shipip() { local v=SHIP$1_IP; echo "${!v}"; }
var() { local v=SHIP$1_$2; echo "${!v}"; }

# the oracle: what the daemon says about itself
want_version=$(curl -s --unix-socket "$SHIP1_SOCK" http://d/version | jq -r .Version)
[ -n "$want_version" ] || fail "no version from ship1"
# one container of this environment on ship1 (and one of another)
mk() {
  curl -sf --unix-socket "$SHIP1_SOCK" -X POST -H 'Content-Type: application/json' \
    -d "{\"Image\":\"tiny:1\",\"Cmd\":[\"true\"],\"Labels\":{\"maestro.environment\":\"$2\"}}" \
    "http://d/v1.41/containers/create?name=$1" >/dev/null
}
mk ships-mine fleetcheck
mk ships-other someone-else
total=$(curl -s --unix-socket "$SHIP1_SOCK" http://d/v1.41/info | jq .Containers)

cat >"$work/maestro.yaml" <<YAML
__maestro: {schema: 2}
name: fleetcheck
ships:
  local: {ip: $(shipip 1), socket_path: $SHIP1_SOCK}
  plain: {ip: $(shipip $tcp), timeout: 3}
  secure:
    ip: $(shipip $tls)
    tls: true
    tls_verify: true
    tls_ca_cert: $(var $tls TLS_CA)
    tls_cert: $(var $tls TLS_CERT)
    tls_key: $(var $tls TLS_KEY)
services: {}
YAML

cd "$work"
"$MAESTRO" ships --json >out.json 2>err.txt || fail "exit $? with all ships up: $(cat err.txt)"
jq -e '.ships | length == 3' out.json >/dev/null || fail "not 3 ships: $(cat out.json)"
jq -e --arg v "$want_version" '[.ships[] | .reachable and .error == null and .docker_version == $v and .api_version == "1.41"] | all' \
  out.json >/dev/null || fail "versions: $(cat out.json)"
jq -e '[.ships[] | .transport] == ["unix", "tcp", "tls"]' out.json >/dev/null || fail "transports: $(cat out.json)"
jq -e --arg sock "unix://$SHIP1_SOCK" --arg tls "https://$(shipip $tls):2376" \
  '.ships[0].endpoint == $sock and .ships[2].endpoint == $tls' out.json >/dev/null ||
  fail "endpoints: $(cat out.json)"
jq -e --argjson t "$total" '.ships[0].containers == 1 and .ships[0].containers_total == $t' \
  out.json >/dev/null || fail "counts: $(cat out.json)"
"$MAESTRO" ships >table.txt 2>&1 || fail "table: exit $?"
grep -q '^local  *unix .* reachable ' table.txt || fail "table: $(cat table.txt)"

# a dead ship (an address on the fleet's bridge that nobody has; a
# permanent neighbour entry so that SYNs vanish rather than fail on ARP)
# and a TLS ship we do not trust: exit 1, each said clearly, in about one
# timeout
ip neigh replace "${FLEET_BRIDGE_IP%.*}.99" lladdr 02:00:00:00:00:99 dev "$FLEET_BRIDGE" nud permanent
sed -i "s|^services: {}|  dead: {ip: ${FLEET_BRIDGE_IP%.*}.99, timeout: 2}\n  untrusted: {ip: $(shipip $tls), tls: true, tls_verify: true, tls_ca_cert: $(var $tls TLS_OTHER_CA), tls_cert: $(var $tls TLS_CERT), tls_key: $(var $tls TLS_KEY)}\nservices: {}|" maestro.yaml
start=$(date +%s%N)
set +e
"$MAESTRO" ships --json >out.json 2>err.txt
rc=$?
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 1 ] || fail "exit $rc with a dead ship"
jq -e '.ships[3] | .name == "dead" and (.reachable | not) and (.error | startswith("dead: unreachable: no connection to "))' \
  out.json >/dev/null || fail "dead: $(cat out.json)"
jq -e '.ships[4] | (.reachable | not) and (.error | startswith("untrusted: ping: TLS: the daemon'"'"'s certificate is not trusted"))' \
  out.json >/dev/null || fail "untrusted: $(cat out.json)"
[ $ms -lt 6000 ] || fail "took $ms ms for a 2 s timeout"
echo "ok: maestro ships ($ms ms with a dead ship of timeout 2 s)"
