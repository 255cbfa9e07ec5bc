/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTS rings, DPDK 22.11's rte_ring_hts.h over hugemem's: the explicit
 * HTS enqueue / dequeue functions, for sides created with
 * RING_F_MP_HTS_ENQ / RING_F_MC_HTS_DEQ (include rte_ring.h).
 * Head/tail sync: one operation in flight per side; the next one starts when
 * the previous one has published.
 */
#ifndef _RTE_RING_HTS_H_
#define _RTE_RING_HTS_H_

#include <rte_ring_core.h>

#ifdef __cplusplus
extern "C" {
#endif

static __rte_always_inline unsigned int
rte_ring_mp_hts_enqueue_bulk_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                                  unsigned int n, unsigned int *free_space)
{
	return hm_ring_mp_hts_enqueue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_hts_dequeue_bulk_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                                  unsigned int n, unsigned int *available)
{
	return hm_ring_mc_hts_dequeue_bulk_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_mp_hts_enqueue_burst_elem(struct rte_ring *r, const void *obj_table, unsigned int esize,
                                   unsigned int n, unsigned int *free_space)
{
	return hm_ring_mp_hts_enqueue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_hts_dequeue_burst_elem(struct rte_ring *r, void *obj_table, unsigned int esize,
                                   unsigned int n, unsigned int *available)
{
	return hm_ring_mc_hts_dequeue_burst_elem(RTE_RING_HM(r), obj_table, esize, n, available);
}

static __rte_always_inline unsigned int
rte_ring_mp_hts_enqueue_bulk(struct rte_ring *r, void * const *obj_table, unsigned int n,
                             unsigned int *free_space)
{
	return rte_ring_mp_hts_enqueue_bulk_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_hts_dequeue_bulk(struct rte_ring *r, void **obj_table, unsigned int n,
                             unsigned int *available)
{
	return rte_ring_mc_hts_dequeue_bulk_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_mp_hts_enqueue_burst(struct rte_ring *r, void * const *obj_table, unsigned int n,
                              unsigned int *free_space)
{
	return rte_ring_mp_hts_enqueue_burst_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_hts_dequeue_burst(struct rte_ring *r, void **obj_table, unsigned int n,
                              unsigned int *available)
{
	return rte_ring_mc_hts_dequeue_burst_elem(r, obj_table, sizeof(void *), n, available);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RING_HTS_H_ */
