/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic sources for the simulator: a seeded synthetic generator of
 * Ethernet / [802.1Q] / IPv4 / UDP|TCP frames, pcap replay (pcap.h), and the
 * frame parser and checksum helpers the fake NIC and the receivers share.
 *
 * A source is a tiny interface: next(ctx, buf, cap, &ts) writes the next frame
 * into the caller's buffer. It returns the frame's full length (> 0), copying
 * only min(len, cap) bytes when the frame is longer than cap (as snprintf does,
 * so the caller can count an oversize frame and go on), 0 at the end of the
 * traffic, or -errno.
 *
 * Generated frames carry, at the start of the L4 payload, an integrity header
 * (struct hm_traffic_hdr, 16 bytes, little-endian): a magic, the flow id, the
 * per-flow sequence number and a checksum of everything after the header, so
 * a receiver can verify that each payload arrived intact and in which order
 * (hm_traffic_verify). The rest of the payload is a seeded pseudo-random fill.
 *
 * Determinism: the output is a pure function of the configuration (seed
 * included): the same configuration gives byte-identical frames on every run
 * and every platform.
 *
 * Frame sizes are bytes handed to the NIC, without the 4-byte FCS. The
 * smallest frame is max(64, headers + 16): a TCP frame with a VLAN tag is at
 * least 74 bytes, and smaller requested sizes are raised to that.
 */
#ifndef HUGEMEM_SIM_TRAFFIC_H
#define HUGEMEM_SIM_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HM_TRAFFIC_MIN_FRAME 64u
#define HM_TRAFFIC_MAX_FRAME 9728u      /* i40e's largest frame */
#define HM_TRAFFIC_MAX_FLOWS 65536u
#define HM_TRAFFIC_HDR_MAGIC 0x4d48u     /* "HM" little-endian */

/* ---- the source interface ---- */

/** Next frame into @p buf (see the file comment for the return values). */
typedef int (*hm_traffic_next_t)(void *ctx, void *buf, size_t cap, uint64_t *ts_ns);

/** A traffic source: the generator and pcap replay each embed one. */
struct hm_traffic_src {
	hm_traffic_next_t next; /* never NULL in a valid source */
	void *ctx;              /* the implementation's state */
	const char *name;       /* "gen", "pcap": for messages */
};

/**
 * Next frame of @p src into @p buf of @p cap bytes; @p ts_ns (may be NULL)
 * receives the frame's timestamp in nanoseconds.
 * @return the frame length (may exceed cap: only cap bytes were copied), 0 at
 *   the end, -EINVAL (NULL src or buf, cap 0), or the source's -errno.
 */
int hm_traffic_src_next(struct hm_traffic_src *src, void *buf, size_t cap, uint64_t *ts_ns);

/* ---- synthetic generator ---- */

enum hm_traffic_size_mode {
	HM_TRAFFIC_SIZE_FIXED = 0,  /* every frame size_min bytes */
	HM_TRAFFIC_SIZE_IMIX,       /* 64 / 594 / 1518 in proportions 7:4:1 */
	HM_TRAFFIC_SIZE_RANDOM,     /* uniform in [size_min, size_max] */
};

enum hm_traffic_proto {
	HM_TRAFFIC_UDP = 0,
	HM_TRAFFIC_TCP,
	HM_TRAFFIC_MIXED,           /* each flow UDP or TCP, chosen from the seed */
};

/** Generator configuration; start from hm_traffic_gen_conf_init(). */
struct hm_traffic_gen_conf {
	uint64_t seed;              /* any value; 0 is valid */
	uint64_t count;             /* frames before the end; 0 = endless */
	enum hm_traffic_size_mode size_mode;
	uint32_t size_min;          /* bytes; FIXED: the size; RANDOM: lower bound (64) */
	uint32_t size_max;          /* bytes; RANDOM: upper bound (1518); <= HM_TRAFFIC_MAX_FRAME */
	enum hm_traffic_proto proto;
	uint32_t flows;             /* 1..HM_TRAFFIC_MAX_FLOWS distinct 5-tuples (1) */
	bool vlan;                  /* add an 802.1Q tag */
	uint16_t vlan_tci;          /* tag control (PCP, DEI, VID) when vlan */
	uint32_t bad_ip_ppm;        /* frames per million with a wrong IPv4 header checksum */
	uint32_t bad_l4_ppm;        /* frames per million with a wrong UDP/TCP checksum */
	uint64_t ts_step_ns;        /* timestamp increment per frame (1000) */
};

/** Metadata of one generated or verified frame. */
struct hm_traffic_meta {
	uint32_t flow;              /* flow id, 0..flows-1 */
	uint64_t seq;               /* per-flow sequence number, from 0 */
	uint32_t len;               /* frame bytes */
	bool bad_ip;                /* generated with a wrong IPv4 checksum */
	bool bad_l4;                /* generated with a wrong L4 checksum */
};

/** Integrity header at the start of every generated payload. 16 bytes, LE. */
struct hm_traffic_hdr {
	uint16_t magic;             /* HM_TRAFFIC_HDR_MAGIC */
	uint16_t flow;              /* flow id (flows <= 65536) */
	uint32_t csum;              /* hash of flow, seq and the payload after this header */
	uint64_t seq;               /* per-flow sequence number */
};

struct hm_traffic_gen;

/** Defaults: seed 1, endless, fixed 64 bytes, UDP, 1 flow, no VLAN, no bad checksums. */
void hm_traffic_gen_conf_init(struct hm_traffic_gen_conf *c);

/**
 * A generator for @p c (copied).
 * @return the generator or NULL with hm_errno EINVAL (NULL conf, unknown size
 *   mode or protocol, flows 0 or > HM_TRAFFIC_MAX_FLOWS, sizes outside
 *   [64, HM_TRAFFIC_MAX_FRAME] or min > max, a rate > 1000000) or ENOMEM.
 */
struct hm_traffic_gen *hm_traffic_gen_create(const struct hm_traffic_gen_conf *c);
/** Free a generator (NULL accepted). */
void hm_traffic_gen_free(struct hm_traffic_gen *g);
/**
 * Next frame into @p buf (@p cap bytes); @p meta (may be NULL) describes it.
 * @return the frame length (may exceed cap: truncated copy), 0 after count
 *   frames, -EINVAL (NULL gen or buf, cap 0).
 */
int hm_traffic_gen_next(struct hm_traffic_gen *g, void *buf, size_t cap,
			struct hm_traffic_meta *meta);
/** The generator as a source (valid until hm_traffic_gen_free). */
struct hm_traffic_src *hm_traffic_gen_source(struct hm_traffic_gen *g);
/** Frames generated so far. */
uint64_t hm_traffic_gen_count(const struct hm_traffic_gen *g);
/**
 * Validator: counters and per-flow sequence numbers consistent.
 * @return 0, -EINVAL (NULL gen), -EFAULT with *reason.
 */
int hm_traffic_gen_check(const struct hm_traffic_gen *g, const char **reason);

/* ---- parsing and checksums ---- */

#define HM_TRAFFIC_L3_NONE 0
#define HM_TRAFFIC_L3_IPV4 4

/** What a parsed frame holds. Offsets are from the frame start. */
struct hm_traffic_info {
	bool vlan;                  /* an 802.1Q tag follows the MAC addresses */
	uint16_t vlan_tci;          /* when vlan */
	uint16_t ethertype;         /* inner ethertype (after the tag) */
	uint8_t l3;                 /* HM_TRAFFIC_L3_* */
	uint8_t l4_proto;           /* IP protocol number when l3 is IPv4 */
	bool frag;                  /* IPv4 fragment (MF or offset != 0) */
	bool ip_cksum_ok;           /* IPv4 header checksum verifies (l3 == IPv4) */
	bool l4_cksum_ok;           /* UDP/TCP checksum verifies (valid when l4_valid) */
	bool l4_valid;              /* a whole UDP or TCP header is present, not a fragment */
	uint16_t l3_off, l4_off;    /* bytes; valid for IPv4 / l4_valid */
	uint16_t payload_off;       /* bytes; start of the L4 payload when l4_valid */
	uint16_t payload_len;       /* bytes of L4 payload inside the frame */
	uint32_t src_ip, dst_ip;    /* host order, when IPv4 */
	uint16_t src_port, dst_port;/* host order, when l4_valid */
};

/**
 * Parse Ethernet / optional 802.1Q / IPv4 / UDP|TCP and verify the checksums.
 * Never reads outside [frame, frame+len); truncated headers just stop the parse.
 * @return 0, -EINVAL (NULL frame or info, len < 14).
 */
int hm_traffic_parse(const void *frame, size_t len, struct hm_traffic_info *info);

/**
 * Verify a generated frame (with or without its VLAN tag): parse, find the
 * integrity header, check its magic and the payload checksum; @p meta (may be
 * NULL) gets flow, seq and len. IP/L4 checksums are not required to verify
 * (frames may be sent bad on purpose): see hm_traffic_parse.
 * @return 0, -EINVAL (NULL frame), -EBADMSG (not a generated frame, payload
 *   corrupted or truncated).
 */
int hm_traffic_verify(const void *frame, size_t len, struct hm_traffic_meta *meta);

#define HM_TRAFFIC_FIXED_IP 1          /* hm_traffic_cksum_fix changed the IPv4 header checksum */
#define HM_TRAFFIC_FIXED_L4 2          /* ... the TCP or UDP checksum */

/**
 * Recompute, in place, the IPv4 header checksum and the TCP or UDP checksum
 * of an Ethernet / [802.1Q] / IPv4 frame. The L4 checksum only for a whole,
 * unfragmented datagram inside the frame; a UDP checksum of 0 ("none") stays.
 * @return a mask of HM_TRAFFIC_FIXED_* (the checksums that changed; 0 when
 *   they were right or there is nothing to fix), -EINVAL (NULL frame, len < 14).
 */
int hm_traffic_cksum_fix(void *frame, size_t len);

/**
 * Whether the frame's TCP or UDP checksum field holds only the folded sum of
 * the pseudo-header: what a sender using checksum offload hands its NIC, so
 * what a capture taken on that host records (the wire carried the right one).
 * @return 1 yes, 0 no (or not a whole IPv4 TCP/UDP datagram), -EINVAL (NULL
 *   frame, len < 14).
 */
int hm_traffic_cksum_offloaded(const void *frame, size_t len);

/** Ones'-complement sum of @p len bytes, folded to 16 bits, not inverted. */
uint16_t hm_traffic_cksum_raw(const void *data, size_t len, uint32_t init);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_SIM_TRAFFIC_H */
