/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An i40e-style RX driver over the fake NIC (sim/nic), following DPDK 22.11's
 * i40e_rxtx.c (reference §9): the driver under test of the simulator.
 *
 * A queue owns a descriptor ring in an IOVA-contiguous, 128-byte aligned
 * memzone sized for the maximum (4096 + 32 descriptors) on the NIC's node, a
 * software ring of nb_desc + 32 mbuf pointers (the 32 spare slots point at a
 * zeroed fake mbuf, the 32 spare descriptors stay zero, so the bulk scan may
 * read past the end), and the queue struct itself, all on the NIC's node.
 *
 * Receive paths, chosen at setup (hm_i40e_rx_burst dispatches):
 *  - scalar: per-descriptor refill (a fresh mbuf swapped in before the packet
 *    is handed up); tail written when more than rx_free_thresh are held;
 *  - bulk: scan up to 32 written-back descriptors in groups of 8 (look-ahead),
 *    stage them, refill rx_free_thresh descriptors at a time with one bulk get;
 *    needs rx_free_thresh >= 32, < nb_desc and dividing nb_desc;
 *  - scattered: per-descriptor refill, frames chained over several
 *    descriptors until EOF;
 *  - vector: the bulk path's ring (same refill blocks, same preconditions)
 *    without its staging: descriptors checked four at a time with SIMD
 *    compares and the mbuf fields written with two 16-byte stores each,
 *    packets handed straight to the caller, the next burst's descriptors and
 *    mbuf headers prefetched; anything unusual in a group of four (a
 *    descriptor to drop, the rest of a dropped frame, no DD) goes through the
 *    same per-descriptor rules as the bulk path. SSE4.2 or AVX2, chosen at
 *    setup from what the CPU has (hm_i40e_rxq_conf.vec_isa), x86 only.
 *
 * Robustness against a hostile device: a descriptor is consumed only when its
 * DD bit is set (loaded with acquire, the other words read after it); the bulk
 * scan counts only the contiguous prefix of DD bits, so a delayed write-back
 * stops it. A descriptor with RXE, a length of 0 or above the buffer size, or
 * (outside the scattered path) no EOF, is dropped and counted; a full buffer
 * without EOF there (a frame the device chained over several buffers) counts
 * as rx_bad_len. The scattered path also drops a chain whose non-last buffer
 * is not full or whose length passes max_pkt_len. Every path counts a dropped
 * frame once: when the dropped buffer is not the frame's last (no EOF, and
 * full or RXE), the frame's remaining descriptors up to EOF are given back
 * without delivering or counting anything, so a frame's tail never arrives as
 * a packet of its own. A dropped buffer is re-armed or returned to the pool:
 * nothing leaks. An mbuf shortage counts rx_nombuf and leaves the packets on
 * the ring (no loss).
 *
 * Invariants (hm_i40e_rxq_check), for a started queue:
 *   every non-NULL sw_ring[i] (i < nb_desc) whose descriptor has DD clear is
 *     armed: desc[i].pkt_addr == sw_ring[i]->buf_iova + 128
 *   sw_ring[nb_desc .. nb_desc + 31] == &fake_mbuf, spare descriptors zero
 *   tail register (as last written) < nb_desc and != rx_tail (one kept back)
 *   held == non-NULL sw_ring[0..nb_desc) + staged + segments of a partial chain
 *   pool size == pool available + held + mbufs delivered and not yet freed
 *     (the last one is the caller's to check: hm_i40e_rxq_info().held)
 * CRC is always stripped by the device: crc_len is 0.
 */
#ifndef HUGEMEM_SIM_I40E_H
#define HUGEMEM_SIM_I40E_H

#include <stdbool.h>
#include <stdint.h>

#include "hugemem/mbuf.h"
#include "hugemem/memzone.h"
#include "hugemem/sim/nic.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_I40E_MIN_RING_DESC 64u
#define HM_I40E_MAX_RING_DESC 4096u
#define HM_I40E_ALIGN_RING_DESC 32u
#define HM_I40E_RX_MAX_BURST 32u       /* bulk path burst and ring slack */
#define HM_I40E_LOOK_AHEAD 8u
#define HM_I40E_RING_BASE_ALIGN 128u
#define HM_I40E_DMA_MEM_ALIGN 4096u
#define HM_I40E_DEFAULT_RX_FREE_THRESH 32u
#define HM_I40E_FRAME_SIZE_MAX 9728u

/** Receive path of a queue. */
enum hm_i40e_rx_path {
	HM_I40E_RX_AUTO = 0,      /* scattered if max_pkt_len > buffer, else bulk if allowed, else scalar */
	HM_I40E_RX_SCALAR,
	HM_I40E_RX_BULK,
	HM_I40E_RX_SCATTERED,
	HM_I40E_RX_VECTOR,        /* the bulk path's preconditions, and SSE4.2 */
};

/** Instruction set of the vector path. */
enum hm_i40e_vec_isa {
	HM_I40E_VEC_AUTO = 0,     /* AVX2 when the CPU has it, else SSE4.2 */
	HM_I40E_VEC_SSE42,
	HM_I40E_VEC_AVX2,
};

/** Queue configuration; start from hm_i40e_rxq_conf_init(). */
struct hm_i40e_rxq_conf {
	unsigned int nb_desc;        /* multiple of 32 in [64, 4096] (1024) */
	unsigned int rx_free_thresh; /* descriptors, 1..nb_desc-2 (32) */
	enum hm_i40e_rx_path path;   /* (AUTO) */
	unsigned int max_pkt_len;    /* bytes, 64..9728, or up to the NIC's max_frame when
	                              * it is larger (hm_nic_conf.large_frames); 0: one buffer (0) */
	unsigned int desc_size;      /* 32 or 16 (32) */
	uint16_t port;               /* mbuf port, and the ring's memzone name (0) */
	enum hm_i40e_vec_isa vec_isa; /* vector path only (AUTO) */
};

/** Counters of one queue. */
struct hm_i40e_rxq_stats {
	uint64_t packets;            /* packets returned to the caller */
	uint64_t bytes;              /* their pkt_len sum */
	uint64_t rx_nombuf;          /* mbuf allocations that failed (bulk: rx_free_thresh each) */
	uint64_t rx_errors;          /* packets dropped: RXE set (e.g. DMA fault) */
	uint64_t rx_bad_len;         /* packets dropped: length 0, > buffer (also a frame
	                              * chained over buffers outside the scattered path),
	                              * or > max_pkt_len */
	uint64_t rx_no_eof;          /* packets dropped: EOF missing (or a short non-last buffer) */
	uint64_t tail_writes;        /* tail register updates */
};

/** Where a queue lives and what it holds. */
struct hm_i40e_rxq_info {
	enum hm_i40e_rx_path path;   /* the path in use (never AUTO) */
	enum hm_i40e_vec_isa vec_isa; /* vector path: the instruction set in use; else AUTO */
	unsigned int nb_desc;
	unsigned int rx_free_thresh;
	unsigned int buf_size;       /* bytes per buffer programmed into the NIC */
	unsigned int max_pkt_len;
	unsigned int desc_size;
	bool started;
	unsigned int held;           /* mbufs held by the queue (armed + staged + partial) */
	const struct hm_memzone *ring_mz; /* the descriptor ring */
	int ring_node;               /* node of the ring's memory */
	int queue_node;              /* node of the queue struct */
	int sw_ring_node;            /* node of the software ring */
};

struct hm_i40e_rxq;

/** Defaults as documented in struct hm_i40e_rxq_conf. */
void hm_i40e_rxq_conf_init(struct hm_i40e_rxq_conf *c);

/**
 * Set up RX queue @p queue of @p nic receiving into pktmbuf pool @p mp (one
 * whose data room leaves at least 128 bytes after the headroom). Everything
 * lives on the NIC's node. The queue is stopped; hm_i40e_rxq_start arms it.
 * @return the queue, or NULL with hm_errno EINVAL (NULL argument, queue out of
 *   the NIC's range, nb_desc, rx_free_thresh, desc_size or max_pkt_len out of
 *   range, not a pktmbuf pool or data room too small, BULK or VECTOR asked
 *   without their preconditions, SCALAR/BULK/VECTOR with max_pkt_len above one
 *   buffer, an unknown vec_isa), ENOTSUP (VECTOR on a CPU or build without the
 *   instruction set asked for), EEXIST
 *   (the ring's memzone exists: same port and queue set up twice), ENOMEM.
 */
struct hm_i40e_rxq *hm_i40e_rxq_setup(struct hm_nic *nic, unsigned int queue,
				      struct hm_mempool *mp, const struct hm_i40e_rxq_conf *c);

/**
 * Arm every descriptor with a fresh mbuf, program the NIC's queue and write
 * tail = nb_desc - 1.
 * @return 0; -EINVAL (NULL), -EALREADY (started), -ENOMEM (not nb_desc mbufs
 *   in the pool: nothing kept, rx_nombuf counted), -EBUSY (device thread
 *   running), -EFAULT (the NIC refused the ring).
 */
int hm_i40e_rxq_start(struct hm_i40e_rxq *rxq);

/**
 * Disable the NIC's queue and give every mbuf the queue holds back to the pool.
 * @return 0; -EINVAL (NULL), -EBUSY (device thread running; nothing changed).
 * Stopping a stopped queue is a no-op.
 */
int hm_i40e_rxq_stop(struct hm_i40e_rxq *rxq);

/** Stop (if started) and free the queue, its rings and memzone (NULL accepted). */
void hm_i40e_rxq_release(struct hm_i40e_rxq *rxq);

/* Receive up to @p n packets into @p pkts. @return the count (0 when stopped). */
uint16_t hm_i40e_recv_pkts(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n);
uint16_t hm_i40e_recv_pkts_bulk_alloc(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n);
uint16_t hm_i40e_recv_scattered_pkts(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n);
uint16_t hm_i40e_recv_pkts_vec(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n);
/** The path chosen at setup. */
uint16_t hm_i40e_rx_burst(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n);

/** Status of an RX descriptor (DPDK's RTE_ETH_RX_DESC_* values). */
#define HM_I40E_RX_DESC_AVAIL 0   /* armed: the device may fill it */
#define HM_I40E_RX_DESC_DONE 1    /* written back, not yet received */
#define HM_I40E_RX_DESC_UNAVAIL 2 /* held by the driver */

/**
 * Descriptors written back and not yet received, from the next one the driver
 * examines. @return the count (0 when stopped), -EINVAL (NULL).
 */
int hm_i40e_rx_queue_count(const struct hm_i40e_rxq *rxq);
/**
 * Status of the descriptor @p offset slots after the next one the driver
 * examines. @return HM_I40E_RX_DESC_*, -EINVAL (NULL, offset >= nb_desc),
 * -ENODEV (stopped).
 */
int hm_i40e_rx_desc_status(const struct hm_i40e_rxq *rxq, uint16_t offset);

/** Counters. @return 0, -EINVAL (NULL). */
int hm_i40e_rxq_stats_get(const struct hm_i40e_rxq *rxq, struct hm_i40e_rxq_stats *st);
/** Placement and state. @return 0, -EINVAL (NULL). */
int hm_i40e_rxq_info_get(const struct hm_i40e_rxq *rxq, struct hm_i40e_rxq_info *info);
/** "scalar", "bulk", "scattered", "vector", "auto"; NULL for an unknown value. */
const char *hm_i40e_rx_path_name(enum hm_i40e_rx_path p);
/** "sse4.2", "avx2", "auto"; NULL for an unknown value. */
const char *hm_i40e_vec_isa_name(enum hm_i40e_vec_isa isa);
/** Parse a path name. @return 0, -EINVAL. */
int hm_i40e_rx_path_parse(const char *s, enum hm_i40e_rx_path *p);

/**
 * Validator (the invariants of the file comment).
 * @return 0, -EINVAL (NULL rxq), -EFAULT with *reason.
 */
int hm_i40e_rxq_check(const struct hm_i40e_rxq *rxq, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_I40E_H */
