/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * i40e-style RX queues over the fake NIC: setup, start (arm), the scalar,
 * bulk-alloc and scattered receive paths (the vector path is in
 * i40e_rxtx_vec*.c), stop and release. See
 * hugemem/sim/i40e.h for the model and the invariants; reference §9 for the
 * DPDK code this follows step by step.
 *
 * Ownership of a descriptor slot i < nb_desc:
 *   - armed (read format, DD clear, sw_ring[i] the mbuf at pkt_addr): the
 *     device's once the tail passes it;
 *   - written back (DD set): the driver's, sw_ring[i] still the mbuf;
 *   - bulk and vector paths only: scanned and not yet refilled: sw_ring[i] ==
 *     NULL.
 * The tail register is only ever written with a slot the driver has already
 * processed (rx_tail - 1, or the refill trigger), never with rx_tail itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common_i.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"
#include "i40e_i.h"

/* ---- packet types (i40e_get_default_pkt_type, the non-tunnelled entries) ---- */

#define PT_L2 HM_PTYPE_L2_ETHER
#define PT_V4 (HM_PTYPE_L2_ETHER | HM_PTYPE_L3_IPV4_EXT_UNKNOWN)
#define PT_V6 (HM_PTYPE_L2_ETHER | HM_PTYPE_L3_IPV6_EXT_UNKNOWN)

static const uint32_t i40e_ptype_tbl[256] = {
	[1] = PT_L2,
	[2] = PT_L2, /* timesync */
	[6] = PT_L2, [7] = PT_L2, [8] = PT_L2, [9] = PT_L2, [10] = PT_L2,
	[11] = PT_L2, [12] = PT_L2, [13] = PT_L2, [14] = PT_L2, [15] = PT_L2,
	[16] = PT_L2, [17] = PT_L2, [18] = PT_L2, [19] = PT_L2, [20] = PT_L2, [21] = PT_L2,
	[22] = PT_V4 | HM_PTYPE_L4_FRAG,
	[23] = PT_V4 | HM_PTYPE_L4_NONFRAG,
	[24] = PT_V4 | HM_PTYPE_L4_UDP,
	[26] = PT_V4 | HM_PTYPE_L4_TCP,
	[27] = PT_V4 | HM_PTYPE_L4_SCTP,
	[28] = PT_V4 | HM_PTYPE_L4_ICMP,
	[88] = PT_V6 | HM_PTYPE_L4_FRAG,
	[89] = PT_V6 | HM_PTYPE_L4_NONFRAG,
	[90] = PT_V6 | HM_PTYPE_L4_UDP,
	[92] = PT_V6 | HM_PTYPE_L4_TCP,
	[93] = PT_V6 | HM_PTYPE_L4_SCTP,
	[94] = PT_V6 | HM_PTYPE_L4_ICMP,
};

#define I40E_OL1(i) { I40E_OLF(i), I40E_KEEP(i) }
#define I40E_OL4(i) I40E_OL1(i), I40E_OL1((i) + 1), I40E_OL1((i) + 2), I40E_OL1((i) + 3)
#define I40E_OL16(i) I40E_OL4(i), I40E_OL4((i) + 4), I40E_OL4((i) + 8), I40E_OL4((i) + 12)

const struct i40e_ol i40e_ol_tbl[128] = {
	I40E_OL16(0), I40E_OL16(16), I40E_OL16(32), I40E_OL16(48),
	I40E_OL16(64), I40E_OL16(80), I40E_OL16(96), I40E_OL16(112),
};

/* ---- small helpers ---- */

/* The slot after @p i. */
static inline uint16_t
next_slot(const struct hm_i40e_rxq *rxq, uint16_t i)
{
	return ++i == rxq->nb_desc ? 0 : i;
}

/* A dropped descriptor: slot @p i keeps its buffer and goes back to the device.
 * @return the next slot. */
static inline uint16_t
rearm_same(struct hm_i40e_rxq *rxq, uint16_t i)
{
	arm(rxq, i, rxq->sw_ring[i]);
	return next_slot(rxq, i);
}

/* Put @p nmb in slot @p i and arm it; @return the mbuf it replaces (the packet). */
static inline struct hm_mbuf *
swap_in(struct hm_i40e_rxq *rxq, uint16_t i, struct hm_mbuf *nmb)
{
	struct hm_mbuf *old = rxq->sw_ring[i];

	rxq->sw_ring[i] = nmb;
	arm(rxq, i, nmb);
	return old;
}

/* ol_flags, vlan and hash of @p m from a written-back descriptor. */
static inline void
fill_offloads(const struct hm_i40e_rxq *rxq, struct hm_mbuf *m, uint64_t qw0, uint64_t qw1)
{
	uint64_t f = 0;

	if (qw1 & HM_I40E_RXD_L2TAG1P) {
		f = HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED;
		m->vlan_tci = hm_i40e_rxd_l2tag1(qw0);
	} else {
		m->vlan_tci = 0;
	}
	if (qw1 & HM_I40E_RXD_L3L4P) {
		if (HM_LIKELY((qw1 & HM_I40E_RXD_ERR_CKSUM_MASK) == 0)) {
			f |= HM_MBUF_F_RX_IP_CKSUM_GOOD | HM_MBUF_F_RX_L4_CKSUM_GOOD;
		} else {
			f |= (qw1 & HM_I40E_RXD_ERR_IPE) ? HM_MBUF_F_RX_IP_CKSUM_BAD
							 : HM_MBUF_F_RX_IP_CKSUM_GOOD;
			f |= (qw1 & HM_I40E_RXD_ERR_L4E) ? HM_MBUF_F_RX_L4_CKSUM_BAD
							 : HM_MBUF_F_RX_L4_CKSUM_GOOD;
			if (qw1 & HM_I40E_RXD_ERR_EIPE)
				f |= HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD;
		}
	}
	if (hm_i40e_rxd_rss_valid(qw1)) {
		f |= HM_MBUF_F_RX_RSS_HASH;
		m->hash.rss = hm_i40e_rxd_rss(qw0);
	}
	m->ol_flags = f;
	m->packet_type = rxq->ptype_tbl[hm_i40e_rxd_ptype(qw1)];
}

void
i40e_count_drop(struct hm_i40e_rxq *rxq, enum drop_reason r)
{
	if (r == DROP_ERROR)
		I40E_ST_ADD(rxq->st.rx_errors, 1);
	else if (r == DROP_LEN)
		I40E_ST_ADD(rxq->st.rx_bad_len, 1);
	else if (r == DROP_NO_EOF)
		I40E_ST_ADD(rxq->st.rx_no_eof, 1);
}

static inline uint16_t
next_tail_hold(struct hm_i40e_rxq *rxq, uint16_t rx_id, uint16_t nb_hold)
{
	nb_hold = (uint16_t)(nb_hold + rxq->nb_rx_hold);
	if (nb_hold > rxq->rx_free_thresh) {
		tail_write(rxq, rx_id == 0 ? (uint32_t)rxq->nb_desc - 1 : (uint32_t)rx_id - 1);
		nb_hold = 0;
	}
	return nb_hold;
}

/* ---- scalar path (i40e_recv_pkts) ---- */

/*
 * One round of the scalar path: at most @p n (<= HM_I40E_RX_MAX_BURST)
 * descriptors from rx_tail. The next two rounds' descriptors and headers are
 * prefetched, the written-back ones counted (their mbuf headers prefetched on
 * the way), then their replacements come from the
 * pool in one bulk get (one by one, as DPDK's scalar path allocates, when the
 * pool cannot give them all at once; the unused ones go back), then each
 * descriptor is processed in order. The queue's fields live in locals: the
 * mbuf stores could alias the queue (-fno-strict-aliasing). @return packets
 * received; *stop set when the round ended short (no more DD, or no mbuf).
 */
static inline uint16_t
recv_round(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n, uint16_t *hold,
	   uint64_t *bytes, int *stop)
{
	struct hm_mbuf *fresh[HM_I40E_RX_MAX_BURST];
	uint8_t *const ring = rxq->ring;
	struct hm_mbuf **const sw_ring = rxq->sw_ring;
	struct hm_mempool *const mp = rxq->mp;
	const unsigned int dshift = rxq->dshift, nb_desc = rxq->nb_desc;
	const uint32_t buf_size = rxq->buf_size;
	const uint64_t init = rxq->mbuf_init;
	const uint32_t *const pt = rxq->ptype_tbl;
	uint8_t discard = rxq->discard;
	unsigned int rx_id = rxq->rx_tail, ready = 0, nf = 0, used = 0;
	uint64_t okey = ~0ULL;
	const struct i40e_ol *o = i40e_ol_tbl;
	uint16_t nb_rx = 0, nb_hold = 0;

	i40e_prefetch_burst(rxq, rx_id + HM_I40E_RX_MAX_BURST);
	i40e_prefetch_burst(rxq, rx_id + 2 * HM_I40E_RX_MAX_BURST);
	for (unsigned int i = rx_id; ready < n; ready++) {
		if (!(hm_i40e_rx_desc_qw1_load(ring + ((size_t)i << dshift)) & HM_I40E_RXD_DD))
			break;
		__builtin_prefetch(sw_ring[i], 1, 3);
		if (++i == nb_desc)
			i = 0;
	}
	if (ready < n)
		*stop = 1;
	if (ready != 0 && HM_LIKELY(hm_mempool_get_bulk(mp, (void **)fresh, ready) == 0))
		nf = ready;
	for (unsigned int k = 0; k < ready; k++) {
		uint8_t *d = ring + ((size_t)rx_id << dshift);
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(d);
		uint32_t len = hm_i40e_rxd_pbuf_len(qw1);
		struct hm_mbuf *rxm, *nmb;
		enum drop_reason bad = bad_desc_len(buf_size, qw1, len);

		if (HM_UNLIKELY(discard)) {
			/* the rest of a frame already counted as dropped */
			if (qw1 & HM_I40E_RXD_EOF)
				discard = 0;
			bad = DROP_SKIP;
		} else if (HM_UNLIKELY(bad != DROP_NONE) && frame_goes_on(rxq, qw1, len)) {
			discard = 1;
		}
		if (HM_UNLIKELY(bad != DROP_NONE)) {
			/* drop: the descriptor keeps its buffer */
			i40e_count_drop(rxq, bad);
			rx_id = rearm_same(rxq, (uint16_t)rx_id);
			nb_hold++;
			continue;
		}
		if (HM_LIKELY(used < nf)) {
			nmb = fresh[used++];
		} else {
			nmb = hm_mbuf_raw_alloc(mp);
			if (HM_UNLIKELY(nmb == NULL)) {
				I40E_ST_ADD(rxq->st.rx_nombuf, 1);
				*stop = 1;
				break;
			}
		}
		uint64_t qw0 = hm_i40e_rx_desc_qw_get(d, 0);
		nb_hold++;
		rxm = sw_ring[rx_id];
		sw_ring[rx_id] = nmb;
		hm_i40e_rx_desc_qw_set(d, 0, nmb->buf_iova + HM_PKTMBUF_HEADROOM);
		hm_i40e_rx_desc_qw_set(d, 1, 0);
		if (++rx_id == nb_desc)
			rx_id = 0;
		if (HM_UNLIKELY((qw1 & I40E_OL_BITS) != okey)) {
			okey = qw1 & I40E_OL_BITS;
			o = &i40e_ol_tbl[i40e_ol_index(qw1)];
		}
		i40e_fill_ol(rxm, init, pt, qw0, qw1, len, o);
		pkts[nb_rx++] = rxm;
		*bytes += len;
	}
	if (HM_UNLIKELY(used < nf)) /* dropped descriptors kept their buffers */
		hm_mempool_put_bulk(mp, (void *const *)(fresh + used), nf - used);
	rxq->discard = discard;
	rxq->rx_tail = (uint16_t)rx_id;
	*hold = (uint16_t)(*hold + nb_hold);
	return nb_rx;
}

uint16_t
hm_i40e_recv_pkts(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t nb_rx = 0, nb_hold = 0;
	uint64_t bytes = 0;
	int stop = 0;

	if (HM_UNLIKELY(rxq == NULL || pkts == NULL || !rxq->started ||
			rxq->path != HM_I40E_RX_SCALAR))
		return 0;
	while (nb_rx < n && !stop) {
		uint16_t want = (uint16_t)(n - nb_rx);

		if (want > HM_I40E_RX_MAX_BURST)
			want = HM_I40E_RX_MAX_BURST;
		nb_rx = (uint16_t)(nb_rx + recv_round(rxq, pkts + nb_rx, want, &nb_hold, &bytes,
						      &stop));
	}
	rxq->nb_rx_hold = next_tail_hold(rxq, rxq->rx_tail, nb_hold);
	I40E_ST_ADD(rxq->st.bytes, bytes);
	I40E_ST_ADD(rxq->st.packets, nb_rx);
	return nb_rx;
}

/* ---- scattered path (i40e_recv_scattered_pkts) ---- */

static void
drop_chain(struct hm_i40e_rxq *rxq)
{
	hm_pktmbuf_free(rxq->pkt_first_seg);
	rxq->pkt_first_seg = NULL;
	rxq->pkt_last_seg = NULL;
}

uint16_t
hm_i40e_recv_scattered_pkts(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t rx_id, nb_rx = 0, nb_hold = 0;
	struct hm_mbuf *first, *last;
	uint64_t bytes = 0;

	if (HM_UNLIKELY(rxq == NULL || pkts == NULL || !rxq->started ||
			rxq->path != HM_I40E_RX_SCATTERED))
		return 0;
	rx_id = rxq->rx_tail;
	first = rxq->pkt_first_seg;
	last = rxq->pkt_last_seg;
	while (nb_rx < n) {
		uint8_t *d = desc_at(rxq, rx_id);
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(d);
		struct hm_mbuf *rxm, *nmb;
		uint64_t *bad = NULL;
		uint32_t len;

		if (!(qw1 & HM_I40E_RXD_DD))
			break;
		if (HM_UNLIKELY(rxq->discard)) {
			/* the rest of a frame already counted as dropped */
			if (qw1 & HM_I40E_RXD_EOF)
				rxq->discard = 0;
			rx_id = rearm_same(rxq, rx_id);
			nb_hold++;
			continue;
		}
		len = hm_i40e_rxd_pbuf_len(qw1);
		if (HM_UNLIKELY(qw1 & HM_I40E_RXD_ERR_RXE))
			bad = &rxq->st.rx_errors;
		else if (HM_UNLIKELY(len == 0 || len > rxq->buf_size ||
				     (first != NULL ? first->pkt_len : 0) + len > rxq->max_pkt_len))
			bad = &rxq->st.rx_bad_len;
		else if (HM_UNLIKELY(!(qw1 & HM_I40E_RXD_EOF) && len != rxq->buf_size))
			bad = &rxq->st.rx_no_eof;
		if (HM_UNLIKELY(bad != NULL)) {
			/* drop the whole frame, counted once: the chain so far, this
			 * buffer and, when the frame goes on (an errored or full
			 * buffer without EOF), its descriptors up to EOF (else its
			 * tail would arrive as a packet of its own). A short buffer
			 * without EOF ended its frame: nothing more to skip. */
			I40E_ST_ADD(*bad, 1);
			if (frame_goes_on(rxq, qw1, len))
				rxq->discard = 1;
			rxq->pkt_first_seg = first;
			drop_chain(rxq);
			first = last = NULL;
			rx_id = rearm_same(rxq, rx_id);
			nb_hold++;
			continue;
		}
		nmb = hm_mbuf_raw_alloc(rxq->mp);
		if (HM_UNLIKELY(nmb == NULL)) {
			I40E_ST_ADD(rxq->st.rx_nombuf, 1);
			break;
		}
		uint64_t qw0 = hm_i40e_rx_desc_qw_get(d, 0);
		nb_hold++;
		rxm = swap_in(rxq, rx_id, nmb);
		rx_id = next_slot(rxq, rx_id);
		{
			unsigned int j = rx_id + I40E_PF_AHEAD;

			if (j >= rxq->nb_desc)
				j -= rxq->nb_desc;
			__builtin_prefetch(rxq->sw_ring[j], 1, 3);
			__builtin_prefetch(desc_at(rxq, j), 0, 3);
		}

		rxm->rearm_data = rxq->mbuf_init; /* next: NULL already (free-mbuf invariant) */
		rxm->data_len = (uint16_t)len;
		if (first == NULL) {
			first = rxm;
			first->pkt_len = len;
		} else {
			first->pkt_len += len;
			first->nb_segs++;
			last->next = rxm;
		}
		if (!(qw1 & HM_I40E_RXD_EOF)) {
			last = rxm;
			continue;
		}
		fill_offloads(rxq, first, qw0, qw1);
		bytes += first->pkt_len;
		pkts[nb_rx++] = first;
		first = last = NULL;
	}
	rxq->pkt_first_seg = first;
	rxq->pkt_last_seg = last;
	rxq->rx_tail = rx_id;
	rxq->nb_rx_hold = next_tail_hold(rxq, rx_id, nb_hold);
	I40E_ST_ADD(rxq->st.bytes, bytes);
	I40E_ST_ADD(rxq->st.packets, nb_rx);
	return nb_rx;
}

/* ---- bulk-alloc path (rx_recv_pkts, i40e_rx_scan_hw_ring, i40e_rx_alloc_bufs) ---- */

/*
 * Scan up to 32 written-back descriptors from rx_tail, in groups of 8 (the
 * contiguous DD prefix only), staging good packets and collecting bad ones.
 * The scanned sw_ring slots become NULL; bit i of *@p dropped says whether
 * scanned descriptor i went to @p drop (else it is the next staged packet), so
 * a failed refill can put every mbuf back. *discard (in/out): skipping the
 * rest of a dropped frame; the caller commits it with the scan. The queue's
 * fields live in locals (the mbuf stores could alias the queue). @return
 * descriptors scanned.
 */
static inline __attribute__((always_inline)) unsigned int
scan_hw_ring(struct hm_i40e_rxq *rxq, struct hm_mbuf **stage, unsigned int *nb_good,
	     uint64_t *nb_bytes, uint32_t *dropped, struct hm_mbuf **drop, uint8_t *why,
	     unsigned int *nb_drop, uint8_t *discard, const unsigned int dshift)
{
	unsigned int nb_dd, nb_scan = 0, nb_stage = 0, nd = 0;
	const uint16_t tail = rxq->rx_tail;
	struct hm_mbuf **const rxep = &rxq->sw_ring[tail];
	const uint8_t *const d = desc_at(rxq, tail);
	const uint32_t buf_size = rxq->buf_size;
	const uint64_t init = rxq->mbuf_init;
	const uint32_t *const pt = rxq->ptype_tbl;
	uint32_t dmask = 0;
	uint64_t bytes = 0, okey = ~0ULL;
	const struct i40e_ol *o = i40e_ol_tbl;
	uint8_t disc = *discard;
	struct hm_mbuf *const *pfm;
	unsigned int pfi, nb_pf = 0;

	if (!(hm_i40e_rx_desc_qw1_load(d) & HM_I40E_RXD_DD))
		return 0;
	/* as the vector path does (i40e_rxtx_vec.h): this burst's descriptors,
	 * the next burst's descriptors and mbuf headers, the descriptors of the
	 * one after it, and the mbuf headers I40E_PF_MBUF_AHEAD descriptors
	 * ahead (pfm) a group at a time as the loop goes, the rest after it */
	i40e_prefetch_burst_part(rxq, tail, 0);
	i40e_prefetch_burst(rxq, tail + HM_I40E_RX_MAX_BURST);
	i40e_prefetch_burst_part(rxq, tail + 2 * HM_I40E_RX_MAX_BURST, 0);
	pfi = tail + I40E_PF_MBUF_AHEAD;
	while (pfi >= rxq->nb_desc) /* nb_desc >= 64: at most twice */
		pfi -= rxq->nb_desc;
	pfm = &rxq->sw_ring[pfi];
	for (unsigned int i = 0; i < HM_I40E_RX_MAX_BURST; i += HM_I40E_LOOK_AHEAD) {
		uint64_t qw1[HM_I40E_LOOK_AHEAD];

		for (unsigned int k = 0; k < HM_I40E_LOOK_AHEAD; k++)
			__builtin_prefetch(pfm[i + k], 1, 3);
		nb_pf = i + HM_I40E_LOOK_AHEAD;

		for (nb_dd = 0; nb_dd < HM_I40E_LOOK_AHEAD; nb_dd++) {
			qw1[nb_dd] = hm_i40e_rx_desc_qw1_load(d + ((size_t)(i + nb_dd) << dshift));
			if (!(qw1[nb_dd] & HM_I40E_RXD_DD))
				break;
		}
		for (unsigned int j = 0; j < nb_dd; j++) {
			struct hm_mbuf *m = rxep[i + j];
			const uint64_t q = qw1[j];
			const uint32_t len = hm_i40e_rxd_pbuf_len(q);

			/* the common case in one test: DD and EOF, no RXE, 0 < len <= buffer */
			if (HM_LIKELY(!disc &&
				      (q & (HM_I40E_RXD_EOF | HM_I40E_RXD_ERR_RXE)) == HM_I40E_RXD_EOF &&
				      len - 1u < buf_size)) {
				if (HM_UNLIKELY((q & I40E_OL_BITS) != okey)) {
					okey = q & I40E_OL_BITS;
					o = &i40e_ol_tbl[i40e_ol_index(q)];
				}
				i40e_fill_ol(m, init, pt,
					     hm_i40e_rx_desc_qw_get(d + ((size_t)(i + j) << dshift), 0),
					     q, len, o);
				stage[nb_stage++] = m;
				bytes += len;
				continue;
			}
			enum drop_reason bad = bad_desc_len(buf_size, q, len);

			if (disc) {
				/* the rest of a frame already counted as dropped */
				if (q & HM_I40E_RXD_EOF)
					disc = 0;
				bad = DROP_SKIP;
			} else if (bad != DROP_NONE && frame_goes_on(rxq, q, len)) {
				disc = 1;
			}
			/* bad != DROP_NONE here: what bad_desc passes passed the test above */
			why[nd] = (uint8_t)bad;
			drop[nd++] = m;
			dmask |= 1u << (i + j);
		}
		nb_scan += nb_dd;
		if (nb_dd != HM_I40E_LOOK_AHEAD)
			break;
	}
	for (unsigned int k = nb_pf; k < HM_I40E_RX_MAX_BURST; k++)
		__builtin_prefetch(pfm[k], 1, 3);
	for (unsigned int i = 0; i < nb_scan; i++)
		rxep[i] = NULL;
	*discard = disc;
	*nb_good = nb_stage;
	*nb_bytes = bytes;
	*nb_drop = nd;
	*dropped = dmask;
	return nb_scan;
}

/* Count the drops of a committed scan and return their mbufs. */
void
i40e_commit_drops(struct hm_i40e_rxq *rxq, struct hm_mbuf **drop, const uint8_t *why,
		  unsigned int nd)
{
	if (HM_LIKELY(nd == 0))
		return;
	for (unsigned int i = 0; i < nd; i++)
		i40e_count_drop(rxq, (enum drop_reason)why[i]);
	hm_mempool_put_bulk(rxq->mp, (void *const *)drop, nd);
}

/* dst[0..1] = src[1], src[0]: one load, one swap and one store with SSE2 (the
 * compiler turns two scalar stores into two inserts instead). */
static inline __attribute__((always_inline)) void
copy2_rev(struct hm_mbuf **dst, void *const *src)
{
#if defined(__SSE2__) && UINTPTR_MAX == UINT64_MAX
	_mm_storeu_si128((__m128i *)(void *)dst,
			 _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)src), 0x4e));
#else
	dst[0] = (struct hm_mbuf *)src[1];
	dst[1] = (struct hm_mbuf *)src[0];
#endif
}

/* Arm the descriptor at @p d with @p m (pkt_addr, hdr_addr 0: DD clear). On
 * x86-64 one 16-byte store, as the vector path does (the device owns the
 * descriptor only once the tail, a release store, passes it; little-endian). */
static inline __attribute__((always_inline)) void
arm_at(uint8_t *d, const struct hm_mbuf *m)
{
#if defined(__SSE2__) && UINTPTR_MAX == UINT64_MAX
	_mm_storeu_si128((__m128i *)(void *)d,
			 _mm_add_epi64(_mm_loadl_epi64((const __m128i *)(const void *)&m->buf_iova),
				       _mm_set_epi64x(0, HM_PKTMBUF_HEADROOM)));
#else
	hm_i40e_rx_desc_qw_set(d, 0, m->buf_iova + HM_PKTMBUF_HEADROOM);
	hm_i40e_rx_desc_qw_set(d, 1, 0);
#endif
}

/* i40e_alloc_bufs for @p dsz-byte descriptors (a constant: one copy per size,
 * the descriptor offsets immediates). */
static inline __attribute__((always_inline)) int
alloc_bufs(struct hm_i40e_rxq *rxq, const size_t dsz)
{
	const uint16_t thresh = rxq->rx_free_thresh;
	const uint16_t alloc_idx = (uint16_t)(rxq->rx_free_trigger - (thresh - 1));
	struct hm_mbuf **rxep = &rxq->sw_ring[alloc_idx];
	uint8_t *d = desc_at(rxq, alloc_idx);
	void *const *top = i40e_refill_take(rxq->mp, thresh);
	unsigned int i = 0;

	if (HM_LIKELY(top != NULL)) {
		/* straight off the pool's cache (the order get_bulk gives): each
		 * pointer loaded once for the descriptor, sw_ring written two at a
		 * time; four at a time (thresh is at least 32), then the rest */
		for (; i + 4 <= thresh; i += 4, d += 4 * dsz) {
			void *const *src = top - 4 - (ptrdiff_t)i;
			const struct hm_mbuf *const m0 = src[3], *const m1 = src[2];
			const struct hm_mbuf *const m2 = src[1], *const m3 = src[0];

			copy2_rev(rxep + i, src + 2);
			copy2_rev(rxep + i + 2, src);
			arm_at(d, m0);
			arm_at(d + dsz, m1);
			arm_at(d + 2 * dsz, m2);
			arm_at(d + 3 * dsz, m3);
		}
		for (; i < thresh; i++, d += dsz) {
			struct hm_mbuf *const m = (struct hm_mbuf *)top[-1 - (ptrdiff_t)i];

			rxep[i] = m;
			arm_at(d, m);
		}
	} else {
		/* the pool's general get: a cache refill, no lcore cache, a debug pool */
		if (HM_UNLIKELY(hm_mempool_get_bulk(rxq->mp, (void **)rxep, thresh) < 0)) {
			/* a failed get may have written part of the range */
			memset(rxep, 0, sizeof(*rxep) * thresh);
			return -ENOMEM;
		}
		for (; i < thresh; i++, d += dsz)
			arm_at(d, rxep[i]);
	}
	tail_write(rxq, rxq->rx_free_trigger);
	rxq->rx_free_trigger = (uint16_t)(rxq->rx_free_trigger + thresh);
	if (rxq->rx_free_trigger >= rxq->nb_desc)
		rxq->rx_free_trigger = (uint16_t)(thresh - 1);
	return 0;
}

int
i40e_alloc_bufs(struct hm_i40e_rxq *rxq)
{
	if (rxq->dshift == 5)
		return alloc_bufs(rxq, 32);
	return alloc_bufs(rxq, 16);
}

static inline uint16_t
stage_out(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	struct hm_mbuf **stage = &rxq->rx_stage[rxq->rx_next_avail];
	uint16_t k = n < rxq->rx_nb_avail ? n : rxq->rx_nb_avail;
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < k; i++) {
		pkts[i] = stage[i];
		bytes += stage[i]->pkt_len;
	}
	I40E_ST_ADD(rxq->st.bytes, bytes);
	rxq->rx_nb_avail = (uint16_t)(rxq->rx_nb_avail - k);
	rxq->rx_next_avail = (uint16_t)(rxq->rx_next_avail + k);
	I40E_ST_ADD(rxq->st.packets, k);
	return k;
}

/*
 * One scan: its packets go straight to the caller when it asked for a whole
 * scan's worth (n >= 32), else to rx_stage, handed out by this and the next
 * calls (stage_out).
 */
static uint16_t
rx_recv_pkts(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	struct hm_mbuf *drop[HM_I40E_RX_MAX_BURST];
	struct hm_mbuf **const out = n >= HM_I40E_RX_MAX_BURST ? pkts : rxq->rx_stage;
	uint8_t why[HM_I40E_RX_MAX_BURST];
	unsigned int nb_scan, nd, nb_good;
	uint32_t dropped;
	uint64_t bytes;
	uint8_t discard = rxq->discard; /* committed with the scan */
	uint16_t old_tail;

	if (rxq->rx_nb_avail > 0)
		return stage_out(rxq, pkts, n);
	old_tail = rxq->rx_tail;
	/* one copy of the scan per descriptor size: the offsets are immediates */
	if (rxq->dshift == 5)
		nb_scan = scan_hw_ring(rxq, out, &nb_good, &bytes, &dropped, drop, why, &nd,
				       &discard, 5);
	else
		nb_scan = scan_hw_ring(rxq, out, &nb_good, &bytes, &dropped, drop, why, &nd,
				       &discard, 4);
	if (nb_scan == 0)
		return 0;
	rxq->rx_tail = (uint16_t)(rxq->rx_tail + nb_scan);
	if (rxq->rx_tail > rxq->rx_free_trigger) {
		if (HM_UNLIKELY(i40e_alloc_bufs(rxq) < 0)) {
			/* un-stage: everything back where it was, packets stay on the ring */
			unsigned int r = 0, k = 0;

			I40E_ST_ADD(rxq->st.rx_nombuf, rxq->rx_free_thresh);
			rxq->rx_tail = old_tail;
			for (unsigned int i = 0; i < nb_scan; i++)
				rxq->sw_ring[old_tail + i] = (dropped >> i) & 1 ? drop[k++] : out[r++];
			return 0;
		}
	}
	i40e_commit_drops(rxq, drop, why, nd);
	rxq->discard = discard;
	if (rxq->rx_tail >= rxq->nb_desc)
		rxq->rx_tail = 0;
	if (out == pkts) {
		I40E_ST_ADD(rxq->st.bytes, bytes);
		I40E_ST_ADD(rxq->st.packets, nb_good);
		return (uint16_t)nb_good;
	}
	rxq->rx_nb_avail = (uint16_t)nb_good;
	rxq->rx_next_avail = 0;
	if (nb_good == 0)
		return 0;
	return stage_out(rxq, pkts, n);
}

uint16_t
hm_i40e_recv_pkts_bulk_alloc(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t nb_rx = 0;

	if (HM_UNLIKELY(rxq == NULL || pkts == NULL || !rxq->started ||
			rxq->path != HM_I40E_RX_BULK))
		return 0;
	while (nb_rx < n) {
		uint16_t want = (uint16_t)(n - nb_rx);
		if (want > HM_I40E_RX_MAX_BURST)
			want = HM_I40E_RX_MAX_BURST;
		uint16_t got = rx_recv_pkts(rxq, pkts + nb_rx, want);
		nb_rx = (uint16_t)(nb_rx + got);
		if (got < want)
			break;
	}
	return nb_rx;
}

uint16_t
hm_i40e_rx_burst(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	if (HM_UNLIKELY(rxq == NULL))
		return 0;
	switch (rxq->path) {
	case HM_I40E_RX_BULK:
		return hm_i40e_recv_pkts_bulk_alloc(rxq, pkts, n);
	case HM_I40E_RX_SCATTERED:
		return hm_i40e_recv_scattered_pkts(rxq, pkts, n);
	case HM_I40E_RX_VECTOR:
		return hm_i40e_recv_pkts_vec(rxq, pkts, n);
	default:
		return hm_i40e_recv_pkts(rxq, pkts, n);
	}
}

/* ---- setup, start, stop, release ---- */

void
hm_i40e_rxq_conf_init(struct hm_i40e_rxq_conf *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->nb_desc = 1024;
	c->rx_free_thresh = HM_I40E_DEFAULT_RX_FREE_THRESH;
	c->path = HM_I40E_RX_AUTO;
	c->desc_size = 32;
}

static bool
bulk_ok(unsigned int nb_desc, unsigned int thresh)
{
	return thresh >= HM_I40E_RX_MAX_BURST && thresh < nb_desc && nb_desc % thresh == 0;
}

static int
mem_node(const void *va)
{
	const struct hm_memseg *ms = hm_mem_virt2memseg(va, NULL);
	return ms != NULL ? ms->socket_id : -1;
}

struct hm_i40e_rxq *
hm_i40e_rxq_setup(struct hm_nic *nic, unsigned int queue, struct hm_mempool *mp,
		  const struct hm_i40e_rxq_conf *c)
{
	unsigned int data_room, buf_size, max_pkt, dshift, nq, ring_size;
	enum hm_i40e_vec_isa isa = HM_I40E_VEC_AUTO;
	enum hm_i40e_rx_path path;
	struct hm_i40e_rxq *rxq;
	char name[HM_MEMZONE_NAMESIZE];
	int node;

	if (nic == NULL || mp == NULL || c == NULL)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: NULL device, pool or configuration");
	nq = (unsigned int)hm_nic_nb_queues(nic);
	if (queue >= nq)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: queue %u, the device has %u", queue, nq);
	if (c->nb_desc < HM_I40E_MIN_RING_DESC || c->nb_desc > HM_I40E_MAX_RING_DESC ||
	    c->nb_desc % HM_I40E_ALIGN_RING_DESC != 0)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: nb_desc %u is not a multiple of %u in "
				   "%u..%u", c->nb_desc, HM_I40E_ALIGN_RING_DESC,
				   HM_I40E_MIN_RING_DESC, HM_I40E_MAX_RING_DESC);
	/* The tail moves once more than rx_free_thresh descriptors are held, and
	 * the device starts with nb_desc - 1: at nb_desc - 1 (which DPDK accepts)
	 * the queue stalls for good after one ring of packets. */
	if (c->rx_free_thresh == 0 || c->rx_free_thresh > c->nb_desc - 2)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: rx_free_thresh %u outside 1..%u "
				   "(nb_desc - 2: the tail moves only once more than rx_free_thresh "
				   "descriptors are held)", c->rx_free_thresh, c->nb_desc - 2);
	if (c->desc_size != 32 && c->desc_size != 16)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: descriptor size %u (16 or 32)",
				   c->desc_size);
	/* above the hardware's 9728 only on a device made for large frames (replays) */
	unsigned int pkt_max = (unsigned int)hm_nic_max_frame(nic) > HM_I40E_FRAME_SIZE_MAX
				       ? (unsigned int)hm_nic_max_frame(nic)
				       : HM_I40E_FRAME_SIZE_MAX;
	if (c->max_pkt_len != 0 && (c->max_pkt_len < 64 || c->max_pkt_len > pkt_max))
		return hm_fail_ptr(EINVAL, "i40e rxq setup: max_pkt_len %u outside 64..%u",
				   c->max_pkt_len, pkt_max);
	if ((unsigned int)c->path > HM_I40E_RX_VECTOR)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: unknown RX path %d", (int)c->path);
	if ((unsigned int)c->vec_isa > HM_I40E_VEC_AVX2)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: unknown vector instruction set %d",
				   (int)c->vec_isa);
	data_room = hm_pktmbuf_data_room_size(mp);
	if (data_room < HM_PKTMBUF_HEADROOM + 128)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: pool %p is not a pktmbuf pool with a "
				   "data room of at least %u bytes (has %u)", (void *)mp,
				   HM_PKTMBUF_HEADROOM + 128, data_room);
	buf_size = (data_room - HM_PKTMBUF_HEADROOM) & ~(HM_NIC_BUF_UNIT - 1);
	if (buf_size > HM_NIC_BUF_MAX)
		buf_size = HM_NIC_BUF_MAX;
	max_pkt = c->max_pkt_len != 0 ? c->max_pkt_len : buf_size;
	if (max_pkt > HM_NIC_CHAIN_MAX * buf_size)
		max_pkt = HM_NIC_CHAIN_MAX * buf_size;
	path = c->path;
	if (path == HM_I40E_RX_AUTO)
		path = max_pkt > buf_size ? HM_I40E_RX_SCATTERED
		       : bulk_ok(c->nb_desc, c->rx_free_thresh) ? HM_I40E_RX_BULK
								 : HM_I40E_RX_SCALAR;
	if (path != HM_I40E_RX_SCATTERED && max_pkt > buf_size)
		return hm_fail_ptr(EINVAL, "i40e rxq setup: max_pkt_len %u needs the scattered path "
				   "(buffers of %u bytes)", max_pkt, buf_size);
	if ((path == HM_I40E_RX_BULK || path == HM_I40E_RX_VECTOR) &&
	    !bulk_ok(c->nb_desc, c->rx_free_thresh))
		return hm_fail_ptr(EINVAL, "i40e rxq setup: %s path needs rx_free_thresh >= %u, "
				   "< nb_desc and dividing nb_desc (%u, %u)",
				   path == HM_I40E_RX_BULK ? "bulk" : "vector", HM_I40E_RX_MAX_BURST,
				   c->rx_free_thresh, c->nb_desc);
	if (path == HM_I40E_RX_VECTOR) {
		isa = i40e_vec_isa_pick(c->vec_isa);
		if (isa == HM_I40E_VEC_AUTO)
			return hm_fail_ptr(ENOTSUP, "i40e rxq setup: the vector path needs %s, which "
					   "this CPU or build lacks", c->vec_isa == HM_I40E_VEC_AVX2
					   ? "AVX2" : "SSE4.2 (x86)");
	}
	node = hm_nic_numa_node(nic);
	dshift = c->desc_size == 32 ? 5 : 4;

	rxq = hm_zmalloc_socket("i40e_rxq", sizeof(*rxq), HM_CACHE_LINE_SIZE, node);
	if (rxq == NULL)
		return hm_fail_ptr(ENOMEM, "i40e rxq setup: no memory for the queue on node %d",
				   node);
	rxq->sw_ring = hm_zmalloc_socket("i40e_sw_ring",
					 sizeof(struct hm_mbuf *) * (c->nb_desc + HM_I40E_RX_MAX_BURST),
					 HM_CACHE_LINE_SIZE, node);
	if (rxq->sw_ring == NULL) {
		hm_free(rxq);
		return hm_fail_ptr(ENOMEM, "i40e rxq setup: no memory for the software ring on "
				   "node %d", node);
	}
	ring_size = ((HM_I40E_MAX_RING_DESC + HM_I40E_RX_MAX_BURST) << dshift);
	ring_size = (ring_size + HM_I40E_DMA_MEM_ALIGN - 1) & ~(HM_I40E_DMA_MEM_ALIGN - 1);
	snprintf(name, sizeof(name), "eth_p%u_q%u_rx_ring", c->port, queue);
	rxq->mz = hm_memzone_reserve_aligned(name, ring_size, node, HM_MEMZONE_IOVA_CONTIG,
					     HM_I40E_RING_BASE_ALIGN);
	if (rxq->mz == NULL) {
		int err = hm_errno;
		hm_free(rxq->sw_ring);
		hm_free(rxq);
		return hm_fail_ptr(err, "i40e rxq setup: descriptor ring %s (%u bytes on node %d): %s",
				   name, ring_size, node, hm_strerror(err));
	}
	memset(rxq->mz->addr, 0, ring_size);
	rxq->ring = rxq->mz->addr;
	rxq->mp = mp;
	rxq->nic = nic;
	rxq->queue = queue;
	rxq->node = node;
	rxq->nb_desc = (uint16_t)c->nb_desc;
	rxq->rx_free_thresh = (uint16_t)c->rx_free_thresh;
	rxq->port = c->port;
	rxq->dshift = (uint8_t)dshift;
	rxq->path = (uint8_t)path;
	rxq->vec_isa = (uint8_t)isa;
	rxq->buf_size = buf_size;
	rxq->max_pkt_len = max_pkt;
	memcpy(rxq->ptype_tbl, i40e_ptype_tbl, sizeof(rxq->ptype_tbl));
	rxq->tail_reg = hm_nic_tail_reg(nic, queue);
	{
		struct hm_mbuf t;
		t.data_off = HM_PKTMBUF_HEADROOM;
		t.refcnt = 1;
		t.nb_segs = 1;
		t.port = c->port;
		rxq->mbuf_init = t.rearm_data;
	}
	for (unsigned int i = 0; i < HM_I40E_RX_MAX_BURST; i++)
		rxq->sw_ring[rxq->nb_desc + i] = &rxq->fake_mbuf;
	return rxq;
}

/* Reset the software state (i40e_reset_rx_queue); the ring is zeroed. */
static void
reset_queue(struct hm_i40e_rxq *rxq)
{
	memset(rxq->ring, 0, (size_t)(rxq->nb_desc + HM_I40E_RX_MAX_BURST) << rxq->dshift);
	rxq->rx_nb_avail = 0;
	rxq->rx_next_avail = 0;
	rxq->rx_free_trigger = (uint16_t)(rxq->rx_free_thresh - 1);
	rxq->rx_tail = 0;
	rxq->nb_rx_hold = 0;
	rxq->pkt_first_seg = NULL;
	rxq->pkt_last_seg = NULL;
	rxq->discard = 0;
}

/* Give back every mbuf the queue holds. */
static void
release_mbufs(struct hm_i40e_rxq *rxq)
{
	for (unsigned int i = 0; i < rxq->nb_desc; i++) {
		if (rxq->sw_ring[i] != NULL) {
			hm_mbuf_raw_free(rxq->sw_ring[i]);
			rxq->sw_ring[i] = NULL;
		}
	}
	for (unsigned int i = 0; i < rxq->rx_nb_avail; i++)
		hm_pktmbuf_free(rxq->rx_stage[rxq->rx_next_avail + i]);
	rxq->rx_nb_avail = 0;
	drop_chain(rxq);
}

int
hm_i40e_rxq_start(struct hm_i40e_rxq *rxq)
{
	struct hm_nic_queue_conf qc;
	int rc;

	if (rxq == NULL)
		return hm_fail(EINVAL, "i40e rxq start: NULL queue");
	if (rxq->started)
		return hm_fail(EALREADY, "i40e rxq start: queue %u already started", rxq->queue);
	reset_queue(rxq);
	qc.ring_iova = rxq->mz->iova;
	qc.nb_desc = rxq->nb_desc;
	qc.buf_size = rxq->buf_size;
	qc.desc_size = 1u << rxq->dshift;
	rc = hm_nic_queue_setup(rxq->nic, rxq->queue, &qc);
	if (rc < 0)
		return hm_fail(-rc, "i40e rxq start: the NIC refused queue %u: %s", rxq->queue,
			       hm_strerror(-rc));
	if (hm_mempool_get_bulk(rxq->mp, (void **)rxq->sw_ring, rxq->nb_desc) < 0) {
		memset(rxq->sw_ring, 0, sizeof(*rxq->sw_ring) * rxq->nb_desc);
		I40E_ST_ADD(rxq->st.rx_nombuf, rxq->nb_desc);
		hm_nic_queue_release(rxq->nic, rxq->queue);
		return hm_fail(ENOMEM, "i40e rxq start: pool has fewer than %u mbufs to arm queue %u "
			       "(size the pool for every ring plus bursts in flight)",
			       rxq->nb_desc, rxq->queue);
	}
	for (unsigned int i = 0; i < rxq->nb_desc; i++) {
		struct hm_mbuf *m = rxq->sw_ring[i];
		m->rearm_data = rxq->mbuf_init;
		m->next = NULL;
		arm(rxq, i, m);
	}
	rxq->started = 1;
	tail_write(rxq, (uint32_t)rxq->nb_desc - 1);
	return 0;
}

int
hm_i40e_rxq_stop(struct hm_i40e_rxq *rxq)
{
	int rc;

	if (rxq == NULL)
		return hm_fail(EINVAL, "i40e rxq stop: NULL queue");
	if (!rxq->started)
		return 0;
	rc = hm_nic_queue_release(rxq->nic, rxq->queue);
	if (rc == -EBUSY)
		return hm_fail(EBUSY, "i40e rxq stop: the device thread is running (hm_nic_stop "
			       "first)");
	release_mbufs(rxq);
	reset_queue(rxq);
	rxq->started = 0;
	return 0;
}

void
hm_i40e_rxq_release(struct hm_i40e_rxq *rxq)
{
	if (rxq == NULL)
		return;
	if (rxq->started && hm_i40e_rxq_stop(rxq) < 0) {
		/* the device still DMAs into the ring: keep the memory, free the mbufs */
		release_mbufs(rxq);
		rxq->started = 0;
		HM_LOG(WARNING, "i40e rxq release: queue %u released while the device runs; "
		       "its ring is kept", rxq->queue);
		return;
	}
	hm_memzone_free(rxq->mz);
	hm_free(rxq->sw_ring);
	hm_free(rxq);
}

/* ---- observability ---- */

int
hm_i40e_rxq_stats_get(const struct hm_i40e_rxq *rxq, struct hm_i40e_rxq_stats *st)
{
	if (rxq == NULL || st == NULL)
		return hm_fail(EINVAL, "i40e rxq stats: NULL argument");
	st->packets = I40E_ST_GET(rxq->st.packets);
	st->bytes = I40E_ST_GET(rxq->st.bytes);
	st->rx_nombuf = I40E_ST_GET(rxq->st.rx_nombuf);
	st->rx_errors = I40E_ST_GET(rxq->st.rx_errors);
	st->rx_bad_len = I40E_ST_GET(rxq->st.rx_bad_len);
	st->rx_no_eof = I40E_ST_GET(rxq->st.rx_no_eof);
	st->tail_writes = I40E_ST_GET(rxq->st.tail_writes);
	return 0;
}

static unsigned int
held_count(const struct hm_i40e_rxq *rxq)
{
	unsigned int n = rxq->rx_nb_avail;

	for (unsigned int i = 0; i < rxq->nb_desc; i++)
		n += rxq->sw_ring[i] != NULL;
	for (const struct hm_mbuf *m = rxq->pkt_first_seg; m != NULL; m = m->next)
		n++;
	return n;
}

int
hm_i40e_rxq_info_get(const struct hm_i40e_rxq *rxq, struct hm_i40e_rxq_info *info)
{
	if (rxq == NULL || info == NULL)
		return hm_fail(EINVAL, "i40e rxq info: NULL argument");
	memset(info, 0, sizeof(*info));
	info->path = (enum hm_i40e_rx_path)rxq->path;
	info->vec_isa = (enum hm_i40e_vec_isa)rxq->vec_isa;
	info->nb_desc = rxq->nb_desc;
	info->rx_free_thresh = rxq->rx_free_thresh;
	info->buf_size = rxq->buf_size;
	info->max_pkt_len = rxq->max_pkt_len;
	info->desc_size = 1u << rxq->dshift;
	info->started = rxq->started != 0;
	info->held = held_count(rxq);
	info->ring_mz = rxq->mz;
	info->ring_node = mem_node(rxq->ring);
	info->queue_node = mem_node(rxq);
	info->sw_ring_node = mem_node(rxq->sw_ring);
	return 0;
}

static const char *const path_names[] = {
	[HM_I40E_RX_AUTO] = "auto",
	[HM_I40E_RX_SCALAR] = "scalar",
	[HM_I40E_RX_BULK] = "bulk",
	[HM_I40E_RX_SCATTERED] = "scattered",
	[HM_I40E_RX_VECTOR] = "vector",
};

const char *
hm_i40e_rx_path_name(enum hm_i40e_rx_path p)
{
	if ((unsigned int)p > HM_I40E_RX_VECTOR)
		return NULL;
	return path_names[p];
}

const char *
hm_i40e_vec_isa_name(enum hm_i40e_vec_isa isa)
{
	static const char *const names[] = {
		[HM_I40E_VEC_AUTO] = "auto",
		[HM_I40E_VEC_SSE42] = "sse4.2",
		[HM_I40E_VEC_AVX2] = "avx2",
	};

	if ((unsigned int)isa > HM_I40E_VEC_AVX2)
		return NULL;
	return names[isa];
}

int
hm_i40e_rx_path_parse(const char *s, enum hm_i40e_rx_path *p)
{
	if (s == NULL || p == NULL)
		return hm_fail(EINVAL, "i40e rx path: NULL argument");
	for (unsigned int i = 0; i <= HM_I40E_RX_VECTOR; i++)
		if (strcmp(s, path_names[i]) == 0) {
			*p = (enum hm_i40e_rx_path)i;
			return 0;
		}
	return hm_fail(EINVAL, "i40e rx path: '%s' is not auto, scalar, bulk, scattered or vector",
		       s);
}

#define CHECK(cond, why)                 \
	do {                             \
		if (!(cond)) {           \
			*reason = (why); \
			return -EFAULT;  \
		}                        \
	} while (0)

int
hm_i40e_rxq_check(const struct hm_i40e_rxq *rxq, const char **reason)
{
	const char *dummy;

	if (reason == NULL)
		reason = &dummy;
	*reason = NULL;
	if (rxq == NULL)
		return hm_fail(EINVAL, "i40e rxq check: NULL queue");
	CHECK(rxq->path != HM_I40E_RX_AUTO && rxq->path <= HM_I40E_RX_VECTOR, "bad path");
	CHECK((rxq->path == HM_I40E_RX_VECTOR) == (rxq->vec_isa != HM_I40E_VEC_AUTO),
	      "vector instruction set without the vector path, or none with it");
	CHECK(rxq->rx_free_thresh > 0 && rxq->rx_free_thresh < rxq->nb_desc, "bad rx_free_thresh");
	for (unsigned int i = 0; i < HM_I40E_RX_MAX_BURST; i++) {
		const uint8_t *d = desc_at(rxq, rxq->nb_desc + i);
		CHECK(rxq->sw_ring[rxq->nb_desc + i] == &rxq->fake_mbuf,
		      "a spare sw_ring slot does not point at the fake mbuf");
		CHECK(hm_i40e_rx_desc_qw_get(d, 0) == 0 && hm_i40e_rx_desc_qw_get(d, 1) == 0,
		      "a spare descriptor is not zero");
	}
	if (!rxq->started) {
		CHECK(held_count(rxq) == 0, "a stopped queue holds mbufs");
		return 0;
	}
	CHECK(rxq->rx_tail < rxq->nb_desc, "rx_tail outside the ring");
	CHECK(rxq->tail_written < rxq->nb_desc, "tail register outside the ring");
	CHECK(__atomic_load_n(rxq->tail_reg, __ATOMIC_RELAXED) == rxq->tail_written,
	      "the NIC's tail register differs from the last value written");
	CHECK(rxq->tail_written != rxq->rx_tail,
	      "tail register equals the next descriptor software examines");
	CHECK(rxq->rx_nb_avail + rxq->rx_next_avail <= STAGE_MAX, "stage overflow");
	CHECK((rxq->pkt_first_seg == NULL) == (rxq->pkt_last_seg == NULL),
	      "partial chain pointers disagree");
	CHECK(rxq->discard == 0 || rxq->pkt_first_seg == NULL,
	      "discarding the rest of a frame while assembling one");
	if (rxq->path == HM_I40E_RX_VECTOR)
		CHECK(rxq->rx_nb_avail == 0, "the vector path staged packets");
	if (rxq->path == HM_I40E_RX_BULK || rxq->path == HM_I40E_RX_VECTOR) {
		CHECK(rxq->rx_free_trigger < rxq->nb_desc &&
		      (rxq->rx_free_trigger + 1u) % rxq->rx_free_thresh == 0,
		      "refill trigger not at the end of a refill block");
		/* tail = the trigger of the last refill (nb_desc - 1 after start) */
		CHECK(rxq->tail_written == ((uint32_t)rxq->rx_free_trigger + rxq->nb_desc -
					    rxq->rx_free_thresh) % rxq->nb_desc,
		      "bulk tail is not the last refilled descriptor");
	} else {
		CHECK(rxq->nb_rx_hold <= rxq->rx_free_thresh, "more descriptors held than the threshold");
	}
	for (unsigned int i = 0; i < rxq->nb_desc; i++) {
		const struct hm_mbuf *m = rxq->sw_ring[i];
		const uint8_t *d = desc_at(rxq, i);

		if (m == NULL) {
			CHECK(rxq->path == HM_I40E_RX_BULK || rxq->path == HM_I40E_RX_VECTOR,
			      "an empty sw_ring slot outside the bulk and vector paths");
			continue;
		}
		CHECK(m->pool == rxq->mp, "an armed mbuf from another pool");
		if (hm_i40e_rx_desc_qw1_load(d) & HM_I40E_RXD_DD)
			continue;
		CHECK(hm_i40e_rx_desc_qw_get(d, 0) == m->buf_iova + HM_PKTMBUF_HEADROOM,
		      "an armed descriptor's address is not its mbuf's data IOVA");
	}
	return 0;
}

/* ---- descriptor status (rte_eth_rx_queue_count, rte_eth_rx_descriptor_status) ---- */

int
hm_i40e_rx_queue_count(const struct hm_i40e_rxq *rxq)
{
	unsigned int n = 0, i;

	if (rxq == NULL)
		return hm_fail(EINVAL, "i40e rx queue count: NULL queue");
	if (!rxq->started)
		return 0;
	/* every descriptor from rx_tail on that the device wrote back (DPDK counts in
	 * steps of 4 and may overshoot by 3) */
	for (i = rxq->rx_tail; n < rxq->nb_desc; n++) {
		if (!(hm_i40e_rx_desc_qw1_load(desc_at(rxq, i)) & HM_I40E_RXD_DD))
			break;
		i = next_slot(rxq, (uint16_t)i);
	}
	return (int)n;
}

int
hm_i40e_rx_desc_status(const struct hm_i40e_rxq *rxq, uint16_t offset)
{
	unsigned int held;

	if (rxq == NULL || offset >= rxq->nb_desc)
		return hm_fail(EINVAL, "i40e rx descriptor status: NULL queue or offset %u beyond "
			       "the ring", offset);
	if (!rxq->started)
		return hm_fail(ENODEV, "i40e rx descriptor status: queue %u is stopped", rxq->queue);
	/* processed by the driver, not yet given back to the device */
	held = (rxq->rx_tail + rxq->nb_desc - rxq->tail_written - 1u) % rxq->nb_desc;
	if (offset >= rxq->nb_desc - held)
		return HM_I40E_RX_DESC_UNAVAIL;
	if (hm_i40e_rx_desc_qw1_load(desc_at(rxq, (rxq->rx_tail + offset) % rxq->nb_desc)) &
	    HM_I40E_RXD_DD)
		return HM_I40E_RX_DESC_DONE;
	return HM_I40E_RX_DESC_AVAIL;
}
