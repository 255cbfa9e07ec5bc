/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet (DPDK 22.11's rte_ether.h): addresses, the Ethernet and VLAN
 * headers, their constants, and VLAN strip / insert on mbufs. Header-only but
 * for the three address helpers in libhugemem_dpdk (core/dpdk/net.c).
 */
#ifndef _RTE_ETHER_H_
#define _RTE_ETHER_H_

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_random.h>
#include <rte_mbuf.h>
#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_ETHER_ADDR_LEN 6
#define RTE_ETHER_TYPE_LEN 2
#define RTE_ETHER_CRC_LEN 4
#define RTE_ETHER_HDR_LEN (RTE_ETHER_ADDR_LEN * 2 + RTE_ETHER_TYPE_LEN)
#define RTE_ETHER_MIN_LEN 64   /* frame bytes with the CRC */
#define RTE_ETHER_MAX_LEN 1518 /* frame bytes with the CRC */
#define RTE_ETHER_MTU (RTE_ETHER_MAX_LEN - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN)
#define RTE_VLAN_HLEN 4
#define RTE_ETHER_MAX_VLAN_FRAME_LEN (RTE_ETHER_MAX_LEN + RTE_VLAN_HLEN)
#define RTE_ETHER_MAX_JUMBO_FRAME_LEN 0x3F00
#define RTE_ETHER_MAX_VLAN_ID 4095
#define RTE_ETHER_MIN_MTU 68

#define RTE_VLAN_DEI_SHIFT 12
#define RTE_VLAN_PRI_SHIFT 13
#define RTE_VLAN_PRI_MASK 0xe000
#define RTE_VLAN_DEI_MASK 0x1000
#define RTE_VLAN_ID_MASK 0x0fff
#define RTE_VLAN_TCI_ID(vlan_tci) ((vlan_tci) & RTE_VLAN_ID_MASK)
#define RTE_VLAN_TCI_PRI(vlan_tci) (((vlan_tci) & RTE_VLAN_PRI_MASK) >> RTE_VLAN_PRI_SHIFT)
#define RTE_VLAN_TCI_DEI(vlan_tci) (((vlan_tci) & RTE_VLAN_DEI_MASK) >> RTE_VLAN_DEI_SHIFT)
#define RTE_VLAN_TCI_MAKE(id, pri, dei) \
	((id) | ((pri) << RTE_VLAN_PRI_SHIFT) | ((dei) << RTE_VLAN_DEI_SHIFT))

/** A MAC address, bytes in transmission order. */
struct rte_ether_addr {
	uint8_t addr_bytes[RTE_ETHER_ADDR_LEN];
} __rte_aligned(2);

#define RTE_ETHER_LOCAL_ADMIN_ADDR 0x02 /* bit of byte 0: locally administered */
#define RTE_ETHER_GROUP_ADDR 0x01       /* bit of byte 0: multicast / broadcast */

static inline int
rte_is_same_ether_addr(const struct rte_ether_addr *ea1, const struct rte_ether_addr *ea2)
{
	return memcmp(ea1->addr_bytes, ea2->addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

static inline int
rte_is_zero_ether_addr(const struct rte_ether_addr *ea)
{
	unsigned int i;

	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		if (ea->addr_bytes[i] != 0)
			return 0;
	return 1;
}

static inline int
rte_is_unicast_ether_addr(const struct rte_ether_addr *ea)
{
	return (ea->addr_bytes[0] & RTE_ETHER_GROUP_ADDR) == 0;
}

static inline int
rte_is_multicast_ether_addr(const struct rte_ether_addr *ea)
{
	return ea->addr_bytes[0] & RTE_ETHER_GROUP_ADDR;
}

static inline int
rte_is_broadcast_ether_addr(const struct rte_ether_addr *ea)
{
	return (ea->addr_bytes[0] & ea->addr_bytes[1] & ea->addr_bytes[2] & ea->addr_bytes[3] &
		ea->addr_bytes[4] & ea->addr_bytes[5]) == 0xff;
}

static inline int
rte_is_universal_ether_addr(const struct rte_ether_addr *ea)
{
	return (ea->addr_bytes[0] & RTE_ETHER_LOCAL_ADMIN_ADDR) == 0;
}

static inline int
rte_is_local_admin_ether_addr(const struct rte_ether_addr *ea)
{
	return (ea->addr_bytes[0] & RTE_ETHER_LOCAL_ADMIN_ADDR) != 0;
}

/** Unicast and not zero. */
static inline int
rte_is_valid_assigned_ether_addr(const struct rte_ether_addr *ea)
{
	return rte_is_unicast_ether_addr(ea) && !rte_is_zero_ether_addr(ea);
}

/** Fill @p addr (6 bytes) with a random unicast, locally administered address. */
void rte_eth_random_addr(uint8_t *addr);

static inline void
rte_ether_addr_copy(const struct rte_ether_addr *__restrict ea_from,
		    struct rte_ether_addr *__restrict ea_to)
{
	*ea_to = *ea_from;
}

#define RTE_ETHER_ADDR_PRT_FMT "%02X:%02X:%02X:%02X:%02X:%02X"
#define RTE_ETHER_ADDR_BYTES(mac_addrs) \
	((mac_addrs)->addr_bytes[0]), ((mac_addrs)->addr_bytes[1]), \
	((mac_addrs)->addr_bytes[2]), ((mac_addrs)->addr_bytes[3]), \
	((mac_addrs)->addr_bytes[4]), ((mac_addrs)->addr_bytes[5])
#define RTE_ETHER_ADDR_FMT_SIZE 18

/** "XX:XX:XX:XX:XX:XX" (upper case) into @p buf of @p size bytes (truncated to fit). */
void rte_ether_format_addr(char *buf, uint16_t size, const struct rte_ether_addr *eth_addr);

/**
 * Parse "XX:XX:XX:XX:XX:XX" or "XXXX:XXXX:XXXX" (hex digits, exactly two or
 * four per group, nothing after). @return 0, or -1 with rte_errno EINVAL and
 * @p eth_addr unchanged (DPDK leaves what it parsed so far in it).
 */
int rte_ether_unformat_addr(const char *str, struct rte_ether_addr *eth_addr);

/** The Ethernet header. */
struct rte_ether_hdr {
	struct rte_ether_addr dst_addr;
	struct rte_ether_addr src_addr;
	rte_be16_t ether_type;
} __rte_aligned(2);

/** An 802.1Q tag after the addresses. */
struct rte_vlan_hdr {
	rte_be16_t vlan_tci;  /* priority (3), DEI (1), VLAN id (12) */
	rte_be16_t eth_proto; /* ether type of the payload */
} __rte_packed;

#define RTE_ETHER_TYPE_IPV4 0x0800
#define RTE_ETHER_TYPE_IPV6 0x86DD
#define RTE_ETHER_TYPE_ARP 0x0806
#define RTE_ETHER_TYPE_RARP 0x8035
#define RTE_ETHER_TYPE_VLAN 0x8100
#define RTE_ETHER_TYPE_QINQ 0x88A8
#define RTE_ETHER_TYPE_QINQ1 0x9100
#define RTE_ETHER_TYPE_QINQ2 0x9200
#define RTE_ETHER_TYPE_QINQ3 0x9300
#define RTE_ETHER_TYPE_PPPOE_DISCOVERY 0x8863
#define RTE_ETHER_TYPE_PPPOE_SESSION 0x8864
#define RTE_ETHER_TYPE_ETAG 0x893F
#define RTE_ETHER_TYPE_1588 0x88F7
#define RTE_ETHER_TYPE_SLOW 0x8809
#define RTE_ETHER_TYPE_TEB 0x6558
#define RTE_ETHER_TYPE_LLDP 0x88CC
#define RTE_ETHER_TYPE_MPLS 0x8847
#define RTE_ETHER_TYPE_MPLSM 0x8848
#define RTE_ETHER_TYPE_ECPRI 0xAEFE

/**
 * Move an 802.1Q tag from the packet into m->vlan_tci (RX_VLAN and
 * RX_VLAN_STRIPPED set). @return 0, or -1 when the first segment does not
 * start with a tagged Ethernet header (DPDK does not check the length).
 */
static inline int
rte_vlan_strip(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_vlan_hdr *vh;
	char *start;

	if (m->data_len < sizeof(*eh) + sizeof(*vh) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN))
		return -1;
	vh = (struct rte_vlan_hdr *)(eh + 1);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = rte_be_to_cpu_16(vh->vlan_tci);
	/* the addresses move 4 bytes up over the tag; the payload stays */
	start = rte_pktmbuf_adj(m, sizeof(*vh));
	memmove(start, eh, 2 * RTE_ETHER_ADDR_LEN);
	return 0;
}

/**
 * Insert an 802.1Q tag with (*m)->vlan_tci after the addresses; l2_len (or
 * outer_l2_len for tunnels) grows by 4.
 * @return 0, -EINVAL (a shared or attached mbuf, or fewer than 12 bytes),
 *   -ENOSPC (no headroom).
 */
static inline int
rte_vlan_insert(struct rte_mbuf **m)
{
	struct rte_ether_hdr *oh, *nh;
	struct rte_vlan_hdr *vh;

	if (!RTE_MBUF_DIRECT(*m) || rte_mbuf_refcnt_read(*m) > 1)
		return -EINVAL;
	if (rte_pktmbuf_data_len(*m) < 2 * RTE_ETHER_ADDR_LEN)
		return -EINVAL;
	oh = rte_pktmbuf_mtod(*m, struct rte_ether_hdr *);
	nh = (struct rte_ether_hdr *)(void *)rte_pktmbuf_prepend(*m, sizeof(struct rte_vlan_hdr));
	if (nh == NULL)
		return -ENOSPC;
	memmove(nh, oh, 2 * RTE_ETHER_ADDR_LEN);
	nh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	vh = (struct rte_vlan_hdr *)(nh + 1);
	vh->vlan_tci = rte_cpu_to_be_16((*m)->vlan_tci);
	(*m)->ol_flags &= ~(RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_TX_VLAN);
	if ((*m)->ol_flags & RTE_MBUF_F_TX_TUNNEL_MASK)
		(*m)->outer_l2_len += sizeof(struct rte_vlan_hdr);
	else
		(*m)->l2_len += sizeof(struct rte_vlan_hdr);
	return 0;
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_ETHER_H_ */
