/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cmdline library's private state (cmdline.c, cmdline_rdline.c,
 * cmdline_parse.c): a command line is a context, a line editor and two fds.
 */
#ifndef HUGEMEM_DPDK_CMDLINE_I_H
#define HUGEMEM_DPDK_CMDLINE_I_H

#include <stdbool.h>
#include <termios.h>

#include <cmdline.h>

#define CMDLINE_PROMPT_SIZE 32 /* bytes of a prompt, NUL included (DPDK's) */

struct cmdline {
	int s_in, s_out;
	cmdline_parse_ctx_t *ctx;
	struct rdline *rdl;
	char prompt[CMDLINE_PROMPT_SIZE];
	struct termios oldterm; /* stdin's, restored by cmdline_stdin_exit; valid if raw */
	bool raw;               /* stdin is a terminal put in raw mode */
	bool own_in;            /* s_in was opened by cmdline_file_new */
};

/* The editor's state as an enum rdline_status (cmdline_rdline.c). */
__attribute__((visibility("hidden"))) int rdline_state(const struct rdline *rdl);

#endif /* HUGEMEM_DPDK_CMDLINE_I_H */
