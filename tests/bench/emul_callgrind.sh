#!/bin/sh
# Instruction counts of the MMIO emulator's hot path under callgrind:
# decode+emulate of `mov %eax,(%rbx)` and of `rep movsl` moving 16 bytes,
# plus the full fetch (4-level walk) + decode + emulate of the store.
# Builds its own host driver (-O2, no sanitizers). Called by `make bench`.
set -e
cd "$(dirname "$0")/../.."
OUT=build/bench
mkdir -p "$OUT"
CC=${CC:-gcc}
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -DHOST_BUILD -o "$OUT/emul_bench" \
	tests/bench/emul_bench.c emul/decode.c emul/exec.c emul/alu.c emul/paging.c emul/fetch.c

count() {
	f="$OUT/emul_callgrind.$1.out"
	rm -f "$f"
	valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect="$2" \
		"$OUT/emul_bench" "$1" >/dev/null 2>&1
	awk '/^(summary|totals):/ { print $2; exit }' "$f"
}

echo "emul: mov-store decode+emulate: $(count mov-store measure_mov_store) instructions"
echo "emul: rep-movsl16 decode+emulate: $(count rep-movsl16 measure_rep_movsl16) instructions"
echo "emul: mov-store fetch(4-level walk)+decode+emulate: $(count mov-store-fetch measure_mov_store_fetch) instructions"
