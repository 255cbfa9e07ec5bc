/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the heaps hold, for users and tests: stats (lcore-cached blocks counted
 * as free), dumps, the validator hm_malloc_check (heap.c's invariants plus the
 * caches and the pages under native heaps) and the leak report.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "malloc_i.h"
#include "mcache_i.h"
#include "mcfg_i.h"
#include "memseg_i.h"

/* Stats of @p h as users see them: cached blocks are free. */
static void
stats_with_caches(struct malloc_heap *h, struct hm_malloc_socket_stats *s)
{
	uint64_t n, bytes;

	heap_stats(h, s);
	mc_totals(h, &n, &bytes);
	if (n > s->alloc_count || bytes > s->heap_allocsz_bytes)
		return; /* a refill or give-back is half done: report the heap's view */
	s->alloc_count -= (unsigned int)n;
	s->free_count += (unsigned int)n;
	s->heap_freesz_bytes += bytes;
	s->heap_allocsz_bytes -= bytes;
	s->cached_count = (unsigned int)n;
	s->cached_bytes = bytes;
}

int
hm_malloc_get_socket_stats(int socket, struct hm_malloc_socket_stats *stats)
{
	struct malloc_heap *h = NULL;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (stats == NULL)
		return hm_fail(EINVAL, "malloc stats: NULL output");
	h = lookup_by_socket(socket);
	if (h == NULL)
		return hm_fail(EINVAL, "malloc stats: no heap for socket %d", socket);
	int rc = heap_lock(h);
	if (rc < 0)
		return rc;
	stats_with_caches(h, stats);
	heap_unlock(h);
	return 0;
}

static void
dump_all(FILE *f, bool elems)
{
	if (f == NULL)
		return;
	if (malloc_st.mcfg == NULL) {
		fprintf(f, "malloc: not initialised\n");
		return;
	}
	for (unsigned int i = 0; i < HM_MAX_HEAPS; i++) {
		struct malloc_heap *h = &malloc_st.heaps[i];
		if (h->kind == HEAP_UNUSED)
			continue;
		struct hm_malloc_socket_stats st;
		if (heap_lock(h) < 0) {
			fprintf(f, "heap %s: %s\n", h->name, hm_last_error());
			continue;
		}
		stats_with_caches(h, &st);
		heap_dump(h, f, elems, h->kind == HEAP_NATIVE ? &st : NULL);
		heap_unlock(h);
	}
}

void
hm_malloc_dump_stats(FILE *f)
{
	dump_all(f, false);
}

void
hm_malloc_dump_heaps(FILE *f)
{
	dump_all(f, true);
}

/* A free element of a native heap holding a whole page the release rules would
 * give back (not DO_NOT_FREE, leftovers empty or element-sized). */
static bool
holds_releasable_page(const struct malloc_heap *h)
{
	if (h->kind != HEAP_NATIVE || malloc_st.mcfg->legacy_mem)
		return false;
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
		const struct hm_memseg_list *msl;
		if (elem_state(e) != ELEM_FREE || (msl = memseg_list_at(e->msl_idx)) == NULL ||
		    e->size < msl->page_sz)
			continue;
		uint64_t pg = msl->page_sz;
		char *start = (char *)e, *end = start + e->size;
		char *a = (char *)HM_ALIGN_CEIL((uintptr_t)start, (uintptr_t)pg);
		char *lim = (char *)HM_ALIGN_FLOOR((uintptr_t)end, (uintptr_t)pg);
		for (; a < lim; a += pg) {
			if (hm_mem_virt2memseg(a, msl)->flags & HM_MEMSEG_FLAG_DO_NOT_FREE)
				continue;
			/* this single page alone, with legal leftovers, would go back */
			if ((a == start || (uint64_t)(a - start) >= MIN_ELEM_SIZE) &&
			    (a + pg == end || (uint64_t)(end - (a + pg)) >= MIN_ELEM_SIZE))
				return true;
		}
	}
	return false;
}

int
hm_malloc_check(const char **reason)
{
	const char *why = NULL;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	for (unsigned int i = 0; i < HM_MAX_HEAPS && why == NULL; i++) {
		struct malloc_heap *h = &malloc_st.heaps[i];
		if (h->kind == HEAP_UNUSED)
			continue;
		uint64_t cached = 0;
		if (heap_lock(h) < 0) {
			why = "a process died holding its lock and left it inconsistent";
			break;
		}
		heap_check(h, &why, &cached);
		if (why == NULL && h->kind == HEAP_NATIVE)
			why = mc_check(h, cached);
		else if (why == NULL && cached != 0)
			why = "CACHED elements in a heap that is not a node's";
		uint64_t releasable = 0;
		if (why == NULL && h->kind == HEAP_NATIVE &&
		    h->total_size != lookup_heap_pages(h->socket_id, &releasable))
			why = "native heap size != bytes of its pages (a page no element covers)";
		if (why == NULL && h->releasable_pages != releasable)
			why = h->kind == HEAP_NATIVE ? "native heap's count of releasable pages != "
				"its pages flagged HEAP and not DO_NOT_FREE" :
				"a heap that is not a node's counts releasable pages";
		if (why == NULL && holds_releasable_page(h))
			why = "a free element keeps a whole page that should have gone back";
		for (const struct malloc_elem *e = h->first; e != NULL && why == NULL; e = e->next)
			if (h->kind != HEAP_BUFFER && memseg_list_at(e->msl_idx) == NULL)
				why = "element in memory no memseg list holds";
		heap_unlock(h);
	}
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "malloc heap is corrupt: %s", why);
	}
	return 0;
}

unsigned int
malloc_leak_types(bool zones, struct malloc_leak_type *t, unsigned int max,
		  unsigned int *n_types)
{
	unsigned int total = 0;

	*n_types = 0;
	if (malloc_st.mcfg == NULL)
		return 0;
	for (unsigned int i = 0; i < HM_MAX_HEAPS; i++) {
		struct malloc_heap *h = &malloc_st.heaps[i];
		if (h->kind == HEAP_UNUSED)
			continue;
		if (heap_lock(h) < 0)
			continue;
		for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
			unsigned int k;
			char tag[13];
			uint32_t slack;
			if (elem_state(e) != ELEM_BUSY ||
			    (!zones && e->owner == ELEM_OWNER_MEMZONE))
				continue;
			total++;
			elem_tag_load(e, tag, &slack); /* an lcore may be retagging it */
			for (k = 0; k < *n_types; k++)
				if (strncmp(t[k].type, tag, sizeof(e->busy.type)) == 0)
					break;
			if (k == *n_types && *n_types < max) {
				memcpy(t[k].type, tag, sizeof(tag));
				t[k].n = 0;
				t[k].bytes = 0;
				(*n_types)++;
			}
			if (k < *n_types) {
				t[k].n++;
				t[k].bytes += elem_usable(e) - slack;
			}
		}
		heap_unlock(h);
	}
	return total;
}

unsigned int
hm_malloc_leak_report(FILE *f)
{
	struct malloc_leak_type t[MALLOC_LEAK_TYPES];
	unsigned int n_types, total = malloc_leak_types(true, t, MALLOC_LEAK_TYPES, &n_types);

	if (f != NULL)
		for (unsigned int k = 0; k < n_types; k++)
			fprintf(f, "  leak: type '%s': %u allocation(s), %" PRIu64 " bytes\n",
				t[k].type[0] != '\0' ? t[k].type : "(untagged)", t[k].n, t[k].bytes);
	return total;
}
