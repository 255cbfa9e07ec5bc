/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command lines (cmdline.h, cmdline_socket.h): a line editor reading s_in,
 * echoing to s_out, whose validated lines are added to the history, parsed and
 * run; "Command not found", "Bad arguments" and "Ambiguous command" as DPDK
 * prints them. cmdline_stdin_new puts a terminal in raw mode (no echo, no line
 * buffering; signals kept) and cmdline_stdin_exit gives it back; input that is
 * not a terminal (a pipe, a file) is read as it comes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_socket.h>
#include <rte_errno.h>

#include "cmdline_i.h"

int
cmdline_write_char(struct rdline *rdl, char c)
{
	struct cmdline *cl = rdline_get_opaque(rdl);
	ssize_t n;

	if (cl == NULL || cl->s_out < 0)
		return -1;
	do {
		n = write(cl->s_out, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

static void
valid_buffer(struct rdline *rdl, const char *buf, unsigned int size)
{
	struct cmdline *cl = rdline_get_opaque(rdl);
	int rc;

	(void)size;
	rc = cmdline_parse(cl, buf);
	if (rc == CMDLINE_PARSE_AMBIGUOUS)
		cmdline_printf(cl, "Ambiguous command\n");
	else if (rc == CMDLINE_PARSE_NOMATCH)
		cmdline_printf(cl, "Command not found\n");
	else if (rc == CMDLINE_PARSE_BAD_ARGS)
		cmdline_printf(cl, "Bad arguments\n");
}

static int
complete_buffer(struct rdline *rdl, const char *buf, char *dstbuf, unsigned int dstsize,
		int *state)
{
	return cmdline_complete(rdline_get_opaque(rdl), buf, state, dstbuf, dstsize);
}

struct cmdline *
cmdline_new(cmdline_parse_ctx_t *ctx, const char *prompt, int s_in, int s_out)
{
	struct cmdline *cl;

	if (ctx == NULL || prompt == NULL || s_in < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	cl->s_in = s_in;
	cl->s_out = s_out;
	cl->ctx = ctx;
	cl->rdl = rdline_new(cmdline_write_char, valid_buffer, complete_buffer, cl);
	if (cl->rdl == NULL) {
		free(cl);
		return NULL;
	}
	cmdline_set_prompt(cl, prompt);
	rdline_newline(cl->rdl, cl->prompt);
	return cl;
}

struct rdline *
cmdline_get_rdline(struct cmdline *cl)
{
	return cl != NULL ? cl->rdl : NULL;
}

void
cmdline_set_prompt(struct cmdline *cl, const char *prompt)
{
	if (cl == NULL || prompt == NULL)
		return;
	snprintf(cl->prompt, sizeof(cl->prompt), "%s", prompt);
}

void
cmdline_free(struct cmdline *cl)
{
	if (cl == NULL)
		return;
	if (cl->own_in && cl->s_in >= 0)
		close(cl->s_in);
	rdline_free(cl->rdl);
	free(cl);
}

void
cmdline_printf(const struct cmdline *cl, const char *fmt, ...)
{
	va_list ap;

	if (cl == NULL || fmt == NULL || cl->s_out < 0)
		return;
	va_start(ap, fmt);
	vdprintf(cl->s_out, fmt, ap);
	va_end(ap);
}

int
cmdline_in(struct cmdline *cl, const char *buf, int size)
{
	int i;

	if (cl == NULL || buf == NULL || size < 0)
		return -1;
	for (i = 0; i < size; i++) {
		int rc = rdline_char_in(cl->rdl, buf[i]);

		if (rc == RDLINE_RES_VALIDATED) {
			/* the line is in the history before its next prompt */
			rdline_add_history(cl->rdl, rdline_get_buffer(cl->rdl));
			rdline_newline(cl->rdl, cl->prompt);
		} else if (rc == RDLINE_RES_EOF || rc == RDLINE_RES_EXITED) {
			return i + 1;
		}
	}
	return i;
}

void
cmdline_quit(struct cmdline *cl)
{
	if (cl != NULL)
		rdline_quit(cl->rdl);
}

/* One character from s_in: 1, 0 at the end of the input, -1 on error. */
static int
read_char(struct cmdline *cl, char *c)
{
	ssize_t n;

	do {
		n = read(cl->s_in, c, 1);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : (int)n;
}

int
cmdline_poll(struct cmdline *cl)
{
	struct pollfd pfd;
	char c;

	if (cl == NULL)
		return -1;
	if (rdline_state(cl->rdl) == RDLINE_EXITED)
		return RDLINE_EXITED;
	pfd.fd = cl->s_in;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 0) > 0 && rdline_state(cl->rdl) != RDLINE_EXITED) {
		int n = read_char(cl, &c);

		if (n < 0)
			return -1;
		if (n == 0) { /* end of input */
			rdline_quit(cl->rdl);
			break;
		}
		if (cmdline_in(cl, &c, 1) < 0)
			return -1;
	}
	return rdline_state(cl->rdl);
}

void
cmdline_interact(struct cmdline *cl)
{
	char c;

	if (cl == NULL)
		return;
	while (rdline_state(cl->rdl) != RDLINE_EXITED) {
		if (read_char(cl, &c) <= 0)
			break; /* end of input or error */
		if (cmdline_in(cl, &c, 1) < 0)
			break;
	}
}

/* ---------------------------------------------------------------- stdin, files */

struct cmdline *
cmdline_stdin_new(cmdline_parse_ctx_t *ctx, const char *prompt)
{
	struct termios term;
	struct cmdline *cl;
	bool raw = false;
	struct termios old;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0) {
		term = old;
		term.c_lflag &= (tcflag_t) ~(ICANON | ECHO | IEXTEN);
		term.c_cc[VMIN] = 1;
		term.c_cc[VTIME] = 0;
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &term) == 0;
	}
	cl = cmdline_new(ctx, prompt, STDIN_FILENO, STDOUT_FILENO);
	if (cl == NULL) {
		if (raw)
			tcsetattr(STDIN_FILENO, TCSANOW, &old);
		return NULL;
	}
	cl->raw = raw;
	if (raw)
		cl->oldterm = old;
	return cl;
}

void
cmdline_stdin_exit(struct cmdline *cl)
{
	if (cl == NULL)
		return;
	if (cl->raw)
		tcsetattr(cl->s_in, TCSANOW, &cl->oldterm);
	cmdline_free(cl);
}

struct cmdline *
cmdline_file_new(cmdline_parse_ctx_t *ctx, const char *prompt, const char *path)
{
	struct cmdline *cl;
	int fd;

	if (ctx == NULL || prompt == NULL || path == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* O_NONBLOCK: a FIFO planted there does not hang the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rte_errno = errno;
		return NULL;
	}
	if (fcntl(fd, F_SETFL, 0) != 0) {
		rte_errno = errno;
		close(fd);
		return NULL;
	}
	cl = cmdline_new(ctx, prompt, fd, STDOUT_FILENO);
	if (cl == NULL) {
		close(fd);
		return NULL;
	}
	cl->own_in = true;
	return cl;
}
