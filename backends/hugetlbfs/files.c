/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugetlbfs backend: page files and list files in the page directories, the
 * leftover cleaner, and what a refusal of the mount says.
 *
 * Hostile directories (docs/security.md): a hugetlbfs mount may be writable by
 * other users. Every existing name is opened O_NOFOLLOW|O_NONBLOCK and must be a
 * regular file (a symlink, FIFO or directory under our name is removed, never
 * followed or waited on); new files are created O_CREAT|O_EXCL. A leftover is
 * touched only when an exclusive flock succeeds (nobody maps it). Under
 * --huge-unlink=never a leftover is reused only when it is a regular file owned
 * by the euid with no group/other permission bits and a single link; any other is
 * deleted, or, when it cannot be deleted (another user's file in a sticky
 * directory), refused with a message naming its owner.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hugemem/init.h"
#include "hugetlbfs_i.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

/*
 * The oracle hook (fuse backend): on a hugemem-fusefs mount the daemon is told
 * which node a page file is sized for, and in-memory pages are nameless files of
 * the mount instead of memfds.
 */
int
htlb_memfd(struct htlb *h, const struct size_state *s, const char *name)
{
	if (h->has_oracle && h->oracle.memfd != NULL)
		return h->oracle.memfd(h->oracle.ctx, s->page_sz, name);
	return memfd_create(name, MFD_CLOEXEC | MFD_HUGETLB | (s->shift << MFD_HUGE_SHIFT));
}

/* Tell the oracle which node page file @p fd is sized for: 0, or -1 with errno. */
static int
oracle_place(struct htlb *h, int fd, int node)
{
	int rc;

	if (!h->has_oracle || h->oracle.place == NULL)
		return 0;
	rc = h->oracle.place(h->oracle.ctx, fd, node);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int
htlb_size(struct htlb *h, int fd, int node, uint64_t len)
{
	return oracle_place(h, fd, node) != 0 ? -1 : ftruncate(fd, (off_t)len);
}

int
htlb_grow(struct htlb *h, int fd, int node, off_t off, uint64_t len)
{
	return oracle_place(h, fd, node) != 0 ? -1 : fallocate(fd, 0, off, (off_t)len);
}

int
htlb_page_path(const struct htlb *h, unsigned int k, uint32_t list, uint32_t seg, char *buf,
	       size_t len)
{
	int rc = h->sfs ? hm_snprintf(buf, len, "%s/%smap_%" PRIu32, h->sz[k].dir, h->prefix, list) :
		hm_snprintf(buf, len, "%s/%smap_%" PRIu32 "_%" PRIu32, h->sz[k].dir, h->prefix,
			    list, seg);
	if (rc < 0)
		return hm_fail(ENAMETOOLONG, "hugetlbfs: page file name in %s is too long",
			       h->sz[k].dir);
	return 0;
}

int
htlb_open_page_file(int dir_fd, const char *path, int flags)
{
	struct stat st;
	int fd = openat(dir_fd, path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = ELOOP;
		return -1;
	}
	return fd;
}

void
htlb_release_file(int fd, const char *path, bool may_unlink)
{
	if (may_unlink && path != NULL && flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) != 0 &&
	    errno != ENOENT)
		HM_LOG(WARNING, "hugetlbfs: cannot remove page file %s: %s", path, strerror(errno));
	close(fd);
}

bool
htlb_may_unlink(const struct htlb *h)
{
	return !h->secondary && !h->in_memory && h->unlink_mode == HM_HUGE_UNLINK_EXISTING;
}

/* Whether a leftover may be reused under never: a regular file of ours, private. */
static int
reusable(const char *path, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return hm_fail(errno, "cannot stat %s: %s", path, strerror(errno));
	return hm_file_check(path, &st, HM_PRIV_NOSHARE | HM_PRIV_ONELINK);
}

const char *
htlb_quota_note(const struct size_state *s, char *buf, size_t len)
{
	struct statfs sfs;

	buf[0] = '\0';
	if (s->dir_fd < 0 || fstatfs(s->dir_fd, &sfs) != 0 ||
	    (unsigned long)sfs.f_type != (unsigned long)HUGETLBFS_MAGIC)
		return NULL;
	/* no size= gives 0 blocks; min_size= alone gives -1 (no maximum) */
	if (sfs.f_blocks == 0 || sfs.f_blocks == (fsblkcnt_t)-1 || sfs.f_bfree != 0)
		return NULL;
	snprintf(buf, len, "the hugetlbfs mount %s is at its size= quota (%llu MiB): raise it "
		 "(mount -o remount,size=...) or free pages there", s->dir,
		 (unsigned long long)((uint64_t)sfs.f_blocks * (uint64_t)sfs.f_bsize >> 20));
	return buf;
}

/*
 * Clean (or, never mode, count) leftover page files of size @p s under an
 * exclusive lock of the directory. Files a live process holds stay.
 */
int
htlb_clean_dir(struct htlb *h, struct size_state *s)
{
	size_t plen = strlen(h->prefix);
	struct dirent *de;
	DIR *d;
	int fd, err;

	if (flock(s->dir_fd, LOCK_EX) != 0) {
		err = errno;
		return hm_fail(err, "hugetlbfs: cannot lock %s: %s", s->dir, strerror(err));
	}
	fd = dup(s->dir_fd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		err = errno;
		if (fd >= 0)
			close(fd);
		flock(s->dir_fd, LOCK_UN);
		return hm_fail(err, "hugetlbfs: cannot read %s: %s", s->dir, strerror(err));
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char path[PATH_MAX + 256];
		int f;
		if (strncmp(de->d_name, h->prefix, plen) != 0 ||
		    strncmp(de->d_name + plen, "map_", 4) != 0)
			continue;
		f = htlb_open_page_file(s->dir_fd, de->d_name, O_RDONLY);
		if (f < 0 && errno == ELOOP) {
			/* a symlink, FIFO or directory under our name is no page file
			 * of any process: remove it rather than follow it later */
			HM_LOG(WARNING, "hugetlbfs: %s/%s is not a regular file; removed",
			       s->dir, de->d_name);
			if (unlinkat(s->dir_fd, de->d_name, 0) != 0 &&
			    unlinkat(s->dir_fd, de->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
				HM_LOG(WARNING, "hugetlbfs: cannot remove %s/%s: %s", s->dir,
				       de->d_name, strerror(errno));
			continue;
		}
		if (f < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
		if (flock(f, LOCK_EX | LOCK_NB) != 0) {
			HM_LOG(INFO, "hugetlbfs: %s is in use by a live process; left alone", path);
		} else if (h->unlink_mode == HM_HUGE_UNLINK_NEVER && reusable(path, f) == 0) {
			if (fstat(f, &st) == 0)
				s->reusable += (uint32_t)((uint64_t)st.st_size / s->page_sz);
		} else {
			if (h->unlink_mode == HM_HUGE_UNLINK_NEVER)
				HM_LOG(WARNING, "hugetlbfs: leftover not reused: %s; removing it",
				       hm_last_error());
			else
				HM_LOG(DEBUG, "hugetlbfs: removing leftover %s", path);
			if (unlinkat(s->dir_fd, de->d_name, 0) != 0 && errno != ENOENT)
				HM_LOG(WARNING, "hugetlbfs: cannot remove leftover %s: %s", path,
				       strerror(errno));
		}
		close(f);
	}
	closedir(d);
	flock(s->dir_fd, LOCK_UN);
	return 0;
}

/*
 * Lock @p fd exclusive, waiting a moment when it is taken: a page file this
 * process freed while another process still mapped it stays (its release could
 * not lock it to unlink it), and that process lets go a moment later (a leaving
 * secondary between its last page sync and its detach, a killed one in its
 * exit). A file still locked after ~2 s belongs to a live user.
 */
static bool
lock_soon(int fd)
{
	for (unsigned int us = 100, waited = 0;; us = us < 50000 ? us * 2 : us) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK || waited >= 2000000)
			return false;
		usleep(us);
		waited += us;
	}
}

/*
 * Deal with what sits at @p path before a new file of ours is made there (the
 * directory is locked shared): nothing; a file a live process maps (-EBUSY); under
 * never, a reusable leftover (*kept: its fd, locked exclusive); anything else that
 * is not a regular file, or that we could lock, is removed; -EPERM when it cannot
 * be, or when we cannot open it to know whether it is live (another user's).
 */
static int
take_leftover(struct htlb *h, const char *path, const char *what, int *kept)
{
	char who[96];
	struct stat st;
	int fd, err;

	*kept = -1;
	fd = htlb_open_page_file(AT_FDCWD, path, O_RDWR);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && errno != ELOOP) {
		/* a file we cannot even open (another user's): whether a live process
		 * maps it is unknown, so it is not ours to delete */
		err = errno;
		if (lstat(path, &st) != 0)
			st.st_uid = (uid_t)-1;
		return hm_fail(err == EACCES ? EPERM : err, "hugetlbfs: %s %s (owned by %s) is "
			       "in the way and cannot be opened: %s; remove it or use another "
			       "--file-prefix", what, path, hm_uid_str(st.st_uid, who, sizeof(who)),
			       strerror(err));
	}
	if (fd >= 0 && !lock_soon(fd)) {
		close(fd);
		return hm_fail(EBUSY, "hugetlbfs: %s %s is in use by another live process "
			       "(another primary with the same --file-prefix?)", what, path);
	}
	if (fd >= 0 && h->unlink_mode == HM_HUGE_UNLINK_NEVER) {
		if (reusable(path, fd) == 0) {
			*kept = fd;
			return 0;
		}
		HM_LOG(WARNING, "hugetlbfs: not reusing %s", hm_last_error());
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		err = errno;
		if (lstat(path, &st) != 0)
			st.st_uid = (uid_t)-1;
		if (fd >= 0)
			close(fd);
		return hm_fail(err == EACCES ? EPERM : err, "hugetlbfs: %s %s (owned by %s) is in "
			       "the way and cannot be removed: %s; remove it or use another "
			       "--file-prefix", what, path, hm_uid_str(st.st_uid, who, sizeof(who)),
			       strerror(err));
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

int
htlb_file_open_page(struct htlb *h, unsigned int k, const struct hm_page *pg, bool *dirty)
{
	struct size_state *s = &h->sz[k];
	char path[PATH_MAX];
	int fd, err, rc;

	rc = htlb_page_path(h, k, pg->list_idx, pg->seg_idx, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (flock(s->dir_fd, LOCK_SH) != 0) {
		err = errno;
		return hm_fail(err, "hugetlbfs: cannot lock %s: %s", s->dir, strerror(err));
	}
	/* Ours to reuse or replace only if nobody maps it (a dead run's file). */
	rc = take_leftover(h, path, "page file", &fd);
	if (rc < 0) {
		flock(s->dir_fd, LOCK_UN);
		return rc;
	}
	*dirty = fd >= 0; /* kept: the shared lock below replaces the exclusive one */
	if (fd < 0)
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err = errno;
		flock(s->dir_fd, LOCK_UN);
		return hm_fail(err, "hugetlbfs: cannot create page file %s: %s", path,
			       strerror(err));
	}
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		err = errno;
		close(fd);
		flock(s->dir_fd, LOCK_UN);
		return hm_fail(EBUSY, "hugetlbfs: cannot lock page file %s: %s", path,
			       strerror(err));
	}
	flock(s->dir_fd, LOCK_UN);
	if (htlb_size(h, fd, pg->node, s->page_sz) != 0) {
		err = errno;
		htlb_release_file(fd, path, !*dirty);
		return hm_fail(err == EINVAL || err == ENOSPC ? ENOMEM : err, "hugetlbfs: cannot size "
			       "page file %s: %s", path, strerror(err));
	}
	if (h->unlink_mode == HM_HUGE_UNLINK_ALWAYS)
		unlink(path);
	return fd;
}

int
htlb_list_file(struct htlb *h, unsigned int k, uint32_t list, bool *dirty)
{
	struct list_files *lf = &h->lists[list];
	struct size_state *s = &h->sz[k];
	char path[PATH_MAX], name[256];
	int fd, err, rc;

	*dirty = lf->fd >= 0 && lf->reused;
	if (lf->fd >= 0)
		return lf->fd;
	if (h->in_memory) {
		snprintf(name, sizeof(name), "%sseg_%" PRIu32, h->prefix, list);
		fd = htlb_memfd(h, s, name);
		if (fd < 0) {
			err = errno;
			return hm_fail(err, "hugetlbfs: memfd_create(%s, MFD_HUGETLB): %s", name,
				       strerror(err));
		}
		lf->fd = fd;
		return fd;
	}
	rc = htlb_page_path(h, k, list, 0, path, sizeof(path));
	if (rc < 0)
		return rc;
	if (flock(s->dir_fd, LOCK_SH) != 0) {
		err = errno;
		return hm_fail(err, "hugetlbfs: cannot lock %s: %s", s->dir, strerror(err));
	}
	/* a dead run's file only: reused (never, if it is privately ours) or replaced */
	rc = take_leftover(h, path, "list file", &fd);
	if (rc < 0) {
		flock(s->dir_fd, LOCK_UN);
		return rc;
	}
	*dirty = fd >= 0;
	if (fd < 0)
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_SH | LOCK_NB) != 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		flock(s->dir_fd, LOCK_UN);
		return hm_fail(err, "hugetlbfs: cannot open list file %s: %s", path, strerror(err));
	}
	flock(s->dir_fd, LOCK_UN);
	lf->fd = fd;
	lf->reused = *dirty; /* later pages of a kept file are as old as the first */
	return fd;
}

void
htlb_list_file_put(struct htlb *h, unsigned int k, uint32_t list)
{
	struct list_files *lf = &h->lists[list];
	char path[PATH_MAX];

	if (lf->count > 0 || lf->fd < 0)
		return;
	if (!h->in_memory && htlb_page_path(h, k, list, 0, path, sizeof(path)) == 0)
		htlb_release_file(lf->fd, path, htlb_may_unlink(h));
	else
		close(lf->fd);
	lf->fd = -1;
	lf->reused = false;
}
