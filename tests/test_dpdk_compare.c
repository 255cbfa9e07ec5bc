/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built only with -Ddpdk_compare (libdpdk installed), against DPDK's OWN
 * headers, never hugemem's: the layout table of dpdk_layout.h, which the
 * layer's test holds hugemem to, must be DPDK's. Exit 0 when every offset and
 * size and every constant agrees; one line per disagreement otherwise.
 */
#include <stddef.h>
#include <stdio.h>

#include <cmdline_parse.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_fbarray.h>
#include <rte_ip.h>
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

static int bad;

#define CMP_FIELD(s, f, off, dsz, hsz) \
	if (offsetof(struct s, f) != (off) || sizeof(((struct s *)0)->f) != (dsz)) { \
		printf("DPDK %s.%s: offset %zu size %zu; table: offset %d size %d\n", #s, #f, \
		       offsetof(struct s, f), sizeof(((struct s *)0)->f), off, dsz); \
		bad++; \
	}
#define CMP_SIZE(s, dsz, hsz) \
	if (sizeof(struct s) != (dsz)) { \
		printf("DPDK sizeof(struct %s) %zu; table %d\n", #s, sizeof(struct s), dsz); \
		bad++; \
	}

#define CMP_CONST(n, v) \
	if ((unsigned long long)(n) != (v)) { \
		printf("DPDK %s = %#llx; table %#llx\n", #n, (unsigned long long)(n), \
		       (unsigned long long)(v)); \
		bad++; \
	}

int
main(void)
{
	DPDK_LAYOUT(CMP_FIELD, CMP_SIZE)
	DPDK_CONSTANTS(CMP_CONST)
	if (bad == 0)
		printf("dpdk_layout.h agrees with the installed DPDK's headers\n");
	return bad != 0;
}
