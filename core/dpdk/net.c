/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The functions of rte_ether.h that are not inline: random, formatted and
 * parsed MAC addresses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_random.h>

#include "dpdk_i.h"

void
rte_eth_random_addr(uint8_t *addr)
{
	uint64_t r = rte_rand();

	if (addr == NULL)
		return;
	memcpy(addr, &r, RTE_ETHER_ADDR_LEN);
	addr[0] &= (uint8_t)~RTE_ETHER_GROUP_ADDR;  /* unicast */
	addr[0] |= RTE_ETHER_LOCAL_ADMIN_ADDR;      /* locally administered */
}

void
rte_ether_format_addr(char *buf, uint16_t size, const struct rte_ether_addr *eth_addr)
{
	if (buf == NULL || size == 0 || eth_addr == NULL)
		return;
	snprintf(buf, size, RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(eth_addr));
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse @p groups groups of @p digits hex digits separated by ':' and nothing
 * else into out[]. @return 0 or -1. */
static int
parse_groups(const char *s, unsigned int groups, unsigned int digits, uint8_t out[6])
{
	unsigned int g, d, nib = 0;

	for (g = 0; g < groups; g++) {
		if (g > 0 && *s++ != ':')
			return -1;
		for (d = 0; d < digits; d++) {
			int v = hexval(*s++);
			if (v < 0)
				return -1;
			if (nib % 2 == 0)
				out[nib / 2] = (uint8_t)(v << 4);
			else
				out[nib / 2] |= (uint8_t)v;
			nib++;
		}
	}
	return *s == '\0' ? 0 : -1;
}

int
rte_ether_unformat_addr(const char *str, struct rte_ether_addr *eth_addr)
{
	uint8_t b[6];

	if (str == NULL || eth_addr == NULL ||
	    (parse_groups(str, 6, 2, b) != 0 && parse_groups(str, 3, 4, b) != 0)) {
		rte_errno = EINVAL;
		return -1;
	}
	memcpy(eth_addr->addr_bytes, b, sizeof(b));
	return 0;
}
