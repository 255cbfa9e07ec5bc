/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu backend: hugepages emulated with ordinary shared memory.
 *
 * A page is a tmpfs file of page_sz bytes
 * (`<pagedir>/<prefix>map_<tag><KiB>k_<node>_<frame>`): page_map allocates its
 * blocks (posix_fallocate: a full tmpfs or memory cgroup is -ENOMEM there, never a
 * SIGBUS on a later touch), maps it MAP_SHARED|MAP_FIXED over the core's PROT_NONE
 * reservation and closes the fd, so nothing but the mapping (and the file, for
 * other processes) keeps the page alive. In in-memory mode (nothing to share) a
 * page is private anonymous memory mapped there and populated for writing
 * (MADV_POPULATE_WRITE: -ENOMEM at page_map too). A mapped page costs its whole
 * size, as a hugepage does. Every page is madvised MADV_HUGEPAGE (before it is
 * populated), so that where the kernel's policy allows (backing.c) it is made of
 * 2M transparent huge pages rather than 512 base pages each faulted and zeroed on
 * its own: anonymous THP is on by default on most distributions; page files get
 * them only from a tmpfs mounted huge=within_size or always (fallocate runs
 * before any mapping, so huge=advise does not apply).
 *
 * Page files and other users (docs/security.md): the page dir is
 * `<runtime_dir>/pages` when the runtime dir is on tmpfs, else
 * `/dev/shm/hugemem-<euid>-<hash of runtime_dir>`; either must be a private
 * directory (ours, 0700-like, not a symlink) or create fails naming its owner.
 * Files are created O_EXCL|O_NOFOLLOW and locked shared (flock) before the
 * directory's shared lock is dropped; the lock lives as long as any mapping of
 * the file. A primary's cleaner (directory locked exclusive) deletes only
 * `<prefix>map_*` files it can lock exclusive (nobody maps them) and anything
 * under such a name that is not a regular file of ours. --no-shconf instances
 * put a private tag `p<pid>-<n>_` in their names, so they never collide with
 * (or delete) the files of a live primary of the same prefix.
 *
 * Physical addresses are synthetic. Every (page size, node) pool owns `total`
 * frames with PAs inside its own range [base, end) (pool.c builds them a chunk at
 * a time); pool k (sizes largest first, then nodes) starts at the first multiple
 * of 2^44 past the end of pool k-1, which is (k+1) << 44 for any pool smaller than
 * 16 TiB. page_map takes the lowest-index free frame, so the IOVA sequence is
 * deterministic for a given topology (layout and seed) and sequence of calls.
 *
 * Invariants (emu_pool_check(), asserted at HM_DEBUG >= 3 after every change;
 * pool.c lists the per-pool ones):
 *   pool k's [base, end) lies below pool k+1's base (pools are disjoint)
 *   file mode, primary: a page file exists for frame i  <=>  frame i's VA != NULL,
 *   and this process holds a shared flock on it through the mapping
 *
 * Processes: the primary cleans leftover page files at create and owns every frame
 * it maps; a secondary (params->secondary) attaches the primary's pages by handle
 * (only a regular file of ours with no group/other access) and never deletes a
 * file it did not create. Frame accounting is per process, as in DPDK where
 * secondaries ask the primary to allocate: only the primary maps.
 *
 * virt2iova and node_of are not provided: the core keeps every page's IOVA and
 * node in its memseg tables, and a VA-indexed lookup here would only duplicate them.
 *
 * Fault injection (fault.c) is backend-neutral (it knows pools only as (size
 * index, node) pairs described by a struct hm_probe), so other backends can
 * reuse it unchanged.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "emu_i.h"
#include "hugemem/emu.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define POOL_ALIGN (1ULL << 44) /* pool bases are multiples of this */

struct emu {
	struct hm_emu_topology topo;
	struct pool pools[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES];
	struct fault fault;
	bool in_memory;           /* anonymous pages, no page dir */
	bool secondary;           /* never delete files this process did not create */
	const char *prefix;       /* page file prefix; params outlive the instance */
	char tag[32];             /* "" or, --no-shconf, "p<pid>-<n>_": names nobody else uses */
	const char *runtime_dir;  /* params->runtime_dir (outlives the instance) */
	char pagedir[PATH_MAX];   /* "" in in-memory mode */
	int dir_fd;               /* pagedir, for openat and its flock; -1 in-memory */
	/* page fds handed out by page_fd, opened on first request and closed when the
	 * page is unmapped (the SPI contract); fd_lock guards them, since page_fd
	 * runs under the memory hotplug read lock, concurrently with itself */
	pthread_mutex_t fd_lock;
	struct page_fd_ent { uint64_t handle; void *va; int fd; } *fds; /* n_fds used */
	size_t n_fds, cap_fds;
};

static int
pools_create(struct emu *e)
{
	const struct hm_emu_topology *t = &e->topo;
	uint64_t cursor = POOL_ALIGN;
	unsigned int id = 0;
	int rc;

	for (unsigned int k = 0; k < t->n_sizes; k++) {
		for (unsigned int n = 0; n < t->n_nodes; n++, id++) {
			struct pool *pool = &e->pools[k][n];

			rc = emu_pool_init(pool, t->sizes[k].page_sz, t->sizes[k].pages[n], id,
					   t->iova, t->seed, cursor);
			if (rc < 0)
				return rc;
			/* Worst case (16G pages, 2^20 frames, fragmented) stays far below 2^64. */
			HM_ASSERT(pool->end > pool->base && pool->end < UINT64_MAX - POOL_ALIGN);
			cursor = HM_ALIGN_CEIL(pool->end, POOL_ALIGN);
		}
	}
	return 0;
}

static void
pools_free(struct emu *e)
{
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			emu_pool_fini(&e->pools[k][n]);
}

/* The shape of the machine for the fault parser: sizes, nodes, frames per pool. */
static void
emu_shape(const struct emu *e, struct hm_probe *out, bool limited)
{
	const struct hm_emu_topology *t = &e->topo;

	memset(out, 0, sizeof(*out));
	out->n_nodes = t->n_nodes;
	out->n_sizes = t->n_sizes;
	for (unsigned int k = 0; k < t->n_sizes; k++) {
		out->sizes[k].page_sz = t->sizes[k].page_sz;
		for (unsigned int n = 0; n < t->n_nodes; n++) {
			uint32_t total = e->pools[k][n].total;
			out->sizes[k].num_pages[n] = limited ? emu_fault_limit(&e->fault, k, n, total) : total;
		}
	}
	out->n_lcores = t->n_lcores;
	memcpy(out->lcore_node, t->lcore_node, sizeof(out->lcore_node));
	out->has_pa = true;
}

/* ================================ page handles ================================ */

/* handle = "EM" << 48 | size index << 40 | node << 32 | frame; 0 is never valid. */
#define HANDLE_MAGIC 0x454dULL
_Static_assert(HM_MAX_PAGE_SIZES <= 256 && HM_MAX_NUMA_NODES <= 256, "handle fields are 8 bits");
_Static_assert(HM_EMU_MAX_PAGES <= UINT32_MAX, "frame field is 32 bits");

static uint64_t
handle_make(unsigned int k, unsigned int node, uint32_t frame)
{
	return HANDLE_MAGIC << 48 | (uint64_t)k << 40 | (uint64_t)node << 32 | frame;
}

/* Decode and check @p h against this instance and @p page_sz; NULL if foreign. */
static struct pool *
handle_pool(struct emu *e, uint64_t h, uint64_t page_sz, unsigned int *k, unsigned int *node,
	    uint32_t *frame)
{
	struct pool *pool;

	*k = (unsigned int)(h >> 40) & 0xff;
	*node = (unsigned int)(h >> 32) & 0xff;
	*frame = (uint32_t)h;
	if ((h >> 48) != HANDLE_MAGIC || *k >= e->topo.n_sizes || *node >= e->topo.n_nodes)
		return NULL;
	pool = &e->pools[*k][*node];
	if (pool->page_sz != page_sz || *frame >= pool->total)
		return NULL;
	return pool;
}

/* ================================ page files ================================ */

/* `<prefix>map_<tag><KiB>k_<node>_<frame>`: the file's name inside the page dir. */
static int
page_name(const struct emu *e, const struct pool *pool, unsigned int node, uint32_t frame,
	  char *buf, size_t len)
{
	int rc = hm_snprintf(buf, len, "%smap_%s%" PRIu64 "k_%u_%" PRIu32, e->prefix, e->tag,
			     pool->page_sz >> 10, node, frame);
	if (rc < 0)
		return hm_fail(ENAMETOOLONG, "emu: page file name in %s is too long", e->pagedir);
	return 0;
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * (Re)create and open the page directory: mode 0700, and it must be a private
 * directory (ours, not a symlink, not writable by others) whoever made it.
 */
static int
pagedir_open(struct emu *e, const char *rd)
{
	struct stat st;
	int fd, err, rc;

	/* someone else's directory under the name: say whose before trying to open it */
	if (lstat(e->pagedir, &st) == 0 && (rc = hm_dir_check(e->pagedir, &st, true)) < 0)
		goto taken;
	if (mkdir(e->pagedir, 0700) != 0 && errno != EEXIST) {
		err = errno;
		return hm_fail(err, "emu: cannot create page directory %s: %s (runtime dir %s is "
			       "not on tmpfs; without /dev/shm use in-memory mode)", e->pagedir,
			       strerror(err), rd);
	}
	fd = open(e->pagedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return hm_fail(err, "emu: cannot open page directory %s: %s%s", e->pagedir,
			       strerror(err), err == ELOOP ? " (a symlink: not followed)" : "");
	}
	rc = fstat(fd, &st) != 0 ? hm_fail(errno, "cannot stat %s: %s", e->pagedir,
					    strerror(errno)) :
	     hm_dir_check(e->pagedir, &st, true);
	if (rc < 0) {
		close(fd);
		goto taken;
	}
	if (e->dir_fd >= 0)
		close(e->dir_fd);
	e->dir_fd = fd;
	return 0;
taken:
	return hm_fail(-rc, "emu: page directory: %s. Another user may have taken the name: "
		       "give hugemem a runtime dir on tmpfs (--runtime-dir or "
		       "$HUGEMEM_RUNTIME_DIR, e.g. under $XDG_RUNTIME_DIR) and the pages go to "
		       "<runtime dir>/<prefix>/pages, or use --in-memory", hm_last_error());
}

/* Remove a name that is not a page file of any live process (or a dead one's). */
static void
remove_entry(const struct emu *e, const char *name, const char *why)
{
	if (why != NULL)
		HM_LOG(WARNING, "emu: %s/%s: %s; removed", e->pagedir, name, why);
	if (unlinkat(e->dir_fd, name, 0) != 0 && errno != ENOENT &&
	    unlinkat(e->dir_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		HM_LOG(WARNING, "emu: cannot remove %s/%s: %s", e->pagedir, name, strerror(errno));
}

/*
 * Delete the `<prefix>map_*` files nobody maps (a dead run's), under an
 * exclusive lock of the directory (page_create holds it shared from creating a
 * file to locking it). A page file is locked shared for as long as any process
 * maps it (the mapping keeps the lock after the fd is closed), so the files of
 * a live process of the same prefix (a --no-shconf run next to a primary) stay.
 */
static void
pagedir_clean(struct emu *e)
{
	size_t plen = strlen(e->prefix);
	struct dirent *de;
	DIR *d;
	int fd;

	if (flock(e->dir_fd, LOCK_EX) != 0) {
		HM_LOG(WARNING, "emu: cannot lock %s (%s): leftover page files stay", e->pagedir,
		       strerror(errno));
		return;
	}
	fd = dup(e->dir_fd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		HM_LOG(WARNING, "emu: cannot read %s (%s): leftover page files stay", e->pagedir,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		flock(e->dir_fd, LOCK_UN);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, e->prefix, plen) != 0 ||
		    strncmp(de->d_name + plen, "map_", 4) != 0)
			continue;
		int f = hm_open_private(e->dir_fd, de->d_name, O_RDONLY, 0, 0, NULL);
		if (f == -ELOOP || f == -EPERM) {
			/* a symlink, FIFO, directory or another user's file under our name
			 * is no page of ours: never followed or reused */
			remove_entry(e, de->d_name, hm_last_error());
			continue;
		}
		if (f < 0)
			continue;
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			HM_LOG(DEBUG, "emu: removing leftover page file %s/%s", e->pagedir,
			       de->d_name);
			remove_entry(e, de->d_name, NULL);
		} else {
			HM_LOG(INFO, "emu: %s/%s is mapped by a live process; left alone",
			       e->pagedir, de->d_name);
		}
		close(f);
	}
	closedir(d);
	flock(e->dir_fd, LOCK_UN);
}

/* Choose, create, check and (primary) clean the page directory. */
static int
pagedir_setup(struct emu *e, const struct hm_backend_params *params)
{
	const char *rd = params->runtime_dir;
	struct statfs sfs;
	int err, rc;

	if (rd == NULL)
		return hm_fail(EINVAL, "emu: runtime_dir is required unless in_memory is set");
	if (statfs(rd, &sfs) != 0) {
		err = errno;
		return hm_fail(err, "emu: cannot statfs runtime dir %s: %s", rd, strerror(err));
	}
	/* off tmpfs, a per-user name under /dev/shm: another user's runs never share it */
	if (sfs.f_type == TMPFS_MAGIC)
		rc = hm_snprintf(e->pagedir, sizeof(e->pagedir), "%s/pages", rd);
	else
		rc = hm_snprintf(e->pagedir, sizeof(e->pagedir), "/dev/shm/hugemem-%u-%016" PRIx64,
				 (unsigned int)geteuid(), fnv1a(rd));
	if (rc < 0)
		return hm_fail(ENAMETOOLONG, "emu: runtime dir path %s is too long", rd);
	rc = pagedir_open(e, rd);
	if (rc < 0)
		return rc;
	if (!params->secondary)
		pagedir_clean(e);
	return 0;
}

/*
 * Allocate the blocks of a @p size-byte page file now, so that a full
 * tmpfs (or memory cgroup) is -ENOMEM here and not SIGBUS on some later touch.
 */
static int
page_commit(const struct emu *e, int fd, uint64_t size, const char *what)
{
	char szs[16];
	int err;

	do {
		err = posix_fallocate(fd, 0, (off_t)size);
	} while (err == EINTR);
	if (err == 0)
		return 0;
	hm_size_str(size, szs, sizeof(szs));
	if (err == ENOSPC || err == ENOMEM || err == EFBIG)
		return hm_fail(ENOMEM, "emu: no room for a %s page in %s: %s (%s)", szs,
			       e->pagedir, strerror(err),
			       "the tmpfs holding the page directory is full");
	return hm_fail(err, "emu: cannot allocate %s (%s): %s", what, szs, strerror(err));
}

/*
 * Create the page file of a frame: O_EXCL|O_NOFOLLOW, so a planted name is
 * never opened. A leftover under the name is removed only when nobody maps it;
 * one a live process maps is -EBUSY. The new file is locked shared before the
 * directory's shared lock is dropped, so no cleaner can take it in between.
 * @return the fd (blocks allocated) or -errno; *created tells whether the name
 * is ours to remove on failure.
 */
static int
page_file_create(struct emu *e, const char *name, const char *rd, uint64_t size, bool *created)
{
	int fd = -1, err = 0, rc;

	*created = false;
	for (int attempt = 0; attempt < 4 && fd < 0; attempt++) {
		if (flock(e->dir_fd, LOCK_SH) != 0) {
			err = errno;
			return hm_fail(err, "emu: cannot lock %s: %s", e->pagedir, strerror(err));
		}
		fd = openat(e->dir_fd, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW,
			    0600);
		err = errno;
		if (fd >= 0) {
			*created = true;
			if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
				err = errno;
				flock(e->dir_fd, LOCK_UN);
				close(fd);
				unlinkat(e->dir_fd, name, 0);
				*created = false;
				return hm_fail(err, "emu: cannot lock page file %s/%s: %s",
					       e->pagedir, name, strerror(err));
			}
			flock(e->dir_fd, LOCK_UN);
			break;
		}
		if (err == EEXIST && !e->secondary) {
			int old = hm_open_private(e->dir_fd, name, O_RDONLY, 0, 0, NULL);
			if (old >= 0 && flock(old, LOCK_EX | LOCK_NB) != 0) {
				close(old);
				flock(e->dir_fd, LOCK_UN);
				return hm_fail(EBUSY, "emu: page file %s/%s is mapped by another live "
					       "process (another primary with --file-prefix=%s?)",
					       e->pagedir, name, e->prefix);
			}
			/* a dead run's file, or anything but a file of ours: replace it */
			HM_LOG(DEBUG, "emu: replacing leftover %s/%s", e->pagedir, name);
			remove_entry(e, name, NULL);
			if (old >= 0)
				close(old);
		}
		flock(e->dir_fd, LOCK_UN);
		if (err == ENOENT) {
			/* the directory went (another instance removed it once empty) */
			rc = pagedir_open(e, rd);
			if (rc < 0)
				return rc;
		} else if (err != EEXIST || e->secondary) {
			break;
		}
	}
	if (fd < 0)
		return hm_fail(err, "emu: cannot create page file %s/%s: %s", e->pagedir, name,
			       strerror(err));
	rc = page_commit(e, fd, size, name);
	if (rc < 0) {
		unlinkat(e->dir_fd, name, 0);
		*created = false;
		close(fd);
		return rc;
	}
	return fd;
}

/* A fresh page file of pool->page_sz zero bytes (blocks allocated) for frame;
 * *created when a page file with the frame's name was made (remove it on failure). */
static int
page_create(struct emu *e, const struct pool *pool, unsigned int node, uint32_t frame,
	    const char *rd, bool *created)
{
	char name[NAME_MAX + 1];
	int rc;

	*created = false;
	rc = page_name(e, pool, node, frame, name, sizeof(name));
	if (rc < 0)
		return rc;
	return page_file_create(e, name, rd, pool->page_sz, created);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/*
 * In-memory mode: private anonymous memory at @p va, madvised MADV_HUGEPAGE, then
 * populated, so that no memory (or memory cgroup) is -ENOMEM here, as a full
 * tmpfs is for page files. A kernel without MADV_POPULATE_WRITE (EINVAL) leaves
 * it to the first touch. @return 0 or -errno; on failure @p va is reserved again.
 */
static int
page_anon_map(void *va, uint64_t size)
{
	char szs[16];
	void *p;
	int err;

	p = mmap(va, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (p == MAP_FAILED) {
		err = errno;
		hm_va_rereserve(va, size); /* MAP_FIXED may have dropped it */
		return hm_fail(err, "emu: cannot map a %s page at %p: %s",
			       hm_size_str(size, szs, sizeof(szs)), va, strerror(err));
	}
	HM_ASSERT(p == va);
	(void)madvise(va, size, MADV_HUGEPAGE); /* a request: see backing.c */
	do {
		err = madvise(va, size, MADV_POPULATE_WRITE) == 0 ? 0 : errno;
	} while (err == EINTR);
	if (err == 0 || err == EINVAL)
		return 0;
	hm_va_rereserve(va, size);
	hm_size_str(size, szs, sizeof(szs));
	if (err == ENOMEM || err == EFAULT || err == EHWPOISON)
		return hm_fail(ENOMEM, "emu: no room for a %s page in memory: %s (memory or the "
			       "memory cgroup is exhausted)", szs, strerror(err));
	return hm_fail(err, "emu: cannot populate a %s page: %s", szs, strerror(err));
}

/* Remove the page file of a frame this process maps (called before unmapping it:
 * while our lock holds, the name is still ours). */
static void
page_remove(const struct emu *e, const struct pool *pool, unsigned int node, uint32_t frame)
{
	char name[NAME_MAX + 1];

	if (e->in_memory || page_name(e, pool, node, frame, name, sizeof(name)) < 0)
		return;
	if (unlinkat(e->dir_fd, name, 0) != 0 && errno != ENOENT)
		HM_LOG(WARNING, "emu: cannot remove page file %s/%s: %s", e->pagedir, name,
		       strerror(errno));
}

/* ================================= page fds ================================= */

/* Close the fd page_fd handed out for (handle, va), if any. */
static void
fd_forget(struct emu *e, uint64_t handle, const void *va)
{
	pthread_mutex_lock(&e->fd_lock);
	for (size_t i = 0; i < e->n_fds; i++) {
		if (e->fds[i].handle != handle || e->fds[i].va != va)
			continue;
		close(e->fds[i].fd);
		e->fds[i] = e->fds[--e->n_fds];
		break;
	}
	pthread_mutex_unlock(&e->fd_lock);
}

static void
fd_forget_all(struct emu *e)
{
	for (size_t i = 0; i < e->n_fds; i++)
		close(e->fds[i].fd);
	free(e->fds);
	e->fds = NULL;
	e->n_fds = e->cap_fds = 0;
}

/*
 * The page's file, reopened by name (page_map closed its fd so that a topology
 * of many small pages does not run out of fds) and kept until page_unmap.
 */
static int
emu_page_fd(struct hm_backend *be, const struct hm_page *pg, uint64_t *offset)
{
	struct emu *e;
	struct pool *pool;
	struct stat st;
	char name[NAME_MAX + 1];
	unsigned int k, node;
	uint32_t frame;
	void **va;
	int fd = -1, rc;

	if (be == NULL || be->priv == NULL || pg == NULL || offset == NULL)
		return hm_fail(EINVAL, "emu: page_fd needs a backend, a page and an offset");
	e = be->priv;
	if (e->in_memory)
		return hm_fail(ENOTSUP, "emu: in-memory pages are anonymous memory: no page fds");
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	if (pool == NULL)
		return hm_fail(EINVAL, "emu: page_fd: handle 0x%" PRIx64 " is not an emu page",
			       pg->handle);
	va = emu_pool_va(pool, frame);
	/* a primary's page: its frame maps there; a secondary's: attached by handle */
	if (!e->secondary && (va == NULL || *va != pg->va))
		return hm_fail(EINVAL, "emu: page_fd: %p is not a page this process mapped", pg->va);
	pthread_mutex_lock(&e->fd_lock);
	for (size_t i = 0; i < e->n_fds && fd < 0; i++)
		if (e->fds[i].handle == pg->handle && e->fds[i].va == pg->va)
			fd = e->fds[i].fd;
	if (fd >= 0)
		goto out;
	if (e->n_fds == e->cap_fds) {
		size_t cap = e->cap_fds != 0 ? e->cap_fds * 2 : 16;
		struct page_fd_ent *n = realloc(e->fds, cap * sizeof(*n));
		if (n == NULL) {
			fd = hm_fail(ENOMEM, "emu: page_fd: out of memory");
			goto out;
		}
		e->fds = n;
		e->cap_fds = cap;
	}
	rc = page_name(e, pool, node, frame, name, sizeof(name));
	if (rc < 0) {
		fd = rc;
		goto out;
	}
	fd = hm_open_private(e->dir_fd, name, O_RDWR, 0, HM_PRIV_NOSHARE, &st);
	if (fd < 0) {
		fd = hm_fail(-fd, "emu: page_fd: page file in %s: %s", e->pagedir, hm_last_error());
		goto out;
	}
	if ((uint64_t)st.st_size != pool->page_sz) {
		close(fd);
		fd = hm_fail(EIO, "emu: page_fd: page file %s/%s is not %" PRIu64 " bytes",
			     e->pagedir, name, pool->page_sz);
		goto out;
	}
	e->fds[e->n_fds++] = (struct page_fd_ent){ pg->handle, pg->va, fd };
out:
	pthread_mutex_unlock(&e->fd_lock);
	if (fd >= 0)
		*offset = 0;
	return fd;
}

/* ================================== the ops ================================== */

static void emu_destroy(struct hm_backend *be);

static int
emu_create(struct hm_backend *be, const struct hm_backend_params *params)
{
	static unsigned int seq; /* instances of this process, for private names */
	struct hm_backend tmp;
	struct hm_probe shape;
	struct emu *e;
	int rc;

	if (be == NULL || params == NULL)
		return hm_fail(EINVAL, "emu: create needs a backend and parameters");
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return hm_fail(ENOMEM, "emu: out of memory");
	tmp.ops = be->ops;
	tmp.priv = e;
	e->dir_fd = -1;
	pthread_mutex_init(&e->fd_lock, NULL);
	e->in_memory = params->in_memory;
	e->secondary = params->secondary;
	e->prefix = params->prefix != NULL ? params->prefix : "";
	if (params->no_shconf && !params->in_memory)
		snprintf(e->tag, sizeof(e->tag), "p%ld-%u_", (long)getpid(),
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	e->runtime_dir = params->runtime_dir;
	rc = hm_emu_topology_parse(params->topology, &e->topo);
	if (rc == 0)
		rc = pools_create(e);
	emu_fault_clear(&e->fault, e->topo.seed);
	if (rc == 0 && params->fault != NULL) {
		emu_shape(e, &shape, false);
		rc = emu_fault_apply(&e->fault, params->fault, &shape);
	}
	if (rc == 0 && !e->in_memory)
		rc = pagedir_setup(e, params);
	if (rc < 0) {
		e->pagedir[0] = '\0'; /* nothing mapped: leave the directory alone */
		emu_destroy(&tmp);
		return rc;
	}
	be->priv = e;
	return 0;
}

static void
emu_destroy(struct hm_backend *be)
{
	struct emu *e;

	if (be == NULL || be->priv == NULL)
		return;
	e = be->priv;
	fd_forget_all(e);
	for (unsigned int k = 0; k < e->topo.n_sizes; k++) {
		for (unsigned int n = 0; n < e->topo.n_nodes; n++) {
			struct pool *pool = &e->pools[k][n];
			for (uint32_t i = 0; pool->in_use > 0 && i < pool->total; i++) {
				void **va = emu_pool_va(pool, i);
				if (va == NULL) {
					i += EMU_CHUNK - 1 - i % EMU_CHUNK; /* chunk never built */
					continue;
				}
				if (*va == NULL)
					continue;
				page_remove(e, pool, n, i);
				if (hm_va_rereserve(*va, pool->page_sz) < 0)
					HM_LOG(ERR, "%s", hm_last_error());
				emu_pool_put(pool, i);
			}
		}
	}
	/* removed once empty: another instance's files keep it (it recreates it if
	 * it goes in between) */
	if (e->pagedir[0] != '\0' && !e->secondary && rmdir(e->pagedir) != 0 &&
	    errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
		HM_LOG(WARNING, "emu: cleanup: cannot remove page directory %s: %s", e->pagedir,
		       strerror(errno));
	if (e->dir_fd >= 0)
		close(e->dir_fd);
	pools_free(e);
	pthread_mutex_destroy(&e->fd_lock);
	free(e);
	be->priv = NULL;
}

static int
emu_probe(struct hm_backend *be, struct hm_probe *out)
{
	if (be == NULL || be->priv == NULL || out == NULL)
		return hm_fail(EINVAL, "emu: probe needs a backend and an output");
	emu_shape(be->priv, out, true);
	return 0;
}

/*
 * Argument checks of page_map (@p want_node) and page_attach (the node comes from
 * the handle): size index in *k and the pool, or NULL and a message.
 */
static struct pool *
map_args(struct hm_backend *be, const struct hm_page *pg, const char *op, bool want_node,
	 unsigned int *k)
{
	struct emu *e;
	char szs[16], valid[64];
	size_t off = 0;

	if (be == NULL || be->priv == NULL || pg == NULL)
		return hm_fail_ptr(EINVAL, "emu: %s needs a backend and a page", op);
	e = be->priv;
	for (*k = 0; *k < e->topo.n_sizes; (*k)++)
		if (e->topo.sizes[*k].page_sz == pg->page_sz)
			break;
	if (*k == e->topo.n_sizes) {
		valid[0] = '\0';
		for (unsigned int i = 0; i < e->topo.n_sizes; i++) {
			snprintf(valid + off, sizeof(valid) - off, "%s%s", i > 0 ? ", " : "",
				 hm_size_str(e->topo.sizes[i].page_sz, szs, sizeof(szs)));
			off = strlen(valid);
		}
		return hm_fail_ptr(EINVAL, "emu: %s: page size %" PRIu64 " is not in the topology "
				   "(valid: %s)", op, pg->page_sz, valid);
	}
	if (want_node && (pg->node < 0 || (unsigned int)pg->node >= e->topo.n_nodes))
		return hm_fail_ptr(EINVAL, "emu: %s: node %d does not exist (valid: 0..%u)", op,
				   pg->node, e->topo.n_nodes - 1);
	if (pg->va == NULL || ((uintptr_t)pg->va & (pg->page_sz - 1)) != 0)
		return hm_fail_ptr(EINVAL, "emu: %s: va %p is not aligned to the page size %s", op,
				   pg->va, hm_size_str(pg->page_sz, szs, sizeof(szs)));
	return &e->pools[*k][want_node ? pg->node : 0];
}

static int
emu_page_map(struct hm_backend *be, struct hm_page *pg)
{
	struct emu *e;
	struct pool *pool;
	char szs[16];
	unsigned int k = 0, node;
	uint32_t frame, limit;
	bool created = false;
	int64_t f;
	void *p;
	int fd, err, rc;

	pool = map_args(be, pg, "page_map", true, &k);
	if (pool == NULL)
		return -hm_errno;
	e = be->priv;
	node = (unsigned int)pg->node;
	rc = emu_fault_on_map(&e->fault, node, pg->page_sz);
	if (rc < 0)
		return rc;
	limit = emu_fault_limit(&e->fault, k, node, pool->total);
	if (pool->in_use >= limit) {
		hm_size_str(pg->page_sz, szs, sizeof(szs));
		if (pool->in_use < pool->total) {
			e->fault.injected[FAULT_POOL]++;
			return hm_fail(ENOMEM, "emu: injected fault (pool=%u:%s:%" PRIu32 "): no "
				       "free %s page on node %u (%" PRIu32 " of %" PRIu32 " in use)",
				       node, szs, limit, szs, node, pool->in_use, pool->total);
		}
		return hm_fail(ENOMEM, "emu: no free %s page on node %u (all %" PRIu32 " in use)",
			       szs, node, pool->total);
	}
	f = emu_pool_take(pool);
	if (f < 0)
		return -ENOMEM; /* its chunk's table: the message is recorded */
	frame = (uint32_t)f;
	if (e->in_memory) {
		rc = page_anon_map(pg->va, pool->page_sz);
		if (rc < 0)
			goto fail;
	} else {
		fd = page_create(e, pool, node, frame, e->runtime_dir, &created);
		if (fd < 0) {
			rc = fd;
			goto fail;
		}
		p = mmap(pg->va, pool->page_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
		err = errno;
		close(fd); /* the mapping keeps the file, and our shared lock on it */
		if (p == MAP_FAILED) {
			hm_va_rereserve(pg->va, pool->page_sz); /* MAP_FIXED may have dropped it */
			rc = hm_fail(err, "emu: cannot map a %s page at %p: %s",
				     hm_size_str(pg->page_sz, szs, sizeof(szs)), pg->va,
				     strerror(err));
			goto fail;
		}
		HM_ASSERT(p == pg->va);
		/* THP for a huge=within_size|always tmpfs's mapping (backing.c) */
		(void)madvise(pg->va, pool->page_sz, MADV_HUGEPAGE);
	}
	*emu_pool_va(pool, frame) = pg->va;
	pg->handle = handle_make(k, node, frame);
	rc = emu_pool_pa(pool, frame, &pg->iova);
	HM_ASSERT(rc == 0); /* the frame's chunk is built */
	pg->dirty = false;
	HM_ASSERT_EXPENSIVE(emu_pool_check(pool));
	return 0;
fail:
	if (created)
		page_remove(e, pool, node, frame);
	emu_pool_put(pool, frame);
	HM_ASSERT_EXPENSIVE(emu_pool_check(pool));
	return rc;
}

static void
emu_page_unmap(struct hm_backend *be, const struct hm_page *pg)
{
	struct emu *e;
	struct pool *pool;
	unsigned int k, node;
	uint32_t frame;
	void **va;

	HM_VERIFY(be != NULL && be->priv != NULL && pg != NULL);
	e = be->priv;
	fd_forget(e, pg->handle, pg->va);
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	va = pool != NULL ? emu_pool_va(pool, frame) : NULL;
	if (pool == NULL || va == NULL || *va != pg->va) {
		if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
			HM_LOG(ERR, "%s", hm_last_error());
		if (pool == NULL) {
			HM_LOG(ERR, "emu: page_unmap of %p: foreign handle 0x%" PRIx64, pg->va,
			       pg->handle);
			return;
		}
		/* Attached, not mapped, by this (secondary) process: the owner frees it. */
		HM_ASSERT(e->secondary && "page_unmap of a page this primary did not map");
		return;
	}
	/* the name goes first, while our mapping (and lock) still holds it */
	page_remove(e, pool, node, frame);
	if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	emu_pool_put(pool, frame);
	HM_ASSERT_EXPENSIVE(emu_pool_check(pool));
}

static int
emu_page_move(struct hm_backend *be, struct hm_page *pg, void *new_va)
{
	struct emu *e;
	struct pool *pool;
	unsigned int k, node;
	uint32_t frame;
	void **va;

	HM_VERIFY(be != NULL && be->priv != NULL && pg != NULL);
	e = be->priv;
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	va = pool != NULL ? emu_pool_va(pool, frame) : NULL;
	if (va == NULL || *va != pg->va)
		return hm_fail(EINVAL, "emu: page_move of %p: not a page this process mapped",
			       pg->va);
	if (new_va == NULL || ((uintptr_t)new_va & (pg->page_sz - 1)) != 0)
		return hm_fail(EINVAL, "emu: page_move to %p: not aligned to the page size",
			       new_va);
	/* mremap keeps the mapping (same backing pages, the madvise flag with them) */
	if (mremap(pg->va, pg->page_sz, pg->page_sz, MREMAP_MAYMOVE | MREMAP_FIXED,
		   new_va) == MAP_FAILED)
		return hm_fail(errno, "emu: page_move %p -> %p: %s", pg->va, new_va,
			       strerror(errno));
	if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	*va = new_va;
	pg->va = new_va;
	return 0;
}

static int
emu_page_attach(struct hm_backend *be, struct hm_page *pg)
{
	struct emu *e;
	struct pool *pool;
	struct stat st;
	char name[NAME_MAX + 1], szs[16];
	unsigned int k, node;
	uint32_t frame;
	uint64_t pa;
	void *p;
	int fd, err, rc;

	if (map_args(be, pg, "page_attach", false, &k) == NULL)
		return -hm_errno;
	e = be->priv;
	if (e->in_memory)
		return hm_fail(ENOTSUP, "emu: page_attach needs page files; in-memory mode "
			       "cannot share pages");
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	if (pool == NULL)
		return hm_fail(EINVAL, "emu: page_attach: handle 0x%" PRIx64 " is not an emu page "
			       "of size %s in this topology", pg->handle,
			       hm_size_str(pg->page_sz, szs, sizeof(szs)));
	rc = page_name(e, pool, node, frame, name, sizeof(name));
	if (rc < 0)
		return rc;
	/* only a regular file of ours, mode 0600: never a planted one */
	fd = hm_open_private(e->dir_fd, name, O_RDWR, 0, HM_PRIV_NOSHARE, &st);
	if (fd < 0)
		return hm_fail(-fd, "emu: page_attach: page file in %s: %s", e->pagedir,
			       hm_last_error());
	if ((uint64_t)st.st_size != pool->page_sz) {
		close(fd);
		return hm_fail(EIO, "emu: page_attach: page file %s/%s is not %" PRIu64 " bytes",
			       e->pagedir, name, pool->page_sz);
	}
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		close(fd);
		return hm_fail(ENOENT, "emu: page_attach: page file %s/%s is being removed",
			       e->pagedir, name);
	}
	rc = emu_pool_pa(pool, frame, &pa);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	p = mmap(pg->va, pool->page_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED) {
		hm_va_rereserve(pg->va, pool->page_sz);
		return hm_fail(err, "emu: page_attach: cannot map %s/%s at %p: %s", e->pagedir,
			       name, pg->va, strerror(err));
	}
	pg->node = (int)node;
	pg->iova = pa;
	pg->dirty = false;
	return 0;
}

static int
emu_fault(struct hm_backend *be, const char *spec)
{
	struct emu *e;
	struct hm_probe shape;

	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "emu: fault needs a backend");
	e = be->priv;
	emu_shape(e, &shape, false);
	return emu_fault_apply(&e->fault, spec, &shape);
}

static void
emu_dump(struct hm_backend *be, FILE *f)
{
	struct emu *e;
	struct hm_probe shape;
	char topo[HM_EMU_TOPOLOGY_STR_MAX], szs[16];

	if (be == NULL || be->priv == NULL || f == NULL)
		return;
	e = be->priv;
	if (hm_emu_topology_format(&e->topo, topo, sizeof(topo)) < 0)
		snprintf(topo, sizeof(topo), "?");
	fprintf(f, "emu: topology %s\n", topo);
	fprintf(f, "  pages: %s%s%s\n", e->in_memory ? "anonymous (in-memory)" : e->pagedir,
		e->in_memory ? "" : "/", e->in_memory ? "" : e->prefix);
	for (unsigned int k = 0; k < e->topo.n_sizes; k++) {
		for (unsigned int n = 0; n < e->topo.n_nodes; n++) {
			const struct pool *pool = &e->pools[k][n];
			fprintf(f, "  pool %s node %u: total %" PRIu32 ", in use %" PRIu32
				", limit %" PRIu32 ", pa [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
				hm_size_str(pool->page_sz, szs, sizeof(szs)), n, pool->total,
				pool->in_use, emu_fault_limit(&e->fault, k, n, pool->total),
				pool->base, pool->end);
		}
	}
	for (unsigned int k = 0; k < e->topo.n_sizes; k++) {
		char why[512];
		if (hm_emu_backing_page_size(e->in_memory, e->pagedir, e->topo.sizes[k].page_sz,
					     why, sizeof(why)) >= 0)
			fprintf(f, "  underneath: %s\n", why);
	}
	emu_shape(e, &shape, false);
	emu_fault_dump(&e->fault, f, &shape);
}

static void
emu_counters(struct hm_backend *be, void (*emit)(void *, const char *, uint64_t), void *arg)
{
	const struct emu *e;
	char name[48], szs[16];

	if (be == NULL || be->priv == NULL || emit == NULL)
		return;
	e = be->priv;
	emu_fault_counters(&e->fault, emit, arg);
	for (unsigned int k = 0; k < e->topo.n_sizes; k++)
		for (unsigned int n = 0; n < e->topo.n_nodes; n++) {
			const struct pool *pool = &e->pools[k][n];
			snprintf(name, sizeof(name), "pages_in_use_%s_node%u",
				 hm_size_str(pool->page_sz, szs, sizeof(szs)), n);
			emit(arg, name, pool->in_use);
			snprintf(name, sizeof(name), "pages_total_%s_node%u",
				 hm_size_str(pool->page_sz, szs, sizeof(szs)), n);
			emit(arg, name, pool->total);
		}
}

int
hm_emu_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz)
{
	const struct emu *e;
	char szs[16];

	if (be == NULL || be->ops != &hm_emu_ops || be->priv == NULL)
		return hm_fail(EINVAL, "emu: hm_emu_pages_in_use needs a running emu backend");
	e = be->priv;
	if (node < 0 || (unsigned int)node >= e->topo.n_nodes)
		return hm_fail(EINVAL, "emu: node %d does not exist (valid: 0..%u)", node,
			       e->topo.n_nodes - 1);
	for (unsigned int k = 0; k < e->topo.n_sizes; k++)
		if (e->topo.sizes[k].page_sz == page_sz)
			return (int)e->pools[k][node].in_use;
	return hm_fail(EINVAL, "emu: page size %s is not in the topology",
		       hm_size_str(page_sz, szs, sizeof(szs)));
}

const char *
hm_emu_page_dir(const struct hm_backend *be)
{
	if (be == NULL || be->ops != &hm_emu_ops || be->priv == NULL)
		return hm_fail_ptr(EINVAL, "emu: hm_emu_page_dir needs a running emu backend");
	return ((const struct emu *)be->priv)->pagedir;
}

const struct hm_backend_ops hm_emu_ops = {
	.name = "emu",
	.description = "emulated hugepages on tmpfs or anonymous memory with a declarative NUMA topology "
		       "and synthetic IOVAs",
	.create = emu_create,
	.destroy = emu_destroy,
	.probe = emu_probe,
	.page_map = emu_page_map,
	.page_unmap = emu_page_unmap,
	.page_attach = emu_page_attach,
	.page_move = emu_page_move,
	.page_fd = emu_page_fd,
	.virt2iova = NULL,
	.node_of = NULL,
	.fault = emu_fault,
	.dump = emu_dump,
	.counters = emu_counters,
};
