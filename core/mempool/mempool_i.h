/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_MEMPOOL_I_H
#define HUGEMEM_MEMPOOL_I_H

#include "common_i.h"
#include "hugemem/mempool.h"

/* 1 when @p mp points at a live pool header (a malloc allocation with the magic). */
HM_INTERNAL int mempool_is_pool(const struct hm_mempool *mp);

struct hm_mem_config;
/*
 * Arrange this process's ops table in the order of the instance's registry of
 * names (the primary creates it from its own order; a secondary adds the names
 * it has that the registry lacks). @return 0 or -errno (-ENOSPC: registry full).
 */
HM_INTERNAL int mempool_ops_attach(struct hm_mem_config *m, bool primary);
/* Back to this process's own order (hm_cleanup). */
HM_INTERNAL void mempool_ops_detach(void);
/* An lcore id taken over from a process that died: empty its cache in every
 * pool (the dead process may have stopped between copying objects out of a
 * cache and lowering its count: those objects would be handed out twice). */
HM_INTERNAL void mempool_lcore_adopt(unsigned int lcore_id);
/* Bytes of one object with its header and trailer. */
static inline size_t
mempool_obj_total(const struct hm_mempool *mp)
{
	return (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
}

/* mempool_populate.c: 1 when @p mh is a populate_default chunk (memzone in
 * opaque, the memhdr at its end); free every chunk of @p mp after taking its
 * objects back out of the backend (the pool is empty afterwards). */
HM_INTERNAL int mempool_chunk_is_mz(const struct hm_mempool_memhdr *mh);
HM_INTERNAL void mempool_free_chunks(struct hm_mempool *mp);

/* Ring backends (mempool_ring.c). */
HM_INTERNAL int mempool_ring_mp_mc_alloc(struct hm_mempool *mp);
HM_INTERNAL int mempool_ring_sp_sc_alloc(struct hm_mempool *mp);
HM_INTERNAL int mempool_ring_sp_mc_alloc(struct hm_mempool *mp);
HM_INTERNAL int mempool_ring_mp_sc_alloc(struct hm_mempool *mp);
HM_INTERNAL void mempool_ring_free(struct hm_mempool *mp);
HM_INTERNAL unsigned int mempool_ring_get_count(const struct hm_mempool *mp);
HM_INTERNAL int mempool_ring_mp_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n);
HM_INTERNAL int mempool_ring_sp_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n);
HM_INTERNAL int mempool_ring_mc_dequeue(struct hm_mempool *mp, void **objs, unsigned int n);
HM_INTERNAL int mempool_ring_sc_dequeue(struct hm_mempool *mp, void **objs, unsigned int n);

#endif
