/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mempool's inline default-cache lookup (hm_mempool__fast_cache: the
 * thread's lcore generation and id against the pool's fast_caches, which is
 * n_caches, or 0 for a debug pool) and the general path behind it
 * (hm_mempool__put_any / get_any): hm_mempool_get_bulk / put_bulk against a
 * model of DPDK 22.11's LIFO cache (exact lengths, objects and backend count
 * after every call, flushes and refills included); a debug pool still uses the
 * lcore's cache and flips every cookie; a thread without an lcore id, and a
 * thread whose lcore id is from before an hm_cleanup + hm_init, use no cache;
 * the validator rejects a wrong fast_caches; the bulk get's copy from the
 * cache's top is right from both parities of the top (aligned pairs or one by
 * one). Topologies are emu topology
 * strings, which hm_test_init_cfg turns into caps on the machine under hugetlbfs.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "mempool_fast_common.h"

#define PREFIX "mempoolfast"

/* The validator: fast_caches must be n_caches (0 for a debug pool). */
static void
test_mempool_fast_invalid_args(void **state)
{
	struct hm_mempool *mp, *dbg;
	const char *why;
	(void)state;

	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("fastcheck", 0);
	dbg = fast_pool("fastcheckdbg", HM_MEMPOOL_F_DEBUG);
	assert_true(mp->n_caches > 0);
	assert_int_equal(mp->fast_caches, mp->n_caches);
	assert_true(hm_mempool_debug(dbg));
	assert_int_equal(dbg->fast_caches, 0);
	mp->fast_caches = mp->n_caches + 1;
	why = NULL;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	assert_non_null(why);
	mp->fast_caches = 0;
	assert_int_equal(hm_mempool_check(mp, &why), -EFAULT);
	mp->fast_caches = mp->n_caches;
	assert_pool_valid(mp);
	dbg->fast_caches = dbg->n_caches; /* would skip its cookies */
	why = NULL;
	assert_int_equal(hm_mempool_check(dbg, &why), -EFAULT);
	assert_non_null(why);
	dbg->fast_caches = 0;
	assert_pool_valid(dbg);
	hm_mempool_free(mp);
	hm_mempool_free(dbg);
}

/* ---------------------------------------------------------------- bulk model */

/* Random bulk gets and puts of 1..40 objects through the lcore's cache (32:
 * flushthresh 48), every outcome predicted by 22.11's rules (mempool_core.h). */
static void
bulk_model(struct hm_mempool *mp, unsigned int rounds)
{
	uint64_t seed = hm_test_seed();
	struct model m;
	void *objs[64];

	model_start(&m, mp);
	for (unsigned int r = 0; r < rounds; r++) {
		uint64_t x = hm_test_rand(&seed);
		unsigned int n = 1 + (unsigned int)((x >> 8) % 40);
		int put = m.nheld > 0 && ((r / 200) % 2 == 0 ? (x & 3) != 0 : (x & 3) == 0);

		if (put) {
			if (n > m.nheld)
				n = m.nheld;
			m.nheld -= n;
			memcpy(objs, &m.held[m.nheld], n * sizeof(void *));
			hm_mempool_put_bulk(mp, objs, n);
			if (n > m.ft) {
				m.backend += n;
			} else if (m.len + n <= m.ft) {
				memcpy(&m.cache[m.len], objs, n * sizeof(void *));
				m.len += n;
			} else {
				m.backend += m.len; /* the whole cache to the backend */
				memcpy(m.cache, objs, n * sizeof(void *));
				m.len = n;
			}
		} else {
			int rc = hm_mempool_get_bulk(mp, objs, n);

			if (n <= m.len) {
				assert_int_equal(rc, 0);
				for (unsigned int i = 0; i < n; i++)
					assert_ptr_equal(objs[i], m.cache[m.len - 1 - i]);
				m.len -= n;
			} else if (m.backend >= m.size + (n - m.len)) {
				/* the cache's len, then a refill of size + rem whose top rem
				 * go to the caller */
				unsigned int rem = n - m.len;

				assert_int_equal(rc, 0);
				for (unsigned int i = 0; i < m.len; i++)
					assert_ptr_equal(objs[i], m.cache[m.len - 1 - i]);
				for (unsigned int i = 0; i < rem; i++)
					assert_ptr_equal(objs[m.len + i], m.c->objs[m.size + rem - 1 - i]);
				memcpy(m.cache, m.c->objs, m.size * sizeof(void *));
				m.backend -= m.size + rem;
				m.len = m.size;
			} else if (m.backend >= n - m.len) {
				/* no refill possible: the rest straight from the backend */
				assert_int_equal(rc, 0);
				for (unsigned int i = 0; i < m.len; i++)
					assert_ptr_equal(objs[i], m.cache[m.len - 1 - i]);
				m.backend -= n - m.len;
				m.len = 0;
			} else {
				assert_true(rc < 0); /* all or nothing */
				model_check(&m, mp);
				continue;
			}
			for (unsigned int i = 0; i < n; i++) {
				assert_ptr_equal(hm_mempool_from_obj(objs[i]), mp);
				if (hm_mempool_debug(mp))
					assert_true(*hm_mempool_get_cookie(mp, objs[i]) ==
						    HM_MEMPOOL_COOKIE_OUT);
			}
			memcpy(&m.held[m.nheld], objs, n * sizeof(void *));
			m.nheld += n;
		}
		model_check(&m, mp);
	}
	model_end(&m, mp);
}

static void
test_mempool_fast_bulk_model(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("fastbulk", 0);
	assert_false(hm_mempool_debug(mp));
	assert_non_null(hm_mempool__fast_cache(mp));
	assert_ptr_equal(hm_mempool__fast_cache(mp), hm_mempool_default_cache(mp, hm_lcore_id()));
	bulk_model(mp, 6000);
	hm_mempool_free(mp);
}

/* ---------------------------------------------------------------- pop copy */

/* A bulk get copies the cache's top newest first; with the top 16-byte aligned
 * (an even length) it takes pairs with one aligned load each, otherwise one
 * object at a time. Both against the model: hm_mempool__pop_copy alone for
 * every count up to 40 from both parities of the top, into a destination at
 * both parities of 16 bytes, nothing written around it; then a pool's cache at
 * every length 1..48 (its flush threshold) with every get of 1..len, the
 * objects, the cache and the validator checked after each call. */
static void
test_mempool_fast_pop_copy_parity(void **state)
{
	_Alignas(16) void *src[64];
	_Alignas(16) void *buf[48];
	void *sentinel = &buf;
	struct hm_mempool *mp;
	struct hm_mempool_cache *c;
	void *objs[48], *got[48];
	(void)state;

	for (unsigned int i = 0; i < 64; i++)
		src[i] = &src[i];
	for (unsigned int end = 40; end <= 41; end++)
		for (unsigned int off = 0; off <= 1; off++)
			for (unsigned int n = 0; n <= 40; n++) {
				for (unsigned int i = 0; i < 48; i++)
					buf[i] = sentinel;
				hm_mempool__pop_copy(buf + off, &src[end], n);
				for (unsigned int i = 0; i < 48; i++) {
					if (i >= off && i < off + n)
						assert_ptr_equal(buf[i], src[end - 1 - (i - off)]);
					else
						assert_ptr_equal(buf[i], sentinel);
				}
			}

	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("fastpop", 0);
	c = hm_mempool__fast_cache(mp);
	assert_non_null(c);
	assert_int_equal(c->flushthresh, 48);
	for (unsigned int len = 1; len <= 48; len++)
		for (unsigned int n = 1; n <= len; n++) {
			assert_int_equal(hm_mempool_cache_flush(NULL, mp), 0);
			assert_int_equal(c->len, 0);
			assert_int_equal(hm_mempool_generic_get(mp, objs, len, NULL), 0);
			hm_mempool_put_bulk(mp, objs, len);
			assert_int_equal(c->len, len);
			assert_pool_valid(mp);
			assert_int_equal(hm_mempool_get_bulk(mp, got, n), 0);
			assert_int_equal(c->len, len - n);
			for (unsigned int i = 0; i < n; i++)
				assert_ptr_equal(got[i], objs[len - 1 - i]);
			for (unsigned int i = 0; i < len - n; i++)
				assert_ptr_equal(c->objs[i], objs[i]);
			assert_pool_valid(mp);
			hm_mempool_put_bulk(mp, got, n);
			assert_pool_valid(mp);
		}
	assert_int_equal(hm_mempool_cache_flush(NULL, mp), 0);
	assert_int_equal(hm_mempool_avail_count(mp), mp->size);
	hm_mempool_free(mp);
}

/* A debug pool takes the general path: the same cache, the cookies flipped. */
static void
test_mempool_fast_debug_pool(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("fastdebug", HM_MEMPOOL_F_DEBUG);
	assert_true(hm_mempool_debug(mp));
	assert_null(hm_mempool__fast_cache(mp));
	assert_non_null(hm_mempool_default_cache(mp, hm_lcore_id()));
	bulk_model(mp, 3000);
	hm_mempool_free(mp);
}

/* ---------------------------------------------------------------- threads without a cache */

struct thr {
	struct hm_mempool *mp;
	int registered;    /* register before the first round */
	sem_t go, done;
	int rounds;        /* rounds to run, one per go */
	int bad;           /* a get / put touched a cache or failed */
};

/* One round: bulk and single gets and puts; no lcore cache may change. */
static void
thr_round(struct thr *t)
{
	struct hm_mempool *mp = t->mp;
	unsigned int before[4] = {0}, avail = backend_count(mp);
	void *objs[8], *o = NULL;

	for (unsigned int i = 0; i < 4 && i < mp->n_caches; i++)
		before[i] = mp->local_cache[i].len;
	if (hm_mempool__fast_cache(mp) != NULL || hm_mempool_get_bulk(mp, objs, 8) != 0 ||
	    backend_count(mp) != avail - 8 || hm_mempool_get(mp, &o) != 0 ||
	    backend_count(mp) != avail - 9)
		t->bad = 1;
	hm_mempool_put(mp, o);
	hm_mempool_put_bulk(mp, objs, 8);
	if (backend_count(mp) != avail)
		t->bad = 1;
	for (unsigned int i = 0; i < 4 && i < mp->n_caches; i++)
		if (mp->local_cache[i].len != before[i])
			t->bad = 1;
}

static void *
thr_main(void *p)
{
	struct thr *t = p;

	if (t->registered && hm_thread_register() < 0)
		t->bad = 1;
	sem_post(&t->done);
	for (int r = 0; r < t->rounds; r++) {
		sem_wait(&t->go);
		thr_round(t);
		sem_post(&t->done);
	}
	return NULL;
}

static void
thr_start(struct thr *t, pthread_t *tid, int registered, int rounds)
{
	memset(t, 0, sizeof(*t));
	t->registered = registered;
	t->rounds = rounds;
	assert_int_equal(sem_init(&t->go, 0, 0), 0);
	assert_int_equal(sem_init(&t->done, 0, 0), 0);
	assert_int_equal(pthread_create(tid, NULL, thr_main, t), 0);
	sem_wait(&t->done); /* registered (or not) */
}

static void
thr_round_on(struct thr *t, struct hm_mempool *mp)
{
	t->mp = mp;
	sem_post(&t->go);
	sem_wait(&t->done);
	assert_int_equal(t->bad, 0);
}

static void
thr_stop(struct thr *t, pthread_t tid)
{
	assert_int_equal(pthread_join(tid, NULL), 0);
	sem_destroy(&t->go);
	sem_destroy(&t->done);
}

/* A thread without an lcore id: straight to the backend, no cache touched. */
static void
test_mempool_fast_no_lcore(void **state)
{
	struct hm_mempool *mp;
	struct thr t;
	pthread_t tid;
	(void)state;

	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("fastnolcore", 0);
	thr_start(&t, &tid, 0, 1);
	thr_round_on(&t, mp);
	thr_stop(&t, tid);
	assert_pool_valid(mp);
	hm_mempool_free(mp);
}

/* A thread registered before hm_cleanup + hm_init keeps its old lcore id in
 * its thread-local state: the new generation makes it a thread without one. */
static void
test_mempool_fast_stale_lcore(void **state)
{
	struct hm_mempool *mp;
	struct thr t;
	pthread_t tid;
	(void)state;

	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("faststale", 0);
	thr_start(&t, &tid, 1, 1);
	assert_int_equal(t.bad, 0);
	/* registered: it has a cache in this pool */
	hm_mempool_free(mp);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(fast_init(PREFIX, false), 0);
	mp = fast_pool("faststale", 0);
	thr_round_on(&t, mp);
	thr_stop(&t, tid);
	assert_pool_valid(mp);
	hm_mempool_free(mp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mempool_fast_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_fast_bulk_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_fast_pop_copy_parity, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_fast_debug_pool, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_fast_no_lcore, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_fast_stale_lcore, hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
