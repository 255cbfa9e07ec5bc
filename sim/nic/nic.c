/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake NIC's receive engine (nic.h has the model; this file the details).
 *
 * Per queue: the programmed context (ring IOVA, nb_desc, buffer and
 * descriptor size), head (written only by the device, read by anyone with
 * acquire), the tail register (written by the driver with release, read here
 * with acquire), counters (one writer, the thread driving the device; relaxed
 * atomics so snapshots from other threads are race-free), two one-page IOVA
 * translation caches (descriptor ring, buffers) validated by the memseg list's
 * version counter, and a FIFO of delayed write-backs.
 *
 * A frame is handled in phases so that a fault changes nothing it should not:
 * (1) classify (parse, checksums, RSS, queue, VLAN strip, descriptors needed);
 * (2) check that k descriptors are armed, else rx_missed; (3) read the k
 * descriptors (a ring fault drops the frame, head stays); (4) translate every
 * buffer, and only if all translate, copy the bytes; (5) write back each
 * descriptor (qw1 last, release), or queue the write-back when delayed;
 * (6) advance head.
 *
 * Invariants (hm_nic_check): see nic.h; in this file's terms, per queue
 *   head == consumed % nb_desc,  delayed == sum of pending entries' n,
 *   frames == packets + errors + missed + ring_faults;
 * device: frames_in == sum(q.frames) + no_queue + oversize.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common_i.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "nic_i.h"

#define PEND_MAX 32u       /* delayed write-backs held per queue */
#define RSS_IN_MAX 12u     /* IPv4 5-tuple: src, dst, sport, dport */

/* Microsoft's RSS verification key, also the i40e/ixgbe drivers' usual default. */
const uint8_t hm_nic_rss_default_key[HM_NIC_RSS_KEY_DEFAULT_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* A held-back write-back of one frame (fault injection). */
struct pending {
	uint32_t idx;                       /* first descriptor */
	uint32_t n;                         /* descriptors, <= HM_NIC_CHAIN_MAX */
	uint64_t due;                       /* device tick at which it lands */
	uint64_t qw[HM_NIC_CHAIN_MAX][4];   /* host-order words to write */
};

struct nic_queue {
	uint32_t tail;                      /* the register: driver writes (release) */
	uint8_t pad0[HM_CACHE_LINE_SIZE - sizeof(uint32_t)];
	uint32_t head;                      /* device's head; atomic store-release */
	bool configured;
	hm_iova_t ring_iova;                /* valid when configured */
	uint32_t nb_desc, buf_size, desc_size;
	uint64_t consumed;                  /* descriptors consumed since setup */
	struct xlat ring_x, buf_x;
	struct pending pend[PEND_MAX];      /* FIFO: pend_first .. +pend_n */
	uint32_t pend_first, pend_n;
	struct hm_nic_queue_stats st;
} __attribute__((aligned(HM_CACHE_LINE_SIZE)));

struct hm_nic {
	struct hm_nic_conf c;               /* rss_key points at key below */
	uint8_t key[HM_NIC_RSS_KEY_MAX];
	uint32_t rss_tbl[RSS_IN_MAX][256];  /* Toeplitz contribution of byte i == v */
	uint16_t reta[HM_NIC_RETA_SIZE];
	struct nic_fault faults[HM_NIC_FAULT_COUNT];
	uint64_t rng;                       /* fault effect draws */
	uint64_t tick;                      /* frames delivered to any queue (delays) */
	uint32_t pend_total;                /* pending entries over all queues */
	uint64_t frames_in, no_queue, oversize, faults_injected; /* ST_ADD */
	/* device thread */
	bool thread_on;                     /* started and not yet stopped (owner's view) */
	int alive;                          /* atomic: the thread has not finished */
	int stop;                           /* atomic: asked to stop */
	int thread_rc;                      /* source error, read after join */
	int step_err;                       /* source error after a partial step: next step's return */
	pthread_t thread;
	struct hm_traffic_src *thread_src;
	uint8_t frame_buf[HM_NIC_FRAME_MAX_LARGE]; /* frames pulled from a source */
	uint8_t strip_buf[HM_NIC_FRAME_MAX_LARGE]; /* frame with its VLAN tag removed */
	struct nic_tx *tx;                  /* the transmit side (nic_tx.c) */
	struct nic_queue q[];               /* c.nb_queues */
};

/* ------------------------------------------------------------------ RSS */

/* The 32 key bits starting at bit @p pos (MSB of key[0] is bit 0). */
static uint32_t
key_window(const uint8_t *key, size_t pos)
{
	uint32_t v = 0;

	for (size_t i = 0; i < 32; i++) {
		size_t b = pos + i;
		v = v << 1 | ((key[b / 8] >> (7 - b % 8)) & 1);
	}
	return v;
}

uint32_t
hm_nic_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len)
{
	uint32_t h = 0;

	if (key == NULL || data == NULL || key_len < len + 4)
		return 0;
	for (size_t i = 0; i < len; i++)
		for (unsigned int b = 0; b < 8; b++)
			if (data[i] & (0x80 >> b))
				h ^= key_window(key, i * 8 + b);
	return h;
}

static void
rss_table_build(struct hm_nic *nic)
{
	for (unsigned int i = 0; i < RSS_IN_MAX; i++) {
		uint32_t w[8];
		for (unsigned int b = 0; b < 8; b++)
			w[b] = key_window(nic->key, i * 8 + b);
		for (unsigned int v = 0; v < 256; v++) {
			uint32_t h = 0;
			for (unsigned int b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					h ^= w[b];
			nic->rss_tbl[i][v] = h;
		}
	}
}

/* Hash input of a parsed frame into @p in; returns its length (0: no hash). */
static size_t
rss_input(const struct hm_traffic_info *fi, uint8_t in[RSS_IN_MAX])
{
	if (fi->l3 != HM_TRAFFIC_L3_IPV4)
		return 0;
	for (int i = 0; i < 4; i++) {
		in[i] = (uint8_t)(fi->src_ip >> (24 - 8 * i));
		in[4 + i] = (uint8_t)(fi->dst_ip >> (24 - 8 * i));
	}
	if (!fi->l4_valid)
		return 8;
	in[8] = (uint8_t)(fi->src_port >> 8);
	in[9] = (uint8_t)fi->src_port;
	in[10] = (uint8_t)(fi->dst_port >> 8);
	in[11] = (uint8_t)fi->dst_port;
	return 12;
}

static uint32_t
rss_hash(const struct hm_nic *nic, const uint8_t *in, size_t n)
{
	uint32_t h = 0;

	for (size_t i = 0; i < n; i++)
		h ^= nic->rss_tbl[i][in[i]];
	return h;
}

/* Hash and queue of a parsed frame; returns whether it hashed. */
static bool
classify_rss(const struct hm_nic *nic, const struct hm_traffic_info *fi, uint32_t *hash,
	     unsigned int *queue)
{
	uint8_t in[RSS_IN_MAX];
	size_t n = rss_input(fi, in);

	*hash = 0;
	*queue = 0;
	if (!nic->c.rss || n == 0)
		return false;
	*hash = rss_hash(nic, in, n);
	*queue = nic->reta[*hash & (HM_NIC_RETA_SIZE - 1)];
	return true;
}

int
hm_nic_rss(const struct hm_nic *nic, const void *frame, size_t len, uint32_t *hash,
	   unsigned int *queue)
{
	struct hm_traffic_info fi;
	uint32_t h;
	unsigned int q;

	if (nic == NULL || frame == NULL || hash == NULL || queue == NULL || len < 14)
		return hm_fail(EINVAL, "nic rss: NULL argument or a frame shorter than 14 bytes");
	hm_traffic_parse(frame, len, &fi);
	bool hashed = classify_rss(nic, &fi, &h, &q);
	*hash = h;
	*queue = q;
	return hashed ? 1 : 0;
}

/* ------------------------------------------------------------ lifecycle */

void
hm_nic_conf_init(struct hm_nic_conf *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->nb_queues = 1;
	c->rss = true;
	c->max_frame = HM_NIC_FRAME_MAX;
	c->max_chain = HM_NIC_CHAIN_MAX;
	c->delay_frames = 4;
}

struct hm_nic *
hm_nic_create(const struct hm_nic_conf *c)
{
	struct hm_nic *nic;

	if (c == NULL)
		return hm_fail_ptr(EINVAL, "nic: NULL configuration");
	if (c->nb_queues == 0 || c->nb_queues > HM_NIC_MAX_QUEUES)
		return hm_fail_ptr(EINVAL, "nic: nb_queues %u outside 1..%u", c->nb_queues,
				   HM_NIC_MAX_QUEUES);
	if (c->numa_node < 0 || c->numa_node >= HM_MAX_NUMA_NODES)
		return hm_fail_ptr(EINVAL, "nic: NUMA node %d outside 0..%d", c->numa_node,
				   HM_MAX_NUMA_NODES - 1);
	if (c->rss_key != NULL && (c->rss_key_len < 16 || c->rss_key_len > HM_NIC_RSS_KEY_MAX))
		return hm_fail_ptr(EINVAL, "nic: RSS key of %u bytes outside 16..%u", c->rss_key_len,
				   HM_NIC_RSS_KEY_MAX);
	if (c->max_frame < 64 ||
	    c->max_frame > (c->large_frames ? HM_NIC_FRAME_MAX_LARGE : HM_NIC_FRAME_MAX))
		return hm_fail_ptr(EINVAL, "nic: max_frame %u outside 64..%u%s", c->max_frame,
				   c->large_frames ? HM_NIC_FRAME_MAX_LARGE : HM_NIC_FRAME_MAX,
				   c->large_frames ? "" : " (large_frames allows more)");
	if (c->max_chain == 0 || c->max_chain > HM_NIC_CHAIN_MAX)
		return hm_fail_ptr(EINVAL, "nic: max_chain %u outside 1..%u", c->max_chain,
				   HM_NIC_CHAIN_MAX);
	if (c->delay_frames == 0 || c->delay_frames > 1000000)
		return hm_fail_ptr(EINVAL, "nic: delay_frames %u outside 1..1000000", c->delay_frames);
	size_t sz = HM_ALIGN_CEIL(sizeof(*nic) + c->nb_queues * sizeof(struct nic_queue),
				  (size_t)HM_CACHE_LINE_SIZE);
	if (c->shared)
		nic = hm_zmalloc_socket("hm_nic", sz, HM_CACHE_LINE_SIZE, c->numa_node);
	else
		nic = aligned_alloc(HM_CACHE_LINE_SIZE, sz);
	if (nic == NULL)
		return hm_fail_ptr(ENOMEM, "nic: out of memory%s", c->shared ? " (hugemem "
				   "memory on the device's node)" : "");
	memset(nic, 0, sz);
	nic->tx = nic_tx_create(c->nb_queues, c->shared, c->numa_node);
	if (nic->tx == NULL) {
		if (c->shared)
			hm_free(nic);
		else
			free(nic);
		return hm_fail_ptr(ENOMEM, "nic: out of memory (TX queues)");
	}
	nic->c = *c;
	if (c->rss_key != NULL) {
		memcpy(nic->key, c->rss_key, c->rss_key_len);
	} else {
		memcpy(nic->key, hm_nic_rss_default_key, HM_NIC_RSS_KEY_DEFAULT_LEN);
		nic->c.rss_key_len = HM_NIC_RSS_KEY_DEFAULT_LEN;
	}
	nic->c.rss_key = nic->key;
	rss_table_build(nic);
	for (unsigned int i = 0; i < HM_NIC_RETA_SIZE; i++)
		nic->reta[i] = (uint16_t)(i % c->nb_queues);
	nic->rng = 0x853c49e6748fea9bULL;
	for (unsigned int m = 0; m < HM_NIC_FAULT_COUNT; m++)
		nic->faults[m].rng = 1;
	nic_tel_add(nic); /* /hugemem/nic/stats (nic_telemetry.c) */
	return nic;
}

void
hm_nic_free(struct hm_nic *nic)
{
	if (nic == NULL)
		return;
	nic_tel_remove(nic);
	if (nic->thread_on)
		hm_nic_stop(nic);
	nic_tx_free(nic->tx, nic->c.shared);
	if (nic->c.shared)
		hm_free(nic);
	else
		free(nic);
}

int
hm_nic_numa_node(const struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic: NULL device");
	return nic->c.numa_node;
}

int
hm_nic_nb_queues(const struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic: NULL device");
	return (int)nic->c.nb_queues;
}

int
hm_nic_max_frame(const struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic: NULL device");
	return (int)nic->c.max_frame;
}

static int
busy(const struct hm_nic *nic, const char *what)
{
	(void)nic;
	return hm_fail(EBUSY, "nic %s: the device thread is running (hm_nic_stop first)", what);
}

/* -------------------------------------------------------------- DMA */

static bool
xlat_valid(const struct xlat *x, hm_iova_t iova, size_t len)
{
	return x->len != 0 && iova >= x->iova && iova - x->iova < x->len &&
	       len <= x->len - (iova - x->iova) &&
	       __atomic_load_n(&x->msl->version, __ATOMIC_ACQUIRE) == x->version;
}

/* Fill @p x with the page holding @p iova; false when nothing maps there. */
static bool
xlat_fill(struct xlat *x, hm_iova_t iova)
{
	uint8_t *va = hm_mem_iova2virt(iova);
	const struct hm_memseg *ms;
	const struct hm_memseg_list *msl;

	x->len = 0;
	if (va == NULL)
		return false;
	ms = hm_mem_virt2memseg(va, NULL);
	msl = hm_mem_virt2memseg_list(va);
	if (ms == NULL || msl == NULL)
		return false;
	x->version = __atomic_load_n(&msl->version, __ATOMIC_ACQUIRE);
	/* the page may have changed between the two lookups: look again */
	if (hm_mem_iova2virt(iova) != va)
		return false;
	x->msl = msl;
	x->va = ms->addr;
	x->iova = iova - (hm_iova_t)(va - (uint8_t *)ms->addr);
	x->len = ms->len;
	return true;
}

/*
 * Translate [iova, iova+len) into at most SEG_MAX page pieces in @p segs.
 * @return the number of pieces, or 0 when a byte of the range maps nowhere.
 */
static unsigned int
xlat_range(struct xlat *x, hm_iova_t iova, uint32_t len, struct seg *segs)
{
	unsigned int n = 0;

	if (len == 0)
		return 0;
	if (iova + len < iova)
		return 0; /* wraps the IOVA space */
	while (len > 0) {
		if (n == SEG_MAX)
			return 0;
		if (!xlat_valid(x, iova, 1) && !xlat_fill(x, iova))
			return 0;
		uint64_t room = x->len - (iova - x->iova);
		uint32_t k = len < room ? len : (uint32_t)room;
		segs[n].va = x->va + (iova - x->iova);
		segs[n].len = k;
		n++;
		iova += k;
		len -= k;
	}
	return n;
}

unsigned int
nic_xlat_range(struct xlat *x, hm_iova_t iova, uint32_t len, struct seg *segs)
{
	return xlat_range(x, iova, len, segs);
}

struct nic_tx *
nic_tx_of(const struct hm_nic *nic)
{
	return nic->tx;
}

bool
nic_thread_on(const struct hm_nic *nic)
{
	return nic->thread_on;
}

unsigned int
nic_delay_frames(const struct hm_nic *nic)
{
	return nic->c.delay_frames;
}

/* VA of descriptor @p idx of @p q, or NULL (ring memory gone). */
static uint8_t *
desc_va(struct nic_queue *q, uint32_t idx)
{
	hm_iova_t iova = q->ring_iova + (hm_iova_t)idx * q->desc_size;

	if (!xlat_valid(&q->ring_x, iova, q->desc_size) && !xlat_fill(&q->ring_x, iova))
		return NULL;
	if (q->desc_size > q->ring_x.len - (iova - q->ring_x.iova))
		return NULL;
	return q->ring_x.va + (iova - q->ring_x.iova);
}

/* ---------------------------------------------------------------- queues */

int
hm_nic_queue_setup(struct hm_nic *nic, unsigned int qi, const struct hm_nic_queue_conf *c)
{
	struct nic_queue *q;
	unsigned int dsz;

	if (nic == NULL || c == NULL)
		return hm_fail(EINVAL, "nic queue setup: NULL device or configuration");
	if (qi >= nic->c.nb_queues)
		return hm_fail(EINVAL, "nic queue setup: queue %u, the device has %u", qi,
			       nic->c.nb_queues);
	if (nic->thread_on)
		return busy(nic, "queue setup");
	dsz = c->desc_size == 0 ? 32 : c->desc_size;
	if (dsz != 16 && dsz != 32)
		return hm_fail(EINVAL, "nic queue setup: descriptor size %u (16 or 32)", dsz);
	if (c->nb_desc < HM_NIC_DESC_MIN || c->nb_desc > HM_NIC_DESC_MAX ||
	    c->nb_desc % HM_NIC_DESC_ALIGN != 0)
		return hm_fail(EINVAL, "nic queue setup: nb_desc %u is not a multiple of %u in %u..%u",
			       c->nb_desc, HM_NIC_DESC_ALIGN, HM_NIC_DESC_MIN, HM_NIC_DESC_MAX);
	if (c->buf_size < HM_NIC_BUF_UNIT || c->buf_size > HM_NIC_BUF_MAX ||
	    c->buf_size % HM_NIC_BUF_UNIT != 0)
		return hm_fail(EINVAL, "nic queue setup: buffer size %u is not a multiple of %u in "
			       "%u..%u", c->buf_size, HM_NIC_BUF_UNIT, HM_NIC_BUF_UNIT, HM_NIC_BUF_MAX);
	if (c->ring_iova == HM_BAD_IOVA || c->ring_iova % HM_NIC_RING_ALIGN != 0)
		return hm_fail(EINVAL, "nic queue setup: ring IOVA 0x%" PRIx64 " is not %u-aligned",
			       c->ring_iova, HM_NIC_RING_ALIGN);
	/* the whole ring must be mapped (by IOVA: it is contiguous by definition) */
	struct xlat x = { 0 };
	struct seg segs[SEG_MAX];
	uint64_t ring_bytes = (uint64_t)c->nb_desc * dsz;
	for (uint64_t off = 0; off < ring_bytes; off += 4096) {
		uint32_t k = ring_bytes - off < 4096 ? (uint32_t)(ring_bytes - off) : 4096;
		if (xlat_range(&x, c->ring_iova + off, k, segs) == 0)
			return hm_fail(EFAULT, "nic queue setup: ring IOVA 0x%" PRIx64 "+0x%" PRIx64
				       " is not mapped", c->ring_iova, off);
	}
	q = &nic->q[qi];
	if (q->pend_n != 0)
		nic->pend_total -= q->pend_n;
	q->configured = true;
	q->ring_iova = c->ring_iova;
	q->nb_desc = c->nb_desc;
	q->buf_size = c->buf_size;
	q->desc_size = dsz;
	q->consumed = 0;
	q->ring_x = x;
	memset(&q->buf_x, 0, sizeof(q->buf_x));
	q->pend_first = q->pend_n = 0;
	__atomic_store_n(&q->st.delayed, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&q->head, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&q->tail, 0, __ATOMIC_RELEASE);
	return 0;
}

int
hm_nic_queue_release(struct hm_nic *nic, unsigned int qi)
{
	struct nic_queue *q;

	if (nic == NULL || qi >= nic->c.nb_queues || !nic->q[qi].configured)
		return hm_fail(EINVAL, "nic queue release: NULL device, or queue %u out of range or "
			       "not set up", qi);
	if (nic->thread_on)
		return busy(nic, "queue release");
	q = &nic->q[qi];
	nic->pend_total -= q->pend_n;
	q->pend_first = q->pend_n = 0;
	__atomic_store_n(&q->st.delayed, 0, __ATOMIC_RELAXED);
	q->configured = false;
	return 0;
}

uint32_t *
hm_nic_tail_reg(struct hm_nic *nic, unsigned int qi)
{
	if (nic == NULL || qi >= nic->c.nb_queues)
		return hm_fail_ptr(EINVAL, "nic tail register: NULL device or queue %u out of range",
				   qi);
	return &nic->q[qi].tail;
}

int
hm_nic_head(const struct hm_nic *nic, unsigned int qi)
{
	if (nic == NULL || qi >= nic->c.nb_queues)
		return hm_fail(EINVAL, "nic head: NULL device or queue %u out of range", qi);
	return (int)__atomic_load_n(&nic->q[qi].head, __ATOMIC_ACQUIRE);
}

int
hm_nic_rss_key_set(struct hm_nic *nic, const uint8_t *key, unsigned int key_len)
{
	if (nic == NULL || key == NULL || key_len < 16 || key_len > HM_NIC_RSS_KEY_MAX)
		return hm_fail(EINVAL, "nic RSS key: NULL argument or %u bytes outside 16..%u",
			       key_len, HM_NIC_RSS_KEY_MAX);
	if (nic->thread_on)
		return busy(nic, "RSS key");
	memset(nic->key, 0, sizeof(nic->key));
	memcpy(nic->key, key, key_len);
	nic->c.rss_key_len = key_len;
	rss_table_build(nic);
	return 0;
}

int
hm_nic_vlan_strip_set(struct hm_nic *nic, bool on)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic VLAN strip: NULL device");
	if (nic->thread_on)
		return busy(nic, "VLAN strip");
	nic->c.vlan_strip = on;
	return 0;
}

int
hm_nic_reta_set(struct hm_nic *nic, const uint16_t *reta, unsigned int n)
{
	if (nic == NULL || reta == NULL || n == 0 || n > HM_NIC_RETA_SIZE ||
	    HM_NIC_RETA_SIZE % n != 0)
		return hm_fail(EINVAL, "nic RETA: NULL argument, or %u entries do not divide %u", n,
			       HM_NIC_RETA_SIZE);
	for (unsigned int i = 0; i < n; i++)
		if (reta[i] >= nic->c.nb_queues)
			return hm_fail(EINVAL, "nic RETA: entry %u names queue %u of %u", i, reta[i],
				       nic->c.nb_queues);
	if (nic->thread_on)
		return busy(nic, "RETA");
	for (unsigned int i = 0; i < HM_NIC_RETA_SIZE; i++)
		nic->reta[i] = reta[i % n];
	return 0;
}

/* ------------------------------------------------------------- faults */

int
hm_nic_fault_set(struct hm_nic *nic, enum hm_nic_fault mode, uint32_t every_nth, uint32_t ppm,
		 uint64_t seed)
{
	if (nic == NULL || (unsigned int)mode >= HM_NIC_FAULT_COUNT || ppm > 1000000)
		return hm_fail(EINVAL, "nic fault: NULL device, unknown mode %d or rate %u > 1000000",
			       (int)mode, ppm);
	if (nic->thread_on)
		return busy(nic, "fault set");
	nic_fault_arm(&nic->faults[mode], &nic->rng, every_nth, ppm, seed);
	return 0;
}

int
hm_nic_fault_clear(struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic fault clear: NULL device");
	if (nic->thread_on)
		return busy(nic, "fault clear");
	for (unsigned int m = 0; m < HM_NIC_FAULT_COUNT; m++) {
		nic->faults[m].every_nth = 0;
		nic->faults[m].ppm = 0;
	}
	return 0;
}

uint64_t
hm_nic_fault_count(const struct hm_nic *nic, enum hm_nic_fault mode)
{
	if (nic == NULL || (unsigned int)mode >= HM_NIC_FAULT_COUNT)
		return 0;
	return ST_GET(nic->faults[mode].injected);
}

/* ---------------------------------------------------------- write-back */

static void
write_back(struct nic_queue *q, uint32_t idx, const uint64_t qw[4])
{
	uint8_t *d = desc_va(q, idx);

	if (d == NULL) {
		ST_ADD(q->st.dma_faults, 1);
		return;
	}
	hm_i40e_rx_desc_qw_set(d, 0, qw[0]);
	if (q->desc_size == 32) {
		hm_i40e_rx_desc_qw_set(d, 2, qw[2]);
		hm_i40e_rx_desc_qw_set(d, 3, qw[3]);
	}
	hm_i40e_rx_desc_qw1_store(d, qw[1]);
}

static void
pending_land(struct hm_nic *nic, struct nic_queue *q)
{
	struct pending *p = &q->pend[q->pend_first];

	for (uint32_t i = 0; i < p->n; i++)
		write_back(q, (p->idx + i) % q->nb_desc, p->qw[i]);
	ST_ADD(q->st.delayed, -(uint64_t)p->n);
	q->pend_first = (q->pend_first + 1) % PEND_MAX;
	q->pend_n--;
	nic->pend_total--;
}

/* Land the delayed write-backs that are due (all when @p all). */
static int
pending_run(struct hm_nic *nic, bool all)
{
	int n = 0;

	if (nic->pend_total == 0)
		return 0;
	for (unsigned int i = 0; i < nic->c.nb_queues; i++) {
		struct nic_queue *q = &nic->q[i];
		while (q->pend_n > 0 && (all || q->pend[q->pend_first].due <= nic->tick)) {
			pending_land(nic, q);
			n++;
		}
	}
	return n;
}

/* ---------------------------------------------------------------- receive */

/* Backpressure wait: pause, and let the other threads run now and then. */
static void
cpu_relax(unsigned int spins)
{
	if (spins % 64 == 0) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint32_t
ptype_of(const struct hm_traffic_info *fi)
{
	if (fi->l3 != HM_TRAFFIC_L3_IPV4)
		return HM_I40E_PTYPE_L2;
	if (fi->frag)
		return HM_I40E_PTYPE_IPV4_FRAG;
	if (fi->l4_valid)
		return fi->l4_proto == 6 ? HM_I40E_PTYPE_IPV4_TCP : HM_I40E_PTYPE_IPV4_UDP;
	if (fi->l4_proto == 1)
		return HM_I40E_PTYPE_IPV4_ICMP;
	return HM_I40E_PTYPE_IPV4;
}

static uint32_t
armed(struct nic_queue *q)
{
	uint32_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (tail >= q->nb_desc)
		return 0; /* a bad tail arms nothing; hm_nic_check reports it */
	return (tail + q->nb_desc - q->head) % q->nb_desc;
}

/*
 * Deliver one frame (phases in the file comment). @p wait: device thread with
 * backpressure. @return 1 delivered, 0 dropped or faulted.
 */
static int
deliver(struct hm_nic *nic, const uint8_t *frame, size_t len, bool wait)
{
	struct hm_traffic_info fi;
	struct nic_queue *q;
	uint32_t hash = 0, k, status = 0, error = 0, ptype, tag = 0;
	unsigned int qi = 0, spins = 0;
	bool hashed = false;

	ST_ADD(nic->frames_in, 1);
	if (len > nic->c.max_frame) {
		ST_ADD(nic->oversize, 1);
		return 0;
	}
	/* (1) classify */
	if (len < 14 || hm_traffic_parse(frame, len, &fi) != 0)
		memset(&fi, 0, sizeof(fi));
	hashed = classify_rss(nic, &fi, &hash, &qi);
	q = &nic->q[qi];
	if (!q->configured) {
		ST_ADD(nic->no_queue, 1);
		return 0;
	}
	if (nic->c.vlan_strip && fi.vlan) {
		memcpy(nic->strip_buf, frame, 12);
		memcpy(nic->strip_buf + 12, frame + 16, len - 16);
		frame = nic->strip_buf;
		len -= 4;
		tag = fi.vlan_tci;
		status |= HM_I40E_RXD_L2TAG1P;
	}
	k = (uint32_t)((len + q->buf_size - 1) / q->buf_size);
	if (k > nic->c.max_chain) {
		ST_ADD(nic->oversize, 1);
		return 0;
	}
	ST_ADD(q->st.frames, 1);
	/* (2) armed descriptors */
	while (armed(q) < k) {
		if (!wait || __atomic_load_n(&nic->stop, __ATOMIC_ACQUIRE)) {
			ST_ADD(q->st.missed, 1);
			return 0;
		}
		cpu_relax(++spins);
	}
	/* (3) read the descriptors */
	uint64_t addr[HM_NIC_CHAIN_MAX];
	for (uint32_t i = 0; i < k; i++) {
		const uint8_t *d = desc_va(q, (q->head + i) % q->nb_desc);
		if (d == NULL) {
			ST_ADD(q->st.dma_faults, 1);
			ST_ADD(q->st.ring_faults, 1);
			return 0;
		}
		addr[i] = hm_i40e_rx_desc_qw_get(d, 0);
	}
	/* (4) translate every buffer; copy only when all translate */
	struct seg segs[HM_NIC_CHAIN_MAX][SEG_MAX];
	unsigned int nsegs[HM_NIC_CHAIN_MAX];
	uint32_t blen[HM_NIC_CHAIN_MAX];
	unsigned int faults = 0;
	size_t left = len;
	for (uint32_t i = 0; i < k; i++) {
		blen[i] = left < q->buf_size ? (uint32_t)left : q->buf_size;
		left -= blen[i];
		nsegs[i] = xlat_range(&q->buf_x, addr[i], blen[i], segs[i]);
		if (nsegs[i] == 0)
			faults++;
	}
	if (faults == 0) {
		const uint8_t *p = frame;
		for (uint32_t i = 0; i < k; i++)
			for (unsigned int s = 0; s < nsegs[i]; s++) {
				memcpy(segs[i][s].va, p, segs[i][s].len);
				p += segs[i][s].len;
			}
	}
	/* (5) write-back words */
	ptype = ptype_of(&fi);
	if (fi.l3 == HM_TRAFFIC_L3_IPV4) {
		status |= HM_I40E_RXD_L3L4P;
		if (!fi.ip_cksum_ok)
			error |= HM_I40E_RXD_ERR_IPE >> HM_I40E_RXD_ERROR_S;
		if (fi.l4_valid && !fi.l4_cksum_ok)
			error |= HM_I40E_RXD_ERR_L4E >> HM_I40E_RXD_ERROR_S;
	}
	if (hashed)
		status |= HM_I40E_RXD_FLTSTAT_RSS;
	if (faults != 0)
		error |= HM_I40E_RXD_ERR_RXE >> HM_I40E_RXD_ERROR_S;
	uint64_t qw[HM_NIC_CHAIN_MAX][4];
	for (uint32_t i = 0; i < k; i++) {
		uint32_t s = status | (uint32_t)HM_I40E_RXD_DD | (i + 1 == k ? (uint32_t)HM_I40E_RXD_EOF : 0);
		qw[i][0] = hm_i40e_rxd_make_qw0((uint16_t)tag, hashed ? hash : 0);
		qw[i][1] = hm_i40e_rxd_make_qw1(s, error, ptype, faults != 0 ? 0 : blen[i]);
		qw[i][2] = 0;
		qw[i][3] = 0;
	}
	/* fault injection on the last descriptor (frames that reached a ring only) */
	uint64_t *last = qw[k - 1];
	if (nic_fault_fires(&nic->faults[HM_NIC_FAULT_ERR_BITS]))
		last[1] |= 1ULL << (HM_I40E_RXD_ERROR_S + nic_xs64(&nic->rng) % 8);
	if (nic_fault_fires(&nic->faults[HM_NIC_FAULT_NO_EOF]))
		last[1] &= ~HM_I40E_RXD_EOF;
	if (nic_fault_fires(&nic->faults[HM_NIC_FAULT_LEN_ZERO]))
		last[1] &= ~HM_I40E_RXD_LEN_PBUF_MASK;
	if (nic_fault_fires(&nic->faults[HM_NIC_FAULT_LEN_OVER])) {
		uint64_t over = q->buf_size + 1 + nic_xs64(&nic->rng) % (HM_I40E_RXD_MAX_PBUF_LEN - q->buf_size);
		last[1] = (last[1] & ~HM_I40E_RXD_LEN_PBUF_MASK) | over << HM_I40E_RXD_LEN_PBUF_S;
	}
	if (nic_fault_fires(&nic->faults[HM_NIC_FAULT_PTYPE])) {
		uint64_t pt = (ptype + 1 + nic_xs64(&nic->rng) % 255) & 0xff;
		last[1] = (last[1] & ~HM_I40E_RXD_PTYPE_MASK) | pt << HM_I40E_RXD_PTYPE_S;
	}
	bool delay = nic_fault_fires(&nic->faults[HM_NIC_FAULT_DELAY]);
	uint64_t injected = 0;
	for (unsigned int m = 0; m < HM_NIC_FAULT_COUNT; m++)
		injected += nic->faults[m].injected;
	if (injected != ST_GET(nic->faults_injected))
		__atomic_store_n(&nic->faults_injected, injected, __ATOMIC_RELAXED);
	uint32_t first = q->head;
	if (delay) {
		if (q->pend_n == PEND_MAX)
			pending_land(nic, q);
		struct pending *p = &q->pend[(q->pend_first + q->pend_n) % PEND_MAX];
		p->idx = first;
		p->n = k;
		p->due = nic->tick + 1 + nic->c.delay_frames; /* after delay_frames more frames */
		memcpy(p->qw, qw, sizeof(p->qw[0]) * k);
		q->pend_n++;
		nic->pend_total++;
		ST_ADD(q->st.delayed, k);
	} else {
		for (uint32_t i = 0; i < k; i++)
			write_back(q, (first + i) % q->nb_desc, qw[i]);
	}
	/* (6) advance head */
	q->consumed += k;
	__atomic_store_n(&q->head, (first + k) % q->nb_desc, __ATOMIC_RELEASE);
	ST_ADD(q->st.descs, k);
	nic->tick++;
	if (faults != 0) {
		ST_ADD(q->st.dma_faults, faults);
		ST_ADD(q->st.errors, 1);
		pending_run(nic, false);
		return 0;
	}
	ST_ADD(q->st.packets, 1);
	ST_ADD(q->st.bytes, len);
	pending_run(nic, false);
	return 1;
}

int
hm_nic_rx_frame(struct hm_nic *nic, const void *frame, size_t len)
{
	if (nic == NULL || frame == NULL || len == 0)
		return hm_fail(EINVAL, "nic rx: NULL device or frame, or an empty frame");
	if (nic->thread_on)
		return busy(nic, "rx_frame");
	return deliver(nic, frame, len, false);
}

int
hm_nic_step(struct hm_nic *nic, struct hm_traffic_src *src, unsigned int max)
{
	unsigned int n = 0;

	if (nic == NULL || src == NULL || src->next == NULL)
		return hm_fail(EINVAL, "nic step: NULL device or source");
	if (nic->thread_on)
		return busy(nic, "step");
	if (nic->step_err != 0) {
		int e = nic->step_err;
		nic->step_err = 0;
		return e; /* hm_last_error() still holds the source's message */
	}
	while (n < max) {
		int rc = src->next(src->ctx, nic->frame_buf, sizeof(nic->frame_buf), NULL);
		if (rc < 0) {
			if (n == 0)
				return rc;
			nic->step_err = rc; /* the frames taken count; the error comes next */
			return (int)n;
		}
		if (rc == 0)
			break;
		deliver(nic, nic->frame_buf, (size_t)rc, false);
		n++;
	}
	return (int)n;
}

int
hm_nic_flush(struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic flush: NULL device");
	if (nic->thread_on)
		return busy(nic, "flush");
	return pending_run(nic, true);
}

/* ------------------------------------------------------------ thread */

static void *
device_thread(void *arg)
{
	struct hm_nic *nic = arg;
	uint64_t t0 = hm_now_ns(), sent = 0;
	int rc = 0;

	while (!__atomic_load_n(&nic->stop, __ATOMIC_ACQUIRE)) {
		if (nic->c.pps_limit != 0) {
			uint64_t due = (uint64_t)((double)(hm_now_ns() - t0) * 1e-9 *
						  (double)nic->c.pps_limit);
			if (sent >= due) {
				struct timespec ts = { 0, 20000 };
				pending_run(nic, true); /* idle: land what is held */
				nic_tx_poll(nic);
				nanosleep(&ts, NULL);
				continue;
			}
		}
		rc = nic->thread_src->next(nic->thread_src->ctx, nic->frame_buf,
					   sizeof(nic->frame_buf), NULL);
		if (rc <= 0)
			break;
		deliver(nic, nic->frame_buf, (size_t)rc, nic->c.backpressure);
		nic_tx_poll(nic);
		sent++;
		rc = 0;
	}
	pending_run(nic, true);
	nic_tx_poll(nic);
	nic->thread_rc = rc < 0 ? rc : 0;
	__atomic_store_n(&nic->alive, 0, __ATOMIC_RELEASE);
	return NULL;
}

int
hm_nic_start(struct hm_nic *nic, struct hm_traffic_src *src)
{
	if (nic == NULL || src == NULL || src->next == NULL)
		return hm_fail(EINVAL, "nic start: NULL device or source");
	if (nic->thread_on)
		return busy(nic, "start");
	if (nic_tx_loops(nic))
		return hm_fail(EINVAL, "nic start: the TX sink loops back into a NIC, which the "
			       "device thread cannot drive; step both devices instead");
	nic->thread_src = src;
	nic->thread_rc = 0;
	__atomic_store_n(&nic->stop, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&nic->alive, 1, __ATOMIC_RELAXED);
	if (pthread_create(&nic->thread, NULL, device_thread, nic) != 0) {
		__atomic_store_n(&nic->alive, 0, __ATOMIC_RELAXED);
		return hm_fail(EAGAIN, "nic start: cannot create the device thread");
	}
	nic->thread_on = true;
	return 0;
}

int
hm_nic_running(const struct hm_nic *nic)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic running: NULL device");
	return nic->thread_on && __atomic_load_n(&nic->alive, __ATOMIC_ACQUIRE) ? 1 : 0;
}

int
hm_nic_stop(struct hm_nic *nic)
{
	if (nic == NULL || !nic->thread_on)
		return hm_fail(EINVAL, "nic stop: NULL device or no device thread");
	__atomic_store_n(&nic->stop, 1, __ATOMIC_RELEASE);
	pthread_join(nic->thread, NULL);
	nic->thread_on = false;
	nic->thread_src = NULL;
	return nic->thread_rc;
}

/* ------------------------------------------------------------ stats, check */

int
hm_nic_stats_get(const struct hm_nic *nic, struct hm_nic_stats *st)
{
	if (nic == NULL || st == NULL)
		return hm_fail(EINVAL, "nic stats: NULL device or output");
	memset(st, 0, sizeof(*st));
	st->frames_in = ST_GET(nic->frames_in);
	st->no_queue = ST_GET(nic->no_queue);
	st->oversize = ST_GET(nic->oversize);
	st->faults_injected = ST_GET(nic->faults_injected);
	for (unsigned int i = 0; i < nic->c.nb_queues; i++) {
		const struct hm_nic_queue_stats *s = &nic->q[i].st;
		st->q[i].frames = ST_GET(s->frames);
		st->q[i].packets = ST_GET(s->packets);
		st->q[i].bytes = ST_GET(s->bytes);
		st->q[i].missed = ST_GET(s->missed);
		st->q[i].errors = ST_GET(s->errors);
		st->q[i].ring_faults = ST_GET(s->ring_faults);
		st->q[i].dma_faults = ST_GET(s->dma_faults);
		st->q[i].descs = ST_GET(s->descs);
		st->q[i].delayed = ST_GET(s->delayed);
	}
	return 0;
}

static const char *
check_queue(const struct nic_queue *q)
{
	const struct hm_nic_queue_stats *s = &q->st;
	uint64_t held = 0;

	if (s->frames != s->packets + s->errors + s->missed + s->ring_faults)
		return "queue frames != packets + errors + missed + ring_faults";
	if (q->pend_n > PEND_MAX || q->pend_first >= PEND_MAX)
		return "pending write-back FIFO out of range";
	for (uint32_t i = 0; i < q->pend_n; i++)
		held += q->pend[(q->pend_first + i) % PEND_MAX].n;
	if (held != s->delayed)
		return "delayed != descriptors held in pending write-backs";
	if (!q->configured)
		return held == 0 ? NULL : "write-backs pending on a queue that is not set up";
	if (q->head >= q->nb_desc)
		return "head outside the ring";
	if (__atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) >= q->nb_desc)
		return "tail register outside the ring (driver wrote a bad tail)";
	if (q->head != q->consumed % q->nb_desc)
		return "head != descriptors consumed mod nb_desc";
	if (held > q->consumed)
		return "more descriptors held back than consumed";
	for (uint32_t i = 0; i < q->pend_n; i++) {
		const struct pending *p = &q->pend[(q->pend_first + i) % PEND_MAX];
		if (p->idx >= q->nb_desc || p->n == 0 || p->n > HM_NIC_CHAIN_MAX)
			return "pending write-back outside the ring";
	}
	return NULL;
}

/* The receive side's invariants (queues, counters, RETA): the reason or NULL. */
static const char *
rx_check(const struct hm_nic *nic)
{
	const char *why = NULL;
	uint64_t sum = 0;
	uint32_t pend = 0;

	for (unsigned int i = 0; i < nic->c.nb_queues && why == NULL; i++) {
		why = check_queue(&nic->q[i]);
		sum += nic->q[i].st.frames;
		pend += nic->q[i].pend_n;
	}
	if (why == NULL && nic->frames_in != sum + nic->no_queue + nic->oversize)
		why = "frames_in != sum of queue frames + no_queue + oversize";
	if (why == NULL && pend != nic->pend_total)
		why = "pending total != sum of queue pending";
	for (unsigned int i = 0; i < HM_NIC_RETA_SIZE && why == NULL; i++)
		if (nic->reta[i] >= nic->c.nb_queues)
			why = "RETA entry names a queue the device does not have";
	return why;
}

/* Shared by the three validators: @p why (NULL: fine) to 0 / -EFAULT. */
static int
check_result(const char *why, const char **reason)
{
	if (why == NULL)
		return 0;
	if (reason != NULL)
		*reason = why;
	return hm_fail(EFAULT, "nic is corrupt: %s", why);
}

int
hm_nic_rx_check(const struct hm_nic *nic, const char **reason)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic rx check: NULL device");
	if (nic->thread_on)
		return hm_fail(EBUSY, "nic rx check: the device thread is running");
	return check_result(rx_check(nic), reason);
}

int
hm_nic_tx_check(const struct hm_nic *nic, const char **reason)
{
	if (nic == NULL)
		return hm_fail(EINVAL, "nic tx check: NULL device");
	if (nic->thread_on)
		return hm_fail(EBUSY, "nic tx check: the device thread is running");
	return check_result(nic_tx_check(nic), reason);
}

int
hm_nic_check(const struct hm_nic *nic, const char **reason)
{
	const char *why;

	if (nic == NULL)
		return hm_fail(EINVAL, "nic check: NULL device");
	if (nic->thread_on)
		return hm_fail(EBUSY, "nic check: the device thread is running");
	why = rx_check(nic);
	if (why == NULL)
		why = nic_tx_check(nic);
	return check_result(why, reason);
}
