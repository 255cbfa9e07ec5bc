/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fake NIC conformance, part 1: a minimal driver (nic_test_common.h) arms
 * descriptors by hand, feeds frames through the device stepped and checks
 * every write-back and every byte against a twin generator. Covers invalid
 * arguments, integrity over several ring wraps (32- and 16-byte descriptors),
 * multi-descriptor frames, rx_missed, the NIC's telemetry, and DMA faults
 * (wrong IOVA, buffer running out of mapped memory, ring gone) with memory
 * unchanged. Part 2 (test_nic_features.c): RSS, ptype / checksum / VLAN
 * flags, fault injection, the device thread, sources and pcap replay.
 * Topologies are emu topology strings, which hm_test_init_cfg turns into caps
 * on the machine under hugetlbfs; the NIC's second node is hm_test_node_b()
 * (node 0 on one-node machines).
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

/* ------------------------------------------------------------------ */

static void
test_nic_invalid_args(void **state)
{
	struct hm_nic_conf c;
	struct hm_nic_queue_conf qc;
	struct hm_nic_stats st;
	struct hm_traffic_src src = { 0 };
	uint8_t frame[64] = { 0 };
	uint16_t reta[4] = { 0, 1, 2, 3 };
	uint32_t h;
	unsigned int qo;
	struct drv d;
	(void)state;

	hm_test_quiet_log();
	hm_nic_conf_init(NULL);
	assert_null(hm_nic_create(NULL));
	assert_int_equal(hm_errno, EINVAL);
#define BAD_NIC(field, val)                              \
	do {                                             \
		hm_nic_conf_init(&c);                    \
		c.field = val;                           \
		hm_errno = 0;                            \
		assert_null(hm_nic_create(&c));          \
		assert_int_equal(hm_errno, EINVAL);      \
	} while (0)
	BAD_NIC(nb_queues, 0);
	BAD_NIC(nb_queues, HM_NIC_MAX_QUEUES + 1);
	BAD_NIC(numa_node, -1);
	BAD_NIC(numa_node, HM_MAX_NUMA_NODES);
	BAD_NIC(max_frame, 63);
	BAD_NIC(max_frame, HM_NIC_FRAME_MAX + 1);
	BAD_NIC(max_chain, 0);
	BAD_NIC(max_chain, HM_NIC_CHAIN_MAX + 1);
	BAD_NIC(delay_frames, 0);
	uint8_t key[60] = { 1 };
	hm_nic_conf_init(&c);
	c.rss_key = key;
	c.rss_key_len = 15;
	assert_null(hm_nic_create(&c));
	assert_int_equal(hm_errno, EINVAL);
	c.rss_key_len = HM_NIC_RSS_KEY_MAX + 1;
	assert_null(hm_nic_create(&c));
	assert_int_equal(hm_errno, EINVAL);

	struct hm_nic *nic = nic_with(2, true);
	assert_int_equal(hm_nic_numa_node(NULL), -EINVAL);
	assert_int_equal(hm_nic_nb_queues(NULL), -EINVAL);
	assert_int_equal(hm_nic_nb_queues(nic), 2);
	assert_int_equal(hm_nic_numa_node(nic), 0);

	/* queue setup */
	const struct hm_memzone *ring = hm_memzone_reserve_aligned("r", 64 * 32, 0,
								   HM_MEMZONE_IOVA_CONTIG, 128);
	assert_non_null(ring);
	qc.ring_iova = ring->iova;
	qc.nb_desc = 64;
	qc.buf_size = 2048;
	qc.desc_size = 32;
	assert_int_equal(hm_nic_queue_setup(NULL, 0, &qc), -EINVAL);
	assert_int_equal(hm_nic_queue_setup(nic, 0, NULL), -EINVAL);
	assert_int_equal(hm_nic_queue_setup(nic, 2, &qc), -EINVAL);
#define BAD_Q(field, val, err)                                         \
	do {                                                           \
		struct hm_nic_queue_conf b = qc;                       \
		b.field = val;                                         \
		assert_int_equal(hm_nic_queue_setup(nic, 0, &b), err); \
	} while (0)
	BAD_Q(desc_size, 24, -EINVAL);
	BAD_Q(desc_size, 64, -EINVAL);
	BAD_Q(nb_desc, 32, -EINVAL);
	BAD_Q(nb_desc, 65, -EINVAL);
	BAD_Q(nb_desc, HM_NIC_DESC_MAX + 32, -EINVAL);
	BAD_Q(buf_size, 0, -EINVAL);
	BAD_Q(buf_size, 2000, -EINVAL);
	BAD_Q(buf_size, HM_NIC_BUF_MAX + 128, -EINVAL);
	BAD_Q(ring_iova, ring->iova + 64, -EINVAL);
	BAD_Q(ring_iova, HM_BAD_IOVA, -EINVAL);
	BAD_Q(ring_iova, 0xdead000000ULL, -EFAULT);
	/* a ring longer than mapped memory: find the end of mapped IOVA */
	hm_iova_t end = 0;
	assert_int_equal(hm_memseg_walk(max_iova_cb, &end), 0);
	BAD_Q(ring_iova, end - 128, -EFAULT);
	assert_nic_valid(nic);
	assert_int_equal(hm_nic_queue_release(nic, 0), -EINVAL); /* not set up */
	assert_int_equal(hm_nic_queue_release(NULL, 0), -EINVAL);
	assert_int_equal(hm_nic_queue_release(nic, 9), -EINVAL);
	assert_int_equal(hm_memzone_free(ring), 0);

	assert_null(hm_nic_tail_reg(NULL, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_nic_tail_reg(nic, 2));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_nic_head(NULL, 0), -EINVAL);
	assert_int_equal(hm_nic_head(nic, 2), -EINVAL);
	assert_int_equal(hm_nic_head(nic, 1), 0);
	assert_int_equal(hm_nic_reta_set(NULL, reta, 2), -EINVAL);
	assert_int_equal(hm_nic_reta_set(nic, NULL, 2), -EINVAL);
	assert_int_equal(hm_nic_reta_set(nic, reta, 0), -EINVAL);
	assert_int_equal(hm_nic_reta_set(nic, reta, 3), -EINVAL);   /* does not divide 512 */
	assert_int_equal(hm_nic_reta_set(nic, reta, 1024), -EINVAL);
	assert_int_equal(hm_nic_reta_set(nic, reta, 4), -EINVAL);   /* queues 2, 3 */
	uint8_t rkey[HM_NIC_RSS_KEY_MAX + 1] = { 0 };
	assert_int_equal(hm_nic_rss_key_set(NULL, rkey, 40), -EINVAL);
	assert_int_equal(hm_nic_rss_key_set(nic, NULL, 40), -EINVAL);
	assert_int_equal(hm_nic_rss_key_set(nic, rkey, 15), -EINVAL);
	assert_int_equal(hm_nic_rss_key_set(nic, rkey, HM_NIC_RSS_KEY_MAX + 1), -EINVAL);
	assert_int_equal(hm_nic_vlan_strip_set(NULL, true), -EINVAL);
	assert_int_equal(hm_nic_fault_set(NULL, HM_NIC_FAULT_DELAY, 1, 0, 0), -EINVAL);
	assert_int_equal(hm_nic_fault_set(nic, HM_NIC_FAULT_COUNT, 1, 0, 0), -EINVAL);
	assert_int_equal(hm_nic_fault_set(nic, HM_NIC_FAULT_DELAY, 1, 1000001, 0), -EINVAL);
	assert_int_equal(hm_nic_fault_clear(NULL), -EINVAL);
	assert_int_equal(hm_nic_fault_count(NULL, HM_NIC_FAULT_DELAY), 0);
	assert_int_equal(hm_nic_fault_count(nic, HM_NIC_FAULT_COUNT), 0);
	assert_int_equal(hm_nic_rx_frame(NULL, frame, 64), -EINVAL);
	assert_int_equal(hm_nic_rx_frame(nic, NULL, 64), -EINVAL);
	assert_int_equal(hm_nic_rx_frame(nic, frame, 0), -EINVAL);
	assert_int_equal(hm_nic_step(NULL, &src, 1), -EINVAL);
	assert_int_equal(hm_nic_step(nic, NULL, 1), -EINVAL);
	assert_int_equal(hm_nic_step(nic, &src, 1), -EINVAL); /* no next function */
	assert_int_equal(hm_nic_flush(NULL), -EINVAL);
	assert_int_equal(hm_nic_start(NULL, &src), -EINVAL);
	assert_int_equal(hm_nic_start(nic, NULL), -EINVAL);
	assert_int_equal(hm_nic_start(nic, &src), -EINVAL);
	assert_int_equal(hm_nic_stop(NULL), -EINVAL);
	assert_int_equal(hm_nic_stop(nic), -EINVAL);
	assert_int_equal(hm_nic_running(NULL), -EINVAL);
	assert_int_equal(hm_nic_running(nic), 0);
	assert_int_equal(hm_nic_stats_get(NULL, &st), -EINVAL);
	assert_int_equal(hm_nic_stats_get(nic, NULL), -EINVAL);
	assert_int_equal(hm_nic_check(NULL, NULL), -EINVAL);
	assert_int_equal(hm_nic_rx_check(NULL, NULL), -EINVAL);
	assert_int_equal(hm_nic_tx_check(NULL, NULL), -EINVAL);
	assert_int_equal(hm_nic_rx_check(nic, NULL), 0);
	assert_int_equal(hm_nic_tx_check(nic, NULL), 0);
	assert_int_equal(hm_nic_rss(NULL, frame, 64, &h, &qo), -EINVAL);
	assert_int_equal(hm_nic_rss(nic, NULL, 64, &h, &qo), -EINVAL);
	assert_int_equal(hm_nic_rss(nic, frame, 13, &h, &qo), -EINVAL);
	assert_int_equal(hm_nic_rss(nic, frame, 64, NULL, &qo), -EINVAL);
	assert_int_equal(hm_nic_rss(nic, frame, 64, &h, NULL), -EINVAL);
	assert_int_equal(hm_nic_toeplitz(NULL, 40, frame, 12), 0);
	assert_int_equal(hm_nic_toeplitz(hm_nic_rss_default_key, 15, frame, 12), 0);
	/* nothing was counted by the failures */
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.frames_in, 0);
	assert_nic_valid(nic);

	/* a frame to a queue that is not set up, an oversize frame: counted, no crash */
	assert_int_equal(hm_nic_rx_frame(nic, frame, 64), 0);
	static uint8_t big[HM_NIC_FRAME_MAX + 1];
	assert_int_equal(hm_nic_rx_frame(nic, big, sizeof(big)), 0);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.frames_in, 2);
	assert_int_equal(st.no_queue, 1);
	assert_int_equal(st.oversize, 1);
	assert_nic_valid(nic);

	/* a driver writing a tail outside the ring: nothing armed, the validator says so */
	drv_init(&d, nic, 0, 64, 2048, 32, 0);
	hm_nic_tail_write(d.tail, 64);
	assert_int_equal(hm_nic_rx_frame(nic, frame, 64), 0);
	const char *why = NULL;
	assert_int_equal(hm_nic_check(nic, &why), -EFAULT);
	assert_non_null(strstr(why, "tail"));
	/* an RX fault: the RX side's validator reports it, the TX side's does not */
	why = NULL;
	assert_int_equal(hm_nic_rx_check(nic, &why), -EFAULT);
	assert_non_null(strstr(why, "tail"));
	why = NULL;
	assert_int_equal(hm_nic_tx_check(nic, &why), 0);
	assert_null(why);
	hm_nic_tail_write(d.tail, 63);
	assert_nic_valid(nic);
	assert_int_equal(hm_nic_queue_release(nic, 0), 0);
	drv_fini(&d);
	hm_nic_free(nic);
	hm_nic_free(NULL);
}

/* Thousands of frames, many ring wraps, every byte checked; 32- and 16-byte descriptors. */
static void
test_nic_integrity_wraps(void **state)
{
	struct rx_model m;
	struct hm_nic_stats st;
	struct drv d;
	(void)state;

	for (unsigned int dsz = 16; dsz <= 32; dsz += 16) {
		struct hm_nic *nic = nic_with(1, true);
		drv_init(&d, nic, 0, 64, 2048, dsz, 0);
		struct hm_traffic_gen *g = gen_conf(21, 5000, HM_TRAFFIC_SIZE_IMIX, 0, 0, 50, false);
		memset(&m, 0, sizeof(m));
		m.twin = gen_conf(21, 5000, HM_TRAFFIC_SIZE_IMIX, 0, 0, 50, false);
		struct hm_traffic_src *src = hm_traffic_gen_source(g);
		int n;
		uint64_t steps = 0, bytes = 0;
		while ((n = hm_nic_step(nic, src, 1 + (unsigned int)(steps % 40))) > 0) {
			steps++;
			drv_poll(&d, rx_expect, &m);
			assert_nic_valid(nic);
		}
		assert_int_equal(n, 0);
		assert_int_equal(m.frames, 5000);
		assert_int_equal(hm_nic_stats_get(nic, &st), 0);
		assert_int_equal(st.frames_in, 5000);
		assert_int_equal(st.q[0].packets, 5000);
		assert_int_equal(st.q[0].missed, 0);
		assert_int_equal(st.q[0].descs, 5000);
		assert_int_equal(st.q[0].bytes, m.bytes);
		bytes = m.bytes;
		(void)bytes;
		assert_int_equal(hm_nic_head(nic, 0), 5000 % 64);
		assert_nic_valid(nic);
		hm_traffic_gen_free(g);
		hm_traffic_gen_free(m.twin);
		drv_fini(&d);
		hm_nic_free(nic);
	}
}

/* Frames longer than a buffer chain over descriptors, EOF only on the last. */
static void
test_nic_multi_desc(void **state)
{
	struct rx_model m;
	struct hm_nic_stats st;
	struct drv d;
	(void)state;

	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 128, 256, 32, 0);
	/* 64..1280 bytes: 1..5 buffers of 256 */
	struct hm_traffic_gen *g = gen_conf(5, 3000, HM_TRAFFIC_SIZE_RANDOM, 64, 1280, 10, true);
	memset(&m, 0, sizeof(m));
	m.twin = gen_conf(5, 3000, HM_TRAFFIC_SIZE_RANDOM, 64, 1280, 10, true);
	struct hm_traffic_src *src = hm_traffic_gen_source(g);
	uint64_t descs = 0;
	while (hm_nic_step(nic, src, 20) > 0) {
		drv_poll(&d, rx_expect, &m);
		assert_nic_valid(nic);
	}
	assert_int_equal(m.frames, 3000);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[0].packets, 3000);
	assert_int_equal(st.q[0].missed, 0);
	hm_traffic_gen_free(m.twin);
	m.twin = gen_conf(5, 3000, HM_TRAFFIC_SIZE_RANDOM, 64, 1280, 10, true);
	for (int i = 0; i < 3000; i++) {
		int len = hm_traffic_gen_next(m.twin, m.want, sizeof(m.want), NULL);
		descs += ((uint64_t)len + 255) / 256;
	}
	assert_int_equal(st.q[0].descs, descs);
	assert_true(descs > 3 * 3000 / 2);

	/* a chain longer than max_chain (5 x 256) is oversize */
	uint8_t f[1400];
	memset(f, 0, sizeof(f));
	assert_int_equal(hm_nic_rx_frame(nic, f, 1281), 0);
	assert_int_equal(hm_nic_rx_frame(nic, f, 1280), 1);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.oversize, 1);
	/* the 1280-byte frame: 5 descriptors, EOF on the fifth only */
	uint32_t first = (uint32_t)(descs % 128);
	for (uint32_t i = 0; i < 5; i++) {
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, (first + i) % 128));
		assert_true(qw1 & HM_I40E_RXD_DD);
		assert_int_equal(!!(qw1 & HM_I40E_RXD_EOF), i == 4);
		assert_int_equal(hm_i40e_rxd_pbuf_len(qw1), 256);
	}
	assert_nic_valid(nic);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(m.twin);
	drv_fini(&d);
	hm_nic_free(nic);
}

/* The driver stops moving the tail: frames are dropped and counted, then it resumes. */
static void
test_nic_missed_when_tail_stops(void **state)
{
	struct rx_model m;
	struct hm_nic_stats st;
	struct drv d;
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	(void)state;

	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 64, 512, 32, 0);
	struct hm_traffic_gen *g = gen_conf(9, 0, HM_TRAFFIC_SIZE_FIXED, 200, 0, 4, false);
	memset(&m, 0, sizeof(m));
	m.twin = gen_conf(9, 0, HM_TRAFFIC_SIZE_FIXED, 200, 0, 4, false);
	/* 63 armed (tail = nb - 1): 63 frames land, the next 10 are missed */
	for (int i = 0; i < 73; i++) {
		int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), i < 63 ? 1 : 0);
	}
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[0].packets, 63);
	assert_int_equal(st.q[0].missed, 10);
	assert_int_equal(hm_nic_head(nic, 0), 63);
	assert_nic_valid(nic);
	/* receive what landed (the twin skips the missed ones afterwards) */
	assert_int_equal(drv_poll(&d, rx_expect, &m), 63);
	for (int i = 0; i < 10; i++)
		hm_traffic_gen_next(m.twin, m.want, sizeof(m.want), NULL);
	/* the tail moved: traffic flows again */
	for (int i = 0; i < 200; i++) {
		int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
		drv_poll(&d, rx_expect, &m);
	}
	assert_int_equal(m.frames, 263);
	/* a frame needing 3 buffers with only 2 armed is missed whole */
	hm_nic_tail_write(d.tail, (d.next + 2) % 64);
	assert_int_equal(hm_nic_rx_frame(nic, f, 1100), 0);
	assert_int_equal(hm_nic_rx_frame(nic, f, 1000), 1);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[0].missed, 11);
	assert_int_equal(st.q[0].packets, 264);
	/* an empty ring (tail == head) takes nothing */
	hm_nic_tail_write(d.tail, (uint32_t)hm_nic_head(nic, 0));
	assert_int_equal(hm_nic_rx_frame(nic, f, 100), 0);
	assert_nic_valid(nic);
	hm_traffic_gen_free(g);
	hm_traffic_gen_free(m.twin);
	drv_fini(&d);
	hm_nic_free(nic);
}

/* Telemetry: hm_nic_telemetry_register, /hugemem/nic/list names the live
 * devices, /hugemem/nic/stats gives the drop counters hm_nic_stats_get has; a
 * freed device is gone. */
static void
test_nic_telemetry(void **state)
{
	static char out[HM_TELEMETRY_MAX_OUTPUT_LEN];
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	struct hm_nic_stats st;
	struct drv d;
	char want[128];
	(void)state;

	/* registered ahead of any device (as the ports layer does), idempotent:
	 * the list is there, empty */
	hm_nic_telemetry_register();
	hm_nic_telemetry_register();
	assert_true(hm_telemetry_exec("/hugemem/nic/list", out, sizeof(out)) > 0);
	assert_string_equal(out, "{\"/hugemem/nic/list\":[]}");
	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 64, 512, 32, 0);
	struct hm_traffic_gen *g = gen_conf(3, 0, HM_TRAFFIC_SIZE_FIXED, 200, 0, 4, false);
	for (int i = 0; i < 70; i++) { /* 63 armed: 7 missed */
		int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
		hm_nic_rx_frame(nic, f, (size_t)len);
	}
	assert_int_equal(hm_nic_rx_frame(nic, f, 99999), 0); /* oversize */
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_true(hm_telemetry_exec("/hugemem/nic/list", out, sizeof(out)) > 0);
	assert_string_equal(out, "{\"/hugemem/nic/list\":[0]}");
	assert_true(hm_telemetry_exec("/hugemem/nic/stats,0", out, sizeof(out)) > 0);
	snprintf(want, sizeof(want), "\"frames_in\":%" PRIu64 ",", st.frames_in);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "\"rx_missed\":%" PRIu64 ",", st.q[0].missed);
	assert_non_null(strstr(out, want));
	assert_int_equal(st.q[0].missed, 7);
	snprintf(want, sizeof(want), "\"oversize\":%" PRIu64 ",", st.oversize);
	assert_non_null(strstr(out, want));
	assert_int_equal(st.oversize, 1);
	snprintf(want, sizeof(want), "\"queue_0\":{\"frames\":%" PRIu64 ",\"packets\":%" PRIu64,
		 st.q[0].frames, st.q[0].packets);
	assert_non_null(strstr(out, want));
	/* nothing transmitted: the TX counters are there, at zero */
	assert_non_null(strstr(out, "\"tx_packets\":0,\"tx_bytes\":0,\"tx_errors\":0,"));
	hm_telemetry_exec("/hugemem/nic/stats,1", out, sizeof(out));
	assert_string_equal(out, "{\"/hugemem/nic/stats\":null}");
	hm_telemetry_exec("/hugemem/nic/stats,x", out, sizeof(out));
	assert_string_equal(out, "{\"/hugemem/nic/stats\":null}");
	hm_traffic_gen_free(g);
	drv_fini(&d);
	hm_nic_free(nic);
	hm_telemetry_exec("/hugemem/nic/list", out, sizeof(out));
	assert_string_equal(out, "{\"/hugemem/nic/list\":[]}");
	hm_telemetry_exec("/hugemem/nic/stats,0", out, sizeof(out));
	assert_string_equal(out, "{\"/hugemem/nic/stats\":null}");
}

/* A wrong IOVA is a DMA fault: nothing written, the descriptor says RXE. */
static void
test_nic_dma_fault(void **state)
{
	struct hm_nic_stats st;
	struct drv d;
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	static uint8_t snap[128 * 2048];
	(void)state;

	struct hm_nic *nic = nic_with(1, true);
	drv_init(&d, nic, 0, 128, 2048, 32, 0);
	struct hm_traffic_gen *g = gen_conf(13, 0, HM_TRAFFIC_SIZE_FIXED, 1000, 0, 1, false);
	int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);

	/* 1: an IOVA that maps to nothing */
	hm_i40e_rx_desc_arm(drv_desc(&d, 0), 32, 0xdead000000ULL);
	memcpy(snap, d.bufs->addr, d.bufs->len);
	assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 0);
	assert_memory_equal(snap, d.bufs->addr, d.bufs->len);
	uint64_t qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, 0));
	assert_true(qw1 & HM_I40E_RXD_DD);
	assert_true(qw1 & HM_I40E_RXD_EOF);
	assert_true(qw1 & HM_I40E_RXD_ERR_RXE);
	assert_int_equal(hm_i40e_rxd_pbuf_len(qw1), 0);
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[0].dma_faults, 1);
	assert_int_equal(st.q[0].errors, 1);
	assert_int_equal(st.q[0].packets, 0);
	assert_int_equal(st.q[0].descs, 1);
	assert_nic_valid(nic);

	/* 2: a buffer whose end runs past the last mapped IOVA */
	hm_iova_t end = 0;
	assert_int_equal(hm_memseg_walk(max_iova_cb, &end), 0);
	uint8_t *tailva = hm_mem_iova2virt(end - 100);
	assert_non_null(tailva);
	assert_null(hm_mem_iova2virt(end));
	uint8_t before[100];
	memcpy(before, tailva, 100);
	hm_i40e_rx_desc_arm(drv_desc(&d, 1), 32, end - 100);
	memcpy(snap, d.bufs->addr, d.bufs->len);
	assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 0);
	assert_memory_equal(before, tailva, 100);
	assert_memory_equal(snap, d.bufs->addr, d.bufs->len);
	/* ...while a frame that fits the 100 mapped bytes is written */
	hm_i40e_rx_desc_arm(drv_desc(&d, 2), 32, end - 100);
	assert_int_equal(hm_nic_rx_frame(nic, f, 100), 1);
	assert_memory_equal(tailva, f, 100);
	memcpy(tailva, before, 100);

	/* 3: one bad buffer in a chain: none of the chain's buffers is written */
	hm_nic_free(nic);
	drv_fini(&d);
	nic = nic_with(1, true);
	drv_init(&d, nic, 0, 64, 256, 32, 0);
	hm_i40e_rx_desc_arm(drv_desc(&d, 2), 32, 0xbad00000000ULL);
	memcpy(snap, d.bufs->addr, d.bufs->len);
	assert_int_equal(hm_nic_rx_frame(nic, f, 1000), 0); /* descriptors 0..3 */
	assert_memory_equal(snap, d.bufs->addr, d.bufs->len);
	for (uint32_t i = 0; i < 4; i++) {
		qw1 = hm_i40e_rx_desc_qw1_load(drv_desc(&d, i));
		assert_true(qw1 & HM_I40E_RXD_DD);
		assert_true(qw1 & HM_I40E_RXD_ERR_RXE);
		assert_int_equal(!!(qw1 & HM_I40E_RXD_EOF), i == 3);
	}
	assert_int_equal(hm_nic_stats_get(nic, &st), 0);
	assert_int_equal(st.q[0].dma_faults, 1);
	assert_int_equal(st.q[0].errors, 1);
	/* the driver drops the errored frame, re-arms, and traffic goes on */
	drv_poll(&d, NULL, NULL);
	assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
	assert_nic_valid(nic);
	hm_nic_free(nic);
	drv_fini(&d);

	/* 4: the ring itself goes away (its page unmapped): the frame is dropped, head
	 * stays. The ring is big enough to need a 2M page of its own but not two
	 * (IOVA-contiguous runs of real pages are luck); free blocks that could hold it
	 * are taken first (biggest-block zones), so that it lands alone on a new page. */
	nic = nic_with(1, true);
	const struct hm_memzone *bufs = hm_memzone_reserve("bigbufs", 64 * 2048, 0,
							     HM_MEMZONE_IOVA_CONTIG);
	const struct hm_memzone *filler[4] = { NULL };
	struct hm_malloc_socket_stats ms;
	for (int i = 0; i < 4; i++) {
		char fname[16];
		assert_int_equal(hm_malloc_get_socket_stats(hm_test_node_b(), &ms), 0);
		if (ms.greatest_free_size < 1536 * 1024)
			break;
		snprintf(fname, sizeof(fname), "filler%d", i);
		filler[i] = hm_memzone_reserve(fname, 0, hm_test_node_b(), 0);
		assert_non_null(filler[i]);
	}
	const struct hm_memzone *ring = hm_memzone_reserve_aligned("bigring", 1536 * 1024,
		hm_test_node_b(), HM_MEMZONE_IOVA_CONTIG, 128);
	assert_non_null(ring);
	assert_non_null(bufs);
	for (uint32_t i = 0; i < 64; i++)
		hm_i40e_rx_desc_arm((uint8_t *)ring->addr + 32 * i, 32, bufs->iova + 2048 * i);
	struct hm_nic_queue_conf qc = { ring->iova, 64, 2048, 32 };
	assert_int_equal(hm_nic_queue_setup(nic, 0, &qc), 0);
	hm_nic_tail_write(hm_nic_tail_reg(nic, 0), 63);
	assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 1);
	hm_iova_t ring_iova = ring->iova;
	assert_int_equal(hm_memzone_free(ring), 0);
	if (hm_mem_iova2virt(ring_iova + 32) == NULL) {
		assert_int_equal(hm_nic_rx_frame(nic, f, (size_t)len), 0);
		assert_int_equal(hm_nic_stats_get(nic, &st), 0);
		assert_int_equal(st.q[0].ring_faults, 1);
		assert_int_equal(st.q[0].dma_faults, 1);
		assert_int_equal(hm_nic_head(nic, 0), 1);
	} else {
		printf("# the heap kept the ring's pages mapped: ring fault not exercised\n");
	}
	assert_nic_valid(nic);
	assert_int_equal(hm_nic_queue_release(nic, 0), 0);
	assert_int_equal(hm_memzone_free(bufs), 0);
	for (int i = 0; i < 4; i++)
		if (filler[i] != NULL)
			assert_int_equal(hm_memzone_free(filler[i]), 0);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nic_invalid_args, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_integrity_wraps, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_multi_desc, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_missed_when_tail_stops, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_telemetry, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_dma_fault, setup_emu, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
