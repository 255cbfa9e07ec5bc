/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The validator of heap snapshots (hugemem/malloc.h states the invariants). It
 * reads nothing but the snapshot: a snapshot read back from a JSON file of any
 * origin is checked with it before anything draws it, so every index and sum
 * is bounds-checked and overflow-checked here.
 */
#include <string.h>

#include "common_i.h"
#include "hugemem/malloc.h"

void
hm_heap_snapshot_free(struct hm_heap_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->segs);
	free(s->pages);
	free(s->elems);
	free(s);
}

#define BAD(msg)                           \
	do {                               \
		if (reason != NULL)        \
			*reason = (msg);   \
		return -EFAULT;            \
	} while (0)

static bool
tag_ok(const char *tag)
{
	return memchr(tag, '\0', HM_HEAP_SNAPSHOT_TAG_LEN) != NULL;
}

int
hm_heap_snapshot_check(const struct hm_heap_snapshot *s, const char **reason)
{
	uint64_t total = 0, free_bytes = 0, cached = 0;
	uint32_t e = 0, pages = 0;

	if (s == NULL) {
		if (reason != NULL)
			*reason = "NULL snapshot";
		return hm_fail(EINVAL, "heap snapshot check: NULL snapshot");
	}
	if ((s->n_segs != 0 && s->segs == NULL) || (s->n_pages != 0 && s->pages == NULL) ||
	    (s->n_elems != 0 && s->elems == NULL))
		BAD("a count is not zero but its array is missing");
	if (memchr(s->name, '\0', sizeof(s->name)) == NULL)
		BAD("the heap name is not terminated");
	for (uint32_t i = 0; i < s->n_segs; i++) {
		const struct hm_heap_snapshot_seg *g = &s->segs[i];
		uint64_t end;

		if (g->rsvd != 0)
			BAD("a segment's reserved field is not 0");
		if (g->len == 0 || g->base + g->len < g->base)
			BAD("a segment is empty or wraps around the address space");
		end = g->base + g->len;
		if (i > 0 && g->base < s->segs[i - 1].base + s->segs[i - 1].len)
			BAD("segments are not sorted and disjoint");
		if (g->page_sz != 0) {
			if (!HM_IS_POWER_OF_2(g->page_sz) || g->base % g->page_sz != 0 ||
			    g->len % g->page_sz != 0 || g->len / g->page_sz != g->n_pages)
				BAD("a segment is not a whole number of aligned pages");
			/* pages[] lists each segment's pages in segment order */
			if (g->first_page != pages || g->n_pages > s->n_pages - pages)
				BAD("a segment's pages are not the next ones of the page table");
			pages += g->n_pages;
			for (uint32_t p = 0; p < g->n_pages; p++)
				if (s->pages[g->first_page + p].addr != g->base + p * g->page_sz)
					BAD("a page is not where its segment says");
		} else if (g->n_pages != 0) {
			BAD("a buffer range has pages");
		}
		if (total + g->len < total)
			BAD("segment lengths overflow");
		total += g->len;
		/* the elements of this segment tile it */
		for (uint64_t at = g->base; at < end; e++) {
			const struct hm_heap_snapshot_elem *x = &s->elems[e];

			if (e >= s->n_elems)
				BAD("a segment's end is not covered by elements");
			if (x->addr != at)
				BAD("an element does not start where the previous one ended "
				    "(a gap, an overlap, or elements out of order)");
			if (x->size < 64 || x->size % 64 != 0 || x->addr % 64 != 0 ||
			    x->size > end - at)
				BAD("an element's size is not a multiple of 64 inside its segment");
			if (x->state > HM_HEAP_ELEM_CACHED)
				BAD("an element has an unknown state");
			if (x->state != HM_HEAP_ELEM_BUSY && (x->pad != 0 || x->flags != 0))
				BAD("a free or cached element has padding or flags");
			if (x->pad >= x->size || (x->flags & ~HM_HEAP_ELEM_F_MEMZONE) != 0)
				BAD("an element's padding or flags are impossible");
			if (x->rsvd[0] | x->rsvd[1] | x->rsvd[2] | x->rsvd[3] | x->rsvd[4])
				BAD("an element's reserved bytes are not 0");
			if (!tag_ok(x->tag) || (x->state != HM_HEAP_ELEM_BUSY && x->tag[0] != '\0'))
				BAD("an element's tag is not terminated, or tags a non-busy element");
			if (x->state == HM_HEAP_ELEM_FREE)
				free_bytes += x->size;
			else if (x->state == HM_HEAP_ELEM_CACHED)
				cached += x->size;
			at += x->size;
		}
	}
	if (e != s->n_elems)
		BAD("elements lie outside every segment");
	if (pages != s->n_pages)
		BAD("a page belongs to no segment");
	if (total != s->total)
		BAD("total != the sum of segment lengths");
	if (free_bytes != s->free_bytes)
		BAD("free_bytes != the sum of free element sizes");
	if (cached != s->cached_bytes)
		BAD("cached_bytes != the sum of cached element sizes");
	return 0;
}
