/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Robust locks (robust_i.h has the encoding and the recovery rule).
 *
 * Waiting: spin 64 times, yield 128 times, then sleep 20 us growing to 1 ms, so
 * a lock held across a multi-process page sync (milliseconds) costs its waiters
 * no CPU. Once a waiter has waited 2 ms it asks the process table about the
 * holder, then again every 5 ms: liveness checks are system calls, never done on
 * an uncontended path.
 */
#include <limits.h>
#include <string.h>
#include <time.h>

#include "common_i.h"
#include "robust_i.h"

static int
alive_tag(uint32_t tag, int32_t *pid)
{
	(void)tag;
	*pid = 0;
	return 0;
}

static int
alive_slot(unsigned int slot, int32_t *pid)
{
	(void)slot;
	*pid = 0;
	return 0;
}

static volatile uint32_t local_rd[ROBUST_RD_IDS];
static const struct robust_table local_table = {
	.tag_dead = alive_tag,
	.slot_dead = alive_slot,
	.rd = local_rd,
	.rd_stride = ROBUST_RD_IDS,
	.n_slots = 1,
	.self = 0,
	.tag = ROBUST_TAG_ANON,
};
const struct robust_table *robust_tbl = &local_table;

static inline const struct robust_table *
table(void)
{
	return __atomic_load_n(&robust_tbl, __ATOMIC_ACQUIRE);
}

void
robust_set_table(const struct robust_table *t)
{
	__atomic_store_n(&robust_tbl, t != NULL ? t : &local_table, __ATOMIC_RELEASE);
}

uint32_t
robust_self_tag(void)
{
	return table()->tag;
}

/* ---------------------------------------------------------------- waiting */

struct waiter {
	uint64_t n;       /* steps taken */
	uint64_t t0;      /* ns when sleeping started; 0 before */
	uint64_t next;    /* ns of the next liveness check */
};

static void
wait_step(struct waiter *w)
{
	uint64_t n = w->n++;

	if (n < 64) {
		hm_pause();
		return;
	}
	if (n < 64 + 128) {
		sched_yield();
		return;
	}
	uint64_t k = n - 192;
	struct timespec ts = { 0, (long)(k < 50 ? 20000 + k * 1000 : 1000000) };
	nanosleep(&ts, NULL);
}

/* Time to ask whether the holder lives: 2 ms into the wait, then every 5 ms. */
static bool
check_due(struct waiter *w)
{
	uint64_t t;

	if (w->n < 192)
		return false;
	t = hm_now_ns();
	if (w->t0 == 0) {
		w->t0 = t;
		w->next = t + 2000000;
		return false;
	}
	if (t < w->next)
		return false;
	w->next = t + 5000000;
	return true;
}

uint64_t
robust_backoff(uint64_t *state)
{
	struct waiter w = { .n = *state };

	wait_step(&w);
	*state = w.n;
	return w.n <= 192 ? 0 : (w.n - 192) * 1000;
}

/* ---------------------------------------------------------------- messages */

static int
poisoned(const struct robust_recover *rec, int32_t pid)
{
	return hm_fail(EOWNERDEAD, "%s was left inconsistent by process %d, which died while "
		       "holding its lock: start the instance again",
		       rec != NULL && rec->what != NULL ? rec->what : "a shared structure", pid);
}

/*
 * The lock was taken over from dead @p pid and is held exclusively: run the
 * repair. @return 0 (keep the lock) or -EOWNERDEAD (caller poisons it).
 */
static int
repair(const struct robust_recover *rec, int32_t pid)
{
	const char *what = rec != NULL && rec->what != NULL ? rec->what : "a shared structure";
	const char *why = NULL;
	int rc = 0;

	if (rec != NULL && rec->repair != NULL)
		rc = rec->repair(rec->arg, &why);
	if (rc == 0) {
		hm_log(HM_LOG_WARNING, "%s: took over the lock of process %d, which died holding "
		       "it; the structure checked out", what, pid);
		return 0;
	}
	hm_log(HM_LOG_ERR, "%s: process %d died holding its lock and left it inconsistent: %s",
	       what, pid, why != NULL ? why : "check failed");
	return hm_fail(EOWNERDEAD, "%s was left inconsistent by process %d, which died while "
		       "holding its lock (%s): start the instance again", what, pid,
		       why != NULL ? why : "check failed");
}

/* ---------------------------------------------------------------- spinlock */

uint32_t hm_local_epoch;

int
robust_lock(hm_spinlock_t *l, const struct robust_recover *rec)
{
	const struct robust_table *t = table();
	int32_t me = (int32_t)t->tag;
	struct waiter w = { 0 };

	for (;;) {
		int32_t cur = 0;
		if (__atomic_compare_exchange_n(&l->locked, &cur, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			hm_local_epoch_observe();
			return 0;
		}
		if ((uint32_t)cur & ROBUST_POISON)
			return poisoned(rec, (int32_t)((uint32_t)cur & ~ROBUST_POISON));
		if (check_due(&w) && cur != me && (uint32_t)cur != ROBUST_TAG_ANON) {
			int32_t pid = 0;
			if (t->tag_dead((uint32_t)cur, &pid) &&
			    __atomic_compare_exchange_n(&l->locked, &cur, me, 0, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED)) {
				hm_local_epoch_observe();
				int rc = repair(rec, pid);
				if (rc < 0)
					__atomic_store_n(&l->locked,
							 (int32_t)(ROBUST_POISON | ((uint32_t)pid & INT32_MAX)),
							 __ATOMIC_RELEASE);
				return rc;
			}
			continue;
		}
		wait_step(&w);
	}
}

int
robust_is_locked(const hm_spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_ACQUIRE) != 0;
}

/* ---------------------------------------------------------------- rwlock */

static void
poison_rw(hm_rwlock_t *l, int32_t pid)
{
	__atomic_store_n(&l->wait, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&l->cnt, INT32_MIN, __ATOMIC_RELEASE);
}

/* pre: the word is ours. Wait until no process counts a read hold of @p rd_id. */
static void
wait_readers(const struct robust_table *t, unsigned int rd_id)
{
	if (rd_id == ROBUST_NO_READERS)
		return;
	for (unsigned int s = 0; s < t->n_slots; s++) {
		volatile uint32_t *c = &t->rd[(size_t)s * t->rd_stride + rd_id];
		struct waiter w = { 0 };

		while (__atomic_load_n(c, __ATOMIC_SEQ_CST) != 0) {
			int32_t pid;
			if (s != t->self && check_due(&w) && t->slot_dead(s, &pid))
				continue; /* reaped: its counts are gone */
			wait_step(&w);
		}
	}
}

/*
 * Take the word of @p l for writing. @return 0, 1 when it was taken over from a
 * dead writer (*dead_pid set), or -EOWNERDEAD (poisoned).
 */
static int
take_word(const struct robust_table *t, hm_rwlock_t *l, const struct robust_recover *rec,
	  int32_t *dead_pid)
{
	int32_t me = -(int32_t)t->tag;
	struct waiter w = { 0 };

	for (;;) {
		int32_t cur = 0;
		if (__atomic_compare_exchange_n(&l->cnt, &cur, me, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return 0;
		if (cur == INT32_MIN)
			return poisoned(rec, __atomic_load_n(&l->wait, __ATOMIC_RELAXED));
		if (cur < 0 && cur != me && cur != -(int32_t)ROBUST_TAG_ANON && check_due(&w)) {
			int32_t pid = 0;
			if (t->tag_dead((uint32_t)-cur, &pid) &&
			    __atomic_compare_exchange_n(&l->cnt, &cur, me, 0, __ATOMIC_SEQ_CST,
							__ATOMIC_RELAXED)) {
				*dead_pid = pid;
				return 1;
			}
			continue;
		}
		wait_step(&w);
	}
}

int
robust_write_lock(hm_rwlock_t *l, unsigned int rd_id, const struct robust_recover *rec)
{
	const struct robust_table *t = table();
	int32_t pid = 0;
	int rc = take_word(t, l, rec, &pid);

	if (rc < 0)
		return rc;
	wait_readers(t, rd_id);
	hm_local_epoch_observe();
	if (rc == 1) {
		rc = repair(rec, pid);
		if (rc < 0)
			poison_rw(l, pid);
		return rc;
	}
	return 0;
}

void
robust_write_unlock(hm_rwlock_t *l)
{
	hm_local_unlock_publish();
	__atomic_store_n(&l->cnt, 0, __ATOMIC_RELEASE);
}

int
robust_read_lock(hm_rwlock_t *l, unsigned int rd_id, const struct robust_recover *rec)
{
	const struct robust_table *t = table();
	volatile uint32_t *c = &t->rd[(size_t)t->self * t->rd_stride + rd_id];

	for (;;) {
		struct waiter w = { 0 };
		int32_t cur;

		__atomic_fetch_add(c, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&l->cnt, __ATOMIC_SEQ_CST) == 0) {
			hm_local_epoch_observe();
			return 0;
		}
		__atomic_fetch_sub(c, 1, __ATOMIC_SEQ_CST);
		while ((cur = __atomic_load_n(&l->cnt, __ATOMIC_ACQUIRE)) != 0) {
			if (cur == INT32_MIN)
				return poisoned(rec, __atomic_load_n(&l->wait, __ATOMIC_RELAXED));
			if (cur < 0 && cur != -(int32_t)t->tag &&
			    cur != -(int32_t)ROBUST_TAG_ANON && check_due(&w)) {
				int32_t pid = 0;
				if (!t->tag_dead((uint32_t)-cur, &pid))
					continue;
				/* a dead writer: take the lock over as a writer, check, and
				 * then read like everyone else */
				if (!__atomic_compare_exchange_n(&l->cnt, &cur, -(int32_t)t->tag, 0,
								 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
					continue;
				wait_readers(t, rd_id);
				if (repair(rec, pid) < 0) {
					poison_rw(l, pid);
					return -EOWNERDEAD;
				}
				robust_write_unlock(l);
				break;
			}
			wait_step(&w);
		}
	}
}

void
robust_read_unlock(hm_rwlock_t *l, unsigned int rd_id)
{
	const struct robust_table *t = table();

	(void)l;
	hm_local_unlock_publish();
	__atomic_fetch_sub(&t->rd[(size_t)t->self * t->rd_stride + rd_id], 1, __ATOMIC_RELEASE);
}
