/* SPDX-License-Identifier: BSD-3-Clause */
/* Private helpers shared by the traffic sources: byte order, PRNG, hashing. */
#ifndef HUGEMEM_SIM_TRAFFIC_I_H
#define HUGEMEM_SIM_TRAFFIC_I_H

#include <stdint.h>
#include <string.h>

#define ETH_HLEN 14u
#define VLAN_HLEN 4u
#define IPV4_HLEN 20u
#define UDP_HLEN 8u
#define TCP_HLEN 20u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_VLAN 0x8100u
#define IPPROTO_UDP_ 17u
#define IPPROTO_TCP_ 6u

static inline void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void
put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* splitmix64: seeds and per-flow derivation. */
static inline uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Payload checksum of the integrity header: a multiplicative hash of flow, seq
 * and the bytes after the header, 8 little-endian bytes per step (the tail
 * zero-padded, its length mixed in), folded to 32 bits. Any change of one byte
 * changes the result (each step is a bijection of the state).
 */
static inline uint64_t
mix64(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static inline uint32_t
payload_csum(uint16_t flow, uint64_t seq, const uint8_t *rest, size_t n)
{
	uint64_t h = mix64(mix64(0x243f6a8885a308d3ULL, flow), seq), w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, rest + i, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		h = mix64(h, w);
	}
	w = 0;
	for (size_t k = 0; i + k < n; k++)
		w |= (uint64_t)rest[i + k] << (8 * k);
	h = mix64(mix64(h, w), n);
	return (uint32_t)(h ^ (h >> 32));
}

/* L4 checksum over the IPv4 pseudo-header and @p l4 (header + payload), final form. */
uint16_t traffic_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
			  size_t len);

#endif
