#!/usr/bin/env python3
"""Recompute a plan document's step keys and hash the way INTERFACES.md
"Plans" defines them, independently of maestro's C code, and check that
the document is in canonical form (what Python's json.dumps writes)."""
import hashlib
import json
import sys


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def main(path):
    text = open(path, encoding="utf-8").read().rstrip("\n")
    doc = json.loads(text)
    bad = []
    if canonical(doc) != text:
        bad.append("not canonical")
    keys = {}
    for s in doc["steps"]:
        parts = [s["kind"], s["ship"], s["container"] or "",
                 canonical(s["spec"])]
        parts += sorted(keys[d] for d in s["depends_on"])
        key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        if key != s["key"]:
            bad.append("step %d: key %s, expected %s" % (s["number"], s["key"], key))
        keys[s["number"]] = s["key"]
    steps = [{k: v for k, v in s.items() if k != "status"} for s in doc["steps"]]
    h = hashlib.sha256(canonical(steps).encode()).hexdigest()
    if h != doc["hash"]:
        bad.append("hash %s, expected %s" % (doc["hash"], h))
    for b in bad:
        print(path + ": " + b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
