/*
 * A fake machine behind struct shell_ops for the shell's host tests and its
 * fuzzer: three guests with fixed registers, RAM, EPT and statistics, output
 * captured into a buffer.
 */
#ifndef TESTS_HOST_SHELL_FAKE_H
#define TESTS_HOST_SHELL_FAKE_H
#include <core/shell.h>

#define FAKE_VMS 3
#define FAKE_RAM 0x3000	    /* bytes of RAM per guest, from GPA 0 */
#define FAKE_OUT (1u << 20) /* output kept; more is counted, not stored */

enum fake_state { FAKE_RUNNING, FAKE_PAUSED, FAKE_STOPPED, FAKE_NOT_STARTED };

struct fake_vm {
	const char *name;
	enum fake_state state;
	unsigned int ncpus;
	uint32_t cpus[SHELL_MAX_VCPUS];
	uint64_t ram;
	uint8_t mem[FAKE_RAM];
	uint64_t exits[SHELL_MAX_VCPUS][4]; /* reasons 0, 10, 12, 48 */
};

struct fake {
	char out[FAKE_OUT + 1];
	size_t len;	   /* bytes stored in out */
	size_t total;	   /* bytes written, stored or not */
	unsigned int nvms; /* what vm_count reports (may exceed FAKE_VMS) */
	struct fake_vm vm[FAKE_VMS];
	int log_level;
	int cleared; /* last stats_clear argument */
	unsigned int clears, reboots;
	int force_error; /* nonzero: vm_action returns this */
};

extern struct fake fake;
extern const struct shell_ops fake_ops;

/* Resets the fake to its three guests and empties the output. */
void fake_reset(void);
void fake_clear_output(void);

#endif
