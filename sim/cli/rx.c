/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx`: the whole receive path. Start hugemem (backend, topology), put
 * a pktmbuf pool and the RX queues on the NIC's node, feed frames from the
 * seeded generator or a capture (pcap or pcapng, non-Ethernet link types
 * wrapped) through the fake NIC one at a time (stepped, in this thread),
 * receive them with the i40e driver, verify every generated payload, count
 * checksum verdicts and packet types, optionally capture what arrived, and
 * report packets, Mpps, driver cycles per packet, losses by reason, per-queue
 * counts and where the rings and mbufs live (rx_report.c).
 *
 * The feeding loop pulls each frame itself (not hm_nic_step) so that the end
 * of the input and a source error are told apart, and so that a frame's
 * timestamp follows it to --pcap-out: each frame the NIC delivers goes into
 * its queue's FIFO of timestamps, which the receive side pops in order (a
 * queue delivers in order, and holds at most nb_desc frames in flight).
 *
 * With --forward every received packet is sent on a second port (rx_fwd.c)
 * instead of being freed, and that port's figures join the summary.
 *
 * SIGINT, SIGTERM and SIGHUP end the loop at the next frame: the summary so
 * far is printed, everything torn down (hm_cleanup), exit 1. A signal the
 * caller left ignored (nohup, background jobs of a script) stays ignored.
 *
 * Exit status (cli.h): 0 ok; 1 the run failed (rx_report says why); 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common_i.h"
#include "cli.h"
#include "hugemem/hugemem.h"
#include "rx_i.h"

static volatile sig_atomic_t rx_signal;

static void
on_signal(int sig)
{
	rx_signal = sig;
}

static const int rx_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void
signals_catch(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	rx_signal = 0;
	for (size_t i = 0; i < sizeof(rx_signals) / sizeof(rx_signals[0]); i++) {
		sigaction(rx_signals[i], NULL, &old[i]);
		/* a signal the caller ignores (nohup, a shell's background job) stays ignored */
		if (old[i].sa_handler != SIG_IGN)
			sigaction(rx_signals[i], &sa, NULL);
	}
}

static void
signals_restore(const struct sigaction *old)
{
	for (size_t i = 0; i < sizeof(rx_signals) / sizeof(rx_signals[0]); i++)
		sigaction(rx_signals[i], &old[i], NULL);
}

static inline uint64_t
rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return hm_now_ns();
#endif
}

/* Timestamps of the frames a queue holds, in delivery order. */
struct ts_fifo {
	uint64_t *ts;
	uint32_t *cut;      /* bytes the capture's snaplen cut off the frame */
	uint32_t head, n, cap;
};

static void
fifo_push(struct ts_fifo *f, uint64_t ts, uint32_t cut)
{
	if (f->n == f->cap)
		return; /* cannot happen: a queue holds at most nb_desc frames */
	uint32_t i = (f->head + f->n) % f->cap;
	f->ts[i] = ts;
	f->cut[i] = cut;
	f->n++;
}

static void
fifo_pop(struct ts_fifo *f, uint64_t *ts, uint32_t *cut)
{
	*ts = 0;
	*cut = 0;
	if (f->n == 0)
		return;
	*ts = f->ts[f->head];
	*cut = f->cut[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
}

static enum rx_ptype
ptype_class(uint32_t pt)
{
	uint32_t l3 = pt & HM_PTYPE_L3_MASK, l4 = pt & HM_PTYPE_L4_MASK;
	int base;

	if ((pt & HM_PTYPE_L2_MASK) == 0)
		return PT_UNKNOWN;
	if (l3 == 0)
		return PT_L2;
	if (l3 == HM_PTYPE_L3_IPV4 || l3 == HM_PTYPE_L3_IPV4_EXT ||
	    l3 == HM_PTYPE_L3_IPV4_EXT_UNKNOWN)
		base = PT_IPV4;
	else if (l3 == HM_PTYPE_L3_IPV6 || l3 == HM_PTYPE_L3_IPV6_EXT_UNKNOWN || l3 == 0xc0u)
		base = PT_IPV6;
	else
		return PT_UNKNOWN;
	switch (l4) {
	case HM_PTYPE_L4_TCP:
		return (enum rx_ptype)(base + 1);
	case HM_PTYPE_L4_UDP:
		return (enum rx_ptype)(base + 2);
	case HM_PTYPE_L4_ICMP:
		return (enum rx_ptype)(base + 3);
	case HM_PTYPE_L4_FRAG:
		return (enum rx_ptype)(base + 4);
	default:
		return (enum rx_ptype)base;
	}
}

static enum rx_ck
ck_class(uint64_t flags, uint64_t mask, uint64_t good, uint64_t bad)
{
	uint64_t v = flags & mask;

	if (v == good)
		return CK_GOOD;
	if (v == bad)
		return CK_BAD;
	return v == 0 ? CK_UNKNOWN : CK_NONE;
}

/* Everything the run holds, torn down by rx_teardown. */
struct rx_run {
	struct hm_i40e_rxq *rxq[RX_MAX_QUEUES];
	struct hm_traffic_gen *gen;
	struct hm_pcap_reader *pin;
	struct hm_pcap_writer *pout;
	struct hm_traffic_src *src;
	struct hm_mempool *mp;
	struct hm_nic *nic;
	struct rx_fwd *fwd;         /* --forward: port 1 */
	struct ts_fifo fifo[RX_MAX_QUEUES];
	struct serve_run *serve;    /* --serve: NULL otherwise */
	bool initialized;
};

static uint8_t frame_buf[HM_PCAP_MAX_SNAPLEN + 64]; /* a source's frame (wrapping adds 14) */
static uint8_t flat[HM_NIC_FRAME_MAX_LARGE];         /* a received chain, flattened */
static struct hm_mbuf *pkts[RX_MAX_BURST];

/* One received packet: classify, verify, capture. */
static void
rx_packet(const struct rx_opts *o, struct rx_run *run, unsigned int q, struct hm_mbuf *m,
	  struct rx_result *r)
{
	enum rx_ck l4 = ck_class(m->ol_flags, HM_MBUF_F_RX_L4_CKSUM_MASK,
				 HM_MBUF_F_RX_L4_CKSUM_GOOD, HM_MBUF_F_RX_L4_CKSUM_BAD);
	size_t len = 0;

	r->ptype[ptype_class(m->packet_type)]++;
	r->ip_ck[ck_class(m->ol_flags, HM_MBUF_F_RX_IP_CKSUM_MASK, HM_MBUF_F_RX_IP_CKSUM_GOOD,
			  HM_MBUF_F_RX_IP_CKSUM_BAD)]++;
	r->l4_ck[l4]++;
	if (run->gen == NULL && run->pout == NULL && l4 != CK_BAD)
		return;
	for (struct hm_mbuf *s = m; s != NULL; s = s->next) {
		size_t k = s->data_len;
		if (len + k > sizeof(flat))
			k = sizeof(flat) - len; /* cannot happen: chains are bounded by max_pkt */
		memcpy(flat + len, hm_pktmbuf_mtod(s, void *), k);
		len += k;
	}
	if (l4 == CK_BAD && len >= 14 && hm_traffic_cksum_offloaded(flat, len) == 1)
		r->l4_offloaded++;
	/* --serve: the clients verify */
	if (run->gen != NULL && run->serve == NULL && hm_traffic_verify(flat, len, NULL) != 0)
		r->mismatch++;
	if (run->pout != NULL) {
		uint64_t ts;
		uint32_t cut;
		fifo_pop(&run->fifo[q], &ts, &cut);
		if (r->out_err[0] == '\0') {
			if (hm_pcap_write_orig(run->pout, flat, len, len + cut, ts) < 0)
				snprintf(r->out_err, sizeof(r->out_err), "%s", hm_last_error());
			else
				r->written++;
		}
	}
	(void)o;
}

/* Pull one frame and offer it to the NIC. @return 1 offered, 0 the input ended, -1 failed. */
static int
feed_one(const struct rx_opts *o, struct rx_run *run, struct rx_result *r, bool *warned)
{
	uint64_t ts = 0;
	uint32_t cut = 0;
	int n = hm_traffic_src_next(run->src, frame_buf, sizeof(frame_buf), &ts);

	if (n < 0) {
		snprintf(r->src_err, sizeof(r->src_err), "%s", hm_last_error());
		return -1;
	}
	if (n == 0)
		return 0;
	if ((size_t)n > sizeof(frame_buf)) {
		snprintf(r->src_err, sizeof(r->src_err), "a frame of %d bytes is longer than any "
			 "capture record", n);
		return -1;
	}
	if (run->pin != NULL) {
		struct hm_pcap_rec rec;
		if (hm_pcap_last_rec(run->pin, &rec) == 0 && rec.origlen > rec.caplen) {
			cut = rec.origlen - rec.caplen;
			if (!*warned) {
				*warned = true;
				fprintf(stderr, "hugemem rx: warning: record %" PRIu64 " of %s (offset %"
					PRIu64 ") holds %" PRIu32 " of its %" PRIu32 " bytes: the "
					"capture's snaplen cut it; truncated frames are replayed as "
					"captured and counted in the summary\n",
					hm_pcap_records(run->pin), o->pcap_in, rec.offset, rec.caplen,
					rec.origlen);
			}
		}
	}
	if (o->fix_checksums && n >= 14) {
		int f = hm_traffic_cksum_fix(frame_buf, (size_t)n);
		r->fixed_ip += (f & HM_TRAFFIC_FIXED_IP) != 0;
		r->fixed_l4 += (f & HM_TRAFFIC_FIXED_L4) != 0;
	}
	r->offered++;
	if (hm_nic_rx_frame(run->nic, frame_buf, (size_t)n) == 1 && run->pout != NULL) {
		unsigned int q = 0;
		uint32_t hash;
		if (o->queues > 1 && hm_nic_rss(run->nic, frame_buf, (size_t)n, &hash, &q) < 0)
			q = 0;
		fifo_push(&run->fifo[q], ts, cut);
	}
	return 1;
}

/* The loop: the device takes a burst of frames, every queue drains. */
static void
rx_loop(const struct rx_opts *o, struct rx_run *run, struct rx_result *r)
{
	uint64_t last_progress, limit = o->packets != 0 ? o->packets : UINT64_MAX;
	bool ended = false, warned = false;

	r->t0 = hm_now_ns();
	last_progress = r->t0;
	for (;;) {
		if (!ended) {
			for (unsigned int i = 0; i < o->burst && !ended; i++) {
				if (r->offered >= limit || rx_signal != 0) {
					ended = true;
					break;
				}
				if (feed_one(o, run, r, &warned) <= 0)
					ended = true;
			}
			if (o->duration > 0 && (double)(hm_now_ns() - r->t0) / 1e9 >= o->duration)
				ended = true;
			if (r->out_err[0] != '\0' || rx_signal != 0)
				ended = true;
			if (ended)
				hm_nic_flush(run->nic);
		}
		uint64_t got_round = 0;
		for (unsigned int q = 0; q < o->queues; q++) {
			uint16_t n;
			do {
				uint64_t c0 = rdtsc();
				n = hm_i40e_rx_burst(run->rxq[q], pkts, (uint16_t)o->burst);
				r->cycles += rdtsc() - c0;
				for (uint16_t i = 0; i < n; i++)
					rx_packet(o, run, q, pkts[i], r);
				if (run->serve != NULL)
					serve_dispatch(run->serve, pkts, n);
				else if (run->fwd != NULL)
					rx_fwd_burst(run->fwd, q, pkts, n, r);
				else
					hm_pktmbuf_free_bulk(pkts, n);
				r->delivered += n;
				got_round += n;
			} while (n == o->burst);
		}
		if (ended && got_round == 0)
			break;
		if (!o->json && hm_now_ns() - last_progress > 1000000000ull) {
			last_progress = hm_now_ns();
			fprintf(stderr, "  ... %" PRIu64 " packets, %.1f s\n", r->delivered,
				(double)(last_progress - r->t0) / 1e9);
		}
	}
	if (run->fwd != NULL)
		rx_fwd_drain(run->fwd);
	r->t1 = hm_now_ns();
	r->signal = rx_signal;
}

/* NIC, pool, queues, source and sink. @return 0 or an exit status. */
static int
rx_setup(const struct rx_opts *o, const struct rx_geom *g, struct rx_run *run)
{
	struct hm_nic_conf nc;
	struct hm_probe p;
	struct hm_backend *be = hm_backend_get();

	memset(&p, 0, sizeof(p));
	if (be != NULL && be->ops->probe(be, &p) == 0 && (unsigned int)o->nic_node >= p.n_nodes) {
		fprintf(stderr, "hugemem rx: --nic-node=%d: the topology has %u node(s)\n",
			o->nic_node, p.n_nodes);
		return HM_EXIT_USAGE;
	}
	hm_nic_conf_init(&nc);
	nc.nb_queues = o->queues;
	nc.numa_node = o->nic_node;
	nc.max_chain = g->chain;
	nc.large_frames = g->large;
	nc.max_frame = g->max_pkt;
	run->nic = hm_nic_create(&nc);
	if (run->nic == NULL) {
		fprintf(stderr, "hugemem rx: NIC: %s\n", hm_last_error());
		return HM_EXIT_FAIL;
	}
	/* a per-lcore cache as DPDK applications use, when the pool is big enough for one */
	run->mp = hm_pktmbuf_pool_create("rx_mbuf_pool", g->pool_size,
					 g->pool_size >= 1024 ? 256 : 0, 0, (uint16_t)g->data_room,
					 o->nic_node);
	if (run->mp == NULL) {
		fprintf(stderr, "hugemem rx: mbuf pool of %u x %u bytes on node %d: %s\n",
			g->pool_size, g->data_room, o->nic_node, hm_last_error());
		return HM_EXIT_FAIL;
	}
	for (unsigned int q = 0; q < o->queues; q++) {
		struct hm_i40e_rxq_conf qc;
		hm_i40e_rxq_conf_init(&qc);
		qc.nb_desc = o->descs;
		qc.path = g->scattered ? HM_I40E_RX_SCATTERED : o->path;
		qc.max_pkt_len = g->max_pkt;
		run->rxq[q] = hm_i40e_rxq_setup(run->nic, q, run->mp, &qc);
		if (run->rxq[q] == NULL || hm_i40e_rxq_start(run->rxq[q]) < 0) {
			fprintf(stderr, "hugemem rx: queue %u: %s\n", q, hm_last_error());
			return HM_EXIT_FAIL;
		}
	}
	if (o->forward) {
		int code;
		run->fwd = rx_fwd_setup(o, g, run->pin == NULL,
					run->pin == NULL || hm_pcap_is_nsec(run->pin), &code);
		if (run->fwd == NULL)
			return code;
	}
	if (run->pin != NULL) {
		run->src = hm_pcap_source(run->pin);
	} else {
		struct hm_traffic_gen_conf gc;
		hm_traffic_gen_conf_init(&gc);
		gc.seed = o->seed;
		gc.count = o->packets; /* 0 with --duration alone: unlimited */
		gc.flows = 256;
		gc.proto = HM_TRAFFIC_MIXED;
		gc.size_mode = g->scattered ? HM_TRAFFIC_SIZE_RANDOM : HM_TRAFFIC_SIZE_FIXED;
		gc.size_min = 64;
		gc.size_max = !g->scattered ? 64
			      : g->max_pkt < HM_TRAFFIC_MAX_FRAME ? g->max_pkt : HM_TRAFFIC_MAX_FRAME;
		run->gen = hm_traffic_gen_create(&gc);
		if (run->gen == NULL) {
			fprintf(stderr, "hugemem rx: generator: %s\n", hm_last_error());
			return HM_EXIT_FAIL;
		}
		run->src = hm_traffic_gen_source(run->gen);
	}
	if (o->pcap_out != NULL) {
		struct hm_pcap_writer_conf wc;
		hm_pcap_writer_conf_init(&wc);
		wc.snaplen = HM_PCAP_MAX_SNAPLEN;
		wc.nsec = run->pin == NULL || hm_pcap_is_nsec(run->pin);
		wc.input = run->pin;
		run->pout = hm_pcap_writer_open(o->pcap_out, &wc);
		if (run->pout == NULL) {
			fprintf(stderr, "hugemem rx: --pcap-out=%s: %s\n", o->pcap_out, hm_last_error());
			return hm_errno == EEXIST ? HM_EXIT_USAGE : HM_EXIT_FAIL;
		}
		for (unsigned int q = 0; q < o->queues; q++) {
			struct ts_fifo *f = &run->fifo[q];
			f->cap = o->descs + 1;
			f->ts = calloc(f->cap, sizeof(*f->ts));
			f->cut = calloc(f->cap, sizeof(*f->cut));
			if (f->ts == NULL || f->cut == NULL) {
				fprintf(stderr, "hugemem rx: out of memory\n");
				return HM_EXIT_FAIL;
			}
		}
	}
	return 0;
}

/* --serve: the clients attach to this process's instance. */
static int
rx_serve_setup(const struct rx_opts *o, struct rx_run *run)
{
	const char *rd = hm_runtime_dir(), *prefix;

	if (hm_mp_procs(NULL, 0) < 0) {
		fprintf(stderr, "hugemem rx: --serve needs a shared config for the clients to attach "
			"to: drop --in-memory / --no-shconf\n");
		return HM_EXIT_USAGE;
	}
	prefix = rd != NULL && strrchr(rd, '/') != NULL ? strrchr(rd, '/') + 1 : "hugemem";
	run->serve = calloc(1, sizeof(*run->serve));
	if (run->serve == NULL)
		return HM_EXIT_FAIL;
	return serve_setup(run->serve, o->serve, o->serve_wait > 0 ? o->serve_wait : 30,
			   run->mp, prefix);
}

/* Counters, placement. */
static void
rx_collect(const struct rx_opts *o, struct rx_run *run, struct rx_result *r)
{
	struct hm_i40e_rxq_info qinfo;

	/* close the capture now, so that a failure to write it is in the summary */
	if (run->pout != NULL) {
		if (hm_pcap_writer_close(run->pout) < 0 && r->out_err[0] == '\0')
			snprintf(r->out_err, sizeof(r->out_err), "%s", hm_last_error());
		run->pout = NULL;
	}
	hm_nic_stats_get(run->nic, &r->ns);
	if (run->fwd != NULL)
		rx_fwd_collect(run->fwd, o, r);
	for (unsigned int q = 0; q < o->queues; q++)
		hm_i40e_rxq_stats_get(run->rxq[q], &r->qst[q]);
	if (run->pin != NULL) {
		r->from_pcap = true;
		r->in_format = hm_pcap_format(run->pin);
		hm_pcap_stats(run->pin, &r->in);
	}
	hm_i40e_rxq_info_get(run->rxq[0], &qinfo);
	r->path_name = hm_i40e_rx_path_name(qinfo.path);
	r->ring_node = qinfo.ring_node;
	r->queue_node = qinfo.queue_node;
	r->mbuf_node = -1;
	struct hm_mbuf *probe = hm_pktmbuf_alloc(run->mp);
	if (probe != NULL) {
		const struct hm_memseg *pms = hm_mem_virt2memseg(probe, NULL);
		r->mbuf_node = pms != NULL ? pms->socket_id : -1;
		hm_pktmbuf_free(probe);
	}
}

/* --heapmap=FILE: the NIC node's heap as the run leaves it (pools still live). */
static int
rx_heapmap(const struct rx_opts *o)
{
	struct hm_heap_snapshot *s = hm_heap_snapshot(o->nic_node);
	size_t n = strlen(o->heapmap);
	bool json = n > 5 && strcmp(o->heapmap + n - 5, ".json") == 0;
	FILE *f;
	int rc;

	if (s == NULL) {
		fprintf(stderr, "hugemem rx: --heapmap: %s\n", hm_last_error());
		return HM_EXIT_FAIL;
	}
	f = fopen(o->heapmap, "w");
	if (f == NULL) {
		fprintf(stderr, "hugemem rx: --heapmap=%s: %s\n", o->heapmap, strerror(errno));
		hm_heap_snapshot_free(s);
		return HM_EXIT_FAIL;
	}
	rc = json ? hm_heapmap_json_write(s, f) : hm_heapmap_svg(s, "hugemem rx", f);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	hm_heap_snapshot_free(s);
	if (rc < 0) {
		fprintf(stderr, "hugemem rx: --heapmap=%s: %s\n", o->heapmap, hm_strerror(rc));
		return HM_EXIT_FAIL;
	}
	return HM_EXIT_OK;
}

/* Release everything; @return HM_EXIT_FAIL when data was lost on the way. */
static int
rx_teardown(struct rx_run *run)
{
	int ret = HM_EXIT_OK;

	if (run->serve != NULL) {
		serve_teardown(run->serve);
		free(run->serve);
		run->serve = NULL;
	}
	for (unsigned int q = 0; q < RX_MAX_QUEUES; q++) {
		hm_i40e_rxq_release(run->rxq[q]);
		free(run->fifo[q].ts);
		free(run->fifo[q].cut);
	}
	hm_nic_free(run->nic);
	if (rx_fwd_teardown(run->fwd) < 0) /* before the pool: its rings hold mbufs */
		ret = HM_EXIT_FAIL;
	run->fwd = NULL;
	if (run->mp != NULL)
		hm_mempool_free(run->mp);
	hm_traffic_gen_free(run->gen);
	if (run->pout != NULL && hm_pcap_writer_close(run->pout) < 0) {
		fprintf(stderr, "hugemem rx: --pcap-out: %s\n", hm_last_error());
		ret = HM_EXIT_FAIL;
	}
	hm_pcap_close(run->pin);
	if (run->initialized && hm_cleanup() < 0) {
		fprintf(stderr, "hugemem rx: cleanup: %s\n", hm_last_error());
		ret = HM_EXIT_FAIL;
	}
	return ret;
}

/* --pcap-in and --pcap-out name the same file (any path to it)? */
static bool
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Flush stdout; a summary that could not be written fails the run. */
static int
stdout_check(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int e = errno != 0 ? errno : EIO;
		fprintf(stderr, "hugemem rx: cannot write the summary to standard output: %s\n",
			strerror(e));
		return HM_EXIT_FAIL;
	}
	return HM_EXIT_OK;
}

int
cmd_rx(int argc, char **argv)
{
	struct rx_opts o = { .nic_node = 0, .queues = 1, .descs = 1024, .burst = 32,
			     .path = HM_I40E_RX_AUTO, .seed = 1, .serve_wait = 30 };
	struct sigaction old[sizeof(rx_signals) / sizeof(rx_signals[0])];
	struct rx_run run;
	struct rx_geom g;
	struct rx_result *r = NULL;
	char **nargv;
	int nargc, rc, ret;

	memset(&run, 0, sizeof(run));
	nargv = calloc((size_t)argc + 1, sizeof(*nargv));
	if (nargv == NULL)
		return HM_EXIT_FAIL;
	rc = rx_parse_opts(argc, argv, &o, &nargc, nargv);
	if (rc != 0) {
		free(nargv);
		return rc == RX_HELP ? stdout_check() : rc;
	}
	if (o.packets == 0 && o.duration == 0 && o.pcap_in == NULL)
		o.packets = 100000;
	ret = HM_EXIT_USAGE; /* until the run starts, a refusal is a usage error */
	if (o.pcap_in != NULL) {
		if (o.tx_out != NULL && same_file(o.pcap_in, o.tx_out)) {
			fprintf(stderr, "hugemem rx: --tx-out=%s is the --pcap-in file %s (same "
				"file); refusing to overwrite the capture being replayed\n",
				o.tx_out, o.pcap_in);
			goto out;
		}
		if (o.pcap_out != NULL && same_file(o.pcap_in, o.pcap_out)) {
			fprintf(stderr, "hugemem rx: --pcap-out=%s is the --pcap-in file %s (same "
				"file); refusing to overwrite the capture being replayed\n",
				o.pcap_out, o.pcap_in);
			goto out;
		}
		run.pin = hm_pcap_open(o.pcap_in);
		if (run.pin == NULL) {
			fprintf(stderr, "hugemem rx: --pcap-in=%s: %s\n", o.pcap_in, hm_last_error());
			goto out;
		}
		uint32_t lt = hm_pcap_linktype(run.pin);
		if (hm_pcap_format(run.pin) == HM_PCAP_FORMAT_PCAP && !hm_pcap_linktype_supported(lt)) {
			const char *name = hm_pcap_linktype_name(lt);
			fprintf(stderr, "hugemem rx: --pcap-in=%s: link type %" PRIu32 " (%s) cannot "
				"be replayed as Ethernet (replayed: ETHERNET, NULL, LOOP, LINUX_SLL, "
				"LINUX_SLL2, RAW, IPV4, IPV6)\n", o.pcap_in, lt,
				name != NULL ? name : "unknown");
			goto out;
		}
	}
	if (o.tx_out != NULL && o.pcap_out != NULL && same_file(o.tx_out, o.pcap_out)) {
		fprintf(stderr, "hugemem rx: --tx-out=%s and --pcap-out=%s are the same file\n",
			o.tx_out, o.pcap_out);
		goto out;
	}
	if (rx_geometry(&o, run.pin != NULL ? hm_pcap_snaplen(run.pin) : 0, &g) != 0)
		goto out;
	signals_catch(old);
	rc = hm_init(nargc, nargv);
	if (rc < 0) {
		fprintf(stderr, "hugemem rx: cannot start: %s (%s)\n", hm_strerror(-rc),
			hm_last_error());
		ret = rc == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
		goto out_signals;
	}
	run.initialized = true;
	if (rc + 1 < nargc) {
		fprintf(stderr, "hugemem rx: unexpected argument '%s'\n", nargv[rc + 1]);
		goto out_signals;
	}
	ret = rx_setup(&o, &g, &run);
	if (ret == 0 && o.serve != 0)
		ret = rx_serve_setup(&o, &run);
	if (ret != 0)
		goto out_signals;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		ret = HM_EXIT_FAIL;
		goto out_signals;
	}
	rx_loop(&o, &run, r);
	if (run.serve != NULL) {
		serve_finish(run.serve, o.serve_wait, run.mp);
		r->serve = run.serve;
	}
	rx_collect(&o, &run, r);
	if (run.serve != NULL) {
		/* the pool is whole again once the queues hand back what they hold */
		for (unsigned int q = 0; q < RX_MAX_QUEUES; q++) {
			hm_i40e_rxq_release(run.rxq[q]);
			run.rxq[q] = NULL;
		}
		serve_count_pool(run.serve, run.mp);
	}
	rx_account(&o, r);
	if (r->src_err[0] != '\0')
		fprintf(stderr, "hugemem rx: --pcap-in=%s: %s\n", o.pcap_in != NULL ? o.pcap_in : "",
			r->src_err);
	if (r->out_err[0] != '\0')
		fprintf(stderr, "hugemem rx: --pcap-out=%s: %s\n", o.pcap_out, r->out_err);
	if (r->fwd.out_err[0] != '\0')
		fprintf(stderr, "hugemem rx: --tx-out=%s: %s\n", o.tx_out, r->fwd.out_err);
	if (r->signal != 0)
		fprintf(stderr, "hugemem rx: interrupted (%s): the summary so far follows\n",
			strsignal(r->signal));
	rx_report(&o, &g, r);
	ret = r->ok ? HM_EXIT_OK : HM_EXIT_FAIL;
	if (o.heapmap != NULL && rx_heapmap(&o) != HM_EXIT_OK)
		ret = HM_EXIT_FAIL;
	if (stdout_check() != HM_EXIT_OK)
		ret = HM_EXIT_FAIL;
out_signals:
	if (rx_teardown(&run) != HM_EXIT_OK && ret == HM_EXIT_OK)
		ret = HM_EXIT_FAIL;
	run.pin = NULL;
	signals_restore(old);
out:
	hm_pcap_close(run.pin);
	free(r);
	free(nargv);
	return ret;
}
