/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc heap conformance tests, part 3 (part 1: test_malloc.c): stats,
 * realloc, usable size, external heaps and their memseg list slots, hm_cleanup
 * with live blocks, the leak report, threads and races. The same backends and
 * topologies as part 1 (malloc_test_common.h).
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
