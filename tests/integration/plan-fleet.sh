#!/usr/bin/env bash
# `maestro plan start` against a real fleet (FLEET_ID=7, two tcp ships):
# an environment is brought up by hand from `maestro config --json`'s
# create bodies (curl, dependencies first), and `plan start` must then
# have no step.  Then four things are done by hand: a-1 is recreated
# with another environment (an Env value changed, its labels kept as they
# were), a-2 is stopped, b-1 removed, and c-1 replaced by an unlabelled
# container of that name; `plan start` must show exactly those four and
# nothing else: a-1 drifted and replaced (naming Env), a-2 started in
# place, b-1 created, c-1 unmanaged and left running.  Then an orphan is
# shown, and a container of another environment holding a described name
# makes `plan` fail (exit 1, naming it) with nothing stored.
# Runs under tests/fleet/fleet run (MAESTRO names the binary).
set -euo pipefail
: "${MAESTRO:?MAESTRO must name the maestro binary}" "${SHIP2_SOCK:?run under tests/fleet/fleet run}"
work=$(mktemp -d)
names="a-1 a-2 b-1 b-2 c-1 d-1 gone-1"
sock_of() { case $1 in a-1|b-1|c-1|gone-1) echo "$SHIP1_SOCK" ;; *) echo "$SHIP2_SOCK" ;; esac; }
api() { # container method path [json]
  local s; s=$(sock_of "$1")
  if [ $# -ge 4 ]; then
    curl -sf --unix-socket "$s" -X "$2" -H 'Content-Type: application/json' \
      --data-binary "$4" "http://d/v1.41$3"
  else
    curl -sf --unix-socket "$s" -X "$2" "http://d/v1.41$3"
  fi
}
cleanup() {
  for c in $names; do api "$c" DELETE "/containers/$c?force=1&v=1" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$work/m.yaml" <<YAML
__maestro: {schema: 2}
name: planfleet
x-cmd: &cmd sh -c 'trap "exit 0" TERM; while :; do sleep 1; done'
ships:
  ship1: {ip: $SHIP1_IP, docker_port: 2375}
  ship2: {ip: $SHIP2_IP, docker_port: 2375}
services:
  a:
    image: tiny:1
    env: {MODE: normal}
    instances:
      a-1: {ship: ship1, command: *cmd}
      a-2: {ship: ship2, command: *cmd}
  b:
    image: tiny:1
    requires: [a]
    instances:
      b-1: {ship: ship1, command: *cmd}
      b-2: {ship: ship2, command: *cmd}
  c:
    image: tiny:1
    instances:
      c-1: {ship: ship1, command: *cmd}
  d:
    image: tiny:1
    instances:
      d-1: {ship: ship2, command: *cmd}
YAML
m() { "$MAESTRO" -f "$work/m.yaml" --state "$work/s.db" "$@"; }
m config --json >"$work/config.json"
body() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["containers"][sys.argv[2]]["create"]))' "$work/config.json" "$1"; }

# up, by hand, dependencies first
for c in a-1 a-2 b-1 b-2 c-1 d-1; do
  api "$c" POST "/containers/create?name=$c" "$(body "$c")" >/dev/null || fail "create $c"
  api "$c" POST "/containers/$c/start" >/dev/null || fail "start $c"
done

# converged: no step, nothing noted
m plan start --json >"$work/p0.json" || fail "plan on the environment that is up"
python3 - "$work/p0.json" <<'PY' || fail "an environment that is up has steps"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["steps"] == [], [(s["kind"], s["container"]) for s in p["steps"]]
PY
m plan start >"$work/p0.txt"
grep -q '^drift: 0, orphans: 0, unmanaged: 0$' "$work/p0.txt" || { cat "$work/p0.txt"; fail "notes on an environment that is up"; }

# the four changes by hand
python3 - "$work/config.json" >"$work/a1.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["containers"]["a-1"]["create"]
b["Env"] = ["MODE=by-hand" if e == "MODE=normal" else e for e in b["Env"]]
print(json.dumps(b))   # labels, maestro.spec included, kept as they were
PY
old_a1=$(api a-1 GET /containers/a-1/json | jq -r .Id)
api a-1 DELETE "/containers/a-1?force=1" >/dev/null
api a-1 POST "/containers/create?name=a-1" "$(cat "$work/a1.json")" >/dev/null || fail "recreate a-1"
api a-1 POST /containers/a-1/start >/dev/null
new_a1=$(api a-1 GET /containers/a-1/json | jq -r .Id)
api a-2 POST "/containers/a-2/stop?t=5" >/dev/null || fail "stop a-2"
a2=$(api a-2 GET /containers/a-2/json | jq -r .Id)
api b-1 DELETE "/containers/b-1?force=1" >/dev/null || fail "remove b-1"
api c-1 DELETE "/containers/c-1?force=1" >/dev/null
api c-1 POST "/containers/create?name=c-1" \
  '{"Image": "tiny:1", "Cmd": ["sh", "-c", "trap \"exit 0\" TERM; while :; do sleep 1; done"]}' >/dev/null || fail "unlabelled c-1"
api c-1 POST /containers/c-1/start >/dev/null

m plan start --json >"$work/p1.json" || fail "plan after the changes"
m plan start >"$work/p1.txt" || fail "plan (text) after the changes"
python3 - "$work/p1.json" "$new_a1" "$a2" <<'PY' || { cat "$work/p1.txt"; fail "the plan is not exactly the four changes"; }
import json, sys
p = json.load(open(sys.argv[1])); new_a1, a2 = sys.argv[2:4]
steps = p["steps"]
by = {}
for s in steps:
    if s["container"]:
        by.setdefault(s["container"], []).append(s["kind"])
assert set(by) == {"a-1", "a-2", "b-1"}, by
assert by["a-1"] == ["stop", "remove", "create", "start", "check"], by["a-1"]
assert by["a-2"] == ["start", "check"], by["a-2"]
assert by["b-1"] == ["create", "start", "check"], by["b-1"]
n = {s["number"]: s for s in steps}
stop = [s for s in steps if s["container"] == "a-1" and s["kind"] == "stop"][0]
assert stop["precondition"]["id"] == new_a1, stop["precondition"]
start2 = [s for s in steps if s["container"] == "a-2" and s["kind"] == "start"][0]
assert start2["precondition"] == {"state": "stopped", "id": a2, "observed": True}, start2["precondition"]
# b-1 waits for the running checks of both a instances
create_b = [s for s in steps if s["container"] == "b-1" and s["kind"] == "create"][0]
checks = {n[d]["container"] for d in create_b["depends_on"] if n[d]["kind"] == "check"}
assert checks == {"a-1", "a-2"}, create_b["depends_on"]
# the image is on both ships: no pull
assert not [s for s in steps if s["kind"] in ("pull", "wait")]
PY
grep -q '^drift: 1, orphans: 0, unmanaged: 1$' "$work/p1.txt" || { cat "$work/p1.txt"; fail "header counts"; }
grep -q '^  drift     a-1 on ship1: its create body differs: Env MODE' "$work/p1.txt" || { cat "$work/p1.txt"; fail "a-1's drift does not name Env MODE"; }
grep -q '^  unmanaged c-1 on ship1: running, without maestro labels$' "$work/p1.txt" || { cat "$work/p1.txt"; fail "c-1 not shown unmanaged"; }
[ "$(grep -c '^  [a-z]' "$work/p1.txt")" = 2 ] || { cat "$work/p1.txt"; fail "other notes"; }
for c in b-2 d-1; do
  ! grep -q " $c " "$work/p1.txt" || fail "$c appears in the plan"
done
# --recreate-unmanaged replaces c-1 too
m plan start --recreate-unmanaged --json >"$work/p2.json"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert [s["kind"] for s in p["steps"] if s["container"] == "c-1"] == ["stop", "remove", "create", "start", "check"]
' "$work/p2.json" || fail "--recreate-unmanaged"
# an orphan (labelled for this environment, not described) is shown;
# a container of another environment holding d-1's name makes plan fail
api gone-1 POST "/containers/create?name=gone-1" \
  '{"Image": "tiny:1", "Cmd": ["true"], "Labels": {"maestro.environment": "planfleet", "maestro.service": "gone"}}' >/dev/null
m plan start >"$work/p3.txt" || fail "plan with an orphan"
grep -q '^  orphan    gone-1 on ship1: created, service gone$' "$work/p3.txt" || { cat "$work/p3.txt"; fail "orphan not shown"; }
before=$(m plans --json | jq '.plans | length')
api d-1 DELETE "/containers/d-1?force=1" >/dev/null
api d-1 POST "/containers/create?name=d-1" \
  '{"Image": "tiny:1", "Cmd": ["true"], "Labels": {"maestro.environment": "someone-else"}}' >/dev/null
rc=0; m plan start >"$work/p4.txt" 2>"$work/p4.err" || rc=$?
[ "$rc" = 1 ] || fail "a foreign container: exit $rc, expected 1"
grep -q "container 'd-1' on ship 'ship2' belongs to environment 'someone-else'" "$work/p4.err" || { cat "$work/p4.err"; fail "foreign message"; }
[ "$(m plans --json | jq '.plans | length')" = "$before" ] || fail "a refused plan was stored"
echo "ok: converged plan empty; after four changes exactly a-1 (replaced), a-2 (started), b-1 (created), c-1 (unmanaged)"
