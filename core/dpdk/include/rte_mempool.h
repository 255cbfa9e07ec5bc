/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempools, DPDK 22.11's rte_mempool.h over hugemem's (hugemem/mempool.h).
 * struct rte_mempool is struct hm_mempool with DPDK's field names at DPDK's
 * offsets (the words hugemem keeps in DPDK's padding are named hm_*); the
 * caches, object and chunk headers likewise. The get / put fast paths are
 * hugemem's inline functions; everything else is libhugemem_dpdk
 * (core/dpdk/mempool.c, mempool_ops.c).
 *
 * Memory: header, caches and private data in memzone "MP_<name>"; objects
 * in chunk memzones (rte_mempool_populate_default), caller memory
 * (populate_iova / populate_virt) or anonymous memory (populate_anon). An
 * object is [header_size bytes, struct rte_mempool_objhdr at its end][elt_size
 * bytes][trailer_size bytes]; a debug pool (EAL option --mempool-debug) keeps
 * a cookie in the trailer (struct rte_mempool_objtlr) and aborts on a double
 * put or a put to the wrong pool.
 *
 * Per-lcore caches: one per lcore id when cache_size > 0; threads without an
 * lcore id get and put straight from the backend. A get is all or nothing and
 * fails with -ENOBUFS (ring and stack ops; DPDK documents -ENOENT but its ring
 * and stack drivers return -ENOBUFS too).
 */
#ifndef _RTE_MEMPOOL_H_
#define _RTE_MEMPOOL_H_

#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <sys/types.h>

#include <rte_compat.h>
#include <rte_config.h>
#include <rte_spinlock.h>
#include <rte_debug.h>
#include <rte_lcore.h>
#include <rte_branch_prediction.h>
#include <rte_ring.h>
#include <rte_memcpy.h>
#include <rte_common.h>

#include "hugemem/mempool.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_MEMPOOL_HEADER_COOKIE1 0xbadbadbadadd2e55ULL /* handed out */
#define RTE_MEMPOOL_HEADER_COOKIE2 0xf2eef2eedadd2e55ULL /* in the pool */
#define RTE_MEMPOOL_TRAILER_COOKIE 0xadd2e55badbadbadULL

/** A cache: per lcore in a pool, or user-owned (rte_mempool_cache_create). */
struct rte_mempool_cache {
	uint32_t size;        /* objects a refill leaves in the cache */
	uint32_t flushthresh; /* a put that would exceed it flushes: 1.5 * size */
	uint32_t len;         /* objects in objs[] */
	uint32_t hm_user_owned; /* hugemem: 1 for rte_mempool_cache_create's (DPDK: padding) */
	void *objs[RTE_MEMPOOL_CACHE_MAX_SIZE * 2] __rte_cache_aligned;
} __rte_cache_aligned;

/** Object size split (rte_mempool_calc_obj_size). */
struct rte_mempool_objsz {
	uint32_t elt_size;     /* element, rounded up to 8 */
	uint32_t header_size;  /* before the element */
	uint32_t trailer_size; /* after it */
	uint32_t total_size;   /* all three */
};

#define RTE_MEMPOOL_MZ_PREFIX "MP_"
/** Pool names: at most RTE_MEMPOOL_NAMESIZE - 1 (25) characters. */
#define RTE_MEMPOOL_NAMESIZE (RTE_RING_NAMESIZE - sizeof(RTE_MEMPOOL_MZ_PREFIX) + 1)
#define RTE_MEMPOOL_MZ_FORMAT RTE_MEMPOOL_MZ_PREFIX "%s"
#define RTE_MEMPOOL_ALIGN RTE_CACHE_LINE_SIZE
#define RTE_MEMPOOL_ALIGN_MASK (RTE_MEMPOOL_ALIGN - 1)

struct rte_mempool;

/** Header right before every object. 24 bytes. */
struct rte_mempool_objhdr {
	RTE_STAILQ_ENTRY(rte_mempool_objhdr) next; /* next object in population order */
	struct rte_mempool *mp;                    /* owner */
	rte_iova_t iova;                           /* IOVA of the object, or RTE_BAD_IOVA */
};

RTE_STAILQ_HEAD(rte_mempool_objhdr_list, rte_mempool_objhdr);

/** Trailer of an object of a debug pool (right after the element). */
struct rte_mempool_objtlr {
	uint64_t cookie; /* RTE_MEMPOOL_HEADER_COOKIE2 in the pool, COOKIE1 handed out */
};

RTE_STAILQ_HEAD(rte_mempool_memhdr_list, rte_mempool_memhdr);

struct rte_mempool_memhdr;
/** Called when a chunk is freed (pool freed, or a failed populate undone). */
typedef void (rte_mempool_memchunk_free_cb_t)(struct rte_mempool_memhdr *memhdr, void *opaque);

/** One memory chunk of a pool. */
struct rte_mempool_memhdr {
	RTE_STAILQ_ENTRY(rte_mempool_memhdr) next;
	struct rte_mempool *mp;                  /* owner */
	void *addr;                              /* start */
	rte_iova_t iova;                         /* IOVA of addr, or RTE_BAD_IOVA */
	size_t len;                              /* bytes */
	rte_mempool_memchunk_free_cb_t *free_cb; /* may be NULL */
	void *opaque;                            /* its argument */
	uint32_t hm_n_objs;                      /* hugemem: objects placed in the chunk */
	uint32_t hm_pad;
};

/** What a pool's ops report (rte_mempool_ops_get_info). */
struct rte_mempool_info {
	unsigned int contig_block_size; /* objects per contiguous block */
} __rte_cache_aligned;

/** A pool, in memzone "MP_<name>". */
struct rte_mempool {
	char name[RTE_MEMPOOL_NAMESIZE] __rte_cache_aligned;
	uint16_t hm_pad0;
	uint32_t hm_magic;                /* hugemem: set while the pool exists */
	RTE_STD_C11
	union {
		void *pool_data;          /* the backend's state (a ring, a stack) */
		uint64_t pool_id;
	};
	void *pool_config;                /* rte_mempool_set_ops_byname's argument */
	const struct rte_memzone *mz;     /* holding this header */
	unsigned int flags;               /* RTE_MEMPOOL_F_* */
	int socket_id;                    /* asked at creation (SOCKET_ID_ANY allowed) */
	uint32_t size;                    /* objects when full */
	uint32_t cache_size;              /* per-lcore cache size; 0: none */
	uint32_t elt_size;                /* element bytes (multiple of 8) */
	uint32_t header_size;             /* bytes before each element */
	uint32_t trailer_size;            /* bytes after each element */
	unsigned int private_data_size;   /* bytes of private data (multiple of 64) */
	int32_t ops_index;                /* rte_mempool_ops_table entry */
	uint32_t hm_n_caches;             /* hugemem: per-lcore caches (lcore ids below) */
	struct rte_mempool_cache *local_cache; /* hm_n_caches caches, or NULL */
	uint32_t populated_size;          /* objects placed */
	uint32_t hm_pad1;
	struct rte_mempool_objhdr_list elt_list; /* every object (read with STAILQ_FOREACH) */
	uint32_t nb_mem_chunks;
	uint32_t hm_pad2;
	struct rte_mempool_memhdr_list mem_list; /* every chunk */
	uint64_t hm_pg_sz;                /* hugemem: page size objects stay within */
	uint64_t hm_get_fail;             /* hugemem: failed gets */
} __rte_cache_aligned;

#define RTE_MEMPOOL_F_NO_SPREAD 0x0001      /* no padding spreading objects over channels */
#define MEMPOOL_F_NO_SPREAD RTE_MEMPOOL_F_NO_SPREAD
#define RTE_MEMPOOL_F_NO_CACHE_ALIGN 0x0002 /* objects 8-aligned (implies NO_SPREAD) */
#define MEMPOOL_F_NO_CACHE_ALIGN RTE_MEMPOOL_F_NO_CACHE_ALIGN
#define RTE_MEMPOOL_F_SP_PUT 0x0004         /* single producer: ops ring_sp_* */
#define MEMPOOL_F_SP_PUT RTE_MEMPOOL_F_SP_PUT
#define RTE_MEMPOOL_F_SC_GET 0x0008         /* single consumer: ops ring_*_sc */
#define MEMPOOL_F_SC_GET RTE_MEMPOOL_F_SC_GET
#define RTE_MEMPOOL_F_POOL_CREATED 0x0010   /* internal: the backend exists */
#define RTE_MEMPOOL_F_NO_IOVA_CONTIG 0x0020 /* objects need not be IOVA-contiguous */
#define MEMPOOL_F_NO_IOVA_CONTIG RTE_MEMPOOL_F_NO_IOVA_CONTIG
#define RTE_MEMPOOL_F_NON_IO 0x0040         /* internal: no object has an IOVA */
#define RTE_MEMPOOL_VALID_USER_FLAGS \
	(RTE_MEMPOOL_F_NO_SPREAD | RTE_MEMPOOL_F_NO_CACHE_ALIGN | RTE_MEMPOOL_F_SP_PUT | \
	 RTE_MEMPOOL_F_SC_GET | RTE_MEMPOOL_F_NO_IOVA_CONTIG)

/** The hugemem pool a DPDK pool is (same memory, same layout). */
#define RTE_MEMPOOL_HM(mp) ((struct hm_mempool *)(void *)(mp))
#define RTE_MEMPOOL_HM_CONST(mp) ((const struct hm_mempool *)(const void *)(mp))
#define RTE_MEMPOOL_CACHE_HM(c) ((struct hm_mempool_cache *)(void *)(c))

/** Bytes of the pool header and its per-lcore caches (the private data follows). */
#define RTE_MEMPOOL_HEADER_SIZE(mp, cs) \
	(sizeof(*(mp)) + (((cs) == 0) ? 0 : \
	 (sizeof(struct rte_mempool_cache) * (mp)->hm_n_caches)))

#define RTE_MEMPOOL_STAT_ADD(mp, name, n) do { } while (0)
#define RTE_MEMPOOL_CACHE_STAT_ADD(cache, name, n) do { } while (0)

/* ---------------------------------------------------------------- objects */

/** Header of object @p obj. */
static inline struct rte_mempool_objhdr *
rte_mempool_get_header(void *obj)
{
	return (struct rte_mempool_objhdr *)RTE_PTR_SUB(obj, sizeof(struct rte_mempool_objhdr));
}

/** The pool @p obj belongs to. */
static inline struct rte_mempool *
rte_mempool_from_obj(void *obj)
{
	return rte_mempool_get_header(obj)->mp;
}

/** Trailer of object @p obj (its cookie is kept in debug pools). */
static inline struct rte_mempool_objtlr *
rte_mempool_get_trailer(void *obj)
{
	struct rte_mempool *mp = rte_mempool_from_obj(obj);

	return (struct rte_mempool_objtlr *)RTE_PTR_ADD(obj, mp->elt_size);
}

/**
 * Check (and in debug pools flip) the cookies of @p n objects being put
 * (@p free 1) or just taken (0); panics naming a double put, a put to the
 * wrong pool or a corrupt cookie. Does nothing for pools that are not debug
 * pools.
 */
void rte_mempool_check_cookies(const struct rte_mempool *mp, void * const *obj_table_const,
			       unsigned int n, int free);

#define RTE_MEMPOOL_CHECK_COOKIES(mp, obj_table_const, n, free) \
	rte_mempool_check_cookies(mp, obj_table_const, n, free)

/** Same for contiguous blocks: checks the first object of each block. */
void rte_mempool_contig_blocks_check_cookies(const struct rte_mempool *mp,
					     void * const *first_obj_table_const, unsigned int n,
					     int free);

#define RTE_MEMPOOL_CONTIG_BLOCKS_CHECK_COOKIES(mp, first_obj_table_const, n, free) \
	rte_mempool_contig_blocks_check_cookies(mp, first_obj_table_const, n, free)

/* ---------------------------------------------------------------- ops */

#define RTE_MEMPOOL_OPS_NAMESIZE 32

typedef int (*rte_mempool_alloc_t)(struct rte_mempool *mp);
typedef void (*rte_mempool_free_t)(struct rte_mempool *mp);
typedef int (*rte_mempool_enqueue_t)(struct rte_mempool *mp, void * const *obj_table,
				     unsigned int n);
typedef int (*rte_mempool_dequeue_t)(struct rte_mempool *mp, void **obj_table, unsigned int n);
typedef int (*rte_mempool_dequeue_contig_blocks_t)(struct rte_mempool *mp,
						   void **first_obj_table, unsigned int n);
typedef unsigned (*rte_mempool_get_count)(const struct rte_mempool *mp);
typedef ssize_t (*rte_mempool_calc_mem_size_t)(const struct rte_mempool *mp, uint32_t obj_num,
					       uint32_t pg_shift, size_t *min_chunk_size,
					       size_t *align);
typedef void (rte_mempool_populate_obj_cb_t)(struct rte_mempool *mp, void *opaque, void *vaddr,
					     rte_iova_t iova);
typedef int (*rte_mempool_populate_t)(struct rte_mempool *mp, unsigned int max_objs,
				      void *vaddr, rte_iova_t iova, size_t len,
				      rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg);
typedef int (*rte_mempool_get_info_t)(const struct rte_mempool *mp,
				      struct rte_mempool_info *info);

/**
 * Bytes for @p obj_num objects that do not cross 2^@p pg_shift boundaries
 * (pg_shift 0: no boundary), @p chunk_reserve bytes kept free at the start of
 * each page (or of the area). *min_chunk_size: bytes for one object; *align:
 * RTE_MEMPOOL_ALIGN. @return the size, or -EINVAL (an object does not fit
 * in a page with the reserve).
 */
ssize_t rte_mempool_op_calc_mem_size_helper(const struct rte_mempool *mp, uint32_t obj_num,
					    uint32_t pg_shift, size_t chunk_reserve,
					    size_t *min_chunk_size, size_t *align);
/** The helper with no reserve: what ops without calc_mem_size use. */
ssize_t rte_mempool_op_calc_mem_size_default(const struct rte_mempool *mp, uint32_t obj_num,
					     uint32_t pg_shift, size_t *min_chunk_size,
					     size_t *align);

#define RTE_MEMPOOL_POPULATE_F_ALIGN_OBJ 0x0001

/**
 * Slice [vaddr, vaddr + len) into up to @p max_objs objects that do not cross
 * a page boundary of the pool (rte_mempool_get_page_size), calling @p obj_cb
 * for each and enqueuing it. With RTE_MEMPOOL_POPULATE_F_ALIGN_OBJ object
 * headers start at multiples of the total object size.
 * @return the number of objects, or -EINVAL (NULL mp or obj_cb).
 */
int rte_mempool_op_populate_helper(struct rte_mempool *mp, unsigned int flags,
				   unsigned int max_objs, void *vaddr, rte_iova_t iova, size_t len,
				   rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg);
/** The helper with flags 0. */
int rte_mempool_op_populate_default(struct rte_mempool *mp, unsigned int max_objs,
				    void *vaddr, rte_iova_t iova, size_t len,
				    rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg);

/** A backend. alloc, enqueue, dequeue and get_count are required. */
struct rte_mempool_ops {
	char name[RTE_MEMPOOL_OPS_NAMESIZE];
	rte_mempool_alloc_t alloc;
	rte_mempool_free_t free;
	rte_mempool_enqueue_t enqueue;
	rte_mempool_dequeue_t dequeue;
	rte_mempool_get_count get_count;
	rte_mempool_calc_mem_size_t calc_mem_size; /* NULL: the default */
	rte_mempool_populate_t populate;           /* NULL: the default */
	rte_mempool_get_info_t get_info;           /* NULL: -ENOTSUP */
	rte_mempool_dequeue_contig_blocks_t dequeue_contig_blocks; /* NULL: -ENOTSUP */
} __rte_cache_aligned;

#define RTE_MEMPOOL_MAX_OPS_IDX 16

/**
 * The process's ops, at the same indexes as hugemem's ops table (a pool's
 * ops_index means the same in both): hugemem's built-in backends
 * ("ring_mp_mc", "ring_sp_sc", "ring_sp_mc", "ring_mp_sc", "stack") come
 * first, then what rte_mempool_register_ops adds.
 */
struct rte_mempool_ops_table {
	rte_spinlock_t sl;
	uint32_t num_ops;
	struct rte_mempool_ops ops[RTE_MEMPOOL_MAX_OPS_IDX];
} __rte_cache_aligned;

extern struct rte_mempool_ops_table rte_mempool_ops_table;

/** The ops at @p ops_index. */
static inline struct rte_mempool_ops *
rte_mempool_get_ops(int ops_index)
{
	return &rte_mempool_ops_table.ops[ops_index];
}

/** Create the backend of @p mp. @return 0 or the ops' negative errno. */
int rte_mempool_ops_alloc(struct rte_mempool *mp);

/** Take @p n objects from the backend, all or nothing. @return 0 or < 0. */
static inline int
rte_mempool_ops_dequeue_bulk(struct rte_mempool *mp, void **obj_table, unsigned int n)
{
	return hm_mempool_ops_dequeue(RTE_MEMPOOL_HM(mp), obj_table, n);
}

/** Take @p n contiguous blocks. @return 0, < 0, or -ENOTSUP (ops without them). */
int rte_mempool_ops_dequeue_contig_blocks(struct rte_mempool *mp, void **first_obj_table,
					  unsigned int n);

/** Give @p n objects to the backend. @return 0 or < 0. */
static inline int
rte_mempool_ops_enqueue_bulk(struct rte_mempool *mp, void * const *obj_table, unsigned int n)
{
	return hm_mempool_ops_enqueue(RTE_MEMPOOL_HM(mp), obj_table, n);
}

/** Objects in the backend (0 before the backend exists). */
unsigned rte_mempool_ops_get_count(const struct rte_mempool *mp);
/** The ops' calc_mem_size, or the default. */
ssize_t rte_mempool_ops_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num,
				      uint32_t pg_shift, size_t *min_chunk_size, size_t *align);
/** The ops' populate, or the default. */
int rte_mempool_ops_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr,
			     rte_iova_t iova, size_t len, rte_mempool_populate_obj_cb_t *obj_cb,
			     void *obj_cb_arg);
/** @return 0 with *info filled, -ENOTSUP (ops without get_info), -EINVAL. */
int rte_mempool_ops_get_info(const struct rte_mempool *mp, struct rte_mempool_info *info);
/** Free the backend of @p mp (if created). */
void rte_mempool_ops_free(struct rte_mempool *mp);

/**
 * Select the ops of a pool that is not populated yet.
 * @return 0, -EINVAL (unknown name, NULL, not a pool), -EEXIST (the pool's
 *   backend exists already).
 */
int rte_mempool_set_ops_byname(struct rte_mempool *mp, const char *name, void *pool_config);

/**
 * Register ops. @return the index; -EINVAL (alloc, enqueue, dequeue or
 * get_count missing, NULL, empty name), -ENOSPC (table full), -EEXIST (name
 * of 31 characters or more, as DPDK; or a name registered already: DPDK
 * registers it twice).
 */
int rte_mempool_register_ops(const struct rte_mempool_ops *ops);

/** Register @p ops before main (a failure is silent, as in DPDK). */
#define RTE_MEMPOOL_REGISTER_OPS(ops) \
	RTE_INIT(mp_hdlr_init_##ops) \
	{ \
		rte_mempool_register_ops(&ops); \
	}

/* ---------------------------------------------------------------- pools */

typedef void (rte_mempool_obj_cb_t)(struct rte_mempool *mp, void *opaque, void *obj,
				    unsigned obj_idx);
typedef rte_mempool_obj_cb_t rte_mempool_obj_ctor_t;
typedef void (rte_mempool_mem_cb_t)(struct rte_mempool *mp, void *opaque,
				    struct rte_mempool_memhdr *memhdr, unsigned mem_idx);
typedef void (rte_mempool_ctor_t)(struct rte_mempool *, void *);

/**
 * rte_mempool_create_empty, @p mp_init, rte_mempool_populate_default, then
 * @p obj_init for every object (either callback may be NULL). The flags
 * SP_PUT / SC_GET choose the ring ops.
 * @return the pool, or NULL with rte_errno as those functions; nothing is
 *   left behind on failure.
 */
struct rte_mempool *rte_mempool_create(const char *name, unsigned n, unsigned elt_size,
				       unsigned cache_size, unsigned private_data_size,
				       rte_mempool_ctor_t *mp_init, void *mp_init_arg,
				       rte_mempool_obj_cb_t *obj_init, void *obj_init_arg,
				       int socket_id, unsigned flags);

/**
 * An empty pool for @p n (1 .. 2^30 - 1) objects of @p elt_size bytes with
 * per-lcore caches of @p cache_size (at most RTE_MEMPOOL_CACHE_MAX_SIZE and
 * 1.5 * cache_size <= n) and @p private_data_size bytes of private data, with
 * the default ops (RTE_MBUF_DEFAULT_MEMPOOL_OPS, ring_mp_mc).
 * @return the pool, or NULL with rte_errno EINVAL (n, elt_size 0, cache_size,
 *   flags outside RTE_MEMPOOL_VALID_USER_FLAGS, NULL or empty name),
 *   ENAMETOOLONG (over 25 characters), EEXIST, ENOSPC, ENOMEM (no memory, a
 *   socket without memory).
 */
struct rte_mempool *rte_mempool_create_empty(const char *name, unsigned n, unsigned elt_size,
					     unsigned cache_size, unsigned private_data_size,
					     int socket_id, unsigned flags);

/** Free @p mp (objects handed out become invalid). NULL does nothing. */
void rte_mempool_free(struct rte_mempool *mp);

/**
 * Add objects in [vaddr, vaddr + len), IOVA @p iova (RTE_BAD_IOVA: none), as
 * one chunk; @p free_cb(memhdr, opaque) runs when the chunk is freed.
 * @return the number of objects added (0: none fits, and the chunk is not
 *   kept), -EINVAL (NULL or not a pool, NULL vaddr), -ENOSPC (the pool is
 *   full), -ENOMEM, or the backend's alloc error.
 */
int rte_mempool_populate_iova(struct rte_mempool *mp, char *vaddr, rte_iova_t iova, size_t len,
			      rte_mempool_memchunk_free_cb_t *free_cb, void *opaque);

/**
 * Add objects in [addr, addr + len), page-aligned to @p pg_sz (a power of
 * two), as one chunk per run of IOVA-contiguous pages.
 * @return the number of objects added, or -EINVAL (bad arguments), -ENOSPC,
 *   -ENOMEM; on error nothing of this call stays.
 */
int rte_mempool_populate_virt(struct rte_mempool *mp, char *addr, size_t len, size_t pg_sz,
			      rte_mempool_memchunk_free_cb_t *free_cb, void *opaque);

/**
 * Fill the pool from memzones.
 * @return the number of objects added, -EINVAL (not a pool), -EEXIST (the pool
 *   has chunks already), -ENOMEM (nothing of this call stays).
 */
int rte_mempool_populate_default(struct rte_mempool *mp);

/**
 * Fill an empty pool from anonymous memory (no IOVA).
 * @return the number of objects, or 0 with rte_errno EINVAL (not a pool, or it
 *   has chunks), ENOMEM.
 */
int rte_mempool_populate_anon(struct rte_mempool *mp);

/** @p obj_cb for every object in population order. @return the number of objects. */
uint32_t rte_mempool_obj_iter(struct rte_mempool *mp, rte_mempool_obj_cb_t *obj_cb,
			      void *obj_cb_arg);
/** @p mem_cb for every chunk. @return the number of chunks. */
uint32_t rte_mempool_mem_iter(struct rte_mempool *mp, rte_mempool_mem_cb_t *mem_cb,
			      void *mem_cb_arg);

/** Print the pool. */
void rte_mempool_dump(FILE *f, struct rte_mempool *mp);

/**
 * A cache of @p size objects (1 .. RTE_MEMPOOL_CACHE_MAX_SIZE) for
 * rte_mempool_generic_get / put with any pool.
 * @return the cache, or NULL with rte_errno EINVAL, ENOMEM.
 */
struct rte_mempool_cache *rte_mempool_cache_create(uint32_t size, int socket_id);
/** Free a cache from rte_mempool_cache_create (flush it first). NULL does nothing. */
void rte_mempool_cache_free(struct rte_mempool_cache *cache);

/** The calling lcore's cache of @p mp (lcore @p lcore_id), or NULL. */
static __rte_always_inline struct rte_mempool_cache *
rte_mempool_default_cache(struct rte_mempool *mp, unsigned lcore_id)
{
	return (struct rte_mempool_cache *)(void *)hm_mempool_default_cache(RTE_MEMPOOL_HM(mp),
									     lcore_id);
}

/** Give every object of @p cache (NULL: the calling lcore's) back to @p mp. */
static __rte_always_inline void
rte_mempool_cache_flush(struct rte_mempool_cache *cache, struct rte_mempool *mp)
{
	(void)hm_mempool_cache_flush(RTE_MEMPOOL_CACHE_HM(cache), RTE_MEMPOOL_HM(mp));
}

/* ---- put: never fails ---- */

static __rte_always_inline void
rte_mempool_do_generic_put(struct rte_mempool *mp, void * const *obj_table, unsigned int n,
			   struct rte_mempool_cache *cache)
{
	hm_mempool_generic_put(RTE_MEMPOOL_HM(mp), obj_table, n, RTE_MEMPOOL_CACHE_HM(cache));
}

/** Put @p n objects through @p cache (NULL: straight to the backend). */
static __rte_always_inline void
rte_mempool_generic_put(struct rte_mempool *mp, void * const *obj_table, unsigned int n,
			struct rte_mempool_cache *cache)
{
	hm_mempool_generic_put(RTE_MEMPOOL_HM(mp), obj_table, n, RTE_MEMPOOL_CACHE_HM(cache));
}

/** Put through the calling lcore's cache. */
static __rte_always_inline void
rte_mempool_put_bulk(struct rte_mempool *mp, void * const *obj_table, unsigned int n)
{
	hm_mempool_put_bulk(RTE_MEMPOOL_HM(mp), obj_table, n);
}

static __rte_always_inline void
rte_mempool_put(struct rte_mempool *mp, void *obj)
{
	hm_mempool_put(RTE_MEMPOOL_HM(mp), obj);
}

/* ---- get: all or nothing; 0 or -ENOBUFS ---- */

static __rte_always_inline int
rte_mempool_do_generic_get(struct rte_mempool *mp, void **obj_table, unsigned int n,
			   struct rte_mempool_cache *cache)
{
	return hm_mempool_generic_get(RTE_MEMPOOL_HM(mp), obj_table, n,
				      RTE_MEMPOOL_CACHE_HM(cache));
}

/** Get @p n objects through @p cache (NULL: from the backend). */
static __rte_always_inline int
rte_mempool_generic_get(struct rte_mempool *mp, void **obj_table, unsigned int n,
			struct rte_mempool_cache *cache)
{
	return hm_mempool_generic_get(RTE_MEMPOOL_HM(mp), obj_table, n,
				      RTE_MEMPOOL_CACHE_HM(cache));
}

/** Get through the calling lcore's cache. */
static __rte_always_inline int
rte_mempool_get_bulk(struct rte_mempool *mp, void **obj_table, unsigned int n)
{
	return hm_mempool_get_bulk(RTE_MEMPOOL_HM(mp), obj_table, n);
}

static __rte_always_inline int
rte_mempool_get(struct rte_mempool *mp, void **obj_p)
{
	return hm_mempool_get(RTE_MEMPOOL_HM(mp), obj_p);
}

/**
 * Get @p n blocks of contiguous objects (ops with dequeue_contig_blocks only).
 * @return 0, or < 0: -ENOTSUP for ops without it (DPDK crashes there).
 */
static __rte_always_inline int
rte_mempool_get_contig_blocks(struct rte_mempool *mp, void **first_obj_table, unsigned int n)
{
	return rte_mempool_ops_dequeue_contig_blocks(mp, first_obj_table, n);
}

/* ---------------------------------------------------------------- counts, misc */

/** Objects in the backend and the per-lcore caches (0 before populate: DPDK crashes). */
unsigned int rte_mempool_avail_count(const struct rte_mempool *mp);
/** Populated objects not available. */
unsigned int rte_mempool_in_use_count(const struct rte_mempool *mp);

/** 1 when every object is available. */
static inline int
rte_mempool_full(const struct rte_mempool *mp)
{
	return rte_mempool_avail_count(mp) == mp->size;
}

/** 1 when no object is available. */
static inline int
rte_mempool_empty(const struct rte_mempool *mp)
{
	return rte_mempool_avail_count(mp) == 0;
}

/** IOVA of object @p elt, or RTE_BAD_IOVA. */
static inline rte_iova_t
rte_mempool_virt2iova(const void *elt)
{
	const struct rte_mempool_objhdr *hdr =
		(const struct rte_mempool_objhdr *)RTE_PTR_SUB(elt, sizeof(*hdr));

	return hdr->iova;
}

/** Validate the pool; panics naming the problem. */
void rte_mempool_audit(struct rte_mempool *mp);

/** The pool's private data (private_data_size bytes). */
static inline void *
rte_mempool_get_priv(struct rte_mempool *mp)
{
	return (char *)mp + RTE_MEMPOOL_HEADER_SIZE(mp, mp->cache_size);
}

void rte_mempool_list_dump(FILE *f);

/** The pool named @p name, or NULL with rte_errno ENOENT. */
struct rte_mempool *rte_mempool_lookup(const char *name);

/**
 * Sizes of an object of @p elt_size bytes with @p flags (DPDK's computation:
 * 24-byte header rounded up to a cache line unless NO_CACHE_ALIGN, element
 * rounded up to 8, trailer up to a cache line, then up to a number of lines
 * coprime with channels x ranks unless NO_SPREAD). @return the total.
 */
uint32_t rte_mempool_calc_obj_size(uint32_t elt_size, uint32_t flags,
				   struct rte_mempool_objsz *sz);

/** @p func for every pool. */
void rte_mempool_walk(void (*func)(struct rte_mempool *, void *arg), void *arg);

/**
 * Page size objects of @p mp must not cross (0: none).
 * @return 0, -EINVAL (NULL, or a socket that is neither a node nor a heap).
 */
int rte_mempool_get_page_size(struct rte_mempool *mp, size_t *pg_sz);

enum rte_mempool_event {
	RTE_MEMPOOL_EVENT_READY = 0,   /* after the pool became fully populated */
	RTE_MEMPOOL_EVENT_DESTROY = 1, /* before a pool is freed */
};

typedef void (rte_mempool_event_callback)(enum rte_mempool_event event, struct rte_mempool *mp,
					  void *user_data);

/**
 * Call @p func on pool events in this process.
 * @return 0, or -1 with rte_errno EINVAL (NULL func), EEXIST (this func and
 *   user_data already), ENOMEM.
 */
__rte_internal
int rte_mempool_event_callback_register(rte_mempool_event_callback *func, void *user_data);
/** @return 0, or -1 with rte_errno ENOENT (not registered), EINVAL. */
__rte_internal
int rte_mempool_event_callback_unregister(rte_mempool_event_callback *func, void *user_data);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MEMPOOL_H_ */
