#!/usr/bin/env bash
# fleet-killed.sh FLEET - the fleet is torn down even when the test runner
# kills it the way meson's mtest does on a timeout: SIGTERM to the process
# group, SIGKILL to the group half a second later.  Brings up a one-ship
# fleet (FLEET_ID, default 6), kills `fleet run` so, then waits (60 s at
# most) until no namespace, bridge, iptables rule or process of that fleet
# is left.  Exit 77 where the fleet cannot run (1 with CI=true).
set -uo pipefail
FLEET=$1
export FLEET_ID=${FLEET_ID:-6} FLEET_KINDS=tcp FLEET_EXTRAS=
ROOT=/tmp/maestro-fleet-$FLEET_ID
W=$(mktemp -d)
trap '"$FLEET" down >/dev/null 2>&1; rm -rf "$W"' EXIT

leftovers() { # prints what of the fleet is still there
  ip netns list 2>/dev/null | grep "^mfl$FLEET_ID-ship" || true
  ip -br link 2>/dev/null | grep "^mfl$FLEET_ID[ -@]" || true
  iptables -S FORWARD 2>/dev/null | grep "maestro-fleet-$FLEET_ID\"\? " || true
  pgrep -af "$ROOT/" || true
}

# in a session (and process group) of its own, as mtest starts a test
setsid "$FLEET" run sh -c "touch '$W/ready'; exec sleep 300" >"$W/fleet.log" 2>&1 &
pg=$!
for _ in $(seq 1200); do
  [ -e "$W/ready" ] && break
  kill -0 "$pg" 2>/dev/null || break
  sleep 0.1
done
if [ ! -e "$W/ready" ]; then
  wait "$pg"
  rc=$?
  cat "$W/fleet.log"
  [ $rc -eq 77 ] && exit 77
  echo "FAIL: the fleet did not come up (exit $rc)"
  exit 1
fi
[ -n "$(leftovers)" ] || { echo "FAIL: the check sees nothing of a running fleet"; exit 1; }

kill -TERM -- "-$pg"
sleep 0.5
kill -KILL -- "-$pg" 2>/dev/null
for _ in $(seq 600); do
  [ -z "$(leftovers)" ] && break
  sleep 0.1
done
left=$(leftovers)
cat "$W/fleet.log"
if [ -n "$left" ]; then
  echo "FAIL: left behind after SIGTERM + SIGKILL of the process group:"
  echo "$left"
  exit 1
fi
echo "ok: nothing of fleet $FLEET_ID left after SIGTERM + SIGKILL of its process group"
