/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of hm_free's lcore-cache path (mc_free, core/malloc/mcache_i.h) on the
 * emu backend, for what branch mcpath changed in it: a thread's first free,
 * before its cache has storage (the free finds its classes "full" and
 * mc_push_full allocates), and the memory list the cache checks first
 * (mc_set_msl) when frees alternate between lists of its node, another node's
 * list and memory in no list.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "malloc_cache_test_common.h"

struct first_free_run {
	char *p;       /* allocated by the main lcore */
	int lcore;
	int free_rc;
	uint8_t state; /* p's state after this thread freed it */
	char *again;   /* this thread's malloc of the same size */
};

static void *
first_free_thread(void *arg)
{
	struct first_free_run *r = arg;

	r->lcore = hm_thread_register();
	if (r->lcore < 0)
		return NULL;
	/* this lcore's first cache operation: a free */
	r->free_rc = hm_free(r->p);
	r->state = state_of(r->p);
	r->again = hm_malloc("t", 100, 0);
	hm_free(r->again);
	hm_thread_unregister(); /* its cache goes back */
	return NULL;
}

static void
test_malloc_cache_path_first_free(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO_3L, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	char *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	/* a neighbour kept busy: the block stays a block of its own when it goes back */
	char *keep = hm_malloc("t", 100, 0);
	assert_non_null(keep);

	struct first_free_run r = { .p = p };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, first_free_thread, &r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(r.lcore >= 1);
	assert_int_equal(r.free_rc, 0);
	/* cached by the other lcore, whose cache had no storage before */
	assert_int_equal(r.state, ELEM_CACHED);
	assert_ptr_equal(r.again, p);
	/* its unregister gave it back */
	assert_int_not_equal(state_of(p), ELEM_CACHED);
	assert_int_not_equal(state_of(p), ELEM_BUSY);
	/* and a double free of it is refused */
	hm_test_quiet_log();
	assert_true(hm_free(p) < 0);
	assert_int_equal(hm_free(keep), 0);
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_int_equal(cached_in(h0), 0);
	assert_heaps_valid();
	hm_cleanup();
}

static void
test_malloc_cache_path_lists(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	enum { N = 16 };
	char *a[N], *b[N];
	for (unsigned int i = 0; i < N; i++) {
		a[i] = hm_malloc_socket("t", 64, 0, 0);
		b[i] = hm_malloc_socket("t", 64, 0, 1);
		assert_non_null(a[i]);
		assert_non_null(b[i]);
	}
	/* memory hugemem does not hold, aligned as a block would be */
	char *foreign = aligned_alloc(64, 4096);
	assert_non_null(foreign);
	memset(foreign, 0, 4096);
	hm_test_quiet_log();
	for (unsigned int i = 0; i < N; i++) {
		/* node 1's block: not for node 0's cache (its list is looked
		 * up, found of the other node, and not kept): freed at once */
		assert_int_equal(hm_free(b[i]), 0);
		assert_true(hm_malloc_validate(b[i], NULL) < 0); /* (its page may be gone) */
		/* node 0's: cached, whatever list was checked last */
		assert_int_equal(hm_free(a[i]), 0);
		assert_int_equal(state_of(a[i]), ELEM_CACHED);
		/* neither a foreign pointer nor one below every list is taken */
		assert_true(hm_free(foreign + 64) < 0);
		assert_true(hm_free((void *)(uintptr_t)64) < 0);
		/* a block freed twice: refused, also from the cache */
		assert_true(hm_free(a[i]) < 0);
	}
	assert_int_equal(cached_in(h0), N);
	free(foreign);
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_int_equal(cached_in(h0), 0);
	assert_heaps_valid();
	hm_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloc_cache_path_first_free),
		cmocka_unit_test(test_malloc_cache_path_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
