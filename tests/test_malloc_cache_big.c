/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of malloc's per-lcore caches, part 5: the classes above 1 KiB
 * (core/malloc/mcache.c; docs/modules.md, "lcore caches"), on the emu backend.
 * Blocks of 1025..4096 bytes are cached in eight classes of quarter powers of two
 * (1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096) that together hold at most
 * --malloc-cache x 3 KiB per lcore (never less than two of the largest blocks).
 *
 * The model test keeps its own copy of the rules (class of a request rounds
 * up, class of a freed block rounds down, a class's older half goes back when
 * it is full, the fullest class's older half while the budget would be
 * passed, an empty class sends the request to the heap with the class's
 * size) and asserts, after every operation, which
 * block malloc returned, that the stats' cached bytes and count are the
 * model's, that the budget holds, and that the validator agrees; at the end a
 * flush returns every block and every page.
 *
 * White box (malloc_cache_test_common.h): element headers are read while no
 * other thread touches the heap.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "shadow_model.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "malloc_cache_test_common.h"

#define N_BIG 8u
static const uint64_t big_cls[N_BIG] = { 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096 };

/* The budget the docs promise for a cache of @p cap blocks per class. */
static uint64_t
budget_of(unsigned int cap)
{
	uint64_t b = (uint64_t)cap * 3072, min = 2 * (4096 + ELEM_OVERHEAD + 2 * MIN_ELEM_SIZE);

	return b < min ? min : b;
}

/* The class a request of @p size (1025..4096) takes: the smallest that holds it. */
static unsigned int
class_up(uint64_t size)
{
	unsigned int k = 0;

	while (big_cls[k] < size)
		k++;
	return k;
}

/* ------------------------------------------------------------------ classes */

static void *
heap_alloc_thread(void *arg)
{
	void **v = arg;

	v[1] = hm_malloc("noreg", (size_t)(uintptr_t)v[0], 0);
	return NULL;
}

/* A block allocated by a thread without an lcore: from the heap, not a cache. */
static char *
heap_block(size_t size)
{
	void *v[2] = { (void *)(uintptr_t)size, NULL };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, heap_alloc_thread, v), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(v[1]);
	return v[1];
}

/* Every size from 1 to 4096 gets a block of its class (a run's last element
 * keeps a little slack), 4097 and up are not cached; a block freed on the lcore
 * goes to the largest class it fills, and a request of that class takes it. */
static void
test_malloc_cache_big_classes(void **state)
{
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 32), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	assert_int_equal(HM_MALLOC_CACHE_SIZE_MAX, 4096);

	for (uint64_t s = 1; s <= 4096; s += s < 1000 ? 37 : 1) {
		uint64_t want = s <= 1024 ? (s + 63) / 64 * 64 : big_cls[class_up(s)];
		char *p = hm_malloc("cls", s, 0);
		assert_non_null(p);
		uint64_t u = usable_of(p);
		if (u < want || u > want + 2 * MIN_ELEM_SIZE)
			fail_msg("malloc(%" PRIu64 "): usable %" PRIu64 ", class %" PRIu64, s, u,
				 want);
		memset(p, 0x3c, s);
		assert_int_equal(hm_free(p), 0);
		if (u > 4096) /* a run's last element with more than 4 KiB: the heap's */
			continue;
		assert_int_equal(state_of(p), ELEM_CACHED);
		/* the next request of the class takes it straight back */
		assert_ptr_equal(hm_malloc("cls", s, 0), p);
		assert_int_equal(hm_free(p), 0);
	}
	assert_heaps_valid();
	stats_cached_match(0, h0);

	/* above 4 KiB: not cached */
	unsigned int nc = cached_in(h0);
	char *big = hm_malloc("t", 4097, 0);
	assert_non_null(big);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(hm_free(big), 0);
	assert_int_equal(cached_in(h0), nc);
	assert_heaps_valid();
	assert_true(hm_malloc_cache_flush() > 0);
	assert_int_equal(cached_in(h0), 0);

	/* heap blocks freed on the lcore round down: 1100 bytes (usable 1152) fill
	 * the 1 KiB class, 3000 (usable 3008) the 2560 class, 4096 the 4096 class */
	static const struct {
		size_t size, fits, too_big;
	} down[] = { { 1100, 1024, 1025 }, { 3000, 2560, 2561 }, { 4096, 4096, 0 } };
	for (size_t i = 0; i < sizeof(down) / sizeof(down[0]); i++) {
		char *p = heap_block(down[i].size);
		assert_int_equal(state_of(p), ELEM_BUSY);
		/* the class in use (a malloc and a free of it just before): a
		 * block of a class not in use next to free memory would go to the
		 * heap (test_malloc_cache_cold_free in test_malloc_cache_runs.c) */
		assert_int_equal(hm_free(hm_malloc("t", down[i].fits, 0)), 0);
		assert_int_equal(hm_free(p), 0);
		assert_int_equal(state_of(p), ELEM_CACHED);
		if (down[i].too_big != 0) {
			char *q = hm_malloc("t", down[i].too_big, 0);
			assert_non_null(q);
			assert_ptr_not_equal(q, p);
			assert_int_equal(state_of(p), ELEM_CACHED);
			assert_int_equal(hm_free(q), 0);
		}
		assert_ptr_equal(hm_malloc("t", down[i].fits, 0), p);
		assert_int_equal(hm_free(p), 0);
		assert_heaps_valid();
	}
	assert_true(hm_malloc_cache_flush() > 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ errors */

/* A cached 4 KiB block: double free, validate and realloc refused with EINVAL,
 * nothing changes; an overrun one is refused with EFAULT (debug builds). */
static void
test_malloc_cache_big_double_free(void **state)
{
	size_t sz;
	(void)state;

	log_start();
	assert_int_equal(init_cache(TOPO2, 4), 0);
	struct malloc_heap *h0 = heap_of_node(0);

	/* a block of exactly 4 KiB usable (a run's last element may hold more) */
	char *p = NULL, *extra[4] = { NULL };
	for (unsigned int i = 0; i < 4 && p == NULL; i++) {
		extra[i] = hm_malloc("t", 4096, 0);
		assert_non_null(extra[i]);
		if (usable_of(extra[i]) == 4096) {
			p = extra[i];
			extra[i] = NULL;
		}
	}
	assert_non_null(p);
	for (unsigned int i = 0; i < 4; i++)
		if (extra[i] != NULL)
			assert_int_equal(hm_free(extra[i]), 0);
	memset(p, 0x11, 4096);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(state_of(p), ELEM_CACHED);
	unsigned int nc = cached_in(h0);
	struct hm_malloc_socket_stats st = stats_cached_match(0, h0), st2;
	assert_int_equal(hm_free(p), -EINVAL);
	assert_int_equal(hm_malloc_validate(p, &sz), -EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(p, 5000, 0));
	assert_int_equal(hm_errno, EINVAL);
	hm_errno = 0;
	assert_null(hm_realloc(p, 100, 0));
	assert_int_equal(hm_errno, EINVAL);
	st2 = stats_of(0);
	stats_equal(&st, &st2);
	assert_int_equal(cached_in(h0), nc);
	assert_int_equal(state_of(p), ELEM_CACHED);
	assert_heaps_valid();
	if (HM_DEBUG >= 1)
		assert_true(all_bytes(p, 4096, MALLOC_POISON));
	assert_ptr_equal(hm_malloc("t", 3585, 0), p);

	if (HM_DEBUG >= 1) {
		p[3585] ^= 0x55; /* the guard, right after the bytes asked for */
		st = stats_of(0);
		assert_int_equal(hm_free(p), -EFAULT);
		assert_int_equal(state_of(p), ELEM_BUSY);
		st2 = stats_of(0);
		stats_equal(&st, &st2);
		p[3585] ^= 0x55;
	}
	assert_int_equal(hm_free(p), 0);

	/* the validator sees a big cached block the heap believes live */
	elem_of(p)->state = ELEM_BUSY;
	const char *why = NULL;
	assert_int_equal(hm_malloc_check(&why), -EFAULT);
	assert_non_null(why);
	elem_of(p)->state = ELEM_CACHED;
	assert_heaps_valid();
	assert_true(hm_malloc_cache_flush() > 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
}

/* ------------------------------------------------------------------ model */

/* The element of live block @p p (behind its PAD header, if it has one). */
static struct malloc_elem *
real_elem(char *p)
{
	struct malloc_elem *e = elem_of(p);

	return elem_state(e) == ELEM_PAD ? (struct malloc_elem *)((char *)e - e->pad) : e;
}

struct mclass {
	struct malloc_elem **e; /* bottom (oldest) .. top */
	unsigned int n;
};

struct bigmodel {
	struct mclass c[N_BIG];
	unsigned int cap;
	uint64_t budget, bytes, count, max_bytes;
	uint64_t tick, used[N_BIG]; /* cached mallocs and frees; each class's last */
	unsigned long hits, refills, give_backs, uncached, cold;
};

/* A cached malloc or free of class @p k: @return whether the class was in use
 * (used within the last MC_HOT_OPS = 2 of them). */
static bool
model_use(struct bigmodel *m, unsigned int k)
{
	uint64_t last = m->used[k];

	m->used[k] = ++m->tick;
	return m->tick - last <= 2;
}

static void
model_give_back(struct bigmodel *m, unsigned int k, unsigned int n)
{
	struct mclass *c = &m->c[k];

	assert_true(n >= 1 && n <= c->n);
	for (unsigned int i = 0; i < n; i++) {
		m->bytes -= c->e[i]->size;
		m->count--;
	}
	memmove(c->e, c->e + n, (c->n - n) * sizeof(c->e[0]));
	c->n -= n;
	m->give_backs++;
}

static void
model_make_room(struct bigmodel *m, unsigned int k, uint64_t need)
{
	if (m->c[k].n == m->cap)
		model_give_back(m, k, m->cap / 2);
	while (m->bytes + need > m->budget) {
		unsigned int j = 0;
		for (unsigned int i = 1; i < N_BIG; i++)
			if (m->c[i].n * big_cls[i] >= m->c[j].n * big_cls[j])
				j = i;
		assert_true(m->c[j].n > 0);
		model_give_back(m, j, (m->c[j].n + 1) / 2);
	}
}

static void
model_push(struct bigmodel *m, unsigned int k, struct malloc_elem *e)
{
	m->c[k].e[m->c[k].n++] = e;
	m->bytes += e->size;
	m->count++;
	if (m->bytes > m->max_bytes)
		m->max_bytes = m->bytes;
}

/* hm_free of a block of 1025..4096 bytes */
static void
model_free(struct bigmodel *m, char *p)
{
	struct malloc_elem *e = elem_of(p);
	uint64_t u = e->size - ELEM_OVERHEAD;
	unsigned int k = N_BIG - 1;

	/* data behind a PAD header (the heap's best fit left less than an element
	 * in front), or more than 4 KiB (slack): straight to the heap */
	if (elem_state(e) == ELEM_PAD || u > 4096) {
		const struct malloc_heap *h = real_elem(p)->heap;
		unsigned int nc = cached_in(h);
		assert_int_equal(hm_free(p), 0);
		assert_int_equal(cached_in(h), nc);
		m->uncached++;
		return;
	}
	while (big_cls[k] > u)
		k--;
	/* a class not in use: a block with a FREE neighbour goes to the heap */
	if (!model_use(m, k) && ((e->prev != NULL && elem_state(e->prev) == ELEM_FREE) ||
				 (e->next != NULL && elem_state(e->next) == ELEM_FREE))) {
		const struct malloc_heap *h = e->heap;
		unsigned int nc = cached_in(h);
		/* (its header is not read after: its page may go back with it) */
		assert_int_equal(hm_free(p), 0);
		assert_int_equal(cached_in(h), nc);
		m->cold++;
		return;
	}
	model_make_room(m, k, e->size);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(elem_state(e), ELEM_CACHED);
	model_push(m, k, e);
}

static char *
model_malloc(struct bigmodel *m, size_t size)
{
	unsigned int k = class_up(size);
	struct mclass *c = &m->c[k];
	char *p;

	model_use(m, k);
	if (c->n > 0) {
		struct malloc_elem *want = c->e[--c->n];
		m->bytes -= want->size;
		m->count--;
		p = hm_malloc("model", size, 0);
		assert_ptr_equal(p, (char *)want + ELEM_HEADER_LEN);
		m->hits++;
		return p;
	}
	/* an empty class: the heap allocates the class's size (plus a little
	 * slack at most), nothing else is cached, nothing given back (model_check
	 * compares the stats) */
	p = hm_malloc("model", size, 0);
	assert_non_null(p);
	struct malloc_elem *e = real_elem(p);
	assert_int_equal(elem_state(e), ELEM_BUSY);
	uint64_t u = e->size - ELEM_OVERHEAD - e->pad;
	if (u < big_cls[k] || u > big_cls[k] + 2 * MIN_ELEM_SIZE)
		fail_msg("miss in class %u (%" PRIu64 " B): a block of %" PRIu64 " B", k,
			 big_cls[k], u);
	m->refills++;
	return p;
}

static void
model_check(struct bigmodel *m, struct malloc_heap *h0)
{
	struct hm_malloc_socket_stats st = stats_cached_match(0, h0);

	if (st.cached_bytes != m->bytes || st.cached_count != m->count)
		fail_msg("stats: %zu bytes in %u blocks cached, model %" PRIu64 " in %" PRIu64,
			 st.cached_bytes, st.cached_count, m->bytes, m->count);
	assert_true(m->bytes <= m->budget);
	assert_heaps_valid();
}

/* Random mallocs (1025..4096 bytes, some above 4 KiB) and frees against the
 * model, with a cache of @p cap blocks per class. */
static void
run_model(unsigned int cap, unsigned int n_ops)
{
	enum { LIVE = 96 };
	struct bigmodel m = { .cap = cap, .budget = budget_of(cap) };
	struct {
		char *p;
		size_t size;
		uint8_t fill;
	} live[LIVE];
	unsigned int n = 0;
	uint64_t rs = hm_test_seed() ^ cap;

	log_start();
	assert_int_equal(init_cache(TOPO2, cap), 0);
	struct malloc_heap *h0 = heap_of_node(0);
	for (unsigned int k = 0; k < N_BIG; k++) {
		m.c[k].e = calloc(cap, sizeof(m.c[k].e[0]));
		assert_non_null(m.c[k].e);
	}
	for (unsigned int op = 0; op < n_ops; op++) {
		bool do_malloc = n == 0 || (n < LIVE && hm_test_rand(&rs) % 100 < 52);
		if (do_malloc) {
			/* sizes that favour a few classes, so that some fill up */
			uint64_t r = hm_test_rand(&rs) % 100;
			size_t size = r < 40 ? 3585 + hm_test_rand(&rs) % 512 :
				      r < 60 ? 1025 + hm_test_rand(&rs) % 256 :
				      r < 95 ? 1025 + hm_test_rand(&rs) % 3072 :
					       4097 + hm_test_rand(&rs) % 4096;
			char *p;
			if (size > 4096) {
				unsigned int nc = cached_in(h0);
				p = hm_malloc("model", size, 0);
				assert_non_null(p);
				assert_int_equal(cached_in(h0), nc);
			} else {
				p = model_malloc(&m, size);
			}
			live[n].p = p;
			live[n].size = size;
			live[n].fill = (uint8_t)(1 + hm_test_rand(&rs) % 255);
			memset(p, live[n].fill, size);
			n++;
		} else {
			unsigned int i = (unsigned int)(hm_test_rand(&rs) % n);
			assert_true(all_bytes(live[i].p, live[i].size, live[i].fill));
			if (live[i].size > 4096) {
				unsigned int nc = cached_in(h0);
				assert_int_equal(hm_free(live[i].p), 0);
				assert_int_equal(cached_in(h0), nc);
			} else {
				model_free(&m, live[i].p);
			}
			live[i] = live[--n];
		}
		model_check(&m, h0);
	}
	while (n > 0) {
		n--;
		if (live[n].size > 4096)
			assert_int_equal(hm_free(live[n].p), 0);
		else
			model_free(&m, live[n].p);
		model_check(&m, h0);
	}
	printf("# cap %u: budget %" PRIu64 " B, held at most %" PRIu64 " B; %lu hits, %lu "
	       "misses, %lu give-backs, %lu padded or slack blocks not cached, %lu frees "
	       "of a class not in use next to free memory\n",
	       cap, m.budget, m.max_bytes, m.hits, m.refills, m.give_backs, m.uncached, m.cold);
	assert_true(m.hits > 0 && m.refills > 0 && m.give_backs > 0 && m.cold > 0);
	/* the flush returns everything the model holds, and with it every page */
	assert_int_equal(hm_malloc_cache_flush(), (int)m.count);
	assert_int_equal(cached_in(h0), 0);
	struct hm_malloc_socket_stats st = stats_of(0);
	assert_int_equal(st.cached_bytes, 0);
	assert_int_equal(st.cached_count, 0);
	assert_int_equal(st.alloc_count, 0);
	assert_heaps_valid();
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_no_warnings();
	for (unsigned int k = 0; k < N_BIG; k++)
		free(m.c[k].e);
}

static void
test_malloc_cache_big_model_default(void **state)
{
	(void)state;
	run_model(HM_MALLOC_CACHE_DEFAULT, 3000);
}

static void
test_malloc_cache_big_model_small_cap(void **state)
{
	(void)state;
	run_model(2, 2000);
}

static void
test_malloc_cache_big_model_cap16(void **state)
{
	(void)state;
	run_model(16, 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_malloc_cache_big_classes, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_big_double_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_big_model_default, hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_big_model_small_cap,
					  hm_test_teardown),
		cmocka_unit_test_teardown(test_malloc_cache_big_model_cap16, hm_test_teardown),
	};

	malloc_cache_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
