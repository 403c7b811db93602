#!/usr/bin/env python3
"""maestro's fnmatch (-C/-S filters), shlex splitting (string commands)
and N(x) (link variable names) against Python's own fnmatch.fnmatchcase,
shlex.split and re.sub(r'[^\\w]', '_', x).upper(), on generated inputs.

usage: env-differential.py ENVCHECK [COUNT]
"""
import fnmatch
import json
import random
import re
import shlex
import subprocess
import sys


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def main():
    envcheck = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rnd = random.Random(1234)
    reqs, want = [], []

    glob_alpha = "ab-*?[]!^x"
    for _ in range(count):
        pat = "".join(rnd.choice(glob_alpha) for _ in range(rnd.randint(0, 8)))
        s = "".join(rnd.choice("ab-x[]!^") for _ in range(rnd.randint(0, 8)))
        reqs.append("glob\t%s\t%s" % (esc(pat), esc(s)))
        want.append("1" if fnmatch.fnmatchcase(s, pat) else "0")

    split_alpha = ["a", "b", " ", "\t", "'", '"', "\\", "$", "x y", "\n"]
    for _ in range(count):
        text = "".join(rnd.choice(split_alpha) for _ in range(rnd.randint(0, 10)))
        reqs.append("split\t%s" % esc(text))
        try:
            want.append(json.dumps(shlex.split(text), separators=(",", ":")))
        except ValueError:
            want.append("ERROR")

    # non-ASCII: letters only; maestro also counts non-letters from U+0100 up
    # as word characters (docs/environment.md), where Python does not
    norm_alpha = ["a", "Z", "0", "_", "-", ".", " ", "é", "ß", "ÿ", "µ", "×", "Ω", "中"]
    for _ in range(count):
        name = "".join(rnd.choice(norm_alpha) for _ in range(rnd.randint(0, 8)))
        reqs.append("norm\t%s" % esc(name))
        want.append(re.sub(r"[^\w]", "_", name).upper())

    out = subprocess.run([envcheck], input="\n".join(reqs).encode() + b"\n",
                         stdout=subprocess.PIPE, check=True).stdout.decode().split("\n")
    bad = 0
    for req, w, g in zip(reqs, want, out):
        if w != g:
            bad += 1
            if bad <= 20:
                print("differs: %r: python %r, maestro %r" % (req, w, g))
    print("%d requests, %d differ" % (len(reqs), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
