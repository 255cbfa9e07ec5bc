/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the lcore caches' give-back (core/malloc/mcache.c, mc_give_back) in
 * every order a batch can arrive in, on the emu backend. A full class gives
 * its older half back: in address order or against it (reversed), mostly in
 * order (a few blocks out of place: sorted), or in no order (given back as it
 * is, each block joined with whatever free neighbours it has). Whatever the
 * order, the outcome must be the same heap: after a flush only FREE elements
 * cover a block the user freed (or its memory left the heap with its page), no two FREE elements touch (the
 * validator), the blocks still live keep their bytes, and once everything is
 * freed every page goes back and the stats return to where they started.
 *
 * White box: reads element headers (malloc_i.h) to find FREE elements.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "hugemem/hugemem.h"
#include "malloc_i.h" /* ELEM_* layout, struct malloc_elem, struct malloc_heap */

#define N_BLOCKS 384u

static const char *const TOPO = "nodes=1;2M=16;4K=256;lcores=0@0";

enum order {
	O_ASCENDING,   /* allocation runs are handed out downwards: this is against it */
	O_DESCENDING,
	O_MOSTLY_UP,   /* ascending, every 8th pair swapped: sorted before give-back */
	O_MOSTLY_DOWN, /* descending, every 8th pair swapped: reversed, then sorted */
	O_INTERLEAVED, /* two ascending halves interleaved: about one descent in two */
	O_RANDOM,      /* a seeded shuffle: given back unsorted */
	O_COUNT,
};

static const char *const order_name[O_COUNT] = {
	"ascending", "descending", "mostly ascending", "mostly descending", "interleaved",
	"random",
};

static int
init_cache(unsigned int cap)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = TOPO;
	c.malloc_cache = cap;
	return hm_test_init_cfg(&c);
}

static const struct malloc_elem *
elem_of(const void *p)
{
	return (const struct malloc_elem *)((const char *)p - ELEM_HEADER_LEN);
}

static int
cmp_addr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(char *const *)a, y = (uintptr_t)*(char *const *)b;

	return (x > y) - (x < y);
}

/* Put the @p n pointers of @p v (sorted by address on entry) into order @p o. */
static void
arrange(char **v, unsigned int n, enum order o, uint64_t *rs)
{
	char **t = malloc(n * sizeof(*t));

	assert_non_null(t);
	switch (o) {
	case O_ASCENDING:
		break;
	case O_DESCENDING:
	case O_MOSTLY_DOWN:
		for (unsigned int i = 0; i < n / 2; i++) {
			char *x = v[i];
			v[i] = v[n - 1 - i];
			v[n - 1 - i] = x;
		}
		if (o == O_DESCENDING)
			break;
		/* fall through */
	case O_MOSTLY_UP:
		for (unsigned int i = 0; i + 1 < n; i += 8) {
			char *x = v[i];
			v[i] = v[i + 1];
			v[i + 1] = x;
		}
		break;
	case O_INTERLEAVED:
		memcpy(t, v, n * sizeof(*t));
		for (unsigned int i = 0, a = 0, b = (n + 1) / 2; i < n; i++)
			v[i] = i % 2 == 0 ? t[a++] : t[b++];
		break;
	case O_RANDOM:
	case O_COUNT:
		hm_test_shuffle(v, n, sizeof(v[0]), rs);
		break;
	}
	free(t);
}

/* An element of heap @p h other than FREE that overlaps [a, b) (addresses
 * compared only), or NULL. Memory of [a, b) in no element left the heap with
 * its page. */
static const struct malloc_elem *
not_free_in(const struct malloc_heap *h, const char *a, const char *b)
{
	for (const struct malloc_elem *e = h->first; e != NULL; e = e->next)
		if ((const char *)e < b && a < (const char *)e + e->size &&
		    elem_state(e) != ELEM_FREE)
			return e;
	return NULL;
}

/* Bad input: a double free of blocks that a give-back in no order returned to
 * the heap (or that still sit in the cache) is refused at the call, -EINVAL,
 * and changes nothing. */
static void
test_malloc_cache_order_invalid_args(void **state)
{
	char *v[64];
	uint64_t rs = hm_test_seed();
	(void)state;

	assert_int_equal(init_cache(8), 0);
	for (unsigned int i = 0; i < 64; i++) {
		v[i] = hm_malloc("t", 128, 0);
		assert_non_null(v[i]);
	}
	arrange(v, 64, O_RANDOM, &rs);
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(hm_free(v[i]), 0);
	struct hm_malloc_socket_stats a = stats_of(0);
	hm_test_quiet_log();
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(hm_free(v[i]), -EINVAL);
	struct hm_malloc_socket_stats b = stats_of(0);
	stats_equal(&a, &b);
	assert_heaps_valid();
	assert_true(hm_malloc_cache_flush() >= 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	hm_cleanup();
}

/*
 * One class (256 B blocks) and a mix of classes: allocate N_BLOCKS, keep every
 * fifth, free the others in each order with caches of 2 to 64 blocks; the heap
 * validates after every free, and after a flush only FREE elements cover a
 * freed block (or its page went back) while the kept ones are BUSY with their bytes intact. Then
 * everything goes back: no page stays mapped, the stats are the initial ones.
 */
static void
test_malloc_cache_order_give_back(void **state)
{
	static const unsigned int caps[] = { 2, 8, 32, 64 };
	char **v = calloc(N_BLOCKS, sizeof(*v)), **gone = calloc(N_BLOCKS, sizeof(*gone));
	size_t *len = calloc(N_BLOCKS, sizeof(*len));
	uint64_t rs = hm_test_seed();
	(void)state;

	assert_non_null(v);
	assert_non_null(gone);
	assert_non_null(len);
	log_start();
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
		for (unsigned int mixed = 0; mixed < 2; mixed++)
			for (enum order o = 0; o < O_COUNT; o++) {
				assert_int_equal(init_cache(caps[c]), 0);
				struct hm_malloc_socket_stats st0 = stats_of(0);
				const struct malloc_heap *h = NULL;
				unsigned int n_gone = 0;

				for (unsigned int i = 0; i < N_BLOCKS; i++) {
					len[i] = mixed ? 1 + hm_test_rand(&rs) % 1024 : 256;
					v[i] = hm_malloc("t", len[i], 0);
					assert_non_null(v[i]);
					memset(v[i], (int)(i & 0xff), len[i]);
					h = elem_of(v[i])->heap;
				}
				qsort(v, N_BLOCKS, sizeof(*v), cmp_addr);
				for (unsigned int i = 0; i < N_BLOCKS; i++) {
					assert_int_equal(hm_malloc_validate(v[i], &len[i]), 0);
					memset(v[i], (int)(i & 0xff), len[i]);
					if (i % 5 != 0)
						gone[n_gone++] = v[i];
				}
				arrange(gone, n_gone, o, &rs);
				for (unsigned int i = 0; i < n_gone; i++) {
					assert_int_equal(hm_free(gone[i]), 0);
					assert_heaps_valid();
				}
				assert_true(hm_malloc_cache_flush() >= 0);
				assert_heaps_valid();
				for (unsigned int i = 0; i < N_BLOCKS; i++) {
					const struct malloc_elem *e = elem_of(v[i]);
					if (i % 5 == 0) {
						assert_int_equal(elem_state(e), ELEM_BUSY);
						for (size_t k = 0; k < len[i]; k++)
							if ((unsigned char)v[i][k] != (i & 0xff))
								fail_msg("%s, cap %u: live block %u "
									 "changed at byte %zu",
									 order_name[o], caps[c], i, k);
						continue;
					}
					/* freed: only FREE elements over it (a part may have
					 * left the heap with its page) */
					const struct malloc_elem *f =
						not_free_in(h, (const char *)e, v[i] + len[i]);
					if (f != NULL)
						fail_msg("%s, %s, cap %u: freed block %u [%p, %p) "
							 "overlaps element %p in state %u",
							 order_name[o], mixed ? "mixed sizes" : "256 B",
							 caps[c], i, (const void *)e,
							 (const void *)(v[i] + len[i]), (const void *)f,
							 elem_state(f));
				}
				assert_int_equal(stats_of(0).alloc_count, (N_BLOCKS + 4) / 5);
				for (unsigned int i = 0; i < N_BLOCKS; i += 5)
					assert_int_equal(hm_free(v[i]), 0);
				assert_true(hm_malloc_cache_flush() >= 0);
				assert_heaps_valid();
				assert_int_equal(hm_memseg_mapped_bytes(0), 0);
				struct hm_malloc_socket_stats st = stats_of(0);
				stats_equal(&st0, &st);
				assert_int_equal(hm_malloc_leak_report(NULL), 0);
				hm_cleanup();
			}
	free(v);
	free(gone);
	free(len);
	assert_no_warnings();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloc_cache_order_invalid_args),
		cmocka_unit_test(test_malloc_cache_order_give_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
