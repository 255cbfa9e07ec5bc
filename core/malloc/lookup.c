/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The heap table: native heaps (one per node, index = node) and external heaps
 * live in the fbarray "malloc_heaps" (shared, same VA in every process);
 * malloc_st is this process's view of it. The heap locks (robust: a process
 * that dies holding one does not block the others). Finding the heap and
 * element of a pointer a heap handed out, under that heap's lock.
 */
#include <string.h>

#include "fbarray_quiet.h"
#include "malloc_i.h"
#include "memseg_i.h"
#include "robust_i.h"
#include "hugemem/memzone.h"

struct malloc_state malloc_st;

/* ---------------------------------------------------------------- robust heap locks */

/* Memory of a memseg list this process maps (heap_rebuild reads only that). */
static bool
heap_readable(const void *p, uint64_t len)
{
	for (uint64_t off = 0; off < len;) {
		const struct hm_memseg *ms = hm_mem_virt2memseg((const char *)p + off, NULL);
		if (ms == NULL)
			return false;
		off += ms->len - ((uintptr_t)p + off - (uintptr_t)ms->addr);
	}
	return true;
}

/*
 * The pages of a native heap's node against its elements, after a lock holder
 * died between mapping pages and adding them (or hiding a run and returning
 * it): a page flagged HEAP that no element covers is no heap's any more: its
 * flag goes and the page goes back (unless preallocated); a covered page gets
 * the flag. pre: heap lock held.
 */
static void
heap_reconcile_pages(struct malloc_heap *h)
{
	struct hm_mem_config *m = malloc_st.mcfg;

	for (unsigned int li = 0; li < m->n_lists; li++) {
		struct hm_memseg_list *msl = &m->memsegs[li];
		struct hm_fbarray *arr = &msl->memseg_arr;
		const struct malloc_elem *e = h->first;
		int i = 0;

		if (msl->len == 0 || msl->external || msl->socket_id != h->socket_id)
			continue;
		while ((unsigned int)i < arr->len &&
		       (i = fbarray_next_used(arr, (unsigned int)i)) >= 0) {
			struct hm_memseg *ms = (struct hm_memseg *)arr->data + i;
			const char *a = ms->addr, *b = a + ms->len;
			while (e != NULL && (const char *)e + e->size <= a)
				e = e->next;
			bool covered = e != NULL && (const char *)e < b;
			if (covered && !(ms->flags & HM_MEMSEG_FLAG_HEAP)) {
				ms->flags |= HM_MEMSEG_FLAG_HEAP;
			} else if (!covered && (ms->flags & HM_MEMSEG_FLAG_HEAP)) {
				ms->flags &= ~HM_MEMSEG_FLAG_HEAP;
				if (!(ms->flags & HM_MEMSEG_FLAG_DO_NOT_FREE) &&
				    hm_memseg_free_pages(&ms, 1) < 0)
					HM_LOG(WARNING, "heap %s: page %p left by a dead process: %s",
					       h->name, (void *)a, hm_last_error());
			}
			i++;
		}
	}
}

uint64_t
lookup_heap_pages(int node, uint64_t *releasable)
{
	struct hm_mem_config *m = malloc_st.mcfg;
	uint64_t bytes = 0, n = 0;

	for (unsigned int li = 0; li < m->n_lists; li++) {
		struct hm_memseg_list *msl = &m->memsegs[li];
		struct hm_fbarray *arr = &msl->memseg_arr;
		int i = 0;

		if (msl->len == 0 || msl->external || msl->socket_id != node)
			continue;
		while ((unsigned int)i < arr->len &&
		       (i = fbarray_next_used(arr, (unsigned int)i)) >= 0) {
			const struct hm_memseg *ms = (const struct hm_memseg *)arr->data + i;
			uint32_t fl = __atomic_load_n(&ms->flags, __ATOMIC_RELAXED);
			if (fl & HM_MEMSEG_FLAG_HEAP) {
				bytes += ms->len;
				n += !(fl & HM_MEMSEG_FLAG_DO_NOT_FREE);
			}
			i++;
		}
	}
	*releasable = n;
	return bytes;
}

/*
 * A process died holding a heap's lock (robust_i.h): if the heap does not check
 * out, rebuild it from its memory (heap_rebuild) and check again; then put the
 * node's page flags in line with what the heap covers.
 */
static int
heap_repair(void *arg, const char **why)
{
	struct malloc_heap *h = arg;

	if (heap_check(h, why, NULL) != 0) {
		hm_log(HM_LOG_WARNING, "heap %s: %s after its lock holder died: rebuilding it",
		       h->name, *why);
		if (heap_rebuild(h, heap_readable, why) < 0 || heap_check(h, why, NULL) < 0)
			return -EFAULT;
	}
	/* it may have died between a page's flag and the count: recount before
	 * the release below relies on it, and after it changed flags */
	if (h->kind == HEAP_NATIVE)
		lookup_heap_pages(h->socket_id, &h->releasable_pages);
	if (h->kind == HEAP_NATIVE && !malloc_st.mcfg->legacy_mem) {
		/* A free the dead process was in (joined, pages not yet returned) or
		 * the rebuild's joins can leave a free element holding whole pages:
		 * they go back as the free would have given them (grow.c's invariant). */
		for (struct malloc_elem *e = h->first, *n; e != NULL; e = n) {
			n = e->next;
			if (elem_state(e) == ELEM_FREE)
				grow_release_pages(h, e, (char *)e, (char *)e + e->size);
		}
		heap_reconcile_pages(h);
		lookup_heap_pages(h->socket_id, &h->releasable_pages);
	}
	return 0;
}

int
heap_lock_slow(struct malloc_heap *h)
{
	struct robust_recover rec = { h->name, heap_repair, h };

	return robust_lock(&h->lock, &rec);
}

struct malloc_heap *
lookup_by_socket(int socket)
{
	if (socket >= 0 && (unsigned int)socket < malloc_st.n_nodes)
		return &malloc_st.heaps[socket];
	if (socket < HM_MALLOC_EXT_SOCKET_BASE)
		return NULL;
	for (unsigned int i = malloc_st.n_nodes; i < HM_MAX_HEAPS; i++)
		if (malloc_st.heaps[i].kind == HEAP_EXTERNAL && malloc_st.heaps[i].socket_id == socket)
			return &malloc_st.heaps[i];
	return NULL;
}

struct malloc_heap *
lookup_by_name(const char *name)
{
	for (unsigned int i = 0; i < HM_MAX_HEAPS; i++)
		if (malloc_st.heaps[i].kind != HEAP_UNUSED &&
		    strncmp(malloc_st.heaps[i].name, name, HM_MALLOC_HEAP_NAME_LEN) == 0)
			return &malloc_st.heaps[i];
	return NULL;
}

/* Names the memzone of a block (memzone.c registers it): NULL while no
 * memzone table exists. Process-local. */
static bool (*zone_namer)(const void *addr, char *name, size_t len);

void
malloc_set_zone_namer(bool (*fn)(const void *addr, char *name, size_t len))
{
	zone_namer = fn;
}

/* The failure of a lookup that found a live block of another owner than asked
 * for. No heap lock may be held: naming the zone takes the memzone lock, which
 * comes before heap locks. */
static struct malloc_elem *
wrong_owner(const void *ptr, enum elem_owner was)
{
	char name[HM_MEMZONE_NAMESIZE];

	if (was != ELEM_OWNER_MEMZONE)
		return hm_fail_ptr(EINVAL, "%p is not a memzone's block", ptr);
	if (zone_namer == NULL || !zone_namer(ptr, name, sizeof(name)))
		snprintf(name, sizeof(name), "(gone)");
	return hm_fail_ptr(EINVAL, "%p belongs to memzone '%s': hm_free, hm_realloc and "
			   "hm_malloc_validate refuse a memzone's memory (rings and mempools "
			   "live in memzones); free it with hm_memzone_free or the free of the "
			   "object that owns it. Nothing was changed", ptr, name);
}

/* The memseg list of @p va, or NULL: the list this thread found last
 * (lookup_hint), else memseg's search. */
_Thread_local unsigned int lookup_hint;

static inline const struct hm_memseg_list *
list_of(const void *va)
{
	unsigned int hint = lookup_hint;
	const struct hm_mem_config *m = malloc_st.mcfg;
	const struct hm_memseg_list *msl;

	if (hint < m->n_lists) {
		msl = &m->memsegs[hint];
		if ((uintptr_t)va - (uintptr_t)msl->base_va < msl->len &&
		    (uintptr_t)va >= (uintptr_t)msl->base_va)
			return msl;
	}
	msl = hm_mem_virt2memseg_list(va);
	if (msl != NULL)
		lookup_hint = (unsigned int)(msl - m->memsegs);
	return msl;
}

/*
 * Element of a pointer some heap of ours handed out, returned with its heap's
 * lock held. The heap is found from the memseg list the pointer lies in (a
 * node's lists belong to its native heap, an external list to its heap), and the
 * header is read only under that lock: pages leave a heap only under its lock,
 * so two threads freeing one block cannot make either read unmapped memory.
 * NULL with hm_errno: ENODEV, EDEADLK (inside a memseg walk), EINVAL (not ours,
 * interior, double free, or not of @p owner), EFAULT (debug: guard bytes
 * overwritten).
 */
struct malloc_elem *
lookup_lock(const void *ptr, struct malloc_heap **hp, enum elem_owner owner)
{
	const struct hm_memseg_list *msl;
	struct malloc_heap *h = NULL;
	struct malloc_elem *e;
	const char *hdr;

	if (malloc_st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (memseg_in_walk())
		return hm_fail_ptr(EDEADLK, "hugemem malloc cannot be used from a memseg walk "
				   "callback");
	/* a 64-byte aligned ptr has its header in the same page */
	if ((uintptr_t)ptr < ELEM_HEADER_LEN || ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0)
		return hm_fail_ptr(EINVAL, "%p was not allocated by hugemem malloc", ptr);
	hdr = (const char *)((uintptr_t)ptr - ELEM_HEADER_LEN); /* ptr may be any value */
	if ((msl = list_of(hdr)) == NULL)
		return hm_fail_ptr(EINVAL, "%p was not allocated by hugemem malloc", ptr);
	h = msl->external ? lookup_by_socket(msl->socket_id) : &malloc_st.heaps[msl->socket_id];
	if (h == NULL || h->kind == HEAP_UNUSED)
		return hm_fail_ptr(EINVAL, "%p was not allocated by hugemem malloc", ptr);
	if (heap_lock(h) < 0)
		return NULL;
	if (memseg_of(msl, hdr) == NULL) {
		heap_unlock(h);
		return hm_fail_ptr(EINVAL, "%p was not allocated by hugemem malloc (or was "
				   "freed and its page returned)", ptr);
	}
	e = elem_from_data(ptr);
	if (e != NULL && e->heap != h) {
		e = NULL;
		hm_fail_ptr(EINVAL, "%p: its header names another heap", ptr);
	}
	if (e == NULL) {
		heap_unlock(h);
		return NULL;
	}
	if (e->owner != owner) {
		enum elem_owner was = (enum elem_owner)e->owner;
		heap_unlock(h);
		return wrong_owner(ptr, was);
	}
	*hp = h;
	return e;
}
