/* SPDX-License-Identifier: BSD-3-Clause */
/* Memseg internals shared with init. */
#ifndef HUGEMEM_MEMSEG_I_H
#define HUGEMEM_MEMSEG_I_H

#include "common_i.h"
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

/* The hotplug write lock; -EDEADLK when this thread is inside a walk. */
HM_INTERNAL int memseg_write_lock(void);
HM_INTERNAL void memseg_write_unlock(void);

/* Unmap every page (DO_NOT_FREE included), destroy lists, release VA. */
HM_INTERNAL void memseg_fini(void);

#endif
