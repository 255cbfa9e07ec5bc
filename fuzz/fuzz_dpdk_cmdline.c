/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cmdline library's parser and line editor (no EAL needed): the bytes are
 * typed into a command line whose context has every token type (fixed choices,
 * any word, multi-word strings, the eight number types, IPv4/IPv6 addresses and
 * networks, Ethernet addresses), with the editing keys, escape sequences and
 * tab completion they contain. Each validated line must parse to one of the
 * four documented results, and a line that matched must have given its command
 * results that parse again to the same values (a number re-printed in decimal
 * parses to itself; an address keeps its family). Each token parser also reads
 * every word of the input on its own.
 */
#define ALLOW_EXPERIMENTAL_API 1 /* cmdline_parse_check */
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_etheraddr.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_ether.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct res_num {
	cmdline_fixed_string_t verb;
	int64_t i64;
	uint8_t u8;
	int16_t i16;
};

struct res_addr {
	cmdline_fixed_string_t verb;
	cmdline_ipaddr_t ip;
	cmdline_ipaddr_t net;
	struct rte_ether_addr mac;
};

struct res_text {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t word;
	cmdline_multi_string_t rest;
};

static cmdline_parse_token_string_t num_verb = TOKEN_STRING_INITIALIZER(struct res_num, verb, "num#n");
static cmdline_parse_token_num_t num_i64 = TOKEN_NUM_INITIALIZER(struct res_num, i64, RTE_INT64);
static cmdline_parse_token_num_t num_u8 = TOKEN_NUM_INITIALIZER(struct res_num, u8, RTE_UINT8);
static cmdline_parse_token_num_t num_i16 = TOKEN_NUM_INITIALIZER(struct res_num, i16, RTE_INT16);
static cmdline_parse_token_string_t addr_verb = TOKEN_STRING_INITIALIZER(struct res_addr, verb, "addr");
static cmdline_parse_token_ipaddr_t addr_ip = TOKEN_IPADDR_INITIALIZER(struct res_addr, ip);
static cmdline_parse_token_ipaddr_t addr_net = TOKEN_IPNET_INITIALIZER(struct res_addr, net);
static cmdline_parse_token_etheraddr_t addr_mac = TOKEN_ETHERADDR_INITIALIZER(struct res_addr, mac);
static cmdline_parse_token_string_t text_verb = TOKEN_STRING_INITIALIZER(struct res_text, verb, "say#s");
static cmdline_parse_token_string_t text_word = TOKEN_STRING_INITIALIZER(struct res_text, word, NULL);
static cmdline_parse_token_string_t text_rest = TOKEN_STRING_INITIALIZER(struct res_text, rest, TOKEN_STRING_MULTI);

static void
num_cb(void *r, struct cmdline *cl, void *data)
{
	struct res_num *res = r;
	char s[32];
	int64_t back = 0;

	(void)cl;
	(void)data;
	if (strcmp(res->verb, "num") != 0 && strcmp(res->verb, "n") != 0)
		abort();
	snprintf(s, sizeof(s), "%" PRId64, res->i64); /* decimal: parses to itself */
	if (cmdline_parse_num(&num_i64.hdr, s, &back, sizeof(back)) != (int)strlen(s) ||
	    back != res->i64)
		abort();
}

static void
addr_cb(void *r, struct cmdline *cl, void *data)
{
	struct res_addr *res = r;

	(void)cl;
	(void)data;
	if ((res->ip.family != AF_INET && res->ip.family != AF_INET6) ||
	    (res->net.family != AF_INET && res->net.family != AF_INET6) ||
	    res->net.prefixlen > (res->net.family == AF_INET ? 32u : 128u))
		abort();
}

static void
text_cb(void *r, struct cmdline *cl, void *data)
{
	struct res_text *res = r;

	(void)cl;
	(void)data;
	if (strlen(res->word) == 0 || strlen(res->word) >= STR_TOKEN_SIZE ||
	    strlen(res->rest) == 0 || strchr(res->rest, '#') != NULL)
		abort();
}

static cmdline_parse_inst_t cmd_num = {
	.f = num_cb, .data = NULL, .help_str = "num I64 U8 I16",
	.tokens = { (void *)&num_verb, (void *)&num_i64, (void *)&num_u8, (void *)&num_i16, NULL },
};
static cmdline_parse_inst_t cmd_addr = {
	.f = addr_cb, .data = NULL, .help_str = "addr IP NET MAC",
	.tokens = { (void *)&addr_verb, (void *)&addr_ip, (void *)&addr_net, (void *)&addr_mac, NULL },
};
static cmdline_parse_inst_t cmd_text = {
	.f = text_cb, .data = NULL, .help_str = "say WORD REST...",
	.tokens = { (void *)&text_verb, (void *)&text_word, (void *)&text_rest, NULL },
};
/* the same command twice: ambiguous when it matches */
static cmdline_parse_inst_t cmd_dup1 = {
	.f = NULL, .data = NULL, .help_str = "say twice",
	.tokens = { (void *)&text_verb, NULL },
};
static cmdline_parse_ctx_t ctx[] = { &cmd_num, &cmd_addr, &cmd_text, &cmd_dup1, &cmd_dup1, NULL };

static cmdline_parse_token_hdr_t *const all_tokens[] = {
	&num_verb.hdr, &num_i64.hdr, &num_u8.hdr, &num_i16.hdr, &addr_verb.hdr, &addr_ip.hdr,
	&addr_net.hdr, &addr_mac.hdr, &text_verb.hdr, &text_word.hdr, &text_rest.hdr,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1;
	static union {
		char buf[STR_MULTI_TOKEN_SIZE];
		long double align;
	} res;
	struct cmdline *cl;
	char *line;

	if (size > 4096)
		return 0;
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* the line editor and the parser, a byte at a time */
	cl = cmdline_new(ctx, "fuzz> ", 0, null_fd);
	if (cl == NULL)
		abort();
	for (size_t i = 0; i < size; i++) {
		if (cmdline_in(cl, (const char *)&data[i], 1) < 0)
			abort();
	}
	cmdline_free(cl);

	/* each line parsed directly, each word by each token type */
	line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	cl = cmdline_new(ctx, "fuzz> ", 0, null_fd);
	if (cl == NULL)
		abort();
	for (char *p = line; p < line + size; p += strlen(p) + 1) {
		int rc = cmdline_parse_check(cl, p);
		int state = 0;
		char dst[256];

		if (rc != CMDLINE_PARSE_SUCCESS && rc != CMDLINE_PARSE_AMBIGUOUS &&
		    rc != CMDLINE_PARSE_NOMATCH && rc != CMDLINE_PARSE_BAD_ARGS)
			abort();
		if (cmdline_parse(cl, p) != rc)
			abort(); /* running it gives the same answer */
		for (int k = 0; k < 64; k++) {
			int c = cmdline_complete(cl, p, &state, dst, sizeof(dst));
			if (c != CMDLINE_PARSE_COMPLETE_AGAIN)
				break;
			if (strlen(dst) >= sizeof(dst))
				abort();
		}
		for (const char *w = p; *w != '\0'; w++) {
			if (w != p && !cmdline_isendoftoken(w[-1]))
				continue;
			for (size_t t = 0; t < sizeof(all_tokens) / sizeof(all_tokens[0]); t++) {
				int n = all_tokens[t]->ops->parse(all_tokens[t], w, res.buf,
								 sizeof(res.buf));
				if (n > 0 && (size_t)n > strlen(w))
					abort(); /* read past the end of the line */
			}
		}
	}
	cmdline_free(cl);
	free(line);
	return 0;
}
