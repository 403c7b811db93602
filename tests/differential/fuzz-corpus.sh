#!/bin/sh
# Differential comparison over a fuzz corpus of the template pass: every
# file the fuzzer kept is rendered by Jinja2 and by maestro exactly as
# fuzz-template renders it (the partials of tests/fuzz/template-dir next
# to it), and compare.py --corpus reports agreements, refusals (outside
# maestro's subset or over a documented limit) and disagreements.
#
#     tests/differential/fuzz-corpus.sh RENDER_TMPL CORPUS_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tool=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
corpus=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cp "$here/../fuzz/template-dir/"* "$work/"
names=
for f in "$corpus"/*; do
	[ -f "$f" ] || continue
	n=corpus-$(basename "$f").j2
	cp "$f" "$work/$n"
	names="$names $n"
done
# shellcheck disable=SC2086
exec /usr/bin/python3 "$here/compare.py" --corpus "$tool" "$work" $names
