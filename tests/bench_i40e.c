/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark (meson test --benchmark; scripts/bench-table.py for the table) of the
 * i40e RX driver over the fake NIC.
 *
 *   1. Driver cycles per packet inside rx_burst(32), refills included, on every
 *      RX path: the stepped device writes 960 frames of 64 bytes into a
 *      1024-descriptor ring (32-byte descriptors; untimed), then rx_burst(32)
 *      drains them, timed with the TSC around the whole drain; the mbufs are
 *      freed after the timing (pool of 4096 with a 256-mbuf per-lcore cache, as
 *      DPDK's pmd_perf uses). Two states of the memory the driver reads:
 *        hot:     after the device wrote, the descriptors and the headers of
 *                 the 960 mbufs receiving the frames are read once (in cache);
 *        flushed: they are clflushed instead (as after a real NIC's DMA, with
 *                 mbuf headers last touched a ring ago); the software ring,
 *                 the queue struct and the pool's cache are left as they are.
 *      A sample is one drain of 960 packets (~10 µs: rarely preempted); the row
 *      gives the minimum over ROUNDS samples, in TSC cycles per packet.
 *   2. End to end: the device in its own thread (back-pressure, no drops)
 *      feeding 2 M frames of 64 bytes, the driver receiving in this thread;
 *      Mpps over the wall time, with the load average beside it.
 *
 * Goals (issue #19, descriptors flushed): bulk <= 15, scalar <= 20 cycles per
 * packet, vector <= 10; DPDK's published figures (perf-anchors.md): vector 34,
 * scalar 51 with a real NIC. HM_BENCH_I40E_ISA=sse|avx2 picks the vector
 * path's instruction set (default: the driver's choice). Never fails on a number; exits 1 when a packet is
 * missing or setup fails.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

#define SAMPLES 5

#include "bench_common.h"
#define ROUNDS 200
#define NB_DESC 1024u
#define DESC_SIZE 32u
#define PER_ROUND 960u
#define BURST 32u
#define E2E_PACKETS 2000000ull
#define LINE 64u

static inline uint64_t
tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint64_t t;
	__builtin_ia32_lfence();
	t = __builtin_ia32_rdtsc();
	__builtin_ia32_lfence();
	return t;
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}

static inline void
flush_line(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_clflush(p);
#else
	(void)p;
#endif
}

static volatile uint64_t sink;

/* TSC ticks per ns, measured against CLOCK_MONOTONIC over 20 ms. */
static double
tsc_ghz(void)
{
	double w0 = wall_ns();
	uint64_t t0 = tsc();

	while (wall_ns() - w0 < 20e6)
		;
	return (double)(tsc() - t0) / (wall_ns() - w0);
}

static struct hm_traffic_gen *
gen_64(uint64_t count)
{
	struct hm_traffic_gen_conf gc;
	hm_traffic_gen_conf_init(&gc);
	gc.count = count;
	gc.flows = 256;
	return hm_traffic_gen_create(&gc);
}

enum state { HOT, FLUSHED };

struct rig {
	struct hm_nic *nic;
	struct hm_mempool *mp;
	struct hm_traffic_gen *g;
	struct hm_i40e_rxq *rxq;
	uint8_t *ring;            /* descriptor ring */
	unsigned int pos;         /* next descriptor the device writes */
	struct hm_mbuf *m[PER_ROUND]; /* the mbufs receiving the next round */
};

/* The mbufs armed in descriptors [pos, pos + PER_ROUND): read before the device
 * overwrites their addresses. @return 0, or -1 when an address is not an mbuf's. */
static int
armed_mbufs(struct rig *r)
{
	for (unsigned int i = 0; i < PER_ROUND; i++) {
		const uint8_t *d = r->ring + (size_t)((r->pos + i) % NB_DESC) * DESC_SIZE;
		hm_iova_t iova = hm_i40e_rx_desc_qw_get(d, 0);
		char *va = hm_mem_iova2virt(iova);
		struct hm_mbuf *m;

		if (va == NULL)
			return -1;
		m = (struct hm_mbuf *)(void *)(va - HM_PKTMBUF_HEADROOM - sizeof(struct hm_mbuf));
		if (m->buf_iova + HM_PKTMBUF_HEADROOM != iova || m->priv_size != 0)
			return -1;
		r->m[i] = m;
	}
	return 0;
}

/* Bring the descriptors of the round and its mbuf headers into cache, or flush them. */
static void
prepare(struct rig *r, enum state st)
{
	uint64_t acc = 0;

	for (unsigned int i = 0; i < PER_ROUND; i++) {
		const uint8_t *d = r->ring + (size_t)((r->pos + i) % NB_DESC) * DESC_SIZE;
		const uint8_t *m = (const uint8_t *)r->m[i];

		if (st == FLUSHED) {
			if (i % (LINE / DESC_SIZE) == 0)
				flush_line(d);
			flush_line(m);
			flush_line(m + LINE);
		} else {
			acc += *(const volatile uint64_t *)(const void *)(d + 8);
			acc += *(const volatile uint64_t *)(const void *)m;
			acc += *(const volatile uint64_t *)(const void *)(m + LINE);
		}
	}
	sink += acc;
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_mfence();
#endif
}

/* One round: the device writes PER_ROUND frames, the driver drains them.
 * @return TSC ticks of the drain, or 0 when a packet is missing. */
static uint64_t
round_cycles(struct rig *r, enum state st, struct hm_mbuf **held)
{
	unsigned int got = 0;
	uint64_t t0, t1;

	if (armed_mbufs(r) < 0) {
		fprintf(stderr, "bench_i40e: a descriptor's address is not an mbuf's\n");
		return 0;
	}
	if (hm_nic_step(r->nic, hm_traffic_gen_source(r->g), PER_ROUND) != (int)PER_ROUND)
		return 0;
	prepare(r, st);
	t0 = tsc();
	while (got < PER_ROUND) {
		uint16_t n = hm_i40e_rx_burst(r->rxq, held + got, BURST);
		if (n == 0)
			break;
		got += n;
	}
	t1 = tsc();
	hm_pktmbuf_free_bulk(held, got);
	r->pos = (r->pos + PER_ROUND) % NB_DESC;
	return got == PER_ROUND ? t1 - t0 : 0;
}

/*
 * The memory floor of a round: what any driver must touch per packet, and
 * nothing else: read the descriptor's status word and write the first line of
 * the mbuf's header, software-prefetched 32 packets ahead (what the driver's
 * paths cannot beat with the same memory state). The driver then drains the
 * round untimed. @return TSC ticks of the floor loop, or 0.
 */
static uint64_t
round_floor(struct rig *r, enum state st, struct hm_mbuf **held)
{
	unsigned int got = 0;
	uint64_t t0, t1, acc = 0;

	if (armed_mbufs(r) < 0)
		return 0;
	if (hm_nic_step(r->nic, hm_traffic_gen_source(r->g), PER_ROUND) != (int)PER_ROUND)
		return 0;
	prepare(r, st);
	t0 = tsc();
	for (unsigned int i = 0; i < PER_ROUND; i++) {
		const uint8_t *d = r->ring + (size_t)((r->pos + i) % NB_DESC) * DESC_SIZE;

		if (i + 32 < PER_ROUND) {
			__builtin_prefetch(r->ring + (size_t)((r->pos + i + 32) % NB_DESC) * DESC_SIZE);
			__builtin_prefetch(r->m[i + 32], 1);
		}
		acc += hm_i40e_rx_desc_qw1_load(d);
		r->m[i]->ol_flags = acc;
	}
	t1 = tsc();
	sink += acc;
	while (got < PER_ROUND) {
		uint16_t n = hm_i40e_rx_burst(r->rxq, held + got, BURST);
		if (n == 0)
			break;
		got += n;
	}
	for (unsigned int i = 0; i < got; i++)
		held[i]->ol_flags = 0;
	hm_pktmbuf_free_bulk(held, got);
	r->pos = (r->pos + PER_ROUND) % NB_DESC;
	return got == PER_ROUND ? t1 - t0 : 0;
}

static void
rig_fini(struct rig *r)
{
	hm_i40e_rxq_release(r->rxq);
	hm_nic_free(r->nic);
	hm_traffic_gen_free(r->g);
	if (r->mp != NULL)
		hm_mempool_free(r->mp);
}

/* The vector path's instruction set: $HM_BENCH_I40E_ISA sse or avx2 (else
 * what the driver picks, AVX2 when the CPU has it). */
static enum hm_i40e_vec_isa
bench_vec_isa(void)
{
	const char *v = getenv("HM_BENCH_I40E_ISA");

	if (v != NULL && strcmp(v, "sse") == 0)
		return HM_I40E_VEC_SSE42;
	if (v != NULL && strcmp(v, "avx2") == 0)
		return HM_I40E_VEC_AVX2;
	return HM_I40E_VEC_AUTO;
}

/* Cycles per packet, hot and flushed, for @p path (or the memory floor when
 * @p floor). @return 0 or 1 (broken). */
static int
bench_driver(enum hm_i40e_rx_path path, int floor, double cpp[2])
{
	static struct hm_mbuf *held[PER_ROUND + BURST];
	struct hm_i40e_rxq_info info;
	struct hm_i40e_rxq_conf qc;
	struct hm_nic_conf nc;
	struct rig r;
	double s[2][ROUNDS], med[2];
	int rc = 1;

	memset(&r, 0, sizeof(r));
	hm_nic_conf_init(&nc);
	r.nic = hm_nic_create(&nc);
	r.mp = hm_pktmbuf_pool_create("bench_pool", 4096, 256, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	r.g = gen_64(0);
	if (r.nic == NULL || r.mp == NULL || r.g == NULL)
		goto out;
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = NB_DESC;
	qc.desc_size = DESC_SIZE;
	qc.path = path;
	qc.vec_isa = bench_vec_isa();
	r.rxq = hm_i40e_rxq_setup(r.nic, 0, r.mp, &qc);
	if (r.rxq == NULL || hm_i40e_rxq_start(r.rxq) < 0 ||
	    hm_i40e_rxq_info_get(r.rxq, &info) < 0)
		goto out;
	r.ring = info.ring_mz->addr;
	for (int w = 0; w < 4; w++) /* warm-up */
		if (round_cycles(&r, HOT, held) == 0)
			goto out;
	/* the two states interleaved, round by round */
	for (int i = 0; i < ROUNDS; i++)
		for (int st = 0; st < 2; st++) {
			uint64_t c = floor ? round_floor(&r, (enum state)st, held)
					   : round_cycles(&r, (enum state)st, held);
			if (c == 0)
				goto out;
			s[st][i] = (double)c / PER_ROUND;
		}
	for (int st = 0; st < 2; st++) {
		cpp[st] = minimum(s[st], ROUNDS);
		qsort(s[st], ROUNDS, sizeof(double), cmp_d);
		med[st] = s[st][ROUNDS / 2];
	}
	printf("i40e rx %-9s: hot %5.1f (median %5.1f), flushed %5.1f (median %5.1f) "
	       "cycles/packet\n", floor ? "floor" : hm_i40e_rx_path_name(path), cpp[0], med[0],
	       cpp[1], med[1]);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_i40e: %s path: %s\n", hm_i40e_rx_path_name(path),
			hm_last_error());
	rig_fini(&r);
	return rc;
}

static int
bench_e2e(enum hm_i40e_rx_path path, double *mpps)
{
	static struct hm_mbuf *pkts[BURST];
	struct hm_i40e_rxq_conf qc;
	struct hm_nic_conf nc;
	uint64_t got = 0;
	int rc = 1;

	hm_nic_conf_init(&nc);
	nc.backpressure = true;
	struct hm_nic *nic = hm_nic_create(&nc);
	struct hm_mempool *mp = hm_pktmbuf_pool_create("bench_e2e", 4096, 256, 0,
						       HM_MBUF_DEFAULT_BUF_SIZE, 0);
	struct hm_traffic_gen *g = gen_64(E2E_PACKETS);
	struct hm_i40e_rxq *rxq = NULL;
	if (nic == NULL || mp == NULL || g == NULL)
		goto out;
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = NB_DESC;
	qc.path = path;
	rxq = hm_i40e_rxq_setup(nic, 0, mp, &qc);
	if (rxq == NULL || hm_i40e_rxq_start(rxq) < 0)
		goto out;
	double t0 = wall_ns();
	if (hm_nic_start(nic, hm_traffic_gen_source(g)) < 0)
		goto out;
	unsigned int idle = 0;
	while (got < E2E_PACKETS) {
		uint16_t n = hm_i40e_rx_burst(rxq, pkts, BURST);
		hm_pktmbuf_free_bulk(pkts, n);
		got += n;
		if (n == 0 && ++idle % 64 == 0)
			sched_yield(); /* a shared machine: let the device thread run */
		if (n == 0 && hm_nic_running(nic) == 0) {
			/* the source ended: drain what is left */
			n = hm_i40e_rx_burst(rxq, pkts, BURST);
			hm_pktmbuf_free_bulk(pkts, n);
			got += n;
			if (n == 0)
				break;
		}
	}
	double t1 = wall_ns();
	hm_nic_stop(nic);
	*mpps = (double)got / (t1 - t0) * 1e3;
	rc = got == E2E_PACKETS ? 0 : 1;
	if (rc != 0)
		fprintf(stderr, "bench_i40e: end to end received %" PRIu64 " of %llu\n", got,
			E2E_PACKETS);
out:
	hm_i40e_rxq_release(rxq);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);
	if (mp != NULL)
		hm_mempool_free(mp);
	return rc;
}

int
main(void)
{
	static const enum hm_i40e_rx_path paths[] = {
		HM_I40E_RX_SCALAR, HM_I40E_RX_BULK, HM_I40E_RX_VECTOR, HM_I40E_RX_SCATTERED,
	};
	struct hm_config c;
	cpu_set_t set;
	int bad = 0, cpu;

	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu = pin_self();
	bench_hm_config(&c, "hmbenchi40e", 0, "nodes=1;2M=128;lcores=0@0,1@0", 48);
	if (hm_init_config(&c) < 0) {
		fprintf(stderr, "bench_i40e: init: %s\n", hm_last_error());
		return 1;
	}
	printf("hugemem: %s backend, pinned to cpu %d; 64 B frames, 1024 x 32 B descriptors, "
	       "rx_burst(32); min (and median) of %d drains of %u packets\n", bench_backend(),
	       cpu, ROUNDS, PER_ROUND);
	bench_note("bench_i40e: cycles are TSC ticks (%.2f GHz here)", tsc_ghz());
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char label[96];
		double cpp[2];

		snprintf(label, sizeof(label), "i40e RX 64 B, %s path", hm_i40e_rx_path_name(paths[i]));
		if (!bench_wanted(label))
			continue;
		if (bench_driver(paths[i], 0, cpp) != 0) {
			bad = 1;
			continue;
		}
		snprintf(label, sizeof(label), "i40e RX 64 B, %s path, descriptors hot",
			 hm_i40e_rx_path_name(paths[i]));
		bench_row(label, cpp[0], BENCH_NAN, "cycles/packet", bench_backend(), "tsc-min");
		snprintf(label, sizeof(label), "i40e RX 64 B, %s path, descriptors flushed",
			 hm_i40e_rx_path_name(paths[i]));
		bench_row(label, cpp[1], BENCH_NAN, "cycles/packet", bench_backend(), "tsc-min");
	}
	if (bench_wanted("i40e RX 64 B, memory floor")) {
		double cpp[2];

		if (bench_driver(HM_I40E_RX_BULK, 1, cpp) != 0) {
			bad = 1;
		} else {
			bench_row("i40e RX 64 B, memory floor (status word read, mbuf line written, "
				  "prefetched), descriptors hot", cpp[0], BENCH_NAN, "cycles/packet",
				  bench_backend(), "tsc-min");
			bench_row("i40e RX 64 B, memory floor (status word read, mbuf line written, "
				  "prefetched), descriptors flushed", cpp[1], BENCH_NAN,
				  "cycles/packet", bench_backend(), "tsc-min");
		}
	}
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE && i < 64; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set); /* let the device thread take the other CPU */
	for (size_t i = 0; i < 3; i++) {
		char label[96];
		double mpps;

		snprintf(label, sizeof(label), "i40e RX end to end with the device thread, %s path",
			 hm_i40e_rx_path_name(paths[i]));
		if (!bench_wanted(label))
			continue;
		if (bench_e2e(paths[i], &mpps) != 0) {
			bad = 1;
			continue;
		}
		snprintf(label, sizeof(label), "i40e RX end to end with the device thread, %s path",
			 hm_i40e_rx_path_name(paths[i]));
		bench_row_wall(label, mpps, BENCH_NAN, "Mpps", bench_backend());
	}
	hm_cleanup();
	return bad ? 1 : 0;
}
