/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool conformance tests, caches and threads: the per-lcore cache against a
 * model of DPDK's LIFO cache (exact lengths and objects after every get / put,
 * at the flush and refill boundaries), user-owned caches, threads with and
 * without lcore ids (no object lost or handed out twice), stranded-object
 * statistics and the sizing messages. Split from test_mempool.c (shared
 * helpers: mempool_test_common.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define MEMPOOL_TEST_PREFIX "mempool_cache"
#include "mempool_test_common.h"

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


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mempool_cache_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_cache_boundaries, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_user_cache, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_threads, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_stranded_stats, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_sizing_messages, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
