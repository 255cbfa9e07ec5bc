/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_LCORE_I_H
#define HUGEMEM_LCORE_I_H

#include "common_i.h"
#include "hugemem/backend.h"

/* Take the lcore table from the probe; the calling thread becomes the main lcore. */
HM_INTERNAL int lcore_init(const struct hm_probe *probe);
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
