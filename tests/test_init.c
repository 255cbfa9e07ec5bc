/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lifecycle and options: every rejected option names itself, a failed init
 * leaves nothing behind, init -> cleanup -> init 100 times leaks no fd, mapping
 * or file, a second primary on the same runtime dir is refused.
 * Every init selects the backend under test (hm_test_backend_args: nothing on
 * emu, --backend=hugetlbfs --huge-dir=<test mount> on hugetlbfs) and takes its
 * topology through hm_test_topology, so the hugetlbfs suite runs the lifecycle
 * on real pages; the page files checked are emu's page directory or the files
 * in the hugetlbfs mount. Checks of emu-only behaviour (hugetlbfs options
 * refused on emu, --fault specs, three emulated nodes) say so and run on emu.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"

#define MB2 (2ULL << 20)


static const char *const TOPO2 = "nodes=2;2M=64,64;lcores=0@0,1@1;iova=shuffled;seed=7";

static char run_base[PATH_MAX];

static int
setup_all(void **state)
{
	const char *b = getenv("HUGEMEM_RUNTIME_DIR");
	(void)state;
	if (b == NULL || *b == '\0') {
		char tmpl[] = "/tmp/hugemem-test-XXXXXX";
		if (mkdtemp(tmpl) == NULL)
			return -1;
		setenv("HUGEMEM_RUNTIME_DIR", tmpl, 1);
		b = getenv("HUGEMEM_RUNTIME_DIR");
	}
	snprintf(run_base, sizeof(run_base), "%s", b);
	/* a crashed earlier run must not poison this one: clear our prefixes */
	static const char *const mine[] = { "inv", "cycle", "nofiles", "noshconf", "left",
					    "twice", "twice-b", "env", "base", "lvl", "x" };
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		char cmd[PATH_MAX + 64];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", run_base, mine[i]);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static int
run_dir_files(const char *prefix)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", run_base, prefix);
	return hm_test_run_files(p);
}

/* TOPO2 as the backend under test takes it (may skip the test). */
static const char *
topo2(void)
{
	static char buf[HM_EMU_TOPOLOGY_STR_MAX];

	return hm_test_topology(TOPO2, buf, sizeof(buf));
}

/* Page files in the hugetlbfs test mount or the fuse mount, 0 on emu. */
static int
huge_dir_files(void)
{
	return hm_test_page_files();
}

/*
 * Parse + init from a NULL-terminated list of arguments, after the options that
 * select the backend under test; returns hm_init's count less those options, so
 * that the expectations read the same on every backend.
 */
static int
init_args(const char *first, ...)
{
	char *argv[32];
	int argc = 0, extra, rc;
	va_list ap;

	argv[argc++] = (char *)"test";
	extra = hm_test_backend_args(argv + argc);
	argc += extra;
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	rc = hm_init(argc, argv);
	return rc > 0 ? rc - extra : rc;
}

#define EXPECT_FAIL(rc_expected, needle, ...)                                         \
	do {                                                                          \
		int fds_ = hm_test_count_fds(), maps_ = hm_test_count_maps();         \
		int rc_ = init_args(__VA_ARGS__, NULL);                               \
		assert_int_equal(rc_, rc_expected);                                   \
		assert_false(hm_initialized());                                       \
		if (strstr(hm_last_error(), needle) == NULL)                          \
			fail_msg("message '%s' lacks '%s'", hm_last_error(), needle); \
		assert_int_equal(hm_test_count_fds(), fds_);                          \
		if (!HM_TEST_ASAN && !HM_TEST_TSAN) /* they map lazily */           \
			assert_int_equal(hm_test_count_maps(), maps_);                \
		assert_true(run_dir_files("inv") <= 0);                               \
	} while (0)

static void
test_init_invalid_args(void **state)
{
	struct hm_config c;
	char *argv[] = { (char *)"prog", (char *)"--bogus", NULL };
	char tb[HM_EMU_TOPOLOGY_STR_MAX], topo_opt[HM_EMU_TOPOLOGY_STR_MAX + 16];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_init_config(NULL), -EINVAL);
	assert_int_equal(hm_config_parse(NULL, 1, argv), -EINVAL);
	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 2, NULL), -EINVAL);
	assert_int_equal(hm_config_parse(&c, -1, argv), -EINVAL);
	assert_int_equal(hm_config_parse(&c, 0, argv), 0);
	char *holes[] = { (char *)"prog", NULL, NULL };
	assert_int_equal(hm_config_parse(&c, 2, holes), -EINVAL);
	hm_config_init(NULL); /* no-op */
	assert_int_equal(hm_cleanup(), -EALREADY);
	assert_null(hm_runtime_dir());
	assert_null(hm_backend_get());
	assert_int_equal(hm_backend_fault("clear"), -ENODEV);
	assert_null(hm_backend_lookup(NULL));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_backend_lookup("nope"));
	assert_int_equal(hm_errno, ENOENT);
	assert_non_null(hm_backend_lookup("emu"));

	/* the parser leaves the config untouched on failure, even when an option
	 * before the bad one was valid */
	char *argv_m[] = { (char *)"prog", (char *)"-m", (char *)"5", (char *)"--bogus", NULL };
	c.memory = 123;
	assert_int_equal(hm_config_parse(&c, 4, argv_m), -EINVAL);
	assert_true(c.memory == 123);
	assert_int_equal(hm_config_parse(&c, 2, argv), -EINVAL);
	assert_true(c.memory == 123);
	assert_non_null(strstr(hm_last_error(), "--bogus"));
	assert_non_null(strstr(hm_last_error(), "--socket-mem")); /* lists the valid ones */

	/* warm up libc (malloc arenas, lazily loaded state) so that the mapping
	 * counts below see only what hugemem itself maps */
	assert_int_equal(init_args("--file-prefix=inv", "--topology",
				   hm_test_topology("nodes=2;2M=4,4", tb, sizeof(tb)), "-m", "2",
				   NULL), 5);
	assert_int_equal(hm_cleanup(), 0);

	EXPECT_FAIL(-EINVAL, "-x", "--file-prefix=inv", "-x");
	EXPECT_FAIL(-EINVAL, "needs a value", "--file-prefix=inv", "-m");
	EXPECT_FAIL(-EINVAL, "needs a value", "--file-prefix=inv", "--backend");
	EXPECT_FAIL(-EINVAL, "'abc'", "--file-prefix=inv", "-m", "abc");
	EXPECT_FAIL(-EINVAL, "-m", "--file-prefix=inv", "-m", "0");
	EXPECT_FAIL(-EINVAL, "pa, va", "--file-prefix=inv", "--iova-mode=xx");
	EXPECT_FAIL(-EINVAL, "empty entry", "--file-prefix=inv", "--socket-mem=1,,2");
	EXPECT_FAIL(-EINVAL, "'1Q'", "--file-prefix=inv", "--socket-mem=1,1Q");
	EXPECT_FAIL(-EINVAL, "debug", "--file-prefix=inv", "--log-level=loud");
	EXPECT_FAIL(-EINVAL, "page-aligned", "--file-prefix=inv", "--base-virtaddr=0x123");
	EXPECT_FAIL(-EINVAL, "page-aligned", "--file-prefix=inv", "--base-virtaddr=zz");
	if (hm_backend_lookup("hugetlbfs") != NULL) {
		/* built: its options are refused on other backends (emu's default, so
		 * only where emu is the backend under test) */
		if (hm_test_is_emu()) {
			EXPECT_FAIL(-EINVAL, "hugetlbfs backend only", "--file-prefix=inv",
				    "--huge-dir=/mnt/huge");
			EXPECT_FAIL(-EINVAL, "hugetlbfs backend only", "--file-prefix=inv",
				    "--single-file-segments");
		}
		EXPECT_FAIL(-EINVAL, "absolute", "--file-prefix=inv", "--backend=hugetlbfs",
			    "--huge-dir=rel/dir");
		EXPECT_FAIL(-EINVAL, "huge-unlink=always", "--file-prefix=inv",
			    "--backend=hugetlbfs", "--single-file-segments", "--huge-unlink");
	} else {
		EXPECT_FAIL(-ENOTSUP, "hugetlbfs", "--file-prefix=inv", "--huge-dir=/mnt/huge");
		EXPECT_FAIL(-ENOTSUP, "hugetlbfs", "--file-prefix=inv", "--single-file-segments");
		EXPECT_FAIL(-ENOTSUP, "not built", "--file-prefix=inv", "--backend=hugetlbfs");
	}
	if (hm_backend_lookup("fuse") == NULL)
		EXPECT_FAIL(-ENOTSUP, "not built", "--file-prefix=inv", "--backend=fuse");
	EXPECT_FAIL(-EINVAL, "unknown backend 'nope'", "--file-prefix=inv", "--backend=nope");
	EXPECT_FAIL(-EINVAL, "cannot be combined", "--file-prefix=inv", "-m", "4",
		    "--socket-mem=4,4");
	snprintf(topo_opt, sizeof(topo_opt), "--topology=%s",
		 hm_test_topology("nodes=2;2M=4,4", tb, sizeof(tb)));
	EXPECT_FAIL(-EINVAL, "node 2", "--file-prefix=inv", topo_opt, "--socket-mem=0,0,2");
	EXPECT_FAIL(-EINVAL, "nodez", "--file-prefix=inv", "--topology=nodez=2");
	EXPECT_FAIL(-EINVAL, "file-prefix", "--file-prefix=a/b");
	EXPECT_FAIL(-EINVAL, "file-prefix", "--file-prefix=");
	EXPECT_FAIL(-EINVAL, "absolute", "--file-prefix=inv", "--runtime-dir=relative/dir");
	EXPECT_FAIL(-ENOMEM, "offers only", "--file-prefix=inv", "--topology=2M=4", "-m", "10");
	if (hm_test_is_emu() || strcmp(hm_test_backend(), "fuse") == 0)
		EXPECT_FAIL(-EINVAL, "bogus", "--file-prefix=inv", "--fault=bogus=1");
	else /* fault injection is an emu (and fuse) feature: refused before anything is mapped */
		EXPECT_FAIL(-ENOTSUP, "fault injection", "--file-prefix=inv", "--fault=nth=1");
	EXPECT_FAIL(-EINVAL, "--log-level", "--file-prefix=inv", "--log-level=9");
	EXPECT_FAIL(-EINVAL, "--log-level", "--file-prefix=inv", "--log-level=0");
	EXPECT_FAIL(-EINVAL, "file-prefix", "--file-prefix=..");
	EXPECT_FAIL(-EINVAL, "file-prefix", "--file-prefix=.");
	EXPECT_FAIL(-EINVAL, "file-prefix", "--file-prefix=a b");
	EXPECT_FAIL(-EINVAL, "file-prefix",
		    "--file-prefix=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	EXPECT_FAIL(-EINVAL, "page-aligned", "--file-prefix=inv",
		    "--base-virtaddr=0x1fffffffffffffffff");
	EXPECT_FAIL(-EINVAL, "takes no value", "--file-prefix=inv", "--in-memory=1");
	EXPECT_FAIL(-EINVAL, "legacy", "--file-prefix=inv", "--legacy-mem", "--socket-limit=4");
	EXPECT_FAIL(-EINVAL, "below", "--file-prefix=inv", "--socket-mem=8", "--socket-limit=4");

	/* struct-level validation */
	hm_config_init(&c);
	c.backend = hm_test_backend();
	c.file_prefix = "inv";
	c.iova_mode = (enum hm_iova_mode)9;
	assert_int_equal(hm_init_config(&c), -EINVAL);
	hm_config_init(&c);
	c.backend = hm_test_backend();
	c.file_prefix = "inv";
	c.huge_dir = "/mnt";
	if (hm_test_is_emu()) {
		assert_int_equal(hm_init_config(&c), -EINVAL); /* a hugetlbfs option */
		assert_non_null(strstr(hm_last_error(), "hugetlbfs"));
	} else {
		assert_int_equal(hm_init_config(&c), -ENOENT); /* not a hugetlbfs mount */
		assert_non_null(strstr(hm_last_error(), "--huge-dir /mnt"));
	}
	assert_false(hm_initialized());
	hm_config_init(&c);
	c.backend = hm_test_backend();
	c.file_prefix = "inv";
	c.iova_mode = HM_IOVA_PA;
	c.base_virtaddr = 0x1001;
	assert_int_equal(hm_init_config(&c), -EINVAL);

	/* double init */
	assert_int_equal(init_args("--file-prefix=inv", "--in-memory", NULL), 2);
	assert_int_equal(init_args("--file-prefix=inv", NULL), -EALREADY);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_cleanup(), -EALREADY);
}

static void
test_init_parse_consumes_options_only(void **state)
{
	struct hm_config c;
	char *argv[] = { (char *)"prog", (char *)"--in-memory", (char *)"-m", (char *)"6",
			 (char *)"--socket-limit=4M,1G", (char *)"--log-level=info",
			 (char *)"--", (char *)"--app-option", NULL };
	char *argv2[] = { (char *)"prog", (char *)"--legacy-mem", (char *)"app", (char *)"--no-shconf",
			  NULL };
	(void)state;

	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 8, argv), 6);
	assert_true(c.in_memory);
	assert_true(c.memory == 6ULL << 20);
	assert_true(c.socket_limit_set);
	assert_true(c.socket_limit[0] == 4ULL << 20 && c.socket_limit[1] == 1ULL << 30);
	assert_int_equal(c.log_level, HM_LOG_INFO);
	/* stops at the first non-option, no permutation */
	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 4, argv2), 1);
	assert_true(c.legacy_mem);
	assert_false(c.no_shconf);
	assert_string_equal(argv2[2], "app");
	/* parsing twice works (getopt state is reset) */
	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 8, argv), 6);
	assert_true(c.memory == 6ULL << 20);
	/* suffixed sizes and plain MiB */
	char *argv3[] = { (char *)"p", (char *)"--memory=1G", (char *)"--socket-mem=512,2G",
			  (char *)"--base-virtaddr=0x200000000", (char *)"--iova-mode=va",
			  (char *)"--huge-unlink=never", NULL };
	hm_config_init(&c);
	hm_test_quiet_log();
	assert_int_equal(hm_config_parse(&c, 5, argv3), 4);
	assert_true(c.memory == 1ULL << 30);
	assert_true(c.socket_mem[0] == 512ULL << 20 && c.socket_mem[1] == 2ULL << 30);
	assert_true(c.base_virtaddr == 0x200000000ULL);
	assert_int_equal(c.iova_mode, HM_IOVA_VA);
	if (hm_backend_lookup("hugetlbfs") != NULL) {
		assert_int_equal(hm_config_parse(&c, 6, argv3), 5);
		assert_int_equal(c.huge_unlink, HM_HUGE_UNLINK_NEVER);
	} else {
		assert_int_equal(hm_config_parse(&c, 6, argv3), -ENOTSUP); /* not built */
	}
	assert_non_null(hm_usage());
	assert_non_null(strstr(hm_usage(), "--socket-mem"));
}

static int
touch_pages(void)
{
	struct hm_memseg *ms[3];
	int n = hm_memseg_alloc_pages(ms, 3, MB2, hm_test_node_b(), 0);
	if (n != 3)
		return -1;
	for (int i = 0; i < 3; i++)
		((char *)ms[i]->addr)[0] = 1;
	return hm_memseg_free_pages(ms, 2);
}

/*
 * The arguments of one init of the cycle test in @p a (fresh each time: hm_init
 * rewrites argv[n] as DPDK does): page files and -m 8, or --in-memory and
 * --socket-mem 6 MiB (4,2 where the backend has two nodes). @return argc.
 */
static int
cycle_argv(char **a, bool in_memory)
{
	int n = 0;

	a[n++] = (char *)"t";
	n += hm_test_backend_args(a + n);
	a[n++] = (char *)"--file-prefix=cycle";
	if (in_memory) {
		a[n++] = (char *)"--in-memory";
		a[n++] = (char *)(hm_test_node_b() == 1 ? "--socket-mem=4,2" : "--socket-mem=6");
	} else {
		a[n++] = (char *)"-m";
		a[n++] = (char *)"8";
	}
	a[n++] = (char *)"--topology";
	a[n++] = (char *)topo2();
	a[n] = NULL;
	return n;
}

static void
test_init_cycles_leave_nothing(void **state)
{
	char *a[16];
	int fds, maps, n;
	(void)state;

	/* warm up once in each mode (lazy libc and sanitizer state), then measure */
	for (int m = 0; m < 2; m++) {
		n = cycle_argv(a, m == 1);
		assert_int_equal(hm_init(n, a), n - 1);
		assert_string_equal(a[n - 1], "t"); /* argv[n] = program name */
		assert_int_equal(touch_pages(), 0);
		assert_int_equal(hm_cleanup(), 0);
	}
	fds = hm_test_count_fds();
	maps = hm_test_count_maps();
	for (int i = 0; i < (int)hm_test_ops(100); i++) { /* fuse: 10 (a daemon each) */
		bool in_memory = i % 3 == 2;
		char pagedir[PATH_MAX] = "";
		n = cycle_argv(a, in_memory);
		assert_int_equal(hm_init(n, a), n - 1);
		assert_true(hm_initialized());
		if (hm_test_is_emu()) {
			snprintf(pagedir, sizeof(pagedir), "%s", hm_emu_page_dir(hm_backend_get()));
			assert_true((pagedir[0] == '\0') == in_memory);
		}
		assert_int_equal(touch_pages(), 0);
		/* hugetlbfs: page files in the mount unless in memory (emu: 0) */
		assert_true((huge_dir_files() > 0) == (!in_memory && !hm_test_is_emu()));
		assert_int_equal(hm_memseg_check(NULL), 0);
		assert_int_equal(hm_cleanup(), 0);
		assert_false(hm_initialized());
		assert_int_equal(hm_test_count_fds(), fds);
		/* TSan maps shadow lazily; under ASan the hugetlbfs backend's allocations
		 * cycle through the quarantine and its allocator maps new regions after
		 * ~70 cycles (the debug and release builds check hugetlbfs), and the
		 * telemetry thread each init starts costs ASan's thread registry a page
		 * of bookkeeping now and then (one more map after ~20 cycles): with emu,
		 * ASan allows a few maps more, far fewer than one per cycle */
		if (!HM_TEST_TSAN && !HM_TEST_ASAN)
			assert_int_equal(hm_test_count_maps(), maps);
		else if (!HM_TEST_TSAN && hm_test_is_emu())
			assert_true(hm_test_count_maps() <= maps + 4);
		assert_true(run_dir_files("cycle") <= 0);
		/* the emulated pages' directory or the hugetlbfs page files are gone too */
		assert_true(pagedir[0] == '\0' || access(pagedir, F_OK) == -1);
		assert_int_equal(huge_dir_files(), 0);
	}
}

static void
test_init_in_memory_creates_no_files(void **state)
{
	(void)state;
	assert_true(run_dir_files("nofiles") <= 0);
	assert_int_equal(init_args("--file-prefix=nofiles", "--in-memory", "--topology", topo2(),
				   "-m", "4", NULL), 6);
	assert_int_equal(run_dir_files("nofiles"), -1); /* not even the directory */
	assert_int_equal(touch_pages(), 0);
	assert_int_equal(run_dir_files("nofiles"), -1);
	assert_int_equal(huge_dir_files(), 0); /* hugetlbfs: memfds, no page files */
	assert_int_equal(hm_cleanup(), 0);

	/* --no-shconf: no config or fbarray files (page files still exist) */
	assert_int_equal(init_args("--file-prefix=noshconf", "--no-shconf", NULL), 2);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/noshconf/config", run_base);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(hm_cleanup(), 0);
}

static void
test_init_files_and_leftovers(void **state)
{
	char p[PATH_MAX];
	int fd;
	(void)state;

	/* a leftover fbarray file from a dead run is removed at init */
	snprintf(p, sizeof(p), "%s/left", run_base);
	mkdir(run_base, 0700);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/left/fbarray_memseg-stale", run_base);
	fd = open(p, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(init_args("--file-prefix=left", "--topology", topo2(), NULL), 3);
	assert_int_equal(access(p, F_OK), -1);
	/* the config and one fbarray per list exist while running */
	snprintf(p, sizeof(p), "%s/left/config", run_base);
	assert_int_equal(access(p, F_OK), 0);
	/* config, one fbarray per list, the heap table, the memzone table and index */
	static const char *const names[] = { "config", "fbarray_malloc_heaps",
					     "fbarray_memzone", "fbarray_memzone_index" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/left/%s", run_base, names[i]);
		assert_int_equal(access(p, F_OK), 0);
	}
	assert_int_equal(run_dir_files("left"), (int)hm_memseg_list_count() + 4);
	assert_string_equal(hm_runtime_dir() + strlen(run_base), "/left");
	assert_int_equal(hm_cleanup(), 0);
	assert_true(run_dir_files("left") <= 0);
}

static void
test_init_second_primary_is_refused(void **state)
{
	const char *topo = topo2();
	int go[2], done[2];
	int64_t mapped = 0;
	pid_t pid;
	char c;
	(void)state;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* child: wait until the parent is up, then try the same prefix */
		hm_test_quiet_log();
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		int rc = init_args("--file-prefix=twice", "--topology", topo, NULL);
		int ok = rc == -EBUSY && strstr(hm_last_error(), "--file-prefix") != NULL &&
			 !hm_initialized();
		/* another prefix works side by side */
		int rc2 = init_args("--file-prefix=twice-b", "--topology", topo, "-m", "2", NULL);
		ok = ok && rc2 == 5 && hm_cleanup() == 0;
		_exit(ok ? 0 : 1);
	}
	int up = init_args("--file-prefix=twice", "--topology", topo, "-m", "2", NULL);
	/* release the child whatever happened, so a failure cannot hang the test */
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(up, 5);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the parent's state is intact */
	assert_int_equal(hm_memseg_check(NULL), 0);
	for (int n = 0; n <= hm_test_node_b(); n++)
		mapped += hm_memseg_mapped_bytes(n);
	/* -m 2 is split over the nodes by their lcores, each share a page at least */
	assert_true(mapped == (int64_t)((unsigned int)(hm_test_node_b() + 1) * MB2));
	assert_int_equal(hm_cleanup(), 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

static void
test_init_env_defaults_and_base_addr(void **state)
{
	(void)state;
	if (hm_test_is_emu()) { /* three emulated nodes */
		setenv("HUGEMEM_TOPOLOGY", "nodes=3;2M=2,2,2", 1);
		assert_int_equal(init_args("--file-prefix=env", "--in-memory", NULL), 2);
		assert_int_equal(hm_socket_count(), 3);
		assert_int_equal(hm_cleanup(), 0);
		/* an explicit option wins over the environment */
		assert_int_equal(init_args("--file-prefix=env", "--in-memory", "--topology=nodes=1",
					   NULL), 3);
		assert_int_equal(hm_socket_count(), 1);
		assert_int_equal(hm_cleanup(), 0);
	}
	/* every backend: the environment's page caps apply unless --topology is given */
	hm_test_quiet_log();
	setenv("HUGEMEM_TOPOLOGY", "2M=1", 1);
	assert_int_equal(init_args("--file-prefix=env", "--in-memory", "-m", "4", NULL), -ENOMEM);
	assert_non_null(strstr(hm_last_error(), "offers only"));
	assert_int_equal(init_args("--file-prefix=env", "--in-memory", "-m", "4", "--topology=2M=2",
				   NULL), 5);
	assert_int_equal(hm_cleanup(), 0);
	unsetenv("HUGEMEM_TOPOLOGY");
	hm_log_set_hook(NULL, NULL);

#if !HM_TEST_ASAN
	/* the base hint is honoured when the range is free (ASan owns it otherwise) */
	assert_int_equal(init_args("--file-prefix=base", "--in-memory",
				   "--base-virtaddr=0x300000000", NULL), 3);
	struct hm_memseg *ms[1];
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	assert_true((uintptr_t)ms[0]->addr >= 0x300000000ULL);
	assert_true((uintptr_t)ms[0]->addr < 0x300000000ULL + (1ULL << 40));
	assert_int_equal(hm_cleanup(), 0);
#endif
}

static void
test_init_dirs_log_level_and_argv(void **state)
{
	char user[PATH_MAX], deep[PATH_MAX], opt[PATH_MAX + 16];
	enum hm_log_level old = hm_log_get_level();
	(void)state;

	/* only the directories init created are removed; the user's stays */
	snprintf(user, sizeof(user), "%s/userdir", run_base);
	mkdir(run_base, 0700);
	assert_true(mkdir(user, 0700) == 0 || errno == EEXIST);
	snprintf(deep, sizeof(deep), "%s/nest/deeper", user);
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", deep);
	assert_int_equal(init_args(opt, "--file-prefix=x", NULL), 2);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(access(user, F_OK), 0);
	snprintf(deep, sizeof(deep), "%s/nest", user);
	assert_int_equal(access(deep, F_OK), -1);
	rmdir(user);

	/* --log-level applies only when init succeeds */
	hm_test_quiet_log();
	hm_log_set_level(HM_LOG_NOTICE);
	assert_int_equal(init_args("--file-prefix=lvl", "--log-level=debug", "--topology=nodez=1",
				   NULL), -EINVAL);
	assert_int_equal(hm_log_get_level(), HM_LOG_NOTICE);
	assert_int_equal(init_args("--file-prefix=lvl", "--in-memory", "--log-level=7", NULL), 3);
	assert_int_equal(hm_log_get_level(), HM_LOG_INFO); /* DPDK's 7 is info */
	assert_int_equal(hm_cleanup(), 0);
	hm_log_set_level(old);

	/* DPDK's argv convention: argv[n] becomes the program name */
	char *argv[8];
	int k = 0;
	argv[k++] = (char *)"prog";
	k += hm_test_backend_args(argv + k);
	argv[k++] = (char *)"--in-memory";
	argv[k++] = (char *)"--file-prefix=av";
	argv[k++] = (char *)"--";
	argv[k++] = (char *)"app1";
	argv[k] = NULL;
	int n = hm_init(k, argv);
	assert_int_equal(n, k - 2);
	char **app = argv + n;
	assert_string_equal(app[0], "prog");
	assert_string_equal(app[1], "app1");
	assert_int_equal(hm_cleanup(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_parse_consumes_options_only, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_cycles_leave_nothing, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_in_memory_creates_no_files, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_files_and_leftovers, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_second_primary_is_refused, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_env_defaults_and_base_addr, hm_test_teardown),
		cmocka_unit_test_teardown(test_init_dirs_log_level_and_argv, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, setup_all, NULL);
}
