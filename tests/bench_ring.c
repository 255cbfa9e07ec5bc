/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring benchmarks (meson test --benchmark; scripts/bench-table.py for the table),
 * side by side with DPDK's rte_ring in the same process when built with
 * -Ddpdk_compare (HM_BENCH_DPDK). Figures are ns per object (not per burst);
 * ratio = hugemem / DPDK (below 1: hugemem is faster).
 *
 *   1. one thread: bulk-32 enqueue then bulk-32 dequeue, 2^18 times per sample,
 *      ring of 4096 slots, SP/SC (hm_ring_sp_enqueue_bulk / sc_dequeue_bulk) and
 *      MP/MC (mp_enqueue_bulk / mc_dequeue_bulk) on rings made with those modes,
 *      and SP/SC through the default functions (hm_ring_enqueue_bulk, which picks
 *      the mode from the ring at run time, as the mempool does); timed in this
 *      thread's CPU time;
 *      The floor rows run the same loop on a minimal ring in plain C (below):
 *      the least this protocol costs with these compiler flags;
 *   2. two cores: a producer thread pinned to one CPU enqueues 2^17 objects in
 *      bulks of 32 while the consumer, pinned to the other CPU, dequeues them in
 *      bulks of 32 (each retries with a pause when the ring is full / empty);
 *      a sample is the wall time of those 2^17 objects, per object (the load
 *      average is beside the row); SP/SC and MP/MC. Each side counts its failed
 *      calls (ring full / empty), the calls that read the other side's line and
 *      the elements left after a dequeue (struct two_stats; loop counters only);
 *   3. HM_BENCH_PROBE=<rounds>: instead of the rows, the SP/SC two-core probe
 *      (run_probe, issue #19's bimodal row): variants of the two-core sample
 *      interleaved round after round, each sample printed with its counters.
 *
 * Placement (one thread): the workload's burst arrays (in[] and out[], one
 * struct burst_arrays) sit at one page offset in every sample of both libraries
 * and the floor, clear of every one-thread ring's header lines modulo 4 KiB; the
 * program prints it and the lines' offsets. Where out[] covers a ring's size /
 * mask / capacity words modulo 4 KiB, the next enqueue's loads of them alias the
 * dequeue's stores to out[] and that ring runs slower (hugemem 15-17 %, the floor
 * 19-23 %, DPDK 5-9 %, each at its own offsets); on the stack, with the page offset
 * Linux randomises per exec, that was about one run in 16 per ring: the SP/SC
 * row's 0.249-0.285 swing (docs/performance-history.md, issue #19 part 6). The one-thread rows run
 * on two rings per library (SP/SC, MP/MC) made once. Environment, besides
 * bench_common.h's:
 *   HM_BENCH_CALLER_OFF=<bytes>  that page offset instead (a multiple of 16)
 *   HM_BENCH_SWEEP=<step>        first, SWEEP lines: the one-thread SP/SC and
 *                                MP/MC workloads of both libraries and the floors
 *                                with the arrays at every <step> bytes of a page
 *   HM_BENCH_VERBOSE=1           also the pads and every sample
 *
 * Method (bench_common.h): threads pinned, one untimed warm-up sample per side
 * and workload. One thread: median of 7 samples, the two libraries' samples
 * interleaved, alternating which goes first. Two cores: 41 adjacent pairs of
 * samples, one of each library, the order alternating from pair to pair; both
 * samples of a pair saw about the same machine, so the row's ratio is the
 * MEDIAN OF THE PAIRS' RATIOS (min / median / max of them in a NOTE line), and
 * its figures are each library's median sample. DPDK runs on real 2 MiB hugepages
 * ($HUGEMEM_BENCH_HUGE_DIR) or not at all. Never fails on a number; exits 1
 * only when a ring operation returns a wrong count or object.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"

#ifdef HM_BENCH_DPDK
#include <rte_malloc.h>
#include <rte_ring.h>
#endif

#define SAMPLES 7

#include "bench_common.h"
#define RING_SLOTS 4096
#define BURST 32
#define ONE_ITERS (1u << 18)
#define TWO_OBJS (1u << 17)  /* objects per sample of the two-core runs */
#define TWO_CHUNK (1u << 11) /* objects per timed chunk of such a sample */
#define PAIRS 41            /* adjacent hugemem / DPDK sample pairs of the two-core runs */
#define PAD_BURSTS ONE_ITERS /* bursts per one-thread sample */
#include "bench_pad.h"

static int cpu_a = -1, cpu_b = -1; /* the two CPUs we may run on */

static void
broken(const char *what)
{
	fprintf(stderr, "bench_ring: %s\n", what);
	exit(1);
}

static void
pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(t, sizeof(set), &set) != 0)
		fprintf(stderr, "bench_ring: cannot pin to cpu %d\n", cpu);
}

#if defined(__x86_64__) || defined(__i386__)
#define PAUSE() __builtin_ia32_pause()
#else
#define PAUSE() ((void)0)
#endif

/* ---------------------------------------------------------------- workloads
 * One copy per (library, mode) so the ring calls inline as in an application. */

/*
 * Where the caller's burst arrays sit. An enqueue loads them and stores into the
 * slots, a dequeue loads the slots and stores into them, and every call loads
 * and stores its side's head / tail line and loads the ring's size / mask line.
 * When a load's address matches a store still in flight to another page in its
 * low 12 bits, the CPU may take it as dependent on that store and replay it
 * ("4K aliasing"). The slots' page offset walks a whole page every 16 bursts, so
 * each caller offset meets them equally; the header lines sit still. On the
 * stack the arrays' page offset changed with every run (Linux randomises the
 * stack top within its page): issue #19, docs/performance-history.md part 6. So every
 * one-thread sample runs below a pad (alloca, run_padded in bench_pad.h) that
 * puts both arrays (one struct burst_arrays: in[] then out[], the same in every
 * workload function) at page offset `caller_off` for both libraries and the
 * floor, chosen clear of every one-thread ring's header lines (pad_choose over
 * the lines note_lines() records; $HM_BENCH_CALLER_OFF overrides it). Each
 * workload function runs pad_bursts bursts and leaves the arrays' address in
 * probe_seen; pad_place() runs one with pad_bursts at 1 to find it.
 */
struct burst_arrays {
	void *in[BURST];
	void *out[BURST];
};

#define ONE_THREAD(fn, ring_t, ENQ, DEQ)                                             \
	static PAD_SAMPLE double fn(void *p)                                         \
	{                                                                            \
		ring_t *r = p;                                                       \
		struct burst_arrays a;                                               \
		void **in = a.in, **out = a.out;                                     \
		const unsigned int iters = pad_bursts;                               \
		double t0;                                                           \
		for (unsigned int k = 0; k < BURST; k++)                             \
			in[k] = (void *)(uintptr_t)(k + 1);                          \
		t0 = cpu_ns();                                                       \
		for (unsigned int i = 0; i < iters; i++) {                           \
			if (ENQ(r, in, BURST, NULL) != BURST)                        \
				broken(#ENQ " did not take 32");                     \
			if (DEQ(r, out, BURST, NULL) != BURST)                       \
				broken(#DEQ " did not give 32");                     \
			/* the objects are used: no copy may be left out */          \
			__asm__ volatile("" : : "r"(out), "r"(in) : "memory");        \
		}                                                                    \
		t0 = (cpu_ns() - t0) / ((double)iters * BURST);                     \
		if (out[BURST - 1] != in[BURST - 1])                                 \
			broken(#DEQ " gave a wrong object");                         \
		probe_seen = (uintptr_t)&a;                                          \
		return t0;                                                           \
	}

struct two_arg {
	void *r;
	int go;             /* atomic: 1 once the consumer is ready */
	uint64_t fail;      /* producer: enqueues that found no room (each then paused) */
	uint64_t reread;    /* producer: calls that read the consumer's line */
};

/* What one two-core sample did, per side (the probe's counters; bench loop only,
 * nothing in the library): calls that moved a burst, calls that failed (ring
 * full / empty; each is followed by one pause), calls that read the other side's
 * line (hugemem: its cached view of the other tail was short, computed from its
 * own line before the call; DPDK, the floor and hugemem with a free-space /
 * available pointer: every call), and the elements the consumer saw left after
 * each dequeue (its `available`, or hugemem's cached view: a lower bound); all
 * of it past the first TWO_CHUNK objects of each side (start-up), as the timing. */
struct two_stats {
	uint64_t ok;          /* bursts each way: TWO_OBJS / BURST */
	uint64_t prod_fail, cons_fail;
	uint64_t prod_reread, cons_reread;
	double fill;          /* mean elements left after a dequeue; < 0: not known */
};

static struct two_stats two_last; /* the last two-core sample's counters */

/* TWO_CORES(fn, ring type, enqueue, dequeue, free_space arg, available arg,
 *           fill after a dequeue, producer / consumer rereads before a call) */
#define TWO_CORES(fn, ring_t, ENQ, DEQ, FS, AV, FILL, REP, REC)                      \
	static void *fn##_prod(void *p)                                              \
	{                                                                            \
		struct two_arg *a = p;                                               \
		ring_t *r = a->r;                                                    \
		void *in[BURST];                                                     \
		unsigned int fs = 0;                                                 \
		uint64_t fail = 0, reread = 0;                                       \
		(void)fs;                                                            \
		for (unsigned int k = 0; k < BURST; k++)                             \
			in[k] = (void *)(uintptr_t)(k + 1);                          \
		while (__atomic_load_n(&a->go, __ATOMIC_ACQUIRE) == 0)               \
			PAUSE();                                                     \
		for (unsigned int sent = 0; sent < TWO_OBJS;) {                      \
			const int on = sent >= TWO_CHUNK; /* past start-up */         \
			reread += on && (REP);                                       \
			if (ENQ(r, in, BURST, FS) == BURST) {                        \
				sent += BURST;                                       \
			} else {                                                     \
				fail += on;                                          \
				PAUSE();                                             \
			}                                                            \
		}                                                                    \
		a->fail = fail;                                                      \
		a->reread = reread;                                                  \
		return NULL;                                                         \
	}                                                                            \
	static double fn(void *p)                                                    \
	{                                                                            \
		ring_t *r = p;                                                       \
		struct two_arg a = {r, 0, 0, 0};                                     \
		void *out[BURST];                                                    \
		double chunk[TWO_OBJS / TWO_CHUNK - 1];                              \
		double fill = 0;                                                     \
		unsigned int nc = 0, av = 0;                                         \
		uint64_t fail = 0, reread = 0;                                       \
		pthread_t t;                                                         \
		double tc;                                                           \
		(void)av;                                                            \
		if (pthread_create(&t, NULL, fn##_prod, &a) != 0)                    \
			broken("pthread_create");                                    \
		pin(t, cpu_b);                                                       \
		tc = wall_ns();                                                      \
		__atomic_store_n(&a.go, 1, __ATOMIC_RELEASE);                        \
		for (unsigned int got = 0; got < TWO_OBJS;) {                        \
			const int on = got >= TWO_CHUNK; /* past start-up */          \
			reread += on && (REC);                                       \
			if (DEQ(r, out, BURST, AV) == BURST) {                       \
				got += BURST;                                        \
				if (on)                                              \
					fill += (FILL);                              \
				if (out[7] != (void *)(uintptr_t)8)                  \
					broken(#DEQ " gave a wrong object");         \
				if (got % TWO_CHUNK == 0) {                          \
					double now = wall_ns();                      \
					if (got > TWO_CHUNK) /* the first: start-up */ \
						chunk[nc++] = now - tc;              \
					tc = now;                                    \
				}                                                    \
			} else {                                                     \
				fail += on;                                          \
				PAUSE();                                             \
			}                                                            \
		}                                                                    \
		pthread_join(t, NULL);                                               \
		two_last.ok = (TWO_OBJS - TWO_CHUNK) / BURST;                        \
		two_last.prod_fail = a.fail;                                         \
		two_last.prod_reread = a.reread;                                     \
		two_last.cons_fail = fail;                                           \
		two_last.cons_reread = reread;                                       \
		two_last.fill = fill < 0 ? -1.0 : fill / (double)two_last.ok;        \
		return median_n(chunk, nc) / TWO_CHUNK;                              \
	}

/* The floor: the least a ring with this protocol can do, in plain C compiled
 * with the same flags: SP/SC is a head load, the other side's tail (acquire), a
 * head store, the copy, a tail store (release); MP/MC moves the head with a
 * compare-and-swap and waits for its turn to publish. No sync modes, no
 * free-space / available outputs, one element size. */
struct floor_side {
	_Alignas(64) uint32_t head;
	uint32_t tail;
	char pad[120];
};

struct floor_ring {
	uint32_t size, mask, capacity; /* read from the ring, as a general ring must */
	struct floor_side prod, cons;
	void *slots[RING_SLOTS];
};

static struct floor_ring floor_r = {RING_SLOTS, RING_SLOTS - 1, RING_SLOTS - 1, {0}, {0}, {0}};

/* Copy into or out of the slots from index @p h; in two runs at the wrap. */
static inline void
floor_copy(struct floor_ring *r, uint32_t h, void **obj, unsigned int n, int in)
{
	uint32_t idx = h & r->mask;
	uint32_t first = r->size - idx;

	if (HM_LIKELY(idx + n <= r->size)) {
		if (in)
			memcpy(&r->slots[idx], obj, n * sizeof(void *));
		else
			memcpy(obj, &r->slots[idx], n * sizeof(void *));
	} else if (in) {
		memcpy(&r->slots[idx], obj, first * sizeof(void *));
		memcpy(&r->slots[0], obj + first, (n - first) * sizeof(void *));
	} else {
		memcpy(obj, &r->slots[idx], first * sizeof(void *));
		memcpy(obj + first, &r->slots[0], (n - first) * sizeof(void *));
	}
}

static inline unsigned int
floor_enq(struct floor_ring *r, void *const *in, unsigned int n, unsigned int *unused, int mt)
{
	uint32_t h = __atomic_load_n(&r->prod.head, __ATOMIC_RELAXED);

	(void)unused;
	do {
		if (r->capacity + __atomic_load_n(&r->cons.tail, __ATOMIC_ACQUIRE) - h < n)
			return 0;
		if (!mt) {
			__atomic_store_n(&r->prod.head, h + n, __ATOMIC_RELAXED);
			break;
		}
	} while (!__atomic_compare_exchange_n(&r->prod.head, &h, h + n, 0, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	floor_copy(r, h, (void **)(uintptr_t)in, n, 1);
	if (mt)
		while (__atomic_load_n(&r->prod.tail, __ATOMIC_RELAXED) != h)
			PAUSE();
	__atomic_store_n(&r->prod.tail, h + n, __ATOMIC_RELEASE);
	return n;
}

static inline unsigned int
floor_deq(struct floor_ring *r, void **out, unsigned int n, unsigned int *unused, int mt)
{
	uint32_t h = __atomic_load_n(&r->cons.head, __ATOMIC_RELAXED);

	(void)unused;
	do {
		if (__atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE) - h < n)
			return 0;
		if (!mt) {
			__atomic_store_n(&r->cons.head, h + n, __ATOMIC_RELAXED);
			break;
		}
	} while (!__atomic_compare_exchange_n(&r->cons.head, &h, h + n, 0, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	floor_copy(r, h, out, n, 0);
	if (mt)
		while (__atomic_load_n(&r->cons.tail, __ATOMIC_RELAXED) != h)
			PAUSE();
	__atomic_store_n(&r->cons.tail, h + n, __ATOMIC_RELEASE);
	return n;
}

#define FLOOR_SP(r, o, n, f) floor_enq(r, o, n, f, 0)
#define FLOOR_SC(r, o, n, f) floor_deq(r, o, n, f, 0)
#define FLOOR_MP(r, o, n, f) floor_enq(r, o, n, f, 1)
#define FLOOR_MC(r, o, n, f) floor_deq(r, o, n, f, 1)
ONE_THREAD(floor_one_spsc, struct floor_ring, FLOOR_SP, FLOOR_SC)
ONE_THREAD(floor_one_mpmc, struct floor_ring, FLOOR_MP, FLOOR_MC)

TWO_CORES(floor_two_spsc_f, struct floor_ring, FLOOR_SP, FLOOR_SC, NULL, NULL, -1.0, 1, 1)

static PAD_SAMPLE double
floor_spsc(void *unused)
{
	(void)unused;
	return floor_one_spsc(&floor_r);
}

static PAD_SAMPLE double
floor_mpmc(void *unused)
{
	(void)unused;
	return floor_one_mpmc(&floor_r);
}

ONE_THREAD(hm_one_spsc, struct hm_ring, hm_ring_sp_enqueue_bulk, hm_ring_sc_dequeue_bulk)
ONE_THREAD(hm_one_mpmc, struct hm_ring, hm_ring_mp_enqueue_bulk, hm_ring_mc_dequeue_bulk)
ONE_THREAD(hm_one_dflt, struct hm_ring, hm_ring_enqueue_bulk, hm_ring_dequeue_bulk)
/* hugemem's consumer / MT producer: would this call read the other side's line?
 * (its cached view of the other tail, from its own line, shows less than a burst) */
#define HM_REC(r) ((uint32_t)((r)->cons.other_tail - (r)->cons.head) < BURST)
#define HM_REP(r) ((uint32_t)((r)->capacity + (r)->prod.other_tail - (r)->prod.head) < BURST)
#define HM_FILL(r, av) ((double)(uint32_t)((r)->cons.other_tail - (r)->cons.head))
TWO_CORES(hm_two_spsc, struct hm_ring, hm_ring_sp_enqueue_bulk, hm_ring_sc_dequeue_bulk, NULL,
	  NULL, HM_FILL(r, av), 1, HM_REC(r)) /* a single producer reads it on every call */
TWO_CORES(hm_two_mpmc, struct hm_ring, hm_ring_mp_enqueue_bulk, hm_ring_mc_dequeue_bulk, NULL,
	  NULL, HM_FILL(r, av), HM_REP(r), HM_REC(r))
/* the probe's: hugemem asked for free space / available (exact: reads the other
 * side's line on every call, as DPDK does), DPDK asked for them too (it computes
 * them anyway), the floor ring on two cores */
TWO_CORES(hm_two_spsc_x, struct hm_ring, hm_ring_sp_enqueue_bulk, hm_ring_sc_dequeue_bulk, &fs,
	  &av, (double)av, 1, 1)
TWO_CORES(hm_two_spsc_xc, struct hm_ring, hm_ring_sp_enqueue_bulk, hm_ring_sc_dequeue_bulk, NULL,
	  &av, (double)av, HM_REP(r), 1)
TWO_CORES(hm_two_spsc_xp, struct hm_ring, hm_ring_sp_enqueue_bulk, hm_ring_sc_dequeue_bulk, &fs,
	  NULL, HM_FILL(r, av), 1, HM_REC(r))
#ifdef HM_BENCH_DPDK
ONE_THREAD(rte_one_spsc, struct rte_ring, rte_ring_sp_enqueue_bulk, rte_ring_sc_dequeue_bulk)
ONE_THREAD(rte_one_mpmc, struct rte_ring, rte_ring_mp_enqueue_bulk, rte_ring_mc_dequeue_bulk)
ONE_THREAD(rte_one_dflt, struct rte_ring, rte_ring_enqueue_bulk, rte_ring_dequeue_bulk)
TWO_CORES(rte_two_spsc, struct rte_ring, rte_ring_sp_enqueue_bulk, rte_ring_sc_dequeue_bulk, NULL,
	  NULL, -1.0, 1, 1)
TWO_CORES(rte_two_mpmc, struct rte_ring, rte_ring_mp_enqueue_bulk, rte_ring_mc_dequeue_bulk, NULL,
	  NULL, -1.0, 1, 1)
TWO_CORES(rte_two_spsc_a, struct rte_ring, rte_ring_sp_enqueue_bulk, rte_ring_sc_dequeue_bulk,
	  &fs, &av, (double)av, 1, 1)
#endif

/* ---------------------------------------------------------------- driver */

struct workload {
	const char *name;
	int st;          /* 1: SP/SC rings, 0: MP/MC */
	int two;         /* 1: across two cores */
	double (*hm)(void *r);   /* on a struct hm_ring (the floor's: ignores it) */
#ifdef HM_BENCH_DPDK
	double (*rte)(void *r);  /* on a struct rte_ring */
#endif
};

#ifdef HM_BENCH_DPDK
#define W(n, st, two, h, d) {n, st, two, h, d}
#else
#define W(n, st, two, h, d) {n, st, two, h}
#endif

static const struct workload workloads[] = {
	W("ring SP/SC bulk 32 enq+deq, 1 thread", 1, 0, hm_one_spsc, rte_one_spsc),
	W("ring MP/MC bulk 32 enq+deq, 1 thread", 0, 0, hm_one_mpmc, rte_one_mpmc),
	W("ring SP/SC bulk 32, default functions, 1 thread", 1, 0, hm_one_dflt, rte_one_dflt),
	W("ring SP/SC bulk 32, 1 thread: floor (minimal C ring, same flags)", 1, 0, floor_spsc,
	  rte_one_spsc),
	W("ring MP/MC bulk 32, 1 thread: floor (minimal C ring, same flags)", 0, 0, floor_mpmc,
	  rte_one_mpmc),
	W("ring SP/SC bulk 32, 2 threads on 2 cores", 1, 1, hm_two_spsc, rte_two_spsc),
	W("ring MP/MC bulk 32, 2 threads on 2 cores", 0, 1, hm_two_mpmc, rte_two_mpmc),
};

static int have_dpdk;

/* The rings one workload runs on: hugemem's, and DPDK's where it is built and wanted. */
struct bench_rings {
	int run_h, run_d;        /* which sides run (bench_side, have_dpdk) */
	struct hm_ring *hr;
#ifdef HM_BENCH_DPDK
	struct rte_ring *dr;     /* NULL unless run_d */
#endif
};

/* Create both rings, SP/SC (@p st) or MP/MC, named @p prefix<seq>. Exits on failure. */
static void
rings_make(struct bench_rings *r, int st, const char *prefix)
{
	static int seq;
	char name[32];

	memset(r, 0, sizeof(*r));
	r->run_h = bench_side(0);
#ifdef HM_BENCH_DPDK
	r->run_d = have_dpdk && bench_side(1);
#endif
	snprintf(name, sizeof(name), "%s%d", prefix, seq++);
	r->hr = hm_ring_create(name, RING_SLOTS, HM_SOCKET_ID_ANY,
			       st ? HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ : 0);
	if (r->hr == NULL)
		broken(hm_last_error());
#ifdef HM_BENCH_DPDK
	if (r->run_d) {
		r->dr = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY,
					st ? RING_F_SP_ENQ | RING_F_SC_DEQ : 0);
		if (r->dr == NULL)
			broken(rte_strerror(rte_errno));
	}
#endif
}

static void
rings_free(struct bench_rings *r)
{
	hm_ring_free(r->hr);
#ifdef HM_BENCH_DPDK
	rte_ring_free(r->dr);
#endif
}

/* ---------------------------------------------------------------- placement */

/* The one-thread rows' rings (SP/SC and MP/MC, one of each per library), made
 * once, and the page offsets of their header lines: the line with the sizes
 * (read by every call), the producer's and the consumer's head / tail lines;
 * the floor ring's three likewise. */
static struct bench_rings one_st, one_mt;
static struct pad_bands lines;

/* The 64-byte line of @p p, as "<ring> <what>". */
static void
note_line(const char *ring, const char *what, const void *p)
{
	char name[32];

	snprintf(name, sizeof(name), "%s %s", ring, what);
	pad_note(&lines, name, (uintptr_t)p & ~(uintptr_t)63, 64);
}

/* The three lines (sizes, prod, cons) of @p r, a struct hm_ring, a struct
 * rte_ring or the floor's (the same field names). */
#define NOTE_RING(name, r)                              \
	do {                                                \
		note_line(name, "sizes", (r));                \
		note_line(name, "prod", &(r)->prod);          \
		note_line(name, "cons", &(r)->cons);          \
	} while (0)

/* The floor's lines, then each library's SP/SC and MP/MC rings' (DPDK's where
 * it runs). */
static void
note_lines(void)
{
	static const char *const lib[2] = {"hm", "dpdk"}, *const mode[2] = {"sp/sc", "mp/mc"};
	const struct bench_rings *const rs[2] = {&one_st, &one_mt};
	char name[24];

	NOTE_RING("floor", &floor_r);
	for (int l = 0; l < 2; l++)
		for (int m = 0; m < 2; m++) {
			snprintf(name, sizeof(name), "%s %s", lib[l], mode[m]);
			if (l == 0)
				NOTE_RING(name, rs[m]->hr);
#ifdef HM_BENCH_DPDK
			else if (rs[m]->dr != NULL)
				NOTE_RING(name, rs[m]->dr);
#endif
		}
}

/* The sides of @p w on @p r that run (bench_rings' run_h, run_d), unplaced;
 * with @p place, their arrays at caller_off. */
static void
one_sides(const struct bench_rings *r, const struct workload *w, int place, struct pad_side *h,
	  struct pad_side *d)
{
	*h = pad_side(r->run_h, w->hm, r->hr);
#ifdef HM_BENCH_DPDK
	*d = pad_side(r->run_d, w->rte, r->dr);
#else
	*d = pad_side(0, NULL, NULL);
#endif
	if (place) {
		pad_place(h);
		pad_place(d);
	}
}

/*
 * A two-core workload: PAIRS adjacent pairs of samples, one of each library,
 * the order alternating from pair to pair. Both samples of a pair ran within a
 * few milliseconds of each other, on about the same machine; the row's ratio is
 * the median of the pairs' ratios, its figures the median sample of each side.
 */
static void
run_two(const struct workload *w)
{
	double hs[PAIRS], ds[PAIRS], ratio[PAIRS];
	struct bench_rings r;
	struct pad_side hside, dside;

	rings_make(&r, w->st, "bench2_");
	one_sides(&r, w, 0, &hside, &dside);
	pad_pair(&hside, &dside, 0, &hs[0], &ds[0]); /* warm-up (a two-core sample: no pads) */
	for (int s = 0; s < PAIRS; s++) {
		hs[s] = ds[s] = BENCH_NAN;
		pad_pair(&hside, &dside, s, &hs[s], &ds[s]);
		ratio[s] = hs[s] / ds[s];
		if (bench_env_on("HM_BENCH_VERBOSE"))
			printf("  pair %d: hugemem %.3f ns, dpdk %.3f ns, ratio %.3f\n", s, hs[s],
			       ds[s], ratio[s]);
	}
	{
		double h = r.run_h ? median_n(hs, PAIRS) : BENCH_NAN;
		double d = r.run_d ? median_n(ds, PAIRS) : BENCH_NAN;

		if (r.run_h && r.run_d) {
			qsort(ratio, PAIRS, sizeof(*ratio), cmp_d);
			bench_row_pairs(w->name, h, d, "ns/object", bench_backend(),
					ratio[PAIRS / 2]);
			bench_note("%s: hugemem/DPDK of %d adjacent pairs of %u-object samples "
				   "(wall time, producer on cpu %d, consumer on cpu %d): "
				   "%.3f (min) %.3f (median) %.3f (max), load %.2f",
				   w->name, PAIRS, TWO_OBJS, cpu_b, cpu_a, ratio[0],
				   ratio[PAIRS / 2], ratio[PAIRS - 1], loadavg1());
		} else {
			bench_row_pairs(w->name, h, d, "ns/object", bench_backend(), BENCH_NAN);
		}
	}
	rings_free(&r);
}

/*
 * The probe (issue #19's bimodal SP/SC two-core row), run instead of the
 * workloads when HM_BENCH_PROBE=<rounds> is set: round after round, one SP/SC
 * two-core sample of each variant, the order rotating, every sample printed with
 * its counters (struct two_stats, per burst moved) and, per variant, the medians.
 * Variants: hugemem as shipped; hugemem asked for free space / available (it
 * then reads the other side's line on every call, as DPDK does: "exact"), or
 * for one of them only ("exact-p": the producer, "exact-c": the consumer); DPDK
 * (asked for available: it computes it anyway); the floor ring.
 *   HM_BENCH_PROBE_RINGS=<n>  n rings per library (at most 8), each on its own
 *                             2 MiB of memory (spacers between them): variants
 *                             hugemem, exact and DPDK on each ring; the physical
 *                             address of each ring's header is printed (root)
 *   HM_BENCH_PROBE_PLAIN=1    the rings in malloc'd memory (hm_ring_init /
 *                             rte_ring_init) instead of hm_ring_create /
 *                             rte_ring_create
 */
#define PROBE_MAX 100
#define PROBE_RINGS 8
enum { PV_HM, PV_HM_X, PV_DPDK, PV_FLOOR, PV_HM_XC, PV_HM_XP, PV_KINDS };
static const char *const pv_name[PV_KINDS] = {"hugemem", "hugemem-exact", "dpdk", "floor",
					      "hugemem-exact-c", "hugemem-exact-p"};

struct probe_var {
	int kind, ring;
	double ns[PROBE_MAX], pf[PROBE_MAX], cf[PROBE_MAX], pr[PROBE_MAX], cr[PROBE_MAX],
		fl[PROBE_MAX];
};

#ifdef HM_BENCH_DPDK
/* The physical address behind @p va from /proc/self/pagemap; 0 when unknown
 * (printed beside DPDK's ring's). */
static uint64_t
probe_pa(const void *va)
{
	uint64_t e = 0;
	FILE *f = fopen("/proc/self/pagemap", "rb");

	if (f == NULL)
		return 0;
	if (fseek(f, (long)((uintptr_t)va / 4096 * 8), SEEK_SET) != 0 ||
	    fread(&e, sizeof(e), 1, f) != 1)
		e = 0;
	fclose(f);
	if ((e & (1ull << 63)) == 0 || (e & ((1ull << 55) - 1)) == 0)
		return 0;
	return (e & ((1ull << 55) - 1)) * 4096 + (uintptr_t)va % 4096;
}
#endif

/* @p size bytes of malloc memory on a 4 KiB boundary (C11: a multiple of it). */
static void *
probe_alloc(size_t size)
{
	return aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
}

static double
probe_floor(void)
{
	return floor_two_spsc_f(&floor_r);
}

static void
run_probe(unsigned int rounds)
{
	static struct probe_var pv[3 * PROBE_RINGS];
	struct hm_ring *hr[PROBE_RINGS] = {0};
	void *hspace[PROBE_RINGS] = {0};
	const int plain = bench_env_on("HM_BENCH_PROBE_PLAIN");
	const char *e = getenv("HM_BENCH_PROBE_RINGS");
	unsigned int nr = e != NULL ? (unsigned int)strtoul(e, NULL, 10) : 1, nv = 0;
#ifdef HM_BENCH_DPDK
	struct rte_ring *dr[PROBE_RINGS] = {0};
	void *dspace[PROBE_RINGS] = {0};
#endif

	if (rounds > PROBE_MAX)
		rounds = PROBE_MAX;
	if (nr < 1 || nr > PROBE_RINGS)
		nr = 1;
	for (unsigned int i = 0; i < nr; i++) {
		char name[16];

		snprintf(name, sizeof(name), "probe%u", i);
		if (plain) {
			hr[i] = probe_alloc((size_t)hm_ring_get_memsize(RING_SLOTS));
			if (hr[i] == NULL || hm_ring_init(hr[i], name, RING_SLOTS,
							  HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ) != 0)
				broken("hm_ring_init in plain memory");
		} else {
			hr[i] = hm_ring_create(name, RING_SLOTS, HM_SOCKET_ID_ANY,
					       HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
			if (hr[i] == NULL)
				broken(hm_last_error());
		}
		hspace[i] = plain ? malloc(2u << 20) : hm_malloc("probe", 2u << 20, 0);
#ifdef HM_BENCH_DPDK
		if (!have_dpdk)
			continue;
		if (plain) {
			dr[i] = probe_alloc((size_t)rte_ring_get_memsize(RING_SLOTS));
			if (dr[i] == NULL || rte_ring_init(dr[i], name, RING_SLOTS,
							   RING_F_SP_ENQ | RING_F_SC_DEQ) != 0)
				broken("rte_ring_init in plain memory");
		} else {
			dr[i] = rte_ring_create(name, RING_SLOTS, SOCKET_ID_ANY,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (dr[i] == NULL)
				broken(rte_strerror(rte_errno));
		}
		dspace[i] = plain ? malloc(2u << 20) : rte_malloc("probe", 2u << 20, 0);
		printf("probe: ring %u: hugemem at %p (pa 0x%" PRIx64 "), dpdk at %p (pa 0x%" PRIx64
		       ") (%s)\n", i, (void *)hr[i], probe_pa(&hr[i]->prod), (void *)dr[i],
		       probe_pa(&dr[i]->prod), plain ? "malloc" : "hm_ring_create / rte_ring_create");
#endif
	}
	for (unsigned int i = 0; i < nr; i++) {
		static const int one[] = {PV_HM, PV_HM_X, PV_DPDK, PV_FLOOR, PV_HM_XC, PV_HM_XP};
		static const int many[] = {PV_HM, PV_HM_X, PV_DPDK};
		const int *k = nr == 1 ? one : many;
		unsigned int nk = nr == 1 ? 6 : 3;

		for (unsigned int j = 0; j < nk; j++) {
			if (k[j] == PV_DPDK && !have_dpdk)
				continue;
			pv[nv].kind = k[j];
			pv[nv++].ring = (int)i;
		}
	}
	printf("probe: %u rounds of SP/SC two-core samples (%u objects, bursts of %u, ring of %u); "
	       "per burst moved: fails = calls that found the ring full (producer) / empty "
	       "(consumer), each followed by one pause; rereads = calls that read the other "
	       "side's line; fill = elements the consumer saw left after a dequeue\n",
	       rounds, TWO_OBJS, BURST, RING_SLOTS);
	for (unsigned int r = 0; r <= rounds; r++) { /* round 0: warm-up, not kept */
		for (unsigned int j = 0; j < nv; j++) {
			struct probe_var *v = &pv[(j + r) % nv];
			struct hm_ring *h = hr[v->ring];
			double t = 0;

			switch (v->kind) {
			case PV_HM: t = hm_two_spsc(h); break;
			case PV_HM_X: t = hm_two_spsc_x(h); break;
			case PV_HM_XC: t = hm_two_spsc_xc(h); break;
			case PV_HM_XP: t = hm_two_spsc_xp(h); break;
			case PV_FLOOR: t = probe_floor(); break;
#ifdef HM_BENCH_DPDK
			case PV_DPDK: t = rte_two_spsc_a(dr[v->ring]); break;
#endif
			default: broken("probe: unknown variant");
			}
			if (r == 0)
				continue;
			v->ns[r - 1] = t;
			v->pf[r - 1] = (double)two_last.prod_fail / (double)two_last.ok;
			v->cf[r - 1] = (double)two_last.cons_fail / (double)two_last.ok;
			v->pr[r - 1] = (double)two_last.prod_reread / (double)two_last.ok;
			v->cr[r - 1] = (double)two_last.cons_reread / (double)two_last.ok;
			v->fl[r - 1] = two_last.fill;
			printf("  round %u ring %d %-15s %7.3f ns/obj  fails prod %7.3f cons %7.3f  "
			       "rereads prod %5.3f cons %5.3f  fill %7.1f\n",
			       r, v->ring, pv_name[v->kind], t, v->pf[r - 1], v->cf[r - 1],
			       v->pr[r - 1], v->cr[r - 1], v->fl[r - 1]);
		}
	}
	/* each variant against DPDK's sample of the same round on the same ring, split
	 * by DPDK's mode: fast when its sample is below 1.5 times its fastest */
	for (unsigned int j = 0; j < nv; j++) {
		const struct probe_var *d = NULL, *v = &pv[j];
		static double fast[PROBE_MAX], slow[PROBE_MAX];
		unsigned int nf = 0, ns = 0;
		double dmin;

		for (unsigned int i = 0; i < nv; i++)
			if (pv[i].kind == PV_DPDK && pv[i].ring == v->ring)
				d = &pv[i];
		if (d == NULL || v == d)
			continue;
		dmin = d->ns[0];
		for (unsigned int r = 1; r < rounds; r++)
			dmin = d->ns[r] < dmin ? d->ns[r] : dmin;
		for (unsigned int r = 0; r < rounds; r++) {
			if (d->ns[r] < 1.5 * dmin)
				fast[nf++] = v->ns[r] / d->ns[r];
			else
				slow[ns++] = v->ns[r] / d->ns[r];
		}
		printf("probe ratio ring %d %-15s / dpdk: DPDK fast (sample < %.3f ns) %u rounds, "
		       "median %.3f; DPDK slow %u rounds, median %.3f\n", v->ring, pv_name[v->kind],
		       1.5 * dmin, nf, nf ? median_n(fast, nf) : 0.0, ns,
		       ns ? median_n(slow, ns) : 0.0);
	}
	for (unsigned int j = 0; j < nv; j++) {
		struct probe_var *v = &pv[j];
		const double med = median_n(v->ns, rounds); /* sorts v->ns */

		printf("probe median ring %d %-15s %7.3f ns/obj (min %.3f max %.3f)  fails prod "
		       "%7.3f cons %7.3f  rereads prod %5.3f cons %5.3f  fill %7.1f  (load %.2f)\n",
		       v->ring, pv_name[v->kind], med, v->ns[0], v->ns[rounds - 1], median_n(v->pf, rounds), median_n(v->cf, rounds),
		       median_n(v->pr, rounds), median_n(v->cr, rounds), median_n(v->fl, rounds),
		       loadavg1());
	}
	for (unsigned int i = 0; i < nr; i++) {
		if (plain) {
			free(hr[i]);
			free(hspace[i]);
		} else {
			hm_ring_free(hr[i]);
			hm_free(hspace[i]);
		}
#ifdef HM_BENCH_DPDK
		if (plain) {
			free(dr[i]);
			free(dspace[i]);
		} else {
			rte_ring_free(dr[i]);
			rte_free(dspace[i]);
		}
#endif
	}
}

static void
run(const struct workload *w)
{
	double hs[SAMPLES] = {0}, ds[SAMPLES] = {0};
	struct bench_rings *r = w->st ? &one_st : &one_mt;
	struct pad_side h, d;

	if (!bench_wanted(w->name))
		return;
	if (w->two && cpu_b < 0) {
		bench_note("%s: skipped, only one CPU available", w->name);
		return;
	}
	if (w->two) {
		run_two(w);
		return;
	}
	one_sides(r, w, 1, &h, &d);
	pad_pair(&h, &d, 0, &hs[0], &ds[0]); /* warm-up */
	for (int s = 0; s < SAMPLES; s++)
		pad_pair(&h, &d, s, &hs[s], &ds[s]);
	if (bench_env_on("HM_BENCH_VERBOSE"))
		pad_verbose(1, &h, &d, hs, ds, have_dpdk);
	bench_row(w->name, r->run_h ? median(hs) : BENCH_NAN, r->run_d ? median(ds) : BENCH_NAN,
		  "ns/object", bench_backend(), "cpu");
}

/*
 * HM_BENCH_SWEEP=<step>: the one-thread SP/SC and MP/MC rows (hugemem, the
 * default functions, the floors, DPDK) with the burst arrays at every @p step
 * bytes of a page, one SWEEP line per offset: each figure the median of SAMPLES
 * samples, the variants interleaved.
 */
static void
sweep(unsigned int step)
{
	static const int which[] = {0, 2, 3, 1, 4}; /* workloads[]: the one-thread rows */
	const unsigned int nw = sizeof(which) / sizeof(which[0]);
	const unsigned int keep = caller_off;

	printf("SWEEP|offset|SP/SC hugemem|default functions|floor|dpdk|dpdk default "
	       "functions|MP/MC hugemem|floor|dpdk (ns/object)\n");
	for (unsigned int off = 0; off < 4096; off += step) {
		double h[5][SAMPLES], d[5][SAMPLES];
		struct pad_side hp[5], dp[5];

		caller_off = off;
		for (unsigned int i = 0; i < nw; i++) {
			const struct workload *w = &workloads[which[i]];

			one_sides(w->st ? &one_st : &one_mt, w, 1, &hp[i], &dp[i]);
		}
		for (int s = 0; s < SAMPLES; s++)
			for (unsigned int i = 0; i < nw; i++) {
				h[i][s] = d[i][s] = BENCH_NAN;
				pad_pair(&hp[i], &dp[i], s, &h[i][s], &d[i][s]);
			}
		printf("SWEEP|%u|%.3f|%.3f|%.3f|%.3f|%.3f|%.3f|%.3f|%.3f\n", off, median(h[0]),
		       median(h[1]), median(h[2]), median(d[0]), median(d[1]), median(h[3]),
		       median(h[4]), median(d[3]));
	}
	caller_off = keep;
}

/* Choose caller_off (or take $HM_BENCH_CALLER_OFF), say where everything sits,
 * and run the sweep when asked. @return 0, or -1 on a bad HM_BENCH_CALLER_OFF. */
static int
place_arrays(void)
{
	const unsigned int len = sizeof(struct burst_arrays);
	unsigned int near;
	int env;

	note_lines();
	caller_off = pad_choose(&lines, len, &near);
	env = pad_env_off("bench_ring");
	if (env < 0)
		return -1;
	if (env > 0)
		near = pad_near(&lines, caller_off, len, 64);
	printf("one thread: burst arrays (in[], out[]: %zu bytes) at page offset %u in every "
	       "sample of both libraries and the floor, within 64 bytes of %u of the rings' "
	       "header lines; those lines at", sizeof(struct burst_arrays), caller_off, near);
	pad_print(&lines);
	printf("\n");
	if (pad_sweep_step() != 0)
		sweep(pad_sweep_step());
	return 0;
}

/* The first two CPUs we may run on; pins the calling thread to the first. */
static void
pick_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (cpu_a < 0)
			cpu_a = c;
		else if (cpu_b < 0)
			cpu_b = c;
	}
	pin(pthread_self(), cpu_a);
}

int
main(void)
{
	struct hm_config c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pick_cpus();
#ifdef HM_BENCH_DPDK
	have_dpdk = bench_dpdk_start("bench_ring", cpu_a, 0, 16);
#else
	bench_note("dpdk: not built (configure with -Ddpdk_compare=enabled and libdpdk-dev)");
#endif
	bench_say_flags("bench_ring");
	bench_hm_config(&c, "hmbenchring", 0, NULL, 8);
	if (hm_init_config(&c) < 0) {
		fprintf(stderr, "bench_ring: hm_init: %s\n", hm_last_error());
		return 1;
	}
	printf("hugemem: %s backend --in-memory; cpus %d and %d; ring of %d slots; median of "
	       "%d samples (two cores: %d adjacent pairs); ns per object\n", bench_backend(), cpu_a,
	       cpu_b, RING_SLOTS, SAMPLES, PAIRS);
	if (getenv("HM_BENCH_PROBE") != NULL && cpu_b >= 0) {
		run_probe((unsigned int)strtoul(getenv("HM_BENCH_PROBE"), NULL, 10));
	} else {
		rings_make(&one_st, 1, "bench");
		rings_make(&one_mt, 0, "bench");
		if (place_arrays() != 0)
			return 1;
		for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
			run(&workloads[i]);
		rings_free(&one_st);
		rings_free(&one_mt);
	}
	hm_cleanup();
#ifdef HM_BENCH_DPDK
	if (have_dpdk)
		rte_eal_cleanup();
#endif
	return 0;
}
