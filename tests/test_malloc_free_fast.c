/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_free with the lcore caches off (--malloc-cache=0: the heap alone) takes an
 * inline fast lookup first (malloc.c, lookup_lock_fast): the memseg list of the
 * calling thread's last lookup, a node's heap, its lock free, a BUSY header of
 * the caller's owner. Anything else falls back to lookup_lock, which refuses
 * with its own errno and message. Every refusal is driven here with the fast
 * path armed (a free from the same list just before, so the thread's hint
 * names the list of the pointer), and each must change nothing: the heaps
 * check out, every node's stats are as before, the live blocks stay valid.
 *   - NULL (0), misaligned, interior, a pointer into a block's header, libc
 *     and stack memory, a buffer heap's block, an unmapped page of the hint's
 *     list, a memzone's block, a double free, a free from inside a memseg walk
 *     (EDEADLK; the block stays live and frees after the walk), and in debug
 *     builds an overrun guard (EFAULT);
 *   - accepted through the fallback: a block of the other node (the hint
 *     names node 0's list), an external heap's block, a free while another
 *     thread holds the heap's lock (the fast path's trylock fails; it waits).
 * The joins the free then makes inline (heap_free_join1; test_malloc.c
 * compares it with heap_free_elem on twin heaps) are driven through hm_free:
 * blocks freed in allocation order and against it, with and without pages to
 * give back, the stats after each free and a second free of each refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "malloc_checks.h"
#include "hugemem/hugemem.h"

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1";

static int
init_nocache(void)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = TOPO2;
	c.no_malloc_cache = true;
	return hm_test_init_cfg(&c);
}

/* The state a refusal must leave as it was. */
struct snap {
	struct hm_malloc_socket_stats st[2];
	unsigned int live;
};

static struct snap
snap_take(void)
{
	struct snap s;

	s.st[0] = stats_of(0);
	s.st[1] = stats_of(hm_test_node_b());
	s.live = hm_malloc_leak_report(NULL);
	return s;
}

static void
snap_same(const struct snap *a)
{
	struct snap b = snap_take();

	stats_equal(&a->st[0], &b.st[0]);
	stats_equal(&a->st[1], &b.st[1]);
	assert_int_equal(a->live, b.live);
	assert_heaps_valid();
}

/* Arm the fast path on @p near's list: a block malloc'd and freed on its node
 * (a free whose pointer lies in that list sets the thread's hint). */
static void
arm(const void *near)
{
	void *p = hm_malloc_socket("arm", 64, 0, node_of(near));

	assert_non_null(p);
	assert_int_equal(hm_mem_virt2memseg_list(p), hm_mem_virt2memseg_list(near));
	assert_int_equal(hm_free(p), 0);
}

/* hm_free(@p bad) with the fast path armed on @p near's list fails with
 * @p err, a message holding @p msg, and changes nothing. */
static void
assert_free_refused(void *near, void *bad, int err, const char *msg)
{
	struct snap s;

	arm(near);
	s = snap_take();
	hm_errno = 0;
	assert_int_equal(hm_free(bad), -err);
	assert_int_equal(hm_errno, err);
	if (strstr(hm_last_error(), msg) == NULL)
		fail_msg("hm_free(%p): message '%s' lacks '%s'", bad, hm_last_error(), msg);
	snap_same(&s);
}

static void
test_free_fast_refusals(void **state)
{
	(void)state;
	assert_int_equal(init_nocache(), 0);
	log_start();
	char *a = hm_malloc("a", 1000, 0), *b = hm_malloc("b", 64, 0);
	size_t sz = 0;
	assert_non_null(a);
	assert_non_null(b);

	/* NULL: 0, nothing changed */
	struct snap s = snap_take();
	assert_int_equal(hm_free(NULL), 0);
	snap_same(&s);

	/* misaligned, interior, the header itself */
	assert_free_refused(a, a + 1, EINVAL, "was not allocated by hugemem malloc");
	assert_free_refused(a, a + 8, EINVAL, "was not allocated by hugemem malloc");
	assert_free_refused(a, a + 64, EINVAL, "");
	assert_free_refused(a, a + 512, EINVAL, "");
	assert_free_refused(a, a - 64, EINVAL, "");

	/* foreign memory: libc, the stack, a buffer heap's block */
	void *libc = aligned_alloc(64, 256);
	char stack[256] __attribute__((aligned(64)));
	assert_non_null(libc);
	assert_free_refused(a, (char *)libc + 64, EINVAL, "was not allocated by hugemem malloc");
	assert_free_refused(a, stack + 64, EINVAL, "was not allocated by hugemem malloc");
	void *buf = aligned_alloc(64, 1 << 16);
	assert_non_null(buf);
	struct hm_heap *bh = hm_heap_init(buf, 1 << 16, "buf");
	assert_non_null(bh);
	void *bp = hm_heap_alloc(bh, "x", 128, 0, 0);
	assert_non_null(bp);
	assert_free_refused(a, bp, EINVAL, "was not allocated by hugemem malloc");
	assert_int_equal(hm_heap_free(bh, bp), 0);
	hm_heap_fini(bh);
	free(buf);
	free(libc);

	/* an unmapped page of the list the hint names */
	const struct hm_memseg_list *msl = hm_mem_virt2memseg_list(a);
	char *hole = NULL;
	assert_non_null(msl);
	for (uint64_t off = msl->len; off >= msl->page_sz && hole == NULL; off -= msl->page_sz)
		if (hm_mem_virt2memseg((char *)msl->base_va + off - msl->page_sz, msl) == NULL)
			hole = (char *)msl->base_va + off - msl->page_sz;
	assert_non_null(hole);
	assert_free_refused(a, hole + 128, EINVAL, "was not allocated by hugemem malloc");

	/* a memzone's block, on the hint's node */
	const struct hm_memzone *mz = hm_memzone_reserve("ff_zone", 4096, node_of(a), 0);
	assert_non_null(mz);
	assert_free_refused(mz->addr, mz->addr, EINVAL, "belongs to memzone 'ff_zone'");
	assert_int_equal(hm_memzone_free(mz), 0);

	/* a double free: of a block whose header stays (its neighbours busy) and
	 * of one that joined its free neighbour */
	char *c = hm_malloc("c", 64, 0), *d = hm_malloc("d", 64, 0);
	assert_non_null(c);
	assert_non_null(d);
	assert_int_equal(hm_free(c), 0);
	assert_free_refused(a, c, EINVAL, "double free");
	assert_int_equal(hm_free(d), 0);
	assert_free_refused(a, d, EINVAL, "");
	assert_free_refused(a, c, EINVAL, "");

	/* the blocks the refusals were near are intact and free normally */
	assert_int_equal(hm_malloc_validate(a, &sz), 0);
	assert_true(sz >= 1000);
	assert_int_equal(hm_malloc_validate(b, &sz), 0);
#if HM_DEBUG >= 1
	/* debug builds: an overrun guard is refused (EFAULT) and nothing changes */
	char *g = hm_malloc("g", 100, 0);
	assert_non_null(g);
	g[100] ^= 0x5a;
	assert_free_refused(a, g, EFAULT, "overwritten");
	g[100] ^= 0x5a;
	assert_int_equal(hm_free(g), 0);
#endif
	assert_int_equal(hm_free(a), 0);
	assert_int_equal(hm_free(b), 0);
	assert_heaps_valid();
	assert_no_warnings();
}

struct walk_arg {
	void *p;
	int rc, err;
	const char *msg_ok;
	struct snap before;
};

static int
free_in_walk(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct walk_arg *w = arg;

	(void)msl;
	(void)ms;
	w->rc = hm_free(w->p);
	w->err = hm_errno;
	w->msg_ok = strstr(hm_last_error(), "memseg walk") != NULL ? "yes" : hm_last_error();
	return 1;
}

static void
test_free_fast_in_walk(void **state)
{
	(void)state;
	assert_int_equal(init_nocache(), 0);
	struct walk_arg w = { 0 };

	w.p = hm_malloc("w", 64, 0);
	assert_non_null(w.p);
	arm(w.p);
	w.before = snap_take();
	assert_int_equal(hm_memseg_walk(free_in_walk, &w), 1);
	assert_int_equal(w.rc, -EDEADLK);
	assert_int_equal(w.err, EDEADLK);
	assert_string_equal(w.msg_ok, "yes");
	snap_same(&w.before);
	assert_int_equal(hm_malloc_validate(w.p, NULL), 0);
	assert_int_equal(hm_free(w.p), 0);
	assert_heaps_valid();
}

/* Another thread's mallocs and frees on the same heap (its lock taken and
 * dropped all the time: the fast path's trylock fails now and then and the
 * free waits in lookup_lock). *fails counts what went wrong. */
struct churn_arg {
	int stop; /* atomic: the main thread sets it */
	int fails;
};

static void *
churn(void *arg)
{
	struct churn_arg *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		void *p = hm_malloc("t", 64, 0);
		if (p == NULL || hm_free(p) != 0)
			c->fails++;
	}
	return NULL;
}

static void
test_free_fast_fallback_accepts(void **state)
{
	(void)state;
	assert_int_equal(init_nocache(), 0);
	int nb = hm_test_node_b();
	char *a = hm_malloc_socket("a", 64, 0, 0), *o = hm_malloc_socket("o", 64, 0, nb);

	assert_non_null(a);
	assert_non_null(o);
	/* the other node's block while the hint names node 0's list */
	struct hm_malloc_socket_stats b0 = stats_of(nb);
	arm(a);
	assert_int_equal(hm_free(o), 0);
	struct hm_malloc_socket_stats b1 = stats_of(nb);
	assert_int_equal(b1.alloc_count, b0.alloc_count - 1);
	assert_int_equal(hm_free(o), -EINVAL); /* and now a double free there */
	assert_int_equal(hm_errno, EINVAL);

	/* an external heap's block (its list is external: the fallback frees it) */
	size_t len = 1 << 20;
	void *ext = aligned_alloc(4096, len);
	assert_non_null(ext);
	assert_int_equal(hm_malloc_heap_create("ff_ext"), 0);
	assert_int_equal(hm_malloc_heap_memory_add("ff_ext", ext, len, NULL, len / 4096, 4096), 0);
	int es = hm_malloc_heap_get_socket("ff_ext");
	assert_true(es >= 0);
	void *e1 = hm_malloc_socket("e", 64, 0, es);
	assert_non_null(e1);
	struct hm_malloc_socket_stats x0 = stats_of(es);
	arm(a);
	assert_int_equal(hm_free(e1), 0);
	assert_int_equal(stats_of(es).alloc_count, x0.alloc_count - 1);
	assert_int_equal(hm_free(e1), -EINVAL);
	assert_int_equal(hm_malloc_heap_memory_remove("ff_ext", ext, len), 0);
	assert_int_equal(hm_malloc_heap_destroy("ff_ext"), 0);
	free(ext);

	/* frees beside another thread's mallocs and frees on the same heap */
	struct churn_arg ca = { 0, 0 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, churn, &ca), 0);
	for (int i = 0; i < 20000; i++) {
		void *p = hm_malloc_socket("m", 64 * (1 + i % 8), 0, 0);
		assert_non_null(p);
		assert_int_equal(hm_free(p), 0);
	}
	__atomic_store_n(&ca.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ca.fails, 0);
	assert_int_equal(hm_free(a), 0);
	assert_heaps_valid();
}

/* Init with the caches off, @p memory preallocated (0: none, pages come and go). */
static int
init_nocache_mem(uint64_t memory)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = TOPO2;
	c.no_malloc_cache = true;
	c.memory = memory;
	return hm_test_init_cfg(&c);
}

/*
 * The frees the inline join (heap_free_join1) takes, through hm_free: 64 B
 * blocks freed in allocation order (each joins the run freed before it, the
 * element after it) and against it (the free element below grows over it),
 * with every page of the node preallocated (nothing to give back) and with
 * pages that go back as the run of freed blocks covers them (the release
 * after the inline join). After each free: the node's stats moved by exactly
 * one block (or, when pages went back, by whole pages of free memory), a
 * second free of the pointer is refused as before (EINVAL, the message, no
 * change), and every 512 frees the heaps check out; all freed, the node is as
 * before the mallocs.
 */
static void
test_free_fast_joins(void **state)
{
	enum { N = 40000 }; /* 64 B blocks over several 2 MiB pages */
	void **p = calloc(N, sizeof(*p));
	(void)state;

	assert_non_null(p);
	for (int mode = 0; mode < 2; mode++) {
		assert_int_equal(init_nocache_mem(mode == 0 ? 64ULL << 20 : 0), 0);
		log_start();
		for (int dir = 0; dir < 2; dir++) {
			struct hm_malloc_socket_stats st0 = stats_of(0), prev, now;
			uint64_t peak = 0, released = 0;

			for (unsigned int i = 0; i < N; i++) {
				p[i] = hm_malloc_socket("j", 64, 0, 0);
				assert_non_null(p[i]);
			}
			prev = stats_of(0);
			peak = prev.heap_totalsz_bytes;
			assert_int_equal(prev.alloc_count, st0.alloc_count + N);
			for (unsigned int k = 0; k < N; k++) {
				unsigned int i = dir == 0 ? k : N - 1 - k;
				/* header, data and, in debug builds, the trailer; an
				 * exact fit may hold up to an element more */
				const uint64_t min = HM_DEBUG >= 1 ? 192 : 128;
				uint64_t esz;
				assert_int_equal(hm_malloc_validate(p[i], NULL), 0);
				assert_int_equal(hm_free(p[i]), 0);
				now = stats_of(0);
				assert_int_equal(now.alloc_count, prev.alloc_count - 1);
				esz = prev.heap_allocsz_bytes - now.heap_allocsz_bytes;
				assert_true(esz >= min && esz < 2 * min && esz % 64 == 0);
				if (now.heap_totalsz_bytes == prev.heap_totalsz_bytes) {
					assert_int_equal(now.heap_freesz_bytes, prev.heap_freesz_bytes + esz);
				} else {
					/* whole pages went back to the backend */
					assert_true(mode == 1);
					assert_true(now.heap_totalsz_bytes < prev.heap_totalsz_bytes);
					released++;
				}
				/* the pointer again: refused, nothing changed (its header
				 * is the joined element's, or FREE in the one it joined;
				 * a block after a PAD header: that header, poisoned in
				 * debug builds; a page that went back: not hugemem's
				 * memory any more) */
				hm_errno = 0;
				assert_int_equal(hm_free(p[i]), -EINVAL);
				assert_int_equal(hm_errno, EINVAL);
				if (strstr(hm_last_error(), "double free") == NULL &&
				    strstr(hm_last_error(), "padding") == NULL &&
				    strstr(hm_last_error(), "no header") == NULL &&
				    strstr(hm_last_error(), "its page returned") == NULL)
					fail_msg("mode %d dir %d free %u: second free: '%s' (total %" PRIu64 " -> %" PRIu64 ")", mode, dir, k, hm_last_error(), prev.heap_totalsz_bytes, now.heap_totalsz_bytes);
				struct hm_malloc_socket_stats again = stats_of(0);
				stats_equal(&now, &again);
				if (k % 512 == 0)
					assert_heaps_valid();
				prev = now;
			}
			now = stats_of(0);
			assert_int_equal(now.alloc_count, st0.alloc_count);
			assert_int_equal(now.heap_allocsz_bytes, st0.heap_allocsz_bytes);
			if (mode == 0) {
				stats_equal(&st0, &now);
			} else {
				/* pages went back while blocks were still being freed */
				assert_true(released > 1);
				assert_true(now.heap_totalsz_bytes < peak);
			}
			assert_heaps_valid();
		}
		assert_no_warnings();
		hm_test_teardown(NULL);
	}
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_free_fast_refusals, hm_test_teardown),
		cmocka_unit_test_teardown(test_free_fast_in_walk, hm_test_teardown),
		cmocka_unit_test_teardown(test_free_fast_fallback_accepts, hm_test_teardown),
		cmocka_unit_test_teardown(test_free_fast_joins, hm_test_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
