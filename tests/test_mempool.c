/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool conformance tests: argument validation and errno values of every
 * entry point, every backend (ring_* and stack), the per-lcore cache against a
 * model of DPDK's LIFO cache (exact lengths and objects after every get / put),
 * user-owned caches, threads with and without lcore ids (no object lost or
 * handed out twice), population over shuffled-IOVA memory (page rule and IOVA
 * object by object), chunk fallback on a fragmented heap, lookup / walk / free
 * without leaks, stranded-object statistics, sizing messages, custom ops and the
 * debug-build double-put detection. Topologies are emu topology strings, which
 * hm_test_init_cfg turns into caps on the machine under hugetlbfs; the second
 * node is hm_test_node_b() (node 0 on one-node machines). Synthetic IOVA
 * layouts (iova=contig|fragmented) and 4K pages as a second size are emu-only.
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

#define MB2 (2ULL << 20)

static const char *const TOPO = "nodes=1;2M=64;lcores=0-7";

static int
init_with(const char *topo, uint64_t memory)
{
	struct hm_config c;

	hm_config_init(&c);
	c.file_prefix = "mempool"; /* other test programs run in parallel in the same dir */
	c.topology = topo;
	/* every pool checks its cookies, whatever the build (the consumer test covers off) */
	c.mempool_debug_set = true;
	c.mempool_debug = true;
	c.memory = memory;
	return hm_test_init_cfg(&c);
}

static void
assert_pool_valid(const struct hm_mempool *mp)
{
	const char *why = NULL;

	if (hm_mempool_check(mp, &why) != 0)
		fail_msg("mempool check: %s (%s)", why != NULL ? why : "?", hm_last_error());
	why = NULL;
	if (hm_memzone_check(&why) != 0)
		fail_msg("memzone check: %s", why != NULL ? why : "?");
}

static void
assert_fails_ptr(const void *p, int err)
{
	if (p != NULL)
		fail_msg("expected errno %d (%s), got %p", err, hm_strerror(err), p);
	assert_int_equal(hm_errno, err);
}

/* ---------------------------------------------------------------- object sets */

/* Open-addressing set of pointers (tests only). */
struct pset {
	uintptr_t *slot;
	size_t cap, n;
};

static void
pset_init(struct pset *s, size_t n)
{
	s->cap = 16;
	while (s->cap < 2 * n + 2)
		s->cap <<= 1;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	assert_non_null(s->slot);
	s->n = 0;
}

static void
pset_fini(struct pset *s)
{
	free(s->slot);
	s->slot = NULL;
}

static size_t
pset_pos(const struct pset *s, const void *p)
{
	uintptr_t v = (uintptr_t)p;
	size_t i = (size_t)((v >> 6) * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);

	while (s->slot[i] != 0 && s->slot[i] != v)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int
pset_has(const struct pset *s, const void *p)
{
	return s->slot[pset_pos(s, p)] != 0;
}

/* 1 when added, 0 when already there. */
static int
pset_add(struct pset *s, const void *p)
{
	size_t i = pset_pos(s, p);

	if (s->slot[i] != 0)
		return 0;
	s->slot[i] = (uintptr_t)p;
	s->n++;
	return 1;
}

/* Remove by rebuilding the cluster after the hole (linear probing). */
static int
pset_del(struct pset *s, const void *p)
{
	size_t i = pset_pos(s, p), j;

	if (s->slot[i] == 0)
		return 0;
	s->slot[i] = 0;
	s->n--;
	for (j = (i + 1) & (s->cap - 1); s->slot[j] != 0; j = (j + 1) & (s->cap - 1)) {
		uintptr_t v = s->slot[j];
		s->slot[j] = 0;
		s->slot[pset_pos(s, (void *)v)] = v;
	}
	return 1;
}

static void
collect_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct pset *s = arg;

	(void)mp;
	(void)idx;
	assert_true(pset_add(s, obj));
}

/* Every object of the pool, exactly once. */
static void
all_objects(struct hm_mempool *mp, struct pset *s)
{
	pset_init(s, mp->size);
	assert_int_equal(hm_mempool_obj_iter(mp, collect_cb, s), mp->populated_size);
	assert_int_equal(s->n, mp->populated_size);
}

/* Drain the pool with the main thread (no cache) and check every object comes out once. */
static void
assert_all_back_once(struct hm_mempool *mp)
{
	struct pset all, seen;
	void **objs = calloc(mp->size, sizeof(void *));

	assert_non_null(objs);
	for (unsigned int i = 0; i < mp->n_caches; i++)
		assert_int_equal(hm_mempool_cache_flush(hm_mempool_default_cache(mp, i), mp), 0);
	assert_int_equal(hm_mempool_avail_count(mp), mp->size);
	assert_int_equal(hm_mempool_in_use_count(mp), 0);
	all_objects(mp, &all);
	pset_init(&seen, mp->size);
	assert_int_equal(hm_mempool_generic_get(mp, objs, mp->size, NULL), 0);
	for (unsigned int i = 0; i < mp->size; i++) {
		assert_true(pset_has(&all, objs[i]));
		assert_true(pset_add(&seen, objs[i]));
	}
	assert_int_equal(hm_mempool_avail_count(mp), 0);
	assert_true(hm_mempool_empty(mp));
	assert_true(hm_mempool_generic_get(mp, objs, 1, NULL) < 0);
	hm_mempool_generic_put(mp, objs, mp->size, NULL);
	assert_true(hm_mempool_full(mp));
	pset_fini(&all);
	pset_fini(&seen);
	free(objs);
}

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

/* --------------------------------------------------------------- cache model */

struct model {
	void *cache[1024];
	unsigned int len, size, ft;
	unsigned int backend;
};

static void
model_check(const struct model *m, struct hm_mempool *mp, struct hm_mempool_cache *c)
{
	struct hm_mempool_stats st;

	assert_int_equal(c->len, m->len);
	for (unsigned int i = 0; i < m->len; i++)
		assert_ptr_equal(c->objs[i], m->cache[i]);
	assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
	assert_int_equal(st.backend, m->backend);
}

static void
model_put(struct model *m, void *const *objs, unsigned int n)
{
	if (n > m->ft) {
		m->backend += n;
		return;
	}
	if (m->len + n <= m->ft) {
		memcpy(&m->cache[m->len], objs, n * sizeof(void *));
		m->len += n;
		return;
	}
	m->backend += m->len;
	memcpy(m->cache, objs, n * sizeof(void *));
	m->len = n;
}

/* The expected outcome of get(n); objects from the cache are checked in LIFO
 * order; those from the backend only for membership. Returns 0 or -1. */
static int
model_get(struct model *m, void **got, unsigned int n, int rc, struct hm_mempool_cache *c)
{
	unsigned int take, rem;

	if (n <= m->len) {
		assert_int_equal(rc, 0);
		for (unsigned int i = 0; i < n; i++)
			assert_ptr_equal(got[i], m->cache[m->len - 1 - i]);
		m->len -= n;
		return 0;
	}
	take = m->len;
	rem = n - take;
	if (rem <= HM_MEMPOOL_CACHE_MAX_SIZE && m->backend >= m->size + rem) {
		assert_int_equal(rc, 0);
		for (unsigned int i = 0; i < take; i++)
			assert_ptr_equal(got[i], m->cache[take - 1 - i]);
		m->backend -= m->size + rem;
		m->len = m->size;
		/* the refill's objects are whatever the backend gave: adopt them */
		memcpy(m->cache, c->objs, m->size * sizeof(void *));
		return 0;
	}
	if (m->backend >= rem) {
		assert_int_equal(rc, 0);
		for (unsigned int i = 0; i < take; i++)
			assert_ptr_equal(got[i], m->cache[take - 1 - i]);
		m->backend -= rem;
		m->len = 0;
		return 0;
	}
	assert_true(rc < 0);
	return -1; /* cache restored: len unchanged */
}

static void
run_cache_model(struct hm_mempool *mp, struct hm_mempool_cache *c, uint64_t seed,
		unsigned int rounds)
{
	struct pset out;
	struct model m;
	void **held = calloc(mp->size, sizeof(void *));
	void **tmp = calloc(mp->size, sizeof(void *));
	unsigned int nheld = 0;

	assert_non_null(held);
	assert_non_null(tmp);
	memset(&m, 0, sizeof(m));
	m.size = c->size;
	m.ft = c->flushthresh;
	m.len = c->len;
	memcpy(m.cache, c->objs, c->len * sizeof(void *));
	m.backend = hm_mempool_ops_table.ops[mp->ops_index].get_count(mp);
	pset_init(&out, mp->size);
	for (unsigned int r = 0; r < rounds; r++) {
		uint64_t x = hm_test_rand(&seed);
		unsigned int max = (x >> 8) % 4 == 0 ? 700 : (x >> 8) % 4 == 1 ? 64 : 8;
		unsigned int n = (unsigned int)((x >> 16) % max) + 1;

		if ((x & 1) != 0 && nheld > 0) {
			if (n > nheld)
				n = nheld;
			nheld -= n;
			for (unsigned int i = 0; i < n; i++)
				assert_true(pset_del(&out, held[nheld + i]));
			hm_mempool_generic_put(mp, held + nheld, n, c);
			model_put(&m, held + nheld, n);
		} else {
			if (n > mp->size - nheld)
				n = mp->size - nheld;
			int rc = hm_mempool_generic_get(mp, tmp, n, c);
			if (model_get(&m, tmp, n, rc, c) == 0) {
				for (unsigned int i = 0; i < n; i++) {
					assert_ptr_equal(hm_mempool_from_obj(tmp[i]), mp);
					assert_true(pset_add(&out, tmp[i])); /* never twice */
					held[nheld++] = tmp[i];
				}
			}
		}
		model_check(&m, mp, c);
		assert_int_equal(hm_mempool_in_use_count(mp) - (c->user_owned ? c->len : 0), nheld);
		if (r % 64 == 0)
			assert_pool_valid(mp);
	}
	hm_mempool_generic_put(mp, held, nheld, NULL);
	pset_fini(&out);
	free(held);
	free(tmp);
}

/* The per-lcore cache follows the model exactly: lengths and LIFO objects. */
static void
test_mempool_cache_model(void **state)
{
	uint64_t seed = hm_test_seed();
	struct hm_mempool *mp;
	struct hm_mempool_cache *c;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	mp = hm_mempool_create("model", 3000, 64, 256, 0, NULL, NULL, NULL, NULL,
			       HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	c = hm_mempool_default_cache(mp, hm_lcore_id());
	assert_non_null(c);
	assert_int_equal(c->size, 256);
	assert_int_equal(c->flushthresh, 384);
	assert_null(hm_mempool_default_cache(mp, HM_LCORE_ID_ANY));
	run_cache_model(mp, c, seed, 4000);
	assert_int_equal(hm_mempool_cache_flush(NULL, mp), 0);
	assert_int_equal(c->len, 0);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);

	/* the stack backend and a small cache: more flushes and refills */
	mp = hm_mempool_create_empty("model2", 1000, 64, 16, 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_set_ops_byname(mp, "stack", NULL), 0);
	assert_int_equal(hm_mempool_populate_default(mp), 1000);
	run_cache_model(mp, hm_mempool_default_cache(mp, hm_lcore_id()), seed + 1, 4000);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* Exact lengths at the flush and refill boundaries. */
static void
test_mempool_cache_boundaries(void **state)
{
	struct hm_mempool_stats st;
	struct hm_mempool *mp;
	struct hm_mempool_cache *c;
	void *o[600], *q[25];
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	mp = hm_mempool_create("bnd", 600, 32, 16, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	c = hm_mempool_default_cache(mp, hm_lcore_id());
	assert_int_equal(c->flushthresh, 24);
	/* get 1 from an empty cache: refill size + 1, the caller gets 1 */
	assert_int_equal(hm_mempool_get(mp, &o[0]), 0);
	assert_int_equal(c->len, 16);
	assert_int_equal(hm_mempool_avail_count(mp), 599);
	/* take exactly the cache */
	assert_int_equal(hm_mempool_get_bulk(mp, &o[1], 16), 0);
	assert_int_equal(c->len, 0);
	/* put 24 = flushthresh: all cached */
	hm_mempool_put_bulk(mp, o, 17);
	assert_int_equal(c->len, 17);
	assert_int_equal(hm_mempool_get_bulk(mp, o, 24), 0); /* 17 cached + refill 16 + 7 */
	assert_int_equal(c->len, 16);
	hm_mempool_put_bulk(mp, o, 8);
	assert_int_equal(c->len, 24);
	/* one more: the whole cache goes to the backend, the new object stays */
	hm_mempool_put(mp, o[8]);
	assert_int_equal(c->len, 1);
	assert_ptr_equal(c->objs[0], o[8]);
	assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
	assert_int_equal(st.cached, 1);
	assert_int_equal(st.backend, 600 - 1 - 15); /* 1 cached, 15 held */
	/* a put above flushthresh bypasses the cache */
	assert_int_equal(hm_mempool_generic_get(mp, q, 25, NULL), 0);
	hm_mempool_put_bulk(mp, q, 25);
	assert_int_equal(c->len, 1);
	/* a get above 512 remaining goes straight to the backend */
	hm_mempool_put_bulk(mp, &o[9], 15);
	assert_int_equal(c->len, 16);
	assert_int_equal(hm_mempool_get_bulk(mp, o, 580), 0);
	assert_int_equal(c->len, 0);
	assert_int_equal(hm_mempool_avail_count(mp), 20);
	/* not enough for size + rem: the get comes straight from the backend */
	assert_int_equal(hm_mempool_get_bulk(mp, &o[580], 10), 0);
	assert_int_equal(c->len, 0);
	assert_int_equal(hm_mempool_avail_count(mp), 10);
	/* not enough at all: nothing taken, cache restored */
	hm_mempool_put_bulk(mp, &o[580], 3);
	assert_int_equal(c->len, 3);
	assert_true(hm_mempool_get_bulk(mp, &o[580], 14) < 0);
	assert_int_equal(c->len, 3);
	assert_int_equal(hm_mempool_avail_count(mp), 13);
	assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
	assert_int_equal(st.get_fail, 1);
	assert_pool_valid(mp);
	hm_mempool_put_bulk(mp, o, 580);
	hm_mempool_put_bulk(mp, &o[583], 7);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* A user-owned cache against the same model; flush; foreign pool refused. */
static void
test_mempool_user_cache(void **state)
{
	struct hm_mempool *mp, *other;
	struct hm_mempool_cache *c;
	void *o[8];
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	mp = hm_mempool_create("uc", 2000, 64, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	other = hm_mempool_create("uc2", 100, 64, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_non_null(other);
	assert_null(hm_mempool_default_cache(mp, hm_lcore_id())); /* cache_size 0 */
	c = hm_mempool_cache_create(100, HM_SOCKET_ID_ANY);
	assert_non_null(c);
	assert_int_equal(c->flushthresh, 150);
	run_cache_model(mp, c, hm_test_seed(), 3000);
	/* objects sit in the user cache: in use from the pool's point of view */
	assert_int_equal(hm_mempool_in_use_count(mp), c->len);
	assert_int_equal(hm_mempool_generic_get(mp, o, 8, c), 0);
	hm_mempool_generic_put(mp, o, 8, c);
	assert_true(c->len > 0);
	assert_int_equal(hm_mempool_cache_flush(c, other), -EINVAL);
	assert_int_equal(hm_mempool_cache_flush(c, mp), 0);
	assert_int_equal(c->len, 0);
	assert_int_equal(hm_mempool_in_use_count(mp), 0);
	assert_int_equal(hm_mempool_cache_flush(c, mp), 0); /* empty: nothing */
	assert_int_equal(hm_mempool_cache_free(c), 0);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_mempool_free(other), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

/* ---------------------------------------------------------------- threads */

struct thr {
	struct hm_mempool *mp;
	unsigned int id, iters;
	int do_register;
	uint64_t seed;
	int lcore;
	int bad;
};

static void *
thr_main(void *p)
{
	struct thr *t = p;
	void *held[256];
	unsigned int nheld = 0;

	t->lcore = -1;
	if (t->do_register) {
		int id = hm_thread_register();
		if (id < 0) {
			t->bad = 1;
			return NULL;
		}
		t->lcore = id;
		if (hm_mempool_default_cache(t->mp, (unsigned int)id) == NULL)
			t->bad = 2;
	} else if (hm_mempool_default_cache(t->mp, hm_lcore_id()) != NULL) {
		t->bad = 3;
	}
	for (unsigned int it = 0; it < t->iters; it++) {
		uint64_t x = hm_test_rand(&t->seed);
		unsigned int n = (unsigned int)(x % 32) + 1;

		if ((x & 0x100) != 0 && nheld >= n) {
			nheld -= n;
			for (unsigned int i = 0; i < n; i++) {
				uint64_t *o = held[nheld + i];
				if (*o != ((uint64_t)t->id << 32 | (nheld + i)))
					t->bad = 4; /* someone else wrote it: handed out twice */
			}
			hm_mempool_put_bulk(t->mp, held + nheld, n);
		} else if (nheld + n <= 256) {
			if (hm_mempool_get_bulk(t->mp, held + nheld, n) == 0) {
				for (unsigned int i = 0; i < n; i++) {
					uint64_t *o = held[nheld + i];
					*o = (uint64_t)t->id << 32 | (nheld + i);
				}
				nheld += n;
			}
		}
	}
	hm_mempool_put_bulk(t->mp, held, nheld);
	if (t->do_register) {
		/* leave nothing stranded in this lcore's cache */
		if (hm_mempool_cache_flush(NULL, t->mp) != 0)
			t->bad = 5;
		hm_thread_unregister();
	}
	return NULL;
}

static void
run_threads(struct hm_mempool *mp, unsigned int n, unsigned int iters)
{
	pthread_t tid[4];
	struct thr t[4];

	for (unsigned int i = 0; i < n; i++) {
		t[i] = (struct thr){ .mp = mp, .id = i + 1, .iters = iters,
				     .do_register = (i % 2) == 0, .seed = 0x1234567ULL * (i + 1) };
		assert_int_equal(pthread_create(&tid[i], NULL, thr_main, &t[i]), 0);
	}
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(t[i].bad, 0);
	}
	assert_int_equal(hm_mempool_avail_count(mp) + hm_mempool_in_use_count(mp), mp->size);
	assert_int_equal(hm_mempool_avail_count(mp), mp->size);
	assert_pool_valid(mp);
	assert_all_back_once(mp);
}

/* 2 and 4 threads, registered lcores and unregistered threads, get/put bursts. */
static void
test_mempool_threads(void **state)
{
	/* An MT ring spins (as DPDK's) while an earlier reservation on its side
	 * is unfinished: with more threads than CPUs a preempted thread holds the
	 * others for its time slice, so the oversubscribed runs are kept short. */
	const unsigned int iters = HM_TEST_TSAN ? 5000 : 20000;
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0);
	mp = hm_mempool_create("thr", 4096, 8, 64, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	run_threads(mp, 2, iters);
	run_threads(mp, 4, iters / 4);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* the stack backend and a tight pool: gets fail now and then */
	mp = hm_mempool_create_empty("thr2", 600, 8, 32, 0, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_set_ops_byname(mp, "stack", NULL), 0);
	assert_int_equal(hm_mempool_populate_default(mp), 600);
	run_threads(mp, 4, iters);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* Objects stranded in another lcore's cache: visible in the stats; a get can fail. */
struct strand {
	struct hm_mempool *mp;
	int lcore;
};

static void *
strand_main(void *p)
{
	struct strand *s = p;
	void *o[40];

	s->lcore = hm_thread_register();
	if (s->lcore >= 0 && hm_mempool_get_bulk(s->mp, o, 40) == 0)
		hm_mempool_put_bulk(s->mp, o, 40); /* stays in this lcore's cache */
	hm_thread_unregister();
	return NULL;
}

static void
test_mempool_stranded_stats(void **state)
{
	struct hm_mempool_stats st;
	struct hm_mempool *mp;
	struct strand s;
	pthread_t tid;
	void *o[64];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	assert_int_equal(init_with("nodes=1;2M=16;lcores=0-1", 0), 0);
	hm_test_quiet_log(); /* the sizing warning */
	mp = hm_mempool_create("strand", 64, 64, 32, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	s.mp = mp;
	assert_int_equal(pthread_create(&tid, NULL, strand_main, &s), 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(s.lcore, 1);
	assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
	assert_int_equal(st.size, 64);
	assert_int_equal(st.cache_len[1], 40 - 0); /* refill 32 + 8, then 40 back: 40 */
	assert_int_equal(st.cached, 40);
	assert_int_equal(st.backend, 24);
	assert_int_equal(st.cached_max, 2 * 48);
	assert_int_equal(st.n_caches, 2);
	assert_int_equal(st.in_use, 0);
	assert_int_equal(hm_mempool_avail_count(mp), 64);
	/* 64 look available, but the main lcore cannot get 30 */
	assert_true(hm_mempool_get_bulk(mp, o, 30) < 0);
	assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
	assert_int_equal(st.get_fail, 1);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hm_mempool_dump(f, mp);
	hm_mempool_list_dump(f);
	fclose(f);
	assert_non_null(strstr(buf, "lcore 1: 40 objects cached"));
	assert_non_null(strstr(buf, "get_fail=1"));
	free(buf);
	/* after the thread is gone its cache can be flushed */
	assert_int_equal(hm_mempool_cache_flush(hm_mempool_default_cache(mp, 1), mp), 0);
	assert_int_equal(hm_mempool_get_bulk(mp, o, 30), 0);
	hm_mempool_put_bulk(mp, o, 30);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* The "too small for its caches" warning names n that avoids it. */
static char warn_buf[512];

static void
warn_hook(enum hm_log_level l, const char *m, void *a)
{
	(void)a;
	if (l <= HM_LOG_WARNING)
		snprintf(warn_buf, sizeof(warn_buf), "%s", m);
}

static void
test_mempool_sizing_messages(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(init_with(TOPO, 0), 0); /* 8 lcores */
	hm_log_set_hook(warn_hook, NULL);
	warn_buf[0] = '\0';
	mp = hm_mempool_create("warn", 1000, 64, 100, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	/* 8 lcores x 150 = 1200 >= 1000 */
	assert_non_null(strstr(warn_buf, "up to 1200"));
	assert_non_null(strstr(warn_buf, "n >= 1300"));
	assert_int_equal(hm_mempool_free(mp), 0);
	warn_buf[0] = '\0';
	mp = hm_mempool_create("nowarn", 1300, 64, 100, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_string_equal(warn_buf, "");
	assert_int_equal(hm_mempool_free(mp), 0);
	/* boundary of the 1.5 rule: 150 objects take a cache of 100, 149 do not */
	mp = hm_mempool_create_empty("edge", 150, 64, 100, 0, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	hm_test_quiet_log();
	assert_null(hm_mempool_create_empty("edge", 149, 64, 100, 0, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_non_null(strstr(hm_last_error(), "n >= 150"));
	assert_non_null(strstr(hm_last_error(), "cache_size <= 99"));
}

/* ---------------------------------------------------------------- memory */

struct iova_check {
	uint64_t pg;
	size_t total, hdr, elt;
	unsigned int n, crossing_allowed;
};

static void
iova_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct iova_check *c = arg;
	uintptr_t start = (uintptr_t)obj - c->hdr;
	hm_iova_t iova = hm_mempool_virt2iova(obj);

	(void)mp;
	(void)idx;
	if (!c->crossing_allowed && c->total <= c->pg)
		assert_int_equal(start / c->pg, (start + c->total - 1) / c->pg);
	if (c->crossing_allowed && iova == HM_BAD_IOVA) {
		c->n++;
		return;
	}
	assert_true(iova != HM_BAD_IOVA);
	assert_int_equal(iova, hm_mem_virt2iova(obj));
	/* the whole object is IOVA-contiguous: check every page boundary in it */
	for (uintptr_t p = HM_ALIGN_CEIL((uintptr_t)obj + 1, (uintptr_t)4096);
	     p < (uintptr_t)obj + c->elt; p += 4096)
		assert_int_equal(hm_mem_virt2iova((void *)p), iova + (p - (uintptr_t)obj));
	assert_int_equal(hm_mem_virt2iova((uint8_t *)obj + c->elt - 1), iova + c->elt - 1);
	c->n++;
}

static void
check_pool_iova(struct hm_mempool *mp, uint64_t pg, int crossing_allowed)
{
	struct iova_check c = { .pg = pg, .hdr = mp->header_size, .elt = mp->elt_size,
				.crossing_allowed = (unsigned int)crossing_allowed };

	c.total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	assert_int_equal(hm_mempool_obj_iter(mp, iova_cb, &c), mp->size);
	assert_int_equal(c.n, mp->size);
	assert_int_equal(mp->pg_sz, crossing_allowed ? 0 : pg);
}

/* Populate over shuffled IOVA: page rule and object IOVA, object by object. */
static void
test_mempool_populate_shuffled_iova(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(init_with("nodes=1;2M=64;iova=shuffled;seed=3", 0), 0);
	/* 3000-byte objects do not divide 2 MiB */
	mp = hm_mempool_create("shuf", 8000, 3000, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, MB2, 0);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* no IOVA-contiguity asked: objects may cross pages, their IOVA is right or BAD */
	mp = hm_mempool_create("nic", 8000, 3000, 0, 0, NULL, NULL, NULL, NULL, 0,
			       HM_MEMPOOL_F_NO_IOVA_CONTIG);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, MB2, 1);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

static void
test_mempool_populate_small_pages(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	hm_test_need_emu("4K pages as a second page size, in runs of 1..4 IOVA-contiguous "
			 "pages (iova=fragmented), are an emu model");
	/* runs of 1..4 contiguous pages: objects bigger than a page fit in some */
	assert_int_equal(init_with("nodes=1;4K=8192;2M=16;iova=fragmented;seed=9", 0), 0);
	mp = hm_mempool_create("small", 3000, 1000, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, 4096, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	mp = hm_mempool_create("small2", 40, 10000, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, 4096, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* bigger than a 4K page and than a 2M page */
	mp = hm_mempool_create("big", 5, 3 << 20, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, 4096, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

static void
count_chunks(struct hm_mempool *mp, void *arg, struct hm_mempool_memhdr *m, unsigned int idx)
{
	unsigned int *n = arg;

	assert_ptr_equal(m->mp, mp);
	assert_int_equal(idx, *n);
	assert_true(m->n_objs > 0);
	(*n)++;
}

/* A fragmented heap with no page left: the pool is built from smaller chunks. */
static void
chunk_fallback(const char *topo)
{
	const struct hm_memzone *z[64];
	struct hm_mempool *mp;
	unsigned int nz = 0, chunks = 0, mz0;
	char name[32];

	assert_int_equal(init_with(topo, 0), 0);
	hm_test_quiet_log();
	for (nz = 0; nz < 64; nz++) {
		snprintf(name, sizeof(name), "frag%u", nz);
		z[nz] = hm_memzone_reserve(name, 512 << 10, 0, 0);
		if (z[nz] == NULL)
			break;
	}
	assert_true(nz >= 16);
	for (unsigned int i = 0; i < nz; i += 2)
		assert_int_equal(hm_memzone_free(z[i]), 0);
	mz0 = hm_memzone_count();
	/* 2000 x 1088 bytes = 2.1 MB: no hole is that big */
	mp = hm_mempool_create("frag", 2000, 1024, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	assert_true(mp->nb_mem_chunks >= 4);
	assert_int_equal(hm_mempool_mem_iter(mp, count_chunks, &chunks), mp->nb_mem_chunks);
	assert_int_equal(chunks, mp->nb_mem_chunks);
	check_pool_iova(mp, MB2, 0);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), mz0);
	/* more than the holes hold: ENOMEM and nothing left behind */
	assert_null(hm_mempool_create("toobig", 20000, 1024, 0, 0, NULL, NULL, NULL, NULL, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_null(hm_mempool_lookup("toobig"));
	assert_int_equal(hm_memzone_count(), mz0);
	/* a populate that runs out gives back what it placed (DPDK's rule): the
	 * pool is empty again, and a later call may try again */
	mp = hm_mempool_create_empty("part", 20000, 1024, 0, 0, 0, 0);
	assert_non_null(mp);
	unsigned int mz_empty = hm_memzone_count();
	assert_int_equal(hm_mempool_populate_default(mp), -ENOMEM);
	assert_int_equal(mp->populated_size, 0);
	assert_int_equal(mp->nb_mem_chunks, 0);
	assert_int_equal(hm_memzone_count(), mz_empty + 1); /* the ring backend stays */
	assert_pool_valid(mp);
	assert_int_equal(hm_mempool_avail_count(mp), 0);
	assert_int_equal(hm_mempool_populate_default(mp), -ENOMEM);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), mz0);
	for (unsigned int i = 1; i < nz; i += 2)
		assert_int_equal(hm_memzone_free(z[i]), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
}

static void
test_mempool_chunk_fallback(void **state)
{
	(void)state;
	/* emu: every run of pages IOVA-contiguous (its default layout); hugetlbfs:
	 * the machine's physical layout */
	chunk_fallback("nodes=1;2M=8");
	/* emu only: the holes' pages scattered in IOVA, as real pages may be */
	if (hm_test_is_emu())
		chunk_fallback("nodes=1;2M=8;iova=shuffled;seed=5");
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

/* Two nodes: the pool, its chunks and its ring on the asked node (node 0 on
 * one-node machines, where only the placement bookkeeping is checked). */
static int
zone_socket_cb(const struct hm_memzone *z, void *arg)
{
	if (strncmp(z->name, "MP", 2) == 0 || strncmp(z->name, "RG_MP", 5) == 0)
		assert_int_equal(z->socket_id, *(int *)arg);
	return 0;
}

static void
test_mempool_socket(void **state)
{
	struct hm_mempool *mp;
	int node = hm_test_node_b();
	(void)state;

	assert_int_equal(init_with("nodes=2;2M=32,32;lcores=0@0,1@1", 0), 0);
	mp = hm_mempool_create("node1", 2000, 500, 0, 0, NULL, NULL, NULL, NULL, node, 0);
	assert_non_null(mp);
	assert_int_equal(hm_memzone_walk(zone_socket_cb, &node), 0);
	for (struct hm_mempool_memhdr *m = mp->mem_head; m != NULL; m = m->next)
		assert_int_equal(hm_mem_virt2memseg(m->addr, NULL)->socket_id, node);
	assert_int_equal(hm_mempool_free(mp), 0);
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
		cmocka_unit_test_teardown(test_mempool_cache_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_cache_boundaries, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_user_cache, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_threads, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_stranded_stats, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_sizing_messages, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_shuffled_iova, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_small_pages, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_chunk_fallback, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_lookup_walk_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_socket, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_debug_double_put, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_debug_flag, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_check_detects_corruption, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_custom_ops, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
