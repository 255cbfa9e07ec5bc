/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory segments, lists, lookups, walks, external memory, memory events.
 * struct rte_memseg and struct rte_memseg_list are hugemem's hm_memseg and
 * hm_memseg_list: every DPDK 22.11 field at its DPDK offset; a memseg is 56
 * bytes (DPDK: 48) because hugemem keeps the backend's page handle after
 * DPDK's fields. Errors: -1 (or NULL, or RTE_BAD_IOVA) with rte_errno set.
 */
#ifndef _RTE_MEMORY_H_
#define _RTE_MEMORY_H_

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_config.h>
#include <rte_fbarray.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_PGSIZE_4K (1ULL << 12)
#define RTE_PGSIZE_64K (1ULL << 16)
#define RTE_PGSIZE_256K (1ULL << 18)
#define RTE_PGSIZE_2M (1ULL << 21)
#define RTE_PGSIZE_16M (1ULL << 24)
#define RTE_PGSIZE_256M (1ULL << 28)
#define RTE_PGSIZE_512M (1ULL << 29)
#define RTE_PGSIZE_1G (1ULL << 30)
#define RTE_PGSIZE_4G (1ULL << 32)
#define RTE_PGSIZE_16G (1ULL << 34)

#define SOCKET_ID_ANY -1

/** Preallocated at init: never given back (also hugemem's HM_MEMSEG_FLAG_DO_NOT_FREE). */
#define RTE_MEMSEG_FLAG_DO_NOT_FREE RTE_BIT32(0)
/** May hold old data (not zeroed). */
#define RTE_MEMSEG_FLAG_DIRTY RTE_BIT32(1)

/** One mapped page. */
struct rte_memseg {
	rte_iova_t iova;          /* IOVA of addr */
	RTE_STD_C11
	union {
		void *addr;       /* start */
		uint64_t addr_64;
	};
	size_t len;               /* bytes */
	uint64_t hugepage_sz;     /* page size */
	int32_t socket_id;        /* NUMA node */
	uint32_t nchannel;        /* memory channels (0: unknown) */
	uint32_t nrank;           /* memory ranks (0: unknown) */
	uint32_t flags;           /* RTE_MEMSEG_FLAG_* */
	uint64_t hm_handle;       /* hugemem's backend page identity (not DPDK's) */
} __rte_packed;

/** One list of memsegs: a VA range cut into page_sz slots. */
struct rte_memseg_list {
	RTE_STD_C11
	union {
		void *base_va;
		uint64_t addr_64;
	};
	uint64_t page_sz;          /* page size of every memseg */
	int socket_id;             /* node (external memory: its socket id) */
	volatile uint32_t version; /* bumped on every change */
	size_t len;                /* VA bytes */
	unsigned int external;     /* 1: user memory */
	unsigned int heap;         /* 1: a malloc heap owns it */
	struct rte_fbarray memseg_arr; /* of struct rte_memseg */
};

/** mlock the system page holding @p virt. @return 0, or -1 with errno. */
int rte_mem_lock_page(const void *virt);

/**
 * Physical address of @p virt: the backend's for hugemem memory (synthetic on
 * emu, from pagemap on hugetlbfs), /proc/self/pagemap for any other mapped
 * address (needs root). RTE_BAD_IOVA when unknown.
 */
phys_addr_t rte_mem_virt2phy(const void *virt);

/** IOVA of @p virt: VA in IOVA-as-VA mode, else the memseg's IOVA, else
 * rte_mem_virt2phy for memory hugemem does not know. RTE_BAD_IOVA on error. */
rte_iova_t rte_mem_virt2iova(const void *virt);

/** VA of @p iova in hugemem memory, or NULL. */
void *rte_mem_iova2virt(rte_iova_t iova);

/** Memseg of @p virt (in @p msl, or found when NULL), or NULL. */
struct rte_memseg *rte_mem_virt2memseg(const void *virt, const struct rte_memseg_list *msl);

/** List whose VA range holds @p virt, or NULL. */
struct rte_memseg_list *rte_mem_virt2memseg_list(const void *virt);

/* Walk callbacks: 0 goes on, 1 stops the walk (returns 1), -1 stops it with an
 * error (returns -1). */
typedef int (*rte_memseg_walk_t)(const struct rte_memseg_list *msl,
				 const struct rte_memseg *ms, void *arg);
typedef int (*rte_memseg_contig_walk_t)(const struct rte_memseg_list *msl,
					const struct rte_memseg *ms, size_t len, void *arg);
typedef int (*rte_memseg_list_walk_t)(const struct rte_memseg_list *msl, void *arg);

/* Walks of every mapped memseg, VA-contiguous run, or list (external ones
 * included). @return 0 (all walked), 1 (stopped), -1 (callback error, or
 * rte_errno EINVAL / ENODEV / EDEADLK). The locked forms hold the memory hotplug
 * read lock; the thread_unsafe forms take none (for memory event callbacks). */
int rte_memseg_walk(rte_memseg_walk_t func, void *arg);
int rte_memseg_contig_walk(rte_memseg_contig_walk_t func, void *arg);
int rte_memseg_list_walk(rte_memseg_list_walk_t func, void *arg);
int rte_memseg_walk_thread_unsafe(rte_memseg_walk_t func, void *arg);
int rte_memseg_contig_walk_thread_unsafe(rte_memseg_contig_walk_t func, void *arg);
int rte_memseg_list_walk_thread_unsafe(rte_memseg_list_walk_t func, void *arg);

/**
 * File descriptor of a memseg's page. hugemem's backends do not share their
 * page fds: -1 with rte_errno EINVAL (not a memseg), ENOENT (unused slot) or
 * ENOTSUP (segment fds are not supported).
 */
int rte_memseg_get_fd(const struct rte_memseg *ms);
int rte_memseg_get_fd_thread_unsafe(const struct rte_memseg *ms);
int rte_memseg_get_fd_offset(const struct rte_memseg *ms, size_t *offset);
int rte_memseg_get_fd_offset_thread_unsafe(const struct rte_memseg *ms, size_t *offset);

/**
 * Make user memory known without a heap. @return 0; -1 with rte_errno EINVAL,
 * EEXIST (already known), ENOSPC (no list slot).
 */
int rte_extmem_register(void *va_addr, size_t len, rte_iova_t iova_addrs[], unsigned int n_pages,
			size_t page_sz);
/** @return 0; -1 with rte_errno EINVAL or ENOENT. */
int rte_extmem_unregister(void *va_addr, size_t len);
/** Every process sees every list: checks the region. @return 0; -1 (EINVAL, ENOENT). */
int rte_extmem_attach(void *va_addr, size_t len);
int rte_extmem_detach(void *va_addr, size_t len);

/** Every mapped memseg, list by list. */
void rte_dump_physmem_layout(FILE *f);
/** Bytes of mapped hugemem memory (external memory excluded). */
uint64_t rte_eal_get_physmem_size(void);
/** -n / -r values (0: not given). */
unsigned int rte_memory_get_nchannel(void);
unsigned int rte_memory_get_nrank(void);

/** 0 when every mapped memseg's IOVA range fits in @p maskbits bits (and
 * remember the mask), -1 otherwise (or maskbits > 63). */
int rte_mem_check_dma_mask(uint8_t maskbits);
int rte_mem_check_dma_mask_thread_unsafe(uint8_t maskbits);
/** Remember @p maskbits (the smallest mask set wins). */
void rte_mem_set_dma_mask(uint8_t maskbits);
/** 1 when IOVAs are physical addresses (IOVA-as-PA mode), else 0. */
int rte_eal_using_phys_addrs(void);

enum rte_mem_event {
	RTE_MEM_EVENT_ALLOC = 0,
	RTE_MEM_EVENT_FREE,
};
#define RTE_MEM_EVENT_CALLBACK_NAME_LEN 64

typedef void (*rte_mem_event_callback_t)(enum rte_mem_event event_type, const void *addr,
					 size_t len, void *arg);

/**
 * Call @p clb for every mapping (after) and unmapping (before) of hugemem memory.
 * It runs with the memory hotplug lock held for writing: lookups and walks
 * work from it, allocating memory fails (EDEADLK).
 * @return 0; -1 with rte_errno EINVAL, ENAMETOOLONG, EEXIST (name and arg
 *   registered), ENOTSUP (legacy mode), ENOMEM.
 */
int rte_mem_event_callback_register(const char *name, rte_mem_event_callback_t clb, void *arg);
/** @return 0; -1 with rte_errno EINVAL, ENOENT, ENOTSUP. */
int rte_mem_event_callback_unregister(const char *name, void *arg);

#define RTE_MEM_ALLOC_VALIDATOR_NAME_LEN 64

typedef int (*rte_mem_alloc_validator_t)(int socket_id, size_t cur_limit, size_t new_len);

/**
 * Ask @p clb before memory is mapped on @p socket_id once the node's mapped
 * bytes would reach @p limit; -1 refuses the mapping.
 * @return 0; -1 with rte_errno EINVAL, ENAMETOOLONG, EEXIST, ENOTSUP, ENOMEM.
 */
int rte_mem_alloc_validator_register(const char *name, rte_mem_alloc_validator_t clb,
				     int socket_id, size_t limit);
/** @return 0; -1 with rte_errno EINVAL, ENOENT, ENOTSUP. */
int rte_mem_alloc_validator_unregister(const char *name, int socket_id);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MEMORY_H_ */
