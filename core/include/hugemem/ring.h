/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rings: fixed-size lock-free FIFOs of fixed-size elements (pointers by
 * default), DPDK's rte_ring.
 *
 * A ring made by hm_ring_create lives in memzone "RG_<name>" (64-byte aligned,
 * no IOVA contiguity), so the memzone table is its name registry: lookup finds
 * the zone, duplicate names fail with EEXIST and other processes attached to
 * the same memory see the same ring. hm_ring_init lays a ring out in caller
 * memory (hm_ring_get_memsize bytes, 64-byte aligned) with no name registry.
 *
 * Sizing: count must be a power of two no larger than HM_RING_SZ_MASK (so at
 * most 2^30), and the ring keeps one slot empty: capacity = count - 1. With
 * HM_RING_F_EXACT_SZ the count (1 .. 2^30 - 1) is the capacity and the size is
 * the smallest power of two above it (DPDK refuses larger counts too).
 * Elements are esize bytes, a multiple of 4 (the _elem functions); the plain
 * functions move void * values.
 *
 * Synchronisation, per side, chosen at init: MT (default: any number of
 * threads; CAS on the head, tails published in order), ST (HM_RING_F_SP_ENQ /
 * HM_RING_F_SC_DEQ: one thread at a time), RTS (relaxed tail sync: no thread
 * waits for a particular other, head-tail distance bounded by htd_max, default
 * capacity / 8) and HTS (head/tail sync: one operation in flight per side). The
 * default functions (hm_ring_enqueue_bulk, ...) use the mode chosen at init;
 * the explicit ones (hm_ring_sp_enqueue_bulk, hm_ring_mc_dequeue_burst, ...) must
 * match it. Bulk moves all n elements or none, burst as many as possible; both
 * return the number moved, and n == 0 returns 0.
 *
 * The enqueue / dequeue / count functions are static inline (ring_core.h) and
 * do not validate their arguments (like DPDK's); everything else validates and
 * changes nothing on error. Not thread-safe: init, reset, reset_at, set_*_htd_max
 * (call them while no operation is in flight).
 */
#ifndef HUGEMEM_RING_H
#define HUGEMEM_RING_H

#include <stdio.h>
#include <sys/types.h>

#include "hugemem/common.h"
#include "hugemem/ring_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_RING_F_SP_ENQ 0x0001u     /* default enqueue is single-producer */
#define HM_RING_F_SC_DEQ 0x0002u     /* default dequeue is single-consumer */
#define HM_RING_F_EXACT_SZ 0x0004u   /* count is the capacity, not the size */
#define HM_RING_F_MP_RTS_ENQ 0x0008u /* producers use relaxed tail sync */
#define HM_RING_F_MC_RTS_DEQ 0x0010u /* consumers use relaxed tail sync */
#define HM_RING_F_MP_HTS_ENQ 0x0020u /* producers use head/tail sync */
#define HM_RING_F_MC_HTS_DEQ 0x0040u /* consumers use head/tail sync */
#define HM_RING_SZ_MASK 0x7fffffffu  /* largest mask: size <= 2^31 */
#define HM_RING_MZ_PREFIX "RG_"      /* memzone name prefix */

/**
 * Bytes a ring of @p count slots (a power of two) of @p esize bytes needs:
 * the 384-byte header plus the slots, rounded up to 64.
 * @return the size, or -EINVAL (esize 0 or not a multiple of 4, count 0, not a
 *   power of two or above HM_RING_SZ_MASK).
 */
ssize_t hm_ring_get_memsize_elem(unsigned int esize, unsigned int count);
/** Same for pointer rings (esize sizeof(void *)). */
ssize_t hm_ring_get_memsize(unsigned int count);

/**
 * Lay out an empty ring of pointers in caller memory @p r (64-byte aligned, at
 * least hm_ring_get_memsize(size) bytes, where size is @p count, or the power of
 * two above it with HM_RING_F_EXACT_SZ).
 * @return 0, or -EINVAL (NULL or misaligned r, NULL or empty name, bad count,
 *   unknown flags or two sync modes for one side), -ENAMETOOLONG (name of
 *   HM_RING_NAMESIZE characters or more).
 */
int hm_ring_init(struct hm_ring *r, const char *name, unsigned int count, unsigned int flags);
/** Same with elements of @p esize bytes (a multiple of 4). */
int hm_ring_init_elem(struct hm_ring *r, const char *name, unsigned int esize,
		      unsigned int count, unsigned int flags);

/**
 * Create a ring of pointers in memzone "RG_<name>" on @p socket_id
 * (HM_SOCKET_ID_ANY allowed). Checks run as DPDK's rte_ring_create does where
 * that changes nothing first: bad esize / count -> EINVAL, long name ->
 * ENAMETOOLONG; then flags -> EINVAL (DPDK checks them after reserving); then
 * the memzone's own errors.
 * @return the ring, or NULL with hm_errno EINVAL, ENAMETOOLONG, EEXIST (a ring
 *   or memzone with that name exists), ENOSPC (memzone table full), ENOMEM,
 *   ENODEV (hm_init not called).
 */
struct hm_ring *hm_ring_create(const char *name, unsigned int count, int socket_id,
			       unsigned int flags);
/** Same with elements of @p esize bytes (a multiple of 4). */
struct hm_ring *hm_ring_create_elem(const char *name, unsigned int esize, unsigned int count,
				    int socket_id, unsigned int flags);
/**
 * Free a ring made by hm_ring_create and its memzone. NULL does nothing. A ring
 * from hm_ring_init, or a pointer that is not a live ring, is left alone and
 * sets hm_errno EINVAL.
 */
void hm_ring_free(struct hm_ring *r);
/** The ring named @p name, or NULL with hm_errno ENOENT (none, name too long), EINVAL (NULL), ENODEV. */
struct hm_ring *hm_ring_lookup(const char *name);

/** Empty the ring: heads and tails of both sides back to 0; the configuration
 * (modes, RTS head-tail distances) stays. NULL does nothing. */
void hm_ring_reset(struct hm_ring *r);
/**
 * Empty the ring with heads and tails of both sides at index @p idx. For tests
 * (indexes near UINT32_MAX exercise the wrap). NULL does nothing.
 */
void hm_ring_reset_at(struct hm_ring *r, uint32_t idx);

/** RTS head-tail distance of the producers; UINT32_MAX when not RTS or @p r is NULL. */
unsigned int hm_ring_get_prod_htd_max(const struct hm_ring *r);
/** Set it. @return 0, -ENOTSUP (producers not RTS), -EINVAL (NULL, v > capacity). */
int hm_ring_set_prod_htd_max(struct hm_ring *r, unsigned int v);
/** Same for the consumers. */
unsigned int hm_ring_get_cons_htd_max(const struct hm_ring *r);
int hm_ring_set_cons_htd_max(struct hm_ring *r, unsigned int v);

/** Print the ring's sizes, modes, heads and tails. */
void hm_ring_dump(FILE *f, const struct hm_ring *r);
/** Print every ring made by hm_ring_create. */
void hm_ring_list_dump(FILE *f);

/**
 * Validator, for a quiescent ring: magic, name NUL-terminated, flags known and
 * one mode per side matching sync_type, esize a multiple of 4, size a power of
 * two <= 2^30, mask == size - 1, capacity (size - 1, or with EXACT_SZ size ==
 * the power of two above capacity), head == tail on both sides (RTS: and cnt),
 * 0 <= prod.tail - cons.tail <= capacity, htd_max <= capacity (RTS), an MT or
 * ST side's cached view of the other side's tail (other_tail) not ahead of that
 * tail (modulo 2^32, by less than 2^31), a created ring's memzone starts at the ring.
 * @return 0, -EINVAL (NULL), or -EFAULT with *reason (may be NULL).
 */
int hm_ring_check(const struct hm_ring *r, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_RING_H */
