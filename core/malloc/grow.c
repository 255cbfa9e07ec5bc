/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native heaps grow by mapping exactly the pages a request needs on the heap's
 * node through memseg (smallest allowed page size first) and give whole free
 * pages back to the backend (never DO_NOT_FREE pages, never in legacy mode).
 *
 * Lock order: heap lock, then the memory hotplug lock (taken inside memseg).
 *
 * Invariants (hm_malloc_check, report.c): a native heap's total_size == bytes of
 * the pages flagged HM_MEMSEG_FLAG_HEAP on its node, i.e. the heap holds exactly
 * the pages it mapped and never a page no element covers; its releasable_pages
 * == how many of those pages are not DO_NOT_FREE (page_set_heap flips a flag
 * and the count together; a dead lock holder's heap is recounted, lookup.c).
 * With -m covering all a heap uses the count stays 0 and a free skips the page
 * scan entirely.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "malloc_i.h"
#include "mcfg_i.h"
#include "memseg_i.h"

/* Set or clear @p ms's HEAP flag for @p h (atomic: memseg walks, telemetry,
 * read flags meanwhile) and keep h->releasable_pages in line. pre: heap lock
 * (or init, before anyone else sees the heap). */
static inline void
page_set_heap(struct malloc_heap *h, struct hm_memseg *ms, bool on)
{
	uint32_t old = on ? __atomic_fetch_or(&ms->flags, (uint32_t)HM_MEMSEG_FLAG_HEAP,
					      __ATOMIC_RELAXED)
			  : __atomic_fetch_and(&ms->flags, ~(uint32_t)HM_MEMSEG_FLAG_HEAP,
					       __ATOMIC_RELAXED);

	if (!(old & HM_MEMSEG_FLAG_DO_NOT_FREE) && ((old & HM_MEMSEG_FLAG_HEAP) != 0) != on) {
		if (on)
			h->releasable_pages++;
		else
			h->releasable_pages--;
	}
}

void
grow_flag_pages(struct malloc_heap *h, char *start, uint64_t len, bool on)
{
	for (uint64_t off = 0; off < len;) {
		struct hm_memseg *ms = hm_mem_virt2memseg(start + off, NULL);
		HM_VERIFY(ms != NULL);
		page_set_heap(h, ms, on);
		off += ms->len;
	}
}

struct malloc_elem *
grow_adopt_pages(struct malloc_heap *h, char *va, uint64_t len, unsigned int li)
{
	bool dirty = false;

	for (uint64_t off = 0; off < len;) {
		struct hm_memseg *ms = hm_mem_virt2memseg(va + off, NULL);
		dirty |= (ms->flags & HM_MEMSEG_FLAG_DIRTY) != 0;
		page_set_heap(h, ms, true);
		off += ms->len;
	}
	return heap_add_memory(h, va, len, (uint16_t)li, dirty);
}

/* ---------------------------------------------------------------- growth */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Page sizes of node @p node's lists, smallest first; those @p flags name first. */
static unsigned int
grow_sizes(int node, const struct alloc_req *r, uint64_t out[HM_MAX_PAGE_SIZES * 2])
{
	uint64_t all[HM_MAX_MEMSEG_LISTS];
	unsigned int n = 0, k = 0;

	for (unsigned int li = 0; li < malloc_st.mcfg->n_lists; li++) {
		const struct hm_memseg_list *msl = &malloc_st.mcfg->memsegs[li];
		bool dup = false;
		if (msl->len == 0 || msl->external || msl->socket_id != node)
			continue;
		for (unsigned int i = 0; i < n; i++)
			dup |= all[i] == msl->page_sz;
		if (!dup)
			all[n++] = msl->page_sz;
	}
	qsort(all, n, sizeof(all[0]), cmp_u64);
	for (unsigned int i = 0; i < n; i++)
		if (r->pg_flags == 0 || malloc_flags_allow(r->pg_flags, all[i]))
			out[k++] = all[i];
	if (r->pg_flags != 0 && r->hint_only)
		for (unsigned int i = 0; i < n; i++)
			if (!malloc_flags_allow(r->pg_flags, all[i]))
				out[k++] = all[i];
	return k;
}

/* Most pages of size @p pg one list of node @p node holds (a growth is one run). */
static uint64_t
max_run_pages(int node, uint64_t pg)
{
	uint64_t most = 0;

	for (unsigned int li = 0; li < malloc_st.mcfg->n_lists; li++) {
		const struct hm_memseg_list *msl = &malloc_st.mcfg->memsegs[li];
		if (msl->len != 0 && !msl->external && msl->socket_id == node &&
		    msl->page_sz == pg && msl->memseg_arr.len > most)
			most = msl->memseg_arr.len;
	}
	return most;
}

/* Append "@p what: @p msg" to the causes in @p why (len bytes, "; " between). */
static void HM_PRINTF(3, 4)
add_cause(char *why, size_t len, const char *fmt, ...)
{
	size_t used = strlen(why);
	va_list ap;

	if (used + 3 >= len)
		return;
	if (used > 0) {
		memcpy(why + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(why + used, len - used, fmt, ap);
	va_end(ap);
}

void *
grow_and_alloc(struct malloc_heap *h, const struct alloc_req *r)
{
	uint64_t sizes[HM_MAX_PAGE_SIZES * 2];
	unsigned int n_sizes = grow_sizes(h->socket_id, r, sizes);
	int err = ENOMEM;
	char why[400], sz[16];
	/* Worst case on fresh pages: aligning the data down from the top loses up
	 * to align - 64 bytes, and a placement that crosses a bound line moves
	 * down by less than the size. */
	uint64_t bytes = r->size + ELEM_OVERHEAD;

	if (r->align > MALLOC_ALIGN)
		bytes += r->align - MALLOC_ALIGN;
	if (r->bound != 0)
		bytes += r->size;
	why[0] = '\0'; /* not "= {0}": that clears all of it on every growth */
	if (n_sizes == 0)
		add_cause(why, sizeof(why), "node %d has no memory of %s", h->socket_id,
			  r->pg_flags != 0 ? "the page sizes the flags name" : "any page size");
	for (unsigned int i = 0; i < n_sizes && bytes <= (1ULL << 46); i++) {
		uint64_t pg = sizes[i], most = max_run_pages(h->socket_id, pg);
		struct hm_memseg **ms;
		int n, got;

		hm_size_str(pg, sz, sizeof(sz));
		/* more pages than a list holds cannot be one run (and would not fit n) */
		if (HM_ALIGN_CEIL(bytes, pg) / pg > most) {
			add_cause(why, sizeof(why), "%s pages: %" PRIu64 " bytes need more than "
				  "the %" PRIu64 " pages a list holds", sz, bytes, most);
			continue;
		}
		n = (int)(HM_ALIGN_CEIL(bytes, pg) / pg);
		ms = malloc(sizeof(*ms) * (size_t)n);
		if (ms == NULL) {
			add_cause(why, sizeof(why), "out of process memory");
			break;
		}
		got = hm_memseg_alloc_pages(ms, (unsigned int)n, pg, h->socket_id,
					    r->contig ? HM_MEMSEG_ALLOC_IOVA_CONTIG : 0);
		if (got < 0) {
			/* the real cause: memseg's or the backend's message and errno */
			err = -got;
			add_cause(why, sizeof(why), "%d x %s on node %d: %s (%s)", n, sz,
				  h->socket_id, hm_last_error(), hm_strerror(err));
			free(ms);
			continue;
		}
		struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
		char *va = ms[0]->addr;
		uint64_t len = (uint64_t)n * pg;
		struct malloc_elem *e = grow_adopt_pages(h, va, len,
							 (unsigned int)(msl - malloc_st.mcfg->memsegs));
		void *p = heap_alloc(h, r);
		if (p != NULL) {
			/* whole pages of the new memory that the block does not use go
			 * straight back (alignment slack): no free element keeps one */
			const struct malloc_elem *b = elem_of_live(p);
			if (b->next != NULL && elem_state(b->next) == ELEM_FREE)
				grow_release_pages(h, b->next, va, va + len);
			if (b->prev != NULL && elem_state(b->prev) == ELEM_FREE)
				grow_release_pages(h, b->prev, va, va + len);
			free(ms);
			return p;
		}
		/* cannot happen with the sizes above; undo rather than keep idle pages */
		HM_LOG(WARNING, "heap %s: grown by %" PRIu64 " bytes but the request still does not fit",
		       h->name, len);
		heap_hide_region(h, e, va, va + len);
		grow_flag_pages(h, va, len, false);
		hm_memseg_free_pages(ms, (unsigned int)n);
		free(ms);
		add_cause(why, sizeof(why), "%s pages: the grown heap still did not fit", sz);
	}
	if (bytes > (1ULL << 46))
		add_cause(why, sizeof(why), "%" PRIu64 " bytes is more than a heap grows by", bytes);
	return hm_fail_ptr(err == EPERM || err == ENOSPC ? ENOMEM : err, "growth failed: %s", why);
}

/* ---------------------------------------------------------------- release */

/*
 * Hand whole pages of the free element @p e back to the backend (never
 * DO_NOT_FREE pages). Only pages touching [wlo, whi), plus one page on each
 * side, are considered: the callers keep the invariant "a free element holds no
 * whole releasable page" everywhere else (free, the slack of a growth, a realloc
 * that shrank), so free costs O(block) rather than O(free neighbour), which
 * matters next to a large -m. pre: heap lock held; @p e is on its free list.
 */
void
grow_release_run(struct malloc_heap *h, struct malloc_elem *e, char *wlo, char *whi)
{
	struct { char *a, *b; } runs[16];
	unsigned int n_runs = 0;
	const struct hm_memseg_list *msl = NULL;
	uint64_t pg = 0;

	/* every page near the block preallocated (-m): nothing can go back, and
	 * the window need not be looked at (grow_release_pages asks first: the
	 * common case of a free) */
	if (h->releasable_pages == 0)
		return;
	if (h->kind == HEAP_NATIVE && !malloc_st.mcfg->legacy_mem)
		msl = memseg_list_at(e->msl_idx);
	if (msl != NULL && !msl->external)
		pg = msl->page_sz;
	if (pg != 0 && e->size >= pg) {
		char *start = (char *)e, *end = start + e->size;
		char *a = (char *)HM_ALIGN_CEIL((uintptr_t)start, (uintptr_t)pg);
		char *lim = (char *)HM_ALIGN_FLOOR((uintptr_t)end, (uintptr_t)pg);
		char *cur = start; /* start of what remains of the element */
		/* the window, widened by a page on each side */
		char *w0 = (char *)HM_ALIGN_FLOOR((uintptr_t)wlo, (uintptr_t)pg) - pg;
		char *w1 = (char *)HM_ALIGN_CEIL((uintptr_t)whi, (uintptr_t)pg) + pg;
		if (w0 > a && w0 < lim)
			a = w0;
		if (w1 < lim && w1 > a)
			lim = w1;

		while (a < lim && n_runs < sizeof(runs) / sizeof(runs[0])) {
			const struct hm_memseg *ms = memseg_of(msl, a);
			if (ms->flags & HM_MEMSEG_FLAG_DO_NOT_FREE) {
				a += pg;
				continue;
			}
			char *b = a;
			while (b < lim && !(memseg_of(msl, b)->flags & HM_MEMSEG_FLAG_DO_NOT_FREE))
				b += pg;
			char *ra = a, *rb = b;
			/* leftovers must be empty or hold a whole element */
			if (ra > cur && (uint64_t)(ra - cur) < MIN_ELEM_SIZE)
				ra += pg;
			if (rb < end && (uint64_t)(end - rb) < MIN_ELEM_SIZE)
				rb -= pg;
			if (ra < rb) {
				runs[n_runs].a = ra;
				runs[n_runs].b = rb;
				n_runs++;
				cur = rb;
			}
			a = b;
		}
	}
	for (unsigned int i = 0; i < n_runs; i++) {
		char *a = runs[i].a, *b = runs[i].b;
		unsigned int n = (unsigned int)((uint64_t)(b - a) / pg);
		struct hm_memseg *small[64], **ms = n <= 64 ? small : malloc(sizeof(*ms) * n);

		if (ms == NULL)
			break; /* keep the pages: correct, merely not returned */
		char *e_end = (char *)e + e->size;
		uint16_t msl_idx = e->msl_idx;
		heap_hide_region(h, e, a, b);
		for (unsigned int k = 0; k < n; k++) {
			ms[k] = memseg_of(msl, a + (uint64_t)k * pg);
			page_set_heap(h, ms[k], false);
		}
		if (hm_memseg_free_pages(ms, n) != 0) {
			/* -EDEADLK: hm_free from a memseg walk callback. Nothing was
			 * unmapped: the run goes back (content unknown: dirty) and
			 * joins its neighbours again. */
			for (unsigned int k = 0; k < n; k++)
				page_set_heap(h, ms[k], true);
			heap_add_memory(h, a, (uint64_t)(b - a), msl_idx, true);
			if (ms != small)
				free(ms);
			break;
		}
		if (ms != small)
			free(ms);
		/* what is left after the run (if anything) is the element at b */
		if (b >= e_end)
			break;
		e = (struct malloc_elem *)b;
	}
}
