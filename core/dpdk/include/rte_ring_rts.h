/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTS rings, DPDK 22.11's rte_ring_rts.h over hugemem's: the explicit
 * RTS enqueue / dequeue functions, for sides created with
 * RING_F_MP_RTS_ENQ / RING_F_MC_RTS_DEQ (include rte_ring.h).
 * Relaxed tail sync: a side's tail moves when the last operation in flight
 * finishes, and no operation starts while head - tail exceeds htd_max
 * (default: capacity / 8).
 */
#ifndef _RTE_RING_RTS_H_
#define _RTE_RING_RTS_H_

#include <rte_ring_core.h>

#ifdef __cplusplus
extern "C" {
#endif

static __rte_always_inline unsigned int
rte_ring_mp_rts_enqueue_bulk_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                                  unsigned int n, unsigned int *free_space)
{
	return hm_ring_mp_rts_enqueue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_rts_dequeue_bulk_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                                  unsigned int n, unsigned int *available)
{
	return hm_ring_mc_rts_dequeue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_mp_rts_enqueue_burst_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                                   unsigned int n, unsigned int *free_space)
{
	return hm_ring_mp_rts_enqueue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_rts_dequeue_burst_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                                   unsigned int n, unsigned int *available)
{
	return hm_ring_mc_rts_dequeue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_mp_rts_enqueue_bulk(struct rte_ring *r, void * const *obj_table, unsigned int n,
                             unsigned int *free_space)
{
	return rte_ring_mp_rts_enqueue_bulk_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_rts_dequeue_bulk(struct rte_ring *r, void **obj_table, unsigned int n,
                             unsigned int *available)
{
	return rte_ring_mc_rts_dequeue_bulk_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_mp_rts_enqueue_burst(struct rte_ring *r, void * const *obj_table, unsigned int n,
                              unsigned int *free_space)
{
	return rte_ring_mp_rts_enqueue_burst_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_rts_dequeue_burst(struct rte_ring *r, void **obj_table, unsigned int n,
                              unsigned int *available)
{
	return rte_ring_mc_rts_dequeue_burst_elem(r, obj_table, sizeof(void *), n, available);
}

/** The producers' htd_max; UINT32_MAX when they are not RTS. */
static inline uint32_t
rte_ring_get_prod_htd_max(const struct rte_ring *r)
{
	return hm_ring_get_prod_htd_max(RTE_RING_HM_CONST(r));
}

/**
 * Set it. @return 0, -ENOTSUP (producers not RTS). A value above the capacity
 * (no limit, for DPDK) is stored as the capacity, which has the same effect.
 */
static inline int
rte_ring_set_prod_htd_max(struct rte_ring *r, uint32_t v)
{
	return hm_ring_set_prod_htd_max(RTE_RING_HM(r), v > r->capacity ? r->capacity : v);
}

static inline uint32_t
rte_ring_get_cons_htd_max(const struct rte_ring *r)
{
	return hm_ring_get_cons_htd_max(RTE_RING_HM_CONST(r));
}

static inline int
rte_ring_set_cons_htd_max(struct rte_ring *r, uint32_t v)
{
	return hm_ring_set_cons_htd_max(RTE_RING_HM(r), v > r->capacity ? r->capacity : v);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RING_RTS_H_ */
