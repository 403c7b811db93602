#!/usr/bin/python3
"""Differential test: maestro's template pass against the real Jinja2.

    compare.py [--corpus] RENDER_TMPL BASE_DIR [FILE...]

Renders every FILE (default: every *.j2 directly in BASE_DIR) with Jinja2
(render_jinja.py, Debian's python3-jinja2) and with maestro (RENDER_TMPL,
built from tests/differential/render-tmpl.c), both under one fixed
environment, and requires identical output or both to fail.

With --corpus (fuzzer output: arbitrary bytes), maestro may also refuse a
template Jinja2 renders, but only with an error that says the construct is
outside maestro's subset or hits a documented limit; the summary counts
those separately.  Exit status 1 on any disagreement.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JINJA = os.path.join(HERE, "render_jinja.py")

# The fixed environment both renderers see as `env`.
TEST_ENV = {
    "PATH": "/usr/bin:/bin",
    "LC_ALL": "C.UTF-8",
    "BAR": "bar",
    "HOME": "/home/maestro",
    "ZK_HOSTS": "zk1:2181,zk2:2181",
    "EMPTY": "",
    "NUMBER": "42",
    "FLOATY": "2.50",
    "SPACED": "  padded value  ",
    "QUOTES": "it's \"quoted\"",
    "UNICODE": "caf\u00e9 \u2713",
    "MULTILINE": "line one\nline two\n",
    "DB_PASSWORD": "s3cret",
}

REFUSALS = ("unsupported", "more than", "deeper than", "longer than",
            "larger than", "out of range", "integer overflow",
            "not valid UTF-8", "NUL character", "non-ASCII")


def run(argv, timeout=60):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=TEST_ENV, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def main():
    args = sys.argv[1:]
    corpus = False
    if args and args[0] == "--corpus":
        corpus = True
        args = args[1:]
    tool, base = args[0], args[1]
    files = args[2:] or sorted(f for f in os.listdir(base)
                               if f.endswith(".j2") and
                               os.path.isfile(os.path.join(base, f)))
    same = both_failed = refused = 0
    bad = []
    for name in files:
        try:
            jrc, jout, jerr = run(["/usr/bin/python3", JINJA, base, name],
                                  timeout=20)
        except subprocess.TimeoutExpired:
            # Python's unbounded integers or loops: Jinja2 does not finish
            jrc, jout, jerr = 124, b"", "jinja2 timed out"
        try:
            mrc, mout, merr = run([tool, base, name])
        except subprocess.TimeoutExpired:
            bad.append((name, "maestro timed out"))
            continue
        if mrc not in (0, 1):
            bad.append((name, "maestro crashed (status %d): %s" % (mrc, merr)))
        elif jrc == 0 and mrc == 0:
            if jout == mout:
                same += 1
            else:
                bad.append((name, "different output\n--- jinja2\n%s\n--- maestro\n%s"
                            % (jout.decode("utf-8", "replace"),
                               mout.decode("utf-8", "replace"))))
        elif jrc != 0 and mrc != 0:
            both_failed += 1
        elif mrc != 0 and corpus and any(r in merr for r in REFUSALS):
            refused += 1
            print("refused %s: %s" % (name, next((l for l in merr.splitlines()
                                                  if "error:" in l), "")))
        elif mrc != 0:
            bad.append((name, "maestro failed, jinja2 rendered:\n%s\n%s"
                        % (merr, jout.decode("utf-8", "replace"))))
        else:
            bad.append((name, "jinja2 failed (%s), maestro rendered:\n%s"
                        % (jerr.strip(), mout.decode("utf-8", "replace"))))
    for name, why in bad:
        print("DISAGREE %s: %s" % (name, why))
    print("%d files: %d identical, %d both failed, %d refused by maestro "
          "(outside the subset), %d disagreements"
          % (len(files), same, both_failed, refused, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
