#!/usr/bin/env bash
# Benchmarks (what `make bench` runs).
#  1. Builds CONFIG=bench, boots it in Bochs (deterministic: 1 TSC tick = 1
#     emulated instruction) and prints every "BENCH <name> <value> <unit>"
#     line of its serial output as "<name>: <value> <unit>".
#  2. Runs every tests/bench/*.sh (with bash, from the repository root, BH_ROOT
#     exported) and prints its output.
# Exit status 1 if the bench boot or a script failed. Logs: build/test-logs/bench/.
#
# Env: BENCH_EMU (bochs), BENCH_CPUS (1), BENCH_TIMEOUT (900 s), BOCHS_MEGS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BH_ROOT=$(pwd)
export BH_ROOT
# shellcheck source=tests/lib.sh
. tests/lib.sh
MAKE=${MAKE:-make}
LOGS=$BH_LOGDIR/bench
mkdir -p "$LOGS"
status=0

if [ -f guests/bench.c ] || [ -f tests/configs/bench.c ]; then
	echo "== CONFIG=bench in ${BENCH_EMU:-bochs}"
	if ! $MAKE -s --no-print-directory -j2 CONFIG=bench iso >"$LOGS/build.log" 2>&1; then
		echo "bench: build of CONFIG=bench failed"
		bh_tail "$LOGS/build.log" 30
		status=1
	else
		rc=0
		tests/emu.sh "${BENCH_EMU:-bochs}" build/bench/bulkhead.iso "$LOGS/serial" \
			"${BENCH_TIMEOUT:-900}" "${BENCH_CPUS:-1}" "$BH_DEFAULT_UNTIL" \
			>"$LOGS/emu.log" 2>&1 || rc=$?
		tr -d '\r' <"$LOGS/serial" >"$LOGS/bench.log"
		# Targets (ticks) the project set for some figures; each line that
		# has one says whether it is met. Unmet targets are reported, not
		# failed: a benchmark is not a test.
		sed -n -E 's/.*BENCH[[:space:]]+([^[:space:]]+)[[:space:]]+([^[:space:]]+)[[:space:]]*(.*)$/\1 \2 \3/p' \
			"$LOGS/bench.log" | while read -r name value unit; do
			case $name in
			pio-vuart-read) target=150 ;;
			mmio-ioapic-read) target=400 ;;
			*) target= ;;
			esac
			line="$name: $value${unit:+ $unit}"
			if [ -n "$target" ] && [[ $value =~ ^[0-9]+$ ]]; then
				if [ "$value" -le "$target" ]; then
					line="$line (target <= $target: met)"
				else
					line="$line (target <= $target: not met)"
				fi
			fi
			echo "$line"
		done
		if [ $rc != 0 ]; then
			echo "bench: boot did not finish: $(tail -n 1 "$LOGS/emu.log")"
			bh_tail "$LOGS/bench.log" 30
			status=1
		elif grep -q -E 'PANIC|FAIL' "$LOGS/bench.log"; then
			echo "bench: the bench run reported a failure:"
			grep -m 10 -E 'PANIC|FAIL' "$LOGS/bench.log" | sed 's/^/    /'
			status=1
		elif ! grep -q 'BENCH' "$LOGS/bench.log"; then
			echo "bench: the bench configuration printed no BENCH lines"
			status=1
		fi
		echo "(transcript: build/test-logs/bench/bench.log)"
	fi
else
	echo "bench: no bench configuration yet (guests/bench.c or tests/configs/bench.c): skipping the boot benchmark"
fi

for s in tests/bench/*.sh; do
	[ -f "$s" ] || continue
	echo "== $s"
	if ! bash "$s"; then
		echo "bench: $s failed"
		status=1
	fi
done
exit $status
