/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peek API (DPDK 22.11's rte_ring_peek.h): an enqueue or dequeue in two steps.
 * _start reserves up to n slots (enqueue) or copies out up to n elements
 * (dequeue) and moves the side's head; _finish(n) publishes the first n of
 * them (copying them in, for enqueue) and gives the rest of the reservation
 * back. Between the two no other thread of that side may operate. Only ST and
 * HTS sides support it: on an MT or RTS side _start returns 0 and _finish does
 * nothing (DPDK asserts in debug builds). @p n of _finish must not exceed what
 * _start returned.
 *
 * Written against hugemem's ring protocol (hugemem/ring_core.h): ST heads and
 * tails are 32-bit words, an HTS side is one 64-bit {head, tail} word, and the
 * other side's tail is read with the width that side writes it in.
 */
#ifndef _RTE_RING_PEEK_H_
#define _RTE_RING_PEEK_H_

#include <string.h>

#include <rte_ring_core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- internals (not API) ---- */

/* The tail of side @p ht as its own sync type publishes it. */
static __rte_always_inline uint32_t
__rte_ring_hm_tail(const struct rte_ring_headtail *ht)
{
	if (ht->sync_type == RTE_RING_SYNC_MT_RTS || ht->sync_type == RTE_RING_SYNC_MT_HTS) {
		union __rte_ring_hts_pos p;
		p.raw = __atomic_load_n(&((const struct rte_ring_hts_headtail *)(const void *)ht)->ht.raw,
					__ATOMIC_ACQUIRE);
		return p.pos.tail; /* RTS: the same half is tail.val.pos */
	}
	return __atomic_load_n(&ht->tail, __ATOMIC_ACQUIRE);
}

/* Reserve up to @p n slots of side @p is_prod in an ST or HTS ring. *head: the
 * first; *room: free slots (enqueue) or elements (dequeue) before. @return the
 * number reserved; 0 for MT and RTS sides. */
static __rte_always_inline uint32_t
__rte_ring_hm_peek_start(struct rte_ring *r, int is_prod, uint32_t n,
			 enum rte_ring_queue_behavior b, uint32_t *head, uint32_t *room)
{
	struct rte_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	struct rte_ring_hts_headtail *hts = is_prod ? &r->hts_prod : &r->hts_cons;
	union __rte_ring_hts_pos op, np;
	uint32_t got;

	*room = 0;
	switch (ht->sync_type) {
	case RTE_RING_SYNC_ST:
		*head = ht->head;
		/* exact: read from the other side, and this side's cached view of
		 * it refreshed, as every hugemem head move keeps it (a view left
		 * behind by 2^32 - capacity would read as ahead of the tail) */
		*room = hm_ring__cached_room(RTE_RING_HM(r), is_prod, *head, n, 1);
		got = n > *room ? (b == RTE_RING_QUEUE_FIXED ? 0 : *room) : n;
		if (got != 0)
			__atomic_store_n(&ht->head, *head + got, __ATOMIC_RELAXED);
		return got;
	case RTE_RING_SYNC_MT_HTS:
		op.raw = __atomic_load_n(&hts->ht.raw, __ATOMIC_ACQUIRE);
		for (;;) {
			while (op.pos.head != op.pos.tail) {
				rte_pause();
				op.raw = __atomic_load_n(&hts->ht.raw, __ATOMIC_ACQUIRE);
			}
			*head = op.pos.head;
			*room = is_prod ? r->capacity + __rte_ring_hm_tail(&r->cons) - *head :
					  __rte_ring_hm_tail(&r->prod) - *head;
			got = n > *room ? (b == RTE_RING_QUEUE_FIXED ? 0 : *room) : n;
			if (got == 0)
				return 0;
			np.pos.head = op.pos.head + got;
			np.pos.tail = op.pos.tail;
			if (__atomic_compare_exchange_n(&hts->ht.raw, &op.raw, np.raw, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return got;
		}
	default:
		return 0;
	}
}

/* The tail of a side in the middle of a peek (its reservation starts there). */
static __rte_always_inline uint32_t
__rte_ring_hm_peek_tail(struct rte_ring *r, int is_prod)
{
	struct rte_ring_headtail *ht = is_prod ? &r->prod : &r->cons;

	if (ht->sync_type == RTE_RING_SYNC_MT_HTS)
		return (is_prod ? &r->hts_prod : &r->hts_cons)->ht.pos.tail;
	return ht->tail;
}

/* Publish @p n slots from the tail: head = tail = tail + n. */
static __rte_always_inline void
__rte_ring_hm_peek_finish(struct rte_ring *r, int is_prod, uint32_t n)
{
	struct rte_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	uint32_t tail = __rte_ring_hm_peek_tail(r, is_prod);
	union __rte_ring_hts_pos np;

	switch (ht->sync_type) {
	case RTE_RING_SYNC_ST:
		__atomic_store_n(&ht->head, tail + n, __ATOMIC_RELAXED);
		__atomic_store_n(&ht->tail, tail + n, __ATOMIC_RELEASE);
		break;
	case RTE_RING_SYNC_MT_HTS:
		np.pos.head = tail + n;
		np.pos.tail = tail + n;
		__atomic_store_n(&(is_prod ? &r->hts_prod : &r->hts_cons)->ht.raw, np.raw,
				 __ATOMIC_RELEASE);
		break;
	default:
		break;
	}
}

/* Copy @p n elements of @p esize bytes to (to_ring) or from the slots at index @p idx. */
static __rte_always_inline void
__rte_ring_hm_copy(struct rte_ring *r, uint32_t idx, void *obj, uint32_t esize, uint32_t n,
		   int to_ring)
{
	uint8_t *slots = (uint8_t *)(void *)&r[1];
	uint32_t i = idx & r->mask;
	uint32_t first = r->size - i < n ? r->size - i : n;
	uint8_t *o = (uint8_t *)obj;

	if (to_ring) {
		memcpy(slots + (size_t)i * esize, o, (size_t)first * esize);
		memcpy(slots, o + (size_t)first * esize, (size_t)(n - first) * esize);
	} else {
		memcpy(o, slots + (size_t)i * esize, (size_t)first * esize);
		memcpy(o + (size_t)first * esize, slots, (size_t)(n - first) * esize);
	}
}

static __rte_always_inline unsigned int
__rte_ring_hm_enqueue_start(struct rte_ring *r, unsigned int n, enum rte_ring_queue_behavior b,
			    unsigned int *free_space)
{
	uint32_t head, room;
	uint32_t got = __rte_ring_hm_peek_start(r, 1, n, b, &head, &room);

	if (free_space != NULL)
		*free_space = room - got;
	return got;
}

static __rte_always_inline unsigned int
__rte_ring_hm_dequeue_start(struct rte_ring *r, void *obj_table, unsigned int esize,
			    unsigned int n, enum rte_ring_queue_behavior b, unsigned int *available)
{
	uint32_t head, room;
	uint32_t got = __rte_ring_hm_peek_start(r, 0, n, b, &head, &room);

	if (got != 0)
		__rte_ring_hm_copy(r, head, obj_table, esize, got, 0);
	if (available != NULL)
		*available = room - got;
	return got;
}

/* ---- API ---- */

/** Reserve @p n slots (all or none). @return n or 0. */
static __rte_always_inline unsigned int
rte_ring_enqueue_bulk_elem_start(struct rte_ring *r, unsigned int n, unsigned int *free_space)
{
	return __rte_ring_hm_enqueue_start(r, n, RTE_RING_QUEUE_FIXED, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_bulk_start(struct rte_ring *r, unsigned int n, unsigned int *free_space)
{
	return rte_ring_enqueue_bulk_elem_start(r, n, free_space);
}

/** Reserve up to @p n slots. @return the number reserved. */
static __rte_always_inline unsigned int
rte_ring_enqueue_burst_elem_start(struct rte_ring *r, unsigned int n, unsigned int *free_space)
{
	return __rte_ring_hm_enqueue_start(r, n, RTE_RING_QUEUE_VARIABLE, free_space);
}

static __rte_always_inline unsigned int
rte_ring_enqueue_burst_start(struct rte_ring *r, unsigned int n, unsigned int *free_space)
{
	return rte_ring_enqueue_burst_elem_start(r, n, free_space);
}

/** Copy @p n elements (n <= what _start returned) into the reservation and publish them. */
static __rte_always_inline void
rte_ring_enqueue_elem_finish(struct rte_ring *r, const void *obj_table, unsigned int esize,
			     unsigned int n)
{
	if (r->prod.sync_type != RTE_RING_SYNC_ST && r->prod.sync_type != RTE_RING_SYNC_MT_HTS)
		return;
	if (n != 0)
		__rte_ring_hm_copy(r, __rte_ring_hm_peek_tail(r, 1), (void *)(uintptr_t)obj_table,
				   esize, n, 1);
	__rte_ring_hm_peek_finish(r, 1, n);
}

static __rte_always_inline void
rte_ring_enqueue_finish(struct rte_ring *r, void *const *obj_table, unsigned int n)
{
	rte_ring_enqueue_elem_finish(r, obj_table, sizeof(uintptr_t), n);
}

/** Copy out @p n elements (all or none) without removing them. @return n or 0. */
static __rte_always_inline unsigned int
rte_ring_dequeue_bulk_elem_start(struct rte_ring *r, void *obj_table, unsigned int esize,
				 unsigned int n, unsigned int *available)
{
	return __rte_ring_hm_dequeue_start(r, obj_table, esize, n, RTE_RING_QUEUE_FIXED,
					   available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_bulk_start(struct rte_ring *r, void **obj_table, unsigned int n,
			    unsigned int *available)
{
	return rte_ring_dequeue_bulk_elem_start(r, obj_table, sizeof(uintptr_t), n, available);
}

/** Copy out up to @p n elements without removing them. @return the number copied. */
static __rte_always_inline unsigned int
rte_ring_dequeue_burst_elem_start(struct rte_ring *r, void *obj_table, unsigned int esize,
				  unsigned int n, unsigned int *available)
{
	return __rte_ring_hm_dequeue_start(r, obj_table, esize, n, RTE_RING_QUEUE_VARIABLE,
					   available);
}

static __rte_always_inline unsigned int
rte_ring_dequeue_burst_start(struct rte_ring *r, void **obj_table, unsigned int n,
			     unsigned int *available)
{
	return rte_ring_dequeue_burst_elem_start(r, obj_table, sizeof(uintptr_t), n, available);
}

/** Remove the first @p n (<= what _start returned) of them; the others stay. */
static __rte_always_inline void
rte_ring_dequeue_elem_finish(struct rte_ring *r, unsigned int n)
{
	__rte_ring_hm_peek_finish(r, 0, n);
}

static __rte_always_inline void
rte_ring_dequeue_finish(struct rte_ring *r, unsigned int n)
{
	rte_ring_dequeue_elem_finish(r, n);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RING_PEEK_H_ */
