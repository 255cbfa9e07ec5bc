/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_ethdev.h's control functions over hugemem's net_hugemem ports, part 1:
 * port iteration, device information with i40e's limits, configure, queue
 * setup, start / stop / close, per-queue start and stop, queue information.
 * Link, promiscuous and all-multicast modes, MAC address, MTU, packet types
 * and RSS are in ethdev_settings.c (which calls eth_reta_apply here; nothing
 * here calls it). Errors and their order follow DPDK 22.11's rte_ethdev.c
 * (invalid port -ENODEV first, then -EINVAL for arguments, -EBUSY for a
 * started port); the driver's own refusals come back as DPDK's i40e would give
 * them, with -EINVAL where i40e returns its I40E_ERR_PARAM (-5). See ethdev_i.h
 * for the invariants. The functions that configure, start, stop or close a
 * port are eth_do_<name> here, called with the control lock held by
 * rte_eth_<name> (ethdev_ctl.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ethdev_i.h"
#include "hugemem/common.h"
#include "hugemem/memzone.h"

struct rte_hm_eth_fp rte_hm_eth_fp[RTE_MAX_ETHPORTS];

/* ---------------------------------------------------------------- ports */

uint64_t
rte_eth_find_next_owned_by(uint16_t port_id, const uint64_t owner_id)
{
	if (owner_id != RTE_ETH_DEV_NO_OWNER)
		return RTE_MAX_ETHPORTS; /* hugemem's ports have no owners */
	eth_secondary_sync();
	while (port_id < RTE_MAX_ETHPORTS && hm_eth_ports[port_id].state != PORT_PROBED)
		port_id++;
	return port_id;
}

uint16_t
rte_eth_find_next(uint16_t port_id)
{
	return (uint16_t)rte_eth_find_next_owned_by(port_id, RTE_ETH_DEV_NO_OWNER);
}

uint16_t
rte_eth_dev_count_avail(void)
{
	uint16_t n = 0;

	eth_secondary_sync();
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
		n = (uint16_t)(n + (hm_eth_ports[i].state == PORT_PROBED));
	return n;
}

uint16_t
rte_eth_dev_count_total(void)
{
	return rte_eth_dev_count_avail();
}

int
rte_eth_dev_is_valid_port(uint16_t port_id)
{
	return eth_port(port_id) != NULL;
}

int
rte_eth_dev_get_name_by_port(uint16_t port_id, char *name)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (name == NULL)
		return -EINVAL;
	snprintf(name, RTE_ETH_NAME_MAX_LEN, "%s", p->name);
	return 0;
}

int
rte_eth_dev_get_port_by_name(const char *name, uint16_t *port_id)
{
	if (name == NULL || port_id == NULL)
		return -EINVAL;
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (hm_eth_ports[i].state == PORT_PROBED && strcmp(hm_eth_ports[i].name, name) == 0) {
			*port_id = i;
			return 0;
		}
	return -ENODEV;
}

int
rte_eth_dev_socket_id(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL) {
		rte_errno = EINVAL;
		return -1;
	}
	return p->node;
}

/* ---------------------------------------------------------------- info */

static const uint32_t no_dev_flags = 0;

int
rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *di)
{
	struct hm_eth_port *p = eth_port(port_id);

	eth_secondary_sync();
	if (p == NULL)
		return -ENODEV;
	if (di == NULL)
		return -EINVAL;
	memset(di, 0, sizeof(*di));
	di->driver_name = ETH_DRIVER;
	di->min_mtu = RTE_ETHER_MIN_MTU;
	di->max_mtu = (uint16_t)(p->max_frame - ETH_OVERHEAD);
	di->dev_flags = &no_dev_flags;
	di->min_rx_bufsize = ETH_MIN_BUFSIZE;
	di->max_rx_pktlen = p->max_frame;
	di->max_rx_queues = (uint16_t)p->max_queues;
	di->max_tx_queues = (uint16_t)p->max_queues;
	di->max_mac_addrs = 1;
	di->rx_offload_capa = ETH_RX_CAPA;
	di->tx_offload_capa = ETH_TX_CAPA;
	di->tx_queue_offload_capa = RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	di->reta_size = ETH_RETA;
	di->hash_key_size = ETH_KEY_LEN;
	di->flow_type_rss_offloads = ETH_RSS_HF;
	di->default_rxconf.rx_thresh.pthresh = 8;
	di->default_rxconf.rx_thresh.hthresh = 8;
	di->default_rxconf.rx_free_thresh = HM_I40E_DEFAULT_RX_FREE_THRESH;
	di->default_txconf.tx_thresh.pthresh = 32;
	di->default_txconf.tx_free_thresh = HM_I40E_DEFAULT_TX_FREE_THRESH;
	di->default_txconf.tx_rs_thresh = HM_I40E_DEFAULT_TX_RS_THRESH;
	di->rx_desc_lim.nb_max = HM_I40E_MAX_RING_DESC;
	di->rx_desc_lim.nb_min = HM_I40E_MIN_RING_DESC;
	di->rx_desc_lim.nb_align = HM_I40E_ALIGN_RING_DESC;
	di->tx_desc_lim = di->rx_desc_lim;
	di->tx_desc_lim.nb_seg_max = HM_I40E_TX_MAX_MTU_SEG;
	di->tx_desc_lim.nb_mtu_seg_max = HM_I40E_TX_MAX_MTU_SEG;
	di->rx_desc_lim.nb_seg_max = HM_NIC_CHAIN_MAX;
	di->rx_desc_lim.nb_mtu_seg_max = HM_NIC_CHAIN_MAX;
	di->speed_capa = RTE_ETH_LINK_SPEED_1G | RTE_ETH_LINK_SPEED_10G |
			 RTE_ETH_LINK_SPEED_25G | RTE_ETH_LINK_SPEED_40G;
	di->nb_rx_queues = p->nb_rxq;
	di->nb_tx_queues = p->nb_txq;
	di->default_rxportconf.burst_size = 32;
	di->default_rxportconf.ring_size = 1024;
	di->default_rxportconf.nb_queues = 1;
	di->default_txportconf = di->default_rxportconf;
	di->switch_info.name = p->name;
	di->switch_info.port_id = port_id;
	return 0;
}

/* ---------------------------------------------------------------- configure */

/* Release a queue; its counters are kept in the port's (stats never go back). */
static void
release_rxq(struct hm_eth_port *p, unsigned int q)
{
	if (p->rxq[q].q != NULL)
		eth_stats_keep_rxq(p, q);
	hm_i40e_rxq_release(p->rxq[q].q);
	memset(&p->rxq[q], 0, sizeof(p->rxq[q]));
}

static void
release_txq(struct hm_eth_port *p, unsigned int q)
{
	if (p->txq[q].q != NULL)
		eth_stats_keep_txq(p, q);
	hm_i40e_txq_release(p->txq[q].q);
	memset(&p->txq[q], 0, sizeof(p->txq[q]));
}

void
eth_port_release_queues(struct hm_eth_port *p)
{
	for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
		release_rxq(p, q);
		release_txq(p, q);
	}
}

/* The port's redirection table into the device. */
int
eth_reta_apply(struct hm_eth_port *p)
{
	for (unsigned int i = 0; i < ETH_RETA; i++)
		if (p->reta[i] >= p->max_queues)
			p->reta[i] = 0;
	return hm_nic_reta_set(p->nic, p->reta, ETH_RETA);
}

static bool
speeds_ok(uint32_t speeds)
{
	const uint32_t capa = RTE_ETH_LINK_SPEED_1G | RTE_ETH_LINK_SPEED_10G |
			      RTE_ETH_LINK_SPEED_25G | RTE_ETH_LINK_SPEED_40G;
	uint32_t s = speeds & ~RTE_ETH_LINK_SPEED_FIXED;

	if ((s & ~capa) != 0)
		return false;
	/* fixed: exactly one speed */
	return !(speeds & RTE_ETH_LINK_SPEED_FIXED) || (s != 0 && (s & (s - 1)) == 0);
}

static uint32_t
speed_of(uint32_t speeds, uint32_t dflt)
{
	if (speeds & RTE_ETH_LINK_SPEED_FIXED) {
		if (speeds & RTE_ETH_LINK_SPEED_1G)
			return RTE_ETH_SPEED_NUM_1G;
		if (speeds & RTE_ETH_LINK_SPEED_10G)
			return RTE_ETH_SPEED_NUM_10G;
		if (speeds & RTE_ETH_LINK_SPEED_25G)
			return RTE_ETH_SPEED_NUM_25G;
		return RTE_ETH_SPEED_NUM_40G;
	}
	return dflt;
}

int
eth_do_dev_configure(uint16_t port_id, uint16_t nb_rx_q, uint16_t nb_tx_q,
		     const struct rte_eth_conf *c)
{
	struct hm_eth_port *p = eth_port(port_id);
	const struct rte_eth_rss_conf *rss;
	uint32_t mtu;
	int rc;

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_configure");
	if (c == NULL) {
		ETH_LOG(ERR, "Cannot configure ethdev port %u from NULL config\n", port_id);
		return -EINVAL;
	}
	if (p->started) {
		ETH_LOG(ERR, "Port %u must be stopped to allow configuration\n", port_id);
		return -EBUSY;
	}
	if (nb_rx_q == 0 && nb_tx_q == 0)
		nb_rx_q = nb_tx_q = 1; /* the device's default port configuration */
	if (nb_rx_q > p->max_queues || nb_tx_q > p->max_queues) {
		ETH_LOG(ERR, "Ethdev port_id=%u nb_rx_queues=%u nb_tx_queues=%u > %u (the "
			"device's queues; devargs queues=)\n", port_id, nb_rx_q, nb_tx_q,
			p->max_queues);
		return -EINVAL;
	}
	if (c->rxmode.offloads & ~(uint64_t)ETH_RX_CAPA) {
		ETH_LOG(ERR, "Ethdev port_id=%u requested Rx offloads 0x%" PRIx64 " doesn't match "
			"Rx offloads capabilities 0x%" PRIx64 "\n", port_id, c->rxmode.offloads,
			(uint64_t)ETH_RX_CAPA);
		return -EINVAL;
	}
	if (c->txmode.offloads & ~(uint64_t)ETH_TX_CAPA) {
		ETH_LOG(ERR, "Ethdev port_id=%u requested Tx offloads 0x%" PRIx64 " doesn't match "
			"Tx offloads capabilities 0x%" PRIx64 "\n", port_id, c->txmode.offloads,
			(uint64_t)ETH_TX_CAPA);
		return -EINVAL;
	}
	mtu = c->rxmode.mtu != 0 ? c->rxmode.mtu : RTE_ETHER_MTU;
	if (mtu < RTE_ETHER_MIN_MTU || mtu > p->max_frame - ETH_OVERHEAD) {
		ETH_LOG(ERR, "Ethdev port_id=%u MTU %u outside %u..%u\n", port_id, mtu,
			RTE_ETHER_MIN_MTU, p->max_frame - ETH_OVERHEAD);
		return -EINVAL;
	}
	if ((c->rxmode.mq_mode & ~RTE_ETH_MQ_RX_RSS_FLAG) != 0 || c->txmode.mq_mode != 0) {
		ETH_LOG(ERR, "Ethdev port_id=%u: net_hugemem has no DCB or VMDq (mq_mode %d/%d)\n",
			port_id, (int)c->rxmode.mq_mode, (int)c->txmode.mq_mode);
		return -EINVAL;
	}
	rss = &c->rx_adv_conf.rss_conf;
	if ((c->rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH) &&
	    !(c->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG)) {
		ETH_LOG(ERR, "Ethdev port_id=%u config invalid Rx mq_mode without RSS but %s "
			"offload is requested\n", port_id, "RTE_ETH_RX_OFFLOAD_RSS_HASH");
		return -EINVAL;
	}
	if ((c->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) && (rss->rss_hf & ~(uint64_t)ETH_RSS_HF)) {
		ETH_LOG(ERR, "Ethdev port_id=%u invalid rss_hf: 0x%" PRIx64 ", valid value: 0x%"
			PRIx64 "\n", port_id, rss->rss_hf, (uint64_t)ETH_RSS_HF);
		return -EINVAL;
	}
	if (rss->rss_key != NULL && rss->rss_key_len != ETH_KEY_LEN) {
		ETH_LOG(ERR, "Ethdev port_id=%u invalid RSS key len: %u, valid value: %u\n",
			port_id, rss->rss_key_len, ETH_KEY_LEN);
		return -EINVAL;
	}
	if (c->lpbk_mode != 0 || c->intr_conf.lsc || c->intr_conf.rxq || c->intr_conf.rmv) {
		ETH_LOG(ERR, "Ethdev port_id=%u: net_hugemem has no loopback mode and raises no "
			"interrupts (lpbk_mode %u, intr_conf lsc %u rxq %u rmv %u)\n", port_id,
			c->lpbk_mode, c->intr_conf.lsc, c->intr_conf.rxq, c->intr_conf.rmv);
		return -EINVAL;
	}
	if (!speeds_ok(c->link_speeds)) {
		ETH_LOG(ERR, "Ethdev port_id=%u: link speeds 0x%x not supported\n", port_id,
			c->link_speeds);
		return -EINVAL;
	}
	/* applied: nothing refused it */
	if (rss->rss_key != NULL) {
		rc = hm_nic_rss_key_set(p->nic, rss->rss_key, ETH_KEY_LEN);
		if (rc < 0)
			return rc;
		memcpy(p->rss_key, rss->rss_key, ETH_KEY_LEN);
	}
	rc = hm_nic_vlan_strip_set(p->nic, (c->rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0);
	if (rc < 0)
		return rc;
	for (unsigned int q = nb_rx_q; q < ETH_MAX_Q; q++)
		release_rxq(p, q);
	for (unsigned int q = nb_tx_q; q < ETH_MAX_Q; q++)
		release_txq(p, q);
	p->conf = *c;
	p->conf.rx_adv_conf.rss_conf.rss_key = NULL; /* the caller's memory */
	if (c->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG)
		p->conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	p->nb_rxq = nb_rx_q;
	p->nb_txq = nb_tx_q;
	p->mtu = (uint16_t)mtu;
	p->rss_hf = (c->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) ? rss->rss_hf : 0;
	for (unsigned int i = 0; i < ETH_RETA; i++)
		p->reta[i] = (c->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) && nb_rx_q > 0
				     ? (uint16_t)(i % nb_rx_q)
				     : 0;
	p->speed = speed_of(c->link_speeds, p->speed);
	p->configured = true;
	return eth_reta_apply(p);
}

/* i40e's descriptor limits, DPDK's adjustment. */
static void
adjust_desc(uint16_t *nb)
{
	unsigned int v = *nb;

	v = (v + HM_I40E_ALIGN_RING_DESC - 1) / HM_I40E_ALIGN_RING_DESC * HM_I40E_ALIGN_RING_DESC;
	if (v > HM_I40E_MAX_RING_DESC)
		v = HM_I40E_MAX_RING_DESC;
	if (v < HM_I40E_MIN_RING_DESC)
		v = HM_I40E_MIN_RING_DESC;
	*nb = (uint16_t)v;
}

int
rte_eth_dev_adjust_nb_rx_tx_desc(uint16_t port_id, uint16_t *nb_rx_desc, uint16_t *nb_tx_desc)
{
	if (eth_port(port_id) == NULL)
		return -ENODEV;
	if (nb_rx_desc != NULL)
		adjust_desc(nb_rx_desc);
	if (nb_tx_desc != NULL)
		adjust_desc(nb_tx_desc);
	return 0;
}

static bool
desc_ok(uint16_t nb)
{
	return nb >= HM_I40E_MIN_RING_DESC && nb <= HM_I40E_MAX_RING_DESC &&
	       nb % HM_I40E_ALIGN_RING_DESC == 0;
}

/* The largest frame a queue takes: the MTU plus i40e's overhead. */
static unsigned int
max_pkt_of(const struct hm_eth_port *p)
{
	unsigned int v = (unsigned int)p->mtu + ETH_OVERHEAD;
	return v > p->max_frame ? p->max_frame : v;
}

static int
rxq_create(struct hm_eth_port *p, uint16_t qid)
{
	struct eth_rxq *s = &p->rxq[qid];
	struct hm_i40e_rxq_conf dc;
	struct hm_i40e_rxq_info info;

	hm_i40e_rxq_conf_init(&dc);
	dc.nb_desc = s->nb_desc;
	dc.rx_free_thresh = s->conf.rx_free_thresh != 0 ? s->conf.rx_free_thresh
							: HM_I40E_DEFAULT_RX_FREE_THRESH;
	dc.max_pkt_len = max_pkt_of(p);
	dc.port = p->id;
	s->q = hm_i40e_rxq_setup(p->nic, qid, s->mp, &dc);
	if (s->q == NULL) {
		int err = hm_errno;
		ETH_LOG(ERR, "port %u Rx queue %u: %s\n", p->id, qid, hm_last_error());
		return -(err == ENOMEM ? ENOMEM : EINVAL);
	}
	hm_i40e_rxq_info_get(s->q, &info);
	s->buf_size = info.buf_size;
	s->scattered = info.path == HM_I40E_RX_SCATTERED;
	return 0;
}

int
eth_do_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc,
		      unsigned int socket_id, const struct rte_eth_rxconf *rx_conf,
		      struct rte_mempool *mb_pool)
{
	struct hm_eth_port *p = eth_port(port_id);
	struct hm_mempool *mp = (struct hm_mempool *)(void *)mb_pool;
	struct rte_eth_rxconf conf;
	struct eth_rxq saved;
	int rc;

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_rx_queue_setup");
	if (rx_queue_id >= p->nb_rxq) {
		ETH_LOG(ERR, "Invalid Rx queue_id=%u of device port_id=%u (%u configured)\n",
			rx_queue_id, port_id, p->nb_rxq);
		return -EINVAL;
	}
	if (mp == NULL) {
		ETH_LOG(ERR, "Invalid null mempool pointer\n");
		return -EINVAL;
	}
	if (hm_pktmbuf_data_room_size(mp) < ETH_MIN_BUFSIZE + HM_PKTMBUF_HEADROOM) {
		ETH_LOG(ERR, "%s mbuf_data_room_size %u < %u (RTE_PKTMBUF_HEADROOM=%u + "
			"min_rx_bufsize(dev)=%u)\n", mp->name, hm_pktmbuf_data_room_size(mp),
			ETH_MIN_BUFSIZE + HM_PKTMBUF_HEADROOM, HM_PKTMBUF_HEADROOM,
			ETH_MIN_BUFSIZE);
		return -ENOSPC;
	}
	if (nb_rx_desc == 0)
		nb_rx_desc = 1024;
	if (!desc_ok(nb_rx_desc)) {
		ETH_LOG(ERR, "Invalid value for nb_rx_desc(=%u), should be: <= %u, >= %u, and a "
			"product of %u\n", nb_rx_desc, HM_I40E_MAX_RING_DESC, HM_I40E_MIN_RING_DESC,
			HM_I40E_ALIGN_RING_DESC);
		return -EINVAL;
	}
	if (p->started) {
		ETH_LOG(ERR, "Port %u must be stopped to set up Rx queue %u (no runtime queue "
			"setup)\n", port_id, rx_queue_id);
		return -EBUSY;
	}
	if ((int)socket_id != SOCKET_ID_ANY && socket_id >= RTE_MAX_NUMA_NODES) {
		ETH_LOG(ERR, "Invalid socket_id=%u for Rx queue %u\n", socket_id, rx_queue_id);
		return -EINVAL;
	}
	if (rx_conf != NULL) {
		conf = *rx_conf;
	} else {
		struct rte_eth_dev_info di;
		rte_eth_dev_info_get(port_id, &di);
		conf = di.default_rxconf;
	}
	if (conf.rx_nseg != 0 || conf.rx_seg != NULL || conf.rx_mempools != NULL ||
	    conf.rx_nmempool != 0 || conf.share_group != 0) {
		ETH_LOG(ERR, "port %u Rx queue %u: no buffer split, mempool list or shared "
			"queues on net_hugemem\n", port_id, rx_queue_id);
		return -EINVAL;
	}
	if ((conf.offloads & ~p->conf.rxmode.offloads) != 0) {
		ETH_LOG(ERR, "Ethdev port_id=%u rx_queue_id=%u, new added offloads 0x%" PRIx64
			" must be within per-queue offload capabilities 0x%" PRIx64 " in %s()\n",
			port_id, rx_queue_id, conf.offloads & ~p->conf.rxmode.offloads,
			(uint64_t)0, __func__);
		return -EINVAL;
	}
	/* a new queue replaces the old one, released first (its ring's memzone name is
	 * the new one's); a refused setup leaves the queue not set up, as DPDK */
	saved = p->rxq[rx_queue_id];
	memset(&p->rxq[rx_queue_id], 0, sizeof(p->rxq[rx_queue_id]));
	p->rxq[rx_queue_id].mp = mp;
	p->rxq[rx_queue_id].conf = conf;
	p->rxq[rx_queue_id].nb_desc = nb_rx_desc;
	if (saved.q != NULL) {
		struct eth_rxq keep = p->rxq[rx_queue_id];
		p->rxq[rx_queue_id] = saved;
		release_rxq(p, rx_queue_id);
		p->rxq[rx_queue_id] = keep;
	}
	rc = rxq_create(p, rx_queue_id);
	if (rc < 0) {
		memset(&p->rxq[rx_queue_id], 0, sizeof(p->rxq[rx_queue_id]));
		return rc;
	}
	return 0;
}

int
eth_do_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc,
		      unsigned int socket_id, const struct rte_eth_txconf *tx_conf)
{
	struct hm_eth_port *p = eth_port(port_id);
	struct rte_eth_txconf conf;
	struct hm_i40e_txq_conf dc;
	struct hm_i40e_txq *q;

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_tx_queue_setup");
	if (tx_queue_id >= p->nb_txq) {
		ETH_LOG(ERR, "Invalid Tx queue_id=%u of device port_id=%u (%u configured)\n",
			tx_queue_id, port_id, p->nb_txq);
		return -EINVAL;
	}
	if (nb_tx_desc == 0)
		nb_tx_desc = 1024;
	if (!desc_ok(nb_tx_desc)) {
		ETH_LOG(ERR, "Invalid value for nb_tx_desc(=%u), should be: <= %u, >= %u, and a "
			"product of %u\n", nb_tx_desc, HM_I40E_MAX_RING_DESC, HM_I40E_MIN_RING_DESC,
			HM_I40E_ALIGN_RING_DESC);
		return -EINVAL;
	}
	if (p->started) {
		ETH_LOG(ERR, "Port %u must be stopped to set up Tx queue %u (no runtime queue "
			"setup)\n", port_id, tx_queue_id);
		return -EBUSY;
	}
	if ((int)socket_id != SOCKET_ID_ANY && socket_id >= RTE_MAX_NUMA_NODES) {
		ETH_LOG(ERR, "Invalid socket_id=%u for Tx queue %u\n", socket_id, tx_queue_id);
		return -EINVAL;
	}
	if (tx_conf != NULL) {
		conf = *tx_conf;
	} else {
		struct rte_eth_dev_info di;
		rte_eth_dev_info_get(port_id, &di);
		conf = di.default_txconf;
	}
	uint64_t added = conf.offloads & ~p->conf.txmode.offloads;
	if ((added & ~(uint64_t)RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) != 0) {
		ETH_LOG(ERR, "Ethdev port_id=%u tx_queue_id=%u, new added offloads 0x%" PRIx64
			" must be within per-queue offload capabilities 0x%" PRIx64 " in %s()\n",
			port_id, tx_queue_id, added, (uint64_t)RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE,
			__func__);
		return -EINVAL;
	}
	hm_i40e_txq_conf_init(&dc);
	dc.nb_desc = nb_tx_desc;
	dc.tx_rs_thresh = conf.tx_rs_thresh;
	dc.tx_free_thresh = conf.tx_free_thresh;
	dc.wthresh = conf.tx_thresh.wthresh;
	dc.offloads = (conf.offloads | p->conf.txmode.offloads) & HM_I40E_TX_OFFLOADS;
	dc.port = port_id;
	/* the old queue goes first (the new one takes its ring's memzone name); a
	 * refused setup leaves the queue not set up, as DPDK */
	release_txq(p, tx_queue_id);
	q = hm_i40e_txq_setup(p->nic, tx_queue_id, &dc);
	if (q == NULL) {
		int err = hm_errno;
		ETH_LOG(ERR, "port %u Tx queue %u: %s\n", port_id, tx_queue_id, hm_last_error());
		return -(err == ENOMEM ? ENOMEM : EINVAL);
	}
	p->txq[tx_queue_id].q = q;
	p->txq[tx_queue_id].conf = conf;
	p->txq[tx_queue_id].nb_desc = nb_tx_desc;
	return 0;
}

/* ---------------------------------------------------------------- start, stop, close */

static int
rxq_start(struct hm_eth_port *p, uint16_t q)
{
	struct eth_rxq *s = &p->rxq[q];
	struct hm_i40e_rxq_info info;
	int rc;

	/* an MTU set since the setup: the queue takes the new frame size (i40e does at start) */
	hm_i40e_rxq_info_get(s->q, &info);
	if (info.max_pkt_len != max_pkt_of(p)) {
		eth_stats_keep_rxq(p, q);
		hm_i40e_rxq_release(s->q);
		s->q = NULL;
		rc = rxq_create(p, q);
		if (rc < 0)
			return rc;
	}
	rc = hm_i40e_rxq_start(s->q);
	if (rc < 0) {
		ETH_LOG(ERR, "port %u Rx queue %u: %s\n", p->id, q, hm_last_error());
		return rc;
	}
	s->started = true;
	return 0;
}

static int
txq_start(struct hm_eth_port *p, uint16_t q)
{
	int rc = hm_i40e_txq_start(p->txq[q].q);

	if (rc < 0) {
		ETH_LOG(ERR, "port %u Tx queue %u: %s\n", p->id, q, hm_last_error());
		return rc;
	}
	p->txq[q].started = true;
	return 0;
}

int
eth_port_stop_all_queues(struct hm_eth_port *p)
{
	int rc = 0;

	for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
		if (p->rxq[q].started && hm_i40e_rxq_stop(p->rxq[q].q) < 0)
			rc = -EBUSY;
		p->rxq[q].started = false;
		if (p->txq[q].started && hm_i40e_txq_stop(p->txq[q].q) < 0)
			rc = -EBUSY;
		p->txq[q].started = false;
	}
	return rc;
}

int
eth_do_dev_start(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	int rc;

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_start");
	if (eth_port_out(p) < 0)
		return -EOWNERDEAD;
	if (!p->configured) {
		ETH_LOG(INFO, "Device with port_id=%u is not configured.\n", port_id);
		return -EINVAL;
	}
	if (p->started) {
		ETH_LOG(INFO, "Device with port_id=%u already started\n", port_id);
		return 0;
	}
	for (uint16_t q = 0; q < p->nb_rxq; q++)
		if (p->rxq[q].q == NULL) {
			ETH_LOG(ERR, "Port %u: Rx queue %u is not set up\n", port_id, q);
			return -EINVAL;
		}
	for (uint16_t q = 0; q < p->nb_txq; q++)
		if (p->txq[q].q == NULL) {
			ETH_LOG(ERR, "Port %u: Tx queue %u is not set up\n", port_id, q);
			return -EINVAL;
		}
	rc = eth_port_resolve_peer(p);
	if (rc < 0)
		return rc;
	rc = eth_reta_apply(p);
	if (rc < 0)
		return rc;
	for (uint16_t q = 0; q < p->nb_rxq && rc == 0; q++)
		if (!p->rxq[q].conf.rx_deferred_start)
			rc = rxq_start(p, q);
	for (uint16_t q = 0; q < p->nb_txq && rc == 0; q++)
		if (!p->txq[q].conf.tx_deferred_start)
			rc = txq_start(p, q);
	if (rc < 0) {
		eth_port_stop_all_queues(p);
		return rc;
	}
	p->started = true;
	eth_fp_sync(p);
	return 0;
}

int
eth_do_dev_stop(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_stop");
	if (!p->started) {
		ETH_LOG(INFO, "Device with port_id=%u already stopped\n", port_id);
		return 0;
	}
	p->started = false;
	eth_fp_sync(p);
	int rc = eth_tx_lock(p);
	if (rc < 0)
		return rc;
	rc = eth_rx_lock(p);
	if (rc == 0) {
		rc = eth_port_stop_all_queues(p);
		eth_rx_unlock(p);
	}
	eth_tx_unlock(p);
	return rc;
}

int
eth_do_dev_close(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_close");
	if (p->started) {
		ETH_LOG(ERR, "Cannot close started device (port %u)\n", port_id);
		return -EINVAL;
	}
	eth_port_release_queues(p);
	eth_port_destroy(p);
	return 0;
}

static int
queue_op_check(struct hm_eth_port *p, uint16_t port_id, uint16_t q, bool rx)
{
	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, rx ? "Rx queue start/stop" : "Tx queue start/stop");
	if (eth_port_out(p) < 0)
		return -EOWNERDEAD;
	if (!p->started) {
		ETH_LOG(ERR, "Port %u must be started before start any queue\n", port_id);
		return -EINVAL;
	}
	if (q >= (rx ? p->nb_rxq : p->nb_txq) || (rx ? (void *)p->rxq[q].q : (void *)p->txq[q].q) == NULL) {
		ETH_LOG(ERR, "Invalid %s queue_id=%u of port %u\n", rx ? "Rx" : "Tx", q, port_id);
		return -EINVAL;
	}
	return 0;
}

int
eth_do_dev_rx_queue_start(uint16_t port_id, uint16_t rx_queue_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	int rc = queue_op_check(p, port_id, rx_queue_id, true);

	if (rc < 0)
		return rc;
	if (p->rxq[rx_queue_id].started)
		return 0;
	rc = rxq_start(p, rx_queue_id);
	if (rc == 0)
		eth_fp_sync(p);
	return rc;
}

int
eth_do_dev_rx_queue_stop(uint16_t port_id, uint16_t rx_queue_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	int rc = queue_op_check(p, port_id, rx_queue_id, true);

	if (rc < 0)
		return rc;
	if (!p->rxq[rx_queue_id].started)
		return 0;
	p->rxq[rx_queue_id].started = false;
	eth_fp_sync(p);
	rc = eth_rx_lock(p);
	if (rc < 0)
		return rc;
	rc = hm_i40e_rxq_stop(p->rxq[rx_queue_id].q);
	eth_rx_unlock(p);
	return rc;
}

int
eth_do_dev_tx_queue_start(uint16_t port_id, uint16_t tx_queue_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	int rc = queue_op_check(p, port_id, tx_queue_id, false);

	if (rc < 0)
		return rc;
	if (p->txq[tx_queue_id].started)
		return 0;
	rc = txq_start(p, tx_queue_id);
	if (rc == 0)
		eth_fp_sync(p);
	return rc;
}

int
eth_do_dev_tx_queue_stop(uint16_t port_id, uint16_t tx_queue_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	int rc = queue_op_check(p, port_id, tx_queue_id, false);

	if (rc < 0)
		return rc;
	if (!p->txq[tx_queue_id].started)
		return 0;
	p->txq[tx_queue_id].started = false;
	eth_fp_sync(p);
	rc = eth_tx_lock(p);
	if (rc < 0)
		return rc;
	rc = hm_i40e_txq_stop(p->txq[tx_queue_id].q);
	eth_tx_unlock(p);
	return rc;
}

int
rte_eth_rx_queue_info_get(uint16_t port_id, uint16_t queue_id, struct rte_eth_rxq_info *qinfo)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (qinfo == NULL || queue_id >= p->nb_rxq || p->rxq[queue_id].q == NULL)
		return -EINVAL;
	memset(qinfo, 0, sizeof(*qinfo));
	qinfo->mp = (struct rte_mempool *)(void *)p->rxq[queue_id].mp;
	qinfo->conf = p->rxq[queue_id].conf;
	qinfo->scattered_rx = p->rxq[queue_id].scattered;
	qinfo->queue_state = p->rxq[queue_id].started ? RTE_ETH_QUEUE_STATE_STARTED
						       : RTE_ETH_QUEUE_STATE_STOPPED;
	qinfo->nb_desc = p->rxq[queue_id].nb_desc;
	qinfo->rx_buf_size = (uint16_t)p->rxq[queue_id].buf_size;
	return 0;
}

int
rte_eth_tx_queue_info_get(uint16_t port_id, uint16_t queue_id, struct rte_eth_txq_info *qinfo)
{
	struct hm_eth_port *p = eth_port(port_id);
	struct hm_i40e_txq_info info;

	if (p == NULL)
		return -ENODEV;
	if (qinfo == NULL || queue_id >= p->nb_txq || p->txq[queue_id].q == NULL)
		return -EINVAL;
	memset(qinfo, 0, sizeof(*qinfo));
	hm_i40e_txq_info_get(p->txq[queue_id].q, &info);
	qinfo->conf = p->txq[queue_id].conf;
	qinfo->conf.tx_rs_thresh = (uint16_t)info.tx_rs_thresh;
	qinfo->conf.tx_free_thresh = (uint16_t)info.tx_free_thresh;
	qinfo->nb_desc = p->txq[queue_id].nb_desc;
	qinfo->queue_state = p->txq[queue_id].started ? RTE_ETH_QUEUE_STATE_STARTED
						       : RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}
