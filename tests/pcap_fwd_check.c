/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two ends of a forwarding test through DPDK example programs
 * (tests/dpdk_example_fwd.sh):
 *   pcap_fwd_check gen FILE N SEED
 *       write N generated frames (mixed protocols, 64..1514 bytes, 32 flows,
 *       seeded) to the capture FILE;
 *   pcap_fwd_check cmp IN OUT LOOPS [DST_PORT]
 *       OUT holds exactly LOOPS times IN's frames, in order, each byte for byte
 *       as it went in; with DST_PORT (l2fwd's MAC rewrite), the destination MAC
 *       must be 02:00:00:00:00:DST_PORT and the source MAC is not compared;
 *   pcap_fwd_check merged IN OUT K
 *       OUT holds IN's frames once each, byte for byte, as K senders forward
 *       them: frame i went to sender i % K (DPDK's client_server_mp hands
 *       frames to its clients round robin), each sender's frames are in OUT in
 *       their order, the senders' streams interleaved in any way.
 * Exit status 0 when so, 1 with the first difference on stderr, 2 on usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"

#define MAX_FRAMES 100000
#define FRAME_CAP 2048

static int
parse_u(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out <= max ? 0 : -1;
}

static int
gen(const char *path, unsigned long n, unsigned long seed)
{
	struct hm_traffic_gen_conf gc;
	struct hm_pcap_writer_conf wc;
	static uint8_t frame[FRAME_CAP];

	hm_traffic_gen_conf_init(&gc);
	gc.seed = seed;
	gc.flows = 32;
	gc.proto = HM_TRAFFIC_MIXED;
	gc.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	gc.size_min = 64;
	gc.size_max = 1514;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&gc);
	hm_pcap_writer_conf_init(&wc);
	struct hm_pcap_writer *w = hm_pcap_writer_open(path, &wc);
	if (g == NULL || w == NULL) {
		fprintf(stderr, "pcap_fwd_check: cannot generate into %s\n", path);
		hm_traffic_gen_free(g);
		hm_pcap_writer_close(w);
		return 1;
	}
	int rc = 0;
	for (unsigned long i = 0; i < n && rc == 0; i++) {
		int len = hm_traffic_gen_next(g, frame, sizeof(frame), NULL);
		if (len <= 0 || hm_pcap_write(w, frame, (size_t)len, (uint64_t)i * 1000) != 0)
			rc = 1;
	}
	hm_traffic_gen_free(g);
	if (hm_pcap_writer_close(w) != 0)
		rc = 1;
	if (rc != 0)
		fprintf(stderr, "pcap_fwd_check: writing %s failed\n", path);
	return rc;
}

/* Every record of @p path, copied: *n of them. */
static uint8_t *
load(const char *path, uint32_t *len, unsigned long *n)
{
	struct hm_pcap_rec rec;
	uint8_t *all = malloc((size_t)MAX_FRAMES * FRAME_CAP);
	struct hm_pcap_reader *r = hm_pcap_open(path);
	int got;

	*n = 0;
	if (all == NULL || r == NULL) {
		fprintf(stderr, "pcap_fwd_check: cannot read %s\n", path);
		free(all);
		hm_pcap_close(r);
		return NULL;
	}
	while (*n < MAX_FRAMES &&
	       (got = hm_pcap_next(r, all + *n * FRAME_CAP, FRAME_CAP, &rec)) == 1)
		len[(*n)++] = rec.caplen;
	hm_pcap_close(r);
	if (*n == MAX_FRAMES || got < 0) {
		fprintf(stderr, "pcap_fwd_check: %s: %s\n", path,
			*n == MAX_FRAMES ? "too many records" : "unreadable record");
		free(all);
		return NULL;
	}
	return all;
}

static int
cmp(const char *in_path, const char *out_path, unsigned long loops, long dst_port)
{
	static uint32_t in_len[MAX_FRAMES], out_len[MAX_FRAMES];
	unsigned long n_in, n_out;
	uint8_t *in = load(in_path, in_len, &n_in), *out = load(out_path, out_len, &n_out);
	int rc = 1;

	if (in == NULL || out == NULL)
		goto done;
	if (n_out != n_in * loops) {
		fprintf(stderr, "pcap_fwd_check: %s has %lu frames, %s %lu x %lu\n", out_path,
			n_out, in_path, n_in, loops);
		goto done;
	}
	for (unsigned long i = 0; i < n_out; i++) {
		const uint8_t *a = in + (i % n_in) * FRAME_CAP, *b = out + i * FRAME_CAP;
		uint32_t la = in_len[i % n_in];
		size_t from = 0;

		if (out_len[i] != la) {
			fprintf(stderr, "pcap_fwd_check: frame %lu: %" PRIu32 " bytes sent, %" PRIu32
				" received\n", i, la, out_len[i]);
			goto done;
		}
		if (dst_port >= 0) {
			const uint8_t want[6] = { 0x02, 0, 0, 0, 0, (uint8_t)dst_port };
			if (memcmp(b, want, 6) != 0) {
				fprintf(stderr, "pcap_fwd_check: frame %lu: destination MAC not "
					"02:00:00:00:00:%02lx\n", i, (unsigned long)dst_port);
				goto done;
			}
			from = 12;
		}
		for (size_t k = from; k < la; k++)
			if (a[k] != b[k]) {
				fprintf(stderr, "pcap_fwd_check: frame %lu differs at byte %zu\n", i, k);
				goto done;
			}
	}
	printf("pcap_fwd_check: %lu frames of %s, %lu time(s), all as they went in\n", n_in,
	       in_path, loops);
	rc = 0;
done:
	free(in);
	free(out);
	return rc;
}

static int
merged(const char *in_path, const char *out_path, unsigned long k)
{
	static uint32_t in_len[MAX_FRAMES], out_len[MAX_FRAMES];
	unsigned long n_in, n_out, next[64];
	uint8_t *in = load(in_path, in_len, &n_in), *out = load(out_path, out_len, &n_out);
	int rc = 1;

	if (in == NULL || out == NULL)
		goto done;
	if (n_out != n_in) {
		fprintf(stderr, "pcap_fwd_check: %s has %lu frames, %s %lu\n", out_path, n_out,
			in_path, n_in);
		goto done;
	}
	for (unsigned long s = 0; s < k; s++)
		next[s] = s; /* sender s's next frame of IN */
	for (unsigned long i = 0; i < n_out; i++) {
		const uint8_t *b = out + i * FRAME_CAP;
		unsigned long s;
		for (s = 0; s < k; s++) {
			unsigned long j = next[s];
			if (j < n_in && in_len[j] == out_len[i] &&
			    memcmp(in + j * FRAME_CAP, b, out_len[i]) == 0)
				break;
		}
		if (s == k) {
			fprintf(stderr, "pcap_fwd_check: frame %lu of %s (%" PRIu32 " bytes) is no "
				"sender's next frame:", i, out_path, out_len[i]);
			for (s = 0; s < k; s++)
				fprintf(stderr, " sender %lu expects frame %lu", s, next[s]);
			fprintf(stderr, "\n");
			goto done;
		}
		next[s] += k;
	}
	printf("pcap_fwd_check: %lu frames of %s through %lu senders, each once, in each "
	       "sender's order, as they went in\n", n_in, in_path, k);
	rc = 0;
done:
	free(in);
	free(out);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long a, b;

	if (argc == 5 && strcmp(argv[1], "gen") == 0 && parse_u(argv[3], MAX_FRAMES, &a) == 0 &&
	    a > 0 && parse_u(argv[4], ~0ul, &b) == 0)
		return gen(argv[2], a, b);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "cmp") == 0 &&
	    parse_u(argv[4], 1000, &a) == 0 && a > 0 &&
	    (argc == 5 || parse_u(argv[5], 255, &b) == 0))
		return cmp(argv[2], argv[3], a, argc == 6 ? (long)b : -1);
	if (argc == 5 && strcmp(argv[1], "merged") == 0 && parse_u(argv[4], 64, &a) == 0 && a > 0)
		return merged(argv[2], argv[3], a);
	fprintf(stderr, "usage: pcap_fwd_check gen FILE N SEED\n"
			"       pcap_fwd_check cmp IN OUT LOOPS [DST_PORT]\n"
			"       pcap_fwd_check merged IN OUT SENDERS\n");
	return 2;
}
