#!/usr/bin/python3
"""maestro-guest is one static program: an ELF executable with no program
interpreter (PT_INTERP) and no dynamic section (PT_DYNAMIC), so it runs in
any image, even one without a libc.

    static.py PATH-TO-MAESTRO-GUEST
"""
import struct
import sys

PT_DYNAMIC, PT_INTERP = 2, 3

with open(sys.argv[1], 'rb') as f:
    elf = f.read()
if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
    sys.exit('%s: not a 64-bit little-endian ELF file' % sys.argv[1])
e_type, = struct.unpack_from('<H', elf, 16)
e_phoff, = struct.unpack_from('<Q', elf, 32)
e_phentsize, e_phnum = struct.unpack_from('<HH', elf, 54)
kinds = [struct.unpack_from('<I', elf, e_phoff + i * e_phentsize)[0]
         for i in range(e_phnum)]
problems = []
if e_type != 2:  # ET_EXEC; a static-pie would be ET_DYN with no PT_INTERP
    problems.append('ELF type %d, not an executable (2)' % e_type)
if PT_INTERP in kinds:
    problems.append('it has a program interpreter (dynamically linked)')
if PT_DYNAMIC in kinds:
    problems.append('it has a dynamic section')
for p in problems:
    print('FAIL: %s: %s' % (sys.argv[1], p))
if not problems:
    print('%s: static executable, %d program headers, %d bytes'
          % (sys.argv[1], e_phnum, len(elf)))
sys.exit(1 if problems else 0)
