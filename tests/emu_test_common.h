/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the emu backend's unit test programs share (test_emu.c, test_emu_map.c,
 * test_emu_files.c): the private runtime dir of a run and the page dir emu
 * picks for it (made by emu_group_setup), backends created from a topology and
 * a fault spec, pages mapped through the ops table into reserved VA, and file,
 * dump and parse helpers. Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_EMU_TEST_COMMON_H
#define HUGEMEM_TEST_EMU_TEST_COMMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common_i.h"
#include "helpers.h"
#include "hugemem/emu.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define PREFIX "hmtest"
#define K4 (4 * HM_KB)
#define M2 (2 * HM_MB)

static char rundir[1024];      /* runtime dir of this run (exists) */
static char pagedir[PATH_MAX]; /* where emu puts pages for rundir */

#define assert_err(call, code, needle)                                                   \
	do {                                                                             \
		int rc_ = (call);                                                        \
		if (rc_ != (code) || strstr(hm_last_error(), (needle)) == NULL)          \
			fail_msg("%s: got %d '%s', want %d mentioning '%s'", #call, rc_,  \
				 hm_last_error(), (code), (needle));                     \
	} while (0)

/* ------------------------------------------------------------------ helpers */

static inline uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static inline bool
on_tmpfs(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == TMPFS_MAGIC;
}

/* The page directory the emu backend must use for runtime dir @p rd. */
static inline void
expected_pagedir(const char *rd, char *out, size_t len)
{
	if (on_tmpfs(rd))
		snprintf(out, len, "%s/pages", rd);
	else
		snprintf(out, len, "/dev/shm/hugemem-%u-%016" PRIx64, (unsigned int)geteuid(),
			 fnv1a(rd));
}

static inline void
params_init(struct hm_backend_params *p, const char *topo)
{
	memset(p, 0, sizeof(*p));
	p->topology = topo;
	p->runtime_dir = rundir;
	p->prefix = PREFIX;
}

static inline void
be_create(struct hm_backend *be, const char *topo, const char *fault)
{
	struct hm_backend_params p;
	int rc;

	params_init(&p, topo);
	p.fault = fault;
	be->ops = &hm_emu_ops;
	be->priv = NULL;
	rc = hm_emu_ops.create(be, &p);
	if (rc != 0)
		fail_msg("create(%s): %d %s", topo != NULL ? topo : "NULL", rc, hm_last_error());
	assert_non_null(be->priv);
}

static inline void *
reserve(size_t size, size_t align)
{
	void *va = hm_va_reserve(NULL, size, align, 0);

	assert_non_null(va);
	return va;
}

static inline int
map_page(struct hm_backend *be, void *va, uint64_t sz, int node, struct hm_page *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->va = va;
	pg->page_sz = sz;
	pg->node = node;
	return be->ops->page_map(be, pg);
}

/* Protection of the mapping holding @p addr ("---", "rw-"), or "" if unmapped. */
static inline const char *
va_prot(const void *addr)
{
	static char perms[8];
	char line[512];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = '\0';
	if (f == NULL)
		return perms;
	while (fgets(line, sizeof(line), f) != NULL) {
		char p[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi) {
			snprintf(perms, 4, "%.3s", p);
			break;
		}
	}
	fclose(f);
	return perms;
}

static inline void
assert_reserved(const void *va, size_t len)
{
	assert_true(hm_test_va_mapped(va, len));
	assert_string_equal(va_prot(va), "---");
}

static inline bool
file_exists(const char *dir, const char *name)
{
	char path[2 * PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static inline void
write_file(const char *dir, const char *name, const char *data)
{
	char path[2 * PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static inline char *
dump_str(struct hm_backend *be)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	be->ops->dump(be, f);
	fclose(f);
	return s;
}

static inline int
parse_ok(const char *s, struct hm_emu_topology *t)
{
	int rc = hm_emu_topology_parse(s, t);

	if (rc != 0)
		fail_msg("parse(%s): %d %s", s != NULL ? s : "NULL", rc, hm_last_error());
	return rc;
}

/* Map n pages of size sz on node into a fresh reservation; pages[] get the results. */
static inline void *
map_n(struct hm_backend *be, uint64_t sz, int node, unsigned int n, struct hm_page *pages)
{
	char *va = reserve(n * sz, sz);

	for (unsigned int i = 0; i < n; i++) {
		int rc = map_page(be, va + i * sz, sz, node, &pages[i]);
		if (rc != 0)
			fail_msg("page_map %u of %u: %d %s", i, n, rc, hm_last_error());
		assert_int_equal(pages[i].node, node);
		assert_false(pages[i].dirty);
	}
	return va;
}

static inline void
unmap_n(struct hm_backend *be, void *va, unsigned int n, struct hm_page *pages)
{
	for (unsigned int i = 0; i < n; i++)
		be->ops->page_unmap(be, &pages[i]);
	assert_reserved(va, n * pages[0].page_sz);
	hm_va_release(va, n * pages[0].page_sz);
}

/* ------------------------------------------------------------------ group fixture */

static inline int
emu_group_setup(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(rundir, sizeof(rundir), "%s/emu-test-%d", base, (int)getpid());
	for (char *s = rundir + 1; (s = strchr(s, '/')) != NULL; s++) { /* mkdir -p */
		*s = '\0';
		mkdir(rundir, 0700);
		*s = '/';
	}
	if (mkdir(rundir, 0700) != 0)
		return -1;
	expected_pagedir(rundir, pagedir, sizeof(pagedir));
	hm_test_quiet_log();
	return 0;
}

static inline int
emu_group_teardown(void **state)
{
	(void)state;
	rmdir(pagedir);
	return rmdir(rundir);
}

#endif /* HUGEMEM_TEST_EMU_TEST_COMMON_H */
