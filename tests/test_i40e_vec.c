/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The i40e vector path against the bulk path as a model, packet by packet, on
 * every instruction set the CPU has and under every hostile write-back mode of
 * the NIC (the rest of the vector path's conformance runs in test_i40e.c with
 * the other paths). Topologies are emu topology strings, which
 * hm_test_init_cfg turns into caps on the machine under hugetlbfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "i40e_rig.h"

static int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "i40e_vec";
	c.topology = "nodes=2;2M=64,64;lcores=0@0,1@1";
	return hm_test_init_cfg(&c);
}

/* Descriptors a queue has dealt with: delivered or dropped. */
static uint64_t
dealt_with(const struct hm_i40e_rxq *q)
{
	struct hm_i40e_rxq_stats st;

	assert_int_equal(hm_i40e_rxq_stats_get(q, &st), 0);
	return st.packets + st.rx_errors + st.rx_bad_len + st.rx_no_eof;
}

/* Receive in bursts of @p w until the queue makes no more progress (a burst
 * of drops returns 0 having moved on); at most 96 + w packets. */
static uint16_t
drain(struct hm_i40e_rxq *q, struct hm_mbuf **pkts, uint16_t w)
{
	uint16_t n = 0;

	while (n <= 96) {
		uint64_t before = dealt_with(q);
		uint16_t k = hm_i40e_rx_burst(q, pkts + n, w);

		n = (uint16_t)(n + k);
		if (k == 0 && dealt_with(q) == before)
			break;
	}
	return n;
}

/*
 * The vector path against the bulk path as a model: two devices fed the same
 * frames with the same fault injection, each side drained after every step
 * (bursts of 7 and 13 on the vector side, 32 on the bulk side). Every packet
 * has the same fields (ptype, lengths,
 * flags, vlan, the RSS hash where it is valid, port, data) and the counters
 * agree.
 */
static void
vector_matches_bulk(enum hm_nic_fault mode)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_stats sb, sv;
	struct hm_mbuf *pb[128], *pv[128];
	struct hm_traffic_gen *gb = gen_make(31, 64, 1518), *gv = gen_make(31, 64, 1518);
	unsigned int nb = 0, nv = 0, idle = 0;
	struct rig b, v;

	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = HM_I40E_RX_BULK;
	rig_init(&b, 400, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	qc.path = HM_I40E_RX_VECTOR;
	qc.port = 1; /* its own ring memzone and pool */
	rig_init(&v, 400, HM_MBUF_DEFAULT_BUF_SIZE, &qc, 1);
	assert_int_equal(hm_nic_fault_set(b.nic, mode, 5, 20000, 3), 0);
	assert_int_equal(hm_nic_fault_set(v.nic, mode, 5, 20000, 3), 0);
	for (unsigned int round = 0; idle < 4; round++) {
		uint16_t kb, kv, w = (uint16_t)(round % 2 ? 7 : 13);

		if (round < 150) {
			assert_int_equal(hm_nic_step(b.nic, hm_traffic_gen_source(gb), 24), 24);
			assert_int_equal(hm_nic_step(v.nic, hm_traffic_gen_source(gv), 24), 24);
		} else {
			assert_true(hm_nic_flush(b.nic) >= 0);
			assert_true(hm_nic_flush(v.nic) >= 0);
		}
		/* each side drains all it can: the paths return in different
		 * chunks (the bulk one stops a burst at a drop), not other packets */
		kb = drain(b.rxq, pb, 32);
		kv = drain(v.rxq, pv, w);
		assert_int_equal(kv, kb);
		for (uint16_t i = 0; i < kb; i++) {
			const struct hm_mbuf *x = pb[i], *y = pv[i];

			assert_int_equal(y->packet_type, x->packet_type);
			assert_int_equal(y->pkt_len, x->pkt_len);
			assert_int_equal(y->data_len, x->data_len);
			assert_int_equal(y->data_off, x->data_off);
			assert_int_equal(y->ol_flags, x->ol_flags);
			assert_int_equal(y->vlan_tci, x->vlan_tci);
			assert_int_equal(x->port, 0);
			assert_int_equal(y->port, 1);
			assert_int_equal(y->nb_segs, 1);
			assert_int_equal(hm_mbuf_refcnt_read(y), 1);
			assert_null(y->next);
			if (x->ol_flags & HM_MBUF_F_RX_RSS_HASH)
				assert_int_equal(y->hash.rss, x->hash.rss);
			assert_memory_equal(hm_pktmbuf_mtod(y, void *), hm_pktmbuf_mtod(x, void *),
					    x->data_len);
		}
		hm_pktmbuf_free_bulk(pb, kb);
		hm_pktmbuf_free_bulk(pv, kv);
		nb += kb;
		nv += kv;
		idle = round >= 150 && kb == 0 ? idle + 1 : 0;
	}
	assert_int_equal(hm_i40e_rxq_stats_get(b.rxq, &sb), 0);
	assert_int_equal(hm_i40e_rxq_stats_get(v.rxq, &sv), 0);
	assert_int_equal(nv, nb);
	assert_int_equal(sv.packets, sb.packets);
	assert_int_equal(sv.bytes, sb.bytes);
	assert_int_equal(sv.rx_errors, sb.rx_errors);
	assert_int_equal(sv.rx_bad_len, sb.rx_bad_len);
	assert_int_equal(sv.rx_no_eof, sb.rx_no_eof);
	assert_int_equal(sv.rx_nombuf, 0);
	hm_traffic_gen_free(gb);
	hm_traffic_gen_free(gv);
	rig_fini(&b);
	rig_fini(&v);
}

static void
test_i40e_vector_matches_bulk(void **state)
{
	(void)state;
	for (int m = 0; m < HM_NIC_FAULT_COUNT; m++)
		FOR_EACH_VEC_ISA(vector_matches_bulk((enum hm_nic_fault)m));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_i40e_vector_matches_bulk, setup_emu,
						hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
