/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict JSON reader (RFC 8259) for what telemetry clients receive and for
 * heap map snapshot files: input of any origin, so every limit is checked and a
 * failure names the byte offset. Numbers keep their exact integer value when
 * they have no fraction or exponent (addresses and sizes are 64-bit), else a
 * double. Nesting is limited to TJ_MAX_DEPTH; strings are decoded (escapes,
 * surrogate pairs) into NUL-terminated UTF-8; a string holding U+0000 (names
 * and tags are C strings) or bytes that are not UTF-8 is refused.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_read.h"
#include "telemetry_i.h"

struct rd {
	const char *s;
	size_t n, i;
	const char *err;
	unsigned int depth;
};

static void
ws(struct rd *r)
{
	while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' ||
			       r->s[r->i] == '\r'))
		r->i++;
}

static bool
fail(struct rd *r, const char *why)
{
	if (r->err == NULL)
		r->err = why;
	return false;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
hex4(struct rd *r, uint32_t *out)
{
	uint32_t v = 0;

	if (r->n - r->i < 4)
		return fail(r, "a \\u escape is cut short");
	for (int k = 0; k < 4; k++) {
		int h = hexval(r->s[r->i + (size_t)k]);
		if (h < 0)
			return fail(r, "a \\u escape has a non-hex digit");
		v = v << 4 | (uint32_t)h;
	}
	r->i += 4;
	*out = v;
	return true;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Parse a string at r->i (the opening quote); the decoded copy in *out. */
static bool
string(struct rd *r, char **out)
{
	size_t start = ++r->i, len = 0;
	char *o;

	/* first pass: find the end, bound the decoded size by the raw size */
	while (r->i < r->n && r->s[r->i] != '"') {
		unsigned char c = (unsigned char)r->s[r->i];
		size_t l = 1;

		if (c < 0x20)
			return fail(r, "a control character inside a string");
		/* RFC 8259 text is UTF-8: a stray byte would not survive a round
		 * trip (a writer replaces it with U+FFFD) */
		if (c >= 0x80 &&
		    (l = tel_utf8_len((const unsigned char *)r->s + r->i, r->n - r->i)) == 0)
			return fail(r, "a string is not valid UTF-8");
		r->i += c == '\\' ? 2 : l;
	}
	if (r->i >= r->n)
		return fail(r, "a string is not closed");
	o = malloc(r->i - start + 1);
	if (o == NULL)
		return fail(r, "out of memory");
	for (size_t i = start; i < r->i;) {
		char c = r->s[i++];
		uint32_t cp, lo;

		if (c != '\\') {
			o[len++] = c;
			continue;
		}
		switch (r->s[i++]) {
		case '"': o[len++] = '"'; break;
		case '\\': o[len++] = '\\'; break;
		case '/': o[len++] = '/'; break;
		case 'b': o[len++] = '\b'; break;
		case 'f': o[len++] = '\f'; break;
		case 'n': o[len++] = '\n'; break;
		case 'r': o[len++] = '\r'; break;
		case 't': o[len++] = '\t'; break;
		case 'u': {
			size_t save = r->i;
			r->i = i;
			if (!hex4(r, &cp))
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->n - r->i < 6 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u') {
					fail(r, "a lone high surrogate");
					goto bad;
				}
				r->i += 2;
				if (!hex4(r, &lo))
					goto bad;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(r, "a high surrogate without its low one");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(r, "a lone low surrogate");
				goto bad;
			}
			if (cp == 0) {
				fail(r, "a string holds U+0000");
				goto bad;
			}
			i = r->i;
			r->i = save;
			len += put_utf8(o + len, cp);
			break;
		}
		default:
			fail(r, "an unknown escape in a string");
			goto bad;
		}
	}
	o[len] = '\0';
	r->i++; /* closing quote */
	*out = o;
	return true;
bad:
	free(o);
	return false;
}

static bool
number(struct rd *r, struct tj *v)
{
	size_t start = r->i;
	bool neg = false, integral = true;
	uint64_t u = 0;
	char buf[64];

	if (r->s[r->i] == '-') {
		neg = true;
		r->i++;
	}
	if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9')
		return fail(r, "a number without digits");
	if (r->s[r->i] == '0' && r->i + 1 < r->n && r->s[r->i + 1] >= '0' && r->s[r->i + 1] <= '9')
		return fail(r, "a number with a leading zero");
	while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
		unsigned int dgt = (unsigned int)(r->s[r->i++] - '0');
		if (u > (UINT64_MAX - dgt) / 10)
			integral = false; /* too big for 64 bits: a double */
		else
			u = u * 10 + dgt;
	}
	if (r->i < r->n && r->s[r->i] == '.') {
		integral = false;
		if (++r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9')
			return fail(r, "a fraction without digits");
		while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
			r->i++;
	}
	if (r->i < r->n && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
		integral = false;
		if (++r->i < r->n && (r->s[r->i] == '+' || r->s[r->i] == '-'))
			r->i++;
		if (r->i >= r->n || r->s[r->i] < '0' || r->s[r->i] > '9')
			return fail(r, "an exponent without digits");
		while (r->i < r->n && r->s[r->i] >= '0' && r->s[r->i] <= '9')
			r->i++;
	}
	v->type = TJ_NUM;
	if (integral && (!neg || u <= (uint64_t)INT64_MAX + 1)) {
		v->is_int = true;
		v->neg = neg && u != 0;
		v->u = u;
		v->d = neg ? -(double)u : (double)u;
		return true;
	}
	if (r->i - start >= sizeof(buf))
		return fail(r, "a number longer than 63 characters");
	memcpy(buf, r->s + start, r->i - start);
	buf[r->i - start] = '\0';
	v->d = strtod(buf, NULL);
	if (!isfinite(v->d))
		return fail(r, "a number beyond a double's range");
	return true;
}

static bool value(struct rd *r, struct tj *v);

/* Append one slot to a container, growing the array. */
static struct tj *
push(struct rd *r, struct tj *v, uint32_t *cap)
{
	if (v->n == *cap) {
		uint32_t c = *cap == 0 ? 4 : *cap * 2;
		struct tj *k;

		if (c > TJ_MAX_ENTRIES) {
			fail(r, "a container with more entries than the reader takes");
			return NULL;
		}
		k = realloc(v->kids, c * sizeof(*k));
		if (k == NULL) {
			fail(r, "out of memory");
			return NULL;
		}
		v->kids = k;
		*cap = c;
	}
	memset(&v->kids[v->n], 0, sizeof(v->kids[0]));
	return &v->kids[v->n++];
}

static bool
container(struct rd *r, struct tj *v, bool obj)
{
	char close = obj ? '}' : ']';
	uint32_t cap = 0;

	if (++r->depth > TJ_MAX_DEPTH)
		return fail(r, "nested deeper than the reader takes");
	v->type = obj ? TJ_OBJ : TJ_ARR;
	r->i++;
	ws(r);
	if (r->i < r->n && r->s[r->i] == close) {
		r->i++;
		r->depth--;
		return true;
	}
	for (;;) {
		struct tj *k;
		char *name = NULL;

		ws(r);
		if (obj) {
			if (r->i >= r->n || r->s[r->i] != '"')
				return fail(r, "an object member without a quoted name");
			if (!string(r, &name))
				return false;
			ws(r);
			if (r->i >= r->n || r->s[r->i] != ':') {
				free(name);
				return fail(r, "a member name without ':'");
			}
			r->i++;
		}
		k = push(r, v, &cap);
		if (k == NULL) {
			free(name);
			return false;
		}
		k->name = name;
		if (!value(r, k))
			return false;
		ws(r);
		if (r->i < r->n && r->s[r->i] == ',') {
			r->i++;
			continue;
		}
		if (r->i < r->n && r->s[r->i] == close) {
			r->i++;
			r->depth--;
			return true;
		}
		return fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool
literal(struct rd *r, const char *word, struct tj *v, enum tj_type t, bool b)
{
	size_t n = strlen(word);

	if (r->n - r->i < n || memcmp(r->s + r->i, word, n) != 0)
		return fail(r, "an unexpected character");
	r->i += n;
	v->type = t;
	v->b = b;
	return true;
}

static bool
value(struct rd *r, struct tj *v)
{
	ws(r);
	if (r->i >= r->n)
		return fail(r, "the input ends where a value should be");
	switch (r->s[r->i]) {
	case '{':
		return container(r, v, true);
	case '[':
		return container(r, v, false);
	case '"':
		v->type = TJ_STR;
		return string(r, &v->str);
	case 't':
		return literal(r, "true", v, TJ_BOOL, true);
	case 'f':
		return literal(r, "false", v, TJ_BOOL, false);
	case 'n':
		return literal(r, "null", v, TJ_NULL, false);
	default:
		return number(r, v);
	}
}

static void
release(struct tj *v)
{
	free(v->name);
	if (v->type == TJ_STR)
		free(v->str);
	if (v->type == TJ_ARR || v->type == TJ_OBJ) {
		for (uint32_t i = 0; i < v->n; i++)
			release(&v->kids[i]);
		free(v->kids);
	}
}

void
tj_free(struct tj *v)
{
	if (v == NULL)
		return;
	release(v);
	free(v);
}

struct tj *
tj_parse(const char *s, size_t n, char *err, size_t err_len)
{
	struct rd r = { .s = s, .n = n };
	struct tj *v;

	if (s == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "no input");
		return hm_fail_ptr(EINVAL, "json: no input");
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return hm_fail_ptr(ENOMEM, "json: out of memory");
	if (value(&r, v)) {
		ws(&r);
		if (r.i < r.n)
			fail(&r, "text after the value");
	}
	if (r.err != NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s at byte %zu", r.err, r.i);
		tj_free(v);
		return hm_fail_ptr(EINVAL, "json: %s at byte %zu", r.err, r.i);
	}
	return v;
}

const struct tj *
tj_get(const struct tj *obj, const char *name)
{
	if (obj == NULL || obj->type != TJ_OBJ)
		return NULL;
	for (uint32_t i = 0; i < obj->n; i++)
		if (strcmp(obj->kids[i].name, name) == 0)
			return &obj->kids[i];
	return NULL;
}

bool
tj_u64(const struct tj *v, uint64_t *out)
{
	if (v == NULL || v->type != TJ_NUM || !v->is_int || v->neg)
		return false;
	*out = v->u;
	return true;
}

bool
tj_i64(const struct tj *v, int64_t *out)
{
	if (v == NULL || v->type != TJ_NUM || !v->is_int || (!v->neg && v->u > INT64_MAX))
		return false;
	*out = v->neg ? (int64_t)(0 - v->u) : (int64_t)v->u;
	return true;
}
