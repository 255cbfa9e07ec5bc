/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore malloc caches (mcache.c): the cache layout and the inline fast
 * paths hm_malloc and hm_free take on lcore threads. See mcache.c for the rules.
 */
#ifndef HUGEMEM_MCACHE_I_H
#define HUGEMEM_MCACHE_I_H

#include <stdlib.h>

#include "malloc_i.h"
#include "memseg_i.h"
#include "hugemem/lcore.h"

/* Size classes, by usable size: 64-byte steps up to SMALL_LIMIT, then quarter
 * powers of two up to CACHE_LIMIT. A request takes the smallest class that
 * holds it (mc_class_up); a freed block goes to the largest class it fills
 * (mc_class_down), so every block of class k has at least mc_class_size(k). */
#define MC_SMALL (SMALL_LIMIT / MALLOC_ALIGN) /* 16: 64, 128, ..., 1024 */
#define MC_BIG 8u                             /* 1280, 1536, 1792, 2048, 2560, ..., 4096 */
#define MC_CLASSES (MC_SMALL + MC_BIG)        /* 24 */
/* The big classes (above SMALL_LIMIT) share one byte budget per lcore:
 * MC_BIG_BYTES_PER_CAP element bytes per --malloc-cache block (96 KiB by
 * default, 23 blocks of 4 KiB: a full class gives back a batch of about 12,
 * whose misses overlap (mc_give_back); at 32 KiB the batches of 4 made a 4 KiB
 * random-order free 20-30 % slower. The random mix's holes barely move with it:
 * 32 KiB 1.97 / 2.04 MB (its sequence / mean of 8 more), 48 KiB 1.90 / 2.00,
 * 96 KiB and above 2.04 / 2.01), and never less than MC_BIG_BUDGET_MIN (two of
 * the largest blocks with slack). */
#define MC_BIG_BYTES_PER_CAP 3072u
#define MC_BIG_BUDGET_MIN (2 * (CACHE_LIMIT + ELEM_OVERHEAD + 2 * MIN_ELEM_SIZE))
_Static_assert(CACHE_LIMIT == 4 * SMALL_LIMIT && SMALL_LIMIT == 1024,
	       "the big classes are the quarter powers of two of 1 KiB .. 4 KiB");

/* Usable bytes of class @p k (0..MC_CLASSES-1). */
static inline uint64_t
mc_class_size(unsigned int k)
{
	if (k < MC_SMALL)
		return (uint64_t)(k + 1) * MALLOC_ALIGN;
	return (uint64_t)(5 + (k - MC_SMALL) % 4) << (8 + (k - MC_SMALL) / 4);
}

/* The smallest class holding @p size bytes. pre: 1 <= size <= CACHE_LIMIT. */
static inline unsigned int
mc_class_up(uint64_t size)
{
	if (size <= SMALL_LIMIT)
		return (unsigned int)((size - 1) / MALLOC_ALIGN);
	uint64_t t = size - 1;
	unsigned int b = 63u - (unsigned int)__builtin_clzll(t); /* 10 or 11 */
	return 4 * b - 28 + (unsigned int)(t >> (b - 2));
}

/* The largest class a block of @p usable bytes fills. pre: MIN_DATA_SIZE <=
 * usable <= CACHE_LIMIT. */
static inline unsigned int
mc_class_down(uint64_t usable)
{
	if (usable <= SMALL_LIMIT)
		return (unsigned int)(usable / MALLOC_ALIGN - 1);
	unsigned int b = 63u - (unsigned int)__builtin_clzll(usable); /* 10, 11 or 12 */
	return 4 * b - 29 + (unsigned int)(usable >> (b - 2));
}

struct mcache {
	struct malloc_heap *heap;   /* the lcore's node heap; NULL: lcore has no cache */
	/* the heap's list this lcore freed into last, as mc_free reads it: its
	   base, length (0: none yet), page shift and memsegs (lists are fixed
	   while hugemem lives) */
	uintptr_t msl_base;
	uint64_t msl_len;
	const struct hm_memseg *msl_ms;
	unsigned int msl_shift;
	const struct malloc_elem *last_free; /* the block this lcore freed last (a hint) */
	uintptr_t last_stride;      /* last_free minus the block freed before it (mod 2^64) */
	struct malloc_elem **objs;  /* MC_CLASSES x mc_st.cap, allocated at first use */
	unsigned int cap;           /* mc_st.cap once objs is allocated, 0 before: a free
				       finds a class "full" (len == cap) until then, and
				       mc_push_full allocates objs (no check on the fast path) */
	uint32_t len[MC_CLASSES];
	uint64_t count, bytes;      /* blocks cached and their element bytes (relaxed:
				       stats of other threads read them) */
	uint64_t big_bytes;         /* of bytes: the big classes' (k >= MC_SMALL); owner
				       only; <= mc_st.big_budget */
	uint64_t tick;              /* cached mallocs and frees so far (owner only) */
	uint64_t used[MC_CLASSES];  /* tick of each class's last malloc or free; <= tick */
} __attribute__((aligned(64)));

/* A class is "in use" when it was used within the last MC_HOT_OPS cached
 * mallocs and frees of its lcore. A free into a class not in use that has a
 * FREE neighbour goes to the heap at once (mc_free_cold), where it joins. */
#define MC_HOT_OPS 2u

struct mcache_state {
	struct mcache *c;   /* HM_MAX_LCORE entries; NULL: caches off */
	unsigned int cap;   /* blocks per class, even, >= 2 */
	uint64_t big_budget; /* element bytes the big classes of one lcore hold at most */
};
HM_INTERNAL extern struct mcache_state mc_st;

/* ---- mcache.c ---- */

HM_INTERNAL int mc_init(unsigned int cap);
HM_INTERNAL void mc_fini(void);
/* Give @p n CACHED elements back to @p c's heap: sorted, runs joined, one lock.
 * @return their element bytes. */
HM_INTERNAL uint64_t mc_give_back(struct mcache *c, struct malloc_elem **v, unsigned int n);
/* Make room in class @p k of @p c for CACHED @p e and push it there: the class
 * below its capacity (its older half goes back: the recently freed, warm half
 * stays) and, for a big class, the big classes within their budget (the older
 * half of the fullest goes back, as often as needed). */
HM_INTERNAL int mc_push_full(struct mcache *c, unsigned int k, struct malloc_elem *e);
/* CACHED @p e of class @p k, which is not in use: to the heap when a neighbour
 * of it is FREE there (it joins it), into the cache otherwise. */
HM_INTERNAL int mc_free_cold(struct mcache *c, unsigned int k, struct malloc_elem *e);
/* The memory list of @p hdr, if of @p c's node and not external, becomes the
 * one mc_free checks first. @return whether it did. */
HM_INTERNAL bool mc_set_msl(struct mcache *c, const void *hdr);
/* Return all of @p c's blocks to its heap. @return how many. Owner thread only. */
HM_INTERNAL unsigned int mc_flush(struct mcache *c);
/* Refill small class @p k of @p c from its heap; @p warm_next: prefetch the
 * headers of the run the next refill will most likely carve. @return whether
 * it did. */
HM_INTERNAL bool mc_refill(struct mcache *c, unsigned int k, bool warm_next);
/* Cached blocks and bytes of heap @p h, over every lcore of this process. */
HM_INTERNAL void mc_totals(const struct malloc_heap *h, uint64_t *n, uint64_t *bytes);
/* Cross-check the caches against heap @p h, which holds @p walked CACHED
 * elements. @return NULL or the reason. pre: h's lock held. */
HM_INTERNAL const char *mc_check(struct malloc_heap *h, uint64_t walked);

/* ---- the fast paths, inline in malloc.c ---- */

static inline void
mc_account(struct mcache *c, int64_t n, int64_t bytes)
{
	__atomic_store_n(&c->count, c->count + (uint64_t)n, __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, c->bytes + (uint64_t)bytes, __ATOMIC_RELAXED);
}

/* Push CACHED @p e on class @p k of @p c, which has room for it (and, for a
 * big class, budget). */
static inline void
mc_push(struct mcache *c, unsigned int k, struct malloc_elem *e)
{
	if (k >= MC_SMALL)
		c->big_bytes += e->size;
	c->objs[k * c->cap + c->len[k]++] = e;
	mc_account(c, 1, (int64_t)e->size);
}

/* The calling lcore's cache, or NULL (caches off, no lcore, no node heap). */
static inline struct mcache *
mc_self(void)
{
	unsigned int lc;

	if (mc_st.c == NULL || (lc = hm_lcore_id()) >= HM_MAX_LCORE || mc_st.c[lc].heap == NULL)
		return NULL;
	return &mc_st.c[lc];
}

/* mc_self for hm_free, which has seen mc_st.c != NULL: then the lcore table is
 * initialised (mc_init runs after it), and a thread whose generation matches
 * the table's has its id; a thread with none has generation 0 and id
 * HM_LCORE_ID_ANY (hm_lcore_id's `generation != 0` test is the bound's). */
static inline struct mcache *
mc_self_on(void)
{
	uint32_t g = __atomic_load_n(&hm_lcore__gen, __ATOMIC_ACQUIRE);
	unsigned int lc = hm_lcore__self.id;

	if (hm_lcore__self.gen != g || lc >= HM_MAX_LCORE || mc_st.c[lc].heap == NULL)
		return NULL;
	return &mc_st.c[lc];
}

static inline bool
mc_objs(struct mcache *c)
{
	if (c->objs == NULL) {
		c->objs = calloc((size_t)MC_CLASSES * mc_st.cap, sizeof(c->objs[0]));
		if (c->objs != NULL)
			c->cap = mc_st.cap;
	}
	return c->objs != NULL;
}

/* A block of @p size (1..CACHE_LIMIT) bytes from the calling lcore's cache, or
 * NULL: no cache here, another node asked for, an empty big class, or the
 * refill failed (the caller then takes the heap path, which reports the error).
 * An empty big class sets *@p round to its size: the caller's heap allocation
 * is made that large (its alloc_req.size; the guard stays at the request), so
 * that the block comes back to that class when it is freed. @p zero: the
 * caller clears the block (zmalloc, calloc): a refill then does not prefetch
 * the next run (mc_refill). */
static inline void *
mc_alloc(const char *type, size_t size, int socket, uint64_t *round, bool zero)
{
	struct mcache *c = mc_self();
	struct malloc_elem *e;
	unsigned int k;

	if (c == NULL || (socket != HM_SOCKET_ID_ANY && socket != c->heap->socket_id) ||
	    memseg_in_walk() || !mc_objs(c))
		return NULL;
	k = mc_class_up(size);
	c->used[k] = ++c->tick;
	if (c->len[k] == 0) {
		if (k >= MC_SMALL) { /* not refilled: see mc_refill */
			*round = mc_class_size(k);
			return NULL;
		}
		if (!mc_refill(c, k, !zero))
			return NULL;
	}
	e = c->objs[k * mc_st.cap + --c->len[k]];
	mc_account(c, -1, -(int64_t)e->size);
	if (k >= MC_SMALL)
		c->big_bytes -= e->size;
	heap_mark_busy(e, type, size);
	return (char *)e + ELEM_HEADER_LEN;
}

/* Free @p ptr (not NULL), with the caches on: into the calling lcore's cache,
 * or by @p heap_free (the block is not for the cache, or is bad: the heap path
 * then says why); @p msl_miss when the block is outside the list the cache
 * checks first (it looks the list up, mc_set_msl, and comes back here). Every
 * call here is the last thing done (a tail call): the common path saves no
 * registers. @return what hm_free returns. */
static inline int
mc_free(void *ptr, int (*heap_free)(void *), int (*msl_miss)(void *))
{
	struct mcache *c = mc_self_on();
	struct malloc_elem *e;
	uint64_t usable, off, size;
	unsigned int k;

	/* (ptr < ELEM_HEADER_LEN wraps to an address in no list: refused below) */
	if (c == NULL || ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0 || memseg_in_walk())
		return heap_free(ptr);
	/* an integer subtraction: ptr may be any value (64 gives NULL) */
	e = (struct malloc_elem *)((uintptr_t)ptr - ELEM_HEADER_LEN);
	/* the block's page must be mapped before its header is read: true of any
	 * live block (a free racing with another free of the same block is the
	 * caller's data race, as with any allocator). hdr - base (mod 2^64) <
	 * len: a hdr below base wraps to more than any len */
	off = (uintptr_t)e - c->msl_base;
	if (off >= c->msl_len)
		return msl_miss(ptr);
	if (c->msl_ms[off >> c->msl_shift].len == 0) /* memseg_of, range checked */
		return heap_free(ptr);
	/* (objs may not be allocated yet: c->cap is 0 then, mc_push_full allocates) */
	if (e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) || elem_state(e) != ELEM_BUSY ||
	    e->pad != 0 || e->owner != ELEM_OWNER_USER || e->heap != c->heap ||
	    (usable = (size = e->size) - ELEM_OVERHEAD) > CACHE_LIMIT)
		return heap_free(ptr);
#if MALLOC_DEBUG
	if (elem_from_data(ptr) == NULL) /* the overrun guard */
		return heap_free(ptr);
#endif
	k = mc_class_down(usable);
	/* blocks are often freed in (or against) the order they were handed out,
	 * one stride apart: after two equal strides, fetch the header eight frees
	 * ahead on it (a software stride prefetcher; prefetches never fault) */
	uintptr_t stride = (uintptr_t)e - (uintptr_t)c->last_free; /* integers: no UB */
	if (stride == c->last_stride && stride != 0) {
		__builtin_prefetch((const void *)((uintptr_t)e + 8 * stride), 1);
	} else if (k < MC_SMALL) {
		/* out of order: the give-back of this block (mc_give_back) will
		 * read its neighbours' headers under the heap lock, cache misses
		 * one after another there; start fetching them now, while the
		 * block waits in the cache. The next one is at e + size (stable
		 * while the block is ours); e->prev is the heap's (not read
		 * here): guess a neighbour of the same size (a wrong guess costs
		 * a fetch). In order, the neighbours are the blocks freed just
		 * before and after: no fetch needed. Small classes only: the
		 * goal was 64 B; for 4 KiB blocks (neighbours 4 KiB away) the
		 * timings leaned the other way (docs/performance-history.md, part 7). */
		__builtin_prefetch((const void *)((uintptr_t)e + size), 1);
		__builtin_prefetch((const void *)((uintptr_t)e - size), 1);
	}
	c->last_stride = stride;
	c->last_free = e;
	/* BUSY -> CACHED by one thread only: of two threads freeing one block at
	 * once, the loser sees CACHED under the heap lock and reports a double free */
	uint8_t busy = ELEM_BUSY;
	if (!__atomic_compare_exchange_n(&e->state, &busy, ELEM_CACHED, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return heap_free(ptr);
#if MALLOC_DEBUG
	memset((char *)e + ELEM_HEADER_LEN, MALLOC_POISON, e->size - ELEM_HEADER_LEN);
#endif
	uint64_t last = c->used[k];
	c->used[k] = ++c->tick;
	if (c->tick - last > MC_HOT_OPS)
		return mc_free_cold(c, k, e); /* a class not in use */
	if (c->len[k] == c->cap || (k >= MC_SMALL && c->big_bytes + size > mc_st.big_budget))
		return mc_push_full(c, k, e); /* full (or no objs yet), or the big classes at their budget */
	mc_push(c, k, e);
	return 0;
}

#endif /* HUGEMEM_MCACHE_I_H */
