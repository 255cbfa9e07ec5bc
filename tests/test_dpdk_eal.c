/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's EAL (core/dpdk): rte_eal_init options and their errors,
 * init -> cleanup -> init in one process, lcores and roles, remote launch,
 * non-EAL threads and lcore callbacks, rte_mp_* and the rest of rte_eal.h.
 * Runs on emu (the layer's default, --no-huge).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_per_lcore.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

/* rte_eal_init("test", args...): argv is writable, as rte_eal_init needs. */
static int
eal_init_v(const char *const *args, char ***argv_out)
{
	static char *argv[64];
	int argc = 0;

	argv[argc++] = (char *)"test";
	for (; args[argc - 1] != NULL && argc < 63; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	if (argv_out != NULL)
		*argv_out = argv;
	return rte_eal_init(argc, argv);
}
#define EAL(...) eal_init_v((const char *const[]){ __VA_ARGS__, NULL }, NULL)

static void
quiet(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	rte_openlog_stream(null);
	hm_test_quiet_log();
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	rte_openlog_stream(NULL);
	return hm_test_teardown(state);
}

static void
assert_check(void)
{
	const char *why = NULL;

	if (hm_dpdk_check(&why) != 0)
		fail_msg("hm_dpdk_check: %s", why != NULL ? why : "?");
}

/* CPU @p c may be used by this thread (pinning to it is possible). */
static bool
cpu_allowed(unsigned int c)
{
	cpu_set_t s;

	return pthread_getaffinity_np(pthread_self(), sizeof(s), &s) == 0 && CPU_ISSET(c, &s);
}

/* ---------------------------------------------------------------- errors */

static int
noop_fn(void *arg)
{
	(void)arg;
	return 0;
}

struct bad {
	const char *args[8];
	int err;
};

static const struct bad bad_opts[] = {
	{ { "-l", "0-200" }, EINVAL },
	{ { "-l", "x" }, EINVAL },
	{ { "-l", "1,1" }, EINVAL },
	{ { "-l", "3-1" }, EINVAL },
	{ { "-l", "" }, EINVAL },
	{ { "-c", "0xz" }, EINVAL },
	{ { "-c", "0x3", "-l", "0" }, EINVAL },
	{ { "-c", "" }, EINVAL },
	{ { "--lcores", "(0-1" }, EINVAL },
	{ { "--lcores", "0@" }, EINVAL },
	{ { "--lcores", "0,0" }, EINVAL },
	{ { "-l", "0-1", "--main-lcore", "5" }, EINVAL },
	{ { "--main-lcore", "128" }, EINVAL },
	{ { "-n", "0" }, EINVAL },
	{ { "-r", "17" }, EINVAL },
	{ { "--log-level", "lib.eal:nine" }, EINVAL },
	{ { "--log-level", "9" }, EINVAL },
	{ { "--proc-type", "tertiary" }, EINVAL },
	{ { "--vdev", "net_null0" }, ENOTSUP },
	{ { "-a", "0000:00:01.0" }, ENOTSUP },
	{ { "-b", "0000:00:01.0" }, ENOTSUP },
	{ { "--syslog" }, ENOTSUP },
	{ { "--match-allocations" }, ENOTSUP },
	{ { "-d", "librte_net_null.so" }, ENOTSUP },
	{ { "-s", "0x2" }, ENOTSUP },
	{ { "--bogus" }, EINVAL },
	{ { "-x" }, EINVAL },
	{ { "-m" }, EINVAL },
	{ { "-m", "bogus" }, EINVAL },
	{ { "--iova-mode=xx" }, EINVAL },
	{ { "--no-huge", "--socket-mem", "64" }, EINVAL },
	{ { "--no-huge", "--huge-unlink" }, EINVAL },
	{ { "--topology=lcores=0-1", "-l", "0-3" }, EINVAL },
	{ { "--force-max-simd-bitwidth", "100" }, EINVAL },
	{ { "--huge-worker-stack=1" }, EINVAL },
	{ { "--backend", "nosuch" }, EINVAL },
	{ { "--topology", "nodes=1;2M=4;lcores=0-1@0", "-l", "1", "--main-lcore", "0" }, EINVAL },
};

static void
test_dpdk_eal_invalid_args(void **state)
{
	char *argv[2] = { (char *)"test", NULL };
	int fds;
	(void)state;

	quiet();
	/* nothing works before init, and says so */
	assert_int_equal(rte_eal_cleanup(), -1);
	assert_int_equal(rte_errno, EALREADY);
	assert_int_equal(rte_lcore_count(), 0);
	assert_int_equal(rte_get_main_lcore(), LCORE_ID_ANY);
	assert_int_equal(rte_lcore_id(), LCORE_ID_ANY);
	assert_int_equal(rte_eal_remote_launch(noop_fn, NULL, 1), -EINVAL);
	assert_int_equal(rte_eal_wait_lcore(1), 0);
	assert_int_equal(rte_eal_mp_remote_launch(noop_fn, NULL, SKIP_MAIN),
			 -EINVAL);
	assert_int_equal(rte_thread_register(), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_eal_iova_mode(), RTE_IOVA_DC);
	assert_string_equal(rte_eal_get_runtime_dir(), "");
	assert_int_equal(rte_eal_lcore_role(0), ROLE_OFF);
	assert_int_equal(hm_dpdk_check(NULL), -ENODEV);
	assert_int_equal(rte_eal_init(0, argv), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_eal_init(1, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);

	fds = hm_test_count_fds();
	for (size_t i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		rte_errno = 0;
		if (eal_init_v(bad_opts[i].args, NULL) != -1 || rte_errno != bad_opts[i].err)
			fail_msg("options #%zu (%s %s): rte_errno %d, expected %d", i,
				 bad_opts[i].args[0], bad_opts[i].args[1] ? bad_opts[i].args[1] : "",
				 rte_errno, bad_opts[i].err);
		/* a refused init leaves nothing behind */
		assert_false(hm_initialized());
		assert_int_equal(rte_lcore_count(), 0);
	}
	assert_int_equal(hm_test_count_fds(), fds);
	/* and a good one works afterwards */
	assert_int_equal(EAL("-l", "0-1"), 2);
	assert_check();
	/* twice: EALREADY, the running EAL unharmed */
	assert_int_equal(EAL("-l", "0"), -1);
	assert_int_equal(rte_errno, EALREADY);
	assert_int_equal(rte_lcore_count(), 2);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(rte_eal_cleanup(), -1);
	assert_int_equal(rte_errno, EALREADY);
	/* hugemem started by hm_init: the EAL does not take it over */
	assert_int_equal(hm_test_init_topo("nodes=1;2M=8"), 0);
	assert_int_equal(EAL("-l", "0"), -1);
	assert_int_equal(rte_errno, EALREADY);
	assert_int_equal(hm_cleanup(), 0);
}

/* ---------------------------------------------------------------- init, cleanup */

static void
test_dpdk_eal_init_cleanup_cycles(void **state)
{
	char **argv;
	int fds0, maps0 = 0;
	(void)state;

	quiet();
	/* glibc keeps the stacks of joined threads for reuse: a first cycle with
	 * the most workers fills that cache before mappings are counted */
	assert_int_equal(EAL("-l", "0-3"), 2);
	assert_int_equal(rte_eal_cleanup(), 0);
	fds0 = hm_test_count_fds();
	if (!HM_TEST_ASAN && !HM_TEST_TSAN)
		maps0 = hm_test_count_maps();
	for (int cycle = 0; cycle < 3; cycle++) {
		const char *l = cycle == 1 ? "0-3" : "0-1";
		/* the count includes "--"; argv[count] is the program name again */
		int n = eal_init_v((const char *const[]){ "-l", l, "--no-huge", "-n", "4", "--",
							  "app-arg", NULL }, &argv);
		assert_int_equal(n, 6);
		assert_string_equal(argv[n], "test");
		assert_string_equal(argv[n + 1], "app-arg");
		assert_int_equal(rte_lcore_count(), cycle == 1 ? 4 : 2);
		assert_int_equal(rte_get_main_lcore(), 0);
		assert_int_equal(rte_lcore_id(), 0);
		assert_int_equal(rte_eal_process_type(), RTE_PROC_PRIMARY);
		assert_int_equal(rte_eal_has_hugepages(), 0); /* emu */
		assert_int_equal(rte_eal_has_pci(), 0);
		assert_int_equal(rte_eal_iova_mode(), RTE_IOVA_PA);
		assert_int_equal(rte_memory_get_nchannel(), 4);
		assert_int_equal(rte_memory_get_nrank(), 0);
		assert_true(strlen(rte_eal_get_runtime_dir()) > 0);
		assert_true(rte_mp_disable());
		/* memory works, on every lcore */
		void *p = rte_malloc("cycle", 1 << 20, 0);
		assert_non_null(p);
		rte_free(p);
		assert_check();
		assert_int_equal(rte_eal_cleanup(), 0);
		assert_false(hm_initialized());
		assert_int_equal(rte_lcore_count(), 0);
		assert_int_equal(rte_lcore_id(), LCORE_ID_ANY);
	}
	/* every fd, mapping and thread is gone */
	assert_int_equal(hm_test_count_fds(), fds0);
	if (!HM_TEST_ASAN && !HM_TEST_TSAN)
		assert_int_equal(hm_test_count_maps(), maps0);
	/* options hugemem adds: --in-memory, a topology, IOVA as VA */
	assert_int_equal(EAL("--in-memory", "--iova-mode=va", "--topology",
			     "nodes=2;2M=8,8;lcores=0-1@0,2-3@1"), 4);
	assert_int_equal(rte_lcore_count(), 4); /* every lcore of the topology */
	assert_int_equal(rte_socket_count(), 2);
	assert_int_equal(rte_eal_iova_mode(), RTE_IOVA_VA);
	assert_int_equal(rte_eal_using_phys_addrs(), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
}

/* ---------------------------------------------------------------- lcores */

static void
test_dpdk_eal_lcores(void **state)
{
	unsigned int i, seen[8], n = 0;
	rte_cpuset_t cs;
	(void)state;

	quiet();
	assert_int_equal(EAL("-l", "3,1,2", "--main-lcore", "2"), 4);
	assert_check();
	assert_int_equal(rte_lcore_count(), 3);
	assert_int_equal(rte_get_main_lcore(), 2);
	assert_int_equal(rte_lcore_id(), 2); /* the caller of rte_eal_init is the main lcore */
	/* index: position in the option */
	assert_int_equal(rte_lcore_index(3), 0);
	assert_int_equal(rte_lcore_index(1), 1);
	assert_int_equal(rte_lcore_index(2), 2);
	assert_int_equal(rte_lcore_index(-1), 2);
	assert_int_equal(rte_lcore_index(0), -1);
	assert_int_equal(rte_lcore_index(RTE_MAX_LCORE), -1);
	/* FOREACH: ascending ids; FOREACH_WORKER without the main one */
	RTE_LCORE_FOREACH(i)
		seen[n++] = i;
	assert_int_equal(n, 3);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 2);
	assert_int_equal(seen[2], 3);
	n = 0;
	RTE_LCORE_FOREACH_WORKER(i)
		seen[n++] = i;
	assert_int_equal(n, 2);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 3);
	assert_int_equal(rte_get_next_lcore(3, 0, 0), RTE_MAX_LCORE);
	assert_int_equal(rte_get_next_lcore(3, 0, 1), 1);
	assert_int_equal(rte_get_next_lcore(1, 1, 1), 3);
	assert_int_equal(rte_get_next_lcore(RTE_MAX_LCORE - 1, 0, 1), 1);
	/* roles */
	assert_int_equal(rte_eal_lcore_role(1), ROLE_RTE);
	assert_int_equal(rte_eal_lcore_role(0), ROLE_OFF);
	assert_int_equal(rte_eal_lcore_role(RTE_MAX_LCORE), ROLE_OFF);
	assert_int_equal(rte_lcore_has_role(3, ROLE_RTE), 1);
	assert_int_equal(rte_lcore_has_role(3, ROLE_OFF), 0);
	assert_int_equal(rte_lcore_has_role(RTE_MAX_LCORE, ROLE_RTE), -EINVAL);
	assert_true(rte_lcore_is_enabled(1));
	assert_false(rte_lcore_is_enabled(0));
	assert_false(rte_lcore_is_enabled(RTE_MAX_LCORE + 5));
	/* one node: every lcore on socket 0 */
	assert_int_equal(rte_socket_count(), 1);
	assert_int_equal(rte_socket_id(), 0);
	assert_int_equal(rte_socket_id_by_idx(0), 0);
	assert_int_equal(rte_socket_id_by_idx(1), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_lcore_to_socket_id(3), 0);
	assert_int_equal(rte_lcore_to_socket_id(RTE_MAX_LCORE), (unsigned int)SOCKET_ID_ANY);
	assert_int_equal(rte_lcore_to_cpu_id(3), 3);
	assert_int_equal(rte_lcore_to_cpu_id(-1), 2);
	assert_int_equal(rte_lcore_to_cpu_id(RTE_MAX_LCORE), -1);
	/* lcore 1 is pinned to CPU 1 where the machine has it */
	cs = rte_lcore_cpuset(1);
	if (cpu_allowed(1)) {
		assert_int_equal(CPU_COUNT(&cs), 1);
		assert_true(CPU_ISSET(1, &cs));
	} else {
		assert_true(CPU_COUNT(&cs) >= 1);
	}
	cs = rte_lcore_cpuset(0);
	assert_int_equal(CPU_COUNT(&cs), 0); /* not an lcore in use */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		rte_lcore_dump(f);
		fclose(f);
		assert_non_null(strstr(buf, "lcore 2, socket 0, role RTE"));
		assert_null(strstr(buf, "lcore 0,"));
		free(buf);
	}
	assert_int_equal(rte_eal_cleanup(), 0);

	/* -c: a hex mask, lowest first */
	assert_int_equal(EAL("-c", "0x5"), 2);
	assert_int_equal(rte_lcore_count(), 2);
	assert_true(rte_lcore_is_enabled(0) && rte_lcore_is_enabled(2));
	assert_int_equal(rte_lcore_index(2), 1);
	assert_int_equal(rte_eal_cleanup(), 0);

	/* --lcores: groups of lcores on CPU sets */
	assert_int_equal(EAL("--lcores", "(1-2)@0,4"), 2);
	assert_int_equal(rte_lcore_count(), 3);
	assert_int_equal(rte_get_main_lcore(), 1);
	assert_int_equal(rte_lcore_index(4), 2);
	cs = rte_lcore_cpuset(2);
	if (cpu_allowed(0)) {
		assert_int_equal(CPU_COUNT(&cs), 1);
		assert_true(CPU_ISSET(0, &cs));
	}
	assert_check();
	assert_int_equal(rte_eal_cleanup(), 0);

	/* an emulated two-node machine: lcores on their nodes */
	assert_int_equal(EAL("--topology", "nodes=2;2M=8,8;lcores=0-1@0,2-3@1", "-l", "1-3"), 4);
	assert_int_equal(rte_socket_count(), 2);
	assert_int_equal(rte_lcore_to_socket_id(1), 0);
	assert_int_equal(rte_lcore_to_socket_id(2), 1);
	assert_int_equal(rte_lcore_to_cpu_id(3), 1); /* second lcore of node 1 */
	assert_int_equal(rte_get_main_lcore(), 1);
	assert_int_equal(rte_socket_id_by_idx(1), 1);
	assert_int_equal(rte_eal_cleanup(), 0);
}

/* ---------------------------------------------------------------- launch */

static struct {
	volatile int hold;      /* workers spin while set */
	volatile int ran[RTE_MAX_LCORE];
	volatile unsigned int socket[RTE_MAX_LCORE];
} lr;

static int
record(void *arg)
{
	unsigned int id = rte_lcore_id();
	void *p;

	lr.ran[id]++;
	lr.socket[id] = rte_socket_id();
	/* the lcore's memory works from its thread (lcore caches too) */
	p = rte_malloc("worker", 256, 0);
	if (p == NULL)
		return -1;
	rte_free(p);
	while (__atomic_load_n(&lr.hold, __ATOMIC_ACQUIRE))
		sched_yield();
	return (int)(uintptr_t)arg + (int)id;
}

static int
slow(void *arg)
{
	usleep(50 * 1000);
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
test_dpdk_eal_launch(void **state)
{
	int done = 0;
	(void)state;

	quiet();
	memset(&lr, 0, sizeof(lr));
	assert_int_equal(EAL("--topology", "nodes=2;2M=16,16;lcores=0@0,1@1,2@0", "-l", "0-2"), 4);
	/* not workers: refused */
	assert_int_equal(rte_eal_remote_launch(record, NULL, 0), -EINVAL); /* main */
	assert_int_equal(rte_eal_remote_launch(record, NULL, 5), -EINVAL);
	assert_int_equal(rte_eal_remote_launch(record, NULL, RTE_MAX_LCORE), -EINVAL);
	assert_int_equal(rte_eal_remote_launch(NULL, NULL, 1), -EINVAL);
	assert_int_equal(rte_eal_get_lcore_state(1), WAIT);
	assert_int_equal(rte_eal_wait_lcore(1), 0); /* never launched */

	/* a running lcore is busy until its function returns */
	__atomic_store_n(&lr.hold, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_remote_launch(record, (void *)100, 1), 0);
	assert_int_equal(rte_eal_get_lcore_state(1), RUNNING);
	assert_int_equal(rte_eal_remote_launch(record, NULL, 1), -EBUSY);
	/* mp launch checks every worker first: nothing starts on lcore 2 */
	assert_int_equal(rte_eal_mp_remote_launch(record, NULL, CALL_MAIN), -EBUSY);
	assert_int_equal(lr.ran[2], 0);
	assert_int_equal(lr.ran[0], 0);
	__atomic_store_n(&lr.hold, 0, __ATOMIC_RELEASE);
	assert_int_equal(rte_eal_wait_lcore(1), 101);
	assert_int_equal(rte_eal_get_lcore_state(1), WAIT);
	assert_int_equal(rte_eal_wait_lcore(1), 101); /* the last value stays */
	assert_int_equal(lr.ran[1], 1);
	assert_int_equal(lr.socket[1], 1);

	/* every lcore, the main one included */
	assert_int_equal(rte_eal_mp_remote_launch(record, (void *)10, CALL_MAIN), 0);
	rte_eal_mp_wait_lcore();
	assert_int_equal(lr.ran[0], 1);
	assert_int_equal(lr.ran[1], 2);
	assert_int_equal(lr.ran[2], 1);
	assert_int_equal(lr.socket[2], 0);
	assert_int_equal(rte_eal_wait_lcore(0), 10);
	assert_int_equal(rte_eal_wait_lcore(2), 12);
	assert_int_equal(rte_eal_mp_remote_launch(record, (void *)20, SKIP_MAIN), 0);
	rte_eal_mp_wait_lcore();
	assert_int_equal(lr.ran[0], 1);
	assert_int_equal(rte_eal_wait_lcore(1), 21);
	assert_check();

	/* cleanup waits for a function still running */
	assert_int_equal(rte_eal_remote_launch(slow, &done, 2), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(__atomic_load_n(&done, __ATOMIC_ACQUIRE), 1);
}

/* Workers of a --huge-worker-stack EAL run on stacks from the heaps. */
static int
stack_probe(void *arg)
{
	volatile char local = 1;

	*(const void **)arg = rte_mem_virt2memseg((const void *)&local, NULL);
	return local;
}

static void
test_dpdk_eal_worker_stack(void **state)
{
	const void *ms = NULL;
	(void)state;

	quiet();
	assert_int_equal(EAL("-l", "0-1", "--huge-worker-stack=256"), 3);
	assert_int_equal(rte_eal_remote_launch(stack_probe, &ms, 1), 0);
	assert_int_equal(rte_eal_wait_lcore(1), 1);
	assert_non_null(ms);
	assert_int_equal(rte_eal_cleanup(), 0);
	/* without it: an ordinary stack, outside hugemem's memory */
	assert_int_equal(EAL("-l", "0-1"), 2);
	ms = (const void *)1;
	assert_int_equal(rte_eal_remote_launch(stack_probe, &ms, 1), 0);
	assert_int_equal(rte_eal_wait_lcore(1), 1);
	assert_null(ms);
	assert_int_equal(rte_eal_cleanup(), 0);
}

/* ---------------------------------------------------------------- non-EAL threads */

static struct {
	int inits[RTE_MAX_LCORE], uninits[RTE_MAX_LCORE];
	int refuse;      /* init refuses this lcore id (-1: none) */
} cbs;

static int
cb_init(unsigned int id, void *arg)
{
	(void)arg;
	if ((int)id == cbs.refuse)
		return -1;
	cbs.inits[id]++;
	return 0;
}

static void
cb_uninit(unsigned int id, void *arg)
{
	(void)arg;
	cbs.uninits[id]++;
}

struct reg_result {
	int rc, again, err;
	unsigned int id, id_after;
	enum rte_lcore_role_t role;
	bool unregister;
};

static void *
register_thread(void *arg)
{
	struct reg_result *r = arg;

	r->rc = rte_thread_register();
	r->err = rte_errno;
	r->id = rte_lcore_id();
	r->again = rte_thread_register();
	r->role = rte_eal_lcore_role(r->id);
	if (r->unregister) {
		rte_thread_unregister();
		r->id_after = rte_lcore_id();
	}
	return NULL;
}

static void
run_register(struct reg_result *r, bool unregister)
{
	pthread_t t;

	memset(r, 0, sizeof(*r));
	r->unregister = unregister;
	pthread_create(&t, NULL, register_thread, r);
	pthread_join(t, NULL);
}

static int
iter_count(unsigned int id, void *arg)
{
	(void)id;
	return ++*(int *)arg == 100 ? 7 : 0;
}

static int
iter_stop(unsigned int id, void *arg)
{
	(void)arg;
	return id == 1 ? 42 : 0;
}

static void
test_dpdk_eal_thread_register(void **state)
{
	struct reg_result r;
	void *h, *h2;
	int n = 0;
	(void)state;

	quiet();
	memset(&cbs, 0, sizeof(cbs));
	cbs.refuse = -1;
	assert_int_equal(EAL("-l", "0-1"), 2);
	assert_null(rte_lcore_callback_register(NULL, cb_init, cb_uninit, NULL));
	assert_int_equal(rte_errno, EINVAL);
	/* registration runs init on the lcores in use */
	h = rte_lcore_callback_register("count", cb_init, cb_uninit, NULL);
	assert_non_null(h);
	assert_int_equal(cbs.inits[0], 1);
	assert_int_equal(cbs.inits[1], 1);
	assert_int_equal(cbs.inits[2], 0);

	/* a thread gets the lowest free lcore: 2 (0 and 1 are the EAL's) */
	run_register(&r, false);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.id, 2);
	assert_int_equal(r.again, 0); /* it has one already */
	assert_int_equal(r.role, ROLE_NON_EAL);
	assert_int_equal(cbs.inits[2], 1);
	/* the thread ended without unregistering: lcore 2 stays taken */
	assert_int_equal(rte_eal_lcore_role(2), ROLE_NON_EAL);
	assert_int_equal(rte_lcore_count(), 2); /* non-EAL lcores are not counted */
	assert_int_equal(rte_lcore_iterate(iter_count, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(rte_lcore_iterate(iter_stop, NULL), 42);
	assert_int_equal(rte_lcore_iterate(NULL, NULL), -EINVAL);
	/* next thread: 3, and unregistering gives it back */
	run_register(&r, true);
	assert_int_equal(r.id, 3);
	assert_int_equal(r.id_after, LCORE_ID_ANY);
	assert_int_equal(cbs.uninits[3], 1);
	assert_int_equal(rte_eal_lcore_role(3), ROLE_OFF);
	/* an init callback can refuse an lcore: the registration fails, nothing held */
	cbs.refuse = 3;
	run_register(&r, false);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.err, ENOMEM);
	assert_int_equal(r.id, LCORE_ID_ANY);
	assert_int_equal(rte_eal_lcore_role(3), ROLE_OFF);
	/* ... and refuse a new registration: rolled back, NULL */
	cbs.refuse = 2;
	memset(cbs.uninits, 0, sizeof(cbs.uninits));
	h2 = rte_lcore_callback_register("refuses", cb_init, cb_uninit, NULL);
	assert_null(h2);
	assert_int_equal(rte_errno, ECANCELED);
	assert_int_equal(cbs.uninits[0], 1); /* rolled back */
	assert_int_equal(cbs.uninits[1], 1);
	assert_int_equal(cbs.uninits[2], 0);
	cbs.refuse = -1;
	/* unregister runs uninit on the lcores in use */
	memset(cbs.uninits, 0, sizeof(cbs.uninits));
	rte_lcore_callback_unregister(h);
	assert_int_equal(cbs.uninits[0], 1);
	assert_int_equal(cbs.uninits[2], 1);
	rte_lcore_callback_unregister(h);   /* unknown now: no-op */
	rte_lcore_callback_unregister(NULL);
	assert_int_equal(cbs.uninits[0], 1);
	/* an EAL thread's unregister changes nothing */
	rte_thread_unregister();
	assert_int_equal(rte_lcore_id(), 0);
	assert_check();
	assert_int_equal(rte_eal_cleanup(), 0);

	/* a topology with no spare lcore: ENOMEM */
	assert_int_equal(EAL("--topology", "nodes=1;2M=8;lcores=0-1"), 2);
	run_register(&r, false);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.err, ENOMEM);
	assert_int_equal(rte_eal_cleanup(), 0);
}

/* ---------------------------------------------------------------- the rest */

static int
mp_action(const struct rte_mp_msg *msg, const void *peer)
{
	(void)msg;
	(void)peer;
	return 0;
}

static int
mp_async(const struct rte_mp_msg *req, const struct rte_mp_reply *reply)
{
	(void)req;
	(void)reply;
	return 0;
}

static void
test_dpdk_eal_misc(void **state)
{
	struct rte_mp_msg msg;
	struct rte_mp_reply reply;
	struct timespec ts = { 1, 0 };
	rte_uuid_t tok;
	int cores[RTE_MAX_LCORE];
	char path[512];
	(void)state;

	quiet();
	/* IPC before rte_eal_init: arguments checked, then ENOTSUP (no channel);
	 * an action can be registered (DPDK allows it), and goes at cleanup.
	 * tests/test_dpdk_mp_ipc.c covers the channel itself. */
	memset(&msg, 0, sizeof(msg));
	assert_int_equal(rte_mp_action_register(NULL, mp_action), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_action_register("a", NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_action_register("a", mp_action), 0);
	assert_int_equal(rte_mp_action_register("a", mp_action), -1);
	assert_int_equal(rte_errno, EEXIST);
	rte_mp_action_unregister("a");
	assert_int_equal(rte_mp_sendmsg(&msg), -1); /* empty name */
	assert_int_equal(rte_errno, EINVAL);
	strcpy(msg.name, "m");
	msg.num_fds = RTE_MP_MAX_FD_NUM + 1;
	assert_int_equal(rte_mp_sendmsg(&msg), -1);
	assert_int_equal(rte_errno, E2BIG);
	msg.num_fds = 0;
	assert_int_equal(rte_mp_sendmsg(&msg), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	reply.nb_sent = 5;
	assert_int_equal(rte_mp_request_sync(&msg, &reply, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(reply.nb_sent, 0);
	assert_null(reply.msgs);
	assert_int_equal(rte_mp_request_sync(&msg, &reply, &ts), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_request_async(&msg, &ts, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_request_async(&msg, &ts, mp_async), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_reply(&msg, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_reply(&msg, "peer"), -1);
	assert_int_equal(rte_errno, ENOTSUP);

	/* coremask parsing */
	assert_int_equal(rte_eal_parse_coremask("0xa", cores), 0);
	assert_int_equal(cores[0], -1);
	assert_int_equal(cores[1], 0);
	assert_int_equal(cores[3], 1);
	assert_int_equal(cores[2], -1);
	assert_int_equal(rte_eal_parse_coremask(" F ", cores), 0);
	assert_int_equal(cores[3], 3);
	assert_int_equal(rte_eal_parse_coremask("0x", cores), -1);
	assert_int_equal(rte_eal_parse_coremask("g", cores), -1);
	assert_int_equal(rte_eal_parse_coremask("1" "00000000000000000000000000000000", cores), -1);
	assert_int_equal(rte_eal_parse_coremask(NULL, cores), -1);

	assert_int_equal(rte_eal_vfio_intr_mode(), RTE_INTR_MODE_NONE);
	memset(tok, 0xff, sizeof(tok));
	rte_eal_vfio_get_vf_token(tok);
	assert_true(rte_uuid_is_null(tok));
	assert_int_equal(rte_eal_create_uio_dev(), 0);
	assert_int_equal(rte_sys_gettid(), rte_gettid());
	assert_int_equal(rte_gettid(), (int)getpid()); /* the main thread */
	assert_null(rte_eal_mbuf_user_pool_ops());
	assert_int_equal(rte_eal_primary_proc_alive("/nonexistent/config"), 0);

	/* with the EAL up */
	assert_int_equal(EAL("-l", "0", "--mbuf-pool-ops-name", "stack", "--base-virtaddr",
			     "0x200000000", "--no-pci", "--no-hpet", "--no-telemetry", "-v",
			     "--proc-type=auto", "--log-level", "lib.eal:info"), 13);
	assert_string_equal(rte_eal_mbuf_user_pool_ops(), "stack");
	assert_int_equal(rte_eal_get_baseaddr(), 0x200000000ULL);
	/* our own lock on the config does not count; the file exists */
	snprintf(path, sizeof(path), "%s/config", rte_eal_get_runtime_dir());
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(rte_eal_primary_proc_alive(NULL), 0);
	assert_int_equal(rte_eal_primary_proc_alive(path), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_null(rte_eal_mbuf_user_pool_ops());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dpdk_eal_invalid_args, teardown),
		cmocka_unit_test_teardown(test_dpdk_eal_init_cleanup_cycles, teardown),
		cmocka_unit_test_teardown(test_dpdk_eal_lcores, teardown),
		cmocka_unit_test_teardown(test_dpdk_eal_launch, teardown),
		cmocka_unit_test_teardown(test_dpdk_eal_worker_stack, teardown),
		cmocka_unit_test_teardown(test_dpdk_eal_thread_register, teardown),
		cmocka_unit_test_teardown(test_dpdk_eal_misc, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
