/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the emu backend: topology parse/format/validate, page map/unmap/attach
 * through the ops table, synthetic IOVA layouts, page files and directories,
 * fault injection, cleanup. Needs no hugepages and no root; /dev/shm (tmpfs) is
 * used when the runtime dir is not on tmpfs, as in production.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
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

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool
on_tmpfs(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == TMPFS_MAGIC;
}

/* The page directory the emu backend must use for runtime dir @p rd. */
static void
expected_pagedir(const char *rd, char *out, size_t len)
{
	if (on_tmpfs(rd))
		snprintf(out, len, "%s/pages", rd);
	else
		snprintf(out, len, "/dev/shm/hugemem-%u-%016" PRIx64, (unsigned int)geteuid(),
			 fnv1a(rd));
}

static void
params_init(struct hm_backend_params *p, const char *topo)
{
	memset(p, 0, sizeof(*p));
	p->topology = topo;
	p->runtime_dir = rundir;
	p->prefix = PREFIX;
}

static void
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

static void *
reserve(size_t size, size_t align)
{
	void *va = hm_va_reserve(NULL, size, align, 0);

	assert_non_null(va);
	return va;
}

static int
map_page(struct hm_backend *be, void *va, uint64_t sz, int node, struct hm_page *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->va = va;
	pg->page_sz = sz;
	pg->node = node;
	return be->ops->page_map(be, pg);
}

/* Protection of the mapping holding @p addr ("---", "rw-"), or "" if unmapped. */
static const char *
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

static void
assert_reserved(const void *va, size_t len)
{
	assert_true(hm_test_va_mapped(va, len));
	assert_string_equal(va_prot(va), "---");
}

static bool
file_exists(const char *dir, const char *name)
{
	char path[2 * PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void
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

static char *
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

static int
parse_ok(const char *s, struct hm_emu_topology *t)
{
	int rc = hm_emu_topology_parse(s, t);

	if (rc != 0)
		fail_msg("parse(%s): %d %s", s != NULL ? s : "NULL", rc, hm_last_error());
	return rc;
}

/* ------------------------------------------------------------------ tests */

static void
test_emu_invalid_args(void **state)
{
	static const struct {
		const char *s;
		const char *needle;
	} bad[] = {
		{ "nodez=2", "unknown key 'nodez'" },
		{ "nodez=2", "valid: nodes, 4K/2M/1G" },
		{ "nodes=2;nodes=2", "'nodes' given twice" },
		{ "iova=contig;seed=1;iova=shuffled", "'iova' given twice" },
		{ "lcores=0;lcores=1", "'lcores' given twice" },
		{ "nodes=0", "nodes '0' is out of range (valid: 1..32)" },
		{ "nodes=33", "nodes '33' is out of range (valid: 1..32)" },
		{ "nodes=-1", "nodes '-1' is not a decimal number" },
		{ "nodes= 2", "nodes ' 2'" },
		{ "nodes=2x", "nodes '2x'" },
		{ "nodes=99999999999999999999999", "nodes '99999999999999999999999' is out of range" },
		{ "3M=4", "bad page size '3M'" },
		{ "0K=4", "bad page size '0K'" },
		{ "2X=4", "bad page size '2X'" },
		{ "2K=4", "bad page size '2K'" },
		{ "32G=1", "bad page size '32G'" },
		{ "99999999999999999999G=1", "bad page size" },
		{ "2M=1;2048K=1", "page size '2048K' given twice" },
		{ "4K=1;2M=1;1G=1;16G=1", "too many page sizes at '16G'" },
		{ "nodes=2;2M=1,2,3", "'2M' has 3 counts, expected 2 (one per node) or 1" },
		{ "nodes=3;2M=1,2", "'2M' has 2 counts, expected 3 (one per node) or 1" },
		{ "nodes=3;2M=1,,1", "'2M' has an empty count" },
		{ "2M=1,,1", "'2M' has 3 counts, expected 1" },
		{ "2M=1048577", "'2M' count '1048577' is out of range (valid: 0..1048576)" },
		{ "2M=18446744073709551616", "'2M' count '18446744073709551616' is out of range" },
		{ "2M=x", "'2M' count 'x' is not a decimal number" },
		{ "2M=0", "no pages at all" },
		{ "nodes=2;2M=0;1G=0,0", "no pages at all" },
		{ "lcores=0@1", "lcores node '1' is out of range (valid: 0..0)" },
		{ "nodes=2;lcores=0@0,1@2", "lcores node '2' is out of range (valid: 0..1)" },
		{ "nodes=2;lcores=0@0,0@1", "lcore 0 given twice" },
		{ "lcores=0-3,2", "lcore 2 given twice" },
		{ "lcores=3-1", "lcore range 3-1 is reversed" },
		{ "lcores=128", "lcore id '128' is out of range (valid: 0..127)" },
		{ "lcores=0-128", "lcore id '128' is out of range" },
		{ "lcores=,1", "lcores has an empty item" },
		{ "lcores=1,", "lcores has an empty item" },
		{ "lcores=a", "lcore id 'a' is not a decimal number" },
		{ "lcores=1@", "lcores node ''" },
		{ "iova=random", "unknown iova layout 'random' (valid: contig, shuffled, fragmented)" },
		{ "iova=", "'iova' has an empty value" },
		{ "nodes=2;;iova=contig", "empty item (doubled or trailing ';'" },
		{ "nodes=2;", "empty item (doubled or trailing ';'" },
		{ ";", "empty item" },
		{ "nodes=", "'nodes' has an empty value" },
		{ "2M=", "'2M' has an empty value" },
		{ "lcores=", "'lcores' has an empty value" },
		{ "seed=", "'seed' has an empty value" },
		{ "seed=18446744073709551616", "seed '18446744073709551616' is out of range" },
		{ "seed=0x10", "seed '0x10' is not a decimal number" },
		{ "nodes", "item 'nodes' is not key=value" },
		{ "=2", "unknown key ''" },
	};
	struct hm_emu_topology t, saved;
	struct hm_backend_params p;
	struct hm_backend be, other;
	struct hm_page pg;
	struct hm_probe probe;
	char buf[HM_EMU_TOPOLOGY_STR_MAX];
	void *va;

	(void)state;
	assert_err(hm_emu_topology_parse("nodes=2", NULL), -EINVAL, "no output");
	memset(&saved, 0x5a, sizeof(saved));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = saved;
		assert_err(hm_emu_topology_parse(bad[i].s, &t), -EINVAL, bad[i].needle);
		assert_memory_equal(&t, &saved, sizeof(t)); /* untouched */
		assert_ptr_equal(strstr(hm_last_error(), "topology: "), hm_last_error());
	}

	/* validate / format */
	assert_err(hm_emu_topology_validate(NULL), -EINVAL, "NULL");
	parse_ok("nodes=2;2M=4;4K=8,0;lcores=0@0,1@1", &saved);
	assert_err(hm_emu_topology_format(NULL, buf, sizeof(buf)), -EINVAL, "NULL");
	assert_err(hm_emu_topology_format(&saved, NULL, 10), -EINVAL, "buffer");
	assert_err(hm_emu_topology_format(&saved, buf, 10), -ENAMETOOLONG, "does not fit in 10");
	assert_err(hm_emu_topology_format(&saved, buf, 0), -ENAMETOOLONG, "does not fit");
	t = saved, t.n_nodes = 0;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "n_nodes 0");
	assert_err(hm_emu_topology_format(&t, buf, sizeof(buf)), -EINVAL, "n_nodes 0");
	t = saved, t.n_nodes = 33;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "n_nodes 33");
	t = saved, t.n_sizes = 0;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "n_sizes 0");
	t = saved, t.n_sizes = 4;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "n_sizes 4");
	t = saved, t.sizes[1].page_sz = 3 * HM_MB;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "sizes[1].page_sz");
	t = saved, t.sizes[0].page_sz = 32 * HM_GB;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "sizes[0].page_sz");
	t = saved, t.sizes[1].page_sz = 4 * HM_MB;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "largest first");
	t = saved, t.sizes[0].pages[1] = HM_EMU_MAX_PAGES + 1;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "sizes[0].pages[1]");
	t = saved;
	memset(t.sizes, 0, sizeof(t.sizes));
	t.n_sizes = 1;
	t.sizes[0].page_sz = M2;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "no pages");
	t = saved, t.n_lcores = 0;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "n_lcores 0");
	t = saved, t.n_lcores = HM_MAX_LCORE + 1;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "n_lcores 129");
	t = saved, t.lcore_node[1] = 2;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "lcore_node[1] = 2");
	t = saved, t.lcore_node[0] = -2;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "lcore_node[0] = -2");
	t = saved, t.n_lcores = 3;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "lcore_node[2] is -1");
	t = saved, t.iova = (enum hm_emu_iova_layout)7;
	assert_err(hm_emu_topology_validate(&t), -EINVAL, "iova layout 7");

	/* create */
	params_init(&p, "nodes=2;4K=4,4;2M=2");
	be.ops = &hm_emu_ops;
	be.priv = NULL;
	assert_err(hm_emu_ops.create(NULL, &p), -EINVAL, "emu: create");
	assert_err(hm_emu_ops.create(&be, NULL), -EINVAL, "emu: create");
	p.topology = "nodes=2;4M=1,2,3";
	assert_err(hm_emu_ops.create(&be, &p), -EINVAL, "'4M' has 3 counts");
	assert_null(be.priv);
	p.topology = "nodes=2;4K=4,4;2M=2";
	p.fault = "nth=1;bogus";
	assert_err(hm_emu_ops.create(&be, &p), -EINVAL, "unknown item 'bogus'");
	assert_null(be.priv);
	p.fault = NULL;
	p.runtime_dir = NULL;
	assert_err(hm_emu_ops.create(&be, &p), -EINVAL, "runtime_dir is required");
	assert_null(be.priv);
	p.runtime_dir = "/nonexistent/hugemem/run";
	assert_err(hm_emu_ops.create(&be, &p), -ENOENT, "/nonexistent/hugemem/run");
	assert_null(be.priv);
	hm_emu_ops.destroy(NULL);
	hm_emu_ops.destroy(&be); /* NULL priv is fine */

	/* page_map / page_attach arguments */
	be_create(&be, "nodes=2;4K=4,4;2M=2", NULL);
	va = reserve(2 * M2, M2);
	assert_err(hm_emu_ops.page_map(NULL, &pg), -EINVAL, "page_map needs");
	assert_err(hm_emu_ops.page_map(&be, NULL), -EINVAL, "page_map needs");
	assert_err(map_page(&be, (char *)va + K4, M2, 0, &pg), -EINVAL, "not aligned to the page size 2M");
	assert_err(map_page(&be, (char *)va + 1, K4, 0, &pg), -EINVAL, "not aligned to the page size 4K");
	assert_err(map_page(&be, NULL, K4, 0, &pg), -EINVAL, "va (nil)");
	assert_err(map_page(&be, va, HM_GB, 0, &pg), -EINVAL, "page size 1073741824 is not in the topology (valid: 2M, 4K)");
	assert_err(map_page(&be, va, 3 * K4, 0, &pg), -EINVAL, "not in the topology");
	assert_err(map_page(&be, va, M2, 2, &pg), -EINVAL, "node 2 does not exist (valid: 0..1)");
	assert_err(map_page(&be, va, M2, HM_SOCKET_ID_ANY, &pg), -EINVAL, "node -1 does not exist");
	assert_reserved(va, 2 * M2);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, M2), 0);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	memset(&pg, 0, sizeof(pg));
	pg.va = va;
	pg.page_sz = M2;
	pg.handle = 0x1234;
	assert_err(hm_emu_ops.page_attach(&be, &pg), -EINVAL, "handle 0x1234 is not an emu page");
	assert_err(hm_emu_ops.page_attach(NULL, &pg), -EINVAL, "page_attach needs");
	pg.page_sz = 8 * K4;
	assert_err(hm_emu_ops.page_attach(&be, &pg), -EINVAL, "page size 32768 is not in the topology");
	assert_reserved(va, 2 * M2);

	/* probe */
	assert_err(hm_emu_ops.probe(NULL, &probe), -EINVAL, "probe needs");
	assert_err(hm_emu_ops.probe(&be, NULL), -EINVAL, "probe needs");

	/* fault specs: all rejected, none partly applied */
	static const struct {
		const char *s;
		const char *needle;
	} bad_fault[] = {
		{ "nth=0", "nth '0' is out of range (valid: 1..18446744073709551615)" },
		{ "nth=x", "nth 'x' is not a decimal number" },
		{ "nth=", "'nth' has an empty value" },
		{ "every=0", "every '0' is out of range" },
		{ "node=2", "node '2' is out of range (valid: 0..1)" },
		{ "node=-1", "node '-1' is not a decimal number" },
		{ "pool=0:3M:1", "pool size '3M' is not a page size" },
		{ "pool=0:1G:1", "pool size '1G' is not a page size" },
		{ "pool=0:2M", "pool='0:2M' is not NODE:SIZE:COUNT" },
		{ "pool=5:2M:1", "pool node '5' is out of range" },
		{ "pool=0:2M:x", "pool count 'x'" },
		{ "rate=1001", "rate (permille) '1001' is out of range (valid: 0..1000)" },
		{ "foo=1", "unknown key 'foo'" },
		{ "bogus", "unknown item 'bogus' (valid: nth=N, every=N" },
		{ ";", "empty item" },
		{ "nth=1;;", "empty item" },
		{ "clear;", "empty item" },
		{ "nth=1;nth=2", "'nth' given twice" },
		{ "every=1;every=2", "'every' given twice" },
		{ "rate=1;rate=2", "'rate' given twice" },
		{ "every=1;node=0;pool=0:2M:0;rate=1000;nth=1;zzz", "unknown item 'zzz'" },
	};
	for (size_t i = 0; i < sizeof(bad_fault) / sizeof(bad_fault[0]); i++) {
		assert_err(hm_emu_ops.fault(&be, bad_fault[i].s), -EINVAL, bad_fault[i].needle);
		assert_ptr_equal(strstr(hm_last_error(), "emu: fault spec: "), hm_last_error());
	}
	assert_err(hm_emu_ops.fault(&be, NULL), -EINVAL, "NULL spec");
	assert_err(hm_emu_ops.fault(NULL, "nth=1"), -EINVAL, "fault needs");
	assert_int_equal(hm_emu_ops.fault(&be, ""), 0);
	/* nothing of the rejected specs stuck: every map works, on both nodes */
	assert_int_equal(map_page(&be, va, M2, 0, &pg), 0);
	hm_emu_ops.page_unmap(&be, &pg);
	assert_int_equal(map_page(&be, va, M2, 1, &pg), 0);
	hm_emu_ops.page_unmap(&be, &pg);
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[0], 2);

	/* hm_emu_pages_in_use */
	assert_err(hm_emu_pages_in_use(NULL, 0, M2), -EINVAL, "emu backend");
	other.ops = NULL;
	other.priv = be.priv;
	assert_err(hm_emu_pages_in_use(&other, 0, M2), -EINVAL, "emu backend");
	assert_err(hm_emu_pages_in_use(&be, 2, M2), -EINVAL, "node 2 does not exist");
	assert_err(hm_emu_pages_in_use(&be, -1, M2), -EINVAL, "node -1 does not exist");
	assert_err(hm_emu_pages_in_use(&be, 0, HM_GB), -EINVAL, "page size 1G is not in the topology");
	assert_null(hm_emu_page_dir(NULL));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_emu_page_dir(&other));
	assert_int_equal(hm_errno, EINVAL);
	assert_non_null(hm_emu_page_dir(&be));

	hm_emu_ops.destroy(&be);
	assert_null(be.priv);
	hm_va_release(va, 2 * M2);
}

static void
test_emu_topology_default(void **state)
{
	struct hm_emu_topology t, t2;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int nl = ncpu < 1 ? 1 : ncpu > HM_MAX_LCORE ? HM_MAX_LCORE : (unsigned int)ncpu;

	(void)state;
	parse_ok(NULL, &t);
	assert_int_equal(t.n_nodes, 1);
	assert_int_equal(t.n_sizes, 1);
	assert_int_equal(t.sizes[0].page_sz, M2);
	assert_int_equal(t.sizes[0].pages[0], 1024);
	assert_int_equal(t.sizes[0].pages[1], 0);
	assert_int_equal(t.iova, HM_EMU_IOVA_CONTIG);
	assert_int_equal(t.seed, 1);
	assert_int_equal(t.n_lcores, nl);
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
		assert_int_equal(t.lcore_node[i], i < nl ? 0 : -1);
	parse_ok("", &t2);
	assert_memory_equal(&t, &t2, sizeof(t));

	/* nodes= alone: 2M=1024 on every node, lcores in blocks */
	parse_ok("nodes=4", &t);
	assert_int_equal(t.n_nodes, 4);
	assert_int_equal(t.n_sizes, 1);
	for (unsigned int n = 0; n < 4; n++)
		assert_int_equal(t.sizes[0].pages[n], 1024);
	assert_int_equal(t.n_lcores, nl);
	for (unsigned int i = 0; i < nl; i++)
		assert_int_equal(t.lcore_node[i], (int)(i * 4 / nl));

	/* the example of the design document, sizes sorted largest first */
	parse_ok("nodes=2;2M=512,512;1G=0,2;lcores=0-1@0,2-3@1;iova=shuffled;seed=7", &t);
	assert_int_equal(t.n_nodes, 2);
	assert_int_equal(t.n_sizes, 2);
	assert_int_equal(t.sizes[0].page_sz, HM_GB);
	assert_int_equal(t.sizes[0].pages[0], 0);
	assert_int_equal(t.sizes[0].pages[1], 2);
	assert_int_equal(t.sizes[1].page_sz, M2);
	assert_int_equal(t.sizes[1].pages[0], 512);
	assert_int_equal(t.sizes[1].pages[1], 512);
	assert_int_equal(t.n_lcores, 4);
	assert_int_equal(t.lcore_node[0], 0);
	assert_int_equal(t.lcore_node[1], 0);
	assert_int_equal(t.lcore_node[2], 1);
	assert_int_equal(t.lcore_node[3], 1);
	assert_int_equal(t.lcore_node[4], -1);
	assert_int_equal(t.iova, HM_EMU_IOVA_SHUFFLED);
	assert_int_equal(t.seed, 7);

	/* one count for every node; lcores without @ on node 0; sparse lcores */
	parse_ok("seed=18446744073709551615;4K=3;nodes=3;lcores=5,2@2,7-8@1;iova=fragmented", &t);
	assert_int_equal(t.sizes[0].page_sz, K4);
	for (unsigned int n = 0; n < 3; n++)
		assert_int_equal(t.sizes[0].pages[n], 3);
	assert_int_equal(t.n_lcores, 9);
	assert_int_equal(t.lcore_node[0], -1);
	assert_int_equal(t.lcore_node[2], 2);
	assert_int_equal(t.lcore_node[5], 0);
	assert_int_equal(t.lcore_node[7], 1);
	assert_int_equal(t.lcore_node[8], 1);
	assert_int_equal(t.seed, UINT64_MAX);
	assert_int_equal(t.iova, HM_EMU_IOVA_FRAGMENTED);

	/* size spellings hm_parse_size accepts, limits */
	parse_ok("2048K=1;16G=1;4096=2", &t);
	assert_int_equal(t.n_sizes, 3);
	assert_int_equal(t.sizes[0].page_sz, 16 * HM_GB);
	assert_int_equal(t.sizes[1].page_sz, M2);
	assert_int_equal(t.sizes[2].page_sz, K4);
	assert_int_equal(t.sizes[2].pages[0], 2);
	parse_ok("nodes=32;4K=1048576;lcores=127@31", &t);
	assert_int_equal(t.sizes[0].pages[31], HM_EMU_MAX_PAGES);
	assert_int_equal(t.n_lcores, 128);
}

static void
assert_roundtrip(const char *s)
{
	struct hm_emu_topology a, b;
	char buf1[HM_EMU_TOPOLOGY_STR_MAX], buf2[HM_EMU_TOPOLOGY_STR_MAX];
	int n;

	parse_ok(s, &a);
	n = hm_emu_topology_format(&a, buf1, sizeof(buf1));
	assert_int_equal(n, (int)strlen(buf1));
	parse_ok(buf1, &b);
	if (memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("'%s' -> '%s' does not parse back to the same topology", s, buf1);
	assert_int_equal(hm_emu_topology_format(&b, buf2, sizeof(buf2)), n);
	assert_string_equal(buf1, buf2);
	/* exactly n + 1 bytes is enough, n is not */
	assert_int_equal(hm_emu_topology_format(&a, buf2, (size_t)n + 1), n);
	assert_int_equal(hm_emu_topology_format(&a, buf2, (size_t)n), -ENAMETOOLONG);
}

static void
test_emu_topology_roundtrip(void **state)
{
	static const char *const strs[] = {
		NULL,
		"nodes=2",
		"nodes=2;2M=512,512;1G=0,2;lcores=0@0,1@1;iova=shuffled;seed=7",
		"nodes=2;2M=512,512;1G=0,2;lcores=0-1@0,2-3@1;iova=shuffled;seed=7",
		"4K=1",
		"16G=1;4K=1048576;64K=0",
		"nodes=3;2M=1,2,3;lcores=0,1,2,3,4@1,5@2,9@2",
		"nodes=32;1G=1;lcores=0-127@31",
		"lcores=127;seed=0;iova=fragmented",
		"seed=18446744073709551615",
	};
	struct hm_emu_topology t, back;
	char buf[HM_EMU_TOPOLOGY_STR_MAX];
	uint64_t rnd = hm_test_seed();

	(void)state;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		assert_roundtrip(strs[i]);
	parse_ok("nodes=2;2M=512,512;1G=0,2;lcores=0-1@0,2-3@1;iova=shuffled;seed=7", &t);
	int len = hm_emu_topology_format(&t, buf, sizeof(buf));
	assert_int_equal(len, (int)strlen(buf));
	assert_string_equal(buf, "nodes=2;1G=0,2;2M=512;lcores=0-1@0,2-3@1;iova=shuffled;seed=7");

	/* The longest string there is fits in HM_EMU_TOPOLOGY_STR_MAX. */
	memset(&t, 0, sizeof(t));
	t.n_nodes = HM_MAX_NUMA_NODES;
	t.n_sizes = HM_MAX_PAGE_SIZES;
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++) {
		t.sizes[k].page_sz = (16 * HM_GB) >> k;
		for (unsigned int n = 0; n < t.n_nodes; n++)
			t.sizes[k].pages[n] = HM_EMU_MAX_PAGES - n;
	}
	t.n_lcores = HM_MAX_LCORE;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
		t.lcore_node[i] = (int16_t)(30 + i % 2); /* no ranges: "126@30,127@31" */
	t.iova = HM_EMU_IOVA_FRAGMENTED;
	t.seed = UINT64_MAX;
	assert_int_equal(hm_emu_topology_validate(&t), 0);
	assert_true(hm_emu_topology_format(&t, buf, sizeof(buf)) > 0);
	parse_ok(buf, &back);
	assert_memory_equal(&t, &back, sizeof(t));

	/* Random valid structs, filled by hand like a user would. */
	for (int iter = 0; iter < 2000; iter++) {
		memset(&t, 0, sizeof(t));
		t.n_nodes = 1 + (unsigned int)(hm_test_rand(&rnd) % HM_MAX_NUMA_NODES);
		t.n_sizes = 1 + (unsigned int)(hm_test_rand(&rnd) % HM_MAX_PAGE_SIZES);
		/* shifts 30..34, then down by 1..9 each: distinct, within 12..34 */
		unsigned int shift = 34 - (unsigned int)(hm_test_rand(&rnd) % 5);
		for (unsigned int k = 0; k < t.n_sizes; k++) {
			t.sizes[k].page_sz = 1ULL << shift;
			shift -= 1 + (unsigned int)(hm_test_rand(&rnd) % 9);
			bool same = hm_test_rand(&rnd) % 2;
			uint32_t c0 = (uint32_t)(hm_test_rand(&rnd) % (HM_EMU_MAX_PAGES + 1));
			for (unsigned int n = 0; n < t.n_nodes; n++)
				t.sizes[k].pages[n] = same ? c0 :
					(uint32_t)(hm_test_rand(&rnd) % (HM_EMU_MAX_PAGES + 1));
		}
		t.sizes[0].pages[0] |= 1;
		t.n_lcores = 1 + (unsigned int)(hm_test_rand(&rnd) % HM_MAX_LCORE);
		for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
			t.lcore_node[i] = i >= t.n_lcores ? -1 :
				(int16_t)((int)(hm_test_rand(&rnd) % (t.n_nodes + 1)) - 1);
		t.lcore_node[t.n_lcores - 1] = (int16_t)(t.n_nodes - 1);
		t.iova = (enum hm_emu_iova_layout)(hm_test_rand(&rnd) % 3);
		t.seed = hm_test_rand(&rnd);
		for (unsigned int k = t.n_sizes; k < HM_MAX_PAGE_SIZES; k++)
			memset(&t.sizes[k], 0, sizeof(t.sizes[k]));
		if (hm_emu_topology_validate(&t) != 0)
			fail_msg("generated topology is invalid: %s", hm_last_error());
		assert_true(hm_emu_topology_format(&t, buf, sizeof(buf)) > 0);
		parse_ok(buf, &back);
		if (memcmp(&t, &back, sizeof(t)) != 0)
			fail_msg("iteration %d: '%s' parses to a different topology", iter, buf);
	}
}

/* Map n pages of size sz on node into a fresh reservation; pages[] get the results. */
static void *
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

static void
unmap_n(struct hm_backend *be, void *va, unsigned int n, struct hm_page *pages)
{
	for (unsigned int i = 0; i < n; i++)
		be->ops->page_unmap(be, &pages[i]);
	assert_reserved(va, n * pages[0].page_sz);
	hm_va_release(va, n * pages[0].page_sz);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
test_emu_map_shuffled_two_nodes(void **state)
{
	enum { N = 16 };
	struct hm_backend be;
	struct hm_page pg[2][N];
	uint64_t iova[2][N];
	char *va[2];
	bool identity = true;

	(void)state;
	be_create(&be, "nodes=2;2M=16,16;4K=4,4;lcores=0@0,1@1;iova=shuffled;seed=7", NULL);
	for (int n = 0; n < 2; n++) {
		va[n] = map_n(&be, M2, n, N, pg[n]);
		assert_int_equal(hm_emu_pages_in_use(&be, n, M2), N);
	}
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	for (int n = 0; n < 2; n++) {
		for (int i = 0; i < N; i++) {
			assert_string_equal(va_prot(va[n] + i * M2), "rw-");
			/* a fresh page reads as zero; then holds what is written */
			assert_int_equal(va[n][i * M2], 0);
			assert_int_equal(va[n][i * M2 + M2 - 1], 0);
			memset(va[n] + i * M2, 'A' + n * N + i, 64);
			va[n][i * M2 + M2 - 1] = (char)i;
			iova[n][i] = pg[n][i].iova;
			assert_int_equal(iova[n][i] % M2, 0);
		}
	}
	for (int n = 0; n < 2; n++)
		for (int i = 0; i < N; i++) {
			assert_int_equal(va[n][i * M2 + 63], 'A' + n * N + i);
			assert_int_equal(va[n][i * M2 + M2 - 1], i);
		}
	/* per node: a permutation of the pool's N frames; pools disjoint */
	for (int n = 0; n < 2; n++) {
		uint64_t s[N];
		memcpy(s, iova[n], sizeof(s));
		qsort(s, N, sizeof(s[0]), cmp_u64);
		for (int i = 0; i < N; i++) {
			assert_int_equal(s[i], s[0] + (uint64_t)i * M2); /* exactly 0..N-1 */
			identity = identity && iova[n][i] == s[i];
		}
	}
	assert_false(identity); /* shuffled is not contiguous (seed 7) */
	uint64_t lo0 = iova[0][0], hi0 = iova[0][0], lo1 = iova[1][0], hi1 = iova[1][0];
	for (int i = 0; i < N; i++) {
		lo0 = iova[0][i] < lo0 ? iova[0][i] : lo0;
		hi0 = iova[0][i] > hi0 ? iova[0][i] : hi0;
		lo1 = iova[1][i] < lo1 ? iova[1][i] : lo1;
		hi1 = iova[1][i] > hi1 ? iova[1][i] : hi1;
	}
	assert_true(hi0 + M2 <= lo1 || hi1 + M2 <= lo0);
	/* exhausted: -ENOMEM naming node and size, VA still reserved */
	char *extra = reserve(M2, M2);
	struct hm_page xp;
	assert_err(map_page(&be, extra, M2, 1, &xp), -ENOMEM, "no free 2M page on node 1 (all 16 in use)");
	assert_reserved(extra, M2);
	/* 4K pools live in their own ranges too */
	struct hm_page p4[2];
	char *v4 = map_n(&be, K4, 0, 1, &p4[0]);
	char *v4b = map_n(&be, K4, 1, 1, &p4[1]);
	for (int n = 0; n < 2; n++)
		for (int i = 0; i < N; i++) {
			assert_true(p4[0].iova != iova[n][i] && p4[1].iova != iova[n][i]);
			assert_true(p4[0].iova >> 44 != iova[n][i] >> 44);
		}
	assert_true(p4[0].iova >> 44 != p4[1].iova >> 44);
	unmap_n(&be, v4, 1, &p4[0]);
	unmap_n(&be, v4b, 1, &p4[1]);
	for (int n = 0; n < 2; n++) {
		unmap_n(&be, va[n], N, pg[n]);
		assert_int_equal(hm_emu_pages_in_use(&be, n, M2), 0);
	}
	hm_emu_ops.destroy(&be);
	hm_va_release(extra, M2);
}

/* IOVAs of n consecutive maps on node 0 with topology @p topo. */
static void
iova_sequence(const char *topo, uint64_t sz, unsigned int n, uint64_t *iova)
{
	struct hm_backend be;
	struct hm_page pg[64];
	char *va;

	assert_true(n <= 64);
	be_create(&be, topo, NULL);
	va = map_n(&be, sz, 0, n, pg);
	for (unsigned int i = 0; i < n; i++)
		iova[i] = pg[i].iova;
	unmap_n(&be, va, n, pg);
	hm_emu_ops.destroy(&be);
}

static void
test_emu_layouts(void **state)
{
	enum { N = 64 };
	uint64_t a[N], b[N], c[N];
	unsigned int runs = 0, longest = 0, run = 1;

	(void)state;
	/* contig: consecutive maps are IOVA-contiguous, pool 0 at 1 << 44 */
	iova_sequence("4K=64;iova=contig", K4, N, a);
	assert_int_equal(a[0], 1ULL << 44);
	for (int i = 1; i < N; i++)
		assert_int_equal(a[i], a[i - 1] + K4);
	/* second pool (node 1) starts at 2 << 44 */
	{
		struct hm_backend be;
		struct hm_page pg;
		char *va;
		be_create(&be, "nodes=2;4K=2", NULL);
		va = map_n(&be, K4, 1, 1, &pg);
		assert_int_equal(pg.iova, 2ULL << 44);
		unmap_n(&be, va, 1, &pg);
		hm_emu_ops.destroy(&be);
	}

	/* shuffled: a permutation, deterministic per seed */
	iova_sequence("4K=64;iova=shuffled;seed=42", K4, N, a);
	iova_sequence("4K=64;iova=shuffled;seed=42", K4, N, b);
	iova_sequence("4K=64;iova=shuffled;seed=43", K4, N, c);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	memcpy(b, a, sizeof(a));
	qsort(b, N, sizeof(b[0]), cmp_u64);
	for (int i = 0; i < N; i++)
		assert_int_equal(b[i], (1ULL << 44) + (uint64_t)i * K4);
	int contiguous_steps = 0;
	for (int i = 1; i < N; i++)
		contiguous_steps += a[i] == a[i - 1] + K4;
	assert_true(contiguous_steps < N / 4);

	/* fragmented: increasing, runs of 1..4 contiguous frames, gaps >= 1 page */
	iova_sequence("4K=64;iova=fragmented;seed=5", K4, N, a);
	iova_sequence("4K=64;iova=fragmented;seed=5", K4, N, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(a[0], 1ULL << 44);
	for (int i = 1; i < N; i++) {
		assert_true(a[i] > a[i - 1]);
		if (a[i] == a[i - 1] + K4) {
			run++;
		} else {
			assert_true(a[i] >= a[i - 1] + 2 * K4);
			assert_true(a[i] <= a[i - 1] + 4 * K4);
			runs++;
			longest = run > longest ? run : longest;
			run = 1;
		}
		assert_true(run <= 4);
	}
	assert_true(runs >= N / 4 - 1); /* at most 4 frames per run */
	assert_true(longest >= 2);      /* some contiguity */

	/* 2M pages: same rules, and IOVAs aligned to the page */
	iova_sequence("2M=8;iova=fragmented;seed=9", M2, 8, a);
	for (int i = 0; i < 8; i++)
		assert_int_equal(a[i] % M2, 0);
}

static void
test_emu_unmap_returns_frame(void **state)
{
	struct hm_backend be;
	struct hm_page pg[4], again;
	char *va;

	(void)state;
	be_create(&be, "4K=4", NULL);
	va = map_n(&be, K4, 0, 4, pg);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 4);
	va[K4] = 'x';
	hm_emu_ops.page_unmap(&be, &pg[1]);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 3);
	assert_reserved(va + K4, K4);
	assert_string_equal(va_prot(va), "rw-");
	assert_string_equal(va_prot(va + 2 * K4), "rw-");
	/* the lowest free frame comes back, zeroed, at any VA */
	assert_int_equal(map_page(&be, va + K4, K4, 0, &again), 0);
	assert_int_equal(again.iova, pg[1].iova);
	assert_int_equal(again.handle, pg[1].handle);
	assert_int_equal(va[K4], 0);
	pg[1] = again;
	/* exhaustion leaves the VA reserved */
	char *extra = reserve(K4, K4);
	struct hm_page xp;
	assert_err(map_page(&be, extra, K4, 0, &xp), -ENOMEM, "no free 4K page on node 0");
	assert_reserved(extra, K4);
	hm_va_release(extra, K4);
	unmap_n(&be, va, 4, pg);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	hm_emu_ops.destroy(&be);
}

/* One map+unmap at @p va: the page_map return code. */
static int
cycle(struct hm_backend *be, void *va, uint64_t sz, int node)
{
	struct hm_page pg;
	int rc = map_page(be, va, sz, node, &pg);

	if (rc == 0)
		be->ops->page_unmap(be, &pg);
	else
		assert_reserved(va, sz);
	return rc;
}

static void
test_emu_fault_nth(void **state)
{
	struct hm_backend be;
	char *va = reserve(K4, K4);

	(void)state;
	be_create(&be, "4K=4", NULL);
	assert_int_equal(cycle(&be, va, K4, 0), 0); /* calls before the spec do not count */
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(hm_emu_ops.fault(&be, "nth=3"), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "emu: injected fault (nth=3)");
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	for (int i = 0; i < 10; i++) /* once only */
		assert_int_equal(cycle(&be, va, K4, 0), 0);
	/* invalid-argument calls do not count */
	assert_int_equal(hm_emu_ops.fault(&be, "nth=1"), 0);
	assert_int_equal(cycle(&be, va, K4, 5), -EINVAL);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=1");
	hm_emu_ops.destroy(&be);

	/* at create */
	be_create(&be, "4K=4", "nth=2");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=2");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_fault_every(void **state)
{
	struct hm_backend be;
	char *va = reserve(K4, K4);

	(void)state;
	be_create(&be, "4K=1", NULL);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(hm_emu_ops.fault(&be, "every=3"), 0);
	for (int i = 1; i <= 12; i++) {
		if (i % 3 == 0)
			assert_err(cycle(&be, va, K4, 0), -ENOMEM, "injected fault (every=3)");
		else
			assert_int_equal(cycle(&be, va, K4, 0), 0);
	}
	/* every=1: all fail; nth and every together count the same calls */
	assert_int_equal(hm_emu_ops.fault(&be, "clear;every=1"), 0);
	for (int i = 0; i < 3; i++)
		assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=1");
	assert_int_equal(hm_emu_ops.fault(&be, "clear;every=2;nth=3"), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=2");
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=3");
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=2");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_fault_node(void **state)
{
	struct hm_backend be;
	char *va = reserve(M2, M2);

	(void)state;
	be_create(&be, "nodes=3;4K=2;2M=1", "node=1");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cycle(&be, va, K4, 0), 0);
		assert_err(cycle(&be, va, K4, 1), -ENOMEM, "injected fault (node=1)");
		assert_err(cycle(&be, va, M2, 1), -ENOMEM, "2M page on node 1");
		assert_int_equal(cycle(&be, va, M2, 2), 0);
	}
	assert_int_equal(hm_emu_ops.fault(&be, "node=2"), 0); /* adds a node */
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(cycle(&be, va, K4, 1), -ENOMEM);
	assert_int_equal(cycle(&be, va, K4, 2), -ENOMEM);
	assert_int_equal(hm_emu_ops.fault(&be, "clear"), 0);
	assert_int_equal(cycle(&be, va, K4, 1), 0);
	assert_int_equal(cycle(&be, va, K4, 2), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, M2);
}

static void
test_emu_fault_pool(void **state)
{
	struct hm_backend be;
	struct hm_page pg[4], xp;
	struct hm_probe probe;
	char *va, *extra = reserve(M2, M2);

	(void)state;
	be_create(&be, "nodes=2;2M=4;4K=1", NULL);
	va = map_n(&be, M2, 0, 3, pg);
	assert_int_equal(hm_emu_ops.fault(&be, "pool=0:2M:2"), 0);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, M2), 3); /* not revoked */
	assert_string_equal(va_prot(va + 2 * M2), "rw-");
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[0], 2);
	assert_int_equal(probe.sizes[0].num_pages[1], 4);
	assert_err(map_page(&be, extra, M2, 0, &xp), -ENOMEM, "injected fault (pool=0:2M:2)");
	assert_reserved(extra, M2);
	assert_int_equal(cycle(&be, extra, M2, 1), 0); /* other node unaffected */
	hm_emu_ops.page_unmap(&be, &pg[2]);
	hm_emu_ops.page_unmap(&be, &pg[1]);
	assert_int_equal(map_page(&be, va + M2, M2, 0, &pg[1]), 0);
	assert_err(map_page(&be, va + 2 * M2, M2, 0, &xp), -ENOMEM, "pool=0:2M:2");
	/* limit 0, and a limit above the pool's size clamps */
	assert_int_equal(hm_emu_ops.fault(&be, "pool=1:2M:0;pool=0:4K:100"), 0);
	assert_int_equal(cycle(&be, extra, M2, 1), -ENOMEM);
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[1], 0);
	assert_int_equal(probe.sizes[1].num_pages[0], 1);
	char *d = dump_str(&be);
	assert_non_null(strstr(d, "pool=0:2M:2"));
	assert_non_null(strstr(d, "pool 2M node 0: total 4, in use 2, limit 2"));
	assert_non_null(strstr(d, "pool 2M node 1: total 4, in use 0, limit 0"));
	free(d);
	assert_int_equal(hm_emu_ops.fault(&be, "clear"), 0);
	assert_int_equal(hm_emu_ops.probe(&be, &probe), 0);
	assert_int_equal(probe.sizes[0].num_pages[0], 4);
	assert_int_equal(probe.sizes[0].num_pages[1], 4);
	assert_int_equal(map_page(&be, va + 2 * M2, M2, 0, &pg[2]), 0);
	unmap_n(&be, va, 3, pg);
	hm_emu_ops.destroy(&be);
	hm_va_release(extra, M2);
}

/* Failure pattern of n map/unmap cycles after applying @p spec. */
static uint64_t
rate_pattern(const char *topo, const char *spec, char *va, int n)
{
	struct hm_backend be;
	uint64_t bits = 0;

	be_create(&be, topo, NULL);
	assert_int_equal(hm_emu_ops.fault(&be, spec), 0);
	for (int i = 0; i < n; i++) {
		int rc = cycle(&be, va, K4, 0);
		if (rc != 0) {
			assert_int_equal(rc, -ENOMEM);
			assert_non_null(strstr(hm_last_error(), "emu: injected fault ("));
			bits |= 1ULL << i;
		}
	}
	hm_emu_ops.destroy(&be);
	return bits;
}

static void
test_emu_fault_rate(void **state)
{
	char *va = reserve(K4, K4);
	uint64_t a, b, c;
	struct hm_backend be;

	(void)state;
	a = rate_pattern("4K=1;seed=11", "rate=500", va, 64);
	b = rate_pattern("4K=1;seed=11", "rate=500", va, 64);
	c = rate_pattern("4K=1;seed=12", "rate=500", va, 64);
	assert_int_equal(a, b);
	assert_true(a != c);
	assert_true(__builtin_popcountll(a) > 8 && __builtin_popcountll(a) < 56);
	/* other faults do not shift the rate sequence: every armed fault advances per call */
	b = a | 1ULL << 2; /* call 3 */
	for (int i = 9; i < 64; i += 10)
		b |= 1ULL << i; /* calls 10, 20, ... */
	assert_int_equal(rate_pattern("4K=1;seed=11", "rate=500;nth=3;every=10", va, 64), b);
	assert_int_equal(rate_pattern("4K=1;seed=11", "rate=0", va, 64), 0);
	assert_int_equal(rate_pattern("4K=1;seed=11", "rate=1000", va, 64), UINT64_MAX);
	/* rate= restarts the sequence: the same pattern after other calls */
	be_create(&be, "4K=1;seed=11", NULL);
	for (int i = 0; i < 5; i++)
		assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(hm_emu_ops.fault(&be, "rate=500"), 0);
	for (int i = 0; i < 7; i++)
		cycle(&be, va, K4, 0);
	assert_int_equal(hm_emu_ops.fault(&be, "rate=500"), 0);
	b = 0;
	for (int i = 0; i < 64; i++)
		if (cycle(&be, va, K4, 0) != 0)
			b |= 1ULL << i;
	assert_int_equal(a, b);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_fault_clear_dump(void **state)
{
	struct hm_backend be;
	char *va = reserve(K4, K4), *d;

	(void)state;
	be_create(&be, "nodes=2;4K=2", "nth=1;every=4;node=1;rate=0");
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "nth=1");
	assert_err(cycle(&be, va, K4, 1), -ENOMEM, "node=1");
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_err(cycle(&be, va, K4, 0), -ENOMEM, "every=4");
	d = dump_str(&be);
	assert_non_null(strstr(d, "emu: topology nodes=2;4K=2;lcores="));
	assert_non_null(strstr(d, "every=4"));
	assert_non_null(strstr(d, "node=1"));
	assert_null(strstr(d, " nth="));
	assert_non_null(strstr(d, "page_map calls 4, injected failures nth 1 every 1 node 1 pool 0 rate 0"));
	assert_non_null(strstr(d, "pool 4K node 1: total 2, in use 0, limit 2"));
	free(d);
	assert_int_equal(hm_emu_ops.fault(&be, "clear"), 0);
	d = dump_str(&be);
	assert_non_null(strstr(d, "faults:\n"));
	assert_non_null(strstr(d, "page_map calls 0, injected failures nth 0 every 0 node 0 pool 0 rate 0"));
	free(d);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(cycle(&be, va, K4, 0), 0);
		assert_int_equal(cycle(&be, va, K4, 1), 0);
	}
	/* clear inside a spec: later items apply */
	assert_int_equal(hm_emu_ops.fault(&be, "node=0;clear;node=1"), 0);
	assert_int_equal(cycle(&be, va, K4, 0), 0);
	assert_int_equal(cycle(&be, va, K4, 1), -ENOMEM);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_page_files(void **state)
{
	struct hm_backend be;
	struct hm_page pg[3];
	struct stat st;
	char name[64], path[2 * PATH_MAX];
	char *va;

	(void)state;
	be_create(&be, "nodes=2;2M=2;4K=3", NULL);
	assert_int_equal(stat(pagedir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(hm_test_count_files(pagedir), 0);
	va = map_n(&be, K4, 1, 3, pg);
	assert_int_equal(hm_test_count_files(pagedir), 3);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), PREFIX "map_4k_1_%d", i);
		assert_true(file_exists(pagedir, name));
		snprintf(path, sizeof(path), "%s/%s", pagedir, name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, K4);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* the file is the page: same bytes */
	memcpy(va + K4, "hello", 6);
	snprintf(path, sizeof(path), "%s/" PREFIX "map_4k_1_1", pagedir);
	{
		char got[6] = { 0 };
		int fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(pread(fd, got, 6, 0), 6);
		close(fd);
		assert_string_equal(got, "hello");
	}
	hm_emu_ops.page_unmap(&be, &pg[1]);
	assert_false(file_exists(pagedir, PREFIX "map_4k_1_1"));
	assert_true(file_exists(pagedir, PREFIX "map_4k_1_0"));
	assert_int_equal(hm_test_count_files(pagedir), 2);
	/* 2M on node 0 */
	struct hm_page p2;
	char *v2 = map_n(&be, M2, 0, 1, &p2);
	assert_true(file_exists(pagedir, PREFIX "map_2048k_0_0"));
	unmap_n(&be, v2, 1, &p2);
	assert_false(file_exists(pagedir, PREFIX "map_2048k_0_0"));
	hm_emu_ops.page_unmap(&be, &pg[0]);
	hm_emu_ops.page_unmap(&be, &pg[2]);
	assert_int_equal(hm_test_count_files(pagedir), 0);
	hm_va_release(va, 3 * K4);
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_files(pagedir), -1); /* empty dir removed */
}

/* Create, map one page, check its file is in @p want_dir, destroy. */
static void
check_pagedir_for(const char *rd, const char *want_dir)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg;
	char *va = reserve(K4, K4);

	params_init(&p, "4K=1");
	p.runtime_dir = rd;
	if (hm_emu_ops.create(&be, &p) != 0)
		fail_msg("create: %s", hm_last_error());
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_true(file_exists(want_dir, PREFIX "map_4k_0_0"));
	hm_emu_ops.page_unmap(&be, &pg);
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_files(want_dir), -1);
	hm_va_release(va, K4);
}

static void
test_emu_pagedir_choice(void **state)
{
	char rd[256], other[272], want[PATH_MAX], want2[PATH_MAX];
	bool tested_shm = false, tested_tmpfs = false;

	(void)state;
	/* runtime dir not on tmpfs: /dev/shm/hugemem-<euid>-<fnv1a(rd)>, distinct per dir */
	snprintf(rd, sizeof(rd), "/tmp/hm-emu-test-%d", (int)getpid());
	if (!on_tmpfs("/tmp") && on_tmpfs("/dev/shm")) {
		snprintf(other, sizeof(other), "%s-b", rd);
		assert_int_equal(mkdir(rd, 0700), 0);
		assert_int_equal(mkdir(other, 0700), 0);
		expected_pagedir(rd, want, sizeof(want));
		expected_pagedir(other, want2, sizeof(want2));
		assert_string_not_equal(want, want2);
		check_pagedir_for(rd, want);
		check_pagedir_for(other, want2);
		rmdir(rd);
		rmdir(other);
		tested_shm = true;
	}
	/* runtime dir on tmpfs: <rd>/pages */
	if (on_tmpfs("/dev/shm")) {
		snprintf(rd, sizeof(rd), "/dev/shm/hm-emu-test-%d", (int)getpid());
		assert_int_equal(mkdir(rd, 0700), 0);
		snprintf(want, sizeof(want), "%s/pages", rd);
		check_pagedir_for(rd, want);
		assert_int_equal(rmdir(rd), 0); /* nothing left in it */
		tested_tmpfs = true;
	}
	if (!tested_shm || !tested_tmpfs)
		skip(); /* needs /tmp off tmpfs and /dev/shm on tmpfs */
}

static void
test_emu_leftover_cleanup(void **state)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops }, sec = { .ops = &hm_emu_ops };
	struct hm_page pg;
	char *va = reserve(K4, K4);

	(void)state;
	/* a primary that crashed left files; other prefixes are not ours */
	assert_true(mkdir(pagedir, 0700) == 0 || errno == EEXIST);
	write_file(pagedir, PREFIX "map_4k_0_0", "stale");
	write_file(pagedir, PREFIX "map_2048k_1_7", "stale");
	write_file(pagedir, "othermap_4k_0_0", "keep");
	write_file(pagedir, PREFIX "notmap", "keep");
	/* a secondary cleans nothing */
	params_init(&p, "4K=1");
	p.secondary = true;
	assert_int_equal(hm_emu_ops.create(&sec, &p), 0);
	assert_int_equal(hm_test_count_files(pagedir), 4);
	hm_emu_ops.destroy(&sec);
	assert_int_equal(hm_test_count_files(pagedir), 4);
	/* the primary removes <prefix>map_* only */
	be_create(&be, "4K=1", NULL);
	assert_int_equal(hm_test_count_files(pagedir), 2);
	assert_true(file_exists(pagedir, "othermap_4k_0_0"));
	assert_true(file_exists(pagedir, PREFIX "notmap"));
	/* a leftover appearing later is replaced by a fresh, zeroed page */
	write_file(pagedir, PREFIX "map_4k_0_0", "stale");
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_int_equal(va[0], 0);
	assert_false(pg.dirty);
	hm_emu_ops.page_unmap(&be, &pg);
	assert_false(file_exists(pagedir, PREFIX "map_4k_0_0"));
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_files(pagedir), 2); /* dir kept: not empty */
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/othermap_4k_0_0", pagedir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" PREFIX "notmap", pagedir);
	unlink(path);
	rmdir(pagedir);
	hm_va_release(va, K4);
}

static void
test_emu_in_memory(void **state)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg[4];
	int fds = hm_test_count_fds();
	char *va;

	(void)state;
	params_init(&p, "nodes=2;2M=2;4K=2");
	p.in_memory = true;
	p.runtime_dir = NULL; /* not needed */
	assert_int_equal(hm_emu_ops.create(&be, &p), 0);
	assert_int_equal(hm_test_count_files(pagedir), -1);
	va = map_n(&be, M2, 1, 2, pg);
	assert_int_equal(hm_test_count_fds(), fds); /* no fd kept per page */
	assert_int_equal(hm_test_count_files(pagedir), -1);
	va[0] = 1;
	va[M2 + 5] = 2;
	assert_int_equal(va[0] + va[M2 + 5], 3);
	assert_int_equal(va[1], 0);
	assert_true(pg[0].iova != pg[1].iova);
	struct hm_page a = pg[0];
	assert_err(hm_emu_ops.page_attach(&be, &a), -ENOTSUP, "in-memory");
	hm_emu_ops.page_unmap(&be, &pg[0]);
	assert_int_equal(map_page(&be, va, M2, 1, &pg[0]), 0);
	assert_int_equal(va[0], 0); /* fresh anonymous memory */
	unmap_n(&be, va, 2, pg);
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_fds(), fds);
	assert_int_equal(hm_test_count_files(pagedir), -1);
}

/* Child side of test_emu_page_attach: 0 on success, else the failed step. */
static int
attach_child(struct hm_page *pg, int n, struct hm_page *gone)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };

	params_init(&p, "nodes=2;2M=2;4K=4");
	p.secondary = true;
	hm_test_quiet_log();
	if (hm_emu_ops.create(&be, &p) != 0)
		return 10;
	for (int i = 0; i < n; i++) {
		struct hm_page a = pg[i];
		char *v = a.va;
		/* forget the inherited mapping: the attach must bring the data back */
		if (hm_va_rereserve(v, a.page_sz) != 0)
			return 11;
		a.iova = 0;
		a.node = -1;
		if (hm_emu_ops.page_attach(&be, &a) != 0)
			return 12;
		if (a.iova != pg[i].iova || a.node != pg[i].node || a.dirty)
			return 13;
		if (v[0] != 'P' || v[1] != (char)('0' + i) || v[a.page_sz - 1] != 'E')
			return 14;
		v[2] = 'C'; /* visible to the parent */
	}
	/* a page that is not mapped has no file */
	if (hm_emu_ops.page_attach(&be, gone) != -ENOENT)
		return 15;
	if (hm_va_rereserve(gone->va, gone->page_sz) != 0)
		return 16;
	/* unmapping an attached page drops the mapping only */
	hm_emu_ops.page_unmap(&be, &pg[0]);
	hm_emu_ops.destroy(&be);
	return 0;
}

static void
test_emu_page_attach(void **state)
{
	enum { N = 3 };
	struct hm_backend be;
	struct hm_page pg[N], gone;
	char *va, *vg;
	pid_t pid;
	int status;

	(void)state;
	be_create(&be, "nodes=2;2M=2;4K=4", NULL);
	va = map_n(&be, K4, 1, N, pg);
	for (int i = 0; i < N; i++) {
		va[i * K4] = 'P';
		va[i * K4 + 1] = (char)('0' + i);
		va[i * K4 + K4 - 1] = 'E';
	}
	vg = reserve(K4, K4);
	gone = pg[0];
	gone.va = vg;
	gone.handle = pg[N - 1].handle + 1; /* frame 3: never mapped */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(attach_child(pg, N, &gone));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(va[i * K4 + 2], 'C');
	/* the secondary removed none of our files, nor the directory */
	assert_int_equal(hm_test_count_files(pagedir), N);
	assert_int_equal(hm_emu_pages_in_use(&be, 1, K4), N);
	unmap_n(&be, va, N, pg);
	hm_emu_ops.destroy(&be);
	hm_va_release(vg, K4);
}

static void
test_emu_map_failure_path(void **state)
{
	struct hm_backend be;
	struct hm_page pg;
	char *va = reserve(K4, K4);

	(void)state;
	be_create(&be, "4K=2", NULL);
	/* the page directory vanished (another instance of the same runtime dir
	 * removed it once empty): the next page_map makes it again */
	assert_int_equal(rmdir(pagedir), 0);
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_true(file_exists(pagedir, PREFIX "map_4k_0_0"));
	hm_emu_ops.page_unmap(&be, &pg);
	/* ... unless something else took its name: creating the file fails */
	assert_int_equal(rmdir(pagedir), 0);
	int fd = open(pagedir, O_CREAT | O_EXCL | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_err(map_page(&be, va, K4, 0, &pg), -ENOTDIR, "page directory");
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	assert_reserved(va, K4);
	assert_int_equal(unlink(pagedir), 0);
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_int_equal(pg.iova, 1ULL << 44); /* frame 0 was returned */
	hm_emu_ops.page_unmap(&be, &pg);
	/* an empty directory under the name is no page file: removed, then mapped */
	char path[2 * PATH_MAX], inner[3 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/" PREFIX "map_4k_0_0", pagedir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	hm_emu_ops.page_unmap(&be, &pg);
	/* one that cannot be removed (not empty) is in the way */
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/x", path);
	assert_int_equal(mkdir(inner, 0700), 0);
	assert_err(map_page(&be, va, K4, 0, &pg), -EEXIST, PREFIX "map_4k_0_0");
	assert_reserved(va, K4);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	assert_int_equal(rmdir(inner), 0);
	assert_int_equal(rmdir(path), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_destroy_cleanup(void **state)
{
	struct hm_backend be;
	struct hm_page p2[2], p4[3];
	int fds, maps;
	char *v2, *v4;

	(void)state;
	fds = hm_test_count_fds();
	be_create(&be, "nodes=2;2M=2;4K=3", NULL);
	v2 = map_n(&be, M2, 1, 2, p2);
	v4 = map_n(&be, K4, 0, 3, p4);
	v2[0] = v4[0] = 1;
	assert_int_equal(hm_test_count_files(pagedir), 5);
	assert_int_equal(hm_test_count_fds(), fds + 1); /* the page dir, no fd per page */
	maps = hm_test_count_maps();
	hm_emu_ops.destroy(&be);
	assert_null(be.priv);
	assert_int_equal(hm_test_count_files(pagedir), -1);
	assert_int_equal(hm_test_count_fds(), fds);
	assert_reserved(v2, 2 * M2);
	assert_reserved(v4, 3 * K4);
	assert_true(hm_test_count_maps() <= maps);
	hm_va_release(v2, 2 * M2);
	hm_va_release(v4, 3 * K4);
	/* create/destroy cycles leak nothing */
	for (int i = 0; i < 5; i++) {
		be_create(&be, NULL, NULL);
		hm_emu_ops.destroy(&be);
	}
	assert_int_equal(hm_test_count_fds(), fds);
	assert_int_equal(hm_test_count_files(pagedir), -1);
}

static void
test_emu_probe(void **state)
{
	struct hm_backend be;
	struct hm_probe pr;

	(void)state;
	be_create(&be, "nodes=3;2M=1,2,3;1G=0,0,1;lcores=0-1@2,4@1", NULL);
	assert_int_equal(hm_emu_ops.probe(&be, &pr), 0);
	assert_int_equal(pr.n_nodes, 3);
	assert_int_equal(pr.n_sizes, 2);
	assert_int_equal(pr.sizes[0].page_sz, HM_GB);
	assert_int_equal(pr.sizes[0].num_pages[2], 1);
	assert_int_equal(pr.sizes[0].num_pages[0], 0);
	assert_int_equal(pr.sizes[1].page_sz, M2);
	for (int n = 0; n < 3; n++)
		assert_int_equal(pr.sizes[1].num_pages[n], n + 1);
	assert_int_equal(pr.n_lcores, 5);
	assert_int_equal(pr.lcore_node[0], 2);
	assert_int_equal(pr.lcore_node[1], 2);
	assert_int_equal(pr.lcore_node[2], -1);
	assert_int_equal(pr.lcore_node[3], -1);
	assert_int_equal(pr.lcore_node[4], 1);
	assert_true(pr.has_pa);
	assert_string_equal(hm_emu_ops.name, "emu");
	assert_non_null(hm_emu_ops.description);
	assert_null(hm_emu_ops.virt2iova);
	assert_null(hm_emu_ops.node_of);

	/* a 1G page, touched only at its first bytes */
	char *va = reserve(HM_GB, HM_GB);
	struct hm_page pg;
	assert_err(map_page(&be, va, HM_GB, 0, &pg), -ENOMEM, "no free 1G page on node 0 (all 0 in use)");
	assert_int_equal(map_page(&be, va, HM_GB, 2, &pg), 0);
	assert_int_equal(pg.iova % HM_GB, 0);
	assert_int_equal(pg.node, 2);
	va[0] = 7;
	assert_int_equal(va[0], 7);
	assert_true(file_exists(pagedir, PREFIX "map_1048576k_2_0"));
	hm_emu_ops.page_unmap(&be, &pg);
	assert_reserved(va, HM_GB);
	hm_va_release(va, HM_GB);
	hm_emu_ops.destroy(&be);
}

/* ------------------------------------------------------------------ main */

static int
group_setup(void **state)
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

static int
group_teardown(void **state)
{
	(void)state;
	rmdir(pagedir);
	return rmdir(rundir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_invalid_args),
		cmocka_unit_test(test_emu_topology_default),
		cmocka_unit_test(test_emu_topology_roundtrip),
		cmocka_unit_test(test_emu_map_shuffled_two_nodes),
		cmocka_unit_test(test_emu_layouts),
		cmocka_unit_test(test_emu_unmap_returns_frame),
		cmocka_unit_test(test_emu_fault_nth),
		cmocka_unit_test(test_emu_fault_every),
		cmocka_unit_test(test_emu_fault_node),
		cmocka_unit_test(test_emu_fault_pool),
		cmocka_unit_test(test_emu_fault_rate),
		cmocka_unit_test(test_emu_fault_clear_dump),
		cmocka_unit_test(test_emu_page_files),
		cmocka_unit_test(test_emu_pagedir_choice),
		cmocka_unit_test(test_emu_leftover_cleanup),
		cmocka_unit_test(test_emu_in_memory),
		cmocka_unit_test(test_emu_page_attach),
		cmocka_unit_test(test_emu_map_failure_path),
		cmocka_unit_test(test_emu_destroy_cleanup),
		cmocka_unit_test(test_emu_probe),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
