#!/usr/bin/env bash
# deptree output is complete or the command fails saying why (issue 11
# item 5): the tree of the last service of a chain of 17,000 is the whole
# chain, indented ever deeper, about 289 MB, past the 256 MiB that once cut
# the text silently with exit 0.
# usage: deptree-size.sh MAESTRO
set -u
maestro=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=17000
python3 - "$n" >"$tmp/chain.yaml" <<'EOT'
import sys
n = int(sys.argv[1])
print("__maestro: {schema: 2}\nname: chain\nships: {s: {ip: h}}\nservices:")
for i in range(n):
    req = ", requires: [c%05d]" % (i - 1) if i else ""
    print("  c%05d: {image: x%s, instances: {c%05d-1: {ship: s}}}" % (i, req, i))
EOT
"$maestro" -f "$tmp/chain.yaml" deptree "c$(printf %05d $((n - 1)))" 2>"$tmp/err" | wc -c >"$tmp/size"
rc=${PIPESTATUS[0]}
# the root's name, then a line at each depth d of 2d+2 columns before a name
want=$(python3 -c "
n = $n
print(7 + sum(2 * d + 2 + 7 for d in range(1, n)))")
got=$(cat "$tmp/size")
if [ "$rc" -eq 0 ]; then
  [ "$got" -eq "$want" ] || { echo "FAIL: exit 0 with $got of $want bytes"; exit 1; }
elif [ "$rc" -eq 1 ]; then
  grep -q '^maestro: error: the dependency tree is larger than 256 MiB' "$tmp/err" \
    || { echo "FAIL: exit 1 without saying why"; cat "$tmp/err"; exit 1; }
  [ "$got" -eq 0 ] || { echo "FAIL: exit 1 after printing $got bytes of it"; exit 1; }
else
  echo "FAIL: exit $rc"; cat "$tmp/err"; exit 1
fi
exit 0
