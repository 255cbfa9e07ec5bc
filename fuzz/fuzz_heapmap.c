/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap map inputs of any origin. The first byte picks the mode:
 *  - even: the input (after it) is a snapshot file: hm_heapmap_json_read
 *    either refuses it (EINVAL, a message) or returns a snapshot that passes
 *    its check, draws as SVG, text and figures without fault, and writes
 *    back to JSON that reads back to the same snapshot;
 *  - odd: the bytes build a snapshot struct directly (segments, pages,
 *    elements from 8-byte records): the validator either refuses it with a
 *    reason or everything above holds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/heapmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct hm_heap_snapshot *s)
{
	struct hm_heapmap_stats st;
	struct hm_heap_snapshot *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (hm_heapmap_stats(s, &st) != 0)
		abort();
	if (st.busy_bytes + st.free_bytes + st.cached_bytes != st.total)
		abort();
	f = fopen("/dev/null", "w");
	if (f == NULL)
		abort();
	if (hm_heapmap_svg(s, "fuzz", f) != 0 || hm_heapmap_text(s, 40, 20, f) != 0)
		abort();
	fclose(f);
	f = open_memstream(&buf, &len);
	if (f == NULL || hm_heapmap_json_write(s, f) != 0)
		abort();
	fclose(f);
	r = hm_heapmap_json_read(buf, len);
	if (r == NULL || r->n_elems != s->n_elems || r->n_segs != s->n_segs ||
	    r->n_pages != s->n_pages || r->total != s->total ||
	    memcmp(r->elems, s->elems, s->n_elems * sizeof(s->elems[0])) != 0 ||
	    memcmp(r->segs, s->segs, s->n_segs * sizeof(s->segs[0])) != 0 ||
	    memcmp(r->pages, s->pages, s->n_pages * sizeof(s->pages[0])) != 0)
		abort();
	hm_heap_snapshot_free(r);
	free(buf);
}

static uint64_t
take(const uint8_t **p, const uint8_t *end, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && *p < end; i++)
		v = v << 8 | *(*p)++;
	return v;
}

/* A snapshot from raw bytes: mostly plausible, sometimes broken. */
static void
from_bytes(const uint8_t *p, const uint8_t *end)
{
	struct hm_heap_snapshot s;
	struct hm_heap_snapshot_seg segs[4];
	struct hm_heap_snapshot_page pages[64];
	struct hm_heap_snapshot_elem elems[256];
	const char *why;
	uint64_t at;

	memset(&s, 0, sizeof(s));
	memset(segs, 0, sizeof(segs));
	memset(pages, 0, sizeof(pages));
	memset(elems, 0, sizeof(elems));
	snprintf(s.name, sizeof(s.name), "fuzz");
	s.segs = segs;
	s.pages = pages;
	s.elems = elems;
	s.n_segs = (uint32_t)(take(&p, end, 1) % 5);
	at = 1ULL << 30;
	for (uint32_t g = 0; g < s.n_segs; g++) {
		uint64_t psz = 4096ULL << (take(&p, end, 1) % 10);
		uint32_t np = (uint32_t)(1 + take(&p, end, 1) % 8);
		if (s.n_pages + np > 64)
			np = 64 - s.n_pages;
		at = (at + psz * (1 + take(&p, end, 1) % 3)) / psz * psz;
		segs[g] = (struct hm_heap_snapshot_seg){ .base = at, .len = psz * np, .page_sz = psz,
							 .msl = (int32_t)g, .first_page = s.n_pages,
							 .n_pages = np };
		for (uint32_t k = 0; k < np; k++)
			pages[s.n_pages++] = (struct hm_heap_snapshot_page){
				.addr = at + k * psz, .iova = at + k * psz,
				.flags = (uint32_t)take(&p, end, 1) % 2 };
		/* elements over the segment */
		for (uint64_t e = at; e < at + psz * np && s.n_elems < 256;) {
			struct hm_heap_snapshot_elem *x = &elems[s.n_elems++];
			uint64_t sz = (1 + take(&p, end, 2)) * 64;
			if (sz > at + psz * np - e || s.n_elems == 256)
				sz = at + psz * np - e;
			x->addr = e;
			x->size = sz;
			x->state = (uint8_t)(take(&p, end, 1) % 4); /* 3: invalid */
			if (x->state == HM_HEAP_ELEM_BUSY) {
				x->pad = (uint32_t)(take(&p, end, 1) % 4) * 64;
				snprintf(x->tag, sizeof(x->tag), "t%u", (unsigned int)take(&p, end, 1) % 20);
			} else if (x->state == HM_HEAP_ELEM_FREE) {
				s.free_bytes += sz;
			} else if (x->state == HM_HEAP_ELEM_CACHED) {
				s.cached_bytes += sz;
			}
			e += sz;
		}
		s.total += psz * np;
		at += psz * np;
	}
	/* a few raw corruptions */
	if (p < end && *p % 3 == 0 && s.n_elems > 0)
		elems[take(&p, end, 1) % s.n_elems].size += 64;
	if (hm_heap_snapshot_check(&s, &why) != 0) {
		if (why == NULL)
			abort();
		return;
	}
	exercise(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_heap_snapshot *s;

	if (size == 0 || size > (1 << 20))
		return 0;
	if (data[0] % 2 == 1) {
		from_bytes(data + 1, data + size);
		return 0;
	}
	s = hm_heapmap_json_read((const char *)data + 1, size - 1);
	if (s == NULL) {
		if (hm_errno != EINVAL && hm_errno != ENOMEM)
			abort();
		return 0;
	}
	exercise(s);
	hm_heap_snapshot_free(s);
	return 0;
}
