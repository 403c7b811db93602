#!/usr/bin/python3
"""maestro-guest in the environments maestro computes: `maestro config
--json` of fixtures/ensemble.yaml gives each container's env; maestro-guest
runs with exactly that environment (nothing inherited) and its answers are
compared with the ones worked out by hand from the fixture and spec §3
(own service: INTERNAL_PORT too; `requires`: transitive, no INTERNAL_PORT;
`wants_info`: direct only; an instance's env may override SERVICE_NAME).

    config-json.py MAESTRO MAESTRO-GUEST FIXTURE
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expect import EXPECT  # noqa: E402

MAESTRO, GUEST, FIXTURE = sys.argv[1:4]
p = subprocess.run([MAESTRO, '-f', FIXTURE, 'config', '--json'],
                   capture_output=True)
if p.returncode != 0:
    sys.exit('maestro config --json failed (%d): %s'
             % (p.returncode, p.stderr.decode()))
containers = json.loads(p.stdout)['containers']

fails = 0
checks = 0
for name, cases in EXPECT.items():
    env = containers[name]['env']
    # null is a bare KEY for Docker: set and empty is not the same, leave it
    # out.
    env = {k: v for k, v in env.items() if v is not None}
    for args, status, text in cases:
        checks += 1
        r = subprocess.run([GUEST] + args, env=env, capture_output=True)
        out, err = r.stdout.decode(), r.stderr.decode()
        want_out = text + '\n' if status == 0 else ''
        want_err = text + '\n' if status != 0 else ''
        if (r.returncode, out, err) != (status, want_out, want_err):
            fails += 1
            print('FAIL: %s: maestro-guest %s\n  got  %d %r %r\n  want %d %r %r'
                  % (name, ' '.join(args), r.returncode, out, err,
                     status, want_out, want_err))
print('%d answers in %d computed environments, %d wrong'
      % (checks, len(EXPECT), fails))
sys.exit(1 if fails else 0)
