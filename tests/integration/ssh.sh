#!/usr/bin/env bash
# ssh.sh TOOL - integration tests of the SSH tunnel and registry credentials
# against a real fleet (tests/fleet/fleet, FLEET_ID=2, kinds "ssh sshtls",
# extra "registry").  TOOL is ssh-tool (tests/integration/ssh-tool.c); the
# Docker Engine API is spoken with curl through the tunnel's local socket.
#
# Runs itself under `fleet run` (which tears everything down on any exit).
# Exit 77 when the fleet cannot run here (1 with CI=true).
set -uo pipefail
TOOL=$1
CLIENT_TEST=${2:-}
MAESTRO=${3:-}
if [ -z "${FLEET_ROOT:-}" ]; then
  exec "${FLEET:-$(dirname "$0")/../fleet/fleet}" run "$0" "$@"
fi

W=$(mktemp -d /tmp/maestro-ssh-test.XXXXXX)
LOG=$W/test.log
PW=$(cat "$REGISTRY_PASSWORD_FILE")
NET_UNUSED_IP=${FLEET_BRIDGE_IP%.1}.99 # on the fleet bridge, nobody there
fails=0 passes=0
declare -A TPID TFD
cleanup() {
  local n
  for n in "${!TPID[@]}"; do tunnel_close "$n"; done
  [ -n "${SSH_AGENT_PID:-}" ] && kill "$SSH_AGENT_PID" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

say() { echo "$*" | tee -a "$LOG"; }
ok() { passes=$((passes + 1)); say "ok - $*"; }
fail() { fails=$((fails + 1)); say "FAIL - $*"; }
check() { # name command...: ok when the command succeeds
  local name=$1; shift
  if "$@" >>"$LOG" 2>&1; then ok "$name"; else fail "$name"; fi
}

# ---------------------------------------------------------------- tunnels

tunnel_open() { # name: MT_* in the environment; sets nothing else
  local n=$1 i fd
  rm -f "$W/$n.in" "$W/$n.out" "$W/$n.err"
  mkfifo "$W/$n.in"
  "$TOOL" tunnel <"$W/$n.in" >"$W/$n.out" 2>"$W/$n.err" &
  TPID[$n]=$!
  exec {fd}>"$W/$n.in"
  TFD[$n]=$fd
  for i in $(seq 300); do
    [ -s "$W/$n.out" ] && return 0
    kill -0 "${TPID[$n]}" 2>/dev/null || break
    sleep 0.05
  done
  tunnel_close "$n"
  return 1
}
tunnel_close() { # name
  local n=$1 fd=${TFD[$1]:-}
  [ -n "$fd" ] && exec {fd}>&-
  [ -n "${TPID[$n]:-}" ] && wait "${TPID[$n]}" 2>/dev/null
  unset "TPID[$n]" "TFD[$n]"
}
tunnel_path() { head -n 1 "$W/$1.out"; }

ship1_env() { # known_hosts key socket-or-empty
  export MT_ENDPOINT=$SHIP1_IP MT_SSH_PORT=$SHIP1_SSH_PORT MT_USER=$SHIP1_SSH_USER \
    MT_KNOWN_HOSTS=$1 MT_KEY=$2 MT_SOCKET=$3 MT_PORT=2375 MT_INSECURE=0 MT_TIMEOUT=${MT_TIMEOUT:-3}
}

# curl against the daemon through a tunnel: SOCK PATH [curl args]
dk() {
  local sock=$1 path=$2; shift 2
  curl -s --noproxy '*' --unix-socket "$sock" "$@" "http://d/v1.41$path"
}

api_roundtrip() { # sock: every basic operation through the tunnel
  local s=$1 id name=ssh-rt-$RANDOM out
  [ "$(curl -s --unix-socket "$s" http://d/_ping)" = OK ] || { echo "ping failed"; return 1; }
  dk "$s" /version | grep -q '"ApiVersion":"1.41"' || { echo "version"; return 1; }
  dk "$s" /images/json | grep -q '"tiny:1"' || { echo "images"; return 1; }
  out=$(dk "$s" "/containers/create?name=$name" -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"tiny:1","Cmd":["sh","-c","echo hello-from-ssh; trap \"exit 0\" TERM; while :; do sleep 1; done"]}')
  id=$(echo "$out" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
  [ -n "$id" ] || { echo "create: $out"; return 1; }
  [ "$(dk "$s" "/containers/$id/start" -X POST -o /dev/null -w '%{http_code}')" = 204 ] || { echo start; return 1; }
  dk "$s" "/containers/$id/json" | grep -q '"Running":true' || { echo inspect; return 1; }
  sleep 0.3
  dk "$s" "/containers/$id/logs?stdout=1" --output - | grep -aq hello-from-ssh || { echo logs; return 1; }
  dk "$s" "/containers/$id/top" | grep -q '"Processes"' || { echo top; return 1; }
  [ "$(dk "$s" "/containers/$id/stop?t=5" -X POST -o /dev/null -w '%{http_code}')" = 204 ] || { echo stop; return 1; }
  dk "$s" "/containers/$id/wait" -X POST | grep -q '"StatusCode":0' || { echo wait; return 1; }
  [ "$(dk "$s" "/containers/$id" -X DELETE -o /dev/null -w '%{http_code}')" = 204 ] || { echo remove; return 1; }
  [ "$(dk "$s" "/containers/$id/json" -o /dev/null -w '%{http_code}')" = 404 ] || { echo "still there"; return 1; }
}

parallel_20() { # sock: 20 create/start/remove at once over one session
  local s=$1 i
  for i in $(seq 20); do
    (
      out=$(dk "$s" "/containers/create?name=ssh-par-$i" -X POST -H 'Content-Type: application/json' \
        -d '{"Image":"tiny:1","Cmd":["sh","-c","trap \"exit 0\" TERM; while :; do sleep 1; done"]}')
      id=$(echo "$out" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
      [ -n "$id" ] || { echo "create $i: $out"; exit 1; }
      c=$(dk "$s" "/containers/$id/start" -X POST -o /dev/null -w '%{http_code}')
      [ "$c" = 204 ] || { echo "start $i: $c"; exit 1; }
      c=$(dk "$s" "/containers/$id?force=1" -X DELETE -o /dev/null -w '%{http_code}')
      [ "$c" = 204 ] || { echo "remove $i: $c"; exit 1; }
    ) >"$W/par-$i.log" 2>&1 &
  done
  local bad=0
  for i in $(seq 20); do wait -n || bad=$((bad + 1)); done
  cat "$W"/par-*.log
  [ $bad -eq 0 ] || return 1
  [ "$(dk "$s" '/containers/json?all=1&filters=%7B%22name%22%3A%5B%22ssh-par-%22%5D%7D')" = '[]' ]
}

refused_with() { # name pattern: the tunnel must not open, stderr matching
  local n=$1 pat=$2
  if tunnel_open "$n"; then tunnel_close "$n"; echo "opened"; return 1; fi
  cat "$W/$n.err"
  grep -q -- "$pat" "$W/$n.err"
}

say "# ssh: unix socket forwarding (direct-streamlocal)"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS" "$SHIP1_SSH_KEY" "$SHIP1_REMOTE_SOCK"
if tunnel_open sl; then
  ok "tunnel opens (streamlocal)"
  check "every basic operation over ssh (streamlocal)" api_roundtrip "$(tunnel_path sl)"
  check "20 parallel create/start/remove over one session" parallel_20 "$(tunnel_path sl)"
  check "tunnel socket lives in a private 0700 folder" \
    test "$(stat -c %a "$(dirname "$(tunnel_path sl)")")" = 700
  p=$(tunnel_path sl)
  tunnel_close sl
  check "closing removes the socket and its folder" test ! -e "$(dirname "$p")"
else
  fail "tunnel opens (streamlocal): $(cat "$W/sl.err")"
fi

say "# ssh: tcp forwarding (direct-tcpip to 127.0.0.1:2375)"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS_HASHED" "$SHIP1_SSH_KEY" ""
if tunnel_open tcp; then
  ok "tunnel opens (direct-tcpip, hashed known_hosts entry)"
  check "every basic operation over ssh (direct-tcpip)" api_roundtrip "$(tunnel_path tcp)"
  tunnel_close tcp
else
  fail "tunnel opens (direct-tcpip): $(cat "$W/tcp.err")"
fi

say "# ssh: host keys and authentication"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS_EMPTY" "$SHIP1_SSH_KEY" ""
check "unknown host key refused" refused_with unk "host key of '$SHIP1_IP' is unknown"
check "unknown host key message shows the fingerprint" grep -q "SHA256:" "$W/unk.err"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS_CHANGED" "$SHIP1_SSH_KEY" ""
check "changed host key refused" refused_with chg "has CHANGED"
export MT_INSECURE=1
if tunnel_open ins; then
  ok "insecure_host_key accepts a changed key"
  check "insecure tunnel works" test "$(curl -s --unix-socket "$(tunnel_path ins)" http://d/_ping)" = OK
  tunnel_close ins
else
  fail "insecure_host_key accepts a changed key: $(cat "$W/ins.err")"
fi
# no key: every identity of ssh-agent, in turn (the wrong one first)
eval "$(ssh-agent -a "$W/agent.sock" -s)" >>"$LOG"
ssh-add "$SHIP1_SSH_WRONG_KEY" "$SHIP1_SSH_KEY" >>"$LOG" 2>&1
ship1_env "$SHIP1_SSH_KNOWN_HOSTS" "" ""
if tunnel_open agent; then
  ok "no key: ssh-agent identities are tried in turn"
  tunnel_close agent
else
  fail "no key: ssh-agent identities are tried in turn: $(cat "$W/agent.err")"
fi
ssh-add -D >>"$LOG" 2>&1
ssh-add "$SHIP1_SSH_WRONG_KEY" >>"$LOG" 2>&1
check "no key: refused when no agent identity is accepted" refused_with agent2 \
  "refused all 1 ssh-agent identities for user 'root'"
ssh-agent -k >>"$LOG" 2>&1
unset SSH_AUTH_SOCK SSH_AGENT_PID
check "no key and no agent: a clear error" refused_with noagent "no ssh-agent to ask"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS" "$SHIP1_SSH_WRONG_KEY" ""
check "wrong key refused" refused_with wrong "refused key '$SHIP1_SSH_WRONG_KEY' for user 'root'"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS" "$W/no-such-key" ""
check "missing key file is a clear error" refused_with nokey "cannot read ssh key '$W/no-such-key'"
(
  ship1_env "$SHIP1_SSH_KNOWN_HOSTS" "$SHIP1_SSH_KEY" ""
  export MT_ENDPOINT=$NET_UNUSED_IP MT_TIMEOUT=1
  t0=$(date +%s%N)
  refused_with to "ssh connection to '$NET_UNUSED_IP:22' timed out\|cannot connect to ssh at '$NET_UNUSED_IP:22'"
  rc=$?
  t1=$(date +%s%N)
  echo "took $(((t1 - t0) / 1000000)) ms"
  [ $rc -eq 0 ] && [ $(((t1 - t0) / 1000000)) -le 3000 ]
) >>"$LOG" 2>&1 && ok "ssh_timeout bounds connecting to a silent address (<= 3x)" ||
  fail "ssh_timeout bounds connecting to a silent address (<= 3x)"

say "# ssh: TLS inside the tunnel (ship2: dockerd TLS on 127.0.0.1:2376)"
export MT_ENDPOINT=$SHIP2_IP MT_SSH_PORT=$SHIP2_SSH_PORT MT_USER=$SHIP2_SSH_USER \
  MT_KNOWN_HOSTS=$SHIP2_SSH_KNOWN_HOSTS MT_KEY=$SHIP2_SSH_KEY MT_SOCKET= MT_PORT=2376 MT_INSECURE=0
if tunnel_open tls; then
  s=$(tunnel_path tls)
  check "TLS through the tunnel verifies against the ship's endpoint name" \
    test "$(curl -s --unix-socket "$s" --cacert "$SHIP2_TLS_CA" --cert "$SHIP2_TLS_CERT" \
      --key "$SHIP2_TLS_KEY" "https://$SHIP2_IP:2376/_ping")" = OK
  if curl -s --unix-socket "$s" --cacert "$SHIP2_TLS_OTHER_CA" --cert "$SHIP2_TLS_CERT" \
    --key "$SHIP2_TLS_KEY" "https://$SHIP2_IP:2376/_ping" >>"$LOG" 2>&1; then
    fail "TLS through the tunnel refuses an unknown CA"
  else
    ok "TLS through the tunnel refuses an unknown CA"
  fi
  tunnel_close tls
else
  fail "tunnel to the TLS ship opens: $(cat "$W/tls.err")"
fi

say "# registry credentials (pulls on ship1 through the tunnel)"
ship1_env "$SHIP1_SSH_KNOWN_HOSTS" "$SHIP1_SSH_KEY" "$SHIP1_REMOTE_SOCK"
REG_UP=1
tunnel_open reg || { REG_UP=0; fail "tunnel for the registry tests: $(cat "$W/reg.err")"; }
RS=$(tunnel_path reg)
export MT_HEADER_FILE=$W/header
pull() { # image: pull with the header file (if any); prints the HTTP status and the body
  local img=$1 args=()
  [ -s "$W/header" ] && args=(-H "X-Registry-Auth: $(cat "$W/header")")
  dk "$RS" "/images/create?fromImage=${img%:*}&tag=${img##*:}" -X POST "${args[@]}" \
    -w '\nHTTP %{http_code}\n' -o "$W/pull.out"
  cat "$W/pull.out"
}
rmi() { dk "$RS" "/images/$1?force=1" -X DELETE >/dev/null; }
pulled_ok() { # image
  local out
  out=$(pull "$1")
  echo "$out"
  echo "$out" | grep -q 'HTTP 200' && ! echo "$out" | grep -q '"error"' &&
    [ "$(dk "$RS" "/images/$1/json" -o /dev/null -w '%{http_code}')" = 200 ]
}
describe() { # file image [name url [user]]: a description whose instance
  # 'app' runs image, with one registries entry when a name is given (its
  # password, with a user, from the variable MT_PW through the template pass)
  local f=$1 img=$2
  {
    echo "__maestro: {schema: 2}"
    echo "name: regtest"
    if [ $# -ge 4 ]; then
      echo "registries:"
      echo "  $3: {registry: '$4'${5:+, username: $5, password: '{{ env.MT_PW }}'}}"
    fi
    echo "ships: {ship1: {ip: $SHIP1_IP}}"
    echo "services: {app: {image: '$img', instances: {app: {ship: ship1}}}}"
  } >"$f"
}
auth_from() { # expected-description image [VAR=value...]: `ssh-tool auth` on
  # a description with the entry MT_REG_NAME, MT_REG_URL, MT_REG_USER and
  # MT_REG_PASSWORD when given; other VAR=value go to the environment
  local want=$1 img=$2 out a name= url= user= pw= envs=(); shift 2
  for a in "$@"; do
    case $a in
      MT_REG_NAME=*) name=${a#*=} ;; MT_REG_URL=*) url=${a#*=} ;;
      MT_REG_USER=*) user=${a#*=} ;; MT_REG_PASSWORD=*) pw=${a#*=} ;;
      *) envs+=("$a") ;;
    esac
  done
  rm -f "$W/header"
  if [ -n "$name" ]; then describe "$W/auth.yaml" "$img" "$name" "$url" "$user"
  else describe "$W/auth.yaml" "$img"; fi
  out=$(env "${envs[@]}" MT_PW="$pw" "$TOOL" auth "$W/auth.yaml" app 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  [ "$out" = "$want" ]
}

rmi "$REGISTRY_BLOB_IMAGE"
rm -f "$W/header"
out=$(pull "$REGISTRY_BLOB_IMAGE")
echo "$out" >>"$LOG"
if echo "$out" | grep -q 'HTTP 500'; then ok "anonymous pull refused (500)"; else fail "anonymous pull refused (500)"; fi

check "credentials from the description" auth_from \
  "user 'maestro' (from registry 'fleet' of the description)" "$REGISTRY_BLOB_IMAGE" \
  MT_REG_NAME=fleet MT_REG_URL="$REGISTRY_URL" MT_REG_USER=maestro MT_REG_PASSWORD="$PW"
check "pull with credentials from the description" pulled_ok "$REGISTRY_BLOB_IMAGE"
rmi "$REGISTRY_BLOB_IMAGE"

check "wrong password: header made" auth_from \
  "user 'maestro' (from registry 'fleet' of the description)" "$REGISTRY_BLOB_IMAGE" \
  MT_REG_NAME=fleet MT_REG_URL="$REGISTRY_URL" MT_REG_USER=maestro MT_REG_PASSWORD="not-$PW"
out=$(pull "$REGISTRY_BLOB_IMAGE")
echo "$out" >>"$LOG"
if echo "$out" | grep -q 'HTTP 500' && echo "$out" | grep -qi 'unauthorized\|authentication required\|no basic auth'; then
  ok "wrong password: the daemon answers 500 with an authentication message"
else
  fail "wrong password: the daemon answers 500 with an authentication message"
fi

mkdir -p "$W/dc1"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY_URL/v2/" \
  "$(printf '%s:%s' maestro "$PW" | base64 -w0)" >"$W/dc1/config.json"
check "credentials from DOCKER_CONFIG/config.json (auths, URL key)" auth_from \
  "user 'maestro' (from $W/dc1/config.json)" "$REGISTRY_BLOB_IMAGE" DOCKER_CONFIG="$W/dc1"
check "pull with credentials from config.json" pulled_ok "$REGISTRY_BLOB_IMAGE"
rmi "$REGISTRY_BLOB_IMAGE"

mkdir -p "$W/dc2" "$W/bin"
printf '{"credHelpers": {"%s": "maestrotest"}, "auths": {}}\n' "$REGISTRY" >"$W/dc2/config.json"
cat >"$W/bin/docker-credential-maestrotest" <<EOF
#!/bin/sh
# test credential helper: answers for $REGISTRY only
[ "\$1" = get ] || exit 1
read -r server || true
[ "\$server" = "$REGISTRY" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL":"%s","Username":"maestro","Secret":"%s"}\n' "\$server" "\$(cat "$REGISTRY_PASSWORD_FILE")"
EOF
chmod +x "$W/bin/docker-credential-maestrotest"
check "credentials from a credential helper (credHelpers)" auth_from \
  "user 'maestro' (from docker-credential-maestrotest)" "$REGISTRY_BLOB_IMAGE" \
  DOCKER_CONFIG="$W/dc2" PATH="$W/bin:$PATH"
check "pull with credentials from a credential helper" pulled_ok "$REGISTRY_BLOB_IMAGE"
rmi "$REGISTRY_BLOB_IMAGE"
printf '{"credsStore": "maestrotest"}\n' >"$W/dc2/config.json"
check "credentials from a credential helper (credsStore)" auth_from \
  "user 'maestro' (from docker-credential-maestrotest)" "$REGISTRY_IMAGE" \
  DOCKER_CONFIG="$W/dc2" PATH="$W/bin:$PATH"
check "credsStore helper that has nothing for a host: no credentials" auth_from \
  "no credentials" "other.example:5000/x/y:1" DOCKER_CONFIG="$W/dc2" PATH="$W/bin:$PATH"
rm -f "$W/header"

if [ -n "$MAESTRO" ]; then
  say "# a pull authenticates as the entry that 'maestro config --json' names"
  # Two entries that both serve the registry, in both orders: one without a
  # scheme (read as a host) with the right password, one with userinfo in
  # its URL and a wrong password.  The first that matches wins; config and
  # the pull must name the same one (they once disagreed on both shapes).
  reg_pair() { # file first second
    {
      echo "__maestro: {schema: 2}"
      echo "name: regmatch"
      echo "registries:"
      for e in "$2" "$3"; do
        case $e in
          good) echo "  good: {registry: '$REGISTRY', username: maestro, password: '{{ env.MT_PW }}'}" ;;
          bad) echo "  bad: {registry: 'http://maestro@$REGISTRY/', username: maestro, password: 'wrong-{{ env.MT_PW }}'}" ;;
        esac
      done
      echo "ships: {ship1: {ip: $SHIP1_IP}}"
      echo "services: {app: {image: '$REGISTRY_BLOB_IMAGE', instances: {app: {ship: ship1}}}}"
    } >"$1"
  }
  for order in "good bad" "bad good"; do
    read -r first second <<<"$order"
    reg_pair "$W/match.yaml" "$first" "$second"
    named=$(cd "$W" && MT_PW="$PW" "$MAESTRO" -f match.yaml config --json 2>>"$LOG" | jq -r '.containers.app.registry')
    check "config --json names the first matching entry ('$first' of '$order')" test "$named" = "$first"
    rmi "$REGISTRY_BLOB_IMAGE"
    out=$(MT_PW="$PW" "$TOOL" pull "$W/match.yaml" app "$RS" 2>&1)
    echo "$out" >>"$LOG"
    if [ "$first" = good ]; then
      check "the pull authenticates as '$named', and succeeds" \
        test "$out" = "pulled as user 'maestro' (from registry '$named' of the description)"
    else
      check "the pull authenticates as '$named', and is refused" \
        grep -qF "refused user 'maestro' (from registry '$named' of the description)" <<<"$out"
    fi
  done
  rmi "$REGISTRY_BLOB_IMAGE"

  say "# maestro ships over ssh (the description's ssh_tunnel settings)"
  cat >"$W/maestro.yaml" <<EOF
__maestro: {schema: 2}
name: sshtest
ship_defaults: {ssh_timeout: 3}
ships:
  sl:
    ip: $SHIP1_IP
    socket_path: $SHIP1_REMOTE_SOCK
    ssh_tunnel: {user: root, key: $SHIP1_SSH_KEY, known_hosts: $SHIP1_SSH_KNOWN_HOSTS}
  tcp:
    ip: $SHIP1_IP
    ssh_tunnel: {user: root, key: $SHIP1_SSH_KEY, known_hosts: $SHIP1_SSH_KNOWN_HOSTS_HASHED}
  tls:
    ip: $SHIP2_IP
    tls: true
    tls_verify: true
    tls_ca_cert: $SHIP2_TLS_CA
    tls_cert: $SHIP2_TLS_CERT
    tls_key: $SHIP2_TLS_KEY
    ssh_tunnel: {user: root, key: $SHIP2_SSH_KEY, known_hosts: $SHIP2_SSH_KNOWN_HOSTS}
  unknown:
    ip: $SHIP1_IP
    ssh_tunnel: {user: root, key: $SHIP1_SSH_KEY, known_hosts: $SHIP1_SSH_KNOWN_HOSTS_EMPTY}
services:
  web:
    image: tiny:1
    instances:
      web-1: {ship: sl}
EOF
  (cd "$W" && "$MAESTRO" -f maestro.yaml ships --json) >"$W/ships.json" 2>"$W/ships.err"
  rc=$?
  cat "$W/ships.json" "$W/ships.err" >>"$LOG"
  check "maestro ships: exit 1 (one ship's host key is unknown)" test $rc -eq 1
  for s in sl tcp tls; do
    check "maestro ships: '$s' reachable over ssh" \
      test "$(jq -r ".ships[] | select(.name == \"$s\") | \"\(.transport) \(.reachable) \(.api_version)\"" "$W/ships.json")" = "ssh true 1.41"
  done
  check "maestro ships: 'unknown' refused for its host key" \
    jq -e '.ships[] | select(.name == "unknown") | (.reachable == false) and (.error | test("host key of .* is unknown"))' "$W/ships.json"
fi

if [ -n "$CLIENT_TEST" ]; then
  say "# the Docker client over ssh, registry pulls (test-ssh-client)"
  MT_WORK=$W "$CLIENT_TEST" >"$W/client.out" 2>&1
  rc=$?
  cat "$W/client.out" >>"$LOG"
  grep -E '^(ok|FAIL) - ' "$W/client.out"
  n_ok=$(grep -c '^ok - ' "$W/client.out")
  n_fail=$(grep -c '^FAIL - ' "$W/client.out")
  passes=$((passes + n_ok))
  fails=$((fails + n_fail))
  if [ $rc -ne 0 ] && [ "$n_fail" -eq 0 ]; then fail "test-ssh-client exited $rc"; fi
fi

say "# ssh: the server vanishes mid-call"
[ $REG_UP -eq 1 ] || { fail "the vanishing tests need the tunnel"; echo "ssh.sh: $passes passed, $fails failed"; cat "$LOG"; exit 1; }
# Five calls that never finish by themselves (wait on a running container),
# then every sshd of ship1 is killed: each call must fail within 3x the
# ssh timeout (3 s), and the tunnel must say it is lost.
id=$(dk "$RS" "/containers/create?name=ssh-vanish" -X POST -H 'Content-Type: application/json' \
  -d '{"Image":"tiny:1","Cmd":["sh","-c","trap \"exit 0\" TERM; while :; do sleep 1; done"]}' |
  sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
dk "$RS" "/containers/$id/start" -X POST >/dev/null
waiters=()
for i in 1 2 3 4 5; do
  (dk "$RS" "/containers/$id/wait" -X POST -o "$W/wait-$i.out" -w '%{http_code}' >"$W/wait-$i.code"; echo $? >"$W/wait-$i.rc") &
  waiters+=($!)
done
sleep 1
for p in $(ip netns pids "$SHIP1_NS"); do
  [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && kill -KILL "$p"
done
t0=$(date +%s%N)
for i in $(seq 90); do
  alive=0
  for p in "${waiters[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive -eq 0 ] && break
  sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
say "# pending calls ended ${ms} ms after sshd was killed"
if [ $alive -eq 0 ]; then
  ok "every pending call ended within 3x the timeout (${ms} ms)"
  bad=0
  for i in 1 2 3 4 5; do
    [ "$(cat "$W/wait-$i.rc")" != 0 ] || [ "$(cat "$W/wait-$i.code")" != 200 ] || bad=1
  done
  [ $bad -eq 0 ] && ok "every pending call failed (none reported success)" ||
    fail "every pending call failed (none reported success)"
else
  fail "every pending call ended within 3x the timeout"
  for p in "${waiters[@]}"; do kill "$p" 2>/dev/null; done
fi
for i in $(seq 30); do grep -q '^dead:' "$W/reg.out" && break; sleep 0.1; done
check "the tunnel reports the lost session" grep -q "^dead: ssh session to 'root@$SHIP1_IP:22' lost" "$W/reg.out"
check "new connections fail at once after the loss" bash -c "! curl -s -m 3 --unix-socket '$RS' http://d/_ping"
tunnel_close reg
dk "$SHIP1_SOCK" "/containers/$id?force=1" -X DELETE >/dev/null 2>&1 ||
  curl -s --unix-socket "$SHIP1_SOCK" -X DELETE "http://d/v1.41/containers/$id?force=1" >/dev/null

say "# secrets"
# Everything this run printed or wrote (the log, every tool's output, the
# files made) must not hold the registry password.
if grep -r -a -F -l -- "$PW" "$W" "$LOG" >/dev/null 2>&1; then
  fail "the registry password appears in what the run printed or wrote: $(grep -r -a -F -l -- "$PW" "$W")"
else
  ok "the registry password appears nowhere in what the run printed or wrote"
fi

echo "ssh.sh: $passes passed, $fails failed"
if [ $fails -ne 0 ]; then
  echo "--- log"
  cat "$LOG"
  exit 1
fi
exit 0
