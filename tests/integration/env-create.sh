#!/usr/bin/env bash
# The create bodies of examples/maestro.yaml on a real Docker 20.10 daemon:
# every container is created from `maestro config --json`'s `create` body
# exactly as it stands (POST /containers/create?name=NAME) and started in
# dependency order; Docker must report back the same Env, labels, binds,
# port bindings and restart policy, and the services must really answer
# with what their environment says (the api reports the store's address
# from its link variables).
#
# Needs root and dockerd; exits 77 (skip) without them, or fails when
# CI=true.  Starts its own daemon (own socket, data, bridge 172.31.231.1/24,
# no iptables changes) and removes everything it made, even on failure.
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
    for c in store-1 api-1 web-1 web-2; do
      api DELETE "/containers/$c?force=1&v=1" >/dev/null 2>&1
    done
  fi
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null
    for _ in $(seq 50); do [ -f "$pidfile" ] || break; sleep 0.2; done
  fi
  rmdir "/sys/fs/cgroup/"*/maestro-env-it 2>/dev/null
  rm -rf "$work" /tmp/maestro-example
}
trap cleanup EXIT

dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$pidfile" \
  -H "unix://$sock" --bip 172.31.231.1/24 --iptables=false --ip-forward=false \
  --ip-masq=false --cgroup-parent /maestro-env-it --shutdown-timeout 2 \
  --tls=false >"$work/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 100); do
  [ "$(api GET /_ping 2>/dev/null)" = OK ] && break
  sleep 0.1
done
[ "$(api GET /_ping 2>/dev/null)" = OK ] || { cat "$work/dockerd.log"; skip "dockerd did not start"; }

# the image the example uses
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
for a in sh nc sleep httpd echo cat env ls wget true false; do ln -s busybox "$work/rootfs/bin/$a"; done
tar -C "$work/rootfs" -c . >"$work/rootfs.tar"
curl -sS --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
  --data-binary @"$work/rootfs.tar" \
  "http://d/v1.41/images/create?fromSrc=-&repo=tiny&tag=1" >/dev/null

"$maestro" -f "$root/examples/maestro.yaml" config --json >"$work/config.json" || exit 1

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
if ok:
    print("ok: 4 containers created from their bodies and started; store: %r; api: %r"
          % (store.splitlines()[-1], reply))
sys.exit(0 if ok else 1)
PY
exit $fail
