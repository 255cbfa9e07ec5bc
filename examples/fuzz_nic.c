/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Example 4: a libFuzzer target over the fake NIC. The input is cut into frames
 * (a length byte, then that many bytes times 4); each is offered to the device,
 * then the RX queue is drained. Whatever the bytes, every frame the device
 * accepts comes out of rx_burst byte for byte, in order, the validators of
 * the device and the queue hold, and every mbuf returns to the pool.
 *
 * hugemem starts once per process (libFuzzer calls this function millions of
 * times); the device, queue and pool live across inputs, as in a real program.
 *
 *   clang -fsanitize=fuzzer,address -o fuzz_nic fuzz_nic.c \
 *         $(pkg-config --cflags --libs hugemem) && ./fuzz_nic -max_total_time=60
 *
 * Without clang the same function is linked with a replay main (hugemem's
 * fuzz/fuzz_main.c) that runs the files of a corpus: that is how hugemem's
 * test suite runs it (examples/corpus/fuzz_nic/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL_N 511u

static struct hm_nic *nic;
static struct hm_i40e_rxq *rxq;
static struct hm_mempool *pool;

static void
quiet(enum hm_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static void
must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_nic: %s (%s)\n", what, hm_last_error());
		abort();
	}
}

/* Once: hugemem in memory (no files), a NIC with one queue, a pool, a queue
 * that chains buffers so frames up to 9728 bytes arrive whole. */
static void
start(void)
{
	char *argv[] = { (char *)"fuzz_nic", (char *)"--in-memory",
			 (char *)"--topology=nodes=1;2M=32", NULL };
	struct hm_nic_conf nc;
	struct hm_i40e_rxq_conf qc;

	hm_log_set_hook(quiet, NULL); /* refused frames are expected */
	must(hm_init(3, argv) >= 0, "hm_init");
	hm_nic_conf_init(&nc);
	nic = hm_nic_create(&nc);
	pool = hm_pktmbuf_pool_create("fuzz_pool", POOL_N, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	must(nic != NULL && pool != NULL, "setup");
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 256;
	qc.path = HM_I40E_RX_SCATTERED;
	qc.max_pkt_len = HM_I40E_FRAME_SIZE_MAX;
	rxq = hm_i40e_rxq_setup(nic, 0, pool, &qc);
	must(rxq != NULL && hm_i40e_rxq_start(rxq) == 0, "rx queue");
}

/* The next packet out of the queue must be @p frame of @p len bytes. */
static void
expect_packet(const uint8_t *frame, size_t len)
{
	struct hm_mbuf *m = NULL;
	size_t off = 0;

	must(hm_i40e_rx_burst(rxq, &m, 1) == 1, "an accepted frame did not come out");
	must(m->pkt_len == len, "length differs");
	for (struct hm_mbuf *s = m; s != NULL; s = s->next) {
		must(off + s->data_len <= len, "segments longer than the frame");
		must(memcmp(hm_pktmbuf_mtod(s, const uint8_t *), frame + off, s->data_len) == 0,
		     "bytes differ");
		off += s->data_len;
	}
	must(off == len, "segments shorter than the frame");
	hm_pktmbuf_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	struct hm_mbuf *m;

	if (nic == NULL)
		start();
	for (size_t p = 0; p < size;) {
		size_t len = (size_t)data[p++] * 4 + 1;

		if (len > size - p)
			len = size - p;
		if (len == 0)
			break;
		/* deliver now (1), or drop (0: e.g. not enough armed descriptors) */
		int rc = hm_nic_rx_frame(nic, data + p, len);
		must(rc == 0 || rc == 1, "rx_frame failed");
		hm_nic_flush(nic);
		if (rc == 1)
			expect_packet(data + p, len);
		must(hm_i40e_rx_burst(rxq, &m, 1) == 0, "a packet nobody sent");
		p += len;
	}
	must(hm_nic_check(nic, &why) == 0 && hm_i40e_rxq_check(rxq, &why) == 0,
	     why != NULL ? why : "validator");
	/* the queue holds its armed mbufs; all others are back in the pool */
	struct hm_i40e_rxq_info info;
	hm_i40e_rxq_info_get(rxq, &info);
	must(hm_mempool_avail_count(pool) + info.held == POOL_N, "mbufs leaked");
	return 0;
}
