# PIT, PM timer, HPET (through the MMIO emulator) and RTC, checked from a guest.
config platform
emu bochs
timeout 300
expect \[platform\] PASS pit-calibration
expect \[platform\] PASS pmtimer-monotonic
expect \[platform\] PASS pmtimer-rate
expect \[platform\] PASS hpet-caps
expect \[platform\] PASS hpet-rate
expect \[platform\] PASS rtc-uip
expect \[platform\] PASS rtc-date
expect \[platform\] PASS rtc-nvram
expect guest "platform" stopped: guest requested shutdown with status 0
