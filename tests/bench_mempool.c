/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarks (meson test --benchmark; scripts/bench-table.py for the table) of
 * the mempool and mbuf fast paths, side by side with DPDK 22.11's rte_mempool /
 * rte_pktmbuf in the same process when built with -Ddpdk_compare (HM_BENCH_DPDK).
 * Figures are ns per object (per mbuf), never per burst. Method (bench_common.h):
 * the thread is pinned to one CPU and is lcore 0 of both libraries; each workload
 * has one untimed warm-up round; a sample times 2^20 objects in this thread's CPU
 * time; the median of 7 samples is the figure; the samples of the two libraries
 * are interleaved, alternating which runs first. DPDK runs on real 2 MiB
 * hugepages ($HUGEMEM_BENCH_HUGE_DIR) or not at all; hugemem on the backend of
 * $HUGEMEM_BENCH_BACKEND.
 *
 *   1. get_bulk(32) + put_bulk(32) through a per-lcore cache of 256 (pool 8191
 *      objects of 64 B, ring_mp_mc); the floor row runs the same loop on a bare
 *      LIFO in plain C (below): the least a cache with these semantics costs;
 *   2. get(1) + put(1) through the same cache;
 *   3. get_bulk(32) + put_bulk(32) without a cache (the ring each time);
 *   4. pktmbuf alloc_bulk(32) + free_bulk(32), cache 256, default buffers;
 *   5. pktmbuf alloc(1) + free(1), cache 256.
 *
 * The bulk workloads' burst arrays sit at one page offset for both libraries
 * and the floor, clear of every cache's top window (see caller_off below; the
 * program prints both). Environment, besides bench_common.h's:
 *   HM_BENCH_CALLER_OFF=<bytes>  that page offset instead (a multiple of 16)
 *   HM_BENCH_SWEEP=<step>        first, SWEEP lines: row 1 and its floor with the
 *                                arrays at every <step> bytes of a page
 *   HM_BENCH_VERBOSE=1           also the pads and every sample
 *
 * Never fails on a number; exits 1 only when an operation fails.
 */
#include <inttypes.h>
#include <stddef.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"

#ifdef HM_BENCH_DPDK
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#endif

#define SAMPLES 7

#include "bench_common.h"
#define OBJS_PER_SAMPLE (1u << 20)
#define POOL_N 8191
#define CACHE 256
#define BURST 32
#define PAD_BURSTS (OBJS_PER_SAMPLE / BURST) /* bursts per bulk sample */
#include "bench_pad.h"

static void
broken(const char *who, const char *what)
{
	fprintf(stderr, "bench_mempool: %s: %s failed\n", who, what);
	exit(1);
}

/* One workload on one library (a pad_sample_fn): ns per object for
 * OBJS_PER_SAMPLE objects. */

/*
 * Where the caller's burst array sits. A bulk get loads from the cache's top
 * and stores into the caller's array, the put the other way round; when the
 * two overlap at the same offsets within their 4 KiB pages, the CPU may take a
 * load for one of a store just issued to the other page ("4K aliasing") and
 * replay it. The array is a local of each workload function, as in an
 * application (the compiler then knows it does not overlap the cache), but on
 * the stack its page offset changed with every run, as Linux randomises the
 * stack top within its page: docs/performance-history.md, issue #19 part 5. So every sample runs
 * below a pad (alloca; bench_pad.h) that puts the array at the same page offset
 * for both libraries and the floor: `caller_off`, chosen clear of every cache's
 * top window ($HM_BENCH_CALLER_OFF overrides it). Each bulk workload function
 * runs pad_bursts bursts and leaves its array's address in probe_seen;
 * pad_place() runs one with pad_bursts at 1 to find it.
 */

/* ---------------------------------------------------------------- hugemem */

static PAD_SAMPLE double
hm_bulk(void *p)
{
	struct hm_mempool *mp = p;
	void *objs[BURST];
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < pad_bursts; i++) {
		if (hm_mempool_get_bulk(mp, objs, BURST) != 0)
			broken("hugemem", "get_bulk");
		hm_mempool_put_bulk(mp, objs, BURST);
	}
	probe_seen = (uintptr_t)objs;
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

static PAD_SAMPLE double
hm_single(void *p)
{
	struct hm_mempool *mp = p;
	void *obj;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE; i++) {
		if (hm_mempool_get(mp, &obj) != 0)
			broken("hugemem", "get");
		hm_mempool_put(mp, obj);
	}
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

static PAD_SAMPLE double
hm_mbuf(void *p)
{
	struct hm_mempool *mp = p;
	struct hm_mbuf *m[BURST];
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < pad_bursts; i++) {
		if (hm_pktmbuf_alloc_bulk(mp, m, BURST) != 0)
			broken("hugemem", "pktmbuf_alloc_bulk");
		hm_pktmbuf_free_bulk(m, BURST);
	}
	probe_seen = (uintptr_t)m;
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

static PAD_SAMPLE double
hm_mbuf1(void *p)
{
	struct hm_mempool *mp = p;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE; i++) {
		struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
		if (m == NULL)
			broken("hugemem", "pktmbuf_alloc");
		hm_pktmbuf_free(m);
	}
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

/*
 * The floor of a cached bulk get+put: a LIFO of pointers (the cache's 22.11
 * semantics: the get pops the top n, newest first; the put pushes n) with no
 * pool, no lcore lookup, no debug test and no miss handling, compiled here with
 * the same flags. Its length is read from memory on each call, as a cache's is.
 */
static struct {
	uint32_t len;
	void *objs[2 * CACHE] __attribute__((aligned(64)));
} floor_cache;

static PAD_SAMPLE double
floor_bulk(void *p)
{
	void *objs[BURST];
	double t0;

	(void)p;
	floor_cache.len = CACHE;
	for (unsigned int k = 0; k < CACHE; k++)
		floor_cache.objs[k] = &floor_cache.objs[k];
	t0 = cpu_ns();
	for (unsigned int i = 0; i < pad_bursts; i++) {
		uint32_t len = floor_cache.len;

		if (len < BURST)
			broken("floor", "get");
		{
			void *const *restrict top = &floor_cache.objs[len];

			for (unsigned int k = 0; k < BURST; k++)
				objs[k] = top[-1 - (ptrdiff_t)k];
		}
		floor_cache.len = len - BURST;
		__asm__ volatile("" : : "r"(objs) : "memory");
		len = floor_cache.len;
		memcpy(&floor_cache.objs[len], objs, sizeof(objs));
		floor_cache.len = len + BURST;
		__asm__ volatile("" : : "r"(objs) : "memory");
	}
	probe_seen = (uintptr_t)objs;
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

/* ---------------------------------------------------------------- DPDK */

#ifdef HM_BENCH_DPDK
static PAD_SAMPLE double
rte_bulk(void *p)
{
	struct rte_mempool *mp = p;
	void *objs[BURST];
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < pad_bursts; i++) {
		if (rte_mempool_get_bulk(mp, objs, BURST) != 0)
			broken("dpdk", "get_bulk");
		rte_mempool_put_bulk(mp, objs, BURST);
	}
	probe_seen = (uintptr_t)objs;
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

static PAD_SAMPLE double
rte_single(void *p)
{
	struct rte_mempool *mp = p;
	void *obj;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE; i++) {
		if (rte_mempool_get(mp, &obj) != 0)
			broken("dpdk", "get");
		rte_mempool_put(mp, obj);
	}
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

static PAD_SAMPLE double
rte_mbuf(void *p)
{
	struct rte_mempool *mp = p;
	struct rte_mbuf *m[BURST];
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < pad_bursts; i++) {
		if (rte_pktmbuf_alloc_bulk(mp, m, BURST) != 0)
			broken("dpdk", "pktmbuf_alloc_bulk");
		rte_pktmbuf_free_bulk(m, BURST);
	}
	probe_seen = (uintptr_t)m;
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}

static PAD_SAMPLE double
rte_mbuf1(void *p)
{
	struct rte_mempool *mp = p;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			broken("dpdk", "pktmbuf_alloc");
		rte_pktmbuf_free(m);
	}
	return (cpu_ns() - t0) / OBJS_PER_SAMPLE;
}
#endif

static int have_dpdk;

/* ---------------------------------------------------------------- placement */

/* The page offsets of the caches' top windows (BURST pointers below the length
 * a cache rests at between a put and the next get), and their names. */
static struct pad_bands win;

static void
note_window(const char *name, void *const *objs, unsigned int len)
{
	if (len >= BURST)
		pad_note(&win, name, (uintptr_t)&objs[len - BURST], BURST * sizeof(void *));
}

/* ---------------------------------------------------------------- driver */

static void
compare(const char *what, int placed, pad_sample_fn hf, void *hp, pad_sample_fn rf, void *rp)
{
	double hs[SAMPLES] = {0}, rs[SAMPLES] = {0}, warm;
	struct pad_side h = pad_side(bench_side(0), hf, hp);
	struct pad_side d = pad_side(have_dpdk && bench_side(1), rf, rp);

	if (!bench_wanted(what))
		return;
	if (placed) {
		pad_place(&h);
		pad_place(&d);
	}
	pad_pair(&h, &d, 0, &warm, &warm); /* warm-up */
	for (int s = 0; s < SAMPLES; s++)
		pad_pair(&h, &d, s, &hs[s], &rs[s]);
	if (bench_env_on("HM_BENCH_VERBOSE"))
		pad_verbose(placed, &h, &d, hs, rs, have_dpdk);
	bench_row(what, h.f != NULL ? median(hs) : BENCH_NAN, d.f != NULL ? median(rs) : BENCH_NAN,
		  "ns/object", bench_backend(), "cpu");
}

/* HM_BENCH_SWEEP=step: the cached bulk workload and its floor with the burst
 * arrays at every @p step bytes of a page, one SWEEP line per offset, each
 * figure the median of SAMPLES interleaved samples. */
static void
sweep(unsigned int step, struct hm_mempool *hc, void *rc)
{
	unsigned int keep = caller_off;
#ifdef HM_BENCH_DPDK
	pad_sample_fn rf = rte_bulk;
#else
	pad_sample_fn rf = NULL;
#endif

	for (unsigned int off = 0; off < 4096; off += step) {
		double h[SAMPLES], f[SAMPLES], d[SAMPLES] = {0};
		struct pad_side hs = pad_side(1, hm_bulk, hc), fs = pad_side(1, floor_bulk, NULL);
		struct pad_side ds = pad_side(have_dpdk, rf, rc);

		caller_off = off;
		pad_place(&hs);
		pad_place(&fs);
		pad_place(&ds);
		for (int s = 0; s < SAMPLES; s++) {
			if (ds.f != NULL && s % 2 == 1)
				d[s] = pad_run(&ds);
			h[s] = pad_run(&hs);
			f[s] = pad_run(&fs);
			if (ds.f != NULL && s % 2 == 0)
				d[s] = pad_run(&ds);
		}
		printf("SWEEP|%u|hugemem %.3f|floor %.3f|dpdk %.3f\n", off, median(h), median(f),
		       have_dpdk ? median(d) : 0.0);
	}
	caller_off = keep;
}

int
main(void)
{
	struct hm_mempool *hc, *hn, *hmb;
	struct hm_config c;
	void *rc_ = NULL, *rn_ = NULL, *rmb_ = NULL;
	unsigned int near;
	int cpu;

	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu = pin_self();
#ifdef HM_BENCH_DPDK
	have_dpdk = bench_dpdk_start("bench_mempool", cpu, 0, 64);
	if (have_dpdk) {
		rc_ = rte_mempool_create("bc", POOL_N, 64, CACHE, 0, NULL, NULL, NULL, NULL,
					 SOCKET_ID_ANY, 0);
		rn_ = rte_mempool_create("bn", POOL_N, 64, 0, 0, NULL, NULL, NULL, NULL,
					 SOCKET_ID_ANY, 0);
		rmb_ = rte_pktmbuf_pool_create("bm", POOL_N, CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
		if (rc_ == NULL || rn_ == NULL || rmb_ == NULL) {
			bench_note("dpdk: not compared: pool creation failed (%s)",
				   rte_strerror(rte_errno));
			have_dpdk = 0;
		} else {
			printf("dpdk: ops %s\n", rte_mempool_get_ops(((struct rte_mempool *)rc_)->ops_index)->name);
		}
	}
#else
	bench_note("dpdk: not built (configure with -Ddpdk_compare=enabled and libdpdk-dev)");
#endif
	bench_say_flags("bench_mempool");
	bench_hm_config(&c, "hmbenchmp", 0, NULL, 64);
	if (hm_init_config(&c) < 0) {
		fprintf(stderr, "bench_mempool: hm_init: %s\n", hm_last_error());
		return 1;
	}
	hm_log_set_level(HM_LOG_ERR); /* the sizing warning on machines with many CPUs */
	hc = hm_mempool_create("bc", POOL_N, 64, CACHE, 0, NULL, NULL, NULL, NULL,
			       HM_SOCKET_ID_ANY, 0);
	hn = hm_mempool_create("bn", POOL_N, 64, 0, 0, NULL, NULL, NULL, NULL,
			       HM_SOCKET_ID_ANY, 0);
	hmb = hm_pktmbuf_pool_create("bm", POOL_N, CACHE, 0, HM_MBUF_DEFAULT_BUF_SIZE,
				     HM_SOCKET_ID_ANY);
	if (hc == NULL || hn == NULL || hmb == NULL) {
		fprintf(stderr, "bench_mempool: pool creation: %s\n", hm_last_error());
		return 1;
	}
	printf("hugemem: %s backend --in-memory, ops %s, lcore %u; pinned to cpu %d; "
	       "median of %d samples of %u objects, ns per object\n", bench_backend(),
	       hm_mempool_ops_name(hc), hm_lcore_id(), cpu, SAMPLES, OBJS_PER_SAMPLE);

	/* where each cache rests after a round (as a warm-up leaves it) */
	hm_bulk(hc);
	hm_mbuf(hmb);
	floor_bulk(NULL);
	note_window("hugemem cache", hm_mempool_default_cache(hc, hm_lcore_id())->objs,
		    hm_mempool_default_cache(hc, hm_lcore_id())->len);
	note_window("hugemem pktmbuf cache", hm_mempool_default_cache(hmb, hm_lcore_id())->objs,
		    hm_mempool_default_cache(hmb, hm_lcore_id())->len);
	note_window("floor", floor_cache.objs, floor_cache.len);
#ifdef HM_BENCH_DPDK
	if (have_dpdk) {
		struct rte_mempool_cache *d;

		rte_bulk(rc_);
		rte_mbuf(rmb_);
		d = rte_mempool_default_cache(rc_, rte_lcore_id());
		note_window("dpdk cache", d->objs, d->len);
		d = rte_mempool_default_cache(rmb_, rte_lcore_id());
		note_window("dpdk pktmbuf cache", d->objs, d->len);
	}
#endif
	caller_off = pad_choose(&win, BURST * sizeof(void *), &near);
	if (pad_env_off("bench_mempool") < 0)
		return 1;
	printf("burst arrays at page offset %u for every sample of both libraries; caches' top "
	       "windows (%zu bytes) at", caller_off, BURST * sizeof(void *));
	pad_print(&win);
	printf("\n");
	if (pad_sweep_step() != 0)
		sweep(pad_sweep_step(), hc, rc_);

#ifdef HM_BENCH_DPDK
	compare("mempool get+put bulk 32, cache 256", 1, hm_bulk, hc, rte_bulk, rc_);
	compare("mempool get+put bulk 32, cache 256: floor (a bare LIFO in C, same flags)",
		1, floor_bulk, NULL, rte_bulk, rc_);
	compare("mempool get+put single, cache 256", 0, hm_single, hc, rte_single, rc_);
	compare("mempool get+put bulk 32, no cache", 1, hm_bulk, hn, rte_bulk, rn_);
	compare("pktmbuf alloc_bulk+free_bulk 32, cache 256", 1, hm_mbuf, hmb, rte_mbuf, rmb_);
	compare("pktmbuf alloc+free single, cache 256", 0, hm_mbuf1, hmb, rte_mbuf1, rmb_);
#else
	compare("mempool get+put bulk 32, cache 256", 1, hm_bulk, hc, NULL, NULL);
	compare("mempool get+put bulk 32, cache 256: floor (a bare LIFO in C, same flags)",
		1, floor_bulk, NULL, NULL, NULL);
	compare("mempool get+put single, cache 256", 0, hm_single, hc, NULL, NULL);
	compare("mempool get+put bulk 32, no cache", 1, hm_bulk, hn, NULL, NULL);
	compare("pktmbuf alloc_bulk+free_bulk 32, cache 256", 1, hm_mbuf, hmb, NULL, NULL);
	compare("pktmbuf alloc+free single, cache 256", 0, hm_mbuf1, hmb, NULL, NULL);
#endif
	(void)rc_;
	(void)rn_;
	(void)rmb_;

	hm_mempool_free(hc);
	hm_mempool_free(hn);
	hm_mempool_free(hmb);
	hm_cleanup();
#ifdef HM_BENCH_DPDK
	if (have_dpdk) {
		rte_mempool_free(rc_);
		rte_mempool_free(rn_);
		rte_mempool_free(rmb_);
		rte_eal_cleanup();
	}
#endif
	return 0;
}
