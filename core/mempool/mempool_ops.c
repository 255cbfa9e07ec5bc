/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool ops: the process-local table of backends and the "stack" backend.
 *
 * The table is an explicit list of the built-in backends (no constructors),
 * followed by what hm_mempool_ops_register adds. A pool stores only its ops
 * index; in a shared instance that index names an entry of the config's ops
 * name registry (mcfg->mempool_ops), and at hm_init every process arranges its
 * table in the registry's order (mempool_ops_attach): ops[i] is the backend
 * named names[i] in every process, whatever order each one registered them in.
 * A name this process never registered gets a placeholder whose calls fail
 * with -ENOTSUP and say which ops are missing: a pool is never run through
 * another backend's functions, and never through a NULL pointer. Entries below
 * num_ops never change after init but through registration (a placeholder
 * replaced by the real ops): the fast path reads them without a lock;
 * registration publishes num_ops with a release store.
 *
 * Built in: the four ring backends (mempool_ring.c), "ring_mp_mc" the default,
 * then "stack": a LIFO array of object pointers under a spinlock, in memzone
 * "SK_<pool name>". Invariant: 0 <= len <= size == pool size.
 */
#include <string.h>

#include "mempool_i.h"
#include "lcore_i.h"
#include "mcfg_i.h"
#include "robust_i.h"
#include "hugemem/memzone.h"

_Static_assert(sizeof(((struct hm_mem_config *)0)->mempool_ops.names) ==
	       HM_MEMPOOL_MAX_OPS_IDX * HM_MEMPOOL_OPS_NAMESIZE, "ops registry geometry");

static struct {
	struct hm_mem_config *mcfg;              /* NULL: no shared registry */
	struct hm_mempool_ops saved[HM_MEMPOOL_MAX_OPS_IDX]; /* the order before attach */
	uint32_t saved_n;
	char warned[HM_MEMPOOL_MAX_OPS_IDX];
} reg;

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

/*
 * A process killed inside the stack's lock leaves it consistent: len is stored
 * once, after the copy (a push not published is lost with its process, a pop
 * not published left the objects in place). Only len beyond size is corrupt.
 */
static int
stack_repair(void *arg, const char **why)
{
	(void)arg;
	(void)why;
	return 0;
}

static const struct robust_recover stack_rec = { "a stack mempool", stack_repair, NULL };

static int
stack_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	struct mp_stack *s = mp->pool_data;

	int rc = robust_lock(&s->lock, &stack_rec);

	if (rc < 0)
		return rc;
	if (HM_UNLIKELY(n > s->size - s->len)) {
		robust_unlock(&s->lock);
		return -ENOBUFS;
	}
	memcpy(&s->objs[s->len], objs, sizeof(void *) * n);
	__atomic_store_n(&s->len, s->len + n, __ATOMIC_RELAXED);
	robust_unlock(&s->lock);
	return 0;
}

static int
stack_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	struct mp_stack *s = mp->pool_data;
	uint32_t len;
	int rc = robust_lock(&s->lock, &stack_rec);

	if (rc < 0)
		return rc;
	len = s->len;
	if (HM_UNLIKELY(n > len)) {
		robust_unlock(&s->lock);
		return -ENOBUFS; /* as DPDK's stack driver */
	}
	for (unsigned int i = 0; i < n; i++)
		objs[i] = s->objs[--len];
	__atomic_store_n(&s->len, len, __ATOMIC_RELAXED);
	robust_unlock(&s->lock);
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

static int register_shared(const struct hm_mempool_ops *ops);

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
	if (reg.mcfg != NULL) {
		idx = register_shared(ops);
		hm_spinlock_unlock(&t->lock);
		return idx;
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

/* ---------------------------------------------------------------- registry */

static int
stub_alloc(struct hm_mempool *mp)
{
	return hm_fail(ENOTSUP, "mempool %s: its ops (index %d) are not registered in this "
		       "process", mp->name, mp->ops_index);
}

static void
stub_free(struct hm_mempool *mp)
{
	(void)mp;
}

static int
stub_missing(const struct hm_mempool *mp)
{
	const char *name = reg.mcfg != NULL && mp->ops_index >= 0 &&
		mp->ops_index < HM_MEMPOOL_MAX_OPS_IDX ?
		reg.mcfg->mempool_ops.names[mp->ops_index] : "?";

	if (mp->ops_index >= 0 && mp->ops_index < HM_MEMPOOL_MAX_OPS_IDX &&
	    !__atomic_exchange_n(&reg.warned[mp->ops_index], 1, __ATOMIC_RELAXED))
		hm_log(HM_LOG_ERR, "mempool %s uses ops '%.31s', which this process never "
		       "registered (hm_mempool_ops_register before hm_init): its gets and puts "
		       "fail here", mp->name, name);
	return hm_fail(ENOTSUP, "mempool %s: ops '%.31s' are not registered in this process",
		       mp->name, name);
}

static int
stub_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	(void)objs;
	(void)n;
	return stub_missing(mp);
}

static int
stub_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	(void)objs;
	(void)n;
	return stub_missing(mp);
}

static unsigned int
stub_get_count(const struct hm_mempool *mp)
{
	(void)mp;
	return 0;
}

static const struct hm_mempool_ops stub_ops = {
	.name = "", .alloc = stub_alloc, .free = stub_free, .enqueue = stub_enqueue,
	.dequeue = stub_dequeue, .get_count = stub_get_count,
};

static bool
is_stub(const struct hm_mempool_ops *o)
{
	return o->alloc == stub_alloc || o->alloc == NULL;
}

int
mempool_ops_attach(struct hm_mem_config *m, bool primary)
{
	struct hm_mempool_ops_table *t = &hm_mempool_ops_table;
	struct hm_mempool_ops next[HM_MEMPOOL_MAX_OPS_IDX];
	bool used[HM_MEMPOOL_MAX_OPS_IDX] = { false };
	int rc = 0;

	hm_spinlock_lock(&t->lock);
	memcpy(reg.saved, t->ops, sizeof(reg.saved));
	reg.saved_n = t->num_ops;
	memset(reg.warned, 0, sizeof(reg.warned));
	for (unsigned int i = 0; i < HM_MEMPOOL_MAX_OPS_IDX; i++)
		next[i] = stub_ops;
	if (primary) {
		/* a fresh config: the registry is this process's order */
		hm_spinlock_init(&m->mempool_ops.lock);
		for (uint32_t i = 0; i < t->num_ops; i++) {
			snprintf(m->mempool_ops.names[i], HM_MEMPOOL_OPS_NAMESIZE, "%s", t->ops[i].name);
			next[i] = t->ops[i];
		}
		m->mempool_ops.n = t->num_ops;
	} else {
		rc = robust_lock(&m->mempool_ops.lock, NULL);
		if (rc < 0)
			goto out;
		uint32_t n = m->mempool_ops.n < HM_MEMPOOL_MAX_OPS_IDX ? m->mempool_ops.n :
			HM_MEMPOOL_MAX_OPS_IDX;
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t j = 0; j < t->num_ops; j++)
				if (!used[j] && strncmp(t->ops[j].name, m->mempool_ops.names[i],
							HM_MEMPOOL_OPS_NAMESIZE) == 0) {
					next[i] = t->ops[j];
					used[j] = true;
					break;
				}
		/* this process's own: appended to the registry for the others */
		for (uint32_t j = 0; j < t->num_ops && rc == 0; j++) {
			if (used[j])
				continue;
			if (n == HM_MEMPOOL_MAX_OPS_IDX) {
				rc = hm_fail(ENOSPC, "mempool ops '%s': the instance's ops registry "
					     "is full (%d names)", t->ops[j].name,
					     HM_MEMPOOL_MAX_OPS_IDX);
				break;
			}
			snprintf(m->mempool_ops.names[n], HM_MEMPOOL_OPS_NAMESIZE, "%s",
				 t->ops[j].name);
			next[n++] = t->ops[j];
		}
		if (rc == 0)
			__atomic_store_n(&m->mempool_ops.n, n, __ATOMIC_RELEASE);
		robust_unlock(&m->mempool_ops.lock);
		if (rc < 0)
			goto out;
		t->num_ops = n;
	}
	memcpy(t->ops, next, sizeof(next));
	reg.mcfg = m;
out:
	hm_spinlock_unlock(&t->lock);
	if (rc == 0)
		lcore_on_adopt(mempool_lcore_adopt);
	return rc;
}

void
mempool_ops_detach(void)
{
	struct hm_mempool_ops_table *t = &hm_mempool_ops_table;

	if (reg.mcfg == NULL)
		return;
	lcore_on_adopt(NULL);
	hm_spinlock_lock(&t->lock);
	/* what this process registered meanwhile stays registered */
	for (uint32_t i = 0; i < t->num_ops; i++) {
		bool known = is_stub(&t->ops[i]);
		for (uint32_t j = 0; j < reg.saved_n && !known; j++)
			known = strcmp(reg.saved[j].name, t->ops[i].name) == 0;
		if (!known && reg.saved_n < HM_MEMPOOL_MAX_OPS_IDX)
			reg.saved[reg.saved_n++] = t->ops[i];
	}
	memcpy(t->ops, reg.saved, sizeof(reg.saved));
	t->num_ops = reg.saved_n;
	reg.mcfg = NULL;
	hm_spinlock_unlock(&t->lock);
}

/* After init: the name's index in the shared registry (added when new) is its
 * index here too. pre: the table's lock. */
static int
register_shared(const struct hm_mempool_ops *ops)
{
	struct hm_mempool_ops_table *t = &hm_mempool_ops_table;
	struct hm_mem_config *m = reg.mcfg;
	uint32_t n, k;
	int rc = robust_lock(&m->mempool_ops.lock, NULL);

	if (rc < 0)
		return rc;
	n = m->mempool_ops.n;
	for (k = 0; k < n; k++)
		if (strncmp(m->mempool_ops.names[k], ops->name, HM_MEMPOOL_OPS_NAMESIZE) == 0)
			break;
	if (k == n) {
		if (n == HM_MEMPOOL_MAX_OPS_IDX) {
			robust_unlock(&m->mempool_ops.lock);
			return hm_fail(ENOSPC, "mempool ops '%s': the instance's ops registry is "
				       "full (%d names)", ops->name, HM_MEMPOOL_MAX_OPS_IDX);
		}
		snprintf(m->mempool_ops.names[k], HM_MEMPOOL_OPS_NAMESIZE, "%s", ops->name);
		__atomic_store_n(&m->mempool_ops.n, n + 1, __ATOMIC_RELEASE);
	}
	robust_unlock(&m->mempool_ops.lock);
	HM_ASSERT(is_stub(&t->ops[k]));
	t->ops[k] = *ops;
	if (t->num_ops < k + 1)
		__atomic_store_n(&t->num_ops, k + 1, __ATOMIC_RELEASE);
	return (int)k;
}

/* ---------------------------------------------------------------- cache misses
 * The parts of hm_mempool_do_put / do_get (mempool_core.h) that reach the
 * backend: 22.11's semantics, described there. */

void
hm_mempool__put_slow(struct hm_mempool *mp, void *const *objs, unsigned int n,
		     struct hm_mempool_cache *cache)
{
	if (cache == NULL || n > cache->flushthresh) {
		hm_mempool_ops_enqueue(mp, objs, n);
		return;
	}
	if (cache->len + n <= cache->flushthresh) { /* room after all (a caller's own test) */
		memcpy(&cache->objs[cache->len], objs, sizeof(void *) * n);
		cache->len += n;
		return;
	}
	/* the whole cache goes to the backend; the n objects become the cache */
	hm_mempool_ops_enqueue(mp, cache->objs, cache->len);
	memcpy(&cache->objs[0], objs, sizeof(void *) * n);
	cache->len = n;
}

int
hm_mempool__get_slow(struct hm_mempool *mp, void **objs, unsigned int n,
		     struct hm_mempool_cache *cache)
{
	unsigned int take, rem = n, i;
	void **src;
	int rc;

	if (cache == NULL)
		goto backend;
	if (n <= cache->len) { /* enough after all (a caller's own test) */
		src = &cache->objs[cache->len];
		cache->len -= n;
		for (i = 0; i < n; i++)
			objs[i] = *--src;
		return 0;
	}
	take = cache->len;
	src = &cache->objs[take];
	for (i = 0; i < take; i++)
		*objs++ = *--src;
	cache->len = 0;
	rem = n - take;
	if (rem > HM_MEMPOOL_CACHE_MAX_SIZE)
		goto backend;
	rc = hm_mempool_ops_dequeue(mp, cache->objs, cache->size + rem);
	if (rc < 0)
		goto backend;
	src = &cache->objs[cache->size + rem];
	for (i = 0; i < rem; i++)
		*objs++ = *--src;
	cache->len = cache->size;
	return 0;
backend:
	rc = hm_mempool_ops_dequeue(mp, objs, rem);
	if (rc < 0) {
		if (cache != NULL)
			cache->len = n - rem; /* the objects are still in objs[] */
		__atomic_fetch_add(&mp->get_fail, 1, __ATOMIC_RELAXED);
		return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- general path
 * put_bulk / get_bulk when hm_mempool__fast_cache() gives no cache: a thread
 * without an lcore id (or one above the pool's caches), a pool without caches,
 * or a debug pool (its cookies are checked here). */

void
hm_mempool__put_any(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	hm_mempool_generic_put(mp, objs, n, hm_mempool_default_cache(mp, hm_lcore_id()));
}

int
hm_mempool__get_any(struct hm_mempool *mp, void **objs, unsigned int n)
{
	return hm_mempool_generic_get(mp, objs, n, hm_mempool_default_cache(mp, hm_lcore_id()));
}
