/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of offload flags and packet types, as DPDK 22.11 prints them: the
 * single-flag functions know every named flag and every value of a multi-bit
 * field; the list functions walk a fixed table in DPDK's order, where a field
 * (checksum status, L4 checksum request, tunnel type) is listed by the value
 * its bits hold (UNKNOWN / NO_CKSUM when 0, where DPDK names 0).
 */
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dpdk_i.h"

struct flag_name {
	uint64_t flag; /* value within mask */
	uint64_t mask;
	const char *name;
};

#define ONE(f) { f, f, #f }
#define FIELD(f, m) { f, m, #f }

static const struct flag_name rx_names[] = {
	ONE(RTE_MBUF_F_RX_VLAN),
	ONE(RTE_MBUF_F_RX_RSS_HASH),
	ONE(RTE_MBUF_F_RX_FDIR),
	FIELD(RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_L4_CKSUM_NONE, RTE_MBUF_F_RX_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_IP_CKSUM_BAD, RTE_MBUF_F_RX_IP_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_IP_CKSUM_NONE, RTE_MBUF_F_RX_IP_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_MASK),
	ONE(RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD),
	ONE(RTE_MBUF_F_RX_VLAN_STRIPPED),
	ONE(RTE_MBUF_F_RX_IEEE1588_PTP),
	ONE(RTE_MBUF_F_RX_IEEE1588_TMST),
	ONE(RTE_MBUF_F_RX_FDIR_ID),
	ONE(RTE_MBUF_F_RX_FDIR_FLX),
	ONE(RTE_MBUF_F_RX_QINQ_STRIPPED),
	ONE(RTE_MBUF_F_RX_LRO),
	ONE(RTE_MBUF_F_RX_SEC_OFFLOAD),
	ONE(RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED),
	ONE(RTE_MBUF_F_RX_QINQ),
	FIELD(RTE_MBUF_F_RX_OUTER_L4_CKSUM_BAD, RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_OUTER_L4_CKSUM_GOOD, RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_OUTER_L4_CKSUM_INVALID, RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK),
	FIELD(RTE_MBUF_F_RX_OUTER_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK),
};

/* The TX list: the L4 field names NO_CKSUM for 0; the tunnel field names
 * only these seven types. */
static const struct flag_name tx_names[] = {
	ONE(RTE_MBUF_F_TX_VLAN),
	ONE(RTE_MBUF_F_TX_IP_CKSUM),
	FIELD(RTE_MBUF_F_TX_TCP_CKSUM, RTE_MBUF_F_TX_L4_MASK),
	FIELD(RTE_MBUF_F_TX_SCTP_CKSUM, RTE_MBUF_F_TX_L4_MASK),
	FIELD(RTE_MBUF_F_TX_UDP_CKSUM, RTE_MBUF_F_TX_L4_MASK),
	FIELD(RTE_MBUF_F_TX_L4_NO_CKSUM, RTE_MBUF_F_TX_L4_MASK),
	ONE(RTE_MBUF_F_TX_IEEE1588_TMST),
	ONE(RTE_MBUF_F_TX_TCP_SEG),
	ONE(RTE_MBUF_F_TX_IPV4),
	ONE(RTE_MBUF_F_TX_IPV6),
	ONE(RTE_MBUF_F_TX_OUTER_IP_CKSUM),
	ONE(RTE_MBUF_F_TX_OUTER_IPV4),
	ONE(RTE_MBUF_F_TX_OUTER_IPV6),
	FIELD(RTE_MBUF_F_TX_TUNNEL_VXLAN, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_GRE, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_IPIP, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_GENEVE, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_MPLSINUDP, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_VXLAN_GPE, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_GTP, RTE_MBUF_F_TX_TUNNEL_MASK),
	ONE(RTE_MBUF_F_TX_QINQ),
	ONE(RTE_MBUF_F_TX_MACSEC),
	ONE(RTE_MBUF_F_TX_SEC_OFFLOAD),
	ONE(RTE_MBUF_F_TX_UDP_SEG),
	ONE(RTE_MBUF_F_TX_OUTER_UDP_CKSUM),
};

/* Names the single-flag TX function knows besides the list's (values of the
 * tunnel field the list does not print; not ESP, as DPDK). */
static const struct flag_name tx_extra[] = {
	FIELD(RTE_MBUF_F_TX_TUNNEL_IP, RTE_MBUF_F_TX_TUNNEL_MASK),
	FIELD(RTE_MBUF_F_TX_TUNNEL_UDP, RTE_MBUF_F_TX_TUNNEL_MASK),
};

/* The name of exactly @p mask: a named single flag, or a non-zero field value. */
static const char *
name_of(const struct flag_name *t, size_t n, uint64_t mask)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].flag != 0 && t[i].flag == mask)
			return t[i].name;
	return NULL;
}

const char *
rte_get_rx_ol_flag_name(uint64_t mask)
{
	return name_of(rx_names, RTE_DIM(rx_names), mask);
}

const char *
rte_get_tx_ol_flag_name(uint64_t mask)
{
	const char *n = name_of(tx_names, RTE_DIM(tx_names), mask);

	return n != NULL ? n : name_of(tx_extra, RTE_DIM(tx_extra), mask);
}

/* Append "name " to buf; -1 when it does not fit (what fits is written). */
static int
append(char **buf, size_t *len, const char *name)
{
	int n = snprintf(*buf, *len, "%s ", name);

	if (n < 0 || (size_t)n >= *len)
		return -1;
	*buf += n;
	*len -= (size_t)n;
	return 0;
}

static int
flag_list(const struct flag_name *t, size_t n, uint64_t mask, char *buf, size_t buflen)
{
	if (buf == NULL || buflen == 0)
		return -1;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((mask & t[i].mask) == t[i].flag && append(&buf, &buflen, t[i].name) < 0)
			return -1;
	return 0;
}

int
rte_get_rx_ol_flag_list(uint64_t mask, char *buf, size_t buflen)
{
	return flag_list(rx_names, RTE_DIM(rx_names), mask, buf, buflen);
}

int
rte_get_tx_ol_flag_list(uint64_t mask, char *buf, size_t buflen)
{
	return flag_list(tx_names, RTE_DIM(tx_names), mask, buf, buflen);
}

/* ---------------------------------------------------------------- packet types */

/* Names of one 4-bit layer field, indexed by its value; NULL: unknown. */
static const char *const l2_names[16] = {
	[1] = "L2_ETHER", [2] = "L2_ETHER_TIMESYNC", [3] = "L2_ETHER_ARP",
	[4] = "L2_ETHER_LLDP", [5] = "L2_ETHER_NSH", [6] = "L2_ETHER_VLAN",
	[7] = "L2_ETHER_QINQ", [8] = "L2_ETHER_PPPOE", [9] = "L2_ETHER_FCOE",
	[10] = "L2_ETHER_MPLS",
};
static const char *const l3_names[16] = {
	[1] = "L3_IPV4", [3] = "L3_IPV4_EXT", [4] = "L3_IPV6", [9] = "L3_IPV4_EXT_UNKNOWN",
	[12] = "L3_IPV6_EXT", [14] = "L3_IPV6_EXT_UNKNOWN",
};
static const char *const l4_names[16] = {
	[1] = "L4_TCP", [2] = "L4_UDP", [3] = "L4_FRAG", [4] = "L4_SCTP", [5] = "L4_ICMP",
	[6] = "L4_NONFRAG", [7] = "L4_IGMP",
};
static const char *const tunnel_names[16] = {
	[1] = "TUNNEL_IP", [2] = "TUNNEL_GRE", [3] = "TUNNEL_VXLAN", [4] = "TUNNEL_NVGRE",
	[5] = "TUNNEL_GENEVE", [6] = "TUNNEL_GRENAT", [7] = "TUNNEL_GTPC", [8] = "TUNNEL_GTPU",
	[9] = "TUNNEL_ESP", [10] = "TUNNEL_L2TP", [11] = "TUNNEL_VXLAN_GPE",
	[12] = "TUNNEL_MPLS_IN_GRE", [13] = "TUNNEL_MPLS_IN_UDP",
};
static const char *const inner_l2_names[16] = {
	[1] = "INNER_L2_ETHER", [2] = "INNER_L2_ETHER_VLAN", [3] = "INNER_L2_ETHER_QINQ",
};
static const char *const inner_l3_names[16] = {
	[1] = "INNER_L3_IPV4", [2] = "INNER_L3_IPV4_EXT", [3] = "INNER_L3_IPV6",
	[4] = "INNER_L3_IPV4_EXT_UNKNOWN", [5] = "INNER_L3_IPV6_EXT",
	[6] = "INNER_L3_IPV6_EXT_UNKNOWN",
};
static const char *const inner_l4_names[16] = {
	[1] = "INNER_L4_TCP", [2] = "INNER_L4_UDP", [3] = "INNER_L4_FRAG", [4] = "INNER_L4_SCTP",
	[5] = "INNER_L4_ICMP", [6] = "INNER_L4_NONFRAG",
};

struct layer {
	const char *const *names;
	unsigned int shift;
	const char *unknown;
};

static const struct layer layers[] = {
	{ l2_names, 0, "L2_UNKNOWN" },
	{ l3_names, 4, "L3_UNKNOWN" },
	{ l4_names, 8, "L4_UNKNOWN" },
	{ tunnel_names, 12, "TUNNEL_UNKNOWN" },
	{ inner_l2_names, 16, "INNER_L2_UNKNOWN" },
	{ inner_l3_names, 20, "INNER_L3_UNKNOWN" },
	{ inner_l4_names, 24, "INNER_L4_UNKNOWN" },
};

static const char *
layer_name(unsigned int i, uint32_t ptype)
{
	const struct layer *l = &layers[i];
	const char *n = l->names[(ptype >> l->shift) & 0xf];

	return n != NULL ? n : l->unknown;
}

const char *
rte_get_ptype_l2_name(uint32_t ptype)
{
	return layer_name(0, ptype);
}

const char *
rte_get_ptype_l3_name(uint32_t ptype)
{
	return layer_name(1, ptype);
}

const char *
rte_get_ptype_l4_name(uint32_t ptype)
{
	return layer_name(2, ptype);
}

const char *
rte_get_ptype_tunnel_name(uint32_t ptype)
{
	return layer_name(3, ptype);
}

const char *
rte_get_ptype_inner_l2_name(uint32_t ptype)
{
	return layer_name(4, ptype);
}

const char *
rte_get_ptype_inner_l3_name(uint32_t ptype)
{
	return layer_name(5, ptype);
}

const char *
rte_get_ptype_inner_l4_name(uint32_t ptype)
{
	return layer_name(6, ptype);
}

int
rte_get_ptype_name(uint32_t ptype, char *buf, size_t buflen)
{
	int n;

	if (buf == NULL || buflen == 0)
		return -1;
	buf[0] = '\0';
	if ((ptype & RTE_PTYPE_ALL_MASK) == RTE_PTYPE_UNKNOWN) {
		n = snprintf(buf, buflen, "UNKNOWN");
		return n < 0 || (size_t)n >= buflen ? -1 : 0;
	}
	for (unsigned int i = 0; i < RTE_DIM(layers); i++)
		if (((ptype >> layers[i].shift) & 0xf) != 0 &&
		    append(&buf, &buflen, layer_name(i, ptype)) < 0)
			return -1;
	return 0;
}
