#!/bin/sh
# Builds OUT/bulkhead.iso: the hypervisor, every guest module the
# configuration names (from cfgcheck --modules), and a grub.cfg made from the
# same list. Usage: tools/mkiso.sh OUT GUESTDIR CONFIG
set -eu
out=$1 guests=$2 config=$3
root=$out/isoroot
rm -rf "$root"
mkdir -p "$root/boot/grub"
cp "$out/bulkhead.elf" "$root/boot/bulkhead.elf"

# Hypervisor options: test ISOs end the emulator when every guest stopped;
# a configuration may add options in <config>.cmdline next to its table.
opts="exit_when_idle"
for f in "guests/$config.cmdline" "tests/configs/$config.cmdline"; do
	[ -f "$f" ] && opts="$opts $(cat "$f")"
done

{
	echo "serial --unit=0 --speed=115200"
	echo "terminal_input serial console"
	echo "terminal_output serial console"
	echo "set timeout=0"
	echo "set default=0"
	echo "menuentry \"Bulkhead ($config)\" {"
	echo "  multiboot2 /boot/bulkhead.elf $opts"
	"$out/cfgcheck" --modules | while read -r m; do
		if [ -f "$guests/$m.elf" ]; then
			cp "$guests/$m.elf" "$root/boot/$m.elf"
			echo "  module2 /boot/$m.elf $m"
		elif [ -f "$guests/$m.bin" ]; then
			cp "$guests/$m.bin" "$root/boot/$m.bin"
			echo "  module2 /boot/$m.bin $m"
		elif [ -f "tests/images/$m" ]; then
			cp "tests/images/$m" "$root/boot/$m"
			echo "  module2 /boot/$m $m"
		else
			echo "mkiso: note: module \"$m\" has no guest program; it is left off the ISO" >&2
		fi
	done
	echo "  boot"
	echo "}"
} >"$root/boot/grub/grub.cfg"

grub-mkrescue -o "$out/bulkhead.iso" "$root" >"$out/grub-mkrescue.log" 2>&1 || {
	cat "$out/grub-mkrescue.log" >&2
	exit 1
}
echo "mkiso: $out/bulkhead.iso"
