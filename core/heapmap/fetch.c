/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A heap snapshot of another process, through its telemetry socket:
 *   /hugemem/heap_map,<heap>         takes the snapshot (kept for this
 *                                    connection) and answers its header
 *   /hugemem/heap_map_segs,<from>    then its segments, pages and elements,
 *   /hugemem/heap_map_pages,<from>   as many per reply as fit, in columns as
 *   /hugemem/heap_map_elems,<from>   the JSON file has them
 * The answers come from another process: every count and column is checked,
 * and the result must pass hm_heap_snapshot_check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "heapmap_i.h"
#include "json_read.h"
#include "hugemem/telemetry.h"

#define TIMEOUT_MS 10000

struct conn {
	int fd;
	char *reply;
	const char *why;
};

/* Ask @p msg; the value under the reply's key, or NULL with *rc = -errno. */
static struct tj *
ask(struct conn *c, const char *msg, const struct tj **val, int *rc)
{
	char key[64], err[128];
	struct tj *v;
	int n = hm_telemetry_query(c->fd, msg, c->reply, HM_TELEMETRY_MAX_OUTPUT_LEN + 1, TIMEOUT_MS);

	if (n < 0) {
		*rc = n;
		return NULL;
	}
	v = tj_parse(c->reply, (size_t)n, err, sizeof(err));
	if (v == NULL) {
		*rc = hm_fail(EPROTO, "heap map: %s: the answer is not JSON (%s)", msg, err);
		return NULL;
	}
	snprintf(key, sizeof(key), "%s", msg);
	if (strchr(key, ',') != NULL)
		*strchr(key, ',') = '\0';
	*val = tj_get(v, key);
	if (*val == NULL || (*val)->type != TJ_OBJ) {
		bool null = *val != NULL && (*val)->type == TJ_NULL;
		tj_free(v);
		*rc = hm_fail(null ? ENODEV : EPROTO, "heap map: %s answered %s", msg,
			      null ? "null (no such heap, or no snapshot taken)" :
			      "something else than a dict");
		return NULL;
	}
	return v;
}

static const struct tj *
col(const struct tj *o, const char *name, uint32_t n)
{
	const struct tj *c = tj_get(o, name);

	return c != NULL && c->type == TJ_ARR && c->n == n ? c : NULL;
}

static bool
num(const struct tj *v, uint64_t max, uint64_t *out)
{
	return tj_u64(v, out) && *out <= max;
}

static bool
inum(const struct tj *v, int32_t *out)
{
	int64_t x;

	if (!tj_i64(v, &x) || x < INT32_MIN || x > INT32_MAX)
		return false;
	*out = (int32_t)x;
	return true;
}

enum part { SEGS, PAGES, ELEMS };

/* Fill entries [from, from + n) of part @p p from one reply object. */
static bool
take(struct hm_heap_snapshot *s, enum part p, const struct tj *o, uint32_t from, uint32_t n)
{
	static const char *const segc[] = { "base", "len", "page_sz", "msl", "first_page", "n_pages" };
	static const char *const pagec[] = { "addr", "iova", "flags", "socket_id" };
	static const char *const elemc[] = { "addr", "size", "req", "pad", "state", "flags", "tag" };
	const char *const *names = p == SEGS ? segc : p == PAGES ? pagec : elemc;
	size_t nc = p == SEGS ? 6 : p == PAGES ? 4 : 7;
	const struct tj *c[7];
	uint64_t u[7];

	for (size_t k = 0; k < nc; k++)
		if ((c[k] = col(o, names[k], n)) == NULL)
			return false;
	for (uint32_t i = 0; i < n; i++) {
		if (p == SEGS) {
			struct hm_heap_snapshot_seg *g = &s->segs[from + i];
			if (!num(&c[0]->kids[i], UINT64_MAX, &g->base) ||
			    !num(&c[1]->kids[i], UINT64_MAX, &g->len) ||
			    !num(&c[2]->kids[i], UINT64_MAX, &g->page_sz) ||
			    !inum(&c[3]->kids[i], &g->msl) || !num(&c[4]->kids[i], UINT32_MAX, &u[4]) ||
			    !num(&c[5]->kids[i], UINT32_MAX, &u[5]))
				return false;
			g->first_page = (uint32_t)u[4];
			g->n_pages = (uint32_t)u[5];
		} else if (p == PAGES) {
			struct hm_heap_snapshot_page *pg = &s->pages[from + i];
			if (!num(&c[0]->kids[i], UINT64_MAX, &pg->addr) ||
			    !num(&c[1]->kids[i], UINT64_MAX, &pg->iova) ||
			    !num(&c[2]->kids[i], UINT32_MAX, &u[2]) ||
			    !inum(&c[3]->kids[i], &pg->socket_id))
				return false;
			pg->flags = (uint32_t)u[2];
		} else {
			struct hm_heap_snapshot_elem *e = &s->elems[from + i];
			const struct tj *t = &c[6]->kids[i];
			if (!num(&c[0]->kids[i], UINT64_MAX, &e->addr) ||
			    !num(&c[1]->kids[i], UINT64_MAX, &e->size) ||
			    !num(&c[2]->kids[i], UINT64_MAX, &e->req) ||
			    !num(&c[3]->kids[i], UINT32_MAX, &u[3]) ||
			    !num(&c[4]->kids[i], HM_HEAP_ELEM_CACHED, &u[4]) ||
			    !num(&c[5]->kids[i], UINT8_MAX, &u[5]) || t->type != TJ_STR ||
			    strlen(t->str) >= sizeof(e->tag))
				return false;
			e->pad = (uint32_t)u[3];
			e->state = (uint8_t)u[4];
			e->flags = (uint8_t)u[5];
			memcpy(e->tag, t->str, strlen(t->str) + 1);
		}
	}
	return true;
}

static int
fetch_part(struct conn *c, struct hm_heap_snapshot *s, enum part p, uint32_t total)
{
	static const char *const cmd[] = { "/hugemem/heap_map_segs", "/hugemem/heap_map_pages",
					   "/hugemem/heap_map_elems" };
	uint32_t from = 0;
	int rc;

	while (from < total) {
		char msg[64];
		const struct tj *o, *col0;
		struct tj *v;
		uint64_t got_from;
		uint32_t n;

		snprintf(msg, sizeof(msg), "%s,%" PRIu32, cmd[p], from);
		if ((v = ask(c, msg, &o, &rc)) == NULL)
			return rc;
		col0 = tj_get(o, p == SEGS ? "base" : "addr");
		n = col0 != NULL && col0->type == TJ_ARR ? col0->n : 0;
		if (!tj_u64(tj_get(o, "from"), &got_from) || got_from != from || n == 0 ||
		    n > total - from || !take(s, p, o, from, n)) {
			tj_free(v);
			return hm_fail(EPROTO, "heap map: %s: an answer that does not continue the "
				       "snapshot (entries %" PRIu32 "..%" PRIu32 ")", msg, from, total);
		}
		tj_free(v);
		from += n;
	}
	return 0;
}

struct hm_heap_snapshot *
hm_heapmap_fetch(const char *prefix, unsigned int instance, int heap_idx)
{
	char path[256], msg[64];
	struct conn c = { .fd = -1 };
	struct hm_heap_snapshot *s = NULL;
	const struct tj *o, *name;
	struct tj *v = NULL;
	uint64_t ns, np, ne;
	const char *why;
	int rc;

	if (prefix == NULL || heap_idx < 0)
		return hm_fail_ptr(EINVAL, "heap map: fetch needs a prefix and a heap index >= 0");
	if ((rc = hm_telemetry_path(prefix, instance, path, sizeof(path))) < 0) {
		hm_errno = -rc; /* the message is hm_telemetry_path's */
		return NULL;
	}
	c.reply = malloc(HM_TELEMETRY_MAX_OUTPUT_LEN + 1);
	if (c.reply == NULL)
		return hm_fail_ptr(ENOMEM, "heap map: out of memory");
	c.fd = hm_telemetry_connect(path, NULL, 0, TIMEOUT_MS);
	if (c.fd < 0) {
		rc = c.fd;
		goto fail;
	}
	snprintf(msg, sizeof(msg), "/hugemem/heap_map,%d", heap_idx);
	if ((v = ask(&c, msg, &o, &rc)) == NULL)
		goto fail;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = hm_fail(ENOMEM, "heap map: out of memory");
		goto fail;
	}
	name = tj_get(o, "name");
	if (name == NULL || name->type != TJ_STR || strlen(name->str) >= sizeof(s->name) ||
	    !inum(tj_get(o, "socket_id"), &s->socket_id) ||
	    !inum(tj_get(o, "heap_idx"), &s->heap_idx) ||
	    !num(tj_get(o, "total"), UINT64_MAX, &s->total) ||
	    !num(tj_get(o, "free_bytes"), UINT64_MAX, &s->free_bytes) ||
	    !num(tj_get(o, "cached_bytes"), UINT64_MAX, &s->cached_bytes) ||
	    !num(tj_get(o, "n_segs"), UINT32_MAX, &ns) || !num(tj_get(o, "n_pages"), UINT32_MAX, &np) ||
	    !num(tj_get(o, "n_elems"), UINT32_MAX, &ne)) {
		rc = hm_fail(EPROTO, "heap map: %s: the header lacks a field or has a bad one", msg);
		goto fail;
	}
	memcpy(s->name, name->str, strlen(name->str) + 1);
	s->n_segs = (uint32_t)ns;
	s->n_pages = (uint32_t)np;
	s->n_elems = (uint32_t)ne;
	tj_free(v);
	v = NULL;
	s->segs = calloc(ns > 0 ? ns : 1, sizeof(s->segs[0]));
	s->pages = calloc(np > 0 ? np : 1, sizeof(s->pages[0]));
	s->elems = calloc(ne > 0 ? ne : 1, sizeof(s->elems[0]));
	if (s->segs == NULL || s->pages == NULL || s->elems == NULL) {
		rc = hm_fail(ENOMEM, "heap map: out of memory for %" PRIu64 " elements", ne);
		goto fail;
	}
	if ((rc = fetch_part(&c, s, SEGS, s->n_segs)) < 0 ||
	    (rc = fetch_part(&c, s, PAGES, s->n_pages)) < 0 ||
	    (rc = fetch_part(&c, s, ELEMS, s->n_elems)) < 0)
		goto fail;
	close(c.fd);
	free(c.reply);
	if (hm_heap_snapshot_check(s, &why) < 0) {
		hm_heap_snapshot_free(s);
		return hm_fail_ptr(EPROTO, "heap map: the snapshot from %s is inconsistent: %s",
				   path, why);
	}
	return s;
fail:
	tj_free(v);
	if (c.fd >= 0)
		close(c.fd);
	free(c.reply);
	hm_heap_snapshot_free(s);
	hm_errno = -rc; /* the message is the failed call's */
	return NULL;
}
