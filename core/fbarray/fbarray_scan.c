/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fbarray's unlocked scans over the used bitmap, one 64-bit word at a time
 * (how: the top of fbarray.c). Callers hold the header's lock: the finders
 * (fbarray_find.c) and hm_fbarray_dump (fbarray.c).
 */
#include "fbarray_i.h"


/*
 * Word @p w of the mask with set bits meaning "in the wanted state" (@p used or
 * free) and every bit at index >= len cleared.
 */
static inline uint64_t
load_word(const uint64_t *bits, uint32_t len, size_t w, bool used)
{
	uint64_t v = used ? bits[w] : ~bits[w];
	size_t last = ((size_t)len - 1) / WORD_BITS;

	if (w == last && len % WORD_BITS != 0)
		v &= (1ULL << (len % WORD_BITS)) - 1;
	return v;
}

/* Bits p of the result are set iff bits p..p+n-1 of @p v are; 1 <= n <= 64. */
static inline uint64_t
fold_word(uint64_t v, unsigned int n)
{
	unsigned int have = 1;

	while (have < n && v != 0) {
		unsigned int k = have < n - have ? have : n - have;

		v &= v >> k;
		have += k;
	}
	return v;
}

/* Number of consecutive set bits of @p v starting at bit 0. */
static inline unsigned int
count_low_ones(uint64_t v)
{
	return ~v == 0 ? WORD_BITS : (unsigned int)__builtin_ctzll(~v);
}

/* Number of consecutive set bits of @p v starting at bit 63. */
static inline unsigned int
count_high_ones(uint64_t v)
{
	return ~v == 0 ? WORD_BITS : (unsigned int)__builtin_clzll(~v);
}

/* Lowest index >= start in the wanted state, or -1. pre: start < len. */
int64_t
fbarray_scan_next(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t nw = count_words(arr->len), w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) & (~0ULL << (start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (int64_t)(w * WORD_BITS + (size_t)__builtin_ctzll(v));
		if (++w >= nw)
			return -1;
		v = load_word(bits, arr->len, w, used);
	}
}

/* Highest index <= start in the wanted state, or -1. pre: start < len. */
int64_t
fbarray_scan_prev(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) &
		     (~0ULL >> (WORD_BITS - 1 - start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (int64_t)(w * WORD_BITS + WORD_BITS - 1 -
					 (size_t)__builtin_clzll(v));
		if (w == 0)
			return -1;
		v = load_word(bits, arr->len, --w, used);
	}
}

/*
 * Lowest r >= start with [r, r+n) all in the wanted state, or -1.
 * pre: start < len, 1 <= n <= len.
 */
int64_t
fbarray_scan_next_n(const struct hm_fbarray *arr, uint32_t start, uint32_t n, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t nw = count_words(arr->len), w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) & (~0ULL << (start % WORD_BITS));
	uint64_t run = 0, run_start = 0; /* wanted run ending at the previous word's top */

	for (;;) {
		if (run != 0) {
			unsigned int low = count_low_ones(v);

			if (run + low >= n)
				return (int64_t)run_start;
			if (low == WORD_BITS) {
				run += WORD_BITS;
				goto next;
			}
			run = 0;
		}
		if (n <= WORD_BITS) {
			uint64_t f = fold_word(v, n);

			if (f != 0)
				return (int64_t)(w * WORD_BITS + (size_t)__builtin_ctzll(f));
		}
		run = count_high_ones(v);
		run_start = w * WORD_BITS + WORD_BITS - run;
next:
		if (++w >= nw)
			return -1;
		v = load_word(bits, arr->len, w, used);
	}
}

/*
 * Highest r with r + n - 1 <= start and [r, r+n) all in the wanted state, or -1.
 * pre: start < len, 1 <= n <= len.
 */
int64_t
fbarray_scan_prev_n(const struct hm_fbarray *arr, uint32_t start, uint32_t n, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) &
		     (~0ULL >> (WORD_BITS - 1 - start % WORD_BITS));
	uint64_t run = 0, run_end = 0; /* wanted run starting at the next word's bit 0 */

	for (;;) {
		if (run != 0) {
			unsigned int high = count_high_ones(v);

			if (run + high >= n)
				return (int64_t)(run_end - n + 1);
			if (high == WORD_BITS) {
				run += WORD_BITS;
				goto next;
			}
			run = 0;
		}
		if (n <= WORD_BITS) {
			uint64_t f = fold_word(v, n);

			if (f != 0)
				return (int64_t)(w * WORD_BITS + WORD_BITS - 1 -
						 (size_t)__builtin_clzll(f));
		}
		run = count_low_ones(v);
		run_end = w * WORD_BITS + run - 1;
next:
		if (w == 0)
			return -1;
		v = load_word(bits, arr->len, --w, used);
	}
}

/* Length of the wanted run beginning at start (0 if start is not wanted). */
uint32_t
fbarray_measure_run(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t nw = count_words(arr->len), w = start / WORD_BITS;
	/* Set bits: unwanted elements, including every index >= len. */
	uint64_t v = ~load_word(bits, arr->len, w, used) & (~0ULL << (start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (uint32_t)(w * WORD_BITS + (size_t)__builtin_ctzll(v) - start);
		if (++w >= nw)
			return arr->len - start;
		v = ~load_word(bits, arr->len, w, used);
	}
}

/* Length of the wanted run ending at start (0 if start is not wanted). */
uint32_t
fbarray_measure_rev_run(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t w = start / WORD_BITS;
	uint64_t v = ~load_word(bits, arr->len, w, used) &
		     (~0ULL >> (WORD_BITS - 1 - start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (uint32_t)(start - (w * WORD_BITS + WORD_BITS - 1 -
						   (size_t)__builtin_clzll(v)));
		if (w == 0)
			return start + 1;
		v = ~load_word(bits, arr->len, --w, used);
	}
}

/* Start of the longest wanted run within [start, len); first one wins ties. */
int64_t
fbarray_scan_biggest(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	int64_t best = -1;
	uint32_t best_len = 0, pos = start;

	while (pos < arr->len && arr->len - pos > best_len) {
		int64_t s = fbarray_scan_next(arr, pos, used);
		uint32_t l;

		if (s < 0)
			break;
		l = fbarray_measure_run(arr, (uint32_t)s, used);
		HM_ASSERT(l > 0);
		if (l > best_len) {
			best = s;
			best_len = l;
		}
		pos = (uint32_t)s + l;
	}
	return best;
}

/* Lowest index of the longest wanted run within [0, start]; highest one wins ties. */
int64_t
fbarray_scan_rev_biggest(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	int64_t best = -1, pos = start;
	uint32_t best_len = 0;

	while (pos >= 0 && (uint64_t)pos + 1 > best_len) {
		int64_t e = fbarray_scan_prev(arr, (uint32_t)pos, used), s;
		uint32_t l;

		if (e < 0)
			break;
		l = fbarray_measure_rev_run(arr, (uint32_t)e, used);
		HM_ASSERT(l > 0);
		s = e - l + 1;
		if (l > best_len) {
			best = s;
			best_len = l;
		}
		pos = s - 1;
	}
	return best;
}
