/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 / IPv6 headers and the Internet checksum helpers (DPDK 22.11's
 * rte_ip.h), header-only. Checksums are one's complement sums of 16-bit words
 * read in memory order (so the result is in network order when stored as is);
 * an odd trailing byte counts as the first byte of a word.
 *
 * Differences from DPDK (docs/dpdk-compat.md): the raw sum accumulates in 64
 * bits before folding, so buffers above 128 KiB get the right checksum (DPDK's
 * 32-bit sum wraps), and offset + length checks cannot wrap around.
 */
#ifndef _RTE_IP_H_
#define _RTE_IP_H_

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The IPv4 header (without options). */
struct rte_ipv4_hdr {
	__extension__ union {
		uint8_t version_ihl; /* version (high nibble), header length in words (low) */
		__extension__ struct {
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
			uint8_t ihl:4;
			uint8_t version:4;
#else
			uint8_t version:4;
			uint8_t ihl:4;
#endif
		};
	};
	uint8_t type_of_service;
	rte_be16_t total_length;    /* header and payload bytes */
	rte_be16_t packet_id;
	rte_be16_t fragment_offset; /* flags (3 bits) and offset in 8-byte units */
	uint8_t time_to_live;
	uint8_t next_proto_id;
	rte_be16_t hdr_checksum;
	rte_be32_t src_addr;
	rte_be32_t dst_addr;
} __rte_packed;

/** a.b.c.d as a host-order 32-bit value. */
/* each byte widened before its shift: DPDK shifts an int, undefined for a >= 128 */
#define RTE_IPV4(a, b, c, d) \
	(((uint32_t)((a) & 0xff) << 24) | ((uint32_t)((b) & 0xff) << 16) | \
	 ((uint32_t)((c) & 0xff) << 8) | (uint32_t)((d) & 0xff))
#define RTE_IPV4_MAX_PKT_LEN 65535
#define RTE_IPV4_HDR_IHL_MASK (0x0f)
#define RTE_IPV4_IHL_MULTIPLIER (4)
#define RTE_IPV4_HDR_DSCP_MASK (0xfc)
#define RTE_IPV4_HDR_ECN_MASK (0x03)
#define RTE_IPV4_HDR_ECN_CE RTE_IPV4_HDR_ECN_MASK
#define RTE_IPV4_HDR_DF_SHIFT 14
#define RTE_IPV4_HDR_MF_SHIFT 13
#define RTE_IPV4_HDR_FO_SHIFT 3
#define RTE_IPV4_HDR_DF_FLAG (1 << RTE_IPV4_HDR_DF_SHIFT)
#define RTE_IPV4_HDR_MF_FLAG (1 << RTE_IPV4_HDR_MF_SHIFT)
#define RTE_IPV4_HDR_OFFSET_MASK ((1 << RTE_IPV4_HDR_MF_SHIFT) - 1)
#define RTE_IPV4_HDR_OFFSET_UNITS 8
#define RTE_IPV4_HDR_OPT_EOL 0
#define RTE_IPV4_HDR_OPT_NOP 1
#define RTE_IPV4_HDR_OPT_COPIED(v) ((v) & 0x80)
#define RTE_IPV4_HDR_OPT_MAX_LEN 40
#define RTE_IPV4_ANY ((uint32_t)0x00000000)
#define RTE_IPV4_LOOPBACK ((uint32_t)0x7f000001)
#define RTE_IPV4_BROADCAST ((uint32_t)0xe0000000)
#define RTE_IPV4_ALLHOSTS_GROUP ((uint32_t)0xe0000001)
#define RTE_IPV4_ALLRTRS_GROUP ((uint32_t)0xe0000002)
#define RTE_IPV4_MAX_LOCAL_GROUP ((uint32_t)0xe00000ff)
#define RTE_IPV4_MIN_MCAST RTE_IPV4(224, 0, 0, 0)
#define RTE_IPV4_MAX_MCAST RTE_IPV4(239, 255, 255, 255)
#define RTE_IS_IPV4_MCAST(x) ((x) >= RTE_IPV4_MIN_MCAST && (x) <= RTE_IPV4_MAX_MCAST)
#define RTE_IPV4_MIN_IHL (0x5)
#define RTE_IPV4_VHL_DEF ((IPVERSION << 4) | RTE_IPV4_MIN_IHL)

/** Header length in bytes (IHL x 4). */
static inline uint8_t
rte_ipv4_hdr_len(const struct rte_ipv4_hdr *ipv4_hdr)
{
	return (uint8_t)((ipv4_hdr->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER);
}

/** @p sum plus the 16-bit words of [buf, buf + len), not folded to 16 bits. */
static inline uint32_t
__rte_raw_cksum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = (const uint8_t *)buf;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 2 <= len; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, sizeof(w));
		s += w;
	}
	if (len & 1) {
		uint16_t w = 0;
		memcpy(&w, p + i, 1); /* the first byte of a word, in memory order */
		s += w;
	}
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32); /* end-around carry keeps the sum mod 0xffff */
	return (uint32_t)s;
}

/** Fold a 32-bit sum to 16 bits. */
static inline uint16_t
__rte_raw_cksum_reduce(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

/** One's complement sum of [buf, buf + len) (not inverted). */
static inline uint16_t
rte_raw_cksum(const void *buf, size_t len)
{
	return __rte_raw_cksum_reduce(__rte_raw_cksum(buf, len, 0));
}

/**
 * rte_raw_cksum of @p len bytes of packet @p m from byte @p off, across
 * segments. @return 0 with *@p cksum, or -1 when the range passes the end.
 */
static inline int
rte_raw_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *cksum)
{
	const struct rte_mbuf *seg = m;
	uint64_t sum = 0;
	uint32_t done = 0;

	if ((uint64_t)off + len <= rte_pktmbuf_data_len(m)) {
		*cksum = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const char *, off), len);
		return 0;
	}
	if ((uint64_t)off + len > rte_pktmbuf_pkt_len(m))
		return -1;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (done < len && seg != NULL) {
		uint32_t n = seg->data_len - off;
		uint32_t part;

		if (n > len - done)
			n = len - done;
		part = __rte_raw_cksum(rte_pktmbuf_mtod_offset(seg, const char *, off), n, 0);
		part = __rte_raw_cksum_reduce(part);
		/* a part starting at an odd packet offset has its bytes in the other halves */
		sum += (done & 1) ? rte_bswap16((uint16_t)part) : part;
		done += n;
		off = 0;
		seg = seg->next;
	}
	if (done < len)
		return -1; /* chain shorter than pkt_len says */
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	*cksum = __rte_raw_cksum_reduce((uint32_t)sum);
	return 0;
}

/** IPv4 header checksum (hdr_checksum must be 0 when computing it). */
static inline uint16_t
rte_ipv4_cksum(const struct rte_ipv4_hdr *ipv4_hdr)
{
	return (uint16_t)~rte_raw_cksum(ipv4_hdr, rte_ipv4_hdr_len(ipv4_hdr));
}

/**
 * Sum of the IPv4 pseudo header (addresses, protocol, L4 length; length 0
 * with RTE_MBUF_F_TX_TCP_SEG in @p ol_flags), not inverted.
 */
static inline uint16_t
rte_ipv4_phdr_cksum(const struct rte_ipv4_hdr *ipv4_hdr, uint64_t ol_flags)
{
	uint8_t psd[12];
	uint16_t l4_len = 0;

	memcpy(psd, &ipv4_hdr->src_addr, 4);
	memcpy(psd + 4, &ipv4_hdr->dst_addr, 4);
	psd[8] = 0;
	psd[9] = ipv4_hdr->next_proto_id;
	if (!(ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		l4_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ipv4_hdr->total_length) -
						     rte_ipv4_hdr_len(ipv4_hdr)));
	memcpy(psd + 10, &l4_len, 2);
	return rte_raw_cksum(psd, sizeof(psd));
}

/* Pseudo header + L4 sum of an IPv4 packet, not inverted; 0 when
 * total_length is below the header length. */
static inline uint16_t
__rte_ipv4_udptcp_cksum(const struct rte_ipv4_hdr *ipv4_hdr, const void *l4_hdr)
{
	uint32_t l3_len = rte_be_to_cpu_16(ipv4_hdr->total_length);
	uint32_t sum;

	if (l3_len < rte_ipv4_hdr_len(ipv4_hdr))
		return 0;
	sum = (uint32_t)rte_raw_cksum(l4_hdr, l3_len - rte_ipv4_hdr_len(ipv4_hdr)) +
	      rte_ipv4_phdr_cksum(ipv4_hdr, 0);
	return (uint16_t)((sum >> 16) + (sum & 0xffff));
}

/** The UDP or TCP checksum of an IPv4 packet (UDP: 0 is sent as 0xffff). */
static inline uint16_t
rte_ipv4_udptcp_cksum(const struct rte_ipv4_hdr *ipv4_hdr, const void *l4_hdr)
{
	uint16_t c = (uint16_t)~__rte_ipv4_udptcp_cksum(ipv4_hdr, l4_hdr);

	if (c == 0 && ipv4_hdr->next_proto_id == IPPROTO_UDP)
		c = 0xffff;
	return c;
}

static inline uint16_t
__rte_ipv4_udptcp_cksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ipv4_hdr,
			     uint16_t l4_off)
{
	uint16_t raw, len;
	uint32_t sum;

	if (unlikely(l4_off > m->pkt_len))
		return 0;
	len = (uint16_t)(rte_be_to_cpu_16(ipv4_hdr->total_length) - rte_ipv4_hdr_len(ipv4_hdr));
	if (rte_raw_cksum_mbuf(m, l4_off, len, &raw) != 0)
		return 0;
	sum = (uint32_t)raw + rte_ipv4_phdr_cksum(ipv4_hdr, 0);
	return (uint16_t)((sum >> 16) + (sum & 0xffff));
}

/** rte_ipv4_udptcp_cksum with the L4 data at byte @p l4_off of packet @p m. */
static inline uint16_t
rte_ipv4_udptcp_cksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ipv4_hdr,
			   uint16_t l4_off)
{
	uint16_t c = (uint16_t)~__rte_ipv4_udptcp_cksum_mbuf(m, ipv4_hdr, l4_off);

	if (c == 0 && ipv4_hdr->next_proto_id == IPPROTO_UDP)
		c = 0xffff;
	return c;
}

/** @return 0 when the L4 checksum of an IPv4 packet is right, else -1. */
static inline int
rte_ipv4_udptcp_cksum_verify(const struct rte_ipv4_hdr *ipv4_hdr, const void *l4_hdr)
{
	return __rte_ipv4_udptcp_cksum(ipv4_hdr, l4_hdr) == 0xffff ? 0 : -1;
}

static inline int
rte_ipv4_udptcp_cksum_mbuf_verify(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ipv4_hdr,
				  uint16_t l4_off)
{
	return __rte_ipv4_udptcp_cksum_mbuf(m, ipv4_hdr, l4_off) == 0xffff ? 0 : -1;
}

/** The IPv6 header. */
struct rte_ipv6_hdr {
	rte_be32_t vtc_flow;    /* version (4), traffic class (8), flow label (20) */
	rte_be16_t payload_len; /* bytes after this header, extensions included */
	uint8_t proto;          /* next header */
	uint8_t hop_limits;
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
} __rte_packed;

#define RTE_IPV6_HDR_FL_SHIFT 0
#define RTE_IPV6_HDR_TC_SHIFT 20
#define RTE_IPV6_HDR_FL_MASK ((1u << RTE_IPV6_HDR_TC_SHIFT) - 1)
#define RTE_IPV6_HDR_TC_MASK (0xff << RTE_IPV6_HDR_TC_SHIFT)
#define RTE_IPV6_HDR_DSCP_MASK (0xfc << RTE_IPV6_HDR_TC_SHIFT)
#define RTE_IPV6_HDR_ECN_MASK (0x03 << RTE_IPV6_HDR_TC_SHIFT)
#define RTE_IPV6_HDR_ECN_CE RTE_IPV6_HDR_ECN_MASK
#define RTE_IPV6_MIN_MTU 1280

/** Sum of the IPv6 pseudo header (length 0 with RTE_MBUF_F_TX_TCP_SEG), not inverted. */
static inline uint16_t
rte_ipv6_phdr_cksum(const struct rte_ipv6_hdr *ipv6_hdr, uint64_t ol_flags)
{
	uint8_t tail[8] = { 0 };
	uint32_t sum;

	/* upper-layer length as 32 bits (the payload length: its high half is 0),
	 * three zero bytes, the next header */
	if (!(ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		memcpy(tail + 2, &ipv6_hdr->payload_len, 2);
	tail[7] = ipv6_hdr->proto;
	sum = __rte_raw_cksum(ipv6_hdr->src_addr, 32, 0);
	sum = __rte_raw_cksum(tail, sizeof(tail), sum);
	return __rte_raw_cksum_reduce(sum);
}

static inline uint16_t
__rte_ipv6_udptcp_cksum(const struct rte_ipv6_hdr *ipv6_hdr, const void *l4_hdr)
{
	uint32_t sum = (uint32_t)rte_raw_cksum(l4_hdr, rte_be_to_cpu_16(ipv6_hdr->payload_len)) +
		       rte_ipv6_phdr_cksum(ipv6_hdr, 0);

	return (uint16_t)((sum >> 16) + (sum & 0xffff));
}

/** The UDP or TCP checksum of an IPv6 packet (UDP: 0 is sent as 0xffff). */
static inline uint16_t
rte_ipv6_udptcp_cksum(const struct rte_ipv6_hdr *ipv6_hdr, const void *l4_hdr)
{
	uint16_t c = (uint16_t)~__rte_ipv6_udptcp_cksum(ipv6_hdr, l4_hdr);

	if (c == 0 && ipv6_hdr->proto == IPPROTO_UDP)
		c = 0xffff;
	return c;
}

static inline uint16_t
__rte_ipv6_udptcp_cksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ipv6_hdr,
			     uint16_t l4_off)
{
	uint16_t raw;
	uint32_t sum;

	if (unlikely(l4_off > m->pkt_len))
		return 0;
	if (rte_raw_cksum_mbuf(m, l4_off, rte_be_to_cpu_16(ipv6_hdr->payload_len), &raw) != 0)
		return 0;
	sum = (uint32_t)raw + rte_ipv6_phdr_cksum(ipv6_hdr, 0);
	return (uint16_t)((sum >> 16) + (sum & 0xffff));
}

static inline uint16_t
rte_ipv6_udptcp_cksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ipv6_hdr,
			   uint16_t l4_off)
{
	uint16_t c = (uint16_t)~__rte_ipv6_udptcp_cksum_mbuf(m, ipv6_hdr, l4_off);

	if (c == 0 && ipv6_hdr->proto == IPPROTO_UDP)
		c = 0xffff;
	return c;
}

static inline int
rte_ipv6_udptcp_cksum_verify(const struct rte_ipv6_hdr *ipv6_hdr, const void *l4_hdr)
{
	return __rte_ipv6_udptcp_cksum(ipv6_hdr, l4_hdr) == 0xffff ? 0 : -1;
}

static inline int
rte_ipv6_udptcp_cksum_mbuf_verify(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ipv6_hdr,
				  uint16_t l4_off)
{
	return __rte_ipv6_udptcp_cksum_mbuf(m, ipv6_hdr, l4_off) == 0xffff ? 0 : -1;
}

#define RTE_IPV6_EHDR_MF_SHIFT 0
#define RTE_IPV6_EHDR_MF_MASK 1
#define RTE_IPV6_EHDR_FO_SHIFT 3
#define RTE_IPV6_EHDR_FO_MASK (~((1 << RTE_IPV6_EHDR_FO_SHIFT) - 1))
#define RTE_IPV6_EHDR_FO_ALIGN (1 << RTE_IPV6_EHDR_FO_SHIFT)
#define RTE_IPV6_FRAG_USED_MASK (RTE_IPV6_EHDR_MF_MASK | RTE_IPV6_EHDR_FO_MASK)
#define RTE_IPV6_GET_MF(x) ((x) & RTE_IPV6_EHDR_MF_MASK)
#define RTE_IPV6_GET_FO(x) ((x) >> RTE_IPV6_EHDR_FO_SHIFT)
#define RTE_IPV6_SET_FRAG_DATA(fo, mf) (((fo) & RTE_IPV6_EHDR_FO_MASK) | ((mf) & RTE_IPV6_EHDR_MF_MASK))

/** The IPv6 fragment extension header. */
struct rte_ipv6_fragment_ext {
	uint8_t next_header;
	uint8_t reserved;
	rte_be16_t frag_data; /* offset (13 bits, 8-byte units) and flags */
	rte_be32_t id;
} __rte_packed;

#define RTE_IPV6_FRAG_HDR_SIZE sizeof(struct rte_ipv6_fragment_ext)

/**
 * The extension header at @p p of type @p proto: its length into *@p ext_len.
 * @return the next header's protocol, or -EINVAL for a type that is not an
 *   extension header this parses (AH, hop-by-hop, routing, destination
 *   options, fragment).
 */
static inline int
rte_ipv6_get_next_ext(const uint8_t *p, int proto, size_t *ext_len)
{
	switch (proto) {
	case IPPROTO_AH:
		*ext_len = ((size_t)p[1] + 2) * 4;
		return p[0];
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		*ext_len = ((size_t)p[1] + 1) * 8;
		return p[0];
	case IPPROTO_FRAGMENT:
		*ext_len = RTE_IPV6_FRAG_HDR_SIZE;
		return p[0];
	default:
		return -EINVAL;
	}
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_IP_H_ */
