/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture files, read and written without libpcap: classic pcap and pcapng in,
 * classic pcap out.
 *
 * Classic pcap. File header (24 bytes): magic, version 2.4, thiszone, sigfigs,
 * snaplen, link type. The magic says the byte order and the timestamp unit:
 * 0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds, either byte-swapped when the
 * writer's byte order differs from ours. Each record: ts_sec, ts_frac, caplen,
 * origlen (16 bytes), then caplen bytes.
 *
 * pcapng (what Wireshark and dumpcap write by default). A file is a list of
 * blocks (type, total length, body padded to 4 bytes, total length again). A
 * Section Header Block (0x0a0d0d0a) starts each section and sets its byte order
 * (byte-order magic 0x1a2b3c4d); Interface Description Blocks (1) give each
 * interface of the section its link type, snaplen, timestamp resolution
 * (if_tsresol: 10^-n or 2^-n seconds, default microseconds) and offset
 * (if_tsoffset, seconds); packets come in Enhanced Packet Blocks (6: interface,
 * 64-bit timestamp, caplen, origlen), Simple Packet Blocks (3: interface 0, no
 * timestamp, origlen) and obsolete Packet Blocks (2). Every other block type
 * (name resolution, statistics, custom, ...) is skipped whole. A file may hold
 * several sections, each in either byte order.
 *
 * The reader trusts nothing and allocates nothing sized by the file. Refused
 * with -EBADMSG and a message naming the record (pcap) or the block and record
 * (pcapng) and the byte offset, sticky: a bad magic or version, a short file
 * header; a record whose caplen exceeds the snaplen (or HM_PCAP_MAX_SNAPLEN),
 * caplen > origlen, a fraction out of range, or a record cut short by the end
 * of the input; a block shorter than its fixed part, not a multiple of 4, above
 * HM_PCAPNG_MAX_BLOCK, or whose trailing length differs from its leading one; a
 * bad byte-order magic or major version; a packet naming an interface the
 * section has not described; an option running past its block; more than
 * HM_PCAPNG_MAX_IFACES interfaces in a section.
 * Every byte of a well-formed input is accounted: at the end offset == 24 +
 * sum(16 + caplen) over the records returned (pcap), or the sum of the block
 * lengths read (pcapng).
 *
 * Link types. hm_pcap_next returns records as stored, whatever their link
 * type. The replay source (hm_pcap_source) hands the NIC Ethernet frames:
 * Ethernet records as they are; these are wrapped in a 14-byte Ethernet header
 * with destination HM_PCAP_WRAP_DST_MAC, source HM_PCAP_WRAP_SRC_MAC and an
 * ethertype taken from the link-layer header:
 *   NULL (0) and LOOP (108): the 4-byte address family (in either byte order):
 *     2 is IPv4, 10/24/28/30 IPv6 (Linux, the BSDs, macOS); another family
 *     takes the IP version of the payload (4 or 6), else HM_PCAP_WRAP_OTHER;
 *   LINUX_SLL (113) and LINUX_SLL2 (276): the header's protocol field;
 *   RAW (101, and 12 / 14 as older files spell DLT_RAW): the IP version nibble;
 *   IPV4 (228) and IPV6 (229): 0x0800 and 0x86dd.
 * Any other link type is refused when a record of it is replayed: -EPROTONOSUPPORT
 * naming the link type (number and name when known). A record shorter than
 * its link-layer header is -EBADMSG. hm_pcap_stats counts the wrapped frames.
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
#define HM_PCAPNG_SHB_TYPE 0x0a0d0d0au   /* first bytes of a pcapng file */
#define HM_PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4du
#define HM_PCAP_MAX_SNAPLEN 262144u   /* libpcap's MAXIMUM_SNAPLEN */
#define HM_PCAPNG_MAX_BLOCK (16u << 20) /* bytes; a longer block is refused (libpcap's limit) */
#define HM_PCAPNG_MAX_IFACES 4096u    /* interfaces per section */
#define HM_PCAP_FILE_HDR_SIZE 24u
#define HM_PCAP_REC_HDR_SIZE 16u

/* Link types (LINKTYPE_* of the tcpdump.org registry). */
#define HM_PCAP_LINKTYPE_NULL 0u          /* BSD loopback, host-order family */
#define HM_PCAP_LINKTYPE_ETHERNET 1u
#define HM_PCAP_LINKTYPE_RAW 101u         /* raw IPv4 or IPv6 (also 12, 14) */
#define HM_PCAP_LINKTYPE_LOOP 108u        /* OpenBSD loopback, network-order family */
#define HM_PCAP_LINKTYPE_LINUX_SLL 113u   /* Linux cooked capture v1 (16-byte header) */
#define HM_PCAP_LINKTYPE_IPV4 228u
#define HM_PCAP_LINKTYPE_IPV6 229u
#define HM_PCAP_LINKTYPE_LINUX_SLL2 276u  /* Linux cooked capture v2 (20-byte header) */

/* The Ethernet header given to wrapped (non-Ethernet) records. */
#define HM_PCAP_WRAP_DST_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }
#define HM_PCAP_WRAP_SRC_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
#define HM_PCAP_WRAP_OTHER 0x88b5u        /* ethertype of a loopback record that is not IP */

enum hm_pcap_format {
	HM_PCAP_FORMAT_PCAP = 1,      /* classic libpcap format */
	HM_PCAP_FORMAT_PCAPNG = 2,
};

/** One record as read. */
struct hm_pcap_rec {
	uint64_t ts_ns;       /* timestamp, nanoseconds since the epoch (pcapng: 0 for a
	                       * Simple Packet Block, which has none) */
	uint32_t caplen;      /* bytes stored in the file */
	uint32_t origlen;     /* bytes on the wire (>= caplen) */
	uint64_t offset;      /* file offset of the record header (pcapng: of its block) */
	uint32_t linktype;    /* the record's link type (pcapng: its interface's) */
	uint32_t ifindex;     /* pcapng: interface id within its section; pcap: 0 */
};

/** What a reader met so far (hm_pcap_stats). */
struct hm_pcap_stats {
	uint64_t records;          /* packet records returned */
	uint64_t truncated;        /* of which caplen < origlen (cut by the snaplen) */
	uint64_t first_truncated;  /* record number (from 1) of the first truncated one; 0: none */
	uint64_t empty;            /* zero-length records the replay source skipped */
	uint64_t wrapped;          /* frames the replay source wrapped in an Ethernet header */
	uint32_t wrapped_linktype; /* link type of the first wrapped frame (valid when wrapped) */
	bool wrapped_mixed;        /* wrapped frames came from more than one link type */
	uint64_t blocks;           /* pcapng: blocks read (all kinds); pcap: 0 */
	uint64_t skipped_blocks;   /* pcapng: blocks of other kinds, skipped */
	uint32_t sections;         /* pcapng: sections begun; pcap: 1 */
	uint32_t interfaces;       /* pcapng: interfaces described, all sections; pcap: 1 */
};

struct hm_pcap_reader;

/**
 * Open the capture file (pcap or pcapng) at @p path for reading.
 * @return the reader or NULL with hm_errno EINVAL (NULL path), an errno of
 *   open/read (EISDIR for a directory), EBADMSG (neither format: magic,
 *   version, short header; pcapng: a bad first Section Header Block), ENOMEM.
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
 * @return 1 (a record), 0 (end of input exactly at a record or block
 *   boundary), -EINVAL (NULL reader, rec or buf with cap > 0), -EBADMSG
 *   (malformed or truncated record or block; sticky), -EIO (read error; sticky).
 */
int hm_pcap_next(struct hm_pcap_reader *r, void *buf, size_t cap, struct hm_pcap_rec *rec);

/** The file's format (0 for NULL). */
enum hm_pcap_format hm_pcap_format(const struct hm_pcap_reader *r);
/**
 * Header fields. pcap: from the file header. pcapng: snaplen is
 * HM_PCAP_MAX_SNAPLEN (each interface has its own), the link type that of the
 * first interface described so far (0 before any), nsec true (timestamps may
 * be finer than microseconds), swapped that of the current section.
 */
uint32_t hm_pcap_snaplen(const struct hm_pcap_reader *r);
uint32_t hm_pcap_linktype(const struct hm_pcap_reader *r);
bool hm_pcap_is_nsec(const struct hm_pcap_reader *r);
bool hm_pcap_is_swapped(const struct hm_pcap_reader *r);
/** Records returned so far. */
uint64_t hm_pcap_records(const struct hm_pcap_reader *r);
/** Bytes consumed so far (file header included). */
uint64_t hm_pcap_offset(const struct hm_pcap_reader *r);
/**
 * The header of the last record returned (by hm_pcap_next or the replay
 * source): what a replay needs beside the frame (origlen, record number
 * hm_pcap_records, offset). @return 0, -ENOENT (none yet), -EINVAL (NULL).
 */
int hm_pcap_last_rec(const struct hm_pcap_reader *r, struct hm_pcap_rec *rec);
/** Counters (see struct hm_pcap_stats). @return 0, -EINVAL (NULL). */
int hm_pcap_stats(const struct hm_pcap_reader *r, struct hm_pcap_stats *st);
/**
 * Whether @p fd is the file this reader reads (same device and inode).
 * @return 1, 0 (no, or a memory reader), -EINVAL (NULL), -errno of fstat.
 */
int hm_pcap_same_file(const struct hm_pcap_reader *r, int fd);
/**
 * Validator: offset == bytes of the records (pcap) or blocks (pcapng)
 * returned, interface table in range.
 * @return 0, -EINVAL (NULL), -EFAULT with *reason.
 */
int hm_pcap_check(const struct hm_pcap_reader *r, const char **reason);

/** "ETHERNET", "LINUX_SLL", ... for a link type; NULL when unknown to us. */
const char *hm_pcap_linktype_name(uint32_t linktype);
/** Whether the replay source turns records of @p linktype into Ethernet frames. */
bool hm_pcap_linktype_supported(uint32_t linktype);
/**
 * Turn one record of @p linktype (@p len bytes at @p rec) into an Ethernet
 * frame at @p out (Ethernet records are copied as they are; see the file
 * comment for the others). @p out must not overlap @p rec.
 * @return the frame length (when above @p cap only cap bytes were written),
 *   -EINVAL (NULL rec or out with cap > 0), -EPROTONOSUPPORT (link type not
 *   supported), -EBADMSG (shorter than its link-layer header).
 */
int hm_pcap_to_ether(uint32_t linktype, const void *rec, size_t len, void *out, size_t cap);

/**
 * The reader as a traffic source (replay): Ethernet frames (wrapped as the
 * file comment says), zero-length records skipped, the record's timestamp.
 * A record of an unsupported link type fails the source with
 * -EPROTONOSUPPORT, sticky, naming the record and its link type.
 * Valid until hm_pcap_close. NULL with hm_errno EINVAL (NULL reader), ENOMEM.
 */
struct hm_traffic_src *hm_pcap_source(struct hm_pcap_reader *r);

/* ---- writer: the capture sink ---- */

/** Writer configuration; start from hm_pcap_writer_conf_init(). */
struct hm_pcap_writer_conf {
	uint32_t snaplen;     /* 1..HM_PCAP_MAX_SNAPLEN (65535); longer frames are truncated */
	uint32_t linktype;    /* HM_PCAP_LINKTYPE_ETHERNET */
	bool nsec;            /* nanosecond timestamps (magic 0xa1b23c4d) */
	bool swapped;         /* write the other byte order than this host's */
	const struct hm_pcap_reader *input; /* NULL, or a reader whose file must not be
	                       * overwritten: opening the same file (same device and
	                       * inode, whatever the path) fails before truncating it */
};

struct hm_pcap_writer;

void hm_pcap_writer_conf_init(struct hm_pcap_writer_conf *c);
/**
 * Create @p path (or open it), check it is not conf->input's file, truncate
 * it when it is a regular file and write the file header.
 * @return the writer or NULL with hm_errno EINVAL (NULL path, snaplen 0 or
 *   too big), EEXIST (@p path is conf->input's file: left untouched), an
 *   errno of open/fstat/ftruncate/write (ENOSPC...), ENOMEM.
 */
struct hm_pcap_writer *hm_pcap_writer_open(const char *path, const struct hm_pcap_writer_conf *c);
/**
 * Append one frame of @p len bytes (stored truncated to the snaplen, origlen
 * @p len) stamped @p ts_ns.
 * @return 0, -EINVAL (NULL writer, NULL frame with len > 0, len > UINT32_MAX),
 *   the write's -errno (-ENOSPC, -EIO, ...; sticky).
 */
int hm_pcap_write(struct hm_pcap_writer *w, const void *frame, size_t len, uint64_t ts_ns);
/**
 * As hm_pcap_write, with the frame's length on the wire @p origlen (>= len),
 * for frames that were already cut short by a capture's snaplen.
 * @return as hm_pcap_write; -EINVAL also for origlen < len or > UINT32_MAX.
 */
int hm_pcap_write_orig(struct hm_pcap_writer *w, const void *frame, size_t len, size_t origlen,
		       uint64_t ts_ns);
/** Records written so far. */
uint64_t hm_pcap_writer_records(const struct hm_pcap_writer *w);
/**
 * Write what is buffered to the file now (the writer stays open), so another
 * process can read every record so far.
 * @return 0, -EINVAL (NULL), the -errno that lost data (sticky).
 */
int hm_pcap_writer_flush(struct hm_pcap_writer *w);
/** Flush and close (NULL accepted). @return 0 or the -errno that lost data. */
int hm_pcap_writer_close(struct hm_pcap_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_PCAP_H */
