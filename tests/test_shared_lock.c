/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared locks (hugemem/lock.h: hm_shared_*), the public face of the robust
 * spinlock. This program is the primary of an emu instance; it fork+execs
 * itself as a real secondary (a fresh image, ASLR on):
 *
 *   test_shared_lock hold PREFIX     attach, take the three lock words of the
 *                                    memzone "shlock", say "held PID", wait to
 *                                    be killed
 *
 * Checked in the primary: bad arguments; a lock another live process holds
 * is busy and cannot be released from here (-EPERM, the word unchanged); once
 * the holder is killed, a waiter takes each lock over in bounded time: a
 * repair that passes gives the lock (run once), a repair that fails poisons
 * it (-EOWNERDEAD naming what and the dead pid, now and on every later call,
 * without running the repair again), no repair at all takes it over too.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

#define TOPO "nodes=1;2M=64;lcores=0-3@0"
#define ZONE "shlock"

static const char *self_path;
static char prefix[64];

/* ------------------------------------------------------------ the secondary */

static int
child_hold(const char *pfx)
{
	char popt[100];
	char *be[2];
	char *argv[8];
	int argc = 0;

	argv[argc++] = (char *)"test_shared_lock";
	int nb = hm_test_backend_args(be);
	for (int i = 0; i < nb; i++)
		argv[argc++] = be[i];
	snprintf(popt, sizeof(popt), "--file-prefix=%s", pfx);
	argv[argc++] = popt;
	argv[argc++] = (char *)"--proc-type=secondary";
	argv[argc] = NULL;
	if (hm_init(argc, argv) < 0) {
		printf("FAIL hm_init: %s\n", hm_last_error());
		return 1;
	}
	const struct hm_memzone *z = hm_memzone_lookup(ZONE);
	if (z == NULL) {
		printf("FAIL lookup: %s\n", hm_last_error());
		return 1;
	}
	hm_spinlock_t *l = z->addr;
	for (int i = 0; i < 3; i++)
		if (hm_shared_lock(&l[i], "test lock", NULL, NULL) != 0 || hm_shared_held(&l[i]) != 1) {
			printf("FAIL lock %d: %s\n", i, hm_last_error());
			return 1;
		}
	printf("held %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause(); /* until SIGKILL */
}

/* ------------------------------------------------------------ the primary */

struct repair_arg {
	int calls;
	int result;
	const char *why;
};

static int
repair_cb(void *arg, const char **why)
{
	struct repair_arg *a = arg;

	a->calls++;
	if (a->result != 0)
		*why = a->why;
	return a->result;
}

static int
setup(void **state)
{
	struct hm_config c;
	static unsigned int n;
	(void)state;

	snprintf(prefix, sizeof(prefix), "shlock%d-%u", (int)getpid(), ++n);
	hm_config_init(&c);
	c.topology = TOPO;
	c.file_prefix = prefix;
	c.allow_leaks = true; /* what the killed secondary held is the instance's */
	return hm_test_init_cfg(&c);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
test_shared_lock_invalid_args(void **state)
{
	hm_spinlock_t l = HM_SPINLOCK_INITIALIZER;
	struct repair_arg ra = { 0 };
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_shared_lock(NULL, "x", repair_cb, &ra), -EINVAL);
	assert_int_equal(hm_shared_trylock(NULL), -EINVAL);
	assert_int_equal(hm_shared_unlock(NULL), -EINVAL);
	assert_int_equal(hm_shared_held(NULL), 0);
	assert_int_equal(hm_shared_poisoned(NULL), 0);
	/* a free lock is not released */
	assert_int_equal(hm_shared_unlock(&l), -EINVAL);
	assert_int_equal(l.locked, 0);
	/* taken (NULL what and repair are fine), busy, released */
	assert_int_equal(hm_shared_lock(&l, NULL, NULL, NULL), 0);
	assert_int_equal(hm_shared_held(&l), 1);
	assert_int_equal(hm_shared_trylock(&l), 0);
	assert_int_equal(hm_shared_unlock(&l), 0);
	assert_int_equal(hm_shared_held(&l), 0);
	assert_int_equal(hm_shared_unlock(&l), -EINVAL);
	assert_int_equal(hm_shared_trylock(&l), 1);
	assert_int_equal(hm_shared_unlock(&l), 0);
	assert_int_equal(ra.calls, 0);
	/* a poisoned word: every call refuses, naming the pid; nothing changes */
	l.locked = (int32_t)(0x80000000u | 4321u);
	assert_int_equal(hm_shared_poisoned(&l), 4321);
	assert_int_equal(hm_shared_lock(&l, "the zone", repair_cb, &ra), -EOWNERDEAD);
	assert_non_null(strstr(hm_last_error(), "the zone"));
	assert_non_null(strstr(hm_last_error(), "4321"));
	assert_int_equal(hm_shared_trylock(&l), -EOWNERDEAD);
	assert_non_null(strstr(hm_last_error(), "4321"));
	assert_int_equal(hm_shared_unlock(&l), -EINVAL);
	assert_int_equal(hm_shared_held(&l), 0);
	assert_int_equal((uint32_t)l.locked, 0x80000000u | 4321u);
	assert_int_equal(ra.calls, 0);
	l.locked = (int32_t)0x80000000u; /* poisoned by a process of unknown pid */
	assert_int_equal(hm_shared_poisoned(&l), -1);
}

/* Before hm_init (no process table) the lock works, under the anonymous identity. */
static void
test_shared_lock_no_table(void **state)
{
	hm_spinlock_t l = HM_SPINLOCK_INITIALIZER;
	(void)state;

	assert_int_equal(hm_shared_lock(&l, "x", NULL, NULL), 0);
	assert_int_equal(hm_shared_held(&l), 1);
	assert_int_equal(hm_shared_trylock(&l), 0);
	assert_int_equal(hm_shared_unlock(&l), 0);
	assert_int_equal(l.locked, 0);
}

static void
test_shared_lock_dead_holder(void **state)
{
	struct repair_arg ok = { .result = 0 }, bad = { .result = -EFAULT, .why = "count is off" };
	const struct hm_memzone *z;
	char line[128], want[160], pidstr[32];
	struct hm_test_child holder;
	hm_spinlock_t *l;
	(void)state;

	z = hm_memzone_reserve(ZONE, 3 * sizeof(hm_spinlock_t), HM_SOCKET_ID_ANY, 0);
	assert_non_null(z);
	l = z->addr;
	memset(l, 0, 3 * sizeof(*l));
	/* the holder, its stdout a pipe: its first line within 60 s (a loaded machine) */
	pid_t pid = hm_test_spawn(&holder, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_path, "hold", prefix), .out = HM_TEST_IO_PIPE });
	assert_true(hm_test_read_line(&holder, line, sizeof(line), 60000) >= 0);
	snprintf(want, sizeof(want), "held %d\n", (int)pid);
	assert_string_equal(line, want);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);

	/* a live holder: busy, and not ours to release */
	hm_test_quiet_log();
	for (int i = 0; i < 3; i++) {
		int32_t word = l[i].locked;
		assert_int_equal(hm_shared_held(&l[i]), 0);
		assert_int_equal(hm_shared_trylock(&l[i]), 0);
		assert_int_equal(hm_shared_unlock(&l[i]), -EPERM);
		assert_int_equal(l[i].locked, word);
		assert_int_equal(hm_shared_poisoned(&l[i]), 0);
	}

	assert_int_equal(hm_test_kill(&holder), 128 + SIGKILL);

	/* the repair passes: the lock is ours, the repair ran once */
	double t0 = now_s();
	assert_int_equal(hm_shared_lock(&l[0], "zone a", repair_cb, &ok), 0);
	assert_true(now_s() - t0 < 30.0); /* bounded: nobody waits forever on the dead */
	assert_int_equal(ok.calls, 1);
	assert_int_equal(hm_shared_held(&l[0]), 1);
	assert_int_equal(hm_shared_unlock(&l[0]), 0);
	assert_int_equal(hm_shared_lock(&l[0], "zone a", repair_cb, &ok), 0);
	assert_int_equal(ok.calls, 1); /* a free lock: no repair */
	assert_int_equal(hm_shared_unlock(&l[0]), 0);

	/* the repair fails: poisoned, now and later, naming what and the pid */
	assert_int_equal(hm_shared_lock(&l[1], "zone b", repair_cb, &bad), -EOWNERDEAD);
	assert_int_equal(bad.calls, 1);
	assert_non_null(strstr(hm_last_error(), "zone b"));
	assert_non_null(strstr(hm_last_error(), pidstr));
	assert_non_null(strstr(hm_last_error(), "count is off"));
	assert_int_equal(hm_shared_held(&l[1]), 0);
	assert_int_equal(hm_shared_poisoned(&l[1]), pid);
	assert_int_equal(hm_shared_lock(&l[1], "zone b", repair_cb, &bad), -EOWNERDEAD);
	assert_non_null(strstr(hm_last_error(), pidstr));
	assert_int_equal(bad.calls, 1);
	assert_int_equal(hm_shared_trylock(&l[1]), -EOWNERDEAD);
	assert_int_equal(hm_shared_unlock(&l[1]), -EINVAL);
	assert_int_equal(hm_shared_poisoned(&l[1]), pid);

	/* no repair: taken over as it is */
	assert_int_equal(hm_shared_lock(&l[2], NULL, NULL, NULL), 0);
	assert_int_equal(hm_shared_held(&l[2]), 1);
	assert_int_equal(hm_shared_unlock(&l[2]), 0);
	assert_int_equal(l[2].locked, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_lock_invalid_args),
		cmocka_unit_test(test_shared_lock_no_table),
		cmocka_unit_test_setup_teardown(test_shared_lock_dead_holder, setup,
						hm_test_teardown),
	};
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		return child_hold(argv[2]);
	self_path = hm_test_self();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
