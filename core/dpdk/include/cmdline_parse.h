/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's command line parser (cmdline_parse.h), written for hugemem: a
 * context is a NULL-terminated array of instances; an instance is a callback and
 * a NULL-terminated list of tokens; a token parses one word of the line into the
 * result structure at its offset.
 */
#ifndef _CMDLINE_PARSE_H_
#define _CMDLINE_PARSE_H_

#include <stddef.h>

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CMDLINE_PARSE_SUCCESS    0
#define CMDLINE_PARSE_AMBIGUOUS  -1 /* two instances match the whole line */
#define CMDLINE_PARSE_NOMATCH    -2 /* no instance matches the first word */
#define CMDLINE_PARSE_BAD_ARGS   -3 /* an instance matches the start, not the rest */

#define CMDLINE_PARSE_COMPLETE_FINISHED 0
#define CMDLINE_PARSE_COMPLETE_AGAIN    1
#define CMDLINE_PARSE_COMPLETED_BUFFER  2

#define CMDLINE_PARSE_RESULT_BUFSIZE 8192 /* bytes of an instance's result structure */

struct cmdline_token_ops;

/** The part every token starts with. */
struct cmdline_token_hdr {
	struct cmdline_token_ops *ops;
	unsigned int offset; /* of the token's field in the result structure */
};
typedef struct cmdline_token_hdr cmdline_parse_token_hdr_t;

/** What a token type does. */
struct cmdline_token_ops {
	/** Parse the word at buf into res (NULL: just check); its length, or -1. */
	int (*parse)(cmdline_parse_token_hdr_t *, const char *, void *, unsigned int);
	/** Number of completions (choices), or 0. */
	int (*complete_get_nb)(cmdline_parse_token_hdr_t *);
	/** Completion idx into dstbuf; 0 or -1. */
	int (*complete_get_elt)(cmdline_parse_token_hdr_t *, int, char *, unsigned int);
	/** One line of help into dstbuf; 0 or -1. */
	int (*get_help)(cmdline_parse_token_hdr_t *, char *, unsigned int);
};

struct cmdline;

/** A command: f(result, cl, data) runs when every token matched the line. */
struct cmdline_inst {
	void (*f)(void *, struct cmdline *, void *);
	void *data;
	const char *help_str;
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic" /* a flexible array member, as DPDK's */
#endif
	cmdline_parse_token_hdr_t *tokens[]; /* NULL-terminated */
#if defined(__cplusplus) && defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
};
typedef struct cmdline_inst cmdline_parse_inst_t;

/** A context: a NULL-terminated array of instances. */
typedef cmdline_parse_inst_t *cmdline_parse_ctx_t;

/**
 * Parse one line (up to its end or a '#') with @p cl's context and run the one
 * instance that matches it. An empty or comment-only line is a success.
 * @return CMDLINE_PARSE_SUCCESS, _AMBIGUOUS, _NOMATCH, or _BAD_ARGS (also for NULL
 *   arguments, and a token whose offset leaves no room in the result buffer).
 */
int cmdline_parse(struct cmdline *cl, const char *buf);

/** cmdline_parse without running the callback. Same returns. */
__rte_experimental
int cmdline_parse_check(struct cmdline *cl, const char *buf);

/**
 * Completion of the last word of @p buf. *state 0 starts: CMDLINE_PARSE_COMPLETED_BUFFER
 * with what to append in @p dst when one choice fits; else each call gives one
 * choice in @p dst and CMDLINE_PARSE_COMPLETE_AGAIN, then CMDLINE_PARSE_COMPLETE_FINISHED.
 * @return those, or -1 (NULL arguments, size 0).
 */
int cmdline_complete(struct cmdline *cl, const char *buf, int *state, char *dst,
		     unsigned int size);

/** Whether @p c ends a token: NUL, '#', blank, end of line. */
int cmdline_isendoftoken(char c);
/** Whether @p c ends a command: NUL, '#', end of line. */
int cmdline_isendofcommand(char c);

#ifdef __cplusplus
}
#endif
#endif /* _CMDLINE_PARSE_H_ */
