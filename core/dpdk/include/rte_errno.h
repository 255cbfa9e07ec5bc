/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_errno: the per-thread error number DPDK functions set when they return
 * -1 or NULL. It is not hugemem's hm_errno: the layer copies what it needs.
 */
#ifndef _RTE_ERRNO_H_
#define _RTE_ERRNO_H_

#include <rte_per_lcore.h>

#ifdef __cplusplus
extern "C" {
#endif

RTE_DECLARE_PER_LCORE(int, _rte_errno);
#define rte_errno RTE_PER_LCORE(_rte_errno)

/** Text for @p errnum: DPDK's own codes, else the system's (thread-safe). */
const char *rte_strerror(int errnum);

#ifndef __ELASTERROR
#define __ELASTERROR 1000
#endif

enum {
	RTE_MIN_ERRNO = __ELASTERROR,
	E_RTE_SECONDARY,  /* operation not allowed in a secondary process */
	E_RTE_NO_CONFIG,  /* missing rte_config */
	RTE_MAX_ERRNO
};

#ifdef __cplusplus
}
#endif
#endif /* _RTE_ERRNO_H_ */
