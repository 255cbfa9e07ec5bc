/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rings of pointers, DPDK 22.11's rte_ring.h over hugemem's rings
 * (hugemem/ring.h): struct rte_ring is struct hm_ring (rte_ring_core.h), the
 * fast paths are hugemem's inline functions, and the rest is libhugemem_dpdk
 * (core/dpdk/ring.c). A named ring lives in memzone "RG_<name>", so
 * rte_ring_lookup finds it from any thread, and rte_ring_free gives the zone
 * back.
 *
 * Sizing: count is a power of two (1 .. 2^30) and the capacity count - 1; with
 * RING_F_EXACT_SZ any count from 1 to 2^30 - 1 is the capacity.
 */
#ifndef _RTE_RING_H_
#define _RTE_RING_H_

#include <sys/types.h>

#include <rte_ring_core.h>
#include <rte_ring_elem.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a ring of @p count pointer slots; -EINVAL as rte_ring_get_memsize_elem. */
ssize_t rte_ring_get_memsize(unsigned int count);

/**
 * Lay out an empty ring of @p count slots in the memory at @p r (64-byte
 * aligned, rte_ring_get_memsize_elem bytes for the element size used). The
 * ring is not registered: rte_ring_lookup does not find it, rte_ring_free
 * leaves it alone.
 * @return 0, -EINVAL (NULL or misaligned r, NULL or empty name, bad count,
 *   unknown flags or two sync modes for one side), -ENAMETOOLONG.
 */
int rte_ring_init(struct rte_ring *r, const char *name, unsigned int count, unsigned int flags);

/** A ring of pointers: rte_ring_create_elem with esize sizeof(void *). */
struct rte_ring *rte_ring_create(const char *name, unsigned int count, int socket_id,
				 unsigned int flags);

/** Free a ring from rte_ring_create and its memzone. NULL does nothing; a ring
 * from rte_ring_init or anything else is left alone and logged. */
void rte_ring_free(struct rte_ring *r);

/** Print the ring's name, sizes, heads and tails. */
void rte_ring_dump(FILE *f, const struct rte_ring *r);

/** Empty the ring (not thread-safe: no operation may be in flight). */
void rte_ring_reset(struct rte_ring *r);

/** Print every ring made by rte_ring_create. */
void rte_ring_list_dump(FILE *f);

/** The ring named @p name, or NULL with rte_errno ENOENT. */
struct rte_ring *rte_ring_lookup(const char *name);

static __rte_always_inline unsigned int
rte_ring_mp_enqueue_bulk(struct rte_ring *r, void * const *obj_table, unsigned int n,
                         unsigned int *free_space)
{
	return rte_ring_mp_enqueue_bulk_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mp_enqueue_burst(struct rte_ring *r, void * const *obj_table, unsigned int n,
                          unsigned int *free_space)
{
	return rte_ring_mp_enqueue_burst_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_sp_enqueue_bulk(struct rte_ring *r, void * const *obj_table, unsigned int n,
                         unsigned int *free_space)
{
	return rte_ring_sp_enqueue_bulk_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_sp_enqueue_burst(struct rte_ring *r, void * const *obj_table, unsigned int n,
                          unsigned int *free_space)
{
	return rte_ring_sp_enqueue_burst_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_bulk(struct rte_ring *r, void * const *obj_table, unsigned int n,
                      unsigned int *free_space)
{
	return rte_ring_enqueue_bulk_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_burst(struct rte_ring *r, void * const *obj_table, unsigned int n,
                       unsigned int *free_space)
{
	return rte_ring_enqueue_burst_elem(r, obj_table, sizeof(void *), n, free_space);
}

static __rte_always_inline unsigned int
rte_ring_mc_dequeue_bulk(struct rte_ring *r, void **obj_table, unsigned int n,
                         unsigned int *available)
{
	return rte_ring_mc_dequeue_bulk_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_mc_dequeue_burst(struct rte_ring *r, void **obj_table, unsigned int n,
                          unsigned int *available)
{
	return rte_ring_mc_dequeue_burst_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_sc_dequeue_bulk(struct rte_ring *r, void **obj_table, unsigned int n,
                         unsigned int *available)
{
	return rte_ring_sc_dequeue_bulk_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_sc_dequeue_burst(struct rte_ring *r, void **obj_table, unsigned int n,
                          unsigned int *available)
{
	return rte_ring_sc_dequeue_burst_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_bulk(struct rte_ring *r, void **obj_table, unsigned int n,
                      unsigned int *available)
{
	return rte_ring_dequeue_bulk_elem(r, obj_table, sizeof(void *), n, available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_burst(struct rte_ring *r, void **obj_table, unsigned int n,
                       unsigned int *available)
{
	return rte_ring_dequeue_burst_elem(r, obj_table, sizeof(void *), n, available);
}

/* ---- one pointer: 0, -ENOBUFS (full) or -ENOENT (empty) ---- */
static __rte_always_inline int
rte_ring_mp_enqueue(struct rte_ring *r, void *obj)
{
	return hm_ring_mp_enqueue(RTE_RING_HM(r), obj);
}

static __rte_always_inline int
rte_ring_sp_enqueue(struct rte_ring *r, void *obj)
{
	return hm_ring_sp_enqueue(RTE_RING_HM(r), obj);
}

static __rte_always_inline int
rte_ring_enqueue(struct rte_ring *r, void *obj)
{
	return hm_ring_enqueue(RTE_RING_HM(r), obj);
}

static __rte_always_inline int
rte_ring_mc_dequeue(struct rte_ring *r, void **obj_p)
{
	return hm_ring_mc_dequeue(RTE_RING_HM(r), obj_p);
}

static __rte_always_inline int
rte_ring_sc_dequeue(struct rte_ring *r, void **obj_p)
{
	return hm_ring_sc_dequeue(RTE_RING_HM(r), obj_p);
}

static __rte_always_inline int
rte_ring_dequeue(struct rte_ring *r, void **obj_p)
{
	return hm_ring_dequeue(RTE_RING_HM(r), obj_p);
}

/* ---- state (a snapshot while other threads operate) ---- */

/** Elements in the ring. */
static inline unsigned int
rte_ring_count(const struct rte_ring *r)
{
	return hm_ring_count(RTE_RING_HM_CONST(r));
}

/** Free slots: capacity - count. */
static inline unsigned int
rte_ring_free_count(const struct rte_ring *r)
{
	return hm_ring_free_count(RTE_RING_HM_CONST(r));
}

/** 1 when the ring holds capacity elements. */
static inline int
rte_ring_full(const struct rte_ring *r)
{
	return hm_ring_full(RTE_RING_HM_CONST(r));
}

/** 1 when the ring holds nothing. */
static inline int
rte_ring_empty(const struct rte_ring *r)
{
	return hm_ring_empty(RTE_RING_HM_CONST(r));
}

/** Slots (a power of two). */
static inline unsigned int
rte_ring_get_size(const struct rte_ring *r)
{
	return r->size;
}

/** Elements the ring holds when full. */
static inline unsigned int
rte_ring_get_capacity(const struct rte_ring *r)
{
	return r->capacity;
}

static inline enum rte_ring_sync_type
rte_ring_get_prod_sync_type(const struct rte_ring *r)
{
	return r->prod.sync_type;
}

/** 1 when the producers are single-thread (RING_F_SP_ENQ). */
static inline int
rte_ring_is_prod_single(const struct rte_ring *r)
{
	return rte_ring_get_prod_sync_type(r) == RTE_RING_SYNC_ST;
}

static inline enum rte_ring_sync_type
rte_ring_get_cons_sync_type(const struct rte_ring *r)
{
	return r->cons.sync_type;
}

/** 1 when the consumers are single-thread (RING_F_SC_DEQ). */
static inline int
rte_ring_is_cons_single(const struct rte_ring *r)
{
	return rte_ring_get_cons_sync_type(r) == RTE_RING_SYNC_ST;
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RING_H_ */
