/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regression tests from an adversarial review of malloc's per-lcore caches
 * (core/malloc/malloc.c "lcore caches"): one test per finding, plus the
 * sequential paths the review checked and found right (double free after the
 * page went back, zmalloc of a dirty cached block, realloc of a cached block,
 * the ENOMEM flush-and-retry, unregister inside a memseg walk, cleanup with
 * cached blocks). The threaded tests are meant for the TSan build: there they
 * fail on a data race; elsewhere they check the heaps stay valid. Findings:
 *   - hm_init_config took any malloc_cache (cap 1: a refill of 0 blocks asked
 *     the heap for 2^64 - 128 bytes and corrupted it) - invalid_args;
 *   - an lcore retagging a cached block without the lock raced with dumps, the
 *     leak report and heap_check reading it under the lock - check_while_churning;
 *   - hm_malloc_check decided "no other lcore registered" once, then read every
 *     cache while a thread could register and start using one (TSan, and a false
 *     "CACHED elements != cached blocks") - check_while_churning (its start) and
 *     check_while_registering; intermittent by nature (a narrow window).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "hugemem/hugemem.h"
#include "malloc_i.h" /* ELEM_* layout constants */

#define KB 1024ULL

static const char *const TOPO = "nodes=1;2M=16;4K=256;lcores=0@0,1@0";

static int
init_cache(const char *topo, unsigned int cap)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	c.malloc_cache = cap;
	return hm_test_init_cfg(&c);
}

/* A cache size the option parser refuses is refused by hm_init_config too: a
 * capacity of 1 made a refill carve a run of 0 blocks (a request of -128 bytes)
 * and a full class push past its stack; odd and oversized capacities broke the
 * "even, 2..HM_MALLOC_CACHE_MAX" promise of hugemem/init.h. */
static void
test_malloc_cache_review_invalid_args(void **state)
{
	static const unsigned int bad[] = { 1, 3, 33, HM_MALLOC_CACHE_MAX + 2, 1u << 20,
					    UINT32_MAX };
	(void)state;

	hm_test_quiet_log();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(init_cache(TOPO, bad[i]), -EINVAL);
		assert_false(hm_initialized());
	}
	/* the edges are fine */
	assert_int_equal(init_cache(TOPO, 2), 0);
	void *p = hm_malloc("t", 64, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	assert_heaps_valid();
	hm_cleanup();
	assert_int_equal(init_cache(TOPO, HM_MALLOC_CACHE_MAX), 0);
	hm_cleanup();
}

static int
free_in_walk(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	(void)msl;
	(void)ms;
	(void)arg;
	hm_thread_unregister();
	return 1;
}

struct walker {
	void *keep[8];
	int lcore;
};

static void *
walker_thread(void *arg)
{
	struct walker *w = arg;
	w->lcore = hm_thread_register();
	for (int i = 0; i < 8; i++)
		w->keep[i] = hm_malloc("w", 100, 0);
	for (int i = 0; i < 8; i++)
		hm_free(w->keep[i]);
	/* unregistering inside a walk cannot flush (EDEADLK): the blocks stay
	 * cached, counted, and go back at cleanup */
	hm_memseg_walk(free_in_walk, NULL);
	return NULL;
}

/* Paths the review found right, pinned down: a double free after the block's
 * page went back, zmalloc of a dirty cached block, realloc of cached blocks,
 * unregister from a walk callback, cleanup with blocks cached on two lcores. */
static void
test_malloc_cache_review_sequential_paths(void **state)
{
	struct walker w;
	pthread_t t;
	void *p, *q;
	size_t usable;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_cache(TOPO, 4), 0);
	int64_t base = hm_memseg_mapped_bytes(0);

	/* double free after give-back and page release */
	p = hm_malloc("t", 64, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_free(p), -EINVAL);
	assert_int_equal(hm_malloc_validate(p, NULL), -EINVAL);
	assert_null(hm_realloc(p, 128, 0));
	assert_true(hm_malloc_cache_flush() >= 1);
	assert_int_equal(hm_memseg_mapped_bytes(0), base);
	assert_int_equal(hm_free(p), -EINVAL);
	assert_heaps_valid();

	/* zmalloc of a block cached dirty: the requested bytes are zero */
	p = hm_malloc("t", 1000, 0);
	assert_non_null(p);
	memset(p, 0xa5, 1000);
	assert_int_equal(hm_free(p), 0);
	q = hm_zmalloc("t", 1000, 0);
	assert_ptr_equal(q, p);
	for (size_t i = 0; i < 1000; i++)
		if (((unsigned char *)q)[i] != 0)
			fail_msg("byte %zu of a cached zmalloc is 0x%02x", i, ((unsigned char *)q)[i]);
	assert_int_equal(hm_malloc_validate(q, &usable), 0);
	assert_true(usable >= 1000);

	/* realloc of a cached block: contents kept, the old block cached */
	memset(q, 0x3c, 1000);
	p = hm_realloc(q, 3000, 0);
	assert_non_null(p);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(((unsigned char *)p)[i], 0x3c);
	q = hm_realloc(p, 100, 0); /* in place */
	assert_ptr_equal(q, p);
	assert_int_equal(hm_malloc_validate(q, &usable), 0);
	assert_true(usable >= 100);
	assert_heaps_valid();
	assert_int_equal(hm_free(q), 0);
	assert_heaps_valid();

	memset(&w, 0, sizeof(w));
	assert_int_equal(pthread_create(&t, NULL, walker_thread, &w), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.lcore, 1);
	assert_heaps_valid();
	/* cleanup flushes both lcores' caches: no leak report */
	p = hm_malloc("t", 200, 0);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

/* An allocation that fails with ENOMEM while the caller's cache holds what it
 * needs flushes the cache and succeeds. */
static void
test_malloc_cache_review_enomem_flush(void **state)
{
	enum { MAXB = 4096 };
	void **v;
	unsigned int n = 0;
	struct hm_malloc_socket_stats st;
	(void)state;

	hm_test_need_emu("a node of 64 4K pages"); /* before the calloc: a skip returns */
	v = calloc(MAXB, sizeof(*v));
	assert_non_null(v);
	hm_test_quiet_log();
	assert_int_equal(init_cache("nodes=1;4K=64;lcores=0@0", HM_MALLOC_CACHE_MAX), 0);
	while (n < MAXB && (v[n] = hm_malloc("t", 1024, 0)) != NULL)
		n++;
	assert_true(n > 64 && n < MAXB);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_int_equal(hm_malloc_get_socket_stats(0, &st), 0);
	assert_int_equal(st.alloc_count, 0);
	/* most of the node now waits in the main lcore's cache */
	void *big = hm_malloc("big", 128 * KB, 0);
	assert_non_null(big);
	assert_heaps_valid();
	assert_int_equal(hm_free(big), 0);
	free(v);
}

/* ---------------------------------------------------------------- threads */

struct churn {
	volatile int stop;
	int lcore;
	unsigned long rounds;
};

static void *
churn_thread(void *arg)
{
	struct churn *c = arg;
	void *v[16];

	c->lcore = hm_thread_register();
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < 16; i++)
			v[i] = hm_malloc(i & 1 ? "odd" : "even", 64 + 64 * (size_t)(i & 3), 0);
		for (int i = 0; i < 16; i++)
			hm_free(v[i]);
		c->rounds++;
	}
	hm_thread_unregister();
	return NULL;
}

/* An lcore thread allocating and freeing through its cache while another
 * thread checks, dumps and leak-reports the heap: legitimate, and TSan-clean
 * (the owner writes a cached block's header without the heap lock, so what the
 * lock holder reads of it must not race with that). */
static void
test_malloc_cache_review_check_while_churning(void **state)
{
	struct churn c = { 0 };
	pthread_t t;
	FILE *null = fopen("/dev/null", "w");
	(void)state;

	assert_non_null(null);
	assert_int_equal(init_cache(TOPO, 8), 0);
	assert_int_equal(pthread_create(&t, NULL, churn_thread, &c), 0);
	for (int i = 0; i < 300; i++) {
		assert_heaps_valid();
		hm_malloc_dump_heaps(null);
		(void)hm_malloc_leak_report(NULL);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	assert_int_equal(c.lcore, 1);
	assert_heaps_valid();
	fclose(null);
}

static void *
register_thread(void *arg)
{
	struct churn *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		/* allocated without an lcore (heap path), freed with one (cache) */
		void *p = hm_malloc("r", 64, 0);
		if (hm_thread_register() < 0)
			continue;
		hm_free(p);
		hm_thread_unregister();
		__atomic_store_n(&c->rounds, c->rounds + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* hm_malloc_check from the only registered lcore checks every cache exactly;
 * a thread that registers meanwhile and frees into its cache must not make
 * that check report a corrupt heap (or race with it). */
static void
test_malloc_cache_review_check_while_registering(void **state)
{
	struct churn c = { 0 };
	pthread_t t;
	const char *why = NULL;
	int bad = 0;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_cache(TOPO, 8), 0);
	assert_int_equal(pthread_create(&t, NULL, register_thread, &c), 0);
	for (int i = 0; i < 200000 && bad == 0 &&
	     __atomic_load_n(&c.rounds, __ATOMIC_RELAXED) < hm_test_ops(20000); i++) {
		if (hm_malloc_check(&why) != 0)
			bad = i + 1;
		sched_yield();
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	print_message("%lu registrations\n", c.rounds);
	if (bad != 0)
		fail_msg("check %d of a sound heap failed: %s", bad, why);
	assert_heaps_valid();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_cache_review_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_review_sequential_paths,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_review_enomem_flush, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_review_check_while_churning,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_review_check_while_registering,
					  hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
