#!/usr/bin/env bash
# `maestro ships` exits 1 when a ship answered _ping and a later call
# failed (malformed JSON or HTML on /version, API 1.12, 401 on /info, an
# error on the container list): the operation failed (INTERFACES.md), and
# the error is printed.  Exit 0 only when every ship answered every call.
# The daemons are tests/cli/hostile-daemon.py on unix sockets.
# usage: ships-exit.sh MAESTRO SOURCE_ROOT
set -u
maestro=$(realpath "$1")
root=$(realpath "$2")
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid"; rm -rf "$tmp"' EXIT
fail=0

python3 "$root/tests/cli/hostile-daemon.py" "$tmp" & pid=$!
for _ in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
[ -e "$tmp/ready" ] || { echo "FAIL: the daemons did not start"; exit 1; }

describe() { # ship-mode...: a description with one ship per mode
  {
    echo "__maestro: {schema: 2}"
    echo "name: half"
    echo "ships:"
    for m in "$@"; do
      echo "  $m: {ip: 127.0.0.1, socket_path: $tmp/$m.sock, timeout: 5}"
    done
    echo "services: {s: {image: x, instances: {s-1: {ship: $1}}}}"
  } >"$tmp/m.yaml"
}

describe good
"$maestro" -f "$tmp/m.yaml" ships >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL good: exit $rc, expected 0"; cat "$tmp/out" "$tmp/err"; fail=1; }

for mode in badjson html old auth list; do
  for json in "" --json; do
    describe good "$mode"
    "$maestro" -f "$tmp/m.yaml" ships $json >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 1 ]; then
      echo "FAIL $mode $json: exit $rc, expected 1"; cat "$tmp/out" "$tmp/err"; fail=1
      continue
    fi
    if [ -z "$json" ]; then
      grep -q "^maestro: error: $mode: " "$tmp/err" ||
        { echo "FAIL $mode: no error printed"; cat "$tmp/err"; fail=1; }
    else
      python3 -c '
import json, sys
s = {x["name"]: x for x in json.load(open(sys.argv[1]))["ships"]}
ok = s[sys.argv[2]]["reachable"] and s[sys.argv[2]]["error"] and not s["good"]["error"]
sys.exit(0 if ok else 1)' "$tmp/out" "$mode" ||
        { echo "FAIL $mode --json: reachable with its error expected"; cat "$tmp/out"; fail=1; }
    fi
  done
done
[ $fail -eq 0 ] && echo "ok: ships exits 1 when a later call fails (5 kinds, table and JSON)"
exit $fail
