/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap commands: DPDK's /eal/heap_list and /eal/heap_info, and the heap map
 * protocol (core/heapmap/fetch.c is its client):
 *   /hugemem/heap_map,<heap>        snapshot heap <heap> (hm_heap_snapshot), keep
 *                                   it for this connection, answer its header
 *   /hugemem/heap_map_segs,<from>   segments, pages, elements of that snapshot
 *   /hugemem/heap_map_pages,<from>  from index <from>, in columns, as many as
 *   /hugemem/heap_map_elems,<from>  fit one reply (counted exactly as they are
 *                                   added: a reply is never cut mid-column)
 * A connection keeps one snapshot (a new heap_map replaces it); the server frees
 * it when the client goes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "snapshot_i.h"
#include "telemetry_i.h"
#include "hugemem/init.h"

/* ---- /eal/heap_list, /eal/heap_info ---- */

static int
heap_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct malloc_heap_desc h;

	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_INT);
	for (int i = 0; i < HM_MAX_HEAPS; i++)
		if (malloc_heap_describe(i, &h) == 0 && h.stats.heap_totalsz_bytes != 0)
			hm_telemetry_data_add_array_int(d, i);
	return 0;
}

static int
heap_info(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct malloc_heap_desc h;
	uint64_t idx;

	(void)cmd;
	if (tel_param_u64(params, HM_MAX_HEAPS - 1, &idx) < 0 ||
	    malloc_heap_describe((int)idx, &h) < 0)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_int(d, "Heap_id", (int)idx);
	hm_telemetry_data_add_dict_string(d, "Name", h.name);
	hm_telemetry_data_add_dict_u64(d, "Heap_size", h.stats.heap_totalsz_bytes);
	hm_telemetry_data_add_dict_u64(d, "Free_size", h.stats.heap_freesz_bytes);
	hm_telemetry_data_add_dict_u64(d, "Alloc_size", h.stats.heap_allocsz_bytes);
	hm_telemetry_data_add_dict_u64(d, "Greatest_free_size", h.stats.greatest_free_size);
	hm_telemetry_data_add_dict_u64(d, "Alloc_count", h.stats.alloc_count);
	hm_telemetry_data_add_dict_u64(d, "Free_count", h.stats.free_count);
	/* hugemem's additions: the node, and the part of Free_size/Free_count that is
	 * blocks in this process's lcore malloc caches */
	hm_telemetry_data_add_dict_int(d, "Socket_id", h.socket_id);
	hm_telemetry_data_add_dict_u64(d, "Cached_size", h.stats.cached_bytes);
	hm_telemetry_data_add_dict_u64(d, "Cached_count", h.stats.cached_count);
	return 0;
}

/* ---- /hugemem/malloc_caches ---- */

static int
malloc_caches(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	uint64_t max_block, count = 0, bytes = 0;
	unsigned int classes, cap;

	(void)cmd;
	(void)params;
	if (!hm_initialized())
		return -1;
	cap = malloc_cache_cap(&classes, &max_block);
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_u64(d, "cap", cap);
	hm_telemetry_data_add_dict_u64(d, "classes", classes);
	hm_telemetry_data_add_dict_u64(d, "max_block", max_block);
	for (unsigned int l = 0; l < HM_MAX_LCORE && cap != 0; l++) {
		struct malloc_cache_desc c;
		struct hm_telemetry_data *x;
		char name[32];

		if (malloc_cache_describe(l, &c) < 0)
			continue;
		x = hm_telemetry_data_alloc();
		if (x == NULL)
			return -1;
		hm_telemetry_data_start_dict(x);
		hm_telemetry_data_add_dict_int(x, "socket_id", c.socket_id);
		hm_telemetry_data_add_dict_u64(x, "count", c.count);
		hm_telemetry_data_add_dict_u64(x, "bytes", c.bytes);
		snprintf(name, sizeof(name), "lcore_%u", l);
		if (hm_telemetry_data_add_dict_container(d, name, x, 0) < 0)
			return -1;
		count += c.count;
		bytes += c.bytes;
	}
	hm_telemetry_data_add_dict_u64(d, "count", count);
	hm_telemetry_data_add_dict_u64(d, "bytes", bytes);
	return 0;
}

/* ---- the heap map ---- */

static void
snap_free(void *p)
{
	hm_heap_snapshot_free(p);
}

static int
heap_map(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct tel_conn *c = tel_conn_current();
	struct hm_heap_snapshot *s;
	uint64_t idx;

	(void)cmd;
	if (tel_param_u64(params, HM_MAX_HEAPS - 1, &idx) < 0)
		return -1;
	s = hm_heap_snapshot((int)idx);
	if (s == NULL)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "name", s->name);
	hm_telemetry_data_add_dict_int(d, "socket_id", s->socket_id);
	hm_telemetry_data_add_dict_int(d, "heap_idx", s->heap_idx);
	hm_telemetry_data_add_dict_u64(d, "total", s->total);
	hm_telemetry_data_add_dict_u64(d, "free_bytes", s->free_bytes);
	hm_telemetry_data_add_dict_u64(d, "cached_bytes", s->cached_bytes);
	hm_telemetry_data_add_dict_u64(d, "n_segs", s->n_segs);
	hm_telemetry_data_add_dict_u64(d, "n_pages", s->n_pages);
	hm_telemetry_data_add_dict_u64(d, "n_elems", s->n_elems);
	if (c != NULL)
		tel_conn_set(c, s, snap_free); /* kept for the part commands */
	else
		hm_heap_snapshot_free(s);
	return 0;
}

static unsigned int
digits(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* JSON bytes of a tag as the writer escapes it (at most 6 per byte). */
static unsigned int
tag_bytes(const char *t)
{
	unsigned int n = 2;

	for (; *t != '\0'; t++)
		n += (unsigned char)*t < 0x20 || *t == '"' || *t == '\\' || (unsigned char)*t >= 0x80 ?
			6 : 1;
	return n;
}

/* Budget of one reply's entries: the frame and the column names take the rest. */
#define PART_BUDGET (HM_TELEMETRY_MAX_OUTPUT_LEN - 512)

/* New u64 (or string) column @p name in @p d; NULL when out of memory. */
static struct hm_telemetry_data *
column(enum hm_telemetry_type t)
{
	struct hm_telemetry_data *c = hm_telemetry_data_alloc();

	if (c != NULL)
		hm_telemetry_data_start_array(c, t);
	return c;
}

enum part { SEGS, PAGES, ELEMS };

static int
heap_map_part(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	static const char *const segc[] = { "base", "len", "page_sz", "msl", "first_page", "n_pages" };
	static const char *const pagec[] = { "addr", "iova", "flags", "socket_id" };
	static const char *const elemc[] = { "addr", "size", "req", "pad", "state", "flags", "tag" };
	struct tel_conn *c = tel_conn_current();
	const struct hm_heap_snapshot *s;
	enum part p;
	const char *const *names;
	struct hm_telemetry_data *col[7];
	size_t nc, used = 0;
	uint64_t from, total;
	int rc = 0;

	if (c == NULL || c->ctx == NULL || c->ctx_free != snap_free)
		return -1; /* no snapshot taken on this connection */
	s = c->ctx;
	p = strcmp(cmd, "/hugemem/heap_map_segs") == 0 ? SEGS :
		strcmp(cmd, "/hugemem/heap_map_pages") == 0 ? PAGES : ELEMS;
	names = p == SEGS ? segc : p == PAGES ? pagec : elemc;
	nc = p == SEGS ? 6 : p == PAGES ? 4 : 7;
	total = p == SEGS ? s->n_segs : p == PAGES ? s->n_pages : s->n_elems;
	if (tel_param_u64(params, total, &from) < 0)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_u64(d, "from", from);
	for (size_t k = 0; k < nc; k++) {
		/* msl and socket_id are signed: int columns */
		col[k] = column(p == ELEMS && k == 6 ? HM_TELEMETRY_STRING :
				p != ELEMS && k == 3 ? HM_TELEMETRY_INT : HM_TELEMETRY_U64);
		if (col[k] == NULL || hm_telemetry_data_add_dict_container(d, names[k], col[k], 0) < 0)
			return -1;
	}
	for (uint64_t i = from; i < total && rc == 0; i++) {
		uint64_t v[7];
		size_t need = 0;

		if (p == SEGS) {
			const struct hm_heap_snapshot_seg *g = &s->segs[i];
			v[0] = g->base, v[1] = g->len, v[2] = g->page_sz;
			v[3] = (uint64_t)(int64_t)g->msl, v[4] = g->first_page, v[5] = g->n_pages;
		} else if (p == PAGES) {
			const struct hm_heap_snapshot_page *g = &s->pages[i];
			v[0] = g->addr, v[1] = g->iova, v[2] = g->flags;
			v[3] = (uint64_t)(int64_t)g->socket_id;
		} else {
			const struct hm_heap_snapshot_elem *e = &s->elems[i];
			v[0] = e->addr, v[1] = e->size, v[2] = e->req, v[3] = e->pad;
			v[4] = e->state, v[5] = e->flags;
			need += tag_bytes(e->tag) + 1;
		}
		for (size_t k = 0; k < (p == ELEMS ? 6 : nc); k++)
			need += digits(v[k]) + 2; /* a sign at most, and the comma */
		if (used + need > PART_BUDGET || i - from >= HM_TELEMETRY_MAX_ARRAY_ENTRIES)
			break;
		used += need;
		for (size_t k = 0; k < (p == ELEMS ? 6 : nc) && rc == 0; k++)
			rc = p != ELEMS && k == 3 ?
				hm_telemetry_data_add_array_int(col[k], (int)(int64_t)v[k]) :
				hm_telemetry_data_add_array_u64(col[k], v[k]);
		if (rc == 0 && p == ELEMS)
			rc = hm_telemetry_data_add_array_string(col[6], s->elems[i].tag);
	}
	return rc < 0 ? -1 : 0;
}

int
tel_heap_endpoints_register(void)
{
	static const struct {
		const char *cmd;
		hm_telemetry_cb fn;
		const char *help;
	} eps[] = {
		{ "/eal/heap_list", heap_list, "Returns the ids of the heaps holding memory. Takes "
		  "no parameters" },
		{ "/eal/heap_info", heap_info, "Returns a heap's name, sizes and counts. Parameters: "
		  "int heap id" },
		{ "/hugemem/malloc_caches", malloc_caches, "Returns the lcore malloc caches of "
		  "this process: blocks and bytes per lcore. Takes no parameters" },
		{ "/hugemem/heap_map", heap_map, "Snapshots a heap for this connection and returns "
		  "its header (hugemem heapmap). Parameters: int heap id" },
		{ "/hugemem/heap_map_segs", heap_map_part, "Returns segments of the snapshot from an "
		  "index on. Parameters: int first index" },
		{ "/hugemem/heap_map_pages", heap_map_part, "Returns pages of the snapshot from an "
		  "index on. Parameters: int first index" },
		{ "/hugemem/heap_map_elems", heap_map_part, "Returns elements of the snapshot from "
		  "an index on. Parameters: int first index" },
	};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(eps) / sizeof(eps[0]); i++)
		rc = tel_register_builtin(eps[i].cmd, eps[i].fn, eps[i].help);
	return rc;
}
