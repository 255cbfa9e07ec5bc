/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded synthetic traffic: Ethernet / optional 802.1Q / IPv4 / UDP or TCP
 * frames with correct IPv4 and L4 checksums (or deliberately wrong ones at a
 * configured rate) and an integrity header in every payload (traffic.h).
 *
 * State: one xorshift64* stream drives flow choice, sizes and the bad-checksum
 * draws (three draws per frame, always, so the sequence never depends on the
 * outcome of a draw); the payload fill of (flow, seq) is its own stream seeded
 * from them, so a receiver could regenerate it. Flows are fixed at create:
 * flow f has source IP 10.x.(f>>8).(f&255) with x from the seed (unique per
 * flow), destination 192.168.y.z, ports and protocol from the seed.
 *
 * Invariants (hm_traffic_gen_check):
 *   sum over flows of next_seq == frames generated
 *   frames generated <= count when count != 0
 */
#include <errno.h>
#include <stdlib.h>

#include "common_i.h"
#include "traffic_i.h"
#include "hugemem/sim/traffic.h"

_Static_assert(sizeof(struct hm_traffic_hdr) == 16, "integrity header is 16 bytes");

struct flow {
	uint32_t src_ip, dst_ip;  /* host order */
	uint16_t src_port, dst_port;
	uint8_t proto;            /* IPPROTO_UDP_ or IPPROTO_TCP_ */
	uint64_t next_seq;        /* sequence number of the flow's next frame */
};

struct hm_traffic_gen {
	struct hm_traffic_gen_conf c;
	struct hm_traffic_src src; /* ctx == this */
	uint64_t rng;              /* xorshift64* state, never 0 */
	uint64_t generated;        /* frames returned so far */
	struct flow *flows;        /* c.flows entries */
};

static int gen_src_next(void *ctx, void *buf, size_t cap, uint64_t *ts_ns);

static uint64_t
rnd(struct hm_traffic_gen *g)
{
	uint64_t x = g->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void
hm_traffic_gen_conf_init(struct hm_traffic_gen_conf *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->size_mode = HM_TRAFFIC_SIZE_FIXED;
	c->size_min = 64;
	c->size_max = 1518;
	c->proto = HM_TRAFFIC_UDP;
	c->flows = 1;
	c->ts_step_ns = 1000;
}

static int
conf_ok(const struct hm_traffic_gen_conf *c)
{
	if ((unsigned int)c->size_mode > HM_TRAFFIC_SIZE_RANDOM)
		return hm_fail(EINVAL, "traffic gen: unknown size mode %d", (int)c->size_mode);
	if ((unsigned int)c->proto > HM_TRAFFIC_MIXED)
		return hm_fail(EINVAL, "traffic gen: unknown protocol %d", (int)c->proto);
	if (c->flows == 0 || c->flows > HM_TRAFFIC_MAX_FLOWS)
		return hm_fail(EINVAL, "traffic gen: flows %u outside 1..%u", c->flows,
			       HM_TRAFFIC_MAX_FLOWS);
	if (c->size_mode != HM_TRAFFIC_SIZE_IMIX &&
	    (c->size_min < HM_TRAFFIC_MIN_FRAME || c->size_min > HM_TRAFFIC_MAX_FRAME))
		return hm_fail(EINVAL, "traffic gen: size %u outside %u..%u", c->size_min,
			       HM_TRAFFIC_MIN_FRAME, HM_TRAFFIC_MAX_FRAME);
	if (c->size_mode == HM_TRAFFIC_SIZE_RANDOM &&
	    (c->size_max < c->size_min || c->size_max > HM_TRAFFIC_MAX_FRAME))
		return hm_fail(EINVAL, "traffic gen: random sizes %u..%u: max below min or above %u",
			       c->size_min, c->size_max, HM_TRAFFIC_MAX_FRAME);
	if (c->bad_ip_ppm > 1000000 || c->bad_l4_ppm > 1000000)
		return hm_fail(EINVAL, "traffic gen: a bad-checksum rate above 1000000 per million");
	return 0;
}

struct hm_traffic_gen *
hm_traffic_gen_create(const struct hm_traffic_gen_conf *c)
{
	struct hm_traffic_gen *g;
	uint64_t s;

	if (c == NULL)
		return hm_fail_ptr(EINVAL, "traffic gen: NULL configuration");
	if (conf_ok(c) < 0)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return hm_fail_ptr(ENOMEM, "traffic gen: out of memory");
	g->flows = calloc(c->flows, sizeof(*g->flows));
	if (g->flows == NULL) {
		free(g);
		return hm_fail_ptr(ENOMEM, "traffic gen: out of memory for %u flows", c->flows);
	}
	g->c = *c;
	s = c->seed;
	uint8_t net = (uint8_t)splitmix64(&s);
	for (uint32_t f = 0; f < c->flows; f++) {
		struct flow *fl = &g->flows[f];
		uint64_t r = splitmix64(&s);

		fl->src_ip = 0x0a000000u | (uint32_t)net << 16 | (f & 0xffff);
		fl->dst_ip = 0xc0a80000u | (uint32_t)(r & 0xffff);
		fl->src_port = (uint16_t)(1024 + (r >> 16) % 64512);
		fl->dst_port = (uint16_t)(1024 + (r >> 32) % 64512);
		if (c->proto == HM_TRAFFIC_MIXED)
			fl->proto = (r >> 63) ? IPPROTO_TCP_ : IPPROTO_UDP_;
		else
			fl->proto = c->proto == HM_TRAFFIC_TCP ? IPPROTO_TCP_ : IPPROTO_UDP_;
	}
	g->rng = splitmix64(&s) | 1;
	g->src.next = gen_src_next;
	g->src.ctx = g;
	g->src.name = "gen";
	return g;
}

void
hm_traffic_gen_free(struct hm_traffic_gen *g)
{
	if (g == NULL)
		return;
	free(g->flows);
	free(g);
}

static uint32_t
pick_size(struct hm_traffic_gen *g, uint64_t r)
{
	switch (g->c.size_mode) {
	case HM_TRAFFIC_SIZE_IMIX:
		r %= 12;
		return r < 7 ? 64 : r < 11 ? 594 : 1518;
	case HM_TRAFFIC_SIZE_RANDOM:
		return g->c.size_min + (uint32_t)(r % (g->c.size_max - g->c.size_min + 1));
	default:
		return g->c.size_min;
	}
}

/* A value != @p good that is not its ones'-complement twin either. */
static uint16_t
wrong_cksum(uint16_t good)
{
	return good == 0x1234 ? 0x4321 : 0x1234;
}

/* Build the frame into @p f (room for len bytes). */
static void
build(struct hm_traffic_gen *g, uint8_t *f, uint32_t len, uint32_t fid, uint64_t seq,
      bool bad_ip, bool bad_l4)
{
	const struct flow *fl = &g->flows[fid];
	uint32_t off = 0, l4hl = fl->proto == IPPROTO_TCP_ ? TCP_HLEN : UDP_HLEN;
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

	memcpy(f, dmac, 6);
	f[6] = 0x02;
	f[7] = 0x00;
	f[8] = 0x00;
	f[9] = 0xff;
	f[10] = (uint8_t)(fid >> 8);
	f[11] = (uint8_t)fid;
	off = 12;
	if (g->c.vlan) {
		put_be16(f + off, ETHERTYPE_VLAN);
		put_be16(f + off + 2, g->c.vlan_tci);
		off += 4;
	}
	put_be16(f + off, ETHERTYPE_IPV4);
	off += 2;

	uint8_t *ip = f + off, *l4 = ip + IPV4_HLEN, *pl = l4 + l4hl;
	uint32_t iplen = len - off, l4len = iplen - IPV4_HLEN, plen = l4len - l4hl;

	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (uint16_t)iplen);
	put_be16(ip + 4, (uint16_t)seq);
	put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = fl->proto;
	put_be16(ip + 10, 0);
	put_be32(ip + 12, fl->src_ip);
	put_be32(ip + 16, fl->dst_ip);
	uint16_t ipc = (uint16_t)~hm_traffic_cksum_raw(ip, IPV4_HLEN, 0);
	put_be16(ip + 10, bad_ip ? wrong_cksum(ipc) : ipc);

	put_be16(l4, fl->src_port);
	put_be16(l4 + 2, fl->dst_port);
	if (fl->proto == IPPROTO_TCP_) {
		put_be32(l4 + 4, (uint32_t)seq);
		put_be32(l4 + 8, 0);
		l4[12] = 5 << 4;
		l4[13] = 0x18; /* PSH | ACK */
		put_be16(l4 + 14, 0xffff);
		put_be16(l4 + 16, 0);
		put_be16(l4 + 18, 0);
	} else {
		put_be16(l4 + 4, (uint16_t)l4len);
		put_be16(l4 + 6, 0);
	}

	/* payload: integrity header, then the fill stream of (seed, flow, seq) */
	uint64_t fs = g->c.seed ^ ((uint64_t)fid << 40) ^ seq * 0x9e3779b97f4a7c15ULL;
	uint32_t i = 16;
	for (; i + 8 <= plen; i += 8)
		put_le64(pl + i, splitmix64(&fs));
	if (i < plen) {
		uint64_t v = splitmix64(&fs);
		for (; i < plen; i++, v >>= 8)
			pl[i] = (uint8_t)v;
	}
	put_le16(pl, HM_TRAFFIC_HDR_MAGIC);
	put_le16(pl + 2, (uint16_t)fid);
	put_le64(pl + 8, seq);
	put_le32(pl + 4, payload_csum((uint16_t)fid, seq, pl + 16, plen - 16));

	uint16_t c = traffic_l4_cksum(fl->src_ip, fl->dst_ip, fl->proto, l4, l4len);
	if (fl->proto == IPPROTO_UDP_ && c == 0)
		c = 0xffff;
	if (bad_l4)
		c = wrong_cksum(c);
	put_be16(l4 + (fl->proto == IPPROTO_TCP_ ? 16 : 6), c);
}

/* Generate into @p out (HM_TRAFFIC_MAX_FRAME bytes); returns the length. */
static uint32_t
gen_one(struct hm_traffic_gen *g, uint8_t *out, struct hm_traffic_meta *meta)
{
	uint64_t r0 = rnd(g), r1 = rnd(g), r2 = rnd(g);
	uint32_t fid = (uint32_t)(r0 % g->c.flows);
	struct flow *fl = &g->flows[fid];
	uint32_t len = pick_size(g, r1);
	uint32_t min = ETH_HLEN + (g->c.vlan ? VLAN_HLEN : 0) + IPV4_HLEN +
		       (fl->proto == IPPROTO_TCP_ ? TCP_HLEN : UDP_HLEN) +
		       (uint32_t)sizeof(struct hm_traffic_hdr);
	bool bad_ip = (r2 & 0xffffffff) % 1000000 < g->c.bad_ip_ppm;
	bool bad_l4 = (r2 >> 32) % 1000000 < g->c.bad_l4_ppm;
	uint64_t seq = fl->next_seq++;

	if (len < min)
		len = min;
	build(g, out, len, fid, seq, bad_ip, bad_l4);
	g->generated++;
	if (meta != NULL) {
		meta->flow = fid;
		meta->seq = seq;
		meta->len = len;
		meta->bad_ip = bad_ip;
		meta->bad_l4 = bad_l4;
	}
	return len;
}

int
hm_traffic_gen_next(struct hm_traffic_gen *g, void *buf, size_t cap,
		    struct hm_traffic_meta *meta)
{
	uint8_t tmp[HM_TRAFFIC_MAX_FRAME];
	uint32_t len;

	if (g == NULL || buf == NULL || cap == 0)
		return hm_fail(EINVAL, "traffic gen: NULL generator or buffer, or zero capacity");
	if (g->c.count != 0 && g->generated >= g->c.count)
		return 0;
	if (cap >= HM_TRAFFIC_MAX_FRAME)
		return (int)gen_one(g, buf, meta);
	len = gen_one(g, tmp, meta);
	memcpy(buf, tmp, len < cap ? len : cap);
	return (int)len;
}

static int
gen_src_next(void *ctx, void *buf, size_t cap, uint64_t *ts_ns)
{
	struct hm_traffic_gen *g = ctx;
	uint64_t idx = g->generated;
	int rc = hm_traffic_gen_next(g, buf, cap, NULL);

	if (rc > 0 && ts_ns != NULL)
		*ts_ns = idx * g->c.ts_step_ns;
	return rc;
}

struct hm_traffic_src *
hm_traffic_gen_source(struct hm_traffic_gen *g)
{
	if (g == NULL)
		return hm_fail_ptr(EINVAL, "traffic gen: NULL generator");
	return &g->src;
}

uint64_t
hm_traffic_gen_count(const struct hm_traffic_gen *g)
{
	return g != NULL ? g->generated : 0;
}

int
hm_traffic_gen_check(const struct hm_traffic_gen *g, const char **reason)
{
	const char *why = NULL;
	uint64_t sum = 0;

	if (g == NULL)
		return hm_fail(EINVAL, "traffic gen check: NULL generator");
	for (uint32_t f = 0; f < g->c.flows; f++)
		sum += g->flows[f].next_seq;
	if (sum != g->generated)
		why = "sum of per-flow sequence numbers != frames generated";
	else if (g->c.count != 0 && g->generated > g->c.count)
		why = "more frames generated than count";
	else if (g->rng == 0)
		why = "PRNG state is zero";
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "traffic gen is corrupt: %s", why);
	}
	return 0;
}
