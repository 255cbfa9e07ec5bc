/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cmdline parser (cmdline_parse.h) and its token types: strings, numbers,
 * IP addresses, Ethernet addresses.
 *
 * A line is matched against every instance of the context: an instance matches
 * when each of its tokens parses the next word (blanks between words) and only
 * blanks, a comment ('#...') or the end of the line follow. One match runs;
 * two are ambiguous; an instance whose first token matched but not the rest
 * makes the line "bad arguments"; otherwise "not found". Token parsers never
 * read past the NUL of the line, and write at most ressize bytes of result.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse.h>
#include <cmdline_parse_etheraddr.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_ether.h>
#include <rte_string_fns.h>

#include "cmdline_i.h"

#define MAX_TOKENS 256 /* tokens of an instance the parser follows */

static bool
isblank2(char c)
{
	return c == ' ' || c == '\t';
}

static bool
isendofline(char c)
{
	return c == '\n' || c == '\r';
}

int
cmdline_isendoftoken(char c)
{
	return c == '\0' || c == '#' || isblank2(c) || isendofline(c);
}

int
cmdline_isendofcommand(char c)
{
	return c == '\0' || c == '#' || isendofline(c);
}

static unsigned int
token_len(const char *buf)
{
	unsigned int n = 0;

	while (!cmdline_isendoftoken(buf[n]))
		n++;
	return n;
}

/*
 * Match @p inst against @p buf, results in @p res (CMDLINE_PARSE_RESULT_BUFSIZE).
 * @return 0 (the whole line), k > 0 (k tokens matched, then a token or the end
 *   failed), -1 (the first token failed, or the instance is unusable).
 */
static int
match_inst(cmdline_parse_inst_t *inst, const char *buf, char *res)
{
	unsigned int i;

	for (i = 0; i < MAX_TOKENS && inst->tokens[i] != NULL; i++) {
		cmdline_parse_token_hdr_t *tk = inst->tokens[i];
		int n;

		if (tk->ops == NULL || tk->ops->parse == NULL ||
		    tk->offset >= CMDLINE_PARSE_RESULT_BUFSIZE)
			return i > 0 ? (int)i : -1;
		while (isblank2(*buf))
			buf++;
		if (cmdline_isendofcommand(*buf))
			return i > 0 ? (int)i : -1; /* too few words */
		n = tk->ops->parse(tk, buf, res != NULL ? res + tk->offset : NULL,
				   CMDLINE_PARSE_RESULT_BUFSIZE - tk->offset);
		if (n <= 0)
			return i > 0 ? (int)i : -1;
		buf += n;
	}
	if (i == 0)
		return -1; /* an instance with no token matches nothing */
	while (isblank2(*buf))
		buf++;
	return cmdline_isendofcommand(*buf) ? 0 : (int)i; /* words left over */
}

static int
parse(struct cmdline *cl, const char *buf, bool run)
{
	/* on the stack: a callback may parse another line */
	union {
		char buf[CMDLINE_PARSE_RESULT_BUFSIZE];
		long double align; /* results hold any type */
	} tmp, result;
	cmdline_parse_inst_t *found = NULL;
	bool bad_args = false;
	const char *p;

	if (cl == NULL || buf == NULL || cl->ctx == NULL)
		return CMDLINE_PARSE_BAD_ARGS;
	for (p = buf; isblank2(*p); p++)
		;
	if (cmdline_isendofcommand(*p))
		return CMDLINE_PARSE_SUCCESS; /* empty line or comment */
	for (cmdline_parse_inst_t **ip = cl->ctx; *ip != NULL; ip++) {
		int m;

		memset(tmp.buf, 0, sizeof(tmp.buf));
		m = match_inst(*ip, p, tmp.buf);
		if (m > 0)
			bad_args = true;
		if (m != 0)
			continue;
		if (found != NULL)
			return CMDLINE_PARSE_AMBIGUOUS;
		found = *ip;
		memcpy(result.buf, tmp.buf, sizeof(result.buf));
	}
	if (found == NULL)
		return bad_args ? CMDLINE_PARSE_BAD_ARGS : CMDLINE_PARSE_NOMATCH;
	if (run && found->f != NULL)
		found->f(result.buf, cl, found->data);
	return CMDLINE_PARSE_SUCCESS;
}

int
cmdline_parse(struct cmdline *cl, const char *buf)
{
	return parse(cl, buf, true);
}

int
cmdline_parse_check(struct cmdline *cl, const char *buf)
{
	return parse(cl, buf, false);
}

/*
 * Completion: the instances whose tokens match every complete word of @p buf
 * offer the choices of their next token that start with the last (partial)
 * word. *state 0: the completed part when exactly one choice fits (or their
 * common prefix is longer than the word); else choice number *state - 1 per call.
 */
struct choices {
	const char *word;     /* the partial word */
	unsigned int wlen;
	char common[STR_TOKEN_SIZE];
	int n;                /* choices seen */
	int want;             /* index to copy into pick, or -1 */
	char pick[STR_TOKEN_SIZE];
};

static void
offer(struct choices *c, const char *s)
{
	size_t k;

	if (strncmp(s, c->word, c->wlen) != 0)
		return;
	if (c->n == 0) {
		snprintf(c->common, sizeof(c->common), "%s", s);
	} else {
		for (k = 0; c->common[k] != '\0' && c->common[k] == s[k]; k++)
			;
		c->common[k] = '\0';
	}
	if (c->n == c->want)
		snprintf(c->pick, sizeof(c->pick), "%s", s);
	c->n++;
}

static void
collect(struct cmdline *cl, const char *buf, unsigned int line_len, struct choices *c)
{
	for (cmdline_parse_inst_t **ip = cl->ctx; *ip != NULL; ip++) {
		const char *p = buf;
		unsigned int i;

		for (i = 0; i < MAX_TOKENS && (*ip)->tokens[i] != NULL; i++) {
			cmdline_parse_token_hdr_t *tk = (*ip)->tokens[i];
			int n;

			while (isblank2(*p))
				p++;
			if (p >= c->word)
				break; /* the partial word: complete this token */
			if (tk->ops == NULL || tk->ops->parse == NULL)
				break;
			n = tk->ops->parse(tk, p, NULL, 0);
			if (n <= 0 || p + n > buf + line_len)
				break;
			p += n;
		}
		if (i >= MAX_TOKENS || (*ip)->tokens[i] == NULL || p < c->word)
			continue;
		cmdline_parse_token_hdr_t *tk = (*ip)->tokens[i];
		if (tk->ops == NULL || tk->ops->complete_get_nb == NULL ||
		    tk->ops->complete_get_elt == NULL)
			continue;
		int nb = tk->ops->complete_get_nb(tk);
		for (int k = 0; k < nb && k < MAX_TOKENS; k++) {
			char s[STR_TOKEN_SIZE];
			if (tk->ops->complete_get_elt(tk, k, s, sizeof(s)) == 0)
				offer(c, s);
		}
	}
}

int
cmdline_complete(struct cmdline *cl, const char *buf, int *state, char *dst, unsigned int size)
{
	struct choices c;
	unsigned int len;

	if (cl == NULL || cl->ctx == NULL || buf == NULL || state == NULL || dst == NULL ||
	    size == 0 || *state < 0)
		return -1;
	len = (unsigned int)strnlen(buf, CMDLINE_PARSE_RESULT_BUFSIZE);
	memset(&c, 0, sizeof(c));
	c.word = buf + len;
	while (c.word > buf && !cmdline_isendoftoken(c.word[-1]))
		c.word--;
	for (const char *q = buf; q < c.word; q++)
		if (*q == '#' || isendofline(*q))
			return CMDLINE_PARSE_COMPLETE_FINISHED; /* in a comment */
	c.wlen = (unsigned int)(buf + len - c.word);
	c.want = *state > 0 ? *state - 1 : -1;
	collect(cl, buf, len, &c);
	if (*state == 0) {
		if (c.n > 0 && strlen(c.common) > c.wlen) {
			snprintf(dst, size, "%s%s", c.common + c.wlen, c.n == 1 ? " " : "");
			return CMDLINE_PARSE_COMPLETED_BUFFER;
		}
		*state = 1;
		c.want = 0;
		c.n = 0;
		collect(cl, buf, len, &c);
	}
	if (c.want >= c.n)
		return CMDLINE_PARSE_COMPLETE_FINISHED;
	snprintf(dst, size, "%s", c.pick);
	(*state)++;
	return CMDLINE_PARSE_COMPLETE_AGAIN;
}

/* ---------------------------------------------------------------- strings */

struct cmdline_token_ops cmdline_token_string_ops = {
	.parse = cmdline_parse_string,
	.complete_get_nb = cmdline_complete_get_nb_string,
	.complete_get_elt = cmdline_complete_get_elt_string,
	.get_help = cmdline_get_help_string,
};

/* The @p idx-th choice of "a#b#c" and its length; NULL past the end. */
static const char *
choice(const char *str, int idx, unsigned int *len)
{
	for (int i = 0; str != NULL; i++) {
		const char *end = strchr(str, '#');
		if (i == idx) {
			*len = end != NULL ? (unsigned int)(end - str) : (unsigned int)strlen(str);
			return str;
		}
		str = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

int
cmdline_parse_string(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
		     unsigned int ressize)
{
	const char *str;
	unsigned int n, clen;

	if (tk == NULL || buf == NULL || *buf == '\0')
		return -1;
	str = ((struct cmdline_token_string *)tk)->string_data.str;
	if (str != NULL && str[0] == '\0') { /* TOKEN_STRING_MULTI: up to '#' or the end */
		for (n = 0; !cmdline_isendofcommand(buf[n]); n++)
			;
		while (n > 0 && isblank2(buf[n - 1]))
			n--;
		if (n == 0 || n >= STR_MULTI_TOKEN_SIZE)
			return -1;
		if (res != NULL) {
			if (ressize < STR_MULTI_TOKEN_SIZE)
				return -1;
			memcpy(res, buf, n);
			((char *)res)[n] = '\0';
		}
		return (int)n;
	}
	n = token_len(buf);
	if (n == 0 || n >= STR_TOKEN_SIZE)
		return -1;
	if (str != NULL) {
		const char *c;
		bool ok = false;
		for (int i = 0; !ok && (c = choice(str, i, &clen)) != NULL; i++)
			ok = clen == n && strncmp(c, buf, n) == 0;
		if (!ok)
			return -1;
	}
	if (res != NULL) {
		if (ressize < STR_TOKEN_SIZE)
			return -1;
		memcpy(res, buf, n);
		((char *)res)[n] = '\0';
	}
	return (int)n;
}

int
cmdline_complete_get_nb_string(cmdline_parse_token_hdr_t *tk)
{
	const char *str;
	unsigned int len;
	int n = 0;

	if (tk == NULL)
		return -1;
	str = ((struct cmdline_token_string *)tk)->string_data.str;
	if (str == NULL || str[0] == '\0')
		return 0; /* any word: nothing to offer */
	while (choice(str, n, &len) != NULL)
		n++;
	return n;
}

int
cmdline_complete_get_elt_string(cmdline_parse_token_hdr_t *tk, int idx, char *dstbuf,
				unsigned int size)
{
	const char *str, *c;
	unsigned int len;

	if (tk == NULL || dstbuf == NULL || idx < 0)
		return -1;
	str = ((struct cmdline_token_string *)tk)->string_data.str;
	if (str == NULL || str[0] == '\0' || (c = choice(str, idx, &len)) == NULL || len + 1 > size)
		return -1;
	memcpy(dstbuf, c, len);
	dstbuf[len] = '\0';
	return 0;
}

int
cmdline_get_help_string(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size)
{
	const char *str;

	if (tk == NULL || dstbuf == NULL || size == 0)
		return -1;
	str = ((struct cmdline_token_string *)tk)->string_data.str;
	if (str == NULL)
		snprintf(dstbuf, size, "[string]");
	else if (str[0] == '\0')
		snprintf(dstbuf, size, "[multi-string]");
	else
		snprintf(dstbuf, size, "%s", str);
	return 0;
}

/* ---------------------------------------------------------------- numbers */

struct cmdline_token_ops cmdline_token_num_ops = {
	.parse = cmdline_parse_num,
	.complete_get_nb = NULL,
	.complete_get_elt = NULL,
	.get_help = cmdline_get_help_num,
};

static const struct {
	const char *name;
	unsigned int size;
	bool is_signed;
	uint64_t max; /* of the magnitude: positive values */
} num_types[] = {
	[RTE_UINT8] = { "UINT8", 1, false, UINT8_MAX },
	[RTE_UINT16] = { "UINT16", 2, false, UINT16_MAX },
	[RTE_UINT32] = { "UINT32", 4, false, UINT32_MAX },
	[RTE_UINT64] = { "UINT64", 8, false, UINT64_MAX },
	[RTE_INT8] = { "INT8", 1, true, INT8_MAX },
	[RTE_INT16] = { "INT16", 2, true, INT16_MAX },
	[RTE_INT32] = { "INT32", 4, true, INT32_MAX },
	[RTE_INT64] = { "INT64", 8, true, INT64_MAX },
};

int
cmdline_parse_num(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
		  unsigned int ressize)
{
	enum cmdline_numtype type;
	unsigned int n, i = 0, base = 10, digits = 0;
	uint64_t v = 0, limit;
	bool neg = false;

	if (tk == NULL || buf == NULL)
		return -1;
	type = ((struct cmdline_token_num *)tk)->num_data.type;
	if ((unsigned int)type >= sizeof(num_types) / sizeof(num_types[0]))
		return -1;
	n = token_len(buf);
	if (n == 0)
		return -1;
	if (buf[0] == '-') {
		if (!num_types[type].is_signed)
			return -1;
		neg = true;
		i = 1;
	}
	if (i + 1 < n && buf[i] == '0' && (buf[i + 1] == 'x' || buf[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (i + 1 < n && buf[i] == '0' && (buf[i + 1] == 'b' || buf[i + 1] == 'B')) {
		base = 2;
		i += 2;
	} else if (i + 1 < n && buf[i] == '0') {
		base = 8;
		i += 1;
	}
	/* a negative number may reach -(max + 1) */
	limit = num_types[type].max + (neg ? 1 : 0);
	for (; i < n; i++, digits++) {
		char ch = buf[i];
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a') + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A') + 10;
		else
			return -1;
		if (d >= base || v > (limit - d) / base)
			return -1; /* not a digit of the base, or out of range */
		v = v * base + d;
	}
	if (digits == 0)
		return -1;
	if (res != NULL) {
		union { uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64; } out;
		uint64_t x = neg ? (uint64_t)0 - v : v;

		if (ressize < num_types[type].size)
			return -1;
		switch (num_types[type].size) {
		case 1: out.u8 = (uint8_t)x; break;
		case 2: out.u16 = (uint16_t)x; break;
		case 4: out.u32 = (uint32_t)x; break;
		default: out.u64 = x; break;
		}
		memcpy(res, &out, num_types[type].size);
	}
	return (int)n;
}

int
cmdline_get_help_num(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size)
{
	enum cmdline_numtype type;

	if (tk == NULL || dstbuf == NULL || size == 0)
		return -1;
	type = ((struct cmdline_token_num *)tk)->num_data.type;
	if ((unsigned int)type >= sizeof(num_types) / sizeof(num_types[0]))
		return -1;
	snprintf(dstbuf, size, "%s", num_types[type].name);
	return 0;
}

/* ---------------------------------------------------------------- IP addresses */

struct cmdline_token_ops cmdline_token_ipaddr_ops = {
	.parse = cmdline_parse_ipaddr,
	.complete_get_nb = NULL,
	.complete_get_elt = NULL,
	.get_help = cmdline_get_help_ipaddr,
};

#define IPADDR_TOKEN_MAX (INET6_ADDRSTRLEN + 4) /* an address and "/128" */

int
cmdline_parse_ipaddr(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
		     unsigned int ressize)
{
	char word[IPADDR_TOKEN_MAX + 1], *slash;
	cmdline_ipaddr_t ip;
	unsigned int n, flags;

	if (tk == NULL || buf == NULL)
		return -1;
	flags = ((struct cmdline_token_ipaddr *)tk)->ipaddr_data.flags;
	n = token_len(buf);
	if (n == 0 || n > IPADDR_TOKEN_MAX)
		return -1;
	if (res != NULL && ressize < sizeof(cmdline_ipaddr_t))
		return -1;
	memcpy(word, buf, n);
	word[n] = '\0';
	memset(&ip, 0, sizeof(ip));
	slash = strchr(word, '/');
	if (slash != NULL) {
		char *end;
		unsigned long p;

		if (!(flags & CMDLINE_IPADDR_NETWORK) || slash[1] < '0' || slash[1] > '9')
			return -1;
		p = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || p > 128)
			return -1;
		ip.prefixlen = (unsigned int)p;
		*slash = '\0';
	} else if (flags & CMDLINE_IPADDR_NETWORK) {
		return -1; /* a network needs its prefix length */
	}
	if ((flags & CMDLINE_IPADDR_V4) && inet_pton(AF_INET, word, &ip.addr.ipv4) == 1) {
		if (slash != NULL && ip.prefixlen > 32)
			return -1;
		ip.family = AF_INET;
	} else if ((flags & CMDLINE_IPADDR_V6) && inet_pton(AF_INET6, word, &ip.addr.ipv6) == 1) {
		ip.family = AF_INET6;
	} else {
		return -1;
	}
	if (res != NULL)
		memcpy(res, &ip, sizeof(ip));
	return (int)n;
}

int
cmdline_get_help_ipaddr(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size)
{
	unsigned int flags;

	if (tk == NULL || dstbuf == NULL || size == 0)
		return -1;
	flags = ((struct cmdline_token_ipaddr *)tk)->ipaddr_data.flags;
	switch (flags) {
	case CMDLINE_IPADDR_V4: snprintf(dstbuf, size, "IPv4"); break;
	case CMDLINE_IPADDR_V6: snprintf(dstbuf, size, "IPv6"); break;
	case CMDLINE_IPADDR_V4 | CMDLINE_IPADDR_V6: snprintf(dstbuf, size, "IPv4/IPv6"); break;
	case CMDLINE_IPADDR_NETWORK | CMDLINE_IPADDR_V4: snprintf(dstbuf, size, "IPv4 network"); break;
	case CMDLINE_IPADDR_NETWORK | CMDLINE_IPADDR_V6: snprintf(dstbuf, size, "IPv6 network"); break;
	default: snprintf(dstbuf, size, "IPv4/IPv6 network"); break;
	}
	return 0;
}

/* ---------------------------------------------------------------- Ethernet addresses */

struct cmdline_token_ops cmdline_token_etheraddr_ops = {
	.parse = cmdline_parse_etheraddr,
	.complete_get_nb = NULL,
	.complete_get_elt = NULL,
	.get_help = cmdline_get_help_etheraddr,
};

#define ETHER_TOKEN_MAX 17 /* XX:XX:XX:XX:XX:XX */

int
cmdline_parse_etheraddr(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
			unsigned int ressize)
{
	char word[ETHER_TOKEN_MAX + 1];
	struct rte_ether_addr ea;
	unsigned int n;

	if (tk == NULL || buf == NULL)
		return -1;
	n = token_len(buf);
	if (n == 0 || n > ETHER_TOKEN_MAX)
		return -1;
	if (res != NULL && ressize < sizeof(ea))
		return -1;
	memcpy(word, buf, n);
	word[n] = '\0';
	if (rte_ether_unformat_addr(word, &ea) != 0)
		return -1;
	if (res != NULL)
		memcpy(res, &ea, sizeof(ea));
	return (int)n;
}

int
cmdline_get_help_etheraddr(cmdline_parse_token_hdr_t *tk, char *dstbuf, unsigned int size)
{
	if (tk == NULL || dstbuf == NULL || size == 0)
		return -1;
	snprintf(dstbuf, size, "Ethernet address");
	return 0;
}
