/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem malloc: heaps of hugepage memory, one per NUMA node, plus named external
 * heaps over user memory and stand-alone heaps over a plain buffer.
 *
 * Native heaps grow by mapping exactly the pages a request needs on the heap's
 * node (smallest allowed page size first) and give whole free pages back to the
 * backend on free (never pages preallocated at init). Memory handed out is
 * 64-byte aligned at least. Free does not clear memory; each free element
 * remembers how much of it is still zero, and hm_zmalloc clears only the rest.
 *
 * lcore caches: on an lcore thread, hm_free of a small block (up to
 * HM_MALLOC_CACHE_SIZE_MAX usable bytes, no alignment padding, from the lcore's
 * node heap) parks it in the lcore's cache, and that lcore's next hm_malloc /
 * hm_zmalloc / hm_calloc of a size in the same class takes it back: no lock, no
 * heap search. Classes are 64 bytes wide up to 1 KiB, then quarter powers of two
 * (1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096). Each class keeps up to
 * --malloc-cache blocks (default HM_MALLOC_CACHE_DEFAULT) and gives its older
 * half back to the heap, under one lock, when it is full; the classes above
 * 1 KiB together hold at most --malloc-cache x 3 KiB per lcore (96 KiB by
 * default), the fullest giving its older half back when a free would pass
 * that. Stats count cached blocks as free; their pages stay
 * mapped until hm_malloc_cache_flush(), an allocation that would otherwise fail
 * with ENOMEM, hm_thread_unregister() or hm_cleanup() returns them.
 * --malloc-cache=0 turns the caches off.
 *
 * Socket policy: HM_SOCKET_ID_ANY means the calling lcore's node (the main lcore's
 * for threads without one), then every other node in order. An explicit node
 * never falls back. An unknown node is an error (EINVAL), never node 0.
 *
 * Errors: pointer functions return NULL and set hm_errno (EINVAL: size 0,
 * alignment not a power of two, bound smaller than the size or not a power of
 * two, unknown socket; ENOMEM: no memory, size too large; ENODEV: not
 * initialised; EDEADLK: called from a memseg walk callback, where taking a heap
 * lock could deadlock against a growing heap, as DPDK forbids it too). An ENOMEM
 * message keeps why each heap could not grow (memseg's or the backend's message
 * and errno). hm_free returns -EINVAL for a pointer no heap handed out, a double
 * free or memory a memzone owns (a zone's, a ring's, a mempool's: the message
 * names the zone; DPDK's rte_free frees it under the zone), -EFAULT when the
 * allocation's guard bytes were overwritten (debug builds); the heap is
 * unchanged in all these cases.
 */
#ifndef HUGEMEM_MALLOC_H
#define HUGEMEM_MALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_MAX_HEAPS 32
#define HM_MALLOC_HEAP_NAME_LEN 32
/** Blocks per size class in an lcore's malloc cache: default and largest. */
#define HM_MALLOC_CACHE_DEFAULT 32
#define HM_MALLOC_CACHE_MAX 512
/** Largest usable size the lcore caches hold. */
#define HM_MALLOC_CACHE_SIZE_MAX 4096
/** External heaps get socket ids from here upward. */
#define HM_MALLOC_EXT_SOCKET_BASE 256

/**
 * Statistics of one heap. The first six fields are DPDK's rte_malloc_socket_stats,
 * at its offsets. Blocks waiting in this process's lcore malloc caches count as
 * free (in heap_freesz_bytes and free_count, not in alloc_count); the last two
 * fields say how much of that free memory is such blocks, which only their lcore
 * can hand out again and whose pages stay mapped until they go back to the heap.
 *
 * ABI: cached_bytes and cached_count were appended in hugemem 0.2 (the struct
 * grew from 40 to 56 bytes on LP64); a program built against an older header
 * passes a smaller struct and must be rebuilt.
 */
struct hm_malloc_socket_stats {
	size_t heap_totalsz_bytes; /* memory in the heap */
	size_t heap_freesz_bytes;  /* in free elements (headers included), lcore-cached blocks too */
	size_t greatest_free_size; /* largest free element (header included); never a cached block */
	unsigned int free_count;   /* free elements + lcore-cached blocks */
	unsigned int alloc_count;  /* allocations */
	size_t heap_allocsz_bytes; /* total - free */
	size_t cached_bytes;       /* of heap_freesz_bytes: blocks in lcore caches (headers included) */
	unsigned int cached_count; /* of free_count: blocks in lcore caches */
};

/* ---- allocation ---- */

/**
 * Allocate @p size bytes aligned to @p align (0 = 64; else a power of two) on the
 * calling lcore's node, falling back to the others. @p type tags the allocation
 * in dumps and leak reports (may be NULL). NULL + hm_errno on failure.
 */
void *hm_malloc(const char *type, size_t size, unsigned int align);
/** Same, zero-filled. */
void *hm_zmalloc(const char *type, size_t size, unsigned int align);
/** @p num * @p size zeroed bytes; an overflowing product is ENOMEM, not a short block. */
void *hm_calloc(const char *type, size_t num, size_t size, unsigned int align);
/**
 * Resize: in place when the block can grow into a free neighbour or shrink, else
 * allocate, copy min(old usable, size) and free. NULL @p ptr acts as hm_malloc.
 * Size 0 is EINVAL (use hm_free). On failure the old block is untouched.
 */
void *hm_realloc(void *ptr, size_t size, unsigned int align);

/** As above on node @p socket (HM_SOCKET_ID_ANY, a node, or an external heap's id). */
void *hm_malloc_socket(const char *type, size_t size, unsigned int align, int socket);
void *hm_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket);
void *hm_calloc_socket(const char *type, size_t num, size_t size, unsigned int align, int socket);
void *hm_realloc_socket(void *ptr, size_t size, unsigned int align, int socket);

/**
 * Free. NULL is a no-op returning 0. Not from a memseg walk callback (-EDEADLK).
 * @return 0; -EINVAL (not a live allocation: foreign pointer, interior pointer,
 *   double free, also when two threads free one block at once: exactly one
 *   succeeds; or memory a memzone owns, named in the message: free it with
 *   hm_memzone_free / hm_ring_free / hm_mempool_free), -EFAULT (debug builds: guard bytes overwritten; the block is not
 *   freed and the message names its type tag), -EDEADLK, -ENODEV.
 */
int hm_free(void *ptr);

/**
 * Give the calling lcore's cached blocks back to its heap (whole free pages go
 * back to the backend). A no-op on threads without an lcore or with caches off.
 * @return blocks given back (>= 0), -ENODEV, -EDEADLK (from a memseg walk).
 */
int hm_malloc_cache_flush(void);

/**
 * Check @p ptr is a live allocation and report its usable size in *@p size (may be NULL).
 * @return 0, -EINVAL, -EFAULT, -ENODEV as hm_free.
 */
int hm_malloc_validate(const void *ptr, size_t *size);

/** IOVA of an address inside an allocation, or HM_BAD_IOVA. */
hm_iova_t hm_malloc_virt2iova(const void *addr);

/* ---- statistics and checks ---- */

/** Stats of the heap of @p socket (node or external id). @return 0, -EINVAL, -ENODEV. */
int hm_malloc_get_socket_stats(int socket, struct hm_malloc_socket_stats *stats);
/** Print every heap's stats. */
void hm_malloc_dump_stats(FILE *f);
/** Print every heap's stats and elements. */
void hm_malloc_dump_heaps(FILE *f);
/**
 * Walk every heap: address order, tiling, free-list membership, no two adjacent
 * free elements, counts. @return 0, -ENODEV, or -EFAULT with *reason.
 */
int hm_malloc_check(const char **reason);
/**
 * Number of live allocations in all heaps (memzones' blocks included, tagged
 * "memzone"; blocks in lcore caches are not live), and a line per type tag on
 * @p f (may be NULL): "  leak: type 'T': N allocation(s), B bytes".
 * hm_leak_report (init.h) reports by object instead, as hm_cleanup does.
 */
unsigned int hm_malloc_leak_report(FILE *f);

/* ---- external heaps ---- */

/** Create an empty named heap. @return 0; -EINVAL, -EEXIST, -ENOSPC, -ENAMETOOLONG, -ENODEV. */
int hm_malloc_heap_create(const char *name);
/**
 * Destroy a heap that holds no memory any more. @return 0; -EINVAL (NULL, a
 * native heap), -ENOENT, -EBUSY (memory still added), -ENODEV.
 */
int hm_malloc_heap_destroy(const char *name);
/**
 * Add [va, va+len) to an external heap. @p iova has @p n_pages entries (len /
 * page_sz), or is NULL for memory with no IOVA (contiguous requests then fail).
 * pre: va and len aligned to page_sz, a power of two >= 4 KiB.
 * @return 0; -EINVAL (bad arguments, native heap), -ENOENT, -EEXIST (overlaps
 *   memory already known), -ENOSPC (no memseg list slot left), -ENODEV.
 */
int hm_malloc_heap_memory_add(const char *name, void *va, size_t len, const hm_iova_t iova[],
			      unsigned int n_pages, size_t page_sz);
/**
 * Remove memory added with hm_malloc_heap_memory_add (same va and len).
 * @return 0; -EINVAL, -ENOENT (no such heap or region), -EBUSY (allocations live in it).
 */
int hm_malloc_heap_memory_remove(const char *name, void *va, size_t len);
/** Socket id to allocate from a named heap, or -ENOENT / -EINVAL / -ENODEV. */
int hm_malloc_heap_get_socket(const char *name);
/** 1 if @p socket is an external heap's id, 0 if not, -ENODEV. */
int hm_malloc_heap_socket_is_external(int socket);

/* ---- stand-alone heaps over a caller's buffer (no hm_init needed) ---- */

struct hm_heap;

/**
 * Build a heap inside @p buf (its first bytes hold the heap's state).
 * @return the heap, or NULL with hm_errno EINVAL (NULL buf or name, buffer not
 *   64-byte aligned or too small for one allocation, name too long).
 */
struct hm_heap *hm_heap_init(void *buf, size_t len, const char *name);
/** Forget the heap (the buffer is the caller's). NULL is a no-op. */
void hm_heap_fini(struct hm_heap *heap);
/**
 * Allocate from a buffer heap. @p bound: 0 or a power of two >= size rounded up
 * to 64; the data never crosses a multiple of it. NULL + hm_errno (EINVAL, ENOMEM).
 */
void *hm_heap_alloc(struct hm_heap *heap, const char *type, size_t size, size_t align,
		    size_t bound);
void *hm_heap_realloc(struct hm_heap *heap, void *ptr, size_t size, size_t align);
/** NULL @p ptr is a no-op. @return 0, -EINVAL (NULL heap, pointer not from this heap,
 * double free), -EFAULT. */
int hm_heap_free(struct hm_heap *heap, void *ptr);
/** Usable size of a live allocation, or -EINVAL / -EFAULT. */
int hm_heap_usable(struct hm_heap *heap, const void *ptr, size_t *size);
int hm_heap_stats(struct hm_heap *heap, struct hm_malloc_socket_stats *stats);
/** Validator. @return 0, -EINVAL (NULL heap), -EFAULT with *reason. */
int hm_heap_check(struct hm_heap *heap, const char **reason);
void hm_heap_dump(struct hm_heap *heap, FILE *f);

/* ---- heap snapshots (a consistent copy of a heap's layout, for heap maps) ---- */

/** State of an element in a snapshot. */
enum hm_heap_elem_state {
	HM_HEAP_ELEM_FREE = 0,   /* free in the heap */
	HM_HEAP_ELEM_BUSY = 1,   /* allocated (pad bytes of alignment before its data) */
	HM_HEAP_ELEM_CACHED = 2, /* freed into an lcore's malloc cache */
};

#define HM_HEAP_ELEM_F_MEMZONE 0x1u /* BUSY: the block of a memzone (ring, mempool) */
#define HM_HEAP_SNAPSHOT_TAG_LEN 13 /* type tags: 12 characters and a NUL */

/** One element: a header and the bytes it manages. */
struct hm_heap_snapshot_elem {
	uint64_t addr;      /* element start (its header); a multiple of 64 */
	uint64_t size;      /* bytes incl. header, padding and trailer */
	uint64_t req;       /* BUSY: bytes asked for (0: unknown) */
	uint32_t pad;       /* BUSY: bytes from the element start to its padding header
			       (alignment), 0 when none; < size */
	uint8_t state;      /* enum hm_heap_elem_state */
	uint8_t flags;      /* HM_HEAP_ELEM_F_* */
	char tag[HM_HEAP_SNAPSHOT_TAG_LEN]; /* BUSY: type tag, else "" */
	uint8_t rsvd[5];    /* 0: no padding bytes anywhere (snapshots compare with memcmp) */
};

/** One page the heap's memory lies on. */
struct hm_heap_snapshot_page {
	uint64_t addr;      /* page start */
	hm_iova_t iova;     /* HM_BAD_IOVA when none */
	uint32_t flags;     /* HM_MEMSEG_FLAG_* (DO_NOT_FREE: preallocated, never returned) */
	int32_t socket_id;  /* node the page is on */
};

/** A run of VA-contiguous pages of one memseg list; elements tile it exactly. */
struct hm_heap_snapshot_seg {
	uint64_t base;      /* first byte */
	uint64_t len;       /* bytes: n_pages * page_sz */
	uint64_t page_sz;   /* bytes; 0 for a buffer heap's range */
	int32_t msl;        /* memseg list index, -1 for a buffer heap */
	uint32_t first_page; /* index of its first page in pages[] */
	uint32_t n_pages;
	uint32_t rsvd;      /* 0 */
};

HM_STATIC_ASSERT(sizeof(struct hm_heap_snapshot_elem) == 48, "no padding in a snapshot element");
HM_STATIC_ASSERT(sizeof(struct hm_heap_snapshot_page) == 24, "no padding in a snapshot page");
HM_STATIC_ASSERT(sizeof(struct hm_heap_snapshot_seg) == 40, "no padding in a snapshot segment");

/**
 * A heap's layout at one moment, taken under its lock (hm_heap_snapshot) or read
 * back from JSON (hm_heapmap_json_read). Invariants (hm_heap_snapshot_check):
 * segs sorted, disjoint; pages[] holds each seg's pages in seg order, page_sz
 * apart; elements sorted, each inside one seg, consecutive within a seg and
 * covering it exactly (every byte accounted for); totals equal the sums.
 */
struct hm_heap_snapshot {
	char name[HM_MALLOC_HEAP_NAME_LEN]; /* heap name ("socket_0", an external heap's) */
	int32_t socket_id;  /* node, external heap id, or -1 (buffer heap) */
	int32_t heap_idx;   /* index in the heap table (DPDK's heap id), -1 for a buffer heap */
	uint64_t total;     /* bytes in the heap: sum of seg lengths == sum of element sizes */
	uint64_t free_bytes;   /* sum of FREE element sizes */
	uint64_t cached_bytes; /* sum of CACHED element sizes */
	uint32_t n_segs, n_pages, n_elems;
	struct hm_heap_snapshot_seg *segs;
	struct hm_heap_snapshot_page *pages;
	struct hm_heap_snapshot_elem *elems;
};

/**
 * Copy the layout of heap @p heap_idx (an index in the heap table, as
 * /eal/heap_list gives) under its lock. Libc memory; free with
 * hm_heap_snapshot_free. NULL + hm_errno: ENODEV (not initialised), ENOENT (no
 * such heap), ENOMEM, EDEADLK (from a memseg walk callback).
 */
struct hm_heap_snapshot *hm_heap_snapshot(int heap_idx);
/** The same of a buffer heap (hm_heap_init). NULL + hm_errno EINVAL, ENOMEM. */
struct hm_heap_snapshot *hm_heap_snapshot_buf(struct hm_heap *heap);
/** NULL is a no-op. */
void hm_heap_snapshot_free(struct hm_heap_snapshot *s);
/** Validator of the invariants above. @return 0, -EINVAL (NULL), -EFAULT with *reason. */
int hm_heap_snapshot_check(const struct hm_heap_snapshot *s, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MALLOC_H */
