/*
 * MC146818 RTC. Register rules follow the Motorola MC146818A datasheet:
 * time/alarm registers in BCD or binary (DM) and 12/24 h (bit 7 = PM),
 * alarm bytes 0xC0-0xFF as "don't care", register A UIP/DV/RS, B
 * SET/PIE/AIE/UIE/SQWE/DM/24-12/DSE, C flags cleared by reading, D VRT.
 * Not modelled: the square wave pin, daylight saving, the 1984 us update
 * duration (the update is instantaneous at the second boundary), and the
 * crystal selections other than 32.768 kHz (any non-reset DV runs).
 */
#include <devmodel/vrtc.h>
#include <lib/muldiv.h>

#include <lib/string.h>

#define NS_PER_SEC 1000000000ull
#define NEVER INT64_MAX

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (era-based, so it
 * holds for any year and needs no tables). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct vrtc_tm *tm)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
}

/* 1970-01-01 was a Thursday (5 with Sunday = 1). */
static uint8_t weekday(int64_t days)
{
	return (uint8_t)(days - floor_div(days + 4, 7) * 7 + 4 + 1);
}

static void sec_to_tm(int64_t sec, uint8_t dow_offset, struct vrtc_tm *tm)
{
	int64_t days = floor_div(sec, 86400), tod = sec - days * 86400;

	civil_from_days(days, tm);
	tm->hour = (uint8_t)(tod / 3600);
	tm->min = (uint8_t)(tod / 60 % 60);
	tm->sec = (uint8_t)(tod % 60);
	tm->dow = (uint8_t)((weekday(days) - 1 + dow_offset) % 7 + 1);
}

static int64_t tm_days(const struct vrtc_tm *tm)
{
	unsigned int mon = tm->mon < 1 ? 1 : tm->mon > 12 ? 12 : tm->mon;

	/* Out-of-range days simply roll into the neighbouring month. */
	return days_from_civil(tm->year, mon, tm->mday);
}

static int64_t tm_to_sec(const struct vrtc_tm *tm)
{
	return tm_days(tm) * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

static bool rtc_binary(const struct vrtc *rtc)
{
	return rtc->cmos[VRTC_REG_B] & VRTC_B_DM_BINARY;
}

static bool rtc_24h(const struct vrtc *rtc)
{
	return rtc->cmos[VRTC_REG_B] & VRTC_B_24H;
}

static bool rtc_div_reset(const struct vrtc *rtc)
{
	return ((rtc->cmos[VRTC_REG_A] >> 4) & 7) >= 6;
}

static uint8_t encode(const struct vrtc *rtc, unsigned int v)
{
	return rtc_binary(rtc) ? (uint8_t)v : (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static unsigned int decode(const struct vrtc *rtc, uint8_t r)
{
	return rtc_binary(rtc) ? r : (r >> 4) * 10u + (r & 0xf);
}

static uint8_t encode_hour(const struct vrtc *rtc, unsigned int h)
{
	unsigned int h12;

	if (rtc_24h(rtc))
		return encode(rtc, h);
	h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(encode(rtc, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned int decode_hour(const struct vrtc *rtc, uint8_t r)
{
	unsigned int h;

	if (rtc_24h(rtc))
		return decode(rtc, r);
	h = decode(rtc, r & 0x7f);
	if (h == 12)
		h = 0;
	return r & 0x80 ? h + 12 : h;
}

static uint64_t upd_count(const struct vrtc *rtc, uint64_t now)
{
	return now >= rtc->first_upd ? (now - rtc->first_upd) / NS_PER_SEC + 1 : 0;
}

/* ns of update number `n` (1-based) after base, saturated. */
static uint64_t upd_time(const struct vrtc *rtc, uint64_t n)
{
	if (n == 0 || n - 1 >= (DEV_NO_DEADLINE - rtc->first_upd) / NS_PER_SEC)
		return DEV_NO_DEADLINE;
	return rtc->first_upd + (n - 1) * NS_PER_SEC;
}

static void rtc_current(const struct vrtc *rtc, uint64_t now, struct vrtc_tm *tm)
{
	if (rtc->frozen)
		*tm = rtc->tm;
	else
		sec_to_tm(rtc->base_sec + (int64_t)upd_count(rtc, now), rtc->dow_offset, tm);
}

/* Restart the running clock from `tm` with the next update at `next`. The
 * weekday counter is independent on the chip, so keep what `tm` says. */
static void rtc_rebase(struct vrtc *rtc, const struct vrtc_tm *tm, uint64_t next)
{
	rtc->base_sec = tm_to_sec(tm);
	rtc->dow_offset = (uint8_t)((tm->dow + 7 * 10 - weekday(tm_days(tm))) % 7);
	rtc->first_upd = next;
	rtc->upd_seen = 0;
}

static uint64_t rtc_period32(const struct vrtc *rtc)
{
	unsigned int rs = rtc->cmos[VRTC_REG_A] & 0xf;

	/* 32.768 kHz time base: rates 1 and 2 alias 256 Hz and 128 Hz. */
	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 64u << rs;
	return 1u << (rs - 1);
}

static uint64_t periodic_index(const struct vrtc *rtc, uint64_t now)
{
	return muldiv32(now, 32768, NS_PER_SEC, false) / rtc_period32(rtc);
}

/* -1: don't care, -2: can never match, else the binary value. */
static int alarm_field(const struct vrtc *rtc, unsigned int reg, unsigned int limit)
{
	uint8_t r = rtc->cmos[reg];
	unsigned int v;

	if ((r & 0xc0) == 0xc0)
		return -1;
	v = reg == VRTC_HOUR_ALARM ? decode_hour(rtc, r) : decode(rtc, r);
	return v < limit ? (int)v : -2;
}

/* First second >= `from` whose time of day matches the alarm. */
static int64_t next_alarm(const struct vrtc *rtc, int64_t from)
{
	int ah = alarm_field(rtc, VRTC_HOUR_ALARM, 24);
	int am = alarm_field(rtc, VRTC_MIN_ALARM, 60);
	int as = alarm_field(rtc, VRTC_SEC_ALARM, 60);
	int64_t day = floor_div(from, 86400), tod = from - day * 86400;

	if (ah == -2 || am == -2 || as == -2)
		return NEVER;
	for (int d = 0; d < 2; d++) {
		int h0 = d ? 0 : (int)(tod / 3600), m0 = d ? 0 : (int)(tod / 60 % 60);
		int s0 = d ? 0 : (int)(tod % 60);

		for (int h = h0; h < 24; h++) {
			if (ah >= 0 && h != ah)
				continue;
			for (int m = h == h0 ? m0 : 0; m < 60; m++) {
				if (am >= 0 && m != am)
					continue;
				for (int s = h == h0 && m == m0 ? s0 : 0; s < 60; s++) {
					if (as < 0 || s == as)
						return (day + d) * 86400 + h * 3600 + m * 60 + s;
				}
			}
		}
	}
	return NEVER;
}

static void rtc_update_irq(struct vrtc *rtc)
{
	uint8_t c = rtc->cmos[VRTC_REG_C], b = rtc->cmos[VRTC_REG_B];
	bool irq;

	/* IRQF = PF.PIE + AF.AIE + UF.UIE */
	irq = c & b & (VRTC_C_PF | VRTC_C_AF | VRTC_C_UF);
	if (irq)
		rtc->cmos[VRTC_REG_C] |= VRTC_C_IRQF;
	if (irq != rtc->irq) {
		rtc->irq = irq;
		irq_sink_set(&rtc->sink, VRTC_IRQ, irq);
	}
}

/* Fold everything that happened up to `now` into register C. Flags are
 * set whether or not their interrupt is enabled. */
static void rtc_catch_up(struct vrtc *rtc, uint64_t now)
{
	uint64_t n, idx;
	int64_t first;

	if (!rtc->frozen) {
		n = upd_count(rtc, now);
		if (n > rtc->upd_seen) {
			rtc->cmos[VRTC_REG_C] |= VRTC_C_UF;
			first = rtc->base_sec + (int64_t)rtc->upd_seen + 1;
			if (next_alarm(rtc, first) <= rtc->base_sec + (int64_t)n)
				rtc->cmos[VRTC_REG_C] |= VRTC_C_AF;
			rtc->upd_seen = n;
		}
	}
	if (!rtc_div_reset(rtc) && rtc_period32(rtc)) {
		idx = periodic_index(rtc, now);
		if (idx > rtc->pf_seen) {
			rtc->cmos[VRTC_REG_C] |= VRTC_C_PF;
			rtc->pf_seen = idx;
		}
	}
	rtc_update_irq(rtc);
}

void vrtc_init(struct vrtc *rtc, uint64_t epoch, const struct irq_sink *sink)
{
	memset(rtc, 0, sizeof(*rtc));
	rtc->cmos[VRTC_REG_A] = 0x26;
	rtc->cmos[VRTC_REG_B] = VRTC_B_24H;
	rtc->cmos[VRTC_REG_D] = VRTC_D_VRT;
	rtc->base_sec = (int64_t)MIN(epoch, 1ull << 40);
	rtc->first_upd = NS_PER_SEC;
	sec_to_tm(rtc->base_sec, 0, &rtc->tm);
	if (sink)
		rtc->sink = *sink;
}

/* Enter or leave the frozen state after a change to SET or DV. */
static void rtc_set_frozen(struct vrtc *rtc, bool frozen, bool div_released, uint64_t now)
{
	uint64_t next, phase;

	if (frozen == rtc->frozen)
		return;
	if (frozen) {
		rtc_current(rtc, now, &rtc->tm);
		rtc->frozen = true;
		return;
	}
	if (div_released) {
		next = now + NS_PER_SEC / 2;
	} else {
		/* SET cleared: the divider kept running, so keep its phase. */
		phase = rtc->first_upd % NS_PER_SEC;
		next = now - now % NS_PER_SEC + phase;
		if (next <= now)
			next += NS_PER_SEC;
	}
	rtc->frozen = false;
	rtc_rebase(rtc, &rtc->tm, next);
}

static void write_reg_a(struct vrtc *rtc, uint8_t val, uint64_t now)
{
	bool was_reset = rtc_div_reset(rtc);
	uint8_t old = rtc->cmos[VRTC_REG_A];

	rtc->cmos[VRTC_REG_A] = val & 0x7f; /* UIP is read-only */
	if ((old ^ val) & 0x0f || was_reset != rtc_div_reset(rtc)) {
		if (rtc_period32(rtc))
			rtc->pf_seen = periodic_index(rtc, now);
	}
	rtc_set_frozen(rtc, rtc_div_reset(rtc) || (rtc->cmos[VRTC_REG_B] & VRTC_B_SET),
		       was_reset && !rtc_div_reset(rtc), now);
}

static void write_reg_b(struct vrtc *rtc, uint8_t val, uint64_t now)
{
	rtc->cmos[VRTC_REG_B] = val;
	rtc_set_frozen(rtc, rtc_div_reset(rtc) || (val & VRTC_B_SET), false, now);
	rtc_update_irq(rtc);
}

static void write_time(struct vrtc *rtc, uint8_t idx, uint8_t val, uint64_t now)
{
	struct vrtc_tm tm;
	unsigned int v = decode(rtc, val);

	rtc_current(rtc, now, &tm);
	switch (idx) {
	case VRTC_SEC:
		tm.sec = (uint8_t)v;
		break;
	case VRTC_MIN:
		tm.min = (uint8_t)v;
		break;
	case VRTC_HOUR:
		tm.hour = (uint8_t)decode_hour(rtc, val);
		break;
	case VRTC_DOW:
		tm.dow = (uint8_t)v;
		break;
	case VRTC_MDAY:
		tm.mday = (uint8_t)v;
		break;
	case VRTC_MON:
		tm.mon = (uint8_t)v;
		break;
	case VRTC_YEAR:
		tm.year = tm.year - tm.year % 100 + v;
		break;
	default: /* century */
		tm.year = (int64_t)v * 100 + tm.year % 100;
		break;
	}
	if (rtc->frozen) {
		rtc->tm = tm;
		return;
	}
	/* Written while running: the count continues from the new value at
	 * the next update, on the same phase. */
	rtc_rebase(rtc, &tm, upd_time(rtc, upd_count(rtc, now) + 1));
}

static uint8_t read_time(const struct vrtc *rtc, uint8_t idx, uint64_t now)
{
	struct vrtc_tm tm;

	rtc_current(rtc, now, &tm);
	switch (idx) {
	case VRTC_SEC:
		return encode(rtc, tm.sec);
	case VRTC_MIN:
		return encode(rtc, tm.min);
	case VRTC_HOUR:
		return encode_hour(rtc, tm.hour);
	case VRTC_DOW:
		return encode(rtc, tm.dow);
	case VRTC_MDAY:
		return encode(rtc, tm.mday);
	case VRTC_MON:
		return encode(rtc, tm.mon);
	case VRTC_YEAR:
		return encode(rtc, (unsigned int)(tm.year % 100));
	default:
		return encode(rtc, (unsigned int)(tm.year / 100 % 100));
	}
}

static bool is_time_reg(uint8_t idx)
{
	return (idx <= VRTC_YEAR && idx != VRTC_SEC_ALARM && idx != VRTC_MIN_ALARM &&
		idx != VRTC_HOUR_ALARM) ||
	       idx == VRTC_CENTURY;
}

static bool rtc_uip(const struct vrtc *rtc, uint64_t now)
{
	uint64_t next;

	if (rtc->frozen)
		return false;
	next = upd_time(rtc, upd_count(rtc, now) + 1);
	return next - now <= VRTC_UIP_NS;
}

static uint8_t data_read(struct vrtc *rtc, uint64_t now)
{
	uint8_t idx = rtc->index, v;

	if (is_time_reg(idx))
		return read_time(rtc, idx, now);
	switch (idx) {
	case VRTC_REG_A:
		return (uint8_t)(rtc->cmos[VRTC_REG_A] | (rtc_uip(rtc, now) ? VRTC_A_UIP : 0));
	case VRTC_REG_C:
		/* Reading C clears every flag and drops IRQ 8. */
		v = rtc->cmos[VRTC_REG_C];
		rtc->cmos[VRTC_REG_C] = 0;
		rtc_update_irq(rtc);
		return v;
	case VRTC_REG_D:
		return VRTC_D_VRT;
	default:
		return rtc->cmos[idx];
	}
}

static void data_write(struct vrtc *rtc, uint8_t val, uint64_t now)
{
	uint8_t idx = rtc->index;

	if (is_time_reg(idx)) {
		write_time(rtc, idx, val, now);
		return;
	}
	switch (idx) {
	case VRTC_REG_A:
		write_reg_a(rtc, val, now);
		break;
	case VRTC_REG_B:
		write_reg_b(rtc, val, now);
		break;
	case VRTC_REG_C:
	case VRTC_REG_D:
		break; /* read-only */
	default:
		rtc->cmos[idx] = val;
		break;
	}
}

bool vrtc_pio(struct vrtc *rtc, struct dev_access *acc, uint64_t now)
{
	if (acc->size != 1 || (acc->addr != VRTC_PORT_INDEX && acc->addr != VRTC_PORT_DATA)) {
		if (!acc->write)
			acc->value = dev_size_mask(acc->size);
		return false;
	}
	if (acc->addr == VRTC_PORT_INDEX) {
		if (acc->write) {
			rtc->index = acc->value & 0x7f;
			rtc->nmi_masked = acc->value & 0x80;
		} else {
			acc->value = 0xff; /* write-only on the PC/AT */
		}
		return true;
	}
	rtc_catch_up(rtc, now);
	if (acc->write)
		data_write(rtc, (uint8_t)acc->value, now);
	else
		acc->value = data_read(rtc, now);
	return true;
}

uint64_t vrtc_next_deadline(const struct vrtc *rtc)
{
	uint8_t b = rtc->cmos[VRTC_REG_B], c = rtc->cmos[VRTC_REG_C];
	uint64_t best = DEV_NO_DEADLINE, p;
	int64_t s;

	/* A source whose flag is still set cannot raise IRQF again until the
	 * guest reads C, so it needs no wakeup. */
	if (!rtc->frozen) {
		if ((b & VRTC_B_UIE) && !(c & VRTC_C_UF))
			best = MIN(best, upd_time(rtc, rtc->upd_seen + 1));
		if ((b & VRTC_B_AIE) && !(c & VRTC_C_AF)) {
			s = next_alarm(rtc, rtc->base_sec + (int64_t)rtc->upd_seen + 1);
			if (s != NEVER)
				best = MIN(best, upd_time(rtc, (uint64_t)(s - rtc->base_sec)));
		}
	}
	p = rtc_period32(rtc);
	if ((b & VRTC_B_PIE) && !(c & VRTC_C_PF) && p && !rtc_div_reset(rtc)) {
		best = MIN(best, muldiv32((rtc->pf_seen + 1) * p, NS_PER_SEC, 32768, true));
	}
	return best;
}

void vrtc_advance(struct vrtc *rtc, uint64_t now)
{
	rtc_catch_up(rtc, now);
}

void vrtc_nvram_set(struct vrtc *rtc, uint8_t idx, uint8_t val)
{
	if (idx >= 14 && idx < 128 && idx != VRTC_CENTURY)
		rtc->cmos[idx] = val;
}

bool vrtc_nmi_masked(const struct vrtc *rtc)
{
	return rtc->nmi_masked;
}

int64_t vrtc_time(const struct vrtc *rtc, uint64_t now)
{
	return rtc->frozen ? tm_to_sec(&rtc->tm) : rtc->base_sec + (int64_t)upd_count(rtc, now);
}
