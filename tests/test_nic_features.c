/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fake NIC conformance, part 2 (part 1: test_nic.c; the mini driver in
 * nic_test_common.h): RSS (Toeplitz known vectors, distribution, RETA),
 * ptype / checksum / VLAN flags, every fault-injection mode, the device
 * thread, source errors, pcap replay and NUMA placement. The same backends
 * and topologies as part 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"
#include "nic_test_common.h"

static void
test_nic_toeplitz_vectors(void **state)
{
	static const struct {
		uint8_t dst[4], src[4];
		uint16_t dport, sport;
		uint32_t ip, tcp;
	} v[] = {
		{ { 161, 142, 100, 80 }, { 66, 9, 149, 187 }, 1766, 2794, 0x323e8fc2, 0x51ccc178 },
		{ { 65, 69, 140, 83 }, { 199, 92, 111, 2 }, 4739, 14230, 0xd718262a, 0xc626b0ea },
		{ { 12, 22, 207, 184 }, { 24, 19, 198, 95 }, 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
		{ { 209, 142, 163, 6 }, { 38, 27, 205, 30 }, 2217, 48228, 0x82989176, 0xafc7327f },
		{ { 202, 188, 127, 2 }, { 153, 39, 163, 191 }, 1303, 44251, 0x5d1809c5, 0x10e828a2 },
	};
	(void)state;

	struct hm_nic *nic = nic_with(1, true);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t in[12];
		memcpy(in, v[i].src, 4);
		memcpy(in + 4, v[i].dst, 4);
		in[8] = (uint8_t)(v[i].sport >> 8);
		in[9] = (uint8_t)v[i].sport;
		in[10] = (uint8_t)(v[i].dport >> 8);
		in[11] = (uint8_t)v[i].dport;
		assert_int_equal(hm_nic_toeplitz(hm_nic_rss_default_key, 40, in, 8), v[i].ip);
		assert_int_equal(hm_nic_toeplitz(hm_nic_rss_default_key, 40, in, 12), v[i].tcp);

		/* the device's hash of a TCP frame with that 5-tuple */
		uint8_t f[64] = { 0 };
		f[12] = 0x08;
		f[14] = 0x45;
		f[17] = 50; /* total length 50 */
		f[23] = 6;
		memcpy(f + 26, v[i].src, 4);
		memcpy(f + 30, v[i].dst, 4);
		memcpy(f + 34, in + 8, 4);
		f[46] = 5 << 4;
		uint32_t h;
		unsigned int q;
		assert_int_equal(hm_nic_rss(nic, f, 64, &h, &q), 1);
		assert_int_equal(h, v[i].tcp);
		assert_int_equal(q, 0);
		/* as ICMP (not UDP/TCP): the 2-tuple hash */
		f[23] = 1;
		assert_int_equal(hm_nic_rss(nic, f, 64, &h, &q), 1);
		assert_int_equal(h, v[i].ip);
	}
	hm_nic_free(nic);
}

struct rss_model {
	struct hm_nic *nic;
	unsigned int q;
	uint64_t count;
	int8_t flow_q[256];
};

static void
rx_rss(void *arg, const uint8_t *f, size_t len, uint64_t qw0, uint64_t qw1)
{
	struct rss_model *m = arg;
	struct hm_traffic_meta meta;
	uint32_t h;
	unsigned int q;

	assert_int_equal(hm_traffic_verify(f, len, &meta), 0);
	assert_true(hm_i40e_rxd_rss_valid(qw1));
	assert_int_equal(hm_nic_rss(m->nic, f, len, &h, &q), 1);
	assert_int_equal(hm_i40e_rxd_rss(qw0), h);
	assert_int_equal(q, m->q);
	assert_int_equal(q, h % 4); /* default RETA: entry i -> queue i % 4 */
	if (m->flow_q[meta.flow] < 0)
		m->flow_q[meta.flow] = (int8_t)q;
	assert_int_equal(m->flow_q[meta.flow], q);
	m->count++;
}

/* RSS spreads flows over queues, a flow stays on its queue, the RETA steers. */
static void
test_nic_rss_distribution(void **state)
{
	struct drv d[4];
	struct rss_model m[4];
	struct hm_nic_stats st;
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	(void)state;

	struct hm_nic *nic = nic_with(4, true);
	for (unsigned int q = 0; q < 4; q++) {
		drv_init(&d[q], nic, q, 64, 2048, 32, 0);
		memset(&m[q], 0, sizeof(m[q]));
		m[q].nic = nic;
		m[q].q = q;
		memset(m[q].flow_q, -1, sizeof(m[q].flow_q));
	}
	struct hm_traffic_gen *g = gen_conf(17, 4000, HM_TRAFFIC_SIZE_FIXED, 128, 0, 256, false);
	struct hm_traffic_src *src = hm_traffic_gen_source(g);
	while (hm_nic_step(nic, src, 16) > 0)
		for (unsigned int q = 0; q < 4; q++)
			drv_poll(&d[q], rx_rss, &m[q]);
	assert_nic_valid(nic);
	uint64_t total = 0;
	for (unsigned int q = 0; q < 4; q++) {
		total += m[q].count;
		assert_true(m[q].count > 4000 * 15 / 100);
		assert_true(m[q].count < 4000 * 35 / 100);
	}
	assert_int_equal(total, 4000);
	for (int fl = 0; fl < 256; fl++) { /* each flow on exactly one queue */
		int seen = 0;
		for (unsigned int q = 0; q < 4; q++)
			seen += m[q].flow_q[fl] >= 0;
		assert_true(seen <= 1);
	}

	/* RETA all -> queue 2 */
	uint16_t two = 2;
	assert_int_equal(hm_nic_reta_set(nic, &two, 1), 0);
	hm_traffic_gen_free(g);
	g = gen_conf(18, 0, HM_TRAFFIC_SIZE_FIXED, 128, 0, 256, false);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	uint64_t q2 = st.q[2].packets;
	for (int i = 0; i < 40; i++) {
		int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
		drv_poll(&d[2], NULL, NULL);
	}
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[2].packets, q2 + 40);
	/* queue 2 released: no_queue */
	assert_int_equal(hm_nic_queue_release(nic, 2), 0);
	int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
	assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 0);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.no_queue, 1);
	assert_nic_valid(nic);
	for (unsigned int q = 0; q < 4; q++)
		drv_fini(&d[q]);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);

	/* RSS off: everything on queue 0, no hash reported */
	nic = nic_with(2, false);
	drv_init(&d[0], nic, 0, 64, 2048, 32, 0);
	g = gen_conf(18, 0, HM_TRAFFIC_SIZE_FIXED, 128, 0, 256, false);
	for (int i = 0; i < 30; i++) {
		len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d[0], (uint32_t)i));
		assert_false(hm_i40e_rxd_rss_valid(qw1));
		assert_int_equal(hm_i40e_rxd_rss(hm_i40e_rx_desc_qw_get(drv_desc(&d[0], (uint32_t)i), 0)), 0);
	}
	drv_fini(&d[0]);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);
}

/* ptype, L3L4P, IPE/L4E from the device's own checksum verification. */
static void
test_nic_ptype_and_checksums(void **state)
{
	struct drv d;
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	struct hm_traffic_gen_conf c;
	(void)state;

	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 64, 2048, 32, 0);
	hm_traffic_gen_conf_init(&c);
	c.proto = HM_TRAFFIC_MIXED;
	c.flows = 64;
	c.bad_ip_ppm = 250000;
	c.bad_l4_ppm = 250000;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&c);
	unsigned int seen_ipe = 0, seen_l4e = 0, udp = 0, tcp = 0;
	for (int i = 0; i < 400; i++) {
		struct hm_traffic_meta m;
		struct hm_traffic_info in;
		int len = hm_traffic_gen_next(g, f, sizeof(f), &m);
		hm_traffic_parse(f, (size_t)len, &in);
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
		uint32_t slot = (uint32_t)i % 64;
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, slot));
		uint32_t err = hm_i40e_rxd_error(qw1);
		assert_true(qw1 & HM_I40E_RXD_L3L4P);
		assert_int_equal(!!(err & (HM_I40E_RXD_ERR_IPE >> HM_I40E_RXD_ERROR_S)), m.bad_ip);
		assert_int_equal(!!(err & (HM_I40E_RXD_ERR_L4E >> HM_I40E_RXD_ERROR_S)), m.bad_l4);
		seen_ipe += m.bad_ip;
		seen_l4e += m.bad_l4;
		uint32_t pt = hm_i40e_rxd_ptype(qw1);
		if (in.l4_proto == 6) {
			assert_int_equal(pt, HM_I40E_PTYPE_IPV4_TCP);
			tcp++;
		} else {
			assert_int_equal(pt, HM_I40E_PTYPE_IPV4_UDP);
			udp++;
		}
		drv_poll(&d, NULL, NULL);
	}
	assert_true(seen_ipe > 0 && seen_l4e > 0 && udp > 0 && tcp > 0);

	/* non-IP (ARP): ptype L2, no L3L4P, no hash */
	memset(f, 0, 64);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(hm_nic_rx_frame(nic, f, 64), 1);
	uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 400 % 64));
	assert_int_equal(hm_i40e_rxd_ptype(qw1), HM_I40E_PTYPE_L2);
	assert_false(qw1 & HM_I40E_RXD_L3L4P);
	assert_false(hm_i40e_rxd_rss_valid(qw1));
	drv_poll(&d, NULL, NULL);
	/* IPv4 fragment and IPv4 "other" (protocol 47) */
	memset(f, 0, 64);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = 50;
	f[23] = 47;
	uint16_t ck = (uint16_t)~hm_traffic_cksum_raw(f + 14, 20, 0);
	f[24] = (uint8_t)(ck >> 8);
	f[25] = (uint8_t)ck;
	assert_int_equal(hm_nic_rx_frame(nic, f, 64), 1);
	qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 401 % 64));
	assert_int_equal(hm_i40e_rxd_ptype(qw1), HM_I40E_PTYPE_IPV4);
	assert_int_equal(hm_i40e_rxd_error(qw1), 0);
	assert_true(hm_i40e_rxd_rss_valid(qw1));
	f[20] = 0x20; /* MF */
	f[24] = f[25] = 0;
	ck = (uint16_t)~hm_traffic_cksum_raw(f + 14, 20, 0);
	f[24] = (uint8_t)(ck >> 8);
	f[25] = (uint8_t)ck;
	assert_int_equal(hm_nic_rx_frame(nic, f, 64), 1);
	qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 402 % 64));
	assert_int_equal(hm_i40e_rxd_ptype(qw1), HM_I40E_PTYPE_IPV4_FRAG);
	/* a runt shorter than an Ethernet header is still delivered, as L2 */
	assert_int_equal(hm_nic_rx_frame(nic, f, 10), 1);
	qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 403 % 64));
	assert_int_equal(hm_i40e_rxd_ptype(qw1), HM_I40E_PTYPE_L2);
	assert_int_equal(hm_i40e_rxd_pbuf_len(qw1), 10);
	assert_nic_valid(nic);
	drv_fini(&d);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);
}

/* VLAN: kept in the frame by default, stripped into l2tag1 with L2TAG1P on request. */
static void
test_nic_vlan_strip(void **state)
{
	struct drv d;
	struct rx_model m;
	struct hm_nic_conf c;
	(void)state;

	for (int strip = 0; strip < 2; strip++) {
		hm_nic_conf_init(&c);
		c.vlan_strip = strip;
		struct hm_nic *nic = hm_nic_create(&c);
		assert_non_null(nic);
		drv_init(&d, nic, 0, 64, 2048, 16, 0);
		struct hm_traffic_gen *g = gen_conf(31, 300, HM_TRAFFIC_SIZE_IMIX, 0, 0, 8, true);
		memset(&m, 0, sizeof(m));
		m.twin = gen_conf(31, 300, HM_TRAFFIC_SIZE_IMIX, 0, 0, 8, true);
		m.strip = strip;
		struct hm_traffic_src *src = hm_traffic_gen_source(g);
		while (hm_nic_step(nic, src, 1) > 0) {
			uint8_t *ds = drv_desc(&d, d.next);
			uint64_t qw1 = hm_i40e_rx_desc_qw1_load(ds);
			uint64_t qw0 = hm_i40e_rx_desc_qw_get(ds, 0);
			assert_int_equal(!!(qw1 & HM_I40E_RXD_L2TAG1P), strip);
			assert_int_equal(hm_i40e_rxd_l2tag1(qw0), strip ? 0x0123 : 0);
			drv_poll(&d, rx_expect, &m);
		}
		assert_int_equal(m.frames, 300);
		assert_nic_valid(nic);
		drv_fini(&d);
		hm_nic_free(nic);
		hm_traffic_gen_free(g);
		hm_traffic_gen_free(m.twin);
	}
}

/* Each fault-injection mode does what it says on the last descriptor. */
static void
test_nic_fault_modes(void **state)
{
	struct drv d;
	struct hm_nic_stats st;
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	(void)state;

	struct hm_traffic_gen *g = gen_conf(41, 0, HM_TRAFFIC_SIZE_FIXED, 600, 0, 1, false);
	int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
	for (unsigned int mode = 0; mode < HM_NIC_FAULT_COUNT; mode++) {
		struct hm_nic *nic = nic_with(1, true);
		drv_init(&d, nic, 0, 64, 256, 32, 0); /* 600 bytes: 3 descriptors */
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
		uint64_t good = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 2));
		assert_int_equal(hm_nic_fault_set(nic, (enum hm_nic_fault)mode, 1, 0, 5), 0);
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 5));
		uint64_t mid = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 4));
		assert_int_equal(hm_nic_fault_count(nic, (enum hm_nic_fault)mode), 1);
		switch (mode) {
		case HM_NIC_FAULT_ERR_BITS:
			assert_int_equal(hm_i40e_rxd_error(good), 0);
			assert_true(hm_i40e_rxd_error(qw1) != 0);
			assert_int_equal(hm_i40e_rxd_error(mid), 0);
			break;
		case HM_NIC_FAULT_NO_EOF:
			assert_true(qw1 & HM_I40E_RXD_DD);
			assert_false(qw1 & HM_I40E_RXD_EOF);
			break;
		case HM_NIC_FAULT_LEN_ZERO:
			assert_int_equal(hm_i40e_rxd_pbuf_len(qw1), 0);
			assert_int_equal(hm_i40e_rxd_pbuf_len(mid), 256);
			break;
		case HM_NIC_FAULT_LEN_OVER:
			assert_true(hm_i40e_rxd_pbuf_len(qw1) > 256);
			break;
		case HM_NIC_FAULT_PTYPE:
			assert_true(hm_i40e_rxd_ptype(qw1) != hm_i40e_rxd_ptype(good));
			assert_int_equal(hm_i40e_rxd_ptype(mid), hm_i40e_rxd_ptype(good));
			break;
		case HM_NIC_FAULT_DELAY:
			/* consumed (head moved) but not written back yet */
			assert_false(qw1 & HM_I40E_RXD_DD);
			assert_false(mid & HM_I40E_RXD_DD);
			assert_int_equal(hm_nic_head(nic, 0), 6);
			assert_int_equal(hm_nic_stats_get(nic, &st), 0);
			assert_int_equal(st.q[0].delayed, 3);
			assert_nic_valid(nic);
			/* later frames are delayed too; switch off and send 4 more */
			assert_int_equal(hm_nic_fault_clear(nic), 0);
			for (int i = 0; i < 4; i++) {
				assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
				/* out of order: the later frame is visible, the delayed one not */
				if (i < 3)
					assert_false(hm_i40e_rx_desc_qw1_load(drv_desc(&d, 5)) &
						     HM_I40E_RXD_DD);
			}
			qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 5));
			assert_true(qw1 & HM_I40E_RXD_DD);
			assert_true(qw1 & HM_I40E_RXD_EOF);
			assert_int_equal(hm_nic_stats_get(nic, &st), 0);
			assert_int_equal(st.q[0].delayed, 0);
			/* flush lands a held write-back at once */
			assert_int_equal(hm_nic_fault_set(nic, HM_NIC_FAULT_DELAY, 1, 0, 5), 0);
			assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
			uint32_t last = (uint32_t)(hm_nic_head(nic, 0) + 63) % 64;
			assert_false(hm_i40e_rx_desc_qw1_load(drv_desc(&d, last)) & HM_I40E_RXD_DD);
			assert_int_equal(hm_nic_flush(nic), 1);
			assert_true(hm_i40e_rx_desc_qw1_load(drv_desc(&d, last)) & HM_I40E_RXD_DD);
			assert_int_equal(hm_nic_flush(nic), 0);
			break;
		}
		assert_int_equal(hm_nic_stats_get(nic, &st), 0);
		assert_true(st.faults_injected >= 1);
		/* frames still counted as packets; the validator holds */
		assert_nic_valid(nic);
		drv_fini(&d);
		hm_nic_free(nic);
	}

	/* per-rate injection is seeded: the same seed hits the same frames */
	uint64_t hits[2][64];
	unsigned int nhits[2] = { 0, 0 };
	for (int run = 0; run < 2; run++) {
		struct hm_nic *nic = nic_with(1, true);
		drv_init(&d, nic, 0, 64, 2048, 32, 0);
		assert_int_equal(hm_nic_fault_set(nic, HM_NIC_FAULT_PTYPE, 0, 300000, 1234), 0);
		for (int i = 0; i < 400; i++) {
			assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
			uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, d.next));
			if (hm_i40e_rxd_ptype(qw1) != HM_I40E_PTYPE_IPV4_UDP &&
			    hm_i40e_rxd_ptype(qw1) != HM_I40E_PTYPE_IPV4_TCP && nhits[run] < 64)
				hits[run][nhits[run]++] = (uint64_t)i;
			drv_poll(&d, NULL, NULL);
		}
		uint64_t n = hm_nic_fault_count(nic, HM_NIC_FAULT_PTYPE);
		assert_true(n > 80 && n < 160); /* ~30 % of 400 */
		drv_fini(&d);
		hm_nic_free(nic);
	}
	assert_int_equal(nhits[0], nhits[1]);
	assert_memory_equal(hits[0], hits[1], nhits[0] * sizeof(hits[0][0]));
	hm_traffic_gen_free(g);
}

/* The device in its own thread, the driver polling here: every frame arrives intact. */
static void
test_nic_thread(void **state)
{
	struct drv d;
	struct rx_model m;
	struct hm_nic_stats st;
	struct hm_nic_conf c;
	enum { N = 20000 };
	(void)state;

	hm_nic_conf_init(&c);
	c.backpressure = true;
	c.numa_node = hm_test_node_b();
	struct hm_nic *nic = hm_nic_create(&c);
	assert_non_null(nic);
	drv_init(&d, nic, 0, 256, 2048, 32, hm_nic_numa_node(nic));
	assert_int_equal(d.ring->socket_id, hm_test_node_b()); /* placed on the NIC's node */
	assert_int_equal(d.bufs->socket_id, hm_test_node_b());
	struct hm_traffic_gen *g = gen_conf(51, N, HM_TRAFFIC_SIZE_IMIX, 0, 0, 100, false);
	memset(&m, 0, sizeof(m));
	m.twin = gen_conf(51, N, HM_TRAFFIC_SIZE_IMIX, 0, 0, 100, false);
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), 0);
	uint8_t fr[64] = { 0 };
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), -EBUSY);
	assert_int_equal(hm_nic_rx_frame(nic, fr, 64), -EBUSY);
	assert_int_equal(hm_nic_step(nic, hm_traffic_gen_source(g), 1), -EBUSY);
	assert_int_equal(hm_nic_flush(nic), -EBUSY);
	assert_int_equal(hm_nic_check(nic, NULL), -EBUSY);
	assert_int_equal(hm_nic_rx_check(nic, NULL), -EBUSY);
	assert_int_equal(hm_nic_tx_check(nic, NULL), -EBUSY);
	assert_int_equal(hm_nic_fault_clear(nic), -EBUSY);
	assert_int_equal(hm_nic_queue_release(nic, 0), -EBUSY);
	assert_int_equal(hm_nic_rss_key_set(nic, fr, 40), -EBUSY);
	assert_int_equal(hm_nic_vlan_strip_set(nic, true), -EBUSY);
	time_t t0 = time(NULL);
	while (m.frames < N) {
		if (drv_poll(&d, rx_expect, &m) == 0)
			sched_yield();
		assert_int_equal(hm_nic_stats_get(nic, &st), 0); /* concurrent snapshot */
		if (time(NULL) - t0 > 120)
			fail_msg("device thread: %llu of %d frames after 120 s",
				 (unsigned long long)m.frames, N);
	}
	while (hm_nic_running(nic) == 1)
		sched_yield();
	assert_int_equal(hm_nic_stop(nic), 0);
	assert_int_equal(hm_nic_running(nic), 0);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[0].packets, N);
	assert_int_equal(st.q[0].missed, 0);
	assert_nic_valid(nic);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(m.twin);

	/* no backpressure, paced: whatever is not taken in time is missed, never lost track of */
	hm_nic_free(nic);
	drv_fini(&d);
	hm_nic_conf_init(&c);
	c.pps_limit = 200000;
	nic = hm_nic_create(&c);
	drv_init(&d, nic, 0, 64, 2048, 32, 0);
	g = gen_conf(52, 3000, HM_TRAFFIC_SIZE_FIXED, 64, 0, 4, false);
	struct rx_model cnt;
	memset(&cnt, 0, sizeof(cnt));
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), 0);
	uint64_t got = 0;
	while (hm_nic_running(nic) == 1)
		got += drv_poll(&d, NULL, NULL);
	assert_int_equal(hm_nic_stop(nic), 0);
	got += drv_poll(&d, NULL, NULL);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.frames_in, 3000);
	assert_int_equal(st.q[0].packets + st.q[0].missed, 3000);
	assert_int_equal(got, st.q[0].packets);
	assert_nic_valid(nic);
	/* stop before the source ends; free stops a running thread too */
	hm_traffic_gen_free(g);
	g = gen_conf(53, 0, HM_TRAFFIC_SIZE_FIXED, 64, 0, 4, false);
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), 0);
	assert_int_equal(hm_nic_stop(nic), 0);
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), 0);
	hm_nic_free(nic);
	drv_fini(&d);
	hm_traffic_gen_free(g);
}

/* A failing source: step and the thread report its error. */
static int
failing_next(void *ctx, void *buf, size_t cap, uint64_t *ts)
{
	int *left = ctx;
	(void)ts;
	if ((*left)-- > 0) {
		memset(buf, 0, cap < 64 ? cap : 64);
		return 64;
	}
	return -EIO;
}

static void
test_nic_source_errors(void **state)
{
	struct drv d;
	int left = 2;
	struct hm_traffic_src src = { failing_next, &left, "failing" };
	(void)state;

	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 64, 2048, 32, 0);
	assert_int_equal(hm_nic_step(nic, &src, 10), 2);
	assert_int_equal(hm_nic_step(nic, &src, 10), -EIO);
	left = 3;
	assert_int_equal(hm_nic_start(nic, &src), 0);
	while (hm_nic_running(nic) == 1)
		sched_yield();
	assert_int_equal(hm_nic_stop(nic), -EIO);
	assert_nic_valid(nic);
	drv_fini(&d);
	hm_nic_free(nic);
}

/* pcap in -> device -> driver: the replayed frames arrive byte for byte. */
static void
test_nic_pcap_replay(void **state)
{
	struct drv d;
	struct rx_model m;
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	char dir[] = "/tmp/hm-test-nic-XXXXXX", path[64];
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/in.pcap", dir);
	struct hm_traffic_gen *g = gen_conf(61, 1000, HM_TRAFFIC_SIZE_RANDOM, 64, 1518, 20, false);
	struct hm_pcap_writer *w = hm_pcap_writer_open(path, NULL);
	assert_non_null(w);
	int len;
	uint64_t ts;
	while ((len = hm_traffic_src_next(hm_traffic_gen_source(g), f, sizeof(f), &ts)) > 0)
		assert_int_equal(hm_pcap_write(w, f, (size_t)len, ts), 0);
	assert_int_equal(hm_pcap_writer_close(w), 0);
	hm_traffic_gen_free(g);

	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 128, 1024, 32, 0);
	struct hm_pcap_reader *r = hm_pcap_open(path);
	assert_non_null(r);
	memset(&m, 0, sizeof(m));
	m.twin = gen_conf(61, 1000, HM_TRAFFIC_SIZE_RANDOM, 64, 1518, 20, false);
	while (hm_nic_step(nic, hm_pcap_source(r), 50) > 0)
		drv_poll(&d, rx_expect, &m);
	assert_int_equal(m.frames, 1000);
	assert_nic_valid(nic);
	hm_pcap_close(r);
	hm_traffic_gen_free(m.twin);
	drv_fini(&d);
	hm_nic_free(nic);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nic_toeplitz_vectors, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_rss_distribution, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_ptype_and_checksums, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_vlan_strip, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_fault_modes, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_thread, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_source_errors, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_pcap_replay, setup_emu, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
