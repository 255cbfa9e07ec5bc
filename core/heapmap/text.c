/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The compact text heap map: the figures, then the cells as characters in
 * rows of `cols`, each row led by the address of its first byte.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heapmap_i.h"

static char
cell_char(unsigned int cl)
{
	switch (cl) {
	case CL_EMPTY:
		return ' ';
	case CL_GAP:
		return '|';
	case CL_FREE:
		return '.';
	case CL_CACHED:
		return 'c';
	case CL_PAD:
		return ':';
	case CL_OTHER:
		return '#';
	default:
		return (char)('A' + (cl - CL_TAG0));
	}
}

/* A tag printed in the legend: printable ASCII only (a tag comes from the heap's users). */
static void
safe_tag(const char *tag, char *out, size_t len)
{
	size_t i = 0;

	for (; tag[i] != '\0' && i + 1 < len; i++)
		out[i] = tag[i] >= 0x20 && tag[i] < 0x7f ? tag[i] : '?';
	out[i] = '\0';
	if (i == 0)
		snprintf(out, len, "(untagged)");
}

int
hm_heapmap_text(const struct hm_heap_snapshot *s, unsigned int cols, unsigned int max_rows,
		FILE *f)
{
	struct hm_heapmap_stats st;
	struct raster r;
	char a[32], b[32], c[32], d[32], line[300];
	uint64_t rows;
	int rc, err = 0;

	if (s == NULL || f == NULL)
		return hm_fail(EINVAL, "heap map: NULL snapshot or stream");
	if (cols == 0)
		cols = 64;
	if (max_rows == 0)
		max_rows = 32;
	if (cols < 16 || cols > 256 || max_rows > 100000)
		return hm_fail(EINVAL, "heap map: %u columns is not 16..256 (or max_rows %u is "
			       "too many)", cols, max_rows);
	if ((rc = hm_heapmap_stats(s, &st)) < 0)
		return rc;
	if ((rc = raster_build(s, &st, (uint64_t)cols * max_rows, cols, &r)) < 0)
		return rc;
	errno = 0;
	fprintf(f, "heap %s (socket %d, heap %d): %s in %" PRIu32 " segment(s), %" PRIu64
		" page(s)\n", s->name, s->socket_id, s->heap_idx,
		heapmap_bytes(st.total, a, sizeof(a)), s->n_segs, st.pages);
	fprintf(f, "  busy %s in %" PRIu64 " blocks (padding %s), free %s in %" PRIu64
		" blocks, cached %s in %" PRIu64 " blocks\n",
		heapmap_bytes(st.busy_bytes, a, sizeof(a)), st.n_busy,
		heapmap_bytes(st.pad_bytes, b, sizeof(b)), heapmap_bytes(st.free_bytes, c, sizeof(c)),
		st.n_free, heapmap_bytes(st.cached_bytes, d, sizeof(d)), st.n_cached);
	fprintf(f, "  largest free block %s at 0x%" PRIx64 ", fragmentation %.3f\n",
		heapmap_bytes(st.largest_free, a, sizeof(a)), st.largest_free_addr, st.fragmentation);
	fprintf(f, "  pages that could be returned %" PRIu64 ", free but preallocated %" PRIu64
		", free once lcore caches are flushed %" PRIu64 "\n", st.pages_returnable,
		st.pages_fixed_free, st.pages_after_flush);
	fprintf(f, "  free by block size:");
	for (unsigned int k = 0; k < HM_HEAPMAP_CLASSES; k++)
		if (st.class_count[k] != 0)
			fprintf(f, " %s%s: %" PRIu64 " (%s)", k + 1 < HM_HEAPMAP_CLASSES ? "<" : ">=",
				heapmap_bytes(heapmap_class_min(k + (k + 1 < HM_HEAPMAP_CLASSES)), a,
					      sizeof(a)), st.class_count[k],
				heapmap_bytes(st.class_bytes[k], b, sizeof(b)));
	fprintf(f, "%s\n", st.n_free == 0 ? " none" : "");
	fprintf(f, "  legend: . free  c cached  : padding  | segment boundary");
	for (unsigned int k = 0; k < st.n_tags; k++) {
		unsigned int cl = heapmap_tag_class(&st, st.tags[k].tag);
		char t[HM_HEAP_SNAPSHOT_TAG_LEN + 12];
		safe_tag(st.tags[k].tag, t, sizeof(t));
		fprintf(f, "%s%c %s %s", k % 4 == 0 ? "\n    " : "  ", cell_char(cl), t,
			heapmap_bytes(st.tags[k].bytes, a, sizeof(a)));
	}
	fprintf(f, "\n  one character = %s\n", heapmap_bytes(r.bpc, a, sizeof(a)));
	rows = (r.n_cells + cols - 1) / cols;
	for (uint64_t row = 0; row < rows; row++) {
		uint64_t first = row * cols, n = r.n_cells - first < cols ? r.n_cells - first : cols;
		uint64_t pos = first * r.bpc, addr = 0;
		uint32_t seg = 0;

		while (seg + 1 < s->n_segs && r.off[seg + 1] <= pos)
			seg++;
		if (s->n_segs > 0 && pos >= r.off[seg])
			addr = s->segs[seg].base + (pos - r.off[seg]);
		for (uint64_t i = 0; i < n; i++)
			line[i] = cell_char(r.cls[first + i]);
		line[n] = '\0';
		fprintf(f, "  0x%012" PRIx64 " %s\n", addr, line);
	}
	raster_free(&r);
	if ((ferror(f) || fflush(f) != 0) && err == 0)
		err = errno != 0 ? errno : EIO;
	if (err != 0)
		return hm_fail(err, "heap map: cannot write the text map: %s", hm_strerror(err));
	return 0;
}
