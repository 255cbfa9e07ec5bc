// SPDX-License-Identifier: BSD-3-Clause
// A C++17 program on hugemem's DPDK layer, built as a user builds one: with
// `pkg-config --cflags --libs libdpdk` (the drop-in) and -pedantic -Werror.
// The layer's inline functions and macros (ring, mempool, mbuf, net, lcore)
// are instantiated here, in C++: implicit void * conversions, designated
// initialisers or compound literals in a macro would break a C++ caller.
// Run by tests/dpdk_cxx.sh: prints "dpdk-cxx: ok" and exits 0 when every
// check holds; the first failing check is printed and exits 1.
#include <cstdio>
#include <cstring>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			std::printf("dpdk-cxx: line %d: %s failed (rte_errno %d)\n", __LINE__, #cond, \
				    rte_errno); \
			return 1; \
		} \
	} while (0)

static struct rte_ring *work_ring;

static int
worker(void *arg)
{
	unsigned int *sum = static_cast<unsigned int *>(arg);
	uint32_t v;

	// each worker takes what the main lcore put in the ring
	while (rte_ring_dequeue_elem(work_ring, &v, sizeof(v)) == 0)
		__atomic_fetch_add(sum, v, __ATOMIC_RELAXED);
	return static_cast<int>(rte_lcore_id());
}

static int
rings()
{
	uint32_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = {};
	unsigned int free_space = 0, avail = 0, sum = 0;
	unsigned int lcore;

	work_ring = rte_ring_create_elem("cxx", sizeof(uint32_t), 64, SOCKET_ID_ANY,
					 RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ);
	CHECK(work_ring != nullptr);
	CHECK(rte_ring_enqueue_bulk_elem(work_ring, in, sizeof(in[0]), 8, &free_space) == 8);
	CHECK(free_space == 55);
	// peek: look at two, take one
	CHECK(rte_ring_dequeue_bulk_elem_start(work_ring, out, sizeof(out[0]), 2, &avail) == 2);
	CHECK(out[0] == 1 && out[1] == 2 && avail == 6);
	rte_ring_dequeue_elem_finish(work_ring, 1);
	// zero-copy enqueue of one element
	struct rte_ring_zc_data zcd;
	CHECK(rte_ring_enqueue_zc_bulk_elem_start(work_ring, sizeof(uint32_t), 1, &zcd, nullptr) == 1);
	*static_cast<uint32_t *>(zcd.ptr1) = 100;
	rte_ring_enqueue_zc_elem_finish(work_ring, 1);
	CHECK(rte_ring_count(work_ring) == 8);
	RTE_LCORE_FOREACH_WORKER(lcore)
		CHECK(rte_eal_remote_launch(worker, &sum, lcore) == 0);
	RTE_LCORE_FOREACH_WORKER(lcore)
		CHECK(rte_eal_wait_lcore(lcore) == static_cast<int>(lcore));
	worker(&sum); // nothing left if a worker ran; all of it if none
	CHECK(sum == 2 + 3 + 4 + 5 + 6 + 7 + 8 + 100);
	CHECK(rte_ring_empty(work_ring));
	rte_ring_free(work_ring);
	return 0;
}

static int
mempools()
{
	void *objs[256]; // a get of n writes up to n entries, also when it fails
	struct rte_mempool *mp = rte_mempool_create("cxx", 255, 100, 32, 0, nullptr, nullptr,
						    nullptr, nullptr, SOCKET_ID_ANY, 0);

	CHECK(mp != nullptr);
	CHECK(rte_mempool_get_bulk(mp, objs, 16) == 0);
	CHECK(rte_mempool_from_obj(objs[3]) == mp);
	CHECK(rte_mempool_in_use_count(mp) == 16);
	struct rte_mempool_cache *uc = rte_mempool_cache_create(8, SOCKET_ID_ANY);
	CHECK(uc != nullptr);
	rte_mempool_generic_put(mp, objs, 16, uc);
	rte_mempool_cache_flush(uc, mp);
	rte_mempool_cache_free(uc);
	CHECK(rte_mempool_full(mp));
	CHECK(rte_mempool_get_bulk(mp, objs, 256) == -ENOBUFS);
	rte_mempool_free(mp);
	CHECK(rte_mempool_create("x", 0, 100, 0, 0, nullptr, nullptr, nullptr, nullptr,
				 SOCKET_ID_ANY, 0) == nullptr && rte_errno == EINVAL);
	return 0;
}

static int
mbufs()
{
	static const struct rte_mbuf_dynfield desc = { "cxx_dynfield", sizeof(uint32_t),
						      alignof(uint32_t), 0 };
	struct rte_mempool *mp = rte_pktmbuf_pool_create("cxx_mbuf", 63, 8, 0,
							 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	CHECK(mp != nullptr);
	int off = rte_mbuf_dynfield_register(&desc);
	CHECK(off > 0);

	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	CHECK(m != nullptr && rte_pktmbuf_headroom(m) == RTE_PKTMBUF_HEADROOM);
	*RTE_MBUF_DYNFIELD(m, off, uint32_t *) = 42;

	// an Ethernet + IPv4 + UDP frame with its checksums
	const size_t len = sizeof(rte_ether_hdr) + sizeof(rte_ipv4_hdr) + sizeof(rte_udp_hdr) + 4;
	char *p = rte_pktmbuf_append(m, len);
	CHECK(p != nullptr && rte_pktmbuf_data_len(m) == len);
	std::memset(p, 0, len);
	auto *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	rte_eth_random_addr(eth->src_addr.addr_bytes);
	CHECK(rte_is_unicast_ether_addr(&eth->src_addr) && !rte_is_zero_ether_addr(&eth->src_addr));
	auto *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(*eth));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eth));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	CHECK(rte_raw_cksum(ip, sizeof(*ip)) == 0xffff);
	auto *udp = reinterpret_cast<struct rte_udp_hdr *>(ip + 1);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + 4);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	CHECK(rte_ipv4_udptcp_cksum_verify(ip, udp) == 0);

	// clone, chain, read across segments
	struct rte_mbuf *c = rte_pktmbuf_clone(m, mp);
	CHECK(c != nullptr && RTE_MBUF_CLONED(c) && rte_mbuf_refcnt_read(m) == 2);
	struct rte_mbuf *tail = rte_pktmbuf_alloc(mp);
	CHECK(tail != nullptr && rte_pktmbuf_append(tail, 10) != nullptr);
	std::memset(rte_pktmbuf_mtod(tail, void *), 0xab, 10);
	CHECK(rte_pktmbuf_chain(c, tail) == 0 && c->nb_segs == 2 && rte_pktmbuf_pkt_len(c) == len + 10);
	uint8_t buf[16];
	const uint8_t *r = static_cast<const uint8_t *>(rte_pktmbuf_read(c, len - 2, 6, buf));
	CHECK(r == buf && r[2] == 0xab && r[5] == 0xab);
	CHECK(rte_mbuf_check(c, 1, nullptr) == 0);
	rte_pktmbuf_free(c);
	CHECK(rte_mbuf_refcnt_read(m) == 1 && *RTE_MBUF_DYNFIELD(m, off, uint32_t *) == 42);
	rte_pktmbuf_free(m);
	CHECK(rte_mempool_full(mp));
	rte_mempool_free(mp);
	return 0;
}

int
main(int argc, char **argv)
{
	if (rte_eal_init(argc, argv) < 0) {
		std::printf("dpdk-cxx: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	int rc = rings();
	if (rc == 0)
		rc = mempools();
	if (rc == 0)
		rc = mbufs();
	rte_eal_cleanup();
	if (rc == 0)
		std::printf("dpdk-cxx: ok\n");
	return rc;
}
