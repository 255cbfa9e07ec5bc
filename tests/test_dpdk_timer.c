/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's timers (rte_timer.h): DPDK's returns for bad input (each
 * leaving the timers as they were), expiry order, single and periodic timers,
 * timers started for and stopped on another lcore (a worker running
 * rte_timer_manage), a timer running on another lcore refusing reset and stop,
 * the alt API (data instances, polling other lcores' lists, stop_all), the
 * statistics against a count kept here, the validator, and cleanup / re-init.
 * Runs on emu with two lcores.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pause.h>
#include <rte_timer.h>

#include "dpdk_test.h"
#include "helpers.h"
#include "hugemem/hugemem.h"

/* EAL on emu with lcores 0-1, logs quiet. */
static int
eal_up(void)
{
	dpdk_test_quiet();
	return DPDK_TEST_EAL("-l", "0-1", "--no-huge") == 3 ? 0 : -1;
}

static int
setup(void **state)
{
	(void)state;
	if (eal_up() != 0)
		return -1;
	return rte_timer_subsystem_init() == 0 ? 0 : -1;
}

/* the two-lcore test's flags: a worker's loop and a blocking callback */
static volatile int quit, inside, release;

static int
teardown(void **state)
{
	/* a failed assertion leaves lcore 1 in its loop (or in a callback): end both */
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	if (rte_lcore_count() > 0) {
		rte_eal_mp_wait_lcore();
		rte_eal_cleanup();
	}
	rte_openlog_stream(NULL);
	return hm_test_teardown(state);
}

static void
assert_check(void)
{
	const char *why = NULL;

	if (hm_dpdk_check(&why) != 0)
		fail_msg("hm_dpdk_check: %s", why != NULL ? why : "?");
}

/* The counters rte_timer_alt_dump_stats prints. */
struct stats {
	unsigned long long reset, stop, manage, pending;
};

static struct stats
stats_of(uint32_t id)
{
	struct stats s = { 0, 0, 0, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(rte_timer_alt_dump_stats(id, f), 0);
	fclose(f);
	assert_int_equal(sscanf(buf, "Timer statistics:\n  reset = %llu\n  stop = %llu\n"
				"  manage = %llu\n  pending = %llu\n", &s.reset, &s.stop, &s.manage,
				&s.pending), 4);
	free(buf);
	return s;
}

static int calls;
static unsigned int last_lcore;

static void
count_cb(struct rte_timer *tim, void *arg)
{
	(void)tim;
	/* last_lcore and arg first: a waiter that sees `calls` move reads them */
	__atomic_store_n(&last_lcore, rte_lcore_id(), __ATOMIC_RELAXED);
	if (arg != NULL)
		__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELEASE);
}

static void *
no_lcore_thread(void *arg)
{
	int *rc = arg;

	rc[0] = rte_timer_manage();
	rc[1] = (int)rte_timer_next_ticks();
	return NULL;
}

static void
test_dpdk_timer_invalid_args(void **state)
{
	struct rte_timer t, garbage;
	unsigned int bad_lcores[1] = { 5000 }, lcores[1] = { 0 };
	uint32_t id;
	int rc[2];
	pthread_t th;
	(void)state;

	/* before the EAL and the subsystem */
	rte_timer_init(&t);
	assert_int_equal(rte_timer_subsystem_init(), -ENODEV);
	assert_int_equal(rte_timer_reset(&t, 10, SINGLE, 0, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_stop(&t), -EINVAL);
	assert_int_equal(rte_timer_manage(), -EINVAL);
	assert_int_equal(rte_timer_next_ticks(), -EINVAL);
	assert_int_equal(rte_timer_dump_stats(stdout), -EINVAL);
	assert_int_equal(eal_up(), 0);
	assert_int_equal(rte_timer_reset(&t, 10, SINGLE, 0, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_subsystem_init(), 0);
	assert_int_equal(rte_timer_subsystem_init(), -EALREADY);

	struct stats before = stats_of(0);
	assert_int_equal(rte_timer_reset(NULL, 10, SINGLE, 0, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_reset(&t, 10, SINGLE, 0, NULL, NULL), -EINVAL);
	assert_int_equal(rte_timer_reset(&t, 10, (enum rte_timer_type)7, 0, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_reset(&t, 10, SINGLE, 5000, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_reset(&t, 10, SINGLE, 100, count_cb, NULL), -EINVAL); /* no such lcore */
	memset(&garbage, 0xa5, sizeof(garbage)); /* never rte_timer_init'ed */
	assert_int_equal(rte_timer_reset(&garbage, 10, SINGLE, 0, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_stop(&garbage), -EINVAL);
	assert_int_equal(rte_timer_stop(NULL), -EINVAL);
	assert_int_equal(rte_timer_pending(NULL), 0);
	assert_int_equal(rte_timer_pending(&t), 0);
	rte_timer_init(NULL);
	rte_timer_reset_sync(NULL, 10, SINGLE, 0, count_cb, NULL); /* returns, logs */
	rte_timer_stop_sync(NULL);
	assert_int_equal(rte_timer_dump_stats(NULL), -EINVAL);
	assert_int_equal(rte_timer_next_ticks(), -ENOENT);
	/* a thread without an lcore cannot manage */
	assert_int_equal(pthread_create(&th, NULL, no_lcore_thread, rc), 0);
	pthread_join(th, NULL);
	assert_int_equal(rc[0], -EINVAL);
	assert_int_equal(rc[1], -EINVAL);
	/* the alt API */
	assert_int_equal(rte_timer_data_alloc(NULL), -EINVAL);
	assert_int_equal(rte_timer_data_dealloc(64), -EINVAL);
	assert_int_equal(rte_timer_data_dealloc(7), -EINVAL); /* not allocated */
	assert_int_equal(rte_timer_alt_reset(7, &t, 10, SINGLE, 0, count_cb, NULL), -EINVAL);
	assert_int_equal(rte_timer_alt_stop(7, &t), -EINVAL);
	assert_int_equal(rte_timer_alt_manage(7, NULL, 0, NULL), -EINVAL);
	assert_int_equal(rte_timer_alt_dump_stats(7, stdout), -EINVAL);
	assert_int_equal(rte_timer_data_alloc(&id), 0);
	assert_int_equal(rte_timer_alt_manage(id, NULL, 3, NULL), -EINVAL);
	assert_int_equal(rte_timer_alt_manage(id, lcores, 0, NULL), -EINVAL);
	assert_int_equal(rte_timer_alt_manage(id, lcores, -1, NULL), -EINVAL);
	assert_int_equal(rte_timer_alt_manage(id, bad_lcores, 1, NULL), -EINVAL);
	assert_int_equal(rte_timer_stop_all(id, NULL, 1, NULL, NULL), -EINVAL);
	assert_int_equal(rte_timer_stop_all(id, bad_lcores, 1, NULL, NULL), -EINVAL);
	assert_int_equal(rte_timer_stop_all(7, lcores, 1, NULL, NULL), -EINVAL);
	assert_int_equal(rte_timer_data_dealloc(id), 0);
	assert_int_equal(rte_timer_data_dealloc(id), -EINVAL); /* twice */
	/* nothing changed */
	struct stats after = stats_of(0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(t.status.state, RTE_TIMER_STOP);
	assert_int_equal(t.status.owner, RTE_TIMER_NO_OWNER);
	assert_check();
}

/* ---------------------------------------------------------------- one lcore */

static uint64_t seen_expire[64];
static unsigned int n_seen;

static void
order_cb(struct rte_timer *tim, void *arg)
{
	(void)arg;
	seen_expire[n_seen++] = tim->expire;
}

static void
test_dpdk_timer_expiry_order(void **state)
{
	static struct rte_timer t[40];
	uint64_t seed = hm_test_seed(), hz = rte_get_timer_hz();
	(void)state;

	n_seen = 0;
	for (int i = 0; i < 40; i++) {
		rte_timer_init(&t[i]);
		/* within 1 ms, in random order: expiry order is not reset order */
		uint64_t ticks = hm_test_rand(&seed) % (hz / 1000);
		assert_int_equal(rte_timer_reset(&t[i], ticks, SINGLE, 0, order_cb, NULL), 0);
		assert_int_equal(rte_timer_pending(&t[i]), 1);
	}
	assert_check();
	assert_int_equal(stats_of(0).pending, 40);
	uint64_t end = rte_get_timer_cycles() + hz / 500;
	while (rte_get_timer_cycles() < end)
		rte_pause();
	assert_int_equal(rte_timer_next_ticks(), 0);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(n_seen, 40); /* more than the 64-entry batch? no: all in one call */
	for (unsigned int i = 1; i < n_seen; i++)
		assert_true(seen_expire[i - 1] <= seen_expire[i]);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(rte_timer_pending(&t[i]), 0);
		assert_int_equal(t[i].status.state, RTE_TIMER_STOP);
	}
	struct stats s = stats_of(0);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.reset, 40);
	assert_int_equal(s.manage, 1);
	assert_int_equal(rte_timer_next_ticks(), -ENOENT);
	assert_check();
}

/* More expired timers than the stack batch: all run in one call, in order. */
static void
test_dpdk_timer_many_expired(void **state)
{
	static struct rte_timer t[200];
	(void)state;

	calls = 0;
	for (int i = 0; i < 200; i++) {
		rte_timer_init(&t[i]);
		assert_int_equal(rte_timer_reset(&t[i], 0, SINGLE, 0, count_cb, NULL), 0);
	}
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(calls, 200);
	assert_int_equal(stats_of(0).pending, 0);
}

static struct rte_timer self_t;
static int self_runs;

/* stops itself on its third run, as DPDK's timer example's timer0 does */
static void
self_stop_cb(struct rte_timer *tim, void *arg)
{
	(void)arg;
	if (++self_runs == 3)
		assert_int_equal(rte_timer_stop(tim), 0);
}

/* resets itself, once, as the example's timer1 does (to the same lcore here) */
static void
self_reset_cb(struct rte_timer *tim, void *arg)
{
	(void)arg;
	if (++self_runs == 1)
		assert_int_equal(rte_timer_reset(tim, 0, SINGLE, rte_lcore_id(), self_reset_cb,
						 NULL), 0);
}

static void
test_dpdk_timer_single_periodic_self(void **state)
{
	struct rte_timer t;
	int mine = 0;
	uint64_t hz = rte_get_timer_hz();
	(void)state;

	/* a far timer is pending and not run; next_ticks counts down to it */
	rte_timer_init(&t);
	assert_int_equal(rte_timer_reset(&t, 10 * hz, SINGLE, 0, count_cb, &mine), 0);
	int64_t left = rte_timer_next_ticks();
	assert_true(left > 0 && (uint64_t)left <= 10 * hz);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(mine, 0);
	/* reset moves it: due now */
	assert_int_equal(rte_timer_reset(&t, 0, SINGLE, 0, count_cb, &mine), 0);
	assert_int_equal(stats_of(0).pending, 1);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(mine, 1);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(mine, 1); /* single: once */
	/* stop of a stopped timer: 0, nothing counted */
	assert_int_equal(rte_timer_stop(&t), 0);

	/* periodic: period 1 tick, due again at every call, stopped by itself on run 3 */
	self_runs = 0;
	rte_timer_init(&self_t);
	assert_int_equal(rte_timer_reset(&self_t, 1, PERIODICAL, 0, self_stop_cb, NULL), 0);
	for (int i = 0; i < 6; i++) {
		uint64_t end = rte_get_timer_cycles() + 2;
		while (rte_get_timer_cycles() < end)
			rte_pause();
		assert_int_equal(rte_timer_manage(), 0);
	}
	assert_int_equal(self_runs, 3);
	assert_int_equal(rte_timer_pending(&self_t), 0);
	/* a callback resetting its own timer: pending again, runs at the next call */
	self_runs = 0;
	assert_int_equal(rte_timer_reset(&self_t, 0, SINGLE, 0, self_reset_cb, NULL), 0);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(self_runs, 1);
	assert_int_equal(rte_timer_pending(&self_t), 1);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(self_runs, 2);
	assert_int_equal(rte_timer_pending(&self_t), 0);
	struct stats s = stats_of(0);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.stop, 1);
	assert_check();
	/* a stopped pending timer never runs */
	mine = 0;
	assert_int_equal(rte_timer_reset(&t, 0, PERIODICAL, 0, count_cb, &mine), 0);
	assert_int_equal(rte_timer_stop(&t), 0);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(mine, 0);
	assert_int_equal(stats_of(0).pending, 0);
}

/* The validator sees a list out of order. */
static void
test_dpdk_timer_check_detects_corruption(void **state)
{
	struct rte_timer a, b;
	uint64_t hz = rte_get_timer_hz();
	const char *why = NULL;
	(void)state;

	rte_timer_init(&a);
	rte_timer_init(&b);
	assert_int_equal(rte_timer_reset(&a, 10 * hz, SINGLE, 0, count_cb, NULL), 0);
	assert_int_equal(rte_timer_reset(&b, 20 * hz, SINGLE, 0, count_cb, NULL), 0);
	assert_check();
	uint64_t saved = a.expire;
	a.expire = b.expire + 1;
	assert_int_equal(hm_dpdk_check(&why), -EFAULT);
	assert_non_null(strstr(why, "timer"));
	a.expire = saved;
	assert_check();
	assert_int_equal(rte_timer_stop(&a), 0);
	assert_int_equal(rte_timer_stop(&b), 0);
}

/* ---------------------------------------------------------------- two lcores */


static int
manage_loop(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&quit, __ATOMIC_ACQUIRE)) {
		rte_timer_manage();
		rte_pause();
	}
	return 0;
}


static void
blocking_cb(struct rte_timer *tim, void *arg)
{
	(void)tim;
	(void)arg;
	__atomic_store_n(&inside, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
		rte_pause();
	__atomic_store_n(&inside, 0, __ATOMIC_RELEASE);
}

static void
wait_calls(int n)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (__atomic_load_n(&calls, __ATOMIC_ACQUIRE) < n && rte_get_timer_cycles() < end)
		rte_pause();
	assert_true(__atomic_load_n(&calls, __ATOMIC_ACQUIRE) >= n);
}

/*
 * Reset @p t from here once lcore 1 has finished running it: a callback that
 * bumped `calls` over there may not have returned yet, and until it has the
 * timer is RUNNING on another lcore, which reset refuses (-1, as DPDK's does;
 * an LCORE_ID_ANY reset that fails so has used its turn of the round robin,
 * also as DPDK's: hence wait first, then one reset).
 */
/* @p t's status, read atomically: lcore 1 may change it at any moment */
static union rte_timer_status
status_of(const struct rte_timer *t)
{
	union rte_timer_status st;

	st.u32 = __atomic_load_n(&t->status.u32, __ATOMIC_ACQUIRE);
	return st;
}

static void
reset_when_idle(struct rte_timer *t, unsigned int lcore, rte_timer_cb_t cb)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	union rte_timer_status st;

	do {
		st.u32 = __atomic_load_n(&t->status.u32, __ATOMIC_ACQUIRE);
		if (st.state != RTE_TIMER_RUNNING)
			break;
		rte_pause();
	} while (rte_get_timer_cycles() < end);
	assert_int_not_equal(st.state, RTE_TIMER_RUNNING);
	assert_int_equal(rte_timer_reset(t, 0, SINGLE, lcore, cb, NULL), 0);
}

static void
test_dpdk_timer_other_lcore(void **state)
{
	struct rte_timer t, p;
	(void)state;

	quit = 0;
	assert_int_equal(rte_eal_remote_launch(manage_loop, NULL, 1), 0);
	/* started here for lcore 1: runs there */
	calls = 0;
	rte_timer_init(&t);
	assert_int_equal(rte_timer_reset(&t, 0, SINGLE, 1, count_cb, NULL), 0);
	wait_calls(1);
	assert_int_equal(last_lcore, 1);
	/* periodic on lcore 1, stopped from here while it runs there */
	rte_timer_init(&p);
	assert_int_equal(rte_timer_reset(&p, rte_get_timer_hz() / 10000, PERIODICAL, 1, count_cb,
					 NULL), 0);
	wait_calls(5);
	rte_timer_stop_sync(&p);
	int n = __atomic_load_n(&calls, __ATOMIC_ACQUIRE);
	assert_int_equal(rte_timer_pending(&p), 0);
	rte_delay_us_block(20000);
	assert_int_equal(__atomic_load_n(&calls, __ATOMIC_ACQUIRE), n); /* it stays stopped */
	/* a timer running on lcore 1 refuses reset and stop from here */
	inside = release = 0;
	reset_when_idle(&t, 1, blocking_cb);
	while (!__atomic_load_n(&inside, __ATOMIC_ACQUIRE))
		rte_pause();
	assert_int_equal(status_of(&t).state, RTE_TIMER_RUNNING);
	assert_int_equal(status_of(&t).owner, 1);
	assert_int_equal(rte_timer_reset(&t, 0, SINGLE, 0, count_cb, NULL), -1);
	assert_int_equal(rte_timer_stop(&t), -1);
	assert_int_equal(rte_timer_pending(&t), 0);
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	/* the _sync forms wait for it */
	calls = 0;
	rte_timer_reset_sync(&t, 0, SINGLE, 0, count_cb, NULL);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(last_lcore, 0);
	/* LCORE_ID_ANY: the EAL lcores in turn */
	calls = 0;
	assert_int_equal(rte_timer_reset(&t, 0, SINGLE, LCORE_ID_ANY, count_cb, NULL), 0);
	unsigned int first = (unsigned int)status_of(&t).owner;
	assert_true(first <= 1);
	if (first == 0)
		assert_int_equal(rte_timer_manage(), 0);
	wait_calls(1);
	reset_when_idle(&t, LCORE_ID_ANY, count_cb);
	/* (not its status's owner: given to lcore 1, it may have run and
	 * stopped, owner none, before this thread looks) */
	if (first == 1)
		assert_int_equal(rte_timer_manage(), 0);
	wait_calls(2);
	assert_int_equal(last_lcore, 1 - first);
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_wait_lcore(1), 0);
	assert_int_equal(stats_of(0).pending, 0);
	assert_check();
}

/* ---------------------------------------------------------------- alt API */

static int alt_calls;

static void
alt_cb(struct rte_timer *tim)
{
	(void)tim;
	alt_calls++;
}

static int stopped_calls;

static void
stopped_cb(struct rte_timer *tim, void *arg)
{
	(void)tim;
	assert_ptr_equal(arg, &stopped_calls);
	stopped_calls++;
}

static void
test_dpdk_timer_alt_api(void **state)
{
	struct rte_timer t[4];
	unsigned int both[2] = { 0, 1 };
	uint32_t id, ids[64];
	int n = 0;
	(void)state;

	assert_int_equal(rte_timer_data_alloc(&id), 0);
	assert_true(id != 0); /* 0 is the default instance */
	calls = alt_calls = 0;
	for (int i = 0; i < 4; i++) {
		rte_timer_init(&t[i]);
		assert_int_equal(rte_timer_alt_reset(id, &t[i], 0, SINGLE, (unsigned int)(i % 2),
						     count_cb, NULL), 0);
	}
	/* the default instance does not see them */
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(calls, 0);
	/* polled here, lcore 1's list too, with a callback of our own */
	assert_int_equal(rte_timer_alt_manage(id, both, 2, alt_cb), 0);
	assert_int_equal(alt_calls, 4);
	assert_int_equal(calls, 0);
	/* stop_all: every pending timer of both lists, its callback once each */
	for (int i = 0; i < 4; i++)
		assert_int_equal(rte_timer_alt_reset(id, &t[i], rte_get_timer_hz(), PERIODICAL,
						     (unsigned int)(i % 2), count_cb, NULL), 0);
	assert_int_equal(rte_timer_alt_stop(id, &t[3]), 0);
	stopped_calls = 0;
	assert_int_equal(rte_timer_stop_all(id, both, 2, stopped_cb, &stopped_calls), 0);
	assert_int_equal(stopped_calls, 3);
	for (int i = 0; i < 4; i++)
		assert_int_equal(rte_timer_pending(&t[i]), 0);
	struct stats s = stats_of(id);
	assert_int_equal(s.reset, 8);
	assert_int_equal(s.stop, 4);
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.manage, 1);
	assert_check();
	/* all 64 instances: then ENOSPC */
	while (rte_timer_data_alloc(&ids[n]) == 0)
		n++;
	assert_int_equal(n, 62); /* 64 less the default and id */
	assert_int_equal(rte_timer_data_alloc(&ids[0]) , -ENOSPC);
	for (int i = 0; i < n; i++)
		assert_int_equal(rte_timer_data_dealloc(ids[i]), 0);
	assert_int_equal(rte_timer_data_dealloc(id), 0);
	assert_int_equal(rte_timer_alt_reset(id, &t[0], 0, SINGLE, 0, count_cb, NULL), -EINVAL);
}

/* rte_eal_cleanup finalizes the subsystem; a second init starts afresh. */
static void
test_dpdk_timer_cleanup_and_reinit(void **state)
{
	struct rte_timer t;
	(void)state;

	rte_timer_init(&t);
	assert_int_equal(rte_timer_reset(&t, rte_get_timer_hz(), SINGLE, 0, count_cb, NULL), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(rte_timer_manage(), -EINVAL);
	assert_int_equal(eal_up(), 0);
	assert_int_equal(rte_timer_subsystem_init(), 0);
	assert_int_equal(stats_of(0).reset, 0);
	rte_timer_init(&t); /* its old list is gone */
	calls = 0;
	assert_int_equal(rte_timer_reset(&t, 0, SINGLE, 0, count_cb, NULL), 0);
	assert_int_equal(rte_timer_manage(), 0);
	assert_int_equal(calls, 1);
	rte_timer_subsystem_finalize();
	assert_int_equal(rte_timer_reset(&t, 0, SINGLE, 0, count_cb, NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dpdk_timer_invalid_args, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_expiry_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_many_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_single_periodic_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_check_detects_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_other_lcore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_alt_api, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_timer_cleanup_and_reinit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
