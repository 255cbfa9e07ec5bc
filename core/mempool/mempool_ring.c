/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring backends of mempools (DPDK's drivers/mempool/ring): "ring_mp_mc" (the
 * default), "ring_sp_sc", "ring_sp_mc", "ring_mp_sc". alloc creates ring
 * "MP_<pool name>" (memzone "RG_MP_<pool name>", hence HM_MEMPOOL_NAMESIZE 26)
 * of count align32pow2(n + 1), so its capacity is at least the pool size and an
 * enqueue of the pool's own objects never fails. enqueue and dequeue are bulk:
 * all or nothing, -ENOBUFS when the ring cannot.
 */
#include <stdio.h>

#include "mempool_i.h"
#include "hugemem/ring.h"

static int
ring_alloc(struct hm_mempool *mp, unsigned int rflags)
{
	char name[HM_RING_NAMESIZE];
	struct hm_ring *r;
	uint32_t count = 1;

	while (count < mp->size + 1)
		count <<= 1;
	snprintf(name, sizeof(name), "MP_%s", mp->name);
	r = hm_ring_create(name, count, mp->socket_id, rflags);
	if (r == NULL)
		return -hm_errno;
	mp->pool_data = r;
	return 0;
}

int
mempool_ring_mp_mc_alloc(struct hm_mempool *mp)
{
	return ring_alloc(mp, 0);
}

int
mempool_ring_sp_sc_alloc(struct hm_mempool *mp)
{
	return ring_alloc(mp, HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
}

int
mempool_ring_sp_mc_alloc(struct hm_mempool *mp)
{
	return ring_alloc(mp, HM_RING_F_SP_ENQ);
}

int
mempool_ring_mp_sc_alloc(struct hm_mempool *mp)
{
	return ring_alloc(mp, HM_RING_F_SC_DEQ);
}

void
mempool_ring_free(struct hm_mempool *mp)
{
	hm_ring_free(mp->pool_data);
	mp->pool_data = NULL;
}

unsigned int
mempool_ring_get_count(const struct hm_mempool *mp)
{
	return hm_ring_count(mp->pool_data);
}

int
mempool_ring_mp_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	return hm_ring_mp_enqueue_bulk(mp->pool_data, objs, n, NULL) == n || n == 0 ? 0 : -ENOBUFS;
}

int
mempool_ring_sp_enqueue(struct hm_mempool *mp, void *const *objs, unsigned int n)
{
	return hm_ring_sp_enqueue_bulk(mp->pool_data, objs, n, NULL) == n || n == 0 ? 0 : -ENOBUFS;
}

int
mempool_ring_mc_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	return hm_ring_mc_dequeue_bulk(mp->pool_data, objs, n, NULL) == n || n == 0 ? 0 : -ENOBUFS;
}

int
mempool_ring_sc_dequeue(struct hm_mempool *mp, void **objs, unsigned int n)
{
	return hm_ring_sc_dequeue_bulk(mp->pool_data, objs, n, NULL) == n || n == 0 ? 0 : -ENOBUFS;
}
