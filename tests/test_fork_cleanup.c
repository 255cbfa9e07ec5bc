/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_cleanup in a process forked without exec (conformance, every backend): the
 * instance stays with the process that ran hm_init. The child's hm_cleanup
 * returns 0, logs at INFO that the instance stays with the parent's pid, and
 * refuses a later hm_init there (-ENOTSUP); the parent then still has its
 * memzone (contents intact), ring, heap, lcore id, process-table slot, runtime
 * files and telemetry socket, every validator passes, a second primary on the
 * prefix is still refused (its lock was not dropped), a secondary still
 * attaches and sees the memzone, and the parent's own hm_cleanup leaves nothing.
 *
 * Roles this program runs itself as (fork+exec, argv[1]): "primary PREFIX"
 * exits 0 when hm_init on PREFIX is refused with -EBUSY; "secondary PREFIX"
 * exits 0 when it attaches, finds the memzone with its pattern, and cleans up.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

static const char *const TOPO = "nodes=1;2M=64;4K=256;lcores=0-1@0";
#define MZ_NAME "fc_mz"
#define MZ_LEN 8192
#define PATTERN 0x5a

static const char *self_path;
static char prefix[64];
static unsigned int test_no;

static int
init_on(const char *pfx, enum hm_proc_type type)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = TOPO;
	c.file_prefix = pfx;
	c.proc_type = type;
	return hm_test_init_cfg(&c);
}

/* The zone is there and every byte holds the pattern. */
static bool
zone_intact(void)
{
	const struct hm_memzone *mz = hm_memzone_lookup(MZ_NAME);

	if (mz == NULL || mz->len < MZ_LEN)
		return false;
	for (size_t i = 0; i < MZ_LEN; i++)
		if (((const unsigned char *)mz->addr)[i] != PATTERN)
			return false;
	return true;
}

/* ---------------------------------------------------------------- roles */

static int
role_primary(const char *pfx)
{
	int rc;

	hm_test_quiet_log();
	rc = init_on(pfx, HM_PROC_PRIMARY);
	if (rc == 0) {
		fprintf(stderr, "a second primary on %s was accepted\n", pfx);
		hm_cleanup();
		return 1;
	}
	if (rc != -EBUSY) {
		fprintf(stderr, "second primary: %d (%s), not -EBUSY\n", rc, hm_last_error());
		return 2;
	}
	return 0;
}

static int
role_secondary(const char *pfx)
{
	int rc;

	hm_test_quiet_log();
	rc = init_on(pfx, HM_PROC_SECONDARY);
	if (rc != 0) {
		fprintf(stderr, "secondary attach: %d (%s)\n", rc, hm_last_error());
		return 1;
	}
	if (!zone_intact()) {
		fprintf(stderr, "secondary: memzone %s missing or changed\n", MZ_NAME);
		hm_cleanup();
		return 2;
	}
	rc = hm_cleanup();
	if (rc != 0) {
		fprintf(stderr, "secondary cleanup: %d (%s)\n", rc, hm_last_error());
		return 3;
	}
	return 0;
}

/* ---------------------------------------------------------------- the fork */

static struct {
	unsigned int info;   /* INFO messages naming the parent as the instance's keeper */
	pid_t parent;
} seen;

static void
child_hook(enum hm_log_level level, const char *msg, void *arg)
{
	char want[64];

	(void)arg;
	snprintf(want, sizeof(want), "instance stays with pid %d", (int)seen.parent);
	if (level == HM_LOG_INFO && strstr(msg, want) != NULL)
		seen.info++;
}

/* The forked child (no exec): hm_cleanup, then exit codes the parent reads. */
static void __attribute__((noreturn))
forked_child(pid_t parent)
{
	int rc;

	seen.parent = parent;
	hm_log_set_hook(child_hook, NULL);
	hm_log_set_level(HM_LOG_INFO);
	rc = hm_cleanup();
	if (rc != 0)
		_exit(10);
	if (seen.info != 1)
		_exit(11);
	if (hm_initialized())
		_exit(12);
	if (hm_memzone_lookup(MZ_NAME) != NULL)
		_exit(13); /* the library is shut down here */
	if (init_on(prefix, HM_PROC_AUTO) != -ENOTSUP)
		_exit(14);
	if (strstr(hm_last_error(), "forked from pid") == NULL)
		_exit(15);
	_exit(0);
}

static int
spawn_role(const char *role)
{
	char out[512], err[2048];
	struct hm_test_spawn_args a = {
		.argv = HM_TEST_ARGV(self_path, role, prefix),
		.out = HM_TEST_IO_FILE,
		.err = HM_TEST_IO_FILE,
		.alarm = 60,
	};
	int st = hm_test_run(&a, out, sizeof(out), err, sizeof(err));

	if (st != 0)
		printf("# %s: status %d: %s%s\n", role, st, out, err);
	return st;
}

static bool
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

static void
test_fork_cleanup_child_leaves_instance(void **state)
{
	char run_dir[PATH_MAX], cfg_path[PATH_MAX + 16], sock[PATH_MAX];
	const char *why = NULL;
	void *obj = NULL;
	int st;
	(void)state;

	snprintf(prefix, sizeof(prefix), "fc%d-%u", (int)getpid(), ++test_no);
	hm_test_quiet_log();
	assert_int_equal(init_on(prefix, HM_PROC_PRIMARY), 0);
	const struct hm_memzone *mz = hm_memzone_reserve(MZ_NAME, MZ_LEN, 0, 0);
	assert_non_null(mz);
	memset(mz->addr, PATTERN, MZ_LEN);
	struct hm_ring *r = hm_ring_create("fc_ring", 64, 0, 0);
	assert_non_null(r);
	assert_int_equal(hm_ring_enqueue(r, (void *)mz), 0);
	void *blk = hm_malloc("fc", 3000, 0);
	assert_non_null(blk);
	snprintf(run_dir, sizeof(run_dir), "%s", hm_runtime_dir());
	snprintf(cfg_path, sizeof(cfg_path), "%s/config", run_dir);
	assert_true(exists(cfg_path));
	int files = hm_test_run_files(run_dir);
	assert_true(files > 0);
	const char *sp = hm_telemetry_socket_path();
	snprintf(sock, sizeof(sock), "%s", sp != NULL ? sp : "");
	int procs = hm_mp_procs(NULL, 0);
	assert_int_equal(hm_mp_lcore_owner(0), (int)getpid());

	pid_t parent = getpid(), child = fork();
	assert_true(child >= 0);
	if (child == 0)
		forked_child(parent);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("the forked child failed its checks: exit %d (10 cleanup rc, 11 no INFO "
			 "message, 12 still initialised, 13 API still live, 14/15 hm_init not "
			 "refused with -ENOTSUP)", WEXITSTATUS(st));

	/* the parent's instance is whole */
	assert_true(zone_intact());
	assert_ptr_equal(hm_memzone_lookup(MZ_NAME), mz);
	memset(mz->addr, PATTERN, MZ_LEN); /* still mapped and writable */
	assert_ptr_equal(hm_ring_lookup("fc_ring"), r);
	assert_int_equal(hm_ring_dequeue(r, &obj), 0);
	assert_ptr_equal(obj, mz);
	assert_int_equal(hm_ring_enqueue(r, obj), 0);
	void *blk2 = hm_malloc("fc", 5000, 0);
	assert_non_null(blk2);
	memset(blk2, 1, 5000);
	assert_int_equal(hm_free(blk2), 0);
	assert_int_equal(hm_memseg_check(&why), 0);
	assert_int_equal(hm_malloc_check(&why), 0);
	assert_int_equal(hm_memzone_check(&why), 0);
	assert_int_equal(hm_mp_check(&why), 0);
	assert_int_equal(hm_lcore_check(&why), 0);
	assert_int_equal(hm_mp_procs(NULL, 0), procs);
	assert_int_equal(hm_mp_lcore_owner(0), (int)getpid());
	assert_true(exists(cfg_path));
	assert_int_equal(hm_test_run_files(run_dir), files);
	if (sock[0] != '\0')
		assert_true(exists(sock));

	/* the primary's lock held: a second primary refused; a secondary attaches */
	assert_int_equal(spawn_role("primary"), 0);
	assert_int_equal(spawn_role("secondary"), 0);
	assert_true(zone_intact());
	assert_int_equal(hm_memzone_check(&why), 0);

	/* and the parent's cleanup leaves nothing */
	assert_int_equal(hm_ring_dequeue(r, &obj), 0);
	hm_ring_free(r);
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_int_equal(hm_free(blk), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_false(exists(cfg_path));
	assert_int_equal(hm_test_run_files(run_dir), -1);
	if (sock[0] != '\0')
		assert_false(exists(sock));
}

/* A child forked from a child's cleanup is no different: a fork of a process
 * that never initialised has nothing to clean (EALREADY), and cleanup in the
 * parent after its child exited without cleanup works as usual. */
static void
test_fork_cleanup_child_without_cleanup(void **state)
{
	char run_dir[PATH_MAX];
	int st;
	(void)state;

	snprintf(prefix, sizeof(prefix), "fc%d-%u", (int)getpid(), ++test_no);
	hm_test_quiet_log();
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(hm_cleanup() == -EALREADY ? 0 : 1);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	assert_int_equal(init_on(prefix, HM_PROC_PRIMARY), 0);
	snprintf(run_dir, sizeof(run_dir), "%s", hm_runtime_dir());
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0); /* no hm_cleanup: nothing runs at exit either */
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(spawn_role("primary"), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_run_files(run_dir), -1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fork_cleanup_child_leaves_instance,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_fork_cleanup_child_without_cleanup,
					  hm_test_teardown),
	};

	if (argc == 3 && strcmp(argv[1], "primary") == 0)
		return role_primary(argv[2]);
	if (argc == 3 && strcmp(argv[1], "secondary") == 0)
		return role_secondary(argv[2]);
	self_path = hm_test_self_setup();
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
