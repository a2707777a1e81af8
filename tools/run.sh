#!/usr/bin/env bash
# Boot a Bulkhead ISO interactively (what `make run` runs).
#
# usage: tools/run.sh <iso>
#
# With usable nested VMX (/dev/kvm, `vmx` in /proc/cpuinfo, kvm_intel nested=Y)
# it runs QEMU+KVM with the serial console in this terminal (Ctrl-A X quits).
# Otherwise it runs Bochs in the background (its `term` display would take over
# the terminal, so that goes nowhere) and connects this terminal to COM1:
#   - a terminal and socat: COM1 is a TCP socket, keyboard input reaches the
#     guest; Ctrl-C or Ctrl-] stops everything;
#   - no socat or no terminal: COM1 goes to a file shown with tail -f (output
#     only); Ctrl-C stops everything.
# The run ends when the emulator exits (the hypervisor shuts Bochs down once
# every guest has stopped).
#
# Env: RUN_EMU=auto|bochs|kvm (auto), RUN_CPUS (2, Bochs only: ips 50M if >1),
#      BOCHS_MEGS (256), RUN_PORT (a free port from 20000 up).
# Bochs' own log is kept next to the ISO as run-bochs.log.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 <iso>" >&2; exit 2; }
ISO=$1
[ -f "$ISO" ] || { echo "run: no such ISO: $ISO" >&2; exit 2; }
ISO=$(cd "$(dirname "$ISO")" && pwd)/$(basename "$ISO")

# Why nested VMX under KVM is not usable here (empty: it is).
kvm_problem() {
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo "/dev/kvm is missing or not accessible"
	elif ! grep -qw vmx /proc/cpuinfo; then
		echo "the host CPU has no vmx flag"
	elif ! grep -qE '^(Y|1)$' /sys/module/kvm_intel/parameters/nested 2>/dev/null; then
		echo "kvm_intel nested virtualisation is off"
	fi
}

case ${RUN_EMU:-auto} in
auto) why=$(kvm_problem) ;;
bochs) why="RUN_EMU=bochs" ;;
kvm) why="" ;;
*) echo "run: RUN_EMU must be auto, bochs or kvm" >&2; exit 2 ;;
esac

if [ -z "$why" ]; then
	echo "run: QEMU with KVM (nested VMX available); serial console below, Ctrl-A X quits"
	exec qemu-system-x86_64 -enable-kvm -cpu host -machine q35 -m 1024 -smp 4 \
		-nographic -serial mon:stdio -cdrom "$ISO"
fi

CPUS=${RUN_CPUS:-2}
[[ $CPUS =~ ^[1-9][0-9]*$ ]] || { echo "run: RUN_CPUS must be a positive number" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bh-run.XXXXXX")
LOGCOPY=$(dirname "$ISO")/run-bochs.log
BOCHS_PID=""
STTY=""
if [ -t 0 ]; then STTY=$(stty -g 2>/dev/null || true); fi

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	trap '' INT TERM HUP # finish even if more signals come
	bh_kill_tree "$BOCHS_PID"
	BOCHS_PID=""
	if [ -n "$STTY" ]; then stty "$STTY" 2>/dev/null || true; fi
	[ -f "$TMP/bochs.log" ] && cp "$TMP/bochs.log" "$LOGCOPY" 2>/dev/null
	rm -rf "$TMP"
	echo
	echo "run: stopped (Bochs log: $LOGCOPY)"
	return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

free_port() {
	local p=${RUN_PORT:-$((20000 + RANDOM % 20000))} i
	for i in $(seq 1 50); do
		# A refused connection means nobody listens there.
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
		p=$((20000 + RANDOM % 20000))
		: "$i"
	done
	return 1
}

start_bochs() { # <com1 line>
	bh_bochsrc "$ISO" "$CPUS" "$1" "$TMP/bochs.log" >"$TMP/bochsrc"
	printf 'c\n' >"$TMP/rc"
	(cd "$TMP" && exec setsid env TERM=vt100 script -qec "$(bh_bochs_cmd "$TMP/bochsrc" "$TMP/rc")" /dev/null) \
		</dev/null >"$TMP/bochs.out" 2>&1 &
	BOCHS_PID=$!
}

ips=200M
[ "$CPUS" -gt 1 ] && ips=50M
if [ -t 0 ] && [ -t 1 ] && command -v socat >/dev/null 2>&1; then
	PORT=$(free_port) || { echo "run: no free TCP port" >&2; exit 1; }
	echo "run: Bochs, because $why (QEMU+KVM would need nested VMX); $CPUS CPU(s) at $ips ips; COM1 on localhost:$PORT in this terminal; Ctrl-C or Ctrl-] stops"
	start_bochs "com1: enabled=1, mode=socket-server, dev=localhost:$PORT"
	# Bochs waits for this connection before it starts; socat ends when Bochs
	# closes the socket (it exited) or on Ctrl-] / Ctrl-C.
	socat "STDIO,icanon=0,echo=0,escape=0x1d" "TCP:127.0.0.1:$PORT,retry=100,interval=0.1" || true
else
	hint=""
	command -v socat >/dev/null 2>&1 || hint=" (install socat for keyboard input)"
	echo "run: Bochs, because $why (QEMU+KVM would need nested VMX); $CPUS CPU(s) at $ips ips; COM1 output only$hint; Ctrl-C stops"
	: >"$TMP/serial.out"
	start_bochs "com1: enabled=1, mode=file, dev=\"$TMP/serial.out\""
	tail -n +1 -f --pid="$BOCHS_PID" "$TMP/serial.out" || true
fi
# shellcheck disable=SC2046
if bh_alive "$BOCHS_PID" $(bh_descendants "$BOCHS_PID"); then
	exit 0 # the user quit: cleanup stops Bochs
fi
rc=0
wait "$BOCHS_PID" 2>/dev/null || rc=$?
BOCHS_PID=""
echo
echo "run: Bochs exited (status $rc; 1 is its normal shutdown-port exit)"
exit 0
