/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones over hugemem's (hugemem/memzone.h): struct rte_memzone is struct
 * hm_memzone, field for field. Reserve errors (rte_errno): ENOSPC (table full),
 * ENAMETOOLONG, EEXIST, EINVAL (bad length, alignment, bound, flags, negative
 * socket other than SOCKET_ID_ANY), ENOMEM (no memory, or a socket without heap).
 */
#ifndef _RTE_MEMZONE_H_
#define _RTE_MEMZONE_H_

#include <stdio.h>

#include <rte_memory.h>
#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_MEMZONE_2MB 0x00000001
#define RTE_MEMZONE_1GB 0x00000002
#define RTE_MEMZONE_16MB 0x00000100
#define RTE_MEMZONE_16GB 0x00000200
#define RTE_MEMZONE_256KB 0x00010000
#define RTE_MEMZONE_256MB 0x00020000
#define RTE_MEMZONE_512MB 0x00040000
#define RTE_MEMZONE_4GB 0x00080000
#define RTE_MEMZONE_SIZE_HINT_ONLY 0x00000004
#define RTE_MEMZONE_IOVA_CONTIG 0x00100000

struct rte_memzone {
#define RTE_MEMZONE_NAMESIZE 32
	char name[RTE_MEMZONE_NAMESIZE]; /* NUL-terminated */
	rte_iova_t iova;                 /* IOVA of addr */
	RTE_STD_C11
	union {
		void *addr;
		uint64_t addr_64;
	};
	size_t len;                      /* bytes */
	uint64_t hugepage_sz;            /* page size under it */
	int32_t socket_id;               /* node (or external heap) */
	uint32_t flags;                  /* 0 */
} __rte_packed;

/** @p len bytes (0: the biggest free block) named @p name on @p socket_id. */
const struct rte_memzone *rte_memzone_reserve(const char *name, size_t len, int socket_id,
					      unsigned int flags);
/** ... aligned to @p align (a power of two; below 64 means 64). */
const struct rte_memzone *rte_memzone_reserve_aligned(const char *name, size_t len,
						      int socket_id, unsigned int flags,
						      unsigned int align);
/** ... not crossing a multiple of @p bound (0: none). */
const struct rte_memzone *rte_memzone_reserve_bounded(const char *name, size_t len,
						      int socket_id, unsigned int flags,
						      unsigned int align, unsigned int bound);
/** @return 0, or -EINVAL (NULL, not a zone, freed already). */
int rte_memzone_free(const struct rte_memzone *mz);
/** The zone named @p name, or NULL (rte_errno ENOENT; EINVAL for NULL). */
const struct rte_memzone *rte_memzone_lookup(const char *name);
void rte_memzone_dump(FILE *f);
/** @p func for every zone, in table order. */
void rte_memzone_walk(void (*func)(const struct rte_memzone *, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MEMZONE_H_ */
