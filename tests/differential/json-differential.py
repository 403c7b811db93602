#!/usr/bin/env python3
"""Canonical JSON: base's writer (jcanon) against Python's
json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
and hashlib.sha256, and its indented layout against json.dumps(v,
indent=N, sort_keys=True, ensure_ascii=False), on generated documents: floats at the edges of the
shortest repr (0.1, 1e16, 1e-7, -0.0, 5e-324, the largest double,
random bit patterns), Unicode (astral, U+2028, U+FEFF, controls, DEL,
keys that sort differently in UTF-16), integers up to 64 bits.

usage: json-differential.py JCANON [COUNT]
"""
import hashlib
import json
import random
import struct
import subprocess
import sys

EDGE_FLOATS = [0.1, 0.2, 0.3, 1e16, 1e15, 9999999999999998.0, 1e-7, 1e-5,
               1e-4, 0.0001, 123456789012345678.0, -0.0, 0.0, 5e-324,
               2.2250738585072014e-308, 1.7976931348623157e308, 1.0, -1.5,
               100.0, 1e22, 1e23, 2 ** 53 + 0.0, 0.30000000000000004,
               1 / 3, 2 / 3, 4.35, 1e100, 1.5e-300, 123.456]
EDGE_INTS = [0, -1, 1, 2 ** 31, -2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1,
             -2 ** 63, 10 ** 18, -10 ** 18]
EDGE_STRS = ["", "plain", "quote\"back\\slash", "\x00\x01\x1f\x7f",
             "\b\f\n\r\t", "\u2028\u2029", "\ufeff", "caf\u00e9",
             "\U0001F600 astral", "\uffff\U00010000", "\ue000", "/ slash",
             "<script>&'", "\x1b[31m"]


def rand_float(r):
    k = r.random()
    if k < 0.3:
        return r.choice(EDGE_FLOATS) * r.choice([1, -1])
    if k < 0.6:
        while True:
            f = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
            if f == f and f not in (float("inf"), float("-inf")):
                return f
    if k < 0.8:
        return round(r.uniform(-1000, 1000), r.randint(0, 6))
    return r.uniform(-1, 1) * 10 ** r.randint(-30, 30)


def rand_char(r):
    k = r.random()
    if k < 0.5:
        return chr(r.randint(0x20, 0x7e))
    if k < 0.65:
        return chr(r.randint(0, 0x20))
    if k < 0.8:
        c = r.randint(0x80, 0xffff)
        return chr(c) if not 0xd800 <= c <= 0xdfff else "\u2028"
    if k < 0.9:
        return chr(r.randint(0x10000, 0x10ffff))
    return r.choice(["\x7f", "\u2028", "\\", "\"", "\U0001F600"])


def rand_str(r, key=False):
    if r.random() < 0.3:
        s = r.choice(EDGE_STRS)
    else:
        s = "".join(rand_char(r) for _ in range(r.randint(0, 12)))
    if key:
        s = s.replace("\x00", "")  # jansson keys cannot hold NUL
    return s


def rand_value(r, depth):
    k = r.random()
    if depth < 4 and k < 0.2:
        return {rand_str(r, True): rand_value(r, depth + 1)
                for _ in range(r.randint(0, 6))}
    if depth < 4 and k < 0.35:
        return [rand_value(r, depth + 1) for _ in range(r.randint(0, 6))]
    if k < 0.6:
        return rand_float(r)
    if k < 0.75:
        return r.choice(EDGE_INTS) if r.random() < 0.5 else r.randint(-10 ** 6, 10 ** 6)
    if k < 0.95:
        return rand_str(r)
    return r.choice([True, False, None])


def canonical(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def main():
    jcanon = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    r = random.Random(20261204)
    docs = [EDGE_FLOATS, EDGE_INTS, EDGE_STRS,
            {s: i for i, s in enumerate(EDGE_STRS) if "\x00" not in s},
            {"timeout": 0.1}]
    docs += [rand_value(r, 0) for _ in range(count)]
    # the input is ASCII-escaped so that only the writer's output is tested
    inp = "".join(json.dumps(d, ensure_ascii=True) + "\n" for d in docs)
    p = subprocess.run([jcanon], input=inp.encode(), stdout=subprocess.PIPE)
    if p.returncode != 0:
        print("jcanon exited %d" % p.returncode)
        return 1
    out = p.stdout.split(b"\n")
    bad = 0
    for i, d in enumerate(docs):
        want = canonical(d).encode("utf-8")
        got, hexd = out[2 * i], out[2 * i + 1].decode()
        if got != want:
            bad += 1
            if bad <= 10:
                print("document %d:\n  python  %r\n  maestro %r" % (i, want, got))
        elif hexd != hashlib.sha256(want).hexdigest():
            bad += 1
            print("document %d: hash %s, python %s" % (i, hexd,
                  hashlib.sha256(want).hexdigest()))
    # the indented layout, against json.dumps(indent=N, sort_keys=True)
    for indent in (2, 4):
        p = subprocess.run([jcanon, str(indent)], input=inp.encode(),
                           stdout=subprocess.PIPE)
        if p.returncode != 0:
            print("jcanon %d exited %d" % (indent, p.returncode))
            return 1
        out = p.stdout.split(b"\0")
        for i, d in enumerate(docs):
            want = json.dumps(d, indent=indent, sort_keys=True,
                              ensure_ascii=False).encode("utf-8")
            if out[i] != want:
                bad += 1
                if bad <= 10:
                    print("document %d, indent %d:\n  python  %r\n  maestro %r"
                          % (i, indent, want, out[i]))
    print("%d documents, %d differ" % (len(docs), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
