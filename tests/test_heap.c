/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stand-alone buffer heaps (hm_heap_*): no hm_init, no backend. Argument checks,
 * a randomised model test against a shadow map of live blocks (sizes, alignments,
 * bounds; hm_heap_check after every operation), exhaustion, full coalescing and
 * realloc in place / moved. Buffer heaps do not promise zeroed memory, so nothing
 * here expects zeros.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_i.h" /* HM_DEBUG: the overrun guard exists in debug builds only */
#include "helpers.h"
#include "malloc_checks.h"
#include "shadow_model.h"
#include "hugemem/malloc.h"

#define KB 1024ULL
#define MB (1024ULL * 1024)
/* Debug builds keep 64 bytes after each block for the overrun guard. */
#define TRAILER (HM_DEBUG >= 1 ? 64 : 0)

static void *
buf_new(size_t len)
{
	void *p = aligned_alloc(4096, len);
	assert_non_null(p);
	memset(p, 0xa5, len); /* the heap must not rely on the buffer's content */
	return p;
}

static void
assert_heap_ok(struct hm_heap *h)
{
	const char *why = NULL;

	if (hm_heap_check(h, &why) != 0)
		fail_msg("hm_heap_check: %s", why != NULL ? why : "?");
}

static void
stats_sane(const struct hm_malloc_socket_stats *s)
{
	assert_int_equal(s->heap_freesz_bytes + s->heap_allocsz_bytes, s->heap_totalsz_bytes);
	assert_true(s->greatest_free_size <= s->heap_freesz_bytes);
	/* buffer heaps have no lcore caches */
	assert_int_equal(s->cached_bytes, 0);
	assert_int_equal(s->cached_count, 0);
	assert_true((s->free_count == 0) == (s->heap_freesz_bytes == 0));
}

/* ------------------------------------------------------------------ */

static void
test_heap_invalid_args(void **state)
{
	struct hm_malloc_socket_stats st, st2;
	char name[HM_MALLOC_HEAP_NAME_LEN + 1];
	uint64_t stack_var = 0;
	size_t len = 1 * MB, sz, min_len;
	char *buf = buf_new(len), *buf2 = buf_new(len);
	struct hm_heap *h, *h2;
	void *libc = malloc(256);
	(void)state;

	hm_test_quiet_log();
	/* init */
	hm_errno = 0;
	assert_null(hm_heap_init(NULL, len, "h"));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_init(buf, len, NULL));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_init(buf + 8, len - 8, "h"));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_init(buf + 32, len - 64, "h"));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_init(buf, 0, "h"));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_init(buf, 64, "h"));
	assert_int_equal(hm_errno, EINVAL);
	memset(name, 'n', sizeof(name));
	name[HM_MALLOC_HEAP_NAME_LEN] = '\0'; /* 32 characters: one too many */
	hm_errno = 0;
	assert_null(hm_heap_init(buf, len, name));
	assert_int_equal(hm_errno, EINVAL);
	name[HM_MALLOC_HEAP_NAME_LEN - 1] = '\0'; /* 31: fits */
	h = hm_heap_init(buf, len, name);
	assert_non_null(h);
	hm_heap_fini(h);

	/* "too small": the smallest length that works holds one allocation; 64 less fails */
	for (min_len = 64; min_len < len; min_len += 64)
		if (hm_heap_init(buf, min_len, "small") != NULL)
			break;
	assert_true(min_len < 64 * KB);
	h = (struct hm_heap *)buf;
	assert_non_null(hm_heap_alloc(h, "t", 1, 0, 0));
	assert_null(hm_heap_alloc(h, "t", 1, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_heap_ok(h);
	hm_heap_fini(h);
	assert_null(hm_heap_init(buf, min_len - 1, "small"));
	assert_int_equal(hm_errno, EINVAL);

	/* NULL heap and things that are not heaps */
	hm_errno = 0;
	assert_null(hm_heap_alloc(NULL, "t", 64, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_realloc(NULL, NULL, 64, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_heap_free(NULL, buf), -EINVAL);
	assert_int_equal(hm_heap_free(NULL, NULL), 0); /* freeing NULL is a no-op */
	assert_int_equal(hm_heap_usable(NULL, buf, &sz), -EINVAL);
	assert_int_equal(hm_heap_stats(NULL, &st), -EINVAL);
	assert_int_equal(hm_heap_check(NULL, NULL), -EINVAL);
	hm_heap_dump(NULL, stderr);
	hm_heap_fini(NULL);
	memset(buf, 0, len); /* zeroed memory is not a heap */
	assert_null(hm_heap_alloc((struct hm_heap *)buf, "t", 64, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_heap_check((struct hm_heap *)buf, NULL), -EINVAL);

	h = hm_heap_init(buf, len, "one");
	h2 = hm_heap_init(buf2, len, "two");
	assert_non_null(h);
	assert_non_null(h2);
	assert_int_equal(hm_heap_stats(h, NULL), -EINVAL);
	hm_heap_dump(h, NULL);
	/* allocation arguments */
	hm_errno = 0;
	assert_null(hm_heap_alloc(h, "t", 0, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heap_alloc(h, "t", SIZE_MAX, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_null(hm_heap_alloc(h, "t", 1ULL << 47, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_null(hm_heap_alloc(h, "t", 2 * MB, 0, 0)); /* more than the buffer */
	assert_int_equal(hm_errno, ENOMEM);
	assert_null(hm_heap_alloc(h, "t", 64, 3, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heap_alloc(h, "t", 64, 48, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heap_alloc(h, "t", 64, 0, 3));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heap_alloc(h, "t", 256, 0, 128)); /* bound smaller than the size */
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heap_alloc(h, "t", 200, 0, 192)); /* bound not a power of two */
	assert_int_equal(hm_errno, EINVAL);
	assert_heap_ok(h);
	assert_int_equal(hm_heap_stats(h, &st), 0);
	stats_sane(&st);
	assert_int_equal(st.alloc_count, 0);
	assert_int_equal(st.free_count, 1);

	char *p = hm_heap_alloc(h, "t", 1000, 0, 0);
	char *q = hm_heap_alloc(h, "t", 1000, 0, 0);
	char *r = hm_heap_alloc(h, "t", 1000, 0, 0);
	char *o = hm_heap_alloc(h2, "t", 1000, 0, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(r);
	assert_non_null(o);
	memset(p, 0x5a, 1000);
	memset(q, 0x5b, 1000);
	memset(r, 0x5c, 1000);
	memset(o, 0x5d, 1000);
	assert_int_equal(hm_heap_stats(h, &st), 0);

	/* pointers this heap did not hand out: EINVAL, and the heap is unchanged */
	void *bad[] = { &stack_var, libc, p + 64, p + 8, p + 1, p - 64, buf, buf + 64, o,
			buf + len - 64, buf + len, (void *)(uintptr_t)16 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hm_heap_free(h, bad[i]), -EINVAL);
		assert_int_equal(hm_heap_usable(h, bad[i], &sz), -EINVAL);
		hm_errno = 0;
		assert_null(hm_heap_realloc(h, bad[i], 64, 0));
		assert_int_equal(hm_errno, EINVAL);
	}
	assert_int_equal(hm_heap_stats(h, &st2), 0);
	stats_equal(&st, &st2);
	assert_heap_ok(h);
	/* a block of h2 is not h's, and vice versa */
	assert_int_equal(hm_heap_free(h2, p), -EINVAL);
	assert_int_equal(hm_heap_usable(h2, p, NULL), -EINVAL);

	/* double free: q stays its own FREE element (both neighbours are busy) */
	assert_int_equal(hm_heap_free(h, q), 0);
	assert_int_equal(hm_heap_stats(h, &st), 0);
	assert_int_equal(hm_heap_free(h, q), -EINVAL);
	assert_int_equal(hm_heap_usable(h, q, &sz), -EINVAL);
	assert_int_equal(hm_heap_free(h, q + 128), -EINVAL); /* into a free block */
	assert_int_equal(hm_heap_stats(h, &st2), 0);
	stats_equal(&st, &st2);
	/* r joins q's free element: q's header is gone now */
	assert_int_equal(hm_heap_free(h, r), 0);
	assert_int_equal(hm_heap_stats(h, &st), 0);
	assert_int_equal(hm_heap_free(h, q), -EINVAL);
	assert_int_equal(hm_heap_free(h, r), -EINVAL);
	assert_int_equal(hm_heap_stats(h, &st2), 0);
	stats_equal(&st, &st2);
	assert_heap_ok(h);

	/* realloc size 0: EINVAL, block intact */
	hm_errno = 0;
	assert_null(hm_heap_realloc(h, p, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_heap_realloc(h, p, 64, 3));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heap_realloc(h, p, 4 * MB, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_true(all_bytes(p, 1000, 0x5a));
	assert_int_equal(hm_heap_usable(h, p, &sz), 0);
	assert_true(sz >= 1000);
	assert_int_equal(hm_heap_usable(h, p, NULL), 0);

	/* overrun guard (debug builds): free and usable refuse, the block stays */
	if (HM_DEBUG >= 1) {
		char *g = hm_heap_alloc(h, "guardtag", 100, 0, 0);
		assert_non_null(g);
		char saved = g[100];
		assert_int_equal(hm_heap_stats(h, &st), 0);
		g[100] ^= 0x55;
		assert_int_equal(hm_heap_free(h, g), -EFAULT);
		assert_non_null(strstr(hm_last_error(), "guardtag"));
		assert_int_equal(hm_heap_usable(h, g, &sz), -EFAULT);
		assert_int_equal(hm_heap_stats(h, &st2), 0);
		stats_equal(&st, &st2);
		g[100] = saved;
		assert_int_equal(hm_heap_free(h, g), 0);
	}
	assert_int_equal(hm_heap_free(h, p), 0);
	assert_int_equal(hm_heap_free(h, NULL), 0);
	assert_int_equal(hm_heap_free(h2, o), 0);
	assert_heap_ok(h);
	assert_heap_ok(h2);

	/* after fini the buffer is no heap any more */
	hm_heap_fini(h);
	assert_null(hm_heap_alloc(h, "t", 64, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_heap_check(h, NULL), -EINVAL);
	hm_heap_fini(h2);
	free(libc);
	free(buf);
	free(buf2);
}

/* ------------------------------------------------------------------ model */

static size_t
rand_size(uint64_t *rs)
{
	uint64_t r = hm_test_rand(rs) % 100;

	if (r < 60)
		return 1 + hm_test_rand(rs) % 1024;
	if (r < 95)
		return 1 + hm_test_rand(rs) % (16 * KB);
	return 1 + hm_test_rand(rs) % (64 * KB);
}

static size_t
rand_align(uint64_t *rs)
{
	if (hm_test_rand(rs) % 2 == 0)
		return 0;
	return 64u << (hm_test_rand(rs) % 7); /* 64 .. 4 KiB */
}

/* A bound that make_req accepts: a power of two >= the size rounded up to 64. */
static size_t
rand_bound(uint64_t *rs, size_t size)
{
	size_t b = 64;

	if (hm_test_rand(rs) % 4 != 0)
		return 0;
	while (b < size)
		b <<= 1;
	return b << (hm_test_rand(rs) % 3);
}

static void
new_block(struct hm_heap *h, struct shadow *s, char *p, size_t size, size_t align, size_t bound,
	  uint64_t *rs)
{
	struct blk b = { .p = p, .size = size, .align = align, .bound = bound };

	assert_int_equal(hm_heap_usable(h, p, &b.usable), 0);
	assert_true(b.usable >= size);
	assert_int_equal((uintptr_t)p % (align != 0 ? align : 64), 0);
	if (bound != 0 && (uintptr_t)p / bound != ((uintptr_t)p + size - 1) / bound)
		fail_msg("block %p (+%zu) crosses a multiple of its bound %zu", (void *)p, size,
			 bound);
	b.fill = (uint8_t)(1 + hm_test_rand(rs) % 255);
	memset(p, b.fill, size);
	shadow_insert(s, &b);
}

static void
test_heap_model(void **state)
{
	const size_t len = 4 * MB; /* the live set outgrows it at times: ENOMEM paths */
	const unsigned int n_ops = hm_test_model_ops(100000);
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "model");
	struct hm_malloc_socket_stats st0, st, st2;
	struct shadow s = { 0 };
	uint64_t rs = hm_test_seed();
	unsigned int n_alloc = 0, n_nomem = 0, n_realloc = 0, n_in_place = 0, n_free = 0;
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	assert_int_equal(hm_heap_stats(h, &st0), 0);
	for (unsigned int op = 0; op < n_ops; op++) {
		uint64_t r = hm_test_rand(&rs) % 100;

		if (s.n > 700)
			r = 99; /* keep the live set bounded: free */
		if (r < 45 || s.n == 0) {
			size_t size = rand_size(&rs), align = rand_align(&rs);
			size_t bound = rand_bound(&rs, size);
			assert_int_equal(hm_heap_stats(h, &st), 0);
			char *p = hm_heap_alloc(h, "model", size, align, bound);
			if (p == NULL) {
				assert_int_equal(hm_errno, ENOMEM);
				assert_int_equal(hm_heap_stats(h, &st2), 0);
				stats_equal(&st, &st2);
				n_nomem++;
			} else {
				new_block(h, &s, p, size, align, bound, &rs);
				n_alloc++;
			}
		} else if (r < 60) {
			size_t i = hm_test_rand(&rs) % s.n, size = rand_size(&rs);
			size_t align = hm_test_rand(&rs) % 4 == 0 ? rand_align(&rs) : 0;
			struct blk old = s.b[i];
			char *p = hm_heap_realloc(h, old.p, size, align);
			if (p == NULL) {
				assert_int_equal(hm_errno, ENOMEM);
				check_blk(&s.b[i]);
				n_nomem++;
			} else {
				size_t keep = old.size < size ? old.size : size;
				if (!all_bytes(p, keep, old.fill))
					fail_msg("realloc %p -> %p lost the first %zu bytes",
						 (void *)old.p, (void *)p, keep);
				n_in_place += p == old.p;
				shadow_remove(&s, i);
				new_block(h, &s, p, size, align, 0, &rs);
				n_realloc++;
			}
		} else {
			size_t i = hm_test_rand(&rs) % s.n;
			check_blk(&s.b[i]);
			assert_int_equal(hm_heap_free(h, s.b[i].p), 0);
			shadow_remove(&s, i);
			n_free++;
		}
		assert_heap_ok(h);
		for (int k = 0; k < 3 && s.n > 0; k++)
			check_blk(&s.b[hm_test_rand(&rs) % s.n]);
		if (op % 1000 == 999) {
			for (size_t i = 0; i < s.n; i++)
				check_blk(&s.b[i]);
			assert_int_equal(hm_heap_stats(h, &st), 0);
			stats_sane(&st);
			assert_int_equal(st.alloc_count, s.n);
			assert_int_equal(st.heap_totalsz_bytes, st0.heap_totalsz_bytes);
		}
	}
	printf("# %u allocs, %u reallocs (%u in place), %u frees, %u ENOMEM\n", n_alloc, n_realloc,
	       n_in_place, n_free, n_nomem);
	assert_true(n_nomem > 0); /* the buffer was filled at times */
	assert_true(n_in_place > 0);
	while (s.n > 0) {
		check_blk(&s.b[s.n - 1]);
		assert_int_equal(hm_heap_free(h, s.b[s.n - 1].p), 0);
		s.n--;
	}
	assert_heap_ok(h);
	assert_int_equal(hm_heap_stats(h, &st), 0);
	stats_equal(&st0, &st);
	assert_int_equal(st.free_count, 1);
	hm_heap_fini(h);
	free(s.b);
	free(buf);
}

/* ------------------------------------------------------------------ */

static void
test_heap_exhaustion_and_coalescing(void **state)
{
	const size_t len = 1 * MB;
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "full");
	struct hm_malloc_socket_stats st0, st, st2;
	void *ps[4096];
	unsigned int n = 0;
	uint64_t rs = hm_test_seed();
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	assert_int_equal(hm_heap_stats(h, &st0), 0);
	stats_sane(&st0);
	assert_int_equal(st0.free_count, 1);
	assert_int_equal(st0.alloc_count, 0);
	assert_int_equal(st0.greatest_free_size, st0.heap_totalsz_bytes);
	assert_int_equal(st0.heap_freesz_bytes, st0.heap_totalsz_bytes);
	assert_true(st0.heap_totalsz_bytes <= len && st0.heap_totalsz_bytes > len - 16 * KB);

	/* fill with blocks of mixed sizes until nothing fits, then with 1-byte blocks */
	for (;;) {
		void *p = hm_heap_alloc(h, "fill", 1 + hm_test_rand(&rs) % 3000, 0, 0);
		if (p == NULL)
			break;
		assert_true(n < 4096);
		ps[n++] = p;
	}
	assert_int_equal(hm_errno, ENOMEM);
	for (;;) {
		void *p = hm_heap_alloc(h, "fill", 1, 0, 0);
		if (p == NULL)
			break;
		assert_true(n < 4096);
		ps[n++] = p;
	}
	assert_int_equal(hm_heap_stats(h, &st), 0);
	stats_sane(&st);
	assert_int_equal(st.alloc_count, n);
	/* whatever is left cannot hold the smallest block; failing changes nothing */
	assert_null(hm_heap_alloc(h, "fill", 1, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_null(hm_heap_realloc(h, ps[0], 64 * KB, 0));
	assert_int_equal(hm_errno, ENOMEM);
	assert_int_equal(hm_heap_stats(h, &st2), 0);
	stats_equal(&st, &st2);
	assert_heap_ok(h);

	/* free in a random order: everything joins back into one element */
	hm_test_shuffle(ps, n, sizeof(ps[0]), &rs);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(hm_heap_free(h, ps[i]), 0);
		if (i % 64 == 0)
			assert_heap_ok(h);
	}
	assert_heap_ok(h);
	assert_int_equal(hm_heap_stats(h, &st), 0);
	stats_equal(&st0, &st);
	/* and the whole buffer can be had again as one block */
	size_t big = st.greatest_free_size - 4 * KB;
	void *p = hm_heap_alloc(h, "big", big, 0, 0);
	assert_non_null(p);
	assert_int_equal(hm_heap_free(h, p), 0);
	hm_heap_fini(h);
	free(buf);
}

/* ------------------------------------------------------------------ */

/* The element layout a free must leave, from the snapshot @p before: the block
 * at @p addr becomes FREE and joins its FREE address-order neighbours (a buffer
 * heap is one range: every neighbour is joinable). Written to @p out, its
 * length returned. */
static uint32_t
model_free(const struct hm_heap_snapshot *before, uint64_t addr,
	   struct hm_heap_snapshot_elem *out)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < before->n_elems; i++) {
		struct hm_heap_snapshot_elem e = before->elems[i];
		if (e.addr == addr) {
			memset(&e, 0, sizeof(e));
			e.addr = addr;
			e.size = before->elems[i].size;
			e.state = HM_HEAP_ELEM_FREE;
		}
		if (n > 0 && e.state == HM_HEAP_ELEM_FREE && out[n - 1].state == HM_HEAP_ELEM_FREE)
			out[n - 1].size += e.size;
		else
			out[n++] = e;
	}
	return n;
}

/* Every join a free can make (none, with the element after, before, both;
 * the free neighbour keeping its size class or changing it), against the
 * model above after every free: the same elements (address, size, state,
 * tag), the counters, and the validator. A pointer whose header became
 * part of a neighbour is refused as a double free and changes nothing. */
static void
test_heap_free_joins_model(void **state)
{
	const size_t len = 4 * MB;
	char *buf = buf_new(len);
	uint64_t rs = hm_test_seed();
	void *ps[512];
	(void)state;

	hm_test_quiet_log();
	for (int round = 0; round < 24; round++) {
		struct hm_heap *h = hm_heap_init(buf, len, "joins");
		unsigned int n = 0;
		assert_non_null(h);
		/* sizes from 1 B to 32 KiB, small ones most often: joins of small
		 * and large free neighbours, in classes that change or stay */
		while (n < 512) {
			uint64_t r = hm_test_rand(&rs);
			size_t sz = 1 + (size_t)(r % (r & 1 ? 256 : 32 * KB));
			void *p = hm_heap_alloc(h, "j", sz, 0, 0);
			if (p == NULL)
				break;
			ps[n++] = p;
		}
		assert_true(n >= 64);
		hm_test_shuffle(ps, n, sizeof(ps[0]), &rs);
		for (unsigned int i = 0; i < n; i++) {
			struct hm_heap_snapshot *b = hm_heap_snapshot_buf(h), *a;
			struct hm_heap_snapshot_elem *want;
			struct hm_malloc_socket_stats st;
			uint64_t addr = 0, free_n = 0, free_b = 0;
			assert_non_null(b);
			for (uint32_t k = 0; k < b->n_elems; k++)
				if (b->elems[k].state == HM_HEAP_ELEM_BUSY &&
				    b->elems[k].addr + 64 + b->elems[k].pad == (uintptr_t)ps[i])
					addr = b->elems[k].addr;
			assert_true(addr != 0);
			want = calloc(b->n_elems, sizeof(*want));
			assert_non_null(want);
			uint32_t nw = model_free(b, addr, want);
			assert_int_equal(hm_heap_free(h, ps[i]), 0);
			a = hm_heap_snapshot_buf(h);
			assert_non_null(a);
			assert_int_equal(a->n_elems, nw);
			for (uint32_t k = 0; k < nw; k++) {
				assert_int_equal(a->elems[k].addr, want[k].addr);
				assert_int_equal(a->elems[k].size, want[k].size);
				assert_int_equal(a->elems[k].state, want[k].state);
				assert_string_equal(a->elems[k].tag, want[k].tag);
				if (want[k].state == HM_HEAP_ELEM_FREE) {
					free_n++;
					free_b += want[k].size;
				}
			}
			assert_int_equal(hm_heap_stats(h, &st), 0);
			assert_int_equal(st.free_count, free_n);
			assert_int_equal(st.heap_freesz_bytes, free_b);
			assert_int_equal(st.alloc_count, n - i - 1);
			assert_heap_ok(h);
			/* the same pointer again: refused, nothing changed (its header is
			 * a FREE element's or, joined into the one before, its data) */
			assert_int_equal(hm_heap_free(h, ps[i]), -EINVAL);
			struct hm_heap_snapshot *again = hm_heap_snapshot_buf(h);
			assert_non_null(again);
			assert_int_equal(again->n_elems, a->n_elems);
			assert_memory_equal(again->elems, a->elems, sizeof(*a->elems) * a->n_elems);
			hm_heap_snapshot_free(again);
			hm_heap_snapshot_free(a);
			hm_heap_snapshot_free(b);
			free(want);
		}
		hm_heap_fini(h);
	}
	free(buf);
}

static void
test_heap_lifo_and_top(void **state)
{
	const size_t len = 1 * MB;
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "lifo");
	char *p, *q;
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	/* a fresh element gives its top: the data ends within 128 bytes of the buffer end */
	p = hm_heap_alloc(h, "t", 1000, 0, 0);
	assert_non_null(p);
	assert_ptr_equal(p + 1024 + TRAILER, buf + len);
	/* and the next block sits right below the first */
	q = hm_heap_alloc(h, "t", 1000, 0, 0);
	assert_non_null(q);
	assert_ptr_equal(q + 1024 + TRAILER, p - 64); /* p's header follows q's trailer */
	/* free then malloc of the same size gives the same block back */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(hm_heap_free(h, q), 0);
		char *q2 = hm_heap_alloc(h, "t", 1000, 0, 0);
		assert_ptr_equal(q2, q);
	}
	assert_int_equal(hm_heap_free(h, q), 0);
	assert_int_equal(hm_heap_free(h, p), 0);
	assert_heap_ok(h);
	hm_heap_fini(h);
	free(buf);
}

static void
test_heap_bound_and_align(void **state)
{
	const size_t len = 4 * MB;
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "bound");
	uint64_t rs = hm_test_seed();
	void *ps[256];
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	/* size == bound: the block is exactly one aligned bound-sized window */
	for (size_t b = 64; b <= 64 * KB; b <<= 1) {
		char *p = hm_heap_alloc(h, "b", b, 0, b);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % b, 0);
		memset(p, 1, b);
		assert_heap_ok(h);
		assert_int_equal(hm_heap_free(h, p), 0);
	}
	/* random sizes and bounds with busy neighbours at random places */
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 256; i++) {
			size_t size = 1 + hm_test_rand(&rs) % 4096, bound = 64;
			while (bound < size)
				bound <<= 1;
			bound <<= hm_test_rand(&rs) % 2;
			size_t align = 0;
			if (hm_test_rand(&rs) % 3 == 0)
				align = 64u << (hm_test_rand(&rs) % 8);
			char *p = hm_heap_alloc(h, "b", size, align, bound);
			assert_non_null(p);
			assert_int_equal((uintptr_t)p / bound, ((uintptr_t)p + size - 1) / bound);
			if (align != 0)
				assert_int_equal((uintptr_t)p % align, 0);
			memset(p, 2, size);
			ps[i] = p;
		}
		assert_heap_ok(h);
		for (int i = 0; i < 256; i += 1 + (int)(hm_test_rand(&rs) % 2)) {
			assert_int_equal(hm_heap_free(h, ps[i]), 0);
			ps[i] = NULL;
		}
		for (int i = 0; i < 256; i++)
			if (ps[i] != NULL)
				assert_int_equal(hm_heap_free(h, ps[i]), 0);
		assert_heap_ok(h);
	}
	/* alignments up to 1 MiB */
	for (size_t a = 64; a <= 1 * MB; a <<= 1) {
		char *p = hm_heap_alloc(h, "a", 100, a, 0);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % a, 0);
		size_t sz;
		assert_int_equal(hm_heap_usable(h, p, &sz), 0);
		assert_true(sz >= 100);
		assert_heap_ok(h);
		assert_int_equal(hm_heap_free(h, p), 0);
	}
	hm_heap_fini(h);
	free(buf);
}

static void
test_heap_realloc(void **state)
{
	const size_t len = 1 * MB;
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "realloc");
	char *a, *b, *c, *p;
	size_t sz;
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	a = hm_heap_alloc(h, "t", 1000, 0, 0); /* top */
	b = hm_heap_alloc(h, "t", 1000, 0, 0); /* below a */
	c = hm_heap_alloc(h, "t", 1000, 0, 0); /* below b */
	assert_true(c < b && b < a);
	memset(a, 0xa, 1000);
	memset(b, 0xb, 1000);
	memset(c, 0xc, 1000);

	/* b's next (a) is busy: growing moves it, keeping the contents */
	p = hm_heap_realloc(h, b, 3000, 0);
	assert_non_null(p);
	assert_ptr_not_equal(p, b);
	assert_true(all_bytes(p, 1000, 0xb));
	assert_int_equal(hm_heap_usable(h, b, NULL), -EINVAL); /* the old block is gone */
	b = p;
	assert_heap_ok(h);

	/* c's next is now the free block b left: growing stays in place */
	p = hm_heap_realloc(h, c, 1900, 0);
	assert_ptr_equal(p, c);
	assert_true(all_bytes(c, 1000, 0xc));
	assert_int_equal(hm_heap_usable(h, c, &sz), 0);
	assert_true(sz >= 1900);
	memset(c, 0xc, 1900);
	assert_heap_ok(h);
	/* shrinking is always in place, and gives the rest back */
	struct hm_malloc_socket_stats st, st2;
	assert_int_equal(hm_heap_stats(h, &st), 0);
	p = hm_heap_realloc(h, c, 100, 0);
	assert_ptr_equal(p, c);
	assert_true(all_bytes(c, 100, 0xc));
	assert_int_equal(hm_heap_stats(h, &st2), 0);
	assert_true(st2.heap_freesz_bytes > st.heap_freesz_bytes);
	assert_heap_ok(h);
	/* an alignment the block does not have moves it */
	p = hm_heap_realloc(h, c, 100, 1 << 16);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (1 << 16), 0);
	assert_true(all_bytes(p, 100, 0xc));
	c = p;
	/* NULL acts as alloc */
	p = hm_heap_realloc(h, NULL, 500, 0);
	assert_non_null(p);
	assert_int_equal(hm_heap_free(h, p), 0);
	assert_true(all_bytes(a, 1000, 0xa));
	assert_int_equal(hm_heap_free(h, a), 0);
	assert_int_equal(hm_heap_free(h, b), 0);
	assert_int_equal(hm_heap_free(h, c), 0);
	assert_heap_ok(h);
	assert_int_equal(hm_heap_stats(h, &st), 0);
	assert_int_equal(st.free_count, 1);
	hm_heap_fini(h);
	free(buf);
}

/* Every byte hm_heap_usable reports can be written, and realloc keeps all of it. */
static void
test_heap_usable_size(void **state)
{
	const size_t len = 4 * MB;
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "usable");
	uint64_t rs = hm_test_seed();
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	for (int i = 0; i < 500; i++) {
		size_t size = 1 + hm_test_rand(&rs) % 3000, usable;
		char *p = hm_heap_alloc(h, "usable", size, 0, 0), *q, *r;
		assert_non_null(p);
		r = hm_heap_alloc(h, "next", 64, 0, 0); /* a busy neighbour: realloc moves */
		assert_non_null(r);
		assert_int_equal(hm_heap_usable(h, p, &usable), 0);
		assert_true(usable >= size);
		memset(p, 0x33, usable);
		assert_int_equal(hm_heap_usable(h, p, NULL), 0);
		q = hm_heap_realloc(h, p, usable + 5000, 0);
		assert_non_null(q);
		if (!all_bytes(q, usable, 0x33))
			fail_msg("realloc(%zu -> %zu) kept fewer than the %zu usable bytes", size,
				 usable + 5000, usable);
		assert_int_equal(hm_heap_free(h, q), 0);
		assert_int_equal(hm_heap_free(h, r), 0);
	}
	assert_heap_ok(h);
	hm_heap_fini(h);
	free(buf);
}

/* hm_heap_check sees a trampled header and a block written over its neighbour. */
static void
test_heap_check_detects_corruption(void **state)
{
	const size_t len = 1 * MB;
	char *buf = buf_new(len);
	struct hm_heap *h = hm_heap_init(buf, len, "corrupt");
	unsigned char saved[64];
	const char *why;
	char *a, *b, *c;
	(void)state;

	hm_test_quiet_log();
	assert_non_null(h);
	a = hm_heap_alloc(h, "t", 1000, 0, 0);
	b = hm_heap_alloc(h, "t", 1000, 0, 0);
	c = hm_heap_alloc(h, "t", 1000, 0, 0);
	assert_int_equal(hm_heap_free(h, b), 0);
	for (char *p = a; p != NULL; p = p == a ? b : p == b ? c : NULL) {
		memcpy(saved, p - 64, 64);
		memset(p - 64, 0xff, 64);
		why = NULL;
		assert_int_equal(hm_heap_check(h, &why), -EFAULT);
		assert_non_null(why);
		memcpy(p - 64, saved, 64);
		assert_heap_ok(h);
	}
	/* the heap's own state at the start of the buffer */
	memcpy(saved, buf + 64, 64);
	memset(buf + 64, 0x01, 64);
	why = NULL;
	assert_int_equal(hm_heap_check(h, &why), -EFAULT);
	assert_non_null(why);
	memcpy(buf + 64, saved, 64);
	assert_heap_ok(h);
	assert_int_equal(hm_heap_free(h, a), 0);
	assert_int_equal(hm_heap_free(h, c), 0);
	assert_heap_ok(h);
	hm_heap_fini(h);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_invalid_args),
		cmocka_unit_test(test_heap_model),
		cmocka_unit_test(test_heap_exhaustion_and_coalescing),
		cmocka_unit_test(test_heap_free_joins_model),
		cmocka_unit_test(test_heap_lifo_and_top),
		cmocka_unit_test(test_heap_bound_and_align),
		cmocka_unit_test(test_heap_realloc),
		cmocka_unit_test(test_heap_usable_size),
		cmocka_unit_test(test_heap_check_detects_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
