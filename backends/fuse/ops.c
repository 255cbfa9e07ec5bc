/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs: the libfuse low-level callbacks, each a thin translation of a
 * request into tree.c / pages.c and a reply.
 *
 * Choices that make the mount behave like hugetlbfs to the hugetlbfs backend:
 *  - page files are opened in cached mode with keep_cache, so MAP_SHARED works
 *    through the kernel's page cache (shared between every process on the
 *    machine) and write-back of dirty pages reaches the daemon's memfd;
 *    generated files use direct_io (always fresh, size 0 like sysfs);
 *  - no flock/getlk/setlk callbacks: the kernel keeps flock and fcntl locks
 *    locally, which on one machine is exactly hugetlbfs's behaviour;
 *  - default_permissions (daemon.c): the kernel checks modes and owners;
 *  - auto_inval_data off: nothing but the kernel changes file contents;
 *  - entries and attributes are cached for a minute: every change comes
 *    through this kernel (negative lookups are cached too).
 * Fault knobs: latency= delays every request; a die fault (die=N reached while
 * serving a request, or `die` written to the control file) exits the process
 * without replying, as a crash would.
 */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fusefs_i.h"
#include "fusefs_ops.h"

#define TIMEOUT 60.0
#define MAX_IO (1U << 20)

static struct fs_tree *
tree(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Count the request and apply latency=. */
static struct fs_tree *
enter(fuse_req_t req)
{
	struct fs_tree *t = tree(req);

	t->requests++;
	if (t->m.k.latency_us != 0) {
		struct timespec ts = { .tv_sec = t->m.k.latency_us / 1000000,
				       .tv_nsec = (long)(t->m.k.latency_us % 1000000) * 1000 };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	return t;
}

/* A die fault fired: vanish without replying, as a killed daemon does. */
static void
check_die(const struct fs_tree *t)
{
	if (t->m.die_now) {
		fprintf(stderr, "hugemem-fusefs: die fault: exiting without unmounting\n");
		_exit(3);
	}
}

static void
reply_err(fuse_req_t req, int rc)
{
	check_die(tree(req));
	fuse_reply_err(req, rc < 0 ? -rc : rc);
}

static void
reply_entry(fuse_req_t req, const struct fs_inode *n)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.generation = n->gen;
	fs_stat(tree(req), n, &e.attr);
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	check_die(tree(req));
	fuse_reply_entry(req, &e);
}

static void
op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->want &= ~(unsigned int)FUSE_CAP_AUTO_INVAL_DATA;
	conn->want &= ~(unsigned int)FUSE_CAP_WRITEBACK_CACHE;
	if (conn->max_readahead > MAX_IO)
		conn->max_readahead = MAX_IO;
	conn->max_write = MAX_IO;
	conn->time_gran = 1;
}

static void
op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs_tree *t = enter(req);
	struct fs_inode *n;
	int rc = fs_lookup(t, parent, name, &n);

	if (rc == -ENOENT) {
		struct fuse_entry_param e;
		memset(&e, 0, sizeof(e));
		e.entry_timeout = TIMEOUT; /* cached negative entry */
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc < 0)
		reply_err(req, rc);
	else
		reply_entry(req, n);
}

static void
op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	fs_forget(tree(req), ino, nlookup);
	fuse_reply_none(req);
}

static void
op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		fs_forget(tree(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void
op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	struct fs_inode *n = fs_get(t, ino);
	struct stat st;

	(void)fi;
	if (n == NULL) {
		reply_err(req, -ENOENT);
		return;
	}
	fs_stat(t, n, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void
op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	struct fs_inode *n;
	unsigned int valid = 0;
	struct stat st = *attr;
	int rc = 0;

	(void)fi;
	if (to_set & FUSE_SET_ATTR_SIZE) {
		rc = fs_truncate(t, ino, (uint64_t)attr->st_size);
		if (rc < 0) {
			reply_err(req, rc);
			return;
		}
	}
	if (to_set & FUSE_SET_ATTR_MODE)
		valid |= FS_SET_MODE;
	if (to_set & FUSE_SET_ATTR_UID)
		valid |= FS_SET_UID;
	if (to_set & FUSE_SET_ATTR_GID)
		valid |= FS_SET_GID;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) {
		valid |= FS_SET_ATIME;
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			clock_gettime(CLOCK_REALTIME, &st.st_atim);
	}
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
		valid |= FS_SET_MTIME;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			clock_gettime(CLOCK_REALTIME, &st.st_mtim);
	}
	if (valid != 0)
		rc = fs_setattr(t, ino, valid, &st);
	n = fs_get(t, ino);
	if (rc == 0 && n == NULL)
		rc = -ENOENT;
	if (rc < 0) {
		reply_err(req, rc);
		return;
	}
	fs_stat(t, n, &st);
	check_die(t);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void
op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fs_inode *n = fs_get(enter(req), ino);

	if (n == NULL || n->kind != FS_LNK)
		reply_err(req, n == NULL ? -ENOENT : -EINVAL);
	else
		fuse_reply_readlink(req, n->target);
}

static void
make(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, const char *target)
{
	struct fs_tree *t = enter(req);
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct fs_inode *n;
	int rc = fs_mknod(t, parent, name, mode, c->uid, c->gid, target, &n);

	if (rc < 0)
		reply_err(req, rc);
	else
		reply_entry(req, n);
}

static void
op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	(void)rdev;
	make(req, parent, name, mode, NULL);
}

static void
op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make(req, parent, name, S_IFDIR | (mode & 07777), NULL);
}

static void
op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	make(req, parent, name, S_IFLNK | 0777, link);
}

static void
op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	reply_err(req, fs_remove(enter(req), parent, name, false));
}

static void
op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	reply_err(req, fs_remove(enter(req), parent, name, true));
}

static void
op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	  const char *newname, unsigned int flags)
{
	reply_err(req, fs_rename(enter(req), parent, name, newparent, newname, flags));
}

static void
op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	struct fs_inode *n;
	int rc = fs_link(enter(req), ino, newparent, newname, &n);

	if (rc < 0)
		reply_err(req, rc);
	else
		reply_entry(req, n);
}

/* A hold went: the last one of a daemon whose client left ends the session
 * loop (the daemon then unmounts and exits: daemon.c). */
static void
release_hold(struct fs_tree *t, uint64_t fh)
{
	if (fs_hold_release(t, fh) && t->session != NULL)
		fuse_session_exit(t->session);
}

/* Open flags of an inode: cached page files, direct generated files. */
static int
open_inode(struct fs_tree *t, struct fs_inode *n, struct fuse_file_info *fi, int32_t pid)
{
	int rc;

	if (n->kind == FS_REG) {
		if (fi->flags & O_TRUNC) {
			rc = fs_truncate(t, n->ino, 0);
			if (rc < 0)
				return rc;
		}
		fi->keep_cache = 1;
		fi->noflush = 1;
		fi->direct_io = 0;
	} else if (n->kind == FS_VFILE || n->kind == FS_CONTROL) {
		fi->direct_io = 1;
		fi->keep_cache = 0;
	} else if (n->kind == FS_HOLD) {
		uint64_t fh;
		rc = fs_hold_open(t, fi->flags, pid, &fh);
		if (rc < 0)
			return rc;
		fi->fh = fh;
		fi->direct_io = 1;
		fi->keep_cache = 0;
		return 0;
	} else {
		return -EINVAL;
	}
	fs_open(t, n->ino);
	return 0;
}

static void
op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	struct fs_inode *n = fs_get(t, ino);
	int rc = n == NULL ? -ENOENT : open_inode(t, n, fi, (int32_t)fuse_req_ctx(req)->pid);

	if (rc < 0) {
		reply_err(req, rc);
		return;
	}
	check_die(t);
	if (fuse_reply_open(req, fi) != 0) { /* the opener went away (interrupted) */
		if (n->kind == FS_HOLD)
			release_hold(t, fi->fh);
		else
			fs_release(t, ino);
	}
}

static void
op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	  struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct fuse_entry_param e;
	struct fs_inode *n;
	int rc = fs_mknod(t, parent, name, S_IFREG | (mode & 07777), c->uid, c->gid, NULL, &n);

	if (rc == 0)
		rc = open_inode(t, n, fi, (int32_t)c->pid);
	if (rc < 0) {
		reply_err(req, rc);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.generation = n->gen;
	fs_stat(t, n, &e.attr);
	e.attr_timeout = e.entry_timeout = TIMEOUT;
	check_die(t);
	if (fuse_reply_create(req, &e, fi) != 0)
		fs_release(t, n->ino);
}

static void
op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	char *buf;
	ssize_t got;

	if (size > MAX_IO)
		size = MAX_IO;
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL) {
		reply_err(req, -ENOMEM);
		return;
	}
	if (ino == t->hold_ino)
		got = off < 0 ? -EINVAL : fs_hold_read(t, fi->fh, (uint64_t)off, size, buf);
	else
		got = off < 0 ? -EINVAL : fs_read(t, ino, (uint64_t)off, size, buf);
	if (got < 0)
		reply_err(req, (int)got);
	else {
		check_die(t);
		fuse_reply_buf(req, buf, (size_t)got);
	}
	free(buf);
}

static void
op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	 struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	ssize_t put = off < 0 ? -EINVAL : ino == t->hold_ino ? fs_hold_write(t, fi->fh, buf, size) :
		      fs_write(t, ino, (uint64_t)off, buf, size, fi->writepage);

	if (put < 0) {
		reply_err(req, (int)put);
		return;
	}
	check_die(t);
	fuse_reply_write(req, (size_t)put);
}

static void
op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);

	if (ino == t->hold_ino)
		release_hold(t, fi->fh);
	else
		fs_release(t, ino);
	fuse_reply_err(req, 0);
}

static void
op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	(void)fi;
	enter(req);
	fuse_reply_err(req, 0);
}

static void
op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_inode *n = fs_get(enter(req), ino);

	if (n == NULL)
		reply_err(req, -ENOENT);
	else if (n->kind != FS_ROOT && n->kind != FS_VDIR && n->kind != FS_DIR)
		reply_err(req, -ENOTDIR);
	else
		fuse_reply_open(req, fi);
}

static void
op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_tree *t = enter(req);
	struct fs_inode *d = fs_get(t, ino);
	char *buf;
	size_t used = 0;
	struct stat st;

	(void)fi;
	if (d == NULL) {
		reply_err(req, -ENOENT);
		return;
	}
	if (size > MAX_IO)
		size = MAX_IO;
	buf = malloc(size);
	if (buf == NULL) {
		reply_err(req, -ENOMEM);
		return;
	}
	memset(&st, 0, sizeof(st));
	for (uint64_t pos = (uint64_t)off; pos < 2; pos++) {
		size_t n;
		st.st_ino = pos == 0 ? d->ino : d->parent;
		st.st_mode = S_IFDIR;
		n = fuse_add_direntry(req, buf + used, size - used, pos == 0 ? "." : "..", &st,
				      (off_t)pos + 1);
		if (n > size - used)
			goto full;
		used += n;
	}
	for (int64_t i = fs_dir_next(d, (uint64_t)off); i >= 0 && (uint32_t)i < d->n_ents; i++) {
		const struct fs_inode *c = fs_get(t, d->ents[i].ino);
		size_t n;
		st.st_ino = d->ents[i].ino;
		st.st_mode = c != NULL ? c->mode : 0;
		n = fuse_add_direntry(req, buf + used, size - used, d->ents[i].name, &st,
				      (off_t)d->ents[i].cookie);
		if (n > size - used)
			break;
		used += n;
	}
full:
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void
op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void
op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	fs_statfs(enter(req), ino, &sv);
	fuse_reply_statfs(req, &sv);
}

static void
op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
	    int flags)
{
	reply_err(req, fs_setxattr(enter(req), ino, name, value, size, flags));
}

static void
op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct fs_tree *t = enter(req);
	char *buf = size > 0 ? malloc(size) : NULL;
	ssize_t rc;

	if (size > 0 && buf == NULL) {
		reply_err(req, -ENOMEM);
		return;
	}
	rc = fs_getxattr(t, ino, name, buf, size);
	if (rc < 0)
		reply_err(req, (int)rc);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)rc);
	else
		fuse_reply_buf(req, buf, (size_t)rc);
	free(buf);
}

static void
op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct fs_tree *t = enter(req);
	char *buf = size > 0 ? malloc(size) : NULL;
	ssize_t rc;

	if (size > 0 && buf == NULL) {
		reply_err(req, -ENOMEM);
		return;
	}
	rc = fs_listxattr(t, ino, buf, size);
	if (rc < 0)
		reply_err(req, (int)rc);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)rc);
	else
		fuse_reply_buf(req, buf, (size_t)rc);
	free(buf);
}

static void
op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	reply_err(req, fs_removexattr(enter(req), ino, name));
}

static void
op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
	     struct fuse_file_info *fi)
{
	(void)fi;
	if (off < 0 || len <= 0) {
		reply_err(req, -EINVAL);
		return;
	}
	reply_err(req, fs_fallocate(enter(req), ino, mode, (uint64_t)off, (uint64_t)len));
}

const struct fuse_lowlevel_ops fusefs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.release = op_release,
	.fsync = op_fsync,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.statfs = op_statfs,
	.setxattr = op_setxattr,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
	.create = op_create,
	.fallocate = op_fallocate,
};
