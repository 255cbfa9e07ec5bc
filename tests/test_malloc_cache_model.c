/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of malloc's per-lcore caches, part 3 (part 1: test_malloc_cache.c):
 * the validator's cache cross-check against hand-made damage, the dumps, the
 * caches off, a randomised model over two nodes with a small cap, and two
 * lcore threads exchanging blocks. Emu only, white box as part 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"
#include "shadow_model.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "malloc_cache_test_common.h"
#include "mcache_i.h" /* struct mcache, mc_st: the cache's own state */

/* ------------------------------------------------------------------ check, dumps */

static void
expect_corrupt(const char *what)
{
	const char *why = NULL;

	if (hm_malloc_check(&why) != -EFAULT)
		fail_msg("hm_malloc_check missed: %s", what);
	assert_non_null(why);
}

struct park_run {
	pthread_barrier_t *bar;
	int lcore;
};

static void *
park_thread(void *arg)
{
	struct park_run *r = arg;

	r->lcore = hm_thread_register();
	pthread_barrier_wait(r->bar);
	pthread_barrier_wait(r->bar);
	hm_thread_unregister();
	return NULL;
}

static void
test_malloc_cache_check_detects_corruption(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	hm_test_quiet_log();
	char *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	struct malloc_elem *e = elem_of(p);
	assert_int_equal(e->state, ELEM_CACHED);
	assert_heaps_valid();

	e->state = ELEM_BUSY; /* the cache holds a block the heap thinks is live */
	expect_corrupt("cached element marked BUSY");
	e->state = ELEM_FREE; /* a free element on no free list */
	expect_corrupt("cached element marked FREE");
	e->state = ELEM_PAD;
	expect_corrupt("cached element marked PAD");
	e->state = ELEM_CACHED;
	assert_heaps_valid();
	e->cookie ^= 1;
	expect_corrupt("cached element cookie");
	e->cookie ^= 1;
	e->pad = 64;
	expect_corrupt("cached element with a pad");
	e->pad = 0;
	assert_heaps_valid();
	/* a class last used after its cache's last operation */
	struct mcache *c = &mc_st.c[hm_lcore_id()];
	unsigned int k = mc_class_down(e->size - ELEM_OVERHEAD);
	uint64_t used = c->used[k];
	assert_int_equal(used, c->tick);
	c->used[k] = c->tick + 1;
	expect_corrupt("class used in the future");
	c->used[k] = used;
	assert_heaps_valid();
	/* a live block flagged CACHED without being in any cache */
	char *q = hm_malloc("t", 8000, 0); /* above the caches' 4 KiB */
	assert_non_null(q);
	struct malloc_elem *qe = elem_of(q);
	if (elem_state(qe) == ELEM_PAD) /* its data placed behind a PAD header */
		qe = (struct malloc_elem *)((char *)qe - qe->pad);
	assert_int_equal(elem_state(qe), ELEM_BUSY);
	qe->state = ELEM_CACHED;
	expect_corrupt("CACHED element in no cache");
	qe->state = ELEM_BUSY;
	assert_heaps_valid();

	/* with another lcore registered, the caller's own cache is still checked */
	pthread_barrier_t bar;
	struct park_run r = { .bar = &bar };
	pthread_t t;
	assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
	assert_int_equal(pthread_create(&t, NULL, park_thread, &r), 0);
	pthread_barrier_wait(&bar);
	assert_int_equal(r.lcore, 1);
	assert_heaps_valid();
	e->state = ELEM_BUSY;
	expect_corrupt("own cached element marked BUSY, another lcore registered");
	e->state = ELEM_CACHED;
	assert_heaps_valid();
	pthread_barrier_wait(&bar);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_barrier_destroy(&bar);
	assert_int_equal(hm_free(q), 0);
	assert_heaps_valid();
	hm_log_set_hook(NULL, NULL);
}

static char *
capture(void (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

static void
test_malloc_cache_dumps(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	char *s = capture(hm_malloc_dump_stats);
	assert_non_null(strstr(s, "of the free, in lcore caches: 0 in 0 block(s)"));
	free(s);
	char *p = hm_malloc("t", 100, 0), *q = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(hm_free(p), 0);
	/* the dumps print what the stats say about the caches */
	struct hm_malloc_socket_stats st = stats_of(0);
	char want[128];
	assert_true(st.cached_count > 0);
	snprintf(want, sizeof(want), "of the free, in lcore caches: %zu in %u block(s)",
		 st.cached_bytes, st.cached_count);
	s = capture(hm_malloc_dump_stats);
	assert_non_null(strstr(s, want));
	assert_null(strstr(s, "CACHED"));
	free(s);
	s = capture(hm_malloc_dump_heaps);
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "CACHED"));
	free(s);
	assert_int_equal(hm_free(q), 0);
	assert_true(hm_malloc_cache_flush() > 0);
	s = capture(hm_malloc_dump_heaps);
	assert_non_null(strstr(s, "of the free, in lcore caches: 0 in 0 block(s)"));
	assert_null(strstr(s, "CACHED"));
	free(s);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ caches off */

static void
test_malloc_cache_off(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 0), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	struct hm_malloc_socket_stats st0 = stats_of(0);
	char *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	struct hm_malloc_socket_stats st1 = stats_of(0);
	assert_int_equal(st1.alloc_count, 1);
	assert_int_equal(hm_free(p), 0);
	/* back at once: the page went back to the backend */
	assert_int_equal(cached_in(h0), 0);
	struct hm_malloc_socket_stats st2 = stats_cached_match(0, h0);
	assert_int_equal(st2.cached_count, 0);
	assert_int_equal(st2.cached_bytes, 0);
	stats_equal(&st0, &st2);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_malloc_cache_flush(), 0);
	/* and the heap's own LIFO rule, not a cache's, decides what comes next */
	p = hm_malloc("t", 100, 0);
	char *q = hm_malloc("t", 100, 0);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(state_of(q), ELEM_BUSY);
	assert_int_equal(cached_in(h0), 0);
	assert_int_equal(hm_free(q), 0);
	assert_int_equal(hm_malloc_cache_flush(), 0);
	assert_heaps_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ model */

struct model {
	struct shadow s;
	uint64_t rs;
};

static size_t
model_size(struct model *m)
{
	uint64_t r = hm_test_rand(&m->rs) % 100;

	if (r < 80)
		return 1 + hm_test_rand(&m->rs) % 1024;
	if (r < 95)
		return 1025 + hm_test_rand(&m->rs) % (8 * KB);
	return 1 + hm_test_rand(&m->rs) % (256 * KB);
}

static unsigned int
model_align(struct model *m)
{
	uint64_t r = hm_test_rand(&m->rs) % 100;

	if (r < 70)
		return 0;
	if (r < 85)
		return 1u << (hm_test_rand(&m->rs) % 7); /* 1 .. 64 */
	return 128u << (hm_test_rand(&m->rs) % 6); /* 128 .. 4 KiB */
}

static void
model_add(struct model *m, char *p, size_t size, unsigned int align, int node, bool zeroed)
{
	shadow_add_new(&m->s, &m->rs, p, size, align, node, zeroed, false);
}

static void
test_malloc_cache_model(void **state)
{
	const unsigned int n_ops = 30000;
	struct model m = { .rs = hm_test_seed() };
	struct hm_malloc_socket_stats st0[2];
	int64_t mapped0[2];
	unsigned int counts[8] = { 0 };
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 4), 0);
	for (int n = 0; n < 2; n++) {
		st0[n] = stats_of(n);
		mapped0[n] = hm_memseg_mapped_bytes(n);
	}
	for (unsigned int op = 0; op < n_ops; op++) {
		uint64_t r = hm_test_rand(&m.rs) % 100;
		unsigned int align = model_align(&m);
		uint64_t sr = hm_test_rand(&m.rs) % 3;
		int sock = sr == 2 ? HM_SOCKET_ID_ANY : (int)sr;
		int node = sock == HM_SOCKET_ID_ANY ? 0 : sock; /* ANY: the main lcore's node */
		size_t size = model_size(&m);
		char *p = NULL;
		bool zeroed = false;

		if (m.s.n > 300)
			r = 99;
		else if (m.s.n == 0)
			r = 0;
		if (r < 30) {
			p = hm_malloc_socket("model", size, align, sock);
			counts[0]++;
		} else if (r < 40) {
			p = hm_zmalloc_socket("model", size, align, sock);
			zeroed = true;
			counts[1]++;
		} else if (r < 45) {
			size_t num = 1 + hm_test_rand(&m.rs) % 8;
			size = (size + num - 1) / num;
			p = hm_calloc_socket("model", num, size, align, sock);
			size *= num;
			zeroed = true;
			counts[2]++;
		} else if (r < 55) {
			size_t i = hm_test_rand(&m.rs) % m.s.n;
			struct blk old = m.s.b[i];
			unsigned int ra = hm_test_rand(&m.rs) % 4 == 0 ? align : 0;
			p = hm_realloc_socket(old.p, size, ra, sock);
			counts[3]++;
			if (p == NULL)
				fail_msg("op %u: realloc to %zu failed: %s", op, size, hm_last_error());
			size_t keep = old.size < size ? old.size : size;
			if (!all_bytes(p, keep, old.fill))
				fail_msg("realloc %p -> %p lost its first %zu bytes", (void *)old.p,
					 (void *)p, keep);
			counts[4] += p == old.p;
			shadow_remove(&m.s, i);
			/* in place keeps the old node; a move goes where asked */
			model_add(&m, p, size, ra, p == old.p ? -1 : node, false);
			p = NULL;
		} else {
			size_t i = hm_test_rand(&m.rs) % m.s.n;
			check_blk(&m.s.b[i]);
			assert_int_equal(hm_free(m.s.b[i].p), 0);
			shadow_remove(&m.s, i);
			counts[5]++;
		}
		if (r < 45) {
			if (p == NULL)
				fail_msg("op %u: allocation of %zu bytes (align %u, socket %d) failed: "
					 "%s", op, size, align, sock, hm_last_error());
			model_add(&m, p, size, align, node, zeroed);
		}
		assert_heaps_valid();
		for (int k = 0; k < 3 && m.s.n > 0; k++)
			check_blk(&m.s.b[hm_test_rand(&m.rs) % m.s.n]);
		unsigned int live = 0;
		for (int n = 0; n < 2; n++) {
			struct hm_malloc_socket_stats st = stats_of(n);
			assert_int_equal(st.heap_totalsz_bytes, hm_memseg_mapped_bytes(n));
			live += st.alloc_count;
		}
		assert_int_equal(live, m.s.n);
		if (op % 1000 == 999) {
			for (size_t i = 0; i < m.s.n; i++)
				check_blk(&m.s.b[i]);
			assert_int_equal(hm_malloc_leak_report(NULL), m.s.n);
		}
		if (op % 5000 == 4999)
			assert_true(hm_malloc_cache_flush() >= 0);
	}
	printf("# malloc %u, zmalloc %u, calloc %u, realloc %u (%u in place), free %u\n",
	       counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
	while (m.s.n > 0) {
		check_blk(&m.s.b[m.s.n - 1]);
		assert_int_equal(hm_free(m.s.b[m.s.n - 1].p), 0);
		m.s.n--;
	}
	assert_heaps_valid();
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_heaps_valid();
	for (int n = 0; n < 2; n++) {
		struct hm_malloc_socket_stats st = stats_of(n);
		stats_equal(&st0[n], &st);
		assert_int_equal(hm_memseg_mapped_bytes(n), mapped0[n]);
	}
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_no_warnings();
	free(m.s.b);
}

/* ------------------------------------------------------------------ threads */

#define XQ_CAP 256
#define XT_OPS 20000
#define XT_LIVE 64

struct xblk {
	char *p;
	size_t size;
	uint8_t fill;
};

static struct {
	pthread_mutex_t mu;
	struct xblk q[XQ_CAP];
	unsigned int n;
	unsigned long allocated, freed; /* under mu */
	int done;                       /* threads finished (atomic) */
	pthread_barrier_t bar;          /* 3: both workers and main */
	struct malloc_heap *h;
	unsigned int cached_parked;
} xs;

struct xt_run {
	int id, lcore;
	unsigned long bad, fails;
};

static bool
xblk_ok(const struct xblk *b)
{
	return all_bytes(b->p, b->size, b->fill);
}

static void *
xchg_thread(void *arg)
{
	struct xt_run *r = arg;
	struct xblk live[XT_LIVE];
	unsigned int n = 0;
	uint64_t rs = hm_test_seed() * 31 + (uint64_t)r->id;
	unsigned long allocated = 0, freed = 0;

	r->lcore = hm_thread_register();
	pthread_barrier_wait(&xs.bar); /* both registered before main checks */
	for (unsigned int op = 0; op < XT_OPS; op++) {
		uint64_t c = hm_test_rand(&rs) % 100;
		if (n == 0)
			c = 0;
		else if (n == XT_LIVE && c < 40)
			c = 50;
		if (c < 40) {
			size_t sz = 1 + hm_test_rand(&rs) % (hm_test_rand(&rs) % 8 == 0 ? 2048 : 1024);
			bool z = hm_test_rand(&rs) % 4 == 0;
			char *p = z ? hm_zmalloc("xchg", sz, 0) : hm_malloc("xchg", sz, 0);
			if (p == NULL) {
				r->fails++;
				continue;
			}
			if (z && !all_bytes(p, sz, 0))
				r->bad++;
			live[n].p = p;
			live[n].size = sz;
			live[n].fill = (uint8_t)(1 + (hm_test_rand(&rs) % 255));
			memset(p, live[n].fill, sz);
			n++;
			allocated++;
		} else if (c < 60) {
			unsigned int i = (unsigned int)(hm_test_rand(&rs) % n);
			if (!xblk_ok(&live[i]))
				r->bad++;
			if (hm_free(live[i].p) != 0)
				r->bad++;
			live[i] = live[--n];
			freed++;
		} else if (c < 80) {
			/* hand one over */
			unsigned int i = (unsigned int)(hm_test_rand(&rs) % n);
			pthread_mutex_lock(&xs.mu);
			if (xs.n < XQ_CAP) {
				xs.q[xs.n++] = live[i];
				live[i] = live[--n];
			}
			pthread_mutex_unlock(&xs.mu);
		} else {
			/* take one another thread (or this one) handed over, and free it */
			struct xblk b = { 0 };
			pthread_mutex_lock(&xs.mu);
			if (xs.n > 0)
				b = xs.q[--xs.n];
			pthread_mutex_unlock(&xs.mu);
			if (b.p != NULL) {
				if (!xblk_ok(&b))
					r->bad++;
				if (hm_free(b.p) != 0)
					r->bad++;
				freed++;
			}
		}
		for (int k = 0; k < 2 && n > 0; k++)
			if (!xblk_ok(&live[hm_test_rand(&rs) % n]))
				r->bad++;
	}
	while (n > 0) {
		n--;
		if (!xblk_ok(&live[n]) || hm_free(live[n].p) != 0)
			r->bad++;
		freed++;
	}
	/* the calling lcore's cache is checked even with other lcores registered */
	if (hm_malloc_check(NULL) != 0)
		r->bad++;
	pthread_mutex_lock(&xs.mu);
	xs.allocated += allocated;
	xs.freed += freed;
	pthread_mutex_unlock(&xs.mu);
	__atomic_fetch_add(&xs.done, 1, __ATOMIC_RELEASE);
	/* parked with blocks in the cache; main looks; then leave (flush) */
	pthread_barrier_wait(&xs.bar);
	pthread_barrier_wait(&xs.bar);
	hm_thread_unregister();
	return NULL;
}

static void
test_malloc_cache_threads_exchange(void **state)
{
	struct xt_run r[2] = { { .id = 0 }, { .id = 1 } };
	pthread_t t[2];
	unsigned long checks = 0;
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO_3L, 16), 0);
	memset(&xs, 0, sizeof(xs));
	assert_int_equal(pthread_mutex_init(&xs.mu, NULL), 0);
	assert_int_equal(pthread_barrier_init(&xs.bar, NULL, 3), 0);
	xs.h = heap_of_node(0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, xchg_thread, &r[i]), 0);
	/* the validator cross-checks every cache only with no other lcore
	 * registered: start checking once both are */
	FILE *devnull = fopen("/dev/null", "w");
	assert_non_null(devnull);
	pthread_barrier_wait(&xs.bar);
	/* meanwhile: the validator (own cache only) and stats must hold */
	while (__atomic_load_n(&xs.done, __ATOMIC_ACQUIRE) < 2) {
		const char *why = NULL;
		if (hm_malloc_check(&why) != 0)
			fail_msg("malloc check during the exchange: %s", why != NULL ? why : "?");
		struct hm_malloc_socket_stats st;
		assert_int_equal(hm_malloc_get_socket_stats(0, &st), 0);
		(void)hm_malloc_leak_report(NULL);
		hm_malloc_dump_heaps(devnull);
		assert_int_equal(st.heap_freesz_bytes + st.heap_allocsz_bytes,
				 st.heap_totalsz_bytes);
		checks++;
	}
	fclose(devnull);
	pthread_barrier_wait(&xs.bar);
	/* both parked, their caches full of what they freed */
	unsigned int parked = cached_in(xs.h);
	pthread_barrier_wait(&xs.bar);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	printf("# %lu blocks allocated, %lu freed by the threads, %u cached when parked, "
	       "%lu checks meanwhile\n", xs.allocated, xs.freed, parked, checks);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r[i].bad, 0);
		assert_int_equal(r[i].fails, 0);
		assert_true(r[i].lcore == 1 || r[i].lcore == 2);
	}
	assert_int_not_equal(r[0].lcore, r[1].lcore);
	assert_true(parked > 0);
	/* unregister flushed both caches */
	assert_int_equal(cached_in(xs.h), 0);
	assert_heaps_valid();
	/* what is left in the queue is live: every block accounted */
	assert_int_equal(stats_of(0).alloc_count, xs.n);
	assert_int_equal(hm_malloc_leak_report(NULL), xs.n);
	assert_int_equal(xs.allocated, xs.freed + xs.n);
	while (xs.n > 0) {
		struct xblk *b = &xs.q[--xs.n];
		assert_true(xblk_ok(b));
		assert_int_equal(hm_free(b->p), 0);
	}
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_heaps_valid();
	assert_int_equal(stats_of(0).alloc_count, 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	pthread_barrier_destroy(&xs.bar);
	pthread_mutex_destroy(&xs.mu);
	assert_no_warnings();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_cache_check_detects_corruption,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_dumps, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_off, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_threads_exchange, hm_test_teardown),
	};

	malloc_cache_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
