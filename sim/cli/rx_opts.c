/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx` options: the usage text, parsing (rx's own options out of argv,
 * the rest left for hm_init), the refusal of an option neither rx nor hugemem
 * knows (with rx's own list), and the buffer geometry the options resolve to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hugemem/hugemem.h"
#include "rx_i.h"

static const char rx_options_text[] =
	"rx options:\n"
	"  --nic-node=N            NUMA node of the NIC: rings, queues and mbufs go there (0)\n"
	"  --queues=N              RX queues, RSS spreads flows over them (1, max 16)\n"
	"  --descs=N               descriptors per queue: a multiple of 32 from 64 to 4096 (1024)\n"
	"  --burst=N               packets per rx_burst call (32, max 512)\n"
	"  --rx-path=P             auto | scalar | bulk | scattered | vector (auto: scattered\n"
	"                          when a frame of --max-pkt-len needs several buffers)\n"
	"  --packets=N             stop after N >= 1 frames (default 100000 generated unless\n"
	"                          --duration; a capture is replayed whole; with both,\n"
	"                          whichever comes first)\n"
	"  --duration=S            stop after S seconds\n"
	"  --pcap-in=FILE          replay FILE (pcap or pcapng; Ethernet, NULL/LOOP, Linux\n"
	"                          cooked SLL/SLL2, raw IP) instead of generating traffic\n"
	"  --pcap-out=FILE         capture what was received into FILE (pcap), with the\n"
	"                          input's timestamps (the generator's clock when generating);\n"
	"                          must not be the --pcap-in file\n"
	"  --data-room=N           bytes per mbuf including the 128-byte headroom, 256..65535\n"
	"                          (2176; raised to fit --max-pkt-len when not given)\n"
	"  --max-pkt-len=N         largest frame received, 64..81280; longer ones are dropped\n"
	"                          as oversize (one buffer; replays: the capture's snaplen up\n"
	"                          to 9728). Above 9728 (i40e's limit) for TSO/GRO captures\n"
	"  --max-chain=N           buffers one frame may use on the scattered path, 1..5 (5)\n"
	"  --max-drops=N           lost frames (missed, oversize, errors) accepted before the\n"
	"                          run counts as failed (0)\n"
	"  --allow-drops           accept any number of lost frames\n"
	"  --fix-checksums         recompute IPv4, TCP and UDP checksums of each frame before\n"
	"                          the NIC sees it (captures taken with checksum offload)\n"
	"  --pool-size=N           mbufs in the pool (sized from queues and descriptors)\n"
	"  --seed=N                generator seed (1)\n"
	"  --serve=N               hand every packet to one of N client processes (round\n"
	"                          robin over rings hugemem_client_K) instead of freeing it;\n"
	"                          start them with `hugemem client --id=K` (same\n"
	"                          --file-prefix); they verify the payloads (1..16)\n"
	"  --serve-wait=S          seconds to wait for the clients to attach and finish (30)\n"
	"  --forward               send every received packet on a second port (port 1: a\n"
	"                          second NIC on the same node, RX queue q -> TX queue q)\n"
	"  --tx-path=P             --forward: auto | scalar | simple (auto: simple unless\n"
	"                          frames chain over several buffers)\n"
	"  --tx-descs=N            --forward: TX descriptors per queue (--descs)\n"
	"  --tx-out=FILE           --forward: capture what port 1 sent into FILE (pcap,\n"
	"                          timestamps 1 us apart); without it the frames are\n"
	"                          checked and discarded\n"
	"  --heapmap=FILE          at the end of the run, draw the NIC node's heap into FILE\n"
	"                          (SVG; a .json FILE gets the snapshot, `hugemem heapmap\n"
	"                          --from=FILE` draws it)\n"
	"  --json                  print the summary as one JSON object\n";

static const char rx_usage_head[] =
	"usage: hugemem rx [rx options] [hugemem options]\n"
	"\n"
	"Generated (or captured) traffic through the fake NIC into the i40e RX driver,\n"
	"on the NIC's node; every generated payload is verified.\n"
	"\n";

static const char rx_usage_tail[] =
	"\n"
	"hugemem options (--backend, --topology, -m, --in-memory, ...): see `hugemem help`.\n"
	"SIGINT / SIGTERM stop the run: the summary so far is printed, everything is\n"
	"cleaned up, and the exit status is 1 (\"interrupted\").\n"
	"Exit status: 0 every frame delivered (with --forward: and sent on port 1) or\n"
	"lost within --max-drops, every generated payload intact, the input read to its\n"
	"end; 1 the run failed (lost frames, a payload mismatch, a corrupt capture, a\n"
	"--pcap-out, --tx-out or stdout write error, setup failure, interrupted); 2 usage\n"
	"(a bad option or argument,\n"
	"nothing was run).\n";

static void
print_usage(FILE *f)
{
	fputs(rx_usage_head, f);
	fputs(rx_options_text, f);
	fputs(rx_usage_tail, f);
}

static int
parse_u(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*v < '0' || *v > '9')
		return -1;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || x > max)
		return -1;
	*out = x;
	return 0;
}

/*
 * Whether @p name (without dashes, up to '=') is a hugemem option: one named
 * in hm_usage(), exactly or as the unambiguous abbreviation getopt accepts.
 * @return 1 yes, 0 no, -1 an abbreviation of several.
 */
static int
hugemem_option(const char *name, size_t len)
{
	const char *p = hm_usage(), *match = NULL;
	size_t match_n = 0;
	bool ambiguous = false;

	if (len == 0)
		return 0;
	while ((p = strstr(p, "--")) != NULL) {
		const char *s = p + 2;
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
		p = s + n;
		if (n < len || strncmp(s, name, len) != 0)
			continue;
		if (n == len)
			return 1;
		/* an abbreviation: accepted when every option it starts names the same one */
		if (match != NULL && (match_n != n || strncmp(match, s, n) != 0))
			ambiguous = true;
		match = s;
		match_n = n;
	}
	return ambiguous ? -1 : match != NULL;
}

static int
unknown_option(const char *a)
{
	fprintf(stderr, "hugemem rx: unknown option '%s'\n\n", a);
	fputs(rx_options_text, stderr);
	fputs("\nhugemem options (--backend, --topology, -m, --in-memory, ...): see "
	      "`hugemem help`.\n", stderr);
	return HM_EXIT_USAGE;
}

static int
bad_value(const char *a, const char *rule)
{
	fprintf(stderr, "hugemem rx: %s: %s\n", a, rule);
	return HM_EXIT_USAGE;
}

int
rx_parse_opts(int argc, char **argv, struct rx_opts *o, int *nargc, char **nargv)
{
	const char *tx_opt = NULL; /* a TX option seen (needs --forward) */

	*nargc = 0;
	nargv[(*nargc)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		size_t kl = v != NULL ? (size_t)(v - a) : strlen(a);
		uint64_t x = 0;
		int bad = 0;

		v = v != NULL ? v + 1 : NULL;
#define KEY(k) (kl == strlen(k) && strncmp(a, k, kl) == 0)
		if (KEY("--help") || KEY("-h")) {
			print_usage(stdout);
			return RX_HELP;
		}
		if (KEY("--json") || KEY("--allow-drops") || KEY("--fix-checksums") ||
		    KEY("--forward")) {
			if (v != NULL)
				return bad_value(a, "takes no value");
			if (KEY("--json"))
				o->json = true;
			else if (KEY("--forward"))
				o->forward = true;
			else if (KEY("--allow-drops"))
				o->max_drops = UINT64_MAX;
			else
				o->fix_checksums = true;
			continue;
		}
		if (!(KEY("--nic-node") || KEY("--queues") || KEY("--descs") || KEY("--burst") ||
		      KEY("--rx-path") || KEY("--packets") || KEY("--duration") ||
		      KEY("--pcap-in") || KEY("--pcap-out") || KEY("--pool-size") || KEY("--seed") ||
		      KEY("--data-room") || KEY("--max-pkt-len") || KEY("--max-chain") ||
		      KEY("--max-drops") || KEY("--serve") || KEY("--serve-wait") ||
		      KEY("--tx-path") || KEY("--tx-descs") || KEY("--tx-out") || KEY("--heapmap"))) {
			/* hugemem's options (and their values) go to hm_init */
			int known = a[0] == '-' && a[1] == '-' && a[2] != '\0' ? hugemem_option(a + 2, kl - 2)
										 : 1;
			if (known < 0) {
				fprintf(stderr, "hugemem rx: ambiguous option '%s': it abbreviates more "
					"than one hugemem option (see `hugemem help`)\n", a);
				return HM_EXIT_USAGE;
			}
			if (known == 0)
				return unknown_option(a);
			if (a[0] == '-' && a[1] != '-' && a[1] != '\0' && a[1] != 'm')
				return unknown_option(a);
			nargv[(*nargc)++] = argv[i];
			continue;
		}
		if (v == NULL || *v == '\0') {
			fprintf(stderr, "hugemem rx: option %.*s needs =VALUE\n", (int)kl, a);
			return HM_EXIT_USAGE;
		}
		if (KEY("--nic-node")) {
			if (parse_u(v, HM_MAX_NUMA_NODES - 1, &x))
				return bad_value(a, "a NUMA node number");
			o->nic_node = (int)x;
		} else if (KEY("--queues")) {
			if (parse_u(v, RX_MAX_QUEUES, &x) || x == 0)
				return bad_value(a, "from 1 to 16 queues");
			o->queues = (unsigned int)x;
		} else if (KEY("--descs")) {
			if (parse_u(v, HM_I40E_MAX_RING_DESC, &x) || x < HM_I40E_MIN_RING_DESC ||
			    x % HM_I40E_ALIGN_RING_DESC != 0)
				return bad_value(a, "the descriptors per queue must be a multiple of 32 "
						 "from 64 to 4096");
			o->descs = (unsigned int)x;
		} else if (KEY("--burst")) {
			if (parse_u(v, RX_MAX_BURST, &x) || x == 0)
				return bad_value(a, "from 1 to 512 packets");
			o->burst = (unsigned int)x;
		} else if (KEY("--pool-size")) {
			if (parse_u(v, 1u << 24, &x) || x == 0)
				return bad_value(a, "from 1 to 16777216 mbufs");
			o->pool_size = (unsigned int)x;
		} else if (KEY("--packets")) {
			if (parse_u(v, UINT64_MAX, &x) || x == 0)
				return bad_value(a, "a frame count of at least 1");
			o->packets = x;
		} else if (KEY("--seed")) {
			bad = parse_u(v, UINT64_MAX, &x);
			o->seed = x;
		} else if (KEY("--max-drops")) {
			if (parse_u(v, UINT64_MAX - 1, &x))
				return bad_value(a, "a frame count (or --allow-drops)");
			o->max_drops = x;
		} else if (KEY("--data-room")) {
			if (parse_u(v, 65535, &x) || x < 256)
				return bad_value(a, "bytes per mbuf including the 128-byte headroom, "
						 "from 256 to 65535");
			o->data_room = (unsigned int)x;
		} else if (KEY("--max-pkt-len")) {
			if (parse_u(v, HM_NIC_FRAME_MAX_LARGE, &x) || x < 64)
				return bad_value(a, "the largest frame, from 64 to 81280 bytes");
			o->max_pkt_len = (unsigned int)x;
		} else if (KEY("--max-chain")) {
			if (parse_u(v, HM_NIC_CHAIN_MAX, &x) || x == 0)
				return bad_value(a, "buffers per frame, from 1 to 5");
			o->max_chain = (unsigned int)x;
		} else if (KEY("--serve")) {
			if (parse_u(v, SERVE_MAX_CLIENTS, &x) || x == 0)
				return bad_value(a, "from 1 to 16 clients");
			o->serve = (unsigned int)x;
		} else if (KEY("--serve-wait")) {
			char *end;
			o->serve_wait = strtod(v, &end);
			bad = end == v || *end != '\0' || !(o->serve_wait > 0) || o->serve_wait > 86400;
		} else if (KEY("--duration")) {
			char *end;
			o->duration = strtod(v, &end);
			bad = end == v || *end != '\0' || !(o->duration > 0) || o->duration > 1e9;
		} else if (KEY("--rx-path")) {
			bad = hm_i40e_rx_path_parse(v, &o->path) < 0;
		} else if (KEY("--tx-path")) {
			if (hm_i40e_tx_path_parse(v, &o->tx_path) < 0)
				return bad_value(a, "auto, scalar or simple");
			tx_opt = a;
		} else if (KEY("--tx-descs")) {
			if (parse_u(v, HM_I40E_MAX_RING_DESC, &x) || x < HM_I40E_MIN_RING_DESC ||
			    x % HM_I40E_ALIGN_RING_DESC != 0)
				return bad_value(a, "the TX descriptors per queue must be a multiple of "
						 "32 from 64 to 4096");
			o->tx_descs = (unsigned int)x;
			tx_opt = a;
		} else if (KEY("--tx-out")) {
			o->tx_out = v;
			tx_opt = a;
		} else if (KEY("--pcap-in")) {
			o->pcap_in = v;
		} else if (KEY("--pcap-out")) {
			o->pcap_out = v;
		} else if (KEY("--heapmap")) {
			o->heapmap = v;
		}
#undef KEY
		if (bad) {
			fprintf(stderr, "hugemem rx: bad value in %s\n", a);
			return HM_EXIT_USAGE;
		}
	}
	if (tx_opt != NULL && !o->forward) {
		fprintf(stderr, "hugemem rx: %s needs --forward (the TX side is port 1 of a "
			"forwarding run)\n", tx_opt);
		return HM_EXIT_USAGE;
	}
	if (o->serve != 0 && o->forward) {
		fprintf(stderr, "hugemem rx: --serve and --forward both take the received "
			"packets (to client processes, to port 1): give one of them\n");
		return HM_EXIT_USAGE;
	}
	if (o->tx_out != NULL && o->pcap_out != NULL && strcmp(o->tx_out, o->pcap_out) == 0) {
		fprintf(stderr, "hugemem rx: --tx-out and --pcap-out name the same file %s\n",
			o->tx_out);
		return HM_EXIT_USAGE;
	}
	return 0;
}

/* Bytes of one buffer for a data room: what the driver programs. */
static unsigned int
buf_of(unsigned int data_room)
{
	unsigned int b = (data_room - HM_PKTMBUF_HEADROOM) & ~(HM_NIC_BUF_UNIT - 1);
	return b > HM_NIC_BUF_MAX ? HM_NIC_BUF_MAX : b;
}

int
rx_geometry(const struct rx_opts *o, uint32_t snaplen, struct rx_geom *g)
{
	bool want_scat = o->path == HM_I40E_RX_SCATTERED;
	bool single = o->path == HM_I40E_RX_SCALAR || o->path == HM_I40E_RX_BULK;

	memset(g, 0, sizeof(*g));
	g->data_room = o->data_room;
	if (g->data_room == 0)
		g->data_room = want_scat && o->pcap_in == NULL && o->max_pkt_len == 0
				       ? HM_PKTMBUF_HEADROOM + 512 /* frames chain over 512-byte buffers */
				       : HM_MBUF_DEFAULT_BUF_SIZE;
	g->buf_size = buf_of(g->data_room);
	if (o->max_pkt_len != 0)
		g->max_pkt = o->max_pkt_len;
	else if (o->pcap_in != NULL) /* a replay takes what the capture may hold, up to 9728 */
		g->max_pkt = snaplen < 64 ? 64 : snaplen < HM_I40E_FRAME_SIZE_MAX ? snaplen
										 : HM_I40E_FRAME_SIZE_MAX;
	else if (want_scat)
		g->max_pkt = 2560;
	else
		g->max_pkt = g->buf_size; /* generated frames fit one buffer */
	if (single && o->max_pkt_len == 0 && g->max_pkt > g->buf_size)
		g->max_pkt = g->buf_size; /* one buffer per frame: what the path can take */
	g->scattered = want_scat || (!single && g->max_pkt > g->buf_size);
	if (o->max_chain > 1 && !g->scattered) {
		fprintf(stderr, "hugemem rx: --max-chain=%u needs the scattered path (--rx-path=%s "
			"takes one buffer per frame)\n", o->max_chain, hm_i40e_rx_path_name(o->path));
		return HM_EXIT_USAGE;
	}
	g->chain = g->scattered ? (o->max_chain != 0 ? o->max_chain : HM_NIC_CHAIN_MAX) : 1;
	if ((uint64_t)g->buf_size * g->chain < g->max_pkt) {
		/* buffers too small for the largest frame: grow them unless told not to */
		unsigned int need = (g->max_pkt + g->chain - 1) / g->chain;
		need = (need + HM_NIC_BUF_UNIT - 1) & ~(HM_NIC_BUF_UNIT - 1);
		if (o->data_room != 0 || need > HM_NIC_BUF_MAX || need + HM_PKTMBUF_HEADROOM > 65535) {
			fprintf(stderr, "hugemem rx: --max-pkt-len=%u does not fit %u buffer(s) of %u "
				"bytes: raise --data-room to %u%s\n", g->max_pkt, g->chain,
				g->buf_size, need + HM_PKTMBUF_HEADROOM,
				g->chain < HM_NIC_CHAIN_MAX ? " or --max-chain" : "");
			return HM_EXIT_USAGE;
		}
		g->data_room = need + HM_PKTMBUF_HEADROOM;
		g->buf_size = buf_of(g->data_room);
	}
	g->large = g->max_pkt > HM_NIC_FRAME_MAX;
	/* --forward: the TX rings hold mbufs too */
	unsigned int tx_descs = o->forward ? (o->tx_descs != 0 ? o->tx_descs : o->descs) : 0;
	g->pool_size = o->pool_size != 0
			       ? o->pool_size
			       : o->queues * (o->descs + tx_descs + 2 * o->burst * g->chain + 64) *
					 (g->scattered && g->chain > 1 ? 2 : 1) +
					 /* --serve: full client rings, and what each client holds */
					 o->serve * (SERVE_RING_SIZE + 2 * RX_MAX_BURST) * g->chain;
	return 0;
}
