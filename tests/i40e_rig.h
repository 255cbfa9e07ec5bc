/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the i40e tests share (tests/test_i40e.c, tests/test_i40e_vec.c): a NIC
 * on the second node with a pool and one queue ("rig"), the queue's validator
 * and the mbuf conservation equation as assertions, packets flattened for
 * comparison, seeded generators, and the vector path's instruction sets.
 * Include after helpers.h and hugemem/hugemem.h.
 */
#ifndef HM_TEST_I40E_RIG_H
#define HM_TEST_I40E_RIG_H

#include <stdio.h>
#include <string.h>

#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

/* Vector path: the instruction set the helpers below set queues up with. */
static enum hm_i40e_vec_isa vec_isa = HM_I40E_VEC_AUTO;

/* 1 when this CPU runs the vector path with @p isa. */
static inline int
isa_ok(int isa)
{
#if defined(__x86_64__) || defined(__i386__)
	return isa == HM_I40E_VEC_AVX2 ? __builtin_cpu_supports("avx2")
				       : __builtin_cpu_supports("sse4.2");
#else
	(void)isa;
	return 0;
#endif
}

/* @p body once per vector instruction set this CPU has. */
#define FOR_EACH_VEC_ISA(body)                                                   \
	for (int isa_ = HM_I40E_VEC_SSE42; isa_ <= HM_I40E_VEC_AVX2; isa_++)     \
		if (isa_ok(isa_)) {                                              \
			vec_isa = (enum hm_i40e_vec_isa)isa_;                    \
			body;                                                    \
		}

static inline void
assert_rxq_valid(const struct hm_i40e_rxq *rxq)
{
	const char *why = NULL;
	if (hm_i40e_rxq_check(rxq, &why) != 0)
		fail_msg("rxq check: %s", why != NULL ? why : "?");
}

/* pool size == available + held by the queue + @p out delivered and not freed */
static inline void
assert_conserved(struct hm_mempool *mp, const struct hm_i40e_rxq *rxq, unsigned int out,
		 unsigned int size)
{
	struct hm_i40e_rxq_info info;
	assert_int_equal(hm_i40e_rxq_info_get(rxq, &info), 0);
	assert_int_equal(hm_mempool_avail_count(mp) + info.held + out, size);
}

/* Segments of @p n packets. */
static inline unsigned int
segs_of(struct hm_mbuf **pkts, unsigned int n)
{
	unsigned int k = 0;
	for (unsigned int i = 0; i < n; i++)
		k += pkts[i]->nb_segs;
	return k;
}

/* A NIC on the second node, a pool on it, one queue. */
struct rig {
	struct hm_nic *nic;
	struct hm_mempool *mp;
	struct hm_i40e_rxq *rxq;
	unsigned int pool_n;
};

static inline void
rig_init(struct rig *r, unsigned int pool_n, uint16_t data_room, const struct hm_i40e_rxq_conf *qc_,
	 unsigned int max_chain)
{
	struct hm_i40e_rxq_conf qcv = *qc_, *qc = &qcv;
	struct hm_i40e_rxq_info info;
	struct hm_nic_conf nc;
	char name[32];

	if (qc->path == HM_I40E_RX_VECTOR)
		qc->vec_isa = vec_isa;
	memset(r, 0, sizeof(*r));
	hm_nic_conf_init(&nc);
	nc.numa_node = hm_test_node_b();
	nc.max_chain = max_chain;
	r->nic = hm_nic_create(&nc);
	assert_non_null(r->nic);
	r->pool_n = pool_n;
	snprintf(name, sizeof(name), "rx_pool%u", qc->port); /* a rig per port at once */
	r->mp = hm_pktmbuf_pool_create(name, pool_n, 0, 0, data_room, hm_test_node_b());
	assert_non_null(r->mp);
	r->rxq = hm_i40e_rxq_setup(r->nic, 0, r->mp, qc);
	assert_non_null(r->rxq);
	assert_rxq_valid(r->rxq);
	assert_int_equal(hm_i40e_rxq_info_get(r->rxq, &info), 0);
	assert_int_equal(info.vec_isa, qc->path == HM_I40E_RX_VECTOR ? vec_isa : HM_I40E_VEC_AUTO);
	assert_int_equal(hm_i40e_rxq_start(r->rxq), 0);
	assert_rxq_valid(r->rxq);
	assert_conserved(r->mp, r->rxq, 0, pool_n);
}

static inline void
rig_fini(struct rig *r)
{
	assert_int_equal(hm_i40e_rxq_stop(r->rxq), 0);
	assert_rxq_valid(r->rxq);
	assert_int_equal(hm_mempool_avail_count(r->mp), r->pool_n);
	hm_i40e_rxq_release(r->rxq);
	hm_nic_free(r->nic);
	assert_int_equal(hm_mempool_free(r->mp), 0);
}

/* Copy a packet (any number of segments) into @p buf; @return its length. */
static inline size_t
flatten(const struct hm_mbuf *m, uint8_t *buf, size_t cap)
{
	size_t off = 0;
	unsigned int segs = 0;

	for (const struct hm_mbuf *s = m; s != NULL; s = s->next, segs++) {
		assert_true(off + s->data_len <= cap);
		memcpy(buf + off, hm_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		off += s->data_len;
	}
	assert_int_equal(segs, m->nb_segs);
	assert_int_equal(off, m->pkt_len);
	return off;
}

static inline struct hm_traffic_gen *
gen_make(uint64_t seed, uint32_t min, uint32_t max)
{
	struct hm_traffic_gen_conf gc;

	hm_traffic_gen_conf_init(&gc);
	gc.seed = seed;
	gc.size_mode = min == max ? HM_TRAFFIC_SIZE_FIXED : HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = min;
	gc.size_max = max;
	gc.flows = 64;
	gc.proto = HM_TRAFFIC_MIXED;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&gc);
	assert_non_null(g);
	return g;
}

#endif
