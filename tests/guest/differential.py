#!/usr/bin/python3
"""maestro-guest against Python itself, the language MaestroNG's guest
functions run in (spec §3.2, §8):

- names: `re.sub(r'[^\\w]', '_', s).upper()`, the normalisation of
  service, container and port names, for every printable ASCII and every
  Latin-1 character and a set of names;
- ports: Python's `int()` of a variable's value (what get_specific_port
  returns, or raises on), for every string of up to three characters over
  an alphabet of digits, signs, underscores, spaces and letters, plus
  chosen values.

Names beyond Latin-1 and non-ASCII port values are left out: there
maestro-guest differs from Python 3 on purpose (docs/guest.md says how).

    differential.py PATH-TO-MAESTRO-GUEST
"""
import itertools
import re
import string
import subprocess
import sys

BIN = sys.argv[1]
failures = []


def run(args, env):
    p = subprocess.run([BIN] + args, env=env, capture_output=True)
    return p.returncode, p.stdout.decode('utf-8', 'replace')


def python_name(s):
    return re.sub(r'[^\w]', '_', s).upper()


names = list(string.printable.strip()) + [chr(c) for c in range(0x80, 0x100)] + [
    'zk-node-1', 'my.svc', 'a b', 'Kafka_Broker-2', '--x', '9lives',
    'tab\there', '.', '', 'x' * 300, 'caf\xe9-\xdf', '\xb5s']
for s in names:
    rc, out = run(['var-name', '--', s], {})
    want = python_name(s) + '\n'
    if rc != 0 or out != want:
        failures.append('var-name %r: %r (status %d), Python says %r'
                        % (s, out, rc, want))


def python_int(s):
    try:
        return int(s)
    except ValueError:
        return None


alphabet = ['0', '1', '9', '+', '-', '_', ' ', '\t', 'a', '\n']
values = [''.join(t) for n in range(1, 4)
          for t in itertools.product(alphabet, repeat=n)]
values += ['2181', '1234-1236', '0080', '+4_2', '1_000_000', '1__0',
           '9223372036854775807', '-9223372036854775808', '0x1f', '1e3',
           '1.0', ' \t\n\v\f\r42\r\f\v\n\t ', '\x1c7', '7\x1f']
checked = 0
for v in values:
    want = python_int(v)
    if want is not None and not -2**63 <= want < 2**63:
        continue  # beyond a C long: documented as an error
    env = {'S_C_P_PORT': v}
    rc, out = run(['specific-port', 's', 'c', 'p'], env)
    checked += 1
    if want is None:
        if rc != 1 or out != '':
            failures.append('port %r: %r (status %d), Python raises'
                            % (v, out, rc))
    elif rc != 0 or out != '%d\n' % want:
        failures.append('port %r: %r (status %d), Python says %d'
                        % (v, out, rc, want))

for f in failures[:30]:
    print('FAIL:', f)
print('%d names, %d port values, %d differences'
      % (len(names), checked, len(failures)))
sys.exit(1 if failures else 0)
