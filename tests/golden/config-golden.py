#!/usr/bin/env python3
"""Golden test of `maestro config --json` (and `deptree`).

usage: config-golden.py MAESTRO DESCRIPTION EXPECTED.yaml [DEPTREE.txt]

EXPECTED.yaml is written by hand from the spec: the whole document
INTERFACES.md describes, except the hashes.  Every container's
create.Labels["maestro.spec"] and the top-level model_hash are left out of
it and computed here, independently of maestro, as SHA-256 of the
canonical JSON (keys sorted, no whitespace, UTF-8) of the create body
without that label, and of the document without model_hash.  The output
must also be byte-stable: two runs give the same bytes, keys sorted.
A DEPTREE.txt file, when given, is compared with `maestro deptree`.
"""
import hashlib
import json
import os
import subprocess
import sys

import yaml


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sha(v):
    return hashlib.sha256(canonical(v)).hexdigest()


def diff(path, want, got, out):
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append("%s.%s: missing" % (path, k))
            elif k not in want:
                out.append("%s.%s: unexpected %r" % (path, k, got[k]))
            else:
                diff("%s.%s" % (path, k), want[k], got[k], out)
    elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (a, b) in enumerate(zip(want, got)):
            diff("%s[%d]" % (path, i), a, b, out)
    elif want != got or type(want) != type(got):
        out.append("%s: expected %r, got %r" % (path, want, got))


def main():
    maestro, desc, expected = sys.argv[1:4]
    deptree = sys.argv[4] if len(sys.argv) > 4 else None
    run = lambda *a: subprocess.run([maestro, "-f", desc] + list(a),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    r1, r2 = run("config", "--json"), run("config", "--json")
    if r1.returncode != 0:
        sys.stderr.write(r1.stderr.decode())
        print("config --json exited %d" % r1.returncode)
        return 1
    if r1.stdout != r2.stdout:
        print("config --json is not byte-stable")
        return 1
    got = json.loads(r1.stdout)
    if json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n" != r1.stdout.decode():
        print("config --json keys are not sorted (or not 2-space indented)")
        return 1

    with open(expected) as f:
        want = yaml.safe_load(f)
    # top-level keys starting with '_' hold anchors for the expectation
    for k in [k for k in want if k.startswith("_")]:
        del want[k]
    for c in want["containers"].values():
        c["create"]["Labels"]["maestro.spec"] = sha(c["create"])
    want["model_hash"] = sha(want)

    problems = []
    diff("", want, got, problems)
    for p in problems:
        print(p)
    if problems:
        return 1

    # the YAML form (no --json) reads back as the same document
    r = run("config")
    if r.returncode != 0 or yaml.safe_load(r.stdout) != got:
        print("config (YAML) does not read back as the JSON document")
        return 1

    if deptree:
        r = run("deptree")
        with open(deptree, "rb") as f:
            if r.returncode != 0 or r.stdout != f.read():
                print("deptree differs:\n" + r.stdout.decode() + r.stderr.decode())
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
