/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The i40e-style TX driver over the fake NIC's transmit engine
 * (hugemem/sim/nic_tx.h), following DPDK 22.11's i40e_rxtx.c: queue setup
 * with i40e's threshold rules, the full-featured scalar path
 * (i40e_xmit_pkts) and the simple path (i40e_xmit_pkts_simple).
 *
 * A queue owns a descriptor ring of 16-byte descriptors in an IOVA-contiguous,
 * 128-byte aligned memzone sized for the maximum (4096 descriptors) on the
 * NIC's node, a software ring of nb_desc entries (the mbuf segment each
 * descriptor sends, and for the scalar path the index of its packet's last
 * descriptor) and the queue struct itself, all on the NIC's node.
 *
 * Thresholds (i40e_dev_tx_queue_setup): tx_free_thresh defaults to 32;
 * tx_rs_thresh defaults to 32, or nb_desc - tx_free_thresh when 32 +
 * tx_free_thresh > nb_desc. Refused: tx_rs_thresh + tx_free_thresh > nb_desc,
 * tx_rs_thresh >= nb_desc - 2, tx_free_thresh >= nb_desc - 3, tx_rs_thresh >
 * tx_free_thresh, nb_desc not a multiple of tx_rs_thresh, tx_rs_thresh > 1
 * with a non-zero wthresh. (DPDK's i40e returns I40E_ERR_PARAM, -5, for
 * these; we return EINVAL with DPDK's message.)
 *
 * Transmit paths, chosen at setup (hm_i40e_tx_burst dispatches):
 *  - scalar: any packet of up to 8 segments, VLAN insertion and IPv4/TCP/UDP
 *    checksum offloads from ol_flags and tx_offload; RS on the last
 *    descriptor of the packet that makes tx_rs_thresh descriptors used since
 *    the last RS; when fewer than tx_free_thresh descriptors are free (or a
 *    packet needs more than are free) the block up to the next RS descriptor
 *    is cleaned once that descriptor reads done;
 *  - simple: single-segment packets, no offloads (the queue's offloads at
 *    most MBUF_FAST_FREE) and tx_rs_thresh >= 32: one descriptor per packet,
 *    RS every tx_rs_thresh descriptors, tx_rs_thresh mbufs freed per done
 *    RS descriptor.
 * Both free the mbufs of a block when its completion is seen, in bulk (DPDK's
 * scalar path frees each one when its slot is reused); a stopped queue gives
 * back everything it holds.
 *
 * Bad input: a packet the device would reject (malicious-driver detection:
 * more than 8 segments, nb_segs or pkt_len disagreeing with the chain, an
 * empty segment, shorter than 17 bytes or longer than max_pkt_len, TSO asked;
 * on the simple path any chained packet) is not sent: it is freed, counted in
 * tx_bad, and counted as consumed in the return value (DPDK sends it and the
 * hardware stops the queue).
 *
 * Robustness against a hostile device: completion is taken only from "done"
 * (qw1 DTYPE 0xF, loaded with acquire) on the RS descriptor the driver
 * expects, and only when that descriptor lies between the last cleaned one
 * and the tail (a "done" anywhere else is ignored; the rest of a written-back
 * descriptor is never read). A missing write-back is recovered when the next
 * RS descriptor reads done (completion is in order), counted in wb_implied.
 * What no driver can detect: a device that writes done before reading the
 * buffers (the NIC's EARLY mode).
 *
 * Invariants (hm_i40e_txq_check), for a started queue:
 *   tail register == tx_tail < nb_desc; nb_tx_free <= nb_desc - 1
 *   in flight (descriptors written, not yet cleaned) == nb_desc - 1 - nb_tx_free,
 *     the slots just before tx_tail; each holds its segment's mbuf, every
 *     other slot none
 *   an in-flight descriptor not done: buffer_addr == its mbuf's data IOVA,
 *     size == its data_len
 *   scalar: last_id of an in-flight slot is in flight, at or after it, and
 *     nb_tx_used < tx_rs_thresh; simple: tx_next_dd and tx_next_rs end an
 *     RS block (== tx_rs_thresh - 1 mod tx_rs_thresh)
 *   pool sizes == available + held by queues + mbufs the caller holds
 *     (held: hm_i40e_txq_info.held)
 */
#ifndef HUGEMEM_SIM_I40E_TX_H
#define HUGEMEM_SIM_I40E_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "hugemem/mbuf.h"
#include "hugemem/memzone.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_tx_desc.h"
#include "hugemem/sim/nic_tx.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_I40E_DEFAULT_TX_RS_THRESH 32u
#define HM_I40E_DEFAULT_TX_FREE_THRESH 32u
#define HM_I40E_TX_MAX_BURST 32u         /* simple path burst; its tx_rs_thresh floor */

/* TX offloads a queue may be configured with (DPDK's RTE_ETH_TX_OFFLOAD_* bit values). */
#define HM_I40E_TX_OFFLOAD_VLAN_INSERT (1ULL << 0)
#define HM_I40E_TX_OFFLOAD_IPV4_CKSUM (1ULL << 1)
#define HM_I40E_TX_OFFLOAD_UDP_CKSUM (1ULL << 2)
#define HM_I40E_TX_OFFLOAD_TCP_CKSUM (1ULL << 3)
#define HM_I40E_TX_OFFLOAD_MULTI_SEGS (1ULL << 15)
#define HM_I40E_TX_OFFLOAD_MBUF_FAST_FREE (1ULL << 16)
/** Every TX offload the model supports. */
#define HM_I40E_TX_OFFLOADS                                                                 \
	(HM_I40E_TX_OFFLOAD_VLAN_INSERT | HM_I40E_TX_OFFLOAD_IPV4_CKSUM |                   \
	 HM_I40E_TX_OFFLOAD_UDP_CKSUM | HM_I40E_TX_OFFLOAD_TCP_CKSUM |                      \
	 HM_I40E_TX_OFFLOAD_MULTI_SEGS | HM_I40E_TX_OFFLOAD_MBUF_FAST_FREE)

/** Transmit path of a queue. */
enum hm_i40e_tx_path {
	HM_I40E_TX_AUTO = 0,   /* simple when allowed, else scalar */
	HM_I40E_TX_SCALAR,
	HM_I40E_TX_SIMPLE,
};

/** Status of a TX descriptor (DPDK's RTE_ETH_TX_DESC_* values). */
#define HM_I40E_TX_DESC_FULL 0   /* in use: handed to the device, not completed */
#define HM_I40E_TX_DESC_DONE 1   /* free for the driver to fill */

/** Queue configuration; start from hm_i40e_txq_conf_init(). */
struct hm_i40e_txq_conf {
	unsigned int nb_desc;        /* multiple of 32 in [64, 4096] (1024) */
	unsigned int tx_rs_thresh;   /* descriptors; 0: i40e's default rule (0) */
	unsigned int tx_free_thresh; /* descriptors; 0: 32 (0) */
	unsigned int wthresh;        /* write-back threshold; must be 0 when tx_rs_thresh > 1 (0) */
	uint64_t offloads;           /* HM_I40E_TX_OFFLOAD_* (0) */
	enum hm_i40e_tx_path path;   /* (AUTO) */
	unsigned int max_pkt_len;    /* longest packet sent, bytes; 0: the NIC's max_frame (0) */
	uint16_t port;               /* the ring's memzone name (0) */
};

/** Counters of one queue. */
struct hm_i40e_txq_stats {
	uint64_t packets;            /* packets handed to the device */
	uint64_t bytes;              /* their pkt_len sum */
	uint64_t tx_bad;             /* packets refused (malformed, see the file comment) and freed */
	uint64_t ring_full;          /* bursts cut short: no free descriptors */
	uint64_t cleanups;           /* RS blocks completed */
	uint64_t freed;              /* mbuf segments given back on completion */
	uint64_t wb_implied;         /* missing write-backs implied by a later one */
	uint64_t tail_writes;        /* tail register updates */
};

/** Where a queue lives and what it holds. */
struct hm_i40e_txq_info {
	enum hm_i40e_tx_path path;   /* in use (never AUTO) */
	unsigned int nb_desc;
	unsigned int tx_rs_thresh;
	unsigned int tx_free_thresh;
	unsigned int max_pkt_len;
	uint64_t offloads;
	bool started;
	unsigned int nb_tx_free;     /* descriptors the driver may fill */
	unsigned int held;           /* mbuf segments held (in flight) */
	const struct hm_memzone *ring_mz;
	int ring_node;               /* node of the ring's memory */
	int queue_node;              /* node of the queue struct */
	int sw_ring_node;            /* node of the software ring */
};

struct hm_i40e_txq;

/** Defaults as documented in struct hm_i40e_txq_conf. */
void hm_i40e_txq_conf_init(struct hm_i40e_txq_conf *c);

/**
 * Set up TX queue @p queue of @p nic. Everything lives on the NIC's node. The
 * queue is stopped; hm_i40e_txq_start programs the device.
 * @return the queue, or NULL with hm_errno EINVAL (NULL argument, queue out of
 *   the NIC's range, nb_desc out of range, a threshold rule broken, an
 *   offload the model lacks, an unknown path, SIMPLE asked without its
 *   preconditions, max_pkt_len outside 17..the NIC's max_frame), EEXIST (the
 *   ring's memzone exists: same port and queue set up twice), ENOMEM.
 */
struct hm_i40e_txq *hm_i40e_txq_setup(struct hm_nic *nic, unsigned int queue,
				      const struct hm_i40e_txq_conf *c);
/**
 * Reset the ring (every descriptor "done", nothing held), program the NIC's
 * TX queue, tail 0.
 * @return 0; -EINVAL (NULL), -EALREADY (started), -EBUSY (device thread
 *   running), -EFAULT (the NIC refused the ring).
 */
int hm_i40e_txq_start(struct hm_i40e_txq *txq);
/**
 * Disable the NIC's TX queue (what it has not sent yet is not sent) and give
 * back every mbuf the queue holds. Stopping a stopped queue is a no-op.
 * @return 0; -EINVAL (NULL), -EBUSY (device thread running; nothing changed).
 */
int hm_i40e_txq_stop(struct hm_i40e_txq *txq);
/** Stop (if started) and free the queue, its rings and memzone (NULL accepted). */
void hm_i40e_txq_release(struct hm_i40e_txq *txq);

/*
 * Send up to @p n packets of @p pkts. @return how many were consumed: sent or
 * refused as malformed (freed); the caller keeps pkts[return..n). 0 when
 * stopped, on a NULL queue or array, or on the other path's function.
 */
uint16_t hm_i40e_xmit_pkts(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n);
uint16_t hm_i40e_xmit_pkts_simple(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n);
/** The path chosen at setup. */
uint16_t hm_i40e_tx_burst(struct hm_i40e_txq *txq, struct hm_mbuf **pkts, uint16_t n);

/**
 * Free the mbufs of completed packets now (rte_eth_tx_done_cleanup): RS
 * blocks are cleaned while their RS descriptor reads done, until at least
 * @p free_cnt packets were freed (0: as many as are complete).
 * @return packets freed, -EINVAL (NULL), -ENODEV (stopped).
 */
int hm_i40e_tx_done_cleanup(struct hm_i40e_txq *txq, uint32_t free_cnt);
/**
 * Status of the descriptor @p offset slots after the tail (0: the next one
 * the driver fills): HM_I40E_TX_DESC_DONE when the driver may fill it (free,
 * or sent and completed), HM_I40E_TX_DESC_FULL when the device has not
 * completed it.
 * @return the status, -EINVAL (NULL, offset >= nb_desc), -ENODEV (stopped).
 */
int hm_i40e_tx_desc_status(const struct hm_i40e_txq *txq, uint16_t offset);

/** Counters. @return 0, -EINVAL (NULL). */
int hm_i40e_txq_stats_get(const struct hm_i40e_txq *txq, struct hm_i40e_txq_stats *st);
/** Placement and state. @return 0, -EINVAL (NULL). */
int hm_i40e_txq_info_get(const struct hm_i40e_txq *txq, struct hm_i40e_txq_info *info);
/** "auto", "scalar", "simple"; NULL for an unknown value. */
const char *hm_i40e_tx_path_name(enum hm_i40e_tx_path p);
/** Parse a path name. @return 0, -EINVAL. */
int hm_i40e_tx_path_parse(const char *s, enum hm_i40e_tx_path *p);

/**
 * Validator (the invariants of the file comment).
 * @return 0, -EINVAL (NULL txq), -EFAULT with *reason.
 */
int hm_i40e_txq_check(const struct hm_i40e_txq *txq, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_I40E_TX_H */
