/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emu backend: hugepages emulated with tmpfs files (or anonymous memory in
 * in-memory mode), a declarative NUMA/page-size/lcore topology and synthetic, seeded
 * physical addresses. It runs anywhere, without root or hugepages, and is the
 * default backend.
 *
 * Topology string
 * ---------------
 * `key=value` items separated by `;`, in any order, each key at most once:
 *
 *   nodes=N               NUMA nodes, 1..HM_MAX_NUMA_NODES (default 1)
 *   <size>=c0,c1,...      pages of that size per node. <size> is a power of two
 *                         from 4K to 16G written with a unit: 4K, 64K, 2M, 1G, 16G.
 *                         Either one count per node or a single count for every
 *                         node; each count is 0..1048576. At most HM_MAX_PAGE_SIZES
 *                         sizes. Without any size key: 2M=1024 on every node; with
 *                         size keys, only those sizes exist.
 *   lcores=LIST           comma-separated items `id`, `a-b` (a <= b), each
 *                         optionally followed by `@node` (no `@` = node 0); ids are
 *                         0..HM_MAX_LCORE-1 and appear once. Default: one lcore per
 *                         online CPU (capped at HM_MAX_LCORE), lcore i on node
 *                         i * nodes / n_lcores (blocks).
 *   iova=contig|shuffled|fragmented
 *                         physical layout of each pool (default contig).
 *   seed=N                0..2^64-1, seeds the shuffled/fragmented layouts and the
 *                         fault-injection PRNG (default 1).
 *
 * At least one page in total. NULL or "" is the default topology. Empty items
 * (`;;`, a trailing `;`), empty values and unknown keys are errors.
 * Example: `nodes=2;2M=512,512;1G=0,2;lcores=0-1@0,2-3@1;iova=shuffled;seed=7`.
 *
 * Fault-injection spec (hm_backend_fault(), params->fault)
 * --------------------------------------------------------
 * `;`-separated items, applied in order on top of the current settings:
 *
 *   nth=N          the Nth page_map call from now fails, once (N >= 1)
 *   every=N        every Nth page_map call from now fails (N >= 1)
 *   node=N         every page_map on node N fails (repeatable: several nodes)
 *   pool=NODE:SIZE:COUNT
 *                  that (node, page size) pool offers at most COUNT frames from
 *                  now on; frames in use are not revoked; a COUNT above the
 *                  pool's size changes nothing (repeatable, SIZE as in topology)
 *   rate=PERMILLE  each page_map fails with probability PERMILLE/1000 (0..1000),
 *                  drawn from a PRNG seeded by the topology seed and restarted by
 *                  every rate= item, so a run is reproducible
 *   clear          remove every fault and limit, reset the counters
 *
 * "page_map call" means a call with valid arguments. Injected failures return
 * -ENOMEM and hm_last_error() reads "emu: injected fault (nth=3) ...". A bad spec
 * returns -EINVAL naming the bad item, and nothing of it is applied. "" is a no-op.
 *
 * Pages
 * -----
 * Each mapped page is a file `<pagedir>/<prefix>map_<size in KiB>k_<node>_<frame>`
 * (mode 0600, in a 0700 directory; `--no-shconf` instances put `p<pid>-<n>_` before
 * the size), mapped MAP_SHARED with its blocks allocated at page_map (a full tmpfs
 * is -ENOMEM there, not a SIGBUS later). pagedir is `<runtime_dir>/pages` when the
 * runtime dir is on tmpfs, else `/dev/shm/hugemem-<euid>-<16 hex digits of
 * FNV-1a(runtime_dir)>`, and must be a private directory of the euid. A primary
 * deletes leftover `<prefix>map_*` files that no process maps (each mapping holds a
 * shared flock on its file); a secondary attaches the primary's pages (private
 * regular files of the euid only) and deletes nothing. In in-memory mode pages are
 * private anonymous memory (populated at page_map) and cannot be attached. Every
 * page is madvised MADV_HUGEPAGE (hm_emu_backing_page_size() says what the kernel
 * puts underneath). Each (size, node) pool's synthetic physical addresses lie in
 * their own range, pool k (sizes largest first, then nodes) at (k+1) << 44 unless
 * an earlier pool spans more than 16 TiB; page_map takes the lowest free frame.
 *
 * Error convention of this header: every malformed or out-of-range input
 * returns -EINVAL (never -ERANGE); hm_last_error() names the bad part and what is
 * valid.
 */
#ifndef HUGEMEM_EMU_H
#define HUGEMEM_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hugemem/backend.h"
#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most frames one (page size, node) pool may have. */
#define HM_EMU_MAX_PAGES (1U << 20)
/** Smallest and largest emulated page sizes (bytes). */
#define HM_EMU_MIN_PAGE_SZ (4ULL * HM_KB)
#define HM_EMU_MAX_PAGE_SZ (16ULL * HM_GB)
/** A buffer this long holds the canonical string of any valid topology. */
#define HM_EMU_TOPOLOGY_STR_MAX 2048

/** Physical layout of the synthetic addresses of each pool's frames. */
enum hm_emu_iova_layout {
	HM_EMU_IOVA_CONTIG = 0,  /* frame i at base + i * page_sz */
	HM_EMU_IOVA_SHUFFLED,    /* frame i at base + perm(i) * page_sz, seeded permutation */
	HM_EMU_IOVA_FRAGMENTED,  /* runs of 1..4 contiguous frames, gaps of 1..3 pages */
};

/**
 * A machine to emulate. Plain data: fill it by hand (start from
 * hm_emu_topology_parse(NULL, &t)) or parse it from a string. Entries past the
 * counts (sizes[n_sizes..], pages[n_nodes..], lcore_node[n_lcores..]) are
 * ignored by validate/format; parse zeroes them (lcore_node: -1).
 */
struct hm_emu_topology {
	unsigned int n_nodes;  /* 1..HM_MAX_NUMA_NODES */
	unsigned int n_sizes;  /* 1..HM_MAX_PAGE_SIZES */
	struct {
		uint64_t page_sz;                   /* bytes, power of two, 4K..16G */
		uint32_t pages[HM_MAX_NUMA_NODES];  /* frames per node, <= HM_EMU_MAX_PAGES */
	} sizes[HM_MAX_PAGE_SIZES];                 /* strictly decreasing page_sz */
	unsigned int n_lcores;                      /* 1 + highest lcore id, 1..HM_MAX_LCORE */
	int16_t lcore_node[HM_MAX_LCORE];           /* node of lcore i; -1 = no such lcore;
						       lcore_node[n_lcores - 1] >= 0 */
	enum hm_emu_iova_layout iova;
	uint64_t seed;                              /* layouts and fault PRNG */
};

/**
 * Parse a topology string (grammar above) into @p out.
 * @param s  the string; NULL or "" gives the default topology.
 * @return 0; -EINVAL (NULL @p out, malformed or out-of-range input), -ENOMEM.
 *   @p out is untouched on failure.
 */
int hm_emu_topology_parse(const char *s, struct hm_emu_topology *out);

/**
 * Check a topology filled by hand.
 * @return 0; -EINVAL with hm_last_error() naming the bad field.
 */
int hm_emu_topology_validate(const struct hm_emu_topology *t);

/**
 * Write the canonical string of @p t (it parses back to an equal topology).
 * @return the string length; -EINVAL (NULL argument, invalid topology),
 *   -ENAMETOOLONG (does not fit in @p len bytes; HM_EMU_TOPOLOGY_STR_MAX always does).
 */
int hm_emu_topology_format(const struct hm_emu_topology *t, char *buf, size_t len);

/**
 * Frames of size @p page_sz currently mapped on @p node by this emu instance.
 * @return the count; -EINVAL (NULL or non-emu backend, node or size not in the
 *   topology).
 */
int hm_emu_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz);

/**
 * Directory holding this instance's page files ("" in in-memory mode).
 * @return the path, or NULL with hm_errno EINVAL for a NULL or non-emu backend.
 */
const char *hm_emu_page_dir(const struct hm_backend *be);

/**
 * The size of the kernel pages underneath emulated pages of @p page_sz, by the
 * kernel's transparent huge page (THP) policy. emu madvises every page it maps
 * (MADV_HUGEPAGE): in in-memory mode the pages are private anonymous memory and
 * get THP when the THP size's own transparent_hugepage/hugepages-<size>kB/enabled
 * is [always] or [madvise], or is [inherit] (or absent) and
 * /sys/kernel/mm/transparent_hugepage/enabled is, and this process has not had
 * THP disabled by prctl(PR_SET_THP_DISABLE) (inherited from a parent; except
 * for madvised memory under PR_THP_DISABLE_EXCEPT_ADVISED); page files get them when shmem_enabled is [force], or (unless it is
 * [deny]) when their tmpfs is mounted huge=within_size or always (their blocks
 * are allocated before they are mapped, so huge=advise does not apply). Emulated
 * pages smaller than a THP are base pages. Without THP every base page is
 * faulted and zeroed on its own (16x the cost of 2M pages and more).
 * @param in_memory  the instance's mode (hm_emu_page_dir() is "" in in-memory mode)
 * @param path       file mode: any absolute path on the page files' filesystem
 *                   (hm_emu_page_dir()); ignored in in-memory mode
 * @param why        receives one line saying what is underneath and why (may be
 *                   NULL when @p len is 0)
 * @return the size in bytes (the base page size or the THP size); -EINVAL (size
 *   not a power of two in [4K, 16G], NULL buffer with a length, file mode
 *   without an absolute path).
 */
int64_t hm_emu_backing_page_size(bool in_memory, const char *path, uint64_t page_sz,
				 char *why, size_t len);

/** The emu ops table (registered as "emu" in core/init/backends.c). */
extern const struct hm_backend_ops hm_emu_ops;

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_EMU_H */
