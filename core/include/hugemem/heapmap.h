/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap maps: a picture of one heap (SVG, or a compact text rendering) from a
 * snapshot (hm_heap_snapshot, hugemem/malloc.h), with the figures people ask
 * when memory runs short: busy bytes by type tag, free space by size class, the
 * largest free block, fragmentation, and the pages that could be given back.
 *
 * A snapshot comes from the process itself (hm_heap_snapshot), from a JSON
 * file written by hm_heapmap_json_write (hugemem heapmap --json), or from a
 * running process through its telemetry socket (hm_heapmap_fetch).
 *
 * The picture: every segment (a run of pages of one memseg list) in address
 * order, rows of HM_HEAPMAP_SVG_COLS cells, each cell a fixed number of bytes
 * (64 bytes at least; more when the heap is large, so that the picture stays
 * below HM_HEAPMAP_SVG_MAX_CELLS cells: a 1 GiB heap of 10^5 elements gives
 * about 1.4 MiB of SVG). A cell takes the colour of what holds most of its
 * bytes: a busy block's type tag (the HM_HEAPMAP_MAX_TAGS biggest tags each
 * have a colour, the rest share one), free, cached in an lcore's malloc cache,
 * or alignment padding. Page starts are ticked when a page spans several
 * cells; pages that could be returned are underlined; the largest free block
 * is outlined. Hovering a row shows its address range.
 */
#ifndef HUGEMEM_HEAPMAP_H
#define HUGEMEM_HEAPMAP_H

#include <stdint.h>
#include <stdio.h>

#include "hugemem/malloc.h"
#include "hugemem/memseg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_HEAPMAP_MAX_TAGS 10      /* busy tags with a colour of their own */
#define HM_HEAPMAP_CLASSES 12       /* free space classes: [64,256), [256,1K), ... x4 ..., >= 256M */
#define HM_HEAPMAP_SVG_COLS 512     /* cells per row */
#define HM_HEAPMAP_SVG_MAX_CELLS (512 * 96)

/** Busy bytes of one type tag. */
struct hm_heapmap_tag {
	char tag[HM_HEAP_SNAPSHOT_TAG_LEN]; /* "" for untagged blocks; "(other)" collects the rest */
	uint64_t bytes;     /* element sizes, headers and padding included */
	uint64_t count;     /* blocks */
};

/** The figures of a snapshot. */
struct hm_heapmap_stats {
	uint64_t total;           /* bytes in the heap */
	uint64_t busy_bytes, n_busy;     /* allocated blocks (element sizes) */
	uint64_t pad_bytes;       /* of busy_bytes: alignment padding */
	uint64_t memzone_bytes, n_memzone; /* of busy: blocks of memzones (rings, pools) */
	uint64_t free_bytes, n_free;     /* free elements */
	uint64_t cached_bytes, n_cached; /* blocks in lcore malloc caches */
	uint64_t largest_free;    /* the largest free element, bytes (0: none) */
	uint64_t largest_free_addr;
	/* 1 - largest_free / free_bytes: 0 when all free space is one block, close
	 * to 1 when it is in many small pieces (0 when nothing is free) */
	double fragmentation;
	/* free elements by size: class k holds sizes in [64 * 4^k, 64 * 4^(k+1)),
	 * the last one everything from 256 MiB */
	uint64_t class_bytes[HM_HEAPMAP_CLASSES];
	uint64_t class_count[HM_HEAPMAP_CLASSES];
	uint64_t pages;           /* pages under the heap (0 for a buffer heap) */
	uint64_t pages_returnable;/* wholly inside a free element, not preallocated:
				     the heap could give them back to the backend */
	uint64_t pages_fixed_free;/* wholly free but preallocated (DO_NOT_FREE): never returned */
	uint64_t pages_after_flush; /* wholly free or cached, some cached: returnable
				       once the lcore caches are flushed */
	unsigned int n_tags;      /* entries of tags[], biggest first; the last may be "(other)" */
	struct hm_heapmap_tag tags[HM_HEAPMAP_MAX_TAGS + 1];
};

/** Compute the figures. @return 0, -EINVAL (NULL), -EFAULT (a snapshot that fails its check). */
int hm_heapmap_stats(const struct hm_heap_snapshot *s, struct hm_heapmap_stats *st);

/**
 * Draw @p s as an SVG document on @p f (title: @p title, may be NULL).
 * @return 0; -EINVAL (NULL), -EFAULT (the snapshot fails its check), -EIO
 *   (writing failed: errno of the stream).
 */
int hm_heapmap_svg(const struct hm_heap_snapshot *s, const char *title, FILE *f);

/**
 * The compact text rendering: figures, then the map in rows of @p cols
 * characters (16..256; 0: 64), at most @p max_rows rows (0: 32). Legend: '.'
 * free, 'c' cached, ':' padding, 'A'.. the busy tags in order of size, '#' the
 * other busy blocks, '|' a segment boundary.
 * @return 0, -EINVAL, -EFAULT, -EIO as hm_heapmap_svg.
 */
int hm_heapmap_text(const struct hm_heap_snapshot *s, unsigned int cols, unsigned int max_rows,
		    FILE *f);

/** Write @p s as JSON (the format hm_heapmap_json_read reads). @return as above. */
int hm_heapmap_json_write(const struct hm_heap_snapshot *s, FILE *f);
/**
 * Read a snapshot written by hm_heapmap_json_write (any origin: checked with
 * hm_heap_snapshot_check). Free with hm_heap_snapshot_free.
 * NULL + hm_errno EINVAL (not JSON, not a snapshot, fails the check: the
 * message names the byte or the broken invariant), ENOMEM.
 */
struct hm_heap_snapshot *hm_heapmap_json_read(const char *text, size_t len);

/**
 * Snapshot heap @p heap_idx of the process serving telemetry for @p prefix,
 * instance @p instance (hm_telemetry_path), through its socket: one request for
 * the snapshot, then its segments, pages and elements in pieces.
 * NULL + hm_errno: ENOENT/ECONNREFUSED (no such process), ETIMEDOUT, EPROTO (an
 * answer that is not a snapshot), ENODEV (no such heap there), ENOMEM.
 */
struct hm_heap_snapshot *hm_heapmap_fetch(const char *prefix, unsigned int instance,
					  int heap_idx);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_HEAPMAP_H */
