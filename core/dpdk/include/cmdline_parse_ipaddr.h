/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK 22.11's IP address tokens (cmdline_parse_ipaddr.h), written for hugemem. */
#ifndef _PARSE_IPADDR_H_
#define _PARSE_IPADDR_H_

#include <netinet/in.h>
#include <stdint.h>

#include <cmdline_parse.h>
#include <rte_ip.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CMDLINE_IPADDR_V4      0x01
#define CMDLINE_IPADDR_V6      0x02
#define CMDLINE_IPADDR_NETWORK 0x04 /* ADDR/PREFIXLEN */

struct cmdline_ipaddr {
	uint8_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr ipv4;
		struct in6_addr ipv6;
	} addr;
	unsigned int prefixlen; /* networks only */
};
typedef struct cmdline_ipaddr cmdline_ipaddr_t;

struct cmdline_token_ipaddr_data {
	uint8_t flags;
};

struct cmdline_token_ipaddr {
	struct cmdline_token_hdr hdr;
	struct cmdline_token_ipaddr_data ipaddr_data;
};
typedef struct cmdline_token_ipaddr cmdline_parse_token_ipaddr_t;

extern struct cmdline_token_ops cmdline_token_ipaddr_ops;

/** An address (or network) of the families the flags allow. @return its length, or -1. */
int cmdline_parse_ipaddr(cmdline_parse_token_hdr_t *tk, const char *srcbuf, void *res,
			 unsigned int ressize);
int cmdline_get_help_ipaddr(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size);

#define TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, flags) \
	{ { &cmdline_token_ipaddr_ops, offsetof(structure, field) }, { flags } }
#define TOKEN_IPADDR_INITIALIZER(structure, field) \
	TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, CMDLINE_IPADDR_V4 | CMDLINE_IPADDR_V6)
#define TOKEN_IPV4_INITIALIZER(structure, field) \
	TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, CMDLINE_IPADDR_V4)
#define TOKEN_IPV6_INITIALIZER(structure, field) \
	TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, CMDLINE_IPADDR_V6)
#define TOKEN_IPNET_INITIALIZER(structure, field) \
	TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, \
		CMDLINE_IPADDR_V4 | CMDLINE_IPADDR_V6 | CMDLINE_IPADDR_NETWORK)
#define TOKEN_IPV4NET_INITIALIZER(structure, field) \
	TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, CMDLINE_IPADDR_V4 | CMDLINE_IPADDR_NETWORK)
/* IPv6 networks (DPDK 22.11's macro says V4 | NETWORK, which takes IPv4 networks) */
#define TOKEN_IPV6NET_INITIALIZER(structure, field) \
	TOKEN_IPADDR_FLAGS_INITIALIZER_(structure, field, CMDLINE_IPADDR_V6 | CMDLINE_IPADDR_NETWORK)

#ifdef __cplusplus
}
#endif
#endif /* _PARSE_IPADDR_H_ */
