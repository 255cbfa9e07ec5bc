/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logical cores: a small integer per thread (lcore id) and the NUMA node each one
 * sits on, from the backend's topology (emulated topologies put lcores on nodes the
 * VM does not have). The thread calling hm_init becomes the main lcore: the one
 * asked for (hm_config.main_lcore, else the lowest of hm_config.lcores), or the
 * lowest id no live process of the instance uses; other threads call
 * hm_thread_register() to get one.
 *
 * Multi-process: ids are unique among the live processes of an instance. The
 * ids a process asks for at init (hm_config.lcores / .main_lcore; DPDK's -l,
 * -c, --lcores, --main-lcore) are claimed in one step, all or none, and stay
 * the process's until hm_cleanup; other ids are claimed as threads register.
 * hm_mp_lcore_owner() says which process holds an id.
 */
#ifndef HUGEMEM_LCORE_H
#define HUGEMEM_LCORE_H

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** lcore id of a thread that has none. */
#define HM_LCORE_ID_ANY UINT32_MAX

/* Not API: what the inline hm_lcore_id() reads (lcore.c owns them). */
struct hm_lcore__tls {
	uint32_t gen;    /* table generation the id was taken in */
	unsigned int id; /* lcore id, valid while gen == hm_lcore__gen */
};
extern uint32_t hm_lcore__gen; /* table generation; 0: not initialised */
extern __thread struct hm_lcore__tls hm_lcore__self;

/** The calling thread's lcore id, or HM_LCORE_ID_ANY. Inline: mempool fast paths call it. */
static inline unsigned int
hm_lcore_id(void)
{
	uint32_t g = __atomic_load_n(&hm_lcore__gen, __ATOMIC_ACQUIRE);
	return (g != 0 && hm_lcore__self.gen == g) ? hm_lcore__self.id : HM_LCORE_ID_ANY;
}
/** lcore id of the thread that called hm_init, or HM_LCORE_ID_ANY. */
unsigned int hm_get_main_lcore(void);
/** Node of the calling thread's lcore, or HM_SOCKET_ID_ANY for unregistered threads. */
int hm_socket_id(void);
/** Node of @p lcore_id, or -EINVAL (no such lcore) / -ENODEV (not initialised). */
int hm_lcore_to_socket_id(unsigned int lcore_id);
/** Number of lcores the topology defines (0 when not initialised). */
unsigned int hm_lcore_count(void);
/** Number of NUMA nodes (0 when not initialised). */
unsigned int hm_socket_count(void);
/** 1 when @p lcore_id exists, 0 otherwise. */
int hm_lcore_is_enabled(unsigned int lcore_id);

/**
 * Give the calling thread an lcore id: the lowest free one of the ids this
 * process asked for at init (hm_config.lcores), else the lowest one no thread
 * of this process and no other live process uses.
 * @return the lcore id; -EALREADY (the thread has one: nothing changes),
 *   -ENOSPC (every lcore is taken), -ENODEV (not initialised).
 */
int hm_thread_register(void);
/**
 * Give the calling thread lcore @p lcore_id (worker threads of an EAL that
 * assigns ids itself, as DPDK's -l does).
 * @return lcore_id; -EALREADY (the thread has an id: nothing changes), -EBUSY
 *   (another thread holds that id), -EINVAL (no such lcore), -ENODEV.
 */
int hm_thread_register_id(unsigned int lcore_id);
/**
 * Make @p lcore_id the main lcore: the calling thread, which must be the main
 * lcore's, takes that id and gives its old one up (its malloc cache is flushed).
 * @return 0; -EPERM (caller is not the main lcore's thread), -EBUSY (another
 *   thread holds @p lcore_id), -EINVAL (no such lcore), -ENODEV.
 */
int hm_lcore_set_main(unsigned int lcore_id);
/** Release the calling thread's lcore id; no-op for threads that have none and for the main lcore. */
void hm_thread_unregister(void);
/**
 * Validator of this process's lcore table: the main lcore is taken, every held
 * id (a thread's, or one of the init set) is in the topology, and with a shared
 * process table an id is this process's there exactly when it holds it.
 * @return 0, -ENODEV (not initialised), or -EFAULT with *reason (static, may be NULL).
 */
int hm_lcore_check(const char **reason);

#ifdef __cplusplus
}
#endif
#endif
