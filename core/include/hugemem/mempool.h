/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempools: fixed-size objects in hugepage memory, handed out and taken back
 * through per-lcore caches in front of a backend (a ring by default, or a LIFO
 * stack), as DPDK's rte_mempool. Unlike DPDK, a pool can be freed.
 *
 * Memory. The header, the per-lcore caches and the private data live in memzone
 * "MP_<name>" (that name is also how hm_mempool_lookup finds a pool, from any
 * process). Objects live in chunks: memzones "MPC_<header address>_<k>" reserved
 * by hm_mempool_populate_default (each ends with its struct hm_mempool_memhdr),
 * caller memory (hm_mempool_populate_iova / _virt) or an anonymous mapping
 * (hm_mempool_populate_anon). An object is [header area][element][trailer]; the
 * 24-byte struct hm_mempool_objhdr sits at the end of the header area, right
 * before the element; a debug pool's cookie is the first 8 trailer bytes.
 * Unless the pool has HM_MEMPOOL_F_NO_IOVA_CONTIG, no object crosses a boundary of
 * the smallest page size of the pool's node (objects bigger than a page are placed
 * in IOVA-contiguous runs), so every object is IOVA-contiguous. A chunk that
 * cannot be reserved whole is retried at half the size down to one object.
 *
 * Sizing. cache_size <= HM_MEMPOOL_CACHE_MAX_SIZE and 1.5 * cache_size <= n, else
 * EINVAL with a message giving the largest cache / the smallest n that work. When
 * every lcore's cache together can hold the whole pool, creation logs a warning
 * with the n that avoids gets failing while objects sit in other lcores' caches;
 * hm_mempool_stats_get shows those objects (cached).
 *
 * Invariants (hm_mempool_check):
 *   backend count + sum of per-lcore cache lengths + objects handed out (or held
 *     in user-owned caches) == populated_size <= size
 *   every cache: len <= flushthresh == size * 3 / 2, size == cache_size
 *   obj_iter visits populated_size distinct objects, each with header mp == pool,
 *     inside a chunk, not crossing a pg_sz boundary, iova == its chunk's IOVA
 *     translation (populate_default chunks); debug pools: trailer cookie IN or OUT,
 *     IN count >= backend + caches
 */
#ifndef HUGEMEM_MEMPOOL_H
#define HUGEMEM_MEMPOOL_H

#include <stdio.h>

#include "hugemem/mempool_core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_MEMPOOL_MAGIC 0x6d706f6fu /* "mpoo" */

/* Creation flags (DPDK's RTE_MEMPOOL_F_* values). */
#define HM_MEMPOOL_F_NO_SPREAD 0x0001u      /* no channel-spread padding */
#define HM_MEMPOOL_F_NO_CACHE_ALIGN 0x0002u /* objects 8-aligned only (adds NO_SPREAD at creation) */
#define HM_MEMPOOL_F_SP_PUT 0x0004u         /* default ops: single producer */
#define HM_MEMPOOL_F_SC_GET 0x0008u         /* default ops: single consumer */
#define HM_MEMPOOL_F_POOL_CREATED 0x0010u   /* internal: the backend exists */
#define HM_MEMPOOL_F_NO_IOVA_CONTIG 0x0020u /* objects may cross page boundaries */
#define HM_MEMPOOL_F_NON_IO 0x0040u         /* internal: no chunk with an IOVA yet */

/** Default ops name (and what SP_PUT / SC_GET select among ring_*). */
#define HM_MEMPOOL_DEFAULT_OPS "ring_mp_mc"

/** Object size split of hm_mempool_calc_obj_size. */
struct hm_mempool_objsz {
	uint32_t elt_size;     /* element, rounded up to 8 */
	uint32_t header_size;  /* header area (24, rounded up to 64 unless NO_CACHE_ALIGN) */
	uint32_t trailer_size; /* padding after the element */
	uint32_t total_size;   /* header + elt + trailer */
};

/** What hm_mempool_stats_get reports. Counts are a snapshot (other lcores may move). */
struct hm_mempool_stats {
	uint32_t size;          /* objects when full */
	uint32_t populated;     /* objects placed */
	uint32_t backend;       /* objects in the backend */
	uint32_t cached;        /* objects in per-lcore caches: stranded for other lcores */
	uint32_t cached_max;    /* what all per-lcore caches can hold at worst */
	uint32_t in_use;        /* populated - backend - cached (incl. user-owned caches) */
	uint32_t n_caches;      /* per-lcore caches */
	uint32_t nb_mem_chunks; /* memzones holding objects */
	uint64_t get_fail;      /* gets that failed since creation */
	uint32_t cache_len[HM_MAX_LCORE]; /* per lcore id; 0 beyond n_caches */
};

typedef void(hm_mempool_ctor_t)(struct hm_mempool *mp, void *arg);
typedef void(hm_mempool_obj_cb_t)(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx);
typedef void(hm_mempool_mem_cb_t)(struct hm_mempool *mp, void *arg,
				  struct hm_mempool_memhdr *memhdr, unsigned int idx);

/**
 * Sizes of an object of @p elt_size bytes with @p flags, as populate lays them
 * out, computed as DPDK does: header 24 bytes (64 unless NO_CACHE_ALIGN),
 * element rounded up to 8, trailer (8 cookie bytes with HM_MEMPOOL_F_DEBUG)
 * padding the total to a line unless NO_CACHE_ALIGN, then to a number of lines
 * coprime with 4 channels unless NO_SPREAD.
 * @return total_size; 0 with hm_errno EINVAL (elt_size 0 or too big).
 */
uint32_t hm_mempool_calc_obj_size(uint32_t elt_size, uint32_t flags, struct hm_mempool_objsz *sz);

/**
 * An empty pool (no objects, no backend yet) named @p name for @p n objects of
 * @p elt_size bytes, per-lcore caches of @p cache_size, @p private_data_size bytes
 * of private data, on @p socket_id (HM_SOCKET_ID_ANY allowed), with @p flags
 * (NO_CACHE_ALIGN adds NO_SPREAD; --mempool-debug adds HM_MEMPOOL_F_DEBUG).
 * Its ops are HM_MEMPOOL_DEFAULT_OPS (or ring_sp_* / ring_*_sc by SP_PUT / SC_GET).
 * @return the pool, or NULL with hm_errno ENODEV (not initialised), EINVAL (NULL
 *   or empty name, n 0 or >= 2^30, elt_size 0 or too big, cache_size too big,
 *   unknown flags, negative socket other than ANY); ENOMEM (no memory, a socket with no heap included), ENAMETOOLONG (name over 25 characters), EEXIST,
 *   ENOMEM, ENOSPC (memzone table full).
 */
struct hm_mempool *hm_mempool_create_empty(const char *name, unsigned int n, unsigned int elt_size,
					   unsigned int cache_size, unsigned int private_data_size,
					   int socket_id, unsigned int flags);

/**
 * create_empty, @p mp_init(mp, mp_init_arg) (may be NULL), populate_default,
 * then @p obj_init(mp, obj_init_arg, obj, i) for every object (may be NULL).
 * @return the pool, or NULL with hm_errno as create_empty and populate_default;
 *   nothing is left behind on failure.
 */
struct hm_mempool *hm_mempool_create(const char *name, unsigned int n, unsigned int elt_size,
				     unsigned int cache_size, unsigned int private_data_size,
				     hm_mempool_ctor_t *mp_init, void *mp_init_arg,
				     hm_mempool_obj_cb_t *obj_init, void *obj_init_arg,
				     int socket_id, unsigned int flags);

/**
 * Create the backend (once) and fill a pool without chunks up to its size from
 * memzones.
 * @return objects added; -EINVAL (NULL or not a pool), -EEXIST (the pool has
 *   chunks already, as DPDK), -ENOMEM (no memory, even in one-object chunks:
 *   what this call placed is given back), the backend's alloc error.
 */
int hm_mempool_populate_default(struct hm_mempool *mp);

/**
 * Add the objects that fit in [@p vaddr, + @p len), IOVA @p iova
 * (HM_BAD_IOVA: none), as one chunk; @p free_cb(memhdr, @p opaque) (may be
 * NULL) gives the memory back when the pool is freed.
 * @return objects added (0: none fits, the chunk is not kept), -EINVAL (NULL or
 *   not a pool, NULL vaddr), -ENOSPC (full), -ENOMEM, the backend's alloc error.
 */
int hm_mempool_populate_iova(struct hm_mempool *mp, char *vaddr, hm_iova_t iova, size_t len,
			     hm_mempool_memchunk_free_cb_t *free_cb, void *opaque);

/**
 * Add objects in [@p addr, + @p len), both multiples of @p pg_sz (a power of
 * two), one chunk per run of IOVA-contiguous pages (IOVAs by
 * hm_mem_virt2iova); @p free_cb goes with the first chunk that holds objects.
 * @return objects added, -EINVAL, -ENOSPC (full), -ENOMEM (then every chunk
 *   of the pool is given back, as DPDK does).
 */
int hm_mempool_populate_virt(struct hm_mempool *mp, char *addr, size_t len, size_t pg_sz,
			     hm_mempool_memchunk_free_cb_t *free_cb, void *opaque);

/**
 * Fill a pool without chunks from one anonymous shared mapping (objects without
 * IOVA), unmapped when the pool is freed.
 * @return the pool's object count, -EINVAL (not a pool, or it has chunks),
 *   -ENOMEM (mmap), the backend's alloc error.
 */
int hm_mempool_populate_anon(struct hm_mempool *mp);

/**
 * Page size objects of @p mp do not cross (DPDK's rte_mempool_get_page_size):
 * the smallest page size of its node (any node for SOCKET_ID_ANY), the system
 * page without hugemem memory there, 0 with HM_MEMPOOL_F_NO_IOVA_CONTIG.
 * @return it; 0 with hm_errno EINVAL for a pointer that is not a pool.
 */
uint64_t hm_mempool_page_size(const struct hm_mempool *mp);

/**
 * Free @p mp: backend, chunks, header. Objects still handed out become invalid.
 * NULL is a no-op. @return 0; -EINVAL (not a pool).
 */
int hm_mempool_free(struct hm_mempool *mp);

/** The pool named @p name, or NULL with hm_errno ENOENT, EINVAL (NULL), ENODEV. */
struct hm_mempool *hm_mempool_lookup(const char *name);

/**
 * Call @p fn for every pool (in memzone table order); a non-zero return stops the
 * walk and is returned. @return 0, the stop value, -EINVAL (NULL fn), -ENODEV.
 * @p fn must not create or free pools.
 */
int hm_mempool_walk(int (*fn)(struct hm_mempool *mp, void *arg), void *arg);

/**
 * Select the backend by name before the pool is populated.
 * @return 0; -EINVAL (NULL, not a pool, no ops of that name: DPDK's errno),
 *   -EEXIST (already populated: the backend exists).
 */
int hm_mempool_set_ops_byname(struct hm_mempool *mp, const char *name, void *pool_config);

/**
 * Register ops (every member set; name unique, at most 31 characters).
 * @return the ops index; -EINVAL, -EEXIST, -ENOSPC (table full), -ENAMETOOLONG.
 */
int hm_mempool_ops_register(const struct hm_mempool_ops *ops);
/** Index of the ops named @p name, or -ENOENT / -EINVAL. */
int hm_mempool_ops_lookup(const char *name);

/**
 * Call @p fn for every object in population order. @return the number of
 * objects (0 for NULL arguments, hm_errno EINVAL).
 */
unsigned int hm_mempool_obj_iter(struct hm_mempool *mp, hm_mempool_obj_cb_t *fn, void *arg);
/** Same for every chunk. */
unsigned int hm_mempool_mem_iter(struct hm_mempool *mp, hm_mempool_mem_cb_t *fn, void *arg);

/** Objects in the backend and the per-lcore caches (0 for NULL). */
unsigned int hm_mempool_avail_count(const struct hm_mempool *mp);
/** populated - avail (0 for NULL). */
unsigned int hm_mempool_in_use_count(const struct hm_mempool *mp);
/** 1 when every object is available. */
int hm_mempool_full(const struct hm_mempool *mp);
/** 1 when no object is available. */
int hm_mempool_empty(const struct hm_mempool *mp);
/** Private data area (private_data_size bytes, 64-aligned), or NULL. */
void *hm_mempool_get_priv(struct hm_mempool *mp);
/** Name of the pool's ops, or NULL. */
const char *hm_mempool_ops_name(const struct hm_mempool *mp);

/** Snapshot of the counts. @return 0; -EINVAL (NULL, not a pool). */
int hm_mempool_stats_get(const struct hm_mempool *mp, struct hm_mempool_stats *stats);

/**
 * A user-owned cache of @p size objects (1..HM_MEMPOOL_CACHE_MAX_SIZE), usable
 * with any pool through hm_mempool_generic_get/put; flush it before switching
 * pools. @return the cache or NULL with hm_errno EINVAL, ENOMEM, ENODEV.
 */
struct hm_mempool_cache *hm_mempool_cache_create(unsigned int size, int socket_id);
/** Free a user-owned cache (flush it first: its objects are lost otherwise). NULL ok.
 * @return 0; -EINVAL (a per-lcore cache, not a cache). */
int hm_mempool_cache_free(struct hm_mempool_cache *cache);
/**
 * Give every object in @p cache back to @p mp's backend. @p cache NULL means the
 * calling lcore's cache. @return 0; -EINVAL (NULL or foreign pool).
 */
int hm_mempool_cache_flush(struct hm_mempool_cache *cache, struct hm_mempool *mp);

/**
 * Audit: every cache within its bounds; debug pools: every object's cookie and
 * owner. Aborts (as DPDK's rte_mempool_audit) naming the problem.
 */
void hm_mempool_audit(struct hm_mempool *mp);
/** Print the pool (sizes, ops, counts, per-lcore cache lengths, chunks). */
void hm_mempool_dump(FILE *f, const struct hm_mempool *mp);
/** Print every pool. */
void hm_mempool_list_dump(FILE *f);
/**
 * Validator (see the invariants above). Call it when no other thread uses the
 * pool. @return 0; -EINVAL (NULL / not a pool); -EFAULT with *reason.
 */
int hm_mempool_check(const struct hm_mempool *mp, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MEMPOOL_H */
