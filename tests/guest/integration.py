#!/usr/bin/python3
"""maestro-guest inside real containers: on a fleet of three ships (run
under `tests/fleet/fleet run`, FLEET_ID=3, so ship1 is 10.231.3.11 and
ship2 10.231.3.12 as in fixtures/ensemble.yaml; ship3 is called localhost
there, which the static musl program resolves inside the container),
each instance of the fixture is created through maestro's ship client
from the create body `maestro config --json` computed for it
(guest-in-container), with the static maestro-guest bind-mounted into the
busybox image tiny:1.  Inside, a busybox shell asks every question of
expect.py, and also container-internal-address, which must be the address
Docker gave the container.

    integration.py MAESTRO MAESTRO-GUEST FIXTURE GUEST-IN-CONTAINER
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expect import EXPECT  # noqa: E402

MAESTRO, GUEST, FIXTURE, DRIVER = sys.argv[1:5]
GUEST = os.path.abspath(GUEST)
SHIPS = {'ship%d' % n: os.environ.get('SHIP%d_SOCK' % n) for n in (1, 2, 3)}
if not all(SHIPS.values()) or os.environ.get('FLEET_ID') != '3':
    sys.exit('run me under FLEET_ID=3 tests/fleet/fleet run')

p = subprocess.run([MAESTRO, '-f', FIXTURE, 'config', '--json'],
                   capture_output=True)
if p.returncode != 0:
    sys.exit('maestro config --json failed (%d): %s'
             % (p.returncode, p.stderr.decode()))
config = p.stdout
doc = json.loads(config)

fails = 0
checks = 0
ran = 0
with tempfile.TemporaryDirectory() as tmp:
    cfg = os.path.join(tmp, 'config.json')
    with open(cfg, 'wb') as f:
        f.write(config)
    scripts = os.path.join(tmp, 'scripts')
    os.mkdir(scripts)
    os.chmod(tmp, 0o755)
    os.chmod(scripts, 0o755)
    for name, cases in EXPECT.items():
        ship = doc['containers'][name]['ship']
        if ship not in SHIPS:
            continue
        ran += 1
        queries = [args for args, _, _ in cases]
        queries.append(['container-internal-address'])
        lines = ['g=/usr/local/bin/maestro-guest']
        for i, args in enumerate(queries):
            lines.append('out=$($g %s 2>&1); echo "== %d $?"; echo "$out"'
                         % (' '.join(shlex.quote(a) for a in args), i))
        # guest-in-container inspects the running container, then lets
        # it end (60 s at most)
        lines.append('i=0; while [ ! -e /guest-test/done ] && '
                     '[ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done')
        with open(os.path.join(scripts, 'run.sh'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        r = subprocess.run([DRIVER, SHIPS[ship], cfg, name, GUEST, scripts],
                           capture_output=True, timeout=300)
        if r.returncode != 0:
            fails += 1
            print('FAIL: %s: the container did not run: %s'
                  % (name, r.stderr.decode()))
            continue
        # "== I STATUS" then the answer's lines, ..., "#ip A", "#status N"
        got = {}
        ip = None
        cur = None
        for line in r.stdout.decode().split('\n'):
            if line.startswith('== '):
                _, i, st = line.split(' ')
                cur = int(i)
                got[cur] = [int(st), []]
            elif line.startswith('#ip '):
                ip = line[4:]
                cur = None
            elif cur is not None:
                got[cur][1].append(line)
        for i, (args, status, text) in enumerate(cases):
            checks += 1
            want = [status, text.split('\n')]
            have = got.get(i)
            if have != want:
                fails += 1
                print('FAIL: %s (in a container): maestro-guest %s\n'
                      '  got  %r\n  want %r' % (name, ' '.join(args), have,
                                                want))
        checks += 1
        have = got.get(len(cases))
        if not ip or have != [0, [ip]]:
            fails += 1
            print('FAIL: %s: container-internal-address %r, Docker says %r'
                  % (name, have, ip))
print('%d answers inside %d containers, %d wrong' % (checks, ran, fails))
sys.exit(1 if fails or not ran else 0)
