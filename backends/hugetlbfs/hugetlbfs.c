/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugetlbfs backend: real hugepages.
 *
 * create discovers sizes, counts and mounts (discover.c), applies the topology
 * caps, and, in a primary, cleans each page directory under an exclusive flock
 * of the directory: a leftover `<prefix>map_*` file is removed (or, with
 * --huge-unlink=never, counted as a reusable page) only when an exclusive
 * non-blocking flock on it succeeds, i.e. no live process maps it.
 *
 * page_map, per-page files: under a shared flock of the directory (so that no
 * cleaner runs between creating a file and locking it), open or create
 * `<dir>/<prefix>map_<list>_<seg>` and take a shared flock on it that lives as
 * long as the mapping (the fd stays open); size it, mmap it MAP_SHARED|MAP_FIXED
 * |MAP_POPULATE over the core's reservation, and touch it under a SIGBUS guard:
 * a hugetlb pool or cgroup limit that fails at fault time gives -ENOMEM and the
 * VA re-reserved, never a crash. --single-file-segments: one file per list,
 * pages at seg*P, fallocate to grow, punch-hole to shrink, the fd kept while the
 * list has pages. --in-memory: a memfd (MFD_HUGETLB + size flag) per page or
 * per list, or anonymous MAP_HUGETLB where memfd cannot do hugetlb.
 *
 * IOVA: /proc/self/pagemap when it shows PFNs (CAP_SYS_ADMIN); otherwise the
 * probe says has_pa = false and the core uses IOVA = VA, unless the user asked
 * for --iova-mode=pa, which create refuses with the reason. NUMA: the wanted
 * node is made the preferred node around the mapping (set_mempolicy; libnuma's
 * wrappers when built) and get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR) reports where
 * the page landed; the core returns a page on the wrong node. EPERM from the
 * mempolicy calls (seccomp in containers) is logged once, not fatal.
 *
 * Invariants (slot = page identity (list, seg); handle encodes size index, list, seg):
 *   slot->va != NULL  <=>  the page of that slot is mapped by this process
 *   sz[k].in_use[n] == number of mapped slots of size k whose node is n
 *   per-page file mode: slot mapped  =>  slot->fd >= 0 holds LOCK_SH on its file
 *   single-file mode: lists[l].count == mapped slots of list l, and
 *                     lists[l].fd >= 0  <=>  lists[l].count > 0
 *   a page is reported clean (pg->dirty false) only if it reads as zeros: per-page
 *   files are new or reused under never (dirty); a list file is new, or kept under
 *   never (lists[l].reused: every page dirty); a page this process mapped from a
 *   list file is punched out when unmapped (secondaries too)
 *   page files are opened O_NOFOLLOW and must be regular files (no symlink games);
 *   a leftover is reused (--huge-unlink=never) or attached only when it is a
 *   regular file of the euid with no group/other access (files.c)
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hm_config.h"
#include "hugemem/emu.h"
#include "hugemem/init.h"
#include "hugetlbfs_i.h"

#ifdef HM_HAVE_NUMA
#include <numaif.h>
#endif

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef MPOL_DEFAULT
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_F_NODE (1 << 0)
#define MPOL_F_ADDR (1 << 1)
#endif

#define HANDLE_MAGIC 0xA7ULL
#define PFN_MASK ((1ULL << 55) - 1)
#define MASK_WORDS ((HM_MAX_NUMA_NODES + 63) / 64)

_Static_assert(HM_MAX_MEMSEG_LISTS <= 0xffff, "list field of the handle is 16 bits");

/* ============================= mempolicy wrappers ============================= */

static long
mp_get(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, unsigned long flags)
{
#ifdef HM_HAVE_NUMA
	return get_mempolicy(mode, mask, maxnode, addr, (unsigned int)flags);
#else
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
#endif
}

static long
mp_set(int mode, const unsigned long *mask, unsigned long maxnode)
{
#ifdef HM_HAVE_NUMA
	return set_mempolicy(mode, mask, maxnode);
#else
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
#endif
}

static void
policy_warn(struct htlb *h, const char *call, int err)
{
	if (h->policy_warned)
		return;
	h->policy_warned = true;
	HM_LOG(WARNING, "hugetlbfs: %s failed: %s%s; pages are placed and checked without "
	       "NUMA policy (reported once)", call, strerror(err),
	       err == EPERM ? " (blocked by seccomp or the container runtime; allow the "
	       "mempolicy syscalls, e.g. docker --cap-add SYS_NICE or a seccomp profile)" : "");
}

/* Prefer @p node for this thread; the old policy goes to *mode/mask. 0 or -1 (none saved). */
static int
policy_prefer(struct htlb *h, int node, int *mode, unsigned long *mask)
{
	unsigned long want[MASK_WORDS] = { 0 };

	if (mp_get(mode, mask, HM_MAX_NUMA_NODES + 1, NULL, 0) != 0) {
		policy_warn(h, "get_mempolicy", errno);
		return -1;
	}
	want[node / 64] = 1UL << (node % 64);
	if (mp_set(MPOL_PREFERRED, want, HM_MAX_NUMA_NODES + 1) != 0) {
		policy_warn(h, "set_mempolicy(MPOL_PREFERRED)", errno);
		return -1;
	}
	return 0;
}

static void
policy_restore(struct htlb *h, int mode, const unsigned long *mask)
{
	if (mp_set(mode, mode == MPOL_DEFAULT ? NULL : mask, HM_MAX_NUMA_NODES + 1) != 0)
		policy_warn(h, "set_mempolicy (restore)", errno);
}

/* Node backing @p va, or @p fallback when the kernel will not say. */
static int
node_at(struct htlb *h, void *va, int fallback)
{
	int node = -1;

	if (mp_get(&node, NULL, 0, va, MPOL_F_NODE | MPOL_F_ADDR) != 0) {
		policy_warn(h, "get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR)", errno);
		return fallback;
	}
	return node;
}

/* ================================ SIGBUS guard ================================ */

/*
 * Armed while this thread touches a new page. volatile: the stores around the
 * touch must not be merged or sunk past it (the optimiser sees no call there).
 * One guarded touch at a time in the process (bus_lock): installing the
 * handler, touching and restoring the previous handler are one critical
 * section, so concurrent touches (several backend instances, direct callers)
 * never restore each other's guard or leave bus_prev pointing at ourselves.
 */
static __thread sigjmp_buf *volatile bus_jmp;
static __thread void *volatile bus_lo, *volatile bus_hi; /* the page being touched */
static struct sigaction bus_prev;      /* handler before the guard; under bus_lock */
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;

static void
bus_handler(int sig, siginfo_t *si, void *uc)
{
	/* Only a fault on the page this thread is touching is ours: a SIGBUS sent
	 * with kill() (si_code <= 0) or a fault elsewhere is not an exhausted pool. */
	if (bus_jmp != NULL && si != NULL && si->si_code > 0 &&
	    (char *)si->si_addr >= (char *)bus_lo && (char *)si->si_addr < (char *)bus_hi)
		siglongjmp(*bus_jmp, 1);
	/* Not ours: give it to whoever handled SIGBUS before. */
	if ((bus_prev.sa_flags & SA_SIGINFO) && bus_prev.sa_sigaction != NULL) {
		bus_prev.sa_sigaction(sig, si, uc);
	} else if (bus_prev.sa_handler != SIG_IGN && bus_prev.sa_handler != SIG_DFL &&
		   bus_prev.sa_handler != NULL) {
		bus_prev.sa_handler(sig);
	} else if (bus_prev.sa_handler != SIG_IGN) {
		/* default action: restore it; a fault re-executes and dies with the
		 * usual core, a sent signal is raised again once we return */
		signal(sig, SIG_DFL);
		if (si == NULL || si->si_code <= 0)
			raise(sig);
	}
}

/*
 * Read and write back the first word of a freshly mapped page of @p len bytes.
 * Hugetlb quotas and cgroup limits fail at fault time with SIGBUS; turn that
 * into -ENOMEM.
 */
static int
touch_guarded(void *va, size_t len)
{
	struct sigaction sa, old;
	sigjmp_buf jb;
	volatile int *p = va;
	volatile int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bus_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&bus_lock);
	if (sigaction(SIGBUS, &sa, &old) != 0) {
		int e = errno;
		pthread_mutex_unlock(&bus_lock);
		return hm_fail(e, "hugetlbfs: cannot install the SIGBUS guard: %s", strerror(e));
	}
	bus_prev = old;
	bus_lo = va;
	bus_hi = (char *)va + len;
	if (sigsetjmp(jb, 1) == 0) {
		bus_jmp = &jb;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		*p = *p;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	} else {
		rc = -ENOMEM;
	}
	bus_jmp = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	sigaction(SIGBUS, &old, NULL);
	pthread_mutex_unlock(&bus_lock);
	return rc;
}

/* ================================== helpers ================================== */

static uint64_t
handle_make(unsigned int k, uint32_t list, uint32_t seg)
{
	return HANDLE_MAGIC << 56 | (uint64_t)k << 48 | (uint64_t)list << 32 | seg;
}

/* Decode @p h for @p page_sz; false if it is not one of ours. */
static bool
handle_parse(const struct htlb *h, uint64_t hd, uint64_t page_sz, unsigned int *k,
	     uint32_t *list, uint32_t *seg)
{
	*k = (unsigned int)(hd >> 48) & 0xff;
	*list = (uint32_t)(hd >> 32) & 0xffff;
	*seg = (uint32_t)hd;
	return (hd >> 56) == HANDLE_MAGIC && *k < h->n_sizes && h->sz[*k].page_sz == page_sz &&
	       *list < HM_MAX_MEMSEG_LISTS && *seg <= MAX_SEG;
}

/* The slot of (list, seg), growing the list's table; NULL on ENOMEM. */
static struct slot *
slot_get(struct htlb *h, uint32_t list, uint32_t seg)
{
	struct list_files *lf = &h->lists[list];

	HM_ASSERT(seg <= MAX_SEG);
	if (seg >= lf->cap) {
		uint32_t cap = lf->cap != 0 ? lf->cap : 64;
		struct slot *s;
		while (cap <= seg) /* seg <= 2^31 - 1: ends at cap <= 2^31 */
			cap *= 2;
		s = realloc(lf->slots, sizeof(*s) * cap);
		if (s == NULL)
			return hm_fail_ptr(ENOMEM, "hugetlbfs: out of memory for page slots");
		for (uint32_t i = lf->cap; i < cap; i++)
			s[i] = (struct slot){ .va = NULL, .fd = -1 };
		lf->slots = s;
		lf->cap = cap;
	}
	return &lf->slots[seg];
}

/* ===================== the oracle hook (fuse backend only) ===================== */

/* pg->node and pg->iova from the oracle, for the page at @p off of @p fd. */
static int
oracle_locate(struct htlb *h, int fd, off_t off, struct hm_page *pg)
{
	int node = -1, rc;
	hm_iova_t iova = HM_BAD_IOVA;

	rc = h->oracle.locate(h->oracle.ctx, fd, (uint64_t)off, pg->page_sz, &node, &iova);
	if (rc < 0)
		return rc;
	pg->node = node;
	pg->iova = iova;
	return 0;
}

/* Node of the mapped page holding @p va, as the oracle reported it at map time. */
static int
oracle_node_of(const struct htlb *h, const void *va)
{
	for (uint32_t l = 0; l < HM_MAX_MEMSEG_LISTS; l++)
		for (uint32_t i = 0; i < h->lists[l].cap; i++) {
			const struct slot *sl = &h->lists[l].slots[i];
			if (sl->va != NULL && (const char *)va >= (const char *)sl->va &&
			    (const char *)va < (const char *)sl->va + h->sz[sl->k].page_sz)
				return sl->node;
		}
	return hm_fail(EINVAL, "hugetlbfs: node_of(%p): not a page this process mapped", va);
}

static int
htlb_create(struct hm_backend *be, const struct hm_backend_params *params)
{
	return htlb_create_with(be, params, NULL);
}

/* ========================= create: caps and cleaning ========================= */

static bool
topo_has_key(const char *topo, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = topo; p != NULL; p = strchr(p, ';'), p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && p[n] == '=')
			return true;
	return false;
}

/* Topology caps (see hugemem/hugetlbfs.h), applied to the discovered offer. */
static int
apply_topology(struct htlb *h, const char *topo, const struct hm_hugetlbfs_info *info)
{
	struct hm_emu_topology t;
	bool has_size = false;
	char szs[16];
	int rc;

	if (topo == NULL || *topo == '\0')
		return 0;
	if (topo_has_key(topo, "iova") || topo_has_key(topo, "seed"))
		return hm_fail(ENOTSUP, "hugetlbfs: topology '%s': iova= and seed= are emu-only "
			       "(physical addresses here are the machine's)", topo);
	rc = hm_emu_topology_parse(topo, &t);
	if (rc < 0)
		return rc;
	if (t.n_nodes > info->n_nodes)
		return hm_fail(ENOTSUP, "hugetlbfs: topology asks for %u nodes; this machine has "
			       "%u", t.n_nodes, info->n_nodes);
	for (const char *p = topo; p != NULL; p = strchr(p, ';'), p = p != NULL ? p + 1 : NULL)
		if ((*p >= '0' && *p <= '9'))
			has_size = true;
	h->n_nodes = t.n_nodes;
	if (has_size) {
		struct size_state keep[HM_MAX_PAGE_SIZES];
		unsigned int n = 0;
		for (unsigned int i = 0; i < t.n_sizes; i++) {
			unsigned int k;
			for (k = 0; k < h->n_sizes; k++)
				if (h->sz[k].page_sz == t.sizes[i].page_sz)
					break;
			if (k == h->n_sizes)
				return hm_fail(ENOTSUP, "hugetlbfs: topology size %s is not usable "
					       "here (no such hugepage size or no hugetlbfs mount "
					       "for it)", hm_size_str(t.sizes[i].page_sz, szs,
								      sizeof(szs)));
			keep[n] = h->sz[k];
			for (unsigned int nd = 0; nd < t.n_nodes; nd++)
				keep[n].cap[nd] = t.sizes[i].pages[nd];
			n++;
		}
		memcpy(h->sz, keep, sizeof(keep[0]) * n);
		h->n_sizes = n;
	}
	if (topo_has_key(topo, "lcores")) {
		h->lcores.n_lcores = t.n_lcores;
		memcpy(h->lcores.lcore_node, t.lcore_node, sizeof(t.lcore_node));
	}
	return 0;
}

/* Whether this process sees PFNs in /proc/self/pagemap (needs CAP_SYS_ADMIN). */
static int
pagemap_open(bool *pfn_ok)
{
	static volatile int probe_word;
	uint64_t e = 0;
	uintptr_t va = (uintptr_t)&probe_word;
	int fd;

	*pfn_ok = false;
	probe_word = 1; /* make sure the page is present */
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (pread(fd, &e, sizeof(e), (off_t)(va / hm_sys_page_size() * sizeof(e))) !=
		    (ssize_t)sizeof(e) || (e & PFN_MASK) == 0) {
		close(fd);
		return -1;
	}
	*pfn_ok = true;
	return fd;
}

static hm_iova_t
pagemap_iova(const struct htlb *h, const void *va)
{
	uint64_t e = 0;
	uintptr_t a = (uintptr_t)va;
	size_t ps = hm_sys_page_size();

	if (pread(h->pagemap_fd, &e, sizeof(e), (off_t)(a / ps * sizeof(e))) != (ssize_t)sizeof(e) ||
	    (e & PFN_MASK) == 0)
		return HM_BAD_IOVA;
	return (e & PFN_MASK) * ps + a % ps;
}

/* Can memfd hold hugepages of size @p s? */
static bool
memfd_hugetlb_ok(const struct size_state *s)
{
	const char *no = getenv("HUGEMEM_HUGETLBFS_NO_MEMFD"); /* tests: force the fallback */
	int fd;

	if (no != NULL && *no != '\0' && *no != '0')
		return false;
	fd = memfd_create("hugemem-probe", MFD_CLOEXEC | MFD_HUGETLB |
			  ((unsigned int)s->shift << MFD_HUGE_SHIFT));
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void htlb_destroy(struct hm_backend *be);

static int
setup_sizes(struct htlb *h, const struct hm_hugetlbfs_info *info)
{
	char szs[16];

	for (unsigned int i = 0; i < info->n_sizes; i++) {
		const struct hm_hugetlbfs_size *is = &info->sizes[i];
		struct size_state *s = &h->sz[h->n_sizes];

		if (!h->in_memory && is->dir[0] == '\0') {
			HM_LOG(INFO, "hugetlbfs: no hugetlbfs mount for %s pages; size skipped",
			       hm_size_str(is->page_sz, szs, sizeof(szs)));
			continue;
		}
		memset(s, 0, sizeof(*s));
		s->page_sz = is->page_sz;
		s->shift = (unsigned int)__builtin_ctzll(is->page_sz);
		s->dir_fd = -1;
		memcpy(s->avail, is->free_pages, sizeof(s->avail));
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			s->cap[n] = NO_CAP;
		if (!h->in_memory)
			snprintf(s->dir, sizeof(s->dir), "%s", is->dir);
		h->n_sizes++;
	}
	return 0;
}

static int
open_dirs(struct htlb *h)
{
	for (unsigned int k = 0; k < h->n_sizes && !h->in_memory; k++) {
		struct size_state *s = &h->sz[k];
		int rc, err;
		s->dir_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->dir_fd < 0) {
			err = errno;
			return hm_fail(err, "hugetlbfs: cannot open page directory %s: %s%s", s->dir,
				       strerror(err), err == ENOENT ? " (create it inside the "
				       "hugetlbfs mount, or pass the mount itself to --huge-dir)" : "");
		}
		if (!h->secondary) {
			rc = htlb_clean_dir(h, s);
			if (rc < 0)
				return rc;
			s->avail[0] += s->reusable;
		}
	}
	return 0;
}


/* true when @p dir is a directory with something in it (a mount on it would
 * hide that); false when empty, missing or unreadable */
static bool
dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool any = false;

	if (d == NULL)
		return false;
	while (!any && (de = readdir(d)) != NULL)
		any = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return any;
}

int
htlb_create_with(struct hm_backend *be, const struct hm_backend_params *params,
		 const struct htlb_oracle *oracle)
{
	const char *root = oracle != NULL && oracle->root != NULL ? oracle->root : htlb_root();
	struct hm_hugetlbfs_info *info = NULL;
	struct hm_backend tmp;
	struct htlb *h;
	uint64_t total = 0;
	int rc;

	if (be == NULL || params == NULL)
		return hm_fail(EINVAL, "hugetlbfs: create needs a backend and parameters");
	if (params->huge_unlink < HM_HUGE_UNLINK_EXISTING || params->huge_unlink > HM_HUGE_UNLINK_NEVER)
		return hm_fail(EINVAL, "hugetlbfs: huge_unlink %d is not existing, always or never",
			       params->huge_unlink);
	if (params->prefix != NULL && strlen(params->prefix) >= sizeof(h->prefix))
		return hm_fail(EINVAL, "hugetlbfs: file prefix '%s' is too long", params->prefix);
	h = calloc(1, sizeof(*h));
	info = calloc(1, sizeof(*info));
	if (h == NULL || info == NULL) {
		free(h);
		free(info);
		return hm_fail(ENOMEM, "hugetlbfs: out of memory");
	}
	tmp.ops = be->ops;
	tmp.priv = h;
	h->pagemap_fd = -1;
	for (unsigned int l = 0; l < HM_MAX_MEMSEG_LISTS; l++)
		h->lists[l].fd = -1;
	snprintf(h->prefix, sizeof(h->prefix), "%s", params->prefix != NULL ? params->prefix : "");
	h->unlink_mode = params->huge_unlink;
	h->in_memory = params->in_memory;
	h->secondary = params->secondary;
	h->sfs = params->single_file_segments;
	h->legacy = params->legacy;
	if (params->fault != NULL && *params->fault != '\0') {
		rc = hm_fail(ENOTSUP, "hugetlbfs: fault injection is not supported on real "
			     "hugepages (use the emu or fuse backend)");
		goto fail;
	}
	if (oracle != NULL) {
		h->oracle = *oracle;
		h->has_oracle = true;
	}
	rc = hm_hugetlbfs_discover(root, params->huge_dir, info);
	if (rc < 0)
		goto fail;
	h->n_nodes = info->n_nodes > HM_MAX_NUMA_NODES ? HM_MAX_NUMA_NODES : info->n_nodes;
	htlb_lcores(root, h->n_nodes, &h->lcores);
	rc = setup_sizes(h, info);
	if (rc == 0 && h->n_sizes == 0) {
		rc = params->huge_dir != NULL && dir_has_entries(params->huge_dir) ?
			/* a mount there would hide its files: never suggest that */
			hm_fail(ENOENT, "hugetlbfs: --huge-dir %s is not inside a hugetlbfs mount "
				"and is not empty (a mount on it would hide its files): mount "
				"one on an empty directory (mkdir /mnt/huge && mount -t hugetlbfs "
				"-o pagesize=2M nodev /mnt/huge) and pass --huge-dir=/mnt/huge; "
				"`hugemem doctor` finds a free name", params->huge_dir) :
			params->huge_dir != NULL ?
			hm_fail(ENOENT, "hugetlbfs: --huge-dir %s is not inside a hugetlbfs mount "
				"(it is empty or missing: mkdir -p %s && mount -t hugetlbfs -o "
				"pagesize=2M nodev %s)", params->huge_dir, params->huge_dir,
				params->huge_dir) :
			hm_fail(ENOENT, "hugetlbfs: no hugetlbfs mount found in /proc/mounts (mount "
				"-t hugetlbfs -o pagesize=2M nodev /dev/hugepages, or use "
				"--in-memory)");
		goto fail;
	}
	rc = apply_topology(h, params->topology, info);
	if (rc < 0)
		goto fail;
	if (h->in_memory) {
		h->anon = !h->has_oracle && !memfd_hugetlb_ok(&h->sz[h->n_sizes - 1]);
		if (h->anon && h->sfs) {
			rc = hm_fail(ENOTSUP, "hugetlbfs: --single-file-segments with --in-memory "
				     "needs memfd with MFD_HUGETLB, which this kernel refuses");
			goto fail;
		}
		if (h->anon)
			HM_LOG(INFO, "hugetlbfs: memfd cannot hold hugepages here; in-memory pages "
			       "are anonymous MAP_HUGETLB");
	}
	rc = open_dirs(h);
	if (rc < 0)
		goto fail;
	for (unsigned int k = 0; k < h->n_sizes; k++)
		for (unsigned int n = 0; n < h->n_nodes; n++)
			total += h->sz[k].avail[n] < h->sz[k].cap[n] ? h->sz[k].avail[n] :
				 h->sz[k].cap[n];
	if (total == 0 && !h->secondary) {
		rc = hm_fail(ENOMEM, "hugetlbfs: no free hugepages (reserve some: echo 256 > "
			     "/proc/sys/vm/nr_hugepages, or per node under /sys/devices/system/"
			     "node/node*/hugepages)");
		goto fail;
	}
	if (!params->want_va && !h->has_oracle) {
		h->pagemap_fd = pagemap_open(&h->pfn_ok);
		if (!h->pfn_ok && params->want_pa) {
			rc = hm_fail(EPERM, "hugetlbfs: --iova-mode=pa needs physical addresses, but "
				     "/proc/self/pagemap shows PFNs as 0 to this process (reading "
				     "them needs CAP_SYS_ADMIN); run with CAP_SYS_ADMIN or use "
				     "--iova-mode=va");
			goto fail;
		}
		if (!h->pfn_ok)
			HM_LOG(NOTICE, "hugetlbfs: /proc/self/pagemap shows PFNs as 0 (reading them "
			       "needs CAP_SYS_ADMIN): IOVA is the VA");
	}
	raise_nofile();
	free(info);
	be->priv = h;
	return 0;
fail:
	free(info);
	htlb_destroy(&tmp);
	return rc;
}

static void htlb_page_unmap(struct hm_backend *be, const struct hm_page *pg);

static void
htlb_destroy(struct hm_backend *be)
{
	struct htlb *h;

	if (be == NULL || be->priv == NULL)
		return;
	h = be->priv;
	for (uint32_t l = 0; l < HM_MAX_MEMSEG_LISTS; l++) {
		struct list_files *lf = &h->lists[l];
		for (uint32_t i = 0; i < lf->cap; i++) {
			struct slot *s = &lf->slots[i];
			if (s->va == NULL)
				continue;
			struct hm_page pg = {
				.va = s->va, .page_sz = h->sz[s->k].page_sz, .node = s->node,
				.list_idx = l, .seg_idx = i, .handle = handle_make(s->k, l, i),
			};
			htlb_page_unmap(be, &pg);
		}
		free(lf->slots);
		if (lf->fd >= 0)
			close(lf->fd);
	}
	for (unsigned int k = 0; k < h->n_sizes; k++)
		if (h->sz[k].dir_fd >= 0)
			close(h->sz[k].dir_fd);
	if (h->pagemap_fd >= 0)
		close(h->pagemap_fd);
	free(h);
	be->priv = NULL;
}

static int
htlb_probe(struct hm_backend *be, struct hm_probe *out)
{
	struct htlb *h;

	if (be == NULL || be->priv == NULL || out == NULL)
		return hm_fail(EINVAL, "hugetlbfs: probe needs a backend and an output");
	h = be->priv;
	memset(out, 0, sizeof(*out));
	out->n_nodes = h->n_nodes;
	out->n_sizes = h->n_sizes;
	for (unsigned int k = 0; k < h->n_sizes; k++) {
		out->sizes[k].page_sz = h->sz[k].page_sz;
		for (unsigned int n = 0; n < h->n_nodes; n++)
			out->sizes[k].num_pages[n] = h->sz[k].avail[n] < h->sz[k].cap[n] ?
				h->sz[k].avail[n] : h->sz[k].cap[n];
	}
	out->n_lcores = h->lcores.n_lcores;
	memcpy(out->lcore_node, h->lcores.lcore_node, sizeof(out->lcore_node));
	for (unsigned int l = 0; l < out->n_lcores; l++)
		if (out->lcore_node[l] >= (int)h->n_nodes)
			out->lcore_node[l] = (int16_t)(out->lcore_node[l] % (int)h->n_nodes);
	out->has_pa = h->pfn_ok || h->has_oracle;
	return 0;
}

/* ================================== page_map ================================== */

/* Argument checks; the size index in *k. */
static int
map_args(struct hm_backend *be, const struct hm_page *pg, const char *op, bool want_node,
	 unsigned int *k)
{
	struct htlb *h;
	char szs[16];

	if (be == NULL || be->priv == NULL || pg == NULL)
		return hm_fail(EINVAL, "hugetlbfs: %s needs a backend and a page", op);
	h = be->priv;
	for (*k = 0; *k < h->n_sizes; (*k)++)
		if (h->sz[*k].page_sz == pg->page_sz)
			break;
	if (*k == h->n_sizes)
		return hm_fail(EINVAL, "hugetlbfs: %s: page size %" PRIu64 " is not offered here",
			       op, pg->page_sz);
	if (want_node && (pg->node < 0 || (unsigned int)pg->node >= h->n_nodes))
		return hm_fail(EINVAL, "hugetlbfs: %s: node %d does not exist (valid: 0..%u)", op,
			       pg->node, h->n_nodes - 1);
	if (pg->va == NULL || ((uintptr_t)pg->va & (pg->page_sz - 1)) != 0)
		return hm_fail(EINVAL, "hugetlbfs: %s: va %p is not aligned to the page size %s",
			       op, pg->va, hm_size_str(pg->page_sz, szs, sizeof(szs)));
	if (pg->list_idx >= HM_MAX_MEMSEG_LISTS)
		return hm_fail(EINVAL, "hugetlbfs: %s: list index %" PRIu32 " is out of range",
			       op, pg->list_idx);
	if (pg->seg_idx > MAX_SEG)
		return hm_fail(EINVAL, "hugetlbfs: %s: segment index %" PRIu32 " is out of range "
			       "(at most %" PRIu32 ")", op, pg->seg_idx, MAX_SEG);
	return 0;
}

static int
htlb_page_map(struct hm_backend *be, struct hm_page *pg)
{
	struct htlb *h;
	struct size_state *s;
	struct slot *slot;
	char szs[16], path[PATH_MAX], quota[PATH_MAX + 128];
	unsigned long old_mask[MASK_WORDS] = { 0 };
	int old_mode = MPOL_DEFAULT, policy_rc, fd = -1, err, rc, flags;
	unsigned int k = 0, node;
	bool dirty = false, own_fd = false;
	off_t off = 0;
	void *p;

	rc = map_args(be, pg, "page_map", true, &k);
	if (rc < 0)
		return rc;
	h = be->priv;
	s = &h->sz[k];
	node = (unsigned int)pg->node;
	hm_size_str(s->page_sz, szs, sizeof(szs));
	if (s->cap[node] != NO_CAP && s->in_use[node] >= s->cap[node])
		return hm_fail(ENOMEM, "hugetlbfs: no free %s page on node %u (topology cap of %"
			       PRIu32 " reached)", szs, node, s->cap[node]);
	slot = slot_get(h, pg->list_idx, pg->seg_idx);
	if (slot == NULL)
		return -hm_errno;
	if (slot->va != NULL)
		return hm_fail(EEXIST, "hugetlbfs: page_map: list %" PRIu32 " seg %" PRIu32 " is "
			       "already mapped at %p", pg->list_idx, pg->seg_idx, slot->va);

	flags = MAP_SHARED | MAP_FIXED | (h->has_oracle ? 0 : MAP_POPULATE); /* FUSE: touch reads */
	if (h->sfs) {
		fd = htlb_list_file(h, k, pg->list_idx, &dirty);
		if (fd < 0)
			return fd;
		off = (off_t)((uint64_t)pg->seg_idx * s->page_sz);
		if (htlb_grow(h, fd, (int)node, off, s->page_sz) != 0) {
			err = errno;
			htlb_list_file_put(h, k, pg->list_idx);
			return hm_fail(err == ENOSPC ? ENOMEM : err, "hugetlbfs: cannot grow list "
				       "file of list %" PRIu32 " by a %s page: %s%s%s", pg->list_idx,
				       szs, strerror(err), htlb_quota_note(s, quota, sizeof(quota)) !=
				       NULL ? ": " : "", quota);
		}
		h->lists[pg->list_idx].count++;
	} else if (h->in_memory && h->anon) {
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE | MAP_HUGETLB |
			(int)(s->shift << MAP_HUGE_SHIFT);
	} else if (h->in_memory) {
		char name[256];
		snprintf(name, sizeof(name), "%sseg_%" PRIu32 "-%" PRIu32, h->prefix, pg->list_idx,
			 pg->seg_idx);
		fd = htlb_memfd(h, s, name);
		if (fd < 0) {
			err = errno;
			return hm_fail(err, "hugetlbfs: memfd_create(%s, MFD_HUGETLB): %s", name,
				       strerror(err));
		}
		own_fd = true;
		if (htlb_size(h, fd, (int)node, s->page_sz) != 0) {
			err = errno;
			close(fd);
			return hm_fail(err, "hugetlbfs: cannot size memfd %s: %s", name,
				       strerror(err));
		}
	} else {
		fd = htlb_file_open_page(h, k, pg, &dirty);
		if (fd < 0)
			return fd;
		own_fd = true;
	}

	policy_rc = h->has_oracle ? -1 : policy_prefer(h, (int)node, &old_mode, old_mask);
	p = mmap(pg->va, s->page_sz, PROT_READ | PROT_WRITE, flags, fd, off);
	err = errno;
	if (p == MAP_FAILED) {
		/* a mount's size= quota refuses pages the pool still has: say so */
		if (htlb_quota_note(s, quota, sizeof(quota)) != NULL)
			rc = hm_fail(ENOMEM, "hugetlbfs: cannot map a %s page on node %u at %p: "
				     "%s: %s", szs, node, pg->va, strerror(err), quota);
		else
			rc = hm_fail(err == EINVAL || err == ENOSPC ? ENOMEM : err,
				     "hugetlbfs: cannot map a %s page on node %u at %p: %s (no "
				     "free hugepage of that size?)", szs, node, pg->va,
				     strerror(err));
		goto fail;
	}
	HM_ASSERT(p == pg->va);
	rc = touch_guarded(pg->va, s->page_sz);
	if (rc < 0) {
		if (htlb_quota_note(s, quota, sizeof(quota)) != NULL)
			rc = hm_fail(ENOMEM, "hugetlbfs: SIGBUS on first touch of a %s page on "
				     "node %u at %p: %s", szs, node, pg->va, quota);
		else
			rc = hm_fail(ENOMEM, "hugetlbfs: SIGBUS on first touch of a %s page on "
				     "node %u at %p: the hugepage pool or a hugetlb cgroup limit is "
				     "exhausted", szs, node, pg->va);
		goto fail;
	}
	pg->iova = h->pfn_ok ? pagemap_iova(h, pg->va) : (hm_iova_t)(uintptr_t)pg->va;
	if (pg->iova == HM_BAD_IOVA) {
		rc = hm_fail(EIO, "hugetlbfs: /proc/self/pagemap gave no PFN for %p", pg->va);
		goto fail;
	}
	pg->node = node_at(h, pg->va, (int)node);
	if (h->has_oracle && (rc = oracle_locate(h, fd, off, pg)) < 0)
		goto fail;
	if (policy_rc == 0)
		policy_restore(h, old_mode, old_mask);
	pg->handle = handle_make(k, pg->list_idx, pg->seg_idx);
	pg->dirty = dirty;
	slot->va = pg->va;
	slot->fd = own_fd ? fd : -1; /* in-memory: the memfd, kept for page_fd as DPDK does */
	slot->node = pg->node;
	slot->k = (uint8_t)k;
	slot->attached = false;
	if (pg->node >= 0 && (unsigned int)pg->node < h->n_nodes)
		s->in_use[pg->node]++;
	return 0;
fail:
	if (policy_rc == 0)
		policy_restore(h, old_mode, old_mask);
	if (hm_va_rereserve(pg->va, s->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	if (h->sfs) {
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
			      (off_t)s->page_sz) != 0)
			HM_LOG(WARNING, "hugetlbfs: cannot punch the failed page out of list %"
			       PRIu32 ": %s", pg->list_idx, strerror(errno));
		h->lists[pg->list_idx].count--;
		htlb_list_file_put(h, k, pg->list_idx);
	} else if (own_fd && !h->in_memory) {
		bool named = htlb_page_path(h, k, pg->list_idx, pg->seg_idx, path, sizeof(path)) == 0;
		/* always mode unlinked the name already: unlinking it again could
		 * remove another process's new file of that name */
		htlb_release_file(fd, named ? path : NULL, !dirty && h->unlink_mode == HM_HUGE_UNLINK_EXISTING);
	} else if (own_fd) {
		close(fd);
	}
	return rc;
}

static void
htlb_page_unmap(struct hm_backend *be, const struct hm_page *pg)
{
	struct htlb *h;
	struct slot *slot;
	char path[PATH_MAX];
	unsigned int k = 0;
	uint32_t list, seg;

	HM_VERIFY(be != NULL && be->priv != NULL && pg != NULL);
	h = be->priv;
	if (!handle_parse(h, pg->handle, pg->page_sz, &k, &list, &seg) ||
	    seg >= h->lists[list].cap || h->lists[list].slots[seg].va != pg->va) {
		HM_LOG(ERR, "hugetlbfs: page_unmap of %p: foreign handle 0x%" PRIx64, pg->va,
		       pg->handle);
		return;
	}
	slot = &h->lists[list].slots[seg];
	if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	if (h->sfs) {
		struct list_files *lf = &h->lists[list];
		/* a page this process mapped (secondaries too) leaves a hole:
		 * whoever maps the slot next must find zeros, as it is not dirty */
		if (!slot->attached &&
		    fallocate(lf->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)((uint64_t)seg * pg->page_sz), (off_t)pg->page_sz) != 0)
			HM_LOG(WARNING, "hugetlbfs: cannot punch page %" PRIu32 " out of list %"
			       PRIu32 ": %s", seg, list, strerror(errno));
		lf->count--;
		htlb_list_file_put(h, k, list);
	} else if (slot->fd >= 0) {
		bool named = htlb_page_path(h, k, list, seg, path, sizeof(path)) == 0;
		htlb_release_file(slot->fd, named ? path : NULL, htlb_may_unlink(h) && !slot->attached);
	}
	if (!slot->attached && slot->node >= 0 && (unsigned int)slot->node < h->n_nodes)
		h->sz[k].in_use[slot->node]--;
	*slot = (struct slot){ .va = NULL, .fd = -1 };
}

/* The page's file: its own file or memfd, or the list's file in single-file mode. */
static int
htlb_page_fd(struct hm_backend *be, const struct hm_page *pg, uint64_t *offset)
{
	struct htlb *h;
	const struct slot *slot;
	unsigned int k = 0;
	uint32_t list, seg;

	if (be == NULL || be->priv == NULL || pg == NULL || offset == NULL)
		return hm_fail(EINVAL, "hugetlbfs: page_fd needs a backend, a page and an offset");
	h = be->priv;
	if (h->in_memory && h->anon)
		return hm_fail(ENOTSUP, "hugetlbfs: in-memory pages are anonymous (MAP_HUGETLB; "
			       "no hugetlb memfd here): no page fds");
	if (!handle_parse(h, pg->handle, pg->page_sz, &k, &list, &seg) ||
	    seg >= h->lists[list].cap || h->lists[list].slots[seg].va != pg->va)
		return hm_fail(EINVAL, "hugetlbfs: page_fd of %p: not a page this process mapped",
			       pg->va);
	slot = &h->lists[list].slots[seg];
	if (h->sfs) {
		if (h->lists[list].fd < 0)
			return hm_fail(ENODEV, "hugetlbfs: page_fd: list %" PRIu32 " has no open file",
				       list);
		*offset = (uint64_t)seg * pg->page_sz;
		return h->lists[list].fd;
	}
	if (slot->fd < 0)
		return hm_fail(ENODEV, "hugetlbfs: page_fd: page %" PRIu32 " of list %" PRIu32
			       " has no open file", seg, list);
	*offset = 0;
	return slot->fd;
}

static int
htlb_page_move(struct hm_backend *be, struct hm_page *pg, void *new_va)
{
	struct htlb *h;
	unsigned int k = 0;
	uint32_t list, seg;

	HM_VERIFY(be != NULL && be->priv != NULL && pg != NULL);
	h = be->priv;
	if (!handle_parse(h, pg->handle, pg->page_sz, &k, &list, &seg) ||
	    seg >= h->lists[list].cap || h->lists[list].slots[seg].va != pg->va)
		return hm_fail(EINVAL, "hugetlbfs: page_move of %p: not a page this process mapped",
			       pg->va);
	if (new_va == NULL || ((uintptr_t)new_va & (pg->page_sz - 1)) != 0)
		return hm_fail(EINVAL, "hugetlbfs: page_move to %p: not aligned to the page size",
			       new_va);
	if (mremap(pg->va, pg->page_sz, pg->page_sz, MREMAP_MAYMOVE | MREMAP_FIXED,
		   new_va) == MAP_FAILED)
		return hm_fail(errno, "hugetlbfs: page_move %p -> %p: %s", pg->va, new_va,
			       strerror(errno));
	if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	h->lists[list].slots[seg].va = new_va;
	pg->va = new_va;
	return 0;
}

static int
htlb_page_attach(struct hm_backend *be, struct hm_page *pg)
{
	struct htlb *h;
	struct slot *slot;
	struct stat st;
	char path[PATH_MAX];
	unsigned int k = 0;
	uint32_t list, seg;
	off_t off = 0;
	void *p;
	int fd, err, rc;

	rc = map_args(be, pg, "page_attach", false, &k);
	if (rc < 0)
		return rc;
	h = be->priv;
	if (h->in_memory)
		return hm_fail(ENOTSUP, "hugetlbfs: page_attach needs page files; in-memory mode "
			       "cannot share pages");
	if (!handle_parse(h, pg->handle, pg->page_sz, &k, &list, &seg))
		return hm_fail(EINVAL, "hugetlbfs: page_attach: handle 0x%" PRIx64 " is not a "
			       "hugetlbfs page of this size", pg->handle);
	slot = slot_get(h, list, seg);
	if (slot == NULL)
		return -hm_errno;
	if (slot->va != NULL)
		return hm_fail(EEXIST, "hugetlbfs: page_attach: list %" PRIu32 " seg %" PRIu32
			       " is already mapped here", list, seg);
	rc = htlb_page_path(h, k, list, seg, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (h->sfs && h->lists[list].fd >= 0) {
		fd = h->lists[list].fd;
	} else {
		fd = htlb_open_page_file(AT_FDCWD, path, O_RDWR);
		if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) != 0) {
			err = errno;
			if (fd >= 0)
				close(fd);
			return hm_fail(err == EWOULDBLOCK ? ENOENT : err, "hugetlbfs: page_attach: "
				       "cannot open page file %s: %s", path, strerror(err));
		}
		/* only the primary's file: ours (same user), mode 0600 */
		rc = fstat(fd, &st) != 0 ? hm_fail(errno, "cannot stat %s: %s", path,
						    strerror(errno)) :
		     hm_file_check(path, &st, HM_PRIV_NOSHARE);
		if (rc < 0) {
			close(fd);
			return hm_fail(-rc, "hugetlbfs: page_attach: %s", hm_last_error());
		}
	}
	if (h->sfs)
		off = (off_t)((uint64_t)seg * pg->page_sz);
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < (uint64_t)off + pg->page_sz) {
		if (!h->sfs || h->lists[list].fd != fd)
			close(fd);
		return hm_fail(ENOENT, "hugetlbfs: page_attach: page file %s is too short", path);
	}
	p = mmap(pg->va, pg->page_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, off);
	err = errno;
	if (p == MAP_FAILED) {
		if (!h->sfs || h->lists[list].fd != fd)
			close(fd);
		hm_va_rereserve(pg->va, pg->page_sz);
		return hm_fail(err, "hugetlbfs: page_attach: cannot map %s at %p: %s", path,
			       pg->va, strerror(err));
	}
	if (h->sfs) {
		if (h->lists[list].fd < 0) /* the owner's file: with never, maybe an old one */
			h->lists[list].reused = h->unlink_mode == HM_HUGE_UNLINK_NEVER;
		h->lists[list].fd = fd;
		h->lists[list].count++;
		slot->fd = -1;
	} else {
		slot->fd = fd;
	}
	slot->va = pg->va;
	slot->k = (uint8_t)k;
	slot->attached = true;
	pg->node = node_at(h, pg->va, 0);
	slot->node = pg->node;
	pg->iova = h->pfn_ok ? pagemap_iova(h, pg->va) : (hm_iova_t)(uintptr_t)pg->va;
	pg->dirty = false;
	if (h->has_oracle && (rc = oracle_locate(h, fd, off, pg)) < 0) {
		htlb_page_unmap(be, pg);
		return rc;
	}
	slot->node = pg->node;
	return 0;
}

static int
htlb_node_of(struct hm_backend *be, const void *va)
{
	int node = -1;

	if (be == NULL || be->priv == NULL || va == NULL)
		return hm_fail(EINVAL, "hugetlbfs: node_of needs a backend and an address");
	if (((struct htlb *)be->priv)->has_oracle)
		return oracle_node_of(be->priv, va);
	if (mp_get(&node, NULL, 0, (void *)(uintptr_t)va, MPOL_F_NODE | MPOL_F_ADDR) != 0)
		return hm_fail(errno, "hugetlbfs: get_mempolicy(%p): %s", va, strerror(errno));
	return node;
}

static void
htlb_dump(struct hm_backend *be, FILE *f)
{
	static const char *const unlink_names[] = { "existing", "always", "never" };
	struct htlb *h;
	char szs[16];

	if (be == NULL || be->priv == NULL || f == NULL)
		return;
	h = be->priv;
	fprintf(f, "hugetlbfs: %u node(s), pages %s, --huge-unlink=%s%s%s, IOVA %s\n", h->n_nodes,
		h->in_memory ? (h->anon ? "anonymous MAP_HUGETLB" : "memfd") : "in files",
		unlink_names[h->unlink_mode], h->sfs ? ", single-file segments" : "",
		h->legacy ? ", legacy" : "", h->has_oracle ? "from the hugemem-fusefs daemon" :
		h->pfn_ok ? "physical (pagemap)" : "= VA");
	for (unsigned int k = 0; k < h->n_sizes; k++) {
		const struct size_state *s = &h->sz[k];
		fprintf(f, "  %s pages in %s%s%s\n", hm_size_str(s->page_sz, szs, sizeof(szs)),
			h->in_memory ? "(memory)" : s->dir, h->in_memory ? "" : "/",
			h->in_memory ? "" : h->prefix);
		for (unsigned int n = 0; n < h->n_nodes; n++) {
			fprintf(f, "    node %u: free at start %" PRIu32 ", in use %" PRIu32, n,
				s->avail[n], s->in_use[n]);
			if (s->cap[n] != NO_CAP)
				fprintf(f, ", cap %" PRIu32, s->cap[n]);
			fprintf(f, "\n");
		}
	}
}

int
hm_hugetlbfs_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz)
{
	const struct htlb *h;
	char szs[16];

	if (be == NULL || be->ops != &hm_hugetlbfs_ops || be->priv == NULL)
		return hm_fail(EINVAL, "hugetlbfs: pages_in_use needs a running hugetlbfs backend");
	h = be->priv;
	if (node < 0 || (unsigned int)node >= h->n_nodes)
		return hm_fail(EINVAL, "hugetlbfs: node %d does not exist (valid: 0..%u)", node,
			       h->n_nodes - 1);
	for (unsigned int k = 0; k < h->n_sizes; k++)
		if (h->sz[k].page_sz == page_sz)
			return (int)h->sz[k].in_use[node];
	return hm_fail(EINVAL, "hugetlbfs: page size %s is not offered",
		       hm_size_str(page_sz, szs, sizeof(szs)));
}

const char *
hm_hugetlbfs_page_dir(const struct hm_backend *be, uint64_t page_sz)
{
	const struct htlb *h;

	if (be == NULL || be->ops != &hm_hugetlbfs_ops || be->priv == NULL)
		return hm_fail_ptr(EINVAL, "hugetlbfs: page_dir needs a running hugetlbfs backend");
	h = be->priv;
	for (unsigned int k = 0; k < h->n_sizes; k++)
		if (h->sz[k].page_sz == page_sz)
			return h->sz[k].dir;
	return hm_fail_ptr(EINVAL, "hugetlbfs: page size %" PRIu64 " is not offered", page_sz);
}

const struct hm_backend_ops hm_hugetlbfs_ops = {
	.name = "hugetlbfs",
	.description = "real hugepages: hugetlbfs mounts or hugetlb memfd, IOVA from "
		       "/proc/self/pagemap, NUMA through mempolicy",
	.create = htlb_create,
	.destroy = htlb_destroy,
	.probe = htlb_probe,
	.page_map = htlb_page_map,
	.page_unmap = htlb_page_unmap,
	.page_attach = htlb_page_attach,
	.page_fd = htlb_page_fd,
	.page_move = htlb_page_move,
	.virt2iova = NULL,
	.node_of = htlb_node_of,
	.fault = NULL,
	.dump = htlb_dump,
};
