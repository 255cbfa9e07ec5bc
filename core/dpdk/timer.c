/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_timer: timers on per-lcore lists (DPDK's timer library, written for hugemem).
 *
 * A timer data instance holds one list per lcore; the default instance (id 0) is
 * made by rte_timer_subsystem_init, others by rte_timer_data_alloc. A pending
 * timer sits on the list of its owner lcore, sorted by expiry and linked through
 * sl_next[0] (DPDK uses a skip list; a sorted list costs O(pending) per insert,
 * which the lists of real programs, a handful of timers per lcore, never feel).
 *
 * States move by compare-and-swap of the status word (state + owner):
 *   STOP/PENDING --reset/stop--> CONFIG --> PENDING (reset) or STOP (stop)
 *   PENDING --manage on the owner--> RUNNING --> PENDING (periodic) or STOP
 * A timer in CONFIG, or RUNNING on another lcore, refuses reset and stop (-1);
 * its own callback may reset or stop it (RUNNING on the calling lcore). Only the
 * thread that moved a timer to CONFIG unlinks it from a list, under that list's
 * lock; manage takes expired PENDING timers off its list under the lock and runs
 * them without it, so callbacks may reset, stop and start timers anywhere.
 *
 * Invariants (eal_timer_check, each list under its lock):
 *   a list is sorted by expire and holds at most MAX_PENDING timers
 *   every timer on lcore L's list is PENDING with owner L, or CONFIG
 *   stats.pending == timers PENDING or RUNNING (reset from STOP +1, stop or end -1)
 *
 * Process-local: each process has its own lists (DPDK keeps them in shared
 * memory so that a secondary can run a primary's timers; docs/dpdk-compat.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_timer.h>

#include "dpdk_i.h"

#define MAX_DATA 64           /* timer data instances (DPDK's RTE_MAX_DATA_ELS) */
#define MAX_PENDING (1u << 24) /* a list longer than this is called corrupt (a loop) */
#define RUN_BATCH 64           /* expired timers manage holds on the stack */

struct timer_list {
	rte_spinlock_t lock;
	struct rte_timer *head;  /* sorted by expire; linked by sl_next[0] */
};

struct timer_data {
	struct timer_list lists[RTE_MAX_LCORE];
	struct rte_timer_debug_stats stats; /* updated atomically */
	unsigned int rr;                    /* last lcore of LCORE_ID_ANY resets */
};

static pthread_mutex_t data_lock = PTHREAD_MUTEX_INITIALIZER; /* datas[], subsys_up */
static struct timer_data *datas[MAX_DATA];
static bool subsys_up;

#define STAT_ADD(d, field, v) __atomic_fetch_add(&(d)->stats.field, (uint64_t)(v), __ATOMIC_RELAXED)

static struct timer_data *
data_get(uint32_t id)
{
	return id < MAX_DATA ? __atomic_load_n(&datas[id], __ATOMIC_ACQUIRE) : NULL;
}

/* An lcore whose thread can run rte_timer_manage: EAL or registered. */
static bool
lcore_ok(unsigned int id)
{
	return id < RTE_MAX_LCORE && (rte_lcore_has_role(id, ROLE_RTE) == 1 ||
				      rte_lcore_has_role(id, ROLE_NON_EAL) == 1);
}

static union rte_timer_status
status_load(const struct rte_timer *tim)
{
	union rte_timer_status s;

	s.u32 = __atomic_load_n(&tim->status.u32, __ATOMIC_ACQUIRE);
	return s;
}

static void
status_store(struct rte_timer *tim, uint16_t state, int16_t owner)
{
	union rte_timer_status s = { .state = state, .owner = owner };

	__atomic_store_n(&tim->status.u32, s.u32, __ATOMIC_RELEASE);
}

static bool
status_cas(struct rte_timer *tim, union rte_timer_status old, uint16_t state, int16_t owner)
{
	union rte_timer_status s = { .state = state, .owner = owner };

	return __atomic_compare_exchange_n(&tim->status.u32, &old.u32, s.u32, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/*
 * CONFIG for the calling lcore @p me; the previous status in *prev.
 * @return 0, -1 (being configured, or run by another lcore), -EINVAL (a status no
 *   timer can have: never rte_timer_init'ed, or overwritten).
 */
static int
set_config(struct rte_timer *tim, unsigned int me, union rte_timer_status *prev)
{
	for (;;) {
		*prev = status_load(tim);
		bool lcore_owner = prev->owner >= 0 && prev->owner < RTE_MAX_LCORE;

		/* stopped: no owner (or 0: a zeroed timer); pending, running: an lcore;
		 * being configured: either */
		if (prev->state > RTE_TIMER_CONFIG ||
		    (prev->state != RTE_TIMER_STOP && prev->state != RTE_TIMER_CONFIG &&
		     !lcore_owner) ||
		    (prev->state != RTE_TIMER_PENDING && prev->state != RTE_TIMER_RUNNING &&
		     !lcore_owner && prev->owner != RTE_TIMER_NO_OWNER))
			return -EINVAL;
		if (prev->state == RTE_TIMER_CONFIG)
			return -1;
		if (prev->state == RTE_TIMER_RUNNING && (me >= RTE_MAX_LCORE ||
							 prev->owner != (int16_t)me))
			return -1;
		if (status_cas(tim, *prev, RTE_TIMER_CONFIG, prev->owner))
			return 0;
	}
}

/* pre: l->lock held. After the last timer of the same expiry. */
static void
list_insert(struct timer_list *l, struct rte_timer *tim)
{
	struct rte_timer **pp = &l->head;

	while (*pp != NULL && (*pp)->expire <= tim->expire)
		pp = &(*pp)->sl_next[0];
	tim->sl_next[0] = *pp;
	*pp = tim;
}

/* pre: l->lock held. @return whether @p tim was on the list. */
static bool
list_remove(struct timer_list *l, struct rte_timer *tim)
{
	for (struct rte_timer **pp = &l->head; *pp != NULL; pp = &(*pp)->sl_next[0]) {
		if (*pp == tim) {
			*pp = tim->sl_next[0];
			tim->sl_next[0] = NULL;
			return true;
		}
	}
	return false;
}

/* Take @p tim (CONFIG, previously @p prev) off its owner's list if it was pending. */
static void
unlink_pending(struct timer_data *d, struct rte_timer *tim, union rte_timer_status prev)
{
	struct timer_list *l;

	if (prev.state != RTE_TIMER_PENDING)
		return;
	l = &d->lists[prev.owner];
	rte_spinlock_lock(&l->lock);
	if (!list_remove(l, tim))
		RTE_LOG(ERR, EAL, "timer %p is pending on lcore %d but not on its list\n",
			(void *)tim, prev.owner);
	rte_spinlock_unlock(&l->lock);
}

/* The next EAL lcore after the last one given out, for LCORE_ID_ANY. */
static unsigned int
next_lcore(struct timer_data *d)
{
	unsigned int last = __atomic_load_n(&d->rr, __ATOMIC_RELAXED);
	unsigned int id = rte_get_next_lcore(last >= RTE_MAX_LCORE ? (unsigned int)-1 : last, 0, 1);

	if (id >= RTE_MAX_LCORE)
		id = rte_get_main_lcore();
	__atomic_store_n(&d->rr, id, __ATOMIC_RELAXED);
	return id;
}

static int
timer_reset(struct timer_data *d, struct rte_timer *tim, uint64_t ticks,
	    enum rte_timer_type type, unsigned int tim_lcore, rte_timer_cb_t fct, void *arg)
{
	union rte_timer_status prev;
	struct timer_list *l;
	uint64_t now;
	int rc;

	if (d == NULL || tim == NULL || fct == NULL || (type != SINGLE && type != PERIODICAL))
		return -EINVAL;
	if (tim_lcore == LCORE_ID_ANY)
		tim_lcore = next_lcore(d);
	if (!lcore_ok(tim_lcore))
		return -EINVAL;
	now = rte_get_timer_cycles();
	rc = set_config(tim, rte_lcore_id(), &prev);
	if (rc < 0)
		return rc;
	unlink_pending(d, tim, prev);
	tim->period = type == PERIODICAL ? ticks : 0;
	tim->expire = now + ticks;
	tim->f = fct;
	tim->arg = arg;
	STAT_ADD(d, reset, 1);
	if (prev.state == RTE_TIMER_STOP)
		STAT_ADD(d, pending, 1);
	l = &d->lists[tim_lcore];
	rte_spinlock_lock(&l->lock);
	list_insert(l, tim);
	status_store(tim, RTE_TIMER_PENDING, (int16_t)tim_lcore);
	rte_spinlock_unlock(&l->lock);
	return 0;
}

static int
timer_stop(struct timer_data *d, struct rte_timer *tim)
{
	union rte_timer_status prev;

	int rc;

	if (d == NULL || tim == NULL)
		return -EINVAL;
	rc = set_config(tim, rte_lcore_id(), &prev);
	if (rc < 0)
		return rc;
	unlink_pending(d, tim, prev);
	if (prev.state == RTE_TIMER_PENDING || prev.state == RTE_TIMER_RUNNING) {
		STAT_ADD(d, stop, 1);
		STAT_ADD(d, pending, -1);
	}
	status_store(tim, RTE_TIMER_STOP, RTE_TIMER_NO_OWNER);
	return 0;
}

/*
 * Run the expired timers of lcore @p L's list on the calling lcore @p me, with
 * @p alt instead of their callbacks when not NULL. One pass takes every timer
 * that expired before the call off the list (into a stack array, or a heap one
 * when there are more; without memory the rest wait for the next call); a
 * periodic one goes back on the list with its next expiry, for a later call.
 */
static void
run_list(struct timer_data *d, unsigned int L, unsigned int me, rte_timer_alt_manage_cb_t alt)
{
	struct timer_list *l = &d->lists[L];
	uint64_t now = rte_get_timer_cycles();
	struct rte_timer *stack[RUN_BATCH], **run = stack, **pp = &l->head;
	size_t n = 0, cap = RUN_BATCH;

	rte_spinlock_lock(&l->lock);
	while (*pp != NULL && (*pp)->expire <= now) {
		struct rte_timer *t = *pp;
		union rte_timer_status s = status_load(t);

		if (n == cap) {
			struct rte_timer **bigger = malloc(2 * cap * sizeof(*bigger));
			if (bigger == NULL)
				break;
			memcpy(bigger, run, n * sizeof(*run));
			if (run != stack)
				free(run);
			run = bigger;
			cap *= 2;
		}
		if (s.state == RTE_TIMER_PENDING && s.owner == (int16_t)L &&
		    status_cas(t, s, RTE_TIMER_RUNNING, (int16_t)me)) {
			*pp = t->sl_next[0];
			t->sl_next[0] = NULL;
			run[n++] = t;
		} else {
			pp = &t->sl_next[0]; /* being reset or stopped: its owner unlinks it */
		}
	}
	rte_spinlock_unlock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		struct rte_timer *t = run[i];
		union rte_timer_status s = status_load(t);

		/* an earlier callback of this call may have stopped or reset it */
		if (s.state != RTE_TIMER_RUNNING || s.owner != (int16_t)me)
			continue;
		if (alt != NULL)
			alt(t);
		else
			t->f(t, t->arg);
		s = status_load(t);
		if (s.state != RTE_TIMER_RUNNING || s.owner != (int16_t)me)
			continue; /* the callback stopped or reset it */
		if (t->period != 0) {
			t->expire += t->period;
			rte_spinlock_lock(&l->lock);
			list_insert(l, t);
			status_store(t, RTE_TIMER_PENDING, (int16_t)L);
			rte_spinlock_unlock(&l->lock);
		} else {
			status_store(t, RTE_TIMER_STOP, RTE_TIMER_NO_OWNER);
			STAT_ADD(d, pending, -1);
		}
	}
	if (run != stack)
		free(run);
}

/* ---------------------------------------------------------------- public API */

int
rte_timer_data_alloc(uint32_t *id_ptr)
{
	struct timer_data *d;
	int rc = -ENOSPC;

	if (id_ptr == NULL)
		return -EINVAL;
	pthread_mutex_lock(&data_lock);
	for (uint32_t i = 0; i < MAX_DATA; i++) {
		if (datas[i] != NULL)
			continue;
		d = calloc(1, sizeof(*d));
		if (d == NULL) {
			rc = -ENOMEM;
			break;
		}
		d->rr = LCORE_ID_ANY;
		__atomic_store_n(&datas[i], d, __ATOMIC_RELEASE);
		*id_ptr = i;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&data_lock);
	return rc;
}

int
rte_timer_data_dealloc(uint32_t id)
{
	struct timer_data *d;

	pthread_mutex_lock(&data_lock);
	d = id < MAX_DATA ? datas[id] : NULL;
	if (d != NULL)
		__atomic_store_n(&datas[id], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&data_lock);
	if (d == NULL)
		return -EINVAL;
	free(d);
	return 0;
}

int
rte_timer_subsystem_init(void)
{
	struct timer_data *d;
	int rc = 0;

	if (!eal.up)
		return -ENODEV;
	pthread_mutex_lock(&data_lock);
	if (subsys_up) {
		rc = -EALREADY;
	} else if (datas[0] == NULL) {
		d = calloc(1, sizeof(*d));
		if (d == NULL) {
			rc = -ENOMEM;
		} else {
			d->rr = LCORE_ID_ANY;
			__atomic_store_n(&datas[0], d, __ATOMIC_RELEASE);
		}
	}
	if (rc == 0)
		subsys_up = true;
	pthread_mutex_unlock(&data_lock);
	return rc;
}

void
rte_timer_subsystem_finalize(void)
{
	pthread_mutex_lock(&data_lock);
	for (uint32_t i = 0; i < MAX_DATA; i++) {
		free(datas[i]);
		__atomic_store_n(&datas[i], NULL, __ATOMIC_RELEASE);
	}
	subsys_up = false;
	pthread_mutex_unlock(&data_lock);
}

void
eal_timer_fini(void)
{
	rte_timer_subsystem_finalize();
}

void
rte_timer_init(struct rte_timer *tim)
{
	if (tim == NULL)
		return;
	memset(tim, 0, sizeof(*tim));
	status_store(tim, RTE_TIMER_STOP, RTE_TIMER_NO_OWNER);
}

int
rte_timer_reset(struct rte_timer *tim, uint64_t ticks, enum rte_timer_type type,
		unsigned int tim_lcore, rte_timer_cb_t fct, void *arg)
{
	return timer_reset(data_get(0), tim, ticks, type, tim_lcore, fct, arg);
}

void
rte_timer_reset_sync(struct rte_timer *tim, uint64_t ticks, enum rte_timer_type type,
		     unsigned int tim_lcore, rte_timer_cb_t fct, void *arg)
{
	int rc;

	while ((rc = rte_timer_reset(tim, ticks, type, tim_lcore, fct, arg)) == -1)
		rte_pause();
	if (rc < 0)
		RTE_LOG(ERR, EAL, "rte_timer_reset_sync: %s\n", strerror(-rc));
}

int
rte_timer_stop(struct rte_timer *tim)
{
	return timer_stop(data_get(0), tim);
}

void
rte_timer_stop_sync(struct rte_timer *tim)
{
	int rc;

	while ((rc = rte_timer_stop(tim)) == -1)
		rte_pause();
	if (rc < 0)
		RTE_LOG(ERR, EAL, "rte_timer_stop_sync: %s\n", strerror(-rc));
}

int
rte_timer_pending(struct rte_timer *tim)
{
	return tim != NULL && status_load(tim).state == RTE_TIMER_PENDING;
}

int64_t
rte_timer_next_ticks(void)
{
	struct timer_data *d = data_get(0);
	unsigned int me = rte_lcore_id();
	struct timer_list *l;
	int64_t ticks = -ENOENT;

	if (d == NULL || me >= RTE_MAX_LCORE)
		return -EINVAL;
	l = &d->lists[me];
	rte_spinlock_lock(&l->lock);
	if (l->head != NULL) {
		uint64_t now = rte_get_timer_cycles();
		ticks = l->head->expire <= now ? 0 : (int64_t)(l->head->expire - now);
	}
	rte_spinlock_unlock(&l->lock);
	return ticks;
}

int
rte_timer_manage(void)
{
	struct timer_data *d = data_get(0);
	unsigned int me = rte_lcore_id();

	if (d == NULL || me >= RTE_MAX_LCORE)
		return -EINVAL;
	STAT_ADD(d, manage, 1);
	run_list(d, me, me, NULL);
	return 0;
}

int
rte_timer_alt_dump_stats(uint32_t timer_data_id, FILE *f)
{
	struct timer_data *d = data_get(timer_data_id);

	if (d == NULL || f == NULL)
		return -EINVAL;
	fprintf(f, "Timer statistics:\n");
	fprintf(f, "  reset = %" PRIu64 "\n", __atomic_load_n(&d->stats.reset, __ATOMIC_RELAXED));
	fprintf(f, "  stop = %" PRIu64 "\n", __atomic_load_n(&d->stats.stop, __ATOMIC_RELAXED));
	fprintf(f, "  manage = %" PRIu64 "\n", __atomic_load_n(&d->stats.manage, __ATOMIC_RELAXED));
	fprintf(f, "  pending = %" PRIu64 "\n",
		__atomic_load_n(&d->stats.pending, __ATOMIC_RELAXED));
	return 0;
}

int
rte_timer_dump_stats(FILE *f)
{
	return rte_timer_alt_dump_stats(0, f);
}

int
rte_timer_alt_reset(uint32_t timer_data_id, struct rte_timer *tim, uint64_t ticks,
		    enum rte_timer_type type, unsigned int tim_lcore, rte_timer_cb_t fct,
		    void *arg)
{
	return timer_reset(data_get(timer_data_id), tim, ticks, type, tim_lcore, fct, arg);
}

int
rte_timer_alt_stop(uint32_t timer_data_id, struct rte_timer *tim)
{
	return timer_stop(data_get(timer_data_id), tim);
}

/* The lcores of @p lcores[0..n), or the calling one when @p lcores is NULL. */
static int
check_lcores(const unsigned int *lcores, int n, unsigned int *me)
{
	*me = rte_lcore_id();
	if (lcores == NULL)
		return n == 0 && *me < RTE_MAX_LCORE ? 0 : -EINVAL;
	if (n <= 0 || n > RTE_MAX_LCORE || *me >= RTE_MAX_LCORE)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (lcores[i] >= RTE_MAX_LCORE)
			return -EINVAL;
	return 0;
}

int
rte_timer_alt_manage(uint32_t timer_data_id, unsigned int *poll_lcores, int n_poll_lcores,
		     rte_timer_alt_manage_cb_t f)
{
	struct timer_data *d = data_get(timer_data_id);
	unsigned int me;

	if (d == NULL || check_lcores(poll_lcores, n_poll_lcores, &me) < 0)
		return -EINVAL;
	STAT_ADD(d, manage, 1);
	if (poll_lcores == NULL)
		run_list(d, me, me, f);
	for (int i = 0; poll_lcores != NULL && i < n_poll_lcores; i++)
		run_list(d, poll_lcores[i], me, f);
	return 0;
}

int
rte_timer_stop_all(uint32_t timer_data_id, unsigned int *walk_lcores, int nb_walk_lcores,
		   rte_timer_stop_all_cb_t f, void *f_arg)
{
	struct timer_data *d = data_get(timer_data_id);
	unsigned int me;

	if (d == NULL || walk_lcores == NULL || check_lcores(walk_lcores, nb_walk_lcores, &me) < 0)
		return -EINVAL;
	for (int i = 0; i < nb_walk_lcores; i++) {
		struct timer_list *l = &d->lists[walk_lcores[i]];
		struct rte_timer *stopped = NULL, **pp = &l->head;

		rte_spinlock_lock(&l->lock);
		while (*pp != NULL) {
			struct rte_timer *t = *pp;
			union rte_timer_status s = status_load(t);

			if (s.state == RTE_TIMER_PENDING &&
			    status_cas(t, s, RTE_TIMER_CONFIG, s.owner)) {
				*pp = t->sl_next[0];
				t->sl_next[0] = stopped; /* a private list, until the callbacks */
				stopped = t;
			} else {
				pp = &t->sl_next[0];
			}
		}
		rte_spinlock_unlock(&l->lock);
		while (stopped != NULL) {
			struct rte_timer *t = stopped;

			stopped = t->sl_next[0];
			t->sl_next[0] = NULL;
			STAT_ADD(d, stop, 1);
			STAT_ADD(d, pending, -1);
			status_store(t, RTE_TIMER_STOP, RTE_TIMER_NO_OWNER);
			if (f != NULL)
				f(t, f_arg);
		}
	}
	return 0;
}

const char *
eal_timer_check(void)
{
	const char *why = NULL;

	pthread_mutex_lock(&data_lock);
	for (uint32_t i = 0; i < MAX_DATA && why == NULL; i++) {
		struct timer_data *d = datas[i];

		for (unsigned int L = 0; d != NULL && L < RTE_MAX_LCORE && why == NULL; L++) {
			struct timer_list *l = &d->lists[L];
			uint32_t n = 0;

			rte_spinlock_lock(&l->lock);
			for (const struct rte_timer *t = l->head; t != NULL && why == NULL;
			     t = t->sl_next[0]) {
				union rte_timer_status s = status_load(t);

				if (++n > MAX_PENDING)
					why = "a timer list loops";
				else if (t->sl_next[0] != NULL && t->sl_next[0]->expire < t->expire)
					why = "a timer list is not sorted by expiry";
				else if (s.state != RTE_TIMER_CONFIG &&
					 (s.state != RTE_TIMER_PENDING || s.owner != (int16_t)L))
					why = "a timer on an lcore's list is not pending there";
			}
			rte_spinlock_unlock(&l->lock);
		}
	}
	pthread_mutex_unlock(&data_lock);
	return why;
}
