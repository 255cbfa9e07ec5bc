/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC's transmit engine, driven by hand: a minimal driver written
 * here fills i40e TX data descriptors in an IOVA-contiguous ring, with buffers
 * in an IOVA-contiguous memzone, writes the tail and steps the device. Covers
 * invalid arguments, frames over several descriptors sent byte for byte, RS
 * write-backs (and nothing else written), a frame not complete at the tail
 * left alone, context descriptors, every malformed-frame rule, DMA faults,
 * the sinks (pcap read back, callback full and failing, loopback into a
 * NIC's receive engine, refused by the device thread), checksum and VLAN
 * offloads with padding, every hostile write-back mode, the device thread
 * transmitting, and the validator.
 * Topologies are emu topology strings (hm_test_init_cfg turns them into caps
 * under hugetlbfs).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/i40e_tx_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"
#include "tx_capture.h"

static const char *const TOPO = "nodes=2;2M=64,64;lcores=0@0,1@1";

#define BSZ 2048u

static int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "nictx";
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

static struct hm_nic *
nic_new(unsigned int queues, unsigned int max_frame)
{
	struct hm_nic_conf c;

	hm_nic_conf_init(&c);
	c.nb_queues = queues;
	if (max_frame != 0)
		c.max_frame = max_frame;
	struct hm_nic *nic = hm_nic_create(&c);
	assert_non_null(nic);
	return nic;
}

/* ------------------------------------------------------ the mini driver */

struct txr {
	struct hm_nic *nic;
	unsigned int q, nb;
	const struct hm_memzone *ring, *bufs;
	uint32_t *tail;
	uint32_t t;                     /* next slot to fill */
};

static struct hm_i40e_tx_desc *
txr_desc(const struct txr *r, uint32_t i)
{
	return (struct hm_i40e_tx_desc *)r->ring->addr + i;
}

static uint8_t *
txr_buf(const struct txr *r, uint32_t i)
{
	return (uint8_t *)r->bufs->addr + (size_t)i * BSZ;
}

static hm_iova_t
txr_buf_iova(const struct txr *r, uint32_t i)
{
	return r->bufs->iova + (hm_iova_t)i * BSZ;
}

static void
txr_init(struct txr *r, struct hm_nic *nic, unsigned int q, unsigned int nb)
{
	struct hm_nic_txq_conf qc;
	char name[32];

	memset(r, 0, sizeof(*r));
	r->nic = nic;
	r->q = q;
	r->nb = nb;
	snprintf(name, sizeof(name), "txr%u-%p", q, (void *)nic);
	r->ring = hm_memzone_reserve_aligned(name, (size_t)nb * 16, hm_nic_numa_node(nic),
					     HM_MEMZONE_IOVA_CONTIG, HM_NIC_RING_ALIGN);
	assert_non_null(r->ring);
	snprintf(name, sizeof(name), "txb%u-%p", q, (void *)nic);
	r->bufs = hm_memzone_reserve_aligned(name, (size_t)nb * BSZ, hm_nic_numa_node(nic),
					     HM_MEMZONE_IOVA_CONTIG, 128);
	assert_non_null(r->bufs);
	memset(r->ring->addr, 0, r->ring->len);
	qc.ring_iova = r->ring->iova;
	qc.nb_desc = nb;
	assert_int_equal(hm_nic_txq_setup(nic, q, &qc), 0);
	r->tail = hm_nic_tx_tail_reg(nic, q);
	assert_non_null(r->tail);
	assert_nic_valid(nic);
}

static void
txr_fini(struct txr *r)
{
	assert_int_equal(hm_memzone_free(r->ring), 0);
	assert_int_equal(hm_memzone_free(r->bufs), 0);
}

/* Fill slot t with @p len bytes of @p data and a data descriptor; advance. */
static uint32_t
txr_put(struct txr *r, const void *data, uint32_t len, uint32_t cmd, uint32_t off, uint16_t tag)
{
	uint32_t i = r->t;

	assert_true(len <= BSZ);
	if (len > 0)
		memcpy(txr_buf(r, i), data, len);
	hm_i40e_tx_desc_write(txr_desc(r, i), txr_buf_iova(r, i),
			      hm_i40e_build_ctob(cmd, off, len, tag));
	r->t = (r->t + 1) % r->nb;
	return i;
}

/* A raw descriptor (any qw0/qw1) at slot t; advance. */
static uint32_t
txr_raw(struct txr *r, uint64_t qw0, uint64_t qw1)
{
	uint32_t i = r->t;

	hm_i40e_tx_desc_write(txr_desc(r, i), qw0, qw1);
	r->t = (r->t + 1) % r->nb;
	return i;
}

static void
txr_kick(struct txr *r)
{
	hm_nic_tail_write(r->tail, r->t);
}

static uint64_t
qw1_of(const struct txr *r, uint32_t i)
{
	return hm_i40e_tx_desc_qw1_load(txr_desc(r, i));
}

static struct hm_nic_txq_stats
txst(const struct hm_nic *nic, unsigned int q)
{
	struct hm_nic_txq_stats s;
	assert_int_equal(hm_nic_txq_stats_get(nic, q, &s), 0);
	return s;
}

static void
fill_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* ------------------------------------------------------------------ */

static void
test_nic_tx_invalid_args(void **state)
{
	struct hm_nic_txq_conf qc = { 0 };
	struct hm_nic_txq_stats st;
	struct hm_nic_sink s;
	(void)state;

	struct hm_nic *nic = nic_new(2, 0);
	const struct hm_memzone *mz = hm_memzone_reserve_aligned("txring", 8192, 0,
								 HM_MEMZONE_IOVA_CONTIG, 4096);
	assert_non_null(mz);
	hm_test_quiet_log();
	qc.ring_iova = mz->iova;
	qc.nb_desc = 64;
	assert_int_equal(hm_nic_txq_setup(NULL, 0, &qc), -EINVAL);
	assert_int_equal(hm_nic_txq_setup(nic, 0, NULL), -EINVAL);
	assert_int_equal(hm_nic_txq_setup(nic, 2, &qc), -EINVAL);
	assert_int_equal(hm_nic_txq_setup(nic, HM_NIC_MAX_QUEUES + 7, &qc), -EINVAL);
	unsigned int bad_nb[] = { 0, 32, 63, 65, 96 + 1, HM_NIC_DESC_MAX + 32 };
	for (size_t i = 0; i < sizeof(bad_nb) / sizeof(bad_nb[0]); i++) {
		qc.nb_desc = bad_nb[i];
		assert_int_equal(hm_nic_txq_setup(nic, 0, &qc), -EINVAL);
	}
	qc.nb_desc = 64;
	qc.ring_iova = mz->iova + 64; /* not 128-aligned */
	assert_int_equal(hm_nic_txq_setup(nic, 0, &qc), -EINVAL);
	qc.ring_iova = HM_BAD_IOVA;
	assert_int_equal(hm_nic_txq_setup(nic, 0, &qc), -EINVAL);
	qc.ring_iova = (hm_iova_t)1 << 58; /* maps nowhere */
	assert_int_equal(hm_nic_txq_setup(nic, 0, &qc), -EFAULT);
	/* a refused setup left the queue unconfigured */
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), -EINVAL);
	assert_int_equal(hm_nic_txq_release(nic, 0), -EINVAL);
	assert_int_equal(hm_nic_txq_release(NULL, 0), -EINVAL);
	assert_int_equal(hm_nic_txq_release(nic, 9), -EINVAL);
	assert_null(hm_nic_tx_tail_reg(NULL, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_nic_tx_tail_reg(nic, 2));
	assert_non_null(hm_nic_tx_tail_reg(nic, 1));
	assert_int_equal(hm_nic_tx_head(NULL, 0), -EINVAL);
	assert_int_equal(hm_nic_tx_head(nic, 2), -EINVAL);
	assert_int_equal(hm_nic_tx_head(nic, 1), 0);
	assert_int_equal(hm_nic_txq_step(NULL, 0, 1), -EINVAL);
	assert_int_equal(hm_nic_txq_step(nic, 5, 1), -EINVAL);
	assert_int_equal(hm_nic_tx_step(NULL, 1), -EINVAL);
	assert_int_equal(hm_nic_tx_step(nic, 8), 0); /* no queue set up: nothing */
	assert_int_equal(hm_nic_tx_flush(NULL), -EINVAL);
	assert_int_equal(hm_nic_tx_flush(nic), 0);
	assert_int_equal(hm_nic_txq_stats_get(NULL, 0, &st), -EINVAL);
	assert_int_equal(hm_nic_txq_stats_get(nic, 0, NULL), -EINVAL);
	assert_int_equal(hm_nic_txq_stats_get(nic, 2, &st), -EINVAL);
	/* sinks */
	memset(&s, 0, sizeof(s));
	assert_int_equal(hm_nic_tx_sink_set(NULL, &s), -EINVAL);
	assert_int_equal(hm_nic_tx_sink_set(nic, NULL), -EINVAL);
	s.kind = HM_NIC_SINK_PCAP;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), -EINVAL);
	s.kind = HM_NIC_SINK_LOOPBACK;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), -EINVAL);
	s.kind = HM_NIC_SINK_FUNC;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), -EINVAL);
	s.kind = (enum hm_nic_sink_kind)42;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), -EINVAL);
	s.kind = HM_NIC_SINK_DISCARD;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	/* faults */
	assert_int_equal(hm_nic_tx_fault_set(NULL, HM_NIC_TX_FAULT_DELAY, 1, 0, 1), -EINVAL);
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_COUNT, 1, 0, 1), -EINVAL);
	assert_int_equal(hm_nic_tx_fault_set(nic, (enum hm_nic_tx_fault)-1, 1, 0, 1), -EINVAL);
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_LOST, 0, 1000001, 1), -EINVAL);
	assert_int_equal(hm_nic_tx_fault_clear(NULL), -EINVAL);
	assert_int_equal(hm_nic_tx_fault_count(NULL, HM_NIC_TX_FAULT_LOST), 0);
	assert_int_equal(hm_nic_tx_fault_count(nic, HM_NIC_TX_FAULT_COUNT), 0);
	assert_null(hm_nic_tx_fault_name(HM_NIC_TX_FAULT_COUNT));
	assert_string_equal(hm_nic_tx_fault_name(HM_NIC_TX_FAULT_SPURIOUS), "spurious");
	assert_nic_valid(nic);
	hm_nic_free(nic);
	assert_int_equal(hm_memzone_free(mz), 0);
}

/* Frames over 1..8 descriptors arrive byte for byte; only RS descriptors are
 * written back; head follows; over several ring wraps. */
static void
test_nic_tx_frames(void **state)
{
	struct tx_capture cap;
	struct txr r;
	uint8_t want[8 * 1024];
	uint64_t seed = hm_test_seed();
	(void)state;

	struct hm_nic *nic = nic_new(1, 0);
	txr_init(&r, nic, 0, 64);
	tx_capture_init(&cap, 64, 128 * 1024);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	uint64_t frames = 0, descs = 0, rs = 0;
	for (int round = 0; round < 400; round++) {
		unsigned int segs = 1 + (unsigned int)(hm_test_rand(&seed) % 8);
		uint32_t first = r.t, lens[8], total = 0;
		bool want_rs = hm_test_rand(&seed) % 2 == 0;
		for (unsigned int k = 0; k < segs; k++) {
			lens[k] = 1 + (uint32_t)(hm_test_rand(&seed) % 1000);
			if (k == 0 && lens[k] < 60)
				lens[k] = 60; /* no padding here */
			fill_pattern(want + total, lens[k], (uint32_t)round * 8 + k);
			total += lens[k];
		}
		uint32_t off = 0;
		for (unsigned int k = 0; k < segs; k++) {
			uint32_t cmd = HM_I40E_TX_DESC_CMD_ICRC;
			if (k + 1 == segs)
				cmd |= HM_I40E_TX_DESC_CMD_EOP | (want_rs ? HM_I40E_TX_DESC_CMD_RS : 0);
			txr_put(&r, want + off, lens[k], cmd, 0, 0);
			off += lens[k];
		}
		txr_kick(&r);
		assert_int_equal(hm_nic_txq_step(nic, 0, 4), 1);
		assert_int_equal(hm_nic_tx_head(nic, 0), (int)r.t);
		uint32_t len = 0;
		const uint8_t *got = tx_capture_next(&cap, &len);
		assert_non_null(got);
		assert_int_equal(len, total);
		assert_memory_equal(got, want, total);
		for (unsigned int k = 0; k < segs; k++) {
			uint64_t q1 = qw1_of(&r, (first + k) % r.nb);
			bool last = k + 1 == segs;
			/* done only on the RS descriptor; the others keep what the driver wrote */
			assert_int_equal(hm_i40e_txd_done(q1), last && want_rs);
			if (!(last && want_rs))
				assert_int_equal(hm_i40e_txd_size(q1), lens[k]);
		}
		frames++;
		descs += segs;
		rs += want_rs;
		tx_capture_reset(&cap);
		assert_nic_valid(nic);
	}
	struct hm_nic_txq_stats st = txst(nic, 0);
	assert_int_equal(st.frames, frames);
	assert_int_equal(st.packets, frames);
	assert_int_equal(st.descs, descs);
	assert_int_equal(st.writebacks, rs);
	assert_int_equal(st.malformed + st.dma_errors + st.sink_full + st.sink_errors, 0);
	/* nothing to send: step takes nothing */
	assert_int_equal(hm_nic_txq_step(nic, 0, 8), 0);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* The tail in the middle of a frame: nothing taken until EOP is handed over;
 * a context descriptor before the data is skipped. */
static void
test_nic_tx_incomplete_and_context(void **state)
{
	struct tx_capture cap;
	struct txr r;
	uint8_t a[300], b[200];
	(void)state;

	struct hm_nic *nic = nic_new(1, 0);
	txr_init(&r, nic, 0, 64);
	tx_capture_init(&cap, 8, 8192);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	fill_pattern(a, sizeof(a), 1);
	fill_pattern(b, sizeof(b), 2);
	txr_raw(&r, 0, HM_I40E_TX_DESC_DTYPE_CONTEXT); /* a context descriptor */
	txr_put(&r, a, sizeof(a), HM_I40E_TX_DESC_CMD_ICRC, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 4), 0);
	assert_int_equal(hm_nic_tx_head(nic, 0), 0);
	assert_int_equal(cap.n, 0);
	txr_put(&r, b, sizeof(b), HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_RS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 4), 1);
	assert_int_equal(hm_nic_tx_head(nic, 0), 3);
	uint32_t len = 0;
	const uint8_t *got = tx_capture_next(&cap, &len);
	assert_int_equal(len, sizeof(a) + sizeof(b));
	assert_memory_equal(got, a, sizeof(a));
	assert_memory_equal(got + sizeof(a), b, sizeof(b));
	assert_true(hm_i40e_txd_done(qw1_of(&r, 2)));
	assert_false(hm_i40e_txd_done(qw1_of(&r, 0)));
	assert_int_equal(txst(nic, 0).descs, 3);
	assert_nic_valid(nic);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* Every malformed-frame rule: consumed, dropped, counted; RS still written back. */
static void
test_nic_tx_malformed(void **state)
{
	struct tx_capture cap;
	struct txr r;
	uint8_t p[2048];
	const uint32_t EOPRS = HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_RS;
	(void)state;

	struct hm_nic *nic = nic_new(1, 1518);
	txr_init(&r, nic, 0, 128);
	tx_capture_init(&cap, 8, 8192);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	fill_pattern(p, sizeof(p), 3);
	unsigned int expect = 0;
	/* a DTYPE that is neither data nor context (with RS) */
	uint32_t i = txr_raw(&r, txr_buf_iova(&r, 0), hm_i40e_build_ctob(EOPRS, 0, 64, 0) | 0x8);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(txst(nic, 0).malformed, ++expect);
	assert_int_equal(hm_nic_tx_head(nic, 0), (int)r.t);
	(void)i;
	/* nine data descriptors: taken up to EOP (the ninth, with RS), dropped */
	for (int k = 0; k < 9; k++)
		txr_put(&r, p, 100, k == 8 ? EOPRS : 0, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 2), 1);
	assert_int_equal(txst(nic, 0).malformed, ++expect);
	assert_int_equal(hm_nic_tx_head(nic, 0), (int)r.t);
	assert_true(hm_i40e_txd_done(qw1_of(&r, (r.t + r.nb - 1) % r.nb)));
	/* nine without EOP yet: the device waits for the rest */
	for (int k = 0; k < 9; k++)
		txr_put(&r, p, 100, 0, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 2), 0);
	txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 2), 1);
	assert_int_equal(txst(nic, 0).malformed, ++expect);
	assert_int_equal(cap.calls, 0);
	/* sixteen context descriptors and no EOP */
	for (int k = 0; k < 16; k++)
		txr_raw(&r, 0, HM_I40E_TX_DESC_DTYPE_CONTEXT);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(txst(nic, 0).malformed, ++expect);
	/* a buffer of size 0 */
	txr_put(&r, p, 100, 0, 0, 0);
	txr_put(&r, p, 0, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(txst(nic, 0).malformed, ++expect);
	assert_true(hm_i40e_txd_done(qw1_of(&r, (r.t + r.nb - 1) % r.nb)));
	/* 16 bytes (< 17) and 1519 bytes (> max_frame 1518) */
	txr_put(&r, p, 16, EOPRS, 0, 0);
	txr_put(&r, p, 1000, 0, 0, 0);
	txr_put(&r, p, 519, EOPRS, 0, 0);
	/* 17 and 1518 are fine */
	txr_put(&r, p, 17, EOPRS, 0, 0);
	txr_put(&r, p, 1000, 0, 0, 0);
	txr_put(&r, p, 518, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 8), 4);
	expect += 2;
	struct hm_nic_txq_stats st = txst(nic, 0);
	assert_int_equal(st.malformed, expect);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.padded, 1); /* the 17-byte frame went out as 60 */
	uint32_t len = 0;
	const uint8_t *got = tx_capture_next(&cap, &len);
	assert_int_equal(len, HM_NIC_TX_MIN_WIRE);
	assert_memory_equal(got, p, 17);
	for (uint32_t k = 17; k < len; k++)
		assert_int_equal(got[k], 0);
	got = tx_capture_next(&cap, &len);
	assert_int_equal(len, 1518);
	assert_memory_equal(got, p, 1000);
	assert_memory_equal(got + 1000, p, 518);
	assert_nic_valid(nic);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* A buffer whose IOVA maps nowhere (wholly or from its middle on): nothing
 * sent, counted; the write-back still happens so the ring moves on. */
static void
test_nic_tx_dma_fault(void **state)
{
	struct tx_capture cap;
	struct txr r;
	uint8_t p[256];
	const uint32_t EOPRS = HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_RS;
	(void)state;

	struct hm_nic *nic = nic_new(1, 0);
	txr_init(&r, nic, 0, 64);
	tx_capture_init(&cap, 8, 8192);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	fill_pattern(p, sizeof(p), 4);
	txr_put(&r, p, 100, 0, 0, 0);
	txr_raw(&r, (hm_iova_t)1 << 58, hm_i40e_build_ctob(EOPRS, 0, 100, 0));
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	struct hm_nic_txq_stats st = txst(nic, 0);
	assert_int_equal(st.dma_faults, 1);
	assert_int_equal(st.dma_errors, 1);
	assert_int_equal(st.packets, 0);
	assert_int_equal(cap.calls, 0);
	assert_true(hm_i40e_txd_done(qw1_of(&r, 1)));
	/* a buffer running past the end of the buffers' zone into unmapped IOVA:
	 * find an IOVA whose next page is not mapped */
	hm_iova_t edge = HM_BAD_IOVA;
	for (hm_iova_t iova = r.bufs->iova + r.bufs->len;; iova += 4096) {
		if (hm_mem_iova2virt(iova) == NULL) {
			edge = iova;
			break;
		}
		if (iova > r.bufs->iova + ((hm_iova_t)1 << 34))
			break;
	}
	if (edge != HM_BAD_IOVA && hm_mem_iova2virt(edge - 64) != NULL) {
		txr_raw(&r, edge - 64, hm_i40e_build_ctob(EOPRS, 0, 128, 0));
		txr_kick(&r);
		assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
		assert_int_equal(txst(nic, 0).dma_errors, 2);
	}
	/* the queue still works */
	txr_put(&r, p, 200, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(cap.n, 1);
	assert_nic_valid(nic);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* Send @p n frames of 100 + i bytes (RS on each) and step them out. */
static void
send_n(struct txr *r, unsigned int n, uint32_t seed)
{
	uint8_t p[2048];
	for (unsigned int i = 0; i < n; i++) {
		fill_pattern(p, 100 + i, seed + i);
		txr_put(r, p, 100 + i, HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_RS, 0, 0);
	}
	txr_kick(r);
	assert_int_equal(hm_nic_txq_step(r->nic, r->q, n + 1), (int)n);
}

/* pcap sink read back; callback full and failing (oerrors); loopback into a
 * NIC's receive engine; a looping NIC's thread refused; a busy peer counted. */
static void
test_nic_tx_sinks(void **state)
{
	struct tx_capture cap;
	struct txr r;
	char path[256];
	uint8_t buf[4096];
	(void)state;

	struct hm_nic *nic = nic_new(1, 0);
	txr_init(&r, nic, 0, 64);
	/* pcap */
	snprintf(path, sizeof(path), "/tmp/hm-nictx-%d.pcap", (int)getpid());
	struct hm_pcap_writer_conf wc;
	hm_pcap_writer_conf_init(&wc);
	wc.nsec = true;
	struct hm_pcap_writer *w = hm_pcap_writer_open(path, &wc);
	assert_non_null(w);
	struct hm_nic_sink s;
	memset(&s, 0, sizeof(s));
	s.kind = HM_NIC_SINK_PCAP;
	s.pcap = w;
	s.ts_step_ns = 250;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	send_n(&r, 10, 50);
	assert_int_equal(hm_pcap_writer_close(w), 0);
	struct hm_pcap_reader *rd = hm_pcap_open(path);
	assert_non_null(rd);
	for (unsigned int i = 0; i < 10; i++) {
		struct hm_pcap_rec rec;
		uint8_t want[200];
		assert_int_equal(hm_pcap_next(rd, buf, sizeof(buf), &rec), 1);
		fill_pattern(want, 100 + i, 50 + i);
		assert_int_equal(rec.caplen, 100 + i);
		assert_memory_equal(buf, want, 100 + i);
		assert_int_equal(rec.ts_ns, (uint64_t)i * 250);
	}
	struct hm_pcap_rec rec;
	assert_int_equal(hm_pcap_next(rd, buf, sizeof(buf), &rec), 0);
	hm_pcap_close(rd);
	unlink(path);
	/* callback: full, then failing */
	tx_capture_init(&cap, 16, 16384);
	s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	cap.ret = 0;
	send_n(&r, 3, 60);
	cap.ret = -EIO;
	send_n(&r, 2, 70);
	cap.ret = 1;
	send_n(&r, 1, 80);
	struct hm_nic_txq_stats st = txst(nic, 0);
	assert_int_equal(st.frames, 16);
	assert_int_equal(st.packets, 11);
	assert_int_equal(st.sink_full, 3);
	assert_int_equal(st.sink_errors, 2);
	assert_int_equal(cap.n, 1);
	assert_nic_valid(nic);
	tx_capture_fini(&cap);
	/* loopback into another NIC's receive engine (an armed RX ring by hand) */
	struct hm_nic *peer = nic_new(1, 0);
	const struct hm_memzone *rxr = hm_memzone_reserve_aligned("rxring", 64 * 32, 0,
								  HM_MEMZONE_IOVA_CONTIG, 128);
	const struct hm_memzone *rxb = hm_memzone_reserve_aligned("rxbufs", 64 * 2048, 0,
								  HM_MEMZONE_IOVA_CONTIG, 128);
	assert_non_null(rxr);
	assert_non_null(rxb);
	for (unsigned int i = 0; i < 64; i++)
		hm_i40e_rx_desc_arm((uint8_t *)rxr->addr + i * 32, 32, rxb->iova + i * 2048u);
	struct hm_nic_queue_conf rqc = { .ring_iova = rxr->iova, .nb_desc = 64, .buf_size = 2048,
					 .desc_size = 32 };
	assert_int_equal(hm_nic_queue_setup(peer, 0, &rqc), 0);
	hm_nic_tail_write(hm_nic_tail_reg(peer, 0), 63);
	memset(&s, 0, sizeof(s));
	s.kind = HM_NIC_SINK_LOOPBACK;
	s.peer = peer;
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	send_n(&r, 5, 90);
	for (unsigned int i = 0; i < 5; i++) {
		uint8_t want[200];
		const uint8_t *d = (const uint8_t *)rxr->addr + i * 32;
		uint64_t q1 = hm_i40e_rx_desc_qw1_load(d);
		assert_true(q1 & HM_I40E_RXD_DD);
		assert_int_equal(hm_i40e_rxd_pbuf_len(q1), 100 + i);
		fill_pattern(want, 100 + i, 90 + i);
		assert_memory_equal((uint8_t *)rxb->addr + i * 2048, want, 100 + i);
	}
	/* a looping device's thread is refused; a peer whose thread runs refuses frames */
	struct hm_traffic_gen_conf gc;
	hm_traffic_gen_conf_init(&gc);
	gc.count = 1;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&gc);
	assert_non_null(g);
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), -EINVAL);
	assert_int_equal(hm_nic_start(peer, hm_traffic_gen_source(g)), 0);
	assert_int_equal(hm_nic_tx_sink_set(peer, &s), -EBUSY);
	uint64_t before = txst(nic, 0).sink_errors;
	send_n(&r, 1, 99);
	assert_int_equal(txst(nic, 0).sink_errors, before + 1);
	assert_int_equal(hm_nic_stop(peer), 0);
	hm_traffic_gen_free(g);
	assert_nic_valid(nic);
	assert_nic_valid(peer);
	hm_nic_free(peer);
	hm_nic_free(nic);
	assert_int_equal(hm_memzone_free(rxr), 0);
	assert_int_equal(hm_memzone_free(rxb), 0);
	txr_fini(&r);
}

/* IPv4 header checksum, UDP and TCP checksums (pseudo-header sum in the field,
 * as DPDK's contract says), VLAN insertion, padding; offsets outside the frame
 * skip the offload. */
static void
test_nic_tx_offloads(void **state)
{
	struct tx_capture cap;
	struct txr r;
	uint8_t f[1600], g[1600];
	(void)state;

	struct hm_nic *nic = nic_new(1, 0);
	txr_init(&r, nic, 0, 64);
	tx_capture_init(&cap, 64, 64 * 1700);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	struct hm_traffic_gen_conf gc;
	hm_traffic_gen_conf_init(&gc);
	gc.seed = 9;
	gc.flows = 16;
	gc.proto = HM_TRAFFIC_MIXED;
	gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = 64;
	gc.size_max = 1500;
	struct hm_traffic_gen *gen = hm_traffic_gen_create(&gc);
	assert_non_null(gen);
	for (int k = 0; k < 40; k++) {
		int len = hm_traffic_gen_next(gen, f, sizeof(f), NULL);
		assert_true(len > 0);
		struct hm_traffic_info fi;
		assert_int_equal(hm_traffic_parse(f, (size_t)len, &fi), 0);
		assert_true(fi.l4_valid && fi.ip_cksum_ok && fi.l4_cksum_ok);
		memcpy(g, f, (size_t)len);
		/* what a sender with offloads hands over: IP checksum 0, L4 field = pseudo sum */
		size_t l3 = fi.l3_off, l4 = fi.l4_off, field = l4 + (fi.l4_proto == 6 ? 16 : 6);
		g[l3 + 10] = g[l3 + 11] = 0;
		uint8_t ph[12];
		memcpy(ph, g + l3 + 12, 8);
		ph[8] = 0;
		ph[9] = fi.l4_proto;
		uint16_t l4len = (uint16_t)(((g[l3 + 2] << 8) | g[l3 + 3]) - (l4 - l3));
		ph[10] = (uint8_t)(l4len >> 8);
		ph[11] = (uint8_t)l4len;
		uint16_t psum = hm_traffic_cksum_raw(ph, sizeof(ph), 0);
		g[field] = (uint8_t)(psum >> 8);
		g[field + 1] = (uint8_t)psum;
		uint32_t cmd = HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_RS |
			       HM_I40E_TX_DESC_CMD_IIPT_IPV4_CSUM |
			       (fi.l4_proto == 6 ? HM_I40E_TX_DESC_CMD_L4T_EOFT_TCP
						 : HM_I40E_TX_DESC_CMD_L4T_EOFT_UDP);
		uint32_t off = (uint32_t)(l3 / 2) << HM_I40E_TX_DESC_LENGTH_MACLEN_S |
			       (uint32_t)((l4 - l3) / 4) << HM_I40E_TX_DESC_LENGTH_IPLEN_S;
		bool vlan = k % 2 == 1;
		if (vlan)
			cmd |= HM_I40E_TX_DESC_CMD_IL2TAG1;
		/* split the frame over two descriptors */
		uint32_t cut = (uint32_t)len / 3;
		txr_put(&r, g, cut, HM_I40E_TX_DESC_CMD_ICRC | (cmd & ~(HM_I40E_TX_DESC_CMD_EOP |
									HM_I40E_TX_DESC_CMD_RS)),
			off, 0x2abc);
		txr_put(&r, g + cut, (uint32_t)len - cut, cmd, off, 0x2abc);
		txr_kick(&r);
		assert_int_equal(hm_nic_txq_step(nic, 0, 2), 1);
		uint32_t got_len = 0;
		const uint8_t *got = tx_capture_next(&cap, &got_len);
		assert_non_null(got);
		if (vlan) {
			assert_int_equal(got_len, (uint32_t)len + 4);
			assert_memory_equal(got, f, 12);
			assert_int_equal(got[12], 0x81);
			assert_int_equal(got[13], 0x00);
			assert_int_equal(got[14], 0x2a);
			assert_int_equal(got[15], 0xbc);
			assert_memory_equal(got + 16, f + 12, (size_t)len - 12);
		} else {
			assert_int_equal(got_len, (uint32_t)len);
			assert_memory_equal(got, f, (size_t)len); /* the generator's checksums */
		}
	}
	assert_int_equal(txst(nic, 0).offload_skipped, 0);
	/* offsets that place the headers outside the frame: skipped, counted */
	uint8_t small[40];
	fill_pattern(small, sizeof(small), 5);
	txr_put(&r, small, sizeof(small),
		HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_L4T_EOFT_TCP |
			HM_I40E_TX_DESC_CMD_IIPT_IPV4_CSUM,
		(uint32_t)(60 / 2) << HM_I40E_TX_DESC_LENGTH_MACLEN_S |
			(uint32_t)(20 / 4) << HM_I40E_TX_DESC_LENGTH_IPLEN_S, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	uint32_t got_len = 0;
	const uint8_t *got = tx_capture_next(&cap, &got_len);
	assert_int_equal(got_len, HM_NIC_TX_MIN_WIRE);
	assert_memory_equal(got, small, sizeof(small)); /* untouched, padded */
	struct hm_nic_txq_stats st = txst(nic, 0);
	assert_int_equal(st.offload_skipped, 1);
	assert_int_equal(st.padded, 1);
	assert_nic_valid(nic);
	hm_traffic_gen_free(gen);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* Every hostile write-back mode, observed from the descriptors. */
static void
test_nic_tx_fault_modes(void **state)
{
	struct tx_capture cap;
	struct txr r;
	uint8_t p[256];
	const uint32_t EOPRS = HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_RS;
	(void)state;

	struct hm_nic_conf nc;
	hm_nic_conf_init(&nc);
	nc.delay_frames = 2;
	struct hm_nic *nic = hm_nic_create(&nc);
	assert_non_null(nic);
	txr_init(&r, nic, 0, 64);
	tx_capture_init(&cap, 64, 64 * 300);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	fill_pattern(p, sizeof(p), 6);

	/* DELAY: sent now, done only after two more frames */
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_DELAY, 1, 0, 1), 0);
	uint32_t a = txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(cap.n, 1);
	assert_false(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_int_equal(txst(nic, 0).delayed, 1);
	assert_nic_valid(nic);
	assert_int_equal(hm_nic_tx_fault_clear(nic), 0);
	send_n(&r, 1, 0);
	assert_false(hm_i40e_txd_done(qw1_of(&r, a)));
	send_n(&r, 1, 0);
	assert_true(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_int_equal(txst(nic, 0).delayed, 0);
	/* flush lands what is held */
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_DELAY, 1, 0, 1), 0);
	a = txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_false(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_int_equal(hm_nic_tx_flush(nic), 1);
	assert_true(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_int_equal(hm_nic_tx_fault_count(nic, HM_NIC_TX_FAULT_DELAY), 2);
	assert_int_equal(hm_nic_tx_fault_clear(nic), 0);

	/* EARLY: done at once; the buffer read later: a change made meanwhile is sent */
	tx_capture_reset(&cap);
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_EARLY, 1, 0, 1), 0);
	a = txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_true(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_int_equal(cap.n, 0);
	assert_int_equal(txst(nic, 0).early, 1);
	assert_nic_valid(nic);
	memset(txr_buf(&r, a), 0xee, 100); /* the driver "reused" the buffer */
	assert_int_equal(hm_nic_tx_flush(nic), 1);
	uint32_t len = 0;
	const uint8_t *got = tx_capture_next(&cap, &len);
	assert_int_equal(len, 100);
	for (uint32_t k = 0; k < len; k++)
		assert_int_equal(got[k], 0xee);
	assert_int_equal(txst(nic, 0).early, 0);
	/* a queue reset drops a late read: aborted */
	a = txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(hm_nic_txq_release(nic, 0), 0);
	assert_int_equal(txst(nic, 0).aborted, 1);
	assert_nic_valid(nic);
	assert_int_equal(hm_nic_tx_fault_clear(nic), 0);
	memset(r.ring->addr, 0, r.ring->len);
	struct hm_nic_txq_conf qc = { .ring_iova = r.ring->iova, .nb_desc = 64 };
	assert_int_equal(hm_nic_txq_setup(nic, 0, &qc), 0);
	r.t = 0;

	/* LOST: never done, even after a flush */
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_LOST, 1, 0, 1), 0);
	a = txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_int_equal(hm_nic_tx_flush(nic), 0);
	assert_false(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_int_equal(hm_nic_tx_fault_clear(nic), 0);

	/* CORRUPT: done, with the address and the rest of qw1 scrambled */
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_CORRUPT, 1, 0, 7), 0);
	a = txr_put(&r, p, 100, EOPRS, 0, 0);
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	assert_true(hm_i40e_txd_done(qw1_of(&r, a)));
	assert_true(hm_i40e_tx_desc_addr(txr_desc(&r, a)) != txr_buf_iova(&r, a) ||
		    qw1_of(&r, a) != HM_I40E_TX_DESC_DTYPE_DESC_DONE);
	assert_int_equal(hm_nic_tx_fault_clear(nic), 0);

	/* SPURIOUS: a done appears on a descriptor outside [head, tail) (the
	 * whole ring once the device has caught up with the tail) */
	for (uint32_t k = 0; k < r.nb; k++)
		hm_i40e_tx_desc_qw1_store(txr_desc(&r, k), 0);
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_SPURIOUS, 1, 0, 3), 0);
	uint32_t b = txr_put(&r, p, 100, HM_I40E_TX_DESC_CMD_EOP, 0, 0); /* no RS */
	txr_kick(&r);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 1);
	unsigned int dones = 0;
	for (uint32_t k = 0; k < r.nb; k++)
		if (hm_i40e_txd_done(qw1_of(&r, k)))
			dones++;
	assert_int_equal(dones, 1);
	(void)b;
	assert_int_equal(hm_nic_tx_fault_count(nic, HM_NIC_TX_FAULT_SPURIOUS), 1);
	assert_nic_valid(nic);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* The device thread transmits while it receives; stepped calls are refused. */
static void
test_nic_tx_thread(void **state)
{
	struct tx_capture cap;
	struct txr r;
	enum { N = 2000 };
	(void)state;

	struct hm_nic_conf nc;
	hm_nic_conf_init(&nc);
	nc.pps_limit = 200000;
	struct hm_nic *nic = hm_nic_create(&nc);
	assert_non_null(nic);
	txr_init(&r, nic, 0, 256);
	tx_capture_init(&cap, N, (size_t)N * 200);
	struct hm_nic_sink s = tx_capture_sink(&cap);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), 0);
	struct hm_traffic_gen_conf gc;
	hm_traffic_gen_conf_init(&gc);
	gc.count = 0; /* endless RX source: the thread keeps running */
	struct hm_traffic_gen *g = hm_traffic_gen_create(&gc);
	assert_non_null(g);
	assert_int_equal(hm_nic_start(nic, hm_traffic_gen_source(g)), 0);
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), -EBUSY);
	assert_int_equal(hm_nic_tx_step(nic, 1), -EBUSY);
	assert_int_equal(hm_nic_tx_flush(nic), -EBUSY);
	assert_int_equal(hm_nic_tx_sink_set(nic, &s), -EBUSY);
	assert_int_equal(hm_nic_tx_fault_clear(nic), -EBUSY);
	assert_int_equal(hm_nic_txq_release(nic, 0), -EBUSY);
	struct hm_nic_txq_conf qc = { .ring_iova = r.ring->iova, .nb_desc = 256 };
	assert_int_equal(hm_nic_txq_setup(nic, 0, &qc), -EBUSY);
	uint8_t p[200];
	unsigned int sent = 0;
	uint32_t done_to = 0; /* descriptors before this one are free again */
	time_t t0 = time(NULL);
	while (sent < N) {
		/* free slots: up to the device's head (everything before it was read) */
		uint32_t head = (uint32_t)hm_nic_tx_head(nic, 0);
		done_to = head;
		uint32_t freeslots = (done_to + r.nb - r.t - 1) % r.nb;
		for (uint32_t k = 0; k < freeslots && sent < N; k++, sent++) {
			fill_pattern(p, 64 + sent % 128, sent);
			txr_put(&r, p, 64 + sent % 128, HM_I40E_TX_DESC_CMD_EOP, 0, 0);
		}
		txr_kick(&r);
		struct hm_nic_txq_stats st;
		assert_int_equal(hm_nic_txq_stats_get(nic, 0, &st), 0); /* concurrent snapshot */
		sched_yield();
		if (time(NULL) - t0 > 120)
			fail_msg("device thread: %u of %d frames queued after 120 s", sent, N);
	}
	while ((uint32_t)hm_nic_tx_head(nic, 0) != r.t) {
		sched_yield();
		if (time(NULL) - t0 > 120)
			fail_msg("device thread: TX head stuck at %d", hm_nic_tx_head(nic, 0));
	}
	assert_int_equal(hm_nic_stop(nic), 0);
	assert_int_equal(txst(nic, 0).packets, N);
	for (unsigned int i = 0; i < N; i++) {
		uint32_t len = 0;
		const uint8_t *got = tx_capture_next(&cap, &len);
		assert_non_null(got);
		fill_pattern(p, 64 + i % 128, i);
		assert_int_equal(len, 64 + i % 128);
		assert_memory_equal(got, p, len);
	}
	assert_nic_valid(nic);
	hm_traffic_gen_free(g);
	tx_capture_fini(&cap);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* The validator reports a bad tail; a release drops pending write-backs. */
static void
test_nic_tx_check(void **state)
{
	struct txr r;
	const char *why = NULL;
	uint8_t p[100];
	(void)state;

	struct hm_nic *nic = nic_new(1, 0);
	txr_init(&r, nic, 0, 64);
	fill_pattern(p, sizeof(p), 8);
	hm_nic_tail_write(r.tail, 64); /* outside the ring */
	assert_int_equal(hm_nic_txq_step(nic, 0, 1), 0); /* hands nothing over */
	hm_test_quiet_log();
	assert_int_equal(hm_nic_check(nic, &why), -EFAULT);
	assert_non_null(why);
	assert_non_null(strstr(why, "TX tail"));
	/* a TX fault: the TX side's validator reports it, the RX side's does not */
	why = NULL;
	assert_int_equal(hm_nic_tx_check(nic, &why), -EFAULT);
	assert_non_null(strstr(why, "TX tail"));
	why = NULL;
	assert_int_equal(hm_nic_rx_check(nic, &why), 0);
	assert_null(why);
	hm_nic_tail_write(r.tail, 0);
	assert_nic_valid(nic);
	assert_int_equal(hm_nic_tx_fault_set(nic, HM_NIC_TX_FAULT_DELAY, 1, 0, 1), 0);
	send_n(&r, 3, 1);
	assert_int_equal(txst(nic, 0).delayed, 3);
	assert_int_equal(hm_nic_txq_release(nic, 0), 0);
	assert_int_equal(txst(nic, 0).delayed, 0);
	assert_int_equal(hm_nic_txq_release(nic, 0), -EINVAL); /* not set up any more */
	assert_nic_valid(nic);
	hm_nic_free(nic);
	txr_fini(&r);
}

/* hm_nic_conf.shared: the device lives in hugemem memory on its node (so
 * secondaries can step it), is stepped like a private one and is given back
 * whole by hm_nic_free; without hugemem it cannot be created. */
static void
test_nic_shared(void **state)
{
	struct hm_malloc_socket_stats before, after;
	struct hm_nic_conf c;
	struct hm_nic *nic, *own;
	size_t sz = 0;
	(void)state;

	hm_nic_conf_init(&c);
	assert_false(c.shared);
	c.nb_queues = 2;
	own = hm_nic_create(&c);
	assert_non_null(own);
	assert_int_equal(hm_malloc_validate(own, NULL), -EINVAL); /* the process heap's */
	assert_int_equal(hm_malloc_get_socket_stats(0, &before), 0);
	c.shared = true;
	nic = hm_nic_create(&c);
	assert_non_null(nic);
	assert_int_equal(hm_malloc_validate(nic, &sz), 0);
	assert_true(sz > 0);
	assert_int_equal(hm_nic_nb_queues(nic), 2);
	assert_int_equal(hm_nic_check(nic, NULL), 0);
	/* a frame with no queue armed: counted, as on a private device */
	uint8_t f[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	hm_nic_rx_frame(nic, f, sizeof(f));
	hm_nic_rx_frame(own, f, sizeof(f));
	struct hm_nic_stats a, b;
	assert_int_equal(hm_nic_stats_get(nic, &a), 0);
	assert_int_equal(hm_nic_stats_get(own, &b), 0);
	assert_int_equal(a.frames_in, 1);
	assert_memory_equal(&a, &b, sizeof(a));
	hm_nic_free(nic);
	hm_nic_free(own);
	assert_int_equal(hm_malloc_get_socket_stats(0, &after), 0);
	assert_int_equal(after.heap_allocsz_bytes, before.heap_allocsz_bytes);
	assert_int_equal(after.alloc_count, before.alloc_count);
	/* no hugemem: a shared device cannot be made (a private one can) */
	assert_int_equal(hm_cleanup(), 0);
	assert_null(hm_nic_create(&c));
	assert_int_equal(hm_errno, ENOMEM);
	c.shared = false;
	own = hm_nic_create(&c);
	assert_non_null(own);
	hm_nic_free(own);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nic_tx_invalid_args, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_shared, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_frames, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_incomplete_and_context, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_malformed, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_dma_fault, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_sinks, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_offloads, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_fault_modes, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_thread, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_nic_tx_check, setup_emu, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
