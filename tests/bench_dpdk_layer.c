/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the DPDK layer costs on the fast paths (meson test --benchmark
 * dpdk-layer): the same ring, pool and mbuf pool driven through DPDK's names
 * (rte_ring_enqueue_bulk / dequeue_bulk, rte_mempool_put_bulk / get_bulk,
 * rte_pktmbuf_alloc / free) and through hugemem's own (hm_ring_*,
 * hm_mempool_*, hm_pktmbuf_*): struct rte_ring is struct hm_ring, so both
 * columns touch the same memory. Figures are ns of thread CPU time per object,
 * one thread pinned, median of SAMPLES samples, the two columns' samples
 * interleaved and alternating which goes first; "ratio" = layer / hugemem
 * (1.00: the layer costs nothing). Instruction counts per column:
 * valgrind --tool=cachegrind, then cg_annotate (docs/performance.md).
 * Never fails on a number; exits 1 only when an operation returns a wrong
 * count.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "hugemem/mbuf.h"
#include "hugemem/mempool.h"
#include "hugemem/ring.h"

#define SAMPLES 11
#include "bench_common.h"

#define BURST 32
/* bursts per sample: ~16 ms of mbufs, ~8 ms of ring or pool operations (shorter
 * samples moved by several % at load 15) */
#define ITERS (1u << 17)
#define FAST_ITERS (ITERS * 8)

static void
broken(const char *what)
{
	fprintf(stderr, "bench_dpdk_layer: %s\n", what);
	exit(1);
}

static struct rte_ring *ring;
static struct rte_mempool *pool, *mbufs;
static void *objs[BURST];

/* Each column copies the object pointer into a local first: a global one is
 * reloaded after every store into objs (which may alias it), a cost of the
 * benchmark, not of either API. */
/* Every column starts on a 64-byte boundary, so that two columns compiled to the
 * same instructions also put their loops at the same offsets in the cache lines
 * and fetch blocks (otherwise the placement alone moved the pktmbuf ratio by a
 * few %). */
#define COLUMN static __attribute__((noinline, aligned(64))) double

COLUMN
ring_rte(void)
{
	struct rte_ring *r = ring;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < FAST_ITERS; i++) {
		if (rte_ring_enqueue_bulk(r, objs, BURST, NULL) != BURST ||
		    rte_ring_dequeue_bulk(r, objs, BURST, NULL) != BURST)
			broken("rte ring bulk");
	}
	return (cpu_ns() - t0) / ((double)FAST_ITERS * BURST);
}

COLUMN
ring_hm(void)
{
	struct hm_ring *r = (struct hm_ring *)(void *)ring;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < FAST_ITERS; i++) {
		if (hm_ring_enqueue_bulk(r, objs, BURST, NULL) != BURST ||
		    hm_ring_dequeue_bulk(r, objs, BURST, NULL) != BURST)
			broken("hm ring bulk");
	}
	return (cpu_ns() - t0) / ((double)FAST_ITERS * BURST);
}

COLUMN
pool_rte(void)
{
	struct rte_mempool *mp = pool;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < FAST_ITERS; i++) {
		if (rte_mempool_get_bulk(mp, objs, BURST) != 0)
			broken("rte mempool get");
		rte_mempool_put_bulk(mp, objs, BURST);
	}
	return (cpu_ns() - t0) / ((double)FAST_ITERS * BURST);
}

COLUMN
pool_hm(void)
{
	struct hm_mempool *mp = (struct hm_mempool *)(void *)pool;
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < FAST_ITERS; i++) {
		if (hm_mempool_get_bulk(mp, objs, BURST) != 0)
			broken("hm mempool get");
		hm_mempool_put_bulk(mp, objs, BURST);
	}
	return (cpu_ns() - t0) / ((double)FAST_ITERS * BURST);
}

COLUMN
mbuf_rte(void)
{
	struct rte_mempool *mp = mbufs;
	struct rte_mbuf *m[BURST];
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < ITERS; i++) {
		for (unsigned int k = 0; k < BURST; k++)
			if ((m[k] = rte_pktmbuf_alloc(mp)) == NULL)
				broken("rte_pktmbuf_alloc");
		for (unsigned int k = 0; k < BURST; k++)
			rte_pktmbuf_free(m[k]);
	}
	return (cpu_ns() - t0) / ((double)ITERS * BURST);
}

COLUMN
mbuf_hm(void)
{
	struct hm_mempool *mp = (struct hm_mempool *)(void *)mbufs;
	struct hm_mbuf *m[BURST];
	double t0 = cpu_ns();

	for (unsigned int i = 0; i < ITERS; i++) {
		for (unsigned int k = 0; k < BURST; k++)
			if ((m[k] = hm_pktmbuf_alloc(mp)) == NULL)
				broken("hm_pktmbuf_alloc");
		for (unsigned int k = 0; k < BURST; k++)
			hm_pktmbuf_free(m[k]);
	}
	return (cpu_ns() - t0) / ((double)ITERS * BURST);
}

static void
compare(const char *what, double (*layer)(void), double (*own)(void))
{
	double a[SAMPLES], b[SAMPLES];

	layer(); /* warm-up */
	own();
	for (int s = 0; s < SAMPLES; s++) {
		if (s & 1) {
			b[s] = own();
			a[s] = layer();
		} else {
			a[s] = layer();
			b[s] = own();
		}
	}
	double ma = median(a), mb = median(b);
	printf("%-44s %8.2f %8.2f %6.2f\n", what, ma, mb, ma / mb);
}

int
main(int argc, char **argv)
{
	char *args[] = { argv[0], (char *)"-l", (char *)"0", (char *)"--no-huge", NULL };

	(void)argc;
	if (rte_eal_init(4, args) < 0)
		broken(rte_strerror(rte_errno));
	ring = rte_ring_create("bench", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	pool = rte_mempool_create("bench", 8191, 64, 256, 0, NULL, NULL, NULL, NULL,
				  SOCKET_ID_ANY, 0);
	mbufs = rte_pktmbuf_pool_create("bench_mbuf", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	if (ring == NULL || pool == NULL || mbufs == NULL)
		broken("setup");
	for (unsigned int i = 0; i < BURST; i++)
		objs[i] = (void *)(uintptr_t)(i + 1);
	printf("DPDK layer vs hugemem's own API, ns per object (median of %d)\n", SAMPLES);
	printf("%-44s %8s %8s %6s\n", "path", "rte_*", "hm_*", "ratio");
	compare("ring SP/SC bulk-32 enqueue+dequeue", ring_rte, ring_hm);
	for (unsigned int i = 0; i < BURST; i++)
		objs[i] = NULL;
	compare("mempool bulk-32 get+put (lcore cache)", pool_rte, pool_hm);
	compare("pktmbuf alloc+free x32", mbuf_rte, mbuf_hm);
	rte_ring_free(ring);
	rte_mempool_free(pool);
	rte_mempool_free(mbufs);
	rte_eal_cleanup();
	return 0;
}
