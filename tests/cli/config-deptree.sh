#!/usr/bin/env bash
# `maestro config` and `maestro deptree` end to end: options, exit
# statuses, messages, the alias, the YAML form.  Expected texts are
# written by hand (docs/cmd-config.md, docs/cmd-deptree.md, spec §6.4).
# usage: config-deptree.sh MAESTRO SOURCE_ROOT
. "$(dirname "$0")/lib.sh" "$@"

# deptree: one root given by a container, -r, --dot
printf 'app\n \\- kafka\n   \\- zk-ensemble\n' >"$tmp/t1"
check deptree-container 0 "$tmp/t1" /dev/null -f "$fx/links.yaml" deptree app-1
printf 'app\n \\- kafka\n   \\- zk-ensemble\n\nmonitor\n \\- metrics\n' >"$tmp/t2"
check deptree-two 0 "$tmp/t2" /dev/null -f "$fx/links.yaml" deptree monitor app app
check deptree-r 0 "$tmp/t1" /dev/null -f "$fx/links.yaml" deptree -r app
cat >"$tmp/t3" <<'DOT'
digraph deptree {
  "zk-ensemble";
  "kafka";
  "app";
  "kafka" -> "zk-ensemble";
  "app" -> "kafka";
}
DOT
check deptree-dot 0 "$tmp/t3" /dev/null -f "$fx/links.yaml" deptree --dot app
printf "maestro: error: 'kafak' is neither a service nor a container (did you mean 'kafka'?)\n" >"$tmp/e1"
check deptree-unknown 2 /dev/null "$tmp/e1" -f "$fx/links.yaml" deptree kafak
check deptree-bad-option 2 /dev/null "" -f "$fx/links.yaml" deptree --nope
# volumes_from makes worker depend on data
printf 'worker\n \\- data\n' >"$tmp/t4"
check deptree-volumes-from 0 "$tmp/t4" /dev/null -f "$fx/volumes-from.yaml" deptree worker

# a diamond: without -r MaestroNG's tree (base under left only); with -r
# every dependency where it is reached, base's subtree once, "(*)" after
cat >"$tmp/d1" <<'TREE'
front
 +- left
 |  \- base
 |    \- core
 \- right
TREE
check deptree-diamond 0 "$tmp/d1" /dev/null -f "$fx/diamond.yaml" deptree front
cat >"$tmp/d2" <<'TREE'
front
 +- left
 |  \- base
 |    \- core
 \- right
   \- base (*)
TREE
check deptree-diamond-r 0 "$tmp/d2" /dev/null -f "$fx/diamond.yaml" deptree -r front
# every root: a subtree printed under an earlier root is "(*)"
cat >"$tmp/d3" <<'TREE'
base
 \- core

core

front
 +- left
 |  \- base (*)
 \- right

left (*)

right (*)
TREE
check deptree-diamond-all 0 "$tmp/d3" /dev/null -f "$fx/diamond.yaml" deptree
cat >"$tmp/d4" <<'TREE'
base
 \- core

core

front
 +- left
 |  \- base (*)
 \- right
   \- base (*)

left (*)

right (*)
TREE
check deptree-diamond-all-r 0 "$tmp/d4" /dev/null -f "$fx/diamond.yaml" deptree -r

# size: 40 diamond levels (2^40 paths) and a chain of 5,000 services with
# every one a root (MaestroNG's output: N^3 / 2 bytes) finish at once,
# each subtree printed once
python3 - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
with open(tmp + "/diamonds.yaml", "w") as f:
    f.write("name: d\nships: {s: {ip: h}}\nservices:\n")
    for i in range(40):
        for side in "ab":
            req = " requires: [a%d, b%d]," % (i + 1, i + 1) if i < 39 else ""
            f.write("  %s%d: {image: x,%s instances: {%s%d-1: {ship: s}}}\n"
                    % (side, i, req, side, i))
with open(tmp + "/chain.yaml", "w") as f:
    f.write("name: c\nships: {s: {ip: h}}\nservices:\n")
    for i in range(5000):
        req = " requires: [s%04d]," % (i + 1) if i < 4999 else ""
        f.write("  s%04d: {image: x,%s instances: {s%04d-1: {ship: s}}}\n"
                % (i, req, i))
PY
scale() { # name, max lines, args...
  local name=$1 max=$2
  shift 2
  timeout 60 "$maestro" "$@" >"$tmp/out" 2>/dev/null
  local rc=$? lines
  lines=$(wc -l <"$tmp/out")
  if [ "$rc" -ne 0 ] || [ "$lines" -gt "$max" ]; then
    echo "FAIL $name: exit $rc (124: timed out), $lines lines (at most $max)"; fail=1
  fi
}
scale deptree-diamonds-r 200 -f "$tmp/diamonds.yaml" deptree -r a0
scale deptree-diamonds-all-r 400 -f "$tmp/diamonds.yaml" deptree -r
scale deptree-chain 15000 -f "$tmp/chain.yaml" deptree
scale deptree-chain-r 15000 -f "$tmp/chain.yaml" deptree -r

# config: the alias, YAML by default, bad argument, invalid description
"$maestro" -f "$fx/links.yaml" config --json >"$tmp/json" 2>/dev/null
check dump-alias 0 "$tmp/json" /dev/null -f "$fx/links.yaml" dump --json
check config-bad-arg 2 /dev/null "" -f "$fx/links.yaml" config --yaml
"$maestro" -f "$fx/links.yaml" config >"$tmp/yaml" 2>/dev/null
python3 -c "
import json, sys, yaml
a = json.load(open('$tmp/json')); b = yaml.safe_load(open('$tmp/yaml'))
sys.exit(0 if a == b else 1)" || { echo "FAIL config-yaml: does not read back as the JSON"; fail=1; }

# YAML: characters YAML may not carry raw in a scalar (DEL, C1 controls,
# NEL and the Unicode line/paragraph separators, U+FFFE) still read back
cat >"$tmp/odd.yaml" <<'EOF'
__maestro: {schema: 2}
name: odd
ships: {s: {ip: h}}
services:
  x:
    image: x
    env: {a: "\x7f", b: "\x86", c: "\u2028 \u2029", d: "l\x85m", e: "\ufffe", f: "é ü"}
    instances: {x-1: {ship: s}}
EOF
"$maestro" -f "$tmp/odd.yaml" config --json >"$tmp/odd.json" 2>/dev/null
"$maestro" -f "$tmp/odd.yaml" config >"$tmp/odd.out" 2>/dev/null
python3 -c "
import json, sys, yaml
a = json.load(open('$tmp/odd.json'))
assert a['containers']['x-1']['env']['d'] == 'l\x85m', 'fixture'
b = yaml.safe_load(open('$tmp/odd.out', encoding='utf-8'))
sys.exit(0 if a == b else 1)" || { echo "FAIL config-yaml-odd: odd characters do not read back"; fail=1; }

# standard input: env files resolve against the current directory
(cd "$fx" && "$maestro" -f - config --json <precedence.yaml >"$tmp/stdin.json" 2>"$tmp/stdin.err")
python3 -c "
import json, sys
a = json.load(open('$tmp/stdin.json'))
env = a['containers']['alpha-1']['env']
sys.exit(0 if env['COLOR'] == 'red' and env['LAYER'] == 'service' else 1)" \
  || { echo "FAIL config-stdin"; cat "$tmp/stdin.err"; fail=1; }

# env file problems are located errors, exit 3, nothing on stdout
printf '%s:12:18: error: cannot read environment file '"'"'%s/does-not-exist.env'"'"': No such file or directory\n' \
  "$fx/missing-envfile.yaml" "$fx" >"$tmp/e2"
check config-missing-envfile 3 /dev/null "$tmp/e2" -f "$fx/missing-envfile.yaml" config
grep -q "^$fx/bad.env:2:1: error: invalid line 2 in environment file" <("$maestro" -f "$fx/bad-envfile.yaml" config 2>&1) \
  || { echo "FAIL config-bad-envfile: not located in the env file"; fail=1; }
# where, not what: the line may hold a secret
! grep -q "equals sign" <("$maestro" -f "$fx/bad-envfile.yaml" config 2>&1) \
  || { echo "FAIL config-bad-envfile: the line is quoted"; fail=1; }

# port ranges: a range needs a host range of the same size
printf "%s:14:16: error: port 'bad' of instance 'svc-1': the exposed range '4000-4001/tcp' and the external '5000/tcp' differ in size\n" \
  "$fx/port-range.yaml" >"$tmp/e3"
check config-port-range 3 /dev/null "$tmp/e3" -f "$fx/port-range.yaml" config
sed '/bad:/d' "$fx/port-range.yaml" >"$tmp/ranges.yaml"
"$maestro" -f "$tmp/ranges.yaml" config --json | python3 -c '
import json, sys
hc = json.load(sys.stdin)["containers"]["svc-1"]["create"]["HostConfig"]
sys.exit(0 if hc["PortBindings"] == {"7000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "7100-7110"}]} else 1)' \
  || { echo "FAIL config-host-range: one container port takes a host port range"; fail=1; }

# passwords never printed
if "$maestro" -f "$root/tests/golden/config/options.yaml" config --json | grep -q s3cret; then
  echo "FAIL config-password: the password is printed"; fail=1
fi
"$maestro" -f "$root/tests/golden/config/options.yaml" config | grep -q 's3cret' && { echo "FAIL config-password (yaml)"; fail=1; }

# an http check's credentials are masked like passwords, in both forms,
# and the model hash does not move when they rotate
creds() { # auth password, header token
  cat <<YAML
__maestro: {schema: 2}
name: creds
ships: {s1: {ip: 10.0.0.1}}
services:
  web:
    image: nginx
    instances:
      web-1:
        ship: s1
        ports: {http: 80}
        lifecycle:
          running:
            - type: http
              port: http
              requests_options:
                auth: [admin, $1]
                headers: {Authorization: "Bearer $2", cookie: "sid=$2", Accept: text/html}
                proxies: {http: "http://u:$1@proxy:3128/"}
                verify: false
YAML
}
creds hunter2 tok-abc >"$tmp/creds1.yaml"
creds other-pw tok-xyz >"$tmp/creds2.yaml"
for form in "config --json" config; do
  # shellcheck disable=SC2086
  if "$maestro" -f "$tmp/creds1.yaml" $form | grep -E -q 'hunter2|tok-abc'; then
    echo "FAIL config-check-credentials ($form): a credential is printed"; fail=1
  fi
done
"$maestro" -f "$tmp/creds1.yaml" config --json | /usr/bin/python3 -c '
import json, sys
ro = json.load(sys.stdin)["containers"]["web-1"]["lifecycle"]["running"][0]["requests_options"]
want = {"auth": "***", "headers": {"Authorization": "***", "cookie": "***", "Accept": "text/html"},
        "proxies": {"http": "http://u:***@proxy:3128/"}, "verify": False}
sys.exit(0 if ro == want else 1)' || { echo "FAIL config-check-credentials: not masked as documented"; fail=1; }
h1=$("$maestro" -f "$tmp/creds1.yaml" config --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["model_hash"])')
h2=$("$maestro" -f "$tmp/creds2.yaml" config --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["model_hash"])')
[ -n "$h1" ] && [ "$h1" = "$h2" ] || { echo "FAIL config-check-credentials: model_hash moves with a credential"; fail=1; }

exit $fail
