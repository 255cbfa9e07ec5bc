/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malloc module internals across its files, and the internal API memzone and
 * init use. The element heap itself is heap_i.h (heap.c); the files above it,
 * each calling only those below (docs/architecture.md, "core/malloc"):
 *
 *   pages.c    page geometry of memseg memory: page size of a list, IOVA
 *              contiguity of a range, page-size flag match
 *   heap.c     elements: classes, find, split, join, validate (heap_i.h)
 *   lookup.c   the heap table (malloc_st): heap by socket or name, element of a
 *              live pointer under its heap's lock
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

/* Heap of @p socket (a node or an external heap's id), or NULL. */
HM_INTERNAL struct malloc_heap *lookup_by_socket(int socket);
/* Heap named @p name (any kind), or NULL. */
HM_INTERNAL struct malloc_heap *lookup_by_name(const char *name);
/*
 * Element of a pointer some heap of ours handed out, returned with its heap's
 * lock held (*hp). NULL with hm_errno: ENODEV, EDEADLK (inside a memseg walk),
 * EINVAL (not ours, interior, double free), EFAULT (debug: guard bytes overwritten).
 */
HM_INTERNAL struct malloc_elem *lookup_lock(const void *ptr, struct malloc_heap **hp);

/* ---- grow.c: native heaps grow and shrink through memseg ---- */

/* Set or clear HM_MEMSEG_FLAG_HEAP on the pages of [start, start+len). */
HM_INTERNAL void grow_flag_pages(char *start, uint64_t len, bool on);
/* Add a run of pages [va, va+len) of list @p li to its node's heap. pre: lock. */
HM_INTERNAL struct malloc_elem *grow_adopt_pages(struct malloc_heap *h, char *va, uint64_t len,
						 unsigned int li);
/* Map the pages @p r needs on @p h's node, add them, allocate. NULL + hm_errno.
 * pre: heap lock. */
HM_INTERNAL void *grow_and_alloc(struct malloc_heap *h, const struct alloc_req *r);
/* Hand whole pages of FREE @p e near [wlo, whi) back to the backend.
 * pre: heap lock held; @p e is on its free list. */
HM_INTERNAL void grow_release_pages(struct malloc_heap *h, struct malloc_elem *e, char *wlo,
				    char *whi);

/* ---- ext_heap.c ---- */

/* At fini: forget every external memory region (the memory stays the user's). */
HM_INTERNAL void ext_heap_forget_all(void);

/* ---- report.c ---- */

/* ---- malloc.c: the heap table, for init and memzone ---- */

/* Create the heap table (fbarray in @p dir, NULL: anonymous) and give the pages
 * mapped at init to their nodes' heaps. */
HM_INTERNAL int malloc_init(struct hm_mem_config *mcfg, const char *dir,
			     unsigned int cache_blocks);
/* Report leaks, forget external memory, destroy the heap table. */
HM_INTERNAL void malloc_fini(void);
/* Allocation with memzone's knobs: page-size @p flags (HM_MEMZONE_*), bound, IOVA
 * contiguity. Socket policy as hm_malloc_socket. NULL + hm_errno. */
HM_INTERNAL void *malloc_alloc_ex(const char *type, size_t size, int socket, uint32_t flags,
				  size_t align, size_t bound, bool contig);
/* The largest block any candidate heap can give without growing; its usable
 * length in *len. NULL + hm_errno ENOMEM when nothing is free. */
HM_INTERNAL void *malloc_alloc_biggest(const char *type, int socket, uint32_t flags,
				       size_t align, bool contig, size_t *len);
/* hm_free without the lcore cache: the memory goes back to the heap (and whole
 * pages to the backend) at once. For memzones. */
HM_INTERNAL int malloc_free_direct(void *ptr);

#endif /* HUGEMEM_MALLOC_I_H */
