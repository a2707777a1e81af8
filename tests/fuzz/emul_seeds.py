#!/usr/bin/env python3
"""Writes the seed corpus for tests/fuzz/emul.c (layout documented there)."""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "emul")
os.makedirs(out, exist_ok=True)

PE, PG, WP = 1, 1 << 31, 1 << 16
PSE, PAE = 1 << 4, 1 << 5
LMA, NXE = 1 << 10, 1 << 11


def seed(name, insn, gprs=None, rip=0x5000, rflags=2, cr0=0, cr3=0, cr4=0, efer=0,
         segs=None, exit_gpa=(1 << 64) - 1, cs_l=0, cs_d=0, cpl=0, ram=None, flags=0):
    g = [0] * 16
    for k, val in (gprs or {}).items():
        g[k] = val
    hdr = struct.pack("<16Q", *g)
    hdr += struct.pack("<6Q", rip, rflags, cr0, cr3, cr4, efer)
    hdr += struct.pack("<6Q", *(segs or [0] * 6))
    hdr += struct.pack("<Q", exit_gpa)
    hdr += bytes([cs_l, cs_d, cpl, 0, flags]) + bytes(3)
    assert len(hdr) == 240
    ram = bytearray(ram if ram is not None else bytes(0x6000))
    lin = rip if cs_l else ((segs or [0] * 6)[1] + rip) & 0xffffffff
    code_at = lin % len(ram) if not (cr0 & PG) else 0x5000 + (lin & 0xfff)
    ram[code_at:code_at + len(insn)] = insn
    with open(os.path.join(out, name), "wb") as f:
        f.write(hdr + bytes(ram))


def long_mode_ram():
    ram = bytearray(0x6000)
    struct.pack_into("<Q", ram, 0x1000, 0x2000 | 7)            # PML4[0]
    struct.pack_into("<Q", ram, 0x2000, 0x3000 | 7)            # PDPT[0] -> PD
    struct.pack_into("<Q", ram, 0x2000 + 4 * 8, (1 << 32) | 0x87)  # 1G page: device
    struct.pack_into("<Q", ram, 0x3000, 0x4000 | 7)            # PD[0] -> PT
    struct.pack_into("<Q", ram, 0x3000 + 8, 0x200000 | 0x87)   # 2M page
    for i in range(6):
        struct.pack_into("<Q", ram, 0x4000 + 8 * i, (i * 0x1000) | 7)
    return ram


LM = dict(cr0=PE | PG | WP, cr3=0x1000, cr4=PAE, efer=LMA | NXE, cs_l=1, ram=long_mode_ram())
RBX, RCX, RDX, RSI, RDI, RAX = 3, 1, 2, 6, 7, 0
seed("lm-mov-store", b"\x89\x03", {RAX: 0x11223344, RBX: 1 << 32}, **LM)
seed("lm-mov-load-rex", b"\x4c\x8b\x43\x08", {RBX: (1 << 32) + 0x40}, **LM)
seed("lm-rep-movsl", b"\xf3\xa5", {RSI: 1 << 32, RDI: 0x3000, RCX: 4}, **LM)
seed("lm-rep-stosq-df", b"\xf3\x48\xab", {RDI: 0x3ff0, RCX: 3}, rflags=2 | 1 << 10, **LM)
seed("lm-lock-bts", b"\xf0\x48\x0f\xab\x0b", {RBX: 1 << 32, RCX: (1 << 64) - 70}, **LM)
seed("lm-riprel-c7", b"\xc7\x05\xf0\x0f\x00\x00\x01\x02\x03\x04", **LM)
seed("lm-exitgpa", b"\x66\x81\x4c\x8b\x10\x34\x12", {RBX: 0x10, RCX: 2},
     exit_gpa=(1 << 32) + 0x28, **LM)
seed("lm-fs-movzx", b"\x64\x0f\xb7\x04\x25\x00\x01\x00\x00", segs=[0, 0, 0, 0, 1 << 32, 0], **LM)
seed("lm-rep-outsb", b"\xf3\x6e", {RSI: 0x3ff0, RCX: 40, RDX: 0x3f8}, **LM)
seed("lm-rep-insw-df", b"\xf3\x66\x6d", {RDI: 0x3008, RCX: 6, RDX: 0x71}, rflags=2 | 1 << 10, **LM)
seed("lm-fs-outsd-mmio", b"\x64\xf3\x6f", {RSI: 0x10, RCX: 3, RDX: 0x80}, segs=[0, 0, 0, 0, 1 << 32, 0],
     **LM)
seed("lm-insd-refused", b"\xf3\x67\x6d", {RDI: 0x3000, RCX: (1 << 32) | 5, RDX: 0x8000}, **LM)
seed("lm-ins-no-pio", b"\xf3\x6c", {RDI: 0x3000, RCX: 4}, flags=1, **LM)
seed("lm-cross-page", b"\x48\xc7\x03\x01\x02\x03\x04", {RBX: 1 << 32}, rip=0x4ffd, **LM)

ram32 = bytearray(0x6000)
struct.pack_into("<I", ram32, 0x1000, 0x2000 | 7)   # PD[0] -> PT
struct.pack_into("<I", ram32, 0x1000 + 4, 0x400000 | 0x87)  # 4M page
for i in range(6):
    struct.pack_into("<I", ram32, 0x2000 + 4 * i, (i * 0x1000) | 7)
seed("p32-xchg", b"\x87\x1e", {RSI: 0x3010, RBX: 5}, cr0=PE | PG, cr3=0x1000, cr4=PSE, cs_d=1,
     ram=ram32, cpl=3)
seed("flat32-movs16", b"\x66\xa5", {RSI: 0x100, RDI: 0x200}, cr0=PE, cs_d=1)

rampae = bytearray(0x6000)
struct.pack_into("<Q", rampae, 0x1000, 0x2000 | 1)   # PDPTE[0]
struct.pack_into("<Q", rampae, 0x2000, 0x3000 | 7)   # PD[0] -> PT
for i in range(6):
    struct.pack_into("<Q", rampae, 0x3000 + 8 * i, (i * 0x1000) | 7 | (1 << 63))
struct.pack_into("<Q", rampae, 0x3000 + 8 * 5, 0x5000 | 7)
seed("pae-add-flags", b"\x01\x43\x04", {RBX: 0x4000, RAX: 0x7fffffff}, cr0=PE | PG | WP, cr3=0x1000,
     cr4=PAE, efer=NXE, cs_d=1, ram=rampae)

seed("real-stosb", b"\xf3\xaa", {RDI: 0xfffe, RCX: 4}, rip=0x100, segs=[0x2000, 0x1000, 0, 0, 0, 0])
seed("real-rep-insb-wrap", b"\xf3\x6c", {RDI: 0xffff, RCX: 3, RDX: 0x3ff}, rip=0x100,
     segs=[0x2000, 0x1000, 0, 0, 0, 0])
seed("real-rep-outsw-es", b"\x26\xf3\x6f", {RSI: 0xfffe, RCX: 2}, rip=0x100,
     segs=[0x2000, 0x1000, 0, 0, 0, 0])
seed("real-bp-disp", b"\x26\x8b\x46\x10", {5: 0x20}, rip=0x100, segs=[0x3000, 0x1000, 0, 0, 0, 0])
seed("too-long", b"\x2e" * 14 + b"\x89\x03", **LM)
seed("undecodable", b"\x0f\x0b", **LM)
