/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem's additions to its DPDK layer (not DPDK API). Everything else of
 * hugemem stays reachable through the hugemem/ headers (fault injection,
 * topologies, the validators, hm_* calls) from the same program.
 */
#ifndef _RTE_HUGEMEM_H_
#define _RTE_HUGEMEM_H_

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Validator of the layer: the EAL's lcore table (roles, worker threads, lcore
 * indexes 0..n-1 each once, every EAL lcore in hugemem's topology), then
 * hm_memseg_check, hm_malloc_check and hm_memzone_check.
 * @return 0; -ENODEV (EAL not initialised), -EFAULT with *@p reason (may be NULL).
 */
int hm_dpdk_check(const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_HUGEMEM_H_ */
