/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts, DPDK 22.11's rte_interrupts.h: the types only. hugemem's devices
 * raise no interrupts (an application polls), so there is nothing to
 * register; the header exists for the code that includes it (DPDK's l2fwd).
 */
#ifndef _RTE_INTERRUPTS_H_
#define _RTE_INTERRUPTS_H_

#ifdef __cplusplus
extern "C" {
#endif

struct rte_intr_handle;

/** An interrupt callback. */
typedef void (*rte_intr_callback_fn)(void *cb_arg);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_INTERRUPTS_H_ */
