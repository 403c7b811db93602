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

The ZooKeeper entrypoint of docs/guest.md also runs in the instances of
zoo.keeper (its server replaced by echo): the zoo.cfg and myid it writes
are compared with the ones worked out by hand from the fixture.

    integration.py MAESTRO MAESTRO-GUEST FIXTURE GUEST-IN-CONTAINER GUEST-DOC
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expect import EXPECT  # noqa: E402

MAESTRO, GUEST, FIXTURE, DRIVER, GUEST_DOC = sys.argv[1:6]
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

# The documented entrypoint, and what it must write in zk-1 and zk-2:
# peers at their ship's address and external ports (zk-2's peer and
# election ports are the service's: only its client port is remapped),
# itself on all addresses with its exposed ports.
with open(GUEST_DOC) as f:
    m = re.search(r'^```sh\n(#!/bin/sh\n# zookeeper entrypoint.*?)^```$',
                  f.read(), re.S | re.M)
if not m:
    sys.exit('no zookeeper entrypoint in ' + GUEST_DOC)
ENTRYPOINT = m.group(1)
ZK_CFG = """start-foreground
dataDir=/zk/data
clientPort=2181
tickTime=2000
initLimit=10
syncLimit=5
server.1=%s:2888:3888
server.2=%s:2888:3888
server.3=localhost:2888:3888
myid=%d"""
ZK_WANT = {'zk-1': ZK_CFG % ('0.0.0.0', '10.231.3.12', 1),
           'zk-2': ZK_CFG % ('10.231.3.11', '0.0.0.0', 2)}
RUN_ENTRYPOINT = (
    'mkdir -p /zk/data; '
    'out=$(MAESTRO_GUEST=$g ZK_DATA=/zk/data ZK_CONF=/zk/zoo.cfg '
    'ZK_SERVER=echo sh /guest-test/entrypoint.sh 2>&1); '
    'echo "== entrypoint $?"; echo "$out"; cat /zk/zoo.cfg; '
    'echo "myid=$(cat /zk/data/myid)"')

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
    with open(os.path.join(scripts, 'entrypoint.sh'), 'w') as f:
        f.write(ENTRYPOINT)
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
        if name in ZK_WANT:
            lines.append(RUN_ENTRYPOINT)
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
        # "== I STATUS" then the answer's lines, ..., "== entrypoint
        # STATUS" and its output, "#ip A", "#status N"
        got = {}
        ip = None
        cur = None
        for line in r.stdout.decode().split('\n'):
            if line.startswith('== '):
                _, key, st = line.split(' ')
                cur = key if key == 'entrypoint' else int(key)
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
        if name in ZK_WANT:
            checks += 1
            want = [0, ZK_WANT[name].split('\n')]
            if got.get('entrypoint') != want:
                fails += 1
                print('FAIL: %s: the documented entrypoint gave\n  %r\n'
                      'want\n  %r' % (name, got.get('entrypoint'), want))
print('%d answers inside %d containers, %d wrong' % (checks, ran, fails))
sys.exit(1 if fails or not ran else 0)
