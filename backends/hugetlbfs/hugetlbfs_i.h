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

#endif /* HUGEMEM_HUGETLBFS_I_H */
