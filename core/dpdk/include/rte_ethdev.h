/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet devices, DPDK 22.11's rte_ethdev.h (written for hugemem from DPDK's
 * documented API), over hugemem's fake NIC and i40e-style drivers: every port
 * is a `net_hugemem` virtual device created from an EAL `--vdev=net_hugemem<N>,
 * key=value,...` argument (or rte_vdev_init), its keys in docs/dpdk-compat.md.
 * The control functions are hugemem's ethdev library (sim/ethdev); the burst
 * functions are inline and call the i40e driver's hm_i40e_rx_burst /
 * hm_i40e_tx_burst directly (no function pointer), the device being stepped
 * around them: rx_burst first lets the port's traffic source feed the device
 * (back-pressure: a frame waits when its queue has no room), tx_burst then
 * lets the device transmit what it was given to the port's sink.
 *
 * Return conventions are DPDK's: 0 or a count, -ENODEV for a port id that is
 * not a port, -EINVAL for other bad arguments, -ENOTSUP for what the device
 * cannot do, -EBUSY for what needs a stopped port; the burst functions return 0
 * for a bad port or queue. Structs carry DPDK's field names; the rarely used
 * advanced ones (VMDq, DCB, flow director, hairpin, buffer split) are absent.
 */
#ifndef _RTE_ETHDEV_H_
#define _RTE_ETHDEV_H_

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_bitops.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_config.h>
#include <rte_errno.h>
#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;
struct rte_device;

#ifndef RTE_ETHDEV_QUEUE_STAT_CNTRS
#define RTE_ETHDEV_QUEUE_STAT_CNTRS 16
#endif
#ifndef RTE_MAX_QUEUES_PER_PORT
#define RTE_MAX_QUEUES_PER_PORT 1024
#endif
#ifndef RTE_DEV_NAME_MAX_LEN
#define RTE_DEV_NAME_MAX_LEN 64
#endif

/* ---------------------------------------------------------------- stats */

struct rte_eth_stats {
	uint64_t ipackets;  /* packets received */
	uint64_t opackets;  /* packets sent on the wire */
	uint64_t ibytes;
	uint64_t obytes;
	uint64_t imissed;   /* dropped by the device: no descriptor */
	uint64_t ierrors;   /* received with an error and dropped */
	uint64_t oerrors;   /* failed transmits */
	uint64_t rx_nombuf; /* mbuf allocation failures */
	uint64_t q_ipackets[RTE_ETHDEV_QUEUE_STAT_CNTRS];
	uint64_t q_opackets[RTE_ETHDEV_QUEUE_STAT_CNTRS];
	uint64_t q_ibytes[RTE_ETHDEV_QUEUE_STAT_CNTRS];
	uint64_t q_obytes[RTE_ETHDEV_QUEUE_STAT_CNTRS];
	uint64_t q_errors[RTE_ETHDEV_QUEUE_STAT_CNTRS];
};

#define RTE_ETH_XSTATS_NAME_SIZE 64

struct rte_eth_xstat {
	uint64_t id;
	uint64_t value;
};

struct rte_eth_xstat_name {
	char name[RTE_ETH_XSTATS_NAME_SIZE];
};

/* ---------------------------------------------------------------- link */

#define RTE_ETH_LINK_SPEED_AUTONEG 0
#define RTE_ETH_LINK_SPEED_FIXED RTE_BIT32(0)
#define RTE_ETH_LINK_SPEED_10M_HD RTE_BIT32(1)
#define RTE_ETH_LINK_SPEED_10M RTE_BIT32(2)
#define RTE_ETH_LINK_SPEED_100M_HD RTE_BIT32(3)
#define RTE_ETH_LINK_SPEED_100M RTE_BIT32(4)
#define RTE_ETH_LINK_SPEED_1G RTE_BIT32(5)
#define RTE_ETH_LINK_SPEED_2_5G RTE_BIT32(6)
#define RTE_ETH_LINK_SPEED_5G RTE_BIT32(7)
#define RTE_ETH_LINK_SPEED_10G RTE_BIT32(8)
#define RTE_ETH_LINK_SPEED_20G RTE_BIT32(9)
#define RTE_ETH_LINK_SPEED_25G RTE_BIT32(10)
#define RTE_ETH_LINK_SPEED_40G RTE_BIT32(11)
#define RTE_ETH_LINK_SPEED_50G RTE_BIT32(12)
#define RTE_ETH_LINK_SPEED_56G RTE_BIT32(13)
#define RTE_ETH_LINK_SPEED_100G RTE_BIT32(14)
#define RTE_ETH_LINK_SPEED_200G RTE_BIT32(15)

#define RTE_ETH_SPEED_NUM_NONE 0
#define RTE_ETH_SPEED_NUM_10M 10
#define RTE_ETH_SPEED_NUM_100M 100
#define RTE_ETH_SPEED_NUM_1G 1000
#define RTE_ETH_SPEED_NUM_2_5G 2500
#define RTE_ETH_SPEED_NUM_5G 5000
#define RTE_ETH_SPEED_NUM_10G 10000
#define RTE_ETH_SPEED_NUM_20G 20000
#define RTE_ETH_SPEED_NUM_25G 25000
#define RTE_ETH_SPEED_NUM_40G 40000
#define RTE_ETH_SPEED_NUM_50G 50000
#define RTE_ETH_SPEED_NUM_56G 56000
#define RTE_ETH_SPEED_NUM_100G 100000
#define RTE_ETH_SPEED_NUM_200G 200000
#define RTE_ETH_SPEED_NUM_UNKNOWN UINT32_MAX

__extension__ struct rte_eth_link {
	uint32_t link_speed;        /* RTE_ETH_SPEED_NUM_* */
	uint16_t link_duplex : 1;   /* RTE_ETH_LINK_[HALF/FULL]_DUPLEX */
	uint16_t link_autoneg : 1;  /* RTE_ETH_LINK_[AUTONEG/FIXED] */
	uint16_t link_status : 1;   /* RTE_ETH_LINK_[DOWN/UP] */
} __rte_aligned(8);

#define RTE_ETH_LINK_HALF_DUPLEX 0
#define RTE_ETH_LINK_FULL_DUPLEX 1
#define RTE_ETH_LINK_DOWN 0
#define RTE_ETH_LINK_UP 1
#define RTE_ETH_LINK_FIXED 0
#define RTE_ETH_LINK_AUTONEG 1
#define RTE_ETH_LINK_MAX_STR_LEN 40

/* ---------------------------------------------------------------- configuration */

struct rte_eth_thresh {
	uint8_t pthresh;
	uint8_t hthresh;
	uint8_t wthresh;
};

#define RTE_ETH_MQ_RX_RSS_FLAG RTE_BIT32(0)
#define RTE_ETH_MQ_RX_DCB_FLAG RTE_BIT32(1)
#define RTE_ETH_MQ_RX_VMDQ_FLAG RTE_BIT32(2)

enum rte_eth_rx_mq_mode {
	RTE_ETH_MQ_RX_NONE = 0,
	RTE_ETH_MQ_RX_RSS = RTE_ETH_MQ_RX_RSS_FLAG,
	RTE_ETH_MQ_RX_DCB = RTE_ETH_MQ_RX_DCB_FLAG,
	RTE_ETH_MQ_RX_DCB_RSS = RTE_ETH_MQ_RX_RSS_FLAG | RTE_ETH_MQ_RX_DCB_FLAG,
	RTE_ETH_MQ_RX_VMDQ_ONLY = RTE_ETH_MQ_RX_VMDQ_FLAG,
	RTE_ETH_MQ_RX_VMDQ_RSS = RTE_ETH_MQ_RX_RSS_FLAG | RTE_ETH_MQ_RX_VMDQ_FLAG,
	RTE_ETH_MQ_RX_VMDQ_DCB = RTE_ETH_MQ_RX_VMDQ_FLAG | RTE_ETH_MQ_RX_DCB_FLAG,
	RTE_ETH_MQ_RX_VMDQ_DCB_RSS = RTE_ETH_MQ_RX_RSS_FLAG | RTE_ETH_MQ_RX_DCB_FLAG |
				     RTE_ETH_MQ_RX_VMDQ_FLAG,
};

enum rte_eth_tx_mq_mode {
	RTE_ETH_MQ_TX_NONE = 0,
	RTE_ETH_MQ_TX_DCB,
	RTE_ETH_MQ_TX_VMDQ_DCB,
	RTE_ETH_MQ_TX_VMDQ_ONLY,
};

struct rte_eth_rxmode {
	enum rte_eth_rx_mq_mode mq_mode;
	uint32_t mtu;              /* 0: RTE_ETHER_MTU */
	uint32_t max_lro_pkt_size;
	uint64_t offloads;         /* RTE_ETH_RX_OFFLOAD_* */
	uint64_t reserved_64s[2];
	void *reserved_ptrs[2];
};

struct rte_eth_txmode {
	enum rte_eth_tx_mq_mode mq_mode;
	uint64_t offloads;         /* RTE_ETH_TX_OFFLOAD_* */
	uint16_t pvid;
	__extension__ uint8_t hw_vlan_reject_tagged : 1, hw_vlan_reject_untagged : 1,
		hw_vlan_insert_pvid : 1;
	uint64_t reserved_64s[2];
	void *reserved_ptrs[2];
};

struct rte_eth_rss_conf {
	uint8_t *rss_key;          /* NULL: keep / the default key */
	uint8_t rss_key_len;       /* bytes (the device's hash_key_size) */
	uint64_t rss_hf;           /* RTE_ETH_RSS_* */
};

__extension__ struct rte_eth_intr_conf {
	uint32_t lsc : 1;
	uint32_t rxq : 1;
	uint32_t rmv : 1;
};

struct rte_eth_conf {
	uint32_t link_speeds;      /* RTE_ETH_LINK_SPEED_* */
	struct rte_eth_rxmode rxmode;
	struct rte_eth_txmode txmode;
	uint32_t lpbk_mode;        /* 0 (the device has no loopback mode) */
	struct {
		struct rte_eth_rss_conf rss_conf;
	} rx_adv_conf;
	uint32_t dcb_capability_en;
	struct rte_eth_intr_conf intr_conf;
};

/* Rx offloads */
#define RTE_ETH_RX_OFFLOAD_VLAN_STRIP RTE_BIT64(0)
#define RTE_ETH_RX_OFFLOAD_IPV4_CKSUM RTE_BIT64(1)
#define RTE_ETH_RX_OFFLOAD_UDP_CKSUM RTE_BIT64(2)
#define RTE_ETH_RX_OFFLOAD_TCP_CKSUM RTE_BIT64(3)
#define RTE_ETH_RX_OFFLOAD_TCP_LRO RTE_BIT64(4)
#define RTE_ETH_RX_OFFLOAD_QINQ_STRIP RTE_BIT64(5)
#define RTE_ETH_RX_OFFLOAD_OUTER_IPV4_CKSUM RTE_BIT64(6)
#define RTE_ETH_RX_OFFLOAD_MACSEC_STRIP RTE_BIT64(7)
#define RTE_ETH_RX_OFFLOAD_VLAN_FILTER RTE_BIT64(9)
#define RTE_ETH_RX_OFFLOAD_VLAN_EXTEND RTE_BIT64(10)
#define RTE_ETH_RX_OFFLOAD_SCATTER RTE_BIT64(13)
#define RTE_ETH_RX_OFFLOAD_TIMESTAMP RTE_BIT64(14)
#define RTE_ETH_RX_OFFLOAD_SECURITY RTE_BIT64(15)
#define RTE_ETH_RX_OFFLOAD_KEEP_CRC RTE_BIT64(16)
#define RTE_ETH_RX_OFFLOAD_SCTP_CKSUM RTE_BIT64(17)
#define RTE_ETH_RX_OFFLOAD_OUTER_UDP_CKSUM RTE_BIT64(18)
#define RTE_ETH_RX_OFFLOAD_RSS_HASH RTE_BIT64(19)
#define RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT RTE_BIT64(20)
#define RTE_ETH_RX_OFFLOAD_CHECKSUM                                                        \
	(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM |                    \
	 RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define RTE_ETH_RX_OFFLOAD_VLAN                                                            \
	(RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_VLAN_FILTER |                  \
	 RTE_ETH_RX_OFFLOAD_VLAN_EXTEND | RTE_ETH_RX_OFFLOAD_QINQ_STRIP)

/* Tx offloads */
#define RTE_ETH_TX_OFFLOAD_VLAN_INSERT RTE_BIT64(0)
#define RTE_ETH_TX_OFFLOAD_IPV4_CKSUM RTE_BIT64(1)
#define RTE_ETH_TX_OFFLOAD_UDP_CKSUM RTE_BIT64(2)
#define RTE_ETH_TX_OFFLOAD_TCP_CKSUM RTE_BIT64(3)
#define RTE_ETH_TX_OFFLOAD_SCTP_CKSUM RTE_BIT64(4)
#define RTE_ETH_TX_OFFLOAD_TCP_TSO RTE_BIT64(5)
#define RTE_ETH_TX_OFFLOAD_UDP_TSO RTE_BIT64(6)
#define RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM RTE_BIT64(7)
#define RTE_ETH_TX_OFFLOAD_QINQ_INSERT RTE_BIT64(8)
#define RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO RTE_BIT64(9)
#define RTE_ETH_TX_OFFLOAD_GRE_TNL_TSO RTE_BIT64(10)
#define RTE_ETH_TX_OFFLOAD_IPIP_TNL_TSO RTE_BIT64(11)
#define RTE_ETH_TX_OFFLOAD_GENEVE_TNL_TSO RTE_BIT64(12)
#define RTE_ETH_TX_OFFLOAD_MACSEC_INSERT RTE_BIT64(13)
#define RTE_ETH_TX_OFFLOAD_MT_LOCKFREE RTE_BIT64(14)
#define RTE_ETH_TX_OFFLOAD_MULTI_SEGS RTE_BIT64(15)
#define RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE RTE_BIT64(16)
#define RTE_ETH_TX_OFFLOAD_SECURITY RTE_BIT64(17)
#define RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO RTE_BIT64(18)
#define RTE_ETH_TX_OFFLOAD_IP_TNL_TSO RTE_BIT64(19)
#define RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM RTE_BIT64(20)
#define RTE_ETH_TX_OFFLOAD_SEND_ON_TIMESTAMP RTE_BIT64(21)

/* RSS hash functions (flow types) */
#define RTE_ETH_RSS_IPV4 RTE_BIT64(2)
#define RTE_ETH_RSS_FRAG_IPV4 RTE_BIT64(3)
#define RTE_ETH_RSS_NONFRAG_IPV4_TCP RTE_BIT64(4)
#define RTE_ETH_RSS_NONFRAG_IPV4_UDP RTE_BIT64(5)
#define RTE_ETH_RSS_NONFRAG_IPV4_SCTP RTE_BIT64(6)
#define RTE_ETH_RSS_NONFRAG_IPV4_OTHER RTE_BIT64(7)
#define RTE_ETH_RSS_IPV6 RTE_BIT64(8)
#define RTE_ETH_RSS_FRAG_IPV6 RTE_BIT64(9)
#define RTE_ETH_RSS_NONFRAG_IPV6_TCP RTE_BIT64(10)
#define RTE_ETH_RSS_NONFRAG_IPV6_UDP RTE_BIT64(11)
#define RTE_ETH_RSS_NONFRAG_IPV6_SCTP RTE_BIT64(12)
#define RTE_ETH_RSS_NONFRAG_IPV6_OTHER RTE_BIT64(13)
#define RTE_ETH_RSS_L2_PAYLOAD RTE_BIT64(14)
#define RTE_ETH_RSS_IPV6_EX RTE_BIT64(15)
#define RTE_ETH_RSS_IPV6_TCP_EX RTE_BIT64(16)
#define RTE_ETH_RSS_IPV6_UDP_EX RTE_BIT64(17)
#define RTE_ETH_RSS_PORT RTE_BIT64(18)
#define RTE_ETH_RSS_VXLAN RTE_BIT64(19)
#define RTE_ETH_RSS_GENEVE RTE_BIT64(20)
#define RTE_ETH_RSS_NVGRE RTE_BIT64(21)
#define RTE_ETH_RSS_MPLS RTE_BIT64(29)
#define RTE_ETH_RSS_IP                                                                     \
	(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_OTHER |       \
	 RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_OTHER |       \
	 RTE_ETH_RSS_IPV6_EX)
#define RTE_ETH_RSS_UDP                                                                    \
	(RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_IPV6_UDP_EX)
#define RTE_ETH_RSS_TCP                                                                    \
	(RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_IPV6_TCP_EX)
#define RTE_ETH_RSS_SCTP (RTE_ETH_RSS_NONFRAG_IPV4_SCTP | RTE_ETH_RSS_NONFRAG_IPV6_SCTP)

#define RTE_ETH_RSS_RETA_SIZE_64 64
#define RTE_ETH_RSS_RETA_SIZE_128 128
#define RTE_ETH_RSS_RETA_SIZE_256 256
#define RTE_ETH_RSS_RETA_SIZE_512 512
#define RTE_ETH_RETA_GROUP_SIZE 64

/** 64 entries of a redirection table; mask: which of them to read or write. */
struct rte_eth_rss_reta_entry64 {
	uint64_t mask;
	uint16_t reta[RTE_ETH_RETA_GROUP_SIZE];
};

struct rte_eth_rxconf {
	struct rte_eth_thresh rx_thresh;
	uint16_t rx_free_thresh;   /* descriptors; 0: 32 */
	uint8_t rx_drop_en;
	uint8_t rx_deferred_start; /* 1: rte_eth_dev_rx_queue_start starts it */
	uint16_t rx_nseg;          /* 0 (no buffer split) */
	uint16_t share_group;
	uint16_t share_qid;
	uint64_t offloads;         /* per-queue RTE_ETH_RX_OFFLOAD_* */
	void *rx_seg;
	struct rte_mempool **rx_mempools;
	uint16_t rx_nmempool;
	uint64_t reserved_64s[2];
	void *reserved_ptrs[2];
};

struct rte_eth_txconf {
	struct rte_eth_thresh tx_thresh;
	uint16_t tx_rs_thresh;     /* 0: i40e's default rule */
	uint16_t tx_free_thresh;   /* 0: 32 */
	uint8_t tx_deferred_start;
	uint64_t offloads;         /* per-queue RTE_ETH_TX_OFFLOAD_* */
	uint64_t reserved_64s[2];
	void *reserved_ptrs[2];
};

struct rte_eth_desc_lim {
	uint16_t nb_max;
	uint16_t nb_min;
	uint16_t nb_align;
	uint16_t nb_seg_max;
	uint16_t nb_mtu_seg_max;
};

struct rte_eth_dev_portconf {
	uint16_t burst_size;
	uint16_t ring_size;
	uint16_t nb_queues;
};

struct rte_eth_switch_info {
	const char *name;
	uint16_t domain_id;
	uint16_t port_id;
	uint16_t rx_domain;
};

struct rte_eth_rxseg_capa {
	__extension__ uint32_t multi_pools : 1, offset_allowed : 1, offset_align_log2 : 4;
	uint16_t max_nseg;
	uint16_t reserved;
};

enum rte_eth_err_handle_mode {
	RTE_ETH_ERROR_HANDLE_MODE_NONE,
	RTE_ETH_ERROR_HANDLE_MODE_PASSIVE,
	RTE_ETH_ERROR_HANDLE_MODE_PROACTIVE,
};

#define RTE_ETH_DEV_CAPA_RUNTIME_RX_QUEUE_SETUP RTE_BIT64(0)
#define RTE_ETH_DEV_CAPA_RUNTIME_TX_QUEUE_SETUP RTE_BIT64(1)

#define RTE_ETH_DEV_FALLBACK_RX_RINGSIZE 512
#define RTE_ETH_DEV_FALLBACK_TX_RINGSIZE 512
#define RTE_ETH_DEV_FALLBACK_RX_NBQUEUES 1
#define RTE_ETH_DEV_FALLBACK_TX_NBQUEUES 1

struct rte_eth_dev_info {
	struct rte_device *device;   /* NULL: hugemem has no device objects */
	const char *driver_name;     /* "net_hugemem" */
	unsigned int if_index;
	uint16_t min_mtu;
	uint16_t max_mtu;
	const uint32_t *dev_flags;
	uint32_t min_rx_bufsize;
	uint32_t max_rx_pktlen;
	uint32_t max_lro_pkt_size;
	uint16_t max_rx_queues;
	uint16_t max_tx_queues;
	uint32_t max_mac_addrs;
	uint32_t max_hash_mac_addrs;
	uint16_t max_vfs;
	uint16_t max_vmdq_pools;
	struct rte_eth_rxseg_capa rx_seg_capa;
	uint64_t rx_offload_capa;
	uint64_t tx_offload_capa;
	uint64_t rx_queue_offload_capa;
	uint64_t tx_queue_offload_capa;
	uint16_t reta_size;
	uint8_t hash_key_size;
	uint64_t flow_type_rss_offloads;
	struct rte_eth_rxconf default_rxconf;
	struct rte_eth_txconf default_txconf;
	uint16_t vmdq_queue_base;
	uint16_t vmdq_queue_num;
	uint16_t vmdq_pool_base;
	struct rte_eth_desc_lim rx_desc_lim;
	struct rte_eth_desc_lim tx_desc_lim;
	uint32_t speed_capa;
	uint16_t nb_rx_queues;       /* configured */
	uint16_t nb_tx_queues;
	uint16_t max_rx_mempools;
	struct rte_eth_dev_portconf default_rxportconf;
	struct rte_eth_dev_portconf default_txportconf;
	uint64_t dev_capa;
	struct rte_eth_switch_info switch_info;
	enum rte_eth_err_handle_mode err_handle_mode;
	uint64_t reserved_64s[2];
	void *reserved_ptrs[2];
};

#define RTE_ETH_QUEUE_STATE_STOPPED 0
#define RTE_ETH_QUEUE_STATE_STARTED 1
#define RTE_ETH_QUEUE_STATE_HAIRPIN 2

struct rte_eth_rxq_info {
	struct rte_mempool *mp;
	struct rte_eth_rxconf conf;
	uint8_t scattered_rx;
	uint8_t queue_state;
	uint16_t nb_desc;
	uint16_t rx_buf_size;
	uint8_t avail_thresh;
} __rte_cache_min_aligned;

struct rte_eth_txq_info {
	struct rte_eth_txconf conf;
	uint16_t nb_desc;
	uint8_t queue_state;
} __rte_cache_min_aligned;

#define RTE_ETH_NAME_MAX_LEN RTE_DEV_NAME_MAX_LEN
#define RTE_ETH_DEV_NO_OWNER 0
#define RTE_ETH_DEV_INTR_LSC RTE_BIT32(1)

/* ---------------------------------------------------------------- ports */

/** The next valid port at or after @p port_id owned by @p owner_id (0: any); RTE_MAX_ETHPORTS when none. */
uint64_t rte_eth_find_next_owned_by(uint16_t port_id, const uint64_t owner_id);
/** The next valid port at or after @p port_id; RTE_MAX_ETHPORTS when none. */
uint16_t rte_eth_find_next(uint16_t port_id);

#define RTE_ETH_FOREACH_DEV_OWNED_BY(p, o)                                                 \
	for (p = (uint16_t)rte_eth_find_next_owned_by(0, o);                               \
	     (unsigned int)p < (unsigned int)RTE_MAX_ETHPORTS;                             \
	     p = (uint16_t)rte_eth_find_next_owned_by((uint16_t)(p + 1), o))
#define RTE_ETH_FOREACH_DEV(p) RTE_ETH_FOREACH_DEV_OWNED_BY(p, RTE_ETH_DEV_NO_OWNER)

uint16_t rte_eth_dev_count_avail(void);
uint16_t rte_eth_dev_count_total(void);
/** 1 when @p port_id is a port, 0 otherwise. */
int rte_eth_dev_is_valid_port(uint16_t port_id);
int rte_eth_dev_get_name_by_port(uint16_t port_id, char *name);
int rte_eth_dev_get_port_by_name(const char *name, uint16_t *port_id);
/** The port's NUMA node (the device's), -1 (rte_errno EINVAL) for a bad port id. */
int rte_eth_dev_socket_id(uint16_t port_id);

int rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *dev_info);
int rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue,
			  const struct rte_eth_conf *eth_conf);
int rte_eth_dev_adjust_nb_rx_tx_desc(uint16_t port_id, uint16_t *nb_rx_desc,
				     uint16_t *nb_tx_desc);
int rte_eth_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc,
			   unsigned int socket_id, const struct rte_eth_rxconf *rx_conf,
			   struct rte_mempool *mb_pool);
int rte_eth_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc,
			   unsigned int socket_id, const struct rte_eth_txconf *tx_conf);
int rte_eth_dev_start(uint16_t port_id);
int rte_eth_dev_stop(uint16_t port_id);
int rte_eth_dev_close(uint16_t port_id);
int rte_eth_dev_rx_queue_start(uint16_t port_id, uint16_t rx_queue_id);
int rte_eth_dev_rx_queue_stop(uint16_t port_id, uint16_t rx_queue_id);
int rte_eth_dev_tx_queue_start(uint16_t port_id, uint16_t tx_queue_id);
int rte_eth_dev_tx_queue_stop(uint16_t port_id, uint16_t tx_queue_id);
int rte_eth_rx_queue_info_get(uint16_t port_id, uint16_t queue_id,
			      struct rte_eth_rxq_info *qinfo);
int rte_eth_tx_queue_info_get(uint16_t port_id, uint16_t queue_id,
			      struct rte_eth_txq_info *qinfo);

int rte_eth_stats_get(uint16_t port_id, struct rte_eth_stats *stats);
int rte_eth_stats_reset(uint16_t port_id);
int rte_eth_xstats_get_names(uint16_t port_id, struct rte_eth_xstat_name *xstats_names,
			     unsigned int size);
int rte_eth_xstats_get(uint16_t port_id, struct rte_eth_xstat *xstats, unsigned int n);
int rte_eth_xstats_get_names_by_id(uint16_t port_id, struct rte_eth_xstat_name *xstats_names,
				   unsigned int size, uint64_t *ids);
int rte_eth_xstats_get_by_id(uint16_t port_id, const uint64_t *ids, uint64_t *values,
			     unsigned int size);
int rte_eth_xstats_get_id_by_name(uint16_t port_id, const char *xstat_name, uint64_t *id);
int rte_eth_xstats_reset(uint16_t port_id);

int rte_eth_link_get(uint16_t port_id, struct rte_eth_link *link);
int rte_eth_link_get_nowait(uint16_t port_id, struct rte_eth_link *link);
const char *rte_eth_link_speed_to_str(uint32_t link_speed);
int rte_eth_link_to_str(char *str, size_t len, const struct rte_eth_link *eth_link);
int rte_eth_dev_set_link_up(uint16_t port_id);
int rte_eth_dev_set_link_down(uint16_t port_id);

int rte_eth_promiscuous_enable(uint16_t port_id);
int rte_eth_promiscuous_disable(uint16_t port_id);
int rte_eth_promiscuous_get(uint16_t port_id);
int rte_eth_allmulticast_enable(uint16_t port_id);
int rte_eth_allmulticast_disable(uint16_t port_id);
int rte_eth_allmulticast_get(uint16_t port_id);

int rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac_addr);
int rte_eth_dev_default_mac_addr_set(uint16_t port_id, struct rte_ether_addr *mac_addr);
int rte_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu);
int rte_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu);

int rte_eth_dev_get_supported_ptypes(uint16_t port_id, uint32_t ptype_mask, uint32_t *ptypes,
				     int num);
int rte_eth_dev_set_ptypes(uint16_t port_id, uint32_t ptype_mask, uint32_t *set_ptypes,
			   unsigned int num);

int rte_eth_dev_rss_reta_update(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
				uint16_t reta_size);
int rte_eth_dev_rss_reta_query(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
			       uint16_t reta_size);
int rte_eth_dev_rss_hash_update(uint16_t port_id, struct rte_eth_rss_conf *rss_conf);
int rte_eth_dev_rss_hash_conf_get(uint16_t port_id, struct rte_eth_rss_conf *rss_conf);

/** Free the mbufs of packets sent and completed (the device's write-back seen). @return packets freed. */
int rte_eth_tx_done_cleanup(uint16_t port_id, uint16_t queue_id, uint32_t free_cnt);

/* ---------------------------------------------------------------- fast path */

/*
 * Per-port fast-path state (hugemem's; DPDK's rte_eth_fp_ops): the driver
 * queues of started queues (NULL otherwise) and whether the bursts step the
 * device. Written only by the control functions, while no lcore polls.
 */
#define RTE_HM_ETH_MAX_QUEUES 64

struct rte_hm_eth_fp {
	void *rxq[RTE_HM_ETH_MAX_QUEUES];  /* struct hm_i40e_rxq * */
	void *txq[RTE_HM_ETH_MAX_QUEUES];  /* struct hm_i40e_txq * */
	uint8_t feed;                      /* rx_burst feeds the device from the port's source */
	uint8_t kick;                      /* tx_burst lets the device transmit */
} __rte_cache_aligned;

extern struct rte_hm_eth_fp rte_hm_eth_fp[RTE_MAX_ETHPORTS];

/* hugemem's driver entry points and the device steps (libhugemem / sim/ethdev). */
struct hm_i40e_rxq;
struct hm_i40e_txq;
struct hm_mbuf;
uint16_t hm_i40e_rx_burst(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n);
uint16_t hm_i40e_tx_burst(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n);
void rte_hm_eth_feed(uint16_t port_id, uint16_t queue_id, uint16_t nb_pkts);
void rte_hm_eth_kick(uint16_t port_id, uint16_t queue_id, uint16_t nb_pkts);
/* A burst on a queue that is not in the fast path: in a secondary process, the
 * fast path is brought up to date with the primary's ports first (a queue
 * started since it last looked is then used); otherwise 0 packets. */
uint16_t rte_hm_eth_rx_idle(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts,
			    uint16_t nb_pkts);
uint16_t rte_hm_eth_tx_idle(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts,
			    uint16_t nb_pkts);
int rte_hm_eth_rx_queue_count(uint16_t port_id, uint16_t queue_id);
int rte_hm_eth_rx_descriptor_status(uint16_t port_id, uint16_t queue_id, uint16_t offset);
int rte_hm_eth_tx_descriptor_status(uint16_t port_id, uint16_t queue_id, uint16_t offset);

/** Receive up to @p nb_pkts packets from queue @p queue_id of @p port_id. */
static inline uint16_t
rte_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts,
		 const uint16_t nb_pkts)
{
	struct rte_hm_eth_fp *fp;
	void *q;

	if (unlikely(port_id >= RTE_MAX_ETHPORTS || queue_id >= RTE_HM_ETH_MAX_QUEUES))
		return 0;
	fp = &rte_hm_eth_fp[port_id];
	q = fp->rxq[queue_id];
	if (unlikely(q == NULL))
		return rte_hm_eth_rx_idle(port_id, queue_id, rx_pkts, nb_pkts);
	if (fp->feed)
		rte_hm_eth_feed(port_id, queue_id, nb_pkts);
	return hm_i40e_rx_burst((struct hm_i40e_rxq *)q, (struct hm_mbuf **)(void *)rx_pkts,
				nb_pkts);
}

/** Send up to @p nb_pkts packets on queue @p queue_id of @p port_id; the caller keeps the rest. */
static inline uint16_t
rte_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts,
		 uint16_t nb_pkts)
{
	struct rte_hm_eth_fp *fp;
	uint16_t n;
	void *q;

	if (unlikely(port_id >= RTE_MAX_ETHPORTS || queue_id >= RTE_HM_ETH_MAX_QUEUES))
		return 0;
	fp = &rte_hm_eth_fp[port_id];
	q = fp->txq[queue_id];
	if (unlikely(q == NULL))
		return rte_hm_eth_tx_idle(port_id, queue_id, tx_pkts, nb_pkts);
	n = hm_i40e_tx_burst((struct hm_i40e_txq *)q, (struct hm_mbuf **)(void *)tx_pkts,
			     nb_pkts);
	if (fp->kick && n > 0)
		rte_hm_eth_kick(port_id, queue_id, n);
	return n;
}

/** Packets the driver would refuse stay in place: @return @p nb_pkts (the driver drops and counts bad ones). */
static inline uint16_t
rte_eth_tx_prepare(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts,
		   uint16_t nb_pkts)
{
	(void)tx_pkts;
	if (unlikely(port_id >= RTE_MAX_ETHPORTS || queue_id >= RTE_HM_ETH_MAX_QUEUES)) {
		rte_errno = ENODEV;
		return 0;
	}
	return nb_pkts;
}

/** Descriptors of queue @p queue_id holding received packets. @return the count, -ENODEV, -EINVAL. */
static inline int
rte_eth_rx_queue_count(uint16_t port_id, uint16_t queue_id)
{
	return rte_hm_eth_rx_queue_count(port_id, queue_id);
}

#define RTE_ETH_RX_DESC_AVAIL 0
#define RTE_ETH_RX_DESC_DONE 1
#define RTE_ETH_RX_DESC_UNAVAIL 2
#define RTE_ETH_TX_DESC_FULL 0
#define RTE_ETH_TX_DESC_DONE 1
#define RTE_ETH_TX_DESC_UNAVAIL 2

static inline int
rte_eth_rx_descriptor_status(uint16_t port_id, uint16_t queue_id, uint16_t offset)
{
	return rte_hm_eth_rx_descriptor_status(port_id, queue_id, offset);
}

static inline int
rte_eth_tx_descriptor_status(uint16_t port_id, uint16_t queue_id, uint16_t offset)
{
	return rte_hm_eth_tx_descriptor_status(port_id, queue_id, offset);
}

/* ---------------------------------------------------------------- Tx buffers */

typedef void (*buffer_tx_error_fn)(struct rte_mbuf **unsent, uint16_t count, void *userdata);

#ifdef __cplusplus
/* C++ has no flexible array member: a zero-length array, same layout (as RTE_MARKER) */
__extension__ typedef struct rte_mbuf *rte_hm_eth_tx_buffer_pkts[0];
#endif

/** Packets held back until @p size are there (rte_eth_tx_buffer) or a flush. */
struct rte_eth_dev_tx_buffer {
	buffer_tx_error_fn error_callback;
	void *error_userdata;
	uint16_t size;
	uint16_t length;
#ifdef __cplusplus
	rte_hm_eth_tx_buffer_pkts pkts;
#else
	struct rte_mbuf *pkts[];
#endif
};

#define RTE_ETH_TX_BUFFER_SIZE(sz)                                                         \
	(((sz) * sizeof(struct rte_mbuf *)) + sizeof(struct rte_eth_dev_tx_buffer))

/** Set up a buffer for @p size packets; unsent packets are dropped (freed). @return 0, -EINVAL. */
int rte_eth_tx_buffer_init(struct rte_eth_dev_tx_buffer *buffer, uint16_t size);
int rte_eth_tx_buffer_set_err_callback(struct rte_eth_dev_tx_buffer *buffer,
				       buffer_tx_error_fn callback, void *userdata);
/** Free the unsent packets. */
void rte_eth_tx_buffer_drop_callback(struct rte_mbuf **pkts, uint16_t unsent, void *userdata);
/** Free the unsent packets and add their count to the uint64_t at @p userdata. */
void rte_eth_tx_buffer_count_callback(struct rte_mbuf **pkts, uint16_t unsent, void *userdata);

static inline uint16_t
rte_eth_tx_buffer_flush(uint16_t port_id, uint16_t queue_id,
			struct rte_eth_dev_tx_buffer *buffer)
{
	uint16_t sent, to_send = buffer->length;

	if (to_send == 0)
		return 0;
	sent = rte_eth_tx_burst(port_id, queue_id, buffer->pkts, to_send);
	buffer->length = 0;
	if (unlikely(sent != to_send))
		buffer->error_callback(&buffer->pkts[sent], (uint16_t)(to_send - sent),
				       buffer->error_userdata);
	return sent;
}

static __rte_always_inline uint16_t
rte_eth_tx_buffer(uint16_t port_id, uint16_t queue_id, struct rte_eth_dev_tx_buffer *buffer,
		  struct rte_mbuf *tx_pkt)
{
	buffer->pkts[buffer->length++] = tx_pkt;
	if (buffer->length < buffer->size)
		return 0;
	return rte_eth_tx_buffer_flush(port_id, queue_id, buffer);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_ETHDEV_H_ */
