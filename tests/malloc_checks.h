/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Assertions the malloc tests share (test_malloc.c, test_malloc_cache.c,
 * test_malloc_cache_review.c, test_heap.c): warnings the library logged, the
 * heap validator, and heap stats read and compared. Include after helpers.h
 * (cmocka) and hugemem/hugemem.h.
 */
#ifndef HUGEMEM_TEST_MALLOC_CHECKS_H
#define HUGEMEM_TEST_MALLOC_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

/* Warnings (and worse) the library logged since log_start(): a test that
 * expects none calls assert_no_warnings(). The count is atomic: lcore threads
 * of a test may log too. */
static struct {
	int warnings;
	char last[512];
} logc;

static inline void
log_collect(enum hm_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level <= HM_LOG_WARNING) {
		__atomic_fetch_add(&logc.warnings, 1, __ATOMIC_RELAXED);
		snprintf(logc.last, sizeof(logc.last), "%s", msg);
	}
}

static inline void
log_start(void)
{
	memset(&logc, 0, sizeof(logc));
	hm_log_set_hook(log_collect, NULL);
}

static inline void
assert_no_warnings(void)
{
	int n = __atomic_load_n(&logc.warnings, __ATOMIC_RELAXED);

	if (n != 0)
		fail_msg("%d warning(s) logged, the last: %s", n, logc.last);
}

/* hm_malloc_check passes (the reason on failure). */
static inline void
assert_heaps_valid(void)
{
	const char *why = NULL;

	if (hm_malloc_check(&why) != 0)
		fail_msg("malloc check: %s (%s)", why != NULL ? why : "?", hm_last_error());
}

/* Stats of @p socket's heap, with the sums that always hold checked. */
static inline struct hm_malloc_socket_stats
stats_of(int socket)
{
	struct hm_malloc_socket_stats st;

	assert_int_equal(hm_malloc_get_socket_stats(socket, &st), 0);
	assert_int_equal(st.heap_freesz_bytes + st.heap_allocsz_bytes, st.heap_totalsz_bytes);
	assert_true(st.greatest_free_size <= st.heap_freesz_bytes);
	return st;
}

static inline void
stats_equal(const struct hm_malloc_socket_stats *a, const struct hm_malloc_socket_stats *b)
{
	assert_int_equal(a->heap_totalsz_bytes, b->heap_totalsz_bytes);
	assert_int_equal(a->heap_freesz_bytes, b->heap_freesz_bytes);
	assert_int_equal(a->greatest_free_size, b->greatest_free_size);
	assert_int_equal(a->free_count, b->free_count);
	assert_int_equal(a->alloc_count, b->alloc_count);
	assert_int_equal(a->heap_allocsz_bytes, b->heap_allocsz_bytes);
}

#endif
