#!/usr/bin/env bash
# The option parser end to end (cli/cli-args.c) and the stdout check at
# exit: `--`, `-fFILE`, `--file=FILE`, usage errors (exit 2, naming the
# option), `COMMAND --help` for every command, and write failures
# (/dev/full, stdout closed) that must not exit 0.
# usage: options.sh MAESTRO SOURCE_ROOT
. "$(dirname "$0")/lib.sh" "$@"

# -fFILE and --file=FILE are -f FILE; -- ends the options
printf 'app\n \\- kafka\n   \\- zk-ensemble\n' >"$tmp/t1"
check f-attached 0 "$tmp/t1" /dev/null "-f$fx/links.yaml" deptree app
check file-equals 0 "$tmp/t1" /dev/null "--file=$fx/links.yaml" deptree app
check double-dash 0 "$tmp/t1" /dev/null -f "$fx/links.yaml" deptree -r -- app
check global-double-dash 0 "$tmp/t1" /dev/null -f "$fx/links.yaml" -- deptree app
printf "maestro: error: '-r' is neither a service nor a container\n" >"$tmp/e1"
check operand-after-dash 2 /dev/null "$tmp/e1" -f "$fx/links.yaml" deptree -- -r
check validate-double-dash 0 /dev/null /dev/null -f "$fx/links.yaml" validate --

# usage errors: exit 2, the option named, the usage and a hint
# (a usage wider than 79 columns is wrapped between bracketed words)
cat >"$tmp/e0" <<'EOT'
maestro: unknown option '--bogus'
usage: maestro [-f FILE] [--state DB] plan ACTION [THING...] [FLAGS]
               [--offline] [--json] [--dot]
Try 'maestro plan --help'.
EOT
check wrapped-usage 2 /dev/null "$tmp/e0" plan --bogus
cat >"$tmp/e2" <<'EOT'
maestro: unknown option '--jsno' (did you mean '--json'?)
usage: maestro [-f FILE] config [--json] [--show-secrets]
Try 'maestro config --help'.
EOT
check unknown-option 2 /dev/null "$tmp/e2" -f "$fx/links.yaml" config --jsno
cat >"$tmp/e3" <<'EOT'
maestro: '-f' is an option of maestro itself: give it before the command, as 'maestro -f FILE config'
usage: maestro [-f FILE] config [--json] [--show-secrets]
Try 'maestro config --help'.
EOT
check global-after-command 2 /dev/null "$tmp/e3" config -f x.yaml
cat >"$tmp/e4" <<'EOT'
maestro: option '--json' takes no value
usage: maestro [-f FILE] ships [--json]
Try 'maestro ships --help'.
EOT
check flag-with-value 2 /dev/null "$tmp/e4" -f "$fx/links.yaml" ships --json=yes
cat >"$tmp/e5" <<'EOT'
maestro: unexpected argument 'extra'
usage: maestro [-f FILE] validate
Try 'maestro validate --help'.
EOT
check extra-operand 2 /dev/null "$tmp/e5" -f "$fx/links.yaml" validate extra
printf "maestro: option '-f' needs a value (FILE)\nTry 'maestro --help'.\n" >"$tmp/e6"
check missing-value 2 /dev/null "$tmp/e6" -f

# an unknown command or option from argv is shown escaped
"$maestro" $'x\e[2J' >/dev/null 2>"$tmp/err"; rc=$?
{ [ $rc -eq 2 ] && grep -qF "maestro: unknown command 'x\x1b[2J'" "$tmp/err"; } \
  || { echo "FAIL unknown-command: exit $rc"; cat -v "$tmp/err"; fail=1; }
"$maestro" -f "$fx/links.yaml" deptree $'--\rx' >/dev/null 2>"$tmp/err"; rc=$?
{ [ $rc -eq 2 ] && grep -qF "maestro: unknown option '--\rx'" "$tmp/err"; } \
  || { echo "FAIL unknown-option-escaped: exit $rc"; cat -v "$tmp/err"; fail=1; }

# maestro --help fits 79 columns; every command it lists has --help (exit
# 0, on stdout, its usage first, every line, the usage too, of at most 79
# columns); -h too
commands=$("$maestro" --help | sed -n '/^Commands:/,$p' | grep -E '^  [a-z]' | awk '{sub(",", "", $1); print $1}')
[ "$(echo "$commands" | wc -w)" -ge 4 ] || { echo "FAIL: maestro --help lists commands: $commands"; fail=1; }
"$maestro" --help | awk 'length > 79 {exit 1}' || { echo "FAIL: maestro --help past 79 columns"; fail=1; }
for c in $commands dump; do
  "$maestro" "$c" --help >"$tmp/out" 2>"$tmp/err" || { echo "FAIL $c --help: exit $?"; fail=1; }
  head -1 "$tmp/out" | grep -q '^usage: maestro ' || { echo "FAIL $c --help: no usage"; fail=1; }
  [ -s "$tmp/err" ] && { echo "FAIL $c --help: stderr"; cat "$tmp/err"; fail=1; }
  awk 'length > 79 {exit 1}' "$tmp/out" || { echo "FAIL $c --help: a line past 79 columns"; cat "$tmp/out"; fail=1; }
  "$maestro" "$c" -h | cmp -s - "$tmp/out" || { echo "FAIL $c -h differs from --help"; fail=1; }
done
# every option of a command's --help is in its docs page (docs/cmd-NAME.md,
# or the page whose title names it) or, a shared flag, in docs/selection.md
for c in $commands; do
  page=$root/docs/cmd-$c.md
  [ -e "$page" ] || page=$(grep -lE "^# maestro .*\b$c\b" "$root"/docs/cmd-*.md | head -1)
  [ -n "$page" ] || { echo "FAIL $c: no docs/cmd-*.md page"; fail=1; continue; }
  for o in $("$maestro" "$c" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+$'); do
    [ "$o" = --help ] && continue
    # the shared flags are documented once, in docs/selection.md
    grep -q -- "$o" "$page" "$root/docs/selection.md" \
      || { echo "FAIL $c: $o not in ${page#"$root"/} or docs/selection.md"; fail=1; }
  done
  grep -q "^| \`$c" "$root/docs/usage.md" || { echo "FAIL $c: not in docs/usage.md's commands"; fail=1; }
done

# output is complete or the command fails (exit 1, saying why)
for args in "config --json" "config" "deptree" "deptree --dot" "validate --help" "--help" "--version"; do
  # shellcheck disable=SC2086
  "$maestro" -f "$fx/links.yaml" $args >/dev/full 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q '^maestro: error: write failure on standard output: No space left on device$' "$tmp/err"; then
    echo "FAIL full-$args: exit $rc"; cat "$tmp/err"; fail=1
  fi
  # shellcheck disable=SC2086
  "$maestro" -f "$fx/links.yaml" $args >&- 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 1 ] || ! grep -q '^maestro: error: write failure on standard output: Bad file descriptor$' "$tmp/err"; then
    echo "FAIL closed-$args: exit $rc"; cat "$tmp/err"; fail=1
  fi
done
# a reader that leaves early ends maestro as SIGPIPE does, quietly, even
# when SIGPIPE is ignored (the output is far more than a pipe holds)
{ printf '__maestro: {schema: 2}\nname: big\nships: {s: {ip: h}}\nservices:\n'
  printf '  s%d: {image: x, env: {A: %0500d}, instances: {s%d-1: {ship: s}}}\n' $(seq 400 | sed 's/.*/& 0 &/'); } >"$tmp/big.yaml"
for ign in "" "trap '' PIPE;"; do
  bash -c "$ign"' "$1" -f "$2" config --json 2>"$3"; echo $? >"$4"' _ \
    "$maestro" "$tmp/big.yaml" "$tmp/err" "$tmp/rc" | head -c 1 >/dev/null
  rc=$(cat "$tmp/rc")
  { [ "$rc" -eq 141 ] && [ ! -s "$tmp/err" ]; } \
    || { echo "FAIL pipe closed early (${ign:-default}): exit $rc"; cat "$tmp/err"; fail=1; }
done

# nothing written: nothing to fail
"$maestro" -f "$fx/links.yaml" validate >&- 2>"$tmp/err" || { echo "FAIL validate with stdout closed"; fail=1; }

exit $fail
