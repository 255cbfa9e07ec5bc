/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-process: one primary and any number of secondary processes sharing one
 * hugemem instance (DPDK's model; docs/architecture.md, "Multi-process").
 *
 * The primary (--proc-type=primary, the default) creates the instance; a
 * secondary (--proc-type=secondary, or auto when a live primary holds the
 * config) attaches to it: the config, the memseg lists and every mapped page at
 * the same addresses, the heaps and the memzones. A pointer obtained in any
 * process is valid in every attached process. Pages are mapped by the primary
 * only (a secondary's heap growth is a request to it); every attached process has
 * a page before the call that mapped it returns, and a freed page is unmapped
 * everywhere. Shared locks record their holder; a holder that dies is taken
 * over, the structure it guarded checked, and either repaired or reported
 * (-EOWNERDEAD naming the dead pid).
 *
 * What stays per process: the backend instance, lcore ids (unique among live
 * processes), malloc's lcore caches (flushed when a secondary leaves), the
 * IOVA->VA index, mempool ops (found by name).
 */
#ifndef HUGEMEM_MP_H
#define HUGEMEM_MP_H

#include <stdint.h>
#include <stdio.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Process types, DPDK's values. */
enum hm_proc_type {
	HM_PROC_AUTO = -1,     /* secondary when a live primary holds the config, else primary */
	HM_PROC_PRIMARY = 0,
	HM_PROC_SECONDARY = 1,
	HM_PROC_INVALID = 2,   /* hm_proc_type() before hm_init / after hm_cleanup */
};

/** This process's type: HM_PROC_PRIMARY or _SECONDARY; HM_PROC_INVALID when not initialised. */
enum hm_proc_type hm_proc_type(void);

/** One attached process, as hm_mp_procs reports it. */
struct hm_mp_proc_info {
	int pid;
	enum hm_proc_type type;
	unsigned int n_lcores;   /* lcore ids it holds */
	uint32_t synced;         /* page-map changes it has applied */
	int self;                /* 1: the calling process */
};

/**
 * The processes attached to this instance (the primary included while it runs),
 * up to @p max of them into @p out (NULL with max 0 only counts).
 * @return the number attached; -EINVAL (NULL out with max > 0), -ENODEV (not
 *   initialised), -ENOTSUP (--no-shconf / --in-memory: no other process can attach).
 */
int hm_mp_procs(struct hm_mp_proc_info *out, unsigned int max);

/**
 * Which process holds lcore id @p lcore_id in this instance (every attached
 * process's ids are unique among live processes).
 * @return its pid (this process's own included); 0 when no live process holds
 *   it; -EINVAL (@p lcore_id >= HM_MAX_LCORE), -ENODEV (not initialised),
 *   -ENOTSUP (--no-shconf / --in-memory: ids are not shared).
 */
int hm_mp_lcore_owner(unsigned int lcore_id);
/** The process table: slots, their lcore ids and sync state. */
void hm_mp_dump(FILE *f);

/**
 * Validator of the process table: slot states, pids, tags of the lcore ids,
 * each process's lcore count equal to the ids it owns, one primary.
 * @return 0, -ENODEV, or -EFAULT with *reason (static, may be NULL).
 */
int hm_mp_check(const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MP_H */
