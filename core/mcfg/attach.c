/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared config, secondary side: find the primary, wait for its init, map the
 * config at the primary's address. Every refusal says what was found and what
 * to do, and leaves nothing mapped or open.
 *
 * Order (DPDK's, eal.c rte_eal_config_attach/reattach):
 *   1. <dir>/config opened without following a symlink; a regular file of ours;
 *   2. mapped read-only anywhere; wait (bounded) for the primary's magic;
 *   3. layout version checked;
 *   4. mapped read-write at exactly mem_cfg_addr (MAP_FIXED_NOREPLACE).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mcfg_i.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static size_t
cfg_size(void)
{
	return HM_ALIGN_CEIL(sizeof(struct hm_mem_config), hm_sys_page_size());
}

static int
config_path(const char *dir, char *path, size_t len)
{
	if (hm_snprintf(path, len, "%s/config", dir) < 0)
		return hm_fail(ENAMETOOLONG, "runtime dir path too long: %s", dir);
	return 0;
}

/* Open <dir>/config read-only, refusing anything but a regular file of ours. */
static int
open_config(const char *path, struct stat *st)
{
	/* read-write: a secondary writes its slot of the process table */
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int err;

	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			return hm_fail(ENODEV, "no primary process is running here: %s does not "
				       "exist (a primary started with --no-shconf or --in-memory "
				       "creates no config and cannot be attached)", path);
		return hm_fail(err, "cannot open %s: %s", path, strerror(err));
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & 0077) != 0) {
		close(fd);
		return hm_fail(EPERM, "%s is not a private regular file of this user: refusing "
			       "to attach to it", path);
	}
	return fd;
}

int
mcfg_primary_running(const char *dir, int32_t *pid)
{
	char path[PATH_MAX];
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	int fd;

	*pid = 0;
	if (config_path(dir, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fcntl(fd, F_GETLK, &lk) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	close(fd);
	if (lk.l_type == F_UNLCK)
		return 0;
	*pid = lk.l_pid;
	return 1;
}

int
mcfg_read_table(const char *dir, struct mp_shared *out)
{
	char path[PATH_MAX];
	struct stat st;
	struct hm_mem_config *m;
	int fd, rc = -ENOENT;

	if (config_path(dir, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= cfg_size()) {
		m = mmap(NULL, cfg_size(), PROT_READ, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED) {
			if (m->magic == HM_MCFG_MAGIC && m->version == HM_MCFG_VERSION) {
				memcpy(out, &m->mp, sizeof(*out));
				rc = 0;
			}
			munmap(m, cfg_size());
		}
	}
	close(fd);
	return rc;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };
	nanosleep(&ts, NULL);
}

struct hm_mem_config *
mcfg_attach(const char *dir, unsigned int timeout_ms)
{
	char path[PATH_MAX];
	size_t sz = cfg_size();
	struct hm_mem_config *ro = NULL, *m;
	struct stat st;
	uint64_t deadline = hm_now_ms() + timeout_ms;
	int fd, err;
	void *want;

	if (config_path(dir, path, sizeof(path)) < 0)
		return NULL;
	fd = open_config(path, &st);
	if (fd < 0)
		return NULL;
	/* the primary truncates then sizes the file: wait for the size, then magic */
	for (;;) {
		int32_t ppid;
		if (ro == NULL && fstat(fd, &st) == 0 && (size_t)st.st_size >= sz) {
			ro = mmap(NULL, sz, PROT_READ, MAP_SHARED, fd, 0);
			if (ro == MAP_FAILED) {
				err = errno;
				close(fd);
				return hm_fail_ptr(err, "cannot map %s: %s", path, strerror(err));
			}
		}
		if (ro != NULL) {
			uint32_t v = __atomic_load_n(&ro->version, __ATOMIC_ACQUIRE);
			if (v != 0 && v != HM_MCFG_VERSION) {
				munmap(ro, sz);
				close(fd);
				return hm_fail_ptr(EPROTO, "version mismatch: the primary's shared config "
						   "(%s) has layout version %u, this process reads "
						   "version %u: run the primary and its secondaries from "
						   "the same hugemem build", path, v, HM_MCFG_VERSION);
			}
			if (__atomic_load_n(&ro->magic, __ATOMIC_ACQUIRE) == HM_MCFG_MAGIC)
				break;
		}
		if (mcfg_primary_running(dir, &ppid) == 0) {
			if (ro != NULL)
				munmap(ro, sz);
			close(fd);
			return hm_fail_ptr(ENODEV, "no primary process is running here: %s is left "
					   "over from a primary that died before its init completed",
					   path);
		}
		if (hm_now_ms() >= deadline) {
			if (ro != NULL)
				munmap(ro, sz);
			close(fd);
			return hm_fail_ptr(ETIMEDOUT, "the primary (pid %d) did not complete its init "
					   "within %u ms (raise --mp-timeout to wait longer)",
					   (int)ppid, timeout_ms);
		}
		sleep_ms(1);
	}
	want = (void *)(uintptr_t)ro->mem_cfg_addr;
	munmap(ro, sz);
	if (((uintptr_t)want & (hm_sys_page_size() - 1)) != 0 || want == NULL) {
		close(fd);
		return hm_fail_ptr(EINVAL, "%s records an impossible address %p", path, want);
	}
	m = mmap(want, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	err = errno;
	close(fd);
	if (m != MAP_FAILED && m != want) { /* kernels before 4.17 ignore the flag */
		munmap(m, sz);
		m = MAP_FAILED;
		err = EEXIST;
	}
	if (m == MAP_FAILED)
		return hm_fail_ptr(EADDRNOTAVAIL, "the primary's config sits at %p, which is in use "
				   "in this process (%s): start the primary with --base-virtaddr "
				   "at an address free in both processes (e.g. 0x200000000000)",
				   want, strerror(err));
	return m;
}

void
mcfg_detach(struct hm_mem_config *m)
{
	if (m == NULL)
		return;
	if (mcfg_get() == m)
		mcfg_set(NULL);
	munmap(m, cfg_size());
}

void
mcfg_remove(const char *dir)
{
	char path[PATH_MAX];

	if (config_path(dir, path, sizeof(path)) == 0 && unlink(path) != 0 && errno != ENOENT)
		HM_LOG(WARNING, "cleanup: cannot remove %s: %s", path, strerror(errno));
}
