/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones: named, never-moving blocks of hugepage memory (a malloc element with
 * a name), visible to every process through the shared descriptor table.
 *
 * Reserve checks run in DPDK's order (table full -> ENOSPC, name too long ->
 * ENAMETOOLONG, duplicate -> EEXIST, bad alignment / length / bound / flags /
 * negative socket other than ANY -> EINVAL, no memory, a socket with no heap
 * included -> ENOMEM); lookup and the duplicate check are O(1)
 * through a hash index instead of DPDK's linear scan. Pointer functions return
 * NULL and set hm_errno. A zone's memory is the zone's: hm_free, hm_realloc and
 * hm_malloc_validate refuse it (-EINVAL, naming the zone), where DPDK's rte_free
 * would free it under a zone that stays listed.
 */
#ifndef HUGEMEM_MEMZONE_H
#define HUGEMEM_MEMZONE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page-size flags (DPDK's RTE_MEMZONE_* values); also accepted by the heap. */
#define HM_MEMZONE_2MB 0x00000001u
#define HM_MEMZONE_1GB 0x00000002u
#define HM_MEMZONE_16MB 0x00000100u
#define HM_MEMZONE_16GB 0x00000200u
#define HM_MEMZONE_256KB 0x00010000u
#define HM_MEMZONE_256MB 0x00020000u
#define HM_MEMZONE_512MB 0x00040000u
#define HM_MEMZONE_4GB 0x00080000u
/** The page-size flags are a preference: fall back to any page size. */
#define HM_MEMZONE_SIZE_HINT_ONLY 0x00000004u
/** The zone must be IOVA-contiguous (checked page by page). */
#define HM_MEMZONE_IOVA_CONTIG 0x00100000u

#define HM_MEMZONE_NAMESIZE 32     /* names are at most 31 characters */
#define HM_MEMZONE_MAX_DEFAULT 2560
/** Largest table --max-memzones (struct hm_config.max_memzones) accepts. */
#define HM_MEMZONE_MAX_LIMIT (1u << 20)

/** A reserved zone. 72 bytes, in the shared table. */
struct hm_memzone {
	char name[HM_MEMZONE_NAMESIZE]; /* NUL-terminated */
	hm_iova_t iova;                 /* IOVA of addr (HM_BAD_IOVA if none) */
	union {
		void *addr;             /* start; aligned as requested */
		uint64_t addr_64;
	};
	size_t len;                     /* requested length rounded up to 64 */
	uint64_t hugepage_sz;           /* page size of the memory under it */
	int32_t socket_id;              /* node (or external heap id) */
	uint32_t flags;                 /* always 0 (DPDK compatibility) */
};

/**
 * Reserve @p len bytes named @p name on @p socket_id (HM_SOCKET_ID_ANY allowed)
 * with @p flags (HM_MEMZONE_*). @p len 0 reserves the biggest free block on pages
 * of the sizes the flags name (any size with SIZE_HINT_ONLY when none matches; the
 * heaps are not grown for it), or, with a bound, @p bound bytes.
 * @return the zone, or NULL with hm_errno ENOSPC, ENAMETOOLONG, EEXIST, EINVAL,
 *   ENOMEM, ENODEV, or EDEADLK (called from a hm_memzone_walk callback).
 */
const struct hm_memzone *hm_memzone_reserve(const char *name, size_t len, int socket_id,
					    unsigned int flags);
/** Same, aligned to @p align (a power of two; below 64 means 64). */
const struct hm_memzone *hm_memzone_reserve_aligned(const char *name, size_t len, int socket_id,
						    unsigned int flags, unsigned int align);
/** Same, and [addr, addr+len) never crosses a multiple of @p bound (0: no bound). */
const struct hm_memzone *hm_memzone_reserve_bounded(const char *name, size_t len, int socket_id,
						    unsigned int flags, unsigned int align,
						    unsigned int bound);
/**
 * Free a zone and its memory.
 * @return 0; -EINVAL (NULL, not a zone descriptor, already freed), -ENODEV,
 *   -EDEADLK (called from a hm_memzone_walk callback).
 */
int hm_memzone_free(const struct hm_memzone *mz);
/** The zone named @p name, or NULL (hm_errno ENOENT, EINVAL for NULL, ENODEV). */
const struct hm_memzone *hm_memzone_lookup(const char *name);
/**
 * Call @p fn for every zone, in table order; a non-zero return stops the walk and
 * is returned. @return 0, the stop value, -EINVAL (NULL fn), -ENODEV.
 */
int hm_memzone_walk(int (*fn)(const struct hm_memzone *mz, void *arg), void *arg);
/** Number of reserved zones (0 when not initialised). */
unsigned int hm_memzone_count(void);
/** Capacity of the table (HM_MEMZONE_MAX_DEFAULT unless --max-memzones set it). */
unsigned int hm_memzone_max_get(void);
/** Print every zone. */
void hm_memzone_dump(FILE *f);
/**
 * Validator: table count, hash index consistency (every zone findable, no stale
 * entry), each zone inside one live heap allocation.
 * @return 0, -ENODEV, or -EFAULT with *reason.
 */
int hm_memzone_check(const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MEMZONE_H */
