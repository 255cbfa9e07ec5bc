/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc refusals and failure messages (conformance, every backend):
 *   - memory a memzone owns (a plain zone, a ring, a mempool's header and
 *     chunks, the biggest-block zone, an IOVA-contiguous zone) is refused by
 *     hm_free, hm_realloc and hm_malloc_validate with -EINVAL and a message
 *     naming the zone; nothing changes (the zone stays listed, valid, usable,
 *     its bytes intact) and later mallocs never hand that memory out. DPDK's
 *     rte_free accepts such a pointer and frees the zone's memory under it.
 *   - when a heap cannot grow, the ENOMEM message keeps the cause: memseg's or
 *     the backend's message and errno, per heap and page size (emu fault
 *     injection, so emu only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "hugemem/hugemem.h"

#define KB4 4096ULL
#define MB2 (2ULL << 20)

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1";

static int
init_topo(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	return hm_test_init_cfg(&c);
}

static void
assert_all_valid(void)
{
	const char *why = NULL;

	assert_heaps_valid();
	if (hm_memzone_check(&why) != 0)
		fail_msg("memzone check: %s", why != NULL ? why : "?");
}

/* The last error says @p ptr belongs to memzone @p name. */
static void
assert_names_zone(const void *ptr, const char *name)
{
	char want[96];

	snprintf(want, sizeof(want), "%p belongs to memzone '%s'", ptr, name);
	if (strstr(hm_last_error(), want) == NULL)
		fail_msg("message '%s' lacks '%s'", hm_last_error(), want);
}

/* Every public malloc entry point that takes a block refuses @p ptr (owned by
 * zone @p name) with -EINVAL and changes nothing. */
static void
assert_refused(void *ptr, const char *name)
{
	struct hm_malloc_socket_stats before[2], after;
	unsigned int zones = hm_memzone_count(), live = hm_malloc_leak_report(NULL);
	size_t sz = 12345;
	int nb = hm_test_node_b();

	before[0] = stats_of(0);
	before[1] = stats_of(nb);
	assert_int_equal(hm_free(ptr), -EINVAL);
	assert_int_equal(hm_errno, EINVAL);
	assert_names_zone(ptr, name);
	assert_int_equal(hm_malloc_validate(ptr, &sz), -EINVAL);
	assert_int_equal(sz, 12345);
	assert_names_zone(ptr, name);
	hm_errno = 0;
	assert_null(hm_realloc(ptr, 100, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_names_zone(ptr, name);
	hm_errno = 0;
	assert_null(hm_realloc_socket(ptr, 3 * MB2, 0, HM_SOCKET_ID_ANY));
	assert_int_equal(hm_errno, EINVAL);
	/* a second hm_free is refused the same way: the first changed nothing */
	assert_int_equal(hm_free(ptr), -EINVAL);
	assert_names_zone(ptr, name);
	assert_int_equal(hm_memzone_count(), zones);
	assert_int_equal(hm_malloc_leak_report(NULL), live);
	after = stats_of(0);
	stats_equal(&before[0], &after);
	after = stats_of(nb);
	stats_equal(&before[1], &after);
	assert_all_valid();
}

/* [p, p+len) overlaps no zone's memory. */
static int
overlap_cb(const struct hm_memzone *z, void *arg)
{
	const char *const *r = arg;
	const char *a = z->addr;

	return r[0] < a + z->len && a < r[1];
}

static void
assert_in_no_zone(const void *p, size_t len)
{
	const char *r[2] = { p, (const char *)p + len };

	if (hm_memzone_walk(overlap_cb, r) != 0)
		fail_msg("malloc handed out %p (+%zu), memory of a memzone", p, len);
}

/* Allocations of the sizes the refused zones had (and small ones the lcore
 * caches serve) land outside every zone. */
static void
malloc_around_zones(void)
{
	static const size_t sizes[] = { 64, 100, 1000, 4096, 65536, 3 * MB2 };
	void *ps[4 * sizeof(sizes) / sizeof(sizes[0])];
	unsigned int n = 0;

	for (unsigned int r = 0; r < 4; r++)
		for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			void *p = hm_malloc("around", sizes[i], 0);
			assert_non_null(p);
			assert_in_no_zone(p, sizes[i]);
			memset(p, 0x5a, sizes[i]);
			ps[n++] = p;
		}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_free(ps[i]), 0);
}

static void
fill_check(const struct hm_memzone *z, uint8_t v, bool check)
{
	uint8_t *p = z->addr;

	for (size_t i = 0; i < z->len; i++) {
		if (check && p[i] != v)
			fail_msg("zone '%s' byte %zu changed", z->name, i);
		p[i] = v;
	}
}

/* ------------------------------------------------------------------ tests */

static void
test_malloc_errors_zone_memory_refused(void **state)
{
	const struct hm_memzone *zs[5];
	const char *names[5] = { "small", "kilo", "multi", "contig", "biggest" };
	(void)state;

	log_start();
	/* default config: the main thread is lcore 0 and the lcore caches are on,
	 * so hm_free's cache path sees small zones too */
	assert_int_equal(init_topo(TOPO2), 0);
	zs[0] = hm_memzone_reserve(names[0], 64, 0, 0);
	zs[1] = hm_memzone_reserve(names[1], 1000, hm_test_node_b(), 0);
	zs[2] = hm_memzone_reserve(names[2], 3 * MB2, 0, 0);
	zs[3] = hm_memzone_reserve(names[3], 8192, 0, HM_MEMZONE_IOVA_CONTIG);
	void *hold = hm_malloc("hold", 100, 0); /* a heap with some free memory */
	assert_non_null(hold);
	zs[4] = hm_memzone_reserve(names[4], 0, 0, 0); /* the biggest free block */
	for (unsigned int i = 0; i < 5; i++) {
		assert_non_null(zs[i]);
		fill_check(zs[i], (uint8_t)(0x11 * (i + 1)), false);
	}
	for (unsigned int i = 0; i < 5; i++) {
		assert_refused(zs[i]->addr, names[i]);
		assert_ptr_equal(hm_memzone_lookup(names[i]), zs[i]);
	}
	malloc_around_zones();
	for (unsigned int i = 0; i < 5; i++)
		fill_check(zs[i], (uint8_t)(0x11 * (i + 1)), true);
	/* an interior pointer of a zone is no block at all */
	assert_int_equal(hm_free((char *)zs[2]->addr + 4096), -EINVAL);
	assert_int_equal(hm_malloc_validate((char *)zs[1]->addr + 64, NULL), -EINVAL);
	assert_all_valid();
	/* the zones still free the normal way */
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(hm_memzone_free(zs[i]), 0);
	assert_int_equal(hm_free(hold), 0);
	assert_int_equal(hm_malloc_cache_flush() >= 0, 1);
	assert_all_valid();
	assert_int_equal(hm_leak_report(NULL), 0);
	/* refusals log at DEBUG only */
	assert_no_warnings();
}

static void
test_malloc_errors_ring_and_mempool_refused(void **state)
{
	struct hm_ring *r;
	struct hm_mempool *mp;
	void *objs[8];
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	r = hm_ring_create("rr", 64, 0, 0);
	assert_non_null(r);
	mp = hm_mempool_create("pp", 200, 128, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(mp);
	assert_int_equal(hm_mempool_get_bulk(mp, objs, 8), 0);

	assert_refused(r, "RG_rr");
	assert_refused(mp, "MP_pp");
	/* the pool's ring (in its own zone) and its object chunk */
	assert_refused(mp->pool_data, "RG_MP_pp");
	const struct hm_mempool_memhdr *mh = mp->mem_head;
	assert_non_null(mh);
	/* a populate_default chunk: opaque is its memzone (DPDK: the chunk's free_cb argument) */
	const struct hm_memzone *chunk = mh->opaque;
	assert_refused(chunk->addr, chunk->name);
	/* an object is inside a chunk: no block of its own */
	assert_int_equal(hm_free(objs[0]), -EINVAL);
	malloc_around_zones();

	/* all of them still work */
	assert_int_equal(hm_ring_enqueue(r, (void *)0x1234), 0);
	void *o = NULL;
	assert_int_equal(hm_ring_dequeue(r, &o), 0);
	assert_ptr_equal(o, (void *)0x1234);
	assert_int_equal(hm_ring_check(r, NULL), 0);
	hm_mempool_put_bulk(mp, objs, 8);
	assert_int_equal(hm_mempool_check(mp, NULL), 0);
	assert_int_equal(hm_mempool_avail_count(mp), 200);
	assert_ptr_equal(hm_mempool_lookup("pp"), mp);
	assert_ptr_equal(hm_ring_lookup("rr"), r);
	assert_all_valid();

	hm_ring_free(r);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), 0);
	assert_int_equal(hm_leak_report(NULL), 0);
	assert_no_warnings();
}

/* A memzone's block is not the cache's either: a small zone freed through
 * hm_free on an lcore thread must not become a cached block. */
static void
test_malloc_errors_zone_not_cached(void **state)
{
	struct hm_malloc_socket_stats st;
	(void)state;

	log_start();
	assert_int_equal(init_topo(TOPO2), 0);
	const struct hm_memzone *z = hm_memzone_reserve("tiny", 64, 0, 0);
	assert_non_null(z);
	st = stats_of(0);
	assert_int_equal(hm_free(z->addr), -EINVAL);
	assert_int_equal(stats_of(0).cached_count, st.cached_count);
	/* the next small mallocs (cache refills included) never return it */
	for (unsigned int i = 0; i < 200; i++) {
		void *p = hm_malloc("t", 64, 0);
		assert_non_null(p);
		assert_true(p != z->addr);
		assert_in_no_zone(p, 64);
		assert_int_equal(hm_free(p), 0);
	}
	assert_int_equal(hm_memzone_free(z), 0);
	assert_all_valid();
	assert_no_warnings();
}

/* ENOMEM from a heap that cannot grow names the cause. */
static void
assert_msg_has(const char *what)
{
	if (strstr(hm_last_error(), what) == NULL)
		fail_msg("message '%s' lacks '%s'", hm_last_error(), what);
}

static void
test_malloc_errors_growth_cause(void **state)
{
	(void)state;

	hm_test_need_emu("page maps fail by fault injection");
	log_start();
	assert_int_equal(init_topo("nodes=2;2M=8,8;4K=16,16;lcores=0@0,1@1"), 0);

	/* node 0's page maps fail: an explicit node 0 malloc says why, per page size */
	assert_int_equal(hm_backend_fault("node=0"), 0);
	hm_errno = 0;
	assert_null(hm_malloc_socket("t", 100, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_msg_has("malloc: no 128 bytes (align 64) on heap socket_0: growth failed: "
		       "1 x 4K on node 0: emu: injected fault (node=0) on page_map call");
	assert_msg_has("1 x 2M on node 0: emu: injected fault (node=0)");
	assert_msg_has("(Cannot allocate memory)");
	/* ANY falls back to node 1 */
	void *p = hm_malloc("t", 100, 0);
	assert_non_null(p);
	assert_int_equal(node_of(p), 1);
	assert_int_equal(hm_free(p), 0);

	/* both nodes fail, differently: both causes are in the message */
	assert_int_equal(hm_backend_fault("pool=1:2M:0;pool=1:4K:0"), 0);
	hm_errno = 0;
	assert_null(hm_malloc("t", 5000, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_msg_has("on any node: heap socket_0: growth failed: 2 x 4K on node 0: emu: "
		       "injected fault (node=0)");
	assert_msg_has("heap socket_1: growth failed: 2 x 4K on node 1: emu: injected fault "
		       "(pool=1:4K:0)");
	/* a memzone's failure carries it too */
	assert_null(hm_memzone_reserve("z", 100000, HM_SOCKET_ID_ANY, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_msg_has("memzone: malloc: no ");
	assert_msg_has("injected fault (node=0)");

	/* no fault: 34 MiB is more 4K pages than a list holds, and more 2M pages
	 * than the pool has; both said rather than "no memory" */
	assert_int_equal(hm_backend_fault("clear"), 0);
	hm_errno = 0;
	assert_null(hm_malloc_socket("t", 17 * MB2, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_msg_has("growth failed: 4K pages: ");
	assert_msg_has("pages a list holds; 18 x 2M on node 0: emu: no free 2M page on node 0 "
		       "(all 8 in use) (Cannot allocate memory)");
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(1), 0);
	assert_all_valid();
	assert_no_warnings();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_errors_zone_memory_refused, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_errors_ring_and_mempool_refused,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_errors_zone_not_cached, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_errors_growth_cause, hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
