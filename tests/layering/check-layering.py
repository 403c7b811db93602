#!/usr/bin/env python3
"""check-layering.py - the layering of DESIGN.md "Where things live" as a test.

    check-layering.py SOURCE_ROOT [--graph]

Reads every C file of ours (base/ plan/ schema/ compiler/ state/ executor/
cli/ guest/) and fails, naming the files, on:

  1. an `#include "..."` of a folder that DESIGN.md's "who may include whom"
     forbids (plan -> base; schema -> base; compiler -> base, schema, plan;
     state -> base, plan; executor -> base, plan, state; cli -> everything;
     guest -> nothing of ours), or of another folder's private header
     (`*-priv.h`, `*-int.h`);
  2. a third-party header where it does not belong: yaml.h only in schema/,
     sqlite3.h only in state/, curl, libssh2 and OpenSSL's TLS headers only in
     executor/, and none at all in a public header of ours (one that is not
     `*-priv.h` / `*-int.h`);
  3. a circle of imports between files: file A imports file B when A uses a
     function or variable that B defines (B's header declares it, A includes
     that header).  The imports must form no cycle, inside a folder as well as
     across folders.

With --graph it prints the file import graph (one "A -> B" a line) and exits.
Circles listed in KNOWN below are reported but do not fail, so that the test
is green while their owners remove them; an entry whose circle is gone is an
error, so the list only shrinks.
"""
import os
import re
import sys

FOLDERS = ["base", "plan", "schema", "compiler", "state", "executor", "cli",
           "guest"]
ALLOWED = {
    "base": set(),
    "plan": {"base"},
    "schema": {"base"},
    "compiler": {"base", "schema", "plan"},
    "state": {"base", "plan"},
    "executor": {"base", "plan", "state"},
    "cli": set(FOLDERS) - {"guest"},
    "guest": set(),
}

# Third-party headers: a pattern and the folders that may include it (None:
# any folder, but still never from a public header).
THIRD_PARTY = [
    (re.compile(r"yaml\.h$"), {"schema"}),
    (re.compile(r"sqlite3\.h$"), {"state"}),
    (re.compile(r"curl/"), {"executor"}),
    (re.compile(r"libssh2"), {"executor"}),
    (re.compile(r"openssl/(ssl|x509|x509v3|pem|tls1)\.h$"), {"executor"}),
    (re.compile(r"openssl/"), None),
    (re.compile(r"jansson\.h$"), None),
    (re.compile(r"pcre2\.h$"), None),
    (re.compile(r"cmocka\.h$"), None),
]

# Circles being removed (issue 10): two files of the circle and who removes
# it.  A circle holding both files is reported, not failed; once no circle
# holds them the entry is an error, so remove it with the circle.
KNOWN = {
}


def is_private(path):
    base = os.path.basename(path)
    return base.endswith("-priv.h") or base.endswith("-int.h")


def strip_c(text):
    """Comments and string/char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def without_preprocessor(code):
    lines, cont = [], False
    for line in code.split("\n"):
        pre = cont or line.lstrip().startswith("#")
        cont = pre and line.rstrip().endswith("\\")
        lines.append("" if pre else line)
    return "\n".join(lines)


IDENT = re.compile(r"[A-Za-z_]\w*")
SKIP_NAMES = {"main"}


def top_level_items(code):
    """File-scope items as (text, end): end is '{' for a definition with a
    body, '=' for one with an initializer, ';' for a declaration.  Bodies
    and initializers are skipped."""
    depth, skip_init, item = 0, False, []
    for tok in re.finditer(r"[{};=]|[^{};=]+", code):
        t = tok.group(0)
        if depth > 0:
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
            continue
        if skip_init:
            if t == "{":
                depth = 1
            elif t == ";":
                skip_init = False
            continue
        if t in ("{", "=", ";"):
            text = " ".join("".join(item).split())
            item = []
            if t == "{":
                depth = 1
            elif t == "=":
                skip_init = True
            if text:
                yield text, t
        elif t == "}":
            item = []
        else:
            item.append(t)


def external_definitions(code, header):
    """(defined, declared, local): names of the functions and variables
    defined at file scope and visible to other files (in a header: its static
    inline functions, which every includer gets), the names declared, and
    the names defined static."""
    names, declared, local = set(), set(), set()
    for text, end in top_level_items(code):
        words = text.split()
        if words[0] == "typedef":
            continue
        if end == "{" and re.match(r"^(struct|union|enum)\b[^(]*$", text):
            continue  # a type definition
        head = text.split("(")[0]
        m = re.search(r"(\w+)\s*$", head) if "(" in text else \
            re.search(r"(\w+)\s*(\[[^\]]*\])*\s*$", text)
        if not m:
            continue
        name = m.group(1)
        if words[0] == "extern" or (end == ";" and "(" in text):
            declared.add(name)
            continue
        static = words[0] == "static" or (words[0] == "inline" and
                                          len(words) > 1 and
                                          words[1] == "static")
        if static and not (header and "inline" in head.split()):
            local.add(name)
            continue
        if header and "(" not in text:
            continue
        names.add(name)
    return names - SKIP_NAMES, declared, local


class Source:
    def __init__(self, root, rel):
        self.rel = rel
        self.folder = rel.split("/")[0]
        with open(os.path.join(root, rel), encoding="utf-8",
                  errors="replace") as f:
            raw = f.read()
        code = strip_c(raw)
        self.quoted, self.angled = [], []
        for m in re.finditer(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]',
                             _keep_include_strings(raw), re.M):
            line = raw.count("\n", 0, m.start()) + 1
            (self.quoted if m.group(1) == '"' else self.angled).append(
                (m.group(2), line))
        body = without_preprocessor(code)
        header = rel.endswith(".h")
        self.defs, declared, local = external_definitions(body, header)
        # What a header declares is not a use (its prototypes name them);
        # a file's own static names shadow another file's.
        self.uses = set(IDENT.findall(body)) - local
        if header:
            self.uses -= declared


def _keep_include_strings(raw):
    # Includes inside comments do not count.
    out = []
    i = 0
    while True:
        j = raw.find("/*", i)
        if j < 0:
            out.append(raw[i:])
            break
        out.append(raw[i:j])
        k = raw.find("*/", j + 2)
        k = len(raw) if k < 0 else k + 2
        out.append(re.sub(r"[^\n]", " ", raw[j:k]))
        i = k
    return "".join(out)


def load(root):
    files = {}
    for folder in FOLDERS:
        top = os.path.join(root, folder)
        if not os.path.isdir(top):
            continue
        for dirpath, _, names in os.walk(top):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dirpath, name), root)
                    files[rel] = Source(root, rel)
    return files


def resolve(files, src, name):
    """The file of ours an #include "name" of src reads, or None."""
    here = os.path.normpath(os.path.join(os.path.dirname(src.rel), name))
    if here in files:
        return here
    hits = [r for r in files
            if r.endswith("/" + name) and r.split("/")[0] in FOLDERS]
    return hits[0] if len(hits) == 1 else None


def sccs(nodes, edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        work = [(v, iter(sorted(edges.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            u, it = work[-1]
            nxt = next(it, None)
            if nxt is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[u])
                if low[u] == index[u]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == u:
                            break
                    out.append(sorted(comp))
            elif nxt not in index:
                index[nxt] = low[nxt] = counter[0]
                counter[0] += 1
                stack.append(nxt)
                on.add(nxt)
                work.append((nxt, iter(sorted(edges.get(nxt, ())))))
            elif nxt in on:
                low[u] = min(low[u], index[nxt])

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def one_cycle(comp, edges):
    """A shortest cycle through the first file of a strongly connected set."""
    inside = set(comp)
    start = comp[0]
    prev, queue = {start: None}, [start]
    while queue:
        u = queue.pop(0)
        for v in sorted(edges.get(u, ())):
            if v not in inside:
                continue
            if v == start:
                path = [u]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if v not in prev:
                prev[v] = u
                queue.append(v)
    return comp


def main(argv):
    if len(argv) < 2:
        print("usage: check-layering.py SOURCE_ROOT [--graph]", file=sys.stderr)
        return 2
    root = argv[1]
    files = load(root)
    errors = []

    # 1 and 2: includes.
    includes = {}
    for rel, src in sorted(files.items()):
        inc = includes.setdefault(rel, set())
        for name, line in src.quoted:
            target = resolve(files, src, name)
            if target is None:
                continue  # not ours (a generated or system header)
            inc.add(target)
            tf = target.split("/")[0]
            if tf != src.folder and tf not in ALLOWED[src.folder]:
                may = ", ".join(sorted(ALLOWED[src.folder])) or "nothing of ours"
                errors.append(f"{rel}:{line}: includes '{target}': "
                              f"{src.folder}/ may include {may}")
            elif tf != src.folder and is_private(target):
                errors.append(f"{rel}:{line}: includes '{target}', "
                              f"private to {tf}/")
        for name, line in src.angled:
            for pat, where in THIRD_PARTY:
                if not pat.search(name):
                    continue
                if where is not None and src.folder not in where:
                    errors.append(f"{rel}:{line}: includes <{name}>, which "
                                  f"only {', '.join(sorted(where))}/ may")
                elif rel.endswith(".h") and not is_private(rel):
                    errors.append(f"{rel}:{line}: public header includes "
                                  f"third-party <{name}>")
                break

    # 3: imports, through what each file's includes (transitively) declare.
    reach = {}

    def reachable(rel):
        if rel in reach:
            return reach[rel]
        reach[rel] = set()
        seen, todo = set(), list(includes.get(rel, ()))
        while todo:
            h = todo.pop()
            if h in seen:
                continue
            seen.add(h)
            todo.extend(includes.get(h, ()))
        reach[rel] = seen
        return seen

    definer = {}
    for rel, src in files.items():
        for name in src.defs:
            definer.setdefault(name, set()).add(rel)
    edges = {}
    for rel, src in files.items():
        visible = reachable(rel)
        for name in src.uses:
            for d in definer.get(name, ()):
                if d == rel:
                    continue
                # A header's inline function is imported from the header;
                # a .c file's definition through any header of ours the
                # user includes (the declaration's owner is not tracked:
                # C has one name space, a name is defined once).
                if d.endswith(".h") and d not in visible:
                    continue
                if d.endswith(".c") and not visible:
                    continue
                if len(definer[name]) > 1 and d.split("/")[0] != src.folder:
                    continue  # two programs (guest) define the same name
                edges.setdefault(rel, set()).add(d)
    if "--graph" in argv:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"{a} -> {b}")
        return 0

    known_seen = set()
    ncircles = 0
    for comp in sccs(files.keys(), edges):
        ncircles += 1
        cycle = one_cycle(comp, edges)
        text = " -> ".join(cycle)
        known = [k for k in KNOWN if set(k) <= set(comp)]
        if known:
            known_seen.update(known)
            print(f"known circle (to be removed: {KNOWN[known[0]]}): {text}")
            continue
        extra = ""
        if len(comp) > len(cycle) - 1:
            extra = f" (the circle joins {len(comp)} files: {', '.join(comp)})"
        errors.append(f"import circle: {text}{extra}")
    for k in KNOWN:
        if k not in known_seen:
            errors.append(f"KNOWN lists a circle that is gone "
                          f"({', '.join(k)}): remove the entry")

    for e in errors:
        print(e)
    nedges = sum(len(v) for v in edges.values())
    print(f"check-layering: {len(files)} files, {nedges} imports, "
          f"{ncircles} circles, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
