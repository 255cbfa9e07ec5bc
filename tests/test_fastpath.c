/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inline fast paths of the mempool and the mbuf on pools without debug
 * cookies (a release build's default; the other suites turn cookies on, which
 * takes the checked paths): single hm_mempool_get / hm_mempool_put against a
 * model of DPDK 22.11's LIFO cache (exact lengths, objects and backend count
 * after every operation, flushes and refills included), hm_pktmbuf_free_bulk
 * straight onto the lcore cache against the order and state the general loop
 * gives (NULL entries, another pool, a chain, a shared mbuf, no room), and
 * hm_pktmbuf_alloc / _alloc_bulk's reset of every field. Topologies are emu
 * topology strings, which hm_test_init_cfg turns into caps on the machine
 * under hugetlbfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "mempool_fast_common.h"

static int
setup(void **state)
{
	(void)state;
	return fast_init("fastpath", false); /* the fast paths: no debug cookies */
}

/* ---------------------------------------------------------------- single get / put */

/* Random single gets and puts on the default cache, every outcome predicted. */
static void
test_fastpath_single_get_put_model(void **state)
{
	uint64_t seed = hm_test_seed();
	struct hm_mempool *mp;
	struct model m;
	(void)state;

	mp = fast_pool("single", 0);
	assert_false(hm_mempool_debug(mp));
	model_start(&m, mp);
	for (unsigned int r = 0; r < 20000; r++) {
		uint64_t x = hm_test_rand(&seed);
		/* phases that drain and fill, so both the refill and the flush happen */
		int put = m.nheld > 0 && ((r / 500) % 2 == 0 ? (x & 3) != 0 : (x & 3) == 0);

		if (put) {
			void *o = m.held[--m.nheld];

			hm_mempool_put(mp, o);
			if (m.len + 1 <= m.ft) {
				m.cache[m.len++] = o;
			} else {
				m.backend += m.len; /* the whole cache to the backend */
				m.cache[0] = o;
				m.len = 1;
			}
		} else {
			void *o = NULL;
			int rc = hm_mempool_get(mp, &o);

			if (m.len > 0) {
				assert_int_equal(rc, 0);
				assert_ptr_equal(o, m.cache[--m.len]);
			} else if (m.backend >= m.size + 1) {
				/* refill: size + 1 from the backend, the top one returned */
				assert_int_equal(rc, 0);
				assert_ptr_equal(o, m.c->objs[m.size]);
				memcpy(m.cache, m.c->objs, m.size * sizeof(void *));
				m.len = m.size;
				m.backend -= m.size + 1;
			} else if (m.backend >= 1) {
				assert_int_equal(rc, 0);
				m.backend--;
			} else {
				assert_true(rc < 0);
				continue;
			}
			assert_ptr_equal(hm_mempool_from_obj(o), mp);
			m.held[m.nheld++] = o;
		}
		model_check(&m, mp);
	}
	model_end(&m, mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* ---------------------------------------------------------------- free_bulk */

/* Take the cache to exactly @p len objects (pool with a cache of @p mp). */
static void
cache_to(struct hm_mempool *mp, struct hm_mempool_cache *c, unsigned int len)
{
	void *o[512];
	unsigned int n;

	assert_int_equal(hm_mempool_cache_flush(c, mp), 0);
	assert_true(len <= 512);
	assert_int_equal(hm_mempool_generic_get(mp, o, len, NULL), 0);
	hm_mempool_generic_put(mp, o, len, c);
	n = c->len;
	assert_int_equal(n, len);
}

/* The cache's top @p n objects are @p want[0..n), in that order. */
static void
assert_top(const struct hm_mempool_cache *c, unsigned int base, struct hm_mbuf *const *want,
	   unsigned int n)
{
	assert_int_equal(c->len, base + n);
	for (unsigned int i = 0; i < n; i++)
		assert_ptr_equal(c->objs[base + i], want[i]);
}

static void
test_fastpath_free_bulk(void **state)
{
	struct hm_mempool *p, *q;
	struct hm_mempool_cache *c;
	struct hm_mbuf *m[40], *want[40], *x;
	unsigned int qavail;
	(void)state;

	p = hm_pktmbuf_pool_create("fp_p", 511, 64, 0, 512, 0);
	q = hm_pktmbuf_pool_create("fp_q", 127, 0, 0, 512, 0);
	assert_non_null(p);
	assert_non_null(q);
	c = hm_mempool_default_cache(p, hm_lcore_id());
	assert_non_null(c);
	assert_int_equal(c->flushthresh, 96);

	/* plain mbufs of one pool, room: straight on the cache, in order */
	assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 32), 0);
	cache_to(p, c, 10);
	hm_pktmbuf_free_bulk(m, 32);
	assert_top(c, 10, m, 32);

	/* a NULL entry: skipped, the rest in order */
	assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 32), 0);
	cache_to(p, c, 5);
	x = m[7];
	m[7] = NULL;
	memcpy(want, m, 7 * sizeof(*m));
	memcpy(want + 7, m + 8, 24 * sizeof(*m));
	hm_pktmbuf_free_bulk(m, 32);
	assert_top(c, 5, want, 31);
	hm_pktmbuf_free(x);

	/* an mbuf of another pool (no cache) in the middle: to its own backend */
	assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 32), 0);
	cache_to(p, c, 0);
	qavail = hm_mempool_avail_count(q);
	x = m[3];
	m[3] = hm_pktmbuf_alloc(q);
	assert_non_null(m[3]);
	assert_int_equal(hm_mempool_avail_count(q), qavail - 1);
	memcpy(want, m, 3 * sizeof(*m));
	memcpy(want + 3, m + 4, 28 * sizeof(*m));
	hm_pktmbuf_free_bulk(m, 32);
	assert_top(c, 0, want, 31);
	assert_int_equal(hm_mempool_avail_count(q), qavail);
	hm_pktmbuf_free(x);

	/* a chain: its segments in order; a shared mbuf: one reference dropped */
	assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 32), 0);
	cache_to(p, c, 0);
	assert_int_equal(hm_pktmbuf_chain(m[0], m[1]), 0);
	hm_mbuf_refcnt_update(m[5], 1);
	want[0] = m[0];
	want[1] = m[1];
	memcpy(want + 2, m + 2, 3 * sizeof(*m));
	memcpy(want + 5, m + 6, 26 * sizeof(*m));
	x = m[5];
	m[1] = NULL;
	hm_pktmbuf_free_bulk(m, 32);
	assert_top(c, 0, want, 31);
	assert_int_equal(hm_mbuf_refcnt_read(x), 1);
	assert_null(x->next);
	hm_pktmbuf_free(x);
	assert_int_equal(c->len, 32);
	assert_ptr_equal(c->objs[31], x);

	/* no room: the general path, whose put flushes the whole cache first */
	assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 32), 0);
	cache_to(p, c, 80);
	{
		unsigned int before = backend_count(p);

		hm_pktmbuf_free_bulk(m, 32);
		assert_top(c, 0, m, 32);
		assert_int_equal(backend_count(p), before + 80);
	}

	/* n == 0 and a leading NULL */
	hm_pktmbuf_free_bulk(m, 0);
	assert_int_equal(hm_pktmbuf_alloc_bulk(p, m + 1, 4), 0);
	m[0] = NULL;
	cache_to(p, c, 0);
	hm_pktmbuf_free_bulk(m, 5);
	assert_top(c, 0, m + 1, 4);

	assert_int_equal(hm_mempool_cache_flush(NULL, p), 0);
	assert_int_equal(hm_mempool_avail_count(p), p->size);
	assert_int_equal(hm_mempool_avail_count(q), q->size);
	assert_int_equal(hm_mempool_free(p), 0);
	assert_int_equal(hm_mempool_free(q), 0);
}

/* ---------------------------------------------------------------- alloc reset */

static void
dirty(struct hm_mbuf *m)
{
	m->pkt_len = 99;
	m->data_len = 98;
	m->data_off = 3;
	m->port = 4;
	m->ol_flags = HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_RSS_HASH;
	m->packet_type = HM_PTYPE_L3_IPV4;
	m->vlan_tci = 7;
	m->vlan_tci_outer = 8;
	m->tx_offload = 5;
	m->hash.rss = 0x1234;
}

static void
assert_reset(const struct hm_mbuf *m, uint16_t off)
{
	const char *why = NULL;

	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->data_len, 0);
	assert_int_equal(m->data_off, off);
	assert_int_equal(m->port, HM_MBUF_PORT_INVALID);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(hm_mbuf_refcnt_read(m), 1);
	assert_int_equal(m->ol_flags, 0);
	assert_int_equal(m->packet_type, 0);
	assert_int_equal(m->vlan_tci, 0);
	assert_int_equal(m->vlan_tci_outer, 0);
	assert_int_equal(m->tx_offload, 0);
	assert_null(m->next);
	assert_int_equal(m->hash.rss, 0x1234); /* DPDK's reset leaves the hash alone */
	if (hm_mbuf_check(m, 1, &why) != 0)
		fail_msg("mbuf check: %s", why != NULL ? why : "?");
}

static void
test_fastpath_alloc_reset(void **state)
{
	struct hm_mempool *p, *small;
	struct hm_mbuf *m[16], *x;
	(void)state;

	p = hm_pktmbuf_pool_create("fp_r", 63, 16, 0, 512, 0);
	small = hm_pktmbuf_pool_create("fp_s", 63, 16, 0, 64, 0); /* buffer below the headroom */
	assert_non_null(p);
	assert_non_null(small);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 16), 0);
		for (unsigned int i = 0; i < 16; i++)
			dirty(m[i]);
		hm_pktmbuf_free_bulk(m, 16);
		assert_int_equal(hm_pktmbuf_alloc_bulk(p, m, 16), 0);
		for (unsigned int i = 0; i < 16; i++)
			assert_reset(m[i], HM_PKTMBUF_HEADROOM);
		hm_pktmbuf_free_bulk(m, 16);
		x = hm_pktmbuf_alloc(small);
		assert_non_null(x);
		dirty(x);
		hm_pktmbuf_free(x);
		x = hm_pktmbuf_alloc(small);
		assert_non_null(x);
		assert_reset(x, 64);
		/* an external buffer's flag survives the reset */
		x->ol_flags = HM_MBUF_F_EXTERNAL | HM_MBUF_F_RX_VLAN;
		hm_mbuf_raw_free(x);
		x = hm_pktmbuf_alloc(small);
		assert_non_null(x);
		assert_int_equal(x->ol_flags, HM_MBUF_F_EXTERNAL);
		x->ol_flags = 0;
		x->hash.rss = 0x1234;
		assert_reset(x, 64);
		hm_pktmbuf_free(x);
	}
	assert_int_equal(hm_mempool_cache_flush(NULL, p), 0);
	assert_int_equal(hm_mempool_cache_flush(NULL, small), 0);
	assert_int_equal(hm_mempool_avail_count(p), p->size);
	assert_int_equal(hm_mempool_avail_count(small), small->size);
	assert_int_equal(hm_mempool_free(p), 0);
	assert_int_equal(hm_mempool_free(small), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fastpath_single_get_put_model, setup,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_free_bulk, setup, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_fastpath_alloc_reset, setup, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
