/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public test helpers (hugemem/testing.h): backend and mount selection from
 * the environment, the skip reasons, and the emu-topology-to-caps adaptation on
 * a fake machine (HUGEMEM_SYSFS_ROOT: 2 nodes, 2M pages mounted with 100 + 20
 * free, 1G pages not mounted) and on random invented machines, checked against
 * the invariants of core/testing/testing.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/emu.h"
#include "hugemem/hugemem.h"
#include "hugemem/hugetlbfs.h"
#include "hugemem/testing.h"
#include "testing_i.h"

#define MB2 (2ULL << 20)
#define GB1 (1ULL << 30)

static const char *const vars[] = { "HUGEMEM_TEST_BACKEND", "HUGEMEM_BACKEND",
				    "HUGEMEM_TEST_HUGE_DIR", "HUGEMEM_HUGE_DIR",
				    "HUGEMEM_SYSFS_ROOT" };
static char fake_root[256];

static int
setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	return 0;
}

static int
teardown(void **state)
{
	setup(state);
	return hm_test_teardown(state);
}

static void
put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* 2 nodes; 2M: 100 free on node 0, 20 on node 1, mounted at /mnt/hm-fake;
 * 1G: 2 free on node 0, no mount. */
static void
make_fake_machine(void)
{
	static const char *const names[] = { "nr_hugepages", "free_hugepages", "resv_hugepages",
					     "surplus_hugepages", "nr_overcommit_hugepages" };
	const char *rd = getenv("HUGEMEM_RUNTIME_DIR");
	char rel[256];

	snprintf(fake_root, sizeof(fake_root), "%s/fake-machine", rd != NULL ? rd : "/tmp");
	put("proc/meminfo", "Hugepagesize:       2048 kB\n");
	put("proc/mounts", "sysfs /sys sysfs rw 0 0\nnodev /mnt/hm-fake hugetlbfs rw,pagesize=2M 0 0\n");
	for (size_t i = 0; i < 5; i++) {
		snprintf(rel, sizeof(rel), "sys/kernel/mm/hugepages/hugepages-2048kB/%s", names[i]);
		put(rel, i < 2 ? "120\n" : "0\n");
		snprintf(rel, sizeof(rel), "sys/kernel/mm/hugepages/hugepages-1048576kB/%s", names[i]);
		put(rel, i < 2 ? "2\n" : "0\n");
	}
	put("sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "100\n");
	put("sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages", "20\n");
	put("sys/devices/system/node/node0/hugepages/hugepages-1048576kB/free_hugepages", "2\n");
	put("sys/devices/system/node/node1/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	put("sys/devices/system/node/node0/cpulist", "0\n");
	put("sys/devices/system/node/node1/cpulist", "1\n");
	setenv("HUGEMEM_SYSFS_ROOT", fake_root, 1);
}

static void
assert_reason(const char *has)
{
	if (strstr(hm_testing_reason(), has) == NULL)
		fail_msg("reason '%s' lacks '%s'", hm_testing_reason(), has);
}

static void
test_testing_invalid_args(void **state)
{
	const char *out;
	char buf[64];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_testing_topology("nodes=1", NULL, 64, &out), -EINVAL);
	assert_int_equal(hm_testing_topology("nodes=1", buf, 0, &out), -EINVAL);
	assert_int_equal(hm_testing_topology("nodes=1", buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(hm_testing_backend_args(NULL), -EINVAL);
	assert_int_equal(hm_testing_init_cfg(NULL), -EINVAL);
	assert_int_equal(hm_testing_pages_in_use(0, MB2), -EINVAL); /* not initialised */
	/* a bad topology is init's to refuse, not a skip */
	assert_int_equal(hm_testing_init_topo("nodez=1"), -EINVAL);
	assert_false(hm_initialized());
}

static void
test_testing_backend_selection(void **state)
{
	char *argv[2];
	(void)state;

	assert_string_equal(hm_testing_backend(), "emu");
	assert_true(hm_testing_is_emu());
	assert_null(hm_testing_huge_dir());
	assert_int_equal(hm_testing_backend_args(argv), 0);
	assert_int_equal(hm_testing_backend_ready(128), 0);
	/* one variable switches: hm_init's own */
	setenv("HUGEMEM_BACKEND", "hugetlbfs", 1);
	assert_string_equal(hm_testing_backend(), "hugetlbfs");
	assert_false(hm_testing_is_emu());
	/* the test variable wins; empty means unset */
	setenv("HUGEMEM_TEST_BACKEND", "emu", 1);
	assert_string_equal(hm_testing_backend(), "emu");
	setenv("HUGEMEM_TEST_BACKEND", "", 1);
	assert_string_equal(hm_testing_backend(), "hugetlbfs");
	setenv("HUGEMEM_HUGE_DIR", "/mnt/a", 1);
	assert_string_equal(hm_testing_huge_dir(), "/mnt/a");
	setenv("HUGEMEM_TEST_HUGE_DIR", "/mnt/b", 1);
	assert_string_equal(hm_testing_huge_dir(), "/mnt/b");
	assert_int_equal(hm_testing_backend_args(argv), 2);
	assert_string_equal(argv[0], "--backend=hugetlbfs");
	assert_string_equal(argv[1], "--huge-dir=/mnt/b");
	/* a backend that is not built: skip with the reason */
	setenv("HUGEMEM_TEST_BACKEND", "nosuch", 1);
	assert_int_equal(hm_testing_backend_ready(0), HM_TESTING_SKIP);
	assert_reason("backend nosuch is not built");
	assert_int_equal(hm_testing_backend_args(argv), 1);
	assert_string_equal(argv[0], "--backend=nosuch");
	/* selected by the test variable, hugetlbfs needs the test mount */
	setenv("HUGEMEM_TEST_BACKEND", "hugetlbfs", 1);
	unsetenv("HUGEMEM_TEST_HUGE_DIR");
	assert_int_equal(hm_testing_backend_ready(0), HM_TESTING_SKIP);
	assert_reason("HUGEMEM_TEST_HUGE_DIR is not set");
}

static void
test_testing_fake_machine(void **state)
{
	char buf[HM_TESTING_TOPOLOGY_MAX];
	struct hm_emu_topology t;
	const char *out;
	(void)state;

	if (hm_backend_lookup("hugetlbfs") == NULL) {
		printf("# SKIP: the hugetlbfs backend is not built\n");
		skip();
	}
	make_fake_machine();
	setenv("HUGEMEM_BACKEND", "hugetlbfs", 1);
	setenv("HUGEMEM_HUGE_DIR", "/mnt/hm-fake", 1);

	if (hm_testing_backend_ready(120) != 0) /* 1G pages have no mount */
		fail_msg("not ready: %s", hm_testing_reason());
	assert_int_equal(hm_testing_backend_ready(121), HM_TESTING_SKIP);
	assert_reason("only 120 free hugepages under /mnt/hm-fake");
	assert_int_equal(hm_testing_nodes(), 2);
	assert_int_equal(hm_testing_node_b(), 1);
	assert_int_equal(hm_testing_need_nodes(2), 0);
	assert_int_equal(hm_testing_need_nodes(3), HM_TESTING_SKIP);
	assert_reason("needs 3 NUMA nodes; this machine has 2");
	assert_true(hm_testing_has_page_sz(MB2));
	assert_int_equal(hm_testing_need_page_sz(GB1), HM_TESTING_SKIP);
	assert_reason("needs 1G pages; no hugetlbfs mount serves that size");
	assert_false(hm_testing_has_page_sz(GB1));
	assert_int_equal(hm_testing_need_page_sz(64 * 1024), HM_TESTING_SKIP);
	assert_reason("no such hugepage size (small pages");

	/* the adaptation: nodes cut, lcores moved, unmounted sizes and the seed dropped */
	assert_int_equal(hm_testing_topology("nodes=3;2M=64,16,8;1G=1;lcores=0@0,1@1,2@2;"
					     "iova=shuffled;seed=7", buf, sizeof(buf), &out), 0);
	assert_string_equal(out, "nodes=2;2M=64,16;lcores=0@0,1@1,2@1");
	assert_int_equal(hm_emu_topology_parse(out, &t), 0);
	/* exactly the free pages is fine, one more is a skip naming the pool */
	assert_int_equal(hm_testing_topology("2M=100", buf, sizeof(buf), &out), 0);
	assert_string_equal(out, "nodes=1;2M=100");
	assert_int_equal(hm_testing_topology("2M=101", buf, sizeof(buf), &out), HM_TESTING_SKIP);
	assert_reason("wants 101 2M pages on node 0; 100 are free");
	assert_int_equal(hm_testing_topology("nodes=2;2M=1,21", buf, sizeof(buf), &out),
			 HM_TESTING_SKIP);
	assert_reason("on node 1; 20 are free");
	assert_int_equal(hm_testing_topology("2M=4;iova=contig", buf, sizeof(buf), &out),
			 HM_TESTING_SKIP);
	assert_reason("synthetic IOVA layout");
	assert_int_equal(hm_testing_topology("1G=1", buf, sizeof(buf), &out), HM_TESTING_SKIP);
	assert_reason("no page size with free hugepages under a mount");
	/* NULL and unparsable strings pass through for init to judge */
	assert_int_equal(hm_testing_topology(NULL, buf, sizeof(buf), &out), 0);
	assert_null(out);
	assert_int_equal(hm_testing_topology("nodez=1", buf, sizeof(buf), &out), 0);
	assert_string_equal(out, "nodez=1");
	/* an init that would need more than the machine has skips and starts nothing */
	assert_int_equal(hm_testing_init_topo("2M=101"), HM_TESTING_SKIP);
	assert_false(hm_initialized());
	/* on emu the topology is the machine */
	setenv("HUGEMEM_TEST_BACKEND", "emu", 1);
	assert_int_equal(hm_testing_topology("nodes=3;2M=1000;iova=contig", buf, sizeof(buf),
					     &out), 0);
	assert_string_equal(out, "nodes=3;2M=1000;iova=contig");
}

/* Random machines and topologies: the adaptation's result parses and fits. */
static void
test_testing_adapt_fits_the_machine(void **state)
{
	static const uint64_t szs[] = { 1ULL << 30, 2ULL << 20, 64ULL << 10, 4096 };
	uint64_t rng = hm_test_seed();
	unsigned int adapted = 0, skipped = 0;
	(void)state;

	for (int iter = 0; iter < 2000; iter++) {
		struct hm_hugetlbfs_info m;
		struct hm_emu_topology t;
		char topo[256], out[HM_TESTING_TOPOLOGY_MAX];
		const char *res;
		size_t o = 0;
		unsigned int tn = 1 + (unsigned int)(hm_test_rand(&rng) % 4);

		memset(&m, 0, sizeof(m));
		m.n_nodes = 1 + (unsigned int)(hm_test_rand(&rng) % 3);
		m.n_sizes = 1 + (unsigned int)(hm_test_rand(&rng) % 2);
		for (unsigned int k = 0; k < m.n_sizes; k++) {
			m.sizes[k].page_sz = szs[k + hm_test_rand(&rng) % 2];
			if (k > 0 && m.sizes[k].page_sz >= m.sizes[k - 1].page_sz)
				m.sizes[k].page_sz = m.sizes[k - 1].page_sz >> 9;
			if (hm_test_rand(&rng) % 4 != 0)
				snprintf(m.sizes[k].dir, sizeof(m.sizes[k].dir), "/mnt/h%u", k);
			for (unsigned int n = 0; n < m.n_nodes; n++)
				m.sizes[k].free_pages[n] = (uint32_t)(hm_test_rand(&rng) % 40);
		}
		o += (size_t)snprintf(topo + o, sizeof(topo) - o, "nodes=%u", tn);
		for (unsigned int s = 0; s < 2; s++) {
			if (hm_test_rand(&rng) % 2 == 0)
				continue;
			o += (size_t)snprintf(topo + o, sizeof(topo) - o, ";%s=",
					      s == 0 ? "1G" : "2M");
			for (unsigned int n = 0; n < tn; n++)
				o += (size_t)snprintf(topo + o, sizeof(topo) - o, "%s%u",
						      n > 0 ? "," : "",
						      (unsigned int)(hm_test_rand(&rng) % 30));
		}
		if (hm_test_rand(&rng) % 2 == 0)
			o += (size_t)snprintf(topo + o, sizeof(topo) - o, ";lcores=0@0,1@%u",
					      tn - 1);
		if (hm_test_rand(&rng) % 8 == 0)
			snprintf(topo + o, sizeof(topo) - o, ";iova=fragmented");

		int rc = testing_adapt(topo, &m, out, sizeof(out), &res);
		if (rc == HM_TESTING_SKIP) {
			assert_true(strlen(hm_testing_reason()) > 0);
			skipped++;
			continue;
		}
		assert_int_equal(rc, 0);
		if (res == topo)
			continue; /* unparsable (e.g. no size at all on a node): init's to say */
		adapted++;
		if (hm_emu_topology_parse(res, &t) != 0)
			fail_msg("'%s' adapted to '%s', which does not parse", topo, res);
		assert_true(t.n_nodes <= m.n_nodes);
		/* no size item: the caps are "what the machine has", not emu's default */
		bool sizes = false;
		for (const char *p = strchr(res, ';'); p != NULL; p = strchr(p + 1, ';'))
			sizes |= p[1] >= '0' && p[1] <= '9';
		for (unsigned int i = 0; sizes && i < t.n_sizes; i++) {
			bool found = false;
			for (unsigned int k = 0; k < m.n_sizes; k++) {
				if (m.sizes[k].page_sz != t.sizes[i].page_sz || m.sizes[k].dir[0] == '\0')
					continue;
				found = true;
				for (unsigned int n = 0; n < t.n_nodes; n++)
					assert_true(t.sizes[i].pages[n] <= m.sizes[k].free_pages[n]);
			}
			if (!found)
				fail_msg("'%s' -> '%s' uses a size the machine does not mount", topo, res);
		}
	}
	/* both outcomes were exercised */
	assert_true(adapted > 100 && skipped > 100);
}

static void
test_testing_init_on_emu(void **state)
{
	struct hm_config c;
	struct hm_memseg *ms[2];
	const char *topo = "nodes=2;2M=4,4;lcores=0@0,1@1";
	(void)state;

	hm_config_init(&c);
	c.topology = topo;
	c.in_memory = true;
	assert_int_equal(hm_testing_init_cfg(&c), 0);
	assert_ptr_equal(c.topology, topo); /* restored */
	assert_string_equal(c.backend, "emu");
	assert_int_equal(hm_socket_count(), 2);
	assert_int_equal(hm_testing_pages_in_use(1, MB2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, MB2, 1, 0), 2);
	assert_int_equal(hm_testing_pages_in_use(1, MB2), 2);
	assert_int_equal(hm_testing_pages_in_use(0, MB2), 0);
	assert_int_equal(hm_testing_pages_in_use(5, MB2), -EINVAL);
	assert_int_equal(hm_cleanup(), 0);
}

static void
test_testing_skip_exit(void **state)
{
	char out[128] = "";
	int fd[2], status;
	ssize_t n;
	pid_t pid;
	(void)state;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		hm_testing_skip_exit("no %s here", "hugepages");
	}
	close(fd[1]);
	n = read(fd[0], out, sizeof(out) - 1);
	close(fd[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "SKIP: no hugepages here\n");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), HM_TESTING_SKIP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_testing_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testing_backend_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testing_fake_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testing_adapt_fits_the_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testing_init_on_emu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_testing_skip_exit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
