/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * i40e RX descriptor formats (base/i40e_type.h; reference §9.3), shared by the
 * fake NIC (sim/nic) and the driver (sim/i40e). All words are little-endian in
 * memory; the accessors below convert.
 *
 * Read format (software -> hardware): qw0 pkt_addr (buffer IOVA), qw1 hdr_addr
 * (header buffer; 0 here). Bit 0 of qw1 is the write-back DD bit, so re-arming
 * with hdr_addr = 0 clears DD. 32-byte descriptors add two reserved words.
 *
 * Write-back format (hardware -> software, the same slot):
 *   qw0: bits 16..31 l2tag1 (stripped VLAN TCI), bits 32..63 RSS hash
 *   qw1: bits 0..18 status, 19..26 error, 30..37 ptype, 38..51 packet-buffer
 *        length, 52..62 header-buffer length, 63 SPH
 *   qw2 (32 B only): ext_status (bits 0..15), l2tag2_1 (32..47), l2tag2_2 (48..63)
 *   qw3 (32 B only): flexible bytes / flow director id
 *
 * Ordering: the device writes every other word first and qw1 (holding DD) last
 * with a release store; software loads qw1 with acquire and reads the rest
 * only when DD is set (hm_i40e_rx_desc_qw1_load).
 */
#ifndef HUGEMEM_SIM_I40E_DESC_H
#define HUGEMEM_SIM_I40E_DESC_H

#include <stdint.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 16-byte descriptor (RTE_LIBRTE_I40E_16BYTE_RX_DESC). */
union hm_i40e_rx_desc16 {
	struct {
		uint64_t pkt_addr; /* LE: buffer IOVA */
		uint64_t hdr_addr; /* LE: header buffer IOVA; 0 clears DD */
	} read;
	struct {
		uint64_t qw0;      /* LE: l2tag1, rss */
		uint64_t qw1;      /* LE: status_error_len */
	} wb;
};

/** 32-byte descriptor (the default). */
union hm_i40e_rx_desc32 {
	struct {
		uint64_t pkt_addr;
		uint64_t hdr_addr;
		uint64_t rsvd1;    /* must be 0 */
		uint64_t rsvd2;    /* must be 0 */
	} read;
	struct {
		uint64_t qw0;
		uint64_t qw1;
		uint64_t qw2;      /* LE: ext_status, l2tag2_1, l2tag2_2 */
		uint64_t qw3;      /* LE: flex bytes / fd_id */
	} wb;
};

HM_STATIC_ASSERT(sizeof(union hm_i40e_rx_desc16) == 16, "16-byte i40e RX descriptor");
HM_STATIC_ASSERT(sizeof(union hm_i40e_rx_desc32) == 32, "32-byte i40e RX descriptor");

/* qw1 status bits (shift) */
#define HM_I40E_RXD_STATUS_DD_S 0
#define HM_I40E_RXD_STATUS_EOF_S 1
#define HM_I40E_RXD_STATUS_L2TAG1P_S 2
#define HM_I40E_RXD_STATUS_L3L4P_S 3
#define HM_I40E_RXD_STATUS_CRCP_S 4
#define HM_I40E_RXD_STATUS_FLM_S 11
#define HM_I40E_RXD_STATUS_FLTSTAT_S 12  /* 2 bits; 3 = RSS hash valid */
#define HM_I40E_RXD_STATUS_MASK ((1ULL << 19) - 1)

#define HM_I40E_RXD_DD (1ULL << HM_I40E_RXD_STATUS_DD_S)
#define HM_I40E_RXD_EOF (1ULL << HM_I40E_RXD_STATUS_EOF_S)
#define HM_I40E_RXD_L2TAG1P (1ULL << HM_I40E_RXD_STATUS_L2TAG1P_S)
#define HM_I40E_RXD_L3L4P (1ULL << HM_I40E_RXD_STATUS_L3L4P_S)
#define HM_I40E_RXD_CRCP (1ULL << HM_I40E_RXD_STATUS_CRCP_S)
#define HM_I40E_RXD_FLM (1ULL << HM_I40E_RXD_STATUS_FLM_S)
#define HM_I40E_RXD_FLTSTAT_MASK (3ULL << HM_I40E_RXD_STATUS_FLTSTAT_S)
#define HM_I40E_RXD_FLTSTAT_RSS (3ULL << HM_I40E_RXD_STATUS_FLTSTAT_S)

/* qw1 error bits: bit 19 + n */
#define HM_I40E_RXD_ERROR_S 19
#define HM_I40E_RXD_ERROR_MASK (0xFFULL << HM_I40E_RXD_ERROR_S)
#define HM_I40E_RXD_ERR_RXE (1ULL << (HM_I40E_RXD_ERROR_S + 0))
#define HM_I40E_RXD_ERR_RECIPE (1ULL << (HM_I40E_RXD_ERROR_S + 1))
#define HM_I40E_RXD_ERR_HBO (1ULL << (HM_I40E_RXD_ERROR_S + 2))
#define HM_I40E_RXD_ERR_IPE (1ULL << (HM_I40E_RXD_ERROR_S + 3))
#define HM_I40E_RXD_ERR_L4E (1ULL << (HM_I40E_RXD_ERROR_S + 4))
#define HM_I40E_RXD_ERR_EIPE (1ULL << (HM_I40E_RXD_ERROR_S + 5))
#define HM_I40E_RXD_ERR_OVERSIZE (1ULL << (HM_I40E_RXD_ERROR_S + 6))
#define HM_I40E_RXD_ERR_PPRS (1ULL << (HM_I40E_RXD_ERROR_S + 7))
/* DPDK's checksum test: these six bits all clear means IP and L4 are good */
#define HM_I40E_RXD_ERR_CKSUM_MASK (0x3FULL << HM_I40E_RXD_ERROR_S)

/* qw1 ptype, lengths, SPH */
#define HM_I40E_RXD_PTYPE_S 30
#define HM_I40E_RXD_PTYPE_MASK (0xFFULL << HM_I40E_RXD_PTYPE_S)
#define HM_I40E_RXD_LEN_PBUF_S 38
#define HM_I40E_RXD_LEN_PBUF_MASK (0x3FFFULL << HM_I40E_RXD_LEN_PBUF_S)
#define HM_I40E_RXD_LEN_HBUF_S 52
#define HM_I40E_RXD_LEN_HBUF_MASK (0x7FFULL << HM_I40E_RXD_LEN_HBUF_S)
#define HM_I40E_RXD_SPH (1ULL << 63)
#define HM_I40E_RXD_MAX_PBUF_LEN 0x3FFFu

/* qw2 (32 B) */
#define HM_I40E_RXD_EXT_L2TAG2P (1ULL << 0)

/* Packet types (index into i40e's 256-entry ptype table) the device produces. */
#define HM_I40E_PTYPE_L2 1             /* MAC, payload */
#define HM_I40E_PTYPE_IPV4_FRAG 22
#define HM_I40E_PTYPE_IPV4 23          /* IPv4, not fragmented, other L4 */
#define HM_I40E_PTYPE_IPV4_UDP 24
#define HM_I40E_PTYPE_IPV4_TCP 26
#define HM_I40E_PTYPE_IPV4_ICMP 28

/* ---- field accessors on host-order qw1 / qw0 values ---- */

static inline uint32_t
hm_i40e_rxd_status(uint64_t qw1)
{
	return (uint32_t)(qw1 & HM_I40E_RXD_STATUS_MASK);
}

static inline uint32_t
hm_i40e_rxd_error(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_RXD_ERROR_MASK) >> HM_I40E_RXD_ERROR_S);
}

static inline uint32_t
hm_i40e_rxd_ptype(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_RXD_PTYPE_MASK) >> HM_I40E_RXD_PTYPE_S);
}

static inline uint32_t
hm_i40e_rxd_pbuf_len(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_RXD_LEN_PBUF_MASK) >> HM_I40E_RXD_LEN_PBUF_S);
}

static inline uint32_t
hm_i40e_rxd_hbuf_len(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_RXD_LEN_HBUF_MASK) >> HM_I40E_RXD_LEN_HBUF_S);
}

/** 1 when the RSS hash in qw0 is valid (FLTSTAT == 3). */
static inline int
hm_i40e_rxd_rss_valid(uint64_t qw1)
{
	return (qw1 & HM_I40E_RXD_FLTSTAT_MASK) == HM_I40E_RXD_FLTSTAT_RSS;
}

static inline uint32_t
hm_i40e_rxd_rss(uint64_t qw0)
{
	return (uint32_t)(qw0 >> 32);
}

static inline uint16_t
hm_i40e_rxd_l2tag1(uint64_t qw0)
{
	return (uint16_t)(qw0 >> 16);
}

/** qw1 of a write-back from its fields (host order). */
static inline uint64_t
hm_i40e_rxd_make_qw1(uint32_t status, uint32_t error, uint32_t ptype, uint32_t pbuf_len)
{
	return ((uint64_t)status & HM_I40E_RXD_STATUS_MASK) |
	       (((uint64_t)error << HM_I40E_RXD_ERROR_S) & HM_I40E_RXD_ERROR_MASK) |
	       (((uint64_t)ptype << HM_I40E_RXD_PTYPE_S) & HM_I40E_RXD_PTYPE_MASK) |
	       (((uint64_t)pbuf_len << HM_I40E_RXD_LEN_PBUF_S) & HM_I40E_RXD_LEN_PBUF_MASK);
}

/** qw0 of a write-back: l2tag1 and the RSS hash. */
static inline uint64_t
hm_i40e_rxd_make_qw0(uint16_t l2tag1, uint32_t rss)
{
	return ((uint64_t)rss << 32) | ((uint64_t)l2tag1 << 16);
}

/* ---- memory accessors (little-endian words, atomic where the two sides race) ---- */

/* Little-endian <-> host order (what <endian.h>'s le64toh does, without needing
 * _DEFAULT_SOURCE: the header compiles as strict C11). Its own inverse. */
static inline uint64_t
hm_i40e__le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

/** Host-order qw1 of the descriptor at @p desc (either size), acquire. */
static inline uint64_t
hm_i40e_rx_desc_qw1_load(const void *desc)
{
	return hm_i40e__le64(__atomic_load_n(&((const uint64_t *)desc)[1], __ATOMIC_ACQUIRE));
}

/** Host-order word @p i (0..3) of the descriptor at @p desc (plain load). */
static inline uint64_t
hm_i40e_rx_desc_qw_get(const void *desc, unsigned int i)
{
	return hm_i40e__le64(__atomic_load_n(&((const uint64_t *)desc)[i], __ATOMIC_RELAXED));
}

/** Store host-order @p v into word @p i (plain store; qw1 of an armed descriptor last). */
static inline void
hm_i40e_rx_desc_qw_set(void *desc, unsigned int i, uint64_t v)
{
	__atomic_store_n(&((uint64_t *)desc)[i], hm_i40e__le64(v), __ATOMIC_RELAXED);
}

/** Store host-order @p v into qw1 with release (publishes the other words). */
static inline void
hm_i40e_rx_desc_qw1_store(void *desc, uint64_t v)
{
	__atomic_store_n(&((uint64_t *)desc)[1], hm_i40e__le64(v), __ATOMIC_RELEASE);
}

/**
 * Arm a descriptor as software does (read format): pkt_addr = @p iova,
 * hdr_addr = 0 (clears DD), reserved words 0 for @p desc_size 32.
 */
static inline void
hm_i40e_rx_desc_arm(void *desc, unsigned int desc_size, uint64_t iova)
{
	hm_i40e_rx_desc_qw_set(desc, 0, iova);
	if (desc_size == 32) {
		hm_i40e_rx_desc_qw_set(desc, 2, 0);
		hm_i40e_rx_desc_qw_set(desc, 3, 0);
	}
	hm_i40e_rx_desc_qw_set(desc, 1, 0);
}

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_I40E_DESC_H */
