/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The line editor (cmdline_rdline.h): the line being typed, a cursor, and a
 * history of validated lines. Characters come one at a time; printable ones are
 * inserted at the cursor and echoed through write_char; Enter validates the line
 * (validate gets it with its "\n"); Ctrl-D on an empty line is the end of input.
 * Editing keys: backspace / Ctrl-H, Ctrl-A / Ctrl-E (start / end), Ctrl-B / Ctrl-F
 * and the arrow keys (left / right), Ctrl-K (kill to the end), Ctrl-U (kill the
 * line), Ctrl-W (kill a word), Ctrl-L (redisplay), Tab (completion), up / down
 * (history). Other escape sequences are read whole and ignored.
 *
 * Invariants: 0 <= pos <= len < RDLINE_BUF_SIZE, buf[len] == '\0';
 * the history holds at most RDLINE_HISTORY_MAX lines, the newest first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse.h>
#include <cmdline_rdline.h>
#include <stdio.h>

#include "cmdline_i.h"
#include <rte_errno.h>

#define RDLINE_BUF_SIZE 512       /* a line, NUL included (DPDK's) */
#define RDLINE_PROMPT_SIZE 32
#define RDLINE_HISTORY_MAX 64
#define RDLINE_HISTORY_BUF_SIZE (RDLINE_BUF_SIZE * RDLINE_HISTORY_MAX)

enum esc_state { ESC_NONE, ESC_START, ESC_CSI };

struct rdline {
	int status; /* enum rdline_status (cmdline.h) */
	char buf[RDLINE_BUF_SIZE];
	unsigned int len, pos;
	char prompt[RDLINE_PROMPT_SIZE];
	char *hist[RDLINE_HISTORY_MAX]; /* newest first; strdup'ed */
	unsigned int n_hist;
	int hist_cur;                   /* -1: the line being typed */
	char saved[RDLINE_BUF_SIZE];    /* that line while browsing the history */
	enum esc_state esc;
	rdline_write_char_t *write_char;
	rdline_validate_t *validate;
	rdline_complete_t *complete;
	void *opaque;
};

enum { ST_INIT, ST_RUNNING, ST_EXITED, ST_STOPPED };

static void
put(struct rdline *r, char c)
{
	r->write_char(r, c);
}

static void
puts_(struct rdline *r, const char *s)
{
	while (*s != '\0')
		put(r, *s++);
}

struct rdline *
rdline_new(rdline_write_char_t *write_char, rdline_validate_t *validate,
	   rdline_complete_t *complete, void *opaque)
{
	struct rdline *r;

	if (write_char == NULL || validate == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->write_char = write_char;
	r->validate = validate;
	r->complete = complete;
	r->opaque = opaque;
	r->status = ST_INIT;
	r->hist_cur = -1;
	return r;
}

void
rdline_free(struct rdline *rdl)
{
	if (rdl == NULL)
		return;
	rdline_clear_history(rdl);
	free(rdl);
}

void
rdline_reset(struct rdline *rdl)
{
	if (rdl == NULL)
		return;
	rdl->len = rdl->pos = 0;
	rdl->buf[0] = '\0';
	rdl->hist_cur = -1;
	rdl->esc = ESC_NONE;
}

void
rdline_newline(struct rdline *rdl, const char *prompt)
{
	if (rdl == NULL)
		return;
	rdline_reset(rdl);
	snprintf(rdl->prompt, sizeof(rdl->prompt), "%s", prompt != NULL ? prompt : "");
	puts_(rdl, rdl->prompt);
	rdl->status = ST_RUNNING;
}

void
rdline_stop(struct rdline *rdl)
{
	if (rdl != NULL)
		rdl->status = ST_STOPPED;
}

void
rdline_quit(struct rdline *rdl)
{
	if (rdl != NULL)
		rdl->status = ST_EXITED;
}

void
rdline_restart(struct rdline *rdl)
{
	if (rdl != NULL)
		rdl->status = ST_RUNNING;
}

void
rdline_redisplay(struct rdline *rdl)
{
	if (rdl == NULL)
		return;
	puts_(rdl, "\r\n");
	puts_(rdl, rdl->prompt);
	puts_(rdl, rdl->buf);
	for (unsigned int i = rdl->pos; i < rdl->len; i++)
		put(rdl, '\b');
}

const char *
rdline_get_buffer(struct rdline *rdl)
{
	return rdl != NULL ? rdl->buf : NULL;
}

int
rdline_add_history(struct rdline *rdl, const char *buf)
{
	size_t n;
	char *copy;

	if (rdl == NULL || buf == NULL)
		return -1;
	n = strnlen(buf, RDLINE_BUF_SIZE);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0 || n >= RDLINE_BUF_SIZE)
		return -1;
	copy = strndup(buf, n);
	if (copy == NULL)
		return -1;
	if (rdl->n_hist == RDLINE_HISTORY_MAX)
		free(rdl->hist[--rdl->n_hist]);
	memmove(&rdl->hist[1], &rdl->hist[0], rdl->n_hist * sizeof(rdl->hist[0]));
	rdl->hist[0] = copy;
	rdl->n_hist++;
	return 0;
}

void
rdline_clear_history(struct rdline *rdl)
{
	if (rdl == NULL)
		return;
	for (unsigned int i = 0; i < rdl->n_hist; i++)
		free(rdl->hist[i]);
	rdl->n_hist = 0;
	rdl->hist_cur = -1;
}

char *
rdline_get_history_item(struct rdline *rdl, unsigned int i)
{
	return rdl != NULL && i < rdl->n_hist ? rdl->hist[i] : NULL;
}

size_t
rdline_get_history_buffer_size(struct rdline *rdl)
{
	(void)rdl;
	return RDLINE_HISTORY_BUF_SIZE;
}

void *
rdline_get_opaque(struct rdline *rdl)
{
	return rdl != NULL ? rdl->opaque : NULL;
}

/* Replace the line with @p s, shown. */
static void
set_line(struct rdline *r, const char *s)
{
	while (r->pos < r->len) {
		put(r, ' ');
		r->pos++;
	}
	while (r->pos > 0) {
		puts_(r, "\b \b");
		r->pos--;
	}
	snprintf(r->buf, sizeof(r->buf), "%s", s);
	r->len = r->pos = (unsigned int)strlen(r->buf);
	puts_(r, r->buf);
}

/* Redraw from the cursor to the end (after an insertion or deletion there). */
static void
redraw_tail(struct rdline *r, unsigned int erased)
{
	puts_(r, r->buf + r->pos);
	for (unsigned int i = 0; i < erased; i++)
		put(r, ' ');
	for (unsigned int i = r->pos; i < r->len + erased; i++)
		put(r, '\b');
}

static void
insert(struct rdline *r, const char *s, size_t n)
{
	if (n == 0 || r->len + n >= RDLINE_BUF_SIZE)
		return; /* the line is full: the rest is dropped */
	memmove(r->buf + r->pos + n, r->buf + r->pos, r->len - r->pos + 1);
	memcpy(r->buf + r->pos, s, n);
	r->len += (unsigned int)n;
	for (size_t i = 0; i < n; i++)
		put(r, s[i]);
	r->pos += (unsigned int)n;
	if (r->pos < r->len)
		redraw_tail(r, 0);
}

/* Delete @p n characters before the cursor. */
static void
delete_back(struct rdline *r, unsigned int n)
{
	if (n > r->pos)
		n = r->pos;
	if (n == 0)
		return;
	memmove(r->buf + r->pos - n, r->buf + r->pos, r->len - r->pos + 1);
	for (unsigned int i = 0; i < n; i++)
		put(r, '\b');
	r->pos -= n;
	r->len -= n;
	redraw_tail(r, n);
}

static void
history_step(struct rdline *r, int dir)
{
	int next = r->hist_cur + dir;

	if (next < -1 || next >= (int)r->n_hist)
		return;
	if (r->hist_cur == -1)
		snprintf(r->saved, sizeof(r->saved), "%s", r->buf);
	r->hist_cur = next;
	set_line(r, next == -1 ? r->saved : r->hist[next]);
}

static int
tab(struct rdline *r)
{
	char out[RDLINE_BUF_SIZE];
	char line[RDLINE_BUF_SIZE];
	int state = 0, rc;

	if (r->complete == NULL)
		return RDLINE_RES_SUCCESS;
	memcpy(line, r->buf, r->pos);
	line[r->pos] = '\0';
	rc = r->complete(r, line, out, sizeof(out), &state);
	if (rc == CMDLINE_PARSE_COMPLETED_BUFFER) {
		insert(r, out, strnlen(out, sizeof(out)));
		return RDLINE_RES_COMPLETE;
	}
	if (rc != CMDLINE_PARSE_COMPLETE_AGAIN)
		return RDLINE_RES_SUCCESS;
	puts_(r, "\r\n");
	for (int k = 0; rc == CMDLINE_PARSE_COMPLETE_AGAIN && k < 1000; k++) {
		puts_(r, out);
		puts_(r, "\r\n");
		rc = r->complete(r, line, out, sizeof(out), &state);
	}
	puts_(r, r->prompt);
	puts_(r, r->buf);
	for (unsigned int i = r->pos; i < r->len; i++)
		put(r, '\b');
	return RDLINE_RES_COMPLETE;
}

static int
escape(struct rdline *r, char c)
{
	if (r->esc == ESC_START) {
		r->esc = c == '[' || c == 'O' ? ESC_CSI : ESC_NONE;
		return RDLINE_RES_SUCCESS;
	}
	/* ESC_CSI: parameters, then a final byte in 0x40..0x7e */
	if (c >= 0x40 && c <= 0x7e) {
		r->esc = ESC_NONE;
		switch (c) {
		case 'A': history_step(r, 1); break;
		case 'B': history_step(r, -1); break;
		case 'C':
			if (r->pos < r->len)
				put(r, r->buf[r->pos++]);
			break;
		case 'D':
			if (r->pos > 0) {
				put(r, '\b');
				r->pos--;
			}
			break;
		default: break;
		}
	}
	return RDLINE_RES_SUCCESS;
}

int
rdline_char_in(struct rdline *rdl, char c)
{
	struct rdline *r = rdl;

	if (r == NULL)
		return RDLINE_RES_NOT_RUNNING;
	if (r->status == ST_EXITED)
		return RDLINE_RES_EXITED;
	if (r->status != ST_RUNNING)
		return RDLINE_RES_NOT_RUNNING;
	if (r->esc != ESC_NONE)
		return escape(r, c);
	switch (c) {
	case '\n':
	case '\r': {
		char line[RDLINE_BUF_SIZE + 1];
		unsigned int n = r->len;

		puts_(r, "\r\n");
		memcpy(line, r->buf, n);
		line[n++] = '\n';
		line[n] = '\0';
		r->validate(r, line, n);
		if (r->status == ST_EXITED)
			return RDLINE_RES_EXITED;
		return RDLINE_RES_VALIDATED;
	}
	case 0x04: /* Ctrl-D */
		if (r->len == 0) {
			r->status = ST_EXITED;
			return RDLINE_RES_EOF;
		}
		return RDLINE_RES_SUCCESS;
	case 0x7f:
	case '\b':
		delete_back(r, 1);
		break;
	case 0x01: /* Ctrl-A */
		for (; r->pos > 0; r->pos--)
			put(r, '\b');
		break;
	case 0x05: /* Ctrl-E */
		while (r->pos < r->len)
			put(r, r->buf[r->pos++]);
		break;
	case 0x02: /* Ctrl-B */
		if (r->pos > 0) {
			put(r, '\b');
			r->pos--;
		}
		break;
	case 0x06: /* Ctrl-F */
		if (r->pos < r->len)
			put(r, r->buf[r->pos++]);
		break;
	case 0x0b: { /* Ctrl-K */
		unsigned int gone = r->len - r->pos;
		r->len = r->pos;
		r->buf[r->len] = '\0';
		redraw_tail(r, gone);
		break;
	}
	case 0x15: /* Ctrl-U */
		delete_back(r, r->pos);
		break;
	case 0x17: { /* Ctrl-W */
		unsigned int p = r->pos;
		while (p > 0 && (r->buf[p - 1] == ' ' || r->buf[p - 1] == '\t'))
			p--;
		while (p > 0 && r->buf[p - 1] != ' ' && r->buf[p - 1] != '\t')
			p--;
		delete_back(r, r->pos - p);
		break;
	}
	case 0x0c: /* Ctrl-L */
		rdline_redisplay(r);
		break;
	case '\t':
		return tab(r);
	case 0x1b:
		r->esc = ESC_START;
		break;
	default:
		if ((unsigned char)c >= 0x20)
			insert(r, &c, 1);
		break; /* other control characters are ignored */
	}
	return RDLINE_RES_SUCCESS;
}

int
rdline_state(const struct rdline *rdl)
{
	if (rdl == NULL || rdl->status == ST_EXITED)
		return RDLINE_EXITED;
	return rdl->status == ST_INIT ? RDLINE_INIT : RDLINE_RUNNING;
}
