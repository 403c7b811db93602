#!/usr/bin/env bash
# secret_env end to end (INTERFACES.md "Secrets"): a secret holding '"'
# and '\' must appear in none of its forms (raw, JSON-escaped, base64,
# base64url, URL-encoded) in the state database (and its -wal, -shm), in
# --debug output or in any command's output, while --show-secrets shows
# it (so the search can find it) and the database holds its digests.
# usage: secrets.sh MAESTRO
set -u
maestro=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
export DB_PASSWORD='s3"cr\et-Xq9/Zw+'
cat >"$tmp/m.yaml" <<YAML
__maestro: {schema: 2}
name: sec
ships:
  s1: {ip: 127.0.0.1, socket_path: $tmp/no.sock}
services:
  db:
    image: tiny:1
    secret_env: [DB_PASSWORD]
    env:
      DB_PASSWORD: '{{ env.DB_PASSWORD }}'
      DATABASE_URL: 'postgres://u:{{ env.DB_PASSWORD }}@db/x'
    lifecycle:
      running: [{type: exec, command: [check, '{{ env.DB_PASSWORD }}']}]
    instances:
      db-1: {ship: s1}
YAML
forms=$(python3 - <<'PY'
import base64, json, os, urllib.parse
s = os.environ["DB_PASSWORD"]
out = {s, json.dumps(s)[1:-1], urllib.parse.quote(s, safe=""),
       urllib.parse.quote_plus(s)}
for t in (s, "DB_PASSWORD=" + s):
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        out.add(enc(t.encode()).decode().rstrip("="))
print("\n".join(sorted(out)))
PY
)
hunt() { # what, file
  while IFS= read -r f; do
    if grep -aqF -- "$f" "$2"; then echo "FAIL $1 holds the secret as '$f'"; fail=1; fi
  done <<<"$forms"
}
out=$tmp/out
runs=(
  "validate"
  "config" "config --json"
  "plan start --offline" "plan start --offline --json" "plan start --offline --dot"
  "--debug plan start --offline" "--debug plan start"
  "plans" "plans --json" "show 1" "show 1 --json" "show 2 --dot"
)
for r in "${runs[@]}"; do
  # shellcheck disable=SC2086
  "$maestro" -f "$tmp/m.yaml" $r >"$out" 2>&1
  hunt "'$r'" "$out"
done
grep -q '<secret>' <("$maestro" -f "$tmp/m.yaml" config --json) || { echo "FAIL config shows no <secret>"; fail=1; }
"$maestro" -f "$tmp/m.yaml" config --json --show-secrets >"$out"
grep -qF -- 's3\"cr\\et-Xq9/Zw+' "$out" || { echo "FAIL --show-secrets does not show it"; fail=1; }
grep -q "holds a secret_env value; it is masked there too" <("$maestro" -f "$tmp/m.yaml" validate 2>&1; "$maestro" -f "$tmp/m.yaml" config 2>&1 >/dev/null) ||
  { echo "FAIL no warning for DATABASE_URL"; fail=1; }
db=$tmp/.maestro/state.db
[ -f "$db" ] || { echo "FAIL no database"; fail=1; }
for f in "$db" "$db-wal" "$db-shm"; do
  [ -f "$f" ] && hunt "$f" "$f"
done
grep -aq 'DB_PASSWORD=hmac-sha256:[0-9a-f]\{64\}' "$db" || { echo "FAIL the database holds no digest"; fail=1; }
grep -aq 'postgres://u:hmac-sha256:[0-9a-f]\{64\}@db/x' "$db" || { echo "FAIL DATABASE_URL not masked in the database"; fail=1; }
[ "$(stat -c %a "$db.key")" = 600 ] || { echo "FAIL key file mode"; fail=1; }
"$maestro" -f "$tmp/m.yaml" show 1 --json >"$out"
grep -q '"DB_PASSWORD=<secret>"' "$out" && grep -q '"maestro.spec": "<secret>"' "$out" ||
  { echo "FAIL show --json does not say <secret>"; fail=1; }
# the same secret under another key gives other digests
exit $fail
