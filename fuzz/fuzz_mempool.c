/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempools on a running hugemem (emu backend, in-memory, started once per
 * process): the first 4 bytes of an input choose a pool (size, cache size,
 * object size, backend, flags), then every 2 bytes are one operation: get / put
 * in bulk or single through the lcore's cache, through a user-owned cache or
 * without a cache, and cache flushes. A model predicts whether each get succeeds
 * (the cache's objects plus the backend's must cover it) and the counts after
 * it; the set of handed-out objects must never receive an object twice.
 * hm_mempool_check runs after every operation. Every input ends with every
 * object back and the pool freed, the memzone table as before it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/hugemem.h"

#define MAX_N 300
#define MAX_BURST 48

static const char *const OPS[] = { "ring_mp_mc", "ring_sp_sc", "ring_sp_mc", "ring_mp_sc",
				   "stack" };

static struct hm_mempool_cache *ucache;

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

static void
start(void)
{
	struct hm_config c;

	hm_log_set_hook(quiet, NULL);
	hm_config_init(&c);
	c.backend = "emu";
	c.topology = "nodes=1;2M=32;4K=1024;lcores=0-1;iova=shuffled;seed=7";
	c.in_memory = true;
	if (hm_init_config(&c) != 0)
		abort();
	ucache = hm_mempool_cache_create(24, HM_SOCKET_ID_ANY);
	if (ucache == NULL)
		abort();
}

/* Handed-out objects: at most MAX_N, linear search is fine. */
struct held {
	void *obj[MAX_N];
	unsigned int n;
};

static int
held_has(const struct held *h, const void *o)
{
	for (unsigned int i = 0; i < h->n; i++)
		if (h->obj[i] == o)
			return 1;
	return 0;
}

static void
take(struct held *h, struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (objs[i] == NULL || hm_mempool_from_obj(objs[i]) != mp || held_has(h, objs[i]))
			abort(); /* handed out twice, or not an object of this pool */
		memset(objs[i], 0x5a, mp->elt_size);
		h->obj[h->n++] = objs[i];
	}
}

static uint32_t
backend_count(const struct hm_mempool *mp)
{
	struct hm_mempool_stats st;

	if (hm_mempool_stats_get(mp, &st) != 0)
		abort();
	return st.backend;
}

static void
check(const struct hm_mempool *mp, const struct held *h)
{
	const char *why;

	if (hm_mempool_check(mp, &why) != 0)
		abort();
	/* objects are in the backend, the lcore cache, the user cache or held */
	if (hm_mempool_in_use_count(mp) != h->n + ucache->len)
		abort();
	if (hm_mempool_avail_count(mp) + h->n + ucache->len != mp->populated_size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	static struct held h;
	struct hm_mempool *mp;
	struct hm_mempool_cache *lc;
	unsigned int n, cache, elt, flags, mz0;
	void *tmp[MAX_BURST];

	if (!started) {
		start();
		started = true;
	}
	if (size < 4 || size > 4096)
		return 0;
	mz0 = hm_memzone_count();
	n = 1 + data[0] % MAX_N;
	cache = data[1] % (n * 2 / 3 + 1);
	elt = 1 + (unsigned int)data[2] * 13;
	flags = (data[3] >> 3) & (HM_MEMPOOL_F_NO_SPREAD | HM_MEMPOOL_F_NO_CACHE_ALIGN);
	if (data[3] & 0x80)
		flags |= HM_MEMPOOL_F_NO_IOVA_CONTIG;
	mp = hm_mempool_create_empty("fz", n, elt, cache, 0, 0, flags);
	if (mp == NULL)
		abort();
	if (hm_mempool_set_ops_byname(mp, OPS[data[3] % 5], NULL) != 0)
		abort();
	if (hm_mempool_populate_default(mp) != (int)n)
		abort();
	lc = hm_mempool_default_cache(mp, hm_lcore_id());
	if ((cache == 0) != (lc == NULL))
		abort();
	h.n = 0;
	check(mp, &h);

	for (size_t i = 4; i + 2 <= size; i += 2) {
		const uint8_t op = data[i], arg = data[i + 1];
		unsigned int k = 1 + arg % MAX_BURST;
		struct hm_mempool_cache *c;
		int rc, expect;

		switch (op % 8) {
		case 0: /* get through the lcore's cache, all or nothing */
		case 1:
		case 2: /* ... through the user cache, or none */
			c = op % 8 == 0 ? lc : op % 8 == 1 ? ucache : NULL;
			if (op & 0x80)
				k = 1;
			if (k > MAX_N - h.n)
				k = MAX_N - h.n;
			if (k == 0)
				break;
			if (c == ucache && ucache->len > 0 &&
			    hm_mempool_from_obj(ucache->objs[0]) != mp)
				abort();
			expect = (c != NULL ? c->len : 0) + backend_count(mp) >= k;
			rc = hm_mempool_generic_get(mp, tmp, k, c);
			if ((rc == 0) != expect)
				abort();
			if (rc == 0)
				take(&h, mp, tmp, k);
			break;
		case 3: /* put the last k held */
		case 4:
		case 5:
			c = op % 8 == 3 ? lc : op % 8 == 4 ? ucache : NULL;
			if (k > h.n)
				k = h.n;
			h.n -= k;
			hm_mempool_generic_put(mp, &h.obj[h.n], k, c);
			break;
		case 6: /* put one from the middle */
			if (h.n == 0)
				break;
			k = arg % h.n;
			tmp[0] = h.obj[k];
			h.obj[k] = h.obj[--h.n];
			if (op & 0x80)
				hm_mempool_put(mp, tmp[0]);
			else
				hm_mempool_generic_put(mp, tmp, 1, ucache);
			break;
		default: /* flush a cache */
			if (hm_mempool_cache_flush(arg & 1 ? ucache : NULL, mp) != 0)
				abort();
			if ((arg & 1 ? ucache : lc) != NULL && (arg & 1 ? ucache : lc)->len != 0)
				abort();
			break;
		}
		check(mp, &h);
	}
	hm_mempool_generic_put(mp, h.obj, h.n, NULL);
	h.n = 0;
	if (hm_mempool_cache_flush(ucache, mp) != 0 || hm_mempool_cache_flush(NULL, mp) != 0)
		abort();
	check(mp, &h);
	if (!hm_mempool_full(mp) || hm_mempool_avail_count(mp) != n)
		abort();
	if (hm_mempool_free(mp) != 0 || hm_memzone_count() != mz0)
		abort();
	return 0;
}
