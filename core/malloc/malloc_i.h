/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc module internals across its files, and the internal API memzone and
 * init use. The element heap itself is heap_i.h (heap.c); the files above it,
 * each calling only those below (docs/architecture.md, "core/malloc"):
 *
 *   pages.c    page geometry of memseg memory: page size of a list, IOVA
 *              contiguity of a range, page-size flag match
 *   heap.c     elements: classes, find, split, join, validate (heap_i.h;
 *              heap_small_i.h: the small-request path and the free's common
 *              joins inline, for malloc.c)
 *   lookup.c   the heap table (malloc_st): robust heap locks, heap by socket or
 *              name, element of a live pointer under its heap's lock
 *   grow.c     growth of native heaps and page release, through memseg
 *   ext_heap.c external heaps (user memory)
 *   mcache.c   the per-lcore caches (mcache_i.h: the inline fast paths)
 *   report.c   stats, dumps, check, leak report
 *   malloc.c   the public allocation API, socket policy, init and fini
 *   buf_heap.c heaps over a caller's buffer (heap.c only)
 */
#ifndef HUGEMEM_MALLOC_I_H
#define HUGEMEM_MALLOC_I_H

#include "heap_i.h"
#include "robust_i.h"

struct hm_mem_config;

/* ---- pages.c ---- */

/* 1 if [p, p+len) of memory in @p msl_idx is IOVA-contiguous. */
HM_INTERNAL bool malloc_iova_contig(uint16_t msl_idx, const void *p, uint64_t len);
/* Page size of the memory under @p msl_idx (0 for buffer memory). */
HM_INTERNAL uint64_t malloc_msl_page_sz(uint16_t msl_idx);
/* 1 if the page size of @p msl_idx is one of those the HM_MEMZONE_ page-size @p flags name. */
HM_INTERNAL bool malloc_pgsz_match(uint16_t msl_idx, uint32_t flags);
/* 1 if the HM_MEMZONE_ page-size @p flags name @p page_sz. */
HM_INTERNAL bool malloc_flags_allow(uint32_t flags, uint64_t page_sz);
/* The three above, for requests on heaps over memseg memory (struct alloc_req). */
HM_INTERNAL extern const struct heap_pages malloc_pages;

/* ---- lookup.c: the heap table ---- */

/* Process-local view of the heap table (the heaps themselves are shared). */
struct malloc_state {
	struct hm_mem_config *mcfg; /* NULL when not initialised */
	struct malloc_heap *heaps;  /* HM_MAX_HEAPS entries, in mcfg->heaps */
	unsigned int n_nodes;
};
HM_INTERNAL extern struct malloc_state malloc_st;

/* The lock of a shared heap (robust_i.h): 0, or -EOWNERDEAD with the message
 * when a dead holder left the heap broken beyond repair. A dead holder's heap is
 * checked, rebuilt from its memory when needed, and its node's page flags put
 * in line with what it covers, before the caller gets the lock. */
HM_INTERNAL int heap_lock_slow(struct malloc_heap *h);
/* Inline: every malloc and free takes it; an uncontended lock is one CAS. */
static inline int
heap_lock(struct malloc_heap *h)
{
	if (robust_trylock(&h->lock)) {
		hm_local_epoch_observe(); /* as robust_lock does on success */
		return 0;
	}
	return heap_lock_slow(h);
}
static inline void
heap_unlock(struct malloc_heap *h)
{
	robust_unlock(&h->lock);
}
/* Bytes of node @p node's pages flagged HM_MEMSEG_FLAG_HEAP; *releasable: how
 * many of them are not DO_NOT_FREE (a native heap's releasable_pages). Reads
 * the memseg lists of this process's config (caller: the heap lock). */
HM_INTERNAL uint64_t lookup_heap_pages(int node, uint64_t *releasable);
/* Heap of @p socket (a node or an external heap's id), or NULL. */
HM_INTERNAL struct malloc_heap *lookup_by_socket(int socket);
/* Heap named @p name (any kind), or NULL. */
HM_INTERNAL struct malloc_heap *lookup_by_name(const char *name);
/*
 * Element of a pointer some heap of ours handed out to @p owner, returned with
 * its heap's lock held (*hp). NULL with hm_errno: ENODEV, EDEADLK (inside a
 * memseg walk), EINVAL (not ours, interior, double free, a block of another
 * owner: the message names a memzone's), EFAULT (debug: guard bytes overwritten).
 */
HM_INTERNAL struct malloc_elem *lookup_lock(const void *ptr, struct malloc_heap **hp,
					    enum elem_owner owner);
/* Index of the memseg list this thread's last lookup_lock found its pointer in
 * (an index, so nothing stale survives a re-init: the entry's base and length
 * are read from the live table); free's inline fast path tries it first. */
HM_INTERNAL extern _Thread_local unsigned int lookup_hint;
/* Register how to name the memzone of a block at @p addr (NULL: none): @p fn
 * writes the name to @p name and returns whether it found one. It takes the
 * memzone lock, so it is called with no heap lock held. */
HM_INTERNAL void malloc_set_zone_namer(bool (*fn)(const void *addr, char *name, size_t len));

/* ---- grow.c: native heaps grow and shrink through memseg ---- */

/* Set or clear HM_MEMSEG_FLAG_HEAP on the pages of [start, start+len), keeping
 * @p h's releasable_pages in line. pre: lock. */
HM_INTERNAL void grow_flag_pages(struct malloc_heap *h, char *start, uint64_t len, bool on);
/* Add a run of pages [va, va+len) of list @p li to its node's heap. pre: lock. */
HM_INTERNAL struct malloc_elem *grow_adopt_pages(struct malloc_heap *h, char *va, uint64_t len,
						 unsigned int li);
/* Map the pages @p r needs on @p h's node, add them, allocate. NULL + hm_errno
 * (ENOMEM, or the memseg/backend errno) and a message "growth failed: <cause>"
 * giving, per page size tried, memseg's or the backend's message and errno.
 * pre: heap lock. */
HM_INTERNAL void *grow_and_alloc(struct malloc_heap *h, const struct alloc_req *r);
/* grow_release_pages's work, for a heap with releasable pages. */
HM_INTERNAL void grow_release_run(struct malloc_heap *h, struct malloc_elem *e, char *wlo,
				  char *whi);
/* Hand whole pages of FREE @p e near [wlo, whi) back to the backend. Inline:
 * every heap free asks, and with every page of the node preallocated (-m:
 * releasable_pages 0) nothing can go back and no page need be looked at.
 * pre: heap lock held; @p e is on its free list. */
static inline void
grow_release_pages(struct malloc_heap *h, struct malloc_elem *e, char *wlo, char *whi)
{
	if (h->releasable_pages != 0)
		grow_release_run(h, e, wlo, whi);
}

/* ---- ext_heap.c ---- */

/* At fini: forget every external memory region (the memory stays the user's). */
HM_INTERNAL void ext_heap_forget_all(void);

/* ---- report.c ---- */

/* Live allocations of one type tag. */
struct malloc_leak_type {
	char type[13];       /* NUL-terminated tag, "" when untagged */
	unsigned int n;      /* allocations */
	uint64_t bytes;      /* bytes their owners asked for */
};
#define MALLOC_LEAK_TYPES 32 /* tags a report tells apart (the rest are counted only) */

/* Count the live (BUSY) blocks of every heap, memzones' blocks only when
 * @p zones, and sum them by type tag into t[0..*n_types) (at most @p max tags).
 * @return the number of blocks. */
HM_INTERNAL unsigned int malloc_leak_types(bool zones, struct malloc_leak_type *t,
					   unsigned int max, unsigned int *n_types);

/* ---- malloc.c: the heap table, for init and memzone ---- */

/* Create the heap table (fbarray in @p dir, NULL: anonymous) and give the pages
 * mapped at init to their nodes' heaps. */
HM_INTERNAL int malloc_init(struct hm_mem_config *mcfg, const char *dir,
			     unsigned int cache_blocks);
/* Flush the lcore caches, forget external memory, destroy the heap table
 * (hm_cleanup reported leaks before). */
HM_INTERNAL void malloc_fini(void);
/* A secondary (or a primary leaving first): map the heap table / flush this
 * process's lcore caches and unmap it, the heaps staying as they are. */
HM_INTERNAL int malloc_attach(struct hm_mem_config *mcfg, const char *dir,
			      unsigned int cache_blocks);
HM_INTERNAL void malloc_detach(void);
/* A forked child leaving its parent's instance: unmap the heap table and forget
 * the heaps; the lcore caches' blocks are the parent's (not flushed). */
HM_INTERNAL void malloc_forget(void);
/*
 * A memzone's block: page-size @p flags (HM_MEMZONE_*), bound, IOVA contiguity;
 * socket policy as hm_malloc_socket; zeroed. The block is marked as a memzone's
 * (ELEM_OWNER_MEMZONE): hm_free, hm_realloc and hm_malloc_validate refuse it,
 * only malloc_zone_free releases it. NULL + hm_errno.
 */
HM_INTERNAL void *malloc_zone_alloc(const char *type, size_t size, int socket, uint32_t flags,
				    size_t align, size_t bound, bool contig);
/* The largest block any candidate heap can give without growing, as a memzone's
 * block; its usable length in *len. NULL + hm_errno ENOMEM when nothing is free. */
HM_INTERNAL void *malloc_zone_alloc_biggest(const char *type, int socket, uint32_t flags,
					    size_t align, bool contig, size_t *len);
/* Free a memzone's block, bypassing the lcore caches: the memory goes back to
 * the heap (and whole pages to the backend) at once. @return 0, or -EINVAL
 * (not a memzone's live block), -EFAULT, -EDEADLK, -ENODEV as hm_free. */
HM_INTERNAL int malloc_zone_free(void *ptr);
/* hm_malloc_validate for a memzone's block (refuses any other). */
HM_INTERNAL int malloc_zone_validate(const void *ptr, size_t *size);

#endif /* HUGEMEM_MALLOC_I_H */
