/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's timer library (rte_timer.h), written for hugemem: timers on
 * per-lcore lists, run by rte_timer_manage() on the lcore that owns them. A
 * timer may be started (reset) for another lcore, and stopped or reset from any
 * lcore unless it is being configured, or run by another lcore, at that moment.
 * The rte_timer_alt_* calls work on other timer data instances (their own lists),
 * allocated with rte_timer_data_alloc.
 */
#ifndef _RTE_TIMER_H_
#define _RTE_TIMER_H_

#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_compat.h>
#include <rte_spinlock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_TIMER_STOP    0  /* stopped */
#define RTE_TIMER_PENDING 1  /* on an lcore's list */
#define RTE_TIMER_RUNNING 2  /* its callback runs (on the owner lcore) */
#define RTE_TIMER_CONFIG  3  /* being reset or stopped */

#define RTE_TIMER_NO_OWNER -2 /* the owner of a stopped timer */

/** SINGLE: stops after it ran; PERIODICAL: runs again every period. */
enum rte_timer_type {
	SINGLE,
	PERIODICAL
};

/** A timer's state and owner lcore, changed together (atomically). */
union rte_timer_status {
	RTE_STD_C11
	struct {
		uint16_t state; /* RTE_TIMER_STOP .. RTE_TIMER_CONFIG */
		int16_t owner;  /* lcore whose list holds it or runs it; RTE_TIMER_NO_OWNER */
	};
	uint32_t u32;
};

/** Counters of rte_timer_dump_stats (hugemem always keeps them). */
struct rte_timer_debug_stats {
	uint64_t reset;   /* successful resets */
	uint64_t stop;    /* successful stops */
	uint64_t manage;  /* rte_timer_manage calls */
	uint64_t pending; /* timers pending or running */
};

struct rte_timer;
typedef void (*rte_timer_cb_t)(struct rte_timer *, void *);

#define MAX_SKIPLIST_DEPTH 10

/** A timer: DPDK 22.11's layout. hugemem links pending timers through sl_next[0]. */
struct rte_timer {
	uint64_t expire;                               /* timer cycles when it runs */
	struct rte_timer *sl_next[MAX_SKIPLIST_DEPTH]; /* list linkage (the library's) */
	volatile union rte_timer_status status;
	uint64_t period;                               /* cycles; 0 unless periodic */
	rte_timer_cb_t f;
	void *arg;
};

#ifdef __cplusplus
#define RTE_TIMER_INITIALIZER { 0, { NULL }, { { RTE_TIMER_STOP, RTE_TIMER_NO_OWNER } }, 0, \
	NULL, NULL }
#else
#define RTE_TIMER_INITIALIZER { \
		.status = { { \
			.state = RTE_TIMER_STOP, \
			.owner = RTE_TIMER_NO_OWNER, \
		} }, \
	}
#endif

/** A new timer data instance in *id_ptr. @return 0, -EINVAL (NULL), -ENOSPC (all taken). */
int rte_timer_data_alloc(uint32_t *id_ptr);
/** Free a timer data instance (its pending timers are dropped). @return 0, -EINVAL. */
int rte_timer_data_dealloc(uint32_t id);

/**
 * Set the library up (the default timer data). Call after rte_eal_init.
 * @return 0; -EALREADY (already set up, not an error), -ENOMEM, -ENODEV (EAL not up).
 */
int rte_timer_subsystem_init(void);
/** Tear it down: every timer data instance is freed (rte_eal_cleanup does it too). */
void rte_timer_subsystem_finalize(void);

/** Make @p tim a stopped timer with no owner (NULL: nothing). */
void rte_timer_init(struct rte_timer *tim);

/**
 * (Re)start @p tim: run @p fct(@p tim, @p arg) @p ticks timer cycles from now on
 * lcore @p tim_lcore (LCORE_ID_ANY: the EAL lcores in turn), once (SINGLE) or
 * every @p ticks (PERIODICAL). A pending timer is moved.
 * @return 0; -1 when the timer is being configured, or run by another lcore (its own
 *   callback may reset it); -EINVAL (NULL timer or callback, an lcore that is not
 *   an EAL or registered lcore, a bad type, subsystem not initialised).
 */
int rte_timer_reset(struct rte_timer *tim, uint64_t ticks, enum rte_timer_type type,
		    unsigned int tim_lcore, rte_timer_cb_t fct, void *arg);

/** rte_timer_reset until it succeeds (invalid arguments: nothing happens). */
void rte_timer_reset_sync(struct rte_timer *tim, uint64_t ticks, enum rte_timer_type type,
			  unsigned int tim_lcore, rte_timer_cb_t fct, void *arg);

/**
 * Stop @p tim (a stopped one stays stopped).
 * @return 0; -1 when it is being configured or run by another lcore; -EINVAL (NULL,
 *   subsystem not initialised).
 */
int rte_timer_stop(struct rte_timer *tim);

/** rte_timer_stop until it succeeds. */
void rte_timer_stop_sync(struct rte_timer *tim);

/** @return 1 if @p tim is pending, else 0 (NULL: 0). */
int rte_timer_pending(struct rte_timer *tim);

/**
 * Timer cycles until the calling lcore's next timer.
 * @return >0 ticks; 0 (due now); -ENOENT (none pending); -EINVAL (not initialised,
 *   or the calling thread has no lcore).
 */
__rte_experimental
int64_t rte_timer_next_ticks(void);

/**
 * Run the calling lcore's expired timers (in expiry order).
 * @return 0; -EINVAL (not initialised, or the calling thread has no lcore).
 */
int rte_timer_manage(void);

/** Print the counters (reset, stop, manage, pending). @return 0, -EINVAL. */
int rte_timer_dump_stats(FILE *f);

/** rte_timer_reset on timer data @p timer_data_id. Same returns. */
int rte_timer_alt_reset(uint32_t timer_data_id, struct rte_timer *tim, uint64_t ticks,
			enum rte_timer_type type, unsigned int tim_lcore, rte_timer_cb_t fct,
			void *arg);
/** rte_timer_stop on timer data @p timer_data_id. Same returns. */
int rte_timer_alt_stop(uint32_t timer_data_id, struct rte_timer *tim);

typedef void (*rte_timer_alt_manage_cb_t)(struct rte_timer *tim);
/**
 * Run the expired timers of the lists of @p poll_lcores (NULL: the calling lcore's)
 * of timer data @p timer_data_id, calling @p f(timer) for each (NULL: the timer's
 * own callback). @return 0, -EINVAL (bad id, NULL lists with a count, a bad lcore).
 */
int rte_timer_alt_manage(uint32_t timer_data_id, unsigned int *poll_lcores,
			 int n_poll_lcores, rte_timer_alt_manage_cb_t f);

typedef void (*rte_timer_stop_all_cb_t)(struct rte_timer *tim, void *arg);
/**
 * Stop every pending timer on the lists of @p walk_lcores, calling @p f(timer,
 * @p f_arg) for each (NULL: none). @return 0, -EINVAL.
 */
int rte_timer_stop_all(uint32_t timer_data_id, unsigned int *walk_lcores, int nb_walk_lcores,
		       rte_timer_stop_all_cb_t f, void *f_arg);

/** rte_timer_dump_stats of timer data @p timer_data_id. @return 0, -EINVAL. */
int rte_timer_alt_dump_stats(uint32_t timer_data_id, FILE *f);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_TIMER_H_ */
