/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_ether.h's three functions: a random locally administered address, and
 * an address to and from its text form.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_random.h>

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
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* @p n hex digits at @p s into @p v. @return 0 or -1. */
static int
hexn(const char *s, unsigned int n, unsigned int *v)
{
	*v = 0;
	for (unsigned int i = 0; i < n; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return -1;
		*v = *v << 4 | (unsigned int)h;
	}
	return 0;
}

int
rte_ether_unformat_addr(const char *s, struct rte_ether_addr *ea)
{
	unsigned int v;

	if (s == NULL || ea == NULL)
		goto bad;
	if (strlen(s) == 17 && (s[2] == ':' || s[2] == '-')) {
		/* XX:XX:XX:XX:XX:XX (or with '-') */
		for (int i = 0; i < 6; i++) {
			if (hexn(s + 3 * i, 2, &v) < 0 || (i < 5 && s[3 * i + 2] != s[2]))
				goto bad;
			ea->addr_bytes[i] = (uint8_t)v;
		}
		return 0;
	}
	if (strlen(s) == 14 && s[4] == ':' && s[9] == ':') {
		/* XXXX:XXXX:XXXX */
		for (int i = 0; i < 3; i++) {
			if (hexn(s + 5 * i, 4, &v) < 0)
				goto bad;
			ea->addr_bytes[2 * i] = (uint8_t)(v >> 8);
			ea->addr_bytes[2 * i + 1] = (uint8_t)v;
		}
		return 0;
	}
bad:
	rte_errno = EINVAL;
	return -1;
}
