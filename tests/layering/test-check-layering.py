#!/usr/bin/env python3
"""The layering checker catches what it is for: each kind of fault in a
small made-up tree is reported (and a clean tree passes).

usage: test-check-layering.py CHECKER
"""
import os
import subprocess
import sys
import tempfile

CHECKER = sys.argv[1]

CLEAN = {
    "base/base.h": "int mae_one(void);\n",
    "base/one.c": '#include "base.h"\nint mae_one(void) { return 1; }\n',
    "schema/schema.h": '#include "base.h"\nint schema_two(void);\n',
    "schema/two.c": '#include "schema.h"\n'
                    "int schema_two(void) { return mae_one() + 1; }\n",
    "schema/yaml-tree.c": "#include <yaml.h>\n#include <jansson.h>\n",
    "cli/cmd.c": '#include "schema.h"\nint cmd(void) { return schema_two(); }\n',
}

CASES = [
    # name, files changed, text the report must hold
    ("forbidden include",
     {"base/one.c": '#include "base.h"\n#include "schema.h"\n'
                    "int mae_one(void) { return 1; }\n"},
     "base/one.c:2: includes 'schema/schema.h': base/ may include nothing of ours"),
    ("private header of another folder",
     {"schema/model-priv.h": "int model_x(void);\n",
      "cli/cmd.c": '#include "model-priv.h"\n'},
     "cli/cmd.c:1: includes 'schema/model-priv.h', private to schema/"),
    ("yaml outside schema",
     {"cli/cmd.c": "#include <yaml.h>\n"},
     "cli/cmd.c:1: includes <yaml.h>, which only schema/ may"),
    ("curl outside executor",
     {"schema/two.c": "#include <curl/curl.h>\n"},
     "schema/two.c:1: includes <curl/curl.h>, which only executor/ may"),
    ("sqlite outside state",
     {"plan/plan.c": "#include <sqlite3.h>\n"},
     "plan/plan.c:1: includes <sqlite3.h>, which only state/ may"),
    ("OpenSSL TLS outside executor",
     {"base/tls.c": "#include <openssl/ssl.h>\n"},
     "base/tls.c:1: includes <openssl/ssl.h>, which only executor/ may"),
    ("third-party header in a public header",
     {"schema/schema.h": '#include "base.h"\n#include <jansson.h>\n'
                         "int schema_two(void);\n"},
     "schema/schema.h:2: public header includes third-party <jansson.h>"),
    ("circle between two files",
     {"schema/three.c": '#include "schema.h"\n'
                        "int schema_three(void) { return schema_two(); }\n",
      "schema/schema.h": '#include "base.h"\nint schema_two(void);\n'
                         "int schema_three(void);\n",
      "schema/two.c": '#include "schema.h"\n'
                      "int schema_two(void) { return schema_three(); }\n"},
     "import circle: schema/three.c -> schema/two.c -> schema/three.c"),
    ("guest includes ours",
     {"guest/guest.c": '#include "base.h"\n'},
     "guest/guest.c:1: includes 'base/base.h': guest/ may include nothing of ours"),
    ("executor includes schema",
     {"executor/pull.c": '#include "schema.h"\n'},
     "executor/pull.c:1: includes 'schema/schema.h': executor/ may include base, plan, state"),
]


def run(files):
    with tempfile.TemporaryDirectory() as top:
        for rel, text in files.items():
            path = os.path.join(top, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        r = subprocess.run([sys.executable, CHECKER, top],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        return r.returncode, r.stdout


def main():
    failed = 0
    # the real KNOWN list names files absent here: a clean tree reports
    # exactly those entries as gone, and nothing else
    rc, out = run(CLEAN)
    others = [l for l in out.splitlines()
              if l and "KNOWN lists a circle that is gone" not in l
              and not l.startswith("check-layering:")]
    if others:
        print("clean tree: unexpected report:\n" + out)
        failed += 1
    for name, change, want in CASES:
        files = dict(CLEAN)
        files.update(change)
        rc, out = run(files)
        if rc != 1 or want not in out:
            print(f"{name}: exit {rc}, expected 1 and the line\n  {want}\n"
                  f"got:\n{out}")
            failed += 1
    print(f"{len(CASES) + 1 - failed} of {len(CASES) + 1} cases passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
