/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem doctor [--backend X] [-m N] [hugemem options]`: check, without
 * starting hugemem, what the backend needs on this machine, and print for each
 * problem the exact command that fixes it.
 *
 * Lines start with "ok", "note" (informational), "warn" (works, with a caveat)
 * or "FAIL" (this request cannot run); each warn/FAIL is followed by "  fix:".
 * Exit 0 when the request can run, 2 when the environment cannot (a FAIL),
 * 1 for bad options. sysfs and procfs are read under $HUGEMEM_SYSFS_ROOT when
 * set (tests use fixture copies); pagemap, /dev/fuse and the mempolicy syscalls
 * are always this process's real ones.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "common_i.h"
#include "hugemem/hugemem.h"
#include "hugemem/hugetlbfs.h"
#include "hugetlbfs_i.h"

#define EXIT_CANNOT_RUN 2

struct report {
	unsigned int fails, warns;
};

static void
ok(const char *fmt, ...) HM_PRINTF(1, 2);
static void
ok(const char *fmt, ...)
{
	va_list ap;

	printf("ok    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void
problem(struct report *r, bool fatal, const char *fix, const char *fmt, ...) HM_PRINTF(4, 5);
static void
problem(struct report *r, bool fatal, const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("%s  ", fatal ? "FAIL" : "warn");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  fix: %s\n", fix);
	if (fatal)
		r->fails++;
	else
		r->warns++;
}

static bool
read_line(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	bool got;

	if (hm_snprintf(path, sizeof(path), "%s%s", root, rel) < 0)
		return false;
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	got = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (got)
		buf[strcspn(buf, "\n")] = '\0';
	return got;
}

/* Leftover page files in @p dir: total, and how many a live process holds. */
static void
check_leftovers(struct report *r, const char *dir, uint64_t page_sz)
{
	unsigned int total = 0, held = 0;
	struct dirent *de;
	char fix[PATH_MAX + 128], szs[16];
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		int fd;
		if (strstr(de->d_name, "map_") == NULL)
			continue;
		total++;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0)
			held++;
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	if (total == 0) {
		ok("no leftover page files in %s", dir);
		return;
	}
	if (held > 0)
		printf("note  %u page file(s) in %s are in use by live processes\n", held, dir);
	if (total > held) {
		snprintf(fix, sizeof(fix), "the next primary with the same --file-prefix removes "
			 "them; or now: rm %s/*map_*  (only files no live process uses)", dir);
		problem(r, false, fix, "%u leftover %s page file(s) in %s hold hugepages and no "
			"live process uses them", total - held,
			hm_size_str(page_sz, szs, sizeof(szs)), dir);
	}
}

/* Hugetlb cgroup limit of this process for @p page_sz, in bytes; UINT64_MAX = none. */
static uint64_t
cgroup_limit(const char *root, uint64_t page_sz, char *where, size_t wlen)
{
	char line[512], path[PATH_MAX], val[64], szs[16], unit[24];
	uint64_t v;
	FILE *f;

	hm_size_str(page_sz, szs, sizeof(szs));
	snprintf(unit, sizeof(unit), "%sB", szs); /* hugetlb.2MB.* */
	if (hm_snprintf(path, sizeof(path), "%s/proc/self/cgroup", root) < 0)
		return UINT64_MAX;
	f = fopen(path, "re");
	if (f == NULL)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *ctrl = strchr(line, ':'), *cg;
		if (ctrl == NULL || (cg = strchr(ctrl + 1, ':')) == NULL)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (strcmp(ctrl + 1, "hugetlb") == 0)
			snprintf(path, sizeof(path), "%s/sys/fs/cgroup/hugetlb%s/hugetlb.%s.limit_in_bytes",
				 root, strcmp(cg, "/") == 0 ? "" : cg, unit);
		else if (ctrl[1] == '\0' && line[0] == '0')
			snprintf(path, sizeof(path), "%s/sys/fs/cgroup%s/hugetlb.%s.max", root,
				 strcmp(cg, "/") == 0 ? "" : cg, unit);
		else
			continue;
		if (!read_line("", path, val, sizeof(val)))
			continue;
		if (strcmp(val, "max") == 0 || hm_parse_u64(val, UINT64_MAX, &v) != 0)
			continue;
		fclose(f);
		snprintf(where, wlen, "%s", path);
		return v;
	}
	fclose(f);
	return UINT64_MAX;
}

static bool
pfn_readable(void)
{
	static volatile int word = 1;
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool ok_ = false;

	word = 2;
	if (fd < 0)
		return false;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)&word / 4096 * 8)) == (ssize_t)sizeof(e))
		ok_ = (e & ((1ULL << 55) - 1)) != 0;
	close(fd);
	return ok_;
}

static void
check_common(struct report *r, const char *root)
{
	char buf[64] = "";
	int mode = 0;

	if (read_line(root, "/proc/sys/kernel/randomize_va_space", buf, sizeof(buf)) &&
	    strcmp(buf, "0") != 0)
		printf("note  ASLR is on (randomize_va_space=%s): secondary processes map the "
		       "primary's memory at the same addresses; if that collides, pass "
		       "--base-virtaddr=0x200000000 (or sysctl -w kernel.randomize_va_space=0)\n",
		       buf);
	else
		ok("ASLR off (randomize_va_space=%s)", buf[0] != '\0' ? buf : "?");
	if (syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) != 0 && errno == EPERM)
		problem(r, false, "allow get_mempolicy/set_mempolicy/mbind in the seccomp profile (docker: "
			"--cap-add SYS_NICE or --security-opt seccomp=<profile>)",
			"the mempolicy syscalls are blocked (EPERM): pages cannot be steered to "
			"NUMA nodes, only checked where possible");
	else
		ok("mempolicy syscalls available");
	if (access("/dev/fuse", R_OK | W_OK) == 0)
		ok("/dev/fuse is usable (fuse backend)");
	else
		printf("note  /dev/fuse is not usable (%s): the fuse backend cannot run here "
		       "(modprobe fuse; in containers --device /dev/fuse)\n", strerror(errno));
}

static void
check_hugetlbfs(struct report *r, const char *root, const struct hm_config *c)
{
	struct hm_hugetlbfs_info info;
	char szs[16], fix[PATH_MAX + 256], where[PATH_MAX];
	uint64_t usable = 0, need = c->memory;
	bool any_mount = false;

	if (hm_hugetlbfs_discover(root, c->huge_dir, &info) < 0) {
		problem(r, true, "use a kernel with CONFIG_HUGETLBFS, or --backend=emu",
			"%s", hm_last_error());
		return;
	}
	for (unsigned int n = 0; n < info.n_mounts; n++)
		printf("note  hugetlbfs mount %s, page size %s%s\n", info.mounts[n].path,
		       info.mounts[n].page_sz != 0 ? hm_size_str(info.mounts[n].page_sz, szs,
							   sizeof(szs)) : "unknown",
		       info.mounts[n].has_pagesize ? "" : " (default size: no pagesize=)");
	for (unsigned int k = 0; k < info.n_sizes; k++) {
		const struct hm_hugetlbfs_size *s = &info.sizes[k];
		uint64_t free_total = 0;
		hm_size_str(s->page_sz, szs, sizeof(szs));
		for (unsigned int n = 0; n < info.n_nodes; n++) {
			printf("note  %s pages on node %u: %" PRIu32 " free%s\n", szs, n,
			       s->free_pages[n], s->per_node ? "" : " (global count)");
			free_total += s->free_pages[n];
		}
		if (s->dir[0] == '\0' && !c->in_memory) {
			if (free_total > 0 || s->page_sz == info.default_page_sz) {
				snprintf(fix, sizeof(fix), "mkdir -p /dev/hugepages%s && mount -t "
					 "hugetlbfs -o pagesize=%s nodev /dev/hugepages%s%s", k == 0 &&
					 info.n_sizes > 1 ? "-" : "", szs, k == 0 && info.n_sizes > 1 ?
					 "-" : "", k == 0 && info.n_sizes > 1 ? szs : "");
				problem(r, false, fix, "no hugetlbfs mount for %s pages%s%s", szs,
					c->huge_dir != NULL ? " containing " : "",
					c->huge_dir != NULL ? c->huge_dir : "");
			}
			continue;
		}
		any_mount = true;
		if (!c->in_memory) {
			ok("%s pages: files go to %s", szs, s->dir);
			if (access(s->dir, W_OK) != 0)
				problem(r, true, "create it inside the mount and make it writable "
					"(mkdir -p DIR), or run as the mount's owner",
					"%s is not writable: %s", s->dir, strerror(errno));
			else
				check_leftovers(r, s->dir, s->page_sz);
		}
		uint64_t lim = cgroup_limit(root, s->page_sz, where, sizeof(where));
		uint64_t bytes = free_total * s->page_sz;
		if (lim != UINT64_MAX) {
			if (need > lim) {
				snprintf(fix, sizeof(fix), "echo %" PRIu64 " > %s (or -m %" PRIu64 ")",
					 need, where, lim >> 20);
				problem(r, true, fix, "the hugetlb cgroup limits %s pages to %" PRIu64
					" MiB, below -m %" PRIu64 " MiB: pages past it SIGBUS at first "
					"touch (hugemem turns that into ENOMEM)", szs, lim >> 20,
					need >> 20);
			} else {
				ok("hugetlb cgroup limit for %s: %" PRIu64 " MiB", szs, lim >> 20);
			}
			bytes = bytes < lim ? bytes : lim;
		}
		usable += bytes;
	}
	if (!any_mount && !c->in_memory)
		problem(r, true, "mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M "
			"nodev /dev/hugepages   (or use --in-memory, or --backend=emu)",
			"no hugetlbfs mount%s%s", c->huge_dir != NULL ? " contains --huge-dir " : "",
			c->huge_dir != NULL ? c->huge_dir : "");
	if (usable == 0 && (any_mount || c->in_memory)) {
		uint64_t pages = need > 0 ? (need + (2 << 20) - 1) >> 21 : 256;
		snprintf(fix, sizeof(fix), "echo %" PRIu64 " > /proc/sys/vm/nr_hugepages   "
			 "(per node: /sys/devices/system/node/node0/hugepages/hugepages-2048kB/"
			 "nr_hugepages)", pages);
		problem(r, true, fix, "no free hugepages");
	} else if (need > usable) {
		uint64_t pages = (need - usable + (2 << 20) - 1) >> 21;
		snprintf(fix, sizeof(fix), "echo $(( $(cat /proc/sys/vm/nr_hugepages) + %" PRIu64
			 " )) > /proc/sys/vm/nr_hugepages", pages);
		problem(r, true, fix, "-m %" PRIu64 " MiB needs more than the %" PRIu64 " MiB of "
			"free hugepages", need >> 20, usable >> 20);
	} else if (usable > 0) {
		ok("%" PRIu64 " MiB of free hugepages usable%s", usable >> 20,
		   need > 0 ? " (enough for -m)" : "");
	}
	if (pfn_readable())
		ok("/proc/self/pagemap shows PFNs: IOVA can be physical (--iova-mode=pa)");
	else if (c->iova_mode == HM_IOVA_PA)
		problem(r, true, "run with CAP_SYS_ADMIN (root), or use --iova-mode=va",
			"--iova-mode=pa: /proc/self/pagemap shows PFNs as 0 to this process");
	else
		printf("note  /proc/self/pagemap shows PFNs as 0 (needs CAP_SYS_ADMIN): IOVA will "
		       "be the VA\n");
}

int
cmd_doctor(int argc, char **argv)
{
	struct hm_config c;
	struct report r = { 0, 0 };
	const char *root = htlb_root();
	int n;

	hm_config_init(&c);
	n = hm_config_parse(&c, argc, argv);
	if (n < 0) {
		fprintf(stderr, "hugemem doctor: %s\n", hm_last_error());
		return 1;
	}
	if (n + 1 < argc) {
		fprintf(stderr, "hugemem doctor: unexpected argument '%s'\n", argv[n + 1]);
		return 1;
	}
	if (c.backend == NULL)
		c.backend = getenv("HUGEMEM_BACKEND") != NULL ? getenv("HUGEMEM_BACKEND") : "emu";
	printf("hugemem doctor: backend %s", c.backend);
	if (c.memory != 0)
		printf(", -m %" PRIu64 " MiB", c.memory >> 20);
	printf("\n");
	if (hm_backend_lookup(c.backend) == NULL) {
		problem(&r, true, "use a built backend (hugemem info lists them) or rebuild with "
			"its dependency", "backend '%s' is not built in this hugemem", c.backend);
	} else if (strcmp(c.backend, "hugetlbfs") == 0) {
		check_hugetlbfs(&r, root, &c);
	} else if (strcmp(c.backend, "emu") == 0) {
		if (c.in_memory || access("/dev/shm", W_OK) == 0)
			ok("emu pages go to tmpfs (/dev/shm or the runtime dir) or memfd");
		else
			problem(&r, false, "mount -t tmpfs tmpfs /dev/shm, or use --in-memory",
				"/dev/shm is not writable: page files need a tmpfs runtime dir");
	}
	check_common(&r, root);
	printf("%s: %u problem(s), %u warning(s)\n",
	       r.fails > 0 ? "cannot run" : "can run", r.fails, r.warns);
	return r.fails > 0 ? EXIT_CANNOT_RUN : 0;
}
