/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The figures of a heap snapshot (hm_heapmap_stats) and the raster of cells
 * both renderings draw (heapmap_i.h describes the layout).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "heapmap_i.h"

const char *
heapmap_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	double v = (double)b;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

uint64_t
heapmap_class_min(unsigned int k)
{
	return 64ULL << (2 * k);
}

static unsigned int
free_class(uint64_t size)
{
	unsigned int k = 0;

	while (k + 1 < HM_HEAPMAP_CLASSES && size >= heapmap_class_min(k + 1))
		k++;
	return k;
}

unsigned int
heapmap_tag_class(const struct hm_heapmap_stats *st, const char *tag)
{
	for (unsigned int k = 0; k < st->n_tags && k < HM_HEAPMAP_MAX_TAGS; k++)
		if (strcmp(st->tags[k].tag, tag) == 0 && strcmp(tag, "(other)") != 0)
			return CL_TAG0 + k;
	return CL_OTHER;
}

static int
tag_cmp(const void *a, const void *b)
{
	const struct hm_heapmap_tag *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->tag, y->tag);
}

static uint64_t
tag_hash(const char *t)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *t != '\0'; t++)
		h = (h ^ (unsigned char)*t) * 1099511628211ULL;
	return h;
}

/* Every distinct tag with its bytes (an open-addressing table: a hostile
 * snapshot may have a distinct tag per block), then the biggest kept and the
 * rest summed. */
static int
count_tags(const struct hm_heap_snapshot *s, struct hm_heapmap_stats *st)
{
	struct hm_heapmap_tag *t = NULL, *all;
	uint64_t cap = 0, n = 0;

	for (uint32_t i = 0; i < s->n_elems; i++) {
		const struct hm_heap_snapshot_elem *e = &s->elems[i];
		uint64_t h;

		if (e->state != HM_HEAP_ELEM_BUSY)
			continue;
		if (2 * (n + 1) > cap) { /* grow: rehash everything */
			uint64_t c = cap == 0 ? 64 : cap * 2;
			struct hm_heapmap_tag *m = calloc(c, sizeof(*m));
			if (m == NULL) {
				free(t);
				return hm_fail(ENOMEM, "heap map: out of memory for tags");
			}
			for (uint64_t k = 0; k < cap; k++) {
				if (t[k].count == 0)
					continue;
				for (h = tag_hash(t[k].tag) & (c - 1); m[h].count != 0; h = (h + 1) & (c - 1))
					;
				m[h] = t[k];
			}
			free(t);
			t = m;
			cap = c;
		}
		for (h = tag_hash(e->tag) & (cap - 1); t[h].count != 0 && strcmp(t[h].tag, e->tag) != 0;
		     h = (h + 1) & (cap - 1))
			;
		if (t[h].count == 0) {
			snprintf(t[h].tag, sizeof(t[h].tag), "%s", e->tag);
			n++;
		}
		t[h].bytes += e->size;
		t[h].count++;
	}
	/* compact, sort by bytes */
	all = t;
	n = 0;
	for (uint64_t k = 0; k < cap; k++)
		if (t[k].count != 0)
			all[n++] = t[k];
	if (n > 0)
		qsort(all, n, sizeof(all[0]), tag_cmp);
	st->n_tags = n < HM_HEAPMAP_MAX_TAGS ? (unsigned int)n : HM_HEAPMAP_MAX_TAGS;
	if (st->n_tags > 0)
		memcpy(st->tags, all, st->n_tags * sizeof(all[0]));
	if (n > HM_HEAPMAP_MAX_TAGS) {
		struct hm_heapmap_tag *o = &st->tags[st->n_tags++];
		memset(o, 0, sizeof(*o));
		snprintf(o->tag, sizeof(o->tag), "(other)");
		for (uint64_t k = HM_HEAPMAP_MAX_TAGS; k < n; k++) {
			o->bytes += all[k].bytes;
			o->count += all[k].count;
		}
	}
	free(t);
	return 0;
}

/* Pages wholly inside free (and cached) elements. */
static void
count_pages(const struct hm_heap_snapshot *s, struct hm_heapmap_stats *st)
{
	uint32_t e = 0;

	for (uint32_t g = 0; g < s->n_segs; g++) {
		const struct hm_heap_snapshot_seg *sg = &s->segs[g];

		for (uint32_t p = 0; p < sg->n_pages; p++) {
			const struct hm_heap_snapshot_page *pg = &s->pages[sg->first_page + p];
			uint64_t a = pg->addr, end = a + sg->page_sz;
			bool all_free = true, any_cached = false;

			/* elements are sorted: skip those that end before the page */
			while (e < s->n_elems && s->elems[e].addr + s->elems[e].size <= a)
				e++;
			for (uint32_t i = e; i < s->n_elems && s->elems[i].addr < end; i++) {
				all_free &= s->elems[i].state != HM_HEAP_ELEM_BUSY;
				any_cached |= s->elems[i].state == HM_HEAP_ELEM_CACHED;
				if (!all_free)
					break;
			}
			st->pages++;
			if (!all_free)
				continue;
			if (any_cached)
				st->pages_after_flush++;
			else if (pg->flags & HM_MEMSEG_FLAG_DO_NOT_FREE)
				st->pages_fixed_free++;
			else
				st->pages_returnable++;
		}
	}
}

int
hm_heapmap_stats(const struct hm_heap_snapshot *s, struct hm_heapmap_stats *st)
{
	const char *why;

	if (s == NULL || st == NULL)
		return hm_fail(EINVAL, "heap map: NULL snapshot or stats");
	if (hm_heap_snapshot_check(s, &why) < 0)
		return hm_fail(EFAULT, "heap map: the snapshot is inconsistent: %s", why);
	memset(st, 0, sizeof(*st));
	st->total = s->total;
	for (uint32_t i = 0; i < s->n_elems; i++) {
		const struct hm_heap_snapshot_elem *e = &s->elems[i];

		switch (e->state) {
		case HM_HEAP_ELEM_FREE:
			st->free_bytes += e->size;
			st->n_free++;
			st->class_bytes[free_class(e->size)] += e->size;
			st->class_count[free_class(e->size)]++;
			if (e->size > st->largest_free) {
				st->largest_free = e->size;
				st->largest_free_addr = e->addr;
			}
			break;
		case HM_HEAP_ELEM_CACHED:
			st->cached_bytes += e->size;
			st->n_cached++;
			break;
		default:
			st->busy_bytes += e->size;
			st->n_busy++;
			st->pad_bytes += e->pad;
			if (e->flags & HM_HEAP_ELEM_F_MEMZONE) {
				st->memzone_bytes += e->size;
				st->n_memzone++;
			}
			break;
		}
	}
	st->fragmentation = st->free_bytes == 0 ? 0.0 :
		1.0 - (double)st->largest_free / (double)st->free_bytes;
	count_pages(s, st);
	return count_tags(s, st);
}

/* ---------------------------------------------------------------- raster */

void
raster_free(struct raster *r)
{
	free(r->cls);
	free(r->off);
	memset(r, 0, sizeof(*r));
}

/* Cells of segment @p g at @p bpc in layout @p lay (its gap or row padding included). */
static uint64_t
seg_cells(const struct hm_heap_snapshot_seg *g, uint64_t bpc, enum layout lay, uint64_t cols,
	  bool first)
{
	uint64_t c = (g->len + bpc - 1) / bpc;

	if (lay == LAY_ROWS)
		return (c + cols - 1) / cols * cols;
	return c + (lay == LAY_GAPS && !first);
}

/* Cells the layout needs at @p bpc. */
static uint64_t
cells_at(const struct hm_heap_snapshot *s, uint64_t bpc, enum layout lay, uint64_t cols)
{
	uint64_t n = 0, bytes = 0;

	for (uint32_t i = 0; i < s->n_segs; i++) {
		if (lay == LAY_STREAM)
			bytes += s->segs[i].len;
		else
			n += seg_cells(&s->segs[i], bpc, lay, cols, i == 0);
	}
	return lay == LAY_STREAM ? (bytes + bpc - 1) / bpc : n;
}

struct acc {
	uint64_t cell;      /* the cell being filled, or UINT64_MAX */
	uint64_t bytes[CL_COUNT];
};

static void
settle(struct raster *r, struct acc *a)
{
	unsigned int best = CL_EMPTY;

	if (a->cell == UINT64_MAX)
		return;
	for (unsigned int c = 0; c < CL_COUNT; c++)
		if (a->bytes[c] > a->bytes[best])
			best = c;
	r->cls[a->cell] = (uint8_t)best;
	a->cell = UINT64_MAX;
	memset(a->bytes, 0, sizeof(a->bytes));
}

/* Stream bytes [from, to) belong to class @p cl. */
static void
paint(struct raster *r, struct acc *a, unsigned int cl, uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t c = from / r->bpc, cell_end = (c + 1) * r->bpc;
		uint64_t n = (to < cell_end ? to : cell_end) - from;

		if (c != a->cell)
			settle(r, a);
		if (n == r->bpc) {
			r->cls[c] = (uint8_t)cl; /* a whole cell: no mix */
			from += n;
			continue;
		}
		a->cell = c;
		a->bytes[cl] += n;
		from += n;
	}
}

int
raster_build(const struct hm_heap_snapshot *s, const struct hm_heapmap_stats *st,
	     uint64_t max_cells, uint64_t cols, struct raster *r)
{
	struct acc a = { .cell = UINT64_MAX };
	uint64_t bpc = 64, stream = 0;
	uint32_t seg = 0;

	memset(r, 0, sizeof(*r));
	r->cols = cols;
	/* rows of their own for a few segments (at most a quarter of the budget
	 * spent on row ends), cells of their own for more, one stream for many */
	r->lay = (uint64_t)s->n_segs * cols * 4 <= max_cells ? LAY_ROWS :
		2ULL * s->n_segs <= max_cells ? LAY_GAPS : LAY_STREAM;
	while (cells_at(s, bpc, r->lay, cols) > max_cells && bpc < (1ULL << 62))
		bpc <<= 1;
	r->bpc = bpc;
	r->n_cells = cells_at(s, bpc, r->lay, cols);
	r->cls = calloc(r->n_cells > 0 ? r->n_cells : 1, 1);
	r->off = calloc(s->n_segs > 0 ? s->n_segs : 1, sizeof(r->off[0]));
	if (r->cls == NULL || r->off == NULL) {
		raster_free(r);
		return hm_fail(ENOMEM, "heap map: out of memory for %" PRIu64 " cells", r->n_cells);
	}
	for (uint32_t i = 0; i < s->n_segs; i++) {
		if (r->lay == LAY_GAPS && i > 0) {
			r->cls[stream / bpc] = CL_GAP;
			stream += bpc;
		}
		r->off[i] = stream;
		stream += r->lay == LAY_STREAM ? s->segs[i].len :
			(seg_cells(&s->segs[i], bpc, r->lay, cols, true)) * bpc;
	}
	for (uint32_t i = 0; i < s->n_elems; i++) {
		const struct hm_heap_snapshot_elem *e = &s->elems[i];
		uint64_t from, body;
		unsigned int cl;

		while (e->addr >= s->segs[seg].base + s->segs[seg].len)
			seg++; /* the snapshot passed its check: elements lie in segments */
		from = raster_pos(r, s, seg, e->addr);
		body = from;
		switch (e->state) {
		case HM_HEAP_ELEM_FREE:
			cl = CL_FREE;
			break;
		case HM_HEAP_ELEM_CACHED:
			cl = CL_CACHED;
			break;
		default:
			cl = heapmap_tag_class(st, e->tag);
			if (e->pad != 0) {
				paint(r, &a, CL_PAD, from, from + e->pad);
				body = from + e->pad;
			}
			break;
		}
		paint(r, &a, cl, body, from + e->size);
	}
	settle(r, &a);
	return 0;
}
