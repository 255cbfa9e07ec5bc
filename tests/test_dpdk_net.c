/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's header-only net API (rte_ether.h, rte_ip.h, rte_tcp.h,
 * rte_udp.h, rte_byteorder.h): struct sizes, MAC address helpers and their
 * parser (the inputs DPDK 22.11 accepts and refuses), VLAN strip / insert on
 * mbufs, and every checksum helper against a bytewise RFC 1071 reference:
 * odd lengths, buffers over 128 KiB, packets split over segments at odd
 * offsets, IPv4 and IPv6 pseudo headers, verify functions. Runs on emu.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dpdk_test.h"

/* RFC 1071 over bytes in network order; the result in network order, not inverted. */
static uint16_t
ref_sum(const uint8_t *p, size_t len, uint64_t start)
{
	uint64_t s = start;

	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint64_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return rte_cpu_to_be_16((uint16_t)s);
}

static void
fill(uint8_t *p, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)hm_test_rand(seed);
}

static void
test_dpdk_net_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct rte_ether_addr), 6);
	assert_int_equal(sizeof(struct rte_ether_hdr), 14);
	assert_int_equal(sizeof(struct rte_vlan_hdr), 4);
	assert_int_equal(sizeof(struct rte_ipv4_hdr), 20);
	assert_int_equal(sizeof(struct rte_ipv6_hdr), 40);
	assert_int_equal(sizeof(struct rte_tcp_hdr), 20);
	assert_int_equal(sizeof(struct rte_udp_hdr), 8);
	assert_int_equal(sizeof(struct rte_ipv6_fragment_ext), 8);
	assert_int_equal(RTE_ETHER_MTU, 1500);
	assert_int_equal(RTE_ETHER_HDR_LEN, 14);
	assert_int_equal(RTE_IPV4(10, 0, 0, 1), 0x0a000001);
	assert_true(RTE_IS_IPV4_MCAST(RTE_IPV4(239, 1, 2, 3)));
	assert_int_equal(RTE_VLAN_TCI_MAKE(100, 5, 1), 100 | (5 << 13) | (1 << 12));
	assert_int_equal(RTE_VLAN_TCI_PRI(RTE_VLAN_TCI_MAKE(100, 5, 1)), 5);
	/* byte order */
	assert_int_equal(rte_bswap16(0x1234), 0x3412);
	assert_int_equal(rte_bswap32(0x12345678), 0x78563412);
	assert_int_equal(rte_bswap64(0x0102030405060708ULL), 0x0807060504030201ULL);
	assert_int_equal(RTE_STATIC_BSWAP32(0x11223344), 0x44332211);
	assert_int_equal(rte_be_to_cpu_16(rte_cpu_to_be_16(0xabcd)), 0xabcd);
	assert_int_equal(rte_cpu_to_be_32(1), RTE_BE32(1));
	assert_int_equal(rte_cpu_to_le_64(5), RTE_LE64(5));
	{
		uint16_t v = rte_cpu_to_be_16(0x0102);
		assert_int_equal(((uint8_t *)&v)[0], 1);
	}
	/* the IPv4 header's nibble fields */
	{
		struct rte_ipv4_hdr h;
		memset(&h, 0, sizeof(h));
		h.version_ihl = RTE_IPV4_VHL_DEF;
		assert_int_equal(h.version, 4);
		assert_int_equal(h.ihl, 5);
		assert_int_equal(rte_ipv4_hdr_len(&h), 20);
	}
}

static void
test_dpdk_net_ether_addr(void **state)
{
	static const struct { const char *in; int ok; uint8_t b[6]; } cases[] = {
		{ "01:23:45:67:89:ab", 1, { 1, 0x23, 0x45, 0x67, 0x89, 0xab } },
		{ "0123:4567:89ab", 1, { 1, 0x23, 0x45, 0x67, 0x89, 0xab } },
		{ "FF:ff:Ff:00:00:01", 1, { 0xff, 0xff, 0xff, 0, 0, 1 } },
		{ "01-23-45-67-89-AB", 0, { 0 } }, { "1:2:3:4:5:6", 0, { 0 } },
		{ "01:23:45:67:89", 0, { 0 } }, { "01:23:45:67:89:ab:cd", 0, { 0 } },
		{ "01:23:45:67:89:ab ", 0, { 0 } }, { "g1:23:45:67:89:ab", 0, { 0 } },
		{ "0123.4567.89ab", 0, { 0 } }, { "", 0, { 0 } }, { "123:4567:89ab", 0, { 0 } },
		{ "1234:5678:9abcd", 0, { 0 } }, { " 01:23:45:67:89:ab", 0, { 0 } },
	};
	struct rte_ether_addr a, b, zero, bc;
	char buf[RTE_ETHER_ADDR_FMT_SIZE];
	(void)state;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		memset(&a, 0xee, sizeof(a));
		rte_errno = 0;
		if (cases[i].ok) {
			assert_int_equal(rte_ether_unformat_addr(cases[i].in, &a), 0);
			assert_memory_equal(a.addr_bytes, cases[i].b, 6);
		} else {
			assert_int_equal(rte_ether_unformat_addr(cases[i].in, &a), -1);
			assert_int_equal(rte_errno, EINVAL);
			assert_int_equal(a.addr_bytes[0], 0xee); /* unchanged (DPDK writes a prefix) */
		}
	}
	assert_int_equal(rte_ether_unformat_addr(NULL, &a), -1);
	assert_int_equal(rte_ether_unformat_addr("01:23:45:67:89:ab", NULL), -1);

	assert_int_equal(rte_ether_unformat_addr("0a:1b:2c:3d:4e:5f", &a), 0);
	rte_ether_format_addr(buf, sizeof(buf), &a);
	assert_string_equal(buf, "0A:1B:2C:3D:4E:5F");
	rte_ether_format_addr(buf, 10, &a);
	assert_string_equal(buf, "0A:1B:2C:");
	rte_ether_format_addr(NULL, 10, &a);

	memset(&zero, 0, sizeof(zero));
	memset(&bc, 0xff, sizeof(bc));
	rte_ether_addr_copy(&a, &b);
	assert_true(rte_is_same_ether_addr(&a, &b));
	b.addr_bytes[5] ^= 1;
	assert_false(rte_is_same_ether_addr(&a, &b));
	assert_true(rte_is_zero_ether_addr(&zero));
	assert_false(rte_is_zero_ether_addr(&a));
	assert_true(rte_is_broadcast_ether_addr(&bc));
	assert_true(rte_is_multicast_ether_addr(&bc));
	assert_false(rte_is_unicast_ether_addr(&bc));
	assert_true(rte_is_unicast_ether_addr(&a));
	assert_true(rte_is_local_admin_ether_addr(&a)); /* 0x0a: bit 1 set */
	assert_false(rte_is_universal_ether_addr(&a));
	assert_true(rte_is_valid_assigned_ether_addr(&a));
	assert_false(rte_is_valid_assigned_ether_addr(&zero));
	for (int i = 0; i < 50; i++) {
		rte_eth_random_addr(a.addr_bytes);
		assert_true(rte_is_unicast_ether_addr(&a));
		assert_true(rte_is_local_admin_ether_addr(&a));
	}
	rte_eth_random_addr(NULL);
}

static void
test_dpdk_net_vlan(void **state)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("vlan", 16, 0, 0, 2048, SOCKET_ID_ANY);
	struct rte_mbuf *m;
	struct rte_ether_hdr *eh;
	uint8_t pkt[64];
	(void)state;

	assert_non_null(mp);
	m = rte_pktmbuf_alloc(mp);
	for (unsigned int i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	memcpy(rte_pktmbuf_append(m, sizeof(pkt)), pkt, sizeof(pkt));
	/* not tagged */
	assert_int_equal(rte_vlan_strip(m), -1);
	/* insert: 4 bytes after the addresses, l2_len grows */
	m->vlan_tci = RTE_VLAN_TCI_MAKE(100, 3, 0);
	m->ol_flags = RTE_MBUF_F_TX_VLAN;
	m->l2_len = 14;
	assert_int_equal(rte_vlan_insert(&m), 0);
	assert_int_equal(m->pkt_len, 68);
	assert_int_equal(m->l2_len, 18);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_VLAN);
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	assert_memory_equal(eh, pkt, 12);
	assert_int_equal(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN));
	assert_int_equal(rte_be_to_cpu_16(((struct rte_vlan_hdr *)(eh + 1))->vlan_tci),
			 RTE_VLAN_TCI_MAKE(100, 3, 0));
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 16), pkt + 12, 52);
	/* strip: back to the original bytes, the tag in vlan_tci */
	m->vlan_tci = 0;
	assert_int_equal(rte_vlan_strip(m), 0);
	assert_int_equal(m->vlan_tci, RTE_VLAN_TCI_MAKE(100, 3, 0));
	assert_true(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED);
	assert_int_equal(m->pkt_len, 64);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), pkt, 64);
	/* tunnels count the tag in the outer L2 length */
	m->ol_flags = RTE_MBUF_F_TX_TUNNEL_VXLAN;
	m->outer_l2_len = 14;
	assert_int_equal(rte_vlan_insert(&m), 0);
	assert_int_equal(m->outer_l2_len, 18);
	/* shared or too short: EINVAL; no headroom: ENOSPC */
	rte_mbuf_refcnt_update(m, 1);
	assert_int_equal(rte_vlan_insert(&m), -EINVAL);
	rte_mbuf_refcnt_update(m, -1);
	m->data_off = 0;
	assert_int_equal(rte_vlan_insert(&m), -ENOSPC);
	rte_pktmbuf_free(m);
	m = rte_pktmbuf_alloc(mp);
	assert_non_null(rte_pktmbuf_append(m, 10));
	assert_int_equal(rte_vlan_insert(&m), -EINVAL);
	memset(rte_pktmbuf_mtod(m, char *), 0x81, 10);
	assert_int_equal(rte_vlan_strip(m), -1); /* 10 bytes: no room for a tagged header */
	rte_pktmbuf_free(m);
	rte_mempool_free(mp);
}

static void
test_dpdk_net_raw_cksum(void **state)
{
	uint64_t seed = hm_test_seed();
	size_t big = 200 * 1024;
	uint8_t *buf = malloc(big);
	(void)state;

	assert_non_null(buf);
	fill(buf, big, &seed);
	for (size_t len = 0; len < 80; len++)
		for (size_t off = 0; off < 3; off++)
			assert_int_equal(rte_raw_cksum(buf + off, len), ref_sum(buf + off, len, 0));
	/* above 128 KiB of 0xffff words the 32-bit sum wraps in DPDK */
	memset(buf, 0xff, big);
	assert_int_equal(rte_raw_cksum(buf, big), ref_sum(buf, big, 0));
	fill(buf, big, &seed);
	assert_int_equal(rte_raw_cksum(buf, big - 1), ref_sum(buf, big - 1, 0));
	assert_int_equal(__rte_raw_cksum_reduce(0x1ffff), 1);
	assert_int_equal(__rte_raw_cksum_reduce(0xffff), 0xffff);
	free(buf);
}

static void
test_dpdk_net_cksum_mbuf(void **state)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("ck", 64, 0, 0, 2048, SOCKET_ID_ANY);
	uint64_t seed = hm_test_seed();
	uint8_t data[3000];
	uint16_t ck;
	(void)state;

	assert_non_null(mp);
	fill(data, sizeof(data), &seed);
	for (int round = 0; round < 200; round++) {
		/* a chain with segment lengths that split words at odd offsets */
		struct rte_mbuf *m = NULL;
		unsigned int total = 0;
		while (total < 2000) {
			uint16_t n = (uint16_t)(1 + hm_test_rand(&seed) % 700);
			struct rte_mbuf *s = rte_pktmbuf_alloc(mp);
			memcpy(rte_pktmbuf_append(s, n), data + total, n);
			total += n;
			if (m == NULL)
				m = s;
			else
				assert_int_equal(rte_pktmbuf_chain(m, s), 0);
		}
		uint32_t off = (uint32_t)(hm_test_rand(&seed) % 1000);
		uint32_t len = (uint32_t)(hm_test_rand(&seed) % (total - off + 1));
		assert_int_equal(rte_raw_cksum_mbuf(m, off, len, &ck), 0);
		assert_int_equal(ck, ref_sum(data + off, len, 0));
		assert_int_equal(rte_raw_cksum_mbuf(m, off, total - off + 1, &ck), -1);
		assert_int_equal(rte_raw_cksum_mbuf(m, UINT32_MAX, 2, &ck), -1);
		rte_pktmbuf_free(m);
	}
	rte_mempool_free(mp);
}

/* An IPv4/UDP (or TCP) packet: header, then @p plen payload bytes. */
static void
build_v4(uint8_t *pkt, uint8_t proto, uint16_t plen, uint64_t *seed)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
	size_t l4 = proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : sizeof(struct rte_tcp_hdr);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4 + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 1, 2, 3));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(192, 168, 7, 9));
	fill(pkt + sizeof(*ip), l4 + plen, seed);
	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + plen));
		u->dgram_cksum = 0;
	} else {
		((struct rte_tcp_hdr *)(ip + 1))->cksum = 0;
	}
}

static void
test_dpdk_net_l3l4_cksum(void **state)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("l4", 16, 0, 0, 2048, SOCKET_ID_ANY);
	uint64_t seed = hm_test_seed();
	uint8_t pkt[1600], psd[40];
	(void)state;

	/* the classic example header (checksum 0xb861) */
	{
		static const uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
					       0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
					       0xc0, 0xa8, 0x00, 0xc7 };
		assert_int_equal(rte_be_to_cpu_16(rte_ipv4_cksum((const struct rte_ipv4_hdr *)h)),
				 0xb861);
	}
	for (int round = 0; round < 100; round++) {
		uint8_t proto = (round & 1) ? IPPROTO_UDP : IPPROTO_TCP;
		uint16_t plen = (uint16_t)(hm_test_rand(&seed) % 1400);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
		uint16_t l4len, ck, ref;
		size_t l4 = proto == IPPROTO_UDP ? 8 : 20;

		build_v4(pkt, proto, plen, &seed);
		l4len = (uint16_t)(l4 + plen);
		/* pseudo header: src, dst, 0, proto, L4 length */
		memcpy(psd, &ip->src_addr, 8);
		psd[8] = 0;
		psd[9] = proto;
		psd[10] = (uint8_t)(l4len >> 8);
		psd[11] = (uint8_t)l4len;
		assert_int_equal(rte_ipv4_phdr_cksum(ip, 0), ref_sum(psd, 12, 0));
		psd[10] = psd[11] = 0;
		assert_int_equal(rte_ipv4_phdr_cksum(ip, RTE_MBUF_F_TX_TCP_SEG), ref_sum(psd, 12, 0));
		psd[10] = (uint8_t)(l4len >> 8);
		psd[11] = (uint8_t)l4len;
		ref = ref_sum(pkt + 20, l4len, rte_be_to_cpu_16(ref_sum(psd, 12, 0)));
		ck = rte_ipv4_udptcp_cksum(ip, ip + 1);
		if (ref == 0xffff && proto == IPPROTO_UDP)
			assert_int_equal(ck, 0xffff);
		else
			assert_int_equal(ck, (uint16_t)~ref);
		/* store it: the packet verifies */
		if (proto == IPPROTO_UDP)
			((struct rte_udp_hdr *)(ip + 1))->dgram_cksum = ck;
		else
			((struct rte_tcp_hdr *)(ip + 1))->cksum = ck;
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), 0);
		/* the same through an mbuf, header and payload in two segments */
		{
			struct rte_mbuf *a = rte_pktmbuf_alloc(mp), *b = rte_pktmbuf_alloc(mp);
			uint16_t cut = (uint16_t)(20 + 1 + hm_test_rand(&seed) % (l4len));
			memcpy(rte_pktmbuf_append(a, cut), pkt, cut);
			memcpy(rte_pktmbuf_append(b, (uint16_t)(20 + l4len - cut)), pkt + cut,
			       20 + l4len - cut);
			assert_int_equal(rte_pktmbuf_chain(a, b), 0);
			assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(a, ip, 20), 0);
			/* recompute with the checksum field zeroed, when it is in segment a */
			if (cut >= 20 + l4) {
				if (proto == IPPROTO_UDP)
					rte_pktmbuf_mtod_offset(a, struct rte_udp_hdr *, 20)->dgram_cksum = 0;
				else
					rte_pktmbuf_mtod_offset(a, struct rte_tcp_hdr *, 20)->cksum = 0;
				assert_int_equal(rte_ipv4_udptcp_cksum_mbuf(a, ip, 20), ck);
			}
			assert_int_equal(__rte_ipv4_udptcp_cksum_mbuf(a, ip, 5000), 0);
			rte_pktmbuf_free(a);
		}
		pkt[30 + (round % 8)] ^= 0x40;
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), -1);
	}
	/* total_length shorter than the header: 0 */
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)pkt;
		ip->total_length = rte_cpu_to_be_16(10);
		assert_int_equal(__rte_ipv4_udptcp_cksum(ip, ip + 1), 0);
	}
	rte_mempool_free(mp);
}

static void
test_dpdk_net_ipv6(void **state)
{
	uint8_t pkt[1500], psd[40];
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)pkt;
	uint64_t seed = hm_test_seed();
	size_t ext_len = 0;
	(void)state;

	for (int round = 0; round < 50; round++) {
		uint16_t plen = (uint16_t)(8 + hm_test_rand(&seed) % 1000);
		uint16_t ck, ref;

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(plen);
		ip->proto = IPPROTO_UDP;
		fill(ip->src_addr, 32, &seed);
		fill(pkt + 40, plen, &seed);
		((struct rte_udp_hdr *)(ip + 1))->dgram_cksum = 0;
		/* pseudo header: src, dst, 32-bit length, 3 zero bytes, next header */
		memset(psd, 0, sizeof(psd));
		psd[2] = (uint8_t)(plen >> 8);
		psd[3] = (uint8_t)plen;
		psd[7] = IPPROTO_UDP;
		ref = ref_sum(psd, 8, rte_be_to_cpu_16(ref_sum(ip->src_addr, 32, 0)));
		assert_int_equal(rte_ipv6_phdr_cksum(ip, 0), ref);
		ref = ref_sum(pkt + 40, plen, rte_be_to_cpu_16(ref));
		ck = rte_ipv6_udptcp_cksum(ip, ip + 1);
		assert_int_equal(ck, ref == 0xffff ? 0xffff : (uint16_t)~ref);
		((struct rte_udp_hdr *)(ip + 1))->dgram_cksum = ck;
		assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, ip + 1), 0);
	}
	/* extension headers */
	{
		uint8_t ext[8] = { IPPROTO_UDP, 1, 0, 0, 0, 0, 0, 0 };
		assert_int_equal(rte_ipv6_get_next_ext(ext, IPPROTO_HOPOPTS, &ext_len), IPPROTO_UDP);
		assert_int_equal(ext_len, 16);
		assert_int_equal(rte_ipv6_get_next_ext(ext, IPPROTO_AH, &ext_len), IPPROTO_UDP);
		assert_int_equal(ext_len, 12);
		assert_int_equal(rte_ipv6_get_next_ext(ext, IPPROTO_FRAGMENT, &ext_len), IPPROTO_UDP);
		assert_int_equal(ext_len, 8);
		assert_int_equal(rte_ipv6_get_next_ext(ext, IPPROTO_TCP, &ext_len), -EINVAL);
		assert_int_equal(RTE_IPV6_SET_FRAG_DATA(0x100, 1), 0x101);
		assert_int_equal(RTE_IPV6_GET_FO(0x101), 0x20);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpdk_net_layout),
		cmocka_unit_test_setup_teardown(test_dpdk_net_ether_addr, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_net_vlan, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test(test_dpdk_net_raw_cksum),
		cmocka_unit_test_setup_teardown(test_dpdk_net_cksum_mbuf, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_net_l3l4_cksum, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test(test_dpdk_net_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
