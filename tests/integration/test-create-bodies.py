#!/usr/bin/python3
"""The create bodies of `maestro config --json` on a real ship.

For every tests/integration/bodies/NAME.expect.json (written by hand from
spec §3-§4) and its description (NAME.yaml beside it, or the file its
"_description" names, relative to the source tree): each
container's create body is POSTed as it stands to the first ship of the
test fleet (POST /containers/create?name=NAME), and `docker inspect` must
show what the expectation says: Env as a set (the daemon may add PATH),
Labels holding the expected ones and a 64-hex maestro.spec, every other key
exactly.  Containers are created in the expectation's order (volumes_from
needs its source first) and removed afterwards, also on failure.

Needs MAESTRO (the binary) and the fleet's SHIP1_SOCK (tests/fleet/fleet run).
"""
import glob
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import urllib.parse


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)


def api(method, path, body=None):
    c = UnixConnection(os.environ["SHIP1_SOCK"])
    headers = {"Content-Type": "application/json"} if body is not None else {}
    c.request(method, "/v1.41" + path,
              None if body is None else json.dumps(body), headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, (json.loads(data) if data.strip() else None)


def remove(name):
    api("DELETE", "/containers/%s?force=1&v=1" % urllib.parse.quote(name))


def ensure_image(image, tagged):
    """Registry images of the bodies are tiny:1 under their name."""
    status, _ = api("GET", "/images/%s/json" % image)
    if status == 200:
        return
    repo, tag = image, "latest"
    if ":" in image.rsplit("/", 1)[-1]:
        repo, tag = image.rsplit(":", 1)
    api("POST", "/images/tiny:1/tag?repo=%s&tag=%s"
        % (urllib.parse.quote(repo, safe=""), urllib.parse.quote(tag, safe="")))
    tagged.append("%s:%s" % (repo, tag))


def compare(name, got, want, problems):
    for section in ("Config", "HostConfig"):
        g, w = got.get(section) or {}, want.get(section) or {}
        for key, wv in w.items():
            gv = g.get(key)
            where = "%s %s.%s" % (name, section, key)
            if key == "Env":
                extra = sorted(set(gv or []) - set(wv))
                extra = [x for x in extra if not x.startswith("PATH=")]
                missing = sorted(set(wv) - set(gv or []))
                if missing or extra:
                    problems.append("%s: missing %s, unexpected %s" % (where, missing, extra))
            elif key == "Labels":
                for lk, lv in wv.items():
                    if (gv or {}).get(lk) != lv:
                        problems.append("%s[%s]: got %r, want %r" % (where, lk, (gv or {}).get(lk), lv))
                if not re.fullmatch(r"[0-9a-f]{64}", (gv or {}).get("maestro.spec", "")):
                    problems.append("%s: no maestro.spec hash" % where)
            elif gv != wv:
                problems.append("%s: got %s, want %s" % (where, json.dumps(gv), json.dumps(wv)))


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bodies")
    maestro = os.environ["MAESTRO"]
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    problems, created, tagged, checked = [], [], [], 0
    try:
        for expect_file in sorted(glob.glob(os.path.join(here, "*.expect.json"))):
            want_all = json.load(open(expect_file))
            desc = expect_file[: -len(".expect.json")] + ".yaml"
            if "_description" in want_all:  # a description elsewhere in the tree
                desc = os.path.join(top, want_all["_description"])
            out = subprocess.run([maestro, "-f", desc, "config", "--json"],
                                 stdout=subprocess.PIPE, check=True).stdout
            cfg = json.loads(out)
            for name, want in want_all.items():
                if name.startswith("_"):
                    continue
                body = cfg["containers"][name]["create"]
                ensure_image(body["Image"], tagged)
                remove(name)
                status, r = api("POST", "/containers/create?name=" + urllib.parse.quote(name), body)
                if status != 201:
                    problems.append("%s: create: %d %s" % (name, status, r))
                    continue
                created.append(name)
                status, got = api("GET", "/containers/%s/json" % urllib.parse.quote(name))
                compare(name, got, want, problems)
                checked += 1
    finally:
        for name in reversed(created):
            remove(name)
        for image in tagged:
            api("DELETE", "/images/%s?noprune=1" % image)
    for p in problems:
        print("FAIL", p)
    if problems:
        return 1
    print("ok: %d create bodies created and inspected as expected" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
