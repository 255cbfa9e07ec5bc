/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap snapshots (hm_heap_snapshot): a copy of a heap's elements, the runs of
 * pages they lie on, and those pages, taken under the heap's lock so that it is
 * consistent (the elements tile the segments exactly; hm_heap_snapshot_check).
 *
 * Everything is derived from the element list: a heap's memory is the union of
 * its elements, a segment is a run of VA-contiguous elements of one memseg list,
 * and its pages are read from that list's table (the heap lock keeps them: the
 * heap's pages come and go only under it). The copy is libc memory, sized in a
 * first pass under the lock and filled in a second one; if the heap grew in
 * between, both passes run again.
 *
 * Lock order: the heap lock only (no memseg or memzone lock is taken). A
 * shared heap's lock is the robust one (heap_lock: a dead holder's heap is
 * repaired first, or the snapshot fails with -EOWNERDEAD); a buffer heap's is
 * process-local, a plain spinlock as in buf_heap.c.
 */
#include <string.h>

#include "mcache_i.h"
#include "malloc_i.h"
#include "memseg_i.h"
#include "mcfg_i.h"
#include "snapshot_i.h"

struct sizes {
	uint32_t segs, pages, elems;
};

static uint64_t
page_sz_of(uint16_t msl_idx)
{
	const struct hm_memseg_list *msl;

	if (msl_idx == MSL_NONE || (msl = memseg_list_at(msl_idx)) == NULL)
		return 0;
	return msl->page_sz;
}

/* Does @p e continue the segment that ended at @p end in list @p msl? */
static bool
continues(const struct malloc_elem *e, uint64_t end, uint16_t msl)
{
	return (uint64_t)(uintptr_t)e == end && e->msl_idx == msl;
}

/* Pass 1: how much room the copy needs. pre: lock held. */
static void
measure(const struct malloc_heap *h, struct sizes *n)
{
	uint64_t end = 0, seg_base = 0, psz = 0;
	uint16_t msl = MSL_NONE;

	memset(n, 0, sizeof(*n));
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
		if (n->elems == 0 || !continues(e, end, msl)) {
			if (n->elems > 0 && psz != 0)
				n->pages += (uint32_t)((end - seg_base) / psz);
			n->segs++;
			seg_base = (uint64_t)(uintptr_t)e;
			msl = e->msl_idx;
			psz = page_sz_of(msl);
		}
		end = (uint64_t)(uintptr_t)e + e->size;
		n->elems++;
	}
	if (n->elems > 0 && psz != 0)
		n->pages += (uint32_t)((end - seg_base) / psz);
}

/* HM_HEAP_ELEM_F_* of a BUSY element. */
static uint8_t
snapshot_elem_flags(const struct malloc_elem *e)
{
	return e->owner == ELEM_OWNER_MEMZONE ? HM_HEAP_ELEM_F_MEMZONE : 0;
}

static void
copy_elem(struct hm_heap_snapshot_elem *x, const struct malloc_elem *e)
{
	uint8_t st = elem_state(e);

	memset(x, 0, sizeof(*x));
	x->addr = (uint64_t)(uintptr_t)e;
	x->size = e->size;
	switch (st) {
	case ELEM_FREE:
		x->state = HM_HEAP_ELEM_FREE;
		break;
	case ELEM_CACHED:
		x->state = HM_HEAP_ELEM_CACHED;
		break;
	default: {
		uint32_t slack; /* busy.req holds usable - requested */
		uint64_t usable;
		x->state = HM_HEAP_ELEM_BUSY;
		x->pad = e->pad;
		elem_tag_load(e, x->tag, &slack);
		/* bytes after the NUL may be an older tag's: zeros, so that copies
		 * compare equal byte for byte */
		memset(x->tag + strlen(x->tag), 0, sizeof(x->tag) - strlen(x->tag));
		usable = elem_usable(e);
		x->req = slack <= usable ? usable - slack : 0;
		x->flags = snapshot_elem_flags(e);
		break;
	}
	}
}

/* Close segment @p g (its elements ended at @p end): its pages. */
static bool
close_seg(struct hm_heap_snapshot *s, struct hm_heap_snapshot_seg *g, uint64_t end,
	  uint32_t cap_pages)
{
	const struct hm_memseg_list *msl = g->msl >= 0 ? memseg_list_at((unsigned int)g->msl) : NULL;

	g->len = end - g->base;
	g->first_page = s->n_pages;
	g->n_pages = 0;
	if (g->page_sz == 0 || msl == NULL)
		return true;
	g->n_pages = (uint32_t)(g->len / g->page_sz);
	if (g->n_pages > cap_pages - s->n_pages)
		return false;
	for (uint32_t p = 0; p < g->n_pages; p++) {
		struct hm_heap_snapshot_page *pg = &s->pages[s->n_pages++];
		const struct hm_memseg *ms;

		pg->addr = g->base + p * g->page_sz;
		ms = memseg_of(msl, (const void *)(uintptr_t)pg->addr);
		pg->iova = ms != NULL ? ms->iova : HM_BAD_IOVA;
		pg->flags = ms != NULL ? ms->flags : 0;
		pg->socket_id = ms != NULL ? ms->socket_id : msl->socket_id;
	}
	return true;
}

/* Pass 2: copy. false when the heap outgrew the room. pre: lock held. */
static bool
fill(const struct malloc_heap *h, struct hm_heap_snapshot *s, const struct sizes *cap)
{
	struct hm_heap_snapshot_seg *g = NULL;
	uint64_t end = 0;

	s->n_segs = s->n_pages = s->n_elems = 0;
	s->free_bytes = s->cached_bytes = s->total = 0;
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
		if (s->n_elems == cap->elems)
			return false;
		if (g == NULL || !continues(e, end, g->msl < 0 ? (uint16_t)MSL_NONE : (uint16_t)g->msl)) {
			if (g != NULL && !close_seg(s, g, end, cap->pages))
				return false;
			if (s->n_segs == cap->segs)
				return false;
			g = &s->segs[s->n_segs++];
			memset(g, 0, sizeof(*g));
			g->base = (uint64_t)(uintptr_t)e;
			g->msl = e->msl_idx == MSL_NONE ? -1 : (int32_t)e->msl_idx;
			g->page_sz = page_sz_of(e->msl_idx);
		}
		copy_elem(&s->elems[s->n_elems], e);
		if (s->elems[s->n_elems].state == HM_HEAP_ELEM_FREE)
			s->free_bytes += e->size;
		else if (s->elems[s->n_elems].state == HM_HEAP_ELEM_CACHED)
			s->cached_bytes += e->size;
		s->total += e->size;
		s->n_elems++;
		end = (uint64_t)(uintptr_t)e + e->size;
	}
	return g == NULL || close_seg(s, g, end, cap->pages);
}

/* The heap's lock, as its other users take it: 0 or -errno (not held). */
static int
snap_lock(struct malloc_heap *h)
{
	if (h->kind == HEAP_BUFFER) {
		hm_spinlock_lock(&h->lock);
		return 0;
	}
	return heap_lock(h);
}

static void
snap_unlock(struct malloc_heap *h)
{
	if (h->kind == HEAP_BUFFER)
		hm_spinlock_unlock(&h->lock);
	else
		heap_unlock(h);
}

/* Snapshot of @p h (any kind). NULL + hm_errno ENOMEM. */
static struct hm_heap_snapshot *
take(struct malloc_heap *h, int heap_idx)
{
	struct hm_heap_snapshot *s = calloc(1, sizeof(*s));
	struct sizes n, cap = { 0 };

	if (s == NULL)
		return hm_fail_ptr(ENOMEM, "heap snapshot: out of memory");
	for (int tries = 0; tries < 16; tries++) {
		if (snap_lock(h) < 0) {
			hm_heap_snapshot_free(s);
			return NULL; /* hm_errno: the dead holder's heap */
		}
		measure(h, &n);
		if (n.segs <= cap.segs && n.pages <= cap.pages && n.elems <= cap.elems &&
		    fill(h, s, &cap)) {
			memcpy(s->name, h->name, sizeof(s->name));
			s->name[sizeof(s->name) - 1] = '\0';
			s->socket_id = h->kind == HEAP_BUFFER ? -1 : h->socket_id;
			s->heap_idx = heap_idx;
			snap_unlock(h);
			return s;
		}
		snap_unlock(h);
		/* room for what was seen and some growth, then again */
		cap.segs = n.segs + n.segs / 4 + 4;
		cap.pages = n.pages + n.pages / 4 + 16;
		cap.elems = n.elems + n.elems / 4 + 64;
		free(s->segs);
		free(s->pages);
		free(s->elems);
		s->segs = calloc(cap.segs, sizeof(s->segs[0]));
		s->pages = calloc(cap.pages, sizeof(s->pages[0]));
		s->elems = calloc(cap.elems, sizeof(s->elems[0]));
		if (s->segs == NULL || s->pages == NULL || s->elems == NULL)
			break;
	}
	hm_heap_snapshot_free(s);
	return hm_fail_ptr(ENOMEM, "heap snapshot: out of memory (or the heap kept growing)");
}

struct hm_heap_snapshot *
hm_heap_snapshot(int heap_idx)
{
	struct hm_mem_config *mcfg = mcfg_get();
	struct malloc_heap *heaps, *h;

	if (mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (memseg_in_walk())
		return hm_fail_ptr(EDEADLK, "heap snapshot: not from a memseg walk callback");
	if (heap_idx < 0 || heap_idx >= HM_MAX_HEAPS)
		return hm_fail_ptr(ENOENT, "heap snapshot: heap %d is not 0..%d", heap_idx,
				   HM_MAX_HEAPS - 1);
	heaps = mcfg->heaps.data;
	h = &heaps[heap_idx];
	if (__atomic_load_n(&h->kind, __ATOMIC_ACQUIRE) == HEAP_UNUSED)
		return hm_fail_ptr(ENOENT, "heap snapshot: heap %d does not exist", heap_idx);
	return take(h, heap_idx);
}

struct hm_heap_snapshot *
hm_heap_snapshot_buf(struct hm_heap *heap)
{
	struct malloc_heap *h = (struct malloc_heap *)(void *)heap;

	if (h == NULL || h->kind != HEAP_BUFFER)
		return hm_fail_ptr(EINVAL, "heap snapshot: not a buffer heap");
	return take(h, -1);
}

int
malloc_heap_describe(int heap_idx, struct malloc_heap_desc *d)
{
	struct hm_mem_config *mcfg = mcfg_get();
	struct malloc_heap *h;

	if (mcfg == NULL)
		return -ENODEV;
	if (heap_idx < 0 || heap_idx >= HM_MAX_HEAPS)
		return -ENOENT;
	h = &((struct malloc_heap *)mcfg->heaps.data)[heap_idx];
	if (__atomic_load_n(&h->kind, __ATOMIC_ACQUIRE) == HEAP_UNUSED)
		return -ENOENT;
	if (heap_lock(h) < 0)
		return -ENOENT; /* a dead holder left it broken beyond repair */
	memcpy(d->name, h->name, sizeof(d->name));
	d->name[sizeof(d->name) - 1] = '\0';
	d->socket_id = h->socket_id;
	d->external = h->kind == HEAP_EXTERNAL;
	heap_unlock(h);
	/* the lcore-cached blocks counted as free, as the public stats do */
	return hm_malloc_get_socket_stats(d->socket_id, &d->stats) < 0 ? -ENOENT : 0;
}

unsigned int
malloc_cache_cap(unsigned int *classes, uint64_t *max_block)
{
	*classes = MC_CLASSES;
	*max_block = CACHE_LIMIT;
	return mc_st.c != NULL ? mc_st.cap : 0;
}

int
malloc_cache_describe(unsigned int lcore_id, struct malloc_cache_desc *d)
{
	const struct mcache *c;

	if (mc_st.c == NULL || lcore_id >= HM_MAX_LCORE || mc_st.c[lcore_id].heap == NULL)
		return -ENOENT;
	c = &mc_st.c[lcore_id];
	d->socket_id = c->heap->socket_id;
	/* the owner updates these with relaxed stores (mc_account) */
	d->count = __atomic_load_n(&c->count, __ATOMIC_RELAXED);
	d->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	return 0;
}
