/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx --forward`: every packet received on port 0 is sent on port 1,
 * a second fake NIC on the same node with one i40e TX queue per RX queue (RX
 * queue q -> TX queue q), as DPDK's forwarding examples do. Port 1's device is
 * stepped in this thread right after each TX burst (the wire drains); its sink
 * verifies every generated payload on the way out and, with --tx-out, writes
 * the frames to a pcap file (timestamps 1 us apart). A burst the TX ring cannot
 * take even after the device caught up is freed and counted (given up), as an
 * application that drops on a full ring does. The TX driver's cycles are
 * measured around hm_i40e_tx_burst alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hugemem/hugemem.h"
#include "rx_i.h"

struct rx_fwd {
	struct hm_nic *nic;
	struct hm_i40e_txq *txq[RX_MAX_QUEUES];
	unsigned int queues;
	struct hm_pcap_writer *out;
	bool verify;                 /* generated input: payloads are checked */
	uint64_t ts;                 /* next --tx-out timestamp */
	uint64_t mismatch, written, cycles, forwarded, given_up;
	char out_err[512];
};

static inline uint64_t
fwd_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}

/* Port 1's wire: check, capture. */
static int
fwd_sink(void *ctx, const void *frame, size_t len)
{
	struct rx_fwd *f = ctx;

	if (f->verify && hm_traffic_verify(frame, len, NULL) != 0)
		f->mismatch++;
	if (f->out != NULL && f->out_err[0] == '\0') {
		if (hm_pcap_write(f->out, frame, len, f->ts) < 0)
			snprintf(f->out_err, sizeof(f->out_err), "%s", hm_last_error());
		else
			f->written++;
		f->ts += 1000;
	}
	return 1;
}

struct rx_fwd *
rx_fwd_setup(const struct rx_opts *o, const struct rx_geom *g, bool verify, bool nsec, int *code)
{
	struct hm_nic_conf nc;
	struct rx_fwd *f = calloc(1, sizeof(*f));

	*code = HM_EXIT_FAIL;
	if (f == NULL) {
		fprintf(stderr, "hugemem rx: --forward: out of memory\n");
		return NULL;
	}
	f->queues = o->queues;
	f->verify = verify;
	hm_nic_conf_init(&nc);
	nc.nb_queues = o->queues;
	nc.numa_node = o->nic_node;
	nc.large_frames = g->large;
	nc.max_frame = g->max_pkt < 64 ? 64 : g->max_pkt;
	f->nic = hm_nic_create(&nc);
	if (f->nic == NULL) {
		fprintf(stderr, "hugemem rx: --forward: port 1: %s\n", hm_last_error());
		goto fail;
	}
	for (unsigned int q = 0; q < o->queues; q++) {
		struct hm_i40e_txq_conf qc;
		hm_i40e_txq_conf_init(&qc);
		qc.nb_desc = o->tx_descs != 0 ? o->tx_descs : o->descs;
		qc.path = o->tx_path;
		qc.port = 1;
		if (g->scattered && g->chain > 1)
			qc.offloads = HM_I40E_TX_OFFLOAD_MULTI_SEGS; /* chained packets */
		f->txq[q] = hm_i40e_txq_setup(f->nic, q, &qc);
		if (f->txq[q] == NULL || hm_i40e_txq_start(f->txq[q]) < 0) {
			fprintf(stderr, "hugemem rx: --forward: port 1 TX queue %u: %s\n", q,
				hm_last_error());
			if (f->txq[q] == NULL && hm_errno == EINVAL)
				*code = HM_EXIT_USAGE;
			goto fail;
		}
	}
	if (o->tx_out != NULL) {
		struct hm_pcap_writer_conf wc;
		hm_pcap_writer_conf_init(&wc);
		wc.snaplen = HM_PCAP_MAX_SNAPLEN;
		wc.nsec = nsec;
		f->out = hm_pcap_writer_open(o->tx_out, &wc);
		if (f->out == NULL) {
			fprintf(stderr, "hugemem rx: --tx-out=%s: %s\n", o->tx_out, hm_last_error());
			goto fail;
		}
	}
	struct hm_nic_sink s = { .kind = HM_NIC_SINK_FUNC, .fn = fwd_sink, .ctx = f };
	if (hm_nic_tx_sink_set(f->nic, &s) < 0) {
		fprintf(stderr, "hugemem rx: --forward: port 1 sink: %s\n", hm_last_error());
		goto fail;
	}
	return f;
fail:
	rx_fwd_teardown(f);
	return NULL;
}

void
rx_fwd_burst(struct rx_fwd *f, unsigned int q, struct hm_mbuf **pkts, uint16_t n,
	     struct rx_result *r)
{
	uint16_t off = 0;
	unsigned int stalls = 0;

	(void)r;
	while (off < n) {
		uint64_t c0 = fwd_rdtsc();
		uint16_t k = hm_i40e_tx_burst(f->txq[q], pkts + off, (uint16_t)(n - off));
		f->cycles += fwd_rdtsc() - c0;
		off = (uint16_t)(off + k);
		f->forwarded += k;
		/* the wire drains what the ring holds */
		int s = hm_nic_txq_step(f->nic, q, n);
		if (k == 0 && s <= 0 && hm_nic_tx_flush(f->nic) <= 0 && ++stalls > 2)
			break;
	}
	if (off < n) {
		hm_pktmbuf_free_bulk(pkts + off, (unsigned int)(n - off));
		f->given_up += (uint64_t)(n - off);
	}
}

void
rx_fwd_drain(struct rx_fwd *f)
{
	int moved;

	do {
		moved = 0;
		for (unsigned int q = 0; q < f->queues; q++) {
			int s = hm_nic_txq_step(f->nic, q, 4096);
			moved += s > 0 ? s : 0;
		}
		int l = hm_nic_tx_flush(f->nic);
		moved += l > 0 ? l : 0;
	} while (moved > 0);
	for (unsigned int q = 0; q < f->queues; q++)
		(void)hm_i40e_tx_done_cleanup(f->txq[q], 0);
}

void
rx_fwd_collect(struct rx_fwd *f, const struct rx_opts *o, struct rx_result *r)
{
	struct rx_fwd_result *x = &r->fwd;
	struct hm_i40e_txq_info info;
	uint64_t handed = 0, taken = 0;

	if (f->out != NULL) {
		if (hm_pcap_writer_close(f->out) < 0 && f->out_err[0] == '\0')
			snprintf(f->out_err, sizeof(f->out_err), "%s", hm_last_error());
		f->out = NULL;
	}
	x->forwarded = f->forwarded;
	x->given_up = f->given_up;
	x->cycles = f->cycles;
	x->mismatch = f->mismatch;
	x->written = f->written;
	snprintf(x->out_err, sizeof(x->out_err), "%s", f->out_err);
	for (unsigned int q = 0; q < o->queues; q++) {
		hm_i40e_txq_stats_get(f->txq[q], &x->qst[q]);
		hm_nic_txq_stats_get(f->nic, q, &x->dst[q]);
		x->sent += x->dst[q].packets;
		x->bytes += x->dst[q].bytes;
		x->tx_bad += x->qst[q].tx_bad;
		x->oerrors += x->dst[q].sink_full + x->dst[q].sink_errors;
		x->dma_errors += x->dst[q].dma_errors;
		x->malformed += x->dst[q].malformed;
		handed += x->qst[q].packets;
		taken += x->dst[q].frames;
	}
	/* handed to the device but not taken off the ring (none after a drain) */
	x->in_flight = handed > taken ? handed - taken : 0;
	x->lost = x->given_up + x->tx_bad + x->oerrors + x->dma_errors + x->malformed +
		  x->in_flight;
	hm_i40e_txq_info_get(f->txq[0], &info);
	x->path_name = hm_i40e_tx_path_name(info.path);
	x->ring_node = info.ring_node;
	x->queue_node = info.queue_node;
}

int
rx_fwd_teardown(struct rx_fwd *f)
{
	int rc = 0;

	if (f == NULL)
		return 0;
	for (unsigned int q = 0; q < RX_MAX_QUEUES; q++)
		hm_i40e_txq_release(f->txq[q]);
	hm_nic_free(f->nic);
	if (f->out != NULL && hm_pcap_writer_close(f->out) < 0) {
		fprintf(stderr, "hugemem rx: --tx-out: %s\n", hm_last_error());
		rc = -1;
	}
	free(f);
	return rc;
}
