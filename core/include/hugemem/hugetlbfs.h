/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hugetlbfs backend: real hugepages from hugetlbfs mounts (or memfd /
 * anonymous MAP_HUGETLB in in-memory mode), IOVA from /proc/self/pagemap, NUMA
 * placement through the mempolicy syscalls (libnuma when built).
 *
 * Discovery (hm_hugetlbfs_discover, also used by `hugemem doctor`)
 * -----------------------------------------------------------------
 *  - page sizes: the `hugepages-<N>kB` entries of <root>/sys/kernel/mm/hugepages,
 *    sorted largest first;
 *  - free pages per node: <root>/sys/devices/system/node/node<S>/hugepages/
 *    hugepages-<N>kB/free_hugepages; when these add up to 0 (or are absent), the
 *    global count, all on node 0: max(free - resv, 0) + max(overcommit - surplus, 0);
 *  - mounts: hugetlbfs entries of <root>/proc/mounts (octal escapes such as \040
 *    decoded); a mount without `pagesize=` serves the default size (`Hugepagesize:`
 *    of <root>/proc/meminfo). Without a huge_dir the first mount of a size wins;
 *    with one, only mounts that contain it on whole path components count, the
 *    longest wins, and the directory used is huge_dir itself.
 * <root> is "" on a real system; tests point it at fixture copies in a temp dir
 * (the backend reads $HUGEMEM_SYSFS_ROOT, meant for tests only).
 *
 * Topology string (--topology) on this backend: caps on what the machine has,
 * in the emu grammar (hugemem/emu.h): `<size>=c0,c1,...` offers at most that
 * many pages of a size per node and, when any size key is given, only the sizes
 * named; `nodes=N` must not exceed the machine's nodes; `lcores=LIST` as in emu.
 * `iova=` and `seed=` are emu-only (-ENOTSUP). Default: everything the machine has.
 *
 * Page files: `<dir>/<prefix>map_<list>_<seg>` per page, or
 * `<dir>/<prefix>map_<list>` per memseg list with --single-file-segments. Each
 * process mapping a page holds a shared flock on its file; a primary removes
 * leftover `<prefix>map_*` files at start only when it can take an exclusive
 * lock on them (no live process uses them).
 */
#ifndef HUGEMEM_HUGETLBFS_H
#define HUGEMEM_HUGETLBFS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "hugemem/backend.h"
#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the path fields below: Linux's PATH_MAX, spelled out so that the
 * layout needs neither <limits.h> nor _GNU_SOURCE (the header compiles as
 * strict C11 and C++). */
#define HM_HUGETLBFS_PATH_MAX 4096
#if defined(PATH_MAX)
HM_STATIC_ASSERT(PATH_MAX == HM_HUGETLBFS_PATH_MAX, "PATH_MAX is 4096 on Linux");
#endif

/** Most hugetlbfs mounts discovery remembers (doctor lists them). */
#define HM_HUGETLBFS_MAX_MOUNTS 16

/** One hugetlbfs mount of <root>/proc/mounts. */
struct hm_hugetlbfs_mount {
	char path[HM_HUGETLBFS_PATH_MAX]; /* mount point, escapes decoded */
	uint64_t page_sz;     /* bytes: pagesize= or the default size; 0 = unknown size */
	bool has_pagesize;    /* pagesize= was given */
};

/** One page size of the machine. */
struct hm_hugetlbfs_size {
	uint64_t page_sz;                       /* bytes, power of two */
	char dir[HM_HUGETLBFS_PATH_MAX];        /* where page files go; "" = no mount */
	char mount[HM_HUGETLBFS_PATH_MAX];      /* the mount that holds dir; "" = none */
	uint32_t free_pages[HM_MAX_NUMA_NODES]; /* per node, as the backend counts them */
	bool per_node;                          /* counts came from the per-node files */
	uint32_t nr, free, resv, surplus, overcommit; /* global counters of the size */
};

/** What hm_hugetlbfs_discover found. */
struct hm_hugetlbfs_info {
	unsigned int n_nodes;                   /* 1 + highest node present (>= 1) */
	uint64_t default_page_sz;               /* Hugepagesize: of meminfo; 0 = unknown */
	unsigned int n_sizes;
	struct hm_hugetlbfs_size sizes[HM_MAX_PAGE_SIZES]; /* largest first */
	unsigned int n_mounts;
	struct hm_hugetlbfs_mount mounts[HM_HUGETLBFS_MAX_MOUNTS]; /* in /proc/mounts order */
};

/**
 * Read the machine's hugepage sizes, counts and mounts under @p root.
 * @param root      prefix of /sys and /proc ("" or NULL: the real ones)
 * @param huge_dir  --huge-dir, or NULL (any mount)
 * @return 0; -EINVAL (NULL @p out, relative or too long @p huge_dir), -ENOENT
 *   (no <root>/sys/kernel/mm/hugepages: the kernel has no hugetlb support),
 *   -ENOMEM. A size without a mount is reported with dir "".
 */
int hm_hugetlbfs_discover(const char *root, const char *huge_dir, struct hm_hugetlbfs_info *out);

/**
 * Decode /proc/mounts octal escapes (\040 space, \011 tab, \012 newline, \134
 * backslash) of @p in into @p out (at most @p len bytes with the NUL).
 * @return 0, -EINVAL (NULL argument), -ENAMETOOLONG.
 */
int hm_hugetlbfs_unescape(const char *in, char *out, size_t len);

/**
 * Pages of @p page_sz this instance has mapped on @p node.
 * @return the count; -EINVAL (NULL or not a running hugetlbfs backend, node or
 *   size not offered).
 */
int hm_hugetlbfs_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz);

/**
 * Directory holding the page files of @p page_sz ("" in in-memory mode).
 * @return the path, or NULL with hm_errno EINVAL.
 */
const char *hm_hugetlbfs_page_dir(const struct hm_backend *be, uint64_t page_sz);

/** The ops table (registered as "hugetlbfs" in core/init/backends.c). */
extern const struct hm_backend_ops hm_hugetlbfs_ops;

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_HUGETLBFS_H */
