/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eal_init's option parsing and lifecycle: bytes split on NUL / newline
 * into EAL options after a fixed prefix (--in-memory, a small 2-node emulated
 * topology). Either init fails and nothing is left (no hugemem instance, no
 * lcore), or the EAL validates (hm_dpdk_check), runs a function on every lcore,
 * and rte_eal_cleanup releases it all. Options that would touch the machine
 * outside the process (--runtime-dir, --huge-dir, --backend) or exit (--help,
 * -h) are not tried.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "hugemem/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
touch(void *arg)
{
	(void)arg;
	return (int)rte_lcore_id();
}

static int
unsafe(const char *t)
{
	static const char *const names[] = { "runtime-dir", "huge-dir", "backend", "help" };
	size_t n;

	if (t[0] != '-')
		return 0;
	if (t[1] != '-')
		return strchr(t, 'h') != NULL; /* -h, or a cluster holding it */
	n = strcspn(t + 2, "=");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n > 0 && strncmp(names[i], t + 2, n) == 0)
			return 1; /* the option or an abbreviation of it */
	return 0;
}

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	char buf[1024], *argv[40];
	int argc = 0, rc;

	if (size >= sizeof(buf))
		return 0;
	if (null == NULL)
		null = fopen("/dev/null", "w");
	rte_openlog_stream(null);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"fuzz";
	argv[argc++] = (char *)"--in-memory";
	argv[argc++] = (char *)"--topology=nodes=2;2M=8,8;lcores=0-1@0,2-3@1";
	for (char *p = buf; p < buf + size && argc < 39;) {
		argv[argc++] = p;
		while (p < buf + size && *p != '\n' && *p != '\0')
			p++;
		*p++ = '\0';
		if (unsafe(argv[argc - 1]))
			return 0;
	}
	argv[argc] = NULL;
	rc = rte_eal_init(argc, argv);
	hm_log_set_hook(quiet, NULL);
	if (rc < 0) {
		if (hm_initialized() || rte_lcore_count() != 0 || rte_errno == 0)
			abort();
		return 0;
	}
	if (rc > argc - 1 || hm_dpdk_check(NULL) != 0 || rte_lcore_count() == 0 ||
	    rte_get_main_lcore() != rte_lcore_id())
		abort();
	if (rte_eal_mp_remote_launch(touch, NULL, CALL_MAIN) != 0)
		abort();
	rte_eal_mp_wait_lcore();
	if (rte_eal_wait_lcore(rte_get_main_lcore()) != (int)rte_get_main_lcore())
		abort();
	if (rte_eal_cleanup() != 0 || hm_initialized() || rte_lcore_count() != 0)
		abort();
	hm_log_set_hook(quiet, NULL);
	return 0;
}
