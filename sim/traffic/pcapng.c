/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapng blocks (pcap.h has the format and what is refused).
 *
 * A block is read in one pass: its 8-byte header, the fixed part of the kinds
 * we use (Section Header, Interface Description, Enhanced / Simple / obsolete
 * Packet), the packet bytes into the caller's buffer, then everything else up
 * to the trailing length is skipped and that length compared with the leading
 * one. Nothing is allocated by a length the file gives, except an Interface
 * Description's body, bounded by IDB_BODY_MAX, and the interface table,
 * bounded by HM_PCAPNG_MAX_IFACES.
 *
 * Invariant: with no error, offset == acct == the sum of the total lengths of
 * the blocks read whole (a packet is returned only after its whole block).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "common_i.h"
#include "pcap_i.h"
#include "traffic_i.h"

#define BT_IDB 1u
#define BT_PB 2u           /* obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u
#define SHB_MIN 28u        /* header 8, byte-order magic 4, version 4, section length 8, trailer 4 */
#define IDB_MIN 20u        /* header 8, link type 2, reserved 2, snaplen 4, trailer 4 */
#define EPB_MIN 32u        /* header 8, fixed 20, trailer 4 */
#define SPB_MIN 16u        /* header 8, origlen 4, trailer 4 */
#define IDB_BODY_MAX 65536u
#define OPT_IF_TSRESOL 9u
#define OPT_IF_TSOFFSET 14u

static uint32_t
rd32(const uint8_t *p, bool sw)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return sw ? __builtin_bswap32(v) : v;
}

static uint16_t
rd16(const uint8_t *p, bool sw)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return sw ? __builtin_bswap16(v) : v;
}

/* Skip the rest of the block that began at @p at (of @p total bytes, @p done
 * of them consumed) and check its trailing length. */
static int
block_end(struct hm_pcap_reader *r, uint64_t at, uint32_t total, uint64_t done)
{
	uint64_t rest = total - 4 - done;
	uint8_t t[4];
	ssize_t n = rest > 0 ? pcap_rd(r, NULL, rest) : 0;

	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if ((uint64_t)n < rest)
		return pcap_rec_fail(r, EBADMSG, at, "block of %" PRIu32 " bytes cut short by the "
				     "end of the input", total);
	n = pcap_rd(r, t, 4);
	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if (n < 4)
		return pcap_rec_fail(r, EBADMSG, at, "block of %" PRIu32 " bytes cut short by the "
				     "end of the input (no trailing length)", total);
	if (rd32(t, r->swapped) != total)
		return pcap_rec_fail(r, EBADMSG, at, "trailing block length %" PRIu32 " differs "
				     "from the leading %" PRIu32, rd32(t, r->swapped), total);
	r->blocks++;
	r->acct += total;
	return 0;
}

/* A Section Header Block at @p at whose 4 type bytes were read. */
static int
read_shb(struct hm_pcap_reader *r, uint64_t at)
{
	uint8_t h[12]; /* total length, byte-order magic, major, minor */
	uint32_t bom, total;
	ssize_t n = pcap_rd(r, h, sizeof(h));

	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if ((size_t)n < sizeof(h))
		return pcap_rec_fail(r, EBADMSG, at, "section header cut short by the end of the "
				     "input");
	memcpy(&bom, h + 4, 4);
	if (bom == HM_PCAPNG_BYTE_ORDER_MAGIC)
		r->swapped = false;
	else if (__builtin_bswap32(bom) == HM_PCAPNG_BYTE_ORDER_MAGIC)
		r->swapped = true;
	else
		return pcap_rec_fail(r, EBADMSG, at, "bad byte-order magic 0x%08" PRIx32
				     " in the section header", bom);
	total = rd32(h, r->swapped);
	if (total < SHB_MIN || total % 4 != 0 || total > HM_PCAPNG_MAX_BLOCK)
		return pcap_rec_fail(r, EBADMSG, at, "section header length %" PRIu32 " (a "
				     "multiple of 4 from %u to %u)", total, SHB_MIN,
				     HM_PCAPNG_MAX_BLOCK);
	if (rd16(h + 8, r->swapped) != 1)
		return pcap_rec_fail(r, EBADMSG, at, "unsupported pcapng version %u.%u (1.x "
				     "expected)", rd16(h + 8, r->swapped), rd16(h + 10, r->swapped));
	r->n_ifs = 0;
	r->sections++;
	return block_end(r, at, total, 4 + sizeof(h));
}

int
pcapng_open(struct hm_pcap_reader *r, const uint8_t first[4])
{
	(void)first; /* the Section Header type, palindromic in both byte orders */
	r->format = HM_PCAP_FORMAT_PCAPNG;
	r->snaplen = HM_PCAP_MAX_SNAPLEN;
	return read_shb(r, 0);
}

/* Parse an Interface Description body of @p len bytes and add the interface. */
static int
add_interface(struct hm_pcap_reader *r, uint64_t at, const uint8_t *b, uint32_t len)
{
	struct pcapng_if ifc = { .res_exp = 6 };
	const uint8_t *o = b + 8;
	uint32_t left = len - 8;

	ifc.linktype = rd16(b, r->swapped);
	ifc.snaplen = rd32(b + 4, r->swapped);
	while (left >= 4) {
		uint16_t code = rd16(o, r->swapped), olen = rd16(o + 2, r->swapped);
		uint32_t padded = ((uint32_t)olen + 3u) & ~3u;
		if (code == 0)
			break; /* opt_endofopt */
		if (4 + padded > left)
			return pcap_rec_fail(r, EBADMSG, at, "interface option %u of %u bytes runs "
					     "past its block", code, olen);
		if (code == OPT_IF_TSRESOL) {
			if (olen != 1)
				return pcap_rec_fail(r, EBADMSG, at, "if_tsresol of %u bytes (1 "
						     "expected)", olen);
			ifc.res_pow2 = (o[4] & 0x80) != 0;
			ifc.res_exp = o[4] & 0x7f;
		} else if (code == OPT_IF_TSOFFSET) {
			uint64_t v;
			if (olen != 8)
				return pcap_rec_fail(r, EBADMSG, at, "if_tsoffset of %u bytes (8 "
						     "expected)", olen);
			memcpy(&v, o + 4, 8);
			if (r->swapped)
				v = __builtin_bswap64(v);
			ifc.tsoffset = (int64_t)v;
		}
		o += 4 + padded;
		left -= 4 + padded;
	}
	if (r->n_ifs == HM_PCAPNG_MAX_IFACES)
		return pcap_rec_fail(r, EBADMSG, at, "more than %u interfaces in a section",
				     HM_PCAPNG_MAX_IFACES);
	if (r->n_ifs == r->cap_ifs) {
		uint32_t nc = r->cap_ifs == 0 ? 4 : r->cap_ifs * 2;
		if (nc > HM_PCAPNG_MAX_IFACES)
			nc = HM_PCAPNG_MAX_IFACES;
		struct pcapng_if *n = realloc(r->ifs, nc * sizeof(*n));
		if (n == NULL)
			return pcap_rec_fail(r, ENOMEM, at, "out of memory for %u interfaces", nc);
		r->ifs = n;
		r->cap_ifs = nc;
	}
	r->ifs[r->n_ifs++] = ifc;
	r->if_total++;
	if (!r->linktype_set) {
		r->linktype = ifc.linktype;
		r->linktype_set = true;
	}
	return 0;
}

static int
read_idb(struct hm_pcap_reader *r, uint64_t at, uint32_t total)
{
	uint32_t len = total - 12;
	uint8_t *b;
	ssize_t n;
	int rc;

	if (total < IDB_MIN)
		return pcap_rec_fail(r, EBADMSG, at, "interface description of %" PRIu32 " bytes "
				     "(at least %u)", total, IDB_MIN);
	if (len > IDB_BODY_MAX)
		return pcap_rec_fail(r, EBADMSG, at, "interface description of %" PRIu32 " bytes "
				     "(options above %u bytes)", total, IDB_BODY_MAX);
	b = malloc(len);
	if (b == NULL)
		return pcap_rec_fail(r, ENOMEM, at, "out of memory");
	n = pcap_rd(r, b, len);
	if (n < 0)
		rc = pcap_rec_fail(r, EIO, at, "read error");
	else if ((uint32_t)n < len)
		rc = pcap_rec_fail(r, EBADMSG, at, "interface description cut short by the end "
				   "of the input");
	else
		rc = add_interface(r, at, b, len);
	free(b);
	return rc < 0 ? rc : block_end(r, at, total, 8 + (uint64_t)len);
}

/* Nanoseconds since the epoch of a timestamp in @p ifc's units (saturating). */
static uint64_t
ts_to_ns(const struct pcapng_if *ifc, uint64_t ts)
{
	static const uint64_t p10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull,
		10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	__extension__ typedef unsigned __int128 u128;
	__extension__ typedef __int128 s128;
	u128 v;

	if (ifc->res_pow2)
		v = ((u128)ts * 1000000000u) >> ifc->res_exp;
	else if (ifc->res_exp <= 9)
		v = (u128)ts * p10[9 - ifc->res_exp];
	else if (ifc->res_exp - 9 <= 19)
		v = ts / p10[ifc->res_exp - 9];
	else
		v = 0;
	s128 s = (s128)v + (s128)ifc->tsoffset * 1000000000;
	if (s < 0)
		return 0;
	if (s > (s128)UINT64_MAX)
		return UINT64_MAX;
	return (uint64_t)s;
}

/* Enhanced (EPB) or obsolete (PB) Packet Block. */
static int
read_epb(struct hm_pcap_reader *r, uint64_t at, uint32_t type, uint32_t total, void *buf,
	 size_t cap, struct hm_pcap_rec *rec)
{
	uint8_t h[20];
	uint32_t ifid, caplen, origlen;
	ssize_t n;
	int rc;

	if (total < EPB_MIN)
		return pcap_rec_fail(r, EBADMSG, at, "packet block of %" PRIu32 " bytes (at least "
				     "%u)", total, EPB_MIN);
	n = pcap_rd(r, h, sizeof(h));
	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if ((size_t)n < sizeof(h))
		return pcap_rec_fail(r, EBADMSG, at, "packet block cut short by the end of the "
				     "input");
	ifid = type == BT_EPB ? rd32(h, r->swapped) : rd16(h, r->swapped);
	caplen = rd32(h + 12, r->swapped);
	origlen = rd32(h + 16, r->swapped);
	if (ifid >= r->n_ifs)
		return pcap_rec_fail(r, EBADMSG, at, "packet on interface %" PRIu32 ", the section "
				     "describes %" PRIu32, ifid, r->n_ifs);
	if (caplen > HM_PCAP_MAX_SNAPLEN)
		return pcap_rec_fail(r, EBADMSG, at, "caplen %" PRIu32 " exceeds %u", caplen,
				     HM_PCAP_MAX_SNAPLEN);
	if (((caplen + 3u) & ~3u) > total - EPB_MIN)
		return pcap_rec_fail(r, EBADMSG, at, "caplen %" PRIu32 " does not fit its block of "
				     "%" PRIu32 " bytes", caplen, total);
	if (caplen > origlen)
		return pcap_rec_fail(r, EBADMSG, at, "caplen %" PRIu32 " exceeds the original "
				     "length %" PRIu32, caplen, origlen);
	rc = pcap_read_data(r, at, buf, cap, caplen, r->ifs[ifid].linktype);
	if (rc < 0)
		return rc;
	rc = block_end(r, at, total, 8 + sizeof(h) + (uint64_t)caplen);
	if (rc < 0)
		return rc;
	rec->ts_ns = ts_to_ns(&r->ifs[ifid], (uint64_t)rd32(h + 4, r->swapped) << 32 |
						     rd32(h + 8, r->swapped));
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->linktype = r->ifs[ifid].linktype;
	rec->ifindex = ifid;
	return 1;
}

static int
read_spb(struct hm_pcap_reader *r, uint64_t at, uint32_t total, void *buf, size_t cap,
	 struct hm_pcap_rec *rec)
{
	uint8_t h[4];
	uint32_t origlen, caplen, room = total - SPB_MIN;
	ssize_t n;
	int rc;

	if (total < SPB_MIN)
		return pcap_rec_fail(r, EBADMSG, at, "simple packet block of %" PRIu32 " bytes (at "
				     "least %u)", total, SPB_MIN);
	if (r->n_ifs == 0)
		return pcap_rec_fail(r, EBADMSG, at, "simple packet block before any interface "
				     "description");
	n = pcap_rd(r, h, sizeof(h));
	if (n < 0)
		return pcap_rec_fail(r, EIO, at, "read error");
	if ((size_t)n < sizeof(h))
		return pcap_rec_fail(r, EBADMSG, at, "simple packet block cut short by the end of "
				     "the input");
	origlen = rd32(h, r->swapped);
	caplen = origlen < room ? origlen : room;
	if (r->ifs[0].snaplen != 0 && caplen > r->ifs[0].snaplen)
		caplen = r->ifs[0].snaplen;
	if (caplen > HM_PCAP_MAX_SNAPLEN)
		caplen = HM_PCAP_MAX_SNAPLEN;
	rc = pcap_read_data(r, at, buf, cap, caplen, r->ifs[0].linktype);
	if (rc < 0)
		return rc;
	rc = block_end(r, at, total, 8 + sizeof(h) + (uint64_t)caplen);
	if (rc < 0)
		return rc;
	rec->ts_ns = 0; /* a Simple Packet Block has no timestamp */
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->linktype = r->ifs[0].linktype;
	rec->ifindex = 0;
	return 1;
}

int
pcapng_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec)
{
	for (;;) {
		uint64_t at = r->offset;
		uint8_t h[8];
		uint32_t type, total;
		ssize_t n = pcap_rd(r, h, 4);
		int rc;

		if (n < 0)
			return pcap_rec_fail(r, EIO, at, "read error");
		if (n == 0)
			return 0;
		if (n == 4) {
			memcpy(&type, h, 4);
			if (type == HM_PCAPNG_SHB_TYPE) {
				rc = read_shb(r, at);
				if (rc < 0)
					return rc;
				continue;
			}
			ssize_t m = pcap_rd(r, h + 4, 4);
			if (m < 0)
				return pcap_rec_fail(r, EIO, at, "read error");
			n += m;
		}
		if (n < 8)
			return pcap_rec_fail(r, EBADMSG, at, "truncated block header (%zd of 8 bytes)",
					     n);
		type = rd32(h, r->swapped);
		total = rd32(h + 4, r->swapped);
		if (total < 12 || total % 4 != 0 || total > HM_PCAPNG_MAX_BLOCK)
			return pcap_rec_fail(r, EBADMSG, at, "block type 0x%" PRIx32 " of length %"
					     PRIu32 " (a multiple of 4 from 12 to %u)", type, total,
					     HM_PCAPNG_MAX_BLOCK);
		switch (type) {
		case BT_IDB:
			rc = read_idb(r, at, total);
			break;
		case BT_EPB:
		case BT_PB:
			rc = read_epb(r, at, type, total, buf, cap, rec);
			break;
		case BT_SPB:
			rc = read_spb(r, at, total, buf, cap, rec);
			break;
		default:
			rc = block_end(r, at, total, 8);
			if (rc == 0)
				r->skipped++;
			break;
		}
		if (rc < 0)
			return rc;
		if (rc == 1) {
			rec->offset = at;
			pcap_count_record(r, rec);
			return 1;
		}
	}
}
