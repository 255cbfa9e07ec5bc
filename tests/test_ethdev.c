/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem's ethdev (rte_ethdev.h over net_hugemem ports, sim/ethdev): every
 * refusal with DPDK's error code; device information with i40e's limits and
 * DPDK's descriptor adjustment; forwarding port 0 -> port 1 -> (loopback) port
 * 2 with every generated payload checked, the counters of the three ports
 * consistent, hm_ethdev_check after each burst and the pool back where it
 * started; statistics and named xstats, resets; link, promiscuous and
 * all-multicast filters, MAC; RSS spreading and the redirection table;
 * deferred queue start; jumbo frames over chained mbufs; a capture replayed
 * twice through a forwarder and captured byte for byte, with the idle report;
 * hostile device modes; queue count and descriptor status; Tx buffers; ports
 * from EAL --vdev options and their refusals; ports left open at cleanup.
 * The mbuf pools are hugemem's (hm_pktmbuf_pool_create), passed as
 * struct rte_mempool * as a DPDK application's are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hugemem_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "dpdk_test.h"
#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"
#include "hugemem/testing.h"

#define MP(p) ((struct rte_mempool *)(void *)(p))
#define MB(m) ((struct rte_mbuf **)(void *)(m))

#define EAL(...) dpdk_test_eal_v((const char *const[]){ __VA_ARGS__, NULL })

/* The EAL's memory option for the backend under test ($HUGEMEM_TEST_BACKEND):
 * emu's --no-huge, or --backend=NAME with the test's mount in $HUGEMEM_HUGE_DIR
 * (main). */
static const char *mem_opt = "--no-huge";
static char mem_opt_buf[64];

static void
quiet(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	rte_openlog_stream(null);
	hm_test_quiet_log();
}

static int
setup(void **state)
{
	(void)state;
	quiet();
	return EAL("-l", "0", mem_opt) == 3 ? 0 : -1;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	rte_openlog_stream(NULL);
	return hm_test_teardown(state);
}

static void
assert_port_valid(uint16_t port)
{
	const char *why = NULL;
	if (hm_ethdev_check(port, &why) != 0)
		fail_msg("port %u: %s", port, why != NULL ? why : "?");
}

static struct hm_mempool *
pool(const char *name, unsigned int n, uint16_t data_room)
{
	struct hm_mempool *mp = hm_pktmbuf_pool_create(name, n, 32, 0, data_room, 0);
	assert_non_null(mp);
	return mp;
}

/* Configure (RSS over @p nq queues when > 1), one pool, start, promiscuous. */
static void
port_up(uint16_t port, uint16_t nq, struct hm_mempool *mp, uint64_t tx_offloads, uint16_t mtu)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = tx_offloads;
	conf.rxmode.mtu = mtu;
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP;
		conf.rx_adv_conf.rss_conf.rss_hf &= RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 |
						    RTE_ETH_RSS_NONFRAG_IPV4_TCP |
						    RTE_ETH_RSS_NONFRAG_IPV4_UDP |
						    RTE_ETH_RSS_NONFRAG_IPV4_OTHER;
	}
	assert_int_equal(rte_eth_dev_configure(port, nq, nq, &conf), 0);
	for (uint16_t q = 0; q < nq; q++) {
		assert_int_equal(rte_eth_rx_queue_setup(port, q, 256, 0, NULL, MP(mp)), 0);
		assert_int_equal(rte_eth_tx_queue_setup(port, q, 256, 0, NULL), 0);
	}
	assert_int_equal(rte_eth_dev_start(port), 0);
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	assert_port_valid(port);
}

/* the ports stopped: every mbuf of @p mp back in the pool (none on a ring, none held) */
static void
assert_pool_back(struct hm_mempool *mp, const uint16_t *ports, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(rte_eth_dev_stop(ports[i]), 0);
		assert_port_valid(ports[i]);
	}
	assert_int_equal(hm_mempool_in_use_count(mp), 0);
}

/* ------------------------------------------------------------------ */

static void
test_ethdev_invalid_args(void **state)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	struct rte_eth_stats st;
	struct rte_ether_addr mac;
	struct rte_eth_rss_reta_entry64 reta[8];
	struct rte_eth_rss_conf rss;
	struct rte_eth_rxq_info rqi;
	struct rte_eth_txq_info tqi;
	struct rte_mbuf *pkts[4];
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t id, nb = 100, mtu;
	(void)state;

	/* no port at all */
	assert_int_equal(rte_eth_dev_count_avail(), 0);
	assert_int_equal(rte_eth_find_next(0), RTE_MAX_ETHPORTS);
	for (uint16_t bad = 0; bad <= RTE_MAX_ETHPORTS; bad += RTE_MAX_ETHPORTS) {
		assert_false(rte_eth_dev_is_valid_port(bad));
		assert_int_equal(rte_eth_dev_info_get(bad, &di), -ENODEV);
		assert_int_equal(rte_eth_dev_configure(bad, 1, 1, &conf), -ENODEV);
		assert_int_equal(rte_eth_dev_adjust_nb_rx_tx_desc(bad, &nb, NULL), -ENODEV);
		assert_int_equal(rte_eth_rx_queue_setup(bad, 0, 64, 0, NULL, NULL), -ENODEV);
		assert_int_equal(rte_eth_tx_queue_setup(bad, 0, 64, 0, NULL), -ENODEV);
		assert_int_equal(rte_eth_dev_start(bad), -ENODEV);
		assert_int_equal(rte_eth_dev_stop(bad), -ENODEV);
		assert_int_equal(rte_eth_dev_close(bad), -ENODEV);
		assert_int_equal(rte_eth_stats_get(bad, &st), -ENODEV);
		assert_int_equal(rte_eth_stats_reset(bad), -ENODEV);
		assert_int_equal(rte_eth_xstats_get(bad, NULL, 0), -ENODEV);
		assert_int_equal(rte_eth_link_get(bad, &link), -ENODEV);
		assert_int_equal(rte_eth_link_get_nowait(bad, &link), -ENODEV);
		assert_int_equal(rte_eth_promiscuous_enable(bad), -ENODEV);
		assert_int_equal(rte_eth_promiscuous_get(bad), -ENODEV);
		assert_int_equal(rte_eth_allmulticast_get(bad), -ENODEV);
		assert_int_equal(rte_eth_macaddr_get(bad, &mac), -ENODEV);
		assert_int_equal(rte_eth_dev_set_mtu(bad, 1500), -ENODEV);
		assert_int_equal(rte_eth_dev_get_mtu(bad, &mtu), -ENODEV);
		assert_int_equal(rte_eth_dev_get_name_by_port(bad, name), -ENODEV);
		assert_int_equal(rte_eth_dev_set_link_up(bad), -ENODEV);
		assert_int_equal(rte_eth_dev_rss_reta_query(bad, reta, 512), -ENODEV);
		assert_int_equal(rte_eth_rx_queue_count(bad, 0), -ENODEV);
		assert_int_equal(rte_eth_rx_descriptor_status(bad, 0, 0), -ENODEV);
		assert_int_equal(rte_eth_tx_descriptor_status(bad, 0, 0), -ENODEV);
		assert_int_equal(rte_eth_tx_done_cleanup(bad, 0, 0), -ENODEV);
		assert_int_equal(rte_eth_rx_burst(bad, 0, pkts, 4), 0);
		assert_int_equal(rte_eth_tx_burst(bad, 0, pkts, 4), 0);
		rte_errno = 0;
		assert_int_equal(rte_eth_dev_socket_id(bad), -1);
		assert_int_equal(rte_errno, EINVAL);
		assert_int_equal(hm_ethdev_check(bad, NULL), -ENODEV);
		assert_null(rte_hm_eth_nic(bad));
	}
	assert_int_equal(rte_eth_dev_get_port_by_name("net_hugemem0", &id), -ENODEV);
	assert_int_equal(rte_eth_dev_get_port_by_name(NULL, &id), -EINVAL);
	/* device creation */
	assert_int_equal(rte_vdev_init(NULL, NULL), -EINVAL);
	assert_int_equal(rte_vdev_init("net_ring0", NULL), -EINVAL);
	assert_int_equal(rte_vdev_init("net_hugemem0", "frob=1"), -EINVAL);
	assert_int_equal(rte_vdev_init("net_hugemem0", "queues"), -EINVAL);
	const char *bad_args[] = { "queues=0", "queues=65", "node=99", "max_frame=10000",
				   "pcap=/x,gen=1", "gen=1,pcap=/x", "tx_pcap=/x,tx=discard",
				   "loopback=net_ring0", "link=sideways", "speed=3G",
				   "mac=01:00:00:00:00:01", "mac=zz", "rx_drop=2",
				   "rx_fault=sideways:1", "tx_fault=early:0", "gen_size=10",
				   "gen_size=900-100", "gen_proto=sctp", "idle_report=0",
				   "loop=x", "rate=-1" };
	for (size_t i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++)
		if (rte_vdev_init("net_hugemem0", bad_args[i]) != -EINVAL)
			fail_msg("devargs '%s' accepted", bad_args[i]);
	assert_int_equal(rte_vdev_init("net_hugemem0", "pcap=/nonexistent/x.pcap"), -ENOENT);
	assert_int_equal(rte_vdev_init("net_hugemem0", "tx_pcap=/nonexistent/dir/x.pcap"), -ENOENT);
	assert_int_equal(rte_eth_dev_count_avail(), 0); /* nothing left by the refusals */
	assert_int_equal(rte_vdev_uninit(NULL), -EINVAL);
	assert_int_equal(rte_vdev_uninit("net_hugemem0"), -ENOENT);
	/* one port: configuration refusals */
	assert_int_equal(rte_vdev_init("net_hugemem0", "queues=2"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem0", NULL), -EEXIST);
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(rte_eth_dev_info_get(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_configure(0, 3, 1, &conf), -EINVAL);
	assert_int_equal(rte_eth_dev_configure(0, 1, 3, &conf), -EINVAL);
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_TCP_LRO;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.rxmode.offloads = 0;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.txmode.offloads = 0;
	conf.rxmode.mtu = 67;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.rxmode.mtu = 9703;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.rxmode.mtu = 0;
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_DCB;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.rxmode.offloads = 0;
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV6;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	uint8_t key[40] = { 1 };
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4;
	conf.rx_adv_conf.rss_conf.rss_key = key;
	conf.rx_adv_conf.rss_conf.rss_key_len = 40;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	memset(&conf, 0, sizeof(conf));
	conf.lpbk_mode = 1;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.lpbk_mode = 0;
	conf.intr_conf.lsc = 1;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.intr_conf.lsc = 0;
	conf.link_speeds = RTE_ETH_LINK_SPEED_FIXED | RTE_ETH_LINK_SPEED_10G | RTE_ETH_LINK_SPEED_40G;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.link_speeds = RTE_ETH_LINK_SPEED_100M;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EINVAL);
	conf.link_speeds = 0;
	/* not configured: no queue, no start */
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, NULL, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_start(0), -EINVAL);
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), 0);
	/* queues */
	struct hm_mempool *mp = pool("inv_pool", 512, 2176), *small = pool("small", 64, 1024);
	assert_int_equal(rte_eth_rx_queue_setup(0, 1, 64, 0, NULL, MP(mp)), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, NULL, NULL), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, NULL, MP(small)), -ENOSPC);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 63, 0, NULL, MP(mp)), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 4128, 0, NULL, MP(mp)), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 1000, NULL, MP(mp)), -EINVAL);
	struct rte_eth_rxconf rxc;
	memset(&rxc, 0, sizeof(rxc));
	rxc.rx_nseg = 2;
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, &rxc, MP(mp)), -EINVAL);
	rxc.rx_nseg = 0;
	rxc.offloads = RTE_ETH_RX_OFFLOAD_SCATTER; /* not a per-queue offload, not configured */
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, &rxc, MP(mp)), -EINVAL);
	rxc.offloads = 0;
	rxc.rx_free_thresh = 64; /* >= nb_desc - 1: i40e's rule */
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, &rxc, MP(mp)), -EINVAL);
	assert_int_equal(rte_eth_tx_queue_setup(0, 1, 64, 0, NULL), -EINVAL);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 100, 0, NULL), -EINVAL);
	struct rte_eth_txconf txc;
	memset(&txc, 0, sizeof(txc));
	txc.tx_free_thresh = 40; /* i40e: 64 - 40 = 24 does not divide 64 */
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 64, 0, &txc), -EINVAL);
	txc.tx_free_thresh = 0;
	txc.offloads = RTE_ETH_TX_OFFLOAD_VLAN_INSERT; /* a port-level offload not configured */
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 64, 0, &txc), -EINVAL);
	/* a queue not set up: start refused */
	assert_int_equal(rte_eth_dev_start(0), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, NULL, MP(mp)), 0);
	assert_int_equal(rte_eth_dev_start(0), -EINVAL);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 64, 0, NULL), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(0, 1, &rqi), -EINVAL);
	assert_int_equal(rte_eth_tx_queue_info_get(0, 0, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_rx_queue_start(0, 0), -EINVAL); /* port stopped */
	assert_int_equal(rte_eth_dev_start(0), 0);
	assert_int_equal(rte_eth_dev_start(0), 0); /* already started: DPDK's 0 */
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), -EBUSY);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 64, 0, NULL, MP(mp)), -EBUSY);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 64, 0, NULL), -EBUSY);
	assert_int_equal(rte_eth_dev_set_mtu(0, 1500), -EBUSY);
	assert_int_equal(rte_eth_dev_close(0), -EINVAL);
	assert_int_equal(rte_eth_dev_rx_queue_start(0, 1), -EINVAL);
	assert_int_equal(rte_eth_dev_tx_queue_stop(0, 5), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_count(0, 1), -EINVAL);
	assert_int_equal(rte_eth_rx_descriptor_status(0, 0, 64), -EINVAL);
	assert_int_equal(rte_eth_rx_descriptor_status(0, 1, 0), -ENODEV);
	assert_int_equal(rte_eth_tx_descriptor_status(0, 0, 64), -EINVAL);
	assert_int_equal(rte_eth_tx_done_cleanup(0, 1, 0), -EINVAL);
	assert_int_equal(rte_eth_rx_burst(0, 1, pkts, 4), 0); /* a queue not set up */
	assert_int_equal(rte_eth_rx_burst(0, RTE_HM_ETH_MAX_QUEUES, pkts, 4), 0);
	/* the rest */
	assert_int_equal(rte_eth_dev_set_mtu(0, 60), -EINVAL);
	assert_int_equal(rte_eth_dev_get_mtu(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_macaddr_get(0, NULL), -EINVAL);
	mac.addr_bytes[0] = 0x01; /* multicast */
	assert_int_equal(rte_eth_dev_default_mac_addr_set(0, &mac), -EINVAL);
	memset(&mac, 0, sizeof(mac));
	assert_int_equal(rte_eth_dev_default_mac_addr_set(0, &mac), -EINVAL);
	assert_int_equal(rte_eth_dev_default_mac_addr_set(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_link_get(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_link_to_str(NULL, 10, &link), -EINVAL);
	assert_int_equal(rte_eth_link_to_str(name, 0, &link), -EINVAL);
	assert_int_equal(rte_eth_link_to_str(name, 10, NULL), -EINVAL);
	assert_int_equal(rte_eth_stats_get(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_rss_reta_update(0, reta, 128), -EINVAL);
	assert_int_equal(rte_eth_dev_rss_reta_update(0, NULL, 512), -EINVAL);
	memset(reta, 0, sizeof(reta));
	reta[0].mask = 1;
	reta[0].reta[0] = 1; /* one queue configured */
	assert_int_equal(rte_eth_dev_rss_reta_update(0, reta, 512), -EINVAL);
	memset(&rss, 0, sizeof(rss));
	assert_int_equal(rte_eth_dev_rss_hash_update(0, &rss), -ENOTSUP); /* not in RSS mode */
	rss.rss_hf = RTE_ETH_RSS_IPV6;
	assert_int_equal(rte_eth_dev_rss_hash_update(0, &rss), -EINVAL);
	assert_int_equal(rte_eth_dev_rss_hash_update(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_get_supported_ptypes(0, ~0u, NULL, 3), -EINVAL);
	assert_int_equal(rte_eth_dev_set_ptypes(0, 0, NULL, 1), -EINVAL);
	assert_int_equal(rte_eth_xstats_get_id_by_name(0, NULL, (uint64_t *)&di), -ENOMEM);
	uint64_t xid;
	assert_int_equal(rte_eth_xstats_get_id_by_name(0, "no_such_stat", &xid), -EINVAL);
	assert_int_equal(rte_eth_tx_buffer_init(NULL, 8), -EINVAL);
	assert_int_equal(rte_eth_tx_buffer_set_err_callback(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_get_name_by_port(0, NULL), -EINVAL);
	assert_int_equal(rte_eth_dev_get_name_by_port(0, name), 0);
	assert_string_equal(name, "net_hugemem0");
	assert_int_equal(rte_eth_dev_get_port_by_name("net_hugemem0", &id), 0);
	assert_int_equal(id, 0);
	assert_port_valid(0);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_stop(0), 0); /* already stopped: 0 */
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_false(rte_eth_dev_is_valid_port(0));
	assert_int_equal(hm_mempool_avail_count(mp), 512);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_mempool_free(small), 0);
	(void)tqi;
}

/* Device information as i40e reports it; DPDK's descriptor adjustment. */
static void
test_ethdev_info_and_adjust(void **state)
{
	struct rte_eth_dev_info di;
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem3", "queues=8,node=0"), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 1);
	uint16_t port = (uint16_t)rte_eth_find_next(0);
	assert_int_equal(port, 0);
	assert_int_equal(rte_eth_dev_info_get(port, &di), 0);
	assert_string_equal(di.driver_name, "net_hugemem");
	assert_int_equal(di.max_rx_queues, 8);
	assert_int_equal(di.max_tx_queues, 8);
	assert_int_equal(di.max_rx_pktlen, 9728);
	assert_int_equal(di.min_mtu, 68);
	assert_int_equal(di.max_mtu, 9728 - 26);
	assert_int_equal(di.min_rx_bufsize, 1024);
	assert_int_equal(di.rx_desc_lim.nb_max, 4096);
	assert_int_equal(di.rx_desc_lim.nb_min, 64);
	assert_int_equal(di.rx_desc_lim.nb_align, 32);
	assert_int_equal(di.tx_desc_lim.nb_mtu_seg_max, 8);
	assert_int_equal(di.reta_size, 512);
	assert_int_equal(di.hash_key_size, 52);
	assert_int_equal(di.default_rxconf.rx_free_thresh, 32);
	assert_int_equal(di.default_txconf.tx_rs_thresh, 32);
	assert_int_equal(di.default_txconf.tx_free_thresh, 32);
	assert_true(di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);
	assert_true(di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_true(di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_false(di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO);
	assert_int_equal(rte_eth_dev_socket_id(port), 0);
	struct { uint16_t in, out; } cases[] = { { 0, 64 }, { 1, 64 }, { 65, 96 }, { 1000, 1024 },
						 { 4096, 4096 }, { 5000, 4096 }, { 65535, 4096 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t rx = cases[i].in, tx = cases[i].in;
		assert_int_equal(rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx, &tx), 0);
		assert_int_equal(rx, cases[i].out);
		assert_int_equal(tx, cases[i].out);
	}
	assert_int_equal(rte_eth_dev_adjust_nb_rx_tx_desc(port, NULL, NULL), 0);
	uint32_t pt[16];
	int npt = rte_eth_dev_get_supported_ptypes(port, ~0u, pt, 16);
	assert_true(npt >= 6 && npt <= 16);
	assert_int_equal(rte_eth_dev_get_supported_ptypes(port, ~0u, NULL, 0), npt);
	uint32_t set[2] = { 7, 7 };
	assert_int_equal(rte_eth_dev_set_ptypes(port, 0, set, 2), 0);
	assert_int_equal(set[0], 0);
}

/* Payloads checked, counters of three ports consistent, pool back. */
static void
test_ethdev_forward_loopback(void **state)
{
	enum { N = 4000 };
	struct rte_mbuf *pkts[32];
	struct rte_eth_stats s0, s1, s2;
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=4000,gen_size=64-1500,queues=2"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem1", "loopback=net_hugemem2,queues=2"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem2", "queues=2"), 0);
	struct hm_mempool *mp = pool("fwd_pool", 4096, 2176);
	for (uint16_t p = 0; p < 3; p++)
		port_up(p, 2, mp, 0, 0);
	uint64_t seen = 0, sent = 0;
	for (int spins = 0; seen < N && spins < 100000; spins++) {
		for (uint16_t q = 0; q < 2; q++) {
			uint16_t n = rte_eth_rx_burst(0, q, pkts, 32);
			uint16_t k = rte_eth_tx_burst(1, q, pkts, n);
			sent += k;
			for (uint16_t i = k; i < n; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			n = rte_eth_rx_burst(2, q, pkts, 32);
			for (uint16_t i = 0; i < n; i++) {
				struct hm_mbuf *m = (struct hm_mbuf *)(void *)pkts[i];
				assert_int_equal(m->nb_segs, 1);
				assert_int_equal(hm_traffic_verify(hm_pktmbuf_mtod(m, void *), m->pkt_len,
								   NULL), 0);
				assert_int_equal(m->port, 2);
				hm_pktmbuf_free(m);
			}
			seen += n;
		}
		if (spins % 64 == 0)
			for (uint16_t p = 0; p < 3; p++)
				assert_port_valid(p);
	}
	assert_int_equal(seen, N);
	assert_int_equal(sent, N);
	assert_int_equal(rte_eth_stats_get(0, &s0), 0);
	assert_int_equal(rte_eth_stats_get(1, &s1), 0);
	assert_int_equal(rte_eth_stats_get(2, &s2), 0);
	assert_int_equal(s0.ipackets, N);
	assert_int_equal(s0.imissed + s0.ierrors + s0.rx_nombuf, 0);
	assert_true(s0.q_ipackets[0] > 0 && s0.q_ipackets[1] > 0); /* RSS spread them */
	assert_int_equal(s1.opackets, N);
	assert_int_equal(s1.obytes, s0.ibytes);
	assert_int_equal(s1.oerrors, 0);
	assert_int_equal(s2.ipackets, N);
	assert_int_equal(s2.ibytes, s0.ibytes);
	const uint16_t ports[] = { 0, 1, 2 };
	assert_pool_back(mp, ports, 3);
	assert_int_equal(hm_mempool_avail_count(mp), 4096);
	for (uint16_t p = 0; p < 3; p++)
		assert_int_equal(rte_eth_dev_close(p), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* Receive everything port @p rx gets for a while, free it. @return packets. */
static uint64_t
drain(uint16_t port, uint16_t nq, int rounds)
{
	struct rte_mbuf *pkts[32];
	uint64_t n = 0;

	for (int r = 0; r < rounds; r++)
		for (uint16_t q = 0; q < nq; q++) {
			uint16_t k = rte_eth_rx_burst(port, q, pkts, 32);
			for (uint16_t i = 0; i < k; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			n += k;
		}
	return n;
}

/* Basic stats against named xstats; resets. */
static void
test_ethdev_stats_xstats(void **state)
{
	struct rte_eth_stats st;
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=1000,queues=2"), 0);
	struct hm_mempool *mp = pool("st_pool", 2048, 2176);
	port_up(0, 2, mp, 0, 0);
	assert_int_equal(drain(0, 2, 200), 1000);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	assert_int_equal(st.ipackets, 1000);
	assert_int_equal(st.q_ipackets[0] + st.q_ipackets[1], 1000);
	int n = rte_eth_xstats_get_names(0, NULL, 0);
	assert_true(n > 20);
	assert_int_equal(rte_eth_xstats_get(0, NULL, 0), n);
	struct rte_eth_xstat_name *names = calloc((size_t)n, sizeof(*names));
	struct rte_eth_xstat *xs = calloc((size_t)n, sizeof(*xs));
	assert_int_equal(rte_eth_xstats_get_names(0, names, (unsigned int)n - 1), n); /* too small */
	assert_int_equal(rte_eth_xstats_get_names(0, names, (unsigned int)n), n);
	assert_int_equal(rte_eth_xstats_get(0, xs, (unsigned int)n), n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(xs[i].id, i);
		for (int j = 0; j < i; j++)
			if (strcmp(names[i].name, names[j].name) == 0)
				fail_msg("xstat name %s twice", names[i].name);
	}
	uint64_t id, v;
	assert_int_equal(rte_eth_xstats_get_id_by_name(0, "rx_good_packets", &id), 0);
	assert_int_equal(xs[id].value, 1000);
	assert_int_equal(rte_eth_xstats_get_by_id(0, &id, &v, 1), 0 + 1);
	assert_int_equal(v, 1000);
	assert_int_equal(rte_eth_xstats_get_id_by_name(0, "rx_q1_packets", &id), 0);
	assert_int_equal(xs[id].value, st.q_ipackets[1]);
	struct rte_eth_xstat_name one;
	assert_int_equal(rte_eth_xstats_get_names_by_id(0, &one, 1, &id), 1);
	assert_string_equal(one.name, "rx_q1_packets");
	uint64_t badid = (uint64_t)n;
	assert_int_equal(rte_eth_xstats_get_by_id(0, &badid, &v, 1), -EINVAL);
	/* resets */
	assert_int_equal(rte_eth_stats_reset(0), 0);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	assert_int_equal(st.ipackets, 0);
	assert_int_equal(rte_eth_xstats_reset(0), 0);
	assert_int_equal(rte_eth_xstats_get(0, xs, (unsigned int)n), n);
	for (int i = 0; i < n; i++)
		assert_int_equal(xs[i].value, 0);
	free(names);
	free(xs);
	const uint16_t ports[] = { 0 };
	assert_pool_back(mp, ports, 1);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* Link state, MAC address, and the filters: promiscuous, all-multicast. */
static void
test_ethdev_link_mac_filters(void **state)
{
	struct rte_eth_link link;
	struct rte_ether_addr mac, want = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
	char buf[RTE_ETH_LINK_MAX_STR_LEN];
	uint64_t id, filtered;
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=300,speed=40G"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem1", "link=down,mac=02:aa:bb:cc:dd:ee"), 0);
	assert_int_equal(rte_eth_link_get_nowait(0, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN); /* not started */
	assert_int_equal(rte_eth_link_to_str(buf, sizeof(buf), &link), (int)strlen("Link down"));
	assert_string_equal(buf, "Link down");
	struct hm_mempool *mp = pool("lk_pool", 1024, 2176);
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 128, 0, NULL, MP(mp)), 0);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 128, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(0), 0);
	assert_int_equal(rte_eth_link_get(0, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	assert_int_equal(link.link_speed, RTE_ETH_SPEED_NUM_40G);
	rte_eth_link_to_str(buf, sizeof(buf), &link);
	assert_string_equal(buf, "Link up at 40 Gbps FDX Autoneg");
	assert_int_equal(rte_eth_dev_set_link_down(0), 0);
	assert_int_equal(rte_eth_link_get(0, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	assert_int_equal(rte_eth_dev_set_link_up(0), 0);
	assert_string_equal(rte_eth_link_speed_to_str(RTE_ETH_SPEED_NUM_25G), "25 Gbps");
	assert_string_equal(rte_eth_link_speed_to_str(12345), "Invalid");
	/* MACs: the default and the devargs' */
	assert_int_equal(rte_eth_macaddr_get(0, &mac), 0);
	assert_int_equal(mac.addr_bytes[0], 0x02);
	assert_int_equal(mac.addr_bytes[5], 0);
	assert_int_equal(rte_eth_macaddr_get(1, &mac), 0);
	assert_int_equal(mac.addr_bytes[5], 0xee);
	assert_int_equal(rte_eth_link_get(1, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	char txt[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(txt, sizeof(txt), &mac);
	assert_string_equal(txt, "02:AA:BB:CC:DD:EE");
	/* promiscuous off: the generator's frames (to 02:00:00:00:00:01) are filtered */
	assert_int_equal(rte_eth_promiscuous_get(0), 0);
	assert_int_equal(drain(0, 1, 50), 0);
	assert_int_equal(rte_eth_xstats_get_id_by_name(0, "rx_mac_filtered_packets", &id), 0);
	assert_int_equal(rte_eth_xstats_get_by_id(0, &id, &filtered, 1), 1);
	assert_int_equal(filtered, 300);
	rte_eth_random_addr(mac.addr_bytes);
	assert_true(rte_is_valid_assigned_ether_addr(&mac) && rte_is_local_admin_ether_addr(&mac));
	assert_int_equal(rte_ether_unformat_addr("02:00:00:00:00:01", &mac), 0);
	assert_true(rte_is_same_ether_addr(&mac, &want));
	assert_int_equal(rte_ether_unformat_addr("0200:0000:0001", &mac), 0);
	assert_true(rte_is_same_ether_addr(&mac, &want));
	assert_int_equal(rte_ether_unformat_addr("02:00:00:00:00", &mac), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_eth_allmulticast_enable(0), 0);
	assert_int_equal(rte_eth_allmulticast_get(0), 1);
	assert_int_equal(rte_eth_allmulticast_disable(0), 0);
	assert_int_equal(rte_eth_allmulticast_get(0), 0);
	assert_int_equal(rte_eth_promiscuous_enable(0), 0);
	assert_int_equal(rte_eth_promiscuous_get(0), 1);
	assert_int_equal(rte_eth_promiscuous_disable(0), 0);
	/* the port's own address passes the filter */
	assert_int_equal(rte_eth_dev_default_mac_addr_set(0, &want), 0);
	assert_int_equal(rte_eth_macaddr_get(0, &mac), 0);
	assert_true(rte_is_same_ether_addr(&mac, &want));
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(rte_eth_dev_close(1), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	/* a port with its own address as the traffic's destination */
	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=200,mac=02:00:00:00:00:01"), 0);
	mp = pool("lk_pool2", 1024, 2176);
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 128, 0, NULL, MP(mp)), 0);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 128, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(0), 0);
	assert_int_equal(drain(0, 1, 50), 200);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* RSS: spread over the queues; the redirection table and the key. */
static void
test_ethdev_rss(void **state)
{
	struct rte_eth_rss_reta_entry64 reta[8];
	struct rte_eth_rss_conf rss;
	struct rte_eth_stats st;
	uint8_t key[52];
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=2000,gen_flows=256,queues=4"), 0);
	struct hm_mempool *mp = pool("rss_pool", 4096, 2176);
	port_up(0, 4, mp, 0, 0);
	assert_int_equal(drain(0, 4, 300), 2000);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	for (int q = 0; q < 4; q++)
		assert_true(st.q_ipackets[q] > 200); /* roughly even over 256 flows */
	/* everything to queue 3 */
	assert_int_equal(rte_eth_dev_stop(0), 0);
	memset(reta, 0, sizeof(reta));
	for (int i = 0; i < 8; i++) {
		reta[i].mask = ~0ULL;
		for (int k = 0; k < 64; k++)
			reta[i].reta[k] = 3;
	}
	assert_int_equal(rte_eth_dev_rss_reta_update(0, reta, 512), 0);
	memset(reta, 0, sizeof(reta));
	reta[5].mask = 1ULL << 7;
	assert_int_equal(rte_eth_dev_rss_reta_query(0, reta, 512), 0);
	assert_int_equal(reta[5].reta[7], 3);
	assert_int_equal(reta[5].reta[8], 0); /* not asked for */
	memset(&rss, 0, sizeof(rss));
	rss.rss_key = key;
	rss.rss_key_len = sizeof(key);
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(0, &rss), 0);
	assert_int_equal(rss.rss_key_len, 52);
	assert_int_equal(key[0], 0x6d); /* the default key */
	key[0] ^= 0xff;
	assert_int_equal(rte_eth_dev_rss_hash_update(0, &rss), 0);
	uint8_t back[52];
	rss.rss_key = back;
	assert_int_equal(rte_eth_dev_rss_hash_conf_get(0, &rss), 0);
	assert_memory_equal(back, key, 52);
	/* restart: the next traffic lands on queue 3 only */
	assert_int_equal(rte_vdev_uninit("net_hugemem0"), 0);
	assert_int_equal(hm_mempool_avail_count(mp), 4096);
	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=500,gen_flows=256,queues=4"), 0);
	port_up(0, 4, mp, 0, 0);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	memset(reta, 0, sizeof(reta));
	for (int i = 0; i < 8; i++) {
		reta[i].mask = ~0ULL;
		for (int k = 0; k < 64; k++)
			reta[i].reta[k] = 3;
	}
	assert_int_equal(rte_eth_dev_rss_reta_update(0, reta, 512), 0);
	assert_int_equal(rte_eth_dev_start(0), 0);
	assert_int_equal(drain(0, 4, 100), 500);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	assert_int_equal(st.q_ipackets[3], 500);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* A deferred queue stays stopped until started on its own. */
static void
test_ethdev_deferred_start(void **state)
{
	struct rte_eth_rxconf rxc;
	struct rte_eth_txconf txc;
	struct rte_eth_rxq_info rqi;
	struct rte_eth_txq_info tqi;
	struct rte_eth_conf conf;
	struct rte_mbuf *pkts[32];
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=100"), 0);
	struct hm_mempool *mp = pool("def_pool", 1024, 2176);
	memset(&conf, 0, sizeof(conf));
	memset(&rxc, 0, sizeof(rxc));
	memset(&txc, 0, sizeof(txc));
	rxc.rx_deferred_start = 1;
	txc.tx_deferred_start = 1;
	assert_int_equal(rte_eth_dev_configure(0, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(0, 0, 128, 0, &rxc, MP(mp)), 0);
	assert_int_equal(rte_eth_tx_queue_setup(0, 0, 128, 0, &txc), 0);
	assert_int_equal(rte_eth_dev_start(0), 0);
	assert_int_equal(rte_eth_promiscuous_enable(0), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(0, 0, &rqi), 0);
	assert_int_equal(rqi.queue_state, RTE_ETH_QUEUE_STATE_STOPPED);
	assert_int_equal(rqi.nb_desc, 128);
	assert_ptr_equal(rqi.mp, MP(mp));
	assert_int_equal(rte_eth_rx_burst(0, 0, pkts, 32), 0);
	assert_port_valid(0);
	assert_int_equal(rte_eth_dev_rx_queue_start(0, 0), 0);
	assert_int_equal(rte_eth_dev_rx_queue_start(0, 0), 0); /* already: 0 */
	assert_int_equal(rte_eth_rx_queue_info_get(0, 0, &rqi), 0);
	assert_int_equal(rqi.queue_state, RTE_ETH_QUEUE_STATE_STARTED);
	uint16_t n = rte_eth_rx_burst(0, 0, pkts, 32);
	assert_true(n > 0);
	assert_int_equal(rte_eth_tx_burst(0, 0, pkts, n), 0); /* Tx queue still stopped */
	assert_int_equal(rte_eth_dev_tx_queue_start(0, 0), 0);
	assert_int_equal(rte_eth_tx_queue_info_get(0, 0, &tqi), 0);
	assert_int_equal(tqi.queue_state, RTE_ETH_QUEUE_STATE_STARTED);
	assert_int_equal(tqi.conf.tx_rs_thresh, 32);
	assert_int_equal(rte_eth_tx_burst(0, 0, pkts, n), n);
	assert_port_valid(0);
	assert_int_equal(rte_eth_dev_rx_queue_stop(0, 0), 0);
	assert_int_equal(rte_eth_dev_rx_queue_stop(0, 0), 0);
	assert_int_equal(rte_eth_rx_burst(0, 0, pkts, 32), 0);
	assert_int_equal(rte_eth_dev_tx_queue_stop(0, 0), 0);
	assert_port_valid(0);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(hm_mempool_avail_count(mp), 1024);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* MTU 9000 over 2 KB mbufs: received as chains, forwarded as chains, intact. */
static void
test_ethdev_jumbo_chains(void **state)
{
	enum { N = 600 };
	struct rte_mbuf *pkts[32];
	static uint8_t flat[9728];
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=600,gen_size=64-9000"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem1", "loopback=net_hugemem2"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem2", NULL), 0);
	struct hm_mempool *mp = pool("jumbo_pool", 8192, 2176);
	for (uint16_t p = 0; p < 3; p++)
		port_up(p, 1, mp, RTE_ETH_TX_OFFLOAD_MULTI_SEGS, 9000);
	struct rte_eth_rxq_info rqi;
	assert_int_equal(rte_eth_rx_queue_info_get(0, 0, &rqi), 0);
	assert_int_equal(rqi.scattered_rx, 1);
	uint64_t seen = 0, chains = 0;
	for (int spins = 0; seen < N && spins < 20000; spins++) {
		uint16_t n = rte_eth_rx_burst(0, 0, pkts, 32);
		uint16_t k = rte_eth_tx_burst(1, 0, pkts, n);
		assert_int_equal(k, n);
		n = rte_eth_rx_burst(2, 0, pkts, 32);
		for (uint16_t i = 0; i < n; i++) {
			struct hm_mbuf *m = (struct hm_mbuf *)(void *)pkts[i];
			size_t len = 0;
			chains += m->nb_segs > 1;
			for (struct hm_mbuf *s = m; s != NULL; s = s->next) {
				memcpy(flat + len, hm_pktmbuf_mtod(s, void *), s->data_len);
				len += s->data_len;
			}
			assert_int_equal(len, m->pkt_len);
			assert_int_equal(hm_traffic_verify(flat, len, NULL), 0);
			hm_pktmbuf_free(m);
		}
		seen += n;
	}
	assert_int_equal(seen, N);
	assert_true(chains > N / 2);
	const uint16_t ports[] = { 0, 1, 2 };
	assert_pool_back(mp, ports, 3);
	for (uint16_t p = 0; p < 3; p++)
		assert_int_equal(rte_eth_dev_close(p), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* Frames of a capture, generated: @p n into @p path; their bytes kept in frames[]. */
static uint8_t frames[300][1600];
static size_t flen[300];

static void
write_capture(const char *path, int n, uint64_t seed)
{
	struct hm_traffic_gen_conf gc;
	struct hm_pcap_writer_conf wc;

	hm_traffic_gen_conf_init(&gc);
	gc.seed = seed;
	gc.flows = 32;
	gc.proto = HM_TRAFFIC_MIXED;
	gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = 64;
	gc.size_max = 1514;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&gc);
	hm_pcap_writer_conf_init(&wc);
	struct hm_pcap_writer *w = hm_pcap_writer_open(path, &wc);
	assert_non_null(g);
	assert_non_null(w);
	for (int i = 0; i < n; i++) {
		flen[i] = (size_t)hm_traffic_gen_next(g, frames[i], sizeof(frames[i]), NULL);
		assert_int_equal(hm_pcap_write(w, frames[i], flen[i], (uint64_t)i * 1000), 0);
	}
	assert_int_equal(hm_pcap_writer_close(w), 0);
	hm_traffic_gen_free(g);
}

/* A capture replayed twice through a forwarder 0 -> 1, port 1's wire captured:
 * every frame as it went in, in order; the idle report on stderr says so. */
static void
test_ethdev_pcap_replay_capture(void **state)
{
	char in[128], out[128], errp[128], args[400];
	struct rte_mbuf *pkts[32];
	static char report[8192];
	(void)state;

	snprintf(in, sizeof(in), "/tmp/hm-ethdev-in-%d.pcap", (int)getpid());
	snprintf(out, sizeof(out), "/tmp/hm-ethdev-out-%d.pcap", (int)getpid());
	snprintf(errp, sizeof(errp), "/tmp/hm-ethdev-err-%d.txt", (int)getpid());
	write_capture(in, 300, 5);
	snprintf(args, sizeof(args), "pcap=%s,loop=2,idle_report=50", in);
	assert_int_equal(rte_vdev_init("net_hugemem0", args), 0);
	snprintf(args, sizeof(args), "tx_pcap=%s", out);
	assert_int_equal(rte_vdev_init("net_hugemem1", args), 0);
	struct hm_mempool *mp = pool("pcap_pool", 2048, 2176);
	port_up(0, 1, mp, 0, 0);
	port_up(1, 1, mp, 0, 0);
	/* stderr into a file while the forwarder runs */
	fflush(stderr);
	int saved = dup(2), fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	uint64_t fwd = 0;
	for (int spins = 0; spins < 2000000; spins++) {
		uint16_t n = rte_eth_rx_burst(0, 0, pkts, 32);
		fwd += rte_eth_tx_burst(1, 0, pkts, n);
		if (n == 0 && fwd == 600) {
			FILE *f = fopen(errp, "r");
			size_t got = fread(report, 1, sizeof(report) - 1, f);
			report[got] = '\0';
			fclose(f);
			if (strstr(report, "held by the application") != NULL)
				break;
			usleep(1000);
		}
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	unlink(errp);
	assert_int_equal(fwd, 600);
	if (strstr(report, "net_hugemem: idle for 50 ms, every input read to its end") == NULL ||
	    strstr(report, "port 0 (net_hugemem0): rx 600 packets") == NULL ||
	    strstr(report, "port 1 (net_hugemem1): rx 0 packets, tx 600 packets") == NULL ||
	    strstr(report, "pool pcap_pool: 2048 mbufs") == NULL ||
	    strstr(report, " 0 held by the application") == NULL)
		fail_msg("report:\n%s", report);
	/* the capture was flushed with the report: read it while the port still runs */
	struct hm_pcap_reader *r = hm_pcap_open(out);
	assert_non_null(r);
	for (int i = 0; i < 600; i++) {
		static uint8_t buf[2048];
		struct hm_pcap_rec rec;
		assert_int_equal(hm_pcap_next(r, buf, sizeof(buf), &rec), 1);
		assert_int_equal(rec.caplen, flen[i % 300]);
		assert_memory_equal(buf, frames[i % 300], flen[i % 300]);
	}
	hm_pcap_close(r);
	const uint16_t ports[] = { 0, 1 };
	assert_pool_back(mp, ports, 2);
	assert_int_equal(hm_mempool_avail_count(mp), 2048);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(rte_eth_dev_close(1), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	unlink(in);
	unlink(out);
}

/* The device's hostile modes through the ports: nothing lost, everything counted. */
static void
test_ethdev_hostile_device(void **state)
{
	enum { N = 3000 };
	struct rte_mbuf *pkts[32];
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=3000,rx_fault=delay:7,"
				       "rx_fault=len_zero:50"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem1", "loopback=net_hugemem2,tx_fault=lost:5,"
				       "tx_fault=delay:3,tx_fault=spurious:11"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem2", NULL), 0);
	struct hm_mempool *mp = pool("hostile_pool", 4096, 2176);
	for (uint16_t p = 0; p < 3; p++)
		port_up(p, 1, mp, 0, 0);
	uint64_t in = 0, seen = 0;
	for (int spins = 0; spins < 50000; spins++) {
		uint16_t n = rte_eth_rx_burst(0, 0, pkts, 32);
		uint16_t k = rte_eth_tx_burst(1, 0, pkts, n);
		in += n;
		for (uint16_t i = k; i < n; i++)
			hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
		seen += drain(2, 1, 1);
		if (spins % 100 == 0)
			for (uint16_t p = 0; p < 3; p++)
				assert_port_valid(p);
	}
	struct rte_eth_stats s0, s1, s2;
	rte_eth_stats_get(0, &s0);
	rte_eth_stats_get(1, &s1);
	rte_eth_stats_get(2, &s2);
	/* every frame delivered or counted: zero-length write-backs are receive errors */
	assert_int_equal(s0.ipackets + s0.ierrors, N);
	assert_true(s0.ierrors > 0);
	assert_int_equal(in, s0.ipackets);
	assert_int_equal(s1.opackets + s1.oerrors, in);
	assert_int_equal(s2.ipackets, seen);
	assert_int_equal(seen, s1.opackets);
	uint64_t id, implied;
	assert_int_equal(rte_eth_xstats_get_id_by_name(1, "tx_writebacks_implied", &id), 0);
	assert_int_equal(rte_eth_xstats_get_by_id(1, &id, &implied, 1), 1);
	assert_true(implied > 0); /* lost write-backs recovered from later ones */
	for (uint16_t p = 0; p < 3; p++)
		assert_port_valid(p);
	const uint16_t ports[] = { 0, 1, 2 };
	assert_pool_back(mp, ports, 3);
	assert_int_equal(hm_mempool_avail_count(mp), 4096);
	for (uint16_t p = 0; p < 3; p++)
		assert_int_equal(rte_eth_dev_close(p), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* rx_queue_count and descriptor status; tx_done_cleanup; Tx buffers. */
static void
test_ethdev_queue_status_and_buffers(void **state)
{
	struct rte_mbuf *pkts[64];
	(void)state;

	assert_int_equal(rte_vdev_init("net_hugemem0", "gen=40"), 0);
	assert_int_equal(rte_vdev_init("net_hugemem1", NULL), 0);
	struct hm_mempool *mp = pool("st2_pool", 1024, 2176);
	port_up(0, 1, mp, 0, 0);
	port_up(1, 1, mp, 0, 0);
	/* a burst of 0 still feeds the device: 40 frames wait on the ring */
	assert_int_equal(rte_eth_rx_burst(0, 0, pkts, 0), 0);
	assert_int_equal(rte_eth_rx_burst(0, 0, pkts, 0), 0);
	int cnt = rte_eth_rx_queue_count(0, 0);
	assert_true(cnt >= 1 && cnt <= 40);
	assert_int_equal(rte_eth_rx_descriptor_status(0, 0, 0), RTE_ETH_RX_DESC_DONE);
	assert_int_equal(rte_eth_rx_descriptor_status(0, 0, (uint16_t)cnt), RTE_ETH_RX_DESC_AVAIL);
	uint16_t n = 0;
	while (n < 40) {
		uint16_t k = rte_eth_rx_burst(0, 0, pkts + n, 64);
		n = (uint16_t)(n + k);
		if (k == 0)
			break;
	}
	assert_int_equal(n, 40);
	assert_int_equal(rte_eth_rx_queue_count(0, 0), 0);
	/* a Tx buffer of 16: two flushes by size, the rest by hand */
	struct rte_eth_dev_tx_buffer *b = calloc(1, RTE_ETH_TX_BUFFER_SIZE(16));
	uint64_t dropped = 0;
	assert_int_equal(rte_eth_tx_buffer_init(b, 16), 0);
	assert_ptr_equal(b->error_callback, rte_eth_tx_buffer_drop_callback);
	assert_int_equal(rte_eth_tx_buffer_set_err_callback(b, rte_eth_tx_buffer_count_callback,
							     &dropped), 0);
	uint16_t sent = 0;
	for (uint16_t i = 0; i < 40; i++)
		sent = (uint16_t)(sent + rte_eth_tx_buffer(1, 0, b, pkts[i]));
	assert_int_equal(sent, 32);
	assert_int_equal(b->length, 8);
	assert_int_equal(rte_eth_tx_buffer_flush(1, 0, b), 8);
	assert_int_equal(rte_eth_tx_buffer_flush(1, 0, b), 0);
	assert_int_equal(dropped, 0);
	/* a buffer to a stopped queue: the error callback frees and counts */
	assert_int_equal(rte_eth_dev_tx_queue_stop(1, 0), 0);
	for (int i = 0; i < 3; i++) {
		struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
		hm_pktmbuf_append(m, 64);
		rte_eth_tx_buffer(1, 0, b, (struct rte_mbuf *)(void *)m);
	}
	assert_int_equal(rte_eth_tx_buffer_flush(1, 0, b), 0);
	assert_int_equal(dropped, 3);
	assert_int_equal(rte_eth_dev_tx_queue_start(1, 0), 0);
	free(b);
	/* the 40 sent: descriptors done once the RS block completes; cleanup frees them */
	assert_int_equal(rte_eth_tx_descriptor_status(1, 0, 0), RTE_ETH_TX_DESC_DONE);
	assert_true(rte_eth_tx_done_cleanup(1, 0, 0) >= 0);
	const uint16_t ports[] = { 0, 1 };
	assert_pool_back(mp, ports, 2);
	assert_int_equal(hm_mempool_avail_count(mp), 1024);
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(rte_eth_dev_close(1), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* Ports from EAL --vdev options; a bad one fails the init and leaves nothing. */
static void
test_ethdev_eal_vdev(void **state)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	(void)state;

	rte_eal_cleanup(); /* this test starts the EAL itself */
	rte_errno = 0;
	assert_int_equal(EAL("-l", "0", mem_opt, "--vdev=net_hugemem0,gen=10",
			     "--vdev=net_hugemem7,frob=1"), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_eth_dev_count_avail(), 0);
	assert_int_equal(EAL("-l", "0", mem_opt, "--vdev=net_ring0"), -1);
	assert_int_equal(EAL("-l", "0", mem_opt, "--vdev", "net_hugemem0,queues=2",
			     "--vdev=net_hugemem5,gen=5,loopback=net_hugemem0"), 6);
	assert_int_equal(rte_eth_dev_count_avail(), 2);
	uint16_t p, k = 0;
	RTE_ETH_FOREACH_DEV(p) {
		assert_int_equal(rte_eth_dev_get_name_by_port(p, name), 0);
		assert_string_equal(name, k == 0 ? "net_hugemem0" : "net_hugemem5");
		k++;
	}
	assert_int_equal(k, 2);
	/* the ports are started and left so: cleanup releases them */
	struct hm_mempool *mp = pool("eal_pool", 1024, 2176);
	port_up(0, 1, mp, 0, 0);
	port_up(1, 1, mp, 0, 0);
	assert_int_equal(drain(1, 1, 20), 5);
	struct rte_mbuf *pkts[8];
	assert_int_equal(rte_eth_rx_burst(1, 0, pkts, 8), 0);
	/* port 0 holds mbufs on its ring; cleanup stops and releases both ports
	 * before the memory goes */
	assert_true(hm_mempool_in_use_count(mp) > 0);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 0);
	assert_false(rte_eth_dev_is_valid_port(0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ethdev_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_info_and_adjust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_forward_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_stats_xstats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_link_mac_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_rss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_deferred_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_jumbo_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_pcap_replay_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_hostile_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_queue_status_and_buffers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_eal_vdev, setup, teardown),
	};
	if (strcmp(hm_test_backend(), "emu") != 0) {
		const char *dir = hm_testing_huge_dir();
		hm_test_backend_ready();
		snprintf(mem_opt_buf, sizeof(mem_opt_buf), "--backend=%s", hm_test_backend());
		mem_opt = mem_opt_buf;
		if (dir != NULL)
			setenv("HUGEMEM_HUGE_DIR", dir, 1);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
