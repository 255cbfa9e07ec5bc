/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dynamic mbuf fields and flags (DPDK 22.11's rte_mbuf_dyn.h). A field is a
 * named range of the mbuf's free bytes (dynfield1: bytes 92..127), a flag a
 * named free bit of ol_flags (bits 23..40). Registration is shared by every
 * process of the instance (memzone "rte_mbuf_dyn") and idempotent: the same
 * name with the same parameters gets the same offset or bit.
 *
 * Errors (-1 and rte_errno): EINVAL (size 0 or above the free space, align
 * not a power of two, flags not 0, offset or bit outside the free space,
 * NULL), ENAMETOOLONG (no NUL in the name), EEXIST (the name is registered
 * with other parameters), EBUSY (the asked offset or bit is taken), ENOENT
 * (no room / no bit left; lookup: unknown name), ENOMEM, ENODEV (no EAL).
 */
#ifndef _RTE_MBUF_DYN_H_
#define _RTE_MBUF_DYN_H_

#include <stdio.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_MBUF_DYN_NAMESIZE 64

/** What a dynamic field asks for. */
struct rte_mbuf_dynfield {
	char name[RTE_MBUF_DYN_NAMESIZE];
	size_t size;        /* bytes */
	size_t align;       /* a power of two */
	unsigned int flags; /* 0 */
};

/** What a dynamic flag asks for. */
struct rte_mbuf_dynflag {
	char name[RTE_MBUF_DYN_NAMESIZE];
	unsigned int flags; /* 0 */
};

/** Reserve a field at the lowest offset that fits. @return the offset, or -1. */
int rte_mbuf_dynfield_register(const struct rte_mbuf_dynfield *params);
/** Reserve a field at @p offset (SIZE_MAX: anywhere). @return the offset, or -1. */
int rte_mbuf_dynfield_register_offset(const struct rte_mbuf_dynfield *params, size_t offset);
/** Offset of field @p name (and its parameters into @p params if not NULL), or -1 (ENOENT). */
int rte_mbuf_dynfield_lookup(const char *name, struct rte_mbuf_dynfield *params);
/** Reserve a flag at the lowest free bit. @return the bit number, or -1. */
int rte_mbuf_dynflag_register(const struct rte_mbuf_dynflag *params);
/** Reserve a flag at bit @p bitnum (UINT_MAX: any). @return the bit number, or -1. */
int rte_mbuf_dynflag_register_bitnum(const struct rte_mbuf_dynflag *params, unsigned int bitnum);
/** Bit number of flag @p name, or -1 (ENOENT). */
int rte_mbuf_dynflag_lookup(const char *name, struct rte_mbuf_dynflag *params);

/** The field at @p offset of mbuf @p m as a pointer of type @p type. */
#define RTE_MBUF_DYNFIELD(m, offset, type) ((type)((uintptr_t)(m) + (offset)))

/** Print the registered fields and flags and what is free. */
void rte_mbuf_dyn_dump(FILE *out);

#define RTE_MBUF_DYNFIELD_METADATA_NAME "rte_flow_dynfield_metadata"
#define RTE_MBUF_DYNFLAG_METADATA_NAME "rte_flow_dynflag_metadata"
#define RTE_MBUF_DYNFIELD_TIMESTAMP_NAME "rte_dynfield_timestamp"
typedef uint64_t rte_mbuf_timestamp_t;
#define RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME "rte_dynflag_rx_timestamp"
#define RTE_MBUF_DYNFLAG_TX_TIMESTAMP_NAME "rte_dynflag_tx_timestamp"
#define RTE_MBUF_DYNFIELD_IP_REASSEMBLY_NAME "rte_dynfield_ip_reassembly"
#define RTE_MBUF_DYNFLAG_IP_REASSEMBLY_INCOMPLETE_NAME "rte_dynflag_ip_reassembly_incomplete"

/**
 * Register the timestamp field (shared by RX and TX) and the RX timestamp
 * flag; each output may be NULL. @return 0, or -1 with rte_errno as above.
 */
int rte_mbuf_dyn_rx_timestamp_register(int *field_offset, uint64_t *rx_flag);
/** Same with the TX timestamp flag. */
int rte_mbuf_dyn_tx_timestamp_register(int *field_offset, uint64_t *tx_flag);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MBUF_DYN_H_ */
