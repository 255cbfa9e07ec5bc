/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hugemem's device arguments and a port's life: the bytes are the devargs
 * of rte_vdev_init("net_hugemem0", ...). Either the device is refused and no
 * port exists, or the port validates (hm_ethdev_check), is configured with one
 * Rx and one Tx queue, started, forwards a few bursts to itself, stops and is
 * removed, and every mbuf of the pool is back. Keys that name files (pcap=,
 * tx_pcap=) or print (idle_report=) are not tried.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hugemem_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *pool;

static int
eal_up(void)
{
	static int state; /* 0: not tried, 1: up, -1: failed */
	char *argv[] = { (char *)"fuzz", (char *)"--in-memory", (char *)"--no-huge",
			 (char *)"-l", (char *)"0", NULL };

	if (state == 0) {
		static FILE *null;
		null = fopen("/dev/null", "w");
		rte_openlog_stream(null);
		state = rte_eal_init(5, argv) >= 0 ? 1 : -1;
		if (state == 1) {
			pool = rte_pktmbuf_pool_create("fuzz_ethdev", 1023, 0, 0,
						       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
			if (pool == NULL)
				abort();
		}
	}
	return state;
}

static void
check(uint16_t port)
{
	const char *why = NULL;

	if (hm_ethdev_check(port, &why) != 0) {
		fprintf(stderr, "fuzz_ethdev: port %u: %s\n", port, why != NULL ? why : "?");
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char args[512];
	struct rte_eth_conf conf;
	struct rte_mbuf *pkts[32];

	if (size >= sizeof(args) || eal_up() < 0)
		return 0;
	memcpy(args, data, size);
	args[size] = '\0';
	if (strstr(args, "pcap") != NULL || strstr(args, "idle_report") != NULL)
		return 0;
	int rc = rte_vdev_init("net_hugemem0", args);
	if (rc != 0) {
		if (rc > 0 || rte_eth_dev_count_avail() != 0)
			abort(); /* a refusal is -errno and leaves no port */
		return 0;
	}
	if (rte_eth_dev_count_avail() != 1)
		abort();
	check(0);
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(0, 1, 1, &conf) == 0 &&
	    rte_eth_rx_queue_setup(0, 0, 128, 0, NULL, pool) == 0 &&
	    rte_eth_tx_queue_setup(0, 0, 128, 0, NULL) == 0 && rte_eth_dev_start(0) == 0) {
		rte_eth_promiscuous_enable(0);
		for (int i = 0; i < 8; i++) {
			uint16_t n = rte_eth_rx_burst(0, 0, pkts, 32);
			uint16_t k = rte_eth_tx_burst(0, 0, pkts, n);
			for (uint16_t j = k; j < n; j++)
				rte_pktmbuf_free(pkts[j]);
			check(0);
		}
		if (rte_eth_dev_stop(0) != 0)
			abort();
		check(0);
	}
	if (rte_vdev_uninit("net_hugemem0") != 0 || rte_eth_dev_count_avail() != 0)
		abort();
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz_ethdev: %u mbufs not back\n", rte_mempool_in_use_count(pool));
		abort();
	}
	return 0;
}
