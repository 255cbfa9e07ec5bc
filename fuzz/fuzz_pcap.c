/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcap reader on hostile bytes (from memory): it either refuses the file
 * header, or returns records until a clean end (every input byte accounted:
 * 24 + sum(16 + caplen) == input size) or a sticky error. Each record's
 * offset follows the previous one, its caplen respects the snaplen and the
 * origlen, and the validator passes after every call. The record bytes then go
 * through the frame parser and the integrity verifier, which must not crash
 * either. The same input is replayed through the pcap traffic source.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[HM_PCAP_MAX_SNAPLEN];

static void
check(const struct hm_pcap_reader *r)
{
	if (hm_pcap_check(r, NULL) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_pcap_reader *r;
	struct hm_pcap_rec rec;
	struct hm_traffic_info in;
	uint64_t expect_off = HM_PCAP_FILE_HDR_SIZE, n = 0;
	/* vary the caller's buffer: short copies must account the same bytes */
	size_t cap = size % 3 == 0 ? 64 : sizeof(buf);
	int rc;

	if (size > 1 << 20)
		return 0;
	r = hm_pcap_open_mem(data, size);
	if (r == NULL) {
		if (size >= HM_PCAP_FILE_HDR_SIZE && (data[0] == 0xd4 || data[0] == 0xa1 ||
						       data[0] == 0x4d)) {
			/* a refused header must really be bad: magic or version */
			uint32_t m;
			memcpy(&m, data, 4);
			if ((m == HM_PCAP_MAGIC_US || m == HM_PCAP_MAGIC_NS) && data[4] == 2 &&
			    data[5] == 0)
				abort();
		}
		return 0;
	}
	check(r);
	while ((rc = hm_pcap_next(r, buf, cap, &rec)) == 1) {
		n++;
		if (rec.offset != expect_off || rec.caplen > rec.origlen ||
		    rec.caplen > hm_pcap_snaplen(r) || hm_pcap_records(r) != n)
			abort();
		expect_off += HM_PCAP_REC_HDR_SIZE + (uint64_t)rec.caplen;
		if (hm_pcap_offset(r) != expect_off)
			abort();
		check(r);
		size_t len = rec.caplen < cap ? rec.caplen : cap;
		if (len >= 14)
			hm_traffic_parse(buf, len, &in);
		hm_traffic_verify(buf, len, NULL);
	}
	check(r);
	if (rc == 0 && expect_off != size)
		abort(); /* a clean end consumed the whole input */
	if (rc != 0 && rc != -EBADMSG)
		abort();
	if (rc < 0 && hm_pcap_next(r, buf, cap, &rec) != rc)
		abort(); /* sticky */
	hm_pcap_close(r);

	/* the replay source sees the same records, minus the empty ones */
	r = hm_pcap_open_mem(data, size);
	if (r == NULL)
		abort();
	uint64_t frames = 0;
	while (hm_traffic_src_next(hm_pcap_source(r), buf, sizeof(buf), NULL) > 0)
		frames++;
	if (frames > n || hm_pcap_records(r) != n)
		abort();
	check(r);
	hm_pcap_close(r);
	return 0;
}
