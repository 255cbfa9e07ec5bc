/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture reader on hostile bytes (from memory), classic pcap and pcapng:
 * it either refuses the file header, or returns records until a clean end
 * (every input byte accounted: the offset reaches the input's size) or a
 * sticky error. Each record starts after the previous one, its caplen
 * respects the snaplen and the origlen, and the validator passes after every
 * call. The record bytes then go through the link-type wrapping, the frame
 * parser, the checksum repair and the integrity verifier, which must not
 * crash either (a repaired IPv4 frame parses with good checksums). The same
 * input is replayed through the pcap traffic source, whose counters must
 * agree with what the reader returned.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[HM_PCAP_MAX_SNAPLEN];
static uint8_t eth[HM_PCAP_MAX_SNAPLEN + 64];

static void
check(const struct hm_pcap_reader *r)
{
	if (hm_pcap_check(r, NULL) != 0)
		abort();
}

/* What the replay does with one record's bytes. */
static void
frame_ops(uint32_t linktype, const uint8_t *rec, size_t len)
{
	struct hm_traffic_info in;
	int n = hm_pcap_to_ether(linktype, rec, len, eth, sizeof(eth));

	if (n == -EPROTONOSUPPORT) {
		if (hm_pcap_linktype_supported(linktype))
			abort();
		return;
	}
	if (n < 0)
		return;
	if ((size_t)n > sizeof(eth) || (linktype == HM_PCAP_LINKTYPE_ETHERNET && (size_t)n != len))
		abort();
	if (n < 14)
		return;
	hm_traffic_parse(eth, (size_t)n, &in);
	hm_traffic_verify(eth, (size_t)n, NULL);
	hm_traffic_cksum_offloaded(eth, (size_t)n);
	if (hm_traffic_cksum_fix(eth, (size_t)n) < 0)
		abort();
	hm_traffic_parse(eth, (size_t)n, &in);
	if (in.l3 == HM_TRAFFIC_L3_IPV4 && (!in.ip_cksum_ok || (in.l4_valid && !in.l4_cksum_ok)))
		abort(); /* repaired checksums verify */
	if (hm_traffic_cksum_fix(eth, (size_t)n) != 0)
		abort(); /* and a second repair changes nothing */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_pcap_reader *r;
	struct hm_pcap_rec rec;
	uint64_t next_off, n = 0, truncated = 0;
	/* vary the caller's buffer: short copies must account the same bytes */
	size_t cap = size % 3 == 0 ? 64 : sizeof(buf);
	bool ng;
	int rc;

	if (size > 1 << 20)
		return 0;
	r = hm_pcap_open_mem(data, size);
	if (r == NULL) {
		if (size >= HM_PCAP_FILE_HDR_SIZE && (data[0] == 0xd4 || data[0] == 0xa1 ||
						       data[0] == 0x4d)) {
			/* a refused classic header must really be bad: magic or version */
			uint32_t m;
			memcpy(&m, data, 4);
			if ((m == HM_PCAP_MAGIC_US || m == HM_PCAP_MAGIC_NS) && data[4] == 2 &&
			    data[5] == 0)
				abort();
		}
		return 0;
	}
	check(r);
	ng = hm_pcap_format(r) == HM_PCAP_FORMAT_PCAPNG;
	next_off = hm_pcap_offset(r);
	if (!ng && next_off != HM_PCAP_FILE_HDR_SIZE)
		abort();
	while ((rc = hm_pcap_next(r, buf, cap, &rec)) == 1) {
		n++;
		truncated += rec.caplen < rec.origlen;
		if (rec.offset < next_off || rec.caplen > rec.origlen ||
		    rec.caplen > hm_pcap_snaplen(r) || hm_pcap_records(r) != n)
			abort();
		if (!ng && (rec.offset != next_off || rec.linktype != hm_pcap_linktype(r)))
			abort();
		/* the record (and in pcapng its block) ends where the reader stands */
		next_off = hm_pcap_offset(r);
		if (next_off < rec.offset + rec.caplen + (ng ? 32 : HM_PCAP_REC_HDR_SIZE) -
				       (ng && rec.ts_ns == 0 ? 16 : 0) ||
		    next_off > size)
			abort();
		check(r);
		size_t len = rec.caplen < cap ? rec.caplen : cap;
		frame_ops(rec.linktype, buf, len);
	}
	check(r);
	if (rc == 0 && hm_pcap_offset(r) != size)
		abort(); /* a clean end consumed the whole input */
	if (rc != 0 && rc != -EBADMSG)
		abort();
	if (rc < 0 && hm_pcap_next(r, buf, cap, &rec) != rc)
		abort(); /* sticky */
	struct hm_pcap_stats st;
	if (hm_pcap_stats(r, &st) != 0 || st.records != n || st.truncated != truncated)
		abort();
	hm_pcap_close(r);

	/* the replay source sees the same records, minus the empty ones */
	r = hm_pcap_open_mem(data, size);
	if (r == NULL)
		abort();
	uint64_t frames = 0;
	while ((rc = hm_traffic_src_next(hm_pcap_source(r), buf, sizeof(buf), NULL)) > 0)
		frames++;
	if (rc != 0 && rc != -EBADMSG && rc != -EPROTONOSUPPORT)
		abort();
	if (frames > n || hm_pcap_records(r) > n || hm_pcap_stats(r, &st) != 0 ||
	    st.wrapped > frames || st.records < st.empty + frames)
		abort();
	/* every record read was replayed or skipped, but the one a wrapping refused */
	uint64_t left = st.records - st.empty - frames;
	if (left > (rc < 0 ? 1u : 0u))
		abort();
	check(r);
	hm_pcap_close(r);
	return 0;
}
