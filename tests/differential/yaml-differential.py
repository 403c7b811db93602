#!/usr/bin/python3
"""Differential test of maestro's YAML reader against PyYAML.

    yaml-differential.py YDUMP lines CORPUS
    yaml-differential.py YDUMP doc FILE...

Loads every document with PyYAML's CSafeLoader (libyaml's parser with
SafeLoader's resolver and constructors: what MaestroNG used), prints the
result in the format of tests/differential/ydump.c, runs YDUMP on the same
input and fails on any difference, showing the differing lines.  Run with
/usr/bin/python3 so that Debian's python3-yaml (PyYAML 6) is the oracle.
"""
import datetime
import difflib
import subprocess
import sys

import yaml

Loader = getattr(yaml, "CSafeLoader", None)
if Loader is None:
    sys.exit("yaml-differential: PyYAML without libyaml (no CSafeLoader)")


def esc(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


def scalar(v):
    if v is None:
        return "null:None"
    if isinstance(v, bool):
        return "bool:" + str(v)
    if isinstance(v, int):
        return "int:" + str(v)
    if isinstance(v, float):
        return "float:" + repr(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return "timestamp:" + esc(str(v))
    if isinstance(v, str):
        return "str:" + esc(v)
    raise TypeError(type(v).__name__)


def dump(v, indent, key, item, out):
    prefix = " " * indent + ("- " if item else "")
    if key is not None:
        prefix += scalar(key[0]) + ": "
    if isinstance(v, list):
        out.append(prefix + "seq")
        for x in v:
            dump(x, indent + 2, None, True, out)
    elif isinstance(v, dict):
        out.append(prefix + "map")
        for k, x in v.items():
            dump(x, indent + 2, (k,), False, out)
    else:
        out.append(prefix + scalar(v))


def one(text, out):
    try:
        v = yaml.load(text, Loader=Loader)
        lines = []
        dump(v, 0, None, False, lines)
    except Exception:  # any load or str() failure: maestro must refuse too
        lines = ["error"]
    out.extend(lines)


def main():
    ydump, mode, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    expected = []
    for name in files:
        with open(name, "rb") as f:
            data = f.read()
        if mode == "doc":
            expected.append("== " + name)
            one(data, expected)
        else:
            for line in data.split(b"\n"):
                if not line or line.startswith(b"#"):
                    continue
                expected.append("== " + line.decode("utf-8", "replace"))
                one(line, expected)
    got = subprocess.run([ydump, mode] + files, stdout=subprocess.PIPE,
                         check=True).stdout.decode("utf-8", "replace")
    got = got.splitlines()
    if got == expected:
        print("yaml-differential: %d lines agree with PyYAML %s"
              % (len(expected), yaml.__version__))
        return 0
    print("yaml-differential: maestro (+) differs from PyYAML (-):")
    for d in difflib.unified_diff(expected, got, "pyyaml", "maestro",
                                  n=2, lineterm=""):
        print(d)
    return 1


if __name__ == "__main__":
    sys.exit(main())
