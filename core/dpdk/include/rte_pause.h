/* SPDX-License-Identifier: BSD-3-Clause */
/* CPU pause and spin-waits on a value. */
#ifndef _RTE_PAUSE_H_
#define _RTE_PAUSE_H_

#include <stdint.h>
#include <rte_common.h>
#include "hugemem/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Tell the CPU this is a spin loop (x86 PAUSE, arm64 YIELD). */
static inline void
rte_pause(void)
{
	hm_pause();
}

/* Spin until *addr == expected, loading with @p memorder (__ATOMIC_RELAXED or
 * __ATOMIC_ACQUIRE). */
#define RTE_WAIT_UNTIL_EQUAL_(w) \
	static __rte_always_inline void \
	rte_wait_until_equal_##w(volatile uint##w##_t *addr, uint##w##_t expected, \
				 int memorder) \
	{ \
		while (__atomic_load_n(addr, memorder) != expected) \
			rte_pause(); \
	}
RTE_WAIT_UNTIL_EQUAL_(16)
RTE_WAIT_UNTIL_EQUAL_(32)
RTE_WAIT_UNTIL_EQUAL_(64)
#undef RTE_WAIT_UNTIL_EQUAL_

/** Spin until (*addr & mask) cond expected, e.g. RTE_WAIT_UNTIL_MASKED(p, 1, ==, 0, ...). */
#define RTE_WAIT_UNTIL_MASKED(addr, mask, cond, expected, memorder) \
	do { \
		while (!((__atomic_load_n((addr), (memorder)) & (mask)) cond (expected))) \
			rte_pause(); \
	} while (0)

#ifdef __cplusplus
}
#endif
#endif /* _RTE_PAUSE_H_ */
