/* The consumer's RX loop: hm_init options first (e.g. --mempool-debug=on),
 * then the packet count. Exit 0 when every packet arrived intact. */
#include <stdio.h>
#include <stdlib.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"
#include "summary.h"

int
main(int argc, char **argv)
{
	struct hm_nic_conf nc;
	struct hm_traffic_gen_conf gc;
	struct hm_i40e_rxq_conf qc;
	struct summary s = { 0, 0, 0, 0 };
	struct hm_mbuf *pkts[32];
	unsigned long long want = 1000;
	int n = hm_init(argc, argv), rc = 1;

	if (n < 0) {
		fprintf(stderr, "hm_init: %s\n", hm_last_error());
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc > 1)
		want = strtoull(argv[1], NULL, 0);
	hm_nic_conf_init(&nc);
	hm_traffic_gen_conf_init(&gc);
	gc.count = want;
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 256;
	struct hm_nic *nic = hm_nic_create(&nc);
	struct hm_traffic_gen *gen = hm_traffic_gen_create(&gc);
	/* a small pool: every mbuf goes round many times */
	struct hm_mempool *mp = hm_pktmbuf_pool_create("app", 511, 32, 0,
						       HM_MBUF_DEFAULT_BUF_SIZE, 0);
	struct hm_i40e_rxq *rxq = nic != NULL && mp != NULL ?
		hm_i40e_rxq_setup(nic, 0, mp, &qc) : NULL;
	if (rxq == NULL || gen == NULL || hm_i40e_rxq_start(rxq) < 0) {
		fprintf(stderr, "setup: %s\n", hm_last_error());
		goto out;
	}
	for (int more = 1; more;) {
		uint16_t k;
		more = hm_nic_step(nic, hm_traffic_gen_source(gen), 64) > 0;
		while ((k = hm_i40e_rx_burst(rxq, pkts, 32)) > 0) {
			for (uint16_t i = 0; i < k; i++) {
				summary_add(&s, pkts[i]);
				hm_pktmbuf_free(pkts[i]);
			}
		}
	}
	printf("consumer: %llu packets, %llu bytes, %llu bad, mempool debug %s\n",
	       (unsigned long long)s.packets, (unsigned long long)s.bytes,
	       (unsigned long long)s.bad, (mp->flags & HM_MEMPOOL_F_DEBUG) ? "on" : "off");
	rc = s.packets == want && s.bad == 0 ? 0 : 1;
out:
	hm_i40e_rxq_release(rxq);
	hm_nic_free(nic);
	hm_traffic_gen_free(gen);
	hm_mempool_free(mp);
	if (hm_cleanup() != 0)
		rc = 1;
	return rc;
}
