/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC's transmit engine and the i40e TX driver against hostile
 * inputs. Queue 0 is the driver's: the fuzzer hands it packets of any shape
 * (1..10 segments, empty segments, lengths that lie, offload flags, TSO),
 * steps the device by any amount, writes "done" on any descriptor of its ring
 * (a hostile device: early, spurious), turns the device's TX fault modes on
 * and off, flushes, cleans up and starves the pool. Queue 1's ring is the
 * fuzzer's own: it writes raw descriptors (any DTYPE, command, offsets,
 * size, VLAN tag; buffer addresses inside a zone of its own, anywhere in it,
 * or anywhere at all) and a tail, then steps the device. The queue's path,
 * ring size and thresholds come from the first bytes.
 * After every operation: hm_i40e_txq_check and hm_nic_check pass, every frame
 * the sink gets is 60 bytes or more and no longer than the NIC's largest
 * frame plus a VLAN tag, and mbufs are conserved:
 *   pool available + held by the queue + held by the fuzzer == pool size.
 * Each input ends with the queue released and every mbuf back in the pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e_tx.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"

#define POOL_N 400u
#define MAX_FRAME 2048u
#define RAW_NB 64u
#define RAW_BUF (RAW_NB * 512u)

static struct hm_nic *nic;
static struct hm_mempool *mp;
static const struct hm_memzone *raw_ring, *raw_bufs;
static uint64_t frames_seen;

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

static int
sink(void *ctx, const void *frame, size_t len)
{
	(void)ctx;
	if (frame == NULL || len < HM_NIC_TX_MIN_WIRE || len > MAX_FRAME + 4)
		abort();
	frames_seen++;
	return 1;
}

static void
start(void)
{
	struct hm_config c;
	struct hm_nic_conf nc;

	hm_log_set_hook(quiet, NULL);
	hm_config_init(&c);
	c.backend = "emu";
	c.topology = "nodes=1;2M=32;lcores=0@0;iova=shuffled;seed=11";
	c.in_memory = true;
	if (hm_init_config(&c) != 0)
		abort();
	hm_nic_conf_init(&nc);
	nc.nb_queues = 2;
	nc.max_frame = MAX_FRAME;
	nc.delay_frames = 3;
	nic = hm_nic_create(&nc);
	mp = hm_pktmbuf_pool_create("fuzz_tx", POOL_N, 0, 0, HM_PKTMBUF_HEADROOM + 1024, 0);
	raw_ring = hm_memzone_reserve_aligned("fuzz_tx_ring", RAW_NB * 16, 0,
					      HM_MEMZONE_IOVA_CONTIG, 128);
	raw_bufs = hm_memzone_reserve_aligned("fuzz_tx_bufs", RAW_BUF, 0, HM_MEMZONE_IOVA_CONTIG,
					      128);
	if (nic == NULL || mp == NULL || raw_ring == NULL || raw_bufs == NULL)
		abort();
	struct hm_nic_sink s = { .kind = HM_NIC_SINK_FUNC, .fn = sink };
	if (hm_nic_tx_sink_set(nic, &s) != 0)
		abort();
}

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t
take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = v << 8 | (in->n > 0 ? *in->p : 0);
		if (in->n > 0) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static void
check(const struct hm_i40e_txq *q, unsigned int out)
{
	struct hm_i40e_txq_info info;
	const char *why;

	if (hm_i40e_txq_check(q, &why) != 0 || hm_i40e_txq_info_get(q, &info) != 0)
		abort();
	if (hm_nic_check(nic, &why) != 0)
		abort();
	if (hm_mempool_avail_count(mp) + info.held + out != POOL_N)
		abort(); /* an mbuf was lost or duplicated */
}

/* A packet from the input; NULL when the pool is empty (nothing kept). */
static struct hm_mbuf *
make_pkt(struct input *in)
{
	uint64_t shape = take(in, 2);
	unsigned int segs = 1 + (unsigned int)(shape % 10);
	struct hm_mbuf *head = NULL, *last = NULL;

	for (unsigned int k = 0; k < segs; k++) {
		struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
		if (m == NULL) {
			hm_pktmbuf_free(head);
			return NULL;
		}
		uint16_t len = (uint16_t)(take(in, 2) % 700);
		if (hm_pktmbuf_append(m, len) == NULL)
			len = 0;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
		last = m;
	}
	if (shape & 0x100)
		head->pkt_len += (uint32_t)(take(in, 1) % 5); /* a lie */
	if (shape & 0x200)
		head->nb_segs = (uint16_t)(head->nb_segs + 1); /* a lie */
	if (shape & 0x400) {
		static const uint64_t flags[] = { HM_MBUF_F_TX_VLAN, HM_MBUF_F_TX_IP_CKSUM,
						  HM_MBUF_F_TX_IPV4, HM_MBUF_F_TX_IPV6,
						  HM_MBUF_F_TX_TCP_CKSUM, HM_MBUF_F_TX_UDP_CKSUM,
						  HM_MBUF_F_TX_SCTP_CKSUM, HM_MBUF_F_TX_TCP_SEG,
						  HM_MBUF_F_TX_QINQ };
		uint64_t pick = take(in, 2);
		for (unsigned int i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (pick & (1u << i))
				head->ol_flags |= flags[i];
		head->tx_offload = take(in, 3);
		head->vlan_tci = (uint16_t)take(in, 2);
	}
	return head;
}

/* Undo the lies before giving a packet back, so the pool's mbufs stay valid. */
static void
free_pkt(struct hm_mbuf *m)
{
	unsigned int n = 0;
	for (struct hm_mbuf *s = m; s != NULL; s = s->next)
		n++;
	m->nb_segs = (uint16_t)n;
	hm_pktmbuf_free(m);
}

static unsigned int
segs_of(struct hm_mbuf *const *p, unsigned int n)
{
	unsigned int k = 0;
	for (unsigned int i = 0; i < n; i++)
		for (const struct hm_mbuf *s = p[i]; s != NULL; s = s->next)
			k++;
	return k;
}

/* Raw descriptors on queue 1, then a tail and a step. */
static void
raw_op(struct input *in, uint32_t *raw_t)
{
	unsigned int k = 1 + (unsigned int)(take(in, 1) % 12);
	struct hm_i40e_tx_desc *ring = raw_ring->addr;

	for (unsigned int i = 0; i < k; i++) {
		uint64_t how = take(in, 1), qw0;
		if (how % 4 == 0)
			qw0 = take(in, 8); /* anywhere at all */
		else
			qw0 = raw_bufs->iova + take(in, 2) % RAW_BUF;
		uint64_t qw1;
		if (how & 0x10) /* a data descriptor of a size that fits the zone */
			qw1 = hm_i40e_build_ctob((uint32_t)take(in, 2), (uint32_t)take(in, 3),
						 (unsigned int)(take(in, 2) % 600), (uint32_t)take(in, 2));
		else
			qw1 = take(in, 8);
		hm_i40e_tx_desc_write(&ring[*raw_t], qw0, qw1);
		/* the ring must never be full: the device owns [head, tail) */
		if ((*raw_t + 1) % RAW_NB == (uint32_t)hm_nic_tx_head(nic, 1))
			break;
		*raw_t = (*raw_t + 1) % RAW_NB;
	}
	hm_nic_tail_write(hm_nic_tx_tail_reg(nic, 1), *raw_t);
	if (hm_nic_txq_step(nic, 1, (unsigned int)take(in, 1) % 8) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct input in = { data, size > 4096 ? 4096 : size };
	struct hm_i40e_txq_conf qc;
	struct hm_i40e_txq_info info;
	struct hm_i40e_txq *q;
	struct hm_mbuf *stash[POOL_N], *pend[32];
	unsigned int stash_n = 0, npend = 0;
	uint32_t raw_t = 0;

	if (!started) {
		start();
		started = true;
	}
	hm_i40e_txq_conf_init(&qc);
	uint64_t cfg = take(&in, 3);
	qc.path = (enum hm_i40e_tx_path)(cfg % 3);
	qc.nb_desc = (cfg >> 2) & 1 ? 128 : 64;
	qc.tx_rs_thresh = (unsigned int)((cfg >> 3) % 40);
	qc.tx_free_thresh = (unsigned int)((cfg >> 9) % 70);
	if ((cfg >> 16) & 1)
		qc.offloads = HM_I40E_TX_OFFLOAD_MULTI_SEGS | HM_I40E_TX_OFFLOAD_VLAN_INSERT |
			      HM_I40E_TX_OFFLOAD_IPV4_CKSUM | HM_I40E_TX_OFFLOAD_UDP_CKSUM |
			      HM_I40E_TX_OFFLOAD_TCP_CKSUM;
	q = hm_i40e_txq_setup(nic, 0, &qc);
	if (q == NULL)
		return 0; /* a refused configuration changes nothing */
	if (hm_i40e_txq_start(q) != 0 || hm_i40e_txq_info_get(q, &info) != 0)
		abort();
	struct hm_nic_txq_conf rc = { .ring_iova = raw_ring->iova, .nb_desc = RAW_NB };
	memset(raw_ring->addr, 0, RAW_NB * 16);
	if (hm_nic_txq_setup(nic, 1, &rc) != 0)
		abort();
	struct hm_i40e_tx_desc *ring = info.ring_mz->addr;
	check(q, 0);

	while (in.n > 0) {
		unsigned int op = (unsigned int)take(&in, 1);
		switch (op % 8) {
		case 0: { /* the driver sends */
			unsigned int want = 1 + op / 8 % 32;
			while (npend < want) {
				struct hm_mbuf *m = make_pkt(&in);
				if (m == NULL)
					break;
				pend[npend++] = m;
			}
			uint16_t k = hm_i40e_tx_burst(q, pend, (uint16_t)npend);
			if (k > npend)
				abort();
			memmove(pend, pend + k, sizeof(pend[0]) * (npend - k));
			npend -= k;
			break;
		}
		case 1: /* the device transmits */
			if (hm_nic_txq_step(nic, 0, op / 8) < 0)
				abort();
			break;
		case 2: { /* a hostile "done" anywhere on the driver's ring */
			uint32_t idx = (uint32_t)take(&in, 2) % info.nb_desc;
			uint64_t junk = take(&in, 2);
			hm_i40e_tx_desc_qw1_store(&ring[idx], HM_I40E_TX_DESC_DTYPE_DESC_DONE |
							      junk << 4);
			break;
		}
		case 3:
			raw_op(&in, &raw_t);
			break;
		case 4: { /* a fault mode on or off */
			enum hm_nic_tx_fault f = (enum hm_nic_tx_fault)(op / 8 % HM_NIC_TX_FAULT_COUNT);
			uint32_t nth = (uint32_t)take(&in, 1) % 6;
			if (hm_nic_tx_fault_set(nic, f, nth, 0, op) != 0)
				abort();
			break;
		}
		case 5:
			if (op & 0x80) {
				if (hm_nic_tx_flush(nic) < 0)
					abort();
			} else if (hm_i40e_tx_done_cleanup(q, op / 8 % 16) < 0) {
				abort();
			}
			break;
		case 6: /* starve the pool */
			for (unsigned int want = op / 8 % 64; want > 0 && stash_n < POOL_N; want--) {
				struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
				if (m == NULL)
					break;
				stash[stash_n++] = m;
			}
			break;
		default: /* give mbufs back */
			for (unsigned int give = op / 8 % 64; give > 0 && stash_n > 0; give--)
				hm_pktmbuf_free(stash[--stash_n]);
			break;
		}
		check(q, stash_n + segs_of(pend, npend));
	}
	while (stash_n > 0)
		hm_pktmbuf_free(stash[--stash_n]);
	for (unsigned int i = 0; i < npend; i++)
		free_pkt(pend[i]);
	if (hm_nic_tx_fault_clear(nic) != 0 || hm_nic_tx_flush(nic) < 0)
		abort();
	if (hm_i40e_txq_stop(q) != 0 || hm_nic_txq_release(nic, 1) != 0)
		abort();
	hm_i40e_txq_release(q);
	if (hm_mempool_avail_count(mp) != POOL_N)
		abort(); /* the queue leaked mbufs */
	return 0;
}
