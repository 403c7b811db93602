#!/usr/bin/env bash
# `maestro plan`, `plans` and `show` end to end (docs/cmd-plan.md): the
# text form written by hand, --json equal to the golden plan of the same
# case (tests/golden/plans/chain-offline.expected.json, itself checked by
# check-plan.py), exit statuses, nothing stored on refusal, read-only
# commands creating nothing, a damaged database and an unobservable ship.
# usage: plan.sh MAESTRO SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
gp=$root/tests/golden/plans
db=$tmp/state/s.db
mkdir -p "$tmp/state"

run() { # expected exit, args...
  local want=$1; shift
  "$maestro" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $*: exit $rc, expected $want"; cat "$tmp/err"; fail=1; return 1
  fi
}
nplans() { "$maestro" --state "$db" plans --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["plans"]))'; }

# the text form
cat >"$tmp/want" <<'TXT'
plan 1  7c8a83567d77  environment 'chain'  stop app --expand-services --offline
steps: 2, stop 2
ships: ship1 1, ship2 1
drift: 0, orphans: 0, unmanaged: 0

#  KIND  SHIP   CONTAINER  WAITS FOR  WHAT
1  stop  ship1  app-1      -          timeout 10s
2  stop  ship2  app-2      -          timeout 10s
TXT
run 0 -f "$gp/chain.yaml" --state "$db" plan stop app -s --offline &&
  { diff -u "$tmp/want" "$tmp/out" || { echo "FAIL text form"; fail=1; }; }
[ "$(stat -c %a "$db")" = 600 ] || { echo "FAIL database mode"; fail=1; }

# --json is the golden document, with a number and times
run 0 -f "$gp/chain.yaml" --state "$db" plan start --offline --json &&
python3 - "$tmp/out" "$gp/chain-offline.expected.json" <<'PY' || { echo "FAIL --json"; fail=1; }
import json, sys, re
got = json.load(open(sys.argv[1])); want = json.load(open(sys.argv[2]))["plan"]
assert got["plan"] == 2, got["plan"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got["created_at"])
assert "@" in got["created_by"]
assert got["args"] == ["--offline"]
for k in ("plan", "created_at", "created_by", "args"):
    got.pop(k); want.pop(k)
assert got == want
PY

# show: the stored plan again, every step pending
run 0 --state "$db" show 2 --json &&
python3 - "$tmp/out" <<'PY' || { echo "FAIL show --json"; fail=1; }
import json, sys
p = json.load(open(sys.argv[1]))
assert p["plan"] == 2 and len(p["steps"]) == 18
assert {s["status"] for s in p["steps"]} == {"pending"}
PY
run 0 --state "$db" show 1 &&
  { grep -q 'STATUS' "$tmp/out" && grep -q 'pending$' "$tmp/out" || { echo "FAIL show text"; fail=1; }; }
run 0 --state "$db" show 1 --dot &&
  { grep -q 's1 \[label="1 stop' "$tmp/out" || { echo "FAIL show --dot"; fail=1; }; }
run 1 --state "$db" show 9
run 2 --state "$db" show x
run 0 --state "$db" plans && { [ "$(grep -c 'never applied' "$tmp/out")" = 2 ] || { echo "FAIL plans"; fail=1; }; }

# refusals store nothing
run 2 -f "$gp/chain.yaml" --state "$db" plan start wbe --offline
grep -q "'wbe' is neither a service nor a container" "$tmp/err" || { echo "FAIL unknown thing message"; fail=1; }
run 2 -f "$gp/chain.yaml" --state "$db" plan stop --offline
grep -q "no services or containers specified for stop, and --all not set" "$tmp/err" || { echo "FAIL stop without --all"; fail=1; }
run 2 -f "$gp/chain.yaml" --state "$db" plan start -r --reuse --offline
run 2 -f "$gp/chain.yaml" --state "$db" plan sart --offline
run 2 -f "$gp/chain.yaml" --state "$db" plan start --batch 2 --offline
[ "$(nplans)" = 2 ] || { echo "FAIL a refused plan was stored"; fail=1; }

# a ship that cannot be observed: exit 1 naming it, nothing stored
cat >"$tmp/gone.yaml" <<YAML
__maestro: {schema: 2}
name: gone
ships:
  nowhere: {ip: 127.0.0.1, socket_path: $tmp/no.sock}
services:
  s: {image: tiny:1, instances: {s-1: {ship: nowhere}}}
YAML
run 1 -f "$tmp/gone.yaml" --state "$db" plan start
grep -q "ship 'nowhere' could not be observed" "$tmp/err" || { echo "FAIL unobservable message"; cat "$tmp/err"; fail=1; }
run 0 -f "$tmp/gone.yaml" --state "$db" plan start --offline
[ "$(nplans)" = 3 ] || { echo "FAIL plans after the offline one"; fail=1; }

# read-only commands create nothing
mkdir "$tmp/empty"
( cd "$tmp/empty" && "$maestro" plans >/dev/null 2>&1 ) || { echo "FAIL plans without a database"; fail=1; }
[ ! -e "$tmp/empty/.maestro" ] || { echo "FAIL plans created .maestro"; fail=1; }

# a file that is not a database: exit 4 naming it
echo "not a database, not at all, really not" >"$tmp/bad.db"
run 4 -f "$gp/chain.yaml" --state "$tmp/bad.db" plan start --offline
grep -q "$tmp/bad.db" "$tmp/err" || { echo "FAIL bad database message"; cat "$tmp/err"; fail=1; }
run 4 --state "$tmp/bad.db" plans

# the default location: .maestro/ beside the description
cp "$gp/chain.yaml" "$tmp/empty/m.yaml"
run 0 -f "$tmp/empty/m.yaml" plan kill -a --offline
[ "$(stat -c %a "$tmp/empty/.maestro")" = 700 ] && [ -f "$tmp/empty/.maestro/state.db" ] ||
  { echo "FAIL default location"; fail=1; }

# the record of the flags parses back to what was asked (a delay kept
# exact, not "%g"'s six digits)
run 0 -f "$gp/chain.yaml" --state "$db" plan restart app -s --offline --json \
    --step-delay 1234.567 --stop-start-delay=0.05 --batch 25% -C 'app-*' &&
python3 - "$tmp/out" <<'PY' || { echo "FAIL args of restart"; fail=1; }
import json, sys
got = json.load(open(sys.argv[1]))["args"]
want = ["app", "--container-filter=app-*", "--expand-services",
        "--step-delay=1234.567", "--stop-start-delay=0.05", "--batch=25%",
        "--offline"]
assert got == want, got
PY

# plans --prune KEEP: all but the newest KEEP of each environment go, the
# numbers of the rest stay; a missing database is not created
pdb=$tmp/prune/p.db
mkdir -p "$tmp/prune"
for a in "start" "stop -a" "kill -a"; do
  # shellcheck disable=SC2086
  run 0 -f "$gp/chain.yaml" --state "$pdb" plan $a --offline
done
run 0 -f "$tmp/gone.yaml" --state "$pdb" plan start --offline
run 0 -f "$tmp/gone.yaml" --state "$pdb" plan stop -a --offline
run 0 --state "$pdb" plans --prune 1 && { [ "$(cat "$tmp/out")" = "pruned 3 plans" ] || { echo "FAIL prune output: $(cat "$tmp/out")"; fail=1; }; }
run 0 --state "$pdb" plans --json && python3 - "$tmp/out" <<'PY' || { echo "FAIL plans after prune"; fail=1; }
import json, sys
got = [(p["plan"], p["environment"], p["action"]) for p in json.load(open(sys.argv[1]))["plans"]]
assert got == [(3, "chain", "kill"), (5, "gone", "stop")], got
PY
run 0 --state "$pdb" plans --prune 1 --json && python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"pruned": 0}' "$tmp/out" \
  || { echo "FAIL prune --json"; fail=1; }
run 2 --state "$pdb" plans --prune x
grep -q "option '--prune' needs a whole number" "$tmp/err" || { echo "FAIL prune usage"; cat "$tmp/err"; fail=1; }
run 0 --state "$tmp/prune/none.db" plans --prune 0
[ ! -e "$tmp/prune/none.db" ] || { echo "FAIL prune created a database"; fail=1; }
run 4 --state "$tmp/bad.db" plans --prune 0

exit $fail
