/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fbarray's finders: validate, take the header's lock once, answer from the
 * count when the whole array is in one state, else scan (fbarray_scan.c). The
 * public ones (hm_fbarray_find_*) record a miss as a failure; the library's own
 * scans use fbarray_find_quiet (fbarray_quiet.h), which does not.
 */
#include "fbarray_i.h"
#include "fbarray_quiet.h"

/* ---- finders ---- */

static const char *const op_names[] = {
	[FBARRAY_FIND_NEXT] = "find_next",
	[FBARRAY_FIND_PREV] = "find_prev",
	[FBARRAY_FIND_NEXT_N] = "find_next_n",
	[FBARRAY_FIND_PREV_N] = "find_prev_n",
	[FBARRAY_FIND_CONTIG] = "find_contig",
	[FBARRAY_FIND_REV_CONTIG] = "find_rev_contig",
	[FBARRAY_FIND_BIGGEST] = "find_biggest",
	[FBARRAY_FIND_REV_BIGGEST] = "find_rev_biggest",
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
try_shortcut(const struct hm_fbarray *arr, enum fbarray_find_op op, uint32_t start, uint32_t n,
	     bool used)
{
	uint32_t wanted = used ? arr->count : arr->len - arr->count;

	if (wanted == 0) /* nothing in the wanted state */
		return op == FBARRAY_FIND_CONTIG || op == FBARRAY_FIND_REV_CONTIG ? 0 : miss(used);
	if (wanted != arr->len)
		return -1;
	switch (op) { /* everything in the wanted state */
	case FBARRAY_FIND_NEXT:
	case FBARRAY_FIND_PREV:
	case FBARRAY_FIND_NEXT_N:
	case FBARRAY_FIND_BIGGEST:
		return start;
	case FBARRAY_FIND_PREV_N:
		return start - n + 1;
	case FBARRAY_FIND_CONTIG:
		return arr->len - start;
	case FBARRAY_FIND_REV_CONTIG:
		return (int64_t)start + 1;
	case FBARRAY_FIND_REV_BIGGEST:
		return 0;
	}
	return -1;
}

/* The finder; @p record: a miss is a failure (the public finders) or only an
 * answer (fbarray_find_quiet, where a start at or past the end is a miss). */
static int
find(struct hm_fbarray *arr, enum fbarray_find_op op, unsigned int start, unsigned int n, bool used,
     bool record)
{
	int64_t r;

	if (!hdr_valid(arr))
		return fail_hdr(arr, op_names[op]);
	if (start >= arr->len && !record)
		return miss(used);
	if (start >= arr->len)
		return hm_fail(EINVAL, "fbarray %s '%.63s': start %u >= len %u", op_names[op],
			       arr->name, start, arr->len);
	if (op == FBARRAY_FIND_NEXT_N || op == FBARRAY_FIND_PREV_N) {
		if (n == 0 || n > arr->len)
			return hm_fail(EINVAL, "fbarray %s '%.63s': n %u is not in [1, len %u]",
				       op_names[op], arr->name, n, arr->len);
		/* No room for a run of n after (before) start. */
		if ((op == FBARRAY_FIND_NEXT_N && arr->len - start < n) ||
		    (op == FBARRAY_FIND_PREV_N && start < n - 1))
			goto not_found;
	}

	r = fb_lock(arr);
	if (r < 0)
		return (int)r;
	r = try_shortcut(arr, op, start, n, used);
	if (r == -1) {
		switch (op) {
		case FBARRAY_FIND_NEXT:
			r = fbarray_scan_next(arr, start, used);
			break;
		case FBARRAY_FIND_PREV:
			r = fbarray_scan_prev(arr, start, used);
			break;
		case FBARRAY_FIND_NEXT_N:
			r = fbarray_scan_next_n(arr, start, n, used);
			break;
		case FBARRAY_FIND_PREV_N:
			r = fbarray_scan_prev_n(arr, start, n, used);
			break;
		case FBARRAY_FIND_CONTIG:
			r = fbarray_measure_run(arr, start, used);
			break;
		case FBARRAY_FIND_REV_CONTIG:
			r = fbarray_measure_rev_run(arr, start, used);
			break;
		case FBARRAY_FIND_BIGGEST:
			r = fbarray_scan_biggest(arr, start, used);
			break;
		case FBARRAY_FIND_REV_BIGGEST:
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
	if (!record)
		return miss(used);
	return hm_fail(used ? ENOENT : ENOSPC, "fbarray %s '%.63s': no %s element%s from %u",
		       op_names[op], arr->name, used ? "used" : "free",
		       op == FBARRAY_FIND_NEXT_N || op == FBARRAY_FIND_PREV_N ? " run" : "", start);
}

int
fbarray_find_quiet(struct hm_fbarray *arr, enum fbarray_find_op op, unsigned int start,
		   unsigned int n, bool used)
{
	return find(arr, op, start, n, used, false);
}

int
hm_fbarray_find_next_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_NEXT, start, 1, false, true);
}

int
hm_fbarray_find_next_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_NEXT, start, 1, true, true);
}

int
hm_fbarray_find_prev_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_PREV, start, 1, false, true);
}

int
hm_fbarray_find_prev_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_PREV, start, 1, true, true);
}

int
hm_fbarray_find_next_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FBARRAY_FIND_NEXT_N, start, n, false, true);
}

int
hm_fbarray_find_next_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FBARRAY_FIND_NEXT_N, start, n, true, true);
}

int
hm_fbarray_find_prev_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FBARRAY_FIND_PREV_N, start, n, false, true);
}

int
hm_fbarray_find_prev_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FBARRAY_FIND_PREV_N, start, n, true, true);
}

int
hm_fbarray_find_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_CONTIG, start, 1, false, true);
}

int
hm_fbarray_find_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_CONTIG, start, 1, true, true);
}

int
hm_fbarray_find_rev_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_REV_CONTIG, start, 1, false, true);
}

int
hm_fbarray_find_rev_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_REV_CONTIG, start, 1, true, true);
}

int
hm_fbarray_find_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_BIGGEST, start, 1, false, true);
}

int
hm_fbarray_find_biggest_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_BIGGEST, start, 1, true, true);
}

int
hm_fbarray_find_rev_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_REV_BIGGEST, start, 1, false, true);
}

int
hm_fbarray_find_rev_biggest_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FBARRAY_FIND_REV_BIGGEST, start, 1, true, true);
}
