/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark (meson test --benchmark) of the i40e TX driver over the fake NIC,
 * and of RX -> TX forwarding (what testpmd's io forwarding does).
 *
 *   1. TX driver cycles per packet inside tx_burst(32): 960 single-segment
 *      64-byte mbufs (allocated untimed) are sent in bursts of 32 into a
 *      1024-descriptor ring, timed with the TSC around the 30 bursts; the
 *      bursts' own cleanup (checking the RS descriptors the device wrote back
 *      and freeing their mbufs to the pool) is part of the timing. Then the
 *      stepped device transmits the 960 frames (untimed, discard sink) and
 *      writes back. Two states of the descriptors the driver checks: hot (as
 *      the device left them, in cache) and flushed (clflushed, as after a real
 *      NIC's DMA write-back). Simple and scalar paths.
 *   2. RX -> TX cycles per packet: the device receives 960 frames into an RX
 *      ring (untimed); then rx_burst(32) and tx_burst of what it returned,
 *      timed together, until the 960 are sent; then the TX device transmits
 *      (untimed). Bulk RX + simple TX, scalar RX + scalar TX. DPDK's published
 *      testpmd io-forward figure on an X710 is about 84 cycles per packet
 *      (RX + TX, docs/performance.md).
 *   3. The transmit engine itself: frames per second the stepped device takes
 *      off a full ring and discards (wall time).
 * A sample is one round of 960 packets (~10-40 us, rarely preempted); each row
 * gives the minimum over ROUNDS samples. Rows are printed as
 *   ROW|workload|hugemem|-|unit|backend|timing
 * (the format scripts/bench-table.py reads) after a readable line.
 * The thread is pinned; an untimed warm-up round runs first. Never fails on a
 * number; exits 1 when a packet is missing or setup fails.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_tx.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/traffic.h"

#define ROUNDS 200
#define NB_DESC 1024u
#define PER_ROUND 960u
#define BURST 32u
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

static double
wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
loadavg1(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static void
flush_range(const void *p, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	for (size_t o = 0; o < len; o += LINE)
		__builtin_ia32_clflush((const char *)p + o);
	__builtin_ia32_mfence();
#else
	(void)p;
	(void)len;
#endif
}

struct rig {
	struct hm_nic *rx_nic, *tx_nic;
	struct hm_mempool *mp;
	struct hm_i40e_rxq *rxq;
	struct hm_i40e_txq *txq;
	struct hm_traffic_gen *gen;
	const struct hm_memzone *tx_ring;
};

static void
rig_free(struct rig *r)
{
	hm_i40e_rxq_release(r->rxq);
	hm_i40e_txq_release(r->txq);
	hm_nic_free(r->rx_nic);
	hm_nic_free(r->tx_nic);
	hm_traffic_gen_free(r->gen);
	if (r->mp != NULL)
		hm_mempool_free(r->mp);
	memset(r, 0, sizeof(*r));
}

static int
rig_init(struct rig *r, enum hm_i40e_rx_path rx_path, enum hm_i40e_tx_path tx_path)
{
	struct hm_nic_conf nc;
	struct hm_i40e_txq_conf tq;
	struct hm_i40e_txq_info ti;

	memset(r, 0, sizeof(*r));
	hm_nic_conf_init(&nc);
	r->tx_nic = hm_nic_create(&nc);
	r->mp = hm_pktmbuf_pool_create("bench_tx", 8192, 256, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	if (r->tx_nic == NULL || r->mp == NULL)
		return -1;
	hm_i40e_txq_conf_init(&tq);
	tq.nb_desc = NB_DESC;
	tq.path = tx_path;
	r->txq = hm_i40e_txq_setup(r->tx_nic, 0, &tq);
	if (r->txq == NULL || hm_i40e_txq_start(r->txq) < 0 ||
	    hm_i40e_txq_info_get(r->txq, &ti) < 0)
		return -1;
	r->tx_ring = ti.ring_mz;
	if (rx_path != HM_I40E_RX_AUTO) {
		struct hm_i40e_rxq_conf rq;
		struct hm_traffic_gen_conf gc;
		r->rx_nic = hm_nic_create(&nc);
		hm_traffic_gen_conf_init(&gc);
		gc.flows = 256;
		r->gen = hm_traffic_gen_create(&gc);
		hm_i40e_rxq_conf_init(&rq);
		rq.nb_desc = NB_DESC;
		rq.path = rx_path;
		if (r->rx_nic == NULL || r->gen == NULL)
			return -1;
		r->rxq = hm_i40e_rxq_setup(r->rx_nic, 0, r->mp, &rq);
		if (r->rxq == NULL || hm_i40e_rxq_start(r->rxq) < 0)
			return -1;
	}
	return 0;
}

/* The device transmits everything the ring holds. @return frames, -1 on error. */
static int
tx_wire(struct rig *r, bool flush)
{
	int n = hm_nic_txq_step(r->tx_nic, 0, 2 * PER_ROUND);
	if (flush)
		flush_range(r->tx_ring->addr, NB_DESC * sizeof(struct hm_i40e_tx_desc));
	return n;
}

/* TX alone: one round. @return cycles, 0 on error. */
static uint64_t
tx_round(struct rig *r, struct hm_mbuf **pkts, bool flush)
{
	unsigned int sent = 0;
	uint64_t t0, t1;

	if (hm_pktmbuf_alloc_bulk(r->mp, pkts, PER_ROUND) < 0)
		return 0;
	for (unsigned int i = 0; i < PER_ROUND; i++) {
		char *p = hm_pktmbuf_append(pkts[i], 64);
		if (p == NULL)
			return 0;
		memset(p, (int)i, 64);
	}
	t0 = tsc();
	while (sent < PER_ROUND) {
		uint16_t k = hm_i40e_tx_burst(r->txq, pkts + sent, BURST);
		if (k == 0)
			break;
		sent += k;
	}
	t1 = tsc();
	if (sent != PER_ROUND || tx_wire(r, flush) != (int)PER_ROUND)
		return 0;
	return t1 - t0;
}

/* RX -> TX: one round. @return cycles, 0 on error. */
static uint64_t
fwd_round(struct rig *r, struct hm_mbuf **pkts)
{
	unsigned int sent = 0;
	uint64_t t0, t1;

	if (hm_nic_step(r->rx_nic, hm_traffic_gen_source(r->gen), PER_ROUND) != (int)PER_ROUND)
		return 0;
	t0 = tsc();
	while (sent < PER_ROUND) {
		uint16_t n = hm_i40e_rx_burst(r->rxq, pkts, BURST);
		if (n == 0)
			break;
		uint16_t k = hm_i40e_tx_burst(r->txq, pkts, n);
		sent += k;
		if (k != n)
			break;
	}
	t1 = tsc();
	if (sent != PER_ROUND || tx_wire(r, false) != (int)PER_ROUND)
		return 0;
	return t1 - t0;
}

/* Minimum cycles per packet over ROUNDS rounds (after one warm-up); -1 on error. */
static double
bench(enum hm_i40e_rx_path rx_path, enum hm_i40e_tx_path tx_path, bool flush)
{
	static struct hm_mbuf *pkts[PER_ROUND];
	struct rig r;
	double best = -1;

	if (rig_init(&r, rx_path, tx_path) < 0) {
		fprintf(stderr, "bench_i40e_tx: setup: %s\n", hm_last_error());
		rig_free(&r);
		return -1;
	}
	for (int i = 0; i <= ROUNDS; i++) {
		uint64_t c = rx_path != HM_I40E_RX_AUTO ? fwd_round(&r, pkts)
						       : tx_round(&r, pkts, flush);
		if (c == 0) {
			fprintf(stderr, "bench_i40e_tx: a round lost packets (%s)\n", hm_last_error());
			best = -1;
			break;
		}
		double cpp = (double)c / PER_ROUND;
		if (i > 0 && (best < 0 || cpp < best))
			best = cpp;
	}
	rig_free(&r);
	return best;
}

/* The transmit engine: frames per second off a full ring (wall time). */
static double
bench_device(void)
{
	static struct hm_mbuf *pkts[PER_ROUND];
	struct rig r;
	double secs = 0;
	uint64_t frames = 0;

	if (rig_init(&r, HM_I40E_RX_AUTO, HM_I40E_TX_SIMPLE) < 0) {
		rig_free(&r);
		return -1;
	}
	for (int i = 0; i < ROUNDS; i++) {
		unsigned int sent = 0;
		if (hm_pktmbuf_alloc_bulk(r.mp, pkts, PER_ROUND) < 0)
			break;
		for (unsigned int k = 0; k < PER_ROUND; k++)
			memset(hm_pktmbuf_append(pkts[k], 64), 0x5a, 64);
		while (sent < PER_ROUND) {
			uint16_t k = hm_i40e_tx_burst(r.txq, pkts + sent, BURST);
			if (k == 0)
				break;
			sent += k;
		}
		double t0 = wall_s();
		int n = hm_nic_txq_step(r.tx_nic, 0, 2 * PER_ROUND);
		secs += wall_s() - t0;
		if (n != (int)PER_ROUND)
			break;
		frames += (uint64_t)n;
	}
	rig_free(&r);
	return frames == (uint64_t)ROUNDS * PER_ROUND && secs > 0 ? (double)frames / secs / 1e6
								  : -1;
}

static void
row(const char *workload, double v, const char *unit, const char *timing)
{
	printf("ROW|%s|%.6g|-|%s|emu|%s\n", workload, v, unit, timing);
}

int
main(void)
{
	struct hm_config c;
	cpu_set_t set;
	int bad = 0;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	hm_config_init(&c);
	c.topology = "nodes=1;2M=128;lcores=0@0,1@0";
	c.in_memory = true;
	if (hm_init_config(&c) < 0) {
		fprintf(stderr, "bench_i40e_tx: init: %s\n", hm_last_error());
		return 1;
	}
	double simple_hot = bench(HM_I40E_RX_AUTO, HM_I40E_TX_SIMPLE, false);
	double simple_fl = bench(HM_I40E_RX_AUTO, HM_I40E_TX_SIMPLE, true);
	double scalar_hot = bench(HM_I40E_RX_AUTO, HM_I40E_TX_SCALAR, false);
	double scalar_fl = bench(HM_I40E_RX_AUTO, HM_I40E_TX_SCALAR, true);
	double fwd_bulk = bench(HM_I40E_RX_BULK, HM_I40E_TX_SIMPLE, false);
	double fwd_scalar = bench(HM_I40E_RX_SCALAR, HM_I40E_TX_SCALAR, false);
	double dev = bench_device();
	if (simple_hot < 0 || simple_fl < 0 || scalar_hot < 0 || scalar_fl < 0 || fwd_bulk < 0 ||
	    fwd_scalar < 0 || dev < 0)
		bad = 1;
	printf("i40e tx, 64 B, burst 32, %u descriptors, minimum over %d rounds of %u packets "
	       "(TSC cycles/packet):\n", NB_DESC, ROUNDS, PER_ROUND);
	printf("  simple  %6.1f (descriptors hot)  %6.1f (flushed)\n", simple_hot, simple_fl);
	printf("  scalar  %6.1f (descriptors hot)  %6.1f (flushed)\n", scalar_hot, scalar_fl);
	printf("rx -> tx forwarding, cycles/packet for rx_burst + tx_burst (DPDK testpmd io "
	       "forward on X710: ~84):\n");
	printf("  bulk rx + simple tx    %6.1f\n", fwd_bulk);
	printf("  scalar rx + scalar tx  %6.1f\n", fwd_scalar);
	printf("transmit engine (stepped device, discard sink): %.2f Mpps (load %.2f)\n", dev,
	       loadavg1());
	row("i40e tx simple, descriptors hot", simple_hot, "cycles/pkt", "tsc-min");
	row("i40e tx simple, descriptors flushed", simple_fl, "cycles/pkt", "tsc-min");
	row("i40e tx scalar, descriptors hot", scalar_hot, "cycles/pkt", "tsc-min");
	row("i40e tx scalar, descriptors flushed", scalar_fl, "cycles/pkt", "tsc-min");
	row("rx->tx bulk + simple", fwd_bulk, "cycles/pkt", "tsc-min");
	row("rx->tx scalar + scalar", fwd_scalar, "cycles/pkt", "tsc-min");
	{
		char t[32];
		snprintf(t, sizeof(t), "wall@%.2f", loadavg1());
		row("nic tx engine, 64 B, discard", dev, "Mpps", t);
	}
	hm_cleanup();
	return bad ? 1 : 0;
}
