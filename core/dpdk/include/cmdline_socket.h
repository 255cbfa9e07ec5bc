/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK 22.11's command lines on stdin or a file (cmdline_socket.h), written for hugemem. */
#ifndef _CMDLINE_SOCKET_H_
#define _CMDLINE_SOCKET_H_

#include <cmdline_parse.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Commands read from the file @p path, output on stdout. NULL on error. */
struct cmdline *cmdline_file_new(cmdline_parse_ctx_t *ctx, const char *prompt, const char *path);
/** Commands from stdin (a terminal is put in raw mode until cmdline_stdin_exit). */
struct cmdline *cmdline_stdin_new(cmdline_parse_ctx_t *ctx, const char *prompt);
/** Give the terminal back and free @p cl (NULL: nothing). */
void cmdline_stdin_exit(struct cmdline *cl);

#ifdef __cplusplus
}
#endif
#endif /* _CMDLINE_SOCKET_H_ */
