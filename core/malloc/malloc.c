/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem malloc: the public allocation API with its socket policy, and the
 * module's init and fini. The other files, from the bottom: pages.c, heap.c,
 * lookup.c, grow.c, ext_heap.c, mcache.c, report.c; buf_heap.c beside them
 * (malloc_i.h lists what each does).
 *
 * Heaps live in the fbarray "malloc_heaps" (shared, same VA in every process).
 * Lock order: heap lock, then the memory hotplug lock (taken inside memseg when a
 * native heap grows or returns pages). External heap changes take the hotplug
 * write lock first and an external heap's lock inside it: external heaps never
 * grow, so the two orders never meet. Allocation and free are refused inside a
 * memseg walk (the walk holds the hotplug read lock).
 */
#include <inttypes.h>
#include <string.h>

#include "fbarray_quiet.h"
#include "heap_small_i.h"
#include "malloc_i.h"
#include "mcache_i.h"
#include "mcfg_i.h"
#include "memseg_i.h"
#include "hugemem/lcore.h"
#include "hugemem/memzone.h"

int
malloc_init(struct hm_mem_config *mcfg, const char *dir, unsigned int cache_blocks)
{
	int rc;

	rc = hm_fbarray_init(&mcfg->heaps, "malloc_heaps", HM_MAX_HEAPS,
			     sizeof(struct malloc_heap), dir);
	if (rc < 0)
		return rc;
	malloc_st.mcfg = mcfg;
	malloc_st.heaps = mcfg->heaps.data;
	malloc_st.n_nodes = mcfg->n_nodes;
	mcfg->next_ext_socket = HM_MALLOC_EXT_SOCKET_BASE;
	for (unsigned int n = 0; n < mcfg->n_nodes; n++) {
		char name[HM_MALLOC_HEAP_NAME_LEN];
		snprintf(name, sizeof(name), "socket_%u", n);
		heap_init(&malloc_st.heaps[n], HEAP_NATIVE, (int)n, name);
		hm_fbarray_set_used(&mcfg->heaps, n);
	}
	/* Pages mapped at init (-m, --socket-mem, legacy) go to their node's heap,
	 * one element per VA-contiguous run. */
	for (unsigned int li = 0; li < mcfg->n_lists; li++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[li];
		struct hm_fbarray *arr = &msl->memseg_arr;
		int i = 0;

		if (msl->len == 0 || msl->external)
			continue;
		while ((unsigned int)i < arr->len && (i = fbarray_next_used(arr, (unsigned int)i)) >= 0) {
			int n = fbarray_contig_used(arr, (unsigned int)i);
			struct malloc_heap *h = &malloc_st.heaps[msl->socket_id];
			grow_adopt_pages(h, (char *)msl->base_va + (uint64_t)i * msl->page_sz,
					 (uint64_t)n * msl->page_sz, li);
			i += n;
		}
	}
	rc = mc_init(cache_blocks);
	if (rc < 0) {
		hm_fbarray_destroy(&mcfg->heaps);
		memset(&malloc_st, 0, sizeof(malloc_st));
	}
	return rc;
}

void
malloc_fini(void)
{
	struct hm_mem_config *mcfg = malloc_st.mcfg;

	if (mcfg == NULL)
		return;
	mc_fini();
	ext_heap_forget_all();
	hm_fbarray_destroy(&mcfg->heaps);
	memset(&malloc_st, 0, sizeof(malloc_st));
}

int
malloc_attach(struct hm_mem_config *mcfg, const char *dir, unsigned int cache_blocks)
{
	int rc = hm_fbarray_attach(&mcfg->heaps, dir);

	if (rc < 0)
		return hm_fail(-rc, "cannot attach the heap table: %s", hm_last_error());
	malloc_st.mcfg = mcfg;
	malloc_st.heaps = mcfg->heaps.data;
	malloc_st.n_nodes = mcfg->n_nodes;
	rc = mc_init(cache_blocks);
	if (rc < 0) {
		hm_fbarray_detach(&mcfg->heaps);
		memset(&malloc_st, 0, sizeof(malloc_st));
	}
	return rc;
}

void
malloc_detach(void)
{
	struct hm_mem_config *mcfg = malloc_st.mcfg;

	if (mcfg == NULL)
		return;
	mc_fini(); /* this process's cached blocks go back to the shared heaps */
	hm_fbarray_detach(&mcfg->heaps);
	memset(&malloc_st, 0, sizeof(malloc_st));
}

void
malloc_forget(void)
{
	struct hm_mem_config *mcfg = malloc_st.mcfg;

	if (mcfg == NULL)
		return;
	hm_fbarray_detach(&mcfg->heaps);
	memset(&malloc_st, 0, sizeof(malloc_st));
}

/* ---------------------------------------------------------------- API */

/* Append heap @p h's growth failure (hm_last_error: the errno and memseg's or
 * the backend's message) to @p why, after the heap's name when @p named. */
static void __attribute__((noinline, cold))
note_growth_failure(const struct malloc_heap *h, char *why, size_t len, bool named)
{
	size_t used = strlen(why);

	snprintf(why + used, len - used, "%s%s%s%s", used > 0 ? "; " : "", named ? "heap " : "",
		 named ? h->name : "", named ? ": " : "");
	used = strlen(why);
	snprintf(why + used, len - used, "%s", hm_last_error());
}

/* Allocate on @p h, growing a native heap. When that fails, the growth's cause
 * goes to @p why (note_growth_failure). */
static inline void *
alloc_on(struct malloc_heap *h, const struct alloc_req *r, char *why, size_t len, bool named)
{
	void *p;

	if (heap_lock(h) < 0) {
		note_growth_failure(h, why, len, named); /* the dead holder, named */
		return NULL;
	}
	p = heap_alloc(h, r);
	if (p == NULL && h->kind == HEAP_NATIVE) {
		p = grow_and_alloc(h, r);
		if (p == NULL)
			note_growth_failure(h, why, len, named);
	}
	heap_unlock(h);
	return p;
}

/* Socket policy: ANY = the caller's node (the main lcore's for threads without
 * one), then every other node; an explicit node or external heap only itself.
 * The ENOMEM message keeps each heap's growth failure. */
static void * __attribute__((noinline))
alloc_socket_slow(const struct alloc_req *r, int socket)
{
	struct malloc_heap *h = NULL;
	char why[480];
	void *p;

	why[0] = '\0'; /* not an initialiser: that would clear 480 bytes per malloc */
	if (malloc_st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	/* a heap lock waited for under the hotplug read lock could deadlock
	 * against a heap that grows: refused, as DPDK forbids it */
	if (memseg_in_walk())
		return hm_fail_ptr(EDEADLK, "hugemem malloc cannot be used from a memseg walk "
				   "callback");
	if (socket != HM_SOCKET_ID_ANY) {
		h = lookup_by_socket(socket);
		if (h == NULL)
			return hm_fail_ptr(EINVAL, "malloc: socket %d is neither a node (0..%u) nor "
					   "an external heap", socket, malloc_st.n_nodes - 1);
		p = alloc_on(h, r, why, sizeof(why), false);
		if (p == NULL)
			return hm_fail_ptr(ENOMEM, "malloc: no %" PRIu64 " bytes (align %" PRIu64
					   ") on heap %s%s%s", r->size, r->align, h->name,
					   why[0] != '\0' ? ": " : "", why);
		return p;
	}
	/* one node: it is the caller's (and the main lcore's) whatever they are */
	int first = malloc_st.n_nodes == 1 ? 0 : hm_socket_id();
	if (first < 0)
		first = hm_lcore_to_socket_id(hm_get_main_lcore());
	if (first < 0 || (unsigned int)first >= malloc_st.n_nodes)
		first = 0;
	p = alloc_on(&malloc_st.heaps[first], r, why, sizeof(why), true);
	for (unsigned int n = 0; p == NULL && n < malloc_st.n_nodes; n++)
		if ((int)n != first)
			p = alloc_on(&malloc_st.heaps[n], r, why, sizeof(why), true);
	if (p == NULL)
		return hm_fail_ptr(ENOMEM, "malloc: no %" PRIu64 " bytes (align %" PRIu64
				   ") on any node: %s", r->size, r->align, why);
	return p;
}

/* The first heap the policy tries (alloc_socket_slow), when it has room
 * without growing; else the whole policy, with its growth and messages. */
static inline void *
alloc_socket_once(const struct alloc_req *r, int socket)
{
	struct malloc_heap *h;
	void *p = NULL;

	if (malloc_st.mcfg != NULL && !memseg_in_walk()) {
		if (socket == HM_SOCKET_ID_ANY && malloc_st.n_nodes == 1)
			h = &malloc_st.heaps[0];
		else if (socket >= 0 && (unsigned int)socket < malloc_st.n_nodes)
			h = &malloc_st.heaps[socket];
		else
			return alloc_socket_slow(r, socket);
		/* taken: the slow path waits for it (or repairs what a dead
		 * holder left) and says why when it cannot */
		if (!robust_trylock(&h->lock))
			return alloc_socket_slow(r, socket);
		hm_local_epoch_observe(); /* as heap_lock */
		p = heap_alloc(h, r);
		heap_unlock(h);
	}
	return p != NULL ? p : alloc_socket_slow(r, socket);
}

/* ... and when that finds no room, once more after the calling lcore's cache
 * gave its blocks back (they may be what is missing). */
static void *
alloc_socket(const struct alloc_req *r, int socket)
{
	void *p = alloc_socket_once(r, socket);
	struct mcache *c;

	if (p == NULL && hm_errno == ENOMEM && (c = mc_self()) != NULL && c->count != 0 &&
	    !memseg_in_walk() && mc_flush(c) > 0)
		p = alloc_socket_once(r, socket);
	return p;
}

/* Requests the lcore cache can serve: up to CACHE_LIMIT bytes, no alignment
 * beyond the default. The alignment in one test: 0 or a power of two up to
 * MALLOC_ALIGN has no bit in common with align - 1 nor above MALLOC_ALIGN; any
 * other value has (test_malloc_heap_alone checks every value up to 4096). */
static inline bool
cacheable(size_t size, unsigned int align)
{
	return size - 1 < CACHE_LIMIT && (align & ((align - 1) | ~(2 * MALLOC_ALIGN - 1))) == 0;
}

/* Zero what of @p p's first @p len bytes may be dirty (from @p zero_from on).
 * Call it with the allocation's result in a variable first: in
 * zero_tail(alloc(&r), zero_from, len) the compiler may read zero_from (still
 * 0) before the call sets it, and clear the whole block (gcc did). */
static inline void *
zero_tail(void *p, uint64_t zero_from, size_t len)
{
	if (p != NULL && zero_from < len)
		hm_zero((char *)p + zero_from, len - zero_from);
	return p;
}

/* A cacheable request (cacheable(size, align)) that the cache did not serve,
 * straight to the first heap the policy tries (alloc_socket_once's choice),
 * without an alloc_req: heap_alloc_small when that heap's lock is free and its
 * good-fit class has a larger element. NULL otherwise, with nothing changed and
 * no error set: the caller then takes the whole path, which says why when it
 * fails. @p round: the cache's class size when it asks for one (else 0). */
static inline void *
alloc_small(const char *type, size_t size, uint64_t round, int socket, uint64_t *zero_from)
{
	uint64_t asize = HM_ALIGN_CEIL((uint64_t)size, MALLOC_ALIGN);
	struct malloc_heap *h;
	void *p;

	/* not initialised: n_nodes is 0 (malloc_st is set and cleared whole),
	 * so no heap is chosen -- no separate test of malloc_st.mcfg */
	if (socket == HM_SOCKET_ID_ANY && malloc_st.n_nodes == 1)
		h = &malloc_st.heaps[0];
	else if (socket >= 0 && (unsigned int)socket < malloc_st.n_nodes)
		h = &malloc_st.heaps[socket];
	else
		return NULL;
	if (memseg_in_walk() || !robust_trylock(&h->lock))
		return NULL;
	hm_local_epoch_observe(); /* as heap_lock */
	p = heap_alloc_small_inl(h, round > asize ? round : asize, size, type, zero_from);
	heap_unlock(h);
	return p;
}

/* Every request the short paths leave: the whole policy, growth, errors (out of
 * line, so that the short paths keep a small frame). @p zero: zero the block
 * (zmalloc). @p round: as alloc_small. */
static void * __attribute__((noinline))
alloc_general(const char *type, size_t size, unsigned int align, int socket, uint64_t round,
	      bool zero)
{
	struct alloc_req r;
	uint64_t zero_from = 0;
	void *p;

	if (heap_make_req(&r, type, size, align, 0) < 0)
		return NULL;
	if (round > r.size)
		r.size = round;
	if (!zero)
		return alloc_socket(&r, socket);
	r.zero_from = &zero_from;
	p = alloc_socket(&r, socket); /* sets zero_from: before zero_tail reads it */
	return zero_tail(p, zero_from, size);
}

static inline __attribute__((always_inline)) void *
malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	uint64_t round = 0;
	void *p;

	if (cacheable(size, align) && ((p = mc_alloc(type, size, socket, &round, false)) != NULL ||
				       (p = alloc_small(type, size, round, socket, NULL)) != NULL))
		return p;
	return alloc_general(type, size, align, socket, round, false);
}

void *
hm_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	return malloc_socket(type, size, align, socket);
}

void *
malloc_zone_alloc(const char *type, size_t size, int socket, uint32_t flags, size_t align,
		  size_t bound, bool contig)
{
	struct alloc_req r;
	uint64_t zero_from = 0;
	void *p;

	if (heap_make_req(&r, type, size, align, bound) < 0)
		return NULL;
	r.contig = contig;
	r.owner = ELEM_OWNER_MEMZONE;
	r.pages = &malloc_pages;
	r.pg_flags = flags & ~(HM_MEMZONE_SIZE_HINT_ONLY | HM_MEMZONE_IOVA_CONTIG);
	r.hint_only = (flags & HM_MEMZONE_SIZE_HINT_ONLY) != 0;
	r.zero_from = &zero_from;
	/* memzones come zeroed, as DPDK's do (its heap is kept zero) */
	p = alloc_socket(&r, socket); /* sets zero_from: before zero_tail reads it */
	return zero_tail(p, zero_from, size);
}

void *
malloc_zone_alloc_biggest(const char *type, int socket, uint32_t flags, size_t align, bool contig,
			  size_t *len)
{
	uint32_t pg = flags & ~(HM_MEMZONE_SIZE_HINT_ONLY | HM_MEMZONE_IOVA_CONTIG);
	bool hint = (flags & HM_MEMZONE_SIZE_HINT_ONLY) != 0;
	struct malloc_heap *best = NULL;
	uint64_t best_len = 0;
	uint32_t best_pg = 0;
	void *p = NULL;

	if (malloc_st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (align == 0)
		align = MALLOC_ALIGN;
	/* page-size flags first; with the hint, any page size when none matches */
	for (int pass = 0; pass < (pg != 0 && hint ? 2 : 1) && best == NULL; pass++) {
		uint32_t want = pass == 0 ? pg : 0;
		for (unsigned int i = 0; i < HM_MAX_HEAPS; i++) {
			struct malloc_heap *h = &malloc_st.heaps[i];
			uint64_t l;
			if (h->kind == HEAP_UNUSED ||
			    (socket != HM_SOCKET_ID_ANY ? h->socket_id != socket :
			     h->kind != HEAP_NATIVE))
				continue;
			if (heap_lock(h) < 0)
				continue;
			if (heap_find_biggest(h, align, contig, want, &malloc_pages, &l) != NULL &&
			    l > best_len) {
				best_len = l;
				best = h;
				best_pg = want;
			}
			heap_unlock(h);
		}
	}
	if (best != NULL) {
		struct alloc_req r;
		uint64_t zero_from = 0;
		heap_make_req(&r, type, best_len, align, 0);
		r.contig = contig;
		r.owner = ELEM_OWNER_MEMZONE;
		r.pages = &malloc_pages;
		r.pg_flags = best_pg;
		r.zero_from = &zero_from;
		if (heap_lock(best) < 0)
			return NULL;
		p = heap_alloc(best, &r);
		heap_unlock(best);
		zero_tail(p, zero_from, best_len);
	}
	if (p == NULL)
		return hm_fail_ptr(ENOMEM, "no free memory for the biggest block");
	*len = best_len;
	return p;
}

/* hm_malloc's whole path (the caches on, and every case malloc_heap_alone
 * leaves), out of line. */
static void * __attribute__((noinline))
malloc_any(const char *type, size_t size, unsigned int align)
{
	return malloc_socket(type, size, align, HM_SOCKET_ID_ANY);
}

/*
 * hm_malloc with the caches off (the heap alone): alloc_small's common case --
 * a cacheable request, one node, its lock free, a block carved from the top of
 * its good-fit element, which keeps its class -- with a type string the tag
 * can read a word at a time (tested before the lock). No call but the tail
 * calls of malloc_any, which takes every other case (a tag needing the byte
 * loop, a class change, no room, the errors) from the start: a leaf (gcc 12
 * still saves four callee-saved registers, for the live values; 151 -> 140
 * instructions per 64 B malloc).
 */
static void * __attribute__((noinline))
malloc_heap_alone(const char *type, size_t size, unsigned int align)
{
	struct malloc_heap *h;
	void *p;

	/* not initialised: n_nodes is 0 (as alloc_small), heaps NULL */
	if (!cacheable(size, align) || malloc_st.n_nodes != 1 || !tag_words_ok(type) ||
	    memseg_in_walk())
		return malloc_any(type, size, align);
	h = &malloc_st.heaps[0];
	if (!robust_trylock(&h->lock))
		return malloc_any(type, size, align);
	hm_local_epoch_observe(); /* as heap_lock */
	p = heap_alloc_small_tag(h, HM_ALIGN_CEIL((uint64_t)size, MALLOC_ALIGN), size, type);
	heap_unlock(h);
	if (p != NULL)
		return p;
	return malloc_any(type, size, align);
}

/* hm_malloc with the caches on: malloc_any, told what hm_malloc tested. */
static void * __attribute__((noinline))
malloc_cached(const char *type, size_t size, unsigned int align)
{
	if (mc_st.c == NULL)
		__builtin_unreachable();
	return malloc_socket(type, size, align, HM_SOCKET_ID_ANY);
}

/* A dispatcher: the heap-alone path is chosen before any register is saved (in
 * one function gcc saved all six callee-saved registers before the test). */
void *
hm_malloc(const char *type, size_t size, unsigned int align)
{
	if (mc_st.c == NULL)
		return malloc_heap_alone(type, size, align);
	return malloc_cached(type, size, align);
}

void *
hm_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	uint64_t zero_from = 0, round = 0;
	void *p;

	if (cacheable(size, align)) {
		if ((p = mc_alloc(type, size, socket, &round, true)) != NULL) {
			hm_zero(p, size); /* cached blocks are dirty */
			return p;
		}
		if ((p = alloc_small(type, size, round, socket, &zero_from)) != NULL)
			return zero_tail(p, zero_from, size);
	}
	return alloc_general(type, size, align, socket, round, true);
}

void *
hm_zmalloc(const char *type, size_t size, unsigned int align)
{
	return hm_zmalloc_socket(type, size, align, HM_SOCKET_ID_ANY);
}

void *
hm_calloc_socket(const char *type, size_t num, size_t size, unsigned int align, int socket)
{
	if (size != 0 && num > SIZE_MAX / size)
		return hm_fail_ptr(ENOMEM, "calloc: %zu x %zu overflows", num, size);
	return hm_zmalloc_socket(type, num * size, align, socket);
}

void *
hm_calloc(const char *type, size_t num, size_t size, unsigned int align)
{
	return hm_calloc_socket(type, num, size, align, HM_SOCKET_ID_ANY);
}

/*
 * lookup_lock's common case inline, for free: @p ptr a live block of @p owner
 * whose header has no pad, in the memseg list of this thread's last lookup
 * (lookup_hint), of a node's native heap whose lock is free. Its element,
 * with that lock held (*hp); otherwise NULL with no lock held and nothing
 * changed: the caller then takes lookup_lock, which checks it all again and
 * says why it refuses. Each check is one of lookup_lock's or stricter (so it
 * accepts only what lookup_lock accepts); debug builds also ask
 * elem_from_data (the guard bytes: its error, if any, lookup_lock sets again).
 */
static inline __attribute__((always_inline)) struct malloc_elem *
lookup_lock_fast(const void *ptr, struct malloc_heap **hp, enum elem_owner owner)
{
	const struct hm_mem_config *m = malloc_st.mcfg;
	const struct hm_memseg_list *msl;
	const struct hm_memseg *ms;
	struct malloc_heap *h;
	struct malloc_elem *e;
	uintptr_t hdr = (uintptr_t)ptr - ELEM_HEADER_LEN, off;
	unsigned int li = lookup_hint;

	if (m == NULL || li >= m->n_lists || ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0 ||
	    memseg_in_walk())
		return NULL;
	msl = &m->memsegs[li];
	/* one unsigned compare also refuses a hdr below the list (off wraps past
	 * any list's length: no list reaches the top of the address space) and
	 * a ptr below ELEM_HEADER_LEN (hdr wraps there) */
	off = hdr - (uintptr_t)msl->base_va;
	if (off >= msl->len || msl->external || (unsigned int)msl->socket_id >= malloc_st.n_nodes)
		return NULL;
	h = &malloc_st.heaps[msl->socket_id];
	if (!robust_trylock(&h->lock))
		return NULL;
	hm_local_epoch_observe(); /* as heap_lock */
	/* memseg_of without its range check (made above): the page is mapped */
	ms = (const struct hm_memseg *)msl->memseg_arr.data + (off >> __builtin_ctzll(msl->page_sz));
	e = (struct malloc_elem *)hdr;
	if (ms->len != 0 && h->kind != HEAP_UNUSED && e->cookie == cookie_of(e) &&
	    elem_state(e) == ELEM_BUSY && e->pad == 0 && e->heap == h && e->owner == owner &&
	    (!MALLOC_DEBUG || elem_from_data(ptr) == e)) {
		*hp = h;
		return e;
	}
	heap_unlock(h);
	return NULL;
}

/* free_direct's end once @p e (of @p h, whose lock is held) is found: the
 * free, then the whole pages of the joined element go back (when @p h has
 * pages it may return: -m preallocates every page, releasable_pages 0). Out
 * of line: the common free joins inline (heap_free_join1). */
static int __attribute__((noinline))
free_locked(struct malloc_heap *h, struct malloc_elem *e)
{
	char *lo = (char *)e, *hi = lo + e->size;

	e = heap_free_elem(e);
	grow_release_pages(h, e, lo, hi);
	heap_unlock(h);
	return 0;
}

/* The release check after heap_free_join1 joined [@p lo, @p hi) into @p j,
 * for a heap with releasable pages (out of line, as free_locked). */
static int __attribute__((noinline))
free_joined_release(struct malloc_heap *h, struct malloc_elem *j, char *lo, char *hi)
{
	grow_release_run(h, j, lo, hi);
	heap_unlock(h);
	return 0;
}

/* free_direct when the inline lookup refused: lookup_lock, which says why. */
static int __attribute__((noinline))
free_slow(void *ptr, enum elem_owner owner)
{
	struct malloc_heap *h = NULL;
	struct malloc_elem *e = lookup_lock(ptr, &h, owner);

	if (e == NULL)
		return -hm_errno;
	return free_locked(h, e);
}

/* Header of the block this thread last freed through heap_free_join1. */
static _Thread_local uintptr_t free_last;

/* Free a block of @p owner without the lcore cache: the memory goes back to the
 * heap (and whole pages to the backend) at once. Inline, with the lookup's and
 * heap_free_elem's common cases (lookup_lock_fast, heap_free_join1) and the
 * rest out of line, so that the common free keeps a small frame. */
static inline __attribute__((always_inline)) int
free_direct(void *ptr, enum elem_owner owner)
{
	struct malloc_heap *h;
	struct malloc_elem *e, *j;
	uint64_t esz;

	if (ptr == NULL)
		return 0;
	e = lookup_lock_fast(ptr, &h, owner);
	if (e == NULL)
		return free_slow(ptr, owner);
	esz = e->size;
	j = heap_free_join1(h, e);
	if (j == NULL)
		return free_locked(h, e);
	/* e joined the block this thread freed just before, right after it:
	 * blocks freed in allocation order (carved top down), so the next frees
	 * are the ones below e, one size apart. Fetch, for writing, the header
	 * HEAP_SMALL_PF blocks ahead, as the carve does (a prefetch never faults;
	 * a wrong guess costs a line). Only on that evidence: in a random order
	 * the fetch was a line wasted on most joins (2-6 % slower). */
	if (j == e && (uintptr_t)e + esz == free_last)
		__builtin_prefetch((char *)e - HEAP_SMALL_PF * esz, 1);
	free_last = (uintptr_t)e;
	if (h->releasable_pages != 0)
		return free_joined_release(h, j, (char *)e, (char *)e + esz);
	heap_unlock(h);
	return 0;
}

int
malloc_zone_free(void *ptr)
{
	return free_direct(ptr, ELEM_OWNER_MEMZONE);
}

static int
free_user(void *ptr)
{
	return free_direct(ptr, ELEM_OWNER_USER);
}

static int free_cached(void *ptr);

/* free_cached's block outside the list its lcore checks first: that list
 * becomes the block's (when it is of the lcore's node), and free_cached tries
 * again (it then finds the list); else the heap path. */
static int __attribute__((noinline, cold))
free_cached_msl(void *ptr)
{
	struct mcache *c = mc_self_on();

	if (c != NULL && mc_set_msl(c, (const void *)((uintptr_t)ptr - ELEM_HEADER_LEN)))
		return free_cached(ptr);
	return free_direct(ptr, ELEM_OWNER_USER);
}

/* hm_free with the lcore caches on: the cache first. */
static int __attribute__((noinline))
free_cached(void *ptr)
{
	if (ptr == NULL)
		return 0;
	return mc_free(ptr, free_user, free_cached_msl);
}

int
hm_free(void *ptr)
{
	/* caches off (mc_self would say so first): the heap alone, without
	 * the cache path's frame */
	if (mc_st.c != NULL)
		return free_cached(ptr);
	return free_direct(ptr, ELEM_OWNER_USER);
}

static int
validate(const void *ptr, size_t *size, enum elem_owner owner)
{
	struct malloc_heap *h = NULL;
	struct malloc_elem *e = lookup_lock(ptr, &h, owner);

	if (e == NULL)
		return -hm_errno;
	if (size != NULL)
		*size = elem_user_size(e);
	heap_unlock(h);
	return 0;
}

int
hm_malloc_validate(const void *ptr, size_t *size)
{
	return validate(ptr, size, ELEM_OWNER_USER);
}

int
malloc_zone_validate(const void *ptr, size_t *size)
{
	return validate(ptr, size, ELEM_OWNER_MEMZONE);
}

void *
hm_realloc_socket(void *ptr, size_t size, unsigned int align, int socket)
{
	struct malloc_elem *e;
	struct alloc_req r;
	void *n;

	if (ptr == NULL)
		return hm_malloc_socket(NULL, size, align, socket);
	if (heap_make_req(&r, NULL, size, align, 0) < 0)
		return NULL;
	struct malloc_heap *h = NULL;
	e = lookup_lock(ptr, &h, ELEM_OWNER_USER);
	if (e == NULL)
		return NULL;
	if (((uintptr_t)ptr & (r.align - 1)) == 0 &&
	    (socket == HM_SOCKET_ID_ANY || socket == h->socket_id)) {
		char *old_end = (char *)e + e->size;
		if (heap_resize_in_place(e, r.size, size)) {
			/* a shrink gives its tail back: whole pages in it go to the
			 * backend; a growth only changed the free neighbour's start */
			char *new_end = (char *)e + e->size;
			if (e->next != NULL && elem_state(e->next) == ELEM_FREE)
				grow_release_pages(h, e->next, new_end,
						   old_end > new_end ? old_end : new_end + 1);
			heap_unlock(h);
			return ptr;
		}
	}
	char type[sizeof(e->busy.type) + 1];
	memcpy(type, e->busy.type, sizeof(e->busy.type));
	type[sizeof(e->busy.type)] = '\0';
	uint64_t old = elem_user_size(e);
	int target = socket != HM_SOCKET_ID_ANY ? socket :
		     (h->kind == HEAP_EXTERNAL ? h->socket_id : HM_SOCKET_ID_ANY);
	heap_unlock(h);
	n = hm_malloc_socket(type, size, align, target);
	if (n == NULL)
		return NULL;
	memcpy(n, ptr, old < size ? old : size);
	hm_free(ptr);
	return n;
}

void *
hm_realloc(void *ptr, size_t size, unsigned int align)
{
	return hm_realloc_socket(ptr, size, align, HM_SOCKET_ID_ANY);
}

hm_iova_t
hm_malloc_virt2iova(const void *addr)
{
	if (malloc_st.mcfg == NULL) {
		hm_errno = ENODEV;
		return HM_BAD_IOVA;
	}
	return hm_mem_virt2iova(addr);
}
