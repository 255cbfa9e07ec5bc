/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the capture reader: the reader's state, shared by pcap.c (file
 * access, classic pcap, the replay source, the writer), pcapng.c (blocks) and
 * linktype.c (link-type names and the Ethernet wrapping).
 */
#ifndef HUGEMEM_SIM_PCAP_I_H
#define HUGEMEM_SIM_PCAP_I_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "hugemem/sim/pcap.h"

#define LINK_HLEN_MAX 20u        /* LINUX_SLL2, the longest header we unwrap */

/* One pcapng interface (Interface Description Block). */
struct pcapng_if {
	uint32_t linktype;
	uint32_t snaplen;        /* 0: no limit */
	bool res_pow2;           /* timestamp unit 2^-res_exp s, else 10^-res_exp s */
	uint8_t res_exp;         /* if_tsresol exponent (6 when absent: microseconds) */
	int64_t tsoffset;        /* if_tsoffset, seconds added to every timestamp */
};

struct hm_pcap_reader {
	FILE *f;                 /* file input, or NULL */
	const uint8_t *mem;      /* memory input when f == NULL */
	size_t mem_len;          /* bytes at mem */
	bool have_ino;           /* dev/ino valid (file input) */
	dev_t dev;
	ino_t ino;
	enum hm_pcap_format format;
	uint64_t offset;         /* bytes consumed */
	uint64_t acct;           /* bytes of whole headers, records and blocks consumed */
	uint64_t records;        /* records returned */
	struct hm_pcap_rec last; /* the last one (valid when records > 0) */
	uint32_t snaplen;        /* pcap: from the header, 0 read as the maximum */
	uint32_t linktype;       /* pcap: from the header; pcapng: first interface's */
	bool linktype_set;       /* pcapng: an interface was described */
	bool swapped;            /* (current section's) byte order differs from ours */
	bool nsec;               /* pcap: nanosecond fractions */
	int err;                 /* sticky -errno, 0 when fine */
	/* pcapng */
	uint64_t blocks;         /* blocks read whole */
	uint64_t skipped;        /* blocks of other kinds skipped */
	uint32_t sections;
	uint32_t if_total;       /* interfaces over all sections */
	struct pcapng_if *ifs;   /* current section's interfaces: n_ifs used of cap_ifs */
	uint32_t n_ifs, cap_ifs; /* cap_ifs <= HM_PCAPNG_MAX_IFACES */
	/* replay counters */
	uint64_t truncated, first_truncated, empty, wrapped;
	uint32_t wrapped_lt;
	bool wrapped_mixed;
	struct hm_traffic_src src;
	bool split;              /* replay read: the link-layer header of a record to be
	                          * wrapped goes to lhdr, its payload to buf + 14 */
	uint8_t lhdr[LINK_HLEN_MAX + 1]; /* split read: link header + first payload byte */
	uint32_t lhdr_len;       /* bytes in lhdr of the last split read */
	uint8_t scratch[256];    /* discard buffer for bytes beyond the caller's cap */
};

/* Read exactly @p n bytes (or fewer at the end) into @p buf, or skip them
 * when buf is NULL; returns the count or -EIO. */
ssize_t pcap_rd(struct hm_pcap_reader *r, void *buf, size_t n);
/* The reader failed at @p at: sticky error, message names what and where. */
int pcap_rec_fail(struct hm_pcap_reader *r, int err, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Count a record returned (truncation included). */
void pcap_count_record(struct hm_pcap_reader *r, const struct hm_pcap_rec *rec);

/* The @p caplen data bytes of a record of link type @p lt at @p at: into buf
 * (min(caplen, cap) of them, the rest skipped), or in a split read (r->split)
 * of a link type to be wrapped, its link-layer header and first payload byte
 * into lhdr and the rest of the payload after buf + 14. */
int pcap_read_data(struct hm_pcap_reader *r, uint64_t at, void *buf, size_t cap, uint32_t caplen,
		   uint32_t lt);

/* linktype.c: the link-layer header length of a link type we wrap (0 for
 * Ethernet and raw IP), -1 for one we do not replay. */
int linktype_hlen(uint32_t lt);
/* The ethertype of a record of @p lt whose first @p n bytes are at @p p (its
 * link-layer header, then at least the first payload byte when it has any).
 * @return the ethertype, or -EBADMSG (raw IP that is neither v4 nor v6). */
int linktype_ethertype(uint32_t lt, const uint8_t *p, size_t n);
/* The 14-byte Ethernet header of a wrapped frame, min(14, cap) bytes of it. */
void linktype_eth_header(uint8_t *out, size_t cap, uint16_t et);

/* pcapng: the first Section Header Block (after the 4 type bytes were read
 * into @p first). @return 0 or -errno with hm_fail. */
int pcapng_open(struct hm_pcap_reader *r, const uint8_t first[4]);
/* pcapng: the next packet record (hm_pcap_next's contract). */
int pcapng_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec);

#endif
