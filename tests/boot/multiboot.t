# Multiboot kernels as guests: a v1 kernel loaded by its address fields and
# a Multiboot2 kernel loaded by its address and entry tags, each with a
# command line and one module (an ELF guest program), walk the boot
# information they were handed and stop themselves cleanly.
config multiboot
emu bochs
cpus 2
timeout 300
expect \[mb1\] PASS mb1-magic$
expect \[mb1\] PASS mb1-mem lower=639 upper=15360$
expect \[mb1\] PASS mb1-cmdline hello mb1$
expect \[mb1\] PASS mb1-loader Bulkhead$
expect \[mb1\] PASS mb1-mods 1$
expect \[mb1\] PASS mb1-module demo [1-9][0-9]* 7f 45 4c 46$
expect \[mb1\] PASS mb1-mmap 0x0000000000000000 0x000000000009fc00 1$
expect \[mb1\] PASS mb1-mmap 0x000000000009fc00 0x0000000000060400 2$
expect \[mb1\] PASS mb1-mmap 0x0000000000100000 0x0000000000f00000 1$
expect \[mb1\] PASS mb1-done$
expect \[mb2\] PASS mb2-magic$
expect \[mb2\] PASS mb2-cmdline hello mb2$
expect \[mb2\] PASS mb2-loader Bulkhead$
expect \[mb2\] PASS mb2-module victim [1-9][0-9]* 7f 45 4c 46$
expect \[mb2\] PASS mb2-mem lower=639 upper=15360$
expect \[mb2\] PASS mb2-mmap 0x0000000000000000 0x000000000009fc00 1$
expect \[mb2\] PASS mb2-mmap 0x000000000009fc00 0x0000000000060400 2$
expect \[mb2\] PASS mb2-mmap 0x0000000000100000 0x0000000000f00000 1$
expect \[mb2\] PASS mb2-done$
count 1 \[mb1\] PASS mb1-module 
count 1 \[mb2\] PASS mb2-module 
count 3 \[mb1\] PASS mb1-mmap 
count 3 \[mb2\] PASS mb2-mmap 
expect guest "mb1" stopped: guest wrote 0x0 to the exit port 0xf4
expect guest "mb2" stopped: guest wrote 0x0 to the exit port 0xf4
expect all guests stopped
