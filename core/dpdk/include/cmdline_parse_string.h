/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK 22.11's string tokens (cmdline_parse_string.h), written for hugemem. */
#ifndef _PARSE_STRING_H_
#define _PARSE_STRING_H_

#include <cmdline_parse.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STR_TOKEN_SIZE 128        /* bytes of a parsed word, NUL included */
#define STR_MULTI_TOKEN_SIZE 4096 /* bytes of a TOKEN_STRING_MULTI result */

typedef char cmdline_fixed_string_t[STR_TOKEN_SIZE];
typedef char cmdline_multi_string_t[STR_MULTI_TOKEN_SIZE];

/** str: NULL (any word), "a#b#c" (one of those words), or TOKEN_STRING_MULTI. */
struct cmdline_token_string_data {
	const char *str;
};

struct cmdline_token_string {
	struct cmdline_token_hdr hdr;
	struct cmdline_token_string_data string_data;
};
typedef struct cmdline_token_string cmdline_parse_token_string_t;

extern struct cmdline_token_ops cmdline_token_string_ops;

/** The word (or, MULTI, the rest of the line up to '#'); its length or -1. */
int cmdline_parse_string(cmdline_parse_token_hdr_t *tk, const char *srcbuf, void *res,
			 unsigned int ressize);
int cmdline_complete_get_nb_string(cmdline_parse_token_hdr_t *tk);
int cmdline_complete_get_elt_string(cmdline_parse_token_hdr_t *tk, int idx, char *dstbuf,
				    unsigned int size);
int cmdline_get_help_string(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size);

/** The rest of the line, up to a '#' (field of type cmdline_multi_string_t). */
#define TOKEN_STRING_MULTI ""

#define TOKEN_STRING_INITIALIZER(structure, field, string) \
	{ { &cmdline_token_string_ops, offsetof(structure, field) }, { string } }

#ifdef __cplusplus
}
#endif
#endif /* _PARSE_STRING_H_ */
