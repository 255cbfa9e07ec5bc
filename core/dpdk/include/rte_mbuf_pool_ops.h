/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which mempool ops pktmbuf pools use (DPDK 22.11's rte_mbuf_pool_ops.h): the
 * user's choice (rte_mbuf_set_user_mempool_ops, or the EAL option
 * --mbuf-pool-ops-name), else the platform's (set once), else
 * RTE_MBUF_DEFAULT_MEMPOOL_OPS. Kept in memzones "mbuf_user_pool_ops" and
 * "mbuf_platform_pool_ops", so every process of the instance sees them.
 */
#ifndef _RTE_MBUF_POOL_OPS_H_
#define _RTE_MBUF_POOL_OPS_H_

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Set the platform's ops name (once). @return 0 (also when set to the same
 * name already), -EINVAL (NULL or RTE_MEMPOOL_OPS_NAMESIZE characters or
 * more), -EEXIST (set to another name), -ENOMEM / -ENOSPC / -ENODEV (no memzone).
 */
int rte_mbuf_set_platform_mempool_ops(const char *ops_name);
/** The platform's ops name, or NULL. */
const char *rte_mbuf_platform_mempool_ops(void);
/** Set the user's ops name (may be changed). @return 0, -EINVAL, -ENOMEM / -ENOSPC / -ENODEV. */
int rte_mbuf_set_user_mempool_ops(const char *ops_name);
/** The user's ops name (else --mbuf-pool-ops-name), or NULL. */
const char *rte_mbuf_user_mempool_ops(void);
/** The ops name pktmbuf pools use: user's, else platform's, else the default. */
const char *rte_mbuf_best_mempool_ops(void);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MBUF_POOL_OPS_H_ */
