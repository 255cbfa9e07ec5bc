/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC's transmit engine: i40e TX queues (hugemem/sim/i40e_tx_desc.h)
 * on the same device as the receive engine (hugemem/sim/nic.h), one TX queue
 * per RX queue index (hm_nic_conf.nb_queues).
 *
 * Per queue the device holds the programmed ring (base IOVA, nb_desc), its own
 * head and a tail register that the driver writes (store-release,
 * hm_nic_tail_write). The device owns the descriptors in [head, tail) (mod
 * nb_desc); tail == head is an empty ring.
 *
 * Transmitting one frame (hm_nic_txq_step, or the device thread):
 *  1. gather descriptors from head: context descriptors are skipped, data
 *     descriptors collected until one has EOP. When the tail is reached first
 *     the frame is not complete yet and nothing is taken (the device waits).
 *  2. malformed frames (what i40e's malicious-driver detection catches) are
 *     consumed and dropped, counted in `malformed`: a DTYPE other than data
 *     or context, more than HM_I40E_TX_MAX_MTU_SEG data descriptors or more
 *     than HM_NIC_TX_FRAME_DESC_MAX descriptors without EOP, a buffer size of
 *     0, a frame shorter than HM_I40E_TX_MIN_PKT_LEN or longer than the
 *     device's max_frame.
 *  3. read every buffer by IOVA through the memseg tables (hm_mem_iova2virt).
 *     A buffer that maps nowhere (wholly or partly) is a DMA fault: counted
 *     per buffer in dma_faults, the frame is not sent (dma_errors).
 *  4. offloads as the first data descriptor asks: IPv4 header checksum (IIPT
 *     IPV4_CSUM), TCP/UDP checksum (L4T; the field holds the pseudo-header
 *     sum, as DPDK's contract says, and the device completes it over the L4
 *     bytes up to the IP length), each only when MACLEN/IPLEN place the
 *     headers inside the frame (else skipped and counted); then the VLAN tag
 *     of L2TAG1 inserted after the MAC addresses (IL2TAG1); then frames
 *     shorter than 60 bytes are padded with zeros to 60, as a MAC does.
 *  5. hand the frame to the device's sink: discard, a pcap writer, a callback,
 *     or loopback into a NIC's receive engine (hm_nic_rx_frame on the peer,
 *     stepped: frames the peer drops are the peer's rx_missed/no_queue). The
 *     sink refusing (callback returns 0) counts sink_full, failing
 *     (pcap write error, a peer whose device thread runs) sink_errors: both
 *     are DPDK's oerrors.
 *  6. write back: the qw1 of every descriptor of the frame that has RS
 *     becomes "descriptor done" (release). Then head advances past the
 *     frame's descriptors.
 *
 * Hostile modes (hm_nic_tx_fault_set), each per frame: DELAY holds the
 * write-backs back for delay_frames frames (late DD, possibly after later
 * frames' ones: out of order); EARLY writes them back at once but reads and
 * sends the buffers delay_frames frames later (a driver trusting DD may have
 * reused them: the frame then carries what the buffers hold by then); LOST
 * never writes them; SPURIOUS also writes "done" on a random descriptor the
 * driver owns (outside [head, tail)); CORRUPT writes back "done" with the
 * rest of qw1 and the buffer address scrambled.
 *
 * Threads: stepped calls (hm_nic_txq_step, hm_nic_tx_step, hm_nic_tx_flush),
 * the sink and queue setup fail with EBUSY while the device thread runs
 * (hm_nic_start); the thread transmits a burst from every TX queue after
 * each frame it receives, and once more when its source ends. A loopback
 * sink needs both devices stepped: hm_nic_start refuses a device whose sink
 * loops back.
 *
 * Invariants (checked by hm_nic_check), per TX queue:
 *   head < nb_desc, tail < nb_desc, head == consumed mod nb_desc
 *   frames == packets + sink_full + sink_errors + dma_errors + malformed
 *             + aborted + early (frames read late, not sent yet)
 *   delayed == write-backs held in pending entries
 */
#ifndef HUGEMEM_SIM_NIC_TX_H
#define HUGEMEM_SIM_NIC_TX_H

#include <stddef.h>
#include <stdint.h>

#include "hugemem/common.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/pcap.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_NIC_TX_FRAME_DESC_MAX 16u  /* descriptors (context + data) one frame may take */
#define HM_NIC_TX_MIN_WIRE 60u        /* frames are padded to this many bytes (no FCS) */

/** One TX queue's ring, as the driver programs it. */
struct hm_nic_txq_conf {
	hm_iova_t ring_iova;         /* ring base, HM_NIC_RING_ALIGN-aligned, IOVA-contiguous */
	unsigned int nb_desc;        /* multiple of 32 in [HM_NIC_DESC_MIN, HM_NIC_DESC_MAX] */
};

/** Where transmitted frames go. */
enum hm_nic_sink_kind {
	HM_NIC_SINK_DISCARD = 0,     /* counted and dropped (the default) */
	HM_NIC_SINK_PCAP,            /* appended to a pcap writer */
	HM_NIC_SINK_LOOPBACK,        /* received by a NIC (this one or another) */
	HM_NIC_SINK_FUNC,            /* handed to a callback */
};

/**
 * A sink callback. @return 1 taken, 0 refused (the sink is full: sink_full),
 * -errno failed (sink_errors).
 */
typedef int (*hm_nic_sink_fn)(void *ctx, const void *frame, size_t len);

/** Sink configuration (hm_nic_tx_sink_set copies it). */
struct hm_nic_sink {
	enum hm_nic_sink_kind kind;
	struct hm_pcap_writer *pcap; /* PCAP: not owned; outlives the device or the next sink_set */
	struct hm_nic *peer;         /* LOOPBACK: the receiving NIC (may be this one) */
	hm_nic_sink_fn fn;           /* FUNC */
	void *ctx;                   /* FUNC: its argument */
	uint64_t ts_step_ns;         /* PCAP: timestamp increment per frame (0: 1000) */
};

/** Per-TX-queue counters. */
struct hm_nic_txq_stats {
	uint64_t frames;             /* frames taken off the ring (EOP reached) */
	uint64_t packets;            /* frames the sink took */
	uint64_t bytes;              /* their bytes as sent (tag inserted, padding included) */
	uint64_t sink_full;          /* frames refused by the sink (oerrors) */
	uint64_t sink_errors;        /* frames the sink failed on (oerrors) */
	uint64_t dma_errors;         /* frames not sent: a buffer IOVA maps nowhere */
	uint64_t dma_faults;         /* buffers not read (bad IOVA), descriptors not written */
	uint64_t malformed;          /* frames dropped by malicious-driver detection */
	uint64_t aborted;            /* frames read late (EARLY) dropped by a queue reset */
	uint64_t ring_faults;        /* steps stopped: a descriptor could not be read */
	uint64_t descs;              /* descriptors consumed (head advanced over them) */
	uint64_t writebacks;         /* "done" write-backs performed (spurious ones included) */
	uint64_t offload_skipped;    /* checksum offloads skipped: headers outside the frame */
	uint64_t padded;             /* frames padded to HM_NIC_TX_MIN_WIRE */
	uint64_t delayed;            /* write-backs held back now (DELAY) */
	uint64_t early;              /* frames written back but not read yet now (EARLY) */
};

/** TX fault modes (hm_nic_tx_fault_set). */
enum hm_nic_tx_fault {
	HM_NIC_TX_FAULT_DELAY = 0,   /* write-backs land delay_frames frames later */
	HM_NIC_TX_FAULT_EARLY,       /* write-backs now, buffers read delay_frames frames later */
	HM_NIC_TX_FAULT_LOST,        /* write-backs never happen */
	HM_NIC_TX_FAULT_SPURIOUS,    /* "done" also written on a descriptor the driver owns */
	HM_NIC_TX_FAULT_CORRUPT,     /* write-back scrambles qw0 and qw1 beyond DTYPE */
	HM_NIC_TX_FAULT_COUNT
};

/**
 * Program TX queue @p q: the ring must be mapped and IOVA-contiguous over
 * nb_desc * 16 bytes. Resets head and tail to 0, drops pending write-backs
 * (and EARLY frames not read yet: aborted), keeps the counters.
 * @return 0; -EINVAL (NULL, q >= nb_queues, nb_desc out of range, misaligned
 *   ring), -EFAULT (ring not mapped), -EBUSY (device thread running).
 */
int hm_nic_txq_setup(struct hm_nic *nic, unsigned int q, const struct hm_nic_txq_conf *c);
/**
 * Disable TX queue @p q (what it still holds is not sent; pending write-backs
 * dropped, EARLY frames aborted).
 * @return 0, -EINVAL (NULL, q out of range, not set up), -EBUSY.
 */
int hm_nic_txq_release(struct hm_nic *nic, unsigned int q);
/**
 * The tail register of TX queue @p q, for hm_nic_tail_write (valid until the
 * device is freed; NULL with hm_errno EINVAL for a NULL device or bad q).
 */
uint32_t *hm_nic_tx_tail_reg(struct hm_nic *nic, unsigned int q);
/** The device's head of TX queue @p q (acquire). @return head or -EINVAL. */
int hm_nic_tx_head(const struct hm_nic *nic, unsigned int q);

/**
 * Transmit up to @p max frames from TX queue @p q (stepped mode).
 * @return frames taken off the ring (sent, dropped or read late), 0 when the
 *   ring holds no complete frame; -EINVAL (NULL, q out of range or not set
 *   up), -EBUSY (device thread running).
 */
int hm_nic_txq_step(struct hm_nic *nic, unsigned int q, unsigned int max);
/**
 * hm_nic_txq_step on every TX queue that is set up, up to @p max frames each.
 * @return the frames taken over all queues, -EINVAL (NULL), -EBUSY.
 */
int hm_nic_tx_step(struct hm_nic *nic, unsigned int max);
/**
 * Land every delayed write-back and read and send every EARLY frame now.
 * @return the pending entries landed, -EINVAL, -EBUSY.
 */
int hm_nic_tx_flush(struct hm_nic *nic);

/**
 * Where transmitted frames go from now on (@p s copied).
 * @return 0, -EINVAL (NULL, unknown kind, PCAP without a writer, LOOPBACK
 *   without a peer, FUNC without a callback), -EBUSY (device thread running).
 */
int hm_nic_tx_sink_set(struct hm_nic *nic, const struct hm_nic_sink *s);

/** Counters of TX queue @p q (relaxed loads). @return 0, -EINVAL (NULL, q out of range). */
int hm_nic_txq_stats_get(const struct hm_nic *nic, unsigned int q, struct hm_nic_txq_stats *st);

/**
 * Inject TX fault @p mode: every @p every_nth frame taken (0: off) and,
 * independently, each frame with probability @p ppm / 1e6 drawn from a
 * generator seeded with @p seed.
 * @return 0, -EINVAL (NULL, unknown mode, ppm > 1000000), -EBUSY.
 */
int hm_nic_tx_fault_set(struct hm_nic *nic, enum hm_nic_tx_fault mode, uint32_t every_nth,
			uint32_t ppm, uint64_t seed);
/** Turn every TX fault mode off. @return 0, -EINVAL, -EBUSY. */
int hm_nic_tx_fault_clear(struct hm_nic *nic);
/** Times @p mode was injected. @return the count; 0 for bad arguments. */
uint64_t hm_nic_tx_fault_count(const struct hm_nic *nic, enum hm_nic_tx_fault mode);
/** "delay", "early", "lost", "spurious", "corrupt"; NULL for an unknown mode. */
const char *hm_nic_tx_fault_name(enum hm_nic_tx_fault mode);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_NIC_TX_H */
