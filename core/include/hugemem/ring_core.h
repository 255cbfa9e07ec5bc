/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring layout and the inline fast paths (enqueue / dequeue / counts). Include
 * hugemem/ring.h, not this file: ring.h has the overview, the flags and the
 * functions that are not inline.
 *
 * Layout (384 bytes, DPDK's): cache line 0 holds the name, the flags and the
 * sizes; the producer's head/tail sits at byte 128 and the consumer's at 256,
 * each alone on its line with an empty line on both sides, so neither false
 * sharing nor the adjacent-line prefetcher couples the two sides. The slots
 * follow the struct (&r[1]), size * esize bytes.
 *
 * Indexes are free-running uint32_t values; slot = index & mask and all
 * arithmetic is modulo 2^32. At every moment, for each side:
 *   prod.tail - cons.tail <= capacity    (elements visible to consumers)
 *   prod.head - cons.tail <= capacity    (reserved by producers)
 *   cons.head - cons.tail <= prod.tail - cons.tail
 * and at quiescence head == tail on both sides.
 *
 * Protocol (C11 acquire/release, TSan-clean):
 *   1. move the head: load-acquire the other side's tail (pairs with its
 *      store-release), compute the room, then advance the own head (MT, ST: the
 *      room is first computed from other_tail, this side's last reading of the
 *      other side's tail, kept on this side's own line; only when that room is
 *      short (or the caller asks how much room is left) is the other side's
 *      line read again and other_tail updated, with release / acquire so that
 *      any thread of this side using the cached value also sees what the read
 *      saw. Tails only move forward, so a cached tail is never ahead of the
 *      real one: a room computed from it is at most the real room, and one
 *      above the capacity (the head moved past a stale value) counts as short.
 *      While a side finds room it no longer pulls the other side's line,
 *      which then stays in the other core's cache for its head/tail stores.
 *      Exception: a single (ST) producer reads the consumer's tail on every
 *      call, as DPDK does (and refreshes other_tail with it). With a cached
 *      view on that side too, a consumer on another core runs ahead of the
 *      producer, finds the ring empty about once per burst and polls the
 *      producer's line while the producer writes it: on two cores that ran at
 *      ~4 ns per object against ~2.3 with the producer reading every call
 *      (issue #19, docs/performance-history.md, part 5). ST: a plain
 *      store; MT: CAS acq_rel, so the next thread to move the head also sees
 *      every tail value the previous one saw; HTS: a CAS of {head, tail} as one
 *      64-bit word once head == tail; RTS: a CAS of {cnt, pos} once the
 *      head-tail distance is at most htd_max);
 *   2. copy the elements (unrolled, split at the wrap);
 *   3. publish with a store-release of the tail (MT: after waiting with
 *      load-acquire for the earlier reservations of this side to publish;
 *      HTS: store {tail, tail} as one word; RTS: CAS cnt+1, and the last thread
 *      in flight also moves pos up to the head).
 * Every access to one word uses one width: MT/ST tails are 32-bit words at
 * offset 4 of the side, HTS {head, tail} and RTS {cnt, pos} tails are 64-bit
 * words at offset 0 whose second half is the tail, so readers of the other side
 * (hm_ring__load_tail) pick the width from the side's sync_type.
 */
#ifndef HUGEMEM_RING_CORE_H
#define HUGEMEM_RING_CORE_H

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Ring names are at most 28 characters: memzone "RG_<name>" fits 31 (DPDK's 29). */
#define HM_RING_NAMESIZE 29

struct hm_memzone;

/** How one side (producers or consumers) synchronises; fixed at init. */
enum hm_ring_sync_type {
	HM_RING_SYNC_MT = 0,     /* multi-thread: CAS on the head, tails in order */
	HM_RING_SYNC_ST = 1,     /* single thread */
	HM_RING_SYNC_MT_RTS = 2, /* relaxed tail sync */
	HM_RING_SYNC_MT_HTS = 3, /* head/tail sync: one operation in flight */
};

/** Bulk (all or nothing) or burst (as many as possible). */
enum hm_ring_queue_behavior {
	HM_RING_QUEUE_FIXED = 0,
	HM_RING_QUEUE_VARIABLE = 1,
};

/** RTS head or tail: position and number of operations, one 64-bit word. */
union hm_ring_poscnt {
	uint64_t raw;
	struct {
		uint32_t cnt; /* operations started (head) or finished (tail) */
		uint32_t pos; /* free-running index */
	} val;
};

/** HTS head and tail in one 64-bit word. */
union hm_ring_hts_pos {
	uint64_t raw;
	struct {
		uint32_t head;
		uint32_t tail;
	} pos;
};

/** One side of the ring. 64 bytes, alone on its cache line. */
HM_ANON_BEGIN
struct hm_ring_headtail {
	union {
		HM_EXTENSION struct {
			uint32_t head;         /* MT, ST: next index to reserve */
			uint32_t tail;         /* MT, ST: indexes below it are published */
		};
		union hm_ring_hts_pos hts;     /* HTS: {head, tail}, one word */
		union hm_ring_poscnt rts_tail; /* RTS: tail {cnt, pos} */
	};
	uint32_t sync_type;                    /* enum hm_ring_sync_type; fixed at init */
	uint32_t htd_max;                      /* RTS: max head.pos - tail.pos to start; else 0 */
	union hm_ring_poscnt rts_head;         /* RTS: head {cnt, pos}; else 0 */
	uint32_t other_tail;                   /* MT, ST: the other side's tail as this side
						  last read it (never ahead of it); HTS, RTS:
						  the value at init, unused */
	uint32_t pad32;
	char pad[HM_CACHE_LINE_SIZE - 32];
};
HM_ANON_END

/** A ring. Use the functions; the fields are here for the inline fast paths. */
struct hm_ring {
	HM_ALIGNAS(HM_CACHE_LINE_SIZE) char name[HM_RING_NAMESIZE]; /* NUL-terminated */
	uint32_t flags;                     /* HM_RING_F_* given at init */
	uint32_t esize;                     /* bytes per element: a multiple of 4 */
	const struct hm_memzone *memzone;   /* "RG_<name>" from hm_ring_create; NULL for init */
	uint32_t size;                      /* slots: a power of two <= 2^31 */
	uint32_t mask;                      /* size - 1 */
	uint32_t capacity;                  /* usable slots: size - 1, or the count (EXACT_SZ) */
	uint32_t magic;                     /* HM_RING_MAGIC once initialised */
	HM_ALIGNAS(HM_CACHE_LINE_SIZE) char pad0[HM_CACHE_LINE_SIZE];
	HM_ALIGNAS(HM_CACHE_LINE_SIZE) struct hm_ring_headtail prod;
	HM_ALIGNAS(HM_CACHE_LINE_SIZE) char pad1[HM_CACHE_LINE_SIZE];
	HM_ALIGNAS(HM_CACHE_LINE_SIZE) struct hm_ring_headtail cons;
	HM_ALIGNAS(HM_CACHE_LINE_SIZE) char pad2[HM_CACHE_LINE_SIZE];
	/* the slots follow: size * esize bytes */
};

#define HM_RING_MAGIC 0x52494e47u /* "RING" */

HM_STATIC_ASSERT(sizeof(struct hm_ring_headtail) == HM_CACHE_LINE_SIZE, "one side is one line");
HM_STATIC_ASSERT(offsetof(struct hm_ring_headtail, tail) == 4, "MT tail at offset 4");
HM_STATIC_ASSERT(offsetof(struct hm_ring_headtail, other_tail) == 24,
		 "the cached tail is after every field DPDK's sides have");
HM_STATIC_ASSERT(offsetof(struct hm_ring, prod) == 128, "producer side at byte 128");
HM_STATIC_ASSERT(offsetof(struct hm_ring, cons) == 256, "consumer side at byte 256");
HM_STATIC_ASSERT(sizeof(struct hm_ring) == 384, "ring header is 384 bytes (DPDK's)");

/* ---------------------------------------------------------------- engine
 * hm_ring__* are the building blocks of the public inline functions below; they
 * are not API. */

#if defined(__x86_64__) || defined(__i386__)
#define HM_RING__PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define HM_RING__PAUSE() __asm__ volatile("yield" ::: "memory")
#else
#define HM_RING__PAUSE() ((void)0)
#endif

/* A wait for another thread of the same side: spin briefly, then yield, so a
 * preempted thread (more threads than CPUs, as on a 2-vCPU CI machine) gets to
 * finish instead of every waiter burning its time slice. */
static inline void
hm_ring__wait(unsigned int *spins)
{
	if (++*spins < 256)
		HM_RING__PAUSE();
	else
		sched_yield();
}

/* Copy units: may alias anything (the callers' tables hold pointers or structs)
 * and need only 4-byte alignment (an element table of esize 8 may be a table of
 * uint32_t pairs). */
typedef uint32_t hm_ring__u32 __attribute__((may_alias));
typedef uint64_t hm_ring__u64 __attribute__((may_alias, aligned(4)));

/* The other side's published tail, with the width that side writes it in. */
static inline uint32_t
hm_ring__load_tail(const struct hm_ring_headtail *ht)
{
	if (ht->sync_type >= HM_RING_SYNC_MT_RTS) {
		union hm_ring_poscnt t;
		t.raw = __atomic_load_n(&ht->rts_tail.raw, __ATOMIC_ACQUIRE);
		return t.val.pos; /* HTS: the same half is hts.pos.tail */
	}
	return __atomic_load_n(&ht->tail, __ATOMIC_ACQUIRE);
}

/* Room for this side: free slots for producers, filled slots for consumers. */
static inline uint32_t
hm_ring__room(const struct hm_ring *r, int is_prod, uint32_t head)
{
	if (is_prod)
		return r->capacity + hm_ring__load_tail(&r->cons) - head;
	return hm_ring__load_tail(&r->prod) - head;
}

static inline uint32_t
hm_ring__clip(uint32_t n, uint32_t room, enum hm_ring_queue_behavior b)
{
	if (n > room)
		return b == HM_RING_QUEUE_FIXED ? 0 : room;
	return n;
}

/* gcc 12 at -O2/-O3 does not see that a wrapped copy's runs add up to the
 * caller's n, and warns that the neighbours of a single element are read
 * (hm_ring_enqueue(r, obj) copies &obj): they are not. The warning is off for
 * the copy helpers, which move exactly the count they are given, so that code
 * including this header builds with -Werror at any optimisation level. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
static inline void
hm_ring__cp64(hm_ring__u64 *HM_RESTRICT d, const hm_ring__u64 *HM_RESTRICT s, uint32_t n)
{
	uint32_t i = 0;

	for (; i + 4 <= n; i += 4) {
		d[i] = s[i];
		d[i + 1] = s[i + 1];
		d[i + 2] = s[i + 2];
		d[i + 3] = s[i + 3];
	}
	for (; i < n; i++)
		d[i] = s[i];
}

static inline void
hm_ring__cp32(hm_ring__u32 *HM_RESTRICT d, const hm_ring__u32 *HM_RESTRICT s, uint32_t n)
{
	uint32_t i = 0;

	for (; i + 4 <= n; i += 4) {
		d[i] = s[i];
		d[i + 1] = s[i + 1];
		d[i + 2] = s[i + 2];
		d[i + 3] = s[i + 3];
	}
	for (; i < n; i++)
		d[i] = s[i];
}

/* Copy @p n elements between @p obj and the slots starting at slot @p idx,
 * without wrapping (idx + n <= size). */
static inline void
hm_ring__copy_run(struct hm_ring *r, uint32_t idx, void *obj, uint32_t esize, uint32_t n,
		  int to_ring)
{
	if (esize % 8 == 0) {
		const uint32_t s = esize / 8;
		hm_ring__u64 *slot = (hm_ring__u64 *)(void *)(r + 1) + (size_t)idx * s;
		hm_ring__u64 *o = (hm_ring__u64 *)obj;

		if (to_ring)
			hm_ring__cp64(slot, o, n * s);
		else
			hm_ring__cp64(o, slot, n * s);
	} else {
		const uint32_t s = esize / 4;
		hm_ring__u32 *slot = (hm_ring__u32 *)(void *)(r + 1) + (size_t)idx * s;
		hm_ring__u32 *o = (hm_ring__u32 *)obj;

		if (to_ring)
			hm_ring__cp32(slot, o, n * s);
		else
			hm_ring__cp32(o, slot, n * s);
	}
}

/* Copy @p n elements into (to_ring) or out of the slots starting at index @p head.
 * The common case (no wrap) is one run whose length is the caller's n: a constant
 * after inlining a bulk call, so the copy unrolls completely. */
static inline void
hm_ring__copy(struct hm_ring *r, uint32_t head, void *obj, uint32_t esize, uint32_t n,
	      int to_ring)
{
	const uint32_t idx = head & r->mask;
	uint32_t first;

	if (HM_LIKELY(idx + n <= r->size)) {
		hm_ring__copy_run(r, idx, obj, esize, n, to_ring);
		return;
	}
	first = r->size - idx;
	hm_ring__copy_run(r, idx, obj, esize, first, to_ring);
	hm_ring__copy_run(r, 0, (char *)obj + (size_t)first * esize, esize, n - first, to_ring);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* MT / ST: room for this side from its cached view of the other side's tail,
 * re-read (and the cache refreshed) when that shows fewer than @p n, more than
 * the capacity (a stale value the head has passed), or at once when @p exact. */
static inline uint32_t
hm_ring__cached_room(struct hm_ring *r, int is_prod, uint32_t head, uint32_t n, int exact)
{
	struct hm_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	uint32_t c, room;

	if (!exact) {
		c = __atomic_load_n(&ht->other_tail, __ATOMIC_ACQUIRE);
		room = is_prod ? r->capacity + c - head : c - head;
		if (HM_LIKELY(room >= n && room <= r->capacity))
			return room;
	}
	c = hm_ring__load_tail(is_prod ? &r->cons : &r->prod);
	__atomic_store_n(&ht->other_tail, c, __ATOMIC_RELEASE);
	return is_prod ? r->capacity + c - head : c - head;
}

/* MT / ST: reserve up to @p n slots; *old_head is where they start, *room the
 * room seen before reserving (exact, read from the other side, when @p exact;
 * otherwise possibly less than the real room). @return the number reserved. */
static inline uint32_t
hm_ring__move_head(struct hm_ring *r, int is_prod, int is_st, uint32_t n,
		   enum hm_ring_queue_behavior b, uint32_t *old_head, uint32_t *room, int exact)
{
	struct hm_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	uint32_t oh = __atomic_load_n(&ht->head, __ATOMIC_ACQUIRE);
	uint32_t got;

	for (;;) {
		/* a single producer reads the consumer's tail on every call (see the
		 * protocol above: with a cached view there, the consumer outruns it) */
		*room = hm_ring__cached_room(r, is_prod, oh, n, exact || (is_prod && is_st));
		got = hm_ring__clip(n, *room, b);
		if (got == 0)
			break;
		if (is_st) {
			__atomic_store_n(&ht->head, oh + got, __ATOMIC_RELAXED);
			break;
		}
		if (__atomic_compare_exchange_n(&ht->head, &oh, oh + got, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	*old_head = oh;
	return got;
}

/* MT / ST: publish [old_head, new_head) once the earlier reservations have. */
static inline void
hm_ring__update_tail(struct hm_ring_headtail *ht, uint32_t old_head, uint32_t new_head, int is_st)
{
	unsigned int spins = 0;

	if (!is_st)
		while (__atomic_load_n(&ht->tail, __ATOMIC_ACQUIRE) != old_head)
			hm_ring__wait(&spins);
	__atomic_store_n(&ht->tail, new_head, __ATOMIC_RELEASE);
}

/* HTS: wait until no operation of this side is in flight, then reserve. */
static inline uint32_t
hm_ring__hts_move_head(struct hm_ring *r, int is_prod, uint32_t n, enum hm_ring_queue_behavior b,
		       uint32_t *old_head, uint32_t *room)
{
	struct hm_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	union hm_ring_hts_pos op, np;
	unsigned int spins = 0;
	uint32_t got;

	op.raw = __atomic_load_n(&ht->hts.raw, __ATOMIC_ACQUIRE);
	for (;;) {
		while (op.pos.head != op.pos.tail) {
			hm_ring__wait(&spins);
			op.raw = __atomic_load_n(&ht->hts.raw, __ATOMIC_ACQUIRE);
		}
		*room = hm_ring__room(r, is_prod, op.pos.head);
		got = hm_ring__clip(n, *room, b);
		if (got == 0)
			break;
		np.pos.head = op.pos.head + got;
		np.pos.tail = op.pos.tail;
		if (__atomic_compare_exchange_n(&ht->hts.raw, &op.raw, np.raw, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			break;
	}
	*old_head = op.pos.head;
	return got;
}

/* HTS: the only operation in flight publishes; head does not move meanwhile. */
static inline void
hm_ring__hts_update_tail(struct hm_ring_headtail *ht, uint32_t new_tail)
{
	union hm_ring_hts_pos np;

	np.pos.head = new_tail;
	np.pos.tail = new_tail;
	__atomic_store_n(&ht->hts.raw, np.raw, __ATOMIC_RELEASE);
}

/* RTS: wait while head.pos - tail.pos > htd_max, then reserve (pos += n, cnt++). */
static inline uint32_t
hm_ring__rts_move_head(struct hm_ring *r, int is_prod, uint32_t n, enum hm_ring_queue_behavior b,
		       uint32_t *old_head, uint32_t *room)
{
	struct hm_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	union hm_ring_poscnt oh, nh, t;
	unsigned int spins = 0;
	uint32_t got;

	oh.raw = __atomic_load_n(&ht->rts_head.raw, __ATOMIC_ACQUIRE);
	for (;;) {
		for (;;) {
			t.raw = __atomic_load_n(&ht->rts_tail.raw, __ATOMIC_ACQUIRE);
			if (oh.val.pos - t.val.pos <= __atomic_load_n(&ht->htd_max, __ATOMIC_RELAXED))
				break;
			hm_ring__wait(&spins);
			oh.raw = __atomic_load_n(&ht->rts_head.raw, __ATOMIC_ACQUIRE);
		}
		*room = hm_ring__room(r, is_prod, oh.val.pos);
		got = hm_ring__clip(n, *room, b);
		if (got == 0)
			break;
		nh.val.pos = oh.val.pos + got;
		nh.val.cnt = oh.val.cnt + 1;
		if (__atomic_compare_exchange_n(&ht->rts_head.raw, &oh.raw, nh.raw, 0,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	*old_head = oh.val.pos;
	return got;
}

/* RTS: count this operation as finished; the last one in flight moves tail.pos
 * up to head.pos. No thread waits for a particular other one. */
static inline void
hm_ring__rts_update_tail(struct hm_ring_headtail *ht)
{
	union hm_ring_poscnt ot, nt, h;

	ot.raw = __atomic_load_n(&ht->rts_tail.raw, __ATOMIC_ACQUIRE);
	do {
		h.raw = __atomic_load_n(&ht->rts_head.raw, __ATOMIC_ACQUIRE);
		nt.raw = ot.raw;
		if (++nt.val.cnt == h.val.cnt)
			nt.val.pos = h.val.pos;
	} while (!__atomic_compare_exchange_n(&ht->rts_tail.raw, &ot.raw, nt.raw, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

/* One enqueue (is_prod) or dequeue of up to @p n elements of @p esize bytes with
 * side sync @p st. *room_out (may be NULL): free slots left (enqueue) or
 * elements left (dequeue). @return the number moved. */
static inline unsigned int
hm_ring__do(struct hm_ring *r, int is_prod, void *obj, uint32_t esize, uint32_t n,
	    enum hm_ring_queue_behavior b, uint32_t st, unsigned int *room_out)
{
	struct hm_ring_headtail *ht = is_prod ? &r->prod : &r->cons;
	uint32_t head = 0, room = 0;

	switch (st) {
	case HM_RING_SYNC_ST:
		n = hm_ring__move_head(r, is_prod, 1, n, b, &head, &room, room_out != NULL);
		if (n != 0) {
			hm_ring__copy(r, head, obj, esize, n, is_prod);
			hm_ring__update_tail(ht, head, head + n, 1);
		}
		break;
	case HM_RING_SYNC_MT_RTS:
		n = hm_ring__rts_move_head(r, is_prod, n, b, &head, &room);
		if (n != 0) {
			hm_ring__copy(r, head, obj, esize, n, is_prod);
			hm_ring__rts_update_tail(ht);
		}
		break;
	case HM_RING_SYNC_MT_HTS:
		n = hm_ring__hts_move_head(r, is_prod, n, b, &head, &room);
		if (n != 0) {
			hm_ring__copy(r, head, obj, esize, n, is_prod);
			hm_ring__hts_update_tail(ht, head + n);
		}
		break;
	default: /* HM_RING_SYNC_MT */
		n = hm_ring__move_head(r, is_prod, 0, n, b, &head, &room, room_out != NULL);
		if (n != 0) {
			hm_ring__copy(r, head, obj, esize, n, is_prod);
			hm_ring__update_tail(ht, head, head + n, 0);
		}
		break;
	}
	if (room_out != NULL)
		*room_out = room - n;
	return n;
}

#define HM_RING__ENQ(r, obj, esize, n, b, st, fs) \
	hm_ring__do((r), 1, (void *)(uintptr_t)(obj), (esize), (n), (b), (st), (fs))
#define HM_RING__DEQ(r, obj, esize, n, b, st, av) \
	hm_ring__do((r), 0, (void *)(obj), (esize), (n), (b), (st), (av))

/* ---------------------------------------------------------------- API: elements of esize bytes
 * pre (all of them): @p r is an initialised ring; @p esize is the ring's element
 * size; the table holds @p n elements (n may be 0); a side initialised for one
 * sync mode is used only through the functions of that mode or the default ones.
 * Enqueue: @return n or 0 (bulk), 0..n (burst); *free_space (may be NULL) = free
 * slots after the call. Dequeue: same, *available = elements left after it. */

/** Enqueue with the producer mode chosen at init. */
static inline unsigned int
hm_ring_enqueue_bulk_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
			  unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, r->prod.sync_type,
			    free_space);
}

static inline unsigned int
hm_ring_enqueue_burst_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
			   unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, r->prod.sync_type,
			    free_space);
}

/** Dequeue with the consumer mode chosen at init. */
static inline unsigned int
hm_ring_dequeue_bulk_elem(struct hm_ring *r, void *obj_table, unsigned int esize, unsigned int n,
			  unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, r->cons.sync_type,
			    available);
}

static inline unsigned int
hm_ring_dequeue_burst_elem(struct hm_ring *r, void *obj_table, unsigned int esize, unsigned int n,
			   unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, r->cons.sync_type,
			    available);
}

/** Multi-producer (MT) enqueue; the producer side must be MT. */
static inline unsigned int
hm_ring_mp_enqueue_bulk_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
			     unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_MT,
			    free_space);
}

static inline unsigned int
hm_ring_mp_enqueue_burst_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
			      unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_MT,
			    free_space);
}

/** Single-producer enqueue: no other producer may run at the same time. */
static inline unsigned int
hm_ring_sp_enqueue_bulk_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
			     unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_ST,
			    free_space);
}

static inline unsigned int
hm_ring_sp_enqueue_burst_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
			      unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_ST,
			    free_space);
}

/** RTS enqueue; the producer side must be RTS (HM_RING_F_MP_RTS_ENQ). */
static inline unsigned int
hm_ring_mp_rts_enqueue_bulk_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
				 unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_MT_RTS,
			    free_space);
}

static inline unsigned int
hm_ring_mp_rts_enqueue_burst_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
				  unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_MT_RTS,
			    free_space);
}

/** HTS enqueue; the producer side must be HTS (HM_RING_F_MP_HTS_ENQ). */
static inline unsigned int
hm_ring_mp_hts_enqueue_bulk_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
				 unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_MT_HTS,
			    free_space);
}

static inline unsigned int
hm_ring_mp_hts_enqueue_burst_elem(struct hm_ring *r, const void *obj_table, unsigned int esize,
				  unsigned int n, unsigned int *free_space)
{
	return HM_RING__ENQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_MT_HTS,
			    free_space);
}

/** Multi-consumer (MT) dequeue; the consumer side must be MT. */
static inline unsigned int
hm_ring_mc_dequeue_bulk_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
			     unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_MT,
			    available);
}

static inline unsigned int
hm_ring_mc_dequeue_burst_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
			      unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_MT,
			    available);
}

/** Single-consumer dequeue: no other consumer may run at the same time. */
static inline unsigned int
hm_ring_sc_dequeue_bulk_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
			     unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_ST,
			    available);
}

static inline unsigned int
hm_ring_sc_dequeue_burst_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
			      unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_ST,
			    available);
}

/** RTS dequeue; the consumer side must be RTS (HM_RING_F_MC_RTS_DEQ). */
static inline unsigned int
hm_ring_mc_rts_dequeue_bulk_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
				 unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_MT_RTS,
			    available);
}

static inline unsigned int
hm_ring_mc_rts_dequeue_burst_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
				  unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_MT_RTS,
			    available);
}

/** HTS dequeue; the consumer side must be HTS (HM_RING_F_MC_HTS_DEQ). */
static inline unsigned int
hm_ring_mc_hts_dequeue_bulk_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
				 unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_FIXED, HM_RING_SYNC_MT_HTS,
			    available);
}

static inline unsigned int
hm_ring_mc_hts_dequeue_burst_elem(struct hm_ring *r, void *obj_table, unsigned int esize,
				  unsigned int n, unsigned int *available)
{
	return HM_RING__DEQ(r, obj_table, esize, n, HM_RING_QUEUE_VARIABLE, HM_RING_SYNC_MT_HTS,
			    available);
}

/** One element: @return 0, or -ENOBUFS when the ring is full. */
static inline int
hm_ring_enqueue_elem(struct hm_ring *r, const void *obj, unsigned int esize)
{
	return hm_ring_enqueue_bulk_elem(r, obj, esize, 1, NULL) ? 0 : -ENOBUFS;
}

static inline int
hm_ring_mp_enqueue_elem(struct hm_ring *r, const void *obj, unsigned int esize)
{
	return hm_ring_mp_enqueue_bulk_elem(r, obj, esize, 1, NULL) ? 0 : -ENOBUFS;
}

static inline int
hm_ring_sp_enqueue_elem(struct hm_ring *r, const void *obj, unsigned int esize)
{
	return hm_ring_sp_enqueue_bulk_elem(r, obj, esize, 1, NULL) ? 0 : -ENOBUFS;
}

/** One element: @return 0, or -ENOENT when the ring is empty. */
static inline int
hm_ring_dequeue_elem(struct hm_ring *r, void *obj, unsigned int esize)
{
	return hm_ring_dequeue_bulk_elem(r, obj, esize, 1, NULL) ? 0 : -ENOENT;
}

static inline int
hm_ring_mc_dequeue_elem(struct hm_ring *r, void *obj, unsigned int esize)
{
	return hm_ring_mc_dequeue_bulk_elem(r, obj, esize, 1, NULL) ? 0 : -ENOENT;
}

static inline int
hm_ring_sc_dequeue_elem(struct hm_ring *r, void *obj, unsigned int esize)
{
	return hm_ring_sc_dequeue_bulk_elem(r, obj, esize, 1, NULL) ? 0 : -ENOENT;
}

/* ---------------------------------------------------------------- API: pointers
 * The same operations on tables of void * (rings of esize sizeof(void *), as
 * hm_ring_create / hm_ring_init make). */

#define HM_RING__PTR ((unsigned int)sizeof(void *))

static inline unsigned int
hm_ring_enqueue_bulk(struct hm_ring *r, void *const *objs, unsigned int n,
		     unsigned int *free_space)
{
	return hm_ring_enqueue_bulk_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_enqueue_burst(struct hm_ring *r, void *const *objs, unsigned int n,
		      unsigned int *free_space)
{
	return hm_ring_enqueue_burst_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_dequeue_bulk(struct hm_ring *r, void **objs, unsigned int n, unsigned int *available)
{
	return hm_ring_dequeue_bulk_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_dequeue_burst(struct hm_ring *r, void **objs, unsigned int n, unsigned int *available)
{
	return hm_ring_dequeue_burst_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_mp_enqueue_bulk(struct hm_ring *r, void *const *objs, unsigned int n,
			unsigned int *free_space)
{
	return hm_ring_mp_enqueue_bulk_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_mp_enqueue_burst(struct hm_ring *r, void *const *objs, unsigned int n,
			 unsigned int *free_space)
{
	return hm_ring_mp_enqueue_burst_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_sp_enqueue_bulk(struct hm_ring *r, void *const *objs, unsigned int n,
			unsigned int *free_space)
{
	return hm_ring_sp_enqueue_bulk_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_sp_enqueue_burst(struct hm_ring *r, void *const *objs, unsigned int n,
			 unsigned int *free_space)
{
	return hm_ring_sp_enqueue_burst_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_mp_rts_enqueue_bulk(struct hm_ring *r, void *const *objs, unsigned int n,
			    unsigned int *free_space)
{
	return hm_ring_mp_rts_enqueue_bulk_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_mp_rts_enqueue_burst(struct hm_ring *r, void *const *objs, unsigned int n,
			     unsigned int *free_space)
{
	return hm_ring_mp_rts_enqueue_burst_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_mp_hts_enqueue_bulk(struct hm_ring *r, void *const *objs, unsigned int n,
			    unsigned int *free_space)
{
	return hm_ring_mp_hts_enqueue_bulk_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_mp_hts_enqueue_burst(struct hm_ring *r, void *const *objs, unsigned int n,
			     unsigned int *free_space)
{
	return hm_ring_mp_hts_enqueue_burst_elem(r, objs, HM_RING__PTR, n, free_space);
}

static inline unsigned int
hm_ring_mc_dequeue_bulk(struct hm_ring *r, void **objs, unsigned int n, unsigned int *available)
{
	return hm_ring_mc_dequeue_bulk_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_mc_dequeue_burst(struct hm_ring *r, void **objs, unsigned int n, unsigned int *available)
{
	return hm_ring_mc_dequeue_burst_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_sc_dequeue_bulk(struct hm_ring *r, void **objs, unsigned int n, unsigned int *available)
{
	return hm_ring_sc_dequeue_bulk_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_sc_dequeue_burst(struct hm_ring *r, void **objs, unsigned int n, unsigned int *available)
{
	return hm_ring_sc_dequeue_burst_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_mc_rts_dequeue_bulk(struct hm_ring *r, void **objs, unsigned int n,
			    unsigned int *available)
{
	return hm_ring_mc_rts_dequeue_bulk_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_mc_rts_dequeue_burst(struct hm_ring *r, void **objs, unsigned int n,
			     unsigned int *available)
{
	return hm_ring_mc_rts_dequeue_burst_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_mc_hts_dequeue_bulk(struct hm_ring *r, void **objs, unsigned int n,
			    unsigned int *available)
{
	return hm_ring_mc_hts_dequeue_bulk_elem(r, objs, HM_RING__PTR, n, available);
}

static inline unsigned int
hm_ring_mc_hts_dequeue_burst(struct hm_ring *r, void **objs, unsigned int n,
			     unsigned int *available)
{
	return hm_ring_mc_hts_dequeue_burst_elem(r, objs, HM_RING__PTR, n, available);
}

/** One pointer: @return 0, or -ENOBUFS when the ring is full. */
static inline int
hm_ring_enqueue(struct hm_ring *r, void *obj)
{
	return hm_ring_enqueue_elem(r, &obj, HM_RING__PTR);
}

static inline int
hm_ring_mp_enqueue(struct hm_ring *r, void *obj)
{
	return hm_ring_mp_enqueue_elem(r, &obj, HM_RING__PTR);
}

static inline int
hm_ring_sp_enqueue(struct hm_ring *r, void *obj)
{
	return hm_ring_sp_enqueue_elem(r, &obj, HM_RING__PTR);
}

/** One pointer into *obj_p: @return 0, or -ENOENT when the ring is empty. */
static inline int
hm_ring_dequeue(struct hm_ring *r, void **obj_p)
{
	return hm_ring_dequeue_elem(r, obj_p, HM_RING__PTR);
}

static inline int
hm_ring_mc_dequeue(struct hm_ring *r, void **obj_p)
{
	return hm_ring_mc_dequeue_elem(r, obj_p, HM_RING__PTR);
}

static inline int
hm_ring_sc_dequeue(struct hm_ring *r, void **obj_p)
{
	return hm_ring_sc_dequeue_elem(r, obj_p, HM_RING__PTR);
}

/* ---------------------------------------------------------------- API: state
 * pre: @p r is an initialised ring. Exact when no operation is in flight,
 * otherwise a snapshot that may be stale by the time it returns. */

/** Elements in the ring (published by producers, not yet taken by consumers). */
static inline unsigned int
hm_ring_count(const struct hm_ring *r)
{
	uint32_t c = hm_ring__load_tail(&r->cons);
	uint32_t n = hm_ring__load_tail(&r->prod) - c;

	return n > r->capacity ? r->capacity : n;
}

/** Free slots: capacity - count. */
static inline unsigned int
hm_ring_free_count(const struct hm_ring *r)
{
	return r->capacity - hm_ring_count(r);
}

/** 1 when count == capacity, else 0. */
static inline int
hm_ring_full(const struct hm_ring *r)
{
	return hm_ring_free_count(r) == 0;
}

/** 1 when count == 0, else 0. */
static inline int
hm_ring_empty(const struct hm_ring *r)
{
	uint32_t c = hm_ring__load_tail(&r->cons);

	return hm_ring__load_tail(&r->prod) == c;
}

/** Slots in the ring (a power of two); capacity is at most size - 1. */
static inline unsigned int
hm_ring_get_size(const struct hm_ring *r)
{
	return r->size;
}

/** Elements the ring holds when full. */
static inline unsigned int
hm_ring_get_capacity(const struct hm_ring *r)
{
	return r->capacity;
}

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_RING_CORE_H */
