#!/usr/bin/env bash
# Floats in printed JSON are Python's repr (issue 10): config --json and
# plan --json of tests/golden/config/floats.yaml print `timeout: 0.1` as
# 0.1 (not 0.10000000000000001), and both outputs are byte for byte what
# Python's json.dumps(indent=2, sort_keys=True, ensure_ascii=False)
# writes for the document they hold.
# usage: json-floats.sh MAESTRO SOURCE_ROOT
. "$(dirname "$0")/lib.sh"
desc=$root/tests/golden/config/floats.yaml
same_as_python() { # file, what
  python3 - "$1" "$2" <<'PY' || fail=1
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
want = json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
if text != want:
    print("FAIL %s: not Python's json.dumps text" % sys.argv[2])
    sys.exit(1)
PY
}
"$maestro" -f "$desc" config --json >"$tmp/config" || { echo "FAIL config --json"; fail=1; }
grep -q '^      "timeout": 0.1,$' "$tmp/config" || { echo "FAIL config --json: no 'timeout: 0.1'"; fail=1; }
same_as_python "$tmp/config" "config --json"
mkdir -p "$tmp/state"
"$maestro" -f "$desc" --state "$tmp/state/s.db" plan start web --offline --json >"$tmp/plan" ||
  { echo "FAIL plan --json"; fail=1; }
grep -q '"timeout": 0.1,$' "$tmp/plan" || { echo "FAIL plan --json: no 'timeout: 0.1'"; fail=1; }
grep -q '"max_wait": 1e-07,$' "$tmp/plan" || { echo "FAIL plan --json: no 'max_wait: 1e-07'"; fail=1; }
same_as_python "$tmp/plan" "plan --json"
exit $fail
