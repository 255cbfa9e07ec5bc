/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fake NIC conformance: a minimal driver written here arms descriptors by
 * hand (rings and buffers in IOVA-contiguous memzones, as an i40e driver
 * would), feeds frames through the device stepped or threaded, and checks
 * every write-back and every byte against a twin generator. Covers invalid
 * arguments, integrity over several ring wraps (32- and 16-byte descriptors),
 * DMA faults (wrong IOVA, buffer running out of mapped memory, ring gone)
 * with memory unchanged, rx_missed, multi-descriptor frames, RSS (Toeplitz
 * known vectors, distribution, RETA), ptype / checksum / VLAN flags, every
 * fault-injection mode, the device thread, pcap replay and NUMA placement.
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

static const char *const TOPO = "nodes=2;2M=64,64;lcores=0@0,1@1";

static int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "nic";
	c.topology = TOPO;
	return hm_test_init_cfg(&c);
}

static void
assert_nic_valid(const struct hm_nic *nic)
{
	const char *why = NULL;
	if (hm_nic_check(nic, &why) != 0)
		fail_msg("nic check: %s (%s)", why != NULL ? why : "?", hm_last_error());
}

/* ------------------------------------------------------ the mini driver */

struct drv {
	struct hm_nic *nic;
	unsigned int q, nb, bsz, dsz;
	const struct hm_memzone *ring, *bufs;
	uint32_t *tail;
	uint32_t next;                  /* next descriptor to examine */
	uint8_t frame[5 * HM_NIC_BUF_MAX];
	size_t flen;                    /* bytes of the frame being reassembled */
	unsigned int segs;              /* descriptors of that frame so far */
};

static uint8_t *
drv_desc(const struct drv *d, uint32_t i)
{
	return (uint8_t *)d->ring->addr + (size_t)i * d->dsz;
}

static uint8_t *
drv_buf(const struct drv *d, uint32_t i)
{
	return (uint8_t *)d->bufs->addr + (size_t)i * d->bsz;
}

static hm_iova_t
drv_buf_iova(const struct drv *d, uint32_t i)
{
	return d->bufs->iova + (hm_iova_t)i * d->bsz;
}

static void
drv_arm(struct drv *d, uint32_t i)
{
	hm_i40e_rx_desc_arm(drv_desc(d, i), d->dsz, drv_buf_iova(d, i));
}

/* Rings and buffers on @p socket; every descriptor armed, tail = nb - 1. */
static void
drv_init(struct drv *d, struct hm_nic *nic, unsigned int q, unsigned int nb, unsigned int bsz,
	 unsigned int dsz, int socket)
{
	struct hm_nic_queue_conf qc;
	char name[32];

	memset(d, 0, sizeof(*d));
	d->nic = nic;
	d->q = q;
	d->nb = nb;
	d->bsz = bsz;
	d->dsz = dsz;
	snprintf(name, sizeof(name), "ring%u-%p", q, (void *)nic);
	d->ring = hm_memzone_reserve_aligned(name, (size_t)nb * dsz, socket,
					     HM_MEMZONE_IOVA_CONTIG, HM_NIC_RING_ALIGN);
	assert_non_null(d->ring);
	snprintf(name, sizeof(name), "bufs%u-%p", q, (void *)nic);
	d->bufs = hm_memzone_reserve_aligned(name, (size_t)nb * bsz, socket,
					     HM_MEMZONE_IOVA_CONTIG, 128);
	assert_non_null(d->bufs);
	memset(d->ring->addr, 0, d->ring->len);
	memset(d->bufs->addr, 0, d->bufs->len);
	for (uint32_t i = 0; i < nb; i++)
		drv_arm(d, i);
	qc.ring_iova = d->ring->iova;
	qc.nb_desc = nb;
	qc.buf_size = bsz;
	qc.desc_size = dsz;
	assert_int_equal(hm_nic_queue_setup(nic, q, &qc), 0);
	d->tail = hm_nic_tail_reg(nic, q);
	assert_non_null(d->tail);
	hm_nic_tail_write(d->tail, nb - 1);
	assert_nic_valid(nic);
}

static void
drv_fini(struct drv *d)
{
	assert_int_equal(hm_memzone_free(d->ring), 0);
	assert_int_equal(hm_memzone_free(d->bufs), 0);
}

typedef void (*frame_cb)(void *arg, const uint8_t *f, size_t len, uint64_t qw0, uint64_t qw1);

/*
 * Receive every written-back descriptor: reassemble chains (non-last ones
 * must be full buffers without EOF), re-arm, give them back with tail =
 * next - 1. @return complete frames handed to @p cb.
 */
static unsigned int
drv_poll(struct drv *d, frame_cb cb, void *arg)
{
	unsigned int frames = 0, done = 0;

	for (;;) {
		uint8_t *ds = drv_desc(d, d->next);
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(ds);
		if (!(qw1 & HM_I40E_RXD_DD))
			break;
		uint64_t qw0 = hm_i40e_rx_desc_qw_get(ds, 0);
		uint32_t len = hm_i40e_rxd_pbuf_len(qw1);
		assert_true(len <= d->bsz);
		assert_true(d->flen + len <= sizeof(d->frame));
		memcpy(d->frame + d->flen, drv_buf(d, d->next), len);
		d->flen += len;
		d->segs++;
		drv_arm(d, d->next);
		d->next = (d->next + 1) % d->nb;
		done++;
		if (qw1 & HM_I40E_RXD_EOF) {
			if (cb != NULL)
				cb(arg, d->frame, d->flen, qw0, qw1);
			d->flen = 0;
			d->segs = 0;
			frames++;
		} else if (!(qw1 & HM_I40E_RXD_ERR_RXE)) {
			assert_int_equal(len, d->bsz); /* a chained buffer is full */
		}
	}
	if (done > 0)
		hm_nic_tail_write(d->tail, d->next == 0 ? d->nb - 1 : d->next - 1);
	return frames;
}

/* Receiver state: frames must equal the twin generator's, in order. */
struct rx_model {
	struct hm_traffic_gen *twin;
	uint64_t frames, bytes, errors;
	bool strip;                    /* the NIC strips VLAN tags */
	uint8_t want[HM_TRAFFIC_MAX_FRAME];
};

static void
rx_expect(void *arg, const uint8_t *f, size_t len, uint64_t qw0, uint64_t qw1)
{
	struct rx_model *m = arg;
	struct hm_traffic_meta meta;
	(void)qw0;

	int wl = hm_traffic_gen_next(m->twin, m->want, sizeof(m->want), NULL);
	assert_true(wl > 0);
	if (m->strip && (size_t)wl == len + 4) {
		memmove(m->want + 12, m->want + 16, (size_t)wl - 16);
		wl -= 4;
	}
	assert_int_equal(len, wl);
	assert_memory_equal(f, m->want, len);
	assert_int_equal(hm_traffic_verify(f, len, &meta), 0);
	assert_int_equal(hm_i40e_rxd_pbuf_len(qw1) <= len, 1);
	assert_int_equal(hm_i40e_rxd_error(qw1), 0);
	m->frames++;
	m->bytes += len;
}

static struct hm_nic *
nic_with(unsigned int queues, bool rss)
{
	struct hm_nic_conf c;

	hm_nic_conf_init(&c);
	c.nb_queues = queues;
	c.rss = rss;
	struct hm_nic *nic = hm_nic_create(&c);
	assert_non_null(nic);
	return nic;
}

static struct hm_traffic_gen *
gen_conf(uint64_t seed, uint64_t count, enum hm_traffic_size_mode mode, uint32_t min,
	 uint32_t max, uint32_t flows, bool vlan)
{
	struct hm_traffic_gen_conf c;

	hm_traffic_gen_conf_init(&c);
	c.seed = seed;
	c.count = count;
	c.size_mode = mode;
	c.size_min = min;
	c.size_max = max;
	c.flows = flows;
	c.vlan = vlan;
	c.vlan_tci = 0x0123;
	c.proto = HM_TRAFFIC_MIXED;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&c);
	assert_non_null(g);
	return g;
}

/* Highest IOVA end of mapped memory, for "runs out of mapped memory" tests. */
static int
max_iova_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	hm_iova_t *end = arg;
	(void)msl;
	if (ms->iova + ms->len > *end)
		*end = ms->iova + ms->len;
	return 0;
}

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

/* Microsoft's RSS verification vectors, for the default key. */
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
		cmocka_unit_test_setup_teardown(test_nic_invalid_args, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_integrity_wraps, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_multi_desc, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_missed_when_tail_stops, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_telemetry, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_dma_fault, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_toeplitz_vectors, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_rss_distribution, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_ptype_and_checksums, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_vlan_strip, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_fault_modes, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_thread, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_source_errors, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_pcap_replay, setup_emu, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
