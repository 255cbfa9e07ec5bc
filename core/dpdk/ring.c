/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_ring.h's functions that are not inline, over hugemem's rings. struct
 * rte_ring is struct hm_ring (the layout is asserted below), so every call
 * passes the ring through; errors become rte_errno / -errno as DPDK reports
 * them.
 *
 * Where DPDK 22.11 is wrong, hugemem's rings do the right thing (docs/
 * dpdk-compat.md): count 0 is refused (DPDK makes a ring of capacity 2^32 - 1),
 * RING_F_EXACT_SZ counts of 2^31 and above are refused (DPDK wraps to a ring of
 * size 0), and invalid flags fail before anything is reserved (DPDK returns a
 * half-built ring).
 */
#include <errno.h>
#include <stddef.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_ring.h>

#include "dpdk_i.h"
#include "hugemem/ring.h"

#define SAME(a, b)                                                                    \
	_Static_assert(offsetof(struct rte_ring, a) == offsetof(struct hm_ring, b) &&  \
		       sizeof(((struct rte_ring *)0)->a) == sizeof(((struct hm_ring *)0)->b), \
		       "rte_ring." #a " is hm_ring." #b)
SAME(name, name);
SAME(flags, flags);
SAME(hm_esize, esize);
SAME(memzone, memzone);
SAME(size, size);
SAME(mask, mask);
SAME(capacity, capacity);
SAME(hm_magic, magic);
SAME(prod.head, prod.head);
SAME(cons.head, cons.head);
SAME(cons.tail, cons.tail);
_Static_assert(sizeof(struct rte_ring) == sizeof(struct hm_ring), "ring size");
_Static_assert(offsetof(struct rte_ring, prod.tail) == offsetof(struct hm_ring, prod.tail) &&
	       offsetof(struct rte_ring, prod.sync_type) == offsetof(struct hm_ring, prod.sync_type) &&
	       offsetof(struct rte_ring, rts_prod.htd_max) == offsetof(struct hm_ring, prod.htd_max) &&
	       offsetof(struct rte_ring, rts_prod.head) == offsetof(struct hm_ring, prod.rts_head) &&
	       offsetof(struct rte_ring, hts_prod.ht) == offsetof(struct hm_ring, prod.hts),
	       "ring side layout");
_Static_assert(RING_F_SP_ENQ == HM_RING_F_SP_ENQ && RING_F_SC_DEQ == HM_RING_F_SC_DEQ &&
	       RING_F_EXACT_SZ == HM_RING_F_EXACT_SZ && RING_F_MP_RTS_ENQ == HM_RING_F_MP_RTS_ENQ &&
	       RING_F_MC_RTS_DEQ == HM_RING_F_MC_RTS_DEQ &&
	       RING_F_MP_HTS_ENQ == HM_RING_F_MP_HTS_ENQ &&
	       RING_F_MC_HTS_DEQ == HM_RING_F_MC_HTS_DEQ && RTE_RING_SZ_MASK == HM_RING_SZ_MASK,
	       "ring flags");
_Static_assert((int)RTE_RING_SYNC_MT == HM_RING_SYNC_MT && (int)RTE_RING_SYNC_ST == HM_RING_SYNC_ST &&
	       (int)RTE_RING_SYNC_MT_RTS == HM_RING_SYNC_MT_RTS &&
	       (int)RTE_RING_SYNC_MT_HTS == HM_RING_SYNC_MT_HTS, "sync types");
_Static_assert(RTE_RING_NAMESIZE == HM_RING_NAMESIZE, "ring names");

#define RTE_RING(r) ((struct rte_ring *)(void *)(r))

ssize_t
rte_ring_get_memsize_elem(unsigned int esize, unsigned int count)
{
	return hm_ring_get_memsize_elem(esize, count);
}

ssize_t
rte_ring_get_memsize(unsigned int count)
{
	return hm_ring_get_memsize(count);
}

int
rte_ring_init(struct rte_ring *r, const char *name, unsigned int count, unsigned int flags)
{
	int rc = hm_ring_init(RTE_RING_HM(r), name, count, flags);

	if (rc < 0)
		RTE_LOG(ERR, RING, "%s\n", hm_last_error());
	return rc;
}

struct rte_ring *
rte_ring_create_elem(const char *name, unsigned int esize, unsigned int count, int socket_id,
		     unsigned int flags)
{
	struct hm_ring *r = hm_ring_create_elem(name, esize, count, socket_id, flags);

	if (r == NULL) {
		rte_errno = hm_errno;
		RTE_LOG(ERR, RING, "%s\n", hm_last_error());
	}
	return RTE_RING(r);
}

struct rte_ring *
rte_ring_create(const char *name, unsigned int count, int socket_id, unsigned int flags)
{
	return rte_ring_create_elem(name, sizeof(void *), count, socket_id, flags);
}

void
rte_ring_free(struct rte_ring *r)
{
	if (r == NULL)
		return;
	hm_errno = 0;
	hm_ring_free(RTE_RING_HM(r));
	if (hm_errno != 0)
		RTE_LOG(ERR, RING, "Cannot free ring: %s\n", hm_last_error());
}

void
rte_ring_reset(struct rte_ring *r)
{
	hm_ring_reset(RTE_RING_HM(r));
}

void
rte_ring_dump(FILE *f, const struct rte_ring *r)
{
	hm_ring_dump(f, RTE_RING_HM_CONST(r));
}

void
rte_ring_list_dump(FILE *f)
{
	hm_ring_list_dump(f);
}

struct rte_ring *
rte_ring_lookup(const char *name)
{
	struct hm_ring *r = hm_ring_lookup(name);

	if (r == NULL)
		rte_errno = hm_errno;
	return RTE_RING(r);
}
