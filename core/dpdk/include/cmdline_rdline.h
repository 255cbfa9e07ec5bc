/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's line editor (cmdline_rdline.h), written for hugemem: one line
 * being typed (insert, backspace, left/right, Ctrl-A/E/K/U/W, tab completion,
 * history with up/down), fed a character at a time.
 */
#ifndef _RDLINE_H_
#define _RDLINE_H_

#include <stddef.h>
#include <stdio.h>

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rdline;

typedef int (rdline_write_char_t)(struct rdline *rdl, char);
typedef void (rdline_validate_t)(struct rdline *rdl, const char *buf, unsigned int size);
typedef int (rdline_complete_t)(struct rdline *rdl, const char *buf, char *dstbuf,
				unsigned int dstsize, int *state);

/** A new editor (NULL and rte_errno EINVAL without write_char or validate, ENOMEM). */
__rte_experimental
struct rdline *rdline_new(rdline_write_char_t *write_char, rdline_validate_t *validate,
			  rdline_complete_t *complete, void *opaque);
__rte_experimental
void rdline_free(struct rdline *rdl);

/** Start a new line after printing @p prompt. */
void rdline_newline(struct rdline *rdl, const char *prompt);
/** Stop taking characters (RDLINE_RES_NOT_RUNNING) until rdline_restart. */
void rdline_stop(struct rdline *rdl);
/** End: every later character gets RDLINE_RES_EXITED. */
void rdline_quit(struct rdline *rdl);
void rdline_restart(struct rdline *rdl);
/** Print the prompt and the line again. */
void rdline_redisplay(struct rdline *rdl);
/** Empty the line being typed. */
void rdline_reset(struct rdline *rdl);

#define RDLINE_RES_SUCCESS      0
#define RDLINE_RES_VALIDATED    1
#define RDLINE_RES_COMPLETE     2
#define RDLINE_RES_NOT_RUNNING -1
#define RDLINE_RES_EOF         -2
#define RDLINE_RES_EXITED      -3

/** Feed one character. @return RDLINE_RES_*. */
int rdline_char_in(struct rdline *rdl, char c);
/** The line being typed (NUL-terminated). */
const char *rdline_get_buffer(struct rdline *rdl);
/** Add a line to the history. @return 0, -1 (NULL, empty, too long). */
int rdline_add_history(struct rdline *rdl, const char *buf);
void rdline_clear_history(struct rdline *rdl);
/** History line @p i (0: the newest), or NULL. */
char *rdline_get_history_item(struct rdline *rdl, unsigned int i);
__rte_experimental
size_t rdline_get_history_buffer_size(struct rdline *rdl);
__rte_experimental
void *rdline_get_opaque(struct rdline *rdl);

#ifdef __cplusplus
}
#endif
#endif /* _RDLINE_H_ */
