/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shadow map the heap model tests (test_heap.c, test_malloc.c) keep of live
 * blocks: sorted by address, so an insert finds an overlap with a neighbour in
 * O(log n), and each block remembers the byte it was filled with.
 * Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_SHADOW_MODEL_H
#define HUGEMEM_TEST_SHADOW_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* 1 when all @p n bytes at @p p are @p c. */
static inline int
all_bytes(const void *p, size_t n, uint8_t c)
{
	const uint8_t *b = p;

	if (n == 0)
		return 1;
	return b[0] == c && memcmp(b, b + 1, n - 1) == 0;
}

/* A live block. */
struct blk {
	char *p;
	size_t size, usable;  /* bytes asked for; bytes the heap says are usable */
	size_t align, bound;  /* as asked (0: none) */
	uint8_t fill;         /* every byte of [p, p + size) */
	bool big;             /* test_malloc: above 64 KiB */
};

struct shadow {
	struct blk *b; /* sorted by p */
	size_t n, cap;
};

/* Index of the first block at or above @p p. */
static inline size_t
shadow_pos(const struct shadow *s, const char *p)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->b[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Insert, failing the test if the usable range overlaps a live block's. */
static inline void
shadow_insert(struct shadow *s, const struct blk *b)
{
	size_t i = shadow_pos(s, b->p);

	if (i > 0 && s->b[i - 1].p + s->b[i - 1].usable > b->p)
		fail_msg("block %p (+%zu) overlaps %p (+%zu)", (void *)b->p, b->usable,
			 (void *)s->b[i - 1].p, s->b[i - 1].usable);
	if (i < s->n && b->p + b->usable > s->b[i].p)
		fail_msg("block %p (+%zu) overlaps %p (+%zu)", (void *)b->p, b->usable,
			 (void *)s->b[i].p, s->b[i].usable);
	if (s->n == s->cap) {
		s->cap = s->cap != 0 ? s->cap * 2 : 256;
		s->b = realloc(s->b, s->cap * sizeof(*s->b));
		assert_non_null(s->b);
	}
	memmove(&s->b[i + 1], &s->b[i], (s->n - i) * sizeof(*s->b));
	s->b[i] = *b;
	s->n++;
}

static inline void
shadow_remove(struct shadow *s, size_t i)
{
	memmove(&s->b[i], &s->b[i + 1], (s->n - i - 1) * sizeof(*s->b));
	s->n--;
}

/* Fail the test if @p b lost its contents. */
static inline void
check_blk(const struct blk *b)
{
	if (!all_bytes(b->p, b->size, b->fill))
		fail_msg("block %p (%zu bytes) lost its contents (fill 0x%02x)", (void *)b->p,
			 b->size, b->fill);
}

#endif
