# A triple fault stops that guest only, with a clear message; the hypervisor
# stays up and says what happened.
config triple
emu bochs
timeout 180
expect \[triple\] triple: about to triple fault
expect guest "triple" stopped: triple fault
expect all guests stopped
order about\sto\striple\sfault guest\s"triple"\sstopped
