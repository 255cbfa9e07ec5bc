/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcores. An lcore id is hugemem's lcore id (the topology's lcores); the EAL
 * lcores are those of -l / -c / --lcores (default: the CPUs this process may
 * run on, or every lcore of an explicit --topology). Other ids of the topology
 * are ROLE_OFF until rte_thread_register gives one to a thread (ROLE_NON_EAL).
 */
#ifndef _RTE_LCORE_H_
#define _RTE_LCORE_H_

#include <pthread.h>
#include <stdio.h>

#include <rte_compat.h>
#include <rte_config.h>
#include <rte_per_lcore.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_thread.h>
#include "hugemem/lcore.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LCORE_ID_ANY UINT32_MAX

enum rte_lcore_role_t {
	ROLE_RTE,
	ROLE_OFF,
	ROLE_SERVICE,
	ROLE_NON_EAL,
};

/** Role of @p lcore_id (ROLE_OFF for ids >= RTE_MAX_LCORE and before init). */
enum rte_lcore_role_t rte_eal_lcore_role(unsigned int lcore_id);
/** 1 when @p lcore_id has @p role, 0 when not; -EINVAL for ids >= RTE_MAX_LCORE. */
int rte_lcore_has_role(unsigned int lcore_id, enum rte_lcore_role_t role);

/** The calling thread's lcore id, or LCORE_ID_ANY. Inline, as in DPDK. */
static inline unsigned int
rte_lcore_id(void)
{
	return hm_lcore_id();
}

/** The main lcore (LCORE_ID_ANY before init). */
unsigned int rte_get_main_lcore(void);
/** Number of EAL lcores (ROLE_RTE). */
unsigned int rte_lcore_count(void);
/** Position of @p lcore_id (-1: the caller's) in the -l / -c / --lcores order, or -1. */
int rte_lcore_index(int lcore_id);
/** Node of the calling thread's lcore ((unsigned)SOCKET_ID_ANY without one). */
unsigned int rte_socket_id(void);
/** Number of NUMA nodes. */
unsigned int rte_socket_count(void);
/** Node id at position @p idx (ids are 0..count-1), or -1 with rte_errno EINVAL. */
int rte_socket_id_by_idx(unsigned int idx);
/** Node of @p lcore_id ((unsigned)SOCKET_ID_ANY for an id the topology lacks). */
unsigned int rte_lcore_to_socket_id(unsigned int lcore_id);
/** Rank of @p lcore_id (-1: the caller's) among its node's lcores, or -1. */
int rte_lcore_to_cpu_id(int lcore_id);
/** CPUs @p lcore_id's thread may run on (empty for unknown ids). */
rte_cpuset_t rte_lcore_cpuset(unsigned int lcore_id);
/** 1 for EAL lcores (ROLE_RTE). */
int rte_lcore_is_enabled(unsigned int lcore_id);
/**
 * The next EAL lcore after @p i (i = -1: the first), skipping the main one if
 * @p skip_main, going round once if @p wrap. @return it, or RTE_MAX_LCORE.
 */
unsigned int rte_get_next_lcore(unsigned int i, int skip_main, int wrap);

#define RTE_LCORE_FOREACH(i) \
	for (i = rte_get_next_lcore(-1, 0, 0); i < RTE_MAX_LCORE; i = rte_get_next_lcore(i, 0, 0))
#define RTE_LCORE_FOREACH_WORKER(i) \
	for (i = rte_get_next_lcore(-1, 1, 0); i < RTE_MAX_LCORE; i = rte_get_next_lcore(i, 1, 0))

typedef int (*rte_lcore_init_cb)(unsigned int lcore_id, void *arg);
typedef void (*rte_lcore_uninit_cb)(unsigned int lcore_id, void *arg);

/**
 * Call @p init (may be NULL) for every lcore in use now and whenever one is
 * taken later (rte_thread_register), @p uninit (may be NULL) when one is given
 * back. An init returning -1 refuses: here, the registration is undone (uninit
 * for the lcores already done) and NULL returned; later, that lcore is refused.
 * @return a handle; NULL with rte_errno EINVAL (NULL name), ENOMEM, or ECANCELED
 *   (an init refused).
 */
void *rte_lcore_callback_register(const char *name, rte_lcore_init_cb init,
				  rte_lcore_uninit_cb uninit, void *arg);
/** uninit for every lcore in use, then forget the callbacks. NULL or an unknown handle: no-op. */
void rte_lcore_callback_unregister(void *handle);

typedef int (*rte_lcore_iterate_cb)(unsigned int lcore_id, void *arg);
/** @p cb for each lcore in use (RTE, SERVICE, NON_EAL) until one returns non-zero.
 * @return that value, or 0. */
int rte_lcore_iterate(rte_lcore_iterate_cb cb, void *arg);
/** One line per lcore in use: id, node, role, CPUs. */
void rte_lcore_dump(FILE *f);

/** Name a thread (truncated to 15 characters). @return 0 or a negative errno. */
int rte_thread_setname(pthread_t id, const char *name);
/** @return 0 or a negative errno. */
__rte_experimental
int rte_thread_getname(pthread_t id, char *name, size_t len);

/**
 * Give the calling thread the lowest lcore id that is not in use (ROLE_NON_EAL).
 * @return 0 (also when the thread has an lcore already); -1 with rte_errno
 *   EINVAL (EAL not initialised) or ENOMEM (no free lcore, or an lcore init
 *   callback refused).
 */
int rte_thread_register(void);
/** Give a rte_thread_register'ed lcore back; other threads: no-op. */
void rte_thread_unregister(void);

/**
 * A thread named @p name on the CPUs of the process that are not an EAL lcore's
 * (all of them when none is left). @return 0 or a negative errno.
 */
int rte_ctrl_thread_create(pthread_t *thread, const char *name, const pthread_attr_t *attr,
			   void *(*start_routine)(void *), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_LCORE_H_ */
