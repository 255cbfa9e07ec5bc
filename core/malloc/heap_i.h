/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap internals: elements and heaps (heap.c, and every file that uses a heap).
 *
 * A heap manages one or more address ranges ("expansions") tiled by elements.
 * Every element starts with a 64-byte header; its data follows the header (or,
 * when alignment left a gap too small to split off, a PAD header right before
 * the data points back to the real header). Elements of one heap form a doubly
 * linked list in address order. Free elements also sit in one of ~640
 * segregated size classes (TLSF-style: 16 linear classes of 64 B below 1 KiB,
 * then 16 classes per power of two), with a two-level bitmap of non-empty
 * classes, so finding a class that certainly fits is two ctz instructions.
 * Allocation takes the top of the chosen free element (DPDK's rule), so the
 * lower part stays a free element in place.
 *
 * Invariants (heap_check):
 *   elements tile each expansion: e->next == e + e->size when they are adjacent
 *   address list strictly increasing; first/last NULL together
 *   every FREE element is on exactly the free list of class(e->size)
 *   class bitmaps: bit set <=> that list is non-empty
 *   no two adjacent FREE elements share an msl (they are always joined)
 *   heap->alloc_count == number of BUSY and CACHED elements
 *   owner is ELEM_OWNER_USER or ELEM_OWNER_MEMZONE for BUSY, USER otherwise
 *   CACHED: native heap, pad 0, usable <= CACHE_LIMIT (+ a run's slack); the
 *           lcore caches hold exactly the CACHED elements (malloc.c, mc_check)
 *   heap->free_bytes  == sum of FREE element sizes
 *   heap->total_size  == sum of all element sizes
 *   native heap: releasable_pages == pages of its node flagged HEAP and not
 *         DO_NOT_FREE (hm_malloc_check, report.c: recounted from memseg)
 *   every size and address is a multiple of 64
 *   FREE: ELEM_HEADER_LEN <= elem_clean_end(e) <= e->size, and the data in
 *         [e + ELEM_HEADER_LEN, e + elem_clean_end(e)) is all zeros (debug walk)
 *
 * Zeroing is lazy: free does not clear memory, it only lowers the freed range's
 * "clean" mark; hm_zmalloc (and memzones) zero just the part of the new block
 * above its free element's clean prefix. Allocation takes the top of a free
 * element and fresh pages join at its top or bottom, so a clean prefix plus a
 * dirty rest describes the common shapes exactly; elsewhere it over-approximates
 * (some zero bytes are zeroed again), never the other way.
 *
 * Heaps live in shared memory (an fbarray) except buffer heaps, which live at the
 * start of the caller's buffer; elements live in the memory they manage. Pointers
 * in both are plain VAs, valid in every process because all of it sits at the same
 * address everywhere.
 */
#ifndef HUGEMEM_HEAP_I_H
#define HUGEMEM_HEAP_I_H

#include <string.h>

#include "common_i.h"
#include "hugemem/lock.h"
#include "hugemem/malloc.h"

#define MALLOC_ALIGN 64u        /* every element address and size is a multiple */
#define ELEM_HEADER_LEN 64u
#if HM_DEBUG >= 1
#define MALLOC_DEBUG 1
#define ELEM_TRAILER_LEN 64u    /* holds the trailer cookie after the user's bytes */
#else
#define MALLOC_DEBUG 0
#define ELEM_TRAILER_LEN 0u
#endif
#define ELEM_OVERHEAD (ELEM_HEADER_LEN + ELEM_TRAILER_LEN)
#define MIN_DATA_SIZE 64u
#define MIN_ELEM_SIZE (ELEM_OVERHEAD + MIN_DATA_SIZE) /* smallest element a split makes */
#define MALLOC_POISON 0x6b

/* The heap's shared memory is written in an order that a process killed at
 * any instruction leaves walkable by heap_rebuild (a new header whole before
 * the size or link that makes it reachable). A release fence keeps those
 * stores in order for the compiler and the CPU (on x86 it emits nothing). */
#define ELEM_STORE_ORDER() __atomic_thread_fence(__ATOMIC_RELEASE)

#define ELEM_COOKIE 0xe1e3c00du      /* header cookie, xor'ed with the address */
#define TRAILER_COOKIE 0xadd2e55badbadbadULL

#define MSL_NONE 0xffffu          /* element not in a memseg list (buffer heaps) */

/* Size classes. */
#define SL_BITS 4u
#define SL_COUNT (1u << SL_BITS)              /* 16 subclasses per power of two */
#define SMALL_LIMIT (MALLOC_ALIGN * SL_COUNT) /* 1024: below it, 64-byte classes */
#define FL_SHIFT 10u                          /* log2(SMALL_LIMIT) */
#define CACHE_LIMIT 4096u /* largest usable size the lcore malloc caches hold (mcache.c) */
#define FL_COUNT 40u                          /* sizes up to 2^49 */

enum elem_state {
	ELEM_FREE = 0,
	ELEM_BUSY = 1,
	ELEM_PAD = 2,
	ELEM_CACHED = 3, /* freed into an lcore's malloc cache: not free for the heap
			    (never joined, counted in alloc_count), not live for the user */
};

/* Who may free a BUSY element. A memzone's block is refused by hm_free,
 * hm_realloc and hm_malloc_validate (it would hand the memory out again while
 * the zone is still listed); only the memzone's own free releases it. */
enum elem_owner {
	ELEM_OWNER_USER = 0,    /* hm_malloc and friends, buffer heaps, lcore caches */
	ELEM_OWNER_MEMZONE = 1, /* a memzone (rings and mempools live in memzones) */
};

struct malloc_heap;

/* 64 bytes. */
struct malloc_elem {
	struct malloc_heap *heap;  /* owning heap; all states */
	struct malloc_elem *prev;  /* previous element by address, NULL if first of the heap */
	struct malloc_elem *next;  /* next element by address, NULL if last */
	uint64_t size;             /* bytes incl. header, pad, trailer; FREE and BUSY */
	union {
		struct {           /* FREE: links of the size-class list */
			struct malloc_elem *prev;
			struct malloc_elem *next;
		} fl;
		struct {           /* BUSY: type tag and requested size */
			char type[12];
			uint32_t req;      /* bytes asked for; UINT32_MAX when larger */
		} busy;
	};
	union {
		uint32_t pad;      /* BUSY: bytes from the element to its PAD header (0: none);
				      PAD: bytes back to the real header */
		uint32_t clean;    /* FREE: 64-byte units from the element start below which
				      the data is zero (see elem_clean_end); >= 1 */
	};
	uint8_t state;             /* enum elem_state */
	uint8_t owner;             /* BUSY: enum elem_owner; 0 in every other state */
	uint16_t msl_idx;          /* memseg list of the memory, or MSL_NONE */
	uint32_t expansion;        /* id of the memory addition this element came from */
	uint32_t cookie;           /* ELEM_COOKIE ^ (uint32_t)(uintptr_t)this */
};
_Static_assert(sizeof(struct malloc_elem) == ELEM_HEADER_LEN, "element header is 64 bytes");

/* The owner of a BUSY or CACHED element flips its state without the heap lock
 * (lcore caches), while a thread holding the lock may read it as a neighbour's
 * state; both sides use these (plain moves on x86). */
static inline uint8_t
elem_state(const struct malloc_elem *e)
{
	return __atomic_load_n(&e->state, __ATOMIC_RELAXED);
}

static inline void
elem_set_state(struct malloc_elem *e, uint8_t st)
{
	__atomic_store_n(&e->state, st, __ATOMIC_RELAXED);
}

/* A BUSY element's type tag (NUL-terminated into @p out) and busy.req, for
 * readers under the heap lock (dumps, leak report): an lcore retags the blocks
 * it takes from its cache without the lock, with the same word-sized relaxed
 * atomics (plain moves on x86). */
static inline void
elem_tag_load(const struct malloc_elem *e, char out[13], uint32_t *req_slack)
{
	uint64_t lo = __atomic_load_n((const uint64_t *)(const void *)e->busy.type, __ATOMIC_RELAXED);
	uint32_t hi = __atomic_load_n((const uint32_t *)(const void *)(e->busy.type + 8),
				      __ATOMIC_RELAXED);

	memcpy(out, &lo, sizeof(lo));
	memcpy(out + 8, &hi, sizeof(hi));
	out[12] = '\0';
	if (req_slack != NULL)
		*req_slack = __atomic_load_n(&e->busy.req, __ATOMIC_RELAXED);
}

enum heap_kind {
	HEAP_UNUSED = 0,
	HEAP_NATIVE,     /* one per node; grows and shrinks through memseg */
	HEAP_EXTERNAL,   /* user memory added with a per-page IOVA table */
	HEAP_BUFFER,     /* over a caller's buffer; no growth; no hm_init needed */
};

struct malloc_heap {
	hm_spinlock_t lock;
	uint32_t kind;                  /* enum heap_kind */
	int32_t socket_id;              /* node, or >= HM_MALLOC_EXT_SOCKET_BASE */
	uint32_t next_expansion;        /* id for the next memory addition */
	char name[HM_MALLOC_HEAP_NAME_LEN];
	uint64_t fl_map;                /* bit f: some class of first level f is non-empty */
	uint32_t sl_map[FL_COUNT];      /* bit s of [f]: class (f, s) is non-empty */
	struct malloc_elem *free_head[FL_COUNT][SL_COUNT];
	struct malloc_elem *first, *last; /* address-ordered list of all elements */
	uint64_t total_size;            /* bytes of memory in the heap */
	uint64_t free_bytes;            /* sum of FREE element sizes */
	uint64_t free_count;            /* FREE elements */
	uint64_t alloc_count;           /* BUSY elements */
	uint64_t releasable_pages;      /* HEAP_NATIVE: pages of its node flagged
					   HM_MEMSEG_FLAG_HEAP and not DO_NOT_FREE
					   (grow.c; 0: free returns no page, and
					   skips looking); other kinds: 0 */
	uint64_t buf_start, buf_len;    /* HEAP_BUFFER: the managed range */
};

/*
 * What the heap needs to know about the pages under its memory, handed in by
 * whoever gave it the memory (pages.c: malloc_pages, for memory in memseg
 * lists). The heap knows an element's memory only by its msl_idx, a number it
 * passes back here; it never looks at pages itself, so it runs over any memory.
 * Only requests that ask about pages (contig, pg_flags) call these.
 */
struct heap_pages {
	/* page size under the memory of @p msl_idx (0: none) */
	uint64_t (*page_sz)(uint16_t msl_idx);
	/* 1 if [p, p+len) of the memory of @p msl_idx is IOVA-contiguous */
	bool (*iova_contig)(uint16_t msl_idx, const void *p, uint64_t len);
	/* 1 if the page size under @p msl_idx is one that page-size @p flags name */
	bool (*pgsz_match)(uint16_t msl_idx, uint32_t flags);
};

/* What a search must satisfy. */
struct alloc_req {
	uint64_t size;     /* user bytes rounded up to MALLOC_ALIGN, > 0 */
	uint64_t align;    /* power of two >= MALLOC_ALIGN */
	uint64_t bound;    /* 0, or power of two >= size: data never crosses a multiple */
	bool contig;       /* data must be IOVA-contiguous (pre: pages != NULL) */
	uint32_t pg_flags; /* page-size flags, opaque to the heap: given to
			      pages->pgsz_match (0: any page; else pre: pages != NULL) */
	bool hint_only;    /* page-size flags are a preference */
	const struct heap_pages *pages; /* the memory's page geometry; may be NULL
					   when neither contig nor pg_flags is set */
	uint64_t req;      /* bytes the caller asked for (<= size; places the guard) */
	const char *type;  /* tag, may be NULL */
	uint8_t owner;     /* enum elem_owner of the new block */
	uint64_t *zero_from; /* out, may be NULL: data offset from which the new block
				may hold non-zero bytes (>= size: all of it is zero) */
};

/* ---- small helpers of heap.c and heap_report.c ---- */

/* Index of the highest set bit (x != 0). */
static inline unsigned int
fls64(uint64_t x)
{
	return 63u - (unsigned int)__builtin_clzll(x);
}

/* Size class (first level, second level) of an element of @p s bytes. */
static inline void
mapping(uint64_t s, unsigned int *fl, unsigned int *sl)
{
	if (s < SMALL_LIMIT) {
		*fl = 0;
		*sl = (unsigned int)(s / MALLOC_ALIGN);
		return;
	}
	unsigned int f = fls64(s);
	*fl = f - FL_SHIFT + 1;
	*sl = (unsigned int)(s >> (f - SL_BITS)) & (SL_COUNT - 1);
	if (*fl >= FL_COUNT) {
		*fl = FL_COUNT - 1;
		*sl = SL_COUNT - 1;
	}
}

/* The header cookie of an element at @p e. */
static inline uint32_t
cookie_of(const void *e)
{
	return ELEM_COOKIE ^ (uint32_t)(uintptr_t)e;
}

/* FREE @p e: the data is zero below offset @p off (a multiple of 64, clamped to
 * [ELEM_HEADER_LEN, size]; units saturate, which only under-states it). Called
 * again whenever a FREE element's size changes, so clean * 64 <= size. */
static inline void
set_clean_end(struct malloc_elem *e, uint64_t off)
{
	uint64_t u;

	if (off > e->size)
		off = e->size;
	if (off < ELEM_HEADER_LEN)
		off = ELEM_HEADER_LEN;
	u = off / MALLOC_ALIGN;
	e->clean = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
}

/* Adjacent in memory and in the same memseg list. */
static inline bool
joinable(const struct malloc_elem *a, const struct malloc_elem *b)
{
	return (const char *)a + a->size == (const char *)b && a->msl_idx == b->msl_idx;
}

/* ---- heap.c: element algorithms, independent of where memory comes from ---- */

HM_INTERNAL void heap_init(struct malloc_heap *h, enum heap_kind kind, int socket_id,
			   const char *name);
/* Add [start, start+len) (aligned, len >= MIN_ELEM_SIZE) as one FREE element,
 * joined with adjacent free neighbours of the same msl. pre: lock held. */
HM_INTERNAL struct malloc_elem *heap_add_memory(struct malloc_heap *h, void *start,
						uint64_t len, uint16_t msl_idx, bool dirty);
/* Find and carve an element; returns the data pointer or NULL. pre: lock held. */
HM_INTERNAL void *heap_alloc(struct malloc_heap *h, const struct alloc_req *r);
/* Largest size heap_alloc_small serves: the lcore caches' limit. */
#define SMALL_ALLOC_MAX CACHE_LIMIT
/*
 * heap_alloc's common case in fewer steps, for malloc's usual request: @p size
 * bytes (a multiple of 64, 64..SMALL_ALLOC_MAX; @p req of them asked for, the
 * rest slack), default alignment, no bound, no page conditions, owner
 * ELEM_OWNER_USER, tag @p type. When the first element of the good-fit class
 * is larger than needed by at least an element, its top becomes the block
 * exactly as heap_alloc would carve it (same address, same heap state; the
 * model test in test_malloc compares the two), *@p zero_from (may be NULL) as
 * alloc_req.zero_from. Otherwise (no such class, an exact fit) NULL and nothing
 * changed: the caller takes heap_alloc. pre: lock held.
 */
HM_INTERNAL void *heap_alloc_small(struct malloc_heap *h, uint64_t size, uint64_t req,
				   const char *type, uint64_t *zero_from);
/* Element of a data pointer handed out by this module, validated (cookie, state),
 * or NULL with hm_errno/hm_last_error saying why. @p ptr must be readable 64
 * bytes below (the caller checked it lies inside heap memory). */
HM_INTERNAL struct malloc_elem *elem_from_data_slow(const void *ptr);
static inline struct malloc_elem *
elem_from_data(const void *ptr)
{
	struct malloc_elem *e = (struct malloc_elem *)((uintptr_t)ptr - ELEM_HEADER_LEN);

	/* inline: the common case of a free, a BUSY header without padding
	 * (release builds; debug builds check the guard bytes out of line) */
	if (!MALLOC_DEBUG && ((uintptr_t)ptr & (MALLOC_ALIGN - 1)) == 0 &&
	    e->cookie == (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) && elem_state(e) == ELEM_BUSY &&
	    e->pad == 0 && e->heap != NULL)
		return e;
	return elem_from_data_slow(ptr);
}
/* Free a BUSY element (debug builds poison its data), join it with free
 * neighbours and return the merged FREE element. pre: lock held. (hm_free
 * tries heap_free_join1 first, heap_small_i.h: its two common joins inline.) */
HM_INTERNAL struct malloc_elem *heap_free_elem(struct malloc_elem *e);
/* FREE @p e: offset from e below which its data is zero (>= ELEM_HEADER_LEN). */
static inline uint64_t
elem_clean_end(const struct malloc_elem *e)
{
	uint64_t c = (uint64_t)e->clean * MALLOC_ALIGN;
	return c < e->size ? c : e->size;
}
/* Carve [a, b) (page aligned, inside FREE element e) out of the heap: head and
 * tail stay FREE elements, the middle leaves the address list. pre: lock held. */
HM_INTERNAL void heap_hide_region(struct malloc_heap *h, struct malloc_elem *e, char *a, char *b);
/* Try to grow or shrink a BUSY element in place (realloc). pre: lock held. */
HM_INTERNAL bool heap_resize_in_place(struct malloc_elem *e, uint64_t size, uint64_t req);
/* Cut the BUSY element @p b (size >= n * esz; a PAD gap before its data is
 * dropped) into @p n CACHED elements of @p esz bytes each, the last one taking
 * whatever is left over, written to out[0..n) in address order. @return the bytes of all n (b's size). pre: lock held. */
HM_INTERNAL uint64_t heap_split_cached(struct malloc_elem *b, uint64_t esz, unsigned int n,
				       struct malloc_elem **out);
/* Join CACHED @p b into CACHED @p a when b directly follows a in memory and in
 * the same msl; @return whether it did. pre: lock held. */
HM_INTERNAL bool heap_join_cached(struct malloc_elem *a, struct malloc_elem *b);
/* Make a CACHED element (pad 0) BUSY for a new owner: tag, requested size and,
 * in debug builds, the trailer guard. No lock: the caller owns @p e. */
HM_INTERNAL void heap_mark_busy(struct malloc_elem *e, const char *type, uint64_t req);
/* Usable bytes of a BUSY element. */
HM_INTERNAL uint64_t elem_usable(const struct malloc_elem *e);
/* Data pointer of a BUSY element. */
HM_INTERNAL void *elem_data(const struct malloc_elem *e);
/* fl_insert and absorb_next for heap_report.c's rebuild: put FREE @p e on its
 * class list; absorb FREE @p n (off its list) into @p e, which precedes it. */
HM_INTERNAL void heap_free_list_insert(struct malloc_heap *h, struct malloc_elem *e);
HM_INTERNAL void heap_merge_next(struct malloc_heap *h, struct malloc_elem *e,
				 struct malloc_elem *n);

/* ---- heap_report.c: what reads or rebuilds a whole heap ---- */

/* Stats under the lock. */
HM_INTERNAL void heap_stats(struct malloc_heap *h, struct hm_malloc_socket_stats *s);
/* Validator; pre: lock held. @return 0 or -EFAULT with *why; *n_cached (may be
 * NULL): CACHED elements seen. */
HM_INTERNAL int heap_check(struct malloc_heap *h, const char **why, uint64_t *n_cached);
/* Rebuild links, free lists and counters after a lock holder died (heap.c).
 * @p readable says whether memory may be read. 0 or -EFAULT with *why. */
HM_INTERNAL int heap_rebuild(struct malloc_heap *h, bool (*readable)(const void *p, uint64_t len),
			     const char **why);
/* Print @p h's stats line (@p user: the stats to print instead of the heap's
 * own, with their lcore-cache part; NULL: the heap's) and, with @p elems, every
 * element. pre: lock held. */
HM_INTERNAL void heap_dump(struct malloc_heap *h, FILE *f, bool elems,
			   const struct hm_malloc_socket_stats *user);
/* Largest data block an element could give with @p align (IOVA-contiguous when
 * @p contig), among elements on pages @p pg_flags names (0: any), and that
 * element; its length in *data_len. pre: lock held; @p pages != NULL when
 * contig or pg_flags. */
HM_INTERNAL struct malloc_elem *heap_find_biggest(struct malloc_heap *h, uint64_t align,
						  bool contig, uint32_t pg_flags,
						  const struct heap_pages *pages,
						  uint64_t *data_len);

/* Fill @p r from a public call's arguments (align 0 means 64). @return 0, or
 * -EINVAL (size 0, alignment or bound not a power of two, bound < size) or
 * -ENOMEM (larger than any heap can hold) with the message set. Inline: every
 * malloc starts here. */
static inline int
heap_make_req(struct alloc_req *r, const char *type, size_t size, size_t align, size_t bound)
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

/* Bytes of a BUSY element its owner may use (validate, realloc's copy). */
HM_INTERNAL uint64_t elem_user_size(const struct malloc_elem *e);
/* Element of a pointer just returned by a heap (no validation). */
HM_INTERNAL const struct malloc_elem *elem_of_live(const void *p);

#endif /* HUGEMEM_HEAP_I_H */
