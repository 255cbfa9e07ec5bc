/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool population from caller memory and anonymous memory
 * (hm_mempool_populate_iova / _virt / _anon), DPDK's populate_default rules
 * (-EEXIST once the pool has chunks, a failure gives everything back), chunk
 * free callbacks, the 24-byte object header at DPDK's offsets, and
 * hm_mempool_page_size. Every case checks the pool with hm_mempool_check and
 * that each object comes out of the pool exactly once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

static const char *const TOPO = "nodes=1;2M=32;lcores=0-3";

static int
init_pool_env(void)
{
	struct hm_config c;

	hm_config_init(&c);
	c.file_prefix = "mempool_populate";
	c.topology = TOPO;
	c.mempool_debug_set = true;
	c.mempool_debug = true;
	return hm_test_init_cfg(&c);
}

static void
assert_pool_valid(const struct hm_mempool *mp)
{
	const char *why = NULL;

	if (hm_mempool_check(mp, &why) != 0)
		fail_msg("mempool '%s': %s", mp->name, why != NULL ? why : hm_last_error());
}

/* Take every object out once (no duplicates, all inside [lo, hi)), put them back. */
static void
assert_objects_once(struct hm_mempool *mp, const void *lo, const void *hi)
{
	void **objs = calloc(mp->populated_size + 1, sizeof(void *));
	unsigned int n = mp->populated_size;

	assert_non_null(objs);
	assert_int_equal(hm_mempool_generic_get(mp, objs, n, NULL), 0);
	assert_true(hm_mempool_generic_get(mp, objs + n, 1, NULL) < 0);
	for (unsigned int i = 0; i < n; i++) {
		if (lo != NULL)
			assert_true((const char *)objs[i] >= (const char *)lo &&
				    (const char *)objs[i] + mp->elt_size <= (const char *)hi);
		assert_ptr_equal(hm_mempool_from_obj(objs[i]), mp);
		for (unsigned int j = 0; j < i; j++)
			assert_ptr_not_equal(objs[i], objs[j]);
		memset(objs[i], 0xa5, mp->elt_size); /* the whole element is usable */
	}
	hm_mempool_generic_put(mp, objs, n, NULL);
	free(objs);
	assert_pool_valid(mp);
}

struct freed {
	int calls;
	void *addr;
	void *opaque;
};

static void
note_free(struct hm_mempool_memhdr *mh, void *opaque)
{
	struct freed *f = opaque;

	f->calls++;
	f->addr = mh->addr;
	f->opaque = opaque;
}

static void
test_mempool_populate_invalid_args(void **state)
{
	struct hm_mempool fake;
	struct hm_mempool *mp;
	char buf[4096] __attribute__((aligned(4096)));
	(void)state;

	assert_int_equal(init_pool_env(), 0);
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(hm_mempool_populate_iova(NULL, buf, 0, sizeof(buf), NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_iova(&fake, buf, 0, sizeof(buf), NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_virt(NULL, buf, sizeof(buf), 4096, NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_anon(NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_anon(&fake), -EINVAL);
	assert_int_equal(hm_mempool_page_size(NULL), 0);
	assert_int_equal(hm_errno, EINVAL);

	mp = hm_mempool_create_empty("bad", 8, 64, 0, 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_populate_iova(mp, NULL, 0, 4096, NULL, NULL), -EINVAL);
	/* virt: page size 0, not a power of two, unaligned address or length */
	assert_int_equal(hm_mempool_populate_virt(mp, buf, sizeof(buf), 0, NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_virt(mp, buf, sizeof(buf), 3000, NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_virt(mp, buf + 64, 4096, 4096, NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_virt(mp, buf, 100, 4096, NULL, NULL), -EINVAL);
	assert_int_equal(hm_mempool_populate_virt(mp, NULL, 4096, 4096, NULL, NULL), -EINVAL);
	/* nothing changed */
	assert_int_equal(mp->nb_mem_chunks, 0);
	assert_int_equal(mp->populated_size, 0);
	assert_pool_valid(mp);
	/* a chunk too small for one object is not kept (0) */
	assert_int_equal(hm_mempool_populate_iova(mp, buf, HM_BAD_IOVA, 64, NULL, NULL), 0);
	assert_int_equal(mp->nb_mem_chunks, 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

/* Objects in caller memory with a given IOVA: addresses, IOVAs, the free callback. */
static void
test_mempool_populate_iova(void **state)
{
	const size_t len = 64 * 1024;
	struct freed fr = { 0, NULL, NULL };
	struct hm_mempool *mp;
	char *mem;
	int n1, n2;
	(void)state;

	assert_int_equal(init_pool_env(), 0);
	mem = aligned_alloc(4096, 2 * len);
	assert_non_null(mem);
	mp = hm_mempool_create_empty("iova", 300, 200, 8, 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	n1 = hm_mempool_populate_iova(mp, mem, 0x100000, len, note_free, &fr);
	assert_true(n1 > 0 && n1 < 300);
	assert_int_equal(mp->populated_size, n1);
	assert_int_equal(mp->nb_mem_chunks, 1);
	assert_ptr_equal(mp->mem_head->addr, mem);
	assert_int_equal(mp->mem_head->iova, 0x100000);
	assert_int_equal(mp->mem_head->len, len);
	assert_true((mp->flags & HM_MEMPOOL_F_NON_IO) == 0);
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next)
		assert_int_equal(h->iova, 0x100000 + (uint64_t)((char *)(h + 1) - mem));
	/* a second chunk without IOVA */
	n2 = hm_mempool_populate_iova(mp, mem + len, HM_BAD_IOVA, len, NULL, NULL);
	assert_true(n2 > 0);
	assert_int_equal(mp->nb_mem_chunks, 2);
	assert_int_equal(mp->populated_size, (unsigned int)(n1 + n2));
	assert_int_equal(hm_mempool_avail_count(mp), mp->populated_size);
	assert_objects_once(mp, mem, mem + 2 * len);
	/* populate_default refuses a pool with chunks (DPDK's EEXIST) */
	assert_int_equal(hm_mempool_populate_default(mp), -EEXIST);
	assert_int_equal(hm_mempool_populate_anon(mp), -EINVAL);
	/* the free callback runs once, with its chunk */
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(fr.calls, 1);
	assert_ptr_equal(fr.addr, mem);
	assert_ptr_equal(fr.opaque, &fr);
	free(mem);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);

	/* full: ENOSPC */
	mem = aligned_alloc(4096, len);
	mp = hm_mempool_create_empty("iova2", 4, 64, 0, 0, HM_SOCKET_ID_ANY, 0);
	assert_int_equal(hm_mempool_populate_iova(mp, mem, HM_BAD_IOVA, len, NULL, NULL), 4);
	assert_int_equal(hm_mempool_populate_iova(mp, mem, HM_BAD_IOVA, len, NULL, NULL), -ENOSPC);
	assert_true(mp->flags & HM_MEMPOOL_F_NON_IO); /* no object has an IOVA */
	assert_objects_once(mp, mem, mem + len);
	assert_int_equal(hm_mempool_free(mp), 0);
	free(mem);
}

/* populate_virt over hugemem memory: runs of IOVA-contiguous pages, one chunk each. */
static void
test_mempool_populate_virt(void **state)
{
	const size_t pg = 2u << 20;
	struct freed fr = { 0, NULL, NULL };
	const struct hm_memzone *mz;
	struct hm_mempool *mp;
	char *base;
	int n;
	(void)state;

	assert_int_equal(init_pool_env(), 0);
	mz = hm_memzone_reserve_aligned("area", 2 * pg, 0, HM_MEMZONE_2MB, (unsigned int)pg);
	assert_non_null(mz);
	base = mz->addr;
	mp = hm_mempool_create_empty("virt", 5000, 300, 0, 0, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_page_size(mp), pg);
	n = hm_mempool_populate_virt(mp, base, 2 * pg, pg, note_free, &fr);
	assert_true(n > 0);
	assert_int_equal(mp->populated_size, n);
	assert_true(mp->nb_mem_chunks >= 1 && mp->nb_mem_chunks <= 2);
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next) {
		uintptr_t s = (uintptr_t)h - (mp->header_size - sizeof(*h));
		/* no object across a 2M boundary, each with its address's IOVA */
		assert_int_equal(s / pg, (s + mp->header_size + mp->elt_size + mp->trailer_size - 1) / pg);
		assert_int_equal(h->iova, hm_mem_virt2iova(h + 1));
	}
	assert_pool_valid(mp);
	assert_objects_once(mp, base, base + 2 * pg);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(fr.calls, 1); /* the first chunk only */
	assert_int_equal(hm_memzone_free(mz), 0);

	/* NO_IOVA_CONTIG: one chunk, no IOVA, no page rule */
	mz = hm_memzone_reserve_aligned("area", 2 * pg, 0, HM_MEMZONE_2MB, (unsigned int)pg);
	mp = hm_mempool_create_empty("virt2", 100, 300, 0, 0, 0, HM_MEMPOOL_F_NO_IOVA_CONTIG);
	assert_int_equal(hm_mempool_page_size(mp), 0);
	assert_int_equal(hm_mempool_populate_virt(mp, mz->addr, 2 * pg, pg, NULL, NULL), 100);
	assert_int_equal(mp->nb_mem_chunks, 1);
	assert_int_equal(mp->elt_head->iova, HM_BAD_IOVA);
	assert_objects_once(mp, mz->addr, (char *)mz->addr + 2 * pg);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

static void
test_mempool_populate_anon(void **state)
{
	struct hm_mempool *mp;
	unsigned int mz0;
	(void)state;

	assert_int_equal(init_pool_env(), 0);
	mz0 = hm_memzone_count();
	mp = hm_mempool_create_empty("anon", 1000, 2300, 16, 0, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_populate_anon(mp), 1000);
	assert_int_equal(mp->nb_mem_chunks, 1);
	assert_int_equal(mp->populated_size, 1000);
	assert_true(mp->flags & HM_MEMPOOL_F_NON_IO);
	assert_true(hm_test_va_mapped(mp->mem_head->addr, mp->mem_head->len));
	assert_objects_once(mp, mp->mem_head->addr, (char *)mp->mem_head->addr + mp->mem_head->len);
	/* once only */
	assert_int_equal(hm_mempool_populate_anon(mp), -EINVAL);
	assert_int_equal(hm_mempool_populate_default(mp), -EEXIST);
	{
		void *addr = mp->mem_head->addr;
		size_t len = mp->mem_head->len;
		assert_int_equal(hm_mempool_free(mp), 0);
		assert_false(hm_test_va_mapped(addr, len)); /* unmapped with the pool */
	}
	assert_int_equal(hm_memzone_count(), mz0);
	assert_int_equal(hm_malloc_leak_report(NULL), 0);
}

/* The object header is DPDK's: 24 bytes {next, mp, iova}; the list heads sit
 * at DPDK's offsets of struct rte_mempool. */
static void
test_mempool_populate_layout(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(sizeof(struct hm_mempool_objhdr), 24);
	assert_int_equal(offsetof(struct hm_mempool, elt_head), 112);
	assert_int_equal(offsetof(struct hm_mempool, nb_mem_chunks), 128);
	assert_int_equal(offsetof(struct hm_mempool, mem_head), 136);
	assert_int_equal(offsetof(struct hm_mempool_memhdr, free_cb), 40);
	assert_int_equal(offsetof(struct hm_mempool_memhdr, opaque), 48);
	assert_int_equal(init_pool_env(), 0);
	mp = hm_mempool_create("lay", 64, 100, 0, 0, NULL, NULL, NULL, NULL, 0,
			       HM_MEMPOOL_F_NO_CACHE_ALIGN);
	assert_non_null(mp);
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next) {
		void *obj = h + 1;
		assert_ptr_equal((char *)obj - 24, (char *)h);
		assert_ptr_equal(hm_mempool_from_obj(obj), mp);
		assert_ptr_equal(hm_mempool_get_cookie(mp, obj), (char *)obj + mp->elt_size);
	}
	assert_int_equal(hm_mempool_free(mp), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mempool_populate_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_iova, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_virt, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_anon, hm_test_teardown),
		cmocka_unit_test_teardown(test_mempool_populate_layout, hm_test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
