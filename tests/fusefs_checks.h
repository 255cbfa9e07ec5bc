/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the tests that mount hugemem-fusefs (test_fusefs.c,
 * test_fuse_backend.c): whether mounts can run here (hm_fusefs_doctor's reason
 * otherwise), one daemon per test stopped by the teardown even when the test
 * fails, and the sysfs counters of a mount. Include once per program.
 */
#ifndef HM_TEST_FUSEFS_CHECKS_H
#define HM_TEST_FUSEFS_CHECKS_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/fusefs.h"
#include "hugemem/hugemem.h"

static char rundir[PATH_MAX];
static char no_mount_reason[512]; /* "" when mounts can run here */
static int mount_count;

static inline void
need_mount(void)
{
	if (no_mount_reason[0] != '\0') {
		printf("# SKIP: %s\n", no_mount_reason);
		skip();
	}
}

static struct hm_fusefs *cur;   /* the test's daemon, stopped by the teardown too */
static char cur_tmp[PATH_MAX];  /* a mount point the test made itself */

static inline struct hm_fusefs *
start(const char *topo, const char *spec, char *mnt, size_t len)
{
	int rc;

	snprintf(mnt, len, "%s/mnt%d", rundir, mount_count++);
	rc = hm_fusefs_start(mnt, topo, spec, &cur);
	if (rc != 0)
		fail_msg("hm_fusefs_start(%s): %d %s", mnt, rc, hm_last_error());
	return cur;
}

static inline void
stop(void)
{
	hm_fusefs_stop(cur);
	cur = NULL;
}

/* A failed test leaves no mount behind. */
static inline int
teardown(void **state)
{
	(void)state;
	if (hm_initialized())
		hm_cleanup();
	unsetenv("HUGEMEM_FUSEFS_MOUNT");
	hm_log_set_hook(NULL, NULL);
	stop();
	if (cur_tmp[0] != '\0')
		rmdir(cur_tmp);
	cur_tmp[0] = '\0';
	return 0;
}

static inline uint64_t
sysfs_u64(const char *mnt, const char *rel)
{
	char path[PATH_MAX], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", mnt, rel);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strtoull(buf, NULL, 10);
}

static inline uint64_t
node_free(const char *mnt, int node)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/hugepages/hugepages-2048kB/"
		 "free_hugepages", node);
	return sysfs_u64(mnt, rel);
}

/* Releases reach the daemon asynchronously: wait (bounded) for a free count. */
static inline void
await_free(const char *mnt, int node, uint64_t want)
{
	for (int i = 0; i < 2000 && node_free(mnt, node) != want; i++)
		usleep(1000);
	assert_int_equal(node_free(mnt, node), want);
}

/* The runtime dir, what a crashed run left there, and whether mounts can run. */
static inline int
setup_all(void)
{
	const char *d = getenv("HUGEMEM_RUNTIME_DIR");
	char tmp[PATH_MAX];
	FILE *doc;
	char *text = NULL;
	size_t len = 0;

	snprintf(rundir, sizeof(rundir), "%s", d != NULL ? d : "/tmp/hugemem-test-fusefs");
	snprintf(tmp, sizeof(tmp), "mkdir -p '%s'", rundir);
	if (system(tmp) != 0)
		return -1;
	for (int i = 0; i < 64; i++) { /* what a crashed run left */
		snprintf(tmp, sizeof(tmp), "%s/mnt%d", rundir, i);
		umount2(tmp, MNT_DETACH);
		rmdir(tmp);
	}
	doc = open_memstream(&text, &len);
	if (doc != NULL && hm_fusefs_doctor(doc) > 0) {
		fclose(doc);
		for (char *l = strtok(text, "\n"); l != NULL; l = strtok(NULL, "\n"))
			if (strncmp(l, "FAIL  ", 6) == 0) {
				snprintf(no_mount_reason, sizeof(no_mount_reason), "mount tests need "
					 "FUSE: %s", l + 6);
				break;
			}
	} else if (doc != NULL) {
		fclose(doc);
	}
	free(text);
	return 0;
}

#endif
