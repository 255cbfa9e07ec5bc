/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-process benchmarks (meson test --benchmark; docs/performance.md). This
 * program is the primary (emu backend; HUGEMEM_BENCH_BACKEND picks another) and
 * starts itself again with fork+exec as the secondary (`bench_mp --peer ROLE
 * [hugemem options]`: a fresh image, ASLR on, attached like any secondary).
 *
 *  - secondary attach: the wall time of a secondary's hm_init against a primary
 *    with 1 GiB mapped (-m 1024: 512 pages of 2 MiB the secondary attaches),
 *    median of SAMPLES attaches, load average beside it;
 *  - mbufs through an SP/SC ring, 2 processes vs 2 threads: the primary allocs
 *    bursts of 32 mbufs and enqueues them, the consumer (a secondary, or a
 *    registered thread of this process) dequeues and frees them into the pool
 *    (its own lcore cache). Producer and consumer are pinned to two different
 *    CPUs, the same two in both cases. RING_SAMPLES short samples of each case
 *    (2^18 mbufs), in adjacent pairs whose order alternates: the rows are the
 *    best sample of each (the least disturbed by the machine's other jobs) and
 *    the median of the pairs' time ratios (processes / threads: each pair saw
 *    about the same load), load average beside them;
 *  - malloc/free pair, cross-process vs same process: K blocks of 64 B malloc'ed
 *    here (thread CPU time), freed by the secondary (its thread CPU time) or
 *    here; ns per pair = (malloc + free) / K, median of SAMPLES.
 * Never fails on a number.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hugemem/hugemem.h"

#define SAMPLES 5

#include "bench_common.h"

#define N_MBUFS (1u << 18)
#define RING_SAMPLES 31
#define K_BLOCKS 50000u
#define BURST 32u

/* The control block in memzone "bench-mp-ctl", shared by both processes. */
struct ctl {
	_Atomic uint64_t go;    /* round number the primary started */
	_Atomic uint64_t done;  /* round number the consumer finished */
	_Atomic uint64_t ready; /* the secondary is attached and waits */
	_Atomic uint64_t quit;
	_Atomic uint64_t free_ns; /* the secondary's CPU time of the last free round */
	uint64_t n;               /* items per round */
	void *blocks[K_BLOCKS];
};

static const char *backend;
static char self[4096];

static void
die(const char *what)
{
	fprintf(stderr, "bench_mp: %s: %s\n", what, hm_last_error());
	exit(1);
}

static void
relax(void)
{
	sched_yield();
}

/* Pin the calling thread to the @p k-th CPU it may run on (0 or 1); false when
 * there are not two. */
static bool
pin_kth(int k)
{
	cpu_set_t set;
	int seen = 0;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
		return false;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set) || seen++ != k)
			continue;
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		return sched_setaffinity(0, sizeof(set), &set) == 0;
	}
	return false;
}

/* ---------------------------------------------------------------- the peer */

static void
consume(struct hm_ring *r, uint64_t n)
{
	void *b[BURST];

	for (uint64_t got = 0; got < n;) {
		unsigned int k = hm_ring_dequeue_burst(r, b, BURST, NULL);
		if (k == 0) {
			relax();
			continue;
		}
		hm_pktmbuf_free_bulk((struct hm_mbuf **)b, k);
		got += k;
	}
}

static int
peer_main(const char *role, int argc, char **argv)
{
	double t0 = wall_ns();

	if (hm_init(argc, argv) < 0)
		die("secondary hm_init");
	double t1 = wall_ns();
	if (strcmp(role, "attach") == 0) {
		printf("%.0f\n", t1 - t0);
		return hm_cleanup() < 0;
	}
	const struct hm_memzone *mz = hm_memzone_lookup("bench-mp-ctl");
	if (mz == NULL)
		die("no control zone");
	struct ctl *c = mz->addr;
	struct hm_ring *r = hm_ring_lookup("bench-mp-ring");
	uint64_t round = 0;
	if (strcmp(role, "ring") == 0)
		pin_kth(1); /* the consumer's CPU, as the thread's */
	atomic_store(&c->ready, 1);
	for (;;) {
		while (atomic_load(&c->go) == round && !atomic_load(&c->quit))
			relax();
		if (atomic_load(&c->quit))
			break;
		round = atomic_load(&c->go);
		if (strcmp(role, "ring") == 0) {
			consume(r, c->n);
		} else {
			double f0 = cpu_ns();
			for (uint64_t i = 0; i < c->n; i++)
				hm_free(c->blocks[i]);
			atomic_store(&c->free_ns, (uint64_t)(cpu_ns() - f0));
		}
		atomic_store(&c->done, round);
	}
	return hm_cleanup() < 0;
}

/* ---------------------------------------------------------------- the primary */

static pid_t
spawn(const char *role, int out_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char be[64];
		snprintf(be, sizeof(be), "--backend=%s", backend);
		char *argv[] = { self, "--peer", (char *)role, be, "--file-prefix=benchmp",
				 "--proc-type=secondary", "--no-telemetry", NULL };
		if (out_fd >= 0)
			dup2(out_fd, 1);
		execv(self, argv);
		_exit(127);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_mp: secondary ended with status %#x\n", (unsigned int)st);
		exit(1);
	}
}

static void
start_primary(uint64_t memory)
{
	struct hm_config c;

	hm_config_init(&c);
	c.backend = backend;
	if (strcmp(backend, "emu") == 0)
		c.topology = "nodes=1;2M=1024;lcores=0-3@0";
	c.file_prefix = "benchmp";
	c.memory = memory;
	c.no_telemetry = true;
	if (hm_init_config(&c) < 0)
		die("primary hm_init");
}

static void
bench_attach(void)
{
	double t[SAMPLES];

	start_primary(1ull << 30);
	for (int s = 0; s < SAMPLES; s++) {
		int p[2];
		char buf[64] = "";
		if (pipe(p) != 0)
			die("pipe");
		pid_t pid = spawn("attach", p[1]);
		close(p[1]);
		ssize_t n = read(p[0], buf, sizeof(buf) - 1);
		close(p[0]);
		reap(pid);
		t[s] = n > 0 ? strtod(buf, NULL) : BENCH_NAN;
	}
	if (hm_cleanup() < 0)
		die("cleanup");
	bench_row_wall("secondary attach (hm_init), 1 GiB mapped by the primary", median(t) / 1e6,
		       BENCH_NAN, "ms", backend);
}

static struct ctl *
make_ctl(void)
{
	const struct hm_memzone *mz = hm_memzone_reserve("bench-mp-ctl", sizeof(struct ctl), 0, 0);

	if (mz == NULL)
		die("control zone");
	memset(mz->addr, 0, sizeof(struct ctl));
	return mz->addr;
}

struct thr {
	struct hm_ring *r;
	struct ctl *c;
};

static void *
consumer_thread(void *arg)
{
	struct thr *t = arg;
	uint64_t round = 0;

	if (hm_thread_register() < 0)
		die("hm_thread_register");
	pin_kth(1); /* the consumer's CPU, as the secondary's */
	for (;;) {
		while (atomic_load(&t->c->go) == round && !atomic_load(&t->c->quit))
			relax();
		if (atomic_load(&t->c->quit))
			break;
		round = atomic_load(&t->c->go);
		consume(t->r, t->c->n);
		atomic_store(&t->c->done, round);
	}
	hm_thread_unregister();
	return NULL;
}

/* One round: N mbufs produced here; wall ns until the consumer has them all. */
static double
ring_round(struct ctl *c, struct hm_ring *r, struct hm_mempool *mp)
{
	struct hm_mbuf *b[BURST];
	uint64_t round = atomic_load(&c->go) + 1;
	double t0 = wall_ns();

	c->n = N_MBUFS;
	atomic_store(&c->go, round);
	for (uint64_t sent = 0; sent < N_MBUFS;) {
		if (hm_pktmbuf_alloc_bulk(mp, b, BURST) != 0) {
			relax();
			continue;
		}
		while (hm_ring_enqueue_bulk(r, (void **)b, BURST, NULL) == 0)
			relax();
		sent += BURST;
	}
	while (atomic_load(&c->done) != round)
		relax();
	return wall_ns() - t0;
}

static void
bench_ring(void)
{
	double tp[RING_SAMPLES], tt[RING_SAMPLES], ratio[RING_SAMPLES];
	char timing[48];

	start_primary(0);
	struct ctl *c = make_ctl();
	struct hm_ring *r = hm_ring_create("bench-mp-ring", 1024, 0,
					   HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
	struct hm_mempool *mp = hm_pktmbuf_pool_create("bench-mp-pool", 8191, 256, 0, 2048, 0);
	if (r == NULL || mp == NULL)
		die("ring/pool");
	cpu_set_t was;
	if (sched_getaffinity(0, sizeof(was), &was) != 0)
		die("sched_getaffinity");
	bool pinned = pin_kth(0); /* the producer: this thread */
	pid_t pid = spawn("ring", -1);
	while (!atomic_load(&c->ready))
		relax();
	struct ctl *tc = calloc(1, sizeof(*tc));
	struct thr th = { r, tc };
	pthread_t tid;
	if (tc == NULL || pthread_create(&tid, NULL, consumer_thread, &th) != 0)
		die("thread");
	for (int s = 0; s < RING_SAMPLES; s++) {
		if (s % 2 == 0) {
			tp[s] = ring_round(c, r, mp);
			tt[s] = ring_round(tc, r, mp);
		} else {
			tt[s] = ring_round(tc, r, mp);
			tp[s] = ring_round(c, r, mp);
		}
		ratio[s] = tp[s] / tt[s];
		if (bench_env_on("HM_BENCH_VERBOSE"))
			printf("# sample %d: processes %.2f ms, threads %.2f ms, ratio %.3f\n", s,
			       tp[s] / 1e6, tt[s] / 1e6, ratio[s]);
	}
	atomic_store(&c->quit, 1);
	atomic_store(&tc->quit, 1);
	reap(pid);
	pthread_join(tid, NULL);
	free(tc);
	sched_setaffinity(0, sizeof(was), &was);
	qsort(ratio, RING_SAMPLES, sizeof(*ratio), cmp_d);
	snprintf(timing, sizeof(timing), "wall-min@%.2f", loadavg1());
	bench_row("mbufs through an SP/SC ring (alloc+enq 32 / deq+free 32), 2 processes",
		  N_MBUFS / (minimum(tp, RING_SAMPLES) / 1e9) / 1e6, BENCH_NAN, "Mmbuf/s", backend,
		  timing);
	bench_row("mbufs through an SP/SC ring (alloc+enq 32 / deq+free 32), 2 threads",
		  N_MBUFS / (minimum(tt, RING_SAMPLES) / 1e9) / 1e6, BENCH_NAN, "Mmbuf/s", backend,
		  timing);
	bench_row_wall("ring: time of 2 processes / 2 threads, median of adjacent pairs",
		       ratio[RING_SAMPLES / 2], BENCH_NAN, "ratio", backend);
	bench_note("ring, 2 processes vs 2 threads: %s; pair ratios %.3f (min) %.3f (median) "
		   "%.3f (max) over %d pairs of 2^18 mbufs", pinned ? "producer and consumer "
		   "pinned to two CPUs" : "not pinned (fewer than 2 CPUs allowed)", ratio[0],
		   ratio[RING_SAMPLES / 2], ratio[RING_SAMPLES - 1], RING_SAMPLES);
	hm_ring_free(r);
	hm_mempool_free(mp);
	hm_memzone_free(hm_memzone_lookup("bench-mp-ctl"));
	if (hm_cleanup() < 0)
		die("cleanup");
}

static double
malloc_round(struct ctl *c)
{
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < K_BLOCKS; i++)
		if ((c->blocks[i] = hm_malloc("bench", 64, 0)) == NULL)
			die("hm_malloc");
	return cpu_ns() - t0;
}

static void
bench_malloc_pair(void)
{
	double tx[SAMPLES], ts[SAMPLES];

	start_primary(0);
	struct ctl *c = make_ctl();
	pid_t pid = spawn("free", -1);
	while (!atomic_load(&c->ready))
		relax();
	for (int s = 0; s < SAMPLES; s++) {
		for (int which = 0; which < 2; which++) {
			double m = malloc_round(c);
			if ((which ^ (s & 1)) == 0) {
				uint64_t round = atomic_load(&c->go) + 1;
				c->n = K_BLOCKS;
				atomic_store(&c->go, round);
				while (atomic_load(&c->done) != round)
					relax();
				tx[s] = (m + (double)atomic_load(&c->free_ns)) / K_BLOCKS;
			} else {
				double f0 = cpu_ns();
				for (unsigned int i = 0; i < K_BLOCKS; i++)
					hm_free(c->blocks[i]);
				ts[s] = (m + cpu_ns() - f0) / K_BLOCKS;
			}
		}
	}
	atomic_store(&c->quit, 1);
	reap(pid);
	bench_row("malloc 64 B here, free in another process (pair)", median(tx), BENCH_NAN,
		  "ns/pair", backend, "cpu");
	bench_row("malloc 64 B + free, same process (pair)", median(ts), BENCH_NAN, "ns/pair",
		  backend, "cpu");
	hm_memzone_free(hm_memzone_lookup("bench-mp-ctl"));
	if (hm_cleanup() < 0)
		die("cleanup");
}

int
main(int argc, char **argv)
{
	ssize_t n;

	if (argc >= 3 && strcmp(argv[1], "--peer") == 0) {
		/* argv[2] is the role; the rest are hugemem options */
		const char *role = argv[2];
		argv[2] = argv[0];
		return peer_main(role, argc - 2, argv + 2);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink /proc/self/exe");
	self[n] = '\0';
	backend = getenv("HUGEMEM_BENCH_BACKEND");
	if (backend == NULL || *backend == '\0')
		backend = "emu";
	hm_log_set_level(HM_LOG_ERR);
	if (bench_wanted("attach"))
		bench_attach();
	if (bench_wanted("ring"))
		bench_ring();
	if (bench_wanted("malloc"))
		bench_malloc_pair();
	return 0;
}
