/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Robust locks (core/common/robust.c) against a fake process table: which
 * tags and slots are dead is decided by the test, so takeover, repair, poison
 * and dead readers are exercised deterministically in one process. The real
 * table and real dead processes are the multiprocess suite's business.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "robust_i.h"

#define SELF_TAG ((1u << 7) | 1u) /* gen 1, slot 0 */
#define DEAD_TAG ((5u << 7) | 2u) /* gen 5, slot 1 */
#define LIVE_TAG ((3u << 7) | 3u) /* gen 3, slot 2 */
#define DEAD_PID 4242

static volatile uint32_t fake_rd[3 * ROBUST_RD_IDS];
static int slot1_dead;
static int dead_checks;

static int
fake_tag_dead(uint32_t tag, int32_t *pid)
{
	__atomic_fetch_add(&dead_checks, 1, __ATOMIC_RELAXED);
	*pid = tag == DEAD_TAG ? DEAD_PID : 0;
	return tag == DEAD_TAG;
}

static int
fake_slot_dead(unsigned int slot, int32_t *pid)
{
	*pid = 0;
	if (slot == 1 && slot1_dead) {
		/* the table reaps it: its counts are gone */
		for (unsigned int k = 0; k < ROBUST_RD_IDS; k++)
			fake_rd[ROBUST_RD_IDS + k] = 0;
		*pid = DEAD_PID;
		return 1;
	}
	return 0;
}

static const struct robust_table fake = {
	.tag_dead = fake_tag_dead,
	.slot_dead = fake_slot_dead,
	.rd = fake_rd,
	.rd_stride = ROBUST_RD_IDS,
	.n_slots = 3,
	.self = 0,
	.tag = SELF_TAG,
};

struct repair_log {
	int calls;
	int result;
};

static int
repair_fn(void *arg, const char **why)
{
	struct repair_log *r = arg;

	r->calls++;
	if (r->result < 0)
		*why = "the test says it is broken";
	return r->result;
}

static int
setup(void **state)
{
	(void)state;
	memset((void *)fake_rd, 0, sizeof(fake_rd));
	slot1_dead = 0;
	dead_checks = 0;
	robust_set_table(&fake);
	hm_test_quiet_log();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	robust_set_table(NULL);
	return 0;
}

static void
test_robust_uncontended(void **state)
{
	hm_spinlock_t sl = HM_SPINLOCK_INITIALIZER;
	hm_rwlock_t rw = HM_RWLOCK_INITIALIZER;
	(void)state;

	assert_int_equal(robust_self_tag(), SELF_TAG);
	assert_int_equal(robust_lock(&sl, NULL), 0);
	assert_int_equal(sl.locked, (int32_t)SELF_TAG);
	assert_true(robust_is_locked(&sl));
	assert_false(robust_trylock(&sl));
	robust_unlock(&sl);
	assert_false(robust_is_locked(&sl));
	assert_true(robust_trylock(&sl));
	robust_unlock(&sl);

	assert_int_equal(robust_write_lock(&rw, ROBUST_RD_HOTPLUG, NULL), 0);
	assert_int_equal(rw.cnt, -(int32_t)SELF_TAG);
	robust_write_unlock(&rw);
	assert_int_equal(robust_read_lock(&rw, ROBUST_RD_HOTPLUG, NULL), 0);
	assert_int_equal(robust_read_lock(&rw, ROBUST_RD_HOTPLUG, NULL), 0);
	assert_int_equal(rw.cnt, 0); /* readers never touch the word */
	assert_int_equal(fake_rd[ROBUST_RD_HOTPLUG], 2);
	robust_read_unlock(&rw, ROBUST_RD_HOTPLUG);
	robust_read_unlock(&rw, ROBUST_RD_HOTPLUG);
	assert_int_equal(fake_rd[ROBUST_RD_HOTPLUG], 0);
	assert_int_equal(dead_checks, 0); /* no liveness question without a wait */

	/* the default table: one anonymous process */
	robust_set_table(NULL);
	assert_int_equal(robust_self_tag(), ROBUST_TAG_ANON);
	assert_int_equal(robust_lock(&sl, NULL), 0);
	assert_int_equal(sl.locked, (int32_t)ROBUST_TAG_ANON);
	robust_unlock(&sl);
}

static void
test_robust_spin_takeover(void **state)
{
	struct repair_log r = { 0, 0 };
	struct robust_recover rec = { "test structure", repair_fn, &r };
	hm_spinlock_t sl = { (int32_t)DEAD_TAG };
	(void)state;

	assert_int_equal(robust_lock(&sl, &rec), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(sl.locked, (int32_t)SELF_TAG);
	assert_true(dead_checks >= 1);
	robust_unlock(&sl);
	/* no repair function: the takeover alone */
	sl.locked = (int32_t)DEAD_TAG;
	assert_int_equal(robust_lock(&sl, NULL), 0);
	robust_unlock(&sl);
}

static void
test_robust_spin_poison(void **state)
{
	struct repair_log r = { 0, -EFAULT };
	struct robust_recover rec = { "test structure", repair_fn, &r };
	hm_spinlock_t sl = { (int32_t)DEAD_TAG };
	(void)state;

	assert_int_equal(robust_lock(&sl, &rec), -EOWNERDEAD);
	assert_int_equal(r.calls, 1);
	assert_non_null(strstr(hm_last_error(), "process 4242"));
	assert_non_null(strstr(hm_last_error(), "the test says it is broken"));
	assert_non_null(strstr(hm_last_error(), "test structure"));
	/* poisoned for good: later callers fail at once, naming the pid */
	assert_true(robust_is_locked(&sl));
	assert_int_equal(robust_lock(&sl, &rec), -EOWNERDEAD);
	assert_int_equal(r.calls, 1);
	assert_non_null(strstr(hm_last_error(), "process 4242"));
}

struct holder {
	hm_spinlock_t *sl;
	hm_rwlock_t *rw;
	int hold_ms;
	volatile int released;
};

static void *
release_later(void *arg)
{
	struct holder *h = arg;

	usleep((useconds_t)h->hold_ms * 1000);
	h->released = 1;
	if (h->sl != NULL)
		robust_unlock(h->sl);
	if (h->rw != NULL)
		robust_write_unlock(h->rw);
	return NULL;
}

static void
test_robust_live_owner_waited_for(void **state)
{
	struct repair_log r = { 0, 0 };
	struct robust_recover rec = { "test structure", repair_fn, &r };
	hm_spinlock_t sl = { (int32_t)LIVE_TAG };
	hm_rwlock_t rw = { -(int32_t)LIVE_TAG, 0 };
	struct holder h = { &sl, &rw, 30, 0 };
	pthread_t t;
	(void)state;

	assert_int_equal(pthread_create(&t, NULL, release_later, &h), 0);
	assert_int_equal(robust_lock(&sl, &rec), 0);
	assert_int_equal(h.released, 1);
	assert_int_equal(robust_read_lock(&rw, ROBUST_RD_MEMZONE, &rec), 0);
	robust_read_unlock(&rw, ROBUST_RD_MEMZONE);
	pthread_join(t, NULL);
	robust_unlock(&sl);
	assert_int_equal(r.calls, 0);
	assert_true(dead_checks >= 1); /* asked, and told it lives */
}

static void
test_robust_rw_dead_writer(void **state)
{
	struct repair_log r = { 0, 0 };
	struct robust_recover rec = { "test map", repair_fn, &r };
	hm_rwlock_t rw = { -(int32_t)DEAD_TAG, 0 };
	(void)state;

	/* a reader finds the dead writer, takes over, checks, then reads */
	assert_int_equal(robust_read_lock(&rw, ROBUST_RD_HOTPLUG, &rec), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(rw.cnt, 0);
	assert_int_equal(fake_rd[ROBUST_RD_HOTPLUG], 1);
	robust_read_unlock(&rw, ROBUST_RD_HOTPLUG);
	/* a writer does the same */
	rw.cnt = -(int32_t)DEAD_TAG;
	assert_int_equal(robust_write_lock(&rw, ROBUST_RD_HOTPLUG, &rec), 0);
	assert_int_equal(r.calls, 2);
	assert_int_equal(rw.cnt, -(int32_t)SELF_TAG);
	robust_write_unlock(&rw);
	/* an exclusive-only lock (fbarray style) */
	rw.cnt = -(int32_t)DEAD_TAG;
	assert_int_equal(robust_write_lock(&rw, ROBUST_NO_READERS, &rec), 0);
	assert_int_equal(r.calls, 3);
	robust_write_unlock(&rw);
}

static void
test_robust_rw_poison(void **state)
{
	struct repair_log r = { 0, -EFAULT };
	struct robust_recover rec = { "test map", repair_fn, &r };
	hm_rwlock_t rw = { -(int32_t)DEAD_TAG, 0 };
	(void)state;

	assert_int_equal(robust_read_lock(&rw, ROBUST_RD_HOTPLUG, &rec), -EOWNERDEAD);
	assert_int_equal(fake_rd[ROBUST_RD_HOTPLUG], 0); /* no read hold left behind */
	assert_int_equal(rw.cnt, INT32_MIN);
	assert_int_equal(rw.wait, DEAD_PID);
	assert_int_equal(robust_write_lock(&rw, ROBUST_RD_HOTPLUG, &rec), -EOWNERDEAD);
	assert_int_equal(robust_read_lock(&rw, ROBUST_RD_HOTPLUG, &rec), -EOWNERDEAD);
	assert_non_null(strstr(hm_last_error(), "process 4242"));
	assert_int_equal(r.calls, 1);
}

static void
test_robust_rw_dead_reader(void **state)
{
	hm_rwlock_t rw = HM_RWLOCK_INITIALIZER;
	(void)state;

	/* slot 1's process holds two reads and is alive: the writer waits... */
	fake_rd[ROBUST_RD_IDS + ROBUST_RD_HOTPLUG] = 2;
	/* ... until it dies: the table reaps it and the writer proceeds */
	slot1_dead = 1;
	assert_int_equal(robust_write_lock(&rw, ROBUST_RD_HOTPLUG, NULL), 0);
	assert_int_equal(fake_rd[ROBUST_RD_IDS + ROBUST_RD_HOTPLUG], 0);
	robust_write_unlock(&rw);
	/* another counter is another lock: slot 2's memzone reads do not block hotplug */
	fake_rd[2 * ROBUST_RD_IDS + ROBUST_RD_MEMZONE] = 1;
	assert_int_equal(robust_write_lock(&rw, ROBUST_RD_HOTPLUG, NULL), 0);
	robust_write_unlock(&rw);
	fake_rd[2 * ROBUST_RD_IDS + ROBUST_RD_MEMZONE] = 0;
}

/* Readers and writers of this process's threads against a model: a writer
 * sees no reader and no other writer; readers see a consistent pair. */
struct rw_shared {
	hm_rwlock_t rw;
	hm_spinlock_t sl;
	uint64_t a, b;        /* a == b outside a write */
	uint64_t in_write;
	uint64_t spin_count;
	int bad;
};

static void *
rw_worker(void *arg)
{
	struct rw_shared *s = arg;
	uint64_t seed = (uint64_t)(uintptr_t)&seed;

	for (int i = 0; i < 2000; i++) {
		uint64_t r = hm_test_rand(&seed);
		if (r % 4 == 0) {
			if (robust_write_lock(&s->rw, ROBUST_RD_MEMZONE, NULL) != 0) {
				s->bad = 1;
				continue;
			}
			if (__atomic_fetch_add(&s->in_write, 1, __ATOMIC_RELAXED) != 0)
				s->bad = 1;
			__atomic_store_n(&s->a, s->a + 1, __ATOMIC_RELAXED);
			__atomic_store_n(&s->b, s->b + 1, __ATOMIC_RELAXED);
			__atomic_fetch_sub(&s->in_write, 1, __ATOMIC_RELAXED);
			robust_write_unlock(&s->rw);
		} else if (r % 4 == 1) {
			if (robust_lock(&s->sl, NULL) != 0) {
				s->bad = 1;
				continue;
			}
			s->spin_count++;
			robust_unlock(&s->sl);
		} else {
			if (robust_read_lock(&s->rw, ROBUST_RD_MEMZONE, NULL) != 0) {
				s->bad = 1;
				continue;
			}
			if (__atomic_load_n(&s->in_write, __ATOMIC_RELAXED) != 0 ||
			    __atomic_load_n(&s->a, __ATOMIC_RELAXED) !=
			    __atomic_load_n(&s->b, __ATOMIC_RELAXED))
				s->bad = 1;
			robust_read_unlock(&s->rw, ROBUST_RD_MEMZONE);
		}
	}
	return NULL;
}

static void
test_robust_threads_model(void **state)
{
	static struct rw_shared s;
	pthread_t t[4];
	(void)state;

	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, rw_worker, &s), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(s.bad, 0);
	assert_int_equal(s.a, s.b);
	assert_int_equal(s.rw.cnt, 0);
	assert_int_equal(s.sl.locked, 0);
	assert_int_equal(fake_rd[ROBUST_RD_MEMZONE], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_robust_uncontended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_spin_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_spin_poison, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_live_owner_waited_for, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_rw_dead_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_rw_poison, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_rw_dead_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_threads_model, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
