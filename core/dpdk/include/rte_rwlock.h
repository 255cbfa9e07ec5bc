/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reader-writer locks: rte_rwlock_t is hugemem's hm_rwlock_t (writer-preferring,
 * like DPDK 22.11's: a waiting writer stops new readers), 8 bytes where DPDK's
 * is 4. As with DPDK, a thread must not take the read lock recursively.
 */
#ifndef _RTE_RWLOCK_H_
#define _RTE_RWLOCK_H_

#include <errno.h>
#include <rte_common.h>
#include "hugemem/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef hm_rwlock_t rte_rwlock_t;

#define RTE_RWLOCK_INITIALIZER { 0, 0 }

static inline void
rte_rwlock_init(rte_rwlock_t *rwl)
{
	hm_rwlock_init(rwl);
}

static inline void
rte_rwlock_read_lock(rte_rwlock_t *rwl)
{
	hm_rwlock_read_lock(rwl);
}

/** @return 0 when taken for reading; -EBUSY while a writer holds or waits for it. */
static inline int
rte_rwlock_read_trylock(rte_rwlock_t *rwl)
{
	int32_t x = __atomic_load_n(&rwl->cnt, __ATOMIC_RELAXED);

	if (x < 0 || __atomic_load_n(&rwl->wait, __ATOMIC_RELAXED) != 0 ||
	    !__atomic_compare_exchange_n(&rwl->cnt, &x, x + 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return -EBUSY;
	return 0;
}

static inline void
rte_rwlock_read_unlock(rte_rwlock_t *rwl)
{
	hm_rwlock_read_unlock(rwl);
}

/** @return 0 when taken for writing; -EBUSY while anyone holds it. */
static inline int
rte_rwlock_write_trylock(rte_rwlock_t *rwl)
{
	int32_t x = 0;

	return __atomic_compare_exchange_n(&rwl->cnt, &x, -1, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED) ? 0 : -EBUSY;
}

static inline void
rte_rwlock_write_lock(rte_rwlock_t *rwl)
{
	hm_rwlock_write_lock(rwl);
}

static inline void
rte_rwlock_write_unlock(rte_rwlock_t *rwl)
{
	hm_rwlock_write_unlock(rwl);
}

/* No hardware transactional memory: the _tm forms take the lock. */
static inline void
rte_rwlock_read_lock_tm(rte_rwlock_t *rwl)
{
	rte_rwlock_read_lock(rwl);
}

static inline void
rte_rwlock_read_unlock_tm(rte_rwlock_t *rwl)
{
	rte_rwlock_read_unlock(rwl);
}

static inline void
rte_rwlock_write_lock_tm(rte_rwlock_t *rwl)
{
	rte_rwlock_write_lock(rwl);
}

static inline void
rte_rwlock_write_unlock_tm(rte_rwlock_t *rwl)
{
	rte_rwlock_write_unlock(rwl);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RWLOCK_H_ */
