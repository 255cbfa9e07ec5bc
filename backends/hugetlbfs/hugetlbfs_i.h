/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private declarations shared by the hugetlbfs backend's files: discovery
 * helpers that the backend and its tests use beyond the public header.
 */
#ifndef HUGEMEM_HUGETLBFS_I_H
#define HUGEMEM_HUGETLBFS_I_H

#include <stdint.h>

#include "common_i.h"
#include "hugemem/hugetlbfs.h"

/* Root of sysfs/procfs for this process: $HUGEMEM_SYSFS_ROOT (tests) or "". */
HM_INTERNAL const char *htlb_root(void);

/*
 * Lcores of the machine under @p root: one per possible CPU (capped at
 * HM_MAX_LCORE), each on the node whose <root>/sys/devices/system/node/node<S>/
 * cpulist names it, node 0 when none does. Fills n_lcores and lcore_node.
 */
HM_INTERNAL void htlb_lcores(const char *root, unsigned int n_nodes, struct hm_probe *out);

/*
 * Three-way compare of two page sizes for qsort, largest first (no subtraction
 * truncated to int, the bug of DPDK 22.11's compare_hpi).
 */
HM_INTERNAL int htlb_size_cmp(const void *a, const void *b);

/*
 * Whether @p mnt contains @p dir on whole path components ("/mnt/huge" contains
 * "/mnt/huge" and "/mnt/huge/a", not "/mnt/hugepages").
 */
HM_INTERNAL bool htlb_path_within(const char *mnt, const char *dir);

/*
 * The hook the fuse backend (backends/fuse/fuse.c) runs this backend through:
 * on a hugemem-fusefs mount, discovery reads the mount as its sysfs/procfs root
 * and the daemon, not set/get_mempolicy and /proc/self/pagemap, says where a
 * page goes and where it landed. Everything else (files, locks, sizing, mmap,
 * the SIGBUS guard, cleanup, attach) is this backend's own code.
 */
struct htlb_oracle {
	const char *root; /* sysfs/procfs root, instead of htlb_root() */
	void *ctx;        /* the fuse backend's state, passed back below */
	/* before page file @p fd is sized for a page of @p node: 0 or -errno */
	int (*place)(void *ctx, int fd, int node);
	/* node and IOVA of the page at byte @p off of @p fd, just mapped: 0 or -errno */
	int (*locate)(void *ctx, int fd, uint64_t off, uint64_t page_sz, int *node,
		      hm_iova_t *iova);
	/* in-memory mode: a nameless page file of @p page_sz (memfd_create's stand-in) */
	int (*memfd)(void *ctx, uint64_t page_sz, const char *name);
};

/* hm_hugetlbfs_ops.create with an oracle (NULL: the real machine's). */
HM_INTERNAL int htlb_create_with(struct hm_backend *be, const struct hm_backend_params *params,
				 const struct htlb_oracle *oracle);

#endif /* HUGEMEM_HUGETLBFS_I_H */
