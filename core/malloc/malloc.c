/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem malloc: the heap table (native heaps per node, external heaps), the
 * public allocation API with its socket policy, heap growth through memseg and
 * page release on free, and stand-alone buffer heaps.
 *
 * Heaps live in the fbarray "malloc_heaps" (shared, same VA in every process).
 * Lock order: heap lock, then the memory hotplug lock (taken inside memseg when a
 * native heap grows or returns pages). External heap changes take the hotplug
 * write lock first and an external heap's lock inside it: external heaps never
 * grow, so the two orders never meet. Allocation and free are refused inside a
 * memseg walk (the walk holds the hotplug read lock).
 *
 * Invariant added on top of heap.c's (hm_malloc_check): a native heap's
 * total_size == bytes of the pages flagged HM_MEMSEG_FLAG_HEAP on its node, i.e.
 * the heap holds exactly the pages it mapped and never a page no element covers.
 */
#include <inttypes.h>
#include <string.h>

#include "malloc_i.h"
#include "mp_i.h"
#include "robust_i.h"
#include "mcfg_i.h"
#include "memseg_i.h"
#include "hugemem/lcore.h"
#include "hugemem/memzone.h"
#include "lcore_i.h"

static struct {
	struct hm_mem_config *mcfg; /* NULL when not initialised */
	struct malloc_heap *heaps;  /* HM_MAX_HEAPS entries, in mcfg->heaps */
	unsigned int n_nodes;
} ms_st;

/* ---------------------------------------------------------------- memseg glue */

uint64_t
malloc_msl_page_sz(uint16_t msl_idx)
{
	const struct hm_memseg_list *msl = msl_idx == MSL_NONE ? NULL : memseg_list_at(msl_idx);
	return msl != NULL ? msl->page_sz : 0;
}

bool
malloc_iova_contig(uint16_t msl_idx, const void *p, uint64_t len)
{
	const struct hm_memseg_list *msl;

	if (msl_idx == MSL_NONE)
		return true; /* buffer heaps: IOVA is VA */
	msl = memseg_list_at(msl_idx);
	if (msl == NULL)
		return false;
	if (ms_st.mcfg->iova_va && !msl->external)
		return true;
	/* external memory without IOVAs is never contiguous */
	const struct hm_memseg *ms = hm_mem_virt2memseg(p, msl);
	if (ms == NULL || ms->iova == HM_BAD_IOVA)
		return false;
	return hm_memseg_is_iova_contig(msl, p, len) == 1;
}

static const struct {
	uint32_t flag;
	uint64_t page_sz;
} pg_flags[] = {
	{ HM_MEMZONE_256KB, 256ULL << 10 }, { HM_MEMZONE_2MB, 2ULL << 20 },
	{ HM_MEMZONE_16MB, 16ULL << 20 },   { HM_MEMZONE_256MB, 256ULL << 20 },
	{ HM_MEMZONE_512MB, 512ULL << 20 }, { HM_MEMZONE_1GB, 1ULL << 30 },
	{ HM_MEMZONE_4GB, 4ULL << 30 },     { HM_MEMZONE_16GB, 16ULL << 30 },
};

static bool
flags_allow(uint32_t flags, uint64_t page_sz)
{
	for (size_t i = 0; i < sizeof(pg_flags) / sizeof(pg_flags[0]); i++)
		if ((flags & pg_flags[i].flag) && pg_flags[i].page_sz == page_sz)
			return true;
	return false;
}

bool
malloc_pgsz_match(uint16_t msl_idx, uint32_t flags)
{
	return flags_allow(flags, malloc_msl_page_sz(msl_idx));
}

/* ---------------------------------------------------------------- heap table */

static struct malloc_heap *
heap_by_socket(int socket)
{
	if (socket >= 0 && (unsigned int)socket < ms_st.n_nodes)
		return &ms_st.heaps[socket];
	if (socket < HM_MALLOC_EXT_SOCKET_BASE)
		return NULL;
	for (unsigned int i = ms_st.n_nodes; i < HM_MAX_HEAPS; i++)
		if (ms_st.heaps[i].kind == HEAP_EXTERNAL && ms_st.heaps[i].socket_id == socket)
			return &ms_st.heaps[i];
	return NULL;
}

static struct malloc_heap *
heap_by_name(const char *name)
{
	for (unsigned int i = 0; i < HM_MAX_HEAPS; i++)
		if (ms_st.heaps[i].kind != HEAP_UNUSED &&
		    strncmp(ms_st.heaps[i].name, name, HM_MALLOC_HEAP_NAME_LEN) == 0)
			return &ms_st.heaps[i];
	return NULL;
}

static void
flag_heap_pages(char *start, uint64_t len, bool on)
{
	for (uint64_t off = 0; off < len;) {
		struct hm_memseg *ms = hm_mem_virt2memseg(start + off, NULL);
		HM_VERIFY(ms != NULL);
		if (on)
			ms->flags |= HM_MEMSEG_FLAG_HEAP;
		else
			ms->flags &= ~HM_MEMSEG_FLAG_HEAP;
		off += ms->len;
	}
}

/* Add a run of pages [va, va+len) of list @p li to its node's heap. pre: lock. */
static struct malloc_elem *
adopt_pages(struct malloc_heap *h, char *va, uint64_t len, unsigned int li)
{
	bool dirty = false;

	for (uint64_t off = 0; off < len;) {
		struct hm_memseg *ms = hm_mem_virt2memseg(va + off, NULL);
		dirty |= (ms->flags & HM_MEMSEG_FLAG_DIRTY) != 0;
		ms->flags |= HM_MEMSEG_FLAG_HEAP;
		off += ms->len;
	}
	return heap_add_memory(h, va, len, (uint16_t)li, dirty);
}

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
	struct hm_mem_config *m = ms_st.mcfg;

	for (unsigned int li = 0; li < m->n_lists; li++) {
		struct hm_memseg_list *msl = &m->memsegs[li];
		struct hm_fbarray *arr = &msl->memseg_arr;
		const struct malloc_elem *e = h->first;
		int i = 0;

		if (msl->len == 0 || msl->external || msl->socket_id != h->socket_id)
			continue;
		while ((unsigned int)i < arr->len &&
		       (i = hm_fbarray_find_next_used(arr, (unsigned int)i)) >= 0) {
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
	if (h->kind == HEAP_NATIVE && !ms_st.mcfg->legacy_mem)
		heap_reconcile_pages(h);
	return 0;
}

/* The lock of a shared heap. 0, or -EOWNERDEAD (a dead holder left it broken). */
static int
heap_lock(struct malloc_heap *h)
{
	struct robust_recover rec = { h->name, heap_repair, h };

	return robust_lock(&h->lock, &rec);
}

static void
heap_unlock(struct malloc_heap *h)
{
	robust_unlock(&h->lock);
}

static int mc_init(unsigned int cap);
static void mc_fini(void);

int
malloc_init(struct hm_mem_config *mcfg, const char *dir, unsigned int cache_blocks)
{
	int rc;

	rc = hm_fbarray_init(&mcfg->heaps, "malloc_heaps", HM_MAX_HEAPS,
			     sizeof(struct malloc_heap), dir);
	if (rc < 0)
		return rc;
	ms_st.mcfg = mcfg;
	ms_st.heaps = mcfg->heaps.data;
	ms_st.n_nodes = mcfg->n_nodes;
	mcfg->next_ext_socket = HM_MALLOC_EXT_SOCKET_BASE;
	for (unsigned int n = 0; n < mcfg->n_nodes; n++) {
		char name[HM_MALLOC_HEAP_NAME_LEN];
		snprintf(name, sizeof(name), "socket_%u", n);
		heap_init(&ms_st.heaps[n], HEAP_NATIVE, (int)n, name);
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
		while ((unsigned int)i < arr->len && (i = hm_fbarray_find_next_used(arr, (unsigned int)i)) >= 0) {
			int n = hm_fbarray_find_contig_used(arr, (unsigned int)i);
			struct malloc_heap *h = &ms_st.heaps[msl->socket_id];
			adopt_pages(h, (char *)msl->base_va + (uint64_t)i * msl->page_sz,
				    (uint64_t)n * msl->page_sz, li);
			i += n;
		}
	}
	rc = mc_init(cache_blocks);
	if (rc < 0) {
		hm_fbarray_destroy(&mcfg->heaps);
		memset(&ms_st, 0, sizeof(ms_st));
	}
	return rc;
}

int
malloc_attach(struct hm_mem_config *mcfg, const char *dir, unsigned int cache_blocks)
{
	int rc = hm_fbarray_attach(&mcfg->heaps, dir);

	if (rc < 0)
		return hm_fail(-rc, "cannot attach the heap table: %s", hm_last_error());
	ms_st.mcfg = mcfg;
	ms_st.heaps = mcfg->heaps.data;
	ms_st.n_nodes = mcfg->n_nodes;
	rc = mc_init(cache_blocks);
	if (rc < 0) {
		hm_fbarray_detach(&mcfg->heaps);
		memset(&ms_st, 0, sizeof(ms_st));
	}
	return rc;
}

void
malloc_detach(void)
{
	struct hm_mem_config *mcfg = ms_st.mcfg;

	if (mcfg == NULL)
		return;
	mc_fini(); /* this process's cached blocks go back to the shared heaps */
	hm_fbarray_detach(&mcfg->heaps);
	memset(&ms_st, 0, sizeof(ms_st));
}

void
malloc_fini(void)
{
	struct hm_mem_config *mcfg = ms_st.mcfg;

	if (mcfg == NULL)
		return;
	mc_fini(); /* cached blocks are not leaks */
	if (hm_malloc_leak_report(NULL) > 0) {
		HM_LOG(WARNING, "hm_cleanup: allocations still live (leak report follows)");
		hm_malloc_leak_report(stderr);
	}
	/* external memory is the user's: forget its lists */
	if (memseg_write_lock() == 0) {
		for (unsigned int li = 0; li < mcfg->n_lists; li++)
			if (mcfg->memsegs[li].len != 0 && mcfg->memsegs[li].external)
				memseg_external_remove(li);
		memseg_write_unlock();
	}
	hm_fbarray_destroy(&mcfg->heaps);
	memset(&ms_st, 0, sizeof(ms_st));
}

/* ---------------------------------------------------------------- growth */

static void release_pages(struct malloc_heap *h, struct malloc_elem *e, char *wlo, char *whi);

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

	for (unsigned int li = 0; li < ms_st.mcfg->n_lists; li++) {
		const struct hm_memseg_list *msl = &ms_st.mcfg->memsegs[li];
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
		if (r->pg_flags == 0 || flags_allow(r->pg_flags, all[i]))
			out[k++] = all[i];
	if (r->pg_flags != 0 && r->hint_only)
		for (unsigned int i = 0; i < n; i++)
			if (!flags_allow(r->pg_flags, all[i]))
				out[k++] = all[i];
	return k;
}

/* Most pages of size @p pg one list of node @p node holds (a growth is one run). */
static uint64_t
max_run_pages(int node, uint64_t pg)
{
	uint64_t most = 0;

	for (unsigned int li = 0; li < ms_st.mcfg->n_lists; li++) {
		const struct hm_memseg_list *msl = &ms_st.mcfg->memsegs[li];
		if (msl->len != 0 && !msl->external && msl->socket_id == node &&
		    msl->page_sz == pg && msl->memseg_arr.len > most)
			most = msl->memseg_arr.len;
	}
	return most;
}

/* Map the pages @p r needs on @p h's node, add them, allocate. pre: heap lock. */
static void *
grow_and_alloc(struct malloc_heap *h, const struct alloc_req *r)
{
	uint64_t sizes[HM_MAX_PAGE_SIZES * 2];
	unsigned int n_sizes = grow_sizes(h->socket_id, r, sizes);
	int err = ENOMEM;

	for (unsigned int i = 0; i < n_sizes; i++) {
		uint64_t pg = sizes[i];
		/* Worst case on fresh pages: aligning the data down from the top
		 * loses up to align - 64 bytes, and a placement that crosses a bound
		 * line moves down by less than the size. */
		uint64_t bytes = r->size + ELEM_OVERHEAD;
		struct hm_memseg **ms;
		int n, got;

		if (r->align > MALLOC_ALIGN)
			bytes += r->align - MALLOC_ALIGN;
		if (r->bound != 0)
			bytes += r->size;
		if (bytes > (1ULL << 46))
			break;
		/* more pages than a list holds cannot be one run (and would not fit n) */
		if (HM_ALIGN_CEIL(bytes, pg) / pg > max_run_pages(h->socket_id, pg))
			continue;
		n = (int)(HM_ALIGN_CEIL(bytes, pg) / pg);
		ms = malloc(sizeof(*ms) * (size_t)n);
		if (ms == NULL)
			break;
		got = hm_memseg_alloc_pages(ms, (unsigned int)n, pg, h->socket_id,
					    r->contig ? HM_MEMSEG_ALLOC_IOVA_CONTIG : 0);
		if (got < 0) {
			err = -got;
			free(ms);
			continue;
		}
		struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
		char *va = ms[0]->addr;
		uint64_t len = (uint64_t)n * pg;
		struct malloc_elem *e = adopt_pages(h, va, len, (unsigned int)(msl - ms_st.mcfg->memsegs));
		void *p = heap_alloc(h, r);
		if (p != NULL) {
			/* whole pages of the new memory that the block does not use go
			 * straight back (alignment slack): no free element keeps one */
			const struct malloc_elem *b = elem_of_live(p);
			if (b->next != NULL && elem_state(b->next) == ELEM_FREE)
				release_pages(h, b->next, va, va + len);
			if (b->prev != NULL && elem_state(b->prev) == ELEM_FREE)
				release_pages(h, b->prev, va, va + len);
			free(ms);
			return p;
		}
		/* cannot happen with the sizes above; undo rather than keep idle pages */
		HM_LOG(WARNING, "heap %s: grown by %" PRIu64 " bytes but the request still does not fit",
		       h->name, len);
		heap_hide_region(h, e, va, va + len);
		flag_heap_pages(va, len, false);
		hm_memseg_free_pages(ms, (unsigned int)n);
		free(ms);
	}
	hm_errno = err == EPERM || err == ENOSPC ? ENOMEM : err;
	return NULL;
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
static void
release_pages(struct malloc_heap *h, struct malloc_elem *e, char *wlo, char *whi)
{
	struct { char *a, *b; } runs[16];
	unsigned int n_runs = 0;
	const struct hm_memseg_list *msl = NULL;
	uint64_t pg = 0;

	if (h->kind == HEAP_NATIVE && !ms_st.mcfg->legacy_mem)
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
			ms[k]->flags &= ~HM_MEMSEG_FLAG_HEAP;
		}
		if (hm_memseg_free_pages(ms, n) != 0) {
			/* -EDEADLK: hm_free from a memseg walk callback. Nothing was
			 * unmapped: the run goes back (content unknown: dirty) and
			 * joins its neighbours again. */
			for (unsigned int k = 0; k < n; k++)
				ms[k]->flags |= HM_MEMSEG_FLAG_HEAP;
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

/* ---------------------------------------------------------------- lcore caches */

/*
 * Per-lcore malloc caches (process-local, like DPDK's mempool caches): small
 * blocks freed by an lcore wait in its cache, one LIFO stack per 64-byte size
 * class up to SMALL_LIMIT, and its next mallocs of that class take them back
 * without the heap lock. Only the lcore's own node heap is cached, only blocks
 * without alignment padding, and only for hm_malloc/hm_zmalloc/hm_calloc/
 * hm_free on lcore threads; everything else goes straight to the heap.
 *
 * A cached element stays in the heap's address list in state CACHED: the heap
 * neither joins it nor hands it out; a second free of it is a double free. An
 * empty class refills with a run of cap/2 elements carved from one heap
 * allocation; a full class gives its older half back under one lock, sorted by
 * address and with adjacent elements joined first, so freeing in allocation
 * order costs one heap free per run. Stats count cached blocks as free.
 * Cached memory goes back to the heap on hm_malloc_cache_flush(), when an
 * allocation would otherwise fail with ENOMEM, when the lcore's thread
 * unregisters, and at hm_cleanup.
 */
#define MC_CLASSES (SMALL_LIMIT / MALLOC_ALIGN) /* 16: data sizes 64, 128, ..., 1024 */

struct mcache {
	struct malloc_heap *heap;   /* the lcore's node heap; NULL: lcore has no cache */
	const struct hm_memseg_list *msl; /* the heap's list this lcore freed into last */
	const struct malloc_elem *last_free; /* the block this lcore freed last (a hint) */
	uintptr_t last_stride;      /* last_free minus the block freed before it (mod 2^64) */
	struct malloc_elem **objs;  /* MC_CLASSES x mc.cap, allocated at first use */
	uint32_t len[MC_CLASSES];
	uint64_t count, bytes;      /* blocks cached and their element bytes (relaxed:
				       stats of other threads read them) */
} __attribute__((aligned(64)));

static struct {
	struct mcache *c;   /* HM_MAX_LCORE entries; NULL: caches off */
	unsigned int cap;   /* blocks per class, even, >= 2 */
} mc;

static inline void
mc_account(struct mcache *c, int64_t n, int64_t bytes)
{
	__atomic_store_n(&c->count, c->count + (uint64_t)n, __ATOMIC_RELAXED);
	__atomic_store_n(&c->bytes, c->bytes + (uint64_t)bytes, __ATOMIC_RELAXED);
}

/* The calling lcore's cache, or NULL (caches off, no lcore, no node heap). */
static inline struct mcache *
mc_self(void)
{
	unsigned int lc;

	if (mc.c == NULL || (lc = hm_lcore_id()) >= HM_MAX_LCORE || mc.c[lc].heap == NULL)
		return NULL;
	return &mc.c[lc];
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

/* Give @p n CACHED elements back to @p c's heap: sorted, runs joined, one lock. */
static void
mc_give_back(struct mcache *c, struct malloc_elem **v, unsigned int n)
{
	struct malloc_heap *h = c->heap;
	uint64_t bytes = 0;

	/* into address order: blocks are usually freed in (or against) the order
	 * they were handed out, which is one direction through memory */
	unsigned int down = 0;
	for (unsigned int i = 1; i < n; i++)
		down += (uintptr_t)v[i] < (uintptr_t)v[i - 1];
	if (down == n - 1) {
		for (unsigned int i = 0; i < n / 2; i++) {
			struct malloc_elem *t = v[i];
			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
	} else if (down != 0) {
		qsort(v, n, sizeof(*v), cmp_ptr);
	}
	for (unsigned int i = 0; i < n; i++)
		bytes += v[i]->size;
	/* stats first: a reader may briefly count them as allocated, never twice as free */
	mc_account(c, -(int64_t)n, -(int64_t)bytes);
	if (heap_lock(h) < 0) {
		HM_LOG(ERR, "malloc cache: %u block(s) cannot go back: %s", n, hm_last_error());
		return;
	}
	for (unsigned int i = 0; i < n;) {
		struct malloc_elem *a = v[i++];
		while (i < n && heap_join_cached(a, v[i]))
			i++;
		char *lo = (char *)a, *hi = lo + a->size;
		release_pages(h, heap_free_elem(a), lo, hi);
	}
	heap_unlock(h);
}

/* Return all of @p c's blocks to its heap. @return how many. Owner thread only. */
static unsigned int
mc_flush(struct mcache *c)
{
	unsigned int total = 0;

	if (c->objs == NULL)
		return 0;
	for (unsigned int k = 0; k < MC_CLASSES; k++) {
		if (c->len[k] == 0)
			continue;
		mc_give_back(c, &c->objs[k * mc.cap], c->len[k]);
		total += c->len[k];
		c->len[k] = 0;
	}
	return total;
}

static bool
mc_objs(struct mcache *c)
{
	if (c->objs == NULL)
		c->objs = calloc((size_t)MC_CLASSES * mc.cap, sizeof(c->objs[0]));
	return c->objs != NULL;
}

/* Refill class @p k with a run of cap/2 elements from one heap allocation; in
 * free memory too fragmented for that, a shorter run (down to one element)
 * before the heap grows for the full one. */
static bool
mc_refill(struct mcache *c, unsigned int k)
{
	struct malloc_heap *h = c->heap;
	unsigned int n = mc.cap / 2;
	uint64_t esz = ELEM_OVERHEAD + (uint64_t)(k + 1) * MALLOC_ALIGN, bytes = 0;
	struct alloc_req r = { .align = MALLOC_ALIGN };
	struct malloc_elem **out = &c->objs[k * mc.cap];
	void *p = NULL;

	if (heap_lock(h) < 0)
		return false;
	for (unsigned int m = n; p == NULL && m >= 1; m /= 2) {
		r.size = r.req = esz * m - ELEM_OVERHEAD;
		if ((p = heap_alloc(h, &r)) != NULL)
			n = m;
	}
	if (p == NULL) {
		r.size = r.req = esz * n - ELEM_OVERHEAD;
		p = grow_and_alloc(h, &r);
	}
	if (p != NULL)
		bytes = heap_split_cached((struct malloc_elem *)elem_of_live(p), esz, n, out);
	heap_unlock(h);
	if (p == NULL)
		return false;
	/* the stack pops the highest address first: runs are carved from the top
	 * of free memory downwards, so a burst of mallocs walks memory in one
	 * direction, which the hardware prefetchers follow */
	c->len[k] = n;
	mc_account(c, n, (int64_t)bytes);
	/* the next refill of this class most likely carves the run right below
	 * this one (allocation takes the top of a free element): start fetching
	 * its header lines now, while this run is handed out (prefetches never fault) */
	for (unsigned int i = 0; i < n; i++)
		__builtin_prefetch((const void *)((uintptr_t)out[0] - (n - i) * esz), 1);
	return true;
}

/* A block of @p size (1..SMALL_LIMIT) bytes from the calling lcore's cache, or
 * NULL: no cache here, another node asked for, or the refill failed (the caller
 * then takes the heap path, which reports the error). */
static inline void *
mc_alloc(const char *type, size_t size, int socket)
{
	struct mcache *c = mc_self();
	struct malloc_elem *e;
	unsigned int k;

	if (c == NULL || (socket != HM_SOCKET_ID_ANY && socket != c->heap->socket_id) ||
	    memseg_in_walk() || !mc_objs(c))
		return NULL;
	k = (unsigned int)((size - 1) / MALLOC_ALIGN);
	if (c->len[k] == 0 && !mc_refill(c, k))
		return NULL;
	e = c->objs[k * mc.cap + --c->len[k]];
	mc_account(c, -1, -(int64_t)e->size);
	heap_mark_busy(e, type, size);
	return (char *)e + ELEM_HEADER_LEN;
}

/* Free @p ptr into the calling lcore's cache. @return true when it did; false
 * when the block is not for the cache (or is bad: the heap path then says why). */
static inline bool
mc_free(void *ptr)
{
	struct mcache *c = mc_self();
	const struct hm_memseg_list *msl;
	struct malloc_elem *e;
	const char *hdr;
	uint64_t usable;
	unsigned int k;

	if (c == NULL || ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0 ||
	    (uintptr_t)ptr < ELEM_HEADER_LEN || memseg_in_walk())
		return false;
	/* an integer subtraction: ptr may be any value (64 gives NULL) */
	hdr = (const char *)((uintptr_t)ptr - ELEM_HEADER_LEN);
	/* the block's page must be mapped before its header is read: true of any
	 * live block (a free racing with another free of the same block is the
	 * caller's data race, as with any allocator) */
	msl = c->msl;
	if (msl == NULL || (uintptr_t)hdr - (uintptr_t)msl->base_va >= msl->len ||
	    (uintptr_t)hdr < (uintptr_t)msl->base_va) {
		if ((msl = hm_mem_virt2memseg_list(hdr)) == NULL || msl->external ||
		    msl->socket_id != c->heap->socket_id)
			return false;
		c->msl = msl; /* a node's lists live as long as hugemem does */
	}
	if (memseg_of(msl, hdr) == NULL)
		return false;
	e = (struct malloc_elem *)hdr;
	if (e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) || elem_state(e) != ELEM_BUSY ||
	    e->pad != 0 || e->heap != c->heap ||
	    (usable = e->size - ELEM_OVERHEAD) > SMALL_LIMIT || !mc_objs(c))
		return false;
#if MALLOC_DEBUG
	if (elem_from_data(ptr) == NULL) /* the overrun guard */
		return false;
#endif
	k = (unsigned int)(usable / MALLOC_ALIGN - 1);
	/* blocks are often freed in (or against) the order they were handed out,
	 * one stride apart: after two equal strides, fetch the header eight frees
	 * ahead on it (a software stride prefetcher; prefetches never fault) */
	uintptr_t stride = (uintptr_t)e - (uintptr_t)c->last_free; /* integers: no UB */
	if (stride == c->last_stride && stride != 0)
		__builtin_prefetch((const void *)((uintptr_t)e + 8 * stride), 1);
	c->last_stride = stride;
	c->last_free = e;
	/* BUSY -> CACHED by one thread only: of two threads freeing one block at
	 * once, the loser sees CACHED under the heap lock and reports a double free */
	uint8_t busy = ELEM_BUSY;
	if (!__atomic_compare_exchange_n(&e->state, &busy, ELEM_CACHED, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return false;
#if MALLOC_DEBUG
	memset((char *)e + ELEM_HEADER_LEN, MALLOC_POISON, e->size - ELEM_HEADER_LEN);
#endif
	if (c->len[k] == mc.cap) {
		/* give the older half back, keep the recently freed (warm) half */
		unsigned int half = mc.cap / 2;
		struct malloc_elem **v = &c->objs[k * mc.cap];
		mc_give_back(c, v, half);
		memmove(v, v + half, (mc.cap - half) * sizeof(v[0]));
		c->len[k] -= half;
	}
	c->objs[k * mc.cap + c->len[k]++] = e;
	mc_account(c, 1, (int64_t)e->size);
	return true;
}

/* Cached blocks and bytes of heap @p h, over every lcore of this process. */
static void
mc_totals(const struct malloc_heap *h, uint64_t *n, uint64_t *bytes)
{
	*n = *bytes = 0;
	if (mc.c == NULL)
		return;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		if (mc.c[i].heap != h)
			continue;
		*n += __atomic_load_n(&mc.c[i].count, __ATOMIC_RELAXED);
		*bytes += __atomic_load_n(&mc.c[i].bytes, __ATOMIC_RELAXED);
	}
}

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
}

/*
 * Cross-check the caches against heap @p h, which holds @p walked CACHED
 * elements: every cached pointer is a CACHED element of h of its class, none
 * twice, and the counts agree. Exact only while no other lcore thread runs (the
 * owners change their caches without a lock), so then only (@p all; the caller
 * holds registrations off); otherwise only the calling lcore's cache is checked
 * entry by entry. pre: h's lock held.
 */
static const char *
mc_check_caches(struct malloc_heap *h, uint64_t walked, bool all)
{
	struct mcache *self = mc_self();
	uint64_t n = 0;

	if (mc.c == NULL)
		return walked == 0 ? NULL : "CACHED elements while the malloc caches are off";
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		struct mcache *c = &mc.c[i];
		if (c->heap != h || (!all && c != self) || c->objs == NULL)
			continue;
		uint64_t bytes = 0, cnt = 0;
		for (unsigned int k = 0; k < MC_CLASSES; k++) {
			if (c->len[k] > mc.cap)
				return "an lcore cache class holds more than its capacity";
			for (unsigned int j = 0; j < c->len[k]; j++) {
				const struct malloc_elem *e = c->objs[k * mc.cap + j];
				if (e == NULL || e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) ||
				    elem_state(e) != ELEM_CACHED || e->heap != h)
					return "an lcore cache holds something that is not a CACHED "
					       "element of its heap";
				if (e->size - ELEM_OVERHEAD < (uint64_t)(k + 1) * MALLOC_ALIGN)
					return "an lcore cache holds an element too small for its class";
				bytes += e->size;
				cnt++;
			}
		}
		if (cnt != c->count || bytes != c->bytes)
			return "an lcore cache's counters disagree with its contents";
		n += cnt;
	}
	/* in a shared instance other processes' caches hold CACHED elements too */
	if (all && (mp_active() ? n > walked : n != walked))
		return "CACHED elements in the heap != blocks in the lcore caches";
	if (all && n > 1) {
		/* no element in two places */
		struct malloc_elem **v = malloc(n * sizeof(*v));
		const char *why = NULL;
		uint64_t m = 0;
		if (v == NULL)
			return NULL;
		for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
			if (mc.c[i].heap == h && mc.c[i].objs != NULL)
				for (unsigned int k = 0; k < MC_CLASSES; k++)
					for (unsigned int j = 0; j < mc.c[i].len[k]; j++)
						v[m++] = mc.c[i].objs[k * mc.cap + j];
		qsort(v, m, sizeof(*v), cmp_ptr);
		for (uint64_t j = 1; j < m && why == NULL; j++)
			if (v[j] == v[j - 1])
				why = "an element sits twice in the lcore caches";
		free(v);
		return why;
	}
	return NULL;
}

static const char *
mc_check(struct malloc_heap *h, uint64_t walked)
{
	/* a thread registering meanwhile would write a cache being read */
	bool all = !lcore_freeze();
	const char *why = mc_check_caches(h, walked, all);

	lcore_thaw();
	return why;
}

/* lcore hook: a thread gives its lcore id up; its cached blocks go back. */
static void
mc_lcore_release(unsigned int lcore_id)
{
	if (mc.c != NULL && lcore_id < HM_MAX_LCORE && mc.c[lcore_id].heap != NULL &&
	    !memseg_in_walk())
		mc_flush(&mc.c[lcore_id]);
}

static int
mc_init(unsigned int cap)
{
	memset(&mc, 0, sizeof(mc));
	if (cap == 0)
		return 0;
	mc.c = aligned_alloc(64, sizeof(struct mcache) * HM_MAX_LCORE);
	if (mc.c == NULL)
		return hm_fail(ENOMEM, "malloc: no memory for the lcore caches");
	memset(mc.c, 0, sizeof(struct mcache) * HM_MAX_LCORE);
	mc.cap = cap;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		int node = hm_lcore_is_enabled(i) ? hm_lcore_to_socket_id(i) : -1;
		if (node >= 0 && (unsigned int)node < ms_st.n_nodes)
			mc.c[i].heap = &ms_st.heaps[node];
	}
	lcore_on_release(mc_lcore_release);
	return 0;
}

static void
mc_fini(void)
{
	if (mc.c == NULL)
		return;
	lcore_on_release(NULL);
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		if (mc.c[i].heap != NULL)
			mc_flush(&mc.c[i]);
		free(mc.c[i].objs);
	}
	free(mc.c);
	memset(&mc, 0, sizeof(mc));
}

int
hm_malloc_cache_flush(void)
{
	struct mcache *c;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (memseg_in_walk())
		return hm_fail(EDEADLK, "hugemem malloc cannot be used from a memseg walk "
			       "callback");
	c = mc_self();
	return c != NULL ? (int)mc_flush(c) : 0;
}

/* ---------------------------------------------------------------- API */

static int
make_req(struct alloc_req *r, const char *type, size_t size, size_t align, size_t bound)
{
	memset(r, 0, sizeof(*r));
	if (size == 0)
		return hm_fail(EINVAL, "malloc: size 0");
	if (align == 0)
		align = MALLOC_ALIGN;
	if (!HM_IS_POWER_OF_2(align))
		return hm_fail(EINVAL, "malloc: alignment %zu is not a power of two", align);
	if (size > (1ULL << 46) || align > (1ULL << 46))
		return hm_fail(ENOMEM, "malloc: %zu bytes is more than any heap can hold", size);
	r->size = HM_ALIGN_CEIL((uint64_t)size, MALLOC_ALIGN);
	r->align = align < MALLOC_ALIGN ? MALLOC_ALIGN : align;
	if (bound != 0 && (!HM_IS_POWER_OF_2(bound) || bound < r->size))
		return hm_fail(EINVAL, "malloc: bound %zu must be a power of two >= the size %zu",
			       bound, size);
	r->bound = bound;
	r->req = size;
	r->type = type;
	return 0;
}

static void *
alloc_on(struct malloc_heap *h, const struct alloc_req *r)
{
	void *p;

	if (heap_lock(h) < 0)
		return NULL;
	p = heap_alloc(h, r);
	if (p == NULL && h->kind == HEAP_NATIVE)
		p = grow_and_alloc(h, r);
	heap_unlock(h);
	return p;
}

/* Socket policy: ANY = the caller's node (the main lcore's for threads without
 * one), then every other node; an explicit node or external heap only itself. */
static void *
alloc_socket_once(const struct alloc_req *r, int socket)
{
	struct malloc_heap *h = NULL;
	void *p;

	if (ms_st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	/* a heap lock waited for under the hotplug read lock could deadlock
	 * against a heap that grows: refused, as DPDK forbids it */
	if (memseg_in_walk())
		return hm_fail_ptr(EDEADLK, "hugemem malloc cannot be used from a memseg walk "
				   "callback");
	if (socket != HM_SOCKET_ID_ANY) {
		h = heap_by_socket(socket);
		if (h == NULL)
			return hm_fail_ptr(EINVAL, "malloc: socket %d is neither a node (0..%u) nor "
					   "an external heap", socket, ms_st.n_nodes - 1);
		p = alloc_on(h, r);
		if (p == NULL)
			return hm_fail_ptr(ENOMEM, "malloc: no %" PRIu64 " bytes (align %" PRIu64
					   ") on heap %s", r->size, r->align, h->name);
		return p;
	}
	int first = hm_socket_id();
	if (first < 0)
		first = hm_lcore_to_socket_id(hm_get_main_lcore());
	if (first < 0 || (unsigned int)first >= ms_st.n_nodes)
		first = 0;
	p = alloc_on(&ms_st.heaps[first], r);
	for (unsigned int n = 0; p == NULL && n < ms_st.n_nodes; n++)
		if ((int)n != first)
			p = alloc_on(&ms_st.heaps[n], r);
	if (p == NULL)
		return hm_fail_ptr(ENOMEM, "malloc: no %" PRIu64 " bytes (align %" PRIu64
				   ") on any node", r->size, r->align);
	return p;
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

/* Requests the lcore cache can serve: small, no alignment beyond the default. */
static inline bool
cacheable(size_t size, unsigned int align)
{
	return size - 1 < SMALL_LIMIT && align <= MALLOC_ALIGN && (align & (align - 1)) == 0;
}

void *
hm_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	struct alloc_req r;
	void *p;

	if (cacheable(size, align) && (p = mc_alloc(type, size, socket)) != NULL)
		return p;
	if (make_req(&r, type, size, align, 0) < 0)
		return NULL;
	return alloc_socket(&r, socket);
}

/* Zero what of @p p's first @p len bytes may be dirty (from @p zero_from on). */
static inline void *
zero_tail(void *p, uint64_t zero_from, size_t len)
{
	if (p != NULL && zero_from < len)
		memset((char *)p + zero_from, 0, len - zero_from);
	return p;
}

void *
malloc_alloc_ex(const char *type, size_t size, int socket, uint32_t flags, size_t align,
		size_t bound, bool contig)
{
	struct alloc_req r;
	uint64_t zero_from = 0;

	if (make_req(&r, type, size, align, bound) < 0)
		return NULL;
	r.contig = contig;
	r.pg_flags = flags & ~(HM_MEMZONE_SIZE_HINT_ONLY | HM_MEMZONE_IOVA_CONTIG);
	r.hint_only = (flags & HM_MEMZONE_SIZE_HINT_ONLY) != 0;
	r.zero_from = &zero_from;
	/* memzones come zeroed, as DPDK's do (its heap is kept zero) */
	return zero_tail(alloc_socket(&r, socket), zero_from, size);
}

void *
malloc_alloc_biggest(const char *type, int socket, uint32_t flags, size_t align, bool contig,
		     size_t *len)
{
	uint32_t pg = flags & ~(HM_MEMZONE_SIZE_HINT_ONLY | HM_MEMZONE_IOVA_CONTIG);
	bool hint = (flags & HM_MEMZONE_SIZE_HINT_ONLY) != 0;
	struct malloc_heap *best = NULL;
	uint64_t best_len = 0;
	uint32_t best_pg = 0;
	void *p = NULL;

	if (ms_st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (align == 0)
		align = MALLOC_ALIGN;
	/* page-size flags first; with the hint, any page size when none matches */
	for (int pass = 0; pass < (pg != 0 && hint ? 2 : 1) && best == NULL; pass++) {
		uint32_t want = pass == 0 ? pg : 0;
		for (unsigned int i = 0; i < HM_MAX_HEAPS; i++) {
			struct malloc_heap *h = &ms_st.heaps[i];
			uint64_t l;
			if (h->kind == HEAP_UNUSED ||
			    (socket != HM_SOCKET_ID_ANY ? h->socket_id != socket :
			     h->kind != HEAP_NATIVE))
				continue;
			if (heap_lock(h) < 0)
				continue;
			if (heap_find_biggest(h, align, contig, want, &l) != NULL && l > best_len) {
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
		make_req(&r, type, best_len, align, 0);
		r.contig = contig;
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

void *
hm_malloc(const char *type, size_t size, unsigned int align)
{
	return hm_malloc_socket(type, size, align, HM_SOCKET_ID_ANY);
}

void *
hm_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	struct alloc_req r;
	uint64_t zero_from = 0;
	void *p;

	if (cacheable(size, align) && (p = mc_alloc(type, size, socket)) != NULL)
		return memset(p, 0, size); /* cached blocks are dirty */
	if (make_req(&r, type, size, align, 0) < 0)
		return NULL;
	r.zero_from = &zero_from;
	return zero_tail(alloc_socket(&r, socket), zero_from, size);
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
 * Element of a pointer some heap of ours handed out, returned with its heap's
 * lock held. The heap is found from the memseg list the pointer lies in (a
 * node's lists belong to its native heap, an external list to its heap), and the
 * header is read only under that lock: pages leave a heap only under its lock,
 * so two threads freeing one block cannot make either read unmapped memory.
 * NULL with hm_errno: ENODEV, EDEADLK (inside a memseg walk), EINVAL (not ours,
 * interior, double free), EFAULT (debug: guard bytes overwritten).
 */
static struct malloc_elem *
lookup_lock(const void *ptr, struct malloc_heap **hp)
{
	const struct hm_memseg_list *msl;
	struct malloc_heap *h = NULL;
	struct malloc_elem *e;
	const char *hdr;

	if (ms_st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (memseg_in_walk())
		return hm_fail_ptr(EDEADLK, "hugemem malloc cannot be used from a memseg walk "
				   "callback");
	/* a 64-byte aligned ptr has its header in the same page */
	if ((uintptr_t)ptr < ELEM_HEADER_LEN || ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0)
		return hm_fail_ptr(EINVAL, "%p was not allocated by hugemem malloc", ptr);
	hdr = (const char *)((uintptr_t)ptr - ELEM_HEADER_LEN); /* ptr may be any value */
	if ((msl = hm_mem_virt2memseg_list(hdr)) == NULL)
		return hm_fail_ptr(EINVAL, "%p was not allocated by hugemem malloc", ptr);
	h = msl->external ? heap_by_socket(msl->socket_id) : &ms_st.heaps[msl->socket_id];
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
	*hp = h;
	return e;
}

/*
 * Bytes of a BUSY element its owner may use: what validate reports and realloc
 * copies. Debug builds keep the overrun guard right after the requested bytes,
 * so there that is the requested size; release builds give the whole element.
 */
static uint64_t
elem_user_size(const struct malloc_elem *e)
{
	return MALLOC_DEBUG ? elem_usable(e) - e->busy.req : elem_usable(e);
}

/* For callers that just got @p p from a heap. */
const struct malloc_elem *
elem_of_live(const void *p)
{
	const struct malloc_elem *e = (const struct malloc_elem *)((const char *)p - ELEM_HEADER_LEN);
	return e->state == ELEM_PAD ? (const struct malloc_elem *)((const char *)e - e->pad) : e;
}

int
malloc_free_direct(void *ptr)
{
	struct malloc_heap *h = NULL;
	struct malloc_elem *e;
	char *lo, *hi;

	if (ptr == NULL)
		return 0;
	e = lookup_lock(ptr, &h);
	if (e == NULL)
		return -hm_errno;
	lo = (char *)e;
	hi = lo + e->size;
	e = heap_free_elem(e);
	release_pages(h, e, lo, hi);
	heap_unlock(h);
	return 0;
}

int
hm_free(void *ptr)
{
	if (ptr == NULL || mc_free(ptr))
		return 0;
	return malloc_free_direct(ptr);
}

int
hm_malloc_validate(const void *ptr, size_t *size)
{
	struct malloc_heap *h = NULL;
	struct malloc_elem *e = lookup_lock(ptr, &h);

	if (e == NULL)
		return -hm_errno;
	if (size != NULL)
		*size = elem_user_size(e);
	heap_unlock(h);
	return 0;
}

void *
hm_realloc_socket(void *ptr, size_t size, unsigned int align, int socket)
{
	struct malloc_elem *e;
	struct alloc_req r;
	void *n;

	if (ptr == NULL)
		return hm_malloc_socket(NULL, size, align, socket);
	if (make_req(&r, NULL, size, align, 0) < 0)
		return NULL;
	struct malloc_heap *h = NULL;
	e = lookup_lock(ptr, &h);
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
				release_pages(h, e->next, new_end,
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
	if (ms_st.mcfg == NULL) {
		hm_errno = ENODEV;
		return HM_BAD_IOVA;
	}
	return hm_mem_virt2iova(addr);
}

/* ---------------------------------------------------------------- stats */

int
hm_malloc_get_socket_stats(int socket, struct hm_malloc_socket_stats *stats)
{
	struct malloc_heap *h = NULL;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (stats == NULL)
		return hm_fail(EINVAL, "malloc stats: NULL output");
	h = heap_by_socket(socket);
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
	if (ms_st.mcfg == NULL) {
		fprintf(f, "malloc: not initialised\n");
		return;
	}
	for (unsigned int i = 0; i < HM_MAX_HEAPS; i++) {
		struct malloc_heap *h = &ms_st.heaps[i];
		if (h->kind == HEAP_UNUSED)
			continue;
		uint64_t n, bytes;
		if (heap_lock(h) < 0) {
			fprintf(f, "heap %s: %s\n", h->name, hm_last_error());
			continue;
		}
		heap_dump(h, f, elems);
		heap_unlock(h);
		mc_totals(h, &n, &bytes);
		if (n != 0)
			fprintf(f, "  of its allocated: %" PRIu64 " block(s), %" PRIu64 " bytes wait "
				"in lcore malloc caches (free for the stats)\n", n, bytes);
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

static uint64_t
heap_pages_bytes(int node)
{
	uint64_t sum = 0;

	for (unsigned int li = 0; li < ms_st.mcfg->n_lists; li++) {
		struct hm_memseg_list *msl = &ms_st.mcfg->memsegs[li];
		struct hm_fbarray *arr = &msl->memseg_arr;
		int i = 0;
		if (msl->len == 0 || msl->external || msl->socket_id != node)
			continue;
		while ((unsigned int)i < arr->len &&
		       (i = hm_fbarray_find_next_used(arr, (unsigned int)i)) >= 0) {
			const struct hm_memseg *ms = (const struct hm_memseg *)arr->data + i;
			if (ms->flags & HM_MEMSEG_FLAG_HEAP)
				sum += ms->len;
			i++;
		}
	}
	return sum;
}

/* A free element of a native heap holding a whole page the release rules would
 * give back (not DO_NOT_FREE, leftovers empty or element-sized). */
static bool
holds_releasable_page(const struct malloc_heap *h)
{
	if (h->kind != HEAP_NATIVE || ms_st.mcfg->legacy_mem)
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

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	for (unsigned int i = 0; i < HM_MAX_HEAPS && why == NULL; i++) {
		struct malloc_heap *h = &ms_st.heaps[i];
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
		if (why == NULL && h->kind == HEAP_NATIVE &&
		    h->total_size != heap_pages_bytes(h->socket_id))
			why = "native heap size != bytes of its pages (a page no element covers)";
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
hm_malloc_leak_report(FILE *f)
{
	struct { char type[13]; unsigned int n; uint64_t bytes; } t[32];
	unsigned int n_types = 0, total = 0;

	if (ms_st.mcfg == NULL)
		return 0;
	for (unsigned int i = 0; i < HM_MAX_HEAPS; i++) {
		struct malloc_heap *h = &ms_st.heaps[i];
		if (h->kind == HEAP_UNUSED)
			continue;
		if (heap_lock(h) < 0)
			continue;
		for (const struct malloc_elem *e = h->first; e != NULL; e = e->next) {
			unsigned int k;
			char tag[13];
			uint32_t slack;
			if (elem_state(e) != ELEM_BUSY)
				continue;
			total++;
			elem_tag_load(e, tag, &slack); /* an lcore may be retagging it */
			for (k = 0; k < n_types; k++)
				if (strncmp(t[k].type, tag, sizeof(e->busy.type)) == 0)
					break;
			if (k == n_types && n_types < 32) {
				memcpy(t[k].type, tag, sizeof(tag));
				t[k].n = 0;
				t[k].bytes = 0;
				n_types++;
			}
			if (k < n_types) {
				t[k].n++;
				t[k].bytes += elem_usable(e) - slack;
			}
		}
		heap_unlock(h);
	}
	if (f != NULL)
		for (unsigned int k = 0; k < n_types; k++)
			fprintf(f, "  leak: type '%s': %u allocation(s), %" PRIu64 " bytes\n",
				t[k].type[0] != '\0' ? t[k].type : "(untagged)", t[k].n, t[k].bytes);
	return total;
}

/* ---------------------------------------------------------------- external heaps */

static int
check_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return hm_fail(EINVAL, "heap name is NULL or empty");
	if (strnlen(name, HM_MALLOC_HEAP_NAME_LEN) == HM_MALLOC_HEAP_NAME_LEN)
		return hm_fail(ENAMETOOLONG, "heap name '%.40s...' is %d characters or more",
			       name, HM_MALLOC_HEAP_NAME_LEN);
	return 0;
}

/* The external heap @p name, with its lock held, or NULL (rc set). */
static struct malloc_heap *
ext_heap(const char *name, int *rc)
{
	struct malloc_heap *h = NULL;

	*rc = ms_st.mcfg == NULL ? hm_fail(ENODEV, "hugemem is not initialised") : check_name(name);
	if (*rc < 0)
		return NULL;
	h = heap_by_name(name);
	if (h == NULL) {
		*rc = hm_fail(ENOENT, "no heap named '%s'", name);
		return NULL;
	}
	if (h->kind != HEAP_EXTERNAL) {
		*rc = hm_fail(EINVAL, "heap '%s' is a native heap", name);
		return NULL;
	}
	return h;
}

int
hm_malloc_heap_create(const char *name)
{
	int rc;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = check_name(name);
	if (rc < 0)
		return rc;
	rc = memseg_write_lock(); /* serialises heap table changes too */
	if (rc < 0)
		return rc;
	if (heap_by_name(name) != NULL) {
		rc = hm_fail(EEXIST, "a heap named '%s' exists", name);
		goto out;
	}
	rc = hm_fail(ENOSPC, "all %d heaps are in use", HM_MAX_HEAPS);
	for (unsigned int i = ms_st.n_nodes; i < HM_MAX_HEAPS; i++) {
		if (ms_st.heaps[i].kind != HEAP_UNUSED)
			continue;
		heap_init(&ms_st.heaps[i], HEAP_EXTERNAL, (int)ms_st.mcfg->next_ext_socket++, name);
		hm_fbarray_set_used(&ms_st.mcfg->heaps, i);
		rc = 0;
		break;
	}
out:
	memseg_write_unlock();
	return rc;
}

/*
 * External heap changes run entirely under the memory hotplug write lock (which
 * also serialises the heap table): the heap is looked up, checked and changed
 * with nobody able to destroy, add or remove in between. External heaps never
 * grow, so taking their heap lock inside the hotplug lock cannot meet the
 * opposite order of a growing native heap.
 */
int
hm_malloc_heap_destroy(const char *name)
{
	struct malloc_heap *h = NULL;
	int rc;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	h = ext_heap(name, &rc);
	if (h == NULL)
		goto out;
	rc = heap_lock(h);
	if (rc < 0)
		goto out;
	if (h->total_size != 0) {
		heap_unlock(h);
		rc = hm_fail(EBUSY, "heap '%s' still holds memory: remove it first", name);
		goto out;
	}
	hm_fbarray_set_free(&ms_st.mcfg->heaps, (unsigned int)(h - ms_st.heaps));
	memset(h, 0, sizeof(*h));
	rc = 0;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_malloc_heap_memory_add(const char *name, void *va, size_t len, const hm_iova_t iova[],
			  unsigned int n_pages, size_t page_sz)
{
	struct malloc_heap *h = NULL;
	int rc, li;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if ((va == NULL || len == 0 || !HM_IS_POWER_OF_2(page_sz) || page_sz < 4096 ||
	     ((uintptr_t)va & (page_sz - 1)) != 0 || (len & (page_sz - 1)) != 0 ||
	     len < MIN_ELEM_SIZE || len / page_sz > INT32_MAX || len > (1ULL << 46) ||
	     (iova != NULL && n_pages != len / page_sz)))
		return hm_fail(EINVAL, "heap memory add: va and len must be aligned to page_sz (a "
			       "power of two >= 4K) and the IOVA table must have len/page_sz "
			       "entries");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	h = ext_heap(name, &rc);
	if (h == NULL)
		goto out;
	li = memseg_external_add(va, len, page_sz, iova, h->socket_id);
	if (li < 0) {
		rc = li;
		goto out;
	}
	rc = heap_lock(h);
	if (rc < 0) {
		memseg_external_remove((unsigned int)li);
		goto out;
	}
	/* user memory: its content is unknown, so it is dirty */
	heap_add_memory(h, va, len, (uint16_t)li, true);
	heap_unlock(h);
	rc = 0;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_malloc_heap_memory_remove(const char *name, void *va, size_t len)
{
	struct malloc_heap *h = NULL;
	struct hm_memseg_list *msl;
	struct malloc_elem *e;
	int rc;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	h = ext_heap(name, &rc);
	if (h == NULL)
		goto out;
	msl = va != NULL ? hm_mem_virt2memseg_list(va) : NULL;
	if (msl == NULL || !msl->external || msl->base_va != va || msl->len != len ||
	    msl->socket_id != h->socket_id) {
		rc = hm_fail(ENOENT, "heap '%s' has no memory region %p (+%zu)", name, va, len);
		goto out;
	}
	rc = heap_lock(h);
	if (rc < 0)
		goto out;
	/* the whole region must be one free element: nothing allocated in it */
	e = (struct malloc_elem *)va;
	if (e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) || e->state != ELEM_FREE ||
	    e->size != len) {
		heap_unlock(h);
		rc = hm_fail(EBUSY, "heap '%s': memory %p still has allocations", name, va);
		goto out;
	}
	heap_hide_region(h, e, va, (char *)va + len);
	memset(e, 0, sizeof(*e)); /* the user's memory again: no header left behind */
	heap_unlock(h);
	memseg_external_remove((unsigned int)(msl - ms_st.mcfg->memsegs));
	rc = 0;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_malloc_heap_get_socket(const char *name)
{
	struct malloc_heap *h = NULL;
	int rc;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = check_name(name);
	if (rc < 0)
		return rc;
	h = heap_by_name(name);
	if (h == NULL)
		return hm_fail(ENOENT, "no heap named '%s'", name);
	return h->socket_id;
}

int
hm_malloc_heap_socket_is_external(int socket)
{
	struct malloc_heap *h = NULL;

	if (ms_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	h = heap_by_socket(socket);
	return h != NULL && h->kind == HEAP_EXTERNAL;
}

/* ---------------------------------------------------------------- buffer heaps */

#define BUF_HEAP(x) ((struct malloc_heap *)(void *)(x))

struct hm_heap *
hm_heap_init(void *buf, size_t len, const char *name)
{
	uintptr_t start = (uintptr_t)buf, mem;
	struct malloc_heap *h = buf;

	if (buf == NULL || name == NULL || (start & (MALLOC_ALIGN - 1)) != 0)
		return hm_fail_ptr(EINVAL, "heap init: NULL buffer or name, or buffer not 64-byte "
				   "aligned");
	if (strnlen(name, HM_MALLOC_HEAP_NAME_LEN) == HM_MALLOC_HEAP_NAME_LEN)
		return hm_fail_ptr(EINVAL, "heap init: name too long");
	mem = HM_ALIGN_CEIL(start + sizeof(*h), MALLOC_ALIGN);
	if (len < mem - start + MIN_ELEM_SIZE || len > (1ULL << 46))
		return hm_fail_ptr(EINVAL, "heap init: %zu bytes cannot hold the heap and one "
				   "allocation (need %zu)", len,
				   (size_t)(mem - start + MIN_ELEM_SIZE));
	heap_init(h, HEAP_BUFFER, HM_SOCKET_ID_ANY, name);
	h->buf_start = mem;
	h->buf_len = HM_ALIGN_FLOOR(start + len - mem, MALLOC_ALIGN);
	heap_add_memory(h, (void *)mem, h->buf_len, MSL_NONE, true);
	return (struct hm_heap *)h;
}

void
hm_heap_fini(struct hm_heap *heap)
{
	if (heap != NULL)
		memset(BUF_HEAP(heap), 0, sizeof(struct malloc_heap));
}

static bool
buf_heap_ok(const struct hm_heap *heap)
{
	return heap != NULL && BUF_HEAP(heap)->kind == HEAP_BUFFER;
}

/* Element of @p ptr in buffer heap @p h, validated. */
static struct malloc_elem *
buf_lookup(struct malloc_heap *h, const void *ptr)
{
	struct malloc_elem *e;
	uintptr_t p = (uintptr_t)ptr;

	if (p < h->buf_start + ELEM_HEADER_LEN || p >= h->buf_start + h->buf_len)
		return hm_fail_ptr(EINVAL, "%p is not inside heap %s", ptr, h->name);
	e = elem_from_data(ptr);
	if (e != NULL && e->heap != h)
		return hm_fail_ptr(EINVAL, "%p belongs to another heap", ptr);
	return e;
}

void *
hm_heap_alloc(struct hm_heap *heap, const char *type, size_t size, size_t align, size_t bound)
{
	struct malloc_heap *h = BUF_HEAP(heap);
	struct alloc_req r;
	void *p;

	if (!buf_heap_ok(heap))
		return hm_fail_ptr(EINVAL, "heap alloc: not a heap");
	if (make_req(&r, type, size, align, bound) < 0)
		return NULL;
	hm_spinlock_lock(&h->lock);
	p = heap_alloc(h, &r);
	hm_spinlock_unlock(&h->lock);
	if (p == NULL)
		return hm_fail_ptr(ENOMEM, "heap %s: no %zu bytes (align %zu, bound %zu)", h->name,
				   size, align, bound);
	return p;
}

int
hm_heap_free(struct hm_heap *heap, void *ptr)
{
	struct malloc_heap *h = BUF_HEAP(heap);
	struct malloc_elem *e;

	if (ptr == NULL)
		return 0;
	if (!buf_heap_ok(heap))
		return hm_fail(EINVAL, "heap free: not a heap");
	e = buf_lookup(h, ptr);
	if (e == NULL)
		return -hm_errno;
	hm_spinlock_lock(&h->lock);
	if (e->state != ELEM_BUSY) {
		hm_spinlock_unlock(&h->lock);
		return hm_fail(EINVAL, "double free of %p", ptr);
	}
	heap_free_elem(e);
	hm_spinlock_unlock(&h->lock);
	return 0;
}

void *
hm_heap_realloc(struct hm_heap *heap, void *ptr, size_t size, size_t align)
{
	struct malloc_heap *h = BUF_HEAP(heap);
	struct malloc_elem *e;
	struct alloc_req r;
	bool ok;
	void *n;

	if (!buf_heap_ok(heap))
		return hm_fail_ptr(EINVAL, "heap realloc: not a heap");
	if (ptr == NULL)
		return hm_heap_alloc(heap, NULL, size, align, 0);
	if (make_req(&r, NULL, size, align, 0) < 0)
		return NULL;
	e = buf_lookup(h, ptr);
	if (e == NULL)
		return NULL;
	hm_spinlock_lock(&h->lock);
	ok = e->state == ELEM_BUSY && ((uintptr_t)ptr & (r.align - 1)) == 0 &&
	     heap_resize_in_place(e, r.size, size);
	hm_spinlock_unlock(&h->lock);
	if (ok)
		return ptr;
	uint64_t old = elem_user_size(e);
	n = hm_heap_alloc(heap, e->busy.type, size, align, 0);
	if (n == NULL)
		return NULL;
	memcpy(n, ptr, old < size ? old : size);
	hm_heap_free(heap, ptr);
	return n;
}

int
hm_heap_usable(struct hm_heap *heap, const void *ptr, size_t *size)
{
	struct malloc_elem *e;

	if (!buf_heap_ok(heap))
		return hm_fail(EINVAL, "heap: not a heap");
	e = buf_lookup(BUF_HEAP(heap), ptr);
	if (e == NULL)
		return -hm_errno;
	if (size != NULL)
		*size = elem_user_size(e);
	return 0;
}

int
hm_heap_stats(struct hm_heap *heap, struct hm_malloc_socket_stats *stats)
{
	if (!buf_heap_ok(heap) || stats == NULL)
		return hm_fail(EINVAL, "heap stats: not a heap, or NULL output");
	hm_spinlock_lock(&BUF_HEAP(heap)->lock);
	heap_stats(BUF_HEAP(heap), stats);
	hm_spinlock_unlock(&BUF_HEAP(heap)->lock);
	return 0;
}

int
hm_heap_check(struct hm_heap *heap, const char **reason)
{
	const char *why;
	int rc;

	if (!buf_heap_ok(heap))
		return hm_fail(EINVAL, "heap check: not a heap");
	hm_spinlock_lock(&BUF_HEAP(heap)->lock);
	rc = heap_check(BUF_HEAP(heap), &why, NULL);
	hm_spinlock_unlock(&BUF_HEAP(heap)->lock);
	if (rc < 0) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "heap %s is corrupt: %s", BUF_HEAP(heap)->name, why);
	}
	return 0;
}

void
hm_heap_dump(struct hm_heap *heap, FILE *f)
{
	if (!buf_heap_ok(heap) || f == NULL)
		return;
	hm_spinlock_lock(&BUF_HEAP(heap)->lock);
	heap_dump(BUF_HEAP(heap), f, true);
	hm_spinlock_unlock(&BUF_HEAP(heap)->lock);
}
