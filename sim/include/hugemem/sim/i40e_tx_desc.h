/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * i40e TX data descriptor (base/i40e_type.h: struct i40e_tx_desc), shared by
 * the fake NIC's transmit engine (sim/nic/nic_tx.c) and the driver
 * (sim/i40e/i40e_tx.c). 16 bytes, both words little-endian in memory.
 *
 *   qw0: buffer_addr, the IOVA of the segment's first byte
 *   qw1: cmd_type_offset_bsz
 *        bits  0..3   DTYPE: 0x0 data, 0x1 context (or NOP), 0xF descriptor done
 *        bits  4..13  CMD: EOP, RS, ICRC, IL2TAG1, DUMMY, IIPT (2 bits), FCOET,
 *                     L4T (2 bits)
 *        bits 16..33  OFFSET: MACLEN (bits 0..6, 2-byte words), IPLEN (bits
 *                     7..13, 4-byte words), L4LEN (bits 14..17, 4-byte words)
 *        bits 34..47  buffer size in bytes (at most 16383)
 *        bits 48..63  L2TAG1: the VLAN TCI inserted when CMD has IL2TAG1
 *
 * Write-back: when the device has finished with a descriptor whose CMD has RS
 * (report status), it overwrites that descriptor's qw1 so that DTYPE reads
 * 0xF (I40E_TX_DESC_DTYPE_DESC_DONE), with release; the driver loads qw1 with
 * acquire and only then reuses the buffers of the descriptors up to it.
 * Completion is in ring order, so a done RS descriptor implies every
 * descriptor before it is done too.
 */
#ifndef HUGEMEM_SIM_I40E_TX_DESC_H
#define HUGEMEM_SIM_I40E_TX_DESC_H

#include <stdint.h>

#include "hugemem/common.h"
#include "hugemem/sim/i40e_desc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The 16-byte TX data descriptor. */
struct hm_i40e_tx_desc {
	uint64_t buffer_addr;          /* LE: segment IOVA */
	uint64_t cmd_type_offset_bsz;  /* LE: see the file comment */
};

HM_STATIC_ASSERT(sizeof(struct hm_i40e_tx_desc) == 16, "16-byte i40e TX descriptor");

/* qw1 fields */
#define HM_I40E_TXD_QW1_DTYPE_S 0
#define HM_I40E_TXD_QW1_DTYPE_MASK 0xFULL
#define HM_I40E_TXD_QW1_CMD_S 4
#define HM_I40E_TXD_QW1_CMD_MASK (0x3FFULL << HM_I40E_TXD_QW1_CMD_S)
#define HM_I40E_TXD_QW1_OFFSET_S 16
#define HM_I40E_TXD_QW1_OFFSET_MASK (0x3FFFFULL << HM_I40E_TXD_QW1_OFFSET_S)
#define HM_I40E_TXD_QW1_BUF_SZ_S 34
#define HM_I40E_TXD_QW1_BUF_SZ_MASK (0x3FFFULL << HM_I40E_TXD_QW1_BUF_SZ_S)
#define HM_I40E_TXD_QW1_L2TAG1_S 48
#define HM_I40E_TXD_QW1_L2TAG1_MASK (0xFFFFULL << HM_I40E_TXD_QW1_L2TAG1_S)

/* DTYPE values */
#define HM_I40E_TX_DESC_DTYPE_DATA 0x0u
#define HM_I40E_TX_DESC_DTYPE_CONTEXT 0x1u  /* also NOP */
#define HM_I40E_TX_DESC_DTYPE_DESC_DONE 0xFu

/* CMD bits (relative to HM_I40E_TXD_QW1_CMD_S) */
#define HM_I40E_TX_DESC_CMD_EOP 0x0001u
#define HM_I40E_TX_DESC_CMD_RS 0x0002u
#define HM_I40E_TX_DESC_CMD_ICRC 0x0004u
#define HM_I40E_TX_DESC_CMD_IL2TAG1 0x0008u
#define HM_I40E_TX_DESC_CMD_DUMMY 0x0010u
#define HM_I40E_TX_DESC_CMD_IIPT_MASK 0x0060u
#define HM_I40E_TX_DESC_CMD_IIPT_NONIP 0x0000u
#define HM_I40E_TX_DESC_CMD_IIPT_IPV6 0x0020u
#define HM_I40E_TX_DESC_CMD_IIPT_IPV4 0x0040u
#define HM_I40E_TX_DESC_CMD_IIPT_IPV4_CSUM 0x0060u
#define HM_I40E_TX_DESC_CMD_FCOET 0x0080u
#define HM_I40E_TX_DESC_CMD_L4T_MASK 0x0300u
#define HM_I40E_TX_DESC_CMD_L4T_EOFT_UNK 0x0000u
#define HM_I40E_TX_DESC_CMD_L4T_EOFT_TCP 0x0100u
#define HM_I40E_TX_DESC_CMD_L4T_EOFT_SCTP 0x0200u
#define HM_I40E_TX_DESC_CMD_L4T_EOFT_UDP 0x0300u

/* OFFSET sub-fields (relative to HM_I40E_TXD_QW1_OFFSET_S) */
#define HM_I40E_TX_DESC_LENGTH_MACLEN_S 0   /* 2-byte words, 7 bits */
#define HM_I40E_TX_DESC_LENGTH_IPLEN_S 7    /* 4-byte words, 7 bits */
#define HM_I40E_TX_DESC_LENGTH_L4_LEN_S 14  /* 4-byte words, 4 bits */

/* Limits of a non-TSO frame (i40e_rxtx.h) */
#define HM_I40E_MAX_DATA_PER_TXD 0x3FFFu    /* bytes per data descriptor */
#define HM_I40E_TX_MAX_MTU_SEG 8u           /* data descriptors per frame */
#define HM_I40E_TX_MIN_PKT_LEN 17u          /* bytes; shorter frames are malformed */

/** qw1 of a data descriptor from its fields (host order), as i40e_build_ctob. */
static inline uint64_t
hm_i40e_build_ctob(uint32_t cmd, uint32_t offset, unsigned int size, uint32_t l2tag)
{
	return (uint64_t)HM_I40E_TX_DESC_DTYPE_DATA |
	       (((uint64_t)cmd << HM_I40E_TXD_QW1_CMD_S) & HM_I40E_TXD_QW1_CMD_MASK) |
	       (((uint64_t)offset << HM_I40E_TXD_QW1_OFFSET_S) & HM_I40E_TXD_QW1_OFFSET_MASK) |
	       (((uint64_t)size << HM_I40E_TXD_QW1_BUF_SZ_S) & HM_I40E_TXD_QW1_BUF_SZ_MASK) |
	       (((uint64_t)l2tag << HM_I40E_TXD_QW1_L2TAG1_S) & HM_I40E_TXD_QW1_L2TAG1_MASK);
}

static inline uint32_t
hm_i40e_txd_dtype(uint64_t qw1)
{
	return (uint32_t)(qw1 & HM_I40E_TXD_QW1_DTYPE_MASK);
}

static inline uint32_t
hm_i40e_txd_cmd(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_TXD_QW1_CMD_MASK) >> HM_I40E_TXD_QW1_CMD_S);
}

static inline uint32_t
hm_i40e_txd_offset(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_TXD_QW1_OFFSET_MASK) >> HM_I40E_TXD_QW1_OFFSET_S);
}

static inline uint32_t
hm_i40e_txd_size(uint64_t qw1)
{
	return (uint32_t)((qw1 & HM_I40E_TXD_QW1_BUF_SZ_MASK) >> HM_I40E_TXD_QW1_BUF_SZ_S);
}

static inline uint16_t
hm_i40e_txd_l2tag1(uint64_t qw1)
{
	return (uint16_t)(qw1 >> HM_I40E_TXD_QW1_L2TAG1_S);
}

/** 1 when the (host-order) qw1 reads "descriptor done". */
static inline int
hm_i40e_txd_done(uint64_t qw1)
{
	return (qw1 & HM_I40E_TXD_QW1_DTYPE_MASK) == HM_I40E_TX_DESC_DTYPE_DESC_DONE;
}

/* Memory accessors: the same word helpers as RX (hm_i40e_rx_desc_qw_*) work on
 * a TX descriptor; these name the TX use. */

/** Host-order qw1 of TX descriptor @p d, acquire (the driver's done test). */
static inline uint64_t
hm_i40e_tx_desc_qw1_load(const struct hm_i40e_tx_desc *d)
{
	return hm_i40e__le64(__atomic_load_n(&d->cmd_type_offset_bsz, __ATOMIC_ACQUIRE));
}

/** Write a data descriptor (plain stores: the tail write publishes them). */
static inline void
hm_i40e_tx_desc_write(struct hm_i40e_tx_desc *d, uint64_t iova, uint64_t qw1)
{
	__atomic_store_n(&d->buffer_addr, hm_i40e__le64(iova), __ATOMIC_RELAXED);
	__atomic_store_n(&d->cmd_type_offset_bsz, hm_i40e__le64(qw1), __ATOMIC_RELAXED);
}

/** Set command bits @p cmd in the qw1 of @p d (the driver's late RS / EOP). */
static inline void
hm_i40e_tx_desc_cmd_or(struct hm_i40e_tx_desc *d, uint32_t cmd)
{
	uint64_t v = hm_i40e__le64(__atomic_load_n(&d->cmd_type_offset_bsz, __ATOMIC_RELAXED));

	v |= ((uint64_t)cmd << HM_I40E_TXD_QW1_CMD_S) & HM_I40E_TXD_QW1_CMD_MASK;
	__atomic_store_n(&d->cmd_type_offset_bsz, hm_i40e__le64(v), __ATOMIC_RELAXED);
}

/** Store host-order @p qw1 with release (the device's write-back). */
static inline void
hm_i40e_tx_desc_qw1_store(struct hm_i40e_tx_desc *d, uint64_t qw1)
{
	__atomic_store_n(&d->cmd_type_offset_bsz, hm_i40e__le64(qw1), __ATOMIC_RELEASE);
}

/** Host-order qw0 (buffer address) of @p d, relaxed. */
static inline uint64_t
hm_i40e_tx_desc_addr(const struct hm_i40e_tx_desc *d)
{
	return hm_i40e__le64(__atomic_load_n(&d->buffer_addr, __ATOMIC_RELAXED));
}

/** Store host-order @p v into qw0 of @p d, relaxed. */
static inline void
hm_i40e_tx_desc_addr_set(struct hm_i40e_tx_desc *d, uint64_t v)
{
	__atomic_store_n(&d->buffer_addr, hm_i40e__le64(v), __ATOMIC_RELAXED);
}

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_I40E_TX_DESC_H */
