/* SPDX-License-Identifier: BSD-3-Clause */
/* Memseg internals shared with init. */
#ifndef HUGEMEM_MEMSEG_I_H
#define HUGEMEM_MEMSEG_I_H

#include "common_i.h"
#include "fbarray_quiet.h"
#include "mcfg_i.h"
#include "hugemem/backend.h"
#include "hugemem/memseg.h"

struct memseg_params {
	struct hm_memseg_limits limits;             /* zeros replaced by defaults */
	const char *fbarray_dir;                    /* NULL: anonymous lists */
	bool iova_va;                               /* IOVA = VA */
	bool legacy;                                /* no growth or free after init */
	uint64_t socket_limit[HM_MAX_NUMA_NODES];   /* bytes; 0 = unlimited */
};

/* Fill zero fields of @p l with DPDK's defaults. */
HM_INTERNAL void memseg_limits_default(struct hm_memseg_limits *l);

/*
 * Create the lists for every (page size, node) the probe offers and reserve their
 * VA. @return 0 or -errno; on failure everything created is undone.
 */
HM_INTERNAL int memseg_init(struct hm_mem_config *mcfg, struct hm_backend *be,
			    const struct hm_probe *probe, const struct memseg_params *p);

/*
 * Map @p bytes[node] on every node (page sizes largest first, as DPDK does),
 * flagged DO_NOT_FREE; in legacy mode then sort every list by IOVA.
 * @return 0 or -errno (ENOMEM with a message saying what was missing).
 */
HM_INTERNAL int memseg_preallocate(const uint64_t bytes[HM_MAX_NUMA_NODES],
				   const struct hm_probe *probe);

/*
 * Register user memory [va, va+len) as an external list (all slots used, IOVAs
 * from @p iova or HM_BAD_IOVA when NULL). @return the list index; -EEXIST
 * (overlaps a list), -ENOSPC (no list slot), -errno of the fbarray.
 * pre: memseg_write_lock() held (the caller checks its heap under it too).
 */
HM_INTERNAL int memseg_external_add(void *va, uint64_t len, uint64_t page_sz,
				    const hm_iova_t *iova, int socket_id);
/* Forget external list @p idx (the memory stays the user's). pre: write lock held. */
HM_INTERNAL void memseg_external_remove(unsigned int idx);
/* The list at @p idx, or NULL. */
HM_INTERNAL struct hm_memseg_list *memseg_list_at(unsigned int idx);

/*
 * The memseg of @p va in @p msl, or NULL when va is outside the list or no page
 * is mapped there. No validation of @p msl (a list of this process's config):
 * the inline form of hm_mem_virt2memseg for the heap's hot paths.
 */
static inline struct hm_memseg *
memseg_of(const struct hm_memseg_list *msl, const void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)msl->base_va;
	struct hm_memseg *ms;

	if ((uintptr_t)va < (uintptr_t)msl->base_va || off >= msl->len)
		return NULL;
	/* page sizes are powers of two: a shift, not a 64-bit divide */
	ms = (struct hm_memseg *)msl->memseg_arr.data + (off >> __builtin_ctzll(msl->page_sz));
	return ms->len != 0 ? ms : NULL;
}

/* This thread holds the hotplug read lock (it is inside a walk callback).
 * Inline: malloc's lcore-cache fast paths ask on every call. */
HM_INTERNAL extern _Thread_local unsigned int memseg_rd_depth;
static inline bool
memseg_in_walk(void)
{
	return memseg_rd_depth != 0;
}
/* The hotplug write lock; -EDEADLK when this thread is inside a walk. */
HM_INTERNAL int memseg_write_lock(void);
HM_INTERNAL void memseg_write_unlock(void);

/* The hotplug read lock, nesting per thread (walks, dump, validators). */
HM_INTERNAL int memseg_read_lock(struct hm_mem_config *m);
HM_INTERNAL void memseg_read_unlock(struct hm_mem_config *m);
/* The config memseg works on (set before mcfg_set() makes it public), or NULL. */
HM_INTERNAL struct hm_mem_config *memseg_mcfg(void);
/* Where list fbarrays live (NULL: anonymous). */
HM_INTERNAL const char *memseg_fbarray_dir(void);
/* A list's pages changed: bump its version and the config's mem_version
 * (readers rebuild what they derived). pre: write lock held. */
HM_INTERNAL void memseg_bump_versions(struct hm_memseg_list *msl);
/* The running backend instance (NULL when not initialised). */
HM_INTERNAL struct hm_backend *memseg_backend(void);

/* Slot @p idx of @p msl (used or free). */
static inline struct hm_memseg *
memseg_seg_at(const struct hm_memseg_list *msl, unsigned int idx)
{
	return (struct hm_memseg *)msl->memseg_arr.data + idx;
}

/* ---- memory events and alloc validators (mem_event.c) ---- */

/* Callbacks and validators run as if inside a walk (memseg_rd_depth raised):
 * they hold the write lock already, so reads take no lock, and mapping memory
 * or allocating from a heap fails with -EDEADLK instead of waiting on itself. */
/* Tell every event callback. pre: hotplug write lock held. */
HM_INTERNAL void mem_event_notify(enum hm_mem_event ev, const void *addr, size_t len);
/* Ask the validators of @p socket whether its mapped bytes may become @p new_len.
 * @return 0 or -1 (refused). pre: hotplug write lock held. */
HM_INTERNAL int mem_alloc_validate(int socket, uint64_t new_len);
/* Forget every callback and validator (hm_cleanup). */
HM_INTERNAL void mem_event_fini(void);

/* Unmap every page (DO_NOT_FREE included), destroy lists, release VA. */
HM_INTERNAL void memseg_fini(void);
/*
 * The primary leaves while secondaries run: unmap this process's pages (the
 * backend returns them; they live on in the others' mappings), release the
 * lists' VA and detach their fbarrays; the shared tables stay as they are.
 */
HM_INTERNAL void memseg_fini_local(void);
/* A forked child leaving its parent's instance: unmap this process's view of
 * the lists (their VA, pages included, and fbarrays) without the backend, whose
 * page_unmap could release a page the parent uses. */
HM_INTERNAL void memseg_forget(void);

/* The validator's walk (memseg_walk.c). pre: hotplug lock held. NULL or why. */
HM_INTERNAL const char *memseg_check_locked(struct hm_mem_config *mcfg,
					    int64_t mapped[HM_MAX_NUMA_NODES]);
/* Point memseg at an existing config (a secondary) / forget it. */
HM_INTERNAL void memseg_use(struct hm_mem_config *mcfg, struct hm_backend *be, const char *dir);
HM_INTERNAL void memseg_unuse(void);
/* The primary serves secondaries' page alloc/free requests (core/mp). */
HM_INTERNAL void memseg_serve_requests(void);

/* ---- attach.c: the lists in a secondary ---- */

/*
 * Attach every list of @p mcfg (fbarrays in @p dir, VA at the primary's bases)
 * and every mapped page, then mark this process LIVE in the process table.
 * @return 0 or -errno (-EADDRNOTAVAIL: a list's range is taken here, the
 *   message names --base-virtaddr); nothing is left behind on failure.
 */
HM_INTERNAL int memseg_attach(struct hm_mem_config *mcfg, struct hm_backend *be,
			      const char *dir);
/* The mp thread of a secondary: map and unmap what the primary did. 0 or -errno. */
HM_INTERNAL int memseg_sync_local(void);
/* Unmap everything memseg_attach mapped, detach the fbarrays. */
HM_INTERNAL void memseg_detach(void);
/* What this process maps matches the shared lists. 0 or -EFAULT with *reason. */
HM_INTERNAL int memseg_attach_check(const char **reason);
/* Pages this secondary maps. */
HM_INTERNAL uint64_t memseg_attached_pages(void);

#endif
