/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's layout of the structs applications read directly, for the
 * layer's test (test_dpdk_layout: hugemem's headers must match) and for the
 * optional cross-check against an installed DPDK (test_dpdk_compare,
 * -Ddpdk_compare): the table must match DPDK's own headers.
 *
 * FIELD(struct, member, offset, dpdk_size, hugemem_size)
 * SIZE(struct, dpdk_sizeof, hugemem_sizeof)
 * The hugemem sizes differ from DPDK's in two documented places
 * (docs/dpdk-compat.md): rte_fbarray's lock is 8 bytes (DPDK: 4, inside the
 * same 96-byte struct) and rte_memseg keeps the backend's page handle after
 * DPDK's 48 bytes.
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
	SIZE(rte_malloc_socket_stats, 40, 40)
