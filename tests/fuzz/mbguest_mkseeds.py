#!/usr/bin/env python3
"""Writes the seed corpus of the mbguest fuzzer (tests/fuzz/mbguest.c):
small Multiboot (v1) and Multiboot2 kernels, raw (address fields) and ELF32,
that load into the fuzzer's 1.25 MiB guest. Usage: mbguest_mkseeds.py DIR"""
import struct
import sys

MB1 = 0x1BADB002
MB2 = 0xE85250D6


def mb1_header(flags, fields=()):
    h = struct.pack("<III", MB1, flags, (-(MB1 + flags)) & 0xFFFFFFFF)
    return h + struct.pack("<%dI" % len(fields), *fields)


def mb2_header(tags):
    body = b""
    for ttype, flags, words in tags + [(0, 0, [])]:
        t = struct.pack("<HHI", ttype, flags, 8 + 4 * len(words))
        t += struct.pack("<%dI" % len(words), *words)
        body += t + b"\0" * (-len(t) % 8)
    length = 16 + len(body)
    return struct.pack("<IIII", MB2, 0, length, (-(MB2 + length)) & 0xFFFFFFFF) + body


def elf32(payload, paddr=0x100000, bss=0x100):
    """One PT_LOAD segment: the payload at file offset 0x80."""
    eh = b"\x7fELF" + bytes([1, 1, 1]) + b"\0" * 9
    eh += struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, paddr + 0x40, 52, 0, 0, 52, 32, 1, 0, 0, 0)
    ph = struct.pack("<8I", 1, 0x80, paddr, paddr, len(payload), len(payload) + bss, 7, 0x1000)
    img = eh + ph
    return img + b"\0" * (0x80 - len(img)) + payload


def pad(b, n):
    return b + b"\xf4" * (n - len(b))


seeds = {
    # header at 0 = load_addr, load to the end of the file, bss to 0x101000
    "mb1-raw": pad(mb1_header(0x10003, [0x100000, 0x100000, 0, 0x101000, 0x100020]), 0x100),
    "mb1-elf": elf32(pad(mb1_header(0x3), 0x80)),
    "mb1-video": pad(mb1_header(0x10007, [0x100000, 0x100000, 0, 0, 0x100020, 0, 80, 25, 0]), 0x100),
    "mb2-raw": pad(mb2_header([(1, 0, [1, 3, 6]),
                               (2, 0, [0x100000, 0x100000, 0, 0x101000]),
                               (3, 0, [0x100060]),
                               (6, 0, [])]), 0x100),
    "mb2-elf": elf32(pad(mb2_header([(1, 1, [1, 2, 4, 9]), (5, 1, [0, 0, 32])]), 0x80)),
    "mb2-minus1": pad(mb2_header([(2, 0, [0x100000, 0xFFFFFFFF, 0, 0]),
                                  (3, 0, [0x100040])]), 0x80),
}
for name, data in seeds.items():
    with open("%s/%s" % (sys.argv[1], name), "wb") as f:
        f.write(data)
