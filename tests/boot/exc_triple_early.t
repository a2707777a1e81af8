# exc_triple triple-faults at once, typically before the victim on the other
# CPU has started: the end of one guest must not end the machine while
# another guest has yet to start; the victim starts, keeps its heartbeat
# and finishes.
config exc_triple_early
emu bochs
cpus 2
timeout 400
expect \[exc_triple\] PASS exc-triple-idt-works
expect guest "exc_triple" stopped: triple fault
expect guest "victim" started
count 10 ^\[victim\] heartbeat [0-9]+ memory intact$
expect \[victim\] PASS victim-memory-intact
expect guest "victim" stopped: guest requested shutdown with status 0
expect all guests stopped
