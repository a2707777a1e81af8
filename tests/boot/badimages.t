# A missing guest image and a malformed one are refused with clear messages;
# the good guest on another CPU runs to the end.
config badimages
emu bochs
cpus 3
timeout 300
expect guest "ghost": image: module "nosuchimage" was not loaded by the boot loader
expect guest "ghost" is not started
expect guest "junk": image "garbage": not an ELF file
expect guest "junk" is not started
expect \[alive\] hello from alive
expect guest "alive" stopped: guest requested shutdown with status 0
expect all guests stopped
