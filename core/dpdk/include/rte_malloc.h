/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_malloc over hugemem's heaps (hugemem/malloc.h): per-node heaps that grow
 * and shrink by pages, named external heaps. On lcore threads small blocks go
 * through hugemem's lcore caches unless --malloc-cache=0. Pointer functions
 * return NULL with rte_errno set (EINVAL: size 0, bad alignment, unknown
 * socket; ENOMEM; EDEADLK from a memory callback); int functions -1 and rte_errno.
 */
#ifndef _RTE_MALLOC_H_
#define _RTE_MALLOC_H_

#include <stddef.h>
#include <stdio.h>

#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_malloc_socket_stats {
	size_t heap_totalsz_bytes; /* bytes in the heap */
	size_t heap_freesz_bytes;  /* free bytes */
	size_t greatest_free_size; /* largest free block */
	unsigned int free_count;   /* free blocks */
	unsigned int alloc_count;  /* allocations */
	size_t heap_allocsz_bytes; /* allocated bytes */
};

/** @p size bytes aligned to @p align (0: 64; else a power of two) on the
 * calling lcore's node first. @p type tags the block in dumps (may be NULL). */
void *rte_malloc(const char *type, size_t size, unsigned int align) __rte_alloc_size(2);
void *rte_zmalloc(const char *type, size_t size, unsigned int align) __rte_alloc_size(2);
/** num * size zeroed bytes; an overflowing product fails (ENOMEM). */
void *rte_calloc(const char *type, size_t num, size_t size, unsigned int align)
	__rte_alloc_size(2, 3);
/** Resize, keeping the contents; NULL @p ptr allocates, size 0 frees (and returns NULL). */
void *rte_realloc(void *ptr, size_t size, unsigned int align) __rte_alloc_size(2);
void *rte_realloc_socket(void *ptr, size_t size, unsigned int align, int socket)
	__rte_alloc_size(2);
/** On node (or external heap) @p socket; SOCKET_ID_ANY as rte_malloc. */
void *rte_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
	__rte_alloc_size(2);
void *rte_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket)
	__rte_alloc_size(2);
void *rte_calloc_socket(const char *type, size_t num, size_t size, unsigned int align,
			int socket) __rte_alloc_size(2, 3);
/** NULL is a no-op; a pointer no heap gave out is logged (ERR) and ignored. */
void rte_free(void *ptr);

/** 0 when @p ptr is a live allocation (its usable size in *@p size if not NULL), -1 if not. */
int rte_malloc_validate(const void *ptr, size_t *size);
/** @return 0, or -1 (rte_errno EINVAL: no heap for @p socket, NULL stats). */
int rte_malloc_get_socket_stats(int socket, struct rte_malloc_socket_stats *socket_stats);

/** @return 0; -1 with rte_errno EINVAL, EPERM (a node's heap), ENOENT, EEXIST (memory
 * already known), ENOSPC. */
int rte_malloc_heap_memory_add(const char *heap_name, void *va_addr, size_t len,
			       rte_iova_t iova_addrs[], unsigned int n_pages, size_t page_sz);
/** @return 0; -1 with rte_errno EINVAL, EPERM, ENOENT, EBUSY (allocations in it). */
int rte_malloc_heap_memory_remove(const char *heap_name, void *va_addr, size_t len);
/** Every process sees the heaps' memory: checks it is the heap's. @return 0; -1
 * with rte_errno EINVAL, EPERM, ENOENT. */
int rte_malloc_heap_memory_attach(const char *heap_name, void *va_addr, size_t len);
int rte_malloc_heap_memory_detach(const char *heap_name, void *va_addr, size_t len);
/** @return 0; -1 with rte_errno EINVAL (NULL, empty or too long), EEXIST, ENOSPC. */
int rte_malloc_heap_create(const char *heap_name);
/** @return 0; -1 with rte_errno EINVAL, ENOENT, EPERM (a node's heap), EBUSY. */
int rte_malloc_heap_destroy(const char *heap_name);
/** Socket id of a heap ("socket_<node>" or an external heap's name), or -1
 * with rte_errno EINVAL / ENOENT. */
int rte_malloc_heap_get_socket(const char *name);
/** 1 for an external heap's socket, 0 for a node (and SOCKET_ID_ANY), -1 (EINVAL). */
int rte_malloc_heap_socket_is_external(int socket_id);

/** Every heap's statistics (@p type is ignored, as in DPDK). */
void rte_malloc_dump_stats(FILE *f, const char *type);
/** Every heap and its elements. */
void rte_malloc_dump_heaps(FILE *f);
/** IOVA of an address inside an allocation, or RTE_BAD_IOVA. */
rte_iova_t rte_malloc_virt2iova(const void *addr);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MALLOC_H_ */
