#!/usr/bin/env python3
"""Writes the seed corpus for tests/fuzz/emul_icache.c (layout documented there)."""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus",
                                                         "emul_icache")
os.makedirs(out, exist_ok=True)

MMIO = 0xfec00000
RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI = range(8)
CS64, CS32, CS16 = 0, 1, 2
FILL, LOOKUP, FLUSH, POKE, FLIP_WALK, FLIP_CODE, REFILL = range(7)
# Walk entry value modes (bits 1-2 of an entry's flag byte).
READ, STALE, AD, ONE_BIT = 0, 2, 4, 6


def part1(insn, cs=CS64, gprs=None, segs=None, rip=0x1000, value=0x8877665544332211, la57=0):
    g = [0] * 16
    for k, v in (gprs or {}).items():
        g[k] = v
    b = bytes([cs | (4 if la57 else 0)]) + insn.ljust(15, b"\x00")
    b += struct.pack("<16Q", *g) + struct.pack("<6Q", *(segs or [0] * 6))
    b += struct.pack("<QQ", rip, value)
    assert len(b) == 208
    return b


def gpa(mode, low):
    """pick_gpa() encoding: mode 0 in RAM, 1 page end, 2 outside, 3 near 0xff0."""
    return struct.pack("<H", (mode << 14) | low)


def fill(key, insn, code, walk, cs=CS64, keep_ram=False):
    """walk: list of (size 4/8, value mode, gpa bytes, value)."""
    b = bytes([FILL, key, cs | (4 if keep_ram else 0), len(walk), len(insn)]) + insn + code
    for size, mode, g, val in walk:
        b += bytes([(1 if size == 8 else 0) | mode]) + g + struct.pack("<Q", val)
    return b


def key(rip=0x401000, cs_base=0, cr3=0x3000, mode=0x1_0000_0000):
    return struct.pack("<4Q", rip, cs_base, cr3, mode)


# A four-level walk of 8-byte entries in RAM, as the real fetch records it.
WALK4 = [(8, READ, gpa(0, 0x3000 + 8 * i), 0x1003 + 0x1000 * i) for i in range(4)]
WALK2_32 = [(4, READ, gpa(0, 0x3000), 0x2007), (4, READ, gpa(0, 0x2004), 0x1007)]


def seed(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


mov_load = b"\x8b\x03"  # mov eax,[rbx]
seed("lm-load-hit-ad-remap",
     part1(mov_load, gprs={RBX: MMIO + 0x10}) + key() +
     fill(0, mov_load, gpa(0, 0x1000), WALK4) +
     bytes([LOOKUP, 0]) +
     bytes([FLIP_WALK, 0, 3, 0, 0x60, LOOKUP, 0]) +   # A/D only: still a hit
     bytes([FLIP_WALK, 0, 3, 1, 0x10, LOOKUP, 0]) +   # remapped: a miss
     bytes([FLIP_WALK, 0, 3, 1, 0x10, LOOKUP, 0]) +   # restored: stays dropped
     bytes([REFILL, 0, FLIP_CODE, 0, 0, 5, 0xff, LOOKUP, 0]) +  # past the insn
     bytes([FLIP_CODE, 0, 0, 1, 0x08, LOOKUP, 0]))

seed("lm-store-rex-imm",
     part1(b"\x48\xc7\x43\x08\x01\x02\x03\x84", gprs={RBX: MMIO + 0xff0}) + key() +
     fill(1, b"\x4c\x89\x44\x24\x08", gpa(0, 0x2100), WALK4) +      # mov [rsp+8],r8
     fill(2, b"\x66\x89\x0d\x00\x10\x00\x00", gpa(1, 6), WALK4) +   # riprel, near page end
     bytes([LOOKUP, 1, LOOKUP, 2, POKE]) + struct.pack("<H", 0x1fff) + bytes([0x90, LOOKUP, 2]))

seed("p32-movzx-sib-page-end",
     part1(b"\x0f\xb6\x44\x8b\x04", cs=CS32, gprs={RBX: MMIO, RCX: 3}, segs=[0, 0, 0, 0x100, 0, 0])
     + key(rip=0x8000, mode=1) +
     fill(3, b"\x0f\xbf\x44\x8b\x04", gpa(3, 0x1004), WALK2_32, cs=CS32) +
     bytes([LOOKUP, 3]) +
     fill(3, b"\x0f\xbe\x03", gpa(1, 0x1000 + 2), WALK2_32, cs=CS32) +
     bytes([FLIP_CODE, 3, 0, 2, 0xff, LOOKUP, 3]))

seed("real-bp-ss-high8",
     part1(b"\x8a\x66\x10", cs=CS16, gprs={RBP: 0x20}, segs=[0, 0, MMIO, 0, 0, 0]) +
     key(rip=0x100, cs_base=0xf0000, cr3=0, mode=0) +
     fill(4, b"\x8a\x66\x10", gpa(0, 0x0100), [], cs=CS16) +
     fill(5, b"\xc6\x07\x55", gpa(0, 0x0200), [], cs=CS16) + bytes([LOOKUP, 4, LOOKUP, 5]))

# Six keys through four ways; stale, outside-RAM and over-long walks; a flush.
ops = b""
for k in range(6):
    ops += fill(k, b"\x89\x03", gpa(0, 0x1000 + 0x10 * k), WALK4)
for k in range(6):
    ops += bytes([LOOKUP, k])
ops += fill(0, mov_load, gpa(0, 0x1000), WALK4[:3] + [(8, STALE, gpa(0, 0x3018), 1)])
ops += fill(1, mov_load, gpa(0, 0x1000), WALK4[:2] + [(8, READ, gpa(2, 0x10), 0x5003)])
ops += fill(2, mov_load, gpa(2, 0x0ff0), WALK4)
ops += fill(3, mov_load, gpa(0, 0x1000), WALK4 + [(8, AD, gpa(0, 0x3020), 0x60)] * 2)
ops += fill(4, mov_load, gpa(0, 0x1000), [(4, ONE_BIT, gpa(0, 0x3000), 3)])
ops += bytes([FLUSH, LOOKUP, 0, LOOKUP, 5])
seed("ways-stale-outside-flush",
     part1(b"\x48\x8b\x04\x25\x00\x00\xc0\xfe") + key(rip=(1 << 63) - 1) + ops)

seed("movsx-rsp-not-cached",
     part1(b"\x48\x0f\xbf\x23", gprs={RBX: MMIO + 0x7fe}) + key() +
     fill(0, b"\x48\x0f\xbf\x23", gpa(0, 0x1000), WALK4) +
     fill(0, b"\x01\x03", gpa(0, 0x1000), WALK4) + bytes([LOOKUP, 0]))
