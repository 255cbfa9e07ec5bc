/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to sim/i40e: the RX queue (its fields are read by every receive
 * path), the descriptor helpers and drop rules the paths share, and the entry
 * points of the vector path's instruction-set variants (i40e_rxtx_vec_*.c).
 */
#ifndef HUGEMEM_SIM_I40E_I_H
#define HUGEMEM_SIM_I40E_I_H

#include <stdint.h>

#include "common_i.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_desc.h"

#define STAGE_MAX (2 * HM_I40E_RX_MAX_BURST)

/* A queue's counters have one writer (the thread polling it) and are read by
 * others (rte_eth_stats_get, telemetry) while it runs: relaxed atomic loads and
 * stores, plain moves on x86-64 (no read-modify-write instruction). */
#define I40E_ST_ADD(field, v)                                                              \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v),      \
			 __ATOMIC_RELAXED)
#define I40E_ST_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

struct hm_i40e_rxq {
	/* hot: read on every burst */
	uint8_t *ring;                /* descriptor ring VA (nb_desc + 32 slots) */
	struct hm_mbuf **sw_ring;     /* nb_desc + 32 entries */
	struct hm_mempool *mp;        /* the pool refills come from */
	uint32_t *tail_reg;           /* NIC tail register of this queue */
	uint64_t mbuf_init;           /* rearm_data of a fresh mbuf: data_off 128, refcnt 1, nb_segs 1, port */
	uint16_t nb_desc;             /* descriptors in use */
	uint16_t rx_tail;             /* next descriptor to examine, < nb_desc */
	uint16_t nb_rx_hold;          /* scalar/scattered: processed, not yet given back */
	uint16_t rx_free_thresh;      /* descriptors */
	uint16_t rx_free_trigger;     /* bulk, vector: refill when rx_tail passes this */
	uint16_t rx_nb_avail;         /* bulk: staged packets left (vector: always 0) */
	uint16_t rx_next_avail;       /* bulk: index of the next staged packet */
	uint16_t port;
	uint8_t dshift;               /* log2 of the descriptor size */
	uint8_t started;              /* 1 between start and stop */
	uint8_t path;                 /* enum hm_i40e_rx_path, never AUTO */
	uint8_t discard;              /* 1 while skipping the rest of a dropped frame, up
	                               * to and including its EOF descriptor */
	uint8_t vec_isa;              /* vector path: enum hm_i40e_vec_isa in use (never AUTO) */
	uint32_t buf_size;            /* bytes per buffer */
	uint32_t max_pkt_len;         /* bytes; > buf_size only on the scattered path */
	uint32_t tail_written;        /* last value written to the tail register */
	struct hm_mbuf *pkt_first_seg; /* scattered: the chain being assembled, or NULL */
	struct hm_mbuf *pkt_last_seg;
	struct hm_i40e_rxq_stats st;
	const uint32_t *ptype_tbl;
	struct hm_mbuf *rx_stage[STAGE_MAX]; /* bulk: scanned packets */
	/* cold */
	struct hm_nic *nic;
	unsigned int queue;
	const struct hm_memzone *mz;  /* the ring */
	int node;                     /* the NIC's node */
	struct hm_mbuf fake_mbuf;     /* what the spare sw_ring slots point at */
};

/* ---- descriptor helpers ---- */

static inline uint8_t *
desc_at(const struct hm_i40e_rxq *rxq, unsigned int i)
{
	return rxq->ring + ((size_t)i << rxq->dshift);
}

static inline void
tail_write(struct hm_i40e_rxq *rxq, uint32_t t)
{
	rxq->tail_written = t;
	I40E_ST_ADD(rxq->st.tail_writes, 1);
	hm_nic_tail_write(rxq->tail_reg, t);
}

/* Arm slot @p i with @p m (hdr_addr 0 clears DD). */
static inline void
arm(struct hm_i40e_rxq *rxq, unsigned int i, struct hm_mbuf *m)
{
	uint8_t *d = desc_at(rxq, i);

	hm_i40e_rx_desc_qw_set(d, 0, m->buf_iova + HM_PKTMBUF_HEADROOM);
	hm_i40e_rx_desc_qw_set(d, 1, 0);
}

/* Why a written-back descriptor is dropped (single-buffer paths). */
enum drop_reason {
	DROP_NONE = 0,
	DROP_ERROR,   /* RXE */
	DROP_LEN,     /* length 0 or above the buffer */
	DROP_NO_EOF,  /* EOF missing */
	DROP_SKIP,    /* the rest of a frame already dropped and counted */
};

static inline enum drop_reason
bad_desc(const struct hm_i40e_rxq *rxq, uint64_t qw1, uint32_t len)
{
	if (HM_UNLIKELY(qw1 & HM_I40E_RXD_ERR_RXE))
		return DROP_ERROR;
	if (HM_UNLIKELY(len == 0 || len > rxq->buf_size))
		return DROP_LEN;
	if (HM_UNLIKELY(!(qw1 & HM_I40E_RXD_EOF)))
		/* a full buffer without EOF: the device chained a frame longer
		 * than one buffer; a short one: EOF is missing */
		return len == rxq->buf_size ? DROP_LEN : DROP_NO_EOF;
	return DROP_NONE;
}

/*
 * 1 when a dropped descriptor is not its frame's last: no EOF, and the buffer
 * is full or errored (a short buffer without EOF ended its frame). The frame's
 * following descriptors, up to EOF, must then be skipped, not delivered.
 */
static inline int
frame_goes_on(const struct hm_i40e_rxq *rxq, uint64_t qw1, uint32_t len)
{
	return !(qw1 & HM_I40E_RXD_EOF) && (len == rxq->buf_size || (qw1 & HM_I40E_RXD_ERR_RXE));
}

/* Prefetch distance of the per-descriptor paths, in descriptors. */
#define I40E_PF_AHEAD 16u

/*
 * Bulk and vector paths: prefetch the 32 descriptors from slot @p from (1 KiB:
 * all of them at 32 bytes, twice as many at 16) and the headers of their
 * mbufs. A burst calls it for itself and for the next one: after an idle
 * period its own 32 misses overlap each other instead of trickling through
 * the out-of-order window, and while traffic flows the next burst's misses
 * overlap this burst's work (its own lines are then in cache already: the
 * prefetches cost an instruction each). always_inline: gcc finds a function
 * of prefetches alone pure and drops the call when it is not inlined early.
 */
static inline __attribute__((always_inline)) void
i40e_prefetch_burst(const struct hm_i40e_rxq *rxq, unsigned int from)
{
	struct hm_mbuf *const *sw;
	const uint8_t *d;

	if (from >= rxq->nb_desc)
		from -= rxq->nb_desc;
	d = desc_at(rxq, from);
	sw = &rxq->sw_ring[from];
	/* sw_ring has 32 spare entries (the fake mbuf) and the ring 32 spare
	 * descriptors past nb_desc: reading up to from + 31 stays inside both */
	for (unsigned int k = 0; k < (HM_I40E_RX_MAX_BURST << 5); k += 128) {
		__builtin_prefetch(d + k, 0, 3);
		__builtin_prefetch(d + k + 64, 0, 3);
	}
	for (unsigned int k = 0; k < HM_I40E_RX_MAX_BURST; k += 4) {
		__builtin_prefetch(sw[k], 1, 3);
		__builtin_prefetch(sw[k + 1], 1, 3);
		__builtin_prefetch(sw[k + 2], 1, 3);
		__builtin_prefetch(sw[k + 3], 1, 3);
	}
}

/* Count one dropped descriptor in the queue's statistics. */
HM_INTERNAL void i40e_count_drop(struct hm_i40e_rxq *rxq, enum drop_reason r);
/* Count the drops of a committed scan and put their mbufs back in the pool. */
HM_INTERNAL void i40e_commit_drops(struct hm_i40e_rxq *rxq, struct hm_mbuf **drop,
				   const uint8_t *why, unsigned int nd);
/* Bulk and vector paths: refill the rx_free_thresh slots ending at the trigger
 * (all scanned: NULL) with one bulk get, arm them (and set their rearm_data
 * when @p set_rearm; the vector path writes it on receive), write the tail,
 * move the trigger. @return 0, or -ENOMEM with the slots left NULL and
 * nothing counted. */
HM_INTERNAL int i40e_alloc_bufs(struct hm_i40e_rxq *rxq, int set_rearm);

/* Vector path, one call of at most HM_I40E_RX_MAX_BURST packets, per
 * instruction set (x86 builds only). */
HM_INTERNAL uint16_t i40e_recv_raw_vec_sse(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts,
					   uint16_t n);
HM_INTERNAL uint16_t i40e_recv_raw_vec_avx2(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts,
					    uint16_t n);
/* The instruction set @p want resolves to on this CPU (AUTO: the best it has),
 * or HM_I40E_VEC_AUTO when the vector path cannot run here. */
HM_INTERNAL enum hm_i40e_vec_isa i40e_vec_isa_pick(enum hm_i40e_vec_isa want);

#endif /* HUGEMEM_SIM_I40E_I_H */
