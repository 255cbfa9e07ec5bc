/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fixture of the hugetlbfs backend's tests (test_hugetlbfs.c,
 * test_hugetlbfs_hostile.c): a copy of sysfs and /proc under a temp dir set as
 * $HUGEMEM_SYSFS_ROOT, whose /proc/mounts names an ordinary directory as the
 * "hugetlbfs mount", and the helpers that start hugemem on it or on real pages.
 * The including program sets root and pages in main.
 */
#ifndef HM_TEST_HUGETLBFS_FIXTURE_H
#define HM_TEST_HUGETLBFS_FIXTURE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define M2 (2 * HM_MB)
#define PREFIX "htlbt"

static char root[PATH_MAX];  /* fixture sysfs/proc root; set by main */
static char pages[PATH_MAX]; /* the fixture's "hugetlbfs mount" (a plain dir); set by main */

#define assert_err(call, code, needle)                                                   \
	do {                                                                             \
		int rc_ = (call);                                                        \
		if (rc_ != (code) || strstr(hm_last_error(), (needle)) == NULL)          \
			fail_msg("%s: got %d '%s', want %d mentioning '%s'", #call, rc_,  \
				 hm_last_error(), (code), (needle));                     \
	} while (0)

/* ------------------------------------------------------------------ fixtures */

static inline void
put(const char *rel, const char *content)
{
	char path[PATH_MAX], dir[PATH_MAX], cmd[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static inline void
put_size(const char *kb, const char *nr, const char *fr, const char *resv, const char *surp,
	 const char *over)
{
	char rel[256];
	const char *names[] = { "nr_hugepages", "free_hugepages", "resv_hugepages",
				"surplus_hugepages", "nr_overcommit_hugepages" };
	const char *vals[] = { nr, fr, resv, surp, over };

	for (int i = 0; i < 5; i++) {
		snprintf(rel, sizeof(rel), "sys/kernel/mm/hugepages/hugepages-%skB/%s", kb, names[i]);
		put(rel, vals[i]);
	}
}

/* A one-node machine with 2M pages (64 free) "mounted" at pages/ (a plain dir). */
static inline void
fixture_simple(unsigned int free2m)
{
	char buf[PATH_MAX + 128], cmd[PATH_MAX + 32], n[16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	snprintf(n, sizeof(n), "%u\n", free2m);
	put_size("2048", n, n, "0\n", "0\n", "0\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", n);
	put("sys/devices/system/node/node0/cpulist", "0-1\n");
	put("proc/meminfo", "MemTotal: 1000 kB\nHugepagesize:       2048 kB\n");
	snprintf(buf, sizeof(buf), "proc on /proc proc rw 0 0\nnodev %s hugetlbfs rw,pagesize=2M 0 0\n",
		 pages);
	put("proc/mounts", buf);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", pages);
	assert_int_equal(system(cmd), 0);
	setenv("HUGEMEM_SYSFS_ROOT", root, 1);
}

static inline int
count_pages_files(void)
{
	return hm_test_count_files(pages);
}

static inline int
init_fixture(const char *extra1, const char *extra2, const char *mem)
{
	struct hm_config c;

	hm_config_init(&c);
	c.backend = "hugetlbfs";
	c.file_prefix = PREFIX;
	c.huge_dir = pages;
	if (mem != NULL)
		c.memory = strtoull(mem, NULL, 0) << 20;
	for (int i = 0; i < 2; i++) {
		const char *e = i == 0 ? extra1 : extra2;
		if (e == NULL)
			continue;
		if (strcmp(e, "sfs") == 0)
			c.single_file_segments = true;
		else if (strcmp(e, "never") == 0)
			c.huge_unlink = HM_HUGE_UNLINK_NEVER, c.huge_unlink_set = true;
		else if (strcmp(e, "always") == 0)
			c.huge_unlink = HM_HUGE_UNLINK_ALWAYS, c.huge_unlink_set = true;
		else if (strcmp(e, "legacy") == 0)
			c.legacy_mem = true;
		else if (strcmp(e, "pa") == 0)
			c.iova_mode = HM_IOVA_PA;
		else if (strcmp(e, "in-memory") == 0)
			c.in_memory = true;
		else
			c.topology = e;
	}
	return hm_init_config(&c);
}

static inline int
teardown(void **state)
{
	hm_test_teardown(state);
	unsetenv("HUGEMEM_SYSFS_ROOT");
	unsetenv("HUGEMEM_HUGETLBFS_NO_MEMFD");
	return 0;
}

static inline void
assert_valid(void)
{
	const char *why = NULL;

	if (hm_memseg_check(&why) != 0)
		fail_msg("memseg check: %s", why != NULL ? why : "?");
}

static inline int
first_seg(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	(void)msl;
	*(const struct hm_memseg **)arg = ms;
	return 1;
}

static inline const char *
real_dir(void)
{
	const char *d = getenv("HUGEMEM_TEST_HUGE_DIR");

	if (d == NULL || *d == '\0') {
		printf("# SKIP: needs real hugepages: set HUGEMEM_TEST_HUGE_DIR to a hugetlbfs "
		       "mount (scripts/hugepages.sh does, as root)\n");
		skip();
	}
	return d;
}

static inline int
init_real(const char *dir, bool in_memory, bool sfs, const char *mem)
{
	struct hm_config c;

	hm_config_init(&c);
	c.backend = "hugetlbfs";
	c.file_prefix = PREFIX;
	c.huge_dir = in_memory ? NULL : dir;
	c.in_memory = in_memory;
	c.single_file_segments = sfs;
	c.memory = strtoull(mem, NULL, 0) << 20;
	return hm_init_config(&c);
}

#endif
