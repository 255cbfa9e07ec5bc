/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * i40e TX driver conformance (sim/i40e/i40e_tx.c over the stepped fake NIC):
 * invalid arguments; i40e's threshold rules against a model written from
 * DPDK's; random packets (1..8 segments) through both paths over many ring
 * wraps, each frame the device sends compared byte for byte with what was
 * handed over, the queue's invariants and mbuf conservation after every burst
 * (pool available + held by the queue + held by the test == pool size);
 * exact completion and freeing (RS blocks, done_cleanup, descriptor status);
 * every refused packet freed and counted; offloads from ol_flags; a wrong
 * IOVA counted by the device; a full ring; every hostile write-back mode of
 * the device; RX -> TX -> RX loops over three NICs with the pool back to its
 * start; placement on the NIC's node; the validator.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_tx.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/traffic.h"
#include "tx_capture.h"

static const char *const TOPO = "nodes=2;2M=64,64;lcores=0@0,1@1";

static int
setup_emu(void **state)
{
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.file_prefix = "i40etx";
	c.topology = TOPO;
	return hm_test_init_cfg(&c);
}

static void
assert_txq_valid(const struct hm_i40e_txq *txq)
{
	const char *why = NULL;
	if (hm_i40e_txq_check(txq, &why) != 0)
		fail_msg("txq check: %s", why != NULL ? why : "?");
}

static void
assert_nic_valid(const struct hm_nic *nic)
{
	const char *why = NULL;
	if (hm_nic_check(nic, &why) != 0)
		fail_msg("nic check: %s (%s)", why != NULL ? why : "?", hm_last_error());
}

static unsigned int
txq_held(const struct hm_i40e_txq *txq)
{
	struct hm_i40e_txq_info info;
	assert_int_equal(hm_i40e_txq_info_get(txq, &info), 0);
	return info.held;
}

static struct hm_i40e_txq_stats
tst(const struct hm_i40e_txq *txq)
{
	struct hm_i40e_txq_stats s;
	assert_int_equal(hm_i40e_txq_stats_get(txq, &s), 0);
	return s;
}

static struct hm_nic_txq_stats
dst(const struct hm_nic *nic)
{
	struct hm_nic_txq_stats s;
	assert_int_equal(hm_nic_txq_stats_get(nic, 0, &s), 0);
	return s;
}

/* ---- a TX rig: NIC (node b), pool, one TX queue, a model sink ---- */

#define FRAME_CAP 4096u

/* Frames handed to the driver, in order, that the device must send. */
struct model {
	uint8_t (*want)[FRAME_CAP];
	uint32_t *len;
	uint32_t cap, head, n;       /* FIFO */
	bool compare;                /* order, length and content checked (off under
	                              * EARLY, which sends late frames out of order) */
	uint64_t got;
};

struct trig {
	struct hm_nic *nic;
	struct hm_mempool *mp;
	struct hm_i40e_txq *txq;
	unsigned int pool_n;
	struct model m;
	uint64_t seed;
};

static int
model_sink(void *ctx, const void *frame, size_t len)
{
	struct model *m = ctx;

	assert_true(m->n > 0);
	uint32_t wl = m->len[m->head];
	size_t expect = wl < HM_NIC_TX_MIN_WIRE ? HM_NIC_TX_MIN_WIRE : wl;
	if (m->compare) {
		assert_int_equal(len, expect);
		assert_memory_equal(frame, m->want[m->head], wl);
		for (size_t k = wl; k < len; k++)
			assert_int_equal(((const uint8_t *)frame)[k], 0);
	}
	m->head = (m->head + 1) % m->cap;
	m->n--;
	m->got++;
	return 1;
}

static void
model_push(struct model *m, const struct hm_mbuf *pkt)
{
	assert_true(m->n < m->cap);
	uint32_t i = (m->head + m->n) % m->cap, off = 0;
	for (const struct hm_mbuf *s = pkt; s != NULL; s = s->next) {
		assert_true(off + s->data_len <= FRAME_CAP);
		memcpy(m->want[i] + off, hm_pktmbuf_mtod(s, const uint8_t *), s->data_len);
		off += s->data_len;
	}
	m->len[i] = off;
	m->n++;
}

static void
trig_init(struct trig *r, unsigned int pool_n, const struct hm_i40e_txq_conf *qc)
{
	struct hm_nic_conf nc;

	memset(r, 0, sizeof(*r));
	r->seed = hm_test_seed();
	hm_nic_conf_init(&nc);
	nc.numa_node = hm_test_node_b();
	nc.delay_frames = 8;
	r->nic = hm_nic_create(&nc);
	assert_non_null(r->nic);
	r->pool_n = pool_n;
	r->mp = hm_pktmbuf_pool_create("tx_pool", pool_n, 0, 0, 2048 + 128, hm_test_node_b());
	assert_non_null(r->mp);
	r->txq = hm_i40e_txq_setup(r->nic, 0, qc);
	assert_non_null(r->txq);
	assert_txq_valid(r->txq);
	assert_int_equal(hm_i40e_txq_start(r->txq), 0);
	assert_txq_valid(r->txq);
	r->m.cap = 4096;
	r->m.want = malloc((size_t)r->m.cap * FRAME_CAP);
	r->m.len = calloc(r->m.cap, sizeof(uint32_t));
	assert_non_null(r->m.want);
	assert_non_null(r->m.len);
	r->m.compare = true;
	struct hm_nic_sink s;
	memset(&s, 0, sizeof(s));
	s.kind = HM_NIC_SINK_FUNC;
	s.fn = model_sink;
	s.ctx = &r->m;
	assert_int_equal(hm_nic_tx_sink_set(r->nic, &s), 0);
}

static void
trig_fini(struct trig *r)
{
	assert_int_equal(hm_i40e_txq_stop(r->txq), 0);
	assert_txq_valid(r->txq);
	assert_int_equal(hm_mempool_avail_count(r->mp), r->pool_n);
	hm_i40e_txq_release(r->txq);
	hm_nic_free(r->nic);
	assert_int_equal(hm_mempool_free(r->mp), 0);
	free(r->m.want);
	free(r->m.len);
}

/* A packet of @p segs segments, random sizes (first >= @p first_min), random bytes. */
static struct hm_mbuf *
make_pkt(struct trig *r, unsigned int segs, uint32_t max_seg, uint32_t first_min)
{
	struct hm_mbuf *head = NULL, *last = NULL;

	for (unsigned int k = 0; k < segs; k++) {
		struct hm_mbuf *m = hm_pktmbuf_alloc(r->mp);
		assert_non_null(m);
		uint32_t len = 1 + (uint32_t)(hm_test_rand(&r->seed) % max_seg);
		if (k == 0 && len < first_min)
			len = first_min;
		uint8_t *p = (uint8_t *)hm_pktmbuf_append(m, (uint16_t)len);
		assert_non_null(p);
		for (uint32_t i = 0; i < len; i++)
			p[i] = (uint8_t)hm_test_rand(&r->seed);
		if (head == NULL) {
			head = m;
		} else {
			assert_int_equal(hm_pktmbuf_chain(head, m), 0);
		}
		last = m;
	}
	(void)last;
	return head;
}

static unsigned int
segs_of(struct hm_mbuf *const *pkts, unsigned int n)
{
	unsigned int k = 0;
	for (unsigned int i = 0; i < n; i++)
		k += pkts[i]->nb_segs;
	return k;
}

/* pool size == available + held by the queue + @p out segments the test holds */
static void
assert_conserved(const struct trig *r, unsigned int out)
{
	assert_int_equal(hm_mempool_avail_count(r->mp) + txq_held(r->txq) + out, r->pool_n);
}

/*
 * Send @p total random packets through the driver with random bursts, the
 * device stepped by random amounts; every frame checked by the model sink.
 * @return how many the device took (the rest are held by the device when it
 * never completes them, e.g. every write-back lost).
 */
static void
run_model(struct trig *r, unsigned int total, unsigned int max_segs, bool drain)
{
	struct hm_mbuf *pend[64];
	unsigned int npend = 0, made = 0;

	while (made < total || npend > 0) {
		unsigned int want = 1 + (unsigned int)(hm_test_rand(&r->seed) % 64);
		while (npend < want && made < total) {
			unsigned int segs = 1 + (unsigned int)(hm_test_rand(&r->seed) % max_segs);
			pend[npend] = make_pkt(r, segs, max_segs > 1 ? 500 : 1500, 17);
			model_push(&r->m, pend[npend]);
			npend++;
			made++;
		}
		uint16_t k = hm_i40e_tx_burst(r->txq, pend, (uint16_t)npend);
		assert_true(k <= npend);
		memmove(pend, pend + k, sizeof(pend[0]) * (npend - k));
		npend -= k;
		assert_txq_valid(r->txq);
		assert_conserved(r, segs_of(pend, npend));
		int stepped = hm_nic_txq_step(r->nic, 0,
					      (unsigned int)(hm_test_rand(&r->seed) % (k == 0 ? 65 : 48)));
		assert_true(stepped >= 0);
		if (k == 0 && stepped == 0 && npend > 0) {
			if (!drain)
				break;
			/* nothing moves: land held write-backs so the driver can clean */
			hm_nic_tx_flush(r->nic);
			(void)hm_nic_txq_step(r->nic, 0, 1000);
			(void)hm_i40e_tx_done_cleanup(r->txq, 0);
		}
		assert_nic_valid(r->nic);
	}
	for (unsigned int i = 0; i < npend; i++)
		hm_pktmbuf_free(pend[i]);
	while (hm_nic_txq_step(r->nic, 0, 1000) > 0)
		;
	hm_nic_tx_flush(r->nic);
	assert_nic_valid(r->nic);
	assert_txq_valid(r->txq);
}

/* ------------------------------------------------------------------ */

static void
test_i40e_tx_invalid_args(void **state)
{
	struct hm_i40e_txq_conf qc;
	struct hm_i40e_txq_stats st;
	struct hm_i40e_txq_info info;
	struct hm_mbuf *pkts[4] = { NULL };
	enum hm_i40e_tx_path p;
	(void)state;

	struct hm_nic *nic = hm_nic_create(&(struct hm_nic_conf){ .nb_queues = 2, .rss = true,
				.max_frame = 9728, .max_chain = 5, .delay_frames = 4 });
	assert_non_null(nic);
	hm_test_quiet_log();
	hm_i40e_txq_conf_init(NULL); /* no-op */
	hm_i40e_txq_conf_init(&qc);
	assert_int_equal(qc.nb_desc, 1024);
	assert_null(hm_i40e_txq_setup(NULL, 0, &qc));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_i40e_txq_setup(nic, 0, NULL));
	assert_null(hm_i40e_txq_setup(nic, 2, &qc));
	unsigned int bad_nb[] = { 0, 32, 63, 65, 4097, 4128 };
	for (size_t i = 0; i < sizeof(bad_nb) / sizeof(bad_nb[0]); i++) {
		hm_i40e_txq_conf_init(&qc);
		qc.nb_desc = bad_nb[i];
		assert_null(hm_i40e_txq_setup(nic, 0, &qc));
		assert_int_equal(hm_errno, EINVAL);
	}
	hm_i40e_txq_conf_init(&qc);
	qc.offloads = 1ULL << 5; /* QINQ_INSERT: not modelled */
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	hm_i40e_txq_conf_init(&qc);
	qc.path = (enum hm_i40e_tx_path)7;
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	hm_i40e_txq_conf_init(&qc);
	qc.path = HM_I40E_TX_SIMPLE;
	qc.offloads = HM_I40E_TX_OFFLOAD_VLAN_INSERT; /* simple: no offloads */
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	qc.offloads = HM_I40E_TX_OFFLOAD_MBUF_FAST_FREE;
	qc.tx_rs_thresh = 16; /* simple: tx_rs_thresh >= 32 */
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	hm_i40e_txq_conf_init(&qc);
	qc.max_pkt_len = 16;
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	qc.max_pkt_len = 9729;
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	/* nothing was left behind by the refusals */
	assert_null(hm_memzone_lookup("eth_p0_q0_tx_ring"));
	hm_i40e_txq_conf_init(&qc);
	struct hm_i40e_txq *txq = hm_i40e_txq_setup(nic, 0, &qc);
	assert_non_null(txq);
	assert_null(hm_i40e_txq_setup(nic, 0, &qc)); /* same port and queue */
	assert_int_equal(hm_errno, EEXIST);
	/* stopped queue */
	struct hm_mempool *mp = hm_pktmbuf_pool_create("inv", 64, 0, 0, 2176, 0);
	assert_non_null(mp);
	pkts[0] = hm_pktmbuf_alloc(mp);
	assert_non_null(hm_pktmbuf_append(pkts[0], 64));
	assert_int_equal(hm_i40e_tx_burst(txq, pkts, 1), 0);
	assert_int_equal(hm_i40e_tx_burst(NULL, pkts, 1), 0);
	assert_int_equal(hm_i40e_tx_done_cleanup(txq, 0), -ENODEV);
	assert_int_equal(hm_i40e_tx_done_cleanup(NULL, 0), -EINVAL);
	assert_int_equal(hm_i40e_tx_desc_status(txq, 0), -ENODEV);
	assert_int_equal(hm_i40e_txq_stop(txq), 0); /* stopping a stopped queue */
	assert_int_equal(hm_i40e_txq_start(NULL), -EINVAL);
	assert_int_equal(hm_i40e_txq_stop(NULL), -EINVAL);
	assert_int_equal(hm_i40e_txq_start(txq), 0);
	assert_int_equal(hm_i40e_txq_start(txq), -EALREADY);
	assert_int_equal(hm_i40e_tx_burst(txq, NULL, 1), 0);
	/* the other path's function sends nothing */
	assert_int_equal(hm_i40e_xmit_pkts(txq, pkts, 1), 0);
	assert_int_equal(hm_i40e_tx_desc_status(NULL, 0), -EINVAL);
	assert_int_equal(hm_i40e_tx_desc_status(txq, 1024), -EINVAL);
	assert_int_equal(hm_i40e_tx_desc_status(txq, 0), HM_I40E_TX_DESC_DONE);
	assert_int_equal(hm_i40e_txq_stats_get(NULL, &st), -EINVAL);
	assert_int_equal(hm_i40e_txq_stats_get(txq, NULL), -EINVAL);
	assert_int_equal(hm_i40e_txq_info_get(NULL, &info), -EINVAL);
	assert_int_equal(hm_i40e_txq_info_get(txq, NULL), -EINVAL);
	assert_int_equal(hm_i40e_txq_check(NULL, NULL), -EINVAL);
	assert_null(hm_i40e_tx_path_name((enum hm_i40e_tx_path)3));
	assert_string_equal(hm_i40e_tx_path_name(HM_I40E_TX_SIMPLE), "simple");
	assert_int_equal(hm_i40e_tx_path_parse("scalar", &p), 0);
	assert_int_equal(p, HM_I40E_TX_SCALAR);
	assert_int_equal(hm_i40e_tx_path_parse("vector", &p), -EINVAL);
	assert_int_equal(hm_i40e_tx_path_parse(NULL, &p), -EINVAL);
	assert_int_equal(hm_i40e_tx_path_parse("auto", NULL), -EINVAL);
	assert_txq_valid(txq);
	hm_pktmbuf_free(pkts[0]);
	hm_i40e_txq_release(txq);
	hm_i40e_txq_release(NULL);
	assert_null(hm_memzone_lookup("eth_p0_q0_tx_ring"));
	hm_nic_free(nic);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* DPDK's rules, written from i40e_dev_tx_queue_setup, as the model. */
static bool
model_thresh(unsigned int nb, unsigned int rs_in, unsigned int free_in, unsigned int wt,
	     unsigned int *rs_out, unsigned int *free_out)
{
	unsigned int fr = free_in ? free_in : 32;
	unsigned int rs = 32 + fr > nb ? nb - fr : 32;

	if (fr > nb)
		return false;
	if (rs_in)
		rs = rs_in;
	if (rs + fr > nb || rs >= nb - 2 || fr >= nb - 3 || rs > fr || rs == 0 || nb % rs != 0 ||
	    (rs > 1 && wt != 0))
		return false;
	*rs_out = rs;
	*free_out = fr;
	return true;
}

static void
test_i40e_tx_thresholds(void **state)
{
	unsigned int nbs[] = { 64, 96, 128, 1024, 4096 };
	unsigned int vals[] = { 0, 1, 2, 8, 16, 24, 30, 31, 32, 33, 40, 48, 60, 61, 62, 64, 100,
				128, 500, 1000, 1021, 2048, 4093, 5000, 70000 };
	unsigned int ok = 0, refused = 0;
	(void)state;

	struct hm_nic *nic = hm_nic_create(&(struct hm_nic_conf){ .nb_queues = 1, .rss = true,
				.max_frame = 9728, .max_chain = 5, .delay_frames = 4 });
	assert_non_null(nic);
	hm_test_quiet_log();
	for (size_t a = 0; a < sizeof(nbs) / sizeof(nbs[0]); a++)
		for (size_t b = 0; b < sizeof(vals) / sizeof(vals[0]); b++)
			for (size_t c = 0; c < sizeof(vals) / sizeof(vals[0]); c++)
				for (unsigned int wt = 0; wt < 2; wt++) {
					struct hm_i40e_txq_conf qc;
					unsigned int rs, fr;
					hm_i40e_txq_conf_init(&qc);
					qc.nb_desc = nbs[a];
					qc.tx_rs_thresh = vals[b];
					qc.tx_free_thresh = vals[c];
					qc.wthresh = wt;
					qc.path = HM_I40E_TX_SCALAR;
					bool want = model_thresh(nbs[a], vals[b], vals[c], wt, &rs, &fr);
					struct hm_i40e_txq *txq = hm_i40e_txq_setup(nic, 0, &qc);
					if (!want) {
						if (txq != NULL)
							fail_msg("nb %u rs %u free %u wt %u accepted",
								 nbs[a], vals[b], vals[c], wt);
						assert_int_equal(hm_errno, EINVAL);
						refused++;
						continue;
					}
					if (txq == NULL)
						fail_msg("nb %u rs %u free %u wt %u refused: %s", nbs[a],
							 vals[b], vals[c], wt, hm_last_error());
					struct hm_i40e_txq_info info;
					assert_int_equal(hm_i40e_txq_info_get(txq, &info), 0);
					assert_int_equal(info.tx_rs_thresh, rs);
					assert_int_equal(info.tx_free_thresh, fr);
					hm_i40e_txq_release(txq);
					ok++;
				}
	assert_true(ok > 50);
	assert_true(refused > 500);
	/* i40e's documented defaults */
	struct hm_i40e_txq_conf qc;
	struct hm_i40e_txq_info info;
	hm_i40e_txq_conf_init(&qc);
	struct hm_i40e_txq *txq = hm_i40e_txq_setup(nic, 0, &qc);
	assert_non_null(txq);
	assert_int_equal(hm_i40e_txq_info_get(txq, &info), 0);
	assert_int_equal(info.tx_rs_thresh, 32);
	assert_int_equal(info.tx_free_thresh, 32);
	assert_int_equal(info.path, HM_I40E_TX_SIMPLE);
	hm_i40e_txq_release(txq);
	/* an aggressive tx_free_thresh forces tx_rs_thresh down: 64 - 40 = 24 does not divide 64 */
	qc.nb_desc = 64;
	qc.tx_free_thresh = 40;
	assert_null(hm_i40e_txq_setup(nic, 0, &qc));
	assert_non_null(strstr(hm_last_error(), "divisor"));
	qc.nb_desc = 96; /* 32 + 72 > 96: 96 - 72 = 24, which divides 96 */
	qc.tx_free_thresh = 72;
	txq = hm_i40e_txq_setup(nic, 0, &qc);
	assert_non_null(txq);
	assert_int_equal(hm_i40e_txq_info_get(txq, &info), 0);
	assert_int_equal(info.tx_rs_thresh, 24);
	hm_i40e_txq_release(txq);
	hm_nic_free(nic);
}

/* Both paths, several geometries: every frame byte for byte, invariants and
 * conservation after every burst, over many wraps. */
static void
test_i40e_tx_model(void **state)
{
	struct {
		enum hm_i40e_tx_path path;
		unsigned int nb, rs, fr, segs;
	} cases[] = {
		{ HM_I40E_TX_SCALAR, 256, 32, 32, 8 },
		{ HM_I40E_TX_SCALAR, 64, 16, 32, 8 },
		{ HM_I40E_TX_SCALAR, 64, 1, 8, 3 },
		{ HM_I40E_TX_SCALAR, 128, 32, 64, 1 },
		{ HM_I40E_TX_SIMPLE, 128, 32, 64, 1 },
		{ HM_I40E_TX_SIMPLE, 64, 32, 32, 1 },
		{ HM_I40E_TX_SIMPLE, 1024, 0, 0, 1 },
	};
	(void)state;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct hm_i40e_txq_conf qc;
		struct trig r;
		hm_i40e_txq_conf_init(&qc);
		qc.path = cases[c].path;
		qc.nb_desc = cases[c].nb;
		qc.tx_rs_thresh = cases[c].rs;
		qc.tx_free_thresh = cases[c].fr;
		if (cases[c].segs > 1)
			qc.offloads = HM_I40E_TX_OFFLOAD_MULTI_SEGS;
		trig_init(&r, 2048, &qc);
		unsigned int total = 6 * cases[c].nb + 500;
		run_model(&r, total, cases[c].segs, true);
		assert_int_equal(r.m.got, total);
		assert_int_equal(r.m.n, 0);
		struct hm_i40e_txq_stats st = tst(r.txq);
		assert_int_equal(st.packets, total);
		assert_int_equal(st.tx_bad, 0);
		assert_int_equal(st.wb_implied, 0);
		assert_int_equal(dst(r.nic).packets, total);
		trig_fini(&r);
	}
}

/* Completion: nothing freed before its RS descriptor reads done; a block at a time. */
static void
test_i40e_tx_completion(void **state)
{
	struct hm_i40e_txq_conf qc;
	struct hm_mbuf *pkts[64];
	struct trig r;
	(void)state;

	/* simple: RS on slot 31, 63, ... */
	hm_i40e_txq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.tx_rs_thresh = 32;
	qc.tx_free_thresh = 32;
	trig_init(&r, 256, &qc);
	for (int i = 0; i < 31; i++) {
		pkts[i] = make_pkt(&r, 1, 200, 60);
		model_push(&r.m, pkts[i]);
	}
	assert_int_equal(hm_i40e_tx_burst(r.txq, pkts, 31), 31);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 64), 31);
	assert_int_equal(hm_i40e_tx_done_cleanup(r.txq, 0), 0); /* no RS yet */
	assert_int_equal(txq_held(r.txq), 31);
	assert_int_equal(hm_i40e_tx_desc_status(r.txq, 40), HM_I40E_TX_DESC_FULL);
	pkts[0] = make_pkt(&r, 1, 200, 60);
	model_push(&r.m, pkts[0]);
	assert_int_equal(hm_i40e_tx_burst(r.txq, pkts, 1), 1);
	assert_int_equal(hm_i40e_tx_done_cleanup(r.txq, 0), 0); /* not sent yet */
	assert_int_equal(hm_i40e_tx_desc_status(r.txq, 40), HM_I40E_TX_DESC_FULL);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 64), 1);
	assert_int_equal(hm_i40e_tx_desc_status(r.txq, 40), HM_I40E_TX_DESC_DONE);
	assert_int_equal(txq_held(r.txq), 32);
	assert_int_equal(hm_i40e_tx_done_cleanup(r.txq, 0), 32);
	assert_int_equal(txq_held(r.txq), 0);
	assert_int_equal(hm_mempool_avail_count(r.mp), r.pool_n);
	assert_int_equal(tst(r.txq).freed, 32);
	assert_txq_valid(r.txq);
	trig_fini(&r);

	/* scalar, 3-segment packets: RS on the last descriptor of the packet that
	 * makes 32 used (the 11th: descriptors 30..32) */
	hm_i40e_txq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.tx_rs_thresh = 32;
	qc.tx_free_thresh = 32;
	qc.offloads = HM_I40E_TX_OFFLOAD_MULTI_SEGS;
	trig_init(&r, 256, &qc);
	for (int i = 0; i < 12; i++) {
		pkts[i] = make_pkt(&r, 3, 200, 60);
		model_push(&r.m, pkts[i]);
	}
	assert_int_equal(hm_i40e_tx_burst(r.txq, pkts, 12), 12);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 64), 12);
	assert_int_equal(txq_held(r.txq), 36);
	assert_int_equal(hm_i40e_tx_done_cleanup(r.txq, 1), 11);
	assert_int_equal(txq_held(r.txq), 3);
	assert_int_equal(hm_i40e_tx_done_cleanup(r.txq, 0), 0); /* the 12th has no RS */
	assert_txq_valid(r.txq);
	trig_fini(&r);
}

/* Refused packets are consumed, freed and counted; the good ones around them go out in order. */
static void
test_i40e_tx_refused(void **state)
{
	struct hm_i40e_txq_conf qc;
	struct hm_mbuf *pkts[16];
	struct trig r;
	(void)state;

	hm_i40e_txq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.offloads = HM_I40E_TX_OFFLOAD_MULTI_SEGS;
	qc.max_pkt_len = 1200;
	trig_init(&r, 512, &qc);
	unsigned int n = 0, bad = 0;
#define GOOD() do { pkts[n] = make_pkt(&r, 2, 300, 60); model_push(&r.m, pkts[n]); n++; } while (0)
	GOOD();
	pkts[n++] = make_pkt(&r, 9, 100, 17), bad++;              /* 9 segments */
	GOOD();
	pkts[n] = make_pkt(&r, 2, 100, 17), pkts[n++]->nb_segs = 3, bad++; /* nb_segs lies */
	pkts[n] = make_pkt(&r, 2, 100, 17), pkts[n++]->pkt_len += 1, bad++; /* pkt_len lies */
	pkts[n] = make_pkt(&r, 2, 100, 17);                       /* an empty segment */
	pkts[n]->next->data_len = 0;
	pkts[n]->pkt_len = pkts[n]->data_len;
	n++, bad++;
	pkts[n++] = make_pkt(&r, 1, 16, 16), bad++;               /* 16 bytes */
	pkts[n++] = make_pkt(&r, 1, 1, 1201), bad++;              /* > max_pkt_len 1200 */
	pkts[n] = make_pkt(&r, 1, 100, 60), pkts[n++]->ol_flags |= HM_MBUF_F_TX_TCP_SEG, bad++;
	pkts[n] = make_pkt(&r, 1, 100, 60), pkts[n++]->ol_flags |= HM_MBUF_F_TX_QINQ, bad++;
	GOOD();
	pkts[n] = make_pkt(&r, 1, 100, 17);                        /* 17 bytes: fine */
	pkts[n]->data_len = pkts[n]->pkt_len = 17;
	model_push(&r.m, pkts[n]);
	n++;
#undef GOOD
	assert_int_equal(hm_i40e_tx_burst(r.txq, pkts, (uint16_t)n), n);
	assert_int_equal(tst(r.txq).tx_bad, bad);
	assert_int_equal(tst(r.txq).packets, n - bad);
	assert_conserved(&r, 0);
	assert_txq_valid(r.txq);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 64), (int)(n - bad));
	assert_int_equal(r.m.n, 0);
	assert_int_equal(dst(r.nic).malformed, 0);
	trig_fini(&r);

	/* simple path: chained packets and length disagreements are refused */
	hm_i40e_txq_conf_init(&qc);
	qc.nb_desc = 128;
	trig_init(&r, 256, &qc);
	n = 0;
	pkts[n] = make_pkt(&r, 1, 100, 60);
	model_push(&r.m, pkts[n++]);
	pkts[n++] = make_pkt(&r, 2, 100, 60);
	pkts[n] = make_pkt(&r, 1, 100, 60), pkts[n++]->pkt_len += 4;
	pkts[n] = make_pkt(&r, 1, 100, 60);
	model_push(&r.m, pkts[n++]);
	assert_int_equal(hm_i40e_tx_burst(r.txq, pkts, (uint16_t)n), n);
	assert_int_equal(tst(r.txq).tx_bad, 2);
	assert_conserved(&r, 0);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 64), 2);
	assert_int_equal(r.m.n, 0);
	trig_fini(&r);
}

/* ol_flags: VLAN insertion, IPv4 header and TCP/UDP checksums completed by the device. */
static void
test_i40e_tx_offloads(void **state)
{
	struct hm_i40e_txq_conf qc;
	struct trig r;
	uint8_t f[1600];
	(void)state;

	hm_i40e_txq_conf_init(&qc);
	qc.offloads = HM_I40E_TX_OFFLOAD_VLAN_INSERT | HM_I40E_TX_OFFLOAD_IPV4_CKSUM |
		      HM_I40E_TX_OFFLOAD_UDP_CKSUM | HM_I40E_TX_OFFLOAD_TCP_CKSUM;
	trig_init(&r, 256, &qc);
	struct hm_i40e_txq_info info;
	assert_int_equal(hm_i40e_txq_info_get(r.txq, &info), 0);
	assert_int_equal(info.path, HM_I40E_TX_SCALAR); /* offloads rule the simple path out */
	struct hm_traffic_gen_conf gc;
	hm_traffic_gen_conf_init(&gc);
	gc.seed = 77;
	gc.flows = 32;
	gc.proto = HM_TRAFFIC_MIXED;
	gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = 64;
	gc.size_max = 1400;
	struct hm_traffic_gen *gen = hm_traffic_gen_create(&gc);
	assert_non_null(gen);
	for (int k = 0; k < 64; k++) {
		int len = hm_traffic_gen_next(gen, f, sizeof(f), NULL);
		struct hm_traffic_info fi;
		assert_int_equal(hm_traffic_parse(f, (size_t)len, &fi), 0);
		struct hm_mbuf *m = hm_pktmbuf_alloc(r.mp);
		uint8_t *p = (uint8_t *)hm_pktmbuf_append(m, (uint16_t)len);
		memcpy(p, f, (size_t)len);
		/* the sender's side of the contract: IP checksum 0, L4 field = pseudo-header sum */
		size_t l3 = fi.l3_off, l4 = fi.l4_off;
		p[l3 + 10] = p[l3 + 11] = 0;
		uint8_t ph[12];
		memcpy(ph, p + l3 + 12, 8);
		ph[8] = 0;
		ph[9] = fi.l4_proto;
		uint16_t l4len = (uint16_t)(((p[l3 + 2] << 8) | p[l3 + 3]) - (l4 - l3));
		ph[10] = (uint8_t)(l4len >> 8);
		ph[11] = (uint8_t)l4len;
		uint16_t psum = hm_traffic_cksum_raw(ph, sizeof(ph), 0);
		size_t field = l4 + (fi.l4_proto == 6 ? 16 : 6);
		p[field] = (uint8_t)(psum >> 8);
		p[field + 1] = (uint8_t)psum;
		m->ol_flags = HM_MBUF_F_TX_IPV4 | HM_MBUF_F_TX_IP_CKSUM |
			      (fi.l4_proto == 6 ? HM_MBUF_F_TX_TCP_CKSUM : HM_MBUF_F_TX_UDP_CKSUM);
		m->tx_offload = HM_MBUF_TX_OFFLOAD(l3, l4 - l3, 0);
		/* expected on the wire: the generator's frame (right checksums), tagged */
		uint32_t i = (r.m.head + r.m.n) % r.m.cap;
		if (k % 2 == 1) {
			m->ol_flags |= HM_MBUF_F_TX_VLAN;
			m->vlan_tci = 0x0123;
			memcpy(r.m.want[i], f, 12);
			r.m.want[i][12] = 0x81;
			r.m.want[i][13] = 0x00;
			r.m.want[i][14] = 0x01;
			r.m.want[i][15] = 0x23;
			memcpy(r.m.want[i] + 16, f + 12, (size_t)len - 12);
			r.m.len[i] = (uint32_t)len + 4;
		} else {
			memcpy(r.m.want[i], f, (size_t)len);
			r.m.len[i] = (uint32_t)len;
		}
		r.m.n++;
		assert_int_equal(hm_i40e_tx_burst(r.txq, &m, 1), 1);
		assert_int_equal(hm_nic_txq_step(r.nic, 0, 4), 1);
	}
	assert_int_equal(r.m.n, 0);
	assert_int_equal(dst(r.nic).offload_skipped, 0);
	hm_traffic_gen_free(gen);
	trig_fini(&r);
}

/* A segment whose IOVA maps nowhere: the device counts the DMA fault and sends
 * nothing; the driver still completes and frees (the reference it held). */
static void
test_i40e_tx_dma_fault(void **state)
{
	struct hm_i40e_txq_conf qc;
	struct trig r;
	(void)state;

	hm_i40e_txq_conf_init(&qc);
	qc.nb_desc = 64;
	qc.path = HM_I40E_TX_SCALAR;
	qc.tx_rs_thresh = 1;
	qc.tx_free_thresh = 8;
	trig_init(&r, 64, &qc);
	struct hm_mbuf *m = make_pkt(&r, 1, 100, 60);
	hm_iova_t good = m->buf_iova;
	hm_mbuf_refcnt_update(m, 1); /* keep it: its IOVA is restored before the last free */
	m->buf_iova = (hm_iova_t)1 << 58;
	assert_int_equal(hm_i40e_tx_burst(r.txq, &m, 1), 1);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 4), 1);
	struct hm_nic_txq_stats ds = dst(r.nic);
	assert_int_equal(ds.dma_faults, 1);
	assert_int_equal(ds.dma_errors, 1);
	assert_int_equal(ds.packets, 0);
	assert_int_equal(hm_i40e_tx_done_cleanup(r.txq, 0), 1);
	assert_int_equal(hm_mbuf_refcnt_read(m), 1);
	m->buf_iova = good;
	hm_pktmbuf_free(m);
	/* the queue goes on */
	m = make_pkt(&r, 1, 100, 60);
	model_push(&r.m, m);
	assert_int_equal(hm_i40e_tx_burst(r.txq, &m, 1), 1);
	assert_int_equal(hm_nic_txq_step(r.nic, 0, 4), 1);
	assert_int_equal(r.m.n, 0);
	trig_fini(&r);
}

/* The device never runs: the ring fills (nb_desc - 1 descriptors), then bursts
 * return short; once it runs, everything goes out in order. */
static void
test_i40e_tx_ring_full(void **state)
{
	enum hm_i40e_tx_path paths[] = { HM_I40E_TX_SCALAR, HM_I40E_TX_SIMPLE };
	struct hm_mbuf *pkts[64];
	(void)state;

	for (size_t p = 0; p < 2; p++) {
		struct hm_i40e_txq_conf qc;
		struct trig r;
		hm_i40e_txq_conf_init(&qc);
		qc.nb_desc = 128;
		qc.path = paths[p];
		trig_init(&r, 512, &qc);
		unsigned int accepted = 0;
		for (int round = 0; round < 8; round++) {
			for (int i = 0; i < 32; i++) {
				pkts[i] = make_pkt(&r, 1, 200, 60);
				model_push(&r.m, pkts[i]);
			}
			uint16_t k = hm_i40e_tx_burst(r.txq, pkts, 32);
			accepted += k;
			for (int i = k; i < 32; i++) {
				hm_pktmbuf_free(pkts[i]); /* given up: not in the model */
				r.m.n--;
			}
			assert_conserved(&r, 0);
		}
		assert_int_equal(accepted, 127);
		assert_true(tst(r.txq).ring_full > 0);
		assert_int_equal(hm_i40e_tx_desc_status(r.txq, 0), HM_I40E_TX_DESC_FULL);
		assert_int_equal(hm_nic_txq_step(r.nic, 0, 1000), 127);
		assert_int_equal(r.m.n, 0);
		assert_int_equal(hm_i40e_tx_desc_status(r.txq, 0), HM_I40E_TX_DESC_DONE);
		run_model(&r, 300, 1, true);
		assert_int_equal(r.m.n, 0);
		trig_fini(&r);
	}
}

/* Every hostile write-back mode: DELAY, LOST (recovered from a later RS),
 * SPURIOUS and CORRUPT leave every frame intact and every mbuf accounted;
 * EARLY (undetectable) keeps the accounting; all LOST stalls the queue
 * without losing track of anything. */
static void
test_i40e_tx_hostile(void **state)
{
	enum hm_nic_tx_fault modes[] = { HM_NIC_TX_FAULT_DELAY, HM_NIC_TX_FAULT_LOST,
					 HM_NIC_TX_FAULT_SPURIOUS, HM_NIC_TX_FAULT_CORRUPT,
					 HM_NIC_TX_FAULT_EARLY };
	enum hm_i40e_tx_path paths[] = { HM_I40E_TX_SCALAR, HM_I40E_TX_SIMPLE };
	(void)state;

	for (size_t p = 0; p < 2; p++)
		for (size_t f = 0; f < sizeof(modes) / sizeof(modes[0]); f++) {
			struct hm_i40e_txq_conf qc;
			struct trig r;
			hm_i40e_txq_conf_init(&qc);
			qc.nb_desc = 256;
			qc.path = paths[p];
			if (paths[p] == HM_I40E_TX_SCALAR)
				qc.offloads = HM_I40E_TX_OFFLOAD_MULTI_SEGS;
			trig_init(&r, 1024, &qc);
			r.m.compare = modes[f] != HM_NIC_TX_FAULT_EARLY;
			/* LOST: a fixed pattern, so that a ring never holds only lost write-backs */
			bool lost = modes[f] == HM_NIC_TX_FAULT_LOST;
			assert_int_equal(hm_nic_tx_fault_set(r.nic, modes[f], lost ? 5 : 3,
							     lost ? 0 : 50000, 11 + f), 0);
			unsigned int total = 2000;
			run_model(&r, total, paths[p] == HM_I40E_TX_SCALAR ? 4 : 1, true);
			assert_true(hm_nic_tx_fault_count(r.nic, modes[f]) > 0);
			assert_int_equal(r.m.got, total);
			assert_int_equal(tst(r.txq).packets, total);
			if (modes[f] == HM_NIC_TX_FAULT_LOST)
				assert_true(tst(r.txq).wb_implied > 0);
			(void)hm_i40e_tx_done_cleanup(r.txq, 0);
			assert_txq_valid(r.txq);
			trig_fini(&r);
		}

	/* every write-back lost: the queue stalls once full, nothing is lost track of */
	struct hm_i40e_txq_conf qc;
	struct trig r;
	hm_i40e_txq_conf_init(&qc);
	qc.nb_desc = 64;
	trig_init(&r, 256, &qc);
	assert_int_equal(hm_nic_tx_fault_set(r.nic, HM_NIC_TX_FAULT_LOST, 1, 0, 5), 0);
	run_model(&r, 200, 1, false);
	assert_int_equal(r.m.got, 63);
	assert_true(tst(r.txq).ring_full > 0);
	assert_int_equal(txq_held(r.txq), 63);
	assert_txq_valid(r.txq);
	r.m.n = 0; /* the packets given up are not expected any more */
	trig_fini(&r);
}

/* Placement on the NIC's node; the validator catches a tampered tail register. */
static void
test_i40e_tx_placement_and_check(void **state)
{
	struct hm_i40e_txq_conf qc;
	struct hm_i40e_txq_info info;
	struct trig r;
	const char *why = NULL;
	(void)state;

	hm_i40e_txq_conf_init(&qc);
	trig_init(&r, 64, &qc);
	assert_int_equal(hm_i40e_txq_info_get(r.txq, &info), 0);
	assert_int_equal(info.ring_node, hm_test_node_b());
	assert_int_equal(info.queue_node, hm_test_node_b());
	assert_int_equal(info.sw_ring_node, hm_test_node_b());
	assert_int_equal(info.ring_mz->len % 4096, 0);
	assert_int_equal(info.ring_mz->iova % HM_I40E_RING_BASE_ALIGN, 0);
	uint32_t *tail = hm_nic_tx_tail_reg(r.nic, 0);
	hm_nic_tail_write(tail, 5);
	assert_int_equal(hm_i40e_txq_check(r.txq, &why), -EFAULT);
	assert_non_null(strstr(why, "tail"));
	hm_nic_tail_write(tail, 0);
	assert_txq_valid(r.txq);
	trig_fini(&r);
}

/* ---- RX -> TX -> RX ---- */

struct fwd_nic {
	struct hm_nic *nic;
	struct hm_i40e_rxq *rxq;
	struct hm_i40e_txq *txq;
};

/*
 * Three NICs: A receives generated traffic, the test forwards every packet to
 * B's TX queue, B's sink loops into C's RX, C's packets are verified and
 * freed. One pool serves both RX queues and carries the forwarded mbufs; at
 * the end it is back at its start.
 */
static void
test_i40e_tx_forward_loop(void **state)
{
	enum hm_i40e_tx_path paths[] = { HM_I40E_TX_SCALAR, HM_I40E_TX_SIMPLE };
	struct hm_mbuf *pkts[64];
	enum { N = 6000 };
	(void)state;

	for (size_t p = 0; p < 2; p++) {
		struct fwd_nic a, b, c;
		struct hm_nic_conf nc;
		struct hm_i40e_rxq_conf rq;
		struct hm_i40e_txq_conf tq;
		hm_nic_conf_init(&nc);
		nc.numa_node = hm_test_node_b();
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		memset(&c, 0, sizeof(c));
		a.nic = hm_nic_create(&nc);
		b.nic = hm_nic_create(&nc);
		c.nic = hm_nic_create(&nc);
		const unsigned int pool_n = 2048;
		struct hm_mempool *mp = hm_pktmbuf_pool_create("fwd_pool", pool_n, 32, 0, 2176,
							       hm_test_node_b());
		assert_non_null(mp);
		hm_i40e_rxq_conf_init(&rq);
		rq.nb_desc = 256;
		rq.port = 0;
		a.rxq = hm_i40e_rxq_setup(a.nic, 0, mp, &rq);
		rq.port = 2;
		c.rxq = hm_i40e_rxq_setup(c.nic, 0, mp, &rq);
		hm_i40e_txq_conf_init(&tq);
		tq.nb_desc = 256;
		tq.path = paths[p];
		tq.port = 1;
		b.txq = hm_i40e_txq_setup(b.nic, 0, &tq);
		assert_non_null(a.rxq);
		assert_non_null(c.rxq);
		assert_non_null(b.txq);
		assert_int_equal(hm_i40e_rxq_start(a.rxq), 0);
		assert_int_equal(hm_i40e_rxq_start(c.rxq), 0);
		assert_int_equal(hm_i40e_txq_start(b.txq), 0);
		struct hm_nic_sink s = { .kind = HM_NIC_SINK_LOOPBACK, .peer = c.nic };
		assert_int_equal(hm_nic_tx_sink_set(b.nic, &s), 0);
		struct hm_traffic_gen_conf gc;
		hm_traffic_gen_conf_init(&gc);
		gc.seed = 21 + p;
		gc.count = N;
		gc.flows = 64;
		gc.proto = HM_TRAFFIC_MIXED;
		gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
		gc.size_min = 64;
		gc.size_max = 1500;
		struct hm_traffic_gen *g = hm_traffic_gen_create(&gc);
		assert_non_null(g);
		uint64_t seen = 0, forwarded = 0;
		int taken;
		do {
			taken = hm_nic_step(a.nic, hm_traffic_gen_source(g), 32);
			assert_true(taken >= 0);
			uint16_t n = hm_i40e_rx_burst(a.rxq, pkts, 64);
			uint16_t off = 0;
			while (off < n) {
				uint16_t k = hm_i40e_tx_burst(b.txq, pkts + off, (uint16_t)(n - off));
				off = (uint16_t)(off + k);
				forwarded += k;
				/* B's wire into C, C's receive */
				assert_true(hm_nic_txq_step(b.nic, 0, 64) >= 0);
				struct hm_mbuf *rx[64];
				uint16_t m;
				do {
					m = hm_i40e_rx_burst(c.rxq, rx, 64);
					for (uint16_t i = 0; i < m; i++) {
						assert_int_equal(rx[i]->nb_segs, 1);
						assert_int_equal(hm_traffic_verify(hm_pktmbuf_mtod(
							rx[i], void *), rx[i]->pkt_len, NULL), 0);
					}
					hm_pktmbuf_free_bulk(rx, m);
					seen += m;
				} while (m > 0);
			}
		} while (taken > 0);
		/* drain */
		for (int k = 0; k < 100 && seen < N; k++) {
			assert_true(hm_nic_txq_step(b.nic, 0, 256) >= 0);
			uint16_t m = hm_i40e_rx_burst(c.rxq, pkts, 64);
			hm_pktmbuf_free_bulk(pkts, m);
			seen += m;
		}
		assert_int_equal(forwarded, N);
		assert_int_equal(seen, N);
		assert_nic_valid(a.nic);
		assert_nic_valid(b.nic);
		assert_nic_valid(c.nic);
		assert_txq_valid(b.txq);
		assert_int_equal(hm_i40e_txq_stop(b.txq), 0);
		/* nothing out but what the RX rings hold */
		struct hm_i40e_rxq_info ia, ic;
		assert_int_equal(hm_i40e_rxq_info_get(a.rxq, &ia), 0);
		assert_int_equal(hm_i40e_rxq_info_get(c.rxq, &ic), 0);
		assert_int_equal(hm_mempool_avail_count(mp) + ia.held + ic.held, pool_n);
		assert_int_equal(hm_i40e_rxq_stop(a.rxq), 0);
		assert_int_equal(hm_i40e_rxq_stop(c.rxq), 0);
		assert_int_equal(hm_mempool_avail_count(mp), pool_n);
		hm_i40e_rxq_release(a.rxq);
		hm_i40e_rxq_release(c.rxq);
		hm_i40e_txq_release(b.txq);
		hm_nic_free(a.nic);
		hm_nic_free(b.nic);
		hm_nic_free(c.nic);
		hm_traffic_gen_free(g);
		assert_int_equal(hm_mempool_free(mp), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_i40e_tx_invalid_args, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_thresholds, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_model, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_completion, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_refused, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_offloads, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_dma_fault, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_ring_full, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_hostile, setup_emu, hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_placement_and_check, setup_emu,
						hm_test_teardown),
		cmocka_unit_test_setup_teardown(test_i40e_tx_forward_loop, setup_emu,
						hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
