/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Files and directories another local user must not be able to plant, swap or
 * read (docs/security.md). Every file hugemem truncates, maps or trusts is opened
 * through hm_open_private (no symlink is followed, no FIFO blocks the open, the
 * result is checked on the open fd, so nothing can be swapped in between), and
 * every directory it keeps such files in is checked by hm_dir_check or made by
 * hm_mkdirs_private.
 *
 * Rules (the threat model is in docs/security.md):
 *   private directory:  a directory (not a symlink), owned by the euid, not
 *                       writable by group or other
 *   trusted ancestor:   a directory (or a symlink owned by root or the euid that
 *                       leads to one) owned by root or the euid, writable by
 *                       group or other only with the sticky bit (/tmp)
 *   private file:       a regular file owned by the euid (plus, on request, no
 *                       group/other permission bits and a single link)
 */
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common_i.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

const char *
hm_uid_str(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL &&
	    res->pw_name != NULL)
		snprintf(buf, len, "uid %u (%s)", (unsigned int)uid, res->pw_name);
	else
		snprintf(buf, len, "uid %u", (unsigned int)uid);
	return buf;
}

static const char *
kind_str(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symlink";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "not a regular file";
	}
}

int
hm_file_check(const char *path, const struct stat *st, unsigned int checks)
{
	char who[96], me[96];

	if (!S_ISREG(st->st_mode))
		return hm_fail(ELOOP, "%s is %s, not a regular file", path, kind_str(st->st_mode));
	if (st->st_uid != geteuid())
		return hm_fail(EPERM, "%s is owned by %s, not by %s", path,
			       hm_uid_str(st->st_uid, who, sizeof(who)),
			       hm_uid_str(geteuid(), me, sizeof(me)));
	if ((checks & HM_PRIV_NOSHARE) && (st->st_mode & 077) != 0)
		return hm_fail(EPERM, "%s has mode %04o: group or other users may use it",
			       path, (unsigned int)(st->st_mode & 07777));
	if ((checks & HM_PRIV_ONELINK) && st->st_nlink != 1)
		return hm_fail(EPERM, "%s has %lu hard links: another name reaches the same "
			       "file", path, (unsigned long)st->st_nlink);
	return 0;
}

int
hm_open_private(int dir_fd, const char *name, int flags, mode_t mode, unsigned int checks,
		struct stat *st_out)
{
	struct stat st;
	int fd, err, rc;

	fd = openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP)
			return hm_fail(ELOOP, "%s is a symlink, not a regular file (not followed)",
				       name);
		return hm_fail(err, "cannot open %s: %s", name, strerror(err));
	}
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return hm_fail(err, "cannot stat %s: %s", name, strerror(err));
	}
	rc = hm_file_check(name, &st, checks);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	/* O_NONBLOCK only kept a FIFO from blocking the open; drop it */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
		err = errno;
		close(fd);
		return hm_fail(err, "cannot clear O_NONBLOCK on %s: %s", name, strerror(err));
	}
	if (st_out != NULL)
		*st_out = st;
	return fd;
}

int
hm_dir_check(const char *path, const struct stat *st, bool own)
{
	char who[96], me[96];
	uid_t eu = geteuid();

	if (!S_ISDIR(st->st_mode))
		return hm_fail(ENOTDIR, "%s is %s, not a directory", path, kind_str(st->st_mode));
	if (own) {
		if (st->st_uid != eu)
			return hm_fail(EACCES, "%s is owned by %s, not by %s", path,
				       hm_uid_str(st->st_uid, who, sizeof(who)),
				       hm_uid_str(eu, me, sizeof(me)));
		if ((st->st_mode & 022) != 0)
			return hm_fail(EACCES, "%s has mode %04o: group or other users can write "
				       "in it (chmod 700 it)", path,
				       (unsigned int)(st->st_mode & 07777));
		return 0;
	}
	if (st->st_uid != eu && st->st_uid != 0)
		return hm_fail(EACCES, "%s is owned by %s, neither root nor %s: that user could "
			       "swap what lies below it", path,
			       hm_uid_str(st->st_uid, who, sizeof(who)),
			       hm_uid_str(eu, me, sizeof(me)));
	if ((st->st_mode & 022) != 0 && (st->st_mode & S_ISVTX) == 0)
		return hm_fail(EACCES, "%s has mode %04o: writable by group or other without "
			       "the sticky bit, so anyone could swap what lies below it", path,
			       (unsigned int)(st->st_mode & 07777));
	return 0;
}

/* Check one existing level @p p of a path; @p last: the directory itself. */
static int
check_level(const char *p, bool last, bool *saw_link)
{
	struct stat st;
	char who[96];
	int err;

	if (lstat(p, &st) != 0) {
		err = errno;
		return hm_fail(err, "cannot stat %s: %s", p, strerror(err));
	}
	if (S_ISLNK(st.st_mode)) {
		if (last)
			return hm_fail(ELOOP, "%s is a symlink: the directory itself must not be "
				       "one", p);
		if (st.st_uid != geteuid() && st.st_uid != 0)
			return hm_fail(EACCES, "%s is a symlink owned by %s: that user could "
				       "point it elsewhere", p, hm_uid_str(st.st_uid, who,
									   sizeof(who)));
		*saw_link = true;
		if (stat(p, &st) != 0) {
			err = errno;
			return hm_fail(err, "cannot follow %s: %s", p, strerror(err));
		}
	}
	return hm_dir_check(p, &st, last);
}

/* mkdir of the level @p p (its first @p len bytes) failed with @p err: say who
 * owns the level above when that is why (another user took a shared name). */
static int
mkdir_failed(const char *p, size_t len, int err)
{
	char parent[PATH_MAX], who[96];
	struct stat st;
	char *slash;

	snprintf(parent, sizeof(parent), "%.*s", (int)len, p);
	slash = strrchr(parent, '/');
	if ((err == EACCES || err == EPERM) && slash != NULL) {
		if (slash == parent)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(parent, &st) == 0)
			return hm_fail(err, "cannot create %s: %s (%s is owned by %s, mode %04o)",
				       p, strerror(err), parent, hm_uid_str(st.st_uid, who, sizeof(who)),
				       (unsigned int)(st.st_mode & 07777));
	}
	return hm_fail(err, "cannot create %s: %s", p, strerror(err));
}

/* Walk the levels of absolute @p path; mkdir (0700) the missing ones when @p make. */
static int
walk(const char *path, bool make, size_t *made_len, bool *saw_link)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);
	int rc, err;

	if (hm_snprintf(tmp, sizeof(tmp), "%s", path) < 0)
		return hm_fail(ENAMETOOLONG, "path %.64s... is too long", path);
	for (size_t i = 1; i <= n; i++) {
		bool last = i == n;
		if (!last && tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (make && mkdir(tmp, 0700) == 0) {
			if (*made_len == 0)
				*made_len = i;
		} else if (make && errno != EEXIST) {
			err = errno;
			return mkdir_failed(tmp, i, err);
		} else {
			rc = check_level(tmp, last, saw_link);
			if (rc < 0)
				return rc;
		}
		if (!last)
			tmp[i] = '/';
	}
	return 0;
}

int
hm_mkdirs_private(const char *path, size_t *made_len)
{
	char real[PATH_MAX];
	bool saw_link = false;
	size_t ignore = 0;
	int rc;

	*made_len = 0;
	if (path[0] != '/')
		return hm_fail(EINVAL, "%s is not an absolute path", path);
	rc = walk(path, true, made_len, &saw_link);
	if (rc == 0 && saw_link) {
		/* a symlink on the way: the directories it leads to must pass too */
		if (realpath(path, real) == NULL)
			rc = hm_fail(errno, "cannot resolve %s: %s", path, strerror(errno));
		else
			rc = walk(real, false, &ignore, &saw_link);
	}
	if (rc < 0) {
		char why[512];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		hm_rmdirs_made(path, *made_len);
		*made_len = 0;
		hm_fail(-rc, "%s", why);
	}
	return rc;
}

int
hm_rmdirs_made(const char *path, size_t made_len)
{
	char tmp[PATH_MAX];
	int failed = 0;

	if (made_len == 0 || hm_snprintf(tmp, sizeof(tmp), "%s", path) < 0)
		return 0;
	while (strlen(tmp) >= made_len) {
		char *slash;
		if (rmdir(tmp) != 0) {
			int err = errno;
			/* a level above the innermost one that still holds something holds
			 * someone else's entries (another prefix): not a failure */
			if (err == ENOTEMPTY && strcmp(tmp, path) != 0) {
				HM_LOG(DEBUG, "keeping %s: it holds other entries", tmp);
			} else {
				HM_LOG(WARNING, "cleanup: cannot remove directory %s: %s", tmp,
				       strerror(err));
				failed++;
			}
			break;
		}
		slash = strrchr(tmp, '/');
		if (slash == NULL || slash == tmp)
			break;
		*slash = '\0';
	}
	return failed;
}

int
hm_path_normalize(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	if (in == NULL || in[0] != '/')
		return hm_fail(EINVAL, "'%s' is not an absolute path", in != NULL ? in : "(null)");
	while (*p != '\0') {
		const char *e;
		size_t n;
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return hm_fail(EINVAL, "'%s' has a '.' or '..' component", in);
		if (o + 1 + n + 1 > len)
			return hm_fail(ENAMETOOLONG, "path '%.64s...' is too long", in);
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	if (o == 0) {
		if (len < 2)
			return hm_fail(ENAMETOOLONG, "path buffer too small");
		out[o++] = '/';
	}
	out[o] = '\0';
	return 0;
}

int
hm_file_size(int fd, uint64_t size)
{
	struct statfs sfs;
	int err;

	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC) {
		do {
			err = posix_fallocate(fd, 0, (off_t)size);
		} while (err == EINTR);
		return err == 0 ? 0 : -(err == ENOSPC ? ENOMEM : err);
	}
	return ftruncate(fd, (off_t)size) == 0 ? 0 : -errno;
}
