/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC: a device model of an i40e-style receive engine, so RX drivers
 * run without hardware (user-pains P12).
 *
 * Per queue the device holds what the HMC queue context and the registers
 * hold on real hardware: the ring base IOVA, its length in descriptors, the
 * buffer size, the descriptor size (32 B default, 16 B), its own head and a tail
 * register that the driver writes (store-release, hm_nic_tail_write). The
 * device owns the descriptors in [head, tail) (mod nb_desc); tail == head means
 * the ring is empty, so a driver keeps one descriptor back.
 *
 * Receiving one frame: parse it, verify its IPv4 and L4 checksums, compute the
 * Toeplitz RSS hash of its 5-tuple and pick a queue through the redirection
 * table, strip the VLAN tag when asked, then take k = ceil(len / buf_size)
 * armed descriptors. With fewer than k armed the frame is dropped and counted
 * in rx_missed. Otherwise the frame is DMA-written, buffer by buffer, to each
 * descriptor's pkt_addr translated by IOVA through the memseg tables
 * (hm_mem_iova2virt), and every descriptor is written back in place: DD on
 * each, EOF on the last, the length of its buffer, ptype, error bits, L3L4P,
 * RSS hash with FLTSTAT, VLAN tag with L2TAG1P. qw1 (DD) is stored last with
 * release. Then head advances past the k descriptors.
 *
 * DMA faults: a descriptor ring or buffer IOVA that maps to no page, or a
 * buffer whose bytes run into unmapped IOVA space, is never written. A frame
 * with a faulting buffer writes no byte of any of its buffers; its descriptors
 * are written back with DD, EOF on the last, RXE and length 0, and count in
 * dma_faults (one per faulting buffer) and errors. A descriptor that cannot
 * itself be read (ring memory gone) drops the frame and leaves head in place.
 *
 * Threads: the device is driven by one thread at a time: the caller (stepped:
 * hm_nic_rx_frame, hm_nic_step, hm_nic_flush) or the device thread
 * (hm_nic_start .. hm_nic_stop; stepped calls fail with EBUSY meanwhile). The
 * driver may write tails and read descriptors, heads and stats concurrently.
 *
 * Lifetime: a device translates through the memseg tables of the running
 * hugemem instance and caches pointers into them; free it (or set its queues
 * up again) before hm_cleanup, never use it across a cleanup.
 *
 * Invariants (hm_nic_check), per configured queue:
 *   head < nb_desc, tail < nb_desc
 *   head == descriptors consumed since the queue was set up, mod nb_desc
 *   delayed == descriptors held in pending write-backs <= those consumed
 *   frames == packets + errors + missed + ring_faults
 * and for the device: frames_in == sum(queue frames) + no_queue + oversize.
 */
#ifndef HUGEMEM_SIM_NIC_H
#define HUGEMEM_SIM_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hugemem/common.h"
#include "hugemem/sim/traffic.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_NIC_MAX_QUEUES 64u
#define HM_NIC_RETA_SIZE 512u        /* i40e PF redirection table */
#define HM_NIC_RSS_KEY_MAX 52u       /* i40e: 13 key registers */
#define HM_NIC_RSS_KEY_DEFAULT_LEN 40u
#define HM_NIC_RING_ALIGN 128u       /* I40E_QUEUE_BASE_ADDR_UNIT */
#define HM_NIC_BUF_UNIT 128u         /* dbuff is programmed in 128-byte units */
#define HM_NIC_BUF_MAX (16384u - 128u)
#define HM_NIC_DESC_MIN 64u
#define HM_NIC_DESC_MAX 8160u        /* qlen is 13 bits, in units of 32 */
#define HM_NIC_DESC_ALIGN 32u
#define HM_NIC_FRAME_MAX 9728u       /* I40E_FRAME_SIZE_MAX */
#define HM_NIC_CHAIN_MAX 5u          /* rx_buf_chain_len */
/* max_frame with conf.large_frames: 5 buffers of the largest size (81280) */
#define HM_NIC_FRAME_MAX_LARGE (HM_NIC_CHAIN_MAX * HM_NIC_BUF_MAX)

/** The Microsoft/i40e default Toeplitz key (40 bytes) used unless one is given. */
extern const uint8_t hm_nic_rss_default_key[HM_NIC_RSS_KEY_DEFAULT_LEN];

/** Device configuration; start from hm_nic_conf_init(). */
struct hm_nic_conf {
	unsigned int nb_queues;      /* 1..HM_NIC_MAX_QUEUES (1) */
	int numa_node;               /* node the device sits on, >= 0 (0); for the driver */
	bool rss;                    /* hash to queues through the RETA (true) */
	bool vlan_strip;             /* strip the outer 802.1Q tag into l2tag1 (false) */
	const uint8_t *rss_key;      /* NULL: the default key; copied */
	unsigned int rss_key_len;    /* bytes, 16..HM_NIC_RSS_KEY_MAX when rss_key != NULL */
	unsigned int max_frame;      /* bytes, 64..HM_NIC_FRAME_MAX (HM_NIC_FRAME_MAX), or
	                              * ..HM_NIC_FRAME_MAX_LARGE with large_frames; longer: oversize */
	unsigned int max_chain;      /* descriptors per frame, 1..HM_NIC_CHAIN_MAX (5) */
	uint64_t pps_limit;          /* device thread: frames per second, 0 = unlimited */
	bool backpressure;           /* device thread: wait for descriptors instead of dropping */
	unsigned int delay_frames;   /* delayed write-backs land after this many frames (4) */
	bool large_frames;           /* accept max_frame up to HM_NIC_FRAME_MAX_LARGE, beyond
	                              * i40e hardware: replays of TSO/GRO-sized captured
	                              * frames (false) */
	bool shared;                 /* the device's state in hugemem memory (hm_zmalloc_socket
	                              * on numa_node) instead of the process heap, so every
	                              * process of the instance can step it (false); needs
	                              * hugemem initialised; the creating process frees it */
};

/** One queue's ring, as the driver programs it. */
struct hm_nic_queue_conf {
	hm_iova_t ring_iova;         /* ring base, HM_NIC_RING_ALIGN-aligned, IOVA-contiguous */
	unsigned int nb_desc;        /* multiple of 32 in [HM_NIC_DESC_MIN, HM_NIC_DESC_MAX] */
	unsigned int buf_size;       /* bytes per buffer: multiple of 128 in [128, HM_NIC_BUF_MAX] */
	unsigned int desc_size;      /* 32 (default when 0) or 16 */
};

/** Per-queue counters. */
struct hm_nic_queue_stats {
	uint64_t frames;             /* frames steered to this queue */
	uint64_t packets;            /* frames written back whole (DD..EOF), fault injection included */
	uint64_t bytes;              /* frame bytes of those packets (after VLAN strip) */
	uint64_t missed;             /* frames dropped: fewer armed descriptors than needed */
	uint64_t errors;             /* frames written back with RXE because a buffer faulted */
	uint64_t ring_faults;        /* frames dropped: a descriptor could not be read */
	uint64_t dma_faults;         /* buffers or descriptors not accessed: bad IOVA */
	uint64_t descs;              /* descriptors consumed (head advanced over them) */
	uint64_t delayed;            /* descriptors whose write-back is held back now (fault injection) */
};

/** Device counters. */
struct hm_nic_stats {
	uint64_t frames_in;          /* frames offered to the device */
	uint64_t no_queue;           /* dropped: steered to a queue that is not set up */
	uint64_t oversize;           /* dropped: longer than max_frame or max_chain buffers */
	uint64_t faults_injected;    /* write-backs altered by fault injection */
	struct hm_nic_queue_stats q[HM_NIC_MAX_QUEUES];
};

/** Fault injection modes (hm_nic_fault_set). */
enum hm_nic_fault {
	HM_NIC_FAULT_ERR_BITS = 0,   /* set error bits (RXE/IPE/L4E/...) on the last descriptor */
	HM_NIC_FAULT_NO_EOF,         /* DD without EOF on the last descriptor */
	HM_NIC_FAULT_LEN_ZERO,       /* length 0 on the last descriptor */
	HM_NIC_FAULT_LEN_OVER,       /* length > buffer size on the last descriptor */
	HM_NIC_FAULT_DELAY,          /* write-back (DD) held back for delay_frames frames */
	HM_NIC_FAULT_PTYPE,          /* a wrong ptype */
	HM_NIC_FAULT_COUNT
};

struct hm_nic;

/** Defaults as documented in struct hm_nic_conf. */
void hm_nic_conf_init(struct hm_nic_conf *c);

/**
 * A device with no queue set up; the RETA spreads over nb_queues round-robin.
 * @return the device or NULL with hm_errno EINVAL (NULL conf or any field out
 *   of its documented range) or ENOMEM.
 */
struct hm_nic *hm_nic_create(const struct hm_nic_conf *c);
/**
 * Register the fake NICs' telemetry commands (/hugemem/nic/list, /stats) now;
 * the first hm_nic_create does it otherwise. For a program that creates
 * devices while holding a lock that its own telemetry commands take (the
 * ports layer): registering waits for running commands. Idempotent.
 */
void hm_nic_telemetry_register(void);
/** Stop the device thread if running, then free (NULL accepted). */
void hm_nic_free(struct hm_nic *nic);
/** The device's NUMA node. @return the node or -EINVAL (NULL). */
int hm_nic_numa_node(const struct hm_nic *nic);
/** Number of queues. @return the count or -EINVAL (NULL). */
int hm_nic_nb_queues(const struct hm_nic *nic);
/** The largest frame the device takes (conf.max_frame). @return bytes or -EINVAL (NULL). */
int hm_nic_max_frame(const struct hm_nic *nic);

/**
 * Program queue @p q (the queue context): the ring must be mapped and
 * IOVA-contiguous over nb_desc * desc_size bytes. Resets head and tail to 0
 * (empty ring), drops delayed write-backs, keeps the counters.
 * @return 0; -EINVAL (NULL, q >= nb_queues, a field out of range, misaligned
 *   ring), -EFAULT (ring not mapped or not IOVA-contiguous), -EBUSY (device
 *   thread running).
 */
int hm_nic_queue_setup(struct hm_nic *nic, unsigned int q, const struct hm_nic_queue_conf *c);
/**
 * Disable queue @p q (frames steered to it count as no_queue).
 * @return 0, -EINVAL (NULL, q out of range, not set up), -EBUSY.
 */
int hm_nic_queue_release(struct hm_nic *nic, unsigned int q);

/**
 * The tail register of queue @p q, for hm_nic_tail_write (valid until the
 * device is freed; NULL with hm_errno EINVAL for a NULL device or bad q).
 */
uint32_t *hm_nic_tail_reg(struct hm_nic *nic, unsigned int q);

/** Write a tail register (store-release: descriptors armed before it are visible). */
static inline void
hm_nic_tail_write(uint32_t *reg, uint32_t tail)
{
	__atomic_store_n(reg, tail, __ATOMIC_RELEASE);
}

/** The device's head of queue @p q (acquire). @return head or -EINVAL. */
int hm_nic_head(const struct hm_nic *nic, unsigned int q);

/**
 * Set the redirection table from @p n entries of @p reta (repeated to fill
 * HM_NIC_RETA_SIZE; n must divide it).
 * @return 0, -EINVAL (NULL, n 0 or not a divisor, an entry >= nb_queues), -EBUSY.
 */
int hm_nic_reta_set(struct hm_nic *nic, const uint16_t *reta, unsigned int n);

/**
 * Replace the RSS key (as conf.rss_key at creation: copied, 16..HM_NIC_RSS_KEY_MAX bytes).
 * @return 0, -EINVAL (NULL, length out of range), -EBUSY (device thread running).
 */
int hm_nic_rss_key_set(struct hm_nic *nic, const uint8_t *key, unsigned int key_len);
/** Strip the outer 802.1Q tag or not (conf.vlan_strip). @return 0, -EINVAL, -EBUSY. */
int hm_nic_vlan_strip_set(struct hm_nic *nic, bool on);

/**
 * Toeplitz hash of @p len bytes of @p data with @p key (key_len >= len + 4).
 * @return the hash; 0 for NULL arguments or a short key.
 */
uint32_t hm_nic_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len);
/**
 * The device's RSS hash and queue for @p frame: 5-tuple (src, dst, sport,
 * dport) for non-fragmented UDP/TCP over IPv4, 2-tuple for other IPv4, none
 * for the rest (*hash 0, queue 0, return 0).
 * @return 1 when the frame hashes, 0 when not, -EINVAL (NULL, len < 14).
 */
int hm_nic_rss(const struct hm_nic *nic, const void *frame, size_t len, uint32_t *hash,
	       unsigned int *queue);

/**
 * Deliver one frame now (stepped mode).
 * @return 1 delivered, 0 dropped (missed, no queue, oversize, ring fault; a
 *   buffer DMA fault also returns 0), -EINVAL (NULL, len 0), -EBUSY (device
 *   thread running).
 */
int hm_nic_rx_frame(struct hm_nic *nic, const void *frame, size_t len);
/**
 * Pull up to @p max frames from @p src and deliver them. A source that fails
 * after some frames of the step were taken gets those frames delivered and
 * counted; its error is kept and returned by the next step, before the source
 * is asked again: so fewer than max means the source ended or failed, and the
 * next call says which (0 or the -errno), even when the source itself would
 * not fail twice.
 * @return frames taken from the source (fewer than max: see above), the
 *   source's -errno (failed before any frame of this step, or the error kept
 *   from the previous step), -EINVAL, -EBUSY.
 */
int hm_nic_step(struct hm_nic *nic, struct hm_traffic_src *src, unsigned int max);
/**
 * Perform every delayed write-back now.
 * @return the number performed, -EINVAL, -EBUSY.
 */
int hm_nic_flush(struct hm_nic *nic);

/**
 * Run the device in its own thread, pulling from @p src until the source
 * ends or hm_nic_stop (conf.pps_limit paces it; conf.backpressure waits for
 * descriptors). @p src must stay valid until hm_nic_stop.
 * @return 0, -EINVAL, -EBUSY (already running), -EAGAIN (no thread).
 */
int hm_nic_start(struct hm_nic *nic, struct hm_traffic_src *src);
/** 1 while the device thread runs and its source has not ended; 0; -EINVAL. */
int hm_nic_running(const struct hm_nic *nic);
/**
 * Stop and join the device thread (after delayed write-backs are flushed).
 * @return 0, the source's -errno if it failed, -EINVAL (NULL, not started).
 */
int hm_nic_stop(struct hm_nic *nic);

/**
 * Inject @p mode: every @p every_nth frame delivered by the device (0: off)
 * and, independently, each frame with probability @p ppm / 1e6, drawn from a
 * generator seeded with @p seed.
 * @return 0, -EINVAL (NULL, unknown mode, ppm > 1000000), -EBUSY.
 */
int hm_nic_fault_set(struct hm_nic *nic, enum hm_nic_fault mode, uint32_t every_nth,
		     uint32_t ppm, uint64_t seed);
/** Turn every fault mode off. @return 0, -EINVAL, -EBUSY. */
int hm_nic_fault_clear(struct hm_nic *nic);
/** Times @p mode was injected. @return the count; 0 for bad arguments. */
uint64_t hm_nic_fault_count(const struct hm_nic *nic, enum hm_nic_fault mode);

/** Snapshot of the counters (relaxed loads). @return 0, -EINVAL. */
int hm_nic_stats_get(const struct hm_nic *nic, struct hm_nic_stats *st);

/**
 * Validator: head and tail inside the ring, counters consistent.
 * @return 0, -EINVAL (NULL nic), -EFAULT with *reason.
 */
int hm_nic_check(const struct hm_nic *nic, const char **reason);

/**
 * The receive side of hm_nic_check alone (RX queues, their counters, the
 * RETA): what a process that takes over a dead process's RX lock re-checks.
 * @return 0, -EINVAL (NULL nic), -EBUSY (device thread running), -EFAULT with
 *         *reason.
 */
int hm_nic_rx_check(const struct hm_nic *nic, const char **reason);

/**
 * The transmit side of hm_nic_check alone (TX queues, their counters).
 * @return 0, -EINVAL (NULL nic), -EBUSY (device thread running), -EFAULT with
 *         *reason.
 */
int hm_nic_tx_check(const struct hm_nic *nic, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_NIC_H */
