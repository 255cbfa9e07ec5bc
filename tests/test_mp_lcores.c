/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcore ids across processes (docs/multiprocess.md, "lcore ids"): the set a
 * process asks for (-l, hm_config.lcores) is claimed in the process table in
 * one step, all or none. This program is the primary (rte_eal_init -l 0); it
 * fork+execs itself as secondaries that start at the same instant (each waits
 * for EOF on a gate pipe the parent closes):
 *
 *   test_mp_lcores claim PREFIX LCORES GATE_FD
 *       waits on GATE_FD, rte_eal_init(--proc-type=secondary -l LCORES), prints
 *       "ok main=M lcores=A,B own=A,B" (the lcores whose threads read their own
 *       id from rte_lcore_id(); the ids hm_mp_lcore_owner() gives this pid) or
 *       "fail E" (rte_errno), then holds its ids until stdin reaches EOF.
 *
 * After every step the parent compares hm_mp_lcore_owner() of every id with a
 * model: the union of the live processes' sets, each id naming its process.
 * The child's log (stderr) goes to a file the parent reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "dpdk_test.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

#define MAX_ID 16 /* the children's ids are below this */
#define GATE_FD 10

static const char *self_path;
static char prefix[64];
static unsigned int test_no;

/* "1,2,5" for the bits of @p set. */
static void
set_str(uint32_t set, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < 32; i++)
		if ((set >> i) & 1)
			off += (size_t)snprintf(buf + off, len - off, "%s%u", off > 0 ? "," : "", i);
}

/* ------------------------------------------------------------ the child */

static volatile unsigned int seen[RTE_MAX_LCORE];

static int
report_id(void *arg)
{
	(void)arg;
	seen[rte_lcore_id()] = rte_lcore_id() + 1;
	return 0;
}

static int
child_claim(const char *pfx, const char *lcores, int gate)
{
	char b;
	uint32_t lset = 0, own = 0;
	char l1[128], l2[128];
	unsigned int id;

	while (read(gate, &b, 1) > 0 || errno == EINTR)
		;
	close(gate);
	if (dpdk_test_eal_v((const char *const[]){ "--proc-type=secondary", "--no-huge",
					      "--file-prefix", pfx, "-l", lcores, "--no-telemetry",
					      NULL }) < 0) {
		printf("fail %d\n", rte_errno);
		fflush(stdout);
		if (hm_initialized() || rte_eal_process_type() != RTE_PROC_PRIMARY)
			fprintf(stderr, "FAIL something was left initialised\n");
		return 0;
	}
	/* every worker reads its own id; the main lcore is this thread */
	seen[rte_lcore_id()] = rte_lcore_id() + 1;
	rte_eal_mp_remote_launch(report_id, NULL, SKIP_MAIN);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH(id)
		if (id < 32 && seen[id] == id + 1)
			lset |= 1u << id;
	for (unsigned int i = 0; i < 32; i++)
		if (hm_mp_lcore_owner(i) == (int)getpid())
			own |= 1u << i;
	set_str(lset, l1, sizeof(l1));
	set_str(own, l2, sizeof(l2));
	printf("ok main=%u lcores=%s own=%s\n", rte_get_main_lcore(), l1, l2);
	fflush(stdout);
	while (read(0, &b, 1) > 0 || errno == EINTR)
		;
	if (hm_mp_check(NULL) != 0 || hm_lcore_check(NULL) != 0)
		fprintf(stderr, "FAIL check: %s\n", hm_last_error());
	return rte_eal_cleanup() == 0 ? 0 : 1;
}

/* ------------------------------------------------------------ the parent */

struct kid {
	struct hm_test_child c; /* stdin a pipe: closing it ends the child */
	uint32_t set;
	char line[256];
	char err[4096];
};

/* Start a child claiming @p set once the gate @p gate_rd opens (-1: at once). */
static void
kid_start(struct kid *k, uint32_t set, int gate_rd)
{
	char lcores[128], gfd[16];

	memset(k, 0, sizeof(*k));
	k->set = set;
	set_str(set, lcores, sizeof(lcores));
	snprintf(gfd, sizeof(gfd), "%d", GATE_FD);
	/* no gate (-1): hm_test_spawn passes /dev/null, one that is open already */
	hm_test_spawn(&k->c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_path, "claim", prefix, lcores, gfd),
		.out = HM_TEST_IO_PIPE, .err = HM_TEST_IO_FILE, .in_pipe = true,
		.pass_fd = gate_rd, .pass_as = GATE_FD });
}

/* The child's result line (30 s at most). */
static void
kid_result(struct kid *k)
{
	int n = hm_test_read_line(&k->c, k->line, sizeof(k->line), 30000);

	assert_true(n >= 0 && "a child did not report within 30 s");
	if (n > 0 && k->line[n - 1] == '\n')
		k->line[n - 1] = '\0';
}

/* Let the child go; its exit status (128 + signal when killed). */
static int
kid_end(struct kid *k)
{
	int st = hm_test_wait(&k->c, -1);

	hm_test_collect(&k->c, NULL, 0, k->err, sizeof(k->err));
	if ((st != 0 && st != 128 + SIGKILL) || strstr(k->err, "FAIL") != NULL)
		printf("# child %d exit %d\n# stdout: %s\n# stderr: %s\n", (int)k->c.pid, st,
		       k->line, k->err);
	return strstr(k->err, "FAIL") != NULL ? 1 : st;
}

/* Start the kids of @p sets at the same instant; wait for their reports. */
static void
start_together(struct kid *kids, const uint32_t *sets, unsigned int n)
{
	int g[2];

	assert_int_equal(pipe2(g, O_CLOEXEC), 0);
	for (unsigned int i = 0; i < n; i++)
		kid_start(&kids[i], sets[i], g[0]);
	close(g[0]);
	close(g[1]); /* every child's read on the gate returns now */
	for (unsigned int i = 0; i < n; i++)
		kid_result(&kids[i]);
}

/*
 * The model: model[i] is the pid of the live process that holds lcore i (0:
 * none). The table must say exactly that for every id, and pass its validator.
 */
static void
check_model(const pid_t *model)
{
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		int want = i < MAX_ID ? (int)model[i] : 0;
		int got = hm_mp_lcore_owner(i);
		if (got != want)
			printf("# lcore %u: table says pid %d, model %d\n", i, got, want);
		assert_int_equal(got, want);
	}
	assert_int_equal(hm_mp_check(NULL), 0);
	assert_int_equal(hm_lcore_check(NULL), 0);
}

static void
model_add(pid_t *model, uint32_t set, pid_t pid)
{
	for (unsigned int i = 0; i < MAX_ID; i++)
		if ((set >> i) & 1) {
			assert_int_equal(model[i], 0);
			model[i] = pid;
		}
}

static void
model_drop(pid_t *model, pid_t pid)
{
	for (unsigned int i = 0; i < MAX_ID; i++)
		if (model[i] == pid)
			model[i] = 0;
}

/* A child's success line says exactly its set: main is the lowest, every
 * lcore's thread read its own id, the table gives it exactly these ids. */
static void
assert_ok_line(const struct kid *k)
{
	char want[256], ids[128];

	set_str(k->set, ids, sizeof(ids));
	snprintf(want, sizeof(want), "ok main=%u lcores=%s own=%s",
		 (unsigned int)__builtin_ctz(k->set), ids, ids);
	if (strcmp(k->line, want) != 0)
		printf("# child %d: '%s', want '%s'\n", (int)k->c.pid, k->line, want);
	assert_string_equal(k->line, want);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(prefix, sizeof(prefix), "mpl%d-%u", (int)getpid(), ++test_no);
	return 0;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	return hm_test_teardown(state);
}

static void
primary_up(pid_t *model)
{
	memset(model, 0, MAX_ID * sizeof(pid_t));
	assert_int_equal(dpdk_test_eal_v((const char *const[]){ "--no-huge", "--file-prefix", prefix,
							   "-l", "0", "--no-telemetry", NULL }), 6);
	model[0] = getpid();
	check_model(model);
}

/* Bad values: refused with a message, nothing created or claimed. */
static void
test_mp_lcores_invalid_args(void **state)
{
	struct hm_config cfg;
	static const struct {
		const char *lcores;
		bool main_set;
		unsigned int main_lcore;
		const char *msg;
	} bad[] = {
		{ "x", false, 0, "-l/--lcores: 'x' is not a list of lcore ids like 0-3,5" },
		{ "1,", false, 0, "is not a list of lcore ids" },
		{ "3-1", false, 0, "is not a list of lcore ids" },
		{ "", false, 0, "is not a list of lcore ids" },
		{ "1,1-2", false, 0, "lcore 1 is given twice in '1,1-2'" },
		{ "1-200", false, 0, "lcore 200 in '1-200' is not below HM_MAX_LCORE (128)" },
		{ "1-2", true, 3, "--main-lcore: lcore 3 is not in -l/--lcores '1-2'" },
		{ NULL, true, 128, "--main-lcore: 128 is not an lcore id below 128" },
		{ "0-3", false, 0, "lcore 2 is not in the topology" },
		{ NULL, true, 5, "lcore 5 is not in the topology" },
	};
	char *argv_bad[] = { (char *)"p", (char *)"-l", (char *)"2-1", NULL };
	char *argv_main[] = { (char *)"p", (char *)"--main-lcore=128", NULL };
	char *argv_ok[] = { (char *)"p", (char *)"-l", (char *)"1-2", (char *)"--main-lcore=2",
			    NULL };
	(void)state;

	assert_int_equal(hm_mp_lcore_owner(0), -ENODEV);
	assert_int_equal(hm_lcore_check(NULL), -ENODEV);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hm_config_init(&cfg);
		cfg.backend = "emu";
		cfg.topology = "lcores=0-1";
		cfg.file_prefix = prefix;
		cfg.no_telemetry = true;
		cfg.lcores = bad[i].lcores;
		cfg.main_lcore_set = bad[i].main_set;
		cfg.main_lcore = bad[i].main_lcore;
		assert_int_equal(hm_init_config(&cfg), -EINVAL);
		if (strstr(hm_last_error(), bad[i].msg) == NULL)
			printf("# case %zu: '%s'\n", i, hm_last_error());
		assert_non_null(strstr(hm_last_error(), bad[i].msg));
		assert_false(hm_initialized());
	}
	/* the options: refused with the config unchanged; accepted into the fields */
	hm_config_init(&cfg);
	assert_int_equal(hm_config_parse(&cfg, 3, argv_bad), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "'2-1' is not a list of lcore ids"));
	assert_null(cfg.lcores);
	assert_int_equal(hm_config_parse(&cfg, 2, argv_main), -EINVAL);
	assert_false(cfg.main_lcore_set);
	assert_int_equal(hm_config_parse(&cfg, 4, argv_ok), 3);
	assert_string_equal(cfg.lcores, "1-2");
	assert_true(cfg.main_lcore_set);
	assert_int_equal(cfg.main_lcore, 2);
	/* the owner query */
	cfg.backend = "emu";
	cfg.topology = "lcores=0-3";
	cfg.file_prefix = prefix;
	cfg.no_telemetry = true;
	assert_int_equal(hm_init_config(&cfg), 0);
	assert_int_equal(hm_mp_lcore_owner(HM_MAX_LCORE), -EINVAL);
	assert_int_equal(hm_mp_lcore_owner(UINT32_MAX), -EINVAL);
	assert_int_equal(hm_cleanup(), 0);
	cfg.no_shconf = true;
	assert_int_equal(hm_init_config(&cfg), 0);
	assert_int_equal(hm_mp_lcore_owner(1), -ENOTSUP);
	assert_int_equal(hm_get_main_lcore(), 2);
	assert_int_equal(hm_lcore_check(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
}

static void *
register_thread(void *arg)
{
	int *out = arg;

	out[0] = hm_thread_register();
	out[1] = hm_mp_lcore_owner((unsigned int)out[0]);
	return NULL;
}

/* hm_init_config with a set: the main lcore asked for, threads get the set's
 * ids first, the set stays claimed when its threads leave; ids outside it are
 * claimed and given back one by one. */
static void
test_mp_lcores_native_set(void **state)
{
	struct hm_config cfg;
	pthread_t t[3];
	int got[3][2];
	(void)state;

	hm_config_init(&cfg);
	cfg.backend = "emu";
	cfg.topology = "lcores=0-7";
	cfg.file_prefix = prefix;
	cfg.no_telemetry = true;
	cfg.lcores = "1-3";
	cfg.main_lcore_set = true;
	cfg.main_lcore = 2;
	assert_int_equal(hm_init_config(&cfg), 0);
	assert_int_equal(hm_get_main_lcore(), 2);
	assert_int_equal(hm_lcore_id(), 2);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(hm_mp_lcore_owner(i), i >= 1 && i <= 3 ? (int)getpid() : 0);
	/* one at a time: 1 and 3 (the set), then 0 (the lowest free id) */
	const int want[3] = { 1, 3, 0 };
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, register_thread, got[i]), 0);
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(got[i][0], want[i]);
		assert_int_equal(got[i][1], (int)getpid());
	}
	/* their threads have ended without unregistering: the ids stay taken
	 * (as in DPDK); the set's ids and id 0 are ours in the table */
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(hm_mp_lcore_owner(i), i <= 3 ? (int)getpid() : 0);
	assert_int_equal(hm_mp_check(NULL), 0);
	assert_int_equal(hm_lcore_check(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
}

static void *
register_unregister(void *arg)
{
	int *out = arg;

	out[0] = hm_thread_register_id((unsigned int)out[0]);
	hm_thread_unregister();
	out[1] = hm_mp_lcore_owner((unsigned int)out[2]);
	return NULL;
}

/* Unregistering gives an id outside the set back to the table, and keeps an
 * id of the set this process's. */
static void
test_mp_lcores_unregister(void **state)
{
	struct hm_config cfg;
	pthread_t t;
	int a[3] = { 3, 0, 3 }, b[3] = { 5, 0, 5 };
	(void)state;

	hm_config_init(&cfg);
	cfg.backend = "emu";
	cfg.topology = "lcores=0-7";
	cfg.file_prefix = prefix;
	cfg.no_telemetry = true;
	cfg.lcores = "2-3";
	assert_int_equal(hm_init_config(&cfg), 0);
	assert_int_equal(hm_get_main_lcore(), 2);
	assert_int_equal(pthread_create(&t, NULL, register_unregister, a), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(a[0], 3);
	assert_int_equal(a[1], (int)getpid()); /* of the set: still ours */
	assert_int_equal(pthread_create(&t, NULL, register_unregister, b), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(b[0], 5);
	assert_int_equal(b[1], 0); /* outside it: given back */
	assert_int_equal(hm_mp_check(NULL), 0);
	assert_int_equal(hm_lcore_check(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
}

/* Two secondaries with disjoint -l at the same instant, N rounds: both
 * succeed, each with exactly its ids. */
static void
test_mp_lcores_disjoint(void **state)
{
	unsigned int rounds = HM_TEST_ASAN || HM_TEST_TSAN ? 10 : 20;
	uint64_t rng = hm_test_seed();
	pid_t model[MAX_ID];
	struct kid kids[2];
	(void)state;

	primary_up(model);
	for (unsigned int r = 0; r < rounds; r++) {
		/* ids 1..12 split between the two: 1 to 3 each, disjoint */
		uint32_t sets[2] = { 0, 0 };
		for (unsigned int k = 0; k < 2; k++) {
			unsigned int n = 1 + (unsigned int)(hm_test_rand(&rng) % 3);
			while (__builtin_popcount(sets[k]) < (int)n) {
				unsigned int id = 1 + (unsigned int)(hm_test_rand(&rng) % 12);
				if (((sets[0] | sets[1]) >> id & 1) == 0)
					sets[k] |= 1u << id;
			}
		}
		start_together(kids, sets, 2);
		for (unsigned int k = 0; k < 2; k++) {
			assert_ok_line(&kids[k]);
			model_add(model, sets[k], kids[k].c.pid);
		}
		check_model(model);
		for (unsigned int k = 0; k < 2; k++) {
			assert_int_equal(kid_end(&kids[k]), 0);
			model_drop(model, kids[k].c.pid);
			check_model(model);
		}
	}
}

/* Overlapping sets at the same instant: one wins, the other fails EBUSY
 * naming the lcore and the winner's pid and holds nothing: a third process
 * takes the loser's other ids. */
static void
test_mp_lcores_overlap(void **state)
{
	unsigned int rounds = HM_TEST_ASAN || HM_TEST_TSAN ? 3 : 6;
	pid_t model[MAX_ID];
	struct kid kids[2], third;
	const uint32_t sets[2] = { 0xe /* 1-3 */, 0x38 /* 3-5 */ };
	unsigned int wins[2] = { 0, 0 };
	(void)state;

	primary_up(model);
	for (unsigned int r = 0; r < rounds; r++) {
		start_together(kids, sets, 2);
		unsigned int w = strncmp(kids[0].line, "ok ", 3) == 0 ? 0 : 1, l = 1 - w;
		char want[160], fail[32];
		assert_ok_line(&kids[w]);
		snprintf(fail, sizeof(fail), "fail %d", EBUSY);
		assert_string_equal(kids[l].line, fail);
		assert_int_equal(kid_end(&kids[l]), 0);
		snprintf(want, sizeof(want), "lcore 3 is used by another process of the "
			 "instance (pid %d)", (int)kids[w].c.pid);
		if (strstr(kids[l].err, want) == NULL)
			printf("# loser's log: %s\n# want: %s\n", kids[l].err, want);
		assert_non_null(strstr(kids[l].err, want));
		wins[w]++;
		model_add(model, sets[w], kids[w].c.pid);
		check_model(model); /* the loser holds nothing */
		/* the loser's other ids are free */
		uint32_t rest = sets[l] & ~sets[w];
		kid_start(&third, rest, -1);
		kid_result(&third);
		assert_ok_line(&third);
		model_add(model, rest, third.c.pid);
		check_model(model);
		assert_int_equal(kid_end(&third), 0);
		model_drop(model, third.c.pid);
		assert_int_equal(kid_end(&kids[w]), 0);
		model_drop(model, kids[w].c.pid);
		check_model(model);
	}
	printf("# first set won %u times, second %u\n", wins[0], wins[1]);
}

/* A secondary SIGKILLed at a random moment of its start (before, during or
 * after its claim, possibly holding the table lock): the table stays valid,
 * its ids read as free, and the next process takes them. */
static void
test_mp_lcores_sigkill(void **state)
{
	unsigned int rounds = HM_TEST_ASAN || HM_TEST_TSAN ? 4 : 8;
	uint64_t rng = hm_test_seed() ^ 0x5a5a;
	pid_t model[MAX_ID];
	struct kid k, next;
	const uint32_t set = 0x66; /* 1-2,5-6 */
	(void)state;

	primary_up(model);
	for (unsigned int r = 0; r < rounds; r++) {
		int g[2];
		assert_int_equal(pipe2(g, O_CLOEXEC), 0);
		kid_start(&k, set, g[0]);
		close(g[0]);
		close(g[1]);
		usleep((useconds_t)(hm_test_rand(&rng) % 40000));
		kill(k.c.pid, SIGKILL);
		assert_int_equal(kid_end(&k), 128 + SIGKILL);
		check_model(model);
		kid_start(&next, set, -1);
		kid_result(&next);
		assert_ok_line(&next);
		model_add(model, set, next.c.pid);
		check_model(model);
		assert_int_equal(kid_end(&next), 0);
		model_drop(model, next.c.pid);
		check_model(model);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mp_lcores_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp_lcores_native_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp_lcores_unregister, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp_lcores_disjoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp_lcores_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mp_lcores_sigkill, setup, teardown),
	};
	if (argc == 5 && strcmp(argv[1], "claim") == 0)
		return child_claim(argv[2], argv[3], atoi(argv[4]));
	if (getenv("HUGEMEM_RUNTIME_DIR") != NULL && strcmp(hm_test_backend(), "emu") != 0)
		hm_test_skip_all("emu only (the lcore table does not depend on the backend)");
	self_path = hm_test_self_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
