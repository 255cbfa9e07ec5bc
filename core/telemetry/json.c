/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON of telemetry replies, bounded: the writer never goes past its buffer and
 * always leaves valid JSON. Every open container keeps room for its closer
 * (w->reserve), an entry that does not fit is left out whole (the position is
 * rolled back), and a single string is cut at a character boundary. Output is
 * compact, as DPDK's ({"/cmd":[1,2]}), and always valid UTF-8: a byte that does
 * not start a valid sequence becomes U+FFFD, control characters are escaped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "telemetry_i.h"

void
jw_init(struct jw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->reserve = 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* Room for @p n more bytes, the closers and the NUL. */
static bool
room(const struct jw *w, size_t n)
{
	return w->cap > 0 && w->pos + n + w->reserve + 1 <= w->cap;
}

bool
jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!room(w, n))
		return false;
	memcpy(w->buf + w->pos, s, n);
	w->pos += n;
	return true;
}

bool
jw_open(struct jw *w, char c)
{
	if (!room(w, 2))
		return false;
	w->buf[w->pos++] = c;
	w->reserve++;
	return true;
}

void
jw_close(struct jw *w, char c)
{
	HM_ASSERT(w->reserve > 0);
	w->reserve--;
	w->buf[w->pos++] = c; /* room was kept */
}

size_t
jw_end(struct jw *w)
{
	if (w->cap > 0)
		w->buf[w->pos] = '\0';
	return w->pos;
}

/*
 * Length of the UTF-8 sequence at @p s (n bytes available), 0 when it is not a
 * valid one (overlong, surrogate, beyond U+10FFFF, cut short).
 */
size_t
tel_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t
tel_text_ok(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t l = tel_utf8_len(u + i, n - i);
		if (l == 0 || u[i] < 0x20 || u[i] == 0x7f)
			break;
		i += l;
	}
	return i;
}

bool
jw_str(struct jw *w, const char *s, size_t n, bool cut)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = w->pos;
	char esc[8];

	if (!room(w, 2))
		return false;
	w->reserve++; /* the closing quote */
	w->buf[w->pos++] = '"';
	for (size_t i = 0; i < n;) {
		const char *out = esc;
		size_t l = tel_utf8_len(u + i, n - i), ol;

		if (l == 0) {
			out = "\\ufffd";
			ol = 6;
			l = 1;
		} else if (u[i] == '"' || u[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			ol = 2;
		} else if (u[i] < 0x20) {
			static const char short_esc[] = "btn\0fr";
			if (u[i] >= '\b' && u[i] <= '\r' && short_esc[u[i] - '\b'] != '\0') {
				esc[0] = '\\';
				esc[1] = short_esc[u[i] - '\b'];
				ol = 2;
			} else {
				ol = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			}
		} else {
			out = s + i;
			ol = l;
		}
		if (!room(w, ol)) {
			if (cut)
				break;
			w->reserve--;
			w->pos = start;
			return false;
		}
		memcpy(w->buf + w->pos, out, ol);
		w->pos += ol;
		i += l;
	}
	jw_close(w, '"');
	return true;
}

static bool
jw_u64(struct jw *w, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	return jw_raw(w, num, (size_t)n);
}

static bool
jw_int(struct jw *w, int v)
{
	char num[16];
	int n = snprintf(num, sizeof(num), "%d", v);

	return jw_raw(w, num, (size_t)n);
}

static bool
jw_value(struct jw *w, const struct tel_value *v)
{
	switch (v->type) {
	case HM_TELEMETRY_STRING:
		return jw_str(w, v->str, strlen(v->str), false);
	case HM_TELEMETRY_INT:
		return jw_int(w, v->i);
	case HM_TELEMETRY_U64:
		return jw_u64(w, v->u);
	default:
		return jw_data(w, v->c);
	}
}

bool
jw_data(struct jw *w, const struct hm_telemetry_data *d)
{
	bool dict;

	switch (d->kind) {
	case DATA_NONE:
		return jw_raw(w, "null", 4);
	case DATA_STRING:
		return jw_str(w, d->str, strlen(d->str), true);
	default:
		break;
	}
	dict = d->kind == DATA_DICT;
	if (!jw_open(w, dict ? '{' : '['))
		return false;
	for (uint32_t i = 0; i < d->n; i++) {
		size_t before = w->pos;
		bool ok = i == 0 || jw_raw(w, ",", 1);

		if (ok && dict)
			ok = jw_str(w, d->v[i].name, strlen(d->v[i].name), false) &&
				jw_raw(w, ":", 1);
		if (ok)
			ok = jw_value(w, &d->v[i]);
		if (!ok) {
			w->pos = before; /* this entry and the rest do not fit */
			break;
		}
	}
	jw_close(w, dict ? '}' : ']');
	return true;
}

int
hm_telemetry_data_json(const struct hm_telemetry_data *d, const char *cmd, char *buf, size_t len)
{
	struct jw w;

	if (d == NULL || cmd == NULL || buf == NULL)
		return hm_fail(EINVAL, "telemetry: NULL data, command or buffer");
	jw_init(&w, buf, len);
	if (!jw_open(&w, '{') || !jw_str(&w, cmd, strlen(cmd), false) || !jw_raw(&w, ":", 1) ||
	    (!jw_data(&w, d) && !jw_raw(&w, "null", 4))) {
		if (len > 0)
			buf[0] = '\0';
		return hm_fail(EINVAL, "telemetry: a %zu-byte buffer cannot hold the reply's frame",
			       len);
	}
	jw_close(&w, '}');
	return (int)jw_end(&w);
}
