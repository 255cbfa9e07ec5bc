/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fbarray's public finders (hm_fbarray_find_*): validate, take the header's
 * lock once, answer from the count when the whole array is in one state, else
 * scan (fbarray_scan.c).
 */
#include "fbarray_i.h"

/* ---- finders ---- */

enum find_op {
	FIND_NEXT,
	FIND_PREV,
	FIND_NEXT_N,
	FIND_PREV_N,
	FIND_CONTIG,
	FIND_REV_CONTIG,
	FIND_BIGGEST,
	FIND_REV_BIGGEST,
};

static const char *const op_names[] = {
	[FIND_NEXT] = "find_next",
	[FIND_PREV] = "find_prev",
	[FIND_NEXT_N] = "find_next_n",
	[FIND_PREV_N] = "find_prev_n",
	[FIND_CONTIG] = "find_contig",
	[FIND_REV_CONTIG] = "find_rev_contig",
	[FIND_BIGGEST] = "find_biggest",
	[FIND_REV_BIGGEST] = "find_rev_biggest",
};

/* The miss code: -ENOENT for used elements, -ENOSPC for free ones. */
static inline int
miss(bool used)
{
	return used ? -ENOENT : -ENOSPC;
}

/*
 * Answer from the count alone when the array is entirely in one state, or -1
 * when the bitmap must be scanned. pre: read lock held, arguments validated.
 */
static int64_t
try_shortcut(const struct hm_fbarray *arr, enum find_op op, uint32_t start, uint32_t n,
	     bool used)
{
	uint32_t wanted = used ? arr->count : arr->len - arr->count;

	if (wanted == 0) /* nothing in the wanted state */
		return op == FIND_CONTIG || op == FIND_REV_CONTIG ? 0 : miss(used);
	if (wanted != arr->len)
		return -1;
	switch (op) { /* everything in the wanted state */
	case FIND_NEXT:
	case FIND_PREV:
	case FIND_NEXT_N:
	case FIND_BIGGEST:
		return start;
	case FIND_PREV_N:
		return start - n + 1;
	case FIND_CONTIG:
		return arr->len - start;
	case FIND_REV_CONTIG:
		return (int64_t)start + 1;
	case FIND_REV_BIGGEST:
		return 0;
	}
	return -1;
}

static int
find(struct hm_fbarray *arr, enum find_op op, unsigned int start, unsigned int n, bool used)
{
	int64_t r;

	if (!hdr_valid(arr))
		return fail_hdr(arr, op_names[op]);
	if (start >= arr->len)
		return hm_fail(EINVAL, "fbarray %s '%.63s': start %u >= len %u", op_names[op],
			       arr->name, start, arr->len);
	if (op == FIND_NEXT_N || op == FIND_PREV_N) {
		if (n == 0 || n > arr->len)
			return hm_fail(EINVAL, "fbarray %s '%.63s': n %u is not in [1, len %u]",
				       op_names[op], arr->name, n, arr->len);
		/* No room for a run of n after (before) start. */
		if ((op == FIND_NEXT_N && arr->len - start < n) ||
		    (op == FIND_PREV_N && start < n - 1))
			goto not_found;
	}

	r = fb_lock(arr);
	if (r < 0)
		return (int)r;
	r = try_shortcut(arr, op, start, n, used);
	if (r == -1) {
		switch (op) {
		case FIND_NEXT:
			r = fbarray_scan_next(arr, start, used);
			break;
		case FIND_PREV:
			r = fbarray_scan_prev(arr, start, used);
			break;
		case FIND_NEXT_N:
			r = fbarray_scan_next_n(arr, start, n, used);
			break;
		case FIND_PREV_N:
			r = fbarray_scan_prev_n(arr, start, n, used);
			break;
		case FIND_CONTIG:
			r = fbarray_measure_run(arr, start, used);
			break;
		case FIND_REV_CONTIG:
			r = fbarray_measure_rev_run(arr, start, used);
			break;
		case FIND_BIGGEST:
			r = fbarray_scan_biggest(arr, start, used);
			break;
		case FIND_REV_BIGGEST:
			r = fbarray_scan_rev_biggest(arr, start, used);
			break;
		}
		if (r == -1)
			r = miss(used);
	}
	fb_unlock(arr);
	if (r >= 0) {
		HM_ASSERT(r <= arr->len);
		return (int)r;
	}
not_found:
	return hm_fail(used ? ENOENT : ENOSPC, "fbarray %s '%.63s': no %s element%s from %u",
		       op_names[op], arr->name, used ? "used" : "free",
		       op == FIND_NEXT_N || op == FIND_PREV_N ? " run" : "", start);
}

int
hm_fbarray_find_next_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_NEXT, start, 1, false);
}

int
hm_fbarray_find_next_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_NEXT, start, 1, true);
}

int
hm_fbarray_find_prev_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_PREV, start, 1, false);
}

int
hm_fbarray_find_prev_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_PREV, start, 1, true);
}

int
hm_fbarray_find_next_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_NEXT_N, start, n, false);
}

int
hm_fbarray_find_next_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_NEXT_N, start, n, true);
}

int
hm_fbarray_find_prev_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_PREV_N, start, n, false);
}

int
hm_fbarray_find_prev_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_PREV_N, start, n, true);
}

int
hm_fbarray_find_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 1, false);
}

int
hm_fbarray_find_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 1, true);
}

int
hm_fbarray_find_rev_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_CONTIG, start, 1, false);
}

int
hm_fbarray_find_rev_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_CONTIG, start, 1, true);
}

int
hm_fbarray_find_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 1, false);
}

int
hm_fbarray_find_biggest_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 1, true);
}

int
hm_fbarray_find_rev_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_BIGGEST, start, 1, false);
}

int
hm_fbarray_find_rev_biggest_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_BIGGEST, start, 1, true);
}
