#!/usr/bin/env bash
# `--dot` of plan, show and deptree: names holding quotes, backslashes and
# control characters (ESC, tab, \x01, DEL, U+2028) come out escaped as on
# the terminal (cli_dot_escape), no raw control byte is written, and
# Graphviz (`dot -Tsvg`) parses every document and shows each name as the
# escaped text.  Needs graphviz (tests/scripts/setup-debian).
# usage: dot.sh MAESTRO SOURCE_ROOT
. "$(dirname "$0")/lib.sh" "$@"
command -v dot >/dev/null || { echo "dot.sh: graphviz's dot is not installed"; exit 1; }

# the YAML escapes make: ESC [31m red " q \ b TAB t \x01 U+2028 z DEL
name='s\x1b[31mred\"q\\b\tt\x01\u2028z\x7f'
cat >"$tmp/esc.yaml" <<YAML
__maestro:
  schema: 2
name: esc
ships:
  "$name": {ip: 10.231.0.11}
services:
  db:
    image: tiny:1
    instances:
      "db-1": {ship: "$name"}
  "w\\tb":
    image: tiny:1
    requires: [db]
    instances:
      "web-1": {ship: "$name"}
YAML
# what Graphviz shows: the name as cli_escape writes it
shown='s\x1b[31mred"q\b\tt\x01\u2028z\x7f'

render() { # name, then the command's arguments
  local what=$1; shift
  "$maestro" "$@" >"$tmp/dot" 2>"$tmp/err" ||
    { echo "FAIL $what: exit $?"; cat "$tmp/err"; fail=1; return 1; }
  if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$tmp/dot"; then
    echo "FAIL $what: a raw control character in the DOT text"; cat -A "$tmp/dot"; fail=1
  fi
  dot -Tsvg "$tmp/dot" >"$tmp/svg" 2>"$tmp/dot-err" ||
    { echo "FAIL $what: dot -Tsvg refused it"; cat "$tmp/dot-err" "$tmp/dot"; fail=1; return 1; }
  [ -s "$tmp/dot-err" ] && { echo "FAIL $what: dot warned"; cat "$tmp/dot-err"; fail=1; }
  return 0
}

svg_texts() { # the SVG's <text> contents, one a line
  python3 -c 'import sys, xml.etree.ElementTree as E
for t in E.parse(sys.argv[1]).iter("{http://www.w3.org/2000/svg}text"): print(t.text)' "$tmp/svg"
}

db=$tmp/s.db
if render "plan --dot" -f "$tmp/esc.yaml" --state "$db" plan start --offline --dot; then
  svg_texts >"$tmp/texts"
  grep -qxF "db-1 on $shown" "$tmp/texts" ||
    { echo "FAIL plan --dot: no label 'db-1 on $shown'"; cat "$tmp/texts"; fail=1; }
  grep -qxF "1 pull" "$tmp/texts" ||
    { echo "FAIL plan --dot: the label's line break is gone"; cat "$tmp/texts"; fail=1; }
fi
if render "show --dot" --state "$db" show 1 --dot; then
  svg_texts | grep -qxF "web-1 on $shown" ||
    { echo "FAIL show --dot: no label 'web-1 on $shown'"; fail=1; }
fi
if render "deptree --dot" -f "$tmp/esc.yaml" deptree --dot 'w	b'; then
  svg_texts >"$tmp/texts"
  printf 'w\\tb\ndb\n' | sort >"$tmp/want"
  sort "$tmp/texts" | diff -u "$tmp/want" - || { echo "FAIL deptree --dot names"; fail=1; }
fi
exit $fail
