/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared config lifecycle (primary side). See mcfg_i.h for what it holds.
 * Secondary attach comes with multi-process support; the layout is already
 * position-stable (no process-local pointers inside) for it.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mcfg_i.h"

static struct hm_mem_config *cur;
static int cfg_fd = -1;
static char cfg_path[PATH_MAX];

struct hm_mem_config *
mcfg_get(void)
{
	return cur;
}

void
mcfg_set(struct hm_mem_config *mcfg)
{
	cur = mcfg;
}

static size_t
cfg_size(void)
{
	return HM_ALIGN_CEIL(sizeof(struct hm_mem_config), hm_sys_page_size());
}

struct hm_mem_config *
mcfg_create(const char *dir)
{
	size_t sz = cfg_size();
	struct hm_mem_config *m;
	void *va;
	int fd = -1, err;

	va = hm_va_reserve(NULL, sz, hm_sys_page_size(), 0);
	if (va == NULL)
		return NULL;
	if (dir == NULL) {
		m = mmap(va, sz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (m == MAP_FAILED) {
			err = errno;
			hm_va_release(va, sz);
			return hm_fail_ptr(err, "cannot map the memory config: %s", strerror(err));
		}
		goto fill;
	}
	if (hm_snprintf(cfg_path, sizeof(cfg_path), "%s/config", dir) < 0) {
		hm_va_release(va, sz);
		return hm_fail_ptr(ENAMETOOLONG, "runtime dir path too long: %s", dir);
	}
	/* never through a symlink or into someone else's (or a shared) file: it is
	 * truncated and mapped below */
	fd = hm_open_private(AT_FDCWD, cfg_path, O_CREAT | O_RDWR, 0600,
			     HM_PRIV_NOSHARE | HM_PRIV_ONELINK, NULL);
	if (fd < 0) {
		hm_va_release(va, sz);
		return hm_fail_ptr(-fd, "cannot use the shared config: %s", hm_last_error());
	}
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	if (fcntl(fd, F_SETLK, &lk) < 0) {
		err = errno;
		close(fd);
		hm_va_release(va, sz);
		if (err != EAGAIN && err != EACCES)
			return hm_fail_ptr(err, "cannot lock %s: %s", cfg_path, strerror(err));
		return hm_fail_ptr(EBUSY,
				   "another primary process is running on %s: give this one its "
				   "own --file-prefix", cfg_path);
	}
	/* on tmpfs the blocks are allocated now: a full one fails here, not with a SIGBUS */
	if (ftruncate(fd, 0) < 0)
		goto fail_errno;
	err = hm_file_size(fd, sz);
	if (err < 0) {
		errno = -err;
		goto fail_errno;
	}
	m = mmap(va, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (m == MAP_FAILED)
		goto fail_errno;
	cfg_fd = fd;
fill:
	m->version = HM_MCFG_VERSION;
	m->mem_cfg_addr = (uint64_t)(uintptr_t)m;
	hm_rwlock_init(&m->memory_hotplug_lock);
	return m;

fail_errno:
	err = errno;
	close(fd);
	unlink(cfg_path);
	hm_va_release(va, sz);
	return hm_fail_ptr(err, "cannot size or map %s: %s", cfg_path, strerror(err));
}

void
mcfg_release(struct hm_mem_config *mcfg)
{
	if (mcfg == NULL)
		return;
	if (cur == mcfg)
		cur = NULL;
	hm_va_release(mcfg, cfg_size());
	if (cfg_fd >= 0) {
		close(cfg_fd);
		cfg_fd = -1;
	}
}

void
mcfg_destroy(struct hm_mem_config *mcfg)
{
	if (mcfg == NULL)
		return;
	if (cur == mcfg)
		cur = NULL;
	hm_va_release(mcfg, cfg_size());
	if (cfg_fd >= 0) {
		/* while still locked: nobody can take it half-gone */
		if (unlink(cfg_path) != 0 && errno != ENOENT)
			HM_LOG(WARNING, "cleanup: cannot remove %s: %s", cfg_path, strerror(errno));
		close(cfg_fd);
		cfg_fd = -1;
	}
}
