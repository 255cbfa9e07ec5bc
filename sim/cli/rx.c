/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx`: the whole receive path. Start hugemem (backend, topology), put
 * a pktmbuf pool and the RX queues on the NIC's node, feed frames from the
 * seeded generator or a pcap file through the fake NIC (stepped, in this
 * thread), receive them with the i40e driver, verify every payload, and
 * report packets, Mpps, driver cycles per packet, drops by reason, per-queue
 * counts and where the rings and mbufs live.
 *
 * Exit status: 0 when every generated payload verified and every frame the
 * device was offered is either delivered or counted as a drop; 1 otherwise;
 * 2 for bad options or a setup failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"

#define RX_MAX_QUEUES 16u
#define RX_MAX_BURST 512u

struct rx_opts {
	int nic_node;
	unsigned int queues, descs, burst, pool_size;
	enum hm_i40e_rx_path path;
	uint64_t packets;
	double duration;
	const char *pcap_in, *pcap_out;
	bool json;
	uint64_t seed;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t
rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return now_ns();
#endif
}

static int
parse_u(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || x > max)
		return -1;
	*out = x;
	return 0;
}

/* Take our options out of argv; the rest goes to hm_init. @return 0 or 2. */
static const char rx_usage[] =
	"usage: hugemem rx [rx options] [hugemem options]\n"
	"\n"
	"Generated (or pcap) traffic through the fake NIC into the i40e RX driver,\n"
	"on the NIC's node; every payload is verified.\n"
	"\n"
	"rx options:\n"
	"  --nic-node=N            NUMA node of the NIC: rings, queues and mbufs go there (0)\n"
	"  --queues=N              RX queues, RSS spreads flows over them (1, max 16)\n"
	"  --descs=N               descriptors per queue, multiple of 32 in [64, 4096] (1024)\n"
	"  --burst=N               packets per rx_burst call (32, max 512)\n"
	"  --rx-path=P             auto | scalar | bulk | scattered (auto)\n"
	"  --packets=N             stop after N >= 1 frames (default 100000 unless --duration;\n"
	"                          with both, whichever comes first)\n"
	"  --duration=S            stop after S seconds\n"
	"  --pcap-in=FILE          replay FILE instead of generating traffic\n"
	"  --pcap-out=FILE         capture what was received into FILE\n"
	"  --pool-size=N           mbufs in the pool (sized from queues and descriptors)\n"
	"  --seed=N                generator seed (1)\n"
	"  --json                  print the summary as one JSON object\n"
	"\n"
	"hugemem options (--backend, --topology, -m, --in-memory, ...): see `hugemem help`.\n"
	"Exit: 0 all verified and accounted for; 1 a payload mismatch or an unaccounted\n"
	"frame; 2 bad options or setup failure.\n";

static int
parse_opts(int argc, char **argv, struct rx_opts *o, int *nargc, char **nargv)
{
	*nargc = 0;
	nargv[(*nargc)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		size_t kl = v != NULL ? (size_t)(v - a) : strlen(a);
		uint64_t x;
		int bad = 0;

		v = v != NULL ? v + 1 : NULL;
#define KEY(k) (kl == strlen(k) && strncmp(a, k, kl) == 0)
		if (KEY("--help") || KEY("-h")) {
			fputs(rx_usage, stdout);
			return 3; /* done: exit 0 */
		}
		if (KEY("--json")) {
			o->json = true;
			continue;
		}
		if (!(KEY("--nic-node") || KEY("--queues") || KEY("--descs") || KEY("--burst") ||
		      KEY("--rx-path") || KEY("--packets") || KEY("--duration") ||
		      KEY("--pcap-in") || KEY("--pcap-out") || KEY("--pool-size") || KEY("--seed"))) {
			nargv[(*nargc)++] = argv[i];
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "hugemem rx: option %s needs =VALUE\n", a);
			return 2;
		}
		if (KEY("--nic-node"))
			bad = parse_u(v, 63, &x) || ((o->nic_node = (int)x), 0);
		else if (KEY("--queues"))
			bad = parse_u(v, RX_MAX_QUEUES, &x) || x == 0 || ((o->queues = (unsigned)x), 0);
		else if (KEY("--descs"))
			bad = parse_u(v, HM_I40E_MAX_RING_DESC, &x) || ((o->descs = (unsigned)x), 0);
		else if (KEY("--burst"))
			bad = parse_u(v, RX_MAX_BURST, &x) || x == 0 || ((o->burst = (unsigned)x), 0);
		else if (KEY("--pool-size"))
			bad = parse_u(v, 1u << 24, &x) || x == 0 || ((o->pool_size = (unsigned)x), 0);
		else if (KEY("--packets"))
			bad = parse_u(v, UINT64_MAX, &x) || x == 0 || ((o->packets = x), 0);
		else if (KEY("--seed"))
			bad = parse_u(v, UINT64_MAX, &x) || ((o->seed = x), 0);
		else if (KEY("--duration")) {
			char *end;
			o->duration = strtod(v, &end);
			bad = end == v || *end != '\0' || !(o->duration > 0);
		} else if (KEY("--rx-path"))
			bad = hm_i40e_rx_path_parse(v, &o->path) < 0;
		else if (KEY("--pcap-in"))
			o->pcap_in = v;
		else if (KEY("--pcap-out"))
			o->pcap_out = v;
#undef KEY
		if (bad) {
			fprintf(stderr, "hugemem rx: bad value in %s\n", a);
			return 2;
		}
	}
	return 0;
}

int
cmd_rx(int argc, char **argv)
{
	struct rx_opts o = { .nic_node = 0, .queues = 1, .descs = 1024, .burst = 32,
			     .pool_size = 0, .path = HM_I40E_RX_AUTO, .packets = 0,
			     .duration = 0, .seed = 1 };
	static struct hm_mbuf *pkts[RX_MAX_BURST];
	static uint8_t flat[HM_TRAFFIC_MAX_FRAME];
	struct hm_i40e_rxq *rxq[RX_MAX_QUEUES] = { 0 };
	struct hm_i40e_rxq_stats qst[RX_MAX_QUEUES];
	struct hm_i40e_rxq_info qinfo;
	struct hm_traffic_gen *gen = NULL;
	struct hm_pcap_reader *pin = NULL;
	struct hm_pcap_writer *pout = NULL;
	struct hm_traffic_src *src;
	struct hm_mempool *mp = NULL;
	struct hm_nic *nic = NULL;
	struct hm_nic_stats ns;
	char **nargv;
	int nargc, rc, ret = 2;
	uint64_t delivered = 0, mismatch = 0, cycles = 0, t0, t1, last_progress;
	unsigned int data_room = HM_MBUF_DEFAULT_BUF_SIZE;
	bool ended = false;

	nargv = calloc((size_t)argc + 1, sizeof(*nargv));
	if (nargv == NULL)
		return 2;
	int prc = parse_opts(argc, argv, &o, &nargc, nargv);
	if (prc != 0) {
		free(nargv);
		return prc == 3 ? 0 : 2; /* 3: --help printed */
	}
	if (o.packets == 0 && o.duration == 0 && o.pcap_in == NULL)
		o.packets = 100000;
	rc = hm_init(nargc, nargv);
	if (rc < 0) {
		fprintf(stderr, "hugemem rx: init failed: %s (%s)\n", hm_strerror(-rc), hm_last_error());
		free(nargv);
		return 2;
	}
	if (rc + 1 < nargc) {
		fprintf(stderr, "hugemem rx: unexpected argument '%s'\n", nargv[rc + 1]);
		goto out;
	}
	if (o.path == HM_I40E_RX_SCATTERED)
		data_room = HM_PKTMBUF_HEADROOM + 512; /* frames chain over 512-byte buffers */
	if (o.pool_size == 0)
		o.pool_size = o.queues * (o.descs + 2 * o.burst + 64) * (o.path == HM_I40E_RX_SCATTERED ? 2 : 1);

	struct hm_nic_conf nc;
	hm_nic_conf_init(&nc);
	nc.nb_queues = o.queues;
	nc.numa_node = o.nic_node;
	nc.max_chain = o.path == HM_I40E_RX_SCATTERED ? HM_NIC_CHAIN_MAX : 1;
	nic = hm_nic_create(&nc);
	if (nic == NULL) {
		fprintf(stderr, "hugemem rx: NIC: %s\n", hm_last_error());
		goto out;
	}
	/* a per-lcore cache as DPDK applications use, when the pool is big enough for one */
	mp = hm_pktmbuf_pool_create("rx_mbuf_pool", o.pool_size, o.pool_size >= 1024 ? 256 : 0, 0,
				    (uint16_t)data_room, o.nic_node);
	if (mp == NULL) {
		fprintf(stderr, "hugemem rx: mbuf pool of %u on node %d: %s\n", o.pool_size,
			o.nic_node, hm_last_error());
		goto out;
	}
	for (unsigned int q = 0; q < o.queues; q++) {
		struct hm_i40e_rxq_conf qc;
		hm_i40e_rxq_conf_init(&qc);
		qc.nb_desc = o.descs;
		qc.path = o.path;
		if (o.path == HM_I40E_RX_SCATTERED)
			qc.max_pkt_len = 2560;
		rxq[q] = hm_i40e_rxq_setup(nic, q, mp, &qc);
		if (rxq[q] == NULL || hm_i40e_rxq_start(rxq[q]) < 0) {
			fprintf(stderr, "hugemem rx: queue %u: %s\n", q, hm_last_error());
			goto out;
		}
	}
	if (o.pcap_in != NULL) {
		pin = hm_pcap_open(o.pcap_in);
		if (pin == NULL) {
			fprintf(stderr, "hugemem rx: %s: %s\n", o.pcap_in, hm_last_error());
			goto out;
		}
		src = hm_pcap_source(pin);
	} else {
		struct hm_traffic_gen_conf gc;
		hm_traffic_gen_conf_init(&gc);
		gc.seed = o.seed;
		gc.count = o.packets; /* 0 with --duration alone: unlimited */
		gc.flows = 256;
		gc.proto = HM_TRAFFIC_MIXED;
		gc.size_mode = o.path == HM_I40E_RX_SCATTERED ? HM_TRAFFIC_SIZE_RANDOM
							       : HM_TRAFFIC_SIZE_FIXED;
		gc.size_min = 64;
		gc.size_max = o.path == HM_I40E_RX_SCATTERED ? 2500 : 64;
		gen = hm_traffic_gen_create(&gc);
		if (gen == NULL) {
			fprintf(stderr, "hugemem rx: generator: %s\n", hm_last_error());
			goto out;
		}
		src = hm_traffic_gen_source(gen);
	}
	if (o.pcap_out != NULL) {
		struct hm_pcap_writer_conf wc;
		hm_pcap_writer_conf_init(&wc);
		pout = hm_pcap_writer_open(o.pcap_out, &wc);
		if (pout == NULL) {
			fprintf(stderr, "hugemem rx: %s: %s\n", o.pcap_out, hm_last_error());
			goto out;
		}
	}

	/* the loop: the device delivers a burst, every queue drains */
	t0 = now_ns();
	last_progress = t0;
	for (;;) {
		if (!ended) {
			unsigned int want = o.burst;
			rc = hm_nic_step(nic, src, want);
			if (rc < 0) {
				fprintf(stderr, "hugemem rx: source: %s\n", hm_strerror(-rc));
				goto out;
			}
			if ((unsigned int)rc < want)
				ended = true;
			if (o.duration > 0 && (double)(now_ns() - t0) / 1e9 >= o.duration)
				ended = true;
			if (ended)
				hm_nic_flush(nic);
		}
		uint64_t got_round = 0;
		for (unsigned int q = 0; q < o.queues; q++) {
			uint16_t n;
			do {
				uint64_t c0 = rdtsc();
				n = hm_i40e_rx_burst(rxq[q], pkts, (uint16_t)o.burst);
				cycles += rdtsc() - c0;
				for (uint16_t i = 0; i < n; i++) {
					size_t len = 0;
					for (struct hm_mbuf *s = pkts[i]; s != NULL; s = s->next) {
						memcpy(flat + len, hm_pktmbuf_mtod(s, void *), s->data_len);
						len += s->data_len;
					}
					if (gen != NULL && hm_traffic_verify(flat, len, NULL) != 0)
						mismatch++;
					if (pout != NULL)
						hm_pcap_write(pout, flat, len, 0);
				}
				hm_pktmbuf_free_bulk(pkts, n);
				delivered += n;
				got_round += n;
			} while (n == o.burst);
		}
		if (ended && got_round == 0)
			break;
		if (!o.json && now_ns() - last_progress > 1000000000ull) {
			last_progress = now_ns();
			fprintf(stderr, "  ... %" PRIu64 " packets, %.1f s\n", delivered,
				(double)(last_progress - t0) / 1e9);
		}
	}
	t1 = now_ns();

	/* accounting */
	uint64_t drv_drop = 0, nombuf = 0, errs = 0, badlen = 0, noeof = 0;
	hm_nic_stats_get(nic, &ns);
	for (unsigned int q = 0; q < o.queues; q++) {
		hm_i40e_rxq_stats_get(rxq[q], &qst[q]);
		nombuf += qst[q].rx_nombuf;
		errs += qst[q].rx_errors;
		badlen += qst[q].rx_bad_len;
		noeof += qst[q].rx_no_eof;
	}
	drv_drop = errs + badlen + noeof;
	uint64_t missed = 0, dma = 0, ringf = 0;
	for (unsigned int q = 0; q < o.queues; q++) {
		missed += ns.q[q].missed;
		dma += ns.q[q].dma_faults;
		ringf += ns.q[q].ring_faults;
	}
	uint64_t accounted = delivered + drv_drop + missed + ringf + ns.no_queue + ns.oversize;
	uint64_t lost = ns.frames_in > accounted ? ns.frames_in - accounted : accounted - ns.frames_in;
	double secs = (double)(t1 - t0) / 1e9;
	double mpps = secs > 0 ? (double)delivered / secs / 1e6 : 0;
	double cpp = delivered > 0 ? (double)cycles / (double)delivered : 0;
	hm_i40e_rxq_info_get(rxq[0], &qinfo);
	int pool_node = -1;
	struct hm_mbuf *probe = hm_pktmbuf_alloc(mp);
	if (probe != NULL) {
		const struct hm_memseg *pms = hm_mem_virt2memseg(probe, NULL);
		pool_node = pms != NULL ? pms->socket_id : -1;
		hm_pktmbuf_free(probe);
	}

	if (o.json) {
		printf("{\"packets\": %" PRIu64 ", \"offered\": %" PRIu64 ", \"seconds\": %.6f, "
		       "\"mpps\": %.3f, \"cycles_per_packet\": %.1f, \"rx_path\": \"%s\", "
		       "\"drops\": {\"rx_missed\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64
		       ", \"dma_faults\": %" PRIu64 ", \"rx_errors\": %" PRIu64
		       ", \"rx_bad_len\": %" PRIu64 ", \"rx_no_eof\": %" PRIu64
		       ", \"no_queue\": %" PRIu64 ", \"oversize\": %" PRIu64 "}, \"queues\": [",
		       delivered, ns.frames_in, secs, mpps, cpp, hm_i40e_rx_path_name(qinfo.path),
		       missed, nombuf, dma, errs, badlen, noeof, ns.no_queue, ns.oversize);
		for (unsigned int q = 0; q < o.queues; q++)
			printf("%s{\"queue\": %u, \"packets\": %" PRIu64 ", \"missed\": %" PRIu64 "}",
			       q ? ", " : "", q, qst[q].packets, ns.q[q].missed);
		printf("], \"placement\": {\"nic_node\": %d, \"ring_node\": %d, \"queue_node\": %d, "
		       "\"mbuf_node\": %d}, \"payload_mismatches\": %" PRIu64
		       ", \"payload_checked\": %s, \"unaccounted\": %" PRIu64 "}\n",
		       o.nic_node, qinfo.ring_node, qinfo.queue_node, pool_node, mismatch,
		       gen != NULL ? "true" : "false", lost);
	} else {
		printf("hugemem rx: %" PRIu64 " packets of %" PRIu64 " offered in %.3f s: %.2f Mpps, "
		       "%.1f driver cycles/packet (%s path, burst %u, %u x %u descriptors)\n",
		       delivered, ns.frames_in, secs, mpps, cpp, hm_i40e_rx_path_name(qinfo.path),
		       o.burst, o.queues, o.descs);
		printf("drops: rx_missed %" PRIu64 ", rx_nombuf %" PRIu64 " (retried, not lost), "
		       "dma_faults %" PRIu64 ", rx_errors %" PRIu64 ", rx_bad_len %" PRIu64
		       ", rx_no_eof %" PRIu64 ", no_queue %" PRIu64 ", oversize %" PRIu64 "\n",
		       missed, nombuf, dma, errs, badlen, noeof, ns.no_queue, ns.oversize);
		for (unsigned int q = 0; q < o.queues; q++)
			printf("  queue %u: %" PRIu64 " packets, %" PRIu64 " missed\n", q,
			       qst[q].packets, ns.q[q].missed);
		printf("placement: NIC node %d, descriptor rings node %d, queue structs node %d, "
		       "mbufs node %d\n", o.nic_node, qinfo.ring_node, qinfo.queue_node, pool_node);
		if (gen != NULL)
			printf("payloads: %s (%" PRIu64 " mismatched)\n",
			       mismatch == 0 ? "every payload matched what was sent" : "MISMATCH",
			       mismatch);
		else
			printf("payloads: not checked (pcap input)\n");
		printf("accounting: %s\n", lost == 0 ? "every frame delivered or counted as a drop"
						     : "FRAMES UNACCOUNTED FOR");
	}
	ret = (mismatch == 0 && lost == 0) ? 0 : 1;
out:
	for (unsigned int q = 0; q < RX_MAX_QUEUES; q++)
		hm_i40e_rxq_release(rxq[q]);
	hm_nic_free(nic);
	if (mp != NULL)
		hm_mempool_free(mp);
	hm_traffic_gen_free(gen);
	hm_pcap_close(pin);
	if (pout != NULL && hm_pcap_writer_close(pout) < 0 && ret == 0)
		ret = 1;
	hm_cleanup();
	free(nargv);
	return ret;
}
