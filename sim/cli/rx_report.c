/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx` results: the accounting (every frame offered is delivered or
 * counted as a drop; which drops are losses; the verdict) and the summary, as
 * text or as one JSON object.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rx_i.h"

static const char *const ptype_names[PT_COUNT] = {
	"l2", "ipv4", "ipv4_tcp", "ipv4_udp", "ipv4_icmp", "ipv4_frag",
	"ipv6", "ipv6_tcp", "ipv6_udp", "ipv6_icmp", "ipv6_frag", "unknown",
};

void
rx_account(const struct rx_opts *o, struct rx_result *r)
{
	uint64_t drv_drop, accounted;

	r->missed = r->nombuf = r->dma = r->ringf = r->errs = r->badlen = r->noeof = 0;
	for (unsigned int q = 0; q < o->queues; q++) {
		r->nombuf += r->qst[q].rx_nombuf;
		r->errs += r->qst[q].rx_errors;
		r->badlen += r->qst[q].rx_bad_len;
		r->noeof += r->qst[q].rx_no_eof;
		r->missed += r->ns.q[q].missed;
		r->dma += r->ns.q[q].dma_faults;
		r->ringf += r->ns.q[q].ring_faults;
	}
	/* a frame the NIC wrote back with RXE is dropped (and counted) by the driver */
	drv_drop = r->errs + r->badlen + r->noeof;
	r->lost = drv_drop + r->missed + r->ringf + r->ns.no_queue + r->ns.oversize;
	accounted = r->delivered + r->lost;
	r->unaccounted = r->ns.frames_in > accounted ? r->ns.frames_in - accounted
						     : accounted - r->ns.frames_in;
	r->ok = r->mismatch == 0 && r->unaccounted == 0 && r->lost <= o->max_drops &&
		r->src_err[0] == '\0' && r->out_err[0] == '\0' && r->signal == 0 &&
		(r->serve == NULL || serve_ok(r->serve));
	if (o->forward) {
		const struct rx_fwd_result *f = &r->fwd;
		/* every delivered packet forwarded or given up; every forwarded one sent or
		 * counted; losses on both ports share --max-drops */
		r->ok = r->ok && f->forwarded + f->given_up == r->delivered &&
			f->sent + f->lost - f->given_up == f->forwarded && f->mismatch == 0 &&
			f->out_err[0] == '\0' &&
			(o->max_drops == UINT64_MAX || r->lost + f->lost <= o->max_drops);
	}
}

/* A JSON string (quotes included), or null for NULL. */
static void
json_str(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *
lt_name(uint32_t lt)
{
	const char *n = hm_pcap_linktype_name(lt);
	return n != NULL ? n : "unknown";
}

static const char *
sig_name(int sig)
{
	switch (sig) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	default:
		return "a signal";
	}
}

static void
report_json(const struct rx_opts *o, const struct rx_geom *g, const struct rx_result *r)
{
	double secs = (double)(r->t1 - r->t0) / 1e9;
	double mpps = secs > 0 ? (double)r->delivered / secs / 1e6 : 0;
	double cpp = r->delivered > 0 ? (double)r->cycles / (double)r->delivered : 0;

	printf("{\"packets\": %" PRIu64 ", \"offered\": %" PRIu64 ", \"seconds\": %.6f, "
	       "\"mpps\": %.3f, \"cycles_per_packet\": %.1f, \"rx_path\": \"%s\", "
	       "\"data_room\": %u, \"max_pkt_len\": %u, \"max_chain\": %u, "
	       "\"drops\": {\"rx_missed\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64
	       ", \"dma_faults\": %" PRIu64 ", \"rx_errors\": %" PRIu64
	       ", \"rx_bad_len\": %" PRIu64 ", \"rx_no_eof\": %" PRIu64
	       ", \"ring_faults\": %" PRIu64 ", \"no_queue\": %" PRIu64 ", \"oversize\": %" PRIu64
	       "}, \"lost\": %" PRIu64 ", \"max_drops\": ",
	       r->delivered, r->ns.frames_in, secs, mpps, cpp, r->path_name, g->data_room,
	       g->max_pkt, g->chain, r->missed, r->nombuf, r->dma, r->errs, r->badlen, r->noeof,
	       r->ringf, r->ns.no_queue, r->ns.oversize, r->lost);
	if (o->max_drops == UINT64_MAX)
		fputs("null", stdout);
	else
		printf("%" PRIu64, o->max_drops);
	fputs(", \"queues\": [", stdout);
	for (unsigned int q = 0; q < o->queues; q++)
		printf("%s{\"queue\": %u, \"packets\": %" PRIu64 ", \"missed\": %" PRIu64 "}",
		       q ? ", " : "", q, r->qst[q].packets, r->ns.q[q].missed);
	printf("], \"placement\": {\"nic_node\": %d, \"ring_node\": %d, \"queue_node\": %d, "
	       "\"mbuf_node\": %d}, ", o->nic_node, r->ring_node, r->queue_node, r->mbuf_node);
	fputs("\"input\": {\"kind\": ", stdout);
	if (r->from_pcap) {
		printf("\"%s\", \"file\": ", r->in_format == HM_PCAP_FORMAT_PCAPNG ? "pcapng" : "pcap");
		json_str(o->pcap_in);
		printf(", \"records\": %" PRIu64 ", \"truncated\": %" PRIu64 ", \"empty\": %" PRIu64
		       ", \"wrapped\": %" PRIu64 ", \"wrapped_from\": ", r->in.records,
		       r->in.truncated, r->in.empty, r->in.wrapped);
		json_str(r->in.wrapped == 0 ? NULL
		       : r->in.wrapped_mixed ? "several"
					     : lt_name(r->in.wrapped_linktype));
		printf(", \"sections\": %" PRIu32 ", \"interfaces\": %" PRIu32,
		       r->in.sections, r->in.interfaces);
	} else {
		printf("\"generator\", \"seed\": %" PRIu64, o->seed);
	}
	fputs(", \"error\": ", stdout);
	json_str(r->src_err[0] != '\0' ? r->src_err : NULL);
	printf("}, \"checksums\": {\"ip_good\": %" PRIu64 ", \"ip_bad\": %" PRIu64
	       ", \"ip_unknown\": %" PRIu64 ", \"l4_good\": %" PRIu64 ", \"l4_bad\": %" PRIu64
	       ", \"l4_unknown\": %" PRIu64 ", \"l4_offloaded\": %" PRIu64
	       ", \"fixed_ip\": %" PRIu64 ", \"fixed_l4\": %" PRIu64 "}, \"ptypes\": {",
	       r->ip_ck[CK_GOOD], r->ip_ck[CK_BAD], r->ip_ck[CK_UNKNOWN] + r->ip_ck[CK_NONE],
	       r->l4_ck[CK_GOOD], r->l4_ck[CK_BAD], r->l4_ck[CK_UNKNOWN] + r->l4_ck[CK_NONE],
	       r->l4_offloaded, r->fixed_ip, r->fixed_l4);
	for (int i = 0; i < PT_COUNT; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", ptype_names[i], r->ptype[i]);
	fputs("}, \"pcap_out\": ", stdout);
	if (o->pcap_out != NULL) {
		fputs("{\"file\": ", stdout);
		json_str(o->pcap_out);
		printf(", \"frames\": %" PRIu64 ", \"error\": ", r->written);
		json_str(r->out_err[0] != '\0' ? r->out_err : NULL);
		putchar('}');
	} else {
		fputs("null", stdout);
	}
	printf(", \"payload_mismatches\": %" PRIu64 ", \"payload_checked\": %s, "
	       "\"unaccounted\": %" PRIu64 ", \"interrupted\": %s, \"signal\": ",
	       r->mismatch, r->from_pcap ? "false" : "true", r->unaccounted,
	       r->signal != 0 ? "true" : "false");
	json_str(r->signal != 0 ? sig_name(r->signal) : NULL);
	fputs(", \"forward\": ", stdout);
	if (o->forward) {
		const struct rx_fwd_result *f = &r->fwd;
		printf("{\"tx_path\": \"%s\", \"forwarded\": %" PRIu64 ", \"sent\": %" PRIu64
		       ", \"bytes\": %" PRIu64 ", \"tx_cycles_per_packet\": %.1f"
		       ", \"rx_tx_cycles_per_packet\": %.1f, \"given_up\": %" PRIu64
		       ", \"tx_bad\": %" PRIu64 ", \"oerrors\": %" PRIu64 ", \"dma_errors\": %" PRIu64
		       ", \"malformed\": %" PRIu64 ", \"in_flight\": %" PRIu64 ", \"lost\": %" PRIu64
		       ", \"payload_mismatches\": %" PRIu64 ", \"ring_node\": %d, \"queue_node\": %d"
		       ", \"tx_out\": ", f->path_name, f->forwarded, f->sent, f->bytes,
		       f->forwarded > 0 ? (double)f->cycles / (double)f->forwarded : 0,
		       f->forwarded > 0 ? (double)(r->cycles + f->cycles) / (double)f->forwarded : 0,
		       f->given_up, f->tx_bad, f->oerrors, f->dma_errors, f->malformed, f->in_flight,
		       f->lost, f->mismatch, f->ring_node, f->queue_node);
		if (o->tx_out != NULL) {
			fputs("{\"file\": ", stdout);
			json_str(o->tx_out);
			printf(", \"frames\": %" PRIu64 ", \"error\": ", f->written);
			json_str(f->out_err[0] != '\0' ? f->out_err : NULL);
			putchar('}');
		} else {
			fputs("null", stdout);
		}
		fputs(", \"queues\": [", stdout);
		for (unsigned int q = 0; q < o->queues; q++)
			printf("%s{\"queue\": %u, \"sent\": %" PRIu64 "}", q ? ", " : "", q,
			       f->dst[q].packets);
		fputs("]}", stdout);
	} else {
		fputs("null", stdout);
	}
	if (r->serve != NULL)
		serve_report(r->serve, true);
	printf(", \"ok\": %s}\n", r->ok ? "true" : "false");
}

/* "rx_missed 3 (why), oversize 2 (why)" for the non-zero loss reasons. */
static void
print_losses(const struct rx_geom *g, const struct rx_result *r)
{
	const char *sep = "";
	struct {
		uint64_t n;
		const char *name, *why;
	} l[] = {
		{ r->missed, "rx_missed", "no armed descriptor: the ring was full" },
		{ r->ns.oversize, "oversize", NULL },
		{ r->errs, "rx_errors", "written back with RXE (DMA faults)" },
		{ r->badlen, "rx_bad_len", "a bad buffer length" },
		{ r->noeof, "rx_no_eof", "no end of frame" },
		{ r->ringf, "ring_faults", "descriptor ring not readable" },
		{ r->ns.no_queue, "no_queue", "steered to a queue that is not set up" },
	};

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
		if (l[i].n == 0)
			continue;
		printf("%s%s %" PRIu64 " (", sep, l[i].name, l[i].n);
		if (l[i].why != NULL)
			fputs(l[i].why, stdout);
		else
			printf("longer than %u bytes, --max-pkt-len%s", g->max_pkt,
			       g->max_pkt < HM_NIC_FRAME_MAX_LARGE ? ": raise it" : "");
		if (i == 0 && r->nombuf > 0)
			printf("; rx_nombuf %" PRIu64 ": the pool ran dry", r->nombuf);
		putchar(')');
		sep = ", ";
	}
}

/* The --forward lines: port 1's figures, losses, payloads, capture. */
static void
report_forward(const struct rx_opts *o, const struct rx_result *r)
{
	const struct rx_fwd_result *f = &r->fwd;
	double tx_cpp = f->forwarded > 0 ? (double)f->cycles / (double)f->forwarded : 0;
	double all_cpp = f->forwarded > 0 ? (double)(r->cycles + f->cycles) / (double)f->forwarded
					  : 0;

	printf("forward: %" PRIu64 " of %" PRIu64 " packets sent by port 1 (%s TX path, %u x %u "
	       "descriptors): %.1f TX driver cycles/packet, %.1f RX+TX driver cycles/packet\n",
	       f->sent, r->delivered, f->path_name, o->queues,
	       o->tx_descs != 0 ? o->tx_descs : o->descs, tx_cpp, all_cpp);
	printf("  port 1 placement: descriptor rings node %d, queue structs node %d\n",
	       f->ring_node, f->queue_node);
	if (o->queues > 1)
		for (unsigned int q = 0; q < o->queues; q++)
			printf("  tx queue %u: %" PRIu64 " packets\n", q, f->dst[q].packets);
	if (f->lost == 0)
		printf("  forward lost: none\n");
	else
		printf("  forward lost: %" PRIu64 " (given up on a full ring %" PRIu64 ", refused by "
		       "the driver %" PRIu64 ", oerrors %" PRIu64 ", dma_errors %" PRIu64
		       ", malformed %" PRIu64 ", never taken by the device %" PRIu64 ")\n",
		       f->lost, f->given_up, f->tx_bad, f->oerrors, f->dma_errors, f->malformed,
		       f->in_flight);
	if (!r->from_pcap)
		printf("  forwarded payloads: %s (%" PRIu64 " changed)\n",
		       f->mismatch == 0 ? "every payload left port 1 as it arrived" : "MISMATCH",
		       f->mismatch);
	if (o->tx_out != NULL) {
		if (f->out_err[0] != '\0')
			printf("  tx capture: ERROR: %s (%" PRIu64 " frames written to %s)\n",
			       f->out_err, f->written, o->tx_out);
		else
			printf("  tx capture: %" PRIu64 " frames written to %s\n", f->written,
			       o->tx_out);
	}
}

static void
report_text(const struct rx_opts *o, const struct rx_geom *g, const struct rx_result *r)
{
	double secs = (double)(r->t1 - r->t0) / 1e9;
	double mpps = secs > 0 ? (double)r->delivered / secs / 1e6 : 0;
	double cpp = r->delivered > 0 ? (double)r->cycles / (double)r->delivered : 0;

	printf("hugemem rx: %" PRIu64 " packets of %" PRIu64 " offered in %.3f s: %.2f Mpps, "
	       "%.1f driver cycles/packet (%s path, burst %u, %u x %u descriptors, %u-byte "
	       "buffers, frames up to %u bytes)\n",
	       r->delivered, r->ns.frames_in, secs, mpps, cpp, r->path_name, o->burst,
	       o->queues, o->descs, g->buf_size, g->max_pkt);
	if (r->from_pcap) {
		printf("input: %s (%s", o->pcap_in,
		       r->in_format == HM_PCAP_FORMAT_PCAPNG ? "pcapng" : "pcap");
		if (r->in_format == HM_PCAP_FORMAT_PCAPNG)
			printf(", %" PRIu32 " section(s), %" PRIu32 " interface(s)", r->in.sections,
			       r->in.interfaces);
		printf("): %" PRIu64 " records", r->in.records);
		if (r->in.wrapped > 0)
			printf(", %" PRIu64 " frames wrapped from %s into Ethernet (02:00:00:00:00:01 "
			       "> 02:00:00:00:00:02)", r->in.wrapped,
			       r->in.wrapped_mixed ? "several link types"
						   : lt_name(r->in.wrapped_linktype));
		if (r->in.truncated > 0)
			printf(", %" PRIu64 " truncated by the capture's snaplen", r->in.truncated);
		if (r->in.empty > 0)
			printf(", %" PRIu64 " empty skipped", r->in.empty);
		putchar('\n');
	} else {
		printf("input: generator (seed %" PRIu64 ")\n", o->seed);
	}
	printf("drops: rx_missed %" PRIu64 ", rx_nombuf %" PRIu64 " (retried, not lost), "
	       "dma_faults %" PRIu64 ", rx_errors %" PRIu64 ", rx_bad_len %" PRIu64
	       ", rx_no_eof %" PRIu64 ", no_queue %" PRIu64 ", oversize %" PRIu64 "\n",
	       r->missed, r->nombuf, r->dma, r->errs, r->badlen, r->noeof, r->ns.no_queue,
	       r->ns.oversize);
	for (unsigned int q = 0; q < o->queues; q++)
		printf("  queue %u: %" PRIu64 " packets, %" PRIu64 " missed\n", q,
		       r->qst[q].packets, r->ns.q[q].missed);
	printf("placement: NIC node %d, descriptor rings node %d, queue structs node %d, "
	       "mbufs node %d\n", o->nic_node, r->ring_node, r->queue_node, r->mbuf_node);
	printf("checksums: IPv4 header good %" PRIu64 ", bad %" PRIu64 ", not checked %" PRIu64
	       "; TCP/UDP good %" PRIu64 ", bad %" PRIu64 ", not checked %" PRIu64 "\n",
	       r->ip_ck[CK_GOOD], r->ip_ck[CK_BAD], r->ip_ck[CK_UNKNOWN] + r->ip_ck[CK_NONE],
	       r->l4_ck[CK_GOOD], r->l4_ck[CK_BAD], r->l4_ck[CK_UNKNOWN] + r->l4_ck[CK_NONE]);
	fputs("ptypes:", stdout);
	for (int i = 0, first = 1; i < PT_COUNT; i++)
		if (r->ptype[i] != 0) {
			printf("%s %s %" PRIu64, first ? "" : ",", ptype_names[i], r->ptype[i]);
			first = 0;
		}
	putchar('\n');
	if (o->fix_checksums)
		printf("fixed checksums (--fix-checksums): %" PRIu64 " IPv4 headers, %" PRIu64
		       " TCP/UDP\n", r->fixed_ip, r->fixed_l4);
	if (r->l4_offloaded > 0)
		printf("note: %" PRIu64 " of the %" PRIu64 " bad TCP/UDP checksums hold only the "
		       "pseudo-header sum: the capture was taken on the sending host with "
		       "checksum offload (its NIC filled them in on the wire); replay with "
		       "--fix-checksums to recompute them\n", r->l4_offloaded, r->l4_ck[CK_BAD]);
	if (!r->from_pcap)
		printf("payloads: %s (%" PRIu64 " mismatched)\n",
		       r->mismatch == 0 ? "every payload matched what was sent" : "MISMATCH",
		       r->mismatch);
	else
		printf("payloads: not checked (pcap input)\n");
	if (r->lost == 0) {
		printf("lost: none\n");
	} else {
		printf("lost: %" PRIu64 " frames: ", r->lost);
		print_losses(g, r);
		if (o->max_drops == UINT64_MAX)
			printf("; accepted (--allow-drops)\n");
		else if (r->lost <= o->max_drops)
			printf("; within --max-drops=%" PRIu64 "\n", o->max_drops);
		else
			printf("; more than --max-drops=%" PRIu64 " (--allow-drops accepts any)\n",
			       o->max_drops);
	}
	if (r->src_err[0] != '\0')
		printf("input: ERROR: %s; the rest of the input was not replayed\n", r->src_err);
	if (o->pcap_out != NULL) {
		if (r->out_err[0] != '\0')
			printf("capture: ERROR: %s (%" PRIu64 " frames written to %s)\n", r->out_err,
			       r->written, o->pcap_out);
		else
			printf("capture: %" PRIu64 " frames written to %s\n", r->written, o->pcap_out);
	}
	if (o->forward)
		report_forward(o, r);
	if (r->unaccounted != 0)
		printf("accounting: %" PRIu64 " FRAMES UNACCOUNTED FOR\n", r->unaccounted);
	else if (r->src_err[0] != '\0' || r->signal != 0)
		printf("accounting: every frame offered was delivered or counted as a drop, but "
		       "the input was not read to its end\n");
	else
		printf("accounting: every frame delivered or counted as a drop\n");
	if (r->serve != NULL)
		serve_report(r->serve, false);
	if (r->signal != 0)
		printf("verdict: interrupted by %s\n", sig_name(r->signal));
	else
		printf("verdict: %s\n", r->ok ? "ok" : "FAILED");
}

void
rx_report(const struct rx_opts *o, const struct rx_geom *g, const struct rx_result *r)
{
	if (o->json)
		report_json(o, g, r);
	else
		report_text(o, g, r);
}
