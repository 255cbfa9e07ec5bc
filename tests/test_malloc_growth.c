/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc heap conformance tests, part 2 (part 1: test_malloc.c): growth by the
 * pages a request needs and release of whole free pages, preallocated pages
 * kept, legacy memory, socket policy and fallback, hm_free/hm_malloc from a
 * memseg walk, exhaustion (and emu fault injection), zeroed zmalloc, and the
 * model test of part 1 once more with the main lcore's malloc cache on (here
 * rather than in part 3 so the three programs take about as long). The same
 * backends and topologies as part 1 (malloc_test_common.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "malloc_test_common.h"

/* ------------------------------------------------------------------ growth and release */

static void
test_malloc_page_release(void **state)
{
	char *p[3], *small;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	int64_t m0 = hm_memseg_mapped_bytes(0);
	bool has_4k = hm_test_has_page_sz(KB4);
	int in2 = pages_in_use(0, MB2), in4 = has_4k ? pages_in_use(0, KB4) : 0;
	struct hm_malloc_socket_stats st0 = stats_of(0);
	/* white box: the heap counts the pages it could give back (grown, not
	 * preallocated); free skips looking for pages while the count is 0 */
	const struct malloc_heap *h = heap_of_node(0);
#define GROWN_PAGES() ((uint64_t)(pages_in_use(0, MB2) - in2) + \
		       (has_4k ? (uint64_t)(pages_in_use(0, KB4) - in4) : 0))
	assert_int_equal(h->releasable_pages, 0);

	for (int i = 0; i < 3; i++) {
		p[i] = hm_malloc_socket("big", MB2, 0, 0);
		assert_non_null(p[i]);
		memset(p[i], i + 1, MB2);
		assert_valid();
		assert_true(GROWN_PAGES() > 0);
		assert_int_equal(h->releasable_pages, GROWN_PAGES());
	}
	/* 2 MiB + overhead does not fit 512 4K pages: 2M pages, exactly those needed */
	assert_true(hm_memseg_mapped_bytes(0) > m0);
	assert_true(hm_memseg_mapped_bytes(0) <= m0 + 3 * 2 * (int64_t)MB2);
	if (has_4k)
		assert_int_equal(pages_in_use(0, KB4), in4);
	for (int i = 0; i < 3; i++) {
		assert_true(all_bytes(p[i], MB2, (uint8_t)(i + 1)));
		assert_int_equal(hm_free(p[i]), 0);
		assert_valid();
		assert_int_equal(h->releasable_pages, GROWN_PAGES());
	}
	assert_int_equal(h->releasable_pages, 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	assert_int_equal(pages_in_use(0, MB2), in2);
	if (has_4k)
		assert_int_equal(pages_in_use(0, KB4), in4);
	struct hm_malloc_socket_stats st = stats_of(0);
	stats_equal(&st0, &st);

	/* a small block keeps its page; the rest of a big free goes back */
	p[0] = hm_malloc_socket("big", 5 * MB, 0, 0);
	assert_non_null(p[0]);
	int64_t m_big = hm_memseg_mapped_bytes(0);
	assert_true(m_big >= (int64_t)(m0 + 6 * MB));
	assert_true(m_big <= (int64_t)(m0 + 8 * MB));
	/* shrink in place, then a small block next to it */
	assert_ptr_equal(hm_realloc(p[0], 1 * MB, 0), p[0]);
	small = hm_malloc_socket("small", 100, 0, 0);
	assert_non_null(small);
	assert_valid();
	assert_int_equal(hm_free(p[0]), 0);
	assert_valid();
	assert_true(hm_memseg_mapped_bytes(0) < m_big);
	assert_true(hm_memseg_mapped_bytes(0) >= (int64_t)(m0 + KB4));
	assert_int_equal(h->releasable_pages, GROWN_PAGES());
	assert_int_equal(hm_free(small), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	assert_int_equal(h->releasable_pages, 0);
#undef GROWN_PAGES

	/* smallest pages first: a 64 KiB block maps 17 4K pages (or one 2M page where
	 * 2M is the smallest) and gives them all back */
	p[0] = hm_malloc_socket("mid", 64 * KB, 0, 0);
	assert_non_null(p[0]);
	assert_int_equal(hm_mem_virt2memseg(p[0], NULL)->page_sz, small_page());
	if (has_4k) {
		assert_true(pages_in_use(0, KB4) >= in4 + 17);
		assert_int_equal(pages_in_use(0, MB2), in2);
	} else {
		assert_int_equal(pages_in_use(0, MB2), in2 + 1);
	}
	assert_int_equal(hm_free(p[0]), 0);
	assert_int_equal(pages_in_use(0, MB2), in2);
	if (has_4k)
		assert_int_equal(pages_in_use(0, KB4), in4);
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	assert_valid();
	assert_no_warnings();
}

static void
test_malloc_prealloc_kept(void **state)
{
	struct hm_config c;
	void *ps[64];
	uint64_t rs = hm_test_seed();
	(void)state;

	log_start();
	hm_config_init(&c);
	c.topology = TOPO2;
	c.memory = 16 * MB;
	c.no_malloc_cache = !with_cache;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	int nb = hm_test_node_b();
	int64_t m0 = hm_memseg_mapped_bytes(0), m1 = nb != 0 ? hm_memseg_mapped_bytes(nb) : 0;
	assert_true(m0 > 0);
	assert_true(m0 + m1 == (int64_t)(16 * MB));
	/* the preallocated pages are in the heaps, none of them releasable */
	assert_int_equal(stats_of(0).heap_totalsz_bytes, m0);
	assert_int_equal(heap_of_node(0)->releasable_pages, 0);
	if (nb != 0)
		assert_int_equal(stats_of(nb).heap_totalsz_bytes, m1);
	assert_valid();

	for (int round = 0; round < 4; round++) {
		unsigned int n = 0;
		for (int i = 0; i < 48; i++) {
			size_t size = 1 + hm_test_rand(&rs) % (round % 2 == 0 ? 64 * KB : 1 * MB);
			ps[n] = hm_malloc_socket("pre", size, 0, 0);
			assert_non_null(ps[n]);
			memset(ps[n], 1, size);
			n++;
		}
		assert_true(hm_memseg_mapped_bytes(0) >= m0);
		assert_valid();
		while (n > 0) {
			unsigned int i = (unsigned int)(hm_test_rand(&rs) % n);
			assert_int_equal(hm_free(ps[i]), 0);
			ps[i] = ps[--n];
			assert_true(hm_memseg_mapped_bytes(0) >= m0);
		}
		assert_valid();
		assert_int_equal(hm_memseg_mapped_bytes(0), m0);
		assert_int_equal(stats_of(0).heap_totalsz_bytes, m0);
		assert_int_equal(heap_of_node(0)->releasable_pages, 0);
	}
	/* a block inside the preallocated memory: freeing it releases nothing */
	void *p = hm_malloc_socket("pre", 1 * MB, 0, 0);
	assert_non_null(p);
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	if (nb != 0)
		assert_int_equal(hm_memseg_mapped_bytes(nb), m1);
	assert_valid();
	assert_no_warnings();
}

/* Legacy mode: every page is mapped at init and stays; the heap never grows. */
static void
test_malloc_legacy_mem(void **state)
{
	struct hm_config c;
	void *ps[64];
	unsigned int n = 0;
	(void)state;

	log_start();
	hm_config_init(&c);
	c.topology = "nodes=2;2M=4,4;4K=16,16;lcores=0@0,1@1";
	c.legacy_mem = true;
	c.no_malloc_cache = !with_cache;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	int64_t m0 = hm_memseg_mapped_bytes(0);
	assert_int_equal(m0, 4 * MB2 + (hm_test_has_page_sz(KB4) ? 16 * KB4 : 0));
	assert_int_equal(stats_of(0).heap_totalsz_bytes, m0);
	assert_valid();
	for (;;) {
		void *p = hm_malloc_socket("legacy", 1 * MB, 0, 0);
		if (p == NULL)
			break;
		assert_true(n < 64);
		ps[n++] = p;
	}
	assert_int_equal(hm_errno, ENOMEM);
	assert_true(n >= 3);
	struct hm_malloc_socket_stats st = stats_of(0), st2;
	assert_null(hm_malloc_socket("legacy", 3 * MB, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	while (n > 0)
		assert_int_equal(hm_free(ps[--n]), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);
	assert_int_equal(stats_of(0).heap_totalsz_bytes, m0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ sockets */

struct sock_run {
	int lcore, node;
	void *any, *any2;
	int any_node, any2_node;
	void *explicit1;
	int explicit1_err;
	int fault_rc;
};

static void *
sock_thread(void *arg)
{
	struct sock_run *r = arg;

	r->lcore = hm_thread_register();
	r->node = hm_socket_id();
	/* ANY from a node-1 thread: node 1 */
	r->any = hm_malloc("t", 1000, 0);
	r->any_node = r->any != NULL ? node_of(r->any) : -1;
	hm_free(r->any);
	/* node 1 exhausted: ANY falls back to node 0, an explicit node 1 fails */
	r->fault_rc = hm_backend_fault("pool=1:2M:0;pool=1:4K:0");
	r->any2 = hm_malloc("t", 1000, 0);
	r->any2_node = r->any2 != NULL ? node_of(r->any2) : -1;
	hm_errno = 0;
	r->explicit1 = hm_malloc_socket("t", 1000, 0, 1);
	r->explicit1_err = hm_errno;
	hm_thread_unregister();
	return NULL;
}

static void *
noreg_thread(void *arg)
{
	void **out = arg;

	*out = hm_malloc("t", 1000, 0);
	return NULL;
}

static void
test_malloc_socket_fallback(void **state)
{
	struct sock_run r;
	pthread_t t;
	void *p, *q;
	(void)state;

	hm_test_need_nodes(2);
	hm_test_need_emu("exhausts one node with the pool= fault (emu fault injection)");
	log_start();
	assert_int_equal(init_topo("nodes=2;2M=8,8;4K=64,64;lcores=0@0,1@1"), 0);
	/* the main lcore is on node 0 */
	p = hm_malloc("t", 1000, 0);
	assert_non_null(p);
	assert_int_equal(node_of(p), 0);
	assert_int_equal(hm_free(p), 0);
	/* a thread without an lcore uses the main lcore's node */
	assert_int_equal(pthread_create(&t, NULL, noreg_thread, &p), 0);
	pthread_join(t, NULL);
	assert_non_null(p);
	assert_int_equal(node_of(p), 0);
	assert_int_equal(hm_free(p), 0);

	memset(&r, 0, sizeof(r));
	assert_int_equal(pthread_create(&t, NULL, sock_thread, &r), 0);
	pthread_join(t, NULL);
	assert_int_equal(r.lcore, 1);
	assert_int_equal(r.node, 1);
	assert_non_null(r.any);
	assert_int_equal(r.any_node, 1);
	assert_int_equal(r.fault_rc, 0);
	assert_non_null(r.any2);
	assert_int_equal(r.any2_node, 0);
	assert_null(r.explicit1);
	assert_int_equal(r.explicit1_err, ENOMEM);
	assert_int_equal(hm_free(r.any2), 0);
	assert_int_equal(hm_memseg_mapped_bytes(1), 0);
	assert_valid();

	/* the other way round: node 0 exhausted, the main lcore's ANY goes to node 1 */
	assert_int_equal(hm_backend_fault("clear;pool=0:2M:0;pool=0:4K:0"), 0);
	p = hm_malloc("t", 1000, 0);
	assert_non_null(p);
	assert_int_equal(node_of(p), 1);
	q = hm_zmalloc("t", 3 * MB, 0);
	assert_non_null(q);
	assert_int_equal(node_of(q), 1);
	hm_errno = 0;
	assert_null(hm_malloc_socket("t", 1000, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	/* realloc with ANY may move it to the other node; to node 0 it cannot */
	hm_errno = 0;
	assert_null(hm_realloc_socket(p, 5000, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_free(q), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(1), 0);
	assert_valid();
	assert_no_warnings();
}

/* hm_free and hm_malloc from inside a memseg walk callback: pages cannot be mapped
 * or unmapped there (-EDEADLK). */
struct walk_run {
	void *to_free;
	int free_rc, calls;
	void *grown;
	int grow_err;
};

static int
walk_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct walk_run *w = arg;
	(void)msl;
	(void)ms;

	if (w->calls++ == 0) {
		w->free_rc = hm_free(w->to_free);
		hm_errno = 0;
		w->grown = hm_malloc("walk", 8 * MB, 0); /* needs new pages */
		w->grow_err = hm_errno;
	}
	return 0;
}

static void
test_malloc_free_in_walk(void **state)
{
	struct walk_run w;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	memset(&w, 0, sizeof(w));
	w.to_free = hm_malloc("walk", 3 * MB, 0);
	assert_non_null(w.to_free);
	memset(w.to_free, 0x3c, 3 * MB);
	int64_t m = hm_memseg_mapped_bytes(0);
	/* malloc and free inside a walk could deadlock against a growing heap
	 * (heap lock vs hotplug lock): both are refused, nothing changes */
	assert_int_equal(hm_memseg_walk(walk_cb, &w), 0);
	assert_true(w.calls > 0);
	assert_int_equal(w.free_rc, -EDEADLK);
	assert_null(w.grown);
	assert_int_equal(w.grow_err, EDEADLK);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), m);
	assert_int_equal(stats_of(0).alloc_count, 1);
	assert_true(all_bytes(w.to_free, 3 * MB, 0x3c));
	/* outside the walk all is normal, and every page goes back */
	assert_int_equal(hm_free(w.to_free), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ exhaustion */

static void
test_malloc_exhaustion(void **state)
{
	struct hm_malloc_socket_stats st, st2;
	static void *ps[4096];
	unsigned int n = 0;
	(void)state;

	log_start();
	assert_int_equal(init_topo("nodes=1;2M=8;4K=16;lcores=0"), 0);
	/* a request far beyond the machine: ENOMEM, nothing mapped, no rollback needed */
	const size_t huge[] = { (1ULL << 44) + 2048, (1ULL << 45) + 4096, 1ULL << 46, 64 * MB };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		hm_errno = 0;
		assert_null(hm_malloc("huge", huge[i], 0));
		assert_int_equal(hm_errno, ENOMEM);
		assert_int_equal(hm_memseg_mapped_bytes(0), 0);
		assert_int_equal(stats_of(0).heap_totalsz_bytes, 0);
		assert_no_warnings();
	}
	/* fill the node: 1 MiB blocks (one per 2M page), then halving sizes down to 1 */
	for (size_t size = 1 * MB; size >= 1; size /= 2) {
		for (;;) {
			void *p = hm_malloc_socket("fill", size, 0, 0);
			if (p == NULL)
				break;
			memset(p, 0xee, size);
			assert_true(n < 4096);
			ps[n++] = p;
		}
		assert_int_equal(hm_errno, ENOMEM);
		if (size == 1 * MB)
			assert_int_equal(n, 8);
	}
	assert_int_equal(hm_memseg_mapped_bytes(0),
			 16 * MB + (hm_test_has_page_sz(KB4) ? 16 * KB4 : 0));
	st = stats_of(0);
	assert_valid();
	/* every failing kind of call leaves the heap as it was */
	hm_errno = 0;
	assert_null(hm_malloc("fill", 1, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_zmalloc("fill", 100, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_calloc("fill", 10, 10, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_malloc("fill", 64, (unsigned int)MB2));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_realloc(ps[0], 2 * MB, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_true(all_bytes(ps[0], 1 * MB, 0xee));
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	assert_valid();
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_free(ps[i]), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(stats_of(0).heap_totalsz_bytes, 0);
	assert_no_warnings();
}

/* Page maps failing (emu fault injection): ENOMEM, nothing half-added. */
static void
test_malloc_exhaustion_fault(void **state)
{
	(void)state;

	hm_test_need_emulated("page maps fail by fault injection (every=, nth=)");
	log_start();
	assert_int_equal(init_topo("nodes=1;2M=8;4K=16;lcores=0"), 0);
	assert_int_equal(hm_backend_fault("every=1"), 0);
	hm_errno = 0;
	assert_null(hm_malloc("fault", 100, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_malloc("fault", 3 * MB, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(stats_of(0).heap_totalsz_bytes, 0);
	assert_valid();
	/* the second page of a two-page growth fails: rolled back */
	assert_int_equal(hm_backend_fault("clear;nth=2"), 0);
	void *p = hm_malloc("fault", 3 * MB, 0);
	if (p != NULL)
		assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_backend_fault("clear"), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ zeroing */

/* The free element holding @p p (single-threaded callers: no lock). */
static const struct malloc_elem *
free_elem_at(const struct malloc_heap *h, const void *p)
{
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		if ((const char *)p >= (const char *)e && (const char *)p < (const char *)e + e->size)
			return e->state == ELEM_FREE ? e : NULL;
	return NULL;
}

/*
 * Free does not zero: it lowers the clean mark of the free element to where the
 * freed block began, so a later zmalloc (or memzone) zeroes just the dirty part
 * and a block carved from clean memory is not zeroed again.
 */
static void
test_malloc_zero_is_lazy_and_precise(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_topo("nodes=1;2M=16"), 0); /* one page holds all */
	const struct malloc_heap *h0 = heap_of_node(0);
	char *keep = hm_malloc("keep", 64, 0); /* holds the page */
	char *a = hm_malloc("a", 4096, 0);
	assert_non_null(keep);
	assert_non_null(a);
	memset(a, 0xee, 4096);
	assert_int_equal(hm_free(a), 0);
	const struct malloc_elem *f = free_elem_at(h0, a);
	assert_non_null(f);
	/* clean below a's old header, dirty from there on */
	assert_int_equal(elem_clean_end(f), (uint64_t)(a - ELEM_HEADER_LEN - (const char *)f));
	assert_valid();
	/* the same block comes back: zmalloc zeroes it */
	char *z = hm_zmalloc("z", 4096, 0);
	assert_ptr_equal(z, a);
	assert_true(all_bytes(z, 4096, 0));
	/* a block below it, all on clean memory, needs no zeroing and is zero */
	char *y = hm_zmalloc("y", 8192, 0);
	assert_non_null(y);
	assert_true(y < z);
	assert_true(all_bytes(y, 8192, 0));
	memset(y, 0x11, 8192);
	memset(z, 0x22, 4096);
	assert_int_equal(hm_free(z), 0);
	assert_int_equal(hm_free(y), 0);
	/* memzones come zeroed, as DPDK's do, even over dirty memory */
	const struct hm_memzone *mz = hm_memzone_reserve("lazy", 12288, 0, 0);
	assert_non_null(mz);
	assert_true(all_bytes(mz->addr, 12288, 0));
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_int_equal(hm_free(keep), 0);
	assert_valid();
	assert_clean_free_zero(h0);
	assert_no_warnings();
}

/* The largest FREE element of @p h (single-threaded callers: no lock). */
static const struct malloc_elem *
largest_free(const struct malloc_heap *h)
{
	const struct malloc_elem *best = NULL;

	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		if (e->state == ELEM_FREE && (best == NULL || e->size > best->size))
			best = e;
	return best;
}

/*
 * zmalloc trusts the clean mark: a block carved from memory the heap knows is
 * zero is not cleared again (the point of lazy zeroing). Seen by a marker byte
 * planted behind the heap's back in the clean memory the next block will take
 * (the top of the largest free element): it must survive hm_zmalloc (the short
 * path up to 4 KiB and the general one above), hm_calloc and a memzone, while
 * the same calls over dirty memory clear it. (The zmalloc paths once read the
 * clean offset before the allocation had set it and cleared every block.)
 */
static void
test_malloc_zmalloc_trusts_clean_mark(void **state)
{
	static const size_t sizes[] = { 64, 1000, 4096, 8192, 12288 };
	char *kept[5 * 3];
	unsigned int n_kept = 0;
	(void)state;

	log_start();
	assert_int_equal(init_topo("nodes=1;2M=16"), 0); /* one page holds all */
	const struct malloc_heap *h0 = heap_of_node(0);
	char *keep = hm_malloc("keep", 64, 0); /* holds the page */
	assert_non_null(keep);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int how = 0; how < 3; how++) {
			size_t size = sizes[i];
			const struct malloc_elem *f = largest_free(h0);
			assert_non_null(f);
			assert_int_equal(elem_clean_end(f), f->size); /* never used */
			/* allocation takes the top of the element */
			char *want = (char *)f + f->size - ELEM_TRAILER_LEN -
				     HM_ALIGN_CEIL(size, MALLOC_ALIGN);
			const struct hm_memzone *mz = NULL;
			char *p;
			want[size / 2] = 0x5a;
			if (how == 0) {
				p = hm_zmalloc("clean", size, 0);
			} else if (how == 1) {
				p = hm_calloc("clean", size / 8, 8, 0);
			} else {
				char name[32];
				snprintf(name, sizeof(name), "clean%zu", size);
				mz = hm_memzone_reserve(name, size, 0, 0);
				assert_non_null(mz);
				p = mz->addr;
			}
			assert_ptr_equal(p, want);
			if (p[size / 2] != 0x5a)
				fail_msg("size %zu, call %d: a block over clean memory was cleared",
					 size, how);
			p[size / 2] = 0;
			assert_true(all_bytes(p, size, 0));
			/* over dirty memory the same call clears */
			memset(p, 0xee, size);
			if (mz != NULL)
				assert_int_equal(hm_memzone_free(mz), 0);
			else
				assert_int_equal(hm_free(p), 0);
			assert_true(hm_malloc_cache_flush() >= 0);
			p = hm_zmalloc("dirty", size, 0);
			assert_ptr_equal(p, want);
			assert_true(all_bytes(p, size, 0));
			memset(p, 0xee, size);
			/* kept: the next block lies below it, on clean memory */
			kept[n_kept++] = p;
		}
	}
	assert_valid();
	assert_clean_free_zero(h0);
	for (unsigned int i = 0; i < n_kept; i++)
		assert_int_equal(hm_free(kept[i]), 0);
	assert_int_equal(hm_free(keep), 0);
	assert_valid();
	assert_clean_free_zero(h0);
	assert_no_warnings();
}

static void
test_malloc_zmalloc_after_dirty_free(void **state)
{
	uint64_t rs = hm_test_seed();
	void *keep;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	const struct malloc_heap *h0 = heap_of_node(0);
	keep = hm_malloc("keep", 100, 0);
	assert_non_null(keep);
	for (int i = 0; i < 2000; i++) {
		size_t size = 1 + hm_test_rand(&rs) % (i % 10 == 0 ? 256 * KB : 8 * KB);
		unsigned int align = 0;
		if (hm_test_rand(&rs) % 3 == 0)
			align = 64u << (hm_test_rand(&rs) % 6);
		char *a = hm_malloc("dirty", size, align);
		char *b = hm_malloc("dirty", size, align);
		assert_non_null(a);
		assert_non_null(b);
		memset(a, 0xff, size);
		memset(b, 0xfe, size);
		assert_int_equal(hm_free(a), 0);
		assert_int_equal(hm_free(b), 0);
		/* the same size comes back over the dirtied blocks (and their headers) */
		char *z;
		size_t zsize = hm_test_rand(&rs) % 2 == 0 ? size : 2 * size + 128;
		if (hm_test_rand(&rs) % 2 == 0) {
			z = hm_zmalloc("z", zsize, align);
		} else {
			z = hm_calloc("z", 1, zsize, align);
		}
		assert_non_null(z);
		if (!all_bytes(z, zsize, 0))
			fail_msg("round %d: zmalloc(%zu) at %p is not zeroed", i, zsize, (void *)z);
		memset(z, 0xfd, zsize);
		/* grow it in place or not: the old bytes stay, then free dirty */
		char *z2 = hm_realloc(z, zsize + 1000, 0);
		assert_non_null(z2);
		assert_true(all_bytes(z2, zsize, 0xfd));
		memset(z2, 0xfc, zsize + 1000);
		assert_int_equal(hm_free(z2), 0);
		z = hm_zmalloc("z", zsize + 1000, 0);
		assert_non_null(z);
		assert_true(all_bytes(z, zsize + 1000, 0));
		assert_int_equal(hm_free(z), 0);
		if (i % 100 == 0) {
			assert_valid();
			assert_clean_free_zero(h0);
		}
	}
	assert_clean_free_zero(h0);
	assert_int_equal(hm_free(keep), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ model, cached */

/* The same with the main lcore's malloc cache on: every small free and most
 * small mallocs go through it. */
static void
test_malloc_model_cached(void **state)
{
	with_cache = true;
	(void)state;
	malloc_model_run();
}

static int
teardown_cached(void **state)
{
	with_cache = false;
	return hm_test_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_page_release, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_prealloc_kept, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_legacy_mem, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_socket_fallback, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_free_in_walk, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_exhaustion, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_exhaustion_fault, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_zmalloc_after_dirty_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_zero_is_lazy_and_precise, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_zmalloc_trusts_clean_mark, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_model_cached, teardown_cached),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
