#!/usr/bin/env bash
# Runs already-built host test binaries or fuzzers, one result line each, then
# "N passed, N failed". Used by `make hosttest` and `make fuzz`.
#
# usage: tools/testrun.sh host <binary...>
#        tools/testrun.sh fuzz <seconds> <binary...>
# Logs: build/test-logs/host/<name>.log, build/test-logs/fuzz/<name>.log;
# fuzz crash inputs: build/test-logs/fuzz/<name>-artifacts/.
set -euo pipefail
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib.sh"

usage() {
	echo "usage: $0 host <binary...> | $0 fuzz <seconds> <binary...>" >&2
	exit 2
}
[ $# -ge 1 ] || usage
bh_init_results
case $1 in
host)
	shift
	for b in "$@"; do bh_host_test "$b"; done
	;;
fuzz)
	if [ $# -lt 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then usage; fi
	secs=$2
	shift 2
	for b in "$@"; do bh_fuzz "$secs" "$b"; done
	;;
*) usage ;;
esac
bh_summary
