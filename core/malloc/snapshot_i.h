/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What core/malloc tells the modules above it about its heaps beyond the
 * public API (snapshot.c): telemetry's /eal/heap_list and /eal/heap_info.
 */
#ifndef HUGEMEM_SNAPSHOT_I_H
#define HUGEMEM_SNAPSHOT_I_H

#include <stdbool.h>

#include "common_i.h"
#include "hugemem/malloc.h"

/** A heap of the table, by index (DPDK's heap id). */
struct malloc_heap_desc {
	char name[HM_MALLOC_HEAP_NAME_LEN];
	int socket_id;                      /* node, or the external heap's id */
	bool external;
	struct hm_malloc_socket_stats stats; /* as hm_malloc_get_socket_stats */
};

/* Describe heap @p heap_idx. @return 0, -ENODEV (not initialised), -ENOENT. */
HM_INTERNAL int malloc_heap_describe(int heap_idx, struct malloc_heap_desc *d);

#endif
