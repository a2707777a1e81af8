/*
 * Virtual MC146818 RTC/CMOS at ports 0x70 (index, bit 7 = NMI mask) and
 * 0x71 (data), raising ISA IRQ 8.
 *
 * The clock is `epoch` (seconds since 1970-01-01 00:00:00 at now = 0) plus
 * guest time; the date is computed from a seconds count with integer
 * calendar math, so it never drifts and needs no per-second work. Updates
 * happen on whole seconds of `now` until the guest sets the time, which
 * keeps the phase (or moves it, after a divider reset: first update 500 ms
 * after release, as the datasheet says).
 */
#ifndef DEVMODEL_VRTC_H
#define DEVMODEL_VRTC_H
#include <lib/types.h>
#include <devmodel/dev.h>

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA 0x71
#define VRTC_IRQ 8

/* Register indices */
#define VRTC_SEC 0x00
#define VRTC_SEC_ALARM 0x01
#define VRTC_MIN 0x02
#define VRTC_MIN_ALARM 0x03
#define VRTC_HOUR 0x04
#define VRTC_HOUR_ALARM 0x05
#define VRTC_DOW 0x06
#define VRTC_MDAY 0x07
#define VRTC_MON 0x08
#define VRTC_YEAR 0x09
#define VRTC_REG_A 0x0a
#define VRTC_REG_B 0x0b
#define VRTC_REG_C 0x0c
#define VRTC_REG_D 0x0d
#define VRTC_CENTURY 0x32

#define VRTC_A_UIP 0x80
#define VRTC_B_SET 0x80
#define VRTC_B_PIE 0x40
#define VRTC_B_AIE 0x20
#define VRTC_B_UIE 0x10
#define VRTC_B_DM_BINARY 0x04
#define VRTC_B_24H 0x02
#define VRTC_C_IRQF 0x80
#define VRTC_C_PF 0x40
#define VRTC_C_AF 0x20
#define VRTC_C_UF 0x10
#define VRTC_D_VRT 0x80

/* UIP is set this long before each update: 8 cycles of 32.768 kHz. */
#define VRTC_UIP_NS 244141ull

struct vrtc_tm {
	int64_t year;	   /* full year */
	uint8_t mon, mday; /* 1-based */
	uint8_t hour, min, sec;
	uint8_t dow; /* 1 = Sunday */
};

struct vrtc {
	uint8_t cmos[128]; /* A, B, C, alarms and NVRAM; time lives below */
	uint8_t index;
	bool nmi_masked;
	bool frozen; /* SET or divider reset: `tm` holds the time */
	bool irq;    /* IRQ 8 output (IRQF) */
	struct vrtc_tm tm;
	int64_t base_sec;   /* running: seconds since 1970 before first_upd */
	uint64_t first_upd; /* ns of the first update after base_sec */
	uint64_t upd_seen;  /* updates since base already reflected in flags */
	uint64_t pf_seen;   /* periodic intervals already reflected */
	uint8_t dow_offset; /* day-of-week counter vs. the date's weekday */
	struct irq_sink sink;
};

/* `epoch`: seconds since 1970 at now = 0 (clamped to 0..2^40). Register A
 * = 0x26 (32.768 kHz, 1024 Hz), B = 0x02 (24 h, BCD), D = VRT. */
void vrtc_init(struct vrtc *rtc, uint64_t epoch, const struct irq_sink *sink);

/* Byte accesses at 0x70/0x71; false (reads all-ones) otherwise. */
bool vrtc_pio(struct vrtc *rtc, struct dev_access *acc, uint64_t now);

uint64_t vrtc_next_deadline(const struct vrtc *rtc);
void vrtc_advance(struct vrtc *rtc, uint64_t now);

/* NVRAM access for the platform (BIOS-style memory size bytes etc.). */
void vrtc_nvram_set(struct vrtc *rtc, uint8_t idx, uint8_t val);
bool vrtc_nmi_masked(const struct vrtc *rtc);

/* Seconds since 1970 the clock shows at `now`. */
int64_t vrtc_time(const struct vrtc *rtc, uint64_t now);

#endif
