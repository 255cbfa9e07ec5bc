/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private declarations shared by the hugetlbfs backend's files: the backend's
 * state (hugetlbfs.c), its page files (files.c), and discovery helpers that the
 * backend and its tests use beyond the public header (discover.c).
 */
#ifndef HUGEMEM_HUGETLBFS_I_H
#define HUGEMEM_HUGETLBFS_I_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "common_i.h"
#include "hugemem/backend.h"
#include "hugemem/hugetlbfs.h"

#define NO_CAP UINT32_MAX
#define MAX_SEG ((uint32_t)INT32_MAX) /* largest segment index: the slot table doubles up
					 to 2^31 entries without wrapping */
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

/* One page identity (list, seg) of this process. */
struct slot {
	void *va;     /* where it is mapped; NULL = not mapped here */
	int fd;       /* per-page file or memfd kept open; -1 = none */
	int node;     /* node it landed on; valid if va */
	uint8_t k;    /* size index; valid if va */
	bool attached; /* mapped by page_attach (another process owns it) */
};

struct list_files {
	struct slot *slots; /* cap entries, indexed by seg */
	uint32_t cap;
	int fd;             /* single-file mode: the list's file; -1 = closed */
	uint32_t count;     /* single-file mode: pages mapped from it */
	bool reused;        /* single-file mode, fd >= 0: this process did not create the
			       file and --huge-unlink=never kept it, so any page of it may
			       hold old data */
};

struct size_state {
	uint64_t page_sz;
	char dir[PATH_MAX];              /* page file directory; "" in in-memory mode */
	int dir_fd;                      /* O_RDONLY fd of dir for flock; -1 in-memory */
	unsigned int shift;              /* log2(page_sz), for MFD/MAP_HUGE flags */
	uint32_t avail[HM_MAX_NUMA_NODES]; /* free at create (+ reusable files) */
	uint32_t cap[HM_MAX_NUMA_NODES];   /* topology cap; NO_CAP = none */
	uint32_t in_use[HM_MAX_NUMA_NODES];
	uint32_t reusable;               /* --huge-unlink=never: leftover pages kept */
};

struct htlb {
	unsigned int n_nodes;            /* offered nodes */
	unsigned int n_sizes;            /* offered sizes, largest first */
	struct size_state sz[HM_MAX_PAGE_SIZES];
	struct hm_probe lcores;          /* n_lcores, lcore_node */
	char prefix[128];
	int unlink_mode;                 /* enum hm_huge_unlink */
	bool in_memory, secondary, sfs, legacy;
	bool anon;                       /* in-memory without hugetlb memfd: MAP_HUGETLB */
	bool pfn_ok;                     /* pagemap shows PFNs and IOVA is wanted as PA */
	int pagemap_fd;                  /* -1 unless pfn_ok */
	bool policy_warned;              /* EPERM from mempolicy reported once */
	bool has_oracle;                 /* on a hugemem-fusefs mount (fuse backend) */
	struct htlb_oracle oracle;       /* valid if has_oracle */
	struct list_files lists[HM_MAX_MEMSEG_LISTS];
};

/* ---- page files (files.c) ---- */

/* memfd_create of a page of size s, or, with an oracle, its nameless page file. */
HM_INTERNAL int htlb_memfd(struct htlb *h, const struct size_state *s, const char *name);
/* ftruncate(fd, len), an oracle told the node first: 0, or -1 with errno. */
HM_INTERNAL int htlb_size(struct htlb *h, int fd, int node, uint64_t len);
/* fallocate(fd, 0, off, len), an oracle told the node first: 0, or -1 with errno. */
HM_INTERNAL int htlb_grow(struct htlb *h, int fd, int node, off_t off, uint64_t len);

/* `<dir>/<prefix>map_<list>_<seg>` (single-file segments: `<prefix>map_<list>`). */
HM_INTERNAL int htlb_page_path(const struct htlb *h, unsigned int k, uint32_t list,
			       uint32_t seg, char *buf, size_t len);
/*
 * Open an existing page file without following a symlink or blocking on a FIFO
 * planted under its name: -1 (errno ELOOP for anything but a regular file).
 */
HM_INTERNAL int htlb_open_page_file(int dir_fd, const char *path, int flags);
/* Drop our lock on a page file and delete it if nobody else maps it. */
HM_INTERNAL void htlb_release_file(int fd, const char *path, bool may_unlink);
/* Whether this process deletes the page files it lets go of. */
HM_INTERNAL bool htlb_may_unlink(const struct htlb *h);
/* Clean (or, under never, count reusable) leftovers of size @p s. 0 or -errno. */
HM_INTERNAL int htlb_clean_dir(struct htlb *h, struct size_state *s);
/*
 * Per-page file of (k, list, seg), locked shared, sized: fd, *dirty when an old
 * file was reused (--huge-unlink=never). The directory is locked shared meanwhile.
 */
HM_INTERNAL int htlb_file_open_page(struct htlb *h, unsigned int k, const struct hm_page *pg,
				    bool *dirty);
/* The list's single file (or memfd), opened on its first page. */
HM_INTERNAL int htlb_list_file(struct htlb *h, unsigned int k, uint32_t list, bool *dirty);
/* Close the list file when its last page went; the primary deletes it. */
HM_INTERNAL void htlb_list_file_put(struct htlb *h, unsigned int k, uint32_t list);
/*
 * When the hugetlbfs mount of @p s refuses pages because its size= quota is used
 * up: "the hugetlbfs mount <dir> is at its size= quota (N MiB)..." in @p buf;
 * else NULL (no quota, pages left under it, or not hugetlbfs).
 */
HM_INTERNAL const char *htlb_quota_note(const struct size_state *s, char *buf, size_t len);

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

/* hm_hugetlbfs_ops.create with an oracle (NULL: the real machine's). */
HM_INTERNAL int htlb_create_with(struct hm_backend *be, const struct hm_backend_params *params,
				 const struct htlb_oracle *oracle);

#endif /* HUGEMEM_HUGETLBFS_I_H */
