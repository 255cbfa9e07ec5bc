/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the DPDK layer's ring / mempool / mbuf / net tests: EAL start and
 * stop around each test (emu, two lcores), quiet logs, and asserts on DPDK's
 * error conventions (-1 or NULL with rte_errno, or a negative errno).
 */
#ifndef HM_DPDK_TEST_H
#define HM_DPDK_TEST_H

#include <stdio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "helpers.h"

static inline int
dpdk_test_eal_v(const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"test";
	for (; args[argc - 1] != NULL && argc < 31; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}
#define DPDK_TEST_EAL(...) dpdk_test_eal_v((const char *const[]){ __VA_ARGS__, NULL })

static inline void
dpdk_test_quiet(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	rte_openlog_stream(null);
	hm_test_quiet_log();
}

/* EAL on emu with lcores 0-2 (main 0, workers 1 and 2). */
static inline int
dpdk_test_setup(void **state)
{
	(void)state;
	dpdk_test_quiet();
	return DPDK_TEST_EAL("-l", "0-2", "--no-huge") == 3 ? 0 : -1;
}

/* Same with debug mempools (cookies checked on every get and put). */
static inline int
dpdk_test_setup_debug(void **state)
{
	(void)state;
	dpdk_test_quiet();
	return DPDK_TEST_EAL("-l", "0-2", "--no-huge", "--mempool-debug=on") == 4 ? 0 : -1;
}

static inline int
dpdk_test_teardown(void **state)
{
	const char *why = NULL;
	int rc = 0;

	if (rte_lcore_count() > 0) {
		if (hm_dpdk_check(&why) != 0) {
			print_error("hm_dpdk_check: %s\n", why != NULL ? why : "?");
			rc = -1;
		}
		rte_eal_cleanup();
	}
	rte_openlog_stream(NULL);
	return hm_test_teardown(state) != 0 ? -1 : rc;
}

/* -1 with rte_errno err. */
#define assert_fails(call, err) \
	do { \
		rte_errno = 0; \
		assert_int_equal((call), -1); \
		assert_int_equal(rte_errno, (err)); \
	} while (0)
/* NULL with rte_errno err. */
#define assert_null_errno(call, err) \
	do { \
		rte_errno = 0; \
		assert_null(call); \
		assert_int_equal(rte_errno, (err)); \
	} while (0)

#endif /* HM_DPDK_TEST_H */
