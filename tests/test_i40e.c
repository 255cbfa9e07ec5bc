/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * i40e RX driver conformance (sim/i40e over the stepped fake NIC): invalid
 * arguments, end-to-end integrity byte for byte against a twin generator over
 * many ring wraps on the scalar, bulk, vector (every instruction set the CPU
 * has) and scattered paths (32- and 16-byte descriptors), the armed-address invariant and mbuf conservation after every
 * burst (pool available + held by the queue + delivered == pool size), pool
 * exhaustion with rx_nombuf and no loss, placement on node 1 of a 2-node
 * topology, a wrong IOVA caught as a DMA fault and dropped, and every hostile
 * write-back mode of the NIC with exact drop accounting.
 * Topologies are emu topology strings, which hm_test_init_cfg turns into caps on
 * the machine under hugetlbfs; the NIC's node is hm_test_node_b() (node 1 where
 * the backend offers two nodes, node 0 on one-node machines).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "i40e_rig.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

static const char *const TOPO = "nodes=2;2M=64,64;lcores=0@0,1@1";

static int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "i40e";
	c.topology = TOPO;
	return hm_test_init_cfg(&c);
}

/*
 * Send @p total frames in steps of @p step, receive in bursts of @p burst and
 * compare every packet with the twin generator. Checks the queue and the
 * conservation equation after every burst. No frame may be missed.
 */
static void
run_integrity(struct rig *r, unsigned int total, unsigned int step, uint16_t burst, uint32_t min,
	      uint32_t max)
{
	static uint8_t want[HM_TRAFFIC_MAX_FRAME], got[HM_TRAFFIC_MAX_FRAME];
	struct hm_traffic_gen *g = gen_make(42, min, max), *twin = gen_make(42, min, max);
	struct hm_mbuf *pkts[64];
	struct hm_nic_stats ns;
	unsigned int sent = 0, rcvd = 0;
	bool sent_wait = false;

	while (rcvd < total) {
		if (sent < total && !sent_wait) {
			unsigned int k = total - sent < step ? total - sent : step;
			assert_int_equal(hm_nic_step(r->nic, hm_traffic_gen_source(g), k), (int)k);
			sent += k;
		}
		uint16_t n = hm_i40e_rx_burst(r->rxq, pkts, burst);
		assert_rxq_valid(r->rxq);
		assert_conserved(r->mp, r->rxq, segs_of(pkts, n), r->pool_n);
		for (uint16_t i = 0; i < n; i++) {
			struct hm_traffic_meta meta;
			int wl = hm_traffic_gen_next(twin, want, sizeof(want), &meta);
			size_t gl = flatten(pkts[i], got, sizeof(got));
			if (gl != (size_t)wl)
				fail_msg("packet %u: %zu bytes, want %d (flow %u seq %lu)", rcvd + i, gl, wl,
					 meta.flow, (unsigned long)meta.seq);
			assert_memory_equal(got, want, gl);
			assert_int_equal(pkts[i]->port, 0);
			assert_true(pkts[i]->ol_flags & HM_MBUF_F_RX_RSS_HASH);
			assert_int_equal(pkts[i]->ol_flags & HM_MBUF_F_RX_IP_CKSUM_MASK,
					 HM_MBUF_F_RX_IP_CKSUM_GOOD);
			assert_int_equal(pkts[i]->ol_flags & HM_MBUF_F_RX_L4_CKSUM_MASK,
					 HM_MBUF_F_RX_L4_CKSUM_GOOD);
			uint32_t l4 = pkts[i]->packet_type & HM_PTYPE_L4_MASK;
			assert_true(l4 == HM_PTYPE_L4_UDP || l4 == HM_PTYPE_L4_TCP);
			assert_int_equal(pkts[i]->packet_type & HM_PTYPE_L3_MASK,
					 HM_PTYPE_L3_IPV4_EXT_UNKNOWN);
		}
		hm_pktmbuf_free_bulk(pkts, n);
		rcvd += n;
		if (n == 0)
			assert_true(sent < total); /* nothing on the ring yet: send more */
		if (n == burst)
			sent_wait = true; /* more on the ring: drain before sending */
		else
			sent_wait = false;
	}
	assert_int_equal(hm_nic_stats_get(r->nic, &ns), 0);
	assert_int_equal(ns.q[0].missed, 0);
	assert_int_equal(ns.q[0].packets, total);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(twin);
	assert_conserved(r->mp, r->rxq, 0, r->pool_n);
}

/* ------------------------------------------------------------------ tests */

static void
test_i40e_invalid_args(void **state)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_nic_conf nc;
	struct hm_nic *nic;
	struct hm_mempool *mp, *plain;
	struct hm_i40e_rxq *rxq;
	struct hm_i40e_rxq_stats st;
	struct hm_i40e_rxq_info info;
	struct hm_mbuf *pkts[4];
	enum hm_i40e_rx_path p;
	const char *why;
	(void)state;

	hm_test_quiet_log();
	hm_nic_conf_init(&nc);
	nc.nb_queues = 2;
	nic = hm_nic_create(&nc);
	assert_non_null(nic);
	mp = hm_pktmbuf_pool_create("inv_pool", 512, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(mp);
	plain = hm_mempool_create("inv_plain", 64, 256, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(plain);
	hm_i40e_rxq_conf_init(&qc);
	hm_i40e_rxq_conf_init(NULL);
	unsigned int mz_before = hm_memzone_count();

#define SETUP_FAILS(nic_, q_, mp_, c_, err)                               \
	do {                                                              \
		hm_errno = 0;                                             \
		assert_null(hm_i40e_rxq_setup((nic_), (q_), (mp_), (c_))); \
		assert_int_equal(hm_errno, (err));                        \
	} while (0)

	SETUP_FAILS(NULL, 0, mp, &qc, EINVAL);
	SETUP_FAILS(nic, 0, NULL, &qc, EINVAL);
	SETUP_FAILS(nic, 0, mp, NULL, EINVAL);
	SETUP_FAILS(nic, 2, mp, &qc, EINVAL);
	SETUP_FAILS(nic, 0, plain, &qc, EINVAL);
	unsigned int bad_nb[] = {0, 32, 63, 100, 4097, 4128};
	for (unsigned int i = 0; i < sizeof(bad_nb) / sizeof(bad_nb[0]); i++) {
		hm_i40e_rxq_conf_init(&qc);
		qc.nb_desc = bad_nb[i];
		SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	}
	hm_i40e_rxq_conf_init(&qc);
	qc.rx_free_thresh = 0;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	qc.rx_free_thresh = qc.nb_desc;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	/* nb_desc - 1 (DPDK accepts it) would stall the queue after one ring of
	 * packets: the tail moves only once more than rx_free_thresh are held
	 * (found by fuzz_rx; fuzz/corpus/rx/crash-rx-free-thresh-stalls) */
	qc.rx_free_thresh = qc.nb_desc - 1;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	hm_i40e_rxq_conf_init(&qc);
	qc.desc_size = 24;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	hm_i40e_rxq_conf_init(&qc);
	qc.max_pkt_len = 10;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	qc.max_pkt_len = HM_I40E_FRAME_SIZE_MAX + 1;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	hm_i40e_rxq_conf_init(&qc);
	qc.path = (enum hm_i40e_rx_path)9;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	/* bulk preconditions: thresh >= 32, < nb_desc, divides nb_desc */
	hm_i40e_rxq_conf_init(&qc);
	qc.path = HM_I40E_RX_BULK;
	qc.rx_free_thresh = 16;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	qc.rx_free_thresh = 96;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	/* the vector path has the same preconditions, and a known instruction set */
	qc.path = HM_I40E_RX_VECTOR;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	qc.rx_free_thresh = 16;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	hm_i40e_rxq_conf_init(&qc);
	qc.path = HM_I40E_RX_VECTOR;
	qc.vec_isa = (enum hm_i40e_vec_isa)7;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	qc.max_pkt_len = 4000;
	qc.vec_isa = HM_I40E_VEC_AUTO;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	for (int isa = HM_I40E_VEC_SSE42; isa <= HM_I40E_VEC_AVX2; isa++) {
		hm_i40e_rxq_conf_init(&qc);
		qc.path = HM_I40E_RX_VECTOR;
		qc.vec_isa = (enum hm_i40e_vec_isa)isa;
		if (!isa_ok(isa)) { /* a CPU without it: refused, said why */
			SETUP_FAILS(nic, 0, mp, &qc, ENOTSUP);
			continue;
		}
		rxq = hm_i40e_rxq_setup(nic, 0, mp, &qc);
		assert_non_null(rxq);
		assert_int_equal(hm_i40e_rxq_info_get(rxq, &info), 0);
		assert_int_equal(info.path, HM_I40E_RX_VECTOR);
		assert_int_equal(info.vec_isa, isa);
		assert_rxq_valid(rxq);
		hm_i40e_rxq_release(rxq);
	}
	/* one-buffer paths cannot take frames longer than a buffer */
	hm_i40e_rxq_conf_init(&qc);
	qc.path = HM_I40E_RX_SCALAR;
	qc.max_pkt_len = 4000;
	SETUP_FAILS(nic, 0, mp, &qc, EINVAL);
	assert_int_equal(hm_memzone_count(), mz_before); /* nothing left behind */

	/* AUTO picks bulk, scalar or scattered */
	hm_i40e_rxq_conf_init(&qc);
	rxq = hm_i40e_rxq_setup(nic, 0, mp, &qc);
	assert_non_null(rxq);
	assert_int_equal(hm_i40e_rxq_info_get(rxq, &info), 0);
	assert_int_equal(info.path, HM_I40E_RX_BULK);
	assert_int_equal(info.vec_isa, HM_I40E_VEC_AUTO);
	assert_int_equal(info.buf_size, 2048);
	/* the same port and queue twice: the ring's memzone exists */
	SETUP_FAILS(nic, 0, mp, &qc, EEXIST);
	qc.port = 1;
	qc.rx_free_thresh = 16;
	struct hm_i40e_rxq *rxq2 = hm_i40e_rxq_setup(nic, 1, mp, &qc);
	assert_non_null(rxq2);
	assert_int_equal(hm_i40e_rxq_info_get(rxq2, &info), 0);
	assert_int_equal(info.path, HM_I40E_RX_SCALAR);
	hm_i40e_rxq_release(rxq2);
	qc.max_pkt_len = 9000;
	rxq2 = hm_i40e_rxq_setup(nic, 1, mp, &qc);
	assert_non_null(rxq2);
	assert_int_equal(hm_i40e_rxq_info_get(rxq2, &info), 0);
	assert_int_equal(info.path, HM_I40E_RX_SCATTERED);
	assert_int_equal(info.max_pkt_len, 9000);
	hm_i40e_rxq_release(rxq2);

	hm_i40e_rxq_release(rxq);
	qc.port = 0;
	qc.rx_free_thresh = 32;
	qc.max_pkt_len = 0;
	qc.nb_desc = 256;
	rxq = hm_i40e_rxq_setup(nic, 0, mp, &qc);
	assert_non_null(rxq);
	/* a stopped queue receives nothing; wrong-path entry points receive nothing */
	assert_int_equal(hm_i40e_rx_burst(rxq, pkts, 4), 0);
	assert_int_equal(hm_i40e_rx_burst(NULL, pkts, 4), 0);
	/* descriptor status: stopped, NULL, beyond the ring */
	assert_int_equal(hm_i40e_rx_queue_count(NULL), -EINVAL);
	assert_int_equal(hm_i40e_rx_queue_count(rxq), 0);
	assert_int_equal(hm_i40e_rx_desc_status(NULL, 0), -EINVAL);
	assert_int_equal(hm_i40e_rx_desc_status(rxq, 0), -ENODEV);
	assert_int_equal(hm_i40e_rxq_start(NULL), -EINVAL);
	assert_int_equal(hm_i40e_rxq_start(rxq), 0);
	assert_int_equal(hm_i40e_rx_desc_status(rxq, 256), -EINVAL);
	assert_int_equal(hm_i40e_rx_desc_status(rxq, 0), HM_I40E_RX_DESC_AVAIL);
	assert_int_equal(hm_i40e_rx_queue_count(rxq), 0); /* nothing written back yet */
	assert_int_equal(hm_i40e_rxq_start(rxq), -EALREADY);
	assert_rxq_valid(rxq);
	assert_int_equal(hm_i40e_recv_pkts(rxq, pkts, 4), 0);
	assert_int_equal(hm_i40e_recv_scattered_pkts(rxq, pkts, 4), 0);
	assert_int_equal(hm_i40e_recv_pkts_bulk_alloc(rxq, NULL, 4), 0);
	assert_int_equal(hm_i40e_recv_pkts_vec(rxq, pkts, 4), 0); /* a bulk queue */
	assert_int_equal(hm_i40e_recv_pkts_vec(NULL, pkts, 4), 0);
	assert_int_equal(hm_i40e_rxq_stop(NULL), -EINVAL);
	assert_int_equal(hm_i40e_rxq_stats_get(NULL, &st), -EINVAL);
	assert_int_equal(hm_i40e_rxq_stats_get(rxq, NULL), -EINVAL);
	assert_int_equal(hm_i40e_rxq_info_get(NULL, &info), -EINVAL);
	assert_int_equal(hm_i40e_rxq_info_get(rxq, NULL), -EINVAL);
	assert_int_equal(hm_i40e_rxq_check(NULL, &why), -EINVAL);
	assert_int_equal(hm_i40e_rx_path_parse("simd", &p), -EINVAL);
	assert_int_equal(hm_i40e_rx_path_parse(NULL, &p), -EINVAL);
	assert_int_equal(hm_i40e_rx_path_parse("vector", &p), 0);
	assert_int_equal(p, HM_I40E_RX_VECTOR);
	assert_string_equal(hm_i40e_rx_path_name(HM_I40E_RX_VECTOR), "vector");
	assert_string_equal(hm_i40e_vec_isa_name(HM_I40E_VEC_SSE42), "sse4.2");
	assert_string_equal(hm_i40e_vec_isa_name(HM_I40E_VEC_AVX2), "avx2");
	assert_string_equal(hm_i40e_vec_isa_name(HM_I40E_VEC_AUTO), "auto");
	assert_null(hm_i40e_vec_isa_name((enum hm_i40e_vec_isa)3));
	assert_int_equal(hm_i40e_rx_path_parse("scattered", &p), 0);
	assert_int_equal(p, HM_I40E_RX_SCATTERED);
	assert_null(hm_i40e_rx_path_name((enum hm_i40e_rx_path)7));
	assert_string_equal(hm_i40e_rx_path_name(HM_I40E_RX_BULK), "bulk");
	assert_int_equal(hm_i40e_rxq_stop(rxq), 0);
	assert_int_equal(hm_i40e_rxq_stop(rxq), 0);
	assert_int_equal(hm_mempool_avail_count(mp), 512);
	hm_i40e_rxq_release(rxq);
	hm_i40e_rxq_release(NULL);

	/* start with too few mbufs: -ENOMEM, nothing kept */
	struct hm_mempool *small = hm_pktmbuf_pool_create("inv_small", 100, 0, 0,
							  HM_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(small);
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	rxq = hm_i40e_rxq_setup(nic, 0, small, &qc);
	assert_non_null(rxq);
	assert_int_equal(hm_i40e_rxq_start(rxq), -ENOMEM);
	assert_int_equal(hm_mempool_avail_count(small), 100);
	assert_rxq_valid(rxq);
	assert_int_equal(hm_i40e_rxq_stats_get(rxq, &st), 0);
	assert_int_equal(st.rx_nombuf, 128);
	hm_i40e_rxq_release(rxq);
	assert_int_equal(hm_mempool_free(small), 0);

	hm_nic_free(nic);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_mempool_free(plain), 0);
}

static void
integrity(enum hm_i40e_rx_path path, unsigned int desc_size, uint16_t burst)
{
	struct hm_i40e_rxq_conf qc;
	struct rig r;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = path;
	qc.desc_size = desc_size;
	rig_init(&r, 512, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	/* 6000 frames over 128 descriptors: ~47 ring wraps */
	run_integrity(&r, 6000, 24, burst, 64, 1518);
	rig_fini(&r);
}

/* The largest rx_free_thresh still moves the tail: no stall after a ring. */
static void
integrity_max_thresh(enum hm_i40e_rx_path path)
{
	struct hm_i40e_rxq_conf qc;
	struct rig r;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.rx_free_thresh = qc.nb_desc - 2;
	qc.path = path;
	rig_init(&r, 256, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	/* one frame per step: with 62 held the device has one descriptor left */
	run_integrity(&r, 1000, 1, 32, 64, 1518); /* ~15 ring wraps */
	rig_fini(&r);
}

static void
test_i40e_integrity_scalar(void **state)
{
	(void)state;
	integrity(HM_I40E_RX_SCALAR, 32, 32);
	integrity(HM_I40E_RX_SCALAR, 16, 7);
	integrity_max_thresh(HM_I40E_RX_SCALAR);
}

static void
test_i40e_integrity_bulk(void **state)
{
	(void)state;
	integrity(HM_I40E_RX_BULK, 32, 32);
	integrity(HM_I40E_RX_BULK, 16, 64);
	integrity(HM_I40E_RX_BULK, 32, 5);
}

/* Bursts of 3 and 5 leave groups of four partly to the per-descriptor rules. */
static void
test_i40e_integrity_vector(void **state)
{
	(void)state;
	FOR_EACH_VEC_ISA({
		integrity(HM_I40E_RX_VECTOR, 32, 32);
		integrity(HM_I40E_RX_VECTOR, 16, 64);
		integrity(HM_I40E_RX_VECTOR, 32, 5);
		integrity(HM_I40E_RX_VECTOR, 16, 3);
	});
}

static void
test_i40e_scattered_reassembly(void **state)
{
	struct hm_i40e_rxq_conf qc;
	struct rig r;
	(void)state;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 256;
	qc.max_pkt_len = 9000;
	qc.path = HM_I40E_RX_SCATTERED;
	/* 512-byte buffers: frames of up to 9000 bytes span up to 5 of them */
	rig_init(&r, 1024, HM_PKTMBUF_HEADROOM + 512, &qc, 5);
	run_integrity(&r, 3000, 16, 32, 64, 2500);
	rig_fini(&r);
}

/*
 * A frame longer than max_pkt_len is dropped whole: once the chain overflows
 * mid-frame, the frame's remaining descriptors (up to EOF) must not start a
 * new packet (its tail would be delivered as a bogus short packet).
 */
static void
test_i40e_scattered_oversize_dropped_whole(void **state)
{
	struct hm_traffic_gen *big, *small;
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats st;
	struct hm_mbuf *pkts[32];
	struct rig r;
	uint16_t n;
	(void)state;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.max_pkt_len = 1000;
	qc.path = HM_I40E_RX_SCATTERED;
	/* 512-byte buffers: a 1500-byte frame is 512 + 512 (over 1000) + 476 (EOF) */
	rig_init(&r, 256, HM_PKTMBUF_HEADROOM + 512, &qc, 5);
	big = gen_make(7, 1500, 1500);
	small = gen_make(8, 800, 800);
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(big), 4), 4);
	n = hm_i40e_rx_burst(r.rxq, pkts, 32);
	assert_rxq_valid(r.rxq);
	assert_conserved(r.mp, r.rxq, segs_of(pkts, n), r.pool_n);
	hm_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(n, 0);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.rx_bad_len, 4);
	/* frames that fit still arrive intact afterwards */
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(small), 3), 3);
	n = hm_i40e_rx_burst(r.rxq, pkts, 32);
	assert_rxq_valid(r.rxq);
	assert_int_equal(n, 3);
	for (uint16_t i = 0; i < n; i++) {
		assert_int_equal(pkts[i]->pkt_len, 800);
		assert_int_equal(pkts[i]->nb_segs, 2);
	}
	hm_pktmbuf_free_bulk(pkts, n);
	assert_conserved(r.mp, r.rxq, 0, r.pool_n);
	hm_traffic_gen_free(big);
	hm_traffic_gen_free(small);
	rig_fini(&r);
}

/*
 * Scalar and bulk paths on a device that chains frames over several buffers
 * (max_chain > 1, the NIC's default): a frame longer than one buffer is one
 * dropped frame (rx_bad_len), and its tail never arrives as a packet.
 */
static void
single_buffer_long_frame(enum hm_i40e_rx_path path)
{
	struct hm_traffic_gen *big, *small;
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats st;
	struct hm_mbuf *pkts[32];
	struct rig r;
	uint16_t n;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.path = path;
	/* 2048-byte buffers: a 3000-byte frame is 2048 (no EOF) + 952 (EOF) */
	rig_init(&r, 256, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 5);
	big = gen_make(7, 3000, 3000);
	small = gen_make(8, 200, 200);
	for (unsigned int round = 0; round < 3; round++) {
		assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(big), 5), 5);
		assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(small), 3), 3);
		n = hm_i40e_rx_burst(r.rxq, pkts, 32);
		assert_rxq_valid(r.rxq);
		assert_conserved(r.mp, r.rxq, segs_of(pkts, n), r.pool_n);
		assert_int_equal(n, 3);
		for (uint16_t i = 0; i < n; i++) {
			assert_int_equal(pkts[i]->pkt_len, 200);
			assert_int_equal(hm_traffic_verify(hm_pktmbuf_mtod(pkts[i], void *),
							   pkts[i]->data_len, NULL), 0);
		}
		hm_pktmbuf_free_bulk(pkts, n);
	}
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.rx_bad_len, 15);
	assert_int_equal(st.rx_errors + st.rx_no_eof, 0);
	assert_int_equal(st.packets, 9);
	assert_conserved(r.mp, r.rxq, 0, r.pool_n);
	hm_traffic_gen_free(big);
	hm_traffic_gen_free(small);
	rig_fini(&r);
}

/*
 * Bulk and vector paths: the skip state of a dropped frame is committed with
 * its scan, so a refill failure (the scan undone) cannot make the rescan skip
 * a good frame.
 */
static void
bulk_long_frame_refill_fails(enum hm_i40e_rx_path path)
{
	struct hm_traffic_gen *big, *small;
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats st;
	struct hm_mbuf *pkts[64], *hold[40];
	unsigned int got = 0;
	struct rig r;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.path = path;
	rig_init(&r, 64 + 40, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 5);
	big = gen_make(7, 3000, 3000);
	small = gen_make(8, 200, 200);
	/* descriptors 0..30 small, 31 + 32 one long frame, 33..35 small */
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(small), 31), 31);
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(big), 1), 1);
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(small), 3), 3);
	for (unsigned int i = 0; i < 40; i++)
		assert_non_null(hold[i] = hm_pktmbuf_alloc(r.mp));
	/* the scan of 0..31 ends inside the long frame; the refill fails */
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 0);
	assert_rxq_valid(r.rxq);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 0);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_true(st.rx_nombuf > 0);
	assert_int_equal(st.rx_bad_len, 0);
	hm_pktmbuf_free_bulk(hold, 40);
	for (int round = 0; round < 4; round++) {
		uint16_t n = hm_i40e_rx_burst(r.rxq, pkts, 32);
		assert_rxq_valid(r.rxq);
		assert_conserved(r.mp, r.rxq, segs_of(pkts, n), r.pool_n);
		for (uint16_t i = 0; i < n; i++)
			assert_int_equal(pkts[i]->pkt_len, 200);
		hm_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	assert_int_equal(got, 34);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.rx_bad_len, 1);
	assert_int_equal(st.packets, 34);
	hm_traffic_gen_free(big);
	hm_traffic_gen_free(small);
	rig_fini(&r);
}

static void
test_i40e_single_buffer_long_frame_dropped(void **state)
{
	(void)state;
	single_buffer_long_frame(HM_I40E_RX_SCALAR);
	single_buffer_long_frame(HM_I40E_RX_BULK);
	bulk_long_frame_refill_fails(HM_I40E_RX_BULK);
	FOR_EACH_VEC_ISA({
		single_buffer_long_frame(HM_I40E_RX_VECTOR);
		bulk_long_frame_refill_fails(HM_I40E_RX_VECTOR);
	});
}

static void
test_i40e_placement_node1(void **state)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_info info;
	struct hm_mbuf *pkts[32];
	struct rig r;
	(void)state;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 256;
	rig_init(&r, 512, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	assert_int_equal(hm_i40e_rxq_info_get(r.rxq, &info), 0);
	assert_int_equal(info.ring_node, hm_test_node_b());
	assert_int_equal(info.queue_node, hm_test_node_b());
	assert_int_equal(info.sw_ring_node, hm_test_node_b());
	assert_int_equal(info.ring_mz->socket_id, hm_test_node_b());
	assert_int_equal(info.ring_mz->iova % HM_I40E_RING_BASE_ALIGN, 0);
	assert_true(info.ring_mz->len >= (HM_I40E_MAX_RING_DESC + HM_I40E_RX_MAX_BURST) * 32);
	struct hm_traffic_gen *g = gen_make(3, 64, 64);
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 32), 32);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 32), 32);
	for (unsigned int i = 0; i < 32; i++) {
		const struct hm_memseg *ms = hm_mem_virt2memseg(pkts[i], NULL);
		assert_non_null(ms);
		assert_int_equal(ms->socket_id, hm_test_node_b());
	}
	hm_pktmbuf_free_bulk(pkts, 32);
	hm_traffic_gen_free(g);
	rig_fini(&r);
}

/*
 * Hold delivered mbufs until the pool runs dry: rx_nombuf counts, the
 * packets wait on the ring, and all arrive in order once mbufs come back.
 */
static void
exhaustion(enum hm_i40e_rx_path path, uint16_t burst)
{
	static uint8_t want[HM_TRAFFIC_MAX_FRAME];
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats st;
	struct hm_mbuf *held[512];
	unsigned int nheld = 0, total = 0;
	struct rig r;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = path;
	rig_init(&r, 128 + 40, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	struct hm_traffic_gen *g = gen_make(9, 64, 300), *twin = gen_make(9, 64, 300);
	/* 100 frames on the ring; 40 spare mbufs: the driver runs dry */
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 100), 100);
	for (int round = 0; round < 20; round++) {
		uint16_t n = hm_i40e_rx_burst(r.rxq, held + nheld, burst);
		nheld += n;
		assert_rxq_valid(r.rxq);
		assert_conserved(r.mp, r.rxq, segs_of(held, nheld), r.pool_n);
	}
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_true(st.rx_nombuf > 0);
	assert_true(nheld < 100);
	/* give them back (checking them) and drain the rest */
	while (total < 100) {
		for (unsigned int i = 0; i < nheld; i++) {
			size_t wl = (size_t)hm_traffic_gen_next(twin, want, sizeof(want), NULL);
			assert_int_equal(held[i]->pkt_len, wl);
			assert_memory_equal(hm_pktmbuf_mtod(held[i], void *), want, wl);
		}
		hm_pktmbuf_free_bulk(held, nheld);
		total += nheld;
		nheld = hm_i40e_rx_burst(r.rxq, held, burst);
		assert_rxq_valid(r.rxq);
		assert_conserved(r.mp, r.rxq, segs_of(held, nheld), r.pool_n);
		if (total < 100)
			assert_true(nheld > 0);
	}
	assert_int_equal(total, 100);
	assert_int_equal(nheld, 0);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.packets, 100);
	assert_int_equal(st.rx_errors + st.rx_bad_len + st.rx_no_eof, 0);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(twin);
	rig_fini(&r);
}

static void
test_i40e_pool_exhaustion(void **state)
{
	(void)state;
	/* bursts of 32 (the bulk path's scan goes straight to the caller) and of 7
	 * (it stages): a refill that fails puts every mbuf back either way */
	for (uint16_t burst = 7; burst <= 32; burst = (uint16_t)(burst + 25)) {
		exhaustion(HM_I40E_RX_SCALAR, burst);
		exhaustion(HM_I40E_RX_BULK, burst);
		exhaustion(HM_I40E_RX_SCATTERED, burst);
		FOR_EACH_VEC_ISA(exhaustion(HM_I40E_RX_VECTOR, burst));
	}
}

/* A descriptor armed with a wrong IOVA: the NIC counts a DMA fault, the driver drops it. */
static void
test_i40e_dma_fault_dropped(void **state)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_info info;
	struct hm_i40e_rxq_stats st;
	struct hm_nic_stats ns;
	struct hm_mbuf *pkts[8];
	struct rig r;
	(void)state;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.path = HM_I40E_RX_SCALAR;
	rig_init(&r, 256, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	assert_int_equal(hm_i40e_rxq_info_get(r.rxq, &info), 0);
	/* descriptor 0 points nowhere */
	hm_i40e_rx_desc_qw_set(info.ring_mz->addr, 0, 0x7ff000000000ULL);
	struct hm_traffic_gen *g = gen_make(5, 64, 64);
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 4), 4);
	assert_int_equal(hm_i40e_rx_burst(r.rxq, pkts, 8), 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(hm_traffic_verify(hm_pktmbuf_mtod(pkts[i], void *),
						   pkts[i]->data_len, NULL), 0);
	hm_pktmbuf_free_bulk(pkts, 3);
	assert_int_equal(hm_nic_stats_get(r.nic, &ns), 0);
	assert_int_equal(ns.q[0].dma_faults, 1);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.rx_errors, 1);
	assert_rxq_valid(r.rxq); /* re-armed with its mbuf's real address */
	assert_conserved(r.mp, r.rxq, 0, r.pool_n);
	hm_traffic_gen_free(g);
	rig_fini(&r);
}

/*
 * Scattered path: a DMA fault on a frame spanning two buffers (the NIC writes
 * RXE, length 0, on both descriptors) is one dropped frame, counted once, as
 * the NIC counts it, so delivered + dropped == frames written back holds.
 */
static void
test_i40e_scattered_dma_fault_counted_once(void **state)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_info info;
	struct hm_i40e_rxq_stats st;
	struct hm_nic_stats ns;
	struct hm_mbuf *pkts[8];
	struct rig r;
	uint16_t n;
	(void)state;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.max_pkt_len = 2500;
	qc.path = HM_I40E_RX_SCATTERED;
	rig_init(&r, 256, HM_PKTMBUF_HEADROOM + 512, &qc, 5);
	assert_int_equal(hm_i40e_rxq_info_get(r.rxq, &info), 0);
	/* descriptor 0 (first buffer of the first frame) points nowhere */
	hm_i40e_rx_desc_qw_set(info.ring_mz->addr, 0, 0x7ff000000000ULL);
	struct hm_traffic_gen *g = gen_make(5, 1000, 1000);
	assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 4), 4);
	n = hm_i40e_rx_burst(r.rxq, pkts, 8);
	assert_rxq_valid(r.rxq);
	assert_int_equal(n, 3);
	for (unsigned int i = 0; i < n; i++) {
		static uint8_t buf[HM_TRAFFIC_MAX_FRAME];
		size_t l = flatten(pkts[i], buf, sizeof(buf));
		assert_int_equal(l, 1000);
		assert_int_equal(hm_traffic_verify(buf, l, NULL), 0);
	}
	hm_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(hm_nic_stats_get(r.nic, &ns), 0);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_int_equal(st.rx_errors, 1);
	assert_int_equal(n + st.rx_errors + st.rx_bad_len + st.rx_no_eof,
			 ns.q[0].packets + ns.q[0].errors);
	assert_conserved(r.mp, r.rxq, 0, r.pool_n);
	hm_traffic_gen_free(g);
	rig_fini(&r);
}

/*
 * Every NIC fault mode on every path: the driver never crashes, its
 * invariants hold after each burst, no mbuf leaks, every delivered payload
 * verifies, and delivered + dropped == frames the NIC wrote back.
 */
static void
hostile(enum hm_i40e_rx_path path, enum hm_nic_fault mode)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats st;
	struct hm_nic_stats ns;
	struct hm_mbuf *pkts[32];
	unsigned int total = 3000, sent = 0, rcvd = 0, idle = 0;
	bool sc = path == HM_I40E_RX_SCATTERED;
	struct rig r;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = path;
	if (sc)
		qc.max_pkt_len = 2500;
	rig_init(&r, 512, sc ? HM_PKTMBUF_HEADROOM + 512 : HM_MBUF_DEFAULT_BUF_SIZE, &qc,
		 sc ? 5 : 1);
	assert_int_equal(hm_nic_fault_set(r.nic, mode, 7, 20000, 11), 0);
	/* scattered: fixed 1000-byte frames, so a non-last buffer is never short */
	struct hm_traffic_gen *g = sc ? gen_make(13, 1000, 1000) : gen_make(13, 64, 1518);
	while (idle < 4) {
		if (sent < total) {
			assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 8), 8);
			sent += 8;
		} else {
			assert_true(hm_nic_flush(r.nic) >= 0);
		}
		uint16_t n = hm_i40e_rx_burst(r.rxq, pkts, 32);
		assert_rxq_valid(r.rxq);
		assert_conserved(r.mp, r.rxq, segs_of(pkts, n), r.pool_n);
		for (uint16_t i = 0; i < n; i++) {
			static uint8_t buf[HM_TRAFFIC_MAX_FRAME];
			size_t l = flatten(pkts[i], buf, sizeof(buf));
			assert_true(l > 0 && l <= (sc ? 2500u : 2048u));
			assert_int_equal(hm_traffic_verify(buf, l, NULL), 0);
		}
		hm_pktmbuf_free_bulk(pkts, n);
		rcvd += n;
		idle = (sent >= total && n == 0) ? idle + 1 : 0;
	}
	assert_int_equal(hm_nic_stats_get(r.nic, &ns), 0);
	assert_int_equal(hm_i40e_rxq_stats_get(r.rxq, &st), 0);
	assert_true(hm_nic_fault_count(r.nic, mode) > 0);
	assert_int_equal(ns.q[0].missed, 0);
	assert_int_equal(st.packets, rcvd);
	uint64_t dropped = st.rx_errors + st.rx_bad_len + st.rx_no_eof;
	assert_int_equal(rcvd + dropped, ns.q[0].packets + ns.q[0].errors);
	if (mode == HM_NIC_FAULT_LEN_ZERO || mode == HM_NIC_FAULT_LEN_OVER)
		assert_int_equal(st.rx_bad_len, hm_nic_fault_count(r.nic, mode));
	if (mode == HM_NIC_FAULT_NO_EOF)
		assert_int_equal(st.rx_no_eof, hm_nic_fault_count(r.nic, mode));
	if (mode == HM_NIC_FAULT_DELAY || mode == HM_NIC_FAULT_PTYPE)
		assert_int_equal(dropped, 0);
	hm_traffic_gen_free(g);
	rig_fini(&r);
}

static void
test_i40e_hostile_writebacks(void **state)
{
	(void)state;
	for (int m = 0; m < HM_NIC_FAULT_COUNT; m++) {
		hostile(HM_I40E_RX_SCALAR, (enum hm_nic_fault)m);
		hostile(HM_I40E_RX_BULK, (enum hm_nic_fault)m);
		hostile(HM_I40E_RX_SCATTERED, (enum hm_nic_fault)m);
		FOR_EACH_VEC_ISA(hostile(HM_I40E_RX_VECTOR, (enum hm_nic_fault)m));
	}
}

/*
 * VLAN stripping and checksum flags: every packet's ol_flags, vlan_tci, RSS
 * hash and data match what the twin generator says about the frame.
 */
static void
offloads(enum hm_i40e_rx_path path)
{
	static uint8_t want[HM_TRAFFIC_MAX_FRAME], got[HM_TRAFFIC_MAX_FRAME];
	struct hm_i40e_rxq_conf qc;
	struct hm_traffic_gen_conf gc;
	struct hm_nic_conf nc;
	struct hm_mbuf *pkts[32];
	unsigned int rcvd = 0, bad_ip = 0, bad_l4 = 0;
	bool sc = path == HM_I40E_RX_SCATTERED;
	struct rig r;

	memset(&r, 0, sizeof(r));
	hm_nic_conf_init(&nc);
	nc.vlan_strip = true;
	nc.max_chain = sc ? 5 : 1;
	r.nic = hm_nic_create(&nc);
	assert_non_null(r.nic);
	r.pool_n = 512;
	r.mp = hm_pktmbuf_pool_create("rx_pool", r.pool_n, 0, 0,
				      sc ? HM_PKTMBUF_HEADROOM + 512 : HM_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(r.mp);
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = path;
	qc.vec_isa = path == HM_I40E_RX_VECTOR ? vec_isa : HM_I40E_VEC_AUTO;
	qc.port = 3;
	if (sc)
		qc.max_pkt_len = 2500;
	r.rxq = hm_i40e_rxq_setup(r.nic, 0, r.mp, &qc);
	assert_non_null(r.rxq);
	assert_int_equal(hm_i40e_rxq_start(r.rxq), 0);
	hm_traffic_gen_conf_init(&gc);
	gc.seed = 21;
	gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = 64;
	gc.size_max = 1518;
	gc.flows = 32;
	gc.proto = HM_TRAFFIC_MIXED;
	gc.vlan = true;
	gc.vlan_tci = 0x2123;
	gc.bad_ip_ppm = 250000;
	gc.bad_l4_ppm = 250000;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&gc), *twin = hm_traffic_gen_create(&gc);
	assert_non_null(g);
	assert_non_null(twin);
	while (rcvd < 2000) {
		assert_int_equal(hm_nic_step(r.nic, hm_traffic_gen_source(g), 16), 16);
		uint16_t n;
		while ((n = hm_i40e_rx_burst(r.rxq, pkts, 32)) > 0) {
			assert_rxq_valid(r.rxq);
			for (uint16_t i = 0; i < n; i++) {
				struct hm_traffic_meta meta;
				uint64_t f = pkts[i]->ol_flags;
				int wl = hm_traffic_gen_next(twin, want, sizeof(want), &meta);
				size_t gl = flatten(pkts[i], got, sizeof(got));
				/* the tag is gone from the data */
				assert_int_equal(gl, (size_t)wl - 4);
				assert_memory_equal(got, want, 12);
				assert_memory_equal(got + 12, want + 16, gl - 12);
				assert_int_equal(f & (HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED),
						 HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED);
				assert_int_equal(pkts[i]->vlan_tci, 0x2123);
				assert_int_equal(pkts[i]->port, 3);
				assert_int_equal(f & HM_MBUF_F_RX_IP_CKSUM_MASK,
						 meta.bad_ip ? HM_MBUF_F_RX_IP_CKSUM_BAD
							     : HM_MBUF_F_RX_IP_CKSUM_GOOD);
				assert_int_equal(f & HM_MBUF_F_RX_L4_CKSUM_MASK,
						 meta.bad_l4 ? HM_MBUF_F_RX_L4_CKSUM_BAD
							     : HM_MBUF_F_RX_L4_CKSUM_GOOD);
				uint32_t hash;
				unsigned int q;
				assert_int_equal(hm_nic_rss(r.nic, want, (size_t)wl, &hash, &q), 1);
				assert_true(f & HM_MBUF_F_RX_RSS_HASH);
				assert_int_equal(pkts[i]->hash.rss, hash);
				bad_ip += meta.bad_ip;
				bad_l4 += meta.bad_l4;
			}
			hm_pktmbuf_free_bulk(pkts, n);
			rcvd += n;
		}
	}
	assert_true(bad_ip > 0 && bad_l4 > 0);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(twin);
	rig_fini(&r);
}

static void
test_i40e_offload_flags(void **state)
{
	(void)state;
	offloads(HM_I40E_RX_SCALAR);
	offloads(HM_I40E_RX_BULK);
	offloads(HM_I40E_RX_SCATTERED);
	FOR_EACH_VEC_ISA(offloads(HM_I40E_RX_VECTOR));
}

/* The device in its own thread (back-pressure), the driver here: in order, intact. */
static void
threaded(enum hm_i40e_rx_path path)
{
	static uint8_t want[HM_TRAFFIC_MAX_FRAME], got[HM_TRAFFIC_MAX_FRAME];
	struct hm_i40e_rxq_conf qc;
	struct hm_nic_conf nc;
	struct hm_mbuf *pkts[32];
	const unsigned int total = 20000;
	unsigned int rcvd = 0, idle = 0;
	struct rig r;

	memset(&r, 0, sizeof(r));
	hm_nic_conf_init(&nc);
	nc.numa_node = hm_test_node_b();
	nc.backpressure = true;
	r.nic = hm_nic_create(&nc);
	assert_non_null(r.nic);
	r.pool_n = 512;
	r.mp = hm_pktmbuf_pool_create("rx_pool", r.pool_n, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE,
				      hm_test_node_b());
	assert_non_null(r.mp);
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 256;
	qc.path = path;
	qc.vec_isa = path == HM_I40E_RX_VECTOR ? vec_isa : HM_I40E_VEC_AUTO;
	r.rxq = hm_i40e_rxq_setup(r.nic, 0, r.mp, &qc);
	assert_non_null(r.rxq);
	assert_int_equal(hm_i40e_rxq_start(r.rxq), 0);
	struct hm_traffic_gen *g, *twin = gen_make(77, 64, 1518);
	struct hm_traffic_gen_conf gc;
	hm_traffic_gen_conf_init(&gc);
	gc.seed = 77;
	gc.count = total;
	gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = 64;
	gc.size_max = 1518;
	gc.flows = 64;
	gc.proto = HM_TRAFFIC_MIXED;
	g = hm_traffic_gen_create(&gc);
	assert_non_null(g);
	assert_int_equal(hm_nic_start(r.nic, hm_traffic_gen_source(g)), 0);
	/* the device thread owns the NIC: stop must refuse and change nothing */
	assert_int_equal(hm_i40e_rxq_stop(r.rxq), -EBUSY);
	while (rcvd < total && idle < 20000000) {
		uint16_t n = hm_i40e_rx_burst(r.rxq, pkts, 32);
		for (uint16_t i = 0; i < n; i++) {
			int wl = hm_traffic_gen_next(twin, want, sizeof(want), NULL);
			size_t gl = flatten(pkts[i], got, sizeof(got));
			assert_int_equal(gl, (size_t)wl);
			assert_memory_equal(got, want, gl);
		}
		hm_pktmbuf_free_bulk(pkts, n);
		rcvd += n;
		if (n == 0 && ++idle % 64 == 0)
			sched_yield();
	}
	assert_int_equal(hm_nic_stop(r.nic), 0);
	assert_int_equal(rcvd, total);
	assert_rxq_valid(r.rxq);
	assert_conserved(r.mp, r.rxq, 0, r.pool_n);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(twin);
	rig_fini(&r);
}

static void
test_i40e_device_thread(void **state)
{
	(void)state;
	threaded(HM_I40E_RX_BULK);
	threaded(HM_I40E_RX_SCALAR);
	FOR_EACH_VEC_ISA(threaded(HM_I40E_RX_VECTOR));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_i40e_invalid_args, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_integrity_scalar, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_integrity_bulk, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_integrity_vector, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_scattered_reassembly, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_scattered_oversize_dropped_whole, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_single_buffer_long_frame_dropped, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_placement_node1, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_pool_exhaustion, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_dma_fault_dropped, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_scattered_dma_fault_counted_once, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_hostile_writebacks, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_offload_flags, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_device_thread, setup_emu,
						hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
