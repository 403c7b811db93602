#!/usr/bin/python3
"""Differential test of maestro's YAML reader against PyYAML.

    yaml-differential.py YDUMP lines CORPUS
    yaml-differential.py YDUMP doc FILE...
    yaml-differential.py YDUMP floats
    yaml-differential.py YDUMP generated

The generated mode makes a fixed pseudo-random corpus of short scalars
from the characters the resolvers care about (digits, signs, '_', ':',
'.', exponents, prefixes, inf/nan/bool/null words) and of dates and
datetimes with out-of-range fields, and compares them as in lines mode.

The floats mode checks py_float_repr() against Python's repr() on every
power of two, their neighbours, and a fixed pseudo-random set of doubles
(bit patterns and short decimals).

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


def has_nul(v):
    """maestro refuses U+0000 in any string on purpose (docs/yaml.md):
    PyYAML keeps it, and C strings, Docker and the environment cut there."""
    if isinstance(v, str):
        return "\0" in v
    if isinstance(v, list):
        return any(has_nul(x) for x in v)
    if isinstance(v, dict):
        return any(has_nul(k) or has_nul(x) for k, x in v.items())
    return False


def one(text, out):
    try:
        v = yaml.load(text, Loader=Loader)
        if has_nul(v):
            raise ValueError("U+0000")
        lines = []
        dump(v, 0, None, False, lines)
    except Exception:  # any load or str() failure: maestro must refuse too
        lines = ["error"]
    out.extend(lines)


def float_cases():
    import math
    import random
    import struct
    rnd = random.Random(20240517)
    vals = [0.0, -0.0, math.inf, -math.inf, math.nan]
    for e in range(-1074, 1024):
        v = math.ldexp(1.0, e)
        vals += [v, -v, math.nextafter(v, 0.0), math.nextafter(v, math.inf)]
    for _ in range(20000):
        bits = rnd.getrandbits(64)
        v = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if not math.isnan(v):
            vals.append(v)
    for _ in range(10000):
        digits = rnd.randint(1, 17)
        mant = rnd.randint(1, 10 ** digits - 1)
        vals.append(float("%de%d" % (mant, rnd.randint(-330, 310))))
    for p in range(-25, 25):
        vals += [10.0 ** p, 1.5 * 10.0 ** p, 9.999999 * 10.0 ** p]
    return vals


def generated_cases():
    import random
    rnd = random.Random(1)
    alpha = (list("0123456789") * 3 + list("_:.+-eExXbBoO") * 2 +
             list("aAfFnNyYtT~<= :") +
             ["inf", "nan", "Inf", "NAN", "yes", "No", "null", "0x", "0b",
              "0o", "T", " ", "-", "Z"])
    lines = set()
    while len(lines) < 20000:
        s = "".join(rnd.choice(alpha)
                    for _ in range(rnd.randint(1, 8))).strip()
        if s and not s.startswith("#"):
            lines.add(s)
    for _ in range(1000):
        lines.add("%04d-%02d-%02d" % (rnd.randint(0, 2100),
                                      rnd.randint(0, 14), rnd.randint(0, 33)))
        lines.add("%04d-%d-%d %d:%02d:%02d.%d %s%d:%02d" % (
            rnd.randint(0, 2100), rnd.randint(0, 14), rnd.randint(0, 33),
            rnd.randint(0, 25), rnd.randint(0, 61), rnd.randint(0, 61),
            rnd.randint(0, 10 ** 8), rnd.choice("+-"), rnd.randint(0, 30),
            rnd.randint(0, 99)))
    return sorted(lines)


def main():
    ydump, mode, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    expected = []
    if mode == "generated":
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as tmp:
            tmp.write("\n".join(generated_cases()) + "\n")
            tmp.flush()
            return main_on(ydump, "lines", [tmp.name])
    return main_on(ydump, mode, files)


def main_on(ydump, mode, files):
    expected = []
    if mode == "floats":
        import tempfile
        vals = float_cases()
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as tmp:
            for v in vals:
                tmp.write(float.hex(v) + "\n")
                expected.append(repr(v))
            tmp.flush()
            got = subprocess.run([ydump, "floats", tmp.name],
                                 stdout=subprocess.PIPE,
                                 check=True).stdout.decode().splitlines()
        return report(expected, got)
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
    return report(expected, got.splitlines())


def report(expected, got):
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
