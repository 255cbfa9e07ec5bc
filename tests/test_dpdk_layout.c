/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every field of the structs DPDK applications read directly (rte_memzone,
 * rte_memseg, rte_memseg_list, rte_fbarray, rte_malloc_socket_stats, rte_ring
 * and its head/tail variants, rte_mempool and its cache, object and chunk
 * headers and ops table, rte_mbuf and its shared info, dynamic field/flag
 * descriptors, the net headers) sits at DPDK 22.11's offset with DPDK's size in
 * hugemem's DPDK layer: the table of dpdk_layout.h, checked at build time
 * (static asserts) and reported here. Also the constants whose values
 * applications compile in (DPDK_CONSTANTS: each equal to DPDK's value).
 */
#include <stddef.h>
#include <stdio.h>

#include <cmdline_parse.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_memzone.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_tailq.h>
#include <rte_timer.h>

#include "dpdk_layout.h"
#include "helpers.h"

#define CHECK_FIELD(s, f, off, dsz, hsz) \
	_Static_assert(offsetof(struct s, f) == (off), #s "." #f " offset"); \
	_Static_assert(sizeof(((struct s *)0)->f) == (hsz), #s "." #f " size");
#define CHECK_SIZE(s, dsz, hsz) _Static_assert(sizeof(struct s) == (hsz), #s " size");
DPDK_LAYOUT(CHECK_FIELD, CHECK_SIZE)

struct row {
	const char *s, *f;
	size_t off, want_off, size, want_size;
};

#define ROW_FIELD(s, f, off, dsz, hsz) \
	{ #s, #f, offsetof(struct s, f), off, sizeof(((struct s *)0)->f), hsz },
#define ROW_SIZE(s, dsz, hsz) { #s, "sizeof", 0, 0, sizeof(struct s), hsz },
static const struct row rows[] = { DPDK_LAYOUT(ROW_FIELD, ROW_SIZE) };

struct constant {
	const char *name;
	unsigned long long value, want;
};

#define ROW_CONST(n, v) { #n, (unsigned long long)(n), v },
static const struct constant constants[] = { DPDK_CONSTANTS(ROW_CONST) };

static void
test_dpdk_layout_offsets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		if (r->off != r->want_off || r->size != r->want_size)
			fail_msg("%s.%s: offset %zu size %zu, DPDK 22.11: offset %zu size %zu", r->s,
				 r->f, r->off, r->size, r->want_off, r->want_size);
	}
}

static void
test_dpdk_layout_constants(void **state)
{
	(void)state;
	/* values applications compile in (DPDK 22.11's) */
	assert_int_equal(RTE_MAX_LCORE, 128);
	assert_int_equal(RTE_MAX_NUMA_NODES, 32);
	assert_int_equal(RTE_CACHE_LINE_SIZE, 64);
	assert_int_equal(RTE_MAX_MEMZONE, 2560);
	assert_int_equal(RTE_MAX_HEAPS, 32);
	assert_int_equal(RTE_MAX_MEMSEG_LISTS, 128);
	assert_int_equal(RTE_MEMZONE_NAMESIZE, 32);
	assert_int_equal(RTE_FBARRAY_NAME_LEN, 64);
	assert_int_equal(RTE_MEMZONE_2MB, 0x1);
	assert_int_equal(RTE_MEMZONE_1GB, 0x2);
	assert_int_equal(RTE_MEMZONE_SIZE_HINT_ONLY, 0x4);
	assert_int_equal(RTE_MEMZONE_16MB, 0x100);
	assert_int_equal(RTE_MEMZONE_16GB, 0x200);
	assert_int_equal(RTE_MEMZONE_256KB, 0x10000);
	assert_int_equal(RTE_MEMZONE_256MB, 0x20000);
	assert_int_equal(RTE_MEMZONE_512MB, 0x40000);
	assert_int_equal(RTE_MEMZONE_4GB, 0x80000);
	assert_int_equal(RTE_MEMZONE_IOVA_CONTIG, 0x100000);
	assert_int_equal(RTE_MEMSEG_FLAG_DO_NOT_FREE, 1);
	assert_int_equal(RTE_MEMSEG_FLAG_DIRTY, 2);
	assert_int_equal(SOCKET_ID_ANY, -1);
	assert_int_equal(LCORE_ID_ANY, UINT32_MAX);
	assert_int_equal(RTE_MEM_EVENT_ALLOC, 0);
	assert_int_equal(RTE_MEM_EVENT_FREE, 1);
	assert_int_equal(RTE_IOVA_PA, 1);
	assert_int_equal(RTE_IOVA_VA, 2);
	assert_int_equal(RTE_PROC_PRIMARY, 0);
	assert_int_equal(ROLE_RTE, 0);
	assert_int_equal(ROLE_OFF, 1);
	assert_int_equal(ROLE_SERVICE, 2);
	assert_int_equal(ROLE_NON_EAL, 3);
	assert_int_equal(WAIT, 0);
	assert_int_equal(RUNNING, 1);
	assert_int_equal(E_RTE_SECONDARY, 1001);
	assert_int_equal(E_RTE_NO_CONFIG, 1002);
	assert_int_equal(RTE_LOG_EMERG, 1);
	assert_int_equal(RTE_LOG_DEBUG, 8);
	assert_int_equal(RTE_LOGTYPE_USER1, 24);
	assert_int_equal(RTE_LOGTYPE_FIRST_EXT_ID, 32);
	assert_int_equal(RTE_BAD_IOVA, UINT64_MAX);
	assert_int_equal(RTE_PGSIZE_2M, 2u << 20);
	int bad = 0;
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
		if (constants[i].value != constants[i].want) {
			print_error("%s = %#llx, DPDK 22.11: %#llx\n", constants[i].name,
				    constants[i].value, constants[i].want);
			bad++;
		}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpdk_layout_offsets),
		cmocka_unit_test(test_dpdk_layout_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
