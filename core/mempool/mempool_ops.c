/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool ops: the process-local table of backends and the "stack" backend.
 *
 * The table is an explicit list of the built-in backends (no constructors),
 * followed by what hm_mempool_ops_register adds. A pool stores only its ops
 * index, so every process must register the same ops in the same order (as in
 * DPDK). Entries below num_ops never change: the fast path reads them without
 * a lock; registration publishes num_ops with a release store.
 *
 * Built in: the four ring backends (mempool_ring.c), "ring_mp_mc" the default,
 * then "stack": a LIFO array of object pointers under a spinlock, in memzone
 * "SK_<pool name>". Invariant: 0 <= len <= size == pool size.
 */
#include <string.h>

#include "mempool_i.h"
#include "hugemem/memzone.h"

/* The stack backend's state (pool_data), at the start of its memzone. */
struct mp_stack {
	hm_spinlock_t lock;           /* enqueue, dequeue */
	uint32_t len;                 /* objects in objs[0..len); atomic stores under the lock */
	uint32_t size;                /* capacity: the pool's size */
	uint32_t pad;
	const struct hm_memzone *mz;  /* holding this */
	void *objs[];
};

static int
stack_alloc(struct hm_mempool *mp)
{
	char name[HM_MEMZONE_NAMESIZE];
	const struct hm_memzone *mz;
	struct mp_stack *s;

	snprintf(name, sizeof(name), "SK_%s", mp->name);
	mz = hm_memzone_reserve(name, sizeof(*s) + (size_t)mp->size * sizeof(void *),
				mp->socket_id, HM_MEMZONE_1GB | HM_MEMZONE_SIZE_HINT_ONLY);
	if (mz == NULL)
		return -hm_errno;
	s = mz->addr;
	hm_spinlock_init(&s->lock);
	s->len = 0;
	s->size = mp->size;
	s->mz = mz;
	mp->pool_data = s;
	return 0;
}

static void
stack_free(struct hm_mempool *mp)
{
	struct mp_stack *s = mp->pool_data;

	if (s != NULL)
		hm_memzone_free(s->mz);
	mp->pool_data = NULL;
}

static int
stack_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	struct mp_stack *s = mp->pool_data;

	hm_spinlock_lock(&s->lock);
	if (HM_UNLIKELY(n > s->size - s->len)) {
		hm_spinlock_unlock(&s->lock);
		return -ENOBUFS;
	}
	memcpy(&s->objs[s->len], objs, sizeof(void *) * n);
	__atomic_store_n(&s->len, s->len + n, __ATOMIC_RELAXED);
	hm_spinlock_unlock(&s->lock);
	return 0;
}

static int
stack_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	struct mp_stack *s = mp->pool_data;
	uint32_t len;

	hm_spinlock_lock(&s->lock);
	len = s->len;
	if (HM_UNLIKELY(n > len)) {
		hm_spinlock_unlock(&s->lock);
		return -ENOBUFS; /* as DPDK's stack driver */
	}
	for (unsigned int i = 0; i < n; i++)
		objs[i] = s->objs[--len];
	__atomic_store_n(&s->len, len, __ATOMIC_RELAXED);
	hm_spinlock_unlock(&s->lock);
	return 0;
}

static unsigned int
stack_get_count(const struct hm_mempool *mp)
{
	const struct mp_stack *s = mp->pool_data;

	return __atomic_load_n(&s->len, __ATOMIC_RELAXED);
}

#define MP_RING_OPS(nm, sync, enq, deq)                                             \
	{ .name = nm, .alloc = mempool_ring_##sync##_alloc, .free = mempool_ring_free, \
	  .enqueue = mempool_ring_##enq##_enqueue, .dequeue = mempool_ring_##deq##_dequeue, \
	  .get_count = mempool_ring_get_count }

/* Built-in ops, in a fixed order (a pool stores the index). */
struct hm_mempool_ops_table hm_mempool_ops_table = {
	.lock = HM_SPINLOCK_INITIALIZER,
	.num_ops = 5,
	.ops = {
		MP_RING_OPS("ring_mp_mc", mp_mc, mp, mc),
		MP_RING_OPS("ring_sp_sc", sp_sc, sp, sc),
		MP_RING_OPS("ring_sp_mc", sp_mc, sp, mc),
		MP_RING_OPS("ring_mp_sc", mp_sc, mp, sc),
		{ .name = "stack", .alloc = stack_alloc, .free = stack_free,
		  .enqueue = stack_enqueue, .dequeue = stack_dequeue,
		  .get_count = stack_get_count },
	},
};

int
hm_mempool_ops_lookup(const char *name)
{
	uint32_t n = __atomic_load_n(&hm_mempool_ops_table.num_ops, __ATOMIC_ACQUIRE);

	if (name == NULL)
		return hm_fail(EINVAL, "mempool ops lookup: NULL name");
	for (uint32_t i = 0; i < n; i++)
		if (strncmp(hm_mempool_ops_table.ops[i].name, name, HM_MEMPOOL_OPS_NAMESIZE) == 0)
			return (int)i;
	return hm_fail(ENOENT, "no mempool ops named '%.40s'", name);
}

int
hm_mempool_ops_register(const struct hm_mempool_ops *ops)
{
	struct hm_mempool_ops_table *t = &hm_mempool_ops_table;
	size_t nlen;
	int idx;

	if (ops == NULL)
		return hm_fail(EINVAL, "mempool ops register: NULL ops");
	if (ops->alloc == NULL || ops->free == NULL || ops->enqueue == NULL ||
	    ops->dequeue == NULL || ops->get_count == NULL)
		return hm_fail(EINVAL, "mempool ops register: every callback must be set");
	nlen = strnlen(ops->name, HM_MEMPOOL_OPS_NAMESIZE);
	if (nlen == 0)
		return hm_fail(EINVAL, "mempool ops register: empty name");
	if (nlen >= HM_MEMPOOL_OPS_NAMESIZE)
		return hm_fail(ENAMETOOLONG, "mempool ops name is longer than %d characters",
			       HM_MEMPOOL_OPS_NAMESIZE - 1);
	hm_spinlock_lock(&t->lock);
	for (uint32_t i = 0; i < t->num_ops; i++)
		if (strncmp(t->ops[i].name, ops->name, HM_MEMPOOL_OPS_NAMESIZE) == 0) {
			hm_spinlock_unlock(&t->lock);
			return hm_fail(EEXIST, "mempool ops '%s' are already registered", ops->name);
		}
	if (t->num_ops >= HM_MEMPOOL_MAX_OPS_IDX) {
		hm_spinlock_unlock(&t->lock);
		return hm_fail(ENOSPC, "mempool ops table is full (%d entries)",
			       HM_MEMPOOL_MAX_OPS_IDX);
	}
	idx = (int)t->num_ops;
	t->ops[idx] = *ops;
	__atomic_store_n(&t->num_ops, t->num_ops + 1, __ATOMIC_RELEASE);
	hm_spinlock_unlock(&t->lock);
	return idx;
}
