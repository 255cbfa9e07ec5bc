/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC's transmit engine (nic_tx.h has the model; this file the
 * details).
 *
 * Per TX queue: the programmed ring (IOVA, nb_desc), head (written only by
 * the device, read by anyone with acquire), the tail register (written by the
 * driver with release, read here with acquire), counters (one writer: the
 * thread driving the device; relaxed atomics so snapshots from other threads
 * are race-free), two one-page IOVA translation caches (ring, buffers) and a
 * FIFO of pending entries: write-backs held back (DELAY) and frames whose
 * buffers are read late (EARLY).
 *
 * A frame is handled in phases so that a fault changes nothing it should not:
 * (1) gather its descriptors from head (a ring fault stops the step, head
 * stays; an incomplete frame waits); (2) decide malformed or not; (3) draw the
 * fault modes; (4) read, offload, pad and sink it (or queue the late read);
 * (5) write back its RS descriptors (or queue them, or lose them); (6)
 * advance head.
 *
 * Invariants (nic_tx_check, reported by hm_nic_check), per queue:
 *   head == consumed % nb_desc, tail < nb_desc
 *   frames == packets + sink_full + sink_errors + dma_errors + malformed
 *             + aborted + early
 *   delayed == RS descriptors held in WB entries, early == SEND entries
 * device: pend_total == sum of the queues' pending entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common_i.h"
#include "hugemem/malloc.h"
#include "hugemem/sim/i40e_tx_desc.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/traffic.h"
#include "nic_i.h"

#define TX_PEND_MAX 32u    /* pending entries per queue */
#define TX_POLL_BURST 32u  /* frames per queue per device-thread poll */
#define TX_FRAME_BUF (HM_NIC_FRAME_MAX_LARGE + 4u) /* the largest frame plus a VLAN tag */

enum { PEND_WB = 0, PEND_SEND = 1 };

/* One data buffer of a frame. */
struct txbuf {
	uint64_t addr;                      /* IOVA */
	uint32_t size;                      /* bytes */
};

/* A pending entry: held-back write-backs (WB) or a late read (SEND). */
struct tx_pend {
	uint64_t due;                       /* TX tick at which it lands */
	uint32_t first;                     /* WB: first descriptor of the frame */
	uint16_t rs_mask;                   /* WB: bit i set: descriptor first+i is written back */
	uint8_t kind;                       /* PEND_WB or PEND_SEND */
	uint8_t corrupt;                    /* WB: scrambled write-backs */
	uint8_t nbuf;                       /* SEND: buffers */
	uint16_t tag;                       /* SEND: L2TAG1 */
	uint32_t cmd, offset;               /* SEND: of the first data descriptor */
	struct txbuf buf[HM_I40E_TX_MAX_MTU_SEG];
};

struct nic_txq {
	uint32_t tail;                      /* the register: driver writes (release) */
	uint8_t pad0[HM_CACHE_LINE_SIZE - sizeof(uint32_t)];
	uint32_t head;                      /* device's head; atomic store-release */
	bool configured;
	hm_iova_t ring_iova;                /* valid when configured */
	uint32_t nb_desc;
	uint64_t consumed;                  /* descriptors consumed since setup */
	struct xlat ring_x, buf_x;
	struct tx_pend pend[TX_PEND_MAX];   /* FIFO: pend_first .. +pend_n */
	uint32_t pend_first, pend_n;
	struct hm_nic_txq_stats st;
} __attribute__((aligned(HM_CACHE_LINE_SIZE)));

struct nic_tx {
	unsigned int nb_queues;
	struct hm_nic_sink sink;
	struct nic_fault faults[HM_NIC_TX_FAULT_COUNT];
	uint64_t rng;                       /* effect draws (spurious slot, scrambled bits) */
	uint64_t tick;                      /* frames taken from any queue */
	uint64_t ts_ns;                     /* PCAP sink: the next frame's timestamp */
	uint32_t pend_total;                /* pending entries over all queues */
	uint8_t frame[TX_FRAME_BUF];        /* the frame being sent */
	struct nic_txq q[];                 /* nb_queues */
};

/* ------------------------------------------------------------ lifecycle */

struct nic_tx *
nic_tx_create(unsigned int nb_queues, bool shared, int node)
{
	size_t sz = HM_ALIGN_CEIL(sizeof(struct nic_tx) + nb_queues * sizeof(struct nic_txq),
				  (size_t)HM_CACHE_LINE_SIZE);
	struct nic_tx *tx = shared ? hm_zmalloc_socket("hm_nic_tx", sz, HM_CACHE_LINE_SIZE, node)
				   : aligned_alloc(HM_CACHE_LINE_SIZE, sz);

	if (tx == NULL)
		return NULL;
	memset(tx, 0, sz);
	tx->nb_queues = nb_queues;
	tx->sink.kind = HM_NIC_SINK_DISCARD;
	tx->sink.ts_step_ns = 1000;
	tx->rng = 0x9b05688c2b3e6c1fULL;
	for (unsigned int m = 0; m < HM_NIC_TX_FAULT_COUNT; m++)
		tx->faults[m].rng = 1;
	return tx;
}

void
nic_tx_free(struct nic_tx *tx, bool shared)
{
	if (shared)
		hm_free(tx);
	else
		free(tx);
}

bool
nic_tx_loops(const struct hm_nic *nic)
{
	return nic_tx_of(nic)->sink.kind == HM_NIC_SINK_LOOPBACK;
}

static int
busy(const char *what)
{
	return hm_fail(EBUSY, "nic %s: the device thread is running (hm_nic_stop first)", what);
}

static struct nic_txq *
queue_of(const struct hm_nic *nic, unsigned int qi)
{
	struct nic_tx *tx = nic_tx_of(nic);

	return qi < tx->nb_queues ? &tx->q[qi] : NULL;
}

/* Drop what queue @p q holds pending (setup, release): EARLY frames abort. */
static void
pending_drop(struct nic_tx *tx, struct nic_txq *q)
{
	for (uint32_t i = 0; i < q->pend_n; i++) {
		const struct tx_pend *p = &q->pend[(q->pend_first + i) % TX_PEND_MAX];
		if (p->kind == PEND_SEND) {
			ST_ADD(q->st.early, -(uint64_t)1);
			ST_ADD(q->st.aborted, 1);
		} else {
			ST_ADD(q->st.delayed, -(uint64_t)__builtin_popcount(p->rs_mask));
		}
	}
	tx->pend_total -= q->pend_n;
	q->pend_first = q->pend_n = 0;
}

int
hm_nic_txq_setup(struct hm_nic *nic, unsigned int qi, const struct hm_nic_txq_conf *c)
{
	struct nic_txq *q;
	struct xlat x = { 0 };
	struct seg segs[SEG_MAX];

	if (nic == NULL || c == NULL)
		return hm_fail(EINVAL, "nic txq setup: NULL device or configuration");
	q = queue_of(nic, qi);
	if (q == NULL)
		return hm_fail(EINVAL, "nic txq setup: queue %u, the device has %u", qi,
			       nic_tx_of(nic)->nb_queues);
	if (nic_thread_on(nic))
		return busy("txq setup");
	if (c->nb_desc < HM_NIC_DESC_MIN || c->nb_desc > HM_NIC_DESC_MAX ||
	    c->nb_desc % HM_NIC_DESC_ALIGN != 0)
		return hm_fail(EINVAL, "nic txq setup: nb_desc %u is not a multiple of %u in %u..%u",
			       c->nb_desc, HM_NIC_DESC_ALIGN, HM_NIC_DESC_MIN, HM_NIC_DESC_MAX);
	if (c->ring_iova == HM_BAD_IOVA || c->ring_iova % HM_NIC_RING_ALIGN != 0)
		return hm_fail(EINVAL, "nic txq setup: ring IOVA 0x%" PRIx64 " is not %u-aligned",
			       c->ring_iova, HM_NIC_RING_ALIGN);
	uint64_t ring_bytes = (uint64_t)c->nb_desc * sizeof(struct hm_i40e_tx_desc);
	for (uint64_t off = 0; off < ring_bytes; off += 4096) {
		uint32_t k = ring_bytes - off < 4096 ? (uint32_t)(ring_bytes - off) : 4096;
		if (nic_xlat_range(&x, c->ring_iova + off, k, segs) == 0)
			return hm_fail(EFAULT, "nic txq setup: ring IOVA 0x%" PRIx64 "+0x%" PRIx64
				       " is not mapped", c->ring_iova, off);
	}
	pending_drop(nic_tx_of(nic), q);
	q->configured = true;
	q->ring_iova = c->ring_iova;
	q->nb_desc = c->nb_desc;
	q->consumed = 0;
	q->ring_x = x;
	memset(&q->buf_x, 0, sizeof(q->buf_x));
	__atomic_store_n(&q->head, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&q->tail, 0, __ATOMIC_RELEASE);
	return 0;
}

int
hm_nic_txq_release(struct hm_nic *nic, unsigned int qi)
{
	struct nic_txq *q;

	if (nic == NULL || (q = queue_of(nic, qi)) == NULL || !q->configured)
		return hm_fail(EINVAL, "nic txq release: NULL device, or TX queue %u out of range "
			       "or not set up", qi);
	if (nic_thread_on(nic))
		return busy("txq release");
	pending_drop(nic_tx_of(nic), q);
	q->configured = false;
	return 0;
}

uint32_t *
hm_nic_tx_tail_reg(struct hm_nic *nic, unsigned int qi)
{
	struct nic_txq *q;

	if (nic == NULL || (q = queue_of(nic, qi)) == NULL)
		return hm_fail_ptr(EINVAL, "nic TX tail register: NULL device or queue %u out of "
				   "range", qi);
	return &q->tail;
}

int
hm_nic_tx_head(const struct hm_nic *nic, unsigned int qi)
{
	const struct nic_txq *q;

	if (nic == NULL || (q = queue_of(nic, qi)) == NULL)
		return hm_fail(EINVAL, "nic TX head: NULL device or queue %u out of range", qi);
	return (int)__atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
}

int
hm_nic_tx_sink_set(struct hm_nic *nic, const struct hm_nic_sink *s)
{
	if (nic == NULL || s == NULL)
		return hm_fail(EINVAL, "nic TX sink: NULL device or sink");
	switch (s->kind) {
	case HM_NIC_SINK_DISCARD:
		break;
	case HM_NIC_SINK_PCAP:
		if (s->pcap == NULL)
			return hm_fail(EINVAL, "nic TX sink: PCAP without a writer");
		break;
	case HM_NIC_SINK_LOOPBACK:
		if (s->peer == NULL)
			return hm_fail(EINVAL, "nic TX sink: LOOPBACK without a peer NIC");
		break;
	case HM_NIC_SINK_FUNC:
		if (s->fn == NULL)
			return hm_fail(EINVAL, "nic TX sink: FUNC without a callback");
		break;
	default:
		return hm_fail(EINVAL, "nic TX sink: unknown kind %d", (int)s->kind);
	}
	if (nic_thread_on(nic))
		return busy("TX sink");
	struct nic_tx *tx = nic_tx_of(nic);
	tx->sink = *s;
	if (tx->sink.ts_step_ns == 0)
		tx->sink.ts_step_ns = 1000;
	return 0;
}

int
hm_nic_txq_stats_get(const struct hm_nic *nic, unsigned int qi, struct hm_nic_txq_stats *st)
{
	const struct nic_txq *q;

	if (nic == NULL || st == NULL || (q = queue_of(nic, qi)) == NULL)
		return hm_fail(EINVAL, "nic TX stats: NULL device or output, or queue %u out of "
			       "range", qi);
	const struct hm_nic_txq_stats *s = &q->st;
	st->frames = ST_GET(s->frames);
	st->packets = ST_GET(s->packets);
	st->bytes = ST_GET(s->bytes);
	st->sink_full = ST_GET(s->sink_full);
	st->sink_errors = ST_GET(s->sink_errors);
	st->dma_errors = ST_GET(s->dma_errors);
	st->dma_faults = ST_GET(s->dma_faults);
	st->malformed = ST_GET(s->malformed);
	st->aborted = ST_GET(s->aborted);
	st->ring_faults = ST_GET(s->ring_faults);
	st->descs = ST_GET(s->descs);
	st->writebacks = ST_GET(s->writebacks);
	st->offload_skipped = ST_GET(s->offload_skipped);
	st->padded = ST_GET(s->padded);
	st->delayed = ST_GET(s->delayed);
	st->early = ST_GET(s->early);
	return 0;
}

/* ------------------------------------------------------------- faults */

static const char *const fault_names[HM_NIC_TX_FAULT_COUNT] = {
	[HM_NIC_TX_FAULT_DELAY] = "delay",
	[HM_NIC_TX_FAULT_EARLY] = "early",
	[HM_NIC_TX_FAULT_LOST] = "lost",
	[HM_NIC_TX_FAULT_SPURIOUS] = "spurious",
	[HM_NIC_TX_FAULT_CORRUPT] = "corrupt",
};

const char *
hm_nic_tx_fault_name(enum hm_nic_tx_fault mode)
{
	return (unsigned int)mode < HM_NIC_TX_FAULT_COUNT ? fault_names[mode] : NULL;
}

int
hm_nic_tx_fault_set(struct hm_nic *nic, enum hm_nic_tx_fault mode, uint32_t every_nth,
		    uint32_t ppm, uint64_t seed)
{
	if (nic == NULL || (unsigned int)mode >= HM_NIC_TX_FAULT_COUNT || ppm > 1000000)
		return hm_fail(EINVAL, "nic TX fault: NULL device, unknown mode %d or rate %u > "
			       "1000000", (int)mode, ppm);
	if (nic_thread_on(nic))
		return busy("TX fault set");
	struct nic_tx *tx = nic_tx_of(nic);
	nic_fault_arm(&tx->faults[mode], &tx->rng, every_nth, ppm, seed);
	return 0;
}

int
hm_nic_tx_fault_clear(struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic TX fault clear: NULL device");
	if (nic_thread_on(nic))
		return busy("TX fault clear");
	for (unsigned int m = 0; m < HM_NIC_TX_FAULT_COUNT; m++) {
		nic_tx_of(nic)->faults[m].every_nth = 0;
		nic_tx_of(nic)->faults[m].ppm = 0;
	}
	return 0;
}

uint64_t
hm_nic_tx_fault_count(const struct hm_nic *nic, enum hm_nic_tx_fault mode)
{
	if (nic == NULL || (unsigned int)mode >= HM_NIC_TX_FAULT_COUNT)
		return 0;
	return ST_GET(nic_tx_of(nic)->faults[mode].injected);
}

/* ------------------------------------------------------------ descriptors */

/* Descriptor @p idx of @p q, or NULL (ring memory gone). */
static struct hm_i40e_tx_desc *
txd_at(struct nic_txq *q, uint32_t idx)
{
	struct seg s[SEG_MAX];
	hm_iova_t iova = q->ring_iova + (hm_iova_t)idx * sizeof(struct hm_i40e_tx_desc);

	if (nic_xlat_range(&q->ring_x, iova, sizeof(struct hm_i40e_tx_desc), s) != 1)
		return NULL;
	return (struct hm_i40e_tx_desc *)(void *)s[0].va;
}

/* Write "done" into descriptor @p idx (scrambled when @p corrupt). */
static void
write_done(struct nic_tx *tx, struct nic_txq *q, uint32_t idx, bool corrupt)
{
	struct hm_i40e_tx_desc *d = txd_at(q, idx);
	uint64_t qw1 = HM_I40E_TX_DESC_DTYPE_DESC_DONE;

	if (d == NULL) {
		ST_ADD(q->st.dma_faults, 1);
		return;
	}
	if (corrupt) {
		hm_i40e_tx_desc_addr_set(d, nic_xs64(&tx->rng));
		qw1 |= nic_xs64(&tx->rng) & ~HM_I40E_TXD_QW1_DTYPE_MASK;
	}
	hm_i40e_tx_desc_qw1_store(d, qw1);
	ST_ADD(q->st.writebacks, 1);
}

static void
write_backs(struct nic_tx *tx, struct nic_txq *q, uint32_t first, uint16_t rs_mask, bool corrupt)
{
	for (uint32_t i = 0; rs_mask != 0; i++, rs_mask >>= 1)
		if (rs_mask & 1)
			write_done(tx, q, (first + i) % q->nb_desc, corrupt);
}

/* ------------------------------------------------------------ sending */

static uint16_t
be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Checksum offloads of the first data descriptor's @p cmd and @p offset on
 * the frame @p f of @p len bytes. @return false when one was asked for but its
 * headers do not fit the frame (nothing changed for it).
 */
static bool
checksums(uint8_t *f, size_t len, uint32_t cmd, uint32_t offset)
{
	uint32_t iipt = cmd & HM_I40E_TX_DESC_CMD_IIPT_MASK, l4t = cmd & HM_I40E_TX_DESC_CMD_L4T_MASK;
	size_t l3 = (size_t)((offset >> HM_I40E_TX_DESC_LENGTH_MACLEN_S) & 0x7F) * 2;
	size_t iplen = (size_t)((offset >> HM_I40E_TX_DESC_LENGTH_IPLEN_S) & 0x7F) * 4;
	size_t l4 = l3 + iplen, end = len, field;
	bool ok = true;

	if (iipt == HM_I40E_TX_DESC_CMD_IIPT_IPV4_CSUM) {
		if (iplen >= 20 && l4 <= len) {
			f[l3 + 10] = f[l3 + 11] = 0;
			be16_put(f + l3 + 10, (uint16_t)~hm_traffic_cksum_raw(f + l3, iplen, 0));
		} else {
			ok = false;
		}
	}
	if (l4t != HM_I40E_TX_DESC_CMD_L4T_EOFT_TCP && l4t != HM_I40E_TX_DESC_CMD_L4T_EOFT_UDP)
		return ok; /* none, or SCTP (CRC32c: not modelled) */
	field = l4t == HM_I40E_TX_DESC_CMD_L4T_EOFT_TCP ? 16 : 6;
	/* the L4 segment ends where the IP header says, or at the frame's end */
	if ((iipt == HM_I40E_TX_DESC_CMD_IIPT_IPV4 || iipt == HM_I40E_TX_DESC_CMD_IIPT_IPV4_CSUM) &&
	    l3 + 4 <= len) {
		size_t e = l3 + be16_at(f + l3 + 2);
		end = e < len ? e : len;
	} else if (iipt == HM_I40E_TX_DESC_CMD_IIPT_IPV6 && l3 + 6 <= len) {
		size_t e = l3 + 40 + be16_at(f + l3 + 4);
		end = e < len ? e : len;
	}
	if (iplen == 0 || l4 + field + 2 > end)
		return false;
	/* the field holds the pseudo-header sum: fold the segment over it */
	uint16_t ck = (uint16_t)~hm_traffic_cksum_raw(f + l4, end - l4, 0);
	if (ck == 0 && l4t == HM_I40E_TX_DESC_CMD_L4T_EOFT_UDP)
		ck = 0xFFFF;
	be16_put(f + l4 + field, ck);
	return ok;
}

static int
sink_put(struct nic_tx *tx, const uint8_t *f, size_t len)
{
	int rc;

	switch (tx->sink.kind) {
	case HM_NIC_SINK_PCAP:
		rc = hm_pcap_write(tx->sink.pcap, f, len, tx->ts_ns);
		tx->ts_ns += tx->sink.ts_step_ns;
		return rc < 0 ? rc : 1;
	case HM_NIC_SINK_LOOPBACK:
		rc = hm_nic_rx_frame(tx->sink.peer, f, len);
		return rc < 0 ? rc : 1;
	case HM_NIC_SINK_FUNC:
		rc = tx->sink.fn(tx->sink.ctx, f, len);
		return rc > 1 ? 1 : rc;
	default:
		return 1;
	}
}

/* Read the frame's buffers, apply its offloads, pad it and hand it to the sink. */
static void
send_frame(struct nic_tx *tx, struct nic_txq *q, const struct txbuf *b, unsigned int nbuf,
	   uint32_t cmd, uint32_t offset, uint16_t tag)
{
	struct seg segs[SEG_MAX];
	unsigned int faults = 0;
	size_t len = 0;
	uint8_t *f = tx->frame;

	for (unsigned int i = 0; i < nbuf; i++) {
		unsigned int n = nic_xlat_range(&q->buf_x, b[i].addr, b[i].size, segs);
		if (n == 0) {
			faults++;
			continue;
		}
		if (faults != 0)
			continue;
		for (unsigned int s = 0; s < n; s++) {
			memcpy(f + len, segs[s].va, segs[s].len);
			len += segs[s].len;
		}
	}
	if (faults != 0) {
		ST_ADD(q->st.dma_faults, faults);
		ST_ADD(q->st.dma_errors, 1);
		return;
	}
	if ((cmd & (HM_I40E_TX_DESC_CMD_IIPT_MASK | HM_I40E_TX_DESC_CMD_L4T_MASK)) != 0 &&
	    !checksums(f, len, cmd, offset))
		ST_ADD(q->st.offload_skipped, 1);
	if (cmd & HM_I40E_TX_DESC_CMD_IL2TAG1) {
		memmove(f + 16, f + 12, len - 12);
		f[12] = 0x81;
		f[13] = 0x00;
		be16_put(f + 14, tag);
		len += 4;
	}
	if (len < HM_NIC_TX_MIN_WIRE) {
		memset(f + len, 0, HM_NIC_TX_MIN_WIRE - len);
		len = HM_NIC_TX_MIN_WIRE;
		ST_ADD(q->st.padded, 1);
	}
	int rc = sink_put(tx, f, len);
	if (rc == 1) {
		ST_ADD(q->st.packets, 1);
		ST_ADD(q->st.bytes, len);
	} else if (rc == 0) {
		ST_ADD(q->st.sink_full, 1);
	} else {
		ST_ADD(q->st.sink_errors, 1);
	}
}

static struct tx_pend *
pend_push(struct nic_tx *tx, struct nic_txq *q, unsigned int delay);

/* Land the oldest pending entry of @p q. */
static void
pend_land(struct nic_tx *tx, struct nic_txq *q)
{
	struct tx_pend p = q->pend[q->pend_first];

	q->pend_first = (q->pend_first + 1) % TX_PEND_MAX;
	q->pend_n--;
	tx->pend_total--;
	if (p.kind == PEND_WB) {
		ST_ADD(q->st.delayed, -(uint64_t)__builtin_popcount(p.rs_mask));
		write_backs(tx, q, p.first, p.rs_mask, p.corrupt != 0);
	} else {
		ST_ADD(q->st.early, -(uint64_t)1);
		send_frame(tx, q, p.buf, p.nbuf, p.cmd, p.offset, p.tag);
	}
}

static struct tx_pend *
pend_push(struct nic_tx *tx, struct nic_txq *q, unsigned int delay)
{
	if (q->pend_n == TX_PEND_MAX)
		pend_land(tx, q);
	struct tx_pend *p = &q->pend[(q->pend_first + q->pend_n) % TX_PEND_MAX];
	memset(p, 0, sizeof(*p));
	p->due = tx->tick + 1 + delay; /* after delay more frames */
	q->pend_n++;
	tx->pend_total++;
	return p;
}

/* Land the pending entries that are due (all when @p all). @return how many. */
static int
pending_run(struct nic_tx *tx, bool all)
{
	int n = 0;

	if (tx->pend_total == 0)
		return 0;
	for (unsigned int i = 0; i < tx->nb_queues; i++) {
		struct nic_txq *q = &tx->q[i];
		while (q->pend_n > 0 && (all || q->pend[q->pend_first].due <= tx->tick)) {
			pend_land(tx, q);
			n++;
		}
	}
	return n;
}

/*
 * Take one frame off queue @p q (phases in the file comment).
 * @return 1 taken, 0 nothing complete to take (or a ring fault).
 */
static int
tx_one(struct hm_nic *nic, struct nic_tx *tx, struct nic_txq *q)
{
	uint32_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	uint32_t head = q->head, avail, n = 0, cmd0 = 0, off0 = 0;
	struct txbuf buf[HM_I40E_TX_MAX_MTU_SEG];
	unsigned int nbuf = 0;
	uint16_t rs_mask = 0, tag0 = 0;
	uint64_t total = 0;
	bool bad = false, badtype = false, eop = false;

	if (tail >= q->nb_desc)
		return 0; /* a bad tail hands nothing over; hm_nic_check reports it */
	avail = (tail + q->nb_desc - head) % q->nb_desc;
	/* (1) gather: context descriptors skipped, data descriptors up to EOP */
	while (n < avail && n < HM_NIC_TX_FRAME_DESC_MAX) {
		const struct hm_i40e_tx_desc *d = txd_at(q, (head + n) % q->nb_desc);
		if (d == NULL) {
			ST_ADD(q->st.dma_faults, 1);
			ST_ADD(q->st.ring_faults, 1);
			return 0;
		}
		uint64_t qw1 = hm_i40e__le64(__atomic_load_n(&d->cmd_type_offset_bsz,
							       __ATOMIC_RELAXED));
		uint32_t dtype = hm_i40e_txd_dtype(qw1), cmd = hm_i40e_txd_cmd(qw1);
		uint32_t size = hm_i40e_txd_size(qw1);
		n++;
		if (dtype == HM_I40E_TX_DESC_DTYPE_CONTEXT)
			continue;
		if (dtype != HM_I40E_TX_DESC_DTYPE_DATA) {
			badtype = true; /* where this frame ends is unknown: it ends here */
			break;
		}
		if (cmd & HM_I40E_TX_DESC_CMD_RS)
			rs_mask = (uint16_t)(rs_mask | 1u << (n - 1));
		if (nbuf == 0) {
			cmd0 = cmd;
			off0 = hm_i40e_txd_offset(qw1);
			tag0 = hm_i40e_txd_l2tag1(qw1);
		}
		if (nbuf < HM_I40E_TX_MAX_MTU_SEG) {
			buf[nbuf].addr = hm_i40e_tx_desc_addr(d);
			buf[nbuf].size = size;
			nbuf++;
		} else {
			bad = true; /* too many segments: taken up to EOP, dropped */
		}
		if (size == 0)
			bad = true;
		total += size;
		if (cmd & HM_I40E_TX_DESC_CMD_EOP) {
			eop = true;
			break;
		}
	}
	if (!badtype && !eop) {
		if (n < HM_NIC_TX_FRAME_DESC_MAX)
			return 0; /* the rest of the frame is not handed over yet */
		bad = true;
	}
	bad = bad || badtype;
	/* (2) malformed: what malicious-driver detection stops */
	if (!bad && (total < HM_I40E_TX_MIN_PKT_LEN || total > (uint64_t)hm_nic_max_frame(nic)))
		bad = true;
	ST_ADD(q->st.frames, 1);
	ST_ADD(q->st.descs, n);
	/* (3) fault draws (on well-formed frames) */
	bool delay = false, early = false, lost = false, spurious = false, corrupt = false;
	if (!bad) {
		delay = nic_fault_fires(&tx->faults[HM_NIC_TX_FAULT_DELAY]);
		early = nic_fault_fires(&tx->faults[HM_NIC_TX_FAULT_EARLY]);
		lost = nic_fault_fires(&tx->faults[HM_NIC_TX_FAULT_LOST]);
		spurious = nic_fault_fires(&tx->faults[HM_NIC_TX_FAULT_SPURIOUS]);
		corrupt = nic_fault_fires(&tx->faults[HM_NIC_TX_FAULT_CORRUPT]);
	}
	/* (4) send, or queue the late read */
	if (bad) {
		ST_ADD(q->st.malformed, 1);
	} else if (early) {
		struct tx_pend *p = pend_push(tx, q, nic_delay_frames(nic));
		p->kind = PEND_SEND;
		p->nbuf = (uint8_t)nbuf;
		p->cmd = cmd0;
		p->offset = off0;
		p->tag = tag0;
		memcpy(p->buf, buf, sizeof(buf[0]) * nbuf);
		ST_ADD(q->st.early, 1);
	} else {
		send_frame(tx, q, buf, nbuf, cmd0, off0, tag0);
	}
	/* (5) write-backs */
	if (lost) {
		/* never written */
	} else if (delay && !early && rs_mask != 0) {
		struct tx_pend *p = pend_push(tx, q, nic_delay_frames(nic));
		p->kind = PEND_WB;
		p->first = head;
		p->rs_mask = rs_mask;
		p->corrupt = corrupt;
		ST_ADD(q->st.delayed, (uint64_t)__builtin_popcount(rs_mask));
	} else {
		write_backs(tx, q, head, rs_mask, corrupt);
	}
	/* (6) head */
	q->consumed += n;
	head = (head + n) % q->nb_desc;
	__atomic_store_n(&q->head, head, __ATOMIC_RELEASE);
	if (spurious) {
		/* a descriptor the driver owns: [tail, head), the whole ring when empty */
		uint32_t own = (head + q->nb_desc - tail) % q->nb_desc;
		uint32_t k = (uint32_t)(nic_xs64(&tx->rng) % (own == 0 ? q->nb_desc : own));
		write_done(tx, q, (tail + k) % q->nb_desc, false);
	}
	tx->tick++;
	pending_run(tx, false);
	return 1;
}

static int
txq_step(struct hm_nic *nic, struct nic_tx *tx, struct nic_txq *q, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && tx_one(nic, tx, q) == 1)
		n++;
	return (int)n;
}

int
hm_nic_txq_step(struct hm_nic *nic, unsigned int qi, unsigned int max)
{
	struct nic_txq *q;

	if (nic == NULL || (q = queue_of(nic, qi)) == NULL || !q->configured)
		return hm_fail(EINVAL, "nic TX step: NULL device, or TX queue %u out of range or "
			       "not set up", qi);
	if (nic_thread_on(nic))
		return busy("TX step");
	return txq_step(nic, nic_tx_of(nic), q, max);
}

int
hm_nic_tx_step(struct hm_nic *nic, unsigned int max)
{
	struct nic_tx *tx;
	int n = 0;

	if (nic == NULL)
		return hm_fail(EINVAL, "nic TX step: NULL device");
	if (nic_thread_on(nic))
		return busy("TX step");
	tx = nic_tx_of(nic);
	for (unsigned int i = 0; i < tx->nb_queues; i++)
		if (tx->q[i].configured)
			n += txq_step(nic, tx, &tx->q[i], max);
	return n;
}

int
hm_nic_tx_flush(struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic TX flush: NULL device");
	if (nic_thread_on(nic))
		return busy("TX flush");
	return pending_run(nic_tx_of(nic), true);
}

void
nic_tx_poll(struct hm_nic *nic)
{
	struct nic_tx *tx = nic_tx_of(nic);

	for (unsigned int i = 0; i < tx->nb_queues; i++)
		if (tx->q[i].configured)
			txq_step(nic, tx, &tx->q[i], TX_POLL_BURST);
}

/* ------------------------------------------------------------ check */

static const char *
check_queue(const struct nic_txq *q)
{
	const struct hm_nic_txq_stats *s = &q->st;
	uint64_t delayed = 0, early = 0;

	if (s->frames != s->packets + s->sink_full + s->sink_errors + s->dma_errors +
			 s->malformed + s->aborted + s->early)
		return "TX frames != packets + sink_full + sink_errors + dma_errors + malformed + "
		       "aborted + early";
	if (q->pend_n > TX_PEND_MAX || q->pend_first >= TX_PEND_MAX)
		return "TX pending FIFO out of range";
	for (uint32_t i = 0; i < q->pend_n; i++) {
		const struct tx_pend *p = &q->pend[(q->pend_first + i) % TX_PEND_MAX];
		if (p->kind == PEND_SEND) {
			early++;
			if (p->nbuf == 0 || p->nbuf > HM_I40E_TX_MAX_MTU_SEG)
				return "TX late read with a bad buffer count";
		} else {
			delayed += (uint64_t)__builtin_popcount(p->rs_mask);
			if (q->configured && p->first >= q->nb_desc)
				return "TX pending write-back outside the ring";
		}
	}
	if (delayed != s->delayed)
		return "TX delayed != write-backs held in pending entries";
	if (early != s->early)
		return "TX early != late reads pending";
	if (!q->configured)
		return q->pend_n == 0 ? NULL : "TX entries pending on a queue that is not set up";
	if (q->head >= q->nb_desc)
		return "TX head outside the ring";
	if (__atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) >= q->nb_desc)
		return "TX tail register outside the ring (driver wrote a bad tail)";
	if (q->head != q->consumed % q->nb_desc)
		return "TX head != descriptors consumed mod nb_desc";
	return NULL;
}

const char *
nic_tx_check(const struct hm_nic *nic)
{
	const struct nic_tx *tx = nic_tx_of(nic);
	const char *why = NULL;
	uint32_t pend = 0;

	for (unsigned int i = 0; i < tx->nb_queues && why == NULL; i++) {
		why = check_queue(&tx->q[i]);
		pend += tx->q[i].pend_n;
	}
	if (why == NULL && pend != tx->pend_total)
		why = "TX pending total != sum of queue pending";
	return why;
}
