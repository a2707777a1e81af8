#!/usr/bin/env python3
"""Drives an emulator's serial console over TCP for the shell tests.

usage: serial_driver.py PORT OUTFILE SCRIPT

Connects to localhost:PORT (the emulator's COM1 socket), appends everything
received to OUTFILE (the transcript the boot-test checks read), and plays
SCRIPT, one step per line:
    wait <regex>     until the regex matches output received after the last
                     matched wait (60 s at most, else the script is abandoned)
    send <text>      the text, then CR; \\xNN escapes (e.g. \\x01 for Ctrl-A)
    raw <text>       the text without CR
    sleep <seconds>
Lines starting with # are comments.
"""
import re
import select
import socket
import sys
import time


def main():
    port, outfile, script = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    deadline = time.time() + 60
    sock = None
    while sock is None:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            if time.time() > deadline:
                sys.exit("serial_driver: cannot connect to port %d" % port)
            time.sleep(0.2)
    sock.setblocking(False)
    out = open(outfile, "ab", buffering=0)
    received = bytearray()
    mark = 0

    def pump(timeout):
        r, _, _ = select.select([sock], [], [], timeout)
        if r:
            try:
                data = sock.recv(65536)
            except OSError:  # the emulator went away
                return False
            if not data:
                return False
            out.write(data)
            received.extend(data)
        return True

    def unescape(text):
        return text.encode().decode("unicode_escape").encode("latin-1")

    steps = [l.rstrip("\n") for l in open(script)]
    for step in steps:
        if not step.strip() or step.startswith("#"):
            continue
        cmd, _, arg = step.partition(" ")
        if cmd == "wait":
            rx = re.compile(arg.encode())
            end = time.time() + 60
            while True:
                m = rx.search(received, mark)
                if m:
                    mark = m.end()
                    break
                if time.time() > end or not pump(0.1):
                    out.write(b"\nserial_driver: gave up waiting for /" + arg.encode() + b"/\n")
                    return
        elif cmd in ("send", "raw"):
            data = unescape(arg) + (b"\r" if cmd == "send" else b"")
            for b in data:  # one byte at a time, as a person types
                sock.sendall(bytes([b]))
                pump(0.02)
        elif cmd == "sleep":
            end = time.time() + float(arg)
            while time.time() < end and pump(0.1):
                pass
    while pump(1.0):
        pass


if __name__ == "__main__":
    main()
