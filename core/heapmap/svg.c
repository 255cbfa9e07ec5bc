/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SVG heap map (hugemem/heapmap.h says what it shows). One rect per run of
 * equal cells in a row, colours from a <style> sheet, so the document stays
 * small: at most HM_HEAPMAP_SVG_MAX_CELLS cells, a few MB in the worst case
 * (every cell differing from its neighbour). Text that comes from the
 * snapshot (tags, the heap name) is escaped for XML and made valid UTF-8.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heapmap_i.h"
#include "telemetry_i.h"

#define COLS HM_HEAPMAP_SVG_COLS
#define CELL_W 2          /* px per cell */
#define ROW_H 10          /* px per row, 8 of them the cells */
#define MAP_X 150         /* left margin: row addresses */
#define MAP_Y 150         /* top: title and figures */
#define WIDTH (MAP_X + COLS * CELL_W + 20)

static const char *const tag_colours[HM_HEAPMAP_MAX_TAGS] = {
	"#1f77b4", "#9467bd", "#d62728", "#8c564b", "#e377c2",
	"#17becf", "#bcbd22", "#393b79", "#843c39", "#7b4173",
};

struct out {
	FILE *f;
	int err;
};

static void HM_PRINTF(2, 3)
put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0 && o->err == 0)
		o->err = errno != 0 ? errno : EIO;
	va_end(ap);
}

/* @p s escaped for XML text and attributes; bytes that are not valid UTF-8
 * or not allowed in XML become '?'. */
static void
put_text(struct out *o, const char *s)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + strlen(s);

	while (*u != '\0') {
		size_t l = 1;

		if (*u == '&')
			put(o, "&amp;");
		else if (*u == '<')
			put(o, "&lt;");
		else if (*u == '>')
			put(o, "&gt;");
		else if (*u == '"')
			put(o, "&quot;");
		else if (*u < 0x20 || *u == 0x7f)
			put(o, "?");
		else if (*u < 0x80)
			put(o, "%c", *u);
		else {
			/* a whole valid sequence, or '?' for its first byte */
			l = tel_utf8_len(u, (size_t)(end - u));
			if (l == 0) {
				put(o, "?");
				l = 1;
			} else {
				put(o, "%.*s", (int)l, (const char *)u);
			}
		}
		u += l;
	}
}

static const char *
fill_of(unsigned int cl)
{
	switch (cl) {
	case CL_FREE:
		return "#b7e4c7";
	case CL_CACHED:
		return "#f4a261";
	case CL_PAD:
		return "#c8c8c8";
	case CL_OTHER:
		return "#555555";
	case CL_GAP:
		return "#222222";
	default:
		return cl >= CL_TAG0 && cl < CL_COUNT ? tag_colours[cl - CL_TAG0] : "#ffffff";
	}
}

static void
header(struct out *o, const struct hm_heap_snapshot *s, const struct hm_heapmap_stats *st,
       const struct raster *r, const char *title, uint64_t rows)
{
	char a[32], b[32], c[32], d[32], e[32];
	/* the legend: tags, three fixed entries, then the size classes */
	uint64_t height = MAP_Y + rows * ROW_H + 30 + (HM_HEAPMAP_MAX_TAGS + 1 + 3) * 16 + 26 +
		HM_HEAPMAP_CLASSES * 12 + 20;

	put(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	put(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%" PRIu64 "\" "
	    "viewBox=\"0 0 %d %" PRIu64 "\" font-family=\"monospace\" font-size=\"11\">\n",
	    WIDTH, height, WIDTH, height);
	put(o, "<style>");
	for (unsigned int cl = CL_GAP; cl < CL_COUNT; cl++)
		put(o, ".c%u{fill:%s}", cl, fill_of(cl));
	put(o, ".pg{stroke:#000;stroke-opacity:.8;stroke-width:1.5;fill:none}"
	    ".rt{fill:#2a9d8f}.fx{fill:#8d99ae}.fl{fill:#e76f51}"
	    ".big{fill:none;stroke:#e63946;stroke-width:1.5}</style>\n");
	put(o, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	put(o, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">");
	put_text(o, title != NULL ? title : "heap map");
	put(o, ": heap ");
	put_text(o, s->name);
	put(o, " (socket %d, heap %d)</text>\n", s->socket_id, s->heap_idx);
	put(o, "<text x=\"10\" y=\"40\">%s in %" PRIu32 " segment(s), %" PRIu64 " page(s); "
	    "one cell = %s, %" PRIu64 " cells</text>\n", heapmap_bytes(st->total, a, sizeof(a)),
	    s->n_segs, st->pages, heapmap_bytes(r->bpc, b, sizeof(b)), r->n_cells);
	put(o, "<text x=\"10\" y=\"56\">busy %s in %" PRIu64 " blocks (padding %s, memzones %s); "
	    "free %s in %" PRIu64 " blocks; cached %s in %" PRIu64 " blocks</text>\n",
	    heapmap_bytes(st->busy_bytes, a, sizeof(a)), st->n_busy,
	    heapmap_bytes(st->pad_bytes, b, sizeof(b)), heapmap_bytes(st->memzone_bytes, c, sizeof(c)),
	    heapmap_bytes(st->free_bytes, d, sizeof(d)), st->n_free,
	    heapmap_bytes(st->cached_bytes, e, sizeof(e)), st->n_cached);
	put(o, "<text x=\"10\" y=\"72\">largest free block %s at 0x%" PRIx64 " (outlined); "
	    "fragmentation %.3f (1 - largest free / free)</text>\n",
	    heapmap_bytes(st->largest_free, a, sizeof(a)), st->largest_free_addr,
	    st->fragmentation);
	put(o, "<text x=\"10\" y=\"88\">pages that could be returned: %" PRIu64 " "
	    "(underlined <tspan class=\"rt\">green</tspan>); free but preallocated: %" PRIu64
	    " (<tspan class=\"fx\">grey</tspan>); free once lcore caches are flushed: %" PRIu64
	    " (<tspan class=\"fl\">orange</tspan>)</text>\n",
	    st->pages_returnable, st->pages_fixed_free, st->pages_after_flush);
	put(o, "<text x=\"10\" y=\"%d\" fill=\"#666\">each cell shows what holds most of its "
	    "bytes; each segment (a run of pages of one memseg list) starts a new row or follows "
	    "a dark cell; ticks mark page starts</text>\n",
	    MAP_Y - 14);
}

static void
row_label(struct out *o, const struct hm_heap_snapshot *s, const struct raster *r, uint64_t row)
{
	uint64_t pos = row * COLS * r->bpc;
	uint32_t seg = 0;

	/* the segment holding this row's first byte (streams are in segment order) */
	while (seg + 1 < s->n_segs && r->off[seg + 1] <= pos)
		seg++;
	if (s->n_segs == 0)
		return;
	if (pos < r->off[seg])
		pos = r->off[seg];
	if (pos - r->off[seg] >= s->segs[seg].len)
		return; /* a row of padding cells */
	put(o, "<text x=\"%d\" y=\"%" PRIu64 "\" text-anchor=\"end\">0x%" PRIx64 "</text>\n",
	    MAP_X - 6, MAP_Y + row * ROW_H + 8, s->segs[seg].base + (pos - r->off[seg]));
}

/* An underline (returnable pages) or outline (largest block) of stream bytes
 * [from, to), one rect per row it touches. */
static void
span(struct out *o, const struct raster *r, uint64_t from, uint64_t to, const char *cls, int y_off,
     int h)
{
	uint64_t c0 = from / r->bpc, c1 = (to + r->bpc - 1) / r->bpc;

	while (c0 < c1) {
		uint64_t row = c0 / COLS, end = (row + 1) * COLS < c1 ? (row + 1) * COLS : c1;
		put(o, "<rect class=\"%s\" x=\"%" PRIu64 "\" y=\"%" PRIu64 "\" width=\"%" PRIu64
		    "\" height=\"%d\"/>\n", cls, MAP_X + (c0 % COLS) * CELL_W,
		    MAP_Y + row * ROW_H + (uint64_t)y_off, (end - c0) * CELL_W, h);
		c0 = end;
	}
}

static void
map(struct out *o, const struct hm_heap_snapshot *s, const struct hm_heapmap_stats *st,
    const struct raster *r, uint64_t rows)
{
	for (uint64_t row = 0; row < rows; row++) {
		uint64_t first = row * COLS, last = first + COLS < r->n_cells ? first + COLS : r->n_cells;
		uint64_t addr = 0;

		row_label(o, s, r, row);
		put(o, "<g transform=\"translate(%d,%" PRIu64 ")\">", MAP_X, MAP_Y + row * ROW_H);
		{
			/* hover: the row's address range */
			uint32_t seg = 0;
			uint64_t pos = first * r->bpc;
			while (seg + 1 < s->n_segs && r->off[seg + 1] <= pos)
				seg++;
			if (s->n_segs > 0 && pos >= r->off[seg])
				addr = s->segs[seg].base + (pos - r->off[seg]);
			put(o, "<title>0x%" PRIx64 " + %" PRIu64 " cells of %" PRIu64 " bytes</title>",
			    addr, last - first, r->bpc);
		}
		for (uint64_t c = first; c < last;) {
			uint64_t e = c + 1;
			while (e < last && r->cls[e] == r->cls[c])
				e++;
			if (r->cls[c] != CL_EMPTY)
				put(o, "<rect class=\"c%u\" x=\"%" PRIu64 "\" width=\"%" PRIu64 "\" "
				    "height=\"8\"/>", r->cls[c], (c - first) * CELL_W, (e - c) * CELL_W);
			c = e;
		}
		put(o, "</g>\n");
	}
	/* segments: a rule above each one after the first, and what it is on hover */
	for (uint32_t g = 0; g < s->n_segs; g++) {
		const struct hm_heap_snapshot_seg *sg = &s->segs[g];
		uint64_t c = r->off[g] / r->bpc;
		char psz[32], len[32];

		put(o, "<rect class=\"c%d\" x=\"%d\" y=\"%" PRIu64 "\" width=\"%d\" height=\"1\">"
		    "<title>segment %" PRIu32 ": 0x%" PRIx64 " + %s, memseg list %" PRId32 ", pages of %s"
		    "</title></rect>\n", CL_GAP, MAP_X - 8, MAP_Y + (c / COLS) * ROW_H - 1,
		    g == 0 ? 8 : COLS * CELL_W + 8, g, sg->base,
		    heapmap_bytes(sg->len, len, sizeof(len)), sg->msl,
		    sg->page_sz != 0 ? heapmap_bytes(sg->page_sz, psz, sizeof(psz)) : "(a buffer)");
	}
	/* page starts, when a page spans several cells */
	for (uint32_t g = 0; g < s->n_segs; g++) {
		const struct hm_heap_snapshot_seg *sg = &s->segs[g];

		if (sg->page_sz < 4 * r->bpc)
			continue;
		put(o, "<path class=\"pg\" d=\"");
		for (uint32_t p = 0; p < sg->n_pages; p++) {
			uint64_t c = raster_pos(r, s, g, sg->base + p * sg->page_sz) / r->bpc;
			/* a mark on the map and one in the margin */
			put(o, "M%" PRIu64 " %" PRIu64 "v8M%d %" PRIu64 "h4",
			    MAP_X + (c % COLS) * CELL_W, MAP_Y + (c / COLS) * ROW_H, MAP_X - 5,
			    MAP_Y + (c / COLS) * ROW_H + 4);
		}
		put(o, "\"/>\n");
	}
	/* pages by what could be given back */
	{
		uint32_t e = 0;
		for (uint32_t g = 0; g < s->n_segs; g++) {
			const struct hm_heap_snapshot_seg *sg = &s->segs[g];
			for (uint32_t p = 0; p < sg->n_pages; p++) {
				const struct hm_heap_snapshot_page *pg = &s->pages[sg->first_page + p];
				uint64_t a = pg->addr, end = a + sg->page_sz;
				bool all_free = true, any_cached = false;
				const char *cls;

				while (e < s->n_elems && s->elems[e].addr + s->elems[e].size <= a)
					e++;
				for (uint32_t i = e; i < s->n_elems && s->elems[i].addr < end &&
				     all_free; i++) {
					all_free &= s->elems[i].state != HM_HEAP_ELEM_BUSY;
					any_cached |= s->elems[i].state == HM_HEAP_ELEM_CACHED;
				}
				if (!all_free)
					continue;
				cls = any_cached ? "fl" : (pg->flags & HM_MEMSEG_FLAG_DO_NOT_FREE) ?
					"fx" : "rt";
				span(o, r, raster_pos(r, s, g, a), raster_pos(r, s, g, end), cls, 8, 2);
			}
		}
	}
	/* the largest free block */
	if (st->largest_free != 0) {
		uint32_t g = 0;
		while (st->largest_free_addr >= s->segs[g].base + s->segs[g].len)
			g++;
		uint64_t from = raster_pos(r, s, g, st->largest_free_addr);
		span(o, r, from, from + st->largest_free, "big", 0, 8);
	}
}

static void
legend(struct out *o, const struct hm_heapmap_stats *st, uint64_t y)
{
	char a[32], b[32];
	uint64_t max = 1;

	put(o, "<text x=\"10\" y=\"%" PRIu64 "\" font-weight=\"bold\">busy by type tag</text>\n", y);
	y += 16;
	for (unsigned int k = 0; k < st->n_tags; k++, y += 16) {
		unsigned int cl = heapmap_tag_class(st, st->tags[k].tag);
		put(o, "<rect class=\"c%u\" x=\"10\" y=\"%" PRIu64 "\" width=\"12\" height=\"10\"/>",
		    cl, y - 9);
		put(o, "<text x=\"28\" y=\"%" PRIu64 "\">", y);
		put_text(o, st->tags[k].tag[0] != '\0' ? st->tags[k].tag : "(untagged)");
		put(o, ": %s in %" PRIu64 " blocks</text>\n",
		    heapmap_bytes(st->tags[k].bytes, a, sizeof(a)), st->tags[k].count);
	}
	static const struct {
		unsigned int cl;
		const char *what;
	} fixed[] = { { CL_FREE, "free" }, { CL_CACHED, "cached (lcore malloc caches)" },
		      { CL_PAD, "alignment padding" } };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++, y += 16)
		put(o, "<rect class=\"c%u\" x=\"10\" y=\"%" PRIu64 "\" width=\"12\" height=\"10\"/>"
		    "<text x=\"28\" y=\"%" PRIu64 "\">%s</text>\n", fixed[i].cl, y - 9, y,
		    fixed[i].what);
	/* free space by size class */
	y += 10;
	put(o, "<text x=\"10\" y=\"%" PRIu64 "\" font-weight=\"bold\">free space by block size"
	    "</text>\n", y);
	y += 16;
	for (unsigned int k = 0; k < HM_HEAPMAP_CLASSES; k++)
		if (st->class_bytes[k] > max)
			max = st->class_bytes[k];
	for (unsigned int k = 0; k < HM_HEAPMAP_CLASSES; k++, y += 12) {
		uint64_t w = st->class_bytes[k] * 600 / max;
		put(o, "<text x=\"10\" y=\"%" PRIu64 "\">%s%s</text>", y,
		    k + 1 < HM_HEAPMAP_CLASSES ? "&lt; " : "&gt;= ",
		    heapmap_bytes(heapmap_class_min(k + (k + 1 < HM_HEAPMAP_CLASSES)), a, sizeof(a)));
		put(o, "<rect class=\"c%d\" x=\"110\" y=\"%" PRIu64 "\" width=\"%" PRIu64 "\" "
		    "height=\"9\"/><text x=\"%" PRIu64 "\" y=\"%" PRIu64 "\">%s in %" PRIu64
		    " blocks</text>\n", CL_FREE, y - 8, w, 116 + w, y,
		    heapmap_bytes(st->class_bytes[k], b, sizeof(b)), st->class_count[k]);
	}
}

int
hm_heapmap_svg(const struct hm_heap_snapshot *s, const char *title, FILE *f)
{
	struct hm_heapmap_stats st;
	struct raster r;
	struct out o = { .f = f };
	uint64_t rows;
	int rc;

	if (s == NULL || f == NULL)
		return hm_fail(EINVAL, "heap map: NULL snapshot or stream");
	if ((rc = hm_heapmap_stats(s, &st)) < 0)
		return rc;
	if ((rc = raster_build(s, &st, HM_HEAPMAP_SVG_MAX_CELLS, COLS, &r)) < 0)
		return rc;
	rows = (r.n_cells + COLS - 1) / COLS;
	errno = 0;
	header(&o, s, &st, &r, title, rows);
	map(&o, s, &st, &r, rows);
	legend(&o, &st, MAP_Y + rows * ROW_H + 30);
	put(&o, "</svg>\n");
	raster_free(&r);
	if (fflush(f) != 0 && o.err == 0)
		o.err = errno != 0 ? errno : EIO;
	if (o.err != 0)
		return hm_fail(o.err, "heap map: cannot write the SVG: %s", hm_strerror(o.err));
	return 0;
}
