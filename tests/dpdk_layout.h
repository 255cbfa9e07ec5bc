/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's layout of the structs applications read directly, for the
 * layer's test (test_dpdk_layout: hugemem's headers must match) and for the
 * optional cross-check against an installed DPDK (test_dpdk_compare,
 * -Ddpdk_compare): the table must match DPDK's own headers.
 *
 * FIELD(struct, member, offset, dpdk_size, hugemem_size)
 * SIZE(struct, dpdk_sizeof, hugemem_sizeof)
 * The hugemem sizes differ from DPDK's in three documented places
 * (docs/dpdk-compat.md): rte_fbarray's lock is 8 bytes (DPDK: 4, inside the
 * same 96-byte struct), rte_memseg keeps the backend's page handle after
 * DPDK's 48 bytes, and rte_mempool_memhdr its object count after DPDK's 56.
 * Fields of nested members are written a.b (offsetof takes them).
 */
#define DPDK_LAYOUT(FIELD, SIZE) \
	FIELD(rte_memzone, name, 0, 32, 32) \
	FIELD(rte_memzone, iova, 32, 8, 8) \
	FIELD(rte_memzone, addr, 40, 8, 8) \
	FIELD(rte_memzone, addr_64, 40, 8, 8) \
	FIELD(rte_memzone, len, 48, 8, 8) \
	FIELD(rte_memzone, hugepage_sz, 56, 8, 8) \
	FIELD(rte_memzone, socket_id, 64, 4, 4) \
	FIELD(rte_memzone, flags, 68, 4, 4) \
	SIZE(rte_memzone, 72, 72) \
	FIELD(rte_memseg, iova, 0, 8, 8) \
	FIELD(rte_memseg, addr, 8, 8, 8) \
	FIELD(rte_memseg, addr_64, 8, 8, 8) \
	FIELD(rte_memseg, len, 16, 8, 8) \
	FIELD(rte_memseg, hugepage_sz, 24, 8, 8) \
	FIELD(rte_memseg, socket_id, 32, 4, 4) \
	FIELD(rte_memseg, nchannel, 36, 4, 4) \
	FIELD(rte_memseg, nrank, 40, 4, 4) \
	FIELD(rte_memseg, flags, 44, 4, 4) \
	SIZE(rte_memseg, 48, 56) \
	FIELD(rte_memseg_list, base_va, 0, 8, 8) \
	FIELD(rte_memseg_list, addr_64, 0, 8, 8) \
	FIELD(rte_memseg_list, page_sz, 8, 8, 8) \
	FIELD(rte_memseg_list, socket_id, 16, 4, 4) \
	FIELD(rte_memseg_list, version, 20, 4, 4) \
	FIELD(rte_memseg_list, len, 24, 8, 8) \
	FIELD(rte_memseg_list, external, 32, 4, 4) \
	FIELD(rte_memseg_list, heap, 36, 4, 4) \
	FIELD(rte_memseg_list, memseg_arr, 40, 96, 96) \
	SIZE(rte_memseg_list, 136, 136) \
	FIELD(rte_fbarray, name, 0, 64, 64) \
	FIELD(rte_fbarray, count, 64, 4, 4) \
	FIELD(rte_fbarray, len, 68, 4, 4) \
	FIELD(rte_fbarray, elt_sz, 72, 4, 4) \
	FIELD(rte_fbarray, data, 80, 8, 8) \
	FIELD(rte_fbarray, rwlock, 88, 4, 8) \
	SIZE(rte_fbarray, 96, 96) \
	FIELD(rte_malloc_socket_stats, heap_totalsz_bytes, 0, 8, 8) \
	FIELD(rte_malloc_socket_stats, heap_freesz_bytes, 8, 8, 8) \
	FIELD(rte_malloc_socket_stats, greatest_free_size, 16, 8, 8) \
	FIELD(rte_malloc_socket_stats, free_count, 24, 4, 4) \
	FIELD(rte_malloc_socket_stats, alloc_count, 28, 4, 4) \
	FIELD(rte_malloc_socket_stats, heap_allocsz_bytes, 32, 8, 8) \
	SIZE(rte_malloc_socket_stats, 40, 40) \
	FIELD(rte_ring, name, 0, 29, 29) \
	FIELD(rte_ring, flags, 32, 4, 4) \
	FIELD(rte_ring, memzone, 40, 8, 8) \
	FIELD(rte_ring, size, 48, 4, 4) \
	FIELD(rte_ring, mask, 52, 4, 4) \
	FIELD(rte_ring, capacity, 56, 4, 4) \
	FIELD(rte_ring, prod, 128, 12, 12) \
	FIELD(rte_ring, hts_prod, 128, 16, 16) \
	FIELD(rte_ring, rts_prod, 128, 24, 24) \
	FIELD(rte_ring, cons, 256, 12, 12) \
	FIELD(rte_ring, hts_cons, 256, 16, 16) \
	FIELD(rte_ring, rts_cons, 256, 24, 24) \
	SIZE(rte_ring, 384, 384) \
	FIELD(rte_ring_headtail, head, 0, 4, 4) \
	FIELD(rte_ring_headtail, tail, 4, 4, 4) \
	FIELD(rte_ring_headtail, sync_type, 8, 4, 4) \
	FIELD(rte_ring_rts_headtail, tail, 0, 8, 8) \
	FIELD(rte_ring_rts_headtail, sync_type, 8, 4, 4) \
	FIELD(rte_ring_rts_headtail, htd_max, 12, 4, 4) \
	FIELD(rte_ring_rts_headtail, head, 16, 8, 8) \
	FIELD(rte_ring_hts_headtail, ht, 0, 8, 8) \
	FIELD(rte_ring_hts_headtail, sync_type, 8, 4, 4) \
	SIZE(rte_ring_zc_data, 64, 64) \
	FIELD(rte_mempool, name, 0, 26, 26) \
	FIELD(rte_mempool, pool_data, 32, 8, 8) \
	FIELD(rte_mempool, pool_id, 32, 8, 8) \
	FIELD(rte_mempool, pool_config, 40, 8, 8) \
	FIELD(rte_mempool, mz, 48, 8, 8) \
	FIELD(rte_mempool, flags, 56, 4, 4) \
	FIELD(rte_mempool, socket_id, 60, 4, 4) \
	FIELD(rte_mempool, size, 64, 4, 4) \
	FIELD(rte_mempool, cache_size, 68, 4, 4) \
	FIELD(rte_mempool, elt_size, 72, 4, 4) \
	FIELD(rte_mempool, header_size, 76, 4, 4) \
	FIELD(rte_mempool, trailer_size, 80, 4, 4) \
	FIELD(rte_mempool, private_data_size, 84, 4, 4) \
	FIELD(rte_mempool, ops_index, 88, 4, 4) \
	FIELD(rte_mempool, local_cache, 96, 8, 8) \
	FIELD(rte_mempool, populated_size, 104, 4, 4) \
	FIELD(rte_mempool, elt_list, 112, 16, 16) \
	FIELD(rte_mempool, nb_mem_chunks, 128, 4, 4) \
	FIELD(rte_mempool, mem_list, 136, 16, 16) \
	SIZE(rte_mempool, 192, 192) \
	FIELD(rte_mempool_cache, size, 0, 4, 4) \
	FIELD(rte_mempool_cache, flushthresh, 4, 4, 4) \
	FIELD(rte_mempool_cache, len, 8, 4, 4) \
	FIELD(rte_mempool_cache, objs, 64, 8192, 8192) \
	SIZE(rte_mempool_cache, 8256, 8256) \
	FIELD(rte_mempool_objhdr, next, 0, 8, 8) \
	FIELD(rte_mempool_objhdr, mp, 8, 8, 8) \
	FIELD(rte_mempool_objhdr, iova, 16, 8, 8) \
	SIZE(rte_mempool_objhdr, 24, 24) \
	FIELD(rte_mempool_memhdr, next, 0, 8, 8) \
	FIELD(rte_mempool_memhdr, mp, 8, 8, 8) \
	FIELD(rte_mempool_memhdr, addr, 16, 8, 8) \
	FIELD(rte_mempool_memhdr, iova, 24, 8, 8) \
	FIELD(rte_mempool_memhdr, len, 32, 8, 8) \
	FIELD(rte_mempool_memhdr, free_cb, 40, 8, 8) \
	FIELD(rte_mempool_memhdr, opaque, 48, 8, 8) \
	SIZE(rte_mempool_memhdr, 56, 64) \
	FIELD(rte_mempool_objsz, elt_size, 0, 4, 4) \
	FIELD(rte_mempool_objsz, header_size, 4, 4, 4) \
	FIELD(rte_mempool_objsz, trailer_size, 8, 4, 4) \
	FIELD(rte_mempool_objsz, total_size, 12, 4, 4) \
	SIZE(rte_mempool_objsz, 16, 16) \
	FIELD(rte_mempool_ops, name, 0, 32, 32) \
	FIELD(rte_mempool_ops, alloc, 32, 8, 8) \
	FIELD(rte_mempool_ops, free, 40, 8, 8) \
	FIELD(rte_mempool_ops, enqueue, 48, 8, 8) \
	FIELD(rte_mempool_ops, dequeue, 56, 8, 8) \
	FIELD(rte_mempool_ops, get_count, 64, 8, 8) \
	FIELD(rte_mempool_ops, calc_mem_size, 72, 8, 8) \
	FIELD(rte_mempool_ops, populate, 80, 8, 8) \
	FIELD(rte_mempool_ops, get_info, 88, 8, 8) \
	FIELD(rte_mempool_ops, dequeue_contig_blocks, 96, 8, 8) \
	SIZE(rte_mempool_ops, 128, 128) \
	FIELD(rte_mempool_ops_table, sl, 0, 4, 4) \
	FIELD(rte_mempool_ops_table, num_ops, 4, 4, 4) \
	FIELD(rte_mempool_ops_table, ops, 64, 2048, 2048) \
	SIZE(rte_mempool_ops_table, 2112, 2112) \
	SIZE(rte_mempool_info, 64, 64) \
	FIELD(rte_mbuf, buf_addr, 0, 8, 8) \
	FIELD(rte_mbuf, buf_iova, 8, 8, 8) \
	FIELD(rte_mbuf, rearm_data, 16, 0, 0) \
	FIELD(rte_mbuf, data_off, 16, 2, 2) \
	FIELD(rte_mbuf, refcnt, 18, 2, 2) \
	FIELD(rte_mbuf, nb_segs, 20, 2, 2) \
	FIELD(rte_mbuf, port, 22, 2, 2) \
	FIELD(rte_mbuf, ol_flags, 24, 8, 8) \
	FIELD(rte_mbuf, rx_descriptor_fields1, 32, 0, 0) \
	FIELD(rte_mbuf, packet_type, 32, 4, 4) \
	FIELD(rte_mbuf, pkt_len, 36, 4, 4) \
	FIELD(rte_mbuf, data_len, 40, 2, 2) \
	FIELD(rte_mbuf, vlan_tci, 42, 2, 2) \
	FIELD(rte_mbuf, hash, 44, 8, 8) \
	FIELD(rte_mbuf, hash.rss, 44, 4, 4) \
	FIELD(rte_mbuf, hash.fdir, 44, 8, 8) \
	FIELD(rte_mbuf, hash.fdir.hash, 44, 2, 2) \
	FIELD(rte_mbuf, hash.fdir.id, 46, 2, 2) \
	FIELD(rte_mbuf, hash.fdir.lo, 44, 4, 4) \
	FIELD(rte_mbuf, hash.fdir.hi, 48, 4, 4) \
	FIELD(rte_mbuf, hash.sched, 44, 8, 8) \
	FIELD(rte_mbuf, hash.sched.queue_id, 44, 4, 4) \
	FIELD(rte_mbuf, hash.sched.traffic_class, 48, 1, 1) \
	FIELD(rte_mbuf, hash.sched.color, 49, 1, 1) \
	FIELD(rte_mbuf, hash.sched.reserved, 50, 2, 2) \
	FIELD(rte_mbuf, hash.txadapter, 44, 8, 8) \
	FIELD(rte_mbuf, hash.txadapter.txq, 50, 2, 2) \
	FIELD(rte_mbuf, hash.usr, 44, 4, 4) \
	FIELD(rte_mbuf, vlan_tci_outer, 52, 2, 2) \
	FIELD(rte_mbuf, buf_len, 54, 2, 2) \
	FIELD(rte_mbuf, pool, 56, 8, 8) \
	FIELD(rte_mbuf, cacheline1, 64, 0, 0) \
	FIELD(rte_mbuf, next, 64, 8, 8) \
	FIELD(rte_mbuf, tx_offload, 72, 8, 8) \
	FIELD(rte_mbuf, shinfo, 80, 8, 8) \
	FIELD(rte_mbuf, priv_size, 88, 2, 2) \
	FIELD(rte_mbuf, timesync, 90, 2, 2) \
	FIELD(rte_mbuf, dynfield1, 92, 36, 36) \
	SIZE(rte_mbuf, 128, 128) \
	FIELD(rte_mbuf_ext_shared_info, free_cb, 0, 8, 8) \
	FIELD(rte_mbuf_ext_shared_info, fcb_opaque, 8, 8, 8) \
	FIELD(rte_mbuf_ext_shared_info, refcnt, 16, 2, 2) \
	SIZE(rte_mbuf_ext_shared_info, 24, 24) \
	SIZE(rte_mbuf_sched, 8, 8) \
	FIELD(rte_pktmbuf_pool_private, mbuf_data_room_size, 0, 2, 2) \
	FIELD(rte_pktmbuf_pool_private, mbuf_priv_size, 2, 2, 2) \
	FIELD(rte_pktmbuf_pool_private, flags, 4, 4, 4) \
	SIZE(rte_pktmbuf_pool_private, 8, 8) \
	FIELD(rte_mbuf_dynfield, name, 0, 64, 64) \
	FIELD(rte_mbuf_dynfield, size, 64, 8, 8) \
	FIELD(rte_mbuf_dynfield, align, 72, 8, 8) \
	FIELD(rte_mbuf_dynfield, flags, 80, 4, 4) \
	SIZE(rte_mbuf_dynfield, 88, 88) \
	FIELD(rte_mbuf_dynflag, name, 0, 64, 64) \
	FIELD(rte_mbuf_dynflag, flags, 64, 4, 4) \
	SIZE(rte_mbuf_dynflag, 68, 68) \
	SIZE(rte_ether_addr, 6, 6) \
	FIELD(rte_ether_hdr, dst_addr, 0, 6, 6) \
	FIELD(rte_ether_hdr, src_addr, 6, 6, 6) \
	FIELD(rte_ether_hdr, ether_type, 12, 2, 2) \
	SIZE(rte_ether_hdr, 14, 14) \
	SIZE(rte_vlan_hdr, 4, 4) \
	FIELD(rte_ipv4_hdr, version_ihl, 0, 1, 1) \
	FIELD(rte_ipv4_hdr, type_of_service, 1, 1, 1) \
	FIELD(rte_ipv4_hdr, total_length, 2, 2, 2) \
	FIELD(rte_ipv4_hdr, packet_id, 4, 2, 2) \
	FIELD(rte_ipv4_hdr, fragment_offset, 6, 2, 2) \
	FIELD(rte_ipv4_hdr, time_to_live, 8, 1, 1) \
	FIELD(rte_ipv4_hdr, next_proto_id, 9, 1, 1) \
	FIELD(rte_ipv4_hdr, hdr_checksum, 10, 2, 2) \
	FIELD(rte_ipv4_hdr, src_addr, 12, 4, 4) \
	FIELD(rte_ipv4_hdr, dst_addr, 16, 4, 4) \
	SIZE(rte_ipv4_hdr, 20, 20) \
	FIELD(rte_ipv6_hdr, vtc_flow, 0, 4, 4) \
	FIELD(rte_ipv6_hdr, payload_len, 4, 2, 2) \
	FIELD(rte_ipv6_hdr, proto, 6, 1, 1) \
	FIELD(rte_ipv6_hdr, hop_limits, 7, 1, 1) \
	FIELD(rte_ipv6_hdr, src_addr, 8, 16, 16) \
	FIELD(rte_ipv6_hdr, dst_addr, 24, 16, 16) \
	SIZE(rte_ipv6_hdr, 40, 40) \
	FIELD(rte_tcp_hdr, src_port, 0, 2, 2) \
	FIELD(rte_tcp_hdr, dst_port, 2, 2, 2) \
	FIELD(rte_tcp_hdr, sent_seq, 4, 4, 4) \
	FIELD(rte_tcp_hdr, recv_ack, 8, 4, 4) \
	FIELD(rte_tcp_hdr, data_off, 12, 1, 1) \
	FIELD(rte_tcp_hdr, tcp_flags, 13, 1, 1) \
	FIELD(rte_tcp_hdr, rx_win, 14, 2, 2) \
	FIELD(rte_tcp_hdr, cksum, 16, 2, 2) \
	FIELD(rte_tcp_hdr, tcp_urp, 18, 2, 2) \
	SIZE(rte_tcp_hdr, 20, 20) \
	FIELD(rte_udp_hdr, src_port, 0, 2, 2) \
	FIELD(rte_udp_hdr, dst_port, 2, 2, 2) \
	FIELD(rte_udp_hdr, dgram_len, 4, 2, 2) \
	FIELD(rte_udp_hdr, dgram_cksum, 6, 2, 2) \
	SIZE(rte_udp_hdr, 8, 8) \
	FIELD(rte_timer, expire, 0, 8, 8) \
	FIELD(rte_timer, sl_next, 8, 80, 80) \
	FIELD(rte_timer, status, 88, 4, 4) \
	FIELD(rte_timer, period, 96, 8, 8) \
	FIELD(rte_timer, f, 104, 8, 8) \
	FIELD(rte_timer, arg, 112, 8, 8) \
	SIZE(rte_timer, 120, 120) \
	FIELD(rte_tailq_head, tailq_head, 0, 16, 16) \
	FIELD(rte_tailq_head, name, 16, 32, 32) \
	SIZE(rte_tailq_head, 48, 48) \
	FIELD(rte_tailq_elem, head, 0, 8, 8) \
	FIELD(rte_tailq_elem, next, 8, 16, 16) \
	FIELD(rte_tailq_elem, name, 24, 32, 32) \
	SIZE(rte_tailq_elem, 56, 56) \
	FIELD(rte_tailq_entry, next, 0, 16, 16) \
	FIELD(rte_tailq_entry, data, 16, 8, 8) \
	SIZE(rte_tailq_entry, 24, 24) \
	FIELD(cmdline_token_hdr, ops, 0, 8, 8) \
	FIELD(cmdline_token_hdr, offset, 8, 4, 4) \
	SIZE(cmdline_token_hdr, 16, 16) \
	FIELD(cmdline_token_ops, parse, 0, 8, 8) \
	FIELD(cmdline_token_ops, complete_get_nb, 8, 8, 8) \
	FIELD(cmdline_token_ops, complete_get_elt, 16, 8, 8) \
	FIELD(cmdline_token_ops, get_help, 24, 8, 8) \
	SIZE(cmdline_token_ops, 32, 32) \
	FIELD(cmdline_inst, f, 0, 8, 8) \
	FIELD(cmdline_inst, data, 8, 8, 8) \
	FIELD(cmdline_inst, help_str, 16, 8, 8) \
	SIZE(cmdline_inst, 24, 24) \
	FIELD(cmdline_token_string, hdr, 0, 16, 16) \
	FIELD(cmdline_token_string, string_data, 16, 8, 8) \
	SIZE(cmdline_token_string, 24, 24) \
	FIELD(cmdline_token_num, hdr, 0, 16, 16) \
	FIELD(cmdline_token_num, num_data, 16, 4, 4) \
	SIZE(cmdline_token_num, 24, 24) \
	FIELD(cmdline_ipaddr, family, 0, 1, 1) \
	FIELD(cmdline_ipaddr, addr, 4, 16, 16) \
	FIELD(cmdline_ipaddr, prefixlen, 20, 4, 4) \
	SIZE(cmdline_ipaddr, 24, 24) \
	FIELD(cmdline_token_ipaddr, hdr, 0, 16, 16) \
	FIELD(cmdline_token_ipaddr, ipaddr_data, 16, 1, 1) \
	SIZE(cmdline_token_ipaddr, 24, 24)


/*
 * Constants applications compile in (flags, field widths, limits) of the
 * ring, mempool, mbuf and net headers: the layer's must equal DPDK's; the
 * layer test checks them against hugemem's own where they exist, the
 * comparison test checks the values against DPDK's headers one by one.
 * C(name, DPDK 22.11's value)
 */
#define DPDK_CONSTANTS(C) \
	C(RTE_MBUF_F_EXTERNAL, 0x2000000000000000ULL) \
	C(RTE_MBUF_F_FIRST_FREE, 0x800000ULL) \
	C(RTE_MBUF_F_INDIRECT, 0x4000000000000000ULL) \
	C(RTE_MBUF_F_LAST_FREE, 0x10000000000ULL) \
	C(RTE_MBUF_F_RX_FDIR, 0x4ULL) \
	C(RTE_MBUF_F_RX_FDIR_FLX, 0x4000ULL) \
	C(RTE_MBUF_F_RX_FDIR_ID, 0x2000ULL) \
	C(RTE_MBUF_F_RX_IEEE1588_PTP, 0x200ULL) \
	C(RTE_MBUF_F_RX_IEEE1588_TMST, 0x400ULL) \
	C(RTE_MBUF_F_RX_IP_CKSUM_BAD, 0x10ULL) \
	C(RTE_MBUF_F_RX_IP_CKSUM_GOOD, 0x80ULL) \
	C(RTE_MBUF_F_RX_IP_CKSUM_MASK, 0x90ULL) \
	C(RTE_MBUF_F_RX_IP_CKSUM_NONE, 0x90ULL) \
	C(RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, 0x0ULL) \
	C(RTE_MBUF_F_RX_L4_CKSUM_BAD, 0x8ULL) \
	C(RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0x100ULL) \
	C(RTE_MBUF_F_RX_L4_CKSUM_MASK, 0x108ULL) \
	C(RTE_MBUF_F_RX_L4_CKSUM_NONE, 0x108ULL) \
	C(RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, 0x0ULL) \
	C(RTE_MBUF_F_RX_LRO, 0x10000ULL) \
	C(RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD, 0x20ULL) \
	C(RTE_MBUF_F_RX_OUTER_L4_CKSUM_BAD, 0x200000ULL) \
	C(RTE_MBUF_F_RX_OUTER_L4_CKSUM_GOOD, 0x400000ULL) \
	C(RTE_MBUF_F_RX_OUTER_L4_CKSUM_INVALID, 0x600000ULL) \
	C(RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK, 0x600000ULL) \
	C(RTE_MBUF_F_RX_OUTER_L4_CKSUM_UNKNOWN, 0x0ULL) \
	C(RTE_MBUF_F_RX_QINQ, 0x100000ULL) \
	C(RTE_MBUF_F_RX_QINQ_STRIPPED, 0x8000ULL) \
	C(RTE_MBUF_F_RX_RSS_HASH, 0x2ULL) \
	C(RTE_MBUF_F_RX_SEC_OFFLOAD, 0x40000ULL) \
	C(RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED, 0x80000ULL) \
	C(RTE_MBUF_F_RX_VLAN, 0x1ULL) \
	C(RTE_MBUF_F_RX_VLAN_STRIPPED, 0x40ULL) \
	C(RTE_MBUF_F_TX_IEEE1588_TMST, 0x8000000000000ULL) \
	C(RTE_MBUF_F_TX_IPV4, 0x80000000000000ULL) \
	C(RTE_MBUF_F_TX_IPV6, 0x100000000000000ULL) \
	C(RTE_MBUF_F_TX_IP_CKSUM, 0x40000000000000ULL) \
	C(RTE_MBUF_F_TX_L4_MASK, 0x30000000000000ULL) \
	C(RTE_MBUF_F_TX_L4_NO_CKSUM, 0x0ULL) \
	C(RTE_MBUF_F_TX_MACSEC, 0x100000000000ULL) \
	C(RTE_MBUF_F_TX_OFFLOAD_MASK, 0x1ffffe0000000000ULL) \
	C(RTE_MBUF_F_TX_OUTER_IPV4, 0x800000000000000ULL) \
	C(RTE_MBUF_F_TX_OUTER_IPV6, 0x1000000000000000ULL) \
	C(RTE_MBUF_F_TX_OUTER_IP_CKSUM, 0x400000000000000ULL) \
	C(RTE_MBUF_F_TX_OUTER_UDP_CKSUM, 0x20000000000ULL) \
	C(RTE_MBUF_F_TX_QINQ, 0x2000000000000ULL) \
	C(RTE_MBUF_F_TX_SCTP_CKSUM, 0x20000000000000ULL) \
	C(RTE_MBUF_F_TX_SEC_OFFLOAD, 0x80000000000ULL) \
	C(RTE_MBUF_F_TX_TCP_CKSUM, 0x10000000000000ULL) \
	C(RTE_MBUF_F_TX_TCP_SEG, 0x4000000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_ESP, 0x1000000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_GENEVE, 0x800000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_GRE, 0x400000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_GTP, 0xe00000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_IP, 0x1a00000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_IPIP, 0x600000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_MASK, 0x1e00000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_MPLSINUDP, 0xa00000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_UDP, 0x1c00000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_VXLAN, 0x200000000000ULL) \
	C(RTE_MBUF_F_TX_TUNNEL_VXLAN_GPE, 0xc00000000000ULL) \
	C(RTE_MBUF_F_TX_UDP_CKSUM, 0x30000000000000ULL) \
	C(RTE_MBUF_F_TX_UDP_SEG, 0x40000000000ULL) \
	C(RTE_MBUF_F_TX_VLAN, 0x200000000000000ULL) \
	C(RTE_PTYPE_ALL_MASK, 0xfffffffULL) \
	C(RTE_PTYPE_INNER_L2_ETHER, 0x10000ULL) \
	C(RTE_PTYPE_INNER_L2_ETHER_QINQ, 0x30000ULL) \
	C(RTE_PTYPE_INNER_L2_ETHER_VLAN, 0x20000ULL) \
	C(RTE_PTYPE_INNER_L2_MASK, 0xf0000ULL) \
	C(RTE_PTYPE_INNER_L3_IPV4, 0x100000ULL) \
	C(RTE_PTYPE_INNER_L3_IPV4_EXT, 0x200000ULL) \
	C(RTE_PTYPE_INNER_L3_IPV4_EXT_UNKNOWN, 0x400000ULL) \
	C(RTE_PTYPE_INNER_L3_IPV6, 0x300000ULL) \
	C(RTE_PTYPE_INNER_L3_IPV6_EXT, 0x500000ULL) \
	C(RTE_PTYPE_INNER_L3_IPV6_EXT_UNKNOWN, 0x600000ULL) \
	C(RTE_PTYPE_INNER_L3_MASK, 0xf00000ULL) \
	C(RTE_PTYPE_INNER_L4_FRAG, 0x3000000ULL) \
	C(RTE_PTYPE_INNER_L4_ICMP, 0x5000000ULL) \
	C(RTE_PTYPE_INNER_L4_MASK, 0xf000000ULL) \
	C(RTE_PTYPE_INNER_L4_NONFRAG, 0x6000000ULL) \
	C(RTE_PTYPE_INNER_L4_SCTP, 0x4000000ULL) \
	C(RTE_PTYPE_INNER_L4_TCP, 0x1000000ULL) \
	C(RTE_PTYPE_INNER_L4_UDP, 0x2000000ULL) \
	C(RTE_PTYPE_L2_ETHER, 0x1ULL) \
	C(RTE_PTYPE_L2_ETHER_ARP, 0x3ULL) \
	C(RTE_PTYPE_L2_ETHER_FCOE, 0x9ULL) \
	C(RTE_PTYPE_L2_ETHER_LLDP, 0x4ULL) \
	C(RTE_PTYPE_L2_ETHER_MPLS, 0xaULL) \
	C(RTE_PTYPE_L2_ETHER_NSH, 0x5ULL) \
	C(RTE_PTYPE_L2_ETHER_PPPOE, 0x8ULL) \
	C(RTE_PTYPE_L2_ETHER_QINQ, 0x7ULL) \
	C(RTE_PTYPE_L2_ETHER_TIMESYNC, 0x2ULL) \
	C(RTE_PTYPE_L2_ETHER_VLAN, 0x6ULL) \
	C(RTE_PTYPE_L2_MASK, 0xfULL) \
	C(RTE_PTYPE_L3_IPV4, 0x10ULL) \
	C(RTE_PTYPE_L3_IPV4_EXT, 0x30ULL) \
	C(RTE_PTYPE_L3_IPV4_EXT_UNKNOWN, 0x90ULL) \
	C(RTE_PTYPE_L3_IPV6, 0x40ULL) \
	C(RTE_PTYPE_L3_IPV6_EXT, 0xc0ULL) \
	C(RTE_PTYPE_L3_IPV6_EXT_UNKNOWN, 0xe0ULL) \
	C(RTE_PTYPE_L3_MASK, 0xf0ULL) \
	C(RTE_PTYPE_L4_FRAG, 0x300ULL) \
	C(RTE_PTYPE_L4_ICMP, 0x500ULL) \
	C(RTE_PTYPE_L4_IGMP, 0x700ULL) \
	C(RTE_PTYPE_L4_MASK, 0xf00ULL) \
	C(RTE_PTYPE_L4_NONFRAG, 0x600ULL) \
	C(RTE_PTYPE_L4_SCTP, 0x400ULL) \
	C(RTE_PTYPE_L4_TCP, 0x100ULL) \
	C(RTE_PTYPE_L4_UDP, 0x200ULL) \
	C(RTE_PTYPE_TUNNEL_ESP, 0x9000ULL) \
	C(RTE_PTYPE_TUNNEL_GENEVE, 0x5000ULL) \
	C(RTE_PTYPE_TUNNEL_GRE, 0x2000ULL) \
	C(RTE_PTYPE_TUNNEL_GRENAT, 0x6000ULL) \
	C(RTE_PTYPE_TUNNEL_GTPC, 0x7000ULL) \
	C(RTE_PTYPE_TUNNEL_GTPU, 0x8000ULL) \
	C(RTE_PTYPE_TUNNEL_IP, 0x1000ULL) \
	C(RTE_PTYPE_TUNNEL_L2TP, 0xa000ULL) \
	C(RTE_PTYPE_TUNNEL_MASK, 0xf000ULL) \
	C(RTE_PTYPE_TUNNEL_MPLS_IN_GRE, 0xc000ULL) \
	C(RTE_PTYPE_TUNNEL_MPLS_IN_UDP, 0xd000ULL) \
	C(RTE_PTYPE_TUNNEL_NVGRE, 0x4000ULL) \
	C(RTE_PTYPE_TUNNEL_VXLAN, 0x3000ULL) \
	C(RTE_PTYPE_TUNNEL_VXLAN_GPE, 0xb000ULL) \
	C(RTE_PTYPE_UNKNOWN, 0x0ULL) \
	C(RING_F_SP_ENQ, 0x1ULL) \
	C(RING_F_SC_DEQ, 0x2ULL) \
	C(RING_F_EXACT_SZ, 0x4ULL) \
	C(RING_F_MP_RTS_ENQ, 0x8ULL) \
	C(RING_F_MC_RTS_DEQ, 0x10ULL) \
	C(RING_F_MP_HTS_ENQ, 0x20ULL) \
	C(RING_F_MC_HTS_DEQ, 0x40ULL) \
	C(RTE_RING_SZ_MASK, 0x7fffffffULL) \
	C(RTE_RING_NAMESIZE, 0x1dULL) \
	C(RTE_RING_SYNC_MT, 0x0ULL) \
	C(RTE_RING_SYNC_ST, 0x1ULL) \
	C(RTE_RING_SYNC_MT_RTS, 0x2ULL) \
	C(RTE_RING_SYNC_MT_HTS, 0x3ULL) \
	C(RTE_RING_QUEUE_FIXED, 0x0ULL) \
	C(RTE_RING_QUEUE_VARIABLE, 0x1ULL) \
	C(RTE_MEMPOOL_F_NO_SPREAD, 0x1ULL) \
	C(RTE_MEMPOOL_F_NO_CACHE_ALIGN, 0x2ULL) \
	C(RTE_MEMPOOL_F_SP_PUT, 0x4ULL) \
	C(RTE_MEMPOOL_F_SC_GET, 0x8ULL) \
	C(RTE_MEMPOOL_F_POOL_CREATED, 0x10ULL) \
	C(RTE_MEMPOOL_F_NO_IOVA_CONTIG, 0x20ULL) \
	C(RTE_MEMPOOL_F_NON_IO, 0x40ULL) \
	C(RTE_MEMPOOL_VALID_USER_FLAGS, 0x2fULL) \
	C(RTE_MEMPOOL_NAMESIZE, 0x1aULL) \
	C(RTE_MEMPOOL_ALIGN, 0x40ULL) \
	C(RTE_MEMPOOL_CACHE_MAX_SIZE, 0x200ULL) \
	C(RTE_MEMPOOL_OPS_NAMESIZE, 0x20ULL) \
	C(RTE_MEMPOOL_MAX_OPS_IDX, 0x10ULL) \
	C(RTE_MEMPOOL_HEADER_COOKIE1, 0xbadbadbadadd2e55ULL) \
	C(RTE_MEMPOOL_HEADER_COOKIE2, 0xf2eef2eedadd2e55ULL) \
	C(RTE_MEMPOOL_TRAILER_COOKIE, 0xadd2e55badbadbadULL) \
	C(RTE_MEMPOOL_POPULATE_F_ALIGN_OBJ, 0x1ULL) \
	C(RTE_MEMPOOL_EVENT_READY, 0x0ULL) \
	C(RTE_MEMPOOL_EVENT_DESTROY, 0x1ULL) \
	C(RTE_MBUF_L2_LEN_BITS, 0x7ULL) \
	C(RTE_MBUF_L3_LEN_BITS, 0x9ULL) \
	C(RTE_MBUF_L4_LEN_BITS, 0x8ULL) \
	C(RTE_MBUF_TSO_SEGSZ_BITS, 0x10ULL) \
	C(RTE_MBUF_OUTL3_LEN_BITS, 0x9ULL) \
	C(RTE_MBUF_OUTL2_LEN_BITS, 0x7ULL) \
	C(RTE_MBUF_L2_LEN_OFS, 0x0ULL) \
	C(RTE_MBUF_L3_LEN_OFS, 0x7ULL) \
	C(RTE_MBUF_L4_LEN_OFS, 0x10ULL) \
	C(RTE_MBUF_TSO_SEGSZ_OFS, 0x18ULL) \
	C(RTE_MBUF_OUTL3_LEN_OFS, 0x28ULL) \
	C(RTE_MBUF_OUTL2_LEN_OFS, 0x31ULL) \
	C(RTE_MBUF_TXOFLD_UNUSED_OFS, 0x38ULL) \
	C(RTE_MBUF_PRIV_ALIGN, 0x8ULL) \
	C(RTE_MBUF_DEFAULT_DATAROOM, 0x800ULL) \
	C(RTE_MBUF_DEFAULT_BUF_SIZE, 0x880ULL) \
	C(RTE_MBUF_MAX_NB_SEGS, 0xffffULL) \
	C(RTE_MBUF_PORT_INVALID, 0xffffULL) \
	C(RTE_PKTMBUF_HEADROOM, 0x80ULL) \
	C(RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF, 0x1ULL) \
	C(RTE_MBUF_DYN_NAMESIZE, 0x40ULL) \
	C(RTE_ETHER_ADDR_LEN, 0x6ULL) \
	C(RTE_ETHER_HDR_LEN, 0xeULL) \
	C(RTE_ETHER_MTU, 0x5dcULL) \
	C(RTE_ETHER_MAX_LEN, 0x5eeULL) \
	C(RTE_ETHER_MIN_LEN, 0x40ULL) \
	C(RTE_ETHER_CRC_LEN, 0x4ULL) \
	C(RTE_VLAN_HLEN, 0x4ULL) \
	C(RTE_ETHER_MAX_JUMBO_FRAME_LEN, 0x3f00ULL) \
	C(RTE_ETHER_TYPE_IPV4, 0x800ULL) \
	C(RTE_ETHER_TYPE_IPV6, 0x86ddULL) \
	C(RTE_ETHER_TYPE_ARP, 0x806ULL) \
	C(RTE_ETHER_TYPE_VLAN, 0x8100ULL) \
	C(RTE_ETHER_TYPE_QINQ, 0x88a8ULL) \
	C(RTE_ETHER_TYPE_LLDP, 0x88ccULL) \
	C(RTE_ETHER_TYPE_1588, 0x88f7ULL) \
	C(RTE_ETHER_TYPE_ECPRI, 0xaefeULL) \
	C(RTE_ETHER_ADDR_FMT_SIZE, 0x12ULL) \
	C(RTE_IPV4_HDR_DF_FLAG, 0x4000ULL) \
	C(RTE_IPV4_HDR_MF_FLAG, 0x2000ULL) \
	C(RTE_IPV4_HDR_OFFSET_MASK, 0x1fffULL) \
	C(RTE_IPV4_MIN_IHL, 0x5ULL) \
	C(RTE_IPV4_VHL_DEF, 0x45ULL) \
	C(RTE_IPV6_HDR_TC_MASK, 0xff00000ULL) \
	C(RTE_IPV6_HDR_FL_MASK, 0xfffffULL) \
	C(RTE_IPV6_FRAG_HDR_SIZE, 0x8ULL) \
	C(RTE_IPV6_MIN_MTU, 0x500ULL) \
	C(RTE_TCP_SYN_FLAG, 0x2ULL) \
	C(RTE_TCP_ACK_FLAG, 0x10ULL) \
	C(RTE_TCP_FIN_FLAG, 0x1ULL) \
	C(RTE_TCP_CWR_FLAG, 0x80ULL) \
	C(RTE_BIG_ENDIAN, 0x1ULL) \
	C(RTE_LITTLE_ENDIAN, 0x2ULL) \
	C(RTE_BYTE_ORDER, 0x2ULL)
