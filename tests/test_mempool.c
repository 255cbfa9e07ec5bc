/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool conformance tests, core operations: argument validation and errno
 * values of every entry point, every backend (ring_* and stack), the object
 * layout, lookup / walk / free without leaks, custom ops (a user backend run
 * against the cache model) and the debug cookies (double put, the debug flag,
 * the validator catching corruption). The caches and threads are in
 * test_mempool_cache.c, the memory under a pool in test_mempool_memory.c.
 * Topologies are emu topology strings, which hm_test_init_cfg turns into caps
 * on the machine under hugetlbfs.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define MEMPOOL_TEST_PREFIX "mempool"
#include "mempool_test_common.h"

static int
walk_count(struct hm_mempool *mp, void *arg)
{
	(void)mp;
	(*(unsigned int *)arg)++;
	return 0;
}

static void
obj_nop(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	(void)mp;
	(void)arg;
	(void)obj;
	(void)idx;
}

static void
mem_nop(struct hm_mempool *mp, void *arg, struct hm_mempool_memhdr *m, unsigned int idx)
{
	(void)mp;
	(void)arg;
	(void)m;
	(void)idx;
}

/* ------------------------------------------------------------------ */

static void
test_mempool_invalid_args(void **state)
{
	const char *n25 = "abcdefghijklmnopqrstuvwxy";  /* 25 characters */
	const char *n26 = "abcdefghijklmnopqrstuvwxyz"; /* 26 */
	struct hm_mempool_stats st;
	struct hm_mempool *mp, *a;
	struct hm_mempool fake;
	struct hm_mempool_cache *c;
	struct hm_mempool_ops ops;
	unsigned int mz0, n;
	(void)state;

	hm_test_quiet_log();
	memset(&fake, 0, sizeof(fake));
	/* before init */
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0), ENODEV);
	assert_fails_ptr(hm_mempool_create("a", 16, 64, 0, 0, NULL, NULL, NULL, NULL,
					   HM_SOCKET_ID_ANY, 0), ENODEV);
	assert_fails_ptr(hm_mempool_lookup("a"), ENODEV);
	assert_int_equal(hm_mempool_walk(walk_count, &n), -ENODEV);
	assert_fails_ptr(hm_mempool_cache_create(16, HM_SOCKET_ID_ANY), ENODEV);
	assert_int_equal(hm_mempool_free(NULL), 0);
	hm_mempool_list_dump(stderr);
	hm_mempool_list_dump(NULL);
	assert_fails_ptr(hm_pktmbuf_pool_create("a", 16, 0, 0, 256, HM_SOCKET_ID_ANY), ENODEV);

	assert_int_equal(init_with(TOPO, 0), 0);
	mz0 = hm_memzone_count();

	/* names */
	assert_fails_ptr(hm_mempool_create_empty(NULL, 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("", 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails_ptr(hm_mempool_create_empty(n26, 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0),
			 ENAMETOOLONG);
	/* sizes */
	assert_fails_ptr(hm_mempool_create_empty("a", 0, 64, 0, 0, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("a", 1u << 30, 64, 0, 0, HM_SOCKET_ID_ANY, 0),
			 EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 0, 0, 0, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("a", 16, UINT32_MAX, 0, 0, HM_SOCKET_ID_ANY, 0),
			 EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 64, 0, UINT32_MAX, HM_SOCKET_ID_ANY, 0),
			 EINVAL);
	/* cache sizing: the message says the right value */
	assert_fails_ptr(hm_mempool_create_empty("a", 4096, 64, 513, 0, HM_SOCKET_ID_ANY, 0),
			 EINVAL);
	assert_non_null(strstr(hm_last_error(), "cache_size <= 512"));
	assert_fails_ptr(hm_mempool_create_empty("a", 512, 64, 512, 0, HM_SOCKET_ID_ANY, 0),
			 EINVAL);
	assert_non_null(strstr(hm_last_error(), "n >= 768"));
	assert_non_null(strstr(hm_last_error(), "cache_size <= 341"));
	/* flags, sockets */
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0x10),
			 EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0x80),
			 EINVAL);
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 64, 0, 0, -2, 0), EINVAL);
	/* a socket with no heap: ENOMEM, as DPDK (from the memzone reserve) */
	assert_fails_ptr(hm_mempool_create_empty("a", 16, 64, 0, 0, 3, 0), ENOMEM);
	assert_fails_ptr(hm_mempool_create("a", 16, 64, 0, 0, NULL, NULL, NULL, NULL, 3, 0),
			 ENOMEM);
	assert_int_equal(hm_memzone_count(), mz0);

	/* 25 characters work; the same name again is EEXIST */
	a = hm_mempool_create_empty(n25, 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(a);
	assert_fails_ptr(hm_mempool_create_empty(n25, 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0), EEXIST);
	assert_int_equal(hm_mempool_populate_default(a), 16);
	assert_int_equal(hm_mempool_populate_default(a), -EEXIST); /* has chunks: DPDK's errno */
	assert_int_equal(hm_mempool_set_ops_byname(a, "stack", NULL), -EEXIST);
	assert_pool_valid(a);

	/* lookup */
	assert_fails_ptr(hm_mempool_lookup(NULL), EINVAL);
	assert_fails_ptr(hm_mempool_lookup(""), ENOENT);
	assert_fails_ptr(hm_mempool_lookup("nope"), ENOENT);
	assert_fails_ptr(hm_mempool_lookup(n26), ENOENT);
	assert_ptr_equal(hm_mempool_lookup(n25), a);
	assert_non_null(hm_memzone_reserve("MP_fake", 4096, HM_SOCKET_ID_ANY, 0));
	assert_fails_ptr(hm_mempool_lookup("fake"), ENOENT); /* a zone, not a pool */
	assert_int_equal(hm_memzone_free(hm_memzone_lookup("MP_fake")), 0);

	/* foreign / NULL pools everywhere */
	assert_int_equal(hm_mempool_populate_default(NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_default(&fake), -EINVAL);
	assert_int_equal(hm_mempool_free(&fake), -EINVAL);
	assert_int_equal(hm_mempool_set_ops_byname(NULL, "stack", NULL), -EINVAL);
	assert_int_equal(hm_mempool_set_ops_byname(&fake, "stack", NULL), -EINVAL);
	assert_int_equal(hm_mempool_check(NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_check(&fake, NULL), -EINVAL);
	assert_int_equal(hm_mempool_stats_get(NULL, &st), -EINVAL);
	assert_int_equal(hm_mempool_stats_get(a, NULL), -EINVAL);
	assert_int_equal(hm_mempool_obj_iter(NULL, obj_nop, NULL), 0);
	assert_int_equal(hm_mempool_obj_iter(a, NULL, NULL), 0);
	assert_int_equal(hm_mempool_mem_iter(&fake, mem_nop, NULL), 0);
	assert_int_equal(hm_mempool_mem_iter(a, NULL, NULL), 0);
	assert_int_equal(hm_mempool_avail_count(NULL), 0);
	assert_int_equal(hm_mempool_in_use_count(&fake), 0);
	assert_int_equal(hm_mempool_full(NULL), 0);
	assert_int_equal(hm_mempool_empty(NULL), 0);
	assert_fails_ptr(hm_mempool_get_priv(&fake), EINVAL);
	assert_fails_ptr(hm_mempool_ops_name(NULL), EINVAL);
	assert_int_equal(hm_mempool_cache_flush(NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_cache_flush(NULL, &fake), -EINVAL);
	assert_int_equal(hm_mempool_walk(NULL, NULL), -EINVAL);
	hm_mempool_dump(stderr, &fake);
	hm_mempool_dump(NULL, a);

	/* ops */
	mp = hm_mempool_create_empty("b", 16, 64, 0, 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_string_equal(hm_mempool_ops_name(mp), "ring_mp_mc");
	assert_int_equal(hm_mempool_set_ops_byname(mp, NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_set_ops_byname(mp, "nope", NULL), -EINVAL); /* DPDK's errno */
	assert_string_equal(hm_mempool_ops_name(mp), "ring_mp_mc");
	assert_int_equal(hm_mempool_ops_lookup(NULL), -EINVAL);
	assert_int_equal(hm_mempool_ops_lookup("nope"), -ENOENT);
	assert_int_equal(hm_mempool_ops_lookup("ring_mp_mc"), 0);
	assert_int_equal(hm_mempool_ops_lookup("stack"), 4);
	assert_int_equal(hm_mempool_ops_register(NULL), -EINVAL);
	memset(&ops, 0, sizeof(ops));
	assert_int_equal(hm_mempool_ops_register(&ops), -EINVAL);
	ops = hm_mempool_ops_table.ops[4];
	assert_int_equal(hm_mempool_ops_register(&ops), -EEXIST);
	ops.name[0] = '\0';
	assert_int_equal(hm_mempool_ops_register(&ops), -EINVAL);
	memset(ops.name, 'x', sizeof(ops.name));
	assert_int_equal(hm_mempool_ops_register(&ops), -ENAMETOOLONG);
	assert_int_equal(hm_mempool_free(mp), 0);

	/* user caches */
	assert_fails_ptr(hm_mempool_cache_create(0, HM_SOCKET_ID_ANY), EINVAL);
	assert_fails_ptr(hm_mempool_cache_create(513, HM_SOCKET_ID_ANY), EINVAL);
	assert_int_equal(hm_mempool_cache_free(NULL), 0);
	c = hm_mempool_cache_create(512, HM_SOCKET_ID_ANY);
	assert_non_null(c);
	assert_int_equal(hm_mempool_cache_free((struct hm_mempool_cache *)&fake), -EINVAL);
	assert_int_equal(hm_mempool_cache_free(c), 0);

	/* calc_obj_size */
	assert_int_equal(hm_mempool_calc_obj_size(0, 0, NULL), 0);
	assert_int_equal(hm_errno, EINVAL);

	assert_int_equal(hm_memzone_count(), mz0 + 3); /* a, its ring, its chunk */
	assert_int_equal(hm_mempool_free(a), 0);
	assert_int_equal(hm_memzone_count(), mz0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

/* Every backend: fill, empty, refill, counts, distinct objects, free without leaks. */
static void
test_mempool_backends(void **state)
{
	static const char *const names[] = { "ring_mp_mc", "ring_sp_sc", "ring_sp_mc",
					     "ring_mp_sc", "stack" };
	static const unsigned int flags[] = { 0, HM_MEMPOOL_F_SP_PUT | HM_MEMPOOL_F_SC_GET,
					      HM_MEMPOOL_F_SP_PUT, HM_MEMPOOL_F_SC_GET, 0 };
	unsigned int mz0;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	mz0 = hm_memzone_count();
	for (unsigned int k = 0; k < 5; k++) {
		struct hm_mempool *mp;
		struct pset all;
		void *objs[1000];
		unsigned int n;

		mp = hm_mempool_create_empty("be", 1000, 100, 0, 0, HM_SOCKET_ID_ANY, flags[k]);
		assert_non_null(mp);
		if (k == 4)
			assert_int_equal(hm_mempool_set_ops_byname(mp, names[k], NULL), 0);
		assert_string_equal(hm_mempool_ops_name(mp), names[k]);
		assert_int_equal(hm_mempool_avail_count(mp), 0);
		assert_int_equal(hm_mempool_populate_default(mp), 1000);
		assert_pool_valid(mp);
		assert_int_equal(mp->elt_size, 104);
		assert_true((mp->flags & HM_MEMPOOL_F_NON_IO) == 0);
		assert_int_equal(hm_mempool_avail_count(mp), 1000);
		assert_true(hm_mempool_full(mp));
		all_objects(mp, &all);
		/* all or nothing */
		assert_int_equal(hm_mempool_generic_get(mp, objs, 999, NULL), 0);
		assert_true(hm_mempool_generic_get(mp, objs + 999, 2, NULL) < 0);
		assert_int_equal(hm_mempool_avail_count(mp), 1);
		assert_int_equal(hm_mempool_in_use_count(mp), 999);
		assert_int_equal(hm_mempool_get(mp, &objs[999]), 0);
		assert_true(hm_mempool_empty(mp));
		assert_true(hm_mempool_get(mp, &objs[0]) < 0);
		for (unsigned int i = 0; i < 1000; i++)
			assert_true(pset_del(&all, objs[i]));
		assert_int_equal(all.n, 0);
		assert_pool_valid(mp);
		for (n = 0; n < 1000; n += 100)
			hm_mempool_put_bulk(mp, objs + n, 100);
		assert_int_equal(hm_mempool_avail_count(mp), 1000);
		assert_pool_valid(mp);
		assert_all_back_once(mp);
		hm_mempool_dump(stdout, mp);
		assert_int_equal(hm_mempool_free(mp), 0);
		assert_int_equal(hm_memzone_count(), mz0);
		pset_fini(&all);
	}
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

/* Object layout: DPDK's sizes, no overlap, alignment. */
static void
test_mempool_object_layout(void **state)
{
	struct hm_mempool_objsz sz;
	struct hm_mempool *mp;
	(void)state;

	/* a default mbuf: 128 + 2176 = 2304, 64 header -> 2368 (37 lines) */
	assert_int_equal(hm_mempool_calc_obj_size(2304, 0, &sz), 2368);
	assert_int_equal(sz.header_size, 64);
	assert_int_equal(sz.elt_size, 2304);
	assert_int_equal(sz.trailer_size, 0);
	/* 64 + 64 = 2 lines -> 3 (odd) */
	assert_int_equal(hm_mempool_calc_obj_size(64, 0, &sz), 192);
	assert_int_equal(sz.trailer_size, 64);
	assert_int_equal(hm_mempool_calc_obj_size(64, HM_MEMPOOL_F_NO_SPREAD, &sz), 128);
	/* NO_CACHE_ALIGN alone still spreads in calc_obj_size, as DPDK's (the pool
	 * gets NO_SPREAD at creation): 24 + 64 = 88 -> 2 lines -> 3 */
	assert_int_equal(hm_mempool_calc_obj_size(60, HM_MEMPOOL_F_NO_CACHE_ALIGN, &sz), 192);
	assert_int_equal(sz.header_size, 24);
	assert_int_equal(hm_mempool_calc_obj_size(60, HM_MEMPOOL_F_NO_CACHE_ALIGN |
						  HM_MEMPOOL_F_NO_SPREAD, &sz), 88);
	assert_int_equal(sz.header_size, 24); /* DPDK's struct rte_mempool_objhdr */
	assert_int_equal(sz.elt_size, 64);
	assert_int_equal(sz.trailer_size, 0);
	/* a debug pool's cookie is an 8-byte trailer (DPDK debug builds' place) */
	assert_int_equal(hm_mempool_calc_obj_size(60, HM_MEMPOOL_F_NO_CACHE_ALIGN |
						  HM_MEMPOOL_F_NO_SPREAD | HM_MEMPOOL_F_DEBUG, &sz), 96);
	assert_int_equal(sz.trailer_size, 8);
	assert_int_equal(hm_mempool_calc_obj_size(64, HM_MEMPOOL_F_DEBUG, &sz), 192);
	assert_int_equal(sz.trailer_size, 64);

	assert_int_equal(init_with(TOPO, 0), 0);
	mp = hm_mempool_create("lay", 500, 60, 0, 0, NULL, NULL, NULL, NULL, 0,
			       HM_MEMPOOL_F_NO_CACHE_ALIGN);
	assert_non_null(mp);
	assert_pool_valid(mp);
	assert_true(mp->flags & HM_MEMPOOL_F_NO_SPREAD); /* implied, as DPDK */
	assert_int_equal(mp->header_size, 24);
	/* this file's pools are debug pools: 24 + 64 + the 8-byte cookie */
	assert_int_equal(mp->header_size + mp->elt_size + mp->trailer_size, 96);
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next) {
		assert_int_equal((uintptr_t)(h + 1) % 8, 0);
		assert_ptr_equal(hm_mempool_from_obj(h + 1), mp);
		if (h->next != NULL && (uint8_t *)h->next > (uint8_t *)h)
			assert_true((uint8_t *)h->next - (uint8_t *)h >= 96);
	}
	assert_int_equal(hm_mempool_free(mp), 0);

	mp = hm_mempool_create("lay2", 500, 100, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next)
		assert_int_equal((uintptr_t)(h + 1) % 64, 0);
	assert_pool_valid(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}


/* ---------------------------------------------------------------- lifecycle */

struct init_arg {
	unsigned int calls;
	unsigned int next_idx;
};

static void
mp_init_cb(struct hm_mempool *mp, void *arg)
{
	struct init_arg *a = arg;
	memset(hm_mempool_get_priv(mp), 0xab, 100);
	a->calls++;
}

static void
obj_init_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct init_arg *a = arg;
	(void)mp;
	assert_int_equal(idx, a->next_idx);
	a->next_idx++;
	memset(obj, (int)(idx & 0xff), 40);
}

static int
walk_stop(struct hm_mempool *mp, void *arg)
{
	(void)mp;
	(void)arg;
	return 7;
}

static void
test_mempool_lookup_walk_free(void **state)
{
	struct init_arg ia = { 0, 0 }, oa = { 0, 0 };
	struct hm_mempool *mp, *b;
	unsigned int n = 0, mz0;
	uint8_t *priv;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	mz0 = hm_memzone_count();
	mp = hm_mempool_create("life", 300, 40, 8, 100, mp_init_cb, &ia, obj_init_cb, &oa, 0, 0);
	assert_non_null(mp);
	assert_int_equal(ia.calls, 1);
	assert_int_equal(oa.next_idx, 300);
	priv = hm_mempool_get_priv(mp);
	assert_non_null(priv);
	assert_int_equal((uintptr_t)priv % 64, 0);
	assert_int_equal(mp->private_data_size, 128);
	assert_int_equal(priv[99], 0xab);
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next)
		(void)h;
	assert_ptr_equal(hm_mempool_lookup("life"), mp);
	b = hm_mempool_create("life_0", 10, 40, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(b); /* no collision with "life"'s chunk names */
	assert_int_equal(hm_mempool_walk(walk_count, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(hm_mempool_walk(walk_stop, NULL), 7);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_fails_ptr(hm_mempool_lookup("life"), ENOENT);
	assert_int_equal(hm_mempool_free(mp), -EINVAL); /* freed: no longer a pool */
	n = 0;
	assert_int_equal(hm_mempool_walk(walk_count, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hm_mempool_free(b), 0);
	/* create / free many times: nothing accumulates */
	for (unsigned int i = 0; i < 50; i++) {
		mp = hm_mempool_create("again", 1000, 200, 32, 64, NULL, NULL, NULL, NULL,
				       HM_SOCKET_ID_ANY, 0);
		assert_non_null(mp);
		assert_int_equal(hm_mempool_free(mp), 0);
	}
	assert_int_equal(hm_memzone_count(), mz0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	/* a pool left behind is a leak: reported once, as the pool (its header,
	 * chunk and ring zones are not listed as memzones), released by
	 * hm_cleanup, which says so with -EBUSY */
	mp = hm_mempool_create("left", 1000, 200, 32, 64, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_malloc_leak_report(NULL), hm_memzone_count()); /* zones only */
	unsigned int leaks = 0;
	char *rep = hm_test_leak_report(&leaks);
	assert_int_equal(leaks, 1);
	char want[160];
	snprintf(want, sizeof(want), "leak: mempool 'left': 1000 objects of 200 bytes, 0 in use, "
		 "socket 0, in %u memzone(s)\n", hm_memzone_count());
	if (strstr(rep, want) == NULL)
		fail_msg("leak report '%s' lacks '%s'", rep, want);
	assert_null(strstr(rep, "leak: memzone"));
	assert_null(strstr(rep, "leak: ring"));
	free(rep);
	hm_test_quiet_log();
	assert_int_equal(hm_cleanup(), -EBUSY);
	assert_int_equal(hm_initialized(), 0);
}


/* ---------------------------------------------------------------- custom ops */

struct my_backend {
	pthread_mutex_t lock;
	unsigned int len;
	void *objs[];
};

static unsigned int my_allocs, my_frees;

static int
my_alloc(struct hm_mempool *mp)
{
	struct my_backend *b = malloc(sizeof(*b) + mp->size * sizeof(void *));
	if (b == NULL)
		return -ENOMEM;
	pthread_mutex_init(&b->lock, NULL);
	b->len = 0;
	mp->pool_data = b;
	my_allocs++;
	return 0;
}

static void
my_free(struct hm_mempool *mp)
{
	struct my_backend *b = mp->pool_data;
	pthread_mutex_destroy(&b->lock);
	free(b);
	my_frees++;
}

static int
my_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	struct my_backend *b = mp->pool_data;
	pthread_mutex_lock(&b->lock);
	memcpy(&b->objs[b->len], objs, n * sizeof(void *));
	b->len += n;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int
my_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	struct my_backend *b = mp->pool_data;
	int rc = -ENOENT;
	pthread_mutex_lock(&b->lock);
	if (n <= b->len) {
		b->len -= n;
		memcpy(objs, &b->objs[b->len], n * sizeof(void *));
		rc = 0;
	}
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static unsigned int
my_count(const struct hm_mempool *mp)
{
	struct my_backend *b = mp->pool_data;
	unsigned int n;
	pthread_mutex_lock(&b->lock);
	n = b->len;
	pthread_mutex_unlock(&b->lock);
	return n;
}

static int
my_fail_alloc(struct hm_mempool *mp)
{
	(void)mp;
	return -ENOTSUP;
}

static void
test_mempool_custom_ops(void **state)
{
	struct hm_mempool_ops ops = {
		.name = "test_lifo", .alloc = my_alloc, .free = my_free,
		.enqueue = my_enqueue, .dequeue = my_dequeue, .get_count = my_count,
	};
	struct hm_mempool *mp;
	int idx, idx2;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	hm_test_quiet_log();
	idx = hm_mempool_ops_register(&ops);
	assert_true(idx >= 5);
	assert_int_equal(hm_mempool_ops_lookup("test_lifo"), idx);
	snprintf(ops.name, sizeof(ops.name), "test_fail");
	ops.alloc = my_fail_alloc;
	idx2 = hm_mempool_ops_register(&ops);
	assert_int_equal(idx2, idx + 1);
	mp = hm_mempool_create_empty("custom", 500, 64, 16, 0, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_set_ops_byname(mp, "test_lifo", NULL), 0);
	assert_int_equal(hm_mempool_populate_default(mp), 500);
	assert_int_equal(my_allocs, 1);
	run_cache_model(mp, hm_mempool_default_cache(mp, hm_lcore_id()), 99, 2000);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(my_frees, 1);
	/* a backend that fails to start: populate fails, create leaves nothing */
	mp = hm_mempool_create_empty("custom", 500, 64, 16, 0, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_set_ops_byname(mp, "test_fail", NULL), 0);
	assert_int_equal(hm_mempool_populate_default(mp), -ENOTSUP);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* fill the table */
	for (int i = idx2 + 1; i < HM_MEMPOOL_MAX_OPS_IDX; i++) {
		snprintf(ops.name, sizeof(ops.name), "filler%d", i);
		assert_int_equal(hm_mempool_ops_register(&ops), i);
	}
	snprintf(ops.name, sizeof(ops.name), "one_too_many");
	assert_int_equal(hm_mempool_ops_register(&ops), -ENOSPC);
}

/* ---------------------------------------------------------------- debug cookies */

/* Run @p fn in a child: it must abort. */
static void
expect_abort(void (*fn)(struct hm_mempool *a, struct hm_mempool *b), struct hm_mempool *a,
	     struct hm_mempool *b)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hm_test_quiet_log();
		fn(a, b);
		_exit(0); /* not caught */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void
double_put(struct hm_mempool *a, struct hm_mempool *b)
{
	void *o;
	(void)b;
	if (hm_mempool_get(a, &o) == 0) {
		hm_mempool_put(a, o);
		hm_mempool_put(a, o);
	}
}

static void
double_put_nocache(struct hm_mempool *a, struct hm_mempool *b)
{
	void *o;
	(void)b;
	if (hm_mempool_generic_get(a, &o, 1, NULL) == 0) {
		hm_mempool_generic_put(a, &o, 1, NULL);
		hm_mempool_generic_put(a, &o, 1, NULL);
	}
}

static void
wrong_pool(struct hm_mempool *a, struct hm_mempool *b)
{
	void *o;
	if (hm_mempool_get(a, &o) == 0)
		hm_mempool_put(b, o);
}

static void
corrupt_audit(struct hm_mempool *a, struct hm_mempool *b)
{
	(void)b;
	hm_mempool_default_cache(a, hm_lcore_id())->len = 5000;
	hm_mempool_audit(a);
}

static void
test_mempool_debug_double_put(void **state)
{
	(void)state;
	struct hm_mempool *a, *b;
	const char *why = NULL;
	void *o;

	static void (*const cases[])(struct hm_mempool *, struct hm_mempool *) = {
		double_put, double_put_nocache, wrong_pool, corrupt_audit,
	};

	assert_int_equal(init_with(TOPO, 0), 0);
	/* pool memory is shared with the child: fresh pools for each case */
	for (unsigned int i = 0; i < 4; i++) {
		a = hm_mempool_create("dbg_a", 100, 64, 8, 0, NULL, NULL, NULL, NULL, 0, 0);
		b = hm_mempool_create("dbg_b", 100, 64, 8, 0, NULL, NULL, NULL, NULL, 0, 0);
		assert_non_null(a);
		assert_non_null(b);
		expect_abort(cases[i], a, b);
		assert_int_equal(hm_mempool_free(a), 0);
		assert_int_equal(hm_mempool_free(b), 0);
	}
	a = hm_mempool_create("dbg_a", 100, 64, 8, 0, NULL, NULL, NULL, NULL, 0, 0);
	b = hm_mempool_create("dbg_b", 100, 64, 8, 0, NULL, NULL, NULL, NULL, 0, 0);
	hm_mempool_audit(a); /* fine here */
	/* the validator sees a corrupt cookie */
	assert_int_equal(hm_mempool_get(a, &o), 0);
	*hm_mempool_get_cookie(a, o) = 42;
	assert_int_equal(hm_mempool_check(a, &why), -EFAULT);
	assert_string_equal(why, "object trailer cookie corrupt");
	*hm_mempool_get_cookie(a, o) = HM_MEMPOOL_COOKIE_OUT;
	hm_mempool_put(a, o);
	assert_pool_valid(a);
	assert_int_equal(hm_mempool_free(a), 0);
	assert_int_equal(hm_mempool_free(b), 0);
}

/* The debug cookies are a runtime property of a pool (never of a macro): asked
 * for by HM_MEMPOOL_F_DEBUG or given to every new pool by --mempool-debug. */
static void
test_mempool_debug_flag(void **state)
{
	static const struct { const char *opt; int want; } runs[] = {
		{ "--mempool-debug=off", 0 }, { "--mempool-debug=on", 1 },
		{ "--mempool-debug", 1 }, { "--mempool-debug=0", 0 },
	};
	struct hm_config c;
	(void)state;

	for (unsigned int i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char *argv[] = { (char *)"t", (char *)runs[i].opt, NULL };
		struct hm_mempool *plain, *asked;
		void *o;

		hm_config_init(&c);
		assert_int_equal(hm_config_parse(&c, 2, argv), 1);
		assert_true(c.mempool_debug_set);
		assert_int_equal(c.mempool_debug, runs[i].want);
		c.file_prefix = "mempool";
		c.topology = TOPO;
		assert_int_equal(hm_test_init_cfg(&c), 0);
		plain = hm_mempool_create("dbg_plain", 64, 32, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
		asked = hm_mempool_create("dbg_asked", 64, 32, 0, 0, NULL, NULL, NULL, NULL, 0,
					  HM_MEMPOOL_F_DEBUG);
		assert_non_null(plain);
		assert_non_null(asked);
		assert_int_equal(hm_mempool_debug(plain), runs[i].want);
		assert_int_equal(hm_mempool_debug(asked), 1);
		/* cookies (in the trailer, after the element) follow the objects in a
		 * debug pool only; the header is DPDK's 24 bytes either way */
		assert_true(asked->trailer_size >= sizeof(uint64_t));
		assert_int_equal(asked->header_size, 64);
		assert_int_equal(hm_mempool_get(asked, &o), 0);
		assert_true(*hm_mempool_get_cookie(asked, o) == HM_MEMPOOL_COOKIE_OUT);
		hm_mempool_put(asked, o);
		assert_true(*hm_mempool_get_cookie(asked, o) == HM_MEMPOOL_COOKIE_IN);
		assert_int_equal(hm_mempool_get(plain, &o), 0);
		if (runs[i].want)
			assert_true(*hm_mempool_get_cookie(plain, o) == HM_MEMPOOL_COOKIE_OUT);
		hm_mempool_put(plain, o);
		assert_pool_valid(plain);
		assert_pool_valid(asked);
		assert_int_equal(hm_mempool_free(plain), 0);
		assert_int_equal(hm_mempool_free(asked), 0);
		assert_int_equal(hm_cleanup(), 0);
	}
	/* bad values are refused with the valid ones named, the config untouched */
	{
		char *argv[] = { (char *)"t", (char *)"--mempool-debug=yes", NULL };
		hm_config_init(&c);
		assert_int_equal(hm_config_parse(&c, 2, argv), -EINVAL);
		assert_non_null(strstr(hm_last_error(), "--mempool-debug: 'yes' is not valid (on, off)"));
		assert_false(c.mempool_debug_set);
	}
}

/* The validator catches what it promises. */
static void
test_mempool_check_detects_corruption(void **state)
{
	struct hm_mempool *mp;
	struct hm_mempool_cache *c;
	const char *why = NULL;
	uint32_t saved;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	hm_test_quiet_log();
	mp = hm_mempool_create("corrupt", 200, 64, 8, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	c = hm_mempool_default_cache(mp, hm_lcore_id());
	saved = c->len;
	c->len = c->flushthresh + 1;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	assert_string_equal(why, "a per-lcore cache holds more than flushthresh objects");
	c->len = saved;
	saved = mp->populated_size;
	mp->populated_size = 199;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	mp->populated_size = saved;
	mp->elt_head->mp = NULL;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	assert_string_equal(why, "object header does not point at its pool");
	mp->elt_head->mp = mp;
	mp->elt_head->iova ^= 64;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	mp->elt_head->iova ^= 64;
	mp->nb_mem_chunks++;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	assert_string_equal(why, "chunk list length != nb_mem_chunks");
	mp->nb_mem_chunks--;
	assert_pool_valid(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mempool_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_backends, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_object_layout, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_lookup_walk_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_debug_double_put, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_debug_flag, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_check_detects_corruption, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_custom_ops, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
