/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The i40e vector path against the bulk path as a model, packet by packet, on
 * every instruction set the CPU has and under every hostile write-back mode of
 * the NIC (the rest of the vector path's conformance runs in test_i40e.c with
 * the other paths); and every path's mbuf fields against a model written bit
 * by bit, for every combination of the status and error bits a driver reads
 * (descriptors written into the ring by the test, as a device would).
 * Topologies are emu topology strings, which hm_test_init_cfg turns into caps
 * on the machine under hugetlbfs. Also the bulk and vector refills from a pool
 * with a per-lcore cache (taken straight off its stack, the cache run dry, the
 * pool empty mid-burst).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "i40e_rig.h"

static int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "i40e_vec";
	c.topology = "nodes=2;2M=64,64;lcores=0@0,1@1";
	return hm_test_init_cfg(&c);
}

/* Descriptors a queue has dealt with: delivered or dropped. */
static uint64_t
dealt_with(const struct hm_i40e_rxq *q)
{
	struct hm_i40e_rxq_stats st;

	assert_int_equal(hm_i40e_rxq_stats_get(q, &st), 0);
	return st.packets + st.rx_errors + st.rx_bad_len + st.rx_no_eof;
}

/* Receive in bursts of @p w until the queue makes no more progress (a burst
 * of drops returns 0 having moved on); at most 96 + w packets. */
static uint16_t
drain(struct hm_i40e_rxq *q, struct hm_mbuf **pkts, uint16_t w)
{
	uint16_t n = 0;

	while (n <= 96) {
		uint64_t before = dealt_with(q);
		uint16_t k = hm_i40e_rx_burst(q, pkts + n, w);

		n = (uint16_t)(n + k);
		if (k == 0 && dealt_with(q) == before)
			break;
	}
	return n;
}

/*
 * The vector path against the bulk path as a model: two devices fed the same
 * frames with the same fault injection, each side drained after every step
 * (bursts of 7 and 13 on the vector side, 32 on the bulk side). Every packet
 * has the same fields (ptype, lengths,
 * flags, vlan, the RSS hash where it is valid, port, data) and the counters
 * agree.
 */
static void
vector_matches_bulk(enum hm_nic_fault mode)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats sb, sv;
	struct hm_mbuf *pb[128], *pv[128];
	struct hm_traffic_gen *gb = gen_make(31, 64, 1518), *gv = gen_make(31, 64, 1518);
	unsigned int nb = 0, nv = 0, idle = 0;
	struct rig b, v;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = HM_I40E_RX_BULK;
	rig_init(&b, 400, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	qc.path = HM_I40E_RX_VECTOR;
	qc.port = 1; /* its own ring memzone and pool */
	rig_init(&v, 400, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	assert_int_equal(hm_nic_fault_set(b.nic, mode, 5, 20000, 3), 0);
	assert_int_equal(hm_nic_fault_set(v.nic, mode, 5, 20000, 3), 0);
	for (unsigned int round = 0; idle < 4; round++) {
		uint16_t kb, kv, w = (uint16_t)(round % 2 ? 7 : 13);

		if (round < 150) {
			assert_int_equal(hm_nic_step(b.nic, hm_traffic_gen_source(gb), 24), 24);
			assert_int_equal(hm_nic_step(v.nic, hm_traffic_gen_source(gv), 24), 24);
		} else {
			assert_true(hm_nic_flush(b.nic) >= 0);
			assert_true(hm_nic_flush(v.nic) >= 0);
		}
		/* each side drains all it can: the paths return in different
		 * chunks (the bulk one stops a burst at a drop), not other packets */
		kb = drain(b.rxq, pb, 32);
		kv = drain(v.rxq, pv, w);
		assert_int_equal(kv, kb);
		for (uint16_t i = 0; i < kb; i++) {
			const struct hm_mbuf *x = pb[i], *y = pv[i];

			assert_int_equal(y->packet_type, x->packet_type);
			assert_int_equal(y->pkt_len, x->pkt_len);
			assert_int_equal(y->data_len, x->data_len);
			assert_int_equal(y->data_off, x->data_off);
			assert_int_equal(y->ol_flags, x->ol_flags);
			assert_int_equal(y->vlan_tci, x->vlan_tci);
			assert_int_equal(x->port, 0);
			assert_int_equal(y->port, 1);
			assert_int_equal(y->nb_segs, 1);
			assert_int_equal(hm_mbuf_refcnt_read(y), 1);
			assert_null(y->next);
			if (x->ol_flags & HM_MBUF_F_RX_RSS_HASH)
				assert_int_equal(y->hash.rss, x->hash.rss);
			assert_memory_equal(hm_pktmbuf_mtod(y, void *), hm_pktmbuf_mtod(x, void *),
					    x->data_len);
		}
		hm_pktmbuf_free_bulk(pb, kb);
		hm_pktmbuf_free_bulk(pv, kv);
		nb += kb;
		nv += kv;
		idle = round >= 150 && kb == 0 ? idle + 1 : 0;
	}
	assert_int_equal(hm_i40e_rxq_stats_get(b.rxq, &sb), 0);
	assert_int_equal(hm_i40e_rxq_stats_get(v.rxq, &sv), 0);
	assert_int_equal(nv, nb);
	assert_int_equal(sv.packets, sb.packets);
	assert_int_equal(sv.bytes, sb.bytes);
	assert_int_equal(sv.rx_errors, sb.rx_errors);
	assert_int_equal(sv.rx_bad_len, sb.rx_bad_len);
	assert_int_equal(sv.rx_no_eof, sb.rx_no_eof);
	assert_int_equal(sv.rx_nombuf, 0);
	hm_traffic_gen_free(gb);
	hm_traffic_gen_free(gv);
	rig_fini(&b);
	rig_fini(&v);
}

static void
test_i40e_vector_matches_bulk(void **state)
{
	(void)state;
	for (int m = 0; m < HM_NIC_FAULT_COUNT; m++)
		FOR_EACH_VEC_ISA(vector_matches_bulk((enum hm_nic_fault)m));
}

/* The descriptor of combination @p c: bit 0 L2TAG1P, 1 L3L4P, 2-3 FLTSTAT,
 * 4 IPE, 5 L4E, 6 EIPE, 7 HBO (an error bit that sets no flag); its packet
 * type and length vary with it too. */
static const uint32_t combo_ptype[5] = { 24, 26, 92, 1, 0 };
static const uint32_t combo_ptype_want[5] = {
	HM_PTYPE_L2_ETHER | HM_PTYPE_L3_IPV4_EXT_UNKNOWN | HM_PTYPE_L4_UDP,
	HM_PTYPE_L2_ETHER | HM_PTYPE_L3_IPV4_EXT_UNKNOWN | HM_PTYPE_L4_TCP,
	HM_PTYPE_L2_ETHER | HM_PTYPE_L3_IPV6_EXT_UNKNOWN | HM_PTYPE_L4_TCP,
	HM_PTYPE_L2_ETHER,
	0,
};

static uint64_t
combo_qw1(unsigned int c)
{
	uint32_t status = (uint32_t)(HM_I40E_RXD_DD | HM_I40E_RXD_EOF);
	uint32_t error = 0;

	if (c & 1)
		status |= (uint32_t)HM_I40E_RXD_L2TAG1P;
	if (c & 2)
		status |= (uint32_t)HM_I40E_RXD_L3L4P;
	status |= ((c >> 2) & 3u) << HM_I40E_RXD_STATUS_FLTSTAT_S;
	if (c & 16)
		error |= 1u << 3; /* IPE */
	if (c & 32)
		error |= 1u << 4; /* L4E */
	if (c & 64)
		error |= 1u << 5; /* EIPE */
	if (c & 128)
		error |= 1u << 2; /* HBO */
	return hm_i40e_rxd_make_qw1(status, error, combo_ptype[c % 5], 60 + c % 64);
}

/* ol_flags of combination @p c, by the datasheet's rules as DPDK reads them. */
static uint64_t
combo_flags(unsigned int c)
{
	uint64_t f = 0;

	if (c & 1)
		f |= HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED;
	if (((c >> 2) & 3) == 3)
		f |= HM_MBUF_F_RX_RSS_HASH;
	if (c & 2) {
		f |= c & 16 ? HM_MBUF_F_RX_IP_CKSUM_BAD : HM_MBUF_F_RX_IP_CKSUM_GOOD;
		f |= c & 32 ? HM_MBUF_F_RX_L4_CKSUM_BAD : HM_MBUF_F_RX_L4_CKSUM_GOOD;
		if (c & 64)
			f |= HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD;
	}
	return f;
}

/*
 * 256 combinations (@p seq, in that order), 64 at a time, written as
 * write-backs at the queue's next descriptors (the device is never stepped),
 * received in bursts of 30 (the vector path's groups of four and its
 * per-descriptor tail): each packet's ol_flags, packet_type, lengths,
 * vlan_tci, hash.rss and rearm fields match the model, the validator passes
 * after every burst.
 */
static void
status_words(enum hm_i40e_rx_path path, unsigned int desc_size, const unsigned int *seq)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_info info;
	struct hm_i40e_rxq_stats st;
	struct hm_mbuf *pkts[64];
	unsigned int slot = 0;
	struct rig r;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 256;
	qc.desc_size = desc_size;
	qc.path = path;
	qc.port = 5;
	rig_init(&r, 512, HM_MBUF_DEFAULT_BUF_SIZE, &qc, path == HM_I40E_RX_SCATTERED ? 5 : 1);
	assert_int_equal(hm_i40e_rxq_info_get(r.rxq, &info), 0);
	for (unsigned int base = 0; base < 256; base += 64) {
		uint16_t got = 0;

		for (unsigned int k = 0; k < 64; k++) {
			uint8_t *d = (uint8_t *)info.ring_mz->addr + (size_t)slot * desc_size;
			unsigned int c = seq[base + k];

			hm_i40e_rx_desc_qw_set(d, 0, hm_i40e_rxd_make_qw0((uint16_t)(0x1000 + c),
									  0xA5000000u + c));
			hm_i40e_rx_desc_qw1_store(d, combo_qw1(c));
			slot = (slot + 1) % 256;
		}
		for (int tries = 0; got < 64 && tries < 16; tries++) {
			uint16_t want = (uint16_t)(64 - got < 30 ? 64 - got : 30);

			got = (uint16_t)(got + hm_i40e_rx_burst(r.rxq, pkts + got, want));
			assert_rxq_valid(r.rxq);
		}
		assert_int_equal(got, 64);
		for (unsigned int k = 0; k < 64; k++) {
			const struct hm_mbuf *m = pkts[k];
			unsigned int c = seq[base + k];

			assert_int_equal(m->ol_flags, combo_flags(c));
			assert_int_equal(m->packet_type, combo_ptype_want[c % 5]);
			assert_int_equal(m->pkt_len, 60 + c % 64);
			assert_int_equal(m->data_len, 60 + c % 64);
			assert_int_equal(m->vlan_tci, c & 1 ? 0x1000 + c : 0);
			if (((c >> 2) & 3) == 3)
				assert_int_equal(m->hash.rss, 0xA5000000u + c);
			assert_int_equal(m->data_off, HM_PKTMBUF_HEADROOM);
			assert_int_equal(m->refcnt, 1);
			assert_int_equal(m->nb_segs, 1);
			assert_int_equal(m->port, 5);
			assert_null(m->next);
		}
		hm_pktmbuf_free_bulk(pkts, 64);
	}
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.packets, 256);
	assert_int_equal(st.rx_errors + st.rx_bad_len + st.rx_no_eof + st.rx_nombuf, 0);
	rig_fini(&r);
}

static void
test_i40e_status_words_model(void **state)
{
	static const enum hm_i40e_rx_path paths[] = {
		HM_I40E_RX_SCALAR, HM_I40E_RX_BULK, HM_I40E_RX_SCATTERED,
	};
	unsigned int seq[256];

	(void)state;
	for (unsigned int c = 0; c < 256; c++)
		seq[c] = c;
	for (unsigned int ds = 16; ds <= 32; ds += 16) {
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			status_words(paths[i], ds, seq);
		FOR_EACH_VEC_ISA(status_words(HM_I40E_RX_VECTOR, ds, seq));
	}
}

/*
 * The offload bits in runs: each group of four descriptors is the one before
 * it with one lane's combination changed, or (every other group) the same
 * again, so the vector path's ol_flags of the last group (looked up again
 * only when a group's bits differ from it) is reused, and must be replaced
 * when any single lane differs. Bursts of 30 shift the groups against the
 * runs, which the fields must not notice either.
 */
static void
test_i40e_status_words_runs(void **state)
{
	static const enum hm_i40e_rx_path paths[] = { HM_I40E_RX_BULK, HM_I40E_RX_VECTOR };
	unsigned int seq[256];

	(void)state;
	for (unsigned int k = 0; k < 4; k++)
		seq[k] = 0x0F; /* VLAN, L3L4P, RSS */
	for (unsigned int j = 1; j < 64; j++) {
		memcpy(&seq[4 * j], &seq[4 * (j - 1)], 4 * sizeof(seq[0]));
		if (j % 2 == 0)
			seq[4 * j + (j / 2) % 4] = (j * 37u + 11u) & 255u;
	}
	for (unsigned int ds = 16; ds <= 32; ds += 16) {
		status_words(paths[0], ds, seq);
		FOR_EACH_VEC_ISA(status_words(paths[1], ds, seq));
	}
}

/*
 * Bulk and vector refills from a pool with a per-lcore cache (the rigs above
 * have none): taken straight off the cache's stack when it holds a refill's
 * worth (the order hm_mempool_get_bulk gives: the top first, and exactly
 * rx_free_thresh taken), through the pool's refill when the cache runs dry,
 * and undone when the pool is empty mid-burst; the pool checks after each.
 */
static void
assert_pool_ok(struct hm_mempool *mp)
{
	const char *why = NULL;

	if (hm_mempool_check(mp, &why) != 0)
		fail_msg("mempool check: %s", why != NULL ? why : "?");
}

static void
refill_cached(enum hm_i40e_rx_path path, unsigned int desc_size, bool fast)
{
	enum { NB = 64, POOL = 160, CS = 48 };
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats st;
	struct hm_mempool_stats ms;
	struct hm_nic_conf nc;
	struct hm_mbuf *held[POOL], *pkts[32];
	void *want[32];
	unsigned int nheld = 0, len;
	struct hm_mempool_cache *cache;
	struct rig r;

	memset(&r, 0, sizeof(r));
	hm_nic_conf_init(&nc);
	r.nic = hm_nic_create(&nc);
	assert_non_null(r.nic);
	r.pool_n = POOL;
	r.mp = hm_pktmbuf_pool_create("rc_pool", POOL, CS, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(r.mp);
	cache = hm_mempool_default_cache(r.mp, hm_lcore_id());
	assert_non_null(cache);
	/* a pool without cookies: the refills take the cache's stack (not API: the
	 * pool's inline test); a debug pool: they go through get_bulk's checks */
	if (fast)
		assert_ptr_equal(hm_mempool__fast_cache(r.mp), cache);
	else
		assert_null(hm_mempool__fast_cache(r.mp));
	assert_int_equal(hm_mempool_debug(r.mp), !fast);
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = NB;
	qc.desc_size = desc_size;
	qc.path = path;
	qc.vec_isa = path == HM_I40E_RX_VECTOR ? vec_isa : HM_I40E_VEC_AUTO;
	r.rxq = hm_i40e_rxq_setup(r.nic, 0, r.mp, &qc);
	assert_non_null(r.rxq);
	assert_int_equal(hm_i40e_rxq_start(r.rxq), 0);
	struct hm_traffic_gen *g = gen_make(41, 64, 200);

	/* 1. the cache holds a refill's worth: the 32 mbufs of slots 0..31 are
	 * its top 32, top first, and the cache gives exactly 32 */
	for (unsigned int i = 0; i < 40; i++)
		assert_non_null(held[i] = hm_pktmbuf_alloc(r.mp));
	hm_pktmbuf_free_bulk(held, 40);
	len = cache->len;
	assert_true(len >= 32);
	for (unsigned int i = 0; i < 32; i++)
		want[i] = cache->objs[len - 1 - i];
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 32), 32);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, held + nheld, 32), 32);
	nheld += 32;
	assert_int_equal(cache->len, len - 32);
	assert_rxq_valid(r.rxq);
	assert_conserved(r.mp, r.rxq, nheld, POOL);
	assert_pool_ok(r.mp);
	/* 2. the cache runs dry (fewer than 32 left): the pool refills it */
	while (cache->len >= 32 || cache->len == 0) {
		if (cache->len == 0) {
			hm_mempool_put(r.mp, held[--nheld]);
			continue;
		}
		assert_non_null(held[nheld++] = hm_pktmbuf_alloc(r.mp));
	}
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 32), 32);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 32);
	assert_rxq_valid(r.rxq);
	assert_conserved(r.mp, r.rxq, nheld + 32, POOL);
	assert_pool_ok(r.mp);
	hm_pktmbuf_free_bulk(pkts, 32);
	/* slots 0..31 again: the mbufs of step 1's refill, in order */
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 32), 32);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 32);
	for (unsigned int i = 0; i < 32; i++)
		assert_ptr_equal(pkts[i], want[i]);
	assert_rxq_valid(r.rxq);
	hm_pktmbuf_free_bulk(pkts, 32);
	/* 3. the pool empty mid-burst: the refill fails, every mbuf goes back
	 * to its slot, get_fail and rx_nombuf count it, nothing moves */
	assert_int_equal(hm_mempool_stats_get(r.mp, &ms), 0);
	const uint64_t fails = ms.get_fail;

	while (hm_mempool_avail_count(r.mp) > 0)
		assert_non_null(held[nheld++] = hm_pktmbuf_alloc(r.mp));
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 32), 32);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 0);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.rx_nombuf, 32);
	assert_int_equal(hm_mempool_stats_get(r.mp, &ms), 0);
	assert_int_equal(ms.get_fail, fails + 1);
	assert_int_equal(cache->len, 0);
	assert_rxq_valid(r.rxq);
	assert_conserved(r.mp, r.rxq, nheld, POOL);
	assert_pool_ok(r.mp);
	/* mbufs back: the same 32 packets arrive */
	hm_pktmbuf_free_bulk(held, nheld);
	nheld = 0;
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 32);
	assert_rxq_valid(r.rxq);
	assert_conserved(r.mp, r.rxq, 32, POOL);
	assert_pool_ok(r.mp);
	hm_pktmbuf_free_bulk(pkts, 32);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.packets, 128);
	assert_int_equal(st.rx_nombuf, 32);
	hm_traffic_gen_free(g);
	hm_mempool_audit(r.mp);
	rig_fini(&r);
}

static void
refill_cached_all(bool fast)
{
	for (unsigned int ds = 16; ds <= 32; ds += 16) {
		refill_cached(HM_I40E_RX_BULK, ds, fast);
		FOR_EACH_VEC_ISA(refill_cached(HM_I40E_RX_VECTOR, ds, fast));
	}
}

/* pools without cookies (mempool_debug off, also in debug builds) */
static void
test_i40e_refill_cached_pool(void **state)
{
	(void)state;
	refill_cached_all(true);
}

/* debug pools (cookies checked): the refills take hm_mempool_get_bulk's path */
static void
test_i40e_refill_cached_debug_pool(void **state)
{
	(void)state;
	refill_cached_all(false);
}

static int
setup_emu_mp_debug(void **state, bool on)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "i40e_vec";
	c.topology = "nodes=2;2M=64,64;lcores=0@0,1@1";
	c.mempool_debug_set = true;
	c.mempool_debug = on;
	return hm_test_init_cfg(&c);
}

static int
setup_emu_mp_fast(void **state)
{
	return setup_emu_mp_debug(state, false);
}

static int
setup_emu_mp_checked(void **state)
{
	return setup_emu_mp_debug(state, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_i40e_vector_matches_bulk, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_status_words_model, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_refill_cached_pool, setup_emu_mp_fast,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_refill_cached_debug_pool,
						setup_emu_mp_checked, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_status_words_runs, setup_emu,
						hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
