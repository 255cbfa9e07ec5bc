/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool fast path: the layouts the inline get/put need (pool header, per-lcore
 * cache, object header, ops table) and the get/put themselves, as DPDK's
 * rte_mempool.h has them. The rest of the API is in hugemem/mempool.h, which
 * includes this file; applications include that one.
 *
 * Cache (22.11 semantics). A cache is a LIFO stack objs[0..len):
 *   put(n): no cache or n > flushthresh: straight to the backend; len + n <=
 *           flushthresh: pushed on top; otherwise the whole cache goes to the
 *           backend first and the n objects become the cache (len = n). A put
 *           never fails.
 *   get(n): min(n, len) objects come off the top; the rest (rem), when rem <=
 *           HM_MEMPOOL_CACHE_MAX_SIZE, by refilling the cache with size + rem
 *           objects from the backend (the top rem go to the caller, len = size);
 *           when that refill fails or rem is larger, rem come straight from the
 *           backend. If that fails too the cache is restored and the get fails
 *           having taken nothing: all or nothing.
 * Invariant: cache->len <= cache->flushthresh <= 2 * HM_MEMPOOL_CACHE_MAX_SIZE.
 *
 * A thread without an lcore id (hm_lcore_id() == HM_LCORE_ID_ANY) has no default
 * cache: its gets and puts go straight to the backend. hm_thread_register() gives
 * it one.
 *
 * Debug pools (HM_MEMPOOL_F_DEBUG, a runtime flag in the pool: asked for at
 * creation, or given to every pool by --mempool-debug, which is on by default
 * when the library is a debug build) keep a cookie in every object's trailer
 * (the 8 bytes right after the element, hm_mempool_get_cookie, as DPDK's debug
 * builds do): "in the pool" or "handed out". A put of an object that is not
 * handed out (double put) or that belongs to another pool aborts with a message
 * naming both. The object header stays DPDK's 24 bytes either way. The inline
 * paths test the flag, never a macro, so an application built with any flags
 * works with any build of the library, and every process attached to a pool
 * checks it the same way.
 */
#ifndef HUGEMEM_MEMPOOL_CORE_H
#define HUGEMEM_MEMPOOL_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hugemem/common.h"
#include "hugemem/lcore.h"
#include "hugemem/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_MEMPOOL_CACHE_MAX_SIZE 512 /* objects; DPDK's RTE_MEMPOOL_CACHE_MAX_SIZE */
#define HM_MEMPOOL_NAMESIZE 26        /* names are at most 25 characters ("RG_MP_<name>" fits 31) */
#define HM_MEMPOOL_MAX_OPS_IDX 16     /* registered ops, per process */
#define HM_MEMPOOL_OPS_NAMESIZE 32

#define HM_MEMPOOL_COOKIE_OUT 0xbadbadbadadd2e55ULL /* handed out to the application */
#define HM_MEMPOOL_COOKIE_IN 0xf2eef2eedadd2e55ULL  /* in the backend or a cache */

/* Creation flag (hugemem's own; DPDK has none at this value): keep and check the
 * debug cookies of this pool's objects on every get and put. */
#define HM_MEMPOOL_F_DEBUG 0x1000u

struct hm_mempool;

/** A cache: per lcore inside a pool, or user-owned (hm_mempool_cache_create). 8256 bytes. */
struct hm_mempool_cache {
	uint32_t size;        /* objects a refill leaves in the cache; 0..512 */
	uint32_t flushthresh; /* a put that would make len exceed it flushes; 1.5 * size */
	uint32_t len;         /* objects in objs[0..len); <= flushthresh */
	uint32_t user_owned;  /* 1: from hm_mempool_cache_create */
	/* the stack; a refill of size + rem needs up to 2 * 512 slots */
	void *objs[HM_MEMPOOL_CACHE_MAX_SIZE * 2] __attribute__((aligned(HM_CACHE_LINE_SIZE)));
};

/** Header directly before every object (obj - sizeof(struct hm_mempool_objhdr)).
 * 24 bytes, DPDK's struct rte_mempool_objhdr. */
struct hm_mempool_objhdr {
	struct hm_mempool_objhdr *next; /* next object in population order; NULL: last */
	struct hm_mempool *mp;          /* owner; never changes */
	hm_iova_t iova;                 /* IOVA of the object (not the header); HM_BAD_IOVA: none */
};

struct hm_mempool_memhdr;
/** Gives a chunk's memory back when the pool is freed (or a populate is undone). */
typedef void(hm_mempool_memchunk_free_cb_t)(struct hm_mempool_memhdr *memhdr, void *opaque);

/** One memory chunk of a pool: a memzone of populate_default, or caller memory
 * (populate_iova / populate_virt / populate_anon). The fields up to opaque are
 * DPDK's struct rte_mempool_memhdr. */
struct hm_mempool_memhdr {
	struct hm_mempool_memhdr *next; /* next chunk; NULL: last */
	struct hm_mempool *mp;          /* owner */
	void *addr;                     /* start of the object area */
	hm_iova_t iova;                 /* IOVA of addr when the area is IOVA-contiguous, else HM_BAD_IOVA */
	size_t len;                     /* bytes of the object area */
	hm_mempool_memchunk_free_cb_t *free_cb; /* called when the chunk is freed; may be NULL */
	void *opaque;                   /* its argument (populate_default: the memzone) */
	uint32_t n_objs;                /* objects placed in it */
	uint32_t pad;
};

/** A pool. Lives at the start of memzone "MP_<name>", in shared memory. Every
 * field DPDK has sits at its offset in struct rte_mempool (elt_head / mem_head
 * are the first pointers of its elt_list / mem_list). */
struct hm_mempool {
	char name[HM_MEMPOOL_NAMESIZE]; /* NUL-terminated */
	uint16_t pad0;
	uint32_t magic;                 /* HM_MEMPOOL_MAGIC while the pool exists */
	void *pool_data;                /* the backend's state (ring, stack); valid once POOL_CREATED */
	void *pool_config;              /* opaque argument of hm_mempool_set_ops_byname */
	const void *mz;                 /* struct hm_memzone holding this header */
	uint32_t flags;                 /* HM_MEMPOOL_F_* */
	int32_t socket_id;              /* node asked at creation (HM_SOCKET_ID_ANY allowed) */
	uint32_t size;                  /* objects the pool holds when full */
	uint32_t cache_size;            /* per-lcore cache size; 0: none */
	uint32_t elt_size;              /* object bytes, multiple of 8 */
	uint32_t header_size;           /* bytes before each object (objhdr at its end) */
	uint32_t trailer_size;          /* bytes after each object (padding, spread) */
	uint32_t private_data_size;     /* bytes of private data after the caches, multiple of 64 */
	int32_t ops_index;              /* into hm_mempool_ops_table; same order in every process */
	uint32_t n_caches;              /* per-lcore caches (lcore ids below it have one); 0: no cache */
	struct hm_mempool_cache *local_cache; /* n_caches caches right after this header; NULL when 0 */
	uint32_t populated_size;        /* objects placed so far; <= size */
	uint32_t pad1;
	struct hm_mempool_objhdr *elt_head, *elt_tail; /* every object, population order */
	uint32_t nb_mem_chunks;         /* chunks in mem_list */
	uint32_t pad2;
	struct hm_mempool_memhdr *mem_head, *mem_tail; /* every chunk, population order */
	uint64_t pg_sz;                 /* page size objects were kept within (0: none); set by populate */
	uint64_t get_fail;              /* failed gets (all or nothing) since creation; relaxed atomic */
	uint32_t fast_caches;           /* n_caches, or 0 for a debug pool: lcore ids below it take
					   the inline cache path of get/put with no cookie test */
	uint32_t pad3;
} __attribute__((aligned(HM_CACHE_LINE_SIZE)));

HM_STATIC_ASSERT(sizeof(struct hm_mempool) == 3 * HM_CACHE_LINE_SIZE,
		 "fast_caches sits in the header's tail padding: the size is DPDK's");

/** Backend of a pool. Every process must register the same ops in the same order. */
struct hm_mempool_ops {
	char name[HM_MEMPOOL_OPS_NAMESIZE];
	/* create the backend for mp->size objects in mp->pool_data; 0 or -errno */
	int (*alloc)(struct hm_mempool *mp);
	/* free it */
	void (*free)(struct hm_mempool *mp);
	/* add n objects, all or nothing; 0 or -ENOBUFS. Never fails for a pool's own objects. */
	int (*enqueue)(struct hm_mempool *mp, void *const *objs, unsigned int n);
	/* take n objects, all or nothing; 0 or < 0 */
	int (*dequeue)(struct hm_mempool *mp, void **objs, unsigned int n);
	/* objects in the backend */
	unsigned int (*get_count)(const struct hm_mempool *mp);
};

/** The process's ops. Entries are immutable once num_ops covers them. */
struct hm_mempool_ops_table {
	hm_spinlock_t lock;  /* register */
	uint32_t num_ops;    /* entries [0, num_ops) are valid */
	struct hm_mempool_ops ops[HM_MEMPOOL_MAX_OPS_IDX];
};

extern struct hm_mempool_ops_table hm_mempool_ops_table;

/* Debug pools: verify (and flip) the cookies of @p n objects about to be put
 * (@p put = 1) or just taken (@p put = 0); aborts naming the problem. */
void hm_mempool_check_cookies(const struct hm_mempool *mp, void *const *objs, unsigned int n,
			      int put);

/** The debug cookie of @p obj (debug pools only: the 8 trailer bytes after the element). */
static inline uint64_t *
hm_mempool_get_cookie(const struct hm_mempool *mp, const void *obj)
{
	return (uint64_t *)((uintptr_t)obj + mp->elt_size);
}

/** 1 when @p mp checks object cookies (HM_MEMPOOL_F_DEBUG). */
static inline int
hm_mempool_debug(const struct hm_mempool *mp)
{
	return HM_UNLIKELY((mp->flags & HM_MEMPOOL_F_DEBUG) != 0);
}

static inline struct hm_mempool_objhdr *
hm_mempool_get_header(const void *obj)
{
	return (struct hm_mempool_objhdr *)((uintptr_t)obj - sizeof(struct hm_mempool_objhdr));
}

/** The pool @p obj belongs to. */
static inline struct hm_mempool *
hm_mempool_from_obj(const void *obj)
{
	return hm_mempool_get_header(obj)->mp;
}

/** IOVA of @p obj, or HM_BAD_IOVA. */
static inline hm_iova_t
hm_mempool_virt2iova(const void *obj)
{
	return hm_mempool_get_header(obj)->iova;
}

/** The per-lcore cache of @p lcore_id in @p mp, or NULL (no cache, or an lcore without one). */
static inline struct hm_mempool_cache *
hm_mempool_default_cache(struct hm_mempool *mp, unsigned int lcore_id)
{
	if (lcore_id >= mp->n_caches)
		return NULL;
	/* local_cache == (mp + 1) whenever n_caches > 0 (hm_mempool_check): the
	 * address is computed, not loaded, and is never NULL here */
	return (struct hm_mempool_cache *)(void *)(mp + 1) + lcore_id;
}

static inline int
hm_mempool_ops_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	return hm_mempool_ops_table.ops[mp->ops_index].enqueue(mp, objs, n);
}

static inline int
hm_mempool_ops_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	return hm_mempool_ops_table.ops[mp->ops_index].dequeue(mp, objs, n);
}

/* Not API: the cache misses of hm_mempool_do_put / do_get, out of line
 * (mempool_ops.c): a flush or a put bypassing the cache, a refill or a get from
 * the backend. Same contracts as the two functions below. */
void hm_mempool__put_slow(struct hm_mempool *mp, void *const *objs, unsigned int n,
			  struct hm_mempool_cache *cache);
int hm_mempool__get_slow(struct hm_mempool *mp, void **objs, unsigned int n,
			 struct hm_mempool_cache *cache);

/*
 * Copy @p n pointers from the top of a cache stack (src_end[-1] first). When
 * the top is 16-byte aligned (an even cache length: the stack is 64-byte
 * aligned) and pointers are 8 bytes, each pair is one aligned 16-byte load the
 * compiler folds into the swap (pshufd from memory): one instruction a pair,
 * where the plain loop compiles to an unaligned load and a palignr. Otherwise
 * the plain loop.
 */
static inline void
hm_mempool__pop_copy(void **HM_RESTRICT dst, void *const *HM_RESTRICT src_end, unsigned int n)
{
#if defined(__SSE2__) && UINTPTR_MAX == UINT64_MAX
	if (((uintptr_t)src_end & 15u) == 0) {
		unsigned int i;

		for (i = 0; i + 2 <= n; i += 2) {
			__m128i v = _mm_load_si128((const __m128i *)(const void *)(src_end - 2 - i));

			_mm_storeu_si128((__m128i *)(void *)(dst + i), _mm_shuffle_epi32(v, 0x4e));
		}
		if (i < n)
			dst[i] = src_end[-1 - (ptrdiff_t)i];
		return;
	}
#endif
	for (unsigned int i = 0; i < n; i++)
		dst[i] = src_end[-1 - (ptrdiff_t)i];
}

static inline void
hm_mempool__push_copy(void **HM_RESTRICT dst, void *const *HM_RESTRICT src, unsigned int n)
{
	memcpy(dst, src, sizeof(void *) * n);
}

/* Put without the debug cookie check. Inline: room on the cache's stack, and
 * no cache (the backend); a flush is hm_mempool__put_slow. */
static inline void
hm_mempool_do_put(struct hm_mempool *mp, void *const *objs, unsigned int n,
		  struct hm_mempool_cache *cache)
{
	if (HM_LIKELY(cache != NULL && cache->len + n <= cache->flushthresh)) {
		void **dst = &cache->objs[cache->len];

		cache->len += n;
		hm_mempool__push_copy(dst, objs, n);
		return;
	}
	if (cache == NULL)
		hm_mempool_ops_enqueue(mp, objs, n);
	else
		hm_mempool__put_slow(mp, objs, n, cache);
}

/* Get without the debug cookie check. 0 or < 0 (nothing taken). Inline: n
 * objects on the cache's stack, and no cache (the backend); a refill is
 * hm_mempool__get_slow. */
static inline int
hm_mempool_do_get(struct hm_mempool *mp, void **objs, unsigned int n,
		  struct hm_mempool_cache *cache)
{
	if (HM_LIKELY(cache != NULL && n <= cache->len)) {
		unsigned int len = cache->len;

		cache->len = len - n;
		hm_mempool__pop_copy(objs, &cache->objs[len], n);
		return 0;
	}
	if (cache == NULL) {
		int rc = hm_mempool_ops_dequeue(mp, objs, n);

		if (HM_UNLIKELY(rc < 0))
			__atomic_fetch_add(&mp->get_fail, 1, __ATOMIC_RELAXED);
		return rc;
	}
	return hm_mempool__get_slow(mp, objs, n, cache);
}

/**
 * Put @p n objects of @p mp through @p cache (NULL: straight to the backend).
 * pre: the objects belong to @p mp and are handed out; @p cache is not used by
 * another thread at the same time.
 */
static inline void
hm_mempool_generic_put(struct hm_mempool *mp, void *const *objs, unsigned int n,
		       struct hm_mempool_cache *cache)
{
	if (hm_mempool_debug(mp))
		hm_mempool_check_cookies(mp, objs, n, 1);
	hm_mempool_do_put(mp, objs, n, cache);
}

/**
 * Get @p n objects through @p cache (NULL: from the backend), all or nothing.
 * @return 0, or < 0 (-ENOBUFS from the ring and stack backends) with nothing taken.
 */
static inline int
hm_mempool_generic_get(struct hm_mempool *mp, void **objs, unsigned int n,
		       struct hm_mempool_cache *cache)
{
	int rc = hm_mempool_do_get(mp, objs, n, cache);
	if (rc == 0 && hm_mempool_debug(mp))
		hm_mempool_check_cookies(mp, objs, n, 0);
	return rc;
}

/* Not API: the calling thread's default cache in @p mp when the inline path may
 * use it without a cookie test (the thread has an lcore id below fast_caches:
 * the pool has caches and is not a debug pool), else NULL: the caller then
 * takes the general path (hm_mempool__put_any / get_any), which finds the same
 * cache or none and checks the cookies of debug pools. One comparison of the
 * thread's lcore generation and one of its id: hm_lcore_id()'s "initialised"
 * test is left out, as a pool exists only while the library is initialised
 * (generation != 0). */
static inline struct hm_mempool_cache *
hm_mempool__fast_cache(struct hm_mempool *mp)
{
	uint32_t g = __atomic_load_n(&hm_lcore__gen, __ATOMIC_ACQUIRE);

	if (HM_LIKELY(hm_lcore__self.gen == g && hm_lcore__self.id < mp->fast_caches))
		return (struct hm_mempool_cache *)(void *)(mp + 1) + hm_lcore__self.id;
	return NULL;
}

/* Not API: a pool without caches and without cookies, whose gets and puts go
 * straight to the backend inline, as they did before fast_caches. */
static inline int
hm_mempool__no_cache_no_debug(const struct hm_mempool *mp)
{
	return mp->n_caches == 0 && !hm_mempool_debug(mp);
}

/* Not API, out of line (mempool_ops.c): put / get through the calling thread's
 * default cache or none, with the debug cookie checks: what put_bulk / get_bulk
 * do when hm_mempool__fast_cache() gives NULL. */
void hm_mempool__put_any(struct hm_mempool *mp, void *const *objs, unsigned int n);
int hm_mempool__get_any(struct hm_mempool *mp, void **objs, unsigned int n);

/** Put through the calling lcore's cache (none for threads without an lcore id). */
static inline void
hm_mempool_put_bulk(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	struct hm_mempool_cache *cache = hm_mempool__fast_cache(mp);

	if (HM_LIKELY(cache != NULL))
		hm_mempool_do_put(mp, objs, n, cache);
	else if (hm_mempool__no_cache_no_debug(mp))
		hm_mempool_ops_enqueue(mp, objs, n);
	else
		hm_mempool__put_any(mp, objs, n);
}

/** One object: the cache's top when there is room (no address of @p obj taken
 * on that path, so it stays in a register), else as put_bulk. */
static inline void
hm_mempool_put(struct hm_mempool *mp, void *obj)
{
	struct hm_mempool_cache *cache = hm_mempool__fast_cache(mp);
	void *tmp;

	if (HM_LIKELY(cache != NULL && cache->len < cache->flushthresh)) {
		cache->objs[cache->len++] = obj;
		return;
	}
	tmp = obj;
	if (cache != NULL)
		hm_mempool_do_put(mp, &tmp, 1, cache); /* a flush */
	else
		hm_mempool__put_any(mp, &tmp, 1);
}

/** Get through the calling lcore's cache. @return 0 or < 0 (nothing taken). */
static inline int
hm_mempool_get_bulk(struct hm_mempool *mp, void **objs, unsigned int n)
{
	struct hm_mempool_cache *cache = hm_mempool__fast_cache(mp);

	if (HM_LIKELY(cache != NULL))
		return hm_mempool_do_get(mp, objs, n, cache);
	if (hm_mempool__no_cache_no_debug(mp))
		return hm_mempool_do_get(mp, objs, n, NULL); /* the backend */
	return hm_mempool__get_any(mp, objs, n);
}

/** One object into *obj: the cache's top when it has one, else as get_bulk. */
static inline int
hm_mempool_get(struct hm_mempool *mp, void **obj)
{
	struct hm_mempool_cache *cache = hm_mempool__fast_cache(mp);

	if (HM_LIKELY(cache != NULL && cache->len > 0)) {
		*obj = cache->objs[--cache->len];
		return 0;
	}
	if (cache != NULL)
		return hm_mempool_do_get(mp, obj, 1, cache); /* a refill */
	return hm_mempool__get_any(mp, obj, 1);
}

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MEMPOOL_CORE_H */
