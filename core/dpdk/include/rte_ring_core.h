/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring layout with DPDK 22.11's names, types and offsets. struct rte_ring is
 * hugemem's struct hm_ring (hugemem/ring_core.h) seen through DPDK's field
 * names: every field sits at DPDK's offset (tests/dpdk_layout.h), and the two
 * words hugemem keeps where DPDK has padding are named hm_esize (element size
 * given at init) and hm_magic. The layer's functions pass a ring to hugemem
 * unchanged (RTE_RING_HM).
 *
 * Sync types (one per side, chosen by the flags at init): MT (default), ST
 * (RING_F_SP_ENQ / RING_F_SC_DEQ), MT_RTS (relaxed tail sync) and MT_HTS
 * (head/tail sync). The peek and zero-copy APIs work on ST and HTS sides only.
 */
#ifndef _RTE_RING_CORE_H_
#define _RTE_RING_CORE_H_

#include <stdint.h>
#include <stdio.h>
#include <errno.h>

#include <rte_common.h>
#include <rte_config.h>
#include <rte_memory.h>
#include <rte_lcore.h>
#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_debug.h>

#include "hugemem/ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_TAILQ_RING_NAME "RTE_RING"

/** Bulk (all or nothing) or burst (as many as possible). */
enum rte_ring_queue_behavior {
	RTE_RING_QUEUE_FIXED = 0,
	RTE_RING_QUEUE_VARIABLE
};

#define RTE_RING_MZ_PREFIX "RG_"
/** Ring names: at most RTE_RING_NAMESIZE - 1 (28) characters. */
#define RTE_RING_NAMESIZE (RTE_MEMZONE_NAMESIZE - sizeof(RTE_RING_MZ_PREFIX) + 1)

enum rte_ring_sync_type {
	RTE_RING_SYNC_MT,     /* any number of threads */
	RTE_RING_SYNC_ST,     /* one thread at a time */
	RTE_RING_SYNC_MT_RTS, /* relaxed tail sync */
	RTE_RING_SYNC_MT_HTS, /* head/tail sync: one operation in flight */
};

/** MT / ST side: head and tail are free-running indexes. */
struct rte_ring_headtail {
	volatile uint32_t head;
	volatile uint32_t tail;
	RTE_STD_C11
	union {
		enum rte_ring_sync_type sync_type;
		uint32_t single; /* deprecated: sync_type == RTE_RING_SYNC_ST */
	};
};

/** RTS head or tail: {operation count, position} as one 64-bit word. */
union __rte_ring_rts_poscnt {
	uint64_t raw __rte_aligned(8);
	struct {
		uint32_t cnt;
		uint32_t pos;
	} val;
};

struct rte_ring_rts_headtail {
	volatile union __rte_ring_rts_poscnt tail;
	enum rte_ring_sync_type sync_type;
	uint32_t htd_max; /* largest head - tail distance an operation may start at */
	volatile union __rte_ring_rts_poscnt head;
};

/** HTS {head, tail} as one 64-bit word. */
union __rte_ring_hts_pos {
	uint64_t raw __rte_aligned(8);
	struct {
		uint32_t head;
		uint32_t tail;
	} pos;
};

struct rte_ring_hts_headtail {
	volatile union __rte_ring_hts_pos ht;
	enum rte_ring_sync_type sync_type;
};

/** A ring: 384 bytes, slots follow it (&r[1]). */
struct rte_ring {
	char name[RTE_RING_NAMESIZE] __rte_cache_aligned;
	int flags;                         /* RING_F_* given at init */
	uint32_t hm_esize;                 /* hugemem: element size given at init (DPDK: padding) */
	const struct rte_memzone *memzone; /* the zone holding the ring (rte_ring_create), or NULL */
	uint32_t size;                     /* slots: a power of two */
	uint32_t mask;                     /* size - 1 */
	uint32_t capacity;                 /* usable slots */
	uint32_t hm_magic;                 /* hugemem: set while the ring is initialised */

	char pad0 __rte_cache_aligned;
	RTE_STD_C11
	union {
		struct rte_ring_headtail prod;
		struct rte_ring_hts_headtail hts_prod;
		struct rte_ring_rts_headtail rts_prod;
	} __rte_cache_aligned;

	char pad1 __rte_cache_aligned;
	RTE_STD_C11
	union {
		struct rte_ring_headtail cons;
		struct rte_ring_hts_headtail hts_cons;
		struct rte_ring_rts_headtail rts_cons;
	} __rte_cache_aligned;

	char pad2 __rte_cache_aligned;
};

#define RING_F_SP_ENQ 0x0001     /* default enqueue: single producer */
#define RING_F_SC_DEQ 0x0002     /* default dequeue: single consumer */
#define RING_F_EXACT_SZ 0x0004   /* count is the capacity; the size is the power of two above */
#define RTE_RING_SZ_MASK (0x7fffffffU)
#define RING_F_MP_RTS_ENQ 0x0008 /* default enqueue: RTS */
#define RING_F_MC_RTS_DEQ 0x0010 /* default dequeue: RTS */
#define RING_F_MP_HTS_ENQ 0x0020 /* default enqueue: HTS */
#define RING_F_MC_HTS_DEQ 0x0040 /* default dequeue: HTS */

/** The hugemem ring a DPDK ring is (same memory, same layout). */
#define RTE_RING_HM(r) ((struct hm_ring *)(void *)(r))
#define RTE_RING_HM_CONST(r) ((const struct hm_ring *)(const void *)(r))

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RING_CORE_H_ */
