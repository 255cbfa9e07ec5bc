/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's command line (cmdline.h), written for hugemem: a line editor
 * (cmdline_rdline.h) on an input fd, whose validated lines are parsed
 * (cmdline_parse.h) and run; output on an output fd.
 */
#ifndef _CMDLINE_H_
#define _CMDLINE_H_

#include <rte_common.h>
#include <rte_compat.h>

#include <cmdline_parse.h>
#include <cmdline_rdline.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rdline_status {
	RDLINE_INIT,
	RDLINE_RUNNING,
	RDLINE_EXITED
};

struct cmdline;

/** A command line on fds @p s_in and @p s_out (not closed by cmdline_free). NULL on error. */
struct cmdline *cmdline_new(cmdline_parse_ctx_t *ctx, const char *prompt, int s_in, int s_out);
void cmdline_set_prompt(struct cmdline *cl, const char *prompt);
void cmdline_free(struct cmdline *cl);
void cmdline_printf(const struct cmdline *cl, const char *fmt, ...) __rte_format_printf(2, 3);
/** Feed @p size characters. @return the characters taken, or -1. */
int cmdline_in(struct cmdline *cl, const char *buf, int size);
int cmdline_write_char(struct rdline *rdl, char c);
__rte_experimental
struct rdline *cmdline_get_rdline(struct cmdline *cl);
/** Take what the input has without waiting. @return an enum rdline_status, or -1. */
int cmdline_poll(struct cmdline *cl);
/** Read and run commands until cmdline_quit or the end of the input. */
void cmdline_interact(struct cmdline *cl);
void cmdline_quit(struct cmdline *cl);

#ifdef __cplusplus
}
#endif
#endif /* _CMDLINE_H_ */
