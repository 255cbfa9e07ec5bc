/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the lcore malloc cache programs share (test_malloc_cache.c,
 * test_malloc_cache_runs.c, test_malloc_cache_model.c): their emu topologies,
 * init with a cache cap (0: caches off), white-box reads of element headers
 * (state, usable size) and of a heap's address list (CACHED elements and
 * bytes, stats against them), and filling node 0. Include after helpers.h
 * (cmocka); single-threaded callers for the heap walks.
 */
#ifndef HUGEMEM_TEST_MALLOC_CACHE_TEST_COMMON_H
#define HUGEMEM_TEST_MALLOC_CACHE_TEST_COMMON_H

#include <stdint.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "hugemem/hugemem.h"
#include "malloc_i.h" /* HM_DEBUG, ELEM_* layout, struct malloc_elem, struct malloc_heap */

#define KB 1024ULL
#define MB (1024ULL * 1024)

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1";
/* 256 KiB of 4K pages on one node: small enough to fill */
static const char *const TOPO_TINY = "nodes=1;4K=64;lcores=0@0";
/* the main lcore and two more, all on node 0 */
static const char *const TOPO_3L = "nodes=1;2M=64;4K=256;lcores=0@0,1@0,2@0";

/* ------------------------------------------------------------------ helpers */

static inline int
init_cache(const char *topo, unsigned int cap)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	if (cap == 0)
		c.no_malloc_cache = true;
	else
		c.malloc_cache = cap;
	return hm_test_init_cfg(&c);
}

static inline struct malloc_elem *
elem_of(const void *p)
{
	return (struct malloc_elem *)((uintptr_t)p - ELEM_HEADER_LEN);
}

static inline uint8_t
state_of(const void *p)
{
	return elem_state(elem_of(p));
}

/* Node @p node's heap (white box), found through a block too large for a cache. */
static inline struct malloc_heap *
heap_of_node(int node)
{
	char *p = hm_malloc_socket("probe", 8000, 0, node);
	struct malloc_heap *h;

	assert_non_null(p);
	h = elem_of(p)->heap;
	assert_int_equal(hm_free(p), 0);
	return h;
}

/* CACHED elements in @p h (single-threaded callers, or other threads parked). */
static inline unsigned int
cached_in(const struct malloc_heap *h)
{
	unsigned int n = 0;

	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		n += elem_state(e) == ELEM_CACHED;
	return n;
}

/* Element bytes of the CACHED elements in @p h (callers as cached_in). */
static inline uint64_t
cached_bytes_in(const struct malloc_heap *h)
{
	uint64_t n = 0;

	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		n += elem_state(e) == ELEM_CACHED ? e->size : 0;
	return n;
}

/* The stats' lcore-cache fields of node @p node agree with the CACHED elements
 * of @p h; @return the stats. */
static inline struct hm_malloc_socket_stats
stats_cached_match(int node, const struct malloc_heap *h)
{
	struct hm_malloc_socket_stats st = stats_of(node);

	assert_int_equal(st.cached_count, cached_in(h));
	assert_int_equal(st.cached_bytes, cached_bytes_in(h));
	assert_true(st.cached_bytes <= st.heap_freesz_bytes);
	assert_true(st.cached_count <= st.free_count);
	return st;
}

/* Free the blocks of @p keep[0..n) still set, flush the cache: node 0's heap
 * is valid and empty (every page back), and nothing was logged. */
static inline void
free_all_empty_node0(void **keep, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (keep[i] != NULL)
			assert_int_equal(hm_free(keep[i]), 0);
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* Usable bytes of the element behind @p p (header, trailer excluded). */
static inline uint64_t
usable_of(const void *p)
{
	return elem_of(p)->size - ELEM_OVERHEAD;
}

/* Allocate blocks of @p size / @p align on node 0 until ENOMEM; @return how many. */
static inline unsigned int
fill(void **keep, unsigned int max, size_t size, unsigned int align)
{
	unsigned int n = 0;

	while (n < max) {
		void *p = hm_malloc_socket("fill", size, align, 0);
		if (p == NULL) {
			assert_int_equal(hm_errno, ENOMEM);
			break;
		}
		keep[n++] = p;
	}
	assert_true(n < max);
	return n;
}

/* main(): the backend under test ready; every test skipped off emu. */
static inline void
malloc_cache_backend_ready(void)
{
	hm_test_backend_ready();
	if (!hm_test_is_emu())
		hm_test_skip_all("white-box tests of the lcore caches on emu topologies");
}

#endif /* HUGEMEM_TEST_MALLOC_CACHE_TEST_COMMON_H */
