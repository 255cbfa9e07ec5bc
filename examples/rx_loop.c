/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Example 2: an RX loop on the simulator: a pktmbuf pool, the fake NIC, an
 * i40e-style RX queue, the burst loop, and a check of every payload.
 *
 * On hardware the NIC receives by itself; here the loop also "steps" the
 * device: it pulls frames from a traffic source (a seeded generator, whose
 * frames carry a checksummed header, or a pcap file: hugemem/sim/pcap.h) and
 * DMA-writes them into the buffers the driver armed, by IOVA. Everything else
 * is what a DPDK RX loop does: rx_burst, look at the data, free the mbufs.
 *
 *   ./rx_loop [hugemem options] [-- PACKETS]
 *   ./rx_loop --topology='nodes=2;2M=64,64;lcores=0@0,1@1' -- 100000
 *
 * With two nodes the NIC sits on node 1 and the pool, the ring and the queue
 * follow it there. Exit status 0 when every packet arrived intact.
 *
 *   cc -std=c11 -o rx_loop rx_loop.c $(pkg-config --cflags --libs hugemem)
 */
#include <stdio.h>
#include <stdlib.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

#define BURST 32

int
main(int argc, char **argv)
{
	struct hm_nic_conf nc;
	struct hm_traffic_gen_conf gc;
	struct hm_i40e_rxq_conf qc;
	struct hm_nic_stats st;
	struct hm_mbuf *pkts[BURST];
	struct hm_mempool *pool = NULL;
	struct hm_nic *nic = NULL;
	struct hm_traffic_gen *gen = NULL;
	struct hm_i40e_rxq *rxq = NULL;
	unsigned long long want = 10000, got = 0, bad = 0, bytes = 0;
	int n, rc = 1;

	n = hm_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "hm_init: %s\n", hm_last_error());
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc > 1)
		want = strtoull(argv[1], NULL, 0);

	/* 1. The device, on the last node of the machine. */
	hm_nic_conf_init(&nc);
	nc.numa_node = (int)hm_socket_count() - 1;
	nic = hm_nic_create(&nc);
	/* 2. Its packet buffers: 1023 mbufs of 2 KiB on the NIC's node, 32 per-lcore cache. */
	pool = hm_pktmbuf_pool_create("rx_pool", 1023, 32, 0, HM_MBUF_DEFAULT_BUF_SIZE,
				      nc.numa_node);
	/* 3. What the wire carries: `want` generated frames of mixed sizes. */
	hm_traffic_gen_conf_init(&gc);
	gc.count = want;
	gc.size_mode = HM_TRAFFIC_SIZE_IMIX;
	gen = hm_traffic_gen_create(&gc);
	if (nic == NULL || pool == NULL || gen == NULL) {
		fprintf(stderr, "setup: %s\n", hm_last_error());
		goto out;
	}
	/* 4. RX queue 0: descriptor ring and software ring on the NIC's node, armed. */
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 512;
	rxq = hm_i40e_rxq_setup(nic, 0, pool, &qc);
	if (rxq == NULL || hm_i40e_rxq_start(rxq) < 0) {
		fprintf(stderr, "rx queue: %s\n", hm_last_error());
		goto out;
	}

	/* 5. The loop: the device delivers up to 64 frames, the driver returns them
	 * in bursts; each payload is checked, counted and its mbuf freed. */
	for (;;) {
		int delivered = hm_nic_step(nic, hm_traffic_gen_source(gen), 64);
		uint16_t k;

		if (delivered < 0) {
			fprintf(stderr, "nic: %s\n", hm_last_error());
			goto out;
		}
		while ((k = hm_i40e_rx_burst(rxq, pkts, BURST)) > 0) {
			for (uint16_t i = 0; i < k; i++) {
				struct hm_traffic_meta meta;
				const void *data = hm_pktmbuf_mtod(pkts[i], const void *);

				if (hm_traffic_verify(data, pkts[i]->data_len, &meta) != 0)
					bad++;
				bytes += pkts[i]->pkt_len;
			}
			hm_pktmbuf_free_bulk(pkts, k);
			got += k;
		}
		if (delivered == 0) /* the source ended and the ring is drained */
			break;
	}
	hm_nic_stats_get(nic, &st);
	printf("rx_loop: %llu of %llu packets (%llu bytes) on node %d, %llu missed, %llu "
	       "payloads bad\n", got, want, bytes, nc.numa_node,
	       (unsigned long long)st.q[0].missed, bad);
	rc = got == want && bad == 0 ? 0 : 1;
out:
	/* In reverse order; every free accepts NULL. */
	hm_i40e_rxq_release(rxq);
	hm_nic_free(nic);
	hm_traffic_gen_free(gen);
	hm_mempool_free(pool);
	hm_cleanup();
	return rc;
}
