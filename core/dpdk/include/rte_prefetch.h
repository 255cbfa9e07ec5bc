/* SPDX-License-Identifier: BSD-3-Clause */
/* Prefetch hints. */
#ifndef _RTE_PREFETCH_H_
#define _RTE_PREFETCH_H_

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Into all cache levels. */
static inline void
rte_prefetch0(const volatile void *p)
{
	__builtin_prefetch((const void *)p, 0, 3);
}

/** Into L2 and below. */
static inline void
rte_prefetch1(const volatile void *p)
{
	__builtin_prefetch((const void *)p, 0, 2);
}

/** Into L3 and below. */
static inline void
rte_prefetch2(const volatile void *p)
{
	__builtin_prefetch((const void *)p, 0, 1);
}

/** Data used once: keep it out of the caches as far as possible. */
static inline void
rte_prefetch_non_temporal(const volatile void *p)
{
	__builtin_prefetch((const void *)p, 0, 0);
}

/** For writing. */
static inline void
rte_prefetch0_write(const void *p)
{
	__builtin_prefetch(p, 1, 3);
}

static inline void
rte_prefetch1_write(const void *p)
{
	__builtin_prefetch(p, 1, 2);
}

static inline void
rte_prefetch2_write(const void *p)
{
	__builtin_prefetch(p, 1, 1);
}

/** Move the line towards other cores' reach (a hint; a no-op here). */
static inline void
rte_cldemote(const volatile void *p)
{
	(void)p;
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_PREFETCH_H_ */
