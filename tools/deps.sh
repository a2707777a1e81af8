#!/bin/sh
# Installs (as root) or names (otherwise) the Debian packages Bulkhead's
# build, run and test targets need. Usage: tools/deps.sh [run|test]
set -e
PKGS_RUN="nasm xorriso mtools grub-pc-bin grub-common grub-efi-amd64-bin bochs bochsbios vgabios bochs-term seabios socat"
PKGS_TEST="$PKGS_RUN python3 clang-format qemu-system-x86 ovmf libcmocka-dev libcapstone-dev clang llvm binutils valgrind"
case "${1:-test}" in
run) PKGS="$PKGS_RUN" ;;
*) PKGS="$PKGS_TEST" ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || apt-get update
	apt-get install -y -qq --no-install-recommends $missing >/dev/null || apt-get install -y --no-install-recommends $missing
else
	echo "deps: missing Debian packages. Run as root:"
	echo "  apt-get install -y$missing"
	exit 1
fi
