#!/usr/bin/env bash
# `config` streams its document (issue 11 item 1b): each container is
# computed, written and freed in turn, so its memory is one container's
# document plus the model, not the output.  300 instances of one service
# make 40 MB of JSON (every container holds every instance's link
# variables); before streaming this took 250 MB, here it must fit an
# address space of 100 MB and be complete.  Plain build only (a sanitizer
# reserves terabytes of address space).
# usage: config-memory.sh MAESTRO
set -u
maestro=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
python3 - "$tmp" <<'EOT'
import sys
out = ["__maestro: {schema: 2}", "name: mem", "ships:", "  a: {ip: 10.231.0.1}",
       "services:", "  web:", "    image: 'r.example:5000/web:1'",
       "    ports: {http: 80, admin: 81}", "    instances:"]
for i in range(300):
    out.append("      web-%03d: {ship: a, env: {I: %d}}" % (i, i))
open(sys.argv[1] + "/m.yaml", "w").write("\n".join(out) + "\n")
EOT
for args in "config --json" "config"; do
  # shellcheck disable=SC2086
  (ulimit -v 100000; exec "$maestro" -f "$tmp/m.yaml" $args) >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 0 ] || { echo "FAIL $args: exit $rc"; head -3 "$tmp/err"; fail=1; continue; }
  size=$(stat -c %s "$tmp/out")
  [ "$size" -gt 30000000 ] || { echo "FAIL $args: only $size bytes"; fail=1; }
  case $args in
    *--json) n=$(grep -c '^    "web-[0-9]*": {$' "$tmp/out"); last='}' ;;
    *) n=$(grep -c '^  web-[0-9]*:$' "$tmp/out"); last='    tls: null' ;; # the last key of the last ship
  esac
  [ "$n" -eq 300 ] || { echo "FAIL $args: $n containers"; fail=1; }
  [ "$(tail -1 "$tmp/out")" = "$last" ] || { echo "FAIL $args: ends with $(tail -1 "$tmp/out")"; fail=1; }
done
exit $fail
