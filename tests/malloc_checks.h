/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Assertions the malloc tests share (test_malloc.c, test_malloc_cache.c,
 * test_malloc_cache_review.c, test_heap.c): warnings the library logged, the
 * heap validator, heap stats read and compared, and a new block checked and
 * recorded in a shadow map. Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_MALLOC_CHECKS_H
#define HUGEMEM_TEST_MALLOC_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "shadow_model.h"
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
	assert_true(st.cached_bytes <= st.heap_freesz_bytes && st.cached_count <= st.free_count);
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
	assert_int_equal(a->cached_bytes, b->cached_bytes);
	assert_int_equal(a->cached_count, b->cached_count);
}

/* Node of the page under @p p. */
static inline int
node_of(const void *p)
{
	const struct hm_memseg *ms = hm_mem_virt2memseg(p, NULL);

	assert_non_null(ms);
	return ms->socket_id;
}

/*
 * A block hm_malloc & co just returned, checked (aligned to max(@p align, 64),
 * live with at least @p size usable bytes, on @p node unless that is -1, zero
 * when @p zeroed), then filled with a random byte and recorded in @p s.
 */
static inline void
shadow_add_new(struct shadow *s, uint64_t *rs, char *p, size_t size, unsigned int align,
	       int node, bool zeroed, bool big)
{
	struct blk b = { .p = p, .size = size, .big = big };

	assert_int_equal((uintptr_t)p % (align > 64 ? align : 64), 0);
	assert_int_equal(hm_malloc_validate(p, &b.usable), 0);
	assert_true(b.usable >= size);
	if (node >= 0 && node_of(p) != node)
		fail_msg("block %p asked on node %d is on node %d", (void *)p, node, node_of(p));
	if (zeroed && !all_bytes(p, size, 0))
		fail_msg("zeroed block %p (%zu bytes) holds non-zero bytes", (void *)p, size);
	b.fill = (uint8_t)(1 + hm_test_rand(rs) % 255);
	memset(p, b.fill, size);
	shadow_insert(s, &b);
}

#endif
