/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of hugemem's ethdev layer: RX -> TX forwarding of 64-byte frames
 * from port 0 (the generator, endless) to port 1 (discard), burst 32, TSC
 * cycles per forwarded packet, two ways on the same ports and queues:
 *   layer   rte_eth_rx_burst + rte_eth_tx_burst (what a DPDK program calls);
 *   direct  the same steps called by hand: rte_hm_eth_feed (the device
 *           receives the wire's next frames), hm_i40e_rx_burst,
 *           hm_i40e_tx_burst, rte_hm_eth_kick (the device transmits).
 * Both include the device model's work (generating frames, DMA, write-backs,
 * the transmit engine), which a real NIC does in hardware; the difference is
 * the layer's own cost (port/queue checks, the fast-path table). Short
 * samples alternate between the two ways; the figures are the minimum (the
 * sample least disturbed by other work on the machine) and the median.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#define SAMPLES 101
#include "bench_common.h"

#define BURST 32
#define PER_SAMPLE 4096u

static inline uint64_t
tsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* Forward PER_SAMPLE packets; @return TSC cycles per packet, -1 on a stall. */
static double
sample(bool layer)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t fwd = 0, spins = 0;
	struct hm_i40e_rxq *rxq = rte_hm_eth_fp[0].rxq[0];
	struct hm_i40e_txq *txq = rte_hm_eth_fp[1].txq[0];
	uint64_t t0 = tsc();

	while (fwd < PER_SAMPLE) {
		uint16_t n, k;
		if (layer) {
			n = rte_eth_rx_burst(0, 0, pkts, BURST);
			k = rte_eth_tx_burst(1, 0, pkts, n);
		} else {
			rte_hm_eth_feed(0, 0, BURST);
			n = hm_i40e_rx_burst(rxq, (struct hm_mbuf **)(void *)pkts, BURST);
			k = hm_i40e_tx_burst(txq, (struct hm_mbuf **)(void *)pkts, n);
			if (k > 0)
				rte_hm_eth_kick(1, 0, k);
		}
		for (uint16_t i = k; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		fwd += k;
		if (++spins > 100 * (uint64_t)PER_SAMPLE)
			return -1;
	}
	return (double)(tsc() - t0) / (double)fwd;
}

static int
port_up(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 512, 0, NULL, mp) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 512, 0, NULL) != 0 || rte_eth_dev_start(port) != 0 ||
	    rte_eth_promiscuous_enable(port) != 0)
		return -1;
	return 0;
}

int
main(void)
{
	char *argv[] = { (char *)"bench_ethdev", (char *)"--in-memory", (char *)"--no-huge",
			 (char *)"-l", (char *)"0", NULL };
	double layer[SAMPLES], direct[SAMPLES];

	pin_self();
	if (rte_eal_init(5, argv) < 0) {
		fprintf(stderr, "bench_ethdev: EAL init failed\n");
		return 1;
	}
	struct rte_mempool *mp = rte_pktmbuf_pool_create("bench_ethdev", 8191, 256, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL || rte_vdev_init("net_hugemem0", "gen=0,gen_size=64") != 0 ||
	    rte_vdev_init("net_hugemem1", "tx=discard") != 0 || port_up(0, mp) != 0 ||
	    port_up(1, mp) != 0) {
		fprintf(stderr, "bench_ethdev: setup failed\n");
		return 1;
	}
	sample(true); /* warm-up */
	sample(false);
	for (int i = 0; i < SAMPLES; i++) {
		layer[i] = sample(true);
		direct[i] = sample(false);
		if (layer[i] < 0 || direct[i] < 0) {
			fprintf(stderr, "bench_ethdev: forwarding stalled\n");
			return 1;
		}
	}
	double l = median(layer), d = median(direct), lmin = layer[0], dmin = direct[0];
	printf("rx -> tx forwarding through net_hugemem ports, 64 B, burst 32, device model "
	       "included, %d samples of %u packets (TSC cycles/packet, min / median):\n",
	       SAMPLES, PER_SAMPLE);
	printf("  rte_eth_rx_burst + rte_eth_tx_burst   %7.1f / %7.1f\n", lmin, l);
	printf("  the driver and device steps directly  %7.1f / %7.1f\n", dmin, d);
	printf("  the layer's cost                      %7.1f / %7.1f (%+.1f%% of the minimum)\n",
	       lmin - dmin, l - d, 100.0 * (lmin - dmin) / dmin);
	printf("ROW|ethdev rx->tx via rte_eth_*|%.6g|-|cycles/pkt|emu|tsc-min\n", lmin);
	printf("ROW|ethdev rx->tx driver direct|%.6g|-|cycles/pkt|emu|tsc-min\n", dmin);
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	rte_eth_dev_close(0);
	rte_eth_dev_close(1);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
