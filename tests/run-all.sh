#!/usr/bin/env bash
# Everything `make test` runs: host unit tests, fuzzers (briefly), boot tests.
# Prints one line per test and ends with "N passed, N failed"; exit 1 on any failure.
#
# Env: TESTS=<glob> [<glob>...]  only boot tests whose name matches
#      SKIP_HOST=1, SKIP_FUZZ=1, SKIP_BOOT=1
#      FUZZ_SECONDS (20) per fuzzer, HOST_TIMEOUT (120) per host test binary
#      BOOT_JOBS (2) boot tests run at once
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BH_ROOT=$(pwd)
export BH_ROOT
# shellcheck source=tests/lib.sh
. tests/lib.sh
bh_init_results
export BH_LOGDIR
# A harness bug must never look green: any failing command of this script
# itself is recorded as a failed test.
trap 'bh_result FAIL harness/run-all "command failed at tests/run-all.sh line $LINENO"' ERR
MAKE=${MAKE:-make}

# The value of a variable of the top-level Makefile (HOST_TESTS, FUZZERS).
make_var() {
	# shellcheck disable=SC2016 # $(VAR) is for make
	$MAKE -s --no-print-directory -f Makefile -f <(printf '__bh_print_var:\n\t@echo $(%s)\n' "$1") __bh_print_var
}

# build <kind> <name> <make args...>: build one target; on failure record
# "FAIL <kind>/<name>: build failed" and return 1.
build() {
	local kind=$1 name=$2 log
	shift 2
	log=$BH_LOGDIR/$kind/$name.build.log
	mkdir -p "$BH_LOGDIR/$kind"
	if $MAKE -s --no-print-directory -j2 "$@" >"$log" 2>&1; then
		return 0
	fi
	bh_result FAIL "$kind/$name" "build failed (make $*)" "$(bh_tail "$log" 30)"
	return 1
}

# --- style: one clang-format style for all C (.clang-format) -------------------------
if [ "${SKIP_HOST:-0}" != 1 ] && command -v clang-format >/dev/null && [ -d .git ]; then
	start=$(bh_now_ms)
	if git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror \
		>"$BH_LOGDIR/clang-format.log" 2>&1; then
		bh_result PASS style/clang-format "$(bh_secs "$start")"
	else
		bh_result FAIL style/clang-format "files differ from .clang-format (make format fixes them)" \
			"$(bh_tail "$BH_LOGDIR/clang-format.log" 20)"
	fi
fi

# --- (a) host unit tests ---------------------------------------------------------
if [ "${SKIP_HOST:-0}" != 1 ]; then
	if hosts=$(make_var HOST_TESTS 2>"$BH_LOGDIR/make-vars.log"); then
		for t in $hosts; do
			if build host "$t" "build/host/$t"; then
				bh_host_test "build/host/$t"
			fi
		done
	else
		bh_result FAIL "host/make" "cannot read HOST_TESTS from the Makefile" "$(bh_tail "$BH_LOGDIR/make-vars.log" 30)"
	fi
fi

# --- (b) fuzzers, FUZZ_SECONDS each -----------------------------------------------
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
	if fuzzers=$(make_var FUZZERS 2>"$BH_LOGDIR/make-vars.log"); then
		# Built one by one, then run two at a time (two cores; each
		# fuzzer is single-threaded; results go to a file, line by line).
		fuzz_built=()
		for f in $fuzzers; do
			build fuzz "$f" "build/fuzz/$f" && fuzz_built+=("$f")
		done
		for f in "${fuzz_built[@]}"; do
			while [ "$(jobs -rp | wc -l)" -ge "${FUZZ_JOBS:-2}" ]; do
				wait -n || true
			done
			bh_fuzz "${FUZZ_SECONDS:-20}" "build/fuzz/$f" &
		done
		wait
	else
		bh_result FAIL "fuzz/make" "cannot read FUZZERS from the Makefile" "$(bh_tail "$BH_LOGDIR/make-vars.log" 30)"
	fi
fi

# --- (c) boot tests ----------------------------------------------------------------
specs=()
if [ "${SKIP_BOOT:-0}" != 1 ]; then
	for s in tests/boot/*.t; do
		[ -f "$s" ] || continue
		name=$(basename "$s" .t)
		if [ -n "${TESTS:-}" ]; then
			keep=0
			for g in ${TESTS//,/ }; do
				# shellcheck disable=SC2053
				[[ $name == $g ]] && keep=1
			done
			[ $keep = 1 ] || continue
		fi
		specs+=("$s")
	done
fi

if [ ${#specs[@]} -gt 0 ]; then
	# Build each configuration's ISO once, one after the other (they share objects).
	declare -A built=()
	for s in "${specs[@]}"; do
		cfg=$(bh_spec_one "$s" config default)
		[ -z "${built[$cfg]:-}" ] || continue
		built[$cfg]=1
		rm -f "$BH_LOGDIR/.build-failed-$cfg"
		blog=$BH_LOGDIR/build-$cfg.log
		if ! [[ $cfg =~ ^[A-Za-z0-9_.-]+$ ]]; then
			echo "bad config name '$cfg'" >"$blog"
			touch "$BH_LOGDIR/.build-failed-$cfg"
		elif ! $MAKE -s --no-print-directory -j2 CONFIG="$cfg" iso >"$blog" 2>&1; then
			touch "$BH_LOGDIR/.build-failed-$cfg"
			bh_out "build of CONFIG=$cfg failed; its boot tests fail:"$'\n'"$(bh_tail "$blog" 30)"
		fi
	done

	# Two at a time (the machine has two cores; Bochs is single-threaded).
	# shellcheck disable=SC2016 # $1 is for the inner bash
	printf '%s\0' "${specs[@]}" |
		xargs -0 -n 1 -P "${BOOT_JOBS:-2}" bash -c '. tests/lib.sh && bh_boot_test "$1"' bh-boot || true

fi

# A boot test that died without reporting is a failure too.
for s in "${specs[@]}"; do
	name=$(basename "$s" .t)
	if ! grep -q -E "^(PASS|FAIL) boot/${name}[ :]" "$BH_RESULTS"; then
		bh_result FAIL "boot/$name" "harness error: no result recorded"
	fi
done

bh_summary
