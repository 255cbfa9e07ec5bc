/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs: the file system tree. Inodes live in a slot table (ino =
 * slot + 1, a generation per slot so a reused number is a new file to the
 * kernel); directories keep their entries in insertion order with strictly
 * increasing readdir cookies. The fixed part (root, control, the sysfs/procfs
 * files, one directory per page size) is built at init and never removed; the
 * page areas below the size directories hold whatever clients create.
 * Page data, sizing and the generated files are in pages.c.
 *
 * Lifetime of an inode: it holds pages while it has a name (nlink > 0) or an
 * opener (nopen > 0), and exists while the kernel references it too
 * (nlookup > 0). inode_reap() applies both rules after every change.
 *
 * Invariants (fs_tree_check):
 *   every directory entry names a live inode; a directory's entries have
 *   distinct names and increasing cookies below next_cookie
 *   FS_REG/FS_LNK/FS_SPECIAL: nlink == entries naming it
 *   FS_DIR: nlink == 2 + subdirectories, parent is the directory naming it
 *   a page file's pages: HAVE pages hold distinct frames of pool (k, node);
 *   summed over files they equal each pool's in_use
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fusefs_i.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef XATTR_CREATE
#define XATTR_CREATE 1
#define XATTR_REPLACE 2
#endif

#define NAME_MAX_LEN 255

HM_INTERNAL void fs_pages_free(struct fs_tree *t, struct fs_inode *n);

static struct timespec
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

struct fs_inode *
fs_get(const struct fs_tree *t, uint64_t ino)
{
	if (ino == 0 || ino > t->n_slots)
		return NULL;
	return t->slots[ino - 1].n;
}

static bool
is_dir(const struct fs_inode *n)
{
	return n->kind == FS_ROOT || n->kind == FS_VDIR || n->kind == FS_DIR;
}

/* A new inode in a free slot; NULL on ENOMEM. */
static struct fs_inode *
inode_new(struct fs_tree *t, enum fs_kind kind, mode_t mode, uid_t uid, gid_t gid)
{
	struct fs_inode *n = calloc(1, sizeof(*n));
	uint64_t i;

	if (n == NULL)
		return NULL;
	for (i = t->free_hint; i < t->n_slots && t->slots[i].n != NULL; i++)
		;
	if (i == t->n_slots) {
		if (t->n_slots == t->cap_slots) {
			uint64_t cap = t->cap_slots != 0 ? t->cap_slots * 2 : 64;
			struct fs_slot *s = realloc(t->slots, cap * sizeof(*s));
			if (s == NULL) {
				free(n);
				return NULL;
			}
			memset(s + t->cap_slots, 0, (cap - t->cap_slots) * sizeof(*s));
			t->slots = s;
			t->cap_slots = cap;
		}
		t->n_slots++;
	}
	t->free_hint = i + 1;
	t->slots[i].n = n;
	n->ino = i + 1;
	n->gen = ++t->slots[i].gen;
	n->kind = kind;
	n->mode = mode;
	n->uid = uid;
	n->gid = gid;
	n->nlink = 1;
	n->atime = n->mtime = n->ctime = now();
	n->k = -1;
	n->node = -1;
	n->data_fd = -1;
	n->pref_node = -1;
	t->n_inodes++;
	return n;
}

static void
inode_destroy(struct fs_tree *t, struct fs_inode *n)
{
	for (uint32_t i = 0; i < n->n_ents; i++)
		free(n->ents[i].name);
	free(n->ents);
	free(n->target);
	if (n->data_fd >= 0)
		close(n->data_fd);
	free(n->pages);
	t->slots[n->ino - 1].n = NULL;
	if (n->ino - 1 < t->free_hint)
		t->free_hint = n->ino - 1;
	t->n_inodes--;
	free(n);
}

/* Pages go back when nameless and closed; the inode when the kernel forgot it too. */
static void
inode_reap(struct fs_tree *t, struct fs_inode *n)
{
	if (n->nlink > 0 || n->nopen > 0)
		return;
	if (n->kind == FS_REG)
		fs_pages_free(t, n);
	if (n->nlookup == 0)
		inode_destroy(t, n);
}

static int
dir_find(const struct fs_inode *dir, const char *name)
{
	for (uint32_t i = 0; i < dir->n_ents; i++)
		if (strcmp(dir->ents[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
dir_add(struct fs_inode *dir, const char *name, uint64_t ino)
{
	char *copy;

	if (dir->n_ents == dir->cap_ents) {
		uint32_t cap = dir->cap_ents != 0 ? dir->cap_ents * 2 : 8;
		struct fs_dirent *e = realloc(dir->ents, cap * sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		dir->ents = e;
		dir->cap_ents = cap;
	}
	copy = strdup(name);
	if (copy == NULL)
		return -ENOMEM;
	if (dir->next_cookie < 3)
		dir->next_cookie = 3; /* 1 and 2 are "." and ".." */
	dir->ents[dir->n_ents++] = (struct fs_dirent){ copy, ino, dir->next_cookie++ };
	dir->mtime = dir->ctime = now();
	return 0;
}

static void
dir_del(struct fs_inode *dir, int idx)
{
	free(dir->ents[idx].name);
	memmove(&dir->ents[idx], &dir->ents[idx + 1],
		(dir->n_ents - (uint32_t)idx - 1) * sizeof(dir->ents[0]));
	dir->n_ents--;
	dir->mtime = dir->ctime = now();
}

int64_t
fs_dir_next(const struct fs_inode *dir, uint64_t off)
{
	uint32_t lo = 0, hi = dir->n_ents;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (dir->ents[mid].cookie <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < dir->n_ents ? (int64_t)lo : -1;
}

/* A fixed node under @p parent (built at init; never removed). */
static struct fs_inode *
fixed(struct fs_tree *t, struct fs_inode *parent, const char *name, enum fs_kind kind, mode_t mode)
{
	struct fs_inode *n = inode_new(t, kind, mode, t->owner_uid, t->owner_gid);

	if (n == NULL)
		return NULL;
	if (dir_add(parent, name, n->ino) < 0) {
		inode_destroy(t, n);
		return NULL;
	}
	if (is_dir(n)) {
		n->nlink = 2;
		n->parent = parent->ino;
		parent->nlink++;
	}
	return n;
}

/* mkdir -p of fixed directories under @p from, @p path relative ("a/b/c"). */
static struct fs_inode *
vdirs(struct fs_tree *t, struct fs_inode *from, const char *path)
{
	char buf[256], *save = NULL;
	struct fs_inode *d = from;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *c = strtok_r(buf, "/", &save); c != NULL && d != NULL;
	     c = strtok_r(NULL, "/", &save)) {
		int i = dir_find(d, c);
		d = i >= 0 ? fs_get(t, d->ents[i].ino) : fixed(t, d, c, FS_VDIR, S_IFDIR | 0555);
	}
	return d;
}

static struct fs_inode *
vfile(struct fs_tree *t, struct fs_inode *dir, const char *name, enum fs_vfile vf, int k, int node)
{
	struct fs_inode *n = dir != NULL ? fixed(t, dir, name, FS_VFILE, S_IFREG | 0444) : NULL;

	if (n != NULL) {
		n->vf = vf;
		n->k = k;
		n->node = node;
	}
	return n;
}

static int
build(struct fs_tree *t)
{
	static const char *const gnames[] = { "nr_hugepages", "free_hugepages", "resv_hugepages",
					      "surplus_hugepages", "nr_overcommit_hugepages" };
	static const char *const nnames[] = { "nr_hugepages", "free_hugepages",
					      "surplus_hugepages" };
	struct fs_inode *root, *n, *d;
	char path[128], szs[16];

	root = inode_new(t, FS_ROOT, S_IFDIR | 0755, t->owner_uid, t->owner_gid);
	if (root == NULL)
		return -ENOMEM;
	root->nlink = 2;
	root->parent = root->ino;
	root->nlookup = 1; /* the kernel's root reference, never forgotten */
	HM_VERIFY(root->ino == 1);
	n = fixed(t, root, "control", FS_CONTROL, S_IFREG | 0644);
	if (n == NULL)
		return -ENOMEM;
	t->control_ino = n->ino;
	n = fixed(t, root, "hold", FS_HOLD, S_IFREG | 0600);
	if (n == NULL)
		return -ENOMEM;
	t->hold_ino = n->ino;
	for (unsigned int k = 0; k < t->m.topo.n_sizes; k++) {
		uint64_t kb = t->m.topo.sizes[k].page_sz / HM_KB;
		n = fixed(t, root, hm_size_str(t->m.topo.sizes[k].page_sz, szs, sizeof(szs)), FS_DIR,
			  S_IFDIR | 0755);
		if (n == NULL)
			return -ENOMEM;
		n->k = (int)k;
		t->size_dir[k] = n->ino;
		snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB", kb);
		d = vdirs(t, root, path);
		for (unsigned int i = 0; i < 5; i++)
			if (vfile(t, d, gnames[i], (enum fs_vfile)(FS_V_NR + i), (int)k, -1) == NULL)
				return -ENOMEM;
		for (unsigned int nd = 0; nd < t->m.topo.n_nodes; nd++) {
			snprintf(path, sizeof(path), "sys/devices/system/node/node%u/hugepages/"
				 "hugepages-%" PRIu64 "kB", nd, kb);
			d = vdirs(t, root, path);
			for (unsigned int i = 0; i < 3; i++)
				if (vfile(t, d, nnames[i], (enum fs_vfile)(FS_V_NODE_NR + i), (int)k,
					  (int)nd) == NULL)
					return -ENOMEM;
		}
	}
	for (unsigned int nd = 0; nd < t->m.topo.n_nodes; nd++) {
		snprintf(path, sizeof(path), "sys/devices/system/node/node%u", nd);
		if (vfile(t, vdirs(t, root, path), "cpulist", FS_V_CPULIST, -1, (int)nd) == NULL)
			return -ENOMEM;
	}
	d = vdirs(t, root, "proc");
	if (vfile(t, d, "mounts", FS_V_MOUNTS, -1, -1) == NULL ||
	    vfile(t, d, "meminfo", FS_V_MEMINFO, -1, -1) == NULL)
		return -ENOMEM;
	return 0;
}

int
fs_tree_init(struct fs_tree *t, const char *mountpoint, const char *topo, const char *spec,
	     uid_t uid, gid_t gid)
{
	int rc;

	if (t == NULL || mountpoint == NULL || mountpoint[0] != '/')
		return hm_fail(EINVAL, "fusefs: the mount point must be an absolute path");
	memset(t, 0, sizeof(*t));
	if (hm_snprintf(t->mountpoint, sizeof(t->mountpoint), "%s", mountpoint) < 0)
		return hm_fail(ENAMETOOLONG, "fusefs: mount point '%s' is too long", mountpoint);
	rc = fs_machine_init(&t->m, topo, spec);
	if (rc < 0)
		return rc;
	t->owner_uid = uid;
	t->owner_gid = gid;
	rc = build(t);
	if (rc < 0) {
		fs_tree_fini(t);
		return hm_fail(-rc, "fusefs: out of memory building the tree");
	}
	return 0;
}

void
fs_tree_fini(struct fs_tree *t)
{
	if (t == NULL)
		return;
	for (uint64_t i = 0; i < t->n_slots; i++) {
		struct fs_inode *n = t->slots[i].n;
		if (n == NULL)
			continue;
		if (n->kind == FS_REG)
			fs_pages_free(t, n);
		inode_destroy(t, n);
	}
	free(t->slots);
	t->slots = NULL;
	t->n_slots = t->cap_slots = 0;
	fs_hold_fini(t);
	fs_machine_fini(&t->m);
}

void
fs_stat(const struct fs_tree *t, const struct fs_inode *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_rdev = n->rdev;
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
	st->st_blksize = 4096;
	if (n->kind == FS_REG) {
		uint64_t P = t->m.topo.sizes[n->k].page_sz, held = 0;
		for (uint64_t i = 0; i < n->size / P; i++)
			held += n->pages[i].state == FS_PG_HAVE;
		st->st_size = (off_t)n->size;
		st->st_blksize = (blksize_t)(P < (1ULL << 30) ? P : (1ULL << 30));
		st->st_blocks = (blkcnt_t)(held * (P / 512));
	} else if (n->kind == FS_LNK) {
		st->st_size = (off_t)strlen(n->target);
	} else if (is_dir(n)) {
		st->st_size = 4096;
	}
}

int
fs_lookup(struct fs_tree *t, uint64_t parent, const char *name, struct fs_inode **out)
{
	struct fs_inode *d = fs_get(t, parent), *n;
	int i;

	if (d == NULL)
		return -ENOENT;
	if (!is_dir(d))
		return -ENOTDIR;
	if (strlen(name) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	if (strcmp(name, ".") == 0) {
		n = d;
	} else if (strcmp(name, "..") == 0) {
		n = fs_get(t, d->parent);
	} else {
		i = dir_find(d, name);
		n = i >= 0 ? fs_get(t, d->ents[i].ino) : NULL;
	}
	if (n == NULL)
		return -ENOENT;
	n->nlookup++;
	*out = n;
	return 0;
}

void
fs_forget(struct fs_tree *t, uint64_t ino, uint64_t count)
{
	struct fs_inode *n = fs_get(t, ino);

	if (n == NULL || ino == 1)
		return;
	n->nlookup = count < n->nlookup ? n->nlookup - count : 0;
	inode_reap(t, n);
}

/* The page-area directory @p parent, or -errno. */
static int
page_area(struct fs_tree *t, uint64_t parent, struct fs_inode **out)
{
	struct fs_inode *d = fs_get(t, parent);

	if (d == NULL)
		return -ENOENT;
	if (!is_dir(d))
		return -ENOTDIR;
	if (d->kind != FS_DIR)
		return -EPERM; /* the root and the sysfs/procfs tree are fixed */
	if (d->nlink == 0)
		return -ENOENT; /* removed, still open */
	*out = d;
	return 0;
}

int
fs_mknod(struct fs_tree *t, uint64_t parent, const char *name, mode_t mode, uid_t uid, gid_t gid,
	 const char *target, struct fs_inode **out)
{
	struct fs_inode *d, *n;
	enum fs_kind kind;
	int rc;

	rc = page_area(t, parent, &d);
	if (rc < 0)
		return rc;
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	if (strlen(name) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	if (dir_find(d, name) >= 0)
		return -EEXIST;
	switch (mode & S_IFMT) {
	case S_IFREG:
		kind = FS_REG;
		break;
	case S_IFDIR:
		kind = FS_DIR;
		break;
	case S_IFLNK:
		if (target == NULL || strlen(target) >= 4096)
			return -ENAMETOOLONG;
		kind = FS_LNK;
		break;
	case S_IFIFO:
	case S_IFSOCK:
		kind = FS_SPECIAL;
		break;
	default:
		return -EPERM; /* device nodes: not on this file system */
	}
	n = inode_new(t, kind, mode, uid, gid);
	if (n == NULL)
		return -ENOMEM;
	n->k = d->k;
	if (kind == FS_LNK) {
		n->target = strdup(target);
		if (n->target == NULL) {
			inode_destroy(t, n);
			return -ENOMEM;
		}
	}
	rc = dir_add(d, name, n->ino);
	if (rc < 0) {
		inode_destroy(t, n);
		return rc;
	}
	if (kind == FS_DIR) {
		n->nlink = 2;
		n->parent = d->ino;
		d->nlink++;
	}
	n->nlookup = 1;
	*out = n;
	return 0;
}

int
fs_remove(struct fs_tree *t, uint64_t parent, const char *name, bool want_dir)
{
	struct fs_inode *d, *n;
	int rc, i;

	rc = page_area(t, parent, &d);
	if (rc < 0) {
		struct fs_inode *p = fs_get(t, parent);
		/* a name that does not exist is ENOENT wherever it is looked for */
		if (rc == -EPERM && p != NULL && dir_find(p, name) < 0)
			return -ENOENT;
		return rc;
	}
	i = dir_find(d, name);
	if (i < 0)
		return -ENOENT;
	n = fs_get(t, d->ents[i].ino);
	HM_VERIFY(n != NULL);
	if (want_dir && n->kind != FS_DIR)
		return -ENOTDIR;
	if (!want_dir && n->kind == FS_DIR)
		return -EISDIR;
	if (want_dir && n->n_ents > 0)
		return -ENOTEMPTY;
	dir_del(d, i);
	n->ctime = now();
	if (want_dir) {
		n->nlink = 0;
		d->nlink--;
	} else {
		n->nlink--;
	}
	inode_reap(t, n);
	return 0;
}

int
fs_link(struct fs_tree *t, uint64_t ino, uint64_t newparent, const char *newname,
	struct fs_inode **out)
{
	struct fs_inode *n = fs_get(t, ino), *d;
	int rc;

	if (n == NULL)
		return -ENOENT;
	rc = page_area(t, newparent, &d);
	if (rc < 0)
		return rc;
	if (is_dir(n))
		return -EPERM;
	if (n->kind == FS_VFILE || n->kind == FS_CONTROL || n->kind == FS_HOLD || n->nlink == 0)
		return n->nlink == 0 ? -ENOENT : -EPERM;
	if (n->k != d->k)
		return -EXDEV;
	if (newname[0] == '\0' || strchr(newname, '/') != NULL)
		return -EINVAL;
	if (strlen(newname) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	if (dir_find(d, newname) >= 0)
		return -EEXIST;
	rc = dir_add(d, newname, n->ino);
	if (rc < 0)
		return rc;
	n->nlink++;
	n->nlookup++;
	n->ctime = now();
	*out = n;
	return 0;
}

/* Whether @p anc is @p ino or one of its ancestors. */
static bool
is_ancestor(const struct fs_tree *t, uint64_t anc, uint64_t ino)
{
	for (unsigned int depth = 0; depth < 4096; depth++) {
		const struct fs_inode *n = fs_get(t, ino);
		if (ino == anc)
			return true;
		if (n == NULL || n->parent == ino || n->kind != FS_DIR)
			return false;
		ino = n->parent;
	}
	return true;
}

int
fs_rename(struct fs_tree *t, uint64_t parent, const char *name, uint64_t newparent,
	  const char *newname, unsigned int flags)
{
	struct fs_inode *d, *nd, *n, *old = NULL;
	int rc, i, j;

	if ((flags & ~(unsigned int)RENAME_NOREPLACE) != 0)
		return -EINVAL;
	rc = page_area(t, parent, &d);
	if (rc == 0)
		rc = page_area(t, newparent, &nd);
	if (rc < 0)
		return rc;
	if (d->k != nd->k)
		return -EXDEV; /* two hugetlbfs mounts */
	if (strlen(newname) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	i = dir_find(d, name);
	if (i < 0)
		return -ENOENT;
	n = fs_get(t, d->ents[i].ino);
	j = dir_find(nd, newname);
	if (j >= 0) {
		old = fs_get(t, nd->ents[j].ino);
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if (old == n)
			return 0; /* two names of one inode: nothing to do (POSIX) */
		if (n->kind == FS_DIR && old->kind != FS_DIR)
			return -ENOTDIR;
		if (n->kind != FS_DIR && old->kind == FS_DIR)
			return -EISDIR;
		if (old->kind == FS_DIR && old->n_ents > 0)
			return -ENOTEMPTY;
	}
	if (n->kind == FS_DIR && is_ancestor(t, n->ino, nd->ino))
		return -EINVAL;
	if (old != NULL) {
		dir_del(nd, j);
		if (old->kind == FS_DIR) {
			old->nlink = 0;
			nd->nlink--;
		} else {
			old->nlink--;
		}
		old->ctime = now();
	}
	rc = dir_add(nd, newname, n->ino);
	if (rc < 0) {
		if (old != NULL)
			inode_reap(t, old); /* the replaced name is gone; the file keeps its own */
		return rc;
	}
	dir_del(d, dir_find(d, name)); /* newname != name here, or old == n returned */
	if (n->kind == FS_DIR && d != nd) {
		d->nlink--;
		nd->nlink++;
		n->parent = nd->ino;
	}
	n->ctime = now();
	if (old != NULL)
		inode_reap(t, old);
	return 0;
}

int
fs_setattr(struct fs_tree *t, uint64_t ino, unsigned int valid, const struct stat *st)
{
	struct fs_inode *n = fs_get(t, ino);

	if (n == NULL)
		return -ENOENT;
	if (n->kind == FS_ROOT || n->kind == FS_VDIR || n->kind == FS_VFILE ||
	    n->kind == FS_HOLD)
		return -EPERM; /* the hold file stays 0600: only its owner holds */
	if (valid & FS_SET_MODE)
		n->mode = (n->mode & S_IFMT) | (st->st_mode & 07777);
	if (valid & FS_SET_UID)
		n->uid = st->st_uid;
	if (valid & FS_SET_GID)
		n->gid = st->st_gid;
	if (valid & FS_SET_ATIME)
		n->atime = st->st_atim;
	if (valid & FS_SET_MTIME)
		n->mtime = st->st_mtim;
	n->ctime = now();
	return 0;
}

void
fs_open(struct fs_tree *t, uint64_t ino)
{
	struct fs_inode *n = fs_get(t, ino);

	if (n != NULL)
		n->nopen++;
}

void
fs_release(struct fs_tree *t, uint64_t ino)
{
	struct fs_inode *n = fs_get(t, ino);

	if (n == NULL || n->nopen == 0)
		return;
	n->nopen--;
	inode_reap(t, n);
}

/* ================================== xattrs ================================== */

/* Copy @p s (length @p n) out under the size protocol: size 0 asks the length. */
static ssize_t
xattr_out(const char *s, size_t n, char *buf, size_t size)
{
	if (size == 0)
		return (ssize_t)n;
	if (size < n)
		return -ERANGE;
	memcpy(buf, s, n);
	return (ssize_t)n;
}

ssize_t
fs_getxattr(struct fs_tree *t, uint64_t ino, const char *name, char *buf, size_t size)
{
	struct fs_inode *n = fs_get(t, ino);
	char tmp[96];
	int len;

	if (n == NULL)
		return -ENOENT;
	if (n->kind != FS_REG)
		return -ENODATA;
	if (strcmp(name, HM_FUSEFS_XATTR_NODE) == 0) {
		if (n->pref_node < 0)
			return -ENODATA;
		len = snprintf(tmp, sizeof(tmp), "%d", n->pref_node);
		return xattr_out(tmp, (size_t)len, buf, size);
	}
	if (strncmp(name, HM_FUSEFS_XATTR_PAGE, strlen(HM_FUSEFS_XATTR_PAGE)) == 0) {
		uint64_t P = t->m.topo.sizes[n->k].page_sz, idx;
		const struct fs_page *pg;
		if (hm_parse_u64(name + strlen(HM_FUSEFS_XATTR_PAGE), UINT64_MAX, &idx) < 0 ||
		    idx >= n->size / P)
			return -ENODATA;
		pg = &n->pages[idx];
		if (pg->state != FS_PG_HAVE)
			return -ENODATA;
		len = snprintf(tmp, sizeof(tmp), "node=%u pa=0x%" PRIx64, pg->node,
			       t->m.pools[n->k][pg->node].pa[pg->frame]);
		return xattr_out(tmp, (size_t)len, buf, size);
	}
	if (strcmp(name, HM_FUSEFS_XATTR_PAGES) == 0) {
		uint64_t P = t->m.topo.sizes[n->k].page_sz, np = n->size / P, need = 0;
		char *all;
		ssize_t rc;
		for (uint64_t i = 0; i < np; i++)
			need += n->pages[i].state == FS_PG_HAVE ? 64 : 0;
		all = malloc(need + 1);
		if (all == NULL)
			return -ENOMEM;
		need = 0;
		for (uint64_t i = 0; i < np; i++) {
			const struct fs_page *pg = &n->pages[i];
			if (pg->state == FS_PG_HAVE)
				need += (uint64_t)snprintf(all + need, 64, "%" PRIu64 " %u 0x%" PRIx64
							   "\n", i, pg->node,
							   t->m.pools[n->k][pg->node].pa[pg->frame]);
		}
		rc = xattr_out(all, need, buf, size);
		free(all);
		return rc;
	}
	return -ENODATA;
}

int
fs_setxattr(struct fs_tree *t, uint64_t ino, const char *name, const char *val, size_t size,
	    int flags)
{
	struct fs_inode *n = fs_get(t, ino);
	char tmp[32];
	uint64_t v;

	if (n == NULL)
		return -ENOENT;
	if (n->kind == FS_REG && strcmp(name, HM_FUSEFS_XATTR_NODE) == 0) {
		if ((flags & XATTR_CREATE) && n->pref_node >= 0)
			return -EEXIST;
		if ((flags & XATTR_REPLACE) && n->pref_node < 0)
			return -ENODATA;
		if (size == 0 || size >= sizeof(tmp))
			return -EINVAL;
		memcpy(tmp, val, size);
		tmp[size] = '\0';
		if (hm_parse_u64(tmp, t->m.topo.n_nodes - 1, &v) < 0)
			return -EINVAL;
		n->pref_node = (int)v;
		n->ctime = now();
		return 0;
	}
	if (n->kind == FS_REG && (strcmp(name, HM_FUSEFS_XATTR_PAGES) == 0 ||
				  strncmp(name, HM_FUSEFS_XATTR_PAGE,
					  strlen(HM_FUSEFS_XATTR_PAGE)) == 0))
		return -EPERM; /* read-only: the machine decides where pages are */
	return -EOPNOTSUPP;
}

ssize_t
fs_listxattr(struct fs_tree *t, uint64_t ino, char *buf, size_t size)
{
	struct fs_inode *n = fs_get(t, ino);
	char tmp[64];
	size_t o = 0;

	if (n == NULL)
		return -ENOENT;
	if (n->kind != FS_REG)
		return xattr_out("", 0, buf, size);
	if (n->pref_node >= 0) {
		memcpy(tmp, HM_FUSEFS_XATTR_NODE, sizeof(HM_FUSEFS_XATTR_NODE));
		o += sizeof(HM_FUSEFS_XATTR_NODE);
	}
	memcpy(tmp + o, HM_FUSEFS_XATTR_PAGES, sizeof(HM_FUSEFS_XATTR_PAGES));
	o += sizeof(HM_FUSEFS_XATTR_PAGES);
	return xattr_out(tmp, o, buf, size);
}

int
fs_removexattr(struct fs_tree *t, uint64_t ino, const char *name)
{
	struct fs_inode *n = fs_get(t, ino);

	if (n == NULL)
		return -ENOENT;
	if (n->kind == FS_REG && strcmp(name, HM_FUSEFS_XATTR_NODE) == 0) {
		if (n->pref_node < 0)
			return -ENODATA;
		n->pref_node = -1;
		return 0;
	}
	if (n->kind == FS_REG && (strcmp(name, HM_FUSEFS_XATTR_PAGES) == 0 ||
				  strncmp(name, HM_FUSEFS_XATTR_PAGE,
					  strlen(HM_FUSEFS_XATTR_PAGE)) == 0))
		return -EPERM;
	return -ENODATA;
}

void
fs_statfs(const struct fs_tree *t, uint64_t ino, struct statvfs *out)
{
	const struct fs_inode *n = fs_get(t, ino);

	memset(out, 0, sizeof(*out));
	out->f_namemax = NAME_MAX_LEN;
	out->f_files = 1ULL << 20;
	out->f_ffree = out->f_favail = t->n_inodes < out->f_files ? out->f_files - t->n_inodes : 0;
	if (n == NULL || n->k < 0 || n->kind == FS_VFILE) {
		out->f_bsize = out->f_frsize = 4096;
		return;
	}
	out->f_bsize = out->f_frsize = t->m.topo.sizes[n->k].page_sz;
	for (unsigned int nd = 0; nd < t->m.topo.n_nodes; nd++) {
		uint64_t nr, fr, su;
		fs_pool_counts(&t->m, (unsigned int)n->k, nd, &nr, &fr, &su);
		out->f_blocks += nr;
		out->f_bfree += fr;
	}
	out->f_bavail = out->f_bfree;
}

/* ================================= validator ================================= */

int
fs_tree_check(const struct fs_tree *t, const char **reason)
{
	static _Thread_local char msg[200];
	uint64_t *held[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES] = { { NULL } };
	uint32_t counts[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES] = { { 0 } };
	uint32_t *names = calloc(t->n_slots + 1, sizeof(uint32_t));
	uint32_t *subdirs = calloc(t->n_slots + 1, sizeof(uint32_t));
	uint64_t live = 0;
	int rc = -EFAULT;

	msg[0] = '\0';
	if (names == NULL || subdirs == NULL) {
		snprintf(msg, sizeof(msg), "out of memory for the check");
		goto out;
	}
	for (unsigned int k = 0; k < t->m.topo.n_sizes; k++)
		for (unsigned int n = 0; n < t->m.topo.n_nodes; n++) {
			held[k][n] = calloc((t->m.pools[k][n].total + 63) / 64 + 1, sizeof(uint64_t));
			if (held[k][n] == NULL) {
				snprintf(msg, sizeof(msg), "out of memory for the check");
				goto out;
			}
		}
	for (uint64_t s = 0; s < t->n_slots; s++) {
		const struct fs_inode *n = t->slots[s].n;
		if (n == NULL)
			continue;
		live++;
		if (n->ino != s + 1) {
			snprintf(msg, sizeof(msg), "inode in slot %" PRIu64 " says ino %" PRIu64, s,
				 n->ino);
			goto out;
		}
		for (uint32_t i = 0; i < n->n_ents; i++) {
			const struct fs_inode *c = fs_get(t, n->ents[i].ino);
			if (c == NULL) {
				snprintf(msg, sizeof(msg), "dir %" PRIu64 " entry '%s' names a dead "
					 "inode %" PRIu64, n->ino, n->ents[i].name, n->ents[i].ino);
				goto out;
			}
			if (n->ents[i].cookie >= n->next_cookie ||
			    (i > 0 && n->ents[i].cookie <= n->ents[i - 1].cookie)) {
				snprintf(msg, sizeof(msg), "dir %" PRIu64 ": cookies out of order",
					 n->ino);
				goto out;
			}
			for (uint32_t j = 0; j < i; j++)
				if (strcmp(n->ents[i].name, n->ents[j].name) == 0) {
					snprintf(msg, sizeof(msg), "dir %" PRIu64 ": name '%s' twice",
						 n->ino, n->ents[i].name);
					goto out;
				}
			names[c->ino]++;
			if (is_dir(c)) {
				subdirs[n->ino]++;
				if (c->parent != n->ino) {
					snprintf(msg, sizeof(msg), "dir %" PRIu64 " has parent %"
						 PRIu64 " but sits in %" PRIu64, c->ino, c->parent,
						 n->ino);
					goto out;
				}
			}
		}
		if (n->kind == FS_REG) {
			uint64_t P = t->m.topo.sizes[n->k].page_sz;
			if (n->size % P != 0) {
				snprintf(msg, sizeof(msg), "file %" PRIu64 " size %" PRIu64 " is not "
					 "a page multiple", n->ino, n->size);
				goto out;
			}
			for (uint64_t i = 0; i < n->size / P; i++) {
				const struct fs_page *pg = &n->pages[i];
				uint64_t *bits;
				if (pg->state != FS_PG_HAVE)
					continue;
				if (pg->node >= t->m.topo.n_nodes ||
				    pg->frame >= t->m.pools[n->k][pg->node].total) {
					snprintf(msg, sizeof(msg), "file %" PRIu64 " page %" PRIu64
						 ": bad frame", n->ino, i);
					goto out;
				}
				bits = held[n->k][pg->node];
				if ((bits[pg->frame / 64] >> (pg->frame % 64)) & 1 ||
				    (t->m.pools[n->k][pg->node].free[pg->frame / 64] >>
				     (pg->frame % 64)) & 1) {
					snprintf(msg, sizeof(msg), "file %" PRIu64 " page %" PRIu64
						 ": frame %" PRIu32 " shared or free", n->ino, i,
						 pg->frame);
					goto out;
				}
				bits[pg->frame / 64] |= 1ULL << (pg->frame % 64);
				counts[n->k][pg->node]++;
			}
		}
	}
	for (uint64_t s = 0; s < t->n_slots; s++) {
		const struct fs_inode *n = t->slots[s].n;
		if (n == NULL || n->kind == FS_ROOT)
			continue;
		if (is_dir(n) ? n->nlink != (n->nlink == 0 ? 0 : 2 + subdirs[n->ino])
			      : n->nlink != names[n->ino]) {
			snprintf(msg, sizeof(msg), "inode %" PRIu64 ": nlink %" PRIu32 " but %"
				 PRIu32 " names / %" PRIu32 " subdirs", n->ino, n->nlink,
				 names[n->ino], subdirs[n->ino]);
			goto out;
		}
	}
	if (live != t->n_inodes) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " live inodes, counter says %" PRIu64, live,
			 t->n_inodes);
		goto out;
	}
	for (unsigned int k = 0; k < t->m.topo.n_sizes; k++)
		for (unsigned int n = 0; n < t->m.topo.n_nodes; n++)
			if (counts[k][n] != t->m.pools[k][n].in_use) {
				snprintf(msg, sizeof(msg), "pool %u/%u: files hold %" PRIu32 " pages, "
					 "in_use %" PRIu32, k, n, counts[k][n],
					 t->m.pools[k][n].in_use);
				goto out;
			}
	rc = fs_hold_check(t, reason);
	if (rc < 0)
		goto done;
	rc = fs_machine_check(&t->m, reason);
	if (rc < 0)
		goto done;
	rc = 0;
	goto done;
out:
	if (reason != NULL)
		*reason = msg;
done:
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			free(held[k][n]);
	free(names);
	free(subdirs);
	return rc;
}
