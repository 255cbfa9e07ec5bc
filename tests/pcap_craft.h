/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crafting capture files in memory for the tests: classic pcap (either byte
 * order, us or ns) and pcapng blocks (sections in either byte order, interface
 * descriptions with if_tsresol / if_tsoffset, enhanced, simple and obsolete
 * packet blocks, any other block), and the link-layer headers the replay
 * source unwraps (BSD loopback, Linux cooked v1 and v2). Header-only: each
 * test program includes what it uses.
 */
#ifndef HUGEMEM_TESTS_PCAP_CRAFT_H
#define HUGEMEM_TESTS_PCAP_CRAFT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct craft {
	uint8_t *b;    /* the image */
	size_t len;    /* bytes written */
	size_t cap;    /* bytes at b; writes beyond it abort */
	bool be;       /* write big-endian (else little-endian) */
};

static inline void
craft_init(struct craft *c, uint8_t *buf, size_t cap, bool be)
{
	c->b = buf;
	c->len = 0;
	c->cap = cap;
	c->be = be;
}

static inline void
craft_bytes(struct craft *c, const void *p, size_t n)
{
	if (c->len + n > c->cap) {
		fprintf(stderr, "craft: image of %zu bytes is full\n", c->cap);
		abort();
	}
	if (n > 0)
		memcpy(c->b + c->len, p, n);
	c->len += n;
}

static inline void
craft_uint(struct craft *c, uint64_t v, unsigned int size)
{
	uint8_t t[8];

	for (unsigned int i = 0; i < size; i++)
		t[i] = (uint8_t)(c->be ? v >> (8 * (size - 1 - i)) : v >> (8 * i));
	craft_bytes(c, t, size);
}

#define craft_u8(c, v) craft_uint((c), (v), 1)
#define craft_u16(c, v) craft_uint((c), (v), 2)
#define craft_u32(c, v) craft_uint((c), (v), 4)
#define craft_u64(c, v) craft_uint((c), (v), 8)

static inline void
craft_pad4(struct craft *c)
{
	static const uint8_t z[4];
	craft_bytes(c, z, (4 - c->len % 4) % 4);
}

/* ---- classic pcap ---- */

static inline void
craft_pcap_hdr(struct craft *c, bool nsec, uint32_t snaplen, uint32_t linktype)
{
	craft_u32(c, nsec ? 0xa1b23c4du : 0xa1b2c3d4u);
	craft_u16(c, 2);
	craft_u16(c, 4);
	craft_u32(c, 0);
	craft_u32(c, 0);
	craft_u32(c, snaplen);
	craft_u32(c, linktype);
}

static inline void
craft_pcap_rec(struct craft *c, uint32_t sec, uint32_t frac, const void *data, uint32_t caplen,
	       uint32_t origlen)
{
	craft_u32(c, sec);
	craft_u32(c, frac);
	craft_u32(c, caplen);
	craft_u32(c, origlen);
	craft_bytes(c, data, caplen);
}

/* ---- pcapng ---- */

/* Start a block: returns where its total length goes (craft_ng_end fills it). */
static inline size_t
craft_ng_begin(struct craft *c, uint32_t type)
{
	size_t at = c->len;
	craft_u32(c, type);
	craft_u32(c, 0);
	return at;
}

static inline void
craft_ng_end(struct craft *c, size_t at)
{
	craft_pad4(c);
	uint32_t total = (uint32_t)(c->len - at + 4);
	size_t keep = c->len;
	c->len = at + 4;
	craft_u32(c, total);
	c->len = keep;
	craft_u32(c, total);
}

/* Section Header Block in c->be order (section length -1: unknown). */
static inline void
craft_ng_shb(struct craft *c)
{
	size_t at = craft_ng_begin(c, 0x0a0d0d0au);
	craft_u32(c, 0x1a2b3c4du);
	craft_u16(c, 1);
	craft_u16(c, 0);
	craft_u64(c, UINT64_MAX);
	craft_ng_end(c, at);
}

/* Interface Description: tsresol < 0 for none; tsoffset written when != 0. */
static inline void
craft_ng_idb(struct craft *c, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
	size_t at = craft_ng_begin(c, 1);
	craft_u16(c, linktype);
	craft_u16(c, 0);
	craft_u32(c, snaplen);
	if (tsresol >= 0) {
		craft_u16(c, 9);
		craft_u16(c, 1);
		craft_u8(c, (uint8_t)tsresol);
		craft_pad4(c);
	}
	if (tsoffset != 0) {
		craft_u16(c, 14);
		craft_u16(c, 8);
		craft_u64(c, (uint64_t)tsoffset);
	}
	if (tsresol >= 0 || tsoffset != 0) {
		craft_u16(c, 0); /* opt_endofopt */
		craft_u16(c, 0);
	}
	craft_ng_end(c, at);
}

/* Enhanced Packet Block (or obsolete Packet Block when @p obsolete). */
static inline void
craft_ng_epb(struct craft *c, uint32_t ifid, uint64_t ts, const void *data, uint32_t caplen,
	     uint32_t origlen, bool obsolete)
{
	size_t at = craft_ng_begin(c, obsolete ? 2 : 6);
	if (obsolete) {
		craft_u16(c, ifid);
		craft_u16(c, 0); /* drops */
	} else {
		craft_u32(c, ifid);
	}
	craft_u32(c, (uint32_t)(ts >> 32));
	craft_u32(c, (uint32_t)ts);
	craft_u32(c, caplen);
	craft_u32(c, origlen);
	craft_bytes(c, data, caplen);
	craft_ng_end(c, at);
}

static inline void
craft_ng_spb(struct craft *c, const void *data, uint32_t caplen, uint32_t origlen)
{
	size_t at = craft_ng_begin(c, 3);
	craft_u32(c, origlen);
	craft_bytes(c, data, caplen);
	craft_ng_end(c, at);
}

/* Any other block with @p n body bytes (skipped by readers). */
static inline void
craft_ng_other(struct craft *c, uint32_t type, const void *body, size_t n)
{
	size_t at = craft_ng_begin(c, type);
	craft_bytes(c, body, n);
	craft_ng_end(c, at);
}

/* ---- link-layer headers in front of an IP packet ---- */

/* @p eth: an Ethernet frame; writes into @p out the record of @p linktype that
 * carries the same network-layer packet; returns its length. */
static inline size_t
craft_link_record(uint32_t linktype, const uint8_t *eth, size_t len, uint8_t *out, bool family_be)
{
	const uint8_t *ip = eth + 14;
	size_t n = len - 14, hl = 0;
	uint16_t et = (uint16_t)(eth[12] << 8 | eth[13]);
	uint32_t fam = et == 0x86dd ? 10 : 2;

	switch (linktype) {
	case 1: /* Ethernet: as it is */
		memcpy(out, eth, len);
		return len;
	case 0: /* NULL: family in the capturing host's order */
	case 108: /* LOOP: network order */
		for (int i = 0; i < 4; i++)
			out[i] = (uint8_t)(family_be || linktype == 108 ? fam >> (24 - 8 * i)
								       : fam >> (8 * i));
		hl = 4;
		break;
	case 113: /* Linux cooked v1 */
		memset(out, 0, 16);
		out[1] = 4;          /* sent by us */
		out[3] = 1;          /* ARPHRD_ETHER */
		out[5] = 6;          /* address length */
		memcpy(out + 6, eth + 6, 6);
		out[14] = eth[12];
		out[15] = eth[13];
		hl = 16;
		break;
	case 276: /* Linux cooked v2 */
		memset(out, 0, 20);
		out[0] = eth[12];
		out[1] = eth[13];
		out[7] = 2;          /* interface index */
		out[9] = 1;          /* ARPHRD_ETHER */
		out[10] = 0;         /* to us */
		out[11] = 6;
		memcpy(out + 12, eth + 6, 6);
		hl = 20;
		break;
	default: /* raw IP: RAW, 12, 14, IPV4, IPV6 */
		hl = 0;
		break;
	}
	memcpy(out + hl, ip, n);
	return hl + n;
}

/* The Ethernet frame the replay source makes of a wrapped record. */
static inline size_t
craft_wrapped(const uint8_t *eth, size_t len, uint8_t *out)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	memcpy(out, macs, 12);
	memcpy(out + 12, eth + 12, len - 12);
	return len;
}

#endif
