# Sourced by the tests/cli scripts: the common start and check().
# Sets maestro, root, fx (the env fixtures), tmp (removed at exit), fail.
# usage: . lib.sh MAESTRO SOURCE_ROOT
set -u
maestro=$(realpath "$1")
root=$(realpath "$2")
fx=$root/tests/fixtures/env
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

check() { # name, expected exit, expected stdout file, expected stderr file, args...
  local name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 4
  "$maestro" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want_rc" ]; then
    echo "FAIL $name: exit $rc, expected $want_rc"; cat "$tmp/err"; fail=1; return
  fi
  if [ -n "$want_out" ] && ! diff -u "$want_out" "$tmp/out"; then
    echo "FAIL $name: stdout differs"; fail=1
  fi
  if [ -n "$want_err" ] && ! diff -u "$want_err" "$tmp/err"; then
    echo "FAIL $name: stderr differs"; fail=1
  fi
}
