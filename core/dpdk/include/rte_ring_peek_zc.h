/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zero-copy peek API (DPDK 22.11's rte_ring_peek_zc.h): _start reserves up to
 * n slots (enqueue) or elements (dequeue) and hands out where they are in the
 * ring: ptr1 holds n1 of them, ptr2 (NULL unless the reservation wraps) the
 * rest at the start of the slots. The caller writes or reads them in place,
 * then _finish(n) publishes the first n (n <= what _start returned) and gives
 * the rest back. ST and HTS sides only, as rte_ring_peek.h (whose internals
 * this file uses).
 */
#ifndef _RTE_RING_PEEK_ZC_H_
#define _RTE_RING_PEEK_ZC_H_

#include <rte_ring_peek.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where a zero-copy reservation is. */
struct rte_ring_zc_data {
	void *ptr1;      /* first element */
	void *ptr2;      /* after the wrap (start of the slots), or NULL */
	unsigned int n1; /* elements at ptr1 */
} __rte_cache_aligned;

/* Fill @p zcd for @p num elements of @p esize bytes from index @p head. */
static __rte_always_inline void
__rte_ring_hm_zc_addr(struct rte_ring *r, uint32_t head, uint32_t esize, uint32_t num,
		      struct rte_ring_zc_data *zcd)
{
	uint8_t *slots = (uint8_t *)(void *)&r[1];
	uint32_t idx = head & r->mask;

	zcd->ptr1 = slots + (size_t)idx * esize;
	zcd->n1 = num;
	zcd->ptr2 = NULL;
	if (idx + num > r->size) {
		zcd->n1 = r->size - idx;
		zcd->ptr2 = slots;
	}
}

static __rte_always_inline unsigned int
__rte_ring_hm_zc_start(struct rte_ring *r, int is_prod, unsigned int esize, unsigned int n,
		       enum rte_ring_queue_behavior b, struct rte_ring_zc_data *zcd,
		       unsigned int *left)
{
	uint32_t head = 0, room;
	uint32_t got = __rte_ring_hm_peek_start(r, is_prod, n, b, &head, &room);

	if (got != 0)
		__rte_ring_hm_zc_addr(r, head, esize, got, zcd);
	if (left != NULL)
		*left = room - got;
	return got;
}

/** Reserve @p n slots (all or none) of @p esize bytes. @return n or 0. */
static __rte_always_inline unsigned int
rte_ring_enqueue_zc_bulk_elem_start(struct rte_ring *r, unsigned int esize, unsigned int n,
				    struct rte_ring_zc_data *zcd, unsigned int *free_space)
{
	return __rte_ring_hm_zc_start(r, 1, esize, n, RTE_RING_QUEUE_FIXED, zcd, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_zc_bulk_start(struct rte_ring *r, unsigned int n, struct rte_ring_zc_data *zcd,
			       unsigned int *free_space)
{
	return rte_ring_enqueue_zc_bulk_elem_start(r, sizeof(uintptr_t), n, zcd, free_space);
}

/** Reserve up to @p n slots. @return the number reserved. */
static __rte_always_inline unsigned int
rte_ring_enqueue_zc_burst_elem_start(struct rte_ring *r, unsigned int esize, unsigned int n,
				     struct rte_ring_zc_data *zcd, unsigned int *free_space)
{
	return __rte_ring_hm_zc_start(r, 1, esize, n, RTE_RING_QUEUE_VARIABLE, zcd, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_zc_burst_start(struct rte_ring *r, unsigned int n, struct rte_ring_zc_data *zcd,
				unsigned int *free_space)
{
	return rte_ring_enqueue_zc_burst_elem_start(r, sizeof(uintptr_t), n, zcd, free_space);
}

/** Publish the first @p n written slots. */
static __rte_always_inline void
rte_ring_enqueue_zc_elem_finish(struct rte_ring *r, unsigned int n)
{
	__rte_ring_hm_peek_finish(r, 1, n);
}

static __rte_always_inline void
rte_ring_enqueue_zc_finish(struct rte_ring *r, unsigned int n)
{
	rte_ring_enqueue_zc_elem_finish(r, n);
}

/** Reserve @p n elements (all or none) to read in place. @return n or 0. */
static __rte_always_inline unsigned int
rte_ring_dequeue_zc_bulk_elem_start(struct rte_ring *r, unsigned int esize, unsigned int n,
				    struct rte_ring_zc_data *zcd, unsigned int *available)
{
	return __rte_ring_hm_zc_start(r, 0, esize, n, RTE_RING_QUEUE_FIXED, zcd, available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_zc_bulk_start(struct rte_ring *r, unsigned int n, struct rte_ring_zc_data *zcd,
			       unsigned int *available)
{
	return rte_ring_dequeue_zc_bulk_elem_start(r, sizeof(uintptr_t), n, zcd, available);
}

/** Reserve up to @p n elements. @return the number reserved. */
static __rte_always_inline unsigned int
rte_ring_dequeue_zc_burst_elem_start(struct rte_ring *r, unsigned int esize, unsigned int n,
				     struct rte_ring_zc_data *zcd, unsigned int *available)
{
	return __rte_ring_hm_zc_start(r, 0, esize, n, RTE_RING_QUEUE_VARIABLE, zcd, available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_zc_burst_start(struct rte_ring *r, unsigned int n, struct rte_ring_zc_data *zcd,
				unsigned int *available)
{
	return rte_ring_dequeue_zc_burst_elem_start(r, sizeof(uintptr_t), n, zcd, available);
}

/** Remove the first @p n reserved elements; the others stay. */
static __rte_always_inline void
rte_ring_dequeue_zc_elem_finish(struct rte_ring *r, unsigned int n)
{
	__rte_ring_hm_peek_finish(r, 0, n);
}

static __rte_always_inline void
rte_ring_dequeue_zc_finish(struct rte_ring *r, unsigned int n)
{
	rte_ring_dequeue_zc_elem_finish(r, n);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RING_PEEK_ZC_H_ */
