/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the emu backend, part 1: the error contract and topology
 * parse/format/validate. Part 2 (test_emu_map.c): page map/unmap through the
 * ops table, synthetic IOVA layouts, fault injection; part 3
 * (test_emu_files.c): page files and directories, cleanup, attach, probe.
 * Needs no hugepages and no root; /dev/shm (tmpfs) is used when the runtime
 * dir is not on tmpfs, as in production (emu_test_common.h).
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
#include "emu_test_common.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_invalid_args),
		cmocka_unit_test(test_emu_topology_default),
		cmocka_unit_test(test_emu_topology_roundtrip),
	};

	return cmocka_run_group_tests(tests, emu_group_setup, emu_group_teardown);
}
