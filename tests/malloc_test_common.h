/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the malloc conformance programs share (test_malloc.c,
 * test_malloc_growth.c, test_malloc_api.c): the topology they start from, init
 * with the lcore caches off (or on, for the cached model run), the heap and
 * memseg validators, page counts, the heap of a node read from a block header,
 * the clean-free-memory check behind zmalloc, and the randomised model test
 * against a shadow map of live blocks. Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_MALLOC_TEST_COMMON_H
#define HUGEMEM_TEST_MALLOC_TEST_COMMON_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "shadow_model.h"
#include "hugemem/hugemem.h"
#include "malloc_i.h" /* HM_DEBUG, ELEM_* layout constants, struct malloc_elem */

#define KB 1024ULL
#define MB (1024ULL * 1024)
#define MB2 (2 * MB)
#define KB4 (4 * KB)

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1;iova=shuffled;seed=7";

/* ------------------------------------------------------------------ helpers */

/* These tests state the heap's own rules (LIFO reuse, page release, exact
 * stats), so they run with the lcore malloc caches off; the model test runs a
 * second time with them on (test_malloc_model_cached), and test_malloc_cache.c
 * covers the caches themselves. */
static bool with_cache;
static bool allow_leaks; /* init_topo sets hm_config.allow_leaks */

static inline int
init_topo(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	c.no_malloc_cache = !with_cache;
	c.allow_leaks = allow_leaks;
	return hm_test_init_cfg(&c);
}

/* Heaps and memseg lists (the latter walks every slot: not for every model step). */
static inline void
assert_valid(void)
{
	const char *why = NULL;

	assert_heaps_valid();
	if (hm_memseg_check(&why) != 0)
		fail_msg("memseg check: %s", why != NULL ? why : "?");
}

static inline int
pages_in_use(int node, uint64_t page_sz)
{
	return hm_test_pages_in_use(node, page_sz);
}

/* The smallest page size of the backend under test: a fresh heap grows by it. */
static inline uint64_t
small_page(void)
{
	return hm_test_has_page_sz(KB4) ? KB4 : MB2;
}

/* The heap of node @p node (white box: read from a probe block's header). */
static inline const struct malloc_heap *
heap_of_node(int node)
{
	char *p = hm_malloc_socket("probe", 1, 0, node);
	const struct malloc_elem *e;
	const struct malloc_heap *h;

	assert_non_null(p);
	e = (const struct malloc_elem *)(p - ELEM_HEADER_LEN);
	assert_int_equal(e->state, ELEM_BUSY);
	h = e->heap;
	assert_int_equal(hm_free(p), 0);
	assert_true(hm_malloc_cache_flush() >= 0); /* the probe's page goes back */
	return h;
}

/*
 * zmalloc zeroes only above a free element's clean mark, so every FREE element
 * must hold zeros from its header to that mark (malloc_i.h; heap_check tests
 * this only at debug level 3). Single-threaded callers only: no lock is taken.
 */
static inline void
assert_clean_free_zero(const struct malloc_heap *h)
{
	uint64_t biggest = 0;

	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
		const char *d = (const char *)e + ELEM_HEADER_LEN;
		if (e->state != ELEM_FREE)
			continue;
		if (elem_clean_end(e) < ELEM_HEADER_LEN || elem_clean_end(e) > e->size)
			fail_msg("heap %s: free element %p: clean mark %" PRIu64 " outside "
				 "[header, size %" PRIu64 "]", h->name, (const void *)e,
				 elem_clean_end(e), e->size);
		if (!all_bytes(d, elem_clean_end(e) - ELEM_HEADER_LEN, 0))
			fail_msg("heap %s: clean free element %p (%" PRIu64 " bytes) is not zero",
				 h->name, (const void *)e, e->size);
		if (e->size > biggest)
			biggest = e->size;
	}
	/* and the stats' greatest free size is the largest free element */
	assert_int_equal(stats_of(h->socket_id).greatest_free_size, biggest);
}

/* ------------------------------------------------------------------ model */

struct model {
	struct shadow s;
	uint64_t rs;
	unsigned int n_big; /* live blocks above 64 KiB */
};

static inline size_t
model_size(struct model *m, bool *big)
{
	uint64_t r = hm_test_rand(&m->rs) % 1000;

	*big = false;
	if (r < 600)
		return 1 + hm_test_rand(&m->rs) % 2048;
	if (r < 900)
		return 1 + hm_test_rand(&m->rs) % (16 * KB);
	if (r < 995 || m->n_big >= 4)
		return 1 + hm_test_rand(&m->rs) % (64 * KB);
	*big = true;
	return 64 * KB + hm_test_rand(&m->rs) % (3 * MB - 64 * KB + 1);
}

static inline unsigned int
model_align(struct model *m)
{
	uint64_t r = hm_test_rand(&m->rs) % 1000;

	if (r < 600)
		return 0;
	if (r < 990)
		return 64u << (hm_test_rand(&m->rs) % 7); /* 64 .. 4 KiB */
	return (unsigned int)MB2;
}

/* Check and record a block just returned by an allocation function. */
static inline void
model_add(struct model *m, char *p, size_t size, unsigned int align, int node, bool zeroed,
	  bool big)
{
	shadow_add_new(&m->s, &m->rs, p, size, align, node, zeroed, big);
	m->n_big += big;
}

/* The model run (test_malloc_model; test_malloc_model_cached with with_cache). */
static inline void
malloc_model_run(void)
{
	const unsigned int n_ops = hm_test_model_ops(100000); /* fuse: 10^4 */
	struct model m = { .rs = hm_test_seed() };
	struct hm_malloc_socket_stats st0[2];
	const struct malloc_heap *heaps[2];
	int64_t mapped0[2];
	unsigned int counts[8] = { 0 }, n_nomem = 0;
	char topo[160];
	int nb = hm_test_node_b();

	log_start();
	snprintf(topo, sizeof(topo),
		 "nodes=2;2M=256,256;4K=512,512;lcores=0@0,1@1;iova=shuffled;seed=%" PRIu64,
		 m.rs);
	assert_int_equal(init_topo(topo), 0);
	for (int n = 0; n <= nb; n++) {
		heaps[n] = heap_of_node(n);
		st0[n] = stats_of(n);
		mapped0[n] = hm_memseg_mapped_bytes(n);
	}
	for (unsigned int op = 0; op < n_ops; op++) {
		uint64_t r = hm_test_rand(&m.rs) % 100;
		unsigned int align = model_align(&m);
		int node = (int)(hm_test_rand(&m.rs) % 2) & nb;
		bool big;
		size_t size = model_size(&m, &big);
		char *p = NULL;

		if (m.s.n > 500)
			r = 99; /* bounded live set: free */
		else if (m.s.n == 0)
			r = 0;
		if (r < 25) {
			p = hm_malloc("model", size, align);
			node = 0; /* the main lcore's node */
			counts[0]++;
		} else if (r < 35) {
			if (hm_test_rand(&m.rs) % 2 == 0) {
				p = hm_zmalloc("model", size, align);
				node = 0;
			} else {
				p = hm_zmalloc_socket("model", size, align, node);
			}
			counts[1]++;
		} else if (r < 40) {
			size_t num = 1 + hm_test_rand(&m.rs) % 8;
			size = (size + num - 1) / num;
			if (hm_test_rand(&m.rs) % 2 == 0) {
				p = hm_calloc("model", num, size, align);
				node = 0;
			} else {
				p = hm_calloc_socket("model", num, size, align, node);
			}
			size *= num;
			counts[2]++;
		} else if (r < 55) {
			p = hm_malloc_socket("model", size, align, node);
			counts[3]++;
		} else if (r < 65) {
			size_t i = hm_test_rand(&m.rs) % m.s.n;
			struct blk old = m.s.b[i];
			int sock = hm_test_rand(&m.rs) % 4 == 0 ? node : HM_SOCKET_ID_ANY;
			if (big && !old.big && m.n_big >= 4) {
				big = false;
				size = 1 + size % (64 * KB);
			}
			align = hm_test_rand(&m.rs) % 4 == 0 ? align : 0;
			p = hm_realloc_socket(old.p, size, align, sock);
			counts[4]++;
			if (p == NULL) {
				assert_int_equal(hm_errno, ENOMEM);
				check_blk(&m.s.b[i]);
				n_nomem++;
			} else {
				size_t keep = old.size < size ? old.size : size;
				if (!all_bytes(p, keep, old.fill))
					fail_msg("realloc %p -> %p lost the first %zu bytes",
						 (void *)old.p, (void *)p, keep);
				counts[5] += p == old.p;
				shadow_remove(&m.s, i);
				m.n_big -= old.big;
				model_add(&m, p, size, align, sock, false, big);
			}
			p = NULL;
		} else {
			size_t i = hm_test_rand(&m.rs) % m.s.n;
			check_blk(&m.s.b[i]);
			assert_int_equal(hm_free(m.s.b[i].p), 0);
			m.n_big -= m.s.b[i].big;
			shadow_remove(&m.s, i);
			counts[6]++;
		}
		if (r < 55) {
			if (p == NULL) {
				/* 512 MiB per node is never exhausted by this mix */
				fail_msg("op %u: allocation of %zu bytes (align %u) failed: %s", op,
					 size, align, hm_last_error());
			}
			model_add(&m, p, size, align, node, r >= 25 && r < 40, big);
		}

		/* hm_malloc_check after every operation (the whole model takes ~15 s under
		 * ASan, so no thinning is needed); hm_memseg_check, which walks every
		 * slot of every list, every 1000 operations */
		assert_heaps_valid();
		for (int k = 0; k < 3 && m.s.n > 0; k++)
			check_blk(&m.s.b[hm_test_rand(&m.rs) % m.s.n]);
		for (int n = 0; n <= nb; n++) {
			/* every mapped page belongs to the heap: nothing else maps here */
			struct hm_malloc_socket_stats st = stats_of(n);
			assert_int_equal(st.heap_totalsz_bytes, hm_memseg_mapped_bytes(n));
		}
		if (op % 1000 == 999) {
			unsigned int live = 0;
			assert_valid();
			for (size_t i = 0; i < m.s.n; i++)
				check_blk(&m.s.b[i]);
			for (int n = 0; n <= nb; n++) {
				live += stats_of(n).alloc_count;
				assert_clean_free_zero(heaps[n]);
			}
			assert_int_equal(live, m.s.n);
			assert_int_equal(hm_malloc_leak_report(NULL), m.s.n);
		}
	}
	printf("# malloc %u, zmalloc %u, calloc %u, malloc_socket %u, realloc %u (%u in place, "
	       "%u ENOMEM), free %u\n", counts[0], counts[1], counts[2], counts[3], counts[4],
	       counts[5], n_nomem, counts[6]);
	assert_true(counts[5] > 0);
	while (m.s.n > 0) {
		check_blk(&m.s.b[m.s.n - 1]);
		assert_int_equal(hm_free(m.s.b[m.s.n - 1].p), 0);
		m.s.n--;
	}
	assert_valid();
	/* cached blocks count as free already; flushing gives their pages back */
	if (with_cache) {
		assert_true(hm_malloc_cache_flush() > 0);
		assert_valid();
	}
	for (int n = 0; n <= nb; n++) {
		struct hm_malloc_socket_stats st = stats_of(n);
		if (!with_cache) /* the caches change which elements are free, not how much */
			stats_equal(&st0[n], &st);
		else
			assert_int_equal(st.alloc_count, 0);
		assert_int_equal(hm_memseg_mapped_bytes(n), mapped0[n]);
		assert_int_equal(pages_in_use(n, MB2), 0);
		if (hm_test_has_page_sz(KB4))
			assert_int_equal(pages_in_use(n, KB4), 0);
	}
	assert_no_warnings();
	free(m.s.b);
}

#endif /* HUGEMEM_TEST_MALLOC_TEST_COMMON_H */
