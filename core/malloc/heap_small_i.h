/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * heap_alloc_small's body, inline for malloc.c's short path (a 64-byte malloc
 * from the heap is a few dozen instructions: one frame, not two) and for
 * heap.c, which keeps the out-of-line heap_alloc_small (tests, other callers)
 * and the type tag's packing (set_tag) on these helpers; and heap_free_join1,
 * heap_free_elem's common joins inline for hm_free's heap-alone path (the
 * model test in test_malloc compares the two). Include after heap_i.h.
 */
#ifndef HUGEMEM_HEAP_SMALL_I_H
#define HUGEMEM_HEAP_SMALL_I_H

#include <string.h>

#include "heap_i.h"

/* How many blocks ahead carve_small prefetches the header line of a coming
 * block (docs/performance-history.md, issue #19 part 6: 4 was too close, 16 no better). */
#define HEAP_SMALL_PF 8
/* First non-empty class at or after (fl, sl); false if none. */
static inline bool
next_class(const struct malloc_heap *h, unsigned int *fl, unsigned int *sl)
{
	uint32_t slm = *sl < SL_COUNT ? h->sl_map[*fl] & (~0u << *sl) : 0;

	if (slm == 0) {
		uint64_t flm = *fl + 1 < 64 ? h->fl_map & (~0ULL << (*fl + 1)) : 0;
		if (flm == 0)
			return false;
		*fl = (unsigned int)__builtin_ctzll(flm);
		slm = h->sl_map[*fl];
	}
	*sl = (unsigned int)__builtin_ctz(slm);
	return true;
}

/* Smallest size in class (@p f, @p s) (mapping's inverse). */
static inline uint64_t
class_min(unsigned int f, unsigned int s)
{
	return f == 0 ? (uint64_t)s * MALLOC_ALIGN : (uint64_t)(SL_COUNT + s) << (f + FL_SHIFT - 1 - SL_BITS);
}

/* Good-fit class of a small request of @p need bytes (ELEM_OVERHEAD + 64 ..
 * SMALL_ALLOC_MAX + ELEM_OVERHEAD): find()'s mapping_search without its
 * overflow checks (need < 2^13). */
struct small_class {
	unsigned int f, s;
};
static inline struct small_class
small_class(uint64_t need)
{
	struct small_class c;

	if (need < SMALL_LIMIT) {
		c.f = 0;
		c.s = (unsigned int)(need / MALLOC_ALIGN);
	} else {
		unsigned int top = fls64(need);
		uint64_t up = need + (1ULL << (top - SL_BITS)) - 1;
		top = fls64(up);
		c.f = top - FL_SHIFT + 1;
		c.s = (unsigned int)(up >> (top - SL_BITS)) & (SL_COUNT - 1);
	}
	return c;
}

/*
 * The 12 bytes a type tag holds: @p type's bytes up to its NUL (at most 12),
 * zero-padded; (0, 0) for NULL. Packed as the header stores them: bytes 0-7 in
 * *lo, 8-11 in *hi, in memory order.
 *
 * Word at a time where that is safe for the hardware: when the 12 bytes from
 * @p type lie in one 4 KiB page (the page of its first byte, which is mapped),
 * they are read as a word and a half and cut at the first zero byte (the
 * classic haszero test: its lowest flagged byte is exactly the first zero).
 * The bytes after the NUL may belong to other objects; they never reach the
 * tag. The contents are read on every call (no memo keyed by the pointer), so
 * a buffer reused for another type string at the same address tags right. The
 * sanitizer builds, which would see the over-read, a string ending near a page
 * end, and big-endian hosts take the byte loop (heap_tag_pack_bytes); the model
 * test in test_malloc compares the two for every length and page offset.
 */
#define TAG_PAGE 4096u /* the smallest page size of the hosts hugemem runs on */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TAG_WORDS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define TAG_WORDS 0
#endif
#endif
#ifndef TAG_WORDS
#define TAG_WORDS (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#endif

/* A packed tag: bytes 0-7 and 8-11 of busy.type, in memory order. Returned by
 * value (in two registers), never through memory. */
struct tag {
	uint64_t lo;
	uint32_t hi;
};

/* tag_pack's byte loop (heap.c, out of line): for a string near a page end,
 * the sanitizer builds and big-endian hosts. */
HM_INTERNAL struct tag heap_tag_pack_bytes(const char *type);

/* tag_pack reads @p type a word at a time (tag_pack_words); false: it takes
 * the byte loop. */
static inline __attribute__((always_inline)) bool
tag_words_ok(const char *type)
{
	return TAG_WORDS && type != NULL && ((uintptr_t)type & (TAG_PAGE - 1)) <= TAG_PAGE - 12;
}

/* tag_pack's word path. pre: tag_words_ok(@p type). */
static inline __attribute__((always_inline)) struct tag
tag_pack_words(const char *type)
{
	const char *t = type;
	uint64_t w, z;
	uint32_t v, y;

	/* the compiler may not reason from the object t points to: the read
	 * goes past its end (inside the page) by design */
	__asm__("" : "+r"(t));
	memcpy(&w, t, sizeof(w));
	z = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
	/* z ^ (z - 1): ones up to the first zero byte's top bit */
	if (z != 0)
		return (struct tag){ w & ((z ^ (z - 1)) >> 8), 0 };
	memcpy(&v, t + sizeof(w), sizeof(v));
	y = (v - 0x01010101u) & ~v & 0x80808080u;
	return (struct tag){ w, y != 0 ? v & ((y ^ (y - 1)) >> 8) : v };
}

static inline __attribute__((always_inline)) struct tag
tag_pack(const char *type)
{
	if (tag_words_ok(type))
		return tag_pack_words(type);
	return heap_tag_pack_bytes(type);
}

/* Store a packed tag: word stores (elem_tag_load), since dumps may read the
 * tag of a cached block its lcore is handing out. */
static inline __attribute__((always_inline)) void
tag_store(struct malloc_elem *e, struct tag g)
{
	_Static_assert(sizeof(e->busy.type) == 12, "type tag is 12 bytes");
	__atomic_store_n((uint64_t *)(void *)e->busy.type, g.lo, __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(void *)(e->busy.type + sizeof(g.lo)), g.hi,
			 __ATOMIC_RELAXED);
}

/*
 * heap_alloc_small's carve: carve_top and small_busy in one pass, for a block
 * of @p size data bytes (no pad, no PAD header; its type tag packed: @p g) at
 * @p b, @p front bytes into
 * FREE @p e, which keeps its class; b's heap is @p h (e's, invariant). The
 * header gets every field those two wrote, in the order heap_rebuild needs: b
 * whole (as a FREE element, its tag and requested size already in place)
 * before e's new size makes it part of the walk -- a process killed then
 * leaves it FREE, and heap_rebuild joins it -- and the state BUSY last.
 */
static inline __attribute__((always_inline)) void
carve_small(struct malloc_heap *h, struct malloc_elem *e, struct malloc_elem *b, uint64_t front,
	    uint64_t size, uint64_t req, struct tag g)
{
	struct malloc_elem *n;

	HM_ASSERT(front >= MIN_ELEM_SIZE && e->clean >= 1 && e->heap == h);
	/* first: g and req are dead after it (fewer registers live) */
	tag_store(b, g);
	/* set_req: usable == size (no pad) */
	__atomic_store_n(&b->busy.req, (uint32_t)(size - req), __ATOMIC_RELAXED);
#if MALLOC_DEBUG
	{ /* write_trailer: b's data starts right after its header (no pad) */
		uint64_t c = TRAILER_COOKIE;
		memcpy((char *)b + ELEM_HEADER_LEN + req, &c, sizeof(c));
	}
#endif
	n = e->next;
	b->heap = h;
	b->next = n;
	b->size = size + ELEM_OVERHEAD;
	b->pad = 0;
	/* not a stale BUSY or CACHED state from the memory's earlier life */
	elem_set_state(b, ELEM_FREE);
	b->owner = ELEM_OWNER_USER;
	b->msl_idx = e->msl_idx;
	b->expansion = e->expansion;
	if (n != NULL)
		n->prev = b;
	else
		h->last = b;
	/* prev and cookie after the branch: their neighbours' stores are in
	 * another block, so each stays one move (not a vector pack of two) */
	b->prev = e;
	b->cookie = cookie_of(b);
	e->next = b;
	ELEM_STORE_ORDER(); /* b's header whole before e's size reaches it */
	e->size = front;
	/* Blocks carved from one free element come from its top down, one below
	 * the other: a run of mallocs writes header after header downward, each
	 * on a line the caches may not hold (the blocks' data is not touched
	 * here). Fetch, for writing, the header line of the block HEAP_SMALL_PF
	 * carves ahead at this size, while it is still e's free memory (a
	 * prefetch never faults; a wrong guess costs one line). */
	if (front >= HEAP_SMALL_PF * (size + ELEM_OVERHEAD) + MIN_ELEM_SIZE)
		__builtin_prefetch((char *)b - HEAP_SMALL_PF * (size + ELEM_OVERHEAD), 1);
	/* as carve_top: only a clean prefix reaching past the new end changes */
	if ((uint64_t)e->clean * MALLOC_ALIGN > front)
		e->clean = (uint32_t)(front / MALLOC_ALIGN);
	elem_set_state(b, ELEM_BUSY);
}

/* heap_alloc_small's carve when the rest of @p e changes class (heap.c, out of
 * line: a tail call keeps the short path a leaf). */
HM_INTERNAL void *heap_small_relink(struct malloc_heap *h, struct malloc_elem *e,
				    struct malloc_elem *b, const char *type, uint64_t req);

/* heap_alloc_small's search: the free element @p *e whose top @p *b takes a
 * block of @p size data bytes (@p *front bytes into e), found as find()'s good
 * fit; false (nothing written) when there is none, an exact fit or a PAD
 * header is needed (heap_alloc's cases). *@p same: e keeps its class. */
static inline __attribute__((always_inline)) bool
small_find(struct malloc_heap *h, uint64_t size, struct malloc_elem **e, struct malloc_elem **b,
	   uint64_t *front, bool *same)
{
	uint64_t need = size + ELEM_OVERHEAD;
	unsigned int f, s;

	HM_ASSERT(size >= MALLOC_ALIGN && size <= SMALL_ALLOC_MAX && size % MALLOC_ALIGN == 0);
	/* find()'s good fit: the first non-empty class whose every element holds
	 * need (mapping_search without its overflow checks: need < 2^13) */
	struct small_class c = small_class(need);
	f = c.f;
	s = c.s;
	if (!next_class(h, &f, &s))
		return false;
	*e = h->free_head[f][s];
	/* start_pt: with 64-byte alignment and sizes the data ends where e ends, so
	 * the new header is need bytes below e's end and nothing is left above */
	*front = (*e)->size - need;
	if ((*e)->size < need + MIN_ELEM_SIZE)
		return false; /* an exact fit or a PAD header: heap_alloc's cases */
	*b = (struct malloc_elem *)((char *)*e + *front);
	/* e is in class (f, s) and front < e->size: it stays there when front
	 * is not below the class's smallest size (same_class, from the search) */
	*same = *front >= class_min(f, s);
	return true;
}

/* heap_alloc_small (heap_i.h says what it does), inline. */
static inline __attribute__((always_inline)) void *
heap_alloc_small_inl(struct malloc_heap *h, uint64_t size, uint64_t req, const char *type,
		     uint64_t *zero_from)
{
	struct malloc_elem *e, *b;
	uint64_t front;
	bool same;

	HM_ASSERT(req >= 1 && req <= size);
	if (!small_find(h, size, &e, &b, &front, &same))
		return NULL;
	if (zero_from != NULL) {
		/* the new data is zero up to e's clean prefix */
		uint64_t ce = elem_clean_end(e), data = front + ELEM_HEADER_LEN;
		*zero_from = ce > data ? ce - data : 0;
	}
	/* a class change: out of line (a tail call) */
	if (!same)
		return heap_small_relink(h, e, b, type, req);
	carve_small(h, e, b, front, size, req, tag_pack(type));
	h->free_bytes -= size + ELEM_OVERHEAD;
	h->alloc_count++;
	return (char *)b + ELEM_HEADER_LEN;
}

/*
 * heap_alloc_small_inl's common case alone, for malloc.c's heap-alone malloc:
 * no zero_from, @p type read a word at a time (pre: tag_words_ok(type), which
 * the caller tests before it takes the lock; packed here, at the carve, it
 * holds two registers for less of the path), and NULL, with nothing written,
 * when the rest of the element would change class (as when heap_alloc_small
 * finds no room): with no call in it, the caller can stay a leaf and take its
 * whole slow path by a tail call.
 */
static inline __attribute__((always_inline)) void *
heap_alloc_small_tag(struct malloc_heap *h, uint64_t size, uint64_t req, const char *type)
{
	struct malloc_elem *e, *b;
	uint64_t front;
	bool same;

	HM_ASSERT(req >= 1 && req <= size);
	if (!small_find(h, size, &e, &b, &front, &same) || !same)
		return NULL;
	carve_small(h, e, b, front, size, req, tag_pack_words(type));
	h->free_bytes -= size + ELEM_OVERHEAD;
	h->alloc_count++;
	return (char *)b + ELEM_HEADER_LEN;
}

/*
 * heap_free_elem's two common joins, inline for hm_free's heap-alone path:
 * BUSY @p e (heap @p h, its lock held) has exactly one FREE neighbour, joinable
 * (adjacent, same msl), and the joined element stays in that neighbour's size
 * class. Blocks carved from a free element's top down and freed in allocation
 * order join the run freed before them (the element after e, whose list slot
 * e takes); freed against that order, the free element before e grows over it
 * (no list change at all). Every store is heap_free_elem's for the case, in its
 * order (heap_rebuild): e's state FREE first, the stats, then the size over
 * whole elements, the links after it. @return the joined element; NULL, having
 * written nothing, in every other case (no free neighbour, two, one not
 * joinable, a class change, the last first level): the caller then takes
 * heap_free_elem, which handles them all.
 */
static inline __attribute__((always_inline)) struct malloc_elem *
heap_free_join1(struct malloc_heap *h, struct malloc_elem *e)
{
	struct malloc_elem *n = e->next, *p = e->prev;
	uint64_t esz = e->size;
	bool nf = n != NULL && elem_state(n) == ELEM_FREE;
	bool pf = p != NULL && elem_state(p) == ELEM_FREE;
	unsigned int top;

	if (nf == pf)
		return NULL;
	if (nf) {
		/* e absorbs n and takes its list slot (n is whole in e, which grows
		 * over whole elements only) */
		uint64_t nsz = n->size, tot = nsz + esz;
		struct malloc_elem *after, *fp, *fn;

		/* a class below SMALL_LIMIT holds one size: it always changes; the
		 * class of nsz holds tot when they agree from its step up
		 * (same_class_at); the last first level holds more: not here */
		if ((char *)e + esz != (char *)n || n->msl_idx != e->msl_idx || nsz < SMALL_LIMIT)
			return NULL;
		top = fls64(nsz);
		if (top - FL_SHIFT + 1 >= FL_COUNT - 1 || ((nsz ^ tot) >> (top - SL_BITS)) != 0)
			return NULL;
		after = n->next;
		fp = n->fl.prev;
		fn = n->fl.next;
#if MALLOC_DEBUG
		memset((char *)e + ELEM_HEADER_LEN, MALLOC_POISON, esz - ELEM_HEADER_LEN);
#endif
		elem_set_state(e, ELEM_FREE);
		h->alloc_count--;
		e->owner = ELEM_OWNER_USER;
		e->clean = 1; /* set_clean_end(e, 0): its data is dirty */
		e->fl.prev = fp;
		e->fl.next = fn;
		if (fp != NULL)
			fp->fl.next = e;
		else /* mapping(nsz) */
			h->free_head[top - FL_SHIFT + 1][(nsz >> (top - SL_BITS)) & (SL_COUNT - 1)] = e;
		if (fn != NULL)
			fn->fl.prev = e;
		h->free_bytes += esz;
		e->size = tot;
		e->next = after;
		if (after != NULL)
			after->prev = e;
		else
			h->last = e;
		return e;
	}
	/* p absorbs e: p grows over it, keeping its list slot; e's header becomes
	 * p's data (its state FREE: a second free of it is refused) */
	uint64_t psz = p->size, tot = psz + esz;

	if ((char *)p + psz != (char *)e || p->msl_idx != e->msl_idx || psz < SMALL_LIMIT)
		return NULL;
	top = fls64(psz);
	if (top - FL_SHIFT + 1 >= FL_COUNT - 1 || ((psz ^ tot) >> (top - SL_BITS)) != 0)
		return NULL;
#if MALLOC_DEBUG
	memset((char *)e + ELEM_HEADER_LEN, MALLOC_POISON, esz - ELEM_HEADER_LEN);
#endif
	elem_set_state(e, ELEM_FREE);
	h->alloc_count--;
	p->size = tot;
	p->next = n;
	if (n != NULL)
		n->prev = p;
	else
		h->last = p;
	h->free_bytes += esz;
	return p;
}

#endif /* HUGEMEM_HEAP_SMALL_I_H */
