#!/usr/bin/env bash
# Terminal injection (issue 11 item 14): names from the description and
# strings from a daemon (Version, Docker's error message) reach the
# terminal escaped, one table row per ship, widths bounded; and `ships`
# output that cannot be written is a failure (item 6).  The daemons
# are tests/cli/hostile-daemon.py on unix sockets in a temporary directory.
# usage: escape.sh MAESTRO SOURCE_ROOT
set -u
maestro=$(realpath "$1")
root=$(realpath "$2")
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid"; rm -rf "$tmp"' EXIT
fail=0
ESC=$'\x1b'

start_daemon() {
  rm -f "$tmp/ready"
  python3 "$root/tests/cli/hostile-daemon.py" "$tmp" & pid=$!
  for _ in $(seq 100); do [ -e "$tmp/ready" ] && return; sleep 0.05; done
  echo "FAIL: the hostile daemon did not start"; exit 1
}
stop_daemon() { kill "$pid"; wait "$pid" 2>/dev/null; pid=; }

cat >"$tmp/m.yaml" <<EOT
__maestro: {schema: 2}
name: evil
ships:
  evil: {ip: 127.0.0.1, socket_path: $tmp/evil.sock, timeout: 5}
  err: {ip: 127.0.0.1, socket_path: $tmp/err.sock, timeout: 5}
services:
  s: {image: x, instances: {s-1: {ship: evil}}}
EOT

start_daemon
"$maestro" -f "$tmp/m.yaml" ships >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL ships: exit $rc, expected 1 (err is unreachable)"; fail=1; }
if grep -q "$ESC" "$tmp/out" "$tmp/err" || grep -q $'\r' "$tmp/out" "$tmp/err"; then
  echo "FAIL: ESC or CR reached the terminal"; cat -v "$tmp/out" "$tmp/err"; fail=1
fi
[ "$(wc -l <"$tmp/out")" -eq 3 ] || { echo "FAIL: not one line per ship"; cat -v "$tmp/out"; fail=1; }
grep -qF '20.10\x1b[31m\r\nfake  unix  reachable\x1b[0m' "$tmp/out" \
  || { echo "FAIL: the version is not shown escaped"; cat -v "$tmp/out"; fail=1; }
[ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "FAIL: not one error line"; cat -v "$tmp/err"; fail=1; }
grep -qF '\x1b]0;owned\x07\nmaestro: all ships fine\x1b[2K' "$tmp/err" \
  || { echo "FAIL: the daemon's message is not shown escaped"; cat -v "$tmp/err"; fail=1; }
# JSON carries the strings exactly
"$maestro" -f "$tmp/m.yaml" ships --json 2>/dev/null | python3 -c '
import json, sys
v = [s for s in json.load(sys.stdin)["ships"] if s["name"] == "evil"][0]["docker_version"]
sys.exit(0 if v == "20.10\x1b[31m\r\nfake  unix  reachable\x1b[0m" else 1)' \
  || { echo "FAIL: --json does not carry the version exactly"; fail=1; }
# ships output that cannot be written fails, as every command's
sed '/^  err:/d' "$tmp/m.yaml" >"$tmp/one.yaml"
"$maestro" -f "$tmp/one.yaml" ships >/dev/null 2>&1 || { echo "FAIL ships (one ship): exit $?"; fail=1; }
for args in ships "ships --json"; do
  # shellcheck disable=SC2086
  "$maestro" -f "$tmp/one.yaml" $args >/dev/full 2>"$tmp/err"; rc=$?
  { [ $rc -eq 1 ] && grep -q '^maestro: error: write failure on standard output: No space left on device$' "$tmp/err"; } \
    || { echo "FAIL $args >/dev/full: exit $rc"; cat "$tmp/err"; fail=1; }
  # shellcheck disable=SC2086
  "$maestro" -f "$tmp/one.yaml" $args >&- 2>"$tmp/err"; rc=$?
  { [ $rc -eq 1 ] && grep -q '^maestro: error: write failure on standard output: Bad file descriptor$' "$tmp/err"; } \
    || { echo "FAIL $args, stdout closed: exit $rc"; cat "$tmp/err"; fail=1; }
done
stop_daemon

# a huge Version is cut in the table, not padded into every line
export EVIL_VERSION_SIZE=60000 # under the 64 KiB budget of /version
start_daemon
unset EVIL_VERSION_SIZE
"$maestro" -f "$tmp/m.yaml" ships >"$tmp/out" 2>/dev/null
size=$(wc -c <"$tmp/out")
[ "$size" -lt 1000 ] || { echo "FAIL: a 1 MB version makes a $size byte table"; fail=1; }
grep -q 'vvv\.\.\.  ' "$tmp/out" || { echo "FAIL: the cut is not marked"; head -c 300 "$tmp/out"; fail=1; }
stop_daemon

# a name from the description, in a diagnostic
printf '__maestro: {schema: 2}\nname: x\nships: {s: {ip: h}}\nservices: {a: {image: x, instances: {a-1: {ship: s}}}}\n"k\\e[1;1H\\rfake": 1\n' >"$tmp/bad.yaml"
"$maestro" -f "$tmp/bad.yaml" validate 2>"$tmp/err"
grep -q "$ESC" "$tmp/err" && { echo "FAIL: ESC in a diagnostic"; cat -v "$tmp/err"; fail=1; }
grep -qF "'k\\x1b[1;1H\\rfake'" "$tmp/err" || { echo "FAIL: the key is not shown escaped"; cat -v "$tmp/err"; fail=1; }

exit $fail
