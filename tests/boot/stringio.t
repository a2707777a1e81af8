# String port I/O (INS/OUTS, with and without REP) emulated by the hypervisor,
# checked from a guest (tests/guest/stringio.c): REP OUTS text reaches the
# guest's console line (byte and word elements, DF=1, a page-crossing source,
# an FS override), REP INS fills buffers from the vUART scratch register,
# CMOS NVRAM and the UART loopback FIFO, counts of 0 and 3000, a 32-bit
# address size, an MMIO source, and #PF with the right CR2 and progress when
# the memory side is not present.
config stringio
emu bochs
timeout 300
expect ^\[stringio\] PASS rep-outsb-console$
expect ^\[stringio\] PASS rep-outsw-console$
expect ^\[stringio\] PASS rep-outsb-df$
expect ^\[stringio\] PASS rep-outsb-page-cross$
expect ^\[stringio\] PASS rep-outsb-fs-override$
expect ^\[stringio\] PASS rep-outsb-regs$
expect ^\[stringio\] PASS rep-outsb-df-regs$
expect ^\[stringio\] PASS rep-outsb-fs-regs$
expect ^\[stringio\] PASS rep-insb-scratch$
expect ^\[stringio\] PASS rep-insw-scratch$
expect ^\[stringio\] PASS rep-insd-scratch$
expect ^\[stringio\] PASS rep-insb-cmos$
expect ^\[stringio\] PASS rep-outsb-cmos$
expect ^\[stringio\] PASS rep-insd-page-cross$
expect ^\[stringio\] PASS rep-insb-long$
expect ^\[stringio\] PASS rep-outsb-long$
expect ^\[stringio\] PASS rep-insb-addr32$
expect ^\[stringio\] PASS rep-insb-df-fifo$
expect ^\[stringio\] PASS rep-outsb-count0$
expect ^\[stringio\] PASS rep-insb-count0$
expect ^\[stringio\] PASS rep-outsd-from-mmio$
expect ^\[stringio\] PASS rep-outsb-pf-cr2$
expect ^\[stringio\] PASS rep-outsb-pf-progress$
expect ^\[stringio\] PASS rep-insb-pf-cr2$
expect ^\[stringio\] PASS rep-insb-pf-progress$
count 25 ^\[stringio\] PASS [a-z]
expect \[stringio\] stringio: 0 check\(s\) failed
expect guest "stringio" stopped: guest requested shutdown with status 0
reject PANIC
reject FAIL
reject ^bulkhead: .*string I/O
reject ^bulkhead: .*cannot be emulated
