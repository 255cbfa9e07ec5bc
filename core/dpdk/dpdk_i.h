/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * State shared by the files of the DPDK layer (libhugemem_dpdk). The layer sits
 * on hugemem's public API only; everything here is process-local.
 *
 * Invariants (while eal.up):
 *   eal.lc[i].role == ROLE_RTE       <=> i is an EAL lcore (-l / -c / --lcores)
 *   eal.lc[i].role == ROLE_NON_EAL   <=> a thread holds i through rte_thread_register
 *   every EAL lcore but eal.main_lcore has a worker thread holding hugemem lcore id i
 *   eal.lc[i].core_index == position of i in the lcore option, -1 for the others
 */
#ifndef HUGEMEM_DPDK_I_H
#define HUGEMEM_DPDK_I_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

/*
 * hugemem's ethdev library (sim/ethdev), when the program links it: weak
 * references, NULL otherwise. Probe one --vdev argument ("name,key=value,...";
 * 0 or -errno), release every port (stopped, queues and mbufs given back), and
 * in a secondary attach to the primary's ports (0 or -errno).
 */
int hm_ethdev_vdev_probe(const char *devargs) __attribute__((weak));
void hm_ethdev_release_all(void) __attribute__((weak));
int hm_ethdev_attach(void) __attribute__((weak));

#define EAL_INTERNAL __attribute__((visibility("hidden")))

struct eal_lcore {
	enum rte_lcore_role_t role;
	int core_index;          /* order in the lcore option; -1 */
	rte_cpuset_t cpuset;     /* CPUs asked for (pinned) or the process's (not pinned) */
	bool pinned;             /* the thread is bound to cpuset */
	/* worker lcores only: */
	bool has_thread;
	pthread_t thread;
	pthread_mutex_t mu;      /* guards state, f, arg, ret, quit */
	pthread_cond_t cv;       /* state changes and quit */
	volatile int state;      /* enum rte_lcore_state_t */
	lcore_function_t *f;
	void *arg;
	int ret;                 /* what the last function returned */
	bool quit;
	void *stack;             /* --huge-worker-stack: hm_malloc'ed stack, else NULL */
	int start_rc;            /* the worker's lcore registration, reported at start */
	sem_t started;           /* posted once start_rc is set; destroyed after the join */
};

struct eal_state {
	bool up;                 /* between a successful rte_eal_init and rte_eal_cleanup */
	unsigned int main_lcore;
	struct eal_lcore lc[RTE_MAX_LCORE];
	unsigned int nchannel, nrank; /* -n, -r */
	bool no_shconf;          /* fbarrays are anonymous */
	bool has_hugepages;      /* backend hugetlbfs */
	uint64_t base_virtaddr;
	char *mbuf_pool_ops;     /* --mbuf-pool-ops-name (strdup) */
	size_t worker_stack;     /* --huge-worker-stack bytes; 0: default stack */
	rte_cpuset_t init_affinity; /* the main thread's CPUs before rte_eal_init */
	pthread_rwlock_t lcore_lock; /* roles of non-EAL lcores and the lcore callbacks */
};

EAL_INTERNAL extern struct eal_state eal;

/* rte_errno = err; return -1. */
static inline int
eal_err(int err)
{
	rte_errno = err;
	return -1;
}

/* ---- eal_lcore.c ---- */
/* Roles, pinning of the main thread and worker threads for the EAL lcores in
 * @p order[0..n) (main first checked by the caller). @return 0 or -1/rte_errno;
 * on failure nothing is left running. */
EAL_INTERNAL int eal_lcores_start(const unsigned int *order, unsigned int n, unsigned int main_lcore,
				  const rte_cpuset_t *cpusets, const bool *want_pin);
/* Stop and join every worker (waiting for running functions), unpin the main
 * thread, forget roles and lcore callbacks. */
EAL_INTERNAL void eal_lcores_stop(void);

/* ---- eal_log.c ---- */
/* Route hugemem's log through rte_log (type EAL) / restore hugemem's hook. */
EAL_INTERNAL void eal_log_attach(void);
EAL_INTERNAL void eal_log_detach(void);
/* --log-level=ARG. @return 0 or -1 (bad argument). */
EAL_INTERNAL int eal_log_option(const char *arg);

/* ---- eal_memory.c ---- */
/* Forget the memory event callbacks (hugemem forgot its side at cleanup). */
EAL_INTERNAL void eal_memory_fini(void);
/* The directory rte_fbarray_init uses: the runtime dir, or NULL (anonymous). */
EAL_INTERNAL const char *eal_fbarray_dir(void);

/* ---- eal_mp.c ---- */
/* Open this process's rte_mp_* channel (nothing with --no-shconf / --in-memory).
 * @return 0 or -1/rte_errno. */
EAL_INTERNAL int eal_mp_start(void);
/* rte_eal_init has succeeded: requests without an action are no longer
 * answered "ignore me" (the application did not register one). */
EAL_INTERNAL void eal_mp_ready(void);
/* Close it: stop its thread, drop pending requests and the actions. */
EAL_INTERNAL void eal_mp_stop(void);
/* Validator of the channel's state. @return 0 or -EFAULT with *why. */
EAL_INTERNAL int eal_mp_check(const char **why);

/* ---- eal_misc.c ---- */
/* --force-max-simd-bitwidth: fix the SIMD width (0: not forced). */
EAL_INTERNAL void eal_vect_force(uint16_t bitwidth);

/* ---- eal_tailq.c ---- */
/* Heads for every registered tailq element (memzone of the instance).
 * @return 0 or -1/rte_errno (ENOSPC: more elements than RTE_MAX_TAILQ heads). */
EAL_INTERNAL int eal_tailqs_init(void);
/* Elements lose their heads; the heads' memzone is freed. */
EAL_INTERNAL void eal_tailqs_fini(void);
/* NULL, or why the heads break an invariant (eal_tailq.c's header). */
EAL_INTERNAL const char *eal_tailq_check(void);

/* ---- timer.c ---- */
/* rte_timer_subsystem_finalize, at rte_eal_cleanup. */
EAL_INTERNAL void eal_timer_fini(void);
/* NULL, or why a timer list breaks an invariant (timer.c's header). */
EAL_INTERNAL const char *eal_timer_check(void);

/* ---- mempool_ops.c ---- */
/* Bring rte_mempool_ops_table up to hugemem's ops table. */
EAL_INTERNAL void mempool_ops_sync(void);
struct rte_mempool;
/* Run the mempool event callbacks (enum rte_mempool_event) for @p mp. */
EAL_INTERNAL void mempool_event_invoke(int event, struct rte_mempool *mp);

#endif /* HUGEMEM_DPDK_I_H */
