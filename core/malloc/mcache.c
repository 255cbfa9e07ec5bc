/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore malloc caches (process-local, like DPDK's mempool caches): blocks
 * up to CACHE_LIMIT (4 KiB) freed by an lcore wait in its cache, one LIFO stack
 * per size class (64-byte classes up to SMALL_LIMIT, then quarter powers of
 * two: mcache_i.h), and its next mallocs of that class take them back without
 * the heap lock. Each class holds at most cap blocks; the classes above
 * SMALL_LIMIT ("big") together hold at most mc_st.big_budget element bytes
 * (cap x MC_BIG_BYTES_PER_CAP, at least MC_BIG_BUDGET_MIN): a free that would
 * pass it first sends the older half of the fullest big class back
 * (mc_push_full), so an lcore holds at most cap x (the 16 small classes'
 * element sizes) + big_budget bytes: 304 + 96 KiB with the default cap of 32
 * (release builds; debug builds add a trailer to every element). Only the
 * lcore's own node heap is cached, only blocks without alignment padding, and
 * only for hm_malloc/hm_zmalloc/hm_calloc/hm_free on lcore threads; everything
 * else goes straight to the heap.
 *
 * A cached element stays in the heap's address list in state CACHED: the heap
 * neither joins it nor hands it out; a second free of it is a double free. An
 * empty class refills with a run of cap/2 elements (a big class is not
 * refilled: the heap allocates the class's size, mc_alloc) carved from one heap
 * allocation; a full class gives its older half back under one lock: a half in
 * (or against, or mostly in) address order is sorted and its adjacent elements
 * joined first, so freeing in allocation order costs one heap free per run; a
 * half in no order goes back as it is; unless the half was in (or against)
 * address order, the lines the heap will touch are prefetched for the whole
 * batch first (mc_give_back). A free into a class not in use (none of the
 * lcore's last MC_HOT_OPS cached mallocs and frees was of it: each lcore counts
 * them in tick and stamps the class in used[]) goes to the heap at once when a
 * neighbour of the block is FREE there, so that it joins instead of keeping two
 * free regions apart (mc_free_cold). Stats count
 * cached blocks as free. Cached memory goes back to the heap on
 * hm_malloc_cache_flush(), when an allocation would otherwise fail with ENOMEM,
 * when the lcore's thread unregisters, and at hm_cleanup.
 */
#include <string.h>

#include "lcore_i.h"
#include "mcache_i.h"
#include "mp_i.h"

struct mcache_state mc_st;

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

/* Insertion sort of @p n pointers by address: for a batch that is already
 * mostly in order, a few moves. */
static void
sort_ptrs(struct malloc_elem **v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		struct malloc_elem *x = v[i];
		unsigned int j = i;
		for (; j > 0 && (uintptr_t)v[j - 1] > (uintptr_t)x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * Start fetching, for every element of a give-back batch at once, the lines
 * heap_free_elem is going to read and write: the address-order neighbours'
 * headers (their state decides the joins), then, for a FREE neighbour, the
 * headers its unlinking writes (its free-list neighbours, and the element
 * after the next one whose prev a forward join rewrites). Freed in a random
 * order these are cache misses; walked element by element they come one after
 * another (each heap_free_elem waits on its own), fetched here they overlap.
 * Prefetches never fault and change nothing: a stale pointer costs a wasted
 * fetch. pre: h's lock held (the links read here are the heap's).
 */
static void
prefetch_neighbours(struct malloc_elem *const *v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		__builtin_prefetch(v[i]->prev, 1);
		__builtin_prefetch(v[i]->next, 1);
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct malloc_elem *p = v[i]->prev, *x = v[i]->next;
		if (x != NULL && elem_state(x) == ELEM_FREE) {
			__builtin_prefetch(x->fl.prev, 1);
			__builtin_prefetch(x->fl.next, 1);
			__builtin_prefetch(x->next, 1);
		}
		if (p != NULL && elem_state(p) == ELEM_FREE) {
			__builtin_prefetch(p->fl.prev, 1);
			__builtin_prefetch(p->fl.next, 1);
		}
	}
}

uint64_t
mc_give_back(struct mcache *c, struct malloc_elem **v, unsigned int n)
{
	struct malloc_heap *h = c->heap;
	uint64_t bytes = 0;

	/* into address order: blocks are usually freed in (or against) the order
	 * they were handed out, which is one direction through memory */
	unsigned int down = 0;
	HM_ASSERT(n >= 1);
	bytes = v[0]->size;
	for (unsigned int i = 1; i < n; i++) {
		down += (uintptr_t)v[i] < (uintptr_t)v[i - 1];
		bytes += v[i]->size;
	}
	/* a batch in (or against) address order is mostly runs of neighbours,
	 * whose lines the frees that filled the cache just touched */
	bool scattered = down != 0 && down != n - 1;
	if (down > n / 2) {
		for (unsigned int i = 0; i < n / 2; i++) {
			struct malloc_elem *t = v[i];
			v[i] = v[n - 1 - i];
			v[n - 1 - i] = t;
		}
		down = n - 1 - down; /* (at most: equal neighbours do not occur) */
	}
	/* a mostly ordered batch is sorted (few moves), so that its runs join
	 * before they reach the heap; a batch in no order is given back as it
	 * is: its blocks are rarely neighbours, sorting them (a mispredicted
	 * branch per comparison) would buy nothing, and heap_free_elem joins
	 * what is adjacent in any order */
	bool ordered = down == 0 || down <= n / 4;
	if (down != 0 && ordered) {
		if (n <= 32)
			sort_ptrs(v, n);
		else
			qsort(v, n, sizeof(*v), cmp_ptr);
	}
	/* stats first: a reader may briefly count them as allocated, never twice as free */
	mc_account(c, -(int64_t)n, -(int64_t)bytes);
	if (heap_lock(h) < 0) {
		HM_LOG(ERR, "malloc cache: %u block(s) cannot go back: %s", n, hm_last_error());
		return bytes;
	}
	if (scattered)
		prefetch_neighbours(v, n);
	if (!ordered) {
		/* rarely neighbours: no runs to join first (heap_free_elem joins
		 * what is adjacent, in any order) */
		for (unsigned int i = 0; i < n; i++) {
			char *lo = (char *)v[i], *hi = lo + v[i]->size;
			grow_release_pages(h, heap_free_elem(v[i]), lo, hi);
		}
		heap_unlock(h);
		return bytes;
	}
	for (unsigned int i = 0; i < n;) {
		struct malloc_elem *a = v[i++];
		while (i < n && heap_join_cached(a, v[i]))
			i++;
		char *lo = (char *)a, *hi = lo + a->size;
		grow_release_pages(h, heap_free_elem(a), lo, hi);
	}
	heap_unlock(h);
	return bytes;
}

/* Give the @p n oldest blocks of class @p k back to the heap; keep the rest
 * (the recently freed, warm ones). */
static void
give_back_older(struct mcache *c, unsigned int k, unsigned int n)
{
	struct malloc_elem **v = &c->objs[k * mc_st.cap];
	uint64_t bytes = mc_give_back(c, v, n);

	memmove(v, v + n, (c->len[k] - n) * sizeof(v[0]));
	c->len[k] -= n;
	if (k >= MC_SMALL)
		c->big_bytes -= bytes;
}

int
mc_push_full(struct mcache *c, unsigned int k, struct malloc_elem *e)
{
	uint64_t need = e->size;

	if (c->objs == NULL && !mc_objs(c)) {
		/* no memory for this lcore's cache (mc_free does not check: c->cap
		 * is 0 until objs exists): the block goes to the heap at once */
		mc_account(c, 1, (int64_t)need); /* mc_give_back takes it off */
		mc_give_back(c, &e, 1);
		return 0;
	}
	if (c->len[k] == mc_st.cap)
		give_back_older(c, k, mc_st.cap / 2);
	while (k >= MC_SMALL && c->big_bytes + need > mc_st.big_budget) {
		/* the class holding the most bytes gives its older half back */
		unsigned int j = MC_SMALL;
		for (unsigned int i = MC_SMALL + 1; i < MC_CLASSES; i++)
			if (c->len[i] * mc_class_size(i) >= c->len[j] * mc_class_size(j))
				j = i;
		if (c->len[j] == 0)
			break; /* holds nothing (need > budget cannot happen: see mc_init) */
		give_back_older(c, j, (c->len[j] + 1) / 2);
	}
	HM_ASSERT(c->len[k] < mc_st.cap &&
		  (k < MC_SMALL || c->big_bytes + need <= mc_st.big_budget));
	mc_push(c, k, e);
	return 0;
}

int
mc_free_cold(struct mcache *c, unsigned int k, struct malloc_elem *e)
{
	struct malloc_heap *h = c->heap;

	/* only when the lock is free: this is for the heap's shape, never worth a
	 * wait (a thread walking or checking the heap in a loop would otherwise
	 * hold every such free up) */
	if (robust_trylock(&h->lock)) {
		hm_local_epoch_observe(); /* as heap_lock */
		/* the links and the neighbours' states are the heap's: read under its lock */
		const struct malloc_elem *p = e->prev, *n = e->next;
		if ((p != NULL && elem_state(p) == ELEM_FREE) ||
		    (n != NULL && elem_state(n) == ELEM_FREE)) {
			char *lo = (char *)e, *hi = lo + e->size;
			grow_release_pages(h, heap_free_elem(e), lo, hi);
			heap_unlock(h);
			return 0;
		}
		heap_unlock(h);
	} /* (a lock taken: the block waits in the cache) */
	if (c->len[k] == c->cap || (k >= MC_SMALL && c->big_bytes + e->size > mc_st.big_budget))
		return mc_push_full(c, k, e);
	mc_push(c, k, e);
	return 0;
}

bool
mc_set_msl(struct mcache *c, const void *hdr)
{
	const struct hm_memseg_list *msl = hm_mem_virt2memseg_list(hdr);

	/* (hdr inside it: free_cached_msl's retry then finds it) */
	if (msl == NULL || msl->external || msl->socket_id != c->heap->socket_id ||
	    (uintptr_t)hdr - (uintptr_t)msl->base_va >= msl->len)
		return false;
	/* a node's lists live as long as hugemem does */
	c->msl_base = (uintptr_t)msl->base_va;
	c->msl_len = msl->len;
	c->msl_ms = (const struct hm_memseg *)msl->memseg_arr.data;
	c->msl_shift = (unsigned int)__builtin_ctzll(msl->page_sz);
	return true;
}

unsigned int
mc_flush(struct mcache *c)
{
	unsigned int total = 0;

	if (c->objs == NULL)
		return 0;
	for (unsigned int k = 0; k < MC_CLASSES; k++) {
		if (c->len[k] == 0)
			continue;
		mc_give_back(c, &c->objs[k * mc_st.cap], c->len[k]);
		total += c->len[k];
		c->len[k] = 0;
	}
	c->big_bytes = 0;
	return total;
}

/* Refill small class @p k with a run of cap/2 elements from one heap
 * allocation; in free memory too fragmented for that, a shorter run (down to
 * one element) before the heap grows for the full one. (An empty big class is
 * not refilled: mc_alloc sends the request to the heap, with the class's size
 * to allocate; a run carved from the top of free memory would
 * leave alone the holes that the heap's best fit fills: runs of 7 blocks grew
 * the random mix's holes by 17 %.) */
bool
mc_refill(struct mcache *c, unsigned int k, bool warm_next)
{
	struct malloc_heap *h = c->heap;
	unsigned int n = mc_st.cap / 2;
	uint64_t esz = ELEM_OVERHEAD + mc_class_size(k), bytes = 0;
	struct alloc_req r = { .align = MALLOC_ALIGN };
	struct malloc_elem **out = &c->objs[k * mc_st.cap];
	void *p = NULL;

	HM_ASSERT(k < MC_SMALL);
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
	 * its header lines now, while this run is handed out (prefetches never
	 * fault). Not when the blocks are being cleared: the prefetches then cost
	 * more than they save (zmalloc 1 KiB from the cache 46-47 ns without
	 * them, 62-67 with; malloc 1 KiB 13.4-13.8 without, 10.7-11.9 with;
	 * docs/performance.md, part 7). */
	if (warm_next)
		for (unsigned int i = 0; i < n; i++)
			__builtin_prefetch((const void *)((uintptr_t)out[0] - (n - i) * esz), 1);
	return true;
}

void
mc_totals(const struct malloc_heap *h, uint64_t *n, uint64_t *bytes)
{
	*n = *bytes = 0;
	if (mc_st.c == NULL)
		return;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		if (mc_st.c[i].heap != h)
			continue;
		*n += __atomic_load_n(&mc_st.c[i].count, __ATOMIC_RELAXED);
		*bytes += __atomic_load_n(&mc_st.c[i].bytes, __ATOMIC_RELAXED);
	}
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

	if (mc_st.c == NULL)
		return walked == 0 ? NULL : "CACHED elements while the malloc caches are off";
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		struct mcache *c = &mc_st.c[i];
		if (c->heap != h || (!all && c != self) || c->objs == NULL)
			continue;
		uint64_t bytes = 0, cnt = 0, big = 0;
		for (unsigned int k = 0; k < MC_CLASSES; k++) {
			if (c->len[k] > mc_st.cap)
				return "an lcore cache class holds more than its capacity";
			if (c->used[k] > c->tick)
				return "an lcore cache class was last used after its cache's last "
				       "operation";
			for (unsigned int j = 0; j < c->len[k]; j++) {
				const struct malloc_elem *e = c->objs[k * mc_st.cap + j];
				if (e == NULL || e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) ||
				    elem_state(e) != ELEM_CACHED || e->heap != h)
					return "an lcore cache holds something that is not a CACHED "
					       "element of its heap";
				if (e->size - ELEM_OVERHEAD < mc_class_size(k))
					return "an lcore cache holds an element too small for its class";
				if (e->size - ELEM_OVERHEAD > CACHE_LIMIT + 2 * MIN_ELEM_SIZE)
					return "an lcore cache holds an element above its size limit";
				bytes += e->size;
				big += k >= MC_SMALL ? e->size : 0;
				cnt++;
			}
		}
		if (cnt != c->count || bytes != c->bytes || big != c->big_bytes)
			return "an lcore cache's counters disagree with its contents";
		if (big > mc_st.big_budget)
			return "an lcore cache's classes above 1 KiB hold more than their byte budget";
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
			if (mc_st.c[i].heap == h && mc_st.c[i].objs != NULL)
				for (unsigned int k = 0; k < MC_CLASSES; k++)
					for (unsigned int j = 0; j < mc_st.c[i].len[k]; j++)
						v[m++] = mc_st.c[i].objs[k * mc_st.cap + j];
		qsort(v, m, sizeof(*v), cmp_ptr);
		for (uint64_t j = 1; j < m && why == NULL; j++)
			if (v[j] == v[j - 1])
				why = "an element sits twice in the lcore caches";
		free(v);
		return why;
	}
	return NULL;
}

const char *
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
	if (mc_st.c != NULL && lcore_id < HM_MAX_LCORE && mc_st.c[lcore_id].heap != NULL &&
	    !memseg_in_walk())
		mc_flush(&mc_st.c[lcore_id]);
}

int
mc_init(unsigned int cap)
{
	memset(&mc_st, 0, sizeof(mc_st));
	if (cap == 0)
		return 0;
	mc_st.c = aligned_alloc(64, sizeof(struct mcache) * HM_MAX_LCORE);
	if (mc_st.c == NULL)
		return hm_fail(ENOMEM, "malloc: no memory for the lcore caches");
	memset(mc_st.c, 0, sizeof(struct mcache) * HM_MAX_LCORE);
	mc_st.cap = cap;
	mc_st.big_budget = (uint64_t)cap * MC_BIG_BYTES_PER_CAP;
	if (mc_st.big_budget < MC_BIG_BUDGET_MIN)
		mc_st.big_budget = MC_BIG_BUDGET_MIN;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		int node = hm_lcore_is_enabled(i) ? hm_lcore_to_socket_id(i) : -1;
		if (node >= 0 && (unsigned int)node < malloc_st.n_nodes)
			mc_st.c[i].heap = &malloc_st.heaps[node];
	}
	lcore_on_release(mc_lcore_release);
	return 0;
}

void
mc_fini(void)
{
	if (mc_st.c == NULL)
		return;
	lcore_on_release(NULL);
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		if (mc_st.c[i].heap != NULL)
			mc_flush(&mc_st.c[i]);
		free(mc_st.c[i].objs);
	}
	free(mc_st.c);
	memset(&mc_st, 0, sizeof(mc_st));
}

int
hm_malloc_cache_flush(void)
{
	struct mcache *c;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (memseg_in_walk())
		return hm_fail(EDEADLK, "hugemem malloc cannot be used from a memseg walk "
			       "callback");
	c = mc_self();
	return c != NULL ? (int)mc_flush(c) : 0;
}
