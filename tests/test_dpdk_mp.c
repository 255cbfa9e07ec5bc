/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's multi-process side: rte_eal_init(--proc-type=...) and
 * rte_eal_process_type(). This program is the primary; it fork+execs itself
 * (a fresh image, ASLR on) as the secondary:
 *
 *   test_dpdk_mp secondary PREFIX PROC_TYPE LCORES   attach, use, report
 *   test_dpdk_mp refused PREFIX PROC_TYPE LCORES     rte_eal_init must fail
 *
 * The child's log goes to its stderr, which the primary reads back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "dpdk_test.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

#define ZONE_LEN 100000
#define SEC_ZONE_LEN (3u << 20)
#define SEC_MALLOC_LEN (5u << 20)

static const char *self_path;
static char prefix[64];
static unsigned int test_no;

static void
fill(void *p, size_t len, unsigned int seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(i * 131u + seed);
}

static bool
pattern_ok(const void *p, size_t len, unsigned int seed)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != (unsigned char)(i * 131u + seed))
			return false;
	return true;
}

/* ------------------------------------------------------------ the child */

static int
child_fail(const char *what)
{
	fprintf(stderr, "FAIL %s (rte_errno %d: %s)\n", what, rte_errno, hm_last_error());
	return 1;
}

/* A secondary: sees the primary's zone, allocates (new pages: the primary maps
 * them), leaves a zone of its own for the primary, cleans up. */
static int
child_secondary(const char *pfx, const char *type, const char *lcores)
{
	char opt[80];
	const struct rte_memzone *z;
	void *p;

	snprintf(opt, sizeof(opt), "--proc-type=%s", type);
	if (dpdk_test_eal_v((const char *const[]){ opt, "--no-huge", "--file-prefix", pfx, "-l",
					      lcores, NULL }) < 0)
		return child_fail("rte_eal_init");
	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		return child_fail("rte_eal_process_type is not RTE_PROC_SECONDARY");
	printf("main lcore %u\n", rte_lcore_id());
	z = rte_memzone_lookup("dmp-zone");
	if (z == NULL || z->len < ZONE_LEN || !pattern_ok(z->addr, ZONE_LEN, 7))
		return child_fail("the primary's zone is missing or wrong");
	p = rte_malloc("dmp", SEC_MALLOC_LEN, 0);
	if (p == NULL)
		return child_fail("rte_malloc");
	fill(p, SEC_MALLOC_LEN, 3);
	if (!pattern_ok(p, SEC_MALLOC_LEN, 3))
		return child_fail("rte_malloc'd memory does not hold its pattern");
	z = rte_memzone_reserve("dmp-sec", SEC_ZONE_LEN, SOCKET_ID_ANY, 0);
	if (z == NULL)
		return child_fail("rte_memzone_reserve");
	fill(z->addr, SEC_ZONE_LEN, 9);
	rte_free(p);
	if (hm_dpdk_check(NULL) != 0)
		return child_fail("hm_dpdk_check");
	if (rte_eal_cleanup() != 0)
		return child_fail("rte_eal_cleanup");
	return 0;
}

/* rte_eal_init must fail; its log (stderr) says why. */
static int
child_refused(const char *pfx, const char *type, const char *lcores)
{
	char opt[80];

	snprintf(opt, sizeof(opt), "--proc-type=%s", type);
	if (dpdk_test_eal_v((const char *const[]){ opt, "--no-huge", "--file-prefix", pfx, "-l",
					      lcores, "--mp-timeout", "300", NULL }) >= 0)
		return child_fail("rte_eal_init succeeded");
	printf("rte_errno %d\n", rte_errno);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY || hm_initialized())
		return child_fail("something was left initialised");
	return 0;
}

/* ------------------------------------------------------------ the primary */

struct child {
	int status;
	char out[4096];
	char err[8192];
};

/* fork+exec this program as @p mode; wait; its exit status and output. */
static void
run_child(struct child *c, const char *mode, const char *type, const char *lcores)
{
	const struct hm_test_spawn_args a = {
		.argv = HM_TEST_ARGV(self_path, mode, prefix, type, lcores),
		.out = HM_TEST_IO_FILE, .err = HM_TEST_IO_FILE,
	};

	c->status = hm_test_run(&a, c->out, sizeof(c->out), c->err, sizeof(c->err));
	if (c->status != 0)
		printf("# child exit %d\n# stdout: %s\n# stderr: %s\n", c->status, c->out, c->err);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(prefix, sizeof(prefix), "dmp%d-%u", (int)getpid(), ++test_no);
	return 0;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	return hm_test_teardown(state);
}

static const struct rte_memzone *
primary_up(void)
{
	const struct rte_memzone *z;

	assert_int_equal(dpdk_test_eal_v((const char *const[]){ "--no-huge", "--file-prefix", prefix,
							   "-l", "0", NULL }), 5);
	assert_int_equal(rte_eal_process_type(), RTE_PROC_PRIMARY);
	z = rte_memzone_reserve("dmp-zone", ZONE_LEN, SOCKET_ID_ANY, 0);
	assert_non_null(z);
	fill(z->addr, ZONE_LEN, 7);
	return z;
}

/* --proc-type=secondary and auto attach, allocate and share both ways. */
static void
test_dpdk_mp_secondary(void **state)
{
	const char *const types[] = { "secondary", "auto" };
	struct child c;
	(void)state;

	const struct rte_memzone *mine = primary_up();
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(hm_dpdk_check(NULL), 0);
		run_child(&c, "secondary", types[i], i == 0 ? "1" : "2-3");
		assert_int_equal(c.status, 0);
		assert_non_null(strstr(c.out, i == 0 ? "main lcore 1\n" : "main lcore 2\n"));
		/* its zone, written there, is here; its malloc went back */
		const struct rte_memzone *z = rte_memzone_lookup("dmp-sec");
		assert_non_null(z);
		assert_true(pattern_ok(z->addr, SEC_ZONE_LEN, 9));
		assert_int_equal(rte_memzone_free(z), 0);
		assert_true(pattern_ok(mine->addr, ZONE_LEN, 7));
		/* only this process is attached again */
		assert_int_equal(hm_mp_procs(NULL, 0), 1);
	}
	assert_int_equal(rte_eal_process_type(), RTE_PROC_PRIMARY);
	assert_int_equal(rte_memzone_free(mine), 0);
	assert_int_equal(hm_dpdk_check(NULL), 0);
}

/* Refusals name the other side; nothing is left initialised in the child. */
static void
test_dpdk_mp_refusals(void **state)
{
	char want[128];
	struct child c;
	(void)state;

	/* no primary at all */
	run_child(&c, "refused", "secondary", "1");
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "primary"));
	/* the primary's main lcore */
	primary_up();
	run_child(&c, "refused", "secondary", "0");
	assert_int_equal(c.status, 0);
	snprintf(want, sizeof(want), "lcore 0 is used by another process of the instance (pid %d)",
		 (int)getpid());
	assert_non_null(strstr(c.err, want));
	assert_int_equal(hm_mp_procs(NULL, 0), 1);
	assert_int_equal(rte_memzone_free(rte_memzone_lookup("dmp-zone")), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpdk_mp_secondary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_refusals, setup, teardown),
	};
	if (argc == 5 && strcmp(argv[1], "secondary") == 0)
		return child_secondary(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "refused") == 0)
		return child_refused(argv[2], argv[3], argv[4]);
	self_path = hm_test_self_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
