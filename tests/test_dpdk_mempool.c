/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's mempools (rte_mempool.h): DPDK's documented errors for bad
 * input (and the places hugemem does better: long names, avail_count before
 * populate, get_contig_blocks without support), object sizes as DPDK computes
 * them, create with constructors, counts, per-lcore and user caches, ops by
 * flags and by name, ops registered with RTE_MEMPOOL_REGISTER_OPS (a LIFO
 * written against struct rte_mempool), populate from caller and anonymous
 * memory with free callbacks, event callbacks, the op helpers, and gets and
 * puts from worker lcores. Runs on emu.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include "dpdk_test.h"
#include "hugemem/mempool.h"
#include "hugemem/memzone.h"

static void
assert_pool_ok(const struct rte_mempool *mp)
{
	const char *why = NULL;

	if (hm_mempool_check(RTE_MEMPOOL_HM_CONST(mp), &why) != 0)
		fail_msg("mempool '%s': %s", mp->name, why != NULL ? why : "?");
}

/* ---------------------------------------------------------------- a LIFO backend in DPDK terms */

struct lifo {
	unsigned int len, size;
	void *objs[];
};

static int lifo_allocs, lifo_frees;

static int
lifo_alloc(struct rte_mempool *mp)
{
	struct lifo *l = rte_zmalloc("lifo", sizeof(*l) + mp->size * sizeof(void *), 0);

	if (l == NULL)
		return -ENOMEM;
	l->size = mp->size;
	mp->pool_data = l;
	lifo_allocs++;
	return 0;
}

static void
lifo_free(struct rte_mempool *mp)
{
	rte_free(mp->pool_data);
	lifo_frees++;
}

static int
lifo_enqueue(struct rte_mempool *mp, void *const *objs, unsigned int n)
{
	struct lifo *l = mp->pool_data;

	if (n > l->size - l->len)
		return -ENOBUFS;
	memcpy(&l->objs[l->len], objs, n * sizeof(void *));
	l->len += n;
	return 0;
}

static int
lifo_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct lifo *l = mp->pool_data;

	if (n > l->len)
		return -ENOBUFS;
	for (unsigned int i = 0; i < n; i++)
		objs[i] = l->objs[--l->len];
	return 0;
}

static unsigned int
lifo_count(const struct rte_mempool *mp)
{
	return ((const struct lifo *)mp->pool_data)->len;
}

static int
lifo_info(const struct rte_mempool *mp, struct rte_mempool_info *info)
{
	(void)mp;
	info->contig_block_size = 1;
	return 0;
}

static int
lifo_blocks(struct rte_mempool *mp, void **first, unsigned int n)
{
	return lifo_dequeue(mp, first, n);
}

static struct rte_mempool_ops test_lifo_ops = {
	.name = "test_lifo",
	.alloc = lifo_alloc,
	.free = lifo_free,
	.enqueue = lifo_enqueue,
	.dequeue = lifo_dequeue,
	.get_count = lifo_count,
	.get_info = lifo_info,
	.dequeue_contig_blocks = lifo_blocks,
};

/* registered before main, as drivers do */
RTE_MEMPOOL_REGISTER_OPS(test_lifo_ops);

/* ---------------------------------------------------------------- errors */

static void
test_dpdk_mempool_invalid_args(void **state)
{
	char name[40];
	struct rte_mempool *mp;
	struct rte_mempool_ops bad;
	void *objs[4];
	size_t pg;
	unsigned int mz0 = 0;
	(void)state;

	assert_null_errno(rte_mempool_create_empty(NULL, 16, 64, 0, 0, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 0, 64, 0, 0, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 16, 0, 0, 0, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 1000, 64, 513, 0, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 16, 64, 12, 0, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 16, 64, 0, 0, SOCKET_ID_ANY, 0x1000), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 16, 64, 0, 0, SOCKET_ID_ANY,
						   RTE_MEMPOOL_F_POOL_CREATED), EINVAL);
	assert_null_errno(rte_mempool_create_empty("p", 16, 64, 0, 0, 5, 0), ENOMEM);
	/* 26 to 28 characters: refused before anything is reserved (DPDK leaks a memzone) */
	for (size_t len = 26; len <= 30; len++) {
		memset(name, 'm', len);
		name[len] = '\0';
		mz0 = hm_memzone_count();
		assert_null_errno(rte_mempool_create_empty(name, 16, 64, 0, 0, SOCKET_ID_ANY, 0),
				  ENAMETOOLONG);
		assert_int_equal(hm_memzone_count(), mz0);
	}
	assert_null_errno(rte_mempool_create("p", 16, 64, 0, 0, NULL, NULL, NULL, NULL, 7, 0), ENOMEM);
	assert_null_errno(rte_mempool_lookup("p"), ENOENT);
	assert_null_errno(rte_mempool_cache_create(0, SOCKET_ID_ANY), EINVAL);
	assert_null_errno(rte_mempool_cache_create(RTE_MEMPOOL_CACHE_MAX_SIZE + 1, SOCKET_ID_ANY),
			  EINVAL);
	rte_mempool_cache_free(NULL);
	rte_mempool_free(NULL);
	assert_int_equal(rte_mempool_get_page_size(NULL, &pg), -EINVAL);

	mp = rte_mempool_create_empty("p", 16, 64, 0, 0, SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_null_errno(rte_mempool_create_empty("p", 16, 64, 0, 0, SOCKET_ID_ANY, 0), EEXIST);
	/* before populate: no backend yet, nothing available (DPDK crashes here) */
	assert_int_equal(rte_mempool_avail_count(mp), 0);
	assert_int_equal(rte_mempool_in_use_count(mp), 0);
	assert_int_equal(rte_mempool_ops_get_count(mp), 0);
	assert_int_equal(rte_mempool_get_page_size(mp, NULL), -EINVAL);
	assert_int_equal(rte_mempool_set_ops_byname(mp, "nope", NULL), -EINVAL);
	assert_int_equal(rte_mempool_set_ops_byname(mp, NULL, NULL), -EINVAL);
	assert_int_equal(rte_mempool_populate_iova(mp, NULL, 0, 4096, NULL, NULL), -EINVAL);
	assert_int_equal(rte_mempool_populate_virt(mp, (char *)objs, 4096, 3000, NULL, NULL), -EINVAL);
	assert_int_equal(rte_mempool_populate_default(mp), 16);
	assert_int_equal(rte_mempool_populate_default(mp), -EEXIST);
	assert_int_equal(rte_mempool_set_ops_byname(mp, "stack", NULL), -EEXIST);
	rte_errno = 0;
	assert_int_equal(rte_mempool_populate_anon(mp), 0);
	assert_int_equal(rte_errno, EINVAL);
	/* ring ops: no info, no contiguous blocks (DPDK calls a NULL pointer) */
	struct rte_mempool_info info;
	assert_int_equal(rte_mempool_ops_get_info(mp, &info), -ENOTSUP);
	assert_int_equal(rte_mempool_get_contig_blocks(mp, objs, 1), -ENOTSUP);
	/* a failed get is -ENOBUFS (ring ops, as DPDK's driver) and takes nothing */
	assert_int_equal(rte_mempool_generic_get(mp, objs, 1, NULL), 0);
	void *all[16];
	assert_int_equal(rte_mempool_generic_get(mp, all, 16, NULL), -ENOBUFS);
	rte_mempool_generic_put(mp, objs, 1, NULL);
	rte_mempool_free(mp);

	/* ops registration: DPDK's checks */
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.name, sizeof(bad.name), "bad");
	assert_int_equal(rte_mempool_register_ops(&bad), -EINVAL);
	bad = test_lifo_ops;
	memset(bad.name, 'x', sizeof(bad.name) - 1);
	bad.name[sizeof(bad.name) - 1] = '\0';
	assert_int_equal(rte_mempool_register_ops(&bad), -EEXIST); /* 31 characters */
	assert_int_equal(rte_mempool_register_ops(&test_lifo_ops), -EEXIST); /* twice */
	assert_int_equal(rte_mempool_register_ops(NULL), -EINVAL);

	/* event callbacks */
	assert_int_equal(rte_mempool_event_callback_register(NULL, NULL), -EINVAL);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mempool_event_callback_unregister(NULL, NULL), -ENOENT);
	assert_int_equal(rte_errno, ENOENT);
}

/* ---------------------------------------------------------------- sizes */

static void
test_dpdk_mempool_obj_size(void **state)
{
	struct rte_mempool_objsz sz;
	struct rte_mempool *mp;
	(void)state;

	/* DPDK's numbers (4 channels, 1 rank) */
	assert_int_equal(rte_mempool_calc_obj_size(2304, 0, &sz), 2368);
	assert_int_equal(sz.header_size, 64);
	assert_int_equal(sz.elt_size, 2304);
	assert_int_equal(sz.trailer_size, 0);
	assert_int_equal(rte_mempool_calc_obj_size(64, 0, &sz), 192);
	assert_int_equal(sz.trailer_size, 64);
	assert_int_equal(rte_mempool_calc_obj_size(64, RTE_MEMPOOL_F_NO_SPREAD, NULL), 128);
	assert_int_equal(rte_mempool_calc_obj_size(60, RTE_MEMPOOL_F_NO_CACHE_ALIGN, &sz), 192);
	assert_int_equal(sz.header_size, 24);
	assert_int_equal(rte_mempool_calc_obj_size(60, RTE_MEMPOOL_F_NO_CACHE_ALIGN |
						   RTE_MEMPOOL_F_NO_SPREAD, &sz), 88);
	assert_int_equal(sz.elt_size, 64);
	assert_int_equal(rte_mempool_calc_obj_size(0, 0, &sz), 64); /* DPDK takes 0 here */
	assert_int_equal(rte_mempool_calc_obj_size(1, RTE_MEMPOOL_F_NO_CACHE_ALIGN |
						   RTE_MEMPOOL_F_NO_SPREAD, NULL), 32);

	/* a pool with NO_CACHE_ALIGN gets NO_SPREAD, as DPDK: 24 + 64 (+ 8 cookie in
	 * a debug pool) */
	mp = rte_mempool_create("nca", 64, 60, 0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY,
				RTE_MEMPOOL_F_NO_CACHE_ALIGN);
	assert_non_null(mp);
	assert_true(mp->flags & RTE_MEMPOOL_F_NO_SPREAD);
	assert_int_equal(mp->header_size, 24);
	assert_int_equal(mp->header_size + mp->elt_size + mp->trailer_size,
			 hm_mempool_debug(RTE_MEMPOOL_HM(mp)) ? 96 : 88);
	rte_mempool_free(mp);
}

/* -n 3: objects spread over 3 channels, as DPDK's arch_mem_object_align */
static void
test_dpdk_mempool_obj_size_channels(void **state)
{
	struct rte_mempool_objsz sz;
	struct rte_mempool *mp;
	(void)state;

	rte_eal_cleanup();
	assert_int_equal(DPDK_TEST_EAL("-l", "0", "--no-huge", "-n", "3", "--mempool-debug=off"), 6);
	/* 64 + 128 = 3 lines: a multiple of 3 -> 4 lines */
	assert_int_equal(rte_mempool_calc_obj_size(128, 0, &sz), 256);
	mp = rte_mempool_create("ch3", 64, 128, 0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(mp->header_size + mp->elt_size + mp->trailer_size, 256);
	assert_pool_ok(mp);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- create and use */

struct ctor_log {
	int pool_calls;
	unsigned int objs;
	unsigned int next_idx;
	int bad;
};

static void
pool_ctor(struct rte_mempool *mp, void *arg)
{
	struct ctor_log *l = arg;

	l->pool_calls++;
	memset(rte_mempool_get_priv(mp), 0x5a, mp->private_data_size);
}

static void
obj_ctor(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct ctor_log *l = arg;

	if (idx != l->next_idx++ || rte_mempool_from_obj(obj) != mp)
		l->bad = 1;
	memset(obj, (int)(idx & 0xff), mp->elt_size);
	l->objs++;
}

static void
count_mem(struct rte_mempool *mp, void *arg, struct rte_mempool_memhdr *mh, unsigned int idx)
{
	size_t *bytes = arg;

	(void)idx;
	assert_ptr_equal(mh->mp, mp);
	*bytes += mh->len;
}

static void
walk_find(struct rte_mempool *mp, void *arg)
{
	if (strcmp(mp->name, "use") == 0)
		*(int *)arg += 1;
}

static void
test_dpdk_mempool_create_and_use(void **state)
{
	struct ctor_log log = { 0, 0, 0, 0 };
	struct rte_mempool_cache *uc;
	struct rte_mempool *mp;
	void *objs[600], *o;
	size_t bytes = 0;
	char *text = NULL;
	size_t text_len = 0;
	FILE *f;
	int found = 0;
	(void)state;

	mp = rte_mempool_create("use", 1000, 100, 32, 100, pool_ctor, &log, obj_ctor, &log,
				SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(log.pool_calls, 1);
	assert_int_equal(log.objs, 1000);
	assert_int_equal(log.bad, 0);
	assert_string_equal(rte_mempool_get_ops(mp->ops_index)->name, "ring_mp_mc");
	assert_ptr_equal(rte_mempool_lookup("use"), mp);
	assert_int_equal(mp->size, 1000);
	assert_int_equal(mp->populated_size, 1000);
	assert_int_equal(mp->cache_size, 32);
	assert_int_equal(mp->elt_size, 104);
	assert_true(mp->private_data_size >= 100);
	assert_int_equal(((unsigned char *)rte_mempool_get_priv(mp))[99], 0x5a);
	assert_ptr_equal(rte_mempool_get_priv(mp), hm_mempool_get_priv(RTE_MEMPOOL_HM(mp)));
	assert_int_equal(rte_mempool_full(mp), 1);
	assert_int_equal(rte_mempool_empty(mp), 0);
	assert_int_equal(rte_mempool_obj_iter(mp, obj_ctor, &log), 1000);
	assert_int_equal(rte_mempool_mem_iter(mp, count_mem, &bytes), mp->nb_mem_chunks);
	assert_true(bytes >= 1000 * 192);
	rte_mempool_walk(walk_find, &found);
	assert_int_equal(found, 1);
	/* DPDK code walks the lists with STAILQ_FOREACH */
	{
		struct rte_mempool_objhdr *h;
		unsigned int n = 0;
		STAILQ_FOREACH(h, &mp->elt_list, next) {
			assert_ptr_equal(h->mp, mp);
			assert_int_equal(rte_mempool_virt2iova(h + 1), h->iova);
			n++;
		}
		assert_int_equal(n, 1000);
	}

	/* the calling lcore's cache */
	assert_non_null(rte_mempool_default_cache(mp, rte_lcore_id()));
	assert_null(rte_mempool_default_cache(mp, RTE_MAX_LCORE));
	assert_int_equal(rte_mempool_get_bulk(mp, objs, 10), 0);
	assert_int_equal(rte_mempool_in_use_count(mp), 10);
	assert_int_equal(rte_mempool_avail_count(mp), 990);
	rte_mempool_put_bulk(mp, objs, 10);
	assert_int_equal(rte_mempool_get(mp, &o), 0);
	rte_mempool_put(mp, o);
	assert_int_equal(rte_mempool_avail_count(mp), 1000);
	assert_true(rte_mempool_default_cache(mp, rte_lcore_id())->len > 0);
	rte_mempool_cache_flush(NULL, mp);
	assert_int_equal(rte_mempool_default_cache(mp, rte_lcore_id())->len, 0);

	/* a user-owned cache */
	uc = rte_mempool_cache_create(64, SOCKET_ID_ANY);
	assert_non_null(uc);
	assert_int_equal(uc->size, 64);
	assert_int_equal(uc->flushthresh, 96);
	assert_int_equal(rte_mempool_generic_get(mp, objs, 600, uc), 0);
	assert_int_equal(rte_mempool_do_generic_get(mp, objs + 600 - 1, 0, uc), 0);
	rte_mempool_generic_put(mp, objs, 50, uc);
	assert_int_equal(uc->len, 50);
	rte_mempool_do_generic_put(mp, objs + 50, 550, uc); /* above flushthresh: to the ring */
	assert_int_equal(rte_mempool_avail_count(mp), 950); /* the user cache is not counted */
	rte_mempool_cache_flush(uc, mp);
	assert_int_equal(uc->len, 0);
	assert_int_equal(rte_mempool_avail_count(mp), 1000);
	rte_mempool_cache_free(uc);
	rte_mempool_audit(mp);
	assert_pool_ok(mp);

	f = open_memstream(&text, &text_len);
	rte_mempool_dump(f, mp);
	rte_mempool_list_dump(f);
	fclose(f);
	assert_non_null(strstr(text, "use"));
	free(text);
	rte_mempool_free(mp);
	assert_null_errno(rte_mempool_lookup("use"), ENOENT);
}

/* ---------------------------------------------------------------- ops */

static void
test_dpdk_mempool_ops(void **state)
{
	static const struct { unsigned int flags; const char *ops; } by_flags[] = {
		{ 0, "ring_mp_mc" },
		{ RTE_MEMPOOL_F_SP_PUT, "ring_sp_mc" },
		{ RTE_MEMPOOL_F_SC_GET, "ring_mp_sc" },
		{ RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET, "ring_sp_sc" },
	};
	struct rte_mempool_info info;
	struct rte_mempool *mp;
	void *objs[64];
	int before_allocs;
	(void)state;

	for (unsigned int i = 0; i < RTE_DIM(by_flags); i++) {
		mp = rte_mempool_create("byflags", 64, 32, 0, 0, NULL, NULL, NULL, NULL,
					SOCKET_ID_ANY, by_flags[i].flags);
		assert_non_null(mp);
		assert_string_equal(rte_mempool_get_ops(mp->ops_index)->name, by_flags[i].ops);
		assert_int_equal(rte_mempool_ops_get_count(mp), 64);
		rte_mempool_free(mp);
	}
	/* the table lists hugemem's backends and the test's, at hugemem's indexes */
	assert_true(rte_mempool_ops_table.num_ops >= 6);
	for (uint32_t i = 0; i < rte_mempool_ops_table.num_ops; i++)
		assert_string_equal(rte_mempool_ops_table.ops[i].name, hm_mempool_ops_table.ops[i].name);

	/* stack: a failed get is -ENOBUFS too (hugemem's stack said ENOENT) */
	mp = rte_mempool_create_empty("stk", 64, 32, 0, 0, SOCKET_ID_ANY, 0);
	assert_int_equal(rte_mempool_set_ops_byname(mp, "stack", NULL), 0);
	assert_int_equal(rte_mempool_populate_default(mp), 64);
	assert_int_equal(rte_mempool_generic_get(mp, objs, 64, NULL), 0);
	assert_int_equal(rte_mempool_generic_get(mp, objs, 1, NULL), -ENOBUFS);
	assert_int_equal(rte_mempool_ops_dequeue_bulk(mp, objs, 1), -ENOBUFS);
	assert_int_equal(rte_mempool_ops_enqueue_bulk(mp, objs, 64), 0);
	assert_int_equal(rte_mempool_avail_count(mp), 64);
	rte_mempool_free(mp);

	/* the LIFO written for struct rte_mempool, registered before main */
	before_allocs = lifo_allocs;
	mp = rte_mempool_create_empty("lifo", 100, 32, 8, 0, SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_int_equal(rte_mempool_set_ops_byname(mp, "test_lifo", (void *)0x1), 0);
	assert_ptr_equal(mp->pool_config, (void *)0x1);
	assert_int_equal(rte_mempool_populate_default(mp), 100);
	assert_int_equal(lifo_allocs, before_allocs + 1);
	assert_string_equal(rte_mempool_get_ops(mp->ops_index)->name, "test_lifo");
	assert_ptr_equal(rte_mempool_get_ops(mp->ops_index)->alloc, lifo_alloc);
	assert_int_equal(rte_mempool_ops_get_count(mp), 100);
	assert_int_equal(rte_mempool_get_bulk(mp, objs, 20), 0);
	assert_int_equal(rte_mempool_avail_count(mp), 80);
	rte_mempool_put_bulk(mp, objs, 20);
	assert_int_equal(rte_mempool_ops_get_info(mp, &info), 0);
	assert_int_equal(info.contig_block_size, 1);
	rte_mempool_cache_flush(NULL, mp);
	assert_int_equal(rte_mempool_get_contig_blocks(mp, objs, 3), 0);
	rte_mempool_contig_blocks_check_cookies(mp, objs, 3, 1);
	rte_mempool_put_bulk(mp, objs, 3);
	assert_pool_ok(mp);
	rte_mempool_free(mp);
	assert_int_equal(lifo_frees, before_allocs + 1);
}

/* ---------------------------------------------------------------- populate, events */

struct events {
	int ready, destroy;
	struct rte_mempool *last;
};

static void
on_event(enum rte_mempool_event ev, struct rte_mempool *mp, void *arg)
{
	struct events *e = arg;

	if (ev == RTE_MEMPOOL_EVENT_READY)
		e->ready++;
	else if (ev == RTE_MEMPOOL_EVENT_DESTROY)
		e->destroy++;
	e->last = mp;
}

static void
on_event_once(enum rte_mempool_event ev, struct rte_mempool *mp, void *arg)
{
	on_event(ev, mp, arg);
	/* a callback may remove itself */
	assert_int_equal(rte_mempool_event_callback_unregister(on_event_once, arg), 0);
}

static int chunk_frees;

static void
chunk_free(struct rte_mempool_memhdr *mh, void *opaque)
{
	assert_ptr_equal(mh->opaque, opaque);
	chunk_frees++;
	free(opaque);
}

static void
test_dpdk_mempool_populate_events(void **state)
{
	struct events ev = { 0, 0, NULL }, once = { 0, 0, NULL };
	struct rte_mempool *mp;
	char *mem;
	int n;
	(void)state;

	assert_int_equal(rte_mempool_event_callback_register(on_event, &ev), 0);
	assert_int_equal(rte_mempool_event_callback_register(on_event, &ev), -EEXIST);
	assert_int_equal(rte_mempool_event_callback_register(on_event_once, &once), 0);

	/* caller memory: READY once the pool is full, the chunk's free callback at free */
	chunk_frees = 0;
	mp = rte_mempool_create_empty("iova", 50, 200, 0, 0, SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	mem = aligned_alloc(4096, 8192);
	n = rte_mempool_populate_iova(mp, mem, 0x40000000, 8192, chunk_free, mem);
	assert_true(n > 0 && n < 50);
	assert_int_equal(ev.ready, 0);
	assert_int_equal(mp->mem_list.stqh_first->iova, 0x40000000);
	assert_ptr_equal(mp->mem_list.stqh_first->free_cb, chunk_free);
	mem = aligned_alloc(4096, 64 * 1024);
	assert_true(rte_mempool_populate_iova(mp, mem, RTE_BAD_IOVA, 64 * 1024, chunk_free, mem) > 0);
	assert_int_equal(mp->populated_size, 50);
	assert_int_equal(ev.ready, 1);
	assert_int_equal(once.ready, 1);
	assert_ptr_equal(ev.last, mp);
	assert_pool_ok(mp);
	rte_mempool_free(mp);
	assert_int_equal(ev.destroy, 1);
	assert_int_equal(once.destroy, 0); /* unregistered itself */
	assert_int_equal(chunk_frees, 2);

	/* anonymous memory */
	mp = rte_mempool_create_empty("anon", 200, 2000, 0, 0, SOCKET_ID_ANY, 0);
	assert_int_equal(rte_mempool_populate_anon(mp), 200);
	assert_int_equal(ev.ready, 2);
	assert_int_equal(rte_mempool_avail_count(mp), 200);
	assert_pool_ok(mp);
	rte_mempool_free(mp);

	/* virt over a memzone's pages */
	{
		const struct rte_memzone *mz = rte_memzone_reserve_aligned("area", 4 << 20, 0,
									   RTE_MEMZONE_2MB, 2 << 20);
		size_t pg = 0;
		assert_non_null(mz);
		mp = rte_mempool_create_empty("virt", 1000, 1000, 0, 0, 0, 0);
		assert_int_equal(rte_mempool_get_page_size(mp, &pg), 0);
		assert_int_equal(pg, 2 << 20);
		n = rte_mempool_populate_virt(mp, mz->addr, 4 << 20, 2 << 20, NULL, NULL);
		assert_int_equal(n, 1000);
		assert_int_equal(ev.ready, 3);
		assert_pool_ok(mp);
		rte_mempool_free(mp);
		assert_int_equal(rte_memzone_free(mz), 0);
	}
	assert_int_equal(ev.destroy, 3);
	assert_int_equal(rte_mempool_event_callback_unregister(on_event, &ev), 0);
	assert_int_equal(rte_mempool_event_callback_unregister(on_event, &ev), -ENOENT);
}

/* ---------------------------------------------------------------- op helpers */

struct placed {
	unsigned int n;
	void *first;
	rte_iova_t first_iova;
};

static void
note_obj(struct rte_mempool *mp, void *arg, void *obj, rte_iova_t iova)
{
	struct placed *p = arg;

	(void)mp;
	if (p->n++ == 0) {
		p->first = obj;
		p->first_iova = iova;
	}
}

static void
test_dpdk_mempool_op_helpers(void **state)
{
	struct placed pl = { 0, NULL, 0 };
	struct rte_mempool *mp;
	size_t min = 0, align = 0;
	void *back[64];
	char *buf;
	(void)state;

	mp = rte_mempool_create("help", 64, 100, 0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY,
				RTE_MEMPOOL_F_NO_SPREAD);
	assert_non_null(mp);
	size_t total = mp->header_size + mp->elt_size + mp->trailer_size; /* 192 */
	/* no page rule: n x total + reserve */
	assert_int_equal(rte_mempool_op_calc_mem_size_helper(mp, 10, 0, 5, &min, &align),
			 10 * total + 5);
	assert_int_equal(min, total);
	assert_int_equal(align, RTE_MEMPOOL_ALIGN);
	/* 4K pages: 21 per page; 50 objects: 2 full pages + 8 + slack */
	assert_int_equal(rte_mempool_op_calc_mem_size_default(mp, 50, 12, &min, &align),
			 2 * 4096 + 8 * total + total - 1);
	assert_int_equal(rte_mempool_op_calc_mem_size_helper(mp, 50, 12, 4096, &min, &align),
			 -EINVAL);
	assert_int_equal(rte_mempool_ops_calc_mem_size(mp, 50, 12, &min, &align),
			 2 * 4096 + 8 * total + total - 1);

	/* the populate helper slices and enqueues: take them back out afterwards */
	buf = aligned_alloc(4096, 4096);
	rte_mempool_cache_flush(NULL, mp);
	assert_int_equal(rte_mempool_generic_get(mp, back, 64, NULL), 0); /* the ring empty */
	assert_int_equal(rte_mempool_op_populate_helper(mp, 0, 8, buf, 0x1000, 4096, note_obj, &pl), 8);
	assert_int_equal(pl.n, 8);
	assert_ptr_equal(pl.first, buf + mp->header_size);
	assert_int_equal(pl.first_iova, 0x1000 + mp->header_size);
	{
		void *placed[8];
		assert_int_equal(rte_mempool_ops_dequeue_bulk(mp, placed, 8), 0);
		for (unsigned int i = 0; i < 8; i++)
			assert_true((char *)placed[i] >= buf && (char *)placed[i] < buf + 4096);
	}
	rte_mempool_generic_put(mp, back, 64, NULL);
	assert_int_equal(rte_mempool_op_populate_default(mp, 1, buf, 0, 4096, NULL, NULL), -EINVAL);
	free(buf);
	assert_pool_ok(mp);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- debug cookies */

static void
test_dpdk_mempool_cookies(void **state)
{
	struct rte_mempool *mp;
	void *o;
	(void)state;

	mp = rte_mempool_create("ck", 16, 40, 0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_true(hm_mempool_debug(RTE_MEMPOOL_HM(mp))); /* --mempool-debug=on */
	assert_int_equal(rte_mempool_get(mp, &o), 0);
	assert_true(rte_mempool_get_trailer(o)->cookie == RTE_MEMPOOL_HEADER_COOKIE1);
	rte_mempool_check_cookies(mp, &o, 1, 2); /* valid, handed out */
	rte_mempool_put(mp, o);
	assert_true(rte_mempool_get_trailer(o)->cookie == RTE_MEMPOOL_HEADER_COOKIE2);
	rte_mempool_check_cookies(mp, &o, 1, 2); /* valid, in the pool */
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- threads */

#define ROUNDS 20000

static struct rte_mempool *mt_pool;
static volatile int mt_bad;

static int
mt_worker(void *arg)
{
	void *objs[40];
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		unsigned int n = 1 + (unsigned int)(r % 40);
		if (rte_mempool_get_bulk(mt_pool, objs, n) != 0)
			continue;
		for (unsigned int i = 0; i < n; i++) {
			if (rte_mempool_from_obj(objs[i]) != mt_pool)
				mt_bad = 1;
			*(unsigned int *)objs[i] = rte_lcore_id();
		}
		for (unsigned int i = 0; i < n; i++)
			if (*(unsigned int *)objs[i] != rte_lcore_id())
				mt_bad = 1; /* handed out twice */
		rte_mempool_put_bulk(mt_pool, objs, n);
	}
	return 0;
}

static void
test_dpdk_mempool_threads(void **state)
{
	unsigned int lc;
	(void)state;

	mt_pool = rte_mempool_create("mt", 2048, 64, 32, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	assert_non_null(mt_pool);
	mt_bad = 0;
	RTE_LCORE_FOREACH_WORKER(lc)
		assert_int_equal(rte_eal_remote_launch(mt_worker, NULL, lc), 0);
	mt_worker(NULL);
	rte_eal_mp_wait_lcore();
	assert_int_equal(mt_bad, 0);
	RTE_LCORE_FOREACH(lc)
		rte_mempool_cache_flush(rte_mempool_default_cache(mt_pool, lc), mt_pool);
	assert_int_equal(rte_mempool_avail_count(mt_pool), 2048);
	assert_pool_ok(mt_pool);
	rte_mempool_free(mt_pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_invalid_args, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_obj_size, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_obj_size_channels,
						dpdk_test_setup_debug, dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_create_and_use,
						dpdk_test_setup_debug, dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_ops, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_populate_events,
						dpdk_test_setup_debug, dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_op_helpers, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_cookies, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mempool_threads, dpdk_test_setup,
						dpdk_test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
