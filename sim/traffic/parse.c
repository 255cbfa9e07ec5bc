/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing and checksums shared by the fake NIC and the receivers, the
 * integrity check of generated payloads, and the source interface's entry
 * point. The parser reads only inside [frame, frame+len) and never fails on
 * content: a truncated or unknown header just ends the parse, with the info
 * saying how far it got.
 */
#include <errno.h>

#include "common_i.h"
#include "traffic_i.h"
#include "hugemem/sim/traffic.h"

uint16_t
hm_traffic_cksum_raw(const void *data, size_t len, uint32_t init)
{
	const uint8_t *p = data;
	uint64_t acc = 0;
	uint32_t w;
	uint16_t s;

	/* native little-endian 32-bit words; byte-swapped once at the end (RFC 1071) */
	while (len >= 4) {
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len == 1)
		acc += *p;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	s = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = (uint16_t)(s << 8 | s >> 8);
#endif
	acc = (uint64_t)s + init;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

uint16_t
traffic_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	uint32_t ph = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto +
		      (uint32_t)len;

	return (uint16_t)~hm_traffic_cksum_raw(l4, len, ph);
}

int
hm_traffic_parse(const void *frame, size_t len, struct hm_traffic_info *info)
{
	const uint8_t *f = frame;
	size_t off = 12;

	if (frame == NULL || info == NULL)
		return hm_fail(EINVAL, "traffic parse: NULL frame or info");
	if (len < ETH_HLEN)
		return hm_fail(EINVAL, "traffic parse: %zu bytes is shorter than an Ethernet header",
			       len);
	memset(info, 0, sizeof(*info));
	info->ethertype = get_be16(f + off);
	off += 2;
	if (info->ethertype == ETHERTYPE_VLAN) {
		if (len < off + 4)
			return 0;
		info->vlan = true;
		info->vlan_tci = get_be16(f + off);
		info->ethertype = get_be16(f + off + 2);
		off += 4;
	}
	if (info->ethertype != ETHERTYPE_IPV4 || len < off + IPV4_HLEN)
		return 0;
	const uint8_t *ip = f + off;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	size_t tot = get_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IPV4_HLEN || len < off + ihl)
		return 0;
	info->l3 = HM_TRAFFIC_L3_IPV4;
	info->l3_off = (uint16_t)off;
	info->l4_proto = ip[9];
	info->src_ip = get_be32(ip + 12);
	info->dst_ip = get_be32(ip + 16);
	info->frag = (get_be16(ip + 6) & 0x3fff) != 0;
	info->ip_cksum_ok = hm_traffic_cksum_raw(ip, ihl, 0) == 0xffff;
	/* L4 only for a complete, unfragmented datagram inside the frame */
	if (info->frag || tot < ihl || off + tot > len)
		return 0;
	size_t l4len = tot - ihl;
	const uint8_t *l4 = ip + ihl;
	size_t hl;
	if (info->l4_proto == IPPROTO_UDP_) {
		if (l4len < UDP_HLEN || get_be16(l4 + 4) != l4len)
			return 0;
		hl = UDP_HLEN;
		/* a zero UDP checksum means "none" */
		info->l4_cksum_ok = get_be16(l4 + 6) == 0 ||
			traffic_l4_cksum(info->src_ip, info->dst_ip, IPPROTO_UDP_, l4, l4len) == 0;
	} else if (info->l4_proto == IPPROTO_TCP_) {
		if (l4len < TCP_HLEN)
			return 0;
		hl = (size_t)(l4[12] >> 4) * 4;
		if (hl < TCP_HLEN || hl > l4len)
			return 0;
		info->l4_cksum_ok =
			traffic_l4_cksum(info->src_ip, info->dst_ip, IPPROTO_TCP_, l4, l4len) == 0;
	} else {
		return 0;
	}
	info->l4_valid = true;
	info->l4_off = (uint16_t)(off + ihl);
	info->src_port = get_be16(l4);
	info->dst_port = get_be16(l4 + 2);
	info->payload_off = (uint16_t)(off + ihl + hl);
	info->payload_len = (uint16_t)(l4len - hl);
	return 0;
}

/* Folded (not inverted) sum of the IPv4 pseudo-header of @p in. */
static uint16_t
pseudo_sum(const struct hm_traffic_info *in, size_t l4len)
{
	uint32_t s = (in->src_ip >> 16) + (in->src_ip & 0xffff) + (in->dst_ip >> 16) +
		     (in->dst_ip & 0xffff) + in->l4_proto + (uint32_t)l4len;

	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Offset of the L4 checksum field from the L4 header. */
static size_t
l4_cksum_off(uint8_t proto)
{
	return proto == IPPROTO_UDP_ ? 6 : 16;
}

int
hm_traffic_cksum_fix(void *frame, size_t len)
{
	struct hm_traffic_info in;
	uint8_t *f = frame;
	int fixed = 0;

	if (frame == NULL || len < ETH_HLEN)
		return hm_fail(EINVAL, "traffic cksum fix: NULL frame or %zu bytes (< 14)", len);
	hm_traffic_parse(frame, len, &in);
	if (in.l3 != HM_TRAFFIC_L3_IPV4)
		return 0;
	uint8_t *ip = f + in.l3_off;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	uint16_t old = get_be16(ip + 10);
	put_be16(ip + 10, 0);
	uint16_t c = (uint16_t)~hm_traffic_cksum_raw(ip, ihl, 0);
	put_be16(ip + 10, c);
	if (c != old)
		fixed |= HM_TRAFFIC_FIXED_IP;
	if (!in.l4_valid)
		return fixed;
	uint8_t *l4 = f + in.l4_off;
	size_t l4len = get_be16(ip + 2) - ihl;
	uint8_t *field = l4 + l4_cksum_off(in.l4_proto);
	old = get_be16(field);
	if (in.l4_proto == IPPROTO_UDP_ && old == 0)
		return fixed; /* no checksum: stays */
	put_be16(field, 0);
	c = traffic_l4_cksum(in.src_ip, in.dst_ip, in.l4_proto, l4, l4len);
	if (c == 0 && in.l4_proto == IPPROTO_UDP_)
		c = 0xffff; /* 0 would mean "none" */
	put_be16(field, c);
	if (c != old)
		fixed |= HM_TRAFFIC_FIXED_L4;
	return fixed;
}

int
hm_traffic_cksum_offloaded(const void *frame, size_t len)
{
	struct hm_traffic_info in;
	const uint8_t *f = frame;

	if (frame == NULL || len < ETH_HLEN)
		return hm_fail(EINVAL, "traffic cksum offloaded: NULL frame or %zu bytes (< 14)",
			       len);
	hm_traffic_parse(frame, len, &in);
	if (in.l3 != HM_TRAFFIC_L3_IPV4 || !in.l4_valid)
		return 0;
	const uint8_t *ip = f + in.l3_off;
	size_t l4len = get_be16(ip + 2) - (size_t)(ip[0] & 0xf) * 4;
	uint16_t field = get_be16(f + in.l4_off + l4_cksum_off(in.l4_proto));
	if (in.l4_proto == IPPROTO_UDP_ && field == 0)
		return 0;
	return field == pseudo_sum(&in, l4len) && !in.l4_cksum_ok ? 1 : 0;
}

int
hm_traffic_verify(const void *frame, size_t len, struct hm_traffic_meta *meta)
{
	struct hm_traffic_info in;
	const uint8_t *p;
	uint16_t flow;
	uint64_t seq;

	if (frame == NULL)
		return hm_fail(EINVAL, "traffic verify: NULL frame");
	if (len < ETH_HLEN || hm_traffic_parse(frame, len, &in) != 0 || !in.l4_valid)
		return hm_fail(EBADMSG, "traffic verify: not an IPv4 UDP/TCP frame (%zu bytes)", len);
	if (in.payload_len < sizeof(struct hm_traffic_hdr))
		return hm_fail(EBADMSG, "traffic verify: payload of %u bytes has no integrity header",
			       in.payload_len);
	p = (const uint8_t *)frame + in.payload_off;
	if ((p[0] | p[1] << 8) != HM_TRAFFIC_HDR_MAGIC)
		return hm_fail(EBADMSG, "traffic verify: bad integrity magic");
	flow = (uint16_t)(p[2] | p[3] << 8);
	seq = get_le64(p + 8);
	if (payload_csum(flow, seq, p + 16, in.payload_len - 16u) != get_le32(p + 4))
		return hm_fail(EBADMSG, "traffic verify: payload checksum mismatch (flow %u seq %llu)",
			       flow, (unsigned long long)seq);
	if (meta != NULL) {
		memset(meta, 0, sizeof(*meta));
		meta->flow = flow;
		meta->seq = seq;
		meta->len = (uint32_t)len;
		meta->bad_ip = !in.ip_cksum_ok;
		meta->bad_l4 = !in.l4_cksum_ok;
	}
	return 0;
}

int
hm_traffic_src_next(struct hm_traffic_src *src, void *buf, size_t cap, uint64_t *ts_ns)
{
	if (src == NULL || src->next == NULL || buf == NULL || cap == 0)
		return hm_fail(EINVAL, "traffic source: NULL source or buffer, or zero capacity");
	return src->next(src->ctx, buf, cap, ts_ns);
}
