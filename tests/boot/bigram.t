# A guest asking for more RAM than exists is refused with a clear sentence.
config bigram
emu bochs
timeout 180
expect guest "huge": ram_size: needs 64 GiB of RAM, only [0-9]+ MiB free
expect guest "huge" is not started
expect no guest could be started
until no guest could be started|PANIC
