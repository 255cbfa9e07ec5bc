/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of malloc's per-lcore caches, part 2 (part 1: test_malloc_cache.c):
 * refill by runs and give-back of the older half (scattered blocks, the refill
 * corner where a run leaves a PAD gap, short runs), stats that count cached
 * blocks as free, flush and page release, the ENOMEM flush-and-retry, and the
 * flushes at lcore unregister and at cleanup. Emu only, white box as part 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "helpers.h"
#include "shadow_model.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "malloc_cache_test_common.h"

/* ------------------------------------------------------------------ runs */

/* An empty class refills with cap/2 adjacent elements (the highest handed out
 * first); a full class gives its older half back, joined; stats count cached
 * blocks as free. */
static void
test_malloc_cache_refill_and_give_back(void **state)
{
	const unsigned int cap = 8;
	char *v[32];
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, cap), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	const uint64_t esz = ELEM_OVERHEAD + 256; /* class 193..256 */

	struct hm_malloc_socket_stats st0 = stats_of(0);
	v[0] = hm_malloc("t", 200, 0);
	assert_non_null(v[0]);
	/* one run of cap/2: one handed out, the rest cached, all adjacent */
	assert_int_equal(cached_in(h0), cap / 2 - 1);
	for (unsigned int i = 1; i < cap / 2; i++) {
		v[i] = hm_malloc("t", 256, 0);
		assert_non_null(v[i]);
		assert_ptr_equal(v[i], v[i - 1] - esz);
		assert_int_equal(cached_in(h0), cap / 2 - 1 - i);
	}
	/* stats: cached blocks are free, so a run changes alloc_count by what the
	 * user holds; heap bytes are whole pages */
	struct hm_malloc_socket_stats st = stats_cached_match(0, h0);
	assert_int_equal(st.alloc_count, cap / 2);
	assert_int_equal(st.cached_count, 0);
	assert_int_equal(st0.cached_count, 0);
	assert_int_equal(st0.cached_bytes, 0);
	/* the next malloc refills: another run */
	v[cap / 2] = hm_malloc("t", 256, 0);
	assert_non_null(v[cap / 2]);
	assert_int_equal(cached_in(h0), cap / 2 - 1);
	assert_int_equal(stats_of(0).alloc_count, cap / 2 + 1);

	/* a free into the cache: alloc_count -1, free_count +1, free bytes + the
	 * element, greatest free size unchanged */
	struct hm_malloc_socket_stats a = stats_cached_match(0, h0), b;
	assert_int_equal(a.cached_count, cap / 2 - 1);
	assert_int_equal(hm_free(v[cap / 2]), 0);
	b = stats_cached_match(0, h0);
	assert_int_equal(b.cached_count, a.cached_count + 1);
	assert_int_equal(b.cached_bytes, a.cached_bytes + esz);
	assert_int_equal(b.alloc_count, a.alloc_count - 1);
	assert_int_equal(b.free_count, a.free_count + 1);
	assert_int_equal(b.heap_freesz_bytes, a.heap_freesz_bytes + esz);
	assert_int_equal(b.heap_allocsz_bytes, a.heap_allocsz_bytes - esz);
	assert_int_equal(b.greatest_free_size, a.greatest_free_size);
	assert_int_equal(b.heap_totalsz_bytes, a.heap_totalsz_bytes);
	/* and the malloc that takes it back undoes exactly that */
	assert_ptr_equal(hm_malloc("t", 256, 0), v[cap / 2]);
	b = stats_of(0);
	stats_equal(&a, &b);
	assert_int_equal(hm_malloc_leak_report(NULL), cap / 2 + 1);

	/* fill the class: allocate to 2 * cap live, free them all: the cache never
	 * holds more than cap; the older halves go back */
	unsigned int live = cap / 2 + 1;
	while (live < 2 * cap) {
		v[live] = hm_malloc("t", 256, 0);
		assert_non_null(v[live]);
		live++;
	}
	assert_int_equal(stats_of(0).alloc_count, 2 * cap);
	for (unsigned int i = 0; i < live; i++) {
		assert_int_equal(hm_free(v[i]), 0);
		assert_true(cached_in(h0) <= cap);
		stats_cached_match(0, h0);
		assert_heaps_valid();
	}
	assert_true(cached_in(h0) >= cap / 2);
	assert_int_equal(stats_of(0).alloc_count, 0);
	/* the last freed is on top: LIFO survives a give-back */
	assert_ptr_equal(hm_malloc("t", 256, 0), v[live - 1]);
	assert_int_equal(hm_free(v[live - 1]), 0);
	/* after a flush every page is back */
	int flushed = hm_malloc_cache_flush();
	assert_true(flushed > 0 && (unsigned int)flushed <= cap);
	assert_int_equal(cached_in(h0), 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	st = stats_cached_match(0, h0);
	assert_int_equal(st.cached_count, 0);
	stats_equal(&st0, &st);

	/* exactly the older half goes back: cap + 1 live blocks, cache emptied,
	 * then freed in order; the last free finds the class full */
	for (unsigned int i = 0; i <= cap; i++) {
		v[i] = hm_malloc("t", 256, 0);
		assert_non_null(v[i]);
	}
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_int_equal(cached_in(h0), 0);
	for (unsigned int i = 0; i < cap; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_int_equal(cached_in(h0), cap);
	assert_int_equal(hm_free(v[cap]), 0);
	assert_int_equal(cached_in(h0), cap / 2 + 1);
	for (const struct malloc_elem *e = h0->first; e != NULL; e = e->next) {
		if (elem_state(e) != ELEM_CACHED)
			continue;
		bool recent = false;
		for (unsigned int i = cap / 2; i <= cap; i++)
			recent |= (const char *)e + ELEM_HEADER_LEN == v[i];
		if (!recent)
			fail_msg("cached element %p is not one of the recently freed half",
				 (const void *)e);
	}
	assert_heaps_valid();
	/* LIFO order of what stayed */
	for (unsigned int i = cap + 1; i-- > cap / 2;)
		assert_ptr_equal(hm_malloc("t", 256, 0), v[i]);
	for (unsigned int i = cap / 2; i <= cap; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_true(hm_malloc_cache_flush() > 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* A give-back of blocks freed in a scattered order: sorted and joined, and the
 * pages still go back. */
static void
test_malloc_cache_give_back_scattered(void **state)
{
	const unsigned int cap = 16;
	char *v[256];
	uint64_t rs = hm_test_seed();
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, cap), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	for (unsigned int round = 0; round < 20; round++) {
		unsigned int n = 1 + (unsigned int)(hm_test_rand(&rs) % 256);
		for (unsigned int i = 0; i < n; i++) {
			size_t sz = 1 + hm_test_rand(&rs) % 1024;
			v[i] = hm_malloc("t", sz, 0);
			assert_non_null(v[i]);
			memset(v[i], (int)(i & 0xff), sz);
		}
		/* free in a random order */
		hm_test_shuffle(v, n, sizeof(v[0]), &rs);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(hm_free(v[i]), 0);
			assert_heaps_valid();
		}
		assert_int_equal(stats_of(0).alloc_count, 0);
		assert_int_equal(hm_malloc_leak_report(NULL), 0);
		if (round % 2 == 1) {
			int k = hm_malloc_cache_flush();
			assert_true(k >= 0 && (unsigned int)k <= 16 * cap);
			assert_int_equal(cached_in(h0), 0);
			assert_int_equal(hm_memseg_mapped_bytes(0), 0);
		}
	}
	assert_no_warnings();
}

struct off_lcore {
	void **keep;
	unsigned int max, n;
	size_t size; /* 0: free keep[0] instead */
	int rc;
};

/* A thread without an lcore (so without a cache): allocates blocks of
 * r->size on node 0 until ENOMEM (r->n of them), or frees r->keep[0]. */
static void *
off_lcore_thread(void *arg)
{
	struct off_lcore *r = arg;

	if (r->size == 0) {
		r->rc = hm_free(r->keep[0]);
		return NULL;
	}
	while (r->n < r->max &&
	       (r->keep[r->n] = hm_malloc_socket("fill", r->size, 0, 0)) != NULL)
		r->n++;
	r->rc = r->n < r->max && hm_errno == ENOMEM ? 0 : -1;
	return NULL;
}

static void
off_lcore(struct off_lcore *r)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, off_lcore_thread, r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r->rc, 0);
}

/* ------------------------------------------------------------------ cold frees */

struct heap_op {
	char **v;       /* blocks allocated (size != 0) or the block to free */
	unsigned int n;
	size_t size;    /* 0: free v[0] */
	int rc;
};

/* A thread without an lcore: n heap blocks of @p size, or a heap free of v[0]. */
static void *
heap_op_thread(void *arg)
{
	struct heap_op *o = arg;

	o->rc = 0;
	if (o->size == 0) {
		o->rc = hm_free(o->v[0]);
		return NULL;
	}
	for (unsigned int i = 0; i < o->n; i++)
		if ((o->v[i] = hm_malloc_socket("heap", o->size, 0, 0)) == NULL)
			o->rc = -1;
	return NULL;
}

static void
heap_op(char **v, unsigned int n, size_t size)
{
	struct heap_op o = { .v = v, .n = n, .size = size };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, heap_op_thread, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(o.rc, 0);
}

/* Cached mallocs and frees of 64 bytes: the other classes fall out of use. */
static void
use_other_class(void)
{
	for (int i = 0; i < 2; i++)
		assert_int_equal(hm_free(hm_malloc("other", 64, 0)), 0);
}

/* The FREE element of @p h that holds address @p a, or NULL. */
static const struct malloc_elem *
free_elem_holding(const struct malloc_heap *h, const void *a)
{
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		if ((const char *)a >= (const char *)e && (const char *)a < (const char *)e + e->size)
			return elem_state(e) == ELEM_FREE ? e : NULL;
	return NULL;
}

/*
 * A free into a class not in use (none of the lcore's last two cached mallocs
 * and frees was of it) goes to the heap when the block has a FREE neighbour
 * there, and joins it; with no FREE neighbour, or in a class in use, the block
 * is cached as usual.
 */
/*
 * Another thread holds a heap's lock from a barrier until the test says its
 * calls returned, or until a deadline: a call that blocks on the lock then
 * returns only after the deadline, and the test fails by assertion (it would
 * otherwise hang until meson's timeout).
 */
#define HOLD_DEADLINE_S 10

struct lock_holder {
	struct malloc_heap *h;
	pthread_barrier_t bar;	/* both past it: the lock is held */
	pthread_mutex_t mu;	/* guards done and timed_out */
	pthread_cond_t cv;	/* signalled when done is set */
	bool done;		/* the test's calls under the held lock returned */
	bool timed_out;		/* the holder let go at the deadline, not on done */
	int rc;			/* heap_lock's result */
};

static void *
hold_heap_lock(void *arg)
{
	struct lock_holder *l = arg;
	struct timespec dl;

	l->rc = heap_lock(l->h);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += HOLD_DEADLINE_S;
	pthread_barrier_wait(&l->bar); /* held */
	pthread_mutex_lock(&l->mu);
	while (!l->done && pthread_cond_timedwait(&l->cv, &l->mu, &dl) != ETIMEDOUT)
		;
	l->timed_out = !l->done;
	pthread_mutex_unlock(&l->mu);
	if (l->rc == 0)
		heap_unlock(l->h);
	return NULL;
}

/* The test's calls under the held lock returned: let the holder go. @return
 * true when they returned only after the holder's deadline let go. */
static bool
release_holder(struct lock_holder *l)
{
	bool late;

	pthread_mutex_lock(&l->mu);
	late = l->timed_out;
	l->done = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	return late;
}

static void
test_malloc_cache_cold_free(void **state)
{
	char *v[4];
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 8), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	use_other_class(); /* class 64's run carved before the blocks below */
	/* four adjacent heap blocks of class 320, carved top down: v[0] highest,
	 * v[3] lowest, just above the free rest of the region */
	heap_op(v, 4, 300);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(elem_of(v[i])->prev, elem_of(v[i + 1]));
	assert_int_equal(elem_state(elem_of(v[3])->prev), ELEM_FREE);
	assert_heaps_valid();

	/* not in use, both neighbours BUSY: cached */
	use_other_class();
	unsigned int nc = cached_in(h0);
	assert_int_equal(hm_free(v[1]), 0);
	assert_int_equal(state_of(v[1]), ELEM_CACHED);
	assert_int_equal(cached_in(h0), nc + 1);
	assert_heaps_valid();
	stats_cached_match(0, h0);

	/* not in use, the lower neighbour FREE (v[3], freed by the heap): to the heap */
	heap_op(&v[3], 1, 0);
	/* ... but not while another thread holds the heap lock: cached, no wait */
	struct lock_holder lh = { .h = h0, .mu = PTHREAD_MUTEX_INITIALIZER,
				  .cv = PTHREAD_COND_INITIALIZER };
	pthread_t th;
	assert_int_equal(pthread_barrier_init(&lh.bar, NULL, 2), 0);
	assert_int_equal(pthread_create(&th, NULL, hold_heap_lock, &lh), 0);
	pthread_barrier_wait(&lh.bar);
	use_other_class(); /* (the cache serves it: no heap lock) */
	int frc = hm_free(v[2]);
	if (release_holder(&lh))
		fail_msg("a cold free waited for the heap lock another thread held: it returned "
			 "only when that thread let go at its %d s deadline", HOLD_DEADLINE_S);
	assert_int_equal(frc, 0);
	assert_int_equal(state_of(v[2]), ELEM_CACHED);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(lh.rc, 0);
	pthread_barrier_destroy(&lh.bar);
	pthread_cond_destroy(&lh.cv);
	pthread_mutex_destroy(&lh.mu);
	assert_int_equal(cached_in(h0), nc + 2);
	assert_heaps_valid();
	assert_ptr_equal(hm_malloc("t", 300, 0), v[2]); /* the class's top */
	use_other_class();
	const struct malloc_elem *below = free_elem_holding(h0, elem_of(v[3]));
	assert_non_null(below);
	assert_int_equal(hm_free(v[2]), 0);
	assert_int_equal(cached_in(h0), nc + 1);
	assert_ptr_equal(free_elem_holding(h0, elem_of(v[2])), below); /* joined */
	assert_ptr_equal(below->next, elem_of(v[1]));
	assert_heaps_valid();
	stats_cached_match(0, h0);
	/* freed twice: refused, nothing changes */
	assert_int_equal(hm_free(v[2]), -EINVAL);
	assert_int_equal(hm_malloc_validate(v[2], NULL), -EINVAL);
	assert_int_equal(cached_in(h0), nc + 1);
	assert_heaps_valid();

	/* in use now (v[2]'s free was of it): cached, though v[1] below is CACHED
	 * and a FREE element is one further down */
	assert_int_equal(hm_free(v[0]), 0);
	assert_int_equal(state_of(v[0]), ELEM_CACHED);
	assert_int_equal(cached_in(h0), nc + 2);
	assert_heaps_valid();

	/* in use, a FREE neighbour: cached all the same */
	assert_ptr_equal(hm_malloc("t", 300, 0), v[0]); /* the class's top first */
	assert_ptr_equal(hm_malloc("t", 300, 0), v[1]);
	assert_int_equal(elem_state(elem_of(v[1])->prev), ELEM_FREE);
	assert_int_equal(hm_free(v[1]), 0);
	assert_int_equal(state_of(v[1]), ELEM_CACHED);
	assert_int_equal(hm_free(v[0]), 0);
	assert_int_equal(state_of(v[0]), ELEM_CACHED);
	assert_heaps_valid();
	stats_cached_match(0, h0);
	free_all_empty_node0(NULL, 0);
}

/*
 * The refill corner: the only free element that can hold a run is exactly the
 * run plus 64 bytes, so heap_alloc places the run's data 128 bytes in and
 * leaves a 64-byte PAD gap before it; the run's first element must take the
 * gap (the elements tile the hole) and the heap stay valid.
 */
static void
test_malloc_cache_refill_pad_gap(void **state)
{
	static void *keep[4096];
	const unsigned int cap = 4, n_run = cap / 2;
	const uint64_t esz = ELEM_OVERHEAD + 1024; /* class 961..1024 */
	const uint64_t hole = esz * n_run + 64;
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO_TINY, cap), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	/* fill: blocks exactly the hole's size (from a thread without a cache:
	 * the size is cached since 4 KiB blocks are), then the smallest blocks
	 * into every fragment (once no run fits, these come from the heap; the
	 * final ENOMEM flushed the cache): no free element is left */
	struct off_lcore fr = { .keep = keep, .max = 4096, .size = hole - ELEM_OVERHEAD };
	off_lcore(&fr);
	unsigned int n = fr.n;
	assert_true(n > 4);
	unsigned int m = n + fill(keep + n, 4096 - n, 64, 0);
	assert_int_equal(cached_in(h0), 0);
	for (const struct malloc_elem *e = h0->first; e != NULL; e = e->next)
		assert_int_not_equal(elem_state(e), ELEM_FREE);
	/* a hole of exactly run + 64 (its neighbours are busy) */
	struct malloc_elem *he = NULL;
	unsigned int hi = 0;
	for (unsigned int i = 0; i < n && he == NULL; i++) {
		struct malloc_elem *e = elem_of(keep[i]);
		if (e->size == hole && e->pad == 0 && e->prev != NULL && e->next != NULL &&
		    elem_state(e->prev) == ELEM_BUSY && elem_state(e->next) == ELEM_BUSY) {
			he = e;
			hi = i;
		}
	}
	if (he == NULL) { /* (an explicit return: gcc -O3 sees the NULL path) */
		fail_msg("no busy block of %" PRIu64 " bytes between busy neighbours", hole);
		return;
	}
	struct off_lcore fh = { .keep = &keep[hi] };
	off_lcore(&fh); /* freed on the lcore it would wait in the cache */
	keep[hi] = NULL;
	assert_int_equal(elem_state(he), ELEM_FREE);
	assert_int_equal(he->size, hole);
	assert_heaps_valid();
	/* the refill carves the run from the hole */
	char *p = hm_malloc("t", 1000, 0);
	assert_non_null(p);
	assert_heaps_valid();
	assert_true(p > (char *)he && p < (char *)he + hole);
	/* the run tiles the hole: n_run elements from its start, the highest first */
	assert_int_equal(cached_in(h0), n_run - 1);
	char *base = (char *)he;
	assert_ptr_equal(p, base + (n_run - 1) * esz + ELEM_HEADER_LEN);
	uint64_t tiled = 0;
	for (unsigned int i = 0; i < n_run; i++) {
		struct malloc_elem *e = (struct malloc_elem *)(base + i * esz);
		assert_int_equal(e->cookie, ELEM_COOKIE ^ (uint32_t)(uintptr_t)e);
		assert_int_equal(e->pad, 0);
		tiled += e->size;
	}
	assert_int_equal(tiled, hole);
	memset(p, 0x77, 1000);
	char *p2 = hm_malloc("t", 1024, 0);
	assert_ptr_equal(p2, base + ELEM_HEADER_LEN);
	memset(p2, 0x78, 1024);
	assert_heaps_valid();
	assert_true(all_bytes(p, 1000, 0x77));
	/* both go back into the cache (the larger last one by its usable size
	 * maybe not); then to the heap */
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_free(p2), 0);
	assert_heaps_valid();
	assert_true(hm_malloc_cache_flush() >= 1);
	assert_heaps_valid();
	assert_int_equal(elem_state(he), ELEM_FREE);
	assert_int_equal(he->size, hole);
	free_all_empty_node0(keep, m);
}

/*
 * Fragmented memory: the only free element holds two elements of the 1 KiB
 * class but not a full run (cap 8: four). The refill takes a two-element run
 * from it instead of growing the heap for four.
 */
static void
test_malloc_cache_refill_short_run(void **state)
{
	const uint64_t esz = ELEM_OVERHEAD + 1024, pg = 4096;
	(void)state;

	log_start();
	assert_int_equal(init_cache("nodes=1;4K=64;lcores=0@0", 8), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	/* three fresh pages, one element; shrinking it leaves a free tail of
	 * exactly two elements (less than a page: it stays) */
	char *big = hm_malloc_socket("big", 3 * pg - ELEM_OVERHEAD, 0, 0);
	assert_non_null(big);
	assert_ptr_equal(hm_realloc(big, 3 * pg - 2 * esz - ELEM_OVERHEAD, 0), big);
	assert_heaps_valid();
	const struct malloc_elem *tail = NULL;
	unsigned int n_free = 0;
	for (const struct malloc_elem *e = h0->first; e != NULL; e = e->next)
		if (elem_state(e) == ELEM_FREE) {
			tail = e;
			n_free++;
		}
	assert_int_equal(n_free, 1);
	assert_non_null(tail);
	assert_int_equal(tail->size, 2 * esz);
	int64_t mapped = hm_memseg_mapped_bytes(0);
	char *p = hm_malloc("t", 1024, 0);
	assert_non_null(p);
	assert_heaps_valid();
	/* from the tail, no page mapped, the run's other element cached */
	assert_true(p > (const char *)tail && p < (const char *)tail + 2 * esz);
	assert_int_equal(hm_memseg_mapped_bytes(0), mapped);
	assert_int_equal(cached_in(h0), 1);
	/* the next two: the cached one, then a refill that has to grow */
	char *q = hm_malloc("t", 1024, 0);
	assert_non_null(q);
	assert_true(q > (const char *)tail && q < (const char *)tail + 2 * esz);
	assert_int_equal(hm_memseg_mapped_bytes(0), mapped);
	char *r = hm_malloc("t", 1024, 0);
	assert_non_null(r);
	assert_true(hm_memseg_mapped_bytes(0) > mapped);
	assert_heaps_valid();
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_free(q), 0);
	assert_int_equal(hm_free(r), 0);
	assert_int_equal(hm_free(big), 0);
	assert_true(hm_malloc_cache_flush() > 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ flush, ENOMEM */

static void
test_malloc_cache_flush_returns_pages(void **state)
{
	char *v[64];
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	int64_t m0 = hm_memseg_mapped_bytes(0);
	assert_int_equal(m0, 0);
	assert_int_equal(hm_malloc_cache_flush(), 0);
	for (unsigned int i = 0; i < 64; i++) {
		v[i] = hm_malloc("t", 64 + 64 * (i % 16), 0);
		assert_non_null(v[i]);
	}
	assert_true(hm_memseg_mapped_bytes(0) > 0);
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(hm_free(v[i]), 0);
	/* all free for the stats, but the pages stay until the flush */
	assert_int_equal(stats_of(0).alloc_count, 0);
	assert_true(hm_memseg_mapped_bytes(0) > 0);
	unsigned int nc = cached_in(h0);
	assert_true(nc >= 64);
	assert_int_equal(hm_malloc_cache_flush(), (int)nc);
	assert_int_equal(cached_in(h0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	assert_int_equal(hm_malloc_cache_flush(), 0);
	assert_heaps_valid();
	assert_no_warnings();
}

/* An allocation that fails with ENOMEM flushes the caller's cache and retries. */
static void
test_malloc_cache_enomem_flushes(void **state)
{
	static char *v[512];
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO_TINY, 512), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	const unsigned int n = 400;
	for (unsigned int i = 0; i < n; i++) {
		v[i] = hm_malloc("t", 256, 0);
		assert_non_null(v[i]);
	}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_free(v[i]), 0);
	unsigned int nc = cached_in(h0);
	assert_true(nc >= n);
	assert_true(nc <= 512);
	uint64_t parked = (uint64_t)nc * (ELEM_OVERHEAD + 256);
	/* more than the heap could give without the parked blocks */
	size_t want = (size_t)(256 * KB - parked + 16 * KB);
	assert_true(want < 200 * KB);
	char *big = hm_malloc("big", want, 0);
	assert_non_null(big);
	assert_int_equal(cached_in(h0), 0);
	memset(big, 0x42, want);
	assert_heaps_valid();
	assert_int_equal(hm_free(big), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);

	/* the same for an explicit socket and for zmalloc */
	for (unsigned int i = 0; i < n; i++) {
		v[i] = hm_malloc("t", 256, 0);
		assert_non_null(v[i]);
	}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_true(cached_in(h0) >= n);
	big = hm_zmalloc_socket("big", want, 0, 0);
	assert_non_null(big);
	assert_true(all_bytes(big, want, 0));
	assert_int_equal(cached_in(h0), 0);
	assert_int_equal(hm_free(big), 0);

	/* a request that fails even so: ENOMEM, and the cache was flushed */
	for (unsigned int i = 0; i < 8; i++) {
		v[i] = hm_malloc("t", 256, 0);
		assert_non_null(v[i]);
	}
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_true(cached_in(h0) > 0);
	hm_errno = 0;
	assert_null(hm_malloc("huge", 1 * MB, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_int_equal(cached_in(h0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_heaps_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ lcores */

struct unreg_run {
	int lcore;
	unsigned int cached_before;
	struct malloc_heap *h;
	int flush_rc;
};

static void *
unreg_thread(void *arg)
{
	struct unreg_run *r = arg;
	char *v[16];

	r->lcore = hm_thread_register();
	for (unsigned int i = 0; i < 16; i++)
		v[i] = hm_malloc("thr", 300, 0);
	for (unsigned int i = 0; i < 16; i++)
		hm_free(v[i]);
	r->cached_before = cached_in(r->h);
	hm_thread_unregister();
	r->flush_rc = hm_malloc_cache_flush(); /* no lcore any more */
	return NULL;
}

static void
test_malloc_cache_unregister_flushes(void **state)
{
	struct unreg_run r = { 0 };
	pthread_t t;
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO_3L, 32), 0);
	r.h = heap_of_node(0);
	assert_int_equal(cached_in(r.h), 0);
	assert_int_equal(pthread_create(&t, NULL, unreg_thread, &r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.lcore, 1);
	assert_true(r.cached_before >= 16);
	assert_int_equal(r.flush_rc, 0);
	assert_int_equal(cached_in(r.h), 0);
	assert_int_equal(stats_of(0).alloc_count, 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_heaps_valid();
	/* the main lcore does not unregister: its cache stays */
	char *p = hm_malloc("t", 100, 0);
	assert_int_equal(hm_free(p), 0);
	unsigned int nc = cached_in(r.h);
	hm_thread_unregister();
	assert_int_equal(cached_in(r.h), nc);
	assert_no_warnings();
}

/* hm_cleanup gives cached blocks back before its leak report: they are no leaks. */
static void
test_malloc_cache_cleanup_no_leak(void **state)
{
	char *v[40];
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	for (unsigned int i = 0; i < 40; i++)
		v[i] = hm_malloc("t", 16 * (i + 1), 0);
	for (unsigned int i = 0; i < 40; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_true(cached_in(heap_of_node(0)) > 0);
	/* one real leak to see the report still works */
	char *leak = hm_malloc("leaky", 100, 0);
	assert_non_null(leak);
	assert_int_equal(hm_malloc_leak_report(NULL), 1);
	assert_int_equal(hm_free(leak), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_no_warnings();
	/* and without a single explicit free or flush after the parking */
	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	for (unsigned int i = 0; i < 40; i++)
		v[i] = hm_malloc("t", 16 * (i + 1), 0);
	for (unsigned int i = 0; i < 40; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_no_warnings();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_cache_refill_and_give_back, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_give_back_scattered, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_cold_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_refill_pad_gap, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_refill_short_run, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_flush_returns_pages, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_enomem_flushes, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_unregister_flushes, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_cleanup_no_leak, hm_test_teardown),
	};

	malloc_cache_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
