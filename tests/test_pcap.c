/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture reader beyond classic Ethernet pcap: link types wrapped into
 * Ethernet (NULL/LOOP in both family byte orders, Linux cooked SLL and SLL2,
 * raw IP as 101, 12 and 14, IPV4, IPV6) or refused by name; pcapng (sections
 * in both byte orders, several interfaces with their link types, if_tsresol
 * and if_tsoffset, enhanced, simple and obsolete packet blocks, other blocks
 * skipped) and hostile pcapng refused with the block and offset; snaplen
 * truncation counted; the writer (origlen, errno, refusing the file being
 * read through any path); the NIC's step reporting a source that fails after
 * some frames. Cross-checked against libpcap's pcapng reader when built in.
 * No hugemem init needed (the NIC runs with no queue set up).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"
#include "pcap_craft.h"

#if HM_HAVE_LIBPCAP
#include <pcap/pcap.h>
#endif

#define NF 40

static char tmpdir[256];
static uint8_t img[1 << 20];
static uint8_t frames[NF][2048];
static size_t flen[NF];

static int
setup(void **state)
{
	struct hm_traffic_gen_conf c;
	(void)state;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hm-test-pcap-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	hm_traffic_gen_conf_init(&c);
	c.seed = 5;
	c.flows = 7;
	c.proto = HM_TRAFFIC_MIXED;
	c.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	c.size_min = 64;
	c.size_max = 1500;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&c);
	if (g == NULL)
		return -1;
	for (int i = 0; i < NF; i++) {
		flen[i] = (size_t)hm_traffic_gen_next(g, frames[i], sizeof(frames[i]), NULL);
		if (i % 5 == 4) { /* every fifth an IPv6-looking packet */
			frames[i][12] = 0x86;
			frames[i][13] = 0xdd;
			frames[i][14] = 0x60;
		}
	}
	hm_traffic_gen_free(g);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
assert_valid(const struct hm_pcap_reader *r)
{
	const char *why = NULL;
	if (hm_pcap_check(r, &why) != 0)
		fail_msg("pcap check: %s", why != NULL ? why : "?");
}

static void
write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------------ */

static void
test_pcap_invalid_args(void **state)
{
	struct hm_pcap_stats st;
	struct hm_pcap_rec rec;
	uint8_t b[64] = { 0 }, o[64];
	struct craft c;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_pcap_stats(NULL, &st), -EINVAL);
	assert_int_equal(hm_pcap_last_rec(NULL, &rec), -EINVAL);
	assert_int_equal(hm_pcap_same_file(NULL, 0), -EINVAL);
	assert_int_equal(hm_pcap_format(NULL), 0);
	assert_int_equal(hm_pcap_to_ether(1, NULL, 10, o, sizeof(o)), -EINVAL);
	assert_int_equal(hm_pcap_to_ether(1, b, 10, NULL, 10), -EINVAL);
	assert_int_equal(hm_pcap_to_ether(1, b, HM_PCAP_MAX_SNAPLEN + 1, o, sizeof(o)), -EINVAL);
	assert_int_equal(hm_pcap_to_ether(105, b, 10, o, sizeof(o)), -EPROTONOSUPPORT);
	assert_non_null(strstr(hm_last_error(), "IEEE802_11"));
	assert_int_equal(hm_pcap_to_ether(113, b, 15, o, sizeof(o)), -EBADMSG);
	assert_int_equal(hm_pcap_to_ether(101, b, 20, o, sizeof(o)), -EBADMSG); /* version 0 */
	assert_int_equal(hm_traffic_cksum_fix(NULL, 60), -EINVAL);
	assert_int_equal(hm_traffic_cksum_fix(b, 13), -EINVAL);
	assert_int_equal(hm_traffic_cksum_offloaded(NULL, 60), -EINVAL);
	assert_int_equal(hm_traffic_cksum_offloaded(b, 13), -EINVAL);
	assert_null(hm_pcap_linktype_name(9999));
	assert_string_equal(hm_pcap_linktype_name(113), "LINUX_SLL");
	assert_string_equal(hm_pcap_linktype_name(276), "LINUX_SLL2");
	assert_false(hm_pcap_linktype_supported(105));
	assert_true(hm_pcap_linktype_supported(14));

	/* no record yet */
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 65535, 1);
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
	assert_non_null(r);
	assert_int_equal(hm_pcap_last_rec(r, &rec), -ENOENT);
	assert_int_equal(hm_pcap_stats(r, NULL), -EINVAL);
	assert_int_equal(hm_pcap_same_file(r, 0), 0); /* a memory reader is no file */
	assert_int_equal(hm_pcap_format(r), HM_PCAP_FORMAT_PCAP);
	hm_pcap_close(r);

	/* a directory is no capture */
	assert_null(hm_pcap_open(tmpdir));
	assert_int_equal(hm_errno, EISDIR);

	/* writer: origlen below the length */
	char path[300];
	snprintf(path, sizeof(path), "%s/w.pcap", tmpdir);
	struct hm_pcap_writer *w = hm_pcap_writer_open(path, NULL);
	assert_non_null(w);
	assert_int_equal(hm_pcap_write_orig(w, b, 60, 59, 0), -EINVAL);
	assert_int_equal(hm_pcap_write_orig(NULL, b, 60, 60, 0), -EINVAL);
	assert_int_equal(hm_pcap_writer_records(w), 0);
	assert_int_equal(hm_pcap_writer_close(w), 0);
}

/* Records of every supported link type come out as the same Ethernet frames. */
static void
test_pcap_linktypes(void **state)
{
	static const struct {
		uint32_t lt;
		bool family_be;
		bool v6_only, v4_only;
	} cases[] = {
		{ 0, false, false, false },  { 0, true, false, false }, { 108, true, false, false },
		{ 113, false, false, false }, { 276, false, false, false }, { 101, false, false, false },
		{ 12, false, false, false }, { 14, false, false, false }, { 228, false, false, true },
		{ 229, false, true, false },
	};
	static uint8_t rec[2100], out[2100], want[2100];
	struct craft c;
	(void)state;

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		for (int v = 0; v < 4; v++) {
			bool be = v & 1, ns = v & 2;
			int n = 0;
			craft_init(&c, img, sizeof(img), be);
			craft_pcap_hdr(&c, ns, 65535, cases[k].lt);
			for (int i = 0; i < NF; i++) {
				bool v6 = frames[i][12] == 0x86;
				if ((cases[k].v6_only && !v6) || (cases[k].v4_only && v6))
					continue;
				size_t rl = craft_link_record(cases[k].lt, frames[i], flen[i], rec,
							      cases[k].family_be);
				craft_pcap_rec(&c, 100 + (uint32_t)i, 7, rec, (uint32_t)rl, (uint32_t)rl);
				n++;
			}
			struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
			assert_non_null(r);
			assert_int_equal(hm_pcap_linktype(r), cases[k].lt);
			struct hm_traffic_src *src = hm_pcap_source(r);
			int got = 0;
			for (int i = 0; i < NF; i++) {
				bool v6 = frames[i][12] == 0x86;
				uint64_t ts;
				if ((cases[k].v6_only && !v6) || (cases[k].v4_only && v6))
					continue;
				int len = hm_traffic_src_next(src, out, sizeof(out), &ts);
				size_t wl = craft_wrapped(frames[i], flen[i], want);
				assert_int_equal(len, (int)wl);
				assert_memory_equal(out, want, wl);
				assert_int_equal(ts, (100 + (uint64_t)i) * 1000000000ull +
							 (ns ? 7 : 7000));
				got++;
			}
			assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), 0);
			assert_int_equal(got, n);
			/* short buffers: the full length, and exactly the first cap bytes */
			static const size_t caps[] = { 1, 13, 14, 15, 16, 21, 40 };
			for (size_t ci = 0; ci < sizeof(caps) / sizeof(caps[0]) && v == 0; ci++) {
				struct hm_pcap_reader *r2 = hm_pcap_open_mem(img, c.len);
				for (int i = 0; i < NF; i++) {
					bool v6 = frames[i][12] == 0x86;
					if ((cases[k].v6_only && !v6) || (cases[k].v4_only && v6))
						continue;
					memset(out, 0xee, sizeof(out));
					int len = hm_traffic_src_next(hm_pcap_source(r2), out, caps[ci],
								      NULL);
					size_t wl = craft_wrapped(frames[i], flen[i], want);
					assert_int_equal(len, (int)wl);
					assert_memory_equal(out, want, caps[ci]);
					assert_int_equal(out[caps[ci]], 0xee); /* nothing beyond cap */
				}
				assert_valid(r2);
				hm_pcap_close(r2);
			}
			struct hm_pcap_stats st;
			assert_int_equal(hm_pcap_stats(r, &st), 0);
			assert_int_equal(st.records, (uint64_t)n);
			assert_int_equal(st.wrapped, (uint64_t)n);
			assert_int_equal(st.wrapped_linktype, cases[k].lt);
			assert_false(st.wrapped_mixed);
			assert_int_equal(st.truncated, 0);
			assert_valid(r);
			hm_pcap_close(r);
		}

	/* a short copy still returns the whole length and the first cap bytes */
	size_t rl = craft_link_record(113, frames[0], flen[0], rec, false);
	assert_int_equal(hm_pcap_to_ether(113, rec, rl, out, 20), (int)flen[0]);
	craft_wrapped(frames[0], flen[0], want);
	assert_memory_equal(out, want, 20);
	assert_int_equal(hm_pcap_to_ether(113, rec, rl, out, 0), (int)flen[0]);

	/* a loopback family that is neither IPv4 nor IPv6: by the IP version, else 0x88b5 */
	rl = craft_link_record(0, frames[0], flen[0], rec, false);
	rec[0] = 99;
	assert_int_equal(hm_pcap_to_ether(0, rec, rl, out, sizeof(out)), (int)flen[0]);
	assert_int_equal(out[12] << 8 | out[13], 0x0800);
	rec[4] = 0x20;
	assert_int_equal(hm_pcap_to_ether(0, rec, rl, out, sizeof(out)), (int)flen[0]);
	assert_int_equal(out[12] << 8 | out[13], HM_PCAP_WRAP_OTHER);
}

/* Link types the source cannot replay fail it by name, sticky; short records too. */
static void
test_pcap_linktype_refused(void **state)
{
	static const struct {
		uint32_t lt;
		const char *name;
	} bad[] = { { 105, "IEEE802_11" }, { 147, "USER" }, { 9999, "unknown" }, { 127, "RADIOTAP" } };
	static uint8_t out[2100];
	struct craft c;
	(void)state;

	hm_test_quiet_log();
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		craft_init(&c, img, sizeof(img), false);
		craft_pcap_hdr(&c, false, 65535, bad[k].lt);
		craft_pcap_rec(&c, 1, 0, frames[0], (uint32_t)flen[0], (uint32_t)flen[0]);
		struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
		assert_non_null(r); /* readable as records: only the replay refuses */
		struct hm_traffic_src *src = hm_pcap_source(r);
		assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), -EPROTONOSUPPORT);
		char num[16];
		snprintf(num, sizeof(num), "%u", bad[k].lt);
		assert_non_null(strstr(hm_last_error(), num));
		assert_non_null(strstr(hm_last_error(), bad[k].name));
		assert_non_null(strstr(hm_last_error(), "record 1"));
		assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), -EPROTONOSUPPORT);
		assert_valid(r);
		hm_pcap_close(r);
	}
	/* an SLL record shorter than its 16-byte header, third in the file */
	craft_init(&c, img, sizeof(img), true);
	craft_pcap_hdr(&c, true, 65535, 113);
	static uint8_t rec[2100];
	size_t rl = craft_link_record(113, frames[1], flen[1], rec, false);
	craft_pcap_rec(&c, 1, 0, rec, (uint32_t)rl, (uint32_t)rl);
	craft_pcap_rec(&c, 1, 0, rec, (uint32_t)rl, (uint32_t)rl);
	size_t third = c.len;
	craft_pcap_rec(&c, 1, 0, rec, 10, 10);
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
	struct hm_traffic_src *src = hm_pcap_source(r);
	assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), (int)flen[1]);
	assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), (int)flen[1]);
	assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), -EBADMSG);
	char where[64];
	snprintf(where, sizeof(where), "record 3 at offset %zu", third);
	assert_non_null(strstr(hm_last_error(), where));
	assert_non_null(strstr(hm_last_error(), "LINUX_SLL"));
	hm_pcap_close(r);
}

/* Records cut by the snaplen are counted; the last record's header is kept. */
static void
test_pcap_truncated(void **state)
{
	static uint8_t out[2100];
	struct hm_pcap_rec rec;
	struct hm_pcap_stats st;
	struct craft c;
	int cut = 0, first = 0;
	(void)state;

	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 200, 1);
	for (int i = 0; i < NF; i++) {
		uint32_t cl = flen[i] < 200 ? (uint32_t)flen[i] : 200;
		craft_pcap_rec(&c, 1, 0, frames[i], cl, (uint32_t)flen[i]);
		if (cl < flen[i] && cut++ == 0)
			first = i + 1;
	}
	assert_true(cut > 3);
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
	struct hm_traffic_src *src = hm_pcap_source(r);
	for (int i = 0; i < NF; i++) {
		int len = hm_traffic_src_next(src, out, sizeof(out), NULL);
		assert_int_equal(len, flen[i] < 200 ? (int)flen[i] : 200);
		assert_int_equal(hm_pcap_last_rec(r, &rec), 0);
		assert_int_equal(rec.origlen, flen[i]);
		assert_int_equal(rec.caplen, len);
		assert_int_equal(hm_pcap_records(r), (uint64_t)i + 1);
	}
	assert_int_equal(hm_pcap_stats(r, &st), 0);
	assert_int_equal(st.truncated, (uint64_t)cut);
	assert_int_equal(st.first_truncated, (uint64_t)first);
	assert_int_equal(st.wrapped, 0);
	assert_valid(r);
	hm_pcap_close(r);
}

/* A pcapng image: two sections (little- then big-endian), three interfaces of
 * two link types and three timestamp units, every packet block kind, and
 * blocks to skip. Expected records go into exp_* (ts, caplen, origlen, lt). */
struct exp_rec {
	uint64_t ts;
	uint32_t caplen, origlen, lt, ifid;
	int frame;
};

static size_t
ng_image(struct craft *c, struct exp_rec *e, int *ne, bool single_linktype)
{
	static uint8_t rec[2100];
	static const uint8_t junk[13] = "name-records";
	uint32_t lt1 = single_linktype ? 1 : 113;
	int n = 0;

	craft_init(c, img, sizeof(img), false);
	craft_ng_shb(c);
	craft_ng_idb(c, 1, 0, -1, 0);          /* Ethernet, microseconds */
	craft_ng_other(c, 4, junk, sizeof(junk)); /* name resolution: skipped */
	/* (libpcap wants one link type and one snaplen per file) */
	craft_ng_idb(c, (uint16_t)lt1, single_linktype ? 0 : 65535, 9, 0); /* SLL, nanoseconds */
	craft_ng_idb(c, 1, single_linktype ? 0 : 1000, 0x80 | 20, 100); /* 2^-20 s, +100 s */
	for (int i = 0; i < 12; i++) {
		uint32_t ifid = (uint32_t)(i % 3);
		uint64_t raw = 1700000000ull * (ifid == 0 ? 1000000ull : ifid == 1 ? 1000000000ull
										    : 1ull) + (uint64_t)i * 3;
		const uint8_t *d = frames[i];
		size_t len = flen[i];
		if (ifid == 1 && lt1 == 113) {
			len = craft_link_record(113, frames[i], flen[i], rec, false);
			d = rec;
		}
		if (ifid == 2)
			raw = (1700000000ull << 20) + ((uint64_t)i << 10); /* 2^-20 s units */
		uint32_t cl = ifid == 2 && len > 1000 ? 1000 : (uint32_t)len;
		craft_ng_epb(c, ifid, raw, d, cl, (uint32_t)len, i == 5);
		e[n].ts = ifid == 0   ? raw * 1000
			  : ifid == 1 ? raw
				      : (1700000000ull + 100) * 1000000000ull +
					((uint64_t)i << 10) * 1000000000ull / (1u << 20);
		e[n].caplen = cl;
		e[n].origlen = (uint32_t)len;
		e[n].lt = ifid == 1 ? lt1 : 1;
		e[n].ifid = ifid;
		e[n].frame = i;
		n++;
		if (i == 6) {
			uint8_t stats[20] = { 0 };
			craft_ng_other(c, 5, stats, sizeof(stats)); /* interface statistics */
			craft_ng_other(c, 0x40000bad, stats, 8);    /* custom */
		}
	}
	/* a Simple Packet Block: interface 0, no timestamp */
	craft_ng_spb(c, frames[12], (uint32_t)flen[12], (uint32_t)flen[12]);
	e[n] = (struct exp_rec){ 0, (uint32_t)flen[12], (uint32_t)flen[12], 1, 0, 12 };
	n++;
	/* section 2, big-endian: its own interface table */
	c->be = true;
	craft_ng_shb(c);
	craft_ng_idb(c, 1, 0, 3, 0); /* milliseconds */
	for (int i = 13; i < 20; i++) {
		craft_ng_epb(c, 0, 5000 + (uint64_t)i, frames[i], (uint32_t)flen[i],
			     (uint32_t)flen[i], false);
		e[n] = (struct exp_rec){ (5000 + (uint64_t)i) * 1000000, (uint32_t)flen[i],
					 (uint32_t)flen[i], 1, 0, i };
		n++;
	}
	*ne = n;
	return c->len;
}

static void
test_pcapng_read(void **state)
{
	static struct exp_rec e[64];
	static uint8_t out[2100], want[2100];
	struct hm_pcap_rec rec;
	struct hm_pcap_stats st;
	struct craft c;
	int ne;
	(void)state;

	size_t len = ng_image(&c, e, &ne, false);
	for (size_t cap = 64; cap <= sizeof(out); cap += sizeof(out) - 64) {
		struct hm_pcap_reader *r = hm_pcap_open_mem(img, len);
		assert_non_null(r);
		assert_int_equal(hm_pcap_format(r), HM_PCAP_FORMAT_PCAPNG);
		assert_true(hm_pcap_is_nsec(r));
		assert_int_equal(hm_pcap_snaplen(r), HM_PCAP_MAX_SNAPLEN);
		for (int i = 0; i < ne; i++) {
			assert_int_equal(hm_pcap_next(r, out, cap, &rec), 1);
			assert_int_equal(rec.ts_ns, e[i].ts);
			assert_int_equal(rec.caplen, e[i].caplen);
			assert_int_equal(rec.origlen, e[i].origlen);
			assert_int_equal(rec.linktype, e[i].lt);
			assert_int_equal(rec.ifindex, e[i].ifid);
			if (e[i].lt == 1)
				assert_memory_equal(out, frames[e[i].frame],
						    e[i].caplen < cap ? e[i].caplen : cap);
			assert_valid(r);
		}
		assert_int_equal(hm_pcap_next(r, out, cap, &rec), 0);
		assert_int_equal(hm_pcap_offset(r), len);
		assert_int_equal(hm_pcap_linktype(r), 1);
		assert_int_equal(hm_pcap_stats(r, &st), 0);
		assert_int_equal(st.records, (uint64_t)ne);
		assert_int_equal(st.sections, 2);
		assert_int_equal(st.interfaces, 4);
		assert_int_equal(st.skipped_blocks, 3);
		assert_int_equal(st.blocks, 2 + 4 + 3 + (uint64_t)ne);
		assert_int_equal(st.truncated, (uint64_t)(e[2].caplen < e[2].origlen) +
						  (uint64_t)(e[5].caplen < e[5].origlen) +
						  (uint64_t)(e[8].caplen < e[8].origlen) +
						  (uint64_t)(e[11].caplen < e[11].origlen));
		assert_valid(r);
		hm_pcap_close(r);
	}
	/* replayed: SLL records wrapped, the rest as they are */
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, len);
	struct hm_traffic_src *src = hm_pcap_source(r);
	for (int i = 0; i < ne; i++) {
		uint64_t ts;
		int n = hm_traffic_src_next(src, out, sizeof(out), &ts);
		const uint8_t *f = frames[e[i].frame];
		if (e[i].lt == 113) {
			craft_wrapped(f, flen[e[i].frame], want);
			f = want;
		}
		assert_int_equal(n, (int)(e[i].lt == 113 ? flen[e[i].frame] : e[i].caplen));
		assert_memory_equal(out, f, (size_t)n);
		assert_int_equal(ts, e[i].ts);
	}
	assert_int_equal(hm_traffic_src_next(src, out, sizeof(out), NULL), 0);
	assert_int_equal(hm_pcap_stats(r, &st), 0);
	assert_int_equal(st.wrapped, 4);
	assert_int_equal(st.wrapped_linktype, 113);
	hm_pcap_close(r);

	/* through a file too */
	char path[300];
	snprintf(path, sizeof(path), "%s/ng.pcapng", tmpdir);
	write_file(path, img, len);
	r = hm_pcap_open(path);
	assert_non_null(r);
	int n = 0;
	while (hm_pcap_next(r, out, sizeof(out), &rec) == 1)
		assert_int_equal(rec.ts_ns, e[n++].ts);
	assert_int_equal(n, ne);
	assert_valid(r);
	hm_pcap_close(r);
}

/* Read @p len bytes of img to the end; returns the last result, message kept. */
static char last_msg[512];
static int
ng_read_all(size_t len, uint64_t *records)
{
	static uint8_t out[4096];
	struct hm_pcap_rec rec;
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, len);
	int rc;

	if (r == NULL) {
		snprintf(last_msg, sizeof(last_msg), "%s", hm_last_error());
		*records = 0;
		return -hm_errno;
	}
	while ((rc = hm_pcap_next(r, out, sizeof(out), &rec)) == 1)
		assert_valid(r);
	assert_valid(r);
	if (rc < 0) {
		snprintf(last_msg, sizeof(last_msg), "%s", hm_last_error());
		assert_int_equal(hm_pcap_next(r, out, sizeof(out), &rec), rc); /* sticky */
	}
	*records = hm_pcap_records(r);
	hm_pcap_close(r);
	return rc;
}

static void
put32_at(size_t at, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		img[at + (size_t)i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
}

/* Hostile pcapng: each malformation is -EBADMSG naming its block and offset. */
static void
test_pcapng_hostile(void **state)
{
	static struct exp_rec e[64];
	struct craft c;
	uint64_t n;
	int ne;
	(void)state;

	hm_test_quiet_log();
	/* cut anywhere: a clean end exactly at block boundaries, else EBADMSG */
	size_t len = ng_image(&c, e, &ne, false);
	size_t ends[128];
	int nb = 0;
	bool be = false;
	for (size_t at = 0; at < len; nb++) {
		if (img[at] == 0x0a && img[at + 1] == 0x0d && img[at + 2] == 0x0d && img[at + 3] == 0x0a)
			be = img[at + 8] == 0x1a; /* the section's byte-order magic */
		const uint8_t *t = img + at + 4;
		at += be ? (size_t)t[0] << 24 | (size_t)t[1] << 16 | (size_t)t[2] << 8 | t[3]
			 : (size_t)t[3] << 24 | (size_t)t[2] << 16 | (size_t)t[1] << 8 | t[0];
		ends[nb] = at;
	}
	assert_int_equal(ends[nb - 1], len);
	for (size_t cut = 0; cut < len; cut++) {
		bool boundary = false, near = cut < 64;
		for (int k = 0; k < nb; k++) {
			boundary |= ends[k] == cut;
			near |= cut + 24 >= ends[k] && cut <= ends[k] + 24;
		}
		if (!near && cut % 29 != 0)
			continue; /* every byte near a block boundary, a sample elsewhere */
		int rc = ng_read_all(cut, &n);
		if (cut < 28) {
			assert_int_equal(rc, -EBADMSG); /* no whole section header: open fails */
			continue;
		}
		assert_int_equal(rc, boundary ? 0 : -EBADMSG);
		if (!boundary) {
			assert_non_null(strstr(last_msg, "block "));
			assert_non_null(strstr(last_msg, "offset "));
		}
	}

	/* targeted corruptions: (offset in the image, value, what the message says) */
	craft_init(&c, img, sizeof(img), false);
	craft_ng_shb(&c);                       /* 0..28 */
	craft_ng_idb(&c, 1, 0, 6, 0);           /* 28..56 (with if_tsresol: 20 + 8 + 4 = 32) */
	size_t idb = 28, epb = c.len;
	craft_ng_epb(&c, 0, 1, frames[0], 64, 64, false);
	size_t good = c.len;
	static uint8_t saved[1 << 12];
	memcpy(saved, img, good);
	assert_int_equal(ng_read_all(good, &n), 0);
	assert_int_equal(n, 1);
	char where[64];
	snprintf(where, sizeof(where), "block 3 at offset %zu", epb);
	struct {
		size_t at;
		uint32_t v;
		const char *msg;
		bool open_fails;
	} bad[] = {
		{ 8, 0x11223344, "byte-order magic", true },
		{ 12, 2, "version", true },                          /* major 2, minor 0 */
		{ 4, 30, "section header length", true },
		{ epb + 4, 90, "multiple of 4", false },
		{ epb + 4, 8, "multiple of 4", false },
		{ epb + 4, (16u << 20) + 4, "multiple of 4", false },
		{ good - 4, 99, "trailing block length", false },
		{ epb + 8, 1, "interface 1", false },                /* one interface only */
		{ epb + 20, 200, "does not fit", false },            /* caplen */
		{ epb + 24, 63, "original length", false },          /* origlen < caplen */
		{ idb + 16, 9 | (2u << 16), "if_tsresol of 2 bytes", false },
		{ idb + 16, 9 | (200u << 16), "runs past", false },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		memcpy(img, saved, good);
		put32_at(bad[k].at, bad[k].v, false);
		int rc = ng_read_all(good, &n);
		assert_int_equal(rc, -EBADMSG);
		if (strstr(last_msg, bad[k].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", k, last_msg, bad[k].msg);
		if (!bad[k].open_fails && bad[k].at >= epb)
			assert_non_null(strstr(last_msg, where));
		assert_int_equal(n, 0);
	}
	/* a Simple Packet Block before any interface */
	craft_init(&c, img, sizeof(img), true);
	craft_ng_shb(&c);
	craft_ng_spb(&c, frames[0], 64, 64);
	assert_int_equal(ng_read_all(c.len, &n), -EBADMSG);
	assert_non_null(strstr(last_msg, "before any interface"));
	assert_non_null(strstr(last_msg, "block 2 at offset 28"));
	/* an interface description above 64 KiB of options */
	craft_init(&c, img, sizeof(img), false);
	craft_ng_shb(&c);
	static uint8_t big[70000];
	craft_ng_other(&c, 1, big, sizeof(big));
	assert_int_equal(ng_read_all(c.len, &n), -EBADMSG);
	assert_non_null(strstr(last_msg, "options above"));
	/* the interface table is bounded */
	craft_init(&c, img, sizeof(img), false);
	craft_ng_shb(&c);
	for (unsigned int i = 0; i <= HM_PCAPNG_MAX_IFACES; i++)
		craft_ng_idb(&c, 1, 0, -1, 0);
	assert_int_equal(ng_read_all(c.len, &n), -EBADMSG);
	assert_non_null(strstr(last_msg, "more than 4096 interfaces"));
	/* a pcapng packet of an interface whose link type cannot be replayed */
	craft_init(&c, img, sizeof(img), false);
	craft_ng_shb(&c);
	craft_ng_idb(&c, 1, 0, -1, 0);
	craft_ng_idb(&c, 189, 0, -1, 0);
	craft_ng_epb(&c, 0, 1, frames[0], 64, 64, false);
	craft_ng_epb(&c, 1, 1, frames[0], 64, 64, false);
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
	static uint8_t out[2048];
	assert_int_equal(hm_traffic_src_next(hm_pcap_source(r), out, sizeof(out), NULL), 64);
	assert_int_equal(hm_traffic_src_next(hm_pcap_source(r), out, sizeof(out), NULL),
			 -EPROTONOSUPPORT);
	assert_non_null(strstr(hm_last_error(), "USB_LINUX"));
	assert_non_null(strstr(hm_last_error(), "record 2 (block 5)"));
	hm_pcap_close(r);
}

/* The writer keeps origlen and the real errno, and never overwrites the input. */
static void
test_pcap_writer(void **state)
{
	char in[300], sym[300], hard[300], path[300];
	struct hm_pcap_writer_conf wc;
	struct hm_pcap_rec rec;
	struct craft c;
	struct stat st0, st1;
	static uint8_t out[2048];
	(void)state;

	hm_test_quiet_log();
	snprintf(path, sizeof(path), "%s/orig.pcap", tmpdir);
	struct hm_pcap_writer *w = hm_pcap_writer_open(path, NULL);
	assert_int_equal(hm_pcap_write_orig(w, frames[0], 60, 1500, 42000), 0);
	assert_int_equal(hm_pcap_writer_close(w), 0);
	struct hm_pcap_reader *r = hm_pcap_open(path);
	assert_int_equal(hm_pcap_next(r, out, sizeof(out), &rec), 1);
	assert_int_equal(rec.caplen, 60);
	assert_int_equal(rec.origlen, 1500);
	assert_int_equal(rec.ts_ns, 42000);
	struct hm_pcap_stats st;
	hm_pcap_stats(r, &st);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.first_truncated, 1);
	hm_pcap_close(r);

	/* the input, by its own path, a symlink and a hard link: refused, untouched */
	snprintf(in, sizeof(in), "%s/in.pcap", tmpdir);
	snprintf(sym, sizeof(sym), "%s/sym.pcap", tmpdir);
	snprintf(hard, sizeof(hard), "%s/hard.pcap", tmpdir);
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 65535, 1);
	for (int i = 0; i < 5; i++)
		craft_pcap_rec(&c, 1, 0, frames[i], (uint32_t)flen[i], (uint32_t)flen[i]);
	write_file(in, img, c.len);
	assert_int_equal(symlink(in, sym), 0);
	assert_int_equal(link(in, hard), 0);
	assert_int_equal(stat(in, &st0), 0);
	r = hm_pcap_open(in);
	assert_non_null(r);
	hm_pcap_writer_conf_init(&wc);
	wc.input = r;
	const char *names[] = { in, sym, hard };
	for (int k = 0; k < 3; k++) {
		assert_null(hm_pcap_writer_open(names[k], &wc));
		assert_int_equal(hm_errno, EEXIST);
		assert_non_null(strstr(hm_last_error(), "refusing"));
		assert_int_equal(stat(in, &st1), 0);
		assert_int_equal(st1.st_size, st0.st_size);
	}
	assert_int_equal(hm_pcap_same_file(r, 0) >= 0, 1);
	/* still readable whole */
	int n = 0;
	while (hm_pcap_next(r, out, sizeof(out), &rec) == 1)
		n++;
	assert_int_equal(n, 5);
	hm_pcap_close(r);
	/* another file is fine with the same conf */
	snprintf(path, sizeof(path), "%s/other.pcap", tmpdir);
	r = hm_pcap_open(in);
	wc.input = r;
	w = hm_pcap_writer_open(path, &wc);
	assert_non_null(w);
	assert_int_equal(hm_pcap_writer_close(w), 0);
	hm_pcap_close(r);

	/* a full device: the write (or the close's flush) says ENOSPC */
	if (access("/dev/full", W_OK) == 0) {
		w = hm_pcap_writer_open("/dev/full", NULL);
		assert_non_null(w);
		int rc = 0;
		for (int i = 0; i < 100 && rc == 0; i++)
			rc = hm_pcap_write(w, frames[1], flen[1], 0);
		assert_int_equal(rc, -ENOSPC);
		assert_non_null(strstr(hm_last_error(), "No space left"));
		assert_int_equal(hm_pcap_write(w, frames[1], 60, 0), -ENOSPC); /* sticky */
		assert_int_equal(hm_pcap_writer_close(w), -ENOSPC);
		w = hm_pcap_writer_open("/dev/full", NULL);
		assert_int_equal(hm_pcap_write(w, frames[1], 60, 0), 0); /* buffered */
		assert_int_equal(hm_pcap_writer_flush(w), -ENOSPC);
		assert_int_equal(hm_pcap_writer_flush(w), -ENOSPC); /* sticky */
		assert_int_equal(hm_pcap_writer_close(w), -ENOSPC);
	}
	assert_int_equal(hm_pcap_writer_flush(NULL), -EINVAL);
	/* an unwritable place says why */
	assert_null(hm_pcap_writer_open("/nonexistent-dir/x.pcap", NULL));
	assert_int_equal(hm_errno, ENOENT);
	assert_non_null(strstr(hm_last_error(), "cannot create"));
}

/* A source that fails once in the middle of a step (then would go on). */
struct flaky {
	int left;       /* frames before the failure */
	bool failed;
};

static int
flaky_next(void *ctx, void *buf, size_t cap, uint64_t *ts)
{
	struct flaky *f = ctx;
	(void)ts;
	if (f->left-- == 0 && !f->failed) {
		f->failed = true;
		return -EIO;
	}
	memcpy(buf, frames[0], cap < flen[0] ? cap : flen[0]);
	return (int)flen[0];
}

/* hm_nic_step: end of input and a failure after some frames are told apart. */
static void
test_pcap_nic_step_error(void **state)
{
	struct hm_nic_conf nc;
	struct hm_nic_stats ns;
	struct flaky f = { 5, false };
	struct hm_traffic_src src = { flaky_next, &f, "flaky" };
	struct craft c;
	(void)state;

	hm_test_quiet_log();
	hm_nic_conf_init(&nc);
	struct hm_nic *nic = hm_nic_create(&nc);
	assert_non_null(nic);
	assert_int_equal(hm_nic_step(nic, &src, 32), 5);
	assert_int_equal(hm_nic_step(nic, &src, 32), -EIO); /* not 32 frames: the failure */
	assert_int_equal(hm_nic_step(nic, &src, 8), 8);     /* the source goes on */
	hm_nic_stats_get(nic, &ns);
	assert_int_equal(ns.frames_in, 13);

	/* a capture whose record 7 is cut: 6 frames, then the error with the record */
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 65535, 1);
	for (int i = 0; i < 6; i++)
		craft_pcap_rec(&c, 1, 0, frames[i], (uint32_t)flen[i], (uint32_t)flen[i]);
	size_t at = c.len;
	craft_pcap_rec(&c, 1, 0, frames[6], (uint32_t)flen[6], (uint32_t)flen[6]);
	for (int i = 7; i < 12; i++)
		craft_pcap_rec(&c, 1, 0, frames[i], (uint32_t)flen[i], (uint32_t)flen[i]);
	img[at + 8] = 0xff; /* caplen 0x..ff above the snaplen */
	img[at + 9] = 0xff;
	img[at + 10] = 0xff;
	struct hm_pcap_reader *r = hm_pcap_open_mem(img, c.len);
	assert_int_equal(hm_nic_step(nic, hm_pcap_source(r), 4), 4);
	assert_int_equal(hm_nic_step(nic, hm_pcap_source(r), 32), 2);
	assert_int_equal(hm_nic_step(nic, hm_pcap_source(r), 32), -EBADMSG);
	char where[64];
	snprintf(where, sizeof(where), "record 7 at offset %zu", at);
	assert_non_null(strstr(hm_last_error(), where));
	assert_int_equal(hm_nic_step(nic, hm_pcap_source(r), 32), -EBADMSG); /* sticky source */
	hm_pcap_close(r);
	/* a source that ends: short, then 0 */
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 65535, 1);
	craft_pcap_rec(&c, 1, 0, frames[0], (uint32_t)flen[0], (uint32_t)flen[0]);
	r = hm_pcap_open_mem(img, c.len);
	assert_int_equal(hm_nic_step(nic, hm_pcap_source(r), 32), 1);
	assert_int_equal(hm_nic_step(nic, hm_pcap_source(r), 32), 0);
	hm_pcap_close(r);
	assert_int_equal(hm_nic_check(nic, NULL), 0);
	hm_nic_free(nic);
}

/* TSO/GRO-sized captured frames: the NIC takes them only in its large-frame mode. */
static void
test_pcap_nic_large_frames(void **state)
{
	static uint8_t big[HM_NIC_FRAME_MAX_LARGE + 1];
	struct hm_nic_conf nc;
	struct hm_nic_stats ns;
	(void)state;

	hm_test_quiet_log();
	memcpy(big, frames[0], flen[0]);
	assert_int_equal(hm_nic_max_frame(NULL), -EINVAL);
	hm_nic_conf_init(&nc);
	nc.max_frame = HM_NIC_FRAME_MAX + 1;
	assert_null(hm_nic_create(&nc));
	assert_int_equal(hm_errno, EINVAL);
	assert_non_null(strstr(hm_last_error(), "large_frames"));
	nc.large_frames = true;
	nc.max_frame = HM_NIC_FRAME_MAX_LARGE + 1;
	assert_null(hm_nic_create(&nc));
	nc.max_frame = HM_NIC_FRAME_MAX_LARGE;
	struct hm_nic *nic = hm_nic_create(&nc);
	assert_non_null(nic);
	assert_int_equal(hm_nic_max_frame(nic), HM_NIC_FRAME_MAX_LARGE);
	/* no queue is set up: a frame the device takes counts as no_queue, not oversize */
	assert_int_equal(hm_nic_rx_frame(nic, big, 60000), 0);
	assert_int_equal(hm_nic_rx_frame(nic, big, HM_NIC_FRAME_MAX_LARGE), 0);
	assert_int_equal(hm_nic_rx_frame(nic, big, HM_NIC_FRAME_MAX_LARGE + 1), 0);
	hm_nic_stats_get(nic, &ns);
	assert_int_equal(ns.no_queue, 2);
	assert_int_equal(ns.oversize, 1);
	assert_int_equal(hm_nic_check(nic, NULL), 0);
	hm_nic_free(nic);
	hm_nic_conf_init(&nc); /* the default: i40e's 9728 */
	nic = hm_nic_create(&nc);
	assert_int_equal(hm_nic_max_frame(nic), HM_NIC_FRAME_MAX);
	assert_int_equal(hm_nic_rx_frame(nic, big, 60000), 0);
	hm_nic_stats_get(nic, &ns);
	assert_int_equal(ns.oversize, 1);
	hm_nic_free(nic);
}

#if HM_HAVE_LIBPCAP
/* libpcap reads our crafted pcapng as we do: lengths, bytes, timestamps. */
static void
test_pcapng_libpcap(void **state)
{
	static struct exp_rec e[64];
	char path[300], errbuf[PCAP_ERRBUF_SIZE];
	struct craft c;
	int ne;
	(void)state;

	/* libpcap wants one link type per file */
	size_t len = ng_image(&c, e, &ne, true);
	/* libpcap stops at the second section when its byte order differs: first one only */
	int first = 0;
	while (first < ne && e[first].frame < 13)
		first++;
	snprintf(path, sizeof(path), "%s/lib.pcapng", tmpdir);
	write_file(path, img, len);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							      errbuf);
	assert_non_null(p);
	struct pcap_pkthdr *ph;
	const u_char *data;
	int n = 0;
	while (n < first && pcap_next_ex(p, &ph, &data) == 1) {
		assert_int_equal(ph->caplen, e[n].caplen);
		assert_int_equal(ph->len, e[n].origlen);
		assert_memory_equal(data, frames[e[n].frame], ph->caplen);
		uint64_t ts = (uint64_t)ph->ts.tv_sec * 1000000000u + (uint64_t)ph->ts.tv_usec;
		if (e[n].ts != 0) /* libpcap's SPB timestamp is its own choice */
			assert_int_equal(ts, e[n].ts);
		n++;
	}
	if (n != first)
		fail_msg("libpcap read %d of %d records: %s", n, first, pcap_geterr(p));
	pcap_close(p);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_invalid_args),
		cmocka_unit_test(test_pcap_linktypes),
		cmocka_unit_test(test_pcap_linktype_refused),
		cmocka_unit_test(test_pcap_truncated),
		cmocka_unit_test(test_pcapng_read),
		cmocka_unit_test(test_pcapng_hostile),
		cmocka_unit_test(test_pcap_writer),
		cmocka_unit_test(test_pcap_nic_step_error),
		cmocka_unit_test(test_pcap_nic_large_frames),
#if HM_HAVE_LIBPCAP
		cmocka_unit_test(test_pcapng_libpcap),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
