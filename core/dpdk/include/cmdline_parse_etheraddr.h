/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK 22.11's Ethernet address tokens (cmdline_parse_etheraddr.h), written for hugemem. */
#ifndef _PARSE_ETHERADDR_H_
#define _PARSE_ETHERADDR_H_

#include <cmdline_parse.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cmdline_token_etheraddr {
	struct cmdline_token_hdr hdr;
};
typedef struct cmdline_token_etheraddr cmdline_parse_token_etheraddr_t;

extern struct cmdline_token_ops cmdline_token_etheraddr_ops;

/**
 * XX:XX:XX:XX:XX:XX or XXXX:XXXX:XXXX (hex digits) into a struct
 * rte_ether_addr. @return its length, or -1.
 */
int cmdline_parse_etheraddr(cmdline_parse_token_hdr_t *tk, const char *srcbuf, void *res,
			    unsigned int ressize);
int cmdline_get_help_etheraddr(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size);

#define TOKEN_ETHERADDR_INITIALIZER(structure, field) \
	{ { &cmdline_token_etheraddr_ops, offsetof(structure, field) } }

#ifdef __cplusplus
}
#endif
#endif /* _PARSE_ETHERADDR_H_ */
