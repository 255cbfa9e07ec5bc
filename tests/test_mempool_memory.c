/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool conformance tests, the memory under a pool: population over
 * shuffled-IOVA memory (page rule and IOVA object by object), small pages,
 * chunk fallback on a fragmented heap, and the pool, its chunks and its ring
 * on the asked node (the second node is hm_test_node_b(): node 0 on one-node
 * machines). Synthetic IOVA layouts (iova=contig|fragmented) and 4K pages as a
 * second size are emu-only. Split from test_mempool.c (shared helpers:
 * mempool_test_common.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define MEMPOOL_TEST_PREFIX "mempool_memory"
#include "mempool_test_common.h"

/* ---------------------------------------------------------------- memory */

struct iova_check {
	uint64_t pg;
	size_t total, hdr, elt;
	unsigned int n, crossing_allowed;
};

static void
iova_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct iova_check *c = arg;
	uintptr_t start = (uintptr_t)obj - c->hdr;
	hm_iova_t iova = hm_mempool_virt2iova(obj);

	(void)mp;
	(void)idx;
	if (!c->crossing_allowed && c->total <= c->pg)
		assert_int_equal(start / c->pg, (start + c->total - 1) / c->pg);
	if (c->crossing_allowed && iova == HM_BAD_IOVA) {
		c->n++;
		return;
	}
	assert_true(iova != HM_BAD_IOVA);
	assert_int_equal(iova, hm_mem_virt2iova(obj));
	/* the whole object is IOVA-contiguous: check every page boundary in it */
	for (uintptr_t p = HM_ALIGN_CEIL((uintptr_t)obj + 1, (uintptr_t)4096);
	     p < (uintptr_t)obj + c->elt; p += 4096)
		assert_int_equal(hm_mem_virt2iova((void *)p), iova + (p - (uintptr_t)obj));
	assert_int_equal(hm_mem_virt2iova((uint8_t *)obj + c->elt - 1), iova + c->elt - 1);
	c->n++;
}

static void
check_pool_iova(struct hm_mempool *mp, uint64_t pg, int crossing_allowed)
{
	struct iova_check c = { .pg = pg, .hdr = mp->header_size, .elt = mp->elt_size,
				.crossing_allowed = (unsigned int)crossing_allowed };

	c.total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	assert_int_equal(hm_mempool_obj_iter(mp, iova_cb, &c), mp->size);
	assert_int_equal(c.n, mp->size);
	assert_int_equal(mp->pg_sz, crossing_allowed ? 0 : pg);
}

/* Populate over shuffled IOVA: page rule and object IOVA, object by object. */
static void
test_mempool_populate_shuffled_iova(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(init_with("nodes=1;2M=64;iova=shuffled;seed=3", 0), 0);
	/* 3000-byte objects do not divide 2 MiB */
	mp = hm_mempool_create("shuf", 8000, 3000, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, MB2, 0);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* no IOVA-contiguity asked: objects may cross pages, their IOVA is right or BAD */
	mp = hm_mempool_create("nic", 8000, 3000, 0, 0, NULL, NULL, NULL, NULL, 0,
			       HM_MEMPOOL_F_NO_IOVA_CONTIG);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, MB2, 1);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

static void
test_mempool_populate_small_pages(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	hm_test_need_emu("4K pages as a second page size, in runs of 1..4 IOVA-contiguous "
			 "pages (iova=fragmented), are an emu model");
	/* runs of 1..4 contiguous pages: objects bigger than a page fit in some */
	assert_int_equal(init_with("nodes=1;4K=8192;2M=16;iova=fragmented;seed=9", 0), 0);
	mp = hm_mempool_create("small", 3000, 1000, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, 4096, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	mp = hm_mempool_create("small2", 40, 10000, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, 4096, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* bigger than a 4K page and than a 2M page */
	mp = hm_mempool_create("big", 5, 3 << 20, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	check_pool_iova(mp, 4096, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

static void
count_chunks(struct hm_mempool *mp, void *arg, struct hm_mempool_memhdr *m, unsigned int idx)
{
	unsigned int *n = arg;

	assert_ptr_equal(m->mp, mp);
	assert_int_equal(idx, *n);
	assert_true(m->n_objs > 0);
	(*n)++;
}

/* A fragmented heap with no page left: the pool is built from smaller chunks. */
static void
chunk_fallback(const char *topo)
{
	const struct hm_memzone *z[64];
	struct hm_mempool *mp;
	unsigned int nz = 0, chunks = 0, mz0;
	char name[32];

	assert_int_equal(init_with(topo, 0), 0);
	hm_test_quiet_log();
	for (nz = 0; nz < 64; nz++) {
		snprintf(name, sizeof(name), "frag%u", nz);
		z[nz] = hm_memzone_reserve(name, 512 << 10, 0, 0);
		if (z[nz] == NULL)
			break;
	}
	assert_true(nz >= 16);
	for (unsigned int i = 0; i < nz; i += 2)
		assert_int_equal(hm_memzone_free(z[i]), 0);
	mz0 = hm_memzone_count();
	/* 2000 x 1088 bytes = 2.1 MB: no hole is that big */
	mp = hm_mempool_create("frag", 2000, 1024, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_pool_valid(mp);
	assert_true(mp->nb_mem_chunks >= 4);
	assert_int_equal(hm_mempool_mem_iter(mp, count_chunks, &chunks), mp->nb_mem_chunks);
	assert_int_equal(chunks, mp->nb_mem_chunks);
	check_pool_iova(mp, MB2, 0);
	assert_all_back_once(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), mz0);
	/* more than the holes hold: ENOMEM and nothing left behind */
	assert_null(hm_mempool_create("toobig", 20000, 1024, 0, 0, NULL, NULL, NULL, NULL, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_null(hm_mempool_lookup("toobig"));
	assert_int_equal(hm_memzone_count(), mz0);
	/* a populate that runs out gives back what it placed (DPDK's rule): the
	 * pool is empty again, and a later call may try again */
	mp = hm_mempool_create_empty("part", 20000, 1024, 0, 0, 0, 0);
	assert_non_null(mp);
	unsigned int mz_empty = hm_memzone_count();
	assert_int_equal(hm_mempool_populate_default(mp), -ENOMEM);
	assert_int_equal(mp->populated_size, 0);
	assert_int_equal(mp->nb_mem_chunks, 0);
	assert_int_equal(hm_memzone_count(), mz_empty + 1); /* the ring backend stays */
	assert_pool_valid(mp);
	assert_int_equal(hm_mempool_avail_count(mp), 0);
	assert_int_equal(hm_mempool_populate_default(mp), -ENOMEM);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), mz0);
	for (unsigned int i = 1; i < nz; i += 2)
		assert_int_equal(hm_memzone_free(z[i]), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
}

static void
test_mempool_chunk_fallback(void **state)
{
	(void)state;
	/* emu: every run of pages IOVA-contiguous (its default layout); hugetlbfs:
	 * the machine's physical layout */
	chunk_fallback("nodes=1;2M=8");
	/* emu only: the holes' pages scattered in IOVA, as real pages may be */
	if (hm_test_is_emu())
		chunk_fallback("nodes=1;2M=8;iova=shuffled;seed=5");
}


/* Two nodes: the pool, its chunks and its ring on the asked node (node 0 on
 * one-node machines, where only the placement bookkeeping is checked). */
static int
zone_socket_cb(const struct hm_memzone *z, void *arg)
{
	if (strncmp(z->name, "MP", 2) == 0 || strncmp(z->name, "RG_MP", 5) == 0)
		assert_int_equal(z->socket_id, *(int *)arg);
	return 0;
}

static void
test_mempool_socket(void **state)
{
	struct hm_mempool *mp;
	int node = hm_test_node_b();
	(void)state;

	assert_int_equal(init_with("nodes=2;2M=32,32;lcores=0@0,1@1", 0), 0);
	mp = hm_mempool_create("node1", 2000, 500, 0, 0, NULL, NULL, NULL, NULL, node, 0);
	assert_non_null(mp);
	assert_int_equal(hm_memzone_walk(zone_socket_cb, &node), 0);
	for (struct hm_mempool_memhdr *m = mp->mem_head; m != NULL; m = m->next)
		assert_int_equal(hm_mem_virt2memseg(m->addr, NULL)->socket_id, node);
	assert_int_equal(hm_mempool_free(mp), 0);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mempool_populate_shuffled_iova, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_small_pages, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_chunk_fallback, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_socket, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
