/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests of the mempool's inline fast paths share (test_fastpath.c,
 * test_mempool_fast.c): init on a 1-node topology with the pools' debug
 * cookies on or off, a pool of 600 64-byte objects with a 32-object lcore
 * cache, and the model of DPDK 22.11's LIFO default cache their random tests
 * predict every call with (exact length, objects and backend count), from its
 * start on the calling lcore's cache to its end (every object back, the pool
 * whole). Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_MEMPOOL_FAST_COMMON_H
#define HUGEMEM_TEST_MEMPOOL_FAST_COMMON_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

/* emu topology; hm_test_init_cfg turns it into caps on the machine under hugetlbfs */
#define FAST_TOPO "nodes=1;2M=64;lcores=0-3"

/* hm_init as --file-prefix=@p prefix with debug pools (cookies) on or off. */
static inline int
fast_init(const char *prefix, bool debug)
{
	struct hm_config c;

	hm_config_init(&c);
	c.file_prefix = prefix;
	c.topology = FAST_TOPO;
	c.mempool_debug_set = true;
	c.mempool_debug = debug;
	return hm_test_init_cfg(&c);
}

/* Objects in the pool's backend (its ring or stack), caches not counted. */
static inline unsigned int
backend_count(const struct hm_mempool *mp)
{
	return hm_mempool_ops_table.ops[mp->ops_index].get_count(mp);
}

static inline void
assert_pool_valid(const struct hm_mempool *mp)
{
	const char *why = NULL;

	if (hm_mempool_check(mp, &why) != 0)
		fail_msg("mempool check: %s", why != NULL ? why : "?");
}

/* 600 objects of 64 bytes, lcore caches of 32 (flushthresh 48), any socket. */
static inline struct hm_mempool *
fast_pool(const char *name, unsigned int flags)
{
	struct hm_mempool *mp = hm_mempool_create(name, 600, 64, 32, 0, NULL, NULL, NULL, NULL,
						  HM_SOCKET_ID_ANY, flags);

	assert_non_null(mp);
	assert_pool_valid(mp);
	return mp;
}

/* The calling lcore's default cache as DPDK 22.11 would hold it. */
struct model {
	void *cache[1024];                /* cache[0..len): the cache's objects, bottom first */
	unsigned int len, size, ft;       /* its length, size and flush threshold */
	unsigned int backend;             /* objects in the backend */
	struct hm_mempool_cache *c;       /* the cache modelled */
	void **held;                      /* objects the test holds: held[0..nheld) */
	unsigned int nheld;
};

static inline void
model_check(const struct model *m, const struct hm_mempool *mp)
{
	assert_int_equal(m->c->len, m->len);
	for (unsigned int i = 0; i < m->len; i++)
		assert_ptr_equal(m->c->objs[i], m->cache[i]);
	assert_int_equal(backend_count(mp), m->backend);
}

/* Model the calling lcore's cache of @p mp as it is now, holding nothing. */
static inline void
model_start(struct model *m, struct hm_mempool *mp)
{
	memset(m, 0, sizeof(*m));
	m->c = hm_mempool_default_cache(mp, hm_lcore_id());
	assert_non_null(m->c);
	m->held = calloc(mp->size, sizeof(*m->held));
	assert_non_null(m->held);
	m->size = m->c->size;
	m->ft = m->c->flushthresh;
	m->backend = backend_count(mp);
	model_check(m, mp);
}

/* Put back every object held (a debug pool flips its cookie to "in"), then the
 * pool is valid and, once the cache is flushed, whole. */
static inline void
model_end(struct model *m, struct hm_mempool *mp)
{
	while (m->nheld > 0) {
		void *o = m->held[--m->nheld];
		hm_mempool_put(mp, o);
		if (hm_mempool_debug(mp))
			assert_true(*hm_mempool_get_cookie(mp, o) == HM_MEMPOOL_COOKIE_IN);
	}
	assert_pool_valid(mp);
	assert_int_equal(hm_mempool_cache_flush(NULL, mp), 0);
	assert_int_equal(hm_mempool_avail_count(mp), mp->size);
	free(m->held);
	m->held = NULL;
}

#endif /* HUGEMEM_TEST_MEMPOOL_FAST_COMMON_H */
