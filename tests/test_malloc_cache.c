/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of malloc's per-lcore caches (core/malloc/malloc.c, "lcore caches") on
 * the emu backend, part 1: the error contract (--malloc-cache, double free,
 * validate and realloc of a cached block, flush before init and inside a memseg
 * walk), LIFO reuse within a 64-byte class, what never goes through a cache
 * (non-lcore threads, other nodes, aligned requests and padded blocks, blocks
 * above 4 KiB, external heaps, memzones). Part 2 (test_malloc_cache_runs.c):
 * refill by runs and give-back of the older half, flush and page release, the
 * ENOMEM flush-and-retry, unregister and cleanup flushes. Part 3
 * (test_malloc_cache_model.c): the validator's cache cross-check, dumps, caches
 * off, a randomised model over two nodes with a small cap, and two lcore
 * threads exchanging blocks.
 *
 * White box: the tests read element headers (malloc_i.h) to see a block's state
 * (CACHED, FREE, BUSY, PAD) and walk a heap's address list to count CACHED
 * elements; they do so only while no other thread touches that heap
 * (malloc_cache_test_common.h).
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
	/* 1 KiB is the largest 64-byte class */
	char *k = hm_malloc("t", 1024, 0);
	assert_non_null(k);
	assert_int_equal(hm_free(k), 0);
	assert_int_equal(state_of(k), ELEM_CACHED);
	assert_ptr_equal(hm_malloc("t", 961, 0), k);
	assert_int_equal(hm_free(k), 0);
	/* above it, quarter powers of two (test_malloc_cache_big.c): 1793..2048 */
	char *k2 = hm_malloc("t", 2048, 0), *k3 = hm_malloc("t", 2048, 0);
	assert_non_null(k2);
	assert_non_null(k3);
	assert_int_equal(hm_free(k3), 0);
	assert_int_equal(state_of(k3), ELEM_CACHED);
	assert_ptr_equal(hm_malloc("t", 1793, 0), k3);
	assert_int_equal(hm_free(k3), 0);
	assert_int_equal(hm_free(k2), 0);

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

	/* above 4 KiB: straight back to the heap */
	char *big = hm_malloc("t", 4097, 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_cache_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_lifo, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_bypass, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_padded_block, hm_test_teardown),
	};

	malloc_cache_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
