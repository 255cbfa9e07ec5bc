/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool ops of the DPDK layer: rte_mempool_ops_table mirrors hugemem's ops
 * table (hm_mempool_ops_table) index for index, so a pool's ops_index means
 * the same to DPDK code and to hugemem's inline get / put.
 *
 *   entries hugemem registered (its built-in ring and stack backends, or
 *   hm_mempool_ops_register): the DPDK entry's callbacks are trampolines into
 *   hugemem's (hm_*_tramp);
 *   entries rte_mempool_register_ops registered: hugemem's entry holds
 *   trampolines into the DPDK callbacks (rte_*_tramp), the DPDK entry the
 *   caller's ops.
 * Invariant (under rte_mempool_ops_table.sl): rte_mempool_ops_table.num_ops
 * <= hm_mempool_ops_table.num_ops, and entry i has the same name in both.
 * ops_sync() brings the DPDK table up to hugemem's; every entry point that
 * reads the table by index calls it first.
 *
 * Also the mempool event callbacks (process-local, as in DPDK).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "dpdk_i.h"
#include "hugemem/mempool.h"

struct rte_mempool_ops_table rte_mempool_ops_table = {
	.sl = RTE_SPINLOCK_INITIALIZER,
	.num_ops = 0,
};

#define HM(mp) RTE_MEMPOOL_HM(mp)
#define RTE_MP(mp) ((struct rte_mempool *)(void *)(mp))
#define RTE_MP_CONST(mp) ((const struct rte_mempool *)(const void *)(mp))

/* ---------------------------------------------------------------- hugemem -> DPDK entries */

static int
hm_alloc_tramp(struct rte_mempool *mp)
{
	return hm_mempool_ops_table.ops[mp->ops_index].alloc(HM(mp));
}

static void
hm_free_tramp(struct rte_mempool *mp)
{
	hm_mempool_ops_table.ops[mp->ops_index].free(HM(mp));
}

static int
hm_enqueue_tramp(struct rte_mempool *mp, void *const *objs, unsigned int n)
{
	return hm_mempool_ops_enqueue(HM(mp), objs, n);
}

static int
hm_dequeue_tramp(struct rte_mempool *mp, void **objs, unsigned int n)
{
	return hm_mempool_ops_dequeue(HM(mp), objs, n);
}

static unsigned int
hm_get_count_tramp(const struct rte_mempool *mp)
{
	return hm_mempool_ops_table.ops[mp->ops_index].get_count(RTE_MEMPOOL_HM_CONST(mp));
}

/* ---------------------------------------------------------------- DPDK -> hugemem entries */

static int
rte_alloc_tramp(struct hm_mempool *mp)
{
	return rte_mempool_ops_table.ops[mp->ops_index].alloc(RTE_MP(mp));
}

static void
rte_free_tramp(struct hm_mempool *mp)
{
	rte_mempool_free_t f = rte_mempool_ops_table.ops[mp->ops_index].free;

	if (f != NULL) /* optional in DPDK */
		f(RTE_MP(mp));
}

static int
rte_enqueue_tramp(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	return rte_mempool_ops_table.ops[mp->ops_index].enqueue(RTE_MP(mp), objs, n);
}

static int
rte_dequeue_tramp(struct hm_mempool *mp, void **objs, unsigned int n)
{
	return rte_mempool_ops_table.ops[mp->ops_index].dequeue(RTE_MP(mp), objs, n);
}

static unsigned int
rte_get_count_tramp(const struct hm_mempool *mp)
{
	return rte_mempool_ops_table.ops[mp->ops_index].get_count(RTE_MP_CONST(mp));
}

/* Mirror hugemem's entries the DPDK table lacks. pre: the table lock is held. */
static void
ops_sync_locked(void)
{
	uint32_t n = __atomic_load_n(&hm_mempool_ops_table.num_ops, __ATOMIC_ACQUIRE);

	for (uint32_t i = rte_mempool_ops_table.num_ops; i < n && i < RTE_MEMPOOL_MAX_OPS_IDX; i++) {
		struct rte_mempool_ops *o = &rte_mempool_ops_table.ops[i];

		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", hm_mempool_ops_table.ops[i].name);
		o->alloc = hm_alloc_tramp;
		o->free = hm_free_tramp;
		o->enqueue = hm_enqueue_tramp;
		o->dequeue = hm_dequeue_tramp;
		o->get_count = hm_get_count_tramp;
		__atomic_store_n(&rte_mempool_ops_table.num_ops, i + 1, __ATOMIC_RELEASE);
	}
}

EAL_INTERNAL void
mempool_ops_sync(void)
{
	if (__atomic_load_n(&rte_mempool_ops_table.num_ops, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&hm_mempool_ops_table.num_ops, __ATOMIC_ACQUIRE))
		return;
	rte_spinlock_lock(&rte_mempool_ops_table.sl);
	ops_sync_locked();
	rte_spinlock_unlock(&rte_mempool_ops_table.sl);
}

int
rte_mempool_register_ops(const struct rte_mempool_ops *h)
{
	struct hm_mempool_ops hops;
	int idx;

	if (h == NULL)
		return -EINVAL;
	if (h->alloc == NULL || h->enqueue == NULL || h->dequeue == NULL || h->get_count == NULL) {
		RTE_LOG(ERR, MEMPOOL, "mempool ops '%.32s': alloc, enqueue, dequeue and "
			"get_count are required\n", h->name);
		return -EINVAL;
	}
	if (strnlen(h->name, sizeof(h->name)) >= sizeof(h->name) - 1) {
		/* DPDK's answer for a name of 31 characters or more */
		RTE_LOG(ERR, MEMPOOL, "mempool ops name '%.32s...' is too long\n", h->name);
		rte_errno = EEXIST;
		return -EEXIST;
	}
	if (h->name[0] == '\0')
		return -EINVAL;
	memset(&hops, 0, sizeof(hops));
	snprintf(hops.name, sizeof(hops.name), "%s", h->name);
	hops.alloc = rte_alloc_tramp;
	hops.free = rte_free_tramp;
	hops.enqueue = rte_enqueue_tramp;
	hops.dequeue = rte_dequeue_tramp;
	hops.get_count = rte_get_count_tramp;
	rte_spinlock_lock(&rte_mempool_ops_table.sl);
	ops_sync_locked();
	/* the DPDK entry is in place before hugemem's table publishes the index */
	idx = (int)hm_mempool_ops_table.num_ops;
	if (idx < RTE_MEMPOOL_MAX_OPS_IDX)
		rte_mempool_ops_table.ops[idx] = *h;
	idx = hm_mempool_ops_register(&hops);
	if (idx >= 0)
		__atomic_store_n(&rte_mempool_ops_table.num_ops, (uint32_t)idx + 1, __ATOMIC_RELEASE);
	else
		RTE_LOG(ERR, MEMPOOL, "mempool ops '%s': %s\n", h->name, hm_last_error());
	rte_spinlock_unlock(&rte_mempool_ops_table.sl);
	return idx;
}

int
rte_mempool_set_ops_byname(struct rte_mempool *mp, const char *name, void *pool_config)
{
	int rc = hm_mempool_set_ops_byname(HM(mp), name, pool_config);

	mempool_ops_sync();
	return rc;
}

/* The DPDK entry of @p mp's ops, or NULL when @p mp is not a pool. */
static const struct rte_mempool_ops *
ops_of(const struct rte_mempool *mp)
{
	if (hm_mempool_ops_name(RTE_MEMPOOL_HM_CONST(mp)) == NULL)
		return NULL;
	mempool_ops_sync();
	return &rte_mempool_ops_table.ops[mp->ops_index];
}

int
rte_mempool_ops_alloc(struct rte_mempool *mp)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	return o != NULL ? o->alloc(mp) : -EINVAL;
}

void
rte_mempool_ops_free(struct rte_mempool *mp)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	if (o != NULL && o->free != NULL && (mp->flags & RTE_MEMPOOL_F_POOL_CREATED))
		o->free(mp);
}

unsigned
rte_mempool_ops_get_count(const struct rte_mempool *mp)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	/* no backend yet: nothing in it (DPDK calls into a NULL ring) */
	if (o == NULL || !(mp->flags & RTE_MEMPOOL_F_POOL_CREATED))
		return 0;
	return o->get_count(mp);
}

int
rte_mempool_ops_get_info(const struct rte_mempool *mp, struct rte_mempool_info *info)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	if (o == NULL || info == NULL)
		return -EINVAL;
	if (o->get_info == NULL)
		return -ENOTSUP;
	return o->get_info(mp, info);
}

int
rte_mempool_ops_dequeue_contig_blocks(struct rte_mempool *mp, void **first_obj_table,
				      unsigned int n)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	if (o == NULL)
		return -EINVAL;
	if (o->dequeue_contig_blocks == NULL)
		return -ENOTSUP; /* DPDK calls through a NULL pointer */
	return o->dequeue_contig_blocks(mp, first_obj_table, n);
}

ssize_t
rte_mempool_ops_calc_mem_size(const struct rte_mempool *mp, uint32_t obj_num, uint32_t pg_shift,
			      size_t *min_chunk_size, size_t *align)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	if (o == NULL || min_chunk_size == NULL || align == NULL)
		return -EINVAL;
	if (o->calc_mem_size == NULL)
		return rte_mempool_op_calc_mem_size_default(mp, obj_num, pg_shift, min_chunk_size,
							    align);
	return o->calc_mem_size(mp, obj_num, pg_shift, min_chunk_size, align);
}

int
rte_mempool_ops_populate(struct rte_mempool *mp, unsigned int max_objs, void *vaddr,
			 rte_iova_t iova, size_t len, rte_mempool_populate_obj_cb_t *obj_cb,
			 void *obj_cb_arg)
{
	const struct rte_mempool_ops *o = ops_of(mp);

	if (o == NULL)
		return -EINVAL;
	if (o->populate == NULL)
		return rte_mempool_op_populate_default(mp, max_objs, vaddr, iova, len, obj_cb,
						       obj_cb_arg);
	return o->populate(mp, max_objs, vaddr, iova, len, obj_cb, obj_cb_arg);
}

/* ---------------------------------------------------------------- event callbacks */

struct event_cb {
	rte_mempool_event_callback *func;
	void *user_data;
	struct event_cb *next;
};

static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
static struct event_cb *event_cbs; /* registration order */

int
rte_mempool_event_callback_register(rte_mempool_event_callback *func, void *user_data)
{
	struct event_cb *cb, **tail;

	if (func == NULL) {
		rte_errno = EINVAL;
		return -EINVAL;
	}
	pthread_mutex_lock(&event_lock);
	for (tail = &event_cbs; *tail != NULL; tail = &(*tail)->next)
		if ((*tail)->func == func && (*tail)->user_data == user_data) {
			pthread_mutex_unlock(&event_lock);
			rte_errno = EEXIST;
			return -EEXIST;
		}
	cb = calloc(1, sizeof(*cb));
	if (cb == NULL) {
		pthread_mutex_unlock(&event_lock);
		rte_errno = ENOMEM;
		return -ENOMEM;
	}
	cb->func = func;
	cb->user_data = user_data;
	*tail = cb;
	pthread_mutex_unlock(&event_lock);
	return 0;
}

int
rte_mempool_event_callback_unregister(rte_mempool_event_callback *func, void *user_data)
{
	struct event_cb **p;

	pthread_mutex_lock(&event_lock);
	for (p = &event_cbs; *p != NULL; p = &(*p)->next)
		if ((*p)->func == func && (*p)->user_data == user_data) {
			struct event_cb *cb = *p;
			*p = cb->next;
			pthread_mutex_unlock(&event_lock);
			free(cb);
			return 0;
		}
	pthread_mutex_unlock(&event_lock);
	rte_errno = ENOENT;
	return -ENOENT;
}

EAL_INTERNAL void
mempool_event_invoke(int event, struct rte_mempool *mp)
{
	struct event_cb *cb, *snap = NULL;
	size_t n = 0, i = 0;

	/* call a snapshot without the lock: a callback may register (not called
	 * for this event) or unregister itself, as DPDK allows */
	pthread_mutex_lock(&event_lock);
	for (cb = event_cbs; cb != NULL; cb = cb->next)
		n++;
	if (n > 0)
		snap = calloc(n, sizeof(*snap));
	for (cb = event_cbs; snap != NULL && cb != NULL; cb = cb->next)
		snap[i++] = *cb;
	pthread_mutex_unlock(&event_lock);
	if (snap == NULL && n > 0) {
		RTE_LOG(ERR, MEMPOOL, "mempool '%s': no memory to run %zu event callbacks\n",
			mp->name, n);
		return;
	}
	for (i = 0; i < n; i++)
		snap[i].func((enum rte_mempool_event)event, mp, snap[i].user_data);
	free(snap);
}
