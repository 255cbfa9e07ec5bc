/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_ethdev.h's control functions over hugemem's net_hugemem ports, part 2
 * (part 1: ethdev.c): link (eth_do_link_get*, eth_do_dev_set_link_up/down,
 * called with the control lock held by ethdev_ctl.c), promiscuous and
 * all-multicast modes, MAC address, MTU, packet types, RSS (RETA and hash
 * configuration). Errors and their order follow DPDK 22.11's rte_ethdev.c as
 * in part 1; see ethdev_i.h for the invariants.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ethdev_i.h"
#include "hugemem/common.h"
#include "hugemem/memzone.h"

/* ---------------------------------------------------------------- link */

static int
link_fill(uint16_t port_id, struct rte_eth_link *link)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (link == NULL)
		return -EINVAL;
	memset(link, 0, sizeof(*link));
	link->link_status = p->started && p->link_admin_up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	link->link_speed = link->link_status ? p->speed : RTE_ETH_SPEED_NUM_NONE;
	link->link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	link->link_autoneg = (p->conf.link_speeds & RTE_ETH_LINK_SPEED_FIXED) ? RTE_ETH_LINK_FIXED
									     : RTE_ETH_LINK_AUTONEG;
	return 0;
}

int
eth_do_link_get(uint16_t port_id, struct rte_eth_link *link)
{
	eth_secondary_sync();
	return link_fill(port_id, link);
}

int
eth_do_link_get_nowait(uint16_t port_id, struct rte_eth_link *link)
{
	eth_secondary_sync();
	return link_fill(port_id, link);
}

const char *
rte_eth_link_speed_to_str(uint32_t link_speed)
{
	switch (link_speed) {
	case RTE_ETH_SPEED_NUM_NONE: return "None";
	case RTE_ETH_SPEED_NUM_10M: return "10 Mbps";
	case RTE_ETH_SPEED_NUM_100M: return "100 Mbps";
	case RTE_ETH_SPEED_NUM_1G: return "1 Gbps";
	case RTE_ETH_SPEED_NUM_2_5G: return "2.5 Gbps";
	case RTE_ETH_SPEED_NUM_5G: return "5 Gbps";
	case RTE_ETH_SPEED_NUM_10G: return "10 Gbps";
	case RTE_ETH_SPEED_NUM_20G: return "20 Gbps";
	case RTE_ETH_SPEED_NUM_25G: return "25 Gbps";
	case RTE_ETH_SPEED_NUM_40G: return "40 Gbps";
	case RTE_ETH_SPEED_NUM_50G: return "50 Gbps";
	case RTE_ETH_SPEED_NUM_56G: return "56 Gbps";
	case RTE_ETH_SPEED_NUM_100G: return "100 Gbps";
	case RTE_ETH_SPEED_NUM_200G: return "200 Gbps";
	case RTE_ETH_SPEED_NUM_UNKNOWN: return "Unknown";
	default: return "Invalid";
	}
}

int
rte_eth_link_to_str(char *str, size_t len, const struct rte_eth_link *eth_link)
{
	if (str == NULL || len == 0 || eth_link == NULL)
		return -EINVAL;
	if (eth_link->link_status == RTE_ETH_LINK_DOWN)
		return snprintf(str, len, "Link down");
	return snprintf(str, len, "Link up at %s %s %s",
			rte_eth_link_speed_to_str(eth_link->link_speed),
			eth_link->link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "FDX" : "HDX",
			eth_link->link_autoneg == RTE_ETH_LINK_AUTONEG ? "Autoneg" : "Fixed");
}

int
eth_do_dev_set_link_up(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_set_link_up");
	p->link_admin_up = true;
	return 0;
}

int
eth_do_dev_set_link_down(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_set_link_down");
	p->link_admin_up = false;
	return 0;
}

/* ---------------------------------------------------------------- filters, MAC, MTU */

static int
set_flag(uint16_t port_id, bool promisc, bool on)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, promisc ? "promiscuous mode" : "all-multicast mode");
	if (promisc)
		p->promisc = on;
	else
		p->allmulti = on;
	return 0;
}

int
rte_eth_promiscuous_enable(uint16_t port_id)
{
	return set_flag(port_id, true, true);
}

int
rte_eth_promiscuous_disable(uint16_t port_id)
{
	return set_flag(port_id, true, false);
}

int
rte_eth_promiscuous_get(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	return p == NULL ? -ENODEV : p->promisc;
}

int
rte_eth_allmulticast_enable(uint16_t port_id)
{
	return set_flag(port_id, false, true);
}

int
rte_eth_allmulticast_disable(uint16_t port_id)
{
	return set_flag(port_id, false, false);
}

int
rte_eth_allmulticast_get(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	return p == NULL ? -ENODEV : p->allmulti;
}

int
rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac_addr)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (mac_addr == NULL)
		return -EINVAL;
	*mac_addr = p->mac;
	return 0;
}

int
rte_eth_dev_default_mac_addr_set(uint16_t port_id, struct rte_ether_addr *mac_addr)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_default_mac_addr_set");
	if (mac_addr == NULL || !rte_is_valid_assigned_ether_addr(mac_addr))
		return -EINVAL;
	p->mac = *mac_addr;
	return 0;
}

int
rte_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (mtu == NULL)
		return -EINVAL;
	*mtu = p->mtu;
	return 0;
}

int
rte_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_set_mtu");
	if (mtu < RTE_ETHER_MIN_MTU || mtu > p->max_frame - ETH_OVERHEAD)
		return -EINVAL;
	if (p->started) {
		ETH_LOG(ERR, "port %u must be stopped before configuration\n", port_id);
		return -EBUSY;
	}
	p->mtu = mtu;
	return 0;
}

/* ---------------------------------------------------------------- packet types */

static const uint32_t ptypes_all[] = {
	HM_PTYPE_L2_ETHER,
	HM_PTYPE_L3_IPV4_EXT_UNKNOWN,
	HM_PTYPE_L3_IPV6_EXT_UNKNOWN,
	HM_PTYPE_L4_FRAG,
	HM_PTYPE_L4_ICMP,
	HM_PTYPE_L4_NONFRAG,
	HM_PTYPE_L4_SCTP,
	HM_PTYPE_L4_TCP,
	HM_PTYPE_L4_UDP,
};

int
rte_eth_dev_get_supported_ptypes(uint16_t port_id, uint32_t ptype_mask, uint32_t *ptypes,
				 int num)
{
	int n = 0;

	if (eth_port(port_id) == NULL)
		return -ENODEV;
	if (ptypes == NULL && num > 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(ptypes_all) / sizeof(ptypes_all[0]); i++) {
		uint32_t t = ptypes_all[i];
		uint32_t layer = (t & HM_PTYPE_L2_MASK) ? HM_PTYPE_L2_MASK
				 : (t & HM_PTYPE_L3_MASK) ? HM_PTYPE_L3_MASK
							  : HM_PTYPE_L4_MASK;
		if ((ptype_mask & layer) == 0)
			continue;
		if (n < num)
			ptypes[n] = t;
		n++;
	}
	return n;
}

int
rte_eth_dev_set_ptypes(uint16_t port_id, uint32_t ptype_mask, uint32_t *set_ptypes,
		       unsigned int num)
{
	(void)ptype_mask;
	if (eth_port(port_id) == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_set_ptypes");
	if (set_ptypes == NULL && num > 0)
		return -EINVAL;
	/* the device always classifies; as DPDK for a PMD that cannot switch it off */
	if (num > 0)
		set_ptypes[0] = HM_PTYPE_UNKNOWN;
	return 0;
}

/* ---------------------------------------------------------------- RSS */

int
rte_eth_dev_rss_reta_update(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
			    uint16_t reta_size)
{
	struct hm_eth_port *p = eth_port(port_id);
	uint16_t next[ETH_RETA];

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_rss_reta_update");
	if (reta_conf == NULL || reta_size != ETH_RETA) {
		ETH_LOG(ERR, "The size of hash lookup table configured (%u) doesn't match the "
			"number hardware can supported (%u)\n", reta_size, ETH_RETA);
		return -EINVAL;
	}
	memcpy(next, p->reta, sizeof(next));
	for (unsigned int i = 0; i < ETH_RETA; i++) {
		const struct rte_eth_rss_reta_entry64 *e = &reta_conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int k = i % RTE_ETH_RETA_GROUP_SIZE;
		if (!(e->mask & (1ULL << k)))
			continue;
		if (e->reta[k] >= (p->nb_rxq != 0 ? p->nb_rxq : p->max_queues)) {
			ETH_LOG(ERR, "RETA entry %u names queue %u of %u\n", i, e->reta[k],
				p->nb_rxq);
			return -EINVAL;
		}
		next[i] = e->reta[k];
	}
	memcpy(p->reta, next, sizeof(next));
	return eth_reta_apply(p);
}

int
rte_eth_dev_rss_reta_query(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
			   uint16_t reta_size)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (reta_conf == NULL || reta_size != ETH_RETA)
		return -EINVAL;
	for (unsigned int i = 0; i < ETH_RETA; i++) {
		struct rte_eth_rss_reta_entry64 *e = &reta_conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int k = i % RTE_ETH_RETA_GROUP_SIZE;
		if (e->mask & (1ULL << k))
			e->reta[k] = p->reta[i];
	}
	return 0;
}

int
rte_eth_dev_rss_hash_update(uint16_t port_id, struct rte_eth_rss_conf *rss_conf)
{
	struct hm_eth_port *p = eth_port(port_id);
	int rc;

	if (p == NULL)
		return -ENODEV;
	ETH_PRIMARY_ONLY(port_id, "rte_eth_dev_rss_hash_update");
	if (rss_conf == NULL)
		return -EINVAL;
	if (rss_conf->rss_hf & ~(uint64_t)ETH_RSS_HF) {
		ETH_LOG(ERR, "Ethdev port_id=%u invalid rss_hf: 0x%" PRIx64 ", valid value: 0x%"
			PRIx64 "\n", port_id, rss_conf->rss_hf, (uint64_t)ETH_RSS_HF);
		return -EINVAL;
	}
	if (!(p->conf.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG)) {
		ETH_LOG(ERR, "Multi-queue RSS mode isn't enabled.\n");
		return -ENOTSUP;
	}
	if (rss_conf->rss_key != NULL) {
		if (rss_conf->rss_key_len != ETH_KEY_LEN)
			return -EINVAL;
		rc = hm_nic_rss_key_set(p->nic, rss_conf->rss_key, ETH_KEY_LEN);
		if (rc < 0)
			return rc;
		memcpy(p->rss_key, rss_conf->rss_key, ETH_KEY_LEN);
	}
	p->rss_hf = rss_conf->rss_hf;
	return 0;
}

int
rte_eth_dev_rss_hash_conf_get(uint16_t port_id, struct rte_eth_rss_conf *rss_conf)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (rss_conf == NULL)
		return -EINVAL;
	if (rss_conf->rss_key != NULL) {
		if (rss_conf->rss_key_len < ETH_KEY_LEN)
			return -EINVAL;
		memcpy(rss_conf->rss_key, p->rss_key, ETH_KEY_LEN);
	}
	rss_conf->rss_key_len = ETH_KEY_LEN;
	rss_conf->rss_hf = p->rss_hf;
	return 0;
}
