/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_MEMZONE_I_H
#define HUGEMEM_MEMZONE_I_H

#include "common_i.h"
#include "mcfg_i.h"
#include "hugemem/memzone.h"

/*
 * Create the memzone table (descriptors in the fbarray mcfg->memzones, plus the
 * name index) for @p max zones (0: HM_MEMZONE_MAX_DEFAULT), files in @p dir (NULL:
 * anonymous). @return 0 or -errno (-EINVAL for an impossible @p max).
 */
HM_INTERNAL int memzone_init(struct hm_mem_config *mcfg, const char *dir, unsigned int max);
/* Free every zone still reserved (their memory goes back to the heaps), destroy
 * the table. */
HM_INTERNAL void memzone_fini(void);
/* A secondary (or a primary leaving first): map the primary's table (files in
 * @p dir) / unmap it, leaving the zones as they are. 0 or -errno. */
HM_INTERNAL int memzone_attach(struct hm_mem_config *mcfg, const char *dir);
HM_INTERNAL void memzone_detach(void);
/* 1 if @p addr is the start of a live memzone's memory (mempool checks a pool
 * pointer with it before reading the pool's header). */
HM_INTERNAL bool memzone_addr_is_zone(const void *addr);

#endif
