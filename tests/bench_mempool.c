/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarks (meson test --benchmark) of the mempool and mbuf fast paths, side
 * by side with DPDK 22.11's rte_mempool / rte_pktmbuf in the same process when
 * built with -Ddpdk_compare (HM_BENCH_DPDK). Figures are ns per object (per
 * mbuf), never per burst. Method (docs/performance.md): the thread is pinned to
 * one CPU and is lcore 0 of both libraries; each workload has one untimed
 * warm-up round; a sample times 2^20 objects; the median of 5 samples is
 * printed; the samples of the two libraries are interleaved, alternating which
 * runs first.
 *
 *   1. get_bulk(32) + put_bulk(32) through a per-lcore cache of 256 (pool 8191
 *      objects of 64 B, ring_mp_mc);
 *   2. get(1) + put(1) through the same cache;
 *   3. get_bulk(32) + put_bulk(32) without a cache (the ring each time);
 *   4. pktmbuf alloc_bulk(32) + free_bulk(32), cache 256, default buffers.
 *
 * Output: one line per figure, "ratio" = hugemem time / DPDK time (below 1:
 * hugemem is faster). Never fails on a number; exits 1 only when an operation
 * fails. DPDK runs with --no-huge (a pool's speed does not depend on the page
 * size and the machine may have no hugepages); if rte_eal_init still fails, the
 * reason is printed and only the hugemem side runs. HM_BENCH_NO_DPDK=1 skips
 * DPDK at run time.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"

#ifdef HM_BENCH_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_version.h>
#endif

#define SAMPLES 5

#include "bench_common.h"
#define OBJS_PER_SAMPLE (1u << 20)
#define POOL_N 8191
#define CACHE 256
#define BURST 32

static void
broken(const char *who, const char *what)
{
	fprintf(stderr, "bench_mempool: %s: %s failed\n", who, what);
	exit(1);
}

/* One workload on one library: ns per object for OBJS_PER_SAMPLE objects. */
typedef double (*run_fn)(void *pool);

/* ---------------------------------------------------------------- hugemem */

static double
hm_bulk(void *p)
{
	struct hm_mempool *mp = p;
	void *objs[BURST];
	double t0 = now_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE / BURST; i++) {
		if (hm_mempool_get_bulk(mp, objs, BURST) != 0)
			broken("hugemem", "get_bulk");
		hm_mempool_put_bulk(mp, objs, BURST);
	}
	return (now_ns() - t0) / OBJS_PER_SAMPLE;
}

static double
hm_single(void *p)
{
	struct hm_mempool *mp = p;
	void *obj;
	double t0 = now_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE; i++) {
		if (hm_mempool_get(mp, &obj) != 0)
			broken("hugemem", "get");
		hm_mempool_put(mp, obj);
	}
	return (now_ns() - t0) / OBJS_PER_SAMPLE;
}

static double
hm_mbuf(void *p)
{
	struct hm_mempool *mp = p;
	struct hm_mbuf *m[BURST];
	double t0 = now_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE / BURST; i++) {
		if (hm_pktmbuf_alloc_bulk(mp, m, BURST) != 0)
			broken("hugemem", "pktmbuf_alloc_bulk");
		hm_pktmbuf_free_bulk(m, BURST);
	}
	return (now_ns() - t0) / OBJS_PER_SAMPLE;
}

/* ---------------------------------------------------------------- DPDK */

#ifdef HM_BENCH_DPDK
static double
rte_bulk(void *p)
{
	struct rte_mempool *mp = p;
	void *objs[BURST];
	double t0 = now_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE / BURST; i++) {
		if (rte_mempool_get_bulk(mp, objs, BURST) != 0)
			broken("dpdk", "get_bulk");
		rte_mempool_put_bulk(mp, objs, BURST);
	}
	return (now_ns() - t0) / OBJS_PER_SAMPLE;
}

static double
rte_single(void *p)
{
	struct rte_mempool *mp = p;
	void *obj;
	double t0 = now_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE; i++) {
		if (rte_mempool_get(mp, &obj) != 0)
			broken("dpdk", "get");
		rte_mempool_put(mp, obj);
	}
	return (now_ns() - t0) / OBJS_PER_SAMPLE;
}

static double
rte_mbuf(void *p)
{
	struct rte_mempool *mp = p;
	struct rte_mbuf *m[BURST];
	double t0 = now_ns();

	for (unsigned int i = 0; i < OBJS_PER_SAMPLE / BURST; i++) {
		if (rte_pktmbuf_alloc_bulk(mp, m, BURST) != 0)
			broken("dpdk", "pktmbuf_alloc_bulk");
		rte_pktmbuf_free_bulk(m, BURST);
	}
	return (now_ns() - t0) / OBJS_PER_SAMPLE;
}

static int have_dpdk;
#endif

/* ---------------------------------------------------------------- driver */

static void
compare(const char *what, run_fn hf, void *hp, run_fn rf, void *rp)
{
	double hs[SAMPLES], rs[SAMPLES];

	(void)rf;
	(void)rp;
	hf(hp); /* warm-up */
#ifdef HM_BENCH_DPDK
	if (have_dpdk)
		rf(rp);
#endif
	for (int s = 0; s < SAMPLES; s++) {
#ifdef HM_BENCH_DPDK
		if (have_dpdk && s % 2 == 1)
			rs[s] = rf(rp);
#endif
		hs[s] = hf(hp);
#ifdef HM_BENCH_DPDK
		if (have_dpdk && s % 2 == 0)
			rs[s] = rf(rp);
#endif
	}
	double h = median(hs);
#ifdef HM_BENCH_DPDK
	if (have_dpdk) {
		double r = median(rs);
		printf("%-44s hugemem %6.2f ns  dpdk %6.2f ns  ratio %.2f\n", what, h, r, h / r);
		return;
	}
#endif
	(void)rs;
	printf("%-44s hugemem %6.2f ns\n", what, h);
}

#ifdef HM_BENCH_DPDK
static void
dpdk_start(int cpu)
{
	char lcores[16];
	char *argv[] = {
		"bench_mempool", "-l", lcores, "--no-pci", "--no-huge", "-m", "512",
		"--file-prefix=hmbenchmp", "--no-telemetry", "--log-level=error", NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	const char *skip = getenv("HM_BENCH_NO_DPDK");

	if (skip != NULL && *skip != '\0' && strcmp(skip, "0") != 0) {
		printf("dpdk: skipped (HM_BENCH_NO_DPDK)\n");
		return;
	}
	snprintf(lcores, sizeof(lcores), "%d", cpu < 0 ? 0 : cpu);
	if (rte_eal_init(argc, argv) < 0) {
		printf("dpdk: rte_eal_init failed (%s): running the hugemem side only\n",
		       rte_strerror(rte_errno));
		return;
	}
	have_dpdk = 1;
	printf("dpdk: %s, EAL -l %s --no-pci --no-huge -m 512, lcore %u\n", rte_version(),
	       lcores, rte_lcore_id());
}
#endif

int
main(void)
{
	struct hm_mempool *hc, *hn, *hmb;
	struct hm_config c;
	void *rc_ = NULL, *rn_ = NULL, *rmb_ = NULL;
	int cpu;

	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu = pin_self();
#ifdef HM_BENCH_DPDK
	dpdk_start(cpu);
	if (have_dpdk) {
		rc_ = rte_mempool_create("bc", POOL_N, 64, CACHE, 0, NULL, NULL, NULL, NULL,
					 SOCKET_ID_ANY, 0);
		rn_ = rte_mempool_create("bn", POOL_N, 64, 0, 0, NULL, NULL, NULL, NULL,
					 SOCKET_ID_ANY, 0);
		rmb_ = rte_pktmbuf_pool_create("bm", POOL_N, CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
		if (rc_ == NULL || rn_ == NULL || rmb_ == NULL) {
			printf("dpdk: pool creation failed (%s): hugemem side only\n",
			       rte_strerror(rte_errno));
			have_dpdk = 0;
		} else {
			printf("dpdk: ops %s\n", rte_mempool_get_ops(((struct rte_mempool *)rc_)->ops_index)->name);
		}
	}
#else
	printf("dpdk: not built (configure with -Ddpdk_compare=enabled and libdpdk-dev)\n");
#endif
	hm_config_init(&c);
	c.memory = 256ULL << 20;
	c.in_memory = true;
	c.file_prefix = "hmbenchmp";
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
	printf("hugemem: emu backend, -m 256 --in-memory, ops %s, lcore %u; pinned to cpu %d; "
	       "median of %d samples of %u objects, ns per object\n", hm_mempool_ops_name(hc),
	       hm_lcore_id(), cpu, SAMPLES, OBJS_PER_SAMPLE);

#ifdef HM_BENCH_DPDK
	compare("mempool get+put bulk 32, cache 256", hm_bulk, hc, rte_bulk, rc_);
	compare("mempool get+put single, cache 256", hm_single, hc, rte_single, rc_);
	compare("mempool get+put bulk 32, no cache", hm_bulk, hn, rte_bulk, rn_);
	compare("pktmbuf alloc_bulk+free_bulk 32, cache 256", hm_mbuf, hmb, rte_mbuf, rmb_);
#else
	compare("mempool get+put bulk 32, cache 256", hm_bulk, hc, NULL, NULL);
	compare("mempool get+put single, cache 256", hm_single, hc, NULL, NULL);
	compare("mempool get+put bulk 32, no cache", hm_bulk, hn, NULL, NULL);
	compare("pktmbuf alloc_bulk+free_bulk 32, cache 256", hm_mbuf, hmb, NULL, NULL);
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
