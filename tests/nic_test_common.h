/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the fake NIC conformance programs share (test_nic.c,
 * test_nic_features.c): init on an emu topology (caps on the machine under
 * hugetlbfs), the NIC validator, and a minimal driver written here that arms
 * descriptors by hand (rings and buffers in IOVA-contiguous memzones, as an
 * i40e driver would) and polls write-backs, a model that checks every frame
 * against a twin generator, and NIC and generator constructors. Include after
 * helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_NIC_TEST_COMMON_H
#define HUGEMEM_TEST_NIC_TEST_COMMON_H

#include <stdint.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

static const char *const TOPO = "nodes=2;2M=64,64;lcores=0@0,1@1";

static inline int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "nic";
	c.topology = TOPO;
	return hm_test_init_cfg(&c);
}

static inline void
assert_nic_valid(const struct hm_nic *nic)
{
	const char *why = NULL;
	if (hm_nic_check(nic, &why) != 0)
		fail_msg("nic check: %s (%s)", why != NULL ? why : "?", hm_last_error());
}

/* ------------------------------------------------------ the mini driver */

struct drv {
	struct hm_nic *nic;
	unsigned int q, nb, bsz, dsz;
	const struct hm_memzone *ring, *bufs;
	uint32_t *tail;
	uint32_t next;                  /* next descriptor to examine */
	uint8_t frame[5 * HM_NIC_BUF_MAX];
	size_t flen;                    /* bytes of the frame being reassembled */
	unsigned int segs;              /* descriptors of that frame so far */
};

static inline uint8_t *
drv_desc(const struct drv *d, uint32_t i)
{
	return (uint8_t *)d->ring->addr + (size_t)i * d->dsz;
}

static inline uint8_t *
drv_buf(const struct drv *d, uint32_t i)
{
	return (uint8_t *)d->bufs->addr + (size_t)i * d->bsz;
}

static inline hm_iova_t
drv_buf_iova(const struct drv *d, uint32_t i)
{
	return d->bufs->iova + (hm_iova_t)i * d->bsz;
}

static inline void
drv_arm(struct drv *d, uint32_t i)
{
	hm_i40e_rx_desc_arm(drv_desc(d, i), d->dsz, drv_buf_iova(d, i));
}

/* Rings and buffers on @p socket; every descriptor armed, tail = nb - 1. */
static inline void
drv_init(struct drv *d, struct hm_nic *nic, unsigned int q, unsigned int nb, unsigned int bsz,
	 unsigned int dsz, int socket)
{
	struct hm_nic_queue_conf qc;
	char name[32];

	memset(d, 0, sizeof(*d));
	d->nic = nic;
	d->q = q;
	d->nb = nb;
	d->bsz = bsz;
	d->dsz = dsz;
	snprintf(name, sizeof(name), "ring%u-%p", q, (void *)nic);
	d->ring = hm_memzone_reserve_aligned(name, (size_t)nb * dsz, socket,
					     HM_MEMZONE_IOVA_CONTIG, HM_NIC_RING_ALIGN);
	assert_non_null(d->ring);
	snprintf(name, sizeof(name), "bufs%u-%p", q, (void *)nic);
	d->bufs = hm_memzone_reserve_aligned(name, (size_t)nb * bsz, socket,
					     HM_MEMZONE_IOVA_CONTIG, 128);
	assert_non_null(d->bufs);
	memset(d->ring->addr, 0, d->ring->len);
	memset(d->bufs->addr, 0, d->bufs->len);
	for (uint32_t i = 0; i < nb; i++)
		drv_arm(d, i);
	qc.ring_iova = d->ring->iova;
	qc.nb_desc = nb;
	qc.buf_size = bsz;
	qc.desc_size = dsz;
	assert_int_equal(hm_nic_queue_setup(nic, q, &qc), 0);
	d->tail = hm_nic_tail_reg(nic, q);
	assert_non_null(d->tail);
	hm_nic_tail_write(d->tail, nb - 1);
	assert_nic_valid(nic);
}

static inline void
drv_fini(struct drv *d)
{
	assert_int_equal(hm_memzone_free(d->ring), 0);
	assert_int_equal(hm_memzone_free(d->bufs), 0);
}

typedef void (*frame_cb)(void *arg, const uint8_t *f, size_t len, uint64_t qw0, uint64_t qw1);

/*
 * Receive every written-back descriptor: reassemble chains (non-last ones
 * must be full buffers without EOF), re-arm, give them back with tail =
 * next - 1. @return complete frames handed to @p cb.
 */
static inline unsigned int
drv_poll(struct drv *d, frame_cb cb, void *arg)
{
	unsigned int frames = 0, done = 0;

	for (;;) {
		uint8_t *ds = drv_desc(d, d->next);
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(ds);
		if (!(qw1 & HM_I40E_RXD_DD))
			break;
		uint64_t qw0 = hm_i40e_rx_desc_qw_get(ds, 0);
		uint32_t len = hm_i40e_rxd_pbuf_len(qw1);
		assert_true(len <= d->bsz);
		assert_true(d->flen + len <= sizeof(d->frame));
		memcpy(d->frame + d->flen, drv_buf(d, d->next), len);
		d->flen += len;
		d->segs++;
		drv_arm(d, d->next);
		d->next = (d->next + 1) % d->nb;
		done++;
		if (qw1 & HM_I40E_RXD_EOF) {
			if (cb != NULL)
				cb(arg, d->frame, d->flen, qw0, qw1);
			d->flen = 0;
			d->segs = 0;
			frames++;
		} else if (!(qw1 & HM_I40E_RXD_ERR_RXE)) {
			assert_int_equal(len, d->bsz); /* a chained buffer is full */
		}
	}
	if (done > 0)
		hm_nic_tail_write(d->tail, d->next == 0 ? d->nb - 1 : d->next - 1);
	return frames;
}

/* Receiver state: frames must equal the twin generator's, in order. */
struct rx_model {
	struct hm_traffic_gen *twin;
	uint64_t frames, bytes, errors;
	bool strip;                    /* the NIC strips VLAN tags */
	uint8_t want[HM_TRAFFIC_MAX_FRAME];
};

static inline void
rx_expect(void *arg, const uint8_t *f, size_t len, uint64_t qw0, uint64_t qw1)
{
	struct rx_model *m = arg;
	struct hm_traffic_meta meta;
	(void)qw0;

	int wl = hm_traffic_gen_next(m->twin, m->want, sizeof(m->want), NULL);
	assert_true(wl > 0);
	if (m->strip && (size_t)wl == len + 4) {
		memmove(m->want + 12, m->want + 16, (size_t)wl - 16);
		wl -= 4;
	}
	assert_int_equal(len, wl);
	assert_memory_equal(f, m->want, len);
	assert_int_equal(hm_traffic_verify(f, len, &meta), 0);
	assert_int_equal(hm_i40e_rxd_pbuf_len(qw1) <= len, 1);
	assert_int_equal(hm_i40e_rxd_error(qw1), 0);
	m->frames++;
	m->bytes += len;
}

static inline struct hm_nic *
nic_with(unsigned int queues, bool rss)
{
	struct hm_nic_conf c;

	hm_nic_conf_init(&c);
	c.nb_queues = queues;
	c.rss = rss;
	struct hm_nic *nic = hm_nic_create(&c);
	assert_non_null(nic);
	return nic;
}

static inline struct hm_traffic_gen *
gen_conf(uint64_t seed, uint64_t count, enum hm_traffic_size_mode mode, uint32_t min,
	 uint32_t max, uint32_t flows, bool vlan)
{
	struct hm_traffic_gen_conf c;

	hm_traffic_gen_conf_init(&c);
	c.seed = seed;
	c.count = count;
	c.size_mode = mode;
	c.size_min = min;
	c.size_max = max;
	c.flows = flows;
	c.vlan = vlan;
	c.vlan_tci = 0x0123;
	c.proto = HM_TRAFFIC_MIXED;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&c);
	assert_non_null(g);
	return g;
}

/* Highest IOVA end of mapped memory, for "runs out of mapped memory" tests. */
static inline int
max_iova_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	hm_iova_t *end = arg;
	(void)msl;
	if (ms->iova + ms->len > *end)
		*end = ms->iova + ms->len;
	return 0;
}

#endif /* HUGEMEM_TEST_NIC_TEST_COMMON_H */
