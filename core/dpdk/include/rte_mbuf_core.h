/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mbuf structure with DPDK 22.11's field names, types and offsets (an
 * IOVA-as-PA build: buf_iova at 8, next in the second cache line), the
 * offload flags with DPDK's bit values, and the data-pointer macros. struct
 * rte_mbuf is hugemem's struct hm_mbuf (hugemem/mbuf_core.h) field for field;
 * core/dpdk/mbuf.c asserts it. Needs nothing but rte_byteorder.h, so programs
 * that only read mbufs (DPDK's BPF examples) include this file alone.
 */
#ifndef _RTE_MBUF_CORE_H_
#define _RTE_MBUF_CORE_H_

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ol_flags: RX ---- */
#define RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN 0
#define RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN 0
#define RTE_MBUF_F_RX_OUTER_L4_CKSUM_UNKNOWN 0
#define RTE_MBUF_F_RX_VLAN (1ULL << 0)
#define RTE_MBUF_F_RX_RSS_HASH (1ULL << 1)
#define RTE_MBUF_F_RX_FDIR (1ULL << 2)
#define RTE_MBUF_F_RX_L4_CKSUM_BAD (1ULL << 3)
#define RTE_MBUF_F_RX_IP_CKSUM_BAD (1ULL << 4)
#define RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD (1ULL << 5)
#define RTE_MBUF_F_RX_VLAN_STRIPPED (1ULL << 6)
#define RTE_MBUF_F_RX_IP_CKSUM_GOOD (1ULL << 7)
#define RTE_MBUF_F_RX_IP_CKSUM_NONE ((1ULL << 4) | (1ULL << 7))
#define RTE_MBUF_F_RX_L4_CKSUM_GOOD (1ULL << 8)
#define RTE_MBUF_F_RX_L4_CKSUM_NONE ((1ULL << 3) | (1ULL << 8))
#define RTE_MBUF_F_RX_IEEE1588_PTP (1ULL << 9)
#define RTE_MBUF_F_RX_IEEE1588_TMST (1ULL << 10)
#define RTE_MBUF_F_RX_FDIR_ID (1ULL << 13)
#define RTE_MBUF_F_RX_FDIR_FLX (1ULL << 14)
#define RTE_MBUF_F_RX_QINQ_STRIPPED (1ULL << 15)
#define RTE_MBUF_F_RX_LRO (1ULL << 16)
#define RTE_MBUF_F_RX_SEC_OFFLOAD (1ULL << 18)
#define RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED (1ULL << 19)
#define RTE_MBUF_F_RX_QINQ (1ULL << 20)
#define RTE_MBUF_F_RX_OUTER_L4_CKSUM_BAD (1ULL << 21)
#define RTE_MBUF_F_RX_OUTER_L4_CKSUM_GOOD (1ULL << 22)
#define RTE_MBUF_F_RX_OUTER_L4_CKSUM_INVALID ((1ULL << 21) | (1ULL << 22))
#define RTE_MBUF_F_FIRST_FREE (1ULL << 23)
#define RTE_MBUF_F_LAST_FREE (1ULL << 40)
#define RTE_MBUF_F_RX_IP_CKSUM_MASK ((1ULL << 4) | (1ULL << 7))
#define RTE_MBUF_F_RX_L4_CKSUM_MASK ((1ULL << 3) | (1ULL << 8))
#define RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK ((1ULL << 21) | (1ULL << 22))

/* ---- ol_flags: TX ---- */
#define RTE_MBUF_F_TX_L4_NO_CKSUM 0
#define RTE_MBUF_F_TX_OUTER_UDP_CKSUM (1ULL << 41)
#define RTE_MBUF_F_TX_UDP_SEG (1ULL << 42)
#define RTE_MBUF_F_TX_SEC_OFFLOAD (1ULL << 43)
#define RTE_MBUF_F_TX_MACSEC (1ULL << 44)
#define RTE_MBUF_F_TX_TUNNEL_VXLAN (1ULL << 45)
#define RTE_MBUF_F_TX_TUNNEL_GRE (1ULL << 46)
#define RTE_MBUF_F_TX_TUNNEL_IPIP ((1ULL << 45) | (1ULL << 46))
#define RTE_MBUF_F_TX_TUNNEL_GENEVE (1ULL << 47)
#define RTE_MBUF_F_TX_TUNNEL_MPLSINUDP ((1ULL << 45) | (1ULL << 47))
#define RTE_MBUF_F_TX_TUNNEL_VXLAN_GPE ((1ULL << 46) | (1ULL << 47))
#define RTE_MBUF_F_TX_TUNNEL_GTP ((1ULL << 45) | (1ULL << 46) | (1ULL << 47))
#define RTE_MBUF_F_TX_TUNNEL_ESP (1ULL << 48)
#define RTE_MBUF_F_TX_TUNNEL_IP ((1ULL << 45) | (1ULL << 47) | (1ULL << 48))
#define RTE_MBUF_F_TX_TUNNEL_UDP ((1ULL << 46) | (1ULL << 47) | (1ULL << 48))
#define RTE_MBUF_F_TX_TUNNEL_MASK 0x1e00000000000ULL
#define RTE_MBUF_F_TX_QINQ (1ULL << 49)
#define RTE_MBUF_F_TX_TCP_SEG (1ULL << 50)
#define RTE_MBUF_F_TX_IEEE1588_TMST (1ULL << 51)
#define RTE_MBUF_F_TX_TCP_CKSUM (1ULL << 52)
#define RTE_MBUF_F_TX_SCTP_CKSUM (1ULL << 53)
#define RTE_MBUF_F_TX_L4_MASK ((1ULL << 52) | (1ULL << 53))
#define RTE_MBUF_F_TX_UDP_CKSUM ((1ULL << 52) | (1ULL << 53))
#define RTE_MBUF_F_TX_IP_CKSUM (1ULL << 54)
#define RTE_MBUF_F_TX_IPV4 (1ULL << 55)
#define RTE_MBUF_F_TX_IPV6 (1ULL << 56)
#define RTE_MBUF_F_TX_VLAN (1ULL << 57)
#define RTE_MBUF_F_TX_OUTER_IP_CKSUM (1ULL << 58)
#define RTE_MBUF_F_TX_OUTER_IPV4 (1ULL << 59)
#define RTE_MBUF_F_TX_OUTER_IPV6 (1ULL << 60)
#define RTE_MBUF_F_TX_OFFLOAD_MASK 0x1ffffe0000000000ULL

/* ---- ol_flags: buffer kind ---- */
#define RTE_MBUF_F_EXTERNAL (1ULL << 61) /* an external buffer is attached */
#define RTE_MBUF_F_INDIRECT (1ULL << 62) /* attached to another mbuf's buffer */

#define RTE_MBUF_PRIV_ALIGN 8
#define RTE_MBUF_DEFAULT_DATAROOM 2048
#define RTE_MBUF_DEFAULT_BUF_SIZE (RTE_MBUF_DEFAULT_DATAROOM + RTE_PKTMBUF_HEADROOM)

/** Scheduler fields in hash.sched. */
struct rte_mbuf_sched {
	uint32_t queue_id;     /* queue id */
	uint8_t traffic_class; /* traffic class */
	uint8_t color;         /* colour */
	uint16_t reserved;
};

/** Widths and positions of the tx_offload bit-fields (hardware order, LSB first). */
enum {
	RTE_MBUF_L2_LEN_BITS = 7,
	RTE_MBUF_L3_LEN_BITS = 9,
	RTE_MBUF_L4_LEN_BITS = 8,
	RTE_MBUF_TSO_SEGSZ_BITS = 16,
	RTE_MBUF_OUTL3_LEN_BITS = 9,
	RTE_MBUF_OUTL2_LEN_BITS = 7,
	RTE_MBUF_TXOFLD_UNUSED_BITS = 64 - 7 - 9 - 8 - 16 - 9 - 7,
#if RTE_BYTE_ORDER == RTE_BIG_ENDIAN
	RTE_MBUF_L2_LEN_OFS = 64 - RTE_MBUF_L2_LEN_BITS,
	RTE_MBUF_L3_LEN_OFS = RTE_MBUF_L2_LEN_OFS - RTE_MBUF_L3_LEN_BITS,
	RTE_MBUF_L4_LEN_OFS = RTE_MBUF_L3_LEN_OFS - RTE_MBUF_L4_LEN_BITS,
	RTE_MBUF_TSO_SEGSZ_OFS = RTE_MBUF_L4_LEN_OFS - RTE_MBUF_TSO_SEGSZ_BITS,
	RTE_MBUF_OUTL3_LEN_OFS = RTE_MBUF_TSO_SEGSZ_OFS - RTE_MBUF_OUTL3_LEN_BITS,
	RTE_MBUF_OUTL2_LEN_OFS = RTE_MBUF_OUTL3_LEN_OFS - RTE_MBUF_OUTL2_LEN_BITS,
	RTE_MBUF_TXOFLD_UNUSED_OFS = RTE_MBUF_OUTL2_LEN_OFS - RTE_MBUF_TXOFLD_UNUSED_BITS,
#else
	RTE_MBUF_L2_LEN_OFS = 0,
	RTE_MBUF_L3_LEN_OFS = RTE_MBUF_L2_LEN_OFS + RTE_MBUF_L2_LEN_BITS,
	RTE_MBUF_L4_LEN_OFS = RTE_MBUF_L3_LEN_OFS + RTE_MBUF_L3_LEN_BITS,
	RTE_MBUF_TSO_SEGSZ_OFS = RTE_MBUF_L4_LEN_OFS + RTE_MBUF_L4_LEN_BITS,
	RTE_MBUF_OUTL3_LEN_OFS = RTE_MBUF_TSO_SEGSZ_OFS + RTE_MBUF_TSO_SEGSZ_BITS,
	RTE_MBUF_OUTL2_LEN_OFS = RTE_MBUF_OUTL3_LEN_OFS + RTE_MBUF_OUTL3_LEN_BITS,
	RTE_MBUF_TXOFLD_UNUSED_OFS = RTE_MBUF_OUTL2_LEN_OFS + RTE_MBUF_OUTL2_LEN_BITS,
#endif
};

struct rte_mempool;
struct rte_mbuf_ext_shared_info;

/* g++ -pedantic refuses zero-length markers before the last member, even
 * through __extension__ (C and clang++ accept them): C++ includers build
 * with -pedantic -Werror too. */
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
/** A packet buffer header: 128 bytes, two cache lines. */
struct rte_mbuf {
	RTE_MARKER cacheline0;

	void *buf_addr;          /* VA of the buffer */
	rte_iova_t buf_iova __rte_aligned(sizeof(rte_iova_t)); /* IOVA of buf_addr */

	/* rearm_data: the next four fields as one 8-byte word */
	RTE_MARKER64 rearm_data;
	uint16_t data_off;       /* offset of the data in the buffer */
	uint16_t refcnt;         /* references (atomic); 1 when free */
	uint16_t nb_segs;        /* segments (first segment only) */
	uint16_t port;           /* input port */

	uint64_t ol_flags;       /* RTE_MBUF_F_* and dynamic flags */

	/* rx_descriptor_fields1: what RX descriptors fill */
	RTE_MARKER rx_descriptor_fields1;
	__extension__ union {
		uint32_t packet_type; /* RTE_PTYPE_* */
		__extension__ struct {
			uint8_t l2_type:4;
			uint8_t l3_type:4;
			uint8_t l4_type:4;
			uint8_t tun_type:4;
			__extension__ union {
				uint8_t inner_esp_next_proto;
				__extension__ struct {
					uint8_t inner_l2_type:4;
					uint8_t inner_l3_type:4;
				};
			};
			uint8_t inner_l4_type:4;
		};
	};

	uint32_t pkt_len;        /* bytes of the whole chain (first segment) */
	uint16_t data_len;       /* bytes of data in this segment */
	uint16_t vlan_tci;       /* VLAN TCI when RTE_MBUF_F_RX_VLAN */

	__extension__ union {
		union {
			uint32_t rss;    /* RSS hash when RTE_MBUF_F_RX_RSS_HASH */
			struct {
				__extension__ union {
					__extension__ struct {
						uint16_t hash;
						uint16_t id;
					};
					uint32_t lo;
				};
				uint32_t hi;
			} fdir;
			struct rte_mbuf_sched sched;
			struct {
				uint32_t reserved1;
				uint16_t reserved2;
				uint16_t txq;
			} txadapter;
			uint32_t usr;
		} hash;
	};

	uint16_t vlan_tci_outer; /* outer VLAN TCI when RTE_MBUF_F_RX_QINQ */
	uint16_t buf_len;        /* bytes of the buffer */
	struct rte_mempool *pool; /* owning pool */

	/* second cache line: chains and TX */
	RTE_MARKER cacheline1 __rte_cache_min_aligned;
	struct rte_mbuf *next;   /* next segment, NULL for the last */

	__extension__ union {
		uint64_t tx_offload;
		__extension__ struct {
			uint64_t l2_len:RTE_MBUF_L2_LEN_BITS;
			uint64_t l3_len:RTE_MBUF_L3_LEN_BITS;
			uint64_t l4_len:RTE_MBUF_L4_LEN_BITS;
			uint64_t tso_segsz:RTE_MBUF_TSO_SEGSZ_BITS;
			uint64_t outer_l3_len:RTE_MBUF_OUTL3_LEN_BITS;
			uint64_t outer_l2_len:RTE_MBUF_OUTL2_LEN_BITS;
		};
	};

	struct rte_mbuf_ext_shared_info *shinfo; /* external buffer's shared info */
	uint16_t priv_size;      /* application area after this header (direct: this mbuf's) */
	uint16_t timesync;       /* IEEE1588 */
	uint32_t dynfield1[9];   /* dynamic fields (rte_mbuf_dyn.h) */
} __rte_cache_aligned;
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/** Frees an external buffer when its last mbuf lets go of it. */
typedef void (*rte_mbuf_extbuf_free_callback_t)(void *addr, void *opaque);

/** Shared info of an external buffer (often at the buffer's end). */
struct rte_mbuf_ext_shared_info {
	rte_mbuf_extbuf_free_callback_t free_cb;
	void *fcb_opaque;
	uint16_t refcnt; /* mbufs attached to the buffer (atomic) */
};

#define RTE_MBUF_MAX_NB_SEGS UINT16_MAX
/** Non-zero for an indirect mbuf (attached to another mbuf's buffer). */
#define RTE_MBUF_CLONED(mb) ((mb)->ol_flags & RTE_MBUF_F_INDIRECT)
/** Non-zero for an mbuf with an external buffer. */
#define RTE_MBUF_HAS_EXTBUF(mb) ((mb)->ol_flags & RTE_MBUF_F_EXTERNAL)
/** 1 for an mbuf that owns its buffer. */
#define RTE_MBUF_DIRECT(mb) (!((mb)->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)))
#define RTE_MBUF_PORT_INVALID UINT16_MAX
#define MBUF_INVALID_PORT RTE_MBUF_PORT_INVALID

/** The data of @p m at byte @p o, as type @p t. */
#define rte_pktmbuf_mtod_offset(m, t, o) ((t)(void *)((char *)(m)->buf_addr + (m)->data_off + (o)))
/** The data of @p m, as type @p t. */
#define rte_pktmbuf_mtod(m, t) rte_pktmbuf_mtod_offset(m, t, 0)
/** IOVA of the data of @p m at byte @p o. */
#define rte_pktmbuf_iova_offset(m, o) (rte_iova_t)((m)->buf_iova + (m)->data_off + (o))
#define rte_pktmbuf_iova(m) rte_pktmbuf_iova_offset(m, 0)

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MBUF_CORE_H_ */
