/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_LCORE_I_H
#define HUGEMEM_LCORE_I_H

#include "common_i.h"
#include "hugemem/backend.h"
#include "hugemem/lcore.h"

#define LCORE_SET_WORDS ((HM_MAX_LCORE + 63) / 64)

/* The lcore ids a process asks for at init (hm_config.lcores / .main_lcore). */
struct lcore_params {
	uint64_t set[LCORE_SET_WORDS]; /* bit i: lcore i; all zero: none asked for */
	unsigned int main_lcore;       /* one of set; HM_LCORE_ID_ANY: the lowest */
};

/*
 * Parse a list of lcore ids like "0-3,5" (DPDK's -l) into @p set.
 * @return the number of ids; -EINVAL (message names @p opt, the value and the
 *   rule: ids below HM_MAX_LCORE, each once, ranges low-high).
 */
HM_INTERNAL int lcore_parse_list(const char *opt, const char *s, uint64_t set[LCORE_SET_WORDS]);
/*
 * Take the lcore table from the probe; the calling thread becomes the main
 * lcore. With a set in @p lp (may be NULL), every id of it is claimed in the
 * process table in one step, all or none, and stays this process's until
 * lcore_fini (threads take and give back ids of the set without touching the
 * table); without one, the lowest id no live process uses.
 * @return 0; -EINVAL (an id not in the topology), -EBUSY (another live process
 *   holds an id of the set: the message names the id and its pid; nothing is
 *   claimed), -ENOSPC (no set, every id is used).
 */
HM_INTERNAL int lcore_init(const struct hm_probe *probe, const struct lcore_params *lp);
/* Forget every lcore (registered threads' ids become stale and read as ANY). */
HM_INTERNAL void lcore_fini(void);
/* Number of lcores on @p node. */
HM_INTERNAL unsigned int lcore_count_on(int node);
/* Hold off hm_thread_register until lcore_thaw() and say whether a thread other
 * than the caller holds an lcore id: when none does, no thread can start using
 * an lcore's per-lcore state (malloc caches) in between. */
HM_INTERNAL bool lcore_freeze(void);
HM_INTERNAL void lcore_thaw(void);
/* @p fn (NULL: none) runs in a thread that unregisters, with its lcore id, just
 * before the id is given up: later modules (malloc's lcore caches) hook in here. */
HM_INTERNAL void lcore_on_release(void (*fn)(unsigned int lcore_id));
/* @p fn (NULL: none) runs for an lcore id this process took over from a process
 * that died (multi-process): shared per-lcore state it left (mempool caches) is
 * reset there. Ids taken at init before @p fn was set are handed to it now. */
HM_INTERNAL void lcore_on_adopt(void (*fn)(unsigned int lcore_id));

#endif
