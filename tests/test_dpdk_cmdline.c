/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's cmdline library: each token type against good and hostile
 * words (lengths, ranges, bases, families, prefixes, result sizes; a random
 * model for numbers), the parser's four answers (run, ambiguous, not found, bad
 * arguments; comments and empty lines), the line editor (editing keys, history,
 * escape sequences, tab completion, overlong lines, Ctrl-D), command lines on
 * a pipe and on a file, and NULL everywhere. No EAL needed.
 */
#define ALLOW_EXPERIMENTAL_API 1
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_errno.h>
#include <rte_ether.h>

#include "helpers.h"

struct res {
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t name;
	uint32_t n;
	cmdline_ipaddr_t ip;
};

static int runs;
static struct res last;

static void
record(void *r, struct cmdline *cl, void *data)
{
	(void)cl;
	runs++;
	memcpy(&last, r, sizeof(last));
	if (data != NULL)
		cmdline_printf(cl, "%s\n", (const char *)data);
}

static cmdline_parse_token_string_t t_set = TOKEN_STRING_INITIALIZER(struct res, verb, "set#put");
static cmdline_parse_token_string_t t_name = TOKEN_STRING_INITIALIZER(struct res, name, NULL);
static cmdline_parse_token_num_t t_n = TOKEN_NUM_INITIALIZER(struct res, n, RTE_UINT32);
static cmdline_parse_token_ipaddr_t t_ip = TOKEN_IPV4_INITIALIZER(struct res, ip);
static cmdline_parse_token_string_t t_help = TOKEN_STRING_INITIALIZER(struct res, verb, "help");
static cmdline_parse_token_string_t t_dup = TOKEN_STRING_INITIALIZER(struct res, verb, "dup");

static cmdline_parse_inst_t c_set = {
	.f = record, .data = NULL, .help_str = "set NAME N IP",
	.tokens = { (void *)&t_set, (void *)&t_name, (void *)&t_n, (void *)&t_ip, NULL },
};
static cmdline_parse_inst_t c_help = {
	.f = record, .data = (void *)"helped", .help_str = "help",
	.tokens = { (void *)&t_help, NULL },
};
static cmdline_parse_inst_t c_dup = {
	.f = record, .data = NULL, .help_str = "dup",
	.tokens = { (void *)&t_dup, NULL },
};
static cmdline_parse_inst_t c_quit;
static cmdline_parse_ctx_t ctx[] = { &c_set, &c_help, &c_dup, &c_dup, &c_quit, NULL };

/* a token whose offset lies outside the result buffer: never matches */
static cmdline_parse_token_string_t t_bad_off = {
	{ &cmdline_token_string_ops, CMDLINE_PARSE_RESULT_BUFSIZE + 8 }, { "far" } };
static cmdline_parse_inst_t c_far = {
	.f = record, .data = NULL, .help_str = "far",
	.tokens = { (void *)&t_bad_off, NULL },
};
static cmdline_parse_inst_t c_empty = { .f = record, .data = NULL, .help_str = "", .tokens = { NULL } };
static cmdline_parse_ctx_t ctx_odd[] = { &c_far, &c_empty, NULL };

static void
quit_cb(void *r, struct cmdline *cl, void *data)
{
	(void)r;
	(void)data;
	cmdline_quit(cl);
}
static cmdline_parse_token_string_t t_quit = TOKEN_STRING_INITIALIZER(struct res, verb, "quit");
static cmdline_parse_inst_t c_quit = {
	.f = quit_cb, .data = NULL, .help_str = "quit",
	.tokens = { (void *)&t_quit, NULL },
};

/* ---------------------------------------------------------------- tokens */

static void
test_dpdk_cmdline_string_tokens(void **state)
{
	cmdline_fixed_string_t out;
	cmdline_multi_string_t multi;
	cmdline_parse_token_string_t any = TOKEN_STRING_INITIALIZER(struct res, name, NULL);
	cmdline_parse_token_string_t rest = TOKEN_STRING_INITIALIZER(struct res, name, TOKEN_STRING_MULTI);
	char longw[300], help[64];
	(void)state;

	assert_int_equal(cmdline_parse_string(&t_set.hdr, "set x", out, sizeof(out)), 3);
	assert_string_equal(out, "set");
	assert_int_equal(cmdline_parse_string(&t_set.hdr, "put", out, sizeof(out)), 3);
	assert_int_equal(cmdline_parse_string(&t_set.hdr, "se", out, sizeof(out)), -1);
	assert_int_equal(cmdline_parse_string(&t_set.hdr, "sets", out, sizeof(out)), -1);
	assert_int_equal(cmdline_parse_string(&t_set.hdr, "set#x", NULL, 0), 3); /* '#' ends it */
	assert_int_equal(cmdline_parse_string(&any.hdr, "hello\tworld", out, sizeof(out)), 5);
	assert_string_equal(out, "hello");
	/* bad input */
	assert_int_equal(cmdline_parse_string(&any.hdr, "", out, sizeof(out)), -1);
	assert_int_equal(cmdline_parse_string(&any.hdr, " x", out, sizeof(out)), -1);
	assert_int_equal(cmdline_parse_string(NULL, "x", out, sizeof(out)), -1);
	assert_int_equal(cmdline_parse_string(&any.hdr, NULL, out, sizeof(out)), -1);
	assert_int_equal(cmdline_parse_string(&any.hdr, "x", out, STR_TOKEN_SIZE - 1), -1);
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	longw[STR_TOKEN_SIZE - 1] = '\0'; /* 127 characters: fits */
	assert_int_equal(cmdline_parse_string(&any.hdr, longw, out, sizeof(out)), STR_TOKEN_SIZE - 1);
	longw[STR_TOKEN_SIZE - 1] = 'a'; /* 299: does not */
	strcpy(out, "unchanged");
	assert_int_equal(cmdline_parse_string(&any.hdr, longw, out, sizeof(out)), -1);
	assert_string_equal(out, "unchanged");
	/* multi: the rest of the line up to '#', blanks at its end dropped */
	assert_int_equal(cmdline_parse_string(&rest.hdr, "a b  c  # x\n", multi, sizeof(multi)), 6);
	assert_string_equal(multi, "a b  c");
	assert_int_equal(cmdline_parse_string(&rest.hdr, "a", multi, STR_TOKEN_SIZE), -1);
	assert_int_equal(cmdline_parse_string(&rest.hdr, "#", multi, sizeof(multi)), -1);
	/* choices */
	assert_int_equal(cmdline_complete_get_nb_string(&t_set.hdr), 2);
	assert_int_equal(cmdline_complete_get_elt_string(&t_set.hdr, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "put");
	assert_int_equal(cmdline_complete_get_elt_string(&t_set.hdr, 2, out, sizeof(out)), -1);
	assert_int_equal(cmdline_complete_get_elt_string(&t_set.hdr, -1, out, sizeof(out)), -1);
	assert_int_equal(cmdline_complete_get_elt_string(&t_set.hdr, 0, out, 3), -1); /* "set" + NUL */
	assert_int_equal(cmdline_complete_get_nb_string(&any.hdr), 0);
	assert_int_equal(cmdline_get_help_string(&t_set.hdr, help, sizeof(help)), 0);
	assert_string_equal(help, "set#put");
	assert_int_equal(cmdline_get_help_string(&any.hdr, help, sizeof(help)), 0);
	assert_string_equal(help, "[string]");
	assert_int_equal(cmdline_get_help_string(&any.hdr, NULL, 4), -1);
}

static void
test_dpdk_cmdline_num_tokens(void **state)
{
	static const struct {
		enum cmdline_numtype t;
		const char *s;
		int ok;
		int64_t v;
	} cases[] = {
		{ RTE_UINT8, "255", 1, 255 }, { RTE_UINT8, "256", 0, 0 }, { RTE_UINT8, "-1", 0, 0 },
		{ RTE_UINT8, "0xff", 1, 255 }, { RTE_UINT8, "0x100", 0, 0 }, { RTE_UINT8, "0b11", 1, 3 },
		{ RTE_UINT8, "010", 1, 8 }, { RTE_UINT8, "09", 0, 0 }, { RTE_UINT8, "0b2", 0, 0 },
		{ RTE_UINT8, "0x", 0, 0 }, { RTE_UINT8, "12a", 0, 0 }, { RTE_UINT8, "", 0, 0 },
		{ RTE_UINT8, "0", 1, 0 }, { RTE_INT8, "-128", 1, -128 }, { RTE_INT8, "-129", 0, 0 },
		{ RTE_INT8, "127", 1, 127 }, { RTE_INT8, "128", 0, 0 }, { RTE_INT8, "-", 0, 0 },
		{ RTE_INT8, "--1", 0, 0 }, { RTE_INT16, "-0x8000", 1, -32768 },
		{ RTE_UINT16, "65535", 1, 65535 }, { RTE_UINT32, "4294967296", 0, 0 },
		{ RTE_INT32, "-2147483648", 1, INT32_MIN }, { RTE_INT64, "-9223372036854775808", 1, INT64_MIN },
		{ RTE_INT64, "9223372036854775808", 0, 0 },
		{ RTE_UINT64, "18446744073709551616", 0, 0 },
		{ RTE_UINT64, "99999999999999999999999999", 0, 0 },
	};
	uint64_t u64;
	char help[32];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cmdline_parse_token_num_t tk = TOKEN_NUM_INITIALIZER(struct res, n, cases[i].t);
		union { int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32; uint32_t u32;
			int64_t i64; uint64_t u64; } out = { .u64 = 0x5a5a5a5a5a5a5a5aULL }, before = out;
		int rc = cmdline_parse_num(&tk.hdr, cases[i].s, &out, sizeof(out));
		int64_t got = 0;

		if (!cases[i].ok) {
			if (rc != -1)
				fail_msg("'%s' (type %d) parsed: %d", cases[i].s, cases[i].t, rc);
			assert_memory_equal(&out, &before, sizeof(out)); /* nothing written */
			continue;
		}
		assert_int_equal(rc, (int)strlen(cases[i].s));
		switch (cases[i].t) {
		case RTE_UINT8: got = out.u8; break;
		case RTE_UINT16: got = out.u16; break;
		case RTE_UINT32: got = out.u32; break;
		case RTE_UINT64: got = (int64_t)out.u64; break;
		case RTE_INT8: got = out.i8; break;
		case RTE_INT16: got = out.i16; break;
		case RTE_INT32: got = out.i32; break;
		case RTE_INT64: got = out.i64; break;
		}
		if (got != cases[i].v)
			fail_msg("'%s': %" PRId64 ", not %" PRId64, cases[i].s, got, cases[i].v);
	}
	/* a random model: any value of a type, printed in any base, comes back */
	cmdline_parse_token_num_t t64 = TOKEN_NUM_INITIALIZER(struct res, n, RTE_UINT64);
	uint64_t seed = hm_test_seed();
	for (int i = 0; i < 2000; i++) {
		uint64_t v = hm_test_rand(&seed) >> (hm_test_rand(&seed) % 64);
		char s[80];
		int base = (int)(hm_test_rand(&seed) % 4);

		if (base == 0)
			snprintf(s, sizeof(s), "%" PRIu64, v);
		else if (base == 1)
			snprintf(s, sizeof(s), "0x%" PRIx64, v);
		else if (base == 2)
			snprintf(s, sizeof(s), "0%" PRIo64, v);
		else {
			int k = 0;
			s[k++] = '0';
			s[k++] = 'b';
			for (int b = 63; b >= 0; b--)
				if (v >> b || b == 0)
					s[k++] = (char)('0' + ((v >> b) & 1));
			s[k] = '\0';
		}
		assert_int_equal(cmdline_parse_num(&t64.hdr, s, &u64, sizeof(u64)), (int)strlen(s));
		assert_true(u64 == v);
	}
	/* bad tokens and results */
	cmdline_parse_token_num_t t8 = TOKEN_NUM_INITIALIZER(struct res, n, RTE_UINT8);
	cmdline_parse_token_num_t tbad = TOKEN_NUM_INITIALIZER(struct res, n, (enum cmdline_numtype)99);
	assert_int_equal(cmdline_parse_num(&t64.hdr, "1", &u64, 7), -1);
	assert_int_equal(cmdline_parse_num(&t8.hdr, "1", NULL, 0), 1);
	assert_int_equal(cmdline_parse_num(&tbad.hdr, "1", &u64, sizeof(u64)), -1);
	assert_int_equal(cmdline_parse_num(NULL, "1", &u64, sizeof(u64)), -1);
	assert_int_equal(cmdline_parse_num(&t8.hdr, NULL, &u64, sizeof(u64)), -1);
	assert_int_equal(cmdline_get_help_num(&t8.hdr, help, sizeof(help)), 0);
	assert_string_equal(help, "UINT8");
	assert_int_equal(cmdline_get_help_num(&tbad.hdr, help, sizeof(help)), -1);
}

static void
test_dpdk_cmdline_address_tokens(void **state)
{
	cmdline_parse_token_ipaddr_t any = TOKEN_IPADDR_INITIALIZER(struct res, ip);
	cmdline_parse_token_ipaddr_t v4 = TOKEN_IPV4_INITIALIZER(struct res, ip);
	cmdline_parse_token_ipaddr_t v6 = TOKEN_IPV6_INITIALIZER(struct res, ip);
	cmdline_parse_token_ipaddr_t net = TOKEN_IPNET_INITIALIZER(struct res, ip);
	cmdline_parse_token_ipaddr_t net6 = TOKEN_IPV6NET_INITIALIZER(struct res, ip);
	cmdline_parse_token_etheraddr_t mac = TOKEN_ETHERADDR_INITIALIZER(struct res, ip);
	cmdline_ipaddr_t ip;
	struct rte_ether_addr ea;
	char help[32];
	(void)state;

	assert_int_equal(cmdline_parse_ipaddr(&any.hdr, "10.1.2.3 x", &ip, sizeof(ip)), 8);
	assert_int_equal(ip.family, AF_INET);
	assert_int_equal(ntohl(ip.addr.ipv4.s_addr), 0x0a010203);
	assert_int_equal(cmdline_parse_ipaddr(&any.hdr, "::1", &ip, sizeof(ip)), 3);
	assert_int_equal(ip.family, AF_INET6);
	assert_int_equal(ip.addr.ipv6.s6_addr[15], 1);
	assert_int_equal(cmdline_parse_ipaddr(&v4.hdr, "::1", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&v6.hdr, "1.2.3.4", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&v4.hdr, "1.2.3.4/8", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "10.0.0.0/8", &ip, sizeof(ip)), 10);
	assert_int_equal(ip.prefixlen, 8);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "10.0.0.0", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "10.0.0.0/33", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "10.0.0.0/", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "10.0.0.0/-1", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "10.0.0.0/8x", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net.hdr, "fe80::/129", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&net6.hdr, "fe80::/10", &ip, sizeof(ip)), 9);
	assert_int_equal(ip.prefixlen, 10);
	assert_int_equal(cmdline_parse_ipaddr(&net6.hdr, "10.0.0.0/8", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&any.hdr, "1.2.3", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&any.hdr, "256.1.1.1", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&any.hdr,
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(&any.hdr, "1.2.3.4", &ip, sizeof(ip) - 1), -1);
	assert_int_equal(cmdline_parse_ipaddr(&any.hdr, "", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_parse_ipaddr(NULL, "1.2.3.4", &ip, sizeof(ip)), -1);
	assert_int_equal(cmdline_get_help_ipaddr(&net6.hdr, help, sizeof(help)), 0);
	assert_string_equal(help, "IPv6 network");

	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "01:23:45:67:89:aB", &ea, sizeof(ea)), 17);
	assert_int_equal(ea.addr_bytes[0], 0x01);
	assert_int_equal(ea.addr_bytes[5], 0xab);
	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "0123:4567:89ab", &ea, sizeof(ea)), 14);
	assert_int_equal(ea.addr_bytes[4], 0x89);
	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "01:23:45:67:89", &ea, sizeof(ea)), -1);
	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "01:23:45:67:89:zz", &ea, sizeof(ea)), -1);
	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "01:23:45:67:89:ab:cd", &ea, sizeof(ea)), -1);
	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "01:23:45:67:89:ab", &ea, 5), -1);
	assert_int_equal(cmdline_parse_etheraddr(&mac.hdr, "", &ea, sizeof(ea)), -1);
	assert_int_equal(cmdline_parse_etheraddr(NULL, "01:23:45:67:89:ab", &ea, sizeof(ea)), -1);
	assert_int_equal(cmdline_get_help_etheraddr(&mac.hdr, help, sizeof(help)), 0);
}

/* ---------------------------------------------------------------- parser */

/* A command line writing to a pipe, and what it wrote. */
struct rig {
	struct cmdline *cl;
	int out[2];
};

static void
rig_open(struct rig *r, cmdline_parse_ctx_t *c)
{
	assert_int_equal(pipe2(r->out, O_CLOEXEC | O_NONBLOCK), 0);
	r->cl = cmdline_new(c, "> ", 0, r->out[1]);
	assert_non_null(r->cl);
}

static char *
rig_output(struct rig *r)
{
	static char buf[65536];
	ssize_t n = read(r->out[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
rig_close(struct rig *r)
{
	cmdline_free(r->cl);
	close(r->out[0]);
	close(r->out[1]);
}

static void
test_dpdk_cmdline_parse(void **state)
{
	struct rig r;
	(void)state;

	rig_open(&r, ctx);
	runs = 0;
	assert_int_equal(cmdline_parse(r.cl, "set eth0 42 10.0.0.1\n"), CMDLINE_PARSE_SUCCESS);
	assert_int_equal(runs, 1);
	assert_string_equal(last.verb, "set");
	assert_string_equal(last.name, "eth0");
	assert_int_equal(last.n, 42);
	assert_int_equal(last.ip.family, AF_INET);
	assert_int_equal(cmdline_parse(r.cl, "  put\tx 0x10 1.1.1.1   # comment"), CMDLINE_PARSE_SUCCESS);
	assert_int_equal(last.n, 16);
	assert_int_equal(cmdline_parse_check(r.cl, "set a 1 1.1.1.1"), CMDLINE_PARSE_SUCCESS);
	assert_int_equal(runs, 2); /* check does not run it */
	assert_int_equal(cmdline_parse(r.cl, "set a 1"), CMDLINE_PARSE_BAD_ARGS);         /* too few */
	assert_int_equal(cmdline_parse(r.cl, "set a 1 1.1.1.1 x"), CMDLINE_PARSE_BAD_ARGS); /* too many */
	assert_int_equal(cmdline_parse(r.cl, "set a -1 1.1.1.1"), CMDLINE_PARSE_BAD_ARGS);
	assert_int_equal(cmdline_parse(r.cl, "help me"), CMDLINE_PARSE_BAD_ARGS);
	assert_int_equal(cmdline_parse(r.cl, "frob"), CMDLINE_PARSE_NOMATCH);
	assert_int_equal(cmdline_parse(r.cl, "dup"), CMDLINE_PARSE_AMBIGUOUS);
	assert_int_equal(runs, 2);
	assert_int_equal(cmdline_parse(r.cl, ""), CMDLINE_PARSE_SUCCESS);
	assert_int_equal(cmdline_parse(r.cl, "   # only a comment\n"), CMDLINE_PARSE_SUCCESS);
	assert_int_equal(cmdline_parse(r.cl, "\n"), CMDLINE_PARSE_SUCCESS);
	assert_int_equal(runs, 2);
	assert_int_equal(cmdline_parse(r.cl, "help"), CMDLINE_PARSE_SUCCESS);
	assert_non_null(strstr(rig_output(&r), "helped\n")); /* the callback's data and cl */
	/* bad input */
	assert_int_equal(cmdline_parse(NULL, "help"), CMDLINE_PARSE_BAD_ARGS);
	assert_int_equal(cmdline_parse(r.cl, NULL), CMDLINE_PARSE_BAD_ARGS);
	assert_int_equal(cmdline_parse_check(NULL, NULL), CMDLINE_PARSE_BAD_ARGS);
	rig_close(&r);
	/* instances that can match nothing: a token past the result buffer, no tokens */
	rig_open(&r, ctx_odd);
	assert_int_equal(cmdline_parse(r.cl, "far"), CMDLINE_PARSE_NOMATCH);
	assert_int_equal(runs, 3);
	rig_close(&r);
	assert_true(cmdline_isendoftoken('#') && cmdline_isendoftoken(' ') &&
		    cmdline_isendoftoken('\0') && cmdline_isendoftoken('\n') && !cmdline_isendoftoken('a'));
	assert_true(cmdline_isendofcommand('#') && !cmdline_isendofcommand(' '));
}

static void
test_dpdk_cmdline_complete(void **state)
{
	struct rig r;
	char dst[64];
	int st = 0;
	(void)state;

	rig_open(&r, ctx);
	assert_int_equal(cmdline_complete(r.cl, "he", &st, dst, sizeof(dst)), CMDLINE_PARSE_COMPLETED_BUFFER);
	assert_string_equal(dst, "lp ");
	/* "" offers every first word, one per call */
	st = 0;
	int n = 0;
	while (cmdline_complete(r.cl, "", &st, dst, sizeof(dst)) == CMDLINE_PARSE_COMPLETE_AGAIN)
		n++;
	assert_int_equal(n, 6); /* set put help dup dup quit */
	st = 0;
	assert_int_equal(cmdline_complete(r.cl, "zz", &st, dst, sizeof(dst)), CMDLINE_PARSE_COMPLETE_FINISHED);
	st = 0;
	assert_int_equal(cmdline_complete(r.cl, "set # he", &st, dst, sizeof(dst)),
			 CMDLINE_PARSE_COMPLETE_FINISHED);
	assert_int_equal(cmdline_complete(NULL, "he", &st, dst, sizeof(dst)), -1);
	assert_int_equal(cmdline_complete(r.cl, "he", NULL, dst, sizeof(dst)), -1);
	assert_int_equal(cmdline_complete(r.cl, "he", &st, dst, 0), -1);
	st = -5;
	assert_int_equal(cmdline_complete(r.cl, "he", &st, dst, sizeof(dst)), -1);
	rig_close(&r);
}

/* ---------------------------------------------------------------- editor */

static void
type(struct rig *r, const char *s)
{
	assert_int_equal(cmdline_in(r->cl, s, (int)strlen(s)), (int)strlen(s));
}

static void
test_dpdk_cmdline_editing(void **state)
{
	struct rig r;
	struct rdline *rdl;
	char big[2000];
	(void)state;

	rig_open(&r, ctx);
	rdl = cmdline_get_rdline(r.cl);
	assert_non_null(rdl);
	runs = 0;
	type(&r, "hx\x7f" "elp\n"); /* backspace */
	assert_int_equal(runs, 1);
	assert_string_equal(rdline_get_history_item(rdl, 0), "help");
	type(&r, "junk\x15help\n"); /* Ctrl-U */
	assert_int_equal(runs, 2);
	type(&r, "elp\x01h\n"); /* Ctrl-A, insert at the start */
	assert_int_equal(runs, 3);
	type(&r, "help extra\x17\x17\n"); /* Ctrl-W twice: "help " -> "" ... */
	assert_int_equal(runs, 3);
	type(&r, "help xyz\x1b[D\x1b[D\x1b[D\x0b\n"); /* left x3, Ctrl-K: "help " */
	assert_int_equal(runs, 4);
	type(&r, "\x1b[A\n"); /* up: the last line again */
	assert_int_equal(runs, 5);
	type(&r, "he\t\n"); /* tab completes "help " */
	assert_int_equal(runs, 6);
	type(&r, "\x1b[1;5Z\x1bOHhelp\n"); /* unknown sequences are skipped */
	assert_int_equal(runs, 7);
	(void)rig_output(&r);
	type(&r, "frob\n");
	assert_non_null(strstr(rig_output(&r), "Command not found"));
	type(&r, "set a\n");
	assert_non_null(strstr(rig_output(&r), "Bad arguments"));
	type(&r, "dup\n");
	assert_non_null(strstr(rig_output(&r), "Ambiguous command"));
	/* an overlong line is cut, not overrun */
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	type(&r, big);
	assert_non_null(strstr(rig_output(&r), "Command not found"));
	assert_int_equal(strlen(rdline_get_history_item(rdl, 0)), 511);
	/* history API */
	assert_int_equal(rdline_add_history(rdl, ""), -1);
	assert_int_equal(rdline_add_history(NULL, "x"), -1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(rdline_add_history(rdl, "again"), 0);
	assert_null(rdline_get_history_item(rdl, 64)); /* at most 64 kept */
	assert_non_null(rdline_get_history_item(rdl, 63));
	rdline_clear_history(rdl);
	assert_null(rdline_get_history_item(rdl, 0));
	assert_true(rdline_get_history_buffer_size(rdl) > 0);
	assert_ptr_equal(rdline_get_opaque(rdl), r.cl);
	/* quit from a command, then the rest is not taken */
	assert_int_equal(cmdline_in(r.cl, "quit\nhelp\n", 10), 5);
	assert_int_equal(cmdline_poll(r.cl), RDLINE_EXITED);
	assert_int_equal(rdline_char_in(rdl, 'x'), RDLINE_RES_EXITED);
	rig_close(&r);
	/* Ctrl-D on an empty line: the end */
	rig_open(&r, ctx);
	assert_int_equal(cmdline_in(r.cl, "\x04help\n", 6), 1);
	rig_close(&r);
	/* bad input */
	assert_int_equal(cmdline_in(NULL, "x", 1), -1);
	assert_null(cmdline_new(NULL, "> ", 0, 1));
	assert_null(cmdline_new(ctx, NULL, 0, 1));
	assert_null(cmdline_new(ctx, "> ", -1, 1));
	rte_errno = 0;
	assert_null(rdline_new(NULL, NULL, NULL, NULL));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rdline_char_in(NULL, 'x'), RDLINE_RES_NOT_RUNNING);
	assert_null(rdline_get_buffer(NULL));
	assert_int_equal(cmdline_poll(NULL), -1);
	cmdline_free(NULL);
	cmdline_stdin_exit(NULL);
	cmdline_quit(NULL);
	cmdline_interact(NULL);
	cmdline_printf(NULL, "x");
	cmdline_set_prompt(NULL, "x");
	rdline_free(NULL);
}

/* Commands from a file and from a pipe read to their end. */
static void
test_dpdk_cmdline_file_and_pipe(void **state)
{
	char path[] = "/tmp/hm-cmdline-XXXXXX";
	struct cmdline *cl;
	int fd, in[2];
	(void)state;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "help\nhelp\n# nothing\n", 20), 20);
	close(fd);
	runs = 0;
	cl = cmdline_file_new(ctx, "> ", path);
	assert_non_null(cl);
	cmdline_interact(cl);
	assert_int_equal(runs, 2);
	cmdline_stdin_exit(cl); /* not a terminal: only frees */
	unlink(path);
	rte_errno = 0;
	assert_null(cmdline_file_new(ctx, "> ", path));
	assert_int_equal(rte_errno, ENOENT);
	assert_null(cmdline_file_new(ctx, "> ", NULL));
	/* poll takes what is there without waiting */
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	cl = cmdline_new(ctx, "> ", in[0], -1); /* no output at all */
	assert_non_null(cl);
	assert_int_equal(cmdline_poll(cl), RDLINE_RUNNING);
	assert_int_equal(write(in[1], "help\nhe", 7), 7);
	assert_int_equal(cmdline_poll(cl), RDLINE_RUNNING);
	assert_int_equal(runs, 3);
	assert_int_equal(write(in[1], "lp\n", 3), 3);
	close(in[1]);
	assert_int_equal(cmdline_poll(cl), RDLINE_EXITED); /* and the end of the input */
	assert_int_equal(runs, 4);
	cmdline_free(cl);
	close(in[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpdk_cmdline_string_tokens),
		cmocka_unit_test(test_dpdk_cmdline_num_tokens),
		cmocka_unit_test(test_dpdk_cmdline_address_tokens),
		cmocka_unit_test(test_dpdk_cmdline_parse),
		cmocka_unit_test(test_dpdk_cmdline_complete),
		cmocka_unit_test(test_dpdk_cmdline_editing),
		cmocka_unit_test(test_dpdk_cmdline_file_and_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
