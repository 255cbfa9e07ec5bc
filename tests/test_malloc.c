/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc heap conformance tests on the emu backend: the error contract, a
 * randomised model test against a shadow map of live blocks, and targeted tests
 * of DPDK's rules (LIFO reuse, allocation from the top of an element, alignment
 * and bound, growth by the pages a request needs and release of whole free pages,
 * preallocated pages kept, socket policy and fallback, exhaustion, zeroed
 * zmalloc, stats, realloc, external heaps, leak report, threads).
 *
 * The tests use emu topology strings, which hm_test_init_cfg turns into caps on
 * the machine under hugetlbfs; a test that needs a second node uses node
 * hm_test_node_b() (node 0 on one-node machines) and the growth rules are stated
 * for the smallest page size the backend offers (emu: 4K; hugetlbfs: 2M). Fault
 * injection (pool=, nth=, every=) is an emu feature. Some tests look inside
 * element headers (malloc_i.h) where the public API cannot show a rule (PAD
 * headers, trailer size).
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

static int
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
static void
assert_valid(void)
{
	const char *why = NULL;

	assert_heaps_valid();
	if (hm_memseg_check(&why) != 0)
		fail_msg("memseg check: %s", why != NULL ? why : "?");
}

static int
pages_in_use(int node, uint64_t page_sz)
{
	return hm_test_pages_in_use(node, page_sz);
}

/* The smallest page size of the backend under test: a fresh heap grows by it. */
static uint64_t
small_page(void)
{
	return hm_test_has_page_sz(KB4) ? KB4 : MB2;
}

/* The heap of node @p node (white box: read from a probe block's header). */
static const struct malloc_heap *
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
static void
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

/* ------------------------------------------------------------------ invalid args */

static void
check_bad_ptr(void *p, const struct hm_malloc_socket_stats *before)
{
	size_t sz = 12345;
	struct hm_malloc_socket_stats st;

	assert_int_equal(hm_free(p), -EINVAL);
	assert_int_equal(hm_malloc_validate(p, &sz), -EINVAL);
	assert_int_equal(sz, 12345);
	hm_errno = 0;
	assert_null(hm_realloc(p, 128, 0));
	assert_int_equal(hm_errno, EINVAL);
	st = stats_of(0);
	stats_equal(before, &st);
	assert_valid();
}

static void
test_malloc_invalid_args(void **state)
{
	struct hm_malloc_socket_stats st, st2;
	uint64_t stack_var[16] = { 0 };
	char name[HM_MALLOC_HEAP_NAME_LEN + 1];
	size_t sz;
	/* foreign memory; static so that a skip (hugetlbfs suite) cannot leak it */
	static uint64_t libc_buf[512];
	void *libc = libc_buf;
	char *p, *q, *r;
	FILE *f;
	char *out = NULL;
	size_t out_len = 0;
	(void)state;

	log_start();
	assert_false(hm_initialized());
	/* before init: everything says ENODEV */
	hm_errno = 0;
	assert_null(hm_malloc("t", 64, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_zmalloc("t", 64, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_calloc("t", 2, 64, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_realloc(NULL, 64, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_realloc(stack_var, 64, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_malloc_socket("t", 64, 0, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_zmalloc_socket("t", 64, 0, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_calloc_socket("t", 2, 64, 0, 0));
	assert_int_equal(hm_errno, ENODEV);
	hm_errno = 0;
	assert_null(hm_realloc_socket(NULL, 64, 0, 0));
	assert_int_equal(hm_errno, ENODEV);
	assert_int_equal(hm_free(stack_var), -ENODEV);
	assert_int_equal(hm_free(NULL), 0);
	assert_int_equal(hm_malloc_validate(stack_var, &sz), -ENODEV);
	hm_errno = 0;
	assert_true(hm_malloc_virt2iova(stack_var) == HM_BAD_IOVA);
	assert_int_equal(hm_errno, ENODEV);
	assert_int_equal(hm_malloc_get_socket_stats(0, &st), -ENODEV);
	hm_malloc_dump_stats(NULL);
	hm_malloc_dump_heaps(NULL);
	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	hm_malloc_dump_stats(f);
	hm_malloc_dump_heaps(f);
	fclose(f);
	assert_non_null(strstr(out, "not initialised"));
	free(out);
	assert_int_equal(hm_malloc_check(NULL), -ENODEV);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_int_equal(hm_malloc_heap_create("ext"), -ENODEV);
	assert_int_equal(hm_malloc_heap_destroy("ext"), -ENODEV);
	assert_int_equal(hm_malloc_heap_memory_add("ext", libc, 4096, NULL, 0, 4096), -ENODEV);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", libc, 4096), -ENODEV);
	assert_int_equal(hm_malloc_heap_get_socket("ext"), -ENODEV);
	assert_int_equal(hm_malloc_heap_socket_is_external(HM_MALLOC_EXT_SOCKET_BASE), -ENODEV);

	assert_int_equal(init_topo(TOPO2), 0);
	hm_malloc_dump_stats(NULL);
	hm_malloc_dump_heaps(NULL);
	assert_valid();
	st = stats_of(0);

	/* sizes and alignments */
	hm_errno = 0;
	assert_null(hm_malloc("t", 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_malloc("t", SIZE_MAX, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_malloc("t", 1ULL << 47, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_malloc("t", 64, 3));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_malloc("t", 64, 48));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_malloc("t", 64, 1u << 31)); /* valid, but no node has that much */
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_zmalloc("t", 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_zmalloc("t", 64, 3));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_calloc("t", SIZE_MAX / 2 + 1, 2, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_calloc("t", 2, SIZE_MAX / 2 + 1, 0));
	assert_int_equal(hm_errno, ENOMEM);
	hm_errno = 0;
	assert_null(hm_calloc("t", 0, 64, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(NULL, 0, 0));
	assert_int_equal(hm_errno, EINVAL);

	/* sockets: unknown ones are errors, never node 0 */
	const int bad_sockets[] = { -2, 2, 255, 300, HM_MALLOC_EXT_SOCKET_BASE, INT32_MIN };
	for (size_t i = 0; i < sizeof(bad_sockets) / sizeof(bad_sockets[0]); i++) {
		int s = bad_sockets[i];
		hm_errno = 0;
		assert_null(hm_malloc_socket("t", 64, 0, s));
		assert_int_equal(hm_errno, EINVAL);
		hm_errno = 0;
		assert_null(hm_zmalloc_socket("t", 64, 0, s));
		assert_int_equal(hm_errno, EINVAL);
		hm_errno = 0;
		assert_null(hm_calloc_socket("t", 1, 64, 0, s));
		assert_int_equal(hm_errno, EINVAL);
		hm_errno = 0;
		assert_null(hm_realloc_socket(NULL, 64, 0, s));
		assert_int_equal(hm_errno, EINVAL);
		assert_int_equal(hm_malloc_get_socket_stats(s, &st2), -EINVAL);
		assert_int_equal(hm_malloc_heap_socket_is_external(s), 0);
	}
	assert_int_equal(hm_malloc_get_socket_stats(HM_SOCKET_ID_ANY, &st2), -EINVAL);
	assert_int_equal(hm_malloc_get_socket_stats(0, NULL), -EINVAL);
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	st2 = stats_of(hm_test_node_b());
	assert_int_equal(st2.heap_totalsz_bytes, 0); /* nothing landed on node 1 either */
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(hm_test_node_b()), 0);

	/* bad pointers: EINVAL and the heap unchanged */
	p = hm_malloc("t", 1000, 0);
	q = hm_malloc("t", 1000, 0);
	r = hm_malloc("t", 1000, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(r);
	memset(p, 0x5a, 1000);
	memset(q, 0x5b, 1000);
	memset(r, 0x5c, 1000);
	st = stats_of(0);
	check_bad_ptr(stack_var + 8, &st);
	check_bad_ptr(libc, &st);
	check_bad_ptr(p + 64, &st);
	check_bad_ptr(p + 8, &st);
	check_bad_ptr(p + 1, &st);
	check_bad_ptr((void *)(uintptr_t)16, &st);
	check_bad_ptr((char *)hm_mem_virt2memseg(p, NULL)->addr, &st); /* start of a page */
	/* a free block: q stays its own FREE element (both neighbours are busy) */
	assert_int_equal(hm_free(q), 0);
	st = stats_of(0);
	check_bad_ptr(q, &st);       /* double free */
	check_bad_ptr(q + 128, &st); /* into a free block */
	/* r joins q's free block and the free rest of the page: q's header is gone */
	assert_int_equal(hm_free(r), 0);
	st = stats_of(0);
	check_bad_ptr(q, &st);
	check_bad_ptr(r, &st);
	assert_true(all_bytes(p, 1000, 0x5a));

	/* realloc to size 0: EINVAL, block intact */
	hm_errno = 0;
	assert_null(hm_realloc(p, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(p, 64, 3));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc_socket(p, 2000, 0, 2));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(p, SIZE_MAX, 0));
	assert_int_equal(hm_errno, ENOMEM);
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	assert_true(all_bytes(p, 1000, 0x5a));
	assert_int_equal(hm_malloc_validate(p, &sz), 0);
	assert_true(sz >= 1000);
	assert_int_equal(hm_malloc_validate(p, NULL), 0);
	assert_int_equal(hm_malloc_validate(NULL, &sz), -EINVAL);
	assert_true(hm_malloc_virt2iova(p) != HM_BAD_IOVA);
	assert_true(hm_malloc_virt2iova(stack_var) == HM_BAD_IOVA);

	/* overrun (debug builds): one byte past the request is caught, the block stays */
	if (HM_DEBUG >= 1) {
		char *g = hm_malloc("guardtag", 100, 0);
		assert_non_null(g);
		char saved = g[100];
		st = stats_of(0);
		g[100] ^= 0x55;
		assert_int_equal(hm_free(g), -EFAULT);
		assert_non_null(strstr(hm_last_error(), "guardtag"));
		assert_int_equal(hm_malloc_validate(g, &sz), -EFAULT);
		hm_errno = 0;
		assert_null(hm_realloc(g, 50, 0));
		assert_int_equal(hm_errno, EFAULT);
		st2 = stats_of(0);
		stats_equal(&st, &st2);
		assert_valid();
		g[100] = saved;
		assert_int_equal(hm_malloc_validate(g, &sz), 0);
		assert_int_equal(hm_free(g), 0);
	}

	/* external heap names */
	memset(name, 'n', sizeof(name));
	name[HM_MALLOC_HEAP_NAME_LEN] = '\0'; /* 32 characters: one too many */
	assert_int_equal(hm_malloc_heap_create(NULL), -EINVAL);
	assert_int_equal(hm_malloc_heap_create(""), -EINVAL);
	assert_int_equal(hm_malloc_heap_create(name), -ENAMETOOLONG);
	assert_int_equal(hm_malloc_heap_create("socket_0"), -EEXIST);
	assert_int_equal(hm_malloc_heap_destroy(NULL), -EINVAL);
	assert_int_equal(hm_malloc_heap_destroy(""), -EINVAL);
	assert_int_equal(hm_malloc_heap_destroy("nope"), -ENOENT);
	assert_int_equal(hm_malloc_heap_destroy("socket_0"), -EINVAL);
	assert_int_equal(hm_malloc_heap_get_socket(NULL), -EINVAL);
	assert_int_equal(hm_malloc_heap_get_socket(""), -EINVAL);
	assert_int_equal(hm_malloc_heap_get_socket("nope"), -ENOENT);
	assert_int_equal(hm_malloc_heap_get_socket("socket_1"), hm_test_node_b() != 0 ? 1 : -ENOENT);
	name[HM_MALLOC_HEAP_NAME_LEN - 1] = '\0'; /* 31: fits */
	assert_int_equal(hm_malloc_heap_create(name), 0);
	assert_true(hm_malloc_heap_get_socket(name) >= HM_MALLOC_EXT_SOCKET_BASE);
	assert_int_equal(hm_malloc_heap_destroy(name), 0);
	assert_int_equal(hm_malloc_heap_get_socket(name), -ENOENT);

	/* external memory */
	const size_t ext_len = 4 * MB;
	char *map = mmap(NULL, ext_len + MB2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	assert_true(map != MAP_FAILED);
	char *ext = (char *)HM_ALIGN_CEIL((uintptr_t)map, MB2);
	hm_iova_t iova[2] = { 0x100000000000ULL, 0x100000400000ULL };
	assert_int_equal(hm_malloc_heap_create("ext"), 0);
	assert_int_equal(hm_malloc_heap_create("ext"), -EEXIST);
	assert_int_equal(hm_malloc_heap_create("ext2"), 0);
	assert_int_equal(hm_malloc_heap_memory_add(NULL, ext, ext_len, iova, 2, MB2), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("", ext, ext_len, iova, 2, MB2), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("nope", ext, ext_len, iova, 2, MB2), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_add("socket_0", ext, ext_len, iova, 2, MB2),
			 -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", NULL, ext_len, iova, 2, MB2), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext + KB4, ext_len - MB2, iova, 1, MB2),
			 -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len - KB4, iova, 2, MB2),
			 -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, 0, iova, 0, MB2), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 1, MB2), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 3, MB2), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 2, 3), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 2, 0), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 2, 2048), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 2, 3 * MB), -EINVAL);
	/* memory hugemem already manages */
	char *page = hm_mem_virt2memseg(p, NULL)->addr;
	assert_int_equal(hm_malloc_heap_memory_add("ext", page, KB4, NULL, 0, KB4), -EEXIST);
	assert_valid();
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 2, MB2), 0);
	/* overlaps: the same region, a part of it, into another heap */
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, ext_len, iova, 2, MB2), -EEXIST);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext + MB2, MB2, iova, 1, MB2), -EEXIST);
	assert_int_equal(hm_malloc_heap_memory_add("ext2", ext, KB4, NULL, 0, KB4), -EEXIST);
	assert_int_equal(hm_malloc_heap_destroy("ext"), -EBUSY);
	/* removal needs the exact region, from its own heap */
	assert_int_equal(hm_malloc_heap_memory_remove(NULL, ext, ext_len), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_remove("nope", ext, ext_len), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("socket_0", ext, ext_len), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_remove("ext2", ext, ext_len), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext + MB2, MB2), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, MB2), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, ext_len + MB2), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", NULL, ext_len), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", stack_var, ext_len), -ENOENT);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", page, KB4), -ENOENT);
	int es = hm_malloc_heap_get_socket("ext");
	assert_true(es >= HM_MALLOC_EXT_SOCKET_BASE);
	assert_int_equal(hm_malloc_heap_socket_is_external(es), 1);
	assert_int_equal(hm_malloc_heap_socket_is_external(0), 0);
	assert_int_equal(hm_malloc_heap_socket_is_external(HM_SOCKET_ID_ANY), 0);
	char *e1 = hm_malloc_socket("t", 1000, 0, es);
	assert_non_null(e1);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, ext_len), -EBUSY);
	assert_int_equal(hm_malloc_heap_destroy("ext"), -EBUSY);
	assert_valid();
	assert_int_equal(hm_free(e1), 0);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, ext_len), 0);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, ext_len), -ENOENT);
	assert_int_equal(hm_malloc_heap_destroy("ext"), 0);
	assert_int_equal(hm_malloc_heap_destroy("ext"), -ENOENT);
	assert_int_equal(hm_malloc_heap_destroy("ext2"), 0);
	hm_errno = 0;
	assert_null(hm_malloc_socket("t", 64, 0, es)); /* its socket id is gone with it */
	assert_int_equal(hm_errno, EINVAL);
	munmap(map, ext_len + MB2);

	assert_int_equal(hm_free(p), 0);
	assert_valid();
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ model */

struct model {
	struct shadow s;
	uint64_t rs;
	unsigned int n_big; /* live blocks above 64 KiB */
};

static size_t
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

static unsigned int
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
static void
model_add(struct model *m, char *p, size_t size, unsigned int align, int node, bool zeroed,
	  bool big)
{
	shadow_add_new(&m->s, &m->rs, p, size, align, node, zeroed, big);
	m->n_big += big;
}

static void
test_malloc_model(void **state)
{
	const unsigned int n_ops = hm_test_ops(100000); /* fuse: 10^4 */
	struct model m = { .rs = hm_test_seed() };
	struct hm_malloc_socket_stats st0[2];
	const struct malloc_heap *heaps[2];
	int64_t mapped0[2];
	unsigned int counts[8] = { 0 }, n_nomem = 0;
	char topo[160];
	int nb = hm_test_node_b();
	(void)state;

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

/* The validator sees damage (white box: headers and counters changed by hand). */
static void
expect_corrupt(const char *what)
{
	const char *why = NULL;

	if (hm_malloc_check(&why) != -EFAULT)
		fail_msg("hm_malloc_check missed: %s", what);
	assert_non_null(why);
}

/* The same with the main lcore's malloc cache on: every small free and most
 * small mallocs go through it. */
static void
test_malloc_model_cached(void **state)
{
	with_cache = true;
	test_malloc_model(state);
}

static int
teardown_cached(void **state)
{
	with_cache = false;
	return hm_test_teardown(state);
}

static void
test_malloc_check_detects_corruption(void **state)
{
	char *a, *b, *c;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	struct malloc_heap *h = (struct malloc_heap *)heap_of_node(0);
	a = hm_malloc("t", 1000, 0);
	b = hm_malloc("t", 1000, 0);
	c = hm_malloc("t", 1000, 0);
	assert_int_equal(hm_free(b), 0); /* a FREE element between two busy ones */
	struct malloc_elem *eb = (struct malloc_elem *)(b - ELEM_HEADER_LEN);
	struct malloc_elem *ea = (struct malloc_elem *)(a - ELEM_HEADER_LEN);
	struct malloc_elem saved;
	assert_int_equal(eb->state, ELEM_FREE);
	assert_heaps_valid();

	saved = *eb;
	eb->size += 64;
	expect_corrupt("free element size grown into its neighbour");
	*eb = saved;
	eb->cookie ^= 1;
	expect_corrupt("header cookie");
	*eb = saved;
	eb->state = ELEM_BUSY;
	expect_corrupt("free element marked busy");
	*eb = saved;
	saved = *ea;
	ea->prev = ea;
	expect_corrupt("broken back link");
	*ea = saved;
	ea->state = ELEM_FREE; /* busy element claiming to be free: on no free list */
	expect_corrupt("free element on no list");
	*ea = saved;
	assert_heaps_valid();

	h->alloc_count++;
	expect_corrupt("alloc count");
	h->alloc_count--;
	h->free_bytes += 64;
	expect_corrupt("free bytes");
	h->free_bytes -= 64;
	h->total_size += 4096;
	expect_corrupt("total size");
	h->total_size -= 4096;
	unsigned int f = 39;
	h->sl_map[f] |= 1u;
	expect_corrupt("class bitmap");
	h->sl_map[f] &= ~1u;
	assert_heaps_valid();

	/* a heap page that lost its flag: the heap holds a page memseg does not give it */
	struct hm_memseg *ms = hm_mem_virt2memseg(a, NULL);
	ms->flags &= ~HM_MEMSEG_FLAG_HEAP;
	expect_corrupt("page flag");
	ms->flags |= HM_MEMSEG_FLAG_HEAP;
	assert_valid();
	assert_int_equal(hm_free(a), 0);
	assert_int_equal(hm_free(c), 0);
	assert_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ placement */

static void
test_malloc_lifo_and_top(void **state)
{
	char *a, *x, *b, *y, *c, *p;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	/* a fresh heap grows by one smallest page; the block is at its top */
	a = hm_malloc("t", 1000, 0);
	assert_non_null(a);
	const struct hm_memseg *ms = hm_mem_virt2memseg(a, NULL);
	assert_int_equal(ms->page_sz, small_page());
	assert_ptr_equal(a + 1024 + ELEM_TRAILER_LEN, (char *)ms->addr + small_page());
	/* and each next block right below the previous one */
	x = hm_malloc("t", 1000, 0);
	assert_ptr_equal(x + 1024 + ELEM_TRAILER_LEN + ELEM_HEADER_LEN, a);
	b = hm_malloc("t", 1000, 0);
	assert_ptr_equal(b + 1024 + ELEM_TRAILER_LEN + ELEM_HEADER_LEN, x);
	y = hm_malloc("t", 1000, 0);
	c = hm_malloc("t", 1000, 0);
	assert_non_null(y);
	assert_non_null(c);
	/* two free blocks of one size class: malloc hands back the last one freed */
	assert_int_equal(hm_free(x), 0);
	assert_int_equal(hm_free(y), 0);
	p = hm_malloc("t", 1000, 0);
	assert_ptr_equal(p, y);
	p = hm_malloc("t", 1000, 0);
	assert_ptr_equal(p, x);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(hm_free(b), 0);
		p = hm_malloc("t", 1000, 0);
		assert_ptr_equal(p, b);
	}
	assert_valid();
	char *v[] = { a, x, b, y, c };
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

static void
test_malloc_alignment(void **state)
{
	static const char *const topos[] = {
		"nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1;iova=shuffled;seed=7",
		"nodes=1;4K=128;lcores=0",  /* 4K pages only */
		"nodes=1;2M=16;lcores=0",   /* 2M pages only */
	};
	static const size_t sizes[] = { 1, 64, 100, 1000, 2048, 4000, 4096, 8192, 12345 };
	(void)state;

	for (size_t t = 0; t < sizeof(topos) / sizeof(topos[0]); t++) {
		if (t == 1 && !hm_test_has_page_sz(KB4)) {
			printf("# %s: no 4K pages on %s\n", topos[t], hm_test_backend());
			continue;
		}
		log_start();
		assert_int_equal(init_topo(topos[t]), 0);
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			for (uint64_t a = 64; a <= (t == 1 ? 16 * KB : MB2); a <<= 1) {
				size_t sz;
				char *p = hm_malloc("align", sizes[i], (unsigned int)a);
				if (p == NULL)
					fail_msg("%s: %zu bytes aligned to %" PRIu64 ": %s",
						 topos[t], sizes[i], a, hm_last_error());
				assert_int_equal((uintptr_t)p % a, 0);
				assert_int_equal(hm_malloc_validate(p, &sz), 0);
				assert_true(sz >= sizes[i]);
				memset(p, 0x77, sizes[i]);
				assert_valid();
				assert_int_equal(hm_free(p), 0);
				assert_valid();
				assert_int_equal(hm_memseg_mapped_bytes(0), 0);
			}
		}
		/* a PAD header (alignment gap too small to split off): validate reports the
		 * element size minus pad minus overhead (release builds), and free finds the
		 * real element */
		unsigned int pads = 0;
		void *keep[512];
		unsigned int n_keep = 0;
		uint64_t rs = 0x1234;
		for (int i = 0; i < 256 && pads < 8; i++) {
			unsigned int a = 128u << (hm_test_rand(&rs) % 4);
			size_t size = 1 + hm_test_rand(&rs) % 300, sz;
			char *p = hm_malloc("pad", size, a);
			assert_non_null(p);
			keep[n_keep++] = p;
			const struct malloc_elem *h, *real;
			h = (const struct malloc_elem *)(p - ELEM_HEADER_LEN);
			if (h->state != ELEM_PAD)
				continue;
			real = (const struct malloc_elem *)((const char *)h - h->pad);
			assert_int_equal(real->state, ELEM_BUSY);
			assert_int_equal(real->pad, h->pad);
			assert_int_equal(hm_malloc_validate(p, &sz), 0);
			/* debug builds: only the requested bytes, the guard follows them */
			assert_int_equal(sz, MALLOC_DEBUG ? size
						      : real->size - real->pad - ELEM_OVERHEAD);
			assert_true(sz >= size);
			pads++;
		}
		assert_true(pads > 0);
		assert_valid();
		for (unsigned int i = 0; i < n_keep; i++)
			assert_int_equal(hm_free(keep[i]), 0);
		assert_valid();
		assert_int_equal(hm_memseg_mapped_bytes(0), 0);
		assert_no_warnings();
		assert_int_equal(hm_cleanup(), 0);
	}
}

/* Bound: a buffer heap inside a hugemem block (bounds reach malloc heaps through memzones). */
static void
test_malloc_bound(void **state)
{
	uint64_t rs = hm_test_seed();
	const size_t len = 2 * MB;
	char *buf;
	struct hm_heap *h;
	void *ps[128];
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	buf = hm_malloc("buffer", len, 4096);
	assert_non_null(buf);
	h = hm_heap_init(buf, len, "inner");
	assert_non_null(h);
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 128; i++) {
			size_t size = 1 + hm_test_rand(&rs) % 4096, bound = 64;
			while (bound < size)
				bound <<= 1;
			bound <<= hm_test_rand(&rs) % 3;
			char *p = hm_heap_alloc(h, "b", size, 0, bound);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p / bound, ((uintptr_t)p + size - 1) / bound);
			memset(p, 3, size);
			ps[i] = p;
		}
		const char *why = NULL;
		if (hm_heap_check(h, &why) != 0)
			fail_msg("heap check: %s", why);
		for (int i = 0; i < 128; i++)
			assert_int_equal(hm_heap_free(h, ps[i]), 0);
	}
	hm_heap_fini(h);
	assert_int_equal(hm_free(buf), 0);
	assert_valid();
	assert_no_warnings();
}

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

	for (int i = 0; i < 3; i++) {
		p[i] = hm_malloc_socket("big", MB2, 0, 0);
		assert_non_null(p[i]);
		memset(p[i], i + 1, MB2);
		assert_valid();
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
	}
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
	assert_int_equal(hm_free(small), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), m0);

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
	/* the preallocated pages are in the heaps */
	assert_int_equal(stats_of(0).heap_totalsz_bytes, m0);
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

/* ------------------------------------------------------------------ stats */

static void
test_malloc_stats(void **state)
{
	struct hm_malloc_socket_stats st0, st;
	void *ps[100];
	size_t req = 0;
	uint64_t rs = hm_test_seed();
	FILE *f;
	char *out = NULL;
	size_t out_len = 0;
	(void)state;

	int nb = hm_test_node_b();
	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	st0 = stats_of(0);
	assert_int_equal(st0.heap_totalsz_bytes, 0);
	assert_int_equal(st0.alloc_count, 0);
	assert_int_equal(st0.free_count, 0);
	assert_int_equal(st0.greatest_free_size, 0);
	for (int i = 0; i < 100; i++) {
		size_t size = 1 + hm_test_rand(&rs) % 20000;
		ps[i] = hm_malloc_socket("st", size, 0, nb);
		assert_non_null(ps[i]);
		req += size;
		st = stats_of(nb);
		assert_int_equal(st.alloc_count, i + 1);
		assert_true(st.heap_allocsz_bytes >= req + (size_t)(i + 1) * ELEM_HEADER_LEN);
		assert_int_equal(st.heap_totalsz_bytes, hm_memseg_mapped_bytes(nb));
	}
	if (nb != 0) {
		st = stats_of(0); /* node 0 untouched */
		stats_equal(&st0, &st);
	}
	for (int i = 0; i < 100; i += 2) {
		assert_int_equal(hm_free(ps[i]), 0);
		st = stats_of(nb);
		assert_int_equal(st.alloc_count, 100 - (i / 2 + 1));
		if (st.free_count > 0)
			assert_true(st.greatest_free_size > 0);
	}
	st = stats_of(nb);
	assert_true(st.free_count >= 1);
	/* dumps name the heaps and their elements */
	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	hm_malloc_dump_stats(f);
	hm_malloc_dump_heaps(f);
	fclose(f);
	assert_non_null(strstr(out, "socket_0"));
	if (nb != 0)
		assert_non_null(strstr(out, "socket_1"));
	assert_non_null(strstr(out, "BUSY"));
	assert_non_null(strstr(out, "'st'"));
	free(out);
	for (int i = 1; i < 100; i += 2)
		assert_int_equal(hm_free(ps[i]), 0);
	st = stats_of(nb);
	assert_int_equal(st.alloc_count, 0);
	assert_int_equal(st.heap_totalsz_bytes, 0);
	assert_int_equal(st.free_count, 0);
	assert_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ realloc */

static void
test_malloc_realloc(void **state)
{
	char *a, *b, *c, *p;
	size_t sz;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	a = hm_malloc("t", 1000, 0); /* top of a fresh page */
	b = hm_malloc("t", 1000, 0); /* below a */
	c = hm_malloc("t", 1000, 0); /* below b */
	assert_true(c < b && b < a);
	memset(a, 0xa, 1000);
	memset(b, 0xb, 1000);
	memset(c, 0xc, 1000);
	/* b's next (a) is busy: growing moves it, contents kept */
	p = hm_realloc(b, 3000, 0);
	assert_non_null(p);
	assert_ptr_not_equal(p, b);
	assert_true(all_bytes(p, 1000, 0xb));
	assert_int_equal(hm_malloc_validate(b, NULL), -EINVAL);
	b = p;
	memset(b, 0xb, 3000);
	assert_valid();
	/* c's next is the free block b left: growing stays in place */
	p = hm_realloc(c, 1900, 0);
	assert_ptr_equal(p, c);
	assert_true(all_bytes(c, 1000, 0xc));
	assert_int_equal(hm_malloc_validate(c, &sz), 0);
	assert_true(sz >= 1900);
	memset(c, 0xc, 1900);
	assert_valid();
	/* shrinking is in place */
	struct hm_malloc_socket_stats st = stats_of(0), st2;
	p = hm_realloc(c, 100, 0);
	assert_ptr_equal(p, c);
	st2 = stats_of(0);
	assert_true(st2.heap_freesz_bytes > st.heap_freesz_bytes);
	assert_true(all_bytes(c, 100, 0xc));
	/* an alignment it does not have moves it */
	p = hm_realloc(c, 100, 1 << 16);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (1 << 16), 0);
	assert_true(all_bytes(p, 100, 0xc));
	c = p;
	/* to another node (where there is one): moved there, contents kept */
	p = hm_realloc_socket(c, 5000, 0, hm_test_node_b());
	assert_non_null(p);
	assert_int_equal(node_of(p), hm_test_node_b());
	assert_true(all_bytes(p, 100, 0xc));
	c = p;
	/* with ANY it stays where it is when it fits */
	p = hm_realloc(c, 200, 0);
	assert_ptr_equal(p, c);
	assert_int_equal(node_of(p), hm_test_node_b());
	/* a big growth moves to fresh pages */
	p = hm_realloc(a, 3 * MB, 0);
	assert_non_null(p);
	assert_true(all_bytes(p, 1000, 0xa));
	a = p;
	memset(a, 0xa, 3 * MB);
	p = hm_realloc(a, 2 * MB, 0);
	assert_ptr_equal(p, a);
	assert_true(all_bytes(a, 2 * MB, 0xa));
	/* NULL acts as malloc */
	p = hm_realloc(NULL, 500, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	assert_valid();
	assert_int_equal(hm_free(a), 0);
	assert_int_equal(hm_free(b), 0);
	assert_int_equal(hm_free(c), 0);
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(hm_test_node_b()), 0);
	assert_no_warnings();
}

/* Every byte hm_malloc_validate calls usable can be written (debug builds too: the
 * overrun guard must sit after it), and realloc keeps all of it. */
static void
test_malloc_usable_size(void **state)
{
	uint64_t rs = hm_test_seed();
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	for (int i = 0; i < 500; i++) {
		size_t size = 1 + hm_test_rand(&rs) % (i % 2 == 0 ? 300 : 20000), usable;
		unsigned int align = 0;
		if (hm_test_rand(&rs) % 2 == 0)
			align = 64u << (hm_test_rand(&rs) % 6);
		char *p = hm_malloc("usable", size, align), *q;
		assert_non_null(p);
		assert_int_equal(hm_malloc_validate(p, &usable), 0);
		assert_true(usable >= size);
		memset(p, 0x33, usable);
		assert_int_equal(hm_malloc_validate(p, NULL), 0);
		if (i % 2 == 0) {
			/* grow: moved or in place, the usable bytes come along */
			q = hm_realloc(p, usable + 5000, 0);
			assert_non_null(q);
			if (!all_bytes(q, usable, 0x33))
				fail_msg("realloc(%zu -> %zu) kept fewer than the %zu usable bytes",
					 size, usable + 5000, usable);
			p = q;
		}
		assert_int_equal(hm_free(p), 0);
	}
	assert_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ external heaps */

static void
test_malloc_external_heap(void **state)
{
	const size_t len = 4 * MB;
	char *map, *ext, *ext2;
	hm_iova_t iova[2] = { 0x7000000000ULL, 0x3000000000ULL }; /* not contiguous */
	void *ps[16];
	unsigned int n = 0;
	int s;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	map = mmap(NULL, 3 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	ext = (char *)HM_ALIGN_CEIL((uintptr_t)map, MB2);
	ext2 = ext + len;
	memset(ext, 0xcd, 2 * len); /* user memory: anything may be in it */
	assert_int_equal(hm_malloc_heap_create("ext"), 0);
	s = hm_malloc_heap_get_socket("ext");
	assert_true(s >= HM_MALLOC_EXT_SOCKET_BASE);
	assert_int_equal(hm_malloc_heap_socket_is_external(s), 1);
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext, len, iova, 2, MB2), 0);
	struct hm_malloc_socket_stats st = stats_of(s);
	assert_int_equal(st.heap_totalsz_bytes, len);
	assert_int_equal(st.free_count, 1);
	assert_valid();

	/* blocks come from the heap's memory, with the table's IOVAs, and zmalloc zeroes */
	for (;;) {
		char *p = hm_zmalloc_socket("ext", 700 * KB, 0, s);
		if (p == NULL)
			break;
		if (n == 0) /* the top of the fresh region */
			assert_ptr_equal(p + 700 * KB + ELEM_TRAILER_LEN, ext + len);
		assert_true(p >= ext && p + 700 * KB <= ext + len);
		assert_true(all_bytes(p, 700 * KB, 0));
		for (size_t off = 0; off < 700 * KB; off += 4 * KB) {
			uintptr_t va = (uintptr_t)p + off;
			size_t pg = (va - (uintptr_t)ext) / MB2;
			assert_true(hm_malloc_virt2iova((void *)va) ==
				    iova[pg] + (va - (uintptr_t)ext) % MB2);
		}
		memset(p, 0x11, 700 * KB);
		assert_true(n < 16);
		ps[n++] = p;
	}
	assert_int_equal(hm_errno, ENOMEM); /* external heaps do not grow */
	assert_int_equal(n, 5);
	/* ANY never picks an external heap */
	void *native = hm_malloc("t", 100, 0);
	assert_non_null(native);
	assert_int_equal(node_of(native), 0);
	assert_int_equal(hm_free(native), 0);
	/* realloc keeps a block on its external heap */
	assert_int_equal(hm_free(ps[n - 1]), 0);
	n--;
	char *g = hm_realloc(ps[0], 1200 * KB, 0);
	assert_non_null(g);
	assert_true(g >= ext && g < ext + len);
	assert_true(all_bytes(g, 700 * KB, 0x11));
	ps[0] = g;
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, len), -EBUSY);
	assert_int_equal(hm_malloc_heap_destroy("ext"), -EBUSY);
	assert_valid();

	/* a second region without IOVAs: allocations work, IOVA is unknown */
	assert_int_equal(hm_malloc_heap_memory_add("ext", ext2, len, NULL, 0, MB2), 0);
	assert_int_equal(stats_of(s).heap_totalsz_bytes, 2 * len);
	char *nio = hm_malloc_socket("noiova", 3 * MB, 0, s);
	assert_non_null(nio);
	assert_true(nio >= ext2 && nio + 3 * MB <= ext2 + len);
	assert_true(hm_malloc_virt2iova(nio) == HM_BAD_IOVA);
	memset(nio, 0x22, 3 * MB);
	assert_valid();
	/* the two regions are adjacent in VA but never joined: no block spans both */
	assert_null(hm_malloc_socket("t", len + MB, 0, s));
	assert_int_equal(hm_errno, ENOMEM);
	assert_int_equal(hm_malloc_leak_report(NULL), n + 1);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext2, len), -EBUSY);
	assert_int_equal(hm_free(nio), 0);
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext2, len), 0);
	/* a pointer into removed memory is nobody's any more */
	assert_int_equal(hm_free(nio), -EINVAL);
	assert_int_equal(hm_malloc_validate(nio, NULL), -EINVAL);
	assert_true(hm_malloc_virt2iova(nio) == HM_BAD_IOVA);
	assert_int_equal(stats_of(s).heap_totalsz_bytes, len);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_free(ps[i]), 0);
	st = stats_of(s);
	assert_int_equal(st.free_count, 1);
	assert_int_equal(st.heap_freesz_bytes, len);
	assert_valid();
	assert_int_equal(hm_malloc_heap_memory_remove("ext", ext, len), 0);
	assert_int_equal(stats_of(s).heap_totalsz_bytes, 0);
	assert_int_equal(hm_malloc_heap_destroy("ext"), 0);
	assert_int_equal(hm_malloc_heap_socket_is_external(s), 0);
	assert_valid();
	/* the heap table holds HM_MAX_HEAPS heaps, native ones included */
	char hname[HM_MALLOC_HEAP_NAME_LEN];
	int made = 0;
	for (;;) {
		snprintf(hname, sizeof(hname), "many-%d", made);
		int rc = hm_malloc_heap_create(hname);
		if (rc == -ENOSPC)
			break;
		assert_int_equal(rc, 0);
		made++;
	}
	assert_int_equal(made, HM_MAX_HEAPS - (hm_test_node_b() + 1)); /* one per node */
	while (made-- > 0) {
		snprintf(hname, sizeof(hname), "many-%d", made);
		assert_int_equal(hm_malloc_heap_destroy(hname), 0);
	}
	assert_valid();
	/* the memory can be added again, to a new heap */
	assert_int_equal(hm_malloc_heap_create("ext-again"), 0);
	s = hm_malloc_heap_get_socket("ext-again");
	assert_int_equal(hm_malloc_heap_memory_add("ext-again", ext, 2 * len, NULL, 0, KB4), 0);
	g = hm_calloc_socket("t", 1000, 1000, 0, s);
	assert_non_null(g);
	assert_true(all_bytes(g, 1000 * 1000, 0));
	assert_int_equal(hm_free(g), 0);
	assert_int_equal(hm_malloc_heap_memory_remove("ext-again", ext, 2 * len), 0);
	assert_int_equal(hm_malloc_heap_destroy("ext-again"), 0);
	munmap(map, 3 * len);
	assert_valid();
	assert_no_warnings();
}

/* Every memseg list slot taken by external regions: -ENOSPC, and the slots come back. */
static void
test_malloc_external_list_slots(void **state)
{
	const size_t n_max = HM_MAX_MEMSEG_LISTS + 1;
	char *map;
	size_t added = 0;
	int rc = 0;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	map = mmap(NULL, n_max * KB4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(hm_malloc_heap_create("slots"), 0);
	int s = hm_malloc_heap_get_socket("slots");
	/* adjacent one-page regions: each its own list, never joined */
	while (added < n_max) {
		rc = hm_malloc_heap_memory_add("slots", map + added * KB4, KB4, NULL, 0, KB4);
		if (rc != 0)
			break;
		added++;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_true(added > 0 && added < HM_MAX_MEMSEG_LISTS);
	assert_int_equal(stats_of(s).heap_totalsz_bytes, added * KB4);
	assert_int_equal(stats_of(s).free_count, added);
	assert_null(hm_malloc_socket("t", KB4, 0, s)); /* no region holds a header and 4K */
	assert_valid();
	/* native growth needs no new list: still works */
	void *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	for (size_t i = 0; i < added; i++)
		assert_int_equal(hm_malloc_heap_memory_remove("slots", map + i * KB4, KB4), 0);
	assert_int_equal(stats_of(s).heap_totalsz_bytes, 0);
	/* and the slots are free again */
	assert_int_equal(hm_malloc_heap_memory_add("slots", map, n_max * KB4 - KB4, NULL, 0, KB4),
			 0);
	assert_int_equal(hm_malloc_heap_memory_remove("slots", map, n_max * KB4 - KB4), 0);
	assert_int_equal(hm_malloc_heap_destroy("slots"), 0);
	munmap(map, n_max * KB4);
	assert_valid();
	assert_no_warnings();
}

/* hm_cleanup with live blocks and external memory: a leak warning per type tag,
 * -EBUSY (0 with allow_leaks), then a clean slate. */
static void
test_malloc_cleanup_with_live_blocks(void **state)
{
	const size_t len = 4 * MB;
	char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)state;

	assert_true(map != MAP_FAILED);
	for (int round = 0; round < 2; round++) {
		log_start();
		allow_leaks = round == 1;
		assert_int_equal(init_topo(TOPO2), 0);
		allow_leaks = false;
		assert_int_equal(hm_malloc_leak_report(NULL), 0);
		assert_int_equal(hm_memseg_mapped_bytes(0), 0);
		assert_int_equal(hm_memseg_mapped_bytes(hm_test_node_b()), 0);
		assert_int_equal(stats_of(0).heap_totalsz_bytes, 0);
		assert_int_equal(hm_malloc_heap_get_socket("ext"), -ENOENT);
		assert_int_equal(hm_malloc_heap_create("ext"), 0);
		/* the region was forgotten at the last cleanup: it can be added again */
		assert_int_equal(hm_malloc_heap_memory_add("ext", map, len, NULL, 0, KB4), 0);
		int es = hm_malloc_heap_get_socket("ext");
		assert_non_null(hm_malloc_socket("leak", 1000, 0, es));
		assert_non_null(hm_malloc_socket("leak", 3 * MB, 0, 0));
		assert_non_null(hm_malloc_socket("leak", 100, 0, hm_test_node_b()));
		assert_int_equal(hm_malloc_leak_report(NULL), 3);
		assert_int_equal(hm_leak_report(NULL), 3);
		assert_valid();
		assert_int_equal(hm_cleanup(), round == 0 ? -EBUSY : 0);
		assert_int_equal(logc.warnings, 1); /* the leaks were reported: one tag */
		assert_non_null(strstr(logc.last, "hm_cleanup: leaked malloc: 3 block(s) of type "
					 "'leak', 3146828 bytes"));
		assert_false(hm_initialized());
	}
	munmap(map, len);
}

/* ------------------------------------------------------------------ leak report */

static void
test_malloc_leak_report(void **state)
{
	void *ps[8];
	FILE *f;
	char *out = NULL;
	size_t out_len = 0;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	ps[0] = hm_malloc("alpha", 100, 0);
	ps[1] = hm_malloc("alpha", 100, 0);
	ps[2] = hm_malloc_socket("alpha", 100, 0, hm_test_node_b());
	ps[3] = hm_zmalloc("beta", 1000, 0);
	ps[4] = hm_calloc("beta", 10, 100, 0);
	ps[5] = hm_malloc(NULL, 64, 0);
	ps[6] = hm_malloc("averyverylongtypename", 64, 0);
	ps[7] = hm_realloc(NULL, 64, 0); /* untagged too */
	for (int i = 0; i < 8; i++)
		assert_non_null(ps[i]);
	assert_int_equal(hm_malloc_leak_report(NULL), 8);
	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	assert_int_equal(hm_malloc_leak_report(f), 8);
	fclose(f);
	printf("%s", out);
	assert_non_null(strstr(out, "'alpha': 3 allocation(s), 300 bytes"));
	assert_non_null(strstr(out, "'beta': 2 allocation(s), 2000 bytes"));
	assert_non_null(strstr(out, "(untagged)': 2 allocation(s), 128 bytes"));
	assert_non_null(strstr(out, "'averyverylon': 1 allocation(s), 64 bytes"));
	free(out);
	/* realloc keeps the tag */
	ps[0] = hm_realloc(ps[0], 100 * KB, 0);
	assert_non_null(ps[0]);
	out = NULL;
	f = open_memstream(&out, &out_len);
	assert_int_equal(hm_malloc_leak_report(f), 8);
	fclose(f);
	assert_non_null(strstr(out, "'alpha': 3 allocation(s)"));
	free(out);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(hm_free(ps[i]), 0);
		assert_int_equal(hm_malloc_leak_report(NULL), 7 - i);
	}
	assert_valid();
	assert_no_warnings();
}

/* ------------------------------------------------------------------ threads */

struct thr {
	uint64_t seed;
	unsigned int ops;
	uint8_t tag;
	/* results */
	unsigned int allocs, bad_fill, failed_alloc, failed_free;
	void *left[64]; /* blocks the main thread frees */
	size_t left_size[64];
	unsigned int n_left;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	uint64_t rs = t->seed;
	void *blk[64];
	size_t sz[64];
	unsigned int n = 0;

	for (unsigned int op = 0; op < t->ops; op++) {
		if (n < 64 && (n == 0 || hm_test_rand(&rs) % 2 == 0)) {
			size_t max = hm_test_rand(&rs) % 100 == 0 ? 512 * KB : 8 * KB;
			size_t size = 1 + hm_test_rand(&rs) % max;
			void *p = hm_malloc_socket("thr", size, 0, 0);
			if (p == NULL) {
				t->failed_alloc++;
				continue;
			}
			memset(p, t->tag, size);
			blk[n] = p;
			sz[n++] = size;
			t->allocs++;
		} else {
			unsigned int i = (unsigned int)(hm_test_rand(&rs) % n);
			if (!all_bytes(blk[i], sz[i], t->tag))
				t->bad_fill++;
			if (hm_free(blk[i]) != 0)
				t->failed_free++;
			blk[i] = blk[--n];
			sz[i] = sz[n];
		}
	}
	memcpy(t->left, blk, n * sizeof(blk[0]));
	memcpy(t->left_size, sz, n * sizeof(sz[0]));
	t->n_left = n;
	return NULL;
}

static void
test_malloc_threads(void **state)
{
	struct thr t[2];
	pthread_t tid[2];
	uint64_t seed = hm_test_seed();
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	struct hm_malloc_socket_stats st0 = stats_of(0);
	for (int i = 0; i < 2; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].seed = seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL;
		t[i].ops = 30000;
		t[i].tag = (uint8_t)(0x41 + i);
		assert_int_equal(pthread_create(&tid[i], NULL, thr_main, &t[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	assert_valid();
	unsigned int left = 0;
	for (int i = 0; i < 2; i++) {
		printf("# thread %d: %u allocations\n", i, t[i].allocs);
		assert_int_equal(t[i].failed_alloc, 0);
		assert_int_equal(t[i].failed_free, 0);
		assert_int_equal(t[i].bad_fill, 0);
		assert_true(t[i].allocs > 1000);
		left += t[i].n_left;
	}
	/* nothing lost: exactly the blocks the threads still hold are live */
	assert_int_equal(stats_of(0).alloc_count, left);
	assert_int_equal(hm_malloc_leak_report(NULL), left);
	for (int i = 0; i < 2; i++)
		for (unsigned int k = 0; k < t[i].n_left; k++) {
			assert_true(all_bytes(t[i].left[k], t[i].left_size[k], t[i].tag));
			assert_int_equal(hm_free(t[i].left[k]), 0);
		}
	assert_valid();
	struct hm_malloc_socket_stats st = stats_of(0);
	stats_equal(&st0, &st);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}


/* ------------------------------------------------------------------ races */

struct racer {
	void *p;
	pthread_barrier_t *go;
	int rc;
	int kind; /* 0: hm_free(p), 1: remove the external region */
};

static _Alignas(2 << 20) uint8_t race_ext[4u << 20];

static void *
racer_thread(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	r->rc = r->kind == 0 ? hm_free(r->p) :
		hm_malloc_heap_memory_remove("race", race_ext, sizeof(race_ext));
	return NULL;
}

/* Two threads freeing one block (whose pages go back to the backend), and two
 * threads removing one external region: exactly one wins, the other gets an
 * error, nobody crashes, the heaps stay valid. */
static void
test_malloc_races(void **state)
{
	pthread_barrier_t go;
	struct racer r[2];
	pthread_t t[2];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_topo(TOPO2), 0);
	assert_int_equal(hm_malloc_heap_create("race"), 0);
	/* fuse: 20 rounds (each maps and unmaps pages through the daemon) */
	for (int round = 0; round < (int)hm_test_ops(200); round++) {
		int kind = round & 1;
		void *p = NULL;
		if (kind == 0) {
			p = hm_malloc("race", 4 * MB, 0);
			assert_non_null(p);
		} else {
			assert_int_equal(hm_malloc_heap_memory_add("race", race_ext, sizeof(race_ext),
								   NULL, 0, MB2), 0);
		}
		pthread_barrier_init(&go, NULL, 2);
		for (int i = 0; i < 2; i++) {
			r[i] = (struct racer){ .p = p, .go = &go, .kind = kind };
			pthread_create(&t[i], NULL, racer_thread, &r[i]);
		}
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&go);
		int wins = (r[0].rc == 0) + (r[1].rc == 0);
		assert_int_equal(wins, 1);
		int loser = r[0].rc == 0 ? r[1].rc : r[0].rc;
		assert_true(loser == (kind == 0 ? -EINVAL : -ENOENT));
		assert_valid();
	}
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_malloc_heap_destroy("race"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_model_cached, teardown_cached),
		cmocka_unit_test_teardown(test_malloc_check_detects_corruption, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_lifo_and_top, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_alignment, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_bound, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_page_release, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_prealloc_kept, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_legacy_mem, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_socket_fallback, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_free_in_walk, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_exhaustion, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_exhaustion_fault, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_zmalloc_after_dirty_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_zero_is_lazy_and_precise, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_stats, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_realloc, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_usable_size, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_external_heap, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_external_list_slots, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_leak_report, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cleanup_with_live_blocks, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_threads, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_races, hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
