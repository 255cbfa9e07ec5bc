/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the fbarray test programs share (test_fbarray.c,
 * test_fbarray_lifecycle.c): the private directory for backing files (made by
 * fbarray_group_setup under $HUGEMEM_RUNTIME_DIR or /tmp, removed with its
 * files by fbarray_group_teardown), mapping sizes, the used mask, and the
 * validator asserted. Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_FBARRAY_TEST_COMMON_H
#define HUGEMEM_TEST_FBARRAY_TEST_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hugemem/fbarray.h"

#include "helpers.h"

#define MAX_LEN 4099

static char tdir[PATH_MAX]; /* private directory for backing files */

/* ---- small helpers ---- */

static inline size_t
page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Mapping size for a geometry, as fbarray.h documents the layout. */
static inline size_t
map_size(unsigned int len, unsigned int elt_sz)
{
	size_t off = ((size_t)len * elt_sz + 7) & ~(size_t)7;
	size_t total = off + 8 + 8 * (((size_t)len + 63) / 64);

	return (total + page_size() - 1) & ~(page_size() - 1);
}

static inline uint64_t *
mask_of(const struct hm_fbarray *arr)
{
	size_t off = ((size_t)arr->len * arr->elt_sz + 7) & ~(size_t)7;

	return (uint64_t *)(void *)((char *)arr->data + off + 8);
}

static inline void
file_path(char *buf, size_t sz, const char *name)
{
	if (snprintf(buf, sz, "%s/fbarray_%s", tdir, name) >= (int)sz)
		fail_msg("path of '%s' too long", name);
}

static inline bool
file_exists(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	file_path(p, sizeof(p), name);
	return stat(p, &st) == 0;
}

static inline void
assert_check_ok(struct hm_fbarray *arr)
{
	const char *why = NULL;
	int rc = hm_fbarray_check(arr, &why);

	if (rc != 0)
		fail_msg("hm_fbarray_check: %d (%s)", rc, why != NULL ? why : "?");
}

/* Remove tdir and its (flat) contents. */
static inline void
clean_tdir(void)
{
	DIR *d;
	struct dirent *e;

	if (tdir[0] == '\0' || (d = opendir(tdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(tdir);
}

/* mkdir -p */
static inline int
make_dirs(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static inline int
fbarray_group_setup(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");
	int n;

	(void)state;
	hm_test_quiet_log();
	if (base != NULL && base[0] != '\0') {
		if (make_dirs(base) != 0)
			return -1;
		n = snprintf(tdir, sizeof(tdir), "%s/fbarray.XXXXXX", base);
	} else {
		n = snprintf(tdir, sizeof(tdir), "/tmp/hm_fbarray.XXXXXX");
	}
	if (n >= (int)sizeof(tdir) - 64 || mkdtemp(tdir) == NULL) {
		tdir[0] = '\0';
		return -1;
	}
	return 0;
}

static inline int
fbarray_group_teardown(void **state)
{
	(void)state;
	clean_tdir();
	return 0;
}

#endif /* HUGEMEM_TEST_FBARRAY_TEST_COMMON_H */
