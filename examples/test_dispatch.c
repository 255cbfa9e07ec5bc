/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Example 3: a cmocka test of application code (dispatch.c) that runs on any
 * backend. hugemem/testing.h picks the backend from the environment:
 *
 *   ./test_dispatch                               emu (an emulated 2-node machine)
 *   HUGEMEM_BACKEND=hugetlbfs ./test_dispatch     real hugepages, the machine's
 *                                                 mounts; skipped (exit 77) with the
 *                                                 reason when there are none free
 *
 * The test states its needs as an emu topology; on a real machine
 * hm_testing_init_topo() turns it into caps (one node if the machine has one).
 *
 *   cc -std=c11 -o test_dispatch test_dispatch.c dispatch.c \
 *      $(pkg-config --cflags --libs hugemem cmocka)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dispatch.h"
#include "hugemem/testing.h"

#define POOL_N 255u

struct fixture {
	struct hm_mempool *pool;
	int node; /* node 1 where the machine has two, else 0 */
};

static int
setup(void **state)
{
	static struct fixture f;
	int rc = hm_testing_init_topo("nodes=2;2M=16,16;lcores=0@0,1@1");

	if (rc == HM_TESTING_SKIP) /* the machine cannot offer the topology's caps */
		hm_testing_skip_exit("%s", hm_testing_reason());
	assert_int_equal(rc, 0);
	f.node = hm_testing_node_b();
	f.pool = hm_pktmbuf_pool_create("test_pool", POOL_N, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE,
					f.node);
	assert_non_null(f.pool);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	hm_mempool_free(f->pool);
	return hm_cleanup();
}

/* @p n packets of flows hash 0, 1, 2, ... (mod @p flows), payload byte = index. */
static void
make_packets(struct hm_mempool *pool, struct hm_mbuf **pkts, unsigned int n, unsigned int flows)
{
	for (unsigned int i = 0; i < n; i++) {
		pkts[i] = hm_pktmbuf_alloc(pool);
		assert_non_null(pkts[i]);
		pkts[i]->hash.rss = i % flows;
		*(uint8_t *)hm_pktmbuf_append(pkts[i], 1) = (uint8_t)i;
	}
}

static void
test_dispatch_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_null(dispatch_create(NULL, 2, 64, 0));
	assert_null(dispatch_create("d", 0, 64, 0));
	assert_null(dispatch_create("d", DISPATCH_MAX_WORKERS + 1, 64, 0));
	assert_null(dispatch_create("d", 2, 100, 0)); /* not a power of two */
	dispatch_free(NULL);
}

static void
test_dispatch_keeps_flows_together_and_in_order(void **state)
{
	struct fixture *f = *state;
	struct hm_mbuf *pkts[64], *out[64];
	struct dispatch *d = dispatch_create("flows", 4, 64, f->node);

	assert_non_null(d);
	make_packets(f->pool, pkts, 64, 8);
	assert_int_equal(dispatch_burst(d, pkts, 64), 64);
	for (unsigned int w = 0; w < 4; w++) {
		unsigned int n = dispatch_take(d, w, out, 64), last[8] = { 0 };
		bool seen[8] = { false };

		assert_int_equal(n, 16); /* flows w and w + 4, 8 packets each */
		for (unsigned int i = 0; i < n; i++) {
			unsigned int flow = out[i]->hash.rss, idx = *hm_pktmbuf_mtod(out[i], uint8_t *);
			assert_int_equal(flow % 4, w);
			if (seen[flow])
				assert_true(idx > last[flow]); /* in order */
			seen[flow] = true;
			last[flow] = idx;
		}
		hm_pktmbuf_free_bulk(out, n);
	}
	assert_int_equal(dispatch_dropped(d), 0);
	dispatch_free(d);
	assert_int_equal(hm_mempool_avail_count(f->pool), POOL_N);
}

static void
test_dispatch_drops_and_frees_when_full(void **state)
{
	struct fixture *f = *state;
	struct hm_mbuf *pkts[100];
	struct dispatch *d = dispatch_create("full", 1, 32, f->node);

	assert_non_null(d);
	make_packets(f->pool, pkts, 100, 1);
	/* a ring of 32 slots holds 31: the other 69 are dropped, their mbufs freed */
	assert_int_equal(dispatch_burst(d, pkts, 100), 31);
	assert_int_equal(dispatch_dropped(d), 69);
	assert_int_equal(hm_mempool_avail_count(f->pool), POOL_N - 31);
	/* freeing the dispatcher returns the queued packets too: nothing leaks */
	dispatch_free(d);
	assert_int_equal(hm_mempool_avail_count(f->pool), POOL_N);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispatch_rejects_bad_arguments),
		cmocka_unit_test(test_dispatch_keeps_flows_together_and_in_order),
		cmocka_unit_test(test_dispatch_drops_and_frees_when_full),
	};

	/* Whole program: skip (exit 77, the reason on stdout) where the backend
	 * under test cannot run, e.g. hugetlbfs without free hugepages. */
	if (hm_testing_backend_ready(32) == HM_TESTING_SKIP)
		hm_testing_skip_exit("%s", hm_testing_reason());
	return cmocka_run_group_tests(tests, setup, teardown);
}
