/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The i40e RX driver against a hostile device. The fuzzer plays the NIC: it owns
 * the descriptors in [its head, the tail the driver wrote) and writes back
 * whatever the bytes say (any status, error, ptype, length, RSS, VLAN and
 * reserved words; DD set or not; EOF or not), then lets the driver receive with
 * random burst sizes, starves the mbuf pool and gives mbufs back. The queue's
 * path (scalar, bulk-alloc, scattered, vector with SSE4.2 or AVX2), ring
 * size, free threshold and descriptor size come from the first bytes. After every operation: hm_i40e_rxq_check
 * passes, every delivered mbuf chain passes hm_mbuf_check and is no longer than
 * the queue allows, and mbufs are conserved:
 *   pool available + held by the queue + held by the fuzzer == pool size.
 * Each input ends with the queue released and every mbuf back in the pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"

#define POOL_N 300u
#define DATA_ROOM (HM_PKTMBUF_HEADROOM + 1024u) /* 1024-byte buffers */

static struct hm_nic *nic;
static struct hm_mempool *mp;

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

static void
start(void)
{
	struct hm_config c;
	struct hm_nic_conf nc;

	hm_log_set_hook(quiet, NULL);
	hm_config_init(&c);
	c.backend = "emu";
	c.topology = "nodes=1;2M=32;lcores=0@0;iova=shuffled;seed=9";
	c.in_memory = true;
	if (hm_init_config(&c) != 0)
		abort();
	hm_nic_conf_init(&nc);
	nic = hm_nic_create(&nc);
	mp = hm_pktmbuf_pool_create("fuzz_rx", POOL_N, 0, 0, DATA_ROOM, 0);
	if (nic == NULL || mp == NULL)
		abort();
}

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t
take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = v << 8 | (in->n > 0 ? *in->p : 0);
		if (in->n > 0) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static void
check(const struct hm_i40e_rxq *q, unsigned int stash_n)
{
	struct hm_i40e_rxq_info info;
	const char *why;

	if (hm_i40e_rxq_check(q, &why) != 0 || hm_i40e_rxq_info_get(q, &info) != 0)
		abort();
	if (hm_mempool_avail_count(mp) + info.held + stash_n != POOL_N)
		abort(); /* an mbuf was lost or duplicated */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct input in = { data, size > 4096 ? 4096 : size };
	struct hm_i40e_rxq_conf qc;
	struct hm_i40e_rxq_info info;
	struct hm_i40e_rxq *q;
	struct hm_mbuf *stash[POOL_N], *pkts[64];
	unsigned int stash_n = 0, dh = 0;
	bool written[HM_I40E_MAX_RING_DESC] = { false };
	const char *why;

	if (!started) {
		start();
		started = true;
	}
	hm_i40e_rxq_conf_init(&qc);
	uint64_t cfg = take(&in, 2);
	qc.path = (enum hm_i40e_rx_path)(cfg % 5);
	qc.nb_desc = (cfg >> 2) & 1 ? 128 : 64;
	qc.rx_free_thresh = (cfg >> 3) & 1 ? 32 : 1 + (unsigned int)((cfg >> 4) % 63);
	qc.desc_size = (cfg >> 10) & 1 ? 16 : 32;
	qc.max_pkt_len = qc.path == HM_I40E_RX_SCATTERED ? 64 + (unsigned int)((cfg >> 11) % 4096) : 0;
	/* vector path: both instruction sets (one this CPU lacks is refused) */
	qc.vec_isa = qc.path == HM_I40E_RX_VECTOR && (cfg >> 11) & 1 ? HM_I40E_VEC_AVX2
								    : HM_I40E_VEC_SSE42;
	q = hm_i40e_rxq_setup(nic, 0, mp, &qc);
	if (q == NULL)
		return 0; /* a refused configuration changes nothing */
	if (hm_i40e_rxq_start(q) != 0) {
		hm_i40e_rxq_release(q);
		if (hm_mempool_avail_count(mp) != POOL_N)
			abort();
		return 0;
	}
	if (hm_i40e_rxq_info_get(q, &info) != 0)
		abort();
	uint8_t *ring = info.ring_mz->addr;
	const uint32_t *tail_reg = hm_nic_tail_reg(nic, 0);
	check(q, stash_n);

	while (in.n > 0) {
		unsigned int op = (unsigned int)take(&in, 1);
		switch (op % 4) {
		case 0: { /* the device writes back up to k descriptors it owns, in any
			   * order within the next 4 (a write-back always sets DD, as
			   * hardware does; "delayed" ones are simply written later) */
			unsigned int k = 1 + op / 4 % 8;
			uint32_t tail = __atomic_load_n(tail_reg, __ATOMIC_ACQUIRE);
			for (; k > 0; k--) {
				unsigned int owned = (tail + info.nb_desc - dh) % info.nb_desc;
				unsigned int off = (unsigned int)(take(&in, 1) % 4);
				if (off >= owned)
					break;
				unsigned int idx = (dh + off) % info.nb_desc;
				if (written[idx])
					continue;
				uint8_t *d = ring + (size_t)idx * info.desc_size;
				uint64_t st = take(&in, 2), len = take(&in, 2), ptype = take(&in, 1);
				uint64_t err = take(&in, 1);
				uint32_t status = (uint32_t)(st & HM_I40E_RXD_STATUS_MASK) |
						  (uint32_t)HM_I40E_RXD_DD;
				uint64_t qw1 = hm_i40e_rxd_make_qw1(status, (uint32_t)err,
								    (uint32_t)ptype, (uint32_t)len);
				hm_i40e_rx_desc_qw_set(d, 0, take(&in, 8));
				if (info.desc_size == 32) {
					hm_i40e_rx_desc_qw_set(d, 2, take(&in, 2));
					hm_i40e_rx_desc_qw_set(d, 3, 0);
				}
				hm_i40e_rx_desc_qw1_store(d, qw1);
				written[idx] = true;
				while (written[dh]) {
					written[dh] = false;
					dh = (dh + 1) % info.nb_desc;
				}
			}
			break;
		}
		case 1: { /* the driver receives */
			uint16_t n = (uint16_t)(op / 4 % 64);
			uint16_t got = hm_i40e_rx_burst(q, pkts, n);
			if (got > n)
				abort();
			for (uint16_t i = 0; i < got; i++) {
				if (hm_mbuf_check(pkts[i], 1, &why) != 0)
					abort();
				if (qc.path != HM_I40E_RX_SCATTERED && pkts[i]->nb_segs != 1)
					abort();
				if (pkts[i]->pkt_len == 0 || pkts[i]->pkt_len > HM_I40E_FRAME_SIZE_MAX)
					abort();
			}
			/* conservation counts delivered mbufs as the fuzzer's until freed */
			unsigned int segs = 0;
			for (uint16_t i = 0; i < got; i++)
				segs += pkts[i]->nb_segs;
			check(q, stash_n + segs);
			for (uint16_t i = 0; i < got; i++)
				hm_pktmbuf_free(pkts[i]);
			break;
		}
		case 2: { /* starve the pool */
			unsigned int want = op / 4 % 64;
			while (want-- > 0 && stash_n < POOL_N) {
				struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
				if (m == NULL)
					break;
				stash[stash_n++] = m;
			}
			break;
		}
		default: /* give mbufs back */
			for (unsigned int give = op / 4 % 64; give > 0 && stash_n > 0; give--)
				hm_pktmbuf_free(stash[--stash_n]);
			break;
		}
		check(q, stash_n);
	}
	while (stash_n > 0)
		hm_pktmbuf_free(stash[--stash_n]);
	if (hm_i40e_rxq_stop(q) != 0)
		abort();
	hm_i40e_rxq_release(q);
	if (hm_mempool_avail_count(mp) != POOL_N)
		abort(); /* the queue leaked mbufs */
	return 0;
}
