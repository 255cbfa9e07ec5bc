/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/emu.h"
#include "hugemem/hugetlbfs.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

void
hm_test_skip_all(const char *why, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	printf("\n");
	exit(77);
}

const char *
hm_test_backend(void)
{
	const char *b = getenv("HUGEMEM_TEST_BACKEND");
	return b != NULL && *b != '\0' ? b : "emu";
}

uint64_t
hm_test_seed(void)
{
	const char *s = getenv("HUGEMEM_TEST_SEED");
	uint64_t seed = s != NULL ? strtoull(s, NULL, 0) : 0x9e3779b97f4a7c15ULL;
	if (seed == 0)
		seed = 1;
	printf("# seed 0x%" PRIx64 " (set HUGEMEM_TEST_SEED to replay)\n", seed);
	return seed;
}

uint64_t
hm_test_rand(uint64_t *st)
{
	uint64_t x = *st;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (e->d_type == DT_DIR) {
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			int k = count_dir(sub);
			if (k > 0)
				n += k;
		}
	}
	closedir(d);
	return n;
}

int
hm_test_count_fds(void)
{
	int n = count_dir("/proc/self/fd");
	return n - 1; /* the DIR's own fd */
}

int
hm_test_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (f == NULL)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

int
hm_test_count_files(const char *dir)
{
	return count_dir(dir);
}

int
hm_test_va_mapped(const void *addr, size_t len)
{
	/* MAP_FIXED_NOREPLACE fails with EEXIST when anything overlaps. */
	void *p = mmap((void *)addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	munmap(p, len);
	return p != addr; /* old kernels: hint ignored means something is there */
}

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

void
hm_test_quiet_log(void)
{
	hm_log_set_hook(quiet, NULL);
}

static bool
is_hugetlbfs(void)
{
	return strcmp(hm_test_backend(), "hugetlbfs") == 0;
}

void
hm_test_backend_ready(void)
{
	struct hm_hugetlbfs_info info;
	const char *dir = getenv("HUGEMEM_TEST_HUGE_DIR");
	uint64_t free_pages = 0;

	if (!is_hugetlbfs())
		return;
	if (dir == NULL || *dir == '\0')
		hm_test_skip_all("backend hugetlbfs: HUGEMEM_TEST_HUGE_DIR is not set (run "
				 "scripts/hugepages.sh, which reserves 2 MiB pages and mounts "
				 "hugetlbfs as root)");
	if (hm_hugetlbfs_discover(NULL, dir, &info) < 0)
		hm_test_skip_all("backend hugetlbfs: %s", hm_last_error());
	for (unsigned int k = 0; k < info.n_sizes; k++)
		for (unsigned int n = 0; n < info.n_nodes && info.sizes[k].dir[0] != '\0'; n++)
			free_pages += info.sizes[k].free_pages[n];
	if (free_pages < 128)
		hm_test_skip_all("backend hugetlbfs: only %llu free hugepages under %s (the tests "
				 "need 128; echo 256 > /proc/sys/vm/nr_hugepages)",
				 (unsigned long long)free_pages, dir);
}

void
hm_test_need_emu(const char *why)
{
	if (strcmp(hm_test_backend(), "emu") == 0)
		return;
	printf("# SKIP on %s: %s\n", hm_test_backend(), why);
	skip();
}

int
hm_test_pages_in_use(int node, uint64_t page_sz)
{
	const struct hm_backend *be = hm_backend_get();

	if (be != NULL && strcmp(be->ops->name, "hugetlbfs") == 0)
		return hm_hugetlbfs_pages_in_use(be, node, page_sz);
	return hm_emu_pages_in_use(be, node, page_sz);
}

int
hm_test_init_cfg(struct hm_config *c)
{
	int rc;

	c->backend = hm_test_backend();
	if (is_hugetlbfs() && c->huge_dir == NULL && !c->in_memory)
		c->huge_dir = getenv("HUGEMEM_TEST_HUGE_DIR");
	rc = hm_init_config(c);
	if (rc == -ENOTSUP && is_hugetlbfs() &&
	    strstr(hm_last_error(), "hugetlbfs: topology") != NULL) {
		printf("# SKIP on hugetlbfs: %s\n", hm_last_error());
		skip();
	}
	return rc;
}

int
hm_test_init_topo(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	return hm_test_init_cfg(&c);
}

int
hm_test_teardown(void **state)
{
	(void)state;
	if (hm_initialized())
		hm_cleanup();
	hm_log_set_hook(NULL, NULL);
	return 0;
}
