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

/** One lcore's malloc cache in this process (its blocks count as free). */
struct malloc_cache_desc {
	int socket_id;       /* the node heap it caches */
	uint64_t count;      /* blocks cached */
	uint64_t bytes;      /* their element bytes (headers included) */
};

/* Blocks each size class of a cache holds at most; 0: caches off (or not
 * initialised). Classes and the largest cached block in *classes, *max_block. */
HM_INTERNAL unsigned int malloc_cache_cap(unsigned int *classes, uint64_t *max_block);
/* The cache of lcore @p lcore_id (read without its owner's cooperation: the
 * figures may be a moment old). @return 0, or -ENOENT: caches off, or that lcore
 * has none (disabled, or no node heap). */
HM_INTERNAL int malloc_cache_describe(unsigned int lcore_id, struct malloc_cache_desc *d);

#endif
