/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the fbarray files share (fbarray.c: registry, lifecycle, elements,
 * check and dump; fbarray_scan.c: the unlocked word scans; fbarray_find.c: the
 * public finders): the header's flags, the mask's place in a mapping, header
 * validation, and the header's robust lock with its repair. The invariants and
 * the layout are described at the top of fbarray.c.
 */
#ifndef HM_FBARRAY_I_H
#define HM_FBARRAY_I_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hugemem/fbarray.h"

#include "common_i.h"
#include "robust_i.h"

/* hdr->flags */
#define HM_FBARRAY_F_ANON (1u << 0) /* anonymous private mapping, no file */

#define WORD_BITS 64

/* The geometry fields of an initialised header are sane (no mapping check). */
static inline bool
hdr_valid(const struct hm_fbarray *arr)
{
	return arr != NULL && arr->len != 0 && arr->len <= INT_MAX && arr->elt_sz != 0 &&
	       arr->data != NULL;
}

static inline int
fail_hdr(const struct hm_fbarray *arr, const char *fn)
{
	if (arr == NULL)
		return hm_fail(EINVAL, "%s: NULL fbarray", fn);
	return hm_fail(EINVAL, "%s: fbarray %p is not initialised (len %u, elt_sz %u, data %p)",
		       fn, (const void *)arr, arr->len, arr->elt_sz, arr->data);
}

static inline uint64_t *
get_bits(const struct hm_fbarray *arr)
{
	size_t off = HM_ALIGN_CEIL((size_t)arr->len * arr->elt_sz, (size_t)8);

	return (uint64_t *)(void *)((char *)arr->data + off + 8); /* 8-aligned */
}

static inline uint64_t *
get_n_masks(const struct hm_fbarray *arr)
{
	return get_bits(arr) - 1;
}

static inline size_t
count_words(uint32_t len)
{
	return ((size_t)len + WORD_BITS - 1) / WORD_BITS;
}

/* A holder died inside a critical section: count may be one off the mask. */
static inline int
fb_repair(void *arg, const char **why)
{
	struct hm_fbarray *arr = arg;
	uint64_t *bits = get_bits(arr), pop = 0;
	size_t nw = count_words(arr->len);

	if (*get_n_masks(arr) != nw) {
		*why = "n_masks != ceil(len / 64)";
		return -EFAULT;
	}
	if (arr->len % WORD_BITS != 0)
		bits[nw - 1] &= (1ULL << (arr->len % WORD_BITS)) - 1;
	for (size_t w = 0; w < nw; w++)
		pop += (uint64_t)__builtin_popcountll(bits[w]);
	arr->count = (uint32_t)pop;
	return 0;
}

static inline int
fb_lock(struct hm_fbarray *arr)
{
	struct robust_recover rec = { "an fbarray", fb_repair, arr };

	return robust_write_lock(&arr->rwlock, ROBUST_NO_READERS, &rec);
}

static inline void
fb_unlock(struct hm_fbarray *arr)
{
	robust_write_unlock(&arr->rwlock);
}

/*
 * The unlocked scans (fbarray_scan.c). pre: the header's lock held, start < len;
 * for the _n scans 1 <= n <= len. "Wanted": used when @p used, else free.
 */
/* Lowest index >= start in the wanted state, or -1. */
HM_INTERNAL int64_t fbarray_scan_next(const struct hm_fbarray *arr, uint32_t start, bool used);
/* Highest index <= start in the wanted state, or -1. */
HM_INTERNAL int64_t fbarray_scan_prev(const struct hm_fbarray *arr, uint32_t start, bool used);
/* Lowest r >= start with [r, r+n) all in the wanted state, or -1. */
HM_INTERNAL int64_t fbarray_scan_next_n(const struct hm_fbarray *arr, uint32_t start, uint32_t n,
					bool used);
/* Highest r with r + n - 1 <= start and [r, r+n) all in the wanted state, or -1. */
HM_INTERNAL int64_t fbarray_scan_prev_n(const struct hm_fbarray *arr, uint32_t start, uint32_t n,
					bool used);
/* Length of the wanted run beginning at start (0 if start is not wanted). */
HM_INTERNAL uint32_t fbarray_measure_run(const struct hm_fbarray *arr, uint32_t start, bool used);
/* Length of the wanted run ending at start (0 if start is not wanted). */
HM_INTERNAL uint32_t fbarray_measure_rev_run(const struct hm_fbarray *arr, uint32_t start,
					     bool used);
/* Start of the longest wanted run within [start, len); first one wins ties. */
HM_INTERNAL int64_t fbarray_scan_biggest(const struct hm_fbarray *arr, uint32_t start, bool used);
/* Lowest index of the longest wanted run within [0, start]; highest one wins ties. */
HM_INTERNAL int64_t fbarray_scan_rev_biggest(const struct hm_fbarray *arr, uint32_t start,
					     bool used);

#endif /* HM_FBARRAY_I_H */
