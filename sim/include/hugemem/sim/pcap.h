/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic pcap files (not pcapng), read and written without libpcap.
 *
 * File header (24 bytes): magic, version 2.4, thiszone, sigfigs, snaplen,
 * linktype. The magic says the byte order and the timestamp unit:
 * 0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds, either byte-swapped when the
 * writer's byte order differs from ours. Each record: ts_sec, ts_frac, caplen,
 * origlen (16 bytes), then caplen bytes.
 *
 * The reader trusts nothing: a bad magic or version, a short file header, a
 * record whose caplen exceeds the snaplen (or HM_PCAP_MAX_SNAPLEN), caplen >
 * origlen, a fraction out of range, or a record cut short by the end of the
 * input is rejected with -EBADMSG and a message naming the record and its
 * offset; the error is sticky. Every byte of a well-formed input is accounted:
 * at the end, offset == 24 + sum(16 + caplen) over the records returned.
 */
#ifndef HUGEMEM_SIM_PCAP_H
#define HUGEMEM_SIM_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hugemem/sim/traffic.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_PCAP_MAGIC_US 0xa1b2c3d4u
#define HM_PCAP_MAGIC_NS 0xa1b23c4du
#define HM_PCAP_MAX_SNAPLEN 262144u   /* libpcap's MAXIMUM_SNAPLEN */
#define HM_PCAP_LINKTYPE_ETHERNET 1u
#define HM_PCAP_FILE_HDR_SIZE 24u
#define HM_PCAP_REC_HDR_SIZE 16u

/** One record as read. */
struct hm_pcap_rec {
	uint64_t ts_ns;       /* timestamp, nanoseconds since the epoch */
	uint32_t caplen;      /* bytes stored in the file */
	uint32_t origlen;     /* bytes on the wire (>= caplen) */
	uint64_t offset;      /* file offset of the record header */
};

struct hm_pcap_reader;

/**
 * Open the pcap file at @p path for reading.
 * @return the reader or NULL with hm_errno EINVAL (NULL path), an errno of
 *   fopen/fread, EBADMSG (not a classic pcap file: magic, version, short header,
 *   snaplen), ENOMEM.
 */
struct hm_pcap_reader *hm_pcap_open(const char *path);
/**
 * Read from @p len bytes at @p buf (not copied: must outlive the reader).
 * @return as hm_pcap_open (EINVAL for a NULL buf).
 */
struct hm_pcap_reader *hm_pcap_open_mem(const void *buf, size_t len);
/** Close (NULL accepted). */
void hm_pcap_close(struct hm_pcap_reader *r);

/**
 * Next record: its header into @p rec, min(caplen, cap) bytes into @p buf.
 * @return 1 (a record), 0 (end of input exactly at a record boundary),
 *   -EINVAL (NULL reader, rec or buf with cap > 0), -EBADMSG (malformed or
 *   truncated record; sticky), -EIO (read error).
 */
int hm_pcap_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec);

/** Header fields of an open file. */
uint32_t hm_pcap_snaplen(const struct hm_pcap_reader *r);
uint32_t hm_pcap_linktype(const struct hm_pcap_reader *r);
bool hm_pcap_is_nsec(const struct hm_pcap_reader *r);
bool hm_pcap_is_swapped(const struct hm_pcap_reader *r);
/** Records returned so far. */
uint64_t hm_pcap_records(const struct hm_pcap_reader *r);
/** Bytes consumed so far (file header included). */
uint64_t hm_pcap_offset(const struct hm_pcap_reader *r);
/**
 * Validator: offset == 24 + sum(16 + caplen) of the records returned.
 * @return 0, -EINVAL (NULL), -EFAULT with *reason.
 */
int hm_pcap_check(const struct hm_pcap_reader *r, const char **reason);

/**
 * The reader as a traffic source (replay). Zero-length records are skipped;
 * the timestamp is the record's. Valid until hm_pcap_close.
 */
struct hm_traffic_src *hm_pcap_source(struct hm_pcap_reader *r);

/* ---- writer: the capture sink ---- */

/** Writer configuration; start from hm_pcap_writer_conf_init(). */
struct hm_pcap_writer_conf {
	uint32_t snaplen;     /* 1..HM_PCAP_MAX_SNAPLEN (65535); longer frames are truncated */
	uint32_t linktype;    /* HM_PCAP_LINKTYPE_ETHERNET */
	bool nsec;            /* nanosecond timestamps (magic 0xa1b23c4d) */
	bool swapped;         /* write the other byte order than this host's */
};

struct hm_pcap_writer;

void hm_pcap_writer_conf_init(struct hm_pcap_writer_conf *c);
/**
 * Create (truncate) @p path and write the file header.
 * @return the writer or NULL with hm_errno EINVAL (NULL path, snaplen 0 or
 *   too big), an errno of fopen/fwrite, ENOMEM.
 */
struct hm_pcap_writer *hm_pcap_writer_open(const char *path, const struct hm_pcap_writer_conf *c);
/**
 * Append one frame of @p len bytes (stored truncated to the snaplen, origlen
 * @p len) stamped @p ts_ns.
 * @return 0, -EINVAL (NULL writer, NULL frame with len > 0, len > UINT32_MAX),
 *   -EIO (write error; sticky).
 */
int hm_pcap_write(struct hm_pcap_writer *w, const void *frame, size_t len, uint64_t ts_ns);
/** Records written so far. */
uint64_t hm_pcap_writer_records(const struct hm_pcap_writer *w);
/** Flush and close (NULL accepted). @return 0 or -EIO when data was lost. */
int hm_pcap_writer_close(struct hm_pcap_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_PCAP_H */
