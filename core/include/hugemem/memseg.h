/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memseg lists: the address space hugemem hands out pages from.
 *
 * At init the core creates one or more lists per memory type (page size, node),
 * sized by DPDK's rules (docs/modules.md), and reserves each list's whole VA range
 * up front (PROT_NONE). Slot i of a list always covers
 *     [base_va + i*page_sz, base_va + (i+1)*page_sz)
 * and its fbarray used bit says whether a page is mapped there. Freed slots keep
 * their VA reserved, so nothing else can ever map inside a list.
 *
 * All of this lives in the shared config (same VA in every process) and holds no
 * process-local pointers except the mapping addresses, which are valid in every
 * process by construction.
 *
 * Invariants (hm_memseg_check):
 *   used(i)  =>  ms.addr == base_va + i*page_sz, ms.len == page_sz,
 *                ms.socket_id == list.socket_id, ms.iova != HM_BAD_IOVA
 *                (external lists: the IOVA may be HM_BAD_IOVA when none was given)
 *   free(i)  =>  the memseg is all zeros
 *   per node: mapped bytes counter == sum of used pages' sizes
 */
#ifndef HUGEMEM_MEMSEG_H
#define HUGEMEM_MEMSEG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hugemem/common.h"
#include "hugemem/fbarray.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_MEMSEG_FLAG_DO_NOT_FREE (1u << 0) /* preallocated at init: never released */
#define HM_MEMSEG_FLAG_DIRTY (1u << 1)       /* may hold old data: not zeroed */
#define HM_MEMSEG_FLAG_HEAP (1u << 2)        /* owned by a malloc heap */

/**
 * One mapped page. 56 bytes; the first 48 have the names' meanings, types and
 * offsets of DPDK 22.11's struct rte_memseg (page_sz is its hugepage_sz), so the
 * DPDK layer (core/dpdk) hands these out as they are.
 */
struct hm_memseg {
	hm_iova_t iova;      /* device address of addr; valid when used */
	union {
		void *addr;  /* page start; == list base + idx*page_sz */
		uint64_t addr_64;
	};
	uint64_t len;        /* bytes; == page_sz when used, 0 when free */
	uint64_t page_sz;    /* bytes */
	int32_t socket_id;   /* node the page is on */
	uint32_t nchannel;   /* memory channels (DPDK's field); 0: unknown */
	uint32_t nrank;      /* memory ranks (DPDK's field); 0: unknown */
	uint32_t flags;      /* HM_MEMSEG_FLAG_* */
	uint64_t handle;     /* backend's page identity (opaque) */
};

/**
 * One list: a VA range of `len` bytes cut into page_sz slots. Field names,
 * types and offsets are DPDK 22.11's struct rte_memseg_list.
 */
struct hm_memseg_list {
	union {
		void *base_va;
		uint64_t base_va_64;
	};
	uint64_t page_sz;     /* bytes */
	int32_t socket_id;    /* node of every page in the list (external: the heap's id) */
	volatile uint32_t version; /* bumped on every page alloc / free in this list */
	uint64_t len;         /* VA bytes == page_sz * memseg_arr.len */
	uint32_t external;    /* 1: user memory (not ours to unmap) */
	uint32_t heap;        /* 1: a malloc heap owns the memory (0: hm_extmem_register) */
	struct hm_fbarray memseg_arr; /* of struct hm_memseg */
};

/** Caps used to size lists (DPDK 22.11 values by default; 0 means default). */
struct hm_memseg_limits {
	uint32_t max_lists;          /* 128 */
	uint32_t max_segs_per_list;  /* 8192 */
	uint64_t max_mem_per_list;   /* 32 GiB */
	uint32_t max_segs_per_type;  /* 32768 */
	uint64_t max_mem_per_type;   /* 64 GiB */
	uint64_t max_mem;            /* 512 GiB */
};

/* ---- page allocation ---- */

/** Flags for hm_memseg_alloc_pages. */
#define HM_MEMSEG_ALLOC_BEST_EFFORT (1u << 0) /* return fewer than n rather than fail */
#define HM_MEMSEG_ALLOC_IOVA_CONTIG (1u << 1) /* the n pages must be IOVA-contiguous */

/**
 * Map @p n pages of @p page_sz on node @p socket, VA-contiguous within one list
 * (first fit), and store their memsegs in @p ms[0..count).
 * Exact (default): all n or none. Best effort: the longest free run of the first
 * list that has one, up to n, keeping what was mapped if a page fails.
 * @return the number of pages mapped (>= 1); -EINVAL (NULL ms, n == 0, unknown page
 *   size, socket not a node (HM_SOCKET_ID_ANY is not accepted here), unknown
 *   flags), -ENODEV (not initialised), -EPERM (legacy mode: pages are fixed),
 *   -ENOSPC (no list has a free run of n slots), -ENOMEM (the backend has no page,
 *   --socket-limit reached, or IOVA_CONTIG and the pages are not), -EDEADLK
 *   (called from a walk callback). On failure nothing is mapped and no version
 *   counter moves.
 */
int hm_memseg_alloc_pages(struct hm_memseg *ms[], unsigned int n, uint64_t page_sz,
			  int socket, unsigned int flags);

/**
 * Unmap pages obtained from hm_memseg_alloc_pages. All pointers are checked
 * before any page is touched.
 * @return 0; -EINVAL (NULL, n == 0, a pointer that is not a mapped memseg, the
 *   same memseg twice), -EBUSY (a DO_NOT_FREE page), -EPERM (legacy mode),
 *   -EDEADLK (called from a walk callback), -ENODEV. On failure nothing is unmapped.
 */
int hm_memseg_free_pages(struct hm_memseg *ms[], unsigned int n);

/* ---- lookups ---- */

/** List whose VA range holds @p va, or NULL (hm_errno ENOENT / ENODEV). */
struct hm_memseg_list *hm_mem_virt2memseg_list(const void *va);
/**
 * Memseg whose page holds @p va (list found when @p msl is NULL), or NULL with
 * hm_errno ENOENT when va is in no list or its slot is not mapped, EINVAL when
 * @p msl is not one of the lists.
 */
struct hm_memseg *hm_mem_virt2memseg(const void *va, const struct hm_memseg_list *msl);
/**
 * IOVA of @p va (any byte of a mapped page), or HM_BAD_IOVA (hm_errno set). In
 * IOVA-as-VA mode every address is its own IOVA, mapped or not (as in DPDK).
 */
hm_iova_t hm_mem_virt2iova(const void *va);
/**
 * VA of @p iova, or NULL (hm_errno ENOENT). O(log pages) through a per-process
 * index rebuilt only after a page was mapped or unmapped.
 */
void *hm_mem_iova2virt(hm_iova_t iova);
/**
 * 1 when [start, start+len) inside @p msl is IOVA-contiguous page by page, 0 when
 * not, -EINVAL when @p msl is not one of the lists, the range is not inside it,
 * or a page is not mapped.
 */
int hm_memseg_is_iova_contig(const struct hm_memseg_list *msl, const void *start, size_t len);

/* ---- walks: a callback returns 0 to go on, anything else stops the walk and
 * is returned. The memory hotplug read lock is held during the walk: a callback
 * may call the lookups, walks, hm_memseg_check and hm_memseg_dump, but page
 * alloc/free from a callback fails with -EDEADLK. ---- */

typedef int (*hm_memseg_list_walk_t)(const struct hm_memseg_list *msl, void *arg);
typedef int (*hm_memseg_walk_t)(const struct hm_memseg_list *msl,
				const struct hm_memseg *ms, void *arg);
/** @p len: bytes of the VA-contiguous run of mapped pages starting at @p ms. */
typedef int (*hm_memseg_contig_walk_t)(const struct hm_memseg_list *msl,
				       const struct hm_memseg *ms, size_t len, void *arg);

/** Every list. @return 0, the callback's stop value, -EINVAL (NULL fn), -ENODEV. */
int hm_memseg_list_walk(hm_memseg_list_walk_t fn, void *arg);
/** Every mapped page, list by list in address order. Same returns. */
int hm_memseg_walk(hm_memseg_walk_t fn, void *arg);
/** Every maximal run of VA-contiguous mapped pages within a list. Same returns. */
int hm_memseg_contig_walk(hm_memseg_contig_walk_t fn, void *arg);

/* The same walks without the memory hotplug lock, for memory event callbacks
 * and alloc validators (which run with the lock held for writing, where the
 * locked walks fail with -EDEADLK), or while no thread can map or unmap pages. */
int hm_memseg_list_walk_thread_unsafe(hm_memseg_list_walk_t fn, void *arg);
int hm_memseg_walk_thread_unsafe(hm_memseg_walk_t fn, void *arg);
int hm_memseg_contig_walk_thread_unsafe(hm_memseg_contig_walk_t fn, void *arg);

/* ---- memory events and alloc validators (DPDK's rte_mem_event_callback_*,
 * rte_mem_alloc_validator_*). Process-local; hm_cleanup forgets them. Not in
 * legacy mode (-ENOTSUP: pages never change there). Callbacks run with the
 * memory hotplug lock held for writing: they may call the thread_unsafe walks
 * and lookups; mapping memory or a locked walk from them fails with -EDEADLK. ---- */

#define HM_MEM_EVENT_NAME_LEN 64 /* names are at most 63 characters */

enum hm_mem_event {
	HM_MEM_EVENT_ALLOC = 0, /* [addr, addr+len) was just mapped */
	HM_MEM_EVENT_FREE,      /* [addr, addr+len) is about to be unmapped */
};
typedef void (*hm_mem_event_fn)(enum hm_mem_event ev, const void *addr, size_t len,
				void *arg);
/**
 * Run @p fn on every page mapping (one call per VA-contiguous run of pages that
 * a heap maps or hm_memseg_alloc_pages returns, and for memory added to an
 * external heap) and before every unmapping.
 * @return 0; -EINVAL (NULL name or fn, empty name), -ENAMETOOLONG, -EEXIST (same
 *   name and arg registered), -ENOTSUP (legacy mode), -ENOMEM, -ENODEV.
 */
int hm_mem_event_callback_register(const char *name, hm_mem_event_fn fn, void *arg);
/** @return 0; -EINVAL (NULL name), -ENOENT (no such name and arg), -ENOTSUP, -ENODEV. */
int hm_mem_event_callback_unregister(const char *name, void *arg);

/** Return 0 to let the mapping go on, -1 to refuse it (the allocation fails with ENOMEM). */
typedef int (*hm_mem_alloc_validator_fn)(int socket_id, size_t cur_limit, size_t new_len);
/**
 * Before pages are mapped on node @p socket_id, when the node's mapped bytes
 * after the mapping (@p new_len) would reach @p limit, ask @p fn.
 * @return 0; -EINVAL (NULL name or fn, empty name, socket not a node),
 *   -ENAMETOOLONG, -EEXIST (name already watches that node), -ENOTSUP, -ENOMEM, -ENODEV.
 */
int hm_mem_alloc_validator_register(const char *name, hm_mem_alloc_validator_fn fn,
				    int socket_id, size_t limit);
/** @return 0; -EINVAL, -ENOENT (no such name on that node), -ENOTSUP, -ENODEV. */
int hm_mem_alloc_validator_unregister(const char *name, int socket_id);

/* ---- external memory outside any heap (DPDK's rte_extmem_*) ---- */

/**
 * Make user memory [va, va+len) known (lookups, walks, virt2iova) without giving
 * it to a heap: an external list with heap == 0 and a socket id of its own.
 * @p iova: NULL (no IOVAs: HM_BAD_IOVA) or @p n_pages == len/page_sz entries.
 * pre: va and len aligned to page_sz, a power of two >= 4 KiB.
 * @return 0; -EINVAL, -EEXIST (overlaps known memory), -ENOSPC (no list slot), -ENODEV.
 */
int hm_extmem_register(void *va, size_t len, const hm_iova_t iova[], unsigned int n_pages,
		       size_t page_sz);
/**
 * Forget memory registered with hm_extmem_register (same va and len).
 * @return 0; -EINVAL (NULL va, len 0), -ENOENT (no such region), -ENODEV.
 */
int hm_extmem_unregister(void *va, size_t len);
/**
 * Make registered memory usable in this process. Every process of a hugemem
 * instance sees every list today, so this checks the region is registered.
 * @return 0; -EINVAL, -ENOENT, -ENODEV.
 */
int hm_extmem_attach(void *va, size_t len);
/** The counterpart of hm_extmem_attach. @return 0; -EINVAL, -ENOENT, -ENODEV. */
int hm_extmem_detach(void *va, size_t len);

/* ---- page file descriptors (DPDK's rte_memseg_get_fd*) ---- */

/**
 * The file descriptor behind the page @p ms (an entry of a memseg list) and, if
 * @p offset is not NULL, the page's byte offset in it. The fd belongs to the
 * backend: valid until the page is unmapped; do not close it. Takes the memory
 * hotplug read lock; the _thread_unsafe form does not (memory event callbacks).
 * @return the fd; -EINVAL (NULL, not an entry of a list), -ENOENT (unused
 *   entry), -ENOTSUP (external memory, or a backend or mode without page files:
 *   emu in-memory, hugetlbfs anonymous), -ENODEV (not initialised, or no fd for
 *   this page), or -errno of reopening the page's file.
 */
int hm_memseg_get_fd(const struct hm_memseg *ms, uint64_t *offset);
int hm_memseg_get_fd_thread_unsafe(const struct hm_memseg *ms, uint64_t *offset);

/* ---- state ---- */

/** Number of lists; 0 when not initialised. */
unsigned int hm_memseg_list_count(void);
/** Bytes mapped on @p node (all page sizes), or -EINVAL / -ENODEV. */
int64_t hm_memseg_mapped_bytes(int node);
/** 1 in IOVA-as-VA mode, 0 in PA mode, -ENODEV. */
int hm_memseg_iova_is_va(void);

/** Lists, their pages (runs), per-node totals. */
void hm_memseg_dump(FILE *f);

/**
 * Validator: every list's fbarray and the invariants in this header.
 * @return 0, -ENODEV, or -EFAULT with *reason (static, may be NULL).
 */
int hm_memseg_check(const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MEMSEG_H */
