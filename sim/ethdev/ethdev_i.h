/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to hugemem's ethdev (sim/ethdev): the port table and what the files
 * share. ethdev.c has the control functions (configure, queues, start/stop,
 * link, MAC, RSS), ethdev_stats.c the counters and the Tx buffers, vdev.c the
 * net_hugemem virtual device (devargs, traffic source, sink, the device steps
 * the burst functions call, the idle report, the EAL's probe and cleanup),
 * ether.c the rte_ether.h functions.
 *
 * Multi-process (ethdev_mp.c): the port table (struct eth_shared, a memzone
 * the primary reserves with its first port) and each port's NIC live in
 * hugemem memory, so a secondary sees the primary's ports with the same ids,
 * their queues and counters. What cannot be shared stays per process in
 * hm_eth_local: the traffic source (the primary's only), the TX capture's file
 * descriptor, the sink callback installed in the NIC (eth_tx_lock installs this
 * process's before it steps the device). A secondary may not configure, start,
 * stop or close a port (-E_RTE_SECONDARY, DPDK's rule).
 *
 * A port slot is UNUSED or PROBED (a device exists). The fast-path copy of a
 * port's started queues is rte_hm_eth_fp[port]; it is written only by the
 * control functions, with no lcore polling the port (DPDK's rule). Device
 * steps are serialised per port: rx_lock around everything that delivers
 * frames into the NIC's receive engine (the feed, a peer's loopback sink),
 * tx_lock around its transmit engine. The control functions and the readers
 * of other threads (telemetry) hold the control lock (ethdev_ctl.c). Lock
 * order: the control lock, tx_lock, then any rx_lock. Counters the burst
 * functions bump (drivers, device, filtered) are relaxed atomics.
 *
 * Invariants (hm_ethdev_check):
 *   started => configured; every started queue is set up, and
 *     rte_hm_eth_fp[port].rxq[q] == the driver queue iff the queue is started
 *   a stopped port has no fast-path queue
 *   nb_rxq, nb_txq <= the device's queues; no queue set up at or beyond them
 *   each driver queue passes its validator; the NIC passes hm_nic_check
 */
#ifndef HUGEMEM_ETHDEV_I_H
#define HUGEMEM_ETHDEV_I_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_memory.h>

#include "hugemem/lock.h"
#include "hugemem/mbuf.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_tx.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"

#define HM_INTERNAL_ETH __attribute__((visibility("hidden")))

/* DPDK's ethdev messages ("ETHDEV: ..."), through rte_log */
#define ETH_LOG(level, ...) rte_log(RTE_LOG_##level, RTE_LOGTYPE_PMD, "ETHDEV: " __VA_ARGS__)

#define ETH_DRIVER "net_hugemem"
#define ETH_MAX_Q RTE_HM_ETH_MAX_QUEUES
#define ETH_RETA 512u
#define ETH_KEY_LEN 52u                  /* i40e's hash_key_size */
#define ETH_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8) /* i40e: + 2 VLAN tags */
#define ETH_MAX_PKTLEN HM_I40E_FRAME_SIZE_MAX
#define ETH_MIN_BUFSIZE 1024u            /* i40e's I40E_BUF_SIZE_MIN */
#define ETH_RSS_HF                                                                         \
	(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |         \
	 RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_OTHER)
#define ETH_RX_CAPA                                                                        \
	(RTE_ETH_RX_OFFLOAD_VLAN_STRIP | RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |                   \
	 RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM |                     \
	 RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_RSS_HASH)
#define ETH_TX_CAPA                                                                        \
	(RTE_ETH_TX_OFFLOAD_VLAN_INSERT | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |                  \
	 RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |                     \
	 RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)

enum port_state { PORT_UNUSED = 0, PORT_PROBED };
enum sink_kind { SINK_DISCARD = 0, SINK_PCAP, SINK_LOOPBACK };

struct eth_rxq {
	struct hm_i40e_rxq *q;       /* set up; NULL otherwise */
	struct hm_mempool *mp;
	struct rte_eth_rxconf conf;
	uint16_t nb_desc;
	unsigned int buf_size;       /* bytes per buffer (for the feed's room check) */
	bool started;
	bool scattered;
};

struct eth_txq {
	struct hm_i40e_txq *q;
	struct rte_eth_txconf conf;
	uint16_t nb_desc;
	bool started;
};

/* What a devargs string asks for (vdev.c parses, the probe applies). */
struct eth_devargs {
	char name[RTE_ETH_NAME_MAX_LEN];
	int node;
	unsigned int queues;
	unsigned int max_frame;
	char *pcap;                  /* source: a capture (malloc'ed) */
	uint64_t loop;               /* replays of it; 0: forever */
	bool gen;                    /* source: the generator */
	struct hm_traffic_gen_conf gen_conf;
	uint64_t rate;               /* frames per second; 0: unlimited */
	char *tx_pcap;               /* sink: a capture file (malloc'ed) */
	char peer[RTE_ETH_NAME_MAX_LEN]; /* sink: loopback into this port */
	bool discard;
	bool link_down;
	uint32_t speed;              /* RTE_ETH_SPEED_NUM_* */
	bool mac_set;
	struct rte_ether_addr mac;
	bool rx_drop;                /* a full queue drops (imissed) instead of back-pressure */
	unsigned int n_rx_fault, n_tx_fault;
	struct { int mode; uint32_t nth; } rx_fault[8], tx_fault[8];
	uint64_t idle_report_ms;     /* 0: none */
};

struct hm_eth_port {
	int state;                   /* enum port_state */
	uint16_t id;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct hm_nic *nic;
	int node;
	unsigned int max_queues;     /* the device's */
	unsigned int max_frame;
	/* configuration */
	bool configured, started;
	struct rte_eth_conf conf;
	uint16_t nb_rxq, nb_txq;
	uint16_t mtu;
	struct eth_rxq rxq[ETH_MAX_Q];
	struct eth_txq txq[ETH_MAX_Q];
	uint16_t reta[ETH_RETA];
	uint8_t rss_key[ETH_KEY_LEN];
	uint64_t rss_hf;
	/* link and filters */
	struct rte_ether_addr mac;
	bool promisc, allmulti;
	bool link_admin_up;          /* set_link_up/down; devargs link= */
	uint32_t speed;
	/* source (the feed; the pointers are the primary's, in hm_eth_local) */
	bool src_ended;
	uint64_t loop_left;          /* replays still to start; UINT64_MAX: forever */
	uint64_t rate, rate_t0, fed;
	size_t pend_len;
	bool pend_valid;
	bool rx_drop;
	bool flushed;                /* the device's held write-backs landed after the source ended */
	/* sink */
	int sink;                    /* enum sink_kind */
	char tx_pcap_path[1024];     /* SINK_PCAP: every process appends to it */
	char peer_name[RTE_ETH_NAME_MAX_LEN];
	int peer;                    /* resolved loopback port; -1 */
	int32_t sink_pid;            /* the process whose sink callback the NIC holds (tx_lock);
	                              * 0 after a takeover */
	/* counters outside the NIC and drivers */
	uint64_t filtered;           /* frames the MAC filter kept out (not an error); atomic */
	uint64_t sink_frames, sink_errors;
	struct hm_i40e_rxq_stats rx_gone[ETH_MAX_Q]; /* counters of released Rx queues */
	struct hm_i40e_txq_stats tx_gone[ETH_MAX_Q];
	struct rte_eth_stats base;   /* what stats_reset left */
	uint64_t xbase[256];         /* what xstats_reset left */
	hm_spinlock_t rx_lock, tx_lock; /* shared locks (hugemem/lock.h), never hm_spinlock_* */
	char rx_what[RTE_ETH_NAME_MAX_LEN + 16]; /* "port NAME rx": the locks' messages; */
	char tx_what[RTE_ETH_NAME_MAX_LEN + 16]; /* written at probe */
};

/* What a process keeps of a port for itself. */
struct eth_local {
	struct hm_traffic_gen *gen;  /* the source: the primary's only */
	struct hm_pcap_reader *pin;
	struct hm_traffic_src *src;
	char *pcap_path;
	uint8_t *pend;               /* the frame waiting for room */
	int sink_fd;                 /* SINK_PCAP: the O_APPEND descriptor + 1; 0: none */
	unsigned int rx_busy;        /* the feed's failed rx trylocks in a row (relaxed atomic) */
	int dead_logged;             /* the port's out-of-service message was logged (atomic) */
};

#define ETH_RX_TRIES 256u

#define ETH_SHARED_MAGIC 0x68657468706f7274ull /* "hethport" */
#define ETH_SHARED_MZ "hm_ethdev_ports"

/* The port table every process of the instance sees (ETH_SHARED_MZ), or the
 * process's own empty one before the first port / without hugemem. */
struct eth_shared {
	uint64_t magic;              /* ETH_SHARED_MAGIC once written */
	uint64_t size;               /* sizeof(struct eth_shared) of the writer */
	uint64_t idle_ms;            /* idle report: 0 off */
	uint64_t idle_last_ns;       /* last time a frame moved (relaxed atomic) */
	int idle_reported;           /* relaxed atomic */
	uint64_t gen;                /* bumped by the primary at each change of a fast path */
	struct hm_eth_port ports[RTE_MAX_ETHPORTS];
};

HM_INTERNAL_ETH extern struct eth_shared *hm_eth_sh;
HM_INTERNAL_ETH extern struct eth_local hm_eth_local[RTE_MAX_ETHPORTS];
#define hm_eth_ports (hm_eth_sh->ports)
#define hm_eth_idle_ms (hm_eth_sh->idle_ms)

/* The port of a valid port id, or NULL. */
static inline struct hm_eth_port *
eth_port(uint16_t port_id)
{
	if (port_id >= RTE_MAX_ETHPORTS || hm_eth_ports[port_id].state != PORT_PROBED)
		return NULL;
	return &hm_eth_ports[port_id];
}

/* ethdev_mp.c */
HM_INTERNAL_ETH bool eth_secondary(void);
HM_INTERNAL_ETH int eth_refuse_secondary(uint16_t port_id, const char *what);
HM_INTERNAL_ETH int eth_shared_get(void);
HM_INTERNAL_ETH void eth_shared_put(void);
HM_INTERNAL_ETH void eth_shared_put_if_empty(void);
HM_INTERNAL_ETH void eth_secondary_sync(void);
/* The port's device locks (shared locks, hugemem/lock.h): a dead holder's lock
 * is taken over after that side of the NIC passes its validator (the TX side
 * also forgets the dead process's sink); a failed check poisons the lock and
 * puts the port out of service. The lock functions return 0 (held) or
 * -EOWNERDEAD (not held; logged once per process, this process's fast path of
 * the port emptied). eth_tx_lock installs this process's sink callback. */
HM_INTERNAL_ETH int eth_tx_lock(struct hm_eth_port *p);
HM_INTERNAL_ETH void eth_tx_unlock(struct hm_eth_port *p);
HM_INTERNAL_ETH int eth_rx_lock(struct hm_eth_port *p);
/* The feed's: 1 held, 0 busy, -EOWNERDEAD. Busy ETH_RX_TRIES times in a row
 * in this process, it waits once (eth_rx_lock), so a dead holder is found. */
HM_INTERNAL_ETH int eth_rx_trylock(struct hm_eth_port *p);
HM_INTERNAL_ETH void eth_rx_unlock(struct hm_eth_port *p);
/* 0, or -EOWNERDEAD (logged: the pid) when a lock of @p p is poisoned. */
HM_INTERNAL_ETH int eth_port_out(const struct hm_eth_port *p);
HM_INTERNAL_ETH int eth_pcap_sink_open(struct hm_eth_port *p, const struct hm_pcap_reader *in);
HM_INTERNAL_ETH int eth_pcap_sink_put(struct hm_eth_port *p, const void *frame, size_t len);
HM_INTERNAL_ETH void eth_local_free(uint16_t id);
/* vdev.c: the NIC's sink callback (installed by eth_tx_lock) */
HM_INTERNAL_ETH int eth_port_sink(void *ctx, const void *frame, size_t len);

/* A control function the primary alone may call: -E_RTE_SECONDARY in a secondary. */
#define ETH_PRIMARY_ONLY(port_id, what)                                    \
	do {                                                               \
		if (eth_secondary())                                       \
			return eth_refuse_secondary((port_id), (what));    \
	} while (0)

/* ethdev_mp.c: this process's fast path of @p p from the port (empty when it
 * is stopped or out of service) */
HM_INTERNAL_ETH void eth_fp_sync(struct hm_eth_port *p);
/* ethdev.c */
HM_INTERNAL_ETH int eth_port_stop_all_queues(struct hm_eth_port *p);
HM_INTERNAL_ETH void eth_port_release_queues(struct hm_eth_port *p);
HM_INTERNAL_ETH int eth_reta_apply(struct hm_eth_port *p);
/* vdev.c */
HM_INTERNAL_ETH int eth_port_resolve_peer(struct hm_eth_port *p);
HM_INTERNAL_ETH void eth_port_destroy(struct hm_eth_port *p);
HM_INTERNAL_ETH int eth_devargs_parse(const char *name, const char *args, struct eth_devargs *d);
HM_INTERNAL_ETH void eth_devargs_free(struct eth_devargs *d);
/* ethdev_ctl.c: the control lock (recursive); eth_do_* are the rte_eth_* functions
 * of the same name without it (ethdev.c, ethdev_stats.c), called with it held */
HM_INTERNAL_ETH void eth_ctl_lock(void);
HM_INTERNAL_ETH void eth_ctl_unlock(void);
HM_INTERNAL_ETH int eth_do_dev_configure(uint16_t port_id, uint16_t nb_rx_q, uint16_t nb_tx_q,
			const struct rte_eth_conf *c);
HM_INTERNAL_ETH int eth_do_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id,
			uint16_t nb_rx_desc, unsigned int socket_id,
			const struct rte_eth_rxconf *rx_conf, struct rte_mempool *mb_pool);
HM_INTERNAL_ETH int eth_do_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id,
			uint16_t nb_tx_desc, unsigned int socket_id,
			const struct rte_eth_txconf *tx_conf);
HM_INTERNAL_ETH int eth_do_dev_start(uint16_t port_id);
HM_INTERNAL_ETH int eth_do_dev_stop(uint16_t port_id);
HM_INTERNAL_ETH int eth_do_dev_close(uint16_t port_id);
HM_INTERNAL_ETH int eth_do_dev_rx_queue_start(uint16_t port_id, uint16_t rx_queue_id);
HM_INTERNAL_ETH int eth_do_dev_rx_queue_stop(uint16_t port_id, uint16_t rx_queue_id);
HM_INTERNAL_ETH int eth_do_dev_tx_queue_start(uint16_t port_id, uint16_t tx_queue_id);
HM_INTERNAL_ETH int eth_do_dev_tx_queue_stop(uint16_t port_id, uint16_t tx_queue_id);
HM_INTERNAL_ETH int eth_do_dev_set_link_up(uint16_t port_id);
HM_INTERNAL_ETH int eth_do_dev_set_link_down(uint16_t port_id);
HM_INTERNAL_ETH int eth_do_link_get(uint16_t port_id, struct rte_eth_link *link);
HM_INTERNAL_ETH int eth_do_link_get_nowait(uint16_t port_id, struct rte_eth_link *link);
HM_INTERNAL_ETH int eth_do_stats_get(uint16_t port_id, struct rte_eth_stats *stats);
HM_INTERNAL_ETH int eth_do_stats_reset(uint16_t port_id);
HM_INTERNAL_ETH int eth_do_xstats_get_names(uint16_t port_id,
			struct rte_eth_xstat_name *xstats_names, unsigned int size);
HM_INTERNAL_ETH int eth_do_xstats_get(uint16_t port_id, struct rte_eth_xstat *xstats,
			unsigned int n);
HM_INTERNAL_ETH int eth_do_xstats_get_names_by_id(uint16_t port_id,
			struct rte_eth_xstat_name *xstats_names, unsigned int size,
			uint64_t *ids);
HM_INTERNAL_ETH int eth_do_xstats_get_by_id(uint16_t port_id, const uint64_t *ids,
			uint64_t *values, unsigned int size);
HM_INTERNAL_ETH int eth_do_xstats_get_id_by_name(uint16_t port_id, const char *xstat_name,
			uint64_t *id);
HM_INTERNAL_ETH int eth_do_xstats_reset(uint16_t port_id);
/* ethdev_telemetry.c: /ethdev/list, stats, xstats, link_status (once per process) */
HM_INTERNAL_ETH void eth_tel_register(void);
/* ethdev_stats.c */
HM_INTERNAL_ETH void eth_stats_raw(const struct hm_eth_port *p, struct rte_eth_stats *st);
HM_INTERNAL_ETH void eth_stats_keep_rxq(struct hm_eth_port *p, unsigned int q);
HM_INTERNAL_ETH void eth_stats_keep_txq(struct hm_eth_port *p, unsigned int q);
HM_INTERNAL_ETH void eth_report(FILE *f, const char *why);

#endif /* HUGEMEM_ETHDEV_I_H */
