/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spinlock and reader-writer lock that work across processes: they are plain
 * atomics, so they keep working when the memory holding them is mapped by several
 * processes (shared config, fbarray headers). They hold no pointers and need no
 * initialisation beyond zeroing.
 *
 * hm_rwlock: cnt > 0 readers, cnt == -1 one writer, cnt == 0 free. Writers set the
 * "waiting" bit so new readers back off: a writer is never starved by a stream of
 * readers. Consequence: a thread must never take the read lock recursively (a writer
 * queued between the two acquisitions would deadlock it); internal code calls
 * unlocked helpers instead.
 */
#ifndef HUGEMEM_LOCK_H
#define HUGEMEM_LOCK_H

#include <stdint.h>
#include <sched.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	volatile int32_t locked; /* 0 free, 1 held */
} hm_spinlock_t;

typedef struct {
	volatile int32_t cnt;  /* >0 readers, -1 writer, 0 free */
	volatile int32_t wait; /* writers waiting: readers back off while non-zero */
} hm_rwlock_t;

#define HM_SPINLOCK_INITIALIZER { 0 }
#define HM_RWLOCK_INITIALIZER { 0, 0 }

static inline void
hm_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* Spin a little, then give the CPU away: a holder may be descheduled. */
static inline void
hm_backoff(unsigned int *spins)
{
	if (++*spins < 64)
		hm_pause();
	else
		sched_yield();
}

static inline void
hm_spinlock_init(hm_spinlock_t *sl)
{
	__atomic_store_n(&sl->locked, 0, __ATOMIC_RELAXED);
}

static inline int
hm_spinlock_trylock(hm_spinlock_t *sl)
{
	int32_t exp = 0;
	return __atomic_compare_exchange_n(&sl->locked, &exp, 1, 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void
hm_spinlock_lock(hm_spinlock_t *sl)
{
	unsigned int spins = 0;
	while (!hm_spinlock_trylock(sl))
		while (__atomic_load_n(&sl->locked, __ATOMIC_RELAXED))
			hm_backoff(&spins);
}

static inline void
hm_spinlock_unlock(hm_spinlock_t *sl)
{
	__atomic_store_n(&sl->locked, 0, __ATOMIC_RELEASE);
}

static inline void
hm_rwlock_init(hm_rwlock_t *rw)
{
	__atomic_store_n(&rw->cnt, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&rw->wait, 0, __ATOMIC_RELAXED);
}

static inline void
hm_rwlock_read_lock(hm_rwlock_t *rw)
{
	unsigned int spins = 0;
	for (;;) {
		int32_t x = __atomic_load_n(&rw->cnt, __ATOMIC_RELAXED);
		if (x >= 0 && __atomic_load_n(&rw->wait, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(&rw->cnt, &x, x + 1, 1,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		hm_backoff(&spins);
	}
}

static inline void
hm_rwlock_read_unlock(hm_rwlock_t *rw)
{
	__atomic_fetch_sub(&rw->cnt, 1, __ATOMIC_RELEASE);
}

static inline void
hm_rwlock_write_lock(hm_rwlock_t *rw)
{
	unsigned int spins = 0;
	__atomic_fetch_add(&rw->wait, 1, __ATOMIC_RELAXED);
	for (;;) {
		int32_t x = 0;
		if (__atomic_compare_exchange_n(&rw->cnt, &x, -1, 1,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		hm_backoff(&spins);
	}
	__atomic_fetch_sub(&rw->wait, 1, __ATOMIC_RELAXED);
}

static inline void
hm_rwlock_write_unlock(hm_rwlock_t *rw)
{
	__atomic_store_n(&rw->cnt, 0, __ATOMIC_RELEASE);
}


/*
 * Shared locks: an hm_spinlock_t that several processes of one instance take,
 * made robust against the death of its holder (core/common/shared_lock.c over
 * the robust locks the core uses for its own shared structures). The lock word
 * records the holding process; a waiter that has waited a few milliseconds asks
 * the instance's process table whether that process still lives. If it died,
 * one waiter takes the lock over and runs the caller's @p repair with the lock
 * held: 0 means the guarded structure is usable (fixed if need be) and the call
 * returns 0 holding the lock; anything else poisons the lock, and this call and
 * every later one on that word fail with -EOWNERDEAD and a message naming what
 * and the dead pid, until the structure is rebuilt (the word zeroed) by its owner.
 *
 * Rules:
 *   - never mix hm_shared_* and hm_spinlock_* on one lock word;
 *   - a lock is held by a process, not a thread: the threads of a process share
 *     its identity, so unlocking checks the process, and a thread that waits on
 *     a lock another thread of its process holds waits (no takeover);
 *   - a process outside any process table (before hm_init, --no-shconf,
 *     --in-memory) takes the lock under an anonymous identity that is never
 *     taken over (and that such processes share);
 *   - a zeroed word is a free lock (HM_SPINLOCK_INITIALIZER).
 */

/*
 * Check and repair what a dead holder's lock guarded, with the lock held.
 * @return 0 (usable), or non-zero with *why set to the reason.
 */
typedef int (*hm_shared_repair_fn)(void *arg, const char **why);

/**
 * Take @p l, waiting for a live holder as long as it holds it, taking it over
 * from a dead one (then @p repair(@p arg, &why) runs; NULL: nothing to check).
 * @p what names the guarded structure in messages ("port 0 tx"; NULL allowed).
 * @return 0 (held), -EINVAL (NULL lock), -EOWNERDEAD (not held: poisoned, now
 *         or earlier; the message names @p what and the dead process's pid).
 */
int hm_shared_lock(hm_spinlock_t *l, const char *what, hm_shared_repair_fn repair, void *arg);

/**
 * Take @p l if it is free; never waits, never takes over.
 * @return 1 (held), 0 (busy), -EINVAL (NULL lock), -EOWNERDEAD (poisoned; the
 *         message names the dead process's pid).
 */
int hm_shared_trylock(hm_spinlock_t *l);

/**
 * Release @p l, held by this process.
 * @return 0, -EINVAL (NULL, free or poisoned: not held), -EPERM (another
 *         process holds it; nothing changes).
 */
int hm_shared_unlock(hm_spinlock_t *l);

/** @return 1 when this process holds @p l, 0 otherwise (NULL included). */
int hm_shared_held(const hm_spinlock_t *l);

/**
 * @return the pid of the process whose death poisoned @p l (a repair failed),
 *         -1 when it is poisoned by a process of unknown pid, 0 when it is
 *         not poisoned (NULL included).
 */
int32_t hm_shared_poisoned(const hm_spinlock_t *l);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_LOCK_H */
