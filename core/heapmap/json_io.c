/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap snapshots as JSON files: columns of numbers, one array per field.
 *   {"hugemem_heap_snapshot":1,"name":"socket_0","socket_id":0,"heap_idx":0,
 *    "total":..,"free_bytes":..,"cached_bytes":..,
 *    "segs":{"base":[..],"len":[..],"page_sz":[..],"msl":[..],"first_page":[..],"n_pages":[..]},
 *    "pages":{"addr":[..],"iova":[..],"flags":[..],"socket_id":[..]},
 *    "elems":{"addr":[..],"size":[..],"req":[..],"pad":[..],"state":[..],"flags":[..],
 *             "tag":[..]}}
 * The reader takes files of any origin: every field is type- and range-checked,
 * and the result must pass hm_heap_snapshot_check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "heapmap_i.h"
#include "json_read.h"
#include "telemetry_i.h"

#define COL(o, name, n, fmt, expr)                                              \
	do {                                                                    \
		fprintf(o, "\"%s\":[", name);                                   \
		for (uint32_t i_ = 0; i_ < (n); i_++)                          \
			fprintf(o, i_ == 0 ? fmt : "," fmt, expr);             \
		fprintf(o, "]");                                                \
	} while (0)

static void
put_str(FILE *f, const char *s, size_t max)
{
	char buf[8 * 64 + 8];
	struct jw w;

	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, s, strnlen(s, max), true);
	jw_end(&w);
	fputs(buf, f);
}

int
hm_heapmap_json_write(const struct hm_heap_snapshot *s, FILE *f)
{
	const char *why;

	if (s == NULL || f == NULL)
		return hm_fail(EINVAL, "heap map: NULL snapshot or stream");
	if (hm_heap_snapshot_check(s, &why) < 0)
		return hm_fail(EFAULT, "heap map: the snapshot is inconsistent: %s", why);
	errno = 0;
	fprintf(f, "{\"hugemem_heap_snapshot\":1,\"name\":");
	put_str(f, s->name, sizeof(s->name));
	fprintf(f, ",\"socket_id\":%" PRId32 ",\"heap_idx\":%" PRId32 ",\"total\":%" PRIu64
		",\"free_bytes\":%" PRIu64 ",\"cached_bytes\":%" PRIu64 ",\n\"segs\":{",
		s->socket_id, s->heap_idx, s->total, s->free_bytes, s->cached_bytes);
	COL(f, "base", s->n_segs, "%" PRIu64, s->segs[i_].base);
	fputc(',', f);
	COL(f, "len", s->n_segs, "%" PRIu64, s->segs[i_].len);
	fputc(',', f);
	COL(f, "page_sz", s->n_segs, "%" PRIu64, s->segs[i_].page_sz);
	fputc(',', f);
	COL(f, "msl", s->n_segs, "%" PRId32, s->segs[i_].msl);
	fputc(',', f);
	COL(f, "first_page", s->n_segs, "%" PRIu32, s->segs[i_].first_page);
	fputc(',', f);
	COL(f, "n_pages", s->n_segs, "%" PRIu32, s->segs[i_].n_pages);
	fprintf(f, "},\n\"pages\":{");
	COL(f, "addr", s->n_pages, "%" PRIu64, s->pages[i_].addr);
	fputc(',', f);
	COL(f, "iova", s->n_pages, "%" PRIu64, s->pages[i_].iova);
	fputc(',', f);
	COL(f, "flags", s->n_pages, "%" PRIu32, s->pages[i_].flags);
	fputc(',', f);
	COL(f, "socket_id", s->n_pages, "%" PRId32, s->pages[i_].socket_id);
	fprintf(f, "},\n\"elems\":{");
	COL(f, "addr", s->n_elems, "%" PRIu64, s->elems[i_].addr);
	fputc(',', f);
	COL(f, "size", s->n_elems, "%" PRIu64, s->elems[i_].size);
	fputc(',', f);
	COL(f, "req", s->n_elems, "%" PRIu64, s->elems[i_].req);
	fputc(',', f);
	COL(f, "pad", s->n_elems, "%" PRIu32, s->elems[i_].pad);
	fputc(',', f);
	COL(f, "state", s->n_elems, "%u", (unsigned int)s->elems[i_].state);
	fputc(',', f);
	COL(f, "flags", s->n_elems, "%u", (unsigned int)s->elems[i_].flags);
	fprintf(f, ",\"tag\":[");
	for (uint32_t i = 0; i < s->n_elems; i++) {
		if (i > 0)
			fputc(',', f);
		put_str(f, s->elems[i].tag, sizeof(s->elems[i].tag));
	}
	fprintf(f, "]}}\n");
	if (ferror(f) || fflush(f) != 0) {
		int err = errno != 0 ? errno : EIO;
		return hm_fail(err, "heap map: cannot write the snapshot: %s", hm_strerror(err));
	}
	return 0;
}

/* ---------------------------------------------------------------- reading */

struct rdr {
	const struct tj *root;
	char why[160];
};

static bool HM_PRINTF(2, 3)
bad(struct rdr *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof(r->why), fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Column @p name of @p obj: an array of @p n numbers (n from the first column). */
static const struct tj *
column(struct rdr *r, const struct tj *obj, const char *what, const char *name, uint32_t *n,
       bool first)
{
	const struct tj *c = tj_get(obj, name);

	if (c == NULL || c->type != TJ_ARR) {
		bad(r, "%s.%s is missing or not an array", what, name);
		return NULL;
	}
	if (first)
		*n = c->n;
	else if (c->n != *n) {
		bad(r, "%s.%s has %" PRIu32 " entries, %s.%s has %" PRIu32, what, name, c->n, what,
		    "first column", *n);
		return NULL;
	}
	return c;
}

static bool
get_u64(struct rdr *r, const struct tj *v, uint64_t max, uint64_t *out, const char *what)
{
	if (!tj_u64(v, out) || *out > max)
		return bad(r, "%s is not an integer in 0..%" PRIu64, what, max);
	return true;
}

static bool
get_i32(struct rdr *r, const struct tj *v, int32_t *out, const char *what)
{
	int64_t x;

	if (!tj_i64(v, &x) || x < INT32_MIN || x > INT32_MAX)
		return bad(r, "%s is not a 32-bit integer", what);
	*out = (int32_t)x;
	return true;
}

static bool
read_segs(struct rdr *r, const struct tj *o, struct hm_heap_snapshot *s)
{
	const struct tj *base, *len, *psz, *msl, *fp, *np;
	uint32_t n = 0;

	if ((base = column(r, o, "segs", "base", &n, true)) == NULL ||
	    (len = column(r, o, "segs", "len", &n, false)) == NULL ||
	    (psz = column(r, o, "segs", "page_sz", &n, false)) == NULL ||
	    (msl = column(r, o, "segs", "msl", &n, false)) == NULL ||
	    (fp = column(r, o, "segs", "first_page", &n, false)) == NULL ||
	    (np = column(r, o, "segs", "n_pages", &n, false)) == NULL)
		return false;
	s->segs = calloc(n > 0 ? n : 1, sizeof(s->segs[0]));
	if (s->segs == NULL)
		return bad(r, "out of memory");
	s->n_segs = n;
	for (uint32_t i = 0; i < n; i++) {
		struct hm_heap_snapshot_seg *g = &s->segs[i];
		uint64_t a, b;
		if (!get_u64(r, &base->kids[i], UINT64_MAX, &g->base, "segs.base") ||
		    !get_u64(r, &len->kids[i], UINT64_MAX, &g->len, "segs.len") ||
		    !get_u64(r, &psz->kids[i], UINT64_MAX, &g->page_sz, "segs.page_sz") ||
		    !get_i32(r, &msl->kids[i], &g->msl, "segs.msl") ||
		    !get_u64(r, &fp->kids[i], UINT32_MAX, &a, "segs.first_page") ||
		    !get_u64(r, &np->kids[i], UINT32_MAX, &b, "segs.n_pages"))
			return false;
		g->first_page = (uint32_t)a;
		g->n_pages = (uint32_t)b;
	}
	return true;
}

static bool
read_pages(struct rdr *r, const struct tj *o, struct hm_heap_snapshot *s)
{
	const struct tj *addr, *iova, *flags, *sock;
	uint32_t n = 0;

	if ((addr = column(r, o, "pages", "addr", &n, true)) == NULL ||
	    (iova = column(r, o, "pages", "iova", &n, false)) == NULL ||
	    (flags = column(r, o, "pages", "flags", &n, false)) == NULL ||
	    (sock = column(r, o, "pages", "socket_id", &n, false)) == NULL)
		return false;
	s->pages = calloc(n > 0 ? n : 1, sizeof(s->pages[0]));
	if (s->pages == NULL)
		return bad(r, "out of memory");
	s->n_pages = n;
	for (uint32_t i = 0; i < n; i++) {
		struct hm_heap_snapshot_page *p = &s->pages[i];
		uint64_t fl;
		if (!get_u64(r, &addr->kids[i], UINT64_MAX, &p->addr, "pages.addr") ||
		    !get_u64(r, &iova->kids[i], UINT64_MAX, &p->iova, "pages.iova") ||
		    !get_u64(r, &flags->kids[i], UINT32_MAX, &fl, "pages.flags") ||
		    !get_i32(r, &sock->kids[i], &p->socket_id, "pages.socket_id"))
			return false;
		p->flags = (uint32_t)fl;
	}
	return true;
}

static bool
read_elems(struct rdr *r, const struct tj *o, struct hm_heap_snapshot *s)
{
	const struct tj *addr, *size, *req, *pad, *state, *flags, *tag;
	uint32_t n = 0;

	if ((addr = column(r, o, "elems", "addr", &n, true)) == NULL ||
	    (size = column(r, o, "elems", "size", &n, false)) == NULL ||
	    (req = column(r, o, "elems", "req", &n, false)) == NULL ||
	    (pad = column(r, o, "elems", "pad", &n, false)) == NULL ||
	    (state = column(r, o, "elems", "state", &n, false)) == NULL ||
	    (flags = column(r, o, "elems", "flags", &n, false)) == NULL ||
	    (tag = column(r, o, "elems", "tag", &n, false)) == NULL)
		return false;
	s->elems = calloc(n > 0 ? n : 1, sizeof(s->elems[0]));
	if (s->elems == NULL)
		return bad(r, "out of memory");
	s->n_elems = n;
	for (uint32_t i = 0; i < n; i++) {
		struct hm_heap_snapshot_elem *e = &s->elems[i];
		uint64_t pd, st, fl;
		if (!get_u64(r, &addr->kids[i], UINT64_MAX, &e->addr, "elems.addr") ||
		    !get_u64(r, &size->kids[i], UINT64_MAX, &e->size, "elems.size") ||
		    !get_u64(r, &req->kids[i], UINT64_MAX, &e->req, "elems.req") ||
		    !get_u64(r, &pad->kids[i], UINT32_MAX, &pd, "elems.pad") ||
		    !get_u64(r, &state->kids[i], HM_HEAP_ELEM_CACHED, &st, "elems.state") ||
		    !get_u64(r, &flags->kids[i], UINT8_MAX, &fl, "elems.flags"))
			return false;
		if (tag->kids[i].type != TJ_STR || strlen(tag->kids[i].str) >= sizeof(e->tag))
			return bad(r, "elems.tag[%" PRIu32 "] is not a string of at most %d bytes", i,
				   HM_HEAP_SNAPSHOT_TAG_LEN - 1);
		e->pad = (uint32_t)pd;
		e->state = (uint8_t)st;
		e->flags = (uint8_t)fl;
		memcpy(e->tag, tag->kids[i].str, strlen(tag->kids[i].str) + 1);
	}
	return true;
}

struct hm_heap_snapshot *
hm_heapmap_json_read(const char *text, size_t len)
{
	struct rdr r = { .why = "" };
	struct hm_heap_snapshot *s;
	struct tj *root;
	const struct tj *v;
	char err[128];
	const char *why;
	uint64_t u;

	if (text == NULL)
		return hm_fail_ptr(EINVAL, "heap map: NULL text");
	root = tj_parse(text, len, err, sizeof(err));
	if (root == NULL)
		return hm_fail_ptr(hm_errno == ENOMEM ? ENOMEM : EINVAL,
				   "heap map: the snapshot is not JSON: %s", err);
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		tj_free(root);
		return hm_fail_ptr(ENOMEM, "heap map: out of memory");
	}
	r.root = root;
	if (!tj_u64(tj_get(root, "hugemem_heap_snapshot"), &u) || u != 1) {
		bad(&r, "not a hugemem heap snapshot (version 1)");
		goto fail;
	}
	v = tj_get(root, "name");
	if (v == NULL || v->type != TJ_STR || strlen(v->str) >= sizeof(s->name)) {
		bad(&r, "name is missing or longer than %zu bytes", sizeof(s->name) - 1);
		goto fail;
	}
	memcpy(s->name, v->str, strlen(v->str) + 1);
	if (!get_i32(&r, tj_get(root, "socket_id"), &s->socket_id, "socket_id") ||
	    !get_i32(&r, tj_get(root, "heap_idx"), &s->heap_idx, "heap_idx") ||
	    !get_u64(&r, tj_get(root, "total"), UINT64_MAX, &s->total, "total") ||
	    !get_u64(&r, tj_get(root, "free_bytes"), UINT64_MAX, &s->free_bytes, "free_bytes") ||
	    !get_u64(&r, tj_get(root, "cached_bytes"), UINT64_MAX, &s->cached_bytes,
		     "cached_bytes"))
		goto fail;
	if (!read_segs(&r, tj_get(root, "segs"), s) || !read_pages(&r, tj_get(root, "pages"), s) ||
	    !read_elems(&r, tj_get(root, "elems"), s))
		goto fail;
	tj_free(root);
	if (hm_heap_snapshot_check(s, &why) < 0) {
		hm_heap_snapshot_free(s);
		return hm_fail_ptr(EINVAL, "heap map: the snapshot is inconsistent: %s", why);
	}
	return s;
fail:
	tj_free(root);
	hm_heap_snapshot_free(s);
	return hm_fail_ptr(strcmp(r.why, "out of memory") == 0 ? ENOMEM : EINVAL,
			   "heap map: bad snapshot: %s", r.why);
}
