#!/usr/bin/env bash
# The create bodies of examples/maestro.yaml and of env-options.yaml (every
# option that reaches the body) on a real Docker 20.10 daemon:
# every container is created from `maestro config --json`'s `create` body
# exactly as it stands (POST /containers/create?name=NAME) and started in
# dependency order; Docker must report back the same Env, labels, binds,
# port bindings and restart policy, and the services must really answer
# with what their environment says (the api reports the store's address
# from its link variables).
#
# Needs root and dockerd; exits 77 (skip) without them, or fails when
# CI=true.  Starts its own daemon (own socket, data, its own bridge
# maeenvit0 at 172.31.231.1/24 - never docker0, which another daemon may
# own - no iptables changes) and removes everything it made, even on
# failure.
# usage: env-create.sh MAESTRO SOURCE_ROOT
set -u
maestro=$(realpath "$1")
root=$(realpath "$2")

skip() {
  echo "skip: $*"
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root"
command -v dockerd >/dev/null || skip "needs dockerd"
command -v curl >/dev/null || skip "needs curl"
[ -x /bin/busybox ] || skip "needs busybox"

work=$(mktemp -d /tmp/maestro-env-it.XXXXXX)
bridge=maeenvit0
sock=$work/docker.sock
pidfile=$work/docker.pid
fail=0

api() { # method path [body-file]
  if [ $# -ge 3 ]; then
    curl -sS --unix-socket "$sock" -X "$1" -H 'Content-Type: application/json' \
      --data-binary @"$3" "http://d/v1.41$2"
  else
    curl -sS --unix-socket "$sock" -X "$1" "http://d/v1.41$2"
  fi
}

cleanup() {
  if [ -S "$sock" ]; then
    for c in store-1 api-1 web-1 web-2 opt-app opt-data; do
      api DELETE "/containers/$c?force=1&v=1" >/dev/null 2>&1
    done
  fi
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null
    for _ in $(seq 50); do [ -f "$pidfile" ] || break; sleep 0.2; done
  fi
  rmdir "/sys/fs/cgroup/"*/maestro-env-it 2>/dev/null
  ip link del "$bridge" 2>/dev/null
  rm -rf "$work" /tmp/maestro-example /tmp/maestro-env-options
}
trap cleanup EXIT

command -v ip >/dev/null || skip "needs ip (iproute2)"
ip link del "$bridge" 2>/dev/null   # left by a run that was killed
ip link add "$bridge" type bridge || skip "cannot create bridge $bridge"
ip addr add 172.31.231.1/24 dev "$bridge"
ip link set "$bridge" up

dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$pidfile" \
  -H "unix://$sock" --bridge "$bridge" --iptables=false --ip-forward=false \
  --ip-masq=false --cgroup-parent /maestro-env-it --shutdown-timeout 2 \
  --tls=false >"$work/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 100); do
  [ "$(api GET /_ping 2>/dev/null)" = OK ] && break
  sleep 0.1
done
[ "$(api GET /_ping 2>/dev/null)" = OK ] || { cat "$work/dockerd.log"; skip "dockerd did not start"; }

# the image the example uses
"$root/tests/scripts/tiny-rootfs" "$work/rootfs.tar"
curl -sS --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
  --data-binary @"$work/rootfs.tar" \
  "http://d/v1.41/images/create?fromSrc=-&repo=tiny&tag=1" >/dev/null

"$maestro" -f "$root/examples/maestro.yaml" config --json >"$work/config.json" || exit 1
"$maestro" -f "$root/tests/integration/env-options.yaml" config --json >"$work/options.json" || exit 1

python3 - "$work" "$sock" <<'PY' || fail=1
import json, socket, subprocess, sys, time
work, sock = sys.argv[1:3]
cfg = json.load(open(work + "/config.json"))

def api(method, path, body=None):
    args = ["curl", "-sS", "--unix-socket", sock, "-X", method, "-w", "\n%{http_code}"]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    out = subprocess.run(args + ["http://d/v1.41" + path], stdout=subprocess.PIPE).stdout.decode()
    text, _, code = out.rpartition("\n")
    return int(code), (json.loads(text) if text.strip() else None)

ok = True
def check(what, cond):
    global ok
    if not cond:
        print("FAIL", what)
        ok = False

for name in ["store-1", "api-1", "web-1", "web-2"]:   # dependencies first
    body = cfg["containers"][name]["create"]
    code, r = api("POST", "/containers/create?name=" + name, body)
    check("%s created (%d %s)" % (name, code, r), code == 201)
    code, r = api("POST", "/containers/%s/start" % name)
    check("%s started (%d %s)" % (name, code, r), code == 204)
    code, got = api("GET", "/containers/%s/json" % name)
    c, hc = got["Config"], got["HostConfig"]
    check(name + " Env", c["Env"][:len(body["Env"])] == body["Env"])
    check(name + " Labels", all(c["Labels"].get(k) == v for k, v in body["Labels"].items()))
    check(name + " Hostname", c["Hostname"] == body["Hostname"])
    check(name + " Cmd", c["Cmd"] == body.get("Cmd"))
    check(name + " PortBindings", hc["PortBindings"] == body["HostConfig"].get("PortBindings"))
    check(name + " RestartPolicy", hc["RestartPolicy"] == body["HostConfig"]["RestartPolicy"])
    check(name + " Binds", (hc["Binds"] or None) == body["HostConfig"].get("Binds"))
    check(name + " StopTimeout", c.get("StopTimeout") == body["StopTimeout"])

def fetch(port, send=b""):
    for _ in range(50):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall(send)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.close()
            if data:
                return data.decode()
        except OSError:
            pass
        time.sleep(0.2)
    return ""

store = fetch(18080, b"GET /index.html HTTP/1.0\r\n\r\n")
check("store serves its page: %r" % store[-40:], store.endswith("store store-1\n"))
reply = fetch(19000)
check("api knows the store from its link variables: %r" % reply,
      reply == "hello from api-1, store at 127.0.0.1:18080\n")
# every option: created as it stands, started, reported back
opts = json.load(open(work + "/options.json"))
for name in ["opt-data", "opt-app"]:
    body = opts["containers"][name]["create"]
    code, r = api("POST", "/containers/create?name=" + name, body)
    check("%s created (%d %s)" % (name, code, r), code == 201)
    code, r = api("POST", "/containers/%s/start" % name)
    check("%s started (%d %s)" % (name, code, r), code == 204)
code, got = api("GET", "/containers/opt-app/json")
body = opts["containers"]["opt-app"]["create"]
c, hc, want = got["Config"], got["HostConfig"], body["HostConfig"]
check("opt-app running", got["State"]["Running"])
check("opt-app Env", c["Env"][:len(body["Env"])] == body["Env"])
check("opt-app bare EMPTY and formatted values",
      "EMPTY" in c["Env"] and not any(e.startswith("EMPTY=") for e in c["Env"]) and
      "RATIO=1.5" in c["Env"] and "ENABLED=True" in c["Env"])
check("opt-app User/WorkingDir", (c["User"], c["WorkingDir"]) == ("1000:1000", "/work"))
check("opt-app Labels", c["Labels"].get("blue") == "" and c["Labels"].get("green") == "")
for key in ["CapAdd", "CapDrop", "Dns", "ExtraHosts", "SecurityOpt", "Binds",
            "VolumesFrom", "RestartPolicy", "LogConfig", "Memory", "CpuShares",
            "PortBindings"]:
    check("opt-app HostConfig.%s: %r vs %r" % (key, hc.get(key), want.get(key)),
          hc.get(key) == want.get(key))
check("opt-app Links", hc["Links"] == ["/opt-data:/opt-app/data"])
check("opt-app Ulimits", hc["Ulimits"] == want["Ulimits"])
check("opt-app ExposedPorts", set(c["ExposedPorts"]) == set(body["ExposedPorts"]))
# volumes_from really shares the data container's volume
code, ex = api("POST", "/containers/opt-app/exec",
               {"Cmd": ["cat", "/shared/file"], "AttachStdout": True})
if code == 201:
    out = subprocess.run(["curl", "-sS", "--unix-socket", sock, "-X", "POST",
                          "-H", "Content-Type: application/json", "--data-binary",
                          '{"Detach": false, "Tty": true}',
                          "http://d/v1.41/exec/%s/start" % ex["Id"]],
                         stdout=subprocess.PIPE).stdout
    check("opt-app sees opt-data's volume: %r" % out, out.strip() == b"shared")
else:
    check("exec in opt-app (%d)" % code, False)

if ok:
    print("ok: 6 containers created from their bodies and started; store: %r; api: %r"
          % (store.splitlines()[-1], reply))
sys.exit(0 if ok else 1)
PY
exit $fail
