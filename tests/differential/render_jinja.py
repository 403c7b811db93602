#!/usr/bin/python3
"""Render a template with the real Jinja2 the way MaestroNG's loader does.

    render_jinja.py BASE_DIR NAME

Environment(loader=FileSystemLoader(BASE_DIR), auto_reload=False), the
template loaded by NAME, rendered with env = the process environment.
The output goes to stdout as UTF-8; on any error, the exception's type and
message go to stderr and the exit status is 1.  Run with /usr/bin/python3
(Debian's python3-jinja2 3.1.2), never another Python.
"""
import os
import sys

import jinja2


def main():
    base_dir, name = sys.argv[1], sys.argv[2]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(base_dir),
                             auto_reload=False)
    try:
        text = env.get_template(name).render(env=os.environ)
        data = text.encode("utf-8")
    except Exception as e:  # every failure counts as "jinja2 failed"
        sys.stderr.write("%s: %s\n" % (type(e).__name__, e))
        return 1
    sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
