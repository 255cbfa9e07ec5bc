/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of malloc's per-lcore caches (core/malloc/malloc.c, "lcore caches") on
 * the emu backend: the error contract (--malloc-cache, double free, validate and
 * realloc of a cached block, flush before init and inside a memseg walk), LIFO
 * reuse within a 64-byte class, what never goes through a cache (non-lcore
 * threads, other nodes, aligned requests and padded blocks, blocks above 1 KiB,
 * external heaps, memzones), refill by runs and give-back of the older half,
 * stats that count cached blocks as free, flush and page release, the ENOMEM
 * flush-and-retry, unregister and cleanup flushes, the validator's cache
 * cross-check, dumps, the refill corner where a run leaves a PAD gap, a
 * randomised model over two nodes with a small cap, and two lcore threads
 * exchanging blocks.
 *
 * White box: the tests read element headers (malloc_i.h) to see a block's state
 * (CACHED, FREE, BUSY, PAD) and walk a heap's address list to count CACHED
 * elements; they do so only while no other thread touches that heap.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "shadow_model.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "malloc_i.h" /* HM_DEBUG, ELEM_* layout, struct malloc_elem, struct malloc_heap */

#define KB 1024ULL
#define MB (1024ULL * 1024)

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1";
/* 256 KiB of 4K pages on one node: small enough to fill */
static const char *const TOPO_TINY = "nodes=1;4K=64;lcores=0@0";
/* the main lcore and two more, all on node 0 */
static const char *const TOPO_3L = "nodes=1;2M=64;4K=256;lcores=0@0,1@0,2@0";

/* ------------------------------------------------------------------ helpers */

static int
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

static struct malloc_elem *
elem_of(const void *p)
{
	return (struct malloc_elem *)((uintptr_t)p - ELEM_HEADER_LEN);
}

static uint8_t
state_of(const void *p)
{
	return elem_state(elem_of(p));
}

/* Node @p node's heap (white box), found through a block too large for a cache. */
static struct malloc_heap *
heap_of_node(int node)
{
	char *p = hm_malloc_socket("probe", 2000, 0, node);
	struct malloc_heap *h;

	assert_non_null(p);
	h = elem_of(p)->heap;
	assert_int_equal(hm_free(p), 0);
	return h;
}

/* CACHED elements in @p h (single-threaded callers, or other threads parked). */
static unsigned int
cached_in(const struct malloc_heap *h)
{
	unsigned int n = 0;

	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		n += elem_state(e) == ELEM_CACHED;
	return n;
}

/* Element bytes of the CACHED elements in @p h (callers as cached_in). */
static uint64_t
cached_bytes_in(const struct malloc_heap *h)
{
	uint64_t n = 0;

	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		n += elem_state(e) == ELEM_CACHED ? e->size : 0;
	return n;
}

/* The stats' lcore-cache fields of node @p node agree with the CACHED elements
 * of @p h; @return the stats. */
static struct hm_malloc_socket_stats
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
static void
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
static uint64_t
usable_of(const void *p)
{
	return elem_of(p)->size - ELEM_OVERHEAD;
}

/* Allocate blocks of @p size / @p align on node 0 until ENOMEM; @return how many. */
static unsigned int
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

/* ------------------------------------------------------------------ invalid args */

struct walk_run {
	void *to_free;
	int calls, flush_rc, free_rc, malloc_err;
	void *got;
};

static int
walk_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct walk_run *w = arg;
	(void)msl;
	(void)ms;

	if (w->calls++ == 0) {
		w->flush_rc = hm_malloc_cache_flush();
		w->free_rc = hm_free(w->to_free);
		hm_errno = 0;
		w->got = hm_malloc("walk", 100, 0);
		w->malloc_err = hm_errno;
	}
	return 0;
}

static void *
flush_thread(void *arg)
{
	int *rc = arg;

	*rc = hm_malloc_cache_flush(); /* no lcore: nothing to flush */
	return NULL;
}

static void
parse_one(const char *arg, int want_rc, unsigned int want_n, bool want_off)
{
	struct hm_config c, before;
	char *argv[] = { (char *)"prog", (char *)arg, NULL };

	hm_config_init(&c);
	c.malloc_cache = 6; /* something to see unchanged */
	before = c;
	int rc = hm_config_parse(&c, 2, argv);
	if (rc != want_rc)
		fail_msg("'%s': rc %d, expected %d (%s)", arg, rc, want_rc, hm_last_error());
	if (rc < 0) {
		if (strstr(hm_last_error(), "--malloc-cache") == NULL)
			fail_msg("'%s': the error does not name --malloc-cache: %s", arg,
				 hm_last_error());
		assert_memory_equal(&c, &before, sizeof(c));
	} else {
		assert_int_equal(c.malloc_cache, want_n);
		assert_int_equal(c.no_malloc_cache, want_off);
	}
}

static void
test_malloc_cache_invalid_args(void **state)
{
	struct hm_config c;
	size_t sz;
	(void)state;

	/* before hm_init */
	assert_int_equal(hm_malloc_cache_flush(), -ENODEV);

	/* --malloc-cache: 0 (off), or even 2..512 */
	parse_one("--malloc-cache=0", 1, 0, true);
	parse_one("--malloc-cache=2", 1, 2, false);
	parse_one("--malloc-cache=512", 1, 512, false);
	parse_one("--malloc-cache=32", 1, 32, false);
	parse_one("--malloc-cache=1", -EINVAL, 0, false);
	parse_one("--malloc-cache=3", -EINVAL, 0, false);
	parse_one("--malloc-cache=514", -EINVAL, 0, false);
	parse_one("--malloc-cache=-2", -EINVAL, 0, false);
	parse_one("--malloc-cache=x", -EINVAL, 0, false);
	parse_one("--malloc-cache=", -EINVAL, 0, false);
	parse_one("--malloc-cache=2x", -EINVAL, 0, false);
	parse_one("--malloc-cache=+2", -EINVAL, 0, false);
	parse_one("--malloc-cache= 2", -EINVAL, 0, false);
	parse_one("--malloc-cache=18446744073709551618", -EINVAL, 0, false);
	parse_one("--malloc-cache=4294967298", -EINVAL, 0, false);

	/* the same rule for a config filled in by hand */
	log_start();
	hm_test_quiet_log();
	static const unsigned int bad[] = { 1, 3, 513, 514, 1024, 4294967294u };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hm_config_init(&c);
		c.topology = TOPO2;
		c.malloc_cache = bad[i];
		int rc = hm_test_init_cfg(&c);
		if (rc != -EINVAL)
			fail_msg("malloc_cache %u: hm_init_config returned %d, expected -EINVAL",
				 bad[i], rc);
		assert_false(hm_initialized());
		assert_non_null(strstr(hm_last_error(), "malloc-cache"));
	}
	hm_log_set_hook(NULL, NULL);
	log_start();

	assert_int_equal(init_cache(TOPO2, 4), 0);
	struct malloc_heap *h0 = heap_of_node(0);

	/* NULL is a no-op on an lcore too; bogus pointers are refused (the cache
	 * path must not trip on them either) */
	char stack_var[128] __attribute__((aligned(64)));
	assert_int_equal(hm_free(NULL), 0);
	assert_int_equal(hm_free((void *)(uintptr_t)0x10), -EINVAL);
	assert_int_equal(hm_free((void *)(uintptr_t)64), -EINVAL);
	assert_int_equal(hm_free(stack_var + 64), -EINVAL);
	char *live = hm_malloc("t", 300, 0);
	assert_non_null(live);
	assert_int_equal(hm_free(live + 1), -EINVAL);
	assert_int_equal(hm_free(live + 64), -EINVAL);
	assert_int_equal(hm_free(live + 128), -EINVAL);
	assert_int_equal(state_of(live), ELEM_BUSY);
	assert_int_equal(hm_free(live), 0);
	assert_int_equal(hm_free(live + 64), -EINVAL);
	/* a block whose page went back with the flush */
	assert_true(hm_malloc_cache_flush() > 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_free(live), -EINVAL);
	assert_int_equal(hm_malloc_validate(live, NULL), -EINVAL);

	/* a cached block: double free, validate, realloc refused; nothing changes */
	char *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(state_of(p), ELEM_CACHED);
	unsigned int nc = cached_in(h0);
	struct hm_malloc_socket_stats st = stats_of(0), st2;
	assert_int_equal(hm_free(p), -EINVAL);
	assert_int_equal(hm_malloc_validate(p, &sz), -EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(p, 200, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(p, 50, 0));
	assert_int_equal(hm_errno, EINVAL);
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(state_of(p), ELEM_CACHED);
	assert_heaps_valid();
	if (HM_DEBUG >= 1)
		assert_true(all_bytes(p, usable_of(p), MALLOC_POISON));
	/* and it is still there for the next malloc of its class */
	assert_ptr_equal(hm_malloc("t", 100, 0), p);
	assert_int_equal(hm_free(p), 0);

	/* inside a memseg walk: flush, free and malloc are refused, nothing changes */
	struct walk_run w = { 0 };
	w.to_free = hm_malloc("walk", 100, 0);
	assert_non_null(w.to_free);
	nc = cached_in(h0);
	st = stats_of(0);
	assert_int_equal(hm_memseg_walk(walk_cb, &w), 0);
	assert_true(w.calls > 0);
	assert_int_equal(w.flush_rc, -EDEADLK);
	assert_int_equal(w.free_rc, -EDEADLK);
	assert_null(w.got);
	assert_int_equal(w.malloc_err, EDEADLK);
	assert_int_equal(state_of(w.to_free), ELEM_BUSY);
	assert_int_equal(cached_in(h0), nc);
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	assert_int_equal(hm_free(w.to_free), 0);

	/* a thread without an lcore has no cache */
	pthread_t t;
	int trc = -1;
	assert_int_equal(pthread_create(&t, NULL, flush_thread, &trc), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(trc, 0);

	/* debug builds: an overrun block is refused with -EFAULT and not cached */
	if (HM_DEBUG >= 1) {
		char *g = hm_malloc("guardtag", 100, 0);
		assert_non_null(g);
		nc = cached_in(h0);
		st = stats_of(0);
		g[100] ^= 0x55;
		assert_int_equal(hm_free(g), -EFAULT);
		assert_non_null(strstr(hm_last_error(), "guardtag"));
		assert_int_equal(state_of(g), ELEM_BUSY);
		assert_int_equal(cached_in(h0), nc);
		st2 = stats_of(0);
		stats_equal(&st, &st2);
		g[100] ^= 0x55;
		assert_int_equal(hm_free(g), 0);
		assert_int_equal(state_of(g), ELEM_CACHED);
	}
	assert_true(hm_malloc_cache_flush() > 0);
	assert_int_equal(hm_malloc_cache_flush(), 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_malloc_cache_flush(), -ENODEV);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ reuse */

/* LIFO within a 64-byte class, for malloc, zmalloc, calloc, align <= 64 and the
 * lcore's own node; poison on cached data (debug). */
static void
test_malloc_cache_lifo(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0);

	char *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_int_equal(usable_of(p), 128);
	memset(p, 0x11, 100);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(state_of(p), ELEM_CACHED);
	if (HM_DEBUG >= 1)
		assert_true(all_bytes(p, 128, MALLOC_POISON));
	/* same size, then other sizes of the class 65..128 */
	assert_ptr_equal(hm_malloc("t", 100, 0), p);
	assert_int_equal(state_of(p), ELEM_BUSY);
	assert_int_equal(hm_free(p), 0);
	assert_ptr_equal(hm_malloc("t", 65, 0), p);
	assert_int_equal(hm_free(p), 0);
	assert_ptr_equal(hm_malloc("t", 128, 32), p);
	assert_int_equal(hm_free(p), 0);
	assert_ptr_equal(hm_malloc_socket("t", 128, 64, 0), p);
	assert_int_equal(hm_free(p), 0);
	assert_ptr_equal(hm_malloc_socket("t", 128, 0, HM_SOCKET_ID_ANY), p);
	memset(p, 0x22, 128);
	assert_int_equal(hm_free(p), 0);
	/* zeroed whatever the cached block held */
	char *z = hm_zmalloc("t", 120, 0);
	assert_ptr_equal(z, p);
	assert_true(all_bytes(z, 120, 0));
	memset(z, 0x33, 120);
	assert_int_equal(hm_free(z), 0);
	z = hm_calloc("t", 3, 40, 0);
	assert_ptr_equal(z, p);
	assert_true(all_bytes(z, 120, 0));
	memset(z, 0x44, 120);
	assert_int_equal(hm_free(z), 0);
	z = hm_zmalloc_socket("t", 90, 0, 0);
	assert_ptr_equal(z, p);
	assert_true(all_bytes(z, 90, 0));
	assert_int_equal(hm_free(z), 0);
	z = hm_calloc_socket("t", 10, 9, 0, HM_SOCKET_ID_ANY);
	assert_ptr_equal(z, p);
	assert_true(all_bytes(z, 90, 0));
	assert_int_equal(hm_free(z), 0);
	/* another class does not take it */
	char *q = hm_malloc("t", 64, 0);
	assert_non_null(q);
	assert_ptr_not_equal(q, p);
	assert_int_equal(usable_of(q), 64);
	char *r = hm_malloc("t", 129, 0);
	assert_non_null(r);
	assert_ptr_not_equal(r, p);
	assert_int_equal(state_of(p), ELEM_CACHED);
	/* the stack: last in, first out */
	char *a = hm_malloc("t", 500, 0), *b = hm_malloc("t", 500, 0), *c = hm_malloc("t", 500, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(hm_free(b), 0);
	assert_int_equal(hm_free(a), 0);
	assert_int_equal(hm_free(c), 0);
	assert_ptr_equal(hm_malloc("t", 500, 0), c);
	assert_ptr_equal(hm_malloc("t", 450, 0), a);
	assert_ptr_equal(hm_malloc("t", 449, 0), b);
	/* the type tag of the new owner */
	char *tagged = hm_malloc("newtag", 500, 0);
	assert_non_null(tagged);
	assert_int_equal(hm_free(tagged), 0);
	assert_ptr_equal(hm_malloc("othertag", 500, 0), tagged);
	assert_int_equal(strncmp(elem_of(tagged)->busy.type, "othertag", 8), 0);
	size_t sz;
	assert_int_equal(hm_malloc_validate(tagged, &sz), 0);
	assert_true(sz >= 500);
	assert_int_equal(hm_free(tagged), 0);
	/* 1 KiB is the largest cached size */
	char *k = hm_malloc("t", 1024, 0);
	assert_non_null(k);
	assert_int_equal(hm_free(k), 0);
	assert_int_equal(state_of(k), ELEM_CACHED);
	assert_ptr_equal(hm_malloc("t", 961, 0), k);
	assert_int_equal(hm_free(k), 0);

	assert_heaps_valid();
	for (char **v = (char *[]){ a, b, c, q, r, NULL }; *v != NULL; v++)
		assert_int_equal(hm_free(*v), 0);
	assert_true(cached_in(h0) > 0);
	assert_int_equal(hm_malloc_cache_flush() > 0, 1);
	assert_int_equal(cached_in(h0), 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(stats_of(0).heap_totalsz_bytes, 0);
	assert_no_warnings();
}

static void *
noreg_free_thread(void *arg)
{
	void **v = arg;

	v[1] = hm_malloc("noreg", 100, 0);
	if (v[1] != NULL)
		memset(v[1], 0x5a, 100);
	v[2] = (void *)(intptr_t)hm_free(v[0]);
	return NULL;
}

/* What never goes through a cache: each of these frees reaches the heap at once
 * and each of these mallocs leaves the cache alone. */
static void
test_malloc_cache_bypass(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0), *h1 = heap_of_node(1);

	/* park one block of the 65..128 class */
	char *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	unsigned int nc = cached_in(h0);
	assert_true(nc >= 1);

	/* another node: neither served from nor freed into the cache */
	char *o = hm_malloc_socket("t", 100, 0, 1);
	assert_non_null(o);
	assert_ptr_not_equal(o, p);
	assert_int_equal(node_of(o), 1);
	assert_int_equal(hm_free(o), 0);
	assert_int_equal(cached_in(h1), 0);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(stats_of(1).alloc_count, 0);

	/* alignment above 64: not served from the cache */
	char *al = hm_malloc("t", 100, 128);
	assert_non_null(al);
	assert_ptr_not_equal(al, p);
	assert_int_equal((uintptr_t)al % 128, 0);
	assert_int_equal(cached_in(h0), nc);
	char *al2 = hm_zmalloc("t", 100, 4096);
	assert_non_null(al2);
	assert_int_equal((uintptr_t)al2 % 4096, 0);
	assert_int_equal(cached_in(h0), nc);

	/* above 1 KiB: straight back to the heap */
	char *big = hm_malloc("t", 1025, 0);
	assert_non_null(big);
	assert_int_equal(cached_in(h0), nc);
	uint64_t big_size = elem_of(big)->size;
	struct hm_malloc_socket_stats st = stats_of(0);
	assert_int_equal(hm_free(big), 0);
	assert_int_equal(cached_in(h0), nc);
	struct hm_malloc_socket_stats st2 = stats_of(0);
	assert_int_equal(st2.alloc_count, st.alloc_count - 1);
	assert_true(st2.heap_totalsz_bytes < st.heap_totalsz_bytes ||
		    st2.heap_freesz_bytes >= st.heap_freesz_bytes + big_size);

	/* a non-lcore thread: its malloc comes from the heap, its free goes back to it */
	void *v[3] = { hm_malloc("t", 200, 0), NULL, NULL };
	assert_non_null(v[0]);
	nc = cached_in(h0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, noreg_free_thread, v), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal((int)(intptr_t)v[2], 0);
	assert_non_null(v[1]);
	assert_ptr_not_equal(v[1], p);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(state_of(v[1]), ELEM_BUSY);
	/* ... while the main lcore's free of its block does use the cache */
	assert_int_equal(hm_free(v[1]), 0);
	assert_int_equal(cached_in(h0), nc + 1);

	/* a memzone: reserved from the heap, freed to the heap */
	nc = cached_in(h0);
	const struct hm_memzone *mz = hm_memzone_reserve("mc_mz", 100, 0, 0);
	assert_non_null(mz);
	assert_ptr_not_equal(mz->addr, p);
	assert_int_equal(cached_in(h0), nc);
	assert_true(all_bytes(mz->addr, 100, 0));
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_int_equal(cached_in(h0), nc);

	/* an external heap */
	const size_t ext_len = 16 * KB;
	char *map = mmap(NULL, ext_len + 4 * KB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	char *ext = (char *)HM_ALIGN_CEIL((uintptr_t)map, 4 * KB);
	assert_int_equal(hm_malloc_heap_create("mc_ext"), 0);
	assert_int_equal(hm_malloc_heap_memory_add("mc_ext", ext, ext_len, NULL, 0, 4 * KB), 0);
	int es = hm_malloc_heap_get_socket("mc_ext");
	assert_true(es >= HM_MALLOC_EXT_SOCKET_BASE);
	char *e1 = hm_malloc_socket("t", 100, 0, es);
	assert_non_null(e1);
	assert_ptr_not_equal(e1, p);
	struct malloc_heap *hx = elem_of(e1)->heap;
	assert_int_equal(hm_free(e1), 0);
	assert_int_equal(cached_in(hx), 0);
	assert_int_equal(stats_of(es).alloc_count, 0);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(hm_malloc_heap_memory_remove("mc_ext", ext, ext_len), 0);
	assert_int_equal(hm_malloc_heap_destroy("mc_ext"), 0);
	munmap(map, ext_len + 4 * KB);

	/* the aligned blocks: padding-free ones may be cached, the cache serves
	 * them again only to requests of at most 64-byte alignment */
	assert_int_equal(hm_free(al), 0);
	assert_int_equal(hm_free(al2), 0);
	assert_heaps_valid();
	assert_true(hm_malloc_cache_flush() > 0);
	assert_int_equal(cached_in(h0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(1), 0);
	assert_heaps_valid();
	assert_no_warnings();
}

static void *
free_thread(void *arg)
{
	void **v = arg;

	v[1] = (void *)(intptr_t)hm_free(v[0]);
	return NULL;
}

/* hm_free from a thread without an lcore: straight to the heap. */
static void
free_off_lcore(void *p)
{
	void *v[2] = { p, (void *)(intptr_t)-1 };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, free_thread, v), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal((int)(intptr_t)v[1], 0);
}

struct fill_run {
	void **keep;
	unsigned int max, n, n2;
	size_t sizes[2];
	int err;
};

/* Fill node 0 with blocks of sizes[0] and sizes[1] in turn until ENOMEM (keep[0..n)),
 * then with 64-byte blocks (keep[n..n2)). For threads without an lcore. */
static void *
fill_thread(void *arg)
{
	struct fill_run *r = arg;
	void *p;

	r->n = 0;
	while (r->n < r->max &&
	       (p = hm_malloc_socket("fill", r->sizes[r->n % 2], 0, 0)) != NULL)
		r->keep[r->n++] = p;
	r->n2 = r->n;
	while (r->n2 < r->max && (p = hm_malloc_socket("fill", 64, 0, 0)) != NULL)
		r->keep[r->n2++] = p;
	r->err = hm_errno;
	return NULL;
}

/* A block with alignment padding (a PAD header before its data) is never cached,
 * even when its size would fit a cache class. */
static void
test_malloc_cache_padded_block(void **state)
{
	static void *keep[2048];
	unsigned int n, n2;
	char *padded = NULL;
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO_TINY, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	/* fill from a thread without an lcore (the heap carves every block, from
	 * the top down), with blocks of two sizes so that holes of both parities
	 * of 64 exist, then the smallest blocks into every fragment: no free
	 * element is left */
	struct fill_run fr = { .keep = keep, .max = 2048, .sizes = { 448, 512 } };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, fill_thread, &fr), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(fr.err, ENOMEM);
	n = fr.n;
	n2 = fr.n2;
	assert_true(n > 8 && n2 < 2048);
	for (const struct malloc_elem *e = h0->first; e != NULL; e = e->next)
		assert_int_not_equal(elem_state(e), ELEM_FREE);
	/* free one block at a time (both neighbours busy) into the heap and ask
	 * for an aligned block that fits it with a front of 64 bytes or more: a
	 * PAD header when the front is too small for an element */
	for (unsigned int i = 0; i < n && padded == NULL; i++) {
		struct malloc_elem *e = elem_of(keep[i]);
		if (e->pad != 0 || e->prev == NULL || e->next == NULL ||
		    elem_state(e->prev) != ELEM_BUSY || elem_state(e->next) != ELEM_BUSY)
			continue;
		uint64_t hole = e->size;
		free_off_lcore(keep[i]);
		keep[i] = NULL;
		for (uint64_t j = 1; j <= 3 && padded == NULL; j++) {
			char *q = hm_malloc_socket("pad", hole - ELEM_OVERHEAD - 64 * j, 128, 0);
			assert_non_null(q);
			if (elem_state(elem_of(q)) == ELEM_PAD)
				padded = q;
			else
				free_off_lcore(q); /* the hole forms again */
		}
	}
	assert_non_null(padded);
	assert_heaps_valid();
	struct malloc_elem *real = (struct malloc_elem *)((char *)elem_of(padded) -
							  elem_of(padded)->pad);
	assert_int_equal(elem_state(real), ELEM_BUSY);
	assert_true(real->size - ELEM_OVERHEAD <= HM_MALLOC_CACHE_SIZE_MAX);
	unsigned int nc = cached_in(h0);
	assert_int_equal(hm_free(padded), 0);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(elem_state(real), ELEM_FREE);
	assert_heaps_valid();
	free_all_empty_node0(keep, n2);
}

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
		for (unsigned int i = n; i > 1; i--) {
			unsigned int j = (unsigned int)(hm_test_rand(&rs) % i);
			char *t = v[j];
			v[j] = v[i - 1];
			v[i - 1] = t;
		}
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
	/* fill: blocks exactly the hole's size (too big for the cache), then the
	 * smallest blocks into every fragment (once no run fits, these come from
	 * the heap; the final ENOMEM flushed the cache): no free element is left */
	unsigned int n = fill(keep, 4096, hole - ELEM_OVERHEAD, 0);
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
	assert_int_equal(hm_free(keep[hi]), 0);
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
	/* a live block flagged CACHED without being in any cache */
	char *q = hm_malloc("t", 2000, 0);
	assert_non_null(q);
	elem_of(q)->state = ELEM_CACHED;
	expect_corrupt("CACHED element in no cache");
	elem_of(q)->state = ELEM_BUSY;
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
		cmocka_unit_test_teardown(test_malloc_cache_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_lifo, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_bypass, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_padded_block, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_refill_and_give_back, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_give_back_scattered, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_refill_pad_gap, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_refill_short_run, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_flush_returns_pages, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_enomem_flushes, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_unregister_flushes, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_cleanup_no_leak, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_check_detects_corruption,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_dumps, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_off, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_threads_exchange, hm_test_teardown),
	};

	hm_test_backend_ready();
	if (!hm_test_is_emu())
		hm_test_skip_all("white-box tests of the lcore caches on emu topologies");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
