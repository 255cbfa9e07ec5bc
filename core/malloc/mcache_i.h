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

#define MC_CLASSES (SMALL_LIMIT / MALLOC_ALIGN) /* 16: data sizes 64, 128, ..., 1024 */

struct mcache {
	struct malloc_heap *heap;   /* the lcore's node heap; NULL: lcore has no cache */
	const struct hm_memseg_list *msl; /* the heap's list this lcore freed into last */
	const struct malloc_elem *last_free; /* the block this lcore freed last (a hint) */
	uintptr_t last_stride;      /* last_free minus the block freed before it (mod 2^64) */
	struct malloc_elem **objs;  /* MC_CLASSES x mc_st.cap, allocated at first use */
	uint32_t len[MC_CLASSES];
	uint64_t count, bytes;      /* blocks cached and their element bytes (relaxed:
				       stats of other threads read them) */
} __attribute__((aligned(64)));

struct mcache_state {
	struct mcache *c;   /* HM_MAX_LCORE entries; NULL: caches off */
	unsigned int cap;   /* blocks per class, even, >= 2 */
};
HM_INTERNAL extern struct mcache_state mc_st;

/* ---- mcache.c ---- */

HM_INTERNAL int mc_init(unsigned int cap);
HM_INTERNAL void mc_fini(void);
/* Give @p n CACHED elements back to @p c's heap: sorted, runs joined, one lock. */
HM_INTERNAL void mc_give_back(struct mcache *c, struct malloc_elem **v, unsigned int n);
/* Return all of @p c's blocks to its heap. @return how many. Owner thread only. */
HM_INTERNAL unsigned int mc_flush(struct mcache *c);
/* Refill class @p k of @p c from its heap. @return whether it did. */
HM_INTERNAL bool mc_refill(struct mcache *c, unsigned int k);
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

/* The calling lcore's cache, or NULL (caches off, no lcore, no node heap). */
static inline struct mcache *
mc_self(void)
{
	unsigned int lc;

	if (mc_st.c == NULL || (lc = hm_lcore_id()) >= HM_MAX_LCORE || mc_st.c[lc].heap == NULL)
		return NULL;
	return &mc_st.c[lc];
}

static inline bool
mc_objs(struct mcache *c)
{
	if (c->objs == NULL)
		c->objs = calloc((size_t)MC_CLASSES * mc_st.cap, sizeof(c->objs[0]));
	return c->objs != NULL;
}

/* A block of @p size (1..SMALL_LIMIT) bytes from the calling lcore's cache, or
 * NULL: no cache here, another node asked for, or the refill failed (the caller
 * then takes the heap path, which reports the error). */
static inline void *
mc_alloc(const char *type, size_t size, int socket)
{
	struct mcache *c = mc_self();
	struct malloc_elem *e;
	unsigned int k;

	if (c == NULL || (socket != HM_SOCKET_ID_ANY && socket != c->heap->socket_id) ||
	    memseg_in_walk() || !mc_objs(c))
		return NULL;
	k = (unsigned int)((size - 1) / MALLOC_ALIGN);
	if (c->len[k] == 0 && !mc_refill(c, k))
		return NULL;
	e = c->objs[k * mc_st.cap + --c->len[k]];
	mc_account(c, -1, -(int64_t)e->size);
	heap_mark_busy(e, type, size);
	return (char *)e + ELEM_HEADER_LEN;
}

/* Free @p ptr into the calling lcore's cache. @return true when it did; false
 * when the block is not for the cache (or is bad: the heap path then says why). */
static inline bool
mc_free(void *ptr)
{
	struct mcache *c = mc_self();
	const struct hm_memseg_list *msl;
	struct malloc_elem *e;
	const char *hdr;
	uint64_t usable;
	unsigned int k;

	if (c == NULL || ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0 ||
	    (uintptr_t)ptr < ELEM_HEADER_LEN || memseg_in_walk())
		return false;
	/* an integer subtraction: ptr may be any value (64 gives NULL) */
	hdr = (const char *)((uintptr_t)ptr - ELEM_HEADER_LEN);
	/* the block's page must be mapped before its header is read: true of any
	 * live block (a free racing with another free of the same block is the
	 * caller's data race, as with any allocator) */
	msl = c->msl;
	if (msl == NULL || (uintptr_t)hdr - (uintptr_t)msl->base_va >= msl->len ||
	    (uintptr_t)hdr < (uintptr_t)msl->base_va) {
		if ((msl = hm_mem_virt2memseg_list(hdr)) == NULL || msl->external ||
		    msl->socket_id != c->heap->socket_id)
			return false;
		c->msl = msl; /* a node's lists live as long as hugemem does */
	}
	if (memseg_of(msl, hdr) == NULL)
		return false;
	e = (struct malloc_elem *)hdr;
	if (e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) || elem_state(e) != ELEM_BUSY ||
	    e->pad != 0 || e->owner != ELEM_OWNER_USER || e->heap != c->heap ||
	    (usable = e->size - ELEM_OVERHEAD) > SMALL_LIMIT || !mc_objs(c))
		return false;
#if MALLOC_DEBUG
	if (elem_from_data(ptr) == NULL) /* the overrun guard */
		return false;
#endif
	k = (unsigned int)(usable / MALLOC_ALIGN - 1);
	/* blocks are often freed in (or against) the order they were handed out,
	 * one stride apart: after two equal strides, fetch the header eight frees
	 * ahead on it (a software stride prefetcher; prefetches never fault) */
	uintptr_t stride = (uintptr_t)e - (uintptr_t)c->last_free; /* integers: no UB */
	if (stride == c->last_stride && stride != 0)
		__builtin_prefetch((const void *)((uintptr_t)e + 8 * stride), 1);
	c->last_stride = stride;
	c->last_free = e;
	/* BUSY -> CACHED by one thread only: of two threads freeing one block at
	 * once, the loser sees CACHED under the heap lock and reports a double free */
	uint8_t busy = ELEM_BUSY;
	if (!__atomic_compare_exchange_n(&e->state, &busy, ELEM_CACHED, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return false;
#if MALLOC_DEBUG
	memset((char *)e + ELEM_HEADER_LEN, MALLOC_POISON, e->size - ELEM_HEADER_LEN);
#endif
	if (c->len[k] == mc_st.cap) {
		/* give the older half back, keep the recently freed (warm) half */
		unsigned int half = mc_st.cap / 2;
		struct malloc_elem **v = &c->objs[k * mc_st.cap];
		mc_give_back(c, v, half);
		memmove(v, v + half, (mc_st.cap - half) * sizeof(v[0]));
		c->len[k] -= half;
	}
	c->objs[k * mc_st.cap + c->len[k]++] = e;
	mc_account(c, 1, (int64_t)e->size);
	return true;
}

#endif /* HUGEMEM_MCACHE_I_H */
