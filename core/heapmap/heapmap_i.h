/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap map internals: the figures (stats.c) and the raster both renderings
 * draw (raster.c): the heap's bytes laid out as a stream of cells, segments in
 * address order, each cell classified by what holds most of its bytes.
 *
 * Layout, the first that fits the cell budget: each segment on rows of its
 * own (LAY_ROWS: few segments), or on cells of its own after one gap cell
 * (LAY_GAPS, CL_GAP), or all laid end to end (LAY_STREAM: very many segments;
 * their starts are then only ticked). A byte at address a of segment i sits at
 * stream offset off[i] + (a - base_i), in cell offset / bpc.
 */
#ifndef HUGEMEM_HEAPMAP_I_H
#define HUGEMEM_HEAPMAP_I_H

#include <stdbool.h>
#include <stdint.h>

#include "common_i.h"
#include "hugemem/heapmap.h"

enum cell_class {
	CL_EMPTY = 0,   /* no heap byte (the end of a segment's last cell) */
	CL_GAP,         /* between segments */
	CL_FREE,
	CL_CACHED,
	CL_PAD,
	CL_OTHER,       /* busy, tag without a colour of its own */
	CL_TAG0,        /* CL_TAG0 + k: st->tags[k] */
	CL_COUNT = CL_TAG0 + HM_HEAPMAP_MAX_TAGS,
};

enum layout { LAY_ROWS, LAY_GAPS, LAY_STREAM };

struct raster {
	uint64_t bpc;        /* bytes per cell: a power of two >= 64 */
	uint64_t n_cells;
	uint64_t cols;       /* cells per row (LAY_ROWS aligns segments to rows) */
	enum layout lay;
	uint8_t *cls;        /* n_cells classes */
	uint64_t *off;       /* per segment: stream offset of its base */
};

/* Class of busy tag @p tag: CL_TAG0 + k, or CL_OTHER. */
HM_INTERNAL unsigned int heapmap_tag_class(const struct hm_heapmap_stats *st, const char *tag);
/* Build the raster with at most @p max_cells cells, @p cols per row. 0 or -ENOMEM. */
HM_INTERNAL int raster_build(const struct hm_heap_snapshot *s, const struct hm_heapmap_stats *st,
			     uint64_t max_cells, uint64_t cols, struct raster *r);
HM_INTERNAL void raster_free(struct raster *r);
/* Stream offset of address @p a in segment @p seg. */
static inline uint64_t
raster_pos(const struct raster *r, const struct hm_heap_snapshot *s, uint32_t seg, uint64_t a)
{
	return r->off[seg] + (a - s->segs[seg].base);
}
/* "1.5 GiB", "64 KiB", "960 B" */
HM_INTERNAL const char *heapmap_bytes(uint64_t b, char *buf, size_t len);
/* Lower bound of free class @p k in bytes. */
HM_INTERNAL uint64_t heapmap_class_min(unsigned int k);

#endif
