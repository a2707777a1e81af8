# Isolation: the attacker scans ports, writes and reads where the victim's RAM
# sits on the host (dropped / all-ones, reported), jumps there and is stopped
# with a clear message and restarted, then it
# triple-faults and is restarted again. The victim's heartbeat never stops
# and its memory never changes.
config isolation
emu bochs
cpus 2
timeout 400
expect \[attacker\] PASS attacker-ports-all-ones
expect guest "attacker": write of unclaimed guest-physical 0x8000000 \(8 bytes\): dropped
expect guest "attacker": read of unclaimed guest-physical 0x8000000 \(8 bytes\): reads all-ones
expect \[attacker\] PASS attacker-beyond-ram-all-ones
expect guest "attacker" stopped: vCPU 0 executed guest-physical 0x8000000 outside its RAM
expect \[attacker\] attacker starting \(boot 1\)
expect guest "attacker" stopped: triple fault
expect \[attacker\] attacker starting \(boot 2\)
expect \[attacker\] attacker: done
expect guest "attacker": more unclaimed I/O ports; no longer reported
count 20 ^\[victim\] heartbeat [0-9]+ memory intact$
expect \[victim\] PASS victim-memory-intact
expect guest "victim" stopped: guest requested shutdown with status 0
expect all guests stopped
