#!/usr/bin/env bash
# Out of memory is the one fatal message and exit 134 (abort), never a
# crash (issue 11 item 12: a NULL from json_dumps() was dereferenced, and
# jansson, left to malloc, dropped members of a document silently):
# each command runs under address-space limits rising in 1.5 MB steps from
# where the program first loads to where it succeeds, and must at every
# step either succeed or say why (a "maestro: fatal:" line) and abort.  Plain build only
# (a sanitizer reserves terabytes of address space).
# usage: oom.sh MAESTRO SOURCE_ROOT
set -u
maestro=$(realpath "$1")
root=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
python3 - "$tmp" <<'EOT'
import sys
d = sys.argv[1]
out = ["__maestro: {schema: 2}", "name: oom", "ships:"]
for s in range(4):
    out.append("  ship%d: {ip: 127.0.0.1, socket_path: %s/none%d.sock, timeout: 1}" % (s, d, s))
out.append("services:")
for s in range(30):
    req = ", requires: [svc%02d]" % (s - 1) if s else ""
    out.append("  svc%02d: {image: 'r.example:5000/svc:1'%s, env: {A: '%s'}," % (s, req, "x" * 200))
    out.append("    instances: {%s}}" % ", ".join(
        "svc%02d-%d: {ship: ship%d, ports: {p: %d}}" % (s, i, i % 4, 1000 + i) for i in range(10)))
open(d + "/m.yaml", "w").write("\n".join(out) + "\n")
EOT
for args in "config --json" "config" "deptree" "deptree --dot" "validate" "ships --json"; do
  kb=20000 ok=0
  while [ $kb -le 600000 ]; do
    # shellcheck disable=SC2086
    rc=$( { (ulimit -v $kb; exec "$maestro" -f "$tmp/m.yaml" $args) >/dev/null 2>"$tmp/err"
            echo $?; } 2>/dev/null)
    case $rc in
      127) ;; # the loader itself found no room: below any budget
      0|1) ok=1; break ;; # ships: 1, no daemon answers
      134) grep -q '^maestro: fatal: ' "$tmp/err" \
             || { echo "FAIL $args at $kb KB: abort without the message"; cat "$tmp/err"; fail=1; } ;;
      *) echo "FAIL $args at $kb KB: exit $rc"; head -5 "$tmp/err"; fail=1 ;;
    esac
    kb=$((kb + 1500))
  done
  [ $ok -eq 1 ] || { echo "FAIL $args: never succeeded up to 600 MB"; fail=1; }
done
exit $fail
