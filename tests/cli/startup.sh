#!/usr/bin/env bash
# Start-up stays lazy: no shared sqlite3 or PCRE2 to bind, and
# `--version`, `validate` and `deptree` never start
# OpenSSL (its first SHA-256 reads the OpenSSL config file, a fifth of a
# `deptree` of 100 instances); the source's SHA-256 is made only when a
# plan is stored.  The probe is the OpenSSL config file being opened
# (strace), shown to work on `config --json`, which hashes the model.
# usage: startup.sh MAESTRO SOURCE_ROOT
. "$(dirname "$0")/lib.sh" "$@"
command -v strace >/dev/null || { echo "startup.sh: strace is not installed"; exit 1; }
export OPENSSL_CONF=$tmp/openssl.cnf
: >"$OPENSSL_CONF"

opens_conf() { # args...: 0 when the run opened $OPENSSL_CONF
  strace -f -qq -e trace=open,openat -o "$tmp/trace" "$maestro" "$@" >/dev/null 2>&1
  grep -qF "\"$OPENSSL_CONF\"" "$tmp/trace"
}

opens_conf -f "$fx/links.yaml" config --json ||
  { echo "FAIL: the probe sees no OpenSSL start on config --json"; fail=1; }
for args in "--version" "validate" "deptree" "deptree nosuch" "deptree --dot app"; do
  # shellcheck disable=SC2086
  opens_conf -f "$fx/links.yaml" $args &&
    { echo "FAIL $args: OpenSSL started"; grep -n . "$tmp/trace" | grep -v ENOENT | tail -5; fail=1; }
done

# sqlite3 and PCRE2 are linked in (meson.build): as shared objects the
# loader bound ~1,600 of their symbols at every start
opens_conf --version
grep -E 'lib(sqlite3|pcre2-8)\.so' "$tmp/trace" | grep -v ENOENT &&
  { echo "FAIL: --version loads sqlite3 or PCRE2 as shared objects"; fail=1; }

# the plan stored still carries the SHA-256 of the file's bytes
gp=$root/tests/golden/plans
"$maestro" -f "$gp/chain.yaml" --state "$tmp/s.db" plan start --offline >/dev/null ||
  { echo "FAIL: plan start --offline"; fail=1; }
got=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select source_sha256 from plans").fetchone()[0])' "$tmp/s.db")
[ "$got" = "$(sha256sum <"$gp/chain.yaml" | cut -d" " -f1)" ] ||
  { echo "FAIL: stored source_sha256 $got is not the file's"; fail=1; }
exit $fail
