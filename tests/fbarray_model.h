/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fbarray reference model: one bool per element and linear scans, plus the
 * table of finders to compare against it. Shared by tests/test_fbarray.c and
 * fuzz/fuzz_fbarray.c (header-only: every function is static).
 */
#ifndef HM_FBARRAY_MODEL_H
#define HM_FBARRAY_MODEL_H

#include <errno.h>
#include <stdbool.h>

#include "hugemem/fbarray.h"

#define MISS(used) ((used) ? -ENOENT : -ENOSPC)

/* ---- finder tables, shared by the validation and property tests ---- */

enum query {
	Q_NEXT,
	Q_PREV,
	Q_CONTIG,
	Q_REV_CONTIG,
	Q_BIGGEST,
	Q_REV_BIGGEST,
	Q_NEXT_N,
	Q_PREV_N,
};

typedef int (*find1_fn)(struct hm_fbarray *, unsigned int);
typedef int (*findn_fn)(struct hm_fbarray *, unsigned int, unsigned int);

static const struct {
	const char *name;
	find1_fn fn;
	enum query q;
	bool used;
} finders1[] = {
	{ "find_next_free", hm_fbarray_find_next_free, Q_NEXT, false },
	{ "find_next_used", hm_fbarray_find_next_used, Q_NEXT, true },
	{ "find_prev_free", hm_fbarray_find_prev_free, Q_PREV, false },
	{ "find_prev_used", hm_fbarray_find_prev_used, Q_PREV, true },
	{ "find_contig_free", hm_fbarray_find_contig_free, Q_CONTIG, false },
	{ "find_contig_used", hm_fbarray_find_contig_used, Q_CONTIG, true },
	{ "find_rev_contig_free", hm_fbarray_find_rev_contig_free, Q_REV_CONTIG, false },
	{ "find_rev_contig_used", hm_fbarray_find_rev_contig_used, Q_REV_CONTIG, true },
	{ "find_biggest_free", hm_fbarray_find_biggest_free, Q_BIGGEST, false },
	{ "find_biggest_used", hm_fbarray_find_biggest_used, Q_BIGGEST, true },
	{ "find_rev_biggest_free", hm_fbarray_find_rev_biggest_free, Q_REV_BIGGEST, false },
	{ "find_rev_biggest_used", hm_fbarray_find_rev_biggest_used, Q_REV_BIGGEST, true },
};

static const struct {
	const char *name;
	findn_fn fn;
	enum query q;
	bool used;
} findersn[] = {
	{ "find_next_n_free", hm_fbarray_find_next_n_free, Q_NEXT_N, false },
	{ "find_next_n_used", hm_fbarray_find_next_n_used, Q_NEXT_N, true },
	{ "find_prev_n_free", hm_fbarray_find_prev_n_free, Q_PREV_N, false },
	{ "find_prev_n_used", hm_fbarray_find_prev_n_used, Q_PREV_N, true },
};

#define N_FINDERS1 (sizeof(finders1) / sizeof(finders1[0]))
#define N_FINDERSN (sizeof(findersn) / sizeof(findersn[0]))

/* ---- the naive model: one bool per element, linear scans ---- */

static inline int
naive_next(const bool *m, unsigned int len, unsigned int start, bool used)
{
	for (unsigned int i = start; i < len; i++)
		if (m[i] == used)
			return (int)i;
	return MISS(used);
}

static inline int
naive_prev(const bool *m, unsigned int start, bool used)
{
	for (unsigned int i = start + 1; i-- > 0;)
		if (m[i] == used)
			return (int)i;
	return MISS(used);
}

static inline int
naive_next_n(const bool *m, unsigned int len, unsigned int start, unsigned int n, bool used)
{
	unsigned int run = 0;

	for (unsigned int i = start; i < len; i++) {
		run = m[i] == used ? run + 1 : 0;
		if (run == n)
			return (int)(i - n + 1);
	}
	return MISS(used);
}

static inline int
naive_prev_n(const bool *m, unsigned int start, unsigned int n, bool used)
{
	unsigned int run = 0;

	for (unsigned int i = start + 1; i-- > 0;) {
		run = m[i] == used ? run + 1 : 0;
		if (run == n)
			return (int)i;
	}
	return MISS(used);
}

static inline int
naive_contig(const bool *m, unsigned int len, unsigned int start, bool used)
{
	unsigned int n = 0;

	while (start + n < len && m[start + n] == used)
		n++;
	return (int)n;
}

static inline int
naive_rev_contig(const bool *m, unsigned int start, bool used)
{
	unsigned int n = 0;

	while (n <= start && m[start - n] == used)
		n++;
	return (int)n;
}

static inline int
naive_biggest(const bool *m, unsigned int len, unsigned int start, bool used)
{
	int best = -1;
	unsigned int best_len = 0, i = start;

	while (i < len) {
		unsigned int s = i;

		if (m[i] != used) {
			i++;
			continue;
		}
		while (i < len && m[i] == used)
			i++;
		if (i - s > best_len) {
			best = (int)s;
			best_len = i - s;
		}
	}
	return best >= 0 ? best : MISS(used);
}

static inline int
naive_rev_biggest(const bool *m, unsigned int start, bool used)
{
	int best = -1;
	unsigned int best_len = 0, i = start + 1; /* elements [0, i) left to scan */

	while (i > 0) {
		unsigned int e = i;

		if (m[i - 1] != used) {
			i--;
			continue;
		}
		while (i > 0 && m[i - 1] == used)
			i--;
		if (e - i > best_len) {
			best = (int)i;
			best_len = e - i;
		}
	}
	return best >= 0 ? best : MISS(used);
}

static inline int
naive_find(const bool *m, unsigned int len, enum query q, unsigned int start, unsigned int n,
	   bool used)
{
	if (start >= len)
		return -EINVAL;
	switch (q) {
	case Q_NEXT:
		return naive_next(m, len, start, used);
	case Q_PREV:
		return naive_prev(m, start, used);
	case Q_CONTIG:
		return naive_contig(m, len, start, used);
	case Q_REV_CONTIG:
		return naive_rev_contig(m, start, used);
	case Q_BIGGEST:
		return naive_biggest(m, len, start, used);
	case Q_REV_BIGGEST:
		return naive_rev_biggest(m, start, used);
	case Q_NEXT_N:
		if (n == 0 || n > len)
			return -EINVAL;
		return naive_next_n(m, len, start, n, used);
	case Q_PREV_N:
		if (n == 0 || n > len)
			return -EINVAL;
		return naive_prev_n(m, start, n, used);
	}
	return -EINVAL;
}

#endif
