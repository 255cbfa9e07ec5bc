/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc heap conformance tests on the emu backend, part 1: the error contract,
 * a randomised model test against a shadow map of live blocks, the validator
 * against hand-made damage, and placement (LIFO reuse, allocation from the top
 * of an element, alignment and bound). Part 2 (test_malloc_growth.c): growth,
 * page release, sockets, exhaustion, zeroing, the cached model run; part 3
 * (test_malloc_api.c): stats, realloc, external heaps, leak report, threads.
 *
 * The tests use emu topology strings, which hm_test_init_cfg turns into caps on
 * the machine under hugetlbfs; a test that needs a second node uses node
 * hm_test_node_b() (node 0 on one-node machines) and the growth rules are stated
 * for the smallest page size the backend offers (emu: 4K; hugetlbfs: 2M). Fault
 * injection (pool=, nth=, every=) is an emu feature. Some tests look inside
 * element headers (malloc_i.h) where the public API cannot show a rule (PAD
 * headers, trailer size). The shared helpers and the model are in
 * malloc_test_common.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "malloc_test_common.h"
#include "heap_small_i.h" /* heap_free_join1 */

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
	/* free finds the list of a pointer trying this thread's last list first (p's,
	 * after the refusals above): its edges and beyond are refused all the same */
	const struct hm_memseg_list *pl = hm_mem_virt2memseg_list(p);
	assert_non_null(pl);
	char *l_end = (char *)pl->base_va + pl->len;
	assert_int_equal(hm_free(p + 64), -EINVAL); /* the hint is p's list now */
	check_bad_ptr(l_end, &st);            /* header in the list's last 64 bytes */
	check_bad_ptr(l_end + 64, &st);       /* header just past the list's end */
	check_bad_ptr(l_end + 128, &st);      /* past it (a gap, or another list) */
	check_bad_ptr((char *)pl->base_va, &st); /* header just below the list */
	if (hm_mem_virt2memseg(l_end - pl->page_sz, NULL) == NULL) {
		/* a page of the list nothing mapped: refused without reading it */
		check_bad_ptr(l_end - pl->page_sz + 64, &st);
		check_bad_ptr(l_end - pl->page_sz + 4096 - 64, &st);
	}
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
	/* a block whose pages went back at its free: its header is unmapped now;
	 * a second free is refused without reading it */
	char *big = hm_malloc_socket("t", 4 * MB, 0, 0);
	assert_non_null(big);
	int64_t mapped = hm_memseg_mapped_bytes(0);
	assert_int_equal(hm_free(big), 0);
	assert_true(hm_memseg_mapped_bytes(0) < mapped);
	assert_null(hm_mem_virt2memseg(big - 64, NULL));
	st = stats_of(0);
	check_bad_ptr(big, &st);
	check_bad_ptr(big + 4096, &st);
	/* ... and after a valid free that set the hint to that list */
	char *one = hm_malloc_socket("t", 4 * MB, 0, 0);
	assert_non_null(one);
	assert_int_equal(hm_free(one), 0);
	if (one != big)
		check_bad_ptr(big, &st);
	check_bad_ptr(one, &st);

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

static void
test_malloc_model(void **state)
{
	(void)state;
	malloc_model_run();
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
	/* the count of pages free could give back: at 0 free skips looking */
	h->releasable_pages++;
	expect_corrupt("releasable page count");
	h->releasable_pages--;
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

/* ------------------------------------------------------------------ small path */

/* Two heaps hold the same elements: same offsets from their buffers, sizes,
 * states, clean marks, tags and list heads. */
static void
assert_same_heaps(const struct malloc_heap *a, const char *ba, const struct malloc_heap *b,
		  const char *bb)
{
	const struct malloc_elem *x = a->first, *y = b->first;

#define OFF(e, base) ((e) == NULL ? (intptr_t)-1 : (intptr_t)((const char *)(e) - (base)))
	assert_int_equal(a->free_bytes, b->free_bytes);
	assert_int_equal(a->free_count, b->free_count);
	assert_int_equal(a->alloc_count, b->alloc_count);
	assert_int_equal(a->fl_map, b->fl_map);
	assert_memory_equal(a->sl_map, b->sl_map, sizeof(a->sl_map));
	for (unsigned int f = 0; f < FL_COUNT; f++)
		for (unsigned int s = 0; s < SL_COUNT; s++)
			assert_int_equal(OFF(a->free_head[f][s], ba), OFF(b->free_head[f][s], bb));
	for (; x != NULL && y != NULL; x = x->next, y = y->next) {
		assert_int_equal(OFF(x, ba), OFF(y, bb));
		assert_int_equal(x->size, y->size);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->pad, y->pad); /* FREE: the clean mark */
		assert_int_equal(x->owner, y->owner);
		if (x->state == ELEM_BUSY) {
			assert_memory_equal(x->busy.type, y->busy.type, sizeof(x->busy.type));
			assert_int_equal(x->busy.req, y->busy.req);
		} else {
			assert_int_equal(OFF(x->fl.prev, ba), OFF(y->fl.prev, bb));
			assert_int_equal(OFF(x->fl.next, ba), OFF(y->fl.next, bb));
		}
	}
	assert_true(x == NULL && y == NULL);
#undef OFF
}

/*
 * heap_alloc_small (malloc's short path for blocks up to 4 KiB) against
 * heap_alloc, the general path it stands in for: two buffer heaps over equal
 * buffers take the same random sequence of requests (sizes of a few classes,
 * so exact fits, which the short path leaves to heap_alloc, come often; sizes
 * raised to a cache class's size as the lcore cache asks; tags of every length)
 * and frees; the short path must return the same block with the same
 * zero_from, or NULL having changed nothing, and both heaps must stay equal
 * element by element and pass the heap check.
 */
static void
test_malloc_small_path_model(void **state)
{
	static const char *const tags[] = { NULL, "", "a", "bench", "seven77", "eight888",
					    "ninenine9", "twelve-chars", "thirteen-char" };
	enum { SLOTS = 256, OPS = 12000 };
	const size_t len = 192 * KB; /* about what half the slots hold: full at times */
	uint64_t rs = hm_test_seed();
	char *ba = aligned_alloc(4096, len), *bb = aligned_alloc(4096, len);
	void *pa[SLOTS] = { 0 }, *pb[SLOTS] = { 0 };
	unsigned int fast = 0, general = 0, full = 0;
	const char *why = NULL;
	(void)state;

	assert_non_null(ba);
	assert_non_null(bb);
	memset(ba, 0, len);
	memset(bb, 0, len);
	struct hm_heap *ha = hm_heap_init(ba, len, "general"), *hb = hm_heap_init(bb, len, "small");
	assert_non_null(ha);
	assert_non_null(hb);
	struct malloc_heap *a = (struct malloc_heap *)(void *)ha, *b = (struct malloc_heap *)(void *)hb;
	for (unsigned int op = 0; op < OPS; op++) {
		unsigned int k = (unsigned int)(hm_test_rand(&rs) % SLOTS);
		if (pa[k] != NULL) {
			assert_int_equal(hm_heap_free(ha, pa[k]), 0);
			assert_int_equal(hm_heap_free(hb, pb[k]), 0);
			pa[k] = pb[k] = NULL;
		} else {
			uint64_t r = hm_test_rand(&rs), za = 7, zb = 7;
			size_t size = r % 2 ? 1 + (r >> 8) % SMALL_ALLOC_MAX : 64u << ((r >> 8) % 7);
			uint64_t asize = HM_ALIGN_CEIL((uint64_t)size, MALLOC_ALIGN);
			const char *tag = tags[(r >> 32) % (sizeof(tags) / sizeof(tags[0]))];
			struct alloc_req req;
			if ((r >> 40) % 4 == 0) /* the cache's class size */
				asize += MALLOC_ALIGN * ((r >> 44) % 8);
			if (asize > SMALL_ALLOC_MAX)
				asize = SMALL_ALLOC_MAX;
			assert_int_equal(heap_make_req(&req, tag, size, 0, 0), 0);
			req.size = asize;
			hm_spinlock_lock(&b->lock);
			pb[k] = heap_alloc_small(b, asize, size, tag, &zb);
			if (pb[k] != NULL) {
				fast++;
			} else {
				/* nothing changed: b is still equal to a */
				assert_int_equal(zb, 7);
				assert_same_heaps(a, ba, b, bb);
				req.zero_from = &zb;
				pb[k] = heap_alloc(b, &req);
				general++;
			}
			hm_spinlock_unlock(&b->lock);
			req.zero_from = &za;
			hm_spinlock_lock(&a->lock);
			pa[k] = heap_alloc(a, &req);
			hm_spinlock_unlock(&a->lock);
			if (pa[k] == NULL) {
				assert_null(pb[k]);
				full++;
				continue;
			}
			assert_non_null(pb[k]);
			assert_int_equal((char *)pa[k] - ba, (char *)pb[k] - bb);
			assert_int_equal(za, zb);
			memset(pa[k], (int)(k | 1), size); /* dirty: clean marks move */
			memset(pb[k], (int)(k | 1), size);
		}
		assert_same_heaps(a, ba, b, bb);
		if (op % 64 == 0) {
			if (hm_heap_check(ha, &why) != 0 || hm_heap_check(hb, &why) != 0)
				fail_msg("op %u: heap check: %s", op, why);
		}
	}
	if (hm_heap_check(ha, &why) != 0 || hm_heap_check(hb, &why) != 0)
		fail_msg("heap check: %s", why);
	/* the sequence reached both paths of the short one, and a full heap */
	assert_true(fast > 1000);
	assert_true(general > 20);
	assert_true(full > 0);
	hm_heap_fini(ha);
	hm_heap_fini(hb);
	free(ba);
	free(bb);
}

/*
 * heap_free_join1 (hm_free's inline join, heap_small_i.h) against
 * heap_free_elem, the general free it stands in for: twin heaps over equal
 * buffers, each of three ranges -- two adjacent ones of different memseg lists
 * (elements that touch but may not join) and one after a gap (the address list
 * crosses it) -- take the same allocations and the same frees: in allocation
 * order (each block joins the run freed before it), against it (the free
 * element below grows), and at random. Heap b frees through heap_free_join1
 * first and, when it refuses, must be unchanged before heap_free_elem frees;
 * heap a frees with heap_free_elem alone. The same joined element, both heaps
 * equal element by element (list heads and links included) after every free,
 * and the heap check. Both joins and every refusal but the last first level
 * (sizes of 2^48 and more) are reached: no free neighbour, two, one not
 * joinable (another msl, or the gap), a class change.
 */
static void
test_malloc_free_join_model(void **state)
{
	enum { SLOTS = 800, RANGE = 64 * 1024, GAP = 64 * 1024 };
	enum { J_NEXT, J_PREV, R_NONE, R_BOTH, R_NOJOIN, R_CLASS, N_OUT };
	const size_t len = 3 * RANGE + GAP;
	uint64_t rs = hm_test_seed();
	char *ba = aligned_alloc(4096, len), *bb = aligned_alloc(4096, len);
	struct malloc_heap *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	void *pa[SLOTS], *pb[SLOTS];
	unsigned int out[N_OUT] = { 0 }, order[SLOTS];
	const char *why = NULL;
	(void)state;

	assert_non_null(ba);
	assert_non_null(bb);
	assert_non_null(a);
	assert_non_null(b);
	for (int round = 0; round < 36; round++) {
		unsigned int n = 0;
		struct { struct malloc_heap *h; char *buf; } t[2] = { { a, ba }, { b, bb } };

		memset(ba, 0xa5, len);
		memset(bb, 0xa5, len);
		for (int k = 0; k < 2; k++) {
			heap_init(t[k].h, HEAP_BUFFER, 0, k == 0 ? "general" : "join1");
			heap_add_memory(t[k].h, t[k].buf, RANGE, 0, true);
			heap_add_memory(t[k].h, t[k].buf + RANGE, RANGE, 1, true);
			heap_add_memory(t[k].h, t[k].buf + 2 * RANGE + GAP, RANGE, 0, true);
		}
		assert_same_heaps(a, ba, b, bb);
		/* 64 B blocks most of the time (the benchmark's case), others up to
		 * 3 KiB: joined elements in the small classes (which a join always
		 * leaves) and above them (where it mostly keeps its class) */
		while (n < SLOTS) {
			uint64_t r = hm_test_rand(&rs);
			size_t size = r % 4 != 0 ? 64 : 1 + (size_t)((r >> 8) % 3072);
			struct alloc_req req;
			assert_int_equal(heap_make_req(&req, "j", size, 0, 0), 0);
			pa[n] = heap_alloc(a, &req);
			pb[n] = heap_alloc(b, &req);
			if (pa[n] == NULL) {
				assert_null(pb[n]);
				break;
			}
			assert_int_equal((char *)pa[n] - ba, (char *)pb[n] - bb);
			order[n] = n;
			n++;
		}
		assert_true(n > 100);
		assert_same_heaps(a, ba, b, bb);
		/* allocation order, against it, or at random */
		if (round % 3 == 1)
			for (unsigned int i = 0; i < n / 2; i++) {
				unsigned int x = order[i];
				order[i] = order[n - 1 - i];
				order[n - 1 - i] = x;
			}
		else if (round % 3 == 2)
			hm_test_shuffle(order, n, sizeof(order[0]), &rs);
		for (unsigned int i = 0; i < n; i++) {
			unsigned int k = order[i];
			/* a block may sit after a PAD header (a front too small to split) */
			struct malloc_elem *ea = (struct malloc_elem *)elem_of_live(pa[k]);
			struct malloc_elem *eb = (struct malloc_elem *)elem_of_live(pb[k]);
			struct malloc_elem *nx = eb->next, *pv = eb->prev, *ja, *jb;
			bool nf = nx != NULL && nx->state == ELEM_FREE;
			bool pf = pv != NULL && pv->state == ELEM_FREE;

			assert_int_equal(eb->state, ELEM_BUSY);
			jb = heap_free_join1(b, eb);
			if (jb == NULL) {
				/* refused: nothing written */
				assert_int_equal(eb->state, ELEM_BUSY);
				assert_same_heaps(a, ba, b, bb);
				if (!nf && !pf)
					out[R_NONE]++;
				else if (nf && pf)
					out[R_BOTH]++;
				else if (nf ? !joinable(eb, nx) : !joinable(pv, eb))
					out[R_NOJOIN]++;
				else
					out[R_CLASS]++;
				jb = heap_free_elem(eb);
			} else {
				/* taken: exactly one FREE joinable neighbour */
				assert_true(nf != pf);
				assert_ptr_equal(jb, nf ? eb : pv);
				out[nf ? J_NEXT : J_PREV]++;
			}
			ja = heap_free_elem(ea);
			assert_int_equal((char *)ja - ba, (char *)jb - bb);
			assert_same_heaps(a, ba, b, bb);
			if (i % 32 == 0 || i + 1 == n) {
				if (heap_check(a, &why, NULL) != 0 || heap_check(b, &why, NULL) != 0)
					fail_msg("round %d, free %u: heap check: %s", round, i, why);
			}
		}
		/* all freed: one free element per range */
		assert_int_equal(b->alloc_count, 0);
		assert_int_equal(b->free_count, 3);
	}
	print_message("join1: next %u, prev %u; refused: none %u, both %u, not joinable %u, "
		      "class change %u\n", out[J_NEXT], out[J_PREV], out[R_NONE], out[R_BOTH],
		      out[R_NOJOIN], out[R_CLASS]);
	for (int k = 0; k < N_OUT; k++)
		assert_true(out[k] > 0);
	free(a);
	free(b);
	free(ba);
	free(bb);
}

/* ------------------------------------------------------------------ type tags */

/* The 12 bytes a type tag must hold: @p type up to its NUL, zero-padded. */
static void
expected_tag(const char *type, char out[12])
{
	memset(out, 0, 12);
	for (unsigned int i = 0; type != NULL && i < 12 && type[i] != '\0'; i++)
		out[i] = type[i];
}

static void
assert_tag(const void *p, const char *type)
{
	const struct malloc_elem *e = elem_of_live(p);
	char want[12];

	expected_tag(type, want);
	assert_int_equal(e->state, ELEM_BUSY);
	assert_memory_equal(e->busy.type, want, sizeof(want));
}

/*
 * The type tag holds the type string's bytes up to its NUL (at most 12),
 * zero-padded, whatever follows the NUL and wherever the string sits: heap.c
 * reads the string a word and a half at a time inside its page and a byte at
 * a time near a page end. Every length 0..14 ends at each of the last 16
 * bytes of a page followed by an inaccessible one (a read past the page
 * faults), and mid-page, the bytes after the NUL non-zero; on the short path
 * (heap_alloc_small) and the general one (heap_alloc, 256-byte alignment) of a
 * buffer heap. Then through hm_malloc and hm_zmalloc (the lcore cache off;
 * both paths): a
 * buffer reused for another type string at the same address gets the new tag
 * each time, and NULL gives an empty one.
 */
static void
test_malloc_type_tags(void **state)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = 64 * KB;
	char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf = aligned_alloc(4096, len);
	unsigned int checked = 0;
	const char *why = NULL;
	(void)state;

	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, pg, PROT_NONE), 0);
	assert_non_null(buf);
	memset(buf, 0, len);
	struct hm_heap *hh = hm_heap_init(buf, len, "tags");
	assert_non_null(hh);
	struct malloc_heap *h = (struct malloc_heap *)(void *)hh;
	for (size_t slen = 0; slen <= 14; slen++) {
		for (size_t k = 0; k <= 16; k++) {
			/* the NUL at the page's last byte - k; k == 16: mid-page */
			size_t nul = k < 16 ? pg - 1 - k : pg / 2, start = nul - slen;
			const char *t = map + start;
			struct alloc_req r;
			void *a, *b;

			memset(map + pg / 2 - 32, 0xa5, pg / 2 + 32); /* non-zero after the NUL */
			for (size_t i = 0; i < slen; i++)
				map[start + i] = (char)('a' + (i * 7 + slen) % 26);
			map[nul] = '\0';
			hm_spinlock_lock(&h->lock);
			a = heap_alloc_small(h, 64, 10, t, NULL);
			assert_int_equal(heap_make_req(&r, t, 100, 256, 0), 0);
			b = heap_alloc(h, &r);
			hm_spinlock_unlock(&h->lock);
			assert_non_null(a);
			assert_non_null(b);
			assert_tag(a, t);
			assert_tag(b, t);
			assert_int_equal(hm_heap_free(hh, a), 0);
			assert_int_equal(hm_heap_free(hh, b), 0);
			checked++;
		}
	}
	if (hm_heap_check(hh, &why) != 0)
		fail_msg("heap check: %s", why);
	assert_int_equal(checked, 15 * 17);
	hm_heap_fini(hh);
	free(buf);
	assert_int_equal(munmap(map, 2 * pg), 0);

	/* one buffer, several strings, the same address */
	static const char *const names[] = { "twelve-chars", "b", "", "thirteen-char", "seven77",
					     "eight888", "ninenine9", "x" };
	char name[16];
	void *p[sizeof(names) / sizeof(names[0])][3];
	assert_int_equal(init_topo(TOPO2), 0);
	memset(name, 'z', sizeof(name));
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memcpy(name, names[i], strlen(names[i]) + 1); /* the old tail stays */
		p[i][0] = hm_malloc(name, 64, 0);
		p[i][1] = hm_zmalloc(name, 200, 0);
		p[i][2] = hm_malloc(name, 100, 256); /* not the short path: heap_alloc */
		for (unsigned int j = 0; j < 3; j++) {
			assert_non_null(p[i][j]);
			assert_tag(p[i][j], names[i]);
		}
	}
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_tag(p[i][0], names[i]); /* later tags did not touch earlier ones */
		for (unsigned int j = 0; j < 3; j++)
			assert_int_equal(hm_free(p[i][j]), 0);
	}
	void *n = hm_malloc(NULL, 64, 0);
	assert_non_null(n);
	assert_tag(n, NULL);
	assert_int_equal(hm_free(n), 0);
	assert_valid();
}

/*
 * hm_malloc with the caches off on one node (the heap alone): its short path
 * (malloc_heap_alone: the tag packed a word at a time before the lock, no
 * class change) and what it hands back to the whole path. A run of 64-byte
 * mallocs is carved from the top of the good-fit element, block under block,
 * as small_find predicts -- also at each point where the element's rest drops
 * into a smaller class (heap_small_relink, from the whole path) -- each with
 * its tag and requested size; type strings ending near a page end (the byte
 * loop, the whole path) and NULL tag right; requests the short path does not
 * take (alignment above 64, over 4 KiB, size 0) behave as before.
 */
static void
test_malloc_heap_alone(void **state)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE), max = 40000;
	char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **v = calloc(max, sizeof(*v));
	unsigned int same = 0, changed = 0;
	size_t n = 0;
	(void)state;

	assert_true(map != MAP_FAILED);
	assert_non_null(v);
	assert_int_equal(mprotect(map + pg, pg, PROT_NONE), 0);
	assert_int_equal(init_topo("nodes=1;2M=64;4K=256;lcores=0@0;seed=7"), 0);
	assert_int_equal(malloc_st.n_nodes, 1);
	struct malloc_heap *h = &malloc_st.heaps[0];

	/* carve until both cases were seen often (the heap grows by 4 KiB pages:
	 * its small elements change class every few carves) */
	while (changed < 50 || same < 200) {
		struct malloc_elem *e, *b;
		uint64_t front;
		bool keeps;
		assert_true(n < max);
		bool found = small_find(h, 64, &e, &b, &front, &keeps);
		v[n] = hm_malloc(n % 2 ? "alone-type-x" : "a", 1 + n % 64, 0);
		assert_non_null(v[n]);
		if (found) {
			assert_ptr_equal(v[n], (char *)b + ELEM_HEADER_LEN);
			assert_int_equal(e->size, front);
			if (keeps)
				same++;
			else
				changed++;
		}
		assert_tag(v[n], n % 2 ? "alone-type-x" : "a");
		assert_int_equal(elem_of_live(v[n])->busy.req, 64 - (1 + n % 64));
		n++;
	}
	print_message("heap alone: %u carves kept the class, %u changed it, %zu mallocs\n", same, changed, n);
	assert_true(same >= 200 && changed >= 50);
	assert_valid();

	/* the tag through hm_malloc, strings ending at each of a page's last 16
	 * bytes (the whole path) and mid-page (the short one) */
	for (size_t slen = 0; slen <= 14; slen++) {
		for (size_t k = 0; k <= 16; k++) {
			size_t nul = k < 16 ? pg - 1 - k : pg / 2, start = nul - slen;
			const char *t = map + start;

			memset(map + pg / 2 - 32, 0xa5, pg / 2 + 32);
			for (size_t i = 0; i < slen; i++)
				map[start + i] = (char)('a' + (i * 5 + slen) % 26);
			map[nul] = '\0';
			assert_true(n < max);
			v[n] = hm_malloc(t, 64, 0);
			assert_non_null(v[n]);
			assert_tag(v[n], t);
			n++;
		}
	}
	v[n] = hm_malloc(NULL, 64, 0);
	assert_non_null(v[n]);
	assert_tag(v[n++], NULL);

	/* not the short path */
	v[n] = hm_malloc("big", 4097, 0);
	assert_non_null(v[n++]);
	v[n] = hm_malloc("al", 64, 128);
	assert_non_null(v[n]);
	assert_int_equal((uintptr_t)v[n++] % 128, 0);
	assert_null(hm_malloc("al", 64, 48));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_malloc("zero", 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	/* every alignment up to 4096 (cacheable's one-test check): 0 and the
	 * powers of two served and honoured, any other refused with EINVAL */
	for (unsigned int al = 0; al <= 4096; al++) {
		hm_errno = 0;
		void *q = hm_malloc("al", 64, al);
		if (al != 0 && (al & (al - 1)) != 0) {
			assert_null(q);
			assert_int_equal(hm_errno, EINVAL);
			continue;
		}
		assert_non_null(q);
		assert_int_equal((uintptr_t)q % (al > 64 ? al : 64), 0);
		assert_int_equal(hm_free(q), 0);
	}
	assert_valid();
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hm_free(v[i]), 0);
	assert_valid();
	free(v);
	assert_int_equal(munmap(map, 2 * pg), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_check_detects_corruption, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_lifo_and_top, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_alignment, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_bound, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_small_path_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_free_join_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_type_tags, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_heap_alone, hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
