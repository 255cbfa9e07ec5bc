/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to sim/i40e: the RX queue (its fields are read by every receive
 * path), the descriptor helpers and drop rules the paths share, and the entry
 * points of the vector path's instruction-set variants (i40e_rxtx_vec_*.c).
 */
#ifndef HUGEMEM_SIM_I40E_I_H
#define HUGEMEM_SIM_I40E_I_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common_i.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/mbuf.h"
#include "hugemem/sim/i40e_desc.h"

#define STAGE_MAX (2 * HM_I40E_RX_MAX_BURST)

/* A queue's counters have one writer (the thread polling it) and are read by
 * others (rte_eth_stats_get, telemetry) while it runs: relaxed atomic loads and
 * stores, plain moves on x86-64 (no read-modify-write instruction). */
#define I40E_ST_ADD(field, v)                                                              \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v),      \
			 __ATOMIC_RELAXED)
#define I40E_ST_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

struct hm_i40e_rxq {
	/* hot: read on every burst */
	uint8_t *ring;                /* descriptor ring VA (nb_desc + 32 slots) */
	struct hm_mbuf **sw_ring;     /* nb_desc + 32 entries */
	struct hm_mempool *mp;        /* the pool refills come from */
	uint32_t *tail_reg;           /* NIC tail register of this queue */
	uint64_t mbuf_init;           /* rearm_data of a fresh mbuf: data_off 128, refcnt 1, nb_segs 1, port */
	uint16_t nb_desc;             /* descriptors in use */
	uint16_t rx_tail;             /* next descriptor to examine, < nb_desc */
	uint16_t nb_rx_hold;          /* scalar/scattered: processed, not yet given back */
	uint16_t rx_free_thresh;      /* descriptors */
	uint16_t rx_free_trigger;     /* bulk, vector: refill when rx_tail passes this */
	uint16_t rx_nb_avail;         /* bulk: staged packets left (vector: always 0) */
	uint16_t rx_next_avail;       /* bulk: index of the next staged packet */
	uint16_t port;
	uint8_t dshift;               /* log2 of the descriptor size */
	uint8_t started;              /* 1 between start and stop */
	uint8_t path;                 /* enum hm_i40e_rx_path, never AUTO */
	uint8_t discard;              /* 1 while skipping the rest of a dropped frame, up
	                               * to and including its EOF descriptor */
	uint8_t vec_isa;              /* vector path: enum hm_i40e_vec_isa in use (never AUTO) */
	uint32_t buf_size;            /* bytes per buffer */
	uint32_t max_pkt_len;         /* bytes; > buf_size only on the scattered path */
	uint32_t tail_written;        /* last value written to the tail register */
	struct hm_mbuf *pkt_first_seg; /* scattered: the chain being assembled, or NULL */
	struct hm_mbuf *pkt_last_seg;
	struct hm_i40e_rxq_stats st;
	struct hm_mbuf *rx_stage[STAGE_MAX]; /* bulk: scanned packets */
	/* cold */
	struct hm_nic *nic;
	unsigned int queue;
	const struct hm_memzone *mz;  /* the ring */
	int node;                     /* the NIC's node */
	struct hm_mbuf fake_mbuf;     /* what the spare sw_ring slots point at */
	/* descriptor ptype -> mbuf packet_type: a copy, not a pointer to the library's
	 * table (the queue is shared memory; a secondary's library sits elsewhere) */
	uint32_t ptype_tbl[256];
};

/* ---- descriptor helpers ---- */

static inline uint8_t *
desc_at(const struct hm_i40e_rxq *rxq, unsigned int i)
{
	return rxq->ring + ((size_t)i << rxq->dshift);
}

static inline void
tail_write(struct hm_i40e_rxq *rxq, uint32_t t)
{
	rxq->tail_written = t;
	I40E_ST_ADD(rxq->st.tail_writes, 1);
	hm_nic_tail_write(rxq->tail_reg, t);
}

/* Arm slot @p i with @p m (hdr_addr 0 clears DD). */
static inline void
arm(struct hm_i40e_rxq *rxq, unsigned int i, struct hm_mbuf *m)
{
	uint8_t *d = desc_at(rxq, i);

	hm_i40e_rx_desc_qw_set(d, 0, m->buf_iova + HM_PKTMBUF_HEADROOM);
	hm_i40e_rx_desc_qw_set(d, 1, 0);
}

/*
 * Refills of the bulk and vector paths: take @p n mbufs straight off the
 * calling lcore's cache in @p mp when it holds them, without the copy
 * hm_mempool_get_bulk makes. @return the cache stack's old top: the k-th mbuf
 * is top[-1 - k] (the order hm_mempool_get_bulk would give, the stack's top
 * first; cache->len is already lowered), or NULL when the caller must go
 * through hm_mempool_get_bulk: no fast cache (no lcore id, a debug pool: its
 * cookie checks stay), or fewer than @p n mbufs in it (the pool refills its
 * cache there). The pointers stay valid until the next get or put on this
 * lcore's cache: the caller copies them out first.
 */
static inline void *const *
i40e_refill_take(struct hm_mempool *mp, unsigned int n)
{
	struct hm_mempool_cache *cache = hm_mempool__fast_cache(mp);
	unsigned int len;

	if (HM_UNLIKELY(cache == NULL || n > cache->len))
		return NULL;
	len = cache->len;
	cache->len = len - n;
	return (void *const *)&cache->objs[len];
}

/* Why a written-back descriptor is dropped (single-buffer paths). */
enum drop_reason {
	DROP_NONE = 0,
	DROP_ERROR,   /* RXE */
	DROP_LEN,     /* length 0 or above the buffer */
	DROP_NO_EOF,  /* EOF missing */
	DROP_SKIP,    /* the rest of a frame already dropped and counted */
};

/* bad_desc with the buffer size in a local (the hot loops keep the queue's
 * fields in registers). */
static inline enum drop_reason
bad_desc_len(uint32_t buf_size, uint64_t qw1, uint32_t len)
{
	if (HM_UNLIKELY(qw1 & HM_I40E_RXD_ERR_RXE))
		return DROP_ERROR;
	if (HM_UNLIKELY(len == 0 || len > buf_size))
		return DROP_LEN;
	if (HM_UNLIKELY(!(qw1 & HM_I40E_RXD_EOF)))
		/* a full buffer without EOF: the device chained a frame longer
		 * than one buffer; a short one: EOF is missing */
		return len == buf_size ? DROP_LEN : DROP_NO_EOF;
	return DROP_NONE;
}

static inline enum drop_reason
bad_desc(const struct hm_i40e_rxq *rxq, uint64_t qw1, uint32_t len)
{
	return bad_desc_len(rxq->buf_size, qw1, len);
}

/*
 * 1 when a dropped descriptor is not its frame's last: no EOF, and the buffer
 * is full or errored (a short buffer without EOF ended its frame). The frame's
 * following descriptors, up to EOF, must then be skipped, not delivered.
 */
static inline int
frame_goes_on(const struct hm_i40e_rxq *rxq, uint64_t qw1, uint32_t len)
{
	return !(qw1 & HM_I40E_RXD_EOF) && (len == rxq->buf_size || (qw1 & HM_I40E_RXD_ERR_RXE));
}

/*
 * ol_flags of a single-buffer packet from its descriptor's qw1, looked up by
 * i40e_ol_index: index bits 0 L2TAG1P, 1 L3L4P, 2-3 FLTSTAT (RSS valid when
 * both are set), 4 IPE, 5 L4E, 6 EIPE. With L3L4P a checksum is bad when its
 * error bit is set and good otherwise; the other error bits change nothing
 * (fill_offloads' rules in i40e_rxtx.c).
 */
#define I40E_OLF(i)                                                                        \
	((((i) & 1) ? HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED : 0) |               \
	 (((i) & 2) ? (((i) & 16) ? HM_MBUF_F_RX_IP_CKSUM_BAD : HM_MBUF_F_RX_IP_CKSUM_GOOD) | \
			      (((i) & 32) ? HM_MBUF_F_RX_L4_CKSUM_BAD                     \
					  : HM_MBUF_F_RX_L4_CKSUM_GOOD) |                 \
			      (((i) & 64) ? HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD : 0)          \
		    : 0) |                                                                \
	 ((((i) & 12) == 12) ? HM_MBUF_F_RX_RSS_HASH : 0))
/* What i40e_fill keeps of qw0 at offset 40 of the mbuf: the RSS hash (as
 * hash.rss), and l2tag1 (as vlan_tci) when the tag was stripped. */
#define I40E_KEEP(i) (I40E_RSS_BITS | (((i) & 1) ? I40E_VLAN_BITS : 0))
struct i40e_ol {
	uint64_t ol_flags;
	uint64_t keep;
};
HM_INTERNAL extern const struct i40e_ol i40e_ol_tbl[128];

static inline unsigned int
i40e_ol_index(uint64_t qw1)
{
	return (unsigned int)(((qw1 >> HM_I40E_RXD_STATUS_L2TAG1P_S) & 3) |
			      ((qw1 >> (HM_I40E_RXD_STATUS_FLTSTAT_S - 2)) & 0xC) |
			      ((qw1 >> (HM_I40E_RXD_ERROR_S + 3 - 4)) & 0x70));
}

#define I40E_RSS_BITS 0xFFFFFFFF00000000ULL  /* qw0's RSS hash, where hash.rss lands */
#define I40E_VLAN_BITS 0x00000000FFFF0000ULL /* qw0's l2tag1, where vlan_tci lands */

_Static_assert(HM_I40E_RXD_L3L4P == HM_I40E_RXD_L2TAG1P << 1 &&
		       HM_I40E_RXD_ERR_L4E == HM_I40E_RXD_ERR_IPE << 1 &&
		       HM_I40E_RXD_ERR_EIPE == HM_I40E_RXD_ERR_IPE << 2 &&
		       HM_I40E_RXD_FLTSTAT_MASK == 3ULL << HM_I40E_RXD_STATUS_FLTSTAT_S,
	       "i40e_ol_index takes three runs of adjacent bits");

/*
 * The fields of a received single-buffer packet of @p len bytes, all in the
 * mbuf's first line: rearm_data (@p init), ol_flags (i40e_ol_tbl), and from
 * offset 32 packet_type, pkt_len, data_len, vlan_tci (the stripped tag, else
 * 0) and hash.rss (qw0's high word, written whether or not RSS_HASH says it
 * is valid, as DPDK's vector paths do): four 8-byte stores, no branch. next
 * is NULL already (the free-mbuf invariant).
 */
static inline __attribute__((always_inline)) void
i40e_fill_ol(struct hm_mbuf *m, uint64_t init, const uint32_t *ptype_tbl, uint64_t qw0,
	     uint64_t qw1, uint32_t len, const struct i40e_ol *o)
{
	const uint32_t pt = ptype_tbl[hm_i40e_rxd_ptype(qw1)];

	m->rearm_data = init;
	m->ol_flags = o->ol_flags;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		const uint64_t w32 = pt | (uint64_t)len << 32;
		const uint64_t w40 = len | (qw0 & o->keep);

		memcpy(&m->packet_type, &w32, sizeof(w32));
		memcpy(&m->data_len, &w40, sizeof(w40));
	}
#else
	m->packet_type = pt;
	m->pkt_len = len;
	m->data_len = (uint16_t)len;
	m->vlan_tci = (uint16_t)((qw0 & o->keep) >> 16);
	m->hash.rss = (uint32_t)(qw0 >> 32);
#endif
}

static inline __attribute__((always_inline)) void
i40e_fill(struct hm_mbuf *m, uint64_t init, const uint32_t *ptype_tbl, uint64_t qw0,
	  uint64_t qw1, uint32_t len)
{
	i40e_fill_ol(m, init, ptype_tbl, qw0, qw1, len, &i40e_ol_tbl[i40e_ol_index(qw1)]);
}

/* The qw1 bits i40e_ol_index reads: a loop keeps the entry of the last
 * descriptor and looks up again only when they change (traffic of one kind
 * has the same ones packet after packet). */
#define I40E_OL_BITS                                                                      \
	(HM_I40E_RXD_L2TAG1P | HM_I40E_RXD_L3L4P | HM_I40E_RXD_FLTSTAT_MASK |                \
	 HM_I40E_RXD_ERR_IPE | HM_I40E_RXD_ERR_L4E | HM_I40E_RXD_ERR_EIPE)

_Static_assert(offsetof(struct hm_mbuf, pkt_len) == offsetof(struct hm_mbuf, packet_type) + 4 &&
		       offsetof(struct hm_mbuf, data_len) == offsetof(struct hm_mbuf, packet_type) + 8 &&
		       offsetof(struct hm_mbuf, vlan_tci) == offsetof(struct hm_mbuf, data_len) + 2 &&
		       offsetof(struct hm_mbuf, hash) == offsetof(struct hm_mbuf, data_len) + 4,
	       "i40e_fill's two words at packet_type and data_len");

/* How far ahead the bulk and vector loops prefetch mbuf headers, a group at
 * a time, in descriptors (i40e_rxtx_vec.h says why 80). */
#define I40E_PF_MBUF_AHEAD 80u

/* Prefetch distance of the per-descriptor paths, in descriptors. */
#define I40E_PF_AHEAD 16u

/*
 * Prefetch the 32 descriptors from slot @p from (1 KiB: all of them at 32
 * bytes, twice as many at 16) and the headers of their mbufs. The bulk and
 * vector paths call it for their own burst and the next two, the scalar path
 * for the next two rounds (its own round's headers are prefetched as it counts
 * the written-back descriptors): after an idle period a burst's own misses
 * overlap each other instead of trickling through the out-of-order window,
 * and while traffic flows the misses of the bursts two ahead overlap this
 * burst's work, about a memory latency ahead (one burst ahead was less than
 * one here: 1.2-1.5 cycles/packet more with the lines flushed). Lines
 * already in cache cost an instruction each. @p mbufs 0: the descriptors
 * only (the vector path's own burst). always_inline: gcc finds a
 * function of prefetches alone pure and drops the call when it is not
 * inlined early.
 */
static inline __attribute__((always_inline)) void
i40e_prefetch_burst_part(const struct hm_i40e_rxq *rxq, unsigned int from, const int mbufs)
{
	struct hm_mbuf *const *sw;
	const uint8_t *d;

	if (from >= rxq->nb_desc) /* from < 2 * nb_desc: callers ask at most 64 ahead */
		from -= rxq->nb_desc;
	d = desc_at(rxq, from);
	sw = &rxq->sw_ring[from];
	/* sw_ring has 32 spare entries (the fake mbuf) and the ring 32 spare
	 * descriptors past nb_desc: reading up to from + 31 stays inside both */
	for (unsigned int k = 0; k < (HM_I40E_RX_MAX_BURST << 5); k += 128) {
		__builtin_prefetch(d + k, 0, 3);
		__builtin_prefetch(d + k + 64, 0, 3);
	}
	for (unsigned int k = 0; mbufs && k < HM_I40E_RX_MAX_BURST; k += 4) {
		__builtin_prefetch(sw[k], 1, 3);
		__builtin_prefetch(sw[k + 1], 1, 3);
		__builtin_prefetch(sw[k + 2], 1, 3);
		__builtin_prefetch(sw[k + 3], 1, 3);
	}
}

static inline __attribute__((always_inline)) void
i40e_prefetch_burst(const struct hm_i40e_rxq *rxq, unsigned int from)
{
	i40e_prefetch_burst_part(rxq, from, 1);
}

/* Count one dropped descriptor in the queue's statistics. */
HM_INTERNAL void i40e_count_drop(struct hm_i40e_rxq *rxq, enum drop_reason r);
/* Count the drops of a committed scan and put their mbufs back in the pool. */
HM_INTERNAL void i40e_commit_drops(struct hm_i40e_rxq *rxq, struct hm_mbuf **drop,
				   const uint8_t *why, unsigned int nd);
/* Bulk path: refill the rx_free_thresh slots ending at the trigger (all
 * scanned: NULL) straight off the lcore's pool cache (i40e_refill_take) or
 * with one bulk get, arm them (rearm_data is written on
 * receive, with the other fields of the mbuf's first line), write the tail,
 * move the trigger. @return 0, or -ENOMEM with the slots left NULL and
 * nothing counted. */
HM_INTERNAL int i40e_alloc_bufs(struct hm_i40e_rxq *rxq);

/* Vector path, one call of at most HM_I40E_RX_MAX_BURST packets, per
 * instruction set (x86 builds only). */
HM_INTERNAL uint16_t i40e_recv_raw_vec_sse(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts,
					   uint16_t n);
HM_INTERNAL uint16_t i40e_recv_raw_vec_avx2(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts,
					    uint16_t n);
/* The instruction set @p want resolves to on this CPU (AUTO: the best it has),
 * or HM_I40E_VEC_AUTO when the vector path cannot run here. */
HM_INTERNAL enum hm_i40e_vec_isa i40e_vec_isa_pick(enum hm_i40e_vec_isa want);

#endif /* HUGEMEM_SIM_I40E_I_H */
