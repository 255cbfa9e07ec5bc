/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What reads or rebuilds a whole heap, apart from the element algorithms of
 * heap.c: stats, the largest block a heap could give, the validator
 * (heap_check, which asserts heap_i.h's invariants verbatim), the dump, and
 * the rebuild after a lock holder died. Calls heap.c (never the other way),
 * nothing else of the module; under the heap lock like heap.c.
 */
#include <inttypes.h>
#include <string.h>

#include "heap_i.h"

/* ---------------------------------------------------------------- reports */

void
heap_stats(struct malloc_heap *h, struct hm_malloc_socket_stats *st)
{
	uint64_t biggest = 0;

	memset(st, 0, sizeof(*st));
	if (h->fl_map != 0) {
		unsigned int f = fls64(h->fl_map);
		unsigned int s = fls64(h->sl_map[f]);
		for (struct malloc_elem *e = h->free_head[f][s]; e != NULL; e = e->fl.next)
			if (e->size > biggest)
				biggest = e->size;
	}
	st->heap_totalsz_bytes = h->total_size;
	st->heap_freesz_bytes = h->free_bytes;
	st->greatest_free_size = biggest;
	st->free_count = (unsigned int)h->free_count;
	st->alloc_count = (unsigned int)h->alloc_count;
	st->heap_allocsz_bytes = h->total_size - h->free_bytes;
}

struct malloc_elem *
heap_find_biggest(struct malloc_heap *h, uint64_t align, bool contig, uint32_t pg_flags,
		  const struct heap_pages *pages, uint64_t *data_len)
{
	struct malloc_elem *best = NULL;
	uint64_t best_len = 0;

	for (unsigned int f = 0; f < FL_COUNT; f++) {
		for (unsigned int s = 0; s < SL_COUNT; s++) {
			for (struct malloc_elem *e = h->free_head[f][s]; e != NULL; e = e->fl.next) {
				if (pg_flags != 0 && !pages->pgsz_match(e->msl_idx, pg_flags))
					continue;
				uintptr_t lo = HM_ALIGN_CEIL((uintptr_t)e + ELEM_HEADER_LEN, (uintptr_t)align);
				uintptr_t hi = (uintptr_t)e + e->size - ELEM_TRAILER_LEN;
				uint64_t len;
				if (hi <= lo)
					continue;
				len = HM_ALIGN_FLOOR(hi - lo, MALLOC_ALIGN);
				if (contig) {
					/* shrink to the IOVA-contiguous prefix, page by page */
					uint64_t pg = pages->page_sz(e->msl_idx);
					while (len > 0 && !pages->iova_contig(e->msl_idx, (void *)lo, len)) {
						uintptr_t cut = HM_ALIGN_FLOOR(lo + len - 1, (uintptr_t)pg);
						len = cut > lo ? HM_ALIGN_FLOOR(cut - lo, MALLOC_ALIGN) : 0;
					}
				}
				if (len > best_len) {
					best_len = len;
					best = e;
				}
			}
		}
	}
	*data_len = best_len;
	return best;
}

static bool
all_zero(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != 0)
			return false;
	return true;
}

int
heap_check(struct malloc_heap *h, const char **why, uint64_t *n_cached)
{
	uint64_t total = 0, free_b = 0, free_n = 0, busy = 0, listed = 0, cached = 0;
	const struct malloc_elem *prev = NULL;

	*why = NULL;
	if ((h->first == NULL) != (h->last == NULL))
		*why = "first/last not NULL together";
	for (const struct malloc_elem *e = h->first; e != NULL && *why == NULL; e = e->next) {
		uint8_t st = elem_state(e);
		if (e->cookie != cookie_of(e))
			*why = "element header cookie is wrong";
		else if (e->heap != h)
			*why = "element belongs to another heap";
		else if (e->prev != prev)
			*why = "next->prev != elem";
		else if (prev != NULL && (const char *)prev >= (const char *)e)
			*why = "address list not strictly increasing";
		else if (prev != NULL && (const char *)prev + prev->size > (const char *)e)
			*why = "elements overlap";
		else if (((uintptr_t)e | e->size) & (MALLOC_ALIGN - 1))
			*why = "element address or size not a multiple of 64";
		else if (e->size < MIN_ELEM_SIZE && st == ELEM_FREE)
			*why = "free element smaller than the minimum";
		else if (st != ELEM_FREE && st != ELEM_BUSY && st != ELEM_CACHED)
			*why = "element in the address list is neither FREE, BUSY nor CACHED";
		else if (st == ELEM_CACHED &&
			 (h->kind != HEAP_NATIVE || e->pad != 0 || e->size < MIN_ELEM_SIZE ||
			  /* the last of a run keeps the run's slack and PAD gap */
			  e->size - ELEM_OVERHEAD > CACHE_LIMIT + 2 * MIN_ELEM_SIZE))
			*why = "CACHED element that no lcore cache could hold";
		else if (st == ELEM_FREE && prev != NULL && elem_state(prev) == ELEM_FREE &&
			 joinable(prev, e))
			*why = "two adjacent free elements in one memseg list";
		else if (st == ELEM_BUSY && e->pad != 0 &&
			 (e->pad >= MIN_ELEM_SIZE || e->pad % MALLOC_ALIGN != 0 ||
			  ((const struct malloc_elem *)((const char *)e + e->pad))->state != ELEM_PAD ||
			  ((const struct malloc_elem *)((const char *)e + e->pad))->pad != e->pad))
			*why = "BUSY element with a broken PAD header";
		else if (st == ELEM_FREE &&
			 (e->clean == 0 || (uint64_t)e->clean * MALLOC_ALIGN > e->size ||
			  e->owner != ELEM_OWNER_USER))
			*why = "free element with a clean mark outside [header, size], or an owner";
		else if (st == ELEM_BUSY && e->owner > ELEM_OWNER_MEMZONE)
			*why = "BUSY element with an unknown owner";
		else if (st == ELEM_CACHED && e->owner != ELEM_OWNER_USER)
			*why = "CACHED element owned by a memzone";
		else if (st == ELEM_FREE && HM_DEBUG >= 3 &&
			 !all_zero((const char *)e + ELEM_HEADER_LEN,
				   (const char *)e + elem_clean_end(e)))
			*why = "free element holds non-zero data below its clean mark";
		total += e->size;
		if (st == ELEM_FREE) {
			free_b += e->size;
			free_n++;
		} else {
			busy++;
			cached += st == ELEM_CACHED;
		}
		if (e->next == NULL && h->last != e)
			*why = "last element is not heap->last";
		prev = e;
	}
	for (unsigned int f = 0; f < FL_COUNT && *why == NULL; f++) {
		for (unsigned int s = 0; s < SL_COUNT && *why == NULL; s++) {
			const struct malloc_elem *e = h->free_head[f][s], *fp = NULL;
			bool bit = (h->sl_map[f] >> s) & 1;
			if ((e != NULL) != bit)
				*why = "class bitmap disagrees with its list";
			if (h->sl_map[f] != 0 && !((h->fl_map >> f) & 1))
				*why = "first-level bitmap misses a non-empty level";
			for (; e != NULL && *why == NULL; fp = e, e = e->fl.next) {
				unsigned int ef, es;
				mapping(e->size, &ef, &es);
				if (e->state != ELEM_FREE)
					*why = "non-free element on a free list";
				else if (ef != f || es != s)
					*why = "free element on the wrong size class";
				else if (e->fl.prev != fp)
					*why = "free list back link broken";
				listed++;
				if (listed > free_n)
					*why = "free lists hold more elements than the heap";
			}
		}
	}
	if (*why == NULL && listed != free_n)
		*why = "a free element is on no free list";
	if (*why == NULL && total != h->total_size)
		*why = "heap->total_size != sum of element sizes";
	if (*why == NULL && free_b != h->free_bytes)
		*why = "heap->free_bytes != sum of free element sizes";
	if (*why == NULL && free_n != h->free_count)
		*why = "heap->free_count != number of free elements";
	if (*why == NULL && busy != h->alloc_count)
		*why = "heap->alloc_count != number of BUSY and CACHED elements";
	if (n_cached != NULL)
		*n_cached = cached;
	return *why == NULL ? 0 : -EFAULT;
}

void
heap_dump(struct malloc_heap *h, FILE *f, bool elems, const struct hm_malloc_socket_stats *user)
{
	struct hm_malloc_socket_stats own, st;

	heap_stats(h, &own);
	st = user != NULL ? *user : own;
	fprintf(f, "heap %s (socket %d): total %zu, free %zu in %u block(s), greatest free %zu, "
		"allocated %zu in %u allocation(s)", h->name, h->socket_id, st.heap_totalsz_bytes,
		st.heap_freesz_bytes, st.free_count, st.greatest_free_size, st.heap_allocsz_bytes,
		st.alloc_count);
	if (user != NULL)
		fprintf(f, "; of the free, in lcore caches: %zu in %u block(s)", st.cached_bytes,
			st.cached_count);
	fputc('\n', f);
	if (!elems)
		return;
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
		uint8_t es = elem_state(e);
		char tag[13];
		if (es == ELEM_BUSY) {
			elem_tag_load(e, tag, NULL);
			fprintf(f, "  %p %10" PRIu64 " BUSY  data %p usable %" PRIu64 " type '%s'\n",
				(const void *)e, e->size, elem_data(e), elem_usable(e), tag);
		}
		else if (es == ELEM_CACHED)
			fprintf(f, "  %p %10" PRIu64 " CACHED in an lcore's malloc cache\n",
				(const void *)e, e->size);
		else
			fprintf(f, "  %p %10" PRIu64 " FREE  zero below +%" PRIu64 "\n",
				(const void *)e, e->size, elem_clean_end(e));
	}
}

/* ---------------------------------------------------------------- rebuild */

/*
 * The process holding the heap's lock died (core/common/robust_i.h): put the
 * heap back together from its memory. The address-ordered list is walked by
 * size (e + e->size is the next element wherever that is a valid header of
 * this heap in memory @p readable says is mapped), falling back on e->next
 * across gaps between regions; prev/next links, free lists, bitmaps and
 * counters are then rebuilt from the element states, adjacent free elements
 * joined, and the free elements' clean marks reset to their headers (nothing
 * known to be zero). Why the walk by size: every change of the list (split,
 * carve, join, the cached split, hiding a run) writes a new header whole before
 * the size (or, across a hidden run, the link) that makes it reachable, with
 * ELEM_STORE_ORDER between, so a walk by size always sees either the change or
 * none of it -- never an element whose end no header follows, which would
 * leave memory in the heap's pages that no element covers -- an element the
 * dead process was carving out (for itself) goes back to its free neighbour, or
 * is freed when its header was written but not yet its state; a block it was
 * freeing and had marked FREE is free, one still BUSY stays lost with the
 * process. @return 0 or -EFAULT with *why (the walk found no valid
 * next element).
 */
int
heap_rebuild(struct malloc_heap *h, bool (*readable)(const void *p, uint64_t len),
	     const char **why)
{
	struct malloc_elem *e = h->first, *prev = NULL;
	uint64_t total = 0, busy = 0;

	*why = NULL;
#define VALID(x)                                                                          \
	((x) != NULL && ((uintptr_t)(x) & (MALLOC_ALIGN - 1)) == 0 &&                     \
	 readable((x), ELEM_HEADER_LEN) && (x)->cookie == cookie_of(x) && (x)->heap == h && \
	 (x)->size >= ELEM_HEADER_LEN && ((x)->size & (MALLOC_ALIGN - 1)) == 0 &&        \
	 readable((x), (x)->size))
	if (e != NULL && !VALID(e)) {
		*why = "the heap's first element is not a valid header";
		return -EFAULT;
	}
	memset(h->free_head, 0, sizeof(h->free_head));
	memset(h->sl_map, 0, sizeof(h->sl_map));
	h->fl_map = 0;
	h->free_count = 0;
	h->free_bytes = 0;
	while (e != NULL) {
		struct malloc_elem *cand = (struct malloc_elem *)((char *)e + e->size), *n = NULL;
		uint8_t st = elem_state(e);

		if (st == ELEM_PAD) {
			*why = "the walk by size reached a PAD header";
			return -EFAULT;
		}
		if (st != ELEM_FREE && st != ELEM_BUSY && st != ELEM_CACHED) {
			/* carved out for the dead process, never marked BUSY: free */
			elem_set_state(e, ELEM_FREE);
			e->pad = 0;
		}
		if (elem_state(e) == ELEM_BUSY && e->pad != 0) {
			const struct malloc_elem *pad = (const struct malloc_elem *)((char *)e + e->pad);
			/* state is written before pad: a block the dead process was
			 * taking and never got */
			if (e->pad >= MIN_ELEM_SIZE || e->pad % MALLOC_ALIGN != 0 ||
			    pad->state != ELEM_PAD || pad->pad != e->pad) {
				elem_set_state(e, ELEM_FREE);
				e->pad = 0;
			}
		}
		if (VALID(cand))
			n = cand;
		else if (e->next != NULL && (char *)e->next >= (char *)cand && VALID(e->next))
			n = e->next;
		else if (e->next != NULL) {
			*why = "no valid element follows one of the heap's";
			return -EFAULT;
		}
		e->prev = prev;
		e->next = n;
		prev = e;
		e = n;
	}
	h->last = prev;
	/* joins and lists, now that the chain holds */
	for (e = h->first; e != NULL; e = e->next) {
		if (elem_state(e) == ELEM_FREE) {
			while (e->next != NULL && elem_state(e->next) == ELEM_FREE &&
			       joinable(e, e->next))
				heap_merge_next(h, e, e->next);
			set_clean_end(e, ELEM_HEADER_LEN);
			e->owner = 0;
			if (e->size < MIN_ELEM_SIZE) {
				*why = "a free element is smaller than the minimum";
				return -EFAULT;
			}
			heap_free_list_insert(h, e);
		} else {
			busy++;
		}
		total += e->size;
	}
	h->total_size = total;
	h->alloc_count = busy;
#undef VALID
	return 0;
}
