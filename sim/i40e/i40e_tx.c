/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * i40e-style TX queues over the fake NIC: setup with i40e's threshold rules,
 * start, the scalar (i40e_xmit_pkts) and simple (i40e_xmit_pkts_simple)
 * transmit paths, completion and freeing, stop and release. See
 * hugemem/sim/i40e_tx.h for the model and the invariants.
 *
 * Ownership of a descriptor slot i < nb_desc:
 *   - free: the driver may fill it; sw_ring[i].mbuf == NULL;
 *   - in flight: filled, tail moved past it, not yet cleaned; sw_ring[i].mbuf
 *     the segment it sends. The device owns those between its head and the
 *     tail; the driver takes them back a block at a time, when the block's RS
 *     descriptor reads done.
 * In flight are the nb_desc - 1 - nb_tx_free slots just before tx_tail (one
 * slot is always kept back, so the tail never catches up with the oldest
 * in-flight slot). Scalar path: they start after last_desc_cleaned. Simple
 * path: they start at tx_next_dd - (tx_rs_thresh - 1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common_i.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"
#include "hugemem/sim/i40e_tx.h"

/* The counters: one writer (the thread sending on the queue), read by others
 * while it runs (relaxed atomics, plain moves on x86-64). */
#define I40E_ST_ADD(field, v)                                                              \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v),      \
			 __ATOMIC_RELAXED)
#define I40E_ST_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* ol_flags that ask for a checksum offload (i40e's I40E_TX_CKSUM_OFFLOAD_MASK) */
#define TX_CKSUM_MASK                                                                      \
	(HM_MBUF_F_TX_IP_CKSUM | HM_MBUF_F_TX_L4_MASK | HM_MBUF_F_TX_TCP_SEG |              \
	 HM_MBUF_F_TX_OUTER_IP_CKSUM)
/* ol_flags the model cannot do: refused per packet */
#define TX_UNSUPPORTED (HM_MBUF_F_TX_TCP_SEG | HM_MBUF_F_TX_QINQ | HM_MBUF_F_TX_OUTER_IP_CKSUM)

struct tx_entry {
	struct hm_mbuf *mbuf;         /* the segment this descriptor sends; NULL when free */
	uint16_t last_id;             /* the last descriptor of its packet */
};

struct hm_i40e_txq {
	/* hot: read on every burst */
	struct hm_i40e_tx_desc *ring; /* nb_desc descriptors */
	struct tx_entry *sw_ring;     /* nb_desc entries */
	uint32_t *tail_reg;           /* NIC tail register of this queue */
	uint16_t nb_desc;
	uint16_t tx_tail;             /* next slot to fill */
	uint16_t nb_tx_free;          /* slots the driver may fill */
	uint16_t nb_tx_used;          /* scalar: descriptors filled since the last RS */
	uint16_t tx_free_thresh;
	uint16_t tx_rs_thresh;
	uint16_t last_desc_cleaned;   /* scalar: the last RS descriptor cleaned */
	uint16_t tx_next_dd;          /* simple: the RS descriptor of the oldest block */
	uint16_t tx_next_rs;          /* simple: the next slot that gets RS */
	uint8_t started;
	uint8_t path;                 /* enum hm_i40e_tx_path, never AUTO */
	uint32_t max_pkt_len;
	struct hm_i40e_txq_stats st;
	/* cold */
	uint64_t offloads;
	struct hm_nic *nic;
	unsigned int queue;
	const struct hm_memzone *mz;
	int node;
	uint16_t port;
};

/* ---- small helpers ---- */

static inline uint16_t
next_slot(const struct hm_i40e_txq *txq, uint16_t i)
{
	return ++i == txq->nb_desc ? 0 : i;
}

static inline void
tail_write(struct hm_i40e_txq *txq, uint16_t t)
{
	I40E_ST_ADD(txq->st.tail_writes, 1);
	hm_nic_tail_write(txq->tail_reg, t);
}

static inline int
desc_done(const struct hm_i40e_txq *txq, uint16_t i)
{
	return hm_i40e_txd_done(hm_i40e_tx_desc_qw1_load(&txq->ring[i]));
}

/* Slots in flight: filled and not yet cleaned. */
static inline uint32_t
in_flight(const struct hm_i40e_txq *txq)
{
	return (uint32_t)txq->nb_desc - 1u - txq->nb_tx_free;
}

/*
 * Give back the mbufs of @p count slots from @p from (wrapping), per segment
 * reference, in bulk per pool. @return the packets among them (slots that end
 * their packet).
 */
static unsigned int
free_slots(struct hm_i40e_txq *txq, uint16_t from, uint32_t count)
{
	void *batch[64];
	struct hm_mempool *pool = NULL;
	unsigned int nb = 0, pkts = 0;
	uint16_t i = from;

	for (uint32_t c = 0; c < count; c++, i = next_slot(txq, i)) {
		struct hm_mbuf *m = txq->sw_ring[i].mbuf;
		if (m == NULL)
			continue;
		txq->sw_ring[i].mbuf = NULL;
		I40E_ST_ADD(txq->st.freed, 1);
		pkts += txq->sw_ring[i].last_id == i;
		m = hm_pktmbuf_prefree_seg(m);
		if (m == NULL)
			continue;
		if (hm_mempool_debug(m->pool))
			hm_mbuf_raw_sanity_check(m, NULL);
		if (nb == 64 || (nb > 0 && m->pool != pool)) {
			hm_mempool_put_bulk(pool, batch, nb);
			nb = 0;
		}
		pool = m->pool;
		batch[nb++] = m;
	}
	if (nb > 0)
		hm_mempool_put_bulk(pool, batch, nb);
	return pkts;
}

/*
 * The mbuf @p m as the scalar path may send it: *segs its segment count.
 * @return 0, or 1 when the device would reject it (the file comment of
 * i40e_tx.h lists why).
 */
static inline int
pkt_bad(const struct hm_i40e_txq *txq, const struct hm_mbuf *m, unsigned int *segs)
{
	unsigned int n = 0;
	uint64_t sum = 0;

	if (HM_UNLIKELY(m->ol_flags & TX_UNSUPPORTED))
		return 1;
	for (const struct hm_mbuf *s = m; s != NULL; s = s->next) {
		if (HM_UNLIKELY(++n > HM_I40E_TX_MAX_MTU_SEG || s->data_len == 0))
			return 1;
		sum += s->data_len;
	}
	if (HM_UNLIKELY(n != m->nb_segs || sum != m->pkt_len || sum < HM_I40E_TX_MIN_PKT_LEN ||
			sum > txq->max_pkt_len))
		return 1;
	*segs = n;
	return 0;
}

static inline void
drop_bad(struct hm_i40e_txq *txq, struct hm_mbuf *m)
{
	I40E_ST_ADD(txq->st.tx_bad, 1);
	hm_pktmbuf_free(m);
}

/* ---- scalar path (i40e_xmit_pkts, i40e_xmit_cleanup) ---- */

/*
 * Clean the block up to the RS descriptor after last_desc_cleaned, when it
 * reads done (or when the next one does: a write-back went missing).
 * @return the packets freed (at least 1), -1 when not complete yet.
 */
static int
xmit_cleanup(struct hm_i40e_txq *txq)
{
	uint32_t n = txq->nb_desc, rs = txq->tx_rs_thresh, last = txq->last_desc_cleaned;
	uint32_t fl = in_flight(txq), to, d;

	/* the block's RS descriptor is at or after slot last + rs: in flight? */
	if (fl < rs)
		return -1;
	to = txq->sw_ring[(last + rs) % n].last_id;
	d = (to + n - last) % n;
	if (HM_UNLIKELY(d == 0 || d > fl))
		return -1; /* cannot be: the packet of an in-flight slot is in flight */
	if (!desc_done(txq, (uint16_t)to)) {
		/* in-order completion: a later RS descriptor done means this one is
		 * (only looked for when this one is not done, the slow case) */
		uint32_t to2 = to, d2 = d, skipped = 0;
		for (;;) {
			if (d2 + rs > fl)
				return -1;
			uint32_t nx = txq->sw_ring[(to2 + rs) % n].last_id, dn = (nx + n - last) % n;
			if (dn <= d2 || dn > fl)
				return -1;
			to2 = nx;
			d2 = dn;
			skipped++;
			if (desc_done(txq, (uint16_t)to2))
				break;
		}
		I40E_ST_ADD(txq->st.wb_implied, skipped);
		to = to2;
		d = d2;
	}
	unsigned int pkts = free_slots(txq, (uint16_t)((last + 1) % n), d);
	hm_i40e_tx_desc_qw1_store(&txq->ring[to], 0);
	txq->last_desc_cleaned = (uint16_t)to;
	txq->nb_tx_free = (uint16_t)(txq->nb_tx_free + d);
	I40E_ST_ADD(txq->st.cleanups, 1);
	return (int)pkts;
}

/* i40e_txd_enable_checksum (no tunnels) */
static inline void
enable_checksum(uint64_t ol, uint64_t txo, uint32_t *cmd, uint32_t *off)
{
	*off |= (HM_MBUF_L2_LEN(txo) >> 1) << HM_I40E_TX_DESC_LENGTH_MACLEN_S;
	if (ol & HM_MBUF_F_TX_IP_CKSUM) {
		*cmd |= HM_I40E_TX_DESC_CMD_IIPT_IPV4_CSUM;
		*off |= (HM_MBUF_L3_LEN(txo) >> 2) << HM_I40E_TX_DESC_LENGTH_IPLEN_S;
	} else if (ol & HM_MBUF_F_TX_IPV4) {
		*cmd |= HM_I40E_TX_DESC_CMD_IIPT_IPV4;
		*off |= (HM_MBUF_L3_LEN(txo) >> 2) << HM_I40E_TX_DESC_LENGTH_IPLEN_S;
	} else if (ol & HM_MBUF_F_TX_IPV6) {
		*cmd |= HM_I40E_TX_DESC_CMD_IIPT_IPV6;
		*off |= (HM_MBUF_L3_LEN(txo) >> 2) << HM_I40E_TX_DESC_LENGTH_IPLEN_S;
	}
	switch (ol & HM_MBUF_F_TX_L4_MASK) {
	case HM_MBUF_F_TX_TCP_CKSUM:
		*cmd |= HM_I40E_TX_DESC_CMD_L4T_EOFT_TCP;
		*off |= (20u >> 2) << HM_I40E_TX_DESC_LENGTH_L4_LEN_S;
		break;
	case HM_MBUF_F_TX_SCTP_CKSUM:
		*cmd |= HM_I40E_TX_DESC_CMD_L4T_EOFT_SCTP;
		*off |= (12u >> 2) << HM_I40E_TX_DESC_LENGTH_L4_LEN_S;
		break;
	case HM_MBUF_F_TX_UDP_CKSUM:
		*cmd |= HM_I40E_TX_DESC_CMD_L4T_EOFT_UDP;
		*off |= (8u >> 2) << HM_I40E_TX_DESC_LENGTH_L4_LEN_S;
		break;
	default:
		break;
	}
}

uint16_t
hm_i40e_xmit_pkts(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t nb_tx, tx_id, sent = 0;
	uint64_t bytes = 0;

	if (HM_UNLIKELY(txq == NULL || pkts == NULL || !txq->started ||
			txq->path != HM_I40E_TX_SCALAR))
		return 0;
	tx_id = txq->tx_tail;
	if (txq->nb_tx_free < txq->tx_free_thresh)
		(void)xmit_cleanup(txq);
	for (nb_tx = 0; nb_tx < n; nb_tx++) {
		struct hm_mbuf *m = pkts[nb_tx], *seg;
		struct hm_i40e_tx_desc *txd = NULL;
		uint32_t cmd = HM_I40E_TX_DESC_CMD_ICRC, off = 0;
		uint16_t tag = 0, tx_last;
		unsigned int nb_used;
		uint64_t ol = m->ol_flags;

		if (HM_UNLIKELY(pkt_bad(txq, m, &nb_used))) {
			drop_bad(txq, m);
			continue;
		}
		while (nb_used > txq->nb_tx_free) {
			if (xmit_cleanup(txq) < 0) {
				I40E_ST_ADD(txq->st.ring_full, 1);
				goto end_of_tx;
			}
		}
		if (ol & HM_MBUF_F_TX_VLAN) {
			cmd |= HM_I40E_TX_DESC_CMD_IL2TAG1;
			tag = m->vlan_tci;
		}
		if (ol & TX_CKSUM_MASK)
			enable_checksum(ol, m->tx_offload, &cmd, &off);
		tx_last = (uint16_t)(tx_id + nb_used - 1);
		if (tx_last >= txq->nb_desc)
			tx_last = (uint16_t)(tx_last - txq->nb_desc);
		seg = m;
		do {
			struct tx_entry *txe = &txq->sw_ring[tx_id];
			txd = &txq->ring[tx_id];
			txe->mbuf = seg;
			txe->last_id = tx_last;
			hm_i40e_tx_desc_write(txd, hm_mbuf_data_iova(seg),
					      hm_i40e_build_ctob(cmd, off, seg->data_len, tag));
			tx_id = next_slot(txq, tx_id);
			seg = seg->next;
		} while (seg != NULL);
		/* the last descriptor of the packet: EOP, and RS every rs_thresh descriptors */
		uint32_t end = HM_I40E_TX_DESC_CMD_EOP;
		txq->nb_tx_used = (uint16_t)(txq->nb_tx_used + nb_used);
		txq->nb_tx_free = (uint16_t)(txq->nb_tx_free - nb_used);
		if (txq->nb_tx_used >= txq->tx_rs_thresh) {
			end |= HM_I40E_TX_DESC_CMD_RS;
			txq->nb_tx_used = 0;
		}
		hm_i40e_tx_desc_cmd_or(txd, end);
		sent++;
		bytes += m->pkt_len;
	}
end_of_tx:
	I40E_ST_ADD(txq->st.packets, sent);
	I40E_ST_ADD(txq->st.bytes, bytes);
	if (tx_id != txq->tx_tail) {
		txq->tx_tail = tx_id;
		tail_write(txq, tx_id);
	}
	return nb_tx;
}

/* ---- simple path (tx_xmit_pkts, i40e_tx_free_bufs) ---- */

/* Free the block ending at tx_next_dd. @return its packets. */
static unsigned int
free_block(struct hm_i40e_txq *txq)
{
	uint16_t rs = txq->tx_rs_thresh;
	unsigned int pkts = free_slots(txq, (uint16_t)(txq->tx_next_dd - (rs - 1)), rs);

	txq->nb_tx_free = (uint16_t)(txq->nb_tx_free + rs);
	txq->tx_next_dd = (uint16_t)(txq->tx_next_dd + rs);
	if (txq->tx_next_dd >= txq->nb_desc)
		txq->tx_next_dd = (uint16_t)(rs - 1);
	I40E_ST_ADD(txq->st.cleanups, 1);
	return pkts;
}

/* Free the oldest block when its RS descriptor (or the next block's) reads done.
 * @return the packets freed. */
static unsigned int
tx_free_bufs(struct hm_i40e_txq *txq)
{
	uint32_t rs = txq->tx_rs_thresh, fl = in_flight(txq);
	unsigned int pkts = 0;

	if (fl < rs)
		return 0; /* the block's RS descriptor is not in flight */
	if (!desc_done(txq, txq->tx_next_dd)) {
		/* in-order completion: a later block's RS descriptor done means
		 * the blocks before it are (looked for in the slow case only) */
		uint32_t dd = txq->tx_next_dd, blocks = 1;
		for (;;) {
			if (fl < (blocks + 1) * rs)
				return 0;
			dd += rs;
			if (dd >= txq->nb_desc)
				dd = rs - 1;
			blocks++;
			if (desc_done(txq, (uint16_t)dd))
				break;
		}
		I40E_ST_ADD(txq->st.wb_implied, blocks - 1);
		while (--blocks > 0)
			pkts += free_block(txq);
	}
	return pkts + free_block(txq);
}

static inline int
simple_bad(const struct hm_i40e_txq *txq, const struct hm_mbuf *m)
{
	return m->nb_segs != 1 || m->next != NULL || m->data_len != m->pkt_len ||
	       m->data_len < HM_I40E_TX_MIN_PKT_LEN || m->data_len > txq->max_pkt_len;
}

static uint16_t
tx_xmit_simple(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t i = 0, used = 0, t = txq->tx_tail;
	uint64_t bytes = 0;

	if (txq->nb_tx_free < txq->tx_free_thresh)
		tx_free_bufs(txq);
	while (i < n) {
		struct hm_mbuf *m;
		uint32_t cmd = HM_I40E_TX_DESC_CMD_EOP | HM_I40E_TX_DESC_CMD_ICRC;

		if (used == txq->nb_tx_free) {
			I40E_ST_ADD(txq->st.ring_full, 1);
			break;
		}
		m = pkts[i++];
		if (HM_UNLIKELY(simple_bad(txq, m))) {
			drop_bad(txq, m);
			continue;
		}
		if (t == txq->tx_next_rs) {
			cmd |= HM_I40E_TX_DESC_CMD_RS;
			txq->tx_next_rs = (uint16_t)(txq->tx_next_rs + txq->tx_rs_thresh);
			if (txq->tx_next_rs >= txq->nb_desc)
				txq->tx_next_rs = (uint16_t)(txq->tx_rs_thresh - 1);
		}
		hm_i40e_tx_desc_write(&txq->ring[t], hm_mbuf_data_iova(m),
				      hm_i40e_build_ctob(cmd, 0, m->data_len, 0));
		txq->sw_ring[t].mbuf = m;
		txq->sw_ring[t].last_id = t;
		bytes += m->data_len;
		t = next_slot(txq, t);
		used++;
	}
	if (used > 0) {
		txq->nb_tx_free = (uint16_t)(txq->nb_tx_free - used);
		txq->tx_tail = t;
		I40E_ST_ADD(txq->st.packets, used);
		I40E_ST_ADD(txq->st.bytes, bytes);
		tail_write(txq, t);
	}
	return i;
}

uint16_t
hm_i40e_xmit_pkts_simple(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t nb_tx = 0;

	if (HM_UNLIKELY(txq == NULL || pkts == NULL || !txq->started ||
			txq->path != HM_I40E_TX_SIMPLE))
		return 0;
	while (nb_tx < n) {
		uint16_t want = (uint16_t)(n - nb_tx);
		if (want > HM_I40E_TX_MAX_BURST)
			want = HM_I40E_TX_MAX_BURST;
		uint16_t got = tx_xmit_simple(txq, pkts + nb_tx, want);
		nb_tx = (uint16_t)(nb_tx + got);
		if (got < want)
			break;
	}
	return nb_tx;
}

uint16_t
hm_i40e_tx_burst(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n)
{
	if (HM_UNLIKELY(txq == NULL))
		return 0;
	if (txq->path == HM_I40E_TX_SIMPLE)
		return hm_i40e_xmit_pkts_simple(txq, pkts, n);
	return hm_i40e_xmit_pkts(txq, pkts, n);
}

int
hm_i40e_tx_done_cleanup(struct hm_i40e_txq *txq, uint32_t free_cnt)
{
	unsigned int pkts = 0;

	if (txq == NULL)
		return hm_fail(EINVAL, "i40e tx done cleanup: NULL queue");
	if (!txq->started)
		return hm_fail(ENODEV, "i40e tx done cleanup: queue %u is stopped", txq->queue);
	while (free_cnt == 0 || pkts < free_cnt) {
		int k = txq->path == HM_I40E_TX_SIMPLE ? (int)tx_free_bufs(txq) : xmit_cleanup(txq);
		if (k <= 0)
			break;
		pkts += (unsigned int)k;
	}
	return (int)pkts;
}

int
hm_i40e_tx_desc_status(const struct hm_i40e_txq *txq, uint16_t offset)
{
	if (txq == NULL || offset >= txq->nb_desc)
		return hm_fail(EINVAL, "i40e tx descriptor status: NULL queue or offset %u beyond "
			       "the ring", offset);
	if (!txq->started)
		return hm_fail(ENODEV, "i40e tx descriptor status: queue %u is stopped", txq->queue);
	uint32_t n = txq->nb_desc, fl = in_flight(txq);
	if (offset < txq->nb_tx_free || fl == 0)
		return HM_I40E_TX_DESC_DONE;
	/* the slot kept back, then the in-flight ones from the oldest: complete
	 * once a descriptor at or after it reads done (completion is in order) */
	uint32_t k = offset - txq->nb_tx_free, first = (txq->tx_tail + n - fl) % n;
	for (uint32_t i = (first + (k == 0 ? 0 : k - 1)) % n; i != txq->tx_tail; i = (i + 1) % n)
		if (desc_done(txq, (uint16_t)i))
			return HM_I40E_TX_DESC_DONE;
	return HM_I40E_TX_DESC_FULL;
}

/* ---- setup, start, stop, release ---- */

void
hm_i40e_txq_conf_init(struct hm_i40e_txq_conf *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->nb_desc = 1024;
	c->path = HM_I40E_TX_AUTO;
}

static int
mem_node(const void *va)
{
	const struct hm_memseg *ms = hm_mem_virt2memseg(va, NULL);
	return ms != NULL ? ms->socket_id : -1;
}

/* i40e_dev_tx_queue_setup's threshold rules; *rs and *fr get the values in use.
 * @return 0 or -EINVAL with DPDK's message. */
static int
thresholds(const struct hm_i40e_txq_conf *c, unsigned int queue, unsigned int *rs,
	   unsigned int *fr)
{
	unsigned int nb = c->nb_desc;
	unsigned int free_thresh = c->tx_free_thresh != 0 ? c->tx_free_thresh
							  : HM_I40E_DEFAULT_TX_FREE_THRESH;
	/* force tx_rs_thresh to adapt an aggressive tx_free_thresh */
	unsigned int rs_thresh = HM_I40E_DEFAULT_TX_RS_THRESH + free_thresh > nb
					 ? (free_thresh < nb ? nb - free_thresh : 0)
					 : HM_I40E_DEFAULT_TX_RS_THRESH;

	if (c->tx_rs_thresh != 0)
		rs_thresh = c->tx_rs_thresh;
	if (rs_thresh + free_thresh > nb || rs_thresh > nb || free_thresh > nb)
		return hm_fail(EINVAL, "i40e txq setup: tx_rs_thresh + tx_free_thresh must not "
			       "exceed nb_desc (tx_rs_thresh=%u tx_free_thresh=%u nb_desc=%u "
			       "queue=%u)", rs_thresh, free_thresh, nb, queue);
	if (rs_thresh == 0 || rs_thresh >= nb - 2)
		return hm_fail(EINVAL, "i40e txq setup: tx_rs_thresh must be less than the number "
			       "of TX descriptors minus 2 (tx_rs_thresh=%u queue=%u)", rs_thresh,
			       queue);
	if (free_thresh >= nb - 3)
		return hm_fail(EINVAL, "i40e txq setup: tx_free_thresh must be less than the "
			       "number of TX descriptors minus 3 (tx_free_thresh=%u queue=%u)",
			       free_thresh, queue);
	if (rs_thresh > free_thresh)
		return hm_fail(EINVAL, "i40e txq setup: tx_rs_thresh must be less than or equal "
			       "to tx_free_thresh (tx_free_thresh=%u tx_rs_thresh=%u queue=%u)",
			       free_thresh, rs_thresh, queue);
	if (nb % rs_thresh != 0)
		return hm_fail(EINVAL, "i40e txq setup: tx_rs_thresh must be a divisor of the "
			       "number of TX descriptors (tx_rs_thresh=%u nb_desc=%u queue=%u)",
			       rs_thresh, nb, queue);
	if (rs_thresh > 1 && c->wthresh != 0)
		return hm_fail(EINVAL, "i40e txq setup: TX WTHRESH must be set to 0 if "
			       "tx_rs_thresh is greater than 1 (tx_rs_thresh=%u wthresh=%u "
			       "queue=%u)", rs_thresh, c->wthresh, queue);
	*rs = rs_thresh;
	*fr = free_thresh;
	return 0;
}

static bool
simple_ok(uint64_t offloads, unsigned int rs)
{
	return (offloads & ~HM_I40E_TX_OFFLOAD_MBUF_FAST_FREE) == 0 && rs >= HM_I40E_TX_MAX_BURST;
}

struct hm_i40e_txq *
hm_i40e_txq_setup(struct hm_nic *nic, unsigned int queue, const struct hm_i40e_txq_conf *c)
{
	unsigned int nq, rs = 0, fr = 0, max_pkt, ring_size;
	enum hm_i40e_tx_path path;
	struct hm_i40e_txq *txq;
	char name[HM_MEMZONE_NAMESIZE];
	int node;

	if (nic == NULL || c == NULL)
		return hm_fail_ptr(EINVAL, "i40e txq setup: NULL device or configuration");
	nq = (unsigned int)hm_nic_nb_queues(nic);
	if (queue >= nq)
		return hm_fail_ptr(EINVAL, "i40e txq setup: queue %u, the device has %u", queue, nq);
	if (c->nb_desc < HM_I40E_MIN_RING_DESC || c->nb_desc > HM_I40E_MAX_RING_DESC ||
	    c->nb_desc % HM_I40E_ALIGN_RING_DESC != 0)
		return hm_fail_ptr(EINVAL, "i40e txq setup: nb_desc %u is not a multiple of %u in "
				   "%u..%u", c->nb_desc, HM_I40E_ALIGN_RING_DESC,
				   HM_I40E_MIN_RING_DESC, HM_I40E_MAX_RING_DESC);
	if (thresholds(c, queue, &rs, &fr) < 0)
		return NULL; /* hm_errno and the message set */
	if (c->offloads & ~HM_I40E_TX_OFFLOADS)
		return hm_fail_ptr(EINVAL, "i40e txq setup: offloads 0x%" PRIx64 " not supported "
				   "(supported: 0x%" PRIx64 ")", (uint64_t)(c->offloads & ~HM_I40E_TX_OFFLOADS),
				   (uint64_t)HM_I40E_TX_OFFLOADS);
	if ((unsigned int)c->path > HM_I40E_TX_SIMPLE)
		return hm_fail_ptr(EINVAL, "i40e txq setup: unknown TX path %d", (int)c->path);
	max_pkt = c->max_pkt_len != 0 ? c->max_pkt_len : (unsigned int)hm_nic_max_frame(nic);
	if (max_pkt < HM_I40E_TX_MIN_PKT_LEN || max_pkt > (unsigned int)hm_nic_max_frame(nic))
		return hm_fail_ptr(EINVAL, "i40e txq setup: max_pkt_len %u outside %u..%d (the "
				   "NIC's max_frame)", max_pkt, HM_I40E_TX_MIN_PKT_LEN,
				   hm_nic_max_frame(nic));
	path = c->path;
	if (path == HM_I40E_TX_AUTO)
		path = simple_ok(c->offloads, rs) ? HM_I40E_TX_SIMPLE : HM_I40E_TX_SCALAR;
	if (path == HM_I40E_TX_SIMPLE && !simple_ok(c->offloads, rs))
		return hm_fail_ptr(EINVAL, "i40e txq setup: the simple path needs no offloads but "
				   "MBUF_FAST_FREE (0x%" PRIx64 " asked) and tx_rs_thresh >= %u (%u)",
				   c->offloads, HM_I40E_TX_MAX_BURST, rs);
	node = hm_nic_numa_node(nic);

	txq = hm_zmalloc_socket("i40e_txq", sizeof(*txq), HM_CACHE_LINE_SIZE, node);
	if (txq == NULL)
		return hm_fail_ptr(ENOMEM, "i40e txq setup: no memory for the queue on node %d",
				   node);
	txq->sw_ring = hm_zmalloc_socket("i40e_tx_sw_ring", sizeof(struct tx_entry) * c->nb_desc,
					 HM_CACHE_LINE_SIZE, node);
	if (txq->sw_ring == NULL) {
		hm_free(txq);
		return hm_fail_ptr(ENOMEM, "i40e txq setup: no memory for the software ring on "
				   "node %d", node);
	}
	ring_size = HM_I40E_MAX_RING_DESC * (unsigned int)sizeof(struct hm_i40e_tx_desc);
	ring_size = (ring_size + HM_I40E_DMA_MEM_ALIGN - 1) & ~(HM_I40E_DMA_MEM_ALIGN - 1);
	snprintf(name, sizeof(name), "eth_p%u_q%u_tx_ring", c->port, queue);
	txq->mz = hm_memzone_reserve_aligned(name, ring_size, node, HM_MEMZONE_IOVA_CONTIG,
					     HM_I40E_RING_BASE_ALIGN);
	if (txq->mz == NULL) {
		int err = hm_errno;
		hm_free(txq->sw_ring);
		hm_free(txq);
		return hm_fail_ptr(err, "i40e txq setup: descriptor ring %s (%u bytes on node %d): %s",
				   name, ring_size, node, hm_strerror(err));
	}
	memset(txq->mz->addr, 0, ring_size);
	txq->ring = txq->mz->addr;
	txq->nic = nic;
	txq->queue = queue;
	txq->node = node;
	txq->port = c->port;
	txq->nb_desc = (uint16_t)c->nb_desc;
	txq->tx_rs_thresh = (uint16_t)rs;
	txq->tx_free_thresh = (uint16_t)fr;
	txq->offloads = c->offloads;
	txq->path = (uint8_t)path;
	txq->max_pkt_len = max_pkt;
	txq->tail_reg = hm_nic_tx_tail_reg(nic, queue);
	return txq;
}

/* i40e_reset_tx_queue: every descriptor done, nothing held. */
static void
reset_queue(struct hm_i40e_txq *txq)
{
	for (uint16_t i = 0; i < txq->nb_desc; i++) {
		hm_i40e_tx_desc_addr_set(&txq->ring[i], 0);
		hm_i40e_tx_desc_qw1_store(&txq->ring[i], HM_I40E_TX_DESC_DTYPE_DESC_DONE);
		txq->sw_ring[i].mbuf = NULL;
		txq->sw_ring[i].last_id = i;
	}
	txq->tx_tail = 0;
	txq->nb_tx_used = 0;
	txq->nb_tx_free = (uint16_t)(txq->nb_desc - 1);
	txq->last_desc_cleaned = (uint16_t)(txq->nb_desc - 1);
	txq->tx_next_dd = (uint16_t)(txq->tx_rs_thresh - 1);
	txq->tx_next_rs = (uint16_t)(txq->tx_rs_thresh - 1);
}

int
hm_i40e_txq_start(struct hm_i40e_txq *txq)
{
	struct hm_nic_txq_conf qc;
	int rc;

	if (txq == NULL)
		return hm_fail(EINVAL, "i40e txq start: NULL queue");
	if (txq->started)
		return hm_fail(EALREADY, "i40e txq start: queue %u already started", txq->queue);
	reset_queue(txq);
	qc.ring_iova = txq->mz->iova;
	qc.nb_desc = txq->nb_desc;
	rc = hm_nic_txq_setup(txq->nic, txq->queue, &qc);
	if (rc < 0)
		return hm_fail(-rc, "i40e txq start: the NIC refused TX queue %u: %s", txq->queue,
			       hm_strerror(-rc));
	txq->started = 1;
	return 0;
}

/* Give back every mbuf the queue holds. */
static void
release_mbufs(struct hm_i40e_txq *txq)
{
	free_slots(txq, 0, txq->nb_desc);
}

int
hm_i40e_txq_stop(struct hm_i40e_txq *txq)
{
	int rc;

	if (txq == NULL)
		return hm_fail(EINVAL, "i40e txq stop: NULL queue");
	if (!txq->started)
		return 0;
	rc = hm_nic_txq_release(txq->nic, txq->queue);
	if (rc == -EBUSY)
		return hm_fail(EBUSY, "i40e txq stop: the device thread is running (hm_nic_stop "
			       "first)");
	release_mbufs(txq);
	reset_queue(txq);
	txq->started = 0;
	return 0;
}

void
hm_i40e_txq_release(struct hm_i40e_txq *txq)
{
	if (txq == NULL)
		return;
	if (txq->started && hm_i40e_txq_stop(txq) < 0) {
		/* the device may still read the ring: keep the memory, free the mbufs */
		release_mbufs(txq);
		txq->started = 0;
		HM_LOG(WARNING, "i40e txq release: TX queue %u released while the device runs; "
		       "its ring is kept", txq->queue);
		return;
	}
	hm_memzone_free(txq->mz);
	hm_free(txq->sw_ring);
	hm_free(txq);
}

/* ---- observability ---- */

int
hm_i40e_txq_stats_get(const struct hm_i40e_txq *txq, struct hm_i40e_txq_stats *st)
{
	if (txq == NULL || st == NULL)
		return hm_fail(EINVAL, "i40e txq stats: NULL argument");
	st->packets = I40E_ST_GET(txq->st.packets);
	st->bytes = I40E_ST_GET(txq->st.bytes);
	st->tx_bad = I40E_ST_GET(txq->st.tx_bad);
	st->ring_full = I40E_ST_GET(txq->st.ring_full);
	st->cleanups = I40E_ST_GET(txq->st.cleanups);
	st->freed = I40E_ST_GET(txq->st.freed);
	st->wb_implied = I40E_ST_GET(txq->st.wb_implied);
	st->tail_writes = I40E_ST_GET(txq->st.tail_writes);
	return 0;
}

static unsigned int
held_count(const struct hm_i40e_txq *txq)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < txq->nb_desc; i++)
		n += txq->sw_ring[i].mbuf != NULL;
	return n;
}

int
hm_i40e_txq_info_get(const struct hm_i40e_txq *txq, struct hm_i40e_txq_info *info)
{
	if (txq == NULL || info == NULL)
		return hm_fail(EINVAL, "i40e txq info: NULL argument");
	memset(info, 0, sizeof(*info));
	info->path = (enum hm_i40e_tx_path)txq->path;
	info->nb_desc = txq->nb_desc;
	info->tx_rs_thresh = txq->tx_rs_thresh;
	info->tx_free_thresh = txq->tx_free_thresh;
	info->max_pkt_len = txq->max_pkt_len;
	info->offloads = txq->offloads;
	info->started = txq->started != 0;
	info->nb_tx_free = txq->nb_tx_free;
	info->held = held_count(txq);
	info->ring_mz = txq->mz;
	info->ring_node = mem_node(txq->ring);
	info->queue_node = mem_node(txq);
	info->sw_ring_node = mem_node(txq->sw_ring);
	return 0;
}

static const char *const path_names[] = {
	[HM_I40E_TX_AUTO] = "auto",
	[HM_I40E_TX_SCALAR] = "scalar",
	[HM_I40E_TX_SIMPLE] = "simple",
};

const char *
hm_i40e_tx_path_name(enum hm_i40e_tx_path p)
{
	if ((unsigned int)p > HM_I40E_TX_SIMPLE)
		return NULL;
	return path_names[p];
}

int
hm_i40e_tx_path_parse(const char *s, enum hm_i40e_tx_path *p)
{
	if (s == NULL || p == NULL)
		return hm_fail(EINVAL, "i40e tx path: NULL argument");
	for (unsigned int i = 0; i <= HM_I40E_TX_SIMPLE; i++)
		if (strcmp(s, path_names[i]) == 0) {
			*p = (enum hm_i40e_tx_path)i;
			return 0;
		}
	return hm_fail(EINVAL, "i40e tx path: '%s' is not auto, scalar or simple", s);
}

#define CHECK(cond, why)                 \
	do {                             \
		if (!(cond)) {           \
			*reason = (why); \
			return -EFAULT;  \
		}                        \
	} while (0)

int
hm_i40e_txq_check(const struct hm_i40e_txq *txq, const char **reason)
{
	const char *dummy;
	uint32_t n, fl, start;

	if (reason == NULL)
		reason = &dummy;
	*reason = NULL;
	if (txq == NULL)
		return hm_fail(EINVAL, "i40e txq check: NULL queue");
	n = txq->nb_desc;
	CHECK(txq->path == HM_I40E_TX_SCALAR || txq->path == HM_I40E_TX_SIMPLE, "bad path");
	CHECK(txq->tx_rs_thresh > 0 && txq->tx_rs_thresh <= txq->tx_free_thresh &&
	      n % txq->tx_rs_thresh == 0 && txq->tx_free_thresh < n - 3, "bad thresholds");
	if (!txq->started) {
		CHECK(held_count(txq) == 0, "a stopped queue holds mbufs");
		return 0;
	}
	CHECK(txq->tx_tail < n, "tx_tail outside the ring");
	CHECK(__atomic_load_n(txq->tail_reg, __ATOMIC_RELAXED) == txq->tx_tail,
	      "the NIC's TX tail register differs from tx_tail");
	CHECK(txq->nb_tx_free <= n - 1, "more free descriptors than the ring has");
	fl = in_flight(txq);
	if (txq->path == HM_I40E_TX_SCALAR) {
		CHECK(txq->last_desc_cleaned < n, "last_desc_cleaned outside the ring");
		start = (txq->last_desc_cleaned + 1u) % n;
		CHECK(txq->nb_tx_used < txq->tx_rs_thresh, "nb_tx_used reached tx_rs_thresh");
	} else {
		CHECK(txq->tx_next_dd < n && txq->tx_next_dd % txq->tx_rs_thresh ==
		      txq->tx_rs_thresh - 1u, "tx_next_dd does not end an RS block");
		CHECK(txq->tx_next_rs < n && txq->tx_next_rs % txq->tx_rs_thresh ==
		      txq->tx_rs_thresh - 1u, "tx_next_rs does not end an RS block");
		start = (uint32_t)txq->tx_next_dd + 1u - txq->tx_rs_thresh;
	}
	CHECK((txq->tx_tail + n - start) % n == fl,
	      "in-flight descriptors != nb_desc - 1 - nb_tx_free");
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = (start + k) % n;
		const struct tx_entry *e = &txq->sw_ring[i];
		if (k >= fl) {
			CHECK(e->mbuf == NULL, "a free slot holds an mbuf");
			continue;
		}
		CHECK(e->mbuf != NULL, "an in-flight slot holds no mbuf");
		if (txq->path == HM_I40E_TX_SCALAR)
			CHECK(e->last_id < n && (e->last_id + n - start) % n >= k &&
			      (e->last_id + n - start) % n < fl,
			      "an in-flight slot's packet does not end in flight");
		uint64_t qw1 = hm_i40e_tx_desc_qw1_load(&txq->ring[i]);
		if (hm_i40e_txd_done(qw1))
			continue;
		CHECK(hm_i40e_tx_desc_addr(&txq->ring[i]) == hm_mbuf_data_iova(e->mbuf),
		      "an in-flight descriptor's address is not its mbuf's data IOVA");
		CHECK(hm_i40e_txd_size(qw1) == e->mbuf->data_len,
		      "an in-flight descriptor's size is not its mbuf's data_len");
	}
	return 0;
}
