# The MMIO path's decoded-instruction cache, checked from a guest
# (tests/guest/icache.c): repeated loads/stores of every size and extension
# act as their first, fully emulated run; code rewritten in place and a RIP
# remapped to another code page are never served from a stale entry.
config icache
emu bochs
timeout 300
expect ^\[icache\] PASS ioapic-version$
expect ^\[icache\] PASS repeat-mov32$
expect ^\[icache\] PASS repeat-movzx8$
expect ^\[icache\] PASS repeat-movzx16$
expect ^\[icache\] PASS repeat-mov-ah$
expect ^\[icache\] PASS repeat-movsx8$
expect ^\[icache\] PASS repeat-mov32-zext$
expect ^\[icache\] PASS repeat-mov64$
expect ^\[icache\] PASS repeat-store-reg$
expect ^\[icache\] PASS repeat-store-imm$
expect ^\[icache\] PASS smc-before$
expect ^\[icache\] PASS smc-after$
expect ^\[icache\] PASS remap-a$
expect ^\[icache\] PASS remap-b$
expect ^\[icache\] PASS remap-a-again$
expect ^\[icache\] PASS split-load$
expect ^\[icache\] PASS split-store$
count 17 ^\[icache\] PASS [a-z]
expect \[icache\] icache: 0 check\(s\) failed
expect guest "icache" stopped: guest requested shutdown with status 0
reject PANIC
reject FAIL
reject cannot be emulated
