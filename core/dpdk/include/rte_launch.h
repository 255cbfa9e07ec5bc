/* SPDX-License-Identifier: BSD-3-Clause */
/* Running functions on worker lcores (real threads, pinned where possible). */
#ifndef _RTE_LAUNCH_H_
#define _RTE_LAUNCH_H_

#ifdef __cplusplus
extern "C" {
#endif

enum rte_lcore_state_t {
	WAIT,    /* waiting for a function */
	RUNNING, /* running one */
};

typedef int(lcore_function_t)(void *);

/**
 * Run f(arg) on worker lcore @p worker_id. Main lcore only.
 * @return 0 (started: the lcore is RUNNING when this returns); -EBUSY (the
 *   lcore is running a function); -EINVAL (not a worker lcore: unknown,
 *   disabled, the main lcore, or the EAL is not initialised).
 */
int rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned int worker_id);

enum rte_rmt_call_main_t {
	SKIP_MAIN = 0,
	CALL_MAIN,
};

/**
 * rte_eal_remote_launch on every worker, then f(arg) on the main lcore too
 * with CALL_MAIN. @return 0; -EBUSY (a worker is busy: nothing is launched);
 * -EINVAL (not initialised, or not called from the main lcore).
 */
int rte_eal_mp_remote_launch(lcore_function_t *f, void *arg, enum rte_rmt_call_main_t call_main);

/** WAIT or RUNNING (WAIT for lcores that are not workers). */
enum rte_lcore_state_t rte_eal_get_lcore_state(unsigned int worker_id);

/**
 * Wait until @p worker_id is back in WAIT. @return what its last function
 * returned; 0 when none ran (or for an lcore that is not a worker).
 */
int rte_eal_wait_lcore(unsigned int worker_id);

/** rte_eal_wait_lcore on every worker. */
void rte_eal_mp_wait_lcore(void);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_LAUNCH_H_ */
