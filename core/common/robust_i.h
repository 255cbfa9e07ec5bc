/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Robust locks: the locks that several processes take in shared memory (memory
 * hotplug, heaps, memzones, fbarrays, stack mempools) in a form that survives
 * the death of a holder. They reuse the storage of hugemem/lock.h (a lock word
 * never grows), but write the holder's identity into it:
 *
 *   hm_spinlock_t.locked  0 free; tag of the holding process; ROBUST_POISON | pid
 *                         when a dead holder left the structure inconsistent
 *   hm_rwlock_t.cnt       0 free; -tag while a process holds it for writing;
 *                         INT32_MIN when poisoned (hm_rwlock_t.wait then holds the pid)
 *
 * A tag names a process, not a thread: the process table (core/mp) hands each
 * attached process a tag `gen << 7 | (slot + 1)`; a process outside any table
 * (before init, --no-shconf, fuzzers) uses ROBUST_TAG_ANON, which is never taken
 * over. Readers of a robust rwlock do not touch the lock word: each process counts
 * its read holds in its own counter (robust_rd_counter), so a reader that dies
 * takes its count with it. A writer takes the word, then waits until every
 * process's counter for that lock is zero; a reader increments its counter and
 * backs off while the word is non-zero (sequentially consistent on both sides,
 * so they cannot both pass).
 *
 * Recovery rule: a waiter that has waited past a few milliseconds asks the
 * process table whether the holder (or a process with a non-zero read count) is
 * alive. A dead holder's lock is taken over by CAS (one waiter wins), the
 * caller's repair function validates the guarded structure (hm_*_check) and
 * fixes what it can; on success the lock proceeds as if it had been free, on
 * failure the lock is poisoned: this call and every later one fail with
 * -EOWNERDEAD and a message naming the dead pid. A dead reader's count is
 * dropped when the table reaps its slot. Nobody waits forever on a dead process;
 * a live holder is waited for as long as it holds the lock.
 */
#ifndef HUGEMEM_ROBUST_I_H
#define HUGEMEM_ROBUST_I_H

#include <stdint.h>

#include "common_i.h"
#include "hugemem/lock.h"

#define ROBUST_TAG_ANON 1u           /* a process in no table: never taken over */
#define ROBUST_POISON 0x80000000u    /* spinlock word: | pid of the dead holder */
#define ROBUST_RD_HOTPLUG 0u         /* reader counter ids */
#define ROBUST_RD_MEMZONE 1u
#define ROBUST_RD_IDS 2u
#define ROBUST_NO_READERS UINT32_MAX /* an rwlock used exclusively (fbarrays) */

/* Validate (and fix) the structure a dead process's lock guarded. Called with
 * the lock held exclusively. @return 0 (usable) or -EFAULT with *why set. */
typedef int (*robust_repair_fn)(void *arg, const char **why);

struct robust_recover {
	const char *what;        /* "heap socket_0": for messages */
	robust_repair_fn repair; /* NULL: nothing to check */
	void *arg;
};

/* What the process table answers (set by core/mp; defaults: everyone alive). */
struct robust_table {
	/* 1 when the process that owned @p tag is gone (*pid: its pid, 0 unknown). */
	int (*tag_dead)(uint32_t tag, int32_t *pid);
	/* 1 when slot @p slot's process is gone; its reader counts are zeroed by
	 * then (the table reaps it). */
	int (*slot_dead)(unsigned int slot, int32_t *pid);
	volatile uint32_t *rd;   /* rd[slot * rd_stride + id]: read holds per process */
	unsigned int rd_stride;  /* words between slots */
	unsigned int n_slots;
	unsigned int self;       /* this process's slot */
	uint32_t tag;            /* this process's tag */
};

/* Install @p t (NULL: back to the process-local default). Only while no robust
 * lock is held by this process. */
HM_INTERNAL void robust_set_table(const struct robust_table *t);
/* This process's tag. */
HM_INTERNAL uint32_t robust_self_tag(void);

/* Exclusive lock on a spinlock word. @return 0, or -EOWNERDEAD (not held). */
HM_INTERNAL int robust_lock(hm_spinlock_t *l, const struct robust_recover *rec);

/* The installed table (robust_set_table); read with acquire. */
HM_INTERNAL extern const struct robust_table *robust_tbl;

/* One try at the lock, tagged with this process's tag: 1 taken, 0 not (held,
 * or poisoned). Inline: every heap malloc and free takes a lock this way. */
static inline int
robust_trylock(hm_spinlock_t *l)
{
	int32_t exp = 0;
	int32_t me = (int32_t)__atomic_load_n(&robust_tbl, __ATOMIC_ACQUIRE)->tag;

	return __atomic_compare_exchange_n(&l->locked, &exp, me, 0, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Release a lock taken by robust_lock or robust_trylock. */
static inline void
robust_unlock(hm_spinlock_t *l)
{
	hm_local_unlock_publish();
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/*
 * Write (exclusive) lock on an rwlock word; @p rd_id names the reader counter
 * (ROBUST_RD_*) whose holders it waits for, or ROBUST_NO_READERS.
 * @return 0, or -EOWNERDEAD (not held).
 */
HM_INTERNAL int robust_write_lock(hm_rwlock_t *l, unsigned int rd_id,
				  const struct robust_recover *rec);
HM_INTERNAL void robust_write_unlock(hm_rwlock_t *l);
/* Shared lock through this process's counter @p rd_id. 0 or -EOWNERDEAD. */
HM_INTERNAL int robust_read_lock(hm_rwlock_t *l, unsigned int rd_id,
				 const struct robust_recover *rec);
HM_INTERNAL void robust_read_unlock(hm_rwlock_t *l, unsigned int rd_id);

/* 1 when the lock is held (any mode, any process) or poisoned. */
HM_INTERNAL int robust_is_locked(const hm_spinlock_t *l);

/* Bounded waits between checks: spin, yield, then sleep up to 1 ms. Returns
 * the microseconds waited so far (a caller-kept counter in *state). */
HM_INTERNAL uint64_t robust_backoff(uint64_t *state);

#endif /* HUGEMEM_ROBUST_I_H */
