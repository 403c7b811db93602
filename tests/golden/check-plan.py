#!/usr/bin/env python3
"""Golden plans: run the compiler on a case and compare with the expected
plan, after checking the expected plan itself independently of maestro:
every step key and the plan hash recomputed here from INTERFACES.md's
definitions, the numbering checked against its tie-break rules, and the
dependencies checked to point at earlier steps.

usage: check-plan.py PLAN-GOLDEN CASE.case.json [--write]

The expected file is CASE.expected.json beside the case.  --write stores
the compiler's output there (after the same checks) for a human to read
and review before it is committed; it never passes a test by itself.
"""
import hashlib
import hmac
import json
import subprocess
import sys

KINDS = ["pull", "create", "start", "check", "stop", "kill", "remove", "wait"]


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def step_key(s, dep_keys):
    h = hashlib.sha256()
    for part in (s["kind"], s["ship"], s["container"] or ""):
        h.update(part.encode() + b"\0")
    h.update(canonical(s["spec"]).encode())
    for k in sorted(dep_keys):
        h.update(b"\0" + k.encode())
    return h.hexdigest()


def check_plan(p, where):
    errors = []
    steps = p["steps"]
    depth = {}
    for i, s in enumerate(steps):
        n = i + 1
        if s["number"] != n:
            errors.append("%s: step %d is numbered %d" % (where, n, s["number"]))
        deps = s["depends_on"]
        if deps != sorted(set(deps)) or any(d < 1 or d >= n for d in deps):
            errors.append("%s: step %d depends on %r" % (where, n, deps))
            continue
        if (s["container"] is None) != (s["kind"] in ("pull", "wait")):
            errors.append("%s: step %d: container %r for a %s" %
                          (where, n, s["container"], s["kind"]))
        if s["kind"] == "create":
            body = json.loads(json.dumps(s["spec"]["body"]))
            label = body["Labels"].pop("maestro.spec")
            if label != "<secret>" and not label.startswith("hmac-sha256:"):
                h = hashlib.sha256(canonical(body).encode()).hexdigest()
                if h != label:
                    errors.append("%s: step %d: maestro.spec %s, recomputed %s"
                                  % (where, n, label, h))
        depth[n] = max([depth[d] + 1 for d in deps], default=0)
        key = step_key(s, [steps[d - 1]["key"] for d in deps])
        if key != s["key"]:
            errors.append("%s: step %d: key %s, recomputed %s" %
                          (where, n, s["key"], key))

    def order(s):
        c = s["container"]
        return (depth.get(s["number"], 0), s["ship"],
                (0, "") if c is None else (1, c), KINDS.index(s["kind"]),
                canonical(s["spec"]), s["key"])
    for a, b in zip(steps, steps[1:]):
        if order(a) >= order(b):
            errors.append("%s: steps %d and %d are not in numbering order" %
                          (where, a["number"], b["number"]))
    bare = [{k: v for k, v in s.items() if k != "status"} for s in steps]
    h = hashlib.sha256(canonical(bare).encode()).hexdigest()
    if h != p["hash"]:
        errors.append("%s: hash %s, recomputed %s" % (where, p["hash"], h))
    return errors


def main():
    exe, case = sys.argv[1], sys.argv[2]
    write = "--write" in sys.argv[3:]
    expected_path = case[: -len(".case.json")] + ".expected.json"
    out = subprocess.run([exe, case], stdout=subprocess.PIPE, check=True)
    got = json.loads(out.stdout)
    errors = []
    if "plan" in got:
        errors += check_plan(got["plan"], "output")
    if write:
        with open(expected_path, "w") as f:
            f.write(out.stdout.decode())
        print("\n".join(errors) or "written %s" % expected_path)
        return 1 if errors else 0
    with open(expected_path) as f:
        want = json.load(f)
    if "plan" in want:
        errors += check_plan(want["plan"], expected_path)
    # secrets (a case's "secret_values"): never in the plan, and each
    # digest is the HMAC-SHA256 under plan-golden's fixed key
    case_doc = json.load(open(case))
    key = b"0123456789abcdef0123456789abcdef"
    text = json.dumps(got, ensure_ascii=False)
    for v in case_doc.get("secret_values", []):
        d = "hmac-sha256:" + hmac.new(key, v.encode(), hashlib.sha256).hexdigest()
        if v in text or json.dumps(v)[1:-1] in text:
            errors.append("the plan holds the secret %r" % v)
        if d not in text:
            errors.append("the plan lacks the digest %s of a secret" % d)
    if got != want:
        errors.append("the plan differs from %s:" % expected_path)
        a = json.dumps(want, indent=2, sort_keys=True).splitlines()
        b = json.dumps(got, indent=2, sort_keys=True).splitlines()
        import difflib
        errors += list(difflib.unified_diff(a, b, "expected", "got",
                                            lineterm=""))[:80]
    print("\n".join(errors) or "ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
