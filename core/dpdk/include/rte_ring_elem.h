/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rings of elements of any size (a multiple of 4 bytes), DPDK 22.11's
 * rte_ring_elem.h over hugemem's rings. The enqueue / dequeue functions are
 * inline and are hugemem's own (hm_ring_*_elem): the same instructions as
 * calling hugemem directly. They do not check their arguments (as DPDK's):
 * @p esize must be the element size the ring was sized for, and the explicit
 * mp / sp / mc / sc / rts / hts forms must match the side's sync type.
 *
 * Bulk moves all n elements or none, burst as many as possible; both return
 * the number moved and report the free slots (enqueue) or the elements left
 * (dequeue) through the last argument when it is not NULL. The single-element
 * forms return 0, -ENOBUFS (full) or -ENOENT (empty).
 */
#ifndef _RTE_RING_ELEM_H_
#define _RTE_RING_ELEM_H_

#include <rte_ring_core.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Bytes of a ring of @p count slots (a power of two, at most RTE_RING_SZ_MASK)
 * of @p esize bytes (a multiple of 4).
 * @return the size, or -EINVAL (esize not a multiple of 4, count 0 — DPDK
 *   takes 0 for a power of two —, not a power of two or too large).
 */
ssize_t rte_ring_get_memsize_elem(unsigned int esize, unsigned int count);

/**
 * A ring of @p count slots of @p esize bytes in memzone "RG_<name>" on
 * @p socket_id. With RING_F_EXACT_SZ the count (1 .. 2^30 - 1) is the
 * capacity; otherwise it is a power of two and the capacity is count - 1.
 * @return the ring, or NULL with rte_errno EINVAL (esize, count, or flags
 *   asking for two sync modes on one side), ENAMETOOLONG, EEXIST, ENOSPC (no
 *   memzone left), ENOMEM (no memory, or a socket without memory),
 *   E_RTE_NO_CONFIG (the EAL is not initialised).
 */
struct rte_ring *rte_ring_create_elem(const char *name, unsigned int esize, unsigned int count,
				      int socket_id, unsigned int flags);

static __rte_always_inline unsigned int
rte_ring_mp_enqueue_bulk_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                              unsigned int n, unsigned int *free_space)
{
	return hm_ring_mp_enqueue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mp_enqueue_burst_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                               unsigned int n, unsigned int *free_space)
{
	return hm_ring_mp_enqueue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_sp_enqueue_bulk_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                              unsigned int n, unsigned int *free_space)
{
	return hm_ring_sp_enqueue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_sp_enqueue_burst_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                               unsigned int n, unsigned int *free_space)
{
	return hm_ring_sp_enqueue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_bulk_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                           unsigned int n, unsigned int *free_space)
{
	return hm_ring_enqueue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_burst_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                            unsigned int n, unsigned int *free_space)
{
	return hm_ring_enqueue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_dequeue_bulk_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                              unsigned int n, unsigned int *available)
{
	return hm_ring_mc_dequeue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_mc_dequeue_burst_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                               unsigned int n, unsigned int *available)
{
	return hm_ring_mc_dequeue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_sc_dequeue_bulk_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                              unsigned int n, unsigned int *available)
{
	return hm_ring_sc_dequeue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_sc_dequeue_burst_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                               unsigned int n, unsigned int *available)
{
	return hm_ring_sc_dequeue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_bulk_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                           unsigned int n, unsigned int *available)
{
	return hm_ring_dequeue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_burst_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                            unsigned int n, unsigned int *available)
{
	return hm_ring_dequeue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

/* ---- one element: 0, -ENOBUFS (full) or -ENOENT (empty) ---- */
static __rte_always_inline int
rte_ring_mp_enqueue_elem(struct rte_ring *r, void *obj, unsigned int esize)
{
	return hm_ring_mp_enqueue_elem(RTE_RING_HM(r), obj, esize);
}

static __rte_always_inline int
rte_ring_sp_enqueue_elem(struct rte_ring *r, void *obj, unsigned int esize)
{
	return hm_ring_sp_enqueue_elem(RTE_RING_HM(r), obj, esize);
}

static __rte_always_inline int
rte_ring_enqueue_elem(struct rte_ring *r, void *obj, unsigned int esize)
{
	return hm_ring_enqueue_elem(RTE_RING_HM(r), obj, esize);
}

static __rte_always_inline int
rte_ring_mc_dequeue_elem(struct rte_ring *r, void *obj_p, unsigned int esize)
{
	return hm_ring_mc_dequeue_elem(RTE_RING_HM(r), obj_p, esize);
}

static __rte_always_inline int
rte_ring_sc_dequeue_elem(struct rte_ring *r, void *obj_p, unsigned int esize)
{
	return hm_ring_sc_dequeue_elem(RTE_RING_HM(r), obj_p, esize);
}

static __rte_always_inline int
rte_ring_dequeue_elem(struct rte_ring *r, void *obj_p, unsigned int esize)
{
	return hm_ring_dequeue_elem(RTE_RING_HM(r), obj_p, esize);
}

#ifdef __cplusplus
}
#endif

#include <rte_ring_hts.h>
#include <rte_ring_rts.h>
#include <rte_ring_peek.h>
#include <rte_ring_peek_zc.h>
#include <rte_ring.h>

#endif /* _RTE_RING_ELEM_H_ */
