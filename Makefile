# Bulkhead build. `make run` boots the default configuration; `make test`
# builds and runs every test and ends with "N passed, N failed".
#
# CONFIG=<name> picks the guest table guests/<name>.c (or tests/configs/<name>.c).

CONFIG ?= default
BUILD := build
OUT := $(BUILD)/$(CONFIG)

CC := gcc
HOSTCC := gcc
FUZZCC := clang
NASM := nasm
LD := ld

CONFIG_SRC := $(firstword $(wildcard guests/$(CONFIG).c tests/configs/$(CONFIG).c))

WARN := -Wall -Wextra -Werror
KCFLAGS := -std=c11 -O2 -g $(WARN) -I. -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie \
	-fno-stack-protector -fomit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -MMD -MP
# libgcc supplies 128-bit division helpers (integer-only code).
LIBGCC := $(shell $(CC) -print-libgcc-file-name)
KLDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack -T linker.ld
HOSTCFLAGS := -std=gnu11 -O1 -g $(WARN) -I. -DHOST_BUILD -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZCFLAGS := -std=gnu11 -O1 -g -I. -DHOST_BUILD -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_SECONDS ?= 20

# --- the hypervisor image -------------------------------------------------
KDIRS := boot arch/x86_64 core lib vmx ept vtd devmodel emul
KSRCS_C := $(filter-out $(KEXCLUDE),$(foreach d,$(KDIRS),$(wildcard $(d)/*.c)))
KSRCS_ASM := $(foreach d,$(KDIRS),$(wildcard $(d)/*.asm))
KOBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KSRCS_C)) \
	$(patsubst %.asm,$(BUILD)/k/%.o,$(KSRCS_ASM))
CFG_OBJ := $(OUT)/config.o

.SILENT:
.PHONY: all iso run test bench clean hosttest fuzz check-config deps guests format
all: iso

# Objects also depend on this file: a flag change rebuilds them.
$(BUILD)/k/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm Makefile
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -I. -o $@ $<

$(CFG_OBJ): $(CONFIG_SRC) guests/config.h Makefile
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(OUT)/bulkhead.elf: $(KOBJS) $(CFG_OBJ) linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(CFG_OBJ) $(LIBGCC)

# --- the configuration checker (host) ---------------------------------------
CFGCHECK_SRCS := tools/cfgcheck.c core/config_check.c lib/fmt.c
$(OUT)/cfgcheck: $(CFGCHECK_SRCS) $(CONFIG_SRC) guests/config.h core/config_check.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O1 -g $(WARN) -I. -DHOST_BUILD -o $@ $(CFGCHECK_SRCS) $(CONFIG_SRC)

check-config: $(OUT)/cfgcheck
	$(OUT)/cfgcheck

# --- guest programs ---------------------------------------------------------
# A guest program NAME is built from guests/NAME/*.{c,asm} or tests/guest/NAME.c,
# linked with the small guest library in guests/lib/.
GCFLAGS := -std=c11 -O2 -g $(WARN) -I. -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -MMD -MP
GLIB_SRCS := $(wildcard guests/lib/*.c) $(wildcard guests/lib/*.asm) lib/fmt.c lib/string.c
GLIB_OBJS := $(patsubst %,$(BUILD)/g/%.o,$(basename $(GLIB_SRCS)))
GUEST_NAMES := $(notdir $(patsubst %/,%,$(filter-out guests/lib/,$(wildcard guests/*/)))) \
	$(basename $(notdir $(wildcard tests/guest/*.c)))

$(BUILD)/g/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS) -c $< -o $@

$(BUILD)/g/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -I. -o $@ $<

guest_srcs = $(wildcard guests/$(1)/*.c guests/$(1)/*.asm tests/guest/$(1).c)
guest_objs = $(patsubst %,$(BUILD)/g/%.o,$(basename $(call guest_srcs,$(1))))

define GUEST_RULE
$(BUILD)/guests/$(1).elf: $(call guest_objs,$(1)) $(GLIB_OBJS) guests/lib/guest.ld
	@mkdir -p $$(dir $$@)
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T guests/lib/guest.ld -o $$@ \
		$(call guest_objs,$(1)) $(GLIB_OBJS) $(LIBGCC)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_RULE,$(g))))

# Standalone 32-bit kernels (Multiboot v1/v2, ELF32 test kernels): one NASM
# file each, linked at 1 MiB without the guest library.
KERNEL32_NAMES := $(basename $(notdir $(wildcard tests/kernel32/*.asm)))
# A plain ELF32 guest must not have its ELF headers in a segment below 1 MiB.
K32_LDFLAGS_elf32test := -N
$(BUILD)/guests/%.elf: tests/kernel32/%.asm $(wildcard tests/kernel32/*.inc)
	@mkdir -p $(dir $@) $(BUILD)/k32
	$(NASM) -f elf32 -I. -o $(BUILD)/k32/$*.o $<
	$(LD) -m elf_i386 -nostdlib -z noexecstack -Ttext 0x100000 -e _start $(K32_LDFLAGS_$*) \
		-o $@ $(BUILD)/k32/$*.o

# Raw (flat binary) guests: one NASM file each, `org` at their load address.
RAW_NAMES := $(basename $(notdir $(wildcard tests/raw/*.asm)))
$(BUILD)/guests/%.bin: tests/raw/%.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin -o $@ $<

guests: $(foreach g,$(GUEST_NAMES) $(KERNEL32_NAMES),$(BUILD)/guests/$(g).elf) \
	$(foreach g,$(RAW_NAMES),$(BUILD)/guests/$(g).bin)

# --- the ISO -----------------------------------------------------------------
# grub.cfg and the module list come from the configuration itself (cfgcheck
# prints the module names it references), so the ISO always matches the table.
# Only the guest programs this configuration names are built (MODULES comes
# from the checker in a second make pass).
MODULE_ELFS := $(foreach m,$(MODULES),$(if $(filter $(m),$(GUEST_NAMES) $(KERNEL32_NAMES)),$(BUILD)/guests/$(m).elf) \
	$(if $(filter $(m),$(RAW_NAMES)),$(BUILD)/guests/$(m).bin))
$(OUT)/bulkhead.iso: $(OUT)/bulkhead.elf $(OUT)/cfgcheck $(MODULE_ELFS) tools/mkiso.sh $(wildcard guests/$(CONFIG).cmdline tests/configs/$(CONFIG).cmdline)
	tools/mkiso.sh $(OUT) $(BUILD)/guests $(CONFIG)

iso: $(OUT)/cfgcheck
	@$(OUT)/cfgcheck >/dev/null || { $(OUT)/cfgcheck; exit 1; }
	@$(MAKE) --no-print-directory CONFIG=$(CONFIG) MODULES="$$($(OUT)/cfgcheck --modules | tr '\n' ' ')" $(OUT)/bulkhead.iso
ifeq ($(CONFIG),default)
	@cp $(OUT)/bulkhead.iso $(BUILD)/bulkhead.iso
endif

deps:
	@tools/deps.sh test

run:
	@tools/deps.sh run
	@$(MAKE) --no-print-directory iso
	tools/run.sh $(OUT)/bulkhead.iso

# --- host unit tests and fuzzers -------------------------------------------
# Each tests/host/*.mk adds NAME to HOST_TESTS and sets NAME_SRCS (and
# optionally NAME_LIBS); each tests/fuzz/*.mk adds NAME to FUZZERS and sets
# fuzz_NAME_SRCS (corpus in tests/fuzz/corpus/NAME/).
HOST_TESTS :=
FUZZERS :=
include $(wildcard tests/host/*.mk)
include $(wildcard tests/fuzz/*.mk)

define HOST_TEST_RULE
$(BUILD)/host/$(1): $$($(1)_SRCS) $$(wildcard $$(dir $$($(1)_SRCS))*.h)
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(HOSTCFLAGS) $$($(1)_CFLAGS) -o $$@ $$($(1)_SRCS) -lcmocka $$($(1)_LIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call HOST_TEST_RULE,$(t))))

define FUZZ_RULE
$(BUILD)/fuzz/$(1): $$(fuzz_$(1)_SRCS) $$(wildcard $$(dir $$(fuzz_$(1)_SRCS))*.h)
	@mkdir -p $$(dir $$@)
	$(FUZZCC) $(FUZZCFLAGS) -o $$@ $$(fuzz_$(1)_SRCS)
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_RULE,$(f))))

hosttest: $(foreach t,$(HOST_TESTS),$(BUILD)/host/$(t))
	@tools/testrun.sh host $(foreach t,$(HOST_TESTS),$(BUILD)/host/$(t))

fuzzers: $(foreach f,$(FUZZERS),$(BUILD)/fuzz/$(f))

fuzz: fuzzers
	@tools/testrun.sh fuzz $(or $(FUZZ_LONG),600) $(foreach f,$(FUZZERS),$(BUILD)/fuzz/$(f))

# --- everything ---------------------------------------------------------------
test:
	@tools/deps.sh test
	@tests/run-all.sh

bench:
	@tools/deps.sh test
	@tests/bench.sh

format:
	git ls-files -z '*.c' '*.h' | xargs -0 clang-format -i

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
