# A fault while delivering #DF is a triple fault: the exc_triple guest points
# its IDT at a not-present page and executes UD2 (#UD -> #PF -> #DF, none of
# whose gates can be read). It does so 300 ms in, while the victim on the
# other CPU is in the middle of its heartbeats: the hypervisor stops
# exc_triple alone, and the victim keeps its heartbeat and finishes.
config exc_triple
emu bochs
cpus 2
timeout 400
expect \[exc_triple\] PASS exc-triple-idt-works
expect \[exc_triple\] exc_triple: IDT on a not-present page, about to triple fault
expect guest "exc_triple" stopped: triple fault
count 10 ^\[victim\] heartbeat [0-9]+ memory intact$
expect \[victim\] PASS victim-memory-intact
expect guest "victim" stopped: guest requested shutdown with status 0
expect all guests stopped
order about\sto\striple\sfault guest "exc_triple" stopped: triple fault
order \[victim\]\sheartbeat\s1\s guest "exc_triple" stopped: triple fault
order guest\s"exc_triple"\sstopped \[victim\] heartbeat 10 memory intact
