# The serial-console shell, driven through COM1: vms lists both guests, stats
# shows CPUID exits rising, regs shows a RIP, pause/resume stop and restart
# alpha's heartbeat while beta's continues, reset reloads alpha, and bad input
# gets usage messages.
config shell
emu bochs
cpus 2
timeout 500
input shell.in
until all guests stopped|PANIC
expect console: shell on CPU 0
expect alpha +running
expect beta +running
expect rip +0x0*10[0-9a-f]{4}
expect guest "alpha" paused
expect guest "alpha" resumed
none_between guest\s"alpha"\spaused guest\s"alpha"\sresumed ^\[alpha\]\sheartbeat
expect guest "alpha" resets \(boot 1\): reset from the console
count 2 \[alpha\] hello from alpha
expect frobnicate
expect guest "alpha" stopped: stopped from the console
reject PANIC
reject FAIL
increasing ^  CPUID +([0-9]+) 
# A guest without platform devices resumes most exits on the fast path.
expect ^guest "alpha" vcpu 0: [0-9]+ exits, [0-9]+ on the fast path$
