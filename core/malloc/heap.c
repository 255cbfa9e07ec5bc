/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap element algorithms: size classes, find, split, join, hide, resize
 * (heap_report.c holds stats, check, dump and rebuild). Nothing here knows
 * where memory comes from: what a request needs to know about pages (page
 * size, IOVA contiguity, page-size flags) comes from the struct heap_pages it
 * carries, so heap.c calls no other file of the module; grow.c grows and
 * shrinks native heaps, ext_heap.c and buf_heap.c handle external and buffer
 * heaps. See heap_i.h for the layout and the invariants; heap_small_i.h holds
 * the small-request path (heap_alloc_small) inline, for malloc.c's hm_malloc.
 *
 * Finding a block: a request of `need` bytes (data + header + trailer, plus the
 * alignment slack) maps to the first class whose every element is >= need
 * (TLSF's "good fit"); the two-level bitmap gives the first non-empty class at or
 * above it in O(1), and its first element certainly fits. Requests with a bound,
 * IOVA contiguity or page-size flags, and requests nothing certainly fits, scan
 * the lists from the class of `need` upward, checking each element. Within a
 * class, lists are LIFO, so free(p); malloc(same size) hands p back.
 */
#include <inttypes.h>
#include <string.h>

#include "heap_i.h"
#include "heap_small_i.h"

/* ---------------------------------------------------------------- classes */

/* Class whose every element is >= s; false when s is beyond the last class. */
static inline bool
mapping_search(uint64_t s, unsigned int *fl, unsigned int *sl)
{
	if (s >= SMALL_LIMIT) {
		uint64_t round = (1ULL << (fls64(s) - SL_BITS)) - 1;
		if (s > UINT64_MAX - round)
			return false;
		s += round;
		if (fls64(s) - FL_SHIFT + 1 >= FL_COUNT)
			return false;
	}
	mapping(s, fl, sl);
	return true;
}

/* Put FREE @p e on its class list (inline body: heap_free_elem's joins use it
 * directly; everyone else calls fl_insert). */
static inline __attribute__((always_inline)) void
fl_insert_inl(struct malloc_heap *h, struct malloc_elem *e)
{
	unsigned int f, s;

	mapping(e->size, &f, &s);
	e->fl.prev = NULL;
	e->fl.next = h->free_head[f][s];
	if (e->fl.next != NULL)
		e->fl.next->fl.prev = e;
	h->free_head[f][s] = e;
	h->sl_map[f] |= 1u << s;
	h->fl_map |= 1ULL << f;
	h->free_count++;
	h->free_bytes += e->size;
}

/* Take FREE @p e off its class list (inline body, as fl_insert_inl). */
static inline __attribute__((always_inline)) void
fl_remove_inl(struct malloc_heap *h, struct malloc_elem *e)
{
	unsigned int f, s;

	mapping(e->size, &f, &s);
	if (e->fl.prev != NULL)
		e->fl.prev->fl.next = e->fl.next;
	else
		h->free_head[f][s] = e->fl.next;
	if (e->fl.next != NULL)
		e->fl.next->fl.prev = e->fl.prev;
	if (h->free_head[f][s] == NULL) {
		h->sl_map[f] &= ~(1u << s);
		if (h->sl_map[f] == 0)
			h->fl_map &= ~(1ULL << f);
	}
	h->free_count--;
	h->free_bytes -= e->size;
}

static void
fl_insert(struct malloc_heap *h, struct malloc_elem *e)
{
	fl_insert_inl(h, e);
}

static void
fl_remove(struct malloc_heap *h, struct malloc_elem *e)
{
	fl_remove_inl(h, e);
}

/* 1 when sizes @p a and @p b map to the same size class (by mapping()). */
static inline bool
same_class_by_mapping(uint64_t a, uint64_t b)
{
	unsigned int fa, sa, fb, sb;

	mapping(a, &fa, &sa);
	mapping(b, &fb, &sb);
	return fa == fb && sa == sb;
}

/* The same, without two mappings: a class is a run of sizes that agree on
 * every bit from the class's step up (64 below SMALL_LIMIT, 2^(fls - SL_BITS)
 * above), so two sizes share a's class when nothing differs from a's step up.
 * Only the last first level (sizes >= 2^49, never a heap's) also holds larger
 * ones: there the mapping decides. Every malloc and free asks this. */
static inline bool
same_class(uint64_t a, uint64_t b)
{
	unsigned int f = a < SMALL_LIMIT ? 0 : fls64(a);
	bool same;

	if (f - FL_SHIFT + 1 >= FL_COUNT && f != 0)
		return same_class_by_mapping(a, b);
	same = ((a ^ b) >> (f == 0 ? (unsigned int)__builtin_ctz(MALLOC_ALIGN) : f - SL_BITS)) == 0;
	HM_ASSERT(same == same_class_by_mapping(a, b));
	return same;
}

/* same_class(@p a, @p b) when a's first level @p f (mapping(a)) is known: no
 * second fls. */
static inline bool
same_class_at(uint64_t a, uint64_t b, unsigned int f)
{
	bool same;

	if (f == FL_COUNT - 1) /* the last level also holds larger sizes */
		return same_class_by_mapping(a, b);
	same = ((a ^ b) >> (f == 0 ? (unsigned int)__builtin_ctz(MALLOC_ALIGN) :
			    f + FL_SHIFT - 1 - SL_BITS)) == 0;
	HM_ASSERT(same == same_class_by_mapping(a, b));
	return same;
}

/* @p nw takes @p old's place on its class list (f, s) (pre: nw's size is, or
 * is about to be, of the same class). Counters are the caller's. */
static inline void
fl_replace(struct malloc_heap *h, struct malloc_elem *old, struct malloc_elem *nw,
	   unsigned int f, unsigned int s)
{
	nw->fl = old->fl;
	if (nw->fl.prev != NULL)
		nw->fl.prev->fl.next = nw;
	else
		h->free_head[f][s] = nw;
	if (nw->fl.next != NULL)
		nw->fl.next->fl.prev = nw;
}

/* ---------------------------------------------------------------- elements */

static void
elem_init(struct malloc_elem *e, struct malloc_heap *h, uint64_t size, uint16_t msl_idx,
	  uint32_t expansion, bool dirty)
{
	memset(e, 0, sizeof(*e));
	e->heap = h;
	e->size = size;
	e->state = ELEM_FREE;
	set_clean_end(e, dirty ? 0 : size);
	e->msl_idx = msl_idx;
	e->expansion = expansion;
	e->cookie = cookie_of(e);
}

/* Clean prefix of the part of FREE @p e that starts at @p at (its new header goes
 * there): what of e's clean prefix lies beyond at's header. */
static inline uint64_t
clean_end_from(const struct malloc_elem *e, const char *at)
{
	uint64_t ce = elem_clean_end(e), off = (uint64_t)(at - (const char *)e);

	return ce > off + ELEM_HEADER_LEN ? ce - off : 0;
}

void *
elem_data(const struct malloc_elem *e)
{
	return (char *)e + e->pad + ELEM_HEADER_LEN;
}

uint64_t
elem_usable(const struct malloc_elem *e)
{
	return e->size - e->pad - ELEM_OVERHEAD;
}

/* Split FREE-or-BUSY @p e at @p at; the new element after it is FREE, same msl,
 * with what of a FREE e's clean prefix it inherits (a BUSY e gives it none). */
static struct malloc_elem *
split(struct malloc_elem *e, char *at)
{
	struct malloc_heap *h = e->heap;
	struct malloc_elem *n = (struct malloc_elem *)at;
	bool is_free = e->state == ELEM_FREE;
	uint64_t nce = is_free ? clean_end_from(e, at) : 0;

	elem_init(n, h, (uint64_t)((char *)e + e->size - at), e->msl_idx, e->expansion, true);
	set_clean_end(n, nce);
	if (is_free)
		set_clean_end(e, elem_clean_end(e) < (uint64_t)(at - (char *)e) ?
				 elem_clean_end(e) : (uint64_t)(at - (char *)e));
	ELEM_STORE_ORDER(); /* n's header whole before e's size reaches it */
	e->size = (uint64_t)(at - (char *)e);
	n->prev = e;
	n->next = e->next;
	if (e->next != NULL)
		e->next->prev = n;
	else
		h->last = n;
	e->next = n;
	return n;
}

/* Cut FREE @p e at @p at: the part from @p at on becomes a new element that the
 * caller makes BUSY at once (so no clean mark and no memset of its header: every
 * field is written here or by set_busy). e keeps its list links; pre: the caller
 * relinks e when its class changes. */
static struct malloc_elem *
carve_top(struct malloc_elem *e, char *at)
{
	struct malloc_elem *b = (struct malloc_elem *)at;
	uint64_t front = (uint64_t)(at - (char *)e);

	HM_ASSERT(front >= MIN_ELEM_SIZE && e->clean >= 1);

	b->heap = e->heap;
	b->prev = e;
	b->next = e->next;
	b->size = e->size - front;
	b->msl_idx = e->msl_idx;
	b->expansion = e->expansion;
	/* not a stale BUSY or CACHED state from the memory's earlier life: a
	 * process killed before set_busy leaves b free (heap_rebuild joins it) */
	elem_set_state(b, ELEM_FREE);
	b->pad = 0;
	b->cookie = cookie_of(b);
	if (e->next != NULL)
		e->next->prev = b;
	else
		e->heap->last = b;
	e->next = b;
	ELEM_STORE_ORDER(); /* b's header whole before e's size reaches it */
	e->size = front;
	/* set_clean_end(e, min(clean end, front)) without its clamps: clean >= 1
	 * and front >= MIN_ELEM_SIZE, so only a clean prefix reaching past the
	 * new end changes (front / 64 < clean then: no saturation) */
	if ((uint64_t)e->clean * MALLOC_ALIGN > front)
		e->clean = (uint32_t)(front / MALLOC_ALIGN);
	return b;
}

/* Absorb @p n (FREE, not on a list any more) into @p e, which precedes it. A
 * FREE e that is all clean extends its clean prefix over n's (n's header is
 * cleared for that: 64 bytes). */
static inline __attribute__((always_inline)) void
absorb_next(struct malloc_heap *h, struct malloc_elem *e, struct malloc_elem *n)
{
	uint64_t esz = e->size, ece = elem_clean_end(e), nce = elem_clean_end(n);
	bool extend = e->state == ELEM_FREE && ece == esz && nce > ELEM_HEADER_LEN;

	e->size += n->size;
	e->next = n->next;
	if (n->next != NULL)
		n->next->prev = e;
	else
		h->last = e;
	if (e->state == ELEM_FREE) {
		if (extend)
			memset(n, 0, ELEM_HEADER_LEN); /* its header becomes zero data */
		set_clean_end(e, extend ? esz + nce : ece);
	}
}

void
heap_free_list_insert(struct malloc_heap *h, struct malloc_elem *e)
{
	fl_insert(h, e);
}

void
heap_merge_next(struct malloc_heap *h, struct malloc_elem *e, struct malloc_elem *n)
{
	absorb_next(h, e, n);
}

void
heap_init(struct malloc_heap *h, enum heap_kind kind, int socket_id, const char *name)
{
	memset(h, 0, sizeof(*h));
	hm_spinlock_init(&h->lock);
	h->kind = kind;
	h->socket_id = socket_id;
	snprintf(h->name, sizeof(h->name), "%s", name);
}

struct malloc_elem *
heap_add_memory(struct malloc_heap *h, void *start, uint64_t len, uint16_t msl_idx, bool dirty)
{
	struct malloc_elem *e = start, *p, *n;

	HM_ASSERT(len >= MIN_ELEM_SIZE && len % MALLOC_ALIGN == 0);
	elem_init(e, h, len, msl_idx, h->next_expansion++, dirty);
	/* Address-ordered insertion: new memory is usually above everything (lists
	 * fill from their start), so walk back from the end. */
	for (p = h->last; p != NULL && (char *)p > (char *)e; p = p->prev)
		;
	n = p != NULL ? p->next : h->first;
	e->prev = p;
	e->next = n;
	if (p != NULL)
		p->next = e;
	else
		h->first = e;
	if (n != NULL)
		n->prev = e;
	else
		h->last = e;
	h->total_size += len;
	if (n != NULL && elem_state(n) == ELEM_FREE && joinable(e, n)) {
		fl_remove(h, n);
		absorb_next(h, e, n);
	}
	if (p != NULL && elem_state(p) == ELEM_FREE && joinable(p, e)) {
		fl_remove(h, p);
		absorb_next(h, p, e);
		e = p;
	}
	fl_insert(h, e);
	return e;
}

/* ---------------------------------------------------------------- placement */

/*
 * Where the header of an allocation satisfying @p r would go inside FREE element
 * @p e, placing the data as high as possible; NULL if it does not fit.
 */
static inline __attribute__((always_inline)) char *
start_pt(const struct malloc_elem *e, const struct alloc_req *r)
{
	uintptr_t base = (uintptr_t)e;
	uint64_t esz = e->size;

	while (esz >= r->size + ELEM_OVERHEAD) {
		uintptr_t end = base + esz - ELEM_TRAILER_LEN;
		uintptr_t data = HM_ALIGN_FLOOR(end - r->size, (uintptr_t)r->align);

		if (r->bound != 0) {
			uintptr_t m = ~((uintptr_t)r->bound - 1);
			if ((data & m) != ((data + r->size - 1) & m)) {
				/* end at the bound boundary inside the block and retry once */
				end = (data + r->size - 1) & m;
				if (end < base + ELEM_HEADER_LEN + r->size)
					return NULL;
				data = HM_ALIGN_FLOOR(end - r->size, (uintptr_t)r->align);
				if ((data & m) != ((data + r->size - 1) & m))
					return NULL;
			}
		}
		if (data < base + ELEM_HEADER_LEN)
			return NULL;
		if (r->contig && !r->pages->iova_contig(e->msl_idx, (void *)data, r->size)) {
			/* drop the last page the range touches and try below it */
			uint64_t pg = r->pages->page_sz(e->msl_idx);
			uintptr_t last_pg = HM_ALIGN_FLOOR(data + r->size - 1, (uintptr_t)pg);
			if (pg == 0 || last_pg <= base)
				return NULL;
			esz = last_pg - base + ELEM_TRAILER_LEN;
			continue;
		}
		return (char *)(data - ELEM_HEADER_LEN);
	}
	return NULL;
}

static struct malloc_elem *
find(struct malloc_heap *h, const struct alloc_req *r, char **hdr)
{
	uint64_t need = r->size + ELEM_OVERHEAD;
	struct malloc_elem *alt = NULL;
	char *alt_hdr = NULL;
	unsigned int f, s;

	if (!r->contig && r->bound == 0 && r->pg_flags == 0) {
		uint64_t slack = r->align > MALLOC_ALIGN ? r->align - MALLOC_ALIGN : 0;
		if (need <= UINT64_MAX - slack && mapping_search(need + slack, &f, &s) &&
		    next_class(h, &f, &s)) {
			struct malloc_elem *e = h->free_head[f][s];
			*hdr = start_pt(e, r);
			HM_ASSERT(*hdr != NULL && "good-fit class element must fit");
			if (*hdr != NULL)
				return e;
		}
	}
	/* Scan every element that may be large enough, smallest classes first. */
	mapping(need, &f, &s);
	while (next_class(h, &f, &s)) {
		for (struct malloc_elem *e = h->free_head[f][s]; e != NULL; e = e->fl.next) {
			char *p;
			if (e->size < need || (p = start_pt(e, r)) == NULL)
				continue;
			if (r->pg_flags == 0 || r->pages->pgsz_match(e->msl_idx, r->pg_flags)) {
				*hdr = p;
				return e;
			}
			if (alt == NULL) {
				alt = e;
				alt_hdr = p;
			}
		}
		if (++s == SL_COUNT) {
			s = 0;
			if (++f == FL_COUNT)
				break;
		}
	}
	if (alt != NULL && r->hint_only) {
		*hdr = alt_hdr;
		return alt;
	}
	return NULL;
}

#if MALLOC_DEBUG
static void
write_trailer(struct malloc_elem *e, uint32_t req)
{
	uint64_t c = TRAILER_COOKIE;
	memcpy((char *)elem_data(e) + req, &c, sizeof(c));
}
#endif

/* Record the requested size: slack = usable - requested (< 64 + MIN_ELEM_SIZE), so
 * the debug guard goes right after the caller's last byte. */
static void
set_req(struct malloc_elem *e, uint64_t req)
{
	__atomic_store_n(&e->busy.req, (uint32_t)(elem_usable(e) - req), __ATOMIC_RELAXED);
#if MALLOC_DEBUG
	write_trailer(e, (uint32_t)req);
#endif
}

struct tag
heap_tag_pack_bytes(const char *type)
{
	char t[12] = { 0 };
	struct tag g;

	for (unsigned int i = 0; type != NULL && i < sizeof(t) && type[i] != '\0'; i++)
		t[i] = type[i];
	memcpy(&g.lo, t, sizeof(g.lo));
	memcpy(&g.hi, t + sizeof(g.lo), sizeof(g.hi));
	return g;
}

/* Type tag and requested size of an element becoming BUSY. */
static inline __attribute__((always_inline)) void
set_tag(struct malloc_elem *e, const char *type, uint64_t req)
{
	tag_store(e, tag_pack(type));
	set_req(e, req);
}

static void
set_busy(struct malloc_elem *e, const struct alloc_req *r, uint32_t pad)
{
	elem_set_state(e, ELEM_BUSY);
	e->pad = pad;
	e->owner = r->owner;
	set_tag(e, r->type, r->req);
}

void
heap_mark_busy(struct malloc_elem *e, const char *type, uint64_t req)
{
	/* No lock is held here: pad is left alone (a CACHED element's is 0
	 * already), because heap_check and dumps read it under the heap lock while
	 * the owner turns its cached blocks BUSY. */
	HM_ASSERT(e->pad == 0);
	elem_set_state(e, ELEM_BUSY);
	set_tag(e, type, req);
}

uint64_t
heap_split_cached(struct malloc_elem *b, uint64_t esz, unsigned int n, struct malloc_elem **out)
{
	struct malloc_heap *h = b->heap;
	struct malloc_elem *after = b->next, *last = b;
	uint64_t total = b->size;

	HM_ASSERT(n >= 1 && total >= esz * n);
	/*
	 * A process may die anywhere in here (heap_rebuild walks the list by size):
	 * the headers of elements 1..n-1 are written whole (size included) first,
	 * while b still spans all of them, and b shrinks last, so the walk sees
	 * either b whole or every new element -- never a b that ends where no
	 * header is yet (memory no element covers: the heap's size would no
	 * longer match its pages).
	 */
	for (unsigned int i = 1; i < n; i++) /* the headers' lines are likely cold */
		__builtin_prefetch((char *)b + i * esz, 1);
	for (unsigned int i = 1; i < n; i++) {
		struct malloc_elem *e = (struct malloc_elem *)((char *)b + i * esz);
		/* every field a CACHED element has; set_busy writes the rest */
		e->heap = h;
		e->prev = (struct malloc_elem *)((char *)e - esz);
		e->next = i + 1 < n ? (struct malloc_elem *)((char *)e + esz) : after;
		e->owner = ELEM_OWNER_USER;
		e->msl_idx = b->msl_idx;
		e->expansion = b->expansion;
		e->size = i + 1 < n ? esz : total - (uint64_t)i * esz;
		e->pad = 0;
		elem_set_state(e, ELEM_CACHED);
		e->cookie = cookie_of(e);
		out[i] = e;
		last = e;
	}
	ELEM_STORE_ORDER(); /* the headers above before b's new size */
	b->pad = 0; /* a PAD gap before b's data becomes part of the first element */
	b->size = n > 1 ? esz : total;
	elem_set_state(b, ELEM_CACHED);
	out[0] = b;
	if (n > 1)
		b->next = out[1];
	if (after != NULL)
		after->prev = last;
	else
		h->last = last;
	h->alloc_count += n - 1;
	return total;
}

bool
heap_join_cached(struct malloc_elem *a, struct malloc_elem *b)
{
	if (a->next != b || !joinable(a, b))
		return false;
	a->size += b->size;
	a->next = b->next;
	if (b->next != NULL)
		b->next->prev = a;
	else
		a->heap->last = a;
	/* what is left of b's header reads as freed: a later free of it is a double free */
	elem_set_state(b, ELEM_FREE);
	a->heap->alloc_count--;
	return true;
}

#if MALLOC_DEBUG
/* Requested size of a BUSY element (the trailer's place). */
static inline uint64_t
elem_req(const struct malloc_elem *e)
{
	return elem_usable(e) - e->busy.req;
}
#endif

void *
heap_alloc(struct malloc_heap *h, const struct alloc_req *r)
{
	struct malloc_elem *e, *b;
	char *hdr, *data_end;
	uint64_t front, tail;

	e = find(h, r, &hdr);
	if (e == NULL)
		return NULL;
	if (r->zero_from != NULL) {
		/* the new data is zero up to e's clean prefix */
		char *ce = (char *)e + elem_clean_end(e), *data = hdr + ELEM_HEADER_LEN;
		*r->zero_from = ce > data ? (uint64_t)(ce - data) : 0;
	}
	data_end = hdr + ELEM_HEADER_LEN + r->size + ELEM_TRAILER_LEN;
	tail = (uint64_t)((char *)e + e->size - data_end);
	front = (uint64_t)(hdr - (char *)e);
	if (front >= MIN_ELEM_SIZE && tail < MIN_ELEM_SIZE) {
		/* The common case: carve the top off a larger free element. The lower
		 * part stays where it is and changes lists only when its class does. */
		uint64_t old = e->size;
		bool relink = !same_class(old, front);

		if (relink)
			fl_remove(h, e);
		b = carve_top(e, hdr);
		if (relink)
			fl_insert(h, e);
		else
			h->free_bytes -= old - front;
		goto busy;
	}
	fl_remove(h, e);
	if (tail >= MIN_ELEM_SIZE)
		fl_insert(h, split(e, data_end));
	if (front >= MIN_ELEM_SIZE) {
		b = split(e, hdr);
		fl_insert(h, e);
	} else {
		b = e;
		if (front != 0) {
			/* too small to be an element: a PAD header before the data points back */
			struct malloc_elem *pad = (struct malloc_elem *)hdr;
			memset(pad, 0, sizeof(*pad));
			pad->heap = h;
			pad->state = ELEM_PAD;
			pad->pad = (uint32_t)front;
			pad->msl_idx = b->msl_idx;
			pad->cookie = cookie_of(pad);
		}
	}
busy:
	set_busy(b, r, b == e ? (uint32_t)front : 0);
	h->alloc_count++;
	return elem_data(b);
}

/* heap_alloc_small's end: set_busy for owner USER, pad 0 (carve_top wrote it). */
static inline __attribute__((always_inline)) void
small_busy(struct malloc_heap *h, struct malloc_elem *b, const char *type, uint64_t req)
{
	elem_set_state(b, ELEM_BUSY);
	b->owner = ELEM_OWNER_USER;
	set_tag(b, type, req); /* and set_req: usable == size */
	h->alloc_count++;
}

void *
heap_small_relink(struct malloc_heap *h, struct malloc_elem *e, struct malloc_elem *b,
		  const char *type, uint64_t req)
{
	fl_remove(h, e);
	carve_top(e, (char *)b);
	fl_insert(h, e);
	small_busy(h, b, type, req);
	return (char *)b + ELEM_HEADER_LEN;
}

#if HM_DEBUG >= 1
/* 1 when mapping_search(@p need) gives class (@p f, @p s) (HM_ASSERT only: clang
 * rejects an unused static function in a build without assertions). */
static inline bool
search_is(uint64_t need, unsigned int f, unsigned int s)
{
	unsigned int f2, s2;

	return mapping_search(need, &f2, &s2) && f2 == f && s2 == s;
}
#endif

void *
heap_alloc_small(struct malloc_heap *h, uint64_t size, uint64_t req, const char *type,
		 uint64_t *zero_from)
{
	struct small_class c = small_class(size + ELEM_OVERHEAD);

	HM_ASSERT(search_is(size + ELEM_OVERHEAD, c.f, c.s));
	(void)c;
	return heap_alloc_small_inl(h, size, req, type, zero_from);
}

struct malloc_elem *
elem_from_data_slow(const void *ptr)
{
	struct malloc_elem *e;

	if (((uintptr_t)ptr & (MALLOC_ALIGN - 1)) != 0)
		return hm_fail_ptr(EINVAL, "%p was not returned by hugemem malloc (misaligned)", ptr);
	e = (struct malloc_elem *)((char *)ptr - ELEM_HEADER_LEN);
	if (e->cookie != cookie_of(e))
		return hm_fail_ptr(EINVAL, "%p was not returned by hugemem malloc (no header)", ptr);
	uint8_t st = elem_state(e);
	if (st == ELEM_PAD) {
		struct malloc_elem *real = (struct malloc_elem *)((char *)e - e->pad);
		if (e->pad == 0 || e->pad >= MIN_ELEM_SIZE || real->cookie != cookie_of(real) ||
		    elem_state(real) != ELEM_BUSY || real->pad != e->pad)
			return hm_fail_ptr(EINVAL, "%p: corrupt padding header", ptr);
		e = real;
	} else if (st == ELEM_FREE || st == ELEM_CACHED) {
		return hm_fail_ptr(EINVAL, "double free of %p (or a pointer into freed memory)", ptr);
	} else if (st != ELEM_BUSY || e->pad != 0) {
		/* pad != 0 on a BUSY header here means ptr is not its data pointer */
		return hm_fail_ptr(EINVAL, "%p is not the start of an allocation", ptr);
	}
	if (e->heap == NULL || elem_data(e) != ptr)
		return hm_fail_ptr(EINVAL, "%p is not the start of an allocation", ptr);
#if MALLOC_DEBUG
	uint64_t c;
	memcpy(&c, (char *)ptr + elem_req(e), sizeof(c));
	if (c != TRAILER_COOKIE) {
		char t[sizeof(e->busy.type) + 1];
		memcpy(t, e->busy.type, sizeof(e->busy.type));
		t[sizeof(e->busy.type)] = '\0';
		return hm_fail_ptr(EFAULT, "heap %s: allocation %p of type '%s' (%" PRIu64
				   " bytes) was overrun: its guard bytes are overwritten",
				   e->heap->name, ptr, t[0] != '\0' ? t : "(none)", elem_req(e));
	}
#endif
	return e;
}

/* heap_free_elem's joined element @p j: its new size @p size (over whole
 * elements: the walk stays valid), then the links to @p after, the element
 * that now follows it (NULL: j is the heap's last). */
static inline __attribute__((always_inline)) void
join_link(struct malloc_heap *h, struct malloc_elem *j, uint64_t size, struct malloc_elem *after)
{
	j->size = size;
	j->next = after;
	if (after != NULL)
		after->prev = j;
	else
		h->last = j;
}

/*
 * Free @p e and join it with its FREE address-order neighbours. Written for
 * the block being freed rather than through absorb_next: its data is dirty
 * (its clean mark drops to its header), so no join can extend a clean prefix
 * and no header needs clearing -- a free neighbour before it keeps its clean
 * mark, and e, when it absorbs the one after it, gets the header-only mark --
 * and each size and link is written once. e's state is written FREE even when
 * its header becomes the neighbour's data: a second free of the same pointer
 * then reads FREE and is refused. The stores keep the order heap_rebuild relies
 * on: a size grows over whole elements only, links follow.
 */
struct malloc_elem *
heap_free_elem(struct malloc_elem *e)
{
	struct malloc_heap *h = e->heap;
	struct malloc_elem *n = e->next, *p = e->prev;
	uint64_t esz = e->size;
	uint16_t msl = e->msl_idx;

#if MALLOC_DEBUG
	/* catch use after free: the data (and any PAD header) reads as poison */
	memset((char *)e + ELEM_HEADER_LEN, MALLOC_POISON, esz - ELEM_HEADER_LEN);
#endif
	bool jn = n != NULL && elem_state(n) == ELEM_FREE && (char *)e + esz == (char *)n &&
		  n->msl_idx == msl;
	bool jp = p != NULL && elem_state(p) == ELEM_FREE && (char *)p + p->size == (char *)e &&
		  p->msl_idx == msl;
	uint64_t nsz = jn ? n->size : 0;
	struct malloc_elem *after = jn ? n->next : n; /* what follows the joined element */

	elem_set_state(e, ELEM_FREE);
	h->alloc_count--;
	if (jp) {
		/* p absorbs e (and n): e's header becomes p's (dirty) data, so its
		 * owner and clean mark are not written. A class that does not change
		 * keeps its list slot: the common case of a block freed next to a
		 * large free region costs no list or bitmap update. */
		uint64_t psz = p->size, total = psz + esz + nsz;
		bool relink = !same_class(psz, total);
		if (jn)
			fl_remove_inl(h, n);
		if (relink)
			fl_remove_inl(h, p);
		join_link(h, p, total, after);
		if (relink)
			fl_insert_inl(h, p);
		else
			h->free_bytes += total - psz;
		return p;
	}
	e->owner = ELEM_OWNER_USER;
	e->clean = 1; /* set_clean_end(e, 0): not zeroed, hm_zmalloc zeroes what it hands out */
	if (!jn) {
		fl_insert_inl(h, e);
		return e;
	}
	/* e absorbs n: n's list slot passes to e when the class stays */
	unsigned int f, s;
	mapping(nsz, &f, &s);
	bool keep = same_class_at(nsz, esz + nsz, f);
	if (keep) {
		fl_replace(h, n, e, f, s);
		h->free_bytes += esz;
	} else {
		fl_remove_inl(h, n);
	}
	join_link(h, e, esz + nsz, after);
	if (!keep)
		fl_insert_inl(h, e);
	return e;
}

void
heap_hide_region(struct malloc_heap *h, struct malloc_elem *e, char *a, char *b)
{
	char *start = (char *)e, *end = start + e->size;
	struct malloc_elem *prev = e->prev, *next = e->next;
	struct malloc_elem *head = a > start ? e : NULL, *tail = NULL;
	uint16_t msl = e->msl_idx;
	uint32_t exp = e->expansion;
	uint64_t head_ce = elem_clean_end(e), tail_ce = clean_end_from(e, b);

	HM_ASSERT(e->state == ELEM_FREE && a >= start && b <= end && a < b);
	HM_ASSERT(a == start || a - start >= MIN_ELEM_SIZE);
	HM_ASSERT(b == end || end - b >= MIN_ELEM_SIZE);
	fl_remove(h, e);
	/*
	 * The order of the stores is the one a process killed in here leaves
	 * walkable (heap_rebuild walks by size and crosses gaps between regions by
	 * the next links): the tail whole and linked to next first, then the link
	 * to it, then the run's first header spoiled (a stale header there must
	 * not be walked into), and the head's size last. The walk then sees e
	 * whole, or the head, a gap and the tail -- never a head whose end no
	 * header follows, which would lose the tail's memory in pages the heap
	 * keeps.
	 */
	if (b < end) {
		tail = (struct malloc_elem *)b;
		elem_init(tail, h, (uint64_t)(end - b), msl, exp, true);
		set_clean_end(tail, tail_ce);
		tail->prev = head != NULL ? head : prev;
		tail->next = next;
	}
	struct malloc_elem *first = head != NULL ? head : tail;
	struct malloc_elem *last = tail != NULL ? tail : head;
	ELEM_STORE_ORDER();
	if (head != NULL) {
		head->next = tail != NULL ? tail : next;
		((struct malloc_elem *)a)->cookie = 0;
		ELEM_STORE_ORDER();
		head->size = (uint64_t)(a - start);
		set_clean_end(head, head_ce);
	} else {
		if (prev != NULL)
			prev->next = first != NULL ? first : next;
		else
			h->first = first != NULL ? first : next;
		ELEM_STORE_ORDER();
		e->cookie = 0; /* e's header lies in the hidden run now */
	}
	if (next != NULL)
		next->prev = last != NULL ? last : prev;
	else
		h->last = last != NULL ? last : prev;
	if (head != NULL)
		fl_insert(h, head);
	if (tail != NULL)
		fl_insert(h, tail);
	h->total_size -= (uint64_t)(b - a);
}

bool
heap_resize_in_place(struct malloc_elem *e, uint64_t size, uint64_t req)
{
	struct malloc_heap *h = e->heap;
	uint64_t usable = elem_usable(e);
	struct malloc_elem *n = e->next;
	char *data = elem_data(e), *old_end = (char *)e + e->size, *new_end;
	bool grew = false;
	uint64_t n_ce = 0;

	if (size > usable) {
		if (n == NULL || elem_state(n) != ELEM_FREE || !joinable(e, n) ||
		    usable + n->size < size)
			return false;
		n_ce = elem_clean_end(n);
		fl_remove(h, n);
		absorb_next(h, e, n);
		grew = true;
	}
	/* give back what lies beyond the new end, if it makes an element */
	new_end = data + size + ELEM_TRAILER_LEN;
	if ((uint64_t)((char *)e + e->size - new_end) >= MIN_ELEM_SIZE) {
		struct malloc_elem *t = split(e, new_end), *tn = t->next;

		/* t is either the caller's old bytes (dirty) or, after growing, the
		 * top of the old free neighbour (which began at old_end < new_end):
		 * as clean as that was */
		if (grew && old_end + n_ce > new_end)
			set_clean_end(t, (uint64_t)(old_end + n_ce - new_end));
#if MALLOC_DEBUG
		else
			memset((char *)t + ELEM_HEADER_LEN, MALLOC_POISON,
			       t->size - ELEM_HEADER_LEN);
#endif
		if (tn != NULL && elem_state(tn) == ELEM_FREE && joinable(t, tn)) {
			fl_remove(h, tn);
			absorb_next(h, t, tn);
		}
		fl_insert(h, t);
	}
	set_req(e, req);
	return true;
}

/* ---------------------------------------------------------------- requests, live blocks */

/*
 * Bytes of a BUSY element its owner may use: what validate reports and realloc
 * copies. Debug builds keep the overrun guard right after the requested bytes,
 * so there that is the requested size; release builds give the whole element.
 */
uint64_t
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
