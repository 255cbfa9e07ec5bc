/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fbarray's finders for the library's own scans (memseg walks, the
 * validators, page allocation): the same answers as the public
 * hm_fbarray_find_* under the same lock, but a miss (no element in the wanted
 * state: -ENOENT for used, -ENOSPC for free) is an answer, not a failure: it
 * records nothing in hm_errno or hm_last_error() and logs nothing. A scan that
 * runs to the end of a list, as every walk does, so leaves a caller's last
 * error alone. A start at or past the end is a miss too (nothing there), so a
 * loop may call with the index after the last one. A bad header or n is still
 * a failure and recorded (a caller's bug).
 *
 * The public finders (fbarray_find.c) are these plus the record of the miss.
 */
#ifndef HM_FBARRAY_QUIET_H
#define HM_FBARRAY_QUIET_H

#include <stdbool.h>

#include "hugemem/fbarray.h"

#include "common_i.h"

enum fbarray_find_op {
	FBARRAY_FIND_NEXT,	  /* lowest wanted index >= start */
	FBARRAY_FIND_PREV,	  /* highest wanted index <= start */
	FBARRAY_FIND_NEXT_N,	  /* lowest start of n wanted in a row, >= start */
	FBARRAY_FIND_PREV_N,	  /* highest start of n wanted in a row ending <= start */
	FBARRAY_FIND_CONTIG,	  /* length of the wanted run beginning at start */
	FBARRAY_FIND_REV_CONTIG,  /* length of the wanted run ending at start */
	FBARRAY_FIND_BIGGEST,	  /* start of the longest wanted run in [start, len) */
	FBARRAY_FIND_REV_BIGGEST, /* start of the longest wanted run in [0, start] */
};

/*
 * One finder; "wanted" is used when @p used, else free. @p n matters for the
 * _N ops only. Takes and releases the header's lock.
 * @return the index or length (>= 0); a miss: -ENOENT (used) / -ENOSPC (free),
 *   not recorded; -EINVAL (bad header or n, recorded) or the lock's error.
 */
HM_INTERNAL int fbarray_find_quiet(struct hm_fbarray *arr, enum fbarray_find_op op,
				   unsigned int start, unsigned int n, bool used);

static inline int
fbarray_next_used(struct hm_fbarray *arr, unsigned int start)
{
	return fbarray_find_quiet(arr, FBARRAY_FIND_NEXT, start, 1, true);
}

static inline int
fbarray_next_free(struct hm_fbarray *arr, unsigned int start)
{
	return fbarray_find_quiet(arr, FBARRAY_FIND_NEXT, start, 1, false);
}

static inline int
fbarray_next_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return fbarray_find_quiet(arr, FBARRAY_FIND_NEXT_N, start, n, false);
}

static inline int
fbarray_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return fbarray_find_quiet(arr, FBARRAY_FIND_CONTIG, start, 1, true);
}

static inline int
fbarray_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return fbarray_find_quiet(arr, FBARRAY_FIND_CONTIG, start, 1, false);
}

static inline int
fbarray_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return fbarray_find_quiet(arr, FBARRAY_FIND_BIGGEST, start, 1, false);
}

#endif /* HM_FBARRAY_QUIET_H */
