/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf fast path: the 128-byte packet buffer header with DPDK 22.11's field
 * layout (IOVA-as-PA build: buf_iova at offset 8, next in the second line), the
 * RX offload flags with DPDK's bit values, packet types, and the inline
 * alloc / free / data-pointer helpers drivers call per packet. The rest of the
 * API is in hugemem/mbuf.h, which includes this file.
 *
 * A mempool object of a pktmbuf pool is [struct hm_mbuf (128 B)][private area
 * (priv_size B)][buffer (buf_len B)]; buf_addr == (char *)m + 128 + priv_size.
 *
 * Invariant of a free mbuf (in its pool's backend or a cache): refcnt == 1,
 * next == NULL, nb_segs == 1, not indirect (ol_flags & HM_MBUF_F_INDIRECT == 0)
 * and external only in a pool of pinned external buffers. Every free path
 * restores it before the put, and alloc relies on it.
 *
 * Attached mbufs: the DPDK layer (rte_pktmbuf_attach, rte_pktmbuf_attach_extbuf,
 * rte_pktmbuf_clone) makes indirect mbufs, which share another (direct) mbuf's
 * buffer and hold a reference on it, and mbufs with an external buffer, whose
 * struct hm_mbuf_ext_shared_info counts the mbufs using it. The free functions
 * here handle both (hm_pktmbuf_prefree_seg: one test on ol_flags, the rest out
 * of line in core/mbuf), so hugemem's free and DPDK's are the same code.
 */
#ifndef HUGEMEM_MBUF_CORE_H
#define HUGEMEM_MBUF_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "hugemem/mempool_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_PKTMBUF_HEADROOM 128        /* DPDK's RTE_PKTMBUF_HEADROOM */
#define HM_MBUF_DEFAULT_DATAROOM 2048
#define HM_MBUF_DEFAULT_BUF_SIZE (HM_MBUF_DEFAULT_DATAROOM + HM_PKTMBUF_HEADROOM) /* 2176 */
#define HM_MBUF_PRIV_ALIGN 8
#define HM_MBUF_PORT_INVALID UINT16_MAX
#define HM_MBUF_MAX_NB_SEGS UINT16_MAX

/* ---- ol_flags, RX side (DPDK's RTE_MBUF_F_RX_* bit values) ---- */
#define HM_MBUF_F_RX_VLAN (1ULL << 0)          /* vlan_tci holds a VLAN tag */
#define HM_MBUF_F_RX_RSS_HASH (1ULL << 1)      /* hash.rss is valid */
#define HM_MBUF_F_RX_FDIR (1ULL << 2)
#define HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD (1ULL << 5)
#define HM_MBUF_F_RX_VLAN_STRIPPED (1ULL << 6) /* the tag was removed from the data */
#define HM_MBUF_F_RX_IP_CKSUM_MASK ((1ULL << 4) | (1ULL << 7))
#define HM_MBUF_F_RX_IP_CKSUM_UNKNOWN 0
#define HM_MBUF_F_RX_IP_CKSUM_BAD (1ULL << 4)
#define HM_MBUF_F_RX_IP_CKSUM_GOOD (1ULL << 7)
#define HM_MBUF_F_RX_IP_CKSUM_NONE ((1ULL << 4) | (1ULL << 7))
#define HM_MBUF_F_RX_L4_CKSUM_MASK ((1ULL << 3) | (1ULL << 8))
#define HM_MBUF_F_RX_L4_CKSUM_UNKNOWN 0
#define HM_MBUF_F_RX_L4_CKSUM_BAD (1ULL << 3)
#define HM_MBUF_F_RX_L4_CKSUM_GOOD (1ULL << 8)
#define HM_MBUF_F_RX_L4_CKSUM_NONE ((1ULL << 3) | (1ULL << 8))
#define HM_MBUF_F_RX_IEEE1588_PTP (1ULL << 9)
#define HM_MBUF_F_RX_IEEE1588_TMST (1ULL << 10)
#define HM_MBUF_F_RX_FDIR_ID (1ULL << 13)
#define HM_MBUF_F_RX_FDIR_FLX (1ULL << 14)
#define HM_MBUF_F_RX_QINQ_STRIPPED (1ULL << 15)
#define HM_MBUF_F_RX_LRO (1ULL << 16)
#define HM_MBUF_F_RX_QINQ (1ULL << 20)
/* ---- ol_flags, TX side (DPDK's RTE_MBUF_F_TX_* bit values): what the sender asks
 * the NIC to do; lengths in tx_offload (l2_len bits 0..6, l3_len 7..15, l4_len
 * 16..23) ---- */
#define HM_MBUF_F_TX_QINQ (1ULL << 49)         /* insert an outer tag too */
#define HM_MBUF_F_TX_TCP_SEG (1ULL << 50)      /* TSO */
#define HM_MBUF_F_TX_IEEE1588_TMST (1ULL << 51)
#define HM_MBUF_F_TX_L4_NO_CKSUM (0ULL << 52)
#define HM_MBUF_F_TX_TCP_CKSUM (1ULL << 52)    /* the TCP checksum field holds the pseudo-header sum */
#define HM_MBUF_F_TX_SCTP_CKSUM (2ULL << 52)
#define HM_MBUF_F_TX_UDP_CKSUM (3ULL << 52)    /* the UDP checksum field holds the pseudo-header sum */
#define HM_MBUF_F_TX_L4_MASK (3ULL << 52)
#define HM_MBUF_F_TX_IP_CKSUM (1ULL << 54)     /* compute the IPv4 header checksum */
#define HM_MBUF_F_TX_IPV4 (1ULL << 55)
#define HM_MBUF_F_TX_IPV6 (1ULL << 56)
#define HM_MBUF_F_TX_VLAN (1ULL << 57)         /* insert vlan_tci as an 802.1Q tag */
#define HM_MBUF_F_TX_OUTER_IP_CKSUM (1ULL << 58)
#define HM_MBUF_F_TX_OUTER_IPV4 (1ULL << 59)
#define HM_MBUF_F_TX_OUTER_IPV6 (1ULL << 60)
/* tx_offload fields */
#define HM_MBUF_L2_LEN(tx_offload) ((unsigned int)((tx_offload) & 0x7F))
#define HM_MBUF_L3_LEN(tx_offload) ((unsigned int)(((tx_offload) >> 7) & 0x1FF))
#define HM_MBUF_L4_LEN(tx_offload) ((unsigned int)(((tx_offload) >> 16) & 0xFF))
/** tx_offload from its three lengths (bytes). */
#define HM_MBUF_TX_OFFLOAD(l2, l3, l4) \
	((uint64_t)((l2) & 0x7F) | (uint64_t)((l3) & 0x1FF) << 7 | (uint64_t)((l4) & 0xFF) << 16)
/* ---- ol_flags, buffer kind ---- */
#define HM_MBUF_F_EXTERNAL (1ULL << 61) /* external buffer (kept by alloc's reset) */
#define HM_MBUF_F_INDIRECT (1ULL << 62) /* attached to another mbuf's buffer */
/* Not API: either kind of attached buffer (the free path's one test). */
#define HM_MBUF__F_ATTACHED (HM_MBUF_F_EXTERNAL | HM_MBUF_F_INDIRECT)

/** Pool private flag (hm_pktmbuf_pool_private.flags): the mbufs carry pinned
 * external buffers (DPDK's RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF). */
#define HM_PKTMBUF_POOL_F_PINNED_EXT_BUF (1u << 0)

/** What an mbuf's shinfo points to: the shared state of an external buffer
 * (DPDK's struct rte_mbuf_ext_shared_info, same layout). */
struct hm_mbuf_ext_shared_info {
	void (*free_cb)(void *addr, void *opaque); /* called when refcnt drops to 0 */
	void *fcb_opaque;                          /* free_cb's second argument */
	uint16_t refcnt;                           /* mbufs attached (atomic) */
};

/* ---- packet_type (DPDK's RTE_PTYPE_* values) ---- */
#define HM_PTYPE_UNKNOWN 0x00000000u
#define HM_PTYPE_L2_ETHER 0x00000001u
#define HM_PTYPE_L2_ETHER_VLAN 0x00000006u
#define HM_PTYPE_L2_MASK 0x0000000fu
#define HM_PTYPE_L3_IPV4 0x00000010u
#define HM_PTYPE_L3_IPV4_EXT 0x00000030u
#define HM_PTYPE_L3_IPV6 0x00000040u
#define HM_PTYPE_L3_IPV4_EXT_UNKNOWN 0x00000090u
#define HM_PTYPE_L3_IPV6_EXT_UNKNOWN 0x000000e0u
#define HM_PTYPE_L3_MASK 0x000000f0u
#define HM_PTYPE_L4_TCP 0x00000100u
#define HM_PTYPE_L4_UDP 0x00000200u
#define HM_PTYPE_L4_FRAG 0x00000300u
#define HM_PTYPE_L4_SCTP 0x00000400u
#define HM_PTYPE_L4_ICMP 0x00000500u
#define HM_PTYPE_L4_NONFRAG 0x00000600u
#define HM_PTYPE_L4_MASK 0x00000f00u

/** The packet buffer header. 128 bytes, two cache lines. */
HM_ANON_BEGIN
struct hm_mbuf {
	/* first cache line: what RX touches */
	void *buf_addr;          /* VA of the buffer start: (char *)m + 128 + priv_size */
	hm_iova_t buf_iova;      /* IOVA of buf_addr (HM_BAD_IOVA: none) */
	union {
		uint64_t rearm_data;     /* the four fields below as one word (vector rearm) */
		HM_EXTENSION struct {
			uint16_t data_off;   /* offset of the data in the buffer (bytes) */
			uint16_t refcnt;     /* references; atomic; 1 when free */
			uint16_t nb_segs;    /* segments in the chain (valid in the first) */
			uint16_t port;       /* input port; HM_MBUF_PORT_INVALID when none */
		};
	};
	uint64_t ol_flags;       /* HM_MBUF_F_* */
	union {
		uint32_t packet_type; /* HM_PTYPE_* (L2 | L3 | L4 | tunnel | inner) */
		HM_EXTENSION struct {  /* the same, one 4-bit field per layer (DPDK's names) */
			uint8_t l2_type:4;
			uint8_t l3_type:4;
			uint8_t l4_type:4;
			uint8_t tun_type:4;
			union {
				uint8_t inner_esp_next_proto;
				HM_EXTENSION struct {
					uint8_t inner_l2_type:4;
					uint8_t inner_l3_type:4;
				};
			};
			uint8_t inner_l4_type:4;
		};
	};
	uint32_t pkt_len;        /* bytes of the whole chain (valid in the first segment) */
	uint16_t data_len;       /* bytes of data in this segment */
	uint16_t vlan_tci;       /* VLAN TCI when HM_MBUF_F_RX_VLAN */
	union {
		uint32_t rss;        /* RSS hash when HM_MBUF_F_RX_RSS_HASH */
		struct {
			union {
				HM_EXTENSION struct {
					uint16_t hash;
					uint16_t id;
				};
				uint32_t lo;
			};
			uint32_t hi;
		} fdir;
		struct {
			uint32_t queue_id;     /* scheduler queue */
			uint8_t traffic_class;
			uint8_t color;
			uint16_t reserved;
		} sched;                 /* DPDK's struct rte_mbuf_sched */
		struct {
			uint32_t reserved1;
			uint16_t reserved2;
			uint16_t txq;          /* eventdev TX adapter queue */
		} txadapter;
		uint32_t usr;
	} hash;                  /* 8 bytes at offset 44 */
	uint16_t vlan_tci_outer; /* outer VLAN TCI (QinQ) */
	uint16_t buf_len;        /* bytes of the buffer */
	struct hm_mempool *pool; /* owning pool */
	/* second cache line: chains, TX */
	struct hm_mbuf *next;    /* next segment; NULL: last */
	union {
		uint64_t tx_offload; /* the six lengths below as one word */
		HM_EXTENSION struct {
			uint64_t l2_len:7;       /* (inner) L2 header bytes */
			uint64_t l3_len:9;       /* (inner) L3 header bytes */
			uint64_t l4_len:8;       /* (inner) L4 header bytes */
			uint64_t tso_segsz:16;   /* TCP TSO segment size */
			uint64_t outer_l3_len:9; /* outer L3 header bytes (tunnels) */
			uint64_t outer_l2_len:7; /* outer L2 header bytes (tunnels) */
		};
	};
	void *shinfo;            /* external buffer's shared info; NULL */
	uint16_t priv_size;      /* bytes of the private area after the header */
	uint16_t timesync;
	uint32_t dynfield1[9];   /* application-defined */
} __attribute__((aligned(HM_CACHE_LINE_SIZE)));
HM_ANON_END

HM_STATIC_ASSERT(sizeof(struct hm_mbuf) == 128, "mbuf header is two cache lines");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, buf_iova) == 8, "buf_iova at 8 (DPDK IOVA_AS_PA)");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, rearm_data) == 16, "rearm_data at 16");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, data_off) == 16, "data_off at 16");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, refcnt) == 18, "refcnt at 18");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, nb_segs) == 20, "nb_segs at 20");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, port) == 22, "port at 22");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, ol_flags) == 24, "ol_flags at 24");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, packet_type) == 32, "packet_type at 32");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, pkt_len) == 36, "pkt_len at 36");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, data_len) == 40, "data_len at 40");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, vlan_tci) == 42, "vlan_tci at 42");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, hash) == 44, "hash at 44");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, vlan_tci_outer) == 52, "vlan_tci_outer at 52");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, buf_len) == 54, "buf_len at 54");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, pool) == 56, "pool at 56");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, next) == 64, "next at 64");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, tx_offload) == 72, "tx_offload at 72");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, shinfo) == 80, "shinfo at 80");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, priv_size) == 88, "priv_size at 88");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, timesync) == 90, "timesync at 90");
HM_STATIC_ASSERT(offsetof(struct hm_mbuf, dynfield1) == 92, "dynfield1 at 92");

/** Pointer to the data of @p m at byte @p o, as type @p t. */
#define hm_pktmbuf_mtod_offset(m, t, o) ((t)(void *)((char *)(m)->buf_addr + (m)->data_off + (o)))
/** Pointer to the data of @p m, as type @p t. */
#define hm_pktmbuf_mtod(m, t) hm_pktmbuf_mtod_offset(m, t, 0)

/* Debug builds: abort unless @p m satisfies the free-mbuf invariant (raw alloc / free). */
void hm_mbuf_raw_sanity_check(const struct hm_mbuf *m, struct hm_mempool *mp);

/** IOVA of the data of @p m (buf_iova + data_off). */
static inline hm_iova_t
hm_mbuf_data_iova(const struct hm_mbuf *m)
{
	return m->buf_iova + m->data_off;
}

/** IOVA at the default headroom (what an RX driver programs into a descriptor). */
static inline hm_iova_t
hm_mbuf_data_iova_default(const struct hm_mbuf *m)
{
	return m->buf_iova + HM_PKTMBUF_HEADROOM;
}

static inline uint16_t
hm_mbuf_refcnt_read(const struct hm_mbuf *m)
{
	return __atomic_load_n(&m->refcnt, __ATOMIC_RELAXED);
}

static inline void
hm_mbuf_refcnt_set(struct hm_mbuf *m, uint16_t v)
{
	__atomic_store_n(&m->refcnt, v, __ATOMIC_RELAXED);
}

/** Add @p v (may be negative) to the refcnt atomically. @return the new value. */
static inline uint16_t
hm_mbuf_refcnt_update(struct hm_mbuf *m, int16_t v)
{
	/* sole owner: no other thread can see it, a plain store is enough (DPDK) */
	if (HM_LIKELY(hm_mbuf_refcnt_read(m) == 1)) {
		uint16_t n = (uint16_t)(1 + v);
		hm_mbuf_refcnt_set(m, n);
		return n;
	}
	return (uint16_t)(__atomic_add_fetch(&m->refcnt, (uint16_t)v, __ATOMIC_ACQ_REL));
}

/** One mbuf, fields as the pool left them (free-mbuf invariant). NULL when empty. */
static inline struct hm_mbuf *
hm_mbuf_raw_alloc(struct hm_mempool *mp)
{
	void *o;

	if (hm_mempool_get(mp, &o) < 0)
		return NULL;
	if (hm_mempool_debug(mp))
		hm_mbuf_raw_sanity_check((struct hm_mbuf *)o, mp);
	return (struct hm_mbuf *)o;
}

/** Put @p m back in its pool. pre: refcnt == 1, next == NULL, nb_segs == 1. */
static inline void
hm_mbuf_raw_free(struct hm_mbuf *m)
{
	if (hm_mempool_debug(m->pool))
		hm_mbuf_raw_sanity_check(m, NULL);
	hm_mempool_put(m->pool, m);
}

/** Reset the packet fields of a single-segment mbuf (what alloc does). */
static inline void
hm_pktmbuf_reset(struct hm_mbuf *m)
{
	m->next = NULL;
	m->pkt_len = 0;
	m->tx_offload = 0;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->nb_segs = 1;
	m->port = HM_MBUF_PORT_INVALID;
	m->ol_flags &= HM_MBUF_F_EXTERNAL;
	m->packet_type = 0;
	m->data_off = m->buf_len < HM_PKTMBUF_HEADROOM ? m->buf_len : HM_PKTMBUF_HEADROOM;
	m->data_len = 0;
}

/* Not API: what hm_pktmbuf_reset does, for an mbuf just taken from its pool
 * (free-mbuf invariant: refcnt 1, so the four 16-bit fields of rearm_data are
 * written as one word). */
static inline void
hm_pktmbuf__reset_fresh(struct hm_mbuf *m)
{
	uint64_t off = m->buf_len < HM_PKTMBUF_HEADROOM ? m->buf_len : HM_PKTMBUF_HEADROOM;

	/* data_off, refcnt 1, nb_segs 1, port invalid (little-endian field order) */
	m->rearm_data = off | 1ULL << 16 | 1ULL << 32 | (uint64_t)HM_MBUF_PORT_INVALID << 48;
	m->ol_flags &= HM_MBUF_F_EXTERNAL;
	m->packet_type = 0;
	m->pkt_len = 0;
	m->data_len = 0;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->next = NULL;
	m->tx_offload = 0;
}

/** A reset mbuf from @p mp, or NULL when the pool is empty. */
static inline struct hm_mbuf *
hm_pktmbuf_alloc(struct hm_mempool *mp)
{
	struct hm_mbuf *m = hm_mbuf_raw_alloc(mp);

	if (m != NULL)
		hm_pktmbuf__reset_fresh(m);
	return m;
}

/** @p n reset mbufs, all or nothing. @return 0 or < 0 (none taken). */
static inline int
hm_pktmbuf_alloc_bulk(struct hm_mempool *mp, struct hm_mbuf **mbufs, unsigned int n)
{
	int rc = hm_mempool_get_bulk(mp, (void **)mbufs, n);

	if (HM_UNLIKELY(rc < 0))
		return rc;
	if (hm_mempool_debug(mp))
		for (unsigned int i = 0; i < n; i++)
			hm_mbuf_raw_sanity_check(mbufs[i], mp);
	for (unsigned int i = 0; i < n; i++)
		hm_pktmbuf__reset_fresh(mbufs[i]);
	return 0;
}

/* Not API: hm_pktmbuf_prefree_seg for an indirect or external-buffer segment
 * (core/mbuf/mbuf.c): drop the reference; the last one detaches it (giving the
 * buffer's owner its reference back) and restores the free-mbuf invariant.
 * @return m when it must go back to its pool, NULL when not (yet). */
struct hm_mbuf *hm_pktmbuf__prefree_seg_attached(struct hm_mbuf *m);
/* Not API: give indirect or external-buffer mbuf @p m its own buffer back (the
 * buffer's owner loses a reference; a pinned external buffer stays attached).
 * DPDK's rte_pktmbuf_detach. pre: m is indirect or external. */
void hm_pktmbuf__detach(struct hm_mbuf *m);

/*
 * Drop one reference to segment @p m. @return m when it must go back to its pool
 * (with the free-mbuf invariant restored), NULL when others still hold it.
 * Indirect and external-buffer segments are detached first (out of line).
 */
static inline struct hm_mbuf *
hm_pktmbuf_prefree_seg(struct hm_mbuf *m)
{
	/* read before the refcnt's atomic load, so that the compiler shares this
	 * load with hm_pktmbuf_free's (it does not move loads across an atomic) */
	struct hm_mbuf *next = m->next;

	if (HM_UNLIKELY((m->ol_flags & HM_MBUF__F_ATTACHED) != 0))
		return hm_pktmbuf__prefree_seg_attached(m);
	if (HM_LIKELY(hm_mbuf_refcnt_read(m) == 1)) {
		/* sole owner: nobody else writes next */
		if (next != NULL)
			m->next = NULL;
		if (m->nb_segs != 1)
			m->nb_segs = 1;
		return m;
	}
	if (__atomic_sub_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL) == 0) {
		hm_mbuf_refcnt_set(m, 1);
		if (m->next != NULL)
			m->next = NULL;
		if (m->nb_segs != 1)
			m->nb_segs = 1;
		return m;
	}
	return NULL;
}

/** Free one segment (not the rest of its chain). */
static inline void
hm_pktmbuf_free_seg(struct hm_mbuf *m)
{
	m = hm_pktmbuf_prefree_seg(m);
	if (m != NULL)
		hm_mbuf_raw_free(m);
}

/** Free a whole chain. NULL is a no-op. */
static inline void
hm_pktmbuf_free(struct hm_mbuf *m)
{
	while (m != NULL) {
		struct hm_mbuf *next = m->next;
		hm_pktmbuf_free_seg(m);
		m = next;
	}
}

/* Not API: 1 when @p m can go straight back to its pool: a direct single
 * segment with the only reference (prefree would change nothing). */
static inline int
hm_pktmbuf__plain(const struct hm_mbuf *m)
{
	return hm_mbuf_refcnt_read(m) == 1 && m->next == NULL && m->nb_segs == 1 &&
	       (m->ol_flags & HM_MBUF__F_ATTACHED) == 0;
}

/** Free @p n chains (NULL entries skipped), putting segments back in bulk per pool. */
static inline void
hm_pktmbuf_free_bulk(struct hm_mbuf **mbufs, unsigned int n)
{
	void *pending[64];
	struct hm_mempool *pool = NULL;
	unsigned int np = 0;

	/* Common case: n plain mbufs of one pool, room for all of them on this
	 * lcore's cache: pushed there directly. Otherwise (nothing was changed:
	 * the cache's length is only updated at the end) the general loop. */
	if (n > 0 && mbufs[0] != NULL) {
		struct hm_mempool *mp = mbufs[0]->pool;
		struct hm_mempool_cache *c = hm_mempool_default_cache(mp, hm_lcore_id());

		if (c != NULL && !hm_mempool_debug(mp) && c->len + n <= c->flushthresh) {
			void **dst = &c->objs[c->len];
			unsigned int i;

			for (i = 0; i < n; i++) {
				struct hm_mbuf *m = mbufs[i];

				if (m == NULL || m->pool != mp || !hm_pktmbuf__plain(m))
					break;
				dst[i] = m;
			}
			if (HM_LIKELY(i == n)) {
				c->len += n;
				return;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		struct hm_mbuf *m = mbufs[i];
		while (m != NULL) {
			struct hm_mbuf *next = m->next;
			m = hm_pktmbuf_prefree_seg(m);
			if (m != NULL) {
				if (hm_mempool_debug(m->pool))
					hm_mbuf_raw_sanity_check(m, NULL);
				if (np == 64 || (np > 0 && m->pool != pool)) {
					hm_mempool_put_bulk(pool, pending, np);
					np = 0;
				}
				pool = m->pool;
				pending[np++] = m;
			}
			m = next;
		}
	}
	if (np > 0)
		hm_mempool_put_bulk(pool, pending, np);
}

static inline uint16_t
hm_pktmbuf_headroom(const struct hm_mbuf *m)
{
	return m->data_off;
}

static inline struct hm_mbuf *
hm_pktmbuf_lastseg(struct hm_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

/** Bytes free after the data of segment @p m (not of its chain). */
static inline uint16_t
hm_pktmbuf_tailroom(const struct hm_mbuf *m)
{
	return (uint16_t)(m->buf_len - m->data_off - m->data_len);
}

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MBUF_CORE_H */
