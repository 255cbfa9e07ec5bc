/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs: page files and the generated files.
 *
 * A page file of size S in the area of page size P has S / P pages, each a
 * hole (no frame, reads as zeros), lazy (no frame yet; the first read, which is
 * a page fault of some process, takes one) or held (a frame of the (P, node)
 * pool). Its bytes live in a memfd of the daemon created on the first
 * write-back, so MAP_SHARED data survives the kernel dropping its page cache.
 *
 * What hugetlbfs does and what we do:
 *   ftruncate to a size not a multiple of P            EINVAL
 *   growing: hugetlbfs reserves at mmap, we at sizing  ENOSPC (all or nothing),
 *     or, in sigbus mode, at first touch               SIGBUS (read -> EIO)
 *   fallocate(0 / KEEP_SIZE) allocates the range       ENOSPC (all or nothing)
 *   fallocate(PUNCH_HOLE|KEEP_SIZE)                    frees whole pages, zeroes
 *   other fallocate modes                              EOPNOTSUPP
 *   write(2)                                           EINVAL (only write-back)
 *   unlink / truncate: pages back when no opener is left (tree.c inode_reap)
 * A punched page touched again through a mapping reads zeros without taking a
 * frame here (hugetlbfs would allocate one): the kernel's read-around may ask
 * for a neighbour's hole, and taking a frame for that would leak it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fusefs_i.h"

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif

#define MAX_PAGES_PER_FILE (1ULL << 22)
/* fallocate marks the frames it took while it runs (frames are < 2^20) */
#define TAKEN_HERE (1U << 31)

HM_INTERNAL void fs_pages_free(struct fs_tree *t, struct fs_inode *n);

static uint64_t
page_sz(const struct fs_tree *t, const struct fs_inode *n)
{
	return t->m.topo.sizes[n->k].page_sz;
}

static void
page_drop(struct fs_tree *t, struct fs_inode *n, uint64_t i)
{
	struct fs_page *pg = &n->pages[i];

	if (pg->state == FS_PG_HAVE)
		fs_frame_put(&t->m, (unsigned int)n->k, pg->node, pg->frame);
	*pg = (struct fs_page){ .frame = FS_NO_FRAME, .node = 0, .state = FS_PG_HOLE };
}

/* Give every frame of @p n back; the size stays (the file is going away). */
void
fs_pages_free(struct fs_tree *t, struct fs_inode *n)
{
	uint64_t np = n->pages != NULL ? n->size / page_sz(t, n) : 0;

	for (uint64_t i = 0; i < np; i++)
		page_drop(t, n, i);
	if (n->data_fd >= 0) {
		close(n->data_fd);
		n->data_fd = -1;
	}
}

/* Take a frame for page @p i. 0, or -ENOSPC (t->m.die_now may be set). */
static int
page_take(struct fs_tree *t, struct fs_inode *n, uint64_t i)
{
	const char *why;
	uint32_t frame;
	int node, rc;

	rc = fs_frame_take(&t->m, (unsigned int)n->k, n->pref_node, &node, &frame, &why);
	if (rc < 0)
		return rc;
	n->pages[i] = (struct fs_page){ .frame = frame, .node = (uint8_t)node,
					.state = FS_PG_HAVE };
	return 0;
}

static int
resize_data(struct fs_inode *n, uint64_t size)
{
	if (n->data_fd >= 0 && ftruncate(n->data_fd, (off_t)size) != 0)
		return -errno;
	return 0;
}

int
fs_truncate(struct fs_tree *t, uint64_t ino, uint64_t size)
{
	struct fs_inode *n = fs_get(t, ino);
	uint64_t P, old_np, np;
	struct fs_page *pages;
	int rc;

	if (n == NULL)
		return -ENOENT;
	if (n->kind == FS_DIR || n->kind == FS_ROOT || n->kind == FS_VDIR)
		return -EISDIR;
	if (n->kind != FS_REG)
		return n->kind == FS_CONTROL ? 0 : -EPERM; /* `echo spec > control` truncates */
	P = page_sz(t, n);
	if (size % P != 0)
		return -EINVAL; /* hugetlbfs: sizes are whole pages */
	np = size / P;
	old_np = n->size / P;
	if (np > MAX_PAGES_PER_FILE)
		return -EFBIG;
	if (np == old_np)
		return 0;
	if (np < old_np) {
		for (uint64_t i = np; i < old_np; i++)
			page_drop(t, n, i);
		rc = resize_data(n, size);
		if (rc < 0)
			return rc;
		n->size = size;
		clock_gettime(CLOCK_REALTIME, &n->mtime);
		n->ctime = n->mtime;
		return 0;
	}
	pages = realloc(n->pages, np * sizeof(*pages));
	if (pages == NULL)
		return -ENOMEM;
	n->pages = pages;
	for (uint64_t i = old_np; i < np; i++)
		pages[i] = (struct fs_page){ .frame = FS_NO_FRAME,
					     .state = t->m.k.sigbus ? FS_PG_LAZY : FS_PG_HOLE };
	if (!t->m.k.sigbus) {
		for (uint64_t i = old_np; i < np; i++) {
			rc = page_take(t, n, i);
			if (rc < 0) {
				for (uint64_t j = old_np; j < i; j++)
					page_drop(t, n, j);
				return rc;
			}
		}
	}
	rc = resize_data(n, size);
	if (rc < 0) {
		for (uint64_t j = old_np; j < np; j++)
			page_drop(t, n, j);
		return rc;
	}
	n->size = size;
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	n->ctime = n->mtime;
	return 0;
}

int
fs_fallocate(struct fs_tree *t, uint64_t ino, int mode, uint64_t off, uint64_t len)
{
	struct fs_inode *n = fs_get(t, ino);
	uint64_t P, a, b, old_size;
	int rc;

	if (n == NULL)
		return -ENOENT;
	if (n->kind != FS_REG)
		return n->kind == FS_DIR || n->kind == FS_ROOT || n->kind == FS_VDIR ? -EISDIR :
		       -ENODEV;
	if (len == 0 || off + len < off)
		return -EINVAL;
	P = page_sz(t, n);
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
		uint64_t end = off + len < n->size ? off + len : n->size;
		if (off >= end)
			return 0;
		a = HM_ALIGN_CEIL(off, P) / P;
		b = end / P;
		for (uint64_t i = a; i < b; i++)
			page_drop(t, n, i);
		if (n->data_fd >= 0 &&
		    fallocate(n->data_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			      (off_t)(end - off)) != 0)
			return -errno;
		clock_gettime(CLOCK_REALTIME, &n->mtime);
		n->ctime = n->mtime;
		return 0;
	}
	if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (off + len > MAX_PAGES_PER_FILE * P)
		return -EFBIG;
	old_size = n->size;
	b = HM_ALIGN_CEIL(off + len, P) / P;
	if (mode == 0 && b * P > n->size) {
		/* grow with holes first, then fill the range */
		bool sigbus = t->m.k.sigbus;
		t->m.k.sigbus = true; /* no frames at sizing: the range below takes them */
		rc = fs_truncate(t, ino, b * P);
		t->m.k.sigbus = sigbus;
		if (rc < 0)
			return rc;
	}
	a = off / P;
	if (b * P > n->size)
		b = n->size / P; /* KEEP_SIZE past the end: nothing to hold there */
	for (uint64_t i = a; i < b; i++) {
		if (n->pages[i].state == FS_PG_HAVE)
			continue;
		rc = page_take(t, n, i);
		if (rc < 0) {
			/* all or nothing: give back what this call took, and the growth */
			for (uint64_t j = a; j < i; j++)
				if (n->pages[j].state == FS_PG_HAVE &&
				    (n->pages[j].frame & TAKEN_HERE) != 0) {
					n->pages[j].frame &= ~TAKEN_HERE;
					page_drop(t, n, j);
				}
			if (n->size != old_size) {
				bool sigbus = t->m.k.sigbus;
				t->m.k.sigbus = true;
				fs_truncate(t, ino, old_size);
				t->m.k.sigbus = sigbus;
			}
			return rc;
		}
		n->pages[i].frame |= TAKEN_HERE;
	}
	for (uint64_t i = a; i < b; i++)
		n->pages[i].frame &= ~TAKEN_HERE; /* all HAVE now */
	clock_gettime(CLOCK_REALTIME, &n->ctime);
	return 0;
}

/* The memfd of @p n, created (sized) on first use; -errno. */
static int
data_fd(struct fs_inode *n)
{
	if (n->data_fd >= 0)
		return n->data_fd;
	n->data_fd = memfd_create("hugemem-fusefs", MFD_CLOEXEC);
	if (n->data_fd < 0)
		return -errno;
	if (ftruncate(n->data_fd, (off_t)n->size) != 0) {
		int e = errno;
		close(n->data_fd);
		n->data_fd = -1;
		return -e;
	}
	return n->data_fd;
}

/* ============================== generated files ============================== */

/* "0-3,8" of the lcores on @p node. */
static size_t
cpulist(const struct hm_emu_topology *topo, int node, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int l = 0; l < topo->n_lcores && o + 16 < len; l++) {
		unsigned int e = l;
		if (topo->lcore_node[l] != node)
			continue;
		while (e + 1 < topo->n_lcores && topo->lcore_node[e + 1] == node)
			e++;
		o += (size_t)snprintf(buf + o, len - o, "%s%u", o > 0 ? "," : "", l);
		if (e > l)
			o += (size_t)snprintf(buf + o, len - o, "-%u", e);
		l = e;
	}
	o += (size_t)snprintf(buf + o, len - o, "\n");
	return o;
}

/* The mount point with /proc/mounts escapes (space, tab, newline, backslash). */
static void
escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 5 < len; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\\')
			o += (size_t)snprintf(out + o, len - o, "\\%03o", (unsigned char)*in);
		else
			out[o++] = *in;
	}
	out[o] = '\0';
}

/* Default page size for meminfo and mounts without pagesize=: 2M if offered. */
static unsigned int
default_size(const struct fs_machine *m)
{
	int k = fs_size_index(m, 2 * HM_MB);
	return k >= 0 ? (unsigned int)k : 0;
}

/* Render a generated file into a malloc'ed buffer; its length in *len. */
static char *
render(struct fs_tree *t, const struct fs_inode *n, size_t *len)
{
	size_t cap = 4096 + (size_t)t->m.topo.n_sizes * (sizeof(t->mountpoint) * 4 + 128);
	char *buf = malloc(cap), szs[16];
	uint64_t v = 0, nr, fr, su;
	size_t o = 0;

	if (buf == NULL)
		return NULL;
	buf[0] = '\0';
	switch (n->kind == FS_CONTROL ? (enum fs_vfile)-1 : n->vf) {
	case FS_V_NR:
	case FS_V_FREE:
	case FS_V_SURPLUS:
		for (unsigned int nd = 0; nd < t->m.topo.n_nodes; nd++) {
			fs_pool_counts(&t->m, (unsigned int)n->k, nd, &nr, &fr, &su);
			v += n->vf == FS_V_NR ? nr : n->vf == FS_V_FREE ? fr : su;
		}
		o = (size_t)snprintf(buf, cap, "%" PRIu64 "\n", v);
		break;
	case FS_V_RESV:
	case FS_V_OVERCOMMIT:
		o = (size_t)snprintf(buf, cap, "0\n");
		break;
	case FS_V_NODE_NR:
	case FS_V_NODE_FREE:
	case FS_V_NODE_SURPLUS:
		fs_pool_counts(&t->m, (unsigned int)n->k, (unsigned int)n->node, &nr, &fr, &su);
		v = n->vf == FS_V_NODE_NR ? nr : n->vf == FS_V_NODE_FREE ? fr : su;
		o = (size_t)snprintf(buf, cap, "%" PRIu64 "\n", v);
		break;
	case FS_V_CPULIST:
		o = cpulist(&t->m.topo, n->node, buf, cap);
		break;
	case FS_V_MOUNTS: {
		char esc[sizeof(t->mountpoint) * 4];
		escape(t->mountpoint, esc, sizeof(esc));
		for (unsigned int k = 0; k < t->m.topo.n_sizes; k++) {
			hm_size_str(t->m.topo.sizes[k].page_sz, szs, sizeof(szs));
			o += (size_t)snprintf(buf + o, cap - o, "hugemem-fusefs %s%s%s hugetlbfs "
					      "rw,relatime,pagesize=%s 0 0\n", esc,
					      strcmp(esc, "/") == 0 ? "" : "/", szs, szs);
		}
		break;
	}
	case FS_V_MEMINFO: {
		unsigned int k = default_size(&t->m);
		uint64_t tot = 0, fre = 0, sur = 0;
		for (unsigned int nd = 0; nd < t->m.topo.n_nodes; nd++) {
			fs_pool_counts(&t->m, k, nd, &nr, &fr, &su);
			tot += nr;
			fre += fr;
			sur += su;
		}
		o = (size_t)snprintf(buf, cap, "HugePages_Total: %8" PRIu64 "\nHugePages_Free:  %8"
				     PRIu64 "\nHugePages_Rsvd:  %8d\nHugePages_Surp:  %8" PRIu64
				     "\nHugepagesize:    %8" PRIu64 " kB\n", tot, fre, 0, sur,
				     (uint64_t)(t->m.topo.sizes[k].page_sz / HM_KB));
		break;
	}
	default: { /* the control file */
		const char *reason = NULL;
		int rc = fs_tree_check(t, &reason);
		o = (size_t)snprintf(buf, cap, "hugemem-fusefs: mount %s, pid %d, %" PRIu64
				     " requests, %" PRIu64 " inodes\n", t->mountpoint, (int)getpid(),
				     t->requests, t->n_inodes);
		{
			size_t mcap = 8192 + (size_t)t->m.topo.n_sizes * t->m.topo.n_nodes * 160;
			char *s = realloc(buf, cap + mcap);
			if (s == NULL) {
				free(buf);
				return NULL;
			}
			buf = s;
			cap += mcap;
		}
		o += fs_machine_status(&t->m, buf + o, cap - o);
		o += (size_t)snprintf(buf + o, cap - o, "check: %s%s\n", rc == 0 ? "ok" : "FAILED: ",
				      rc == 0 ? "" : reason);
		o += (size_t)snprintf(buf + o, cap - o, "holds: %u (%s)\n",
				      (unsigned int)atomic_load(&t->holds_live),
				      !t->has_client ? "started by hand: runs until stopped" :
				      atomic_load(&t->client_gone) ? "its starter left: stops at 0" :
				      "its starter runs");
		if (t->last_error[0] != '\0')
			o += (size_t)snprintf(buf + o, cap - o, "error: %s\n", t->last_error);
		break;
	}
	}
	*len = o < cap ? o : cap - 1;
	return buf;
}

ssize_t
fs_read(struct fs_tree *t, uint64_t ino, uint64_t off, size_t size, char *buf)
{
	struct fs_inode *n = fs_get(t, ino);
	uint64_t P, end;
	ssize_t got;

	if (n == NULL)
		return -ENOENT;
	if (n->kind == FS_VFILE || n->kind == FS_CONTROL) {
		size_t len;
		char *s = render(t, n, &len);
		if (s == NULL)
			return -ENOMEM;
		if (off >= len) {
			free(s);
			return 0;
		}
		if (size > len - off)
			size = (size_t)(len - off);
		memcpy(buf, s + off, size);
		free(s);
		return (ssize_t)size;
	}
	if (n->kind == FS_HOLD)
		return -EBADF; /* per open: fs_hold_read */
	if (n->kind != FS_REG)
		return n->kind == FS_LNK || n->kind == FS_SPECIAL ? -EINVAL : -EISDIR;
	if (off >= n->size)
		return 0;
	end = off + size < n->size ? off + size : n->size;
	P = page_sz(t, n);
	for (uint64_t i = off / P; i < HM_ALIGN_CEIL(end, P) / P; i++)
		if (n->pages[i].state == FS_PG_LAZY && page_take(t, n, i) < 0)
			return -EIO; /* the faulting process gets SIGBUS */
	size = (size_t)(end - off);
	if (n->data_fd < 0) {
		memset(buf, 0, size);
		return (ssize_t)size;
	}
	got = pread(n->data_fd, buf, size, (off_t)off);
	if (got < 0)
		return -errno;
	if ((size_t)got < size)
		memset(buf + got, 0, size - (size_t)got);
	clock_gettime(CLOCK_REALTIME, &n->atime);
	return (ssize_t)size;
}

ssize_t
fs_write(struct fs_tree *t, uint64_t ino, uint64_t off, const char *buf, size_t size,
	 bool writepage)
{
	struct fs_inode *n = fs_get(t, ino);
	ssize_t put;
	int fd;

	if (n == NULL)
		return -ENOENT;
	if (n->kind == FS_CONTROL) {
		char *spec = malloc(size + 1);
		int rc;
		if (spec == NULL)
			return -ENOMEM;
		memcpy(spec, buf, size);
		spec[size] = '\0';
		rc = fs_machine_apply(&t->m, spec);
		free(spec);
		if (rc < 0) {
			snprintf(t->last_error, sizeof(t->last_error), "%s", hm_last_error());
			return rc;
		}
		t->last_error[0] = '\0';
		return (ssize_t)size;
	}
	if (n->kind == FS_HOLD)
		return -EBADF; /* per open: fs_hold_write */
	if (n->kind != FS_REG)
		return n->kind == FS_VFILE ? -EPERM : -EINVAL;
	if (!writepage)
		return -EINVAL; /* hugetlbfs has no write(2); data comes through mappings */
	(void)off;
	if (off >= n->size)
		return (ssize_t)size; /* write-back past a truncation: nothing to keep */
	if (size > n->size - off)
		size = (size_t)(n->size - off);
	fd = data_fd(n);
	if (fd < 0)
		return fd;
	put = pwrite(fd, buf, size, (off_t)off);
	if (put < 0)
		return -errno;
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	return put;
}
