/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spinlocks: rte_spinlock_t is hugemem's hm_spinlock_t (one int, 0 free, 1
 * held: DPDK's layout), so a lock works across processes and in shared memory.
 * The _tm variants take the lock normally (no hardware transactional memory:
 * rte_tm_supported() is 0).
 */
#ifndef _RTE_SPINLOCK_H_
#define _RTE_SPINLOCK_H_

#include <rte_common.h>
#include <rte_pause.h>
#include <rte_eal.h>
#include "hugemem/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef hm_spinlock_t rte_spinlock_t;

#define RTE_SPINLOCK_INITIALIZER { 0 }

static inline void
rte_spinlock_init(rte_spinlock_t *sl)
{
	hm_spinlock_init(sl);
}

static inline void
rte_spinlock_lock(rte_spinlock_t *sl)
{
	hm_spinlock_lock(sl);
}

static inline void
rte_spinlock_unlock(rte_spinlock_t *sl)
{
	hm_spinlock_unlock(sl);
}

/** @return 1 when the lock was taken, 0 when it is held by someone. */
static inline int
rte_spinlock_trylock(rte_spinlock_t *sl)
{
	return hm_spinlock_trylock(sl);
}

/** @return 1 when the lock is held (by anyone). */
static inline int
rte_spinlock_is_locked(rte_spinlock_t *sl)
{
	return __atomic_load_n(&sl->locked, __ATOMIC_ACQUIRE) != 0;
}

/** 0: no hardware transactional memory is used. */
static inline int
rte_tm_supported(void)
{
	return 0;
}

static inline void
rte_spinlock_lock_tm(rte_spinlock_t *sl)
{
	rte_spinlock_lock(sl);
}

static inline int
rte_spinlock_trylock_tm(rte_spinlock_t *sl)
{
	return rte_spinlock_trylock(sl);
}

static inline void
rte_spinlock_unlock_tm(rte_spinlock_t *sl)
{
	rte_spinlock_unlock(sl);
}

/** A spinlock the holding thread may take again; released after as many unlocks. */
typedef struct {
	rte_spinlock_t sl;
	volatile int user;  /* thread id of the holder, -1 when free */
	volatile int count; /* times the holder took it */
} rte_spinlock_recursive_t;

#define RTE_SPINLOCK_RECURSIVE_INITIALIZER { RTE_SPINLOCK_INITIALIZER, -1, 0 }

static inline void
rte_spinlock_recursive_init(rte_spinlock_recursive_t *slr)
{
	rte_spinlock_init(&slr->sl);
	slr->user = -1;
	slr->count = 0;
}

static inline void
rte_spinlock_recursive_lock(rte_spinlock_recursive_t *slr)
{
	int id = rte_gettid();

	if (__atomic_load_n(&slr->user, __ATOMIC_RELAXED) != id) {
		rte_spinlock_lock(&slr->sl);
		__atomic_store_n(&slr->user, id, __ATOMIC_RELAXED);
	}
	slr->count++;
}

static inline void
rte_spinlock_recursive_unlock(rte_spinlock_recursive_t *slr)
{
	if (--slr->count == 0) {
		__atomic_store_n(&slr->user, -1, __ATOMIC_RELAXED);
		rte_spinlock_unlock(&slr->sl);
	}
}

/** @return 1 when taken (or already held by this thread), 0 otherwise. */
static inline int
rte_spinlock_recursive_trylock(rte_spinlock_recursive_t *slr)
{
	int id = rte_gettid();

	if (__atomic_load_n(&slr->user, __ATOMIC_RELAXED) != id) {
		if (rte_spinlock_trylock(&slr->sl) == 0)
			return 0;
		__atomic_store_n(&slr->user, id, __ATOMIC_RELAXED);
	}
	slr->count++;
	return 1;
}

static inline void
rte_spinlock_recursive_lock_tm(rte_spinlock_recursive_t *slr)
{
	rte_spinlock_recursive_lock(slr);
}

static inline void
rte_spinlock_recursive_unlock_tm(rte_spinlock_recursive_t *slr)
{
	rte_spinlock_recursive_unlock(slr);
}

static inline int
rte_spinlock_recursive_trylock_tm(rte_spinlock_recursive_t *slr)
{
	return rte_spinlock_recursive_trylock(slr);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_SPINLOCK_H_ */
