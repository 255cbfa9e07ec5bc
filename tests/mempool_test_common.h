/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the mempool conformance programs share (test_mempool.c,
 * test_mempool_cache.c, test_mempool_memory.c): init on a topology with debug
 * cookies on, the pool and memzone validators, the errno check of pointer
 * functions, a set of object pointers, "every object comes back exactly once",
 * and the model of DPDK's LIFO per-lcore cache (exact lengths and objects after
 * every get / put). Define MEMPOOL_TEST_PREFIX (the program's --file-prefix)
 * before including; include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_MEMPOOL_TEST_COMMON_H
#define HUGEMEM_TEST_MEMPOOL_TEST_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#ifndef MEMPOOL_TEST_PREFIX
#error "define MEMPOOL_TEST_PREFIX before including mempool_test_common.h"
#endif

#define MB2 (2ULL << 20)

static const char *const TOPO = "nodes=1;2M=64;lcores=0-7";

static inline int
init_with(const char *topo, uint64_t memory)
{
	struct hm_config c;

	hm_config_init(&c);
	c.file_prefix = MEMPOOL_TEST_PREFIX; /* hugetlbfs: one mount for every program */
	c.topology = topo;
	/* every pool checks its cookies, whatever the build (the consumer test covers off) */
	c.mempool_debug_set = true;
	c.mempool_debug = true;
	c.memory = memory;
	return hm_test_init_cfg(&c);
}

static inline void
assert_pool_valid(const struct hm_mempool *mp)
{
	const char *why = NULL;

	if (hm_mempool_check(mp, &why) != 0)
		fail_msg("mempool check: %s (%s)", why != NULL ? why : "?", hm_last_error());
	why = NULL;
	if (hm_memzone_check(&why) != 0)
		fail_msg("memzone check: %s", why != NULL ? why : "?");
}

static inline void
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

static inline void
pset_init(struct pset *s, size_t n)
{
	s->cap = 16;
	while (s->cap < 2 * n + 2)
		s->cap <<= 1;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	assert_non_null(s->slot);
	s->n = 0;
}

static inline void
pset_fini(struct pset *s)
{
	free(s->slot);
	s->slot = NULL;
}

static inline size_t
pset_pos(const struct pset *s, const void *p)
{
	uintptr_t v = (uintptr_t)p;
	size_t i = (size_t)((v >> 6) * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);

	while (s->slot[i] != 0 && s->slot[i] != v)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static inline int
pset_has(const struct pset *s, const void *p)
{
	return s->slot[pset_pos(s, p)] != 0;
}

/* 1 when added, 0 when already there. */
static inline int
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
static inline int
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

static inline void
collect_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct pset *s = arg;

	(void)mp;
	(void)idx;
	assert_true(pset_add(s, obj));
}

/* Every object of the pool, exactly once. */
static inline void
all_objects(struct hm_mempool *mp, struct pset *s)
{
	pset_init(s, mp->size);
	assert_int_equal(hm_mempool_obj_iter(mp, collect_cb, s), mp->populated_size);
	assert_int_equal(s->n, mp->populated_size);
}

/* Drain the pool with the main thread (no cache) and check every object comes out once. */
static inline void
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


/* --------------------------------------------------------------- cache model */

struct model {
	void *cache[1024];
	unsigned int len, size, ft;
	unsigned int backend;
};

static inline void
model_check(const struct model *m, struct hm_mempool *mp, struct hm_mempool_cache *c)
{
	struct hm_mempool_stats st;

	assert_int_equal(c->len, m->len);
	for (unsigned int i = 0; i < m->len; i++)
		assert_ptr_equal(c->objs[i], m->cache[i]);
	assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
	assert_int_equal(st.backend, m->backend);
}

static inline void
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
static inline int
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

static inline void
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


#endif
