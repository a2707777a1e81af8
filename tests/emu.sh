#!/usr/bin/env bash
# Boot a Bulkhead ISO headless in an emulator and capture its serial port.
#
# usage: tests/emu.sh <bochs|qemu|qemu-ovmf> <iso> <serial-out> <timeout-s> [cpus] [until-regex]
#
# COM1 goes to <serial-out> (raw, CRLF as sent), port 0xE9 to <serial-out>.e9,
# the emulator's own output to <serial-out>.emu (Bochs: also <serial-out>.bochslog).
# Returns as soon as until-regex (ERE) appears in the serial output, the
# emulator exits, or the timeout expires; the emulator is then killed (with
# everything it started). Exit status:
#   0    until-regex seen (or, without until-regex, the emulator exited 0)
#   1    the emulator exited before until-regex appeared (its status is printed)
#   124  timeout
#   2    usage error
# Without until-regex the emulator's own exit status is returned.
# The last line on stderr says what happened ("emu: ...").
#
# Env: BOCHS_MEGS (256), EMU_GRACE (1 s of output kept after until-regex),
# EMU_KEEP_TMP=1 keeps the per-run temp dir (bochsrc).
set -euo pipefail

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	echo "usage: $0 <bochs|qemu|qemu-ovmf> <iso> <serial-out> <timeout-seconds> [cpus] [until-regex]" >&2
	exit 2
}
[ $# -ge 4 ] || usage
EMU=$1 ISO=$2 OUT=$3 TMO=$4 CPUS=${5:-1} UNTIL=${6:-}
[[ $TMO =~ ^[0-9]+$ ]] || usage
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || usage
[ -f "$ISO" ] || { echo "emu: no such ISO: $ISO" >&2; exit 2; }
ISO=$(cd "$(dirname "$ISO")" && pwd)/$(basename "$ISO")
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
: >"$OUT"
: >"$OUT.e9"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-emu.XXXXXX")
EMU_PID=""
cleanup() {
	local rc=$?
	# Finish even if more signals come (Ctrl-C, then the terminal closing).
	trap '' INT TERM HUP
	bh_kill_tree "$EMU_PID"
	EMU_PID=""
	[ -z "${DRIVER_PID:-}" ] || kill "$DRIVER_PID" 2>/dev/null || true
	if [ "$EMU" = bochs ] && [ -f "$OUT.emu" ]; then
		bochs_e9 <"$OUT.emu" >"$OUT.e9" || true
		[ -f "$TMP/bochs.log" ] && cp "$TMP/bochs.log" "$OUT.bochslog"
	fi
	if [ "${EMU_KEEP_TMP:-0}" = 1 ]; then
		echo "emu: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
	return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Bochs' stdout (under script) holds its banner, the debugger prompt lines and
# the port 0xE9 bytes; keep what comes after the first debugger line, drop the
# exit banner and terminal escape sequences.
bochs_e9() {
	tr -d '\r' | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][0-9A-Za-z]//g' -e 's/\x1b[=>]//g' |
		awk 'started == 0 { if ($0 ~ /^\([0-9]+\) \[0x0*fffffff0\]/) started = 1; next }
		     /^\([0-9]+\) \[0x0*fffffff0\]/ { next }
		     /^Session terminated, killing shell/ { next }
		     /^========================================/ { exit }
		     { print }'
}

# EMU_INPUT=<script>: COM1 becomes a TCP socket that tests/serial_driver.py
# drives with the script (typing into the console) while it records the
# transcript into OUT (Bochs only).
COM1="com1: enabled=1, mode=file, dev=\"$OUT\""
if [ -n "${EMU_INPUT:-}" ] && [ "$EMU" = bochs ]; then
	PORT=$((21000 + RANDOM % 20000))
	COM1="com1: enabled=1, mode=socket-server, dev=localhost:$PORT"
	: >"$OUT"
fi

case $EMU in
bochs)
	bh_bochsrc "$ISO" "$CPUS" "$COM1" "$TMP/bochs.log" >"$TMP/bochsrc"
	printf 'c\n' >"$TMP/rc"
	# `display_library: term` needs a terminal: script gives it a pty.
	# TERM pinned so curses behaves the same everywhere (CI has none).
	CMD=(env TERM=vt100 script -qec "$(bh_bochs_cmd "$TMP/bochsrc" "$TMP/rc")" /dev/null)
	;;
qemu | qemu-ovmf)
	# shellcheck disable=SC2054 # the commas belong to QEMU options
	CMD=(qemu-system-x86_64 -machine q35 -cpu max -m 256 -smp "$CPUS" -nographic -no-reboot
		-serial "file:$OUT" -debugcon "file:$OUT.e9"
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$ISO")
	[ "$EMU" = qemu-ovmf ] && CMD+=(-bios /usr/share/ovmf/OVMF.fd)
	# EMU_QEMU_ARGS: extra devices, e.g. "-device intel-iommu" (word-split on purpose)
	# shellcheck disable=SC2206
	[ -n "${EMU_QEMU_ARGS:-}" ] && CMD+=(${EMU_QEMU_ARGS})
	;;
*) usage ;;
esac

# Own process group (setsid), so the whole emulator tree can be killed.
(cd "$TMP" && exec setsid "${CMD[@]}") </dev/null >"$OUT.emu" 2>&1 &
EMU_PID=$!
if [ -n "${PORT:-}" ]; then
	python3 "$(dirname "${BASH_SOURCE[0]}")/serial_driver.py" "$PORT" "$OUT" "$EMU_INPUT" \
		>"$OUT.driver" 2>&1 &
	DRIVER_PID=$!
fi

seen() {
	# (no pipe: grep -q stopping early would SIGPIPE tr and, with pipefail, fail)
	[ -n "$UNTIL" ] && grep -q -E -e "$UNTIL" <(tr -d '\r' <"$OUT")
}

START=$(bh_now_ms)
DEADLINE=$((START + TMO * 1000))
while :; do
	if seen; then
		echo "emu: /$UNTIL/ seen after $(bh_secs "$START")s" >&2
		# Let trailing output (a panic's details) arrive before the kill.
		GRACE_END=$(($(bh_now_ms) + ${EMU_GRACE:-1} * 1000))
		while kill -0 "$EMU_PID" 2>/dev/null && [ "$(bh_now_ms)" -lt "$GRACE_END" ]; do
			sleep 0.1
		done
		exit 0
	fi
	if ! kill -0 "$EMU_PID" 2>/dev/null; then
		rc=0
		wait "$EMU_PID" || rc=$?
		EMU_PID=""
		if seen; then
			echo "emu: /$UNTIL/ seen after $(bh_secs "$START")s" >&2
			exit 0
		fi
		if [ -z "$UNTIL" ]; then
			echo "emu: $EMU exited with status $rc after $(bh_secs "$START")s" >&2
			exit "$rc"
		fi
		echo "emu: $EMU exited with status $rc after $(bh_secs "$START")s before /$UNTIL/ appeared" >&2
		exit 1
	fi
	if [ "$(bh_now_ms)" -ge "$DEADLINE" ]; then
		echo "emu: timeout after ${TMO}s" >&2
		exit 124
	fi
	sleep 0.2
done
